/* test_window - window aggregates over wide frames: min/max by their O(n) queue against the
 * frame-by-frame answer, and a running min over 400,000 rows, which the frame-by-frame loop
 * took minutes for (a running min over the demo city's 50,000 events took 18 s). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "query_int.h"

static uint64_t rng_state;
static uint64_t rnd(void) {
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

/* The frame's min or max by brute force, the first of equal values winning. */
static qx_val brute(qx_win_kind kind, const qx_val *v, size_t n, size_t i, int64_t lo, int64_t hi) {
  int64_t a = (int64_t)i + lo, b = (int64_t)i + hi;
  qx_val best = qx_null();
  for (int64_t j = a < 0 ? 0 : a; j <= b && j < (int64_t)n; j++) {
    if (v[j].t == QV_NULL) continue;
    int cm = qx_val_cmp(&v[j], &best);
    if (best.t == QV_NULL || (kind == QW_MIN ? cm < 0 : cm > 0)) best = v[j];
  }
  return best;
}

static void test_minmax_frames(void **st) {
  (void)st;
  rng_state = 11;
  enum { N = 700 };
  static const char *const words[] = {"a", "b", "漏水", "", "zz", "b"};
  qx_val v[N], out[N];
  static const int64_t frames[][2] = {{INT64_MIN / 4, 0},  {-40, 0},   {0, 40},  {-60, -20},
                                      {20, 90},           {-33, 33},  {0, INT64_MAX / 4},
                                      {INT64_MIN / 4, INT64_MAX / 4}, {-800, -750}};
  for (int type = 0; type < 3; type++) {
    for (int i = 0; i < N; i++) {
      bool null = rnd() % (type == 2 ? 2 : 6) == 0 || (type == 2 && i > 100 && i < 300); /* runs of NULLs */
      const char *w = words[rnd() % 6];
      v[i] = null ? qx_null()
             : type == 0 ? qx_int((int64_t)(rnd() % 50) - 25)
             : type == 1 ? qx_dbl((double)(rnd() % 1000) / 8 - 60)
                         : qx_text(w, strlen(w));
    }
    for (int k = 0; k < 2; k++)
      for (size_t f = 0; f < sizeof frames / sizeof *frames; f++) {
        qx_win_kind kind = k ? QW_MAX : QW_MIN;
        qx_window_eval(kind, v, N, frames[f][0], frames[f][1], 0, qx_null(), out);
        for (size_t i = 0; i < N; i++) {
          qx_val want = brute(kind, v, N, i, frames[f][0], frames[f][1]);
          if (!qx_val_eq(&out[i], &want))
            fail_msg("type %d, %s, frame [%lld, %lld], row %zu", type, k ? "max" : "min",
                     (long long)frames[f][0], (long long)frames[f][1], i);
        }
      }
  }
}

static void test_running_min_is_linear(void **st) {
  (void)st;
  rng_state = 5;
  enum { N = 400000 };
  qx_val *v = malloc(N * sizeof *v), *out = malloc(N * sizeof *out);
  assert_non_null(v);
  assert_non_null(out);
  for (int i = 0; i < N; i++) v[i] = qx_dbl((double)(rnd() % 1000000) / 100);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  qx_window_eval(QW_MIN, v, N, INT64_MIN / 4, 0, 0, qx_null(), out);
  qx_window_eval(QW_MAX, v, N, -5000, 5000, 0, qx_null(), out);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  /* O(n): milliseconds; frame by frame it is 8e10 + 4e9 comparisons, minutes. 10 s leaves room
   * for a loaded machine and the sanitizers. */
  if (s > 10) fail_msg("min/max over wide frames of %d rows took %.1f s", N, s);
  double mx = 0; /* the max over [i-5000, i+5000] at row 0 is the max of rows 0..5000 */
  for (int i = 0; i <= 5000; i++)
    if (v[i].d > mx) mx = v[i].d;
  assert_true(out[0].d == mx);
  free(v);
  free(out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_minmax_frames),
      cmocka_unit_test(test_running_min_is_linear),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
