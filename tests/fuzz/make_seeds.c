/* make_seeds - writes the binary seed corpora of fuzz_codec and fuzz_chunk: small valid
 * encodings made by the real encoders, from fixed data, so the fuzzers start from inputs
 * that reach deep into the decoders instead of failing on the first byte.
 *
 *   fuzz_make_seeds tests/fuzz/corpus   (fills corpus/fuzz_codec and corpus/fuzz_chunk)
 *
 * The output is deterministic: rerunning it rewrites the same bytes. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "fuzz_chunk_layout.h"

enum { C_INTS, C_DOUBLES, C_BITS, C_STRINGS };

static int write_file(const char *dir, const char *sub, const char *name, const gp_buf *b) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    perror(path);
    return -1;
  }
  size_t w = b->len ? fwrite(b->p, 1, b->len, f) : 0;
  int rc = fclose(f);
  if (w != b->len || rc != 0) {
    perror(path);
    return -1;
  }
  return 0;
}

/* fuzz_codec input: codec byte, u16le n, then the encoding. */
static gp_buf codec_header(int codec, size_t n) {
  gp_buf b = {0};
  if (gp_buf_put_u8(&b, (uint8_t)codec) || gp_buf_put_u8(&b, (uint8_t)(n & 0xff)) ||
      gp_buf_put_u8(&b, (uint8_t)(n >> 8)))
    abort();
  return b;
}

static int seed_ints(const char *dir, const char *name, const int64_t *v, size_t n) {
  gp_buf b = codec_header(C_INTS, n);
  if (gp_codec_ints_encode(v, n, &b)) abort();
  int rc = write_file(dir, "fuzz_codec", name, &b);
  gp_buf_free(&b);
  return rc;
}

static int seed_doubles(const char *dir, const char *name, const double *v, size_t n) {
  gp_buf b = codec_header(C_DOUBLES, n);
  if (gp_codec_doubles_encode(v, n, &b)) abort();
  int rc = write_file(dir, "fuzz_codec", name, &b);
  gp_buf_free(&b);
  return rc;
}

static int seed_bits(const char *dir, const char *name, const uint8_t *bits, size_t n) {
  gp_buf b = codec_header(C_BITS, n);
  if (gp_codec_bits_encode(bits, n, &b)) abort();
  int rc = write_file(dir, "fuzz_codec", name, &b);
  gp_buf_free(&b);
  return rc;
}

static int seed_strings(const char *dir, const char *name, const char *const *s, size_t n) {
  uint32_t len[16];
  for (size_t i = 0; i < n; i++) len[i] = (uint32_t)strlen(s[i]);
  gp_buf b = codec_header(C_STRINGS, n);
  if (gp_codec_strings_encode(s, len, n, &b)) abort();
  int rc = write_file(dir, "fuzz_codec", name, &b);
  gp_buf_free(&b);
  return rc;
}

/* A fixed-seed LCG (Knuth's MMIX constants): same seeds on every machine. */
static uint64_t lcg(uint64_t *s) {
  *s = *s * 6364136223846793005u + 1442695040888963407u;
  return *s >> 33;
}

