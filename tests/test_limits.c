/* test_limits.c - hostile input and resource limits (issue 12): geometry nested deep enough to
 * overflow GEOS's recursive WKT reader, files that are not regular files (a FIFO would block,
 * /dev/zero never ends), growth that SET memory_limit must stop (count(DISTINCT) sets, region
 * files, cell coverings), and every allocation of a small query failed in turn. Each case
 * must end in a clear error, leave the session usable, and crash nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <omp.h>
#include <unistd.h>

#include "gp_db.h"
#include "gp_query.h"
#include "gp_region.h"

#define LIMIT_MSG                                                                           \
  "out of memory: the statement's intermediate results (groups, joins, subqueries, sorts) " \
  "need more than memory_limit (1 MB); narrow it or SET memory_limit"

typedef struct fixture {
  char dir[256];
  gp_db *db;
  gp_session *s;
  char text[4096]; /* the last result as csv, or the last error */
} fixture;

static gp_rc cap_fn(void *ctx, const gp_result *r, gp_err *err) {
  (void)err;
  fixture *f = ctx;
  size_t len = 0;
  f->text[0] = 0;
  if (gp_result_status(r) && gp_result_cols(r) == 0) {
    snprintf(f->text, sizeof f->text, "%s", gp_result_status(r));
    return GP_OK;
  }
  for (size_t i = 0; i < gp_result_rows(r); i++)
    for (int k = 0; k < gp_result_cols(r); k++) {
      size_t n;
      const char *s = gp_result_cell(r, i, k, &n);
      if (len + n + 8 >= sizeof f->text) return GP_OK; /* long results are not compared */
      len += (size_t)snprintf(f->text + len, sizeof f->text - len, "%.*s%s", s ? (int)n : 4,
                              s ? s : "NULL", k + 1 < gp_result_cols(r) ? "," : "\n");
    }
  return GP_OK;
}

static gp_rc exec(fixture *f, const char *sql, gp_err *err) {
  f->text[0] = 0;
  gp_rc rc = gp_session_exec(f->s, sql, strlen(sql), cap_fn, f, err);
  if (rc) snprintf(f->text, sizeof f->text, "%s", err->msg);
  return rc;
}

/* Runs sql, which must end with want; returns the result text or the error message. */
static const char *run(fixture *f, const char *sql, gp_rc want) {
  gp_err err = {0};
  gp_rc rc = exec(f, sql, &err);
  if (rc != want) fail_msg("%.200s -> %s (%s)", sql, gp_rc_str(rc), err.msg);
  return f->text;
}

/* A file in the fixture's folder; returns its path (static buffer per call site's slot). */
static const char *path_of(fixture *f, const char *name) {
  static char buf[4][512];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/%s", f->dir, name);
  return buf[k];
}

/* 3,000 rows on a 60 x 50 lattice around (118.35, 33.925), ids 0..2999, one a second. */
static int setup(void **st) {
  fixture *f = calloc(1, sizeof *f);
  const char *tmp = getenv("GP_TEST_TMP");
  if (!tmp) tmp = "/tmp";
  mkdir(tmp, 0755);
  snprintf(f->dir, sizeof f->dir, "%s/test_limits_%d", tmp, (int)getpid());
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", f->dir, f->dir);
  if (system(cmd) != 0) return -1;
  FILE *fp = fopen(path_of(f, "ev.csv"), "w");
  if (!fp) return -1;
  fprintf(fp, "id,ts,lon,lat,name\n");
  for (int i = 0; i < 3000; i++)
    fprintf(fp, "%d,2024-01-01 %02d:%02d:%02d,%.4f,%.4f,n%d\n", i, i / 3600, i / 60 % 60, i % 60,
            118.32 + 0.001 * (i % 60), 33.90 + 0.001 * (i / 60), i);
  fclose(fp);
  gp_db_opts o = {0};
  char db[300];
  snprintf(db, sizeof db, "%s/db", f->dir);
  o.path = db;
  gp_err err = {0};
  if (gp_db_open(&o, &f->db, &err) || gp_session_new(f->db, &f->s, &err)) return -1;
  *st = f;
  char sql[700];
  run(f,
      "CREATE TABLE ev (id INT, ts TIMESTAMP, lon DOUBLE, lat DOUBLE, name TEXT) TIME ts "
      "LOCATION (lon, lat)",
      GP_OK);
  snprintf(sql, sizeof sql, "COPY ev FROM '%s'", path_of(f, "ev.csv"));
  run(f, sql, GP_OK);
  return 0;
}

