/* seal.c - sealing: a partition's fresh rows sorted by Morton code, cut into chunks of
 * 4,096..8,192 rows at the coarsest cell boundary, packed with their summaries and written in
 * one batch that also deletes the fresh rows; and dropping partitions, tables and compaction.
 * Split from store.c, which keeps opening, transactions and scans; both reach the open store
 * through store_int.h. */
#include "store_int.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include <rocksdb/c.h>

#define CHUNK_MAX_ROWS GP_STORE_CHUNK_MAX_ROWS /* rows per chunk at most */
#define CHUNK_MIN_ROWS GP_STORE_CHUNK_MIN_ROWS /* a cut is chosen among rows [min, max] */

/* Chunk boundaries over Morton-sorted rows: returns the start offsets (plus n at the end).
 * Each cut lies in [start + MIN, start + MAX] and is placed where neighbouring codes differ in
 * their highest bit (the coarsest cell boundary in the window); ties go to the fuller chunk. */
static size_t plan_cuts(const uint64_t *key, size_t n, size_t *cuts) {
  size_t m = 0, s = 0;
  cuts[m++] = 0;
  while (n - s > CHUNK_MAX_ROWS) {
    size_t best = s + CHUNK_MAX_ROWS;
    int best_bit = -1;
    for (size_t c = s + CHUNK_MIN_ROWS; c <= s + CHUNK_MAX_ROWS && c < n; c++) {
      uint64_t x = key[c - 1] ^ key[c];
      int bit = x ? 63 - __builtin_clzll(x) : -1;
      if (bit >= best_bit) {
        best_bit = bit;
        best = c;
      }
    }
    cuts[m++] = best;
    s = best;
  }
  cuts[m++] = n;
  return m;
}

typedef struct sort_ctx {
  const int64_t *series;
  const int64_t *ts;
} sort_ctx;

typedef struct sealed_chunk {
  gp_buf sum;
  gp_buf data;
  uint64_t cell_lo;
} sealed_chunk;

/* Reads every row of partition `part` (fresh batches and chunks) into all. */
static gp_rc read_partition(gp_store *s, uint16_t table, int64_t part, gp_rows *all, gp_err *err) {
  uint8_t lo[10], hi[10];
  gp_store__tp_key(lo, table, part);
  size_t hl = gp_store__tp_end(hi, table, part);
  gp_rc rc = GP_OK;
  char *e = NULL;
  for (int cf = GP_STORE__CF_FRESH; cf <= GP_STORE__CF_SUMS && rc == GP_OK;
       cf += GP_STORE__CF_SUMS - GP_STORE__CF_FRESH) {
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_iterate_upper_bound(ro, (const char *)hi, hl);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(gp_store__db(s), ro, gp_store__cf(s, cf));
    for (rocksdb_iter_seek(it, (const char *)lo, 10); rc == GP_OK && rocksdb_iter_valid(it);
         rocksdb_iter_next(it)) {
      size_t kl, vl;
      const char *k = rocksdb_iter_key(it, &kl);
      const uint8_t *v = (const uint8_t *)rocksdb_iter_value(it, &vl);
      if (cf == GP_STORE__CF_FRESH) {
        uint32_t sl;
        if (vl < 4 || (memcpy(&sl, v, 4), sl > vl - 4)) {
          rc = gp_err_set(err, GP_CORRUPT, "fresh batch with a bad header");
          break;
        }
        rc = gp_store__decode_rows(v + 4 + sl, vl - 4 - sl, all, err);
      } else {
        size_t cl = 0;
        char *cv = rocksdb_get_cf(gp_store__db(s), gp_store__ro(s),
                                  gp_store__cf(s, GP_STORE__CF_CHUNKS), k, kl, &cl, &e);
        if (e) {
          rc = gp_store__rdb_err(err, e, "reading a chunk");
          break;
        }
        if (!cv) {
          rc = gp_err_set(err, GP_CORRUPT, "summary without its chunk");
          break;
        }
        rc = gp_store__decode_rows((const uint8_t *)cv, cl, all, err);
        free(cv);
      }
    }
    rocksdb_iter_get_error(it, &e);
    if (e && rc == GP_OK) rc = gp_store__rdb_err(err, e, "reading a partition");
    rocksdb_iter_destroy(it);
    rocksdb_readoptions_destroy(ro);
  }
  return rc;
}

typedef struct seal_job {
  const gp_store_layout *l;
  const gp_rows *rows; /* the rows being sealed (idx indexes them) */
  const uint64_t *key; /* Morton code of idx[i], sorted */
  uint32_t *idx;
  const size_t *cuts; /* chunk c is idx[cuts[c] .. cuts[c + 1]) */
  sealed_chunk *ch;
  sort_ctx sc;
  int failed; /* set (atomically) by the first chunk that fails */
  gp_err err; /* that failure */
} seal_job;

