/* store_fixture.c - the store tests' shared data and helpers (see store_fixture.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_fixture.h"

const uint16_t k_tables[3] = {T_FRESH, T_SEALED, T_MIXED};

const char *const k_texts[9] = {
    "",
    "a",
    "hello",
    "water level high",
    "路灯不亮",
    "x y",
    "quote\"s",
    "tab\there",
    "a much longer piece of text that spans more bytes",
};

const struct store_part k_parts[5] = {{-2, 13000}, {-1, 1500}, {0, 9000}, {1, 400}, {2, 5000}};

/* ---- helpers ---- */

uint64_t rng_next(uint64_t *s) { /* splitmix64: fixed seeds, same data every run */
  uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}
uint64_t rng_below(uint64_t *s, uint64_t n) {
  return rng_next(s) % n;
}

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *f) {
  (void)st;
  (void)flag;
  (void)f;
  return remove(p);
}

/* A fresh directory under $GP_TEST_TMP (or /tmp); the caller removes it with rm_tree. */
void make_tmpdir(char *out, size_t cap, const char *tag) {
  const char *base = getenv("GP_TEST_TMP");
  if (!base || !*base) base = "/tmp";
  mkdir(base, 0755);
  snprintf(out, cap, "%s/%s-XXXXXX", base, tag);
  assert_non_null(mkdtemp(out));
}

/* A new store in a fresh temporary directory (dir receives its path, for rm_tree). */
gp_store *open_tmp_store(char *dir, size_t cap, const char *tag) {
  char path[600];
  make_tmpdir(dir, cap, tag);
  snprintf(path, sizeof path, "%s/db", dir);
  gp_store *s = NULL;
  gp_err err = {0};
  gp_store_opts o = {path, true, false};
  if (gp_store_open(&o, &s, &err)) fail_msg("open %s: %s", path, err.msg);
  return s;
}

