/* func_num.c - the numeric functions: abs, sign, round, trunc, floor, ceil, mod, sqrt, cbrt,
 * ln, log10, log, exp, power, the trigonometric functions, radians, degrees and pi, as
 * PostgreSQL's on double precision and bigint (round(int), trunc(int), floor/ceil/abs/sign of
 * an INT and mod of two INTs stay INT; a domain error such as sqrt(-1) or ln(0) is NULL here,
 * a documented rule, where PostgreSQL raises; mod by zero is PostgreSQL's error). */
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

static qx_val f_sign(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  if (a[0].t == QV_INT) return qx_int((a[0].i > 0) - (a[0].i < 0));
  if (a[0].t != QV_DBL) return qx_null();
  return isnan(a[0].d) ? a[0] : qx_dbl((double)((a[0].d > 0) - (a[0].d < 0)));
}

/* trunc(x [, n]): towards zero at n places (on x's decimal text, as round does) */
static qx_val f_trunc(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  if (!qx_is_num(&a[0])) return qx_null();
  if (x->nargs < 2) return a[0].t == QV_INT ? a[0] : qx_dbl(trunc(qx_num(&a[0])));
  if (a[1].t == QV_NULL || (a[1].t == QV_DBL && a[1].d != floor(a[1].d))) return qx_null();
  double v = qx_num(&a[0]);
  int64_t n = a[1].t == QV_DBL ? (int64_t)fmax(-400, fmin(400, a[1].d)) : a[1].i;
  if (!isfinite(v) || n > 400) return qx_dbl(v);
  if (n < -400) return qx_dbl(0);
  /* the rounding of |v| at n places, one step back towards zero when it went up */
  double m = round_decimal(fabs(v), n);
  if (m > fabs(v)) m = round_decimal(m - pow(10, (double)-n), n);
  return qx_dbl(copysign(m, v) + 0.0);
}

static qx_val f_mod(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  if (!qx_is_num(&a[0]) || !qx_is_num(&a[1])) return qx_null();
  if (a[0].t != QV_DBL && a[1].t != QV_DBL) {
    if (a[1].i == 0) {
      qx_fault(x->pos, "division by zero");
      return qx_null();
    }
    return qx_int(a[1].i == -1 ? 0 : a[0].i % a[1].i); /* INT64_MIN % -1 traps in C */
  }
  if (qx_num(&a[1]) == 0) {
    qx_fault(x->pos, "division by zero");
    return qx_null();
  }
  return qx_dbl(fmod(qx_num(&a[0]), qx_num(&a[1])));
}

/* a one-argument function of doubles, NULL outside its domain [lo, hi] (open when lo_open) */
static qx_val unary_dbl(const qx_val *a, double (*fn)(double), double lo, double hi, bool lo_open) {
  if (!qx_is_num(&a[0])) return qx_null();
  double v = qx_num(&a[0]);
  if (!(v >= lo && v <= hi) || (lo_open && v == lo)) return isnan(v) ? qx_dbl(v) : qx_null();
  return qx_dbl(fn(v));
}

#define UNARY(name, fn, lo, hi, open)                                                              \
  static qx_val name(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool,            \
                     const qx_val *a) {                                                            \
    QX_FN_UNUSED;                                                                                  \
    return unary_dbl(a, fn, lo, hi, open);                                                         \
  }
static double to_rad(double d) { return d * (M_PI / 180.0); }
static double to_deg(double r) { return r * (180.0 / M_PI); }
UNARY(f_cbrt, cbrt, -INFINITY, INFINITY, false)
UNARY(f_log10, log10, 0, INFINITY, true)
UNARY(f_sin, sin, -INFINITY, INFINITY, false)
UNARY(f_cos, cos, -INFINITY, INFINITY, false)
UNARY(f_tan, tan, -INFINITY, INFINITY, false)
UNARY(f_asin, asin, -1, 1, false)
UNARY(f_acos, acos, -1, 1, false)
UNARY(f_atan, atan, -INFINITY, INFINITY, false)
UNARY(f_radians, to_rad, -INFINITY, INFINITY, false)
UNARY(f_degrees, to_deg, -INFINITY, INFINITY, false)

/* log(x) is log10 (PostgreSQL's); log(b, x) the logarithm of x to base b */
static qx_val f_log(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  if (x->nargs == 1) return unary_dbl(a, log10, 0, INFINITY, true);
  if (!qx_is_num(&a[0]) || !qx_is_num(&a[1])) return qx_null();
  double b = qx_num(&a[0]), v = qx_num(&a[1]);
  if (!(b > 0) || b == 1 || !(v > 0)) return qx_null();
  return qx_dbl(log(v) / log(b));
}

static qx_val f_atan2(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  return qx_is_num(&a[0]) && qx_is_num(&a[1]) ? qx_dbl(atan2(qx_num(&a[0]), qx_num(&a[1]))) : qx_null();
}

static qx_val f_pi(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  return qx_dbl(M_PI);
}

