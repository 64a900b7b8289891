/* gapfill.c - gapfill(ts, width) as a GROUP BY key, and after grouping the rows of the
 * buckets a series lacks, with locf() and interpolate() filled along each series. */
#include <ctype.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec_int.h"

/* ---- gapfill ------------------------------------------------------------------------------
 *
 * `GROUP BY gapfill(ts, 1 h)` groups exactly as bucket(ts, 1 h) does (the scan cannot tell
 * them apart, so every scan path serves it); afterwards, T gets a row for every bucket of the
 * range that a series lacks, a series being one combination of the other GROUP BY keys, as in
 * TimescaleDB's time_bucket_gapfill. In such a row count() is 0 and the other aggregates are
 * what they give over no rows (NULL). locf() and interpolate() then fill NULLs along each
 * series in bucket order, before HAVING, windows, ORDER BY and LIMIT see T. */

enum {
  GF_MAX_BUCKETS = 1000000,  /* buckets in the range */
  GF_MAX_ROWS = 10000000,    /* rows of T after filling: buckets times series */
};

static void gf_free(void *p) {
  gfill *gf = p;
  GP_FREE(gf->b);
  gf->b = NULL;
}

/* Binds GROUP BY key k, gapfill(ts, width [, 'zone'] [, start, end]), as bucket() and makes
 * its buckets. The range is [start, end) where given (NULL = not given), else the bounds the
 * WHERE clause puts on the table's time column, [wlo, whi), which count only when ts is that
 * column: what TimescaleDB does. */
gp_rc qx_bind_gapfill(bctx *b, gp_ast *e, int k, int tcol, int64_t wlo, int64_t whi,
                          qx_ex **out, gp_err *err) {
  qry *q = b->q;
  int n = (int)e->call.args.n;
  gp_ast **av = e->call.args.v;
  if (b->gf) return gp_query_err_at(err, GP_UNSUPPORTED, e->pos, "only one gapfill() per query");
  if (n < 2 || n > 5 || e->call.distinct || e->call.over)
    return gp_query_err_at(err, GP_INVALID, e->pos, "gapfill() takes (ts, interval [, 'zone'] "
                           "[, start, end]), not %d argument%s", n, n == 1 ? "" : "s");
  gp_rc rc = qx_bind_bucket(b, e, av[0], av[1], n == 3 || n == 5 ? av[2] : NULL, out, err);
  if (rc) return rc;
  const qx_ex *bx = *out, *tsx = bx->args[0];
  gfill *gf = gp_query_arena_alloc(q->a, sizeof *gf);
  if (!gf) return qx_nomem(err);
  if (gp_query_arena_on_free(q->a, gf_free, gf, err)) return err->rc;
  gf->call = e;
  gf->key = k;
  bool tcol_ts = tcol >= 0 && tsx->op == QX_COL && tsx->src == QX_SRC_ROWS && tsx->idx == tcol;
  gf->lo = tcol_ts ? wlo : INT64_MIN;
  gf->hi = tcol_ts ? whi : INT64_MAX;
  bool given[2] = {false, false};
  for (int j = 0; j < 2 && n >= 4; j++) {
    gp_ast *a = av[n - 2 + j];
    qx_ex *x;
    if ((rc = qx_bind(b, a, &x, err)) || (rc = qx_coerce_ts(x, err))) return rc;
    if (x->op != QX_CONST || (x->k.t != QV_TS && x->k.t != QV_NULL))
      return gp_query_err_at(err, GP_INVALID, a->pos, "gapfill() %s must be a constant "
                             "timestamp or NULL", j ? "end" : "start");
    if (x->k.t == QV_TS) *(j ? &gf->hi : &gf->lo) = x->k.i, given[j] = true;
  }
  if (gf->lo == INT64_MIN || gf->hi == INT64_MAX)
    return gp_query_err_at(err, GP_INVALID, e->pos, "gapfill() needs a bounded time range (it "
                           "has no %s bound): bound the table's time column in WHERE, e.g. "
                           "ts >= '2024-06-01' AND ts < '2024-06-02', or give gapfill(ts, "
                           "interval, start, end)", gf->lo == INT64_MIN ? "lower" : "upper");
  if (given[0] && given[1] && gf->lo >= gf->hi)
    return gp_query_err_at(err, GP_INVALID, av[n - 2]->pos, "gapfill() start must be before end");
  /* Step through local wall time and keep the instants that are bucket starts: where a zone
   * changes its offset, a local step can name a time that does not exist, or fold onto the
   * bucket before; either way it is not a bucket any row can fall in. */
  const qx_tz *tz = bx->tz ? bx->tz : q->ctx.tz;
  int64_t w = bx->args[1]->k.i, prev = INT64_MIN;
  uint32_t months = bx->args[1]->k.n;
  int64_t first = qx_bucket(gf->lo, w, months, tz);
  int64_t local = first + (int64_t)qx_tz_offset(tz, first) * GP_USEC_PER_SEC;
  size_t cap = 0;
  for (;;) {
    int64_t u = qx_tz_to_utc(tz, local);
    if (u >= gf->hi) break;
    if (u > prev && qx_bucket(u, w, months, tz) == u) {
      if (gf->nb == GF_MAX_BUCKETS) {
        char lo[40], hi[40];
        gp_ts_format(gf->lo, lo, sizeof lo);
        gp_ts_format(gf->hi, hi, sizeof hi);
        return gp_query_err_at(err, GP_INVALID, e->pos, "gapfill() would make more than %d "
                               "buckets from %s to %s: narrow the range or widen the interval",
                               GF_MAX_BUCKETS, lo, hi);
      }
      if (gf->nb == cap) {
        cap = cap ? cap * 2 : 256;
        int64_t *nbv = GP_REALLOC(gf->b, cap * sizeof *nbv);
        if (!nbv) return qx_nomem(err);
        gf->b = nbv;
      }
      gf->b[gf->nb++] = prev = u;
    }
    if (months) local = qx_add_months(local, months, NULL);
    else if (local > INT64_MAX - w) break;
    else local += w;
  }
  b->gf = gf;
  return GP_OK;
}

