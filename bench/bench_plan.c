/* bench_plan.c - key-range planning micro-benchmark: how fast a spatial and time predicate
 * becomes Morton cell ranges and then the list of units (chunks) a scan reads, on fixed-seed
 * data, with a checksum of every plan so a fast wrong plan shows.
 *
 * Grid: EPSG:32650 with 125 m cells (a new CityBench database); everything happens in the
 * projected square of CityBench's 0.3 x 0.3 degree box.
 *
 * Measured, each as the median and best (fastest) of --runs runs:
 *   cover    gp_grid_cover_rect of --rects random rectangles (centre uniform in the box, each
 *            half-side log-uniform in 60 m .. 12 km), at most 256 ranges each as the executor
 *            asks. Reported per rectangle and per range produced; checksum: every range.
 *            Checked first: ranges sorted, disjoint, at most 256, and holding the cells of the
 *            rectangle's corners and of 16 random points inside it.
 *   scan     gp_scan_open + reading every chosen unit's summary + gp_scan_close for --plans
 *            specs over a throw-away store in a temporary directory (removed at exit): one
 *            table of (ts, id, value) rows, --days 1-day partitions of --rows rows each at
 *            uniform random positions, sealed into chunks of 4,096-8,192 rows that each span a
 *            range of cells. A spec is a time window (open in 1 of 4, else 1 hour .. 30 days,
 *            log-uniform) and the ranges of a random rectangle (all space in 1 of 5), covered
 *            before timing. Checksum: partition, rows, cell and time range and `covered` of
 *            every chosen unit. Checked first: each plan equals a brute-force filter of all the
 *            table's units by time overlap and cell-range intersection.
 *
 *   bench_plan [--rects 100000] [--plans 2000] [--days 60] [--rows 24000] [--runs 5] [--tmp DIR]
 */
#define _XOPEN_SOURCE 700 /* nftw, mkdtemp */
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bench_util.h"
#include "gp_grid.h"
#include "gp_store.h"

#define EPSG 32650   /* UTM 50N: CityBench's metric CRS */
#define CELL_M 125.0 /* a new database's base cell */
#define MAX_RANGES 256 /* what the executor passes to gp_grid_cover_rect */
#define TABLE 1
#define DAY GP_USEC_PER_DAY

/* CityBench's box in degrees. */
static const double k_lon0 = 118.2, k_lon1 = 118.5, k_lat0 = 33.8, k_lat1 = 34.1;

/* Log-uniform in [lo, hi]: small and large windows equally often per factor of size. */
static double rng_log(uint64_t *s, double lo, double hi) {
  return exp(log(lo) + rng_unit(s) * (log(hi) - log(lo)));
}

typedef struct rect {
  double x0, y0, x1, y1; /* projected metres */
} rect;

/* The projected bounding box of CityBench's box (its edges bend a little in UTM: sample them). */
static gp_rc box_projected(const gp_grid *g, rect *box, gp_err *err) {
  enum { K = 16 };
  double lon[4 * K], lat[4 * K], x[4 * K], y[4 * K];
  for (int k = 0; k < K; k++) {
    double f = (double)k / K;
    lon[k] = k_lon0 + f * (k_lon1 - k_lon0), lat[k] = k_lat0;
    lon[K + k] = k_lon1, lat[K + k] = k_lat0 + f * (k_lat1 - k_lat0);
    lon[2 * K + k] = k_lon1 - f * (k_lon1 - k_lon0), lat[2 * K + k] = k_lat1;
    lon[3 * K + k] = k_lon0, lat[3 * K + k] = k_lat1 - f * (k_lat1 - k_lat0);
  }
  gp_rc rc = gp_grid_project(g, lon, lat, 4 * K, x, y, err);
  if (rc) return rc;
  *box = (rect){INFINITY, INFINITY, -INFINITY, -INFINITY};
  for (int k = 0; k < 4 * K; k++) {
    box->x0 = fmin(box->x0, x[k]), box->y0 = fmin(box->y0, y[k]);
    box->x1 = fmax(box->x1, x[k]), box->y1 = fmax(box->y1, y[k]);
  }
  return GP_OK;
}

