/* test_exec_select.c - SELECTs through a session on the generated events table: counts and
 * sums against brute force, result shapes, windows over grouped rows, the vectorised paths
 * (row at a time and key at a time) against the row path, group order and many groups. */
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

static void test_select_counts(void **st) {
  fixture *f = *st;
  /* per-day counts in August, brute force */
  int64_t a = ts("2024-08-01"), b = ts("2024-08-15");
  int per[14] = {0};
  for (int i = 0; i < f->n; i++)
    if (f->t[i] >= a && f->t[i] < b) per[(f->t[i] - a) / GP_USEC_PER_DAY]++;
  char want[2048];
  size_t o = 0;
  for (int d = 0; d < 14; d++)
    if (per[d]) o += (size_t)snprintf(want + o, sizeof want - o, "2024-08-%02d 00:00:00,%d\n", d + 1, per[d]);
  for (int th = 1; th <= 2; th++) {
    char set[40];
    snprintf(set, sizeof set, "SET threads = %d", th);
    run(f, set, GP_OK);
    assert_string_equal(run(f, "SELECT bucket(ts, 1 d) AS day, count(*) FROM events WHERE ts >= "
                               "'2024-08-01' AND ts < '2024-08-15' GROUP BY day ORDER BY day", GP_OK),
                        want);
  }
  /* per category: count, exact sum, count of non-null, with HAVING and DESC order */
  int cnt[5] = {0}, nn[5] = {0};
  int64_t cents[5] = {0};
  for (int i = 0; i < f->n; i++) {
    cnt[f->cat[i]]++;
    if (!f->hnull[i]) nn[f->cat[i]]++, cents[f->cat[i]] += (int64_t)llround(f->h[i] * 100);
  }
  o = 0;
  for (int c = 4; c >= 0; c--) {
    if (c == 2) continue;
    char sb[64];
    dbl_text((double)cents[c] / 100, sb, sizeof sb);
    o += (size_t)snprintf(want + o, sizeof want - o, "c%03d,%d,%s,%d\n", c, cnt[c], sb, nn[c]);
  }
  assert_string_equal(run(f, "SELECT category AS k, count(*), sum(handle_hours) AS s, "
                             "count(handle_hours) FROM events GROUP BY k HAVING k <> 'c002' "
                             "ORDER BY k DESC", GP_OK), want);
  /* WHERE on a symbol with IN, covered units from summaries vs. decoding */
  int m = 0;
  for (int i = 0; i < f->n; i++) m += f->cat[i] == 1 || f->cat[i] == 3;
  snprintf(want, sizeof want, "%d\n", m);
  assert_string_equal(run(f, "SELECT count(*) FROM events WHERE category IN ('c001', 'c003', 'zzz')", GP_OK), want);
  snprintf(want, sizeof want, "%d\n", f->n);
  assert_string_equal(run(f, "SELECT count(*) FROM events WHERE ts >= '2000-01-01'", GP_OK), want);
  /* Aggregates without GROUP BY over a window that covers some units (answered from their
   * summaries) and cuts others (decoded): one row, the two parts added. They once came out as
   * two rows, the summaries' group and the decoded rows' group hashed differently. */
  int64_t lo = ts("2024-07-25") + 12345 * GP_USEC_PER_SEC, hi = ts("2024-08-22") + 777 * GP_USEC_PER_SEC;
  int in = 0;
  int64_t mx = INT64_MIN;
  for (int i = 0; i < f->n; i++)
    if (f->t[i] >= lo && f->t[i] < hi) {
      in++;
      if (f->t[i] > mx) mx = f->t[i];
    }
  char lob[40], hib[40], mxb[40], q[400];
  gp_ts_format(lo, lob, sizeof lob);
  gp_ts_format(hi, hib, sizeof hib);
  gp_ts_format(mx, mxb, sizeof mxb);
  for (int th = 1; th <= 2; th++) {
    snprintf(q, sizeof q, "SET threads = %d", th);
    run(f, q, GP_OK);
    snprintf(want, sizeof want, "%d,%s\n", in, mxb);
    snprintf(q, sizeof q, "SELECT count(*), max(ts) FROM events WHERE ts >= '%s' AND ts < '%s'", lob, hib);
    assert_string_equal(run(f, q, GP_OK), want);
    snprintf(want, sizeof want, "%d\n", in);
    snprintf(q, sizeof q, "SELECT (SELECT count(*) FROM events WHERE ts >= '%s' AND ts < '%s')", lob, hib);
    assert_string_equal(run(f, q, GP_OK), want);
  }
  run(f, "SET threads = 2", GP_OK);
}

