/* bind.c - the binder: AST expressions into typed qx_ex trees over a scope (columns resolved to
 * indices with nearest-name suggestions, constants folded, strings next to TIMESTAMP/INTERVAL
 * typed, a string compared with a SYMBOL column turned into its dictionary id), aggregates,
 * window and locf/interpolate calls recorded in the binder's context (bctx), and subqueries
 * used as values run once (through qx_subquery) and turned into constants. Scalar functions
 * are the table fns below. bind_geo.c is its spatial half; the two recurse into each other
 * (point()'s arguments are bound here), as expressions nest. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec_int.h"
#include "func_int.h"

static gp_rc bind_agg(bctx *b, gp_ast *e, const qx_func *def, qx_ex **out, gp_err *err);
static gp_rc bind_window(bctx *b, gp_ast *e, const qx_func *f, qx_ex **out, gp_err *err);
static gp_rc bind_fill(bctx *b, gp_ast *e, qx_ex **out, gp_err *err);
static int match_key(bctx *b, gp_ast *e);
static gp_rc bind_cell(bctx *b, gp_ast *e, qx_fn fn, qx_ex **out, gp_err *err);

qx_ex *qx_ex_new(bctx *b, qx_op op, int nargs, gp_query_pos pos) {
  qx_ex *x = gp_query_arena_alloc(b->q->a, sizeof *x);
  if (!x) return NULL;
  x->op = (uint8_t)op;
  x->pos = pos;
  x->nargs = nargs;
  if (nargs) {
    x->args = gp_query_arena_alloc(b->q->a, (size_t)nargs * sizeof *x->args);
    if (!x->args) return NULL;
  }
  return x;
}

static qx_ex *ex_const(bctx *b, qx_val v, gp_query_pos pos) {
  qx_ex *x = qx_ex_new(b, QX_CONST, 0, pos);
  if (x) {
    x->k = v;
    x->t = v.t;
  }
  return x;
}

/* The scope column named by a COLUMN node, or -1 (err set) when none or ambiguous. */
int qx_resolve_col(bctx *b, const gp_ast *e, bool quiet, gp_err *err) {
  const char *qual = e->column.table.s, *name = e->column.name.s;
  int found = -1;
  for (int k = 0; k < b->sc->n; k++) {
    const scol *c = &b->sc->c[k];
    if (strcmp(c->name, name) != 0) continue;
    if (qual && (!c->qual || strcmp(c->qual, qual) != 0)) continue;
    if (found >= 0) {
      if (!quiet)
        gp_query_err_at(err, GP_INVALID, e->pos, "column \"%s\" is ambiguous: qualify it", name);
      return -2;
    }
    found = k;
  }
  if (found < 0 && !quiet) {
    suggest sg = {0};
    for (int k = 0; k < b->sc->n; k++) qx_suggest_add(&sg, name, b->sc->c[k].name);
    if (b->items)
      for (uint32_t k = 0; k < b->items->n; k++) {
        const char *al = b->items->v[k]->item.alias.s;
        if (al) qx_suggest_add(&sg, name, al);
      }
    if (qual)
      gp_query_err_at(err, GP_NOTFOUND, e->pos, "no column \"%s.%s\" in %s%s%s%s", qual, name,
                      b->sc->what, sg.best ? " (did you mean \"" : "", sg.best ? sg.best : "",
                      sg.best ? "\"?)" : "");
    else
      gp_query_err_at(err, GP_NOTFOUND, e->pos, "no column \"%s\" in %s%s%s%s", name,
                      b->sc->what, sg.best ? " (did you mean \"" : "", sg.best ? sg.best : "",
                      sg.best ? "\"?)" : "");
  }
  return found;
}

qx_ex *qx_col_ex(bctx *b, int k, gp_query_pos pos) {
  const scol *c = &b->sc->c[k];
  qx_ex *x = qx_ex_new(b, QX_COL, 0, pos);
  if (!x) return NULL;
  x->src = c->src;
  x->idx = c->idx;
  x->t = c->t;
  x->ctype = c->ctype;
  x->tab = c->tab;
  return x;
}

bool qx_is_agg_name(const char *n) {
  const qx_func *f = qx_func_find(n);
  return f && f->kind == QK_AGG;
}

/* An interval literal in time context: microseconds and calendar months. */
gp_rc qx_interval_val(const gp_ast *e, qx_val *v, gp_err *err) {
  double x = e->interval.v;
  int64_t mul = qx_unit_us(e->interval.u);
  switch (e->interval.u) {
  case GP_UNIT_MONTH:
  case GP_UNIT_Y: {
    double m = e->interval.u == GP_UNIT_Y ? x * 12 : x;
    if (m != floor(m) || m <= 0 || m > 12000)
      return gp_query_err_at(err, GP_INVALID, e->pos,
                             "calendar intervals must be a positive whole number of months");
    *v = qx_null();
    v->t = QV_IVL;
    v->n = (uint32_t)m;
    return GP_OK;
  }
  case GP_UNIT_KM:
    return gp_query_err_at(err, GP_INVALID, e->pos, "a length (%s %s) where a time interval "
                           "is expected", e->interval.text, e->interval.unit);
  default: break; /* a fixed length: mul */
  }
  double us = x * (double)mul;
  /* a timestamp spans about +-292,000 years of microseconds; an interval may not exceed it */
  if (!(fabs(us) < 9.2e18))
    return gp_query_err_at(err, GP_INVALID, e->pos, "interval %s %s out of range", e->interval.text,
                           e->interval.unit);
  *v = qx_null();
  v->t = QV_IVL;
  v->i = (int64_t)llround(us);
  return GP_OK;
}

/* A length in metres: `500 m`, `1 km`, or a bare number of metres. */
gp_rc qx_length_m(const gp_ast *e, double *m, gp_err *err) {
  if (e->kind == GP_AST_INT) *m = (double)e->i.v;
  else if (e->kind == GP_AST_FLOAT) *m = e->f.v;
  else if (e->kind == GP_AST_INTERVAL && e->interval.u == GP_UNIT_M) *m = e->interval.v;
  else if (e->kind == GP_AST_INTERVAL && e->interval.u == GP_UNIT_KM) *m = e->interval.v * 1000;
  else return gp_query_err_at(err, GP_INVALID, e->pos, "expected a length such as 1 km or 500 m");
  return GP_OK;
}

bool qx_operands_const(const qx_ex *x) {
  for (int k = 0; k < x->nargs; k++)
    if (x->args[k]->op != QX_CONST) return false;
  return true;
}

/* Folds a node whose operands are all constants into a constant. */
static qx_ex *fold(bctx *b, qx_ex *x) {
  if (!x || x->op == QX_CONST || x->op == QX_COL || x->op == QX_SYMCMP || x->op == QX_SYMIN)
    return x;
  if (x->op == QX_FUNC && (x->sub == QF_CELL || x->sub == QF_CELL_X || x->sub == QF_CELL_Y ||
                           x->sub == QF_X || x->sub == QF_Y))
    return x;
  if (!qx_operands_const(x)) return x;
  qx_row r = {0};
  qx_val v;
  qx_eval(&b->q->ctx, x, &r, &b->q->pool, &v);
  uint8_t t = x->t;
  x->op = QX_CONST;
  x->k = v;
  x->t = v.t != QV_NULL ? v.t : t;
  x->nargs = 0;
  return x;
}