static rect random_rect(const rect *box, uint64_t *s) {
  double cx = box->x0 + rng_unit(s) * (box->x1 - box->x0);
  double cy = box->y0 + rng_unit(s) * (box->y1 - box->y0);
  double hx = rng_log(s, 60, 12000), hy = rng_log(s, 60, 12000);
  return (rect){cx - hx, cy - hy, cx + hx, cy + hy};
}

/* Index of the range holding cell c, or n. */
static size_t range_of(const gp_cell_range *r, size_t n, uint64_t c) {
  size_t lo = 0, hi = n;
  while (lo < hi) { /* first range with hi > c */
    size_t m = (lo + hi) / 2;
    if (r[m].hi <= c) lo = m + 1;
    else hi = m;
  }
  return lo < n && r[lo].lo <= c ? lo : n;
}

/* ---- rectangles to ranges ---- */

/* The covering of one rectangle must be sorted, disjoint, within budget and hold the cells of
 * its corners and of random points inside it. */
static int check_cover(const gp_grid *g, const rect *q, const gp_cell_range *r, size_t n,
                       uint64_t *seed) {
  if (n == 0 || n > MAX_RANGES) return 1;
  for (size_t k = 0; k < n; k++)
    if (r[k].lo >= r[k].hi || (k && r[k - 1].hi > r[k].lo)) return 1;
  for (int k = 0; k < 20; k++) {
    double x = k < 4 ? (k & 1 ? q->x1 : q->x0) : q->x0 + rng_unit(seed) * (q->x1 - q->x0);
    double y = k < 4 ? (k & 2 ? q->y1 : q->y0) : q->y0 + rng_unit(seed) * (q->y1 - q->y0);
    if (range_of(r, n, gp_grid_cell_of(g, x, y)) == n) return 1;
  }
  return 0;
}

static int bench_cover(const gp_grid *g, const rect *box, size_t nrect, int runs) {
  rect *q = GP_MALLOC((nrect ? nrect : 1) * sizeof *q);
  double *t = GP_MALLOC((size_t)runs * sizeof *t);
  gp_err err = {0};
  uint64_t seed = 1, sum0 = 0;
  size_t nranges = 0;
  int bad = 1;
  if (!q || !t) {
    gp_err_set(&err, GP_NOMEM, "out of memory");
    goto fail;
  }
  for (size_t i = 0; i < nrect; i++) q[i] = random_rect(box, &seed);

  for (size_t i = 0; i < nrect; i++) {
    gp_cell_range *r = NULL;
    size_t n = 0;
    if (gp_grid_cover_rect(g, q[i].x0, q[i].y0, q[i].x1, q[i].y1, MAX_RANGES, &r, &n, &err))
      goto fail;
    int wrong = check_cover(g, &q[i], r, n, &seed);
    GP_FREE(r);
    if (wrong) {
      fprintf(stderr, "cover: rectangle %zu [%.1f, %.1f] x [%.1f, %.1f]: bad covering\n", i,
              q[i].x0, q[i].x1, q[i].y0, q[i].y1);
      goto cleanup;
    }
  }

  for (int run = 0; run < runs; run++) {
    uint64_t h = FNV_OFFSET;
    nranges = 0;
    double t0 = now();
    for (size_t i = 0; i < nrect; i++) {
      gp_cell_range *r = NULL;
      size_t n = 0;
      if (gp_grid_cover_rect(g, q[i].x0, q[i].y0, q[i].x1, q[i].y1, MAX_RANGES, &r, &n, &err))
        goto fail;
      h = mix(h, n);
      for (size_t k = 0; k < n; k++) h = mix(mix(h, r[k].lo), r[k].hi);
      nranges += n;
      GP_FREE(r);
    }
    t[run] = now() - t0;
    if (run == 0) sum0 = h;
    if (h != sum0) {
      fprintf(stderr, "cover: run %d differs from the first\n", run + 1);
      goto cleanup;
    }
  }
  report("cover rects", (double)nrect, 1e3, "krects/s", t, runs, sum0);
  report("cover ranges", (double)nranges, 1e6, "Mranges/s", t, runs, sum0);
  printf("#   %zu rectangles, %.1f ranges each on average, all checked\n", nrect,
         (double)nranges / (double)(nrect ? nrect : 1));
  bad = 0;
  goto cleanup;
fail:
  fprintf(stderr, "cover: %s\n", err.msg);
cleanup:
  GP_FREE(t);
  GP_FREE(q);
  return bad;
}

