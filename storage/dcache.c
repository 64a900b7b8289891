/* dcache.c - the decoded-chunk cache: sealed chunks kept decoded, with their series runs, so
 * that many small time windows over the same chunks (a warning replayed slot by slot: 8,640
 * one-hour windows over a month) each touch only their own rows.
 *
 * A sealed chunk spans its whole time partition (a week), its rows ordered by (series, time)
 * for a table with a series column (readings), else by time. Without the cache every slot
 * decoded every chunk its window meets, a week of rows for an hour of them. With it, a
 * chunk is decoded once (all columns), its series runs found once, and a window is a binary
 * search per run: [lo, hi) of each run's timestamps, the rows then copied out (and checked
 * against the scan's cells). Least recently used chunks go when the cache passes its budget.
 *
 * Entries are checked against the unit's summary (rows, time and cell ranges), so a chunk
 * rewritten by sealing is decoded afresh. One mutex guards the cache and the copies out of
 * it, which is what a warning's one-thread session needs; the cache is off unless a store
 * turns it on (gp_store_set_chunk_cache). */
#include <pthread.h>
#include <string.h>

#include "store_int.h"

typedef struct dc_entry {
  uint8_t key[22];
  size_t rows;            /* the unit's summary at load: a rewritten chunk is told apart */
  int64_t t_min, t_max;
  uint64_t cell_min, cell_max;
  gp_rows all;            /* every column, in chunk order */
  uint32_t *runs;         /* run r is rows [runs[r], runs[r + 1]), each sorted by time */
  int64_t *run_sid;       /* run r's series (beside runs: a keep filter reads one per run) */
  uint32_t *hint;         /* run r's last window: rows [hint[2r], hint[2r + 1]) */
  size_t nruns;
  size_t bytes;
  uint64_t used;          /* tick of the last use */
} dc_entry;

struct gp_store__dcache {
  pthread_mutex_t mu;
  dc_entry *v;
  size_t n, cap;
  size_t bytes, budget;
  uint64_t tick;
  uint32_t *idx;          /* scratch: the rows of a window */
  size_t idx_cap;
};

gp_store__dcache *gp_store__dcache_new(size_t budget) {
  gp_store__dcache *c = GP_CALLOC(1, sizeof *c);
  if (!c) return NULL;
  pthread_mutex_init(&c->mu, NULL);
  c->budget = budget;
  return c;
}

static void entry_free(dc_entry *e) {
  gp_rows_free(&e->all);
  GP_FREE(e->runs);
  GP_FREE(e->run_sid);
  GP_FREE(e->hint);
}

void gp_store__dcache_free(gp_store__dcache *c) {
  if (!c) return;
  for (size_t k = 0; k < c->n; k++) entry_free(&c->v[k]);
  GP_FREE(c->v);
  GP_FREE(c->idx);
  pthread_mutex_destroy(&c->mu);
  GP_FREE(c);
}

static size_t rows_bytes(const gp_rows *r) {
  size_t b = r->n * 8 + r->text.len;
  for (int c = 0; c < r->ncols; c++) b += r->n * (r->cols[c].type == GP_T_TEXT ? 12 : 8);
  return b;
}

/* Series runs of e->all: maximal row ranges of one series (or the whole chunk). */
static gp_rc find_runs(dc_entry *e, int series_col) {
  size_t n = e->all.n, nr = 1;
  const int64_t *s = series_col >= 0 ? e->all.cols[series_col].i64 : NULL;
  for (size_t i = 1; s && i < n; i++) nr += s[i] != s[i - 1];
  e->runs = GP_MALLOC((nr + 1) * sizeof *e->runs);
  e->run_sid = GP_MALLOC(nr * sizeof *e->run_sid);
  e->hint = GP_MALLOC(2 * nr * sizeof *e->hint);
  if (!e->runs || !e->run_sid || !e->hint) return GP_NOMEM;
  size_t r = 0;
  e->runs[r++] = 0;
  for (size_t i = 1; s && i < n; i++)
    if (s[i] != s[i - 1]) e->runs[r++] = (uint32_t)i;
  e->runs[r] = (uint32_t)n;
  e->nruns = nr;
  for (r = 0; r < nr; r++) {
    e->run_sid[r] = s && e->runs[r] < n ? s[e->runs[r]] : 0;
    e->hint[2 * r] = e->hint[2 * r + 1] = e->runs[r];
  }
  return GP_OK;
}

static void evict_locked(gp_store__dcache *c) {
  while (c->bytes > c->budget && c->n > 1) {
    size_t old = 0;
    for (size_t k = 1; k < c->n; k++)
      if (c->v[k].used < c->v[old].used) old = k;
    c->bytes -= c->v[old].bytes;
    entry_free(&c->v[old]);
    memmove(&c->v[old], &c->v[old + 1], (c->n - old - 1) * sizeof *c->v);
    c->n--;
  }
}

static size_t lower_bound(const int64_t *t, size_t a, size_t b, int64_t x) {
  while (a < b) {
    size_t m = a + (b - a) / 2;
    if (t[m] < x) a = m + 1;
    else b = m;
  }
  return a;
}

/* lower_bound over t[a, b) from a guess g: gallops from g towards the answer, then searches
 * the last step. A replay moves its window a few rows along each run per slot, so starting
 * from the last window's bounds costs a probe or two near them (in cache), where a search of
 * the whole run (a week of one series) cost a dozen scattered ones. */
