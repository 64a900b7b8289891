/* verify.c - telling a damaged database from a sound one: the log-format files (WALs and the
 * MANIFEST) read record by record, every key of every column family read with its block
 * checksums verified, every chunk and fresh batch decoded and compared with its summary; and
 * RocksDB's repair.
 *
 * Log-format files (RocksDB's db/log_format.h, the same for WALs and the MANIFEST) are cut into
 * 32 KiB blocks; a block holds records, a record never straddles a block, and a block's last
 * 0..6 bytes are zero padding when no header fits there. A record is
 *
 *   u32 masked crc32c (little-endian) | u16 length (little-endian) | u8 type | length bytes
 *
 * where the checksum covers the type byte and the payload, masked as
 * ((crc >> 15) | (crc << 17)) + 0xa282ead8; types are 1 full, 2 first, 3 middle, 4 last (a
 * logical record longer than a block is cut into first, middle..., last) and 9 (the WAL's
 * compression type). Example: a full record of the 3 bytes "abc" is
 *   <crc of 01 61 62 63, masked> 03 00 01 61 62 63
 *
 * Why this file reads them itself: RocksDB's recovery (in the mode store.c chooses, tolerating
 * corrupted tail records) treats a record whose length runs past the end of the file as the
 * torn last write of a killed process and drops it, with everything after it in that block,
 * silently. A flipped bit in a length field of the last block looks the same. The two differ
 * in one way that can be checked: a torn record has lost bytes, so no prefix of what is there
 * matches its checksum, while a record whose length field is damaged is all there, and the
 * checksum matches the bytes up to its true end. gp_store__check_log_tails does that search on
 * the last block of every log file before each open (at most 32 KiB read per file). */
#include "store_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rocksdb/c.h>

enum { LOG_BLOCK = 32768, LOG_HEADER = 7 };

/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), byte at a time. The table is built
 * by each check (256 steps) rather than kept in a global. */
typedef struct crc_tab {
  uint32_t t[256];
} crc_tab;

static void crc_init(crc_tab *c) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t r = i;
    for (int k = 0; k < 8; k++) r = r & 1 ? (r >> 1) ^ 0x82F63B78u : r >> 1;
    c->t[i] = r;
  }
}

/* Extends the running state l (start: 0xffffffff; the crc is ~l) over p[0..n). */
static uint32_t crc_run(const crc_tab *c, uint32_t l, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) l = c->t[(l ^ p[i]) & 0xff] ^ (l >> 8);
  return l;
}

