/* main.c - the gridpulse command line: load files, inspect a database, scan rows, demo.
 *
 *   gridpulse load DB TABLE FILE [options]   bring a CSV/NDJSON file in
 *   gridpulse info [DB]                      catalog and storage figures
 *   gridpulse scan DB TABLE [options]        rows of a time window / bounding box as CSV
 *   gridpulse seal DB | compact DB           maintenance
 *   gridpulse check DB | repair DB           find damage; salvage what still reads
 *   gridpulse demo [DB]                      generate the demo city, load it, show it
 *   gridpulse [DB] [-c SQL | -f FILE]        SQL: the REPL, or statements non-interactively
 *
 * DB defaults to $GRIDPULSE_DB, else ./gridpulse.db. A first word that is not a subcommand is a
 * database only when it exists or holds a '/' or a '.'; any other is an unknown subcommand (exit
 * 2). Only load, demo and statements that write create a database (repl.c opens it lazily). */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gp_db.h"
#include "gp_query_int.h"
#include "gp_repl.h"
#include "gp_serve.h"
#include "gp_text.h"

static const char *default_db(void) {
  const char *e = getenv("GRIDPULSE_DB");
  return e && *e ? e : "gridpulse.db";
}

static void usage(FILE *f) {
  fprintf(f,
          "usage:\n"
          "  gridpulse load DB TABLE FILE [--time COL] [--location LON,LAT]\n"
          "                 [--location-from TABLE(COL)] [--key COL] [--format csv|ndjson]\n"
          "                 [--delimiter C] [--no-header] [--on-error skip|stop]\n"
          "                 [--max-errors N] [--reject-file FILE] [--max-line BYTES]\n"
          "                 [--nullstr S]... (fields S are NULL, as COPY's nullstr)\n"
          "                 [--crs EPSG:N] [--cell METRES] [--quiet]\n"
          "                 exit 0: every row stored, 3: rows rejected (all reported),\n"
          "                 1: failed (what was committed before is stored), 2: usage\n"
          "  gridpulse info [DB]\n"
          "  gridpulse scan DB TABLE [--from TS] [--to TS] [--bbox LON0,LAT0,LON1,LAT1]\n"
          "                 [--limit N] [--count]\n"
          "  gridpulse seal DB\n"
          "  gridpulse compact DB\n"
          "  gridpulse check DB\n"
          "  gridpulse repair DB\n"
          "  gridpulse demo [DB]\n"
          "  gridpulse warnings run DB (--at TS | --from TS --to TS) [--warning NAME]\n"
          "                 [--dry-run] [--catch-up] [--verbose]\n"
          "  gridpulse serve DB [--listen HOST:PORT] [--token-file F] [--allow-files DIR]\n"
          "                 [--max-body BYTES] [--max-result-rows N] [--query-timeout S]\n"
          "                 [--memory-limit SIZE] [--max-active N] [--quiet]\n"
          "  gridpulse [DB] [-c SQL | -f FILE] [--mode table|csv|json|ndjson|geojson]\n"
          "                 [--read-only] [--server URL [--token T]]\n"
          "                 SQL: the REPL on a terminal, else -c text, a -f file or stdin;\n"
          "                 --read-only reads a snapshot while another process writes;\n"
          "                 --server runs them on `gridpulse serve` at URL instead\n"
          "DB defaults to $GRIDPULSE_DB or ./gridpulse.db. A first word that is not a command\n"
          "is a database when it exists or holds a '/' or a '.'; any other word is an error\n"
          "(exit status 2). Commands that only read never create a database.\n");
}

static int fail(const gp_err *err) {
  fprintf(stderr, "gridpulse: %s\n", err->msg[0] ? err->msg : gp_rc_str(err->rc));
  if (err->rc == GP_CORRUPT)
    fprintf(stderr, "gridpulse: the database is damaged: 'gridpulse check DB' lists what is "
                    "damaged, 'gridpulse repair DB' salvages what it can (see README.md)\n");
  return 1;
}

/* Opens the database at path: created when missing only when create (load, demo); read-only
 * when ro. */
static int open_db(const char *path, int epsg, double cell, bool ro, bool create, gp_db **db) {
  gp_err err = {0};
  gp_db_opts o = {path, epsg, cell, ro};
  if ((create ? gp_db_open : gp_db_open_existing)(&o, db, &err)) return fail(&err);
  return 0;
}

/* ---- load ---- */

