/* test_codec.c - column codecs: round trips on edge and random data, chosen sizes, golden
 * bytes of the documented examples, and truncated / corrupted input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

/* ---- helpers ---- */

static uint64_t rng_next(uint64_t *s) { /* splitmix64: fixed seeds, same data every run */
  uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t *s, uint64_t n) { return rng_next(s) % n; }

/* An exact-size heap copy, so ASan flags any read past the encoding. */
static uint8_t *dup_bytes(const uint8_t *p, size_t n) {
  uint8_t *c = malloc(n ? n : 1);
  assert_non_null(c);
  if (n) memcpy(c, p, n);
  return c;
}

typedef enum { K_INTS, K_DOUBLES, K_BITS } kind;

static gp_rc decode_any(kind k, gp_rd *r, size_t n, void *out, gp_err *err) {
  switch (k) {
    case K_INTS: return gp_codec_ints_decode(r, n, out, err);
    case K_DOUBLES: return gp_codec_doubles_decode(r, n, out, err);
    default: return gp_codec_bits_decode(r, n, out, err);
  }
}

static size_t elem_bytes(kind k, size_t n) { return k == K_BITS ? (n + 7) / 8 : n * 8; }

/* Decodes enc (exactly) and compares bit for bit with want; also checks that every proper
 * prefix of enc is rejected as GP_CORRUPT with a message. */
static void check_decode(kind k, const gp_buf *enc, size_t n, const void *want) {
  size_t nb = elem_bytes(k, n);
  uint8_t *got = malloc(nb ? nb : 1);
  assert_non_null(got);
  uint8_t *copy = dup_bytes(enc->p, enc->len);
  gp_rd r = {copy, copy + enc->len};
  gp_err err = {0};
  assert_int_equal(decode_any(k, &r, n, got, &err), GP_OK);
  assert_ptr_equal(r.p, copy + enc->len); /* consumed exactly its own bytes */
  assert_memory_equal(got, want, nb);
  free(copy);

  for (size_t len = 0; len < enc->len; len++) {
    copy = dup_bytes(enc->p, len);
    gp_rd t = {copy, copy + len};
    gp_err e = {0};
    assert_int_equal(decode_any(k, &t, n, got, &e), GP_CORRUPT);
    assert_int_equal(e.rc, GP_CORRUPT);
    assert_true(e.msg[0] != '\0');
    free(copy);
  }
  free(got);
}

/* Round trip of n ints; returns the encoded size. Truncation is checked for small inputs only,
 * to keep the test fast. */
static size_t rt_ints(const int64_t *v, size_t n) {
  gp_buf b = {0};
  assert_int_equal(gp_codec_ints_encode(v, n, &b), GP_OK);
  size_t len = b.len;
  if (len <= 600) {
    check_decode(K_INTS, &b, n, v);
  } else {
    int64_t *got = malloc(n * sizeof *got);
    gp_rd r = {b.p, b.p + b.len};
    gp_err err = {0};
    assert_int_equal(gp_codec_ints_decode(&r, n, got, &err), GP_OK);
    assert_ptr_equal(r.p, b.p + b.len);
    assert_memory_equal(got, v, n * sizeof *got);
    free(got);
  }
  gp_buf_free(&b);
  return len;
}

/* Round trip of n doubles compared bit for bit; returns the encoding's first two bytes (tag,
 * and scale when scaled) through tag/scale and its size. */
static size_t rt_doubles(const double *v, size_t n, int *tag, int *scale) {
  gp_buf b = {0};
  assert_int_equal(gp_codec_doubles_encode(v, n, &b), GP_OK);
  assert_true(b.len >= 1);
  if (tag) *tag = b.p[0];
  if (scale) *scale = b.len >= 2 && b.p[0] == 0 ? b.p[1] : -1;
  size_t len = b.len;
  if (len <= 600) {
    check_decode(K_DOUBLES, &b, n, v);
  } else {
    double *got = malloc(n * sizeof *got);
    gp_rd r = {b.p, b.p + b.len};
    gp_err err = {0};
    assert_int_equal(gp_codec_doubles_decode(&r, n, got, &err), GP_OK);
    assert_ptr_equal(r.p, b.p + b.len);
    assert_memory_equal(got, v, n * sizeof *got);
    free(got);
  }
  gp_buf_free(&b);
  return len;
}

static void assert_bytes(const gp_buf *b, const uint8_t *want, size_t n) {
  assert_int_equal(b->len, n);
  assert_memory_equal(b->p, want, n);
}

/* ---- ints ---- */

static void test_ints_small_cases(void **state) {
  (void)state;
  static const struct {
    size_t n;
    int64_t v[8];
  } cases[] = {
      {0, {0}},
      {1, {0}},
      {1, {INT64_MIN}},
      {1, {INT64_MAX}},
      {2, {INT64_MIN, INT64_MAX}},
      {2, {INT64_MAX, INT64_MIN}},
      {3, {INT64_MAX, INT64_MIN, INT64_MAX}},
      {4, {INT64_MIN, INT64_MIN, INT64_MAX, INT64_MAX}},
      {5, {-1, 0, 1, INT64_MIN, INT64_MAX}},
      {3, {7, 7, 7}},
      {8, {0, 1, 2, 3, 4, 5, 6, 7}},
      {8, {-5, -4, -100, 3, 3, 3, -2, 0}},
      {6, {3, 5, 4, 1000, 6, 3}},
      {5, {1000, 2000, 3000, 4000, 4500}},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) rt_ints(cases[c].v, cases[c].n);
  assert_true(rt_ints(NULL, 0) <= 2);
  /* any transform tag is valid for n = 0 and must not touch the empty output */
  for (unsigned tag = 0; tag < 8; tag++) {
    if ((tag & 3) == 3) continue;
    uint8_t byte = (uint8_t)tag;
    uint8_t *c = dup_bytes(&byte, 1);
    int64_t *o = malloc(1); /* ASan: an 8-byte access here is an error */
    gp_rd r = {c, c + 1};
    gp_err err = {0};
    assert_int_equal(gp_codec_ints_decode(&r, 0, o, &err), GP_OK);
    assert_ptr_equal(r.p, c + 1);
    free(o);
    free(c);
  }
}

