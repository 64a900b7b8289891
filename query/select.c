/* select.c - a SELECT from FROM to LIMIT (qx_select): the plan is made and run in one pass
 * over the AST, in the steps described below. */
#include <ctype.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec_int.h"
#include "select_int.h"

/* How a SELECT runs (the planner and the executor are one pass over the AST):
 *  1. FROM gives an input scope: a table (rows decoded from the store, read in parallel), a
 *     materialised relation (CTE, subquery), or a table joined with a small relation (hash
 *     join: the small side is materialised and hashed on its ON keys, the big side streams).
 *  2. WHERE is split into AND-ed terms and bound. Terms comparing the table's TIME column
 *     with constants become the scan's [t_lo, t_hi), so only the partitions and units that
 *     overlap it are read, and are dropped from the filter: the scan returns only rows inside.
 *     Only the columns some expression reads are decoded (spec.cols).
 *  3. With aggregates or GROUP BY, every thread keeps its own hash table of groups with
 *     partial states (agg.c), merged at the end, groups then sorted by key so the output never
 *     depends on the thread count. When no term is left to evaluate per row and every
 *     aggregate is count/sum/min/max/avg of a column, units wholly inside the range are
 *     answered from their summaries without decoding. Without aggregates, matching rows are
 *     materialised, tagged with (unit, row) so their order is the store's order.
 *  4. The result of 3 is a relation T (group keys and aggregate values, or input columns).
 *     HAVING filters T, window functions are computed over sorted partitions of T, the select
 *     items are evaluated over T, then DISTINCT, ORDER BY (stable), OFFSET and LIMIT.
 * qx_select runs these as named steps (sel_*) over one qplan, the state they share. */


/* 1. FROM: the input (a table to scan, a materialised relation, or a table joined with a
 * materialised small side) and the scope of the columns it offers. */
static gp_rc sel_from(qry *q, gp_ast *sel, qplan *P, gp_err *err) {
  gp_rc rc = GP_OK;
  P->from = sel->select.from;
  if (P->from && P->from->kind == GP_AST_JOIN && P->from->join.left->kind == GP_AST_JOIN) {
    gp_ast *bigf = NULL;
    P->has_join = true;
    if ((rc = qx_join_chain(q, P->from, &bigf, &P->on, &P->left_join, &P->right, &P->chain_quals,
                            err)))
      return rc;
    if ((rc = qx_resolve_source(q, bigf, &P->left, err))) return rc;
    P->right.qual = "the joined small tables"; /* for EXPLAIN; columns keep their own (above) */
  } else if (P->from && P->from->kind == GP_AST_JOIN) {
    P->has_join = true;
    P->left_join = P->from->join.type == GP_JOIN_LEFT;
    P->on = P->from->join.on;
    if ((rc = qx_resolve_source(q, P->from->join.left, &P->left, err))) return rc;
    if ((rc = qx_resolve_source(q, P->from->join.right, &P->right, err))) return rc;
    if (P->right.t) { /* materialise the small side: SELECT * FROM it */
      gp_ast *tr = gp_query_arena_alloc(q->a, sizeof *tr);
      if (!tr) return qx_nomem(err);
      tr->kind = GP_AST_TABLE_REF;
      tr->pos = P->from->join.right->pos;
      tr->table.name.s = P->right.t->name;
      gp_ast *s2 = qx_select_star(q, tr, P->from->pos);
      if (!s2) return qx_nomem(err);
      const char *qual = P->right.qual;
      if ((rc = qx_select(q, s2, &P->right.rel, err))) return rc;
      P->right.t = NULL;
      P->right.qual = qual;
    }
  } else if (P->from) {
    if ((rc = qx_resolve_source(q, P->from, &P->left, err))) return rc;
  }
  if (P->from) {
    if ((rc = qx_scope_add(q, &P->sc, &P->left, P->left.t ? QX_SRC_ROWS : QX_SRC_VALS, err)))
      return rc;
    int base = P->sc.n;
    if (P->has_join && (rc = qx_scope_add(q, &P->sc, &P->right, QX_SRC_VALS2, err))) return rc;
    for (int k = 0; P->chain_quals && k < P->right.rel->ncols; k++)
      P->sc.c[base + k].qual = P->chain_quals[k];
  }
  char what[160];
  if (P->has_join)
    snprintf(what, sizeof what, "%s JOIN %s", P->left.qual ? P->left.qual : "(subquery)",
             P->right.qual ? P->right.qual : "(subquery)");
  else
    snprintf(what, sizeof what, "%s",
             P->left.t      ? P->left.t->name
             : P->left.qual ? P->left.qual
             : P->from      ? "the subquery"
                            : "(no table)");
  P->sc.what = gp_query_arena_strndup(q->a, what, strlen(what));
  return GP_OK;
}

/* The select items with * expanded, the columns they and every other clause name, and
 * whether the query aggregates. */
static gp_rc sel_items(qry *q, gp_ast *sel, qplan *P, gp_err *err) {
  P->b.q = q;
  P->b.sc = &P->sc;
  P->b.items = &sel->select.items;

  /* select items, with * expanded */
  P->items = sel->select.items;
  {
    int n = 0;
    for (uint32_t k = 0; k < P->items.n; k++) {
      gp_ast *e = P->items.v[k]->item.expr;
      if (e->kind == GP_AST_STAR) {
        int m = 0;
        for (int j = 0; j < P->sc.n; j++)
          if (!e->star.table.s ||
              (P->sc.c[j].qual && strcmp(P->sc.c[j].qual, e->star.table.s) == 0))
            m++;
        if (!m)
          return gp_query_err_at(err, GP_NOTFOUND, e->pos,
                                 e->star.table.s ? "no table \"%s\" in FROM" : "* without a FROM",
                                 e->star.table.s);
        n += m;
      } else {
        n++;
      }
    }
    gp_ast **v = gp_query_arena_alloc(q->a, (size_t)(n + 1) * sizeof *v);
    if (!v) return qx_nomem(err);
    int m = 0;
    for (uint32_t k = 0; k < P->items.n; k++) {
      gp_ast *e = P->items.v[k]->item.expr;
      if (e->kind != GP_AST_STAR) {
        v[m++] = P->items.v[k];
        continue;
      }
      for (int j = 0; j < P->sc.n; j++) {
        if (e->star.table.s && !(P->sc.c[j].qual && strcmp(P->sc.c[j].qual, e->star.table.s) == 0))
          continue;
        gp_ast *it = gp_query_arena_alloc(q->a, sizeof *it),
               *c = gp_query_arena_alloc(q->a, sizeof *c);
        if (!it || !c) return qx_nomem(err);
        c->kind = GP_AST_COLUMN;
        c->pos = e->pos;
        c->column.name.s = P->sc.c[j].name;
        c->column.table.s = P->has_join ? P->sc.c[j].qual : NULL;
        it->kind = GP_AST_SELECT_ITEM;
        it->pos = e->pos;
        it->item.expr = c;
        v[m++] = it;
      }
    }
    P->items.v = v;
    P->items.n = (uint32_t)m;
    P->b.items = &P->items;
  }

  /* referenced columns and whether there are aggregates */
  P->wc.b = &P->b;
  for (uint32_t k = 0; k < P->items.n; k++) gp_ast_walk(P->items.v[k], qx_walk_fn, &P->wc);
  if (sel->select.where) gp_ast_walk(sel->select.where, qx_walk_fn, &P->wc);
  for (uint32_t k = 0; k < sel->select.group.n; k++)
    gp_ast_walk(sel->select.group.v[k], qx_walk_fn, &P->wc);
  if (sel->select.having) gp_ast_walk(sel->select.having, qx_walk_fn, &P->wc);
  for (uint32_t k = 0; k < sel->select.order.n; k++)
    gp_ast_walk(sel->select.order.v[k], qx_walk_fn, &P->wc);
  if (P->on) gp_ast_walk(P->on, qx_walk_fn, &P->wc);
  P->agg = P->wc.any_agg || sel->select.group.n > 0 || sel->select.having;
  return GP_OK;
}