const qx_func qx_funcs_num[] = {
    {"abs", SC, QB_SCALAR, QT_ARG0, QV_NULL, 1, 1, QF_ABS, 0, "abs(x) -> type of x",
     "absolute value; abs of the smallest INT is `bigint out of range`", .eval = f_abs},
    {"acos", SC, QB_SCALAR, QT_FIXED, QV_DBL, 1, 1, 0, 0, "acos(x) -> DOUBLE", "the arc cosine, in radians (NULL outside [-1, 1])", .eval = f_acos},
    {"asin", SC, QB_SCALAR, QT_FIXED, QV_DBL, 1, 1, 0, 0, "asin(x) -> DOUBLE", "the arc sine, in radians (NULL outside [-1, 1])", .eval = f_asin},
    {"atan", SC, QB_SCALAR, QT_FIXED, QV_DBL, 1, 1, 0, 0, "atan(x) -> DOUBLE", "the arc tangent, in radians", .eval = f_atan},
    {"atan2", SC, QB_SCALAR, QT_FIXED, QV_DBL, 2, 2, 0, 0, "atan2(y, x) -> DOUBLE", "the angle of the point (x, y), in radians", .eval = f_atan2},
    {"cbrt", SC, QB_SCALAR, QT_FIXED, QV_DBL, 1, 1, 0, 0, "cbrt(x) -> DOUBLE", "the cube root", .eval = f_cbrt},
    {"ceil", SC, QB_SCALAR, QT_ARG0, QV_NULL, 1, 1, QF_CEIL, 0, "ceil(x) -> type of x",
     "the smallest whole number not below x", .eval = f_ceil},
    {"cos", SC, QB_SCALAR, QT_FIXED, QV_DBL, 1, 1, 0, 0, "cos(x) -> DOUBLE", "the cosine of x radians", .eval = f_cos},
    {"degrees", SC, QB_SCALAR, QT_FIXED, QV_DBL, 1, 1, 0, 0, "degrees(x) -> DOUBLE", "x radians in degrees", .eval = f_degrees},
    {"exp", SC, QB_SCALAR, QT_FIXED, QV_DBL, 1, 1, QF_EXP, 0, "exp(x) -> DOUBLE", "e to the x", .eval = f_exp},
    {"floor", SC, QB_SCALAR, QT_ARG0, QV_NULL, 1, 1, QF_FLOOR, 0, "floor(x) -> type of x",
     "the largest whole number not above x", .eval = f_floor},
    {"ln", SC, QB_SCALAR, QT_FIXED, QV_DBL, 1, 1, QF_LN, 0, "ln(x) -> DOUBLE",
     "the natural logarithm (NULL for x <= 0)", .eval = f_ln},
    {"log", SC, QB_SCALAR, QT_FIXED, QV_DBL, 1, 2, 0, 0, "log([b,] x) -> DOUBLE", "the base-10 logarithm, or to base b (NULL for x <= 0)", .eval = f_log},
    {"log10", SC, QB_SCALAR, QT_FIXED, QV_DBL, 1, 1, 0, 0, "log10(x) -> DOUBLE", "the base-10 logarithm (NULL for x <= 0)", .eval = f_log10},
    {"mod", SC, QB_SCALAR, QT_INTS, QV_NULL, 2, 2, 0, 0, "mod(a, b) -> INT for INTs, else DOUBLE", "the remainder of a / b, with a's sign (as %)", .eval = f_mod},
    {"pi", SC, QB_SCALAR, QT_FIXED, QV_DBL, 0, 0, 0, 0, "pi() -> DOUBLE", "3.14159...", .eval = f_pi},
    {"power", SC, QB_SCALAR, QT_FIXED, QV_DBL, 2, 2, QF_POWER, 0, "power(x, y) -> DOUBLE",
     "x to the y", .eval = f_power},
    {"radians", SC, QB_SCALAR, QT_FIXED, QV_DBL, 1, 1, 0, 0, "radians(x) -> DOUBLE", "x degrees in radians", .eval = f_radians},
    {"round", SC, QB_SCALAR, QT_ROUND, QV_NULL, 1, 2, QF_ROUND, 0,
     "round(x [, n]) -> DOUBLE (INT for round(int))",
     "x rounded to n places, halves away from zero, on x's shortest decimal text", .eval = f_round},
    {"sign", SC, QB_SCALAR, QT_ARG0, QV_NULL, 1, 1, 0, 0, "sign(x) -> type of x", "-1, 0 or 1 as x is negative, zero or positive", .eval = f_sign},
    {"sin", SC, QB_SCALAR, QT_FIXED, QV_DBL, 1, 1, 0, 0, "sin(x) -> DOUBLE", "the sine of x radians", .eval = f_sin},
    {"sqrt", SC, QB_SCALAR, QT_FIXED, QV_DBL, 1, 1, QF_SQRT, 0, "sqrt(x) -> DOUBLE",
     "the square root (NULL for x < 0)", .eval = f_sqrt},
    {"tan", SC, QB_SCALAR, QT_FIXED, QV_DBL, 1, 1, 0, 0, "tan(x) -> DOUBLE", "the tangent of x radians", .eval = f_tan},
    {"trunc", SC, QB_SCALAR, QT_ROUND, QV_NULL, 1, 2, 0, 0, "trunc(x [, n]) -> DOUBLE (INT for trunc(int))", "x cut towards zero at n places", .eval = f_trunc},
    {0}};
