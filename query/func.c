/* func.c - the function registry (see func_int.h): the families' tables read as one list in
 * name order, and the forms that only a binder hook handles (point(), nearest(), gapfill's
 * fillers).
 *
 * An entry says what the binder and the reference need: kind, arity, result type or the rule
 * that gives it, the binder hook, and the implementation (the eval function of a scalar, the
 * qx_agg_kind whose operations agg.c runs, the qx_win_kind a window runs). */
#include <stdlib.h>
#include <string.h>

#include "func_int.h"

#define SC QK_SCALAR
#define TB QK_TABLE

const qx_func qx_funcs_form[] = {
    {"interpolate", SC, QB_FILL, QT_FIXED, QV_NULL, 1, 1, 0, 0, "interpolate(agg) -> DOUBLE",
     "in a gapfill query: an empty bucket's value on the line between its neighbours", .eval = NULL},
    {"locf", SC, QB_FILL, QT_FIXED, QV_NULL, 1, 1, 0, 0, "locf(agg) -> type of agg",
     "in a gapfill query: an empty bucket takes the last value before it", .eval = NULL},
    {"nearest", TB, QB_ONLY_IN, QT_FIXED, QV_NULL, 3, 3, 0, 0,
     "nearest(table, point(lon, lat), k) in FROM",
     "the k rows of a located table nearest to the point, with their distance", .eval = NULL},
    {"point", SC, QB_ONLY_IN, QT_FIXED, QV_NULL, 2, 2, 0, 0, "point(lon, lat)",
     "a position, as the first argument of dwithin() or nearest()", .eval = NULL},
    {0}};

static const qx_func *const FAMILIES[] = {qx_funcs_num,  qx_funcs_cond, qx_funcs_text,
                                          qx_funcs_time, qx_funcs_grid, qx_funcs_geo,
                                          qx_funcs_agg,  qx_funcs_form};
enum { NFAMILIES = sizeof FAMILIES / sizeof *FAMILIES };

/* (binding looks up each call's name once; a linear pass over the ~60 entries costs nothing
 * beside parsing the statement) */
const qx_func *qx_func_find(const char *name) {
  for (int f = 0; f < NFAMILIES; f++)
    for (const qx_func *e = FAMILIES[f]; e->name; e++)
      if (strcmp(e->name, name) == 0) return e;
  return NULL;
}

const qx_func *qx_func_of(qx_fn fn) {
  for (int f = 0; f < NFAMILIES; f++)
    for (const qx_func *e = FAMILIES[f]; e->name; e++)
      if (e->kind == QK_SCALAR && e->fn == fn && e->eval) return e;
  return NULL;
}

/* The i-th name of the merge of the families (each in name order): a walk from the first,
 * which SHOW FUNCTIONS, completion and the reference make a few times per statement. */
const qx_func *qx_func_at(size_t i) {
  const qx_func *at[NFAMILIES];
  for (int f = 0; f < NFAMILIES; f++) at[f] = FAMILIES[f];
  for (size_t k = 0;; k++) {
    int best = -1;
    for (int f = 0; f < NFAMILIES; f++)
      if (at[f]->name && (best < 0 || strcmp(at[f]->name, at[best]->name) < 0)) best = f;
    if (best < 0) return NULL;
    if (k == i) return at[best];
    at[best]++;
  }
}

const char *qx_func_kind_name(int kind) {
  switch (kind) {
  case QK_SCALAR: return "scalar";
  case QK_AGG: return "aggregate";
  case QK_WINDOW: return "window";
  case QK_TABLE: return "table";
  }
  return "?";
}

bool gp_query_func(size_t i, gp_query_func_info *out) {
  const qx_func *f = qx_func_at(i);
  if (!f) return false;
  out->name = f->name;
  out->kind = qx_func_kind_name(f->kind);
  out->sig = f->sig;
  out->doc = f->doc;
  out->over = f->kind == QK_AGG && f->win;
  return true;
}