/* 2. WHERE and ON terms, bound and sorted: the join's equi-keys, the time window of the scan,
 * a spatial term's cells, filters on the small side alone, and the per-row filters before
 * (pre) and after (post) the join probe. */
/* Where each term runs, decided per term in this order, the first that applies winning:
 *  a. an ON equality between the two sides becomes a join key (the big side's expression
 *     hashed against the small side's; at most 16). A join whose ON yields none is refused
 *     rather than run as a nested loop over the big table;
 *  b. a WHERE term on the table's TIME column against a constant is absorbed into the scan's
 *     window [t_lo, t_hi) and dropped (qx_time_term, plan.c, says why and what qualifies);
 *  c. the first within/dwithin of WHERE (not with a LEFT JOIN) gives the scan its cells; it
 *     also stays a filter, because boundary cells hold rows outside the place;
 *  d. with an inner join, a term over the small side alone filters the small side as it is
 *     hashed (rfilt): once per small row instead of once per probe;
 *  e. a term over the big side alone, without a LEFT JOIN, runs before the join probe (pre),
 *     so rows that fail it never probe;
 *  f. everything else, and every remaining term of a LEFT JOIN, runs after the probe (post),
 *     where the matched or null-extended row is known.
 * The pre filters are what the scan can take further: sel_scan_open makes the first symbol
 * test the decode's keep filter, and scan_vec.c runs symbol tests as loops over dictionary
 * ids. A term the binder folded to true is dropped. gapfill's default range is the window of
 * WHERE alone, taken before the join narrows it (that narrowing depends on the data) and
 * before a warning's evaluation clock clamps it. */
static gp_rc sel_terms(qry *q, gp_ast *sel, qplan *P, gp_err *err) {
  gp_rc rc = GP_OK;
  P->p.q = q;
  P->p.ctx = &q->ctx;
  P->p.cancel = &q->s->cancel;
  gp_ast *terms[512];
  int nterms = 0;
  if (sel->select.where) qx_conjuncts(sel->select.where, terms, &nterms, 256);
  int nwhere = nterms;
  if (P->on) qx_conjuncts(P->on, terms, &nterms, 512);
  P->t_lo = INT64_MIN;
  P->t_hi = INT64_MAX;
  P->tcol = P->left.t ? P->left.t->time_col : -1;
  P->pre = gp_query_arena_alloc(q->a, (size_t)(nterms + 1) * sizeof *P->pre);
  P->post = gp_query_arena_alloc(q->a, (size_t)(nterms + 1) * sizeof *P->post);
  P->rfilt = gp_query_arena_alloc(q->a, (size_t)(nterms + 1) * sizeof *P->rfilt);
  P->js = P->has_join ? gp_query_arena_alloc(q->a, sizeof *P->js) : NULL;
  if (!P->pre || !P->post || !P->rfilt || (P->has_join && !P->js)) return qx_nomem(err);
  if (P->js) {
    P->js->lkeys = gp_query_arena_alloc(q->a, 16 * sizeof *P->js->lkeys);
    P->js->rkeys = gp_query_arena_alloc(q->a, 16 * sizeof *P->js->rkeys);
    if (!P->js->lkeys || !P->js->rkeys) return qx_nomem(err);
    P->js->rel = P->right.rel;
    P->js->left_join = P->left_join;
  }
  for (int k = 0; k < nterms; k++) {
    qx_ex *x;
    P->b.mode = B_INPUT;
    if ((rc = qx_bind(&P->b, terms[k], &x, err))) return rc;
    if (x->t && x->t != QV_BOOL && x->t != QV_NULL)
      return gp_query_err_at(err, GP_INVALID, terms[k]->pos, "%s must be a condition, not %s",
                             k < nwhere ? "WHERE" : "ON", qx_vt_name(x->t));
    if (x->op == QX_CONST && x->k.t == QV_BOOL && x->k.i) continue;
    unsigned srcs = qx_ex_srcs(x);
    bool right_only = P->has_join && srcs == (1u << QX_SRC_VALS2);
    bool left_only = !(srcs & (1u << QX_SRC_VALS2));
    if (k >= nwhere && P->has_join && x->op == QX_CMP && x->sub == GP_OP_EQ && P->js->nkeys < 16) {
      unsigned sl = qx_ex_srcs(x->args[0]), sr = qx_ex_srcs(x->args[1]);
      qx_ex *l = NULL, *r = NULL;
      if (sl && sr && !(sl & (1u << QX_SRC_VALS2)) && sr == (1u << QX_SRC_VALS2))
        l = x->args[0], r = x->args[1];
      if (sl && sr && !(sr & (1u << QX_SRC_VALS2)) && sl == (1u << QX_SRC_VALS2))
        l = x->args[1], r = x->args[0];
      if (l) {
        P->js->lkeys[P->js->nkeys] = l;
        P->js->rkeys[P->js->nkeys++] = r;
        P->colmask |= qx_ex_cols(l);
        continue;
      }
    }
    if (left_only && k < nwhere && qx_time_term(x, P->tcol, &P->t_lo, &P->t_hi)) continue;
    /* a spatial term narrows the scan to its cells; it stays a filter for boundary cells */
    if (left_only && k < nwhere && !P->left_join && !P->geo_scan && x->op == QX_FUNC &&
        (x->sub == QF_WITHIN || x->sub == QF_DWITHIN))
      P->geo_scan = x->geo;
    P->colmask |= qx_ex_cols(x);
    if (right_only && !P->left_join)
      P->rfilt[P->nrf++] = x;
    else if (left_only && (k < nwhere ? !P->left_join : true) && !(k >= nwhere && P->left_join))
      P->pre[P->p.npre++] = x;
    else
      P->post[P->p.npost++] = x;
  }
  /* gapfill()'s range comes from WHERE alone: join_window's narrowing depends on the data */
  P->where_lo = P->t_lo;
  P->where_hi = P->t_hi;
  /* a warning's evaluation clock: no scan sees rows after now() (query/warn_eval.c) */
  if (P->tcol >= 0) gp_query__clock_clamp(q->s->clock, P->left.t->id, &P->t_lo, &P->t_hi);
  if (P->has_join && P->js->nkeys == 0)
    return gp_query_err_at(err, GP_UNSUPPORTED, P->from->pos,
                           "JOIN needs an equality between the two sides in ON");
  P->p.pre = P->pre;
  P->p.post = P->post;
  return GP_OK;
}