/* The two examples documented at the top of codec.c, byte for byte. */
static void test_ints_golden(void **state) {
  (void)state;
  gp_buf b = {0};
  const int64_t ts[] = {1000, 2000, 3000, 4000, 4500};
  assert_int_equal(gp_codec_ints_encode(ts, 5, &b), GP_OK);
  const uint8_t want1[] = {0x05, 0xd0, 0x0f, 0x02, 0xd0, 0x0f, 0x02, 0xe8, 0x07, 0x00};
  assert_bytes(&b, want1, sizeof want1);
  b.len = 0;
  const int64_t pf[] = {3, 5, 4, 1000, 6, 3};
  assert_int_equal(gp_codec_ints_encode(pf, 6, &b), GP_OK);
  const uint8_t want2[] = {0x00, 0x06, 0x02, 0x01, 0x58, 0x03, 0x03, 0xf9, 0x01};
  assert_bytes(&b, want2, sizeof want2);
  b.len = 0;
  assert_int_equal(gp_codec_ints_encode(NULL, 0, &b), GP_OK);
  assert_int_equal(b.len, 1);
  gp_buf_free(&b);
}

/* The encoding appends: what was in the buffer stays, and two columns decode back to back. */
static void test_ints_append(void **state) {
  (void)state;
  gp_buf b = {0};
  assert_int_equal(gp_buf_put(&b, "hdr", 3), GP_OK);
  const int64_t a[] = {1, 2, 3}, c[] = {-9, 9};
  assert_int_equal(gp_codec_ints_encode(a, 3, &b), GP_OK);
  assert_int_equal(gp_codec_ints_encode(c, 2, &b), GP_OK);
  assert_memory_equal(b.p, "hdr", 3);
  gp_rd r = {b.p + 3, b.p + b.len};
  int64_t ga[3], gc[2];
  gp_err err = {0};
  assert_int_equal(gp_codec_ints_decode(&r, 3, ga, &err), GP_OK);
  assert_int_equal(gp_codec_ints_decode(&r, 2, gc, &err), GP_OK);
  assert_memory_equal(ga, a, sizeof a);
  assert_memory_equal(gc, c, sizeof c);
  assert_ptr_equal(r.p, b.p + b.len);
  gp_buf_free(&b);
}

static void test_ints_timestamps(void **state) {
  (void)state;
  enum { N = 10000 };
  int64_t *v = malloc(N * sizeof *v);
  const int64_t t0 = INT64_C(1700000000) * GP_USEC_PER_SEC;
  static const int64_t steps[] = {GP_USEC_PER_SEC, 10 * GP_USEC_PER_SEC, 60 * GP_USEC_PER_SEC,
                                  900 * GP_USEC_PER_SEC, GP_USEC_PER_HOUR};

  /* constant step: delta-of-delta is all zero */
  for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
    for (int i = 0; i < N; i++) v[i] = t0 + i * steps[s];
    assert_true(rt_ints(v, N) < 64);
  }
  /* the same before the epoch */
  for (int i = 0; i < N; i++) v[i] = -t0 + i * GP_USEC_PER_SEC;
  assert_true(rt_ints(v, N) < 64);

  /* sorted with jitter of up to a millisecond: about 11 bits a value */
  uint64_t seed = 1;
  for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
    int64_t t = t0;
    for (int i = 0; i < N; i++) v[i] = t += steps[s] + (int64_t)rng_below(&seed, 1000);
    assert_true(rt_ints(v, N) < N * 2);
  }
  /* sorted, random step between 1 s and 1 h */
  int64_t t = t0;
  for (int i = 0; i < N; i++)
    v[i] = t += GP_USEC_PER_SEC + (int64_t)rng_below(&seed, (uint64_t)GP_USEC_PER_HOUR);
  assert_true(rt_ints(v, N) < N * 5);

  /* five series of 2000 constant-step rows concatenated: each restarts back in time */
  for (int s = 0; s < 5; s++)
    for (int i = 0; i < 2000; i++) v[s * 2000 + i] = t0 + s * 7 + i * 10 * GP_USEC_PER_SEC;
  assert_true(rt_ints(v, N) < 128);
  /* and with a few single jumps back inside one series */
  for (int i = 0; i < N; i++) v[i] = t0 + i * GP_USEC_PER_SEC;
  v[100] -= 30 * GP_USEC_PER_SEC;
  v[5000] -= GP_USEC_PER_HOUR;
  v[9999] = t0;
  assert_true(rt_ints(v, N) < 128);
  free(v);
}

static void test_ints_small_values(void **state) {
  (void)state;
  enum { N = 10000 };
  int64_t *v = malloc(N * sizeof *v);
  uint64_t seed = 2;
  /* 0..181: 8 bits a value plus the 4-byte header (tag, min, b, exception count) */
  for (int i = 0; i < N; i++) v[i] = (int64_t)rng_below(&seed, 182);
  assert_true(rt_ints(v, N) <= N + 4);
  for (int i = 0; i < N; i++) v[i] = 1000000 + (int64_t)rng_below(&seed, 16); /* 4 bits */
  assert_true(rt_ints(v, N) <= N / 2 + 16);
  for (int i = 0; i < N; i++) v[i] = 42;
  assert_true(rt_ints(v, N) <= 8);
  for (int i = 0; i < N; i++) v[i] = i; /* sorted ids */
  assert_true(rt_ints(v, N) <= 8);
  /* runs of dictionary ids: RLE */
  for (int i = 0; i < N; i++) v[i] = i / 1000;
  assert_true(rt_ints(v, N) <= 40);
  /* small values with rare huge outliers: PFOR exceptions keep the rest narrow */
  for (int i = 0; i < N; i++) v[i] = (int64_t)rng_below(&seed, 8);
  for (int i = 0; i < N; i += 1000) v[i] = INT64_MAX - i;
  assert_true(rt_ints(v, N) <= N * 3 / 8 + 200);
  free(v);
}

/* Every bit width 0..64, for counts around the 8-value groups and the buffer end, so every
 * specialised unpacker and the byte-wise tail are exercised. */
