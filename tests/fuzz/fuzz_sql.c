/* fuzz_sql - SQL text as an analyst would type it into the REPL: every input is parsed, and
 * one made only of SELECT and EXPLAIN statements is also run, through a fresh session, on a
 * small database made once per process (events with lon/lat, sensors, readings located from
 * them, a region layer), its results written in every output mode. "A bad query never takes
 * the REPL down": any crash, sanitizer report, leak (the GP_MALLOC counter over a second run
 * of the input, as the first may fill the database's lasting caches) or
 * error without a message is a finding. Statements that change the database (CREATE, COPY,
 * DROP, SET...) are parsed but not run, so that every input sees the same data; each session
 * starts with SET memory_limit = '128 MB' so that a query asking for the moon fails cleanly
 * instead of tripping libFuzzer's RSS limit, and runs on one thread (see run_input). */
#define _XOPEN_SOURCE 700 /* nftw, for the scratch database at exit */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "gp_db.h"
#include "gp_query.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  FUZZ_CHECK(f != NULL);
  fputs(text, f);
  fclose(f);
}

/* The database every input reads, made on the first call and kept for the process: libFuzzer
 * calls the target in one process, and rebuilding it per input would be all the run did. */
static char fuzz_dir[] = "/tmp/fuzz_sql.XXXXXX";

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(p);
}

/* At exit the scratch database goes (libFuzzer exits through exit()). */
static void fuzz_cleanup(void) { nftw(fuzz_dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS); }

static gp_db *fuzz_db(void) {
  static gp_db *db;
  if (db) return db;
  char *dir = fuzz_dir;
  FUZZ_CHECK(mkdtemp(dir) != NULL);
  atexit(fuzz_cleanup);
  char path[600], ev[600], se[600], rd[600], rg[600];
  snprintf(path, sizeof path, "%s/db", dir);
  snprintf(ev, sizeof ev, "%s/events.csv", dir);
  snprintf(se, sizeof se, "%s/sensors.csv", dir);
  snprintf(rd, sizeof rd, "%s/readings.csv", dir);
  snprintf(rg, sizeof rg, "%s/regions.csv", dir);
  FILE *f = fopen(ev, "w");
  FUZZ_CHECK(f != NULL);
  fprintf(f, "id,ts,lon,lat,category,status,handle_hours\n");
  uint64_t s = 1;
  for (int i = 0; i < 400; i++) {
    s = s * 6364136223846793005u + 1442695040888963407u;
    fprintf(f, "%d,2024-%02d-%02dT%02d:00:00Z,%.6f,%.6f,c%03d,%s,", i, 6 + (int)(s >> 60) % 3,
            1 + (int)(s >> 50) % 28, (int)(s >> 40) % 24, 118.2 + (double)((s >> 20) % 300000) / 1e6,
            33.8 + (double)((s >> 8) % 300000) / 1e6, (int)(s >> 33) % 7,
            (s >> 30) % 5 ? "closed" : "open");
    if ((s >> 12) % 10) fprintf(f, "%.2f", (double)((s >> 16) % 5000) / 100);
    fprintf(f, "\n");
  }
  fclose(f);
  write_text(se, "sensor_id,lon,lat,metric,warn_line\nwl-1,118.30,33.90,water_level,2.5\n"
                 "wl-2,118.40,34.00,water_level,3\ngas-1,118.35,33.95,gas,40\n");
  f = fopen(rd, "w");
  FUZZ_CHECK(f != NULL);
  fprintf(f, "sensor_id,ts,value\n");
  const char *ids[3] = {"wl-1", "wl-2", "gas-1"};
  for (int h = 0; h < 48; h++)
    for (int k = 0; k < 3; k++)
      fprintf(f, "%s,2024-06-%02dT%02d:00:00Z,%.2f\n", ids[k], 1 + h / 24, h % 24, k * 10 + h * 0.1);
  fclose(f);
  write_text(rg, "region_id,wkt\n"
                 "west,\"POLYGON((118.2 33.8,118.35 33.8,118.35 34.1,118.2 34.1,118.2 33.8))\"\n"
                 "east,\"POLYGON((118.35 33.8,118.5 33.8,118.5 34.1,118.35 34.1,118.35 33.8))\"\n");
  gp_db_opts o = {path, 32650, 125, false};
  gp_err err = {0};
  FUZZ_CHECK(gp_db_open(&o, &db, &err) == GP_OK);
  gp_session *ss;
  FUZZ_CHECK(gp_session_new(db, &ss, &err) == GP_OK);
  char sql[4000];
  snprintf(sql, sizeof sql,
           "CREATE TABLE events (id INT KEY, ts TIMESTAMP, lon DOUBLE, lat DOUBLE, category "
           "SYMBOL, status SYMBOL, handle_hours DOUBLE) TIME ts LOCATION (lon, lat);"
           "COPY events FROM '%s' WITH (header true);"
           "CREATE TABLE sensors (sensor_id SYMBOL KEY, lon DOUBLE, lat DOUBLE, metric SYMBOL, "
           "warn_line DOUBLE) LOCATION (lon, lat); COPY sensors FROM '%s' WITH (header true);"
           "CREATE TABLE readings (sensor_id SYMBOL, ts TIMESTAMP, value DOUBLE) TIME ts "
           "LOCATION FROM sensors(sensor_id); COPY readings FROM '%s' WITH (header true);"
           "CREATE REGIONS halves FROM '%s' (id region_id, geometry wkt);",
           ev, se, rd, rg);
  if (gp_session_exec(ss, sql, strlen(sql), NULL, NULL, &err) != GP_OK) {
    fprintf(stderr, "fuzz_sql setup: %s\n", err.msg);
    abort();
  }
  gp_session_free(ss);
  unlink(ev), unlink(se), unlink(rd), unlink(rg);
  return db;
}

