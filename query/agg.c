/* agg.c - aggregate states (add, merge, answer from a chunk summary, finalise) and window
 * functions over one ordered partition.
 *
 * Determinism: the executor merges thread-local states in whatever order threads finish, so
 * every state here is exact or order-free wherever it can be: counts, min/max, first/last
 * (ties broken by value), and sums of decimal numbers as 128-bit integers of micro-units. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "func_int.h"

#define SCALE QX_MICRO
#define SCALE_I INT64_C(1000000)

/* ---- the states' helpers ---- */

/* ---- count distinct: open-addressing set of values; a free slot has t == SET_FREE ---- */

#define SET_FREE 0xFF

static void set_put(qx_val *vals, size_t cap, const qx_val *v) {
  size_t h = qx_val_hash(v) & (cap - 1);
  while (vals[h].t != SET_FREE) h = (h + 1) & (cap - 1);
  vals[h] = *v;
}

/* Growth is charged to mem, the statement's account: a set grows with the distinct values of
 * its input (10^7 of them took 657 MB under a 16 MB limit before it was). */
static gp_rc set_add(gp_mem *mem, qx_aggst *s, const qx_val *v) {
  qx_val *vals = s->p;
  if (vals) {
    size_t h = qx_val_hash(v) & (s->pcap - 1);
    for (; vals[h].t != SET_FREE; h = (h + 1) & (s->pcap - 1))
      if (qx_val_eq(&vals[h], v)) return GP_OK;
  }
  if ((s->pn + 1) * 2 > s->pcap) {
    size_t cap = s->pcap ? s->pcap * 2 : 16;
    if (!gp_mem_charge(mem, (cap - s->pcap) * sizeof(qx_val))) return GP_NOMEM;
    qx_val *nv = GP_MALLOC(cap * sizeof *nv);
    if (!nv) return GP_NOMEM;
    for (size_t k = 0; k < cap; k++) nv[k].t = SET_FREE;
    for (size_t k = 0; k < s->pcap; k++)
      if (vals[k].t != SET_FREE) set_put(nv, cap, &vals[k]);
    GP_FREE(vals);
    s->p = vals = nv;
    s->pcap = cap;
  }
  set_put(vals, s->pcap, v);
  s->pn++;
  return GP_OK;
}

static gp_rc push_dbl(gp_mem *mem, qx_aggst *s, double d) {
  if (s->pn == s->pcap) {
    size_t cap = s->pcap ? s->pcap * 2 : 16;
    if (!gp_mem_charge(mem, (cap - s->pcap) * sizeof(double))) return GP_NOMEM;
    double *p = GP_REALLOC(s->p, cap * sizeof *p);
    if (!p) return GP_NOMEM;
    s->p = p;
    s->pcap = cap;
  }
  ((double *)s->p)[s->pn++] = d;
  return GP_OK;
}

static bool keep_text(qx_val *v, qx_pool *pool) {
  if (v->t != QV_TEXT) return true;
  const char *s = qx_pool_strdup(pool, v->s, v->n);
  if (!s) return false;
  v->s = s;
  return true;
}

static int cmp_dbl(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* ---- the operations of each kind ----
 *
 * add takes the argument's value, already evaluated and not NULL (count(*) takes none: it
 * has no argument to evaluate); merge folds a thread's state into another's and leaves the
 * source empty; final answers from a state; a kind answered from chunk summaries (count,
 * sum, avg, min, max of a plain column: see qx_agg_summary_ok) has summary, which adds a
 * covered unit's column summary of nn non-NULL values in place of its rows. */

typedef struct agg_ops {
  qx_vt (*type)(qx_vt in); /* the result type over an input of type in */
  gp_rc (*add)(const qx_ctx *c, const qx_agg *a, qx_aggst *s, qx_val v, const qx_row *r,
               qx_pool *pool);
  gp_rc (*merge)(const qx_agg *a, qx_aggst *d, qx_aggst *s);
  qx_val (*final)(const qx_agg *a, qx_aggst *s);
  bool (*summary_ok)(gp_type t); /* NULL: never from summaries */
  void (*summary)(const qx_agg *a, qx_aggst *s, const gp_col_summary *cs, int64_t nn, gp_type t);
  bool small; /* the state is n alone (16 bytes: see qx_agg_state_size) */
  bool owns;  /* the state holds memory (s->p) that release frees */
} agg_ops;

static qx_vt t_int(qx_vt in) { (void)in; return QV_INT; }
static qx_vt t_dbl(qx_vt in) { (void)in; return QV_DBL; }
static qx_vt t_same(qx_vt in) { return in; }
static qx_vt t_sum(qx_vt in) {
  return in == QV_INT || in == QV_BOOL ? QV_INT : in == QV_IVL ? QV_IVL : QV_DBL;
}

static bool sum_types(gp_type t) { return t == GP_T_INT || t == GP_T_DOUBLE; }
static bool minmax_types(gp_type t) {
  return t == GP_T_INT || t == GP_T_DOUBLE || t == GP_T_TIMESTAMP;
}

/* the sums every kind built on qx_aggst's counters folds the same way */
static void merge_sums(qx_aggst *d, const qx_aggst *s) {
  d->n += s->n;
  d->s1 += s->s1;
  d->s2 += s->s2;
  d->d1 += s->d1;
  d->d2 += s->d2;
  d->nd += s->nd;
}

/* count(*), count(x) */

static gp_rc count_add(const qx_ctx *c, const qx_agg *a, qx_aggst *s, qx_val v, const qx_row *r,
                       qx_pool *pool) {
  (void)c, (void)a, (void)v, (void)r, (void)pool;
  s->n++;
  return GP_OK;
}
static gp_rc count_merge(const qx_agg *a, qx_aggst *d, qx_aggst *s) {
  (void)a;
  d->n += s->n;
  return GP_OK;
}
static qx_val count_final(const qx_agg *a, qx_aggst *s) {
  (void)a;
  return qx_int(s->n);
}
static bool count_types(gp_type t) { (void)t; return true; }
static void count_summary(const qx_agg *a, qx_aggst *s, const gp_col_summary *cs, int64_t nn,
                          gp_type t) {
  (void)a, (void)cs, (void)t;
  s->n += nn;
}