/* The hash side of the join, and the scan window its times imply. */
static gp_rc sel_join(qry *q, qplan *P, gp_err *err) {
  if (P->js) {
    qrel *rr = P->right.rel;
    size_t nb = 16;
    while (nb < rr->n * 2) nb *= 2;
    P->js->nb = nb;
    P->js->head = gp_query_arena_alloc(q->a, nb * sizeof *P->js->head);
    P->js->next = gp_query_arena_alloc(q->a, (rr->n + 1) * sizeof *P->js->next);
    P->js->nullrow = gp_query_arena_alloc(q->a, (size_t)(rr->ncols + 1) * sizeof(qx_val));
    if (!P->js->head || !P->js->next || !P->js->nullrow) return qx_nomem(err);
    for (size_t i = rr->n; i-- > 0;) { /* inserted backwards so chains keep row order */
      qx_row r = {0};
      r.vals2 = qx_rel_row(rr, i);
      bool ok = true;
      for (int k = 0; k < P->nrf && ok; k++) ok = qx_eval_true(&q->ctx, P->rfilt[k], &r, &q->pool);
      if (!ok) continue;
      uint64_t h = 7;
      for (int k = 0; k < P->js->nkeys; k++) {
        qx_val v;
        qx_eval(&q->ctx, P->js->rkeys[k], &r, &q->pool, &v);
        if (v.t == QV_NULL) ok = false;
        h = (h ^ qx_val_hash(&v)) * 0x9E3779B97F4A7C15u;
      }
      if (!ok) continue;
      P->js->next[i] = P->js->head[h & (nb - 1)];
      P->js->head[h & (nb - 1)] = (uint32_t)(i + 1);
    }
    P->p.join = P->js;
    if (!P->left_join && P->tcol >= 0 && !q->s->no_vec)
      qx_join_window(q, P->js, P->post, P->p.npost, P->tcol, &P->t_lo, &P->t_hi);
  }
  return GP_OK;
}

/* 3. GROUP BY keys (a select item's number or alias names its expression; gapfill() binds
 * its range here), bound over the input. */
static gp_rc sel_keys(qry *q, gp_ast *sel, qplan *P, gp_err *err) {
  gp_rc rc = GP_OK;

  P->nk = (int)sel->select.group.n;
  if (P->nk > 64)
    return gp_query_err_at(err, GP_UNSUPPORTED, sel->pos, "more than 64 GROUP BY keys");
  P->keys = gp_query_arena_alloc(q->a, (size_t)(P->nk + 1) * sizeof *P->keys);
  P->gk = gp_query_arena_alloc(q->a, (size_t)(P->nk + 1) * sizeof *P->gk);
  if (!P->keys || !P->gk) return qx_nomem(err);
  for (int k = 0; k < P->nk; k++) {
    gp_ast *e = sel->select.group.v[k];
    /* GROUP BY 2 = the second select item; GROUP BY alias = that item's expression */
    if (e->kind == GP_AST_INT) {
      if (e->i.v < 1 || e->i.v > (int64_t)P->items.n)
        return gp_query_err_at(err, GP_INVALID, e->pos, "GROUP BY %lld: no such select item",
                               (long long)e->i.v);
      e = P->items.v[e->i.v - 1]->item.expr;
    } else if (e->kind == GP_AST_COLUMN && !e->column.table.s) {
      for (uint32_t j = 0; j < P->items.n; j++)
        if (P->items.v[j]->item.alias.s &&
            strcmp(P->items.v[j]->item.alias.s, e->column.name.s) == 0) {
          gp_err tmp = {0};
          gp_ast *ie = P->items.v[j]->item.expr;
          if (qx_resolve_col(&P->b, e, true, &tmp) >= 0 && ie->kind == GP_AST_COLUMN) break;
          e = ie;
          break;
        }
    }
    P->b.mode = B_INPUT;
    if (e->kind == GP_AST_CALL && strcmp(e->call.name.s, "gapfill") == 0) {
      if ((rc = qx_bind_gapfill(&P->b, e, k, P->tcol, P->where_lo, P->where_hi, &P->keys[k], err)))
        return rc;
    } else if ((rc = qx_bind(&P->b, e, &P->keys[k], err))) {
      return rc;
    }
    P->colmask |= qx_ex_cols(P->keys[k]);
    P->gk[k].dump = qx_dump_of(q, e);
    if (!P->gk[k].dump) return qx_nomem(err);
    P->gk[k].t = P->keys[k]->t;
    P->gk[k].col = -1;
    if (e->kind == GP_AST_COLUMN) {
      gp_err tmp = {0};
      P->gk[k].col = qx_resolve_col(&P->b, e, true, &tmp);
    }
  }
  P->b.keys = P->gk;
  P->b.nkeys = P->nk;
  P->b.agg_query = P->agg;
  return GP_OK;
}

/* The select items, HAVING and ORDER BY bound over T (keys then aggregates, or the scope's
 * columns), ORDER BY keys that are select items read from them. */