static void test_ints_all_widths(void **state) {
  (void)state;
  uint64_t seed = 3;
  int64_t v[67];
  for (unsigned w = 0; w <= 64; w++) {
    for (size_t n = 1; n <= 67; n += (n < 20 ? 1 : 23)) {
      for (size_t i = 0; i < n; i++) {
        uint64_t x = w == 64 ? rng_next(&seed) : rng_next(&seed) & ((UINT64_C(1) << w) - 1);
        v[i] = (int64_t)(x - (UINT64_C(1) << 40));
      }
      if (w > 0) v[n / 2] = (int64_t)((w == 64 ? ~UINT64_C(0) : (UINT64_C(1) << w) - 1) -
                                      (UINT64_C(1) << 40));
      rt_ints(v, n);
    }
  }
}

static void test_ints_random(void **state) {
  (void)state;
  enum { N = 5000 };
  int64_t *v = malloc(N * sizeof *v);
  uint64_t seed = 4;
  for (int i = 0; i < N; i++) v[i] = (int64_t)rng_next(&seed);
  size_t len = rt_ints(v, N);
  assert_true(len <= N * 8 + 16); /* never much worse than raw */
  for (int i = 0; i < N; i++) {
    uint64_t r = rng_next(&seed);
    v[i] = r % 3 == 0 ? INT64_MIN : r % 3 == 1 ? INT64_MAX : (int64_t)(r >> (r & 63));
  }
  rt_ints(v, N);
  for (int i = 0; i < N; i++) v[i] = -(int64_t)rng_below(&seed, 1u << 20) - 1;
  rt_ints(v, N);
  /* many short random arrays, truncation-checked */
  for (int it = 0; it < 300; it++) {
    size_t n = rng_below(&seed, 40);
    unsigned w = (unsigned)rng_below(&seed, 65);
    for (size_t i = 0; i < n; i++) v[i] = w == 0 ? 0 : (int64_t)(rng_next(&seed) >> (64 - w));
    if (n && it % 3 == 0) v[rng_below(&seed, n)] = INT64_MIN;
    rt_ints(v, n);
  }
  free(v);
}

/* ---- doubles ---- */

static void test_doubles_decimals(void **state) {
  (void)state;
  int tag, scale;
  const double six[] = {118.345678, 33.912345, 20.57, -0.000001, 0.0, 1e6};
  rt_doubles(six, 6, &tag, &scale);
  assert_int_equal(tag, 0);
  assert_int_equal(scale, 6);
  const double two[] = {20.57, 19.99, -3.1, 0.01, 100.0};
  rt_doubles(two, 5, &tag, &scale);
  assert_int_equal(tag, 0);
  assert_int_equal(scale, 2);
  /* the first values need fewer decimals than a later one: d rises and every k is redone */
  const double rising[] = {20.5, 3.0, 19.99, -7.25, 0.001, 20.5};
  rt_doubles(rising, 6, &tag, &scale);
  assert_int_equal(tag, 0);
  assert_int_equal(scale, 3);
  const double ints[] = {1.0, -2.0, 4503599627370495.0, 0.0};
  rt_doubles(ints, 4, &tag, &scale);
  assert_int_equal(scale, 0);
  const double nine[] = {0.123456789, 1.5};
  rt_doubles(nine, 2, &tag, &scale);
  assert_int_equal(scale, 9);
  /* ten decimals, or beyond 2^53 after scaling: XOR */
  const double ten[] = {0.1234567891, 1.5};
  rt_doubles(ten, 2, &tag, NULL);
  assert_int_equal(tag, 1);
  const double big[] = {9007199254740993.0 * 4, 0.5};
  rt_doubles(big, 2, &tag, NULL);
  assert_int_equal(tag, 1);
  rt_doubles(NULL, 0, NULL, NULL);
  const double one[] = {3.25};
  rt_doubles(one, 1, &tag, &scale);
  assert_int_equal(scale, 2);

  /* 10,000 two-decimal prices as a random walk: scaled and small */
  enum { N = 10000 };
  double *v = malloc(N * sizeof *v);
  uint64_t seed = 5;
  long cents = 2057;
  for (int i = 0; i < N; i++) {
    cents += (long)rng_below(&seed, 21) - 10;
    v[i] = (double)cents / 100;
  }
  size_t len = rt_doubles(v, N, &tag, &scale);
  assert_int_equal(tag, 0);
  assert_int_equal(scale, 2);
  assert_true(len <= N * 5 / 8 + 64); /* deltas -10..10: 5 bits */
  /* six-decimal coordinates around a city */
  for (int i = 0; i < N; i++) v[i] = (double)(118000000 + (long)rng_below(&seed, 1000000)) / 1e6;
  len = rt_doubles(v, N, &tag, &scale);
  assert_int_equal(scale, 6);
  assert_true(len <= N * 20 / 8 + 64);
  /* constant sensor reading */
  for (int i = 0; i < N; i++) v[i] = 21.5;
  assert_true(rt_doubles(v, N, &tag, &scale) <= 16);
  free(v);
}

static double from_bits(uint64_t u) {
  double d;
  memcpy(&d, &u, 8);
  return d;
}

