/* eval.c - runtime values, string pools, time zones and time buckets, and the evaluator of
 * bound expressions (see query_int.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "func_int.h"

/* ---- values ------------------------------------------------------------------------------ */

const char *qx_vt_name(qx_vt t) {
  static const char *n[] = {"null",     "boolean", "int",  "double",
                            "timestamp", "interval", "text", "cell"};
  return t <= QV_CELL ? n[t] : "?";
}

static bool is_num(const qx_val *v) { return v->t == QV_INT || v->t == QV_DBL || v->t == QV_BOOL; }
static double num(const qx_val *v) { return v->t == QV_DBL ? v->d : (double)v->i; }

int qx_val_cmp(const qx_val *a, const qx_val *b) {
  if (a->t == QV_NULL || b->t == QV_NULL) return (a->t != QV_NULL) - (b->t != QV_NULL);
  if (a->t == QV_TEXT && b->t == QV_TEXT) {
    size_t n = a->n < b->n ? a->n : b->n;
    int c = n ? memcmp(a->s, b->s, n) : 0;
    if (c) return c < 0 ? -1 : 1;
    return (a->n > b->n) - (a->n < b->n);
  }
  if (a->t == QV_DBL || b->t == QV_DBL) {
    if (is_num(a) && is_num(b)) {
      double x = num(a), y = num(b);
      if (x != x || y != y) return (x == x) - (y == y); /* NaN sorts first, deterministically */
      return (x > y) - (x < y);
    }
  }
  if (a->t != b->t && !(is_num(a) && is_num(b))) return (a->t > b->t) - (a->t < b->t);
  /* IVL: months first; CELL: the level, so cells of two sizes never meet in a group */
  if ((a->t == QV_IVL || a->t == QV_CELL) && a->n != b->n) return (a->n > b->n) - (a->n < b->n);
  return (a->i > b->i) - (a->i < b->i);
}

bool qx_val_eq(const qx_val *a, const qx_val *b) {
  if (a->t == QV_TEXT && b->t == QV_TEXT)
    return a->n == b->n && (a->s == b->s || memcmp(a->s, b->s, a->n) == 0);
  return qx_val_cmp(a, b) == 0;
}

static uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= UINT64_C(0xff51afd7ed558ccd);
  x ^= x >> 33;
  x *= UINT64_C(0xc4ceb9fe1a85ec53);
  return x ^ (x >> 33);
}

uint64_t qx_val_hash(const qx_val *v) {
  switch (v->t) {
  case QV_NULL: return 0x9e3779b97f4a7c15u;
  case QV_TEXT: {
    uint64_t h = 1469598103934665603u;
    for (uint32_t k = 0; k < v->n; k++) h = (h ^ (uint8_t)v->s[k]) * 1099511628211u;
    return mix64(h);
  }
  case QV_DBL:
    /* Integral doubles hash like the INT they equal, so 2 and 2.0 meet in one group. */
    if (v->d == floor(v->d) && fabs(v->d) < 9e18) return mix64((uint64_t)(int64_t)v->d);
    {
      uint64_t b;
      memcpy(&b, &v->d, 8);
      return mix64(b ^ 0x5555);
    }
  default: return mix64((uint64_t)v->i + v->n);
  }
}

/* The text of a DOUBLE (CAST(x AS TEXT), ||) is the text its result column prints:
 * shortest round-trip digits, a whole value with ".0" ('2.0', '-3.0', '1e+20'), 'nan',
 * 'inf', '-inf', as DuckDB casts and as SQLite writes a REAL, so that a value and its text
 * never disagree on screen. PostgreSQL writes '2' and 'NaN': see query/doc/language.md, Values. */
static gp_rc fmt_dbl(double d, gp_buf *out) {
  char b[48];
  int n = gp_query__double_format(d, b, sizeof b);
  return gp_buf_put(out, b, n > 0 ? (size_t)n : 0);
}

gp_rc qx_val_fmt(const qx_val *v, gp_buf *out) {
  char b[64];
  int n;
  switch (v->t) {
  case QV_NULL: return GP_OK;
  case QV_BOOL: return gp_buf_put(out, v->i ? "true" : "false", v->i ? 4 : 5);
  case QV_INT: n = snprintf(b, sizeof b, "%lld", (long long)v->i); break;
  case QV_DBL: return fmt_dbl(v->d, out);
  case QV_TS: n = gp_ts_format(v->i, b, sizeof b); break;
  case QV_IVL: {
    /* months, then the microseconds as a result column prints them (result.c) */
    int32_t m = (int32_t)v->n; /* may be negative: -(1 month) */
    n = 0;
    if (m) n += snprintf(b, sizeof b, "%d month%s ", m, m == 1 || m == -1 ? "" : "s");
    n += gp_query__interval_format(v->i, b + n, sizeof b - (size_t)n);
    break;
  }
  case QV_TEXT: return gp_buf_put(out, v->s, v->n);
  case QV_CELL: {
    int64_t cx, cy;
    gp_query__cell_unpack(v->i, &cx, &cy);
    n = snprintf(b, sizeof b, "%lld:%lld", (long long)cx, (long long)cy);
    break;
  }
  default: return GP_OK;
  }
  return gp_buf_put(out, b, (size_t)n);
}

/* ---- pools ------------------------------------------------------------------------------ */

typedef struct qx_blk {
  struct qx_blk *next;
  size_t used, cap;
  _Alignas(16) unsigned char data[];
} qx_blk;

void *qx_pool_alloc(qx_pool *p, size_t n) {
  n = (n + 15) & ~(size_t)15;
  qx_blk *b = p->head;
  if (!b || b->cap - b->used < n) {
    size_t cap = n > 65536 ? n : 65536;
    /* strings made per row stay until the statement ends: they grow with the input */
    if (!gp_mem_charge(p->mem, sizeof *b + cap)) return NULL;
    b = GP_MALLOC(sizeof *b + cap);
    if (!b) return NULL;
    b->next = p->head;
    b->used = 0;
    b->cap = cap;
    p->head = b;
  }
  void *r = b->data + b->used;
  b->used += n;
  return r;
}

