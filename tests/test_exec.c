/* test_exec.c - the executor's functions on their own: LIKE, time buckets and zones, every
 * aggregate and window function against brute force on random data (fixed seeds), forecast
 * fits, and a session that opens its database lazily. The statements through a session are
 * test_exec_select.c (grouped scans and the vectorised paths), test_exec_plan.c (plans and
 * joins), test_exec_series.c (gapfill and FORECAST) and test_exec_values.c (values and errors). */
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

/* A lazy session asks for its database at the first statement that needs one, saying whether
 * it may create it (gp_ast_creates); SET needs none; a refused open fails that statement with
 * the opener's error and the next statement asks again. */
typedef struct lazy_ctx {
  char path[512];
  int calls, creates; /* opener calls, and how many of them allowed creating */
  gp_db *db;
} lazy_ctx;

static gp_rc lazy_open(void *ctx, bool create, gp_db **db, gp_err *err) {
  lazy_ctx *c = ctx;
  c->calls++;
  c->creates += create;
  if (!c->db) {
    gp_db_opts o = {c->path, 0, 0, false};
    gp_rc rc = (create ? gp_db_open : gp_db_open_existing)(&o, &c->db, err);
    if (rc) return rc;
  }
  *db = c->db;
  return GP_OK;
}

static void test_lazy_session(void **st) {
  (void)st;
  lazy_ctx c = {0};
  const char *tmp = getenv("GP_TEST_TMP");
  snprintf(c.path, sizeof c.path, "%s/test_exec_lazy_%d", tmp ? tmp : "/tmp", (int)getpid());
  gp_session *s = NULL;
  gp_err err = {0};
  struct stat sb;
  assert_int_equal(gp_session_new_lazy(lazy_open, &c, &s, &err), GP_OK);
  assert_null(gp_session_name_at(s, 0));
  const char *set = "SET timezone = 'Asia/Shanghai'; SET threads = 1";
  assert_int_equal(gp_session_exec(s, set, strlen(set), NULL, NULL, &err), GP_OK);
  assert_int_equal(c.calls, 0);
  static const char *const reads[] = {"SELECT 1", "SHOW TABLES", "DESCRIBE t", "DROP TABLE t",
                                      "EXPLAIN SELECT 1"};
  for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
    assert_int_equal(gp_session_exec(s, reads[i], strlen(reads[i]), NULL, NULL, &err),
                     GP_NOTFOUND);
    assert_non_null(strstr(err.msg, "does not exist"));
  }
  assert_int_equal(c.calls, 5);
  assert_int_equal(c.creates, 0);
  assert_int_not_equal(stat(c.path, &sb), 0);
  const char *mk = "DROP TABLE IF EXISTS t; CREATE TABLE t (ts TIMESTAMP, v INT) TIME ts";
  assert_int_equal(gp_session_exec(s, mk, strlen(mk), NULL, NULL, &err), GP_OK);
  assert_int_equal(c.calls, 6); /* once: the session keeps the database it was given */
  assert_int_equal(c.creates, 1);
  assert_int_equal(stat(c.path, &sb), 0);
  assert_string_equal(gp_session_name_at(s, 0), "t");
  assert_string_equal(gp_session_name_at(s, 1), "ts");
  assert_string_equal(gp_session_name_at(s, 2), "v");
  assert_null(gp_session_name_at(s, 3));
  gp_session_free(s);
  gp_db_close(c.db);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", c.path);
  assert_int_equal(system(cmd), 0);
}

static void test_like(void **st) {
  (void)st;
  static const struct {
    const char *s, *p;
    bool m;
  } c[] = {{"c001", "c%", true},   {"c001", "c00_", true}, {"c001", "%1", true},
           {"c001", "%2", false},  {"", "%", true},        {"", "_", false},
           {"abcabc", "%b%c", true}, {"water_level", "water%", true}, {"ab", "a", false},
           {"aaa", "a%a%a", true}, {"aa", "a%a%a", false},
           /* '_' is one character, however many bytes (the differential tester found
            * '_长信箱' not matching '市长信箱') */
           {"市长信箱", "_长信箱", true}, {"市长信箱", "____", true}, {"市长信箱", "_____", false},
           {"市长信箱", "%_箱", true},   {"积水 严重", "%水_严%", true}, {"漏水", "_", false},
           {"漏水", "%_", true}};
  for (size_t k = 0; k < sizeof c / sizeof *c; k++)
    assert_int_equal(qx_like(c[k].s, strlen(c[k].s), c[k].p, strlen(c[k].p)), c[k].m);
}

