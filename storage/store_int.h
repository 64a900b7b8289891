/* store_int.h - what store.c, seal.c and chunk.c share inside storage/ (prefix gp_store__). */
#ifndef GP_STORE_INT_H
#define GP_STORE_INT_H

#include "gp_store.h"

#include <stdint.h>
#include <string.h>

/* The column families, in the order gp_store__cf and the store's handles use. */
enum {
  GP_STORE__CF_DEFAULT,
  GP_STORE__CF_META,
  GP_STORE__CF_FRESH,
  GP_STORE__CF_CHUNKS,
  GP_STORE__CF_SUMS,
  GP_STORE__CF_ALERTS,
  GP_STORE__CF_COUNT
};
/* What verify.c needs of an open store (rocksdb_t and its column family handles, borrowed,
 * valid until gp_store_close), without this header including rocksdb/c.h. */
struct rocksdb_t *gp_store__db(gp_store *s);
struct rocksdb_column_family_handle_t *gp_store__cf(gp_store *s, int cf);
const char *gp_store__cf_name(int cf);
/* The same for seal.c: the store's read options and fsyncing write options, and a
 * transaction's store and write batch (all borrowed). */
struct rocksdb_readoptions_t *gp_store__ro(gp_store *s);
struct rocksdb_writeoptions_t *gp_store__wo_sync(gp_store *s);
gp_store *gp_store__txn_store(gp_store_txn *t);
struct rocksdb_writebatch_t *gp_store__txn_wb(gp_store_txn *t);
/* Copies a RocksDB error e (malloc'ed, freed here) into err: GP_CORRUPT for "Corruption:",
 * else GP_STORAGE, with `what` saying what was being done. */
gp_rc gp_store__rdb_err(gp_err *err, char *e, const char *what);

/* Keys (layout in README.md): big-endian, and signed values sign-flipped, so that RocksDB's
 * byte order is numeric order. Shared by store.c (fresh rows, scans) and seal.c (chunks). */

static inline void gp_store__put_be16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static inline void gp_store__put_be32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (24 - 8 * i));
}
static inline void gp_store__put_be64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (56 - 8 * i));
}
static inline uint64_t gp_store__get_be64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | p[i];
  return v;
}
static inline uint64_t gp_store__flip(int64_t v) { return (uint64_t)v ^ (UINT64_C(1) << 63); }
static inline int64_t gp_store__unflip(uint64_t v) { return (int64_t)(v ^ (UINT64_C(1) << 63)); }

/* table | partition prefix (10 bytes). partition INT64_MAX + 1 wraps to a key past all. */
static inline void gp_store__tp_key(uint8_t *k, uint16_t table, int64_t part) {
  gp_store__put_be16(k, table);
  gp_store__put_be64(k + 2, gp_store__flip(part));
}

/* The exclusive end of partition `part` (or of the whole table when part == INT64_MAX). */
static inline size_t gp_store__tp_end(uint8_t *k, uint16_t table, int64_t part) {
  if (part == INT64_MAX) {
    gp_store__put_be16(k, (uint16_t)(table + 1));
    if (table == UINT16_MAX) {
      memset(k, 0xff, 10);
      return 10;
    }
    return 2;
  }
  gp_store__tp_key(k, table, part + 1);
  return 10;
}


/* The layout registered for table `table`, or NULL. Borrowed. */
const gp_store_layout *gp_store__layout(const gp_store *s, uint16_t table);
/* Checks the last 32 KiB block of every WAL and of the MANIFEST in directory `dir` (see
 * verify.c): GP_CORRUPT naming the file and byte when a record there is damaged rather than
 * torn. A directory that cannot be read is left to RocksDB to report. */
gp_rc gp_store__check_log_tails(const char *dir, gp_err *err);
/* The first damage gp_store_check_logs finds in dir's log files, in msg (empty when none). */
void gp_store__first_log_damage(const char *dir, char *msg, size_t cap);

/* The holder file (holder.c): DIR/LOCK.holder names the process holding the write lock.
 * holder_write is called once a read-write open holds the lock, holder_remove at its close;
 * holder_error sets err (GP_BUSY) to one sentence naming the holder, for an open refused
 * because the lock is taken (is_lock_error says whether RocksDB's message means that). */
void gp_store__holder_write(const char *dir);
void gp_store__holder_remove(const char *dir);
bool gp_store__is_lock_error(const char *rocksdb_msg);
gp_rc gp_store__holder_error(const char *dir, gp_err *err);
/* The MANIFEST that DIR/CURRENT names and its size, as text in out; false when unreadable. Two
 * equal stamps around a read-only open mean no flush or compaction was recorded meanwhile. */
bool gp_store__manifest_stamp(const char *dir, char *out, size_t cap);

/* Rows per sealed chunk at most: sealing cuts chunks of 4,096..8,192 rows. */
#define GP_STORE_CHUNK_MAX_ROWS 8192
#define GP_STORE_CHUNK_MIN_ROWS 4096

/* Encodings of a row set. Fresh batches are written raw (a memcpy of the columns: fresh rows
 * are transient, so ingest should not pay for packing twice); sealed chunks are packed with
 * the column codecs of codec.c. */
enum { GP_ENC_RAW = 0, GP_ENC_PACKED = 1 };