/* count(DISTINCT x) */

static gp_rc distinct_add(const qx_ctx *c, const qx_agg *a, qx_aggst *s, qx_val v,
                          const qx_row *r, qx_pool *pool) {
  (void)c, (void)r;
  if (v.t == QV_TEXT && s->p) { /* copy the string only when it is new */
    qx_val *vals = s->p;
    size_t h = qx_val_hash(&v) & (s->pcap - 1);
    for (; vals[h].t != SET_FREE; h = (h + 1) & (s->pcap - 1))
      if (qx_val_eq(&vals[h], &v)) return GP_OK;
  }
  /* a new string is kept in the pool for as long as the set lives */
  if (v.t == QV_TEXT && !gp_mem_charge(a->mem, v.n + 1)) return GP_NOMEM;
  if (!keep_text(&v, pool)) return GP_NOMEM;
  return set_add(a->mem, s, &v) ? GP_NOMEM : GP_OK;
}
static gp_rc distinct_merge(const qx_agg *a, qx_aggst *d, qx_aggst *s) {
  if (!s->p) return GP_OK;
  qx_val *vals = s->p;
  for (size_t k = 0; k < s->pcap; k++)
    if (vals[k].t != SET_FREE && set_add(a->mem, d, &vals[k])) return GP_NOMEM;
  qx_agg_release(a, s);
  return GP_OK;
}
static qx_val distinct_final(const qx_agg *a, qx_aggst *s) {
  (void)a;
  return qx_int((int64_t)s->pn);
}

/* sum(x), avg(x): exact sums of integers and of decimals in micro-units */

static gp_rc sum_add(const qx_ctx *c, const qx_agg *a, qx_aggst *s, qx_val v, const qx_row *r,
                     qx_pool *pool) {
  (void)c, (void)r, (void)pool;
  qx_agg_add_num(a, s, v);
  return GP_OK;
}
static gp_rc sums_merge(const qx_agg *a, qx_aggst *d, qx_aggst *s) {
  (void)a;
  merge_sums(d, s);
  return GP_OK;
}
static void sum_summary(const qx_agg *a, qx_aggst *s, const gp_col_summary *cs, int64_t nn,
                        gp_type t) {
  (void)a;
  if (t == GP_T_INT) {
    if (cs->isum_exact) s->s1 += cs->isum;
    else s->d1 += cs->dsum, s->nd += nn;
  } else if (cs->isum_exact && cs->scale >= 0 && cs->scale <= 6) {
    __int128 m = cs->isum;
    for (int k = cs->scale; k < 6; k++) m *= 10;
    s->s1 += m;
  } else {
    s->d1 += cs->dsum;
    s->nd += nn;
  }
  s->n += nn;
}

/* The exact sum in micro-units as a double (correctly rounded when it fits 53 bits). */
static double micro_to_dbl(__int128 v) {
  if (v > -((__int128)1 << 53) && v < ((__int128)1 << 53)) return (double)(int64_t)v / SCALE;
  return (double)((long double)v / 1e6L);
}

static qx_val sum_final(const qx_agg *a, qx_aggst *s) {
  if (!s->n) return qx_null();
  if (a->in_t == QV_IVL) {
    if (s->s1 > INT64_MAX || s->s1 < INT64_MIN) {
      qx_fault(a->pos, "interval out of range");
      return qx_null();
    }
    qx_val r = {0};
    r.t = QV_IVL;
    r.i = (int64_t)s->s1;
    return r;
  }
  if (a->in_t == QV_INT || a->in_t == QV_BOOL) {
    if (s->nd) return qx_dbl((double)s->s1 + s->d1);
    /* the 128-bit sum is exact, but the result is a BIGINT (PostgreSQL's would be a numeric):
     * past int64 it is an error, not a double that silently lost digits */
    if (s->s1 > INT64_MAX || s->s1 < INT64_MIN) {
      qx_fault(a->pos, "bigint out of range");
      return qx_null();
    }
    return qx_int((int64_t)s->s1);
  }
  return qx_dbl(s->nd ? micro_to_dbl(s->s1) + s->d1 : micro_to_dbl(s->s1));
}

static qx_val avg_final(const qx_agg *a, qx_aggst *s) {
  if (!s->n) return qx_null();
  if (a->in_t == QV_IVL) {
    qx_val r = {0};
    r.t = QV_IVL;
    r.i = (int64_t)(s->s1 / s->n);
    return r;
  }
  bool ints = a->in_t == QV_INT || a->in_t == QV_BOOL;
  if (!s->nd) {
    __int128 v = s->s1;
    double den = ints ? (double)s->n : SCALE * (double)s->n;
    if (v > -((__int128)1 << 53) && v < ((__int128)1 << 53) && den < 9007199254740992.0)
      return qx_dbl((double)(int64_t)v / den); /* one rounding: the exact decimal mean */
    return qx_dbl((double)((long double)v / (long double)den));
  }
  double sum = (ints ? (double)s->s1 : micro_to_dbl(s->s1)) + s->d1;
  return qx_dbl(sum / (double)s->n);
}

/* min(x), max(x) */

/* v replaces best when the state is empty or v is below (sign -1) or above (1) it */
static bool better(const qx_val *v, const qx_aggst *s, int sign) {
  return !s->n || qx_val_cmp(v, &s->v) * sign > 0;
}

