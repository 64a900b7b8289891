/* test_store_values.c - storage/ through its API: exact values of every column type through
 * sealing and back, series tails of SYMBOL and INT series columns, the summary and chunk
 * caches, compressible chunks, and chunk bytes as untrusted input (each test on a store of
 * its own; split from test_store.c, helpers in store_fixture.c). */
#define _XOPEN_SOURCE 700 /* nftw */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_fixture.h"

/* ---- exact values through sealing, on a store of its own ---- */

/* Writes r to a new table of s, seals it, and reads everything back in one unit order. */
static void seal_and_read(gp_store *s, uint16_t table, const gp_store_layout *l, const gp_rows *r,
                          gp_rows *out) {
  gp_err err = {0};
  assert_int_equal(gp_store_set_layout(s, table, l, &err), GP_OK);
  gp_store_txn *t = gp_store_txn_begin(s);
  assert_int_equal(gp_store_txn_append(t, table, r, 0, r->n, &err), GP_OK);
  assert_int_equal(gp_store_txn_commit(t, &err), GP_OK);
  gp_store_txn_free(t);
  gp_seal_stats st = {0};
  if (gp_store_seal(s, table, INT64_MAX, &st, &err)) fail_msg("seal: %s", err.msg);
  assert_int_equal(st.rows, r->n);
  gp_scan_spec all = {.t_lo = INT64_MIN, .t_hi = INT64_MAX};
  gp_scan *sc = NULL;
  assert_int_equal(gp_scan_open(s, table, &all, &sc, &err), GP_OK);
  assert_int_equal(gp_rows_init(out, l, r->n), GP_OK);
  gp_rows tmp = {0};
  for (size_t u = 0; u < gp_scan_units(sc); u++) {
    assert_false(gp_scan_unit(sc, u)->fresh);
    if (gp_scan_decode(sc, u, &tmp, &err)) fail_msg("decode: %s", err.msg);
    assert_int_equal(gp_store__rows_gather(out, &tmp, NULL, tmp.n), GP_OK);
  }
  gp_rows_free(&tmp);
  gp_scan_close(sc);
}

/* Series tails: for a table with a series column (SYMBOL, or INT with sparse and negative
 * values), every unit's summary names each series' latest row in the unit, checked against
 * the unit's decoded rows, for sealed chunks and for fresh batches; ties at the latest ts are
 * flagged and carry no values; nulls survive. An INT series column's summary lists its values
 * and their row counts as a SYMBOL one lists ids. */
static void check_tails(gp_scan *sc, size_t *checked) {
  gp_err err = {0};
  gp_rows rows = {0};
  for (size_t u = 0; u < gp_scan_units(sc); u++) {
    const gp_unit_info *ui = gp_scan_unit(sc, u);
    const gp_col_summary *sc0 = &ui->cols[0];
    bool sym = sc0->sym_ids != NULL;
    assert_int_equal(ui->ntail, sym ? sc0->nsyms : sc0->nkeys);
    assert_true(ui->ntail > 0);
    if (gp_scan_decode(sc, u, &rows, &err)) fail_msg("decode: %s", err.msg);
    for (size_t k = 0; k < ui->ntail; k++) {
      int64_t id = sym ? sc0->sym_ids[k] : sc0->keys[k], best = INT64_MIN;
      if (!sym && k) assert_true(sc0->keys[k - 1] < id);
      size_t at = 0, ties = 0, cnt = 0;
      for (size_t i = 0; i < rows.n; i++) {
        if (rows.cols[0].i64[i] != id) continue;
        cnt++;
        int64_t t = rows.cols[1].i64[i];
        if (t > best) best = t, at = i, ties = 1;
        else if (t == best) ties++;
      }
      assert_int_equal(cnt, sym ? sc0->sym_counts[k] : sc0->key_counts[k]);
      assert_int_equal(ui->tail_t[k], best);
      assert_int_equal(ui->tail_one[k], ties == 1);
      if (ties != 1) continue;
      bool vnull = gp_rows_isnull(&rows.cols[2], at);
      assert_int_equal(ui->cols[2].tail_null[k], vnull);
      if (!vnull) assert_true(ui->cols[2].tail_d[k] == rows.cols[2].f64[at]);
      assert_int_equal(ui->cols[3].tail_null[k], 0);
      assert_int_equal(ui->cols[3].tail_i[k], rows.cols[3].i64[at]);
      assert_null(ui->cols[4].tail_i); /* TEXT: no tail */
      assert_null(ui->cols[4].tail_d);
      (*checked)++;
    }
  }
  gp_rows_free(&rows);
}