static void test_select_shapes(void **st) {
  fixture *f = *st;
  assert_string_equal(run(f, "SELECT 1 + 2 * 3, 7 / 2, 7.0 / 2, -(3 - 5), 'a' || 'b', "
                             "CASE WHEN 1 > 2 THEN 'x' ELSE 'y' END, 2 BETWEEN 1 AND 3, "
                             "NULL IS NULL, 5 IN (1, 5), 'abc' LIKE 'a%'", GP_OK),
                      "7,3,3.5,2,ab,y,true,true,true,true\n");
  assert_string_equal(run(f, "SELECT TIMESTAMP '2024-01-31' + 1 month, bucket(TIMESTAMP "
                             "'2024-08-07 10:00', 1 month)", GP_OK),
                      "2024-02-29 00:00:00,2024-08-01 00:00:00\n");
  assert_string_equal(run(f, "SET now = '2024-08-02 00:00'; SELECT now() - 1 h", GP_OK),
                      "2024-08-01 23:00:00\n");
  /* subquery + window: running sum equals a cumulative count */
  const char *r = run(f, "SELECT max(rs) FROM (SELECT d, sum(n) OVER (ORDER BY d ROWS "
                         "BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS rs FROM (SELECT "
                         "bucket(ts, 1 d) AS d, count(*) AS n FROM events GROUP BY d))", GP_OK);
  char want[32];
  snprintf(want, sizeof want, "%d\n", f->n);
  assert_string_equal(r, want);
  /* join with a small table, on strings */
  run(f, "DROP TABLE IF EXISTS cats; CREATE TABLE cats (category SYMBOL, label TEXT)", GP_OK);
  (void)r;
  assert_string_equal(run(f, "SELECT count(*) FROM events e JOIN cats c ON e.category = c.category", GP_OK), "0\n");
  assert_string_equal(run(f, "DESCRIBE cats", GP_OK), "category,SYMBOL,NULL\nlabel,TEXT,NULL\n");
  /* stddev of values far from zero that are not 6-decimal (the double fallback) is accurate:
   * summed naively, 290000 - h/7 lost six digits to cancellation (the tester found 1e-6 for
   * two equal values); two-pass brute force here */
  {
    double sum = 0, m2 = 0;
    int cnt = 0;
    for (int i = 0; i < f->n; i++)
      if (!f->hnull[i]) sum += f->h[i] / 7.0 - 290000, cnt++;
    double mean = sum / cnt;
    for (int i = 0; i < f->n; i++)
      if (!f->hnull[i]) m2 += (f->h[i] / 7.0 - 290000 - mean) * (f->h[i] / 7.0 - 290000 - mean);
    double want_sd = sqrt(m2 / (cnt - 1));
    for (int th = 1; th <= 2; th++) {
      char set[40];
      snprintf(set, sizeof set, "SET threads = %d", th);
      run(f, set, GP_OK);
      double got = strtod(run(f, "SELECT stddev(handle_hours / 7.0 - 290000) FROM events", GP_OK), NULL);
      assert_true(fabs(got - want_sd) <= 1e-9 * want_sd);
    }
    assert_string_equal(run(f, "SELECT stddev(v) FROM (SELECT 1 / 3.0 - 29000.1 AS v FROM events WHERE id < 3)", GP_OK),
                        "0.0\n");
  }
  /* an untyped literal on either side of BETWEEN takes the timestamp's type */
  assert_string_equal(run(f, "SELECT '2024-08-02' BETWEEN TIMESTAMP '2024-08-01' AND '2024-08-03', "
                             "'2024-08-05' BETWEEN TIMESTAMP '2024-08-01' AND '2024-08-03', "
                             "TIMESTAMP '2024-08-02' NOT BETWEEN '2024-08-01' AND '2024-08-03'", GP_OK),
                      "true,false,false\n");
  /* BETWEEN is a >= lo AND a <= hi in three-valued logic: a false side decides */
  assert_string_equal(run(f, "SELECT 5 BETWEEN 7 AND NULL, 5 BETWEEN NULL AND 3, 5 BETWEEN NULL AND 7, "
                             "5 NOT BETWEEN 7 AND NULL, NULL BETWEEN 1 AND 2, 5 NOT BETWEEN NULL AND 7", GP_OK),
                      "false,false,NULL,true,NULL,NULL\n");
  /* ORDER BY places NULLs as PostgreSQL: last ascending, first descending, unless told */
  static const char *const nq[][2] = {
      {"", "0\n2\nNULL\nNULL\n"},
      {" DESC", "NULL\nNULL\n2\n0\n"},
      {" NULLS FIRST", "NULL\nNULL\n0\n2\n"},
      {" DESC NULLS LAST", "2\n0\nNULL\nNULL\n"},
  };
  for (int k = 0; k < 4; k++) {
    char q[200];
    snprintf(q, sizeof q, "SELECT CASE WHEN id %% 2 = 0 THEN id END AS v FROM events WHERE id < 4 ORDER BY v%s", nq[k][0]);
    assert_string_equal(run(f, q, GP_OK), nq[k][1]);
  }
  assert_string_equal(run(f, "SELECT v, row_number() OVER (ORDER BY v) AS r FROM (SELECT CASE WHEN id % 2 = 0 "
                             "THEN id END AS v FROM events WHERE id < 4) ORDER BY r", GP_OK),
                      "0,1\n2,2\nNULL,3\nNULL,4\n");
}