static uint32_t crc_mask(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* One log file being read. */
typedef struct log_check {
  const crc_tab *crc;
  const char *name; /* file name, for messages */
  bool tail_only;   /* the last block only (fragment order unknown at its start) */
  bool in_frag;     /* inside a first..last sequence */
  size_t records;   /* records whose checksum matched */
  size_t damaged;   /* damage reported in this file */
  gp_store_report_fn fn;
  void *ctx;
  bool stop; /* fn asked to stop */
} log_check;

enum { LOG_MAX_REPORTS = 5 }; /* per file: one flipped byte can make a block of complaints */

static void log_report(log_check *lc, uint64_t at, const char *what) {
  lc->damaged++;
  if (lc->damaged > LOG_MAX_REPORTS || lc->stop) return;
  char msg[GP_ERR_MSG_MAX];
  snprintf(msg, sizeof msg, "%s: %s in the record at byte %llu%s", lc->name, what,
           (unsigned long long)at,
           lc->damaged == LOG_MAX_REPORTS ? " (further damage in this file not listed)" : "");
  if (lc->fn(lc->ctx, msg)) lc->stop = true;
}

/* The block b[0..n) that starts at byte `off` of the file; `last` when the file ends inside
 * it. Mirrors what RocksDB's log reader accepts, and reports what it would refuse, plus the
 * damaged length fields it would take for a torn tail. */
static void log_block(log_check *lc, const uint8_t *b, size_t n, uint64_t off, bool last) {
  size_t pos = 0;
  while (n - pos >= LOG_HEADER && !lc->stop) {
    const uint8_t *h = b + pos;
    size_t len = (size_t)h[4] | (size_t)h[5] << 8;
    uint8_t type = h[6];
    if (type == 0 && len == 0) return; /* preallocated zeros: RocksDB skips the block's rest */
    uint32_t want = le32(h);
    if (LOG_HEADER + len > n - pos) {
      if (!last) {
        log_report(lc, off + pos, "a length past the end of its block");
        return;
      }
      /* Runs past the end of the file: a torn write, unless a prefix of what is there is a
       * whole record (then the length field is what is damaged). */
      size_t avail = n - pos - LOG_HEADER;
      uint32_t l = crc_run(lc->crc, 0xffffffffu, &h[6], 1);
      for (size_t k = 0; k <= avail; k++) {
        if (crc_mask(~l) == want) {
          char what[96];
          snprintf(what, sizeof what, "a damaged length (%zu bytes said, %zu there and whole)", len,
                   k);
          log_report(lc, off + pos, what);
          return;
        }
        if (k < avail) l = crc_run(lc->crc, l, h + LOG_HEADER + k, 1);
      }
      return; /* torn: the write was never acknowledged, recovery drops it */
    }
    uint32_t l = crc_run(lc->crc, 0xffffffffu, &h[6], 1 + len);
    if (crc_mask(~l) != want) {
      log_report(lc, off + pos, "a checksum mismatch");
      return; /* RocksDB drops the block's rest too: its length may be the damaged part */
    }
    lc->records++;
    if (!lc->tail_only) {
      bool bad = false;
      switch (type) {
        case 1:
          bad = lc->in_frag;
          break;
        case 2:
          bad = lc->in_frag, lc->in_frag = true;
          break;
        case 3:
          bad = !lc->in_frag;
          break;
        case 4:
          bad = !lc->in_frag, lc->in_frag = false;
          break;
        case 9:
          break;
        default:
          bad = true;
      }
      if (bad)
        log_report(lc, off + pos,
                   type > 4 && type != 9 ? "an unknown record type" : "fragments out of order");
    }
    pos += LOG_HEADER + len;
  }
}

/* Reads file dir/name (all of it, or its last block) as a log-format file. */
static gp_rc log_file(const char *dir, const char *name, bool tail_only, const crc_tab *crc,
                      gp_store_report_fn fn, void *ctx, gp_store_check_stats *st, gp_err *err) {
  char path[4096];
  if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
    return gp_err_set(err, GP_INVALID, "%s: path too long", dir);
  FILE *f = fopen(path, "rb");
  if (!f) return gp_err_set(err, GP_IO, "%s: cannot open: %s", path, strerror(errno));
  gp_rc rc = GP_OK;
  uint8_t *b = GP_MALLOC(LOG_BLOCK);
  struct stat sb;
  if (!b) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto cleanup;
  }
  if (fstat(fileno(f), &sb) != 0) {
    rc = gp_err_set(err, GP_IO, "%s: %s", path, strerror(errno));
    goto cleanup;
  }
  uint64_t size = (uint64_t)sb.st_size, off = 0;
  if (tail_only && size > 0) off = (size - 1) / LOG_BLOCK * LOG_BLOCK;
  if (off && fseeko(f, (off_t)off, SEEK_SET) != 0) {
    rc = gp_err_set(err, GP_IO, "%s: %s", path, strerror(errno));
    goto cleanup;
  }
  log_check lc = {crc, name, tail_only, false, 0, 0, fn, ctx, false};
  for (; off < size && !lc.stop; off += LOG_BLOCK) {
    size_t want = size - off < LOG_BLOCK ? (size_t)(size - off) : LOG_BLOCK;
    if (fread(b, 1, want, f) != want) {
      rc = gp_err_set(err, GP_IO, "%s: read error at byte %llu", path, (unsigned long long)off);
      goto cleanup;
    }
    log_block(&lc, b, want, off, off + want >= size);
  }
  /* a first..middle sequence cut off by the end of the file is a torn write, as above */
  if (st) {
    st->log_files++;
    st->log_records += lc.records;
    st->damaged += lc.damaged;
  }
cleanup:
  GP_FREE(b);
  fclose(f);
  return rc;
}

typedef struct first_ctx {
  char *msg;
  size_t cap;
} first_ctx;

static int first_fn(void *ctx, const char *damage) {
  first_ctx *c = ctx;
  if (!c->msg[0]) snprintf(c->msg, c->cap, "%s", damage);
  return 1;
}

