/* lineproto.c - one line of InfluxDB line protocol (v2), as Telegraf and IoT gateways send it:
 *
 *   measurement[,tag=value...] field=value[,field=value...] [timestamp]
 *   weather,station=wl-0007,district=D1 level=3.25,ok=true,note="rising \"fast\""
 * 1722470400000000000
 *
 * Escapes (InfluxDB's rules): in a measurement a backslash escapes ',' and ' '; in tag keys,
 * tag values and field keys it escapes ',', '=' and ' '; in a string field value it escapes
 * '"' and '\'. Any other backslash is kept as it is. Field values: a float (1, -1.5, 1e3), an
 * integer with an i suffix (42i), an unsigned integer with a u suffix (42u), a boolean
 * (t, T, true, True, TRUE, f, F, false, False, FALSE) or a double-quoted string. The
 * timestamp is an integer in the request's precision. */
#include "lineproto.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies an escaped token from *p up to the first unescaped byte of stops (or the end) into
 * *dst, unescaping the characters of escapable; advances *p to the stop. Returns the length. */
static size_t token(const char **p, const char *end, const char *stops, const char *escapable,
                    char **dst) {
  char *o = *dst;
  const char *s = *p;
  while (s < end && !strchr(stops, *s)) {
    if (*s == '\\' && s + 1 < end && strchr(escapable, s[1])) {
      *o++ = s[1];
      s += 2;
    } else {
      *o++ = *s++;
    }
  }
  size_t n = (size_t)(o - *dst);
  *o++ = '\0';
  *dst = o;
  *p = s;
  return n;
}

static gp_rc bad(gp_err *err, const char *line, const char *at, const char *why) {
  return gp_err_set(err, GP_PARSE, "column %zu: %s", (size_t)(at - line) + 1, why);
}

static bool is_bool(const char *s, size_t n, bool *v) {
  static const char *const t[] = {"t", "T", "true", "True", "TRUE"};
  static const char *const f[] = {"f", "F", "false", "False", "FALSE"};
  for (int i = 0; i < 5; i++) {
    if (strlen(t[i]) == n && !memcmp(s, t[i], n)) return *v = true, true;
    if (strlen(f[i]) == n && !memcmp(s, f[i], n)) return *v = false, true;
  }
  return false;
}

/* A field value at *p (up to ',' or ' ' outside quotes). */
static gp_rc field_value(const char *line, const char **p, const char *end, char **scratch,
                         gp_lp_field *f, gp_err *err) {
  const char *s = *p;
  if (s < end && *s == '"') {
    char *o = *scratch;
    f->s = o;
    s++;
    while (s < end && *s != '"') {
      if (*s == '\\' && s + 1 < end && (s[1] == '"' || s[1] == '\\')) s++;
      *o++ = *s++;
    }
    if (s == end) return bad(err, line, *p, "unterminated string field value");
    f->slen = (size_t)(o - f->s);
    *o++ = '\0';
    *scratch = o;
    f->kind = GP_LP_STRING;
    *p = s + 1;
    return GP_OK;
  }
  const char *v = s;
  while (s < end && *s != ',' && *s != ' ') s++;
  size_t n = (size_t)(s - v);
  *p = s;
  if (n == 0) return bad(err, line, v, "missing field value");
  bool b;
  if (is_bool(v, n, &b)) {
    f->kind = GP_LP_BOOL;
    f->i = b;
    return GP_OK;
  }
  char num[64];
  if (n >= sizeof num) return bad(err, line, v, "field value too long for a number");
  memcpy(num, v, n);
  num[n] = '\0';
  char *e;
  errno = 0;
  char suffix = num[n - 1];
  if (suffix == 'i' || suffix == 'u') {
    num[n - 1] = '\0';
    if (n == 1) return bad(err, line, v, "bad integer field value");
    if (suffix == 'u') {
      if (num[0] == '-') return bad(err, line, v, "an unsigned integer field value is negative");
      unsigned long long u = strtoull(num, &e, 10);
      if (*e || errno || u > INT64_MAX)
        return bad(err, line, v, "bad unsigned integer field value (or past 9223372036854775807)");
      f->kind = GP_LP_UINT;
      f->i = (int64_t)u;
      return GP_OK;
    }
    long long i = strtoll(num, &e, 10);
    if (*e || errno) return bad(err, line, v, "bad integer field value");
    f->kind = GP_LP_INT;
    f->i = i;
    return GP_OK;
  }
  double d = strtod(num, &e);
  if (*e || !isfinite(d) ||
      ((num[0] < '0' || num[0] > '9') && num[0] != '-' && num[0] != '.' && num[0] != '+'))
    return bad(err, line, v, "bad field value (a number, 42i, 42u, true/false or \"text\")");
  f->kind = GP_LP_FLOAT;
  f->f = d;
  return GP_OK;
}

