/* result.c - a statement's result: typed columns filled in bulk by the executor, read back as
 * text by the writers of output.c.
 *
 * Each column is one growable array of its kind (int64 for BOOL/INT/TIMESTAMP/INTERVAL/CELL,
 * double for DOUBLE, end offsets into a byte heap for TEXT) plus a NULL byte-map that exists
 * only once a NULL has been put, so an executor copying a decoded column does one memcpy and a
 * result without NULLs pays nothing for them.
 *
 * TEXT layout: every value is stored followed by a NUL, so gp_result_cell hands out a pointer
 * into the heap without copying. Example, values 'a', NULL, 'bc':
 *     heap = "a\0" "\0" "bc\0"      (a NULL stores an empty string, its map byte says NULL)
 *     end  = {2, 3, 6}              value i spans [end[i-1], end[i] - 1), end[-1] being 0 */
#include "gp_query.h"
#include "gp_query_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct rcol {
  char *name;         /* owned, NUL-terminated */
  gp_result_kind kind;
  size_t n, cap;      /* values, and room for them in v/end and nulls */
  union {
    int64_t *i64;     /* BOOL, INT, TIMESTAMP, INTERVAL */
    double *f64;      /* DOUBLE */
    uint64_t *end;    /* TEXT: end offset (past the NUL) of each value in heap */
  } v;
  uint8_t *nulls;     /* cap bytes, non-zero = NULL; NULL until the first NULL value */
  gp_buf heap;        /* TEXT bytes */
  gp_result_geo geo;  /* what the values stand for on a map (gp_query__result_set_geo) */
  const struct gp_grid *grid;          /* CELL / REGION: borrowed, see the setter */
  const struct gp_region_layer *layer; /* REGION: borrowed */
  int level;          /* CELL: the cells' level */
} rcol;

struct gp_result {
  rcol *cols;
  int ncols, capcols;
  char *status;     /* owned, or NULL */
  char scratch[64]; /* the text of the last formatted number cell (see gp_result_cell) */
};

gp_rc gp_query__result_new(gp_result **out, gp_err *err) {
  *out = GP_CALLOC(1, sizeof **out);
  if (!*out) return gp_err_set(err, GP_NOMEM, "out of memory for a result");
  return GP_OK;
}

void gp_query__result_free(gp_result *r) {
  if (!r) return;
  for (int c = 0; c < r->ncols; c++) {
    GP_FREE(r->cols[c].name);
    GP_FREE(r->cols[c].v.i64);
    GP_FREE(r->cols[c].nulls);
    gp_buf_free(&r->cols[c].heap);
  }
  GP_FREE(r->cols);
  GP_FREE(r->status);
  GP_FREE(r);
}

gp_rc gp_query__result_set_status(gp_result *r, gp_err *err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *s = n >= 0 ? GP_MALLOC((size_t)n + 1) : NULL;
  if (!s) return gp_err_set(err, GP_NOMEM, "out of memory for a status line");
  va_start(ap, fmt);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  GP_FREE(r->status);
  r->status = s;
  return GP_OK;
}

gp_rc gp_query__result_add_col(gp_result *r, const char *name, gp_result_kind k, gp_err *err) {
  if (k < GP_RK_NULL || k > GP_RK_CELL)
    return gp_err_set(err, GP_INVALID, "result column \"%s\": bad kind %d", name, (int)k);
  if (r->ncols == r->capcols) {
    int cap = r->capcols ? r->capcols * 2 : 8;
    rcol *p = GP_REALLOC(r->cols, (size_t)cap * sizeof *p);
    if (!p) return gp_err_set(err, GP_NOMEM, "out of memory for result columns");
    r->cols = p;
    r->capcols = cap;
  }
  char *nm = GP_STRDUP(name ? name : "");
  if (!nm) return gp_err_set(err, GP_NOMEM, "out of memory for result columns");
  rcol *col = &r->cols[r->ncols++];
  memset(col, 0, sizeof *col);
  col->name = nm;
  col->kind = k;
  return GP_OK;
}

