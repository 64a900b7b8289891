/* func_time.c - date_trunc and date_part, as PostgreSQL's on timestamp (without time zone,
 * read in the session's zone or the one named): the instant is turned into local wall time,
 * the field is read or the wall time truncated there, and a truncated wall time is turned
 * back into an instant (the earlier one when DST folds it, as bucket() does).
 *
 * Units and fields are PostgreSQL's names, plural or singular; an unknown one is PostgreSQL's
 * error (`unit "fortnight" not recognized`) at the argument's position. */
#include <string.h>
#include <strings.h>

#include "func_int.h"

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

qx_val qx_date_trunc(const qx_ctx *c, const qx_ex *x, const qx_val *a) {
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

qx_val qx_date_part(const qx_ctx *c, const qx_ex *x, const qx_val *a) {
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
