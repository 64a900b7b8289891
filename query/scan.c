/* scan.c - driving a table scan through the pipeline: the callbacks gp_scan_run calls per
 * unit (vectorised where vec_plan found a plan, else the row path), the units answered from
 * their summaries, and unit pruning by series (uplan): units whose series all fail a filter
 * are skipped, and a latest-per-series query visits units newest first and stops reading a
 * series once it has its newest row, or answers from the summaries' series tails. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "exec_int.h"

/* ---- which units a scan decodes, and in what order ----------------------------------------
 *
 * gp_scan_run decodes every unit the time window overlaps. The summaries say which series ids
 * (dictionary ids of the table's SYMBOL series column, or the values of an INT one, numbered
 * densely per scan: uplan.vals) each unit holds, which lets two kinds of scan skip units
 * without decoding them:
 *  - Dead series. With filters that read only the series column, or an inner join on it, a
 *    series id that fails the filters or matches no row of the small side contributes nothing;
 *    a unit holding only such ids is skipped. Example: Q8 joins readings with the 400
 *    water-level gauges of 2,000 sensors; units of gas or wind sensors are never read.
 *  - Latest per series. When every aggregate is max(ts) or last(x, ts) of the time column and
 *    every group key and filter is a function of the series (the series column, or columns of
 *    the small side joined on it), each group's answer comes from the rows at its series'
 *    latest ts. Units are then visited newest t_max first, LT_WAVE per thread at a time (a
 *    wave runs on all threads); after each wave best[s] is the latest ts seen for series s, and a unit in
 *    which every live series has best[s] > t_max cannot change any answer: skipped. In a
 *    decoded unit only the rows at their series' latest ts within the unit, and not older than
 *    best[s], reach the aggregates. Rows at equal ts are all kept (last() breaks ties by
 *    value), so the answer is the full scan's exactly, whatever the thread count. Nulls would
 *    break this (last() skips a null x, reaching back to older rows), so every unit's summary
 *    must show no null series, ts or last() argument. Example: Q7 (17.28 M readings in 5
 *    partitions) decodes only the newest partition's units that hold water-level gauges.
 * `SET vectorize = false` turns both off, so that tests can compare with the full scan. */

static size_t unit_ordinal(pipe *p, const gp_unit_info *u) {
  size_t lo = 0, hi = p->nunits;
  while (lo < hi) {
    size_t m = (lo + hi) / 2;
    if ((uintptr_t)p->units[m] < (uintptr_t)u) lo = m + 1;
    else hi = m;
  }
  return lo;
}

static gp_rc scan_unit(void *ctx, int th, const gp_unit_info *u, const gp_rows *rows, gp_err *err) {
  pipe *p = ctx;
  if (*p->cancel) return gp_err_set(err, GP_CANCELLED, "cancelled");
  if (!rows) { /* covered: the summary answers every aggregate (see can_summarise) */
    gtab *t = &p->g.tabs[th];
    long gi = qx_gtab_find(&p->g, t, NULL, KEYS_HASH0, &p->q->tpool[th]);
    if (gi < 0) return gp_err_set(err, GP_NOMEM, "out of memory");
    qx_aggst *st = g_states(&p->g, t, (size_t)gi);
    for (int k = 0; k < p->g.na; k++) qx_agg_add_summary(&p->g.aggs[k], g_st(&p->g, st, k), u);
#pragma omp atomic
    p->units_summary++;
    return GP_OK;
  }
  uint64_t ord = (uint64_t)unit_ordinal(p, u) << 32;
  if (p->vk) {
    gp_rc rc = qx_scan_vec(p, th, rows, ord, NULL, 0);
    if (qx_faulted()) return qx_fault_take(err); /* not "out of memory" (see scan_cb) */
    if (rc) return gp_err_set(err, rc, "out of memory");
#pragma omp atomic
    p->rows_in += rows->n;
    return GP_OK;
  }
  qx_row r = {0};
  r.rows = rows;
  r.th = th;
  for (size_t i = 0; i < rows->n; i++) {
    r.i = i;
    gp_rc rc = qx_pipe_row(p, th, &r, ord | i);
    if (rc) return gp_err_set(err, rc, "out of memory");
  }
#pragma omp atomic
  p->rows_in += rows->n;
  return GP_OK;
}

/* A scan's callback: one unit through scan_unit. An evaluation error of the unit (1 / 0 in
 * some row) fails the scan; taken here on every return, so none is left on the thread to
 * surface in a later statement. */