static size_t elem_size(gp_result_kind k) {
  switch (k) {
  case GP_RK_NULL: return 0;
  case GP_RK_DOUBLE: return sizeof(double);
  case GP_RK_TEXT: return sizeof(uint64_t);
  default: return sizeof(int64_t);
  }
}

static gp_rc col_at(gp_result *r, int c, rcol **out, gp_err *err) {
  if (c < 0 || c >= r->ncols)
    return gp_err_set(err, GP_INVALID, "result column %d out of range (%d columns)", c,
                      r->ncols);
  *out = &r->cols[c];
  return GP_OK;
}

/* Grows col so that `more` further values fit; geometric, so bulk and one-by-one puts are
 * both amortised O(1). */
static gp_rc col_grow(rcol *col, size_t more, gp_err *err) {
  if (more > SIZE_MAX / 16 - col->n)
    return gp_err_set(err, GP_NOMEM, "result column \"%s\" too large", col->name);
  size_t need = col->n + more;
  if (need <= col->cap) return GP_OK;
  size_t cap = col->cap ? col->cap : 64;
  while (cap < need) cap *= 2;
  size_t es = elem_size(col->kind);
  if (es) {
    void *p = GP_REALLOC(col->v.i64, cap * es);
    if (!p) return gp_err_set(err, GP_NOMEM, "out of memory for result column \"%s\"", col->name);
    col->v.i64 = p;
  }
  if (col->nulls) {
    uint8_t *p = GP_REALLOC(col->nulls, cap);
    if (!p) return gp_err_set(err, GP_NOMEM, "out of memory for result column \"%s\"", col->name);
    memset(p + col->cap, 0, cap - col->cap);
    col->nulls = p;
  }
  col->cap = cap;
  return GP_OK;
}

/* Makes the NULL map exist (all zero for the values so far). */
static gp_rc col_nulls(rcol *col, gp_err *err) {
  if (col->nulls) return GP_OK;
  col->nulls = GP_CALLOC(col->cap ? col->cap : 1, 1);
  if (!col->nulls)
    return gp_err_set(err, GP_NOMEM, "out of memory for result column \"%s\"", col->name);
  return GP_OK;
}

gp_rc gp_query__result_reserve(gp_result *r, int c, size_t n, gp_err *err) {
  rcol *col = NULL;
  gp_rc rc = col_at(r, c, &col, err);
  return rc ? rc : col_grow(col, n, err);
}

static bool is_int_kind(gp_result_kind k) {
  return k == GP_RK_BOOL || k == GP_RK_INT || k == GP_RK_TIMESTAMP || k == GP_RK_INTERVAL ||
         k == GP_RK_CELL;
}

/* Shared by the numeric puts: v holds n 8-byte values (int64 or double). */
static gp_rc put_bulk(gp_result *r, int c, bool want_double, const void *v, const uint8_t *nulls,
                      size_t n, gp_err *err) {
  rcol *col = NULL;
  gp_rc rc = col_at(r, c, &col, err);
  if (rc) return rc;
  if (want_double ? col->kind != GP_RK_DOUBLE : !is_int_kind(col->kind))
    return gp_err_set(err, GP_INVALID, "result column \"%s\" does not hold %s values", col->name,
                      want_double ? "double" : "integer");
  if (n == 0) return GP_OK;
  if ((rc = col_grow(col, n, err))) return rc;
  if (nulls && !col->nulls) {
    size_t i = 0;
    while (i < n && !nulls[i]) i++;
    if (i < n && (rc = col_nulls(col, err))) return rc;
  }
  memcpy((char *)col->v.i64 + col->n * 8, v, n * 8);
  if (col->nulls) {
    if (nulls)
      memcpy(col->nulls + col->n, nulls, n);
    else
      memset(col->nulls + col->n, 0, n);
  }
  col->n += n;
  return GP_OK;
}

gp_rc gp_query__result_put_ints(gp_result *r, int c, const int64_t *v, const uint8_t *nulls,
                                size_t n, gp_err *err) {
  return put_bulk(r, c, false, v, nulls, n, err);
}

