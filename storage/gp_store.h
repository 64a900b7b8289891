/* gp_store.h - the RocksDB-backed store: one database directory, column families for metadata,
 * fresh rows and sealed columnar chunks, atomic write transactions, sealing and scans.
 *
 * The one idea: rows arrive in `fresh` (durable through the WAL as soon as a transaction
 * commits) and are sealed, per table and time partition, into chunks that each cover one
 * contiguous range of Morton cell codes and hold a few thousand rows, each chunk with a summary
 * kept apart so that planning never reads column bytes. A scan is a list of units (chunks and
 * fresh batches) chosen from the summaries by time range and cell ranges; units decode
 * independently, so OpenMP threads take them in parallel.
 *
 * Nothing else in gridpulse includes rocksdb/c.h. The store knows column types and the layout
 * of a table (time column, series column, partition length), never names or SQL. */
#ifndef GP_STORE_H
#define GP_STORE_H

#include "gp_base.h"

typedef struct gp_store gp_store;
typedef struct gp_store_txn gp_store_txn;
typedef struct gp_scan gp_scan;

/* A half-open range [lo, hi) of level-0 Morton codes: how a scan names space, since chunk keys
 * start with the first cell's code. Storage owns the type and never computes a code; the
 * engine's grid (gp_grid.h) makes them from points and rectangles. */
typedef struct gp_cell_range {
  uint64_t lo;
  uint64_t hi;
} gp_cell_range;

typedef struct gp_store_opts {
  const char *path;        /* database directory */
  bool create_if_missing;  /* create an empty database when path holds none */
  bool read_only;          /* open without the write lock (several readers may share it) */
} gp_store_opts;

/* Opens (or creates) the database at o->path. Returns owned *out (free with gp_store_close). */
gp_rc gp_store_open(const gp_store_opts *o, gp_store **out, gp_err *err);
void gp_store_close(gp_store *s);
/* True when path holds a database (not merely a directory), so that callers can refuse to
 * open what is not there instead of creating it. */
bool gp_store_exists(const char *path);

/* ---- table layout: what the store must know about a table's rows ---- */

#define GP_STORE_MAX_COLS 64

typedef struct gp_store_layout {
  int ncols;
  gp_type types[GP_STORE_MAX_COLS];
  int time_col;          /* column holding the TIMESTAMP, -1 when the table has no time */
  int series_col;        /* rows of a chunk sort by (series, time) when >= 0, else by time */
  int64_t partition_us;  /* length of a time partition; sealing works one partition at a time */
} gp_store_layout;

/* Registers (or replaces) the layout of table `table`; the store keeps a copy. */
gp_rc gp_store_set_layout(gp_store *s, uint16_t table, const gp_store_layout *l, gp_err *err);

/* ---- rows in memory: columnar, n rows ---- */

typedef struct gp_col {
  gp_type type;
  int64_t *i64;      /* TIMESTAMP, INT, SYMBOL (dictionary id) values; 0 where null */
  double *f64;       /* DOUBLE values; 0 where null */
  const char **str;  /* TEXT values (borrowed, see gp_rows) */
  uint32_t *len;     /* TEXT lengths */
  uint8_t *nulls;    /* null bitmap (bit i set = row i null), NULL when no row is null */
} gp_col;

typedef struct gp_rows {
  size_t n;          /* rows */
  size_t cap;        /* rows allocated */
  int ncols;
  gp_col cols[GP_STORE_MAX_COLS];
  uint64_t *cell;    /* level-0 Morton code of each row's position, 0 when it has none */
  gp_buf text;       /* bytes owned by this gp_rows that TEXT pointers may point into */
} gp_rows;

/* Initialises an empty row set for a layout's column types; gp_rows_free releases it. */
gp_rc gp_rows_init(gp_rows *r, const gp_store_layout *l, size_t cap);
gp_rc gp_rows_reserve(gp_rows *r, size_t cap);
void gp_rows_free(gp_rows *r);
static inline bool gp_rows_isnull(const gp_col *c, size_t i) {
  return c->nulls && (c->nulls[i >> 3] >> (i & 7) & 1);
}
/* Moves row src of r down to row dst (dst < src), the step of compacting a row set in place
 * (for each i: if row i is kept, move it to k++): the cell and, of the columns, those whose
 * bit is set in cols (bit c for column c: a scan moves only the columns it decoded), values
 * and null bits. TEXT pointers move as they are. The loader and the scan both compact with
 * it; inline because they run it per row. */