void rm_tree(const char *dir) {
  nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* k_tables, k_texts, k_parts and the fixture: store_fixture.h */

void set_layout(gp_store_layout *l) {
  memset(l, 0, sizeof *l);
  l->ncols = NCOLS;
  l->types[C_TS] = GP_T_TIMESTAMP;
  l->types[C_ID] = GP_T_INT;
  l->types[C_D2] = GP_T_DOUBLE;
  l->types[C_DX] = GP_T_DOUBLE;
  l->types[C_SYM] = GP_T_SYMBOL;
  l->types[C_TXT] = GP_T_TEXT;
  l->types[C_BIG] = GP_T_INT;
  l->time_col = C_TS;
  l->series_col = -1;
  l->partition_us = DAY;
}

static uint64_t random_cell(fixture *f, uint64_t *seed) {
  uint64_t r = rng_below(seed, 100);
  if (r < 1) return 0; /* rows without a position */
  if (r < 31) return f->hot[rng_below(seed, 5)];
  uint32_t c = UINT32_C(1) << 31;
  return gp_morton_encode(c - 500 + (uint32_t)rng_below(seed, 1000),
                          c - 500 + (uint32_t)rng_below(seed, 1000));
}

/* Fills row i of r (r->n must already count it) with random values of every column. */
void fill_row(fixture *f, gp_rows *r, size_t i, int64_t id, int64_t part, uint64_t *seed) {
  uint64_t u = rng_below(seed, 1000);
  int64_t ts = part * DAY + (int64_t)rng_below(seed, (uint64_t)DAY);
  if (u < 10)
    ts = part * DAY; /* exactly on the partition start */
  else if (u < 15)
    ts = part * DAY + DAY - 1; /* its last microsecond */
  r->cols[C_TS].i64[i] = ts;
  r->cols[C_ID].i64[i] = id;
  if (rng_below(seed, 20) == 0) {
    assert_int_equal(gp_col_set_null(&r->cols[C_D2], i, r->cap), GP_OK);
    r->cols[C_D2].f64[i] = 0;
  } else {
    r->cols[C_D2].f64[i] = (double)((int64_t)rng_below(seed, 200001) - 100000) / 100.0;
  }
  double dx = ((double)(rng_next(seed) >> 11) / 9007199254740992.0 - 0.5) * 1e6;
  u = rng_below(seed, 1000);
  if (u < 3)
    dx = 1e300 * (u == 0 ? -1 : 1);
  else if (u < 6)
    dx = 1e-300;
  r->cols[C_DX].f64[i] = dx;
  u = rng_below(seed, 1000);
  if (u < 30) {
    assert_int_equal(gp_col_set_null(&r->cols[C_SYM], i, r->cap), GP_OK);
    r->cols[C_SYM].i64[i] = 0;
  } else {
    /* skewed dense ids, and a rare far id so chunks also take the sparse (sorting) paths */
    r->cols[C_SYM].i64[i] = u < 32 ? 5000000 : (int64_t)(rng_below(seed, 8) * rng_below(seed, 7));
  }
  u = rng_below(seed, 10);
  if (u == 0) {
    assert_int_equal(gp_col_set_null(&r->cols[C_TXT], i, r->cap), GP_OK);
    r->cols[C_TXT].str[i] = "";
    r->cols[C_TXT].len[i] = 0;
  } else {
    const char *t = k_texts[rng_below(seed, sizeof k_texts / sizeof k_texts[0])];
    r->cols[C_TXT].str[i] = t;
    r->cols[C_TXT].len[i] = (uint32_t)strlen(t);
  }
  u = rng_below(seed, 100);
  int64_t big = (int64_t)rng_next(seed);
  if (u < 5) {
    assert_int_equal(gp_col_set_null(&r->cols[C_BIG], i, r->cap), GP_OK);
    big = 0;
  } else if (u < 8) {
    big = INT64_MIN;
  } else if (u < 11) {
    big = INT64_MAX;
  } else if (u < 40) {
    big = (int64_t)rng_below(seed, 1000) - 500;
  }
  r->cols[C_BIG].i64[i] = big;
  r->cell[i] = random_cell(f, seed);
}

void gen_rows(fixture *f, gp_rows *r, size_t scale_div, int64_t id0, uint64_t seed) {
  size_t n = 0;
  for (size_t p = 0; p < NPARTS; p++) n += k_parts[p].rows / scale_div;
  assert_int_equal(gp_rows_init(r, &f->lay, n), GP_OK);
  /* rows are generated partition by partition but stored shuffled: appends are out of order */
  size_t i = 0;
  for (size_t p = 0; p < NPARTS; p++)
    for (size_t k = 0; k < k_parts[p].rows / scale_div; k++, i++) {
      r->n = i + 1;
      fill_row(f, r, i, id0 + (int64_t)i, k_parts[p].part, &seed);
    }
}

/* Appends rows idx[0..m) of src to table in transactions of about `batch` rows. */
void append_rows(gp_store *s, uint16_t table, const gp_store_layout *lay, const gp_rows *src,
                 const uint32_t *idx, size_t m, size_t batch) {
  for (size_t a = 0; a < m; a += batch) {
    size_t b = a + batch < m ? a + batch : m;
    gp_rows sub;
    gp_err err = {0};
    assert_int_equal(gp_rows_init(&sub, lay, b - a), GP_OK);
    assert_int_equal(gp_store__rows_gather(&sub, src, idx + a, b - a), GP_OK);
    gp_store_txn *t = gp_store_txn_begin(s);
    assert_non_null(t);
    assert_int_equal(gp_store_txn_append(t, table, &sub, 0, sub.n, &err), GP_OK);
    if (gp_store_txn_commit(t, &err)) fail_msg("commit: %s", err.msg);
    gp_store_txn_free(t);
    gp_rows_free(&sub);
  }
}

/* ---- comparing rows ---- */

/* Compares the cell and the columns in mask (bit c = column c) of a[i] and b[j], bit for bit. */
bool same_cols(const gp_rows *a, size_t i, const gp_rows *b, size_t j, uint64_t mask) {
  if (a->cell[i] != b->cell[j]) return false;
  for (int c = 0; c < a->ncols; c++) {
    if (!(mask >> c & 1)) continue;
    const gp_col *x = &a->cols[c], *y = &b->cols[c];
    bool nx = gp_rows_isnull(x, i), ny = gp_rows_isnull(y, j);
    if (nx != ny) return false;
    if (nx) continue;
    switch (x->type) {
      case GP_T_DOUBLE:
        if (memcmp(&x->f64[i], &y->f64[j], 8) != 0) return false;
        break;
      case GP_T_TEXT:
        if (x->len[i] != y->len[j] || (x->len[i] && memcmp(x->str[i], y->str[j], x->len[i]) != 0))
          return false;
        break;
      default:
        if (x->i64[i] != y->i64[j]) return false;
    }
  }
  return true;
}

bool same_row(const gp_rows *a, size_t i, const gp_rows *b, size_t j) {
  return same_cols(a, i, b, j, ~UINT64_C(0));
}

static bool cell_in(const gp_scan_spec *sp, uint64_t c) {
  if (!sp->cells) return true;
  for (size_t k = 0; k < sp->ncells; k++)
    if (sp->cells[k].lo <= c && c < sp->cells[k].hi) return true;
  return false;
}

bool row_matches(const gp_scan_spec *sp, const gp_rows *r, size_t i) {
  int64_t ts = r->cols[C_TS].i64[i];
  return ts >= sp->t_lo && ts < sp->t_hi && cell_in(sp, r->cell[i]);
}

int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

void idl_push(idlist *l, int64_t v) {
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 1024;
    l->v = realloc(l->v, l->cap * sizeof *l->v);
    assert_non_null(l->v);
  }
  l->v[l->n++] = v;
}

