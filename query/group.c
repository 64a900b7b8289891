/* group.c - the group tables of an aggregate scan and their order. Each thread fills its own
 * table (gtab: open addressing over fixed blocks of records, keys then packed aggregate
 * states); after the scan, groups_in_order sorts every thread's groups together by key (a
 * radix sort of packed words when the keys allow, else a merge sort), merges the runs of equal
 * keys and finalises them into the relation T, so the output never depends on the thread
 * count. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "exec_int.h"

void qx_gtab_free(const grp *g, gtab *t) {
  for (size_t i = 0; i < t->n; i++)
    for (int k = 0; k < g->na; k++) qx_agg_release(&g->aggs[k], g_st(g, g_states(g, t, i), k));
  GP_FREE(t->slot);
  GP_FREE(t->hash);
  for (size_t b = 0; b < t->nblk; b++) GP_FREE(t->blk[b]);
  GP_FREE(t->blk);
  memset(t, 0, sizeof *t);
}

/* Room in t for n groups: records, and slots at most half full. */
/* Puts groups [nslot, n) in the slots, which have room. */
static void gtab_place(gtab *t) {
  for (size_t i = t->nslot; i < t->n; i++) {
    size_t s = t->hash[i] & (t->cap - 1);
    while (t->slot[s]) s = (s + 1) & (t->cap - 1);
    t->slot[s] = (uint32_t)(i + 1);
  }
  t->nslot = t->n;
}

/* Room for n groups: records, and slots too unless only records are asked for (gtab_append);
 * growing the slots places every group, unplaced ones included. */
static gp_rc gtab_reserve_as(const grp *g, gtab *t, size_t n, bool slots) {
  if (slots && n * 2 > t->cap) {
    size_t cap = t->cap ? t->cap : 64;
    while (n * 2 > cap) cap *= 2;
    if (!qx_mem_charge(g->mem, (cap - t->cap) * sizeof *t->slot)) return GP_NOMEM;
    uint32_t *ns = GP_CALLOC(cap, sizeof *ns);
    if (!ns) return GP_NOMEM;
    GP_FREE(t->slot);
    t->slot = ns;
    t->cap = cap;
    t->nslot = 0;
    gtab_place(t);
  }
  if (n > t->rcap) {
    /* block 0 grows by doubling up to GT_BLK records (most tables hold a few groups), then
     * whole blocks are added */
    size_t c = t->rcap ? t->rcap : 16;
    while (c < n && c < GT_BLK) c *= 2;
    if (c > GT_BLK) c = GT_BLK;
    size_t nb = n > GT_BLK ? (n + GT_BLK - 1) >> GT_BLK_LOG : 1;
    size_t cap = n > GT_BLK ? nb << GT_BLK_LOG : c;
    if (!qx_mem_charge(g->mem, (cap - t->rcap) * (t->esz + sizeof *t->hash))) return GP_NOMEM;
    uint64_t *nh = GP_REALLOC(t->hash, cap * sizeof *nh);
    if (!nh) return GP_NOMEM;
    t->hash = nh;
    if (nb > t->bcap) {
      size_t bc = t->bcap ? t->bcap : 4;
      while (bc < nb) bc *= 2;
      unsigned char **nbk = GP_REALLOC(t->blk, bc * sizeof *nbk);
      if (!nbk) return GP_NOMEM;
      t->blk = nbk;
      t->bcap = bc;
    }
    size_t b0 = nb > 1 ? GT_BLK : c; /* block 0's records */
    if (t->nblk == 0 || t->rcap < b0) {
      unsigned char *r0 = GP_REALLOC(t->nblk ? t->blk[0] : NULL, b0 * t->esz);
      if (!r0) return GP_NOMEM;
      t->blk[0] = r0;
      t->nblk = 1;
    }
    while (t->nblk < nb) {
      if (!(t->blk[t->nblk] = GP_MALLOC(GT_BLK * t->esz))) return GP_NOMEM;
      t->nblk++;
    }
    t->rcap = cap;
  }
  return GP_OK;
}

gp_rc qx_gtab_reserve(const grp *g, gtab *t, size_t n) { return gtab_reserve_as(g, t, n, true); }