typedef struct gf_order {
  const qrel *t;
  int nk, key; /* GROUP BY keys; the gapfill one */
} gf_order;

/* Series (the other keys, in GROUP BY order) first, then the bucket. */
static int cmp_gf(const void *ctx, size_t a, size_t b) {
  const gf_order *o = ctx;
  const qx_val *x = qx_rel_row(o->t, a), *y = qx_rel_row(o->t, b);
  for (int k = 0; k < o->nk; k++) {
    if (k == o->key) continue;
    int c = qx_val_cmp(&x[k], &y[k]);
    if (c) return c;
  }
  return qx_val_cmp(&x[o->key], &y[o->key]);
}

static bool same_series(const gf_order *o, const qx_val *x, const qx_val *y) {
  for (int k = 0; k < o->nk; k++)
    if (k != o->key && qx_val_cmp(&x[k], &y[k]) != 0) return false;
  return true;
}

/* Fills column c of rows [s, e) of T, which hold one series in bucket order, from the value of
 * fr's argument on each row (v, scratch of e - s values). */
/* As TimescaleDB's: the rows gapfill made (gap[i]) are filled; a row with data keeps its
 * value, a NULL one included, which locf() then carries on (locf(x, true) fills those NULLs
 * too and carries only values), and interpolate() draws its lines between rows with data
 * and a number. */
static void fill_series(qry *q, const fillref *fr, qrel *t, size_t s, size_t e, int key, int c,
                        qx_val *v, const uint8_t *gap) {
  for (size_t i = s; i < e; i++) {
    qx_row r = {0};
    r.vals = qx_rel_row(t, i);
    qx_eval(&q->ctx, fr->arg, &r, &q->pool, &v[i - s]);
  }
  size_t n = e - s;
  if (!fr->interp) {
    qx_val last = qx_null();
    for (size_t i = 0; i < n; i++) {
      if (fr->null_missing ? v[i].t == QV_NULL : gap[i]) v[i] = last;
      else last = v[i];
    }
  } else {
    /* a gap between two numbers p and i (rows with data) gets the value on the line through
     * them at its bucket's time; the product is taken before the division so that exact
     * inputs give exact midpoints */
    long p = -1;
    for (size_t i = 0; i < n; i++) {
      qx_val *ki = &qx_rel_row(t, s + i)[key];
      if (v[i].t == QV_INT) v[i] = qx_dbl((double)v[i].i);
      if (gap[i] || v[i].t != QV_DBL || ki->t != QV_TS) continue;
      if (p >= 0) {
        int64_t tp = qx_rel_row(t, s + (size_t)p)[key].i, ti = ki->i;
        for (size_t u = (size_t)p + 1; u < i; u++) {
          qx_val *ku = &qx_rel_row(t, s + u)[key];
          if (!gap[u] || v[u].t != QV_NULL || ku->t != QV_TS) continue;
          v[u] = qx_dbl(v[p].d + (v[i].d - v[p].d) * (double)(ku->i - tp) / (double)(ti - tp));
        }
      }
      p = (long)i;
    }
  }
  for (size_t i = 0; i < n; i++) qx_rel_row(t, s + i)[c] = v[i];
}

