/* bench_pip.c - point-in-polygon micro-benchmark: how fast engine/region.c assigns points to
 * regions, and how fast it builds the cell indexes that make that fast, on fixed-seed data, with
 * a checksum of every answer so a fast wrong answer shows.
 *
 * Layers (lon/lat, read as CSV-WKT or one WKT polygon, projected into EPSG:32650 with 125 m
 * cells, the defaults of a CityBench database):
 *   grid992  31 x 32 quadrilaterals over CityBench's 0.3 x 0.3 degree box, every inner vertex
 *            moved by up to 20 % of a cell, like CityBench's regions.csv (but not its data)
 *   star     one star-shaped polygon of --vertices vertices (a wavy outline with 2 % noise)
 *            over the same box, like a district or flood zone traced in detail
 * Points: --n lon/lat points uniform over the box widened by 2 % per side, so a few fall in no
 * region. Projecting them and computing their cells is not timed: a scan reads both from the
 * stored rows.
 *
 * Measured, each as the median and best (fastest) of --runs runs:
 *   assign   the executor's per-row path (query/eval.c): gp_region_index_cell on the row's
 *            cell, and gp_region_locate (exact GEOS covers test) only when a region boundary
 *            crosses the cell. Checksum: FNV-1a of the assigned ordinal (-1: none) of every point.
 *   index    gp_region_index_new over the whole layer: the quadtree covering of every region
 *            merged into one cell map. Rate: level-0 cells of the index per second. Checksum:
 *            what gp_region_index_cell says of every one of those cells.
 *   cover    gp_region_cover of each region alone (what the planner does for one region).
 *            Checksum: the inside and boundary ranges.
 * Before timing, the first --verify points are assigned by brute force (every region tested with
 * gp_region_covers, lowest ordinal wins) and must get the same answer as the index path.
 *
 *   bench_pip [--n 2000000] [--runs 5] [--vertices 4096] [--verify 2000]
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "gp_region.h"

#define EPSG 32650   /* UTM 50N: CityBench's metric CRS */
#define CELL_M 125.0 /* a new database's base cell */
#define NX 31        /* region columns and rows: 992 regions, as CityBench */
#define NY 32

/* CityBench's box in degrees. */
static const double k_lon0 = 118.2, k_lon1 = 118.5, k_lat0 = 33.8, k_lat1 = 34.1;


/* ---- data ---- */

typedef struct points {
  size_t n;
  double *lon, *lat; /* degrees */
  double *x, *y;     /* projected metres */
  uint64_t *cell;    /* level-0 Morton code */
} points;

static void points_free(points *p) {
  GP_FREE(p->lon);
  GP_FREE(p->lat);
  GP_FREE(p->x);
  GP_FREE(p->y);
  GP_FREE(p->cell);
}

static gp_rc points_make(points *p, size_t n, const gp_grid *g, gp_err *err) {
  uint64_t seed = 42;
  const double wx = (k_lon1 - k_lon0) * 0.02, wy = (k_lat1 - k_lat0) * 0.02;
  memset(p, 0, sizeof *p);
  p->n = n;
  p->lon = GP_MALLOC(n * sizeof *p->lon);
  p->lat = GP_MALLOC(n * sizeof *p->lat);
  p->x = GP_MALLOC(n * sizeof *p->x);
  p->y = GP_MALLOC(n * sizeof *p->y);
  p->cell = GP_MALLOC(n * sizeof *p->cell);
  if (!p->lon || !p->lat || !p->x || !p->y || !p->cell)
    return gp_err_set(err, GP_NOMEM, "out of memory for %zu points", n);
  for (size_t i = 0; i < n; i++) {
    p->lon[i] = k_lon0 - wx + rng_unit(&seed) * (k_lon1 - k_lon0 + 2 * wx);
    p->lat[i] = k_lat0 - wy + rng_unit(&seed) * (k_lat1 - k_lat0 + 2 * wy);
  }
  gp_rc rc = gp_grid_project(g, p->lon, p->lat, n, p->x, p->y, err);
  if (rc) return rc;
  for (size_t i = 0; i < n; i++) p->cell[i] = gp_grid_cell_of(g, p->x[i], p->y[i]);
  return GP_OK;
}

/* Appends printf-formatted text to b: short pieces (a coordinate pair, a CSV row head). */
static gp_rc put_text(gp_buf *b, const char *fmt, ...) {
  char tmp[64];
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (k < 0 || (size_t)k >= sizeof tmp) return GP_INVALID;
  return gp_buf_put(b, tmp, (size_t)k);
}