static void test_bucket(void **st) {
  (void)st;
  qx_tz *sh = NULL;
  gp_err err = {0};
  assert_int_equal(qx_tz_load("Asia/Shanghai", &sh, &err), GP_OK);
  assert_int_equal(qx_tz_offset(sh, ts("2024-08-01")), 8 * 3600);
  assert_int_equal(qx_tz_offset(sh, ts("1988-07-01")), 9 * 3600); /* China had DST then */
  static const struct {
    const char *t;
    int64_t w;
    uint32_t months;
    bool zone;
    const char *want;
  } c[] = {{"2024-08-01 13:45:10", GP_USEC_PER_DAY, 0, false, "2024-08-01"},
           {"2024-08-01 13:45:10", 5 * 60 * GP_USEC_PER_SEC, 0, false, "2024-08-01 13:45"},
           {"2024-08-01 15:59:59", GP_USEC_PER_DAY, 0, true, "2024-07-31 16:00"},
           {"2024-08-01 16:00:00", GP_USEC_PER_DAY, 0, true, "2024-08-01 16:00"},
           {"2024-02-29 10:00", 0, 1, false, "2024-02-01"},
           {"2024-12-31 23:00", 0, 3, false, "2024-10-01"},
           {"2024-07-31 17:00", 0, 1, true, "2024-07-31 16:00"},
           {"2024-08-07 23:00", 7 * GP_USEC_PER_DAY, 0, false, "2024-08-01"},
           {"1969-12-31 23:00", GP_USEC_PER_DAY, 0, false, "1969-12-31"}};
  for (size_t k = 0; k < sizeof c / sizeof *c; k++)
    assert_int_equal(qx_bucket(ts(c[k].t), c[k].w, c[k].months, c[k].zone ? sh : NULL),
                     ts(c[k].want));
  assert_int_equal(qx_add_months(ts("2024-01-31"), 1, NULL), ts("2024-02-29"));
  assert_int_equal(qx_add_months(ts("2024-03-31 10:00"), -13, NULL), ts("2023-02-28 10:00"));
  assert_int_not_equal(qx_tz_load("Nowhere/Atlantis", &(qx_tz *){NULL}, &err), GP_OK);
  qx_tz_free(sh);
}