static inline void gp_rows_move(gp_rows *r, size_t dst, size_t src, uint64_t cols) {
  r->cell[dst] = r->cell[src];
  for (int c = 0; c < r->ncols; c++) { /* ncols <= GP_STORE_MAX_COLS = 64 bits of cols */
    if (!(cols >> c & 1)) continue;
    gp_col *col = &r->cols[c];
    switch (col->type) {
      case GP_T_DOUBLE: col->f64[dst] = col->f64[src]; break;
      case GP_T_TEXT:
        col->str[dst] = col->str[src];
        col->len[dst] = col->len[src];
        break;
      default: col->i64[dst] = col->i64[src];
    }
    if (col->nulls) {
      if (gp_rows_isnull(col, src)) col->nulls[dst >> 3] |= (uint8_t)(1u << (dst & 7));
      else col->nulls[dst >> 3] &= (uint8_t)~(1u << (dst & 7));
    }
  }
}
/* Appends rows src[idx[k]] for k < n (all rows in order when idx is NULL) to dst, which has the
 * same layout; TEXT bytes are copied into dst->text. */
gp_rc gp_rows_gather(gp_rows *dst, const gp_rows *src, const uint32_t *idx, size_t n);
/* Marks row i of column c null, allocating the bitmap (for cap rows) on first use. */
gp_rc gp_col_set_null(gp_col *c, size_t i, size_t cap);

/* ---- writing ---- */

/* Starts an atomic write: everything added to the transaction commits together or not at all,
 * and is durable (WAL fsynced) when gp_store_txn_commit returns GP_OK. Returns owned. */
gp_store_txn *gp_store_txn_begin(gp_store *s);
/* A transaction begun lazy commits atomically and survives the process being killed (its WAL
 * record is in the OS's hands when commit returns) but is not fsynced: a bulk load commits
 * its partitions lazily and calls gp_store_sync once before it reports success, instead of
 * paying an fsync per partition. */
gp_store_txn *gp_store_txn_begin_lazy(gp_store *s);
/* Makes every commit so far durable: fsyncs the WAL, then flushes every column family's
 * memtable to table files (written, fsynced and recorded in the MANIFEST before it returns),
 * so that the commits no longer depend on the WAL. A bulk load calls it once at its end. */
gp_rc gp_store_sync(gp_store *s, gp_err *err);
/* Makes every commit so far durable by fsyncing the WAL alone (the memtables stay in memory,
 * replayed from the WAL after a crash): what a stream of small writes pays per write. */
gp_rc gp_store_sync_wal(gp_store *s, gp_err *err);
void gp_store_txn_free(gp_store_txn *t);
/* The store a transaction writes to (borrowed), so that a function handed only the caller's
 * transaction can read what is already committed (the outbox's dedup check). */
gp_store *gp_store_txn_store(gp_store_txn *t);
gp_rc gp_store_txn_commit(gp_store_txn *t, gp_err *err);
/* Small metadata key/values (catalog, dictionaries, key index) in the `meta` family. */
gp_rc gp_store_txn_meta_put(gp_store_txn *t, const void *k, size_t kl, const void *v, size_t vl,
                            gp_err *err);
gp_rc gp_store_txn_meta_delete(gp_store_txn *t, const void *k, size_t kl, gp_err *err);
/* Appends rows [from, to) of r to `table` as fresh rows, one fresh batch per time partition. */
gp_rc gp_store_txn_append(gp_store_txn *t, uint16_t table, const gp_rows *r, size_t from,
                          size_t to, gp_err *err);

/* ---- metadata reads ---- */

/* Reads meta key k into val (replacing its contents); *found says whether it exists. */
gp_rc gp_store_meta_get(gp_store *s, const void *k, size_t kl, gp_buf *val, bool *found,
                        gp_err *err);
typedef int (*gp_store_meta_fn)(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v,
                                size_t vl);
/* Calls fn for every meta key starting with prefix, in key order; fn returns non-zero to stop. */
gp_rc gp_store_meta_scan(gp_store *s, const void *prefix, size_t pl, gp_store_meta_fn fn,
                         void *ctx, gp_err *err);

/* ---- alert state (the `alerts` family) ----
 * The warning scheduler's current instances and per-warning progress (engine/ decides the
 * keys). Written only inside a transaction, so that a slot's state changes commit in the same
 * batch as its history rows and outgoing notifications; read as the meta family is. */
