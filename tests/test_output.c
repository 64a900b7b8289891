/* test_output.c - result builders (query/result.c) and the four output modes (query/output.c):
 * exact bytes for each mode on one shared result, escaping, UTF-8 widths, number formats,
 * status-only results, builder errors, allocation failures and write errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp_query.h"

/* Writes r in mode m into a string; returns owned (free()). */
static char *render(const gp_result *r, gp_out_mode m) {
  char *s = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&s, &n);
  assert_non_null(f);
  gp_err err = {0};
  assert_int_equal(gp_result_write(r, m, f, &err), GP_OK);
  fclose(f);
  return s;
}

static void expect(const gp_result *r, gp_out_mode m, const char *want) {
  char *got = render(r, m);
  if (strcmp(got, want) != 0) print_error("got:\n%s\nwant:\n%s\n", got, want);
  assert_string_equal(got, want);
  free(got);
}

/* (id INT, city TEXT, v DOUBLE, ok BOOL) with a NULL in each of id, city and v. */
static gp_result *sample(void) {
  gp_result *r = NULL;
  gp_err err = {0};
  assert_int_equal(gp_query__result_new(&r, &err), GP_OK);
  assert_int_equal(gp_query__result_add_col(r, "id", GP_RK_INT, &err), GP_OK);
  assert_int_equal(gp_query__result_add_col(r, "city", GP_RK_TEXT, &err), GP_OK);
  assert_int_equal(gp_query__result_add_col(r, "v", GP_RK_DOUBLE, &err), GP_OK);
  assert_int_equal(gp_query__result_add_col(r, "ok", GP_RK_BOOL, &err), GP_OK);
  int64_t ids[3] = {1, 0, -42};
  uint8_t idn[3] = {0, 1, 0};
  assert_int_equal(gp_query__result_put_ints(r, 0, ids, idn, 3, &err), GP_OK);
  assert_int_equal(gp_query__result_put_text(r, 1, "南京", strlen("南京"), &err), GP_OK);
  assert_int_equal(gp_query__result_put_text(r, 1, "a,\"b\"", 5, &err), GP_OK);
  assert_int_equal(gp_query__result_put_null(r, 1, &err), GP_OK);
  double v[3] = {0.1, 2.5, 0};
  uint8_t vn[3] = {0, 0, 7}; /* any non-zero byte means NULL */
  assert_int_equal(gp_query__result_put_doubles(r, 2, v, vn, 3, &err), GP_OK);
  for (int i = 0; i < 3; i++)
    assert_int_equal(gp_query__result_put_int(r, 3, i != 1, &err), GP_OK);
  return r;
}

static void test_table(void **state) {
  (void)state;
  gp_result *r = sample();
  expect(r, GP_OUT_TABLE,
         "  id | city  |   v | ok\n"
         "-----+-------+-----+-------\n"
         "   1 | 南京    | 0.1 | true\n"
         "     | a,\"b\" | 2.5 | false\n"
         " -42 |       |     | true\n"
         "(3 rows)\n");
  gp_query__result_free(r);
}

static void test_csv(void **state) {
  (void)state;
  gp_result *r = sample();
  expect(r, GP_OUT_CSV,
         "id,city,v,ok\n"
         "1,南京,0.1,true\n"
         ",\"a,\"\"b\"\"\",2.5,false\n"
         "-42,,,true\n");
  gp_query__result_free(r);
}

static void test_json(void **state) {
  (void)state;
  gp_result *r = sample();
  expect(r, GP_OUT_JSON,
         "[\n"
         "{\"id\":1,\"city\":\"南京\",\"v\":0.1,\"ok\":true},\n"
         "{\"id\":null,\"city\":\"a,\\\"b\\\"\",\"v\":2.5,\"ok\":false},\n"
         "{\"id\":-42,\"city\":null,\"v\":null,\"ok\":true}\n"
         "]\n");
  expect(r, GP_OUT_NDJSON,
         "{\"id\":1,\"city\":\"南京\",\"v\":0.1,\"ok\":true}\n"
         "{\"id\":null,\"city\":\"a,\\\"b\\\"\",\"v\":2.5,\"ok\":false}\n"
         "{\"id\":-42,\"city\":null,\"v\":null,\"ok\":true}\n");
  gp_query__result_free(r);
}