const char *qx_pool_strdup(qx_pool *p, const char *s, size_t n) {
  char *d = qx_pool_alloc(p, n + 1);
  if (!d) return NULL;
  if (n) memcpy(d, s, n);
  d[n] = 0;
  return d;
}

void qx_pool_free(qx_pool *p) {
  qx_blk *b = p->head;
  while (b) {
    qx_blk *nx = b->next;
    GP_FREE(b);
    b = nx;
  }
  p->head = NULL;
}

/* ---- time zones ------------------------------------------------------------------------- */

/* TZif (RFC 8536): a 44-byte header ("TZif", version, 15 reserved bytes, six big-endian
 * counts isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt), then the v1 body with 32-bit
 * times; version >= 2 repeats header and body with 64-bit times, which is what we read. Body:
 * timecnt transition times, timecnt type indices (u8), typecnt ttinfo records (i32 utoff,
 * u8 isdst, u8 abbrind), then abbreviations, leap records and flags we skip. Example:
 * Asia/Shanghai has 29 transitions, the last in 1991 to type +08:00, so instants after it use
 * the last transition's offset (the POSIX footer "CST-8" says the same). */
static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static gp_rc tz_parse(const unsigned char *d, size_t len, qx_tz *tz, gp_err *err) {
  if (len < 44 || memcmp(d, "TZif", 4) != 0)
    return gp_err_set(err, GP_INVALID, "time zone '%s': not a TZif file", tz->name);
  size_t off = 0;
  int tsz = 4;
  if (d[4] >= '2') { /* skip the v1 body */
    uint32_t c[6];
    for (int k = 0; k < 6; k++) c[k] = be32(d + 20 + 4 * k);
    off = 44 + (size_t)c[3] * 5 + (size_t)c[4] * 6 + c[5] + (size_t)c[2] * 8 + c[0] + c[1];
    if (off + 44 > len || memcmp(d + off, "TZif", 4) != 0)
      return gp_err_set(err, GP_INVALID, "time zone '%s': bad TZif file", tz->name);
    tsz = 8;
  }
  uint32_t c[6];
  for (int k = 0; k < 6; k++) c[k] = be32(d + off + 20 + 4 * k);
  size_t p = off + 44, tc = c[3], ty = c[4];
  if (ty == 0 || p + tc * (tsz + 1) + ty * 6 > len)
    return gp_err_set(err, GP_INVALID, "time zone '%s': truncated TZif file", tz->name);
  tz->at = GP_MALLOC((tc + 1) * sizeof *tz->at);
  tz->off = GP_MALLOC((tc + 1) * sizeof *tz->off);
  if (!tz->at || !tz->off) return gp_err_set(err, GP_NOMEM, "out of memory");
  const unsigned char *types = d + p + tc * tsz, *info = types + tc;
  for (size_t k = 0; k < tc; k++) {
    const unsigned char *q = d + p + k * tsz;
    int64_t t = tsz == 8 ? (int64_t)((uint64_t)be32(q) << 32 | be32(q + 4)) : (int32_t)be32(q);
    uint8_t ti = types[k];
    if (ti >= ty) return gp_err_set(err, GP_INVALID, "time zone '%s': bad type", tz->name);
    tz->at[k] = t;
    tz->off[k] = (int32_t)be32(info + 6 * ti);
  }
  tz->n = tc;
  tz->off0 = (int32_t)be32(info); /* RFC 8536: type 0 applies before the first transition */
  return GP_OK;
}

static bool parse_fixed_offset(const char *s, int32_t *off) {
  int sign = 1;
  if (*s == '+') s++;
  else if (*s == '-') sign = -1, s++;
  else return false;
  int h = 0, m = 0;
  if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1])) return false;
  h = (s[0] - '0') * 10 + s[1] - '0';
  s += 2;
  if (*s == ':') s++;
  if (*s) {
    if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2]) return false;
    m = (s[0] - '0') * 10 + s[1] - '0';
  }
  if (h > 18 || m > 59) return false;
  *off = sign * (h * 3600 + m * 60);
  return true;
}

gp_rc qx_tz_load(const char *name, qx_tz **out, gp_err *err) {
  *out = NULL;
  gp_rc rc = GP_OK;
  unsigned char *data = NULL;
  FILE *f = NULL;
  qx_tz *tz = GP_CALLOC(1, sizeof *tz);
  if (!tz) return gp_err_set(err, GP_NOMEM, "out of memory");
  snprintf(tz->name, sizeof tz->name, "%s", name);
  int32_t fixed;
  if (strcmp(name, "UTC") == 0 || strcmp(name, "utc") == 0 || strcmp(name, "Z") == 0) {
    *out = tz;
    return GP_OK;
  }
  if (parse_fixed_offset(name, &fixed)) {
    tz->off0 = fixed;
    *out = tz;
    return GP_OK;
  }
  if (!*name || strstr(name, "..") || name[0] == '/' || strlen(name) > 60) {
    rc = gp_err_set(err, GP_INVALID, "unknown time zone '%s'", name);
    goto fail_tz;
  }
  char path[128];
  snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
  f = fopen(path, "rb");
  if (!f) {
    rc = gp_err_set(err, GP_INVALID, "unknown time zone '%s' (no %s)", name, path);
    goto fail_tz;
  }
  size_t cap = 1 << 16, len = 0;
  data = GP_MALLOC(cap);
  if (!data) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto fail_file;
  }
  len = fread(data, 1, cap, f);
  if ((rc = tz_parse(data, len, tz, err))) goto fail_file;
  GP_FREE(data);
  fclose(f);
  *out = tz;
  return GP_OK;
