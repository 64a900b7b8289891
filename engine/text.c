/* text.c - CSV and NDJSON splitting, value parsers, UTF-8 validation, type sniffing.
 *
 * Everything here runs once per input byte during ingest, so the splitters hand out slices of
 * the caller's bytes and copy only when a value must be unescaped. Scanning is done with
 * memchr where the byte sought is usually far away (line ends) and with SWAR (8 bytes per
 * step in a uint64) where it is usually near (field delimiters, string ends).
 *
 * Scratch discipline (CSV and NDJSON alike): unescaping never makes a value longer than its
 * source bytes, so the first time a record needs scratch we reserve the rest of the record's
 * length in one go. After that, writes never reallocate and every slice handed out for this
 * record stays valid until the caller resets scratch->len. */
#include "gp_text.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- SWAR byte search ---------------------------------------------------------------- */

/* The zero-byte trick sets the high bit of every byte that is zero, plus possibly of bytes
 * above (more significant than) the first true hit because of borrows. On a little-endian
 * load the lowest set bit is therefore always exact, which is all we need: we only ever want
 * the first match. OR-ing several such masks keeps that property. */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define GP_SWAR 1
#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)
static inline uint64_t swar_zero(uint64_t v) { return (v - ONES) & ~v & HIGHS; }
static inline uint64_t swar_eq(uint64_t w, uint8_t c) { return swar_zero(w ^ (ONES * c)); }
/* Bytes < n (n <= 128); bytes >= 0x80 are never flagged because ~w clears their high bit. */
static inline uint64_t swar_lt(uint64_t w, uint8_t n) { return (w - ONES * n) & ~w & HIGHS; }
static inline uint64_t load64(const char *s) {
  uint64_t w;
  memcpy(&w, s, 8);
  return w;
}
#define FIRST_BYTE(m) ((size_t)__builtin_ctzll(m) >> 3)
#else
#define GP_SWAR 0
#endif

/* First byte in [s, end) equal to a or b, or end. */
static inline const char *scan2(const char *s, const char *end, char a, char b) {
#if GP_SWAR
  while (end - s >= 8) {
    uint64_t w = load64(s);
    uint64_t m = swar_eq(w, (uint8_t)a) | swar_eq(w, (uint8_t)b);
    if (m) return s + FIRST_BYTE(m);
    s += 8;
  }
#endif
  while (s < end && *s != a && *s != b) s++;
  return s;
}

/* First byte in [s, end) that ends the plain run of a JSON string: '"', '\\' or a control
 * character (< 0x20, which JSON forbids raw inside strings), or end. */
static inline const char *scan_jstr(const char *s, const char *end) {
#if GP_SWAR
  while (end - s >= 8) {
    uint64_t w = load64(s);
    uint64_t m = swar_eq(w, '"') | swar_eq(w, '\\') | swar_lt(w, 0x20);
    if (m) return s + FIRST_BYTE(m);
    s += 8;
  }
#endif
  while (s < end && *s != '"' && *s != '\\' && (uint8_t)*s >= 0x20) s++;
  return s;
}

/* ---- CSV ------------------------------------------------------------------------------- */

/* The one rule that says where a CSV record ends, used alike by the loader's segment cutter,
 * its row splitter and the sniffer, so that they can never disagree about a boundary.
 *
 * A quote opens a quoted field only at the start of a field (record start or right after the
 * delimiter); a quote anywhere else is malformed and we let it pass, so that the bad record
 * ends at its own line break and gp_csv_split reports it. A quoted field closes at a quote
 * that is not half of a "" pair. When the field holds a line break, the close must also be
 * followed by the delimiter, a line break or the end of the input: otherwise (or when no close
 * comes at all) the opening quote was unterminated, and the record ends at the line break after
 * it. The quote we paired it with most likely opened a field of a later record; pairing them
 * anyway would swallow every line between them, and one stray quote would cost a file.
 *
 * Example with delim ',':  a,"x\ny""z",b\nnext   -> returns the byte after the second \n;
 * the first \n is inside quotes and the "" pair is an escaped quote, not a close + reopen.
 * But in  1,"ab\n2,"cd",e\n  the quote before cd is followed by 'c': the first record is
 * "1,"ab\n" (unterminated, reported by gp_csv_split) and the second is 2,"cd",e as written.
 * A single-line  1,"ab"x\n  still ends at its line break (text after the closing quote). */