static gp_rc write_all(void *ctx, const gp_result *res, gp_err *err) {
  FILE *sink = ctx;
  static const gp_out_mode modes[] = {GP_OUT_TABLE, GP_OUT_CSV, GP_OUT_JSON, GP_OUT_NDJSON,
                                      GP_OUT_GEOJSON};
  for (size_t k = 0; k < sizeof modes / sizeof *modes; k++) {
    gp_rc rc = gp_result_write(res, modes[k], sink, err);
    if (rc) return rc;
  }
  return GP_OK;
}

/* Whether every statement of the script only reads. */
static bool read_only(gp_ast *script) {
  if (!script) return false;
  for (uint32_t k = 0; k < script->script.stmts.n; k++) {
    gp_ast_kind kd = script->script.stmts.v[k]->kind;
    if (kd != GP_AST_SELECT && kd != GP_AST_EXPLAIN) return false;
  }
  return true;
}

/* Parses d and, when it only reads, runs it in a fresh session. */
static void run_input(gp_db *db, const uint8_t *d, size_t n) {
  gp_query_arena *a = NULL;
  gp_err err = {0};
  FUZZ_CHECK(gp_query_arena_new(&a, &err) == GP_OK);
  gp_ast *script = NULL;
  gp_rc rc = gp_query_parse(a, (const char *)d, n, &script, &err);
  FUZZ_CHECK(rc == GP_OK || err.msg[0]);
  bool run = rc == GP_OK && read_only(script);
  gp_query_arena_free(a);
  if (run) {
    gp_session *s;
    FUZZ_CHECK(gp_session_new(db, &s, &err) == GP_OK);
    /* one thread: the GP_MALLOC counter is per thread, so the leak check needs every
     * allocation and free on this one */
    const char *lim = "SET memory_limit = '128 MB'; SET threads = 1";
    FUZZ_CHECK(gp_session_exec(s, lim, strlen(lim), NULL, NULL, &err) == GP_OK);
    FILE *sink = fopen("/dev/null", "w");
    FUZZ_CHECK(sink != NULL);
    err = (gp_err){0};
    rc = gp_session_exec(s, (const char *)d, n, write_all, sink, &err);
    FUZZ_CHECK(rc == GP_OK || err.msg[0]);
    fclose(sink);
    gp_session_free(s);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) {
  gp_db *db = fuzz_db();
  /* The first run may fill what the database keeps for good (a thread's PROJ context, made
   * on first use); a second run of the same input must then free all it takes. */
  run_input(db, d, n);
  FUZZ_LEAK_BEGIN();
  run_input(db, d, n);
  FUZZ_LEAK_END();
  return 0;
}