/* The log-format files of dir: every NNNNNN.log and the MANIFEST that CURRENT names. */
static gp_rc log_files(const char *dir, bool tail_only, gp_store_report_fn fn, void *ctx,
                       gp_store_check_stats *st, gp_err *err) {
  DIR *d = opendir(dir);
  if (!d) return GP_OK; /* nothing to read here: the open that follows says why */
  crc_tab *crc = GP_MALLOC(sizeof *crc);
  gp_rc rc = GP_OK;
  if (!crc) {
    closedir(d);
    return gp_err_set(err, GP_NOMEM, "out of memory");
  }
  crc_init(crc);
  struct dirent *de;
  while (rc == GP_OK && (de = readdir(d)) != NULL) {
    size_t nd = strspn(de->d_name, "0123456789");
    if (nd == 0 || strcmp(de->d_name + nd, ".log") != 0) continue;
    rc = log_file(dir, de->d_name, tail_only, crc, fn, ctx, st, err);
  }
  closedir(d);
  char cur[4096], man[256];
  FILE *f = NULL;
  if (rc == GP_OK && snprintf(cur, sizeof cur, "%s/CURRENT", dir) < (int)sizeof cur &&
      (f = fopen(cur, "rb")) != NULL) {
    size_t n = fread(man, 1, sizeof man - 1, f);
    fclose(f);
    man[n] = '\0';
    size_t nl = strcspn(man, "\n");
    bool ok = nl == n - 1 && strncmp(man, "MANIFEST-", 9) == 0 && !strchr(man, '/');
    man[nl] = '\0';
    if (!ok) {
      if (st) st->damaged++;
      char msg[GP_ERR_MSG_MAX];
      snprintf(msg, sizeof msg, "CURRENT: does not name a MANIFEST file");
      fn(ctx, msg);
    } else {
      rc = log_file(dir, man, tail_only, crc, fn, ctx, st, err);
    }
  }
  GP_FREE(crc);
  return rc;
}

gp_rc gp_store__check_log_tails(const char *dir, gp_err *err) {
  char msg[GP_ERR_MSG_MAX / 2] = "";
  first_ctx c = {msg, sizeof msg};
  gp_err e1 = {0};
  /* A file that cannot be read here is left for RocksDB to report (it reads the same files);
   * only damage found is a reason to refuse. */
  log_files(dir, true, first_fn, &c, NULL, &e1);
  if (msg[0]) return gp_err_set(err, GP_CORRUPT, "%s: damaged: %s", dir, msg);
  return GP_OK;
}

void gp_store__first_log_damage(const char *dir, char *msg, size_t cap) {
  msg[0] = '\0';
  first_ctx c = {msg, cap};
  gp_err e1 = {0};
  log_files(dir, false, first_fn, &c, NULL, &e1);
}

gp_rc gp_store_check_logs(const char *path, gp_store_report_fn fn, void *ctx,
                          gp_store_check_stats *st, gp_err *err) {
  return log_files(path, false, fn, ctx, st, err);
}

/* ---- the open database ---- */