gp_rc gp_store_txn_alert_put(gp_store_txn *t, const void *k, size_t kl, const void *v,
                             size_t vl, gp_err *err);
gp_rc gp_store_txn_alert_delete(gp_store_txn *t, const void *k, size_t kl, gp_err *err);
/* Reads key k of the alerts family into val; *found says whether it exists. */
gp_rc gp_store_alert_get(gp_store *s, const void *k, size_t kl, gp_buf *val, bool *found,
                         gp_err *err);
/* Calls fn for every alerts key starting with prefix, in key order; non-zero stops. */
gp_rc gp_store_alert_scan(gp_store *s, const void *prefix, size_t pl, gp_store_meta_fn fn,
                          void *ctx, gp_err *err);

/* ---- sealing ---- */

typedef struct gp_seal_stats {
  size_t partitions;    /* partitions resealed */
  size_t rows;          /* rows written into chunks */
  size_t chunks;        /* chunks written */
} gp_seal_stats;

/* Seals every partition of `table` that has fresh rows and a partition index < before_part
 * (INT64_MAX = all): its fresh rows and existing chunks are merged, sorted and cut into chunks,
 * written in one atomic batch with the deletion of what they replace. */
gp_rc gp_store_seal(gp_store *s, uint16_t table, int64_t before_part, gp_seal_stats *st,
                    gp_err *err);
/* Seals partition `part` of `table` with rows src[idx[k]] (k < n) added to whatever it holds
 * already (fresh rows, chunks): the new chunks, the deletion of what they replace and
 * everything txn holds so far commit in one atomic, durable batch (txn can be reused after).
 * Bulk loads use it to write a complete partition straight into chunks rather than writing
 * its rows fresh first and reading them back. */
gp_rc gp_store_seal_rows(gp_store_txn *txn, uint16_t table, int64_t part, const gp_rows *src,
                         const uint32_t *idx, size_t n, gp_seal_stats *st, gp_err *err);
/* The partition index of timestamp ts for a table's layout. */
int64_t gp_store_partition_of(const gp_store_layout *l, int64_t ts);

/* Drops every row of a table (fresh and sealed) with range deletions. */
gp_rc gp_store_drop_rows(gp_store *s, uint16_t table, gp_err *err);
/* Drops whole partitions [p_lo, p_hi) of a table (retention). */
gp_rc gp_store_drop_partitions(gp_store *s, uint16_t table, int64_t p_lo, int64_t p_hi,
                               gp_err *err);
/* Compacts the whole database (so that deleted fresh rows no longer take space). */
gp_rc gp_store_compact(gp_store *s, gp_err *err);

/* ---- scans ---- */

/* A filter the scan may apply while decoding, on one SYMBOL column: a row passes when its
 * dictionary id is among ids[0..nids) (ascending), or with neg is not; a NULL never passes.
 * Every passing row is returned; failing rows are left out where that saves work and may be
 * returned otherwise, so the caller still applies the filter. Units whose summary shows no
 * passing row are not read; where under a quarter pass, the chunk decodes that column
 * first and reads the cells of the passing rows only (CityBench Q2: 4.6% of August's
 * events); elsewhere the unit is decoded whole. */
typedef struct gp_scan_keep {
  int col;
  const int64_t *ids;
  size_t nids;
  bool neg;
} gp_scan_keep;

typedef struct gp_scan_spec {
  int64_t t_lo, t_hi;           /* time window [t_lo, t_hi); INT64_MIN / INT64_MAX = open */
  const gp_cell_range *cells;   /* sorted disjoint level-0 code ranges; NULL = all space */
  size_t ncells;
  uint64_t cols;                /* columns to decode (bit c = column c); 0 = all */
  const gp_scan_keep *keep;     /* NULL = none (copied by gp_scan_open) */
} gp_scan_spec;