static int cmd_load(int argc, char **argv) {
  if (argc < 3) {
    usage(stderr);
    return 2;
  }
  const char *dbp = argv[0], *table = argv[1], *file = argv[2];
  gp_load_opts o = {0};
  o.progress = true;
  const char *nulls[GP_LOAD_MAX_NULLSTR]; /* --nullstr values, borrowed from argv */
  o.nullstr = nulls;
  int epsg = 0;
  double cell = 0;
  bool quiet = false;
  char lonb[GP_NAME_MAX], latb[GP_NAME_MAX], ltab[GP_NAME_MAX], lcol[GP_NAME_MAX];
  for (int i = 3; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    bool takes = true;
    if (strcmp(a, "--quiet") == 0) {
      quiet = true;
      o.progress = false;
      takes = false;
    } else if (strcmp(a, "--no-header") == 0) {
      o.no_header = true;
      takes = false;
    } else if (!v) {
      fprintf(stderr, "gridpulse load: %s needs a value\n", a);
      return 2;
    } else if (strcmp(a, "--time") == 0) {
      o.time_col = v;
    } else if (strcmp(a, "--key") == 0) {
      o.key_col = v;
    } else if (strcmp(a, "--location") == 0) {
      const char *comma = strchr(v, ',');
      if (!comma || comma == v || !comma[1] || (size_t)(comma - v) >= GP_NAME_MAX ||
          strlen(comma + 1) >= GP_NAME_MAX) {
        fprintf(stderr, "gridpulse load: --location wants LON,LAT column names\n");
        return 2;
      }
      snprintf(lonb, sizeof lonb, "%.*s", (int)(comma - v), v);
      snprintf(latb, sizeof latb, "%s", comma + 1);
      o.lon_col = lonb;
      o.lat_col = latb;
    } else if (strcmp(a, "--location-from") == 0) {
      const char *paren = strchr(v, '(');
      size_t n = strlen(v);
      if (paren && (paren == v || v[n - 1] != ')' || (size_t)(paren - v) >= GP_NAME_MAX ||
                    n - (size_t)(paren - v) - 2 >= GP_NAME_MAX || n - (size_t)(paren - v) < 3)) {
        fprintf(stderr, "gridpulse load: --location-from wants TABLE or TABLE(COLUMN)\n");
        return 2;
      }
      if (paren) {
        snprintf(ltab, sizeof ltab, "%.*s", (int)(paren - v), v);
        snprintf(lcol, sizeof lcol, "%.*s", (int)(n - (size_t)(paren - v) - 2), paren + 1);
        o.loc_col = lcol;
      } else {
        snprintf(ltab, sizeof ltab, "%s", v);
      }
      o.loc_table = ltab;
    } else if (strcmp(a, "--format") == 0) {
      if (strcasecmp(v, "csv") == 0) o.format = GP_FMT_CSV;
      else if (strcasecmp(v, "ndjson") == 0 || strcasecmp(v, "jsonl") == 0)
        o.format = GP_FMT_NDJSON;
      else {
        fprintf(stderr, "gridpulse load: unknown format '%s' (csv, ndjson)\n", v);
        return 2;
      }
    } else if (strcmp(a, "--delimiter") == 0) {
      if (strlen(v) != 1 && strcmp(v, "\\t") != 0) {
        fprintf(stderr, "gridpulse load: --delimiter wants one character\n");
        return 2;
      }
      o.delim = strcmp(v, "\\t") == 0 ? '\t' : v[0];
    } else if (strcmp(a, "--on-error") == 0) {
      if (strcmp(v, "skip") == 0) o.stop_on_error = false;
      else if (strcmp(v, "stop") == 0) o.stop_on_error = true;
      else {
        fprintf(stderr, "gridpulse load: --on-error is skip or stop\n");
        return 2;
      }
    } else if (strcmp(a, "--max-errors") == 0) {
      char *e = NULL;
      o.max_errors = strtoull(v, &e, 10);
      if (!e || *e || *v == '-' || *v == '\0') {
        fprintf(stderr, "gridpulse load: --max-errors wants a number of rows\n");
        return 2;
      }
      if (o.max_errors == 0) o.stop_on_error = true;
    } else if (strcmp(a, "--reject-file") == 0) {
      o.reject_file = v;
    } else if (strcmp(a, "--nullstr") == 0) { /* repeatable, as COPY's nullstr */
      if (o.nnullstr == GP_LOAD_MAX_NULLSTR) {
        fprintf(stderr, "gridpulse load: at most %d --nullstr options\n", GP_LOAD_MAX_NULLSTR);
        return 2;
      }
      nulls[o.nnullstr++] = v;
    } else if (strcmp(a, "--max-line") == 0) {
      char *e = NULL;
      o.max_line = strtoull(v, &e, 10);
      if (!e || *e || o.max_line == 0) {
        fprintf(stderr, "gridpulse load: --max-line wants a positive number of bytes\n");
        return 2;
      }
    } else if (strcmp(a, "--crs") == 0) {
      epsg = atoi(strncasecmp(v, "EPSG:", 5) == 0 ? v + 5 : v);
    } else if (strcmp(a, "--cell") == 0) {
      cell = strtod(v, NULL);
    } else {
      fprintf(stderr, "gridpulse load: unknown option '%s'\n", a);
      return 2;
    }
    if (takes) i++;
  }
  /* a missing input should not leave an empty database behind */
  if (access(file, R_OK) != 0) {
    fprintf(stderr, "gridpulse: %s: cannot open: %s\n", file, strerror(errno));
    return 1;
  }
  gp_db *db = NULL;
  if (open_db(dbp, epsg, cell, false, true, &db)) return 1;
  gp_err err = {0};
  gp_load_result r;
  gp_rc rc = gp_load_file(db, table, file, &o, &r, &err);
  /* a load that failed before reading any row has nothing to sum up */
  bool any = r.loaded || r.rejected || r.duplicates;
  if ((!quiet && !rc) || (rc && any))
    fprintf(stderr,
            "%s: %zu rows loaded, %zu rejected, %zu duplicate keys skipped; %.2f s "
            "(%.0f rows/s); %zu chunks\n",
            file, r.loaded, r.rejected, r.duplicates, r.seconds,
            r.seconds > 0 ? (double)r.loaded / r.seconds : 0.0, r.seal.chunks);
  if (o.reject_file && r.rejected)
    fprintf(stderr, "%s: %zu rejected rows written to %s\n", file, r.rejected, o.reject_file);
  gp_db_close(db);
  if (rc) return fail(&err);
  /* rows were skipped: a script must be able to tell this from a clean load */
  return r.rejected ? 3 : 0;
}