/* Windows over a grouped query see the grouped rows: their argument, PARTITION BY and ORDER BY
 * name select aliases, group keys and aggregates (DESIGN.md's mean + k sigma example). */
static void test_windows_grouped(void **st) {
  fixture *f = *st;
  /* brute force: per category, the per-day counts of the days that have events, in day order */
  int64_t t0 = ts("2024-07-20");
  int cnt[5][41] = {{0}};
  for (int i = 0; i < f->n; i++) cnt[f->cat[i]][(f->t[i] - t0) / GP_USEC_PER_DAY]++;
  static char want[65536];
  size_t o = 0;
  for (int c = 0; c < 5; c++) {
    int prev[41], np = 0;
    for (int d = 0; d < 41; d++) {
      if (!cnt[c][d]) continue;
      int n = cnt[c][d];
      int a = np >= 3 ? np - 3 : 0, m = np - a;
      char mu[64] = "NULL", sd[64] = "NULL";
      if (m >= 1) {
        double s = 0;
        for (int j = a; j < np; j++) s += prev[j];
        snprintf(mu, sizeof mu, "%.9f", s / m);
        if (m >= 2) {
          double v = 0;
          for (int j = a; j < np; j++) v += (prev[j] - s / m) * (prev[j] - s / m);
          snprintf(sd, sizeof sd, "%.9f", sqrt(v / (m - 1)));
        }
      }
      o += (size_t)snprintf(want + o, sizeof want - o, "c%03d,%d,%s,%s,%d,%d\n", c, n, mu, sd,
                            np ? prev[np - 1] : 0, np + 1);
      prev[np++] = n;
    }
  }
  const char *r = run(f, "SELECT k, n, mu, sd, pn, rn FROM (SELECT category AS k, bucket(ts, 1 d) "
                         "AS d, count(*) AS n, avg(count(*)) OVER (PARTITION BY k ORDER BY d ROWS "
                         "BETWEEN 3 PRECEDING AND 1 PRECEDING) AS mu, stddev(n) OVER (PARTITION "
                         "BY category ORDER BY bucket(ts, 1 d) ROWS BETWEEN 3 PRECEDING AND 1 "
                         "PRECEDING) AS sd, lag(n, 1, 0) OVER (PARTITION BY k ORDER BY d) AS pn, "
                         "row_number() OVER (PARTITION BY k ORDER BY d) AS rn FROM events GROUP BY "
                         "k, d) ORDER BY k, rn", GP_OK);
  /* doubles print shortest round-trip: re-print them with 9 decimals before comparing */
  static char got[65536];
  size_t g = 0;
  for (const char *l = r; *l;) {
    const char *e = strchr(l, '\n');
    assert_non_null(e);
    char cat[16], mu[64], sd[64];
    int n, pn, rn;
    assert_int_equal(sscanf(l, "%15[^,],%d,%63[^,],%63[^,],%d,%d", cat, &n, mu, sd, &pn, &rn), 6);
    char *v[2] = {mu, sd};
    for (int j = 0; j < 2; j++)
      if (strcmp(v[j], "NULL") != 0) snprintf(v[j], 64, "%.9f", strtod(v[j], NULL));
    g += (size_t)snprintf(got + g, sizeof got - g, "%s,%d,%s,%s,%d,%d\n", cat, n, mu, sd, pn, rn);
    l = e + 1;
  }
  assert_string_equal(got, want);
  /* the outer filter of the DESIGN.md example: rows above mean + 1 sigma of the 3 before */
  int above = 0;
  for (const char *l = want; *l; l = strchr(l, '\n') + 1) {
    char mu[64], sd[64];
    int n;
    sscanf(l, "%*[^,],%d,%63[^,],%63[^,]", &n, mu, sd);
    if (strcmp(sd, "NULL") != 0 && n > strtod(mu, NULL) + strtod(sd, NULL)) above++;
  }
  char w2[32];
  snprintf(w2, sizeof w2, "%d\n", above);
  assert_string_equal(run(f, "SELECT count(*) FROM (SELECT category AS k, bucket(ts, 1 d) AS d, "
                             "count(*) AS n, avg(count(*)) OVER (PARTITION BY k ORDER BY d ROWS "
                             "BETWEEN 3 PRECEDING AND 1 PRECEDING) AS mu, stddev(count(*)) OVER "
                             "(PARTITION BY k ORDER BY d ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING) "
                             "AS sd FROM events GROUP BY k, d) WHERE n > mu + 1 * sd", GP_OK), w2);
  assert_true(above > 0);
  /* a group key that is an expression keeps its type outside the subquery: a timestamp there
   * compares with a timestamp literal written as text */
  int on1 = 0;
  for (int i = 0; i < f->n; i++) on1 += f->t[i] >= ts("2024-08-01") && f->t[i] < ts("2024-08-02");
  snprintf(w2, sizeof w2, "%d\n", on1);
  assert_true(on1 > 0);
  assert_string_equal(run(f, "SELECT sum(n) FROM (SELECT bucket(ts, 1 d) AS d, count(*) AS n FROM "
                             "events GROUP BY d) WHERE d = '2024-08-01'", GP_OK), w2);
}