/* Appends the encoding of rows [0, r->n) of r to out. */
gp_rc gp_store__encode_rows(const gp_rows *r, int enc, gp_buf *out, gp_err *err);
/* Decodes a row set (either encoding) into out, which must be initialised for the right
 * layout; rows are appended after out's existing rows. */
gp_rc gp_store__decode_rows(const uint8_t *p, size_t n, gp_rows *out, gp_err *err);
/* The same, decoding only the columns whose bit is set in cols (bit c = column c); the other
 * columns of the appended rows are left unset and must not be read. keep (or NULL) appends
 * only the rows it keeps: its column is decoded first, the cells of a packed chunk are then
 * read at the kept rows only, the other columns decoded and their kept rows moved together. */
gp_rc gp_store__decode_cols(const uint8_t *p, size_t n, gp_rows *out, uint64_t cols,
                            const gp_scan_keep *keep, gp_err *err);

/* Whether dictionary id `id` is among keep's ids (ascending), and whether it passes (neg
 * inverts). */
static inline bool gp_store__keep_among(const gp_scan_keep *keep, int64_t id) {
  if (keep->nids == 1) return keep->ids[0] == id; /* category = 'c003': ~70 k tests a Q2 */
  size_t lo = 0, hi = keep->nids;
  while (lo < hi) {
    size_t md = (lo + hi) / 2;
    if (keep->ids[md] < id) lo = md + 1;
    else hi = md;
  }
  return lo < keep->nids && keep->ids[lo] == id;
}
static inline bool gp_store__keep_has(const gp_scan_keep *keep, int64_t id) {
  return gp_store__keep_among(keep, id) != keep->neg;
}

/* Summary of rows [0, r->n): appended to out. time_col < 0 = no time (t range 0..0).
 * series_col >= 0 (a SYMBOL or INT column) adds the series tail (see gp_unit_info.ntail). */
gp_rc gp_store__encode_summary(const gp_rows *r, int time_col, int series_col, gp_buf *out,
                               gp_err *err);
/* Parses a summary; per-column arrays are allocated (free with gp_store__unit_free). */
gp_rc gp_store__decode_summary(const uint8_t *p, size_t n, gp_unit_info *u, gp_err *err);
void gp_store__unit_free(gp_unit_info *u);

/* Appends row src[i] to dst (same layout). */
gp_rc gp_store__rows_append(gp_rows *dst, const gp_rows *src, size_t i);
/* Appends rows src[idx[k]] for k in [0, n) to dst (same layout). */
gp_rc gp_store__rows_gather(gp_rows *dst, const gp_rows *src, const uint32_t *idx, size_t n);

/* An open scan (store.c; its keep filter narrowed later by scan_keep.c). */
typedef struct sum_entry sum_entry;
/* Forgets what the partition directory (store.c) holds of table's partitions p_lo..p_hi (of
 * every table when all): called by whatever writes summaries, once its batch is written. */
void gp_store__dir_forget(gp_store *s, uint16_t table, int64_t p_lo, int64_t p_hi, bool all);

typedef struct scan_unit {
  gp_unit_info info;
  sum_entry *sum;    /* the cached summary info's arrays belong to (a reference), or NULL */
  uint8_t key[22];   /* chunk key (sealed units) */
  uint8_t *fresh;    /* raw rows of a fresh batch, owned (fresh units) */
  size_t fresh_len;
} scan_unit;

struct gp_scan {
  gp_store *s;
  uint16_t table;
  gp_store_layout layout;
  int64_t t_lo, t_hi;
  gp_cell_range *cells;
  size_t ncells;
  uint64_t cols;        /* columns to decode */
  gp_scan_keep keep;    /* keep.ids NULL: every row */
  scan_unit *units;
  size_t n, cap;
};

/* The decoded-chunk cache (dcache.c, see gp_store_set_chunk_cache). */
typedef struct gp_store__dcache gp_store__dcache;
gp_store__dcache *gp_store__dcache_new(size_t budget);
void gp_store__dcache_free(gp_store__dcache *c);
/* Decodes every column of the unit into *all (initialised for its layout). */
typedef gp_rc (*gp_store__dcache_load_fn)(void *ctx, gp_rows *all, gp_err *err);
/* Appends to out (initialised for layout l) the rows of sealed unit u (chunk key `key`) whose
 * time is in [lo, hi) and whose cell passes cell_ok (NULL: all), from the cache, decoding the
 * unit with load first when it is not there (or was rewritten). keep (or NULL) on the series
 * column drops the series runs it does not keep; on another column it is not applied. */
/* Drops the cached chunks whose keys lie in [lo, hi) (compared on ll and hl bytes; lo NULL:
 * all of them): a seal rewrites chunks under the same keys. */
void gp_store__dcache_forget(gp_store__dcache *c, const uint8_t *lo, size_t ll, const uint8_t *hi,
                             size_t hl);
gp_rc gp_store__dcache_rows(gp_store__dcache *c, const uint8_t key[22], const gp_unit_info *u,
                            const gp_store_layout *l, int64_t lo, int64_t hi,
                            const gp_scan_keep *keep,
                            bool (*cell_ok)(const void *ctx, uint64_t cell), const void *cctx,
                            gp_store__dcache_load_fn load, void *lctx, gp_rows *out,
                            gp_err *err);

#endif