static void series_tail_case(gp_type key) {
  char dir[512];
  gp_err err = {0};
  gp_store *s = open_tmp_store(dir, sizeof dir, "tail");
  const gp_type types[] = {key, GP_T_TIMESTAMP, GP_T_DOUBLE, GP_T_INT, GP_T_TEXT};
  gp_store_layout l;
  one_col_layout(&l, 5, types, 1, 0);
  assert_int_equal(gp_store_set_layout(s, 9, &l, &err), GP_OK);
  gp_rows r;
  size_t n = 30000;
  assert_int_equal(gp_rows_init(&r, &l, n), GP_OK);
  uint64_t seed = 77;
  for (size_t i = 0; i < n; i++) {
    r.n = i + 1;
    r.cols[0].i64[i] = (int64_t)rng_below(&seed, 300);
    if (key == GP_T_INT) r.cols[0].i64[i] = r.cols[0].i64[i] * 1000003 - 150000000;
    /* whole minutes over 3 days: ties within a series are common enough to be tested */
    r.cols[1].i64[i] = (int64_t)rng_below(&seed, 3 * 24 * 60 / 4) * 60 * 1000000 * 4;
    if (rng_below(&seed, 10) == 0) assert_int_equal(gp_col_set_null(&r.cols[2], i, r.cap), GP_OK);
    else r.cols[2].f64[i] = (double)rng_below(&seed, 100000) / 100.0;
    r.cols[3].i64[i] = (int64_t)i;
    r.cols[4].str[i] = "x";
    r.cols[4].len[i] = 1;
    r.cell[i] = gp_morton_encode((UINT32_C(1) << 31) + (uint32_t)rng_below(&seed, 4096),
                                 (UINT32_C(1) << 31) + (uint32_t)rng_below(&seed, 4096));
  }
  gp_store_txn *t = gp_store_txn_begin(s);
  assert_int_equal(gp_store_txn_append(t, 9, &r, 0, n, &err), GP_OK);
  assert_int_equal(gp_store_txn_commit(t, &err), GP_OK);
  gp_store_txn_free(t);
  gp_scan_spec all = {.t_lo = INT64_MIN, .t_hi = INT64_MAX};
  gp_scan *sc = NULL;
  size_t fresh_checked = 0, sealed_checked = 0;
  assert_int_equal(gp_scan_open(s, 9, &all, &sc, &err), GP_OK);
  check_tails(sc, &fresh_checked);
  gp_scan_close(sc);
  gp_seal_stats st = {0};
  if (gp_store_seal(s, 9, INT64_MAX, &st, &err)) fail_msg("seal: %s", err.msg);
  assert_int_equal(gp_scan_open(s, 9, &all, &sc, &err), GP_OK);
  assert_true(gp_scan_units(sc) > 3);
  check_tails(sc, &sealed_checked);
  /* the newest partition holding rows, whole and within windows */
  int64_t part = 0;
  bool found = false;
  assert_int_equal(gp_store_newest_partition(s, 9, INT64_MIN, INT64_MAX, &part, &found, &err), GP_OK);
  assert_true(found);
  assert_int_equal(part, 2);
  assert_int_equal(gp_store_newest_partition(s, 9, INT64_MIN, DAY + 1, &part, &found, &err), GP_OK);
  assert_true(found);
  assert_int_equal(part, 1);
  assert_int_equal(gp_store_newest_partition(s, 9, 3 * DAY, INT64_MAX, &part, &found, &err), GP_OK);
  assert_false(found);
  assert_int_equal(gp_store_newest_partition(s, 10, INT64_MIN, INT64_MAX, &part, &found, &err), GP_INVALID);
  gp_scan_close(sc);
  assert_true(fresh_checked > 500 && sealed_checked > 500);
  /* the summary with its tail: every truncation is corrupt, bit flips never crash */
  gp_buf b = {0};
  r.n = 2000;
  assert_int_equal(gp_store__encode_summary(&r, 1, 0, &b, &err), GP_OK);
  assert_int_equal(b.p[0], key == GP_T_INT ? 3 : 2); /* the version */
  gp_unit_info u;
  for (size_t len = 0; len <= b.len; len++) {
    gp_err e = {0};
    gp_rc rc = gp_store__decode_summary(b.p, len, &u, &e);
    assert_int_equal(rc, len == b.len ? GP_OK : GP_CORRUPT);
    if (rc == GP_OK) {
      assert_int_equal(u.ntail, key == GP_T_INT ? u.cols[0].nkeys : u.cols[0].nsyms);
      gp_store__unit_free(&u);
    }
  }
  for (size_t pos = 0; pos < b.len; pos += 7) {
    b.p[pos] ^= 0x10;
    gp_err e = {0};
    if (gp_store__decode_summary(b.p, b.len, &u, &e) == GP_OK) gp_store__unit_free(&u);
    b.p[pos] ^= 0x10;
  }
  gp_buf_free(&b);
  gp_rows_free(&r);
  gp_store_close(s);
  rm_tree(dir);
}

