/* test_scan_keep.c - gp_scan_set_keep: a keep filter handed to an open scan.
 *
 * A warning replay learns which series matter (the water-level gauges a join lets through)
 * only after its scan is open; the decodes that follow, from the decoded-chunk cache or not,
 * must then give exactly the kept series' rows of the window, and a scan the planner gave a
 * keep filter must keep its own. */
#define _XOPEN_SOURCE 700 /* nftw, mkdtemp */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store_int.h"

#define MIN_US (INT64_C(60) * 1000000)

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *f) {
  (void)st, (void)flag, (void)f;
  return remove(p);
}

/* A store holding 40 series of one reading a minute over two days, sealed (series-ordered
 * chunks); dir receives its directory for removal. */
static gp_store *make_store(char *dir, size_t cap, gp_store_layout *l) {
  const char *base = getenv("GP_TEST_TMP");
  snprintf(dir, cap, "%s/scankeep-XXXXXX", base && *base ? base : "/tmp");
  assert_non_null(mkdtemp(dir));
  char path[600];
  snprintf(path, sizeof path, "%s/db", dir);
  gp_store *s = NULL;
  gp_err err = {0};
  gp_store_opts o = {path, true, false};
  if (gp_store_open(&o, &s, &err)) fail_msg("open %s: %s", path, err.msg);
  memset(l, 0, sizeof *l);
  l->ncols = 3;
  l->types[0] = GP_T_SYMBOL, l->types[1] = GP_T_TIMESTAMP, l->types[2] = GP_T_DOUBLE;
  l->time_col = 1;
  l->series_col = 0;
  l->partition_us = GP_USEC_PER_DAY;
  assert_int_equal(gp_store_set_layout(s, 7, l, &err), GP_OK);
  gp_rows r;
  size_t n = 40 * 2 * 24 * 60;
  assert_int_equal(gp_rows_init(&r, l, n), GP_OK);
  for (size_t i = 0; i < n; i++) {
    r.cols[0].i64[i] = (int64_t)(i % 40);
    r.cols[1].i64[i] = (int64_t)(i / 40) * MIN_US;
    r.cols[2].f64[i] = (double)i;
    r.cell[i] = 0;
  }
  r.n = n;
  gp_store_txn *t = gp_store_txn_begin(s);
  assert_int_equal(gp_store_txn_append(t, 7, &r, 0, n, &err), GP_OK);
  assert_int_equal(gp_store_txn_commit(t, &err), GP_OK);
  gp_store_txn_free(t);
  assert_int_equal(gp_store_seal(s, 7, INT64_MAX, NULL, &err), GP_OK);
  gp_rows_free(&r);
  return s;
}

/* Rows of [lo, hi) decoded through a scan given `keep` after opening (NULL: none) and
 * `planned` at opening; per series counts in cnt[40]. */
static size_t decode_window(gp_store *s, int64_t lo, int64_t hi, const gp_scan_keep *planned,
                            const gp_scan_keep *keep, size_t cnt[40]) {
  gp_err err = {0};
  gp_scan_spec spec = {lo, hi, NULL, 0, 0, planned};
  gp_scan *sc = NULL;
  assert_int_equal(gp_scan_open(s, 7, &spec, &sc, &err), GP_OK);
  if (keep) assert_int_equal(gp_scan_set_keep(sc, keep, &err), GP_OK);
  memset(cnt, 0, 40 * sizeof *cnt);
  size_t total = 0;
  gp_rows rows = {0};
  for (size_t u = 0; u < gp_scan_units(sc); u++) {
    assert_int_equal(gp_scan_decode(sc, u, &rows, &err), GP_OK);
    for (size_t i = 0; i < rows.n; i++) {
      assert_true(rows.cols[1].i64[i] >= lo && rows.cols[1].i64[i] < hi);
      cnt[rows.cols[0].i64[i]]++;
    }
    total += rows.n;
  }
  gp_rows_free(&rows);
  gp_scan_close(sc);
  return total;
}

