/* chunk.c - row sets in memory and their two encodings (raw fresh batches, packed chunks),
 * and chunk summaries.
 *
 * Row-set encoding (both modes; integers little-endian, varints LEB128):
 *
 *   u8 'G'  u8 version=1  u8 mode (0 raw, 1 packed)  uvarint n  uvarint ncols
 *   cells:   raw: n x u64 | packed: uvarint base, ints codec of (cell - base)
 *   per column:
 *     u8 type  u8 flags (bit 0: has nulls)  u32 payload length (so unread columns are skipped)
 *     payload:
 *     [nulls]  raw: ceil(n/8) bytes | packed: bits codec
 *     values   TIMESTAMP/INT: raw n x i64 | packed ints codec
 *              SYMBOL:        raw n x i64 | packed: uvarint k, ints codec of the k distinct
 *                             ids ascending, ints codec of each row's index into them
 *              DOUBLE:        raw n x f64 | packed doubles codec
 *              TEXT:          strings codec (both modes)
 *
 * Example: 3 rows of one INT column 7, 8, 9 at cell 5, packed, is
 *   'G' 01 01 03 01 | 05 <ints codec of 0,0,0> | 03 00 <u32 length> <ints codec of 7,8,9>
 * The cells are "small offsets inside the cell": a chunk covers a short Morton range, so
 * (cell - base) needs few bits, and rows sorted by series repeat the same offset (run-length).
 *
 * Summary encoding:
 *   u8 version=1  uvarint n  svarint t_min  svarint t_max  uvarint cell_min  uvarint cell_max
 *   uvarint ncols, then per column: u8 type  uvarint nulls  and
 *     TIMESTAMP/INT: svarint min, svarint max, u8 exact, svarint isum, f64 dsum
 *     DOUBLE:        f64 min, f64 max, f64 dsum, u8 exact, u8 scale, svarint isum
 *     SYMBOL:        uvarint k, then k x (uvarint id - previous id, uvarint count)
 *     TEXT:          nothing */
#include "store_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"



#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "raw fresh batches are written in host order, which must be little-endian"
#endif

/* ---- row sets ---- */

gp_rc gp_rows_init(gp_rows *r, const gp_store_layout *l, size_t cap) {
  memset(r, 0, sizeof *r);
  r->ncols = l->ncols;
  for (int c = 0; c < l->ncols; c++) r->cols[c].type = l->types[c];
  return gp_rows_reserve(r, cap ? cap : 16);
}

gp_rc gp_rows_reserve(gp_rows *r, size_t cap) {
  if (cap <= r->cap) return GP_OK;
  size_t nc = r->cap ? r->cap : 16;
  while (nc < cap) nc *= 2;
  uint64_t *cell = GP_REALLOC(r->cell, nc * sizeof *cell);
  if (!cell) return GP_NOMEM;
  r->cell = cell;
  for (int c = 0; c < r->ncols; c++) {
    gp_col *col = &r->cols[c];
    switch (col->type) {
      case GP_T_DOUBLE: {
        double *p = GP_REALLOC(col->f64, nc * sizeof *p);
        if (!p) return GP_NOMEM;
        col->f64 = p;
        break;
      }
      case GP_T_TEXT: {
        const char **p = GP_REALLOC(col->str, nc * sizeof *p);
        if (!p) return GP_NOMEM;
        col->str = p;
        uint32_t *q = GP_REALLOC(col->len, nc * sizeof *q);
        if (!q) return GP_NOMEM;
        col->len = q;
        break;
      }
      default: {
        int64_t *p = GP_REALLOC(col->i64, nc * sizeof *p);
        if (!p) return GP_NOMEM;
        col->i64 = p;
      }
    }
    if (col->nulls) {
      uint8_t *p = GP_REALLOC(col->nulls, (nc + 7) / 8);
      if (!p) return GP_NOMEM;
      memset(p + (r->cap + 7) / 8, 0, (nc + 7) / 8 - (r->cap + 7) / 8);
      col->nulls = p;
    }
  }
  r->cap = nc;
  return GP_OK;
}

void gp_rows_free(gp_rows *r) {
  if (r == NULL) return;
  for (int c = 0; c < r->ncols; c++) {
    GP_FREE(r->cols[c].i64);
    GP_FREE(r->cols[c].f64);
    GP_FREE(r->cols[c].str);
    GP_FREE(r->cols[c].len);
    GP_FREE(r->cols[c].nulls);
  }
  GP_FREE(r->cell);
  gp_buf_free(&r->text);
  memset(r, 0, sizeof *r);
}

gp_rc gp_col_set_null(gp_col *c, size_t i, size_t cap) {
  if (c->nulls == NULL) {
    c->nulls = GP_CALLOC((cap + 7) / 8, 1);
    if (c->nulls == NULL) return GP_NOMEM;
  }
  c->nulls[i >> 3] |= (uint8_t)(1u << (i & 7));
  return GP_OK;
}

/* TEXT values of a row set may point anywhere (into a load buffer, into a RocksDB value), so
 * copying rows copies their bytes into dst->text and fixes the pointers up at the end. While
 * copying, a pointer temporarily holds an offset into dst->text (tagged by text_pending). */
static gp_rc copy_text(gp_rows *dst, gp_col *dc, size_t di, const char *s, uint32_t n) {
  size_t off = dst->text.len;
  if (gp_buf_put(&dst->text, s, n) != GP_OK) return GP_NOMEM;
  dc->str[di] = (const char *)(uintptr_t)off;
  dc->len[di] = n;
  return GP_OK;
}

/* Turns the offsets left by copy_text in rows [from, n) into pointers, in the TEXT columns
 * whose bit is set in cols (columns a projected decode skipped hold no offsets). */
static void fix_text_cols(gp_rows *dst, size_t from, uint64_t cols) {
  for (int c = 0; c < dst->ncols; c++) {
    gp_col *col = &dst->cols[c];
    if (col->type != GP_T_TEXT || (c < 64 && !(cols >> c & 1))) continue;
    /* no text bytes at all: every value is empty (and NULL + 0 is not C) */
    for (size_t i = from; i < dst->n; i++)
      col->str[i] = dst->text.p ? (const char *)dst->text.p + (uintptr_t)col->str[i] : "";
  }
}

static void fix_text(gp_rows *dst, size_t from) { fix_text_cols(dst, from, ~UINT64_C(0)); }

/* Because dst->text may move when it grows, the TEXT pointers of dst (in the columns of cols)
 * are rebased to offsets first. */
static void unfix_text_cols(gp_rows *dst, uint64_t cols) {
  for (int c = 0; c < dst->ncols; c++) {
    gp_col *col = &dst->cols[c];
    if (col->type != GP_T_TEXT || (c < 64 && !(cols >> c & 1))) continue;
    for (size_t i = 0; i < dst->n; i++)
      col->str[i] = dst->text.p
                        ? (const char *)(uintptr_t)(col->str[i] - (const char *)dst->text.p)
                        : (const char *)0;
  }
}

static void unfix_text(gp_rows *dst) { unfix_text_cols(dst, ~UINT64_C(0)); }

static bool has_text(const gp_rows *r) {
  for (int c = 0; c < r->ncols; c++)
    if (r->cols[c].type == GP_T_TEXT) return true;
  return false;
}

