/* bench_codec.c - column codec micro-benchmark: encode and decode speed on fixed-seed data in
 * chunks of CHUNK values, with a checksum of the decoded values so a fast wrong answer shows.
 *
 *   cc -O2 -I bench -I engine -I storage bench/bench_codec.c storage/codec.c engine/base.c -lm
 *   ./a.out [total values, default 8388608]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "codec.h"

#define CHUNK 8192

typedef enum { INTS, DOUBLES } kind;

/* Encodes all chunks of `in` (n values of 8 bytes) once, then times REPS rounds of encoding and
 * of decoding; prints raw-MB/s (8 bytes a value), values/s, bytes a value and a checksum. */
static int run(const char *name, kind k, const void *in, size_t n) {
  enum { REPS = 5 };
  size_t nchunks = (n + CHUNK - 1) / CHUNK;
  gp_buf *enc = calloc(nchunks, sizeof *enc);
  void *out = malloc(CHUNK * 8);
  if (!enc || !out) return 1;
  double t0 = now();
  for (int rep = 0; rep < REPS; rep++) {
    for (size_t c = 0; c < nchunks; c++) {
      size_t m = c + 1 < nchunks ? CHUNK : n - c * CHUNK;
      enc[c].len = 0;
      gp_rc rc = k == INTS ? gp_codec_ints_encode((const int64_t *)in + c * CHUNK, m, &enc[c])
                           : gp_codec_doubles_encode((const double *)in + c * CHUNK, m, &enc[c]);
      if (rc != GP_OK) return fprintf(stderr, "%s: encode failed\n", name), 1;
    }
  }
  double t_enc = (now() - t0) / REPS;
  size_t bytes = 0;
  for (size_t c = 0; c < nchunks; c++) bytes += enc[c].len;

  uint64_t sum = 0;
  t0 = now();
  for (int rep = 0; rep < REPS; rep++) {
    for (size_t c = 0; c < nchunks; c++) {
      size_t m = c + 1 < nchunks ? CHUNK : n - c * CHUNK;
      gp_rd r = {enc[c].p, enc[c].p + enc[c].len};
      gp_err err = {0};
      gp_rc rc = k == INTS ? gp_codec_ints_decode(&r, m, out, &err)
                           : gp_codec_doubles_decode(&r, m, out, &err);
      if (rc != GP_OK) return fprintf(stderr, "%s: decode failed: %s\n", name, err.msg), 1;
      if (memcmp(out, (const uint8_t *)in + c * CHUNK * 8, m * 8) != 0)
        return fprintf(stderr, "%s: round trip mismatch in chunk %zu\n", name, c), 1;
      if (rep == 0)
        for (size_t i = 0; i < m; i++) {
          uint64_t u;
          memcpy(&u, (const uint8_t *)out + 8 * i, 8);
          sum = sum * 31 + u;
        }
    }
  }
  double t_dec = (now() - t0) / REPS;
  double mb = (double)n * 8 / 1e6;
  printf("%-16s %7.2f B/val | encode %7.0f MB/s %7.1f Mval/s | decode %7.0f MB/s %7.1f Mval/s"
         " | checksum %016llx\n",
         name, (double)bytes / (double)n, mb / t_enc, (double)n / t_enc / 1e6, mb / t_dec,
         (double)n / t_dec / 1e6, (unsigned long long)sum);
  for (size_t c = 0; c < nchunks; c++) gp_buf_free(&enc[c]);
  free(enc);
  free(out);
  return 0;
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : (size_t)1 << 23;
  int64_t *iv = malloc(n * sizeof *iv);
  double *dv = malloc(n * sizeof *dv);
  if (!iv || !dv) return 1;
  uint64_t seed = 42;
  int bad = 0;

  int64_t t = INT64_C(1700000000000000);
  for (size_t i = 0; i < n; i++) iv[i] = t += 10000000; /* 10 s step, microseconds */
  bad |= run("ts const step", INTS, iv, n);
  t = INT64_C(1700000000000000);
  for (size_t i = 0; i < n; i++) iv[i] = t += 10000000 + (int64_t)(rng_next(&seed) % 2000) - 1000;
  bad |= run("ts jitter 1ms", INTS, iv, n);
  for (size_t i = 0; i < n; i++) iv[i] = (int64_t)(rng_next(&seed) % 182);
  bad |= run("ids 0..181", INTS, iv, n);
  for (size_t i = 0; i < n; i++) iv[i] = (int64_t)(rng_next(&seed) % 1000000);
  bad |= run("ints 0..1e6", INTS, iv, n);
  for (size_t i = 0; i < n; i++) iv[i] = (int64_t)rng_next(&seed);
  bad |= run("ints random", INTS, iv, n);

  long cents = 2057;
  for (size_t i = 0; i < n; i++) {
    cents += (long)(rng_next(&seed) % 21) - 10;
    dv[i] = (double)cents / 100;
  }
  bad |= run("dbl 2 decimals", DOUBLES, dv, n);
  for (size_t i = 0; i < n; i++) dv[i] = (double)(118000000 + (long)(rng_next(&seed) % 1000000)) / 1e6;
  bad |= run("dbl 6 decimals", DOUBLES, dv, n);
  for (size_t i = 0; i < n; i++) dv[i] = (double)(rng_next(&seed) >> 11) / 9007199254740992.0 * 100;
  bad |= run("dbl random", DOUBLES, dv, n);
  for (size_t i = 0; i < n; i++) dv[i] = 20.0 + (double)(i % 1000) * 0.001 + 1e-7 * (double)(i % 7);
  bad |= run("dbl slow float", DOUBLES, dv, n);

  free(iv);
  free(dv);
  return bad;
}