/* CSV "region_id,wkt" of the jittered grid. Inner vertices move by up to 20 % of a cell in each
 * direction, which keeps every quadrilateral simple; vertices on the box edge move only along
 * it, so the layer tiles the box exactly. Coordinates are printed with 6 decimals, as CityBench
 * writes them, and read back as exactly the same doubles by every region. */
static gp_rc grid_csv(gp_buf *b, gp_err *err) {
  double vx[NX + 1][NY + 1], vy[NX + 1][NY + 1];
  const double cw = (k_lon1 - k_lon0) / NX, ch = (k_lat1 - k_lat0) / NY;
  uint64_t seed = 7;
  gp_rc rc = GP_OK;
  for (int i = 0; i <= NX; i++)
    for (int j = 0; j <= NY; j++) {
      double jx = (rng_unit(&seed) - 0.5) * 0.4 * cw, jy = (rng_unit(&seed) - 0.5) * 0.4 * ch;
      vx[i][j] = k_lon0 + i * cw + (i > 0 && i < NX ? jx : 0);
      vy[i][j] = k_lat0 + j * ch + (j > 0 && j < NY ? jy : 0);
    }
  rc = gp_buf_put(b, "region_id,wkt\n", 14);
  for (int j = 0; j < NY && !rc; j++)
    for (int i = 0; i < NX && !rc; i++) {
      /* counter-clockwise SW, SE, NE, NW, SW */
      const int ci[5] = {i, i + 1, i + 1, i, i}, cj[5] = {j, j, j + 1, j + 1, j};
      rc = put_text(b, "G%03d,\"POLYGON((", j * NX + i + 1);
      for (int k = 0; k < 5 && !rc; k++)
        rc = put_text(b, k ? ",%.6f %.6f" : "%.6f %.6f", vx[ci[k]][cj[k]], vy[ci[k]][cj[k]]);
      if (!rc) rc = gp_buf_put(b, "))\"\n", 4);
    }
  return rc ? gp_err_set(err, rc, "cannot build the grid layer's text") : GP_OK;
}

/* One WKT polygon: nv vertices at strictly increasing angles around the box centre, hence
 * simple (star-shaped). The radius is a smooth outline (two harmonics) plus 2 % of noise, like a
 * traced district: jagged everywhere at once (radii drawn independently per vertex), every cell
 * of the disc would be a boundary cell, which no real layer looks like. Longitudes are
 * stretched by 1 / cos(latitude) so the polygon is about round in metres. */
static gp_rc star_wkt(gp_buf *b, int nv, gp_err *err) {
  const double cx = (k_lon0 + k_lon1) / 2, cy = (k_lat0 + k_lat1) / 2;
  const double ry = (k_lat1 - k_lat0) / 2, rx = ry / cos(cy * 3.14159265358979323846 / 180);
  double x0 = 0, y0 = 0;
  uint64_t seed = 11;
  gp_rc rc = gp_buf_put(b, "POLYGON((", 9);
  for (int k = 0; k < nv && !rc; k++) {
    double a = 2 * 3.14159265358979323846 * (k + 0.5 * rng_unit(&seed)) / nv;
    double r = 0.75 + 0.12 * sin(3 * a + 1) + 0.08 * sin(11 * a) + 0.02 * (rng_unit(&seed) - 0.5);
    double x = cx + rx * r * cos(a), y = cy + ry * r * sin(a);
    if (k == 0) x0 = x, y0 = y;
    rc = put_text(b, k ? ",%.6f %.6f" : "%.6f %.6f", x, y);
  }
  if (!rc) rc = put_text(b, ",%.6f %.6f))", x0, y0); /* close on the printed first vertex */
  return rc ? gp_err_set(err, rc, "cannot build the star polygon's text") : GP_OK;
}

/* ---- measurements ---- */

/* The executor's per-row assignment (query/eval.c geo_eval) of every point; returns the FNV
 * checksum of the ordinals and counts the points that needed the exact test. */
static uint64_t assign_all(const gp_region_index *ix, gp_region_tls *t, const points *p,
                           size_t *nexact) {
  uint64_t h = FNV_OFFSET;
  size_t ne = 0;
  for (size_t i = 0; i < p->n; i++) {
    long r = gp_region_index_cell(ix, p->cell[i]);
    if (r == -2) {
      ne++;
      r = gp_region_locate(ix, t, p->cell[i], p->x[i], p->y[i], p->lon[i], p->lat[i]);
    }
    h = mix(h, (uint64_t)(int64_t)r);
  }
  *nexact = ne;
  return h;
}

