/* exec.c - sessions, statement dispatch, and the SELECT planner and executor.
 *
 * How a SELECT runs (the planner and the executor are one pass over the AST):
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
 *     items are evaluated over T, then DISTINCT, ORDER BY (stable), OFFSET and LIMIT. */
#include <ctype.h>
#include <math.h>
#include <omp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sysinfo.h>
#include <time.h>

#include "exec_int.h"

/* ---- relations -------------------------------------------------------------------------- */

/* ---- names and suggestions ---------------------------------------------------------------- */

/* ---- scope: the columns an expression may name -------------------------------------------- */

/* ---- binding ---------------------------------------------------------------------------- */

/* ---- spatial predicates: within, dwithin, region() ---------------------------------------- */

static gp_rc run_select(qry *q, gp_ast *sel, qrel **out, gp_err *err);

/* ---- grouping: a hash table of groups per thread ----------------------------------------- */

/* ---- the pipeline of one SELECT ----------------------------------------------------------- */

/* ---- the vectorised path of an aggregate scan ---------------------------------------------
 *
 * Row at a time, a GROUP BY evaluates every filter and key as a tree of qx_val and hashes the
 * keys into the group table for each row: ~100 ns a row. Most analytic queries filter on symbol
 * equality and group by time buckets, cells and plain columns, which are simple functions of
 * one decoded column. For those, scan_vec first narrows the unit to a selection vector with
 * tight loops over the id columns, then walks the selected rows computing each key as an
 * int64 from the raw column (a bucket from a cached [lo, hi) interval, a cell by shifting the
 * Morton code). Rows of a chunk are in time order within a cell, so consecutive rows mostly
 * share their keys; when the int64 keys change, a per-thread map from int64 key tuples to
 * groups (vmap) finds the group, and only a tuple met for the first time evaluates the real
 * keys (through qx_eval, so the group keys are exactly those of the row path) and looks the
 * group up in the table. count(*) is then one increment. Example: Q1, bucket(ts, 1 d) over
 * a chunk of 30 days, evaluates 30 keys per chunk instead of one per row. A key that is NULL
 * for a row (no position, a null column) sends that row down the row path. Inner joins on a
 * SYMBOL column join by dictionary id (jcache). Measured at SF = 1, one thread: Q1 3.8 -> 0.9
 * ms, Q9 121 -> 56 ms, Q7 (a join over 17.28 M readings) 833 -> 271 ms. */

/* ---- which units a scan decodes, and in what order ----------------------------------------
 *
 * gp_scan_run decodes every unit the time window overlaps. The summaries say which series ids
 * (dictionary ids of the table's SYMBOL series column) each unit holds, which lets two kinds
 * of scan skip units without decoding them:
 *  - Dead series. With filters that read only the series column, or an inner join on it, a
 *    series id that fails the filters or matches no row of the small side contributes nothing;
 *    a unit holding only such ids is skipped. Example: Q8 joins readings with the 400
 *    water-level gauges of 2,000 sensors; units of gas or wind sensors are never read.
 *  - Latest per series. When every aggregate is max(ts) or last(x, ts) of the time column and
 *    every group key and filter is a function of the series (the series column, or columns of
 *    the small side joined on it), each group's answer comes from the rows at its series'
 *    latest ts. Units are then visited newest t_max first, LT_WAVE per thread at a time (a
 *    wave runs on all threads); after each wave best[s] is the latest ts seen for series s, and a unit in
 *    which every live series has best[s] > t_max cannot change any answer: skipped. In a
 *    decoded unit only the rows at their series' latest ts within the unit, and not older than
 *    best[s], reach the aggregates. Rows at equal ts are all kept (last() breaks ties by
 *    value), so the answer is the full scan's exactly, whatever the thread count. Nulls would
 *    break this (last() skips a null x, reaching back to older rows), so every unit's summary
 *    must show no null series, ts or last() argument. Example: Q7 (17.28 M readings in 5
 *    partitions) decodes only the newest partition's units that hold water-level gauges.
 * `SET vectorize = false` turns both off, so that tests can compare with the full scan. */

static gp_rc run_select(qry *q, gp_ast *sel, qrel **out, gp_err *err);

/* ---- nearest(table, point(lon, lat), k) ------------------------------------------------ */

static bool ast_num(const gp_ast *e, double *v) {
  if (e->kind == GP_AST_INT) *v = (double)e->i.v;
  else if (e->kind == GP_AST_FLOAT) *v = e->f.v;
  else return false;
  return true;
}

typedef struct nn_cand {
  double d;        /* planar metres */
  size_t unit, row;
} nn_cand;

static int cmp_nn(const void *a, const void *b) {
  const nn_cand *x = a, *y = b;
  if (x->d != y->d) return x->d < y->d ? -1 : 1;
  if (x->unit != y->unit) return x->unit < y->unit ? -1 : 1;
  return (x->row > y->row) - (x->row < y->row);
}

/* The k rows of a LOCATION (lon, lat) table nearest to a point, with a distance column
 * (planar metres in the database CRS), nearest first (ties: storage order). Expanding square
 * search: scan the cells of a square of half-side h around the point; the rows within h are
 * exact answers, because every row outside the square is farther than h; once k of them are
 * found they are the k nearest, else h quadruples (the last round scans everything). */
static gp_rc run_nearest(qry *q, gp_ast *f, source *s, gp_err *err) {
  gp_ast *call = f->table_func.call;
  gp_ast **av = call->call.args.v;
  double lon, lat, cx, cy;
  if (call->call.args.n != 3 || av[0]->kind != GP_AST_COLUMN || av[1]->kind != GP_AST_CALL ||
      strcmp(av[1]->call.name.s, "point") != 0 || av[1]->call.args.n != 2 ||
      !ast_num(av[1]->call.args.v[0], &lon) || !ast_num(av[1]->call.args.v[1], &lat) ||
      av[2]->kind != GP_AST_INT || av[2]->i.v < 0 || av[2]->i.v > 1000000)
    return gp_query_err_at(err, GP_INVALID, call->pos,
                           "nearest() takes a table, point(lon, lat) with constant numbers and a "
                           "count k (0..1000000)");
  const gp_table *t = gp_db_table(q->s->db, av[0]->column.name.s);
  if (!t) return gp_query_err_at(err, GP_NOTFOUND, av[0]->pos, "no table \"%s\"", av[0]->column.name.s);
  if (t->loc != GP_LOC_LONLAT || !q->ctx.grid)
    return gp_query_err_at(err, GP_INVALID, av[0]->pos, "nearest() needs a table with LOCATION (lon, lat)");
  size_t k = (size_t)av[2]->i.v;
  gp_err e2 = {0};
  gp_rc rc = gp_grid_project(q->ctx.grid, &lon, &lat, 1, &cx, &cy, &e2);
  if (rc || isnan(cx)) return gp_query_err_at(err, rc ? rc : GP_PROJ, av[1]->pos, "point cannot be projected");
  qrel *rel = qx_rel_new(q, t->ncols + 1, err);
  if (!rel) return err->rc ? err->rc : qx_nomem(err);
  for (int c = 0; c < t->ncols; c++) {
    rel->names[c] = t->cols[c].name;
    rel->types[c] = (uint8_t)qx_vt_of_type(t->cols[c].type);
  }
  rel->names[t->ncols] = "distance";
  rel->types[t->ncols] = QV_DBL;
  s->rel = rel;
  s->qual = f->table_func.alias.s ? f->table_func.alias.s : "nearest";
  if (k == 0) return GP_OK;
  gp_scan *sc = NULL;
  gp_rows *rows = NULL;
  nn_cand *cand = NULL;
  gp_cell_range *cells = NULL;
  size_t nunits = 0, ncand = 0, rounds = 0;
  double h = 4 * gp_grid_cell_m(q->ctx.grid);
  for (bool last = false;; h *= 4) {
    last = h > 2e7; /* beyond any projected CRS: everything */
    size_t ncells = 0;
    GP_FREE(cells);
    cells = NULL;
    if (!last && (rc = gp_grid_cover_rect(q->ctx.grid, cx - h, cy - h, cx + h, cy + h, 256, &cells,
                                          &ncells, &e2)))
      goto fail2;
    gp_scan_spec spec = {INT64_MIN, INT64_MAX, last ? NULL : cells, ncells, 0, NULL};
    for (size_t u = 0; rows && u < nunits; u++) gp_rows_free(&rows[u]);
    GP_FREE(rows);
    rows = NULL;
    gp_scan_close(sc);
    sc = NULL;
    if ((rc = gp_scan_open(gp_db_store(q->s->db), t->id, &spec, &sc, &e2))) goto fail2;
    nunits = gp_scan_units(sc);
    rows = GP_CALLOC(nunits + 1, sizeof *rows);
    if (!rows) goto qx_nomem;
    size_t total = 0;
    for (size_t u = 0; u < nunits; u++) {
      if ((rc = gp_scan_decode(sc, u, &rows[u], &e2))) goto fail2;
      total += rows[u].n;
    }
    GP_FREE(cand);
    cand = GP_MALLOC((total + 1) * sizeof *cand);
    if (!cand) goto qx_nomem;
    ncand = 0;
    for (size_t u = 0; u < nunits; u++) {
      const gp_rows *r = &rows[u];
      const gp_col *lc = &r->cols[t->lon_col], *ac = &r->cols[t->lat_col];
      for (size_t i = 0; i < r->n; i++) {
        if (gp_rows_isnull(lc, i) || gp_rows_isnull(ac, i)) continue;
        double px, py;
        if (gp_grid_project(q->ctx.grid, &lc->f64[i], &ac->f64[i], 1, &px, &py, NULL) || isnan(px))
          continue;
        double d = hypot(px - cx, py - cy);
        if (last || d <= h) cand[ncand++] = (nn_cand){d, u, i};
      }
    }
    rounds++;
    if (ncand >= k || last) break;
  }
  qsort(cand, ncand, sizeof *cand, cmp_nn);
  if (ncand > k) ncand = k;
  for (size_t j = 0; j < ncand; j++) {
    qx_val *o = qx_rel_push(rel);
    if (!o) goto qx_nomem;
    const gp_rows *r = &rows[cand[j].unit];
    for (int c = 0; c < t->ncols; c++) {
      qx_val v = qx_rows_get(&q->ctx, r, cand[j].row, c, t->cols[c].type, t);
      if (v.t == QV_TEXT && t->cols[c].type == GP_T_TEXT) { /* the rows are freed below */
        const char *cp = qx_pool_strdup(&q->pool, v.s, v.n);
        if (!cp && v.n) goto qx_nomem;
        v.s = cp;
      }
      o[c] = v;
    }
    o[t->ncols] = qx_dbl(cand[j].d);
  }
  if (q->explain)
    qx_explain_line(q, "nearest %zu of %s: %zu round%s, last square %.0f m half-side", k, t->name,
                 rounds, rounds == 1 ? "" : "s", h);
  rc = GP_OK;
  goto cleanup;
qx_nomem:
  rc = qx_nomem(err);
  goto cleanup;
fail2:
  rc = gp_query_err_at(err, rc, call->pos, "%s", e2.msg);
cleanup:
  for (size_t u = 0; rows && u < nunits; u++) gp_rows_free(&rows[u]);
  GP_FREE(rows);
  GP_FREE(cand);
  GP_FREE(cells);
  gp_scan_close(sc);
  return rc;
}

