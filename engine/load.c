/* load.c - bringing CSV and NDJSON files into a table.
 *
 * The file is memory-mapped and cut into record-aligned segments of about 1 MiB; a round of
 * segments is parsed in parallel (one OpenMP thread a segment, each into rows of its own),
 * projected in parallel, and then, on one thread while the next round is parsed, its new
 * symbols get ids, rows that take their position from another table get it, and duplicate
 * keys are dropped. Accepted rows are held until the input moves past their time partition,
 * which is then written straight into sealed chunks in one durable (fsynced) transaction with
 * its key ranges; past HOLD_MAX held rows they are written fresh instead. A load killed
 * half-way therefore keeps every partition it committed (the row count after a kill rises a
 * partition at a time), and a table with a KEY can be loaded again from the start: only the
 * missing rows go in.
 *
 * Record boundaries in CSV: a line break ends a record unless it is inside quotes, by the rule
 * of gp_csv_record_end (text.c), which also ends an unterminated quoted field at its line.
 * Segments are cut and rows are split by that one function, so a segment always ends where a
 * record ends and segments can be parsed independently.
 *
 * Rejected rows are reported as `file:line:column: reason` in file order, after their round. */
#include "gp_db.h"

#include <fcntl.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gp_text.h"
#include "load_int.h"

#define SEG_BYTES (1u << 20)  /* target segment size */
#define ROUND_SEGS 16         /* segments per transaction */
#define MAX_FIELDS GP_STORE_MAX_COLS

typedef struct reject {
  size_t line;       /* line inside the segment (0-based) until numbered, then 1-based global */
  size_t col;        /* 1-based byte column, 0 when the whole row is at fault */
  const char *rec;   /* the record's first byte in the mapped input (for the reject file) */
  char msg[200];
} reject;

typedef struct pending_sym {
  uint32_t row;      /* row in seg->rows */
  uint8_t col;       /* table column */
  uint32_t off, len; /* string bytes in seg->pend_text */
} pending_sym;

/* One record-aligned slice of the input and what parsing it produced. */
typedef struct seg {
  const char *p, *end;
  size_t nlines;     /* line breaks inside: numbers the next segment's lines */
  size_t line0;      /* global 1-based line of its first record */
  gp_rows rows;      /* good rows */
  uint32_t *line;    /* per row: line inside the segment (0-based) */
  const char **rec;  /* per row: its record's first byte, for a reject made after parsing */
  reject *rej;
  size_t nrej, caprej;
  pending_sym *pend; /* symbols not in the dictionary yet */
  size_t npend, cappend;
  gp_buf pend_text;
  gp_buf scratch;
  gp_err err;        /* a failure that is not the row's fault (memory) */
} seg;

/* Integer-valued keys (INT, or SYMBOL ids) present in a table, as sorted disjoint [lo, hi]
 * intervals: ids loaded in order collapse into a handful of intervals, so the check is a
 * binary search in a tiny array whatever the table's size. */
typedef struct keyset {
  int64_t *lo, *hi;
  size_t n, cap;
} keyset;

typedef struct round_pos {
  uint64_t off;  /* byte offset in the input */
  uint64_t line; /* 1-based line there */
} round_pos;

typedef struct open_part {
  int64_t part; /* a partition with rows held */
  size_t round; /* the oldest round those rows came from */
} open_part;

typedef struct loader {
  gp_db *db;
  const gp_table *t;
  const char *path;
  const gp_load_opts *o;
  FILE *errs;           /* reports when there is no reject file */
  FILE *rejf;           /* o->reject_file: every reject with its raw record */
  const char *file_end; /* end of the mapped input */
  size_t max_errors;    /* more rejects than this stop the load; SIZE_MAX = none */
  size_t max_line;
  gp_format fmt;
  char delim;
  int nfile;                      /* fields per record (CSV) */
  int map[MAX_FIELDS];            /* file field -> table column, -1 = absent (CSV) */
  const char *keys[MAX_FIELDS];   /* NDJSON: table column names */
  keyset ks;                      /* key column values present */
  /* LOCATION FROM: the other table's key string -> cell, and our symbol id -> cell cache */
  char **loc_keys;
  uint64_t *loc_cells;
  size_t nloc;
  uint64_t *loc_by_id;            /* indexed by our symbol id; UINT64_MAX = unknown yet */
  size_t nloc_by_id;
  gp_load_result *res;
  double t_commit, t_seal; /* time spent committing and sealing (GP_TRACE=1 prints them) */
  double t_cpu;            /* CPU time of the thread that ran them */
  /* Bulk loads hold the accepted rows of partitions still open in memory and write each
   * partition straight into chunks once the load has moved past it (time-ordered input), so
   * rows are encoded once instead of being written fresh and read back. Rows are
   * acknowledged when their partition commits; past HOLD_MAX rows they go fresh instead. */
  gp_rows held;
  int64_t *held_part;             /* partition of each held row */
  size_t held_cap;
  gp_store_layout lay;
  /* Resuming (tables with a KEY): the input position before which every row is committed,
   * rejected or a duplicate, kept in meta ("ldpos/" u16 table) in the transaction of each
   * commit, so that a load run again after a kill starts there instead of re-reading and
   * deduplicating the whole file. Rows are held by partition, so the position is the start of
   * the oldest round that still has rows held. */
  const uint64_t *file_id; /* the input's identity (mapped.id, 5 words) */
  size_t round;            /* index of the round being finished */
  round_pos *rounds;       /* start of each round (and of the next) */
  size_t cap_rounds;
  open_part *open_parts; /* held partitions, with the oldest round of each */
  size_t nopen, cap_open;
  bool no_resume; /* a stop left rows out: keep the last position written */
} loader;

#define HOLD_MAX ((size_t)8 << 20) /* rows held in memory at most */

