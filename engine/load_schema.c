/* load_schema.c - the schema of a table created from the file being loaded: column names
 * from the header (or the first NDJSON object), types sniffed from sampled records, roles
 * (TIME, LOCATION, KEY) from the options or the column names. Split from load.c, which owns
 * the load itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gp_db.h"
#include "gp_text.h"
#include "load_int.h"

#define MAX_FIELDS GP_STORE_MAX_COLS
#define SNIFF_ROWS 1000       /* records sampled from the head to sniff a new table's types */
#define SNIFF_WINDOWS 8       /* ... and windows spread over the rest of the file */
#define SNIFF_WINDOW_ROWS 128 /* records per window */
#define SNIFF_CAP (SNIFF_ROWS + SNIFF_WINDOWS * SNIFF_WINDOW_ROWS)

static bool name_is(const char *s, size_t n, const char *a) {
  return strlen(a) == n && strncasecmp(s, a, n) == 0;
}

/* How many non-empty samples do not parse as type t: the rows of their kind the load will
 * reject. Quoting is judged as gp_sniff_type judges it. */
static size_t misfits(const gp_field *v, size_t n, gp_type t, gp_format fmt) {
  if (t != GP_T_INT && t != GP_T_DOUBLE && t != GP_T_TIMESTAMP) return 0;
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    if (v[i].null || v[i].len == 0) continue;
    int64_t iv;
    double dv;
    bool ok;
    if (t == GP_T_TIMESTAMP)
      ok = gp_ts_parse(v[i].p, v[i].len, &iv);
    else if (v[i].quoted && fmt != GP_FMT_CSV)
      ok = false;
    else if (t == GP_T_INT)
      ok = gp_parse_int64(v[i].p, v[i].len, &iv);
    else
      ok = gp_parse_double(v[i].p, v[i].len, &dv);
    bad += !ok;
  }
  return bad;
}

/* The schema chosen, as the CREATE TABLE statement that would make it, so that the user sees
 * what was guessed (and can declare the table instead), then each column whose samples did not
 * all fit: rows like those will be rejected, each named, rather than the column turned TEXT. */
static void print_schema(FILE *f, const char *path, const gp_table *t, const gp_field *samples,
                         size_t ns, gp_format fmt) {
  fprintf(f, "%s: new table: CREATE TABLE %s (", path, t->name);
  for (int c = 0; c < t->ncols; c++)
    fprintf(f, "%s%s %s%s", c ? ", " : "", t->cols[c].name, gp_type_name(t->cols[c].type),
            c == t->key_col ? " KEY" : "");
  fprintf(f, ")");
  if (t->time_col >= 0) fprintf(f, " TIME %s", t->cols[t->time_col].name);
  if (t->loc == GP_LOC_LONLAT)
    fprintf(f, " LOCATION (%s, %s)", t->cols[t->lon_col].name, t->cols[t->lat_col].name);
  if (t->loc == GP_LOC_FROM)
    fprintf(f, " LOCATION FROM %s(%s)", t->loc_table, t->cols[t->loc_col].name);
  fprintf(f, ";\n");
  for (int c = 0; c < t->ncols; c++) {
    size_t m = 0, bad = misfits(&samples[(size_t)c * SNIFF_CAP], ns, t->cols[c].type, fmt);
    if (bad == 0) continue;
    for (size_t i = 0; i < ns; i++) m += !(samples[(size_t)c * SNIFF_CAP + i].len == 0);
    fprintf(f,
            "%s: column '%s': %zu of %zu sampled values are not %s: their rows will be "
            "rejected\n",
            path, t->cols[c].name, bad, m, gp_type_name(t->cols[c].type));
  }
}