static void test_series_tail(void **state) {
  (void)state;
  series_tail_case(GP_T_SYMBOL);
}

static void test_series_tail_int(void **state) {
  (void)state;
  series_tail_case(GP_T_INT);
}

/* Totals a scan's units report: rows, and the exact sum of the INT column 3. */
static void unit_totals(const gp_scan *sc, size_t *rows, int64_t *isum) {
  *rows = 0;
  *isum = 0;
  for (size_t i = 0; i < gp_scan_units(sc); i++) {
    const gp_unit_info *u = gp_scan_unit(sc, i);
    assert_true(u->cols[3].isum_exact);
    *rows += u->rows;
    *isum += u->cols[3].isum;
  }
}

/* Decoded summaries are cached across scans: a scan after a reseal sees the new summaries
 * (same keys, other bytes), and a scan opened before it keeps reading the ones it borrowed
 * until it closes (ASan would see a use after free). */

/* Rows of every unit of a windowed scan: count and a sum over (series, time, value) that
 * does not depend on the order units are read in. */
static void window_sums(gp_store *s, uint16_t table, int64_t lo, int64_t hi,
                        const gp_cell_range *cells, size_t ncells, size_t *n, double *sum) {
  gp_err err = {0};
  gp_scan_spec sp = {.t_lo = lo, .t_hi = hi, .cells = cells, .ncells = ncells};
  gp_scan *sc = NULL;
  assert_int_equal(gp_scan_open(s, table, &sp, &sc, &err), GP_OK);
  gp_rows rows = {0};
  *n = 0;
  *sum = 0;
  for (size_t u = 0; u < gp_scan_units(sc); u++) {
    if (gp_scan_decode(sc, u, &rows, &err)) fail_msg("decode: %s", err.msg);
    for (size_t i = 0; i < rows.n; i++) {
      assert_true(rows.cols[1].i64[i] >= lo && rows.cols[1].i64[i] < hi);
      *n += 1;
      *sum += (double)rows.cols[0].i64[i] * 3 + (double)(rows.cols[1].i64[i] / 60000000) +
              (gp_rows_isnull(&rows.cols[2], i) ? 0.5 : rows.cols[2].f64[i]);
    }
  }
  gp_rows_free(&rows);
  gp_scan_close(sc);
}

/* The decoded-chunk cache (gp_store_set_chunk_cache) gives every windowed scan the rows the
 * plain decode gives: windows cut anywhere in a series run, with and without cells, a budget
 * small enough to evict, and a chunk rewritten by sealing (rows added) decoded afresh. */