/* The ids of truth rows that match the spec (and `keep`, when given), sorted. */
idlist brute(const gp_rows *truth, const gp_scan_spec *sp, const bool *keep) {
  idlist l = {0};
  for (size_t i = 0; i < truth->n; i++)
    if ((!keep || keep[i]) && row_matches(sp, truth, i)) idl_push(&l, truth->cols[C_ID].i64[i]);
  if (l.n) qsort(l.v, l.n, sizeof *l.v, cmp_i64);
  return l;
}

/* What a unit's summary must say about rows [0, r->n), computed the slow way and compared
 * field by field. Sums run in row order, as the encoder's do, so doubles compare exactly. */
void check_summary(const gp_unit_info *u, const gp_rows *r) {
  assert_int_equal(u->rows, r->n);
  assert_int_equal(u->ncols, r->ncols);
  int64_t tmin = INT64_MAX, tmax = INT64_MIN;
  uint64_t cmin = UINT64_MAX, cmax = 0;
  for (size_t i = 0; i < r->n; i++) {
    int64_t t = r->cols[C_TS].i64[i];
    tmin = t < tmin ? t : tmin;
    tmax = t > tmax ? t : tmax;
    cmin = r->cell[i] < cmin ? r->cell[i] : cmin;
    cmax = r->cell[i] > cmax ? r->cell[i] : cmax;
  }
  assert_int_equal(u->t_min, tmin);
  assert_int_equal(u->t_max, tmax);
  assert_true(u->cell_min == cmin && u->cell_max == cmax);
  for (int c = 0; c < r->ncols; c++) {
    const gp_col *col = &r->cols[c];
    const gp_col_summary *cs = &u->cols[c];
    size_t nulls = 0;
    for (size_t i = 0; i < r->n; i++) nulls += gp_rows_isnull(col, i);
    assert_int_equal(cs->nulls, nulls);
    if (col->type == GP_T_INT || col->type == GP_T_TIMESTAMP) {
      int64_t mn = INT64_MAX, mx = INT64_MIN, s = 0;
      bool exact = true;
      double ds = 0;
      for (size_t i = 0; i < r->n; i++) {
        if (gp_rows_isnull(col, i)) continue;
        int64_t v = col->i64[i];
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
        if (exact && __builtin_add_overflow(s, v, &s)) exact = false;
        ds += (double)v;
      }
      if (nulls < r->n) {
        assert_true(cs->imin == mn);
        assert_true(cs->imax == mx);
      }
      assert_int_equal(cs->isum_exact, exact);
      if (exact) assert_true(cs->isum == s);
      assert_memory_equal(&cs->dsum, &ds, 8);
    } else if (col->type == GP_T_DOUBLE) {
      double mn = INFINITY, mx = -INFINITY, ds = 0;
      for (size_t i = 0; i < r->n; i++) {
        if (gp_rows_isnull(col, i)) continue;
        double v = col->f64[i];
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
        ds += v;
      }
      assert_memory_equal(&cs->dmin, &mn, 8);
      assert_memory_equal(&cs->dmax, &mx, 8);
      assert_memory_equal(&cs->dsum, &ds, 8);
      if (c == C_D2) {
        /* two-decimal values: the exact sum in hundredths */
        assert_true(cs->isum_exact);
        assert_true(cs->scale >= 0 && cs->scale <= 2);
        int64_t h = 0;
        for (size_t i = 0; i < r->n; i++)
          if (!gp_rows_isnull(col, i)) h += (int64_t)llround(col->f64[i] * 100);
        int64_t mul = cs->scale == 2 ? 1 : cs->scale == 1 ? 10 : 100;
        assert_true(cs->isum * mul == h);
      }
    } else if (col->type == GP_T_SYMBOL) {
      /* ids ascending with their counts */
      int64_t *ids = malloc((r->n + 1) * sizeof *ids);
      assert_non_null(ids);
      size_t m = 0;
      for (size_t i = 0; i < r->n; i++)
        if (!gp_rows_isnull(col, i)) ids[m++] = col->i64[i];
      qsort(ids, m, sizeof *ids, cmp_i64);
      size_t k = 0;
      for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j < m && ids[j] == ids[i]) j++;
        assert_true(k < cs->nsyms);
        assert_int_equal(cs->sym_ids[k], ids[i]);
        assert_int_equal(cs->sym_counts[k], j - i);
        k++;
        i = j;
      }
      assert_int_equal(cs->nsyms, k);
      free(ids);
    }
  }
}