/* Orders a chunk's rows by (series, time) with two stable radix passes, time first. */
static void sort_chunk(const sort_ctx *c, uint32_t *idx, size_t n) {
  uint64_t *k = GP_MALLOC((n ? n : 1) * sizeof *k);
  if (!k) return; /* unsorted is slower to compress, never wrong */
  if (c->ts) {
    for (size_t i = 0; i < n; i++) k[i] = gp_store__flip(c->ts[idx[i]]);
    if (gp_radix_sort_u64(k, idx, n) != GP_OK) goto done;
  }
  if (c->series) {
    for (size_t i = 0; i < n; i++) k[i] = gp_store__flip(c->series[idx[i]]);
    gp_radix_sort_u64(k, idx, n);
  }
done:
  GP_FREE(k);
}

/* Sorts, gathers and encodes chunk c of a job; safe to run concurrently for different c. */
static void seal_one(seal_job *j, size_t c) {
  int f;
#pragma omp atomic read
  f = j->failed;
  if (f) return;
  size_t a = j->cuts[c], b = j->cuts[c + 1];
  gp_rows tmp;
  gp_err e1 = {0};
  bool ok = gp_rows_init(&tmp, j->l, b - a) == GP_OK;
  if (ok) {
    sort_chunk(&j->sc, j->idx + a, b - a);
    ok = gp_store__rows_gather(&tmp, j->rows, j->idx + a, b - a) == GP_OK &&
         gp_store__encode_summary(&tmp, j->l->time_col, j->l->series_col, &j->ch[c].sum, &e1) ==
             GP_OK &&
         gp_store__encode_rows(&tmp, GP_ENC_PACKED, &j->ch[c].data, &e1) == GP_OK;
  }
  gp_rows_free(&tmp);
  j->ch[c].cell_lo = j->key[a];
  if (!ok) {
#pragma omp critical(gp_seal_err)
    {
      if (!j->failed) j->err = e1;
      j->failed = 1;
    }
  }
}

/* Reseals partition `part`: its fresh rows, its chunks and src[idx[0..n)] (when src is given)
 * are cut into new chunks, written with the deletion of what they replace in one atomic batch:
 * txn's when given (then committed with whatever else txn holds), else a batch of its own. */