static gp_rc sel_post(qry *q, gp_ast *sel, qplan *P, gp_err *err) {
  gp_rc rc = GP_OK;
  /* bind select items, HAVING and ORDER BY over T */
  P->b.mode = B_POST;
  P->ni = (int)P->items.n;
  P->ix = gp_query_arena_alloc(q->a, (size_t)(P->ni + 1) * sizeof *P->ix);
  if (!P->ix) return qx_nomem(err);
  for (int k = 0; k < P->ni; k++)
    if ((rc = qx_bind(&P->b, P->items.v[k]->item.expr, &P->ix[k], err))) return rc;
  P->b.allow_alias = true;
  if (sel->select.having) {
    if ((rc = qx_bind(&P->b, sel->select.having, &P->having, err))) return rc;
  }
  P->no = (int)sel->select.order.n;
  P->ox = gp_query_arena_alloc(q->a, (size_t)(P->no + 1) * sizeof *P->ox);
  P->ocol = gp_query_arena_alloc(q->a, (size_t)(P->no + 1) * sizeof *P->ocol);
  P->odesc = gp_query_arena_alloc(q->a, (size_t)(P->no + 1));
  P->onf = gp_query_arena_alloc(q->a, (size_t)(P->no + 1));
  if (!P->ox || !P->ocol || !P->odesc || !P->onf) return qx_nomem(err);
  for (int k = 0; k < P->no; k++) {
    gp_ast *oi = sel->select.order.v[k], *e = oi->order.expr;
    P->odesc[k] = oi->order.desc;
    P->onf[k] = oi->order.nulls_first;
    P->ocol[k] = -1;
    if (e->kind == GP_AST_INT) {
      if (e->i.v < 1 || e->i.v > P->ni)
        return gp_query_err_at(err, GP_INVALID, e->pos, "ORDER BY %lld: no such select item",
                               (long long)e->i.v);
      P->ocol[k] = (int)e->i.v - 1;
      continue;
    }
    if (e->kind == GP_AST_COLUMN && !e->column.table.s)
      for (int j = 0; j < P->ni; j++)
        if (P->items.v[j]->item.alias.s &&
            strcmp(P->items.v[j]->item.alias.s, e->column.name.s) == 0) {
          P->ocol[k] = j;
          break;
        }
    if (P->ocol[k] < 0) {
      char *d = qx_dump_of(q, e);
      for (int j = 0; j < P->ni && d; j++)
        if (!P->items.v[j]->item.alias.s || true) {
          char *dj = qx_dump_of(q, P->items.v[j]->item.expr);
          if (dj && strcmp(d, dj) == 0) {
            P->ocol[k] = j;
            break;
          }
        }
    }
    if (P->ocol[k] < 0 && (rc = qx_bind(&P->b, e, &P->ox[k], err))) return rc;
  }
  P->b.allow_alias = false;
  if (P->b.nfills) { /* locf() / interpolate() columns follow the aggregates in T */
    for (int k = 0; k < P->ni; k++) qx_fill_patch(P->ix[k], P->nk + P->b.naggs);
    qx_fill_patch(P->having, P->nk + P->b.naggs);
    for (int k = 0; k < P->no; k++)
      if (P->ocol[k] < 0) qx_fill_patch(P->ox[k], P->nk + P->b.naggs);
    for (int w = 0; w < P->b.nwins; w++) {
      qx_fill_patch(P->b.wins[w].arg, P->nk + P->b.naggs);
      for (int j = 0; j < P->b.wins[w].npart; j++)
        qx_fill_patch(P->b.wins[w].part[j], P->nk + P->b.naggs);
      for (int j = 0; j < P->b.wins[w].nord; j++)
        qx_fill_patch(P->b.wins[w].ord[j], P->nk + P->b.naggs);
    }
  }
  if (P->b.nwins && sel->select.distinct)
    return gp_query_err_at(err, GP_UNSUPPORTED, sel->pos, "DISTINCT with window functions");
  return GP_OK;
}

/* A top-n (qx_topk, pipe.c) for ORDER BY ... LIMIT over input rows: not with windows or
 * DISTINCT, which need every row, nor past 2^18 rows kept, where cutting back stops paying. */
static gp_rc sel_topk(qry *q, gp_ast *sel, qplan *P, gp_err *err) {
  if (!P->no || !sel->select.limit || sel->select.distinct || P->b.nwins || P->b.gf) return GP_OK;
  int64_t lim = sel->select.limit->i.v, off = sel->select.offset ? sel->select.offset->i.v : 0;
  if (lim < 0) lim = 0;
  if (off < 0) off = 0;
  if (lim > (1 << 18) || off > (1 << 18) - lim) return GP_OK;
  qx_topk *tk = gp_query_arena_alloc(q->a, sizeof *tk);
  if (!tk) return qx_nomem(err);
  tk->k = (size_t)(lim + off);
  tk->no = P->no;
  tk->ni = P->ni;
  tk->items = P->ix;
  tk->keys = gp_query_arena_alloc(q->a, (size_t)P->no * sizeof *tk->keys);
  tk->desc = gp_query_arena_alloc(q->a, (size_t)P->no + 1);
  tk->nfirst = gp_query_arena_alloc(q->a, (size_t)P->no + 1);
  tk->checked = gp_query_arena_alloc(q->a, (size_t)P->nth * sizeof *tk->checked);
  if (!tk->keys || !tk->desc || !tk->nfirst || !tk->checked) return qx_nomem(err);
  for (int k = 0; k < P->no; k++) {
    tk->keys[k] = P->ocol[k] >= 0 ? P->ix[P->ocol[k]] : P->ox[k];
    tk->desc[k] = P->odesc[k];
    tk->nfirst[k] = P->onf[k];
  }
  tk->desc[P->no] = false;
  tk->nfirst[P->no] = false;
  memset(tk->checked, 0, (size_t)P->nth * sizeof *tk->checked);
  P->p.topk = tk;
  return GP_OK;
}

/* 4. The pipeline's state: the aggregates and their packed states, per-thread group tables,
 * or, without aggregates, the columns each row keeps. */
