/* output.c - results as an aligned table, CSV, JSON, NDJSON or GeoJSON (the modes are
 * described in gp_query.h, "output").
 *
 * CSV and JSON stream row by row through stdio. The table mode needs every column's width
 * before its first line, so it makes two passes over the cells: one to measure, one to write;
 * cells are formatted twice rather than kept, so memory stays one int per column.
 *
 * Table example (numbers right-aligned, header aligned as its column; NULL written NULL, the
 * empty string as nothing; a DOUBLE always with a '.' or an exponent, as gp_result_cell gives):
 *      city  |  n |  avg
 *     -------+----+------
 *      南京  | 12 | 0.25
 *      Paris |  3 | NULL
 *            |  0 |  1.0
 *     (3 rows)
 * '南京' is drawn four cells wide (terminals give CJK characters two), so it gets one blank
 * to the width of "Paris". No line ends in blanks.
 *
 * GeoJSON is the one mode that does more than format: a row's geometry is built from the
 * column metadata the executor left (gp_query__result_set_geo), only when this mode asks, so
 * other modes pay nothing for it. Example, one 1 km cell and a count:
 *     {"type":"FeatureCollection","features":[
 *     {"type":"Feature","properties":{"c":"620:3751","n":4},"geometry":{"type":"Polygon",
 *      "coordinates":[[[118.29..,33.89..],[..],[..],[..],[118.29..,33.89..]]]}}
 *     ]}
 * (one Feature per line). */
#include "gp_query.h"
#include "gp_query_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gp_grid.h"
#include "gp_region.h"

bool gp_out_mode_parse(const char *s, gp_out_mode *m) {
  static const struct { const char *name; gp_out_mode m; } modes[] = {
      {"table", GP_OUT_TABLE}, {"csv", GP_OUT_CSV}, {"json", GP_OUT_JSON},
      {"ndjson", GP_OUT_NDJSON}, {"jsonl", GP_OUT_NDJSON}, {"geojson", GP_OUT_GEOJSON},
  };
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
    if (strcasecmp(s, modes[i].name) == 0) {
      *m = modes[i].m;
      return true;
    }
  return false;
}

static bool is_numeric(gp_result_kind k) { return k == GP_RK_INT || k == GP_RK_DOUBLE; }

/* Output goes through a private 64 KiB buffer: per-character fputc (and its lock) cost more
 * than the formatting of a big result. */
typedef struct ow {
  FILE *f;
  size_t n;          /* bytes in b */
  bool failed;       /* a flush was short */
  char b[1 << 16];
} ow;

static void ow_flush(ow *w) {
  if (w->n && fwrite(w->b, 1, w->n, w->f) != w->n) w->failed = true;
  w->n = 0;
}

static void ow_put(ow *w, const char *s, size_t n) {
  if (n > sizeof w->b - w->n) {
    ow_flush(w);
    if (n > sizeof w->b) {
      if (fwrite(s, 1, n, w->f) != n) w->failed = true;
      return;
    }
  }
  memcpy(w->b + w->n, s, n);
  w->n += n;
}

static inline void ow_c(ow *w, char c) {
  if (w->n == sizeof w->b) ow_flush(w);
  w->b[w->n++] = c;
}

static void ow_s(ow *w, const char *s) { ow_put(w, s, strlen(s)); }

/* ---- table ---- */

/* Whether code point u is drawn two cells wide by terminals: the East Asian Wide and
 * Fullwidth blocks (Hangul Jamo, CJK radicals to Yi, Hangul syllables, CJK compatibility,
 * vertical and small forms, fullwidth forms, and the supplementary ideographic planes). A fixed
 * table rather than wcwidth(), so that output does not depend on the locale. */
