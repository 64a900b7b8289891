/* func_text.c - the string functions: lower, upper (ASCII letters, as PostgreSQL's in the C
 * locale) and length (code points of the UTF-8 text). */
#include <ctype.h>

#include "func_int.h"

#define SC QK_SCALAR

/* s with each ASCII letter mapped by to (tolower or toupper), in the pool. */
static qx_val map_case(const qx_val *s, qx_pool *pool, int (*to)(int)) {
  if (s->t != QV_TEXT) return qx_null();
  char *o = qx_pool_alloc(pool, s->n + 1);
  if (!o) return qx_null();
  for (uint32_t k = 0; k < s->n; k++) o[k] = (char)to((unsigned char)s->s[k]);
  return qx_text(o, s->n);
}

static qx_val f_lower(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  return map_case(&a[0], pool, tolower);
}

static qx_val f_upper(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  return map_case(&a[0], pool, toupper);
}

static qx_val f_length(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  if (a[0].t != QV_TEXT) return qx_null();
  int64_t n = 0; /* code points */
  for (uint32_t k = 0; k < a[0].n; k++) n += ((unsigned char)a[0].s[k] & 0xC0) != 0x80;
  return qx_int(n);
}

const qx_func qx_funcs_text[] = {
    {"length", SC, QB_SCALAR, QT_FIXED, QV_INT, 1, 1, QF_LENGTH, 0, "length(s) -> INT",
     "the number of characters (UTF-8 code points)", .eval = f_length},
    {"lower", SC, QB_SCALAR, QT_FIXED, QV_TEXT, 1, 1, QF_LOWER, 0, "lower(s) -> TEXT",
     "s in lower case (ASCII letters)", .eval = f_lower},
    {"upper", SC, QB_SCALAR, QT_FIXED, QV_TEXT, 1, 1, QF_UPPER, 0, "upper(s) -> TEXT",
     "s in upper case (ASCII letters)", .eval = f_upper},
    {0}};