static gp_rc scan_cb(void *ctx, int th, const gp_unit_info *u, const gp_rows *rows, gp_err *err) {
  gp_rc rc = scan_unit(ctx, th, u, rows, err);
  gp_rc f = qx_fault_take(err);
  return rc ? rc : f;
}

enum { LT_WAVE = 2 }; /* units per thread in a wave */

/* True when x reads nothing but constants, the series column and (with a join on it) the
 * small side: its value is then the same for all rows of one series. */
static bool series_fn(const qx_ex *x, int scol) {
  switch (x->op) {
  case QX_COL: return x->src == QX_SRC_VALS2 || (x->src == QX_SRC_ROWS && x->idx == scol);
  case QX_SYMCMP:
  case QX_SYMIN: return x->idx == scol;
  case QX_FUNC:
    if (x->sub == QF_CELL || x->sub == QF_CELL_X || x->sub == QF_CELL_Y || x->sub == QF_X ||
        x->sub == QF_Y || x->sub == QF_WITHIN || x->sub == QF_DWITHIN || x->sub == QF_REGION)
      return false;
    break;
  default: break;
  }
  for (int k = 0; k < x->nargs; k++)
    if (!series_fn(x->args[k], scol)) return false;
  return true;
}

bool qx_plain_col(const qx_ex *x, int col) {
  return x && x->op == QX_COL && x->src == QX_SRC_ROWS && x->idx == col;
}

/* How many series a unit's summary of the series column lists: dictionary ids of a SYMBOL
 * column or values of an INT one (only one of the two lists is ever set). */
static size_t unit_nkeys(const gp_col_summary *c) {
  return c->sym_ids ? c->nsyms : c->nkeys;
}

/* A unit whose summary lists the series ids it holds, none null. */
static bool unit_ids_known(const uplan *up, const gp_unit_info *u) {
  if (u->ncols <= up->scol || !u->cols) return false;
  const gp_col_summary *c = &u->cols[up->scol];
  return c->nulls == 0 && (unit_nkeys(c) > 0 || u->rows == 0);
}

/* The id of series value v: the dictionary id itself for SYMBOL; for INT its position in
 * up->vals, found by binary search from *hint (the last answer: rows and summaries come in
 * series order, so the hint usually holds). Returns up->nids when v is not listed. A sorted
 * array rather than a hash map: it is built sorted by the merge in uplan_make and answers
 * in order, and ~11 steps for 2,000 sensors are only taken on decoded rows' series changes. */
static size_t series_id(const uplan *up, int64_t v, size_t *hint) {
  if (!up->vals) return v >= 0 && (uint64_t)v < up->nids ? (size_t)v : up->nids;
  if (*hint < up->nids && up->vals[*hint] == v) return *hint;
  size_t lo = 0, hi = up->nids;
  while (lo < hi) {
    size_t m = lo + (hi - lo) / 2;
    if (up->vals[m] < v) lo = m + 1;
    else hi = m;
  }
  if (lo == up->nids || up->vals[lo] != v) return up->nids;
  *hint = lo;
  return lo;
}