/* What a unit's summary says without decoding it. */
typedef struct gp_col_summary {
  size_t nulls;        /* null values */
  int64_t imin, imax;  /* TIMESTAMP/INT: min and max of non-null values */
  double dmin, dmax;   /* DOUBLE: min and max of non-null, non-NaN values */
  double dsum;         /* DOUBLE: sum of non-null values (INT: sum as double) */
  int64_t isum;        /* INT: exact sum when isum_exact; DOUBLE: sum * 10^scale when exact */
  bool isum_exact;     /* isum holds the exact sum */
  int scale;           /* DOUBLE: decimal digits of isum (values are k / 10^scale) */
  size_t nsyms;        /* SYMBOL: distinct ids present */
  uint32_t *sym_ids;   /* SYMBOL: ids present, ascending */
  uint32_t *sym_counts;/* SYMBOL: rows per id */
  /* An INT series column (version 3 summaries) lists its values as SYMBOL lists its ids, so
   * that INT-keyed series get the same pruning and tails; 0 / NULL for any other column. */
  size_t nkeys;        /* INT series column: distinct values present */
  int64_t *keys;       /* INT series column: values present, ascending */
  uint32_t *key_counts;/* INT series column: rows per value */
  /* Series tail (see gp_unit_info.ntail): this column's value in the latest row of each
   * series, indexed like the series column's sym_ids (or keys); NULL for TEXT and when no
   * tail. */
  int64_t *tail_i;     /* TIMESTAMP/INT/SYMBOL */
  double *tail_d;      /* DOUBLE */
  uint8_t *tail_null;  /* 1 where that value is null */
} gp_col_summary;

typedef struct gp_unit_info {
  bool fresh;            /* unsealed rows (merged at read time) */
  bool covered;          /* every row of the unit matches the spec: the summary answers */
  int64_t partition;
  size_t rows;           /* rows in the unit */
  int64_t t_min, t_max;  /* time range of its rows (inclusive) */
  uint64_t cell_min, cell_max; /* level-0 code range of its rows (inclusive) */
  int ncols;
  const gp_col_summary *cols;  /* per-column summary, valid until gp_scan_close */
  /* Series tail, for tables with a series column (LOCATION FROM): the latest row of each
   * series in the unit, so that "latest value per series" is answered without decoding.
   * ntail == cols[series].nsyms (SYMBOL) or .nkeys (INT) when present, else 0; entry k is
   * series cols[series].sym_ids[k] (or .keys[k]):
   * tail_t[k] is its latest ts in the unit, tail_one[k] is 1 when a single row has that ts
   * (the columns' tail values are then that row's; with ties they are not kept). */
  size_t ntail;
  const int64_t *tail_t;
  const uint8_t *tail_one;
} gp_unit_info;

/* Plans a scan of `table`: reads the summaries of the partitions the time window touches and
 * keeps the units whose time and cell ranges intersect the spec. Returns owned *out (free
 * with gp_scan_close); the spec's cells are copied. */
gp_rc gp_scan_open(gp_store *s, uint16_t table, const gp_scan_spec *spec, gp_scan **out,
                   gp_err *err);
void gp_scan_close(gp_scan *sc);
size_t gp_scan_units(const gp_scan *sc);
/* Borrowed, valid until gp_scan_close. */
const gp_unit_info *gp_scan_unit(const gp_scan *sc, size_t i);

/* Decodes unit i into out (re-initialised; the caller frees it with gp_rows_free), keeping
 * only the rows that match the spec's time window and cells (the keep filter may leave rows
 * that fail it, see gp_scan_keep). Only the spec's columns are decoded (the others hold
 * garbage), plus cells always. Safe to call concurrently for different units with
 * different `out`. TEXT pointers point into out->text. */
gp_rc gp_scan_decode(gp_scan *sc, size_t i, gp_rows *out, gp_err *err);
/* Sets the keep filter of a scan opened without one (copied; ids ascending): the decodes that
 * follow may leave out the rows it does not keep, so the caller must know they cannot matter
 * (series whose rows no filter or inner join lets through). A scan with a keep filter keeps
 * its own. */
gp_rc gp_scan_set_keep(gp_scan *sc, const gp_scan_keep *keep, gp_err *err);

/* Keeps up to `bytes` of decoded sealed chunks (0: off, the default, which frees them), so
 * that scans of many small time windows over the same chunks (a warning replayed slot by
 * slot) decode each chunk once and then read only their window's rows: a binary search per
 * series run instead of a week of rows per chunk. For one-thread readers of data that does
 * not change under them (`gridpulse warnings run`): the cache serialises its decodes. */
gp_rc gp_store_set_chunk_cache(gp_store *s, size_t bytes, gp_err *err);

/* The parallel driver: decodes every unit on OpenMP threads and calls fn(ctx, thread, unit,
 * rows) for each non-empty one; `thread` in [0, omp_get_max_threads()) indexes thread-local
 * partial state that the caller merges afterwards. With use_summaries, covered units are
 * passed with rows == NULL so that the caller can answer from the summary. The first error
 * stops the scan. */
