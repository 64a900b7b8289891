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


gp_rc qx_select(qry *q, gp_ast *sel, qrel **out, gp_err *err) {
  gp_rc rc = GP_OK;
  int saved_ctes = q->nctes;
  for (uint32_t k = 0; k < sel->select.with.n; k++) {
    gp_ast *c = sel->select.with.v[k];
    qrel *r;
    if ((rc = qx_select(q, c->cte.select, &r, err))) return rc;
    if (q->nctes == 16) return gp_query_err_at(err, GP_UNSUPPORTED, c->pos, "too many WITH queries");
    q->ctes[q->nctes].name = c->cte.name.s;
    q->ctes[q->nctes++].rel = r;
  }
  double t0 = qx_now_ms();
  /* 1. FROM */
  source left = {0}, right = {0};
  gp_ast *from = sel->select.from, *on = NULL;
  bool has_join = false, left_join = false;
  scope sc = {0};
  const char **chain_quals = NULL;
  if (from && from->kind == GP_AST_JOIN && from->join.left->kind == GP_AST_JOIN) {
    gp_ast *bigf = NULL;
    has_join = true;
    if ((rc = qx_join_chain(q, from, &bigf, &on, &left_join, &right, &chain_quals, err))) return rc;
    if ((rc = qx_resolve_source(q, bigf, &left, err))) return rc;
    right.qual = "the joined small tables"; /* for EXPLAIN; columns keep their own (above) */
  } else if (from && from->kind == GP_AST_JOIN) {
    has_join = true;
    left_join = from->join.type == GP_JOIN_LEFT;
    on = from->join.on;
    if ((rc = qx_resolve_source(q, from->join.left, &left, err))) return rc;
    if ((rc = qx_resolve_source(q, from->join.right, &right, err))) return rc;
    if (right.t) { /* materialise the small side: SELECT * FROM it */
      gp_ast *tr = gp_query_arena_alloc(q->a, sizeof *tr);
      if (!tr) return qx_nomem(err);
      tr->kind = GP_AST_TABLE_REF;
      tr->pos = from->join.right->pos;
      tr->table.name.s = right.t->name;
      gp_ast *s2 = qx_select_star(q, tr, from->pos);
      if (!s2) return qx_nomem(err);
      const char *qual = right.qual;
      if ((rc = qx_select(q, s2, &right.rel, err))) return rc;
      right.t = NULL;
      right.qual = qual;
    }
  } else if (from) {
    if ((rc = qx_resolve_source(q, from, &left, err))) return rc;
  }
  if (from) {
    if ((rc = qx_scope_add(q, &sc, &left, left.t ? QX_SRC_ROWS : QX_SRC_VALS, err))) return rc;
    int base = sc.n;
    if (has_join && (rc = qx_scope_add(q, &sc, &right, QX_SRC_VALS2, err))) return rc;
    for (int k = 0; chain_quals && k < right.rel->ncols; k++) sc.c[base + k].qual = chain_quals[k];
  }
  char what[160];
  if (has_join) snprintf(what, sizeof what, "%s JOIN %s", left.qual ? left.qual : "(subquery)", right.qual ? right.qual : "(subquery)");
  else snprintf(what, sizeof what, "%s", left.t ? left.t->name : left.qual ? left.qual : from ? "the subquery" : "(no table)");
  sc.what = gp_query_arena_strndup(q->a, what, strlen(what));

  bctx b = {0};
  b.q = q;
  b.sc = &sc;
  b.items = &sel->select.items;

  /* select items, with * expanded */
  gp_ast_list items = sel->select.items;
  {
    int n = 0;
    for (uint32_t k = 0; k < items.n; k++) {
      gp_ast *e = items.v[k]->item.expr;
      if (e->kind == GP_AST_STAR) {
        int m = 0;
        for (int j = 0; j < sc.n; j++)
          if (!e->star.table.s || (sc.c[j].qual && strcmp(sc.c[j].qual, e->star.table.s) == 0)) m++;
        if (!m)
          return gp_query_err_at(err, GP_NOTFOUND, e->pos, e->star.table.s ? "no table \"%s\" in FROM" : "* without a FROM", e->star.table.s);
        n += m;
      } else {
        n++;
      }
    }
    gp_ast **v = gp_query_arena_alloc(q->a, (size_t)(n + 1) * sizeof *v);
    if (!v) return qx_nomem(err);
    int m = 0;
    for (uint32_t k = 0; k < items.n; k++) {
      gp_ast *e = items.v[k]->item.expr;
      if (e->kind != GP_AST_STAR) {
        v[m++] = items.v[k];
        continue;
      }
      for (int j = 0; j < sc.n; j++) {
        if (e->star.table.s && !(sc.c[j].qual && strcmp(sc.c[j].qual, e->star.table.s) == 0)) continue;
        gp_ast *it = gp_query_arena_alloc(q->a, sizeof *it), *c = gp_query_arena_alloc(q->a, sizeof *c);
        if (!it || !c) return qx_nomem(err);
        c->kind = GP_AST_COLUMN;
        c->pos = e->pos;
        c->column.name.s = sc.c[j].name;
        c->column.table.s = has_join ? sc.c[j].qual : NULL;
        it->kind = GP_AST_SELECT_ITEM;
        it->pos = e->pos;
        it->item.expr = c;
        v[m++] = it;
      }
    }
    items.v = v;
    items.n = (uint32_t)m;
    b.items = &items;
  }

  /* referenced columns and whether there are aggregates */
  walk_ctx wc = {&b, 0, false};
  for (uint32_t k = 0; k < items.n; k++) gp_ast_walk(items.v[k], qx_walk_fn, &wc);
  if (sel->select.where) gp_ast_walk(sel->select.where, qx_walk_fn, &wc);
  for (uint32_t k = 0; k < sel->select.group.n; k++) gp_ast_walk(sel->select.group.v[k], qx_walk_fn, &wc);
  if (sel->select.having) gp_ast_walk(sel->select.having, qx_walk_fn, &wc);
  for (uint32_t k = 0; k < sel->select.order.n; k++) gp_ast_walk(sel->select.order.v[k], qx_walk_fn, &wc);
  if (on) gp_ast_walk(on, qx_walk_fn, &wc);
  bool agg = wc.any_agg || sel->select.group.n > 0 || sel->select.having;

  /* 2. WHERE and ON terms */
  pipe p = {0};
  p.q = q;
  p.ctx = &q->ctx;
  p.cancel = &q->s->cancel;
  gp_ast *terms[512];
  int nterms = 0;
  if (sel->select.where) qx_conjuncts(sel->select.where, terms, &nterms, 256);
  int nwhere = nterms;
  if (on) qx_conjuncts(on, terms, &nterms, 512);
  int64_t t_lo = INT64_MIN, t_hi = INT64_MAX;
  int tcol = left.t ? left.t->time_col : -1;
  qx_ex **pre = gp_query_arena_alloc(q->a, (size_t)(nterms + 1) * sizeof *pre);
  qx_ex **post = gp_query_arena_alloc(q->a, (size_t)(nterms + 1) * sizeof *post);
  qx_ex **rfilt = gp_query_arena_alloc(q->a, (size_t)(nterms + 1) * sizeof *rfilt);
  jside *js = has_join ? gp_query_arena_alloc(q->a, sizeof *js) : NULL;
  if (!pre || !post || !rfilt || (has_join && !js)) return qx_nomem(err);
  int nrf = 0;
  uint64_t colmask = 0;
  qx_geo *geo_scan = NULL;
  if (js) {
    js->lkeys = gp_query_arena_alloc(q->a, 16 * sizeof *js->lkeys);
    js->rkeys = gp_query_arena_alloc(q->a, 16 * sizeof *js->rkeys);
    if (!js->lkeys || !js->rkeys) return qx_nomem(err);
    js->rel = right.rel;
    js->left_join = left_join;
  }
  for (int k = 0; k < nterms; k++) {
    qx_ex *x;
    b.mode = B_INPUT;
    if ((rc = qx_bind(&b, terms[k], &x, err))) return rc;
    if (x->t && x->t != QV_BOOL && x->t != QV_NULL)
      return gp_query_err_at(err, GP_INVALID, terms[k]->pos, "%s must be a condition, not %s",
                             k < nwhere ? "WHERE" : "ON", qx_vt_name(x->t));
    if (x->op == QX_CONST && x->k.t == QV_BOOL && x->k.i) continue;
    unsigned srcs = qx_ex_srcs(x);
    bool right_only = has_join && srcs == (1u << QX_SRC_VALS2);
    bool left_only = !(srcs & (1u << QX_SRC_VALS2));
    if (k >= nwhere && has_join && x->op == QX_CMP && x->sub == GP_OP_EQ && js->nkeys < 16) {
      unsigned sl = qx_ex_srcs(x->args[0]), sr = qx_ex_srcs(x->args[1]);
      qx_ex *l = NULL, *r = NULL;
      if (sl && sr && !(sl & (1u << QX_SRC_VALS2)) && sr == (1u << QX_SRC_VALS2)) l = x->args[0], r = x->args[1];
      if (sl && sr && !(sr & (1u << QX_SRC_VALS2)) && sl == (1u << QX_SRC_VALS2)) l = x->args[1], r = x->args[0];
      if (l) {
        js->lkeys[js->nkeys] = l;
        js->rkeys[js->nkeys++] = r;
        colmask |= qx_ex_cols(l);
        continue;
      }
    }
    if (left_only && k < nwhere && qx_time_term(x, tcol, &t_lo, &t_hi)) continue;
    /* a spatial term narrows the scan to its cells; it stays a filter for boundary cells */
    if (left_only && k < nwhere && !left_join && !geo_scan && x->op == QX_FUNC &&
        (x->sub == QF_WITHIN || x->sub == QF_DWITHIN))
      geo_scan = x->geo;
    colmask |= qx_ex_cols(x);
    if (right_only && !left_join) rfilt[nrf++] = x;
    else if (left_only && (k < nwhere ? !left_join : true) && !(k >= nwhere && left_join)) pre[p.npre++] = x;
    else post[p.npost++] = x;
  }
  /* gapfill()'s range comes from WHERE alone: join_window's narrowing depends on the data */
  int64_t where_lo = t_lo, where_hi = t_hi;
  if (tcol >= 0) gp_query__clock_clamp(q->s->clock, left.t->id, &t_lo, &t_hi); /* warnings */
  if (has_join && js->nkeys == 0)
    return gp_query_err_at(err, GP_UNSUPPORTED, from->pos, "JOIN needs an equality between the two sides in ON");
  p.pre = pre;
  p.post = post;

  /* build the hash side of the join */
  if (js) {
    qrel *rr = right.rel;
    size_t nb = 16;
    while (nb < rr->n * 2) nb *= 2;
    js->nb = nb;
    js->head = gp_query_arena_alloc(q->a, nb * sizeof *js->head);
    js->next = gp_query_arena_alloc(q->a, (rr->n + 1) * sizeof *js->next);
    js->nullrow = gp_query_arena_alloc(q->a, (size_t)(rr->ncols + 1) * sizeof(qx_val));
    if (!js->head || !js->next || !js->nullrow) return qx_nomem(err);
    for (size_t i = rr->n; i-- > 0;) { /* inserted backwards so chains keep row order */
      qx_row r = {0};
      r.vals2 = qx_rel_row(rr, i);
      bool ok = true;
      for (int k = 0; k < nrf && ok; k++) ok = qx_eval_true(&q->ctx, rfilt[k], &r, &q->pool);
      if (!ok) continue;
      uint64_t h = 7;
      for (int k = 0; k < js->nkeys; k++) {
        qx_val v;
        qx_eval(&q->ctx, js->rkeys[k], &r, &q->pool, &v);
        if (v.t == QV_NULL) ok = false;
        h = (h ^ qx_val_hash(&v)) * 0x9E3779B97F4A7C15u;
      }
      if (!ok) continue;
      js->next[i] = js->head[h & (nb - 1)];
      js->head[h & (nb - 1)] = (uint32_t)(i + 1);
    }
    p.join = js;
    if (!left_join && tcol >= 0 && !q->s->no_vec) qx_join_window(q, js, post, p.npost, tcol, &t_lo, &t_hi);
  }

  /* 3. GROUP BY keys and the T layout */
  int nk = (int)sel->select.group.n;
  if (nk > 64) return gp_query_err_at(err, GP_UNSUPPORTED, sel->pos, "more than 64 GROUP BY keys");
  qx_ex **keys = gp_query_arena_alloc(q->a, (size_t)(nk + 1) * sizeof *keys);
  gkey *gk = gp_query_arena_alloc(q->a, (size_t)(nk + 1) * sizeof *gk);
  if (!keys || !gk) return qx_nomem(err);
  for (int k = 0; k < nk; k++) {
    gp_ast *e = sel->select.group.v[k];
    /* GROUP BY 2 = the second select item; GROUP BY alias = that item's expression */
    if (e->kind == GP_AST_INT) {
      if (e->i.v < 1 || e->i.v > (int64_t)items.n)
        return gp_query_err_at(err, GP_INVALID, e->pos, "GROUP BY %lld: no such select item", (long long)e->i.v);
      e = items.v[e->i.v - 1]->item.expr;
    } else if (e->kind == GP_AST_COLUMN && !e->column.table.s) {
      for (uint32_t j = 0; j < items.n; j++)
        if (items.v[j]->item.alias.s && strcmp(items.v[j]->item.alias.s, e->column.name.s) == 0) {
          gp_err tmp = {0};
          gp_ast *ie = items.v[j]->item.expr;
          if (qx_resolve_col(&b, e, true, &tmp) >= 0 && ie->kind == GP_AST_COLUMN) break;
          e = ie;
          break;
        }
    }
    b.mode = B_INPUT;
    if (e->kind == GP_AST_CALL && strcmp(e->call.name.s, "gapfill") == 0) {
      if ((rc = qx_bind_gapfill(&b, e, k, tcol, where_lo, where_hi, &keys[k], err))) return rc;
    } else if ((rc = qx_bind(&b, e, &keys[k], err))) {
      return rc;
    }
    colmask |= qx_ex_cols(keys[k]);
    gk[k].dump = qx_dump_of(q, e);
    if (!gk[k].dump) return qx_nomem(err);
    gk[k].t = keys[k]->t;
    gk[k].col = -1;
    if (e->kind == GP_AST_COLUMN) {
      gp_err tmp = {0};
      gk[k].col = qx_resolve_col(&b, e, true, &tmp);
    }
  }
  b.keys = gk;
  b.nkeys = nk;
  b.agg_query = agg;
  /* bind select items, HAVING and ORDER BY over T */
  b.mode = B_POST;
  int ni = (int)items.n;
  qx_ex **ix = gp_query_arena_alloc(q->a, (size_t)(ni + 1) * sizeof *ix);
  if (!ix) return qx_nomem(err);
  for (int k = 0; k < ni; k++)
    if ((rc = qx_bind(&b, items.v[k]->item.expr, &ix[k], err))) return rc;
  qx_ex *having = NULL;
  b.allow_alias = true;
  if (sel->select.having) {
    if ((rc = qx_bind(&b, sel->select.having, &having, err))) return rc;
  }
  int no = (int)sel->select.order.n;
  qx_ex **ox = gp_query_arena_alloc(q->a, (size_t)(no + 1) * sizeof *ox);
  int *ocol = gp_query_arena_alloc(q->a, (size_t)(no + 1) * sizeof *ocol);
  bool *odesc = gp_query_arena_alloc(q->a, (size_t)(no + 1));
  bool *onf = gp_query_arena_alloc(q->a, (size_t)(no + 1));
  if (!ox || !ocol || !odesc || !onf) return qx_nomem(err);
  for (int k = 0; k < no; k++) {
    gp_ast *oi = sel->select.order.v[k], *e = oi->order.expr;
    odesc[k] = oi->order.desc;
    onf[k] = oi->order.nulls_first;
    ocol[k] = -1;
    if (e->kind == GP_AST_INT) {
      if (e->i.v < 1 || e->i.v > ni)
        return gp_query_err_at(err, GP_INVALID, e->pos, "ORDER BY %lld: no such select item", (long long)e->i.v);
      ocol[k] = (int)e->i.v - 1;
      continue;
    }
    if (e->kind == GP_AST_COLUMN && !e->column.table.s)
      for (int j = 0; j < ni; j++)
        if (items.v[j]->item.alias.s && strcmp(items.v[j]->item.alias.s, e->column.name.s) == 0) {
          ocol[k] = j;
          break;
        }
    if (ocol[k] < 0) {
      char *d = qx_dump_of(q, e);
      for (int j = 0; j < ni && d; j++)
        if (!items.v[j]->item.alias.s || true) {
          char *dj = qx_dump_of(q, items.v[j]->item.expr);
          if (dj && strcmp(d, dj) == 0) {
            ocol[k] = j;
            break;
          }
        }
    }
    if (ocol[k] < 0 && (rc = qx_bind(&b, e, &ox[k], err))) return rc;
  }
  b.allow_alias = false;
  if (b.nfills) { /* locf() / interpolate() columns follow the aggregates in T */
    for (int k = 0; k < ni; k++) qx_fill_patch(ix[k], nk + b.naggs);
    qx_fill_patch(having, nk + b.naggs);
    for (int k = 0; k < no; k++)
      if (ocol[k] < 0) qx_fill_patch(ox[k], nk + b.naggs);
    for (int w = 0; w < b.nwins; w++) {
      qx_fill_patch(b.wins[w].arg, nk + b.naggs);
      for (int j = 0; j < b.wins[w].npart; j++) qx_fill_patch(b.wins[w].part[j], nk + b.naggs);
      for (int j = 0; j < b.wins[w].nord; j++) qx_fill_patch(b.wins[w].ord[j], nk + b.naggs);
    }
  }
  if (b.nwins && sel->select.distinct)
    return gp_query_err_at(err, GP_UNSUPPORTED, sel->pos, "DISTINCT with window functions");

  /* 4. run the input through the pipeline */
  int nth = q->nthreads;
  p.agg = agg;
  p.keys = keys;
  p.nkeys = nk;
  qx_agg *aggs = gp_query_arena_alloc(q->a, (size_t)(b.naggs + 1) * sizeof *aggs);
  if (!aggs) return qx_nomem(err);
  for (int k = 0; k < b.naggs; k++) {
    aggs[k] = b.aggs[k].agg;
    if (aggs[k].arg) colmask |= qx_ex_cols(aggs[k].arg);
    if (aggs[k].ts) colmask |= qx_ex_cols(aggs[k].ts);
  }
  p.g.nk = nk;
  p.g.na = b.naggs;
  p.g.aggs = aggs;
  p.g.tabs = gp_query_arena_alloc(q->a, (size_t)nth * sizeof *p.g.tabs);
  p.g.mem = &q->mem;
  p.trel = gp_query_arena_alloc(q->a, (size_t)nth * sizeof *p.trel);
  if (!p.g.tabs || !p.trel) return qx_nomem(err);
  p.g.soff = gp_query_arena_alloc(q->a, ((size_t)b.naggs + 1) * sizeof *p.g.soff);
  if (!p.g.soff) return qx_nomem(err);
  size_t ssz = 0;
  for (int k = 0; k < b.naggs; k++) {
    p.g.soff[k] = ssz;
    ssz += qx_agg_state_size(&aggs[k]);
  }
  for (int k = 0; k < nth; k++) p.g.tabs[k].esz = (size_t)nk * sizeof(qx_val) + ssz;
  if (!agg) {
    p.width = sc.n;
    p.mat = gp_query_arena_alloc(q->a, (size_t)(sc.n + 1) * sizeof *p.mat);
    if (!p.mat) return qx_nomem(err);
    for (int k = 0; k < sc.n; k++)
      if (k >= 64 || (wc.mask >> k & 1)) {
        if (!(p.mat[k] = qx_col_ex(&b, k, sel->pos))) return qx_nomem(err);
        colmask |= qx_ex_cols(p.mat[k]);
      }
    for (int k = 0; k < nth; k++) {
      p.trel[k] = qx_rel_new(q, sc.n + 1, err);
      if (!p.trel[k]) return err->rc ? err->rc : qx_nomem(err);
    }
  }
  gp_scan *scan = NULL;
  size_t rows_before = 0;
  double t1 = qx_now_ms();
  if (left.t) {
    gp_scan_spec spec = {t_lo, t_hi, NULL, 0, 0, NULL};
    /* The first symbol test among the filters goes down into the decode, which then reads
     * the other columns only at the rows it keeps (Q2: 4.6% of August's events are c003).
     * Not with SET vectorize = false, so that tests compare against the plain scan. */
    gp_scan_keep keep = {0};
    for (int k = 0; k < p.npre && !q->s->no_vec && !spec.keep; k++) {
      const qx_ex *x = p.pre[k];
      if ((x->op != QX_SYMCMP && x->op != QX_SYMIN) || x->src != QX_SRC_ROWS) continue;
      keep.col = x->idx;
      keep.neg = x->neg;
      keep.ids = x->op == QX_SYMCMP ? &x->k.i : x->ids;
      keep.nids = x->op == QX_SYMCMP ? 1 : x->nids;
      if (keep.ids) spec.keep = &keep;
    }
    if (geo_scan) {
      spec.cells = geo_scan->cells;
      spec.ncells = geo_scan->ncells;
    }
    if (tcol >= 0) colmask |= UINT64_C(1) << tcol;
    spec.cols = colmask ? colmask : 1;
    bool summaries = agg && nk == 0 && p.npre == 0 && p.npost == 0 && !js;
    for (int k = 0; k < b.naggs && summaries; k++) summaries = qx_agg_summary_ok(&aggs[k]);
    /* a latest-per-series query tries the newest partition alone first (see tails_plan) */
    bool narrow = false;
    gp_store_layout tl;
    gp_table_layout(left.t, &tl);
    ushape ush;
    if (agg && !summaries && !q->s->no_vec && !geo_scan && tl.partition_us > 0 &&
        qx_uplan_shape(&p, left.t, &ush) && ush.latest) {
      int64_t pn = 0;
      bool found = false;
      if ((rc = gp_store_newest_partition(gp_db_store(q->s->db), left.t->id, t_lo, t_hi, &pn,
                                          &found, err)))
        goto cleanup;
      if (found && pn > INT64_MIN / tl.partition_us && pn * tl.partition_us > t_lo) {
        narrow = true;
        spec.t_lo = pn * tl.partition_us;
      }
    }
  reopen:
    if ((rc = gp_scan_open(gp_db_store(q->s->db), left.t->id, &spec, &scan, err))) goto cleanup;
    p.nunits = gp_scan_units(scan);
    p.units = GP_MALLOC((p.nunits + 1) * sizeof *p.units);
    if (!p.units) {
      rc = qx_nomem(err);
      goto cleanup;
    }
    size_t covered = 0, urows = 0;
    int64_t pmin = INT64_MAX, pmax = INT64_MIN;
    for (size_t i = 0; i < p.nunits; i++) {
      p.units[i] = gp_scan_unit(scan, i);
      covered += p.units[i]->covered;
      urows += p.units[i]->rows;
      if (p.units[i]->partition < pmin) pmin = p.units[i]->partition;
      if (p.units[i]->partition > pmax) pmax = p.units[i]->partition;
    }
    qsort(p.units, p.nunits, sizeof *p.units, qx_cmp_ptr);
    if (!q->s->no_vec && (rc = qx_vec_plan(&p, err))) goto cleanup;
    p.dsym = -1;
    for (int k = 0; k < p.nkeys && p.vk; k++)
      if (p.vk[k].kind == VK_COL && left.t->cols[p.vk[k].col].type == GP_T_SYMBOL) {
        size_t d = gp_db_sym_count(q->s->db, left.t, p.vk[k].col);
        if (d > 0 && d <= 65536 && p.dsym < 0) {
          p.dsym = k;
          p.dn = d;
        }
      }
    if (!q->s->no_vec && !summaries && (rc = qx_uplan_make(&p, left.t, scan, err))) goto cleanup;
    bool tails = false;
    if (p.up && p.up->latest &&
        (rc = qx_tails_plan(&p, scan, left.t, spec.cols, narrow, &tails, err)))
      goto cleanup;
    if (narrow && !tails) {
      gp_scan_close(scan);
      scan = NULL;
      GP_FREE(p.units);
      p.units = NULL;
      p.up = NULL;
      narrow = false;
      spec.t_lo = t_lo;
      goto reopen;
    }
    if (q->explain) {
      char lo[40] = "-inf", hi[40] = "+inf";
      if (t_lo != INT64_MIN) gp_ts_format(t_lo, lo, sizeof lo);
      if (t_hi != INT64_MAX) gp_ts_format(t_hi, hi, sizeof hi);
      int ncols = 0;
      for (int k = 0; k < 64; k++) ncols += (int)(spec.cols >> k & 1);
      qx_explain_line(q, "scan %s  time [%s, %s)  columns %d of %d", left.t->name, lo, hi, ncols, left.t->ncols);
      if (geo_scan) qx_explain_line(q, "  cells: %zu ranges (%s)", geo_scan->ncells, geo_scan->what);
      if (p.nunits)
        qx_explain_line(q, "  partitions %lld..%lld, %zu units (%zu rows), %zu covered%s", (long long)pmin,
                     (long long)pmax, p.nunits, urows, covered, summaries && covered ? " (answered from summaries)" : "");
      else qx_explain_line(q, "  no unit overlaps the range");
      if (p.npre + p.npost) qx_explain_line(q, "  filter: %d term%s per row", p.npre + p.npost, p.npre + p.npost == 1 ? "" : "s");
      if (spec.keep)
        qx_explain_line(q, "  filter on %s in the decode: units without a match skipped", left.t->cols[spec.keep->col].name);
      if (p.vk) qx_explain_line(q, "  vectorised: symbol filters, %d int64 key%s%s", nk, nk == 1 ? "" : "s", js ? ", join by symbol id" : "");
      if (js) qx_explain_line(q, "  hash join with %s (%zu rows), %d key%s", right.qual ? right.qual : "subquery", right.rel->n, js->nkeys, js->nkeys == 1 ? "" : "s");
      if (p.up) qx_explain_line(q, "  units chosen by series%s", p.up->latest ? ": latest per series, newest first" : "");
      if (p.up && p.up->tails)
        qx_explain_line(q, "  answered from series tails in the summaries: %zu series%s", p.up->ntails,
                     narrow ? ", newest partition only" : "");
    }
    if (!q->explain || q->analyze) {
      int save = omp_get_max_threads();
      omp_set_num_threads(nth);
      rc = qx_run_units(&p, scan, summaries, err);
      omp_set_num_threads(save);
      if (rc) goto cleanup;
      if (q->explain && p.up)
        qx_explain_line(q, "  -> %zu units decoded, %zu skipped by their summaries", p.up->read, p.up->skipped);
    }
  } else {
    if (q->explain) {
      qx_explain_line(q, "read %s (%zu rows)", left.rel ? (left.qual ? left.qual : "subquery") : "one row", left.rel ? left.rel->n : (size_t)1);
      if (js) qx_explain_line(q, "  hash join with %s (%zu rows), %d key%s", right.qual ? right.qual : "subquery", right.rel->n, js->nkeys, js->nkeys == 1 ? "" : "s");
    }
    size_t n = left.rel ? left.rel->n : 1;
    if (q->explain && !q->analyze) n = 0;
    /* Rows of a materialised relation go through the pipeline on all threads, in contiguous
     * blocks, into the same thread-local states a scan fills (Q5c's middle query groups
     * 8,863 rows this way); below 4,096 rows one thread does it. */
    int failed = 0, cancelled = 0;
    gp_err ferr = {0}; /* the first evaluation error of the threads */
    int nt = n >= 4096 ? nth : 1;
#pragma omp parallel for schedule(static) num_threads(nt) reduction(| : failed, cancelled)
    for (size_t i = 0; i < n; i++) {
      if (failed | cancelled) continue;
      if (q->s->cancel) {
        cancelled = 1;
        continue;
      }
      qx_row r = {0};
      r.vals = left.rel ? qx_rel_row(left.rel, i) : NULL;
      r.th = omp_get_thread_num();
      if (qx_pipe_row(&p, r.th, &r, i)) failed = 1;
      if (qx_faulted()) {
#pragma omp critical(qx_fault)
        qx_fault_take(&ferr);
        failed = 1;
      }
    }
    if (ferr.rc) {
      rc = gp_err_set(err, ferr.rc, "%s", ferr.msg);
      goto cleanup;
    }
    if (cancelled) {
      rc = gp_err_set(err, GP_CANCELLED, "cancelled");
      goto cleanup;
    }
    if (failed) {
      rc = qx_nomem(err);
      goto cleanup;
    }
    p.rows_in += n;
  }
  rows_before = p.rows_in;
  if (q->explain && q->analyze)
    qx_explain_line(q, "  -> %zu rows in %.2f ms%s", rows_before, qx_now_ms() - t1,
                 p.units_summary ? " (some units from summaries)" : "");

  /* 5. build T */
  double t2 = qx_now_ms();
  qrel *t;
  if (agg && nk) {
    if ((rc = qx_groups_in_order(q, &p.g, nth, aggs, nk, b.naggs, &t, err))) goto cleanup;
  } else if (agg) { /* no key: one group, the threads' states merged into thread 0's */
    gtab *g0 = &p.g.tabs[0];
    size_t most = g0->n; /* the merged table holds at most every thread's groups */
    for (int th = 1; th < nth; th++) most += p.g.tabs[th].n;
    if (nth > 1 && qx_gtab_reserve(&p.g, g0, most)) {
      rc = qx_nomem(err);
      goto cleanup;
    }
    for (int th = 1; th < nth; th++) {
      gtab *gt = &p.g.tabs[th];
      for (size_t i = 0; i < gt->n; i++) {
        long gi = qx_gtab_find(&p.g, g0, g_keys(&p.g, gt, i), gt->hash[i], NULL);
        if (gi < 0) {
          rc = qx_nomem(err);
          goto cleanup;
        }
        qx_aggst *d = g_states(&p.g, g0, (size_t)gi), *s = g_states(&p.g, gt, i);
        for (int k = 0; k < b.naggs; k++)
          if (qx_agg_merge(&aggs[k], g_st(&p.g, d, k), g_st(&p.g, s, k))) {
            rc = qx_nomem(err);
            goto cleanup;
          }
      }
    }
    if (nk == 0 && g0->n == 0 && qx_gtab_find(&p.g, g0, NULL, KEYS_HASH0, &q->pool) < 0) {
      rc = qx_nomem(err);
      goto cleanup;
    }
    t = qx_rel_new(q, nk + b.naggs, err);
    if (!t) {
      rc = err->rc ? err->rc : qx_nomem(err);
      goto cleanup;
    }
    if (qx_rel_reserve(t, g0->n)) {
      rc = qx_nomem(err);
      goto cleanup;
    }
    for (size_t i = 0; i < g0->n; i++) {
      qx_val *row = qx_rel_push(t);
      if (!row) {
        rc = qx_nomem(err);
        goto cleanup;
      }
      memcpy(row, g_keys(&p.g, g0, i), (size_t)nk * sizeof *row);
      qx_aggst *st = g_states(&p.g, g0, i);
      for (int k = 0; k < b.naggs; k++) row[nk + k] = qx_agg_final(&aggs[k], g_st(&p.g, st, k));
    }
  } else {
    /* concatenate the threads' rows, in store order */
    size_t n = 0;
    for (int th = 0; th < nth; th++) n += p.trel[th]->n;
    t = p.trel[0];
    for (int th = 1; th < nth; th++)
      for (size_t i = 0; i < p.trel[th]->n; i++) {
        qx_val *row = qx_rel_push(t);
        if (!row) {
          rc = qx_nomem(err);
          goto cleanup;
        }
        memcpy(row, qx_rel_row(p.trel[th], i), (size_t)t->ncols * sizeof *row);
      }
    if (nth > 1 && n > 1) {
      size_t *idx = GP_MALLOC((n + 1) * sizeof *idx);
      qx_val *nv = GP_MALLOC((n * (size_t)t->ncols + 1) * sizeof *nv);
      if (!idx || !nv) {
        GP_FREE(idx);
        GP_FREE(nv);
        rc = qx_nomem(err);
        goto cleanup;
      }
      for (size_t i = 0; i < n; i++) idx[i] = i;
      keyed kc = {t->v + sc.n, t->ncols, 1, NULL, NULL, NULL}; /* the ordinal column */
      rc = qx_sort_idx(idx, n, qx_cmp_keyed, &kc, err);
      if (!rc)
        for (size_t i = 0; i < n; i++)
          memcpy(nv + i * t->ncols, qx_rel_row(t, idx[i]), (size_t)t->ncols * sizeof *nv);
      GP_FREE(idx);
      if (rc) {
        GP_FREE(nv);
        goto cleanup;
      }
      GP_FREE(t->v);
      t->v = nv;
      t->cap = n;
    }
  }
  if (q->explain && agg) qx_explain_line(q, "aggregate: %d key%s, %d aggregate%s%s", nk, nk == 1 ? "" : "s", b.naggs, b.naggs == 1 ? "" : "s",
                                      q->analyze ? "" : "");
  if (q->explain && q->analyze && agg) qx_explain_line(q, "  -> %zu groups in %.2f ms", t->n, qx_now_ms() - t2);
  if (b.gf) {
    if (q->explain)
      qx_explain_line(q, "gapfill: %zu buckets per series, %d locf/interpolate", b.gf->nb, b.nfills);
    if ((!q->explain || q->analyze) && (rc = qx_gapfill_apply(q, &b, aggs, &t, err))) goto cleanup;
  }

  /* 6. HAVING, windows, projection, DISTINCT, ORDER BY, LIMIT */
  {
    qx_val *wv = NULL;
    int nw = b.nwins;
    if (having) {
      size_t w = 0;
      for (size_t i = 0; i < t->n; i++) {
        qx_row r = {0};
        r.vals = qx_rel_row(t, i);
        if (qx_eval_true(&q->ctx, having, &r, &q->pool)) {
          if (w != i) memmove(qx_rel_row(t, w), qx_rel_row(t, i), (size_t)t->ncols * sizeof(qx_val));
          w++;
        }
      }
      t->n = w;
      if (q->explain) qx_explain_line(q, "having%s", "");
    }
    if (nw) {
      wv = GP_CALLOC(t->n * (size_t)nw + 1, sizeof *wv);
      if (!wv) {
        rc = qx_nomem(err);
        goto cleanup;
      }
      if ((rc = qx_compute_windows(q, &b, t, wv, err))) {
        GP_FREE(wv);
        goto cleanup;
      }
      if (q->explain) qx_explain_line(q, "window: %d function%s", nw, nw == 1 ? "" : "s");
    }
    qrel *o = qx_rel_new(q, ni, err);
    int ow = ni + no;
    qx_val *okeys = no ? GP_MALLOC((t->n * (size_t)(no ? no : 1) + 1) * sizeof *okeys) : NULL;
    if (!o || (no && !okeys)) {
      GP_FREE(wv);
      GP_FREE(okeys);
      rc = err->rc ? err->rc : qx_nomem(err);
      goto cleanup;
    }
    (void)ow;
    o->layers = gp_query_arena_alloc(q->a, (size_t)(ni + 1) * sizeof *o->layers);
    for (int k = 0; k < ni; k++) {
      o->names[k] = qx_item_name(q, items.v[k], k);
      o->types[k] = ix[k]->t;
      if (o->layers) o->layers[k] = qx_ex_layer(&b, ix[k], keys);
    }
    /* items that are columns of T (keys and aggregates, as in most grouped queries) are copied,
     * not evaluated: Q2 projects 15,455 groups; when the items are T's columns in T's order
     * (Q2's keys then its count), T's rows are taken over as they are */
    int tcolof[64];
    bool same_cols = agg && ni == t->ncols && ni <= 64 && !nw && !no; /* T: this query's own */
    for (int k = 0; k < ni && k < 64; k++) {
      tcolof[k] = ix[k]->op == QX_COL && ix[k]->src == QX_SRC_VALS ? ix[k]->idx : -1;
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
      for (int k = 0; k < ni; k++)
        if (k < 64 && tcolof[k] >= 0) row[k] = r.vals[tcolof[k]];
        else qx_eval(&q->ctx, ix[k], &r, &q->pool, &row[k]);
      for (int k = 0; k < no; k++)
        if (ocol[k] >= 0) okeys[i * no + k] = row[ocol[k]];
        else qx_eval(&q->ctx, ox[k], &r, &q->pool, &okeys[i * no + k]);
    }
    GP_FREE(wv);
    if (rc) {
      GP_FREE(okeys);
      goto cleanup;
    }
    size_t n = o->n;
    if (!no && !sel->select.distinct && !sel->select.offset && !sel->select.limit) {
      /* nothing reorders or cuts: o is the answer as it stands */
      GP_FREE(okeys);
      if (q->explain && q->analyze) qx_explain_line(q, "  -> %zu rows out, %.2f ms in all", o->n, qx_now_ms() - t0);
      *out = o;
      goto cleanup;
    }
    size_t *idx = GP_MALLOC((n + 1) * sizeof *idx);
    if (!idx) {
      GP_FREE(okeys);
      rc = qx_nomem(err);
      goto cleanup;
    }
    for (size_t i = 0; i < n; i++) idx[i] = i;
    if (no) {
      keyed kc = {okeys, no, no, odesc, NULL, onf};
      rc = qx_sort_idx(idx, n, qx_cmp_keyed, &kc, err);
      if (q->explain) qx_explain_line(q, "sort: %d key%s", no, no == 1 ? "" : "s");
    }
    if (!rc && sel->select.distinct) {
      /* keep the first of each run of equal rows, found by sorting on all columns */
      size_t *d = GP_MALLOC((n + 1) * sizeof *d);
      uint8_t *keep = GP_CALLOC(n + 1, 1);
      if (!d || !keep) rc = qx_nomem(err);
      else {
        for (size_t i = 0; i < n; i++) d[i] = idx[i];
        keyed kc = {o->v, ni ? ni : 1, ni, NULL, NULL, NULL};
        rc = qx_sort_idx(d, n, qx_cmp_keyed, &kc, err);
        for (size_t i = 0; i < n && !rc; i++)
          keep[d[i]] = i == 0 || qx_cmp_vals_n(qx_rel_row(o, d[i - 1]), qx_rel_row(o, d[i]), ni) != 0;
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
      goto cleanup;
    }
    size_t off = 0, lim = n;
    if (sel->select.offset) off = sel->select.offset->i.v > 0 ? (size_t)sel->select.offset->i.v : 0;
    if (sel->select.limit) lim = sel->select.limit->i.v > 0 ? (size_t)sel->select.limit->i.v : 0;
    if (off > n) off = n;
    if (lim > n - off) lim = n - off;
    qx_val *nv = GP_MALLOC((lim * (size_t)(ni ? ni : 1) + 1) * sizeof *nv);
    if (!nv) {
      GP_FREE(idx);
      rc = qx_nomem(err);
      goto cleanup;
    }
    for (size_t i = 0; i < lim; i++)
      memcpy(nv + i * (size_t)(ni ? ni : 1), qx_rel_row(o, idx[off + i]), (size_t)(ni ? ni : 1) * sizeof *nv);
    GP_FREE(idx);
    GP_FREE(o->v);
    o->v = nv;
    o->n = o->cap = lim;
    if (q->explain && (sel->select.limit || sel->select.offset)) qx_explain_line(q, "limit %zu offset %zu", lim, off);
    if (q->explain && q->analyze) qx_explain_line(q, "  -> %zu rows out, %.2f ms in all", o->n, qx_now_ms() - t0);
    *out = o;
  }
cleanup:
  for (int k = 0; k < nth && p.g.tabs; k++) qx_gtab_free(&p.g, &p.g.tabs[k]);
  for (int k = 0; k < nth && p.vmaps; k++) qx_vmap_free(&p.vmaps[k]);
  for (int k = 0; k < nth && p.jcs; k++) GP_FREE(p.jcs[k].st);
  GP_FREE(p.units);
  if (p.up) gp_rows_free(&p.up->tailrows);
  gp_scan_close(scan);
  q->nctes = saved_ctes;
  return rc;
}
