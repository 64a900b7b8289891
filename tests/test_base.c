/* test_base.c - engine/base.c: ISO timestamps both ways, the civil calendar against a day-by-day
 * walk, byte buffers and the bounds-checked reader, first-error-wins, the allocation hooks and
 * type names. Expected timestamps were computed independently (Python's datetime). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp_base.h"

static uint64_t rng_next(uint64_t *s) { /* splitmix64: fixed seeds, same data every run */
  uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* ---- gp_ts_parse ---- */

typedef struct ts_case {
  const char *in;
  bool ok;
  int64_t us;
} ts_case;

static const ts_case k_ts_cases[] = {
    /* forms */
    {"1970-01-01", true, 0},
    {"1970-01-01T00:00:00Z", true, 0},
    {"1970-01-01 00:00:00z", true, 0},
    {"1970-01-01T00:00", true, 0},
    {"2024-02-29 12:34:56", true, INT64_C(1709210096000000)},
    {"2024-02-29T12:34:56", true, INT64_C(1709210096000000)},
    {"2024-02-29T12:34:56Z", true, INT64_C(1709210096000000)},
    {"2024-11-21", true, INT64_C(1732147200000000)},
    /* offsets: local time minus offset is UTC */
    {"2024-03-01T08:00:00+08:00", true, INT64_C(1709251200000000)},
    {"2024-03-01T08:00:00+0800", true, INT64_C(1709251200000000)},
    {"2024-03-01T08:00+08", true, INT64_C(1709251200000000)},
    {"2024-03-01T00:00:00-0530", true, INT64_C(1709271000000000)},
    {"2024-03-01T00:00:00-05:30", true, INT64_C(1709271000000000)},
    {"1960-06-15T06:30:00-01:30", true, INT64_C(-301248000000000)},
    /* fractions of 1..9 digits (beyond microseconds truncated), '.' or ',' */
    {"1970-01-01T00:00:00.1", true, 100000},
    {"1970-01-01T00:00:00.12", true, 120000},
    {"1970-01-01T00:00:00.123", true, 123000},
    {"1970-01-01T00:00:00.1234", true, 123400},
    {"1970-01-01T00:00:00.12345", true, 123450},
    {"1970-01-01T00:00:00.123456", true, 123456},
    {"1970-01-01T00:00:00.1234567", true, 123456},
    {"1970-01-01T00:00:00.12345678", true, 123456},
    {"1970-01-01T00:00:00.123456789Z", true, 123456},
    {"1970-01-01T00:00:00,5", true, 500000},
    {"1970-01-01T00:00:00.000001", true, 1},
    /* before 1970: negative results, fractions still count forward */
    {"1969-12-31T23:59:59.5Z", true, -500000},
    {"1969-12-31T23:59:59.999999", true, -1},
    {"1900-01-01", true, INT64_C(-2208988800000000)},
    {"0001-01-01", true, INT64_C(-62135596800000000)},
    {"9999-12-31T23:59:59.999999", true, INT64_C(253402300799999999)},
    /* leap days */
    {"2000-02-29T01:02:03", true, INT64_C(951786123000000)},
    {"1900-02-29", false, 0},
    {"2023-02-29", false, 0},
    {"2100-02-29", false, 0},
    {"2024-02-30", false, 0},
    {"2024-04-31", false, 0},
    {"2024-06-31", false, 0},
    {"2024-00-10", false, 0},
    {"2024-13-01", false, 0},
    {"2024-01-00", false, 0},
    {"2024-01-32", false, 0},
    /* time out of range */
    {"2024-01-01T24:00:00", false, 0},
    {"2024-01-01T24:00", false, 0},
    {"2024-01-01T23:60:00", false, 0},
    {"2024-01-01T23:59:61", false, 0},
    {"2024-01-01T23:59:60", false, 0}, /* a leap second is refused, not rolled into 01-02 */
    {"2024-12-31 23:59:60.5", false, 0},
    {"2024-01-01T10:00:00+24:00", false, 0},
    {"2024-01-01T10:00:00+05:60", false, 0},
    /* garbage */
    {"", false, 0},
    {"abc", false, 0},
    {"2024", false, 0},
    {"2024-1-01", false, 0},
    {"2024/01/01", false, 0},
    {"20240101", false, 0},
    {" 2024-01-01", false, 0},
    {"2024-01-01 ", false, 0},
    {"2024-01-01T", false, 0},
    {"2024-01-01T10", false, 0},
    {"2024-01-01T10:0", false, 0},
    {"2024-01-01T10:00:", false, 0},
    {"2024-01-01T10:00:0", false, 0},
    {"2024-01-01T10:00:00.", false, 0},
    {"2024-01-01T10:00:00.1234567890", false, 0},
    {"2024-01-01T10:00:00.12a", false, 0},
    {"2024-01-01T10:00:00+", false, 0},
    {"2024-01-01T10:00:00+8", false, 0},
    {"2024-01-01T10:00:00+08:0", false, 0},
    {"2024-01-01T10:00:00+08:", false, 0}, /* header: `+HH[:MM]`, no dangling colon */
    {"2024-01-01T10:00:00ZZ", false, 0},
    {"2024-01-01T10:00:00 Z", false, 0},
    {"2024-01-01X10:00:00", false, 0},
    {"2024-0a-01", false, 0},
    {"-2024-01-01", false, 0},
};