static void test_doubles_special(void **state) {
  (void)state;
  int tag;
  const double mix[] = {NAN,
                        INFINITY,
                        -INFINITY,
                        -0.0,
                        0.0,
                        4.9e-324,
                        -2.2250738585072e-308,
                        from_bits(UINT64_C(0x7ff8dead00000001)), /* quiet NaN with a payload */
                        from_bits(UINT64_C(0xfff0000000000001)), /* signalling-pattern NaN */
                        from_bits(UINT64_C(0x000fffffffffffff)), /* largest denormal */
                        1.0,
                        1.0,
                        20.57,
                        -0.0};
  const size_t nmix = sizeof mix / sizeof mix[0];
  rt_doubles(mix, nmix, &tag, NULL);
  assert_int_equal(tag, 1);
  /* each special alone, next to a decimal, must leave scaled mode and round-trip bit exactly */
  for (size_t i = 0; i < nmix; i++) {
    if (mix[i] == 1.0 || mix[i] == 20.57 || (mix[i] == 0 && !signbit(mix[i]))) continue;
    double pair[2] = {1.25, mix[i]};
    rt_doubles(pair, 2, &tag, NULL);
    assert_int_equal(tag, 1);
    rt_doubles(&mix[i], 1, &tag, NULL);
    assert_int_equal(tag, 1);
  }

  enum { N = 3000 };
  double *v = malloc(N * sizeof *v);
  uint64_t seed = 6;
  for (int i = 0; i < N; i++) v[i] = from_bits(rng_next(&seed));
  assert_true(rt_doubles(v, N, &tag, NULL) <= N * 78 / 8 + 16);
  assert_int_equal(tag, 1);
  /* a slowly varying float series: XOR windows get reused */
  for (int i = 0; i < N; i++) v[i] = sin(i * 0.01) * 100.0;
  rt_doubles(v, N, &tag, NULL);
  assert_int_equal(tag, 1);
  /* short random mixes, truncation-checked */
  for (int it = 0; it < 200; it++) {
    size_t n = rng_below(&seed, 24);
    for (size_t i = 0; i < n; i++) {
      uint64_t r = rng_next(&seed);
      switch (r % 5) {
        case 0: v[i] = mix[r / 5 % nmix]; break;
        case 1: v[i] = from_bits(r); break;
        case 2: v[i] = (double)(int64_t)(r >> 20) / 1000; break;
        case 3: v[i] = i ? v[i - 1] : 0.5; break;
        default: v[i] = from_bits(r & UINT64_C(0x800fffffffffffff)); break; /* denormals */
      }
    }
    rt_doubles(v, n, NULL, NULL);
  }
  free(v);
}

/* The double examples documented in codec.c. */
static void test_doubles_golden(void **state) {
  (void)state;
  gp_buf b = {0};
  const double v[] = {1.0, 1.0, 1.5};
  assert_int_equal(gp_codec_doubles_encode(v, 3, &b), GP_OK);
  const uint8_t scaled[] = {0x00, 0x01, 0x00, 0x14, 0x00, 0x01, 0x02, 0x05};
  assert_bytes(&b, scaled, sizeof scaled);
  b.len = 0;
  const double x[] = {1.0, 1.0, 1.5, -0.0};
  assert_int_equal(gp_codec_doubles_encode(x, 4, &b), GP_OK);
  const uint8_t want[] = {0x01, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x66, 0x80, 0x03, 0xcc, 0xff, 0x05};
  assert_bytes(&b, want, sizeof want);
  gp_buf_free(&b);
}

/* ---- bits ---- */

static void test_bits(void **state) {
  (void)state;
  uint8_t bits[64], got[64];
  gp_buf b = {0};

  memset(bits, 0, sizeof bits);
  for (size_t n = 0; n <= 40; n++) {
    b.len = 0;
    assert_int_equal(gp_codec_bits_encode(bits, n, &b), GP_OK);
    assert_int_equal(b.len, 1);
    check_decode(K_BITS, &b, n, bits);
  }
  /* set bits past n are ignored: still all zero, and all one */
  memset(bits, 0, sizeof bits);
  bits[1] = 0xf0;
  b.len = 0;
  assert_int_equal(gp_codec_bits_encode(bits, 12, &b), GP_OK);
  assert_int_equal(b.len, 1);
  memset(bits, 0xff, sizeof bits);
  b.len = 0;
  assert_int_equal(gp_codec_bits_encode(bits, 13, &b), GP_OK);
  assert_int_equal(b.len, 1);
  uint8_t want_ones[2] = {0xff, 0x1f};
  check_decode(K_BITS, &b, 13, want_ones);

  /* golden example from codec.c */
  memset(bits, 0, sizeof bits);
  bits[0] = 0x01;
  bits[1] = 0xfe; /* bits 9..15; only bit 9 lies below n = 10 */
  b.len = 0;
  assert_int_equal(gp_codec_bits_encode(bits, 10, &b), GP_OK);
  const uint8_t want[] = {0x02, 0x01, 0x02};
  assert_bytes(&b, want, sizeof want);
  uint8_t exp[2] = {0x01, 0x02};
  check_decode(K_BITS, &b, 10, exp);

  uint64_t seed = 7;
  for (int it = 0; it < 200; it++) {
    size_t n = rng_below(&seed, 64 * 8 + 1);
    for (size_t i = 0; i < sizeof bits; i++) bits[i] = (uint8_t)rng_next(&seed);
    if (it % 4 == 0) memset(bits, 0, sizeof bits), bits[rng_below(&seed, 64)] = 1;
    b.len = 0;
    assert_int_equal(gp_codec_bits_encode(bits, n, &b), GP_OK);
    memcpy(exp, bits, 2);
    uint8_t canon[64];
    memcpy(canon, bits, sizeof canon);
    if (n % 8) canon[n / 8] &= (uint8_t)((1u << (n % 8)) - 1);
    gp_rd r = {b.p, b.p + b.len};
    gp_err err = {0};
    assert_int_equal(gp_codec_bits_decode(&r, n, got, &err), GP_OK);
    assert_memory_equal(got, canon, (n + 7) / 8);
    if (n <= 64) check_decode(K_BITS, &b, n, canon);
  }
  gp_buf_free(&b);
}

/* ---- strings ---- */

static void rt_strings(const char *const *s, size_t n) {
  uint32_t *len = calloc(n ? n : 1, sizeof *len);
  for (size_t i = 0; i < n; i++) len[i] = (uint32_t)strlen(s[i]);
  gp_buf b = {0};
  assert_int_equal(gp_codec_strings_encode(s, len, n, &b), GP_OK);
  const char **out = malloc((n ? n : 1) * sizeof *out);
  uint32_t *olen = malloc((n ? n : 1) * sizeof *olen);
  uint8_t *copy = dup_bytes(b.p, b.len);
  gp_rd r = {copy, copy + b.len};
  gp_err err = {0};
  assert_int_equal(gp_codec_strings_decode(&r, n, out, olen, &err), GP_OK);
  assert_ptr_equal(r.p, copy + b.len);
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(olen[i], len[i]);
    assert_memory_equal(out[i], s[i], len[i]);
    /* borrowed: points into the reader's bytes */
    assert_true((const uint8_t *)out[i] >= copy && (const uint8_t *)out[i] + olen[i] <= copy + b.len);
  }
  free(copy);
  for (size_t cut = 0; cut < b.len; cut++) {
    copy = dup_bytes(b.p, cut);
    gp_rd t = {copy, copy + cut};
    gp_err e = {0};
    assert_int_equal(gp_codec_strings_decode(&t, n, out, olen, &e), GP_CORRUPT);
    assert_true(e.msg[0] != '\0');
    free(copy);
  }
  free(out);
  free(olen);
  free(len);
  gp_buf_free(&b);
}