static int cmpd(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void test_aggregates(void **st) {
  (void)st;
  rng_state = 42;
  enum { N = 5000 };
  static double y[N], sorted[N];
  static int64_t t[N];
  for (int i = 0; i < N; i++) {
    y[i] = (double)((int64_t)(rnd() % 200001) - 100000) / 100.0; /* 2 decimals */
    t[i] = ts("2024-06-01") + (int64_t)(rnd() % (30 * 86400)) * GP_USEC_PER_SEC;
  }
  qx_ex colv = {0}, colt = {0};
  colv.op = colt.op = QX_COL;
  colv.src = colt.src = QX_SRC_VALS;
  colv.idx = 0;
  colt.idx = 1;
  colv.t = QV_DBL;
  colt.t = QV_TS;
  qx_ctx ctx = {0};
  qx_pool pool = {0};
  static const qx_agg_kind kinds[] = {QA_COUNT_STAR, QA_COUNT, QA_SUM, QA_AVG, QA_MIN,
                                      QA_MAX, QA_STDDEV, QA_FIRST, QA_LAST, QA_SLOPE,
                                      QA_PREDICT, QA_QUANTILE, QA_COUNT_DISTINCT};
  /* brute force */
  double sum = 0, mn = y[0], mx = y[0];
  int64_t sumc = 0;
  size_t fi = 0, la = 0;
  for (int i = 0; i < N; i++) {
    sumc += (int64_t)llround(y[i] * 100);
    if (y[i] < mn) mn = y[i];
    if (y[i] > mx) mx = y[i];
    if (t[i] < t[fi] || (t[i] == t[fi] && y[i] < y[fi])) fi = (size_t)i;
    if (t[i] > t[la] || (t[i] == t[la] && y[i] > y[la])) la = (size_t)i;
  }
  sum = (double)sumc / 100;
  double mean = sum / N, ss = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  long double xm = 0;
  for (int i = 0; i < N; i++) xm += (long double)t[i] / N;
  for (int i = 0; i < N; i++) {
    ss += (y[i] - mean) * (y[i] - mean);
    double x = (double)((long double)t[i] - xm) / 3.6e9; /* hours, centred */
    sx += x;
    sy += y[i];
    sxx += x * x;
    sxy += x * y[i];
  }
  double sd = sqrt(ss / (N - 1));
  double slope = (N * sxy - sx * sy) / (N * sxx - sx * sx);
  double icpt = (sy - slope * sx) / N;
  int64_t tmax = t[la];
  for (int i = 0; i < N; i++)
    if (t[i] > tmax) tmax = t[i];
  double pred = icpt + slope * (double)(((long double)tmax + 6 * GP_USEC_PER_HOUR - xm) / 3.6e9);
  memcpy(sorted, y, sizeof y);
  qsort(sorted, N, sizeof *sorted, cmpd);
  double q90 = sorted[(int)floor(0.9 * (N - 1))] * (1 - (0.9 * (N - 1) - floor(0.9 * (N - 1)))) +
               sorted[(int)floor(0.9 * (N - 1)) + 1] * (0.9 * (N - 1) - floor(0.9 * (N - 1)));
  size_t distinct = 1;
  for (int i = 1; i < N; i++) distinct += sorted[i] != sorted[i - 1];

  for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
    qx_agg a = {0};
    a.kind = kinds[k];
    a.arg = &colv;
    a.ts = &colt;
    a.in_t = QV_DBL;
    a.q = 0.9;
    a.horizon = 6 * GP_USEC_PER_HOUR;
    /* three "threads" take rows round-robin and merge in two different orders */
    qx_aggst s[3] = {{0}}, r1 = {0}, r2 = {0}; /* zeroed: the copies below read p */
    for (int j = 0; j < 3; j++) qx_agg_init(&a, &s[j]);
    for (int i = 0; i < N; i++) {
      qx_val row[2] = {qx_dbl(y[i]), qx_ts(t[i])};
      qx_row r = {0};
      r.vals = row;
      assert_int_equal(qx_agg_add(&ctx, &a, &s[i % 3], &r, &pool), GP_OK);
    }
    qx_agg_init(&a, &r1);
    qx_agg_init(&a, &r2);
    /* copy states for the second order (quantile/distinct arrays are moved by merge) */
    qx_aggst c[3];
    for (int j = 0; j < 3; j++) {
      c[j] = s[j];
      if (s[j].p) {
        size_t bytes = s[j].pcap * (a.kind == QA_QUANTILE ? sizeof(double) : sizeof(qx_val));
        c[j].p = GP_MALLOC(bytes);
        memcpy(c[j].p, s[j].p, bytes);
      }
    }
    for (int j = 0; j < 3; j++) assert_int_equal(qx_agg_merge(&a, &r1, &s[j]), GP_OK);
    for (int j = 2; j >= 0; j--) assert_int_equal(qx_agg_merge(&a, &r2, &c[j]), GP_OK);
    qx_val v1 = qx_agg_final(&a, &r1), v2 = qx_agg_final(&a, &r2);
    assert_true(qx_val_eq(&v1, &v2) || (v1.t == QV_DBL && v1.d == v2.d)); /* order-free */
    double got = v1.t == QV_DBL ? v1.d : (double)v1.i;
    switch (a.kind) {
    case QA_COUNT_STAR:
    case QA_COUNT: assert_int_equal(v1.i, N); break;
    case QA_SUM: assert_true(got == sum); break;          /* exact decimal sum */
    case QA_AVG: assert_true(got == (double)sumc / (100.0 * N)); break;
    case QA_MIN: assert_true(got == mn); break;
    case QA_MAX: assert_true(got == mx); break;
    case QA_STDDEV: assert_true(fabs(got - sd) < 1e-9 * sd); break;
    case QA_FIRST: assert_true(got == y[fi]); break;
    case QA_LAST: assert_true(got == y[la]); break;
    case QA_SLOPE: assert_true(fabs(got - slope) < 1e-6 * fabs(slope) + 1e-9); break;
    case QA_PREDICT: assert_true(fabs(got - pred) < 1e-6 * fabs(pred) + 1e-6); break;
    case QA_QUANTILE: assert_true(fabs(got - q90) < 1e-9); break;
    case QA_COUNT_DISTINCT: assert_int_equal(v1.i, (int64_t)distinct); break;
    default: break;
    }
    qx_agg_release(&a, &r1);
    qx_agg_release(&a, &r2);
    /* a state lives in qx_agg_state_size bytes (the executor packs them): counts in 16, which
     * the sanitizer build checks by giving them no more */
    size_t sz = qx_agg_state_size(&a);
    if (a.kind == QA_COUNT || a.kind == QA_COUNT_STAR) assert_int_equal(sz, 16);
    else assert_int_equal(sz, sizeof(qx_aggst));
    qx_aggst *x = GP_MALLOC(sz), *z = GP_MALLOC(sz);
    assert_non_null(x);
    assert_non_null(z);
    qx_agg_init(&a, x);
    qx_agg_init(&a, z);
    for (int i = 0; i < N; i++) {
      qx_val row[2] = {qx_dbl(y[i]), qx_ts(t[i])};
      qx_row r = {0};
      r.vals = row;
      assert_int_equal(qx_agg_add(&ctx, &a, i % 2 ? x : z, &r, &pool), GP_OK);
    }
    assert_int_equal(qx_agg_merge(&a, x, z), GP_OK);
    qx_val v3 = qx_agg_final(&a, x);
    assert_true(qx_val_eq(&v1, &v3) || (v1.t == QV_DBL && fabs(v1.d - v3.d) <= 1e-9 * fabs(v1.d)));
    qx_agg_release(&a, x);
    qx_agg_release(&a, z);
    GP_FREE(x);
    GP_FREE(z);
  }
  qx_pool_free(&pool);
}

