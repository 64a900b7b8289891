/* func_text.c - the string functions, as PostgreSQL's (DuckDB's where PostgreSQL has none):
 * lower and upper (ASCII letters, as in the C locale); length, substr, strpos, lpad and rpad
 * count characters, the code points of the UTF-8 text, so 漏水 is 2 long; trim, ltrim and
 * rtrim take a set of characters; replace, split_part, concat (NULLs skipped), starts_with;
 * regexp_matches (DuckDB's: does the POSIX extended expression match anywhere) and
 * regexp_replace (PostgreSQL's: the first match, or every one with flag g, \1..\9 and \& in
 * the replacement; flag i ignores case). A pattern is compiled once per thread while it stays
 * the same (a per-thread cache of one), so a constant pattern costs one regcomp per query
 * thread, not one per row. */
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- characters ---- */

/* The byte length of the character at s[0] (n bytes left): its UTF-8 length, 1 for a byte that
 * starts none (texts are checked as UTF-8 when loaded; this only keeps a bad one bounded). */
static size_t cp_len(const char *s, size_t n) {
  unsigned char b = (unsigned char)s[0];
  size_t l = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
  return l <= n ? l : 1;
}

/* The byte offset of character k (0-based) of s, or n when s has no more than k. */
static size_t cp_off(const char *s, size_t n, int64_t k) {
  size_t o = 0;
  for (; k > 0 && o < n; k--) o += cp_len(s + o, n - o);
  return o < n ? o : n;
}

static int64_t cp_count(const char *s, size_t n) {
  int64_t c = 0;
  for (size_t o = 0; o < n; c++) o += cp_len(s + o, n - o);
  return c;
}

/* A copy of s[0..n) in the pool as a TEXT value (NULL when the pool is out of memory). */
static qx_val text_copy(qx_pool *pool, const char *s, size_t n) {
  const char *c = qx_pool_strdup(pool, s, n);
  return c ? qx_text(c, n) : qx_null();
}

/* The INT of a, with false for NULL or a non-integer (the binder checked the type). */
static bool int_arg(const qx_val *a, int64_t *out) {
  if (a->t == QV_INT || a->t == QV_BOOL) *out = a->i;
  else if (a->t == QV_DBL && a->d == (double)(int64_t)a->d) *out = (int64_t)a->d;
  else return false;
  return true;
}

/* substr(s, start [, count]): characters start .. start + count - 1 (from 1), cut to s */
static qx_val f_substr(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  int64_t start, count = INT64_MAX;
  if (a[0].t != QV_TEXT || !int_arg(&a[1], &start)) return qx_null();
  if (x->nargs > 2) {
    if (!int_arg(&a[2], &count)) return qx_null();
    if (count < 0) {
      qx_fault(x->args[2]->pos, "negative substring length not allowed");
      return qx_null();
    }
  }
  /* [start, start + count) over characters 1 .. : the end saturates */
  int64_t end = start > 0 && count > INT64_MAX - start ? INT64_MAX : start + count;
  if (start < 1) start = 1;
  if (end <= start) return qx_text("", 0);
  size_t b = cp_off(a[0].s, a[0].n, start - 1);
  size_t e = end == INT64_MAX ? a[0].n : b + cp_off(a[0].s + b, a[0].n - b, end - start);
  return qx_text(a[0].s + b, e - b); /* a slice of the argument, which outlives the row */
}

static qx_val f_strpos(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  if (a[0].t != QV_TEXT || a[1].t != QV_TEXT) return qx_null();
  if (a[1].n == 0) return qx_int(1);
  for (size_t o = 0; o + a[1].n <= a[0].n; o += cp_len(a[0].s + o, a[0].n - o))
    if (memcmp(a[0].s + o, a[1].s, a[1].n) == 0) return qx_int(cp_count(a[0].s, o) + 1);
  return qx_int(0);
}

static qx_val f_starts_with(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  if (a[0].t != QV_TEXT || a[1].t != QV_TEXT) return qx_null();
  return qx_bool(a[1].n <= a[0].n && memcmp(a[0].s, a[1].s, a[1].n) == 0);
}

