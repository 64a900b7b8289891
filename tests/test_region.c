/* test_region.c - engine/region.c: GeoJSON and CSV-WKT reading (holes, multipolygons, ids,
 * parents, properties, invalid input with its reason, make_valid, reprojection), the stored
 * form and the catalog surviving a reopen, coverings against per-point GEOS tests, region
 * assignment against testing every region on random points including edges and vertices, and
 * great-circle distances. Coordinates are metres in EPSG:32650 unless a test reprojects. */
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

#include <time.h>

#include "gp_region.h"
#include "gp_db.h"
#include "gp_query.h"
#include "gp_text.h"

#define EPSG 32650

/* A 1 km square with a 200 m square hole, a two-part MultiPolygon beside it, and a triangle
 * sharing the square's east edge. */
static const char *k_fc =
    "{\"type\":\"FeatureCollection\",\"features\":["
    "{\"type\":\"Feature\",\"id\":\"sq\",\"properties\":{\"name\":\"Square\",\"up\":\"D1\"},"
    "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":["
    "[[500000,4000000],[501000,4000000],[501000,4001000],[500000,4001000],[500000,4000000]],"
    "[[500400,4000400],[500600,4000400],[500600,4000600],[500400,4000600],[500400,4000400]]]}},"
    "{\"type\":\"Feature\",\"id\":7,\"properties\":{\"name\":\"Two\",\"up\":\"D1\"},"
    "\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":["
    "[[[502000,4000000],[502500,4000000],[502500,4000500],[502000,4000000]]],"
    "[[[503000,4000000],[503300,4000000],[503300,4000300],[503000,4000300],[503000,4000000]]]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"name\":\"Tri\"},"
    "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":["
    "[[501000,4000000],[501800,4000500],[501000,4001000],[501000,4000000]]]}}]}";

static gp_region_layer *read_text(const char *text, const gp_region_opts *o) {
  gp_region_layer *l = NULL;
  gp_err err = {0};
  if (gp_region_layer_read("t", NULL, text, strlen(text), o, EPSG, &l, &err) != GP_OK)
    fail_msg("read: %s", err.msg);
  return l;
}

static const gp_region_opts k_metric = {.src_epsg = EPSG};

static void test_geojson(void **state) {
  (void)state;
  gp_region_opts o = k_metric;
  o.parent_col = "up";
  gp_region_layer *l = read_text(k_fc, &o);
  assert_int_equal(gp_region_count(l), 3);
  assert_string_equal(gp_region_id(l, 0), "sq");
  assert_string_equal(gp_region_id(l, 1), "7");
  assert_string_equal(gp_region_id(l, 2), "3"); /* no id: the ordinal */
  assert_string_equal(gp_region_parent(l, 0), "D1");
  assert_string_equal(gp_region_parent(l, 2), "");
  assert_string_equal(gp_region_props(l, 0), "{\"name\":\"Square\",\"up\":\"D1\"}");
  assert_true(fabs(gp_region_area(l, 0) - (1e6 - 4e4)) < 1e-6);
  assert_true(fabs(gp_region_area(l, 1) - (125000 + 90000)) < 1e-6);
  assert_int_equal(gp_region_find(l, "7", 1), 1);
  assert_int_equal(gp_region_find(l, "sq", 2), 0);
  assert_int_equal(gp_region_find(l, "nope", 4), -1);
  double x0, y0, x1, y1;
  gp_region_bbox(l, 1, &x0, &y0, &x1, &y1);
  assert_true(x0 == 502000 && y0 == 4000000 && x1 == 503300 && y1 == 4000500);

  gp_region_tls *t;
  gp_err err = {0};
  assert_int_equal(gp_region_tls_new(l, &t, &err), GP_OK);
  assert_true(gp_region_covers(t, 0, 500100, 4000100, NAN, NAN));
  assert_false(gp_region_covers(t, 0, 500500, 4000500, NAN, NAN)); /* in the hole */
  assert_true(gp_region_covers(t, 0, 500400, 4000500, NAN, NAN));  /* on the hole's edge */
  assert_true(gp_region_covers(t, 0, 500000, 4000000, NAN, NAN));  /* a vertex */
  assert_true(gp_region_covers(t, 1, 503100, 4000100, NAN, NAN));  /* second part */
  assert_false(gp_region_covers(t, 1, 502800, 4000100, NAN, NAN)); /* between the parts */
  gp_region_tls_free(t);
  gp_region_layer_free(l);
}

static void test_reproject(void **state) {
  (void)state;
  /* A WGS84 square of 0.01 degrees near 117E 34N (UTM 50N) becomes ~924 m x 1109 m. */
  const char *s = "{\"type\":\"Polygon\",\"coordinates\":[[[117,34],[117.01,34],[117.01,34.01],"
                  "[117,34.01],[117,34]]]}";
  gp_region_layer *l = read_text(s, NULL);
  gp_grid *g;
  gp_err err = {0};
  assert_int_equal(gp_grid_new(EPSG, 125, &g, &err), GP_OK);
  double lon[2] = {117, 117.01}, lat[2] = {34, 34.01}, x[2], y[2];
  assert_int_equal(gp_grid_project(g, lon, lat, 2, x, y, &err), GP_OK);
  double x0, y0, x1, y1;
  gp_region_bbox(l, 0, &x0, &y0, &x1, &y1);
  assert_true(fabs(x0 - x[0]) < 1 && fabs(y0 - y[0]) < 1e-3 * 0 + 1);
  assert_true(fabs(y1 - y[1]) < 1);
  assert_true(gp_region_area(l, 0) > 0.99e6 && gp_region_area(l, 0) < 1.05e6);
  gp_grid_free(g);
  gp_region_layer_free(l);
}

static void test_csv_wkt(void **state) {
  (void)state;
  const char *csv = "region_id,name,wkt,parent\n"
                    "g1,\"North, upper\",\"POLYGON((0 0,10 0,10 10,0 10,0 0))\",d1\n"
                    "g2,South,\"MULTIPOLYGON(((20 0,30 0,30 10,20 0)),((40 0,50 0,50 5,40 0)))\",d1\n";
  gp_region_opts o = {.src_epsg = EPSG, .id_col = "region_id", .parent_col = "parent"};
  gp_region_layer *l = read_text(csv, &o);
  assert_int_equal(gp_region_count(l), 2);
  assert_string_equal(gp_region_id(l, 1), "g2");
  assert_string_equal(gp_region_parent(l, 1), "d1");
  assert_string_equal(gp_region_props(l, 0), "{\"name\":\"North, upper\",\"parent\":\"d1\"}");
  assert_true(fabs(gp_region_area(l, 1) - 75) < 1e-9);
  gp_region_layer_free(l);
}

/* Bad input: each must fail with the code and a message naming the feature and reason. */
static void test_bad_input(void **state) {
  (void)state;
  static const struct {
    const char *text;
    bool make_valid;
    gp_rc rc;
    const char *msg;
  } cases[] = {
      {"{\"type\":\"FeatureCollection\",\"features\":[", false, GP_PARSE, "<text>:1:"},
      {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1]]]}", false, GP_PARSE,
       "feature 1 (id '1'): a ring is not closed"},
      {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[0,0]]]}", false, GP_PARSE,
       "fewer than 4 positions"},
      {"{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{},"
       "\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[0,0],[1,1]]}}]}",
       false, GP_PARSE, "not a Polygon or MultiPolygon"},
      {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[\"a\",0],[1,1],[0,0]]]}", false, GP_PARSE,
       "a position is not an array of two numbers"},
      /* a bow tie */
      {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[10,10],[10,0],[0,10],[0,0]]]}", false,
       GP_GEOM, "feature 1 (id '1'): invalid polygon: Self-intersection"},
      {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[10,10],[10,0],[0,10],[0,0]]]}", true,
       GP_OK, ""},
      /* coordinates no CRS can mean (GEOS leaked repairing them: found by the fuzzer) */
      {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1e308,1],[1,0],[1e308,1],[0,0]]]}",
       true, GP_GEOM, "feature 1 (id '1'): coordinates out of range for a projected CRS"},
      {"id,wkt\na,\"POLYGON((0 0,1e9 0,1 1,0 0))\"\n", false, GP_GEOM, "coordinates out of range"},
      {"id,wkt\na,\"POLYGON((0 0,1 0,1 1\"\n", false, GP_PARSE, "<text>:2: feature 1 (id 'a'): "
       "bad WKT"},
      {"id,wkt\na,\"POINT(1 1)\"\n", false, GP_PARSE, "not a Polygon"},
      {"id,shape\na,\"POINT(1 1)\"\n", false, GP_PARSE, "no WKT column"},
      {"id,wkt\na,\"POLYGON((0 0,1 0,1 1,0 0))\"\na,\"POLYGON((0 0,1 0,1 1,0 0))\"\n", false,
       GP_INVALID, "same id 'a'"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    gp_region_opts o = {.src_epsg = EPSG, .make_valid = cases[i].make_valid};
    gp_region_layer *l = NULL;
    gp_err err = {0};
    gp_rc rc = gp_region_layer_read("t", NULL, cases[i].text, strlen(cases[i].text), &o, EPSG, &l,
                                    &err);
    if (rc != cases[i].rc || !strstr(err.msg, cases[i].msg))
      fail_msg("case %zu: rc %d msg '%s'", i, rc, err.msg);
    if (rc == GP_OK) {
      /* the repaired bow tie: two triangles of 25 m2 each */
      assert_true(fabs(gp_region_area(l, 0) - 50) < 1e-9);
    }
    gp_region_layer_free(l);
  }
}

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *f) {
  (void)st, (void)flag, (void)f;
  return remove(p);
}

