/* base.c - errors, counted allocation, byte buffers, types and time. */
#include "gp_base.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* ---- errors ---- */

const char *gp_rc_str(gp_rc rc) {
  switch (rc) {
#define GP_RC_CASE(name, text) \
  case GP_##name:              \
    return text;
    GP_RC_MAP(GP_RC_CASE)
#undef GP_RC_CASE
  }
  return "unknown error";
}

gp_rc gp_err_set(gp_err *err, gp_rc rc, const char *fmt, ...) {
  if (err == NULL || err->rc != GP_OK) return rc;
  err->rc = rc;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  return rc;
}

void gp_err_clear(gp_err *err) {
  if (err == NULL) return;
  err->rc = GP_OK;
  err->msg[0] = '\0';
}

/* ---- allocation ----
 * The counters are thread-local so that tests running allocations on several threads do not
 * race; a leak test therefore counts what its own thread allocated and freed. */

static _Thread_local long tl_live;
static _Thread_local long tl_fail_after;

long gp_alloc_live(void) { return tl_live; }
void gp_alloc_fail_after(long n) { tl_fail_after = n; }

static bool should_fail(void) {
  if (tl_fail_after <= 0) return false;
  return --tl_fail_after == 0;
}

void *gp_malloc_(size_t n) {
  if (should_fail()) return NULL;
  void *p = malloc(n ? n : 1);
  if (p) tl_live++;
  return p;
}

void *gp_calloc_(size_t n, size_t size) {
  if (should_fail()) return NULL;
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (p) tl_live++;
  return p;
}

void *gp_realloc_(void *p, size_t n) {
  if (should_fail()) return NULL;
  void *q = realloc(p, n ? n : 1);
  if (q && p == NULL) tl_live++;
  return q;
}

void gp_free_(void *p) {
  if (p == NULL) return;
  tl_live--;
  free(p);
}

char *gp_strdup_(const char *s) { return gp_strndup_(s, strlen(s)); }