static gp_rc resolve_source(qry *q, gp_ast *f, source *s, gp_err *err) {
  memset(s, 0, sizeof *s);
  if (f->kind == GP_AST_TABLE_FUNC && !strcmp(f->table_func.call->call.name.s, "nearest"))
    return run_nearest(q, f, s, err);
  if (f->kind == GP_AST_SUBQUERY) {
    gp_rc rc = run_select(q, f->subquery.select, &s->rel, err);
    s->qual = f->subquery.alias.s;
    return rc;
  }
  if (f->kind != GP_AST_TABLE_REF)
    return gp_query_err_at(err, GP_UNSUPPORTED, f->pos, "this FROM source is not supported yet");
  const char *name = f->table.name.s;
  s->qual = f->table.alias.s ? f->table.alias.s : name;
  for (int k = q->nctes - 1; k >= 0; k--)
    if (strcmp(q->ctes[k].name, name) == 0) {
      s->rel = q->ctes[k].rel;
      return GP_OK;
    }
  s->t = gp_db_table(q->s->db, name);
  if (s->t) return GP_OK;
  suggest sg = {0};
  for (size_t k = 0; k < gp_db_ntables(q->s->db); k++)
    qx_suggest_add(&sg, name, gp_db_table_at(q->s->db, k)->name);
  for (int k = 0; k < q->nctes; k++) qx_suggest_add(&sg, name, q->ctes[k].name);
  return gp_query_err_at(err, GP_NOTFOUND, f->table.name.pos, "no table \"%s\"%s%s%s", name,
                         sg.best ? " (did you mean \"" : "", sg.best ? sg.best : "",
                         sg.best ? "\"?)" : "");
}

static gp_rc scope_add(qry *q, scope *sc, const source *s, uint8_t src, gp_err *err) {
  int n = s->t ? s->t->ncols : s->rel->ncols;
  scol *c = gp_query_arena_alloc(q->a, (size_t)(sc->n + n + 1) * sizeof *c);
  if (!c) return qx_nomem(err);
  if (sc->n) memcpy(c, sc->c, (size_t)sc->n * sizeof *c);
  for (int k = 0; k < n; k++) {
    scol *x = &c[sc->n + k];
    x->qual = s->qual;
    x->src = src;
    x->idx = k;
    if (s->t) {
      x->name = s->t->cols[k].name;
      x->ctype = (uint8_t)s->t->cols[k].type;
      x->t = (uint8_t)qx_vt_of_type(s->t->cols[k].type);
      x->tab = s->t;
    } else {
      x->name = s->rel->names[k];
      x->t = s->rel->types[k];
      x->layer = s->rel->layers ? s->rel->layers[k] : NULL;
    }
  }
  sc->c = c;
  sc->n += n;
  return GP_OK;
}

/* Splits an AND tree into its terms. */
static void conjuncts(gp_ast *e, gp_ast **v, int *n, int cap) {
  if (e->kind == GP_AST_BINARY && e->binary.op == GP_OP_AND && *n < cap - 1) {
    conjuncts(e->binary.l, v, n, cap);
    conjuncts(e->binary.r, v, n, cap);
  } else if (*n < cap) {
    v[(*n)++] = e;
  }
}

/* A term `time_col OP constant` narrows [lo, hi); returns true when it was absorbed. */
static bool time_term(const qx_ex *x, int tcol, int64_t *lo, int64_t *hi) {
  if (tcol < 0) return false;
  if (x->op == QX_BETWEEN && !x->neg && x->args[0]->op == QX_COL &&
      x->args[0]->src == QX_SRC_ROWS && x->args[0]->idx == tcol && x->args[1]->op == QX_CONST &&
      x->args[1]->k.t == QV_TS && x->args[2]->op == QX_CONST && x->args[2]->k.t == QV_TS) {
    if (x->args[1]->k.i > *lo) *lo = x->args[1]->k.i;
    if (x->args[2]->k.i < INT64_MAX && x->args[2]->k.i + 1 < *hi) *hi = x->args[2]->k.i + 1;
    return true;
  }
  if (x->op != QX_CMP) return false;
  const qx_ex *c = x->args[0], *k = x->args[1];
  gp_ast_op op = (gp_ast_op)x->sub;
  if (k->op == QX_COL) {
    const qx_ex *t = c;
    c = k;
    k = t;
    op = op == GP_OP_LT ? GP_OP_GT : op == GP_OP_LE ? GP_OP_GE : op == GP_OP_GT ? GP_OP_LT
         : op == GP_OP_GE ? GP_OP_LE : op;
  }
  if (c->op != QX_COL || c->src != QX_SRC_ROWS || c->idx != tcol || k->op != QX_CONST ||
      k->k.t != QV_TS)
    return false;
  int64_t v = k->k.i;
  switch (op) {
  case GP_OP_GE: if (v > *lo) *lo = v; return true;
  case GP_OP_GT: if (v < INT64_MAX && v + 1 > *lo) *lo = v + 1; return true;
  case GP_OP_LT: if (v < *hi) *hi = v; return true;
  case GP_OP_LE: if (v < INT64_MAX && v + 1 < *hi) *hi = v + 1; return true;
  case GP_OP_EQ:
    if (v > *lo) *lo = v;
    if (v < INT64_MAX && v + 1 < *hi) *hi = v + 1;
    return true;
  default: return false;
  }
}

/* Terms `time_col OP f(small side)` of an inner join also narrow the scan's window: a big-side
 * row can pass only if it passes for some row of the small side, so ts > f(row) for all rows
 * means ts > the least f over the rows in the hash table. The terms stay filters. Example: Q8's
 * `r.ts > t.t1 - 24 h` over 400 gauges whose t1 is the end of June reads the last day only. */
static void join_window(qry *q, const jside *js, qx_ex **post, int npost, int tcol, int64_t *lo,
                        int64_t *hi) {
  for (int k = 0; k < npost; k++) {
    const qx_ex *x = post[k];
    if (x->op != QX_CMP) continue;
    const qx_ex *c = x->args[0], *f = x->args[1];
    gp_ast_op op = (gp_ast_op)x->sub;
    if (!qx_plain_col(c, tcol)) {
      const qx_ex *t = c;
      c = f;
      f = t;
      op = op == GP_OP_LT ? GP_OP_GT : op == GP_OP_LE ? GP_OP_GE : op == GP_OP_GT ? GP_OP_LT
           : op == GP_OP_GE ? GP_OP_LE : op;
    }
    if (!qx_plain_col(c, tcol) || qx_ex_srcs(f) != 1u << QX_SRC_VALS2 ||
        (op != GP_OP_GT && op != GP_OP_GE && op != GP_OP_LT && op != GP_OP_LE))
      continue;
    int64_t mn = INT64_MAX, mx = INT64_MIN;
    bool ok = true;
    for (size_t b = 0; b < js->nb && ok; b++)
      for (uint32_t e = js->head[b]; e && ok; e = js->next[e - 1]) {
        qx_row r = {0};
        r.vals2 = qx_rel_row(js->rel, e - 1);
        qx_val v;
        qx_eval(&q->ctx, f, &r, &q->pool, &v);
        if (v.t == QV_NULL) continue; /* compares false: the row never joins */
        if (v.t != QV_TS) ok = false;
        else {
          if (v.i < mn) mn = v.i;
          if (v.i > mx) mx = v.i;
        }
      }
    if (!ok) continue;
    if (mn > mx) { /* nothing on the small side can match: an empty window */
      *lo = *hi = 0;
      return;
    }
    if (op == GP_OP_GT && mn < INT64_MAX && mn + 1 > *lo) *lo = mn + 1;
    if (op == GP_OP_GE && mn > *lo) *lo = mn;
    if (op == GP_OP_LT && mx < *hi) *hi = mx;
    if (op == GP_OP_LE && mx < INT64_MAX && mx + 1 < *hi) *hi = mx + 1;
  }
}