gp_rc qx_coerce_ts(qx_ex *x, gp_err *err) { return qx_coerce(x, QV_TS, err); }

static gp_rc bind_list(bctx *b, gp_ast **v, int n, qx_ex **out, gp_err *err) {
  for (int k = 0; k < n; k++) {
    gp_rc rc = qx_bind(b, v[k], &out[k], err);
    if (rc) return rc;
  }
  return GP_OK;
}

/* cell_lon / cell_lat / cell_mx / cell_my: the centre of a cell, bound as fn(cell value). With
 * a size, the value is cell(size) itself, so every rule about cell() (the GROUP BY key it
 * reads after grouping, the scan rows it reads before, the vectorised key path) applies
 * unchanged; otherwise the argument must be a cell, e.g. a column cell(size) made in a
 * subquery. */
static gp_rc bind_cell_centre(bctx *b, gp_ast *e, qx_fn fn, qx_ex **out, gp_err *err) {
  gp_ast *a0 = e->call.args.v[0];
  bool size = a0->kind == GP_AST_INT || a0->kind == GP_AST_FLOAT ||
              (a0->kind == GP_AST_INTERVAL &&
               (a0->interval.u == GP_UNIT_M || a0->interval.u == GP_UNIT_KM));
  qx_ex *in = NULL, *x;
  gp_rc rc;
  if (size) {
    gp_ast *cell = gp_query_arena_alloc(b->q->a, sizeof *cell);
    if (!cell) return qx_nomem(err);
    *cell = *e;
    cell->call.name.s = "cell";
    if (b->mode == B_POST && !b->agg_query)
      return gp_query_err_at(err, GP_INVALID, e->pos, "%s() must appear in WHERE or GROUP BY",
                             e->call.name.s);
    int mk = b->mode == B_POST ? match_key(b, cell) : 0;
    if (mk == -2) return qx_nomem(err);
    if (mk < 0)
      return gp_query_err_at(err, GP_INVALID, e->pos, "%s() after GROUP BY needs cell() of the "
                             "same size, written the same way, among the GROUP BY keys",
                             e->call.name.s);
    rc = b->mode == B_POST ? qx_bind(b, cell, &in, err) : bind_cell(b, cell, QF_CELL, &in, err);
  } else {
    rc = qx_bind(b, a0, &in, err);
    if (!rc && in->t != QV_CELL && in->t != QV_NULL)
      rc = gp_query_err_at(err, GP_INVALID, a0->pos, "%s() takes a size such as 1 km, or a cell "
                           "made by cell(size), not %s", e->call.name.s, qx_vt_name(in->t));
  }
  if (rc) return rc;
  if (!(x = qx_ex_new(b, QX_FUNC, 1, e->pos))) return qx_nomem(err);
  x->sub = (uint8_t)fn;
  x->def = qx_func_of(fn);
  x->args[0] = in;
  x->t = QV_DBL;
  *out = x;
  return GP_OK;
}

static gp_rc bind_cell(bctx *b, gp_ast *e, qx_fn fn, qx_ex **out, gp_err *err) {
  if (fn == QF_CELL_LON || fn == QF_CELL_LAT || fn == QF_CELL_MX || fn == QF_CELL_MY)
    return bind_cell_centre(b, e, fn, out, err);
  const gp_grid *g = b->q->ctx.grid;
  bool located = false;
  for (int k = 0; k < b->sc->n; k++)
    if (b->sc->c[k].src == QX_SRC_ROWS && b->sc->c[k].tab && b->sc->c[k].tab->loc != GP_LOC_NONE)
      located = true;
  if (!g || !located)
    return gp_query_err_at(err, GP_INVALID, e->pos, "%s() needs a table with a location",
                           e->call.name.s);
  double m = 0;
  gp_rc rc = qx_length_m(e->call.args.v[0], &m, err);
  if (rc) return rc;
  double base = gp_grid_cell_m(g), r = m / base;
  int lv = -1;
  for (int k = 0; k <= 24; k++)
    if (fabs(r - (double)(1 << k)) < 1e-9) lv = k;
  if (lv < 0)
    return gp_query_err_at(err, GP_INVALID, e->call.args.v[0]->pos,
                           "cell size %g m is not the base cell (%g m) times a power of 2", m,
                           base);
  /* After the scan (items of a query without GROUP BY) the row's cell is gone: it would be NULL */
  if (b->mode == B_POST)
    return gp_query_err_at(err, GP_INVALID, e->pos, "%s() must appear in WHERE or GROUP BY",
                           e->call.name.s);
  qx_ex *x = qx_ex_new(b, QX_FUNC, 0, e->pos);
  if (!x) return qx_nomem(err);
  x->sub = (uint8_t)fn;
  x->def = qx_func_of(fn);
  x->idx = lv;
  x->t = fn == QF_CELL ? QV_CELL : QV_INT;
  *out = x;
  return GP_OK;
}

/* A zone argument: a string constant, loaded once while the statement is planned (freed with
 * the arena), since reading TZif per row would cost a file read per row. */
static gp_rc load_zone(bctx *b, gp_ast *z, const qx_tz **out, gp_err *err) {
  if (z->kind != GP_AST_STRING)
    return gp_query_err_at(err, GP_INVALID, z->pos, "time zone must be a string");
  qx_tz *tz;
  gp_err e2 = {0};
  if (qx_tz_load(z->str.s, &tz, &e2)) return gp_query_err_at(err, GP_INVALID, z->pos, "%s", e2.msg);
  if (gp_query_arena_on_free(b->q->a, (void (*)(void *))qx_tz_free, tz, err)) return err->rc;
  *out = tz;
  return GP_OK;
}

/* bucket(ts, width [, 'zone']), and the bucketing of gapfill(): a QF_BUCKET node over ts with
 * the width as a constant interval and the zone, when given, loaded once here. */
gp_rc qx_bind_bucket(bctx *b, gp_ast *e, gp_ast *ts, gp_ast *iv, gp_ast *z, qx_ex **out,
                         gp_err *err) {
  const char *name = e->call.name.s;
  qx_ex *x = qx_ex_new(b, QX_FUNC, z ? 3 : 2, e->pos);
  if (!x) return qx_nomem(err);
  x->sub = QF_BUCKET;
  x->def = qx_func_of(QF_BUCKET);
  x->t = QV_TS;
  gp_rc rc;
  qx_val v;
  if (iv->kind != GP_AST_INTERVAL)
    return gp_query_err_at(err, GP_INVALID, iv->pos, "%s() needs an interval such as 1 d", name);
  if ((rc = qx_interval_val(iv, &v, err))) return rc;
  if (v.n == 0 && v.i <= 0)
    return gp_query_err_at(err, GP_INVALID, iv->pos, "bucket width must be positive");
  if ((rc = qx_bind(b, ts, &x->args[0], err))) return rc;
  if (x->args[0]->t != QV_TS && x->args[0]->t != QV_NULL)
    return gp_query_err_at(err, GP_INVALID, ts->pos, "%s() needs a timestamp, not %s", name,
                           qx_vt_name(x->args[0]->t));
  if (!(x->args[1] = ex_const(b, v, iv->pos))) return qx_nomem(err);
  if (z) {
    if ((rc = load_zone(b, z, &x->tz, err))) return rc;
    if (!(x->args[2] = ex_const(b, qx_null(), z->pos))) return qx_nomem(err);
  }
  *out = x;
  return GP_OK;
}