/* The vectorised aggregate scan (symbol filters, bucket/cell/column keys) must agree with the
 * row path on every query, at 1 and 2 threads, and with brute force where it is easy. */
static void test_vector_path(void **st) {
  fixture *f = *st;
  static const char *q[] = {
      "SELECT bucket(ts, 1 d) AS d, count(*), sum(handle_hours), max(id), count(handle_hours) "
      "FROM events GROUP BY d ORDER BY d",
      "SELECT cell_x(1 km) AS x, cell_y(1 km) AS y, bucket(ts, 7 d) AS w, count(*) FROM events "
      "WHERE category = 'c001' GROUP BY x, y, w ORDER BY x, y, w",
      "SELECT cell(2 km) AS c, category, count(*), min(ts) FROM events WHERE category IN "
      "('c001', 'c004', 'nope') GROUP BY c, category ORDER BY c, category",
      "SELECT category, bucket(ts, 1 month) AS m, count(*), avg(handle_hours) FROM events WHERE "
      "category <> 'c002' GROUP BY category, m ORDER BY category, m",
      /* aggregates fed from the columns: CASE shares with int and double constants, sums
       * and means of an INT column; grouped by a small symbol (the dense group front) */
      "SELECT category, bucket(ts, 1 w) AS w, count(*), avg(CASE WHEN category = 'c001' THEN 1 "
      "ELSE 0 END), sum(CASE WHEN category IN ('c001', 'c003') THEN 2.5 ELSE -1.25 END), "
      "count(CASE WHEN category <> 'c004' THEN 1 ELSE 0 END), sum(id), avg(id), "
      "avg(CASE WHEN category NOT IN ('c000') THEN 0.01 ELSE 100 END) FROM events "
      "GROUP BY category, w ORDER BY category, w",
      /* the integer CASE share inlined (= and <>, sum and avg), keyed by month */
      "SELECT bucket(ts, 1 month) AS m, sum(CASE WHEN category <> 'c002' THEN 3 ELSE -1 END), "
      "avg(CASE WHEN category = 'c001' THEN 1 ELSE 0 END), count(*) FROM events GROUP BY m "
      "ORDER BY m",
      /* keys that are pure functions of one vectorised key (keyed by it), and one that is a
       * function of the raw timestamp (not keyed by it: the row path) */
      "SELECT strftime(bucket(ts, 1 d), '%Y-%m-%d') AS d, upper(category) AS c, "
      "round(cell_lon(1 km), 3) AS lo, count(*) FROM events GROUP BY d, c, lo ORDER BY 1, 2, 3",
      "SELECT hour(ts) AS h, count(*) FROM events GROUP BY h ORDER BY h",
      "SELECT bucket(ts, 1 d) AS d, avg(CASE WHEN category = 'c001' THEN 1 ELSE 0 END) AS s, "
      "sum(handle_hours), avg(handle_hours) FROM events GROUP BY d ORDER BY d",
      "SELECT bucket(ts, 1 d, 'Asia/Shanghai') AS d, bucket(ts, 3 h) AS h, count(*) FROM events "
      "GROUP BY d, h ORDER BY d, h",
      "SELECT id, count(*) FROM events WHERE category = 'c003' AND category <> 'c001' GROUP BY id "
      "ORDER BY id LIMIT 50",
      "SET timezone = 'Asia/Shanghai'; SELECT bucket(ts, 1 d) AS d, count(*) FROM events "
      "GROUP BY d ORDER BY d",
      /* joins on a symbol: c003 matches two rows of cats2, c004 none */
      "SELECT e.category, c.label, count(*), sum(c.w), max(e.ts) FROM events e JOIN cats2 c "
      "ON e.category = c.category WHERE c.w > 1 GROUP BY e.category, c.label ORDER BY 1, 2",
      "SELECT c.label, bucket(e.ts, 1 d) AS d, count(*), sum(e.handle_hours) FROM events e "
      "JOIN cats2 c ON e.category = c.category WHERE e.ts < c.until AND e.category <> 'c000' "
      "GROUP BY c.label, d ORDER BY 1, 2",
      "SELECT c.label, count(*) FROM events e LEFT JOIN cats2 c ON e.category = c.category "
      "GROUP BY c.label ORDER BY 1",
  };
  char csv[300];
  snprintf(csv, sizeof csv, "%s.cats.csv", f->dir);
  FILE *fp = fopen(csv, "w");
  assert_non_null(fp);
  fprintf(fp, "category,label,w,until\nc000,zero,0.5,2024-08-10\nc001,one,2,2024-08-05\n"
              "c002,two,3.25,2024-07-25\nc003,three,4,2024-08-20\nc003,tres,5,2024-08-01\n");
  fclose(fp);
  char sql[600];
  snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS cats2; CREATE TABLE cats2 (category SYMBOL, "
           "label TEXT, w DOUBLE, until TIMESTAMP); COPY cats2 FROM '%s' WITH (header true)", csv);
  assert_string_equal(run(f, sql, GP_OK), "COPY 5 rows (0 rejected, 0 duplicates)");
  unlink(csv);
  static char row[1 << 17];
  for (size_t k = 0; k < sizeof q / sizeof *q; k++) {
    run(f, "SET vectorize = false; SET threads = 1", GP_OK);
    snprintf(row, sizeof row, "%s", run(f, q[k], GP_OK));
    assert_true(strlen(row) > 20);
    for (int th = 1; th <= 2; th++) {
      char set[64];
      snprintf(set, sizeof set, "SET vectorize = true; SET threads = %d", th);
      run(f, set, GP_OK);
      assert_string_equal(run(f, q[k], GP_OK), row);
    }
    run(f, "SET timezone = 'UTC'", GP_OK);
  }
  /* brute force: per category and calendar month (UTC), the count */
  int n[5][13] = {{0}};
  for (int i = 0; i < f->n; i++) {
    int64_t y;
    unsigned m, d;
    gp_civil_from_days(gp_floordiv(f->t[i], GP_USEC_PER_DAY), &y, &m, &d);
    n[f->cat[i]][m]++;
  }
  size_t o = 0;
  for (int c = 0; c < 5; c++)
    for (int m = 1; m <= 12; m++)
      if (n[c][m]) o += (size_t)snprintf(row + o, sizeof row - o, "c%03d,2024-%02d-01 00:00:00,%d\n", c, m, n[c][m]);
  assert_string_equal(run(f, "SELECT category, bucket(ts, 1 month) AS m, count(*) FROM events "
                             "GROUP BY category, m ORDER BY category, m", GP_OK), row);
  run(f, "SET threads = 0", GP_OK);
}