static gp_rc seal_partition(gp_store *s, uint16_t table, const gp_store_layout *l, int64_t part,
                            const gp_rows *src, const uint32_t *idx_in, size_t n_in,
                            gp_store_txn *txn, gp_seal_stats *st, gp_err *err) {
  gp_rows all = {0};
  uint64_t *key = NULL;
  uint32_t *idx = NULL;
  size_t *cuts = NULL;
  sealed_chunk *ch = NULL;
  size_t nch = 0;
  rocksdb_writebatch_t *wb = NULL;
  gp_rc rc;
  if ((rc = gp_rows_init(&all, l, 1024))) goto nomem;
  if ((rc = read_partition(s, table, part, &all, err))) goto cleanup;
  /* A partition that holds nothing yet is cut straight from the caller's rows (a bulk load's
   * common case); otherwise everything is merged into one row set first. */
  const gp_rows *rows = &all;
  size_t n;
  if (src && all.n == 0) {
    rows = src;
    n = n_in;
  } else {
    if (src && (rc = gp_store__rows_gather(&all, src, idx_in, n_in))) goto nomem;
    n = all.n;
    idx_in = NULL;
  }
  key = GP_MALLOC((n ? n : 1) * sizeof *key);
  idx = GP_MALLOC((n ? n : 1) * sizeof *idx);
  cuts = GP_MALLOC((n / CHUNK_MIN_ROWS + 3) * sizeof *cuts);
  if (!key || !idx || !cuts) goto nomem;
  for (size_t i = 0; i < n; i++) {
    idx[i] = idx_in ? idx_in[i] : (uint32_t)i;
    key[i] = rows->cell[idx[i]];
  }
  if (gp_radix_sort_u64(key, idx, n)) goto nomem;
  size_t m = n ? plan_cuts(key, n, cuts) : 1;
  nch = m - 1;
  ch = GP_CALLOC(nch ? nch : 1, sizeof *ch);
  if (!ch) goto nomem;
  seal_job job = {l,
                  rows,
                  key,
                  idx,
                  cuts,
                  ch,
                  {l->series_col >= 0 ? rows->cols[l->series_col].i64 : NULL,
                   l->time_col >= 0 ? rows->cols[l->time_col].i64 : NULL},
                  0,
                  {0}};
  /* Inside a parallel region (a load's finishing task) the chunks become tasks that idle
   * threads pick up; otherwise a parallel loop of its own. */
  if (omp_in_parallel()) {
#pragma omp taskloop grainsize(1)
    for (size_t c = 0; c < nch; c++) seal_one(&job, c);
  } else {
#pragma omp parallel for schedule(dynamic)
    for (size_t c = 0; c < nch; c++) seal_one(&job, c);
  }
  if (job.failed) {
    rc = gp_err_set(err, job.err.rc ? job.err.rc : GP_NOMEM, "sealing: %s",
                    job.err.rc ? job.err.msg : "out of memory");
    goto cleanup;
  }
  /* One atomic batch: the old fresh rows and chunks of the partition go, the new chunks come. */
  wb = txn ? gp_store__txn_wb(txn) : rocksdb_writebatch_create();
  uint8_t lo[10], hi[10];
  gp_store__tp_key(lo, table, part);
  size_t hl = gp_store__tp_end(hi, table, part);
  for (int cf = GP_STORE__CF_FRESH; cf <= GP_STORE__CF_SUMS; cf++)
    rocksdb_writebatch_delete_range_cf(wb, gp_store__cf(s, cf), (const char *)lo, 10,
                                       (const char *)hi, hl);
  for (size_t c = 0; c < nch; c++) {
    uint8_t k[22];
    gp_store__tp_key(k, table, part);
    gp_store__put_be64(k + 10, ch[c].cell_lo);
    gp_store__put_be32(k + 18, (uint32_t)c);
    rocksdb_writebatch_put_cf(wb, gp_store__cf(s, GP_STORE__CF_SUMS), (const char *)k, 22,
                              (const char *)ch[c].sum.p, ch[c].sum.len);
    rocksdb_writebatch_put_cf(wb, gp_store__cf(s, GP_STORE__CF_CHUNKS), (const char *)k, 22,
                              (const char *)ch[c].data.p, ch[c].data.len);
  }
  if (txn) {
    if ((rc = gp_store_txn_commit(txn, err))) goto cleanup;
  } else {
    char *e = NULL;
    rocksdb_write(gp_store__db(s), gp_store__wo_sync(s), wb, &e);
    if (e) {
      rc = gp_store__rdb_err(err, e, "writing sealed chunks");
      goto cleanup;
    }
  }
  gp_store__dir_forget(s, table, part, part, false);
  if (st) {
    st->partitions++;
    st->rows += n;
    st->chunks += nch;
  }
cleanup:
  if (wb && !txn) rocksdb_writebatch_destroy(wb);
  for (size_t c = 0; ch && c < nch; c++) {
    gp_buf_free(&ch[c].sum);
    gp_buf_free(&ch[c].data);
  }
  GP_FREE(ch);
  GP_FREE(cuts);
  GP_FREE(key);
  GP_FREE(idx);
  gp_rows_free(&all);
  return rc;
nomem:
  rc = gp_err_set(err, GP_NOMEM, "out of memory sealing a partition");
  goto cleanup;
}

gp_rc gp_store_seal(gp_store *s, uint16_t table, int64_t before_part, gp_seal_stats *st,
                    gp_err *err) {
  const gp_store_layout *l = gp_store__layout(s, table);
  if (!l) return gp_err_set(err, GP_INVALID, "table %u has no layout", table);
  /* Find the partitions with fresh rows: read one key, then skip to the next partition. */
  int64_t parts[64];
  gp_rc rc = GP_OK;
  for (;;) {
    size_t np = 0;
    uint8_t lo[10], hi[10];
    gp_store__put_be16(lo, table);
    memset(lo + 2, 0, 8);
    size_t hl = gp_store__tp_end(hi, table, INT64_MAX);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_iterate_upper_bound(ro, (const char *)hi, hl);
    rocksdb_iterator_t *it =
        rocksdb_create_iterator_cf(gp_store__db(s), ro, gp_store__cf(s, GP_STORE__CF_FRESH));
    rocksdb_iter_seek(it, (const char *)lo, 10);
    while (rocksdb_iter_valid(it) && np < 64) {
      size_t kl;
      const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it, &kl);
      if (kl < 10) break;
      int64_t p = gp_store__unflip(gp_store__get_be64(k + 2));
      if (p >= before_part) break;
      parts[np++] = p;
      if (p == INT64_MAX) break;
      gp_store__tp_key(lo, table, p + 1);
      rocksdb_iter_seek(it, (const char *)lo, 10);
    }
    char *e = NULL;
    rocksdb_iter_get_error(it, &e);
    rocksdb_iter_destroy(it);
    rocksdb_readoptions_destroy(ro);
    if (e) return gp_store__rdb_err(err, e, "listing fresh partitions");
    for (size_t i = 0; i < np && rc == GP_OK; i++)
      rc = seal_partition(s, table, l, parts[i], NULL, NULL, 0, NULL, st, err);
    if (rc || np < 64) break;
  }
  return rc;
}

