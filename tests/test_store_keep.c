/* test_store_keep.c - storage/ through its API: the keep filter, a symbol test a scan may
 * apply while decoding (units pruned by their summaries, the column decoded first and the
 * others gathered at the kept rows), checked against a brute-force filter (split from
 * test_store.c, helpers in store_fixture.c). */
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

/* ---- the keep filter: a symbol test the scan may apply while decoding ---- */

/* Layout of the keep tests: ts and a unique id first, like the main fixture. */
enum { KC_TS, KC_ID, KC_SYM, KC_D, KC_TXT, KC_BIG, KC_NCOLS };
#define KEEP_RARE 7       /* ~3% of the rows of every unit */
#define KEEP_ZERO 0       /* ~2%; NULL rows also hold 0 in their value slot */
#define KEEP_COMMON 3     /* ~42% */
#define KEEP_COMMON2 5    /* ~36% */
#define KEEP_PART1 11     /* ~5% of partition 1 only */
#define KEEP_NOWHERE 999

static const int64_t k_keep_others[] = {1, 2, 4, 6, 8, 9, 10, 12, 13, 14, 15, 16, 17, 18, 19, 20};

/* Row i of r (r->n already counts it), in partition part. */
static void keep_fill(gp_rows *r, size_t i, int64_t part, uint64_t *seed) {
  /* whole seconds (packed with a common factor) except in partition 2 */
  r->cols[KC_TS].i64[i] = part * DAY + (part == 2 ? (int64_t)rng_below(seed, (uint64_t)DAY)
                                                  : (int64_t)rng_below(seed, 86400) * GP_USEC_PER_SEC);
  r->cols[KC_ID].i64[i] = (int64_t)i;
  uint64_t u = rng_below(seed, 1000);
  int64_t sym;
  if (u < 30) sym = -1; /* NULL */
  else if (u < 60) sym = KEEP_RARE;
  else if (u < 80) sym = KEEP_ZERO;
  else if (u < 500) sym = KEEP_COMMON;
  else if (u < 860) sym = KEEP_COMMON2;
  else if (u < 910 && part == 1) sym = KEEP_PART1;
  else sym = k_keep_others[rng_below(seed, sizeof k_keep_others / sizeof k_keep_others[0])];
  if (sym < 0) {
    assert_int_equal(gp_col_set_null(&r->cols[KC_SYM], i, r->cap), GP_OK);
    sym = 0;
  }
  r->cols[KC_SYM].i64[i] = sym;
  if (rng_below(seed, 10) == 0) {
    assert_int_equal(gp_col_set_null(&r->cols[KC_D], i, r->cap), GP_OK);
    r->cols[KC_D].f64[i] = 0;
  } else {
    r->cols[KC_D].f64[i] = (double)((int64_t)rng_below(seed, 200001) - 100000) / 100.0;
  }
  const char *t = k_texts[rng_below(seed, sizeof k_texts / sizeof k_texts[0])];
  r->cols[KC_TXT].str[i] = t;
  r->cols[KC_TXT].len[i] = (uint32_t)strlen(t);
  if (rng_below(seed, 20) == 0) {
    assert_int_equal(gp_col_set_null(&r->cols[KC_BIG], i, r->cap), GP_OK);
    r->cols[KC_BIG].i64[i] = 0;
  } else {
    r->cols[KC_BIG].i64[i] = (int64_t)rng_next(seed);
  }
  /* cells in a small square (packed as narrow plain bit-packed offsets), 1% far off (PFOR
   * exceptions); partition 1 also has rows without a position */
  u = rng_below(seed, 1000);
  uint32_t x = (UINT32_C(1) << 20) + (uint32_t)rng_below(seed, 4096);
  uint32_t y = (UINT32_C(1) << 20) + (uint32_t)rng_below(seed, 4096);
  if (u >= 990) x += UINT32_C(1) << 16;
  r->cell[i] = part == 1 && u < 10 ? 0 : gp_morton_encode(x, y);
}

static bool keep_passes(const gp_scan_keep *k, const gp_rows *r, size_t i) {
  if (gp_rows_isnull(&r->cols[k->col], i)) return false;
  bool in = false;
  for (size_t j = 0; j < k->nids; j++) in |= k->ids[j] == r->cols[k->col].i64[i];
  return in != k->neg;
}