const char *gp_csv_record_end(const char *p, const char *end, char delim) {
  const char *s = p;
  for (;;) {
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    const char *lim = nl ? nl : end;
    const char *q = memchr(s, '"', (size_t)(lim - s));
    if (q == NULL) return nl ? nl + 1 : end;
    if (q != p && q[-1] != delim) { /* stray quote: not an opening one */
      s = q + 1;
      continue;
    }
    const char *c = q + 1;
    for (;;) {
      c = memchr(c, '"', (size_t)(end - c));
      if (c == NULL || c + 1 >= end || c[1] != '"') break;
      c += 2;
    }
    if (c == NULL) return nl ? nl + 1 : end; /* never closed */
    const char *after = c + 1;
    if (nl && c > nl && !(after == end || *after == delim || *after == '\n' || *after == '\r'))
      return nl + 1; /* "closed" lines later by a quote that opens something else */
    s = after;
  }
}

static int csv_fail(const char **why, size_t *col, const char *reason, const char *p,
                    const char *at) {
  if (why) *why = reason;
  if (col) *col = (size_t)(at - p) + 1;
  return -1;
}

/* Fields are slices of [p, end) except quoted fields containing "", which are unescaped into
 * scratch (borrowed from the caller; valid until it resets scratch->len). An empty record
 * (a blank line) yields one empty unquoted field; the loader decides whether to skip it.
 *
 * Example, delim ',':  7,"a,b","say ""hi""",,"" \r\n  -> 5 fields:
 *   [7] slice, [a,b] slice of the quote's inside (quoted), [say "hi"] in scratch (quoted),
 *   [] unquoted (a NULL to the loader), [] quoted (an empty string). */
int gp_csv_split(const char *p, const char *end, char delim, gp_field *fields, int max_fields,
                 gp_buf *scratch, const char **why, size_t *col) {
  if (end > p && end[-1] == '\n') end--;
  if (end > p && end[-1] == '\r') end--;
  if ((uint64_t)(end - p) > UINT32_MAX) return csv_fail(why, col, "record too long", p, p);
  const char *s = p;
  bool reserved = false;
  int nf = 0;
  for (;;) {
    gp_field f;
    if (s < end && *s == '"') {
      const char *open = s;
      const char *c = memchr(s + 1, '"', (size_t)(end - s - 1));
      if (c == NULL) return csv_fail(why, col, "unterminated quoted field", p, open);
      if (c + 1 < end && c[1] == '"') {
        if (!reserved) {
          if (scratch == NULL || gp_buf_reserve(scratch, (size_t)(end - s)) != GP_OK)
            return csv_fail(why, col, "out of memory for unescaping", p, open);
          reserved = true;
        }
        char *o0 = (char *)scratch->p + scratch->len, *o = o0;
        const char *q = s + 1;
        for (;;) {
          /* c is the first of a "" pair: keep one quote, skip the other. */
          memcpy(o, q, (size_t)(c - q + 1));
          o += c - q + 1;
          q = c + 2;
          c = memchr(q, '"', (size_t)(end - q));
          if (c == NULL) return csv_fail(why, col, "unterminated quoted field", p, open);
          if (c + 1 < end && c[1] == '"') continue;
          memcpy(o, q, (size_t)(c - q));
          o += c - q;
          break;
        }
        scratch->len += (size_t)(o - o0);
        f.p = o0;
        f.len = (uint32_t)(o - o0);
      } else {
        f.p = s + 1;
        f.len = (uint32_t)(c - s - 1);
      }
      f.quoted = true;
      s = c + 1;
      if (s < end && *s != delim) return csv_fail(why, col, "text after closing quote", p, s);
    } else {
      const char *e = scan2(s, end, delim, '"');
      if (e < end && *e == '"')
        return csv_fail(why, col, "quote inside unquoted field", p, e);
      f.p = s;
      f.len = (uint32_t)(e - s);
      f.quoted = false;
      s = e;
    }
    f.null = false;
    if (nf < max_fields) fields[nf] = f;
    if (nf == INT_MAX) return csv_fail(why, col, "too many fields", p, s);
    nf++;
    if (s >= end) break;
    s++; /* past the delimiter; s == end here means a trailing empty field */
  }
  return nf;
}

/* ---- NDJSON ---------------------------------------------------------------------------- */