/* ---- info ---- */

static int cmd_info(int argc, char **argv) {
  const char *dbp = argc > 0 ? argv[0] : default_db();
  gp_db *db = NULL;
  if (open_db(dbp, 0, 0, true, false, &db)) return 1;
  gp_err err = {0};
  uint64_t disk = gp_store_disk_bytes(gp_db_store(db));
  printf("database %s: CRS %s%d, base cell %g m, %zu tables, %.1f MB on disk\n", dbp,
         gp_db_epsg(db) ? "EPSG:" : "none yet ", gp_db_epsg(db), gp_db_cell_m(db),
         gp_db_ntables(db), (double)disk / 1e6);
  int rc = 0;
  for (size_t i = 0; i < gp_db_ntables(db); i++) {
    const gp_table *t = gp_db_table_at(db, i);
    gp_store_stats st;
    if (gp_store_table_stats(gp_db_store(db), t->id, &st, &err)) {
      rc = fail(&err);
      break;
    }
    printf("table %s (", t->name);
    for (int c = 0; c < t->ncols; c++)
      printf("%s%s %s%s", c ? ", " : "", t->cols[c].name, gp_type_name(t->cols[c].type),
             c == t->key_col ? " KEY" : "");
    printf(")");
    if (t->time_col >= 0) printf(" TIME %s", t->cols[t->time_col].name);
    if (t->loc == GP_LOC_LONLAT)
      printf(" LOCATION (%s, %s)", t->cols[t->lon_col].name, t->cols[t->lat_col].name);
    if (t->loc == GP_LOC_FROM)
      printf(" LOCATION FROM %s(%s)", t->loc_table, t->cols[t->loc_col].name);
    size_t rows = st.fresh_rows + st.chunk_rows;
    printf("\n  %zu rows: %zu sealed in %zu chunks (%.0f rows/chunk, %.2f bytes/row encoded), "
           "%zu fresh in %zu batches\n",
           rows, st.chunk_rows, st.chunks, st.chunks ? (double)st.chunk_rows / st.chunks : 0.0,
           st.chunk_rows ? (double)st.chunk_bytes / st.chunk_rows : 0.0, st.fresh_rows,
           st.fresh_batches);
  }
  gp_db_close(db);
  return rc;
}

/* ---- scan ---- */

static void print_csv_text(const char *s, size_t n) {
  bool q = false;
  for (size_t i = 0; i < n && !q; i++) q = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
  if (!q) {
    fwrite(s, 1, n, stdout);
    return;
  }
  putchar('"');
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"') putchar('"');
    putchar(s[i]);
  }
  putchar('"');
}

/* As results print a DOUBLE (1.0, not 1), so that a reload sniffs the column as DOUBLE. */
static void print_double(double v) {
  char b[48];
  gp_query__double_format(v, b, sizeof b);
  fputs(b, stdout);
}