/* Rows of a unit that pass k, from its summary's symbol counts. */
static size_t keep_passing_by_summary(const gp_scan_keep *k, const gp_unit_info *u) {
  const gp_col_summary *cs = &u->cols[k->col];
  size_t in = 0;
  for (size_t s = 0; s < cs->nsyms; s++)
    for (size_t j = 0; j < k->nids; j++) in += k->ids[j] == cs->sym_ids[s] ? cs->sym_counts[s] : 0;
  return k->neg ? u->rows - cs->nulls - in : in;
}

typedef struct keep_stats {
  size_t units, skipped, sparse_fresh, sparse_sealed, failing, rows;
} keep_stats;

/* Scans `table` with sp (whose keep is set) and checks the keep contract against truth (row
 * i has id i): every row that passes the spec and the filter comes back exactly once, with
 * the columns of `mask` and its cell as written; a row that fails the filter may come back
 * only from a unit where a quarter or more of the rows pass; a unit whose summary has no
 * passing row gives nothing. */
static keep_stats check_keep_scan(gp_store *s, uint16_t table, const gp_scan_spec *sp,
                                  const gp_rows *truth, uint64_t mask, const char *what) {
  const gp_scan_keep *k = sp->keep;
  gp_scan *sc = NULL;
  gp_err err = {0};
  if (gp_scan_open(s, table, sp, &sc, &err)) fail_msg("%s: scan_open: %s", what, err.msg);
  keep_stats st = {0};
  idlist got = {0};
  gp_rows rows = {0};
  for (size_t u = 0; u < gp_scan_units(sc); u++) {
    const gp_unit_info *ui = gp_scan_unit(sc, u);
    size_t pass = keep_passing_by_summary(k, ui);
    bool sparse = pass * 4 < ui->rows;
    if (gp_scan_decode(sc, u, &rows, &err)) fail_msg("%s: decode unit %zu: %s", what, u, err.msg);
    st.units++;
    st.rows += rows.n;
    if (pass == 0) {
      if (rows.n != 0) fail_msg("%s: unit %zu has no passing row yet gave %zu", what, u, rows.n);
      st.skipped++;
    } else if (sparse) {
      if (ui->fresh) st.sparse_fresh++;
      else st.sparse_sealed++;
    }
    assert_true(rows.n <= ui->rows);
    for (size_t i = 0; i < rows.n; i++) {
      int64_t id = rows.cols[KC_ID].i64[i];
      if (id < 0 || (size_t)id >= truth->n) fail_msg("%s: foreign row id %lld", what, (long long)id);
      if (!same_cols(&rows, i, truth, (size_t)id, mask))
        fail_msg("%s: unit %zu (%s, %zu rows, %zu pass): row id %lld differs from what was "
                 "written (cell %llx, want %llx)", what, u, ui->fresh ? "fresh" : "sealed",
                 ui->rows, pass, (long long)id, (unsigned long long)rows.cell[i],
                 (unsigned long long)truth->cell[id]);
      if (!row_matches(sp, truth, (size_t)id))
        fail_msg("%s: row id %lld is outside the spec", what, (long long)id);
      /* the returned row's own symbol cell decides, as the caller's filter would */
      bool p = keep_passes(k, &rows, i);
      assert_int_equal(p, keep_passes(k, truth, (size_t)id));
      if (p) {
        idl_push(&got, id);
      } else {
        st.failing++;
        if (sparse)
          fail_msg("%s: unit %zu (%s, %zu rows, %zu pass, under a quarter) returned row id "
                   "%lld, which fails the filter", what, u, ui->fresh ? "fresh" : "sealed",
                   ui->rows, pass, (long long)id);
      }
    }
  }
  gp_rows_free(&rows);
  gp_scan_close(sc);
  if (got.n) qsort(got.v, got.n, sizeof *got.v, cmp_i64);
  for (size_t i = 1; i < got.n; i++)
    if (got.v[i] == got.v[i - 1]) fail_msg("%s: row id %lld returned twice", what, (long long)got.v[i]);
  bool *pass = calloc(truth->n, sizeof *pass);
  assert_non_null(pass);
  for (size_t i = 0; i < truth->n; i++) pass[i] = keep_passes(k, truth, i);
  idlist want = brute(truth, sp, pass);
  assert_same_ids(&got, &want, what, 0);
  free(pass);
  free(want.v);
  free(got.v);
  return st;
}

