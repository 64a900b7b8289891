/* func_time.c - the time functions: bucket (time_bucket, and gapfill's key), now, date,
 * hour, epoch, strftime, and date_trunc and date_part as PostgreSQL's on timestamp (without
 * time zone, read in the session's zone or the one named): the instant is turned into local wall time,
 * the field is read or the wall time truncated there, and a truncated wall time is turned
 * back into an instant (the earlier one when DST folds it, as bucket() does).
 *
 * Units and fields are PostgreSQL's names, plural or singular; an unknown one is PostgreSQL's
 * error (`unit "fortnight" not recognized`) at the argument's position. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "func_int.h"

#define SC QK_SCALAR

enum { U_US = 1, U_MS, U_SEC, U_MIN, U_HOUR, U_DAY, U_WEEK, U_MONTH, U_QUARTER, U_YEAR,
       U_DECADE, U_CENTURY, U_MILLENNIUM, U_DOW, U_ISODOW, U_DOY, U_EPOCH, U_ISOYEAR };

static const struct {
  const char *name;
  int u;
  bool trunc; /* date_trunc takes it (date_part takes them all) */
} UNITS[] = {
    {"microseconds", U_US, true}, {"microsecond", U_US, true}, {"milliseconds", U_MS, true},
    {"millisecond", U_MS, true},  {"second", U_SEC, true},     {"seconds", U_SEC, true},
    {"minute", U_MIN, true},      {"minutes", U_MIN, true},    {"hour", U_HOUR, true},
    {"hours", U_HOUR, true},      {"day", U_DAY, true},        {"days", U_DAY, true},
    {"week", U_WEEK, true},       {"weeks", U_WEEK, true},     {"month", U_MONTH, true},
    {"months", U_MONTH, true},    {"quarter", U_QUARTER, true}, {"year", U_YEAR, true},
    {"years", U_YEAR, true},      {"decade", U_DECADE, true},  {"century", U_CENTURY, true},
    {"millennium", U_MILLENNIUM, true}, {"dow", U_DOW, false}, {"isodow", U_ISODOW, false},
    {"doy", U_DOY, false},        {"epoch", U_EPOCH, false},   {"isoyear", U_ISOYEAR, false},
};

static int unit_of(const qx_val *v, bool trunc) {
  for (size_t k = 0; k < sizeof UNITS / sizeof *UNITS; k++)
    if (strlen(UNITS[k].name) == v->n && strncasecmp(UNITS[k].name, v->s, v->n) == 0)
      return UNITS[k].trunc || !trunc ? UNITS[k].u : 0;
  return 0;
}

/* The zone a call reads its timestamp in: the one its binder loaded (a third argument), else
 * the session's. */
static const qx_tz *zone_of(const qx_ctx *c, const qx_ex *x) { return x->tz ? x->tz : c->tz; }

/* ISO 8601: weeks start on Monday, week 1 holds the year's first Thursday. days is the local
 * day number (0 = 1970-01-01, a Thursday). */
static void iso_week(int64_t days, int64_t *year, int64_t *week) {
  int64_t mon = (days + 3) - gp_floordiv(days + 3, 7) * 7; /* 0 = Monday */
  int64_t thu = days - mon + 3; /* the week's Thursday decides its year */
  int64_t y;
  unsigned m, d;
  gp_civil_from_days(thu, &y, &m, &d);
  *year = y;
  *week = (thu - gp_days_from_civil(y, 1, 1)) / 7 + 1;
}

static qx_val bad_unit(const qx_ex *x, const qx_val *u) {
  qx_fault(x->args[0]->pos, "unit \"%.*s\" not recognized for type timestamp",
           (int)(u->n > 64 ? 64 : u->n), u->s);
  return qx_null();
}

