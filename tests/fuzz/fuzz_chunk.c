/* fuzz_chunk - chunk and summary bytes (storage/chunk.c) as they come back from RocksDB, for a
 * table of all five column types: TIMESTAMP, DOUBLE, INT, SYMBOL, TEXT.
 *
 * The whole input is given both to gp_store__decode_rows and to gp_store__decode_summary (the
 * two formats start differently: 'G' 01 for rows, 01 or 02 (with series tails) for a
 * summary, so each seed exercises one). Rows that decode must be a valid row set: decoding the same bytes again appends the
 * same rows, and the rows survive encode -> decode in both encodings; decoding with a keep
 * filter gives exactly the rows that pass. A summary that decodes is walked and freed. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "fuzz_chunk_layout.h"

/* Row a of x equals row b of y: same cell, nulls, values (doubles bit for bit), text bytes. */
static bool same_row(const gp_rows *x, size_t a, const gp_rows *y, size_t b) {
  if (x->cell[a] != y->cell[b]) return false;
  for (int c = 0; c < x->ncols; c++) {
    const gp_col *cx = &x->cols[c], *cy = &y->cols[c];
    if (gp_rows_isnull(cx, a) != gp_rows_isnull(cy, b)) return false;
    switch (cx->type) {
      case GP_T_DOUBLE:
        if (memcmp(&cx->f64[a], &cy->f64[b], sizeof(double)) != 0) return false;
        break;
      case GP_T_TEXT:
        if (cx->len[a] != cy->len[b] ||
            (cx->len[a] && memcmp(cx->str[a], cy->str[b], cx->len[a]) != 0))
          return false;
        break;
      default:
        if (cx->i64[a] != cy->i64[b]) return false;
    }
  }
  return true;
}

/* Every value of a decoded row set is readable and where it should be. */
static void check_rows(const gp_rows *r) {
  FUZZ_CHECK(r->n <= r->cap && r->ncols == k_layout.ncols);
  const gp_col *text = &r->cols[4];
  for (size_t i = 0; i < r->n; i++) {
    const uint8_t *s = (const uint8_t *)text->str[i];
    FUZZ_CHECK(text->len[i] == 0 ||
               (s >= r->text.p && s + text->len[i] <= r->text.p + r->text.len));
    /* Dictionary ids are uint32 (gp_type GP_T_SYMBOL); the encoder relies on it. */
    if (!gp_rows_isnull(&r->cols[3], i))
      FUZZ_CHECK(r->cols[3].i64[i] >= 0 && r->cols[3].i64[i] <= (int64_t)UINT32_MAX);
  }
}

static void round_trip(const gp_rows *r, int enc) {
  gp_buf b = {0};
  gp_rows back;
  gp_err err = {0};
  FUZZ_CHECK(gp_store__encode_rows(r, enc, &b, &err) == GP_OK);
  FUZZ_CHECK(gp_rows_init(&back, &k_layout, 0) == GP_OK);
  gp_rc rc = gp_store__decode_rows(b.p, b.len, &back, &err);
  if (rc != GP_OK) fprintf(stderr, "re-decode (enc %d) failed: %s\n", enc, err.msg);
  FUZZ_CHECK(rc == GP_OK && back.n == r->n);
  for (size_t i = 0; i < r->n; i++) FUZZ_CHECK(same_row(r, i, &back, i));
  gp_rows_free(&back);
  gp_buf_free(&b);
}

/* The summary of decoded rows parses back and agrees with them. */
static void summary_round_trip(const gp_rows *r) {
  gp_buf b = {0};
  gp_unit_info u;
  gp_err err = {0};
  FUZZ_CHECK(gp_store__encode_summary(r, k_layout.time_col, k_layout.series_col, &b, &err) == GP_OK);
  FUZZ_CHECK(gp_store__decode_summary(b.p, b.len, &u, &err) == GP_OK);
  FUZZ_CHECK(u.rows == r->n && u.ncols == r->ncols);
  for (int c = 0; c < r->ncols; c++) {
    size_t nulls = 0;
    for (size_t i = 0; i < r->n; i++) nulls += gp_rows_isnull(&r->cols[c], i);
    FUZZ_CHECK(u.cols[c].nulls == nulls);
  }
  /* the tail names each series' latest row: its ts is that series' maximum */
  const gp_col_summary *ss = &u.cols[k_layout.series_col];
  FUZZ_CHECK(u.ntail == 0 || u.ntail == ss->nsyms);
  for (size_t k = 0; k < u.ntail; k++) {
    int64_t best = INT64_MIN;
    for (size_t i = 0; i < r->n; i++)
      if (r->cols[k_layout.series_col].i64[i] == (int64_t)ss->sym_ids[k] &&
          r->cols[k_layout.time_col].i64[i] > best)
        best = r->cols[k_layout.time_col].i64[i];
    FUZZ_CHECK(u.tail_t[k] == best);
  }
  gp_store__unit_free(&u);
  gp_buf_free(&b);
}

