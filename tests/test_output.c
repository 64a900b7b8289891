/* test_output.c - result builders (query/result.c) and the output modes (query/output.c):
 * exact bytes for each mode on one shared result, escaping, UTF-8 widths, number formats,
 * status-only results, builder errors, allocation failures and write errors; GeoJSON's shape,
 * property types and geometries (points, cell squares against cs2cs, region polygons), each
 * also parsed back with jansson to prove it is valid JSON. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gp_grid.h"
#include "gp_query.h"
#include "gp_query_int.h"
#include "gp_region.h"
#include "gp_text.h"

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
  /* NULL is written NULL, in its column's alignment, so that it differs from '' */
  expect(r, GP_OUT_TABLE,
         "   id | city  |    v | ok\n"
         "------+-------+------+-------\n"
         "    1 | 南京  |  0.1 | true\n"
         " NULL | a,\"b\" |  2.5 | false\n"
         "  -42 | NULL  | NULL | true\n"
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
  expect(r, GP_OUT_TABLE, " name | n | z\n------+---+------\n x    | 5 | NULL\n(1 row)\n");
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
  /* Few-decimal values (the hand-written path) print as %.15g does (with ".0" after a whole
   * number), and random bit patterns (the snprintf path) read back exactly and always keep a
   * '.' or an exponent, so that a reader types them as floating point. Fixed-seed LCG. */
  uint64_t seed = 12345;
  for (int i = 0; i < 20000; i++) {
    seed = seed * 6364136223846793005u + 1442695040888963407u;
    int k = (int)(seed >> 60) % 7;
    int64_t m = (int64_t)(seed >> 20) % 100000000 - 50000000;
    static const double p10[] = {1, 10, 100, 1000, 1e4, 1e5, 1e6};
    double v = (double)m / p10[k];
    char want[64];
    gp_query__double_format(v, buf, sizeof buf);
    int wn = snprintf(want, sizeof want, "%.15g", v);
    if (!strpbrk(want, ".e")) snprintf(want + wn, sizeof want - (size_t)wn, ".0");
    if (fabs(v) >= 1e-4 || v == 0) assert_string_equal(buf, want);
    assert_true(strtod(buf, NULL) == v);
    assert_true(strpbrk(buf, ".e") != NULL);
    double x;
    uint64_t bits = seed ^ (seed << 17);
    memcpy(&x, &bits, sizeof x);
    if (!isfinite(x)) continue;
    gp_query__double_format(x, buf, sizeof buf);
    assert_true(strtod(buf, NULL) == x);
    assert_true(strpbrk(buf, ".e") != NULL);
  }
  /* Exact strings for the values whose shortest form is unambiguous. */
  static const struct { double v; const char *want; } exact[] = {
      {0.1, "0.1"}, {1.0, "1.0"}, {-3.0, "-3.0"}, {-0.5, "-0.5"}, {123456.789, "123456.789"},
      {1e9, "1000000000.0"}, {9007199254740991.0, "9007199254740991.0"},
      {9007199254740992.0, "9007199254740992.0"}, {-12345678901234568.0, "-12345678901234568.0"},
      {1e16, "1e+16"}, {1e20, "1e+20"}, {1e300, "1e+300"}, {NAN, "nan"}, {-INFINITY, "-inf"},
      {0.1 + 0.2, "0.30000000000000004"}, {-0.0, "0.0"}, {0.0, "0.0"}, {1e21, "1e+21"},
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

/* ---- GeoJSON ---- */

/* Renders r as GeoJSON, checks it against want byte for byte, and parses it with jansson:
 * returns the parsed FeatureCollection (json_decref it) after checking its outer shape. */
static json_t *geojson(const gp_result *r, const char *want) {
  expect(r, GP_OUT_GEOJSON, want);
  json_error_t je;
  json_t *fc = json_loads(want, 0, &je);
  if (!fc) print_error("jansson: %s at line %d\n", je.text, je.line);
  assert_non_null(fc);
  assert_string_equal(json_string_value(json_object_get(fc, "type")), "FeatureCollection");
  json_t *fs = json_object_get(fc, "features");
  assert_true(json_is_array(fs));
  for (size_t i = 0; i < json_array_size(fs); i++) {
    json_t *f = json_array_get(fs, i);
    assert_string_equal(json_string_value(json_object_get(f, "type")), "Feature");
    assert_true(json_is_object(json_object_get(f, "properties")));
    assert_non_null(json_object_get(f, "geometry")); /* present, maybe null */
  }
  return fc;
}

static json_t *feature(json_t *fc, size_t i) {
  return json_array_get(json_object_get(fc, "features"), i);
}

static json_t *prop(json_t *fc, size_t i, const char *name) {
  json_t *v = json_object_get(json_object_get(feature(fc, i), "properties"), name);
  assert_non_null(v);
  return v;
}

/* Points from lon/lat columns; every property type; a row without a position. */
static void test_geojson_points(void **state) {
  (void)state;
  gp_result *r = NULL;
  gp_err err = {0};
  assert_int_equal(gp_query__result_new(&r, &err), GP_OK);
  static const struct { const char *n; gp_result_kind k; } cols[] = {
      {"id", GP_RK_INT},        {"LON", GP_RK_DOUBLE}, {"lat", GP_RK_DOUBLE},
      {"ts", GP_RK_TIMESTAMP},  {"name", GP_RK_TEXT},  {"ok", GP_RK_BOOL},
      {"age", GP_RK_INTERVAL},  {"v", GP_RK_DOUBLE},
  };
  for (int c = 0; c < 8; c++)
    assert_int_equal(gp_query__result_add_col(r, cols[c].n, cols[c].k, &err), GP_OK);
  int64_t ids[2] = {7, -1};
  double lon[2] = {118.301, -71.06}, lat[2] = {33.901, 0}, v[2] = {0.25, NAN};
  uint8_t latn[2] = {0, 1};
  int64_t ts[2] = {INT64_C(1722560400000000), INT64_C(1722560400000001)}; /* 2024-08-02 01:00 */
  int64_t ok[2] = {1, 0}, age[2] = {INT64_C(93600000000), 0};              /* 1 day 02:00 */
  assert_int_equal(gp_query__result_put_ints(r, 0, ids, NULL, 2, &err), GP_OK);
  assert_int_equal(gp_query__result_put_doubles(r, 1, lon, NULL, 2, &err), GP_OK);
  assert_int_equal(gp_query__result_put_doubles(r, 2, lat, latn, 2, &err), GP_OK);
  assert_int_equal(gp_query__result_put_ints(r, 3, ts, NULL, 2, &err), GP_OK);
  assert_int_equal(gp_query__result_put_text(r, 4, "a \"b\"", 5, &err), GP_OK);
  assert_int_equal(gp_query__result_put_null(r, 4, &err), GP_OK);
  assert_int_equal(gp_query__result_put_ints(r, 5, ok, NULL, 2, &err), GP_OK);
  assert_int_equal(gp_query__result_put_ints(r, 6, age, NULL, 2, &err), GP_OK);
  assert_int_equal(gp_query__result_put_doubles(r, 7, v, NULL, 2, &err), GP_OK);
  json_t *fc = geojson(r,
      "{\"type\":\"FeatureCollection\",\"features\":[\n"
      "{\"type\":\"Feature\",\"properties\":{\"id\":7,\"LON\":118.301,\"lat\":33.901,"
      "\"ts\":\"2024-08-02T01:00:00Z\",\"name\":\"a \\\"b\\\"\",\"ok\":true,"
      "\"age\":\"1 day 02:00:00\",\"v\":0.25},"
      "\"geometry\":{\"type\":\"Point\",\"coordinates\":[118.301,33.901]}},\n"
      "{\"type\":\"Feature\",\"properties\":{\"id\":-1,\"LON\":-71.06,\"lat\":null,"
      "\"ts\":\"2024-08-02T01:00:00.000001Z\",\"name\":null,\"ok\":false,"
      "\"age\":\"00:00:00\",\"v\":null},\"geometry\":null}\n"
      "]}\n");
  assert_true(json_is_integer(prop(fc, 0, "id")) && json_integer_value(prop(fc, 0, "id")) == 7);
  assert_true(json_is_real(prop(fc, 0, "LON")) && json_real_value(prop(fc, 0, "LON")) == 118.301);
  assert_true(json_is_string(prop(fc, 0, "ts")) && json_is_true(prop(fc, 0, "ok")));
  assert_string_equal(json_string_value(prop(fc, 0, "name")), "a \"b\"");
  assert_true(json_is_null(prop(fc, 1, "lat")) && json_is_null(prop(fc, 1, "v")));
  json_t *pt = json_object_get(json_object_get(feature(fc, 0), "geometry"), "coordinates");
  assert_true(json_real_value(json_array_get(pt, 0)) == 118.301 &&
              json_real_value(json_array_get(pt, 1)) == 33.901);
  assert_true(json_is_null(json_object_get(feature(fc, 1), "geometry")));
  json_decref(fc);
  gp_query__result_free(r);

  /* no rows; no geometry column at all */
  assert_int_equal(gp_query__result_new(&r, &err), GP_OK);
  assert_int_equal(gp_query__result_add_col(r, "n", GP_RK_INT, &err), GP_OK);
  json_decref(geojson(r, "{\"type\":\"FeatureCollection\",\"features\":[]}\n"));
  assert_int_equal(gp_query__result_put_int(r, 0, 3, &err), GP_OK);
  json_decref(geojson(r, "{\"type\":\"FeatureCollection\",\"features\":[\n"
                         "{\"type\":\"Feature\",\"properties\":{\"n\":3},\"geometry\":null}\n]}\n"));
  gp_query__result_free(r);
}

/* A cell column: 'cx:cy' in every mode, its square in GeoJSON (corners from cs2cs, see
 * test_grid.c test_cell_ring_ll), ahead of lon/lat columns; a NULL cell has no geometry. */
static void test_geojson_cells(void **state) {
  (void)state;
  gp_grid *g = NULL;
  gp_err err = {0};
  assert_int_equal(gp_grid_new(32650, 125.0, &g, &err), GP_OK);
  gp_result *r = NULL;
  assert_int_equal(gp_query__result_new(&r, &err), GP_OK);
  assert_int_equal(gp_query__result_add_col(r, "lon", GP_RK_DOUBLE, &err), GP_OK);
  assert_int_equal(gp_query__result_add_col(r, "lat", GP_RK_DOUBLE, &err), GP_OK);
  assert_int_equal(gp_query__result_add_col(r, "c", GP_RK_CELL, &err), GP_OK);
  gp_query__result_set_geo(r, 2, GP_GEO_CELL, g, NULL, 4); /* 2 km */
  assert_int_equal(gp_result_col_geo(r, 2), GP_GEO_CELL);
  assert_int_equal(gp_result_col_geo(r, 0), GP_GEO_NONE);
  for (int i = 0; i < 2; i++) {
    assert_int_equal(gp_query__result_put_double(r, 0, 1.5, &err), GP_OK);
    assert_int_equal(gp_query__result_put_double(r, 1, 2.5, &err), GP_OK);
  }
  assert_int_equal(gp_query__result_put_int(r, 2, gp_query__cell_pack(310, 1875), &err), GP_OK);
  assert_int_equal(gp_query__result_put_null(r, 2, &err), GP_OK);
  expect(r, GP_OUT_CSV, "lon,lat,c\n1.5,2.5,310:1875\n1.5,2.5,\n");
  json_t *fc = geojson(r,
      "{\"type\":\"FeatureCollection\",\"features\":[\n"
      "{\"type\":\"Feature\",\"properties\":{\"lon\":1.5,\"lat\":2.5,\"c\":\"310:1875\"},"
      "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[118.297624266,33.883531863],"
      "[118.319246357,33.883302231],[118.319524082,33.90133559],[118.297897444,33.901565378],"
      "[118.297624266,33.883531863]]]}},\n"
      "{\"type\":\"Feature\",\"properties\":{\"lon\":1.5,\"lat\":2.5,\"c\":null},"
      "\"geometry\":null}\n"
      "]}\n");
  json_t *ring = json_array_get(
      json_object_get(json_object_get(feature(fc, 0), "geometry"), "coordinates"), 0);
  assert_int_equal(json_array_size(ring), 5);
  json_decref(fc);
  gp_query__result_free(r);

  /* the packing: (cx, cy) order, negative indices, the extremes of level 0 */
  static const int64_t xy[][2] = {{0, 0}, {-1, 5}, {620, 3751}, {-2147483648LL, 2147483647LL},
                                  {2147483647LL, -2147483648LL}};
  for (size_t i = 0; i < sizeof xy / sizeof xy[0]; i++) {
    int64_t cx, cy;
    gp_query__cell_unpack(gp_query__cell_pack(xy[i][0], xy[i][1]), &cx, &cy);
    assert_true(cx == xy[i][0] && cy == xy[i][1]);
  }
  assert_true(gp_query__cell_pack(620, 3751) == INT64_C(2665027210919));
  assert_true(gp_query__cell_pack(-1, 9) < gp_query__cell_pack(0, -9));
  assert_true(gp_query__cell_pack(3, -1) < gp_query__cell_pack(3, 0));
  gp_grid_free(g);
}

/* A region column: the polygon as read for a WGS84 layer (its clockwise exterior turned
 * counterclockwise), the inverse-projected one for a layer read in the database CRS; ids
 * not in the layer, and NULL, have no geometry. */
static void test_geojson_regions(void **state) {
  (void)state;
  gp_grid *g = NULL;
  gp_err err = {0};
  assert_int_equal(gp_grid_new(32650, 125.0, &g, &err), GP_OK);
  static const char ll[] =
      "{\"type\":\"FeatureCollection\",\"features\":["
      "{\"type\":\"Feature\",\"id\":\"Q\",\"properties\":{},\"geometry\":{\"type\":\"Polygon\","
      "\"coordinates\":[[[118.3,33.9],[118.3,33.95],[118.35,33.95],[118.35,33.9],[118.3,33.9]]]}}]}";
  static const char xy[] =
      "{\"type\":\"Feature\",\"id\":\"P\",\"properties\":{},\"geometry\":{\"type\":\"Polygon\","
      "\"coordinates\":[[[620000,3750000],[622000,3750000],[622000,3752000],[620000,3752000],"
      "[620000,3750000]]]}}";
  gp_region_opts o = {0};
  o.fmt = GP_REGION_GEOJSON;
  gp_region_layer *l1 = NULL, *l2 = NULL;
  assert_int_equal(gp_region_layer_read("ll", NULL, ll, strlen(ll), &o, 32650, &l1, &err), GP_OK);
  o.src_epsg = 32650;
  assert_int_equal(gp_region_layer_read("xy", NULL, xy, strlen(xy), &o, 32650, &l2, &err), GP_OK);
  gp_result *r = NULL;
  assert_int_equal(gp_query__result_new(&r, &err), GP_OK);
  assert_int_equal(gp_query__result_add_col(r, "z", GP_RK_TEXT, &err), GP_OK);
  assert_int_equal(gp_query__result_add_col(r, "w", GP_RK_TEXT, &err), GP_OK);
  gp_query__result_set_geo(r, 0, GP_GEO_REGION, g, l1, 0);
  gp_query__result_set_geo(r, 1, GP_GEO_REGION, g, l2, 0);
  const char *z[4] = {"Q", "nope", NULL, "Q"};
  for (int i = 0; i < 4; i++) {
    if (z[i]) assert_int_equal(gp_query__result_put_text(r, 0, z[i], strlen(z[i]), &err), GP_OK);
    else assert_int_equal(gp_query__result_put_null(r, 0, &err), GP_OK);
    assert_int_equal(gp_query__result_put_text(r, 1, "P", 1, &err), GP_OK);
  }
  static const char q[] = "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[118.3,33.9],"
                          "[118.35,33.9],[118.35,33.95],[118.3,33.95],[118.3,33.9]]]}}";
  char want[2048];
  snprintf(want, sizeof want,
           "{\"type\":\"FeatureCollection\",\"features\":[\n"
           "{\"type\":\"Feature\",\"properties\":{\"z\":\"Q\",\"w\":\"P\"},%s,\n"
           "{\"type\":\"Feature\",\"properties\":{\"z\":\"nope\",\"w\":\"P\"},\"geometry\":null},\n"
           "{\"type\":\"Feature\",\"properties\":{\"z\":null,\"w\":\"P\"},\"geometry\":null},\n"
           "{\"type\":\"Feature\",\"properties\":{\"z\":\"Q\",\"w\":\"P\"},%s\n"
           "]}\n", q, q);
  json_decref(geojson(r, want));
  /* the layer kept in the database CRS: its vertices inverted, as cs2cs does them */
  gp_buf b = {0};
  assert_int_equal(gp_region_geojson(l2, 0, g, &b, &err), GP_OK);
  assert_int_equal(gp_buf_put_u8(&b, 0), GP_OK);
  assert_string_equal((const char *)b.p,
      "{\"type\":\"Polygon\",\"coordinates\":[[[118.297624266,33.883531863],"
      "[118.319246357,33.883302231],[118.319524082,33.90133559],[118.297897444,33.901565378],"
      "[118.297624266,33.883531863]]]}");
  gp_buf_free(&b);
  assert_int_equal(gp_region_geojson(l2, 0, NULL, &b, &err), GP_INVALID); /* needs the grid */
  gp_buf_free(&b);
  gp_query__result_free(r);
  gp_region_layer_free(l1);
  gp_region_layer_free(l2);
  gp_grid_free(g);
}

/* A DOUBLE column whose values are whole stays a double for whoever reads the output back:
 * jansson (as GDAL and QGIS do) sees reals, not integers; the CSV sniffs as DOUBLE again (as
 * a load of an exported file does); the table shows 1.0 as DuckDB does. INT stays bare. */
static void test_whole_doubles(void **state) {
  (void)state;
  gp_result *r = NULL;
  gp_err err = {0};
  assert_int_equal(gp_query__result_new(&r, &err), GP_OK);
  assert_int_equal(gp_query__result_add_col(r, "n", GP_RK_INT, &err), GP_OK);
  assert_int_equal(gp_query__result_add_col(r, "d", GP_RK_DOUBLE, &err), GP_OK);
  int64_t n[4] = {1, -3, 0, 2};
  double d[4] = {1.0, -3.0, 1e20, 4503599627370496.0};
  assert_int_equal(gp_query__result_put_ints(r, 0, n, NULL, 4, &err), GP_OK);
  assert_int_equal(gp_query__result_put_doubles(r, 1, d, NULL, 4, &err), GP_OK);
  static const char csv[] = "n,d\n1,1.0\n-3,-3.0\n0,1e+20\n2,4503599627370496.0\n";
  expect(r, GP_OUT_CSV, csv);
  expect(r, GP_OUT_TABLE,
         "  n |                  d\n"
         "----+--------------------\n"
         "  1 |                1.0\n"
         " -3 |               -3.0\n"
         "  0 |              1e+20\n"
         "  2 | 4503599627370496.0\n"
         "(4 rows)\n");
  expect(r, GP_OUT_NDJSON,
         "{\"n\":1,\"d\":1.0}\n{\"n\":-3,\"d\":-3.0}\n{\"n\":0,\"d\":1e+20}\n"
         "{\"n\":2,\"d\":4503599627370496.0}\n");
  /* JSON and GeoJSON read back: reals for d, integers for n, the same values */
  char *js = render(r, GP_OUT_JSON);
  json_error_t je;
  json_t *a = json_loads(js, 0, &je);
  assert_non_null(a);
  assert_int_equal(json_array_size(a), 4);
  for (size_t i = 0; i < 4; i++) {
    json_t *o = json_array_get(a, i);
    assert_true(json_is_integer(json_object_get(o, "n")));
    assert_true(json_is_real(json_object_get(o, "d")));
    assert_true(json_real_value(json_object_get(o, "d")) == d[i]);
  }
  json_decref(a);
  free(js);
  js = render(r, GP_OUT_GEOJSON);
  json_t *fc = geojson(r, js);
  for (size_t i = 0; i < 4; i++) {
    assert_true(json_is_integer(prop(fc, i, "n")));
    assert_true(json_is_real(prop(fc, i, "d")) && json_real_value(prop(fc, i, "d")) == d[i]);
  }
  json_decref(fc);
  free(js);
  /* the CSV's columns sniff as they were: INT and DOUBLE */
  gp_field f[2][5];
  gp_buf scratch = {0};
  const char *p = csv, *end = csv + sizeof csv - 1, *why = NULL;
  for (int row = 0; p < end; row++) {
    const char *e = gp_csv_record_end(p, end, ',');
    size_t col = 0;
    gp_field two[2];
    assert_int_equal(gp_csv_split(p, e, ',', two, 2, &scratch, &why, &col), 2);
    f[0][row] = two[0];
    f[1][row] = two[1];
    p = e;
  }
  assert_int_equal(gp_sniff_type(&f[0][1], 4, true, NULL), GP_T_INT);
  assert_int_equal(gp_sniff_type(&f[1][1], 4, true, NULL), GP_T_DOUBLE);
  gp_buf_free(&scratch);
  gp_query__result_free(r);
}

/* NULL and the empty string stay apart in every mode: NULL in the table, an empty CSV field
 * against "", JSON null against "". The text 'NULL' is text (quoted in JSON). */
static void test_null_and_empty(void **state) {
  (void)state;
  gp_result *r = NULL;
  gp_err err = {0};
  assert_int_equal(gp_query__result_new(&r, &err), GP_OK);
  assert_int_equal(gp_query__result_add_col(r, "s", GP_RK_TEXT, &err), GP_OK);
  assert_int_equal(gp_query__result_add_col(r, "x", GP_RK_DOUBLE, &err), GP_OK);
  assert_int_equal(gp_query__result_add_col(r, "t", GP_RK_TEXT, &err), GP_OK);
  static const char *const sv[3] = {"", NULL, "NULL"};
  for (int i = 0; i < 3; i++) {
    for (int c = 0; c < 3; c += 2)
      if (sv[(i + c / 2) % 3])
        assert_int_equal(
            gp_query__result_put_text(r, c, sv[(i + c / 2) % 3], strlen(sv[(i + c / 2) % 3]), &err),
            GP_OK);
      else
        assert_int_equal(gp_query__result_put_null(r, c, &err), GP_OK);
    if (i == 1) assert_int_equal(gp_query__result_put_null(r, 1, &err), GP_OK);
    else assert_int_equal(gp_query__result_put_double(r, 1, i, &err), GP_OK);
  }
  expect(r, GP_OUT_TABLE,
         " s    |    x | t\n"
         "------+------+------\n"
         "      |  0.0 | NULL\n"
         " NULL | NULL | NULL\n"
         " NULL |  2.0 |\n"
         "(3 rows)\n");
  expect(r, GP_OUT_CSV, "s,x,t\n\"\",0.0,\n,,NULL\nNULL,2.0,\"\"\n");
  expect(r, GP_OUT_NDJSON,
         "{\"s\":\"\",\"x\":0.0,\"t\":null}\n"
         "{\"s\":null,\"x\":null,\"t\":\"NULL\"}\n"
         "{\"s\":\"NULL\",\"x\":2.0,\"t\":\"\"}\n");
  gp_query__result_free(r);
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
      {"ndjson", true, GP_OUT_NDJSON}, {"jsonl", true, GP_OUT_NDJSON},
      {"GeoJSON", true, GP_OUT_GEOJSON}, {"geo", false, 0}, {"", false, 0},
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
      cmocka_unit_test(test_whole_doubles),
      cmocka_unit_test(test_null_and_empty),
      cmocka_unit_test(test_accessors_and_errors),
      cmocka_unit_test(test_bulk_growth),
      cmocka_unit_test(test_alloc_failures),
      cmocka_unit_test(test_write_error),
      cmocka_unit_test(test_mode_parse),
      cmocka_unit_test(test_geojson_points),
      cmocka_unit_test(test_geojson_cells),
      cmocka_unit_test(test_geojson_regions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
