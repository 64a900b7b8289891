/* test_exec.c - the executor: LIKE, time buckets and zones, every aggregate and window
 * function against brute force on random data (fixed seeds), and whole statements through
 * a session on a small generated table whose answers are computed here independently. */
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

#include "query_int.h"

static uint64_t rng_state;
static uint64_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/* ---- LIKE and time ---- */

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

static int64_t ts(const char *s) {
  int64_t t = 0;
  assert_true(gp_ts_parse(s, strlen(s), &t));
  return t;
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

/* ---- aggregates against brute force ---- */

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

/* ---- windows against brute force ---- */

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

/* ---- forecasts ---- */

static void test_forecast_fit(void **st) {
  (void)st;
  /* trend + season with mean 0: Holt-Winters starts from the exact state, so every one-step
   * error is 0 and the forecast is the continuation, whatever parameters the search picks */
  static const double pat[4] = {1, -2, 3, -2};
  double y[40], f[8], half[8];
  for (int i = 0; i < 40; i++) y[i] = 10 + 0.5 * i + pat[i % 4];
  gp_err err = {0};
  assert_int_equal(qx_forecast(QF_HOLT_WINTERS, y, 40, 4, 8, f, half, &err), GP_OK);
  for (int k = 0; k < 8; k++) {
    assert_true(fabs(f[k] - (10 + 0.5 * (40 + k) + pat[(40 + k) % 4])) < 1e-9);
    assert_true(half[k] >= 0 && half[k] < 1e-6);
  }
  /* a line: the linear method continues it */
  for (int i = 0; i < 10; i++) y[i] = 3 - 0.25 * i;
  assert_int_equal(qx_forecast(QF_LINEAR, y, 10, 1, 3, f, half, &err), GP_OK);
  for (int k = 0; k < 3; k++) assert_true(fabs(f[k] - (3 - 0.25 * (10 + k))) < 1e-12);
  /* noise widens the interval, and more with the horizon */
  for (int i = 0; i < 40; i++) y[i] = 10 + 0.5 * i + pat[i % 4] + (i % 3 == 0 ? 0.3 : -0.15);
  assert_int_equal(qx_forecast(QF_HOLT_WINTERS, y, 40, 4, 8, f, half, &err), GP_OK);
  assert_true(half[0] > 0.01 && half[7] >= half[0]);
  /* too short: two seasons plus one point at least */
  assert_int_equal(qx_forecast(QF_HOLT_WINTERS, y, 8, 4, 2, f, half, &err), GP_INVALID);
  assert_int_equal(qx_forecast(QF_LINEAR, y, 2, 1, 2, f, half, &err), GP_INVALID);
}

/* ---- statements through a session ---- */

/* The text a DOUBLE result cell must have, computed apart from result.c: the shortest %.*g
 * that reads back to v, with ".0" after a whole number (a DOUBLE never prints as an INT).
 * Returns b. */
static const char *dbl_text(double v, char *b, size_t cap) {
  int n = 0;
  for (int p = 1; p <= 17; p++) {
    n = snprintf(b, cap, "%.*g", p, v);
    if (strtod(b, NULL) == v) break;
  }
  if (!strpbrk(b, ".en")) snprintf(b + n, cap - (size_t)n, ".0");
  return b;
}

typedef struct capture {
  char text[1 << 21]; /* test_many_groups: ~30 k rows */
  size_t len;
} capture;

static gp_rc cap_fn(void *ctx, const gp_result *r, gp_err *err) {
  (void)err;
  capture *c = ctx;
  c->len = 0;
  c->text[0] = 0;
  const char *st = gp_result_status(r);
  if (st && gp_result_cols(r) == 0) {
    c->len = (size_t)snprintf(c->text, sizeof c->text, "%s", st);
    return GP_OK;
  }
  for (size_t i = 0; i < gp_result_rows(r); i++)
    for (int k = 0; k < gp_result_cols(r); k++) {
      size_t n;
      const char *s = gp_result_cell(r, i, k, &n);
      if (c->len + n + 8 >= sizeof c->text) fail_msg("result too long for the capture buffer");
      c->len += (size_t)snprintf(c->text + c->len, sizeof c->text - c->len, "%.*s%s",
                                 s ? (int)n : 4, s ? s : "NULL",
                                 k + 1 < gp_result_cols(r) ? "," : "\n");
    }
  return GP_OK;
}

typedef struct fixture {
  char dir[256];
  gp_db *db;
  gp_session *s;
  /* the generated rows */
  int n;
  int64_t t[3000];
  int cat[3000];
  double h[3000];
  bool hnull[3000];
  int lonu[3000], latu[3000]; /* lon - 118.2 and lat - 33.8 in micro-degrees */
} fixture;

static const char *run(fixture *f, const char *sql, gp_rc want) {
  static capture c;
  gp_err err = {0};
  c.len = 0;
  c.text[0] = 0;
  gp_rc rc = gp_session_exec(f->s, sql, strlen(sql), cap_fn, &c, &err);
  if (rc != want) fail_msg("%s -> %s (%s)", sql, gp_rc_str(rc), err.msg);
  if (rc) snprintf(c.text, sizeof c.text, "%s", err.msg);
  return c.text;
}

static int setup_db(void **st) {
  fixture *f = calloc(1, sizeof *f);
  const char *tmp = getenv("GP_TEST_TMP");
  if (!tmp) tmp = "/tmp";
  mkdir(tmp, 0755);
  snprintf(f->dir, sizeof f->dir, "%s/test_exec_%d", tmp, (int)getpid());
  char cmd[512];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
  if (system(cmd) != 0) return -1;
  gp_db_opts o = {f->dir, 32650, 125, false};
  gp_err err = {0};
  if (gp_db_open(&o, &f->db, &err) || gp_session_new(f->db, &f->s, &err)) return -1;
  char csv[300];
  snprintf(csv, sizeof csv, "%s.csv", f->dir);
  FILE *fp = fopen(csv, "w");
  fprintf(fp, "id,ts,lon,lat,category,handle_hours\n");
  rng_state = 99;
  f->n = 3000;
  for (int i = 0; i < f->n; i++) {
    f->t[i] = ts("2024-07-20") + (int64_t)(rnd() % (40 * 86400)) * GP_USEC_PER_SEC;
    f->cat[i] = (int)(rnd() % 5);
    f->hnull[i] = rnd() % 10 == 0;
    f->h[i] = (double)(rnd() % 10000) / 100;
    char tb[40];
    gp_ts_format(f->t[i], tb, sizeof tb);
    f->lonu[i] = (int)(rnd() % 300000);
    f->latu[i] = (int)(rnd() % 300000);
    fprintf(fp, "%d,%s,%d.%06d,%d.%06d,c%03d,", i, tb, 118 + (200000 + f->lonu[i]) / 1000000,
            (200000 + f->lonu[i]) % 1000000, 33 + (800000 + f->latu[i]) / 1000000,
            (800000 + f->latu[i]) % 1000000, f->cat[i]);
    if (!f->hnull[i]) fprintf(fp, "%.2f", f->h[i]);
    fprintf(fp, "\n");
  }
  fclose(fp);
  *st = f;
  char sql[600];
  snprintf(sql, sizeof sql,
           "CREATE TABLE events (id INT KEY, ts TIMESTAMP, lon DOUBLE, lat DOUBLE, category "
           "SYMBOL, handle_hours DOUBLE) TIME ts LOCATION (lon, lat);"
           "COPY events FROM '%s' WITH (header true, format csv, on_error 'stop');",
           csv);
  const char *r = run(f, sql, GP_OK);
  if (strcmp(r, "COPY 3000 rows (0 rejected, 0 duplicates)") != 0) return -1;
  return 0;
}

static int teardown_db(void **st) {
  fixture *f = *st;
  gp_session_free(f->s);
  gp_db_close(f->db);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s.csv'", f->dir, f->dir);
  if (system(cmd) != 0) return -1;
  free(f);
  return 0;
}

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

/* Runs each of q[0..n) on the row path (SET vectorize = false, one thread), then vectorised
 * on 1 and 2 threads: the answers must be the same; the row path's answer to q[0] must be
 * want0 when it is given. */
static void same_on_all_paths(fixture *f, const char *const *q, size_t n, const char *want0) {
  static char full[1 << 21];
  for (size_t k = 0; k < n; k++) {
    run(f, "SET vectorize = false; SET threads = 1", GP_OK);
    snprintf(full, sizeof full, "%s", run(f, q[k], GP_OK));
    if (k == 0 && want0) assert_string_equal(full, want0);
    for (int th = 1; th <= 2; th++) {
      char set[64];
      snprintf(set, sizeof set, "SET vectorize = true; SET threads = %d", th);
      run(f, set, GP_OK);
      assert_string_equal(run(f, q[k], GP_OK), full);
    }
  }
}

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

/* Subqueries used as values: scalar ones become constants (a time bound narrows the scan), IN
 * (SELECT ...) a list (of dictionary ids for a symbol column); answers against brute force. */
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
      /* the text of a DOUBLE is what its result column prints (query/README.md, Values) */
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
  const struct CMUnitTest unit[] = {
      cmocka_unit_test(test_like),
      cmocka_unit_test(test_bucket),
      cmocka_unit_test(test_aggregates),
      cmocka_unit_test(test_windows),
      cmocka_unit_test(test_forecast_fit),
      cmocka_unit_test(test_lazy_session),
  };
  const struct CMUnitTest db[] = {
      cmocka_unit_test(test_select_counts),
      cmocka_unit_test(test_select_shapes),
      cmocka_unit_test(test_windows_grouped),
      cmocka_unit_test(test_vector_path),
      cmocka_unit_test(test_forecast_stmt),
      cmocka_unit_test(test_latest_series),
      cmocka_unit_test(test_region_keys),
      cmocka_unit_test(test_plan),
      cmocka_unit_test(test_group_order),
      cmocka_unit_test(test_vec_cols),
      cmocka_unit_test(test_many_groups),
      cmocka_unit_test(test_subquery_values),
      cmocka_unit_test(test_join_chain),
      cmocka_unit_test(test_gapfill),
      cmocka_unit_test(test_values),
      cmocka_unit_test(test_strftime_lengths),
      cmocka_unit_test(test_errors),
  };
  int rc = cmocka_run_group_tests_name("exec_unit", unit, NULL, NULL);
  rc |= cmocka_run_group_tests_name("exec_db", db, setup_db, teardown_db);
  return rc;
}