/* Scans table with spec and checks everything a scan promises: the ids, each row's values
 * against the truth, covered units (all rows match; summary right), and the chunk layout of
 * sealed partitions. Returns the sorted ids. */
static size_t g_units_covered, g_units_cut; /* how often each case was exercised */

idlist scan_ids(gp_store *s, uint16_t table, const gp_scan_spec *sp, const gp_rows *truth,
                int64_t id0) {
  gp_scan *sc = NULL;
  gp_err err = {0};
  if (gp_scan_open(s, table, sp, &sc, &err)) fail_msg("scan_open: %s", err.msg);
  idlist l = {0};
  gp_rows rows = {0};
  uint64_t prev_cell_max = 0;
  int64_t prev_part = INT64_MIN;
  for (size_t u = 0; u < gp_scan_units(sc); u++) {
    const gp_unit_info *ui = gp_scan_unit(sc, u);
    if (gp_scan_decode(sc, u, &rows, &err)) fail_msg("decode unit %zu: %s", u, err.msg);
    if (ui->covered)
      g_units_covered++;
    else if (rows.n > 0 && rows.n < ui->rows)
      g_units_cut++;
    if (ui->covered) {
      assert_int_equal(rows.n, ui->rows);
      check_summary(ui, &rows);
    }
    assert_true(rows.n <= ui->rows);
    if (!ui->fresh) {
      /* chunks of a partition come in key order and tile the Morton order */
      assert_true(ui->rows >= 1 && ui->rows <= 8192);
      if (ui->partition == prev_part) assert_true(prev_cell_max <= ui->cell_min);
      prev_part = ui->partition;
      prev_cell_max = ui->cell_max;
    }
    for (size_t i = 0; i < rows.n; i++) {
      int64_t id = rows.cols[C_ID].i64[i];
      if (!row_matches(sp, &rows, i))
        fail_msg("table %u: row id %lld does not match the spec", table, (long long)id);
      int64_t k = id - id0;
      if (k < 0 || (size_t)k >= truth->n)
        fail_msg("table %u: foreign row id %lld", table, (long long)id);
      if (!same_row(&rows, i, truth, (size_t)k))
        fail_msg("table %u: row id %lld differs from what was written", table, (long long)id);
      int64_t ts = rows.cols[C_TS].i64[i];
      assert_true(ts >= ui->t_min && ts <= ui->t_max);
      assert_true(rows.cell[i] >= ui->cell_min && rows.cell[i] <= ui->cell_max);
      assert_int_equal(gp_floordiv(ts, DAY), ui->partition);
      idl_push(&l, id);
    }
  }
  gp_rows_free(&rows);
  gp_scan_close(sc);
  if (l.n) qsort(l.v, l.n, sizeof *l.v, cmp_i64);
  return l;
}