static void test_ts_parse_table(void **state) {
  (void)state;
  int failures = 0;
  for (size_t i = 0; i < sizeof k_ts_cases / sizeof k_ts_cases[0]; i++) {
    const ts_case *c = &k_ts_cases[i];
    /* an exact-size heap copy without a NUL, so ASan sees any read past n */
    size_t n = strlen(c->in);
    char *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    memcpy(copy, c->in, n);
    int64_t got = INT64_C(0x5555);
    bool ok = gp_ts_parse(copy, n, &got);
    free(copy);
    if (ok != c->ok || (ok && got != c->us)) {
      print_error("gp_ts_parse(\"%s\"): got %s %lld, want %s %lld\n", c->in, ok ? "ok" : "reject",
                  (long long)got, c->ok ? "ok" : "reject", (long long)c->us);
      failures++;
    }
  }
  assert_int_equal(failures, 0);
}

/* Only n bytes count: a longer buffer's tail is not part of the value. */
static void test_ts_parse_length(void **state) {
  (void)state;
  int64_t v = 0;
  assert_true(gp_ts_parse("2024-11-21garbage", 10, &v));
  assert_int_equal(v, INT64_C(1732147200000000));
  assert_true(gp_ts_parse("1970-01-01T00:00:00.5xyz", 21, &v));
  assert_int_equal(v, 500000);
  assert_false(gp_ts_parse("2024-11-21", 9, &v));
  assert_false(gp_ts_parse("2024-11-21", 0, &v));
}

/* Why a text is refused: not of the forms (syntax) or a field out of range, which the
 * query language reports with PostgreSQL's two messages. */
static void test_ts_parse_why(void **state) {
  (void)state;
  static const struct {
    const char *in;
    gp_ts_rc rc;
  } c[] = {{"2024-01-01 23:59:59", GP_TS_OK},    {"2024-01-01 23:59:60", GP_TS_RANGE},
           {"2024-13-01", GP_TS_RANGE},          {"2024-02-30", GP_TS_RANGE},
           {"2023-02-29", GP_TS_RANGE},          {"2024-01-32", GP_TS_RANGE},
           {"2024-01-01 24:00:00", GP_TS_RANGE}, {"2024-01-01 10:60", GP_TS_RANGE},
           {"2024-01-01 10:00+24:00", GP_TS_RANGE}, {"2024-1-01", GP_TS_SYNTAX},
           {"soon", GP_TS_SYNTAX},               {"2024-13-01x", GP_TS_SYNTAX}};
  for (size_t k = 0; k < sizeof c / sizeof *c; k++) {
    int64_t v;
    if (gp_ts_parse_ex(c[k].in, strlen(c[k].in), &v) != c[k].rc) fail_msg("%s", c[k].in);
  }
}

/* ---- gp_ts_format ---- */