static gp_rc extreme_add(const qx_agg *a, qx_aggst *s, qx_val v, qx_pool *pool, int sign) {
  (void)a;
  if (better(&v, s, sign)) {
    if (!keep_text(&v, pool)) return GP_NOMEM;
    s->v = v;
  }
  s->n++;
  return GP_OK;
}
static gp_rc min_add(const qx_ctx *c, const qx_agg *a, qx_aggst *s, qx_val v, const qx_row *r,
                     qx_pool *pool) {
  (void)c, (void)r;
  return extreme_add(a, s, v, pool, -1);
}
static gp_rc max_add(const qx_ctx *c, const qx_agg *a, qx_aggst *s, qx_val v, const qx_row *r,
                     qx_pool *pool) {
  (void)c, (void)r;
  return extreme_add(a, s, v, pool, 1);
}
static void extreme_merge(qx_aggst *d, const qx_aggst *s, int sign) {
  if (!s->n) return;
  if (better(&s->v, d, sign)) d->v = s->v;
  d->n += s->n;
}
static gp_rc min_merge(const qx_agg *a, qx_aggst *d, qx_aggst *s) {
  (void)a;
  extreme_merge(d, s, -1);
  return GP_OK;
}
static gp_rc max_merge(const qx_agg *a, qx_aggst *d, qx_aggst *s) {
  (void)a;
  extreme_merge(d, s, 1);
  return GP_OK;
}
static qx_val value_final(const qx_agg *a, qx_aggst *s) {
  (void)a;
  return s->n ? s->v : qx_null();
}
static void extreme_summary(qx_aggst *s, const gp_col_summary *cs, int64_t nn, gp_type t,
                            bool max) {
  qx_val v = t == GP_T_DOUBLE      ? qx_dbl(max ? cs->dmax : cs->dmin)
             : t == GP_T_TIMESTAMP ? qx_ts(max ? cs->imax : cs->imin)
                                   : qx_int(max ? cs->imax : cs->imin);
  if (better(&v, s, max ? 1 : -1)) s->v = v;
  s->n += nn;
}
static void min_summary(const qx_agg *a, qx_aggst *s, const gp_col_summary *cs, int64_t nn,
                        gp_type t) {
  (void)a;
  extreme_summary(s, cs, nn, t, false);
}
static void max_summary(const qx_agg *a, qx_aggst *s, const gp_col_summary *cs, int64_t nn,
                        gp_type t) {
  (void)a;
  extreme_summary(s, cs, nn, t, true);
}

/* stddev(x): the sample standard deviation
 *
 * A value with at most 6 decimals goes to the exact micro-unit sums; another to the double
 * sums d1, d2 of its difference from the first such value (kept in v.d), whose small
 * magnitudes keep the sum of squares from cancelling (see stddev_final). */

static gp_rc stddev_add(const qx_ctx *c, const qx_agg *a, qx_aggst *s, qx_val v,
                        const qx_row *r, qx_pool *pool) {
  (void)c, (void)a, (void)r, (void)pool;
  if (v.t == QV_INT || v.t == QV_BOOL) v = qx_dbl((double)v.i);
  if (v.t != QV_DBL) return GP_OK;
  double x = v.d;
  int64_t k;
  if (qx_to_micro(x, &k)) {
    s->s1 += k;
    s->s2 += (__int128)k * k;
  } else {
    if (!s->nd) s->v = qx_dbl(x);
    double d = x - s->v.d;
    s->d1 += d;
    s->d2 += d * d;
    s->nd++;
  }
  s->n++;
  return GP_OK;
}
static gp_rc stddev_merge(const qx_agg *a, qx_aggst *d, qx_aggst *s) {
  (void)a;
  if (s->nd && d->nd && s->v.d != d->v.d) { /* move src's shifted sums to dst's shift */
    long double k = (long double)s->v.d - d->v.d, m = (long double)s->nd;
    s->d2 = (double)(s->d2 + 2 * k * s->d1 + m * k * k);
    s->d1 = (double)(s->d1 + m * k);
  } else if (s->nd && !d->nd) {
    d->v = s->v;
  }
  merge_sums(d, s);
  return GP_OK;
}
static qx_val stddev_final(const qx_agg *a, qx_aggst *s) {
  (void)a;
    if (s->n < 2) return qx_null();
    long double n = (long double)s->n;
    if (!s->nd) {
      /* n * S2 - S1^2 exactly (in 1e12 units) when it fits 128 bits */
      __int128 p, q, d;
      if (!__builtin_mul_overflow(s->s2, (__int128)s->n, &p) &&
          !__builtin_mul_overflow(s->s1, s->s1, &q) && !__builtin_sub_overflow(p, q, &d)) {
        long double var = (long double)d / (n * (n - 1)) / 1e12L;
        return qx_dbl(var <= 0 ? 0.0 : (double)sqrtl(var));
      }
    }
    /* Two groups, combined as Chan et al.: A, the values summed exactly in micro-units, and
     * B, the others, summed shifted by the first of them (K = v.d), so that neither sum of
     * squares cancels catastrophically (two equal values of -29000.53 once gave 1e-6). */
    long double na = n - (long double)s->nd, nb = (long double)s->nd;
    long double ma = 0, m2a = 0, mb = 0, m2b = 0;
    if (na > 0) {
      ma = (long double)s->s1 / 1e6L / na;
      __int128 p, q, d, ni = (__int128)(s->n - s->nd);
      if (!__builtin_mul_overflow(s->s2, ni, &p) && !__builtin_mul_overflow(s->s1, s->s1, &q) &&
          !__builtin_sub_overflow(p, q, &d))
        m2a = (long double)d / na / 1e12L; /* exact up to the last division */
      else
        m2a = ((long double)s->s2 / 1e12L) - ((long double)s->s1 / 1e6L) * ma;
    }
    if (nb > 0) {
      mb = (long double)s->v.d + s->d1 / nb;
      m2b = (long double)s->d2 - (long double)s->d1 * s->d1 / nb;
    }
    long double dm = ma - mb;
    long double var = (m2a + m2b + (na > 0 && nb > 0 ? dm * dm * na * nb / n : 0)) / (n - 1);
    return qx_dbl(var <= 0 ? 0.0 : (double)sqrtl(var));
  }

/* first(x, ts), last(x, ts): x at the earliest (latest) ts, ties broken by the smaller
 * (larger) x, so that the answer does not depend on the order rows arrive in */

