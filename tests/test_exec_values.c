/* test_exec_values.c - values that must not change in silence, on the row path and the
 * vectorised path alike (time arithmetic, division by zero, overflow, casts, round, timestamp
 * fields, untyped literals), strftime with formats of any length, and statement errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec_fixture.h"

/* Values that must never change in silence (query/doc/language.md, Values): time arithmetic as
 * PostgreSQL's, and errors at the operator's position where a value does not exist (1 / 0) or
 * does not fit (int64, a timestamp's fields). Each statement runs on the row path and on the
 * vectorised one, which must agree. */
static void test_values(void **st) {
  fixture *f = *st;
  static const struct {
    const char *sql, *want; /* want: the rows, or the error message */
    gp_rc rc;
  } c[] = {
      /* number * interval either way round, fractions to the microsecond */
      {"SELECT 2 * 1 h, 1.5 * 1 h, 1 h * 2, 1 h / 2, 1 h + 30 min, 1 h - 2 h, -(1 h), 1 h / 0.5",
       "02:00:00,01:30:00,02:00:00,00:30:00,01:30:00,-01:00:00,-01:00:00,02:00:00\n", GP_OK},
      {"SELECT 1 s / 3, 1 month * 1.5, 1 month / 2, 2 * 1 month, -(1 d) - 5 min",
       "00:00:00.333333,1 month 15 days,15 days,2 months 00:00:00,-1 day 00:05:00\n", GP_OK},
      {"SELECT TIMESTAMP '2024-08-01' + 1.5 * 1 h, TIMESTAMP '2024-08-01' - 1 d, "
       "TIMESTAMP '2024-08-02' - TIMESTAMP '2024-08-01 06:00', 1 h + TIMESTAMP '2024-08-01'",
       "2024-08-01 01:30:00,2024-07-31 00:00:00,18:00:00,2024-08-01 01:00:00\n", GP_OK},
      {"SELECT epoch(1 h), epoch(1.5 * 1 s), epoch(TIMESTAMP '1970-01-02'), epoch(1 month), "
       "epoch(1 y), epoch(TIMESTAMP '2024-08-02' - TIMESTAMP '2024-08-01')",
       "3600.0,1.5,86400.0,2592000.0,31557600.0,86400.0\n", GP_OK},
      /* division by zero, integer and float, / and %, at the operator */
      {"SELECT 1/0", "line 1, column 9: division by zero", GP_INVALID},
      {"SELECT 1.5 / 0", "line 1, column 12: division by zero", GP_INVALID},
      {"SELECT 7 % 0", "line 1, column 10: division by zero", GP_INVALID},
      {"SELECT 7.5 % 0.0", "line 1, column 12: division by zero", GP_INVALID},
      {"SELECT 1 h / 0", "line 1, column 12: division by zero", GP_INVALID},
      {"SELECT count(*) FROM events WHERE id / (id - id) > 0",
       "line 1, column 38: division by zero", GP_INVALID},
      {"SELECT category, sum(handle_hours / 0) FROM events GROUP BY category",
       "line 1, column 35: division by zero", GP_INVALID},
      {"SELECT category, count(*) FROM events WHERE id % (id - id) = 0 GROUP BY category",
       "line 1, column 48: division by zero", GP_INVALID},
      /* constants fail when planned, except in a CASE branch that cannot run (PostgreSQL) */
      {"SELECT CASE WHEN false THEN 1/0 ELSE 2 END, CASE WHEN true THEN 1 ELSE 1/0 END, "
       "CASE 1 WHEN 2 THEN 1/0 ELSE 3 END, CASE WHEN NULL THEN 1/0 END IS NULL",
       "2,1,3,true\n", GP_OK},
      {"SELECT CASE WHEN true THEN 1/0 END", "line 1, column 29: division by zero", GP_INVALID},
      {"SELECT count(*) FROM events WHERE CASE WHEN id >= 0 THEN true ELSE 1/0 = 1 END",
       "line 1, column 69: division by zero", GP_INVALID},
      /* bigint overflow is an error, not a double */
      {"SELECT 9223372036854775807 + 1", "line 1, column 28: bigint out of range", GP_INVALID},
      {"SELECT -9223372036854775807 - 2", "line 1, column 29: bigint out of range", GP_INVALID},
      {"SELECT 4611686018427387904 * 2", "line 1, column 28: bigint out of range", GP_INVALID},
      {"SELECT -(-9223372036854775807 - 1)", "line 1, column 8: bigint out of range", GP_INVALID},
      {"SELECT (-9223372036854775807 - 1) / -1", "line 1, column 35: bigint out of range", GP_INVALID},
      {"SELECT abs(-9223372036854775807 - 1)", "line 1, column 8: bigint out of range", GP_INVALID},
      {"SELECT 9223372036854775807 + 0, (-9223372036854775807 - 1) % -1, 7 / -2, -7 % 3",
       "9223372036854775807,0,-3,-1\n", GP_OK},
      {"SELECT max(id * 3074457345618258602) FROM events",
       "line 1, column 15: bigint out of range", GP_INVALID},
      {"SELECT category, sum(id * 0 + 4611686018427387904) FROM events GROUP BY category",
       "line 1, column 18: bigint out of range", GP_INVALID},
      {"SELECT sum(id * 0 + 4611686018427387904) FROM events",
       "line 1, column 8: bigint out of range", GP_INVALID},
      {"SELECT 1e308 * 10", "line 1, column 14: value out of range: overflow", GP_INVALID},
      /* casts that do not fit or do not parse */
      {"SELECT CAST('99999999999999999999' AS INT)",
       "line 1, column 8: value \"99999999999999999999\" is out of range for type bigint", GP_INVALID},
      {"SELECT CAST('abc' AS INT)", "line 1, column 8: invalid input syntax for type bigint: \"abc\"",
       GP_INVALID},
      {"SELECT CAST('1.5' AS INT)", "line 1, column 8: invalid input syntax for type bigint: \"1.5\"",
       GP_INVALID},
      {"SELECT CAST(1e19 AS INT)", "line 1, column 8: bigint out of range", GP_INVALID},
      {"SELECT CAST(CAST('NaN' AS DOUBLE) AS INT)", "line 1, column 8: bigint out of range", GP_INVALID},
      {"SELECT CAST('x1' AS DOUBLE)",
       "line 1, column 8: invalid input syntax for type double precision: \"x1\"", GP_INVALID},
      {"SELECT CAST('1e400' AS DOUBLE)",
       "line 1, column 8: \"1e400\" is out of range for type double precision", GP_INVALID},
      {"SELECT CAST(' 42 ' AS INT), CAST('-9223372036854775808' AS INT), CAST(2.5 AS INT), "
       "CAST('1.5e3' AS DOUBLE), CAST(-9.2e18 AS INT)",
       "42,-9223372036854775808,3,1500.0,-9200000000000000000\n", GP_OK},
      /* one row fails (which row is first would depend on the threads) */
      {"SELECT count(*) FROM events WHERE CAST(CASE WHEN id = 7 THEN 'x7' ELSE '1' END AS INT) > 0",
       "line 1, column 35: invalid input syntax for type bigint: \"x7\"", GP_INVALID},
      /* the text of a DOUBLE is what its result column prints (doc/language.md, Values) */
      {"SELECT CAST(2.0 AS TEXT), CAST(-3 * 1.0 AS TEXT), 'x' || 2.0, CAST(0.1 + 0.2 AS TEXT), "
       "CAST(1e20 AS TEXT), CAST(CAST('NaN' AS DOUBLE) AS TEXT), CAST(CAST(2.5 AS TEXT) AS DOUBLE)",
       "2.0,-3.0,x2.0,0.30000000000000004,1e+20,nan,2.5\n", GP_OK},
      /* round(x, n) for any n, as round(numeric, int) */
      {"SELECT round(1.5, -400), round(1.5, 400), round(2.675, 2), round(1234.5, -2), "
       "round(-1.5), round(CAST('NaN' AS DOUBLE), 2), round(CAST('-Infinity' AS DOUBLE), -2), "
       "round(0.0005, 3), round(-0.4), round(999.5, -3), round(5e-324, 400), round(1.7e308, -307)",
       "0.0,1.5,2.68,1200.0,-2.0,nan,-inf,0.001,0.0,1000.0,4.94065645841247e-324,1.7e+308\n", GP_OK},
      {"SELECT round(1.7e308, -308)", "line 1, column 8: value out of range: overflow", GP_INVALID},
      /* timestamp fields out of range, in CAST and next to a TIMESTAMP column */
      {"SELECT CAST('2024-01-01 23:59:60' AS TIMESTAMP)",
       "line 1, column 13: date/time field value out of range: \"2024-01-01 23:59:60\"", GP_INVALID},
      {"SELECT TIMESTAMP '2024-13-01'",
       "line 1, column 18: date/time field value out of range: \"2024-13-01\"", GP_INVALID},
      {"SELECT count(*) FROM events WHERE ts > '2024-02-30'",
       "line 1, column 40: date/time field value out of range: \"2024-02-30\"", GP_INVALID},
      {"SELECT count(*) FROM events WHERE ts BETWEEN '2024-08-01' AND '2024-08-01 24:00'",
       "line 1, column 63: date/time field value out of range: \"2024-08-01 24:00\"", GP_INVALID},
      {"SELECT CAST(CASE WHEN id = 7 THEN '2024-08-01 23:59:60' ELSE '2024-08-01' END AS "
       "TIMESTAMP) FROM events",
       "line 1, column 8: date/time field value out of range: \"2024-08-01 23:59:60\"", GP_INVALID},
      /* string literals next to a TIMESTAMP or INTERVAL take its type */
      {"SELECT TIMESTAMP '2024-08-02' - '2024-08-01', TIMESTAMP '2024-08-01' + '1 hour', "
       "TIMESTAMP '2024-08-01' - '1 day 2 hours', '2024-08-03' - TIMESTAMP '2024-08-01', "
       "1 h > '30 minutes', 1 h + '01:30:00', coalesce(NULL, 1 h, '2 h') = '1 h'",
       "1 day,2024-08-01 01:00:00,2024-07-30 22:00:00,2 days,true,02:30:00,true\n", GP_OK},
      {"SELECT max(ts) - 'soon' FROM events",
       "line 1, column 18: invalid input syntax for type timestamp: \"soon\"", GP_INVALID},
      {"SELECT ts + 'soon' FROM events",
       "line 1, column 13: invalid input syntax for type interval: \"soon\"", GP_INVALID},
      {"SELECT count(*) FROM events WHERE ts IN ('2024-08-01', '2024-08-32')",
       "line 1, column 56: date/time field value out of range: \"2024-08-32\"", GP_INVALID},
  };
  for (int vec = 0; vec <= 1; vec++) {
    run(f, vec ? "SET vectorize = true" : "SET vectorize = false", GP_OK);
    for (size_t k = 0; k < sizeof c / sizeof *c; k++) {
      const char *m = run(f, c[k].sql, c[k].rc);
      if (strcmp(m, c[k].want) != 0)
        fail_msg("vectorize %d: %s\n got: %s\nwant: %s", vec, c[k].sql, m, c[k].want);
    }
  }
  /* on the table: a deadline of handle_hours hours after ts (the SLA filter of issue 11), and
   * unknown literals in BETWEEN, CASE, coalesce and arithmetic, against brute force per
   * category, on both paths */
  int64_t cut = ts("2024-08-01"), lo = ts("2024-08-05"), hi = ts("2024-08-06 12:00");
  int n1[5] = {0}, n2[5] = {0}, n3[5] = {0}, n4[5] = {0};
  for (int i = 0; i < f->n; i++) {
    int k = f->cat[i];
    if (!f->hnull[i] && f->t[i] + (int64_t)llrint(3600e6 * f->h[i]) < cut) n1[k]++;
    if (!f->hnull[i] && f->t[i] + (int64_t)llrint(3600e6 * 1.5) * 2 < cut) n2[k]++;
    if (f->t[i] >= lo && f->t[i] <= hi) n3[k]++;
    if ((f->cat[i] == 1 ? f->t[i] : cut) - cut > 0) n4[k]++;
  }
  char want[512];
  size_t o = 0;
  for (int k = 0; k < 5; k++)
    o += (size_t)snprintf(want + o, sizeof want - o, "c%03d,%d,%d,%d,%d\n", k, n1[k], n2[k], n3[k], n4[k]);
  const char *q =
      "SELECT category, count(CASE WHEN ts + handle_hours * 1 h < '2024-08-01' THEN 1 END), "
      "count(CASE WHEN ts + (handle_hours * 0 + 2) * (1.5 * 1 h) < '2024-08-01' THEN 1 END), "
      "count(CASE WHEN ts BETWEEN '2024-08-05' AND '2024-08-06 12:00' THEN 1 END), "
      "count(CASE WHEN CASE WHEN category = 'c001' THEN ts ELSE '2024-08-01' END - "
      "'2024-08-01' > '0 s' THEN 1 END) FROM events GROUP BY category ORDER BY category";
  const char *w = "SELECT category, count(*) FROM events WHERE ts + handle_hours * 1 h < "
                  "'2024-08-01' GROUP BY category ORDER BY category";
  char want_w[256];
  o = 0;
  for (int k = 0; k < 5; k++) o += (size_t)snprintf(want_w + o, sizeof want_w - o, "c%03d,%d\n", k, n1[k]);
  for (int vec = 0; vec <= 1; vec++) {
    run(f, vec ? "SET vectorize = true" : "SET vectorize = false", GP_OK);
    assert_string_equal(run(f, q, GP_OK), want);
    assert_string_equal(run(f, w, GP_OK), want_w);
  }
  /* an error leaves nothing behind: the next statement answers */
  run(f, "SELECT 1/0", GP_INVALID);
  assert_string_equal(run(f, "SELECT count(*) FROM events WHERE id >= 0", GP_OK), "3000\n");
}

