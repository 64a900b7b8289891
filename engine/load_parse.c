/* load_parse.c - the parallel part of a load: one record-aligned segment of the input parsed
 * into rows (CSV fields or NDJSON keys to typed columns, every bad value a reject naming its
 * line and column), and the rows' lon/lat projected into cells. Each call touches only its
 * segment and reads the loader, so OpenMP threads take segments in parallel (see load.c). */
#include "load_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- rejects and messages ---- */

void gp_load__reject(seg *s, size_t line, const char *rec, size_t col, const char *fmt, ...) {
  if (s->nrej == s->caprej) {
    size_t nc = s->caprej ? s->caprej * 2 : 16;
    reject *r = GP_REALLOC(s->rej, nc * sizeof *r);
    if (!r) {
      gp_err_set(&s->err, GP_NOMEM, "out of memory");
      return;
    }
    s->rej = r;
    s->caprej = nc;
  }
  reject *r = &s->rej[s->nrej++];
  r->line = line;
  r->col = col;
  r->rec = rec;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->msg, sizeof r->msg, fmt, ap);
  va_end(ap);
}

/* Quotes a field for a message: at most 40 bytes, non-printable bytes as '?'. */
const char *gp_load__show(const gp_field *f, char *buf) {
  size_t n = f->len < 40 ? f->len : 40, k = 0;
  buf[k++] = '"';
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)f->p[i];
    buf[k++] = c >= 32 && c < 127 ? (char)c : '?';
  }
  if (f->len > 40) {
    memcpy(buf + k, "...", 3);
    k += 3;
  }
  buf[k++] = '"';
  buf[k] = '\0';
  return buf;
}

size_t gp_load__count_nl(const char *p, const char *end) {
  size_t n = 0;
  while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
    n++;
    p++;
  }
  return n;
}

/* ---- parsing one segment ---- */

static gp_rc seg_reserve(seg *s, size_t n) {
  if (gp_rows_reserve(&s->rows, n)) return GP_NOMEM;
  if (s->rows.cap > 0) {
    uint32_t *l = GP_REALLOC(s->line, s->rows.cap * sizeof *l);
    if (!l) return GP_NOMEM;
    s->line = l;
    const char **rp = GP_REALLOC(s->rec, s->rows.cap * sizeof *rp);
    if (!rp) return GP_NOMEM;
    s->rec = rp;
  }
  return GP_OK;
}

void gp_load__clear_row_nulls(gp_rows *r, size_t i) {
  for (int c = 0; c < r->ncols; c++)
    if (r->cols[c].nulls) r->cols[c].nulls[i >> 3] &= (uint8_t) ~(1u << (i & 7));
}

bool gp_load__field_null(const gp_load_opts *o, gp_format fmt, const gp_field *f) {
  if (f->null || (!f->quoted && f->len == 0)) return true;
  if (fmt != GP_FMT_CSV) return false;
  for (size_t k = 0; k < o->nnullstr; k++)
    if (strlen(o->nullstr[k]) == f->len && memcmp(o->nullstr[k], f->p, f->len) == 0) return true;
  return false;
}

/* Converts the fields of one record into row s->rows.n; returns false (after reporting) when
 * the record is rejected. fields[c] is the value of table column c. */