static void test_ts_format_table(void **state) {
  (void)state;
  static const struct {
    int64_t ts;
    const char *want;
  } cases[] = {
      {0, "1970-01-01 00:00:00"},
      {1, "1970-01-01 00:00:00.000001"},
      {-1, "1969-12-31 23:59:59.999999"},
      {-500000, "1969-12-31 23:59:59.500000"},
      {INT64_C(1709210096000000), "2024-02-29 12:34:56"},
      {INT64_C(1709210096123000), "2024-02-29 12:34:56.123000"},
      {INT64_C(-2208988800000000), "1900-01-01 00:00:00"},
      {INT64_C(-62135596800000000), "0001-01-01 00:00:00"},
      {INT64_C(253402300799999999), "9999-12-31 23:59:59.999999"},
      {INT64_C(-301248000000000), "1960-06-15 08:00:00"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char buf[64];
    int n = gp_ts_format(cases[i].ts, buf, sizeof buf);
    assert_string_equal(buf, cases[i].want);
    assert_int_equal(n, (int)strlen(cases[i].want));
  }
}

/* format(parse(x)) gives x back for every canonical input, and parse(format(t)) == t for
 * random t over years 1..9999 (both whole seconds and with microseconds). */
static void test_ts_round_trip(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof k_ts_cases / sizeof k_ts_cases[0]; i++) {
    const ts_case *c = &k_ts_cases[i];
    if (!c->ok) continue;
    char buf[64], buf2[64];
    int64_t t = 0, t2 = 0;
    assert_true(gp_ts_parse(c->in, strlen(c->in), &t));
    int n = gp_ts_format(t, buf, sizeof buf);
    assert_true(gp_ts_parse(buf, (size_t)n, &t2));
    assert_int_equal(t2, t);
    gp_ts_format(t2, buf2, sizeof buf2);
    assert_string_equal(buf2, buf);
  }
  uint64_t seed = 42;
  const int64_t lo = INT64_C(-62135596800000000), hi = INT64_C(253402300799999999);
  for (int i = 0; i < 200000; i++) {
    int64_t t = lo + (int64_t)(rng_next(&seed) % (uint64_t)(hi - lo));
    if (i & 1) t -= t % GP_USEC_PER_SEC; /* whole seconds format without a fraction */
    if (t < lo) t += GP_USEC_PER_SEC;
    char buf[64];
    int n = gp_ts_format(t, buf, sizeof buf);
    assert_int_equal(n, (i & 1) && t % GP_USEC_PER_SEC == 0 ? 19 : 26);
    int64_t back = 0;
    if (!gp_ts_parse(buf, (size_t)n, &back) || back != t)
      fail_msg("round trip of %lld via \"%s\" gave %lld", (long long)t, buf, (long long)back);
  }
}

/* ---- civil dates ---- */

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* Walks every day from 1900-01-01 to 2100-12-31 with a hand-kept calendar: both conversions
 * must agree with the walk, and the day numbers must be consecutive. */
static void test_civil_walk(void **state) {
  (void)state;
  static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int64_t y = 1900;
  unsigned m = 1, d = 1;
  int64_t day = -25567; /* 1900-01-01 */
  assert_int_equal(gp_days_from_civil(1970, 1, 1), 0);
  assert_int_equal(gp_days_from_civil(2000, 3, 1), 11017);
  assert_int_equal(gp_days_from_civil(0, 3, 1), -719468);
  size_t walked = 0;
  while (y <= 2100) {
    int64_t got = gp_days_from_civil(y, m, d);
    if (got != day)
      fail_msg("days_from_civil(%lld-%u-%u) = %lld, want %lld", (long long)y, m, d, (long long)got,
               (long long)day);
    int64_t yy;
    unsigned mm, dd;
    gp_civil_from_days(day, &yy, &mm, &dd);
    if (yy != y || mm != m || dd != d)
      fail_msg("civil_from_days(%lld) = %lld-%u-%u, want %lld-%u-%u", (long long)day, (long long)yy,
               mm, dd, (long long)y, m, d);
    unsigned len = mdays[m - 1] + (m == 2 && is_leap(y));
    if (++d > len) {
      d = 1;
      if (++m > 12) {
        m = 1;
        y++;
      }
    }
    day++;
    walked++;
  }
  assert_int_equal(walked, 73414); /* 201 years, 48 of them leap (2000 is, 1900 and 2100 not) */
}