static void test_strings(void **state) {
  (void)state;
  const char *a[] = {"ab", "", "xyz"};
  rt_strings(a, 3);
  rt_strings(NULL, 0);
  const char *e[] = {"", "", ""};
  rt_strings(e, 3);
  const char *one[] = {"Brandenburger Tor"};
  rt_strings(one, 1);
  const char *mixed[] = {"sensor-17", "sensor-17", "", "temperature", "ÄÖÜ €", "x"};
  rt_strings(mixed, 6);

  /* golden example from codec.c: lengths 2 0 3 as ints, then the bytes */
  uint32_t len[] = {2, 0, 3};
  gp_buf b = {0};
  assert_int_equal(gp_codec_strings_encode(a, len, 3, &b), GP_OK);
  const uint8_t want[] = {0x00, 0x00, 0x02, 0x00, 0x32, 'a', 'b', 'x', 'y', 'z'};
  assert_bytes(&b, want, sizeof want);
  gp_buf_free(&b);

  /* embedded NUL bytes survive: lengths, not terminators */
  const char bin[] = {'a', 0, 'b'};
  const char *s[] = {bin, "q"};
  uint32_t bl[] = {3, 1};
  gp_buf c = {0};
  assert_int_equal(gp_codec_strings_encode(s, bl, 2, &c), GP_OK);
  const char *out[2];
  uint32_t ol[2];
  gp_rd r = {c.p, c.p + c.len};
  gp_err err = {0};
  assert_int_equal(gp_codec_strings_decode(&r, 2, out, ol, &err), GP_OK);
  assert_int_equal(ol[0], 3);
  assert_memory_equal(out[0], bin, 3);
  gp_buf_free(&c);
}

/* ---- corrupt input ---- */

typedef struct corrupt_case {
  const char *name;
  kind k;
  size_t n;
  uint8_t bytes[16];
  size_t len;
} corrupt_case;