static bool earlier(int64_t ts, const qx_val *v, const qx_aggst *s, bool last) {
  int cm = qx_val_cmp(v, &s->v);
  return last ? ts > s->ts || (ts == s->ts && cm > 0) : ts < s->ts || (ts == s->ts && cm < 0);
}

static gp_rc edge_add(const qx_ctx *c, const qx_agg *a, qx_aggst *s, qx_val v, const qx_row *r,
                      qx_pool *pool, bool last) {
  qx_val t;
  qx_eval(c, a->ts, r, pool, &t);
  if (t.t == QV_NULL) return GP_OK;
  if (!s->n || earlier(t.i, &v, s, last)) {
    if (!keep_text(&v, pool)) return GP_NOMEM;
    s->v = v;
    s->ts = t.i;
  }
  s->n++;
  return GP_OK;
}
static gp_rc first_add(const qx_ctx *c, const qx_agg *a, qx_aggst *s, qx_val v,
                       const qx_row *r, qx_pool *pool) {
  return edge_add(c, a, s, v, r, pool, false);
}
static gp_rc last_add(const qx_ctx *c, const qx_agg *a, qx_aggst *s, qx_val v, const qx_row *r,
                      qx_pool *pool) {
  return edge_add(c, a, s, v, r, pool, true);
}
static void edge_merge(qx_aggst *d, const qx_aggst *s, bool last) {
  if (!s->n) return;
  if (!d->n || earlier(s->ts, &s->v, d, last)) {
    d->v = s->v;
    d->ts = s->ts;
  }
  d->n += s->n;
}
static gp_rc first_merge(const qx_agg *a, qx_aggst *d, qx_aggst *s) {
  (void)a;
  edge_merge(d, s, false);
  return GP_OK;
}
static gp_rc last_merge(const qx_agg *a, qx_aggst *d, qx_aggst *s) {
  (void)a;
  edge_merge(d, s, true);
  return GP_OK;
}

/* slope(x, ts), predict_linear(x, ts, h): least squares over exact integer sums of x (us),
 * x^2, x*y and y (micro-units) */

static gp_rc line_add(const qx_ctx *c, const qx_agg *a, qx_aggst *s, qx_val v, const qx_row *r,
                      qx_pool *pool) {
  qx_val t;
  qx_eval(c, a->ts, r, pool, &t);
  if (t.t != QV_TS && t.t != QV_INT) return GP_OK;
  double y = v.t == QV_DBL ? v.d : (double)v.i;
  if (!(fabs(y) < 9e12)) return GP_OK;
  /* y at micro-unit resolution: exact for values read from text with <= 6 decimals */
  int64_t ry = (int64_t)llround(y * SCALE);
  s->s1 += t.i;
  s->s2 += (__int128)t.i * t.i;
  s->s3 += (__int128)t.i * ry;
  s->v.i += ry;
  if (!s->n || t.i > s->ts) s->ts = t.i;
  s->n++;
  return GP_OK;
}
static gp_rc line_merge(const qx_agg *a, qx_aggst *d, qx_aggst *s) {
  (void)a;
  if (s->n && (!d->n || s->ts > d->ts)) d->ts = s->ts;
  d->s1 += s->s1;
  d->s2 += s->s2;
  d->s3 += s->s3;
  d->v.i += s->v.i;
  d->n += s->n;
  return GP_OK;
}
static qx_val line_final(const qx_agg *a, qx_aggst *s) {
    if (s->n < 2) return qx_null();
    /* Shift x by its integer mean a so that the centred sums are small and exact:
     * Sxx' = Sxx - 2 a Sx + n a^2, Sxy' = Sxy - a Sy, Sx' = Sx - n a. */
    __int128 n = s->n, a0 = s->s1 / n;
    __int128 sxx = s->s2 - 2 * a0 * s->s1 + n * a0 * a0;
    __int128 sx = s->s1 - n * a0, sy = s->v.i;
    __int128 sxy = s->s3 - a0 * sy;
    long double ln = (long double)n;
    long double den = ln * (long double)sxx - (long double)sx * (long double)sx;
    if (den <= 0) return qx_null();
    long double b = (ln * (long double)sxy - (long double)sx * (long double)sy) / den; /* per us, micro-units */
    if (a->kind == QA_SLOPE) return qx_dbl((double)(b * 3600.0L)); /* 3.6e9 us/h / 1e6 */
    long double xbar = (long double)sx / ln; /* relative to a0 */
    long double ybar = (long double)sy / ln;
    long double xt = (long double)((__int128)s->ts + a->horizon - a0);
    return qx_dbl((double)((ybar + b * (xt - xbar)) / 1e6L));
  }

/* quantile(x, q): every value kept, sorted at the end, linear between ranks */

static gp_rc quantile_add(const qx_ctx *c, const qx_agg *a, qx_aggst *s, qx_val v,
                          const qx_row *r, qx_pool *pool) {
  (void)c, (void)r, (void)pool;
  if (push_dbl(a->mem, s, v.t == QV_DBL ? v.d : (double)v.i)) return GP_NOMEM;
  s->n++;
  return GP_OK;
}
static gp_rc quantile_merge(const qx_agg *a, qx_aggst *d, qx_aggst *s) {
  for (size_t k = 0; k < s->pn; k++)
    if (push_dbl(a->mem, d, ((double *)s->p)[k])) return GP_NOMEM;
  d->n += s->n;
  qx_agg_release(a, s);
  return GP_OK;
}
static qx_val quantile_final(const qx_agg *a, qx_aggst *s) {
  (void)a;
    if (!s->pn) return qx_null();
    double *v = s->p;
    qsort(v, s->pn, sizeof *v, cmp_dbl);
    double pos = a->q * (double)(s->pn - 1);
    size_t lo = (size_t)floor(pos);
    if (lo >= s->pn - 1) return qx_dbl(v[s->pn - 1]);
    double f = pos - (double)lo;
    return qx_dbl(v[lo] * (1 - f) + v[lo + 1] * f);
  }