static bool wide(uint32_t u) {
  static const uint32_t r[][2] = {{0x1100, 0x115F},   {0x2E80, 0x303E},   {0x3041, 0x33FF},
                                  {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
                                  {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE30, 0xFE4F},
                                  {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F300, 0x1F64F},
                                  {0x1F900, 0x1F9FF}, {0x20000, 0x3FFFD}};
  for (size_t k = 0; k < sizeof r / sizeof r[0]; k++)
    if (u >= r[k][0] && u <= r[k][1]) return true;
  return false;
}

/* Display width of s as the table mode writes it, in terminal cells: wide characters (see
 * wide()) take two, \n, \r and \t are shown as two-character escapes, other control bytes
 * as '?'. Text is valid UTF-8 (the loader and the lexer check it). */
static size_t disp_width(const char *s, size_t n) {
  size_t w = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if ((ch & 0xC0) == 0x80) continue; /* continuation byte: same code point */
    if (ch >= 0xE0) {                  /* 3 or 4 bytes: maybe wide */
      int len = ch >= 0xF0 ? 4 : 3;
      uint32_t u = ch & (ch >= 0xF0 ? 0x07 : 0x0F);
      for (int k = 1; k < len && i + (size_t)k < n; k++) u = u << 6 | ((unsigned char)s[i + k] & 0x3F);
      w += wide(u) ? 2 : 1;
      continue;
    }
    w += (ch == '\n' || ch == '\r' || ch == '\t') ? 2 : 1;
  }
  return w;
}

static void put_disp(const char *s, size_t n, ow *f) {
  size_t run = 0; /* bytes since the last escaped one, written in one call */
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch >= 0x20 && ch != 0x7f) continue;
    ow_put(f, s + run, i - run);
    run = i + 1;
    if (ch == '\n') ow_s(f, "\\n");
    else if (ch == '\r') ow_s(f, "\\r");
    else if (ch == '\t') ow_s(f, "\\t");
    else ow_c(f, '?');
  }
  ow_put(f, s + run, n - run);
}

static void pad(size_t n, ow *f) {
  static const char blanks[] = "                                ";
  while (n > 0) {
    size_t k = n < sizeof blanks - 1 ? n : sizeof blanks - 1;
    ow_put(f, blanks, k);
    n -= k;
  }
}

/* How the table mode shows NULL, so that it differs from the empty string (DuckDB's CLI). */
static const char table_null[] = "NULL";

/* Writes s[0..n) (NULL: table_null) padded to width cells. */
static void put_cell(const char *s, size_t n, size_t width, bool right, ow *f) {
  if (!s) {
    s = table_null;
    n = sizeof table_null - 1;
  }
  size_t w = disp_width(s, n);
  size_t fill = width > w ? width - w : 0;
  if (right) pad(fill, f);
  put_disp(s, n, f);
  if (!right) pad(fill, f);
}

static gp_rc write_table(const gp_result *r, ow *f, gp_err *err) {
  int nc = gp_result_cols(r);
  size_t rows = gp_result_rows(r);
  size_t *w = GP_MALLOC((size_t)nc * sizeof *w);
  if (!w) return gp_err_set(err, GP_NOMEM, "out of memory for %d column widths", nc);
  for (int c = 0; c < nc; c++) {
    const char *name = gp_result_col_name(r, c);
    w[c] = disp_width(name, strlen(name));
  }
  for (size_t i = 0; i < rows; i++)
    for (int c = 0; c < nc; c++) {
      size_t n;
      const char *s = gp_result_cell(r, i, c, &n);
      size_t cw = s ? disp_width(s, n) : sizeof table_null - 1;
      if (cw > w[c]) w[c] = cw;
    }
  for (int c = 0; c < nc; c++) {
    const char *name = gp_result_col_name(r, c);
    bool right = is_numeric(gp_result_col_kind(r, c));
    ow_s(f, c ? " | " : " ");
    put_cell(name, strlen(name), (c == nc - 1 && !right) ? 0 : w[c], right, f);
  }
  ow_c(f, '\n');
  for (int c = 0; c < nc; c++) {
    if (c) ow_c(f, '+');
    for (size_t k = 0; k < w[c] + 2; k++) ow_c(f, '-');
  }
  ow_c(f, '\n');
  for (size_t i = 0; i < rows; i++) {
    for (int c = 0; c < nc; c++) {
      size_t n;
      const char *s = gp_result_cell(r, i, c, &n);
      /* The last left-aligned cell needs no trailing blanks (nor has its header). */
      bool right = is_numeric(gp_result_col_kind(r, c));
      if (c == nc - 1 && s && n == 0) {
        ow_s(f, c ? " |" : "");
        break;
      }
      ow_s(f, c ? " | " : " ");
      put_cell(s, n, (c == nc - 1 && !right) ? 0 : w[c], right, f);
    }
    ow_c(f, '\n');
  }
  char tail[48];
  int n = snprintf(tail, sizeof tail, "(%zu row%s)\n", rows, rows == 1 ? "" : "s");
  ow_put(f, tail, (size_t)n);
  GP_FREE(w);
  return GP_OK;
}