static void print_row(gp_db *db, const gp_table *t, const gp_rows *r, size_t i) {
  for (int c = 0; c < t->ncols; c++) {
    if (c) putchar(',');
    const gp_col *col = &r->cols[c];
    if (gp_rows_isnull(col, i)) continue;
    switch (col->type) {
      case GP_T_TIMESTAMP: {
        char b[40];
        gp_ts_format(col->i64[i], b, sizeof b);
        fputs(b, stdout);
        break;
      }
      case GP_T_INT: printf("%lld", (long long)col->i64[i]); break;
      case GP_T_DOUBLE: print_double(col->f64[i]); break;
      case GP_T_SYMBOL: {
        size_t n = 0;
        const char *s = gp_db_sym_str(db, t, c, col->i64[i], &n);
        print_csv_text(s ? s : "", s ? n : 0);
        break;
      }
      case GP_T_TEXT: print_csv_text(col->str[i], col->len[i]); break;
    }
  }
  putchar('\n');
}

static bool parse_ts_arg(const char *s, int64_t *out) {
  if (gp_ts_parse(s, strlen(s), out)) return true;
  fprintf(stderr, "gridpulse scan: bad timestamp '%s' (YYYY-MM-DD[ HH:MM[:SS]][Z|+HH:MM])\n", s);
  return false;
}

static gp_rc count_fn(void *ctx, int thread, const gp_unit_info *u, const gp_rows *rows,
                      gp_err *err) {
  (void)err;
  size_t *counts = ctx;
  counts[thread * 8] += rows ? rows->n : u->rows;
  return GP_OK;
}

static int cmd_scan(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *dbp = argv[0], *table = argv[1];
  gp_scan_spec spec = {.t_lo = INT64_MIN, .t_hi = INT64_MAX};
  double bbox[4];
  bool has_bbox = false, count_only = false;
  long long limit = -1;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--count") == 0) {
      count_only = true;
      continue;
    }
    if (!v) {
      fprintf(stderr, "gridpulse scan: %s needs a value\n", a);
      return 2;
    }
    i++;
    if (strcmp(a, "--from") == 0) {
      if (!parse_ts_arg(v, &spec.t_lo)) return 2;
    } else if (strcmp(a, "--to") == 0) {
      if (!parse_ts_arg(v, &spec.t_hi)) return 2;
    } else if (strcmp(a, "--limit") == 0) {
      limit = atoll(v);
    } else if (strcmp(a, "--bbox") == 0) {
      if (sscanf(v, "%lf,%lf,%lf,%lf", &bbox[0], &bbox[1], &bbox[2], &bbox[3]) != 4 ||
          !(bbox[0] <= bbox[2] && bbox[1] <= bbox[3])) {
        fprintf(stderr, "gridpulse scan: --bbox wants LON0,LAT0,LON1,LAT1 with LON0<=LON1\n");
        return 2;
      }
      has_bbox = true;
    } else {
      fprintf(stderr, "gridpulse scan: unknown option '%s'\n", a);
      return 2;
    }
  }
  gp_db *db = NULL;
  if (open_db(dbp, 0, 0, true, false, &db)) return 1;
  gp_err err = {0};
  int rc = 0;
  gp_scan *sc = NULL;
  gp_cell_range *ranges = NULL;
  gp_rows rows = {0};
  const gp_table *t = gp_db_table(db, table);
  if (!t) {
    fprintf(stderr, "gridpulse: no table '%s'\n", table);
    rc = 1;
    goto cleanup;
  }
  if (has_bbox) {
    const gp_grid *g = gp_db_grid(db);
    if (t->loc != GP_LOC_LONLAT || !g) {
      fprintf(stderr, "gridpulse scan: --bbox needs a table with LOCATION (lon, lat)\n");
      rc = 2;
      goto cleanup;
    }
    /* A lon/lat box is curved in the projection: bound its densified outline, pad by a metre,
     * cover that with cells, and test rows exactly on lon/lat after decoding. */
    double lo[64], la[64], x[64], y[64];
    for (int k = 0; k < 16; k++) {
      double f = k / 15.0;
      lo[k] = bbox[0] + f * (bbox[2] - bbox[0]), la[k] = bbox[1];
      lo[16 + k] = bbox[0] + f * (bbox[2] - bbox[0]), la[16 + k] = bbox[3];
      lo[32 + k] = bbox[0], la[32 + k] = bbox[1] + f * (bbox[3] - bbox[1]);
      lo[48 + k] = bbox[2], la[48 + k] = bbox[1] + f * (bbox[3] - bbox[1]);
    }
    if (gp_grid_project(g, lo, la, 64, x, y, &err)) {
      rc = fail(&err);
      goto cleanup;
    }
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (int k = 0; k < 64; k++) {
      x0 = fmin(x0, x[k]), y0 = fmin(y0, y[k]), x1 = fmax(x1, x[k]), y1 = fmax(y1, y[k]);
    }
    size_t n = 0;
    if (gp_grid_cover_rect(g, x0 - 1, y0 - 1, x1 + 1, y1 + 1, 256, &ranges, &n, &err)) {
      rc = fail(&err);
      goto cleanup;
    }
    spec.cells = ranges;
    spec.ncells = n;
  }
  if (gp_scan_open(gp_db_store(db), t->id, &spec, &sc, &err)) {
    rc = fail(&err);
    goto cleanup;
  }
  if (count_only && !has_bbox) {
    size_t counts[64 * 8] = {0};
    if (gp_scan_run(sc, true, count_fn, counts, &err)) {
      rc = fail(&err);
      goto cleanup;
    }
    size_t total = 0;
    for (int k = 0; k < 64; k++) total += counts[k * 8];
    printf("%zu\n", total);
    goto cleanup;
  }
  if (!count_only) {
    for (int c = 0; c < t->ncols; c++) printf("%s%s", c ? "," : "", t->cols[c].name);
    putchar('\n');
  }
  long long printed = 0;
  for (size_t u = 0; u < gp_scan_units(sc) && (limit < 0 || printed < limit); u++) {
    if (gp_scan_decode(sc, u, &rows, &err)) {
      rc = fail(&err);
      goto cleanup;
    }
    for (size_t i = 0; i < rows.n && (limit < 0 || printed < limit); i++) {
      if (has_bbox) {
        double lon = rows.cols[t->lon_col].f64[i], lat = rows.cols[t->lat_col].f64[i];
        if (lon < bbox[0] || lon > bbox[2] || lat < bbox[1] || lat > bbox[3]) continue;
      }
      if (!count_only) print_row(db, t, &rows, i);
      printed++;
    }
  }
  if (count_only) printf("%lld\n", printed);
