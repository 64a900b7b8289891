/* test_rows.c - compacting a row set in place with gp_rows_move, the one loop that the loader
 * (dropping rejected and duplicate rows) and the scan (keeping the rows in the time window and
 * cells) share: kept rows keep their order, values, texts and null bits, a row that was null
 * and moves onto one that was not (and the reverse) gets its own bit, and columns left out of
 * the mask stay where they were. Checked against a copy made row by row. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "gp_store.h"

enum { N = 300 };

static uint64_t rng_next(uint64_t *s) { /* splitmix64: fixed seed, same rows every run */
  uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static const char *const words[] = {"", "a", "bb", "ccc", "工单"};

/* Rows of an INT, DOUBLE, TEXT and TIMESTAMP column, about a third of each column null. */
static void make_rows(gp_rows *r, uint64_t seed) {
  gp_store_layout l = {.ncols = 4,
                       .types = {GP_T_INT, GP_T_DOUBLE, GP_T_TEXT, GP_T_TIMESTAMP},
                       .time_col = 3,
                       .series_col = -1,
                       .partition_us = 0};
  assert_int_equal(gp_rows_init(r, &l, N), GP_OK);
  for (size_t i = 0; i < N; i++) {
    uint64_t v = rng_next(&seed);
    r->cell[i] = v >> 8;
    r->cols[0].i64[i] = (int64_t)(v % 1000) - 500;
    r->cols[1].f64[i] = (double)(v % 977) / 8;
    const char *w = words[v % 5];
    r->cols[2].str[i] = w;
    r->cols[2].len[i] = (uint32_t)strlen(w);
    r->cols[3].i64[i] = (int64_t)(v % 100000);
    for (int c = 0; c < 4; c++)
      if ((v >> (20 + c * 2)) % 3 == 0) assert_int_equal(gp_col_set_null(&r->cols[c], i, N), GP_OK);
  }
  r->n = N;
}

/* Row i of a against row j of b, in the columns of mask cols (and the cell when with_cell). */
static void same_row(const gp_rows *a, size_t i, const gp_rows *b, size_t j, uint64_t cols,
                     bool with_cell) {
  if (with_cell) assert_int_equal(a->cell[i], b->cell[j]);
  for (int c = 0; c < a->ncols; c++) {
    if (!(cols >> c & 1)) continue;
    const gp_col *x = &a->cols[c], *y = &b->cols[c];
    assert_int_equal(gp_rows_isnull(x, i), gp_rows_isnull(y, j));
    switch (x->type) {
      case GP_T_DOUBLE: assert_true(x->f64[i] == y->f64[j]); break;
      case GP_T_TEXT:
        assert_int_equal(x->len[i], y->len[j]);
        assert_ptr_equal(x->str[i], y->str[j]);
        break;
      default: assert_int_equal(x->i64[i], y->i64[j]);
    }
  }
}

/* Keeps the rows whose keep bit is set, as the loader and the scan do, and checks them against
 * the original; with a partial mask the other columns must be untouched. */
static void compact_and_check(int keep_mod, uint64_t cols) {
  gp_rows orig, r;
  make_rows(&orig, 7);
  make_rows(&r, 7);
  size_t k = 0;
  for (size_t i = 0; i < r.n; i++) {
    if ((i * 7 + 3) % (size_t)keep_mod == 0) continue; /* dropped */
    if (k != i) gp_rows_move(&r, k, i, cols);
    k++;
  }
  size_t kept = 0;
  for (size_t i = 0; i < N; i++) {
    if ((i * 7 + 3) % (size_t)keep_mod == 0) continue;
    same_row(&r, kept, &orig, i, cols, true);
    same_row(&r, kept, &orig, kept, ~cols & 0xF, false); /* outside the mask: as before */
    kept++;
  }
  assert_int_equal(kept, k);
  assert_true(k < N && k > N / 3);
  gp_rows_free(&orig);
  gp_rows_free(&r);
}

static void test_move_all_columns(void **st) {
  (void)st;
  compact_and_check(2, UINT64_MAX);
  compact_and_check(3, UINT64_MAX);
  compact_and_check(5, UINT64_MAX);
}

static void test_move_some_columns(void **st) {
  (void)st;
  compact_and_check(3, 0x5); /* INT and TEXT: the scan reads only requested columns */
  compact_and_check(4, 0xA);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_move_all_columns),
      cmocka_unit_test(test_move_some_columns),
  };
  return cmocka_run_group_tests_name("rows", tests, NULL, NULL);
}