/* x() and y(): the projected position of the row's lon/lat */
static gp_rc bind_xy(bctx *b, gp_ast *e, const qx_func *f, qx_ex **out, gp_err *err) {
  const char *name = e->call.name.s;
  int lon = -1, lat = -1;
  for (int k = 0; k < b->sc->n; k++) {
    const scol *c = &b->sc->c[k];
    if (c->src == QX_SRC_ROWS && c->tab && c->tab->loc == GP_LOC_LONLAT) {
      if (c->idx == c->tab->lon_col) lon = k;
      if (c->idx == c->tab->lat_col) lat = k;
    }
  }
  if (lon < 0 || lat < 0 || !b->q->ctx.grid)
    return gp_query_err_at(err, GP_INVALID, e->pos, "%s() needs a table with LOCATION (lon, lat)", name);
  if (b->mode == B_POST)
    return gp_query_err_at(err, GP_INVALID, e->pos, "%s() must appear in GROUP BY", name);
  qx_ex *x;
  if (!(x = qx_ex_new(b, QX_FUNC, 2, e->pos)) || !(x->args[0] = qx_col_ex(b, lon, e->pos)) ||
      !(x->args[1] = qx_col_ex(b, lat, e->pos)))
    return qx_nomem(err);
  x->sub = f->fn;
  x->def = f;
  x->t = QV_DBL;
  *out = x;
  return GP_OK;
}

/* A plain scalar: its arguments bound, the registry's type rule applied, constants folded;
 * a QB_ZONED one reads its last argument, when given, as a zone loaded here. */
static gp_rc bind_scalar(bctx *b, gp_ast *e, const qx_func *f, qx_ex **out, gp_err *err) {
  int n = (int)e->call.args.n;
  qx_ex *x;
  if (!(x = qx_ex_new(b, QX_FUNC, n, e->pos))) return qx_nomem(err);
  x->sub = f->fn;
  x->def = f;
  x->t = f->t;
  gp_rc rc;
  if (f->bind == QB_ZONED && n == f->max && (rc = load_zone(b, e->call.args.v[n - 1], &x->tz, err)))
    return rc;
  if ((rc = bind_list(b, e->call.args.v, n, x->args, err))) return rc;
  if (f->rule == QT_PEERS && (rc = qx_coerce_peers(x->args, n, err))) return rc;
  if (f->rule == QT_PEERS || f->rule == QT_ARG0) x->t = x->args[0]->t;
  if (f->rule == QT_ROUND) x->t = n == 1 && x->args[0]->t == QV_INT ? QV_INT : QV_DBL;
  if (f->rule == QT_INTS) {
    x->t = QV_INT;
    for (int k = 0; k < n; k++)
      if (x->args[k]->t != QV_INT && x->args[k]->t != QV_BOOL) x->t = QV_DBL;
  }
  *out = fold(b, x);
  return GP_OK;
}

static gp_rc hook_bucket(bctx *b, gp_ast *e, const qx_func *f, qx_ex **out, gp_err *err) {
  (void)f;
  gp_ast **av = e->call.args.v;
  return qx_bind_bucket(b, e, av[0], av[1], e->call.args.n == 3 ? av[2] : NULL, out, err);
}
static gp_rc hook_cell(bctx *b, gp_ast *e, const qx_func *f, qx_ex **out, gp_err *err) {
  return bind_cell(b, e, (qx_fn)f->fn, out, err);
}
static gp_rc hook_geo(bctx *b, gp_ast *e, const qx_func *f, qx_ex **out, gp_err *err) {
  (void)f;
  return qx_bind_geo(b, e, out, err);
}
static gp_rc hook_fill(bctx *b, gp_ast *e, const qx_func *f, qx_ex **out, gp_err *err) {
  (void)f;
  return bind_fill(b, e, out, err);
}
static gp_rc hook_gapfill(bctx *b, gp_ast *e, const qx_func *f, qx_ex **out, gp_err *err) {
  (void)b, (void)f, (void)out; /* run_select binds it when it is a GROUP BY key */
  return gp_query_err_at(err, GP_INVALID, e->pos, "gapfill() must be a GROUP BY key of its "
                         "own (or a select item equal to one); bucket() works anywhere");
}
static gp_rc hook_window(bctx *b, gp_ast *e, const qx_func *f, qx_ex **out, gp_err *err) {
  (void)b, (void)f, (void)out;
  return gp_query_err_at(err, GP_INVALID, e->pos, "window function %s() needs OVER (...)",
                         e->call.name.s);
}
static gp_rc hook_only_in(bctx *b, gp_ast *e, const qx_func *f, qx_ex **out, gp_err *err) {
  (void)b, (void)out;
  return gp_query_err_at(err, GP_INVALID, e->pos, "%s() is not a value here: %s (%s)",
                         e->call.name.s, f->sig, f->doc);
}

typedef gp_rc (*bind_hook)(bctx *b, gp_ast *e, const qx_func *f, qx_ex **out, gp_err *err);
/* The registry's binder hooks (func_int.h's qx_fbind) */
static const bind_hook HOOKS[QB_N] = {
    [QB_SCALAR] = bind_scalar, [QB_BUCKET] = hook_bucket,   [QB_CELL] = hook_cell,
    [QB_XY] = bind_xy,         [QB_GEO] = hook_geo,         [QB_FILL] = hook_fill,
    [QB_GAPFILL] = hook_gapfill, [QB_AGG] = bind_agg,       [QB_WINDOW] = hook_window,
    [QB_ONLY_IN] = hook_only_in, [QB_ZONED] = bind_scalar,
};

static gp_rc unknown_function(gp_ast *e, int kind, gp_err *err) {
  const char *name = e->call.name.s;
  suggest sg = {0};
  const qx_func *g;
  for (size_t k = 0; (g = qx_func_at(k)); k++)
    if (!kind || g->kind == kind || (kind == QK_WINDOW && g->win)) qx_suggest_add(&sg, name, g->name);
  return gp_query_err_at(err, GP_NOTFOUND, e->pos, "unknown %sfunction %s()%s%s%s",
                         kind == QK_WINDOW ? "window " : "", name,
                         sg.best ? " (did you mean " : "", sg.best ? sg.best : "",
                         sg.best ? "()?)" : "");
}

static gp_rc bind_call(bctx *b, gp_ast *e, qx_ex **out, gp_err *err) {
  const char *name = e->call.name.s;
  const qx_func *f = qx_func_find(name);
  if (e->call.over) {
    if (f && !f->win)
      return gp_query_err_at(err, GP_UNSUPPORTED, e->pos, "%s() is not a window function", name);
    return f ? bind_window(b, e, f, out, err) : unknown_function(e, QK_WINDOW, err);
  }
  if (!f) return unknown_function(e, 0, err);
  int n = (int)e->call.args.n;
  /* the hooks below check their own arguments, with messages of their own */
  bool own = f->bind == QB_AGG || f->bind == QB_WINDOW || f->bind == QB_FILL ||
             f->bind == QB_GEO || f->bind == QB_GAPFILL || f->bind == QB_ONLY_IN;
  if (!own && (n < f->min || n > f->max))
    return gp_query_err_at(err, GP_INVALID, e->pos, "%s() takes %d%s argument%s, not %d", name,
                           f->min, f->max > f->min ? " or more" : "", f->max == 1 ? "" : "s", n);
  return HOOKS[f->bind](b, e, f, out, err);
}

