/* bench_util.h - what every micro-benchmark in bench/ shares: a seeded generator (the same
 * data on every run and machine), a monotonic clock, an order-sensitive checksum of what was
 * computed, and the result line (median and fastest of several runs). Header-only, because
 * each benchmark is one translation unit. */
#ifndef GP_BENCH_UTIL_H
#define GP_BENCH_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define FNV_OFFSET UINT64_C(0xcbf29ce484222325)
#define FNV_PRIME UINT64_C(0x100000001b3)

static inline uint64_t rng_next(uint64_t *s) { /* splitmix64 */
  uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}
static inline double rng_unit(uint64_t *s) {
  return (double)(rng_next(s) >> 11) / 9007199254740992.0;
}

static inline double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* FNV-1a over the 8 bytes of v: order-sensitive, so a swapped answer changes it. */
static inline uint64_t mix(uint64_t h, uint64_t v) {
  for (int b = 0; b < 64; b += 8) h = (h ^ ((v >> b) & 0xff)) * FNV_PRIME;
  return h;
}

static inline int cmp_dbl(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* One result line: work units per second at the median and at the fastest run. t[] (seconds
 * per run) is sorted in place. */
static inline void report(const char *name, double work, double scale, const char *unit,
                          double *t, int runs, uint64_t sum) {
  qsort(t, (size_t)runs, sizeof *t, cmp_dbl);
  double med = runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
  printf("%-22s %10.3f %10.3f  %-10s %016llx\n", name, work / med / scale, work / t[0] / scale,
         unit, (unsigned long long)sum);
}

#endif