/* Far dates both sides of the epoch survive the round trip (the era arithmetic). */
static void test_civil_far(void **state) {
  (void)state;
  for (int64_t day = -3000000; day <= 3000000; day += 997) {
    int64_t y;
    unsigned m, d;
    gp_civil_from_days(day, &y, &m, &d);
    assert_true(m >= 1 && m <= 12 && d >= 1 && d <= 31);
    assert_int_equal(gp_days_from_civil(y, m, d), day);
  }
  assert_int_equal(gp_floordiv(-1, 86400), -1);
  assert_int_equal(gp_floordiv(-86400, 86400), -1);
  assert_int_equal(gp_floordiv(-86401, 86400), -2);
  assert_int_equal(gp_floordiv(86399, 86400), 0);
  assert_int_equal(gp_floordiv(7, -2), -4);
}

/* ---- buffers and the reader ---- */

static void test_buf_fixed_layouts(void **state) {
  (void)state;
  gp_buf b = {0};
  assert_int_equal(gp_buf_put_u8(&b, 0xAB), GP_OK);
  assert_int_equal(gp_buf_put_u32le(&b, 0x01020304u), GP_OK);
  assert_int_equal(gp_buf_put_u64le(&b, UINT64_C(0x0102030405060708)), GP_OK);
  assert_int_equal(gp_buf_put_u64be(&b, UINT64_C(0x0102030405060708)), GP_OK);
  static const uint8_t want[] = {0xAB, 4, 3, 2, 1, 8, 7, 6, 5, 4, 3, 2, 1, 1, 2, 3, 4, 5, 6, 7, 8};
  assert_int_equal(b.len, sizeof want);
  assert_memory_equal(b.p, want, sizeof want);
  assert_true(b.cap >= b.len);

  gp_rd r = {b.p, b.p + b.len};
  gp_err err = {0};
  uint8_t u8;
  uint32_t u32;
  uint64_t u64;
  assert_int_equal(gp_rd_u8(&r, &u8, &err), GP_OK);
  assert_int_equal(u8, 0xAB);
  assert_int_equal(gp_rd_u32le(&r, &u32, &err), GP_OK);
  assert_int_equal(u32, 0x01020304u);
  assert_int_equal(gp_rd_u64le(&r, &u64, &err), GP_OK);
  assert_int_equal(u64, UINT64_C(0x0102030405060708));
  assert_int_equal(gp_rd_u64be(&r, &u64, &err), GP_OK);
  assert_int_equal(u64, UINT64_C(0x0102030405060708));
  assert_ptr_equal(r.p, r.end);
  assert_int_equal(err.rc, GP_OK);
  gp_buf_free(&b);
  assert_null(b.p);
  assert_int_equal(b.len, 0);

  /* big-endian bytes sort like the numbers */
  uint64_t seed = 7;
  for (int i = 0; i < 1000; i++) {
    uint64_t x = rng_next(&seed), y = rng_next(&seed) >> (i % 64);
    gp_buf bx = {0}, by = {0};
    gp_buf_put_u64be(&bx, x);
    gp_buf_put_u64be(&by, y);
    int c = memcmp(bx.p, by.p, 8);
    assert_true((c < 0) == (x < y) && (c == 0) == (x == y));
    gp_buf_free(&bx);
    gp_buf_free(&by);
  }
}