/* Whether two groups' keys are the same group's: equal values of the same type. */
static bool same_keys(const qx_val *x, const qx_val *y, int nk) {
  for (int j = 0; j < nk; j++)
    if (!qx_val_eq(&x[j], &y[j]) || x[j].t != y[j].t) return false;
  return true;
}

/* Adds a group's record (there is room): keys k, texts copied into pool unless it is NULL,
 * fresh states, hash h. Its index, or -1 when out of memory. */
static long gtab_add(const grp *g, gtab *t, const qx_val *k, uint64_t h, qx_pool *pool) {
  size_t i = t->n;
  qx_val *kk = g_keys(g, t, i);
  for (int j = 0; j < g->nk; j++) {
    kk[j] = k[j];
    if (k[j].t == QV_TEXT && pool && !(kk[j].s = qx_pool_strdup(pool, k[j].s, k[j].n))) return -1;
  }
  qx_aggst *st = g_states(g, t, i);
  for (int j = 0; j < g->na; j++) qx_agg_init(&g->aggs[j], g_st(g, st, j));
  t->hash[i] = h;
  t->n++;
  return (long)i;
}

/* Finds or adds the group with keys k (hash h); returns its index, or -1 when out of memory.
 * New TEXT keys are copied into pool; pool NULL: k's texts already live as long as the
 * statement (merging the threads' tables, whose keys their pools hold). */
long qx_gtab_find(const grp *g, gtab *t, const qx_val *k, uint64_t h, qx_pool *pool) {
  if (t->nslot < t->n) { /* place what gtab_append added */
    if (t->n * 2 > t->cap) {
      if (qx_gtab_reserve(g, t, t->n)) return -1;
    } else {
      gtab_place(t);
    }
  }
  if (t->cap) {
    size_t s = h & (t->cap - 1);
    while (t->slot[s]) {
      size_t i = t->slot[s] - 1;
      if (t->hash[i] == h && same_keys(g_keys(g, t, i), k, g->nk)) return (long)i;
      s = (s + 1) & (t->cap - 1);
    }
  }
  if (((t->n + 1) * 2 > t->cap || t->n == t->rcap) &&
      qx_gtab_reserve(g, t, t->n == t->rcap ? (t->rcap ? t->rcap * 2 : 16) : t->n + 1))
    return -1;
  long i = gtab_add(g, t, k, h, pool);
  if (i >= 0) gtab_place(t);
  return i;
}

/* Adds a group with keys k (hash h; texts already living as long as the statement) without
 * looking for it, and without placing it in the slots: for a caller that knows the thread has
 * no group of that tuple yet (scan_vec_cols, whose word map says so), and whose groups all end
 * in groups_in_order, which merges equal keys however they came about. A key tuple that two
 * word tuples map to (a pure function of a word that is not one-to-one) so makes two groups in
 * one table, merged there. For Q2 the probe of the slots, a cache miss per new group, was the
 * largest cost left in making groups. Returns the index, or -1 when out of memory. */
long qx_gtab_append(const grp *g, gtab *t, const qx_val *k, uint64_t h) {
  if (t->n == t->rcap && gtab_reserve_as(g, t, t->rcap ? t->rcap * 2 : 16, false)) return -1;
  return gtab_add(g, t, k, h, NULL);
}

/* Sorting the groups by their keys: each key of each row gets an order-preserving 64-bit word
 * (an integer with its sign bit flipped, or 8 bytes of a text big-endian, after the prefix all
 * the column's texts share) when the whole
 * column is of one such type without NULLs, so most comparisons are integer ones; equal text
 * prefixes and other columns fall back to qx_val_cmp. Q2 sorts 15,455 groups of (cx, cy, day):
 * qx_val_cmp alone was an eighth of its time. */
enum { SW_NONE, SW_INT, SW_TEXT };

typedef struct sortw {
  const keyed *k;
  const uint64_t *w; /* n x k->w */
  const uint8_t *mode;
} sortw;