static gp_rc bind_agg(bctx *b, gp_ast *e, const qx_func *def, qx_ex **out, gp_err *err) {
  const char *name = e->call.name.s;
  if (b->mode != B_POST)
    return gp_query_err_at(err, GP_INVALID, e->pos, "aggregate %s() is not allowed here", name);
  char *d = qx_dump_of(b->q, e);
  if (!d) return qx_nomem(err);
  int k;
  for (k = 0; k < b->naggs; k++)
    if (strcmp(b->aggs[k].dump, d) == 0) break;
  if (k == b->naggs) {
    qx_agg ag = {.mem = &b->q->mem};
    ag.pos = e->pos;
    int n = (int)e->call.args.n;
    gp_ast **av = e->call.args.v;
    int want = def->min;
    ag.kind = (qx_agg_kind)def->fn;
    if (ag.kind == QA_COUNT)
      ag.kind = n == 1 && av[0]->kind == GP_AST_STAR ? QA_COUNT_STAR
                : e->call.distinct                    ? QA_COUNT_DISTINCT
                                                      : QA_COUNT;
    if (n != want)
      return gp_query_err_at(err, GP_INVALID, e->pos, "%s() takes %d argument%s, not %d", name,
                             want, want == 1 ? "" : "s", n);
    if (e->call.distinct && ag.kind != QA_COUNT_DISTINCT)
      return gp_query_err_at(err, GP_UNSUPPORTED, e->pos, "DISTINCT is supported in count() only");
    int save = b->mode;
    b->mode = B_INPUT;
    gp_rc rc = GP_OK;
    if (ag.kind != QA_COUNT_STAR) {
      if (av[0]->kind == GP_AST_STAR)
        rc = gp_query_err_at(err, GP_INVALID, av[0]->pos, "%s(*) is not defined", name);
      else rc = qx_bind(b, av[0], &ag.arg, err);
    }
    if (!rc && want >= 2 && ag.kind != QA_QUANTILE) {
      rc = qx_bind(b, av[1], &ag.ts, err);
      if (!rc && ag.ts->t != QV_TS && ag.ts->t != QV_NULL)
        rc = gp_query_err_at(err, GP_INVALID, av[1]->pos, "%s() needs a timestamp as argument 2, not %s",
                             name, qx_vt_name(ag.ts->t));
    }
    b->mode = save;
    if (rc) return rc;
    if (ag.kind == QA_QUANTILE) {
      gp_ast *qa = av[1];
      double q = qa->kind == GP_AST_FLOAT ? qa->f.v : qa->kind == GP_AST_INT ? (double)qa->i.v : -1;
      if (!(q >= 0 && q <= 1))
        return gp_query_err_at(err, GP_INVALID, qa->pos, "quantile needs a constant in [0, 1]");
      ag.q = q;
    }
    if (ag.kind == QA_PREDICT) {
      qx_val iv;
      if (av[2]->kind != GP_AST_INTERVAL)
        return gp_query_err_at(err, GP_INVALID, av[2]->pos, "predict_linear() needs an interval such as 6 h");
      if ((rc = qx_interval_val(av[2], &iv, err))) return rc;
      if (iv.n) return gp_query_err_at(err, GP_INVALID, av[2]->pos, "months are not a fixed horizon");
      ag.horizon = iv.i;
    }
    uint8_t in = ag.arg ? ag.arg->t : QV_INT;
    if ((ag.kind == QA_SUM || ag.kind == QA_AVG || ag.kind == QA_STDDEV || ag.kind == QA_SLOPE ||
         ag.kind == QA_PREDICT || ag.kind == QA_QUANTILE) &&
        (in == QV_TEXT || in == QV_TS))
      return gp_query_err_at(err, GP_INVALID, av[0]->pos, "%s() of a %s column", name,
                             qx_vt_name(in));
    if ((ag.kind == QA_SUM || ag.kind == QA_AVG) && in != QV_INT && in != QV_BOOL && in != QV_IVL)
      in = QV_DBL;
    ag.in_t = in;
    if (b->naggs == b->capaggs) {
      int cap = b->capaggs ? b->capaggs * 2 : 8;
      aggref *na = gp_query_arena_alloc(b->q->a, (size_t)cap * sizeof *na);
      if (!na) return qx_nomem(err);
      if (b->naggs) memcpy(na, b->aggs, (size_t)b->naggs * sizeof *na);
      b->aggs = na;
      b->capaggs = cap;
    }
    b->aggs[b->naggs].dump = d;
    b->aggs[b->naggs].agg = ag;
    k = b->naggs++;
  }
  qx_ex *x = qx_ex_new(b, QX_COL, 0, e->pos);
  if (!x) return qx_nomem(err);
  x->src = QX_SRC_VALS;
  x->idx = b->nkeys + k;
  x->t = (uint8_t)qx_agg_type(b->aggs[k].agg.kind, (qx_vt)b->aggs[k].agg.in_t);
  *out = x;
  return GP_OK;
}