/* Empty strings, line breaks, tabs, control bytes, invalid UTF-8 in every mode. */
static void test_escapes(void **state) {
  (void)state;
  gp_result *r = NULL;
  gp_err err = {0};
  assert_int_equal(gp_query__result_new(&r, &err), GP_OK);
  assert_int_equal(gp_query__result_add_col(r, "s", GP_RK_TEXT, &err), GP_OK);
  static const struct { const char *s; size_t n; } v[] = {
      {"", 0}, {"a\nb\tc", 5}, {"\x01\\", 2}, {"\xff" "x\xc3", 3}, {"\xed\xa0\x80", 3},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
    assert_int_equal(gp_query__result_put_text(r, 0, v[i].s, v[i].n, &err), GP_OK);
  expect(r, GP_OUT_CSV, "s\n\"\"\n\"a\nb\tc\"\n\x01\\\n\xffx\xc3\n\xed\xa0\x80\n");
  expect(r, GP_OUT_NDJSON,
         "{\"s\":\"\"}\n{\"s\":\"a\\nb\\tc\"}\n{\"s\":\"\\u0001\\\\\"}\n"
         "{\"s\":\"\\ufffdx\\ufffd\"}\n{\"s\":\"\\ufffd\\ufffd\\ufffd\"}\n");
  expect(r, GP_OUT_TABLE,
         " s\n"
         "---------\n"
         "\n"
         " a\\nb\\tc\n"
         " ?\\\n"
         " \xffx\xc3\n"
         " \xed\xa0\x80\n"
         "(5 rows)\n");
  gp_query__result_free(r);
}

static void test_status_and_empty(void **state) {
  (void)state;
  gp_result *r = NULL;
  gp_err err = {0};
  assert_int_equal(gp_query__result_new(&r, &err), GP_OK);
  assert_null(gp_result_status(r));
  expect(r, GP_OUT_TABLE, "");
  assert_int_equal(gp_query__result_set_status(r, &err, "COPY %d rows", 12), GP_OK);
  assert_int_equal(gp_query__result_set_status(r, &err, "CREATE TABLE"), GP_OK);
  for (gp_out_mode m = GP_OUT_TABLE; m <= GP_OUT_NDJSON; m++) expect(r, m, "CREATE TABLE\n");
  /* Columns but no rows. */
  assert_int_equal(gp_query__result_add_col(r, "name", GP_RK_TEXT, &err), GP_OK);
  assert_int_equal(gp_query__result_add_col(r, "n", GP_RK_INT, &err), GP_OK);
  expect(r, GP_OUT_TABLE, " name | n\n------+---\n(0 rows)\n");
  expect(r, GP_OUT_CSV, "name,n\n");
  expect(r, GP_OUT_JSON, "[]\n");
  expect(r, GP_OUT_NDJSON, "");
  /* One row: "row", not "rows". A column of the NULL kind is all NULLs. */
  assert_int_equal(gp_query__result_put_text(r, 0, "x", 1, &err), GP_OK);
  assert_int_equal(gp_query__result_put_int(r, 1, 5, &err), GP_OK);
  assert_int_equal(gp_query__result_add_col(r, "z", GP_RK_NULL, &err), GP_OK);
  assert_int_equal(gp_result_rows(r), 0); /* z has no values yet */
  assert_int_equal(gp_query__result_put_null(r, 2, &err), GP_OK);
  assert_int_equal(gp_result_rows(r), 1);
  expect(r, GP_OUT_TABLE, " name | n | z\n------+---+---\n x    | 5 |\n(1 row)\n");
  expect(r, GP_OUT_JSON, "[\n{\"name\":\"x\",\"n\":5,\"z\":null}\n]\n");
  gp_query__result_free(r);
}

static void test_number_formats(void **state) {
  (void)state;
  /* Whatever the digits, the text reads back to the same double. */
  static const double rt[] = {0.1, 1.0 / 3, 2.675, 1e-7, 5e-324, 1.7976931348623157e308,
                              -123456.789, 0.1 + 0.2, 1e21, 4503599627370497.5};
  char buf[64];
  for (size_t i = 0; i < sizeof rt / sizeof rt[0]; i++) {
    int n = gp_query__double_format(rt[i], buf, sizeof buf);
    assert_int_equal(n, (int)strlen(buf));
    assert_true(strtod(buf, NULL) == rt[i]);
  }
  /* Few-decimal values (the hand-written path) print as %.15g does, and random bit patterns
   * (the snprintf path) read back exactly. Fixed-seed LCG. */
  uint64_t seed = 12345;
  for (int i = 0; i < 20000; i++) {
    seed = seed * 6364136223846793005u + 1442695040888963407u;
    int k = (int)(seed >> 60) % 7;
    int64_t m = (int64_t)(seed >> 20) % 100000000 - 50000000;
    static const double p10[] = {1, 10, 100, 1000, 1e4, 1e5, 1e6};
    double v = (double)m / p10[k];
    char want[64];
    gp_query__double_format(v, buf, sizeof buf);
    snprintf(want, sizeof want, "%.15g", v);
    if (fabs(v) >= 1e-4 || v == 0) assert_string_equal(buf, want);
    assert_true(strtod(buf, NULL) == v);
    double x;
    uint64_t bits = seed ^ (seed << 17);
    memcpy(&x, &bits, sizeof x);
    if (!isfinite(x)) continue;
    gp_query__double_format(x, buf, sizeof buf);
    assert_true(strtod(buf, NULL) == x);
  }
  /* Exact strings for the values whose shortest form is unambiguous. */
  static const struct { double v; const char *want; } exact[] = {
      {0.1, "0.1"}, {1.0, "1"}, {-0.5, "-0.5"}, {123456.789, "123456.789"},
      {9007199254740992.0, "9007199254740992"}, {1e300, "1e+300"}, {NAN, "nan"},
      {-INFINITY, "-inf"}, {0.1 + 0.2, "0.30000000000000004"}, {-0.0, "0"}, {1e21, "1e+21"},
      {2.5e-5, "2.5e-05"},
  };
  for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++) {
    gp_query__double_format(exact[i].v, buf, sizeof buf);
    assert_string_equal(buf, exact[i].want);
  }
  static const struct { int64_t us; const char *want; } iv[] = {
      {0, "00:00:00"},
      {GP_USEC_PER_DAY + 2 * GP_USEC_PER_HOUR, "1 day 02:00:00"},
      {3 * GP_USEC_PER_DAY, "3 days"},
      {-(90 * GP_USEC_PER_SEC + 5), "-00:01:30.000005"},
      {5 * 60 * GP_USEC_PER_SEC, "00:05:00"},
      {INT64_MIN, "-106751991 days 04:00:54.775808"},
  };
  for (size_t i = 0; i < sizeof iv / sizeof iv[0]; i++) {
    gp_query__interval_format(iv[i].us, buf, sizeof buf);
    assert_string_equal(buf, iv[i].want);
  }
  /* Timestamps format as gp_ts_format does, years 0..9999 by hand, others through it. */
  static const int64_t tsv[] = {0, 1, -1, 1722470400000000, 1722470400123456, -62167219200000000,
                                253402300799999999, 253402300800000000, -62167219200000001,
                                951782400000000 /* 2000-02-29 */, INT64_C(-2208988800000000)};
  gp_result *t = NULL;
  gp_err terr = {0};
  assert_int_equal(gp_query__result_new(&t, &terr), GP_OK);
  assert_int_equal(gp_query__result_add_col(t, "ts", GP_RK_TIMESTAMP, &terr), GP_OK);
  assert_int_equal(gp_query__result_put_ints(t, 0, tsv, NULL, sizeof tsv / sizeof tsv[0], &terr),
                   GP_OK);
  for (size_t i = 0; i < sizeof tsv / sizeof tsv[0]; i++) {
    char want[64];
    size_t n;
    gp_ts_format(tsv[i], want, sizeof want);
    const char *got = gp_result_cell(t, i, 0, &n);
    assert_string_equal(got, want);
    assert_int_equal(n, strlen(want));
  }
  gp_query__result_free(t);
  /* Timestamps and intervals through a result, in table and JSON (strings there). */
  gp_result *r = NULL;
  gp_err err = {0};
  assert_int_equal(gp_query__result_new(&r, &err), GP_OK);
  assert_int_equal(gp_query__result_add_col(r, "ts", GP_RK_TIMESTAMP, &err), GP_OK);
  assert_int_equal(gp_query__result_add_col(r, "d", GP_RK_INTERVAL, &err), GP_OK);
  assert_int_equal(gp_query__result_add_col(r, "x", GP_RK_DOUBLE, &err), GP_OK);
  int64_t ts[2] = {1722470400000000, 1722470400000000 + 1500000};
  int64_t d[2] = {GP_USEC_PER_HOUR, 2 * GP_USEC_PER_DAY};
  double x[2] = {NAN, 1e21};
  assert_int_equal(gp_query__result_put_ints(r, 0, ts, NULL, 2, &err), GP_OK);
  assert_int_equal(gp_query__result_put_ints(r, 1, d, NULL, 2, &err), GP_OK);
  assert_int_equal(gp_query__result_put_doubles(r, 2, x, NULL, 2, &err), GP_OK);
  expect(r, GP_OUT_TABLE,
         " ts                         | d        |     x\n"
         "----------------------------+----------+-------\n"
         " 2024-08-01 00:00:00        | 01:00:00 |   nan\n"
         " 2024-08-01 00:00:01.500000 | 2 days   | 1e+21\n"
         "(2 rows)\n");
  expect(r, GP_OUT_NDJSON,
         "{\"ts\":\"2024-08-01 00:00:00\",\"d\":\"01:00:00\",\"x\":null}\n"
         "{\"ts\":\"2024-08-01 00:00:01.500000\",\"d\":\"2 days\",\"x\":1e+21}\n");
  gp_query__result_free(r);
}