/* Creates the table from the file's header and a sample of its records. */
gp_rc gp_load__create_table(gp_db *db, const char *path, const gp_load_opts *o, gp_format fmt,
                            char delim, FILE *notes, const char *table, gp_field *names, int nnames,
                            const char *body, const char *end, gp_err *err) {
  gp_table def;
  memset(&def, 0, sizeof def);
  gp_rc rc = GP_OK;
  gp_buf scratch = {0}, hdr = {0};
  gp_field *samples = NULL;
  if (strlen(table) >= GP_NAME_MAX)
    return gp_err_set(err, GP_INVALID, "table name '%s' too long", table);
  strcpy(def.name, table);
  def.ncols = nnames;
  for (int c = 0; c < nnames; c++) {
    if (names[c].len == 0 || names[c].len >= GP_NAME_MAX)
      return gp_err_set(err, GP_PARSE, "%s:1: column %d has %s name", path, c + 1,
                        names[c].len ? "too long a" : "an empty");
    memcpy(def.cols[c].name, names[c].p, names[c].len);
    def.cols[c].name[names[c].len] = '\0';
  }
  samples = GP_MALLOC((size_t)SNIFF_CAP * nnames * sizeof *samples);
  if (!samples) return gp_err_set(err, GP_NOMEM, "out of memory");
  /* Sample values must stay valid together, so unescaped ones are copied into hdr. */
  size_t ns = 0;
  const char *p = body;
  gp_field ff[MAX_FIELDS + 1];
  const char *keys[MAX_FIELDS];
  for (int c = 0; c < nnames; c++) keys[c] = def.cols[c].name;
  if (gp_buf_reserve(&hdr, (size_t)(end - body < (1 << 24) ? end - body : (1 << 24)) + 1)) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto cleanup;
  }
  /* The head alone misses columns that change later (a numeric-looking code that turns
   * alphanumeric past row 1,000, as Boston's precincts do): windows spread over the rest of the
   * file are sampled too. A window starts after a newline, which is a record boundary unless
   * quoted fields hold newlines, so CSV files whose head shows such records are sampled from
   * the head only. */
  bool multiline = false;
  const char *head_end = end;
  size_t lim = SNIFF_ROWS;
  for (int win = 0; win <= SNIFF_WINDOWS; win++, lim = ns + SNIFF_WINDOW_ROWS) {
    if (win > 0) {
      if (multiline || head_end >= end) break;
      const char *w = head_end + (size_t)(end - head_end) / (SNIFF_WINDOWS + 1) * (size_t)win;
      const char *nl = memchr(w, '\n', (size_t)(end - w));
      if (!nl) break;
      p = nl + 1;
    }
    while (p < end && ns < lim) {
      const char *e =
          fmt == GP_FMT_CSV ? gp_csv_record_end(p, end, delim) : memchr(p, '\n', (size_t)(end - p));
      e = e ? (fmt == GP_FMT_CSV ? e : e + 1) : end;
      if (fmt == GP_FMT_CSV && win == 0) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        if (nl && nl + 1 < e) multiline = true; /* a newline inside the record */
      }
      const char *q = e;
      while (q > p && (q[-1] == '\n' || q[-1] == '\r')) q--;
      const char *why;
      size_t col;
      scratch.len = 0;
      int nf = -1;
      if (q > p) {
        if (fmt == GP_FMT_CSV)
          nf = gp_csv_split(p, q, delim, ff, MAX_FIELDS + 1, &scratch, &why, &col);
        else
          nf = gp_ndjson_split(p, (size_t)(q - p), keys, nnames, ff, &scratch, &why, &col) == 0
                   ? nnames
                   : -1;
      }
      p = e;
      if (nf != nnames) continue; /* malformed rows are reported by the load itself */
      for (int c = 0; c < nnames; c++) {
        gp_field f = ff[c];
        if (f.len && scratch.len && (const uint8_t *)f.p >= scratch.p &&
            (const uint8_t *)f.p < scratch.p + scratch.len) {
          if (hdr.len + f.len > hdr.cap) { /* sample budget spent: an empty value, skipped */
            f.len = 0;
          } else {
            memcpy(hdr.p + hdr.len, f.p, f.len);
            f.p = (const char *)hdr.p + hdr.len;
            hdr.len += f.len;
          }
        }
        samples[(size_t)c * SNIFF_CAP + ns] = f;
      }
      ns++;
    }
    if (win == 0) head_end = p;
  }
  for (int c = 0; c < nnames; c++) {
    /* NDJSON strings arrive unquoted-looking, and a nullstr ('NA') is no value either: mark
     * nulls as empty so that sniffing skips them (a column of numbers and NA stays numeric) */
    for (size_t i = 0; i < ns; i++) {
      gp_field *f = &samples[(size_t)c * SNIFF_CAP + i];
      if (f->null || gp_load__field_null(o, fmt, f)) {
        f->len = 0;
        f->quoted = false;
      }
    }
    def.cols[c].type = gp_sniff_type(&samples[(size_t)c * SNIFF_CAP], ns, fmt == GP_FMT_CSV, NULL);
  }
  /* roles */
  def.time_col = def.key_col = def.lon_col = def.lat_col = def.loc_col = -1;
  if (o->time_col) {
    def.time_col = gp_table_col(&def, o->time_col, strlen(o->time_col));
    if (def.time_col < 0) {
      rc = gp_err_set(err, GP_INVALID, "%s: no column '%s' for --time", path, o->time_col);
      goto cleanup;
    }
    def.cols[def.time_col].type = GP_T_TIMESTAMP;
  } else {
    for (int c = 0; c < nnames && def.time_col < 0; c++)
      if (def.cols[c].type == GP_T_TIMESTAMP) def.time_col = c;
  }
  if (o->lon_col || o->lat_col) {
    if (!o->lon_col || !o->lat_col) {
      rc = gp_err_set(err, GP_INVALID, "--location needs two columns: lon,lat");
      goto cleanup;
    }
    def.lon_col = gp_table_col(&def, o->lon_col, strlen(o->lon_col));
    def.lat_col = gp_table_col(&def, o->lat_col, strlen(o->lat_col));
    if (def.lon_col < 0 || def.lat_col < 0) {
      rc = gp_err_set(err, GP_INVALID, "%s: no column '%s' for --location", path,
                      def.lon_col < 0 ? o->lon_col : o->lat_col);
      goto cleanup;
    }
  } else if (!o->loc_table) {
    for (int c = 0; c < nnames; c++) {
      const char *n = def.cols[c].name;
      size_t l = strlen(n);
      if (def.lon_col < 0 &&
          (name_is(n, l, "lon") || name_is(n, l, "lng") || name_is(n, l, "longitude")))
        def.lon_col = c;
      if (def.lat_col < 0 && (name_is(n, l, "lat") || name_is(n, l, "latitude"))) def.lat_col = c;
    }
  }
  if (def.lon_col >= 0 && def.lat_col >= 0) {
    def.loc = GP_LOC_LONLAT;
    def.cols[def.lon_col].type = def.cols[def.lat_col].type = GP_T_DOUBLE;
  } else {
    def.lon_col = def.lat_col = -1;
  }
  if (o->loc_table) {
    def.loc = GP_LOC_FROM;
    snprintf(def.loc_table, sizeof def.loc_table, "%s", o->loc_table);
    const char *lc = o->loc_col;
    const gp_table *other = gp_db_table(db, o->loc_table);
    if (!lc && other && other->key_col >= 0) lc = other->cols[other->key_col].name;
    def.loc_col = lc ? gp_table_col(&def, lc, strlen(lc)) : -1;
    if (def.loc_col < 0) {
      rc = gp_err_set(err, GP_INVALID, "%s: no column '%s' for --location-from", path,
                      lc ? lc : "?");
      goto cleanup;
    }
    if (def.cols[def.loc_col].type != GP_T_INT) def.cols[def.loc_col].type = GP_T_SYMBOL;
  }
  if (o->key_col) {
    def.key_col = gp_table_col(&def, o->key_col, strlen(o->key_col));
    if (def.key_col < 0) {
      rc = gp_err_set(err, GP_INVALID, "%s: no column '%s' for --key", path, o->key_col);
      goto cleanup;
    }
    if (def.cols[def.key_col].type != GP_T_INT) def.cols[def.key_col].type = GP_T_SYMBOL;
  }
  if ((rc = gp_db_create_table(db, &def, err))) goto cleanup;
  if (notes) print_schema(notes, path, &def, samples, ns, fmt);
cleanup:
  GP_FREE(samples);
  gp_buf_free(&scratch);
  gp_buf_free(&hdr);
  return rc;
}