gp_rc gp_lp_parse(const char *line, size_t n, char *scratch, gp_lp_point *pt, gp_err *err) {
  const char *p = line, *end = line + n;
  memset(pt, 0, sizeof *pt);
  if (n && (line[n - 1] == '\r')) end--;
  /* the parts become C strings: a NUL byte inside one would cut it short unseen */
  const char *nul = memchr(line, '\0', (size_t)(end - line));
  if (nul) return bad(err, line, nul, "a NUL byte in the line");
  pt->measurement = scratch;
  if (token(&p, end, ", ", ", ", &scratch) == 0) return bad(err, line, p, "missing measurement");
  while (p < end && *p == ',') { /* tags */
    p++;
    if (pt->ntags == GP_LP_MAX_KEYS) return bad(err, line, p, "too many tags");
    gp_lp_tag *t = &pt->tags[pt->ntags];
    const char *k0 = p;
    t->key = scratch;
    if (token(&p, end, ",= ", ",= ", &scratch) == 0 || p == end || *p != '=')
      return bad(err, line, k0, "a tag needs key=value");
    p++;
    t->val = scratch;
    if (token(&p, end, ", ", ",= ", &scratch) == 0) return bad(err, line, p, "empty tag value");
    pt->ntags++;
  }
  if (p == end || *p != ' ') return bad(err, line, p, "expected a space and the fields");
  while (p < end && *p == ' ') p++;
  for (;;) { /* fields */
    if (pt->nfields == GP_LP_MAX_KEYS) return bad(err, line, p, "too many fields");
    gp_lp_field *f = &pt->fields[pt->nfields];
    const char *k0 = p;
    f->key = scratch;
    if (token(&p, end, ",= ", ",= ", &scratch) == 0 || p == end || *p != '=')
      return bad(err, line, k0, "a field needs key=value");
    p++;
    gp_rc rc = field_value(line, &p, end, &scratch, f, err);
    if (rc) return rc;
    pt->nfields++;
    if (p < end && *p == ',') {
      p++;
      continue;
    }
    break;
  }
  while (p < end && *p == ' ') p++;
  if (p < end) {
    const char *t0 = p;
    char num[32];
    size_t k = 0;
    while (p < end && *p != ' ' && k + 1 < sizeof num) num[k++] = *p++;
    num[k] = '\0';
    char *e;
    errno = 0;
    long long ts = strtoll(num, &e, 10);
    if (!k || *e || errno) return bad(err, line, t0, "bad timestamp (an integer)");
    while (p < end && *p == ' ') p++;
    if (p < end) return bad(err, line, p, "unexpected text after the timestamp");
    pt->has_ts = true;
    pt->ts = ts;
  }
  return GP_OK;
}

gp_rc gp_lp_time_us(int64_t ts, const char *precision, int64_t *us, gp_err *err) {
  if (!precision || !strcmp(precision, "ns")) {
    /* floor, so that a negative time rounds the same way as a positive one */
    *us = ts / 1000 - (ts % 1000 < 0);
  } else if (!strcmp(precision, "us")) {
    *us = ts;
  } else if (!strcmp(precision, "ms")) {
    if (ts > INT64_MAX / 1000 || ts < INT64_MIN / 1000) goto range;
    *us = ts * 1000;
  } else if (!strcmp(precision, "s")) {
    if (ts > INT64_MAX / 1000000 || ts < INT64_MIN / 1000000) goto range;
    *us = ts * 1000000;
  } else {
    return gp_err_set(err, GP_INVALID, "precision \"%s\": expected ns, us, ms or s", precision);
  }
  return GP_OK;
range:
  return gp_err_set(err, GP_INVALID, "timestamp out of range");
}