/* Binds a window call's argument, offset, default, partition, order and frame into w. */
static gp_rc bind_window_parts(bctx *b, gp_ast *e, winref *w, gp_err *err) {
  const char *name = e->call.name.s;
  gp_ast_list *args = &e->call.args;
  gp_rc rc;
  bool star = args->n == 1 && args->v[0]->kind == GP_AST_STAR;
  if (w->kind == QW_ROW_NUMBER) {
    if (args->n) return gp_query_err_at(err, GP_INVALID, e->pos, "row_number() takes no argument");
  } else if (w->kind == QW_COUNT && star) {
    if (!(w->arg = ex_const(b, qx_int(1), e->pos))) return qx_nomem(err);
  } else {
    if (args->n < 1 || (w->kind != QW_LAG && w->kind != QW_LEAD && args->n != 1) || args->n > 3)
      return gp_query_err_at(err, GP_INVALID, e->pos, "wrong number of arguments to %s()", name);
    if ((rc = qx_bind(b, args->v[0], &w->arg, err))) return rc;
  }
  w->off = 1;
  w->dflt = qx_null();
  if ((w->kind == QW_LAG || w->kind == QW_LEAD) && args->n >= 2) {
    if (args->v[1]->kind != GP_AST_INT || args->v[1]->i.v < 0)
      return gp_query_err_at(err, GP_INVALID, args->v[1]->pos, "offset must be a non-negative integer");
    w->off = args->v[1]->i.v;
    if (args->n == 3) {
      qx_ex *dx;
      if ((rc = qx_bind(b, args->v[2], &dx, err))) return rc;
      if (dx->op != QX_CONST)
        return gp_query_err_at(err, GP_INVALID, args->v[2]->pos, "default must be a constant");
      w->dflt = dx->k;
    }
  }
  gp_ast *ov = e->call.over;
  w->npart = (int)ov->window.partition.n;
  w->nord = (int)ov->window.order.n;
  w->part = gp_query_arena_alloc(b->q->a, (size_t)(w->npart + 1) * sizeof *w->part);
  w->ord = gp_query_arena_alloc(b->q->a, (size_t)(w->nord + 1) * sizeof *w->ord);
  w->desc = gp_query_arena_alloc(b->q->a, (size_t)(w->nord + 1));
  w->nfirst = gp_query_arena_alloc(b->q->a, (size_t)(w->nord + 1));
  if (!w->part || !w->ord || !w->desc || !w->nfirst) return qx_nomem(err);
  if ((rc = bind_list(b, ov->window.partition.v, w->npart, w->part, err))) return rc;
  for (int j = 0; j < w->nord; j++) {
    if ((rc = qx_bind(b, ov->window.order.v[j]->order.expr, &w->ord[j], err))) return rc;
    w->desc[j] = ov->window.order.v[j]->order.desc;
    w->nfirst[j] = ov->window.order.v[j]->order.nulls_first;
  }
  /* Default frame: the whole partition without ORDER BY, else up to the current row and its
   * peers (RANGE, as PostgreSQL: computed as ROWS up to the current row, then each run of
   * peers takes its last row's answer, see qx_compute_windows). */
  w->lo = INT64_MIN / 4;
  w->hi = w->nord ? 0 : INT64_MAX / 4;
  w->peers = w->nord && !ov->window.has_frame;
  if (ov->window.has_frame) {
    gp_ast_bound bs[2] = {ov->window.lo, ov->window.hi};
    int64_t *dst[2] = {&w->lo, &w->hi};
    for (int j = 0; j < 2; j++) {
      switch (bs[j].kind) {
      case GP_BOUND_UNBOUNDED_PRECEDING: *dst[j] = INT64_MIN / 4; break;
      case GP_BOUND_PRECEDING: *dst[j] = -bs[j].n; break;
      case GP_BOUND_CURRENT_ROW: *dst[j] = 0; break;
      case GP_BOUND_FOLLOWING: *dst[j] = bs[j].n; break;
      case GP_BOUND_UNBOUNDED_FOLLOWING: *dst[j] = INT64_MAX / 4; break;
      }
    }
  }
  return GP_OK;
}

static gp_rc bind_window(bctx *b, gp_ast *e, const qx_func *f, qx_ex **out, gp_err *err) {
  const char *name = e->call.name.s;
  if (b->mode != B_POST)
    return gp_query_err_at(err, GP_INVALID, e->pos, "window function %s() is not allowed here", name);
  char *d = qx_dump_of(b->q, e);
  if (!d) return qx_nomem(err);
  int k;
  for (k = 0; k < b->nwins; k++)
    if (strcmp(b->wins[k].dump, d) == 0) break;
  if (k == b->nwins) {
    winref w = {0};
    w.dump = d;
    w.kind = (qx_win_kind)f->win;
    /* A window runs over the rows of its SELECT after grouping, so its argument, PARTITION BY
     * and ORDER BY may name select aliases (which resolve to group keys or aggregates) just as
     * HAVING and ORDER BY may. */
    bool save_alias = b->allow_alias;
    b->allow_alias = true;
    gp_rc rc = bind_window_parts(b, e, &w, err);
    b->allow_alias = save_alias;
    if (rc) return rc;
    winref *nw = qx_arena_room(b->q, b->wins, b->nwins, &b->capwins, sizeof *nw);
    if (!nw) return qx_nomem(err);
    b->wins = nw;
    b->wins[b->nwins] = w;
    k = b->nwins++;
  }
  qx_ex *x = qx_ex_new(b, QX_COL, 0, e->pos);
  if (!x) return qx_nomem(err);
  x->src = QX_SRC_VALS2;
  x->idx = k;
  winref *w = &b->wins[k];
  x->t = w->kind == QW_COUNT || w->kind == QW_ROW_NUMBER ? QV_INT
         : w->kind == QW_AVG || w->kind == QW_STDDEV ? QV_DBL : w->arg ? w->arg->t : QV_NULL;
  *out = x;
  return GP_OK;
}

/* In POST mode, an expression equal to a GROUP BY key reads the key: its index, -1 when none,
 * -2 out of memory (not "none", which would be reported as a missing GROUP BY key). */
static int match_key(bctx *b, gp_ast *e) {
  if (!b->agg_query || !b->nkeys) return -1;
  if (e->kind == GP_AST_COLUMN) {
    gp_err tmp = {0};
    int c = qx_resolve_col(b, e, true, &tmp);
    if (c >= 0)
      for (int k = 0; k < b->nkeys; k++)
        if (b->keys[k].col == c) return k;
  }
  if (e->kind == GP_AST_INT || e->kind == GP_AST_STRING || e->kind == GP_AST_FLOAT) return -1;
  char *d = qx_dump_of(b->q, e);
  if (!d) return -2;
  for (int k = 0; k < b->nkeys; k++)
    if (strcmp(b->keys[k].dump, d) == 0) return k;
  return -1;
}

/* A subquery used as a value (scalar, or the list of IN): run once while binding, before the
 * outer statement's scan, so it cannot read the outer row (uncorrelated, as most analysts'
 * `ts > (SELECT max(ts) FROM readings) - 1 h` or `sensor_id IN (SELECT ...)` are). Its answer
 * becomes constants, which the planner then uses like literals: a time bound narrows the scan
 * window, a list of symbols becomes a dictionary-id set. */
static gp_rc subquery_rel(bctx *b, gp_ast *e, qrel **out, gp_err *err) {
  /* even under a plain EXPLAIN: the outer plan depends on the answer (its time window) */
  bool analyze = b->q->analyze;
  b->q->analyze = true;
  gp_rc rc = qx_subquery(b->q, e->subquery.select, out, err);
  b->q->analyze = analyze;
  if (rc) return rc;
  if ((*out)->ncols != 1)
    return gp_query_err_at(err, GP_INVALID, e->pos,
                           "a subquery used as a value must return one column, not %d",
                           (*out)->ncols);
  return GP_OK;
}

/* Binds e over b's scope (b->mode: the input, or T after grouping) into *out (arena). One
 * switch over the AST's kinds, long because the language has many kinds, not because a
 * kind's case is: each case is short and self-contained, and calls (bind_call, bind_geo,
 * subquery_rel) do the larger ones. Kept as one function so the dispatch by kind is in one
 * place, as SQLite's resolveExprStep is. */