static void test_set_keep(void **state) {
  (void)state;
  char dir[512];
  gp_store_layout l;
  gp_err err = {0};
  gp_store *s = make_store(dir, sizeof dir, &l);
  static const int64_t live[] = {3, 17, 18, 39}; /* ascending */
  gp_scan_keep keep = {0, live, 4, false};
  const int64_t lo = 30 * 60 * MIN_US + 1, hi = lo + 60 * MIN_US; /* an hour in day 2 */
  for (int cached = 0; cached < 2; cached++) {
    assert_int_equal(gp_store_set_chunk_cache(s, cached ? (size_t)64 << 20 : 0, &err), GP_OK);
    size_t cnt[40];
    /* no keep: every series' 60 rows */
    assert_int_equal(decode_window(s, lo, hi, NULL, NULL, cnt), 40 * 60);
    /* a keep set after opening: the kept series' rows alone, every one of them */
    for (int pass = 0; pass < 2; pass++) { /* the second from the cache's entries */
      decode_window(s, lo, hi, NULL, &keep, cnt);
      for (int id = 0; id < 40; id++) {
        bool kept = id == 3 || id == 17 || id == 18 || id == 39;
        assert_int_equal(cnt[id], kept ? 60 : 0);
      }
    }
    /* the planner's keep stays: series 5 only, whatever is set later */
    static const int64_t five = 5;
    gp_scan_keep planned = {0, &five, 1, false};
    decode_window(s, lo, hi, &planned, &keep, cnt);
    assert_int_equal(cnt[5], 60);
    assert_int_equal(cnt[3], 0);
  }
  /* a keep filter on a column that is no SYMBOL is refused */
  gp_scan_spec spec = {INT64_MIN, INT64_MAX, NULL, 0, 0, NULL};
  gp_scan *sc = NULL;
  assert_int_equal(gp_scan_open(s, 7, &spec, &sc, &err), GP_OK);
  gp_scan_keep bad = {2, live, 4, false};
  assert_int_equal(gp_scan_set_keep(sc, &bad, &err), GP_INVALID);
  gp_scan_close(sc);
  gp_store_close(s);
  nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

enum { LATE = 240 }; /* late rows per series, at minutes 100.5, 101.5, .. */

/* The rows one series has in [lo, hi): one a minute at minutes 0 .. 2879 (and, with late,
 * the LATE ones). */
static size_t per_series(int64_t lo, int64_t hi, bool late) {
  size_t n = 0;
  for (int64_t m = 0; m < 2 * 24 * 60; m++) n += m * MIN_US >= lo && m * MIN_US < hi;
  for (int64_t m = 0; late && m < LATE; m++) {
    int64_t t = (100 + m) * MIN_US + MIN_US / 2;
    n += t >= lo && t < hi;
  }
  return n;
}

/* Windows that slide as a replay's do (an hour, 5 minutes on per slot), then back, then jump,
 * through the decoded-chunk cache (which starts each run's search where the last window of
 * that run ended) and the partition directory (which keeps the units of a partition between
 * scans): every window has exactly each series' rows in it. Then late rows resealed into
 * day 1's partition must be seen: the directory and the chunk cache forget what a seal
 * rewrote (the cache knew a chunk only by its row count and ranges, which a reseal that
 * shifts rows between chunks can leave as they were: with one late row a series it answered
 * 2,400 rows for 2,440). */
static void test_sliding_windows(void **state) {
  (void)state;
  char dir[512];
  gp_store_layout l;
  gp_err err = {0};
  gp_store *s = make_store(dir, sizeof dir, &l);
  assert_int_equal(gp_store_set_chunk_cache(s, (size_t)64 << 20, &err), GP_OK);
  size_t cnt[40];
  int64_t los[3 * 500];
  size_t nl = 0;
  for (int64_t lo = -30 * MIN_US; lo < 49 * 60 * MIN_US && nl < 500; lo += 5 * MIN_US) los[nl++] = lo + 1;
  for (size_t k = nl; k-- > 0 && nl < 1000;) los[nl++] = los[k] - 3 * MIN_US; /* back again */
  uint64_t seed = 11;
  for (int k = 0; k < 300; k++) {
    seed = seed * 6364136223846793005u + 1442695040888963407u;
    los[nl++] = (int64_t)((seed >> 33) % (50 * 60)) * MIN_US - 60 * MIN_US + (int64_t)(seed % 7);
  }
  for (size_t k = 0; k < nl; k++) {
    int64_t lo = los[k], hi = lo + 60 * MIN_US;
    assert_int_equal(decode_window(s, lo, hi, NULL, NULL, cnt), 40 * per_series(lo, hi, false));
    for (int id = 0; id < 40; id++) assert_int_equal(cnt[id], per_series(lo, hi, false));
  }
  /* late rows in day 1, sealed into its partition's chunks: more chunks than before, and
   * chunks under the old keys whose rows moved */
  gp_rows r;
  assert_int_equal(gp_rows_init(&r, &l, 40 * LATE), GP_OK);
  for (size_t i = 0; i < 40 * LATE; i++) {
    r.cols[0].i64[i] = (int64_t)(i % 40);
    r.cols[1].i64[i] = (int64_t)(100 + i / 40) * MIN_US + MIN_US / 2;
    r.cols[2].f64[i] = -1;
    r.cell[i] = 0;
  }
  r.n = 40 * LATE;
  gp_store_txn *t = gp_store_txn_begin(s);
  assert_int_equal(gp_store_txn_append(t, 7, &r, 0, r.n, &err), GP_OK);
  assert_int_equal(gp_store_txn_commit(t, &err), GP_OK);
  gp_store_txn_free(t);
  gp_rows_free(&r);
  int64_t lo = 90 * MIN_US, hi = lo + 60 * MIN_US;
  assert_int_equal(decode_window(s, lo, hi, NULL, NULL, cnt), 40 * per_series(lo, hi, true)); /* fresh */
  assert_int_equal(gp_store_seal(s, 7, INT64_MAX, NULL, &err), GP_OK);
  for (int pass = 0; pass < 2; pass++) {
    assert_int_equal(decode_window(s, lo, hi, NULL, NULL, cnt), 40 * per_series(lo, hi, true));
    for (int id = 0; id < 40; id++) assert_int_equal(cnt[id], per_series(lo, hi, true));
  }
  gp_store_close(s);
  nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_set_keep),
                                     cmocka_unit_test(test_sliding_windows)};
  return cmocka_run_group_tests_name("scan_keep", tests, NULL, NULL);
}