static void test_corrupt_cases(void **state) {
  (void)state;
  static const corrupt_case cases[] = {
      {"unknown int tag", K_INTS, 1, {0x03, 0x02}, 2},
      {"unknown int packing", K_INTS, 1, {0x08, 0x02}, 2},
      {"bit width 65", K_INTS, 2, {0x00, 0x00, 65, 0x00, 0xff, 0xff}, 6},
      {"exception index >= n", K_INTS, 2, {0x00, 0x00, 0x01, 0x01, 0x00, 0x02, 0x01}, 7},
      {"exception past n after gaps", K_INTS, 3, {0x00, 0x00, 0x00, 0x02, 0x01, 0x01, 0x01, 0x01}, 8},
      {"more exceptions than values", K_INTS, 1, {0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x01}, 8},
      {"exceptions at width 64", K_INTS, 1, {0x00, 0x00, 64, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 14},
      {"exception too wide", K_INTS, 1, {0x00, 0x00, 0x04, 0x01, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, 15},
      {"runs sum short", K_INTS, 4, {0x04, 0x01, 0x02, 0x00, 0x00}, 5},
      {"runs sum long", K_INTS, 2, {0x04, 0x01, 0x02, 0x00, 0x05}, 5},
      {"zero runs", K_INTS, 2, {0x04, 0x00}, 2},
      {"more runs than values", K_INTS, 1, {0x04, 0x02, 0x00, 0x00, 0x00, 0x00}, 6},
      {"packed block short", K_INTS, 9, {0x00, 0x00, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8}, 12},
      {"unknown double tag", K_DOUBLES, 1, {0x02}, 1},
      {"scale 10", K_DOUBLES, 1, {0x00, 10, 0x01, 0x00}, 4},
      {"XOR window > 64 bits", K_DOUBLES, 2, {0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff}, 12},
      {"XOR reuse without window", K_DOUBLES, 2, {0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0}, 12},
      {"XOR stream short", K_DOUBLES, 1, {0x01, 0, 0, 0, 0, 0, 0, 0}, 8},
      {"unknown bits tag", K_BITS, 8, {0x03, 0xff}, 2},
      {"bits set past n", K_BITS, 4, {0x02, 0x10}, 2},
  };
  uint8_t out[64 * 8];
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    uint8_t *copy = dup_bytes(cases[c].bytes, cases[c].len);
    gp_rd r = {copy, copy + cases[c].len};
    gp_err err = {0};
    gp_rc rc = decode_any(cases[c].k, &r, cases[c].n, out, &err);
    if (rc != GP_CORRUPT) fail_msg("%s: got rc %d", cases[c].name, rc);
    assert_int_equal(err.rc, GP_CORRUPT);
    assert_true(err.msg[0] != '\0');
    free(copy);
  }
  /* negative and oversized string lengths */
  const int64_t bad[][2] = {{-1, 0}, {INT64_C(1) << 32, 0}, {3, 4}};
  for (size_t c = 0; c < 3; c++) {
    gp_buf b = {0};
    assert_int_equal(gp_codec_ints_encode(bad[c], 2, &b), GP_OK);
    assert_int_equal(gp_buf_put(&b, "abcdef", 6), GP_OK);
    const char *s[2];
    uint32_t l[2];
    gp_rd r = {b.p, b.p + b.len};
    gp_err err = {0};
    assert_int_equal(gp_codec_strings_decode(&r, 2, s, l, &err), GP_CORRUPT);
    gp_buf_free(&b);
  }
}

/* Random byte flips on valid encodings: decoding must succeed or say GP_CORRUPT, never crash
 * or read out of bounds (the ASan build turns that into a failure). */
static void test_corrupt_fuzz(void **state) {
  (void)state;
  uint64_t seed = 8;
  enum { N = 300 };
  int64_t iv[N];
  double dv[N];
  uint8_t out[N * 8];
  for (int it = 0; it < 3000; it++) {
    size_t n = 1 + rng_below(&seed, N - 1);
    gp_buf b = {0};
    kind k = (kind)(it % 3);
    int shape = (int)rng_below(&seed, 4);
    for (size_t i = 0; i < n; i++) {
      uint64_t r = rng_next(&seed);
      iv[i] = shape == 0 ? (int64_t)(i * 1000 + (r & 7)) : shape == 1 ? (int64_t)(r & 255)
              : shape == 2 ? (int64_t)(i / 17) : (int64_t)r;
      dv[i] = shape == 3 ? from_bits(r) : (double)iv[i] / 100;
    }
    gp_rc rc = k == K_INTS      ? gp_codec_ints_encode(iv, n, &b)
               : k == K_DOUBLES ? gp_codec_doubles_encode(dv, n, &b)
                                : gp_codec_bits_encode((const uint8_t *)iv, n, &b);
    assert_int_equal(rc, GP_OK);
    int flips = 1 + (int)rng_below(&seed, 3);
    for (int f = 0; f < flips; f++) b.p[rng_below(&seed, b.len)] ^= (uint8_t)(1u << rng_below(&seed, 8));
    size_t len = it % 5 == 0 ? rng_below(&seed, b.len + 1) : b.len;
    uint8_t *copy = dup_bytes(b.p, len);
    gp_rd r = {copy, copy + len};
    gp_err err = {0};
    rc = decode_any(k, &r, n, out, &err);
    assert_true(rc == GP_OK || rc == GP_CORRUPT);
    assert_true(r.p >= copy && r.p <= copy + len);
    if (rc == GP_CORRUPT) assert_true(err.msg[0] != '\0');
    free(copy);
    gp_buf_free(&b);
  }
}

/* Encoders report GP_NOMEM and leave the buffer as it was when allocation fails. */
static void test_out_of_memory(void **state) {
  (void)state;
  enum { N = 2000 };
  int64_t *v = malloc(N * sizeof *v);
  double *d = malloc(N * sizeof *d);
  for (int i = 0; i < N; i++) v[i] = i * 37 % 1001, d[i] = v[i] / 100.0;
  for (long fail = 1; fail <= 4; fail++) {
    gp_buf b = {0};
    assert_int_equal(gp_buf_put(&b, "x", 1), GP_OK);
    long live = gp_alloc_live();
    gp_alloc_fail_after(fail);
    gp_rc ri = gp_codec_ints_encode(v, N, &b);
    gp_alloc_fail_after(0);
    if (fail == 1) assert_int_equal(ri, GP_NOMEM); /* the buffer must grow */
    if (ri != GP_OK) {
      assert_int_equal(ri, GP_NOMEM);
      assert_int_equal(b.len, 1);
    }
    size_t keep = b.len;
    gp_alloc_fail_after(fail);
    gp_rc rd = gp_codec_doubles_encode(d, N, &b);
    gp_alloc_fail_after(0);
    if (fail == 1) assert_int_equal(rd, GP_NOMEM); /* the scratch for scaled ints */
    if (rd != GP_OK) {
      assert_int_equal(rd, GP_NOMEM);
      assert_int_equal(b.len, keep);
    }
    assert_int_equal(gp_alloc_live(), live); /* scratch freed on every path */
    gp_buf_free(&b);
  }
  free(v);
  free(d);
}

/* Second-resolution timestamps held in microseconds: the common-factor layer must find the
 * 10^6 and spend bits on the seconds only, and its corrupt forms must be refused. */
static void test_ints_common_factor(void **state) {
  (void)state;
  enum { N = 8192 };
  int64_t *v = malloc(N * sizeof *v);
  uint64_t x = 12345;
  int64_t t = INT64_C(1722470400) * 1000000; /* 2024-08-01 */
  for (size_t i = 0; i < N; i++) {
    x = x * 6364136223846793005u + 1442695040888963407u;
    t += (int64_t)((x >> 33) % 200) * 1000000; /* 0..199 s apart, mean ~100 s */
    v[i] = t;
  }
  size_t len = rt_ints(v, N);
  assert_true(len <= N + N / 8); /* 8 bits a value and a header; about 28 bits without */
  /* mixed signs and a factor of 5 */
  int64_t w[6] = {-15, 5, 20, -5, 0, 35};
  rt_ints(w, 6);
  /* no common factor: unchanged */
  int64_t u[4] = {1, 2, 4, 7};
  rt_ints(u, 4);
  /* corrupt: nested factor tag, and factors 0 and 1 */
  const uint8_t nested[] = {0x80, 0x02, 0x05, 0x80, 0x00, 0x00};
  const uint8_t g1[] = {0x80, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00};
  const uint8_t *bad[] = {nested, g1};
  size_t badlen[] = {sizeof nested, sizeof g1};
  for (int k = 0; k < 2; k++) {
    int64_t out[2];
    gp_rd r = {bad[k], bad[k] + badlen[k]};
    gp_err e = {0};
    assert_int_equal(gp_codec_ints_decode(&r, 2, out, &e), GP_CORRUPT);
    assert_true(e.msg[0] != '\0');
  }
  free(v);
}

/* ---- skipping and gathering (gp_codec_ints_skip / gp_codec_ints_gather) ---- */

static uint64_t peek_uvarint(const uint8_t **p) { /* valid encodings only */
  uint64_t x = 0;
  unsigned sh = 0;
  while (**p & 0x80) {
    x |= (uint64_t)(**p & 0x7f) << sh;
    sh += 7;
    (*p)++;
  }
  x |= (uint64_t)**p << sh;
  (*p)++;
  return x;
}

/* Which layouts the generated arrays landed in, so that the test cannot silently stop
 * covering one of them when the encoder's choices move. */
enum {
  COV_PFOR = 1 << 0,      /* plain PFOR, 0 < b < 58, no exceptions */
  COV_PFOR_EXC = 1 << 1,  /* plain PFOR, 0 < b < 64, with exceptions */
  COV_B0 = 1 << 2,        /* plain PFOR, b = 0, no exceptions */
  COV_B0_EXC = 1 << 3,    /* plain PFOR, b = 0, with exceptions */
  COV_WIDE = 1 << 4,      /* plain PFOR, 58 <= b < 64 (byte-wise reads) */
  COV_B64 = 1 << 5,       /* plain PFOR, b = 64 */
  COV_DELTA = 1 << 6,     /* delta PFOR */
  COV_DOD = 1 << 7,       /* delta-of-delta PFOR */
  COV_RLE = 1 << 8,       /* any transform, RLE */
  COV_FACTOR = 1 << 9,    /* common factor layer */
  COV_FACTOR_PFOR = 1 << 10, /* common factor over plain PFOR (the scratch path of gather) */
  COV_ALL = (1 << 11) - 1
};

static unsigned classify_ints(const uint8_t *p, size_t n) {
  unsigned cov = 0;
  if (*p == 0x80) {
    p++;
    peek_uvarint(&p); /* base (zigzag) */
    peek_uvarint(&p); /* g */
    cov |= COV_FACTOR;
  }
  uint8_t tag = *p++;
  if (n == 0) return cov;
  if (tag >> 2 == 1) return cov | COV_RLE;
  if ((tag & 3) == 1) return cov | COV_DELTA;
  if ((tag & 3) == 2) return cov | COV_DOD;
  if (cov & COV_FACTOR) return cov | COV_FACTOR_PFOR;
  peek_uvarint(&p); /* min */
  unsigned b = *p++;
  uint64_t nexc = peek_uvarint(&p);
  if (b == 0) return cov | (nexc ? COV_B0_EXC : COV_B0);
  if (b == 64) return cov | COV_B64;
  if (nexc) cov |= COV_PFOR_EXC;
  if (b >= 58) return cov | COV_WIDE;
  return cov | (nexc ? 0 : COV_PFOR);
}

enum { NSHAPES = 15 };

/* Array `shape` of n values; each shape aims at one layout of the encoder. */
static void gen_shape(int shape, int64_t *v, size_t n, uint64_t *seed) {
  int64_t t = INT64_C(1722470400) * 1000000 + (int64_t)rng_below(seed, 1000);
  uint64_t run_left = 0;
  int64_t run_val = 0, slope = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t r = rng_next(seed);
    switch (shape) {
      case 0: v[i] = (int64_t)(r % 182); break;                      /* plain PFOR */
      case 1: v[i] = r % 50 == 0 ? INT64_MAX - (int64_t)i : (int64_t)(r % 8) - 3; break;
      case 2: v[i] = 42; break;                                      /* b = 0 */
      case 3: v[i] = r % 30 == 0 ? 11 + (int64_t)(r >> 40) % 1000 : 10; break; /* b = 0 + exc */
      case 4: v[i] = (int64_t)r; break;                              /* b = 64 */
      case 5: v[i] = (int64_t)(r >> 3) - (INT64_C(1) << 59); break;  /* b = 61 */
      case 6: /* the limits next to each other: huge wrapping differences */
        v[i] = r % 3 == 0 ? INT64_MIN : r % 3 == 1 ? INT64_MAX : (int64_t)(r >> (r & 63));
        break;
      case 7: v[i] = t += 1 + (int64_t)(r % 1000); break; /* sorted: delta */
      case 8: /* regular clock, a rare jitter: delta-of-delta */
        v[i] = t + (int64_t)i * 1000003 + (r % 97 == 0 ? (int64_t)(r >> 50) % 5000 : 0);
        break;
      case 9: /* runs of random values: RLE */
        if (run_left == 0) run_left = 1 + r % 300, run_val = (int64_t)(r >> 24);
        run_left--;
        v[i] = run_val;
        break;
      case 10: /* straight stretches of random slopes: delta RLE */
        if (run_left == 0) run_left = 20 + r % 200, slope = (int64_t)(r >> 40) - (INT64_C(1) << 23);
        run_left--;
        v[i] = t += slope;
        break;
      case 11: /* multiples of 10^6 with an offset, unsorted: common factor over plain PFOR */
        v[i] = 123456789 + (int64_t)(r % 200) * 1000000;
        break;
      case 12: /* second-resolution timestamps in microseconds: common factor over delta */
        v[i] = t += (int64_t)(r % 200) * 1000000;
        break;
      case 13: v[i] = -(int64_t)(r % (1u << 20)) - 1; break;
      default: /* small values, sometimes a little wider: PFOR with exceptions, 0 < b */
        v[i] = r % 40 == 0 ? (int64_t)(r >> 20) % 100000 : (int64_t)(r % 16);
    }
  }
}