cleanup:
  gp_rows_free(&rows);
  gp_scan_close(sc);
  GP_FREE(ranges);
  gp_db_close(db);
  return rc;
}

/* ---- maintenance ---- */

static int cmd_seal(int argc, char **argv, bool compact) {
  if (argc < 1) {
    usage(stderr);
    return 2;
  }
  gp_db *db = NULL;
  if (open_db(argv[0], 0, 0, false, false, &db)) return 1; /* nothing to seal in no db */
  gp_err err = {0};
  gp_seal_stats st = {0};
  gp_rc rc = gp_db_seal_all(db, &st, &err);
  if (!rc && compact) rc = gp_store_compact(gp_db_store(db), &err);
  if (!rc)
    printf("sealed %zu rows into %zu chunks (%zu partitions)%s\n", st.rows, st.chunks,
           st.partitions, compact ? "; compacted" : "");
  gp_db_close(db);
  return rc ? fail(&err) : 0;
}

/* ---- check, repair ---- */

static int print_damage(void *ctx, const char *damage) {
  (void)ctx;
  printf("damaged: %s\n", damage);
  return 0;
}

/* Exit status 0 when nothing is damaged, 1 when something is (or the check could not run). */
static int cmd_check(int argc, char **argv) {
  if (argc < 1) {
    usage(stderr);
    return 2;
  }
  const char *dbp = argv[0];
  struct stat sb;
  if (stat(dbp, &sb) != 0) {
    fprintf(stderr, "gridpulse: database \"%s\" does not exist\n", dbp);
    return 1;
  }
  gp_err err = {0};
  gp_store_check_stats st = {0};
  /* the log files first and without opening: damage there is what keeps the open from working */
  if (gp_store_check_logs(dbp, print_damage, NULL, &st, &err)) return fail(&err);
  gp_db *db = NULL;
  gp_db_opts o = {dbp, 0, 0, true};
  if (gp_db_open(&o, &db, &err)) {
    printf("damaged: cannot open: %s\n", err.msg);
    printf("%s: damaged (%zu problems found; 'gridpulse repair %s' salvages what it can)\n",
           dbp, st.damaged + 1, dbp);
    return 1;
  }
  gp_rc rc = gp_db_check(db, print_damage, NULL, &st, &err);
  gp_db_close(db);
  if (rc) return fail(&err);
  printf("%s: %zu log files (%zu records), %zu table files (%.1f MB, %zu keys), %zu chunks and "
         "%zu fresh batches (%zu rows) checked: %s\n",
         dbp, st.log_files, st.log_records, st.table_files, (double)st.table_bytes / 1e6, st.keys,
         st.chunks, st.fresh_batches, st.rows, st.damaged ? "DAMAGED" : "no damage found");
  if (st.damaged)
    printf("%zu problems found; 'gridpulse repair %s' salvages what it can\n", st.damaged, dbp);
  return st.damaged ? 1 : 0;
}