char *gp_strndup_(const char *s, size_t n) {
  char *d = gp_malloc_(n + 1);
  if (d == NULL) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

/* ---- buffers ---- */

gp_rc gp_buf_reserve(gp_buf *b, size_t extra) {
  if (b->cap - b->len >= extra) return GP_OK;
  size_t cap = b->cap ? b->cap : 64;
  while (cap - b->len < extra) cap *= 2;
  uint8_t *p = GP_REALLOC(b->p, cap);
  if (p == NULL) return GP_NOMEM;
  b->p = p;
  b->cap = cap;
  return GP_OK;
}

gp_rc gp_buf_put(gp_buf *b, const void *src, size_t n) {
  if (n == 0) return GP_OK;
  if (gp_buf_reserve(b, n) != GP_OK) return GP_NOMEM;
  memcpy(b->p + b->len, src, n);
  b->len += n;
  return GP_OK;
}

gp_rc gp_buf_put_u8(gp_buf *b, uint8_t v) { return gp_buf_put(b, &v, 1); }

gp_rc gp_buf_put_u32le(gp_buf *b, uint32_t v) {
  uint8_t t[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  return gp_buf_put(b, t, 4);
}

gp_rc gp_buf_put_u64le(gp_buf *b, uint64_t v) {
  uint8_t t[8];
  for (int i = 0; i < 8; i++) t[i] = (uint8_t)(v >> (8 * i));
  return gp_buf_put(b, t, 8);
}

gp_rc gp_buf_put_u64be(gp_buf *b, uint64_t v) {
  uint8_t t[8];
  for (int i = 0; i < 8; i++) t[i] = (uint8_t)(v >> (56 - 8 * i));
  return gp_buf_put(b, t, 8);
}

gp_rc gp_buf_put_uvarint(gp_buf *b, uint64_t v) {
  uint8_t t[10];
  size_t n = 0;
  while (v >= 0x80) {
    t[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  t[n++] = (uint8_t)v;
  return gp_buf_put(b, t, n);
}

gp_rc gp_buf_put_svarint(gp_buf *b, int64_t v) { return gp_buf_put_uvarint(b, gp_zigzag(v)); }

void gp_buf_free(gp_buf *b) {
  GP_FREE(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

static gp_rc rd_short(gp_err *err, size_t want, size_t have) {
  return gp_err_set(err, GP_CORRUPT, "truncated data: need %zu bytes, %zu left", want, have);
}

gp_rc gp_rd_get(gp_rd *r, void *dst, size_t n, gp_err *err) {
  size_t have = (size_t)(r->end - r->p);
  if (have < n) return rd_short(err, n, have);
  memcpy(dst, r->p, n);
  r->p += n;
  return GP_OK;
}

gp_rc gp_rd_u8(gp_rd *r, uint8_t *v, gp_err *err) { return gp_rd_get(r, v, 1, err); }

gp_rc gp_rd_u32le(gp_rd *r, uint32_t *v, gp_err *err) {
  uint8_t t[4] = {0};
  if (gp_rd_get(r, t, 4, err) != GP_OK) return GP_CORRUPT;
  *v = (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 | (uint32_t)t[3] << 24;
  return GP_OK;
}

gp_rc gp_rd_u64le(gp_rd *r, uint64_t *v, gp_err *err) {
  uint8_t t[8] = {0};
  if (gp_rd_get(r, t, 8, err) != GP_OK) return GP_CORRUPT;
  uint64_t x = 0;
  for (int i = 7; i >= 0; i--) x = x << 8 | t[i];
  *v = x;
  return GP_OK;
}

gp_rc gp_rd_u64be(gp_rd *r, uint64_t *v, gp_err *err) {
  uint8_t t[8] = {0};
  if (gp_rd_get(r, t, 8, err) != GP_OK) return GP_CORRUPT;
  uint64_t x = 0;
  for (int i = 0; i < 8; i++) x = x << 8 | t[i];
  *v = x;
  return GP_OK;
}

gp_rc gp_rd_uvarint(gp_rd *r, uint64_t *v, gp_err *err) {
  uint64_t x = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (r->p >= r->end) return rd_short(err, 1, 0);
    uint8_t c = *r->p++;
    x |= (uint64_t)(c & 0x7f) << shift;
    if (!(c & 0x80)) {
      *v = x;
      return GP_OK;
    }
  }
  return gp_err_set(err, GP_CORRUPT, "varint longer than 10 bytes");
}

gp_rc gp_rd_svarint(gp_rd *r, int64_t *v, gp_err *err) {
  uint64_t u = 0;
  if (gp_rd_uvarint(r, &u, err) != GP_OK) return GP_CORRUPT;
  *v = gp_unzigzag(u);
  return GP_OK;
}

gp_rc gp_rd_slice(gp_rd *r, size_t n, const uint8_t **out, gp_err *err) {
  size_t have = (size_t)(r->end - r->p);
  if (have < n) return rd_short(err, n, have);
  *out = r->p;
  r->p += n;
  return GP_OK;
}

/* ---- types ---- */

const char *gp_type_name(gp_type t) {
  switch (t) {
    case GP_T_TIMESTAMP: return "TIMESTAMP";
    case GP_T_DOUBLE: return "DOUBLE";
    case GP_T_INT: return "INT";
    case GP_T_SYMBOL: return "SYMBOL";
    case GP_T_TEXT: return "TEXT";
  }
  return "?";
}

gp_type gp_type_parse(const char *s, size_t n) {
  static const struct {
    const char *name;
    gp_type t;
  } names[] = {
      {"TIMESTAMP", GP_T_TIMESTAMP}, {"DOUBLE", GP_T_DOUBLE}, {"FLOAT", GP_T_DOUBLE},
      {"REAL", GP_T_DOUBLE},         {"INT", GP_T_INT},       {"INTEGER", GP_T_INT},
      {"BIGINT", GP_T_INT},          {"SYMBOL", GP_T_SYMBOL}, {"TEXT", GP_T_TEXT},
      {"VARCHAR", GP_T_TEXT},        {"STRING", GP_T_TEXT},
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strlen(names[i].name) == n && strncasecmp(names[i].name, s, n) == 0) return names[i].t;
  return (gp_type)0;
}

/* ---- time ----
 * Civil-date conversions use the era-based algorithm (400-year cycles of 146097 days), which is
 * exact for the whole proleptic Gregorian calendar without tables. */

int64_t gp_days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

void gp_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = (unsigned)(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool digits(const char *s, size_t n, int k, int *out) {
  if (n < (size_t)k) return false;
  int v = 0;
  for (int i = 0; i < k; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

static const unsigned k_mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

/* Syntax is checked before ranges, so "2024-13-01" is a field out of range but "2024-13-1" is
 * not a timestamp at all; PostgreSQL's two messages depend on the difference. */
gp_ts_rc gp_ts_parse_ex(const char *s, size_t n, int64_t *out) {
  int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0;
  int64_t frac = 0, off = 0;
  size_t i = 0;
  if (!digits(s, n, 4, &y) || n < 10 || s[4] != '-' || !digits(s + 5, n - 5, 2, &mo) ||
      s[7] != '-' || !digits(s + 8, n - 8, 2, &d))
    return GP_TS_SYNTAX;
  i = 10;
  if (i < n && (s[i] == 'T' || s[i] == ' ')) {
    i++;
    if (!digits(s + i, n - i, 2, &h) || i + 5 > n || s[i + 2] != ':' ||
        !digits(s + i + 3, n - i - 3, 2, &mi))
      return GP_TS_SYNTAX;
    i += 5;
    if (i < n && s[i] == ':') {
      if (!digits(s + i + 1, n - i - 1, 2, &sec)) return GP_TS_SYNTAX;
      i += 3;
      if (i < n && (s[i] == '.' || s[i] == ',')) {
        i++;
        int nd = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
          if (nd < 6) frac = frac * 10 + (s[i] - '0');
          nd++;
          i++;
        }
        if (nd == 0 || nd > 9) return GP_TS_SYNTAX;
        for (int k = nd; k < 6; k++) frac *= 10;
      }
    }
  }
  if (i < n) {
    if (s[i] == 'Z' || s[i] == 'z') {
      i++;
    } else if (s[i] == '+' || s[i] == '-') {
      int sign = s[i] == '-' ? -1 : 1;
      i++;
      if (!digits(s + i, n - i, 2, &oh)) return GP_TS_SYNTAX;
      i += 2;
      bool colon = i < n && s[i] == ':';
      if (colon) i++;
      if (i < n || colon) { /* "+08:" must go on with minutes */
        if (!digits(s + i, n - i, 2, &om)) return GP_TS_SYNTAX;
        i += 2;
      }
      off = sign * (oh * 3600 + om * 60);
    }
  }
  if (i != n) return GP_TS_SYNTAX;
  /* Every field in range, or the text is refused: a leap second 23:59:60 (which PostgreSQL
   * would roll into the next day) or 24:00 would otherwise move the row to another day in
   * silence. */
  if (mo < 1 || mo > 12 || d < 1 || (unsigned)d > k_mdays[mo - 1]) return GP_TS_RANGE;
  if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return GP_TS_RANGE;
  if (h > 23 || mi > 59 || sec > 59 || oh > 23 || om > 59) return GP_TS_RANGE;
  int64_t days = gp_days_from_civil(y, (unsigned)mo, (unsigned)d);
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - off;
  *out = secs * GP_USEC_PER_SEC + frac;
  return GP_TS_OK;
}

bool gp_ts_parse(const char *s, size_t n, int64_t *out) {
  return gp_ts_parse_ex(s, n, out) == GP_TS_OK;
}

/* Results print millions of timestamps, so the common case (years 0..9999) is formatted by
 * hand rather than through snprintf; the rest keeps snprintf's general path. */
int gp_ts_format(int64_t ts, char *buf, size_t cap) {
  /* remainder first: secs * 10^6 would overflow for the extreme values */
  int64_t us = ts % GP_USEC_PER_SEC;
  if (us < 0) us += GP_USEC_PER_SEC;
  int64_t secs = gp_floordiv(ts, GP_USEC_PER_SEC);
  int64_t days = gp_floordiv(secs, 86400);
  int64_t sod = secs - days * 86400;
  int64_t y;
  unsigned m, d;
  gp_civil_from_days(days, &y, &m, &d);
  if (y >= 0 && y <= 9999 && cap >= 32) {
    unsigned f[6] = {(unsigned)y, m, d, (unsigned)(sod / 3600), (unsigned)(sod / 60 % 60),
                     (unsigned)(sod % 60)};
    char *p = buf;
    *p++ = (char)('0' + f[0] / 1000);
    *p++ = (char)('0' + f[0] / 100 % 10);
    *p++ = (char)('0' + f[0] / 10 % 10);
    *p++ = (char)('0' + f[0] % 10);
    static const char sep[] = "?-- ::"; /* the separator before field i */
    for (int i = 1; i < 6; i++) {
      *p++ = sep[i];
      *p++ = (char)('0' + f[i] / 10);
      *p++ = (char)('0' + f[i] % 10);
    }
    if (us) {
      *p++ = '.';
      for (int i = 5; i >= 0; i--, us /= 10) p[i] = (char)('0' + us % 10);
      p += 6;
    }
    *p = '\0';
    return (int)(p - buf);
  }
  if (us)
    return snprintf(buf, cap, "%04lld-%02u-%02u %02d:%02d:%02d.%06lld", (long long)y, m, d,
                    (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60), (long long)us);
  return snprintf(buf, cap, "%04lld-%02u-%02u %02d:%02d:%02d", (long long)y, m, d,
                  (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
}

gp_rc gp_radix_sort_u64(uint64_t *key, uint32_t *idx, size_t n) {
  enum { DIGIT_BITS = 12, DIGITS = 1 << DIGIT_BITS };
  uint64_t diff = 0;
  for (size_t i = 1; i < n; i++) diff |= key[i] ^ key[0];
  if (!diff) return GP_OK;
  unsigned lo = (unsigned)__builtin_ctzll(diff), width = 64u - (unsigned)__builtin_clzll(diff) - lo;
  unsigned passes = (width + DIGIT_BITS - 1) / DIGIT_BITS;
  unsigned dbits = (width + passes - 1) / passes;
  uint64_t dmask = (UINT64_C(1) << dbits) - 1;
  uint64_t *k2 = GP_MALLOC(n * sizeof *k2);
  uint32_t *i2 = GP_MALLOC(n * sizeof *i2);
  uint32_t *cnt = GP_MALLOC((DIGITS + 1) * sizeof *cnt);
  gp_rc rc = k2 && i2 && cnt ? GP_OK : GP_NOMEM;
  uint64_t *ka = key, *kb = k2;
  uint32_t *ia = idx, *ib = i2;
  for (unsigned p = 0, sh = lo; !rc && p < passes; p++, sh += dbits) {
    memset(cnt, 0, (DIGITS + 1) * sizeof *cnt);
    for (size_t i = 0; i < n; i++) cnt[(ka[i] >> sh & dmask) + 1]++;
    for (uint64_t d = 0; d < dmask; d++) cnt[d + 1] += cnt[d];
    for (size_t i = 0; i < n; i++) {
      uint32_t o = cnt[ka[i] >> sh & dmask]++;
      kb[o] = ka[i];
      ib[o] = ia[i];
    }
    uint64_t *tk = ka;
    ka = kb;
    kb = tk;
    uint32_t *ti = ia;
    ia = ib;
    ib = ti;
  }
  if (!rc && ka != key) {
    memcpy(key, ka, n * sizeof *key);
    memcpy(idx, ia, n * sizeof *idx);
  }
  GP_FREE(k2);
  GP_FREE(i2);
  GP_FREE(cnt);
  return rc;
}

size_t gp_select_eq(const uint64_t *v, size_t n, uint64_t w, bool neg, uint32_t *sel,
                    uint64_t *all) {
  size_t m = 0, i = 0;
  uint64_t acc = 0;
#if defined(__SSE2__)
  __m128i ww = _mm_set1_epi64x((long long)w), va = _mm_setzero_si128();
  unsigned flip = neg ? 0x5555u : 0;
  for (; i + 8 <= n; i += 8) {
    __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(v + i));
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(v + i + 2));
    __m128i c = _mm_loadu_si128((const __m128i *)(const void *)(v + i + 4));
    __m128i d = _mm_loadu_si128((const __m128i *)(const void *)(v + i + 6));
    va = _mm_or_si128(va, _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d)));
    unsigned mk = (unsigned)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(a, ww))) |
                  (unsigned)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(b, ww))) << 4 |
                  (unsigned)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(c, ww))) << 8 |
                  (unsigned)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(d, ww))) << 12;
    mk = (mk & mk >> 1 & 0x5555u) ^ flip; /* bit 2j: value j passes */
    while (mk) {
      sel[m++] = (uint32_t)(i + ((unsigned)__builtin_ctz(mk) >> 1));
      mk &= mk - 1;
    }
  }
  uint64_t lanes[2];
  _mm_storeu_si128((__m128i *)(void *)lanes, va);
  acc = lanes[0] | lanes[1];
#endif
  for (; i < n; i++) {
    sel[m] = (uint32_t)i;
    acc |= v[i];
    m += (v[i] == w) != neg;
  }
  if (all) *all = acc;
  return m;
}

/* ---- memory accounts ---- */

bool gp_mem_charge(gp_mem *m, size_t bytes) {
  if (!m) return true;
  /* a charge beyond the limit by itself fails before the sum could wrap */
  if (bytes > m->limit) {
    atomic_store(&m->over, true);
    return false;
  }
  size_t u = atomic_fetch_add_explicit(&m->used, bytes, memory_order_relaxed) + bytes;
  if (u >= bytes && u <= m->limit) return true;
  atomic_store(&m->over, true);
  return false;
}