/* The selections gathered from an array of n values; returns how many there are. */
enum { NSELS = 8 };
static size_t make_sel(int kind, size_t n, uint32_t *sel, uint64_t *seed) {
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    bool take;
    switch (kind) {
      case 0: take = false; break;                          /* empty */
      case 1: take = true; break;                           /* all */
      case 2: take = i % 7 == 0; break;                     /* every 7th */
      case 3: take = rng_below(seed, 32) == 0; break;       /* random sparse */
      case 4: take = rng_below(seed, 2) == 0; break;        /* random dense */
      case 5: take = i == n - 1; break;                     /* last only */
      case 6: take = i == 0; break;                         /* first only */
      default: take = i + 3 >= n || rng_below(seed, 200) == 0; /* the tail and a few */
    }
    if (take) sel[m++] = (uint32_t)i;
  }
  return m;
}

/* Skip and gather over one encoding of v[0..n): both must end exactly where the full decode
 * ends, gather must give the full decode's values at the selected positions; with check_trunc,
 * every proper prefix of the encoding must be refused (GP_CORRUPT, a message, no crash). */
static void check_skip_gather(const int64_t *v, size_t n, uint64_t *seed, bool check_trunc) {
  gp_buf b = {0};
  assert_int_equal(gp_buf_put(&b, "hdr", 3), GP_OK); /* the stream starts mid-buffer */
  assert_int_equal(gp_codec_ints_encode(v, n, &b), GP_OK);
  const size_t len = b.len - 3;
  assert_int_equal(gp_buf_put_u8(&b, 0xA5), GP_OK); /* sentinel: the next stream's first byte */
  uint8_t *copy = dup_bytes(b.p, b.len);
  const uint8_t *start = copy + 3, *end = start + len;
  int64_t *full = malloc((n ? n : 1) * sizeof *full);
  int64_t *scratch = malloc((n ? n : 1) * sizeof *scratch);
  uint32_t *sel = malloc((n ? n : 1) * sizeof *sel);
  assert_true(full && scratch && sel);
  gp_err err = {0};

  /* the reference: the full decode, which must round-trip */
  gp_rd r = {start, copy + b.len};
  assert_int_equal(gp_codec_ints_decode(&r, n, full, &err), GP_OK);
  assert_ptr_equal(r.p, end);
  if (n) assert_memory_equal(full, v, n * sizeof *v);

  /* skip: the same end, with and without bytes after the stream */
  for (int tight = 0; tight < 2; tight++) {
    r = (gp_rd){start, tight ? end : copy + b.len};
    if (gp_codec_ints_skip(&r, n, &err) != GP_OK) fail_msg("skip of %zu values: %s", n, err.msg);
    assert_ptr_equal(r.p, end);
    if (!tight) assert_int_equal(*r.p, 0xA5);
  }

  /* gather: every selection kind, again with and without bytes after the stream (tight: the
   * stream ends the buffer, so any read past it is out of bounds for ASan) */
  for (int kind = 0; kind < NSELS; kind++) {
    size_t m = make_sel(kind, n, sel, seed);
    for (int tight = 0; tight < 2; tight++) {
      int64_t *got = malloc((m ? m : 1) * sizeof *got); /* exact size: ASan sees overruns */
      assert_non_null(got);
      uint8_t *buf = tight ? dup_bytes(start, len) : NULL;
      r = tight ? (gp_rd){buf, buf + len} : (gp_rd){start, copy + b.len};
      const uint8_t *want_end = tight ? buf + len : end;
      gp_rc rc = gp_codec_ints_gather(&r, n, sel, m, got, scratch, &err);
      if (rc != GP_OK) fail_msg("gather %d of %zu values: %s", kind, n, err.msg);
      assert_ptr_equal(r.p, want_end);
      for (size_t s = 0; s < m; s++)
        if (got[s] != full[sel[s]])
          fail_msg("gather (selection %d, tight %d) of %zu values, layout 0x%02x: position %u "
                   "gives %lld, decode %lld", kind, tight, n, start[0], sel[s],
                   (long long)got[s], (long long)full[sel[s]]);
      free(got);
      free(buf);
    }
  }

  if (check_trunc) {
    int64_t *got = malloc((n ? n : 1) * sizeof *got);
    assert_non_null(got);
    for (size_t cut = 0; cut < len; cut++) {
      uint8_t *t = dup_bytes(start, cut);
      gp_err e = {0};
      gp_rd tr = {t, t + cut};
      gp_rc rc = gp_codec_ints_skip(&tr, n, &e);
      if (rc != GP_CORRUPT) fail_msg("skip: truncation to %zu of %zu bytes gave rc %d", cut, len, rc);
      assert_true(e.msg[0] != '\0');
      for (int kind = 0; kind < 2 + (n > 0); kind++) {
        /* all, empty, last only: the selection does not change what must be read */
        size_t m = kind == 0 ? make_sel(1, n, sel, seed) : kind == 1 ? 0 : make_sel(5, n, sel, seed);
        gp_err e2 = {0};
        tr = (gp_rd){t, t + cut};
        rc = gp_codec_ints_gather(&tr, n, sel, m, got, scratch, &e2);
        if (rc != GP_CORRUPT)
          fail_msg("gather: truncation to %zu of %zu bytes gave rc %d", cut, len, rc);
        assert_true(e2.msg[0] != '\0');
      }
      free(t);
    }
    free(got);
  }
  free(full);
  free(scratch);
  free(sel);
  free(copy);
  gp_buf_free(&b);
}