static void test_chunk_cache(void **state) {
  (void)state;
  char dir[512];
  gp_err err = {0};
  gp_store *s = open_tmp_store(dir, sizeof dir, "dcache");
  const gp_type types[] = {GP_T_SYMBOL, GP_T_TIMESTAMP, GP_T_DOUBLE};
  gp_store_layout l;
  one_col_layout(&l, 3, types, 1, 0);
  assert_int_equal(gp_store_set_layout(s, 11, &l, &err), GP_OK);
  gp_rows r;
  size_t n = 40000;
  assert_int_equal(gp_rows_init(&r, &l, n), GP_OK);
  uint64_t seed = 5;
  for (size_t i = 0; i < n; i++) {
    r.n = i + 1;
    r.cols[0].i64[i] = (int64_t)rng_below(&seed, 200);
    r.cols[1].i64[i] = (int64_t)rng_below(&seed, 3 * 24 * 60) * 60 * 1000000;
    if (rng_below(&seed, 20) == 0) assert_int_equal(gp_col_set_null(&r.cols[2], i, r.cap), GP_OK);
    else r.cols[2].f64[i] = (double)rng_below(&seed, 1000) / 10.0;
    r.cell[i] = gp_morton_encode((UINT32_C(1) << 31) + (uint32_t)rng_below(&seed, 1024),
                                 (UINT32_C(1) << 31) + (uint32_t)rng_below(&seed, 1024));
  }
  gp_store_txn *t = gp_store_txn_begin(s);
  assert_int_equal(gp_store_txn_append(t, 11, &r, 0, n / 2, &err), GP_OK);
  assert_int_equal(gp_store_txn_commit(t, &err), GP_OK);
  gp_store_txn_free(t);
  assert_int_equal(gp_store_seal(s, 11, INT64_MAX, NULL, &err), GP_OK);
  gp_cell_range half = {0, gp_morton_encode((UINT32_C(1) << 31) + 512, UINT32_C(1) << 31)};
  for (int round = 0; round < 2; round++) {
    for (int k = 0; k < 40; k++) {
      int64_t lo = (int64_t)rng_below(&seed, 3 * 24 * 60) * 60 * 1000000 + 1;
      int64_t hi = lo + (int64_t)(1 + rng_below(&seed, 180)) * 60 * 1000000;
      const gp_cell_range *cells = k % 3 == 0 ? &half : NULL;
      size_t n0, n1;
      double s0, s1;
      assert_int_equal(gp_store_set_chunk_cache(s, 0, &err), GP_OK);
      window_sums(s, 11, lo, hi, cells, cells ? 1 : 0, &n0, &s0);
      /* 64 KB: a few chunks at a time, so entries are evicted and decoded again */
      assert_int_equal(gp_store_set_chunk_cache(s, k % 2 ? (size_t)64 << 10 : (size_t)64 << 20, &err), GP_OK);
      window_sums(s, 11, lo, hi, cells, cells ? 1 : 0, &n1, &s1);
      window_sums(s, 11, lo, hi, cells, cells ? 1 : 0, &n1, &s1); /* from the cache */
      assert_int_equal(n0, n1);
      assert_true(s0 == s1);
    }
    if (round == 1) break;
    /* the other half of the rows: resealing rewrites the chunks under the same keys */
    t = gp_store_txn_begin(s);
    assert_int_equal(gp_store_txn_append(t, 11, &r, n / 2, n, &err), GP_OK);
    assert_int_equal(gp_store_txn_commit(t, &err), GP_OK);
    gp_store_txn_free(t);
    assert_int_equal(gp_store_seal(s, 11, INT64_MAX, NULL, &err), GP_OK);
  }
  size_t all;
  double sum;
  window_sums(s, 11, INT64_MIN + 1, INT64_MAX, NULL, 0, &all, &sum);
  assert_int_equal(all, n);
  gp_rows_free(&r);
  gp_store_close(s);
}