/* Is the character at s[0] (l bytes) one of set's? */
static bool in_set(const char *s, size_t l, const qx_val *set) {
  for (size_t o = 0; o < set->n;) {
    size_t k = cp_len(set->s + o, set->n - o);
    if (k == l && memcmp(set->s + o, s, l) == 0) return true;
    o += k;
  }
  return false;
}

/* trim: the characters of the set (a space without one) off the left (side & 1), the right
 * (side & 2) or both */
static qx_val trim(const qx_ex *x, const qx_val *a, int side) {
  qx_val sp = qx_text(" ", 1);
  const qx_val *set = x->nargs > 1 ? &a[1] : &sp;
  if (a[0].t != QV_TEXT || set->t != QV_TEXT) return qx_null();
  size_t b = 0, e = a[0].n;
  while ((side & 1) && b < e) {
    size_t l = cp_len(a[0].s + b, e - b);
    if (!in_set(a[0].s + b, l, set)) break;
    b += l;
  }
  while ((side & 2) && e > b) {
    size_t l = 1; /* back to the start of the last character */
    while (l < e - b && l < 4 && ((unsigned char)a[0].s[e - l] & 0xC0) == 0x80) l++;
    if (!in_set(a[0].s + e - l, l, set)) break;
    e -= l;
  }
  return qx_text(a[0].s + b, e - b);
}

static qx_val f_trim(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  return trim(x, a, 3);
}
static qx_val f_ltrim(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  return trim(x, a, 1);
}
static qx_val f_rtrim(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  return trim(x, a, 2);
}

/* A TEXT value of the bytes of b (freed here), or NULL when b failed or the pool is short. */
static qx_val from_buf(qx_pool *pool, gp_buf *b, bool ok) {
  qx_val v = ok ? text_copy(pool, b->p ? (const char *)b->p : "", b->len) : qx_null();
  gp_buf_free(b);
  return v;
}

static qx_val f_replace(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  if (a[0].t != QV_TEXT || a[1].t != QV_TEXT || a[2].t != QV_TEXT) return qx_null();
  if (a[1].n == 0) return a[0];
  gp_buf b = {0};
  bool ok = true;
  size_t o = 0, from = 0;
  while (ok && o + a[1].n <= a[0].n) {
    if (memcmp(a[0].s + o, a[1].s, a[1].n) == 0) {
      ok = !gp_buf_put(&b, a[0].s + from, o - from) && !gp_buf_put(&b, a[2].s, a[2].n);
      o += a[1].n;
      from = o;
    } else {
      o += cp_len(a[0].s + o, a[0].n - o);
    }
  }
  ok = ok && !gp_buf_put(&b, a[0].s + from, a[0].n - from);
  return from_buf(pool, &b, ok);
}

/* split_part(s, delim, n): field n of s cut at delim (from the end when n < 0) */
static qx_val f_split_part(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  int64_t n;
  if (a[0].t != QV_TEXT || a[1].t != QV_TEXT || !int_arg(&a[2], &n)) return qx_null();
  if (n == 0) {
    qx_fault(x->args[2]->pos, "field position must not be zero");
    return qx_null();
  }
  if (a[1].n == 0) /* no delimiter: the whole string is the one field */
    return n == 1 || n == -1 ? a[0] : qx_text("", 0);
  /* the fields' starts: cut after each delimiter */
  int64_t nf = 1;
  for (size_t o = 0; o + a[1].n <= a[0].n;)
    if (memcmp(a[0].s + o, a[1].s, a[1].n) == 0) nf++, o += a[1].n;
    else o++;
  if (n < 0) n = nf + n + 1;
  if (n < 1 || n > nf) return qx_text("", 0);
  size_t b = 0, o = 0;
  for (int64_t f = 1; o + a[1].n <= a[0].n;) {
    if (memcmp(a[0].s + o, a[1].s, a[1].n) == 0) {
      if (f == n) return qx_text(a[0].s + b, o - b);
      o += a[1].n;
      b = o;
      f++;
    } else {
      o++;
    }
  }
  return qx_text(a[0].s + b, a[0].n - b);
}