static void test_varint_round_trip(void **state) {
  (void)state;
  static const struct {
    uint64_t v;
    size_t len;
  } u[] = {{0, 1},          {1, 1},     {127, 1},        {128, 2},
           {16383, 2},      {16384, 3}, {UINT32_MAX, 5}, {UINT64_C(1) << 63, 10},
           {UINT64_MAX, 10}};
  static const struct {
    int64_t v;
    size_t len;
  } s[] = {{0, 1},
           {-1, 1},
           {1, 1},
           {-64, 1},
           {63, 1},
           {64, 2},
           {-65, 2},
           {INT32_MIN, 5},
           {INT64_MAX, 10},
           {INT64_MIN, 10},
           {INT64_MIN + 1, 10}};
  gp_err err = {0};
  for (size_t i = 0; i < sizeof u / sizeof u[0]; i++) {
    gp_buf b = {0};
    assert_int_equal(gp_buf_put_uvarint(&b, u[i].v), GP_OK);
    assert_int_equal(b.len, u[i].len);
    gp_rd r = {b.p, b.p + b.len};
    uint64_t back = 0;
    assert_int_equal(gp_rd_uvarint(&r, &back, &err), GP_OK);
    assert_true(back == u[i].v);
    assert_ptr_equal(r.p, r.end);
    gp_buf_free(&b);
  }
  for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
    gp_buf b = {0};
    assert_int_equal(gp_buf_put_svarint(&b, s[i].v), GP_OK);
    assert_int_equal(b.len, s[i].len);
    gp_rd r = {b.p, b.p + b.len};
    int64_t back = 0;
    assert_int_equal(gp_rd_svarint(&r, &back, &err), GP_OK);
    assert_true(back == s[i].v);
    assert_ptr_equal(r.p, r.end);
    assert_true(gp_unzigzag(gp_zigzag(s[i].v)) == s[i].v);
    gp_buf_free(&b);
  }
  assert_true(gp_zigzag(-1) == 1 && gp_zigzag(1) == 2 && gp_zigzag(INT64_MIN) == UINT64_MAX);

  /* a long random stream read back in order */
  gp_buf b = {0};
  uint64_t seed = 99;
  enum { N = 20000 };
  static uint64_t vals[N];
  for (int i = 0; i < N; i++) {
    vals[i] = rng_next(&seed) >> (rng_next(&seed) % 64);
    if (i % 2)
      assert_int_equal(gp_buf_put_svarint(&b, (int64_t)vals[i]), GP_OK);
    else
      assert_int_equal(gp_buf_put_uvarint(&b, vals[i]), GP_OK);
  }
  gp_rd r = {b.p, b.p + b.len};
  for (int i = 0; i < N; i++) {
    if (i % 2) {
      int64_t v;
      assert_int_equal(gp_rd_svarint(&r, &v, &err), GP_OK);
      assert_true((uint64_t)v == vals[i]);
    } else {
      uint64_t v;
      assert_int_equal(gp_rd_uvarint(&r, &v, &err), GP_OK);
      assert_true(v == vals[i]);
    }
  }
  assert_ptr_equal(r.p, r.end);
  gp_buf_free(&b);
}

/* Every reader, on every truncation of a stream holding one value of each kind, returns
 * GP_CORRUPT with a message at the first value that does not fit, never reading past the end
 * (the bytes are an exact-size heap copy, so ASan would catch an overread). */
static void test_rd_truncated(void **state) {
  (void)state;
  gp_buf b = {0};
  gp_buf_put_u8(&b, 9);
  gp_buf_put_u32le(&b, 0xDEADBEEF);
  gp_buf_put_u64le(&b, UINT64_MAX - 5);
  gp_buf_put_u64be(&b, 12345);
  gp_buf_put_uvarint(&b, UINT64_MAX);
  gp_buf_put_svarint(&b, INT64_MIN);
  gp_buf_put(&b, "slice!", 6);
  const size_t ends[] = {1, 5, 13, 21, 31, 41, 47}; /* offset after each value */
  assert_int_equal(b.len, 47);
  for (size_t len = 0; len <= b.len; len++) {
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, b.p, len);
    gp_rd r = {copy, copy + len};
    gp_err err = {0};
    uint8_t u8;
    uint32_t u32;
    uint64_t u64;
    int64_t i64;
    const uint8_t *sl = NULL;
    gp_rc rcs[7];
    rcs[0] = gp_rd_u8(&r, &u8, &err);
    rcs[1] = rcs[0] ? GP_CORRUPT : gp_rd_u32le(&r, &u32, &err);
    rcs[2] = rcs[1] ? GP_CORRUPT : gp_rd_u64le(&r, &u64, &err);
    rcs[3] = rcs[2] ? GP_CORRUPT : gp_rd_u64be(&r, &u64, &err);
    rcs[4] = rcs[3] ? GP_CORRUPT : gp_rd_uvarint(&r, &u64, &err);
    rcs[5] = rcs[4] ? GP_CORRUPT : gp_rd_svarint(&r, &i64, &err);
    rcs[6] = rcs[5] ? GP_CORRUPT : gp_rd_slice(&r, 6, &sl, &err);
    for (int k = 0; k < 7; k++) {
      gp_rc want = len >= ends[k] ? GP_OK : GP_CORRUPT;
      if (rcs[k] != want) fail_msg("len %zu: value %d returned %d, want %d", len, k, rcs[k], want);
    }
    if (len < b.len) {
      assert_int_equal(err.rc, GP_CORRUPT);
      assert_true(strlen(err.msg) > 0);
    } else {
      assert_int_equal(err.rc, GP_OK);
      assert_int_equal(u8, 9);
      assert_int_equal(u32, 0xDEADBEEF);
      assert_true(i64 == INT64_MIN);
      assert_ptr_equal(sl, copy + 41); /* borrowed, not copied */
      assert_memory_equal(sl, "slice!", 6);
    }
    assert_true(r.p <= r.end);
    free(copy);
  }
  gp_buf_free(&b);

  /* a varint that never ends within 10 bytes is corrupt, not an overflowed value */
  uint8_t eleven[11];
  memset(eleven, 0x80, sizeof eleven);
  gp_rd r = {eleven, eleven + sizeof eleven};
  gp_err err = {0};
  uint64_t v;
  assert_int_equal(gp_rd_uvarint(&r, &v, &err), GP_CORRUPT);
  assert_int_equal(err.rc, GP_CORRUPT);
  /* reading nothing at the end is fine; the NULL err is accepted */
  gp_rd empty = {eleven, eleven};
  assert_int_equal(gp_rd_get(&empty, &v, 0, NULL), GP_OK);
  assert_int_equal(gp_rd_get(&empty, &v, 1, NULL), GP_CORRUPT);
}