static int cmp_words(const void *ctx, size_t a, size_t b) {
  const sortw *c = ctx;
  int nk = c->k->w;
  const uint64_t *wa = c->w + a * (size_t)nk, *wb = c->w + b * (size_t)nk;
  const qx_val *x = krow(c->k, a), *y = krow(c->k, b);
  for (int j = 0; j < nk; j++) {
    if (c->mode[j] != SW_NONE && wa[j] != wb[j]) return wa[j] < wb[j] ? -1 : 1;
    if (c->mode[j] == SW_INT) continue;
    int r = qx_val_cmp(&x[j], &y[j]);
    if (r) return r;
  }
  return 0;
}

/* Every key's word decides it (integers, or texts of one length within the word after the
 * shared prefix): a plain lexicographic compare of the words. */
static int cmp_words_exact(const void *ctx, size_t a, size_t b) {
  const sortw *c = ctx;
  int nk = c->k->w;
  const uint64_t *wa = c->w + a * (size_t)nk, *wb = c->w + b * (size_t)nk;
  for (int j = 0; j < nk; j++)
    if (wa[j] != wb[j]) return wa[j] < wb[j] ? -1 : 1;
  return 0;
}

/* When every word decides (exact) and the words' ranges fit 64 bits side by side, each row
 * packs into one integer, most significant word first, and an LSD radix sort over the bits
 * those integers use orders the rows: Q2's 15,455 (cx, cy, day) groups (24 bits) take two
 * passes of 12-bit digits where the merge sort made ~200 k calls of the comparator. */
enum { SORT_MAX_RANGES = 16 };

/* How the packed integer is made from the words: per key, its minimum, the low bits every
 * word shares with it (dropped: a text's word holds its bytes at the top, and '01'..'31' of
 * Q2's days leave 48 zero bits below them) and the bits left; total, their sum. */
typedef struct rw_pack {
  uint64_t lo[VEC_MAX_KEYS * 4], hi[VEC_MAX_KEYS * 4], any[VEC_MAX_KEYS * 4];
  unsigned tz[VEC_MAX_KEYS * 4], bits[VEC_MAX_KEYS * 4], total;
} rw_pack;

static void rw_minmax(const uint64_t *w, int nk, size_t a, size_t b, uint64_t *lo, uint64_t *hi) {
  for (int j = 0; j < nk; j++) {
    lo[j] = UINT64_MAX;
    hi[j] = 0;
  }
  for (size_t i = a; i < b; i++)
    for (int j = 0; j < nk; j++) {
      uint64_t x = w[i * (size_t)nk + (size_t)j];
      lo[j] = x < lo[j] ? x : lo[j];
      hi[j] = x > hi[j] ? x : hi[j];
    }
}

static void rw_any(const uint64_t *w, int nk, size_t a, size_t b, const uint64_t *lo,
                   uint64_t *any) {
  for (int j = 0; j < nk; j++) {
    uint64_t x = 0;
    for (size_t i = a; i < b; i++) x |= w[i * (size_t)nk + (size_t)j] - lo[j];
    any[j] = x;
  }
}

static void rw_fit(rw_pack *pk, int nk) {
  pk->total = 0;
  for (int j = 0; j < nk; j++) {
    pk->tz[j] = pk->any[j] ? (unsigned)__builtin_ctzll(pk->any[j]) : 0;
    uint64_t r = (pk->hi[j] - pk->lo[j]) >> pk->tz[j];
    pk->bits[j] = r ? 64u - (unsigned)__builtin_clzll(r) : 0;
    pk->total += pk->bits[j];
  }
}

static void rw_keys(const uint64_t *w, int nk, size_t a, size_t b, const rw_pack *pk,
                    uint64_t *key) {
  for (size_t i = a; i < b; i++) {
    uint64_t x = 0;
    for (int j = 0; j < nk; j++)
      if (pk->bits[j]) x = x << pk->bits[j] | (w[i * (size_t)nk + (size_t)j] - pk->lo[j]) >> pk->tz[j];
    key[i] = x;
  }
}

/* Sorts key[0..n) and ix[0..n) along with it (gp_radix_sort_u64, which moves 32-bit
 * indices). */