static qx_val f_date_trunc(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool,
                          const qx_val *a) {
  QX_FN_UNUSED;
  if (a[0].t != QV_TEXT || a[1].t != QV_TS) return qx_null();
  int u = unit_of(&a[0], true);
  if (!u) return bad_unit(x, &a[0]);
  const qx_tz *tz = zone_of(c, x);
  int64_t local = a[1].i + (int64_t)qx_tz_offset(tz, a[1].i) * GP_USEC_PER_SEC;
  int64_t days = gp_floordiv(local, GP_USEC_PER_DAY), y;
  unsigned m, d;
  gp_civil_from_days(days, &y, &m, &d);
  int64_t t;
  switch (u) {
  case U_US: return a[1];
  case U_MS: t = gp_floordiv(local, 1000) * 1000; break;
  case U_SEC: t = gp_floordiv(local, GP_USEC_PER_SEC) * GP_USEC_PER_SEC; break;
  case U_MIN: t = gp_floordiv(local, 60 * GP_USEC_PER_SEC) * 60 * GP_USEC_PER_SEC; break;
  case U_HOUR: t = gp_floordiv(local, GP_USEC_PER_HOUR) * GP_USEC_PER_HOUR; break;
  case U_DAY: t = days * GP_USEC_PER_DAY; break;
  case U_WEEK: /* back to Monday (day 0, 1970-01-01, was a Thursday) */
    t = (days - ((days + 3) - gp_floordiv(days + 3, 7) * 7)) * GP_USEC_PER_DAY;
    break;
  case U_MONTH: t = gp_days_from_civil(y, m, 1) * GP_USEC_PER_DAY; break;
  case U_QUARTER: t = gp_days_from_civil(y, (m - 1) / 3 * 3 + 1, 1) * GP_USEC_PER_DAY; break;
  case U_YEAR: t = gp_days_from_civil(y, 1, 1) * GP_USEC_PER_DAY; break;
  case U_DECADE: t = gp_days_from_civil(gp_floordiv(y, 10) * 10, 1, 1) * GP_USEC_PER_DAY; break;
  /* PostgreSQL's centuries and millennia start in years ending in 01: 2001, 1901 */
  case U_CENTURY:
    t = gp_days_from_civil(gp_floordiv(y - 1, 100) * 100 + 1, 1, 1) * GP_USEC_PER_DAY;
    break;
  default: /* U_MILLENNIUM */
    t = gp_days_from_civil(gp_floordiv(y - 1, 1000) * 1000 + 1, 1, 1) * GP_USEC_PER_DAY;
    break;
  }
  return qx_ts(qx_tz_to_utc(tz, t));
}

static qx_val f_date_part(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool,
                         const qx_val *a) {
  QX_FN_UNUSED;
  if (a[0].t != QV_TEXT || a[1].t != QV_TS) return qx_null();
  int u = unit_of(&a[0], false);
  if (!u) return bad_unit(x, &a[0]);
  if (u == U_EPOCH) return qx_dbl((double)a[1].i / 1e6);
  const qx_tz *tz = zone_of(c, x);
  int64_t local = a[1].i + (int64_t)qx_tz_offset(tz, a[1].i) * GP_USEC_PER_SEC;
  int64_t days = gp_floordiv(local, GP_USEC_PER_DAY), y, iy, iw;
  int64_t tod = local - days * GP_USEC_PER_DAY; /* us into the day */
  unsigned m, d;
  gp_civil_from_days(days, &y, &m, &d);
  int64_t mon = (days + 3) - gp_floordiv(days + 3, 7) * 7; /* 0 = Monday */
  switch (u) {
  case U_US: return qx_dbl((double)(tod % (60 * GP_USEC_PER_SEC)));
  case U_MS: return qx_dbl((double)(tod % (60 * GP_USEC_PER_SEC)) / 1e3);
  case U_SEC: return qx_dbl((double)(tod % (60 * GP_USEC_PER_SEC)) / 1e6);
  case U_MIN: return qx_dbl((double)(tod / (60 * GP_USEC_PER_SEC) % 60));
  case U_HOUR: return qx_dbl((double)(tod / GP_USEC_PER_HOUR));
  case U_DAY: return qx_dbl((double)d);
  case U_WEEK: iso_week(days, &iy, &iw); return qx_dbl((double)iw);
  case U_ISOYEAR: iso_week(days, &iy, &iw); return qx_dbl((double)iy);
  case U_MONTH: return qx_dbl((double)m);
  case U_QUARTER: return qx_dbl((double)((m - 1) / 3 + 1));
  case U_YEAR: return qx_dbl((double)y);
  case U_DECADE: return qx_dbl((double)gp_floordiv(y, 10));
  case U_CENTURY: return qx_dbl((double)(y > 0 ? (y + 99) / 100 : -((99 - y) / 100)));
  case U_MILLENNIUM: return qx_dbl((double)(y > 0 ? (y + 999) / 1000 : -((999 - y) / 1000)));
  case U_DOW: return qx_dbl((double)((mon + 1) % 7));
  case U_ISODOW: return qx_dbl((double)(mon + 1));
  default: /* U_DOY */ return qx_dbl((double)(days - gp_days_from_civil(y, 1, 1) + 1));
  }
}

