/* func_cond.c - the conditional functions: coalesce, nullif, greatest, least, as
 * PostgreSQL's (their arguments coerced to one type by the binder, QT_PEERS). coalesce,
 * greatest and least evaluate their own arguments: coalesce stops at the first non-NULL. */
#include "func_int.h"

#define SC QK_SCALAR

static qx_val f_coalesce(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  for (int k = 0; k < x->nargs; k++) {
    qx_val v;
    qx_eval(c, x->args[k], r, pool, &v);
    if (v.t != QV_NULL) return v;
  }
  return qx_null();
}

static qx_val f_nullif(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  return a[0].t != QV_NULL && qx_val_eq(&a[0], &a[1]) ? qx_null() : a[0];
}

/* The largest (sign 1) or smallest (-1) non-NULL argument; NULL when all are. */
static qx_val extreme(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, int sign) {
  qx_val best = qx_null();
  for (int k = 0; k < x->nargs; k++) {
    qx_val v;
    qx_eval(c, x->args[k], r, pool, &v);
    if (v.t == QV_NULL) continue;
    if (best.t == QV_NULL || qx_val_cmp(&v, &best) * sign > 0) best = v;
  }
  return best;
}

static qx_val f_greatest(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  return extreme(c, x, r, pool, 1);
}

static qx_val f_least(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  return extreme(c, x, r, pool, -1);
}

const qx_func qx_funcs_cond[] = {
    {"coalesce", SC, QB_SCALAR, QT_PEERS, QV_NULL, 1, 64, QF_COALESCE, 0,
     "coalesce(x, ...) -> type of x", "the first non-NULL argument (later ones not evaluated)", .eval = f_coalesce, .lazy = true},
    {"greatest", SC, QB_SCALAR, QT_PEERS, QV_NULL, 1, 64, QF_GREATEST, 0,
     "greatest(x, ...) -> type of x", "the largest non-NULL argument", .eval = f_greatest, .lazy = true},
    {"least", SC, QB_SCALAR, QT_PEERS, QV_NULL, 1, 64, QF_LEAST, 0,
     "least(x, ...) -> type of x", "the smallest non-NULL argument", .eval = f_least, .lazy = true},
    {"nullif", SC, QB_SCALAR, QT_PEERS, QV_NULL, 2, 2, QF_NULLIF, 0,
     "nullif(a, b) -> type of a", "NULL when a = b, else a", .eval = f_nullif},
    {0}};