/* ---- errors ---- */

static void test_err_first_wins(void **state) {
  (void)state;
  gp_err err = {0};
  assert_int_equal(err.rc, GP_OK);
  assert_int_equal(gp_err_set(&err, GP_PARSE, "line %d: bad %s", 3, "thing"), GP_PARSE);
  assert_int_equal(err.rc, GP_PARSE);
  assert_string_equal(err.msg, "line 3: bad thing");
  /* a later, outer failure keeps the first message but still returns its own code */
  assert_int_equal(gp_err_set(&err, GP_IO, "outer"), GP_IO);
  assert_int_equal(err.rc, GP_PARSE);
  assert_string_equal(err.msg, "line 3: bad thing");
  gp_err_clear(&err);
  assert_int_equal(err.rc, GP_OK);
  assert_string_equal(err.msg, "");
  assert_int_equal(gp_err_set(&err, GP_IO, "second"), GP_IO);
  assert_string_equal(err.msg, "second");
  assert_int_equal(gp_err_set(NULL, GP_NOMEM, "nobody listens"), GP_NOMEM);
  gp_err_clear(NULL);

  /* a long message is cut, NUL-terminated, inside the struct */
  gp_err e2 = {0};
  char big[2000];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  gp_err_set(&e2, GP_INVALID, "%s", big);
  assert_int_equal(strlen(e2.msg), GP_ERR_MSG_MAX - 1);

  /* every code has its own text */
  const char *seen[GP_UNSUPPORTED + 1];
  for (int rc = GP_OK; rc <= GP_UNSUPPORTED; rc++) {
    seen[rc] = gp_rc_str((gp_rc)rc);
    assert_non_null(seen[rc]);
    for (int j = 0; j < rc; j++) assert_string_not_equal(seen[j], seen[rc]);
  }
  assert_string_equal(gp_rc_str(GP_OK), "ok");
  assert_string_equal(gp_rc_str(GP_CORRUPT), "corrupt data");
  assert_non_null(gp_rc_str((gp_rc)999));
}

/* ---- allocation hooks ---- */