/* concat(x, ...): each non-NULL argument's text, as CAST(x AS TEXT) gives it */
static qx_val f_concat(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  gp_buf b = {0};
  bool ok = true;
  for (int k = 0; k < x->nargs && ok; k++) {
    qx_val v;
    qx_eval(c, x->args[k], r, pool, &v);
    ok = !qx_val_fmt(&v, &b);
  }
  return from_buf(pool, &b, ok);
}

/* lpad / rpad(s, len [, fill]): s filled to len characters with fill repeated, on the left
 * (left) or right; a longer s is cut to len on the right, as PostgreSQL does */
static qx_val pad(const qx_ex *x, const qx_val *a, qx_pool *pool, bool left) {
  qx_val sp = qx_text(" ", 1);
  const qx_val *fill = x->nargs > 2 ? &a[2] : &sp;
  int64_t len;
  if (a[0].t != QV_TEXT || !int_arg(&a[1], &len) || fill->t != QV_TEXT) return qx_null();
  if (len <= 0) return qx_text("", 0);
  if (len > (1 << 28)) {
    qx_fault(x->args[1]->pos, "requested length too large");
    return qx_null();
  }
  int64_t have = cp_count(a[0].s, a[0].n);
  if (have >= len || fill->n == 0) return qx_text(a[0].s, cp_off(a[0].s, a[0].n, len));
  gp_buf b = {0};
  bool ok = true;
  if (!left) ok = !gp_buf_put(&b, a[0].s, a[0].n);
  size_t fo = 0;
  for (int64_t k = have; k < len && ok; k++) {
    size_t l = cp_len(fill->s + fo, fill->n - fo);
    ok = !gp_buf_put(&b, fill->s + fo, l);
    fo += l;
    if (fo >= fill->n) fo = 0;
  }
  if (left && ok) ok = !gp_buf_put(&b, a[0].s, a[0].n);
  return from_buf(pool, &b, ok);
}

static qx_val f_lpad(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  return pad(x, a, pool, true);
}
static qx_val f_rpad(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  return pad(x, a, pool, false);
}

/* ---- regular expressions ---- */

/* The last pattern this thread compiled (its text and flags): rows of one query ask for the
 * same one again and again. */
typedef struct re_cache {
  char *pat;
  int flags;
  bool ok;
  regex_t re;
} re_cache;
static _Thread_local re_cache tl_re;

/* The compiled form of pattern p with regcomp flags, or NULL after a fault at pos. */
static const regex_t *re_get(const qx_val *p, int flags, gp_query_pos pos) {
  re_cache *rc = &tl_re;
  if (!(rc->pat && rc->flags == flags && strlen(rc->pat) == p->n && memcmp(rc->pat, p->s, p->n) == 0)) {
    if (rc->ok) regfree(&rc->re);
    free(rc->pat);
    rc->ok = false;
    rc->pat = malloc(p->n + 1); /* per thread, for as long as the thread: outside any account */
    if (!rc->pat) return NULL;
    memcpy(rc->pat, p->s, p->n);
    rc->pat[p->n] = '\0';
    rc->flags = flags;
    int e = memchr(p->s, '\0', p->n) ? REG_BADPAT : regcomp(&rc->re, rc->pat, flags);
    if (e) {
      char msg[160];
      if (e == REG_BADPAT && memchr(p->s, '\0', p->n)) snprintf(msg, sizeof msg, "a NUL byte in the pattern");
      else regerror(e, &rc->re, msg, sizeof msg);
      free(rc->pat);
      rc->pat = NULL;
      qx_fault(pos, "invalid regular expression: %s", msg);
      return NULL;
    }
    rc->ok = true;
  }
  return &rc->re;
}

/* regexec needs a C string: s is copied when it is not one */
static int re_exec(const regex_t *re, const qx_val *s, size_t nm, regmatch_t *m, int eflags,
                   size_t from, char **tmp) {
  if (!*tmp) {
    *tmp = malloc(s->n + 1);
    if (!*tmp) return REG_ESPACE;
    memcpy(*tmp, s->s, s->n);
    (*tmp)[s->n] = '\0';
  }
  return regexec(re, *tmp + from, nm, m, eflags);
}