/* A recursive-descent parser over one flat object. Top-level values are returned as slices;
 * nested arrays/objects are fully validated (same strict grammar) but returned as raw text.
 * Strings are byte-transparent: they are not checked for UTF-8 here (the loader validates the
 * line once with gp_utf8_valid), but raw control characters are rejected as JSON requires.
 *
 * Example:  {"id":7,"k":"a\u00e9\ud83d\ude00","tags":[1,{"x":"]"}],"v":null}
 *   id   -> "7" (number text, quoted = false)
 *   k    -> "a" C3 A9 F0 9F 98 80 in scratch (quoted = true; é and U+1F600 from a surrogate pair)
 *   tags -> [1,{"x":"]"}] raw (the ']' inside the string does not close the array)
 *   v    -> null = true; absent keys -> null = true, p = NULL. */

#define JSON_MAX_DEPTH 64

typedef struct jctx {
  const char *base;  /* start of the object text, for 1-based columns */
  const char *s;     /* cursor */
  const char *end;   /* one past the last byte */
  gp_buf *scratch;   /* caller's, for unescaped strings; may be NULL if never needed */
  bool reserved;     /* scratch already holds room for the whole input */
  const char *why;   /* static reason on failure */
  const char *at;    /* byte the failure points at */
} jctx;

static int jfail(jctx *c, const char *why, const char *at) {
  c->why = why;
  c->at = at;
  return -1;
}

static inline void jws(jctx *c) {
  const char *s = c->s, *end = c->end;
  while (s < end && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) s++;
  c->s = s;
}

static inline int hexval(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  ch = (char)(ch | 0x20);
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  return -1;
}

/* Reads \uXXXX at s (s[0] == '\\'); false when malformed or short. */
static bool hex_escape(const char *s, const char *end, uint32_t *cp) {
  if (end - s < 6 || s[0] != '\\' || s[1] != 'u') return false;
  uint32_t v = 0;
  for (int i = 2; i < 6; i++) {
    int h = hexval(s[i]);
    if (h < 0) return false;
    v = v << 4 | (uint32_t)h;
  }
  *cp = v;
  return true;
}

static inline char *utf8_put(char *o, uint32_t cp) {
  if (cp < 0x80) {
    *o++ = (char)cp;
  } else if (cp < 0x800) {
    *o++ = (char)(0xC0 | cp >> 6);
    *o++ = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *o++ = (char)(0xE0 | cp >> 12);
    *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  } else {
    *o++ = (char)(0xF0 | cp >> 18);
    *o++ = (char)(0x80 | (cp >> 12 & 0x3F));
    *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  }
  return o;
}

/* Parses the string at c->s (which is '"'). With want, f receives its value: a slice of the
 * input when it has no escapes, else the unescaped bytes in scratch. Without want the string
 * is only validated and f may be NULL. Escapes shrink text (\n 2->1, \u00e9 6->2, a surrogate
 * pair 12->4), which is why one reservation of the input length suffices. */
static int jstring(jctx *c, gp_field *f, bool want) {
  const char *open = c->s, *end = c->end;
  const char *s = scan_jstr(open + 1, end);
  if (s < end && *s == '"') {
    if (f) {
      f->p = open + 1;
      f->len = (uint32_t)(s - open - 1);
      f->quoted = true;
      f->null = false;
    }
    c->s = s + 1;
    return 0;
  }
  char *o0 = NULL, *o = NULL;
  if (want && s < end) {
    if (!c->reserved) {
      if (c->scratch == NULL ||
          gp_buf_reserve(c->scratch, (size_t)(end - c->base)) != GP_OK)
        return jfail(c, "out of memory for unescaping", open);
      c->reserved = true;
    }
    o0 = o = (char *)c->scratch->p + c->scratch->len;
    memcpy(o, open + 1, (size_t)(s - open - 1));
    o += s - open - 1;
  }
  for (;;) {
    if (s == end) return jfail(c, "unterminated string", open);
    if (*s == '"') break;
    if ((uint8_t)*s < 0x20) return jfail(c, "control character in string", s);
    /* *s == '\\' */
    if (end - s < 2) return jfail(c, "unterminated string", open);
    if (s[1] == 'u') {
      uint32_t cp, lo;
      if (!hex_escape(s, end, &cp)) return jfail(c, "bad \\u escape", s);
      if (cp >= 0xDC00 && cp <= 0xDFFF) return jfail(c, "lone surrogate", s);
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (!hex_escape(s + 6, end, &lo) || lo < 0xDC00 || lo > 0xDFFF)
          return jfail(c, "lone surrogate", s);
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        s += 6;
      }
      s += 6;
      if (o) o = utf8_put(o, cp);
    } else {
      char ch;
      switch (s[1]) {
        case '"': ch = '"'; break;
        case '\\': ch = '\\'; break;
        case '/': ch = '/'; break;
        case 'b': ch = '\b'; break;
        case 'f': ch = '\f'; break;
        case 'n': ch = '\n'; break;
        case 'r': ch = '\r'; break;
        case 't': ch = '\t'; break;
        default: return jfail(c, "bad escape", s);
      }
      if (o) *o++ = ch;
      s += 2;
    }
    const char *t = scan_jstr(s, end);
    if (o) {
      memcpy(o, s, (size_t)(t - s));
      o += t - s;
    }
    s = t;
  }
  if (f) {
    if (o) {
      f->p = o0;
      f->len = (uint32_t)(o - o0);
      c->scratch->len += (size_t)(o - o0);
    } else {
      f->p = open + 1;
      f->len = (uint32_t)(s - open - 1);
    }
    f->quoted = true;
    f->null = false;
  }
  c->s = s + 1;
  return 0;
}

