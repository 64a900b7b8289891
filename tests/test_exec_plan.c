/* test_exec_plan.c - the planner's choices through a session: latest-per-series plans, region
 * keys, the time windows and cell ranges of EXPLAIN, subqueries as values, chains of joins
 * with LEFT JOINs; each against brute force and the row path. */
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

/* "Latest per series" queries (CityBench Q7, Q8) skip units by their summaries: the answers
 * must equal brute force and the full scan (SET vectorize = false), on 1 and 2 threads. Sensors
 * stop reporting at different times, so their latest readings lie in different partitions. */
static void test_latest_series(void **st) {
  fixture *f = *st;
  enum { NS = 24, STEP = 3 * 3600 };
  char csv[300], csv2[300], sql[1400];
  snprintf(csv, sizeof csv, "%s.s.csv", f->dir);
  snprintf(csv2, sizeof csv2, "%s.r.csv", f->dir);
  FILE *fs = fopen(csv, "w"), *fr = fopen(csv2, "w");
  assert_non_null(fs);
  assert_non_null(fr);
  fprintf(fs, "sensor_id,lon,lat,metric,warn_line\n");
  fprintf(fr, "sensor_id,ts,value\n");
  rng_state = 7;
  int64_t t0 = ts("2024-06-01"), last_t[NS];
  double last_v[NS], warn[NS];
  for (int k = 0; k < NS; k++) {
    warn[k] = (double)(rnd() % 100) / 10;
    fprintf(fs, "s%02d,%.6f,%.6f,%s,%.1f\n", k, 118.3 + 0.001 * k, 33.9, k % 3 ? "wl" : "gas", warn[k]);
  }
  /* row by row in time order, each sensor until its own end (days 17..41) */
  for (int64_t t = t0; t < t0 + 42 * GP_USEC_PER_DAY; t += (int64_t)STEP * GP_USEC_PER_SEC)
    for (int k = 0; k < NS; k++) {
      if (t >= t0 + (17 + (k * 7) % 25) * GP_USEC_PER_DAY) continue;
      char tb[40];
      gp_ts_format(t, tb, sizeof tb);
      double v = (double)(rnd() % 1000) / 100;
      fprintf(fr, "s%02d,%s,%.2f\n", k, tb, v);
      last_t[k] = t;
      last_v[k] = v;
    }
  fclose(fs);
  fclose(fr);
  snprintf(sql, sizeof sql,
           "DROP TABLE IF EXISTS readings; DROP TABLE IF EXISTS sensors; CREATE TABLE sensors "
           "(sensor_id SYMBOL KEY, lon DOUBLE, lat DOUBLE, metric SYMBOL, warn_line DOUBLE) "
           "LOCATION (lon, lat); COPY sensors FROM '%s' WITH (header true); CREATE TABLE readings "
           "(sensor_id SYMBOL, ts TIMESTAMP, value DOUBLE) TIME ts LOCATION FROM "
           "sensors(sensor_id); COPY readings FROM '%s' WITH (header true)", csv, csv2);
  run(f, sql, GP_OK);
  unlink(csv);
  unlink(csv2);
  /* brute force Q7: the latest reading of each 'wl' sensor, kept when above its warn line */
  static char want[8192], full[1 << 16];
  size_t o = 0;
  for (int k = 0; k < NS; k++) {
    if (!(k % 3) || !(last_v[k] > warn[k])) continue;
    char tb[40];
    gp_ts_format(last_t[k], tb, sizeof tb);
    char b1[32], b2[32];
    o += (size_t)snprintf(want + o, sizeof want - o, "s%02d,%s,%s,%s\n", k, tb,
                          dbl_text(last_v[k], b1, sizeof b1), dbl_text(warn[k], b2, sizeof b2));
  }
  static const char *q[] = {
      "SELECT r.sensor_id, max(r.ts) AS ts, last(r.value, r.ts) AS value, s.warn_line FROM "
      "readings r JOIN sensors s ON r.sensor_id = s.sensor_id WHERE s.metric = 'wl' GROUP BY "
      "r.sensor_id, s.warn_line HAVING value > s.warn_line ORDER BY 1",
      "WITH t AS (SELECT r.sensor_id AS sid, max(r.ts) AS t1 FROM readings r JOIN sensors s ON "
      "r.sensor_id = s.sensor_id WHERE s.metric = 'wl' GROUP BY sid) SELECT r.sensor_id, "
      "count(*), slope(r.value, r.ts), predict_linear(r.value, r.ts, 6 h) FROM readings r JOIN t "
      "ON r.sensor_id = t.sid WHERE r.ts > t.t1 - 24 h GROUP BY r.sensor_id ORDER BY 1",
      "SELECT sensor_id, max(ts), last(value, ts) FROM readings WHERE sensor_id IN ('s01', "
      "'s05', 's22') GROUP BY sensor_id ORDER BY 1",
      "SELECT s.metric, max(r.ts), last(r.value, r.ts) FROM readings r JOIN sensors s ON "
      "r.sensor_id = s.sensor_id GROUP BY s.metric ORDER BY 1",
      "SELECT max(ts), last(value, ts) FROM readings WHERE sensor_id <> 's00'",
  };
  for (size_t k = 0; k < sizeof q / sizeof *q; k++) {
    run(f, "SET vectorize = false; SET threads = 1", GP_OK);
    snprintf(full, sizeof full, "%s", run(f, q[k], GP_OK));
    if (k == 0) assert_string_equal(full, want);
    if (k == 1) assert_int_equal((int)(strchr(full, ',')[1] - '0'), 8); /* 24 h / 3 h rows */
    for (int th = 1; th <= 2; th++) {
      char set[64];
      snprintf(set, sizeof set, "SET vectorize = true; SET threads = %d", th);
      run(f, set, GP_OK);
      assert_string_equal(run(f, q[k], GP_OK), full);
    }
  }
  /* the plan says what it skipped */
  snprintf(sql, sizeof sql, "SET threads = 1; EXPLAIN ANALYZE %s", q[0]);
  const char *plan = run(f, sql, GP_OK);
  assert_non_null(strstr(plan, "latest per series, newest first"));
  const char *d = strstr(plan, "units decoded, ");
  assert_non_null(d);
  assert_true(atoi(d + strlen("units decoded, ")) > 0); /* some units were skipped */
  /* every unit is covered and no series has two rows at its latest ts: the summaries' series
   * tails answer, over all partitions since sensors stopped at different times */
  assert_non_null(strstr(plan, "answered from series tails in the summaries: 16 series\n"));
  assert_non_null(strstr(plan, "-> 0 units decoded"));
  /* Phase 2: every sensor reports once more on day 45, so the newest partition alone holds
   * each one's latest row. Phase 3: s04 reports twice at that ts (a tie, broken by value),
   * which the tails cannot answer: the plan falls back to decoding, with the same answers. */
  for (int phase = 2; phase <= 3; phase++) {
    FILE *fa = fopen(csv2, "w");
    assert_non_null(fa);
    fprintf(fa, "sensor_id,ts,value\n");
    int64_t t45 = t0 + 45 * GP_USEC_PER_DAY;
    char tb[40];
    gp_ts_format(t45, tb, sizeof tb);
    for (int k = 0; k < NS && phase == 2; k++) {
      double v = (double)(rnd() % 1000) / 100;
      fprintf(fa, "s%02d,%s,%.2f\n", k, tb, v);
      last_t[k] = t45;
      last_v[k] = v;
    }
    if (phase == 3) {
      fprintf(fa, "s04,%s,%.2f\n", tb, last_v[4] + 20);
      last_v[4] += 20; /* last() breaks the tie by the larger value */
    }
    fclose(fa);
    snprintf(sql, sizeof sql, "COPY readings FROM '%s' WITH (header true)", csv2);
    run(f, sql, GP_OK);
    unlink(csv2);
    o = 0;
    for (int k = 0; k < NS; k++) {
      if (!(k % 3) || !(last_v[k] > warn[k])) continue;
      gp_ts_format(last_t[k], tb, sizeof tb);
      char b1[32], b2[32];
      o += (size_t)snprintf(want + o, sizeof want - o, "s%02d,%s,%s,%s\n", k, tb,
                            dbl_text(last_v[k], b1, sizeof b1), dbl_text(warn[k], b2, sizeof b2));
    }
    same_on_all_paths(f, q, sizeof q / sizeof *q, want);
    snprintf(sql, sizeof sql, "SET threads = 1; EXPLAIN ANALYZE %s", q[0]);
    plan = run(f, sql, GP_OK);
    if (phase == 2) {
      assert_non_null(strstr(plan, "series tails in the summaries: 16 series, newest partition only"));
    } else {
      assert_null(strstr(plan, "series tails"));
      assert_null(strstr(plan, "-> 0 units decoded"));
    }
  }
  run(f, "SET threads = 0; DROP TABLE readings; DROP TABLE sensors", GP_OK);
}

