/* gp_db.h - a gridpulse database: the catalog of tables over a store, symbol dictionaries,
 * the spatial grid, and the loader that brings CSV/NDJSON files in.
 *
 * A database is a directory holding one RocksDB instance. The catalog lives in the store's
 * `meta` family; tables get a small integer id that prefixes all their keys. The metric CRS is
 * fixed once: given at creation, or the UTM zone of the first located row ever loaded. */
#ifndef GP_DB_H
#define GP_DB_H

#include <stdio.h>

#include "gp_base.h"
#include "gp_grid.h"
#include "gp_store.h"

typedef struct gp_db gp_db;

typedef enum gp_loc_kind {
  GP_LOC_NONE = 0,    /* rows have no position */
  GP_LOC_LONLAT = 1,  /* position from two DOUBLE columns, WGS84 degrees */
  GP_LOC_FROM = 2,    /* position of the row of another table with the same key */
} gp_loc_kind;

#define GP_NAME_MAX 64

typedef struct gp_column {
  char name[GP_NAME_MAX];
  gp_type type;
} gp_column;

/* A table's definition. Read-only for callers; owned by the db. */
typedef struct gp_table {
  uint16_t id;                 /* key prefix in the store */
  char name[GP_NAME_MAX];
  int ncols;
  gp_column cols[GP_STORE_MAX_COLS];
  int time_col;                /* TIMESTAMP column that orders and partitions, or -1 */
  int key_col;                 /* KEY column: re-loading a row with a known key skips it; -1 */
  gp_loc_kind loc;
  int lon_col, lat_col;        /* GP_LOC_LONLAT */
  char loc_table[GP_NAME_MAX]; /* GP_LOC_FROM: the table whose key gives the position */
  int loc_col;                 /* GP_LOC_FROM: our column holding that table's key */
  int64_t partition_us;        /* time partition length */
} gp_table;

typedef struct gp_db_opts {
  const char *path;      /* directory; created when missing (not when read_only) */
  int epsg;              /* metric CRS for a new database; 0 = UTM zone of the first data */
  double cell_m;         /* base cell size for a new database; 0 = 125 m */
  bool read_only;
} gp_db_opts;

/* Opens or creates a database. A missing one fails when read_only, as in gp_db_open_existing.
 * Returns owned *out (free with gp_db_close). */
gp_rc gp_db_open(const gp_db_opts *o, gp_db **out, gp_err *err);
/* As gp_db_open, but never creates: a missing database fails with GP_NOTFOUND,
 * `database "PATH" does not exist`, and nothing is made on disk (for what only reads). */
gp_rc gp_db_open_existing(const gp_db_opts *o, gp_db **out, gp_err *err);
void gp_db_close(gp_db *db);
gp_store *gp_db_store(gp_db *db);

/* The grid, or NULL while the database has no CRS yet. Borrowed. */
const gp_grid *gp_db_grid(gp_db *db);
/* Fixes the CRS when none is set yet (no-op when the same; GP_EXISTS when another). */
gp_rc gp_db_set_crs(gp_db *db, int epsg, gp_err *err);
int gp_db_epsg(const gp_db *db);
double gp_db_cell_m(const gp_db *db);

/* Tables. gp_db_table returns borrowed (valid until the table is dropped) or NULL. */
const gp_table *gp_db_table(const gp_db *db, const char *name);
size_t gp_db_ntables(const gp_db *db);
const gp_table *gp_db_table_at(const gp_db *db, size_t i);
/* Creates a table from def (id assigned; partition_us 0 = 7 days). Checks names and roles. */
gp_rc gp_db_create_table(gp_db *db, const gp_table *def, gp_err *err);
gp_rc gp_db_drop_table(gp_db *db, const char *name, gp_err *err);
/* Index of column `name` in t, or -1. */
int gp_table_col(const gp_table *t, const char *name, size_t n);
/* The store layout of a table (types, time, series, partition). */
void gp_table_layout(const gp_table *t, gp_store_layout *l);

/* Symbol dictionaries: one per SYMBOL column. Lookups are safe from many threads while no
 * thread adds. Returns the id, or -1 when unknown. */
int64_t gp_db_sym_find(const gp_db *db, const gp_table *t, int col, const char *s, size_t n);
/* Adds s when unknown, queuing its persistence in txn. Returns the id, or -1 on no memory. */
int64_t gp_db_sym_add(gp_db *db, const gp_table *t, int col, const char *s, size_t n,
                      gp_store_txn *txn);
