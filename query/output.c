/* output.c - results as an aligned table, CSV, JSON or NDJSON (the modes are described in
 * gp_query.h, "output").
 *
 * CSV and JSON stream row by row through stdio. The table mode needs every column's width
 * before its first line, so it makes two passes over the cells: one to measure, one to write;
 * cells are formatted twice rather than kept, so memory stays one int per column.
 *
 * Table example (NULL as an empty cell; numbers right-aligned, header aligned as its column):
 *      city  |  n | avg
 *     -------+----+------
 *      南京    | 12 | 0.25
 *      Paris |  3 |
 *     (2 rows)
 * '南京' is two code points, so it gets three blanks to the width of "Paris" (a terminal
 * draws CJK characters two cells wide, so such columns look ragged: the price of not
 * depending on the locale's wcwidth). No line ends in blanks. */
#include "gp_query.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

bool gp_out_mode_parse(const char *s, gp_out_mode *m) {
  static const struct { const char *name; gp_out_mode m; } modes[] = {
      {"table", GP_OUT_TABLE}, {"csv", GP_OUT_CSV}, {"json", GP_OUT_JSON},
      {"ndjson", GP_OUT_NDJSON}, {"jsonl", GP_OUT_NDJSON},
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

/* Display width in code points of s as the table mode writes it: \n, \r and \t are shown as
 * two-character escapes, other control bytes as '?'. */
static size_t disp_width(const char *s, size_t n) {
  size_t w = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if ((ch & 0xC0) == 0x80) continue; /* continuation byte: same code point */
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

static void put_cell(const char *s, size_t n, size_t width, bool right, ow *f) {
  size_t w = s ? disp_width(s, n) : 0;
  size_t fill = width > w ? width - w : 0;
  if (right) pad(fill, f);
  if (s) put_disp(s, n, f);
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
      if (s) {
        size_t cw = disp_width(s, n);
        if (cw > w[c]) w[c] = cw;
      }
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
      if (c == nc - 1 && (!s || n == 0)) {
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

static void json_object(const gp_result *r, size_t row, ow *f) {
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
    json_object(r, i, f);
    if (!array) ow_c(f, '\n');
  }
  if (array) ow_s(f, "\n]\n");
  return GP_OK;
}

gp_rc gp_result_write(const gp_result *r, gp_out_mode m, FILE *f, gp_err *err) {
  if (m < GP_OUT_TABLE || m > GP_OUT_NDJSON)
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
    }
  }
  ow_flush(w);
  if (rc == GP_OK && (w->failed || fflush(f) != 0 || ferror(f)))
    rc = gp_err_set(err, GP_IO, "cannot write the result: %s", strerror(errno));
  GP_FREE(w);
  return rc;
}