static const agg_ops OPS[] = {
    [QA_COUNT_STAR] = {t_int, count_add, count_merge, count_final, count_types, count_summary, true, false},
    [QA_COUNT] = {t_int, count_add, count_merge, count_final, count_types, count_summary, true, false},
    [QA_COUNT_DISTINCT] = {t_int, distinct_add, distinct_merge, distinct_final, NULL, NULL, false, true},
    [QA_SUM] = {t_sum, sum_add, sums_merge, sum_final, sum_types, sum_summary, false, false},
    [QA_AVG] = {t_dbl, sum_add, sums_merge, avg_final, sum_types, sum_summary, false, false},
    [QA_MIN] = {t_same, min_add, min_merge, value_final, minmax_types, min_summary, false, false},
    [QA_MAX] = {t_same, max_add, max_merge, value_final, minmax_types, max_summary, false, false},
    [QA_STDDEV] = {t_dbl, stddev_add, stddev_merge, stddev_final, NULL, NULL, false, false},
    [QA_FIRST] = {t_same, first_add, first_merge, value_final, NULL, NULL, false, false},
    [QA_LAST] = {t_same, last_add, last_merge, value_final, NULL, NULL, false, false},
    [QA_SLOPE] = {t_dbl, line_add, line_merge, line_final, NULL, NULL, false, false},
    [QA_PREDICT] = {t_dbl, line_add, line_merge, line_final, NULL, NULL, false, false},
    [QA_QUANTILE] = {t_dbl, quantile_add, quantile_merge, quantile_final, NULL, NULL, false, true},
};

/* ---- the aggregate interface (query_int.h): each call one entry of OPS ---- */

qx_vt qx_agg_type(qx_agg_kind k, qx_vt in) { return OPS[k].type(in); }

size_t qx_agg_state_size(const qx_agg *a) {
  return OPS[a->kind].small ? offsetof(qx_aggst, s1) : sizeof(qx_aggst);
}

void qx_agg_init(const qx_agg *a, qx_aggst *s) { memset(s, 0, qx_agg_state_size(a)); }

void qx_agg_release(const qx_agg *a, qx_aggst *s) {
  if (!OPS[a->kind].owns) return;
  GP_FREE(s->p);
  s->p = NULL;
  s->pn = s->pcap = 0;
}

gp_rc qx_agg_add(const qx_ctx *c, const qx_agg *a, qx_aggst *s, const qx_row *r, qx_pool *pool) {
  if (a->kind == QA_COUNT_STAR) {
    s->n++;
    return GP_OK;
  }
  qx_val v;
  qx_eval(c, a->arg, r, pool, &v);
  if (v.t == QV_NULL) return GP_OK;
  return OPS[a->kind].add(c, a, s, v, r, pool);
}

gp_rc qx_agg_merge(const qx_agg *a, qx_aggst *d, qx_aggst *s) { return OPS[a->kind].merge(a, d, s); }

qx_val qx_agg_final(const qx_agg *a, qx_aggst *s) { return OPS[a->kind].final(a, s); }

bool qx_agg_summary_ok(const qx_agg *a) {
  if (a->kind == QA_COUNT_STAR) return true;
  if (!OPS[a->kind].summary_ok) return false;
  if (!a->arg || a->arg->op != QX_COL || a->arg->src != QX_SRC_ROWS) return false;
  return OPS[a->kind].summary_ok((gp_type)a->arg->ctype);
}

void qx_agg_add_summary(const qx_agg *a, qx_aggst *s, const gp_unit_info *u) {
  if (a->kind == QA_COUNT_STAR) {
    s->n += (int64_t)u->rows;
    return;
  }
  const gp_col_summary *cs = &u->cols[a->arg->idx];
  int64_t nn = (int64_t)(u->rows - cs->nulls);
  if (nn <= 0 || !OPS[a->kind].summary) return;
  OPS[a->kind].summary(a, s, cs, nn, (gp_type)a->arg->ctype);
}

/* ---- the registry's aggregates and window functions (func_int.h) ---- */

#define AG QK_AGG
#define WI QK_WINDOW