/* Without ORDER BY, groups come in key order (whatever the threads did): ints, texts with a
 * shared prefix, NULL keys and mixed types must give the order ORDER BY gives. */
static void test_group_order(void **st) {
  fixture *f = *st;
  static const char *q[][2] = {
      {"SELECT strftime(bucket(ts, 1 d), '%Y-%m-%d') AS d, cell_x(4 km) AS x, count(*) FROM "
       "events GROUP BY d, x",
       "SELECT strftime(bucket(ts, 1 d), '%Y-%m-%d') AS d, cell_x(4 km) AS x, count(*) FROM "
       "events GROUP BY d, x ORDER BY d, x"},
      {"SELECT CASE WHEN handle_hours > 50 THEN 'big' END AS b, id % 7 AS m, count(*) FROM events "
       "GROUP BY b, m",
       "SELECT CASE WHEN handle_hours > 50 THEN 'big' END AS b, id % 7 AS m, count(*) FROM events "
       "GROUP BY b, m ORDER BY b NULLS FIRST, m"}, /* groups come out NULL first */
      {"SELECT category || '-' || strftime(bucket(ts, 1 d), '%m-%d') AS k, count(*) FROM events "
       "GROUP BY k",
       "SELECT category || '-' || strftime(bucket(ts, 1 d), '%m-%d') AS k, count(*) FROM events "
       "GROUP BY k ORDER BY k"},
  };
  static char want[1 << 16];
  for (size_t k = 0; k < sizeof q / sizeof *q; k++)
    for (int th = 1; th <= 2; th++) {
      char set[40];
      snprintf(set, sizeof set, "SET threads = %d", th);
      run(f, set, GP_OK);
      snprintf(want, sizeof want, "%s", run(f, q[k][1], GP_OK));
      assert_true(strlen(want) > 40);
      assert_string_equal(run(f, q[k][0], GP_OK), want);
    }
  run(f, "SET threads = 0", GP_OK);
}

