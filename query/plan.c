/* plan.c - the pieces of a SELECT's plan that read the AST: FROM sources resolved (a table,
 * a WITH query, a subquery, nearest()), scopes built, WHERE split into terms, time terms
 * turned into the scan's window, the columns an expression reads. */
#include <ctype.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec_int.h"

/* One FROM item becomes a source: a stored table (s->t, scanned later by select.c), or an
 * already materialised relation (s->rel). The order of the lookups is the order of name
 * resolution, and it matters:
 *  - nearest(...) is a table function and runs now (nearest.c): its answer is a few rows;
 *  - a subquery in FROM runs now, through qx_subquery, the one upward call (a SELECT nests
 *    SELECTs); the outer query then sees only its rows, so nothing outside it (WHERE, the time
 *    window) is pushed into it;
 *  - a name is a WITH query first, innermost first (the CTEs of the nearest WITH shadow the
 *    outer ones and the tables, as in PostgreSQL), then a table, then a system view (alerts),
 *    which is a SELECT the engine writes and runs like a subquery;
 *  - an unknown name is an error at the name's position with the nearest table or CTE name.
 * Only the table case leaves the choice of how to read for later: a relation is always read
 * whole, which is why the planner's fast paths (summaries, series, vectorised keys) exist only
 * for tables. */
gp_rc qx_resolve_source(qry *q, gp_ast *f, source *s, gp_err *err) {
  memset(s, 0, sizeof *s);
  if (f->kind == GP_AST_TABLE_FUNC && !strcmp(f->table_func.call->call.name.s, "nearest"))
    return qx_run_nearest(q, f, s, err);
  if (f->kind == GP_AST_SUBQUERY) {
    gp_rc rc = qx_subquery(q, f->subquery.select, &s->rel, err);
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
  gp_ast *view = NULL; /* a system view (alerts) is run as a subquery */
  gp_rc vrc = gp_query__system_view(q->s->db, q->a, name, &view, err);
  if (vrc || view) return vrc ? vrc : qx_subquery(q, view, &s->rel, err);
  suggest sg = {0};
  for (size_t k = 0; k < gp_db_ntables(q->s->db); k++)
    qx_suggest_add(&sg, name, gp_db_table_at(q->s->db, k)->name);
  for (int k = 0; k < q->nctes; k++) qx_suggest_add(&sg, name, q->ctes[k].name);
  return gp_query_err_at(err, GP_NOTFOUND, f->table.name.pos, "no table \"%s\"%s%s%s", name,
                         sg.best ? " (did you mean \"" : "", sg.best ? sg.best : "",
                         sg.best ? "\"?)" : "");
}

/* Appends a source's columns to the scope the binder resolves names in. A join's scope is the
 * big side's columns then the small side's (src tells a bound column which row it reads:
 * QX_SRC_ROWS for the scanned table's decoded columns, QX_SRC_VALS/VALS2 for materialised
 * values), so a column's index in the scope is also its index in the row the pipeline builds.
 * Table columns keep their storage type (ctype), which the vectorised path needs to read raw
 * words; relation columns keep only the value type and any region layer they carry. */
gp_rc qx_scope_add(qry *q, scope *sc, const source *s, uint8_t src, gp_err *err) {
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

/* Splits an AND tree into its terms. The planner decides per term where it runs (the time
 * window, the join keys, the cells of a spatial scan, a filter before or after the join probe:
 * sel_terms in select.c), and that is only possible on the terms of a conjunction: an OR or a
 * NOT is one term, evaluated per row. Past cap the rest of the tree stays one term, which is
 * still correct, only less pushed down. */
void qx_conjuncts(gp_ast *e, gp_ast **v, int *n, int cap) {
  if (e->kind == GP_AST_BINARY && e->binary.op == GP_OP_AND && *n < cap - 1) {
    qx_conjuncts(e->binary.l, v, n, cap);
    qx_conjuncts(e->binary.r, v, n, cap);
  } else if (*n < cap) {
    v[(*n)++] = e;
  }
}

/* A term `time_col OP constant` narrows [lo, hi); returns true when it was absorbed.
 * This is the planner's most valuable rewrite: the store is partitioned by time, so the window
 * decides which partitions and units are even opened, and a unit wholly inside it is "covered"
 * (its summaries may answer the aggregates without decoding). An absorbed term is dropped from
 * the filters: the scan returns only rows inside [lo, hi), so testing it again per row would
 * be pure cost and would also stop the summaries path, which needs no per-row filter.
 * What qualifies: the table's own TIME column (src QX_SRC_ROWS: not a small side's, whose
 * times narrow the window another way, join_window in join.c) against a constant timestamp.
 * Constants include subqueries used as values, which the binder has already run, so
 * `ts > (SELECT max(ts) ...) - 2 d` narrows the scan too. Either operand order is accepted
 * (the comparison is mirrored), BETWEEN is two bounds, = is a one-microsecond window. Bounds
 * only ever narrow: several terms intersect. The window is half-open, so `<= v` and `> v`
 * become v + 1, guarded against overflow at INT64_MAX (an unbounded side stays unbounded). */
bool qx_time_term(const qx_ex *x, int tcol, int64_t *lo, int64_t *hi) {
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

/* The layer whose region ids a select item x (bound over T) yields, or NULL: region('layer')
 * itself, a GROUP BY key that is one, or a column of a FROM subquery or WITH query that was one
 * (scol.layer), so the GeoJSON output can draw it. Values computed from region ids (CASE,
 * coalesce, ||) are not tracked. */
const gp_region_layer *qx_ex_layer(const bctx *b, const qx_ex *x, qx_ex **keys) {
  if (x->op == QX_FUNC && x->sub == QF_REGION && x->geo) return x->geo->layer;
  if (x->op != QX_COL || x->src != QX_SRC_VALS) return NULL;
  if (!b->agg_query) return x->idx < b->sc->n ? b->sc->c[x->idx].layer : NULL;
  if (x->idx >= b->nkeys) return NULL; /* an aggregate */
  const qx_ex *k = keys[x->idx];
  if (k->op == QX_FUNC && k->sub == QF_REGION && k->geo) return k->geo->layer;
  int c = b->keys[x->idx].col;
  return c >= 0 && c < b->sc->n ? b->sc->c[c].layer : NULL;
}

/* The output column's name, as PostgreSQL names it: the alias, else the column's or the
 * function's name, else colN (where PostgreSQL says ?column?). */
const char *qx_item_name(qry *q, gp_ast *it, int k) {
  if (it->item.alias.s) return it->item.alias.s;
  gp_ast *e = it->item.expr;
  if (e->kind == GP_AST_COLUMN) return e->column.name.s;
  if (e->kind == GP_AST_CALL) return e->call.name.s;
  char b[32];
  snprintf(b, sizeof b, "col%d", k + 1);
  return gp_query_arena_strndup(q->a, b, strlen(b));
}

/* The walk over select items, WHERE, GROUP BY and the rest that tells the planner two things
 * before anything is bound: whether the query aggregates (an aggregate call outside OVER makes
 * the whole SELECT grouped, even without GROUP BY), and which scope columns are named at all
 * (mask), which becomes the scan's column set so only those columns are decoded. Subqueries
 * are skipped: they are planned on their own. x() and y() ask for every column: the
 * conservative choice for calls whose columns the walk does not work out from the call. */
int qx_walk_fn(gp_ast *n, void *ctx) {
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
