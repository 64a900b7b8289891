/* lineproto.h - InfluxDB line protocol, one line at a time (query/serve/lineproto.c). Pure:
 * no database, so that it is unit-tested (tests/test_lineproto.c) on its own. */
#ifndef GP_LINEPROTO_H
#define GP_LINEPROTO_H

#include "gp_base.h"

#define GP_LP_MAX_KEYS 64

typedef enum gp_lp_kind { GP_LP_FLOAT, GP_LP_INT, GP_LP_UINT, GP_LP_BOOL, GP_LP_STRING } gp_lp_kind;

typedef struct gp_lp_tag {
  const char *key, *val; /* unescaped, NUL-terminated, in the scratch buffer */
} gp_lp_tag;

typedef struct gp_lp_field {
  const char *key;
  gp_lp_kind kind;
  double f;      /* FLOAT */
  int64_t i;     /* INT, UINT (at most INT64_MAX), BOOL (0 / 1) */
  const char *s; /* STRING, unescaped, NUL-terminated ... */
  size_t slen;   /* ... of slen bytes (it may hold NULs) */
} gp_lp_field;

typedef struct gp_lp_point {
  const char *measurement;
  int ntags, nfields;
  gp_lp_tag tags[GP_LP_MAX_KEYS];
  gp_lp_field fields[GP_LP_MAX_KEYS];
  bool has_ts;
  int64_t ts; /* as written, in the request's precision */
} gp_lp_point;

/* Parses line[0..n) (no newline; a trailing '\r' is ignored) into pt. Every string of pt
 * points into scratch, which must hold n + 1 bytes per token at most, so 2 * n + 16 always
 * suffices; valid while scratch is. GP_PARSE with err = "column C: reason" (1-based byte). */
gp_rc gp_lp_parse(const char *line, size_t n, char *scratch, gp_lp_point *pt, gp_err *err);
/* ts in precision ("ns" when NULL, "us", "ms", "s") as microseconds (ns floored). */
gp_rc gp_lp_time_us(int64_t ts, const char *precision, int64_t *us, gp_err *err);

#endif