static inline void put_ch(char *out, size_t cap, size_t *o, char ch) {
  if (*o < cap) out[*o] = ch;
  (*o)++;
}

/* Writes the time fields per fmt (%Y %m %d %H %M %S %%; any other %x as it is) into out as far
 * as cap allows, and returns the length of the whole text, as snprintf does, so that a caller
 * whose buffer was short can make one of the right size and write again. */
static size_t strftime_put(const char *fmt, size_t fn, int64_t y, unsigned m, unsigned d,
                           int64_t tod, char *out, size_t cap) {
  size_t o = 0;
  for (size_t k = 0; k < fn; k++) {
    char ch = fmt[k];
    if (ch != '%' || k + 1 == fn) {
      put_ch(out, cap, &o, ch);
      continue;
    }
    ch = fmt[++k];
    long long v;
    switch (ch) {
    case 'Y':
      /* digits by hand: snprintf was most of a grouped strftime */
      if (y >= 0 && y <= 9999 && o + 4 <= cap) {
        out[o++] = (char)('0' + y / 1000), out[o++] = (char)('0' + y / 100 % 10);
        out[o++] = (char)('0' + y / 10 % 10), out[o++] = (char)('0' + y % 10);
      } else {
        char yb[24];
        int n = snprintf(yb, sizeof yb, "%04lld", (long long)y);
        for (int i = 0; i < n; i++) put_ch(out, cap, &o, yb[i]);
      }
      continue;
    case 'm': v = m; break;
    case 'd': v = d; break;
    case 'H': v = tod / GP_USEC_PER_HOUR; break;
    case 'M': v = tod / 60000000 % 60; break;
    case 'S': v = tod / 1000000 % 60; break;
    case '%':
      put_ch(out, cap, &o, '%');
      continue;
    default:
      put_ch(out, cap, &o, '%');
      put_ch(out, cap, &o, ch);
      continue;
    }
    put_ch(out, cap, &o, (char)('0' + v / 10)); /* every field above is 0..99 */
    put_ch(out, cap, &o, (char)('0' + v % 10));
  }
  return o;
}

/* The whole text for any format: a short one is made on the stack, a longer one written again
 * into a pool buffer of its exact size. NULL only when the pool is out of memory or the text
 * would pass a TEXT value's 4 GiB (a format of more than 1 GiB, as no specifier writes more
 * than 7 bytes for its 2). */
static qx_val strftime_val(const qx_val *ts, const qx_val *fmt, const qx_ctx *c, qx_pool *pool) {
  if (ts->t != QV_TS || fmt->t != QV_TEXT) return qx_null();
  int64_t local = ts->i + (int64_t)qx_tz_offset(c->tz, ts->i) * GP_USEC_PER_SEC;
  int64_t days = gp_floordiv(local, GP_USEC_PER_DAY), tod = local - days * GP_USEC_PER_DAY;
  int64_t y;
  unsigned m, d;
  gp_civil_from_days(days, &y, &m, &d);
  char buf[256];
  size_t n = strftime_put(fmt->s, fmt->n, y, m, d, tod, buf, sizeof buf);
  if (n <= sizeof buf) {
    const char *s = qx_pool_strdup(pool, buf, n);
    return s ? qx_text(s, n) : qx_null();
  }
  if (n > UINT32_MAX) return qx_null();
  char *s = qx_pool_alloc(pool, n + 1);
  if (!s) return qx_null();
  strftime_put(fmt->s, fmt->n, y, m, d, tod, s, n + 1);
  s[n] = '\0';
  return qx_text(s, n);
}