static int report(gp_store_report_fn fn, void *ctx, gp_store_check_stats *st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int report(gp_store_report_fn fn, void *ctx, gp_store_check_stats *st, const char *fmt,
                  ...) {
  char msg[GP_ERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  st->damaged++;
  return fn(ctx, msg);
}

/* Names a chunk or fresh batch key (table u16 | partition | ...) for messages. */
static void key_name(const uint8_t *k, size_t kl, char *out, size_t cap) {
  if (kl < 10) {
    snprintf(out, cap, "a key of %zu bytes", kl);
    return;
  }
  uint64_t part = 0, rest = 0;
  for (int i = 0; i < 8; i++) part = part << 8 | k[2 + i];
  for (size_t i = 10; i < kl && i < 18; i++) rest = rest << 8 | k[i];
  int64_t p = (int64_t)(part ^ (UINT64_C(1) << 63));
  unsigned table = (unsigned)(k[0] << 8 | k[1]);
  if (kl == 18)
    snprintf(out, cap, "table %u, partition %lld, fresh batch %llu", table, (long long)p,
             (unsigned long long)rest);
  else if (kl == 22)
    snprintf(out, cap, "table %u, partition %lld, chunk at cell %016llx #%u", table, (long long)p,
             (unsigned long long)rest, (unsigned)(k[18] << 24 | k[19] << 16 | k[20] << 8 | k[21]));
  else
    snprintf(out, cap, "table %u, partition %lld, a key of %zu bytes", table, (long long)p, kl);
}

/* Decodes rows p[0..n) of the table whose key k is, re-encodes their summary and compares it
 * with sum[0..sl): the summary is a function of the rows, so any byte of either that changed
 * shows (the closest thing a chunk has to a checksum of its own, beyond RocksDB's block CRCs).
 * Returns non-zero when fn asked to stop. */
static int check_unit(gp_store *s, const uint8_t *k, size_t kl, const uint8_t *sum, size_t sl,
                      const uint8_t *p, size_t n, bool fresh, gp_store_report_fn fn, void *ctx,
                      gp_store_check_stats *st) {
  char name[160];
  key_name(k, kl, name, sizeof name);
  const gp_store_layout *l = gp_store__layout(s, (uint16_t)(k[0] << 8 | k[1]));
  if (!l) return report(fn, ctx, st, "%s: no table with that id in the catalog", name);
  gp_rows rows = {0};
  gp_buf again = {0};
  gp_err e1 = {0};
  int stop = 0;
  if (gp_rows_init(&rows, l, 64)) {
    stop = report(fn, ctx, st, "%s: out of memory checking it", name);
    goto cleanup;
  }
  if (gp_store__decode_rows(p, n, &rows, &e1)) {
    stop = report(fn, ctx, st, "%s: %s", name, e1.msg);
    goto cleanup;
  }
  if (gp_store__encode_summary(&rows, l->time_col, l->series_col, &again, &e1)) {
    stop = report(fn, ctx, st, "%s: %s", name, e1.msg);
    goto cleanup;
  }
  if (again.len != sl || memcmp(again.p, sum, sl) != 0) {
    stop = report(fn, ctx, st, "%s: its %zu rows do not match its summary", name, rows.n);
    goto cleanup;
  }
  st->rows += rows.n;
  if (fresh)
    st->fresh_batches++;
  else
    st->chunks++;
cleanup:
  gp_buf_free(&again);
  gp_rows_free(&rows);
  return stop;
}

/* Every key of family cf, range deletions ignored so that deleted blocks not yet compacted
 * away are read too; RocksDB verifies each block's checksum as it loads it. */
static gp_rc check_family(gp_store *s, int cf, gp_store_report_fn fn, void *ctx,
                          gp_store_check_stats *st, bool *bad, bool *stop) {
  rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
  rocksdb_readoptions_set_verify_checksums(ro, 1);
  rocksdb_readoptions_set_fill_cache(ro, 0);
  rocksdb_readoptions_set_ignore_range_deletions(ro, 1);
  rocksdb_iterator_t *it = rocksdb_create_iterator_cf(gp_store__db(s), ro, gp_store__cf(s, cf));
  for (rocksdb_iter_seek_to_first(it); rocksdb_iter_valid(it); rocksdb_iter_next(it)) st->keys++;
  char *e = NULL;
  rocksdb_iter_get_error(it, &e);
  if (e) {
    *bad = true;
    *stop = report(fn, ctx, st, "column family %s: %s", gp_store__cf_name(cf), e);
    free(e);
  }
  rocksdb_iter_destroy(it);
  rocksdb_readoptions_destroy(ro);
  return GP_OK;
}

/* The live rows: every chunk against its summary (and each without the other), every fresh
 * batch against the summary it carries. */
static gp_rc check_units(gp_store *s, const bool *fam_bad, gp_store_report_fn fn, void *ctx,
                         gp_store_check_stats *st, bool *stop) {
  rocksdb_t *db = gp_store__db(s);
  rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
  rocksdb_readoptions_set_verify_checksums(ro, 1);
  rocksdb_readoptions_set_fill_cache(ro, 0);
  char name[160];
  static const int order[3] = {GP_STORE__CF_FRESH, GP_STORE__CF_CHUNKS, GP_STORE__CF_SUMS};
  for (int oi = 0; oi < 3 && !*stop; oi++) {
    int cf = order[oi];
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(db, ro, gp_store__cf(s, cf));
    for (rocksdb_iter_seek_to_first(it); rocksdb_iter_valid(it) && !*stop; rocksdb_iter_next(it)) {
      size_t kl, vl;
      const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it, &kl);
      const uint8_t *v = (const uint8_t *)rocksdb_iter_value(it, &vl);
      key_name(k, kl, name, sizeof name);
      if (cf == GP_STORE__CF_FRESH) {
        uint32_t sl = 0;
        if (kl != 18 || vl < 4 || (memcpy(&sl, v, 4), sl > vl - 4)) {
          *stop = report(fn, ctx, st, "%s: a fresh batch with a bad header", name);
          continue;
        }
        *stop = check_unit(s, k, kl, v + 4, sl, v + 4 + sl, vl - 4 - sl, true, fn, ctx, st);
        continue;
      }
      /* the other of the pair under the same key */
      int other = cf == GP_STORE__CF_CHUNKS ? GP_STORE__CF_SUMS : GP_STORE__CF_CHUNKS;
      char *e = NULL;
      size_t ol = 0;
      char *ov = rocksdb_get_cf(db, ro, gp_store__cf(s, other), (const char *)k, kl, &ol, &e);
      if (e) {
        *stop = report(fn, ctx, st, "%s: %s", name, e);
        free(e);
      } else if (!ov) {
        *stop = report(fn, ctx, st, "%s: a %s without its %s", name,
                       cf == GP_STORE__CF_CHUNKS ? "chunk" : "summary",
                       cf == GP_STORE__CF_CHUNKS ? "summary" : "chunk");
      } else if (cf == GP_STORE__CF_CHUNKS) {
        *stop = check_unit(s, k, kl, (const uint8_t *)ov, ol, v, vl, false, fn, ctx, st);
      }
      free(ov);
    }
    char *e = NULL;
    rocksdb_iter_get_error(it, &e);
    if (e && !fam_bad[cf]) /* else check_family said it already */
      *stop = report(fn, ctx, st, "column family %s: %s", gp_store__cf_name(cf), e);
    free(e);
    rocksdb_iter_destroy(it);
  }
  rocksdb_readoptions_destroy(ro);
  return GP_OK;
}

gp_rc gp_store_check(gp_store *s, gp_store_report_fn fn, void *ctx, gp_store_check_stats *st,
                     gp_err *err) {
  (void)err;
  const rocksdb_livefiles_t *lf = rocksdb_livefiles(gp_store__db(s));
  if (lf) {
    int n = rocksdb_livefiles_count(lf);
    for (int i = 0; i < n; i++) {
      st->table_files++;
      st->table_bytes += rocksdb_livefiles_size(lf, i);
    }
    rocksdb_livefiles_destroy(lf);
  }
  bool stop = false, bad[GP_STORE__CF_COUNT] = {0};
  for (int cf = 0; cf < GP_STORE__CF_COUNT && !stop; cf++)
    check_family(s, cf, fn, ctx, st, &bad[cf], &stop);
  if (!stop) check_units(s, bad, fn, ctx, st, &stop);
  return GP_OK;
}

/* Step 1 of a repair: opens path read-write with point-in-time WAL recovery, which replays
 * every WAL record before the first damaged one (a consistent prefix: each record is one whole
 * transaction) and stops there, flushes what it recovered to table files and closes. Returns
 * false (with the reason in why) when even that open fails, e.g. over a damaged MANIFEST. */
static bool salvage_wal(const char *path, char *why, size_t cap) {
  rocksdb_options_t *o = rocksdb_options_create();
  rocksdb_options_set_info_log_level(o, 4);
  rocksdb_options_set_create_missing_column_families(o, 1);
  rocksdb_options_set_wal_recovery_mode(o, rocksdb_point_in_time_recovery);
  const char *names[GP_STORE__CF_COUNT];
  const rocksdb_options_t *cfo[GP_STORE__CF_COUNT];
  rocksdb_column_family_handle_t *cf[GP_STORE__CF_COUNT] = {0};
  for (int i = 0; i < GP_STORE__CF_COUNT; i++) names[i] = gp_store__cf_name(i), cfo[i] = o;
  char *e = NULL;
  rocksdb_t *db = rocksdb_open_column_families(o, path, GP_STORE__CF_COUNT, names, cfo, cf, &e);
  if (!e) {
    rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
    rocksdb_flushoptions_set_wait(fo, 1);
    for (int i = 0; i < GP_STORE__CF_COUNT && !e; i++) rocksdb_flush_cf(db, fo, cf[i], &e);
    rocksdb_flushoptions_destroy(fo);
    for (int i = 0; i < GP_STORE__CF_COUNT; i++) rocksdb_column_family_handle_destroy(cf[i]);
    rocksdb_close(db);
  }
  rocksdb_options_destroy(o);
  if (e) snprintf(why, cap, "%s", e);
  free(e);
  return !e;
}

static int count_fn(void *ctx, const char *damage) {
  (void)damage;
  (*(size_t *)ctx)++;
  return 0;
}

/* Step 3: summaries whose chunk is gone (RocksDB's repair sets aside whole table files, and
 * chunks and summaries live in different ones) would go on answering count(*) for rows that
 * no longer exist; chunks without a summary are never read. Both are deleted. */
static gp_rc drop_orphans(gp_store *s, size_t *dropped, gp_err *err) {
  rocksdb_t *db = gp_store__db(s);
  rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
  rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
  rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
  rocksdb_writeoptions_set_sync(wo, 1);
  gp_rc rc = GP_OK;
  char *e = NULL;
  for (int cf = GP_STORE__CF_CHUNKS; cf <= GP_STORE__CF_SUMS && !e; cf++) {
    int other = cf == GP_STORE__CF_CHUNKS ? GP_STORE__CF_SUMS : GP_STORE__CF_CHUNKS;
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(db, ro, gp_store__cf(s, cf));
    for (rocksdb_iter_seek_to_first(it); rocksdb_iter_valid(it) && !e; rocksdb_iter_next(it)) {
      size_t kl, ol = 0;
      const char *k = rocksdb_iter_key(it, &kl);
      char *ov = rocksdb_get_cf(db, ro, gp_store__cf(s, other), k, kl, &ol, &e);
      if (!e && !ov) {
        rocksdb_writebatch_delete_cf(wb, gp_store__cf(s, cf), k, kl);
        (*dropped)++;
      }
      free(ov);
    }
    if (!e) rocksdb_iter_get_error(it, &e);
    rocksdb_iter_destroy(it);
  }
  if (!e) rocksdb_write(db, wo, wb, &e);
  gp_store__dir_forget(s, 0, 0, 0, true); /* summaries may be gone */
  if (e) {
    rc = gp_err_set(err, GP_CORRUPT, "still damaged after the repair: %s", e);
    free(e);
  }
  rocksdb_writeoptions_destroy(wo);
  rocksdb_writebatch_destroy(wb);
  rocksdb_readoptions_destroy(ro);
  return rc;
}

gp_rc gp_store_repair(const char *path, gp_store_repair_stats *rs, gp_err *err) {
  memset(rs, 0, sizeof *rs);
  struct stat sb;
  if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
    return gp_err_set(err, GP_NOTFOUND, "database \"%s\" does not exist", path);
  gp_store_check_stats st = {0};
  gp_rc rc = gp_store_check_logs(path, count_fn, &rs->log_damage, &st, err);
  if (rc) return rc;
  char why[GP_ERR_MSG_MAX / 2] = "";
  rs->wal_salvaged = salvage_wal(path, why, sizeof why);
  /* Step 2, RocksDB's repair, only where needed: when the salvage could not open the database,
   * or a table file does not read whole. It rebuilds the MANIFEST from the table files it
   * can read and sets the others aside in path/lost/; what is still only in a WAL is lost for
   * every column family but the default one (RocksDB learns the families from table files),
   * hence the salvage first. */
  bool need = !rs->wal_salvaged;
  gp_store *s = NULL;
  gp_store_opts so = {path, true, false};
  gp_err e1 = {0};
  if (!need) {
    if (gp_store_open(&so, &s, &e1)) {
      need = true;
    } else {
      size_t bad = 0;
      bool flags[GP_STORE__CF_COUNT] = {0}, stop = false;
      gp_store_check_stats cs = {0};
      for (int cf = 0; cf < GP_STORE__CF_COUNT; cf++)
        check_family(s, cf, count_fn, &bad, &cs, &flags[cf], &stop);
      need = bad > 0;
      gp_store_close(s);
      s = NULL;
    }
  }
  if (need) {
    rocksdb_options_t *o = rocksdb_options_create();
    rocksdb_options_set_info_log_level(o, 4);
    char *e = NULL;
    rocksdb_repair_db(o, path, &e);
    rocksdb_options_destroy(o);
    if (e) {
      rc = gp_err_set(err, GP_STORAGE, "%s: RocksDB's repair failed: %s%s%s", path, e,
                      why[0] ? "; the salvage of the WAL: " : "", why);
      free(e);
      return rc;
    }
    rs->rocksdb_repair = true;
  }
  gp_err_clear(&e1);
  if ((rc = gp_store_open(&so, &s, err))) return rc;
  rc = drop_orphans(s, &rs->orphans, err);
  if (rc == GP_OK) rc = gp_store_sync(s, err);
  gp_store_close(s);
  return rc;
}