/* The layer whose region ids a select item x (bound over T) yields, or NULL: region('layer')
 * itself, a GROUP BY key that is one, or a column of a FROM subquery or WITH query that was one
 * (scol.layer), so the GeoJSON output can draw it. Values computed from region ids (CASE,
 * coalesce, ||) are not tracked. */
static const gp_region_layer *ex_layer(const bctx *b, const qx_ex *x, qx_ex **keys) {
  if (x->op == QX_FUNC && x->sub == QF_REGION && x->geo) return x->geo->layer;
  if (x->op != QX_COL || x->src != QX_SRC_VALS) return NULL;
  if (!b->agg_query) return x->idx < b->sc->n ? b->sc->c[x->idx].layer : NULL;
  if (x->idx >= b->nkeys) return NULL; /* an aggregate */
  const qx_ex *k = keys[x->idx];
  if (k->op == QX_FUNC && k->sub == QF_REGION && k->geo) return k->geo->layer;
  int c = b->keys[x->idx].col;
  return c >= 0 && c < b->sc->n ? b->sc->c[c].layer : NULL;
}

static const char *item_name(qry *q, gp_ast *it, int k) {
  if (it->item.alias.s) return it->item.alias.s;
  gp_ast *e = it->item.expr;
  if (e->kind == GP_AST_COLUMN) return e->column.name.s;
  if (e->kind == GP_AST_CALL) return e->call.name.s;
  char b[32];
  snprintf(b, sizeof b, "col%d", k + 1);
  return gp_query_arena_strndup(q->a, b, strlen(b));
}

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