gp_rc qx_bind(bctx *b, gp_ast *e, qx_ex **out, gp_err *err) {
  qx_ex *x = NULL;
  gp_rc rc;
  if (++b->depth > GP_QUERY_MAX_DEPTH) {
    b->depth--;
    return gp_query_err_at(err, GP_INVALID, e->pos, "expression nested too deeply");
  }
  if (b->mode == B_POST && b->agg_query) {
    int k = match_key(b, e);
    if (k == -2) return qx_nomem(err);
    if (k >= 0) {
      if (!(x = qx_ex_new(b, QX_COL, 0, e->pos))) return qx_nomem(err);
      x->src = QX_SRC_VALS;
      x->idx = k;
      x->t = b->keys[k].t;
      goto done;
    }
  }
  switch (e->kind) {
  case GP_AST_INT: x = ex_const(b, qx_int(e->i.v), e->pos); break;
  case GP_AST_SUBQUERY: {
    qrel *sr;
    if ((rc = subquery_rel(b, e, &sr, err))) goto fail;
    if (sr->n > 1) {
      rc = gp_query_err_at(err, GP_INVALID, e->pos,
                           "a subquery used as a value returned %zu rows (at most one)", sr->n);
      goto fail;
    }
    x = ex_const(b, sr->n ? qx_rel_row(sr, 0)[0] : qx_null(), e->pos);
    break;
  }
  case GP_AST_FLOAT: x = ex_const(b, qx_dbl(e->f.v), e->pos); break;
  case GP_AST_STRING: x = ex_const(b, qx_text(e->str.s, e->str.len), e->pos); break;
  case GP_AST_BOOL: x = ex_const(b, qx_bool(e->b.v), e->pos); break;
  case GP_AST_NULL: x = ex_const(b, qx_null(), e->pos); break;
  case GP_AST_INTERVAL: {
    qx_val v;
    if ((rc = qx_interval_val(e, &v, err))) goto fail;
    x = ex_const(b, v, e->pos);
    break;
  }
  case GP_AST_COLUMN: {
    /* a select alias used in HAVING / ORDER BY */
    if (b->allow_alias && !e->column.table.s && b->items) {
      gp_err tmp = {0};
      if (qx_resolve_col(b, e, true, &tmp) < 0 || b->agg_query) {
        for (uint32_t k = 0; k < b->items->n; k++) {
          gp_ast *it = b->items->v[k];
          if (it->item.alias.s && strcmp(it->item.alias.s, e->column.name.s) == 0 &&
              !(it->item.expr->kind == GP_AST_COLUMN &&
                strcmp(it->item.expr->column.name.s, e->column.name.s) == 0)) {
            bool save = b->allow_alias;
            b->allow_alias = false;
            rc = qx_bind(b, it->item.expr, &x, err);
            b->allow_alias = save;
            if (rc) goto fail;
            goto done;
          }
        }
      }
    }
    int c = qx_resolve_col(b, e, false, err);
    if (c < 0) {
      rc = err->rc;
      goto fail;
    }
    if (b->mode == B_POST && b->agg_query) {
      rc = gp_query_err_at(err, GP_INVALID, e->pos, "column \"%s\" must appear in GROUP BY or "
                           "be used in an aggregate", e->column.name.s);
      goto fail;
    }
    if (b->mode == B_POST) { /* T holds the scope's columns in order */
      if (!(x = qx_ex_new(b, QX_COL, 0, e->pos))) break;
      x->src = QX_SRC_VALS;
      x->idx = c;
      x->t = b->sc->c[c].t;
    } else {
      x = qx_col_ex(b, c, e->pos);
    }
    break;
  }
  case GP_AST_STAR:
    rc = gp_query_err_at(err, GP_INVALID, e->pos, "* is not allowed here");
    goto fail;
  case GP_AST_UNARY:
    if (!(x = qx_ex_new(b, e->unary.op == GP_OP_NOT ? QX_NOT : QX_NEG, 1, e->pos))) break;
    if ((rc = qx_bind(b, e->unary.arg, &x->args[0], err))) goto fail;
    x->t = e->unary.op == GP_OP_NOT ? QV_BOOL : x->args[0]->t;
    x = fold(b, x);
    break;
  case GP_AST_BINARY: {
    gp_ast_op op = e->binary.op;
    qx_op xo = op == GP_OP_AND ? QX_AND : op == GP_OP_OR ? QX_OR
               : op >= GP_OP_EQ && op <= GP_OP_GE ? QX_CMP : QX_ARITH;
    if (!(x = qx_ex_new(b, xo, 2, e->pos))) break;
    x->sub = (uint8_t)op;
    if ((rc = qx_bind(b, e->binary.l, &x->args[0], err)) ||
        (rc = qx_bind(b, e->binary.r, &x->args[1], err)))
      goto fail;
    qx_ex *l = x->args[0], *r = x->args[1];
    if (xo == QX_CMP) {
      x->t = QV_BOOL;
      if ((rc = qx_coerce(r, l->t, err)) || (rc = qx_coerce(l, r->t, err))) goto fail;
      /* SYMBOL column = 'text': compare dictionary ids, found once */
      if ((op == GP_OP_EQ || op == GP_OP_NE)) {
        qx_ex *c = l->op == QX_COL ? l : r, *k = l->op == QX_COL ? r : l;
        if (c->op == QX_COL && c->src == QX_SRC_ROWS && c->ctype == GP_T_SYMBOL &&
            k->op == QX_CONST && k->k.t == QV_TEXT) {
          x->op = QX_SYMCMP;
          x->idx = c->idx;
          x->k = qx_int(gp_db_sym_find(b->q->ctx.db, c->tab, c->idx, k->k.s, k->k.n));
          x->neg = op == GP_OP_NE;
          x->nargs = 0;
          break;
        }
      }
      bool ln = l->t == QV_INT || l->t == QV_DBL, rn = r->t == QV_INT || r->t == QV_DBL;
      /* a cell compares with its text 'cx:cy' (eval.c text_cell) */
      bool cell_text = (l->t == QV_CELL && r->t == QV_TEXT) || (l->t == QV_TEXT && r->t == QV_CELL);
      if (l->t && r->t && l->t != r->t && !(ln && rn) && !cell_text) {
        rc = gp_query_err_at(err, GP_INVALID, e->pos, "cannot compare %s with %s",
                             qx_vt_name(l->t), qx_vt_name(r->t));
        goto fail;
      }
    } else if (xo == QX_AND || xo == QX_OR) {
      x->t = QV_BOOL;
    } else {
      if (op != GP_OP_CONCAT && (rc = qx_coerce_arith(op, l, r, err))) goto fail;
      bool ln = l->t == QV_INT || l->t == QV_DBL, rn = r->t == QV_INT || r->t == QV_DBL;
      bool pm = op == GP_OP_ADD || op == GP_OP_SUB, md = op == GP_OP_MUL || op == GP_OP_DIV;
      /* the time operators of PostgreSQL (eval.c arith), and interval / interval */
      if (op == GP_OP_CONCAT) x->t = QV_TEXT;
      else if (l->t == QV_TS && r->t == QV_IVL && pm) x->t = QV_TS;
      else if (l->t == QV_IVL && r->t == QV_TS && op == GP_OP_ADD) x->t = QV_TS;
      else if (l->t == QV_TS && r->t == QV_TS && op == GP_OP_SUB) x->t = QV_IVL;
      else if (l->t == QV_IVL && r->t == QV_IVL && (pm || op == GP_OP_DIV))
        x->t = op == GP_OP_DIV ? QV_DBL : QV_IVL;
      else if ((l->t == QV_IVL && rn && md) || (ln && r->t == QV_IVL && op == GP_OP_MUL)) x->t = QV_IVL;
      else if ((l->t == QV_TEXT || r->t == QV_TEXT || l->t == QV_TS || r->t == QV_TS ||
                l->t == QV_IVL || r->t == QV_IVL) &&
               l->t && r->t) {
        rc = gp_query_err_at(err, GP_INVALID, e->pos, "operator %s is not defined for %s and %s",
                             gp_ast_op_name(op), qx_vt_name(l->t), qx_vt_name(r->t));
        goto fail;
      } else if (ln && rn) x->t = l->t == QV_DBL || r->t == QV_DBL ? QV_DBL : QV_INT;
    }
    x = fold(b, x);
    break;
  }
  case GP_AST_IS_NULL:
    if (!(x = qx_ex_new(b, QX_ISNULL, 1, e->pos))) break;
    x->neg = e->is_null.negated;
    x->t = QV_BOOL;
    if ((rc = qx_bind(b, e->is_null.arg, &x->args[0], err))) goto fail;
    x = fold(b, x);
    break;
  case GP_AST_IN: {
    int n = (int)e->in.items.n;
    qrel *sr = NULL;
    if (n == 1 && e->in.items.v[0]->kind == GP_AST_SUBQUERY) {
      if ((rc = subquery_rel(b, e->in.items.v[0], &sr, err))) goto fail;
      if (sr->n > 1000000) {
        rc = gp_query_err_at(err, GP_INVALID, e->pos, "IN (SELECT ...) returned %zu values (at most 1,000,000)", sr->n);
        goto fail;
      }
      n = (int)sr->n;
    }
    if (!(x = qx_ex_new(b, QX_IN, n + 1, e->pos))) break;
    x->neg = e->in.negated;
    x->t = QV_BOOL;
    if ((rc = qx_bind(b, e->in.arg, &x->args[0], err))) goto fail;
    if (sr) {
      for (int k = 0; k < n; k++)
        if (!(x->args[k + 1] = ex_const(b, qx_rel_row(sr, (size_t)k)[0], e->pos))) return qx_nomem(err);
    } else if ((rc = bind_list(b, e->in.items.v, n, x->args + 1, err))) {
      goto fail;
    }
    qx_ex *a0 = x->args[0];
    bool consts = true;
    for (int k = 1; k <= n; k++) {
      if ((rc = qx_coerce(x->args[k], a0->t, err))) goto fail;
      if (x->args[k]->op != QX_CONST || x->args[k]->k.t != QV_TEXT) consts = false;
    }
    if (consts && a0->op == QX_COL && a0->src == QX_SRC_ROWS && a0->ctype == GP_T_SYMBOL) {
      int64_t *ids = gp_query_arena_alloc(b->q->a, (size_t)(n + 1) * sizeof *ids);
      if (!ids) break;
      size_t m = 0;
      for (int k = 1; k <= n; k++) {
        int64_t id = gp_db_sym_find(b->q->ctx.db, a0->tab, a0->idx, x->args[k]->k.s, x->args[k]->k.n);
        if (id < 0) continue;
        size_t j = m++;
        while (j > 0 && ids[j - 1] > id) ids[j] = ids[j - 1], j--;
        ids[j] = id;
      }
      x->op = QX_SYMIN;
      x->idx = a0->idx;
      x->ids = ids;
      x->nids = m;
      x->nargs = 0;
      break;
    }
    x = fold(b, x);
    break;
  }
  case GP_AST_BETWEEN:
    if (!(x = qx_ex_new(b, QX_BETWEEN, 3, e->pos))) break;
    x->neg = e->between.negated;
    x->t = QV_BOOL;
    if ((rc = qx_bind(b, e->between.arg, &x->args[0], err)) ||
        (rc = qx_bind(b, e->between.lo, &x->args[1], err)) ||
        (rc = qx_bind(b, e->between.hi, &x->args[2], err)))
      goto fail;
    /* the three are peers: a literal on any side takes the type of a TIMESTAMP or INTERVAL
     * among them ('2024-08-01 10:00' BETWEEN ts AND '2024-08-02', as PostgreSQL resolves it;
     * the differential tester found the literal on the left compared as text) */
    if ((rc = qx_coerce_peers(x->args, 3, err))) goto fail;
    x = fold(b, x);
    break;
  case GP_AST_LIKE:
    if (!(x = qx_ex_new(b, QX_LIKE, 2, e->pos))) break;
    x->neg = e->like.negated;
    x->t = QV_BOOL;
    if ((rc = qx_bind(b, e->like.arg, &x->args[0], err)) ||
        (rc = qx_bind(b, e->like.pattern, &x->args[1], err)))
      goto fail;
    if (x->args[0]->t && x->args[0]->t != QV_TEXT) {
      rc = gp_query_err_at(err, GP_INVALID, e->pos, "LIKE needs text, not %s", qx_vt_name(x->args[0]->t));
      goto fail;
    }
    x = fold(b, x);
    break;
  case GP_AST_CALL:
    if ((rc = bind_call(b, e, &x, err))) goto fail;
    break;
  case GP_AST_CASE: {
    int n = (e->case_.operand ? 1 : 0) + 2 * (int)e->case_.whens.n + (e->case_.else_ ? 1 : 0);
    if (!(x = qx_ex_new(b, QX_CASE, n, e->pos))) break;
    int k = 0;
    x->idx = e->case_.operand != NULL;
    x->nids = e->case_.else_ != NULL;
    if (e->case_.operand && (rc = qx_bind(b, e->case_.operand, &x->args[k++], err))) goto fail;
    /* a branch after a constant false (or NULL) WHEN cannot run, nor can any after a constant
     * true one: as PostgreSQL, its constants are not evaluated (CASE WHEN false THEN 1 / 0) */
    int dead = 0, rest = 0;
    for (uint32_t j = 0; j < e->case_.whens.n; j++) {
      gp_ast *w = e->case_.whens.v[j];
      b->dead += rest;
      rc = qx_bind(b, w->when.cond, &x->args[k++], err);
      if (!rc && x->idx) rc = qx_coerce(x->args[k - 1], x->args[0]->t, err);
      qx_ex *cw = x->args[k - 1], *op = x->idx ? x->args[0] : NULL;
      bool kc = !rc && cw->op == QX_CONST && (!op || op->op == QX_CONST);
      bool hit = kc && (op ? op->k.t && cw->k.t && qx_val_eq(&op->k, &cw->k) : cw->k.t == QV_BOOL && cw->k.i);
      dead = kc && !hit;
      b->dead += dead;
      if (!rc) rc = qx_bind(b, w->when.then, &x->args[k++], err);
      b->dead -= dead + rest;
      if (rc) goto fail;
      if (hit) rest = 1;
    }
    b->dead += rest;
    if (e->case_.else_) rc = qx_bind(b, e->case_.else_, &x->args[k++], err);
    b->dead -= rest;
    if (rc) goto fail;
    /* the results: THEN branches, then ELSE */
    qx_ex **res = gp_query_arena_alloc(b->q->a, (size_t)x->nargs * sizeof *res);
    int nres = 0;
    if (!res) {
      rc = qx_nomem(err);
      goto fail;
    }
    for (int j = x->idx + 1; j < x->nargs - (int)x->nids; j += 2) res[nres++] = x->args[j];
    if (x->nids) res[nres++] = x->args[x->nargs - 1];
    if ((rc = qx_coerce_peers(res, nres, err))) goto fail;
    for (int j = 0; j < nres; j++) {
      uint8_t tt = res[j]->t;
      if (!x->t) x->t = tt;
      else if (tt && tt != x->t) x->t = (tt == QV_DBL || tt == QV_INT) && (x->t == QV_DBL || x->t == QV_INT) ? QV_DBL : QV_NULL;
    }
    break;
  }
  case GP_AST_CAST: {
    if (!(x = qx_ex_new(b, QX_CAST, 1, e->pos))) break;
    x->sub = (uint8_t)qx_vt_of_type(e->cast.type);
    x->t = x->sub;
    if ((rc = qx_bind(b, e->cast.arg, &x->args[0], err))) goto fail;
    if (e->cast.type == GP_T_TIMESTAMP && x->args[0]->op == QX_CONST && x->args[0]->k.t == QV_TEXT &&
        (rc = qx_coerce_ts(x->args[0], err)))
      goto fail;
    x = fold(b, x);
    break;
  }
  default:
    rc = gp_query_err_at(err, GP_UNSUPPORTED, e->pos, "%s is not supported in an expression",
                         gp_ast_kind_name(e->kind));
    goto fail;
  }
done:
  b->depth--;
  if (qx_faulted()) { /* a constant that failed to fold: 1 / 0 */
    if (!b->dead) return qx_fault_take(err);
    qx_fault_take(NULL); /* in a CASE branch that cannot run: PostgreSQL drops it unevaluated */
  }
  if (!x) return qx_nomem(err);
  *out = x;
  return GP_OK;
fail:
  b->depth--;
  return rc;
}