/* Series k of a unit's series-column summary c, as an id (see series_id). */
static size_t unit_id(const uplan *up, const gp_col_summary *c, size_t k, size_t *hint) {
  return c->sym_ids ? (size_t)c->sym_ids[k] : series_id(up, c->keys[k], hint);
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* The distinct values of an INT series column over the scan's units, ascending, into the
 * arena; *n gets their number. Units without a list are left out (they are never skipped). */
static gp_rc int_series_vals(pipe *p, gp_scan *sc, int scol, int64_t **out, size_t *n,
                             gp_err *err) {
  size_t nu = gp_scan_units(sc), tot = 0;
  for (size_t i = 0; i < nu; i++) {
    const gp_unit_info *u = gp_scan_unit(sc, i);
    if (u->ncols > scol && u->cols) tot += u->cols[scol].nkeys;
  }
  int64_t *v = gp_query_arena_alloc(p->q->a, (tot ? tot : 1) * sizeof *v);
  if (!v) return qx_nomem(err);
  size_t m = 0;
  for (size_t i = 0; i < nu; i++) {
    const gp_unit_info *u = gp_scan_unit(sc, i);
    if (u->ncols <= scol || !u->cols) continue;
    memcpy(v + m, u->cols[scol].keys, u->cols[scol].nkeys * sizeof *v);
    m += u->cols[scol].nkeys;
  }
  qsort(v, m, sizeof *v, cmp_i64);
  size_t k = 0;
  for (size_t i = 0; i < m; i++)
    if (k == 0 || v[k - 1] != v[i]) v[k++] = v[i];
  *out = v;
  *n = k;
  return GP_OK;
}

bool qx_uplan_shape(const pipe *p, const gp_table *t, ushape *sh) {
  gp_store_layout l;
  gp_table_layout(t, &l);
  int scol = l.series_col, tcol = t->time_col;
  memset(sh, 0, sizeof *sh);
  sh->scol = scol;
  sh->tcol = tcol;
  if (scol < 0 || scol >= t->ncols ||
      (t->cols[scol].type != GP_T_SYMBOL && t->cols[scol].type != GP_T_INT))
    return false;
  sh->join_ok = p->join && !p->join->left_join && p->join->nkeys == 1 &&
                qx_plain_col(p->join->lkeys[0], scol);
  if (p->join && !sh->join_ok) return false;
  for (int k = 0; k < p->npre; k++)
    if (qx_ex_srcs(p->pre[k]) == 1u << QX_SRC_ROWS && series_fn(p->pre[k], scol)) sh->nfilt++;
  bool latest = p->agg && !p->npost && sh->nfilt == p->npre && tcol >= 0 && p->g.na > 0;
  uint64_t nonull = latest ? (UINT64_C(1) << scol | UINT64_C(1) << tcol) : 0;
  for (int k = 0; k < p->nkeys && latest; k++) latest = series_fn(p->keys[k], scol);
  for (int k = 0; k < p->g.na && latest; k++) {
    const qx_agg *a = &p->g.aggs[k];
    if (a->kind == QA_MAX) latest = qx_plain_col(a->arg, tcol);
    else if (a->kind != QA_LAST || !qx_plain_col(a->ts, tcol)) latest = false;
    else if (a->arg->op == QX_COL && a->arg->src == QX_SRC_ROWS && a->arg->idx < 64)
      nonull |= UINT64_C(1) << a->arg->idx; /* last() skips nulls: none may exist */
    else latest = sh->join_ok && series_fn(a->arg, scol);
  }
  sh->latest = latest;
  sh->nonull = nonull;
  return true;
}

gp_rc qx_uplan_make(pipe *p, const gp_table *t, gp_scan *sc, gp_err *err) {
  ushape sh;
  if (!qx_uplan_shape(p, t, &sh)) return GP_OK;
  int scol = sh.scol, tcol = sh.tcol, nfilt = sh.nfilt;
  bool join_ok = sh.join_ok, latest = sh.latest;
  uint64_t nonull = sh.nonull;
  if (!join_ok && !nfilt && !latest) return GP_OK;
  size_t n = gp_scan_units(sc), nids = 0;
  bool is_int = t->cols[scol].type == GP_T_INT;
  int64_t *vals = NULL;
  gp_rc rc;
  if (is_int && (rc = int_series_vals(p, sc, scol, &vals, &nids, err))) return rc;
  for (size_t i = 0; i < n; i++) {
    const gp_unit_info *u = gp_scan_unit(sc, i);
    if (unit_ids_known(&(uplan){.scol = scol}, u)) {
      const gp_col_summary *c = &u->cols[scol];
      if (c->nsyms && (size_t)c->sym_ids[c->nsyms - 1] + 1 > nids) nids = (size_t)c->sym_ids[c->nsyms - 1] + 1;
    } else {
      latest = false;
    }
    for (int c = 0; c < 64 && latest; c++)
      if (nonull >> c & 1) latest = c < u->ncols && u->cols[c].nulls == 0;
  }
  if ((!join_ok && !nfilt && !latest) || nids == 0 || nids > JC_MAX_ID) return GP_OK;
  qry *q = p->q;
  int nth = q->nthreads;
  uplan *up = gp_query_arena_alloc(q->a, sizeof *up);
  if (!up) return qx_nomem(err);
  memset(up, 0, sizeof *up);
  up->scol = scol;
  up->tcol = tcol;
  up->t_hi = INT64_MAX; /* the caller narrows it to the scan's window */
  up->nids = nids;
  up->vals = vals;
  up->latest = latest;
  up->live = gp_query_arena_alloc(q->a, nids);
  up->probe = gp_query_arena_alloc(q->a, sizeof *up->probe);
  if (!up->live || !up->probe) return qx_nomem(err);
  memset(up->live, 0, nids);
  memset(up->probe, 0, sizeof *up->probe);
  up->probe->n = up->probe->cap = 1;
  up->probe->ncols = t->ncols;
  for (int c = 0; c < t->ncols; c++) up->probe->cols[c].type = t->cols[c].type;
  up->probe->cols[scol].i64 = &up->probe_id;
  if (latest) {
    up->best = gp_query_arena_alloc(q->a, nids * sizeof *up->best);
    up->tbest = gp_query_arena_alloc(q->a, (size_t)nth * sizeof *up->tbest);
    up->umax = gp_query_arena_alloc(q->a, (size_t)nth * sizeof *up->umax);
    up->sel = gp_query_arena_alloc(q->a, (size_t)nth * sizeof *up->sel);
    up->selcap = gp_query_arena_alloc(q->a, (size_t)nth * sizeof *up->selcap);
    if (!up->best || !up->tbest || !up->umax || !up->sel || !up->selcap) return qx_nomem(err);
    for (size_t i = 0; i < nids; i++) up->best[i] = INT64_MIN;
    for (int th = 0; th < nth; th++) {
      up->tbest[th] = gp_query_arena_alloc(q->a, nids * sizeof **up->tbest);
      up->umax[th] = gp_query_arena_alloc(q->a, nids * sizeof **up->umax);
      if (!up->tbest[th] || !up->umax[th]) return qx_nomem(err);
      for (size_t i = 0; i < nids; i++) up->tbest[th][i] = up->umax[th][i] = INT64_MIN;
      up->sel[th] = NULL;
      up->selcap[th] = 0;
    }
    if (is_int) {
      up->dix = gp_query_arena_alloc(q->a, (size_t)nth * sizeof *up->dix);
      up->dixcap = gp_query_arena_alloc(q->a, (size_t)nth * sizeof *up->dixcap);
      if (!up->dix || !up->dixcap) return qx_nomem(err);
      memset(up->dix, 0, (size_t)nth * sizeof *up->dix);
      memset(up->dixcap, 0, (size_t)nth * sizeof *up->dixcap);
    }
  }
  p->up = up;
  return GP_OK;
}

/* Whether series id can contribute: it passes the filters on the series column and matches
 * the small side. Runs between waves, on one thread. */
static bool id_live(pipe *p, uplan *up, size_t id) {
  if (id >= up->nids) return true;
  if (up->live[id]) return up->live[id] == 1;
  qx_row r = {0};
  up->probe_id = up->vals ? up->vals[id] : (int64_t)id;
  r.rows = up->probe;
  bool ok = true;
  for (int k = 0; k < p->npre && ok; k++)
    if (qx_ex_srcs(p->pre[k]) == 1u << QX_SRC_ROWS && series_fn(p->pre[k], up->scol))
      ok = qx_eval_true(p->ctx, p->pre[k], &r, &p->q->pool);
  if (ok && p->join) {
    size_t row = 0;
    ok = qx_join_matches(p, &r, &p->q->pool, &row) > 0;
  }
  up->live[id] = ok ? 1 : 2;
  return ok;
}

static bool unit_skip(pipe *p, uplan *up, const gp_unit_info *u) {
  if (!unit_ids_known(up, u)) return false;
  const gp_col_summary *c = &u->cols[up->scol];
  size_t hint = 0;
  for (size_t k = 0; k < unit_nkeys(c); k++) {
    size_t id = unit_id(up, c, k, &hint);
    if (!id_live(p, up, id)) continue;
    if (!up->latest || id >= up->nids || up->best[id] <= u->t_max) return false;
  }
  return true;
}

/* The latest plan's work on one decoded unit: keeps the rows at their series' latest ts in
 * the unit (not older than best) and passes them on. */
static gp_rc latest_unit(pipe *p, int th, const gp_unit_info *u, const gp_rows *rows, gp_err *err) {
  uplan *up = p->up;
  const int64_t *ts = rows->cols[up->tcol].i64;
  int64_t *um = up->umax[th], *tb = up->tbest[th];
  size_t n = rows->n;
  /* sid[i]: row i's series id; for INT the rows' values mapped through up->vals */
  const int64_t *sid = rows->cols[up->scol].i64;
  uint32_t *dx = NULL;
  if (up->vals) {
    if (up->dixcap[th] < n) {
      uint32_t *nd = GP_REALLOC(up->dix[th], n * sizeof *nd);
      if (!nd) return gp_err_set(err, GP_NOMEM, "out of memory");
      up->dix[th] = nd;
      up->dixcap[th] = n;
    }
    dx = up->dix[th];
    size_t hint = 0;
    for (size_t i = 0; i < n; i++) {
      size_t id = series_id(up, sid[i], &hint);
      if (id >= up->nids) return scan_cb(p, th, u, rows, err);
      dx[i] = (uint32_t)id;
    }
  }
#define SID(i) (dx ? (size_t)dx[i] : (size_t)sid[i])
  for (size_t i = 0; i < n; i++) {
    if (!dx && (sid[i] < 0 || (size_t)sid[i] >= up->nids)) return scan_cb(p, th, u, rows, err);
    if (ts[i] > um[SID(i)]) um[SID(i)] = ts[i];
  }
  if (up->selcap[th] < n) {
    uint32_t *ns = GP_REALLOC(up->sel[th], n * sizeof *ns);
    if (!ns) return gp_err_set(err, GP_NOMEM, "out of memory");
    up->sel[th] = ns;
    up->selcap[th] = n;
  }
  uint32_t *sel = up->sel[th];
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    size_t s = SID(i);
    sel[m] = (uint32_t)i;
    m += ts[i] == um[s] && ts[i] >= up->best[s];
  }
  for (size_t i = 0; i < n; i++) {
    size_t s = SID(i);
    if (um[s] > tb[s]) tb[s] = um[s];
    um[s] = INT64_MIN;
  }
#undef SID
  if (*p->cancel) return gp_err_set(err, GP_CANCELLED, "cancelled");
  uint64_t ord = (uint64_t)unit_ordinal(p, u) << 32;
  gp_rc rc = GP_OK;
  if (p->vk) {
    rc = qx_scan_vec(p, th, rows, ord, sel, m);
  } else {
    qx_row r = {0};
    r.rows = rows;
    r.th = th;
    for (size_t k = 0; k < m && !rc; k++) {
      r.i = sel[k];
      rc = qx_pipe_row(p, th, &r, ord | sel[k]);
    }
  }
  if (qx_faulted()) return qx_fault_take(err);
  if (rc) return gp_err_set(err, rc, "out of memory");
#pragma omp atomic
  p->rows_in += m;
  return GP_OK;
}