static int re_flags(const qx_ex *x, const qx_val *f, bool *global) {
  int flags = REG_EXTENDED;
  *global = false;
  for (size_t k = 0; f && k < f->n; k++) {
    if (f->s[k] == 'g') *global = true;
    else if (f->s[k] == 'i') flags |= REG_ICASE;
    else {
      qx_fault(x->args[x->nargs - 1]->pos, "invalid regular expression option: \"%c\"", f->s[k]);
      return -1;
    }
  }
  return flags;
}

static qx_val f_regexp_matches(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  if (a[0].t != QV_TEXT || a[1].t != QV_TEXT || (x->nargs > 2 && a[2].t != QV_TEXT)) return qx_null();
  bool g;
  int flags = re_flags(x, x->nargs > 2 ? &a[2] : NULL, &g);
  const regex_t *re = flags < 0 ? NULL : re_get(&a[1], flags | REG_NOSUB, x->args[1]->pos);
  if (!re) return qx_null();
  char *tmp = NULL;
  int e = re_exec(re, &a[0], 0, NULL, 0, 0, &tmp);
  free(tmp);
  return e == REG_ESPACE ? qx_null() : qx_bool(e == 0);
}

static qx_val f_regexp_replace(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  for (int k = 0; k < x->nargs; k++)
    if (a[k].t != QV_TEXT) return qx_null();
  bool global;
  int flags = re_flags(x, x->nargs > 3 ? &a[3] : NULL, &global);
  const regex_t *re = flags < 0 ? NULL : re_get(&a[1], flags, x->args[1]->pos);
  if (!re) return qx_null();
  gp_buf b = {0};
  char *tmp = NULL;
  bool ok = true;
  size_t at = 0;
  regmatch_t m[10];
  while (ok && at <= a[0].n) {
    int e = re_exec(re, &a[0], 10, m, at ? REG_NOTBOL : 0, at, &tmp);
    if (e) {
      ok = e == REG_NOMATCH;
      break;
    }
    size_t ms = at + (size_t)m[0].rm_so, me = at + (size_t)m[0].rm_eo;
    ok = !gp_buf_put(&b, a[0].s + at, ms - at);
    const qx_val *rp = &a[2];
    for (size_t k = 0; ok && k < rp->n; k++) { /* \1..\9 a group, \& the match, \\ a backslash */
      char ch = rp->s[k];
      if (ch == '\\' && k + 1 < rp->n) {
        char d = rp->s[++k];
        int grp = d == '&' ? 0 : d >= '1' && d <= '9' ? d - '0' : -1;
        if (grp >= 0 && m[grp].rm_so >= 0)
          ok = !gp_buf_put(&b, a[0].s + at + m[grp].rm_so, (size_t)(m[grp].rm_eo - m[grp].rm_so));
        else if (grp < 0)
          ok = !gp_buf_put(&b, &d, 1);
      } else {
        ok = !gp_buf_put(&b, &ch, 1);
      }
    }
    if (me == ms) { /* an empty match: keep the next character, go on after it */
      if (ms < a[0].n) {
        size_t l = cp_len(a[0].s + ms, a[0].n - ms);
        ok = ok && !gp_buf_put(&b, a[0].s + ms, l);
        me = ms + l;
      } else {
        me = ms + 1;
      }
    }
    at = me;
    if (!global) break;
  }
  if (ok && at < a[0].n) ok = !gp_buf_put(&b, a[0].s + at, a[0].n - at);
  free(tmp);
  return from_buf(pool, &b, ok);
}