/* Which sources an expression reads (bit per QX_SRC_*). */
unsigned qx_ex_srcs(const qx_ex *x) {
  unsigned m = 0;
  if (x->op == QX_COL) m |= 1u << x->src;
  if (x->op == QX_SYMCMP || x->op == QX_SYMIN) m |= 1u << QX_SRC_ROWS;
  if (x->op == QX_FUNC && (x->sub == QF_CELL || x->sub == QF_CELL_X || x->sub == QF_CELL_Y))
    m |= 1u << QX_SRC_ROWS;
  for (int k = 0; k < x->nargs; k++) m |= qx_ex_srcs(x->args[k]);
  return m;
}

/* Columns of the scan rows an expression reads. */
uint64_t qx_ex_cols(const qx_ex *x) {
  uint64_t m = 0;
  if ((x->op == QX_COL && x->src == QX_SRC_ROWS) || x->op == QX_SYMCMP || x->op == QX_SYMIN)
    m |= UINT64_C(1) << x->idx;
  for (int k = 0; k < x->nargs; k++) m |= qx_ex_cols(x->args[k]);
  return m;
}

/* A locf()/interpolate() column not yet given its index (see bind_fill). */
static bool has_fill(const qx_ex *x) {
  if (x->op == QX_COL && x->src == QX_SRC_VALS && x->idx < 0) return true;
  for (int k = 0; k < x->nargs; k++)
    if (has_fill(x->args[k])) return true;
  return false;
}