/* The vectorised grouping by cells and buckets (scan_vec_cols): rows without coordinates
 * (their cell keys NULL) among rows with, cells of the base size (level 0) and coarser, per-unit
 * dense maps (16 km cells and weeks) and the hash path (1 km cells): the same answers as
 * the row path on 1 and 2 threads, and the NULL-cell groups equal to brute force. */
static void test_vec_cols(void **st) {
  fixture *f = *st;
  char csv[300], sql[600];
  snprintf(csv, sizeof csv, "%s.pts.csv", f->dir);
  FILE *fp = fopen(csv, "w");
  assert_non_null(fp);
  fprintf(fp, "id,ts,lon,lat,category\n");
  rng_state = 7;
  enum { N = 6000, WEEKS = 8 };
  long nopos[WEEKS] = {0}, c1 = 0; /* category c001 without coordinates, per 7-day bucket */
  int64_t t0 = ts("2024-06-06"); /* a Thursday: 7-day buckets start there */
  for (int i = 0; i < N; i++) {
    int64_t t = t0 + (int64_t)(rnd() % (WEEKS * 7 * 86400)) * GP_USEC_PER_SEC;
    int cat = (int)(rnd() % 3);
    bool pos = rnd() % 20 != 0;
    char tb[40];
    gp_ts_format(t, tb, sizeof tb);
    fprintf(fp, "%d,%s,", i, tb);
    if (pos)
      fprintf(fp, "118.%06d,33.%06d", 200000 + (int)(rnd() % 300000), 800000 + (int)(rnd() % 300000));
    else
      fprintf(fp, ",");
    fprintf(fp, ",c%03d\n", cat);
    if (cat == 1) {
      c1++;
      if (!pos) nopos[(t - t0) / (7 * GP_USEC_PER_DAY)]++;
    }
  }
  fclose(fp);
  snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS pts; CREATE TABLE pts (id INT KEY, ts TIMESTAMP, "
           "lon DOUBLE, lat DOUBLE, category SYMBOL) TIME ts LOCATION (lon, lat); COPY pts FROM "
           "'%s' WITH (header true)", csv);
  char want[4096];
  snprintf(want, sizeof want, "COPY %d rows (0 rejected, 0 duplicates)", N);
  assert_string_equal(run(f, sql, GP_OK), want);
  unlink(csv);
  static const char *q[] = {
      "SELECT cell_x(1 km) AS cx, cell_y(1 km) AS cy, bucket(ts, 7 d) AS w, count(*) FROM pts "
      "WHERE category = 'c001' GROUP BY cx, cy, w HAVING cx IS NULL",
      "SELECT cell_x(1 km) AS cx, cell_y(1 km) AS cy, bucket(ts, 7 d) AS w, count(*) FROM pts "
      "WHERE category = 'c001' GROUP BY cx, cy, w",
      "SELECT cell_x(8 km) AS cx, cell_y(8 km) AS cy, strftime(bucket(ts, 1 d), '%Y-%m-%d') AS d, "
      "count(*) AS n FROM pts WHERE category <> 'c002' GROUP BY cx, cy, d",
      "SELECT cell_x(16 km) AS cx, cell_y(16 km) AS cy, bucket(ts, 7 d) AS w, count(*) FROM pts "
      "WHERE category = 'c001' GROUP BY cx, cy, w",
      "SELECT cell_x(125 m) AS cx, cell_y(125 m) AS cy, count(*) FROM pts GROUP BY cx, cy",
      "SELECT cell(2 km) AS c, category, bucket(ts, 1 month) AS m, count(*) FROM pts "
      "GROUP BY c, category, m",
      "SELECT cell_x(1 km) AS cx, bucket(ts, 7 d) AS w, count(*), count(lon) FROM pts "
      "WHERE category = 'c000' GROUP BY cx, w",
      /* keys that several words map to (days to their month, 1 km cells to a 16 km column):
       * one thread makes several groups of one key, merged at the end */
      "SELECT strftime(bucket(ts, 1 d), '%Y-%m') AS mo, cell_x(16 km) AS cx, count(*) AS n, "
      "count(lon) FROM pts GROUP BY mo, cx",
      "SELECT strftime(bucket(ts, 1 d), '%Y') AS y, count(*) FROM pts WHERE category <> 'c001' "
      "GROUP BY y",
  };
  size_t o = 0;
  for (int w = 0; w < WEEKS; w++) {
    char tb[40];
    gp_ts_format(t0 + w * 7 * GP_USEC_PER_DAY, tb, sizeof tb);
    if (nopos[w]) o += (size_t)snprintf(want + o, sizeof want - o, "NULL,NULL,%s,%ld\n", tb, nopos[w]);
  }
  assert_true(o > 20);
  same_on_all_paths(f, q, sizeof q / sizeof *q, want);
  /* every c001 row is in exactly one group */
  snprintf(want, sizeof want, "%ld\n", c1);
  assert_string_equal(run(f, "SELECT sum(n) FROM (SELECT cell_x(1 km) AS cx, cell_y(1 km) AS cy, "
                             "bucket(ts, 7 d) AS w, count(*) AS n FROM pts WHERE category = "
                             "'c001' GROUP BY cx, cy, w)", GP_OK), want);
  /* a materialised relation of more than 4,096 rows goes through the pipeline on every thread:
   * the same groups and the same row order as on one */
  static const char *rq[] = {
      "SELECT category, count(*), sum(x), min(x), max(t) FROM (SELECT category, id AS x, ts AS t "
      "FROM pts) GROUP BY category ORDER BY category",
      "SELECT x FROM (SELECT id AS x, ts FROM pts WHERE category <> 'c002') WHERE x % 3 = 0",
      "SELECT w, count(*) FROM (SELECT bucket(ts, 7 d) AS w, id FROM pts) GROUP BY w",
  };
  same_on_all_paths(f, rq, sizeof rq / sizeof *rq, NULL);
  long per[3] = {0};
  rng_state = 7; /* the file's rows again: category of row i */
  for (int i = 0; i < N; i++) {
    (void)rnd();
    int cat = (int)(rnd() % 3);
    if (rnd() % 20 != 0) {
      (void)rnd();
      (void)rnd();
    }
    per[cat]++;
  }
  snprintf(want, sizeof want, "c000,%ld\nc001,%ld\nc002,%ld\n", per[0], per[1], per[2]);
  run(f, "SET threads = 2", GP_OK);
  assert_string_equal(run(f, "SELECT category, count(*) FROM (SELECT category FROM pts) GROUP BY "
                             "category ORDER BY 1", GP_OK), want);
  /* the symbol test goes into the decode (vectorised scans only) */
  const char *ex = "EXPLAIN SELECT count(*) FROM pts WHERE category = 'c001' GROUP BY cell(1 km)";
  run(f, "SET vectorize = true", GP_OK);
  assert_non_null(strstr(run(f, ex, GP_OK), "filter on category in the decode"));
  run(f, "SET vectorize = false", GP_OK);
  assert_null(strstr(run(f, ex, GP_OK), "in the decode"));
  run(f, "SET vectorize = true; SET threads = 0; DROP TABLE pts", GP_OK);
}