fail_file:
  GP_FREE(data);
  fclose(f);
fail_tz:
  qx_tz_free(tz);
  return rc;
}

void qx_tz_free(qx_tz *tz) {
  if (!tz) return;
  GP_FREE(tz->at);
  GP_FREE(tz->off);
  GP_FREE(tz);
}

int32_t qx_tz_offset(const qx_tz *tz, int64_t ts_us) {
  if (!tz) return 0;
  if (!tz->n) return tz->off0;
  int64_t s = gp_floordiv(ts_us, GP_USEC_PER_SEC);
  if (s < tz->at[0]) return tz->off0;
  size_t lo = 0, hi = tz->n; /* last k with at[k] <= s */
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (tz->at[mid] <= s) lo = mid;
    else hi = mid;
  }
  return tz->off[lo];
}

int64_t qx_tz_to_utc(const qx_tz *tz, int64_t local_us) {
  if (!tz) return local_us;
  /* Guess with the offset at the local instant read as UTC, then correct once: exact except
   * inside a gap or fold, where this picks a valid neighbouring instant. */
  int64_t g = local_us - (int64_t)qx_tz_offset(tz, local_us) * GP_USEC_PER_SEC;
  int64_t g2 = local_us - (int64_t)qx_tz_offset(tz, g) * GP_USEC_PER_SEC;
  return g2;
}