/* ---- specs to units ---- */

typedef struct unit_rec {
  int64_t partition;
  size_t rows;
  int64_t t_min, t_max;
  uint64_t cell_min, cell_max;
} unit_rec;

static uint64_t unit_hash(uint64_t h, const gp_unit_info *u) {
  h = mix(h, (uint64_t)u->partition);
  h = mix(h, u->rows);
  h = mix(mix(h, (uint64_t)u->t_min), (uint64_t)u->t_max);
  h = mix(mix(h, u->cell_min), u->cell_max);
  return mix(h, (uint64_t)u->fresh << 1 | (uint64_t)u->covered);
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f) {
  (void)st, (void)flag, (void)f;
  return remove(p);
}

/* Fills a store with `days` sealed partitions of `rows` rows each, starting 2024-01-01. */
static gp_rc fill_store(gp_store *s, const gp_grid *g, const rect *box, int days, size_t rows,
                        int64_t t0, size_t *nchunks, gp_err *err) {
  gp_store_layout lay = {.ncols = 3, .types = {GP_T_TIMESTAMP, GP_T_INT, GP_T_DOUBLE},
                         .time_col = 0, .series_col = -1, .partition_us = DAY};
  gp_rows r;
  gp_store_txn *txn = NULL;
  gp_seal_stats st = {0};
  uint64_t seed = 3;
  gp_rc rc = gp_store_set_layout(s, TABLE, &lay, err);
  if (rc) return rc;
  if ((rc = gp_rows_init(&r, &lay, rows))) {
    rc = gp_err_set(err, rc, "out of memory for %zu rows", rows);
    goto cleanup;
  }
  if (!(txn = gp_store_txn_begin_lazy(s))) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto cleanup;
  }
  for (int d = 0; d < days && !rc; d++) {
    for (size_t i = 0; i < rows; i++) {
      double x = box->x0 + rng_unit(&seed) * (box->x1 - box->x0);
      double y = box->y0 + rng_unit(&seed) * (box->y1 - box->y0);
      r.cols[0].i64[i] = t0 + d * DAY + (int64_t)(rng_next(&seed) % (uint64_t)DAY);
      r.cols[1].i64[i] = (int64_t)(d * rows + i);
      r.cols[2].f64[i] = (double)(rng_next(&seed) % 10000) / 100;
      r.cell[i] = gp_grid_cell_of(g, x, y);
    }
    r.n = rows;
    rc = gp_store_seal_rows(txn, TABLE, gp_store_partition_of(&lay, t0 + d * DAY), &r, NULL, rows,
                            &st, err);
  }
  if (!rc) rc = gp_store_sync(s, err);
  *nchunks = st.chunks;
cleanup:
  gp_store_txn_free(txn);
  gp_rows_free(&r);
  return rc;
}

/* Every unit of the table, from a scan with an open spec. Returns owned *out (GP_FREE). */
static gp_rc all_units(gp_store *s, unit_rec **out, size_t *n, gp_err *err) {
  gp_scan_spec all = {INT64_MIN, INT64_MAX, NULL, 0, 0, NULL};
  gp_scan *sc = NULL;
  gp_rc rc = gp_scan_open(s, TABLE, &all, &sc, err);
  if (rc) return rc;
  *n = gp_scan_units(sc);
  if (!(*out = GP_MALLOC((*n ? *n : 1) * sizeof **out))) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto cleanup;
  }
  for (size_t i = 0; i < *n; i++) {
    const gp_unit_info *u = gp_scan_unit(sc, i);
    (*out)[i] = (unit_rec){u->partition, u->rows, u->t_min, u->t_max, u->cell_min, u->cell_max};
  }
cleanup:
  gp_scan_close(sc);
  return rc;
}