static qx_val f_strftime(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  return strftime_val(&a[0], &a[1], c, pool);
}

static qx_val f_bucket(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  if (a[0].t != QV_TS || a[1].t != QV_IVL) return qx_null();
  const qx_tz *tz = c->tz;
  if (x->tz) tz = x->tz;
  return qx_ts(qx_bucket(a[0].i, a[1].i, a[1].n, tz));
}

static qx_val f_now(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  return qx_ts(c->now);
}

static qx_val f_epoch(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  if (a[0].t == QV_IVL) return qx_dbl(qx_ivl_epoch(&a[0]));
  return a[0].t == QV_TS ? qx_dbl((double)a[0].i / 1e6) : qx_null();
}

static qx_val f_date(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  return a[0].t == QV_TS ? qx_ts(qx_bucket(a[0].i, GP_USEC_PER_DAY, 0, c->tz)) : qx_null();
}

static qx_val f_hour(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  if (a[0].t != QV_TS) return qx_null();
  int64_t local = a[0].i + (int64_t)qx_tz_offset(c->tz, a[0].i) * GP_USEC_PER_SEC;
  return qx_int(gp_floordiv(local, GP_USEC_PER_HOUR) - gp_floordiv(local, GP_USEC_PER_DAY) * 24);
}

/* to_timestamp(seconds): the instant that many seconds after 1970 (UTC), to the microsecond */
static qx_val f_to_timestamp(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool,
                             const qx_val *a) {
  QX_FN_UNUSED;
  if (!qx_is_num(&a[0])) return qx_null();
  double us = qx_num(&a[0]) * 1e6;
  /* PostgreSQL's range, 4714 BC to 294276 AD, is far past what the output writes: keep to
   * years 0001-9999 */
  if (!(us >= -62135596800e6 && us < 253402300800e6)) {
    qx_fault(x->pos, "timestamp out of range: \"%g\"", qx_num(&a[0]));
    return qx_null();
  }
  return qx_ts((int64_t)llround(us));
}

/* make_timestamp(year, month, day, hour, minute, seconds): PostgreSQL's checks and errors;
 * the fields are wall time in UTC (a TIMESTAMP has no zone) */
static qx_val f_make_timestamp(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool,
                               const qx_val *a) {
  QX_FN_UNUSED;
  int64_t f[5];
  for (int k = 0; k < 6; k++)
    if (!qx_is_num(&a[k])) return qx_null();
  for (int k = 0; k < 5; k++) {
    double v = qx_num(&a[k]);
    if (v != floor(v) || fabs(v) > 1e9) {
      qx_fault(x->args[k]->pos, "the %s must be a whole number",
               (const char *[]){"year", "month", "day", "hour", "minute"}[k]);
      return qx_null();
    }
    f[k] = (int64_t)v;
  }
  double sec = qx_num(&a[5]);
  if (f[0] < 1 || f[0] > 9999 || f[1] < 1 || f[1] > 12 || f[2] < 1 ||
      f[2] > (int64_t)qx_days_in_month(f[0], (unsigned)f[1])) {
    qx_fault(x->pos, "date field value out of range: %lld-%02lld-%02lld", (long long)f[0],
             (long long)f[1], (long long)f[2]);
    return qx_null();
  }
  if (f[3] < 0 || f[3] > 23 || f[4] < 0 || f[4] > 59 || !(sec >= 0 && sec < 60)) {
    qx_fault(x->pos, "time field value out of range: %lld:%02lld:%02g", (long long)f[3],
             (long long)f[4], sec);
    return qx_null();
  }
  int64_t us = gp_days_from_civil(f[0], (unsigned)f[1], (unsigned)f[2]) * GP_USEC_PER_DAY +
               (f[3] * 3600 + f[4] * 60) * GP_USEC_PER_SEC + (int64_t)llround(sec * 1e6);
  return qx_ts(us);
}