/* ---- CSV ---- */

static void csv_field(const char *s, size_t n, bool is_null, ow *f) {
  if (is_null) return;
  bool quote = n == 0; /* "" keeps the empty string apart from NULL */
  for (size_t i = 0; i < n && !quote; i++)
    quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
  if (!quote) {
    ow_put(f, s, n);
    return;
  }
  ow_c(f, '"');
  size_t run = 0;
  for (size_t i = 0; i < n; i++)
    if (s[i] == '"') {
      ow_put(f, s + run, i + 1 - run); /* through the quote, which is then doubled */
      ow_c(f, '"');
      run = i + 1;
    }
  ow_put(f, s + run, n - run);
  ow_c(f, '"');
}

static gp_rc write_csv(const gp_result *r, ow *f) {
  int nc = gp_result_cols(r);
  size_t rows = gp_result_rows(r);
  for (int c = 0; c < nc; c++) {
    const char *name = gp_result_col_name(r, c);
    if (c) ow_c(f, ',');
    csv_field(name, strlen(name), false, f);
  }
  ow_c(f, '\n');
  for (size_t i = 0; i < rows; i++) {
    for (int c = 0; c < nc; c++) {
      size_t n;
      const char *s = gp_result_cell(r, i, c, &n);
      if (c) ow_c(f, ',');
      csv_field(s, n, s == NULL, f);
    }
    ow_c(f, '\n');
  }
  return GP_OK;
}

/* ---- JSON ---- */

/* Length of the valid UTF-8 sequence at s[0..n), or 0 when it is not one (overlong forms,
 * surrogates and code points past U+10FFFF are invalid too, as JSON parsers require). */
static size_t utf8_seq(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  size_t len;
  uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07;
  else return 0;
  if (len > n) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (s[i] & 0x3F);
  }
  if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
      (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
    return 0;
  return len;
}

static void json_string(const char *s, size_t n, ow *f) {
  const unsigned char *u = (const unsigned char *)s;
  ow_c(f, '"');
  size_t run = 0;
  for (size_t i = 0; i < n;) {
    unsigned char ch = u[i];
    size_t len = 1;
    const char *esc = NULL;
    char hex[8];
    if (ch == '"') esc = "\\\"";
    else if (ch == '\\') esc = "\\\\";
    else if (ch == '\n') esc = "\\n";
    else if (ch == '\r') esc = "\\r";
    else if (ch == '\t') esc = "\\t";
    else if (ch < 0x20) {
      snprintf(hex, sizeof hex, "\\u%04x", ch);
      esc = hex;
    } else if (ch >= 0x80 && (len = utf8_seq(u + i, n - i)) == 0) {
      esc = "\\ufffd";
      len = 1;
    }
    if (esc) {
      ow_put(f, s + run, i - run);
      ow_s(f, esc);
      run = i + len;
    }
    i += len;
  }
  ow_put(f, s + run, n - run);
  ow_c(f, '"');
}

/* One row as a JSON object; iso_ts writes timestamps as ISO 8601 UTC ("2024-08-02T01:00:00Z",
 * GeoJSON mode) instead of the SQL form ("2024-08-02 01:00:00"). */
static void json_object(const gp_result *r, size_t row, bool iso_ts, ow *f) {
  int nc = gp_result_cols(r);
  ow_c(f, '{');
  for (int c = 0; c < nc; c++) {
    const char *name = gp_result_col_name(r, c);
    if (c) ow_c(f, ',');
    json_string(name, strlen(name), f);
    ow_c(f, ':');
    size_t n;
    const char *s = gp_result_cell(r, row, c, &n);
    gp_result_kind k = gp_result_col_kind(r, c);
    if (!s) {
      ow_s(f, "null");
    } else if (k == GP_RK_INT || k == GP_RK_BOOL) {
      ow_put(f, s, n);
    } else if (k == GP_RK_DOUBLE) {
      /* nan and inf have no JSON spelling. */
      bool finite = strcmp(s, "nan") != 0 && strcmp(s, "inf") != 0 && strcmp(s, "-inf") != 0;
      if (finite)
        ow_put(f, s, n);
      else
        ow_s(f, "null");
    } else if (k == GP_RK_TIMESTAMP && iso_ts) {
      /* gp_ts_format's "YYYY-MM-DD HH:MM:SS[.ffffff]" is UTC: one 'T' and a 'Z' make it ISO */
      const char *sp = memchr(s, ' ', n);
      ow_c(f, '"');
      if (sp) {
        ow_put(f, s, (size_t)(sp - s));
        ow_c(f, 'T');
        ow_put(f, sp + 1, n - (size_t)(sp - s) - 1);
        ow_c(f, 'Z');
      } else {
        ow_put(f, s, n);
      }
      ow_c(f, '"');
    } else {
      json_string(s, n, f);
    }
  }
  ow_c(f, '}');
}