/* strftime writes the whole text whatever the format's length: formats of 0 to ~11 KB (the
 * old writer stopped at 224 bytes), on a constant and as a grouped key, against the text
 * repeated here. */
static void test_strftime_lengths(void **st) {
  fixture *f = *st;
  static const char unit[] = "%Y-%m-%d %H:%M:%S ", text[] = "2024-08-01 13:45:10 ";
  static const int reps[] = {0, 1, 11, 12, 13, 14, 50, 600};
  size_t cap = 600 * sizeof unit + 256;
  char *fmt = malloc(cap), *want = malloc(cap + 600 * 2), *sql = malloc(cap + 256);
  assert_true(fmt && want && sql);
  for (size_t k = 0; k < sizeof reps / sizeof *reps; k++)
    for (int tail = 0; tail < 3; tail++) { /* and 0..2 more bytes: "x", "x%" */
      size_t fn = 0, wn = 0;
      for (int i = 0; i < reps[k]; i++) {
        memcpy(fmt + fn, unit, sizeof unit - 1), fn += sizeof unit - 1;
        memcpy(want + wn, text, sizeof text - 1), wn += sizeof text - 1;
      }
      memcpy(fmt + fn, "x%", (size_t)tail), fn += (size_t)tail;
      memcpy(want + wn, "x%", (size_t)tail), wn += (size_t)tail; /* a last lone % is itself */
      fmt[fn] = want[wn] = '\0';
      snprintf(sql, cap + 256, "SELECT strftime(TIMESTAMP '2024-08-01 13:45:10', '%s') AS s", fmt);
      const char *got = run(f, sql, GP_OK);
      assert_int_equal(strlen(got), wn + 1);
      assert_memory_equal(got, want, wn);
      /* the same format as a group key (each day's text starts with its date) */
      snprintf(sql, cap + 256,
               "SELECT strftime(bucket(ts, 1 d), '%s') AS d, count(*) AS n FROM events GROUP BY d "
               "ORDER BY d LIMIT 1",
               fmt);
      got = run(f, sql, GP_OK);
      const char *comma = strrchr(got, ',');
      assert_non_null(comma);
      assert_int_equal((size_t)(comma - got), wn ? wn : 0);
      if (reps[k]) assert_memory_equal(got, "2024-07-20 00:00:00 ", sizeof text - 1);
    }
  free(fmt);
  free(want);
  free(sql);
}