static void test_alloc_hooks(void **state) {
  (void)state;
  long live0 = gp_alloc_live();
  void *a = GP_MALLOC(10);
  void *b = GP_CALLOC(3, 4);
  char *s = GP_STRDUP("hello");
  char *sn = GP_STRNDUP("hello world", 5);
  assert_non_null(a);
  assert_non_null(b);
  assert_string_equal(s, "hello");
  assert_string_equal(sn, "hello");
  for (int i = 0; i < 12; i++) assert_int_equal(((uint8_t *)b)[i], 0);
  assert_int_equal(gp_alloc_live(), live0 + 4);
  a = GP_REALLOC(a, 1000); /* growing an allocation is not a new one */
  assert_non_null(a);
  assert_int_equal(gp_alloc_live(), live0 + 4);
  GP_FREE(NULL);
  GP_FREE(a);
  GP_FREE(b);
  GP_FREE(s);
  GP_FREE(sn);
  assert_int_equal(gp_alloc_live(), live0);

  /* the N-th next allocation fails, once; the others succeed */
  gp_alloc_fail_after(1);
  assert_null(GP_MALLOC(8));
  void *ok = GP_MALLOC(8);
  assert_non_null(ok);
  GP_FREE(ok);
  gp_alloc_fail_after(3);
  void *p1 = GP_MALLOC(8), *p2 = GP_CALLOC(1, 8), *p3 = GP_MALLOC(8), *p4 = GP_MALLOC(8);
  assert_non_null(p1);
  assert_non_null(p2);
  assert_null(p3);
  assert_non_null(p4);
  GP_FREE(p1);
  GP_FREE(p2);
  GP_FREE(p4);
  assert_int_equal(gp_alloc_live(), live0);

  /* a failed realloc leaves the block alive and unchanged; strdup fails cleanly */
  char *q = GP_MALLOC(4);
  memcpy(q, "abc", 4);
  gp_alloc_fail_after(1);
  assert_null(GP_REALLOC(q, 1 << 20));
  assert_string_equal(q, "abc");
  gp_alloc_fail_after(1);
  assert_null(GP_STRDUP("x"));
  GP_FREE(q);
  assert_int_equal(gp_alloc_live(), live0);

  /* 0 disables the countdown */
  gp_alloc_fail_after(2);
  gp_alloc_fail_after(0);
  for (int i = 0; i < 5; i++) {
    void *x = GP_MALLOC(1);
    assert_non_null(x);
    GP_FREE(x);
  }

  /* a buffer whose growth fails reports GP_NOMEM and keeps its bytes */
  gp_buf buf = {0};
  assert_int_equal(gp_buf_put(&buf, "0123456789", 10), GP_OK);
  uint8_t big[4096] = {0};
  gp_alloc_fail_after(1);
  assert_int_equal(gp_buf_put(&buf, big, sizeof big), GP_NOMEM);
  assert_int_equal(buf.len, 10);
  assert_memory_equal(buf.p, "0123456789", 10);
  assert_int_equal(gp_buf_put(&buf, big, sizeof big), GP_OK);
  assert_int_equal(buf.len, 10 + sizeof big);
  gp_buf_free(&buf);
  assert_int_equal(gp_alloc_live(), live0);
}

/* ---- types ---- */