void assert_same_ids(const idlist *got, const idlist *want, const char *what, int q) {
  if (got->n != want->n || (got->n && memcmp(got->v, want->v, got->n * sizeof *got->v) != 0)) {
    size_t k = 0;
    while (k < got->n && k < want->n && got->v[k] == want->v[k]) k++;
    fail_msg("%s, query %d: %zu rows, want %zu (first difference at %zu: %lld vs %lld)", what, q,
             got->n, want->n, k, k < got->n ? (long long)got->v[k] : -1LL,
             k < want->n ? (long long)want->v[k] : -1LL);
  }
}

/* ---- the query set ---- */

static int cmp_range(const void *a, const void *b) {
  const gp_cell_range *x = a, *y = b;
  return (x->lo > y->lo) - (x->lo < y->lo);
}

/* Sorted, disjoint ranges from k cells of random levels around cells the data uses. */
static void random_ranges(query *q, const gp_rows *r, size_t k, uint64_t *seed) {
  size_t n = 0;
  for (size_t j = 0; j < k; j++) {
    uint64_t c = r->cell[rng_below(seed, r->n)];
    if (j % 4 == 3) c ^= rng_below(seed, 1u << 12); /* near, maybe empty */
    int level = (int)rng_below(seed, 7);
    uint64_t lo = c >> (2 * level) << (2 * level), hi = lo + (UINT64_C(1) << (2 * level));
    q->ranges[n++] = (gp_cell_range){lo, hi};
  }
  qsort(q->ranges, n, sizeof q->ranges[0], cmp_range);
  size_t m = 0;
  for (size_t j = 0; j < n; j++) {
    if (m && q->ranges[j].lo <= q->ranges[m - 1].hi) {
      if (q->ranges[j].hi > q->ranges[m - 1].hi) q->ranges[m - 1].hi = q->ranges[j].hi;
    } else {
      q->ranges[m++] = q->ranges[j];
    }
  }
  q->sp.cells = q->ranges;
  q->sp.ncells = m;
}

void make_queries(const fixture *f, query *qs) {
  memset(qs, 0, NQUERIES * sizeof *qs);
  uint64_t seed = 1234;
  const int64_t H = GP_USEC_PER_HOUR;
  int64_t some_ts = f->all.cols[C_TS].i64[77];
  for (int i = 0; i < NQUERIES; i++) {
    query *q = &qs[i];
    q->sp.t_lo = INT64_MIN;
    q->sp.t_hi = INT64_MAX;
    switch (i) {
      case 0:
        break; /* everything */
      case 1:
        q->sp.t_lo = 5 * H;
        q->sp.t_hi = DAY + 7 * H;
        break;
      case 2:
        q->sp.t_lo = -DAY;
        q->sp.t_hi = 0;
        break; /* exactly partition -1 */
      case 3:
        q->sp.t_lo = q->sp.t_hi = 3 * H;
        break; /* empty window */
      case 4:
        q->sp.t_hi = 1;
        break; /* up to the epoch, inclusive */
      case 5:
        q->sp.t_lo = some_ts;
        break;
      case 6:
        q->sp.t_hi = some_ts;
        break; /* exclusive end on a real value */
      case 7:
        q->sp.t_lo = 3 * DAY;
        break; /* after every row */
      case 8:
        q->sp.t_hi = -2 * DAY;
        break; /* before every row */
      case 9:
        q->sp.t_lo = -2 * DAY - 1;
        q->sp.t_hi = 3 * DAY + 1;
        break;
      case 10: /* one hot cell */
        q->ranges[0] = (gp_cell_range){f->hot[0], f->hot[0] + 1};
        q->sp.cells = q->ranges;
        q->sp.ncells = 1;
        break;
      case 11: /* all of space as one range */
        q->ranges[0] = (gp_cell_range){0, UINT64_MAX};
        q->sp.cells = q->ranges;
        q->sp.ncells = 1;
        break;
      case 12: /* far away: nothing */
        q->ranges[0] = (gp_cell_range){UINT64_C(1) << 40, UINT64_C(1) << 41};
        q->sp.cells = q->ranges;
        q->sp.ncells = 1;
        break;
      case 13: /* only the rows without a position */
        q->ranges[0] = (gp_cell_range){0, 1};
        q->sp.cells = q->ranges;
        q->sp.ncells = 1;
        break;
      case 14: /* zero ranges: no space at all */
        q->sp.cells = q->ranges;
        q->sp.ncells = 0;
        break;
      default: {
        uint64_t u = rng_below(&seed, 4);
        if (u > 0) {
          int64_t a = -2 * DAY + (int64_t)rng_below(&seed, (uint64_t)(5 * DAY));
          int64_t len = (int64_t)rng_below(&seed, (uint64_t)(u == 1 ? 3 * H : 2 * DAY));
          q->sp.t_lo = a;
          q->sp.t_hi = a + len;
        }
        if (i % 3 != 0) random_ranges(q, &f->all, 1 + rng_below(&seed, 40), &seed);
      }
    }
  }
}