/* ---- small helpers ---- */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void add_reject(seg *s, size_t line, const char *rec, size_t col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

#include <stdarg.h>
static void add_reject(seg *s, size_t line, const char *rec, size_t col, const char *fmt, ...) {
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
static const char *show(const gp_field *f, char *buf) {
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

static size_t count_nl(const char *p, const char *end) {
  size_t n = 0;
  while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
    n++;
    p++;
  }
  return n;
}

/* ---- key sets ---- */

static size_t ks_find(const keyset *k, int64_t v) {
  size_t lo = 0, hi = k->n; /* first interval with hi >= v */
  while (lo < hi) {
    size_t m = (lo + hi) / 2;
    if (k->hi[m] < v) lo = m + 1;
    else hi = m;
  }
  return lo;
}

static bool ks_has(const keyset *k, int64_t v) {
  size_t i = ks_find(k, v);
  return i < k->n && k->lo[i] <= v;
}

/* Adds [a, b], merging with neighbours. Appending past the end is the common case. */
static gp_rc ks_add(keyset *k, int64_t a, int64_t b) {
  size_t i = ks_find(k, a == INT64_MIN ? a : a - 1);
  if (i < k->n && k->lo[i] <= (b == INT64_MAX ? b : b + 1)) {
    /* overlaps or touches interval i: extend it and swallow those it now reaches */
    if (a < k->lo[i]) k->lo[i] = a;
    if (b > k->hi[i]) k->hi[i] = b;
    size_t j = i + 1;
    while (j < k->n && k->lo[j] <= (k->hi[i] == INT64_MAX ? k->hi[i] : k->hi[i] + 1)) {
      if (k->hi[j] > k->hi[i]) k->hi[i] = k->hi[j];
      j++;
    }
    if (j > i + 1) {
      memmove(k->lo + i + 1, k->lo + j, (k->n - j) * sizeof *k->lo);
      memmove(k->hi + i + 1, k->hi + j, (k->n - j) * sizeof *k->hi);
      k->n -= j - i - 1;
    }
    return GP_OK;
  }
  if (k->n == k->cap) {
    size_t nc = k->cap ? k->cap * 2 : 16;
    int64_t *lo = GP_REALLOC(k->lo, nc * sizeof *lo);
    if (!lo) return GP_NOMEM;
    k->lo = lo;
    int64_t *hi = GP_REALLOC(k->hi, nc * sizeof *hi);
    if (!hi) return GP_NOMEM;
    k->hi = hi;
    k->cap = nc;
  }
  memmove(k->lo + i + 1, k->lo + i, (k->n - i) * sizeof *k->lo);
  memmove(k->hi + i + 1, k->hi + i, (k->n - i) * sizeof *k->hi);
  k->lo[i] = a;
  k->hi[i] = b;
  k->n++;
  return GP_OK;
}

static void ks_free(keyset *k) {
  GP_FREE(k->lo);
  GP_FREE(k->hi);
  memset(k, 0, sizeof *k);
}

/* Meta key of a persisted interval: "key/" u16 table, u64 flipped lo (big-endian). */
static void key_key(uint8_t *k, uint16_t table, int64_t lo) {
  memcpy(k, "key/", 4);
  k[4] = (uint8_t)(table >> 8);
  k[5] = (uint8_t)table;
  uint64_t u = (uint64_t)lo ^ (UINT64_C(1) << 63);
  for (int i = 0; i < 8; i++) k[6 + i] = (uint8_t)(u >> (56 - 8 * i));
}

typedef struct ks_load_ctx {
  keyset *ks;
  gp_rc rc;
} ks_load_ctx;

static int ks_load_cb(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl) {
  ks_load_ctx *c = ctx;
  if (kl != 14 || vl != 8) return 0;
  uint64_t u = 0;
  for (int i = 0; i < 8; i++) u = u << 8 | k[6 + i];
  int64_t lo = (int64_t)(u ^ (UINT64_C(1) << 63)), hi;
  memcpy(&hi, v, 8);
  if ((c->rc = ks_add(c->ks, lo, hi))) return 1;
  return 0;
}

/* ---- input mapping ---- */

typedef struct mapped {
  const char *p;
  size_t n;
  int fd;
  uint64_t id[5]; /* dev, inode, size, mtime s, ns: the same file, unchanged, for a resume */
} mapped;

static gp_rc map_file(const char *path, mapped *m, gp_err *err) {
  memset(m, 0, sizeof *m);
  gp_rc rc = gp_file_open(path, &m->fd, &m->n, err); /* regular files only, FIFOs refused */
  if (rc != GP_OK) return rc;
  struct stat st; /* the file's identity, for resuming a keyed load */
  if (fstat(m->fd, &st) != 0) {
    close(m->fd);
    return gp_err_set(err, GP_IO, "\"%s\": cannot stat: %m", path);
  }
  m->id[0] = (uint64_t)st.st_dev;
  m->id[1] = (uint64_t)st.st_ino;
  m->id[2] = (uint64_t)st.st_size;
  m->id[3] = (uint64_t)st.st_mtim.tv_sec;
  m->id[4] = (uint64_t)st.st_mtim.tv_nsec;
  if (m->n == 0) {
    m->p = "";
    return GP_OK;
  }
  void *p = mmap(NULL, m->n, PROT_READ, MAP_PRIVATE, m->fd, 0);
  if (p == MAP_FAILED) {
    close(m->fd);
    return gp_err_set(err, GP_IO, "%s: cannot map: %m", path);
  }
  madvise(p, m->n, MADV_SEQUENTIAL);
  m->p = p;
  return GP_OK;
}

static void unmap_file(mapped *m) {
  if (m->n) munmap((void *)m->p, m->n);
  if (m->fd >= 0) close(m->fd);
}

/* End of the segment that starts at p (a record start): the first record end at or after
 * p + SEG_BYTES. CSV segments are cut with gp_csv_record_end, the function that splits their
 * rows, so that a cut always falls between two records as the parser will see them; counting
 * quotes instead (which a stray or unterminated quote flips for the rest of the file) once cut
 * inside records and lost everything after one bad quote. Lines without a quote are records of
 * their own, so the walk jumps over quote-free runs and calls the splitter's rule only around
 * quotes: the cost stays one memchr pass over the segment in the common case. */
static const char *seg_end(const loader *L, const char *p, const char *end) {
  size_t want = L->o->seg_bytes ? L->o->seg_bytes : SEG_BYTES;
  if ((size_t)(end - p) <= want) return end;
  const char *target = p + want;
  if (L->fmt != GP_FMT_CSV) {
    const char *nl = memchr(target, '\n', (size_t)(end - target));
    return nl ? nl + 1 : end;
  }
  const char *x = p;
  while (x < target) {
    const char *qn = memchr(x, '"', (size_t)(target - x));
    const char *upto = qn ? qn : target - 1; /* the byte whose record we must walk */
    const char *b = upto;
    while (b > x && b[-1] != '\n') b--; /* that record's start: a line start */
    x = gp_csv_record_end(b, end, L->delim);
  }
  return x;
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

static void clear_row_nulls(gp_rows *r, size_t i) {
  for (int c = 0; c < r->ncols; c++)
    if (r->cols[c].nulls) r->cols[c].nulls[i >> 3] &= (uint8_t) ~(1u << (i & 7));
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
    bool null = f->null || (!f->quoted && f->len == 0);
    if (null) {
      if (c == t->time_col) {
        add_reject(s, line, rec, at, "missing time in column '%s'", name);
        goto bad;
      }
      if (t->loc == GP_LOC_LONLAT && (c == t->lon_col || c == t->lat_col)) {
        /* both empty: a row without a position (a ticket nobody located), kept with NULL
         * lon/lat and no cell; one of the two alone is a broken row */
        const gp_field *o = &fields[c == t->lon_col ? t->lat_col : t->lon_col];
        if (!(o->null || (!o->quoted && o->len == 0))) {
          add_reject(s, line, rec, at, "missing %s in column '%s' (the %s is given)",
                     c == t->lon_col ? "lon" : "lat", name, c == t->lon_col ? "lat" : "lon");
          goto bad;
        }
      }
      if (c == t->key_col || (t->loc == GP_LOC_FROM && c == t->loc_col)) {
        add_reject(s, line, rec, at, "missing key in column '%s'", name);
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
          add_reject(s, line, rec, at, "column '%s': bad integer %s", name, show(f, buf));
          goto bad;
        }
        break;
      case GP_T_DOUBLE: {
        double v;
        if (!gp_parse_double(f->p, f->len, &v)) {
          add_reject(s, line, rec, at, "column '%s': bad number %s", name, show(f, buf));
          goto bad;
        }
        if (t->loc == GP_LOC_LONLAT && (c == t->lon_col || c == t->lat_col)) {
          double lim = c == t->lon_col ? 180 : 90;
          if (!(v >= -lim && v <= lim)) {
            add_reject(s, line, rec, at, "%s %s out of range [-%g, %g]",
                       c == t->lon_col ? "lon" : "lat", show(f, buf), lim, lim);
            goto bad;
          }
        }
        col->f64[i] = v;
        break;
      }
      case GP_T_TIMESTAMP:
        if (!gp_ts_parse(f->p, f->len, &col->i64[i])) {
          add_reject(s, line, rec, at, "column '%s': bad timestamp %s", name, show(f, buf));
          goto bad;
        }
        break;
      case GP_T_SYMBOL: {
        if (!gp_utf8_valid(f->p, f->len)) {
          add_reject(s, line, rec, at, "column '%s': invalid UTF-8", name);
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
          add_reject(s, line, rec, at, "column '%s': invalid UTF-8", name);
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
  add_reject(s, line, rec, nul_at, "column '%s': NUL byte (0x00) in a string", t->cols[nul_c].name);
  goto bad;
nomem:
  gp_err_set(&s->err, GP_NOMEM, "out of memory");
bad:
  /* symbols queued for this row must not outlive it */
  while (s->npend && s->pend[s->npend - 1].row == i) s->npend--;
  clear_row_nulls(r, i);
  return false;
}

static void parse_segment(loader *L, seg *s) {
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
    size_t nl = L->fmt == GP_FMT_CSV ? count_nl(p, e) : (e[-1] == '\n');
    size_t here = line;
    line += nl ? nl : 1;
    const char *q = e;
    while (q > p && (q[-1] == '\n' || q[-1] == '\r')) q--;
    const char *rec = p;
    p = e;
    if (q == rec) continue; /* blank line */
    if ((size_t)(q - rec) > L->max_line) {
      add_reject(s, here, rec, 0, "line longer than %zu bytes", L->max_line);
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
        add_reject(s, here, rec, col, "%s", why);
        continue;
      }
      if (nf != L->nfile) {
        add_reject(s, here, rec, 0, "expected %d fields, found %d", L->nfile, nf);
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
        add_reject(s, here, rec, col, "%s", why);
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
static void drop_rows(seg *s, const bool *keep) {
  gp_rows *r = &s->rows;
  size_t k = 0;
  for (size_t i = 0; i < r->n; i++) {
    if (!keep[i]) continue;
    if (k != i) {
      r->cell[k] = r->cell[i];
      s->line[k] = s->line[i];
      s->rec[k] = s->rec[i];
      for (int c = 0; c < r->ncols; c++) {
        gp_col *col = &r->cols[c];
        switch (col->type) {
          case GP_T_DOUBLE: col->f64[k] = col->f64[i]; break;
          case GP_T_TEXT:
            col->str[k] = col->str[i];
            col->len[k] = col->len[i];
            break;
          default: col->i64[k] = col->i64[i];
        }
        if (col->nulls) {
          if (gp_rows_isnull(col, i)) col->nulls[k >> 3] |= (uint8_t)(1u << (k & 7));
          else col->nulls[k >> 3] &= (uint8_t) ~(1u << (k & 7));
        }
      }
    }
    k++;
  }
  for (size_t i = k; i < r->n; i++) clear_row_nulls(r, i);
  r->n = k;
}

/* Projects the rows' lon/lat and computes their cells (parallel part of a round). */
static void locate_segment(loader *L, seg *s, const gp_grid *g) {
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
        add_reject(s, s->line[i], s->rec[i], 0, "lon/lat %.6f %.6f cannot be projected to EPSG:%d",
                   r->cols[t->lon_col].f64[i], r->cols[t->lat_col].f64[i], gp_grid_epsg(g));
    }
    drop_rows(s, keep);
  }
cleanup:
  GP_FREE(x);
  GP_FREE(keep);
}

/* ---- the serial part of a round ---- */

static int cmp_rej(const void *a, const void *b) {
  const reject *x = a, *y = b;
  return (x->line > y->line) - (x->line < y->line);
}

static void seg_reset(seg *s) {
  s->rows.n = 0;
  s->rows.text.len = 0;
  for (int c = 0; c < s->rows.ncols; c++)
    if (s->rows.cols[c].nulls) memset(s->rows.cols[c].nulls, 0, (s->rows.cap + 7) / 8);
  s->nrej = 0;
  s->npend = 0;
  s->pend_text.len = 0;
  gp_err_clear(&s->err);
}

static void seg_free(seg *s) {
  gp_rows_free(&s->rows);
  GP_FREE(s->line);
  GP_FREE(s->rec);
  GP_FREE(s->rej);
  GP_FREE(s->pend);
  gp_buf_free(&s->pend_text);
  gp_buf_free(&s->scratch);
}

/* The cell of a LOCATION FROM key string, or UINT64_MAX when the other table lacks it. */
static uint64_t loc_lookup(const loader *L, const char *k, size_t n) {
  size_t lo = 0, hi = L->nloc;
  while (lo < hi) {
    size_t m = (lo + hi) / 2;
    int c = strncmp(L->loc_keys[m], k, n);
    if (c == 0 && L->loc_keys[m][n] != '\0') c = 1;
    if (c < 0) lo = m + 1;
    else if (c > 0) hi = m;
    else return L->loc_cells[m];
  }
  return UINT64_MAX;
}

/* Gives rows of a LOCATION FROM table the cell of their key's row in the other table. */
static gp_rc locate_from(loader *L, seg *s, gp_err *err) {
  const gp_table *t = L->t;
  gp_rows *r = &s->rows;
  gp_col *kc = &r->cols[t->loc_col];
  bool *keep = NULL;
  size_t bad = 0;
  for (size_t i = 0; i < r->n; i++) {
    uint64_t cell;
    if (kc->type == GP_T_SYMBOL) {
      int64_t id = kc->i64[i];
      if ((size_t)id >= L->nloc_by_id) {
        size_t nn = (size_t)id * 2 + 64;
        uint64_t *p = GP_REALLOC(L->loc_by_id, nn * sizeof *p);
        if (!p) return gp_err_set(err, GP_NOMEM, "out of memory");
        for (size_t j = L->nloc_by_id; j < nn; j++) p[j] = UINT64_MAX - 1;
        L->loc_by_id = p;
        L->nloc_by_id = nn;
      }
      cell = L->loc_by_id[id];
      if (cell == UINT64_MAX - 1) {
        size_t n;
        const char *str = gp_db_sym_str(L->db, t, t->loc_col, id, &n);
        cell = str ? loc_lookup(L, str, n) : UINT64_MAX;
        L->loc_by_id[id] = cell;
      }
    } else if (kc->type == GP_T_INT) {
      char num[24];
      int n = snprintf(num, sizeof num, "%lld", (long long)kc->i64[i]);
      cell = loc_lookup(L, num, (size_t)n);
    } else {
      cell = loc_lookup(L, kc->str[i], kc->len[i]);
    }
    if (cell == UINT64_MAX) {
      if (!keep) {
        keep = GP_MALLOC(r->n * sizeof *keep);
        if (!keep) return gp_err_set(err, GP_NOMEM, "out of memory");
        for (size_t j = 0; j < r->n; j++) keep[j] = true;
      }
      keep[i] = false;
      bad++;
      char num[24];
      size_t n = 0;
      const char *str = NULL;
      if (kc->type == GP_T_TEXT) {
        str = kc->str[i];
        n = kc->len[i];
      } else if (kc->type == GP_T_INT) {
        n = (size_t)snprintf(num, sizeof num, "%lld", (long long)kc->i64[i]);
        str = num;
      } else {
        str = gp_db_sym_str(L->db, t, t->loc_col, kc->i64[i], &n);
      }
      add_reject(s, s->line[i], s->rec[i], 0, "%s '%.*s' is not in table '%s'",
                 t->cols[t->loc_col].name, (int)(n < 60 ? n : 60), str ? str : "", t->loc_table);
    } else {
      r->cell[i] = cell;
    }
  }
  if (bad) drop_rows(s, keep);
  GP_FREE(keep);
  return GP_OK;
}

/* Drops rows whose key is already present (in the table or earlier in this load). */
static gp_rc dedupe(loader *L, seg *s, gp_err *err) {
  const gp_table *t = L->t;
  gp_rows *r = &s->rows;
  const int64_t *k = r->cols[t->key_col].i64;
  bool *keep = NULL;
  size_t dup = 0;
  for (size_t i = 0; i < r->n; i++) {
    if (ks_has(&L->ks, k[i])) {
      if (!keep) {
        keep = GP_MALLOC(r->n * sizeof *keep);
        if (!keep) return gp_err_set(err, GP_NOMEM, "out of memory");
        for (size_t j = 0; j < r->n; j++) keep[j] = true;
      }
      keep[i] = false;
      dup++;
      continue;
    }
    if (ks_add(&L->ks, k[i], k[i]))
      return gp_err_set(err, GP_NOMEM, "out of memory");
  }
  if (dup) drop_rows(s, keep);
  L->res->duplicates += dup;
  GP_FREE(keep);
  return GP_OK;
}

/* Every reject is reported: on stderr (o->errors) as `file:line[:column]: reason`, or, with a
 * reject file, there, each report followed by the raw record as it is in the input (line
 * breaks included, one added after a last record without one), so that the file can be read
 * by eye or fixed and loaded again. Write errors are noticed at fclose (gp_load_file). */
static void report(loader *L, const reject *r) {
  FILE *f = L->rejf ? L->rejf : L->errs;
  if (r->col)
    fprintf(f, "%s:%zu:%zu: %s\n", L->path, r->line, r->col, r->msg);
  else
    fprintf(f, "%s:%zu: %s\n", L->path, r->line, r->msg);
  if (!L->rejf || !r->rec) return;
  const char *e;
  if (L->fmt == GP_FMT_CSV) {
    e = gp_csv_record_end(r->rec, L->file_end, L->delim);
  } else {
    e = memchr(r->rec, '\n', (size_t)(L->file_end - r->rec));
    e = e ? e + 1 : L->file_end;
  }
  fwrite(r->rec, 1, (size_t)(e - r->rec), L->rejf);
  if (e == r->rec || e[-1] != '\n') fputc('\n', L->rejf);
}

/* Adds rows to the held set, with their partitions. */
static gp_rc hold_rows(loader *L, const gp_rows *r, gp_err *err) {
  size_t n0 = L->held.n;
  if (gp_rows_gather(&L->held, r, NULL, r->n)) return gp_err_set(err, GP_NOMEM, "out of memory");
  if (L->held.n > L->held_cap) {
    size_t nc = L->held.cap;
    int64_t *p = GP_REALLOC(L->held_part, nc * sizeof *p);
    if (!p) return gp_err_set(err, GP_NOMEM, "out of memory");
    L->held_part = p;
    L->held_cap = nc;
  }
  int tc = L->t->time_col;
  size_t last = SIZE_MAX; /* rows of one partition come in runs: check the last one first */
  for (size_t i = n0; i < L->held.n; i++) {
    int64_t part = tc >= 0 ? gp_store_partition_of(&L->lay, L->held.cols[tc].i64[i]) : 0;
    L->held_part[i] = part;
    if (last != SIZE_MAX && L->open_parts[last].part == part) continue;
    for (last = 0; last < L->nopen && L->open_parts[last].part != part; last++) {
    }
    if (last < L->nopen) continue; /* held since an older round: keep that one */
    if (L->nopen == L->cap_open) {
      size_t nc = L->cap_open ? L->cap_open * 2 : 16;
      void *np = GP_REALLOC(L->open_parts, nc * sizeof *L->open_parts);
      if (!np) return gp_err_set(err, GP_NOMEM, "out of memory");
      L->open_parts = np;
      L->cap_open = nc;
    }
    L->open_parts[L->nopen].part = part;
    L->open_parts[L->nopen++].round = L->round;
  }
  return GP_OK;
}

/* Meta key of a table's resume position. */
static void pos_key(uint8_t *k, uint16_t table) {
  memcpy(k, "ldpos/", 6);
  k[6] = (uint8_t)(table >> 8);
  k[7] = (uint8_t)table;
}

/* Queues in txn the position every row before which is done once txn commits, given that the
 * held partitions >= keep_from stay held: the start of the oldest round among those. */
static gp_rc queue_position(loader *L, gp_store_txn *txn, int64_t keep_from, gp_err *err) {
  if (L->t->key_col < 0 || L->no_resume) return GP_OK;
  size_t r = L->round + 1;
  for (size_t i = 0; i < L->nopen; i++)
    if (L->open_parts[i].part >= keep_from && L->open_parts[i].round < r)
      r = L->open_parts[i].round;
  uint64_t v[7];
  memcpy(v, L->file_id, 5 * sizeof *v);
  v[5] = L->rounds[r].off;
  v[6] = L->rounds[r].line;
  uint8_t k[8];
  pos_key(k, L->t->id);
  return gp_store_txn_meta_put(txn, k, sizeof k, v, sizeof v, err);
}

/* Forgets the held partitions before `before` (just committed). */
static void close_parts(loader *L, int64_t before) {
  size_t n = 0;
  for (size_t i = 0; i < L->nopen; i++)
    if (L->open_parts[i].part >= before) L->open_parts[n++] = L->open_parts[i];
  L->nopen = n;
}

/* Queues the key ranges of rows src[idx[0..n)] in txn, so that they commit with the rows. */
static gp_rc queue_keys(loader *L, gp_store_txn *txn, const gp_rows *src, const uint32_t *idx,
                        size_t n, gp_err *err) {
  if (L->t->key_col < 0) return GP_OK;
  keyset ks = {0};
  const int64_t *k = src->cols[L->t->key_col].i64;
  gp_rc rc = GP_OK;
  for (size_t i = 0; i < n && rc == GP_OK; i++) {
    int64_t v = k[idx ? idx[i] : i];
    if (ks_add(&ks, v, v)) rc = gp_err_set(err, GP_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < ks.n && rc == GP_OK; i++) {
    uint8_t kk[14];
    key_key(kk, L->t->id, ks.lo[i]);
    rc = gp_store_txn_meta_put(txn, kk, 14, &ks.hi[i], 8, err);
  }
  ks_free(&ks);
  return rc;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* Writes the held partitions before `before` straight into chunks, one atomic commit each
 * (rows, their key ranges, the deletion of anything they replace), and forgets them. */
static gp_rc flush_held(loader *L, int64_t before, gp_err *err) {
  gp_rows *h = &L->held;
  if (h->n == 0) return GP_OK;
  gp_store *store = gp_db_store(L->db);
  gp_rc rc = GP_OK;
  uint32_t *idx = GP_MALLOC(h->n * sizeof *idx);
  int64_t *parts = GP_MALLOC(h->n * sizeof *parts);
  gp_rows keep = {0};
  gp_store_txn *txn = gp_store_txn_begin_lazy(store);
  if (!idx || !parts || !txn || gp_rows_init(&keep, &L->lay, 16)) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto cleanup;
  }
  /* the distinct partitions to flush: few, and rows of one partition come in runs */
  size_t u = 0;
  for (size_t i = 0; i < h->n; i++) {
    int64_t p = L->held_part[i];
    if (p >= before || (u && parts[u - 1] == p)) continue;
    size_t j = 0;
    while (j < u && parts[j] != p) j++;
    if (j == u) parts[u++] = p;
  }
  if (u == 0) goto cleanup;
  qsort(parts, u, sizeof *parts, cmp_i64);
  for (size_t j = 0; j < u && rc == GP_OK; j++) {
    size_t n = 0;
    for (size_t i = 0; i < h->n; i++)
      if (L->held_part[i] == parts[j]) idx[n++] = (uint32_t)i;
    if ((rc = queue_keys(L, txn, h, idx, n, err))) break;
    /* the position goes with the last partition: if an earlier commit alone succeeds, the
     * position written before stays behind it, which is safe */
    if (j + 1 == u && (rc = queue_position(L, txn, before, err))) break;
    rc = gp_store_seal_rows(txn, L->t->id, parts[j], h, idx, n, &L->res->seal, err);
    /* rows count as loaded once committed, never while only held: a load that fails later
     * reports what is stored */
    if (rc == GP_OK) L->res->loaded += n;
  }
  if (rc) goto cleanup;
  close_parts(L, before);
  /* keep the rows of partitions still open */
  size_t n = 0;
  for (size_t i = 0; i < h->n; i++)
    if (L->held_part[i] >= before) {
      L->held_part[n] = L->held_part[i];
      idx[n++] = (uint32_t)i;
    }
  if (gp_rows_gather(&keep, h, idx, n)) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto cleanup;
  }
  gp_rows_free(h);
  *h = keep;
  memset(&keep, 0, sizeof keep);
  if (h->cap > L->held_cap) {
    int64_t *p = GP_REALLOC(L->held_part, h->cap * sizeof *p);
    if (!p) {
      rc = gp_err_set(err, GP_NOMEM, "out of memory");
      goto cleanup;
    }
    L->held_part = p;
    L->held_cap = h->cap;
  }
cleanup:
  gp_store_txn_free(txn);
  gp_rows_free(&keep);
  GP_FREE(idx);
  GP_FREE(parts);
  return rc;
}

/* Too much held (input far from time order, or a table without time): the held rows go
 * fresh, durable now, to be sealed later. */
static gp_rc spill_held(loader *L, gp_err *err) {
  gp_store_txn *txn = gp_store_txn_begin_lazy(gp_db_store(L->db));
  if (!txn) return gp_err_set(err, GP_NOMEM, "out of memory");
  gp_rc rc = queue_keys(L, txn, &L->held, NULL, L->held.n, err);
  if (!rc) rc = queue_position(L, txn, INT64_MAX, err);
  if (!rc) rc = gp_store_txn_append(txn, L->t->id, &L->held, 0, L->held.n, err);
  if (!rc) rc = gp_store_txn_commit(txn, err);
  gp_store_txn_free(txn);
  if (!rc) {
    L->res->loaded += L->held.n;
    close_parts(L, INT64_MAX);
    L->held.n = 0;
    L->held.text.len = 0;
    for (int c = 0; c < L->held.ncols; c++)
      if (L->held.cols[c].nulls) memset(L->held.cols[c].nulls, 0, (L->held.cap + 7) / 8);
  }
  return rc;
}

/* Gives the round's new symbols their ids (queued for persistence in txn). This part runs
 * alone: the next round's parsers read the dictionaries, so nothing may add to them while
 * they run. */
static gp_rc resolve_symbols(loader *L, seg *segs, size_t nseg, gp_store_txn *txn, gp_err *err) {
  for (size_t k = 0; k < nseg; k++) {
    seg *s = &segs[k];
    for (size_t j = 0; j < s->npend; j++) {
      pending_sym *p = &s->pend[j];
      int64_t id = gp_db_sym_add(L->db, L->t, p->col, (const char *)s->pend_text.p + p->off,
                                 p->len, txn);
      if (id < 0) return gp_err_set(err, GP_NOMEM, "out of memory");
      s->rows.cols[p->col].i64[p->row] = id;
    }
  }
  return GP_OK;
}

/* Everything else after parsing, on one thread while the next round is parsed on the others:
 * LOCATION FROM cells, keys, then one durable transaction (txn, which already holds the new
 * symbols; freed here). When this round's rejects take the load past max_errors (0 with
 * stop_on_error), the reject that does so stops the load: *stop is set to it, and the rows
 * from its line on are left out (the rows before it are committed as usual). */
static gp_rc finish_round(loader *L, seg *segs, size_t nseg, gp_store_txn *txn,
                          const reject **stop, gp_err *err) {
  const gp_table *t = L->t;
  gp_rc rc = GP_OK;
  for (size_t k = 0; k < nseg && rc == GP_OK; k++)
    if (t->loc == GP_LOC_FROM) rc = locate_from(L, &segs[k], err);
  /* number lines and find the reject past the budget, if any: rejects so far plus those of
   * this round in file order */
  const reject *first = NULL;
  size_t seen = L->res->rejected;
  for (size_t k = 0; k < nseg; k++) {
    for (size_t j = 0; j < segs[k].nrej; j++) segs[k].rej[j].line += segs[k].line0;
    if (segs[k].nrej) qsort(segs[k].rej, segs[k].nrej, sizeof *segs[k].rej, cmp_rej);
    if (!first && L->max_errors != SIZE_MAX && seen + segs[k].nrej > L->max_errors)
      first = &segs[k].rej[L->max_errors - seen];
    seen += segs[k].nrej;
  }
  if (first) {
    *stop = first;
    for (size_t k = 0; k < nseg; k++) {
      seg *s = &segs[k];
      size_t n = 0;
      while (n < s->rows.n && s->line0 + s->line[n] < first->line) n++;
      for (size_t i = n; i < s->rows.n; i++) clear_row_nulls(&s->rows, i);
      s->rows.n = n;
    }
  }
  for (size_t k = 0; k < nseg && rc == GP_OK; k++) {
    seg *s = &segs[k];
    if (t->key_col >= 0 && (rc = dedupe(L, s, err))) break;
    if ((rc = hold_rows(L, &s->rows, err))) break;
  }
  /* the round's new symbols are durable before any row that uses them */
  if (rc == GP_OK) rc = gp_store_txn_commit(txn, err);
  gp_store_txn_free(txn);
  for (size_t k = 0; k < nseg; k++)
    for (size_t j = 0; j < segs[k].nrej; j++) {
      if (*stop && segs[k].rej[j].line > (*stop)->line) break;
      report(L, &segs[k].rej[j]);
      L->res->rejected++;
    }
  return rc;
}

/* Reads the other table of a LOCATION FROM: key string -> cell, sorted by key. */
typedef struct loc_ctx {
  loader *L;
  const gp_table *o;
  gp_rc rc;
} loc_ctx;

static gp_rc loc_collect(void *ctx, int thread, const gp_unit_info *u, const gp_rows *rows,
                         gp_err *err) {
  (void)thread;
  (void)u;
  loc_ctx *c = ctx;
  loader *L = c->L;
  gp_rc rc = GP_OK;
#pragma omp critical(gp_loc_collect)
  {
    for (size_t i = 0; i < rows->n && rc == GP_OK; i++) {
      const gp_col *kc = &rows->cols[c->o->key_col];
      char tmp[32];
      const char *s;
      size_t n;
      if (kc->type == GP_T_INT) {
        n = (size_t)snprintf(tmp, sizeof tmp, "%lld", (long long)kc->i64[i]);
        s = tmp;
      } else if (kc->type == GP_T_SYMBOL) {
        s = gp_db_sym_str(L->db, c->o, c->o->key_col, kc->i64[i], &n);
      } else {
        s = kc->str[i];
        n = kc->len[i];
      }
      if (!s) continue;
      char **k = GP_REALLOC(L->loc_keys, (L->nloc + 1) * sizeof *k);
      uint64_t *cl = k ? GP_REALLOC(L->loc_cells, (L->nloc + 1) * sizeof *cl) : NULL;
      if (k) L->loc_keys = k;
      if (cl) L->loc_cells = cl;
      char *dup = cl ? GP_STRNDUP(s, n) : NULL;
      if (!dup) {
        rc = gp_err_set(err, GP_NOMEM, "out of memory");
        break;
      }
      L->loc_keys[L->nloc] = dup;
      L->loc_cells[L->nloc++] = rows->cell[i];
    }
  }
  return rc;
}

typedef struct loc_pair {
  char *k;
  uint64_t c;
} loc_pair;

static int cmp_loc(const void *a, const void *b) {
  return strcmp(((const loc_pair *)a)->k, ((const loc_pair *)b)->k);
}

static gp_rc load_locations(loader *L, gp_err *err) {
  const gp_table *o = gp_db_table(L->db, L->t->loc_table);
  if (!o) return gp_err_set(err, GP_NOTFOUND, "LOCATION FROM: no table '%s'", L->t->loc_table);
  gp_scan *sc = NULL;
  gp_scan_spec spec = {.t_lo = INT64_MIN, .t_hi = INT64_MAX};
  gp_rc rc = gp_scan_open(gp_db_store(L->db), o->id, &spec, &sc, err);
  if (rc) return rc;
  loc_ctx c = {L, o, GP_OK};
  rc = gp_scan_run(sc, false, loc_collect, &c, err);
  gp_scan_close(sc);
  if (rc) return rc;
  /* sort keys and cells together, for binary search */
  size_t n = L->nloc;
  loc_pair *pairs = GP_MALLOC((n ? n : 1) * sizeof *pairs);
  if (!pairs) return gp_err_set(err, GP_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) pairs[i] = (loc_pair){L->loc_keys[i], L->loc_cells[i]};
  qsort(pairs, n, sizeof *pairs, cmp_loc);
  for (size_t i = 0; i < n; i++) {
    L->loc_keys[i] = pairs[i].k;
    L->loc_cells[i] = pairs[i].c;
  }
  GP_FREE(pairs);
  return GP_OK;
}

/* ---- the load ---- */

static gp_format format_of(const char *path, gp_format f) {
  if (f != GP_FMT_AUTO) return f;
  const char *dot = strrchr(path, '.');
  if (dot && (strcasecmp(dot, ".ndjson") == 0 || strcasecmp(dot, ".jsonl") == 0 ||
              strcasecmp(dot, ".json") == 0))
    return GP_FMT_NDJSON;
  return GP_FMT_CSV;
}

static void progress(const loader *L, size_t done, size_t total, double t0) {
  double dt = now_s() - t0;
  fprintf(stderr, "\r%s: %3.0f%%  %zu rows  %.1f MB/s   ", L->path,
          total ? 100.0 * (double)done / (double)total : 100.0, L->res->loaded,
          dt > 0 ? (double)done / dt / 1e6 : 0.0);
  fflush(stderr);
}

/* Cuts the next round of segments from *p, resetting them. Returns how many. */
static size_t cut_round(const loader *L, seg *segs, const char **p, const char *end) {
  size_t n = 0;
  while (n < ROUND_SEGS && *p < end) {
    seg *s = &segs[n++];
    seg_reset(s);
    s->p = *p;
    s->end = seg_end(L, *p, end);
    *p = s->end;
  }
  return n;
}

/* Parses (and, when the grid is known, projects) a round on all threads. */
static void parse_round(loader *L, seg *segs, size_t n, const gp_grid *g) {
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t k = 0; k < n; k++) {
    parse_segment(L, &segs[k]);
    if (g && L->t->loc == GP_LOC_LONLAT) locate_segment(L, &segs[k], g);
    else if (L->t->loc == GP_LOC_NONE) locate_segment(L, &segs[k], g);
  }
}

gp_rc gp_load_file(gp_db *db, const char *table, const char *path, const gp_load_opts *o,
                   gp_load_result *res, gp_err *err) {
  static const gp_load_opts defaults;
  if (!o) o = &defaults;
  memset(res, 0, sizeof *res);
  double t0 = now_s();
  loader L;
  memset(&L, 0, sizeof L);
  L.db = db;
  L.path = path;
  L.o = o;
  L.res = res;
  L.errs = o->errors ? o->errors : stderr;
  L.max_errors = o->stop_on_error ? 0 : o->max_errors ? o->max_errors : SIZE_MAX;
  L.max_line = o->max_line ? o->max_line : (1u << 20);
  L.fmt = format_of(path, o->format);
  L.delim = o->delim ? o->delim : ',';
  mapped m;
  seg *segs = NULL;
  gp_buf scratch = {0};
  gp_rc rc = map_file(path, &m, err);
  if (rc) return rc;
  res->bytes = m.n;
  const char *p = m.p, *end = m.p + m.n;
  L.file_end = end;
  if (o->reject_file && (L.rejf = fopen(o->reject_file, "w")) == NULL) {
    rc = gp_err_set(err, GP_IO, "%s: cannot write the reject file: %m", o->reject_file);
    goto cleanup;
  }
  if (m.n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3; /* UTF-8 byte order mark */
  size_t line0 = 1;

  /* header: CSV names, or the keys of the first NDJSON object */
  gp_field names[MAX_FIELDS + 1];
  int nnames = 0;
  const gp_table *t = gp_db_table(db, table);
  if (L.fmt == GP_FMT_CSV && !o->no_header) {
    const char *e = gp_csv_record_end(p, end, L.delim);
    if (!e) e = end;
    const char *q = e;
    while (q > p && (q[-1] == '\n' || q[-1] == '\r')) q--;
    const char *why;
    size_t col;
    nnames = q > p ? gp_csv_split(p, q, L.delim, names, MAX_FIELDS + 1, &scratch, &why, &col) : 0;
    if (nnames <= 0) {
      rc = gp_err_set(err, GP_PARSE, "%s:1: %s", path, nnames < 0 ? why : "empty header");
      goto cleanup;
    }
    if (nnames > MAX_FIELDS) {
      rc = gp_err_set(err, GP_PARSE, "%s:1: %d columns, at most %d supported", path, nnames,
                      MAX_FIELDS);
      goto cleanup;
    }
    line0 += count_nl(p, e);
    p = e;
  } else if (L.fmt == GP_FMT_NDJSON && !t) {
    const char *e = memchr(p, '\n', (size_t)(end - p));
    const char *why;
    size_t col;
    nnames = gp_ndjson_keys(p, (size_t)((e ? e : end) - p), names, MAX_FIELDS + 1, &scratch,
                            &why, &col);
    if (nnames <= 0) {
      rc = gp_err_set(err, GP_PARSE, "%s:1:%zu: %s", path, nnames < 0 ? col : 1,
                      nnames < 0 ? why : "no keys in the first object");
      goto cleanup;
    }
    if (nnames > MAX_FIELDS) {
      rc = gp_err_set(err, GP_PARSE, "%s:1: %d keys, at most %d supported", path, nnames,
                      MAX_FIELDS);
      goto cleanup;
    }
  }
  if (!t) {
    if (nnames == 0) {
      rc = gp_err_set(err, GP_NOTFOUND, "no table '%s' (and a file without a header cannot "
                      "create it)", table);
      goto cleanup;
    }
    if ((rc = gp_load__create_table(db, path, o, L.fmt, L.delim, L.errs, table, names, nnames, p,
                                    end, err)))
      goto cleanup;
    t = gp_db_table(db, table);
  }
  L.t = t;
  if (L.fmt == GP_FMT_CSV) {
    if (o->no_header) {
      L.nfile = t->ncols;
      for (int c = 0; c < t->ncols; c++) L.map[c] = c;
    } else {
      L.nfile = nnames;
      for (int j = 0; j < nnames; j++) {
        L.map[j] = gp_table_col(t, names[j].p, names[j].len);
        if (L.map[j] < 0) {
          char nb[64];
          rc = gp_err_set(err, GP_PARSE, "%s:1: column %s is not in table '%s'", path,
                          show(&names[j], nb), t->name);
          goto cleanup;
        }
        for (int i = 0; i < j; i++)
          if (L.map[i] == L.map[j]) {
            rc = gp_err_set(err, GP_PARSE, "%s:1: column '%s' appears twice", path,
                            t->cols[L.map[j]].name);
            goto cleanup;
          }
      }
      if (t->time_col >= 0) {
        bool has = false;
        for (int j = 0; j < nnames; j++) has |= L.map[j] == t->time_col;
        if (!has) {
          rc = gp_err_set(err, GP_PARSE, "%s:1: the time column '%s' is missing", path,
                          t->cols[t->time_col].name);
          goto cleanup;
        }
      }
    }
  } else {
    for (int c = 0; c < t->ncols; c++) L.keys[c] = t->cols[c].name;
  }
  if (t->key_col >= 0) {
    uint8_t kp[14];
    key_key(kp, t->id, 0);
    ks_load_ctx c = {&L.ks, GP_OK};
    if ((rc = gp_store_meta_scan(gp_db_store(db), kp, 6, ks_load_cb, &c, err)) || (rc = c.rc))
      goto cleanup;
  }
  if (t->loc == GP_LOC_FROM && (rc = load_locations(&L, err))) goto cleanup;
  L.file_id = m.id;
  if (t->key_col >= 0) {
    /* the same file, unchanged, after a load of it was interrupted: start where it was */
    uint8_t k[8];
    bool found = false;
    pos_key(k, t->id);
    if ((rc = gp_store_meta_get(gp_db_store(db), k, sizeof k, &scratch, &found, err))) goto cleanup;
    uint64_t v[7];
    if (found && scratch.len == sizeof v) {
      memcpy(v, scratch.p, sizeof v);
      if (memcmp(v, m.id, sizeof m.id) == 0 && v[5] > (uint64_t)(p - m.p) && v[5] <= m.n) {
        fprintf(L.errs,
                "%s: resuming at line %llu: the rows before it were committed by an "
                "earlier load of this file\n",
                path, (unsigned long long)v[6]);
        p = m.p + v[5];
        line0 = (size_t)v[6];
      }
    }
    scratch.len = 0;
  }

  segs = GP_CALLOC(2 * ROUND_SEGS, sizeof *segs);
  if (!segs) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto cleanup;
  }
  gp_store_layout lay;
  gp_table_layout(t, &lay);
  L.lay = lay;
  if (gp_rows_init(&L.held, &lay, 1024)) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto cleanup;
  }
  for (int k = 0; k < 2 * ROUND_SEGS; k++)
    if (gp_rows_init(&segs[k].rows, &lay, 0)) {
      rc = gp_err_set(err, GP_NOMEM, "out of memory");
      goto cleanup;
    }
  bool tty = o->progress && isatty(2);
  size_t line = line0;
  const reject *stop = NULL;
  /* Two sets of segments: while one round is finished and committed on one thread, the next
   * is parsed and projected on the others. */
  seg *cur = segs, *next = segs + ROUND_SEGS;
  size_t ncur = cut_round(&L, cur, &p, end);
  parse_round(&L, cur, ncur, gp_db_grid(db));
  while (ncur && rc == GP_OK && !stop) {
    if (L.round + 2 > L.cap_rounds) {
      size_t nc = L.cap_rounds ? L.cap_rounds * 2 : 64;
      void *np = GP_REALLOC(L.rounds, nc * sizeof *L.rounds);
      if (!np) {
        rc = gp_err_set(err, GP_NOMEM, "out of memory");
        break;
      }
      L.rounds = np;
      L.cap_rounds = nc;
    }
    L.rounds[L.round].off = (uint64_t)(cur[0].p - m.p);
    L.rounds[L.round].line = line;
    for (size_t k = 0; k < ncur; k++) {
      cur[k].line0 = line;
      line += cur[k].nlines;
      if (cur[k].err.rc && rc == GP_OK) rc = gp_err_set(err, cur[k].err.rc, "%s", cur[k].err.msg);
    }
    L.rounds[L.round + 1].off = (uint64_t)(cur[ncur - 1].end - m.p);
    L.rounds[L.round + 1].line = line;
    if (rc) break;
    /* the first located row ever loaded fixes the CRS (its UTM zone) */
    if (t->loc == GP_LOC_LONLAT && !gp_db_grid(db)) {
      for (size_t k = 0; k < ncur && !gp_db_grid(db); k++)
        for (size_t i = 0; i < cur[k].rows.n; i++) {
          if (gp_rows_isnull(&cur[k].rows.cols[t->lon_col], i)) continue; /* no position */
          int epsg = gp_grid_utm_epsg(cur[k].rows.cols[t->lon_col].f64[i],
                                      cur[k].rows.cols[t->lat_col].f64[i]);
          if ((rc = gp_db_set_crs(db, epsg, err))) goto cleanup;
          break;
        }
      for (size_t k = 0; k < ncur; k++) locate_segment(&L, &cur[k], gp_db_grid(db));
      for (size_t k = 0; k < ncur; k++)
        if (cur[k].err.rc && rc == GP_OK)
          rc = gp_err_set(err, cur[k].err.rc, "%s", cur[k].err.msg);
      if (rc) break;
    }
    gp_store_txn *txn = gp_store_txn_begin_lazy(gp_db_store(db));
    if (!txn) {
      rc = gp_err_set(err, GP_NOMEM, "out of memory");
      break;
    }
    if ((rc = resolve_symbols(&L, cur, ncur, txn, err))) {
      gp_store_txn_free(txn);
      break;
    }
    size_t nnext = cut_round(&L, next, &p, end);
    const gp_grid *g = gp_db_grid(db);
    gp_rc frc = GP_OK;
    gp_err ferr = {0};
#pragma omp parallel
#pragma omp single
    {
#pragma omp task
      {
        double tf = now_s();
        struct timespec c0, c1;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
        frc = finish_round(&L, cur, ncur, txn, &stop, &ferr);
        if (stop) L.no_resume = true;
        double ts2 = now_s();
        L.t_commit += ts2 - tf;
        /* Partitions before this round's earliest are complete for a load in time order:
         * write them into chunks now. */
        if (frc == GP_OK && t->time_col >= 0) {
          int64_t pmin = INT64_MAX;
          for (size_t k = 0; k < ncur; k++)
            for (size_t i = 0; i < cur[k].rows.n; i++) {
              int64_t pp = gp_store_partition_of(&lay, cur[k].rows.cols[t->time_col].i64[i]);
              if (pp < pmin) pmin = pp;
            }
          if (pmin != INT64_MAX && !o->no_seal) frc = flush_held(&L, pmin, &ferr);
        }
        if (frc == GP_OK && (L.held.n > HOLD_MAX || (o->no_seal && L.held.n)))
          frc = spill_held(&L, &ferr);
        L.t_seal += now_s() - ts2;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
        L.t_cpu += (double)(c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) / 1e9;
      }
      for (size_t k = 0; k < nnext; k++) {
#pragma omp task firstprivate(k)
        {
          parse_segment(&L, &next[k]);
          if (g && t->loc == GP_LOC_LONLAT) locate_segment(&L, &next[k], g);
        }
      }
    }
    if (frc) {
      rc = gp_err_set(err, frc, "%s", ferr.msg);
      break;
    }
    if (tty) progress(&L, (size_t)(p - m.p), m.n, t0);
    seg *tmp = cur;
    cur = next;
    next = tmp;
    ncur = stop ? 0 : nnext;
    L.round++;
  }
  if (tty) fprintf(stderr, "\n");
  double tfinal = now_s();
  /* the final flush leaves the position where the last round put it: it is deleted below
   * once everything is committed */
  L.no_resume = true;
  if (rc == GP_OK && o->no_seal && L.held.n) rc = spill_held(&L, err);
  if (rc == GP_OK) rc = flush_held(&L, INT64_MAX, err);
  if (rc == GP_OK && !o->no_seal)
    rc = gp_store_seal(gp_db_store(db), t->id, INT64_MAX, &res->seal, err);
  /* Commits during the load were not fsynced one by one; they are made durable here, before
   * the load reports them (a load stopped on a bad row included). */
  if (rc == GP_OK && t->key_col >= 0) {
    /* the whole input is done (or stopped on a reject): a new run of it reads it all again */
    uint8_t k[8];
    pos_key(k, t->id);
    gp_store_txn *txn = gp_store_txn_begin_lazy(gp_db_store(db));
    if (!txn)
      rc = gp_err_set(err, GP_NOMEM, "out of memory");
    else if (!(rc = gp_store_txn_meta_delete(txn, k, sizeof k, err)))
      rc = gp_store_txn_commit(txn, err);
    gp_store_txn_free(txn);
  }
  if (rc == GP_OK) rc = gp_store_sync(gp_db_store(db), err);
  if (getenv("GP_TRACE"))
    fprintf(stderr, "load trace: commit %.3f s, seal during load %.3f s (CPU %.3f s), final seal "
            "%.3f s, total %.3f s\n", L.t_commit, L.t_seal, L.t_cpu, now_s() - tfinal, now_s() - t0);
  if (rc == GP_OK && stop && L.max_errors == 0)
    rc = gp_err_set(err, GP_PARSE, "%s:%zu: %s (load stopped; %zu rows loaded before it)", path,
                    stop->line, stop->msg, res->loaded);
  else if (rc == GP_OK && stop)
    rc = gp_err_set(err, GP_PARSE,
                    "%s:%zu: %s (more than %zu rows rejected: load stopped; "
                    "%zu rows loaded before this line)",
                    path, stop->line, stop->msg, L.max_errors, res->loaded);
cleanup:
  if (L.rejf) {
    /* a reject file that lost reports would lose rows in silence: that fails the load */
    bool lost = ferror(L.rejf) != 0;
    if (fclose(L.rejf) != 0) lost = true;
    if (lost && rc == GP_OK)
      rc = gp_err_set(err, GP_IO, "%s: cannot write the reject file", o->reject_file);
  }
  res->seconds = now_s() - t0;
  for (int k = 0; segs && k < 2 * ROUND_SEGS; k++) seg_free(&segs[k]);
  GP_FREE(segs);
  for (size_t i = 0; i < L.nloc; i++) GP_FREE(L.loc_keys[i]);
  GP_FREE(L.loc_keys);
  GP_FREE(L.loc_cells);
  GP_FREE(L.loc_by_id);
  ks_free(&L.ks);
  gp_rows_free(&L.held);
  GP_FREE(L.held_part);
  GP_FREE(L.rounds);
  GP_FREE(L.open_parts);
  gp_buf_free(&scratch);
  unmap_file(&m);
  return rc;
}
