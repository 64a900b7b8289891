/* test_exec_series.c - time series statements through a session: FORECAST as DESIGN.md
 * writes it, and gapfill with locf/interpolate as TimescaleDB fills. */
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

/* DESIGN.md's FORECAST, as written, on hourly readings that follow a trend and a daily cycle. */
static void test_forecast_stmt(void **st) {
  fixture *f = *st;
  char csv[300], sql[700];
  snprintf(csv, sizeof csv, "%s.wl.csv", f->dir);
  FILE *fp = fopen(csv, "w");
  assert_non_null(fp);
  fprintf(fp, "sensor_id,ts,value\n");
  int64_t t0 = ts("2024-06-25");
  double truth[24 * 7];
  for (int i = 0; i < 24 * 7; i++) {
    truth[i] = 2 + 0.01 * i + 0.5 * sin(2 * M_PI * (i % 24) / 24);
    if (i >= 24 * 5) continue; /* 5 days of data, 2 days to forecast */
    char tb[40];
    gp_ts_format(t0 + (int64_t)i * GP_USEC_PER_HOUR, tb, sizeof tb);
    fprintf(fp, "wl-0007,%s,%.6f\nwl-0001,%s,1\n", tb, truth[i], tb);
  }
  fclose(fp);
  snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS readings; CREATE TABLE readings (sensor_id "
           "SYMBOL, ts TIMESTAMP, value DOUBLE) TIME ts; COPY readings FROM '%s' WITH (header "
           "true)", csv);
  assert_string_equal(run(f, sql, GP_OK), "COPY 240 rows (0 rejected, 0 duplicates)");
  unlink(csv);
  const char *r = run(f, "FORECAST avg(value) FROM readings WHERE sensor_id = 'wl-0007'\n"
                         "  EVERY 1 h HORIZON 24 h USING holt_winters(period 24);", GP_OK);
  int rows = 0;
  for (const char *l = r; *l; l = strchr(l, '\n') + 1, rows++) {
    char tb[40];
    double v, lo, hi;
    assert_int_equal(sscanf(l, "%39[^,],%lf,%lf,%lf", tb, &v, &lo, &hi), 4);
    int64_t t = ts(tb);
    assert_int_equal(t, t0 + (int64_t)(24 * 5 + rows) * GP_USEC_PER_HOUR);
    assert_true(fabs(v - truth[24 * 5 + rows]) < 1e-3);
    assert_true(lo <= v && v <= hi);
  }
  assert_int_equal(rows, 24);
  /* the linear method over a constant: the constant, 2 rows for 90 minutes at 1 h */
  assert_string_equal(run(f, "FORECAST max(value) FROM readings WHERE sensor_id = 'wl-0001' EVERY "
                             "1 h HORIZON 90 m USING linear", GP_OK),
                      "2024-06-30 00:00:00,1.0,1.0,1.0\n2024-06-30 01:00:00,1.0,1.0,1.0\n");
  static const struct {
    const char *sql, *msg;
    gp_rc rc;
  } bad[] = {
      {"FORECAST avg(value) FROM readings EVERY 1 h HORIZON 1 d USING arima",
       "line 1, column 63: unknown forecast method arima (holt_winters, linear)", GP_NOTFOUND},
      {"FORECAST avg(value) FROM readings WHERE sensor_id = 'none' EVERY 1 h HORIZON 1 d USING linear",
       "line 1, column 1: FORECAST: the series has no values", GP_INVALID},
      {"FORECAST avg(value) FROM readings EVERY 1 h HORIZON 1 d USING holt_winters(period 100)",
       "line 1, column 1: FORECAST: 120 points are too few to fit a Holt-Winters forecast (it "
       "needs more than 2 seasons)", GP_INVALID},
      {"FORECAST avg(value) FROM readings EVERY 1 month HORIZON 1 d USING linear",
       "line 1, column 41: EVERY and HORIZON need fixed positive intervals (no months)", GP_INVALID},
      {"FORECAST avg(value) FROM nothing EVERY 1 h HORIZON 1 d USING linear",
       "line 1, column 26: no table \"nothing\"", GP_NOTFOUND},
  };
  for (size_t k = 0; k < sizeof bad / sizeof *bad; k++)
    assert_string_equal(run(f, bad[k].sql, bad[k].rc), bad[k].msg);
  run(f, "DROP TABLE readings", GP_OK);
}