typedef gp_rc (*gp_scan_fn)(void *ctx, int thread, const gp_unit_info *u, const gp_rows *rows,
                            gp_err *err);
gp_rc gp_scan_run(gp_scan *sc, bool use_summaries, gp_scan_fn fn, void *ctx, gp_err *err);
/* The same over the units units[0..n) only (indexes into the scan), e.g. those a planner kept
 * after reading their summaries, in waves of its choosing; units NULL means 0..n-1. */
gp_rc gp_scan_run_some(gp_scan *sc, const size_t *units, size_t n, bool use_summaries,
                       gp_scan_fn fn, void *ctx, gp_err *err);

/* The newest partition of `table` holding rows (sealed or fresh) in the time window
 * [t_lo, t_hi) (INT64_MIN / INT64_MAX = open), in *part; *found is false when none. Reads
 * one key per column family, so that a planner can try the newest partition first. */
gp_rc gp_store_newest_partition(gp_store *s, uint16_t table, int64_t t_lo, int64_t t_hi,
                                int64_t *part, bool *found, gp_err *err);

/* ---- statistics ---- */

typedef struct gp_store_stats {
  size_t fresh_batches, fresh_rows;
  size_t chunks, chunk_rows;
  size_t chunk_bytes;   /* encoded bytes of chunk columns and summaries (before RocksDB) */
} gp_store_stats;
gp_rc gp_store_table_stats(gp_store *s, uint16_t table, gp_store_stats *st, gp_err *err);
/* Bytes the database directory takes on disk. */
uint64_t gp_store_disk_bytes(gp_store *s);

/* ---- checking and repair (verify.c) ---- */

/* Called once for each damaged thing found, with a message that names it (a file and byte,
 * or a table, partition and chunk); returns non-zero to stop the check. */
typedef int (*gp_store_report_fn)(void *ctx, const char *damage);

typedef struct gp_store_check_stats {
  size_t log_files;       /* WALs and the MANIFEST read record by record */
  size_t log_records;     /* their records whose checksum matched */
  size_t table_files;     /* live table (SST) files */
  uint64_t table_bytes;
  size_t keys;            /* keys read from them (and the memtables), blocks verified */
  size_t chunks;          /* chunks decoded and matched with their summaries */
  size_t fresh_batches;   /* fresh batches decoded and matched with their summaries */
  size_t rows;            /* rows those held */
  size_t damaged;         /* damage reported */
} gp_store_check_stats;

/* Reads every WAL and the MANIFEST of the database directory `path` record by record without
 * opening it, reporting each record RocksDB would refuse or silently drop as a torn write
 * when it is not one. Adds to *st. Fails only when a file cannot be read. */
gp_rc gp_store_check_logs(const char *path, gp_store_report_fn fn, void *ctx,
                          gp_store_check_stats *st, gp_err *err);
/* Reads every key of every column family with block checksums verified (range deletions
 * ignored, so that deleted data not yet compacted away is read too), then decodes every
 * chunk and fresh batch of the tables with a layout and compares it with its summary, and
 * pairs each chunk with its summary. Adds to *st; damage is reported, not failed on. */
gp_rc gp_store_check(gp_store *s, gp_store_report_fn fn, void *ctx, gp_store_check_stats *st,
                     gp_err *err);
typedef struct gp_store_repair_stats {
  size_t log_damage;     /* damaged records found in the WALs and the MANIFEST beforehand */
  bool wal_salvaged;     /* step 1 opened the database and kept the WALs up to their damage */
  bool rocksdb_repair;   /* step 2 ran: the MANIFEST rebuilt, unreadable table files set aside */
  size_t orphans;        /* step 3: chunks without a summary and summaries without a chunk */
} gp_store_repair_stats;

/* Salvages what can be read of the database at path (not open elsewhere), in three steps:
 * (1) open it with point-in-time WAL recovery, which keeps every transaction before the first
 * damaged WAL record and none after it, and flush that to table files; (2) when that open
 * fails (a damaged MANIFEST) or a table file does not read whole, RocksDB's repair, which
 * rebuilds the MANIFEST from the table files that read and moves the others to path/lost/
 * (all their rows are gone); (3) delete summaries left without their chunk and chunks
 * without their summary, so that what remains answers consistently. What was lost is not
 * brought back: see README.md, "Damage and repair". */
gp_rc gp_store_repair(const char *path, gp_store_repair_stats *rs, gp_err *err);

#endif