static gp_rc write_json(const gp_result *r, bool array, ow *f) {
  size_t rows = gp_result_rows(r);
  if (array && rows == 0) {
    ow_s(f, "[]\n");
    return GP_OK;
  }
  for (size_t i = 0; i < rows; i++) {
    if (array) ow_s(f, i ? ",\n" : "[\n");
    json_object(r, i, false, f);
    if (!array) ow_c(f, '\n');
  }
  if (array) ow_s(f, "\n]\n");
  return GP_OK;
}

/* The type name of a result column in typed JSON (gp_result_write_typed). */
static const char *kind_name(gp_result_kind k) {
  switch (k) {
  case GP_RK_NULL: return "NULL";
  case GP_RK_BOOL: return "BOOLEAN";
  case GP_RK_INT: return "INT";
  case GP_RK_DOUBLE: return "DOUBLE";
  case GP_RK_TIMESTAMP: return "TIMESTAMP";
  case GP_RK_INTERVAL: return "INTERVAL";
  case GP_RK_TEXT: return "TEXT";
  case GP_RK_CELL: return "CELL";
  }
  return "TEXT";
}

/* One row as a JSON array of its values, written as json_object writes them. */
static void json_values(const gp_result *r, size_t row, ow *f) {
  int nc = gp_result_cols(r);
  ow_c(f, '[');
  for (int c = 0; c < nc; c++) {
    if (c) ow_c(f, ',');
    size_t n;
    const char *s = gp_result_cell(r, row, c, &n);
    gp_result_kind k = gp_result_col_kind(r, c);
    if (!s) ow_s(f, "null");
    else if (k == GP_RK_INT || k == GP_RK_BOOL) ow_put(f, s, n);
    else if (k == GP_RK_DOUBLE)
      ow_s(f, strcmp(s, "nan") && strcmp(s, "inf") && strcmp(s, "-inf") ? s : "null");
    else json_string(s, n, f);
  }
  ow_c(f, ']');
}

gp_rc gp_result_write_typed(const gp_result *r, FILE *f, gp_err *err) {
  ow *w = GP_MALLOC(sizeof *w);
  if (!w) return gp_err_set(err, GP_NOMEM, "out of memory for the output buffer");
  w->f = f;
  w->n = 0;
  w->failed = false;
  clearerr(f);
  int nc = gp_result_cols(r);
  const char *st = gp_result_status(r);
  ow_c(w, '{');
  if (nc > 0) {
    ow_s(w, "\"columns\":[");
    for (int c = 0; c < nc; c++) {
      const char *name = gp_result_col_name(r, c);
      ow_s(w, c ? ",{\"name\":" : "{\"name\":");
      json_string(name, strlen(name), w);
      ow_s(w, ",\"type\":\"");
      ow_s(w, kind_name(gp_result_col_kind(r, c)));
      ow_s(w, "\"}");
    }
    ow_s(w, "],\"rows\":[");
    size_t rows = gp_result_rows(r);
    for (size_t i = 0; i < rows; i++) {
      ow_s(w, i ? ",\n" : "\n");
      json_values(r, i, w);
    }
    ow_s(w, "]");
  }
  if (st) {
    ow_s(w, nc > 0 ? ",\"status\":" : "\"status\":");
    json_string(st, strlen(st), w);
  }
  ow_c(w, '}');
  ow_flush(w);
  gp_rc rc = GP_OK;
  if (w->failed || fflush(f) != 0 || ferror(f))
    rc = gp_err_set(err, GP_IO, "cannot write the result: %s", strerror(errno));
  GP_FREE(w);
  return rc;
}