static int codec_seeds(const char *dir) {
  int rc = 0;
  uint64_t st = 42;
  /* codec.c's worked examples */
  const int64_t ts[] = {1000, 2000, 3000, 4000, 4500};
  const int64_t exc[] = {3, 5, 4, 1000, 6, 3};
  const int64_t secs[] = {1000000, 3000000, 4000000};
  const int64_t edge[] = {INT64_MIN, INT64_MAX, 0, -1, INT64_MIN, 1};
  int64_t sensor[64], ids[100];
  for (int i = 0; i < 64; i++)
    sensor[i] = INT64_C(1700000000000000) + (int64_t)i * 60000000 + (i % 7 == 3);
  for (int i = 0; i < 100; i++) ids[i] = (int64_t)(lcg(&st) % 12);
  rc |= seed_ints(dir, "ints_delta_rle", ts, 5);
  rc |= seed_ints(dir, "ints_pfor_exception", exc, 6);
  rc |= seed_ints(dir, "ints_factor", secs, 3);
  rc |= seed_ints(dir, "ints_edges", edge, 6);
  rc |= seed_ints(dir, "ints_dod", sensor, 64);
  rc |= seed_ints(dir, "ints_small_ids", ids, 100);
  rc |= seed_ints(dir, "ints_empty", NULL, 0);

  const double dec[] = {1.0, 1.0, 1.5};
  const double xr[] = {1.0, 1.0, 1.5, -0.0};
  const double odd[] = {NAN, INFINITY, -INFINITY, 5e-324, -0.0, 0.1, 1e300};
  double temp[48];
  for (int i = 0; i < 48; i++) temp[i] = 20.0 + sin(i / 5.0) * 3.0; /* not decimals: XOR */
  rc |= seed_doubles(dir, "doubles_scaled", dec, 3);
  rc |= seed_doubles(dir, "doubles_xor", xr, 4);
  rc |= seed_doubles(dir, "doubles_specials", odd, 7);
  rc |= seed_doubles(dir, "doubles_sensor", temp, 48);

  const uint8_t zero[2] = {0, 0}, ones[2] = {0xff, 0x1f}, mixed[2] = {0xa5, 0x13};
  rc |= seed_bits(dir, "bits_zero", zero, 13);
  rc |= seed_bits(dir, "bits_one", ones, 13);
  rc |= seed_bits(dir, "bits_raw", mixed, 13);

  const char *const strs[] = {"", "pothole", "e-bike charging", "\"quoted\"", "\xe5\x8c\x97"};
  rc |= seed_strings(dir, "strings_mixed", strs, 5);
  return rc;
}

static int chunk_seeds(const char *dir) {
  static const char *const words[] = {"noise", "parking", "water level", "", "gas leak"};
  gp_rows r;
  gp_err err = {0};
  int rc = 0;
  uint64_t st = 7;
  if (gp_rows_init(&r, &k_layout, 24)) abort();
  /* r.text is not used: TEXT values borrow the static words. */
  for (size_t i = 0; i < 24; i++) {
    r.cell[i] = UINT64_C(0x5a5a0000) + lcg(&st) % 16;
    r.cols[0].i64[i] = INT64_C(1700000000000000) + (int64_t)i * 15000000;
    r.cols[1].f64[i] = (double)(lcg(&st) % 1000) / 10.0;
    r.cols[2].i64[i] = (int64_t)(lcg(&st) % 50) - 25;
    r.cols[3].i64[i] = (int64_t)(lcg(&st) % 6) + 100;
    r.cols[4].str[i] = words[i % 5];
    r.cols[4].len[i] = (uint32_t)strlen(words[i % 5]);
    if (i % 5 == 2 && gp_col_set_null(&r.cols[1], i, r.cap)) abort();
    if (i % 7 == 4 && gp_col_set_null(&r.cols[4], i, r.cap)) abort();
  }
  struct {
    const char *name;
    size_t n;
    int what; /* 0 raw rows, 1 packed rows, 2 summary, 3 summary with tails */
  } seeds[] = {
      {"rows_packed_24", 24, 1}, {"rows_raw_24", 24, 0}, {"rows_packed_3", 3, 1},
      {"rows_raw_0", 0, 0},      {"summary_24", 24, 2},  {"summary_0", 0, 2},
      {"summary_tail_24", 24, 3},
  };
  for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
    gp_buf b = {0};
    r.n = seeds[k].n;
    /* what 2: a version 1 summary (no series), 3: version 2, with the series tails */
    gp_rc e = seeds[k].what >= 2
                  ? gp_store__encode_summary(&r, k_layout.time_col,
                                             seeds[k].what == 3 ? k_layout.series_col : -1, &b, &err)
                  : gp_store__encode_rows(&r, seeds[k].what, &b, &err);
    if (e != GP_OK) {
      fprintf(stderr, "%s: %s\n", seeds[k].name, err.msg);
      abort();
    }
    rc |= write_file(dir, "fuzz_chunk", seeds[k].name, &b);
    gp_buf_free(&b);
  }
  r.n = 0;
  gp_rows_free(&r);
  return rc;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s CORPUS_ROOT (e.g. tests/fuzz/corpus)\n", argv[0]);
    return 2;
  }
  int rc = codec_seeds(argv[1]) | chunk_seeds(argv[1]);
  return rc ? 1 : 0;
}