static gp_rc rw_sort(uint64_t *key, size_t *ix, size_t n) {
  if (n < 2) return GP_OK;
  uint32_t *i32 = GP_MALLOC(n * sizeof *i32);
  if (!i32) return GP_NOMEM;
  for (size_t i = 0; i < n; i++) i32[i] = (uint32_t)i;
  size_t *ix2 = GP_MALLOC(n * sizeof *ix2);
  gp_rc rc = ix2 ? gp_radix_sort_u64(key, i32, n) : GP_NOMEM;
  if (!rc) {
    for (size_t i = 0; i < n; i++) ix2[i] = ix[i32[i]];
    memcpy(ix, ix2, n * sizeof *ix);
  }
  GP_FREE(i32);
  GP_FREE(ix2);
  return rc;
}

/* Merges the nr sorted ranges rg[r] .. rg[r + 1] of key (idx alongside) into one sorted
 * sequence; equal keys keep the ranges' order, so that the result is what a stable sort of
 * the whole gives. */
static gp_rc merge_sorted(uint64_t *key, size_t *idx, size_t n, int nr, const size_t *rg,
                          gp_err *err) {
  uint64_t *k2 = GP_MALLOC((n + 1) * sizeof *k2);
  size_t *i2 = GP_MALLOC((n + 1) * sizeof *i2);
  if (!k2 || !i2) {
    GP_FREE(k2);
    GP_FREE(i2);
    return qx_nomem(err);
  }
  size_t pos[SORT_MAX_RANGES];
  for (int r = 0; r < nr; r++) pos[r] = rg[r];
  for (size_t o = 0; o < n; o++) {
    int best = -1;
    for (int r = 0; r < nr; r++)
      if (pos[r] < rg[r + 1] && (best < 0 || key[pos[r]] < key[pos[best]])) best = r;
    k2[o] = key[pos[best]];
    i2[o] = idx[pos[best]++];
  }
  memcpy(key, k2, n * sizeof *key);
  memcpy(idx, i2, n * sizeof *idx);
  GP_FREE(k2);
  GP_FREE(i2);
  return GP_OK;
}

/* Over rows [a, b) of k: per key, whether every value has row 0's type (ok), the prefix every
 * text shares with row 0's (skip: only ever lowered) and whether every text has row 0's
 * length (slen). */
static void sw_scan(const keyed *k, size_t a, size_t b, int nk, uint8_t *ok, uint32_t *skip,
                    uint8_t *slen) {
  const qx_val *r0 = krow(k, 0);
  for (int j = 0; j < nk; j++) {
    const qx_val *v0 = &r0[j];
    uint8_t same_t = 1, same_len = 1;
    uint32_t sk = skip[j];
    for (size_t i = a; i < b && same_t; i++) same_t = krow(k, i)[j].t == v0->t;
    if (same_t && v0->t == QV_TEXT)
      for (size_t i = a; i < b; i++) {
        const qx_val *v = &krow(k, i)[j];
        uint32_t m = 0, lim = sk < v->n ? sk : v->n;
        /* eight bytes at a time: a byte loop was 12% of Q2's serial instructions */
        for (uint64_t x, y; m + 8 <= lim; m += 8) {
          memcpy(&x, v->s + m, 8);
          memcpy(&y, v0->s + m, 8);
          if (x != y) break;
        }
        while (m < lim && v->s[m] == v0->s[m]) m++;
        sk = m;
        same_len &= v->n == v0->n;
      }
    ok[j] = same_t;
    skip[j] = sk;
    slen[j] = same_len;
  }
}

/* Each key's word for rows [a, b) into w (row i at w[i * nk]): an integer with its sign bit
 * flipped, or the eight bytes of a text after the shared prefix, big-endian, zero past its
 * end. */