static bool convert_row(loader *L, seg *s, size_t line, const char *rec, const gp_field *fields,
                        const size_t *cols) {
  const gp_table *t = L->t;
  gp_rows *r = &s->rows;
  size_t i = r->n;
  char buf[64];
  const char *z;
  size_t nul_at = 0;
  int nul_c = 0;
  for (int c = 0; c < t->ncols; c++) {
    const gp_field *f = &fields[c];
    gp_col *col = &r->cols[c];
    size_t at = cols ? cols[c] : 0;
    const char *name = t->cols[c].name;
    bool null = gp_load__field_null(L->o, L->fmt, f);
    if (null) {
      if (c == t->time_col) {
        gp_load__reject(s, line, rec, at, "missing time in column '%s'", name);
        goto bad;
      }
      if (t->loc == GP_LOC_LONLAT && (c == t->lon_col || c == t->lat_col)) {
        /* both empty: a row without a position (a ticket nobody located), kept with NULL
         * lon/lat and no cell; one of the two alone is a broken row */
        const gp_field *o = &fields[c == t->lon_col ? t->lat_col : t->lon_col];
        if (!gp_load__field_null(L->o, L->fmt, o)) {
          gp_load__reject(s, line, rec, at, "missing %s in column '%s' (the %s is given)",
                          c == t->lon_col ? "lon" : "lat", name, c == t->lon_col ? "lat" : "lon");
          goto bad;
        }
      }
      if (c == t->key_col || (t->loc == GP_LOC_FROM && c == t->loc_col)) {
        gp_load__reject(s, line, rec, at, "missing key in column '%s'", name);
        goto bad;
      }
      if (gp_col_set_null(col, i, r->cap)) goto nomem;
      if (col->type == GP_T_DOUBLE) col->f64[i] = 0;
      else if (col->type == GP_T_TEXT) {
        col->str[i] = (const char *)(uintptr_t)r->text.len;
        col->len[i] = 0;
      } else col->i64[i] = 0;
      continue;
    }
    switch (col->type) {
      case GP_T_INT:
        if (!gp_parse_int64(f->p, f->len, &col->i64[i])) {
          gp_load__reject(s, line, rec, at, "column '%s': bad integer %s", name,
                          gp_load__show(f, buf));
          goto bad;
        }
        break;
      case GP_T_DOUBLE: {
        double v;
        if (!gp_parse_double(f->p, f->len, &v)) {
          gp_load__reject(s, line, rec, at, "column '%s': bad number %s", name,
                          gp_load__show(f, buf));
          goto bad;
        }
        if (t->loc == GP_LOC_LONLAT && (c == t->lon_col || c == t->lat_col)) {
          double lim = c == t->lon_col ? 180 : 90;
          if (!(v >= -lim && v <= lim)) {
            gp_load__reject(s, line, rec, at, "%s %s out of range [-%g, %g]",
                            c == t->lon_col ? "lon" : "lat", gp_load__show(f, buf), lim, lim);
            goto bad;
          }
        }
        col->f64[i] = v;
        break;
      }
      case GP_T_TIMESTAMP:
        if (!gp_ts_parse(f->p, f->len, &col->i64[i])) {
          gp_load__reject(s, line, rec, at, "column '%s': bad timestamp %s", name,
                          gp_load__show(f, buf));
          goto bad;
        }
        break;
      case GP_T_SYMBOL: {
        if (!gp_utf8_valid(f->p, f->len)) {
          gp_load__reject(s, line, rec, at, "column '%s': invalid UTF-8", name);
          goto bad;
        }
        if ((z = memchr(f->p, '\0', f->len)) != NULL) {
          nul_c = c; /* the byte's own column when the value is a slice of the record */
          nul_at = at ? at + (size_t)(z - f->p) : 0;
          goto nul;
        }
        int64_t id = gp_db_sym_find(L->db, t, c, f->p, f->len);
        col->i64[i] = id;
        if (id < 0) {
          if (s->npend == s->cappend) {
            size_t nc = s->cappend ? s->cappend * 2 : 64;
            pending_sym *p = GP_REALLOC(s->pend, nc * sizeof *p);
            if (!p) goto nomem;
            s->pend = p;
            s->cappend = nc;
          }
          s->pend[s->npend++] =
              (pending_sym){(uint32_t)i, (uint8_t)c, (uint32_t)s->pend_text.len, f->len};
          if (gp_buf_put(&s->pend_text, f->p, f->len)) goto nomem;
        }
        break;
      }
      case GP_T_TEXT:
        if (!gp_utf8_valid(f->p, f->len)) {
          gp_load__reject(s, line, rec, at, "column '%s': invalid UTF-8", name);
          goto bad;
        }
        if ((z = memchr(f->p, '\0', f->len)) != NULL) {
          nul_c = c; /* the byte's own column when the value is a slice of the record */
          nul_at = at ? at + (size_t)(z - f->p) : 0;
          goto nul;
        }
        /* an offset into rows.text until the segment is done (the buffer may move) */
        col->str[i] = (const char *)(uintptr_t)r->text.len;
        col->len[i] = f->len;
        if (gp_buf_put(&r->text, f->p, f->len)) goto nomem;
        break;
    }
  }
  s->line[i] = (uint32_t)line;
  s->rec[i] = rec;
  r->n++;
  return true;
nul:
  /* As PostgreSQL does ("invalid byte sequence for encoding UTF8: 0x00"): a NUL would be
   * stored, then cut short by every C string and printed raw. */
  gp_load__reject(s, line, rec, nul_at, "column '%s': NUL byte (0x00) in a string",
                  t->cols[nul_c].name);
  goto bad;
nomem:
  gp_err_set(&s->err, GP_NOMEM, "out of memory");
bad:
  /* symbols queued for this row must not outlive it */
  while (s->npend && s->pend[s->npend - 1].row == i) s->npend--;
  gp_load__clear_row_nulls(r, i);
  return false;
}