const qx_func qx_funcs_time[] = {
    {"bucket", SC, QB_BUCKET, QT_FIXED, QV_TS, 2, 3, QF_BUCKET, 0,
     "bucket(ts, width [, zone]) -> TIMESTAMP",
     "the start of ts's bucket of the width (calendar months and years; days in the zone)", .eval = f_bucket},
    {"date", SC, QB_SCALAR, QT_FIXED, QV_TS, 1, 1, QF_DATE, 0, "date(ts) -> TIMESTAMP",
     "the start of ts's day in the session's time zone", .eval = f_date},
    {"date_part", SC, QB_SCALAR, QT_FIXED, QV_DBL, 2, 2, QF_DATE_PART, 0,
     "date_part(field, ts) -> DOUBLE",
     "year, quarter, month, week (ISO), isoyear, day, doy, dow (Sunday 0), isodow (Monday 1), "
     "hour, minute, second (with its fraction), milliseconds, microseconds, decade, century, "
     "millennium or epoch of ts, in the session's time zone", .eval = f_date_part},
    {"date_trunc", SC, QB_ZONED, QT_FIXED, QV_TS, 2, 3, QF_DATE_TRUNC, 0,
     "date_trunc(unit, ts [, zone]) -> TIMESTAMP",
     "ts truncated to the start of its microsecond, millisecond, second, minute, hour, day, "
     "week (Monday), month, quarter, year, decade, century or millennium, in the zone", .eval = f_date_trunc},
    {"epoch", SC, QB_SCALAR, QT_FIXED, QV_DBL, 1, 1, QF_EPOCH, 0,
     "epoch(ts | interval) -> DOUBLE",
     "seconds since 1970, or an interval's seconds (a month 30 days, a year 365.25)", .eval = f_epoch},
    {"gapfill", SC, QB_GAPFILL, QT_FIXED, QV_TS, 2, 5, QF_BUCKET, 0,
     "gapfill(ts, width [, zone] [, start, end]) -> TIMESTAMP",
     "bucket() as a GROUP BY key that also yields the empty buckets of the WHERE's time range", .eval = f_bucket},
    {"hour", SC, QB_SCALAR, QT_FIXED, QV_INT, 1, 1, QF_HOUR, 0, "hour(ts) -> INT",
     "the hour of ts (0-23) in the session's time zone", .eval = f_hour},
    {"make_timestamp", SC, QB_SCALAR, QT_FIXED, QV_TS, 6, 6, 0, 0, "make_timestamp(year, month, day, hour, minute, seconds) -> TIMESTAMP", "the timestamp of those fields (seconds with a fraction)", .eval = f_make_timestamp},
    {"now", SC, QB_SCALAR, QT_FIXED, QV_TS, 0, 0, QF_NOW, 0, "now() -> TIMESTAMP",
     "the statement's time (SET now overrides it)", .eval = f_now},
    {"strftime", SC, QB_SCALAR, QT_FIXED, QV_TEXT, 2, 2, QF_STRFTIME, 0,
     "strftime(ts, format) -> TEXT", "ts as text in the session's time zone", .eval = f_strftime},
    {"time_bucket", SC, QB_BUCKET, QT_FIXED, QV_TS, 2, 3, QF_BUCKET, 0,
     "time_bucket(ts, width [, zone]) -> TIMESTAMP", "bucket()", .eval = f_bucket},
    {"to_timestamp", SC, QB_SCALAR, QT_FIXED, QV_TS, 1, 1, 0, 0, "to_timestamp(seconds) -> TIMESTAMP", "the instant that many seconds after 1970-01-01 00:00:00 UTC", .eval = f_to_timestamp},
    {0}};