static void test_windows(void **st) {
  (void)st;
  rng_state = 7;
  enum { N = 200 }; /* wider than the 32 rows from which wide frames use prefix sums */
  qx_val v[N], out[N];
  for (int i = 0; i < N; i++) v[i] = i % 7 == 3 ? qx_null() : qx_int((int64_t)(rnd() % 100));
  static const qx_win_kind kinds[] = {QW_AVG, QW_SUM, QW_MIN, QW_MAX, QW_COUNT, QW_STDDEV};
  static const int64_t frames[][2] = {{-8, -1}, {-2, 0}, {0, 3}, {-100, 100}, {-1, -1},
                                      {INT64_MIN / 4, 0}, {-50, -10}, {5, INT64_MAX / 4}};
  for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
    for (size_t f = 0; f < sizeof frames / sizeof *frames; f++) {
      qx_window_eval(kinds[k], v, N, frames[f][0], frames[f][1], 0, qx_null(), out);
      for (int i = 0; i < N; i++) {
        double s = 0, sq = 0, mn = 1e9, mx = -1e9;
        int n = 0;
        int64_t j0 = i + frames[f][0], j1 = i + frames[f][1];
        for (int64_t j = j0 < 0 ? 0 : j0; j <= j1 && j < N; j++) {
          if (v[j].t == QV_NULL) continue;
          double d = (double)v[j].i;
          s += d;
          sq += d * d;
          n++;
          if (d < mn) mn = d;
          if (d > mx) mx = d;
        }
        const qx_val *o = &out[i];
        switch (kinds[k]) {
        case QW_COUNT: assert_int_equal(o->i, n); break;
        case QW_SUM:
          if (!n) assert_int_equal(o->t, QV_NULL);
          else assert_int_equal(o->i, (int64_t)s);
          break;
        case QW_AVG:
          if (!n) assert_int_equal(o->t, QV_NULL);
          else assert_true(fabs(o->d - s / n) < 1e-12);
          break;
        case QW_MIN:
        case QW_MAX:
          if (!n) assert_int_equal(o->t, QV_NULL);
          else assert_int_equal(o->i, (int64_t)(kinds[k] == QW_MIN ? mn : mx));
          break;
        case QW_STDDEV:
          if (n < 2) assert_int_equal(o->t, QV_NULL);
          else assert_true(fabs(o->d - sqrt((sq - s * s / n) / (n - 1))) < 1e-9);
          break;
        default: break;
        }
      }
    }
  /* doubles over wide frames: prefix sums in long double, close to the frame-by-frame sums */
  qx_val dv[N];
  for (int i = 0; i < N; i++) dv[i] = i % 5 == 1 ? qx_null() : qx_dbl((double)(rnd() % 100000) / 100 + 1e4);
  for (size_t k = 0; k < 4; k++) {
    static const qx_win_kind dk[] = {QW_AVG, QW_SUM, QW_COUNT, QW_STDDEV};
    qx_window_eval(dk[k], dv, N, INT64_MIN / 4, -3, 0, qx_null(), out);
    for (int i = 0; i < N; i++) {
      long double s = 0, sq = 0;
      int n = 0;
      for (int j = 0; j <= i - 3; j++)
        if (dv[j].t != QV_NULL) s += dv[j].d, sq += (long double)dv[j].d * dv[j].d, n++;
      double want = dk[k] == QW_AVG ? (double)(s / n) : dk[k] == QW_SUM ? (double)s : dk[k] == QW_COUNT ? n
                    : n > 1 ? sqrt((double)((sq - s * s / n) / (n - 1))) : 0;
      if ((dk[k] == QW_STDDEV && n < 2) || (dk[k] != QW_COUNT && !n)) {
        assert_int_equal(out[i].t, QV_NULL);
        continue;
      }
      double got = out[i].t == QV_INT ? (double)out[i].i : out[i].d;
      assert_true(fabs(got - want) <= 1e-9 * (fabs(want) + 1));
    }
  }
  qx_window_eval(QW_LAG, v, N, 0, 0, 2, qx_int(-1), out);
  assert_int_equal(out[0].i, -1);
  assert_true(qx_val_eq(&out[5], &v[3]));
  qx_window_eval(QW_LEAD, v, N, 0, 0, 1, qx_null(), out);
  assert_true(qx_val_eq(&out[0], &v[1]));
  assert_int_equal(out[N - 1].t, QV_NULL);
  qx_window_eval(QW_ROW_NUMBER, v, N, 0, 0, 0, qx_null(), out);
  assert_int_equal(out[N - 1].i, N);
}