static void sw_words(const keyed *k, size_t a, size_t b, int nk, const uint8_t *mode,
                     const uint32_t *skip, uint64_t *w) {
  for (size_t i = a; i < b; i++)
    for (int j = 0; j < nk; j++) {
      const qx_val *v = &krow(k, i)[j];
      uint64_t x = 0;
      if (mode[j] == SW_INT) {
        x = (uint64_t)v->i ^ (UINT64_C(1) << 63);
      } else if (mode[j] == SW_TEXT) {
        unsigned char b8[8] = {0};
        if (v->n > skip[j]) memcpy(b8, v->s + skip[j], v->n - skip[j] < 8 ? v->n - skip[j] : 8);
        memcpy(&x, b8, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        x = __builtin_bswap64(x);
#endif
      }
      w[i * (size_t)nk + (size_t)j] = x;
    }
}

/* Sorts idx (0..n-1 on entry) by k's keys; same[i] tells whether the i-th key in order equals
 * the one before it (by the sort's comparison; exact words compare as words). *runs_exact:
 * whether keys that compare equal are the same group's (every word decides its key), so that
 * each run of equal keys is one group.
 *
 * With nr > 1 ranges of rows (rng[r] .. rng[r + 1], each thread's groups) the passes over the
 * rows run on nr threads, and when the keys pack into 64 bits each range is radix-sorted on
 * its own and the sorted ranges merged by their packed keys: at SF = 10 Q2's end of query
 * spent ~0.6 ms on one thread sorting its 15,455 groups while the other waited. */
static gp_rc sort_groups(const keyed *k, size_t *idx, size_t n, uint8_t *same, int nr,
                         const size_t *rng, bool *runs_exact, gp_err *err) {
  int nk = k->w;
  uint8_t mode[VEC_MAX_KEYS * 4];
  uint32_t skip[VEC_MAX_KEYS * 4]; /* TEXT: the prefix every row shares ('2024-08-' of days) */
  uint64_t *w = NULL, *key = NULL;
  bool any = false, exact = true, par = nr > 1;
  gp_rc rc = GP_OK;
  *runs_exact = false;
  if (n >= 64 && nk <= (int)sizeof mode) {
    uint8_t ok[SORT_MAX_RANGES][VEC_MAX_KEYS * 4], slen[SORT_MAX_RANGES][VEC_MAX_KEYS * 4];
    uint32_t sk[SORT_MAX_RANGES][VEC_MAX_KEYS * 4];
    if (nr > SORT_MAX_RANGES) nr = 1, par = false;
    size_t whole[2] = {0, n};
    const size_t *rg = par ? rng : whole;
    int nrr = par ? nr : 1;
    const qx_val *r0 = krow(k, 0);
    for (int r = 0; r < nrr; r++)
      for (int j = 0; j < nk; j++) sk[r][j] = r0[j].t == QV_TEXT ? r0[j].n : 0;
#pragma omp parallel for schedule(static, 1) num_threads(nrr) if (par)
    for (int r = 0; r < nrr; r++) sw_scan(k, rg[r], rg[r + 1], nk, ok[r], sk[r], slen[r]);
    for (int j = 0; j < nk; j++) {
      qx_vt t0 = r0[j].t;
      bool oj = true, lj = true;
      uint32_t s = sk[0][j];
      for (int r = 0; r < nrr; r++) {
        oj &= ok[r][j];
        lj &= slen[r][j];
        s = sk[r][j] < s ? sk[r][j] : s;
      }
      mode[j] = !oj ? SW_NONE : t0 == QV_INT || t0 == QV_TS || t0 == QV_BOOL ? SW_INT
                  : t0 == QV_TEXT ? SW_TEXT : SW_NONE;
      skip[j] = mode[j] == SW_TEXT ? s : 0;
      if (mode[j] == SW_TEXT) exact &= lj && r0[j].n <= s + 8;
      else exact &= mode[j] == SW_INT;
      any |= mode[j] != SW_NONE;
    }
    if (any && !(w = GP_MALLOC(n * (size_t)nk * sizeof *w))) return qx_nomem(err);
    if (w) {
#pragma omp parallel for schedule(static, 1) num_threads(nrr) if (par)
      for (int r = 0; r < nrr; r++) sw_words(k, rg[r], rg[r + 1], nk, mode, skip, w);
    }
    rw_pack pk;
    if (w && exact) {
      uint64_t lo[SORT_MAX_RANGES][VEC_MAX_KEYS * 4], hi[SORT_MAX_RANGES][VEC_MAX_KEYS * 4], an[SORT_MAX_RANGES][VEC_MAX_KEYS * 4];
#pragma omp parallel for schedule(static, 1) num_threads(nrr) if (par)
      for (int r = 0; r < nrr; r++) rw_minmax(w, nk, rg[r], rg[r + 1], lo[r], hi[r]);
      for (int j = 0; j < nk; j++) {
        pk.lo[j] = UINT64_MAX;
        pk.hi[j] = 0;
        for (int r = 0; r < nrr; r++) {
          pk.lo[j] = lo[r][j] < pk.lo[j] ? lo[r][j] : pk.lo[j];
          pk.hi[j] = hi[r][j] > pk.hi[j] ? hi[r][j] : pk.hi[j];
        }
      }
#pragma omp parallel for schedule(static, 1) num_threads(nrr) if (par)
      for (int r = 0; r < nrr; r++) rw_any(w, nk, rg[r], rg[r + 1], pk.lo, an[r]);
      for (int j = 0; j < nk; j++) {
        pk.any[j] = 0;
        for (int r = 0; r < nrr; r++) pk.any[j] |= an[r][j];
      }
      rw_fit(&pk, nk);
      if (pk.total <= 64 && n <= UINT32_MAX && !(key = GP_MALLOC(n * sizeof *key))) rc = qx_nomem(err);
    }
    if (key) { /* each range sorted by its packed keys, then the ranges merged */
      int failed = 0;
#pragma omp parallel for schedule(static, 1) num_threads(nrr) if (par) reduction(| : failed)
      for (int r = 0; r < nrr; r++) {
        rw_keys(w, nk, rg[r], rg[r + 1], &pk, key);
        failed |= rw_sort(key + rg[r], idx + rg[r], rg[r + 1] - rg[r]) != GP_OK;
      }
      if (failed) rc = qx_nomem(err);
      if (!rc && nrr > 1) rc = merge_sorted(key, idx, n, nrr, rg, err);
      for (size_t i = 0; !rc && same && i < n; i++) same[i] = i && key[i] == key[i - 1];
      *runs_exact = !rc;
      GP_FREE(w);
      GP_FREE(key);
      return rc;
    }
    if (rc) {
      GP_FREE(w);
      return rc;
    }
  }
  if (!w) {
    rc = qx_sort_idx(idx, n, qx_cmp_keyed, k, err);
    for (size_t i = 0; !rc && same && i < n; i++)
      same[i] = i && qx_cmp_keyed(k, idx[i - 1], idx[i]) == 0;
    return rc;
  }
  sortw c = {k, w, mode};
  cmp3_fn cmp = exact ? cmp_words_exact : cmp_words;
  rc = qx_sort_idx(idx, n, cmp, &c, err);
  for (size_t i = 0; !rc && same && i < n; i++) same[i] = i && cmp(&c, idx[i - 1], idx[i]) == 0;
  *runs_exact = !rc && exact;
  GP_FREE(w);
  return rc;
}

/* Fewer groups than this are sorted and finalised on one thread: the others' start-up is not
 * worth it. */
enum { PAR_GROUPS_MIN = 8192 };

/* T of a grouped query (nk keys, na aggregates) from the threads' group tables, in key order
 * so that it never depends on the thread count. Every thread's groups are sorted together; a
 * group that several threads made lies in one run of equal keys, whose states are merged
 * before its row is made. Q2 at SF = 10 merged ~7.7 k groups of one thread into the other's
 * hash table, then sorted and copied the rows: ~0.6 ms of ~7 that this does in one sort. */
gp_rc qx_groups_in_order(qry *q, const grp *g, int nth, const qx_agg *aggs, int nk, int na,
                             qrel **out, gp_err *err) {
  size_t all = 0;
  for (int th = 0; th < nth; th++) all += g->tabs[th].n;
  const qx_val **rows = GP_MALLOC((all + 1) * sizeof *rows);
  qx_aggst **sts = GP_MALLOC((all + 1) * sizeof *sts);
  size_t *idx = GP_MALLOC((all + 1) * sizeof *idx);
  uint8_t *same = NULL; /* per position in key order: the key equals the previous one */
  gp_rc rc = GP_OK;
  qrel *t = NULL;
  if (!rows || !sts || !idx) {
    rc = qx_nomem(err);
    goto cleanup;
  }
  size_t r = 0;
  for (int th = 0; th < nth; th++)
    for (size_t i = 0; i < g->tabs[th].n; i++, r++) {
      rows[r] = g_keys(g, &g->tabs[th], i);
      sts[r] = g_states(g, &g->tabs[th], i);
      idx[r] = r;
    }
  keyed kc = {NULL, 0, nk, NULL, rows, NULL};
  if (!(same = GP_MALLOC(all + 1))) {
    rc = qx_nomem(err);
    goto cleanup;
  }
  /* each thread's groups are a range of rows: sorted on nth threads when there are many */
  size_t rng[SORT_MAX_RANGES + 1];
  int nr = nth <= SORT_MAX_RANGES && all >= PAR_GROUPS_MIN ? nth : 1;
  rng[0] = 0;
  for (int th = 0; th < nr; th++) rng[th + 1] = rng[th] + g->tabs[th].n;
  rng[nr] = all;
  bool exact = false;
  if ((rc = sort_groups(&kc, idx, all, same, nr, rng, &exact, err))) goto cleanup;
  if (!(t = qx_rel_new(q, nk + na, err))) {
    rc = err->rc ? err->rc : qx_nomem(err);
    goto cleanup;
  }
  if (qx_rel_reserve(t, all)) {
    rc = qx_nomem(err);
    goto cleanup;
  }
  if (exact && nr > 1) {
    /* each run of equal keys is one group (see sort_groups): its row's place is known, so
     * the runs are merged and finalised on every thread */
    size_t runs = 0;
    for (size_t i = 0; i < all; i++) runs += !same[i];
    size_t *start = GP_MALLOC((runs + 1) * sizeof *start);
    if (!start) {
      rc = qx_nomem(err);
      goto cleanup;
    }
    for (size_t i = 0, u = 0; i < all; i++)
      if (!same[i]) start[u++] = i;
    start[runs] = all;
    int failed = 0;
    gp_err ferr = {0}; /* a final value out of range on some thread (a sum past int64) */
#pragma omp parallel for schedule(static) num_threads(nr) reduction(| : failed)
    for (size_t u = 0; u < runs; u++) {
      qx_aggst *d = sts[idx[start[u]]];
      for (size_t w = start[u] + 1; w < start[u + 1]; w++)
        for (int k = 0; k < na; k++)
          failed |= qx_agg_merge(&aggs[k], g_st(g, d, k), g_st(g, sts[idx[w]], k)) != GP_OK;
      qx_val *row = qx_rel_row(t, u);
      memcpy(row, rows[idx[start[u]]], (size_t)nk * sizeof *row);
      for (int k = 0; k < na; k++) row[nk + k] = qx_agg_final(&aggs[k], g_st(g, d, k));
      if (qx_faulted()) {
#pragma omp critical(qx_fault)
        qx_fault_take(&ferr);
      }
    }
    GP_FREE(start);
    if (ferr.rc) {
      rc = gp_err_set(err, ferr.rc, "%s", ferr.msg);
      goto cleanup;
    }
    if (failed) {
      rc = qx_nomem(err);
      goto cleanup;
    }
    t->n = runs;
    *out = t;
    goto cleanup;
  }
  for (size_t a = 0; a < all;) {
    size_t e = a + 1;
    while (e < all && same[e]) e++;
    for (size_t u = a; u < e; u++) {
      if (idx[u] == SIZE_MAX) continue; /* merged into an earlier one */
      qx_aggst *d = sts[idx[u]];
      for (size_t w = u + 1; w < e; w++) {
        if (idx[w] == SIZE_MAX || !same_keys(rows[idx[u]], rows[idx[w]], nk)) continue;
        for (int k = 0; k < na; k++)
          if (qx_agg_merge(&aggs[k], g_st(g, d, k), g_st(g, sts[idx[w]], k))) {
            rc = qx_nomem(err);
            goto cleanup;
          }
        idx[w] = SIZE_MAX;
      }
      qx_val *row = qx_rel_push(t);
      if (!row) {
        rc = qx_nomem(err);
        goto cleanup;
      }
      memcpy(row, rows[idx[u]], (size_t)nk * sizeof *row);
      for (int k = 0; k < na; k++) row[nk + k] = qx_agg_final(&aggs[k], g_st(g, d, k));
    }
    a = e;
  }
  *out = t;
cleanup:
  GP_FREE(rows);
  GP_FREE(sts);
  GP_FREE(idx);
  GP_FREE(same);
  return rc;
}