/* Grouped queries with more groups than groups_in_order sorts on one thread (8,192): on two
 * threads each thread's groups are sorted apart and the sorted ranges merged, and the runs of
 * equal keys finalised in parallel. The answers must equal the row path's on one thread, and
 * the counts add up to the rows. Keys are integers and fixed-length texts (exact runs), with
 * aggregates other than counts (their states merged across threads), and texts of varying
 * length (the comparator sort). */
static void test_many_groups(void **st) {
  fixture *f = *st;
  char csv[300], sql[600];
  snprintf(csv, sizeof csv, "%s.many.csv", f->dir);
  FILE *fp = fopen(csv, "w");
  assert_non_null(fp);
  fprintf(fp, "id,ts,lon,lat,category,v\n");
  rng_state = 11;
  enum { N = 40000 };
  int64_t t0 = ts("2024-03-01");
  for (int i = 0; i < N; i++) {
    int64_t t = t0 + (int64_t)(rnd() % (40 * 86400)) * GP_USEC_PER_SEC;
    char tb[40];
    gp_ts_format(t, tb, sizeof tb);
    fprintf(fp, "%d,%s,118.%06d,32.%06d,c%03d,%d.%02d\n", i, tb, (int)(rnd() % 400000),
            (int)(rnd() % 400000), (int)(rnd() % 5), (int)(rnd() % 1000), (int)(rnd() % 100));
  }
  fclose(fp);
  snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS many; CREATE TABLE many (id INT KEY, ts "
           "TIMESTAMP, lon DOUBLE, lat DOUBLE, category SYMBOL, v DOUBLE) TIME ts LOCATION (lon, "
           "lat); COPY many FROM '%s' WITH (header true)", csv);
  char want[128];
  snprintf(want, sizeof want, "COPY %d rows (0 rejected, 0 duplicates)", N);
  assert_string_equal(run(f, sql, GP_OK), want);
  unlink(csv);
  static const char *q[] = {
      "SELECT cell_x(250 m) AS cx, cell_y(250 m) AS cy, strftime(bucket(ts, 1 d), '%Y-%m-%d') "
      "AS d, count(*) AS n FROM many WHERE category <> 'c004' GROUP BY cx, cy, d",
      "SELECT cell_x(1 km) AS cx, bucket(ts, 1 d) AS d, count(*), sum(v), min(v), max(v), "
      "avg(v) FROM many GROUP BY cx, d",
      "SELECT id % 9000 AS k, category, count(*), sum(v) FROM many GROUP BY k, category",
      "SELECT 'k' || (id % 9100) AS k, count(*), max(ts) FROM many GROUP BY k",
  };
  same_on_all_paths(f, q, sizeof q / sizeof *q, NULL);
  snprintf(want, sizeof want, "%d\n", N);
  assert_string_equal(run(f, "SELECT sum(n) FROM (SELECT cell_x(250 m) AS cx, cell_y(250 m) AS "
                             "cy, bucket(ts, 1 d) AS d, count(*) AS n FROM many GROUP BY cx, cy, "
                             "d)", GP_OK), want);
  snprintf(want, sizeof want, "%d\n", 9000);
  assert_string_equal(run(f, "SELECT count(*) FROM (SELECT id % 9000 AS k, count(*) FROM many "
                             "GROUP BY k)", GP_OK), want);
}