/* The plan of one spec must be exactly the units whose time range overlaps the window and
 * whose cell range meets one of the spec's ranges, in the store's order, each marked covered
 * exactly when both ranges lie inside the spec's. */
static int check_plan(const gp_scan *sc, const gp_scan_spec *sp, const unit_rec *all, size_t nall) {
  size_t j = 0, n = gp_scan_units(sc);
  for (size_t i = 0; i < nall; i++) {
    const unit_rec *a = &all[i];
    if (a->t_max < sp->t_lo || a->t_min >= sp->t_hi) continue;
    bool meets = !sp->cells, inside = !sp->cells;
    for (size_t k = 0; k < sp->ncells && !meets; k++)
      if (sp->cells[k].lo <= a->cell_max && a->cell_min < sp->cells[k].hi) {
        meets = true;
        inside = sp->cells[k].lo <= a->cell_min && a->cell_max < sp->cells[k].hi;
      }
    if (!meets) continue;
    bool tin = a->t_min >= sp->t_lo && a->t_max < sp->t_hi;
    if (j >= n) return 1;
    const gp_unit_info *u = gp_scan_unit(sc, j++);
    if (u->partition != a->partition || u->rows != a->rows || u->cell_min != a->cell_min ||
        u->t_min != a->t_min || u->covered != (tin && inside))
      return 1;
  }
  return j != n;
}

typedef struct plan_opts {
  size_t plans;
  int days;
  size_t rows;
  int runs;
  const char *tmp;
} plan_opts;