static size_t lower_bound_near(const int64_t *t, size_t a, size_t b, size_t g, int64_t x) {
  if (g < a || g > b) return lower_bound(t, a, b, x);
  size_t step = 1;
  if (g < b && t[g] < x) { /* the answer is in (g, b] */
    size_t prev = g;
    while (g + step < b && t[g + step] < x) {
      prev = g + step;
      step *= 2;
    }
    return lower_bound(t, prev + 1, g + step < b ? g + step : b, x);
  }
  size_t hi = g; /* t[hi] >= x, or hi == b: the answer is in [a, hi] */
  while (hi >= a + step && t[hi - step] >= x) {
    hi -= step;
    step *= 2;
  }
  return lower_bound(t, hi >= a + step ? hi - step + 1 : a, hi, x);
}

gp_rc gp_store__dcache_rows(gp_store__dcache *c, const uint8_t key[22], const gp_unit_info *u,
                            const gp_store_layout *l, int64_t lo, int64_t hi,
                            const gp_scan_keep *keep, bool (*cell_ok)(const void *ctx, uint64_t cell), const void *cctx,
                            gp_store__dcache_load_fn load, void *lctx, gp_rows *out,
                            gp_err *err) {
  pthread_mutex_lock(&c->mu);
  gp_rc rc = GP_OK;
  /* entries are kept sorted by key (units are asked for in key order, and a slot asks for
   * hundreds: a linear search was 14% of a replay) */
  size_t at = 0, hi_ = c->n;
  while (at < hi_) {
    size_t md = (at + hi_) / 2;
    if (memcmp(c->v[md].key, key, 22) < 0) at = md + 1;
    else hi_ = md;
  }
  dc_entry *e = at < c->n && !memcmp(c->v[at].key, key, 22) ? &c->v[at] : NULL;
  if (e && (e->rows != u->rows || e->t_min != u->t_min || e->t_max != u->t_max ||
            e->cell_min != u->cell_min || e->cell_max != u->cell_max)) {
    c->bytes -= e->bytes; /* rewritten since: decode it again */
    entry_free(e);
    memmove(&c->v[at], &c->v[at + 1], (c->n - at - 1) * sizeof *c->v);
    c->n--;
    e = NULL;
  }
  if (!e) {
    if (c->n == c->cap) {
      size_t cap = c->cap ? c->cap * 2 : 64;
      dc_entry *v = GP_REALLOC(c->v, cap * sizeof *v);
      if (!v) {
        rc = gp_err_set(err, GP_NOMEM, "out of memory");
        goto done;
      }
      c->v = v;
      c->cap = cap;
    }
    dc_entry ne;
    memset(&ne, 0, sizeof ne);
    memcpy(ne.key, key, 22);
    ne.rows = u->rows, ne.t_min = u->t_min, ne.t_max = u->t_max;
    ne.cell_min = u->cell_min, ne.cell_max = u->cell_max;
    if ((rc = gp_rows_init(&ne.all, l, u->rows))) {
      rc = gp_err_set(err, GP_NOMEM, "out of memory");
      goto done;
    }
    if ((rc = load(lctx, &ne.all, err)) || (rc = find_runs(&ne, l->series_col))) {
      if (rc == GP_NOMEM) gp_err_set(err, GP_NOMEM, "out of memory");
      entry_free(&ne);
      goto done;
    }
    ne.bytes = rows_bytes(&ne.all) + (ne.nruns + 1) * 4 + ne.nruns * 16;
    c->bytes += ne.bytes;
    memmove(&c->v[at + 1], &c->v[at], (c->n - at) * sizeof *c->v);
    c->v[at] = ne;
    c->n++;
    e = &c->v[at];
  }
  e->used = ++c->tick;
  if (c->idx_cap < e->all.n + 1) {
    uint32_t *ix = GP_REALLOC(c->idx, (e->all.n + 1) * sizeof *ix);
    if (!ix) {
      rc = gp_err_set(err, GP_NOMEM, "out of memory");
      goto done;
    }
    c->idx = ix;
    c->idx_cap = e->all.n + 1;
  }
  const int64_t *t = e->all.cols[l->time_col].i64;
  size_t m = 0;
  bool by_sid = keep && keep->col == l->series_col && l->series_col >= 0;
  for (size_t r = 0; r < e->nruns; r++) {
    /* a run is one series: a series the keep filter drops is not even searched */
    if (by_sid && e->runs[r] < e->runs[r + 1] && !gp_store__keep_has(keep, e->run_sid[r])) continue;
    size_t a = lower_bound_near(t, e->runs[r], e->runs[r + 1], e->hint[2 * r], lo);
    size_t b = hi == INT64_MAX ? e->runs[r + 1]
                               : lower_bound_near(t, a, e->runs[r + 1], e->hint[2 * r + 1], hi);
    e->hint[2 * r] = (uint32_t)a;
    e->hint[2 * r + 1] = (uint32_t)b;
    for (size_t i = a; i < b; i++)
      if (!cell_ok || cell_ok(cctx, e->all.cell[i])) c->idx[m++] = (uint32_t)i;
  }
  if (m && (rc = gp_rows_gather(out, &e->all, c->idx, m)))
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
  /* evicted after the copy, so that e stays valid above; never the entry just used (it is
   * the most recent) */
  if (!rc) evict_locked(c);
done:
  pthread_mutex_unlock(&c->mu);
  return rc;
}

void gp_store__dcache_forget(gp_store__dcache *c, const uint8_t *lo, size_t ll, const uint8_t *hi,
                             size_t hl) {
  if (!c) return;
  pthread_mutex_lock(&c->mu);
  size_t w = 0;
  for (size_t k = 0; k < c->n; k++) {
    const uint8_t *key = c->v[k].key;
    bool in = !lo || (memcmp(key, lo, ll) >= 0 && memcmp(key, hi, hl) < 0);
    if (in) {
      c->bytes -= c->v[k].bytes;
      entry_free(&c->v[k]);
    } else {
      c->v[w++] = c->v[k];
    }
  }
  c->n = w;
  pthread_mutex_unlock(&c->mu);
}