gp_rc gp_query__result_put_doubles(gp_result *r, int c, const double *v, const uint8_t *nulls,
                                   size_t n, gp_err *err) {
  return put_bulk(r, c, true, v, nulls, n, err);
}

gp_rc gp_query__result_put_int(gp_result *r, int c, int64_t v, gp_err *err) {
  return put_bulk(r, c, false, &v, NULL, 1, err);
}

gp_rc gp_query__result_put_double(gp_result *r, int c, double v, gp_err *err) {
  return put_bulk(r, c, true, &v, NULL, 1, err);
}

gp_rc gp_query__result_put_text(gp_result *r, int c, const char *s, size_t n, gp_err *err) {
  rcol *col = NULL;
  gp_rc rc = col_at(r, c, &col, err);
  if (rc) return rc;
  if (col->kind != GP_RK_TEXT)
    return gp_err_set(err, GP_INVALID, "result column \"%s\" does not hold text", col->name);
  if ((rc = col_grow(col, 1, err))) return rc;
  size_t old = col->heap.len;
  if (gp_buf_reserve(&col->heap, n + 1) != GP_OK)
    return gp_err_set(err, GP_NOMEM, "out of memory for result column \"%s\"", col->name);
  if (n) memcpy(col->heap.p + old, s, n);
  col->heap.p[old + n] = '\0';
  col->heap.len = old + n + 1;
  col->v.end[col->n] = col->heap.len;
  if (col->nulls) col->nulls[col->n] = 0;
  col->n++;
  return GP_OK;
}

gp_rc gp_query__result_put_texts(gp_result *r, int c, const char *const *s, const uint32_t *len,
                                 const uint8_t *nulls, size_t n, gp_err *err) {
  rcol *col = NULL;
  gp_rc rc = col_at(r, c, &col, err);
  if (rc) return rc;
  if (col->kind != GP_RK_TEXT)
    return gp_err_set(err, GP_INVALID, "result column \"%s\" does not hold text", col->name);
  if (n == 0) return GP_OK;
  if ((rc = col_grow(col, n, err))) return rc;
  size_t bytes = 0;
  bool any = false;
  for (size_t i = 0; i < n; i++) {
    bool z = nulls && nulls[i];
    any |= z;
    bytes += (z ? 0 : len[i]) + 1;
  }
  if (any && (rc = col_nulls(col, err))) return rc;
  if (gp_buf_reserve(&col->heap, bytes) != GP_OK)
    return gp_err_set(err, GP_NOMEM, "out of memory for result column \"%s\"", col->name);
  char *h = (char *)col->heap.p;
  size_t at = col->heap.len;
  for (size_t i = 0; i < n; i++) {
    bool z = nulls && nulls[i];
    if (!z && len[i]) memcpy(h + at, s[i], len[i]);
    at += z ? 0 : len[i];
    h[at++] = '\0';
    col->v.end[col->n + i] = at;
    if (col->nulls) col->nulls[col->n + i] = z;
  }
  col->heap.len = at;
  col->n += n;
  return GP_OK;
}

gp_rc gp_query__result_put_null(gp_result *r, int c, gp_err *err) {
  rcol *col = NULL;
  gp_rc rc = col_at(r, c, &col, err);
  if (rc) return rc;
  if ((rc = col_grow(col, 1, err)) || (rc = col_nulls(col, err))) return rc;
  switch (col->kind) {
  case GP_RK_NULL: break;
  case GP_RK_DOUBLE: col->v.f64[col->n] = 0; break;
  case GP_RK_TEXT:
    if (gp_buf_put_u8(&col->heap, 0) != GP_OK)
      return gp_err_set(err, GP_NOMEM, "out of memory for result column \"%s\"", col->name);
    col->v.end[col->n] = col->heap.len;
    break;
  default: col->v.i64[col->n] = 0; break;
  }
  col->nulls[col->n++] = 1;
  return GP_OK;
}

/* ---- accessors ---- */

size_t gp_result_rows(const gp_result *r) {
  if (!r || r->ncols == 0) return 0;
  size_t n = r->cols[0].n;
  for (int c = 1; c < r->ncols; c++)
    if (r->cols[c].n < n) n = r->cols[c].n;
  return n;
}