typedef struct tmax_ctx {
  gp_scan *sc;
} tmax_ctx;

static int cmp_tmax_desc(const void *ctx, size_t a, size_t b) {
  const tmax_ctx *c = ctx;
  int64_t x = gp_scan_unit(c->sc, a)->t_max, y = gp_scan_unit(c->sc, b)->t_max;
  if (x != y) return x > y ? -1 : 1;
  return (a > b) - (a < b);
}

static gp_rc latest_cb(void *ctx, int th, const gp_unit_info *u, const gp_rows *rows,
                       gp_err *err) {
  gp_rc rc = latest_unit(ctx, th, u, rows, err);
  /* as scan_cb: no evaluation error outlives the unit */
  gp_rc f = qx_fault_take(err);
  return rc ? rc : f;
}

/* ---- the latest plan from summaries alone: series tails ----------------------------------
 *
 * Every unit's summary names, for each series it holds, the series' latest ts in the unit and
 * that row's values (gp_unit_info.ntail). When the latest plan applies, every unit is covered
 * (all its rows match the scan's window), the columns read have tails (not TEXT) and each live
 * series' latest ts is held by one row of one unit, the answer is those rows: no unit is
 * decoded. Ties (two rows at the latest ts) and missing tails (summaries written before tails
 * existed) fall back to the waves of run_units. The caller may first open the scan on the
 * newest partition only: a live series with a row there has its latest row there, as every
 * older partition ends before it starts; when some live series has no row there (a sensor
 * that stopped reporting), tails_plan says no and the caller reopens the whole window.
 * Example: Q7 reads the summaries of one partition (~500 of 2,588 units) and decodes none. */