static void test_accessors_and_errors(void **state) {
  (void)state;
  gp_result *r = sample();
  gp_err err = {0};
  assert_int_equal(gp_result_cols(r), 4);
  assert_int_equal(gp_result_rows(r), 3);
  assert_string_equal(gp_result_col_name(r, 1), "city");
  assert_null(gp_result_col_name(r, 4));
  assert_int_equal(gp_result_col_kind(r, 2), GP_RK_DOUBLE);
  size_t n = 99;
  assert_null(gp_result_cell(r, 1, 0, &n));
  assert_int_equal(n, 0);
  assert_null(gp_result_cell(r, 3, 0, &n)); /* past the end */
  const char *s = gp_result_cell(r, 1, 1, &n);
  assert_int_equal(n, 5);
  assert_memory_equal(s, "a,\"b\"", 6); /* NUL-terminated */
  /* Wrong kinds and columns are refused and change nothing. */
  assert_int_equal(gp_query__result_put_text(r, 0, "x", 1, &err), GP_INVALID);
  gp_err_clear(&err);
  assert_int_equal(gp_query__result_put_double(r, 0, 1.0, &err), GP_INVALID);
  gp_err_clear(&err);
  assert_int_equal(gp_query__result_put_int(r, 2, 1, &err), GP_INVALID);
  gp_err_clear(&err);
  assert_int_equal(gp_query__result_put_int(r, 4, 1, &err), GP_INVALID);
  assert_non_null(strstr(err.msg, "out of range"));
  gp_err_clear(&err);
  assert_int_equal(gp_query__result_put_null(r, -1, &err), GP_INVALID);
  gp_err_clear(&err);
  assert_int_equal(gp_query__result_add_col(r, "bad", (gp_result_kind)42, &err), GP_INVALID);
  gp_err_clear(&err);
  assert_int_equal(gp_result_cols(r), 4);
  assert_int_equal(gp_result_rows(r), 3);
  /* An unknown mode is refused. */
  FILE *f = fopen("/dev/null", "w");
  assert_int_equal(gp_result_write(r, (gp_out_mode)9, f, &err), GP_INVALID);
  fclose(f);
  gp_query__result_free(r);
  gp_query__result_free(NULL);
}