/* Replaces *tp (T: keys ++ aggregates, rows in key order) by the filled T: keys ++ aggregates
 * ++ one column per locf()/interpolate(), each series in bucket order. */
gp_rc qx_gapfill_apply(qry *q, bctx *b, const qx_agg *aggs, qrel **tp, gp_err *err) {
  const gfill *gf = b->gf;
  qrel *t = *tp, *o = NULL;
  int nk = b->nkeys, na = b->naggs, nf = b->nfills, w = nk + na + nf;
  gp_rc rc = GP_OK;
  uint8_t *gap = NULL; /* per row of the current series: made by the fill */
  size_t *idx = GP_MALLOC((t->n + 1) * sizeof *idx);
  qx_val *empty = GP_MALLOC(((size_t)na + 1) * sizeof *empty), *v = NULL;
  if (!idx || !empty) {
    rc = qx_nomem(err);
    goto cleanup;
  }
  for (int k = 0; k < na; k++) { /* an aggregate over no rows */
    qx_aggst st;
    qx_agg_init(&aggs[k], &st);
    empty[k] = qx_agg_final(&aggs[k], &st);
    qx_agg_release(&aggs[k], &st);
  }
  for (size_t i = 0; i < t->n; i++) idx[i] = i;
  gf_order go = {t, nk, gf->key};
  if ((rc = qx_sort_idx(idx, t->n, cmp_gf, &go, err))) goto cleanup;
  /* without other keys there is one series even when no row matched */
  size_t ns = nk == 1 ? 1 : 0;
  for (size_t i = 0; i < t->n && nk > 1; i++)
    ns += i == 0 || !same_series(&go, qx_rel_row(t, idx[i - 1]), qx_rel_row(t, idx[i]));
  if (ns && gf->nb > (size_t)GF_MAX_ROWS / ns) {
    rc = gp_query_err_at(err, GP_INVALID, gf->call->pos, "gapfill() would make %zu buckets "
                         "for each of %zu series, more than %d rows: narrow the range or "
                         "widen the interval", gf->nb, ns, GF_MAX_ROWS);
    goto cleanup;
  }
  if (!(o = qx_rel_new(q, w, err))) {
    rc = err->rc ? err->rc : qx_nomem(err);
    goto cleanup;
  }
  size_t maxrun = 0, s = 0;
  if (ns) do {
    size_t e = s;
    while (e < t->n && (e == s || same_series(&go, qx_rel_row(t, idx[s]), qx_rel_row(t, idx[e])))) e++;
    size_t i = s, j = 0, first = o->n;
    while (i < e || j < gf->nb) {
      const qx_val *src = i < e ? qx_rel_row(t, idx[i]) : NULL;
      qx_val bv = qx_ts(j < gf->nb ? gf->b[j] : 0);
      int c = !src ? 1 : j == gf->nb ? -1 : qx_val_cmp(&src[gf->key], &bv);
      qx_val *row = qx_rel_push(o);
      if (!row) {
        rc = qx_nomem(err);
        goto cleanup;
      }
      size_t r = o->n - 1 - first;
      if (nf && r % 1024 == 0) {
        uint8_t *ng = GP_REALLOC(gap, r + 1024);
        if (!ng) {
          rc = qx_nomem(err);
          goto cleanup;
        }
        gap = ng;
      }
      if (nf) gap[r] = c > 0;
      if (c <= 0) { /* a bucket with rows, or a row outside the range: kept as it is */
        memcpy(row, src, (size_t)(nk + na) * sizeof *row);
        i++;
        j += c == 0;
      } else {
        if (s < t->n) memcpy(row, qx_rel_row(t, idx[s]), (size_t)nk * sizeof *row);
        else for (int k = 0; k < nk; k++) row[k] = qx_null();
        row[gf->key] = bv;
        memcpy(row + nk, empty, (size_t)na * sizeof *row);
        j++;
      }
      for (int k = 0; k < nf; k++) row[nk + na + k] = qx_null();
    }
    if (o->n - first > maxrun) maxrun = o->n - first;
    if (nf) {
      qx_val *nv = GP_REALLOC(v, (maxrun + 1) * sizeof *nv);
      if (!nv) {
        rc = qx_nomem(err);
        goto cleanup;
      }
      v = nv;
      for (int k = 0; k < nf; k++)
        fill_series(q, &b->fills[k], o, first, o->n, gf->key, nk + na + k, v, gap);
    }
    s = e;
  } while (s < t->n);
  *tp = o;
cleanup:
  GP_FREE(idx);
  GP_FREE(empty);
  GP_FREE(v);
  GP_FREE(gap);
  return rc;
}