const qx_func qx_funcs_agg[] = {
    {"avg", AG, QB_AGG, QT_FIXED, QV_DBL, 1, 1, QA_AVG, QW_AVG, "avg(x) -> DOUBLE",
     "the mean of the non-NULL values", .eval = NULL},
    {"count", AG, QB_AGG, QT_FIXED, QV_INT, 1, 1, QA_COUNT, QW_COUNT, "count(* | x | DISTINCT x) -> INT",
     "count(*) rows, count(x) non-NULL values, count(DISTINCT x) distinct ones", .eval = NULL},
    {"first", AG, QB_AGG, QT_ARG0, QV_NULL, 2, 2, QA_FIRST, 0, "first(x, ts) -> type of x",
     "x at the earliest ts (ties: the smallest x)", .eval = NULL},
    {"lag", WI, QB_WINDOW, QT_ARG0, QV_NULL, 1, 3, 0, QW_LAG,
     "lag(x [, offset [, default]]) OVER (..) -> type of x", "x at offset rows before (1)", .eval = NULL},
    {"last", AG, QB_AGG, QT_ARG0, QV_NULL, 2, 2, QA_LAST, 0, "last(x, ts) -> type of x",
     "x at the latest ts (ties: the largest x)", .eval = NULL},
    {"lead", WI, QB_WINDOW, QT_ARG0, QV_NULL, 1, 3, 0, QW_LEAD,
     "lead(x [, offset [, default]]) OVER (..) -> type of x", "x at offset rows after (1)", .eval = NULL},
    {"max", AG, QB_AGG, QT_ARG0, QV_NULL, 1, 1, QA_MAX, QW_MAX, "max(x) -> type of x",
     "the largest value", .eval = NULL},
    {"mean", AG, QB_AGG, QT_FIXED, QV_DBL, 1, 1, QA_AVG, QW_AVG, "mean(x) -> DOUBLE",
     "avg(x)", .eval = NULL},
    {"min", AG, QB_AGG, QT_ARG0, QV_NULL, 1, 1, QA_MIN, QW_MIN, "min(x) -> type of x",
     "the smallest value", .eval = NULL},
    {"predict_linear", AG, QB_AGG, QT_FIXED, QV_DBL, 3, 3, QA_PREDICT, 0,
     "predict_linear(x, ts, h) -> DOUBLE", "the least-squares line at h after the latest ts", .eval = NULL},
    {"quantile", AG, QB_AGG, QT_FIXED, QV_DBL, 2, 2, QA_QUANTILE, 0,
     "quantile(x, q) -> DOUBLE", "the q-quantile of x, linear between ranks", .eval = NULL},
    {"row_number", WI, QB_WINDOW, QT_FIXED, QV_INT, 0, 0, 0, QW_ROW_NUMBER,
     "row_number() OVER (..) -> INT", "the row's number in its partition, from 1", .eval = NULL},
    {"slope", AG, QB_AGG, QT_FIXED, QV_DBL, 2, 2, QA_SLOPE, 0, "slope(x, ts) -> DOUBLE",
     "the least-squares slope of x per hour", .eval = NULL},
    {"stddev", AG, QB_AGG, QT_FIXED, QV_DBL, 1, 1, QA_STDDEV, QW_STDDEV, "stddev(x) -> DOUBLE",
     "the sample standard deviation", .eval = NULL},
    {"stddev_samp", AG, QB_AGG, QT_FIXED, QV_DBL, 1, 1, QA_STDDEV, QW_STDDEV,
     "stddev_samp(x) -> DOUBLE", "stddev(x)", .eval = NULL},
    {"sum", AG, QB_AGG, QT_FIXED, QV_NULL, 1, 1, QA_SUM, QW_SUM,
     "sum(x) -> INT for INT, INTERVAL for INTERVAL, else DOUBLE",
     "exact for decimals of up to 6 places; INT sums past int64 are an error", .eval = NULL},
    {0}};

/* ---- windows ---- */

/* count/sum/avg/stddev over wide frames (running totals: UNBOUNDED PRECEDING AND CURRENT ROW)
 * from prefix sums, O(n) instead of O(n x frame width): the frame [a, b] sums to P[b+1] - P[a].
 * Integers (|v| < 2^40, so squares fit) are summed exactly in 128 bits and give what the
 * frame-by-frame loop gives; doubles in long double, which may differ from it in the last
 * bits. Returns false (nothing written) when the partition does not qualify or memory is short,
 * and the caller takes the loop. */
static bool window_prefix(qx_win_kind kind, const qx_val *vals, size_t n, int64_t lo, int64_t hi,
                          qx_val *out) {
  bool ints = true;
  for (size_t k = 0; k < n; k++) {
    const qx_val *v = &vals[k];
    if (v->t == QV_DBL) ints = false;
    else if (v->t == QV_INT && (v->i > (INT64_C(1) << 40) || v->i < -(INT64_C(1) << 40))) return false;
    else if (v->t != QV_INT && v->t != QV_NULL) return false;
  }
  int64_t *cnt = GP_MALLOC((n + 1) * sizeof *cnt);
  __int128 *p1 = ints ? GP_MALLOC((n + 1) * sizeof *p1) : NULL, *p2 = ints ? GP_MALLOC((n + 1) * sizeof *p2) : NULL;
  long double *d1 = ints ? NULL : GP_MALLOC((n + 1) * sizeof *d1), *d2 = ints ? NULL : GP_MALLOC((n + 1) * sizeof *d2);
  bool ok = cnt && (ints ? p1 && p2 : d1 && d2);
  if (ok) {
    cnt[0] = 0;
    if (ints) p1[0] = p2[0] = 0;
    else d1[0] = d2[0] = 0;
    for (size_t k = 0; k < n; k++) {
      const qx_val *v = &vals[k];
      bool has = v->t != QV_NULL;
      cnt[k + 1] = cnt[k] + has;
      if (ints) {
        __int128 x = has ? v->i : 0;
        p1[k + 1] = p1[k] + x;
        p2[k + 1] = p2[k] + x * x;
      } else {
        long double x = !has ? 0 : v->t == QV_DBL ? v->d : (long double)v->i;
        d1[k + 1] = d1[k] + x;
        d2[k + 1] = d2[k] + x * x;
      }
    }
    for (size_t k = 0; k < n; k++) {
      int64_t a = (int64_t)k + lo, b = (int64_t)k + hi;
      if (a < 0) a = 0;
      if (b > (int64_t)n - 1) b = (int64_t)n - 1;
      int64_t c = a <= b ? cnt[b + 1] - cnt[a] : 0;
      long double sum = 0, sq = 0;
      if (c) {
        sum = ints ? (long double)(p1[b + 1] - p1[a]) : d1[b + 1] - d1[a];
        sq = ints ? (long double)(p2[b + 1] - p2[a]) : d2[b + 1] - d2[a];
      }
      switch (kind) {
      case QW_COUNT: out[k] = qx_int(c); break;
      case QW_SUM: out[k] = !c ? qx_null() : ints ? qx_int((int64_t)(p1[b + 1] - p1[a])) : qx_dbl((double)sum); break;
      case QW_AVG: out[k] = c ? qx_dbl((double)(sum / c)) : qx_null(); break;
      default: { /* QW_STDDEV */
        if (c < 2) {
          out[k] = qx_null();
          break;
        }
        long double var = (sq - sum * sum / c) / (c - 1);
        out[k] = qx_dbl(var <= 0 ? 0.0 : (double)sqrtl(var));
        break;
      }
      }
    }
  }
  GP_FREE(cnt);
  GP_FREE(p1);
  GP_FREE(p2);
  GP_FREE(d1);
  GP_FREE(d2);
  return ok;
}