static void test_persist(void **state) {
  (void)state;
  gp_region_layer *l = read_text(k_fc, &k_metric), *back = NULL;
  gp_buf b = {0};
  gp_err err = {0};
  assert_int_equal(gp_region_layer_encode(l, &b, &err), GP_OK);
  assert_int_equal(gp_region_layer_decode("t", b.p, b.len, &back, &err), GP_OK);
  assert_int_equal(gp_region_count(back), 3);
  for (size_t i = 0; i < 3; i++) {
    size_t n1, n2;
    const uint8_t *w1 = gp_region_wkb(l, i, &n1), *w2 = gp_region_wkb(back, i, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(w1, w2, n1);
    assert_string_equal(gp_region_props(l, i), gp_region_props(back, i));
    assert_true(gp_region_area(l, i) == gp_region_area(back, i));
  }
  gp_region_layer_free(back);
  /* truncated bytes are refused, never read past */
  for (size_t cut = 0; cut < b.len; cut += 7) {
    back = NULL;
    gp_err e2 = {0};
    assert_int_equal(gp_region_layer_decode("t", b.p, cut, &back, &e2), GP_CORRUPT);
    assert_null(back);
  }
  gp_buf_free(&b);

  /* the catalog survives a reopen; drop removes */
  char dir[512];
  const char *base = getenv("GP_TEST_TMP");
  if (!base || !*base) base = "/tmp";
  mkdir(base, 0755);
  snprintf(dir, sizeof dir, "%s/region-XXXXXX", base);
  assert_non_null(mkdtemp(dir));
  gp_store_opts so = {dir, true, false};
  gp_store *s;
  gp_region_cat *c;
  assert_int_equal(gp_store_open(&so, &s, &err), GP_OK);
  assert_int_equal(gp_region_cat_open(s, &c, &err), GP_OK);
  assert_int_equal(gp_region_cat_count(c), 0);
  assert_int_equal(gp_region_cat_add(c, s, l, &err), GP_OK);
  gp_region_layer *dup = read_text(k_fc, &k_metric);
  assert_int_equal(gp_region_cat_add(c, s, dup, &err), GP_EXISTS);
  gp_region_cat_free(c);
  gp_store_close(s);
  assert_int_equal(gp_store_open(&so, &s, &err), GP_OK);
  assert_int_equal(gp_region_cat_open(s, &c, &err), GP_OK);
  assert_int_equal(gp_region_cat_count(c), 1);
  const gp_region_layer *r = gp_region_cat_find(c, "t");
  assert_non_null(r);
  assert_int_equal(gp_region_layer_epsg(r), EPSG);
  assert_string_equal(gp_region_id(r, 0), "sq");
  err = (gp_err){0};
  assert_int_equal(gp_region_cat_drop(c, s, "nope", &err), GP_NOTFOUND);
  err = (gp_err){0};
  assert_int_equal(gp_region_cat_drop(c, s, "t", &err), GP_OK);
  gp_region_cat_free(c);
  gp_store_close(s);
  assert_int_equal(gp_store_open(&so, &s, &err), GP_OK);
  assert_int_equal(gp_region_cat_open(s, &c, &err), GP_OK);
  assert_int_equal(gp_region_cat_count(c), 0);
  gp_region_cat_free(c);
  gp_store_close(s);
  nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static bool in_ranges(const gp_cell_range *r, size_t n, uint64_t c) {
  for (size_t i = 0; i < n; i++)
    if (c >= r[i].lo && c < r[i].hi) return true;
  return false;
}

static void check_sorted(const gp_cell_range *r, size_t n) {
  for (size_t i = 0; i < n; i++) {
    assert_true(r[i].lo < r[i].hi);
    if (i) assert_true(r[i - 1].hi <= r[i].lo);
  }
}

static uint64_t rng_next(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}
static double rng_unit(uint64_t *s) { return (double)(rng_next(s) >> 11) / 9007199254740992.0; }

/* Random points in [x0,x1]x[y0,y1], one in four snapped to a 100 m lattice so that many fall
 * exactly on edges and vertices of the test polygons (all on multiples of 100 m). */
static void rand_pt(uint64_t *s, double x0, double y0, double x1, double y1, double *x,
                    double *y) {
  *x = x0 + (x1 - x0) * rng_unit(s);
  *y = y0 + (y1 - y0) * rng_unit(s);
  if (rng_next(s) % 4 == 0) {
    *x = round(*x / 100) * 100;
    *y = round(*y / 100) * 100;
  }
}

static void test_cover(void **state) {
  (void)state;
  gp_region_layer *l = read_text(k_fc, &k_metric);
  gp_grid *g;
  gp_region_tls *t;
  gp_err err = {0};
  assert_int_equal(gp_grid_new(EPSG, 25, &g, &err), GP_OK);
  assert_int_equal(gp_region_tls_new(l, &t, &err), GP_OK);
  uint64_t seed = 42;
  for (size_t ri = 0; ri < gp_region_count(l); ri++)
    for (int level = 0; level <= 3; level++) {
      gp_cell_range *in, *bd;
      size_t nin, nbd;
      assert_int_equal(gp_region_cover(l, ri, g, level, NULL, &in, &nin, &bd, &nbd, &err), GP_OK);
      check_sorted(in, nin);
      check_sorted(bd, nbd);
      assert_true(nin + nbd > 0);
      double x0, y0, x1, y1;
      gp_region_bbox(l, ri, &x0, &y0, &x1, &y1);
      size_t ninside_pts = 0;
      for (int k = 0; k < 20000; k++) {
        double x, y;
        rand_pt(&seed, x0 - 200, y0 - 200, x1 + 200, y1 + 200, &x, &y);
        uint64_t c = gp_grid_cell_of(g, x, y);
        bool cov = gp_region_covers(t, ri, x, y, NAN, NAN), i1 = in_ranges(in, nin, c),
             b1 = in_ranges(bd, nbd, c);
        assert_false(i1 && b1);
        if (cov) assert_true(i1 || b1);  /* nothing covered is missed */
        if (i1) assert_true(cov), ninside_pts++; /* inside cells need no test */
      }
      assert_true(ninside_pts > 0);
      GP_FREE(in);
      GP_FREE(bd);
    }
  gp_region_tls_free(t);
  gp_grid_free(g);
  gp_region_layer_free(l);
}

/* Assignment through the index equals the first region (in layer order) GEOS says covers the
 * point; a 3 x 3 tiling shares edges and vertices, and an overlapping square covers two tiles. */
static void test_assign(void **state) {
  (void)state;
  gp_buf csv = {0};
  const char *hdr = "id,wkt\n";
  gp_buf_put(&csv, hdr, strlen(hdr));
  for (int j = 0; j < 3; j++)
    for (int i = 0; i < 3; i++) {
      char line[200];
      double x = 500000 + i * 700, y = 4000000 + j * 500;
      snprintf(line, sizeof line, "t%d%d,\"POLYGON((%.0f %.0f,%.0f %.0f,%.0f %.0f,%.0f %.0f,%.0f "
               "%.0f))\"\n", i, j, x, y, x + 700, y, x + 700, y + 500, x, y + 500, x, y);
      gp_buf_put(&csv, line, strlen(line));
    }
  const char *extra = "ov,\"POLYGON((500300 4000200,501600 4000200,501600 4000800,500300 "
                      "4000800,500300 4000200))\"\n"
                      "tri,\"POLYGON((503000 4000000,504000 4000000,503000 4001000,503000 "
                      "4000000))\"\n";
  gp_buf_put(&csv, extra, strlen(extra) + 1);
  gp_region_layer *l = read_text((const char *)csv.p, &k_metric);
  gp_buf_free(&csv);
  gp_grid *g;
  gp_region_tls *t;
  gp_region_index *ix;
  gp_err err = {0};
  assert_int_equal(gp_grid_new(EPSG, 25, &g, &err), GP_OK);
  assert_int_equal(gp_region_tls_new(l, &t, &err), GP_OK);
  assert_int_equal(gp_region_index_new(l, g, NULL, 0, NULL, &ix, &err), GP_OK);
  size_t nr;
  const gp_cell_range *rg = gp_region_index_ranges(ix, &nr);
  check_sorted(rg, nr);
  uint64_t seed = 7;
  size_t hits[12] = {0}, none = 0;
  for (int k = 0; k < 100000; k++) {
    double x, y;
    rand_pt(&seed, 499800, 3999800, 504200, 4001700, &x, &y);
    long want = -1;
    for (size_t r = 0; r < gp_region_count(l) && want < 0; r++)
      if (gp_region_covers(t, r, x, y, NAN, NAN)) want = (long)r;
    uint64_t c = gp_grid_cell_of(g, x, y);
    long got = gp_region_locate(ix, t, c, x, y, NAN, NAN);
    if (got != want) fail_msg("point %.3f %.3f: got %ld want %ld", x, y, got, want);
    if (want >= 0) assert_true(in_ranges(rg, nr, c)), hits[want]++;
    else none++;
  }
  /* ov lies over lower tiles, so it never wins; every other region does */
  for (size_t r = 0; r < gp_region_count(l); r++) assert_true(r == 9 ? hits[r] == 0 : hits[r] > 0);
  assert_true(none > 0);
  /* a shared vertex of four tiles goes to the lowest: t00 (ordinal 0) */
  assert_int_equal(
      gp_region_locate(ix, t, gp_grid_cell_of(g, 500700, 4000500), 500700, 4000500, NAN, NAN), 0);
  assert_int_equal(gp_region_locate(ix, t, 0, NAN, 4000000, NAN, NAN), -1);
  gp_region_index_free(ix);

  /* a selection: only ov (ordinal 9) */
  uint32_t sel[1] = {9};
  assert_int_equal(gp_region_index_new(l, g, sel, 1, NULL, &ix, &err), GP_OK);
  assert_int_equal(
      gp_region_locate(ix, t, gp_grid_cell_of(g, 500500, 4000500), 500500, 4000500, NAN, NAN), 9);
  assert_int_equal(
      gp_region_locate(ix, t, gp_grid_cell_of(g, 500100, 4000100), 500100, 4000100, NAN, NAN), -1);
  gp_region_index_free(ix);
  gp_region_tls_free(t);
  gp_grid_free(g);
  gp_region_layer_free(l);
}

static void test_sphere(void **state) {
  (void)state;
  /* one degree of the equator = R * pi / 180 */
  assert_true(fabs(gp_region_sphere_m(0, 0, 1, 0) - 111195.07973436875) < 1e-6);
  assert_true(gp_region_sphere_m(116.4, 39.9, 116.4, 39.9) == 0);
  /* pole to pole */
  assert_true(fabs(gp_region_sphere_m(0, -90, 0, 90) - 6371008.771415 * M_PI) < 1e-3);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The real data: Boston's 26 neighbourhood polygons and 121,145 311 requests of 2015 (see
 * ../shared/datasets/real/SOURCES.md). Each request's neighbourhood through the cell index
 * must equal the first polygon a per-point GEOS test finds covering it. Skipped when the shared
 * folder is absent. */
static void test_boston(void **state) {
  (void)state;
  char gj[1024], csvp[1024];
  snprintf(gj, sizeof gj, "%s/datasets/real/boston_neighborhoods/Boston_Neighborhoods.geojson",
           GP_SHARED_DIR);
  snprintf(csvp, sizeof csvp, "%s/datasets/real/boston_311_2015/boston_311_2015.csv",
           GP_SHARED_DIR);
  FILE *f = fopen(csvp, "rb");
  if (!f || access(gj, R_OK) != 0) {
    if (f) fclose(f);
    skip();
  }
  gp_region_opts o = {.id_col = "Name"};
  gp_region_layer *l = NULL;
  gp_grid *g;
  gp_err err = {0};
  assert_int_equal(gp_grid_new(32619, 125, &g, &err), GP_OK);
  /* real dirt: one ring of Hyde Park touches itself; refused unless repair is asked for */
  assert_int_equal(gp_region_layer_read("hoods", gj, NULL, 0, &o, 32619, &l, &err), GP_GEOM);
  assert_non_null(strstr(err.msg, "feature 20 (id 'Hyde Park'): invalid polygon: Ring Self-intersection"));
  o.make_valid = true;
  err = (gp_err){0};
  double t0 = now_s();
  if (gp_region_layer_read("hoods", gj, NULL, 0, &o, 32619, &l, &err) != GP_OK)
    fail_msg("%s", err.msg);
  double t1 = now_s();
  assert_int_equal(gp_region_count(l), 26);
  assert_true(gp_region_find(l, "Roslindale", 10) >= 0);
  /* the requests' lon/lat: the last two fields, LATITUDE then LONGITUDE */
  size_t cap = 1 << 17, n = 0;
  double *lon = malloc(cap * sizeof *lon), *lat = malloc(cap * sizeof *lat);
  char *line = NULL;
  size_t lcap = 0;
  gp_buf scratch = {0};
  gp_field fl[32];
  const char *why;
  size_t col;
  ssize_t len = getline(&line, &lcap, f); /* header */
  while ((len = getline(&line, &lcap, f)) > 0) {
    scratch.len = 0;
    int nf = gp_csv_split(line, line + len, ',', fl, 32, &scratch, &why, &col);
    if (nf != 19) continue;
    double la, lo;
    if (!gp_parse_double(fl[17].p, fl[17].len, &la) || !gp_parse_double(fl[18].p, fl[18].len, &lo))
      continue;
    if (n == cap) break;
    lat[n] = la, lon[n] = lo, n++;
  }
  free(line);
  fclose(f);
  gp_buf_free(&scratch);
  assert_true(n > 100000);
  double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
  assert_int_equal(gp_grid_project(g, lon, lat, n, x, y, &err), GP_OK);
  gp_region_index *ix;
  gp_region_tls *t;
  double t2 = now_s();
  assert_int_equal(gp_region_index_new(l, g, NULL, 0, NULL, &ix, &err), GP_OK);
  double t3 = now_s();
  assert_int_equal(gp_region_tls_new(l, &t, &err), GP_OK);
  long *got = malloc(n * sizeof *got);
  size_t tested = 0, assigned = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t c = gp_grid_cell_of(g, x[i], y[i]);
    tested += gp_region_index_cell(ix, c) == -2;
    got[i] = gp_region_locate(ix, t, c, x[i], y[i], lon[i], lat[i]);
    assigned += got[i] >= 0;
  }
  double t4 = now_s();
  size_t per[26] = {0};
  for (size_t i = 0; i < n; i++) {
    long want = -1;
    for (size_t r = 0; r < 26 && want < 0; r++)
      if (gp_region_covers(t, r, x[i], y[i], lon[i], lat[i])) want = (long)r;
    if (got[i] != want) fail_msg("request %zu (%f %f): got %ld want %ld", i, lon[i], lat[i], got[i], want);
    if (want >= 0) per[want]++;
  }
  double t5 = now_s();
  /* nearly every request lies in some neighbourhood, and every neighbourhood has requests */
  assert_true(assigned > n * 95 / 100);
  size_t nonempty = 0;
  for (size_t r = 0; r < 26; r++) nonempty += per[r] > 0;
  assert_true(nonempty >= 20);
  printf("boston: %zu regions read in %.1f ms, index %.1f ms, %zu points located in %.1f ms "
         "(%zu tested exactly), brute force %.1f ms, %zu assigned\n", gp_region_count(l),
         (t1 - t0) * 1e3, (t3 - t2) * 1e3, n, (t4 - t3) * 1e3, tested, (t5 - t4) * 1e3, assigned);
  free(got);
  free(x);
  free(y);
  free(lon);
  free(lat);
  gp_region_tls_free(t);
  gp_region_index_free(ix);
  gp_grid_free(g);
  gp_region_layer_free(l);
}

/* ---- dwithin and nearest through SQL, against brute force ---- */

typedef struct cap {
  gp_buf out; /* every cell of every result row, "a,b\n" */
} cap;

static gp_rc cap_fn(void *ctx, const gp_result *r, gp_err *err) {
  (void)err;
  cap *c = ctx;
  for (size_t i = 0; i < gp_result_rows(r); i++)
    for (int k = 0; k < gp_result_cols(r); k++) {
      size_t n;
      const char *v = gp_result_cell(r, i, k, &n);
      if (v) gp_buf_put(&c->out, v, n);
      gp_buf_put(&c->out, k + 1 < gp_result_cols(r) ? "," : "\n", 1);
    }
  return GP_OK;
}

static char *run_sql(gp_session *s, const char *sql) {
  cap c = {{0}};
  gp_err err = {0};
  if (gp_session_exec(s, sql, strlen(sql), cap_fn, &c, &err) != GP_OK)
    fail_msg("%s: %s", sql, err.msg);
  gp_buf_put(&c.out, "", 1);
  return (char *)c.out.p;
}

/* An independent great-circle distance: the spherical law of cosines in long double. */
static double gc_cos(double lon1, double lat1, double lon2, double lat2) {
  const long double rad = 3.14159265358979323846L / 180;
  long double c = sinl(lat1 * rad) * sinl(lat2 * rad) +
                  cosl(lat1 * rad) * cosl(lat2 * rad) * cosl((lon2 - lon1) * rad);
  if (c > 1) c = 1;
  return (double)(6371008.771415L * acosl(c));
}

static int cmp_dbl_id(const void *a, const void *b) {
  const double *x = a, *y = b;
  return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : (x[1] > y[1]) - (x[1] < y[1]);
}

static void test_sql_distance(void **state) {
  (void)state;
  char dir[512], csv[600];
  const char *base = getenv("GP_TEST_TMP");
  if (!base || !*base) base = "/tmp";
  mkdir(base, 0755);
  snprintf(dir, sizeof dir, "%s/regsql-XXXXXX", base);
  assert_non_null(mkdtemp(dir));
  snprintf(csv, sizeof csv, "%s/pts.csv", dir);
  enum { N = 3000 };
  static double lon[N], lat[N], x[N], y[N];
  uint64_t seed = 99;
  FILE *f = fopen(csv, "w");
  assert_non_null(f);
  fprintf(f, "id,ts,lon,lat\n");
  for (int i = 0; i < N; i++) {
    lon[i] = 118.30 + 0.1 * rng_unit(&seed);
    lat[i] = 33.88 + 0.1 * rng_unit(&seed);
    fprintf(f, "%d,2024-08-0%dT00:00:00Z,%.17g,%.17g\n", i, 1 + i % 9, lon[i], lat[i]);
  }
  fclose(f);
  char dbp[600];
  snprintf(dbp, sizeof dbp, "%s/db", dir);
  gp_db_opts o = {dbp, 32650, 125, false};
  gp_db *db;
  gp_session *s;
  gp_err err = {0};
  assert_int_equal(gp_db_open(&o, &db, &err), GP_OK);
  assert_int_equal(gp_session_new(db, &s, &err), GP_OK);
  char sql[1024];
  snprintf(sql, sizeof sql, "CREATE TABLE p (id INT KEY, ts TIMESTAMP, lon DOUBLE, lat DOUBLE) "
           "TIME ts LOCATION (lon, lat); COPY p FROM '%s' WITH (header true);", csv);
  free(run_sql(s, sql));
  assert_int_equal(gp_grid_project(gp_db_grid(db), lon, lat, N, x, y, &err), GP_OK);
  static const struct {
    double lon, lat, d;
  } q[] = {{118.35, 33.93, 500}, {118.35, 33.93, 2500}, {118.301, 33.881, 1000},
           {118.39, 33.97, 4000}, {118.2, 33.9, 9000}, {118.35, 33.93, 0}};
  for (size_t k = 0; k < sizeof q / sizeof *q; k++)
    for (int sphere = 0; sphere < 2; sphere++) {
      double cx, cy, clon = q[k].lon, clat = q[k].lat;
      assert_int_equal(gp_grid_project(gp_db_grid(db), &clon, &clat, 1, &cx, &cy, &err), GP_OK);
      long want = 0;
      for (int i = 0; i < N; i++) {
        double d = sphere ? gc_cos(lon[i], lat[i], q[k].lon, q[k].lat)
                          : hypot(x[i] - cx, y[i] - cy);
        want += d <= q[k].d;
      }
      snprintf(sql, sizeof sql, "SELECT count(*) FROM p WHERE dwithin(point(%.17g, %.17g), %g m%s);",
               q[k].lon, q[k].lat, q[k].d, sphere ? ", 'sphere'" : "");
      char *got = run_sql(s, sql);
      if (atol(got) != want) fail_msg("%s: got %s want %ld", sql, got, want);
      free(got);
    }
  /* nearest k against sorting every planar distance (ties broken by id in both) */
  static double dist[N][2];
  for (int c = 0; c < 3; c++) {
    double clon = 118.31 + 0.04 * c, clat = 33.9 + 0.03 * c, cx, cy;
    assert_int_equal(gp_grid_project(gp_db_grid(db), &clon, &clat, 1, &cx, &cy, &err), GP_OK);
    for (int i = 0; i < N; i++) dist[i][0] = hypot(x[i] - cx, y[i] - cy), dist[i][1] = i;
    qsort(dist, N, sizeof *dist, cmp_dbl_id);
    int kk = c == 2 ? 40 : 7;
    snprintf(sql, sizeof sql, "SELECT id FROM nearest(p, point(%.17g, %.17g), %d) ORDER BY distance, id;",
             118.31 + 0.04 * c, 33.9 + 0.03 * c, kk);
    char *got = run_sql(s, sql), *pp = got;
    for (int j = 0; j < kk; j++) {
      long id = strtol(pp, &pp, 10);
      if (id != (long)dist[j][1]) fail_msg("nearest %d: row %d is %ld, want %.0f", c, j, id, dist[j][1]);
      pp++;
    }
    assert_int_equal(*pp, 0);
    free(got);
  }
  gp_session_free(s);
  gp_db_close(db);
  nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* A layer read in WGS84 is tested in lon/lat: two triangles share a 43 km diagonal edge whose
 * UTM image bows several metres away from the projected chord. Points 0.05 m either side of
 * the lon/lat edge go to the triangle their side says, through covers, the assignment index,
 * a one-region selection and a stored-and-read-back copy; coverings stay conservative. */
static void test_lonlat_edge(void **state) {
  (void)state;
  const char *csv = "id,wkt\n"
                    "up,\"POLYGON((118.0 33.6, 118.3 33.9, 118.0 33.9, 118.0 33.6))\"\n"
                    "down,\"POLYGON((118.0 33.6, 118.3 33.6, 118.3 33.9, 118.0 33.6))\"\n";
  gp_region_opts o = {0};
  gp_region_layer *l = read_text(csv, &o), *back = NULL;
  gp_grid *g;
  gp_region_tls *t, *tb;
  gp_region_index *ix, *one;
  gp_err err = {0};
  size_t n;
  assert_non_null(gp_region_wkb_ll(l, 0, &n));
  assert_true(n > 0);
  /* the bow of the 43 km edge is ~25 m: the projected polygon alone would misplace these */
  assert_true(gp_region_margin(l, 0) > 10.0 && gp_region_margin(l, 0) < 100.0);
  gp_buf b = {0};
  assert_int_equal(gp_region_layer_encode(l, &b, &err), GP_OK);
  assert_int_equal(gp_region_layer_decode("t", b.p, b.len, &back, &err), GP_OK);
  gp_buf_free(&b);
  assert_true(gp_region_margin(back, 1) == gp_region_margin(l, 1));
  assert_int_equal(gp_grid_new(EPSG, 25, &g, &err), GP_OK);
  assert_int_equal(gp_region_tls_new(l, &t, &err), GP_OK);
  assert_int_equal(gp_region_tls_new(back, &tb, &err), GP_OK);
  assert_int_equal(gp_region_index_new(l, g, NULL, 0, NULL, &ix, &err), GP_OK);
  uint32_t sel[1] = {0};
  assert_int_equal(gp_region_index_new(back, g, sel, 1, NULL, &one, &err), GP_OK);
  const double dlat = 0.05 / 111000.0 * 1.42; /* 0.05 m across a 45 degree edge */
  for (int k = 1; k < 100; k++) {
    double f = k / 100.0;
    for (int side = 0; side < 2; side++) {
      double lon = 118.0 + 0.3 * f, lat = 33.6 + 0.3 * f + (side ? -dlat : dlat), x, y;
      assert_int_equal(gp_grid_project(g, &lon, &lat, 1, &x, &y, &err), GP_OK);
      uint64_t c = gp_grid_cell_of(g, x, y);
      long want = side; /* above the diagonal: up (0); below: down (1) */
      assert_int_equal(gp_region_covers(t, (size_t)want, x, y, lon, lat), true);
      assert_int_equal(gp_region_covers(t, (size_t)(1 - want), x, y, lon, lat), false);
      if (gp_region_locate(ix, t, c, x, y, lon, lat) != want)
        fail_msg("%.7f %.7f: got %ld want %ld", lon, lat,
                 gp_region_locate(ix, t, c, x, y, lon, lat), want);
      long in_one = gp_region_index_cell(one, c);
      if (in_one == -2) in_one = gp_region_locate(one, tb, c, x, y, lon, lat);
      assert_int_equal(in_one, side ? -1 : 0);
    }
  }
  /* conservative coverings: random points near the edge, tested in lon/lat */
  uint64_t seed = 3;
  for (size_t ri = 0; ri < 2; ri++) {
    gp_cell_range *in, *bd;
    size_t nin, nbd, nin_pts = 0;
    assert_int_equal(gp_region_cover(l, ri, g, 0, NULL, &in, &nin, &bd, &nbd, &err), GP_OK);
    for (int k = 0; k < 20000; k++) {
      double f = rng_unit(&seed), off = (rng_unit(&seed) - 0.5) * 6e-3; /* +-330 m */
      double lon = 118.0 + 0.3 * f, lat = 33.6 + 0.3 * f + off, x, y;
      assert_int_equal(gp_grid_project(g, &lon, &lat, 1, &x, &y, &err), GP_OK);
      uint64_t c = gp_grid_cell_of(g, x, y);
      bool cov = gp_region_covers(t, ri, x, y, lon, lat), i1 = in_ranges(in, nin, c),
           b1 = in_ranges(bd, nbd, c);
      if (cov) assert_true(i1 || b1);
      if (i1) assert_true(cov), nin_pts++;
    }
    assert_true(nin_pts > 0);
    GP_FREE(in);
    GP_FREE(bd);
  }
  gp_region_index_free(ix);
  gp_region_index_free(one);
  gp_region_tls_free(t);
  gp_region_tls_free(tb);
  gp_grid_free(g);
  gp_region_layer_free(l);
  gp_region_layer_free(back);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_geojson), cmocka_unit_test(test_reproject),
      cmocka_unit_test(test_csv_wkt), cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_persist), cmocka_unit_test(test_cover),
      cmocka_unit_test(test_assign),  cmocka_unit_test(test_sphere),
      cmocka_unit_test(test_boston), cmocka_unit_test(test_sql_distance),
      cmocka_unit_test(test_lonlat_edge),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