/* The decode with a keep filter on the SYMBOL column (ids[0..nids), or not, with neg): when
 * the plain decode of the same bytes succeeded (full, its rows), it succeeds too and returns
 * exactly full's passing rows in order; otherwise it may fail, never crash, and whatever it
 * returns is a valid row set. */
static void keep_decode(const uint8_t *data, size_t size, const gp_rows *full, const int64_t *ids,
                        size_t nids, bool neg) {
  gp_scan_keep keep = {3, ids, nids, neg};
  gp_rows k;
  gp_err err = {0};
  FUZZ_CHECK(gp_rows_init(&k, &k_layout, 0) == GP_OK);
  gp_rc rc = gp_store__decode_cols(data, size, &k, ~UINT64_C(0), &keep, &err);
  FUZZ_CHECK(rc == GP_OK || rc == GP_CORRUPT);
  if (rc == GP_OK) check_rows(&k);
  if (full) {
    FUZZ_CHECK(rc == GP_OK);
    size_t j = 0;
    for (size_t i = 0; i < full->n; i++) {
      const gp_col *sc = &full->cols[3];
      if (gp_rows_isnull(sc, i)) continue;
      bool in = false;
      for (size_t t = 0; t < nids; t++) in |= sc->i64[i] == ids[t];
      if (in == neg) continue;
      FUZZ_CHECK(j < k.n && same_row(full, i, &k, j));
      j++;
    }
    FUZZ_CHECK(j == k.n);
  }
  gp_rows_free(&k);
}

static void fuzz_rows(const uint8_t *data, size_t size) {
  gp_rows r;
  gp_err err = {0};
  FUZZ_CHECK(gp_rows_init(&r, &k_layout, 0) == GP_OK);
  gp_rc rc = gp_store__decode_rows(data, size, &r, &err);
  FUZZ_CHECK(rc == GP_OK || rc == GP_CORRUPT);
  /* keep filters on ids the rows hold (or, for bytes that do not decode, on small ids) */
  int64_t ids[2] = {0, 1};
  if (rc == GP_OK && r.n) {
    ids[0] = r.cols[3].i64[r.n / 2];
    ids[1] = r.cols[3].i64[r.n - 1];
    if (ids[1] < ids[0]) ids[0] ^= ids[1], ids[1] ^= ids[0], ids[0] ^= ids[1];
  }
  const gp_rows *full = rc == GP_OK ? &r : NULL;
  keep_decode(data, size, full, ids, 1, false);
  keep_decode(data, size, full, ids, 2, false);
  keep_decode(data, size, full, ids, 1, true);
  if (rc != GP_OK) {
    FUZZ_CHECK(r.n == 0);
    goto cleanup;
  }
  check_rows(&r);
  size_t n = r.n;
  /* Appending after existing rows (base > 0) moves TEXT bytes: the first rows must survive. */
  rc = gp_store__decode_rows(data, size, &r, &err);
  FUZZ_CHECK(rc == GP_OK && r.n == 2 * n);
  check_rows(&r);
  for (size_t i = 0; i < n; i++) FUZZ_CHECK(same_row(&r, i, &r, n + i));
  r.n = n;
  round_trip(&r, GP_ENC_RAW);
  round_trip(&r, GP_ENC_PACKED);
  summary_round_trip(&r);
cleanup:
  gp_rows_free(&r);
}

static void fuzz_summary(const uint8_t *data, size_t size) {
  gp_unit_info u;
  gp_err err = {0};
  gp_rc rc = gp_store__decode_summary(data, size, &u, &err);
  FUZZ_CHECK(rc == GP_OK || rc == GP_CORRUPT);
  if (rc != GP_OK) {
    FUZZ_CHECK(u.cols == NULL);
    return;
  }
  FUZZ_CHECK(u.ncols >= 0 && u.ncols <= GP_STORE_MAX_COLS);
  volatile double sink = 0;
  for (int c = 0; c < u.ncols; c++) {
    const gp_col_summary *cs = &u.cols[c];
    sink += (double)cs->nulls + cs->dsum + (double)cs->isum;
    for (size_t k = 0; k < cs->nsyms; k++) sink += cs->sym_ids[k] + cs->sym_counts[k];
    for (size_t k = 0; k < u.ntail; k++) {
      if (cs->tail_null) sink += cs->tail_null[k];
      if (cs->tail_i) sink += (double)cs->tail_i[k];
      if (cs->tail_d) sink += cs->tail_d[k];
    }
  }
  for (size_t k = 0; k < u.ntail; k++) sink += (double)u.tail_t[k] + u.tail_one[k];
  (void)sink;
  gp_store__unit_free(&u);
  FUZZ_CHECK(u.cols == NULL);
  gp_store__unit_free(&u); /* a second free is a no-op */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FUZZ_LEAK_BEGIN();
  fuzz_rows(data, size);
  fuzz_summary(data, size);
  FUZZ_LEAK_END();
  return 0;
}