unsigned qx_days_in_month(int64_t y, unsigned m) {
  static const unsigned ml[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return ml[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

int64_t qx_add_months(int64_t ts, int64_t months, const qx_tz *tz) {
  int64_t local = ts + (int64_t)qx_tz_offset(tz, ts) * GP_USEC_PER_SEC;
  int64_t days = gp_floordiv(local, GP_USEC_PER_DAY), tod = local - days * GP_USEC_PER_DAY;
  int64_t y;
  unsigned m, d;
  gp_civil_from_days(days, &y, &m, &d);
  int64_t mm = y * 12 + (m - 1) + months;
  y = gp_floordiv(mm, 12);
  m = (unsigned)(mm - y * 12) + 1;
  unsigned lim = qx_days_in_month(y, m);
  if (d > lim) d = lim;
  return qx_tz_to_utc(tz, gp_days_from_civil(y, m, d) * GP_USEC_PER_DAY + tod);
}

int64_t qx_bucket(int64_t ts, int64_t width_us, uint32_t months, const qx_tz *tz) {
  int64_t local = ts + (int64_t)qx_tz_offset(tz, ts) * GP_USEC_PER_SEC;
  int64_t b;
  if (months) {
    int64_t y;
    unsigned m, d;
    gp_civil_from_days(gp_floordiv(local, GP_USEC_PER_DAY), &y, &m, &d);
    int64_t mm = y * 12 + (m - 1);
    mm = gp_floordiv(mm, months) * months;
    int64_t yy = gp_floordiv(mm, 12);
    b = gp_days_from_civil(yy, (unsigned)(mm - yy * 12) + 1, 1) * GP_USEC_PER_DAY;
  } else {
    if (width_us <= 0) return ts;
    b = gp_floordiv(local, width_us) * width_us;
  }
  return tz ? qx_tz_to_utc(tz, b) : b;
}

/* ---- evaluation errors ------------------------------------------------------------------ */

/* The first error of the statement on this thread (see qx_fault in query_int.h). */
static _Thread_local gp_err tl_fault;

void qx_fault(gp_query_pos pos, const char *fmt, ...) {
  if (tl_fault.rc) return; /* the first error is the one to report */
  char msg[GP_ERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  gp_query_err_at(&tl_fault, GP_INVALID, pos, "%s", msg);
}

bool qx_faulted(void) { return tl_fault.rc != GP_OK; }

gp_rc qx_fault_take(gp_err *err) {
  gp_rc rc = tl_fault.rc;
  if (!rc) return GP_OK;
  if (err && !err->rc) *err = tl_fault;
  gp_err_clear(&tl_fault);
  return rc;
}

/* Text shown inside an error's quotes: at most 64 bytes of it. */
static int shown(size_t n) { return n > 64 ? 64 : (int)n; }

bool qx_text_ts(const char *s, size_t n, gp_query_pos pos, int64_t *out, gp_err *err) {
  gp_ts_rc r = gp_ts_parse_ex(s, n, out);
  if (r == GP_TS_OK) return true;
  const char *what = r == GP_TS_RANGE ? "date/time field value out of range: \"%.*s\""
                                      : "invalid input syntax for type timestamp: \"%.*s\"";
  if (err) gp_query_err_at(err, GP_INVALID, pos, what, shown(n), s);
  else qx_fault(pos, what, shown(n), s);
  return false;
}

/* The unit words of `5 m` (query/doc/language.md), m being minutes; months in *months. */
static bool ivl_unit(const char *u, size_t n, int64_t *us, int64_t *months) {
  static const struct { const char *w; int64_t us, months; } k[] = {
      {"us", 1, 0}, {"microsecond", 1, 0}, {"microseconds", 1, 0}, {"ms", 1000, 0},
      {"millisecond", 1000, 0}, {"milliseconds", 1000, 0}, {"s", GP_USEC_PER_SEC, 0},
      {"sec", GP_USEC_PER_SEC, 0}, {"secs", GP_USEC_PER_SEC, 0}, {"second", GP_USEC_PER_SEC, 0},
      {"seconds", GP_USEC_PER_SEC, 0}, {"m", 60 * GP_USEC_PER_SEC, 0},
      {"min", 60 * GP_USEC_PER_SEC, 0}, {"mins", 60 * GP_USEC_PER_SEC, 0},
      {"minute", 60 * GP_USEC_PER_SEC, 0}, {"minutes", 60 * GP_USEC_PER_SEC, 0},
      {"h", GP_USEC_PER_HOUR, 0}, {"hour", GP_USEC_PER_HOUR, 0}, {"hours", GP_USEC_PER_HOUR, 0},
      {"d", GP_USEC_PER_DAY, 0}, {"day", GP_USEC_PER_DAY, 0}, {"days", GP_USEC_PER_DAY, 0},
      {"w", 7 * GP_USEC_PER_DAY, 0}, {"week", 7 * GP_USEC_PER_DAY, 0},
      {"weeks", 7 * GP_USEC_PER_DAY, 0}, {"month", 0, 1}, {"months", 0, 1}, {"mon", 0, 1},
      {"y", 0, 12}, {"year", 0, 12}, {"years", 0, 12}};
  for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
    if (strlen(k[i].w) == n && strncasecmp(k[i].w, u, n) == 0) {
      *us = k[i].us;
      *months = k[i].months;
      return true;
    }
  return false;
}

bool qx_text_ivl(const char *s, size_t n, qx_val *out) {
  size_t i = 0;
  double us = 0;
  int64_t months = 0;
  bool any = false;
  while (true) {
    while (i < n && s[i] == ' ') i++;
    if (i == n) break;
    char num[48];
    size_t b = i;
    if (s[i] == '-' || s[i] == '+') i++;
    while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == ':')) i++;
    if (i == b || i - b >= sizeof num) return false;
    memcpy(num, s + b, i - b);
    num[i - b] = '\0';
    if (strchr(num, ':')) { /* [-]HH:MM[:SS[.f]] */
      double h = 0, m = 0, sec = 0;
      int sign = num[0] == '-' ? -1 : 1;
      char *p = num + (num[0] == '-' || num[0] == '+'), *e;
      h = strtod(p, &e);
      if (e == p || *e != ':') return false;
      p = e + 1;
      m = strtod(p, &e);
      if (e == p || (*e && *e != ':')) return false;
      if (*e == ':') {
        p = e + 1;
        sec = strtod(p, &e);
        if (e == p || *e) return false;
      }
      us += sign * ((h * 3600 + m * 60 + sec) * 1e6);
      any = true;
      continue;
    }
    char *e;
    double v = strtod(num, &e);
    if (e == num || *e) return false;
    while (i < n && s[i] == ' ') i++;
    size_t ub = i;
    while (i < n && s[i] != ' ') i++;
    int64_t uu, um;
    if (!ivl_unit(s + ub, i - ub, &uu, &um)) return false;
    if (um) {
      double mm = v * (double)um;
      if (mm != floor(mm) || fabs(mm) > 2147483647.0) return false;
      months += (int64_t)mm;
    } else {
      us += v * (double)uu;
    }
    any = true;
  }
  if (!any || !(fabs(us) < 9.2e18) || months > INT32_MAX || months < INT32_MIN) return false;
  *out = qx_null();
  out->t = QV_IVL;
  out->i = (int64_t)llround(us);
  out->n = (uint32_t)(int32_t)months;
  return true;
}

double qx_ivl_epoch(const qx_val *v) {
  int32_t m = (int32_t)v->n;
  /* PostgreSQL: years of 365.25 days, the remaining months of 30 days */
  return (double)v->i / 1e6 + (double)(m / 12) * 365.25 * 86400.0 + (double)(m % 12) * 30.0 * 86400.0;
}

/* ---- untyped literals ---------------------------------------------------------------- */

/* A string constant next to a TIMESTAMP or an INTERVAL takes that type, as PostgreSQL reads
 * an untyped literal: `ts > '2024-08-01'`, `ts + '1 hour'`, `coalesce(ts, '2024-08-01')`. A
 * string that does not read as the type is an error at its position. */
gp_rc qx_coerce(qx_ex *x, qx_vt t, gp_err *err) {
  if (x->op != QX_CONST || x->k.t != QV_TEXT) return GP_OK;
  if (t == QV_TS) {
    int64_t v;
    if (!qx_text_ts(x->k.s, x->k.n, x->pos, &v, err)) return err->rc;
    x->k = qx_ts(v);
  } else if (t == QV_IVL) {
    qx_val v;
    if (!qx_text_ivl(x->k.s, x->k.n, &v))
      return gp_query_err_at(err, GP_INVALID, x->pos, "invalid input syntax for type interval: "
                             "\"%.*s\"", x->k.n > 64 ? 64 : (int)x->k.n, x->k.s);
    x->k = v;
  } else {
    return GP_OK;
  }
  x->t = (uint8_t)t;
  return GP_OK;
}

static bool is_text_const(const qx_ex *x) { return x->op == QX_CONST && x->k.t == QV_TEXT; }

/* ts - 'text' is ts - timestamp as in PostgreSQL, and ts - interval when the text is not a
 * timestamp ('1 hour'), which PostgreSQL refuses; ts + 'text' can only be ts + interval. */
gp_rc qx_coerce_arith(gp_ast_op op, qx_ex *l, qx_ex *r, gp_err *err) {
  if (op != GP_OP_ADD && op != GP_OP_SUB) return GP_OK;
  qx_ex *k = is_text_const(l) ? l : is_text_const(r) ? r : NULL, *o = k == l ? r : l;
  if (!k || (o->t != QV_TS && o->t != QV_IVL)) return GP_OK;
  int64_t t;
  qx_val iv;
  bool ts_ok = gp_ts_parse(k->k.s, k->k.n, &t), ivl_ok = qx_text_ivl(k->k.s, k->k.n, &iv);
  qx_vt want;
  if (o->t == QV_TS) /* ts + 'x', 'x' + ts, ts - 'x', 'x' - ts */
    want = op == GP_OP_ADD ? QV_IVL : k == l || ts_ok || !ivl_ok ? QV_TS : QV_IVL;
  else /* ivl + 'x', 'x' + ivl, ivl - 'x', 'x' - ivl */
    want = ts_ok && !(k == r && op == GP_OP_SUB) ? QV_TS : QV_IVL;
  return qx_coerce(k, want, err);
}

/* The branches of CASE and the arguments of coalesce/greatest/least/nullif: string constants
 * take the type of the first TIMESTAMP or INTERVAL among them. */
gp_rc qx_coerce_peers(qx_ex **v, int n, gp_err *err) {
  qx_vt t = QV_NULL;
  for (int k = 0; k < n && !t; k++)
    if (v[k] && (v[k]->t == QV_TS || v[k]->t == QV_IVL)) t = v[k]->t;
  if (!t) return GP_OK;
  for (int k = 0; k < n; k++) {
    gp_rc rc = v[k] ? qx_coerce(v[k], t, err) : GP_OK;
    if (rc) return rc;
  }
  return GP_OK;
}

/* ---- LIKE ------------------------------------------------------------------------------- */

/* The byte after the UTF-8 code point that starts at s[i] (continuation bytes skipped). */
static size_t next_cp(const char *s, size_t i, size_t n) {
  i++;
  while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80) i++;
  return i;
}

bool qx_like(const char *s, size_t n, const char *p, size_t pn) {
  /* Greedy matching with one backtrack point (the last %): linear for patterns without
   * nested ambiguity, and never exponential. '_' is one character, not one byte (PostgreSQL:
   * '_长信箱' matches '市长信箱'), so both '_' and the backtrack step move a code point at a
   * time; literal bytes compare bytewise, which is the same for valid UTF-8. */
  size_t si = 0, pi = 0, star = (size_t)-1, mark = 0;
  while (si < n) {
    if (pi < pn && p[pi] == '_') {
      si = next_cp(s, si, n);
      pi++;
    } else if (pi < pn && p[pi] != '%' && p[pi] == s[si]) {
      si++;
      pi++;
    } else if (pi < pn && p[pi] == '%') {
      star = pi++;
      mark = si;
    } else if (star != (size_t)-1) {
      pi = star + 1;
      si = mark = next_cp(s, mark, n);
    } else {
      return false;
    }
  }
  while (pi < pn && p[pi] == '%') pi++;
  return pi == pn;
}

/* ---- evaluation --------------------------------------------------------------------------- */

qx_val qx_rows_get(const qx_ctx *c, const gp_rows *rows, size_t i, int col, gp_type ty,
                   const gp_table *t) {
  const gp_col *cl = &rows->cols[col];
  if (gp_rows_isnull(cl, i)) return qx_null();
  switch (ty) {
  case GP_T_TIMESTAMP: return qx_ts(cl->i64[i]);
  case GP_T_INT: return qx_int(cl->i64[i]);
  case GP_T_DOUBLE: return qx_dbl(cl->f64[i]);
  case GP_T_SYMBOL: {
    size_t n = 0;
    const char *s = gp_db_sym_str(c->db, t, col, cl->i64[i], &n);
    return s ? qx_text(s, n) : qx_null();
  }
  case GP_T_TEXT: return qx_text(cl->str[i], cl->len[i]);
  }
  return qx_null();
}

/* An interval of m months and us microseconds, or NULL with "interval out of range". */
static qx_val ivl_of(double months, double us, gp_query_pos pos) {
  /* PostgreSQL's interval_mul: a fraction of a month becomes days of 30, and microseconds
   * are rounded to the nearest */
  double wm = trunc(months);
  us += (months - wm) * 30.0 * (double)GP_USEC_PER_DAY;
  if (!(fabs(wm) <= 2147483647.0) || !(fabs(us) < 9.2e18)) {
    qx_fault(pos, "interval out of range");
    return qx_null();
  }
  qx_val r = {0};
  r.t = QV_IVL;
  r.n = (uint32_t)(int32_t)wm;
  r.i = (int64_t)llrint(us);
  return r;
}

/* The arithmetic operators, as PostgreSQL defines them: an integer result that leaves int64
 * is "bigint out of range" (never a double), / and % by zero are "division by zero", time
 * arithmetic that leaves int64 microseconds is "timestamp/interval out of range"; each error
 * goes to qx_fault at the operator's position and the value is NULL. */
static qx_val arith(gp_ast_op op, const qx_val *a, const qx_val *b, const qx_ctx *c,
                    qx_pool *pool, gp_query_pos pos) {
  if (a->t == QV_NULL || b->t == QV_NULL) return qx_null();
  if (op == GP_OP_CONCAT) {
    gp_buf t = {0};
    qx_val_fmt(a, &t);
    qx_val_fmt(b, &t);
    qx_val r = qx_text(qx_pool_strdup(pool, t.p ? (char *)t.p : "", t.len), t.len);
    gp_buf_free(&t);
    return r.s ? r : qx_null();
  }
  if (a->t == QV_TS && b->t == QV_IVL && (op == GP_OP_ADD || op == GP_OP_SUB)) {
    int64_t t = a->i, r, m = (int32_t)b->n;
    if (m) t = qx_add_months(t, op == GP_OP_ADD ? m : -m, c->tz);
    bool ovf = op == GP_OP_ADD ? __builtin_add_overflow(t, b->i, &r)
                               : __builtin_sub_overflow(t, b->i, &r);
    if (ovf || r == GP_TS_NULL) {
      qx_fault(pos, "timestamp out of range");
      return qx_null();
    }
    return qx_ts(r);
  }
  if (a->t == QV_IVL && b->t == QV_TS && op == GP_OP_ADD) return arith(op, b, a, c, pool, pos);
  if (a->t == QV_TS && b->t == QV_TS && op == GP_OP_SUB) {
    qx_val r = {0};
    r.t = QV_IVL;
    if (__builtin_sub_overflow(a->i, b->i, &r.i)) {
      qx_fault(pos, "interval out of range");
      return qx_null();
    }
    return r;
  }
  if (a->t == QV_IVL && b->t == QV_IVL && (op == GP_OP_ADD || op == GP_OP_SUB)) {
    qx_val r = *a;
    int64_t m = op == GP_OP_ADD ? (int64_t)(int32_t)a->n + (int32_t)b->n
                                : (int64_t)(int32_t)a->n - (int32_t)b->n;
    bool ovf = op == GP_OP_ADD ? __builtin_add_overflow(a->i, b->i, &r.i)
                               : __builtin_sub_overflow(a->i, b->i, &r.i);
    if (ovf || m > INT32_MAX || m < INT32_MIN) {
      qx_fault(pos, "interval out of range");
      return qx_null();
    }
    r.n = (uint32_t)(int32_t)m;
    return r;
  }
  if (is_num(a) && b->t == QV_IVL && op == GP_OP_MUL) return arith(op, b, a, c, pool, pos);
  if (a->t == QV_IVL && is_num(b) && (op == GP_OP_MUL || op == GP_OP_DIV)) {
    int32_t m = (int32_t)a->n;
    if (b->t != QV_DBL && op == GP_OP_MUL) { /* exact for integer factors */
      int64_t us, mm;
      if (__builtin_mul_overflow(a->i, b->i, &us) || __builtin_mul_overflow((int64_t)m, b->i, &mm) ||
          mm > INT32_MAX || mm < INT32_MIN) {
        qx_fault(pos, "interval out of range");
        return qx_null();
      }
      qx_val r = *a;
      r.i = us;
      r.n = (uint32_t)(int32_t)mm;
      return r;
    }
    double f = num(b);
    if (op == GP_OP_DIV && f == 0) {
      qx_fault(pos, "division by zero");
      return qx_null();
    }
    if (f != f) {
      qx_fault(pos, "interval out of range");
      return qx_null();
    }
    if (op == GP_OP_DIV) return ivl_of((double)m / f, (double)a->i / f, pos);
    return ivl_of((double)m * f, (double)a->i * f, pos);
  }
  if (a->t == QV_IVL && b->t == QV_IVL && op == GP_OP_DIV) {
    /* not in PostgreSQL: how many b fit in a, months counting 30 days */
    double x = (double)a->i + (double)(int32_t)a->n * 30.0 * (double)GP_USEC_PER_DAY;
    double y = (double)b->i + (double)(int32_t)b->n * 30.0 * (double)GP_USEC_PER_DAY;
    if (y == 0) {
      qx_fault(pos, "division by zero");
      return qx_null();
    }
    return qx_dbl(x / y);
  }
  if (!is_num(a) || !is_num(b)) return qx_null();
  if (a->t != QV_DBL && b->t != QV_DBL) {
    int64_t x = a->i, y = b->i, r;
    bool ovf = false;
    switch (op) {
    case GP_OP_ADD: ovf = __builtin_add_overflow(x, y, &r); break;
    case GP_OP_SUB: ovf = __builtin_sub_overflow(x, y, &r); break;
    case GP_OP_MUL: ovf = __builtin_mul_overflow(x, y, &r); break;
    case GP_OP_DIV: /* integer division truncates, as in SQL engines */
    case GP_OP_MOD:
      if (y == 0) {
        qx_fault(pos, "division by zero");
        return qx_null();
      }
      if (y == -1) { /* INT64_MIN / -1 overflows; INT64_MIN % -1 traps on x86 */
        if (op == GP_OP_MOD) return qx_int(0);
        ovf = __builtin_sub_overflow((int64_t)0, x, &r);
      } else {
        r = op == GP_OP_DIV ? x / y : x % y;
      }
      break;
    default: return qx_null();
    }
    if (ovf) {
      qx_fault(pos, "bigint out of range");
      return qx_null();
    }
    return qx_int(r);
  }
  double x = num(a), y = num(b), r;
  switch (op) {
  case GP_OP_ADD: r = x + y; break;
  case GP_OP_SUB: r = x - y; break;
  case GP_OP_MUL: r = x * y; break;
  case GP_OP_DIV:
  case GP_OP_MOD:
    if (y == 0) {
      qx_fault(pos, "division by zero");
      return qx_null();
    }
    r = op == GP_OP_DIV ? x / y : fmod(x, y);
    break;
  default: return qx_null();
  }
  /* PostgreSQL's float8 operators: finite operands that give an infinity overflowed */
  if (isinf(r) && !isinf(x) && !isinf(y)) {
    qx_fault(pos, "value out of range: overflow");
    return qx_null();
  }
  return qx_dbl(r);
}

/* Reads text 'cx:cy' as a cell of `level` (so `c = '620:3751'` works); false when it is not
 * two integers joined by ':'. */
static bool text_cell(const qx_val *t, uint32_t level, qx_val *out) {
  char b[64], *e;
  if (t->n == 0 || t->n >= sizeof b) return false;
  memcpy(b, t->s, t->n);
  b[t->n] = '\0';
  long long cx = strtoll(b, &e, 10);
  if (e == b || *e != ':') return false;
  char *s2 = e + 1;
  long long cy = strtoll(s2, &e, 10);
  if (e == s2 || *e || cx < -2147483648LL || cx > 2147483647LL || cy < -2147483648LL ||
      cy > 2147483647LL)
    return false;
  *out = qx_cell(gp_query__cell_pack(cx, cy), (int)level);
  return true;
}

static qx_val cmp_op(gp_ast_op op, const qx_val *a, const qx_val *b) {
  if (a->t == QV_NULL || b->t == QV_NULL) return qx_null();
  qx_val ta, tb;
  if (a->t == QV_CELL && b->t == QV_TEXT && text_cell(b, a->n, &tb)) b = &tb;
  if (b->t == QV_CELL && a->t == QV_TEXT && text_cell(a, b->n, &ta)) a = &ta;
  int c;
  if (op == GP_OP_EQ || op == GP_OP_NE) {
    bool e = qx_val_eq(a, b);
    return qx_bool(op == GP_OP_EQ ? e : !e);
  }
  c = qx_val_cmp(a, b);
  switch (op) {
  case GP_OP_LT: return qx_bool(c < 0);
  case GP_OP_LE: return qx_bool(c <= 0);
  case GP_OP_GT: return qx_bool(c > 0);
  case GP_OP_GE: return qx_bool(c >= 0);
  default: return qx_null();
  }
}

/* A function call: its arguments evaluated (all of them, at most QX_FN_ARGS; a lazy entry
 * such as coalesce() evaluates its own, as far as it needs), then the registry entry's
 * implementation (func_int.h: each family of functions in a file of its own). */
static qx_val func(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool) {
  const qx_func *f = x->def;
  qx_val a[QX_FN_ARGS] = {{0}};
  if (!f->lazy) {
    int na = x->nargs < QX_FN_ARGS ? x->nargs : QX_FN_ARGS;
    for (int k = 0; k < na; k++) qx_eval(c, x->args[k], r, pool, &a[k]);
  }
  return f->eval(c, x, r, pool, a);
}

/* ---- casts: PostgreSQL's input functions and their errors --------------------------------- */

/* d rounded (halves away from zero) when it fits int64. */
static bool dbl_int(double d, int64_t *out) {
  double r = round(d);
  /* -2^63 is a double, 2^63 the first one past INT64_MAX */
  if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0)) return false;
  *out = (int64_t)r;
  return true;
}