/* min/max over wide frames in O(n) instead of O(n x frame width): both ends of the frame
 * [k + lo, k + hi] only move forward as k does, so a queue of the rows that can still be the
 * answer (each one better than every later row in the queue; the front is the frame's
 * best) gets each row pushed and popped once. A running min over 50,000 rows took 18 s
 * frame by frame. Returns false (nothing written) when memory is short; the caller then
 * takes the loop. */
static bool window_minmax(qx_win_kind kind, const qx_val *vals, size_t n, int64_t lo, int64_t hi,
                          qx_val *out) {
  size_t *q = GP_MALLOC(n * sizeof *q);
  if (!q) return false;
  size_t qh = 0, qt = 0; /* the queue is q[qh..qt) */
  int64_t next = 0;      /* the first row not yet pushed */
  for (size_t k = 0; k < n; k++) {
    int64_t a = (int64_t)k + lo, b = (int64_t)k + hi;
    if (a < 0) a = 0;
    if (b > (int64_t)n - 1) b = (int64_t)n - 1;
    for (; next <= b; next++) {
      const qx_val *v = &vals[next];
      if (v->t == QV_NULL) continue;
      /* rows worse than the new one can never be a later frame's answer; an equal earlier
       * one stays ahead of it, so that the first of equal values wins as in the loop below */
      while (qt > qh) {
        int cm = qx_val_cmp(&vals[q[qt - 1]], v);
        if (kind == QW_MIN ? cm <= 0 : cm >= 0) break;
        qt--;
      }
      q[qt++] = (size_t)next;
    }
    while (qt > qh && (int64_t)q[qh] < a) qh++;
    out[k] = qt > qh && a <= b ? vals[q[qh]] : qx_null();
  }
  GP_FREE(q);
  return true;
}

/* A window function over one ordered partition's values: out[k] for row k, whose frame is
 * rows k + lo .. k + hi (clipped to the partition); off and dflt are lag/lead's. */
typedef void (*win_fn)(qx_win_kind kind, const qx_val *vals, size_t n, int64_t lo, int64_t hi,
                       int64_t off, qx_val dflt, qx_val *out);

static void win_row_number(qx_win_kind kind, const qx_val *vals, size_t n, int64_t lo, int64_t hi,
                           int64_t off, qx_val dflt, qx_val *out) {
  (void)kind, (void)vals, (void)lo, (void)hi, (void)off, (void)dflt;
  for (size_t k = 0; k < n; k++) out[k] = qx_int((int64_t)k + 1);
}

/* lag (off rows before) and lead (after): dflt outside the partition */
static void win_shift(qx_win_kind kind, const qx_val *vals, size_t n, int64_t lo, int64_t hi,
                      int64_t off, qx_val dflt, qx_val *out) {
  (void)lo, (void)hi;
  for (size_t k = 0; k < n; k++) {
    int64_t j = (int64_t)k + (kind == QW_LAG ? -off : off);
    out[k] = j >= 0 && j < (int64_t)n ? vals[j] : dflt;
  }
}

/* An aggregate over each row's frame: from prefix sums or a monotonic queue when frames are
 * wide, else frame by frame. */
static void win_frame(qx_win_kind kind, const qx_val *vals, size_t n, int64_t lo, int64_t hi,
                      int64_t off, qx_val dflt, qx_val *out) {
  (void)off, (void)dflt;
  if ((kind == QW_COUNT || kind == QW_SUM || kind == QW_AVG || kind == QW_STDDEV) && hi - lo > 32 &&
      n > 32 && window_prefix(kind, vals, n, lo, hi, out))
    return;
  if ((kind == QW_MIN || kind == QW_MAX) && hi - lo > 32 && n > 32 && window_minmax(kind, vals, n, lo, hi, out))
    return;
  for (size_t k = 0; k < n; k++) {
    int64_t a = (int64_t)k + lo, b = (int64_t)k + hi;
    if (a < 0) a = 0;
    if (b > (int64_t)n - 1) b = (int64_t)n - 1;
    int64_t cnt = 0;
    long double sum = 0, sq = 0;
    qx_val best = qx_null();
    bool ints = true;
    for (int64_t j = a; j <= b; j++) {
      const qx_val *v = &vals[j];
      if (v->t == QV_NULL) continue;
      cnt++;
      if (kind == QW_MIN || kind == QW_MAX) {
        int cm = qx_val_cmp(v, &best);
        if (best.t == QV_NULL || (kind == QW_MIN ? cm < 0 : cm > 0)) best = *v;
        continue;
      }
      double d = v->t == QV_DBL ? v->d : (double)v->i;
      if (v->t == QV_DBL) ints = false;
      sum += d;
      sq += (long double)d * d;
    }
    switch (kind) {
    case QW_COUNT: out[k] = qx_int(cnt); break;
    case QW_MIN:
    case QW_MAX: out[k] = best; break;
    case QW_SUM:
      out[k] = !cnt ? qx_null() : ints ? qx_int((int64_t)sum) : qx_dbl((double)sum);
      break;
    case QW_AVG: out[k] = cnt ? qx_dbl((double)(sum / cnt)) : qx_null(); break;
    case QW_STDDEV: {
      if (cnt < 2) {
        out[k] = qx_null();
        break;
      }
      long double var = (sq - sum * sum / cnt) / (cnt - 1);
      out[k] = qx_dbl(var <= 0 ? 0.0 : (double)sqrtl(var));
      break;
    }
    default: out[k] = qx_null(); break;
    }
  }
}

static const win_fn WIN[] = {
    [QW_AVG] = win_frame,   [QW_SUM] = win_frame,   [QW_MIN] = win_frame,
    [QW_MAX] = win_frame,   [QW_COUNT] = win_frame, [QW_STDDEV] = win_frame,
    [QW_LAG] = win_shift,   [QW_LEAD] = win_shift,  [QW_ROW_NUMBER] = win_row_number,
};

void qx_window_eval(qx_win_kind kind, const qx_val *vals, size_t n, int64_t lo, int64_t hi,
                    int64_t off, qx_val dflt, qx_val *out) {
  WIN[kind](kind, vals, n, lo, hi, off, dflt, out);
}