gp_rc gp_store_seal_rows(gp_store_txn *txn, uint16_t table, int64_t part, const gp_rows *src,
                         const uint32_t *idx, size_t n, gp_seal_stats *st, gp_err *err) {
  const gp_store_layout *l = gp_store__layout(gp_store__txn_store(txn), table);
  if (!l) return gp_err_set(err, GP_INVALID, "table %u has no layout", table);
  return seal_partition(gp_store__txn_store(txn), table, l, part, src, idx, n, txn, st, err);
}

gp_rc gp_store_newest_partition(gp_store *s, uint16_t table, int64_t t_lo, int64_t t_hi,
                                int64_t *part, bool *found, gp_err *err) {
  *found = false;
  const gp_store_layout *l = gp_store__layout(s, table);
  if (!l) return gp_err_set(err, GP_INVALID, "table %u has no layout", table);
  if (t_lo >= t_hi) return GP_OK;
  int64_t p_lo = t_lo == INT64_MIN ? INT64_MIN : gp_store_partition_of(l, t_lo);
  int64_t p_hi = t_hi == INT64_MAX ? INT64_MAX : gp_store_partition_of(l, t_hi - 1);
  uint8_t lo[10], hi[10];
  gp_store__tp_key(lo, table, p_lo);
  size_t hl = gp_store__tp_end(hi, table, p_hi);
  gp_rc rc = GP_OK;
  for (int cf = GP_STORE__CF_FRESH; cf <= GP_STORE__CF_SUMS && rc == GP_OK;
       cf += GP_STORE__CF_SUMS - GP_STORE__CF_FRESH) {
    char *e = NULL;
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_iterate_lower_bound(ro, (const char *)lo, 10);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(gp_store__db(s), ro, gp_store__cf(s, cf));
    /* keys are longer than hi, so the last key before it is the newest partition's */
    rocksdb_iter_seek_for_prev(it, (const char *)hi, hl);
    if (rocksdb_iter_valid(it)) {
      size_t kl;
      const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it, &kl);
      if (kl >= 10 && memcmp(k, lo, 2) == 0) {
        int64_t p = gp_store__unflip(gp_store__get_be64(k + 2));
        if (p >= p_lo && p <= p_hi && (!*found || p > *part)) {
          *part = p;
          *found = true;
        }
      }
    }
    rocksdb_iter_get_error(it, &e);
    if (e) rc = gp_store__rdb_err(err, e, "finding the newest partition");
    rocksdb_iter_destroy(it);
    rocksdb_readoptions_destroy(ro);
  }
  return rc;
}

gp_rc gp_store_drop_partitions(gp_store *s, uint16_t table, int64_t p_lo, int64_t p_hi,
                               gp_err *err) {
  uint8_t lo[10], hi[10];
  gp_store__tp_key(lo, table, p_lo);
  size_t hl = p_hi == INT64_MAX ? gp_store__tp_end(hi, table, INT64_MAX)
                                : (gp_store__tp_key(hi, table, p_hi), 10);
  rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
  for (int cf = GP_STORE__CF_FRESH; cf <= GP_STORE__CF_SUMS; cf++)
    rocksdb_writebatch_delete_range_cf(wb, gp_store__cf(s, cf), (const char *)lo, 10,
                                       (const char *)hi, hl);
  char *e = NULL;
  rocksdb_write(gp_store__db(s), gp_store__wo_sync(s), wb, &e);
  rocksdb_writebatch_destroy(wb);
  gp_store__dir_forget(s, table, p_lo, p_hi, false);
  return e ? gp_store__rdb_err(err, e, "dropping partitions") : GP_OK;
}

gp_rc gp_store_drop_rows(gp_store *s, uint16_t table, gp_err *err) {
  return gp_store_drop_partitions(s, table, INT64_MIN, INT64_MAX, err);
}

gp_rc gp_store_compact(gp_store *s, gp_err *err) {
  (void)err;
  for (int cf = 0; cf < GP_STORE__CF_COUNT; cf++)
    rocksdb_compact_range_cf(gp_store__db(s), gp_store__cf(s, cf), NULL, 0, NULL, 0);
  return GP_OK;
}