/* gp_store__decode_cols with a keep filter returns exactly the passing rows, in order, after
 * the rows already in out, for a packed and a raw encoding of the same rows; and again when a
 * second filtered decode is appended to the same out (the null bits of the rows the first
 * one dropped, left set past out->n, must not leak into the second one's rows). */
static void check_keep_decode(const gp_rows *r, const gp_store_layout *l) {
  static const int64_t rare[] = {KEEP_RARE}, two[] = {KEEP_RARE, KEEP_PART1},
                       zero[] = {KEEP_ZERO}, common[] = {KEEP_COMMON, KEEP_COMMON2};
  const gp_scan_keep keeps[] = {
      {KC_SYM, rare, 1, false},   {KC_SYM, two, 2, false},   {KC_SYM, zero, 1, false},
      {KC_SYM, common, 2, true},  {KC_SYM, common, 2, false}, {KC_SYM, rare, 1, true},
      {KC_SYM, common, 0, false}, {KC_SYM, common, 0, true},
  };
  const uint64_t masks[] = {~UINT64_C(0), UINT64_C(1) << KC_ID | UINT64_C(1) << KC_TXT};
  for (int enc = GP_ENC_RAW; enc <= GP_ENC_PACKED; enc++) {
    gp_buf b = {0};
    gp_err err = {0};
    assert_int_equal(gp_store__encode_rows(r, enc, &b, &err), GP_OK);
    if (enc == GP_ENC_PACKED) {
      /* the cells are a plain bit-packed stream with exceptions: the positional read and the
       * exception merge of gp_codec_ints_gather are what the filtered decode exercises */
      const uint8_t *p = b.p + 3;
      for (int f = 0; f < 4; f++) { /* varints n, ncols, cell base, min; the tag before min */
        if (f == 3) assert_int_equal(*p++, 0x00); /* tag: plain, PFOR */
        while (*p & 0x80) p++;
        p++;
      }
      assert_true(p[0] > 0 && p[0] < 58); /* b */
      assert_true(p[1] != 0);             /* exceptions */
    }
    for (size_t kk = 0; kk < sizeof keeps / sizeof keeps[0]; kk++)
      for (int mk = 0; mk < 2; mk++) {
        const gp_scan_keep *k = &keeps[kk];
        uint64_t cols = masks[mk];
        gp_rows out;
        assert_int_equal(gp_rows_init(&out, l, 4), GP_OK);
        /* a few rows there already: the kept rows are appended after them */
        assert_int_equal(gp_store__rows_gather(&out, r, NULL, 5), GP_OK);
        size_t base = out.n;
        if (gp_store__decode_cols(b.p, b.len, &out, cols, k, &err))
          fail_msg("enc %d keep %zu: %s", enc, kk, err.msg);
        size_t j = base;
        for (size_t i = 0; i < r->n; i++) {
          if (!keep_passes(k, r, i)) continue;
          if (j >= out.n) fail_msg("enc %d keep %zu: %zu rows, too few", enc, kk, out.n - base);
          if (!same_cols(&out, j, r, i, cols | UINT64_C(1) << KC_SYM))
            fail_msg("enc %d keep %zu mask %d: row %zu comes back as %zu and differs", enc, kk,
                     mk, i, j - base);
          j++;
        }
        if (j != out.n) fail_msg("enc %d keep %zu: %zu rows, want %zu", enc, kk, out.n - base, j - base);
        size_t base2 = out.n;
        if (gp_store__decode_cols(b.p, b.len, &out, cols, k, &err))
          fail_msg("enc %d keep %zu, second decode: %s", enc, kk, err.msg);
        j = base2;
        for (size_t i = 0; i < r->n; i++) {
          if (!keep_passes(k, r, i)) continue;
          if (j >= out.n || !same_cols(&out, j, r, i, cols | UINT64_C(1) << KC_SYM))
            fail_msg("enc %d keep %zu mask %d, second decode: row %zu differs or is missing", enc,
                     kk, mk, i);
          j++;
        }
        if (j != out.n) fail_msg("enc %d keep %zu, second decode: %zu rows, want %zu", enc, kk, out.n - base2, j - base2);
        for (size_t i = 0; i < 5; i++) assert_true(same_row(&out, i, r, i));
        gp_rows_free(&out);
      }
    gp_buf_free(&b);
  }
}

