/* gen.c - random, well-typed SELECTs rendered for gridpulse and for SQLite (see gen.h).
 *
 * A query is a fixed-size value (its expression nodes live in an array inside it and refer to
 * each other by index), so the reducer copies it with one memcpy and edits the copy.
 *
 * What the generator avoids, because the two engines rightly differ there: division or modulo
 * by anything but a non-zero literal (gridpulse refuses division by zero, SQLite gives NULL),
 * products that could overflow 64 bits, comparisons between a timestamp and anything but a
 * timestamp, and greatest()/least() (SQLite's multi-argument max() is NULL when any argument
 * is). Everything else of the two languages' common ground is fair game, NULLs included. */
#include "gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
  X_COL = 1, /* ival: column index, tab: 0 big, 1 small */
  X_LIT,     /* lit: text in both dialects; TS literals are bare, ival 1: bare in gridpulse too */
  X_NULL,
  X_BIN,     /* ival: '+', '-', '*', '/', '%' */
  X_NEG,
  X_CMP,     /* ival: index into cmp_ops */
  X_AND,
  X_OR,
  X_NOT,
  X_ISNULL,  /* ival 1: IS NOT NULL */
  X_IN,      /* k[0] IN (k[1..]); ival 1: NOT IN */
  X_BETWEEN, /* ival 1: NOT BETWEEN */
  X_LIKE,    /* ival 1: NOT LIKE */
  X_CASE,    /* CASE WHEN k0 THEN k1 ELSE k2 END */
  X_FN,      /* lit: a function both dialects spell alike (abs, coalesce, nullif, length...) */
  X_CONCAT,
  X_BUCKET,  /* ival: index into buckets */
  X_HOUR,
  X_TSADD,   /* k0 + ival hours */
  X_EPOCH,
  X_TOFLOAT,
  X_AGG,     /* lit: count, sum, avg, min, max, stddev; ival 1: DISTINCT; nk 0: count(*) */
  X_SUBQ,    /* ival: index into sub[] */
  X_TSADDN,  /* k0 + k1 * 1 h, k1 an INT expression (number * interval) */
  X_DWITHIN, /* dwithin(point(lit), ival m, 'sphere'): SQLite's side is gp_hav(), in C */
  X_WITHIN,  /* within('POLYGON((q->poly))'): SQLite's side is gp_pip(), exact ray casting in C */
  X_WIN,     /* lit OVER (...): kids [arg] [partition] order..., see gen_win */
  X_CASTTEXT, /* CAST(k0 AS TEXT), k0 an INT or DOUBLE column or literal */
  X_GAPFILL, /* gapfill(k0, width) as the first GROUP BY key: ival: index into buckets (fixed
              * widths only); SQLite's side is the bucket, filled by the outer query */
  X_TRUNC,   /* date_trunc(truncs[ival].unit, k0): SQLite's side is strftime */
  X_PART,    /* date_part(parts[ival].field, k0): SQLite's side is strftime */
  X_STARTS,  /* starts_with(k0, k1): SQLite's side is substr(k0, 1, length(k1)) = k1 */
};

/* date_trunc's units and date_part's fields as SQLite computes them: strftime's text of the
 * truncated time (the ISO Monday: six days back, then forward to a Monday), and a field as a
 * REAL, as PostgreSQL's date_part is a double. */
static const struct {
  const char *unit, *sq_fmt, *sq_mod;
} truncs[] = {{"minute", "%Y-%m-%d %H:%M:00", ""}, {"hour", "%Y-%m-%d %H:00:00", ""},
              {"day", "%Y-%m-%d 00:00:00", ""},     {"week", "%Y-%m-%d 00:00:00", ", '-6 days', 'weekday 1'"},
              {"month", "%Y-%m-01 00:00:00", ""},   {"year", "%Y-01-01 00:00:00", ""}};
static const struct {
  const char *field, *sq_fmt;
} parts[] = {{"year", "%Y"}, {"month", "%m"}, {"day", "%d"}, {"hour", "%H"},
             {"minute", "%M"}, {"doy", "%j"}, {"dow", "%w"}};

enum { MAX_NODES = 320, MAX_KIDS = 6, MAX_ITEMS = 7, MAX_WHERE = 7, MAX_SUB = 4 };

typedef struct dx {
  uint8_t op;
  uint8_t t;  /* dt_type */
  uint8_t nk;
  uint8_t tab; /* X_COL: 0 big, 1 small */
  int ival;
  int k[MAX_KIDS];
  char lit[112];
} dx;

struct dt_query {
  const dt_schema *sc;
  dx n[MAX_NODES];
  int nn;
  int items[MAX_ITEMS], nitems;
  int nkeys;    /* items[0..nkeys) are GROUP BY keys (grouped only) */
  bool grouped; /* GROUP BY nkeys keys (nkeys may have been reduced to 0) */
  bool agg;     /* the items are aggregates (and keys) */
  int where[MAX_WHERE], nwhere;
  int having;   /* node or -1 */
  bool order;   /* ORDER BY every item */
  bool desc[MAX_ITEMS];
  uint8_t nulls[MAX_ITEMS]; /* 0: the default placement, 1: NULLS FIRST, 2: NULLS LAST */
  int limit, offset; /* -1: none */
  int join;     /* 0 none, 1 JOIN, 2 LEFT JOIN */
  bool distinct;
  char sub[MAX_SUB][224];
  int nsub;
  char poly[256]; /* X_WITHIN's ring: "lon lat, lon lat, ..." closed, in micro-degrees */
  bool full; /* ran out of nodes while generating: discard */
  int gapfill; /* items[0] is gapfill(ts, width): its node, else -1 (see gen_gapfill) */
  int setop;    /* 0, or 1 UNION, 2 UNION ALL, 3 INTERSECT, 4 EXCEPT of this query and the same
                 * one WHERE where2 (SQLite has no INTERSECT ALL / EXCEPT ALL) */
  int where2[MAX_WHERE], nwhere2;
  int64_t gf_lo, gf_hi; /* its range, [lo, hi) in seconds: the WHERE terms where[0], where[1] */
};

static const char *const cmp_ops[] = {"=", "<>", "<", "<=", ">", ">="};

/* Bucket widths: gridpulse's spelling, and seconds (0: a calendar month). */
static const struct {
  const char *gp;
  int64_t sec;
} buckets[] = {{"1 h", 3600}, {"1 d", 86400}, {"15 min", 900}, {"1 month", 0}, {"6 h", 21600},
               {"30 s", 30}};