static int bench_scan(const gp_grid *g, const rect *box, const plan_opts *o) {
  char dir[4096];
  gp_store *s = NULL;
  gp_scan_spec *sp = NULL;
  gp_cell_range **cells = NULL;
  unit_rec *all = NULL;
  double *t = NULL;
  gp_err err = {0};
  size_t nall = 0, nchunks = 0, nunits = 0;
  uint64_t seed = 5, sum0 = 0;
  int bad = 1;
  bool made = false;
  const int64_t t0 = gp_days_from_civil(2024, 1, 1) * DAY;

  snprintf(dir, sizeof dir, "%s/gp-bench-plan-XXXXXX", o->tmp);
  if (!mkdtemp(dir)) {
    fprintf(stderr, "scan: cannot make a directory %s: ", dir);
    perror(NULL);
    return 1;
  }
  made = true;
  gp_store_opts so = {.path = dir, .create_if_missing = true};
  if (gp_store_open(&so, &s, &err)) goto fail;
  double tl = now();
  if (fill_store(s, g, box, o->days, o->rows, t0, &nchunks, &err)) goto fail;
  tl = now() - tl;
  if (all_units(s, &all, &nall, &err)) goto fail;

  sp = GP_CALLOC(o->plans ? o->plans : 1, sizeof *sp);
  cells = GP_CALLOC(o->plans ? o->plans : 1, sizeof *cells);
  t = GP_MALLOC((size_t)o->runs * sizeof *t);
  if (!sp || !cells || !t) {
    gp_err_set(&err, GP_NOMEM, "out of memory");
    goto fail;
  }
  for (size_t i = 0; i < o->plans; i++) {
    sp[i].t_lo = INT64_MIN, sp[i].t_hi = INT64_MAX;
    if (rng_next(&seed) % 4) {
      sp[i].t_lo = t0 + (int64_t)(rng_unit(&seed) * (double)(o->days * DAY));
      sp[i].t_hi = sp[i].t_lo + (int64_t)rng_log(&seed, 3600e6, 30 * 86400e6);
    }
    if (rng_next(&seed) % 5) {
      rect q = random_rect(box, &seed);
      if (gp_grid_cover_rect(g, q.x0, q.y0, q.x1, q.y1, MAX_RANGES, &cells[i], &sp[i].ncells,
                             &err))
        goto fail;
      sp[i].cells = cells[i];
    }
  }

  for (size_t i = 0; i < o->plans; i++) {
    gp_scan *sc = NULL;
    if (gp_scan_open(s, TABLE, &sp[i], &sc, &err)) goto fail;
    int wrong = check_plan(sc, &sp[i], all, nall);
    gp_scan_close(sc);
    if (wrong) {
      fprintf(stderr, "scan: spec %zu: the plan differs from the brute-force filter\n", i);
      goto cleanup;
    }
  }

  for (int run = 0; run < o->runs; run++) {
    uint64_t h = FNV_OFFSET;
    nunits = 0;
    double ts = now();
    for (size_t i = 0; i < o->plans; i++) {
      gp_scan *sc = NULL;
      if (gp_scan_open(s, TABLE, &sp[i], &sc, &err)) goto fail;
      size_t n = gp_scan_units(sc);
      h = mix(h, n);
      for (size_t k = 0; k < n; k++) h = unit_hash(h, gp_scan_unit(sc, k));
      nunits += n;
      gp_scan_close(sc);
    }
    t[run] = now() - ts;
    if (run == 0) sum0 = h;
    if (h != sum0) {
      fprintf(stderr, "scan: run %d differs from the first\n", run + 1);
      goto cleanup;
    }
  }
  report("scan plans", (double)o->plans, 1e3, "kplans/s", t, o->runs, sum0);
  report("scan units", (double)nunits, 1e6, "Munits/s", t, o->runs, sum0);
  printf("#   %zu plans over %zu chunks (%d days x %zu rows, sealed in %.2f s), %.1f units chosen "
         "each on average, all checked\n",
         o->plans, nall, o->days, o->rows, tl, (double)nunits / (double)(o->plans ? o->plans : 1));
  if (nall != nchunks) printf("#   note: sealing reported %zu chunks\n", nchunks);
  bad = 0;
  goto cleanup;
fail:
  fprintf(stderr, "scan: %s\n", err.msg);
cleanup:
  for (size_t i = 0; cells && i < o->plans; i++) GP_FREE(cells[i]);
  GP_FREE(cells);
  GP_FREE(sp);
  GP_FREE(t);
  GP_FREE(all);
  gp_store_close(s);
  if (made && nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
    fprintf(stderr, "scan: could not remove %s\n", dir);
  return bad;
}

static int usage(void) {
  fprintf(stderr, "usage: bench_plan [--rects N] [--plans N] [--days D] [--rows N] [--runs R] "
                  "[--tmp DIR]\n");
  return 2;
}

int main(int argc, char **argv) {
  size_t nrect = 100000;
  plan_opts o = {.plans = 2000, .days = 60, .rows = 24000, .runs = 5, .tmp = NULL};
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) return usage();
    if (!strcmp(argv[i], "--tmp")) {
      o.tmp = argv[i + 1];
      continue;
    }
    long long v = strtoll(argv[i + 1], NULL, 10);
    if (v <= 0) return usage();
    if (!strcmp(argv[i], "--rects")) nrect = (size_t)v;
    else if (!strcmp(argv[i], "--plans")) o.plans = (size_t)v;
    else if (!strcmp(argv[i], "--days") && v <= 100000) o.days = (int)v;
    else if (!strcmp(argv[i], "--rows") && v <= UINT32_MAX) o.rows = (size_t)v;
    else if (!strcmp(argv[i], "--runs") && v <= 1000) o.runs = (int)v;
    else return usage();
  }
  if (!o.tmp) o.tmp = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

  gp_grid *g = NULL;
  gp_err err = {0};
  rect box;
  int bad = 1;
  if (gp_grid_new(EPSG, CELL_M, &g, &err) || box_projected(g, &box, &err)) {
    fprintf(stderr, "bench_plan: %s\n", err.msg);
    goto cleanup;
  }
  printf("# bench_plan: EPSG:%d, %.0f m cells, box %.0f x %.0f m, %d runs; rates at the median "
         "and the fastest run\n",
         EPSG, CELL_M, box.x1 - box.x0, box.y1 - box.y0, o.runs);
  printf("# %-20s %10s %10s  %-10s %s\n", "name", "median", "best", "unit", "checksum");
  bad = bench_cover(g, &box, nrect, o.runs);
  bad |= bench_scan(g, &box, &o);
cleanup:
  gp_grid_free(g);
  return bad;
}