static int teardown(void **st) {
  fixture *f = *st;
  gp_session_free(f->s);
  gp_db_close(f->db);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
  if (system(cmd) != 0) return -1;
  free(f);
  return 0;
}

/* ---- nesting ---- */

/* depth x open, inner, depth x close: owned (free). */
static char *nested(const char *open, const char *inner, char close, int depth) {
  size_t no = strlen(open), ni = strlen(inner);
  char *s = malloc(no * (size_t)depth + ni + (size_t)depth + 1), *p = s;
  for (int k = 0; k < depth; k++, p += no) memcpy(p, open, no);
  memcpy(p, inner, ni);
  p += ni;
  memset(p, close, (size_t)depth);
  p[depth] = 0;
  return s;
}

/* 50,000 nested GEOMETRYCOLLECTION( overflowed the stack inside GEOS 3.11's WKT reader
 * (a segfault through within('...') and CREATE REGIONS); GeoJSON nested as deep is stopped
 * by jansson's own depth limit. Both must be a parse error naming the reason. */
static void test_nesting(void **st) {
  fixture *f = *st;
  gp_region_layer *l = NULL;
  gp_err err = {0};
  gp_region_opts o = {.fmt = GP_REGION_WKT_ONE};
  char *w = nested("GEOMETRYCOLLECTION(", "POINT(0 0)", ')', 50000);
  assert_int_equal(gp_region_layer_read("t", NULL, w, strlen(w), &o, 32650, &l, &err), GP_PARSE);
  assert_string_equal(err.msg, "bad WKT: nested deeper than 32 levels");
  assert_null(l);
  /* a CSV region file with the same WKT */
  FILE *fp = fopen(path_of(f, "deep.csv"), "w");
  fprintf(fp, "id,wkt\nx,\"%s\"\n", w);
  fclose(fp);
  char *sql = malloc(strlen(w) + 200);
  sprintf(sql, "CREATE REGIONS deep FROM '%s'", path_of(f, "deep.csv"));
  const char *m = run(f, sql, GP_PARSE);
  assert_non_null(strstr(m, "feature 1 (id 'x'): bad WKT: nested deeper than 32 levels"));
  /* and a polygon literal */
  sprintf(sql, "SELECT count(*) FROM ev WHERE within('%s')", w);
  m = run(f, sql, GP_PARSE);
  assert_non_null(strstr(m, "bad WKT: nested deeper than 32 levels"));
  free(w);
  /* GeoJSON: a polygon's coordinates nested 50,000 deep */
  w = nested("[", "", ']', 50000);
  sprintf(sql, "{\"type\":\"Polygon\",\"coordinates\":%s}", w);
  gp_err_clear(&err);
  o.fmt = GP_REGION_GEOJSON;
  assert_int_equal(gp_region_layer_read("t", NULL, sql, strlen(sql), &o, 32650, &l, &err),
                   GP_PARSE);
  assert_non_null(strstr(err.msg, "maximum parsing depth reached"));
  free(sql);
  free(w);
  /* the depth a MultiPolygon needs (3) still reads */
  const char *mp =
      "MULTIPOLYGON(((118.3305 33.9105,118.3395 33.9105,118.3395 33.9195,"
      "118.3305 33.9195,118.3305 33.9105)))";
  char q[300];
  snprintf(q, sizeof q, "SELECT count(*) FROM ev WHERE within('%s')", mp);
  assert_string_equal(run(f, q, GP_OK), "81\n"); /* 9 x 9 lattice points */
  assert_string_equal(run(f, "SELECT 1", GP_OK), "1\n");
}

/* ---- files that are not regular files ---- */