gp_rc gp_store__rows_gather(gp_rows *dst, const gp_rows *src, const uint32_t *idx, size_t n) {
  if (gp_rows_reserve(dst, dst->n + n) != GP_OK) return GP_NOMEM;
  bool text = has_text(dst);
  size_t from = dst->n;
  if (text) unfix_text(dst);
  gp_rc rc = GP_OK;
  /* column at a time: each inner loop is a plain gather the compiler can keep tight */
  for (size_t k = 0; k < n; k++) dst->cell[from + k] = src->cell[idx ? idx[k] : k];
  for (int c = 0; c < src->ncols && rc == GP_OK; c++) {
    const gp_col *sc = &src->cols[c];
    gp_col *dc = &dst->cols[c];
    switch (sc->type) {
      case GP_T_DOUBLE:
        if (idx)
          for (size_t k = 0; k < n; k++) dc->f64[from + k] = sc->f64[idx[k]];
        else
          memcpy(dc->f64 + from, sc->f64, n * sizeof *dc->f64);
        break;
      case GP_T_TEXT:
        for (size_t k = 0; k < n && rc == GP_OK; k++) {
          size_t i = idx ? idx[k] : k;
          rc = copy_text(dst, dc, from + k, sc->str[i], sc->len[i]);
        }
        break;
      default:
        if (idx)
          for (size_t k = 0; k < n; k++) dc->i64[from + k] = sc->i64[idx[k]];
        else
          memcpy(dc->i64 + from, sc->i64, n * sizeof *dc->i64);
    }
    if (rc == GP_OK && (sc->nulls || dc->nulls)) {
      for (size_t k = 0; k < n; k++) {
        size_t i = idx ? idx[k] : k, d = from + k;
        if (gp_rows_isnull(sc, i)) {
          if ((rc = gp_col_set_null(dc, d, dst->cap)) != GP_OK) break;
        } else if (dc->nulls) {
          dc->nulls[d >> 3] &= (uint8_t) ~(1u << (d & 7));
        }
      }
    }
  }
  dst->n = from + (rc == GP_OK ? n : 0);
  if (text) fix_text(dst, 0);
  return rc;
}

gp_rc gp_rows_gather(gp_rows *dst, const gp_rows *src, const uint32_t *idx, size_t n) {
  return gp_store__rows_gather(dst, src, idx, n);
}

gp_rc gp_store__rows_append(gp_rows *dst, const gp_rows *src, size_t i) {
  uint32_t idx = (uint32_t)i;
  return gp_store__rows_gather(dst, src, &idx, 1);
}

/* ---- row-set encoding ---- */

