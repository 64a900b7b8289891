/* window.c - window functions over T: each function's partitions sorted by (partition keys,
 * order keys, row), then agg.c's qx_window_eval over each partition's frames. */
#include <ctype.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec_int.h"

typedef struct win_ctx {
  const qx_val *pk; /* per T row: partition keys then order keys */
  int w;
  int np;
  const bool *desc;
  const bool *nfirst; /* per order key: NULLs before every value */
} win_ctx;

static int cmp_win(const void *ctx, size_t a, size_t b) {
  const win_ctx *c = ctx;
  const qx_val *x = c->pk + a * (size_t)c->w, *y = c->pk + b * (size_t)c->w;
  for (int j = 0; j < c->w; j++) {
    int r = j < c->np ? qx_val_cmp(&x[j], &y[j])
                      : cmp_order_key(&x[j], &y[j], c->desc[j - c->np], c->nfirst[j - c->np]);
    if (r) return r;
  }
  return (a > b) - (a < b);
}

gp_rc qx_compute_windows(qry *q, bctx *b, qrel *t, qx_val *wv, gp_err *err) {
  int nw = b->nwins;
  gp_rc rc = GP_OK;
  size_t n = t->n;
  size_t *idx = GP_MALLOC((n + 1) * sizeof *idx);
  qx_val *args = GP_MALLOC((n + 1) * sizeof *args), *res = GP_MALLOC((n + 1) * sizeof *res);
  qx_val *pk = NULL;
  if (!idx || !args || !res) {
    rc = qx_nomem(err);
    goto cleanup;
  }
  for (int w = 0; w < nw; w++) {
    winref *wr = &b->wins[w];
    int kw = wr->npart + wr->nord;
    GP_FREE(pk);
    pk = GP_MALLOC((n * (size_t)kw + 1) * sizeof *pk);
    if (!pk) {
      rc = qx_nomem(err);
      goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
      qx_row r = {0};
      r.vals = qx_rel_row(t, i);
      r.vals2 = wv + i * (size_t)nw;
      for (int j = 0; j < wr->npart; j++) qx_eval(&q->ctx, wr->part[j], &r, &q->pool, &pk[i * kw + j]);
      for (int j = 0; j < wr->nord; j++)
        qx_eval(&q->ctx, wr->ord[j], &r, &q->pool, &pk[i * kw + wr->npart + j]);
      if (wr->arg) qx_eval(&q->ctx, wr->arg, &r, &q->pool, &args[i]);
      idx[i] = i;
    }
    win_ctx wc = {pk, kw, wr->npart, wr->desc, wr->nfirst};
    if ((rc = qx_sort_idx(idx, n, cmp_win, &wc, err))) goto cleanup;
    qx_val *pv = GP_MALLOC((n + 1) * sizeof *pv);
    if (!pv) {
      rc = qx_nomem(err);
      goto cleanup;
    }
    for (size_t s = 0; s < n;) {
      size_t e = s + 1;
      while (e < n && qx_cmp_vals_n(&pk[idx[s] * kw], &pk[idx[e] * kw], wr->npart) == 0) e++;
      for (size_t i = s; i < e; i++) pv[i - s] = args[idx[i]];
      qx_window_eval(wr->kind, pv, e - s, wr->lo, wr->hi, wr->off, wr->dflt, res);
      /* RANGE's peers: rows with equal ORDER BY keys end their frame at the last of them
       * (row_number, lag and lead do not use the frame) */
      if (wr->peers && wr->kind != QW_ROW_NUMBER && wr->kind != QW_LAG && wr->kind != QW_LEAD)
        for (size_t i = e - 1; i-- > s;)
          if (qx_cmp_vals_n(&pk[idx[i] * kw + wr->npart], &pk[idx[i + 1] * kw + wr->npart], wr->nord) == 0)
            res[i - s] = res[i + 1 - s];
      for (size_t i = s; i < e; i++) wv[idx[i] * nw + w] = res[i - s];
      s = e;
    }
    GP_FREE(pv);
  }
cleanup:
  GP_FREE(pk);
  GP_FREE(idx);
  GP_FREE(args);
  GP_FREE(res);
  return rc;
}
