/* pipe.c - the row path of a SELECT's input: each row (a decoded scan row or a materialised
 * one) through the filters before the join, the hash join's probe, the filters after it, and
 * then into the thread's group table (aggregates) or its materialised rows. The vectorised
 * scan (scan_vec.c) sends here the rows it cannot take. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "exec_int.h"

uint64_t qx_eval_keys(pipe *p, const qx_row *r, qx_pool *pool, qx_val *kv) {
  uint64_t h = KEYS_HASH0;
  for (int k = 0; k < p->nkeys; k++) {
    qx_eval(p->ctx, p->keys[k], r, pool, &kv[k]);
    h = keys_hash_add(h, qx_val_hash(&kv[k]));
  }
  return keys_hash_end(h);
}

gp_rc qx_pipe_emit(pipe *p, int th, const qx_row *r, uint64_t ordinal) {
  qx_pool *pool = &p->q->tpool[th];
  for (int k = 0; k < p->npost; k++)
    if (!qx_eval_true(p->ctx, p->post[k], r, pool)) return GP_OK;
  if (p->agg) {
    qx_val kv[64];
    uint64_t h = qx_eval_keys(p, r, pool, kv);
    gtab *t = &p->g.tabs[th];
    long gi = qx_gtab_find(&p->g, t, kv, h, pool);
    if (gi < 0) return GP_NOMEM;
    qx_aggst *st = g_states(&p->g, t, (size_t)gi);
    for (int k = 0; k < p->g.na; k++)
      if (qx_agg_add(p->ctx, &p->g.aggs[k], g_st(&p->g, st, k), r, pool)) return GP_NOMEM;
    return GP_OK;
  }
  qrel *rel = p->trel[th];
  qx_val *row = qx_rel_push(rel);
  if (!row) return GP_NOMEM;
  for (int k = 0; k < p->width; k++) {
    if (!p->mat[k]) {
      row[k] = qx_null();
      continue;
    }
    qx_eval(p->ctx, p->mat[k], r, pool, &row[k]);
    if (row[k].t == QV_TEXT && p->mat[k]->op == QX_COL && p->mat[k]->src == QX_SRC_ROWS &&
        p->mat[k]->ctype == GP_T_TEXT) {
      row[k].s = qx_pool_strdup(pool, row[k].s, row[k].n); /* decoded bytes go with the unit */
      if (!row[k].s) return GP_NOMEM;
    }
  }
  row[p->width] = qx_int((int64_t)ordinal);
  if (p->topk && rel->n >= 2 * p->topk->k + 64) return qx_topk_prune(p, th);
  return GP_OK;
}

/* A top-n's cut (see qx_topk in exec_int.h). The rows are ranked by their ORDER BY keys and
 * then their ordinal, which is the order the final stable sort gives them, so the k kept by
 * each thread include every row of the answer, and the answer is the same as without the cut
 * at any thread count. The select items of each row are evaluated once, their values thrown
 * away, so that a row whose item fails (1 / 0, a bad cast) fails the statement as it does when
 * every row reaches the projection: the cut changes the cost, never the outcome. The kept rows
 * stay in store order, which sel_t relies on. */
gp_rc qx_topk_prune(pipe *p, int th) {
  qx_topk *tk = p->topk;
  qrel *rel = p->trel[th];
  qx_pool *pool = &p->q->tpool[th];
  size_t n = rel->n;
  int w = tk->no + 1;
  qx_val *kv = GP_MALLOC((n * (size_t)w + 1) * sizeof *kv);
  size_t *idx = GP_MALLOC((n + 1) * sizeof *idx);
  uint8_t *keep = GP_CALLOC(n + 1, 1);
  gp_rc rc = GP_OK;
  if (!kv || !idx || !keep) {
    rc = GP_NOMEM;
    goto cleanup;
  }
  for (size_t i = 0; i < n; i++) {
    qx_row r = {0};
    r.vals = qx_rel_row(rel, i);
    if (i >= tk->checked[th])
      for (int k = 0; k < tk->ni; k++) {
        qx_val v;
        qx_eval(p->ctx, tk->items[k], &r, pool, &v);
      }
    for (int k = 0; k < tk->no; k++) qx_eval(p->ctx, tk->keys[k], &r, pool, &kv[i * (size_t)w + k]);
    kv[i * (size_t)w + tk->no] = r.vals[p->width];
    idx[i] = i;
  }
  gp_err err = {0};
  keyed kc = {kv, w, w, tk->desc, NULL, tk->nfirst};
  if (qx_sort_idx(idx, n, qx_cmp_keyed, &kc, &err)) {
    rc = GP_NOMEM;
    goto cleanup;
  }
  size_t k = tk->k < n ? tk->k : n, m = 0;
  for (size_t j = 0; j < k; j++) keep[idx[j]] = 1;
  for (size_t i = 0; i < n; i++)
    if (keep[i]) {
      if (m != i) memcpy(qx_rel_row(rel, m), qx_rel_row(rel, i), (size_t)rel->ncols * sizeof(qx_val));
      m++;
    }
  rel->n = m;
  tk->checked[th] = m;
cleanup:
  GP_FREE(kv);
  GP_FREE(idx);
  GP_FREE(keep);
  return rc;
}

gp_rc qx_pipe_row(pipe *p, int th, qx_row *r, uint64_t ordinal) {
  qx_pool *pool = &p->q->tpool[th];
  for (int k = 0; k < p->npre; k++)
    if (!qx_eval_true(p->ctx, p->pre[k], r, pool)) return GP_OK;
  if (!p->join) return qx_pipe_emit(p, th, r, ordinal);
  jside *j = p->join;
  qx_val kv[16];
  uint64_t h = 7;
  for (int k = 0; k < j->nkeys; k++) {
    qx_eval(p->ctx, j->lkeys[k], r, pool, &kv[k]);
    if (kv[k].t == QV_NULL) goto nomatch;
    h = (h ^ qx_val_hash(&kv[k])) * 0x9E3779B97F4A7C15u;
  }
  bool hit = false;
  for (uint32_t e = j->nb ? j->head[h & (j->nb - 1)] : 0; e; e = j->next[e - 1]) {
    const qx_val *rr = qx_rel_row(j->rel, e - 1);
    qx_row r2 = *r;
    r2.vals2 = rr;
    int k = 0;
    for (; k < j->nkeys; k++) {
      qx_val v;
      qx_eval(p->ctx, j->rkeys[k], &r2, pool, &v);
      if (!qx_val_eq(&v, &kv[k])) break;
    }
    if (k < j->nkeys) continue;
    hit = true;
    gp_rc rc = qx_pipe_emit(p, th, &r2, ordinal);
    if (rc) return rc;
  }
  if (hit || !j->left_join) return GP_OK;
nomatch:
  if (!j->left_join) return GP_OK;
  {
    qx_row r2 = *r;
    r2.vals2 = j->nullrow;
    return qx_pipe_emit(p, th, &r2, ordinal);
  }
}