static gp_rc sel_pipe(qry *q, gp_ast *sel, qplan *P, gp_err *err) {
  P->nth = q->nthreads;
  P->p.agg = P->agg;
  P->p.keys = P->keys;
  P->p.nkeys = P->nk;
  P->aggs = gp_query_arena_alloc(q->a, (size_t)(P->b.naggs + 1) * sizeof *P->aggs);
  if (!P->aggs) return qx_nomem(err);
  for (int k = 0; k < P->b.naggs; k++) {
    P->aggs[k] = P->b.aggs[k].agg;
    if (P->aggs[k].arg) P->colmask |= qx_ex_cols(P->aggs[k].arg);
    if (P->aggs[k].ts) P->colmask |= qx_ex_cols(P->aggs[k].ts);
  }
  P->p.g.nk = P->nk;
  P->p.g.na = P->b.naggs;
  P->p.g.aggs = P->aggs;
  P->p.g.tabs = gp_query_arena_alloc(q->a, (size_t)P->nth * sizeof *P->p.g.tabs);
  P->p.g.mem = &q->mem;
  P->p.trel = gp_query_arena_alloc(q->a, (size_t)P->nth * sizeof *P->p.trel);
  if (!P->p.g.tabs || !P->p.trel) return qx_nomem(err);
  P->p.g.soff = gp_query_arena_alloc(q->a, ((size_t)P->b.naggs + 1) * sizeof *P->p.g.soff);
  if (!P->p.g.soff) return qx_nomem(err);
  size_t ssz = 0;
  for (int k = 0; k < P->b.naggs; k++) {
    P->p.g.soff[k] = ssz;
    ssz += qx_agg_state_size(&P->aggs[k]);
  }
  for (int k = 0; k < P->nth; k++) P->p.g.tabs[k].esz = (size_t)P->nk * sizeof(qx_val) + ssz;
  if (!P->agg) {
    P->p.width = P->sc.n;
    P->p.mat = gp_query_arena_alloc(q->a, (size_t)(P->sc.n + 1) * sizeof *P->p.mat);
    if (!P->p.mat) return qx_nomem(err);
    for (int k = 0; k < P->sc.n; k++)
      if (k >= 64 || (P->wc.mask >> k & 1)) {
        if (!(P->p.mat[k] = qx_col_ex(&P->b, k, sel->pos))) return qx_nomem(err);
        P->colmask |= qx_ex_cols(P->p.mat[k]);
      }
    for (int k = 0; k < P->nth; k++) {
      P->p.trel[k] = qx_rel_new(q, P->sc.n + 1, err);
      if (!P->p.trel[k]) return err->rc ? err->rc : qx_nomem(err);
    }
    return sel_topk(q, sel, P, err);
  }
  return GP_OK;
}


/* Chooses how the table is read, in this order, each choice narrowing the next:
 *  1. the keep filter: the first symbol test among the pre-join filters (a dictionary-id set
 *     the decode can test before reading other columns);
 *  2. the cells of a spatial term (within/dwithin), the columns some expression reads;
 *  3. summaries, when nothing is evaluated per row and every aggregate has a summary;
 *  4. else, for a latest-per-series shape, the newest partition alone (narrow);
 * then opens the scan and lets scan_vec.c (vec_plan: int64 keys, symbol filters) and scan.c
 * (uplan_make: units by series; tails_plan: series tails) decide per query what they can take.
 * When the newest partition does not answer every live series, the scan is reopened on the
 * whole window. */
static gp_rc sel_scan_open(qry *q, qplan *P, qscan *S, gp_err *err) {
  gp_rc rc = GP_OK;
  gp_scan_spec *spec = &S->spec;
  *spec = (gp_scan_spec){P->t_lo, P->t_hi, NULL, 0, 0, NULL};
  for (int k = 0; k < P->p.npre && !q->s->no_vec && !spec->keep; k++) {
    const qx_ex *x = P->p.pre[k];
    if ((x->op != QX_SYMCMP && x->op != QX_SYMIN) || x->src != QX_SRC_ROWS) continue;
    S->keep.col = x->idx;
    S->keep.neg = x->neg;
    S->keep.ids = x->op == QX_SYMCMP ? &x->k.i : x->ids;
    S->keep.nids = x->op == QX_SYMCMP ? 1 : x->nids;
    if (S->keep.ids) spec->keep = &S->keep;
  }
  if (P->geo_scan) {
    spec->cells = P->geo_scan->cells;
    spec->ncells = P->geo_scan->ncells;
  }
  if (P->tcol >= 0) P->colmask |= UINT64_C(1) << P->tcol;
  spec->cols = P->colmask ? P->colmask : 1;
  S->summaries = P->agg && P->nk == 0 && P->p.npre == 0 && P->p.npost == 0 && !P->js;
  for (int k = 0; k < P->b.naggs && S->summaries; k++)
    S->summaries = qx_agg_summary_ok(&P->aggs[k]);
  gp_store_layout tl;
  gp_table_layout(P->left.t, &tl);
  ushape ush;
  if (P->agg && !S->summaries && !q->s->no_vec && !P->geo_scan && tl.partition_us > 0 &&
      qx_uplan_shape(&P->p, P->left.t, &ush) && ush.latest &&
      P->left.t->cols[ush.scol].type == GP_T_SYMBOL) { /* INT: see qx_tails_plan */
    int64_t pn = 0;
    bool found = false;
    if ((rc = gp_store_newest_partition(gp_db_store(q->s->db), P->left.t->id, P->t_lo, P->t_hi, &pn,
                                        &found, err)))
      return rc;
    if (found && pn > INT64_MIN / tl.partition_us && pn * tl.partition_us > P->t_lo) {
      S->narrow = true;
      spec->t_lo = pn * tl.partition_us;
    }
  }
reopen:
  if ((rc = gp_scan_open(gp_db_store(q->s->db), P->left.t->id, spec, &P->scan, err))) return rc;
  P->p.nunits = gp_scan_units(P->scan);
  P->p.units = GP_MALLOC((P->p.nunits + 1) * sizeof *P->p.units);
  if (!P->p.units) return qx_nomem(err);
  S->covered = S->urows = 0;
  S->pmin = INT64_MAX;
  S->pmax = INT64_MIN;
  for (size_t i = 0; i < P->p.nunits; i++) {
    P->p.units[i] = gp_scan_unit(P->scan, i);
    S->covered += P->p.units[i]->covered;
    S->urows += P->p.units[i]->rows;
    if (P->p.units[i]->partition < S->pmin) S->pmin = P->p.units[i]->partition;
    if (P->p.units[i]->partition > S->pmax) S->pmax = P->p.units[i]->partition;
  }
  qsort(P->p.units, P->p.nunits, sizeof *P->p.units, qx_cmp_ptr);
  if (!q->s->no_vec && (rc = qx_vec_plan(&P->p, err))) return rc;
  /* a SYMBOL key with a small dictionary finds its group by array index (see vmap) */
  P->p.dsym = -1;
  for (int k = 0; k < P->p.nkeys && P->p.vk; k++)
    if (P->p.vk[k].kind == VK_COL && P->left.t->cols[P->p.vk[k].col].type == GP_T_SYMBOL) {
      size_t d = gp_db_sym_count(q->s->db, P->left.t, P->p.vk[k].col);
      if (d > 0 && d <= 65536 && P->p.dsym < 0) {
        P->p.dsym = k;
        P->p.dn = d;
      }
    }
  if (!q->s->no_vec && !S->summaries && (rc = qx_uplan_make(&P->p, P->left.t, P->scan, err)))
    return rc;
  if (P->p.up) P->p.up->t_hi = P->t_hi;
  bool tails = false;
  if (P->p.up && P->p.up->latest &&
      (rc = qx_tails_plan(&P->p, P->scan, P->left.t, spec->cols, S->narrow, &tails, err)))
    return rc;
  if (S->narrow && !tails) {
    gp_scan_close(P->scan);
    P->scan = NULL;
    GP_FREE(P->p.units);
    P->p.units = NULL;
    P->p.up = NULL;
    S->narrow = false;
    spec->t_lo = P->t_lo;
    goto reopen;
  }
  return GP_OK;
}