/* locf(x) / interpolate(x) over T of a gapfill query. The node reads T column
 * nkeys + naggs + k, but naggs is known only once every item is bound, so it carries -1 - k
 * until fill_patch sets it. */
static gp_rc bind_fill(bctx *b, gp_ast *e, qx_ex **out, gp_err *err) {
  const char *name = e->call.name.s;
  if (b->mode != B_POST || !b->gf)
    return gp_query_err_at(err, GP_INVALID, e->pos, "%s() fills the gaps that gapfill() makes: "
                           "it needs GROUP BY gapfill(ts, interval)", name);
  bool interp = name[0] == 'i';
  uint32_t na = e->call.args.n;
  if ((interp ? na != 1 : na < 1 || na > 2) || e->call.distinct)
    return gp_query_err_at(err, GP_INVALID, e->pos, "%s() takes %s, not %u", name,
                           interp ? "1 argument" : "1 or 2 arguments (value [, treat_null_as_missing])",
                           na);
  /* locf(x, treat_null_as_missing) as TimescaleDB's: a constant true or false */
  bool nm = false;
  if (na == 2) {
    gp_ast *a2 = e->call.args.v[1];
    qx_ex *x2 = NULL;
    bctx b2 = *b;
    b2.mode = B_INPUT;
    gp_rc rc = qx_bind(&b2, a2, &x2, err);
    if (rc) return rc;
    if (x2->op != QX_CONST || x2->t != QV_BOOL)
      return gp_query_err_at(err, GP_INVALID, a2->pos, "locf(): treat_null_as_missing must be "
                             "true or false");
    qx_val v2;
    qx_row r0 = {0};
    qx_eval(&b->q->ctx, x2, &r0, &b->q->pool, &v2);
    nm = v2.t == QV_BOOL && v2.i;
  }
  char *d = qx_dump_of(b->q, e);
  if (!d) return qx_nomem(err);
  int k;
  for (k = 0; k < b->nfills; k++)
    if (strcmp(b->fills[k].dump, d) == 0) break;
  if (k == b->nfills) {
    fillref fr = {d, interp, nm, NULL};
    gp_ast *a = e->call.args.v[0];
    gp_rc rc = qx_bind(b, a, &fr.arg, err);
    if (rc) return rc;
    if (has_fill(fr.arg))
      return gp_query_err_at(err, GP_INVALID, a->pos, "%s() of locf() or interpolate()", name);
    if (qx_ex_srcs(fr.arg) & 1u << QX_SRC_VALS2) /* windows run after the fill */
      return gp_query_err_at(err, GP_UNSUPPORTED, a->pos, "%s() of a window function", name);
    if (fr.interp && fr.arg->t != QV_INT && fr.arg->t != QV_DBL && fr.arg->t != QV_NULL)
      return gp_query_err_at(err, GP_INVALID, a->pos, "interpolate() needs a number, not %s",
                             qx_vt_name(fr.arg->t));
    fillref *nf = qx_arena_room(b->q, b->fills, b->nfills, &b->capfills, sizeof *nf);
    if (!nf) return qx_nomem(err);
    b->fills = nf;
    b->fills[b->nfills] = fr;
    k = b->nfills++;
  }
  qx_ex *x = qx_ex_new(b, QX_COL, 0, e->pos);
  if (!x) return qx_nomem(err);
  x->src = QX_SRC_VALS;
  x->idx = -1 - k;
  x->t = b->fills[k].interp ? QV_DBL : b->fills[k].arg->t;
  *out = x;
  return GP_OK;
}

void qx_fill_patch(qx_ex *x, int base) {
  if (!x) return;
  if (x->op == QX_COL && x->src == QX_SRC_VALS && x->idx < 0) x->idx = base - 1 - x->idx;
  for (int k = 0; k < x->nargs; k++) qx_fill_patch(x->args[k], base);
}

const char *qx_opt_word(const gp_ast *v) {
  if (!v) return NULL;
  if (v->kind == GP_AST_STRING) return v->str.s;
  if (v->kind == GP_AST_COLUMN) return v->column.name.s;
  return NULL;
}