void gp_result_write_json_string(const char *s, size_t n, FILE *f) {
  ow w = {.f = f};
  json_string(s, n, &w);
  ow_flush(&w);
}

/* ---- GeoJSON ---- */

/* How the rows of one result get their geometry (the rules in gp_query.h). */
typedef struct gj {
  int gcol;                       /* the geometry column (rule 1), or -1 */
  gp_result_geo geo;
  const gp_grid *g;               /* borrowed from the result */
  const gp_region_layer *l;
  int level;
  int lon, lat;                   /* rule 2's columns, or -1 */
  gp_buf cache;                   /* REGION: the GeoJSON of each region met so far... */
  size_t *beg, *end;              /* ...at cache[beg[i], end[i]); end[i] == 0: not yet made,
                                     beg[i] == SIZE_MAX: it has none (null geometry) */
} gj;

/* A coordinate with at most 9 decimals (0.1 mm) and no trailing zeros, as gp_region_geojson
 * writes them, so cells and regions print alike. */
static void put_coord(ow *f, double v) {
  char b[48];
  int n = snprintf(b, sizeof b, "%.9f", v);
  while (n > 1 && b[n - 1] == '0') n--;
  if (b[n - 1] == '.') n--;
  if (n == 2 && b[0] == '-' && b[1] == '0') { /* -0.0000000001 is "0" */
    b[0] = '0';
    n = 1;
  }
  ow_put(f, b, (size_t)n);
}

static bool name_is(const char *name, const char *a, const char *b) {
  return strcasecmp(name, a) == 0 || strcasecmp(name, b) == 0;
}

static bool is_numeric_col(const gp_result *r, int c) {
  gp_result_kind k = gp_result_col_kind(r, c);
  return k == GP_RK_INT || k == GP_RK_DOUBLE;
}

static void gj_plan(const gp_result *r, gj *p) {
  int nc = gp_result_cols(r);
  p->gcol = p->lon = p->lat = -1;
  for (int c = 0; c < nc && p->gcol < 0; c++)
    if (gp_result_col_geo(r, c) != GP_GEO_NONE) {
      p->geo = gp_query__result_geo(r, c, &p->g, &p->l, &p->level);
      /* a column marked without what drawing it needs is not drawn (not an error) */
      if ((p->geo == GP_GEO_CELL && p->g) || (p->geo == GP_GEO_REGION && p->l)) p->gcol = c;
    }
  for (int c = 0; c < nc && p->gcol < 0; c++) {
    const char *name = gp_result_col_name(r, c);
    if (!is_numeric_col(r, c)) continue;
    if (p->lon < 0 && name_is(name, "lon", "longitude")) p->lon = c;
    if (p->lat < 0 && name_is(name, "lat", "latitude")) p->lat = c;
  }
}

/* A numeric cell as a finite double; false when NULL or not finite. */
static bool cell_num(const gp_result *r, size_t row, int c, double *v) {
  size_t n;
  const char *s = gp_result_cell(r, row, c, &n);
  if (!s) return false;
  *v = strtod(s, NULL);
  return isfinite(*v);
}