int gp_result_cols(const gp_result *r) { return r ? r->ncols : 0; }

const char *gp_result_col_name(const gp_result *r, int c) {
  return r && c >= 0 && c < r->ncols ? r->cols[c].name : NULL;
}

gp_result_kind gp_result_col_kind(const gp_result *r, int c) {
  return r && c >= 0 && c < r->ncols ? r->cols[c].kind : GP_RK_NULL;
}

const char *gp_result_status(const gp_result *r) { return r ? r->status : NULL; }

gp_result_geo gp_result_col_geo(const gp_result *r, int c) {
  return r && c >= 0 && c < r->ncols ? r->cols[c].geo : GP_GEO_NONE;
}

void gp_query__result_set_geo(gp_result *r, int c, gp_result_geo geo, const struct gp_grid *g,
                              const struct gp_region_layer *l, int level) {
  if (!r || c < 0 || c >= r->ncols) return;
  rcol *col = &r->cols[c];
  col->geo = geo;
  col->grid = g;
  col->layer = l;
  col->level = level;
}

gp_result_geo gp_query__result_geo(const gp_result *r, int c, const struct gp_grid **g,
                                   const struct gp_region_layer **l, int *level) {
  *g = NULL;
  *l = NULL;
  *level = 0;
  if (!r || c < 0 || c >= r->ncols) return GP_GEO_NONE;
  const rcol *col = &r->cols[c];
  *g = col->grid;
  *l = col->layer;
  *level = col->level;
  return col->geo;
}

bool gp_query__result_int(const gp_result *r, size_t row, int c, int64_t *v) {
  if (!r || c < 0 || c >= r->ncols || row >= r->cols[c].n) return false;
  const rcol *col = &r->cols[c];
  if (!is_int_kind(col->kind) || (col->nulls && col->nulls[row])) return false;
  *v = col->v.i64[row];
  return true;
}