gp_rc qx_tails_plan(pipe *p, gp_scan *sc, const gp_table *t, uint64_t colmask, bool narrowed,
                        bool *ok, gp_err *err) {
  uplan *up = p->up;
  *ok = false;
  if (!up || !up->latest) return GP_OK;
  for (int c = 0; c < t->ncols && c < 64; c++)
    if ((colmask >> c & 1) && c != up->scol && c != up->tcol && t->cols[c].type == GP_T_TEXT)
      return GP_OK;
  size_t n = gp_scan_units(sc), nids = up->nids;
  /* narrowed: every series must be seen in the newest partition; the dictionary says how many
   * SYMBOL series exist, nothing counts INT ones (the caller does not narrow for them) */
  if (narrowed && (up->vals || gp_db_sym_count(p->q->s->db, t, up->scol) > nids)) return GP_OK;
  qry *q = p->q;
  int64_t *bt = GP_MALLOC(nids * sizeof *bt);
  uint32_t *bu = GP_MALLOC(nids * sizeof *bu), *bk = GP_MALLOC(nids * sizeof *bk);
  uint8_t *bone = GP_MALLOC(nids);
  gp_rc rc = GP_OK;
  if (!bt || !bu || !bk || !bone) {
    rc = qx_nomem(err);
    goto cleanup;
  }
  for (size_t i = 0; i < nids; i++) bt[i] = INT64_MIN;
  for (size_t i = 0; i < n; i++) {
    const gp_unit_info *u = gp_scan_unit(sc, i);
    if (!u->covered || u->ntail == 0 || u->ntail != unit_nkeys(&u->cols[up->scol])) goto cleanup;
    for (int c = 0; c < t->ncols && c < 64; c++)
      if ((colmask >> c & 1) && c != up->scol && c != up->tcol && !u->cols[c].tail_i &&
          !u->cols[c].tail_d)
        goto cleanup;
    size_t hint = 0;
    for (size_t k = 0; k < u->ntail; k++) {
      size_t id = unit_id(up, &u->cols[up->scol], k, &hint);
      if (id >= nids || !id_live(p, up, id)) continue;
      if (u->tail_t[k] > bt[id]) {
        bt[id] = u->tail_t[k];
        bu[id] = (uint32_t)i;
        bk[id] = (uint32_t)k;
        bone[id] = u->tail_one[k];
      } else if (u->tail_t[k] == bt[id]) {
        bone[id] = 0;
      }
    }
  }
  size_t m = 0;
  for (size_t id = 0; id < nids; id++) {
    if (!id_live(p, up, id)) continue;
    if (bt[id] == INT64_MIN) {
      if (narrowed) goto cleanup; /* older partitions may hold it */
      continue;
    }
    if (!bone[id]) goto cleanup;
    m++;
  }
  gp_store_layout l;
  gp_table_layout(t, &l);
  gp_rows *r = &up->tailrows;
  if (gp_rows_init(r, &l, m ? m : 1)) {
    rc = qx_nomem(err);
    goto cleanup;
  }
  for (size_t id = 0; id < nids; id++) {
    if (!id_live(p, up, id) || bt[id] == INT64_MIN) continue;
    size_t j = r->n++;
    const gp_unit_info *u = gp_scan_unit(sc, bu[id]);
    r->cell[j] = 0;
    for (int c = 0; c < t->ncols && c < 64; c++) {
      gp_col *col = &r->cols[c];
      if (c == up->scol) col->i64[j] = up->vals ? up->vals[id] : (int64_t)id;
      else if (c == up->tcol) col->i64[j] = bt[id];
      else if (!(colmask >> c & 1)) continue;
      else if (u->cols[c].tail_null[bk[id]]) {
        if (gp_col_set_null(col, j, r->cap)) {
          rc = qx_nomem(err);
          goto cleanup;
        }
      } else if (u->cols[c].tail_d) col->f64[j] = u->cols[c].tail_d[bk[id]];
      else col->i64[j] = u->cols[c].tail_i[bk[id]];
    }
  }
  up->ntails = m;
  up->tails = true;
  up->skipped = n;
  *ok = true;
cleanup:
  (void)q;
  GP_FREE(bt);
  GP_FREE(bu);
  GP_FREE(bk);
  GP_FREE(bone);
  return rc;
}