/* Text [spaces][+-]digits[spaces] as int64 (int8in); a fault otherwise. */
static bool text_int(const char *s, size_t n, gp_query_pos pos, int64_t *out) {
  size_t i = 0, e = n;
  while (i < e && isspace((unsigned char)s[i])) i++;
  while (e > i && isspace((unsigned char)s[e - 1])) e--;
  bool neg = i < e && s[i] == '-';
  if (i < e && (s[i] == '-' || s[i] == '+')) i++;
  if (i == e) goto syntax;
  uint64_t u = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  bool range = false;
  for (size_t k = i; k < e; k++) {
    if (s[k] < '0' || s[k] > '9') goto syntax;
    uint64_t d = (uint64_t)(s[k] - '0');
    if (u > (lim - d) / 10) range = true;
    else u = u * 10 + d;
  }
  if (range) {
    qx_fault(pos, "value \"%.*s\" is out of range for type bigint", shown(n), s);
    return false;
  }
  *out = neg ? (int64_t)(0 - u) : (int64_t)u;
  return true;
syntax:
  qx_fault(pos, "invalid input syntax for type bigint: \"%.*s\"", shown(n), s);
  return false;
}

/* Text as a double (float8in: decimal or hex digits, NaN, [-]Infinity, spaces around). */
static bool text_dbl(const char *s, size_t n, gp_query_pos pos, double *out) {
  char b[128];
  size_t i = 0, e = n;
  while (i < e && isspace((unsigned char)s[i])) i++;
  while (e > i && isspace((unsigned char)s[e - 1])) e--;
  if (e - i >= sizeof b || i == e) goto syntax;
  memcpy(b, s + i, e - i);
  b[e - i] = '\0';
  char *end;
  errno = 0;
  double v = strtod(b, &end);
  if (end == b || *end) goto syntax;
  if (errno == ERANGE && (isinf(v) || v == 0)) {
    qx_fault(pos, "\"%.*s\" is out of range for type double precision", shown(n), s);
    return false;
  }
  *out = v;
  return true;
syntax:
  qx_fault(pos, "invalid input syntax for type double precision: \"%.*s\"", shown(n), s);
  return false;
}