static void test_summary_cache(void **state) {
  (void)state;
  char dir[512];
  gp_err err = {0};
  gp_store *s = open_tmp_store(dir, sizeof dir, "sumcache");
  const gp_type types[] = {GP_T_SYMBOL, GP_T_TIMESTAMP, GP_T_DOUBLE, GP_T_INT, GP_T_TEXT};
  gp_store_layout l;
  one_col_layout(&l, 5, types, 1, -1);
  assert_int_equal(gp_store_set_layout(s, 9, &l, &err), GP_OK);
  gp_rows r;
  size_t n = 20000;
  assert_int_equal(gp_rows_init(&r, &l, n), GP_OK);
  uint64_t seed = 5;
  int64_t want_sum[2] = {0, 0};
  for (size_t i = 0; i < n; i++) {
    r.n = i + 1;
    r.cols[0].i64[i] = (int64_t)rng_below(&seed, 20);
    r.cols[1].i64[i] = (int64_t)rng_below(&seed, 2 * 24 * 60) * 60 * 1000000;
    r.cols[2].f64[i] = (double)rng_below(&seed, 1000) / 10.0;
    r.cols[3].i64[i] = (int64_t)rng_below(&seed, 1000);
    r.cols[4].str[i] = "y";
    r.cols[4].len[i] = 1;
    r.cell[i] = gp_morton_encode((UINT32_C(1) << 31) + (uint32_t)rng_below(&seed, 2048),
                                 (UINT32_C(1) << 31) + (uint32_t)rng_below(&seed, 2048));
    want_sum[i < n / 2 ? 0 : 1] += r.cols[3].i64[i];
  }
  /* the first half, sealed */
  gp_store_txn *t = gp_store_txn_begin(s);
  assert_int_equal(gp_store_txn_append(t, 9, &r, 0, n / 2, &err), GP_OK);
  assert_int_equal(gp_store_txn_commit(t, &err), GP_OK);
  gp_store_txn_free(t);
  gp_seal_stats st = {0};
  if (gp_store_seal(s, 9, INT64_MAX, &st, &err)) fail_msg("seal: %s", err.msg);
  gp_scan_spec all = {.t_lo = INT64_MIN, .t_hi = INT64_MAX};
  gp_scan *a = NULL, *b = NULL, *c = NULL;
  size_t rows;
  int64_t isum;
  assert_int_equal(gp_scan_open(s, 9, &all, &a, &err), GP_OK); /* decodes and caches */
  unit_totals(a, &rows, &isum);
  assert_int_equal(rows, n / 2);
  assert_int_equal(isum, want_sum[0]);
  assert_int_equal(gp_scan_open(s, 9, &all, &b, &err), GP_OK); /* borrows */
  unit_totals(b, &rows, &isum);
  assert_int_equal(rows, n / 2);
  assert_int_equal(isum, want_sum[0]);
  gp_scan_close(b);
  /* the second half into the same partitions, resealed: the chunks are rewritten */
  t = gp_store_txn_begin(s);
  assert_int_equal(gp_store_txn_append(t, 9, &r, n / 2, n, &err), GP_OK);
  assert_int_equal(gp_store_txn_commit(t, &err), GP_OK);
  gp_store_txn_free(t);
  if (gp_store_seal(s, 9, INT64_MAX, &st, &err)) fail_msg("reseal: %s", err.msg);
  for (int k = 0; k < 2; k++) { /* the new summaries, decoded then borrowed */
    assert_int_equal(gp_scan_open(s, 9, &all, &c, &err), GP_OK);
    unit_totals(c, &rows, &isum);
    assert_int_equal(rows, n);
    assert_int_equal(isum, want_sum[0] + want_sum[1]);
    gp_scan_close(c);
  }
  /* the scan opened before the reseal still reads what it borrowed */
  unit_totals(a, &rows, &isum);
  assert_int_equal(rows, n / 2);
  assert_int_equal(isum, want_sum[0]);
  gp_scan_close(a);
  gp_rows_free(&r);
  gp_store_close(s);
  rm_tree(dir);
}