/* Growth past the first allocation, NULLs first seen late, reserve then bulk. */
static void test_bulk_growth(void **state) {
  (void)state;
  gp_result *r = NULL;
  gp_err err = {0};
  assert_int_equal(gp_query__result_new(&r, &err), GP_OK);
  assert_int_equal(gp_query__result_add_col(r, "i", GP_RK_INT, &err), GP_OK);
  assert_int_equal(gp_query__result_add_col(r, "t", GP_RK_TEXT, &err), GP_OK);
  assert_int_equal(gp_query__result_reserve(r, 0, 1000, &err), GP_OK);
  int64_t v[1000];
  uint8_t nl[1000] = {0};
  for (int i = 0; i < 1000; i++) v[i] = i * 3;
  nl[999] = 1;
  assert_int_equal(gp_query__result_put_ints(r, 0, v, NULL, 1000, &err), GP_OK);
  assert_int_equal(gp_query__result_put_ints(r, 0, v, nl, 1000, &err), GP_OK);
  assert_int_equal(gp_query__result_put_ints(r, 0, v, NULL, 0, &err), GP_OK);
  char buf[32];
  for (int i = 0; i < 2000; i++) {
    int k = snprintf(buf, sizeof buf, "row%d", i);
    if (i % 7 == 3)
      assert_int_equal(gp_query__result_put_null(r, 1, &err), GP_OK);
    else
      assert_int_equal(gp_query__result_put_text(r, 1, buf, (size_t)k, &err), GP_OK);
  }
  assert_int_equal(gp_result_rows(r), 2000);
  for (int i = 0; i < 2000; i++) {
    size_t n;
    const char *s = gp_result_cell(r, (size_t)i, 0, &n);
    if (i == 1999) {
      assert_null(s);
    } else {
      snprintf(buf, sizeof buf, "%d", (i % 1000) * 3);
      assert_non_null(s);
      assert_string_equal(s, buf);
    }
    s = gp_result_cell(r, (size_t)i, 1, &n);
    if (i % 7 == 3) {
      assert_null(s);
    } else {
      int k = snprintf(buf, sizeof buf, "row%d", i);
      assert_int_equal(n, (size_t)k);
      assert_string_equal(s, buf);
    }
  }
  gp_query__result_free(r);
}