static void test_ints_gather_skip(void **state) {
  (void)state;
  static const size_t sizes[] = {0, 1, 2, 7, 8, 9, 100, 8192};
  enum { NMAX = 8192 };
  int64_t *v = malloc(NMAX * sizeof *v);
  assert_non_null(v);
  uint64_t seed = 31;
  unsigned cov = 0;
  size_t arrays = 0;
  for (int shape = 0; shape < NSHAPES; shape++) {
    unsigned shape_cov = 0;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
      for (int rep = 0; rep < 3; rep++) {
        size_t n = sizes[k];
        if (rep == 2) n = 3 + rng_below(&seed, 3000); /* and a few sizes in between */
        gen_shape(shape, v, n, &seed);
        gp_buf b = {0};
        assert_int_equal(gp_codec_ints_encode(v, n, &b), GP_OK);
        shape_cov |= classify_ints(b.p, n);
        gp_buf_free(&b);
        /* every prefix is tried for a few arrays of each shape */
        check_skip_gather(v, n, &seed, rep == 0 && n <= 100);
        arrays++;
      }
    }
    cov |= shape_cov;
  }
  /* hand-made layouts: the documented PFOR example (b = 2, one exception), the b = 0
   * exception example, exceptions on the first and the last position */
  const int64_t ex1[] = {3, 5, 4, 1000, 6, 3}, ex2[] = {10, 10, 15};
  check_skip_gather(ex1, 6, &seed, true);
  check_skip_gather(ex2, 3, &seed, true);
  for (size_t n = 1; n <= 67; n += 11) {
    for (size_t i = 0; i < n; i++) v[i] = (int64_t)rng_below(&seed, 4);
    v[0] = 1 << 20;
    v[n - 1] = INT64_C(1) << 40;
    check_skip_gather(v, n, &seed, true);
  }
  if (cov != COV_ALL) fail_msg("layouts not covered: 0x%x", COV_ALL & ~cov);
  assert_true(arrays >= 300);
  free(v);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ints_small_cases),
      cmocka_unit_test(test_ints_golden),
      cmocka_unit_test(test_ints_append),
      cmocka_unit_test(test_ints_timestamps),
      cmocka_unit_test(test_ints_small_values),
      cmocka_unit_test(test_ints_all_widths),
      cmocka_unit_test(test_ints_random),
      cmocka_unit_test(test_ints_common_factor),
      cmocka_unit_test(test_ints_gather_skip),
      cmocka_unit_test(test_doubles_decimals),
      cmocka_unit_test(test_doubles_special),
      cmocka_unit_test(test_doubles_golden),
      cmocka_unit_test(test_bits),
      cmocka_unit_test(test_strings),
      cmocka_unit_test(test_corrupt_cases),
      cmocka_unit_test(test_corrupt_fuzz),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