static int cmd_repair(int argc, char **argv) {
  if (argc < 1) {
    usage(stderr);
    return 2;
  }
  gp_err err = {0};
  gp_store_repair_stats rs;
  if (gp_store_repair(argv[0], &rs, &err)) return fail(&err);
  printf("%s: %zu damaged log records found; %s; %s; %zu chunks or summaries without their "
         "other half deleted\n",
         argv[0], rs.log_damage,
         rs.wal_salvaged ? "the WALs replayed up to their first damage and flushed"
                         : "the WALs could not be replayed",
         rs.rocksdb_repair ? "RocksDB's repair rebuilt the MANIFEST (unreadable table files are "
                             "in DB/lost/, their rows gone)"
                           : "every table file read whole",
         rs.orphans);
  printf("run 'gridpulse check %s'; rows lost are not brought back (README.md, \"Damage and "
         "repair\")\n", argv[0]);
  return 0;
}

/* ---- demo ---- */

/* Runs argv (argv[0] a path), returns its exit status. */
static int run(char *const argv[]) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    execv(argv[0], argv);
    fprintf(stderr, "gridpulse: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  int st;
  if (waitpid(pid, &st, 0) < 0) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The warning models' tables and region layers (datasets/README.md, "Scenarios"), loaded
 * from the generator's files in data. Returns 0, or 1 after a message. */
static int demo_scenarios(const char *dbp, const char *data) {
  static const char *const T[][4] = {{"tickets", "tickets.csv", "--key", "id"},
                                     {"parking", "parking.csv", NULL, NULL},
                                     {"gauges", "gauges.csv", "--key", "sensor_id"},
                                     {"gauge_readings", "gauge_readings.csv", "--location-from",
                                      "gauges(sensor_id)"},
                                     {"forest_temps", "forest_temps.csv", NULL, NULL}};
  char f[PATH_MAX + 64], sql[2 * PATH_MAX + 200];
  for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
    snprintf(f, sizeof f, "%s/%s", data, T[i][1]);
    char *a[] = {(char *)dbp, (char *)T[i][0], f, (char *)T[i][2], (char *)T[i][3], NULL};
    if (cmd_load(T[i][2] ? 5 : 3, a) % 3) return 1; /* 3: rows skipped and reported */
  }
  if (strchr(data, '\'')) {
    fprintf(stderr, "gridpulse demo: %s: a quote in the path; regions not loaded\n", data);
    return 1;
  }
  snprintf(sql, sizeof sql,
           "CREATE REGIONS grids FROM '%s/regions.csv' (id region_id, geometry wkt);\n"
           "CREATE REGIONS forests FROM '%s/forests.csv' (id region_id, geometry wkt);",
           data, data);
  gp_repl_opts ro = {GP_OUT_TABLE, false, NULL};
  return gp_repl_script(dbp, sql, NULL, "demo", &ro) ? 1 : 0;
}

/* Installs the five seed-city warning models, datasets/warnings/NAME.sql, from the source tree:
 * next to the build folder holding this binary (build/../datasets), else under the current
 * directory (the README runs the demo from the repository's root). Returns 0, or 1 after a
 * message. */
static int demo_warnings(const char *dbp, const char *selfdir) {
  static const char *const W[] = {"grid_incidence", "overdue_tickets", "illegal_parking",
                                  "flood_points", "forest_fire"};
  char dir[PATH_MAX + 32], f[PATH_MAX + 96];
  struct stat st;
  snprintf(dir, sizeof dir, "%s/../datasets/warnings", selfdir);
  if (stat(dir, &st) != 0) snprintf(dir, sizeof dir, "datasets/warnings");
  for (size_t i = 0; i < sizeof W / sizeof W[0]; i++) {
    snprintf(f, sizeof f, "%s/%s.sql", dir, W[i]);
    FILE *in = fopen(f, "r");
    if (!in) {
      fprintf(stderr, "gridpulse demo: %s: %s (run the demo from the repository)\n", f,
              strerror(errno));
      return 1;
    }
    gp_repl_opts ro = {GP_OUT_TABLE, false, NULL};
    int rc = gp_repl_script(dbp, NULL, in, f, &ro);
    fclose(in);
    if (rc) return 1;
  }
  return 0;
}