/* The first nv points by brute force: every region, lowest ordinal that covers the point. */
static int verify(const gp_region_layer *l, const gp_region_index *ix, gp_region_tls *t,
                  const points *p, size_t nv, const char *name) {
  size_t nreg = gp_region_count(l);
  if (nv > p->n) nv = p->n;
  for (size_t i = 0; i < nv; i++) {
    long want = -1;
    for (size_t k = 0; k < nreg && want < 0; k++)
      if (gp_region_covers(t, k, p->x[i], p->y[i], p->lon[i], p->lat[i])) want = (long)k;
    long got = gp_region_index_cell(ix, p->cell[i]);
    if (got == -2) got = gp_region_locate(ix, t, p->cell[i], p->x[i], p->y[i], p->lon[i], p->lat[i]);
    if (got != want) {
      fprintf(stderr, "%s: point %zu (%.9f %.9f) assigned to %ld, brute force says %ld\n", name,
              i, p->lon[i], p->lat[i], got, want);
      return 1;
    }
  }
  return 0;
}

/* Level-0 cells of an index, and the checksum of what the index says of each of them. */
static uint64_t index_sum(const gp_region_index *ix, double *ncells) {
  size_t nr;
  const gp_cell_range *r = gp_region_index_ranges(ix, &nr);
  uint64_t h = FNV_OFFSET;
  double cells = 0;
  for (size_t k = 0; k < nr; k++) {
    cells += (double)(r[k].hi - r[k].lo);
    h = mix(mix(h, r[k].lo), r[k].hi);
    for (uint64_t c = r[k].lo; c < r[k].hi; c++) h = mix(h, (uint64_t)(int64_t)gp_region_index_cell(ix, c));
  }
  *ncells = cells;
  return h;
}

typedef struct bench_opts {
  size_t n;      /* points */
  int runs;      /* timed runs per measurement */
  int vertices;  /* star polygon vertices */
  size_t verify; /* points checked by brute force */
} bench_opts;

/* All three measurements on one layer. */
static int bench_layer(const char *name, const gp_region_layer *l, const gp_grid *g,
                       const points *p, const bench_opts *o) {
  gp_region_index *ix = NULL;
  gp_region_tls *tls = NULL;
  double *t = NULL;
  gp_err err = {0};
  char label[64];
  int bad = 1;
  size_t nreg = gp_region_count(l);
  uint64_t sum = 0, sum0 = 0;

  if (!(t = GP_MALLOC((size_t)o->runs * sizeof *t))) {
    gp_err_set(&err, GP_NOMEM, "out of memory");
    goto fail;
  }
  if (gp_region_tls_new(l, &tls, &err)) goto fail;

  /* index: built runs times; each build is checked against the first */
  double ncells = 0;
  for (int r = 0; r < o->runs; r++) {
    gp_region_index_free(ix);
    ix = NULL;
    double t0 = now();
    if (gp_region_index_new(l, g, NULL, 0, NULL, &ix, &err)) goto fail;
    t[r] = now() - t0;
    sum = index_sum(ix, &ncells);
    if (r == 0) sum0 = sum;
    if (sum != sum0) {
      fprintf(stderr, "%s: index build %d differs from the first\n", name, r + 1);
      goto cleanup;
    }
  }
  snprintf(label, sizeof label, "%s index", name);
  report(label, ncells, 1e3, "kcells/s", t, o->runs, sum);
  printf("#   regions %zu, level-0 cells in the index %.0f\n", nreg, ncells);

  /* cover: each region on its own at its automatic level */
  size_t nin = 0, nbd = 0;
  for (int r = 0; r < o->runs; r++) {
    uint64_t h = FNV_OFFSET;
    nin = nbd = 0;
    double t0 = now();
    for (size_t i = 0; i < nreg; i++) {
      gp_cell_range *in = NULL, *bd = NULL;
      size_t ni = 0, nb = 0;
      if (gp_region_cover(l, i, g, -1, NULL, &in, &ni, &bd, &nb, &err)) goto fail;
      for (size_t k = 0; k < ni; k++) h = mix(mix(h, in[k].lo), in[k].hi);
      h = mix(h, UINT64_MAX); /* separates inside from boundary */
      for (size_t k = 0; k < nb; k++) h = mix(mix(h, bd[k].lo), bd[k].hi);
      nin += ni, nbd += nb;
      GP_FREE(in);
      GP_FREE(bd);
    }
    t[r] = now() - t0;
    if (r == 0) sum0 = h;
    if (h != sum0) {
      fprintf(stderr, "%s: covering run %d differs from the first\n", name, r + 1);
      goto cleanup;
    }
  }
  snprintf(label, sizeof label, "%s cover", name);
  report(label, (double)nreg, 1, "regions/s", t, o->runs, sum0);
  printf("#   %zu inside and %zu boundary ranges\n", nin, nbd);

  if (verify(l, ix, tls, p, o->verify, name)) goto cleanup;

  /* assign: every point, runs times */
  size_t nexact = 0;
  for (int r = 0; r < o->runs; r++) {
    double t0 = now();
    sum = assign_all(ix, tls, p, &nexact);
    t[r] = now() - t0;
    if (r == 0) sum0 = sum;
    if (sum != sum0) {
      fprintf(stderr, "%s: assignment run %d differs from the first\n", name, r + 1);
      goto cleanup;
    }
  }
  snprintf(label, sizeof label, "%s assign", name);
  report(label, (double)p->n, 1e6, "Mpoints/s", t, o->runs, sum);
  printf("#   %zu points, %.1f %% needed the exact test, first %zu verified by brute force\n",
         p->n, 100.0 * (double)nexact / (double)(p->n ? p->n : 1),
         o->verify < p->n ? o->verify : p->n);
  bad = 0;
  goto cleanup;
fail:
  fprintf(stderr, "%s: %s\n", name, err.msg);
cleanup:
  gp_region_tls_free(tls);
  gp_region_index_free(ix);
  GP_FREE(t);
  return bad;
}