static void test_values_round_trip(void **state) {
  (void)state;
  char dir[512];
  gp_store *s = open_tmp_store(dir, sizeof dir, "values");

  /* ts, id, two-decimal doubles, arbitrary doubles (NaN, -0.0, inf, denormals), INT limits,
   * TEXT with empties, nulls, NUL bytes and multi-byte UTF-8 */
  const gp_type types[] = {GP_T_TIMESTAMP, GP_T_INT,  GP_T_DOUBLE, GP_T_DOUBLE,
                           GP_T_INT,       GP_T_TEXT, GP_T_SYMBOL};
  gp_store_layout l;
  one_col_layout(&l, 7, types, 0, -1);
  const double odd[] = {NAN,
                        -0.0,
                        0.0,
                        INFINITY,
                        -INFINITY,
                        4.9e-324,
                        -2.2250738585072014e-308,
                        1.7976931348623157e308,
                        0.1,
                        1.0 / 3,
                        -1e-12,
                        123456789.123456789};
  const int64_t ints[] = {INT64_MIN, INT64_MAX, 0, -1, 1, INT64_MIN + 1, INT64_MAX - 1};
  static const char nul_text[] = {'a', '\0', 'b'};
  enum { N = 3000 };
  gp_rows r;
  assert_int_equal(gp_rows_init(&r, &l, N), GP_OK);
  uint64_t seed = 11;
  for (size_t i = 0; i < N; i++) {
    r.n = i + 1;
    r.cols[0].i64[i] = (int64_t)i * 997 * GP_USEC_PER_SEC - DAY; /* over ~35 days */
    r.cols[1].i64[i] = (int64_t)i;
    r.cols[2].f64[i] = (double)((int64_t)rng_below(&seed, 2000001) - 1000000) / 100.0;
    r.cols[3].f64[i] = i < 12 ? odd[i] : (double)rng_next(&seed) / 3.0 * (i % 2 ? -1 : 1);
    r.cols[4].i64[i] = ints[i % 7];
    switch (i % 6) {
      case 0:
        gp_col_set_null(&r.cols[5], i, r.cap);
        r.cols[5].str[i] = "";
        r.cols[5].len[i] = 0;
        break;
      case 1:
        r.cols[5].str[i] = "";
        r.cols[5].len[i] = 0;
        break;
      case 2:
        r.cols[5].str[i] = nul_text;
        r.cols[5].len[i] = 3;
        break;
      case 3:
        r.cols[5].str[i] = "多字节 текст";
        r.cols[5].len[i] = (uint32_t)strlen("多字节 текст");
        break;
      default:
        r.cols[5].str[i] = k_texts[i % 9];
        r.cols[5].len[i] = (uint32_t)strlen(k_texts[i % 9]);
    }
    if (i % 5 == 0) gp_col_set_null(&r.cols[4], i, r.cap);
    if (i % 7 == 0) gp_col_set_null(&r.cols[2], i, r.cap);
    r.cols[6].i64[i] = (int64_t)(i % 3);
    r.cell[i] = gp_morton_encode((uint32_t)rng_next(&seed), (uint32_t)rng_next(&seed));
  }
  gp_rows out;
  seal_and_read(s, 1, &l, &r, &out);
  assert_int_equal(out.n, N);
  bool *seen = calloc(N, 1);
  assert_non_null(seen);
  for (size_t i = 0; i < out.n; i++) {
    int64_t id = out.cols[1].i64[i];
    assert_true(id >= 0 && id < N && !seen[id]);
    seen[id] = true;
    if (!same_row(&out, i, &r, (size_t)id))
      fail_msg("row %lld changed through sealing", (long long)id);
  }
  free(seen);
  gp_rows_free(&out);
  gp_rows_free(&r);

  /* no time column at all: one partition, rows sorted by series */
  const gp_type t2[] = {GP_T_INT, GP_T_SYMBOL};
  one_col_layout(&l, 2, t2, -1, 1);
  assert_int_equal(gp_rows_init(&r, &l, 10000), GP_OK);
  for (size_t i = 0; i < 10000; i++) {
    r.n = i + 1;
    r.cols[0].i64[i] = (int64_t)i;
    r.cols[1].i64[i] = (int64_t)(i * 7919 % 13);
    r.cell[i] = i % 100;
  }
  seal_and_read(s, 2, &l, &r, &out);
  assert_int_equal(out.n, 10000);
  int64_t sum = 0;
  for (size_t i = 0; i < out.n; i++) {
    int64_t id = out.cols[0].i64[i];
    assert_true(same_row(&out, i, &r, (size_t)id));
    sum += id;
  }
  assert_int_equal(sum, 10000 * 9999 / 2);
  gp_rows_free(&out);
  gp_rows_free(&r);

  gp_store_close(s);
  rm_tree(dir);
}

/* A partition whose chunks compress extremely well (one sensor at one place, a regular clock,
 * constant values) must read back like any other. */