/* Every allocation of building and writing fails in turn: each failure is reported, nothing
 * leaks. */
static void test_alloc_failures(void **state) {
  (void)state;
  long base = gp_alloc_live();
  for (long k = 1;; k++) {
    gp_result *r = NULL;
    gp_err err = {0};
    gp_alloc_fail_after(k);
    gp_rc rc = gp_query__result_new(&r, &err);
    if (!rc) rc = gp_query__result_add_col(r, "a", GP_RK_INT, &err);
    if (!rc) rc = gp_query__result_add_col(r, "b", GP_RK_TEXT, &err);
    if (!rc) rc = gp_query__result_put_int(r, 0, 1, &err);
    if (!rc) rc = gp_query__result_put_null(r, 0, &err);
    if (!rc) rc = gp_query__result_put_text(r, 1, "x", 1, &err);
    if (!rc) rc = gp_query__result_put_null(r, 1, &err);
    if (!rc) rc = gp_query__result_set_status(r, &err, "SELECT %d", 2);
    FILE *f = fopen("/dev/null", "w");
    if (!rc) rc = gp_result_write(r, GP_OUT_TABLE, f, &err);
    fclose(f);
    gp_alloc_fail_after(0);
    gp_query__result_free(r);
    assert_int_equal(gp_alloc_live(), base);
    if (rc == GP_OK) break;
    assert_int_equal(rc, GP_NOMEM);
    assert_true(err.msg[0] != '\0');
    assert_true(k < 100);
  }
}

static void test_write_error(void **state) {
  (void)state;
  FILE *f = fopen("/dev/full", "w");
  if (!f) skip();
  gp_result *r = sample();
  gp_err err = {0};
  assert_int_equal(gp_result_write(r, GP_OUT_CSV, f, &err), GP_IO);
  assert_non_null(strstr(err.msg, "cannot write"));
  fclose(f);
  gp_query__result_free(r);
}

static void test_mode_parse(void **state) {
  (void)state;
  static const struct { const char *s; bool ok; gp_out_mode m; } cases[] = {
      {"table", true, GP_OUT_TABLE}, {"CSV", true, GP_OUT_CSV}, {"json", true, GP_OUT_JSON},
      {"ndjson", true, GP_OUT_NDJSON}, {"jsonl", true, GP_OUT_NDJSON}, {"geojson", false, 0},
      {"", false, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    gp_out_mode m = (gp_out_mode)99;
    assert_int_equal(gp_out_mode_parse(cases[i].s, &m), cases[i].ok);
    if (cases[i].ok) assert_int_equal(m, cases[i].m);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_table),
      cmocka_unit_test(test_csv),
      cmocka_unit_test(test_json),
      cmocka_unit_test(test_escapes),
      cmocka_unit_test(test_status_and_empty),
      cmocka_unit_test(test_number_formats),
      cmocka_unit_test(test_accessors_and_errors),
      cmocka_unit_test(test_bulk_growth),
      cmocka_unit_test(test_alloc_failures),
      cmocka_unit_test(test_write_error),
      cmocka_unit_test(test_mode_parse),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