static void test_scan_keep(void **state) {
  (void)state;
  char dir[512], path[600];
  make_tmpdir(dir, sizeof dir, "keep");
  snprintf(path, sizeof path, "%s/db", dir);
  gp_store *s = NULL;
  gp_err err = {0};
  gp_store_opts o = {path, true, false};
  assert_int_equal(gp_store_open(&o, &s, &err), GP_OK);
  const gp_type types[] = {GP_T_TIMESTAMP, GP_T_INT, GP_T_SYMBOL, GP_T_DOUBLE, GP_T_TEXT, GP_T_INT};
  gp_store_layout l;
  one_col_layout(&l, KC_NCOLS, types, KC_TS, -1);
  const uint16_t table = 21;
  assert_int_equal(gp_store_set_layout(s, table, &l, &err), GP_OK);

  /* partition 0: one chunk, then late fresh rows; 1: two or three chunks, the only one with
   * KEEP_PART1 and rows without a position; 2: a small chunk; 3: fresh only, two batches */
  static const struct {
    int64_t part;
    size_t rows;
    bool sealed;
  } parts[] = {{0, 7000, true}, {1, 14000, true}, {2, 600, true}, {3, 1500, false},
               {3, 1500, false}, {0, 400, false}};
  size_t n = 0;
  for (size_t p = 0; p < sizeof parts / sizeof parts[0]; p++) n += parts[p].rows;
  gp_rows truth;
  assert_int_equal(gp_rows_init(&truth, &l, n), GP_OK);
  uint64_t seed = 4242;
  size_t from[8];
  for (size_t p = 0, i = 0; p < sizeof parts / sizeof parts[0]; p++) {
    from[p] = i;
    for (size_t k = 0; k < parts[p].rows; k++, i++) {
      truth.n = i + 1;
      keep_fill(&truth, i, parts[p].part, &seed);
    }
  }
  from[sizeof parts / sizeof parts[0]] = n;

  /* the filtered chunk decode on its own, on partition 0's rows */
  gp_rows p0;
  assert_int_equal(gp_rows_init(&p0, &l, parts[0].rows), GP_OK);
  assert_int_equal(gp_store__rows_gather(&p0, &truth, NULL, parts[0].rows), GP_OK);
  check_keep_decode(&p0, &l);
  gp_rows_free(&p0);

  /* the store: sealed partitions first, then the fresh batches */
  for (int sealed = 1; sealed >= 0; sealed--) {
    for (size_t p = 0; p < sizeof parts / sizeof parts[0]; p++) {
      if (parts[p].sealed != (bool)sealed) continue;
      gp_store_txn *t = gp_store_txn_begin(s);
      assert_int_equal(gp_store_txn_append(t, table, &truth, from[p], from[p + 1], &err), GP_OK);
      if (gp_store_txn_commit(t, &err)) fail_msg("commit: %s", err.msg);
      gp_store_txn_free(t);
    }
    if (sealed) {
      gp_seal_stats st = {0};
      if (gp_store_seal(s, table, INT64_MAX, &st, &err)) fail_msg("seal: %s", err.msg);
      assert_true(st.chunks >= 4);
    }
  }

  static const int64_t rare[] = {KEEP_RARE}, common[] = {KEEP_COMMON},
                       rare_other[] = {KEEP_RARE, KEEP_PART1}, zero[] = {KEEP_ZERO},
                       part1[] = {KEEP_PART1}, nowhere[] = {KEEP_NOWHERE},
                       commons[] = {KEEP_COMMON, KEEP_COMMON2},
                       three[] = {KEEP_ZERO, KEEP_RARE, KEEP_PART1};
  const struct {
    const char *name;
    gp_scan_keep k;
  } cases[] = {
      {"rare", {KC_SYM, rare, 1, false}},
      {"not rare", {KC_SYM, rare, 1, true}},
      {"common", {KC_SYM, common, 1, false}},
      {"not common", {KC_SYM, common, 1, true}},
      {"rare or part-1 id", {KC_SYM, rare_other, 2, false}},
      {"neither rare nor part-1 id", {KC_SYM, rare_other, 2, true}},
      {"id 0 (NULLs hold 0)", {KC_SYM, zero, 1, false}},
      {"not id 0", {KC_SYM, zero, 1, true}},
      {"part-1 id", {KC_SYM, part1, 1, false}},
      {"nowhere", {KC_SYM, nowhere, 1, false}},
      {"not nowhere", {KC_SYM, nowhere, 1, true}},
      {"neither common id (under a quarter)", {KC_SYM, commons, 2, true}},
      {"three ids", {KC_SYM, three, 3, false}},
      {"empty set", {KC_SYM, nowhere, 0, false}},
      {"not the empty set", {KC_SYM, nowhere, 0, true}},
  };
  const uint64_t all = ~UINT64_C(0);
  const uint64_t some = UINT64_C(1) << KC_ID | UINT64_C(1) << KC_SYM | UINT64_C(1) << KC_TXT |
                        UINT64_C(1) << KC_D;
  size_t failing_whole = 0;
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    for (int v = 0; v < 2; v++) {
      /* v 0: everything, all columns; v 1: a window cutting through partitions 0 and 1 (and
       * its fresh rows), some columns, the time column not among them */
      gp_scan_spec sp = {.t_lo = INT64_MIN, .t_hi = INT64_MAX, .keep = &cases[c].k};
      if (v) {
        sp.t_lo = 6 * GP_USEC_PER_HOUR;
        sp.t_hi = DAY + 13 * GP_USEC_PER_HOUR;
        sp.cols = some;
      }
      char what[128];
      snprintf(what, sizeof what, "keep %s, %s", cases[c].name, v ? "window" : "all");
      keep_stats st = check_keep_scan(s, table, &sp, &truth, v ? some : all, what);
      failing_whole += st.failing;
      const char *nm = cases[c].name;
      if (v == 0) {
        assert_true(st.units >= 7); /* >= 4 chunks, 3 fresh batches */
        if (c == 0) {
          /* rare: under a quarter in every unit, so the scan filters exactly */
          assert_int_equal(st.skipped, 0);
          assert_int_equal(st.sparse_fresh + st.sparse_sealed, st.units);
          assert_true(st.sparse_fresh >= 3 && st.sparse_sealed >= 4);
          assert_int_equal(st.failing, 0);
        }
        if (strcmp(nm, "part-1 id") == 0) {
          assert_true(st.skipped >= 4); /* every unit outside partition 1 */
          assert_true(st.sparse_sealed >= 2);
        }
        if (strcmp(nm, "nowhere") == 0 || strcmp(nm, "empty set") == 0) {
          assert_int_equal(st.skipped, st.units);
          assert_int_equal(st.rows, 0);
        }
        if (strcmp(nm, "neither common id (under a quarter)") == 0 ||
            strcmp(nm, "id 0 (NULLs hold 0)") == 0) {
          assert_true(st.sparse_fresh >= 1 && st.sparse_sealed >= 1);
          assert_int_equal(st.failing, 0);
        }
      }
    }
  }
  /* the whole-unit path really returned rows that the caller has to filter out */
  assert_true(failing_whole > 0);

  /* a keep on anything but a SYMBOL column is refused */
  const struct {
    int col;
    const int64_t *ids;
  } bad[] = {{KC_ID, rare}, {KC_TS, rare}, {KC_TXT, rare}, {KC_D, rare},
             {-1, rare},    {KC_NCOLS, rare}, {KC_SYM, NULL}};
  for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
    gp_scan_keep k = {bad[b].col, bad[b].ids, 1, false};
    gp_scan_spec sp = {.t_lo = INT64_MIN, .t_hi = INT64_MAX, .keep = &k};
    gp_scan *sc = (gp_scan *)&k; /* must be reset */
    gp_err e = {0};
    gp_rc rc = gp_scan_open(s, table, &sp, &sc, &e);
    if (rc == GP_OK) fail_msg("keep on column %d (ids %p) accepted", bad[b].col, (const void *)bad[b].ids);
    assert_int_equal(rc, GP_INVALID);
    assert_int_equal(e.rc, GP_INVALID);
    assert_true(e.msg[0] != '\0');
    assert_null(sc);
  }

  gp_rows_free(&truth);
  gp_store_close(s);
  rm_tree(dir);
}

/* WAL files (<digits>.log) in the database directory. */
int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_scan_keep),
  };
  /* GP_TEST_SKIP=pattern (cmocka wildcards) leaves tests out, e.g. ones that crash a
   * sanitizer build, so that the rest still run to the end and the leak check */
  const char *skip = getenv("GP_TEST_SKIP");
  if (skip && *skip) cmocka_set_skip_filter(skip);
  return cmocka_run_group_tests_name("store_keep", tests, NULL, NULL);
}