/* The string of id (borrowed, valid while the db is open), or NULL. */
const char *gp_db_sym_str(const gp_db *db, const gp_table *t, int col, int64_t id, size_t *n);
/* How many ids column col's dictionary holds (ids are 0..count-1); 0 for other columns. */
size_t gp_db_sym_count(const gp_db *db, const gp_table *t, int col);

/* ---- loading ---- */

typedef enum gp_format { GP_FMT_AUTO = 0, GP_FMT_CSV, GP_FMT_NDJSON } gp_format;

#define GP_LOAD_MAX_NULLSTR 16 /* nullstr options one COPY or load may give */

typedef struct gp_load_opts {
  gp_format format;        /* AUTO: .ndjson/.jsonl/.json are NDJSON, others CSV */
  bool no_header;          /* CSV without a header line: columns in table order */
  char delim;              /* CSV delimiter, 0 = ',' */
  bool stop_on_error;      /* stop at the first malformed row instead of skipping it */
  size_t max_errors;       /* stop once more than this many rows were rejected; 0 = no limit
                            * (stop_on_error is the limit 0) */
  const char *reject_file; /* write every reject there (report + raw record), not to errors */
  size_t max_line;         /* longest accepted record in bytes, 0 = 1 MiB */
  const char *const *nullstr; /* CSV: a field whose text is one of these (quoted or not, as
                               * DuckDB's nullstr with allow_quoted_nulls) is NULL, as an
                               * empty unquoted field always is; borrowed for the load */
  size_t nnullstr;
  /* Used only when the table does not exist yet and is created from the file: */
  const char *time_col;    /* NULL: the first TIMESTAMP column */
  const char *lon_col, *lat_col; /* NULL: columns named lon/lat or longitude/latitude */
  const char *key_col;     /* NULL: no key */
  const char *loc_table;   /* LOCATION FROM loc_table(loc_col) */
  const char *loc_col;
  bool progress;           /* progress line on stderr (only when it is a terminal) */
  FILE *errors;            /* where rejected rows are reported (all of them), NULL = stderr */
  size_t seg_bytes;        /* bytes per parallel segment, 0 = 1 MiB (tests use small ones to
                            * get many rounds out of a small file) */
  bool stream;             /* a small write of a stream (gridpulse serve): rows go fresh, to
                            * be sealed later (gp_db_seal_all), and the load ends with a WAL
                            * fsync, not a flush of the memtables: sealing and flushing a
                            * partition on every write of 50 rows cost ~90 ms a write and
                            * grew with the partition; the differential
                            * tester's fresh and mixed layouts, which must
                            * answer as the sealed one does, load this way */
} gp_load_opts;

typedef struct gp_load_result {
  size_t loaded;      /* rows committed (on failure too: what is stored) */
  size_t rejected;    /* malformed rows, each reported and skipped */
  size_t duplicates;  /* rows whose key was already present */
  size_t bytes;       /* input bytes */
  double seconds;     /* wall time, sealing included */
  gp_seal_stats seal;
} gp_load_result;

/* Loads file into table (creating it from the file when it does not exist). Rows are durable
 * and visible in batches as they commit; a load killed half-way keeps what it committed, and a
 * table with a key can simply be loaded again. Every row is either stored or reported (with
 * file:line[:column] and reason) and counted in res->rejected. Fails (GP_PARSE) for a file it
 * cannot read at all or once more than max_errors rows were rejected (the first with
 * stop_on_error): the rows before the line of the reject that went past the limit are
 * committed, nothing from that line on. res is filled on failure too. */
gp_rc gp_load_file(gp_db *db, const char *table, const char *path, const gp_load_opts *o,
                   gp_load_result *res, gp_err *err);

/* Checks the whole database: gp_store_check (every block of every table file, every chunk
 * and fresh batch against its summary), then that every symbol id the tables' summaries hold
 * has its string in the dictionary. The catalog itself was read whole by gp_db_open. Damage
 * goes to fn and st->damaged; the return is an error only when the check could not run. */
gp_rc gp_db_check(gp_db *db, gp_store_report_fn fn, void *ctx, gp_store_check_stats *st,
                  gp_err *err);

/* Seals every fresh row of every table. */
gp_rc gp_db_seal_all(gp_db *db, gp_seal_stats *st, gp_err *err);

#endif