static uint64_t rnd(uint64_t *s) { /* splitmix64 */
  uint64_t z = (*s += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}
static int pick(uint64_t *s, int n) { return n > 0 ? (int)(rnd(s) % (uint64_t)n) : 0; }
static bool chance(uint64_t *s, int pct) { return pick(s, 100) < pct; }

typedef struct gen {
  dt_query *q;
  uint64_t *rng;
  bool small; /* the small table's columns are in scope (join queries) */
} gen;

static int node(gen *g, int op, dt_type t) {
  dt_query *q = g->q;
  if (q->nn >= MAX_NODES) {
    q->full = true;
    return 0; /* node 0 is a NULL literal; the query is discarded anyway */
  }
  dx *x = &q->n[q->nn];
  memset(x, 0, sizeof *x);
  x->op = (uint8_t)op;
  x->t = (uint8_t)t;
  return q->nn++;
}
static void kid(gen *g, int p, int c) {
  dx *x = &g->q->n[p];
  if (x->nk < MAX_KIDS) x->k[x->nk++] = c;
}

/* A column of type t in scope, or -1: *tab gets 0 (big) or 1 (small). */
static int pick_col(gen *g, dt_type t, int *tab) {
  const dt_schema *sc = g->q->sc;
  int cand[2 * DT_MAX_COLS], ct[2 * DT_MAX_COLS], n = 0;
  for (int i = 0; i < sc->big.ncols; i++)
    if (sc->big.cols[i].t == t) cand[n] = i, ct[n++] = 0;
  for (int i = 0; g->small && i < sc->small.ncols; i++)
    if (sc->small.cols[i].t == t) cand[n] = i, ct[n++] = 1;
  if (!n) return -1;
  int k = pick(g->rng, n);
  *tab = ct[k];
  return cand[k];
}

static const dt_col *col_of(const dt_query *q, const dx *x) {
  return x->tab ? &q->sc->small.cols[x->ival] : &q->sc->big.cols[x->ival];
}

static int lit(gen *g, dt_type t, const char *text) {
  int i = node(g, X_LIT, t);
  snprintf(g->q->n[i].lit, sizeof g->q->n[i].lit, "%s", text);
  return i;
}

/* A literal of type t, from the pool of a column of that type when there is one (so that
 * comparisons hit real values), else made up. */
static int gen_lit(gen *g, dt_type t) {
  int tab, c = pick_col(g, t, &tab);
  char b[48];
  if (t == DT_BOOL) return lit(g, t, chance(g->rng, 50) ? "TRUE" : "FALSE");
  if (c >= 0 && chance(g->rng, 80)) {
    const dt_col *col = tab ? &g->q->sc->small.cols[c] : &g->q->sc->big.cols[c];
    if (col->npool) return lit(g, t, col->pool[pick(g->rng, col->npool)]);
  }
  switch (t) {
  case DT_INT: snprintf(b, sizeof b, "%d", pick(g->rng, 21) - 10); break;
  case DT_DBL: snprintf(b, sizeof b, "%d.%02d", pick(g->rng, 41) - 20, pick(g->rng, 100)); break;
  case DT_TEXT: snprintf(b, sizeof b, "'%s'", (const char *[]){"", "x", "zzz", "漏水"}[pick(g->rng, 4)]); break;
  default: {
    const dt_schema *sc = g->q->sc;
    int64_t s = sc->ts_lo + (int64_t)(rnd(g->rng) % (uint64_t)(sc->ts_hi - sc->ts_lo + 1));
    if (chance(g->rng, 30)) s -= s % 3600; /* on an hour: on bucket and chunk edges */
    if (chance(g->rng, 10)) s -= s % 86400;
    time_t tt = (time_t)s;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S", &tm);
  }
  }
  return lit(g, t, b);
}

/* A TIMESTAMP literal at s seconds since the epoch. */
static int ts_lit(gen *g, int64_t s) {
  char b[48];
  time_t tt = (time_t)s;
  struct tm tm;
  gmtime_r(&tt, &tm);
  strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S", &tm);
  return lit(g, DT_TS, b);
}

static int gen_expr(gen *g, dt_type t, int depth);
static int gen_bool(gen *g, int depth);

static dt_type num_type(gen *g) { return chance(g->rng, 50) ? DT_INT : DT_DBL; }

static int gen_col_or_lit(gen *g, dt_type t) {
  int tab, c = pick_col(g, t, &tab);
  if (c < 0 || chance(g->rng, 15)) return gen_lit(g, t);
  int i = node(g, X_COL, t);
  g->q->n[i].ival = c;
  g->q->n[i].tab = (uint8_t)tab;
  return i;
}

/* A node of one operand: op (a function named fn when op is X_FN) of type t over a fresh
 * expression of type at. */
static int unary(gen *g, int op, dt_type t, const char *fn, dt_type at, int depth) {
  int i = node(g, op, t);
  if (fn) snprintf(g->q->n[i].lit, sizeof g->q->n[i].lit, "%s", fn);
  kid(g, i, gen_expr(g, at, depth - 1));
  return i;
}

/* A call of a function of the registry's string and number families that SQLite has under
 * the same name and semantics (strpos is its instr, written so by render): numbers through
 * sign, mod (by a constant other than zero: SQLite's mod by 0 is NULL, PostgreSQL's an error),
 * trunc, log, log10, sqrt, ln, the trigonometric functions, radians, degrees, atan2, pi; texts
 * through substr (from 1 on: SQLite's counts a start below 1 from the end), trim/ltrim/rtrim
 * with and without a set, replace. */
static int gen_newfn(gen *g, dt_type t, int depth) {
  int i;
  if (t == DT_INT) {
    int f = pick(g->rng, 3);
    if (f == 0) {
      i = node(g, X_FN, t);
      snprintf(g->q->n[i].lit, sizeof g->q->n[i].lit, "strpos");
      kid(g, i, gen_expr(g, DT_TEXT, depth - 1));
      kid(g, i, chance(g->rng, 50) ? lit(g, DT_TEXT, (const char *[]){"'a'", "'-'", "'水'", "''", "'c0'"}[pick(g->rng, 5)])
                                   : gen_expr(g, DT_TEXT, depth - 1));
      return i;
    }
    if (f == 1) return unary(g, X_FN, t, "sign", DT_INT, depth);
    i = node(g, X_FN, t);
    snprintf(g->q->n[i].lit, sizeof g->q->n[i].lit, "mod");
    kid(g, i, gen_expr(g, DT_INT, depth - 1));
    kid(g, i, lit(g, DT_INT, (const char *[]){"2", "-3", "7", "1"}[pick(g->rng, 4)]));
    return i;
  }
  if (t == DT_DBL) {
    static const char *un[] = {"sign", "trunc", "log10", "sqrt", "ln", "sin", "cos", "tan", "atan", "radians", "degrees", "asin", "acos"};
    int f = pick(g->rng, 17);
    if (f < 13) {
      i = unary(g, X_FN, t, un[f], DT_DBL, depth);
      /* asin, acos: arguments in their domain as often as not */
      if (f >= 11 && chance(g->rng, 60)) {
        int d = node(g, X_BIN, DT_DBL);
        g->q->n[d].ival = '/';
        kid(g, d, g->q->n[i].k[0]);
        kid(g, d, lit(g, DT_DBL, "1000.0"));
        g->q->n[i].k[0] = d;
      }
      return i;
    }
    i = node(g, X_FN, t);
    if (f == 13) { /* atan2(y, x) */
      snprintf(g->q->n[i].lit, sizeof g->q->n[i].lit, "atan2");
      kid(g, i, gen_expr(g, num_type(g), depth - 1));
      kid(g, i, gen_expr(g, num_type(g), depth - 1));
    } else if (f == 14) { /* mod(x, c) */
      snprintf(g->q->n[i].lit, sizeof g->q->n[i].lit, "mod");
      kid(g, i, gen_expr(g, DT_DBL, depth - 1));
      kid(g, i, lit(g, DT_DBL, (const char *[]){"2.5", "-0.5", "4.0", "0.25"}[pick(g->rng, 4)]));
    } else if (f == 15) { /* log(x) (log(b, x) is left out: seed 4 query 117, stddev(log(0.5,
                           * n)), came out NULL on SQLite's side, a NaN in its Welford state,
                           * against 1.258 here; not yet explained) */
      snprintf(g->q->n[i].lit, sizeof g->q->n[i].lit, "log");
      kid(g, i, gen_expr(g, num_type(g), depth - 1));
    } else { /* pi() + x */
      g->q->n[i].op = X_BIN;
      g->q->n[i].ival = '+';
      int pi = node(g, X_FN, DT_DBL);
      snprintf(g->q->n[pi].lit, sizeof g->q->n[pi].lit, "pi");
      kid(g, i, pi);
      kid(g, i, gen_expr(g, num_type(g), depth - 1));
    }
    return i;
  }
  /* DT_TEXT */
  int f = pick(g->rng, 3);
  i = node(g, X_FN, t);
  dx *x = &g->q->n[i];
  if (f == 0) {
    snprintf(x->lit, sizeof x->lit, "substr");
    kid(g, i, gen_expr(g, DT_TEXT, depth - 1));
    char b[16];
    snprintf(b, sizeof b, "%d", 1 + pick(g->rng, 5));
    kid(g, i, lit(g, DT_INT, b));
    if (chance(g->rng, 60)) {
      snprintf(b, sizeof b, "%d", pick(g->rng, 5));
      kid(g, i, lit(g, DT_INT, b));
    }
  } else if (f == 1) {
    snprintf(x->lit, sizeof x->lit, "%s", (const char *[]){"trim", "ltrim", "rtrim"}[pick(g->rng, 3)]);
    kid(g, i, gen_expr(g, DT_TEXT, depth - 1));
    if (chance(g->rng, 60))
      kid(g, i, lit(g, DT_TEXT, (const char *[]){"'x'", "' '", "'c0'", "'漏水'", "'ed'"}[pick(g->rng, 5)]));
  } else {
    snprintf(x->lit, sizeof x->lit, "replace");
    kid(g, i, gen_expr(g, DT_TEXT, depth - 1));
    /* not an empty from: SQLite then gives s even when to is NULL, PostgreSQL (and gridpulse),
     * strict, NULL */
    kid(g, i, lit(g, DT_TEXT, (const char *[]){"'a'", "'-'", "'水'", "'e'", "'c0'", "'ed'"}[pick(g->rng, 6)]));
    kid(g, i, chance(g->rng, 50) ? lit(g, DT_TEXT, (const char *[]){"''", "'ZZ'", "'报'"}[pick(g->rng, 3)])
                                 : gen_expr(g, DT_TEXT, depth - 1));
  }
  return i;
}

static int gen_expr(gen *g, dt_type t, int depth) {
  if (t == DT_BOOL) return gen_bool(g, depth);
  if (depth <= 0 || chance(g->rng, 45)) return gen_col_or_lit(g, t);
  int r = pick(g->rng, 100), i;
  if (r < 12) { /* CASE WHEN p THEN a ELSE b END, b sometimes NULL */
    i = node(g, X_CASE, t);
    kid(g, i, gen_bool(g, depth - 1));
    kid(g, i, gen_expr(g, t, depth - 1));
    kid(g, i, chance(g->rng, 25) ? node(g, X_NULL, t) : gen_expr(g, t, depth - 1));
    return i;
  }
  if (r < 20) { /* coalesce(a, b), nullif(a, b) */
    i = node(g, X_FN, t);
    snprintf(g->q->n[i].lit, sizeof g->q->n[i].lit, "%s", chance(g->rng, 70) ? "coalesce" : "nullif");
    kid(g, i, gen_expr(g, t, depth - 1));
    kid(g, i, gen_expr(g, t, depth - 1));
    return i;
  }
  if (t != DT_TS && r >= 20 && chance(g->rng, 12)) return gen_newfn(g, t, depth);
  switch (t) {
  case DT_INT:
    if (r < 55) {
      i = node(g, X_BIN, t);
      int op = "+-*/%"[pick(g->rng, 5)];
      g->q->n[i].ival = op;
      if (op == '*') { /* small factors: no overflow */
        kid(g, i, gen_col_or_lit(g, DT_INT));
        kid(g, i, lit(g, DT_INT, (const char *[]){"2", "-3", "0", "7"}[pick(g->rng, 4)]));
      } else if (op == '/' || op == '%') {
        kid(g, i, gen_expr(g, DT_INT, depth - 1));
        kid(g, i, lit(g, DT_INT, (const char *[]){"2", "-3", "7", "1"}[pick(g->rng, 4)]));
      } else {
        kid(g, i, gen_expr(g, DT_INT, depth - 1));
        kid(g, i, gen_expr(g, DT_INT, depth - 1));
      }
      return i;
    }
    if (r < 62) {
      return unary(g, X_NEG, t, NULL, t, depth);
    }
    if (r < 72) {
      return unary(g, X_FN, t, "abs", t, depth);
    }
    if (r < 84) {
      return unary(g, X_FN, t, "length", DT_TEXT, depth);
    }
    return unary(g, X_HOUR, t, NULL, DT_TS, depth);
  case DT_DBL:
    if (r < 55) {
      i = node(g, X_BIN, t);
      int op = "+-*/"[pick(g->rng, 4)];
      g->q->n[i].ival = op;
      if (op == '*' || op == '/') {
        kid(g, i, gen_expr(g, num_type(g), depth - 1));
        kid(g, i, lit(g, DT_DBL, (const char *[]){"2.5", "-0.5", "4.0", "0.25"}[pick(g->rng, 4)]));
      } else {
        bool dl = chance(g->rng, 50); /* one side DOUBLE at least */
        kid(g, i, gen_expr(g, dl ? DT_DBL : num_type(g), depth - 1));
        kid(g, i, gen_expr(g, dl ? num_type(g) : DT_DBL, depth - 1));
      }
      return i;
    }
    if (r < 65) {
      return unary(g, X_NEG, t, NULL, t, depth);
    }
    if (r < 75) {
      return unary(g, X_FN, t, "abs", t, depth);
    }
    if (r < 85) {
      return unary(g, X_TOFLOAT, t, NULL, DT_INT, depth);
    }
    if (r < 93) {
      i = node(g, X_PART, t);
      g->q->n[i].ival = pick(g->rng, (int)(sizeof parts / sizeof *parts));
      kid(g, i, gen_expr(g, DT_TS, depth - 1));
      return i;
    }
    return unary(g, X_EPOCH, t, NULL, DT_TS, depth);
  case DT_TEXT:
    if (r < 60) {
      i = node(g, X_CONCAT, t);
      kid(g, i, gen_expr(g, DT_TEXT, depth - 1));
      kid(g, i, gen_expr(g, DT_TEXT, depth - 1));
      return i;
    }
    if (r < 70) { /* the text of a number: a column or literal only, as SQLite writes a REAL
                   * with 15 digits where gridpulse writes the shortest that reads back */
      i = node(g, X_CASTTEXT, t);
      kid(g, i, gen_col_or_lit(g, num_type(g)));
      return i;
    }
    return unary(g, X_FN, t, chance(g->rng, 50) ? "lower" : "upper", DT_TEXT, depth);
  default: /* DT_TS */
    if (r < 12) {
      i = node(g, X_TRUNC, t);
      g->q->n[i].ival = pick(g->rng, (int)(sizeof truncs / sizeof *truncs));
      kid(g, i, gen_expr(g, DT_TS, depth - 1));
      return i;
    }
    if (r < 60) {
      i = node(g, X_BUCKET, t);
      g->q->n[i].ival = pick(g->rng, (int)(sizeof buckets / sizeof *buckets));
      kid(g, i, gen_col_or_lit(g, DT_TS));
      return i;
    }
    if (r < 80) {
      i = node(g, X_TSADD, t);
      g->q->n[i].ival = pick(g->rng, 49) - 24;
      kid(g, i, gen_expr(g, DT_TS, depth - 1));
      return i;
    }
    i = node(g, X_TSADDN, t); /* ts + n * 1 h, n possibly NULL */
    kid(g, i, gen_expr(g, DT_TS, depth - 1));
    kid(g, i, gen_col_or_lit(g, DT_INT));
    return i;
  }
}

/* A LIKE pattern made from a text literal of the pools: the text itself, a prefix and '%',
 * '%' and a suffix, or '_' for its first character (UTF-8 aware). */
static int gen_pattern(gen *g) {
  int tab, c = pick_col(g, DT_TEXT, &tab);
  const char *s = "'x'";
  if (c >= 0) {
    const dt_col *col = tab ? &g->q->sc->small.cols[c] : &g->q->sc->big.cols[c];
    if (col->npool) s = col->pool[pick(g->rng, col->npool)];
  }
  if (s[0] != '\'') s = "'x'";
  char body[48], out[112];
  size_t n = strlen(s);
  snprintf(body, sizeof body, "%.*s", (int)(n >= 2 ? n - 2 : 0), s + 1);
  size_t bl = strlen(body), first = 1;
  while (first < bl && ((unsigned char)body[first] & 0xC0) == 0x80) first++;
  switch (pick(g->rng, 4)) {
  case 0: snprintf(out, sizeof out, "'%s'", body); break;
  case 1: snprintf(out, sizeof out, "'%.*s%%'", (int)(bl ? first : 0), body); break;
  case 2: snprintf(out, sizeof out, "'%%%s'", bl > first ? body + first : body); break;
  default: snprintf(out, sizeof out, "'_%s'", bl ? body + first : ""); break;
  }
  return lit(g, DT_TEXT, out);
}

static dt_type cmp_type(gen *g) {
  static const dt_type ts[] = {DT_INT, DT_DBL, DT_TEXT, DT_TS, DT_TEXT, DT_TS};
  return ts[pick(g->rng, 6)];
}

/* A comparison operand of type t: a bare timestamp text next to a timestamp, as users write. */
static int cmp_operand(gen *g, dt_type t, int depth) {
  int i = gen_expr(g, t, depth);
  if (t == DT_TS && g->q->n[i].op == X_LIT && chance(g->rng, 60)) g->q->n[i].ival = 1;
  return i;
}

static int gen_bool(gen *g, int depth) {
  int r = pick(g->rng, 100), i;
  if (depth <= 0) r = 20 + pick(g->rng, 60);
  if (r < 8) {
    i = node(g, chance(g->rng, 50) ? X_AND : X_OR, DT_BOOL);
    kid(g, i, gen_bool(g, depth - 1));
    kid(g, i, gen_bool(g, depth - 1));
    return i;
  }
  if (r < 13) {
    i = node(g, X_NOT, DT_BOOL);
    kid(g, i, gen_bool(g, depth - 1));
    return i;
  }
  if (r < 50) {
    dt_type t = cmp_type(g);
    i = node(g, X_CMP, DT_BOOL);
    g->q->n[i].ival = pick(g->rng, 6);
    kid(g, i, cmp_operand(g, t, depth - 1));
    kid(g, i, chance(g->rng, 60) ? cmp_operand(g, t, 0) : cmp_operand(g, t, depth - 1));
    return i;
  }
  if (r < 58) {
    i = node(g, X_ISNULL, DT_BOOL);
    g->q->n[i].ival = chance(g->rng, 50);
    kid(g, i, gen_expr(g, cmp_type(g), depth - 1));
    return i;
  }
  if (r < 70) {
    dt_type t = cmp_type(g);
    i = node(g, X_IN, DT_BOOL);
    g->q->n[i].ival = chance(g->rng, 30);
    kid(g, i, gen_expr(g, t, depth - 1));
    int m = 1 + pick(g->rng, MAX_KIDS - 1);
    for (int k = 0; k < m; k++) {
      int l = chance(g->rng, 8) ? node(g, X_NULL, t) : gen_lit(g, t);
      if (t == DT_TS && g->q->n[l].op == X_LIT) g->q->n[l].ival = 1;
      kid(g, i, l);
    }
    return i;
  }
  if (r < 80) {
    dt_type t = cmp_type(g);
    i = node(g, X_BETWEEN, DT_BOOL);
    g->q->n[i].ival = chance(g->rng, 20);
    kid(g, i, cmp_operand(g, t, depth - 1));
    kid(g, i, cmp_operand(g, t, 0));
    kid(g, i, cmp_operand(g, t, 0));
    return i;
  }
  if (r < 90) {
    if (chance(g->rng, 20)) { /* starts_with(s, prefix) */
      i = node(g, X_STARTS, DT_BOOL);
      kid(g, i, gen_expr(g, DT_TEXT, depth - 1));
      kid(g, i, chance(g->rng, 70) ? lit(g, DT_TEXT, (const char *[]){"'c0'", "'wl-'", "'漏'", "''", "'x'"}[pick(g->rng, 5)])
                                   : gen_expr(g, DT_TEXT, 0));
      return i;
    }
    i = node(g, X_LIKE, DT_BOOL);
    g->q->n[i].ival = chance(g->rng, 20);
    kid(g, i, gen_expr(g, DT_TEXT, depth - 1));
    kid(g, i, gen_pattern(g));
    return i;
  }
  if (r < 94 && g->q->nsub < MAX_SUB) { /* uncorrelated subqueries */
    dt_query *q = g->q;
    const dt_schema *sc = q->sc;
    i = node(g, X_SUBQ, DT_BOOL);
    q->n[i].ival = q->nsub;
    char *s = q->sub[q->nsub++];
    int tc = -1, nc = -1;
    for (int c = 0; c < sc->big.ncols; c++) {
      if (sc->big.cols[c].t == DT_TEXT && sc->big.cols[c].npool && (tc < 0 || chance(g->rng, 40))) tc = c;
      if ((sc->big.cols[c].t == DT_INT || sc->big.cols[c].t == DT_DBL) && (nc < 0 || chance(g->rng, 40))) nc = c;
    }
    const char *bq = g->small ? sc->big.alias : sc->big.name;
    if (chance(g->rng, 50) && tc >= 0 && nc >= 0) { /* x > (SELECT avg(x) FROM big WHERE t = v) */
      const dt_col *t = &sc->big.cols[tc], *nu = &sc->big.cols[nc];
      snprintf(s, sizeof q->sub[0], "%s.%s %s (SELECT %s(%s) FROM %s WHERE %s = %s)", bq, nu->name,
               cmp_ops[pick(g->rng, 6)], (const char *[]){"avg", "min", "max"}[pick(g->rng, 3)], nu->name,
               sc->big.name, t->name, t->pool[pick(g->rng, t->npool)]);
    } else { /* t IN (SELECT jc FROM small WHERE ...) */
      int sn = -1;
      for (int c = 0; c < sc->small.ncols; c++)
        if (sc->small.cols[c].t == DT_INT) sn = c;
      snprintf(s, sizeof q->sub[0], "%s.%s %sIN (SELECT %s FROM %s WHERE %s > %d)", bq, sc->join_col,
               chance(g->rng, 30) ? "NOT " : "", sc->join_col, sc->small.name,
               sn >= 0 ? sc->small.cols[sn].name : "1", pick(g->rng, 8));
    }
    return i;
  }
  return lit(g, DT_BOOL, chance(g->rng, 70) ? "TRUE" : "FALSE");
}

/* Window frames both engines read alike: ROWS frames only (gridpulse has no RANGE or GROUPS
 * clause); 0 is the default frame, RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW, where
 * rows with equal order keys (peers) share one answer. */
static const char *const frames[] = {"",
                                     " ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW",
                                     " ROWS BETWEEN 2 PRECEDING AND CURRENT ROW",
                                     " ROWS BETWEEN CURRENT ROW AND 3 FOLLOWING",
                                     " ROWS BETWEEN 1 PRECEDING AND 2 FOLLOWING",
                                     " ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING",
                                     " ROWS BETWEEN 5 PRECEDING AND 1 PRECEDING",
                                     " ROWS 4 PRECEDING"};
enum { WIN_ARG = 1, WIN_PART = 2, WIN_ORDER = 4 }; /* X_WIN's tab bits */

/* A window function of the select list (plain queries only): row_number, lag/lead(x, off),
 * sum/avg/min/max/count(x) OVER ([PARTITION BY p] ORDER BY o, unique column(s)) with a frame.
 * ival: frame | desc bits << 8 | NULLS FIRST bits << 16 (bit j for order key j). The window's
 * ORDER BY ends with the big table's unique column, so that the order is total and both
 * engines number the same rows alike, except for aggregates with the default frame in 30 %
 * of cases (peers). */
static int gen_win(gen *g, dt_type *rt) {
  static const char *fns[] = {"row_number", "lag", "lead", "sum", "avg", "min", "max", "count"};
  const dt_schema *sc = g->q->sc;
  int f = pick(g->rng, 8);
  dt_type at = f == 3 || f == 4 ? num_type(g) : (dt_type)pick(g->rng, 4);
  *rt = f == 0 || f == 7 ? DT_INT : f == 4 ? DT_DBL : at;
  int i = node(g, X_WIN, *rt);
  dx *x = &g->q->n[i];
  snprintf(x->lit, sizeof x->lit, "%s", fns[f]);
  int flags = WIN_ORDER;
  if (f) flags |= WIN_ARG;
  if (chance(g->rng, 60)) flags |= WIN_PART;
  if (f >= 3 && chance(g->rng, 25)) flags &= ~WIN_ORDER; /* an aggregate over the whole partition */
  int frame = f >= 3 && (flags & WIN_ORDER) ? pick(g->rng, (int)(sizeof frames / sizeof *frames)) : 0;
  int bits = frame;
  if (flags & WIN_ARG) {
    int a = gen_expr(g, at, pick(g->rng, 2));
    kid(g, i, a);
    if ((f == 1 || f == 2) && chance(g->rng, 50)) bits |= (1 + pick(g->rng, 3)) << 24; /* offset */
  }
  if (flags & WIN_PART) {
    static const dt_type pt[] = {DT_TEXT, DT_TEXT, DT_INT, DT_TS, DT_BOOL};
    dt_type t = pt[pick(g->rng, 5)];
    int p = t == DT_TS ? node(g, X_BUCKET, t) : gen_expr(g, t, pick(g->rng, 2));
    if (t == DT_TS) {
      g->q->n[p].ival = pick(g->rng, (int)(sizeof buckets / sizeof *buckets));
      kid(g, p, gen_col_or_lit(g, DT_TS));
    }
    kid(g, i, p);
  }
  if (flags & WIN_ORDER) {
    int no = pick(g->rng, 2); /* order keys before the unique ones */
    for (int k = 0; k < no; k++) {
      kid(g, i, gen_expr(g, (dt_type)pick(g->rng, 4), pick(g->rng, 2)));
      if (chance(g->rng, 40)) bits |= 1 << (8 + k);
      if (chance(g->rng, 30)) bits |= 1 << (16 + k);
    }
    /* an aggregate with the default frame may leave ties: RANGE's peers share a frame */
    if (no == 0 || f < 3 || frame != 0 || chance(g->rng, 70)) {
      int u = node(g, X_COL, sc->big.cols[sc->uniq_col].t);
      g->q->n[u].ival = sc->uniq_col;
      kid(g, i, u);
      if (chance(g->rng, 30)) bits |= 1 << (8 + no);
    }
  }
  g->q->n[i].tab = (uint8_t)flags;
  g->q->n[i].ival = bits;
  return i;
}

static bool has_agg(const dt_query *q, int i);

static bool has_op(const dt_query *q, int i, int op) {
  if (q->n[i].op == op) return true;
  for (int k = 0; k < q->n[i].nk; k++)
    if (has_op(q, q->n[i].k[k], op)) return true;
  return false;
}

static int gen_agg(gen *g) {
  static const char *fns[] = {"count", "count", "sum", "avg", "min", "max", "stddev"};
  int f = pick(g->rng, 7), i;
  if (f == 0 && chance(g->rng, 60)) {
    i = node(g, X_AGG, DT_INT);
    snprintf(g->q->n[i].lit, sizeof g->q->n[i].lit, "count");
    return i;
  }
  dt_type at = f <= 1 || f == 4 || f == 5 ? (dt_type)pick(g->rng, 4) : num_type(g);
  dt_type rt = f <= 1 ? DT_INT : f == 3 || f == 6 ? DT_DBL : at;
  i = node(g, X_AGG, rt);
  snprintf(g->q->n[i].lit, sizeof g->q->n[i].lit, "%s", fns[f]);
  g->q->n[i].ival = f <= 1 && chance(g->rng, 30);
  int a = gen_expr(g, at, 1 + pick(g->rng, 2));
  kid(g, i, a);
  /* stddev of values near an epoch (1.7e9) differs by its inputs' rounding: SQLite's side gets
   * fl(epoch - 2.59) with 2.4e-7 of error, gridpulse sums such values as the decimals they
   * print as (query/agg.c), so two right answers part at 1e-8 (seed 2001, query 223) */
  if (f == 6 && has_op(g->q, a, X_EPOCH)) snprintf(g->q->n[i].lit, sizeof g->q->n[i].lit, "avg");
  return i;
}

/* The ring of a star-shaped polygon around (cx, cy): nv vertices at increasing angles ang[]
 * and radii up to rmax, rounded to micro-degrees (as the data are), closed. Star-shaped with
 * increasing angles is always simple, so both engines read a valid polygon. */
static void sb_poly(char *out, size_t cap, double cx, double cy, double rmax, const double *ang, int nv,
                    uint64_t *rng) {
  size_t n = 0;
  long long fx = 0, fy = 0;
  for (int k = 0; k <= nv && n < cap; k++) {
    long long vx, vy;
    if (k == nv) vx = fx, vy = fy;
    else {
      double r = rmax * (0.3 + 0.7 * (double)pick(rng, 1000) / 1000);
      double a = ang[k];
      /* cos/sin without libm's: a polynomial is enough for a shape */
      double c = 1, sn = a, t = 1, u = a;
      for (int j = 1; j < 12; j++) {
        t *= -a * a / ((2 * j - 1) * (2 * j));
        u *= -a * a / ((2 * j) * (2 * j + 1));
        c += t;
        sn += u;
      }
      vx = (long long)((cx + r * c) * 1e6 + 0.5);
      vy = (long long)((cy + r * sn) * 1e6 + 0.5);
      if (k == 0) fx = vx, fy = vy;
    }
    n += (size_t)snprintf(out + n, cap - n, "%s%lld.%06lld %lld.%06lld", k ? ", " : "", vx / 1000000,
                          vx % 1000000, vy / 1000000, vy % 1000000);
  }
}

/* gapfill(ts, width) as the first GROUP BY key (TimescaleDB's time_bucket_gapfill): every
 * bucket of the range the WHERE clause gives, for every combination of the other keys, is a
 * row; count() is 0 there and the other aggregates NULL. The range is a window of up to 200
 * buckets (so results stay small) cut at arbitrary seconds, as where[0] and where[1]; the
 * generator then adds no HAVING (it would filter the filled rows by expressions SQLite's side
 * cannot see) and no arithmetic on aggregates (an empty bucket's count() + 1 is 1). SQLite's
 * side (render_gapfill) is a recursive CTE of the buckets, crossed with the other keys' values
 * and left-joined with the grouped query. */
/* Whether WHERE term i could narrow gridpulse's scan window (a comparison or BETWEEN of the
 * big table's time column itself, alone or inside an AND, which the planner splits): then
 * gapfill's range would not be [gf_lo, gf_hi) and SQLite's side could not know it. */
static bool narrows_ts(const dt_query *q, int i) {
  const dx *x = &q->n[i];
  if (x->op == X_AND) return narrows_ts(q, x->k[0]) || narrows_ts(q, x->k[1]);
  if (x->op != X_CMP && x->op != X_BETWEEN) return false;
  for (int k = 0; k < x->nk; k++) {
    const dx *c = &q->n[x->k[k]];
    if (c->op == X_COL && !c->tab && c->ival == q->sc->ts_col) return true;
  }
  return false;
}

static void gen_gapfill(gen *g) {
  dt_query *q = g->q;
  const dt_schema *sc = q->sc;
  int bk;
  /* over a real table (row_window set) the buckets are crossed with keys of thousands of
   * values: a dozen buckets no wider than the row window, not 200 */
  bool narrow = sc->row_window > 0;
  do bk = pick(g->rng, (int)(sizeof buckets / sizeof *buckets));
  while (buckets[bk].sec == 0 || (narrow && buckets[bk].sec > sc->row_window));
  int64_t w = buckets[bk].sec, span = w * (1 + pick(g->rng, narrow ? 12 : 200)) + pick(g->rng, (int)w);
  int64_t lo = sc->ts_lo + (int64_t)(rnd(g->rng) % (uint64_t)(sc->ts_hi - sc->ts_lo + 1));
  if (chance(g->rng, 30)) lo -= lo % w; /* on a bucket's start */
  q->gf_lo = lo;
  q->gf_hi = lo + span;
  int f = node(g, X_GAPFILL, DT_TS);
  q->n[f].ival = bk;
  int c = node(g, X_COL, DT_TS);
  q->n[c].ival = sc->ts_col;
  kid(g, f, c);
  q->gapfill = q->items[0] = f;
  int64_t bound[2] = {q->gf_lo, q->gf_hi};
  for (int j = 0; j < 2; j++) {
    char b[48];
    time_t tt = (time_t)bound[j];
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S", &tm);
    int col = node(g, X_COL, DT_TS), l = lit(g, DT_TS, b), t = node(g, X_CMP, DT_BOOL);
    q->n[col].ival = sc->ts_col;
    q->n[t].ival = j ? 2 : 5; /* ts >= lo, ts < hi */
    kid(g, t, col);
    kid(g, t, l);
    q->where[q->nwhere++] = t;
  }
}

dt_query *dt_query_gen(const dt_schema *sc, uint64_t *rng) {
  dt_query *q = calloc(1, sizeof *q);
  if (!q) return NULL;
  q->sc = sc;
  q->having = -1;
  q->gapfill = -1;
  q->limit = q->offset = -1;
  gen g = {q, rng, false};
  node(&g, X_NULL, DT_INT); /* node 0: the placeholder of a full query */
  q->join = chance(rng, 20) ? 1 + chance(rng, 40) : 0;
  g.small = q->join != 0;
  int shape = pick(rng, 10); /* 0-3 plain rows, 4-5 aggregates alone, 6-9 grouped */
  q->agg = shape >= 4;
  q->grouped = shape >= 6;
  if (q->grouped) {
    q->nkeys = 1 + pick(rng, 3);
    for (int k = 0; k < q->nkeys; k++) {
      static const dt_type kt[] = {DT_TEXT, DT_TEXT, DT_TS, DT_INT, DT_INT, DT_DBL, DT_BOOL};
      q->items[q->nitems++] = gen_expr(&g, kt[pick(rng, 7)], pick(rng, 3));
    }
  }
  bool gapfill = q->grouped && !q->join && chance(rng, 25);
  if (gapfill) gen_gapfill(&g);
  if (q->agg) {
    int na = 1 + pick(rng, 3);
    for (int k = 0; k < na && q->nitems < MAX_ITEMS; k++) {
      int a = gen_agg(&g);
      if (!gapfill && chance(rng, 15) && q->n[a].t != DT_TEXT && q->n[a].t != DT_TS) { /* agg op literal */
        int b = node(&g, X_BIN, q->n[a].t);
        q->n[b].ival = chance(rng, 50) ? '+' : '-';
        kid(&g, b, a);
        kid(&g, b, gen_lit(&g, q->n[a].t));
        a = b;
      }
      q->items[q->nitems++] = a;
    }
  } else {
    int ni = 1 + pick(rng, 4);
    for (int k = 0; k < ni; k++) q->items[q->nitems++] = gen_expr(&g, (dt_type)pick(rng, 5), pick(rng, 4));
    bool win = sc->uniq_col >= 0 && !q->join && chance(rng, 20);
    if (win) {
      dt_type wt;
      q->items[q->nitems++] = gen_win(&g, &wt);
    }
    q->distinct = !win && chance(rng, 15); /* gridpulse refuses DISTINCT with windows */
  }
  /* (the short-circuits keep the generated schema's sequence of draws, so its seeds make the
   * queries they always made) */
  bool narrow = sc->row_window > 0 && !gapfill && (!q->agg || q->grouped);
  int win[2] = {-1, -1}; /* the narrowing window's two terms */
  if (!gapfill && (narrow || chance(rng, 60))) { /* a time window cut at arbitrary seconds */
    int c = node(&g, X_COL, DT_TS);
    q->n[c].ival = sc->ts_col;
    int lo, hi;
    if (narrow) {
      int64_t s = sc->ts_lo + (int64_t)(rnd(rng) % (uint64_t)(sc->ts_hi - sc->ts_lo + 1));
      if (chance(rng, 30)) s -= s % 3600;
      lo = ts_lit(&g, s);
      hi = ts_lit(&g, s + 1 + (int64_t)(rnd(rng) % (uint64_t)sc->row_window));
    } else {
      lo = gen_lit(&g, DT_TS);
      hi = gen_lit(&g, DT_TS);
    }
    q->n[lo].ival = q->n[hi].ival = chance(rng, 70);
    int a = node(&g, X_CMP, DT_BOOL), b = node(&g, X_CMP, DT_BOOL);
    q->n[a].ival = chance(rng, 80) ? 5 : 4;
    kid(&g, a, c);
    kid(&g, a, lo);
    q->n[b].ival = chance(rng, 80) ? 2 : 3;
    kid(&g, b, c);
    kid(&g, b, hi);
    q->where[q->nwhere++] = a;
    if (narrow || chance(rng, 80)) q->where[q->nwhere++] = b;
    if (narrow) win[0] = a, win[1] = b;
  }
  if (!q->join && sc->lon_col >= 0 && chance(rng, 12)) { /* a circle around a point of the data */
    int d = node(&g, X_DWITHIN, DT_BOOL);
    q->n[d].ival = 50 + pick(rng, 3000);
    double lo = sc->lon_lo + (double)pick(rng, 1000000) / 1e6 * (sc->lon_hi - sc->lon_lo);
    double la = sc->lat_lo + (double)pick(rng, 1000000) / 1e6 * (sc->lat_hi - sc->lat_lo);
    snprintf(q->n[d].lit, sizeof q->n[d].lit, "%.6f, %.6f", lo, la);
    q->where[q->nwhere++] = d;
  }
  if (!q->join && sc->lon_col >= 0 && chance(rng, 12)) { /* a star-shaped polygon in the box */
    int w = node(&g, X_WITHIN, DT_BOOL);
    q->n[w].ival = 0;
    double cx = sc->lon_lo + (double)pick(rng, 1000000) / 1e6 * (sc->lon_hi - sc->lon_lo);
    double cy = sc->lat_lo + (double)pick(rng, 1000000) / 1e6 * (sc->lat_hi - sc->lat_lo);
    double rmax = (sc->lon_hi - sc->lon_lo) * (0.02 + (double)pick(rng, 1000) / 4000);
    int nv = 3 + pick(rng, 6);
    double ang[8];
    for (int k = 0; k < nv; k++) ang[k] = (k + 0.1 + 0.8 * (double)pick(rng, 1000) / 1000) * 6.283185307179586 / nv;
    sb_poly(q->poly, sizeof q->poly, cx, cy, rmax, ang, nv, rng);
    q->where[q->nwhere++] = w;
  }
  int nw = pick(rng, 3);
  for (int k = 0; k < nw; k++) {
    q->where[q->nwhere] = gen_bool(&g, 1 + pick(rng, 3));
    if (!gapfill || !narrows_ts(q, q->where[q->nwhere])) q->nwhere++;
  }
  if (q->grouped && !gapfill && chance(rng, 30)) {
    int h = node(&g, X_CMP, DT_BOOL);
    q->n[h].ival = pick(rng, 6);
    int a = gen_agg(&g);
    /* a DOUBLE sum or mean against a literal compares exactly, and SQLite's float sum of 344.96
     * over six rows is not 6 x 344.96 (seed 4 query 955): min/max are exact on both sides */
    if (q->n[a].t == DT_DBL && (!strcmp(q->n[a].lit, "avg") || !strcmp(q->n[a].lit, "sum")))
      snprintf(q->n[a].lit, sizeof q->n[a].lit, "%s", chance(rng, 50) ? "min" : "max");
    kid(&g, h, a);
    int l = gen_lit(&g, (dt_type)q->n[a].t);
    if (q->n[a].t == DT_TS) q->n[l].ival = chance(rng, 50);
    kid(&g, h, l);
    q->having = h;
  }
  /* a set operation: the same select list over other rows (types match by construction) */
  bool has_win = false; /* or a DOUBLE aggregate: SQLite's sums carry rounding error that
                         * gridpulse's exact ones lack, and a set operation compares rows
                         * exactly (avg(8.14) over 1,000 rows is 8.1400000000061841 there) */
  for (int k = 0; k < q->nitems; k++)
    has_win |= q->n[q->items[k]].op == X_WIN || (q->n[q->items[k]].t == DT_DBL && has_agg(q, q->items[k]));
  if (!gapfill && !has_win && (!q->agg || q->grouped) && chance(rng, 15)) {
    q->setop = 1 + pick(rng, 4);
    int nw2 = 1 + pick(rng, 2);
    for (int k = 0; k < nw2; k++) q->where2[q->nwhere2++] = gen_bool(&g, 1 + pick(rng, 3));
    if (narrow) /* the other select's rows through the same window */
      for (int k = 0; k < 2; k++) q->where2[q->nwhere2++] = win[k];
  }
  if (!q->agg || q->grouped) {
    q->order = chance(rng, 50);
    for (int k = 0; k < q->nitems; k++) {
      q->desc[k] = chance(rng, 40);
      q->nulls[k] = chance(rng, 25) ? (uint8_t)(1 + chance(rng, 50)) : 0;
    }
    if (q->order && chance(rng, 50)) {
      q->limit = pick(rng, 30);
      if (chance(rng, 30)) q->offset = pick(rng, 10);
    }
  }
  if (q->full) {
    free(q);
    return dt_query_gen(sc, rng);
  }
  return q;
}

void dt_query_free(dt_query *q) { free(q); }

/* ---- rendering ---- */

typedef struct sb {
  char *p;
  size_t n, cap;
  bool over;
} sb;

static void put(sb *b, const char *s) {
  size_t l = strlen(s);
  if (b->n + l + 1 > b->cap) {
    b->over = true;
    return;
  }
  memcpy(b->p + b->n, s, l + 1);
  b->n += l;
}
static void putf(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void putf(sb *b, const char *fmt, ...) {
  char t[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(t, sizeof t, fmt, ap);
  va_end(ap);
  put(b, t);
}

static void render(const dt_query *q, int i, bool sq, sb *b) {
  const dx *x = &q->n[i];
  const dt_schema *sc = q->sc;
  switch (x->op) {
  case X_COL:
    if (q->join) putf(b, "%s.", x->tab ? sc->small.alias : sc->big.alias);
    put(b, col_of(q, x)->name);
    break;
  case X_LIT:
    if (x->t == DT_TS) putf(b, sq || x->ival ? "'%s'" : "TIMESTAMP '%s'", x->lit);
    else put(b, x->lit);
    break;
  case X_NULL: put(b, "NULL"); break;
  case X_BIN:
    put(b, "(");
    render(q, x->k[0], sq, b);
    putf(b, " %c ", x->ival);
    render(q, x->k[1], sq, b);
    put(b, ")");
    break;
  case X_NEG:
    put(b, "(-(");
    render(q, x->k[0], sq, b);
    put(b, "))");
    break;
  case X_CMP:
  case X_AND:
  case X_OR:
  case X_CONCAT:
    put(b, "(");
    render(q, x->k[0], sq, b);
    putf(b, " %s ", x->op == X_CMP ? cmp_ops[x->ival] : x->op == X_AND ? "AND" : x->op == X_OR ? "OR" : "||");
    render(q, x->k[1], sq, b);
    put(b, ")");
    break;
  case X_NOT:
    put(b, "(NOT ");
    render(q, x->k[0], sq, b);
    put(b, ")");
    break;
  case X_ISNULL:
    put(b, "(");
    render(q, x->k[0], sq, b);
    put(b, x->ival ? " IS NOT NULL)" : " IS NULL)");
    break;
  case X_IN:
    put(b, "(");
    render(q, x->k[0], sq, b);
    put(b, x->ival ? " NOT IN (" : " IN (");
    for (int k = 1; k < x->nk; k++) {
      if (k > 1) put(b, ", ");
      render(q, x->k[k], sq, b);
    }
    put(b, "))");
    break;
  case X_BETWEEN:
    put(b, "(");
    render(q, x->k[0], sq, b);
    put(b, x->ival ? " NOT BETWEEN " : " BETWEEN ");
    render(q, x->k[1], sq, b);
    put(b, " AND ");
    render(q, x->k[2], sq, b);
    put(b, ")");
    break;
  case X_LIKE:
    put(b, "(");
    render(q, x->k[0], sq, b);
    put(b, x->ival ? " NOT LIKE " : " LIKE ");
    render(q, x->k[1], sq, b);
    put(b, ")");
    break;
  case X_CASE:
    put(b, "CASE WHEN ");
    render(q, x->k[0], sq, b);
    put(b, " THEN ");
    render(q, x->k[1], sq, b);
    put(b, " ELSE ");
    render(q, x->k[2], sq, b);
    put(b, " END");
    break;
  case X_STARTS:
    if (!sq) {
      put(b, "starts_with(");
      render(q, x->k[0], sq, b);
      put(b, ", ");
      render(q, x->k[1], sq, b);
      put(b, ")");
    } else {
      put(b, "(substr(");
      render(q, x->k[0], sq, b);
      put(b, ", 1, length(");
      render(q, x->k[1], sq, b);
      put(b, ")) = ");
      render(q, x->k[1], sq, b);
      put(b, ")");
    }
    break;
  case X_FN:
  case X_AGG:
    putf(b, "%s(", sq && !strcmp(x->lit, "strpos") ? "instr" : x->lit);
    if (x->op == X_AGG && x->nk == 0) put(b, "*");
    if (x->op == X_AGG && x->ival) put(b, "DISTINCT ");
    for (int k = 0; k < x->nk; k++) {
      if (k) put(b, ", ");
      render(q, x->k[k], sq, b);
    }
    put(b, ")");
    break;
  case X_BUCKET:
    if (!sq) {
      put(b, "bucket(");
      render(q, x->k[0], sq, b);
      putf(b, ", %s)", buckets[x->ival].gp);
    } else if (buckets[x->ival].sec == 0) {
      put(b, "strftime('%Y-%m-01 00:00:00', ");
      render(q, x->k[0], sq, b);
      put(b, ")");
    } else {
      put(b, "datetime((unixepoch(");
      render(q, x->k[0], sq, b);
      putf(b, ") / %lld) * %lld, 'unixepoch')", (long long)buckets[x->ival].sec,
           (long long)buckets[x->ival].sec);
    }
    break;
  case X_GAPFILL:
    if (!sq) {
      put(b, "gapfill(");
      render(q, x->k[0], sq, b);
      putf(b, ", %s)", buckets[x->ival].gp);
    } else {
      put(b, "datetime((unixepoch(");
      render(q, x->k[0], sq, b);
      putf(b, ") / %lld) * %lld, 'unixepoch')", (long long)buckets[x->ival].sec,
           (long long)buckets[x->ival].sec);
    }
    break;
  case X_TRUNC:
    putf(b, sq ? "strftime('%s', " : "date_trunc('%s', ", sq ? truncs[x->ival].sq_fmt : truncs[x->ival].unit);
    render(q, x->k[0], sq, b);
    put(b, sq ? truncs[x->ival].sq_mod : "");
    put(b, ")");
    break;
  case X_PART:
    putf(b, sq ? "CAST(strftime('%s', " : "date_part('%s', ", sq ? parts[x->ival].sq_fmt : parts[x->ival].field);
    render(q, x->k[0], sq, b);
    put(b, sq ? ") AS REAL)" : ")");
    break;
  case X_HOUR:
    put(b, sq ? "CAST(strftime('%H', " : "hour(");
    render(q, x->k[0], sq, b);
    put(b, sq ? ") AS INTEGER)" : ")");
    break;
  case X_TSADD:
    if (sq) {
      put(b, "datetime(");
      render(q, x->k[0], sq, b);
      putf(b, ", '%+d hours')", x->ival);
    } else {
      put(b, "(");
      render(q, x->k[0], sq, b);
      putf(b, " %c %d h)", x->ival < 0 ? '-' : '+', abs(x->ival));
    }
    break;
  case X_EPOCH:
    put(b, sq ? "CAST(unixepoch(" : "epoch(");
    render(q, x->k[0], sq, b);
    put(b, sq ? ") AS REAL)" : ")");
    break;
  case X_TOFLOAT:
    put(b, "CAST(");
    render(q, x->k[0], sq, b);
    put(b, sq ? " AS REAL)" : " AS DOUBLE)");
    break;
  case X_SUBQ: put(b, "("), put(b, q->sub[x->ival]), put(b, ")"); break;
  case X_DWITHIN:
    if (sq)
      putf(b, "(gp_hav(%s, %s, %s) <= %d)", col_of(q, &(dx){.ival = sc->lon_col})->name,
           col_of(q, &(dx){.ival = sc->lat_col})->name, x->lit, x->ival);
    else putf(b, "dwithin(point(%s), %d m, 'sphere')", x->lit, x->ival);
    break;
  case X_CASTTEXT:
    put(b, "CAST(");
    render(q, x->k[0], sq, b);
    put(b, " AS TEXT)");
    break;
  case X_WITHIN:
    if (sq)
      putf(b, "gp_pip(%s, %s, '%s')", col_of(q, &(dx){.ival = sc->lon_col})->name,
           col_of(q, &(dx){.ival = sc->lat_col})->name, q->poly);
    else putf(b, "within('POLYGON((%s))')", q->poly);
    break;
  case X_WIN: {
    int k = 0, bits = x->ival;
    putf(b, "%s(", x->lit);
    if (x->tab & WIN_ARG) {
      render(q, x->k[k++], sq, b);
      if (bits >> 24) putf(b, ", %d", bits >> 24);
    }
    put(b, ") OVER (");
    if (x->tab & WIN_PART) {
      put(b, "PARTITION BY ");
      render(q, x->k[k++], sq, b);
    }
    if (x->tab & WIN_ORDER)
      for (int j = 0; k < x->nk; j++, k++) {
        bool desc = bits >> (8 + j) & 1, first = bits >> (16 + j) & 1;
        put(b, j ? ", " : (x->tab & WIN_PART) ? " ORDER BY " : "ORDER BY ");
        render(q, x->k[k], sq, b);
        /* PostgreSQL's placement by default (NULLs as if larger), spelled out for SQLite */
        if (desc) put(b, " DESC");
        if (first) put(b, " NULLS FIRST");
        else if (sq) put(b, desc ? " NULLS FIRST" : " NULLS LAST");
      }
    put(b, frames[bits & 0xff]);
    put(b, ")");
    break;
  }
  case X_TSADDN:
    if (sq) {
      put(b, "datetime(");
      render(q, x->k[0], sq, b);
      put(b, ", ((");
      render(q, x->k[1], sq, b);
      put(b, ") * 3600) || ' seconds')"); /* SQLite's || binds tighter than * */
    } else {
      put(b, "(");
      render(q, x->k[0], sq, b);
      put(b, " + ");
      render(q, x->k[1], sq, b);
      put(b, " * 1 h)");
    }
    break;
  }
}

static void render_from(const dt_query *q, sb *b) {
  const dt_schema *sc = q->sc;
  if (q->join)
    putf(b, " FROM %s %s %sJOIN %s %s ON %s.%s = %s.%s", sc->big.name, sc->big.alias,
         q->join == 2 ? "LEFT " : "", sc->small.name, sc->small.alias, sc->big.alias, sc->join_col,
         sc->small.alias, sc->join_col);
  else putf(b, " FROM %s", sc->big.name);
}

/* SELECT ... HAVING of q (no ORDER BY) into b. */
static void render_core(const dt_query *q, bool sq, sb *b_, const int *where, int nwhere) {
  sb b = *b_;
  put(&b, q->distinct ? "SELECT DISTINCT " : "SELECT ");
  for (int k = 0; k < q->nitems; k++) {
    if (k) put(&b, ", ");
    render(q, q->items[k], sq, &b);
    putf(&b, " AS c%d", k + 1);
  }
  render_from(q, &b);
  for (int k = 0; k < nwhere; k++) {
    put(&b, k ? " AND " : " WHERE ");
    render(q, where[k], sq, &b);
  }
  if (q->grouped && q->nkeys) {
    put(&b, " GROUP BY ");
    for (int k = 0; k < q->nkeys; k++) putf(&b, "%sc%d", k ? ", " : "", k + 1);
  }
  if (q->having >= 0 && q->grouped && q->nkeys) {
    put(&b, " HAVING ");
    render(q, q->having, sq, &b);
  }
  *b_ = b;
}

/* A gapfill query in SQLite's dialect: the grouped query g, the buckets of [gf_lo, gf_hi) by
 * a recursive CTE (the first is the bucket of gf_lo, as gridpulse's and TimescaleDB's), the
 * other keys' combinations s that g holds (one empty combination without other keys, so a
 * range with no rows still gives its buckets), and every (bucket, combination) left-joined
 * with g: count() 0 where g has no row, the other aggregates NULL. */
static void render_gapfill(const dt_query *q, sb *b) {
  long long w = (long long)buckets[q->n[q->gapfill].ival].sec;
  long long lo = (long long)q->gf_lo, hi = (long long)q->gf_hi, first = lo / w * w;
  put(b, "WITH RECURSIVE g AS (");
  render_core(q, true, b, q->where, q->nwhere);
  putf(b, "), b(t) AS (SELECT %lld WHERE %lld < %lld UNION ALL SELECT t + %lld FROM b WHERE "
          "t + %lld < %lld), s AS (SELECT DISTINCT ", first, first, hi, w, w, hi);
  if (q->nkeys == 1) put(b, "1 AS one");
  for (int k = 1; k < q->nkeys; k++) putf(b, "%sc%d", k > 1 ? ", " : "", k + 1);
  put(b, q->nkeys == 1 ? ") SELECT " : " FROM g) SELECT ");
  put(b, "datetime(b.t, 'unixepoch') AS c1");
  for (int k = 1; k < q->nitems; k++) {
    const dx *x = &q->n[q->items[k]];
    if (k < q->nkeys) putf(b, ", s.c%d AS c%d", k + 1, k + 1);
    else if (x->op == X_AGG && !strcmp(x->lit, "count")) putf(b, ", coalesce(g.c%d, 0) AS c%d", k + 1, k + 1);
    else putf(b, ", g.c%d AS c%d", k + 1, k + 1);
  }
  put(b, " FROM b CROSS JOIN s LEFT JOIN g ON g.c1 = datetime(b.t, 'unixepoch')");
  for (int k = 1; k < q->nkeys; k++) putf(b, " AND g.c%d IS s.c%d", k + 1, k + 1);
}

bool dt_query_render(const dt_query *q, bool sq, char *buf, size_t cap) {
  sb b = {buf, 0, cap, false};
  buf[0] = 0;
  static const char *const setops[] = {"", " UNION ", " UNION ALL ", " INTERSECT ", " EXCEPT "};
  if (sq && q->gapfill >= 0) render_gapfill(q, &b);
  else render_core(q, sq, &b, q->where, q->nwhere);
  if (q->setop) {
    put(&b, setops[q->setop]);
    render_core(q, sq, &b, q->where2, q->nwhere2);
  }
  if (q->order) {
    put(&b, " ORDER BY ");
    /* PostgreSQL's (and DuckDB's) placement: NULLs sort as if larger than every value */
    for (int k = 0; k < q->nitems; k++) {
      bool first = q->nulls[k] ? q->nulls[k] == 1 : q->desc[k];
      putf(&b, "%sc%d%s%s", k ? ", " : "", k + 1, q->desc[k] ? " DESC" : "",
           sq || q->nulls[k] ? (first ? " NULLS FIRST" : " NULLS LAST") : "");
    }
    if (q->limit >= 0) putf(&b, " LIMIT %d", q->limit);
    if (q->limit >= 0 && q->offset >= 0) putf(&b, " OFFSET %d", q->offset);
  }
  return !b.over;
}

bool dt_query_ordered(const dt_query *q) { return q->order; }

bool dt_query_render_tlp(const dt_query *q, int part, char *buf, size_t cap) {
  sb b = {buf, 0, cap, false};
  buf[0] = 0;
  if (!q->nwhere) return false;
  put(&b, "SELECT count(*)");
  render_from(q, &b);
  if (part == 0) return !b.over;
  put(&b, part == 2 ? " WHERE NOT (" : " WHERE (");
  for (int k = 0; k < q->nwhere; k++) {
    if (k) put(&b, " AND ");
    render(q, q->where[k], false, &b);
  }
  put(&b, part == 3 ? ") IS NULL" : ")");
  return !b.over;
}

/* ---- reduction ---- */

static bool has_agg(const dt_query *q, int i) {
  const dx *x = &q->n[i];
  if (x->op == X_AGG) return true;
  for (int k = 0; k < x->nk; k++)
    if (has_agg(q, x->k[k])) return true;
  return false;
}

int dt_query_nreduce(const dt_query *q) {
  int n = q->nwhere + q->nitems + 5;
  for (int i = 0; i < q->nn; i++) n += q->n[i].nk;
  return n;
}

/* r without its gapfill: the key becomes the bucket it fills, in both dialects alike. For the
 * reductions that would leave a gapfill without its range or its key. */
static void ungap(dt_query *r) {
  if (r->gapfill < 0) return;
  r->n[r->gapfill].op = X_BUCKET;
  r->gapfill = -1;
}

dt_query *dt_query_reduce(const dt_query *q, int w) {
  dt_query *r = malloc(sizeof *r);
  if (!r) return NULL;
  memcpy(r, q, sizeof *r);
  if (q->gapfill >= 0 && (w < 2 || w == q->nwhere)) ungap(r); /* its range, or its key */
  if (w < q->nwhere) { /* drop WHERE term w */
    memmove(&r->where[w], &r->where[w + 1], (size_t)(r->nwhere - w - 1) * sizeof *r->where);
    r->nwhere--;
    return r;
  }
  w -= q->nwhere;
  if (w < q->nitems) { /* drop item w */
    if (q->nitems == 1) goto no;
    memmove(&r->items[w], &r->items[w + 1], (size_t)(r->nitems - w - 1) * sizeof *r->items);
    memmove(&r->desc[w], &r->desc[w + 1], (size_t)(r->nitems - w - 1) * sizeof *r->desc);
    memmove(&r->nulls[w], &r->nulls[w + 1], (size_t)(r->nitems - w - 1) * sizeof *r->nulls);
    r->nitems--;
    if (w < r->nkeys) r->nkeys--;
    return r;
  }
  w -= q->nitems;
  switch (w) {
  case 0:
    if (q->having < 0) goto no;
    r->having = -1;
    return r;
  case 1:
    if (!q->order) goto no;
    r->order = false;
    r->limit = r->offset = -1;
    return r;
  case 2:
    if (q->limit < 0 && q->offset < 0) goto no;
    r->limit = r->offset = -1;
    return r;
  case 3:
    if (!q->distinct) goto no;
    r->distinct = false;
    return r;
  case 4:
    if (!q->setop) goto no;
    r->setop = 0;
    return r;
  }
  w -= 5;
  for (int i = 0; i < q->nn; i++) { /* replace node i by its kid w, of the same kind */
    const dx *x = &q->n[i];
    if (w >= x->nk) {
      w -= x->nk;
      continue;
    }
    const dx *c = &q->n[x->k[w]];
    if (x->op == X_AGG || c->t != x->t || has_agg(q, x->k[w]) != has_agg(q, i)) goto no;
    if (c->op == X_LIT && c->t == DT_TS && x->op != X_CMP) goto no; /* keeps TS literals typed */
    r->n[i] = *c;
    if (i == q->gapfill) ungap(r);
    for (int k = 2; k < r->nwhere && r->gapfill >= 0; k++)
      if (narrows_ts(r, r->where[k])) ungap(r);
    return r;
  }
no:
  free(r);
  return NULL;
}