/* GROUP BY region(): the vectorised key (the region's ordinal from the cell index, exact tests
 * only where a boundary crosses the cell) must give the row path's answer, and the counts must
 * equal a brute force over the points. The layer: a 4 x 4 grid of squares over the box, after
 * an overlapping square Z listed first, so that "the first region in file order covering the
 * point" decides for the points under Z. Squares are axis-aligned in lon/lat, so the brute
 * force is exact in integer micro-degrees. */
static void test_region_keys(void **st) {
  fixture *f = *st;
  char csv[300], sql[700];
  snprintf(csv, sizeof csv, "%s.sq.csv", f->dir);
  FILE *fp = fopen(csv, "w");
  assert_non_null(fp);
  /* squares in micro-degrees from (118.2, 33.8): x0, y0, x1, y1 */
  int sq[17][4] = {{50000, 50000, 150000, 150000}};
  char ids[17][8] = {"Z"};
  fprintf(fp, "region_id,wkt\n");
  for (int k = 0; k < 17; k++) {
    if (k) {
      int i = (k - 1) % 4, j = (k - 1) / 4;
      sq[k][0] = i * 75000, sq[k][1] = j * 75000, sq[k][2] = (i + 1) * 75000, sq[k][3] = (j + 1) * 75000;
      snprintf(ids[k], sizeof ids[k], "S%d%d", i, j);
    }
    double x0 = 118.2 + sq[k][0] / 1e6, y0 = 33.8 + sq[k][1] / 1e6;
    double x1 = 118.2 + sq[k][2] / 1e6, y1 = 33.8 + sq[k][3] / 1e6;
    fprintf(fp, "%s,\"POLYGON((%.6f %.6f,%.6f %.6f,%.6f %.6f,%.6f %.6f,%.6f %.6f))\"\n", ids[k],
            x0, y0, x1, y0, x1, y1, x0, y1, x0, y0);
  }
  fclose(fp);
  snprintf(sql, sizeof sql, "DROP REGIONS IF EXISTS sq; CREATE REGIONS sq FROM '%s' (id region_id, geometry wkt)", csv);
  run(f, sql, GP_OK);
  unlink(csv);
  int per[17] = {0};
  for (int i = 0; i < f->n; i++)
    for (int k = 0; k < 17; k++)
      if (f->lonu[i] >= sq[k][0] && f->lonu[i] <= sq[k][2] && f->latu[i] >= sq[k][1] &&
          f->latu[i] <= sq[k][3]) {
        per[k]++;
        break;
      }
  /* rows in id order: S00 S01 ... S33, then Z */
  static char want[2048];
  size_t o = 0;
  for (int k = 1; k <= 17; k++) {
    int r = k == 17 ? 0 : 1 + ((k - 1) % 4) * 4 + (k - 1) / 4; /* S{i}{j} sorted by i then j */
    if (per[r]) /* S11 lies wholly under Z: no group */
      o += (size_t)snprintf(want + o, sizeof want - o, "%s,%d\n", ids[r], per[r]);
  }
  static const char *q[] = {
      "SELECT region('sq') AS r, count(*) FROM events GROUP BY r ORDER BY r",
      "SELECT region('sq') AS r, category, count(*), avg(handle_hours) FROM events "
      "WHERE category <> 'c002' GROUP BY r, category ORDER BY 1, 2",
      "SELECT region('sq') AS r, bucket(ts, 1 w) AS w, count(*) FROM events GROUP BY r, w "
      "ORDER BY 1, 2",
  };
  same_on_all_paths(f, q, sizeof q / sizeof *q, want);
  snprintf(sql, sizeof sql, "EXPLAIN %s", q[0]);
  assert_non_null(strstr(run(f, sql, GP_OK), "vectorised"));
  run(f, "SET threads = 0; DROP REGIONS sq", GP_OK);
}