static int usage(void) {
  fprintf(stderr, "usage: bench_pip [--n POINTS] [--runs R] [--vertices V] [--verify N]\n");
  return 2;
}

int main(int argc, char **argv) {
  bench_opts o = {.n = 2000000, .runs = 5, .vertices = 4096, .verify = 2000};
  for (int i = 1; i < argc; i++) {
    if (i + 1 >= argc) return usage();
    long long v = strtoll(argv[i + 1], NULL, 10);
    if (v < 0 || (v == 0 && strcmp(argv[i], "--verify") != 0)) return usage();
    if (!strcmp(argv[i], "--n")) o.n = (size_t)v;
    else if (!strcmp(argv[i], "--runs")) o.runs = (int)v;
    else if (!strcmp(argv[i], "--vertices") && v >= 3) o.vertices = (int)v;
    else if (!strcmp(argv[i], "--verify")) o.verify = (size_t)v;
    else return usage();
    i++;
  }

  gp_grid *g = NULL;
  gp_region_layer *grid = NULL, *star = NULL;
  gp_buf text = {0};
  points p = {0};
  gp_err err = {0};
  int bad = 1;
  gp_region_opts ro = {.fmt = GP_REGION_WKT, .id_col = "region_id"};

  if (gp_grid_new(EPSG, CELL_M, &g, &err)) goto fail;
  if (grid_csv(&text, &err)) goto fail;
  if (gp_region_layer_read("grid992", NULL, (const char *)text.p, text.len, &ro, EPSG, &grid,
                           &err))
    goto fail;
  text.len = 0;
  ro = (gp_region_opts){.fmt = GP_REGION_WKT_ONE};
  if (star_wkt(&text, o.vertices, &err)) goto fail;
  if (gp_region_layer_read("star", NULL, (const char *)text.p, text.len, &ro, EPSG, &star, &err))
    goto fail;
  if (points_make(&p, o.n, g, &err)) goto fail;

  printf("# bench_pip: %zu points, %d runs, EPSG:%d, %.0f m cells; rates at the median and the "
         "fastest run\n",
         o.n, o.runs, EPSG, CELL_M);
  printf("# %-20s %10s %10s  %-10s %s\n", "name", "median", "best", "unit", "checksum");
  bad = bench_layer("grid992", grid, g, &p, &o);
  char name[32];
  snprintf(name, sizeof name, "star%d", o.vertices);
  bad |= bench_layer(name, star, g, &p, &o);
  goto cleanup;
fail:
  fprintf(stderr, "bench_pip: %s\n", err.msg);
cleanup:
  points_free(&p);
  gp_buf_free(&text);
  gp_region_layer_free(star);
  gp_region_layer_free(grid);
  gp_grid_free(g);
  return bad;
}