static gp_rc put_nulls(gp_buf *out, const gp_col *c, size_t n, int enc) {
  if (enc == GP_ENC_RAW) return gp_buf_put(out, c->nulls, (n + 7) / 8);
  return gp_codec_bits_encode(c->nulls, n, out);
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* The distinct ids among v[0..n) (ascending) and, when count is not NULL, how often each occurs.
 * Dictionary ids are dense small integers, so a direct-indexed table over [min, max] does it
 * in two linear passes; a sparse spread (max - min > 16 n) falls back to sorting. Returns the
 * number of distinct ids written to ids (room for n), or -1 on no memory. */
static long distinct_ids(const int64_t *v, size_t n, const uint8_t *nulls, uint32_t *ids,
                         uint32_t *count) {
  int64_t mn = INT64_MAX, mx = INT64_MIN;
  for (size_t i = 0; i < n; i++) {
    if (nulls && (nulls[i >> 3] >> (i & 7) & 1)) continue;
    if (v[i] < mn) mn = v[i];
    if (v[i] > mx) mx = v[i];
  }
  if (mn > mx) return 0;
  size_t k = 0;
  if ((uint64_t)(mx - mn) <= 16 * (uint64_t)n + 1024) {
    size_t span = (size_t)(mx - mn) + 1;
    uint32_t *tab = GP_CALLOC(span, sizeof *tab);
    if (!tab) return -1;
    for (size_t i = 0; i < n; i++)
      if (!(nulls && (nulls[i >> 3] >> (i & 7) & 1))) tab[v[i] - mn]++;
    for (size_t j = 0; j < span; j++)
      if (tab[j]) {
        ids[k] = (uint32_t)(mn + (int64_t)j);
        if (count) count[k] = tab[j];
        k++;
      }
    GP_FREE(tab);
    return (long)k;
  }
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (!(nulls && (nulls[i >> 3] >> (i & 7) & 1))) ids[m++] = (uint32_t)v[i];
  qsort(ids, m, sizeof *ids, cmp_u32);
  for (size_t i = 0; i < m; i++) {
    if (k && ids[k - 1] == ids[i]) {
      if (count) count[k - 1]++;
      continue;
    }
    ids[k] = ids[i];
    if (count) count[k] = 1;
    k++;
  }
  return (long)k;
}

/* Symbols of a packed chunk: the distinct global ids, then each row's local index, so a chunk
 * that sees 12 of 182 categories spends 4 bits a row rather than 8. */
static gp_rc put_symbols(gp_buf *out, const int64_t *v, size_t n) {
  gp_rc rc = GP_NOMEM;
  uint32_t *ids = GP_MALLOC((n ? n : 1) * sizeof *ids);
  int64_t *tmp = GP_MALLOC((n ? n : 1) * sizeof *tmp);
  if (!ids || !tmp) goto cleanup;
  long k = distinct_ids(v, n, NULL, ids, NULL);
  if (k < 0) goto cleanup;
  for (long i = 0; i < k; i++) tmp[i] = ids[i];
  if ((rc = gp_buf_put_uvarint(out, (uint64_t)k)) != GP_OK) goto cleanup;
  if ((rc = gp_codec_ints_encode(tmp, (size_t)k, out)) != GP_OK) goto cleanup;
  if (k > 0 && ids[k - 1] - ids[0] <= 16 * n + 1024) {
    /* direct remap table from global id to local index */
    size_t span = ids[k - 1] - ids[0] + 1;
    uint32_t *map = GP_MALLOC(span * sizeof *map);
    if (!map) {
      rc = GP_NOMEM;
      goto cleanup;
    }
    for (long i = 0; i < k; i++) map[ids[i] - ids[0]] = (uint32_t)i;
    for (size_t i = 0; i < n; i++) tmp[i] = map[v[i] - ids[0]];
    GP_FREE(map);
  } else {
    for (size_t i = 0; i < n; i++) {
      uint32_t key = (uint32_t)v[i];
      uint32_t *hit = bsearch(&key, ids, (size_t)k, sizeof *ids, cmp_u32);
      tmp[i] = hit - ids;
    }
  }
  rc = gp_codec_ints_encode(tmp, n, out);
cleanup:
  GP_FREE(ids);
  GP_FREE(tmp);
  return rc;
}

gp_rc gp_store__encode_rows(const gp_rows *r, int enc, gp_buf *out, gp_err *err) {
  size_t n = r->n;
  gp_rc rc = GP_OK;
  int64_t *tmp = NULL;
  if (gp_buf_put_u8(out, 'G') || gp_buf_put_u8(out, 1) || gp_buf_put_u8(out, (uint8_t)enc) ||
      gp_buf_put_uvarint(out, n) || gp_buf_put_uvarint(out, (uint64_t)r->ncols))
    goto nomem;
  if (enc == GP_ENC_RAW) {
    if (gp_buf_put(out, r->cell, n * 8)) goto nomem;
  } else {
    uint64_t base = UINT64_MAX;
    for (size_t i = 0; i < n; i++)
      if (r->cell[i] < base) base = r->cell[i];
    if (n == 0) base = 0;
    tmp = GP_MALLOC((n ? n : 1) * sizeof *tmp);
    if (!tmp) goto nomem;
    for (size_t i = 0; i < n; i++) tmp[i] = (int64_t)(r->cell[i] - base);
    if (gp_buf_put_uvarint(out, base) || gp_codec_ints_encode(tmp, n, out)) goto nomem;
  }
  for (int c = 0; c < r->ncols; c++) {
    const gp_col *col = &r->cols[c];
    bool nulls = false;
    if (col->nulls)
      for (size_t i = 0; i < (n + 7) / 8 && !nulls; i++) nulls = col->nulls[i] != 0;
    if (gp_buf_put_u8(out, (uint8_t)col->type) || gp_buf_put_u8(out, nulls ? 1 : 0) ||
        gp_buf_put_u32le(out, 0))
      goto nomem;
    size_t start = out->len;
    if (nulls && put_nulls(out, col, n, enc)) goto nomem;
    switch (col->type) {
      case GP_T_TEXT: rc = gp_codec_strings_encode(col->str, col->len, n, out); break;
      case GP_T_DOUBLE:
        rc = enc == GP_ENC_RAW ? gp_buf_put(out, col->f64, n * 8)
                               : gp_codec_doubles_encode(col->f64, n, out);
        break;
      case GP_T_SYMBOL:
        rc = enc == GP_ENC_RAW ? gp_buf_put(out, col->i64, n * 8) : put_symbols(out, col->i64, n);
        break;
      default:
        rc = enc == GP_ENC_RAW ? gp_buf_put(out, col->i64, n * 8)
                               : gp_codec_ints_encode(col->i64, n, out);
    }
    if (rc != GP_OK) goto nomem;
    uint32_t plen = (uint32_t)(out->len - start);
    memcpy(out->p + start - 4, &plen, 4);
  }
  GP_FREE(tmp);
  return GP_OK;
nomem:
  GP_FREE(tmp);
  return gp_err_set(err, GP_NOMEM, "out of memory encoding %zu rows", n);
}

/* A symbol column: the chunk's dictionary (k ids) then each row's index into it. All n rows
 * into v (sel NULL), or only rows sel[0..m) into v[0..m) (scratch: n values). */
static gp_rc get_symbols_sel(gp_rd *in, size_t n, const uint32_t *sel, size_t m, int64_t *v,
                             int64_t *scratch, gp_err *err) {
  uint64_t k;
  if (gp_rd_uvarint(in, &k, err)) return GP_CORRUPT;
  if (k > n) return gp_err_set(err, GP_CORRUPT, "chunk: %llu symbols for %zu rows",
                               (unsigned long long)k, n);
  int64_t *ids = GP_MALLOC((k ? k : 1) * sizeof *ids);
  if (!ids) return gp_err_set(err, GP_NOMEM, "out of memory");
  gp_rc rc = gp_codec_ints_decode(in, k, ids, err);
  for (size_t j = 0; rc == GP_OK && j < k; j++)
    if (ids[j] < 0 || ids[j] > (int64_t)UINT32_MAX)
      rc = gp_err_set(err, GP_CORRUPT, "chunk: symbol id %lld out of range", (long long)ids[j]);
  if (!sel) m = n;
  if (rc == GP_OK)
    rc = sel ? gp_codec_ints_gather(in, n, sel, m, v, scratch, err)
             : gp_codec_ints_decode(in, n, v, err);
  /* checked in a pass of its own, then mapped */
  if (rc == GP_OK) {
    bool bad = false;
    for (size_t i = 0; i < m; i++) bad |= (uint64_t)v[i] >= k;
    if (bad) rc = gp_err_set(err, GP_CORRUPT, "chunk: symbol index out of range");
  }
  if (rc == GP_OK)
    for (size_t i = 0; i < m; i++) v[i] = ids[v[i]];
  GP_FREE(ids);
  return rc;
}

static gp_rc get_symbols(gp_rd *in, size_t n, int64_t *v, gp_err *err) {
  return get_symbols_sel(in, n, NULL, n, v, NULL, err);
}

gp_rc gp_store__decode_rows(const uint8_t *p, size_t len, gp_rows *out, gp_err *err) {
  return gp_store__decode_cols(p, len, out, ~UINT64_C(0), NULL, err);
}

/* A column's payload must be read to its end. */
static gp_rc payload_done(const gp_rd *in, int c, gp_err *err) {
  if (in->p == in->end) return GP_OK;
  return gp_err_set(err, GP_CORRUPT, "chunk: column %d has %zu bytes left over", c,
                    (size_t)(in->end - in->p));
}

/* Decodes column c's payload (n rows) into rows [base, base + n) of out. */
static gp_rc decode_col(gp_rows *out, int c, uint8_t enc, uint8_t flags, const uint8_t *payload,
                        uint32_t plen, size_t n, size_t base, gp_err *err) {
  gp_col *col = &out->cols[c];
  gp_rd in = {payload, payload + plen};
  gp_rc rc = GP_OK;
  if (flags & 1) {
    uint8_t *bits = GP_CALLOC((n + 7) / 8 + 1, 1);
    if (!bits) return gp_err_set(err, GP_NOMEM, "out of memory");
    rc = enc == GP_ENC_RAW ? gp_rd_get(&in, bits, (n + 7) / 8, err)
                           : gp_codec_bits_decode(&in, n, bits, err);
    for (size_t i = 0; rc == GP_OK && i < n; i++)
      if (bits[i >> 3] >> (i & 7) & 1) rc = gp_col_set_null(col, base + i, out->cap);
    GP_FREE(bits);
    if (rc) return rc;
  }
  switch (col->type) {
    case GP_T_TEXT: {
      const char **s = GP_MALLOC((n ? n : 1) * sizeof *s);
      if (!s) return gp_err_set(err, GP_NOMEM, "out of memory");
      rc = gp_codec_strings_decode(&in, n, s, col->len + base, err);
      for (size_t i = 0; rc == GP_OK && i < n; i++) {
        size_t off = out->text.len;
        if (gp_buf_put(&out->text, s[i], col->len[base + i])) rc = GP_NOMEM;
        col->str[base + i] = (const char *)(uintptr_t)off;
      }
      GP_FREE(s);
      break;
    }
    case GP_T_DOUBLE:
      rc = enc == GP_ENC_RAW ? gp_rd_get(&in, col->f64 + base, n * 8, err)
                             : gp_codec_doubles_decode(&in, n, col->f64 + base, err);
      break;
    case GP_T_SYMBOL:
      rc = enc == GP_ENC_RAW ? gp_rd_get(&in, col->i64 + base, n * 8, err)
                             : get_symbols(&in, n, col->i64 + base, err);
      for (size_t i = 0; rc == GP_OK && enc == GP_ENC_RAW && i < n; i++)
        if (col->i64[base + i] < 0 || col->i64[base + i] > (int64_t)UINT32_MAX)
          rc = gp_err_set(err, GP_CORRUPT, "chunk: symbol id out of range");
      break;
    default:
      rc = enc == GP_ENC_RAW ? gp_rd_get(&in, col->i64 + base, n * 8, err)
                             : gp_codec_ints_decode(&in, n, col->i64 + base, err);
  }
  return rc ? rc : payload_done(&in, c, err);
}

static void compact_cols(gp_rows *out, uint64_t cols, size_t base, const uint32_t *sel,
                         size_t m);

/* Column c of a packed chunk at rows sel[0..m) only, into rows [base, base + m) of out:
 * integers, timestamps and symbols are read at those rows (see gp_codec_ints_gather),
 * doubles decoded into scratch (n values) and gathered; TEXT is decoded whole and moved. */
static gp_rc decode_col_at(gp_rows *out, int c, uint8_t flags, const uint8_t *payload,
                           uint32_t plen, size_t n, size_t base, const uint32_t *sel, size_t m,
                           int64_t *scratch, gp_err *err) {
  gp_col *col = &out->cols[c];
  if (col->type == GP_T_TEXT) {
    gp_rc rc = decode_col(out, c, GP_ENC_PACKED, flags, payload, plen, n, base, err);
    if (rc) return rc;
    compact_cols(out, UINT64_C(1) << c, base, sel, m);
    return GP_OK;
  }
  gp_rd in = {payload, payload + plen};
  gp_rc rc = GP_OK;
  if (flags & 1) {
    uint8_t *bits = GP_CALLOC((n + 7) / 8 + 1, 1);
    if (!bits) return gp_err_set(err, GP_NOMEM, "out of memory");
    rc = gp_codec_bits_decode(&in, n, bits, err);
    for (size_t s = 0; rc == GP_OK && s < m; s++)
      if (bits[sel[s] >> 3] >> (sel[s] & 7) & 1) rc = gp_col_set_null(col, base + s, out->cap);
    GP_FREE(bits);
    if (rc) return rc;
  }
  if (col->type == GP_T_DOUBLE) {
    double *d = (double *)(void *)scratch;
    rc = gp_codec_doubles_decode(&in, n, d, err);
    for (size_t s = 0; rc == GP_OK && s < m; s++) col->f64[base + s] = d[sel[s]];
  } else if (col->type == GP_T_SYMBOL) {
    rc = get_symbols_sel(&in, n, sel, m, col->i64 + base, scratch, err);
  } else {
    rc = gp_codec_ints_gather(&in, n, sel, m, col->i64 + base, scratch, err);
  }
  return rc ? rc : payload_done(&in, c, err);
}

/* Moves rows base + sel[s] to base + s (s < m, sel ascending) in the columns of cols. */
static void compact_cols(gp_rows *out, uint64_t cols, size_t base, const uint32_t *sel,
                         size_t m) {
  for (int c = 0; c < out->ncols; c++) {
    if (c < 64 && !(cols >> c & 1)) continue;
    gp_col *col = &out->cols[c];
    if (col->type == GP_T_TEXT) {
      const char **str = col->str + base;
      uint32_t *ln = col->len + base;
      for (size_t s = 0; s < m; s++) {
        str[s] = str[sel[s]];
        ln[s] = ln[sel[s]];
      }
    } else if (col->type == GP_T_DOUBLE) {
      double *v = col->f64 + base;
      for (size_t s = 0; s < m; s++) v[s] = v[sel[s]];
    } else {
      int64_t *v = col->i64 + base;
      for (size_t s = 0; s < m; s++) v[s] = v[sel[s]];
    }
    if (col->nulls)
      for (size_t s = 0; s < m; s++) {
        size_t i = base + sel[s], k = base + s;
        bool z = gp_rows_isnull(col, i);
        col->nulls[k >> 3] = (uint8_t)((col->nulls[k >> 3] & ~(1u << (k & 7))) | (unsigned)z << (k & 7));
      }
  }
}

/* The keep column of a packed chunk (SYMBOL): the rows that keep keeps into sel (their count
 * in *pm), and their ids into rows [base, base + *pm) of the column, already compacted. The
 * dictionary is matched against the keep set once; rows are then compared by their index
 * into it and only the kept rows' ids are looked up. Q2 keeps 4.6% of the rows it reads:
 * mapping and checking every row's id was 16% of its instructions. scratch: n values. */
static gp_rc keep_symbols(gp_rows *out, const gp_scan_keep *keep, uint8_t flags,
                          const uint8_t *payload, uint32_t plen, size_t n, size_t base,
                          uint32_t *sel, size_t *pm, int64_t *scratch, gp_err *err) {
  gp_col *col = &out->cols[keep->col];
  gp_rd in = {payload, payload + plen};
  uint8_t *bits = NULL, *hit = NULL;
  int64_t *ids = NULL;
  uint64_t k;
  gp_rc rc = GP_OK;
  *pm = 0;
  if (flags & 1) {
    if (!(bits = GP_CALLOC((n + 7) / 8 + 1, 1))) goto nomem;
    if ((rc = gp_codec_bits_decode(&in, n, bits, err))) goto cleanup;
  }
  if ((rc = gp_rd_uvarint(&in, &k, err))) goto cleanup;
  if (k > n) {
    rc = gp_err_set(err, GP_CORRUPT, "chunk: %llu symbols for %zu rows", (unsigned long long)k, n);
    goto cleanup;
  }
  if (!(ids = GP_MALLOC((k ? k : 1) * sizeof *ids)) || !(hit = GP_MALLOC(k ? k : 1))) goto nomem;
  if ((rc = gp_codec_ints_decode(&in, k, ids, err))) goto cleanup;
  size_t nhit = 0, w = 0; /* w: the index of the one kept id when nhit is 1 */
  for (size_t j = 0; j < k; j++) {
    if (ids[j] < 0 || ids[j] > (int64_t)UINT32_MAX) {
      rc = gp_err_set(err, GP_CORRUPT, "chunk: symbol id %lld out of range", (long long)ids[j]);
      goto cleanup;
    }
    hit[j] = gp_store__keep_has(keep, ids[j]);
    if (hit[j]) {
      nhit++;
      w = j;
    }
  }
  if ((rc = gp_codec_ints_decode(&in, n, scratch, err))) goto cleanup;
  if ((rc = payload_done(&in, keep->col, err))) goto cleanup;
  const uint64_t *v = (const uint64_t *)scratch;
  size_t m = 0;
  bool bad = false;
  if (nhit == 1) {
    /* The indices are bounded by the OR of them all, cheaper than an exact test of each
     * (three instructions a row without a vector compare): past the power of two at or above k the chunk is reported; an index
     * in [k, that power) goes unnoticed in a row that is not kept (kept rows are checked
     * below), which only a decode without the filter would see. */
    uint64_t all;
    m = gp_select_eq(v, n, w, false, sel, &all);
    unsigned kb = 0;
    while (kb < 64 && k > UINT64_C(1) << kb) kb++;
    bad = kb < 64 && all >> kb;
  } else {
    for (size_t i = 0; i < n; i++) {
      bad |= v[i] >= k;
      sel[m] = (uint32_t)i;
      m += v[i] < k && hit[v[i]];
    }
  }
  for (size_t s = 0; s < m; s++) bad |= v[sel[s]] >= k;
  if (bad) {
    rc = gp_err_set(err, GP_CORRUPT, "chunk: symbol index out of range");
    goto cleanup;
  }
  if (bits) { /* a NULL row's index means nothing: it is never kept */
    size_t o = 0;
    for (size_t s = 0; s < m; s++)
      if (!(bits[sel[s] >> 3] >> (sel[s] & 7) & 1)) sel[o++] = sel[s];
    m = o;
  }
  for (size_t s = 0; s < m; s++) col->i64[base + s] = ids[v[sel[s]]];
  *pm = m;
  goto cleanup;
nomem:
  rc = gp_err_set(err, GP_NOMEM, "out of memory");
cleanup:
  GP_FREE(bits);
  GP_FREE(hit);
  GP_FREE(ids);
  return rc;
}

/* The rows s < n of out (from base) that keep keeps, into sel; their count. */
static size_t keep_rows(const gp_rows *out, const gp_scan_keep *keep, size_t base, size_t n,
                        uint32_t *sel) {
  const gp_col *col = &out->cols[keep->col];
  const int64_t *id = col->i64 + base;
  size_t m = 0;
  if (keep->nids == 1) {
    m = gp_select_eq((const uint64_t *)id, n, (uint64_t)keep->ids[0], keep->neg, sel, NULL);
  } else {
    for (size_t i = 0; i < n; i++) {
      sel[m] = (uint32_t)i;
      m += gp_store__keep_has(keep, id[i]);
    }
  }
  if (col->nulls) {
    size_t w = 0;
    for (size_t s = 0; s < m; s++)
      if (!gp_rows_isnull(col, base + sel[s])) sel[w++] = sel[s];
    m = w;
  }
  return m;
}

gp_rc gp_store__decode_cols(const uint8_t *p, size_t len, gp_rows *out, uint64_t cols,
                            const gp_scan_keep *keep, gp_err *err) {
  gp_rd in = {p, p + len};
  uint8_t magic, ver, enc, type, flags;
  uint64_t n, ncols;
  if (gp_rd_u8(&in, &magic, err) || gp_rd_u8(&in, &ver, err) || gp_rd_u8(&in, &enc, err) ||
      gp_rd_uvarint(&in, &n, err) || gp_rd_uvarint(&in, &ncols, err))
    return GP_CORRUPT;
  if (magic != 'G' || ver != 1 || enc > 1)
    return gp_err_set(err, GP_CORRUPT, "chunk: bad header %02x %02x %02x", magic, ver, enc);
  if ((int)ncols != out->ncols)
    return gp_err_set(err, GP_CORRUPT, "chunk: %llu columns, table has %d",
                      (unsigned long long)ncols, out->ncols);
  /* Packed columns can spend well under a bit a row (runs, constant steps), so the bytes
   * bound only raw batches; packed chunks never hold more than a chunk's rows, which keeps a
   * corrupt count from asking for an absurd allocation. */
  if ((enc == GP_ENC_RAW && n > (uint64_t)(in.end - in.p) / 8) ||
      (enc == GP_ENC_PACKED && n > GP_STORE_CHUNK_MAX_ROWS))
    return gp_err_set(err, GP_CORRUPT, "chunk: row count %llu larger than its bytes allow",
                      (unsigned long long)n);
  if (keep) cols |= UINT64_C(1) << keep->col;
  size_t base = out->n;
  if (gp_rows_reserve(out, base + n)) return gp_err_set(err, GP_NOMEM, "out of memory");
  /* null bits are only ever set below: clear those of the rows about to be written, which an
   * earlier decode with a keep filter may have left set past out->n */
  for (int c = 0; c < out->ncols; c++) {
    gp_col *col = &out->cols[c];
    if (!col->nulls || (c < 64 && !(cols >> c & 1))) continue;
    /* whole bytes at once (a bit at a time was 4% of Q9's instructions) */
    size_t i = base, end = base + n;
    for (; i < end && (i & 7); i++) col->nulls[i >> 3] &= (uint8_t) ~(1u << (i & 7));
    if (end - i >= 8) {
      memset(col->nulls + (i >> 3), 0, (end - i) >> 3);
      i += (end - i) & ~(size_t)7;
    }
    for (; i < end; i++) col->nulls[i >> 3] &= (uint8_t) ~(1u << (i & 7));
  }
  bool text = has_text(out);
  if (text) unfix_text_cols(out, cols);
  gp_rc rc = GP_OK;
  uint32_t *sel = NULL;
  int64_t *scratch = NULL;
  size_t m = n;
  /* The cell codes come first; with a keep filter they are read after it, at the kept rows
   * only (a plain bit-packed stream is read at those positions). */
  uint64_t cbase = 0;
  gp_rd cells = in;
  if (enc == GP_ENC_RAW) {
    if ((rc = gp_rd_get(&in, out->cell + base, n * 8, err))) goto done;
  } else {
    if ((rc = gp_rd_uvarint(&in, &cbase, err))) goto done;
    cells = in;
    uint64_t *cell = out->cell + base;
    if (keep) {
      if ((rc = gp_codec_ints_skip(&in, n, err))) goto done;
    } else {
      if ((rc = gp_codec_ints_decode(&in, n, (int64_t *)cell, err))) goto done;
      for (size_t i = 0; i < n; i++) cell[i] += cbase;
    }
  }
  struct {
    uint8_t flags;
    const uint8_t *p;
    uint32_t len;
  } sl[GP_STORE_MAX_COLS];
  for (int c = 0; c < out->ncols; c++) {
    uint32_t plen;
    const uint8_t *payload;
    if ((rc = gp_rd_u8(&in, &type, err)) || (rc = gp_rd_u8(&in, &flags, err)) ||
        (rc = gp_rd_u32le(&in, &plen, err)) || (rc = gp_rd_slice(&in, plen, &payload, err)))
      goto done;
    if (type != out->cols[c].type) {
      rc = gp_err_set(err, GP_CORRUPT, "chunk: column %d has type %d, table says %d", c, type,
                      out->cols[c].type);
      goto done;
    }
    sl[c].flags = flags;
    sl[c].p = payload;
    sl[c].len = plen;
  }
  if (in.p != in.end) {
    rc = gp_err_set(err, GP_CORRUPT, "chunk: %zu trailing bytes", (size_t)(in.end - in.p));
    goto done;
  }
  /* a packed chunk with a keep filter: every other column is read at the kept rows */
  bool at = keep && enc == GP_ENC_PACKED && out->cols[keep->col].type == GP_T_SYMBOL;
  if (keep) {
    /* the keep column first; a column the caller does not want is never decoded */
    int kc = keep->col;
    sel = GP_MALLOC((n ? n : 1) * sizeof *sel);
    if (!sel || (at && !(scratch = GP_MALLOC((n ? n : 1) * sizeof *scratch)))) {
      rc = gp_err_set(err, GP_NOMEM, "out of memory");
      goto done;
    }
    if (at) {
      rc = keep_symbols(out, keep, sl[kc].flags, sl[kc].p, sl[kc].len, n, base, sel, &m,
                        scratch, err);
    } else if (!(rc = decode_col(out, kc, enc, sl[kc].flags, sl[kc].p, sl[kc].len, n, base,
                                 err))) {
      m = keep_rows(out, keep, base, n, sel);
    }
    if (rc || m == 0) goto done;
    at = at && m < n;
  }
  for (int c = 0; c < out->ncols; c++) {
    if ((c < 64 && !(cols >> c & 1)) || (keep && c == keep->col)) continue;
    rc = at ? decode_col_at(out, c, sl[c].flags, sl[c].p, sl[c].len, n, base, sel, m, scratch, err)
            : decode_col(out, c, enc, sl[c].flags, sl[c].p, sl[c].len, n, base, err);
    if (rc) goto done;
  }
  if (m < n) {
    if (!at) compact_cols(out, cols, base, sel, m); /* at: each column was read compacted */
    if (enc == GP_ENC_RAW) { /* the cells were read whole */
      for (size_t s = 0; s < m; s++) out->cell[base + s] = out->cell[base + sel[s]];
    } else {
      uint64_t *cell = out->cell + base;
      if ((rc = gp_codec_ints_gather(&cells, n, sel, m, (int64_t *)cell, scratch, err))) goto done;
      for (size_t s = 0; s < m; s++) cell[s] += cbase;
    }
  } else if (keep && enc == GP_ENC_PACKED) {
    uint64_t *cell = out->cell + base;
    if ((rc = gp_codec_ints_decode(&cells, n, (int64_t *)cell, err))) goto done;
    for (size_t i = 0; i < n; i++) cell[i] += cbase;
  }
done:
  out->n = rc == GP_OK ? base + m : base;
  if (text) fix_text_cols(out, 0, cols);
  GP_FREE(sel);
  GP_FREE(scratch);
  return rc;
}

/* ---- summaries ---- */

/* Smallest number of decimals d (0..9) such that v == k / 10^d exactly, or -1. */
static const double k_pow10[10] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
static int decimals_of(double v, int from) {
  for (int d = from; d < 10; d++) {
    double s = v * k_pow10[d];
    if (!(fabs(s) < 9007199254740992.0)) return -1;
    double k = nearbyint(s);
    if (k / k_pow10[d] == v) return d;
  }
  return -1;
}

/* The series tail of a summary (version 2 for a SYMBOL series column, 3 for an INT one): for
 * a table with a series column, after the columns,
 *   uvarint series column, uvarint time column
 *   version 3 only: the series column's distinct values, as SYMBOL columns list their ids
 *     above: uvarint k, then per value ascending: the first as svarint, each next as uvarint
 *     (its distance from the previous, as unsigned 64-bit), then uvarint rows with it
 *   for each series k (in the order of the series column's sym_ids or values):
 *     uvarint (t_max of the unit - its latest ts, as unsigned 64-bit), u8 one (1 = a single
 *     row has that ts)
 *   then for each column c other than the series and time columns, for each series k with
 *   one == 1: u8 null, and unless null its value in that row: svarint for INT/TIMESTAMP/
 *   SYMBOL, 8 bytes for DOUBLE, nothing for TEXT (a TEXT tail is not kept).
 * Example: columns (s SYMBOL, t TIMESTAMP, v DOUBLE) and rows (3, 100, 1.5), (3, 160, 2.5),
 * (7, 130, 9.0), t_max 160: "00 01" (columns 0 and 1), series 3 "00 01" (latest 160, one
 * row), series 7 "1e 01" (160 - 30), then v: "00" + the 8 bytes of 2.5, "00" +
 * the 8 bytes of 9.0. Readings of 2,000 sensors, ~5 series a chunk, cost ~60 bytes a chunk
 * and answer "the latest value of each sensor" (CityBench Q7) from summaries alone. */
typedef struct tail_calc {
  long k;            /* series */
  int64_t *ids;      /* their ids or INT values, ascending */
  uint32_t *cnt;     /* rows per series */
  int64_t *t;        /* latest ts per series */
  size_t *row;       /* the row holding it */
  uint8_t *one;      /* 1 = no other row of the series has that ts */
} tail_calc;

static void tail_free(tail_calc *tc) {
  GP_FREE(tc->ids);
  GP_FREE(tc->cnt);
  GP_FREE(tc->t);
  GP_FREE(tc->row);
  GP_FREE(tc->one);
}

static gp_rc tail_compute(const gp_rows *r, int time_col, int series_col, tail_calc *tc) {
  size_t n = r->n, cap = n ? n : 1;
  const int64_t *sid = r->cols[series_col].i64, *ts = r->cols[time_col].i64;
  memset(tc, 0, sizeof *tc);
  tc->ids = GP_MALLOC(cap * sizeof *tc->ids);
  tc->cnt = GP_CALLOC(cap, sizeof *tc->cnt);
  if (!tc->ids || !tc->cnt) return GP_NOMEM;
  /* any int64 values (INT keys are not dense like dictionary ids): sorted, then made unique;
   * sealed chunks are sorted by series already, which one pass sees */
  memcpy(tc->ids, sid, n * sizeof *sid);
  bool sorted = true;
  for (size_t i = 1; i < n && sorted; i++) sorted = sid[i - 1] <= sid[i];
  if (!sorted) qsort(tc->ids, n, sizeof *tc->ids, cmp_i64);
  long k = 0;
  for (size_t i = 0; i < n; i++)
    if (k == 0 || tc->ids[k - 1] != tc->ids[i]) tc->ids[k++] = tc->ids[i];
  tc->k = k;
  size_t kk = k ? (size_t)k : 1;
  tc->t = GP_MALLOC(kk * sizeof *tc->t);
  tc->row = GP_MALLOC(kk * sizeof *tc->row);
  tc->one = GP_MALLOC(kk);
  if (!tc->t || !tc->row || !tc->one) return GP_NOMEM;
  for (long j = 0; j < k; j++) tc->t[j] = INT64_MIN;
  long j = 0;
  for (size_t i = 0; i < n; i++) {
    int64_t id = sid[i];
    /* sealed chunks sort by (series, time): the previous row's series is usually this one's */
    if (tc->ids[j] != id) {
      long lo = 0, hi = k - 1;
      while (lo < hi) {
        long m = (lo + hi) / 2;
        if (tc->ids[m] < id) lo = m + 1;
        else hi = m;
      }
      j = lo;
    }
    tc->cnt[j]++;
    if (ts[i] > tc->t[j]) {
      tc->t[j] = ts[i];
      tc->row[j] = i;
      tc->one[j] = 1;
    } else if (ts[i] == tc->t[j]) {
      tc->one[j] = 0;
    }
  }
  return GP_OK;
}

/* Whether rows r can carry a tail: a SYMBOL or INT series column and a time column, neither
 * null. (A TEXT series column has no fixed-size key to list per unit: not served.) */
static bool tail_applies(const gp_rows *r, int time_col, int series_col) {
  if (series_col < 0 || time_col < 0 || series_col >= r->ncols || time_col >= r->ncols ||
      r->n == 0)
    return false;
  const gp_col *s = &r->cols[series_col], *t = &r->cols[time_col];
  if ((s->type != GP_T_SYMBOL && s->type != GP_T_INT) || t->type != GP_T_TIMESTAMP) return false;
  for (size_t i = 0; i < r->n; i++)
    if (gp_rows_isnull(s, i) || gp_rows_isnull(t, i)) return false;
  return true;
}

static gp_rc tail_encode(const gp_rows *r, int time_col, int series_col, int64_t tmax,
                         gp_buf *out) {
  tail_calc tc;
  gp_rc rc = tail_compute(r, time_col, series_col, &tc);
  if (rc) goto cleanup;
  if ((rc = gp_buf_put_uvarint(out, (uint64_t)series_col)) ||
      (rc = gp_buf_put_uvarint(out, (uint64_t)time_col)))
    goto cleanup;
  if (r->cols[series_col].type == GP_T_INT) {
    if ((rc = gp_buf_put_uvarint(out, (uint64_t)tc.k))) goto cleanup;
    for (long j = 0; j < tc.k; j++)
      if ((rc = j ? gp_buf_put_uvarint(out, (uint64_t)tc.ids[j] - (uint64_t)tc.ids[j - 1])
                  : gp_buf_put_svarint(out, tc.ids[0])) ||
          (rc = gp_buf_put_uvarint(out, tc.cnt[j])))
        goto cleanup;
  }
  for (long j = 0; j < tc.k; j++)
    if ((rc = gp_buf_put_uvarint(out, (uint64_t)tmax - (uint64_t)tc.t[j])) ||
        (rc = gp_buf_put_u8(out, tc.one[j])))
      goto cleanup;
  for (int c = 0; c < r->ncols; c++) {
    const gp_col *col = &r->cols[c];
    if (c == series_col || c == time_col || col->type == GP_T_TEXT) continue;
    for (long j = 0; j < tc.k; j++) {
      if (!tc.one[j]) continue;
      size_t i = tc.row[j];
      bool null = gp_rows_isnull(col, i);
      if ((rc = gp_buf_put_u8(out, null))) goto cleanup;
      if (null) continue;
      if (col->type == GP_T_DOUBLE) rc = gp_buf_put(out, &col->f64[i], 8);
      else rc = gp_buf_put_svarint(out, col->i64[i]);
      if (rc) goto cleanup;
    }
  }
cleanup:
  tail_free(&tc);
  return rc;
}

gp_rc gp_store__encode_summary(const gp_rows *r, int time_col, int series_col, gp_buf *out,
                               gp_err *err) {
  size_t n = r->n;
  int64_t tmin = 0, tmax = 0;
  uint64_t cmin = UINT64_MAX, cmax = 0;
  if (time_col >= 0 && n) {
    tmin = INT64_MAX;
    tmax = INT64_MIN;
    const int64_t *t = r->cols[time_col].i64;
    for (size_t i = 0; i < n; i++) {
      if (t[i] < tmin) tmin = t[i];
      if (t[i] > tmax) tmax = t[i];
    }
  }
  for (size_t i = 0; i < n; i++) {
    if (r->cell[i] < cmin) cmin = r->cell[i];
    if (r->cell[i] > cmax) cmax = r->cell[i];
  }
  if (n == 0) cmin = 0;
  gp_rc rc = GP_OK;
  uint32_t *pairs = NULL;
  bool tail = tail_applies(r, time_col, series_col);
  uint8_t ver = !tail ? 1 : r->cols[series_col].type == GP_T_INT ? 3 : 2;
  if (gp_buf_put_u8(out, ver) || gp_buf_put_uvarint(out, n) || gp_buf_put_svarint(out, tmin) ||
      gp_buf_put_svarint(out, tmax) || gp_buf_put_uvarint(out, cmin) ||
      gp_buf_put_uvarint(out, cmax) || gp_buf_put_uvarint(out, (uint64_t)r->ncols))
    goto nomem;
  for (int c = 0; c < r->ncols; c++) {
    const gp_col *col = &r->cols[c];
    size_t nulls = 0;
    if (col->nulls)
      for (size_t i = 0; i < n; i++) nulls += gp_rows_isnull(col, i);
    if (gp_buf_put_u8(out, (uint8_t)col->type) || gp_buf_put_uvarint(out, nulls)) goto nomem;
    if (col->type == GP_T_INT || col->type == GP_T_TIMESTAMP) {
      int64_t mn = INT64_MAX, mx = INT64_MIN, s = 0;
      double ds = 0;
      bool exact = true;
      for (size_t i = 0; i < n; i++) {
        if (gp_rows_isnull(col, i)) continue;
        int64_t v = col->i64[i];
        if (v < mn) mn = v;
        if (v > mx) mx = v;
        if (exact && __builtin_add_overflow(s, v, &s)) exact = false;
        ds += (double)v;
      }
      if (gp_buf_put_svarint(out, mn) || gp_buf_put_svarint(out, mx) ||
          gp_buf_put_u8(out, exact) || gp_buf_put_svarint(out, exact ? s : 0) ||
          gp_buf_put(out, &ds, 8))
        goto nomem;
    } else if (col->type == GP_T_DOUBLE) {
      double mn = INFINITY, mx = -INFINITY, ds = 0;
      int d = 0;
      for (size_t i = 0; i < n; i++) {
        if (gp_rows_isnull(col, i)) continue;
        double v = col->f64[i];
        if (v < mn) mn = v;
        if (v > mx) mx = v;
        ds += v;
        if (d >= 0) d = decimals_of(v, d);
      }
      int64_t s = 0;
      bool exact = d >= 0;
      for (size_t i = 0; exact && i < n; i++) {
        if (gp_rows_isnull(col, i)) continue;
        /* d may have grown after v was checked: the bound is checked again at the final d */
        double sc = col->f64[i] * k_pow10[d];
        if (!(fabs(sc) < 9007199254740992.0)) {
          exact = false;
          break;
        }
        int64_t k = (int64_t)nearbyint(sc);
        if (__builtin_add_overflow(s, k, &s)) exact = false;
      }
      if (gp_buf_put(out, &mn, 8) || gp_buf_put(out, &mx, 8) || gp_buf_put(out, &ds, 8) ||
          gp_buf_put_u8(out, exact) || gp_buf_put_u8(out, (uint8_t)(exact ? d : 0)) ||
          gp_buf_put_svarint(out, exact ? s : 0))
        goto nomem;
    } else if (col->type == GP_T_SYMBOL) {
      pairs = GP_MALLOC((n ? n : 1) * 2 * sizeof *pairs);
      if (!pairs) goto nomem;
      long k = distinct_ids(col->i64, n, col->nulls, pairs, pairs + (n ? n : 1));
      if (k < 0) goto nomem;
      if (gp_buf_put_uvarint(out, (uint64_t)k)) goto nomem;
      uint32_t prev = 0;
      for (long i = 0; i < k; i++) {
        if (gp_buf_put_uvarint(out, pairs[i] - prev) ||
            gp_buf_put_uvarint(out, pairs[(n ? n : 1) + (size_t)i]))
          goto nomem;
        prev = pairs[i];
      }
      GP_FREE(pairs);
      pairs = NULL;
    }
  }
  if (tail && tail_encode(r, time_col, series_col, tmax, out)) goto nomem;
  return rc;
nomem:
  GP_FREE(pairs);
  return gp_err_set(err, GP_NOMEM, "out of memory encoding a summary");
}

void gp_store__unit_free(gp_unit_info *u) {
  if (u == NULL || u->cols == NULL) return;
  gp_col_summary *cols = (gp_col_summary *)u->cols;
  for (int c = 0; c < u->ncols; c++) {
    GP_FREE(cols[c].sym_ids);
    GP_FREE(cols[c].sym_counts);
    GP_FREE(cols[c].keys);
    GP_FREE(cols[c].key_counts);
    GP_FREE(cols[c].tail_i);
    GP_FREE(cols[c].tail_d);
    GP_FREE(cols[c].tail_null);
  }
  GP_FREE(cols);
  u->cols = NULL;
  GP_FREE((void *)u->tail_t);
  GP_FREE((void *)u->tail_one);
  u->tail_t = NULL;
  u->tail_one = NULL;
  u->ntail = 0;
}

/* Reads the values of an INT series column (version 3, layout above tail_calc) into cs. */
static gp_rc keys_decode(gp_rd *in, gp_col_summary *cs, size_t rows, gp_err *err) {
  uint64_t k, d, cnt, sum = 0;
  if (gp_rd_uvarint(in, &k, err)) return GP_CORRUPT;
  if (k == 0 || k > rows || k > (uint64_t)(in->end - in->p) / 2)
    return gp_err_set(err, GP_CORRUPT, "summary: %llu series values for %zu rows",
                      (unsigned long long)k, rows);
  cs->keys = GP_MALLOC(k * sizeof *cs->keys);
  cs->key_counts = GP_MALLOC(k * sizeof *cs->key_counts);
  if (!cs->keys || !cs->key_counts) return gp_err_set(err, GP_NOMEM, "out of memory");
  for (uint64_t j = 0; j < k; j++) {
    if (j == 0 ? gp_rd_svarint(in, &cs->keys[0], err) : gp_rd_uvarint(in, &d, err))
      return GP_CORRUPT;
    /* (unsigned: INT64_MAX - prev wraps to the true distance, which fits in 64 bits) */
    if (j && (d == 0 || d > (uint64_t)INT64_MAX - (uint64_t)cs->keys[j - 1]))
      return gp_err_set(err, GP_CORRUPT, "summary: series values out of order");
    if (j) cs->keys[j] = (int64_t)((uint64_t)cs->keys[j - 1] + d);
    if (gp_rd_uvarint(in, &cnt, err)) return GP_CORRUPT;
    if (cnt == 0 || cnt > rows) return gp_err_set(err, GP_CORRUPT, "summary: bad series count");
    cs->key_counts[j] = (uint32_t)cnt;
    sum += cnt;
  }
  if (sum != rows) return gp_err_set(err, GP_CORRUPT, "summary: series counts do not add up");
  cs->nkeys = k;
  return GP_OK;
}

/* Reads the series tail of a version 2 or 3 summary (layout above tail_calc); types[c] is the
 * type of column c as the summary gave it. */
static gp_rc tail_decode(gp_rd *in, int ver, gp_unit_info *u, const uint8_t *types,
                         gp_err *err) {
  uint64_t sc, tc;
  if (gp_rd_uvarint(in, &sc, err) || gp_rd_uvarint(in, &tc, err)) return GP_CORRUPT;
  if (sc >= (uint64_t)u->ncols || tc >= (uint64_t)u->ncols || sc == tc ||
      types[sc] != (ver == 3 ? GP_T_INT : GP_T_SYMBOL) || types[tc] != GP_T_TIMESTAMP)
    return gp_err_set(err, GP_CORRUPT, "summary: bad tail columns");
  gp_col_summary *cols = (gp_col_summary *)u->cols;
  if (ver == 3 && keys_decode(in, &cols[sc], u->rows, err)) return GP_CORRUPT;
  size_t k = ver == 3 ? cols[sc].nkeys : cols[sc].nsyms;
  if (k == 0 || k > (size_t)(in->end - in->p) / 2)
    return gp_err_set(err, GP_CORRUPT, "summary: tail of %zu series", k);
  int64_t *t = GP_MALLOC(k * sizeof *t);
  uint8_t *one = GP_MALLOC(k);
  u->tail_t = t;
  u->tail_one = one;
  if (!t || !one) return gp_err_set(err, GP_NOMEM, "out of memory");
  for (size_t j = 0; j < k; j++) {
    uint64_t d;
    if (gp_rd_uvarint(in, &d, err) || gp_rd_u8(in, &one[j], err)) return GP_CORRUPT;
    /* unsigned: the distance from t_max may exceed INT64_MAX (ts near both ends) */
    if (d > (uint64_t)u->t_max - (uint64_t)u->t_min || one[j] > 1)
      return gp_err_set(err, GP_CORRUPT, "summary: bad tail entry");
    t[j] = (int64_t)((uint64_t)u->t_max - d);
  }
  for (int c = 0; c < u->ncols; c++) {
    gp_col_summary *cs = &cols[c];
    if ((uint64_t)c == sc || (uint64_t)c == tc || types[c] == GP_T_TEXT) continue;
    cs->tail_null = GP_CALLOC(k, 1);
    if (types[c] == GP_T_DOUBLE) cs->tail_d = GP_CALLOC(k, sizeof *cs->tail_d);
    else cs->tail_i = GP_CALLOC(k, sizeof *cs->tail_i);
    if (!cs->tail_null || (!cs->tail_d && !cs->tail_i))
      return gp_err_set(err, GP_NOMEM, "out of memory");
    for (size_t j = 0; j < k; j++) {
      if (!one[j]) {
        cs->tail_null[j] = 1;
        continue;
      }
      uint8_t null;
      if (gp_rd_u8(in, &null, err) || null > 1) return GP_CORRUPT;
      cs->tail_null[j] = null;
      if (null) continue;
      if (cs->tail_d ? gp_rd_get(in, &cs->tail_d[j], 8, err)
                     : gp_rd_svarint(in, &cs->tail_i[j], err))
        return GP_CORRUPT;
    }
  }
  u->ntail = k;
  return GP_OK;
}

gp_rc gp_store__decode_summary(const uint8_t *p, size_t len, gp_unit_info *u, gp_err *err) {
  gp_rd in = {p, p + len};
  uint8_t ver, type, b;
  uint64_t n, ncols, v;
  memset(u, 0, sizeof *u);
  if (gp_rd_u8(&in, &ver, err) || gp_rd_uvarint(&in, &n, err) ||
      gp_rd_svarint(&in, &u->t_min, err) || gp_rd_svarint(&in, &u->t_max, err) ||
      gp_rd_uvarint(&in, &u->cell_min, err) || gp_rd_uvarint(&in, &u->cell_max, err) ||
      gp_rd_uvarint(&in, &ncols, err))
    return GP_CORRUPT;
  if (ver < 1 || ver > 3 || ncols > GP_STORE_MAX_COLS)
    return gp_err_set(err, GP_CORRUPT, "summary: bad version %d or %llu columns", ver,
                      (unsigned long long)ncols);
  u->rows = n;
  u->ncols = (int)ncols;
  gp_col_summary *cols = GP_CALLOC(ncols ? ncols : 1, sizeof *cols);
  if (!cols) return gp_err_set(err, GP_NOMEM, "out of memory");
  u->cols = cols;
  uint8_t types[GP_STORE_MAX_COLS];
  for (uint64_t c = 0; c < ncols; c++) {
    gp_col_summary *cs = &cols[c];
    if (gp_rd_u8(&in, &type, err) || gp_rd_uvarint(&in, &v, err)) goto corrupt;
    cs->nulls = v;
    types[c] = type;
    if (type == GP_T_INT || type == GP_T_TIMESTAMP) {
      if (gp_rd_svarint(&in, &cs->imin, err) || gp_rd_svarint(&in, &cs->imax, err) ||
          gp_rd_u8(&in, &b, err) || gp_rd_svarint(&in, &cs->isum, err) ||
          gp_rd_get(&in, &cs->dsum, 8, err))
        goto corrupt;
      cs->isum_exact = b;
    } else if (type == GP_T_DOUBLE) {
      uint8_t sc;
      if (gp_rd_get(&in, &cs->dmin, 8, err) || gp_rd_get(&in, &cs->dmax, 8, err) ||
          gp_rd_get(&in, &cs->dsum, 8, err) || gp_rd_u8(&in, &b, err) ||
          gp_rd_u8(&in, &sc, err) || gp_rd_svarint(&in, &cs->isum, err))
        goto corrupt;
      cs->isum_exact = b;
      cs->scale = sc;
    } else if (type == GP_T_SYMBOL) {
      uint64_t k, d, cnt, prev = 0;
      if (gp_rd_uvarint(&in, &k, err)) goto corrupt;
      if (k > n || k > (uint64_t)(in.end - in.p) / 2) { /* a pair takes 2 bytes at least */
        gp_err_set(err, GP_CORRUPT, "summary: %llu symbols for %llu rows",
                   (unsigned long long)k, (unsigned long long)n);
        goto corrupt;
      }
      cs->nsyms = k;
      cs->sym_ids = GP_MALLOC((k ? k : 1) * sizeof *cs->sym_ids);
      cs->sym_counts = GP_MALLOC((k ? k : 1) * sizeof *cs->sym_counts);
      if (!cs->sym_ids || !cs->sym_counts) {
        gp_err_set(err, GP_NOMEM, "out of memory");
        goto corrupt;
      }
      for (uint64_t i = 0; i < k; i++) {
        if (gp_rd_uvarint(&in, &d, err) || gp_rd_uvarint(&in, &cnt, err)) goto corrupt;
        prev += d;
        cs->sym_ids[i] = (uint32_t)prev;
        cs->sym_counts[i] = (uint32_t)cnt;
      }
    } else if (type != GP_T_TEXT) {
      gp_err_set(err, GP_CORRUPT, "summary: bad column type %d", type);
      goto corrupt;
    }
  }
  if (ver >= 2 && tail_decode(&in, ver, u, types, err)) goto corrupt;
  return GP_OK;
corrupt:
  gp_store__unit_free(u);
  return gp_err_set(err, GP_CORRUPT, "corrupt summary");
}