void gp_load__parse_segment(loader *L, seg *s) {
  const gp_table *t = L->t;
  gp_field ff[MAX_FIELDS + 1], fields[MAX_FIELDS];
  size_t cols[MAX_FIELDS];
  size_t line = 0;
  const char *p = s->p;
  /* a rough row estimate keeps reallocations rare */
  if (seg_reserve(s, (size_t)(s->end - s->p) / 48 + 16)) {
    gp_err_set(&s->err, GP_NOMEM, "out of memory");
    return;
  }
  while (p < s->end && s->err.rc == GP_OK) {
    const char *e;
    if (L->fmt == GP_FMT_CSV) {
      e = gp_csv_record_end(p, s->end, L->delim);
    } else {
      e = memchr(p, '\n', (size_t)(s->end - p));
      e = e ? e + 1 : s->end;
    }
    size_t nl = L->fmt == GP_FMT_CSV ? gp_load__count_nl(p, e) : (e[-1] == '\n');
    size_t here = line;
    line += nl ? nl : 1;
    const char *q = e;
    while (q > p && (q[-1] == '\n' || q[-1] == '\r')) q--;
    const char *rec = p;
    p = e;
    if (q == rec) continue; /* blank line */
    if ((size_t)(q - rec) > L->max_line) {
      gp_load__reject(s, here, rec, 0, "line longer than %zu bytes", L->max_line);
      continue;
    }
    if (s->rows.n == s->rows.cap && seg_reserve(s, s->rows.cap * 2)) {
      gp_err_set(&s->err, GP_NOMEM, "out of memory");
      break;
    }
    s->scratch.len = 0;
    const char *why = NULL;
    size_t col = 0;
    if (L->fmt == GP_FMT_CSV) {
      int nf = gp_csv_split(rec, q, L->delim, ff, MAX_FIELDS + 1, &s->scratch, &why, &col);
      if (nf < 0) {
        gp_load__reject(s, here, rec, col, "%s", why);
        continue;
      }
      if (nf != L->nfile) {
        gp_load__reject(s, here, rec, 0, "expected %d fields, found %d", L->nfile, nf);
        continue;
      }
      for (int c = 0; c < t->ncols; c++) {
        fields[c] = (gp_field){NULL, 0, false, true};
        cols[c] = 0;
      }
      for (int j = 0; j < nf; j++)
        if (L->map[j] >= 0) {
          fields[L->map[j]] = ff[j];
          cols[L->map[j]] = (size_t)(ff[j].p >= rec && ff[j].p <= q ? ff[j].p - rec + 1 : 0);
        }
    } else {
      if (gp_ndjson_split(rec, (size_t)(q - rec), L->keys, t->ncols, fields, &s->scratch, &why,
                          &col) != 0) {
        gp_load__reject(s, here, rec, col, "%s", why);
        continue;
      }
      for (int c = 0; c < t->ncols; c++)
        cols[c] = (size_t)(fields[c].p >= rec && fields[c].p <= q ? fields[c].p - rec + 1 : 0);
    }
    convert_row(L, s, here, rec, fields, cols);
  }
  s->nlines = line;
  /* text offsets become pointers now that rows.text no longer moves */
  for (int c = 0; c < t->ncols; c++) {
    gp_col *col = &s->rows.cols[c];
    if (col->type != GP_T_TEXT) continue;
    for (size_t i = 0; i < s->rows.n; i++)
      col->str[i] = (const char *)s->rows.text.p + (uintptr_t)col->str[i];
  }
}