/* The planner: the time window a statement's predicates give (EXPLAIN prints it, with the
 * partitions and units read), conjunctions narrowing it, OR and non-time terms leaving it
 * open; spatial predicates give cell ranges. Every count is checked against brute force over
 * the generated rows, so a window that is too narrow shows. */
static void test_plan(void **st) {
  fixture *f = *st;
  static const struct {
    const char *where, *window;
    const char *lo, *hi; /* rows lo <= ts < hi count (NULL = open); OR cases: outside [lo, hi) */
    int cat;             /* and category c00N, or -1 */
    bool outside;
  } c[] = {
      {"ts >= '2024-08-01' AND ts < '2024-08-08'", "time [2024-08-01 00:00:00, 2024-08-08 00:00:00)",
       "2024-08-01", "2024-08-08", -1, false},
      {"ts > '2024-08-01' AND ts <= '2024-08-02'",
       "time [2024-08-01 00:00:00.000001, 2024-08-02 00:00:00.000001)", "2024-08-01 00:00:00.000001",
       "2024-08-02 00:00:00.000001", -1, false},
      {"ts BETWEEN '2024-07-25' AND '2024-07-26 12:00'",
       "time [2024-07-25 00:00:00, 2024-07-26 12:00:00.000001)", "2024-07-25",
       "2024-07-26 12:00:00.000001", -1, false},
      {"'2024-08-03' > ts AND category = 'c001'", "time [-inf, 2024-08-03 00:00:00)", NULL,
       "2024-08-03", 1, false},
      {"ts >= '2024-08-01' AND ts >= '2024-08-03' AND ts < '2024-08-20' AND ts < '2024-08-10'",
       "time [2024-08-03 00:00:00, 2024-08-10 00:00:00)", "2024-08-03", "2024-08-10", -1, false},
      {"ts >= now() - 2 d", "time [2024-08-27 12:00:00, +inf)", "2024-08-27 12:00", NULL, -1, false},
      {"ts < '2024-07-25' OR ts >= '2024-08-20'", "time [-inf, +inf)", "2024-07-25", "2024-08-20",
       -1, true},
      {"category = 'c002'", "time [-inf, +inf)", NULL, NULL, 2, false},
  };
  run(f, "SET now = '2024-08-29 12:00'", GP_OK);
  char sql[400], want[64];
  for (size_t k = 0; k < sizeof c / sizeof *c; k++) {
    snprintf(sql, sizeof sql, "EXPLAIN SELECT count(*) FROM events WHERE %s", c[k].where);
    const char *plan = run(f, sql, GP_OK);
    if (!strstr(plan, c[k].window)) fail_msg("%s:\n%s\nwants %s", c[k].where, plan, c[k].window);
    int64_t lo = c[k].lo ? ts(c[k].lo) : INT64_MIN, hi = c[k].hi ? ts(c[k].hi) : INT64_MAX;
    long n = 0;
    for (int i = 0; i < f->n; i++) {
      bool in = f->t[i] >= lo && f->t[i] < hi;
      n += (c[k].outside ? !in : in) && (c[k].cat < 0 || f->cat[i] == c[k].cat);
    }
    snprintf(sql, sizeof sql, "SELECT count(*) FROM events WHERE %s", c[k].where);
    snprintf(want, sizeof want, "%ld\n", n);
    assert_string_equal(run(f, sql, GP_OK), want);
  }
  /* one week starting on a Thursday is one 7-day partition: 2024-08-01 is day 19936 = 7 x 2848 */
  assert_non_null(strstr(run(f, "EXPLAIN SELECT count(*) FROM events WHERE ts >= '2024-08-01' "
                                "AND ts < '2024-08-08'", GP_OK),
                         "partitions 2848..2848"));
  /* spatial: a square literal in lon/lat and a great-circle disc become cell ranges */
  const char *sq = "within('POLYGON((118.25 33.85,118.30 33.85,118.30 33.90,118.25 33.90,118.25 33.85))')";
  const char *disc = "dwithin(point(118.35, 33.95), 20 km, 'sphere')";
  long nsq = 0, ndisc = 0;
  const double rad = 3.14159265358979323846 / 180.0, R = 6371008.771415;
  for (int i = 0; i < f->n; i++) {
    nsq += f->lonu[i] >= 50000 && f->lonu[i] <= 100000 && f->latu[i] >= 50000 && f->latu[i] <= 100000;
    double lon = 118.2 + f->lonu[i] / 1e6, lat = 33.8 + f->latu[i] / 1e6;
    double p1 = lat * rad, p2 = 33.95 * rad, dl = (118.35 - lon) * rad;
    double a = sin((p2 - p1) / 2) * sin((p2 - p1) / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
    ndisc += 2 * R * asin(sqrt(a > 1 ? 1 : a)) <= 20000;
  }
  assert_true(nsq > 50 && ndisc > 500 && ndisc < f->n);
  const char *w[2] = {sq, disc};
  long nw[2] = {nsq, ndisc};
  for (int k = 0; k < 2; k++) {
    snprintf(sql, sizeof sql, "EXPLAIN SELECT count(*) FROM events WHERE %s", w[k]);
    assert_non_null(strstr(run(f, sql, GP_OK), "  cells: "));
    snprintf(sql, sizeof sql, "SELECT count(*) FROM events WHERE %s", w[k]);
    snprintf(want, sizeof want, "%ld\n", nw[k]);
    assert_string_equal(run(f, sql, GP_OK), want);
  }
  run(f, "SET now = 'default'", GP_OK);
}

/* Subqueries used as values: scalar ones become constants (a time bound narrows the scan), IN
 * (SELECT ...) a list (of dictionary ids for a symbol column); answers against brute force. */
static void test_subquery_values(void **st) {
  fixture *f = *st;
  int64_t tmax = INT64_MIN;
  bool big[5] = {false};
  for (int i = 0; i < f->n; i++) {
    if (f->t[i] > tmax) tmax = f->t[i];
    if (!f->hnull[i] && f->h[i] > 99.9) big[f->cat[i]] = true;
  }
  long recent = 0, in = 0, nbig = 0;
  for (int i = 0; i < f->n; i++) {
    recent += f->t[i] > tmax - 2 * GP_USEC_PER_DAY;
    in += big[f->cat[i]];
  }
  for (int k = 0; k < 5; k++) nbig += big[k];
  assert_true(nbig > 0 && nbig < 5); /* both IN and NOT IN select something */
  char want[64];
  const char *q1 = "SELECT count(*) FROM events WHERE ts > (SELECT max(ts) FROM events) - 2 d";
  snprintf(want, sizeof want, "%ld\n", recent);
  assert_string_equal(run(f, q1, GP_OK), want);
  char sql[300], lo[40];
  snprintf(sql, sizeof sql, "EXPLAIN %s", q1);
  gp_ts_format(tmax - 2 * GP_USEC_PER_DAY + 1, lo, sizeof lo);
  char win[80];
  snprintf(win, sizeof win, "scan events  time [%s, +inf)", lo);
  assert_non_null(strstr(run(f, sql, GP_OK), win));
  snprintf(want, sizeof want, "%ld\n", in);
  assert_string_equal(run(f, "SELECT count(*) FROM events WHERE category IN (SELECT category FROM "
                             "events WHERE handle_hours > 99.9)", GP_OK), want);
  snprintf(want, sizeof want, "%ld\n", f->n - in);
  assert_string_equal(run(f, "SELECT count(*) FROM events WHERE category NOT IN (SELECT category "
                             "FROM events WHERE handle_hours > 99.9)", GP_OK), want);
  snprintf(want, sizeof want, "%d,%ld\n", f->n, nbig);
  assert_string_equal(run(f, "SELECT (SELECT count(*) FROM events) AS n, (SELECT count(DISTINCT "
                             "category) FROM events WHERE handle_hours > 99.9) AS k", GP_OK), want);
  /* no row: NULL, which nothing is greater than */
  assert_string_equal(run(f, "SELECT count(*) FROM events WHERE id > (SELECT id FROM events WHERE "
                             "id < 0)", GP_OK), "0\n");
  assert_string_equal(run(f, "SELECT count(*) FROM events WHERE category IN (SELECT category FROM "
                             "events WHERE id < 0)", GP_OK), "0\n");
  assert_string_equal(run(f, "SELECT (SELECT id, ts FROM events)", GP_INVALID),
                      "line 1, column 8: a subquery used as a value must return one column, not 2");
  assert_string_equal(run(f, "SELECT 1 WHERE 2 > (SELECT id FROM events)", GP_INVALID),
                      "line 1, column 20: a subquery used as a value returned 3000 rows (at most one)");
}

/* Chains of joins (snowflake): events JOIN cats ON category JOIN grps ON cats.grp; answers
 * against brute force, and the shapes that are refused with a positioned error. */
static void test_join_chain(void **st) {
  fixture *f = *st;
  char c1[300], c2[300], sql[900];
  snprintf(c1, sizeof c1, "%s.cats.csv", f->dir);
  snprintf(c2, sizeof c2, "%s.grps.csv", f->dir);
  FILE *fp = fopen(c1, "w");
  assert_non_null(fp);
  /* c000, c001 -> g1; c002 -> g2; c003 -> g3 (no grps row); c004 has no cats row */
  fprintf(fp, "category,grp\nc000,g1\nc001,g1\nc002,g2\nc003,g3\n");
  fclose(fp);
  fp = fopen(c2, "w");
  assert_non_null(fp);
  fprintf(fp, "grp,label\ng1,first\ng2,second\n");
  fclose(fp);
  snprintf(sql, sizeof sql,
           "DROP TABLE IF EXISTS cats; DROP TABLE IF EXISTS grps; CREATE TABLE cats (category "
           "SYMBOL, grp SYMBOL); CREATE TABLE grps (grp SYMBOL, label TEXT); COPY cats FROM '%s' "
           "WITH (header true); COPY grps FROM '%s' WITH (header true)", c1, c2);
  run(f, sql, GP_OK);
  unlink(c1);
  unlink(c2);
  long n1 = 0, n2 = 0;
  double s1 = 0;
  for (int i = 0; i < f->n; i++) {
    if (f->cat[i] <= 1) n1++;
    if (f->cat[i] == 2) n2++;
    if (f->cat[i] <= 1 && !f->hnull[i]) s1 += f->h[i];
  }
  char want[200];
  snprintf(want, sizeof want, "first,%ld\nsecond,%ld\n", n1, n2);
  const char *q = "SELECT g.label, count(*) FROM events e JOIN cats c ON e.category = c.category "
                  "JOIN grps g ON c.grp = g.grp GROUP BY g.label ORDER BY 1";
  for (int th = 1; th <= 2; th++) {
    char set[64];
    snprintf(set, sizeof set, "SET threads = %d", th);
    run(f, set, GP_OK);
    assert_string_equal(run(f, q, GP_OK), want);
    run(f, "SET vectorize = false", GP_OK);
    assert_string_equal(run(f, q, GP_OK), want);
    run(f, "SET vectorize = true", GP_OK);
  }
  run(f, "SET threads = 0", GP_OK);
  /* a WHERE on the last table, and a sum that checks the rows are the right ones */
  snprintf(want, sizeof want, "%ld,%.2f\n", n1, s1);
  assert_string_equal(run(f, "SELECT count(*), round(sum(e.handle_hours), 2) FROM events e JOIN "
                             "cats c ON e.category = c.category JOIN grps g ON c.grp = g.grp "
                             "WHERE g.label = 'first'", GP_OK), want);
  assert_string_equal(
      run(f, "SELECT count(*) FROM events e JOIN cats c ON e.category = c.category JOIN grps g "
             "ON e.category = g.grp", GP_UNSUPPORTED),
      "line 1, column 85: this ON may relate its table to the earlier small tables only, not to "
      "\"e\" (the scanned table)");
  assert_string_equal(
      run(f, "SELECT count(*) FROM events e JOIN cats c ON e.category = c.category JOIN grps g "
             "ON grp = c.grp", GP_UNSUPPORTED),
      "line 1, column 85: in a chain of joins, qualify the columns of ON (table.column)");
  /* LEFT JOINs in the chain, against brute force: c003 has a cats row (g3) but no grps row,
   * c004 no cats row. All LEFT: every event, the unmatched ones under a NULL label; INNER
   * then LEFT: c000..c003; LEFT then INNER: only the rows the inner join keeps. */
  long n3 = 0, n4 = 0;
  for (int i = 0; i < f->n; i++) {
    n3 += f->cat[i] == 3;
    n4 += f->cat[i] == 4;
  }
  static const char *lq[] = {
      "SELECT g.label, count(*) FROM events e LEFT JOIN cats c ON e.category = c.category LEFT "
      "JOIN grps g ON c.grp = g.grp GROUP BY g.label ORDER BY 1",
      "SELECT g.label, count(*) FROM events e JOIN cats c ON e.category = c.category LEFT JOIN "
      "grps g ON c.grp = g.grp GROUP BY g.label ORDER BY 1",
      "SELECT g.label, count(*) FROM events e LEFT JOIN cats c ON e.category = c.category JOIN "
      "grps g ON c.grp = g.grp GROUP BY g.label ORDER BY 1",
      "SELECT count(*), count(c.grp), count(g.label) FROM events e LEFT JOIN cats c ON "
      "e.category = c.category LEFT JOIN grps g ON g.grp = c.grp AND g.grp = c.grp",
  };
  char lw[4][200];
  /* ORDER BY puts NULL last, as PostgreSQL */
  snprintf(lw[0], sizeof lw[0], "first,%ld\nsecond,%ld\nNULL,%ld\n", n1, n2, n3 + n4);
  snprintf(lw[1], sizeof lw[1], "first,%ld\nsecond,%ld\nNULL,%ld\n", n1, n2, n3);
  snprintf(lw[2], sizeof lw[2], "first,%ld\nsecond,%ld\n", n1, n2);
  snprintf(lw[3], sizeof lw[3], "%d,%ld,%ld\n", f->n, (long)f->n - n4, n1 + n2);
  for (int k = 0; k < 4; k++)
    for (int th = 1; th <= 2; th++) {
      char set[64];
      snprintf(set, sizeof set, "SET threads = %d; SET vectorize = %s", th, th == 1 ? "false" : "true");
      run(f, set, GP_OK);
      assert_string_equal(run(f, lq[k], GP_OK), lw[k]);
    }
  run(f, "SET threads = 0; SET vectorize = true", GP_OK);
  assert_string_equal(
      run(f, "SELECT count(*) FROM events e LEFT JOIN cats c ON e.category = c.category LEFT "
             "JOIN grps g ON c.grp = g.grp OR g.grp IS NULL", GP_UNSUPPORTED),
      "line 1, column 109: in a chain of joins with a LEFT JOIN, each later ON must be column = "
      "column terms joined by AND");
  run(f, "DROP TABLE cats; DROP TABLE grps", GP_OK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_latest_series),
      cmocka_unit_test(test_region_keys),
      cmocka_unit_test(test_plan),
      cmocka_unit_test(test_subquery_values),
      cmocka_unit_test(test_join_chain),
  };
  return cmocka_run_group_tests_name("exec_plan", tests, setup_db, teardown_db);
}