static gp_rc compute_windows(qry *q, bctx *b, qrel *t, qx_val *wv, gp_err *err) {
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
static gp_rc bind_gapfill(bctx *b, gp_ast *e, int k, int tcol, int64_t wlo, int64_t whi,
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
static gp_rc gapfill_apply(qry *q, bctx *b, const qx_agg *aggs, qrel **tp, gp_err *err) {
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

typedef struct walk_ctx {
  bctx *b;
  uint64_t mask;
  bool any_agg;
} walk_ctx;

/* ---- chains of joins -------------------------------------------------------------------
 *
 * A SELECT scans one big table and hash-joins it with one materialised small side. A chain
 * `big JOIN b1 ON c1 JOIN b2 ON c2 ...` (a snowflake: each later table relates to the earlier
 * small ones, as districts to sensors to readings) becomes that shape: the small tables are
 * joined first, `SELECT * FROM b1 JOIN b2 ON c2 ...` (the same planner, b1 playing the big
 * side), and the big table is joined with the result on c1; each column of the result keeps
 * its table's name or alias, so b2.x means what it says. A later condition may not name the
 * big table (a star schema would make the small side a cross product); LEFT JOINs, see
 * join_chain. */
/* A made-up `SELECT * FROM from` (arena), through which a join's small side is
 * materialised by the ordinary planner. NULL when out of memory. */
static gp_ast *select_star(qry *q, gp_ast *from, gp_query_pos pos) {
  gp_ast *s2 = gp_query_arena_alloc(q->a, sizeof *s2);
  gp_ast *st = gp_query_arena_alloc(q->a, sizeof *st);
  gp_ast *it = gp_query_arena_alloc(q->a, sizeof *it);
  gp_ast **iv = gp_query_arena_alloc(q->a, sizeof *iv);
  if (!s2 || !st || !it || !iv) return NULL; /* arena memory comes zeroed */
  st->kind = GP_AST_STAR;
  st->pos = pos;
  it->kind = GP_AST_SELECT_ITEM;
  it->item.expr = st;
  iv[0] = it;
  s2->kind = GP_AST_SELECT;
  s2->pos = pos;
  s2->select.items.v = iv;
  s2->select.items.n = 1;
  s2->select.from = from;
  return s2;
}

typedef struct chain_chk {
  const char *big;   /* the big table's qualifier */
  gp_ast *bad;       /* the first offending column */
  bool unqualified;
} chain_chk;

static int chain_walk(gp_ast *n, void *ctx) {
  chain_chk *c = ctx;
  if (n->kind == GP_AST_SUBQUERY || n->kind == GP_AST_SELECT) return GP_AST_WALK_SKIP;
  if (n->kind == GP_AST_COLUMN && !c->bad) {
    if (!n->column.table.s) c->bad = n, c->unqualified = true;
    else if (!strcmp(n->column.table.s, c->big)) c->bad = n;
  }
  return GP_AST_WALK_CONTINUE;
}

/* Whether e is column = column, or an AND of such: false for a NULL on either side, which is
 * what lets LEFT JOINs of a chain be regrouped (see join_chain). */
static bool col_equalities(const gp_ast *e) {
  if (e->kind != GP_AST_BINARY) return false;
  if (e->binary.op == GP_OP_AND) return col_equalities(e->binary.l) && col_equalities(e->binary.r);
  return e->binary.op == GP_OP_EQ && e->binary.l->kind == GP_AST_COLUMN &&
         e->binary.r->kind == GP_AST_COLUMN;
}

/* from is a JOIN whose left is a JOIN: builds the small side of the chain in *right (its
 * columns' qualifiers in *quals, arena) and leaves the big side's item in *bigf, the first
 * condition in *on and in *left whether the big table is left-joined with the small side.
 * LEFT JOINs: ((big J1 b1) J2 b2) ... becomes big J (b1 J2 b2 ...), which is exact when every
 * later ON is an AND of column equalities over the small tables (a row of big that matches
 * no b1 has NULLs there, which no later ON accepts): J is LEFT when J1 and every later join
 * are, else INNER (a later inner join drops the rows that J1 NULL-extended). */
static gp_rc join_chain(qry *q, gp_ast *from, gp_ast **bigf, gp_ast **on, bool *left,
                        source *right, const char ***quals, gp_err *err) {
  enum { MAXJ = 8 };
  gp_ast *ch[MAXJ];
  int n = 0;
  gp_ast *j = from;
  while (j->kind == GP_AST_JOIN) {
    if (n == MAXJ)
      return gp_query_err_at(err, GP_UNSUPPORTED, j->pos, "at most %d JOINs in one SELECT", MAXJ);
    ch[n++] = j;
    j = j->join.left;
  }
  /* ch[n - 1] = big JOIN b1 ON c1, ..., ch[0] = ... JOIN bn ON cn */
  *bigf = j;
  *on = ch[n - 1]->join.on;
  bool any_left = false, all_left = true;
  for (int k = 0; k < n; k++) {
    any_left |= ch[k]->join.type == GP_JOIN_LEFT;
    all_left &= ch[k]->join.type == GP_JOIN_LEFT;
  }
  *left = all_left;
  for (int k = n - 2; k >= 0 && any_left; k--)
    if (!ch[k]->join.on || !col_equalities(ch[k]->join.on))
      return gp_query_err_at(err, GP_UNSUPPORTED, ch[k]->join.on ? ch[k]->join.on->pos : ch[k]->pos,
                             "in a chain of joins with a LEFT JOIN, each later ON must be "
                             "column = column terms joined by AND");
  if (j->kind != GP_AST_TABLE_REF)
    return gp_query_err_at(err, GP_UNSUPPORTED, j->pos, "a chain of joins starts from a table");
  chain_chk cc = {j->table.alias.s ? j->table.alias.s : j->table.name.s, NULL, false};
  for (int k = n - 2; k >= 0; k--) {
    if (ch[k]->join.right->kind != GP_AST_TABLE_REF)
      return gp_query_err_at(err, GP_UNSUPPORTED, ch[k]->join.right->pos,
                             "in a chain of joins, name a table or a WITH query here");
    gp_ast_walk(ch[k]->join.on, chain_walk, &cc);
    if (cc.bad)
      return gp_query_err_at(err, GP_UNSUPPORTED, cc.bad->pos,
                             cc.unqualified
                                 ? "in a chain of joins, qualify the columns of ON (table.column)"
                                 : "this ON may relate its table to the earlier small tables only, "
                                   "not to \"%s\" (the scanned table)",
                             cc.big);
  }
  /* the small side: SELECT * FROM b1 JOIN b2 ON c2 ... (left-deep, as written) */
  gp_ast *small = ch[n - 1]->join.right;
  for (int k = n - 2; k >= 0; k--) {
    gp_ast *jn = gp_query_arena_alloc(q->a, sizeof *jn);
    if (!jn) return qx_nomem(err);
    *jn = *ch[k];
    jn->join.left = small;
    small = jn;
  }
  gp_ast *s2 = select_star(q, small, from->pos);
  if (!s2) return qx_nomem(err);
  memset(right, 0, sizeof *right);
  gp_rc rc = run_select(q, s2, &right->rel, err);
  if (rc) return rc;
  /* every small table's qualifier over its columns, in the order SELECT * gave them */
  const char **qv = gp_query_arena_alloc(q->a, (size_t)(right->rel->ncols + 1) * sizeof *qv);
  if (!qv) return qx_nomem(err);
  int c = 0;
  for (int k = n - 1; k >= 0; k--) {
    source b;
    if ((rc = resolve_source(q, ch[k]->join.right, &b, err))) return rc;
    int nc = b.t ? b.t->ncols : b.rel->ncols;
    for (int i = 0; i < nc && c < right->rel->ncols; i++) qv[c++] = b.qual;
  }
  if (c != right->rel->ncols)
    return gp_query_err_at(err, GP_INVALID, from->pos, "the joined tables' columns do not add up");
  *quals = qv;
  return GP_OK;
}

static int walk_fn(gp_ast *n, void *ctx) {
  walk_ctx *w = ctx;
  if (n->kind == GP_AST_SUBQUERY || n->kind == GP_AST_SELECT) return GP_AST_WALK_SKIP;
  if (n->kind == GP_AST_CALL && !n->call.over && qx_is_agg_name(n->call.name.s)) w->any_agg = true;
  if (n->kind == GP_AST_COLUMN) {
    gp_err tmp = {0};
    int c = qx_resolve_col(w->b, n, true, &tmp);
    if (c >= 0 && c < 64) w->mask |= UINT64_C(1) << c;
  }
  if (n->kind == GP_AST_CALL && (strcmp(n->call.name.s, "x") == 0 || strcmp(n->call.name.s, "y") == 0))
    w->mask = ~UINT64_C(0);
  return GP_AST_WALK_CONTINUE;
}

static gp_rc run_select(qry *q, gp_ast *sel, qrel **out, gp_err *err) {
  gp_rc rc = GP_OK;
  int saved_ctes = q->nctes;
  for (uint32_t k = 0; k < sel->select.with.n; k++) {
    gp_ast *c = sel->select.with.v[k];
    qrel *r;
    if ((rc = run_select(q, c->cte.select, &r, err))) return rc;
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
    if ((rc = join_chain(q, from, &bigf, &on, &left_join, &right, &chain_quals, err))) return rc;
    if ((rc = resolve_source(q, bigf, &left, err))) return rc;
    right.qual = "the joined small tables"; /* for EXPLAIN; columns keep their own (above) */
  } else if (from && from->kind == GP_AST_JOIN) {
    has_join = true;
    left_join = from->join.type == GP_JOIN_LEFT;
    on = from->join.on;
    if ((rc = resolve_source(q, from->join.left, &left, err))) return rc;
    if ((rc = resolve_source(q, from->join.right, &right, err))) return rc;
    if (right.t) { /* materialise the small side: SELECT * FROM it */
      gp_ast *tr = gp_query_arena_alloc(q->a, sizeof *tr);
      if (!tr) return qx_nomem(err);
      tr->kind = GP_AST_TABLE_REF;
      tr->pos = from->join.right->pos;
      tr->table.name.s = right.t->name;
      gp_ast *s2 = select_star(q, tr, from->pos);
      if (!s2) return qx_nomem(err);
      const char *qual = right.qual;
      if ((rc = run_select(q, s2, &right.rel, err))) return rc;
      right.t = NULL;
      right.qual = qual;
    }
  } else if (from) {
    if ((rc = resolve_source(q, from, &left, err))) return rc;
  }
  if (from) {
    if ((rc = scope_add(q, &sc, &left, left.t ? QX_SRC_ROWS : QX_SRC_VALS, err))) return rc;
    int base = sc.n;
    if (has_join && (rc = scope_add(q, &sc, &right, QX_SRC_VALS2, err))) return rc;
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
  for (uint32_t k = 0; k < items.n; k++) gp_ast_walk(items.v[k], walk_fn, &wc);
  if (sel->select.where) gp_ast_walk(sel->select.where, walk_fn, &wc);
  for (uint32_t k = 0; k < sel->select.group.n; k++) gp_ast_walk(sel->select.group.v[k], walk_fn, &wc);
  if (sel->select.having) gp_ast_walk(sel->select.having, walk_fn, &wc);
  for (uint32_t k = 0; k < sel->select.order.n; k++) gp_ast_walk(sel->select.order.v[k], walk_fn, &wc);
  if (on) gp_ast_walk(on, walk_fn, &wc);
  bool agg = wc.any_agg || sel->select.group.n > 0 || sel->select.having;

  /* 2. WHERE and ON terms */
  pipe p = {0};
  p.q = q;
  p.ctx = &q->ctx;
  p.cancel = &q->s->cancel;
  gp_ast *terms[512];
  int nterms = 0;
  if (sel->select.where) conjuncts(sel->select.where, terms, &nterms, 256);
  int nwhere = nterms;
  if (on) conjuncts(on, terms, &nterms, 512);
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
    if (left_only && k < nwhere && time_term(x, tcol, &t_lo, &t_hi)) continue;
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
    if (!left_join && tcol >= 0 && !q->s->no_vec) join_window(q, js, post, p.npost, tcol, &t_lo, &t_hi);
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
      if ((rc = bind_gapfill(&b, e, k, tcol, where_lo, where_hi, &keys[k], err))) return rc;
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
    if ((!q->explain || q->analyze) && (rc = gapfill_apply(q, &b, aggs, &t, err))) goto cleanup;
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
      if ((rc = compute_windows(q, &b, t, wv, err))) {
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
      o->names[k] = item_name(q, items.v[k], k);
      o->types[k] = ix[k]->t;
      if (o->layers) o->layers[k] = ex_layer(&b, ix[k], keys);
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

/* ---- statements ---------------------------------------------------------------------- */

static gp_rc copy_name(char *dst, const gp_ast_name *n, const char *what, gp_err *err) {
  if (strlen(n->s) >= GP_NAME_MAX)
    return gp_query_err_at(err, GP_INVALID, n->pos, "%s name \"%s\" is too long (at most %d bytes)",
                           what, n->s, GP_NAME_MAX - 1);
  strcpy(dst, n->s);
  return GP_OK;
}

static gp_rc exec_create(qry *q, gp_ast *st, gp_result **out, gp_err *err) {
  gp_table def;
  memset(&def, 0, sizeof def);
  gp_rc rc;
  if ((rc = copy_name(def.name, &st->create_table.name, "table", err))) return rc;
  if (st->create_table.columns.n > GP_STORE_MAX_COLS)
    return gp_query_err_at(err, GP_INVALID, st->pos, "at most %d columns", GP_STORE_MAX_COLS);
  def.ncols = (int)st->create_table.columns.n;
  def.time_col = def.key_col = def.lon_col = def.lat_col = def.loc_col = -1;
  for (int k = 0; k < def.ncols; k++) {
    gp_ast *c = st->create_table.columns.v[k];
    if ((rc = copy_name(def.cols[k].name, &c->column_def.name, "column", err))) return rc;
    def.cols[k].type = c->column_def.type;
    for (int j = 0; j < k; j++)
      if (strcmp(def.cols[j].name, def.cols[k].name) == 0)
        return gp_query_err_at(err, GP_INVALID, c->pos, "column \"%s\" appears twice", def.cols[k].name);
    if (c->column_def.key) {
      if (def.key_col >= 0)
        return gp_query_err_at(err, GP_INVALID, c->pos, "only one KEY column");
      if (def.cols[k].type == GP_T_DOUBLE)
        return gp_query_err_at(err, GP_INVALID, c->pos, "a KEY column must be INT, SYMBOL or TEXT");
      def.key_col = k;
    }
  }
  struct {
    const gp_ast_name *n;
    int *dst;
    gp_type want;
    const char *role;
  } roles[] = {{&st->create_table.time_col, &def.time_col, GP_T_TIMESTAMP, "TIME"},
               {&st->create_table.lon, &def.lon_col, GP_T_DOUBLE, "LOCATION longitude"},
               {&st->create_table.lat, &def.lat_col, GP_T_DOUBLE, "LOCATION latitude"},
               {&st->create_table.loc_key, &def.loc_col, 0, "LOCATION FROM key"}};
  for (size_t r = 0; r < sizeof roles / sizeof *roles; r++) {
    const gp_ast_name *n = roles[r].n;
    if (!n->s) continue;
    int c = gp_table_col(&def, n->s, strlen(n->s));
    if (c < 0) {
      suggest sg = {0};
      for (int k = 0; k < def.ncols; k++) qx_suggest_add(&sg, n->s, def.cols[k].name);
      return gp_query_err_at(err, GP_NOTFOUND, n->pos, "no column \"%s\" in %s%s%s%s", n->s, def.name,
                             sg.best ? " (did you mean \"" : "", sg.best ? sg.best : "", sg.best ? "\"?)" : "");
    }
    if (roles[r].want && def.cols[c].type != roles[r].want)
      return gp_query_err_at(err, GP_INVALID, n->pos, "the %s column \"%s\" must be %s, not %s",
                             roles[r].role, n->s, gp_type_name(roles[r].want), gp_type_name(def.cols[c].type));
    *roles[r].dst = c;
  }
  if (def.lon_col >= 0) def.loc = GP_LOC_LONLAT;
  if (st->create_table.loc_table.s) {
    const gp_table *o = gp_db_table(q->s->db, st->create_table.loc_table.s);
    if (!o)
      return gp_query_err_at(err, GP_NOTFOUND, st->create_table.loc_table.pos, "no table \"%s\"",
                             st->create_table.loc_table.s);
    if ((rc = copy_name(def.loc_table, &st->create_table.loc_table, "table", err))) return rc;
    def.loc = GP_LOC_FROM;
  }
  gp_err e2 = {0};
  if ((rc = gp_db_create_table(q->s->db, &def, &e2)))
    return gp_query_err_at(err, rc, st->create_table.name.pos, "%s", e2.msg);
  return qx_status_result(out, err, "CREATE TABLE");
}

static gp_rc opt_bool(const gp_ast *v, bool dflt, bool *out, gp_err *err) {
  if (!v) {
    *out = dflt;
    return GP_OK;
  }
  if (v->kind == GP_AST_BOOL) *out = v->b.v;
  else if (v->kind == GP_AST_INT) *out = v->i.v != 0;
  else if (v->kind == GP_AST_STRING || v->kind == GP_AST_COLUMN) {
    const char *s = v->kind == GP_AST_STRING ? v->str.s : v->column.name.s;
    if (!strcasecmp(s, "true") || !strcasecmp(s, "on") || !strcasecmp(s, "yes")) *out = true;
    else if (!strcasecmp(s, "false") || !strcasecmp(s, "off") || !strcasecmp(s, "no")) *out = false;
    else return gp_query_err_at(err, GP_INVALID, v->pos, "expected true or false");
  } else return gp_query_err_at(err, GP_INVALID, v->pos, "expected true or false");
  return GP_OK;
}

static gp_rc exec_copy(qry *q, gp_ast *st, gp_result **out, gp_err *err) {
  const char *tname = st->copy.table.s;
  if (!gp_db_table(q->s->db, tname)) {
    suggest sg = {0};
    for (size_t k = 0; k < gp_db_ntables(q->s->db); k++) qx_suggest_add(&sg, tname, gp_db_table_at(q->s->db, k)->name);
    return gp_query_err_at(err, GP_NOTFOUND, st->copy.table.pos, "no table \"%s\" (CREATE TABLE it first)%s%s%s",
                           tname, sg.best ? " (did you mean \"" : "", sg.best ? sg.best : "", sg.best ? "\"?)" : "");
  }
  gp_load_opts o;
  memset(&o, 0, sizeof o);
  gp_rc rc;
  for (uint32_t k = 0; k < st->copy.options.n; k++) {
    gp_ast *op = st->copy.options.v[k];
    const char *n = op->option.name.s;
    const gp_ast *v = op->option.value;
    if (!strcmp(n, "header")) {
      bool h = true;
      if ((rc = opt_bool(v, true, &h, err))) return rc;
      o.no_header = !h;
    } else if (!strcmp(n, "format")) {
      const char *w = qx_opt_word(v);
      if (w && !strcasecmp(w, "csv")) o.format = GP_FMT_CSV;
      else if (w && (!strcasecmp(w, "ndjson") || !strcasecmp(w, "json"))) o.format = GP_FMT_NDJSON;
      else return gp_query_err_at(err, GP_INVALID, v ? v->pos : op->pos, "format must be csv or ndjson");
    } else if (!strcmp(n, "on_error")) {
      const char *w = qx_opt_word(v);
      if (w && (!strcasecmp(w, "skip") || !strcasecmp(w, "ignore"))) o.stop_on_error = false;
      else if (w && !strcasecmp(w, "stop")) o.stop_on_error = true;
      else return gp_query_err_at(err, GP_INVALID, v ? v->pos : op->pos, "on_error must be 'skip' or 'stop'");
    } else if (!strcmp(n, "max_errors") || !strcmp(n, "reject_limit")) { /* PostgreSQL 18's name */
      if (!v || v->kind != GP_AST_INT || v->i.v < 0)
        return gp_query_err_at(err, GP_INVALID, v ? v->pos : op->pos, "%s must be a number of rows", n);
      o.max_errors = (size_t)v->i.v;
      if (o.max_errors == 0) o.stop_on_error = true;
    } else if (!strcmp(n, "reject_file")) {
      if (!v || v->kind != GP_AST_STRING) return gp_query_err_at(err, GP_INVALID, v ? v->pos : op->pos, "reject_file must be a file name in quotes");
      o.reject_file = v->str.s;
    } else if (!strcmp(n, "delimiter") || !strcmp(n, "delim")) {
      const char *w = qx_opt_word(v);
      if (!w || strlen(w) != 1) return gp_query_err_at(err, GP_INVALID, v ? v->pos : op->pos, "delimiter must be one character");
      o.delim = w[0];
    } else {
      return gp_query_err_at(err, GP_INVALID, op->pos, "unknown COPY option \"%s\" (header, format, on_error, max_errors, reject_file, delimiter)", n);
    }
  }
  gp_load_result lr;
  memset(&lr, 0, sizeof lr);
  gp_err e2 = {0};
  if ((rc = gp_load_file(q->s->db, tname, st->copy.path->str.s, &o, &lr, &e2)))
    return gp_query_err_at(err, rc, st->copy.path->pos, "%s", e2.msg);
  return qx_status_result(out, err, "COPY %zu rows (%zu rejected, %zu duplicates)", lr.loaded, lr.rejected, lr.duplicates);
}

/* Half the machine's memory: a statement may not take the rest from the loader, RocksDB's
 * caches and the other sessions. */
static size_t default_mem_limit(void) {
  struct sysinfo si;
  if (sysinfo(&si) != 0 || si.totalram == 0) return (size_t)4 << 30;
  return (size_t)si.totalram * si.mem_unit / 2;
}

/* A size: an integer (bytes) or text "N [unit]" with unit B, KB, MB, GB, TB (powers of 1024;
 * KiB... accepted too). At least 1 MB. */
static bool mem_size(const gp_ast *v, size_t *out) {
  double x;
  char unit[8] = "";
  if (v->kind == GP_AST_INT) {
    x = (double)v->i.v;
  } else if (v->kind == GP_AST_STRING) {
    int used = 0;
    if (sscanf(v->str.s, " %lf %7[A-Za-z] %n", &x, unit, &used) < 1) return false;
    if (used == 0) {
      unit[0] = '\0';
      if (sscanf(v->str.s, " %lf %n", &x, &used) < 1) return false;
    }
    if ((size_t)used != v->str.len) return false;
  } else {
    return false;
  }
  static const char *const units[] = {"b", "kb", "mb", "gb", "tb"};
  double mul = 1;
  if (unit[0]) {
    size_t ul = strlen(unit);
    if (ul == 3 && (unit[2] == 'b' || unit[2] == 'B') && (unit[1] == 'i' || unit[1] == 'I')) {
      unit[1] = unit[2]; /* KiB -> KB */
      unit[2] = '\0';
    }
    int k = -1;
    for (int j = 0; j < 5; j++)
      if (!strcasecmp(unit, units[j]) || (j && strlen(unit) == 1 && tolower((unsigned char)unit[0]) == units[j][0])) k = j;
    if (k < 0) return false;
    for (int j = 0; j < k; j++) mul *= 1024;
  }
  x *= mul;
  if (!(x >= 1048576.0 && x < 1e18)) return false;
  *out = (size_t)x;
  return true;
}

static gp_rc exec_set(qry *q, gp_ast *st, gp_result **out, gp_err *err) {
  gp_session *s = q->s;
  const char *n = st->set.name.s;
  gp_ast *v = st->set.value;
  if (!strcmp(n, "now")) {
    int64_t t;
    if (v->kind == GP_AST_STRING && !strcasecmp(v->str.s, "default")) {
      s->now = INT64_MIN;
    } else if (v->kind == GP_AST_STRING && gp_ts_parse(v->str.s, v->str.len, &t)) {
      s->now = t;
    } else if (v->kind == GP_AST_CAST && v->cast.arg->kind == GP_AST_STRING &&
               gp_ts_parse(v->cast.arg->str.s, v->cast.arg->str.len, &t)) {
      s->now = t;
    } else {
      return gp_query_err_at(err, GP_INVALID, v->pos, "SET now needs a timestamp such as '2024-08-01 12:00'");
    }
  } else if (!strcmp(n, "timezone") || !strcmp(n, "time_zone")) {
    const char *w = qx_opt_word(v);
    if (!w) return gp_query_err_at(err, GP_INVALID, v->pos, "SET timezone needs a zone name such as 'Asia/Shanghai'");
    qx_tz *tz;
    gp_err e2 = {0};
    if (qx_tz_load(w, &tz, &e2)) return gp_query_err_at(err, GP_INVALID, v->pos, "%s", e2.msg);
    qx_tz_free(s->tz);
    s->tz = (!strcasecmp(w, "utc")) ? (qx_tz_free(tz), NULL) : tz;
  } else if (!strcmp(n, "threads")) {
    if (v->kind != GP_AST_INT || v->i.v < 0 || v->i.v > 1024)
      return gp_query_err_at(err, GP_INVALID, v->pos, "SET threads needs a number 0..1024 (0 = all cores)");
    s->threads = (int)v->i.v;
  } else if (!strcmp(n, "vectorize")) {
    /* ON is a keyword, so on is written true or 'on' */
    const char *w = v->kind == GP_AST_BOOL ? (v->b.v ? "on" : "off") : qx_opt_word(v);
    if (!w || (strcasecmp(w, "on") != 0 && strcasecmp(w, "off") != 0))
      return gp_query_err_at(err, GP_INVALID, v->pos, "SET vectorize needs true or false");
    s->no_vec = strcasecmp(w, "off") == 0;
  } else if (!strcmp(n, "memory_limit")) {
    size_t bytes = 0;
    if (v->kind == GP_AST_STRING && !strcasecmp(v->str.s, "default")) bytes = default_mem_limit();
    else if (!mem_size(v, &bytes))
      return gp_query_err_at(err, GP_INVALID, v->pos,
                             "SET memory_limit needs a size such as '512 MB' or '2 GB' (at least 1 MB), or 'default'");
    s->mem_limit = bytes;
  } else {
    return gp_query_err_at(err, GP_NOTFOUND, st->set.name.pos, "unknown setting \"%s\" (now, timezone, threads, vectorize, memory_limit)", n);
  }
  return qx_status_result(out, err, "SET");
}

/* CREATE REGIONS name FROM 'file' [(id col, geometry wkt|geojson, crs 'EPSG:n',
 * make_valid true, parent col)]. A database without a CRS yet takes the UTM zone of the
 * layer's first region (WGS84 input only). */
static gp_rc exec_create_regions(qry *q, gp_ast *st, gp_result **out, gp_err *err) {
  gp_region_opts o = {0};
  gp_rc rc;
  const char *name = st->create_regions.name.s;
  for (uint32_t k = 0; k < st->create_regions.options.n; k++) {
    gp_ast *op = st->create_regions.options.v[k];
    const char *n = op->option.name.s;
    const gp_ast *v = op->option.value;
    const char *w = qx_opt_word(v);
    if (!strcmp(n, "id") || !strcmp(n, "parent")) {
      if (!w) return gp_query_err_at(err, GP_INVALID, v ? v->pos : op->pos, "%s needs a column name", n);
      if (!strcmp(n, "id")) o.id_col = w;
      else o.parent_col = w;
    } else if (!strcmp(n, "geometry") || !strcmp(n, "format")) {
      if (w && !strcasecmp(w, "wkt")) o.fmt = GP_REGION_WKT;
      else if (w && (!strcasecmp(w, "geojson") || !strcasecmp(w, "json"))) o.fmt = GP_REGION_GEOJSON;
      else if (w && !strcmp(n, "geometry")) o.fmt = GP_REGION_WKT, o.geom_col = w;
      else return gp_query_err_at(err, GP_INVALID, v ? v->pos : op->pos, "%s must be wkt or geojson", n);
    } else if (!strcmp(n, "geometry_col") || !strcmp(n, "wkt")) {
      if (!w) return gp_query_err_at(err, GP_INVALID, v ? v->pos : op->pos, "%s needs a column name", n);
      o.fmt = GP_REGION_WKT;
      o.geom_col = w;
    } else if (!strcmp(n, "crs")) {
      long e = 0;
      if (v && v->kind == GP_AST_INT) e = (long)v->i.v;
      else if (w && !strncasecmp(w, "EPSG:", 5)) e = strtol(w + 5, NULL, 10);
      if (e <= 0 || e > 999999)
        return gp_query_err_at(err, GP_INVALID, v ? v->pos : op->pos, "crs must be 'EPSG:n'");
      o.src_epsg = (int)e;
    } else if (!strcmp(n, "make_valid")) {
      if ((rc = opt_bool(v, true, &o.make_valid, err))) return rc;
    } else {
      return gp_query_err_at(err, GP_INVALID, op->pos, "unknown CREATE REGIONS option \"%s\" (id, geometry, crs, make_valid, parent)", n);
    }
  }
  if (strlen(name) >= GP_NAME_MAX)
    return gp_query_err_at(err, GP_INVALID, st->create_regions.name.pos, "regions name too long");
  gp_region_cat *cat;
  gp_err e2 = {0};
  if ((rc = qx_session_regions(q->s, &cat, &e2))) return gp_query_err_at(err, rc, st->pos, "%s", e2.msg);
  if (gp_region_cat_find(cat, name))
    return gp_query_err_at(err, GP_EXISTS, st->create_regions.name.pos, "regions \"%s\" already exist", name);
  const char *path = st->create_regions.path->str.s;
  gp_region_layer *l = NULL;
  o.mem = &q->mem;
  if (!gp_db_grid(q->s->db)) {
    int se = o.src_epsg ? o.src_epsg : 4326;
    if (se != 4326)
      return gp_query_err_at(err, GP_INVALID, st->pos, "the database has no CRS yet: load located rows first");
    if ((rc = gp_region_layer_read(name, path, NULL, 0, &o, se, &l, &e2)))
      return gp_query_err_at(err, rc, st->create_regions.path->pos, "%s", e2.msg);
    double x0, y0, x1, y1;
    gp_region_bbox(l, 0, &x0, &y0, &x1, &y1);
    gp_region_layer_free(l);
    l = NULL;
    if ((rc = gp_db_set_crs(q->s->db, gp_grid_utm_epsg((x0 + x1) / 2, (y0 + y1) / 2), &e2)))
      return gp_query_err_at(err, rc, st->pos, "%s", e2.msg);
    q->ctx.grid = gp_db_grid(q->s->db);
  }
  if ((rc = gp_region_layer_read(name, path, NULL, 0, &o, gp_db_epsg(q->s->db), &l, &e2)))
    return gp_query_err_at(err, rc, st->create_regions.path->pos, "%s", e2.msg);
  size_t n = gp_region_count(l);
  qx_session_ix_clear(q->s);
  if ((rc = gp_region_cat_add(cat, gp_db_store(q->s->db), l, &e2)))
    return gp_query_err_at(err, rc, st->pos, "%s", e2.msg);
  return qx_status_result(out, err, "CREATE REGIONS %zu", n);
}

static gp_rc show_regions(qry *q, gp_result **out, gp_err *err) {
  gp_region_cat *cat;
  gp_err e2 = {0};
  gp_rc rc = qx_session_regions(q->s, &cat, &e2);
  if (rc) return gp_err_set(err, rc, "%s", e2.msg);
  gp_result *r;
  if ((rc = gp_query__result_new(&r, err))) return rc;
  if ((rc = gp_query__result_add_col(r, "regions", GP_RK_TEXT, err)) ||
      (rc = gp_query__result_add_col(r, "count", GP_RK_INT, err)) ||
      (rc = gp_query__result_add_col(r, "crs", GP_RK_TEXT, err)))
    goto fail;
  size_t n = gp_region_cat_count(cat);
  const gp_region_layer **v = GP_MALLOC((n + 1) * sizeof *v);
  if (!v) {
    rc = qx_nomem(err);
    goto fail;
  }
  for (size_t k = 0; k < n; k++) v[k] = gp_region_cat_at(cat, k);
  for (size_t i = 1; i < n; i++) /* by name */
    for (size_t j = i; j > 0 && strcmp(gp_region_layer_name(v[j - 1]), gp_region_layer_name(v[j])) > 0; j--) {
      const gp_region_layer *t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
  for (size_t k = 0; k < n && !rc; k++) {
    char crs[32];
    snprintf(crs, sizeof crs, "EPSG:%d", gp_region_layer_epsg(v[k]));
    const char *nm = gp_region_layer_name(v[k]);
    rc = gp_query__result_put_text(r, 0, nm, strlen(nm), err);
    if (!rc) rc = gp_query__result_put_int(r, 1, (int64_t)gp_region_count(v[k]), err);
    if (!rc) rc = gp_query__result_put_text(r, 2, crs, strlen(crs), err);
  }
  GP_FREE(v);
  if (rc) goto fail;
  *out = r;
  return GP_OK;
fail:
  gp_query__result_free(r);
  return rc;
}

static gp_rc exec_show(qry *q, gp_ast *st, gp_result **out, gp_err *err) {
  if (st->show.what == GP_OBJ_REGIONS) return show_regions(q, out, err);
  if (st->show.what != GP_OBJ_TABLE)
    return gp_query_err_at(err, GP_UNSUPPORTED, st->pos, "only SHOW TABLES is supported yet");
  gp_result *r;
  gp_rc rc = gp_query__result_new(&r, err);
  if (rc) return rc;
  if ((rc = gp_query__result_add_col(r, "table", GP_RK_TEXT, err)) ||
      (rc = gp_query__result_add_col(r, "columns", GP_RK_INT, err)) ||
      (rc = gp_query__result_add_col(r, "time", GP_RK_TEXT, err)) ||
      (rc = gp_query__result_add_col(r, "location", GP_RK_TEXT, err)))
    goto fail;
  size_t n = gp_db_ntables(q->s->db);
  /* by name, so the listing does not depend on creation order */
  const gp_table **v = GP_MALLOC((n + 1) * sizeof *v);
  if (!v) {
    rc = qx_nomem(err);
    goto fail;
  }
  for (size_t k = 0; k < n; k++) v[k] = gp_db_table_at(q->s->db, k);
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && strcmp(v[j - 1]->name, v[j]->name) > 0; j--) {
      const gp_table *t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
  for (size_t k = 0; k < n && !rc; k++) {
    const gp_table *t = v[k];
    char loc[160] = "";
    if (t->loc == GP_LOC_LONLAT) snprintf(loc, sizeof loc, "(%s, %s)", t->cols[t->lon_col].name, t->cols[t->lat_col].name);
    else if (t->loc == GP_LOC_FROM) snprintf(loc, sizeof loc, "from %s(%s)", t->loc_table, t->loc_col >= 0 ? t->cols[t->loc_col].name : "?");
    rc = gp_query__result_put_text(r, 0, t->name, strlen(t->name), err);
    if (!rc) rc = gp_query__result_put_int(r, 1, t->ncols, err);
    if (!rc) rc = t->time_col >= 0 ? gp_query__result_put_text(r, 2, t->cols[t->time_col].name, strlen(t->cols[t->time_col].name), err)
                                   : gp_query__result_put_null(r, 2, err);
    if (!rc) rc = loc[0] ? gp_query__result_put_text(r, 3, loc, strlen(loc), err) : gp_query__result_put_null(r, 3, err);
  }
  GP_FREE(v);
  if (rc) goto fail;
  *out = r;
  return GP_OK;
fail:
  gp_query__result_free(r);
  return rc;
}

static gp_rc exec_describe(qry *q, gp_ast *st, gp_result **out, gp_err *err) {
  const char *name = st->describe.name.s;
  const gp_table *t = gp_db_table(q->s->db, name);
  if (!t) {
    suggest sg = {0};
    for (size_t k = 0; k < gp_db_ntables(q->s->db); k++) qx_suggest_add(&sg, name, gp_db_table_at(q->s->db, k)->name);
    return gp_query_err_at(err, GP_NOTFOUND, st->describe.name.pos, "no table \"%s\"%s%s%s", name,
                           sg.best ? " (did you mean \"" : "", sg.best ? sg.best : "", sg.best ? "\"?)" : "");
  }
  gp_result *r;
  gp_rc rc = gp_query__result_new(&r, err);
  if (rc) return rc;
  if ((rc = gp_query__result_add_col(r, "column", GP_RK_TEXT, err)) ||
      (rc = gp_query__result_add_col(r, "type", GP_RK_TEXT, err)) ||
      (rc = gp_query__result_add_col(r, "role", GP_RK_TEXT, err)))
    goto fail;
  for (int k = 0; k < t->ncols && !rc; k++) {
    char role[96] = "";
    size_t o = 0;
#define ROLE(cond, s) if (cond) o += (size_t)snprintf(role + o, sizeof role - o, "%s%s", o ? ", " : "", s)
    ROLE(k == t->key_col, "key");
    ROLE(k == t->time_col, "time");
    ROLE(t->loc == GP_LOC_LONLAT && k == t->lon_col, "longitude");
    ROLE(t->loc == GP_LOC_LONLAT && k == t->lat_col, "latitude");
    ROLE(t->loc == GP_LOC_FROM && k == t->loc_col, "location key");
#undef ROLE
    const char *tn = gp_type_name(t->cols[k].type);
    rc = gp_query__result_put_text(r, 0, t->cols[k].name, strlen(t->cols[k].name), err);
    if (!rc) rc = gp_query__result_put_text(r, 1, tn, strlen(tn), err);
    if (!rc) rc = o ? gp_query__result_put_text(r, 2, role, o, err) : gp_query__result_put_null(r, 2, err);
  }
  if (rc) goto fail;
  *out = r;
  return GP_OK;
fail:
  gp_query__result_free(r);
  return rc;
}

static gp_rc exec_drop(qry *q, gp_ast *st, gp_result **out, gp_err *err) {
  if (st->drop.what == GP_OBJ_REGIONS) {
    const char *name = st->drop.name.s;
    gp_region_cat *cat;
    gp_err e2 = {0};
    gp_rc rc = qx_session_regions(q->s, &cat, &e2);
    if (rc) return gp_query_err_at(err, rc, st->pos, "%s", e2.msg);
    if (!gp_region_cat_find(cat, name)) {
      if (st->drop.if_exists) return qx_status_result(out, err, "DROP REGIONS (no regions \"%s\")", name);
      return gp_query_err_at(err, GP_NOTFOUND, st->drop.name.pos, "no regions \"%s\"", name);
    }
    qx_session_ix_clear(q->s);
    if ((rc = gp_region_cat_drop(cat, gp_db_store(q->s->db), name, &e2)))
      return gp_query_err_at(err, rc, st->drop.name.pos, "%s", e2.msg);
    return qx_status_result(out, err, "DROP REGIONS");
  }
  if (st->drop.what != GP_OBJ_TABLE)
    return gp_query_err_at(err, GP_UNSUPPORTED, st->pos, "only DROP TABLE is supported yet");
  const char *name = st->drop.name.s;
  if (!gp_db_table(q->s->db, name)) {
    if (st->drop.if_exists) return qx_status_result(out, err, "DROP TABLE (no table \"%s\")", name);
    return gp_query_err_at(err, GP_NOTFOUND, st->drop.name.pos, "no table \"%s\"", name);
  }
  gp_err e2 = {0};
  gp_rc rc = gp_db_drop_table(q->s->db, name, &e2);
  if (rc) return gp_query_err_at(err, rc, st->drop.name.pos, "%s", e2.msg);
  return qx_status_result(out, err, "DROP TABLE");
}

/* FORECAST agg FROM t [WHERE w] EVERY i HORIZON j USING method[(period n)]: the series
 * SELECT bucket(<time column>, i), agg FROM t WHERE w GROUP BY 1 ORDER BY 1, made regular
 * (a missing bucket repeats the value before it), fitted by qx_forecast, and the next
 * ceil(j / i) buckets as rows (ts, forecast, lo, hi) with a 95% prediction interval. */
static gp_rc exec_forecast(qry *q, gp_ast *st, gp_result **out, gp_err *err) {
  gp_ast *fc = st;
  const char *meth = fc->forecast.method.s;
  qx_fc_method m = !strcmp(meth, "holt_winters") ? QF_HOLT_WINTERS : !strcmp(meth, "linear") ? QF_LINEAR : 0;
  if (!m)
    return gp_query_err_at(err, GP_NOTFOUND, fc->forecast.method.pos,
                           "unknown forecast method %s (holt_winters, linear)", meth);
  int period = 1;
  for (uint32_t k = 0; k < fc->forecast.options.n; k++) {
    gp_ast *o = fc->forecast.options.v[k];
    if (strcmp(o->option.name.s, "period") != 0 || m != QF_HOLT_WINTERS)
      return gp_query_err_at(err, GP_INVALID, o->option.name.pos, "unknown option %s for %s",
                             o->option.name.s, meth);
    if (!o->option.value || o->option.value->kind != GP_AST_INT || o->option.value->i.v < 1 ||
        o->option.value->i.v > 100000)
      return gp_query_err_at(err, GP_INVALID, o->option.name.pos, "period needs a number of steps such as 24");
    period = (int)o->option.value->i.v;
  }
  qx_val every, hor;
  gp_rc rc;
  gp_ast *ev = fc->forecast.every, *ho = fc->forecast.horizon;
  if (ev->kind != GP_AST_INTERVAL || ho->kind != GP_AST_INTERVAL)
    return gp_query_err_at(err, GP_INVALID, (ev->kind != GP_AST_INTERVAL ? ev : ho)->pos,
                           "EVERY and HORIZON need intervals such as 1 h");
  if ((rc = qx_interval_val(ev, &every, err)) || (rc = qx_interval_val(ho, &hor, err))) return rc;
  if (every.n || hor.n || every.i <= 0 || hor.i <= 0)
    return gp_query_err_at(err, GP_INVALID, ev->pos, "EVERY and HORIZON need fixed positive intervals (no months)");
  int64_t steps = (hor.i + every.i - 1) / every.i;
  if (steps > 100000) return gp_query_err_at(err, GP_INVALID, ho->pos, "HORIZON is more than 100000 steps of EVERY");
  const gp_table *t = gp_db_table(q->s->db, fc->forecast.table.s);
  if (!t) return gp_query_err_at(err, GP_NOTFOUND, fc->forecast.table.pos, "no table \"%s\"", fc->forecast.table.s);
  if (t->time_col < 0) return gp_query_err_at(err, GP_INVALID, fc->forecast.table.pos, "table %s has no TIME column", t->name);
  /* the series as a SELECT, built as the parser would have built it */
  gp_ast *n[9];
  for (int k = 0; k < 9; k++)
    if (!(n[k] = gp_query_arena_alloc(q->a, sizeof *n[k]))) return qx_nomem(err);
  gp_ast **iv = gp_query_arena_alloc(q->a, 2 * sizeof *iv), **ca = gp_query_arena_alloc(q->a, 2 * sizeof *ca);
  gp_ast **gv = gp_query_arena_alloc(q->a, sizeof *gv), **ov = gp_query_arena_alloc(q->a, sizeof *ov);
  if (!iv || !ca || !gv || !ov) return qx_nomem(err);
  gp_ast *tc = n[0], *bk = n[1], *it0 = n[2], *it1 = n[3], *tr = n[4], *g1 = n[5], *oi = n[6], *o1 = n[7], *sel = n[8];
  tc->kind = GP_AST_COLUMN;
  tc->pos = fc->pos;
  tc->column.name.s = t->cols[t->time_col].name;
  ca[0] = tc;
  ca[1] = ev;
  bk->kind = GP_AST_CALL;
  bk->pos = fc->pos;
  bk->call.name.s = "bucket";
  bk->call.args.v = ca;
  bk->call.args.n = 2;
  it0->kind = it1->kind = GP_AST_SELECT_ITEM;
  it0->item.expr = bk;
  it1->item.expr = fc->forecast.agg;
  iv[0] = it0;
  iv[1] = it1;
  tr->kind = GP_AST_TABLE_REF;
  tr->pos = fc->forecast.table.pos;
  tr->table.name = fc->forecast.table;
  g1->kind = o1->kind = GP_AST_INT;
  g1->i.v = o1->i.v = 1;
  gv[0] = g1;
  oi->kind = GP_AST_ORDER_ITEM;
  oi->order.expr = o1;
  ov[0] = oi;
  sel->kind = GP_AST_SELECT;
  sel->pos = fc->pos;
  sel->select.items.v = iv;
  sel->select.items.n = 2;
  sel->select.from = tr;
  sel->select.where = fc->forecast.where;
  sel->select.group.v = gv;
  sel->select.group.n = 1;
  sel->select.order.v = ov;
  sel->select.order.n = 1;
  qrel *r;
  if ((rc = run_select(q, sel, &r, err))) return rc;
  /* regular series from the first to the last bucket with a value */
  size_t first = 0;
  while (first < r->n && (qx_rel_row(r, first)[1].t != QV_INT && qx_rel_row(r, first)[1].t != QV_DBL)) first++;
  if (first == r->n) return gp_query_err_at(err, GP_INVALID, fc->pos, "FORECAST: the series has no values");
  int64_t t0 = qx_rel_row(r, first)[0].i, tl = qx_rel_row(r, r->n - 1)[0].i;
  size_t len = (size_t)((tl - t0) / every.i) + 1;
  if (len > 10000000) return gp_query_err_at(err, GP_INVALID, fc->pos, "FORECAST: more than 10 M steps");
  double *y = GP_MALLOC((len + 2 * (size_t)steps + 1) * sizeof *y);
  if (!y) return qx_nomem(err);
  double *f = y + len, *half = f + steps;
  size_t j = first;
  double last = 0;
  for (size_t i = 0; i < len; i++) {
    int64_t ti = t0 + (int64_t)i * every.i;
    while (j < r->n && qx_rel_row(r, j)[0].i < ti) j++;
    if (j < r->n && qx_rel_row(r, j)[0].i == ti) {
      const qx_val *v = &qx_rel_row(r, j)[1];
      if (v->t == QV_INT) last = (double)v->i;
      else if (v->t == QV_DBL) last = v->d;
    }
    y[i] = last;
  }
  gp_err fe = {0};
  rc = qx_forecast(m, y, len, period, (size_t)steps, f, half, &fe);
  if (rc) {
    GP_FREE(y);
    return gp_query_err_at(err, rc, fc->pos, "FORECAST: %s", fe.msg);
  }
  qrel *o = qx_rel_new(q, 4, err);
  if (!o) {
    GP_FREE(y);
    return err->rc ? err->rc : qx_nomem(err);
  }
  static const char *names[] = {"ts", "forecast", "lo", "hi"};
  for (int k = 0; k < 4; k++) {
    o->names[k] = names[k];
    o->types[k] = k ? QV_DBL : QV_TS;
  }
  for (int64_t k = 0; k < steps && !rc; k++) {
    qx_val *row = qx_rel_push(o);
    if (!row) {
      rc = qx_nomem(err);
      break;
    }
    row[0] = qx_ts(tl + (k + 1) * every.i);
    row[1] = qx_dbl(f[k]);
    row[2] = qx_dbl(f[k] - half[k]);
    row[3] = qx_dbl(f[k] + half[k]);
  }
  GP_FREE(y);
  return rc ? rc : qx_rel_to_result(q, o, out, err);
}

static void pools_free(void *p) {
  qry *q = p;
  for (int k = 0; k < q->nthreads; k++) qx_pool_free(&q->tpool[k]);
  qx_pool_free(&q->pool);
}

static gp_rc exec_dispatch(qry *q, gp_ast *st, gp_result **out, gp_err *err);

static gp_rc exec_stmt(gp_session *s, gp_query_arena *a, gp_ast *st, gp_result **out, gp_err *err) {
  qry *q = gp_query_arena_alloc(a, sizeof *q);
  if (!q) return qx_nomem(err);
  q->s = s;
  q->select = run_select;
  atomic_init(&q->mem.used, 0);
  atomic_init(&q->mem.over, false);
  q->mem.limit = s->mem_limit;
  q->a = a;
  q->ctx.db = s->db;
  q->ctx.grid = s->db ? gp_db_grid(s->db) : NULL; /* no db: SET only (gp_session_exec) */
  q->ctx.tz = s->tz;
  q->ctx.now = s->now != INT64_MIN ? s->now : (int64_t)time(NULL) * GP_USEC_PER_SEC;
  q->nthreads = s->threads > 0 ? s->threads : omp_get_max_threads();
  q->tpool = gp_query_arena_alloc(a, (size_t)q->nthreads * sizeof *q->tpool);
  if (!q->tpool) return qx_nomem(err);
  q->pool.mem = &q->mem;
  for (int k = 0; k < q->nthreads; k++) q->tpool[k].mem = &q->mem;
  gp_rc rc = gp_query_arena_on_free(a, pools_free, q, err);
  if (rc) return rc;
  rc = exec_dispatch(q, st, out, err);
  /* Past the limit even when the statement went on: an expression whose string could not be
   * had evaluates to NULL, an answer that must not be taken for the right one. */
  if ((rc == GP_OK || rc == GP_NOMEM) && atomic_load(&q->mem.over)) {
    rc = GP_NOMEM;
    gp_err_clear(err); /* the plain "out of memory" of the allocation that failed */
    gp_err_set(err, GP_NOMEM,
               "out of memory: the statement's intermediate results (groups, joins, subqueries, "
               "sorts) need more than memory_limit (%.0f MB); narrow it or SET memory_limit",
               (double)q->mem.limit / 1048576.0);
  }
  /* a failure deep in a layer that returned its code without a message (storage's column
   * decode when an allocation fails) still reaches the user as words */
  if (rc && err && !err->msg[0]) {
    gp_err_clear(err);
    gp_err_set(err, rc, "%s", gp_rc_str(rc));
  }
  return rc;
}

static gp_rc exec_dispatch(qry *q, gp_ast *st, gp_result **out, gp_err *err) {
  gp_rc rc;
  switch (st->kind) {
  case GP_AST_SELECT: {
    qrel *r;
    if ((rc = run_select(q, st, &r, err))) return rc;
    return qx_rel_to_result(q, r, out, err);
  }
  case GP_AST_EXPLAIN: {
    if (st->explain.stmt->kind != GP_AST_SELECT)
      return gp_query_err_at(err, GP_UNSUPPORTED, st->pos, "EXPLAIN works on SELECT only");
    gp_buf text = {0};
    q->explain = &text;
    q->analyze = st->explain.analyze;
    qrel *r;
    double t0 = qx_now_ms();
    rc = run_select(q, st->explain.stmt, &r, err);
    gp_result *res = NULL;
    if (!rc && q->analyze) {
      /* The statement's whole cost but printing: WITH queries, the SELECT, and the result
       * rows that a plain SELECT hands to the front end (built here, then dropped). Benchmarks
       * read this line, so it is the time a user waits less the terminal's. */
      if (!(rc = qx_rel_to_result(q, r, &res, err))) {
        gp_query__result_free(res);
        res = NULL;
        qx_explain_line(q, "total: %.3f ms, %zu rows", qx_now_ms() - t0, r->n);
      }
    }
    if (!rc) rc = gp_query__result_new(&res, err);
    if (!rc) rc = gp_query__result_add_col(res, "plan", GP_RK_TEXT, err);
    for (size_t o = 0; !rc && o < text.len;) {
      const char *l = (const char *)text.p + o, *e = memchr(l, '\n', text.len - o);
      size_t n = e ? (size_t)(e - l) : text.len - o;
      rc = gp_query__result_put_text(res, 0, l, n, err);
      o += n + 1;
    }
    gp_buf_free(&text);
    if (rc) {
      gp_query__result_free(res);
      return rc;
    }
    *out = res;
    return GP_OK;
  }
  case GP_AST_CREATE_TABLE: return exec_create(q, st, out, err);
  case GP_AST_COPY: return exec_copy(q, st, out, err);
  case GP_AST_CREATE_REGIONS: return exec_create_regions(q, st, out, err);
  case GP_AST_SET: return exec_set(q, st, out, err);
  case GP_AST_SHOW: return exec_show(q, st, out, err);
  case GP_AST_DESCRIBE: return exec_describe(q, st, out, err);
  case GP_AST_DROP: return exec_drop(q, st, out, err);
  case GP_AST_FORECAST: return exec_forecast(q, st, out, err);
  default:
    return gp_query_err_at(err, GP_UNSUPPORTED, st->pos, "%s is not supported yet",
                           gp_ast_kind_name(st->kind));
  }
}

/* ---- sessions -------------------------------------------------------------------------- */

gp_rc gp_session_new(struct gp_db *db, gp_session **out, gp_err *err) {
  gp_session *s = GP_CALLOC(1, sizeof *s);
  if (!s) return qx_nomem(err);
  s->db = db;
  s->mem_limit = default_mem_limit();
  s->now = INT64_MIN;
  *out = s;
  return GP_OK;
}

gp_rc gp_session_new_lazy(gp_session_open_fn open, void *ctx, gp_session **out, gp_err *err) {
  gp_rc rc = gp_session_new(NULL, out, err);
  if (!rc) (*out)->open = open, (*out)->open_ctx = ctx;
  return rc;
}

void gp_session_free(gp_session *s) {
  if (!s) return;
  qx_tz_free(s->tz);
  qx_session_ix_clear(s);
  gp_region_cat_free(s->regions);
  GP_FREE(s);
}

void gp_session_cancel(gp_session *s) { s->cancel = 1; }

gp_rc gp_session_exec(gp_session *s, const char *src, size_t len, gp_result_fn fn, void *ctx,
                      gp_err *err) {
  gp_err_clear(err);
  s->cancel = 0;
  gp_query_arena *a = NULL;
  gp_ast *script;
  gp_rc rc = gp_query_arena_new(&a, err);
  if (rc) return rc;
  if ((rc = gp_query_parse(a, src, len, &script, err))) goto cleanup;
  for (uint32_t k = 0; k < script->script.stmts.n && !rc; k++) {
    gp_query_arena *sa = NULL;
    if ((rc = gp_query_arena_new(&sa, err))) break;
    gp_result *res = NULL;
    gp_ast *st = script->script.stmts.v[k];
    qx_fault_take(NULL); /* nothing left over from a statement that failed before */
    if (!s->db && st->kind != GP_AST_SET)
      rc = s->open ? s->open(s->open_ctx, gp_ast_creates(st), &s->db, err)
                   : gp_err_set(err, GP_INVALID, "the session has no database");
    if (!rc) rc = exec_stmt(s, sa, st, &res, err);
    /* an evaluation error on this thread that no earlier check took (HAVING, ORDER BY and
     * the select list after grouping are evaluated here) fails the statement */
    if (!rc && qx_faulted()) rc = qx_fault_take(err);
    qx_fault_take(NULL);
    if (!rc && s->cancel) rc = gp_err_set(err, GP_CANCELLED, "cancelled");
    gp_query_arena_free(sa);
    if (!rc && fn) rc = fn(ctx, res, err);
    gp_query__result_free(res);
  }
cleanup:
  gp_query_arena_free(a);
  return rc;
}

const char *gp_session_name_at(gp_session *s, size_t i) {
  size_t n = s->db ? gp_db_ntables(s->db) : 0;
  for (size_t k = 0; k < n; k++) {
    const gp_table *t = gp_db_table_at(s->db, k);
    if (i == 0) return t->name;
    i--;
    if (i < (size_t)t->ncols) return t->cols[i].name;
    i -= (size_t)t->ncols;
  }
  return NULL;
}