const qx_func qx_funcs_text[] = {
    {"btrim", SC, QB_SCALAR, QT_FIXED, QV_TEXT, 1, 2, 0, 0, "btrim(s [, chars]) -> TEXT", "trim()", .eval = f_trim},
    {"concat", SC, QB_SCALAR, QT_FIXED, QV_TEXT, 1, 64, 0, 0, "concat(x, ...) -> TEXT", "the arguments' texts joined, NULLs skipped", .eval = f_concat, .lazy = true},
    {"length", SC, QB_SCALAR, QT_FIXED, QV_INT, 1, 1, QF_LENGTH, 0, "length(s) -> INT",
     "the number of characters (UTF-8 code points)", .eval = f_length},
    {"lower", SC, QB_SCALAR, QT_FIXED, QV_TEXT, 1, 1, QF_LOWER, 0, "lower(s) -> TEXT",
     "s in lower case (ASCII letters)", .eval = f_lower},
    {"lpad", SC, QB_SCALAR, QT_FIXED, QV_TEXT, 2, 3, 0, 0, "lpad(s, len [, fill]) -> TEXT", "s filled on the left to len characters with fill (a space), or cut to len", .eval = f_lpad},
    {"ltrim", SC, QB_SCALAR, QT_FIXED, QV_TEXT, 1, 2, 0, 0, "ltrim(s [, chars]) -> TEXT", "s without the leading characters of chars (spaces)", .eval = f_ltrim},
    {"regexp_matches", SC, QB_SCALAR, QT_FIXED, QV_BOOL, 2, 3, 0, 0, "regexp_matches(s, pattern [, 'i']) -> BOOLEAN", "the POSIX extended expression matches somewhere in s (DuckDB's)", .eval = f_regexp_matches},
    {"regexp_replace", SC, QB_SCALAR, QT_FIXED, QV_TEXT, 3, 4, 0, 0, "regexp_replace(s, pattern, repl [, 'gi']) -> TEXT", "the first match (every one with g) replaced; \\1..\\9 and \\& in repl", .eval = f_regexp_replace},
    {"replace", SC, QB_SCALAR, QT_FIXED, QV_TEXT, 3, 3, 0, 0, "replace(s, from, to) -> TEXT", "every from in s replaced by to", .eval = f_replace},
    {"rpad", SC, QB_SCALAR, QT_FIXED, QV_TEXT, 2, 3, 0, 0, "rpad(s, len [, fill]) -> TEXT", "s filled on the right to len characters with fill (a space), or cut to len", .eval = f_rpad},
    {"rtrim", SC, QB_SCALAR, QT_FIXED, QV_TEXT, 1, 2, 0, 0, "rtrim(s [, chars]) -> TEXT", "s without the trailing characters of chars (spaces)", .eval = f_rtrim},
    {"split_part", SC, QB_SCALAR, QT_FIXED, QV_TEXT, 3, 3, 0, 0, "split_part(s, delim, n) -> TEXT", "field n of s cut at delim (from the end when n < 0; '' past the last)", .eval = f_split_part},
    {"starts_with", SC, QB_SCALAR, QT_FIXED, QV_BOOL, 2, 2, 0, 0, "starts_with(s, prefix) -> BOOLEAN", "s begins with prefix", .eval = f_starts_with},
    {"strpos", SC, QB_SCALAR, QT_FIXED, QV_INT, 2, 2, 0, 0, "strpos(s, sub) -> INT", "the character position of sub's first occurrence in s, 0 when none", .eval = f_strpos},
    {"substr", SC, QB_SCALAR, QT_FIXED, QV_TEXT, 2, 3, 0, 0, "substr(s, start [, count]) -> TEXT", "count characters of s from start (1 is the first)", .eval = f_substr},
    {"substring", SC, QB_SCALAR, QT_FIXED, QV_TEXT, 2, 3, 0, 0, "substring(s, start [, count]) -> TEXT", "substr()", .eval = f_substr},
    {"trim", SC, QB_SCALAR, QT_FIXED, QV_TEXT, 1, 2, 0, 0, "trim(s [, chars]) -> TEXT", "s without the leading and trailing characters of chars (spaces); btrim()", .eval = f_trim},
    {"upper", SC, QB_SCALAR, QT_FIXED, QV_TEXT, 1, 1, QF_UPPER, 0, "upper(s) -> TEXT",
     "s in upper case (ASCII letters)", .eval = f_upper},
    {0}};