/* Hands the scan the series that can matter (id_live), so that its decodes leave out the
 * others' rows: a unit holding one water-level gauge among five sensors copies one series, not
 * five. Only when every unit lists its series and none is null (a null series never passes a
 * keep filter, though `IS NULL` might pass it) and some listed series is dead. */
static gp_rc keep_live(pipe *p, uplan *up, gp_scan *sc, gp_err *err) {
  size_t n = gp_scan_units(sc), nlive = 0;
  bool dead = false;
  for (size_t i = 0; i < n; i++) {
    const gp_unit_info *u = gp_scan_unit(sc, i);
    if (!unit_ids_known(up, u)) return GP_OK;
    const gp_col_summary *c = &u->cols[up->scol];
    for (size_t k = 0; k < c->nsyms; k++) dead |= !id_live(p, up, c->sym_ids[k]);
  }
  if (!dead) return GP_OK;
  int64_t *ids = gp_query_arena_alloc(p->q->a, (up->nids ? up->nids : 1) * sizeof *ids);
  if (!ids) return qx_nomem(err);
  for (size_t id = 0; id < up->nids; id++)
    if (up->live[id] == 1) ids[nlive++] = (int64_t)id; /* ascending, as the filter needs */
  gp_scan_keep k = {up->scol, ids, nlive, false};
  return gp_scan_set_keep(sc, &k, err);
}