/* Drops the rows whose keep[i] is false, keeping order (and line numbers). */
void gp_load__drop_rows(seg *s, const bool *keep) {
  gp_rows *r = &s->rows;
  size_t k = 0;
  for (size_t i = 0; i < r->n; i++) {
    if (!keep[i]) continue;
    if (k != i) {
      s->line[k] = s->line[i];
      s->rec[k] = s->rec[i];
      gp_rows_move(r, k, i, UINT64_MAX);
    }
    k++;
  }
  for (size_t i = k; i < r->n; i++) gp_load__clear_row_nulls(r, i);
  r->n = k;
}

/* Projects the rows' lon/lat and computes their cells (parallel part of a round). */
void gp_load__locate_segment(loader *L, seg *s, const gp_grid *g) {
  const gp_table *t = L->t;
  gp_rows *r = &s->rows;
  if (t->loc != GP_LOC_LONLAT || r->n == 0 || !g) {
    /* no grid yet only when no row so far had a position (see the CRS choice) */
    if (t->loc == GP_LOC_NONE || !g)
      for (size_t i = 0; i < r->n; i++) r->cell[i] = 0;
    return;
  }
  double *x = GP_MALLOC(r->n * 2 * sizeof *x);
  bool *keep = NULL;
  if (!x) {
    gp_err_set(&s->err, GP_NOMEM, "out of memory");
    return;
  }
  double *y = x + r->n;
  if (gp_grid_project(g, r->cols[t->lon_col].f64, r->cols[t->lat_col].f64, r->n, x, y, &s->err))
    goto cleanup;
  size_t bad = 0;
  const gp_col *lon = &r->cols[t->lon_col];
  for (size_t i = 0; i < r->n; i++) {
    if (gp_rows_isnull(lon, i)) { /* no position (convert_row): no cell */
      x[i] = y[i] = 0;
      r->cell[i] = 0;
      continue;
    }
    if (isnan(x[i]) || isnan(y[i])) {
      bad++;
      continue;
    }
    r->cell[i] = gp_grid_cell_of(g, x[i], y[i]);
  }
  if (bad) {
    keep = GP_MALLOC(r->n * sizeof *keep);
    if (!keep) {
      gp_err_set(&s->err, GP_NOMEM, "out of memory");
      goto cleanup;
    }
    for (size_t i = 0; i < r->n; i++) {
      keep[i] = !(isnan(x[i]) || isnan(y[i]));
      if (!keep[i])
        gp_load__reject(s, s->line[i], s->rec[i], 0,
                        "lon/lat %.6f %.6f cannot be projected to EPSG:%d",
                        r->cols[t->lon_col].f64[i], r->cols[t->lat_col].f64[i], gp_grid_epsg(g));
    }
    gp_load__drop_rows(s, keep);
  }
cleanup:
  GP_FREE(x);
  GP_FREE(keep);
}