/* Writes row's geometry (or null). Fails only when out of memory. */
static gp_rc gj_geometry(const gp_result *r, size_t row, gj *p, ow *f, gp_err *err) {
  if (p->gcol >= 0 && p->geo == GP_GEO_CELL) {
    int64_t v, cx, cy;
    double lon[5], lat[5];
    bool ok = gp_query__result_int(r, row, p->gcol, &v);
    if (ok) {
      gp_query__cell_unpack(v, &cx, &cy);
      ok = gp_grid_cell_ring_ll(p->g, cx, cy, p->level, lon, lat, NULL) == GP_OK;
    }
    for (int k = 0; k < 5 && ok; k++) ok = isfinite(lon[k]) && isfinite(lat[k]);
    if (!ok) {
      ow_s(f, "null");
      return GP_OK;
    }
    ow_s(f, "{\"type\":\"Polygon\",\"coordinates\":[[");
    for (int k = 0; k < 5; k++) {
      ow_s(f, k ? ",[" : "[");
      put_coord(f, lon[k]);
      ow_c(f, ',');
      put_coord(f, lat[k]);
      ow_c(f, ']');
    }
    ow_s(f, "]]}");
    return GP_OK;
  }
  if (p->gcol >= 0 && p->geo == GP_GEO_REGION) {
    size_t n;
    const char *id = gp_result_cell(r, row, p->gcol, &n);
    long i = id ? gp_region_find(p->l, id, n) : -1;
    if (i < 0) {
      ow_s(f, "null");
      return GP_OK;
    }
    if (!p->beg) {
      size_t cnt = gp_region_count(p->l);
      p->beg = GP_CALLOC(cnt + 1, sizeof *p->beg);
      p->end = GP_CALLOC(cnt + 1, sizeof *p->end);
      if (!p->beg || !p->end) return gp_err_set(err, GP_NOMEM, "out of memory for GeoJSON");
    }
    if (!p->end[i] && p->beg[i] != SIZE_MAX) {
      gp_err e = {0};
      size_t at = p->cache.len;
      gp_rc rc = gp_region_geojson(p->l, (size_t)i, p->g, &p->cache, &e);
      if (rc == GP_NOMEM) return gp_err_set(err, rc, "%s", e.msg);
      /* anything else (a vertex PROJ cannot invert, a damaged layer) leaves this region
       * without a geometry rather than failing the whole output */
      p->cache.len = rc ? at : p->cache.len;
      p->beg[i] = rc ? SIZE_MAX : at;
      p->end[i] = rc ? 0 : p->cache.len;
    }
    if (p->beg[i] == SIZE_MAX) ow_s(f, "null");
    else ow_put(f, (const char *)p->cache.p + p->beg[i], p->end[i] - p->beg[i]);
    return GP_OK;
  }
  double lon, lat;
  if (p->lon >= 0 && p->lat >= 0 && cell_num(r, row, p->lon, &lon) &&
      cell_num(r, row, p->lat, &lat)) {
    ow_s(f, "{\"type\":\"Point\",\"coordinates\":[");
    put_coord(f, lon);
    ow_c(f, ',');
    put_coord(f, lat);
    ow_s(f, "]}");
    return GP_OK;
  }
  ow_s(f, "null");
  return GP_OK;
}

static gp_rc write_geojson(const gp_result *r, ow *f, gp_err *err) {
  gj p;
  memset(&p, 0, sizeof p);
  gj_plan(r, &p);
  size_t rows = gp_result_rows(r);
  gp_rc rc = GP_OK;
  ow_s(f, "{\"type\":\"FeatureCollection\",\"features\":[");
  for (size_t i = 0; i < rows && !rc; i++) {
    ow_s(f, i ? ",\n{\"type\":\"Feature\",\"properties\":" : "\n{\"type\":\"Feature\",\"properties\":");
    json_object(r, i, true, f);
    ow_s(f, ",\"geometry\":");
    rc = gj_geometry(r, i, &p, f, err);
    ow_c(f, '}');
  }
  ow_s(f, rows ? "\n]}\n" : "]}\n");
  GP_FREE(p.beg);
  GP_FREE(p.end);
  gp_buf_free(&p.cache);
  return rc;
}

gp_rc gp_result_write(const gp_result *r, gp_out_mode m, FILE *f, gp_err *err) {
  if (m < GP_OUT_TABLE || m > GP_OUT_GEOJSON)
    return gp_err_set(err, GP_INVALID, "unknown output mode %d", (int)m);
  ow *w = GP_MALLOC(sizeof *w);
  if (!w) return gp_err_set(err, GP_NOMEM, "out of memory for the output buffer");
  w->f = f;
  w->n = 0;
  w->failed = false;
  gp_rc rc = GP_OK;
  clearerr(f);
  if (gp_result_cols(r) == 0) {
    const char *st = gp_result_status(r);
    if (st) {
      ow_s(w, st);
      ow_c(w, '\n');
    }
  } else {
    switch (m) {
    case GP_OUT_TABLE: rc = write_table(r, w, err); break;
    case GP_OUT_CSV: rc = write_csv(r, w); break;
    case GP_OUT_JSON: rc = write_json(r, true, w); break;
    case GP_OUT_NDJSON: rc = write_json(r, false, w); break;
    case GP_OUT_GEOJSON: rc = write_geojson(r, w, err); break;
    }
  }
  ow_flush(w);
  if (rc == GP_OK && (w->failed || fflush(f) != 0 || ferror(f)))
    rc = gp_err_set(err, GP_IO, "cannot write the result: %s", strerror(errno));
  GP_FREE(w);
  return rc;
}