/* The input when it is a table: the scan planned and opened (sel_scan_open), explained, and
 * run on all threads through scan.c (see the comments there and in scan_vec.c for the choices
 * it makes per unit). */
static gp_rc sel_scan(qry *q, qplan *P, gp_err *err) {
  qscan S = {0};
  gp_rc rc = sel_scan_open(q, P, &S, err);
  if (rc) return rc;
  if (q->explain) qx_plan_explain(q, P->sel, P, &S);
  if (!q->explain || q->analyze) {
    int save = omp_get_max_threads();
    omp_set_num_threads(P->nth);
    rc = qx_run_units(&P->p, P->scan, S.summaries, err);
    omp_set_num_threads(save);
    if (rc) return rc;
    if (q->explain && P->p.up)
      qx_explain_line(q, "  -> %zu units decoded, %zu skipped by their summaries", P->p.up->read,
                      P->p.up->skipped);
  }
  return GP_OK;
}

/* The input when it is a materialised relation (or no FROM: one row). */
static gp_rc sel_rows(qry *q, qplan *P, gp_err *err) {
  gp_rc rc = GP_OK;
  if (q->explain) qx_plan_explain(q, P->sel, P, NULL);
  size_t n = P->left.rel ? P->left.rel->n : 1;
  if (q->explain && !q->analyze) n = 0;
  /* Rows of a materialised relation go through the pipeline on all threads, in contiguous
   * blocks, into the same thread-local states a scan fills (Q5c's middle query groups
   * 8,863 rows this way); below 4,096 rows one thread does it. */
  int failed = 0, cancelled = 0;
  gp_err ferr = {0}; /* the first evaluation error of the threads */
  int nt = n >= 4096 ? P->nth : 1;
#pragma omp parallel for schedule(static) num_threads(nt) reduction(| : failed, cancelled)
  for (size_t i = 0; i < n; i++) {
    if (failed | cancelled) continue;
    if (q->s->cancel) {
      cancelled = 1;
      continue;
    }
    qx_row r = {0};
    r.vals = P->left.rel ? qx_rel_row(P->left.rel, i) : NULL;
    r.th = omp_get_thread_num();
    if (qx_pipe_row(&P->p, r.th, &r, i)) failed = 1;
    if (qx_faulted()) {
#pragma omp critical(qx_fault)
      qx_fault_take(&ferr);
      failed = 1;
    }
  }
  if (ferr.rc) {
    rc = gp_err_set(err, ferr.rc, "%s", ferr.msg);
    return rc;
  }
  if (cancelled) {
    rc = gp_err_set(err, GP_CANCELLED, "cancelled");
    return rc;
  }
  if (failed) {
    rc = qx_nomem(err);
    return rc;
  }
  P->p.rows_in += n;
  return GP_OK;
}

/* 5. T: the groups in key order, the one group of a query without keys, or the rows in
 * store order; then gapfill's missing buckets. */
static gp_rc sel_t(qry *q, qplan *P, qrel **tp, gp_err *err) {
  gp_rc rc = GP_OK;
  P->t2 = qx_now_ms();
  qrel *t = NULL;
  if (P->agg && P->nk) {
    if ((rc = qx_groups_in_order(q, &P->p.g, P->nth, P->aggs, P->nk, P->b.naggs, &t, err)))
      return rc;
  } else if (P->agg) { /* no key: one group, the threads' states merged into thread 0's */
    gtab *g0 = &P->p.g.tabs[0];
    size_t most = g0->n; /* the merged table holds at most every thread's groups */
    for (int th = 1; th < P->nth; th++) most += P->p.g.tabs[th].n;
    if (P->nth > 1 && qx_gtab_reserve(&P->p.g, g0, most)) {
      rc = qx_nomem(err);
      return rc;
    }
    for (int th = 1; th < P->nth; th++) {
      gtab *gt = &P->p.g.tabs[th];
      for (size_t i = 0; i < gt->n; i++) {
        long gi = qx_gtab_find(&P->p.g, g0, g_keys(&P->p.g, gt, i), gt->hash[i], NULL);
        if (gi < 0) {
          rc = qx_nomem(err);
          return rc;
        }
        qx_aggst *d = g_states(&P->p.g, g0, (size_t)gi), *s = g_states(&P->p.g, gt, i);
        for (int k = 0; k < P->b.naggs; k++)
          if (qx_agg_merge(&P->aggs[k], g_st(&P->p.g, d, k), g_st(&P->p.g, s, k))) {
            rc = qx_nomem(err);
            return rc;
          }
      }
    }
    if (P->nk == 0 && g0->n == 0 && qx_gtab_find(&P->p.g, g0, NULL, KEYS_HASH0, &q->pool) < 0) {
      rc = qx_nomem(err);
      return rc;
    }
    t = qx_rel_new(q, P->nk + P->b.naggs, err);
    if (!t) {
      rc = err->rc ? err->rc : qx_nomem(err);
      return rc;
    }
    if (qx_rel_reserve(t, g0->n)) {
      rc = qx_nomem(err);
      return rc;
    }
    for (size_t i = 0; i < g0->n; i++) {
      qx_val *row = qx_rel_push(t);
      if (!row) {
        rc = qx_nomem(err);
        return rc;
      }
      memcpy(row, g_keys(&P->p.g, g0, i), (size_t)P->nk * sizeof *row);
      qx_aggst *st = g_states(&P->p.g, g0, i);
      for (int k = 0; k < P->b.naggs; k++)
        row[P->nk + k] = qx_agg_final(&P->aggs[k], g_st(&P->p.g, st, k));
    }
  } else {
    /* concatenate the threads' rows, in store order */
    size_t n = 0;
    for (int th = 0; th < P->nth; th++) n += P->p.trel[th]->n;
    t = P->p.trel[0];
    for (int th = 1; th < P->nth; th++)
      for (size_t i = 0; i < P->p.trel[th]->n; i++) {
        qx_val *row = qx_rel_push(t);
        if (!row) {
          rc = qx_nomem(err);
          return rc;
        }
        memcpy(row, qx_rel_row(P->p.trel[th], i), (size_t)t->ncols * sizeof *row);
      }
    if (P->nth > 1 && n > 1) {
      size_t *idx = GP_MALLOC((n + 1) * sizeof *idx);
      qx_val *nv = GP_MALLOC((n * (size_t)t->ncols + 1) * sizeof *nv);
      if (!idx || !nv) {
        GP_FREE(idx);
        GP_FREE(nv);
        rc = qx_nomem(err);
        return rc;
      }
      for (size_t i = 0; i < n; i++) idx[i] = i;
      keyed kc = {t->v + P->sc.n, t->ncols, 1, NULL, NULL, NULL}; /* the ordinal column */
      rc = qx_sort_idx(idx, n, qx_cmp_keyed, &kc, err);
      if (!rc)
        for (size_t i = 0; i < n; i++)
          memcpy(nv + i * t->ncols, qx_rel_row(t, idx[i]), (size_t)t->ncols * sizeof *nv);
      GP_FREE(idx);
      if (rc) {
        GP_FREE(nv);
        return rc;
      }
      GP_FREE(t->v);
      t->v = nv;
      t->cap = n;
    }
  }
  if (q->explain && q->analyze && P->agg)
    qx_explain_line(q, "  -> %zu groups in %.2f ms", t->n, qx_now_ms() - P->t2);
  if (P->b.gf) {
    if ((!q->explain || q->analyze) && (rc = qx_gapfill_apply(q, &P->b, P->aggs, &t, err)))
      return rc;
  }
  *tp = t;
  return GP_OK;
}

