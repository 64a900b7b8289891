/* test_grid.c - the spatial grid: UTM zones, projection against the proj/cs2cs tools, round
 * trips, NaN handling, threads, Morton codes, cell indices and rectangle covers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gp_grid.h"

/* Fixed-seed splitmix64, so every run sees the same points. */
static uint64_t rng_next(uint64_t *s) {
  uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static double rng_uniform(uint64_t *s, double lo, double hi) {
  return lo + (hi - lo) * ((double)(rng_next(s) >> 11) * 0x1.0p-53);
}

static double now_sec(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* cmocka's float assertion works in single precision; metres at 1e6 need double. */
static void assert_near_(double a, double b, double eps, const char *file, int line) {
  if (!(fabs(a - b) <= eps)) {
    print_error("%.12f != %.12f (tolerance %g)\n", a, b, eps);
    _fail(file, line);
  }
}
#define assert_near(a, b, eps) assert_near_((a), (b), (eps), __FILE__, __LINE__)

static gp_grid *grid_or_die(int epsg, double cell_m) {
  gp_grid *g = NULL;
  gp_err err = {0};
  gp_rc rc = gp_grid_new(epsg, cell_m, &g, &err);
  if (rc != GP_OK) print_message("gp_grid_new(%d): %s\n", epsg, err.msg);
  assert_int_equal(rc, GP_OK);
  assert_non_null(g);
  return g;
}

/* ---- UTM zones ------------------------------------------------------------------------- */

static void test_utm_epsg(void **state) {
  (void)state;
  static const struct {
    double lon, lat;
    int epsg;
  } cases[] = {
      {118.35, 33.95, 32650},  /* Huai'an */
      {-71.06, 42.36, 32619},  /* Boston */
      {151.21, -33.87, 32756}, /* Sydney */
      {-0.13, 51.51, 32630},   /* London, just west of Greenwich */
      {0.0, 0.0, 32631},       /* a zone's west edge belongs to it */
      {-180.0, 10.0, 32601},
      {180.0, 10.0, 32660},    /* the antimeridian stays in zone 60 */
      {179.99, -1.0, 32760},
      {-174.0, -0.5, 32702},   /* 6 degrees east of -180: first longitude of zone 2 */
      {5.3, 60.4, 32631},      /* Bergen: the Norway exception (32V) is ignored */
      {190.0, 0.0, 32602},     /* wraps to -170 */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    assert_int_equal(gp_grid_utm_epsg(cases[i].lon, cases[i].lat), cases[i].epsg);
  assert_int_equal(gp_grid_utm_epsg(NAN, 10.0), 0);
}

/* ---- construction ---------------------------------------------------------------------- */

static void test_new_errors(void **state) {
  (void)state;
  static const struct {
    int epsg;
    double cell_m;
    gp_rc rc;
  } cases[] = {
      {32650, 125.0, GP_OK},
      {32756, 1.0, GP_OK},
      {3857, 125.0, GP_OK},       /* Web Mercator: projected, metres */
      {4326, 125.0, GP_PROJ},     /* geographic: degrees */
      {4978, 125.0, GP_PROJ},     /* geocentric */
      {2227, 125.0, GP_PROJ},     /* California zone 3, US survey feet */
      {99999, 125.0, GP_PROJ},    /* no such code */
      {-1, 125.0, GP_PROJ},
      {32650, 0.0, GP_INVALID},
      {32650, -125.0, GP_INVALID},
      {32650, 0.001, GP_INVALID}, /* too small for 2^32 cells to span the CRS */
      {32650, NAN, GP_INVALID},
      {32650, INFINITY, GP_INVALID},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    gp_grid *g = (gp_grid *)&g; /* must be reset to NULL on failure */
    gp_err err = {0};
    gp_rc rc = gp_grid_new(cases[i].epsg, cases[i].cell_m, &g, &err);
    assert_int_equal(rc, cases[i].rc);
    if (rc == GP_OK) {
      assert_non_null(g);
      assert_int_equal(gp_grid_epsg(g), cases[i].epsg);
      assert_true(gp_grid_cell_m(g) == cases[i].cell_m);
      gp_grid_free(g);
    } else {
      assert_null(g);
      assert_int_equal(err.rc, cases[i].rc);
      assert_true(strlen(err.msg) > 0);
      print_message("  EPSG:%d cell %g -> %s\n", cases[i].epsg, cases[i].cell_m, err.msg);
    }
  }
  gp_grid_free(NULL);
}

/* Fails each allocation of gp_grid_new in turn: every failure must be GP_NOMEM and leak
 * nothing. */
static void test_new_oom(void **state) {
  (void)state;
  long base = gp_alloc_live();
  int failures = 0;
  for (long k = 1; k < 100; k++) {
    gp_grid *g = NULL;
    gp_err err = {0};
    gp_alloc_fail_after(k);
    gp_rc rc = gp_grid_new(32650, 125.0, &g, &err);
    gp_alloc_fail_after(0);
    if (rc == GP_OK) {
      gp_grid_free(g);
      assert_int_equal(gp_alloc_live(), base);
      break;
    }
    assert_int_equal(rc, GP_NOMEM);
    assert_null(g);
    assert_int_equal(gp_alloc_live(), base);
    failures++;
  }
  assert_int_equal(failures, 2); /* the grid, then its slots */
}

/* ---- projection ------------------------------------------------------------------------ */

/* Expected values come from PROJ 9.1.1's command line tool, independent of this code path:
 *   printf '118.35 33.95\n' | cs2cs -f %.9f +proj=longlat +datum=WGS84 +to EPSG:32650
 * and likewise for the others with their own target CRS. */
static void test_project_reference(void **state) {
  (void)state;
  static const struct {
    int epsg;
    double lon, lat, x, y;
  } cases[] = {
      {32650, 118.35, 33.95, 624746.949323567, 3757432.939307801},
      {32619, -71.06, 42.36, 330357.247914324, 4691803.150126871},
      {32756, 151.21, -33.87, 334435.706141830, 6250816.397804656},
      {32650, -71.06, 42.36, 1163934.174346898, 15274607.185461737}, /* far outside the zone */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    gp_grid *g = grid_or_die(cases[i].epsg, 125.0);
    gp_err err = {0};
    double x, y, lon, lat;
    assert_int_equal(gp_grid_project(g, &cases[i].lon, &cases[i].lat, 1, &x, &y, &err), GP_OK);
    assert_near(x, cases[i].x, 1e-3);
    assert_near(y, cases[i].y, 1e-3);
    assert_int_equal(gp_grid_unproject(g, &x, &y, 1, &lon, &lat, &err), GP_OK);
    assert_near(lon, cases[i].lon, 1e-9);
    assert_near(lat, cases[i].lat, 1e-9);
    gp_grid_free(g);
  }
}

static void test_project_roundtrip(void **state) {
  (void)state;
  enum { N = 20000 };
  gp_grid *g = grid_or_die(32650, 125.0);
  gp_err err = {0};
  uint64_t seed = 42;
  double *lon = malloc(N * sizeof *lon), *lat = malloc(N * sizeof *lat);
  double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
  double *lon2 = malloc(N * sizeof *lon2), *lat2 = malloc(N * sizeof *lat2);
  assert_true(lon && lat && x && y && lon2 && lat2);
  for (size_t i = 0; i < N; i++) {
    lon[i] = rng_uniform(&seed, 112.0, 124.0); /* zone 50 plus 3 degrees either side */
    lat[i] = rng_uniform(&seed, -10.0, 60.0);
  }
  assert_int_equal(gp_grid_project(g, lon, lat, N, x, y, &err), GP_OK);
  assert_int_equal(gp_grid_unproject(g, x, y, N, lon2, lat2, &err), GP_OK);
  for (size_t i = 0; i < N; i++) {
    assert_true(isfinite(x[i]) && isfinite(y[i]));
    assert_near(lon2[i], lon[i], 1e-9);
    assert_near(lat2[i], lat[i], 1e-9);
  }
  /* In place: outputs that are the inputs give the same numbers. */
  memcpy(lon2, lon, N * sizeof *lon);
  memcpy(lat2, lat, N * sizeof *lat);
  assert_int_equal(gp_grid_project(g, lon2, lat2, N, lon2, lat2, &err), GP_OK);
  assert_memory_equal(lon2, x, N * sizeof *x);
  assert_memory_equal(lat2, y, N * sizeof *y);
  assert_int_equal(gp_grid_project(g, lon, lat, 0, x, y, &err), GP_OK);
  assert_int_equal(gp_grid_project(g, lon, lat, 2, x, x, &err), GP_INVALID);
  free(lon), free(lat), free(x), free(y), free(lon2), free(lat2);
  gp_grid_free(g);
}

/* NaN in -> NaN out, PROJ failures -> NaN, and neither disturbs the points around them. */
static void test_project_nan(void **state) {
  (void)state;
  gp_grid *g = grid_or_die(32650, 125.0);
  gp_err err = {0};
  double lon[] = {118.35, NAN, 118.35, 118.35, 118.35 + 90.0, 118.35, INFINITY, 118.35};
  double lat[] = {33.95, 33.95, NAN, 91.0, 0.0, 33.95, 33.95, 33.95};
  const int bad[] = {0, 1, 1, 1, 1, 0, 1, 0};
  enum { N = sizeof lon / sizeof lon[0] };
  double x[N], y[N], ux[N], uy[N];
  assert_int_equal(gp_grid_project(g, lon, lat, N, x, y, &err), GP_OK);
  for (size_t i = 0; i < N; i++) {
    if (bad[i]) {
      assert_true(isnan(x[i]) && isnan(y[i]));
    } else {
      assert_near(x[i], 624746.949323567, 1e-3);
      assert_near(y[i], 3757432.939307801, 1e-3);
    }
  }
  /* The inverse: NaN and the NaN from above stay NaN. */
  assert_int_equal(gp_grid_unproject(g, x, y, N, ux, uy, &err), GP_OK);
  for (size_t i = 0; i < N; i++) {
    if (bad[i]) {
      assert_true(isnan(ux[i]) && isnan(uy[i]));
    } else {
      assert_near(ux[i], 118.35, 1e-9);
      assert_near(uy[i], 33.95, 1e-9);
    }
  }
  gp_grid_free(g);
}

/* One core, one batch: the loader projects ~10 M points per load. Prints a checksum so a fast
 * wrong answer shows. */
static void test_project_throughput(void **state) {
  (void)state;
  enum { N = 1000000 };
  gp_grid *g = grid_or_die(32650, 125.0);
  gp_err err = {0};
  uint64_t seed = 7;
  double *lon = malloc(N * sizeof *lon), *lat = malloc(N * sizeof *lat);
  double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
  double sum = 0, t0, t1, t2;
  uint64_t cells = 0;
  assert_true(lon && lat && x && y);
  for (size_t i = 0; i < N; i++) {
    lon[i] = rng_uniform(&seed, 118.0, 119.0);
    lat[i] = rng_uniform(&seed, 33.0, 34.5);
  }
  t0 = now_sec();
  assert_int_equal(gp_grid_project(g, lon, lat, N, x, y, &err), GP_OK);
  t1 = now_sec();
  for (size_t i = 0; i < N; i++) cells ^= gp_grid_cell_of(g, x[i], y[i]) * (i | 1);
  t2 = now_sec();
  for (size_t i = 0; i < N; i++) sum += x[i] + y[i];
  print_message("  project: %.2f M points/s on one core; cell_of: %.0f M points/s "
                "(checksum %.3f, %016llx)\n",
                N / (t1 - t0) / 1e6, N / (t2 - t1) / 1e6, sum, (unsigned long long)cells);
  assert_true(isfinite(sum));
  free(lon), free(lat), free(x), free(y);
  gp_grid_free(g);
}

/* Threads each project their own chunks; the result must match one thread bit for bit. The
 * second round runs more threads than the grid has slots, which forces throwaway contexts. */
static void test_project_threads(void **state) {
  (void)state;
  enum { N = 100000, CHUNK = 997 };
  gp_grid *g = grid_or_die(32650, 125.0);
  gp_err err = {0};
  uint64_t seed = 99;
  double *lon = malloc(N * sizeof *lon), *lat = malloc(N * sizeof *lat);
  double *x1 = malloc(N * sizeof *x1), *y1 = malloc(N * sizeof *y1);
  double *xm = malloc(N * sizeof *xm), *ym = malloc(N * sizeof *ym);
  assert_true(lon && lat && x1 && y1 && xm && ym);
  for (size_t i = 0; i < N; i++) {
    lon[i] = rng_uniform(&seed, 115.0, 121.0);
    lat[i] = rng_uniform(&seed, 20.0, 45.0);
  }
  assert_int_equal(gp_grid_project(g, lon, lat, N, x1, y1, &err), GP_OK);
  for (int round = 0; round < 2; round++) {
    int threads = round == 0 ? omp_get_max_threads() : 48;
    long chunk = round == 0 ? CHUNK : N / 48 + 1;
    int failed = 0;
    memset(xm, 0, N * sizeof *xm);
    memset(ym, 0, N * sizeof *ym);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) reduction(+ : failed)
    for (long c = 0; c < N; c += chunk) {
      gp_err e = {0};
      size_t n = (size_t)(c + chunk <= N ? chunk : N - c);
      if (gp_grid_project(g, lon + c, lat + c, n, xm + c, ym + c, &e) != GP_OK) failed++;
    }
    assert_int_equal(failed, 0);
    assert_memory_equal(xm, x1, N * sizeof *x1);
    assert_memory_equal(ym, y1, N * sizeof *y1);
  }
  free(lon), free(lat), free(x1), free(y1), free(xm), free(ym);
  gp_grid_free(g);
}

/* ---- Morton codes ---------------------------------------------------------------------- */

static uint64_t morton_naive(uint32_t ix, uint32_t iy) {
  uint64_t c = 0;
  for (int b = 0; b < 32; b++) {
    c |= (uint64_t)((ix >> b) & 1) << (2 * b);
    c |= (uint64_t)((iy >> b) & 1) << (2 * b + 1);
  }
  return c;
}

static void test_morton(void **state) {
  (void)state;
  static const struct {
    uint32_t ix, iy;
    uint64_t code;
  } cases[] = {
      {0, 0, 0},
      {1, 0, 1},
      {0, 1, 2},
      {5, 3, 27}, /* the worked example in grid.c */
      {0xFFFFFFFFu, 0, UINT64_C(0x5555555555555555)},
      {0, 0xFFFFFFFFu, UINT64_C(0xAAAAAAAAAAAAAAAA)},
      {0xFFFFFFFFu, 0xFFFFFFFFu, UINT64_MAX},
      {0x80000000u, 0x80000000u, UINT64_C(0xC000000000000000)},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint32_t ix, iy;
    assert_int_equal(gp_morton_encode(cases[i].ix, cases[i].iy), cases[i].code);
    gp_morton_decode(cases[i].code, &ix, &iy);
    assert_int_equal(ix, cases[i].ix);
    assert_int_equal(iy, cases[i].iy);
  }
  uint64_t seed = 1;
  for (int i = 0; i < 200000; i++) {
    uint64_t r = rng_next(&seed);
    uint32_t ix = (uint32_t)r, iy = (uint32_t)(r >> 32), dx, dy;
    uint64_t c = gp_morton_encode(ix, iy);
    assert_int_equal(c, morton_naive(ix, iy));
    gp_morton_decode(c, &dx, &dy);
    assert_int_equal(dx, ix);
    assert_int_equal(dy, iy);
  }
}

/* The level-l cell of a code is code >> 2l, and the codes of one level-l cell form one
 * contiguous range. */
static void test_morton_prefix(void **state) {
  (void)state;
  uint64_t seed = 2;
  for (int i = 0; i < 100000; i++) {
    uint64_t r = rng_next(&seed);
    uint32_t ix = (uint32_t)r, iy = (uint32_t)(r >> 32);
    int l = (int)(rng_next(&seed) % (GP_GRID_MAX_LEVEL + 1));
    uint64_t c = gp_morton_encode(ix, iy), parent = c >> (2 * l);
    assert_int_equal(gp_morton_encode(ix >> l, iy >> l), parent);
    /* A random code inside the parent's range belongs to the parent and vice versa. */
    uint64_t span = UINT64_C(1) << (2 * l);
    uint64_t other = (parent << (2 * l)) + (rng_next(&seed) & (span - 1));
    uint32_t ox, oy;
    gp_morton_decode(other, &ox, &oy);
    assert_int_equal(ox >> l, ix >> l);
    assert_int_equal(oy >> l, iy >> l);
    /* The code just past the range is in another cell. */
    if (l < 31 && parent != (UINT64_MAX >> (2 * l))) {
      gp_morton_decode((parent + 1) << (2 * l), &ox, &oy);
      assert_true((ox >> l) != (ix >> l) || (oy >> l) != (iy >> l));
    }
  }
}

/* ---- cells ----------------------------------------------------------------------------- */

/* Level 3 of a 125 m grid must be exactly floor(x / 1000): tested on random points, exact
 * multiples of 125 and 1000, their neighbouring doubles, and negative coordinates. */
static void test_cell_of_km(void **state) {
  (void)state;
  gp_grid *g = grid_or_die(32650, 125.0);
  uint64_t seed = 3;
  for (int i = 0; i < 400000; i++) {
    double x, y;
    switch (i % 4) {
      case 0:
        x = rng_uniform(&seed, -2e7, 2e7);
        y = rng_uniform(&seed, -2e7, 2e7);
        break;
      case 1: /* exact multiples of 125 m */
        x = 125.0 * (double)((int64_t)(rng_next(&seed) % 320000) - 160000);
        y = 125.0 * (double)((int64_t)(rng_next(&seed) % 320000) - 160000);
        break;
      case 2: /* a double either side of a kilometre line */
        x = nextafter(1000.0 * (double)((int64_t)(rng_next(&seed) % 40000) - 20000),
                      (rng_next(&seed) & 1) ? INFINITY : -INFINITY);
        y = nextafter(1000.0 * (double)((int64_t)(rng_next(&seed) % 40000) - 20000),
                      (rng_next(&seed) & 1) ? INFINITY : -INFINITY);
        break;
      default: /* small, around the origin */
        x = rng_uniform(&seed, -3000.0, 3000.0);
        y = rng_uniform(&seed, -3000.0, 3000.0);
        break;
    }
    uint64_t c = gp_grid_cell_of(g, x, y);
    uint32_t ix, iy, kx, ky;
    gp_morton_decode(c, &ix, &iy);
    assert_int_equal((int64_t)ix - INT64_C(2147483648), (int64_t)floor(x / 125.0));
    assert_int_equal((int64_t)iy - INT64_C(2147483648), (int64_t)floor(y / 125.0));
    gp_morton_decode(c >> 6, &kx, &ky);
    assert_int_equal((int64_t)kx - (INT64_C(1) << 28), (int64_t)floor(x / 1000.0));
    assert_int_equal((int64_t)ky - (INT64_C(1) << 28), (int64_t)floor(y / 1000.0));
  }
  /* Fixed points: the origin's cell, the cell just below it, NaN, clamping. */
  assert_int_equal(gp_grid_cell_of(g, 0.0, 0.0), gp_morton_encode(0x80000000u, 0x80000000u));
  assert_int_equal(gp_grid_cell_of(g, -0.001, -0.001),
                   gp_morton_encode(0x7FFFFFFFu, 0x7FFFFFFFu));
  assert_int_equal(gp_grid_cell_of(g, 124.999, 125.0),
                   gp_morton_encode(0x80000000u, 0x80000001u));
  assert_int_equal(gp_grid_cell_of(g, NAN, 5.0), 0);
  assert_int_equal(gp_grid_cell_of(g, 5.0, NAN), 0);
  assert_int_equal(gp_grid_cell_of(g, -INFINITY, -1e300), 0);
  assert_int_equal(gp_grid_cell_of(g, INFINITY, 1e300), UINT64_MAX);
  gp_grid_free(g);
}

static void test_cell_bounds(void **state) {
  (void)state;
  gp_grid *g = grid_or_die(32650, 125.0);
  uint64_t seed = 4;
  double x0, y0, x1, y1;
  gp_grid_cell_bounds(g, gp_grid_cell_of(g, 624746.9, 3757432.9), 0, &x0, &y0, &x1, &y1);
  assert_true(x0 == 624625.0 && x1 == 624750.0 && y0 == 3757375.0 && y1 == 3757500.0);
  gp_grid_cell_bounds(g, gp_grid_cell_of(g, 624746.9, 3757432.9) >> 6, 3, &x0, &y0, &x1, &y1);
  assert_true(x0 == 624000.0 && x1 == 625000.0 && y0 == 3757000.0 && y1 == 3758000.0);
  gp_grid_cell_bounds(g, gp_grid_cell_of(g, -1.0, -1.0), 0, &x0, &y0, &x1, &y1);
  assert_true(x0 == -125.0 && x1 == 0.0 && y0 == -125.0 && y1 == 0.0);
  gp_grid_cell_bounds(g, 0, 31, &x0, &y0, &x1, &y1); /* level 31: a quarter of the grid */
  assert_true(x0 == -2147483648.0 * 125.0 && x1 == 0.0 && y1 == 0.0);
  for (int i = 0; i < 100000; i++) {
    double x = rng_uniform(&seed, -1e7, 1e7), y = rng_uniform(&seed, -1e7, 1e7);
    int l = (int)(rng_next(&seed) % 20);
    uint64_t c = gp_grid_cell_of(g, x, y) >> (2 * l);
    gp_grid_cell_bounds(g, c, l, &x0, &y0, &x1, &y1);
    assert_true(x0 <= x && x < x1 && y0 <= y && y < y1);
    assert_true(x1 - x0 == 125.0 * (double)(1 << l) && y1 - y0 == x1 - x0);
  }
  gp_grid_free(g);
}

/* A cell's square in WGS84 (GeoJSON output of cell(size)): its corners against PROJ's command
 * line tool, independent of this code path:
 *   printf '620000 3750000\n622000 3750000\n...' | \
 *     cs2cs -f %.9f EPSG:32650 +to +proj=longlat +datum=WGS84
 * Cell (310, 1875) of 2 km (level 4 of 125 m) spans x 620000..622000, y 3750000..3752000;
 * cell (330, 4691) of 1 km in EPSG:32619 (Boston) and a negative index for the signs. */
static void test_cell_ring_ll(void **state) {
  (void)state;
  static const struct {
    int epsg, level;
    int64_t cx, cy;
    double lon[4], lat[4]; /* SW, SE, NE, NW */
  } cases[] = {
      {32650, 4, 310, 1875,
       {118.297624266, 118.319246357, 118.319524082, 118.297897444},
       {33.883531863, 33.883302231, 33.901335590, 33.901565378}},
      {32650, 3, 624, 3757,
       {118.341857260, 118.352676056, 118.352818742, 118.341998806},
       {33.946184769, 33.946066354, 33.955082826, 33.955201280}},
      {32619, 3, 330, 4691,
       {-71.064098720, -71.051964543, -71.052257504, -71.064393411},
       {42.352693440, 42.352911330, 42.361911647, 42.361693689}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    gp_grid *g = grid_or_die(cases[i].epsg, 125.0);
    gp_err err = {0};
    double lon[5], lat[5];
    assert_int_equal(gp_grid_cell_ring_ll(g, cases[i].cx, cases[i].cy, cases[i].level, lon, lat,
                                          &err), GP_OK);
    for (int k = 0; k < 4; k++) {
      assert_near(lon[k], cases[i].lon[k], 1e-9);
      assert_near(lat[k], cases[i].lat[k], 1e-9);
    }
    assert_true(lon[4] == lon[0] && lat[4] == lat[0]); /* closed */
    /* counterclockwise (RFC 7946 exterior ring): positive shoelace area in lon/lat */
    double a2 = 0;
    for (int k = 0; k < 4; k++) a2 += lon[k] * lat[k + 1] - lon[k + 1] * lat[k];
    assert_true(a2 > 0);
    gp_grid_free(g);
  }
  /* the corners are the cell's bounds: invert then project back lands on them */
  gp_grid *g = grid_or_die(32650, 125.0);
  gp_err err = {0};
  double lon[5], lat[5], x[5], y[5];
  assert_int_equal(gp_grid_cell_ring_ll(g, -3, 7, 0, lon, lat, &err), GP_OK);
  assert_int_equal(gp_grid_project(g, lon, lat, 5, x, y, &err), GP_OK);
  assert_near(x[0], -375.0, 1e-6);
  assert_near(y[0], 875.0, 1e-6);
  assert_near(x[2], -250.0, 1e-6);
  assert_near(y[2], 1000.0, 1e-6);
  assert_int_equal(gp_grid_cell_ring_ll(g, 0, 0, 32, lon, lat, &err), GP_INVALID);
  gp_grid_free(g);
}

/* ---- covers ---------------------------------------------------------------------------- */

static int range_holds(const gp_cell_range *r, size_t n, uint64_t code) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (r[mid].hi <= code)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < n && r[lo].lo <= code;
}

static void assert_ranges_ok(const gp_cell_range *r, size_t n, size_t max) {
  assert_true(n >= 1 && n <= max);
  for (size_t i = 0; i < n; i++) {
    assert_true(r[i].lo < r[i].hi);
    if (i + 1 < n) assert_true(r[i].hi < r[i + 1].lo); /* sorted, disjoint, not adjacent */
  }
}

/* The worked example in grid.c, once with cell 0 at the grid's corner and once at the CRS
 * origin (2^31 is a multiple of 4, so the same codes appear above 0xC000...). */
static void test_cover_example(void **state) {
  (void)state;
  gp_grid *g = grid_or_die(32650, 1.0);
  gp_err err = {0};
  gp_cell_range *r = NULL;
  size_t n = 0;
  const uint64_t bases[] = {0, UINT64_C(0xC000000000000000)};
  const double origins[] = {-2147483648.0, 0.0};
  for (int k = 0; k < 2; k++) {
    double o = origins[k];
    uint64_t b = bases[k];
    /* Cells x 1..2, y 0..1: any point of their union, edges included. */
    assert_int_equal(gp_grid_cover_rect(g, o + 1.0, o + 0.0, o + 2.5, o + 1.999, 100, &r, &n,
                                        &err),
                     GP_OK);
    assert_int_equal(n, 3);
    assert_true(r[0].lo == b + 1 && r[0].hi == b + 2);
    assert_true(r[1].lo == b + 3 && r[1].hi == b + 5);
    assert_true(r[2].lo == b + 6 && r[2].hi == b + 7);
    GP_FREE(r);
    assert_int_equal(gp_grid_cover_rect(g, o + 1.0, o + 0.0, o + 2.5, o + 1.999, 2, &r, &n,
                                        &err),
                     GP_OK);
    assert_int_equal(n, 2);
    assert_true(r[0].lo == b + 1 && r[0].hi == b + 5);
    assert_true(r[1].lo == b + 6 && r[1].hi == b + 7);
    GP_FREE(r);
    assert_int_equal(gp_grid_cover_rect(g, o + 1.0, o + 0.0, o + 2.5, o + 1.999, 1, &r, &n,
                                        &err),
                     GP_OK);
    assert_int_equal(n, 1);
    assert_true(r[0].lo == b + 1 && r[0].hi == b + 7);
    GP_FREE(r);
  }
  /* An aligned 8 x 8 block is one level-3 cell: one range of 64 codes. */
  assert_int_equal(gp_grid_cover_rect(g, 8.0, 16.0, 15.5, 23.9, 100, &r, &n, &err), GP_OK);
  assert_int_equal(n, 1);
  assert_true(r[0].lo == gp_grid_cell_of(g, 8.0, 16.0) && r[0].hi == r[0].lo + 64);
  GP_FREE(r);
  /* A point is one cell. */
  assert_int_equal(gp_grid_cover_rect(g, -5.5, 7.25, -5.5, 7.25, 1, &r, &n, &err), GP_OK);
  assert_int_equal(n, 1);
  assert_true(r[0].lo == gp_grid_cell_of(g, -5.5, 7.25) && r[0].hi == r[0].lo + 1);
  GP_FREE(r);
  /* Everything: the last code is left out (see level_range in grid.c). */
  assert_int_equal(
      gp_grid_cover_rect(g, -INFINITY, -INFINITY, INFINITY, INFINITY, 10, &r, &n, &err), GP_OK);
  assert_int_equal(n, 1);
  assert_true(r[0].lo == 0 && r[0].hi == UINT64_MAX);
  GP_FREE(r);
  gp_grid_free(g);
}

static void test_cover_errors(void **state) {
  (void)state;
  gp_grid *g = grid_or_die(32650, 125.0);
  static const struct {
    double x0, y0, x1, y1;
    size_t max;
  } cases[] = {
      {NAN, 0, 1, 1, 10}, {0, NAN, 1, 1, 10}, {0, 0, NAN, 1, 10}, {0, 0, 1, NAN, 10},
      {2, 0, 1, 1, 10},   {0, 2, 1, 1, 10},   {0, 0, 1, 1, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    gp_err err = {0};
    gp_cell_range *r = (gp_cell_range *)&r;
    size_t n = 7;
    assert_int_equal(gp_grid_cover_rect(g, cases[i].x0, cases[i].y0, cases[i].x1, cases[i].y1,
                                        cases[i].max, &r, &n, &err),
                     GP_INVALID);
    assert_null(r);
    assert_int_equal(n, 0);
  }
  /* Out of memory at every allocation of a cover that also coarsens: no leak. */
  long base = gp_alloc_live();
  for (long k = 1;; k++) {
    gp_err err = {0};
    gp_cell_range *r = NULL;
    size_t n = 0;
    gp_alloc_fail_after(k);
    gp_rc rc = gp_grid_cover_rect(g, -30000.3, -20000.7, 41000.1, 52000.9, 5, &r, &n, &err);
    gp_alloc_fail_after(0);
    if (rc == GP_OK) {
      assert_int_equal(n, 5);
      GP_FREE(r);
      assert_int_equal(gp_alloc_live(), base);
      assert_true(k > 3); /* the range array grew at least twice, then the coarsening */
      break;
    }
    assert_int_equal(rc, GP_NOMEM);
    assert_null(r);
    assert_int_equal(gp_alloc_live(), base);
  }
  gp_grid_free(g);
}

/* Reference coarsening, independent of grid.c's sort: repeatedly bridge the smallest gap
 * (the lowest one on ties) until at most max ranges remain. */
static size_t coarsen_naive(gp_cell_range *r, size_t n, size_t max) {
  while (n > max) {
    size_t best = 0;
    for (size_t i = 1; i + 1 < n; i++)
      if (r[i + 1].lo - r[i].hi < r[best + 1].lo - r[best].hi) best = i;
    r[best].hi = r[best + 1].hi;
    memmove(r + best + 1, r + best + 2, (n - best - 2) * sizeof *r);
    n--;
  }
  return n;
}

/* Random rectangles of every size from sub-cell to continental, across the origin: random
 * points inside (and on the edges and corners) must fall in a returned range; without
 * coarsening a small rectangle's cover is exactly its cells. */
static void test_cover_random(void **state) {
  (void)state;
  gp_grid *g = grid_or_die(32650, 125.0);
  uint64_t seed = 5;
  static const size_t maxes[] = {1, 2, 4, 16, 64, 1000, SIZE_MAX};
  static const double sizes[] = {10.0, 300.0, 2000.0, 20000.0, 300000.0, 8e6};
  for (int t = 0; t < 1500; t++) {
    gp_err err = {0};
    gp_cell_range *r = NULL;
    size_t n = 0, max = maxes[t % 7];
    double sz = sizes[(t / 7) % 6];
    double x0 = rng_uniform(&seed, -1e6, 1e6), y0 = rng_uniform(&seed, -1e6, 1e6);
    double x1 = x0 + rng_uniform(&seed, 0, sz), y1 = y0 + rng_uniform(&seed, 0, sz);
    if (t % 5 == 0) { /* straddle x = 0, where the top index bit flips */
      double w = x1 - x0;
      x0 = -w / 3;
      x1 = x0 + w;
    }
    assert_int_equal(gp_grid_cover_rect(g, x0, y0, x1, y1, max, &r, &n, &err), GP_OK);
    assert_ranges_ok(r, n, max);
    const double corners[4][2] = {{x0, y0}, {x1, y0}, {x0, y1}, {x1, y1}};
    for (int c = 0; c < 4; c++)
      assert_true(range_holds(r, n, gp_grid_cell_of(g, corners[c][0], corners[c][1])));
    for (int p = 0; p < 300; p++) {
      double x = rng_uniform(&seed, x0, x1), y = rng_uniform(&seed, y0, y1);
      if (p % 3 == 0) x = (p & 1) ? x0 : x1; /* on an edge */
      assert_true(range_holds(r, n, gp_grid_cell_of(g, x, y)));
    }
    if (max != SIZE_MAX && sz <= 20000.0) {
      /* Small enough that the descent reaches level 0 whatever max is: coarsening the exact
       * cover by hand must give the same ranges. */
      gp_cell_range *exact = NULL;
      size_t ne = 0;
      assert_int_equal(gp_grid_cover_rect(g, x0, y0, x1, y1, SIZE_MAX, &exact, &ne, &err),
                       GP_OK);
      ne = coarsen_naive(exact, ne, max);
      assert_int_equal(ne, n);
      assert_memory_equal(exact, r, n * sizeof *r);
      GP_FREE(exact);
    }
    if (max == SIZE_MAX && sz <= 20000.0) {
      /* Small enough not to hit the descent budget: exactly the box's cells. */
      uint64_t total = 0, w = (uint64_t)(floor(x1 / 125.0) - floor(x0 / 125.0) + 1),
               h = (uint64_t)(floor(y1 / 125.0) - floor(y0 / 125.0) + 1);
      for (size_t i = 0; i < n; i++) total += r[i].hi - r[i].lo;
      assert_int_equal(total, w * h);
    }
    GP_FREE(r);
  }
  gp_grid_free(g);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_utm_epsg),          cmocka_unit_test(test_new_errors),
      cmocka_unit_test(test_new_oom),           cmocka_unit_test(test_project_reference),
      cmocka_unit_test(test_project_roundtrip), cmocka_unit_test(test_project_nan),
      cmocka_unit_test(test_project_throughput), cmocka_unit_test(test_project_threads),
      cmocka_unit_test(test_morton),            cmocka_unit_test(test_morton_prefix),
      cmocka_unit_test(test_cell_of_km),        cmocka_unit_test(test_cell_bounds),
      cmocka_unit_test(test_cell_ring_ll),
      cmocka_unit_test(test_cover_example),     cmocka_unit_test(test_cover_errors),
      cmocka_unit_test(test_cover_random),
  };
  return cmocka_run_group_tests_name("grid", tests, NULL, NULL);
}