static void test_forecast_fit(void **st) {
  (void)st;
  /* trend + season with mean 0: Holt-Winters starts from the exact state, so every one-step
   * error is 0 and the forecast is the continuation, whatever parameters the search picks */
  static const double pat[4] = {1, -2, 3, -2};
  double y[40], f[8], half[8];
  for (int i = 0; i < 40; i++) y[i] = 10 + 0.5 * i + pat[i % 4];
  gp_err err = {0};
  assert_int_equal(qx_forecast(QFC_HOLT_WINTERS, y, 40, 4, 8, f, half, &err), GP_OK);
  for (int k = 0; k < 8; k++) {
    assert_true(fabs(f[k] - (10 + 0.5 * (40 + k) + pat[(40 + k) % 4])) < 1e-9);
    assert_true(half[k] >= 0 && half[k] < 1e-6);
  }
  /* a line: the linear method continues it */
  for (int i = 0; i < 10; i++) y[i] = 3 - 0.25 * i;
  assert_int_equal(qx_forecast(QFC_LINEAR, y, 10, 1, 3, f, half, &err), GP_OK);
  for (int k = 0; k < 3; k++) assert_true(fabs(f[k] - (3 - 0.25 * (10 + k))) < 1e-12);
  /* noise widens the interval, and more with the horizon */
  for (int i = 0; i < 40; i++) y[i] = 10 + 0.5 * i + pat[i % 4] + (i % 3 == 0 ? 0.3 : -0.15);
  assert_int_equal(qx_forecast(QFC_HOLT_WINTERS, y, 40, 4, 8, f, half, &err), GP_OK);
  assert_true(half[0] > 0.01 && half[7] >= half[0]);
  /* too short: two seasons plus one point at least */
  assert_int_equal(qx_forecast(QFC_HOLT_WINTERS, y, 8, 4, 2, f, half, &err), GP_INVALID);
  assert_int_equal(qx_forecast(QFC_LINEAR, y, 2, 1, 2, f, half, &err), GP_INVALID);
}

int main(void) {
  const struct CMUnitTest unit[] = {
      cmocka_unit_test(test_like),
      cmocka_unit_test(test_bucket),
      cmocka_unit_test(test_aggregates),
      cmocka_unit_test(test_windows),
      cmocka_unit_test(test_forecast_fit),
      cmocka_unit_test(test_lazy_session),
  };
  return cmocka_run_group_tests_name("exec_unit", unit, NULL, NULL);
}
