/* func_num.c - the numeric functions: abs, round, floor, ceil, sqrt, ln, exp, power, as
 * PostgreSQL's on double precision and bigint (round(int) and floor/ceil of an INT stay INT;
 * a domain error such as sqrt(-1) is NULL here, a documented rule, where PostgreSQL raises). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "func_int.h"

#define SC QK_SCALAR

static qx_val f_abs(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  if (a[0].t == QV_INT) {
    if (a[0].i != INT64_MIN) return qx_int(a[0].i < 0 ? -a[0].i : a[0].i);
    qx_fault(x->pos, "bigint out of range");
    return qx_null();
  }
  return a[0].t == QV_DBL ? qx_dbl(fabs(a[0].d)) : qx_null();
}

/* round(x, n) as PostgreSQL's round(numeric, int) on x's decimal text (the shortest digits
 * that read back as x): n places after the point, halves away from zero, any n. So
 * round(2.675, 2) = 2.68 (the text is 2.675, though the double is a little below it),
 * round(x, -400) = 0 and round(x, 400) = x, where x * 10^n would overflow to NaN; NaN and
 * infinities are returned as they are. */
static double round_decimal(double x, int64_t n) {
  if (!isfinite(x) || x == 0) return x;
  char b[40];
  int p = 15;
  for (; p <= 17; p++) { /* the shortest precision that reads back exactly */
    snprintf(b, sizeof b, "%.*e", p - 1, x);
    if (strtod(b, NULL) == x) break;
  }
  if (p > 17) p = 17;
  /* b is [-]d.ddde[+-]XX: digits dig[0..p) of value 0.dig * 10^(e + 1) */
  char dig[20];
  const char *q = b + (b[0] == '-');
  int nd = 0;
  for (; *q && *q != 'e'; q++)
    if (*q != '.') dig[nd++] = *q;
  int e = atoi(q + 1);
  int64_t keep = (int64_t)e + 1 + n; /* digits left of the rounding place */
  if (keep >= nd) return x;
  if (keep < 0) return 0.0;
  int carry = dig[keep] >= '5';
  for (int64_t k = keep - 1; k >= 0 && carry; k--) {
    if (dig[k] == '9') dig[k] = '0';
    else dig[k]++, carry = 0;
  }
  /* the digits 1 dig[0..keep) (carry) or dig[0..keep) times 10^(e + 1 - keep) */
  char out[48];
  int o = 0;
  if (x < 0) out[o++] = '-';
  if (carry) out[o++] = '1';
  for (int64_t k = 0; k < keep; k++) out[o++] = dig[k];
  if (o == (x < 0) ) out[o++] = '0';
  snprintf(out + o, sizeof out - (size_t)o, "e%lld", (long long)(e + 1 - keep));
  return strtod(out, NULL) + 0.0; /* + 0.0: no -0 */
}

static qx_val f_round(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  int na = x->nargs;
  if (!qx_is_num(&a[0])) return qx_null();
  if (na > 1 && a[1].t == QV_NULL) return qx_null();
  if (a[0].t == QV_INT && na < 2) return a[0];
  if (na > 1 && a[1].t == QV_DBL && a[1].d != floor(a[1].d)) return qx_null();
  int64_t places = na < 2 ? 0 : a[1].t == QV_DBL ? (fabs(a[1].d) < 1e6 ? (int64_t)a[1].d : a[1].d < 0 ? -1000000 : 1000000) : a[1].i;
  double rd = round_decimal(qx_num(&a[0]), places);
  if (isinf(rd) && !isinf(qx_num(&a[0]))) { /* round(1.7e308, -308) is 2e308 */
    qx_fault(x->pos, "value out of range: overflow");
    return qx_null();
  }
  return qx_dbl(rd);
}

static qx_val f_floor(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  return a[0].t == QV_INT ? a[0] : qx_is_num(&a[0]) ? qx_dbl(floor(qx_num(&a[0]))) : qx_null();
}

static qx_val f_ceil(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  return a[0].t == QV_INT ? a[0] : qx_is_num(&a[0]) ? qx_dbl(ceil(qx_num(&a[0]))) : qx_null();
}

static qx_val f_sqrt(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  return qx_is_num(&a[0]) && qx_num(&a[0]) >= 0 ? qx_dbl(sqrt(qx_num(&a[0]))) : qx_null();
}

static qx_val f_ln(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  return qx_is_num(&a[0]) && qx_num(&a[0]) > 0 ? qx_dbl(log(qx_num(&a[0]))) : qx_null();
}

static qx_val f_exp(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  return qx_is_num(&a[0]) ? qx_dbl(exp(qx_num(&a[0]))) : qx_null();
}

static qx_val f_power(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  return qx_is_num(&a[0]) && qx_is_num(&a[1]) ? qx_dbl(pow(qx_num(&a[0]), qx_num(&a[1]))) : qx_null();
}

const qx_func qx_funcs_num[] = {
    {"abs", SC, QB_SCALAR, QT_ARG0, QV_NULL, 1, 1, QF_ABS, 0, "abs(x) -> type of x",
     "absolute value; abs of the smallest INT is `bigint out of range`", .eval = f_abs},
    {"ceil", SC, QB_SCALAR, QT_ARG0, QV_NULL, 1, 1, QF_CEIL, 0, "ceil(x) -> type of x",
     "the smallest whole number not below x", .eval = f_ceil},
    {"exp", SC, QB_SCALAR, QT_FIXED, QV_DBL, 1, 1, QF_EXP, 0, "exp(x) -> DOUBLE", "e to the x", .eval = f_exp},
    {"floor", SC, QB_SCALAR, QT_ARG0, QV_NULL, 1, 1, QF_FLOOR, 0, "floor(x) -> type of x",
     "the largest whole number not above x", .eval = f_floor},
    {"ln", SC, QB_SCALAR, QT_FIXED, QV_DBL, 1, 1, QF_LN, 0, "ln(x) -> DOUBLE",
     "the natural logarithm (NULL for x <= 0)", .eval = f_ln},
    {"power", SC, QB_SCALAR, QT_FIXED, QV_DBL, 2, 2, QF_POWER, 0, "power(x, y) -> DOUBLE",
     "x to the y", .eval = f_power},
    {"round", SC, QB_SCALAR, QT_ROUND, QV_NULL, 1, 2, QF_ROUND, 0,
     "round(x [, n]) -> DOUBLE (INT for round(int))",
     "x rounded to n places, halves away from zero, on x's shortest decimal text", .eval = f_round},
    {"sqrt", SC, QB_SCALAR, QT_FIXED, QV_DBL, 1, 1, QF_SQRT, 0, "sqrt(x) -> DOUBLE",
     "the square root (NULL for x < 0)", .eval = f_sqrt},
    {0}};