static void test_type_parse(void **state) {
  (void)state;
  static const struct {
    const char *s;
    gp_type t;
  } cases[] = {
      {"TIMESTAMP", GP_T_TIMESTAMP},
      {"timestamp", GP_T_TIMESTAMP},
      {"DOUBLE", GP_T_DOUBLE},
      {"float", GP_T_DOUBLE},
      {"Real", GP_T_DOUBLE},
      {"INT", GP_T_INT},
      {"integer", GP_T_INT},
      {"BIGINT", GP_T_INT},
      {"symbol", GP_T_SYMBOL},
      {"TEXT", GP_T_TEXT},
      {"varchar", GP_T_TEXT},
      {"String", GP_T_TEXT},
      {"", 0},
      {"INTE", 0},
      {"INTS", 0},
      {"bool", 0},
      {"DOUBLE PRECISION", 0},
      {"TIME", 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    if (gp_type_parse(cases[i].s, strlen(cases[i].s)) != cases[i].t)
      fail_msg("gp_type_parse(\"%s\") = %d, want %d", cases[i].s,
               gp_type_parse(cases[i].s, strlen(cases[i].s)), cases[i].t);
  /* the length bounds the name: a prefix of a longer buffer */
  assert_int_equal(gp_type_parse("INTEGERS", 7), GP_T_INT);
  assert_int_equal(gp_type_parse("INTEGER", 3), GP_T_INT);
  assert_int_equal(gp_type_parse("TEXTUAL", 4), GP_T_TEXT);
  for (int t = GP_T_TIMESTAMP; t <= GP_T_TEXT; t++) {
    const char *name = gp_type_name((gp_type)t);
    assert_int_equal(gp_type_parse(name, strlen(name)), t);
  }
  assert_string_equal(gp_type_name((gp_type)0), "?");
}

/* gp_radix_sort_u64 against a brute-force stable sort: keys over every bit range (all equal,
 * low bits only, high bits only, both ends with equal middles, everything), with many ties,
 * so that stability shows in the indices. */
static void test_radix_sort(void **state) {
  (void)state;
  uint64_t seed = 99;
  enum { N = 3000 };
  static uint64_t key[N], want_k[N];
  static uint32_t idx[N], want_i[N];
  static const uint64_t masks[] = {0, 0xff, UINT64_C(0xff) << 52, UINT64_C(0x8000000000000001),
                                   UINT64_C(0xfff0000000000fff), ~UINT64_C(0), 0x3ffffff};
  for (size_t m = 0; m < sizeof masks / sizeof *masks; m++)
    for (size_t n = 0; n <= N; n += n < 20 ? 1 : 997) {
      uint64_t base = rng_next(&seed);
      for (size_t i = 0; i < n; i++) {
        key[i] = (base & ~masks[m]) | (rng_next(&seed) % 97 * UINT64_C(0x9E3779B97F4A7C15) & masks[m]);
        idx[i] = (uint32_t)i;
      }
      /* insertion sort by key, stable: the answer */
      for (size_t i = 0; i < n; i++) {
        size_t j = i;
        while (j > 0 && want_k[j - 1] > key[i]) {
          want_k[j] = want_k[j - 1];
          want_i[j] = want_i[j - 1];
          j--;
        }
        want_k[j] = key[i];
        want_i[j] = (uint32_t)i;
      }
      assert_int_equal(gp_radix_sort_u64(key, idx, n), GP_OK);
      for (size_t i = 0; i < n; i++) {
        assert_true(key[i] == want_k[i]);
        assert_int_equal(idx[i], want_i[i]);
      }
    }
}

/* gp_select_eq against a scalar loop: = and <>, lengths around the 8-value steps, sparse
 * and dense matches, values that share one 32-bit half with w (only both halves count). */
static void test_select_eq(void **state) {
  (void)state;
  uint64_t seed = 5;
  enum { N = 100 };
  uint64_t v[N];
  uint32_t sel[N];
  const uint64_t w = UINT64_C(0x0000000700000003);
  for (size_t n = 0; n <= N; n += n < 20 ? 1 : 7)
    for (int dense = 0; dense < 2; dense++)
      for (int neg = 0; neg < 2; neg++) {
        uint64_t want_all = 0;
        for (size_t i = 0; i < n; i++) {
          uint64_t r = rng_next(&seed) % (dense ? 2 : 20);
          v[i] = r == 0 ? w : r == 1 ? (w & 0xffffffff) : r == 2 ? (w >> 32 << 32) : r;
          want_all |= v[i];
        }
        uint64_t all = 0;
        size_t m = gp_select_eq(v, n, w, neg, sel, &all);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
          if ((v[i] == w) != neg) {
            assert_true(k < m);
            assert_int_equal(sel[k++], i);
          }
        assert_int_equal(m, k);
        assert_true(all == want_all);
        assert_int_equal(gp_select_eq(v, n, w, neg, sel, NULL), m);
      }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_radix_sort),
      cmocka_unit_test(test_select_eq),
      cmocka_unit_test(test_ts_parse_table),    cmocka_unit_test(test_ts_parse_length),
      cmocka_unit_test(test_ts_parse_why),
      cmocka_unit_test(test_ts_format_table),   cmocka_unit_test(test_ts_round_trip),
      cmocka_unit_test(test_civil_walk),        cmocka_unit_test(test_civil_far),
      cmocka_unit_test(test_buf_fixed_layouts), cmocka_unit_test(test_varint_round_trip),
      cmocka_unit_test(test_rd_truncated),      cmocka_unit_test(test_err_first_wins),
      cmocka_unit_test(test_alloc_hooks),       cmocka_unit_test(test_type_parse),
  };
  return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