static void test_not_regular(void **st) {
  fixture *f = *st;
  char sql[700], want[600];
  const char *fifo = path_of(f, "fifo");
  unlink(fifo);
  assert_int_equal(mkfifo(fifo, 0600), 0);
  /* without O_NONBLOCK each of these waited for a writer forever */
  const char *paths[] = {fifo, "/dev/zero", f->dir};
  for (size_t k = 0; k < sizeof paths / sizeof *paths; k++) {
    snprintf(want, sizeof want, "\"%s\": not a regular file", paths[k]);
    snprintf(sql, sizeof sql, "CREATE REGIONS r FROM '%s'", paths[k]);
    assert_non_null(strstr(run(f, sql, GP_IO), want));
    snprintf(sql, sizeof sql, "COPY ev FROM '%s'", paths[k]);
    assert_non_null(strstr(run(f, sql, GP_IO), want));
  }
  gp_load_result lr = {0};
  gp_err err = {0};
  gp_load_opts lo = {0};
  assert_int_equal(gp_load_file(f->db, "ev", fifo, &lo, &lr, &err), GP_IO);
  snprintf(want, sizeof want, "\"%s\": not a regular file", fifo);
  assert_string_equal(err.msg, want);
  unlink(fifo);
  assert_string_equal(run(f, "SELECT count(*) FROM ev", GP_OK), "3000\n");
}

/* ---- memory_limit ---- */

/* A region file larger than the statement's limit is refused before it is read: a sparse
 * 64 MB file under 1 MB (a file of any size was read whole, /dev/zero until memory ran out). */
static void test_limit_region_file(void **st) {
  fixture *f = *st;
  const char *big = path_of(f, "big.csv");
  FILE *fp = fopen(big, "w");
  fputs("id,wkt\n", fp);
  fclose(fp);
  assert_int_equal(truncate(big, 64 << 20), 0);
  char sql[600];
  snprintf(sql, sizeof sql, "CREATE REGIONS big FROM '%s'", big);
  run(f, "SET memory_limit = '1 MB'", GP_OK);
  assert_string_equal(run(f, sql, GP_NOMEM), LIMIT_MSG);
  /* and so is a GeoJSON file whose jansson tree outgrows it (each [] is 100+ bytes) */
  const char *gj = path_of(f, "many.geojson");
  fp = fopen(gj, "w");
  fputs("{\"type\":\"Polygon\",\"coordinates\":[", fp);
  for (int k = 0; k < 100000; k++) fputs(k ? ",[]" : "[]", fp);
  fputs("]}", fp);
  fclose(fp);
  snprintf(sql, sizeof sql, "CREATE REGIONS many FROM '%s'", gj);
  assert_string_equal(run(f, sql, GP_NOMEM), LIMIT_MSG);
  run(f, "SET memory_limit = 'default'", GP_OK);
  assert_non_null(strstr(run(f, sql, GP_PARSE), "a ring has fewer than 4 positions"));
  unlink(big);
}

/* count(DISTINCT) sets grow with the distinct values: 657 MB went uncounted under 16 MB. */
static void test_limit_distinct(void **st) {
  fixture *f = *st;
  const char *q = "SELECT count(DISTINCT id), count(DISTINCT name), count(DISTINCT ts) FROM ev";
  run(f, "SET memory_limit = '1 MB'", GP_OK);
  /* 3 x 3,000 values in sets of 4,096 or 8,192 slots of a value each: more than 1 MB */
  assert_string_equal(run(f,
                          "SELECT count(DISTINCT id), count(DISTINCT name), "
                          "count(DISTINCT ts), count(DISTINCT id + 1), count(DISTINCT "
                          "id + 2), count(DISTINCT id + 3), count(DISTINCT id + 4), "
                          "count(DISTINCT id + 5), count(DISTINCT id + 6) FROM ev",
                          GP_NOMEM),
                      LIMIT_MSG);
  assert_string_equal(run(f, "SELECT 1", GP_OK), "1\n");
  run(f, "SET memory_limit = 'default'", GP_OK);
  assert_string_equal(run(f, q, GP_OK), "3000,3000,3000\n");
}

/* Strings made per row by expressions live until the statement ends: 1 M rows of
 * `name || 'abc'` took 204 MB under 16 MB. Here 3,000 strings of 1 KB under 1 MB. */