/* ORDER BY ... LIMIT over rows (a top-n, qx_topk): 1.8 M joined rows ordered and cut to 5
 * answer within an 8 MB memory bound (the small side of the join takes ~1-2 MB, depending on
 * how the threads split it), where materialising every row to sort it (~90 MB) did not; the
 * answer (a.id descending, b.id ascending within it) computed from the fixture's rows, the
 * same on every path and thread count, with OFFSET, and with a failing select item still
 * failing the statement though its row is cut. */
static void test_top_n(void **st) {
  fixture *f = *st;
  char want[512] = "", line[64];
  int top = f->n - 1; /* the largest id; its category's ids in ascending order */
  int got = 0;
  for (int j = 0; j < f->n && got < 8; j++)
    if (f->cat[j] == f->cat[top]) {
      if (got >= 3) { /* OFFSET 3 LIMIT 5 */
        snprintf(line, sizeof line, "%d,%d\n", top, j);
        strcat(want, line);
      }
      got++;
    }
  assert_int_equal(got, 8);
  run(f, "SET memory_limit = '8 MB'", GP_OK);
  const char *q[] = {"SELECT a.id, b.id FROM events a JOIN events b ON a.category = b.category "
                     "ORDER BY a.id DESC, b.id LIMIT 5 OFFSET 3"};
  same_on_all_paths(f, q, 1, want);
  /* 1 / 0 in the select list of a row the cut drops: the statement still fails */
  run(f, "SELECT id, 1 / (id - 7) FROM events ORDER BY id DESC LIMIT 1", GP_INVALID);
  run(f, "SET memory_limit = 'default'", GP_OK);
  assert_true(strstr(run(f, "EXPLAIN SELECT id FROM events ORDER BY ts LIMIT 3", GP_OK),
                     "top-n: each thread keeps its best 3 rows"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_select_counts),
      cmocka_unit_test(test_select_shapes),
      cmocka_unit_test(test_windows_grouped),
      cmocka_unit_test(test_vector_path),
      cmocka_unit_test(test_group_order),
      cmocka_unit_test(test_vec_cols),
      cmocka_unit_test(test_many_groups),
      cmocka_unit_test(test_top_n),
  };
  return cmocka_run_group_tests_name("exec_select", tests, setup_db, teardown_db);
}