static int cmd_demo(int argc, char **argv) {
  const char *dbp = argc > 0 ? argv[0] : default_db();
  char self[PATH_MAX], gen[PATH_MAX + 16], data[PATH_MAX + 16];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    fprintf(stderr, "gridpulse demo: cannot find my own path\n");
    return 1;
  }
  self[n] = '\0';
  char *slash = strrchr(self, '/');
  *slash = '\0';
  snprintf(gen, sizeof gen, "%s/gp-citygen", self);
  snprintf(data, sizeof data, "%s.demo-data", dbp);
  struct stat st;
  if (stat(dbp, &st) == 0) {
    fprintf(stderr, "gridpulse demo: %s exists already; showing it (remove it to rebuild)\n", dbp);
  } else {
    fprintf(stderr, "generating the demo city into %s ...\n", data);
    char *g[] = {gen, "--demo", "--out", data, NULL};
    if (run(g) != 0) {
      fprintf(stderr, "gridpulse demo: the generator failed\n");
      return 1;
    }
    char ev[PATH_MAX + 32], se[PATH_MAX + 32], re[PATH_MAX + 32];
    snprintf(ev, sizeof ev, "%s/events.csv", data);
    snprintf(se, sizeof se, "%s/sensors.csv", data);
    snprintf(re, sizeof re, "%s/readings.csv", data);
    char *l1[] = {"load", (char *)dbp, "events", ev, "--key", "id", "--crs", "EPSG:32650", NULL};
    char *l2[] = {"load", (char *)dbp, "sensors", se, "--key", "sensor_id", NULL};
    char *l3[] = {"load", (char *)dbp, "readings", re, "--location-from", "sensors(sensor_id)",
                  NULL};
    /* 3 is a load that skipped (and reported) rows: the demo goes on */
    int s1 = cmd_load(8 - 1, l1 + 1), s2 = s1 % 3 ? s1 : cmd_load(6 - 1, l2 + 1);
    int s3 = s2 % 3 ? s2 : cmd_load(6 - 1, l3 + 1);
    if (s3 % 3 || demo_scenarios(dbp, data) || demo_warnings(dbp, self)) return 1;
  }
  char *i1[] = {(char *)dbp, NULL};
  if (cmd_info(1, i1)) return 1;
  printf("\nreplay June's warnings: gridpulse warnings run %s --from 2024-06-01 --to 2024-07-01\n"
         "ask it something: gridpulse %s -f datasets/demo.sql, or gridpulse %s for the REPL\n",
         dbp, dbp, dbp);
  return 0;
}

/* ---- SQL: the REPL, or statements from -c, -f or a pipe ---- */

static int cmd_sql(int argc, char **argv) {
  const char *dbp = NULL, *sql = NULL, *file = NULL;
  gp_out_mode mode = GP_OUT_TABLE;
  bool read_only = false;
  const char *server = NULL, *token = getenv("GRIDPULSE_TOKEN");
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--read-only") == 0) {
      read_only = true;
    } else if (strcmp(a, "--server") == 0 || strcmp(a, "--token") == 0) {
      if (!v) {
        fprintf(stderr, "gridpulse: %s needs a value\n", a);
        return 2;
      }
      i++;
      if (a[2] == 's') server = v;
      else token = v;
    } else if (strcmp(a, "-c") == 0 || strcmp(a, "-f") == 0 || strcmp(a, "--mode") == 0) {
      if (!v) {
        fprintf(stderr, "gridpulse: %s needs a value\n", a);
        return 2;
      }
      i++;
      if (a[1] == 'c') sql = v;
      else if (a[1] == 'f') file = v;
      else if (!gp_out_mode_parse(v, &mode)) {
        fprintf(stderr, "gridpulse: unknown mode '%s' (table, csv, json, ndjson, geojson)\n", v);
        return 2;
      }
    } else if (strncmp(a, "--mode=", 7) == 0) {
      if (!gp_out_mode_parse(a + 7, &mode)) {
        fprintf(stderr, "gridpulse: unknown mode '%s' (table, csv, json, ndjson, geojson)\n", a + 7);
        return 2;
      }
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "gridpulse: unknown option %s\n", a);
      usage(stderr);
      return 2;
    } else if (!dbp) {
      dbp = a;
    } else {
      fprintf(stderr, "gridpulse: one database at a time (%s, then %s)\n", dbp, a);
      return 2;
    }
  }
  if (sql && file) {
    fprintf(stderr, "gridpulse: -c and -f together: choose one\n");
    return 2;
  }
  FILE *in = NULL;
  if (file && !(in = fopen(file, "r"))) {
    fprintf(stderr, "gridpulse: %s: cannot open: %s\n", file, strerror(errno));
    return 1;
  }
  if (server && dbp) {
    fprintf(stderr, "gridpulse: --server and a database (%s) together: choose one\n", dbp);
    if (in) fclose(in);
    return 2;
  }
  gp_client *cl = NULL;
  if (server) {
    gp_err err = {0};
    if (gp_client_new(server, token, &cl, &err)) {
      if (in) fclose(in);
      return fail(&err);
    }
    dbp = server;
  }
  if (!dbp) dbp = default_db();
  /* the front end opens the database, creating it only for a statement that writes */
  int rc;
  gp_repl_opts ro = {mode, read_only, cl ? gp_client_exec(cl) : NULL};
  if (sql) rc = gp_repl_script(dbp, sql, NULL, "-c", &ro);
  else if (in) rc = gp_repl_script(dbp, NULL, in, file, &ro);
  else if (!isatty(STDIN_FILENO)) rc = gp_repl_script(dbp, NULL, stdin, "stdin", &ro);
  else rc = gp_repl_run(dbp, &ro);
  if (in) fclose(in);
  gp_client_free(cl);
  return rc;
}