static void test_limit_strings(void **st) {
  fixture *f = *st;
  char sql[1200], lit[1001];
  memset(lit, 'x', 1000);
  lit[1000] = 0;
  snprintf(sql, sizeof sql, "SELECT count(*) FROM ev WHERE name || '%s' = 'zz'", lit);
  run(f, "SET memory_limit = '1 MB'", GP_OK);
  assert_string_equal(run(f, sql, GP_NOMEM), LIMIT_MSG);
  run(f, "SET memory_limit = 'default'", GP_OK);
  assert_string_equal(run(f, sql, GP_OK), "0\n");
}

/* Coverings and the cell index grow with the regions: 300 nested squares make an index of
 * ~10^7 list entries (pieces of each square spanning the intervals of the smaller ones). */
static void test_limit_coverings(void **st) {
  fixture *f = *st;
  const char *sq = path_of(f, "squares.csv");
  FILE *fp = fopen(sq, "w");
  fputs("id,wkt\n", fp);
  for (int i = 0; i < 300; i++) {
    double d = 0.0005 + i * 0.0003, x0 = 118.35 - d, y0 = 33.925 - d, x1 = 118.35 + d,
           y1 = 33.925 + d;
    fprintf(fp, "%d,\"POLYGON((%f %f,%f %f,%f %f,%f %f,%f %f))\"\n", i, x0, y0, x1, y0, x1, y1, x0,
            y1, x0, y0);
  }
  fclose(fp);
  char sql[600];
  snprintf(sql, sizeof sql, "CREATE REGIONS squares FROM '%s'", sq);
  run(f, sql, GP_OK);
  const char *q = "SELECT region('squares') AS r, count(*) FROM ev GROUP BY r ORDER BY r LIMIT 2";
  run(f, "SET memory_limit = '1 MB'", GP_OK);
  assert_string_equal(run(f, q, GP_NOMEM), LIMIT_MSG);
  run(f, "SET memory_limit = 'default'", GP_OK);
  /* square 0 (half side 0.0005) holds the lattice point (118.35, 33.925) alone; in text order
   * the next is square 12 (half side 0.0041), the first to reach the 32 points 4 steps out
   * (1, 10, 100..119 and 11 take none: the ring it reaches is taken by a smaller square) */
  assert_string_equal(run(f, q, GP_OK), "0,1\n12,32\n");
  run(f, "DROP REGIONS squares", GP_OK);
}

/* ---- every allocation failed in turn ---- */

/* Fails the N-th allocation of a small grouped query (one thread, so that the fault hook and
 * the leak count, both per thread, see every allocation) for each N until it succeeds: each
 * must fail with GP_NOMEM and a message, leave nothing allocated, and the session must answer
 * afterwards. The session's caches (catalog layers, cell indexes) are warmed first. */
static void test_alloc_failures(void **st) {
  fixture *f = *st;
  const char *qs[] = {
      "SELECT id / 500 AS g, count(*), count(DISTINCT name), min(name) FROM ev "
      "WHERE id < 1200 GROUP BY g ORDER BY g",
      "SELECT count(*) FROM ev WHERE within('POLYGON((118.3305 33.9105,118.3395 33.9105,"
      "118.3395 33.9195,118.3305 33.9105))')",
      "SELECT region('tri') AS r, count(*) FROM ev GROUP BY r",
      "SELECT name, count(*) FROM ev WHERE id % 7 = 0 GROUP BY name ORDER BY name LIMIT 3",
  };
  const char *tri = path_of(f, "tri.csv");
  FILE *fp = fopen(tri, "w");
  fputs(
      "id,wkt\nt,\"POLYGON((118.3305 33.9105,118.3395 33.9105,118.3395 33.9195,118.3305 "
      "33.9105))\"\ns,\"POLYGON((118.3405 33.9105,118.3495 33.9105,118.3495 33.9195,118.3405 "
      "33.9195,118.3405 33.9105))\"\n",
      fp);
  fclose(fp);
  char sql[600];
  snprintf(sql, sizeof sql, "CREATE REGIONS tri FROM '%s'", tri);
  run(f, sql, GP_OK);
  run(f, "SET threads = 1", GP_OK);
  for (size_t k = 0; k < sizeof qs / sizeof *qs; k++) {
    char want[4096];
    snprintf(want, sizeof want, "%s", run(f, qs[k], GP_OK));
    long live0 = gp_alloc_live();
    int n = 1, failed = 0;
    for (;; n++) {
      gp_err err = {0};
      gp_alloc_fail_after(n);
      gp_rc rc = exec(f, qs[k], &err);
      gp_alloc_fail_after(0);
      if (rc == GP_OK) {
        if (strcmp(f->text, want) != 0)
          fail_msg("query %zu, allocation %d failed: answered %s, not %s", k, n, f->text, want);
        break;
      }
      if (rc != GP_NOMEM)
        fail_msg("query %zu, allocation %d: %s (%s)", k, n, gp_rc_str(rc), err.msg);
      if (!err.msg[0]) fail_msg("query %zu, allocation %d: GP_NOMEM without a message", k, n);
      if (gp_alloc_live() != live0)
        fail_msg("query %zu, allocation %d failed: %ld allocations leaked (%s)", k, n,
                 gp_alloc_live() - live0, err.msg);
      failed++;
      assert_true(n < 100000);
    }
    print_message("query %zu: %d allocations failed in turn\n", k, failed);
    if (failed < 5) fail_msg("query %zu: only %d allocations failed", k, failed);
    assert_int_equal(gp_alloc_live(), live0);
  }
  run(f, "SET threads = 0", GP_OK);
}