/* gapfill(): every bucket of the range per series, count 0 in the gaps, locf() and
 * interpolate(); the answers below are worked out by hand from the eight rows loaded here. */
static void test_gapfill(void **st) {
  fixture *f = *st;
  char csv[300], sql[600];
  snprintf(csv, sizeof csv, "%s.gf.csv", f->dir);
  FILE *fp = fopen(csv, "w");
  assert_non_null(fp);
  /* sensor 7: 01:10 and 01:50 (avg 2), 04:30 (5), 06:20 (8); sensor 9: 02:15 (5); sensor 11:
   * Feb 1 00:30, Mar 31 23:59 and Apr 1 00:00 in Shanghai (UTC+8) */
  fprintf(fp, "sensor_id,ts,value\n7,2024-06-01T01:10:00Z,1.0\n7,2024-06-01T01:50:00Z,3.0\n"
              "7,2024-06-01T04:30:00Z,5.0\n7,2024-06-01T06:20:00Z,8.0\n9,2024-06-01T02:15:00Z,5.0\n"
              "11,2024-01-31T16:30:00Z,1\n11,2024-03-31T15:59:00Z,1\n11,2024-03-31T16:00:00Z,1\n");
  fclose(fp);
  snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS gfr; CREATE TABLE gfr (sensor_id INT, ts "
           "TIMESTAMP, value DOUBLE) TIME ts; COPY gfr FROM '%s' WITH (header true)", csv);
  assert_string_equal(run(f, sql, GP_OK), "COPY 8 rows (0 rejected, 0 duplicates)");
  unlink(csv);
  /* hourly counts with gaps: the same on every path and thread count */
  static const char *hourly = "SELECT gapfill(ts, 1 h) AS h, count(*) AS n FROM gfr WHERE "
                              "sensor_id = 7 AND ts >= '2024-06-01' AND ts < '2024-06-01 06:00' "
                              "GROUP BY h ORDER BY h";
  for (int k = 0; k < 4; k++) {
    snprintf(sql, sizeof sql, "SET vectorize = %s; SET threads = %d", k & 1 ? "true" : "false",
             1 + k / 2);
    run(f, sql, GP_OK);
    assert_string_equal(run(f, hourly, GP_OK),
                        "2024-06-01 00:00:00,0\n2024-06-01 01:00:00,2\n2024-06-01 02:00:00,0\n"
                        "2024-06-01 03:00:00,0\n2024-06-01 04:00:00,1\n2024-06-01 05:00:00,0\n");
  }
  run(f, "SET vectorize = true; SET threads = 0", GP_OK);
  /* locf carries 2 over 02:00 and 03:00 and 5 over 05:00; interpolate draws 2 -> 5 over three
   * hours (3, 4) and 5 -> 8 over two (6.5); both NULL before the first value */
  assert_string_equal(run(f, "SELECT gapfill(ts, 1 h) AS h, avg(value), locf(avg(value)), "
                             "interpolate(avg(value)) AS i FROM gfr WHERE sensor_id = 7 AND ts "
                             ">= '2024-06-01' AND ts < '2024-06-01 07:00' GROUP BY h ORDER BY h",
                             GP_OK),
                      "2024-06-01 00:00:00,NULL,NULL,NULL\n2024-06-01 01:00:00,2.0,2.0,2.0\n"
                      "2024-06-01 02:00:00,NULL,2.0,3.0\n2024-06-01 03:00:00,NULL,2.0,4.0\n"
                      "2024-06-01 04:00:00,5.0,5.0,5.0\n2024-06-01 05:00:00,NULL,5.0,6.5\n"
                      "2024-06-01 06:00:00,8.0,8.0,8.0\n");
  /* two series, each filled on its own (the gapfill key listed first or second) */
  static const char *want2 = "7,2024-06-01 01:00:00,2,3.0\n7,2024-06-01 02:00:00,0,3.0\n"
                             "7,2024-06-01 03:00:00,0,3.0\n9,2024-06-01 01:00:00,0,NULL\n"
                             "9,2024-06-01 02:00:00,1,5.0\n9,2024-06-01 03:00:00,0,5.0\n";
  assert_string_equal(run(f, "SELECT sensor_id, gapfill(ts, 1 h) AS h, count(*), "
                             "locf(max(value)) FROM gfr WHERE ts >= '2024-06-01 01:00' AND ts < "
                             "'2024-06-01 04:00' GROUP BY sensor_id, h ORDER BY sensor_id, h", GP_OK),
                      want2);
  assert_string_equal(run(f, "SELECT sensor_id, gapfill(ts, 1 h) AS h, count(*), "
                             "locf(max(value)) FROM gfr WHERE ts >= '2024-06-01 01:00' AND ts < "
                             "'2024-06-01 04:00' GROUP BY h, sensor_id ORDER BY 1, 2", GP_OK),
                      want2);
  /* HAVING, ORDER BY and LIMIT see the filled rows */
  assert_string_equal(run(f, "SELECT gapfill(ts, 1 h) AS h, count(*) AS n FROM gfr WHERE ts >= "
                             "'2024-06-01' AND ts < '2024-06-01 08:00' GROUP BY h HAVING n = 0 "
                             "ORDER BY h DESC LIMIT 3", GP_OK),
                      "2024-06-01 07:00:00,0\n2024-06-01 05:00:00,0\n2024-06-01 03:00:00,0\n");
  /* calendar months in Shanghai, the range from WHERE or from the arguments: Feb, Mar and Apr
   * start at 16:00 UTC the day before; May is empty */
  static const char *months = "2024-01-31 16:00:00,1\n2024-02-29 16:00:00,1\n"
                              "2024-03-31 16:00:00,1\n2024-04-30 16:00:00,0\n";
  assert_string_equal(run(f, "SELECT gapfill(ts, 1 month, 'Asia/Shanghai') AS m, count(*) FROM "
                             "gfr WHERE ts >= '2024-01-31 16:00' AND ts < '2024-05-31 16:00' "
                             "GROUP BY m ORDER BY m", GP_OK), months);
  assert_string_equal(run(f, "SELECT gapfill(ts, 1 month, 'Asia/Shanghai', '2024-01-31 16:00', "
                             "'2024-05-31 16:00') AS m, count(*) FROM gfr WHERE sensor_id = 11 "
                             "GROUP BY m ORDER BY m", GP_OK), months);
  /* no row matched: one series of empty buckets without other keys, none with them */
  assert_string_equal(run(f, "SELECT gapfill(ts, 1 d) AS d, count(*), sum(value) FROM gfr WHERE "
                             "ts >= '2023-01-01' AND ts < '2023-01-03' GROUP BY d", GP_OK),
                      "2023-01-01 00:00:00,0,NULL\n2023-01-02 00:00:00,0,NULL\n");
  assert_string_equal(run(f, "SELECT sensor_id, gapfill(ts, 1 d) AS d, count(*) FROM gfr WHERE "
                             "ts >= '2023-01-01' AND ts < '2023-01-03' GROUP BY sensor_id, d",
                             GP_OK), "");
  /* the cap: 1,000,000 one-second buckets are made, one more is refused */
  assert_string_equal(run(f, "SELECT count(*), sum(n) FROM (SELECT gapfill(ts, 1 s) AS s, "
                             "count(*) AS n FROM gfr WHERE ts >= '2024-06-01' AND ts < "
                             "'2024-06-12 13:46:40' GROUP BY s)", GP_OK),
                      "1000000,5\n");
  static const struct {
    const char *sql, *msg;
  } bad[] = {
      {"SELECT gapfill(ts, 1 s) AS s, count(*) FROM gfr WHERE ts >= '2024-06-01' AND ts < "
       "'2024-06-12 13:46:41' GROUP BY s",
       "line 1, column 8: gapfill() would make more than 1000000 buckets from 2024-06-01 "
       "00:00:00 to 2024-06-12 13:46:41: narrow the range or widen the interval"},
      {"SELECT gapfill(ts, 1 h) AS h, count(*) FROM gfr WHERE ts >= '2024-06-01' GROUP BY h",
       "line 1, column 8: gapfill() needs a bounded time range (it has no upper bound): bound "
       "the table's time column in WHERE, e.g. ts >= '2024-06-01' AND ts < '2024-06-02', or "
       "give gapfill(ts, interval, start, end)"},
      {"SELECT gapfill(t, 1 h) AS h, count(*) FROM (SELECT ts AS t FROM gfr) WHERE t >= "
       "'2024-06-01' AND t < '2024-06-02' GROUP BY h",
       "line 1, column 8: gapfill() needs a bounded time range (it has no lower bound): bound "
       "the table's time column in WHERE, e.g. ts >= '2024-06-01' AND ts < '2024-06-02', or "
       "give gapfill(ts, interval, start, end)"},
      {"SELECT sensor_id, locf(avg(value)) FROM gfr GROUP BY sensor_id",
       "line 1, column 19: locf() fills the gaps that gapfill() makes: it needs GROUP BY "
       "gapfill(ts, interval)"},
      {"SELECT gapfill(ts, 1 h), count(*) FROM gfr WHERE ts >= '2024-06-01' AND ts < "
       "'2024-06-02'",
       "line 1, column 8: gapfill() must be a GROUP BY key of its own (or a select item equal "
       "to one); bucket() works anywhere"},
      {"SELECT gapfill(ts, 1 h, '2024-06-02', '2024-06-01') AS h, count(*) FROM gfr GROUP BY h",
       "line 1, column 25: gapfill() start must be before end"},
      {"SELECT gapfill(ts, 1 h, '2024-06-01', '2024-06-02') AS h, locf(locf(max(value))) FROM "
       "gfr GROUP BY h",
       "line 1, column 64: locf() of locf() or interpolate()"},
      {"SELECT gapfill(ts, 1 h, '2024-06-01', '2024-06-02') AS h, locf(max(value), 1) FROM "
       "gfr GROUP BY h",
       "line 1, column 76: locf(): treat_null_as_missing must be true or false"},
      {"SELECT gapfill(ts, 1 h, '2024-06-01', '2024-06-02') AS h, interpolate(max(value), true) "
       "FROM gfr GROUP BY h",
       "line 1, column 59: interpolate() takes 1 argument, not 2"},
  };
  for (size_t k = 0; k < sizeof bad / sizeof *bad; k++)
    assert_string_equal(run(f, bad[k].sql, GP_INVALID), bad[k].msg);
  run(f, "DROP TABLE gfr", GP_OK);
  /* As TimescaleDB's: only the rows gapfill made are filled. Sensor 13 has 1 at 01:00, a row
   * without a value at 02:10 and 5 at 05:30: locf carries the NULL of 02:00 into 03:00 and
   * 04:00 unless treat_null_as_missing; interpolate leaves 02:00 NULL and draws 1 -> 5 across
   * the gaps 03:00 and 04:00 (3, 4); after 05:00 only locf has something to carry. */
  snprintf(csv, sizeof csv, "%s.gfn.csv", f->dir);
  fp = fopen(csv, "w");
  assert_non_null(fp);
  fprintf(fp, "sensor_id,ts,value\n13,2024-06-01T01:00:00Z,1.0\n13,2024-06-01T02:10:00Z,\n"
              "13,2024-06-01T05:30:00Z,5.0\n");
  fclose(fp);
  snprintf(sql, sizeof sql, "CREATE TABLE gfn (sensor_id INT, ts TIMESTAMP, value DOUBLE) TIME "
           "ts; COPY gfn FROM '%s' WITH (header true)", csv);
  assert_string_equal(run(f, sql, GP_OK), "COPY 3 rows (0 rejected, 0 duplicates)");
  unlink(csv);
  assert_string_equal(run(f, "SELECT gapfill(ts, 1 h) AS h, avg(value), locf(avg(value)), "
                             "locf(avg(value), true), interpolate(avg(value)) FROM gfn WHERE ts "
                             ">= '2024-06-01 01:00' AND ts < '2024-06-01 07:00' GROUP BY h "
                             "ORDER BY h", GP_OK),
                      "2024-06-01 01:00:00,1.0,1.0,1.0,1.0\n"
                      "2024-06-01 02:00:00,NULL,NULL,1.0,NULL\n"
                      "2024-06-01 03:00:00,NULL,NULL,1.0,3.0\n"
                      "2024-06-01 04:00:00,NULL,NULL,1.0,4.0\n"
                      "2024-06-01 05:00:00,5.0,5.0,5.0,5.0\n"
                      "2024-06-01 06:00:00,NULL,5.0,5.0,NULL\n");
  run(f, "DROP TABLE gfn", GP_OK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_forecast_stmt),
      cmocka_unit_test(test_gapfill),
  };
  return cmocka_run_group_tests_name("exec_series", tests, setup_db, teardown_db);
}