/* 6. HAVING, windows, projection, DISTINCT, ORDER BY, OFFSET, LIMIT over T. */
static gp_rc sel_finish(qry *q, gp_ast *sel, qplan *P, qrel *t, qrel **out, gp_err *err) {
  gp_rc rc = GP_OK;
  qx_val *wv = NULL;
  int nw = P->b.nwins;
  if (P->having) {
    size_t w = 0;
    for (size_t i = 0; i < t->n; i++) {
      qx_row r = {0};
      r.vals = qx_rel_row(t, i);
      if (qx_eval_true(&q->ctx, P->having, &r, &q->pool)) {
        if (w != i) memmove(qx_rel_row(t, w), qx_rel_row(t, i), (size_t)t->ncols * sizeof(qx_val));
        w++;
      }
    }
    t->n = w;
  }
  if (nw) {
    wv = GP_CALLOC(t->n * (size_t)nw + 1, sizeof *wv);
    if (!wv) {
      rc = qx_nomem(err);
      return rc;
    }
    if ((rc = qx_compute_windows(q, &P->b, t, wv, err))) {
      GP_FREE(wv);
      return rc;
    }
  }
  qrel *o = qx_rel_new(q, P->ni, err);
  int ow = P->ni + P->no;
  qx_val *okeys =
      P->no ? GP_MALLOC((t->n * (size_t)(P->no ? P->no : 1) + 1) * sizeof *okeys) : NULL;
  if (!o || (P->no && !okeys)) {
    GP_FREE(wv);
    GP_FREE(okeys);
    rc = err->rc ? err->rc : qx_nomem(err);
    return rc;
  }
  (void)ow;
  o->layers = gp_query_arena_alloc(q->a, (size_t)(P->ni + 1) * sizeof *o->layers);
  for (int k = 0; k < P->ni; k++) {
    o->names[k] = qx_item_name(q, P->items.v[k], k);
    o->types[k] = P->ix[k]->t;
    if (o->layers) o->layers[k] = qx_ex_layer(&P->b, P->ix[k], P->keys);
  }
  /* items that are columns of T (keys and aggregates, as in most grouped queries) are copied,
   * not evaluated: Q2 projects 15,455 groups; when the items are T's columns in T's order
   * (Q2's keys then its count), T's rows are taken over as they are */
  int tcolof[64];
  bool same_cols =
      P->agg && P->ni == t->ncols && P->ni <= 64 && !nw && !P->no; /* T: this query's own */
  for (int k = 0; k < P->ni && k < 64; k++) {
    tcolof[k] = P->ix[k]->op == QX_COL && P->ix[k]->src == QX_SRC_VALS ? P->ix[k]->idx : -1;
    same_cols &= tcolof[k] == k;
  }
  if (same_cols) {
    o->v = t->v;
    o->n = t->n;
    o->cap = t->cap;
    t->v = NULL;
    t->n = t->cap = 0;
  } else if (qx_rel_reserve(o, t->n)) {
    rc = qx_nomem(err);
  }
  for (size_t i = 0; i < t->n && !rc; i++) {
    qx_row r = {0};
    r.vals = qx_rel_row(t, i);
    r.vals2 = wv ? wv + i * (size_t)nw : NULL;
    qx_val *row = qx_rel_push(o);
    if (!row) {
      rc = qx_nomem(err);
      break;
    }
    for (int k = 0; k < P->ni; k++)
      if (k < 64 && tcolof[k] >= 0)
        row[k] = r.vals[tcolof[k]];
      else
        qx_eval(&q->ctx, P->ix[k], &r, &q->pool, &row[k]);
    for (int k = 0; k < P->no; k++)
      if (P->ocol[k] >= 0)
        okeys[i * P->no + k] = row[P->ocol[k]];
      else
        qx_eval(&q->ctx, P->ox[k], &r, &q->pool, &okeys[i * P->no + k]);
  }
  GP_FREE(wv);
  if (rc) {
    GP_FREE(okeys);
    return rc;
  }
  size_t n = o->n;
  if (!P->no && !sel->select.distinct && !sel->select.offset && !sel->select.limit) {
    /* nothing reorders or cuts: o is the answer as it stands */
    GP_FREE(okeys);
    if (q->explain && q->analyze)
      qx_explain_line(q, "  -> %zu rows out, %.2f ms in all", o->n, qx_now_ms() - P->t0);
    *out = o;
    return rc;
  }
  size_t *idx = GP_MALLOC((n + 1) * sizeof *idx);
  if (!idx) {
    GP_FREE(okeys);
    rc = qx_nomem(err);
    return rc;
  }
  for (size_t i = 0; i < n; i++) idx[i] = i;
  if (P->no) {
    keyed kc = {okeys, P->no, P->no, P->odesc, NULL, P->onf};
    rc = qx_sort_idx(idx, n, qx_cmp_keyed, &kc, err);
  }
  if (!rc && sel->select.distinct) {
    /* keep the first of each run of equal rows, found by sorting on all columns */
    size_t *d = GP_MALLOC((n + 1) * sizeof *d);
    uint8_t *keep = GP_CALLOC(n + 1, 1);
    if (!d || !keep)
      rc = qx_nomem(err);
    else {
      for (size_t i = 0; i < n; i++) d[i] = idx[i];
      keyed kc = {o->v, P->ni ? P->ni : 1, P->ni, NULL, NULL, NULL};
      rc = qx_sort_idx(d, n, qx_cmp_keyed, &kc, err);
      for (size_t i = 0; i < n && !rc; i++)
        keep[d[i]] =
            i == 0 || qx_cmp_vals_n(qx_rel_row(o, d[i - 1]), qx_rel_row(o, d[i]), P->ni) != 0;
      size_t m = 0;
      for (size_t i = 0; i < n; i++)
        if (keep[idx[i]]) idx[m++] = idx[i];
      n = m;
    }
    GP_FREE(d);
    GP_FREE(keep);
  }
  GP_FREE(okeys);
  if (rc) {
    GP_FREE(idx);
    return rc;
  }
  size_t off = 0, lim = n;
  if (sel->select.offset) off = sel->select.offset->i.v > 0 ? (size_t)sel->select.offset->i.v : 0;
  if (sel->select.limit) lim = sel->select.limit->i.v > 0 ? (size_t)sel->select.limit->i.v : 0;
  if (off > n) off = n;
  if (lim > n - off) lim = n - off;
  qx_val *nv = GP_MALLOC((lim * (size_t)(P->ni ? P->ni : 1) + 1) * sizeof *nv);
  if (!nv) {
    GP_FREE(idx);
    rc = qx_nomem(err);
    return rc;
  }
  for (size_t i = 0; i < lim; i++)
    memcpy(nv + i * (size_t)(P->ni ? P->ni : 1), qx_rel_row(o, idx[off + i]),
           (size_t)(P->ni ? P->ni : 1) * sizeof *nv);
  GP_FREE(idx);
  GP_FREE(o->v);
  o->v = nv;
  o->n = o->cap = lim;
  if (q->explain && q->analyze)
    qx_explain_line(q, "  -> %zu rows out, %.2f ms in all", o->n, qx_now_ms() - P->t0);
  *out = o;
  return rc;
}