void qx_eval(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, qx_val *out) {
  qx_val a, b;
  switch ((qx_op)x->op) {
  case QX_CONST: *out = x->k; return;
  case QX_COL:
    if (x->src == QX_SRC_ROWS) *out = qx_rows_get(c, r->rows, r->i, x->idx, x->ctype, x->tab);
    else *out = (x->src == QX_SRC_VALS ? r->vals : r->vals2)[x->idx];
    return;
  case QX_SYMCMP: {
    const gp_col *cl = &r->rows->cols[x->idx];
    if (gp_rows_isnull(cl, r->i)) *out = qx_null();
    else *out = qx_bool((cl->i64[r->i] == x->k.i) != x->neg);
    return;
  }
  case QX_SYMIN: {
    const gp_col *cl = &r->rows->cols[x->idx];
    if (gp_rows_isnull(cl, r->i)) {
      *out = qx_null();
      return;
    }
    *out = qx_bool(qx_ids_has(x->ids, x->nids, cl->i64[r->i]) != x->neg);
    return;
  }
  case QX_NEG:
    qx_eval(c, x->args[0], r, pool, &a);
    *out = qx_null();
    if (a.t == QV_INT) {
      if (a.i != INT64_MIN) *out = qx_int(-a.i);
      else qx_fault(x->pos, "bigint out of range");
    } else if (a.t == QV_DBL) {
      *out = qx_dbl(-a.d);
    } else if (a.t == QV_IVL) {
      if (a.i != INT64_MIN && (int32_t)a.n != INT32_MIN) {
        *out = a;
        out->i = -a.i;
        out->n = (uint32_t)-(int32_t)a.n;
      } else {
        qx_fault(x->pos, "interval out of range");
      }
    }
    return;
  case QX_NOT:
    qx_eval(c, x->args[0], r, pool, &a);
    *out = a.t == QV_NULL ? a : qx_bool(!a.i);
    return;
  case QX_ARITH:
    qx_eval(c, x->args[0], r, pool, &a);
    qx_eval(c, x->args[1], r, pool, &b);
    *out = arith((gp_ast_op)x->sub, &a, &b, c, pool, x->pos);
    return;
  case QX_CMP:
    qx_eval(c, x->args[0], r, pool, &a);
    qx_eval(c, x->args[1], r, pool, &b);
    *out = cmp_op((gp_ast_op)x->sub, &a, &b);
    return;
  case QX_AND:
    qx_eval(c, x->args[0], r, pool, &a);
    if (a.t == QV_BOOL && !a.i) { *out = a; return; }
    qx_eval(c, x->args[1], r, pool, &b);
    if (b.t == QV_BOOL && !b.i) { *out = b; return; }
    *out = a.t == QV_NULL || b.t == QV_NULL ? qx_null() : qx_bool(true);
    return;
  case QX_OR:
    qx_eval(c, x->args[0], r, pool, &a);
    if (a.t == QV_BOOL && a.i) { *out = a; return; }
    qx_eval(c, x->args[1], r, pool, &b);
    if (b.t == QV_BOOL && b.i) { *out = b; return; }
    *out = a.t == QV_NULL || b.t == QV_NULL ? qx_null() : qx_bool(false);
    return;
  case QX_ISNULL:
    qx_eval(c, x->args[0], r, pool, &a);
    *out = qx_bool((a.t == QV_NULL) != x->neg);
    return;
  case QX_IN: {
    qx_eval(c, x->args[0], r, pool, &a);
    if (a.t == QV_NULL) { *out = a; return; }
    bool found = false, null = false;
    for (int k = 1; k < x->nargs && !found; k++) {
      qx_eval(c, x->args[k], r, pool, &b);
      if (b.t == QV_NULL) null = true;
      else if (qx_val_eq(&a, &b)) found = true;
    }
    *out = found ? qx_bool(!x->neg) : null ? qx_null() : qx_bool(x->neg);
    return;
  }
  case QX_BETWEEN: {
    qx_val lo, hi;
    qx_eval(c, x->args[0], r, pool, &a);
    qx_eval(c, x->args[1], r, pool, &lo);
    qx_eval(c, x->args[2], r, pool, &hi);
    /* a >= lo AND a <= hi in three-valued logic: one false side decides even when the other
     * is unknown (5 BETWEEN 7 AND NULL is false, as in PostgreSQL) */
    int ge = a.t == QV_NULL || lo.t == QV_NULL ? -1 : qx_val_cmp(&a, &lo) >= 0;
    int le = a.t == QV_NULL || hi.t == QV_NULL ? -1 : qx_val_cmp(&a, &hi) <= 0;
    if (ge == 0 || le == 0) *out = qx_bool(x->neg);
    else if (ge < 0 || le < 0) *out = qx_null();
    else *out = qx_bool(!x->neg);
    return;
  }
  case QX_LIKE:
    qx_eval(c, x->args[0], r, pool, &a);
    qx_eval(c, x->args[1], r, pool, &b);
    if (a.t != QV_TEXT || b.t != QV_TEXT) { *out = qx_null(); return; }
    *out = qx_bool(qx_like(a.s, a.n, b.s, b.n) != x->neg);
    return;
  case QX_CASE: {
    /* args: [operand] (when, then)* [else]; idx = 1 when an operand is present,
     * nids = 1 when an ELSE is present. */
    int k = 0, end = x->nargs - (int)x->nids;
    qx_val op = {0};
    if (x->idx) qx_eval(c, x->args[k++], r, pool, &op);
    for (; k + 1 < end; k += 2) {
      qx_eval(c, x->args[k], r, pool, &a);
      bool hit = x->idx ? (a.t != QV_NULL && op.t != QV_NULL && qx_val_eq(&op, &a))
                        : (a.t == QV_BOOL && a.i);
      if (hit) {
        qx_eval(c, x->args[k + 1], r, pool, out);
        return;
      }
    }
    if (x->nids) qx_eval(c, x->args[x->nargs - 1], r, pool, out);
    else *out = qx_null();
    return;
  }
  case QX_CAST: {
    qx_eval(c, x->args[0], r, pool, &a);
    *out = qx_null();
    if (a.t == QV_NULL) return;
    switch ((qx_vt)x->sub) {
    case QV_INT:
      if (a.t == QV_DBL) {
        int64_t v;
        if (dbl_int(a.d, &v)) *out = qx_int(v);
        else qx_fault(x->pos, "bigint out of range");
      } else if (a.t == QV_TEXT) {
        int64_t v;
        if (text_int(a.s, a.n, x->pos, &v)) *out = qx_int(v);
      } else if (a.t != QV_IVL) {
        *out = qx_int(a.i);
      }
      return;
    case QV_DBL:
      if (a.t == QV_TEXT) {
        double v;
        if (text_dbl(a.s, a.n, x->pos, &v)) *out = qx_dbl(v);
      } else if (is_num(&a)) {
        *out = qx_dbl(num(&a));
      } else if (a.t == QV_TS) {
        *out = qx_dbl((double)a.i / 1e6);
      }
      return;
    case QV_TS: {
      int64_t t;
      if (a.t == QV_TS) *out = a;
      else if (a.t == QV_TEXT && qx_text_ts(a.s, a.n, x->pos, &t, NULL)) *out = qx_ts(t);
      return;
    }
    case QV_TEXT: {
      gp_buf t = {0};
      qx_val_fmt(&a, &t);
      const char *s = qx_pool_strdup(pool, t.p ? (char *)t.p : "", t.len);
      if (s) *out = qx_text(s, t.len);
      gp_buf_free(&t);
      return;
    }
    default: return;
    }
  }
  case QX_FUNC: *out = func(c, x, r, pool); return;
  }
  *out = qx_null();
}

bool qx_eval_true(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool) {
  qx_val v;
  qx_eval(c, x, r, pool, &v);
  return v.t == QV_BOOL && v.i;
}