static inline bool is_digit(char ch) { return (unsigned)(ch - '0') < 10; }

/* RFC 8259 number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int jnumber(jctx *c) {
  const char *s = c->s, *end = c->end;
  if (*s == '-') s++;
  if (s == end || !is_digit(*s)) return jfail(c, "bad number", s);
  if (*s == '0') {
    s++;
    if (s < end && is_digit(*s)) return jfail(c, "leading zero in number", s);
  } else {
    while (s < end && is_digit(*s)) s++;
  }
  if (s < end && *s == '.') {
    s++;
    if (s == end || !is_digit(*s)) return jfail(c, "bad number", s);
    while (s < end && is_digit(*s)) s++;
  }
  if (s < end && (*s == 'e' || *s == 'E')) {
    s++;
    if (s < end && (*s == '+' || *s == '-')) s++;
    if (s == end || !is_digit(*s)) return jfail(c, "bad number", s);
    while (s < end && is_digit(*s)) s++;
  }
  c->s = s;
  return 0;
}

static int jliteral(jctx *c, const char *lit, size_t n) {
  if ((size_t)(c->end - c->s) < n || memcmp(c->s, lit, n) != 0)
    return jfail(c, "bad literal", c->s);
  c->s += n;
  return 0;
}

static int jvalue(jctx *c, gp_field *f, bool want, int depth);

/* Validates the array or object at c->s; its text becomes the raw value. */
static int jnested(jctx *c, int depth) {
  if (depth >= JSON_MAX_DEPTH) return jfail(c, "nesting too deep", c->s);
  char close = *c->s == '{' ? '}' : ']';
  c->s++;
  jws(c);
  if (c->s < c->end && *c->s == close) {
    c->s++;
    return 0;
  }
  for (;;) {
    jws(c);
    if (close == '}') {
      if (c->s == c->end || *c->s != '"')
        return jfail(c, c->s < c->end && *c->s == '}' ? "trailing comma" : "expected a key string",
                     c->s);
      if (jstring(c, NULL, false) < 0) return -1;
      jws(c);
      if (c->s == c->end || *c->s != ':') return jfail(c, "expected ':'", c->s);
      c->s++;
      jws(c);
    } else if (c->s < c->end && *c->s == ']') {
      return jfail(c, "trailing comma", c->s);
    }
    if (jvalue(c, NULL, false, depth + 1) < 0) return -1;
    jws(c);
    if (c->s < c->end && *c->s == ',') {
      c->s++;
      continue;
    }
    if (c->s < c->end && *c->s == close) {
      c->s++;
      return 0;
    }
    return jfail(c, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'", c->s);
  }
}

static int jvalue(jctx *c, gp_field *f, bool want, int depth) {
  const char *start = c->s;
  if (start == c->end) return jfail(c, "expected a value", start);
  int rc;
  bool null = false;
  switch (*start) {
    case '"': return jstring(c, f, want);
    case '{':
    case '[': rc = jnested(c, depth); break;
    case 't': rc = jliteral(c, "true", 4); break;
    case 'f': rc = jliteral(c, "false", 5); break;
    case 'n':
      rc = jliteral(c, "null", 4);
      null = true;
      break;
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9': rc = jnumber(c); break;
    default: return jfail(c, "expected a value", start);
  }
  if (rc == 0 && f) {
    f->p = start;
    f->len = (uint32_t)(c->s - start);
    f->quoted = false;
    f->null = null;
  }
  return rc;
}

/* NUL-terminated key equal to the n bytes at p (which may hold NULs from \u0000). */
static inline bool key_eq(const char *key, const char *p, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (key[i] == '\0' || key[i] != p[i]) return false;
  return key[n] == '\0';
}

/* Walks one object. In split mode (keys != NULL) values of wanted keys go to out[index]; in
 * list mode (keys == NULL) the keys themselves go to out[0..max). Returns the number of
 * members seen, or -1. */
static int jobject(jctx *c, const char *const *keys, int nkeys, gp_field *out, int max) {
  int members = 0, hint = 0;
  jws(c);
  if (c->s == c->end || *c->s != '{') return jfail(c, "expected '{'", c->s);
  c->s++;
  jws(c);
  if (c->s < c->end && *c->s == '}') {
    c->s++;
    goto tail;
  }
  for (;;) {
    jws(c);
    if (c->s == c->end || *c->s != '"')
      return jfail(c, c->s < c->end && *c->s == '}' ? "trailing comma" : "expected a key string",
                   c->s);
    size_t mark = c->scratch ? c->scratch->len : 0;
    gp_field k;
    if (jstring(c, &k, true) < 0) return -1;
    jws(c);
    if (c->s == c->end || *c->s != ':') return jfail(c, "expected ':'", c->s);
    c->s++;
    jws(c);
    if (keys) {
      /* Lines of one file list keys in the same order, so try the key after the last match
       * first: one comparison per member in the common case. */
      int idx = -1;
      for (int i = 0; i < nkeys; i++) {
        int j = hint + i < nkeys ? hint + i : hint + i - nkeys;
        if (key_eq(keys[j], k.p, k.len)) {
          idx = j;
          break;
        }
      }
      if (c->scratch) c->scratch->len = mark; /* an unescaped key is not handed out */
      if (idx >= 0) {
        hint = idx + 1 < nkeys ? idx + 1 : 0;
        if (jvalue(c, &out[idx], true, 0) < 0) return -1; /* a duplicate key overwrites */
      } else if (jvalue(c, NULL, false, 0) < 0) {
        return -1;
      }
    } else {
      if (members < max) out[members] = k;
      if (jvalue(c, NULL, false, 0) < 0) return -1;
    }
    if (members < INT_MAX) members++;
    jws(c);
    if (c->s < c->end && *c->s == ',') {
      c->s++;
      continue;
    }
    if (c->s < c->end && *c->s == '}') {
      c->s++;
      break;
    }
    return jfail(c, "expected ',' or '}'", c->s);
  }
tail:
  jws(c);
  if (c->s != c->end) return jfail(c, "garbage after object", c->s);
  return members;
}

/* Fields borrow the input or scratch (caller's; valid until it resets scratch->len). On a
 * duplicate key the last occurrence wins, as in most JSON readers. */
int gp_ndjson_split(const char *p, size_t n, const char *const *keys, int nkeys, gp_field *fields,
                    gp_buf *scratch, const char **why, size_t *col) {
  for (int i = 0; i < nkeys; i++)
    fields[i] = (gp_field){.p = NULL, .len = 0, .quoted = false, .null = true};
  jctx c = {.base = p, .s = p, .end = p + n, .scratch = scratch};
  if (n > UINT32_MAX) {
    c.why = "line too long";
    c.at = p;
  } else if (jobject(&c, keys, nkeys, fields, 0) >= 0) {
    return 0;
  }
  if (why) *why = c.why;
  if (col) *col = (size_t)(c.at - p) + 1;
  return -1;
}

/* Keys borrow the input or scratch (caller's; valid until it resets scratch->len). */
int gp_ndjson_keys(const char *p, size_t n, gp_field *keys, int max, gp_buf *scratch,
                   const char **why, size_t *col) {
  jctx c = {.base = p, .s = p, .end = p + n, .scratch = scratch};
  int m = -1;
  if (n > UINT32_MAX) {
    c.why = "line too long";
    c.at = p;
  } else {
    m = jobject(&c, NULL, 0, keys, max);
  }
  if (m >= 0) return m < max ? m : max;
  if (why) *why = c.why;
  if (col) *col = (size_t)(c.at - p) + 1;
  return -1;
}

/* ---- value parsers --------------------------------------------------------------------- */

bool gp_parse_int64(const char *s, size_t n, int64_t *out) {
  const char *end = s + n;
  bool neg = false;
  if (s < end && (*s == '+' || *s == '-')) neg = *s++ == '-';
  if (s == end) return false;
  /* Magnitude limit: 2^63 for negatives (INT64_MIN), 2^63 - 1 otherwise. */
  const uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  uint64_t v = 0;
  for (; s < end; s++) {
    unsigned d = (unsigned)(*s - '0');
    if (d > 9) return false;
    if (v > (lim - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = neg ? (int64_t)(0 - v) : (int64_t)v;
  return true;
}

static bool ieq(const char *s, size_t n, const char *lit) {
  size_t i = 0;
  for (; i < n; i++)
    if (lit[i] == '\0' || (s[i] | 0x20) != lit[i]) return false;
  return lit[i] == '\0';
}

/* 10^0..10^22: every one is exactly representable as a double (10^22 = 2^22 * 5^22 and
 * 5^22 < 2^53), which is what makes the fast path exact. */
static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Grammar: [+-] (digits [. [digits]] | . digits) [(e|E) [+-] digits] | [+-] (inf | infinity |
 * nan), case-insensitive words. So "1." and ".5" are accepted (strtod accepts them fully);
 * "", "-", ".", "1e", "1e+", " 1", "1 ", hex ("0x1p3") and "nan(...)" are rejected.
 *
 * Fast path (Clinger): with the significant digits w read exactly (<= 19 digits, no nonzero
 * digit dropped), w <= 2^53 and a decimal exponent e with |e| <= 22, both w and 10^|e| are
 * exact doubles, and one IEEE multiply or divide rounds once, so the result is the correctly
 * rounded value of w * 10^e, i.e. exactly what strtod returns. Example: "118.345678" ->
 * w = 118345678, e = -6 -> 118345678.0 / 1e6. "1e30" -> w * 10^8 = 1e8 is still <= 2^53, so
 * w * 1e8 is exact and one multiply by 1e22 rounds once. Everything else goes to strtod.
 *
 * Locale: strtod reads the decimal point from LC_NUMERIC. gridpulse never calls setlocale for
 * LC_NUMERIC, so it stays "C" and '.' is the point; our own grammar check runs first, so a
 * foreign locale could only make strtod stop early, which we detect and report as false. */
bool gp_parse_double(const char *s, size_t n, double *out) {
  const char *p = s, *end = s + n;
  bool neg = false;
  if (p < end && (*p == '+' || *p == '-')) neg = *p++ == '-';
  if (p == end) return false;
  if (!is_digit(*p) && *p != '.') {
    size_t k = (size_t)(end - p);
    double v;
    if (ieq(p, k, "inf") || ieq(p, k, "infinity")) v = INFINITY;
    else if (ieq(p, k, "nan")) v = NAN;
    else return false;
    *out = neg ? -v : v;
    return true;
  }
  uint64_t w = 0;
  int nd = 0;             /* significant digits held in w */
  int64_t e10 = 0;        /* decimal exponent applying to w */
  bool any = false;
  /* Digits past the 19th are dropped (only counted in e10). That is safe for the fast path
   * because a 19-digit w is >= 10^18 > 2^53, so a truncated input never takes it. */
  for (; p < end && is_digit(*p); p++) {
    unsigned d = (unsigned)(*p - '0');
    any = true;
    if (nd < 19) {
      if (w != 0 || d != 0) {
        w = w * 10 + d;
        nd++;
      }
    } else {
      e10++;
    }
  }
  if (p < end && *p == '.') {
    p++;
    for (; p < end && is_digit(*p); p++) {
      unsigned d = (unsigned)(*p - '0');
      any = true;
      if (nd < 19) {
        if (w != 0 || d != 0) {
          w = w * 10 + d;
          nd++;
        }
        e10--;
      }
    }
  }
  if (!any) return false;
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    bool eneg = false;
    if (p < end && (*p == '+' || *p == '-')) eneg = *p++ == '-';
    if (p == end || !is_digit(*p)) return false;
    int64_t x = 0;
    for (; p < end && is_digit(*p); p++)
      if (x < 100000000) x = x * 10 + (*p - '0'); /* saturate: far past any double's range */
    e10 += eneg ? -x : x;
  }
  if (p != end) return false;

  if (w == 0) {
    *out = neg ? -0.0 : 0.0;
    return true;
  }
#if FLT_EVAL_METHOD == 0
  /* With wider intermediate precision (x87) a double op may round twice: skip the fast path. */
  if (w <= (UINT64_C(1) << 53)) {
    double v = (double)w;
    if (e10 >= -22 && e10 <= 22) {
      v = e10 < 0 ? v / pow10_exact[-e10] : v * pow10_exact[e10];
      *out = neg ? -v : v;
      return true;
    }
    if (e10 > 22 && e10 <= 22 + 15) {
      /* Move part of the exponent into w while it stays an exact integer <= 2^53. */
      uint64_t wx = w;
      int64_t k = e10 - 22;
      bool ok = true;
      for (int64_t i = 0; i < k && ok; i++) {
        if (wx > (UINT64_C(1) << 53) / 10) ok = false;
        else wx *= 10;
      }
      if (ok) {
        v = (double)wx * 1e22;
        *out = neg ? -v : v;
        return true;
      }
    }
  }
#endif
  char stackbuf[128];
  char *buf = stackbuf;
  if (n >= sizeof stackbuf) {
    buf = GP_MALLOC(n + 1);
    if (buf == NULL) return false;
  }
  memcpy(buf, s, n);
  buf[n] = '\0';
  char *stop;
  double v = strtod(buf, &stop);
  bool ok = stop == buf + n;
  if (buf != stackbuf) GP_FREE(buf);
  if (ok) *out = v;
  return ok;
}

/* Case-insensitive: true/false, t/f, yes/no, 1/0. */
bool gp_parse_bool(const char *s, size_t n, bool *out) {
  if (ieq(s, n, "true") || ieq(s, n, "t") || ieq(s, n, "yes") || (n == 1 && s[0] == '1')) {
    *out = true;
    return true;
  }
  if (ieq(s, n, "false") || ieq(s, n, "f") || ieq(s, n, "no") || (n == 1 && s[0] == '0')) {
    *out = false;
    return true;
  }
  return false;
}

/* Well-formed UTF-8 per Unicode Table 3-7: the second byte's range depends on the lead byte,
 * which is what rules out overlongs (C0, C1, E0 80..9F, F0 80..8F), surrogates (ED A0..BF)
 * and code points above U+10FFFF (F4 90.., F5..FF). */
bool gp_utf8_valid(const char *str, size_t n) {
  const uint8_t *s = (const uint8_t *)str, *end = s + n;
  while (s < end) {
    if (end - s >= 8) {
      uint64_t w;
      memcpy(&w, s, 8);
      if ((w & UINT64_C(0x8080808080808080)) == 0) {
        s += 8;
        continue;
      }
    }
    uint8_t b = *s;
    if (b < 0x80) {
      s++;
      continue;
    }
    int more;
    uint8_t lo = 0x80, hi = 0xBF;
    if (b < 0xC2) return false;
    if (b < 0xE0) {
      more = 1;
    } else if (b < 0xF0) {
      more = 2;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b < 0xF5) {
      more = 3;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (end - s <= more) return false;
    if (s[1] < lo || s[1] > hi) return false;
    for (int i = 2; i <= more; i++)
      if ((s[i] & 0xC0) != 0x80) return false;
    s += more + 1;
  }
  return true;
}

/* ---- sniffing -------------------------------------------------------------------------- */

#define SNIFF_MANY 100     /* samples from which up to 64 distinct values still mean SYMBOL */
#define SNIFF_MANY_DISTINCT 64
#define SNIFF_SHORT 64     /* SYMBOL values are shorter than this */

static uint64_t hash_bytes(const char *p, uint32_t n) {
  uint64_t h = UINT64_C(1469598103934665603); /* FNV-1a */
  for (uint32_t i = 0; i < n; i++) h = (h ^ (uint8_t)p[i]) * UINT64_C(1099511628211);
  return h;
}

/* Counts distinct values of the usable samples, stopping once past limit. Returns SIZE_MAX
 * when the table cannot be allocated (the caller then says TEXT, the safe answer). */
static size_t count_distinct(const gp_field *v, size_t n, size_t m, size_t limit) {
  size_t cap = 16;
  while (cap < 2 * m) cap *= 2;
  uint32_t *slot = GP_CALLOC(cap, sizeof *slot); /* index + 1 of a sample, 0 = empty */
  if (slot == NULL) return SIZE_MAX;
  size_t distinct = 0;
  for (size_t i = 0; i < n && distinct <= limit; i++) {
    if (v[i].null || v[i].len == 0) continue;
    size_t h = (size_t)hash_bytes(v[i].p, v[i].len) & (cap - 1);
    for (;;) {
      if (slot[h] == 0) {
        slot[h] = (uint32_t)i + 1;
        distinct++;
        break;
      }
      const gp_field *o = &v[slot[h] - 1];
      if (o->len == v[i].len && memcmp(o->p, v[i].p, o->len) == 0) break;
      h = (h + 1) & (cap - 1);
    }
  }
  GP_FREE(slot);
  return distinct;
}

/* A number written with a leading zero ("02134", "-007") is a code (a zip code, a precinct),
 * not a quantity: as INT it would lose its zeros. Checked only for quoted values, which is how
 * careful writers mark such codes. */
static bool zero_padded(const gp_field *f) {
  const char *p = f->p, *end = f->p + f->len;
  if (p < end && (*p == '+' || *p == '-')) p++;
  return end - p >= 2 && p[0] == '0' && is_digit(p[1]);
}

/* Types are counted, not required of every sample: a type holds when at most SNIFF_MISFITS
 * (1%) of the non-empty samples fail it, so that one bad timestamp in 2,000 samples leaves a
 * TIMESTAMP column (whose bad rows the load rejects, each named) instead of a TEXT column that
 * swallows the damage and a table without a TIME. Below 100 samples every one must fit.
 * INT wins over DOUBLE only when the misfits are not decimals either (a column of integers
 * with a few "1.5" is DOUBLE).
 *
 * Quoting: a JSON string (quoted_numbers false) never sniffs as INT or DOUBLE, JSON having
 * numbers of its own, but it may be a TIMESTAMP, since JSON has no other way to write one. A
 * quoted CSV field says nothing about its type (Excel and pandas QUOTE_ALL quote every field),
 * so with quoted_numbers it counts as a number, unless it is zero-padded. */
#define SNIFF_MISFITS(m) ((m) / 100)

gp_type gp_sniff_type(const gp_field *samples, size_t n, bool quoted_numbers, size_t *misfits) {
  size_t n_int = 0, n_dbl = 0, n_ts = 0, m = 0;
  bool all_short = true;
  if (misfits) *misfits = 0;
  for (size_t i = 0; i < n; i++) {
    const gp_field *f = &samples[i];
    if (f->null || f->len == 0) continue;
    m++;
    int64_t iv;
    double dv;
    bool number_ok = !f->quoted || (quoted_numbers && !zero_padded(f));
    if (number_ok && gp_parse_int64(f->p, f->len, &iv)) {
      n_int++;
      n_dbl++; /* every int64 text is also a double text */
    } else if (number_ok && gp_parse_double(f->p, f->len, &dv)) {
      n_dbl++;
    }
    if (gp_ts_parse(f->p, f->len, &iv)) n_ts++;
    if (f->len >= SNIFF_SHORT) all_short = false;
  }
  if (m == 0) return GP_T_TEXT;
  size_t tol = SNIFF_MISFITS(m);
  gp_type t = GP_T_TEXT;
  size_t fit = 0;
  if (m - n_int <= tol && n_dbl == n_int) {
    t = GP_T_INT;
    fit = n_int;
  } else if (m - n_dbl <= tol) {
    t = GP_T_DOUBLE;
    fit = n_dbl;
  } else if (m - n_ts <= tol) {
    t = GP_T_TIMESTAMP;
    fit = n_ts;
  }
  if (t != GP_T_TEXT) {
    if (misfits) *misfits = m - fit;
    return t;
  }
  if (!all_short || n > UINT32_MAX) return GP_T_TEXT;
  size_t limit = m / 2;
  if (m >= SNIFF_MANY && limit < SNIFF_MANY_DISTINCT) limit = SNIFF_MANY_DISTINCT;
  size_t distinct = count_distinct(samples, n, m, limit);
  return distinct <= limit ? GP_T_SYMBOL : GP_T_TEXT;
}