static void test_compressible_chunk(void **state) {
  (void)state;
  char dir[512];
  gp_err err = {0};
  gp_store *s = open_tmp_store(dir, sizeof dir, "dense");
  const gp_type types[] = {GP_T_TIMESTAMP, GP_T_SYMBOL, GP_T_DOUBLE, GP_T_INT};
  gp_store_layout l;
  one_col_layout(&l, 4, types, 0, 1);
  enum { N = 9000 };
  gp_rows r;
  assert_int_equal(gp_rows_init(&r, &l, N), GP_OK);
  for (size_t i = 0; i < N; i++) {
    r.n = i + 1;
    r.cols[0].i64[i] = (int64_t)i * GP_USEC_PER_SEC;
    r.cols[1].i64[i] = 3;
    r.cols[2].f64[i] = 1.5;
    r.cols[3].i64[i] = 7;
    r.cell[i] = UINT64_C(0x3C0FFEE00);
  }
  assert_int_equal(gp_store_set_layout(s, 1, &l, &err), GP_OK);
  gp_store_txn *t = gp_store_txn_begin(s);
  assert_int_equal(gp_store_txn_append(t, 1, &r, 0, N, &err), GP_OK);
  assert_int_equal(gp_store_txn_commit(t, &err), GP_OK);
  gp_store_txn_free(t);
  /* on failure everything is released first, so that the report is the failure alone */
  gp_rc rc = gp_store_seal(s, 1, INT64_MAX, NULL, &err);
  size_t total = 0, bad_rows = 0, unit_rows = 0;
  gp_scan *sc = NULL;
  gp_rows tmp = {0};
  if (rc == GP_OK) {
    gp_scan_spec all = {.t_lo = INT64_MIN, .t_hi = INT64_MAX};
    rc = gp_scan_open(s, 1, &all, &sc, &err);
  }
  for (size_t u = 0; rc == GP_OK && u < gp_scan_units(sc); u++) {
    unit_rows = gp_scan_unit(sc, u)->rows;
    if ((rc = gp_scan_decode(sc, u, &tmp, &err))) break;
    for (size_t i = 0; i < tmp.n; i++)
      bad_rows += !same_row(&tmp, i, &r, (size_t)(tmp.cols[0].i64[i] / GP_USEC_PER_SEC));
    total += tmp.n;
  }
  gp_rows_free(&tmp);
  gp_scan_close(sc);
  gp_rows_free(&r);
  gp_store_close(s);
  rm_tree(dir);
  if (rc) fail_msg("%d constant rows, unit of %zu rows: %s", N, unit_rows, err.msg);
  assert_int_equal(bad_rows, 0);
  assert_int_equal(total, N);
}

/* ---- chunk bytes as untrusted input ---- */

static void small_rows(gp_rows *r, gp_store_layout *l) {
  set_layout(l);
  assert_int_equal(gp_rows_init(r, l, 40), GP_OK);
  fixture f;
  memset(&f, 0, sizeof f);
  uint64_t seed = 3;
  for (int i = 0; i < 5; i++) f.hot[i] = (uint64_t)i * 1000;
  f.lay = *l;
  for (size_t i = 0; i < 40; i++) {
    r->n = i + 1;
    fill_row(&f, r, i, (int64_t)i, i % 3, &seed);
  }
}