/* ---- the first word: a subcommand or a database ---- */

/* The subcommands main() dispatches, for suggestions (keep in step with it). */
static const char *const k_cmds[] = {"load",  "info",   "scan",     "seal",  "compact", "check",
                                     "repair", "demo", "warnings", "serve", "help"};

/* A first word that is not a subcommand is a database path when it exists or holds a '/' or
 * a '.' (./serve, city.db); a bare word that is neither is taken for a mistyped subcommand
 * rather than a new database, which `gridpulse serve` used to create silently. */
static bool is_db_path(const char *w) {
  struct stat st;
  return strchr(w, '/') || strchr(w, '.') || stat(w, &st) == 0;
}

/* Levenshtein distance of two short words (longer ones are simply far apart). */
static size_t edit_distance(const char *a, const char *b) {
  size_t na = strlen(a), nb = strlen(b);
  if (na > 31 || nb > 31) return SIZE_MAX;
  size_t d[32][32];
  for (size_t i = 0; i <= na; i++) d[i][0] = i;
  for (size_t j = 0; j <= nb; j++) d[0][j] = j;
  for (size_t i = 1; i <= na; i++)
    for (size_t j = 1; j <= nb; j++) {
      size_t sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
      size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
      d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
    }
  return d[na][nb];
}

/* Reports w as an unknown subcommand, with the nearest one when it is close (at most 2 edits,
 * fewer than w has letters) or w begins it, and the usage. Returns the exit status, 2. */
static int unknown_cmd(const char *w) {
  if (!*w) {
    fprintf(stderr, "gridpulse: empty database path\n");
    usage(stderr);
    return 2;
  }
  const char *best = NULL;
  size_t bd = SIZE_MAX, n = strlen(w);
  for (size_t i = 0; i < sizeof k_cmds / sizeof k_cmds[0]; i++) {
    size_t d = n >= 2 && strncmp(k_cmds[i], w, n) == 0 ? 1 : edit_distance(w, k_cmds[i]);
    if (d < bd) bd = d, best = k_cmds[i];
  }
  fprintf(stderr, "gridpulse: unknown command \"%s\"", w);
  if (best && bd <= 2 && bd < n) fprintf(stderr, "; did you mean \"%s\"?", best);
  fprintf(stderr,
          "\n(a database is a path that exists or holds a '/' or a '.': write ./%s for a new "
          "one)\n",
          w);
  usage(stderr);
  return 2;
}

int main(int argc, char **argv) {
  /* Statements allocate and free group tables and result arrays of tens of MB; by default
   * glibc maps such blocks afresh and returns them at once, so every statement paid the
   * kernel for zeroing new pages (~8% of CityBench Q2). Keep them in the heap instead. */
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  if (argc < 2) return cmd_sql(0, NULL);
  const char *cmd = argv[1];
  if (strcmp(cmd, "load") == 0) return cmd_load(argc - 2, argv + 2);
  if (strcmp(cmd, "info") == 0) return cmd_info(argc - 2, argv + 2);
  if (strcmp(cmd, "scan") == 0) return cmd_scan(argc - 2, argv + 2);
  if (strcmp(cmd, "seal") == 0) return cmd_seal(argc - 2, argv + 2, false);
  if (strcmp(cmd, "compact") == 0) return cmd_seal(argc - 2, argv + 2, true);
  if (strcmp(cmd, "demo") == 0) return cmd_demo(argc - 2, argv + 2);
  if (strcmp(cmd, "check") == 0) return cmd_check(argc - 2, argv + 2);
  if (strcmp(cmd, "repair") == 0) return cmd_repair(argc - 2, argv + 2);
  if (strcmp(cmd, "warnings") == 0) return gp_cli_warnings(argc - 2, argv + 2);
  if (strcmp(cmd, "serve") == 0) return gp_serve_main(argc - 2, argv + 2);
  if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
    usage(stdout);
    return 0;
  }
  if (cmd[0] != '-' && !is_db_path(cmd)) return unknown_cmd(cmd);
  /* [DBDIR] [-c SQL | -f FILE] [--mode M]: SQL, interactive or not */
  return cmd_sql(argc - 1, argv + 1);
}