/* Runs every query on the three layouts and on T_OTHER; `keep` filters the truth (drops). */
void check_all_queries(fixture *f, const char *when, int stride) {
  static query qs[NQUERIES];
  make_queries(f, qs);
  int partial = 0;
  g_units_covered = g_units_cut = 0;
  for (int q = 0; q < NQUERIES; q += stride) {
    idlist want = brute(&f->all, &qs[q].sp, NULL);
    partial += want.n > 0 && want.n < f->all.n / 2;
    for (int t = 0; t < 3; t++) {
      idlist got = scan_ids(f->s, k_tables[t], &qs[q].sp, &f->all, 0);
      char what[128];
      snprintf(what, sizeof what, "%s, table %u", when, k_tables[t]);
      assert_same_ids(&got, &want, what, q);
      free(got.v);
    }
    free(want.v);
    idlist wo = brute(&f->other, &qs[q].sp, NULL);
    idlist go = scan_ids(f->s, T_OTHER, &qs[q].sp, &f->other, ID_OTHER);
    assert_same_ids(&go, &wo, "other table", q);
    free(wo.v);
    free(go.v);
  }
  /* the query set is not vacuous: most queries select a real part of the data, and units
   * are both answered whole and cut by the filter */
  assert_true(partial >= NQUERIES / stride / 2);
  assert_true(g_units_covered >= 100 / (size_t)stride && g_units_cut >= 100 / (size_t)stride);
}

/* ---- fixture ---- */

int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  if (!f) return -1;
  make_tmpdir(f->dir, sizeof f->dir, "store");
  snprintf(f->path, sizeof f->path, "%s/db", f->dir);
  set_layout(&f->lay);
  uint64_t seed = 2024;
  uint32_t c = UINT32_C(1) << 31;
  for (int i = 0; i < 5; i++)
    f->hot[i] = gp_morton_encode(c - 300 + (uint32_t)rng_below(&seed, 600),
                                 c - 300 + (uint32_t)rng_below(&seed, 600));
  gen_rows(f, &f->all, 1, 0, 77);
  gen_rows(f, &f->other, 16, ID_OTHER, 78);
  f->late = calloc(f->all.n, sizeof *f->late);
  if (!f->late) return -1;
  for (size_t i = 0; i < f->all.n; i++) {
    int64_t p = gp_store_partition_of(&f->lay, f->all.cols[C_TS].i64[i]);
    f->late[i] = p == 2 || rng_below(&seed, 100) < 15;
  }
  *state = f;
  return 0;
}

int teardown(void **state) {
  fixture *f = *state;
  gp_store_close(f->s);
  gp_rows_free(&f->all);
  gp_rows_free(&f->other);
  free(f->late);
  rm_tree(f->dir);
  free(f);
  return 0;
}

void register_layouts(fixture *f) {
  gp_err err = {0};
  for (int t = 0; t < 3; t++)
    assert_int_equal(gp_store_set_layout(f->s, k_tables[t], &f->lay, &err), GP_OK);
  assert_int_equal(gp_store_set_layout(f->s, T_OTHER, &f->lay, &err), GP_OK);
}

/* A layout of ncols columns of the given types, 1-day partitions. */
void one_col_layout(gp_store_layout *l, int ncols, const gp_type *types, int time_col,
                           int series_col) {
  memset(l, 0, sizeof *l);
  l->ncols = ncols;
  for (int c = 0; c < ncols; c++) l->types[c] = types[c];
  l->time_col = time_col;
  l->series_col = series_col;
  l->partition_us = DAY;
}