/* The same for a small COPY into a keyed table already holding its rows (so that every run,
 * failed or not, leaves the table as it was): one OpenMP thread, as the hook is per thread.
 * An allocation failure must fail the COPY, never turn into rejected rows. */
static void test_load_failures(void **st) {
  fixture *f = *st;
  const char *csv = path_of(f, "kv.csv");
  FILE *fp = fopen(csv, "w");
  fputs("id,ts,v,tag\n", fp);
  for (int i = 0; i < 200; i++)
    fprintf(fp, "%d,2024-02-01 00:00:%02d,%d.5,t%d\n", i, i % 60, i, i % 7);
  fclose(fp);
  char sql[600];
  run(f, "CREATE TABLE kv (id INT KEY, ts TIMESTAMP, v DOUBLE, tag SYMBOL) TIME ts", GP_OK);
  snprintf(sql, sizeof sql, "COPY kv FROM '%s'", csv);
  assert_string_equal(run(f, sql, GP_OK), "COPY 200 rows (0 rejected, 0 duplicates)");
  int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  assert_string_equal(run(f, sql, GP_OK), "COPY 0 rows (0 rejected, 200 duplicates)");
  long live0 = gp_alloc_live();
  int n = 1, failed = 0;
  for (;; n++) {
    gp_err err = {0};
    gp_alloc_fail_after(n);
    gp_rc rc = exec(f, sql, &err);
    gp_alloc_fail_after(0);
    if (rc == GP_OK) {
      if (strcmp(f->text, "COPY 0 rows (0 rejected, 200 duplicates)") != 0)
        fail_msg("allocation %d failed: %s", n, f->text);
      break;
    }
    if (rc != GP_NOMEM) fail_msg("allocation %d: %s (%s)", n, gp_rc_str(rc), err.msg);
    if (!err.msg[0]) fail_msg("allocation %d: GP_NOMEM without a message", n);
    if (gp_alloc_live() != live0)
      fail_msg("allocation %d failed: %ld allocations leaked (%s)", n, gp_alloc_live() - live0,
               err.msg);
    failed++;
    assert_true(n < 100000);
  }
  print_message("COPY: %d allocations failed in turn\n", failed);
  omp_set_num_threads(saved);
  if (failed < 5) fail_msg("only %d allocations failed", failed);
  assert_string_equal(run(f, "SELECT count(*), sum(v) FROM kv", GP_OK), "200,20000.0\n");
}

int main(void) {
  const struct CMUnitTest t[] = {
      cmocka_unit_test(test_nesting),           cmocka_unit_test(test_not_regular),
      cmocka_unit_test(test_limit_region_file), cmocka_unit_test(test_limit_distinct),
      cmocka_unit_test(test_limit_coverings),   cmocka_unit_test(test_limit_strings),
      cmocka_unit_test(test_alloc_failures),    cmocka_unit_test(test_load_failures),
  };
  return cmocka_run_group_tests(t, setup, teardown);
}