/* ---- forecasts ---- */

/* One pass of additive Holt-Winters over y with parameters (a, b, g) and season m (m == 1:
 * no season), from the initial state of init_hw; returns the sum of squared one-step errors
 * from step m on and leaves the final level, trend and season in *lv, *tr, s[0..m). The
 * season index of step t is t % m. */
static double hw_run(const double *y, size_t n, size_t m, double a, double b, double g,
                     double *lv, double *tr, double *s) {
  double sse = 0;
  for (size_t t = m; t < n; t++) {
    double st = m > 1 ? s[t % m] : 0;
    double e = y[t] - (*lv + *tr + st);
    sse += e * e;
    double l0 = *lv;
    *lv = a * (y[t] - st) + (1 - a) * (*lv + *tr);
    *tr = b * (*lv - l0) + (1 - b) * *tr;
    if (m > 1) s[t % m] = g * (y[t] - *lv) + (1 - g) * st;
  }
  return sse;
}

/* Initial state from the first two seasons (m == 1: the first two points): level = mean of
 * season 1 moved to its last step, trend = the change of the season means per step, season =
 * the first season's deviations from its own trend line. */
static void hw_init(const double *y, size_t m, double *lv, double *tr, double *s) {
  if (m <= 1) {
    *tr = y[1] - y[0];
    *lv = y[0];
    return;
  }
  double m1 = 0, m2 = 0;
  for (size_t j = 0; j < m; j++) m1 += y[j], m2 += y[m + j];
  m1 /= (double)m;
  m2 /= (double)m;
  *tr = (m2 - m1) / (double)m;
  for (size_t j = 0; j < m; j++) s[j] = y[j] - (m1 + *tr * ((double)j - (double)(m - 1) / 2));
  *lv = m1 + *tr * (double)(m - 1) / 2;
}

gp_rc qx_forecast(qx_fc_method meth, const double *y, size_t n, int period, size_t h, double *f,
                  double *half, gp_err *err) {
  size_t m = period > 1 ? (size_t)period : 1;
  if (n < 3 || (meth == QFC_HOLT_WINTERS && n < 2 * m + 1))
    return gp_err_set(err, GP_INVALID, "%zu points are too few to fit a %s forecast%s", n,
                      meth == QFC_LINEAR ? "linear" : "Holt-Winters",
                      meth == QFC_HOLT_WINTERS && m > 1 ? " (it needs more than 2 seasons)" : "");
  if (meth == QFC_LINEAR) {
    double xm = (double)(n - 1) / 2, ym = 0, sxx = 0, sxy = 0, sse = 0;
    for (size_t i = 0; i < n; i++) ym += y[i];
    ym /= (double)n;
    for (size_t i = 0; i < n; i++) sxx += ((double)i - xm) * ((double)i - xm), sxy += ((double)i - xm) * (y[i] - ym);
    double b = sxy / sxx, a = ym - b * xm;
    for (size_t i = 0; i < n; i++) sse += (y[i] - a - b * (double)i) * (y[i] - a - b * (double)i);
    double sd = sqrt(sse / (double)(n - 2));
    for (size_t k = 0; k < h; k++) {
      double x = (double)(n + k);
      f[k] = a + b * x;
      half[k] = 1.96 * sd * sqrt(1 + 1 / (double)n + (x - xm) * (x - xm) / sxx);
    }
    return GP_OK;
  }
  double *s = GP_MALLOC(m * sizeof *s), *s0 = GP_MALLOC(m * sizeof *s0);
  if (!s || !s0) {
    GP_FREE(s);
    GP_FREE(s0);
    return gp_err_set(err, GP_NOMEM, "out of memory");
  }
  double l0, t0, best = INFINITY, ba = 0.5, bb = 0.1, bg = 0.1;
  hw_init(y, m, &l0, &t0, s0);
  /* a coarse grid, then a finer one around its best point: the SSE surface is smooth and the
   * parameters only need two digits to forecast well */
  for (int pass = 0; pass < 2; pass++) {
    double step = pass ? 0.02 : 0.1, ca = ba, cb = bb, cg = bg;
    for (int i = -4; i <= 4; i++)
      for (int j = -4; j <= 4; j++)
        for (int k = -4; k <= 4; k++) {
          double a = pass ? ca + i * step : 0.05 + (i + 4) * step * 1.125;
          double b = pass ? cb + j * step : 0.05 + (j + 4) * step * 1.125;
          double g = pass ? cg + k * step : 0.05 + (k + 4) * step * 1.125;
          if (a <= 0 || a >= 1 || b <= 0 || b >= 1 || g <= 0 || g >= 1) continue;
          if (m == 1 && k != 0) continue;
          double lv = l0, tr = t0;
          memcpy(s, s0, m * sizeof *s);
          double e = hw_run(y, n, m, a, b, g, &lv, &tr, s);
          if (e < best) best = e, ba = a, bb = b, bg = g;
        }
  }
  double lv = l0, tr = t0;
  memcpy(s, s0, m * sizeof *s);
  double sse = hw_run(y, n, m, ba, bb, bg, &lv, &tr, s);
  double sd = sqrt(sse / (double)(n - m));
  /* variance of the h-step error (Hyndman et al., additive Holt-Winters):
   * sigma^2 (1 + sum_{j<h} (a (1 + j b) + g [j % m == 0])^2) */
  double acc = 0;
  for (size_t k = 0; k < h; k++) {
    size_t step = k + 1;
    f[k] = lv + (double)step * tr + (m > 1 ? s[(n + k) % m] : 0);
    if (k) {
      double c = ba * (1 + (double)k * bb) + (m > 1 && k % m == 0 ? bg : 0);
      acc += c * c;
    }
    half[k] = 1.96 * sd * sqrt(1 + acc);
  }
  GP_FREE(s);
  GP_FREE(s0);
  return GP_OK;
}