/* Writes the decimal digits of u ending just before end; returns where they start. */
static char *utoa_rev(uint64_t u, char *end) {
  do {
    *--end = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  return end;
}

/* snprintf costs ~100 ns a number, which is most of writing a big result: integers,
 * timestamps and the common doubles are formatted by hand. */
static int int_format(int64_t v, char *buf) {
  char tmp[24], *end = tmp + sizeof tmp;
  char *p = utoa_rev(v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, end);
  if (v < 0) *--p = '-';
  memcpy(buf, p, (size_t)(end - p));
  buf[end - p] = '\0';
  return (int)(end - p);
}

static const double pow10_tab[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};

int gp_query__double_format(double v, char *buf, size_t cap) {
  if (isnan(v)) return snprintf(buf, cap, "nan");
  if (isinf(v)) return snprintf(buf, cap, v < 0 ? "-inf" : "inf");
  /* Fast path, for values with few decimals (sensor readings, money): find the fewest
   * decimals k that make r = v * 10^k a whole number below 2^53 with r / 10^k == v. Both r and
   * 10^k are exact doubles, so r / 10^k is the correctly rounded value of the decimal text,
   * which is what strtod returns for it: the text reads back to v. Example: 48.5 -> k = 1,
   * r = 485 -> "48.5". Below 1e-4 %g would switch to an exponent, so those take the slow path
   * to print the same way. */
  double a = fabs(v);
  if (a < 9007199254740992.0 && (a >= 1e-4 || v == 0) && cap >= 32) {
    for (int k = 0; k < (int)(sizeof pow10_tab / sizeof pow10_tab[0]); k++) {
      double r = a * pow10_tab[k];
      if (r >= 9007199254740992.0) break;
      if (r != trunc(r) || r / pow10_tab[k] != a) continue;
      char tmp[40], *end = tmp + sizeof tmp;
      uint64_t u = (uint64_t)r;
      /* a * 10^k may round to a whole number only at a larger k than the decimals need
       * (1257.2758 at k = 6): r / 10^k is the same rational without the trailing zeros. */
      while (k > 0 && u % 10 == 0) {
        u /= 10;
        k--;
      }
      char *p = end;
      for (int i = 0; i < k; i++) { /* the k decimals, then the point */
        *--p = (char)('0' + u % 10);
        u /= 10;
      }
      if (k) {
        *--p = '.';
      } else { /* a whole number keeps a decimal point, so readers type it as a double */
        end[-2] = '.', end[-1] = '0';
        p = end - 2;
      }
      p = utoa_rev(u, p);
      if (signbit(v) && v != 0) *--p = '-';
      memcpy(buf, p, (size_t)(end - p));
      buf[end - p] = '\0';
      return (int)(end - p);
    }
  }
  /* Shortest of %.15g..%.17g that reads back exactly: 0.1 + 0.2 needs 17 digits,
   * "0.30000000000000004"; 17 digits always round-trip. */
  int n = 0;
  for (int prec = 15; prec <= 17; prec++) {
    n = snprintf(buf, cap, "%.*g", prec, v);
    if (prec == 17 || strtod(buf, NULL) == v) break;
  }
  /* %g writes whole numbers of 16 or 17 digits without a point (9007199254740992) */
  if (n > 0 && (size_t)n + 2 < cap && !memchr(buf, '.', (size_t)n) &&
      !memchr(buf, 'e', (size_t)n)) {
    memcpy(buf + n, ".0", 3);
    n += 2;
  }
  return n;
}

int gp_query__interval_format(int64_t us, char *buf, size_t cap) {
  /* Magnitude as unsigned so that INT64_MIN has one. */
  uint64_t m = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;
  uint64_t days = m / UINT64_C(86400000000), rest = m % UINT64_C(86400000000);
  uint64_t frac = rest % 1000000, secs = rest / 1000000;
  int n = 0;
  if (us < 0) n += snprintf(buf + n, cap - (size_t)n, "-");
  if (days) n += snprintf(buf + n, cap - (size_t)n, "%" PRIu64 " day%s", days, days == 1 ? "" : "s");
  if (rest || !days) {
    n += snprintf(buf + n, cap - (size_t)n, "%s%02u:%02u:%02u", days ? " " : "",
                  (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
    if (frac) n += snprintf(buf + n, cap - (size_t)n, ".%06u", (unsigned)frac);
  }
  return n;
}

const char *gp_result_cell(const gp_result *r, size_t row, int c, size_t *len) {
  size_t dummy;
  if (!len) len = &dummy;
  *len = 0;
  if (!r || c < 0 || c >= r->ncols || row >= r->cols[c].n) return NULL;
  const rcol *col = &r->cols[c];
  if (col->kind == GP_RK_NULL || (col->nulls && col->nulls[row])) return NULL;
  /* The scratch buffer is the one documented mutable part of a result read through a const
   * pointer ("valid until the next call on the same result"). */
  char *s = ((gp_result *)r)->scratch;
  int n;
  switch (col->kind) {
  case GP_RK_TEXT: {
    uint64_t start = row ? col->v.end[row - 1] : 0;
    *len = (size_t)(col->v.end[row] - start - 1);
    return (const char *)col->heap.p + start;
  }
  case GP_RK_BOOL:
    *len = col->v.i64[row] ? 4 : 5;
    return col->v.i64[row] ? "true" : "false";
  case GP_RK_INT: n = int_format(col->v.i64[row], s); break;
  case GP_RK_DOUBLE: n = gp_query__double_format(col->v.f64[row], s, sizeof r->scratch); break;
  case GP_RK_TIMESTAMP: n = gp_ts_format(col->v.i64[row], s, sizeof r->scratch); break;
  case GP_RK_INTERVAL: n = gp_query__interval_format(col->v.i64[row], s, sizeof r->scratch); break;
  case GP_RK_CELL: {
    int64_t cx, cy;
    gp_query__cell_unpack(col->v.i64[row], &cx, &cy);
    n = int_format(cx, s);
    s[n++] = ':';
    n += int_format(cy, s + n);
    break;
  }
  default: return NULL;
  }
  *len = n > 0 ? (size_t)n : 0;
  return s;
}