static void test_errors(void **st) {
  fixture *f = *st;
  static const struct {
    const char *sql, *msg;
    gp_rc rc;
  } c[] = {
      {"SELECT catgory FROM events", "line 1, column 8: no column \"catgory\" in events (did you mean \"category\"?)", GP_NOTFOUND},
      {"SELECT 1 FROM evnts", "line 1, column 15: no table \"evnts\" (did you mean \"events\"?)", GP_NOTFOUND},
      {"SELECT id, count(*) FROM events", "line 1, column 8: column \"id\" must appear in GROUP BY or be used in an aggregate", GP_INVALID},
      {"SELECT 1 FROM events WHERE ts > 'soon'", "line 1, column 33: invalid input syntax for type timestamp: \"soon\"", GP_INVALID},
      {"SELECT sum(category) FROM events", "line 1, column 12: sum() of a text column", GP_INVALID},
      {"SELECT cell(100 m) FROM events", "line 1, column 13: cell size 100 m is not the base cell (125 m) times a power of 2", GP_INVALID},
      {"SELECT bucket(ts, 1 d, 'Mars/Base') FROM events", NULL, GP_INVALID},
      {"SELECT 1 FROM events WHERE id", "line 1, column 28: WHERE must be a condition, not int", GP_INVALID},
      {"SET colour = 1", "line 1, column 5: unknown setting \"colour\" (now, timezone, threads, vectorize, memory_limit)", GP_NOTFOUND},
      {"SET memory_limit = '10 kB'", "line 1, column 20: SET memory_limit needs a size such as '512 MB' or '2 GB' (at least 1 MB), or 'default'", GP_INVALID},
      {"SET memory_limit = 'lots'", NULL, GP_INVALID},
      {"SELECT now() - 249999999999 h", "line 1, column 16: interval 249999999999 h out of range", GP_INVALID},
      {"SET memory_limit = '2 GB more'", NULL, GP_INVALID},
      {"SELECT frobnicate(1)", "line 1, column 8: unknown function frobnicate()", GP_NOTFOUND},
      {"SELECT bucket(ts, 1 dy) FROM events", NULL, GP_PARSE},
  };
  for (size_t k = 0; k < sizeof c / sizeof *c; k++) {
    const char *m = run(f, c[k].sql, c[k].rc);
    if (c[k].msg) assert_string_equal(m, c[k].msg);
  }
  /* the session survives errors */
  assert_string_equal(run(f, "SELECT 1", GP_OK), "1\n");
  /* time arithmetic past int64 microseconds is an error, not a wrapped time (fuzz_sql found
   * the signed overflow) nor a NULL */
  assert_string_equal(run(f, "SELECT CAST('2024-01-01' AS TIMESTAMP) - 2000000 d * 100000", GP_INVALID),
                      "line 1, column 52: interval out of range");
  assert_string_equal(run(f, "SELECT CAST('2024-01-01' AS TIMESTAMP) + 100000 d * 1000 + 100000 d * 1000",
                          GP_INVALID), "line 1, column 58: timestamp out of range");
  assert_string_equal(run(f, "SELECT (100000 d * 1000) + (100000 d * 1000)", GP_INVALID),
                      "line 1, column 26: interval out of range");
  assert_string_equal(run(f, "SELECT CAST('2024-01-01' AS TIMESTAMP) - 1 d IS NULL", GP_OK), "false\n");
  /* the memory bound: a statement whose intermediate rows (here 1.8 M joined rows of a
   * subquery) outgrow it stops with an error naming the limit; the session goes on, and with
   * room the same statement answers sum over categories of n^2 */
  const char *big = "SELECT count(*) FROM (SELECT a.id FROM events a JOIN events b ON "
                    "a.category = b.category)";
  run(f, "SET memory_limit = 1048576", GP_OK);
  assert_string_equal(run(f, big, GP_NOMEM),
                      "out of memory: the statement's intermediate results (groups, joins, "
                      "subqueries, sorts) need more than memory_limit (1 MB); narrow it or SET "
                      "memory_limit");
  assert_string_equal(run(f, "SELECT 1", GP_OK), "1\n");
  long per[5] = {0}, want = 0;
  for (int i = 0; i < f->n; i++) per[f->cat[i]]++;
  for (int k = 0; k < 5; k++) want += per[k] * per[k];
  char buf[64];
  snprintf(buf, sizeof buf, "%ld\n", want);
  run(f, "SET memory_limit = '1.5 GiB'", GP_OK);
  assert_string_equal(run(f, big, GP_OK), buf);
  run(f, "SET memory_limit = 'default'", GP_OK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_values),
      cmocka_unit_test(test_strftime_lengths),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests_name("exec_values", tests, setup_db, teardown_db);
}