/* Everything the scan and the group tables hold outside the arena. */
static void sel_cleanup(qry *q, qplan *P) {
  (void)q;
  for (int k = 0; k < P->nth && P->p.g.tabs; k++) qx_gtab_free(&P->p.g, &P->p.g.tabs[k]);
  for (int k = 0; k < P->nth && P->p.vmaps; k++) qx_vmap_free(&P->p.vmaps[k]);
  for (int k = 0; k < P->nth && P->p.jcs; k++) GP_FREE(P->p.jcs[k].st);
  GP_FREE(P->p.units);
  if (P->p.up) gp_rows_free(&P->p.up->tailrows);
  gp_scan_close(P->scan);
}

gp_rc qx_select(qry *q, gp_ast *sel, qrel **out, gp_err *err) {
  gp_rc rc = GP_OK;
  int saved_ctes = q->nctes;
  for (uint32_t k = 0; k < sel->select.with.n; k++) {
    gp_ast *c = sel->select.with.v[k];
    qrel *r;
    if ((rc = qx_select(q, c->cte.select, &r, err))) return rc;
    if (q->nctes == 16)
      return gp_query_err_at(err, GP_UNSUPPORTED, c->pos, "too many WITH queries");
    q->ctes[q->nctes].name = c->cte.name.s;
    q->ctes[q->nctes++].rel = r;
  }
  if (sel->select.setop) { /* UNION, INTERSECT, EXCEPT: setop.c, within this WITH's scope */
    rc = qx_setop(q, sel, out, err);
    q->nctes = saved_ctes;
    return rc;
  }
  qplan plan = {0}, *P = &plan;
  P->t0 = qx_now_ms();
  P->sel = sel;
  /* Planning, in an order where each step may assume the ones before it: sel_from resolves
   * the sources (subqueries and a join's small side have run by now), so sel_items can expand
   * * over a known scope; sel_terms binds WHERE and ON over that scope and must precede
   * sel_join (the hash side is filtered by rfilt, keyed by ON's keys) and sel_keys (gapfill's
   * default range is WHERE's window); sel_keys precedes sel_post, because the select items,
   * HAVING and ORDER BY are bound over T, whose columns are the keys then the aggregates that
   * binding collects; sel_pipe comes last: it sizes the per-thread states from those
   * aggregates, and only then is a top-n chosen (it needs the bound items and order keys).
   * Planning allocates only in the arena, so an error returns at once; the scan is opened
   * when the input runs, so that EXPLAIN prints what the opened scan chose
   * (qx_plan_explain, plan_explain.c), and sel_cleanup releases it on every path. */
  if ((rc = sel_from(q, sel, P, err)) || (rc = sel_items(q, sel, P, err)) ||
      (rc = sel_terms(q, sel, P, err)) || (rc = sel_join(q, P, err)) ||
      (rc = sel_keys(q, sel, P, err)) || (rc = sel_post(q, sel, P, err)) ||
      (rc = sel_pipe(q, sel, P, err)))
    return rc;
  /* running */
  P->t1 = qx_now_ms();
  rc = P->left.t ? sel_scan(q, P, err) : sel_rows(q, P, err);
  if (!rc) {
    P->rows_before = P->p.rows_in;
    if (q->explain && q->analyze)
      qx_explain_line(q, "  -> %zu rows in %.2f ms%s", P->rows_before, qx_now_ms() - P->t1,
                      P->p.units_summary ? " (some units from summaries)" : "");
    qrel *t = NULL;
    rc = sel_t(q, P, &t, err);
    if (!rc) rc = sel_finish(q, sel, P, t, out, err);
  }
  sel_cleanup(q, P);
  q->nctes = saved_ctes;
  return rc;
}