static void test_decode_corrupt(void **state) {
  (void)state;
  gp_rows r;
  gp_store_layout l;
  small_rows(&r, &l);
  for (int enc = GP_ENC_RAW; enc <= GP_ENC_PACKED; enc++) {
    gp_buf b = {0};
    gp_err err = {0};
    assert_int_equal(gp_store__encode_rows(&r, enc, &b, &err), GP_OK);
    /* the whole encoding decodes, also appended after rows already there */
    gp_rows out;
    assert_int_equal(gp_rows_init(&out, &l, 4), GP_OK);
    assert_int_equal(gp_store__decode_rows(b.p, b.len, &out, &err), GP_OK);
    assert_int_equal(gp_store__decode_rows(b.p, b.len, &out, &err), GP_OK);
    assert_int_equal(out.n, 2 * r.n);
    for (size_t i = 0; i < out.n; i++) assert_true(same_row(&out, i, &r, i % r.n));
    gp_rows_free(&out);

    /* every truncation is an error that leaves the rows as they were */
    for (size_t len = 0; len < b.len; len++) {
      uint8_t *copy = malloc(len ? len : 1);
      assert_non_null(copy);
      memcpy(copy, b.p, len);
      gp_err e = {0};
      assert_int_equal(gp_rows_init(&out, &l, 4), GP_OK);
      gp_rc rc = gp_store__decode_rows(copy, len, &out, &e);
      if (rc == GP_OK) fail_msg("enc %d: truncation to %zu of %zu bytes accepted", enc, len, b.len);
      assert_int_equal(rc, GP_CORRUPT);
      assert_true(e.msg[0] != '\0');
      assert_int_equal(out.n, 0);
      gp_rows_free(&out);
      free(copy);
    }
    /* every single-bit flip: an error or some rows, never a crash or an overread */
    for (size_t pos = 0; pos < b.len; pos++)
      for (int bit = 0; bit < 8; bit++) {
        uint8_t *copy = malloc(b.len);
        assert_non_null(copy);
        memcpy(copy, b.p, b.len);
        copy[pos] ^= (uint8_t)(1u << bit);
        gp_err e = {0};
        assert_int_equal(gp_rows_init(&out, &l, 4), GP_OK);
        gp_rc rc = gp_store__decode_rows(copy, b.len, &out, &e);
        if (rc != GP_OK)
          assert_int_equal(out.n, 0);
        else
          assert_true(out.n <= b.len * 8 + 64);
        gp_rows_free(&out);
        free(copy);
      }
    gp_buf_free(&b);
  }

  /* summaries: whole decodes, every truncation is corrupt */
  gp_buf b = {0};
  gp_err err = {0};
  assert_int_equal(gp_store__encode_summary(&r, C_TS, -1, &b, &err), GP_OK);
  gp_unit_info u;
  assert_int_equal(gp_store__decode_summary(b.p, b.len, &u, &err), GP_OK);
  check_summary(&u, &r);
  gp_store__unit_free(&u);
  for (size_t len = 0; len < b.len; len++) {
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, b.p, len);
    gp_err e = {0};
    assert_int_equal(gp_store__decode_summary(copy, len, &u, &e), GP_CORRUPT);
    assert_null(u.cols);
    free(copy);
  }
  for (size_t pos = 0; pos < b.len; pos++)
    for (int bit = 0; bit < 8; bit++) {
      uint8_t *copy = malloc(b.len);
      assert_non_null(copy);
      memcpy(copy, b.p, b.len);
      copy[pos] ^= (uint8_t)(1u << bit);
      gp_err e = {0};
      if (gp_store__decode_summary(copy, b.len, &u, &e) == GP_OK) gp_store__unit_free(&u);
      free(copy);
    }
  gp_buf_free(&b);

  /* a chunk for another layout is refused, not misread */
  b = (gp_buf){0};
  assert_int_equal(gp_store__encode_rows(&r, GP_ENC_PACKED, &b, &err), GP_OK);
  const gp_type other[] = {GP_T_TIMESTAMP, GP_T_INT,  GP_T_DOUBLE, GP_T_DOUBLE,
                           GP_T_SYMBOL,    GP_T_TEXT, GP_T_DOUBLE};
  gp_store_layout l2;
  one_col_layout(&l2, 7, other, 0, -1);
  gp_rows out;
  assert_int_equal(gp_rows_init(&out, &l2, 4), GP_OK);
  gp_err e = {0};
  assert_int_equal(gp_store__decode_rows(b.p, b.len, &out, &e), GP_CORRUPT);
  assert_int_equal(out.n, 0);
  gp_rows_free(&out);
  one_col_layout(&l2, 6, other, 0, -1);
  assert_int_equal(gp_rows_init(&out, &l2, 4), GP_OK);
  gp_err_clear(&e);
  assert_int_equal(gp_store__decode_rows(b.p, b.len, &out, &e), GP_CORRUPT);
  gp_rows_free(&out);
  gp_buf_free(&b);
  gp_rows_free(&r);
}

/* Decoding only some columns (spec.cols) returns the same rows with those columns exact, also
 * when the time column is left out of a window that cuts through units. Runs last, on T_OTHER
 * (sealed and fresh units), because the drops changed the other tables. */
int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_values_round_trip),
      cmocka_unit_test(test_decode_corrupt),
      cmocka_unit_test(test_compressible_chunk),
      cmocka_unit_test(test_series_tail),
      cmocka_unit_test(test_series_tail_int),
      cmocka_unit_test(test_summary_cache),
      cmocka_unit_test(test_chunk_cache),
  };
  /* GP_TEST_SKIP=pattern (cmocka wildcards) leaves tests out, e.g. ones that crash a
   * sanitizer build, so that the rest still run to the end and the leak check */
  const char *skip = getenv("GP_TEST_SKIP");
  if (skip && *skip) cmocka_set_skip_filter(skip);
  return cmocka_run_group_tests_name("store_values", tests, NULL, NULL);
}