/* Runs the scan as gp_scan_run does, but through p->up when set: skipping units and, for
 * the latest plan, visiting them newest first in waves. */
gp_rc qx_run_units(pipe *p, gp_scan *sc, bool summaries, gp_err *err) {
  uplan *up = p->up;
  if (!up) return gp_scan_run(sc, summaries, scan_cb, p, err);
  if (up->tails) {
    gp_rc rc = up->tailrows.n ? scan_cb(p, 0, p->units[0], &up->tailrows, err) : GP_OK;
    gp_rows_free(&up->tailrows);
    return rc;
  }
  size_t n = gp_scan_units(sc);
  size_t *order = GP_MALLOC((n + 1) * sizeof *order), *wave = GP_MALLOC((n + 1) * sizeof *wave);
  gp_rc rc = GP_OK;
  int nth = p->q->nthreads;
  if (!order || !wave) {
    rc = qx_nomem(err);
    goto free_order;
  }
  for (size_t i = 0; i < n; i++) order[i] = i;
  /* Waves pay only when a unit may end before some series' best: a decoded row is before the
   * window's end, so best[s] < t_hi, and a unit whose t_max reaches t_hi - 1 is never skipped.
   * When every unit does (a one-hour window inside week-long chunks: each slot of a warning
   * replay), one wave in any order reads exactly the units the waves would, without sorting
   * them and merging the per-thread bests ~190 times a slot. */
  if ((rc = keep_live(p, up, sc, err))) goto free_order;
  bool waves = false;
  for (size_t i = 0; i < n && up->latest && !waves; i++)
    waves = up->t_hi == INT64_MAX || gp_scan_unit(sc, i)->t_max < up->t_hi - 1;
  if (waves) {
    tmax_ctx tc = {sc};
    if ((rc = qx_sort_idx(order, n, cmp_tmax_desc, &tc, err))) goto free_order;
  }
  for (size_t pos = 0; pos < n && !rc;) {
    size_t m = 0, lim = waves ? (size_t)LT_WAVE * (size_t)nth : n;
    while (pos < n && m < lim) {
      size_t i = order[pos++];
      if (unit_skip(p, up, gp_scan_unit(sc, i))) up->skipped++;
      else wave[m++] = i;
    }
    up->read += m;
    if ((rc = gp_scan_run_some(sc, wave, m, false, up->latest ? latest_cb : scan_cb, p, err)))
      break;
    /* best[s] changes only for the series of the wave's units (their summaries list them) */
    for (size_t w = 0; waves && w < m; w++) {
      const gp_col_summary *c = &gp_scan_unit(sc, wave[w])->cols[up->scol];
      for (size_t k = 0; k < c->nsyms; k++) {
        uint32_t id = c->sym_ids[k];
        for (int th = 0; th < nth && id < up->nids; th++)
          if (up->tbest[th][id] > up->best[id]) up->best[id] = up->tbest[th][id];
      }
    }
  }
free_order:
  if (up->sel)
    for (int th = 0; th < nth; th++) {
      GP_FREE(up->sel[th]);
      up->sel[th] = NULL;
      up->selcap[th] = 0;
    }
  if (up->dix)
    for (int th = 0; th < nth; th++) {
      GP_FREE(up->dix[th]);
      up->dix[th] = NULL;
      up->dixcap[th] = 0;
    }
  GP_FREE(order);
  GP_FREE(wave);
  return rc;
}
