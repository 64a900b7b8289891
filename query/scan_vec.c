/* scan_vec.c - the vectorised path of an aggregate scan: symbol filters as tight loops over
 * dictionary ids into a selection vector, GROUP BY keys computed as int64 from the raw columns
 * (vkey), groups found through a per-thread map of key tuples (vmap), and count/sum/avg fed
 * straight from the columns (vagg); see the comment above VK_COL for how it chooses. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "exec_int.h"

/* ---- the vectorised path of an aggregate scan ---------------------------------------------
 *
 * Row at a time, a GROUP BY evaluates every filter and key as a tree of qx_val and hashes the
 * keys into the group table for each row: ~100 ns a row. Most analytic queries filter on symbol
 * equality and group by time buckets, cells and plain columns, which are simple functions of
 * one decoded column. For those, scan_vec first narrows the unit to a selection vector with
 * tight loops over the id columns, then walks the selected rows computing each key as an
 * int64 from the raw column (a bucket from a cached [lo, hi) interval, a cell by shifting the
 * Morton code). Rows of a chunk are in time order within a cell, so consecutive rows mostly
 * share their keys; when the int64 keys change, a per-thread map from int64 key tuples to
 * groups (vmap) finds the group, and only a tuple met for the first time evaluates the real
 * keys (through qx_eval, so the group keys are exactly those of the row path) and looks the
 * group up in the table. count(*) is then one increment. Example: Q1, bucket(ts, 1 d) over
 * a chunk of 30 days, evaluates 30 keys per chunk instead of one per row. A key that is NULL
 * for a row (no position, a null column) sends that row down the row path. Inner joins on a
 * SYMBOL column join by dictionary id (jcache). Measured at SF = 1, one thread: Q1 3.8 -> 0.9
 * ms, Q9 121 -> 56 ms, Q7 (a join over 17.28 M readings) 833 -> 271 ms. */

/* How scan_vec feeds an aggregate. count(x), sum(x) and avg(x) of a plain column, or of
 * CASE WHEN <symbol test> THEN k1 ELSE k2 END with constants k1, k2 (a share, as in
 * CityBench Q9's share_closed), read the decoded column directly; everything else goes
 * through qx_eval. With the dense groups below, Q9 at SF = 10 went from ~330 to ~150 ms. */
enum { VA_EVAL, VA_STAR, VA_COL, VA_CASE };

typedef struct vagg {
  uint8_t kind;      /* VA_* */
  int col;           /* VA_COL: the column */
  const qx_ex *cond; /* VA_CASE: a QX_SYMCMP or QX_SYMIN */
  qx_val k1, k2;     /* VA_CASE: the THEN and ELSE constants */
  bool inl;          /* VA_CASE, SYMCMP: sum/avg adds i1 or i2 to the exact sum inline */
  int64_t i1, i2;    /* inl: what qx_agg_add_num adds to s1 for k1 and for k2 */
} vagg;

/* The bucket of vkey v holding x into [*lo, *hi): the end where it is cheap to know (fixed
 * width, calendar months in UTC), else *hi = *lo so that the next row computes again. */
static inline void vkey_bucket(const vkey *v, int64_t x, int64_t *lo, int64_t *hi) {
  *lo = qx_bucket(x, v->w, v->months, v->tz);
  *hi = v->tz ? *lo : v->months ? qx_add_months(*lo, v->months, NULL) : *lo + v->w;
}

static bool sym_test(const qx_ex *x, const gp_rows *rows, size_t i) {
  const gp_col *c = &rows->cols[x->idx];
  if (gp_rows_isnull(c, i)) return false; /* a NULL comparison is not true */
  int64_t id = c->i64[i];
  if (x->op == QX_SYMCMP) return (id == x->k.i) == !x->neg;
  return qx_ids_has(x->ids, x->nids, id) != x->neg;
}

static bool num_const(const qx_ex *x) {
  return x->op == QX_CONST && (x->k.t == QV_INT || x->k.t == QV_DBL);
}

/* What qx_agg_add_num(a, s, k) adds to s->s1 when that is all it does besides n++: an INT
 * kept in units, or a number (INT or DOUBLE) summed as a DOUBLE that is exact in micro-units.
 * So `THEN 1 ELSE 0` and `THEN 1.0 ELSE 0.0` both take the inline share path (issue 17: the
 * decimal spelling of CityBench Q9's share used to go through qx_agg_add_num per row). */
static bool share_add(const qx_agg *a, qx_val k, int64_t *out) {
  if (k.t != QV_INT && k.t != QV_DBL) return false;
  if (k.t == QV_INT && a->in_t != QV_DBL) {
    *out = k.i;
    return true;
  }
  return qx_to_micro(k.t == QV_DBL ? k.d : (double)k.i, out);
}

static void vagg_plan(const qx_agg *a, vagg *v) {
  memset(v, 0, sizeof *v);
  v->kind = VA_EVAL;
  if (a->kind == QA_COUNT_STAR) {
    v->kind = VA_STAR;
    return;
  }
  if (a->kind != QA_COUNT && a->kind != QA_SUM && a->kind != QA_AVG) return;
  const qx_ex *x = a->arg;
  if (x->op == QX_COL && x->src == QX_SRC_ROWS &&
      (x->ctype == GP_T_DOUBLE || x->ctype == GP_T_INT)) {
    v->kind = VA_COL;
    v->col = x->idx;
  } else if (x->op == QX_CASE && !x->idx && x->nids == 1 && x->nargs == 3 &&
             (x->args[0]->op == QX_SYMCMP || x->args[0]->op == QX_SYMIN) &&
             num_const(x->args[1]) && num_const(x->args[2]) &&
             x->args[1]->k.t == x->args[2]->k.t) {
    v->kind = VA_CASE;
    v->cond = x->args[0];
    v->k1 = x->args[1]->k;
    v->k2 = x->args[2]->k;
    v->inl = v->cond->op == QX_SYMCMP && a->kind != QA_COUNT && share_add(a, v->k1, &v->i1) &&
             share_add(a, v->k2, &v->i2);
  }
}

int qx_vec_inline_shares(const pipe *p) {
  int n = 0;
  for (int k = 0; p->va && k < p->g.na; k++) n += p->va[k].kind == VA_CASE && p->va[k].inl;
  return n;
}

void qx_vmap_free(vmap *m) {
  GP_FREE(m->grp);
  GP_FREE(m->keys);
  GP_FREE(m->gi);
  GP_FREE(m->dgen);
  GP_FREE(m->dgi);
  GP_FREE(m->kbuf);
  GP_FREE(m->knull);
  GP_FREE(m->dense);
  memset(m, 0, sizeof *m);
}

static inline bool keys_eq(const int64_t *a, const int64_t *b, int nk) {
  for (int j = 0; j < nk; j++)
    if (a[j] != b[j]) return false;
  return true;
}

static uint64_t vmap_hash(const int64_t *k, int nk) {
  uint64_t h = 0x9E3779B97F4A7C15u;
  for (int j = 0; j < nk; j++) h = (h ^ (uint64_t)k[j]) * 0xD6E8FEB86659FD93u;
  return h ^ h >> 32;
}

/* The group index of tuple k, or -1 when it is new. */
static long vmap_get(const vmap *m, const int64_t *k, int nk, uint64_t h) {
  if (!m->cap) return -1;
  for (size_t s = h & (m->cap - 1);; s = (s + 1) & (m->cap - 1)) {
    if (!m->gi[s]) return -1;
    if (keys_eq(&m->keys[s * (size_t)nk], k, nk)) return (long)m->gi[s] - 1;
  }
}

static gp_rc vmap_put(vmap *m, const int64_t *k, int nk, uint64_t h, long gi) {
  if ((m->n + 1) * 2 > m->cap) {
    vmap g = {0};
    g.cap = m->cap ? m->cap * 2 : 256;
    g.keys = GP_MALLOC(g.cap * (size_t)nk * sizeof *g.keys);
    g.gi = GP_CALLOC(g.cap, sizeof *g.gi);
    if (!g.keys || !g.gi) {
      qx_vmap_free(&g);
      return GP_NOMEM;
    }
    for (size_t s = 0; s < m->cap; s++)
      if (m->gi[s]) {
        const int64_t *ok = &m->keys[s * (size_t)nk];
        size_t t = vmap_hash(ok, nk) & (g.cap - 1);
        while (g.gi[t]) t = (t + 1) & (g.cap - 1);
        memcpy(&g.keys[t * (size_t)nk], ok, (size_t)nk * sizeof *ok);
        g.gi[t] = m->gi[s];
      }
    g.n = m->n;
    GP_FREE(m->keys);
    GP_FREE(m->gi);
    m->keys = g.keys;
    m->gi = g.gi;
    m->cap = g.cap; /* the dense front stays */
  }
  size_t s = h & (m->cap - 1);
  while (m->gi[s]) s = (s + 1) & (m->cap - 1);
  memcpy(&m->keys[s * (size_t)nk], k, (size_t)nk * sizeof *k);
  m->gi[s] = (uint32_t)(gi + 1);
  m->n++;
  return GP_OK;
}

static bool rows_col(const qx_ex *x, gp_type t) {
  return x->op == QX_COL && x->src == QX_SRC_ROWS && x->ctype == t;
}

/* Functions whose value depends on their arguments alone: a GROUP BY key f(a) with one
 * non-constant argument a can be keyed by a's int64 (see vkey_of). */
static bool pure_fn(int fn) {
  return (fn >= QF_ABS && fn <= QF_EPOCH) || fn == QF_DATE || fn == QF_HOUR || fn == QF_NULLIF ||
         (fn >= QF_CELL_LON && fn <= QF_CELL_MY);
}

/* How scan_vec computes GROUP BY key x as an int64, in *v; false when it cannot. A pure
 * function of one key that can (strftime(bucket(ts, 1 d), '%Y-%m-%d'), hour(ts)) is keyed by
 * that key: rows with equal int64s have equal values, and the function itself is evaluated
 * once per new int64 tuple, when the group is looked up. */
static bool vkey_of(const pipe *p, const qx_ex *x, vkey *v) {
  memset(v, 0, sizeof *v);
  if (p->join && qx_ex_srcs(x) == 1u << QX_SRC_VALS2) {
    v->kind = VK_JROW;
  } else if (x->op == QX_COL && x->src == QX_SRC_ROWS &&
      (x->ctype == GP_T_INT || x->ctype == GP_T_TIMESTAMP || x->ctype == GP_T_SYMBOL)) {
    v->kind = VK_COL;
    v->col = x->idx;
  } else if (x->op == QX_FUNC && (x->sub == QF_CELL || x->sub == QF_CELL_X || x->sub == QF_CELL_Y)) {
    /* cell_x and cell_y are functions of the cell: keyed by its id (a shift of the Morton
     * code, no decode per row), their values computed once per group */
    v->kind = VK_CELL;
    v->lv = x->idx;
  } else if (x->op == QX_FUNC && x->sub == QF_REGION && x->geo && x->geo->ix && x->nargs == 2 &&
             rows_col(x->args[0], GP_T_DOUBLE) && rows_col(x->args[1], GP_T_DOUBLE)) {
    /* keyed by the region's ordinal; the id text is made once per group */
    v->kind = VK_REGION;
    v->geo = x->geo;
    v->col = x->args[0]->idx;
    v->col2 = x->args[1]->idx;
  } else if (x->op == QX_FUNC && x->sub >= QF_CELL_LON && x->sub <= QF_CELL_MY &&
             x->args[0]->op == QX_FUNC && x->args[0]->sub == QF_CELL) {
    /* a cell's centre is a function of the cell: keyed by it, evaluated once per group */
    v->kind = VK_CELL;
    v->lv = x->args[0]->idx;
  } else if (x->op == QX_FUNC && x->sub == QF_BUCKET && x->nargs >= 2 &&
             rows_col(x->args[0], GP_T_TIMESTAMP) && x->args[1]->op == QX_CONST &&
             x->args[1]->k.t == QV_IVL && (x->args[1]->k.i > 0) != (x->args[1]->k.n > 0) &&
             (x->nargs == 2 || x->args[2]->op == QX_CONST)) {
    v->kind = VK_BUCKET;
    v->col = x->args[0]->idx;
    v->w = x->args[1]->k.i;
    v->months = x->args[1]->k.n;
    v->tz = x->tz ? x->tz : p->ctx->tz;
  } else if (x->op == QX_FUNC && pure_fn(x->sub)) {
    int var = -1;
    for (int k = 0; k < x->nargs; k++) {
      if (x->args[k]->op == QX_CONST) continue;
      if (var >= 0) return false;
      var = k;
    }
    /* keyed by a timestamp or an integer column there would be a tuple per row: no gain */
    if (var < 0 || !vkey_of(p, x->args[var], v)) return false;
    return !(v->kind == VK_COL && x->args[var]->op == QX_COL && x->args[var]->ctype != GP_T_SYMBOL);
  } else {
    return false;
  }
  return true;
}

/* Decides whether the aggregate scan can take scan_vec; fills p->vk when it can. */
gp_rc qx_vec_plan(pipe *p, gp_err *err) {
  if (!p->agg || p->nkeys < 1 || p->nkeys > VEC_MAX_KEYS) return GP_OK;
  /* a join qualifies when it is inner, on one SYMBOL column of the scan; its ON/WHERE terms
   * that read both sides are then evaluated row by row after the match */
  if (p->join && (p->join->left_join || p->join->nkeys != 1 ||
                  !rows_col(p->join->lkeys[0], GP_T_SYMBOL)))
    return GP_OK;
  if (!p->join && p->npost) return GP_OK;
  for (int k = 0; k < p->npre; k++)
    if (p->pre[k]->op != QX_SYMCMP && p->pre[k]->op != QX_SYMIN) return GP_OK;
  vkey *vk = gp_query_arena_alloc(p->q->a, (size_t)p->nkeys * sizeof *vk);
  vmap *vm = gp_query_arena_alloc(p->q->a, (size_t)p->q->nthreads * sizeof *vm);
  if (!vk || !vm) return qx_nomem(err);
  memset(vm, 0, (size_t)p->q->nthreads * sizeof *vm);
  for (int k = 0; k < p->nkeys; k++)
    if (!vkey_of(p, p->keys[k], &vk[k])) return GP_OK;
  if (p->join) {
    jcache *jc = gp_query_arena_alloc(p->q->a, (size_t)p->q->nthreads * sizeof *jc);
    if (!jc) return qx_nomem(err);
    memset(jc, 0, (size_t)p->q->nthreads * sizeof *jc);
    p->jcs = jc;
  }
  vagg *va = gp_query_arena_alloc(p->q->a, (size_t)(p->g.na + 1) * sizeof *va);
  if (!va) return qx_nomem(err);
  for (int k = 0; k < p->g.na; k++) vagg_plan(&p->g.aggs[k], &va[k]);
  p->vk = vk;
  p->vmaps = vm;
  p->va = va;
  return GP_OK;
}

/* How many small-side rows match scan row r (0, 1 or 2 meaning more), probing as pipe_row
 * does; *row gets the first match. */
int qx_join_matches(pipe *p, const qx_row *r, qx_pool *pool, size_t *row) {
  jside *j = p->join;
  qx_val kv;
  qx_eval(p->ctx, j->lkeys[0], r, pool, &kv);
  if (kv.t == QV_NULL || !j->nb) return 0;
  uint64_t h = (7 ^ qx_val_hash(&kv)) * 0x9E3779B97F4A7C15u;
  int n = 0;
  for (uint32_t e = j->head[h & (j->nb - 1)]; e && n < 2; e = j->next[e - 1]) {
    qx_row r2 = *r;
    r2.vals2 = qx_rel_row(j->rel, e - 1);
    qx_val v;
    qx_eval(p->ctx, j->rkeys[0], &r2, pool, &v);
    if (!qx_val_eq(&v, &kv)) continue;
    if (!n++) *row = e - 1;
  }
  return n;
}

/* The cached join state of symbol id for row r (see jcache), JC_MANY when the id is too big
 * to cache or memory runs out (the caller then takes the row path). */
static int32_t join_state(pipe *p, jcache *jc, int64_t id, const qx_row *r, qx_pool *pool) {
  if (id < 0 || id >= JC_MAX_ID) return JC_MANY;
  if ((size_t)id >= jc->cap) {
    size_t cap = jc->cap ? jc->cap : 1024;
    while (cap <= (size_t)id) cap *= 2;
    int32_t *ns = GP_REALLOC(jc->st, cap * sizeof *ns);
    if (!ns) return JC_MANY;
    memset(ns + jc->cap, 0, (cap - jc->cap) * sizeof *ns);
    jc->st = ns;
    jc->cap = cap;
  }
  if (!jc->st[id]) {
    size_t row = 0;
    int n = qx_join_matches(p, r, pool, &row);
    jc->st[id] = n == 0 ? JC_NONE : n > 1 || row >= INT32_MAX ? JC_MANY : (int32_t)row + 1;
  }
  return jc->st[id];
}

/* Keeps in sel[0..m) the rows that pass filter x (SYMCMP or SYMIN); returns the new m. A null
 * id passes neither = nor <>, as in qx_eval. */
/* sel[0..o) without the rows where c is NULL (rare: a NULL comparison is not true, and the
 * id tests looked at the value slot only). */
static size_t drop_nulls(const gp_col *c, uint32_t *sel, size_t o) {
  if (!c->nulls) return o;
  size_t w = 0;
  for (size_t s = 0; s < o; s++)
    if (!gp_rows_isnull(c, sel[s])) sel[w++] = sel[s];
  return w;
}

static size_t vec_filter(const qx_ex *x, const gp_rows *rows, uint32_t *sel, size_t m) {
  const gp_col *c = &rows->cols[x->idx];
  const int64_t *id = c->i64;
  size_t o = 0;
  if (x->op == QX_SYMCMP) {
    int64_t want = x->k.i;
    bool eq = !x->neg;
    for (size_t s = 0; s < m; s++) {
      uint32_t i = sel[s];
      sel[o] = i;
      o += (id[i] == want) == eq;
    }
  } else {
    for (size_t s = 0; s < m; s++) {
      uint32_t i = sel[s];
      sel[o] = i;
      o += qx_ids_has(x->ids, x->nids, id[i]) != x->neg;
    }
  }
  return drop_nulls(c, sel, o);
}

/* Feeds row i of the unit to the aggregates of its group (states st), as vec_plan chose. */
static inline gp_rc vagg_feed(pipe *p, qx_aggst *st, const gp_rows *rows, size_t i,
                              const qx_row *r, qx_pool *pool) {
  gp_rc rc = GP_OK;
  for (int k = 0; k < p->g.na && !rc; k++) {
    const vagg *va = &p->va[k];
    switch (va->kind) {
    case VA_STAR: g_st(&p->g, st, k)->n++; break;
    case VA_COL: {
      const gp_col *c = &rows->cols[va->col];
      if (gp_rows_isnull(c, i)) break;
      qx_agg_add_num(&p->g.aggs[k], g_st(&p->g, st, k), c->type == GP_T_DOUBLE ? qx_dbl(c->f64[i]) : qx_int(c->i64[i]));
      break;
    }
    case VA_CASE: qx_agg_add_num(&p->g.aggs[k], g_st(&p->g, st, k), sym_test(va->cond, rows, i) ? va->k1 : va->k2); break;
    default: rc = qx_agg_add(p->ctx, &p->g.aggs[k], g_st(&p->g, st, k), r, pool);
    }
  }
  return rc;
}

/* Months since year 0 of the UTC month holding ts. */
static int64_t month_ordinal(int64_t ts) {
  int64_t y;
  unsigned mo, d;
  gp_civil_from_days(gp_floordiv(ts, GP_USEC_PER_DAY), &y, &mo, &d);
  return y * 12 + (int64_t)mo - 1;
}

static bool vkey_same(const vkey *a, const vkey *b) {
  return a->kind == b->kind && a->col == b->col && a->lv == b->lv && a->w == b->w &&
         a->months == b->months && a->tz == b->tz;
}

/* scan_vec_cols: scan_vec's grouping a key at a time, when every key is a column, a bucket of
 * a timestamp column or a cell, with no join (vec_cols_ok; a small symbol key, which the row
 * loop gives a dense front, is better served here too now: Q9 at SF = 1 went from 475 to
 * 330 M instructions a run with month ordinals and aggregates fed a column at a time). Each
 * key's words for the selected rows come from a loop of their own (one switch per unit, not
 * one per row and key); keys of the same recipe (cell_x and cell_y of one size are both keyed
 * by the cell) are computed and hashed once, so the thread's tuples are then of the distinct
 * recipes only; rows are matched to groups last, through a per-unit dense map when it is
 * small. Q5c at SF = 10 (450 k selected rows, keys cell, cell, week) spent ~220 instructions
 * a row in the row-at-a-time loop; the query went from 292 to 221 M instructions a run. */
static bool vec_cols_ok(const pipe *p) {
  if (p->jcs) return false;
  for (int k = 0; k < p->nkeys; k++)
    if (p->vk[k].kind != VK_COL && p->vk[k].kind != VK_BUCKET && p->vk[k].kind != VK_CELL)
      return false;
  return true;
}

/* cell(), cell_x() or cell_y() of a VK_CELL key from its word (the row's Morton code shifted
 * down by 2 lv; -1 without a position above level 0) into *out, as eval.c computes them from the row:
 * the shifted code's halves are the cell's indices offset by 2^(31 - lv), so no decode of the
 * full code and no trip through qx_eval (two of those per new group were 8% of Q2). False for
 * a key it does not compute. */
static bool cell_key_of_word(const qx_ex *x, const vkey *v, int64_t w, qx_val *out) {
  if (v->kind != VK_CELL || x->op != QX_FUNC || x->idx != v->lv || v->lv < 0 || v->lv > 31 ||
      (x->sub != QF_CELL && x->sub != QF_CELL_X && x->sub != QF_CELL_Y))
    return false;
  if (v->lv > 0 && w < 0) { /* a level-0 word is the whole code, which may have bit 63 set */
    *out = qx_null();
    return true;
  }
  uint32_t ix, iy;
  gp_morton_decode((uint64_t)w, &ix, &iy);
  int64_t off = INT64_C(1) << (31 - v->lv);
  int64_t cx = (int64_t)ix - off, cy = (int64_t)iy - off;
  if (x->sub == QF_CELL) *out = qx_cell(gp_query__cell_pack(cx, cy), v->lv);
  else *out = qx_int(x->sub == QF_CELL_X ? cx : cy);
  return true;
}

/* The key-at-a-time variant of scan_vec (vec_cols_ok): each key's int64 word computed over
 * all m selected rows first, then the rows' tuples found their groups. One function of ~230
 * lines on purpose: its loops run per row and share the unit's state (the words, the dense
 * box, the memo of new tuples), which the compiler keeps in registers only while it is one
 * body; split into steps it would pass that state through memory per batch. */
static gp_rc scan_vec_cols(pipe *p, int th, const gp_rows *rows, uint64_t ord,
                           const uint32_t *sel, size_t m) {
  if (!m) return GP_OK;
  vmap *vm = &p->vmaps[th];
  int uk[VEC_MAX_KEYS], nu = 0; /* the keys whose words are computed: one per recipe */
  int wk[VEC_MAX_KEYS];         /* per key, the word it is a function of */
  for (int k = 0; k < p->nkeys; k++) {
    int j = 0;
    while (j < nu && !vkey_same(&p->vk[uk[j]], &p->vk[k])) j++;
    if (j == nu) uk[nu++] = k;
    wk[k] = j;
  }
  if (vm->kcap < m) {
    size_t cap = m < 4096 ? 4096 : m;
    int64_t *kb = GP_REALLOC(vm->kbuf, cap * VEC_MAX_KEYS * sizeof *kb);
    if (kb) vm->kbuf = kb;
    uint8_t *kn = GP_REALLOC(vm->knull, cap);
    if (kn) vm->knull = kn;
    if (!kb || !kn) return GP_NOMEM;
    vm->kcap = cap;
  }
  int64_t *K = vm->kbuf; /* row s's words at K[s * nu ..] */
  /* nul[s]: 0, or 1 = a NULL key, the row takes the row path, or 2 = no position, its cell
   * words are -1 (no real cell at a level above 0 is: codes are below 2^64) and it skips the
   * dense map; rows without coordinates are common (0.5% of CityBench's events) */
  uint8_t *nul = vm->knull;
  memset(nul, 0, m);
  int64_t lo[VEC_MAX_KEYS], hi[VEC_MAX_KEYS]; /* the box of the words of rows with nul 0 */
  for (int j = 0; j < nu; j++) {
    const vkey *v = &p->vk[uk[j]];
    int64_t wlo = INT64_MAX, whi = INT64_MIN;
    if (v->kind == VK_CELL) {
      const uint64_t *cell = rows->cell;
      unsigned sh = 2u * (unsigned)v->lv;
      uint8_t none = sh ? 2 : 1;
      for (size_t s = 0; s < m; s++) {
        uint64_t code = cell ? cell[sel[s]] : 0;
        int64_t w = code ? (int64_t)(code >> sh) : -1;
        K[s * (size_t)nu + (size_t)j] = w;
        if (!code) {
          nul[s] |= none;
          continue;
        }
        wlo = w < wlo ? w : wlo;
        whi = w > whi ? w : whi;
      }
    } else {
      const gp_col *c = &rows->cols[v->col];
      if (c->nulls)
        for (size_t s = 0; s < m; s++) nul[s] |= gp_rows_isnull(c, sel[s]);
      if (v->kind == VK_COL) {
        for (size_t s = 0; s < m; s++) {
          int64_t w = c->i64[sel[s]];
          K[s * (size_t)nu + (size_t)j] = w;
          wlo = w < wlo ? w : wlo;
          whi = w > whi ? w : whi;
        }
      } else {
        /* a fixed-width UTC bucket is keyed by its ordinal (start / width), a UTC calendar
         * bucket by its first month's (year * 12 + month), so that the words of a unit span a
         * small range (see the dense map below; Q9's month and category then find their group
         * in an array); others by their start */
        bool ordinal = v->w > 0 && !v->months && !v->tz, monthly = v->months && !v->tz;
        int64_t blo = 0, bhi = 0, w = 0; /* empty: the first row computes */
        for (size_t s = 0; s < m; s++) {
          int64_t x = c->i64[sel[s]];
          if (!(x >= blo && x < bhi)) {
            vkey_bucket(v, x, &blo, &bhi);
            w = ordinal ? blo / v->w : monthly ? month_ordinal(blo) : blo;
            wlo = w < wlo ? w : wlo;
            whi = w > whi ? w : whi;
          }
          K[s * (size_t)nu + (size_t)j] = w;
        }
      }
    }
    lo[j] = wlo;
    hi[j] = whi;
  }
  /* Within a unit the words usually span small ranges (a chunk is a run of nearby cells, a
   * few days of buckets): when the box of the unit's tuples is small, a tuple's group is an
   * array read, and the thread's hash table is asked once per distinct tuple of the unit. */
  size_t stride[VEC_MAX_KEYS], span = 1;
  size_t dmax = m * 2 + 1024;
  for (int j = nu - 1; j >= 0 && span; j--) {
    stride[j] = span;
    uint64_t r = lo[j] > hi[j] ? 1 : (uint64_t)hi[j] - (uint64_t)lo[j] + 1;
    span = r && r <= dmax && span <= dmax / r ? span * (size_t)r : 0;
  }
  int32_t *dense = NULL;
  if (span) {
    if (vm->dcap < span) {
      size_t cap = span < 4096 ? 4096 : span;
      int32_t *d = GP_REALLOC(vm->dense, cap * sizeof *d);
      if (!d) return GP_NOMEM;
      vm->dense = d;
      vm->dcap = cap;
    }
    dense = vm->dense;
    memset(dense, 0xff, span * sizeof *dense);
  }
  /* count(*) alone (Q2, Q5c) is one increment a row */
  bool star = p->g.na == 1 && p->va[0].kind == VA_STAR;
  /* other aggregates are fed after the groups are found, an aggregate at a time over the rows
   * (one dispatch a unit, not one a row: Q9's three aggregates were ~180 instructions a row) */
  if (!star && vm->scap < m) {
    size_t cap = m < 4096 ? 4096 : m;
    int32_t *gp = GP_REALLOC(vm->grp, cap * sizeof *gp);
    if (!gp) return GP_NOMEM;
    vm->grp = gp;
    vm->scap = cap;
  }
  int32_t *grp = vm->grp; /* indices: a growing table's first block moves */
  qx_pool *pool = &p->q->tpool[th];
  gtab *t = &p->g.tabs[th];
  qx_row r = {0};
  r.rows = rows;
  r.th = th;
  long gi = -1;
  const int64_t *prev = NULL; /* the words of group gi */
  gp_rc rc = GP_OK;
  for (size_t s = 0; s < m && !rc; s++) {
    size_t i = sel[s];
    r.i = i;
    if (nul[s] & 1) {
      if (!star) grp[s] = -1;
      rc = qx_pipe_emit(p, th, &r, ord | i);
      continue;
    }
    const int64_t *cur = &K[s * (size_t)nu];
    if (!prev || !keys_eq(cur, prev, nu)) {
      size_t d = 0;
      bool dn = dense && !nul[s];
      if (dn) {
        for (int j = 0; j < nu; j++) d += (size_t)(cur[j] - lo[j]) * stride[j];
        gi = dense[d];
      }
      if (!dn || gi < 0) {
        uint64_t vh = vmap_hash(cur, nu);
        if ((gi = vmap_get(vm, cur, nu, vh)) < 0) {
          /* a new tuple: its keys, as eval_keys computes them, but each key's value is kept
           * with its word, since a key is a function of its word alone: Q2's day changes
           * about once a chunk while its cells change at every new group */
          qx_val kv[VEC_MAX_KEYS];
          uint64_t h = KEYS_HASH0;
          for (int k = 0; k < p->nkeys; k++) {
            int64_t w = cur[wk[k]];
            if (!vm->mset[k] || vm->mword[k] != w) {
              qx_val *mv = &vm->mval[k];
              if (!cell_key_of_word(p->keys[k], &p->vk[k], w, mv)) {
                qx_eval(p->ctx, p->keys[k], &r, pool, mv);
                /* a text is copied into the thread's pool once here, so that the groups
                 * made from it share the copy (gtab_find is told not to copy) */
                if (mv->t == QV_TEXT && !(mv->s = qx_pool_strdup(pool, mv->s, mv->n)))
                  return GP_NOMEM;
              }
              vm->mhash[k] = qx_val_hash(&vm->mval[k]);
              vm->mword[k] = w;
              vm->mset[k] = true;
            }
            kv[k] = vm->mval[k];
            h = keys_hash_add(h, vm->mhash[k]);
          }
          h = keys_hash_end(h);
          if ((gi = qx_gtab_append(&p->g, t, kv, h)) < 0 || vmap_put(vm, cur, nu, vh, gi))
            return GP_NOMEM;
        }
        if (dn) dense[d] = (int32_t)gi;
      }
      prev = cur;
    }
    if (star)
      g_states(&p->g, t, (size_t)gi)->n++;
    else
      grp[s] = (int32_t)gi;
  }
  for (int k = 0; k < p->g.na && !star && !rc; k++) {
    const vagg *va = &p->va[k];
    const qx_agg *a = &p->g.aggs[k];
    size_t off = p->g.soff[k];
#define GP_ST(s) ((qx_aggst *)(void *)((unsigned char *)g_states(&p->g, t, (size_t)grp[s]) + off))
    switch (va->kind) {
    case VA_STAR:
      for (size_t s = 0; s < m; s++)
        if (grp[s] >= 0) GP_ST(s)->n++;
      break;
    case VA_COL: {
      const gp_col *c = &rows->cols[va->col];
      for (size_t s = 0; s < m; s++) {
        size_t i = sel[s];
        if (grp[s] < 0 || gp_rows_isnull(c, i)) continue;
        qx_agg_add_num(a, GP_ST(s), c->type == GP_T_DOUBLE ? qx_dbl(c->f64[i]) : qx_int(c->i64[i]));
      }
      break;
    }
    case VA_CASE:
      if (va->inl) {
        /* sum/avg of CASE WHEN symbol = 'x' THEN k1 ELSE k2 END (Q9's share of closed
         * tickets, `1`/`0` or `1.0`/`0.0`): what qx_agg_add_num does, inline (share_add) */
        const gp_col *c = &rows->cols[va->cond->idx];
        int64_t want = va->cond->k.i;
        bool eq = !va->cond->neg;
        for (size_t s = 0; s < m; s++) {
          if (grp[s] < 0) continue;
          size_t i = sel[s];
          bool yes = !gp_rows_isnull(c, i) && (c->i64[i] == want) == eq;
          qx_aggst *st = GP_ST(s);
          st->s1 += yes ? va->i1 : va->i2;
          st->n++;
        }
        break;
      }
      for (size_t s = 0; s < m; s++)
        if (grp[s] >= 0) qx_agg_add_num(a, GP_ST(s), sym_test(va->cond, rows, sel[s]) ? va->k1 : va->k2);
      break;
    default:
      for (size_t s = 0; s < m && !rc; s++) {
        if (grp[s] < 0) continue;
        r.i = sel[s];
        rc = qx_agg_add(p->ctx, a, GP_ST(s), &r, pool);
      }
    }
#undef GP_ST
  }
  return rc;
}

/* vec_filter of a QX_SYMCMP over every row of the unit: fills sel instead of narrowing it. */
static size_t vec_filter_all(const qx_ex *x, const gp_rows *rows, uint32_t *sel) {
  const gp_col *c = &rows->cols[x->idx];
  size_t o = gp_select_eq((const uint64_t *)c->i64, rows->n, (uint64_t)x->k.i, x->neg, sel, NULL);
  return drop_nulls(c, sel, o);
}

/* sel0[0..m0) (ascending rows) restricts the unit to those rows; NULL = every row. */
gp_rc qx_scan_vec(pipe *p, int th, const gp_rows *rows, uint64_t ord, const uint32_t *sel0,
                      size_t m0) {
  size_t n = rows->n;
  if (!n) return GP_OK;
  uint32_t *sel = GP_MALLOC(n * sizeof *sel);
  if (!sel) return GP_NOMEM;
  size_t m = n;
  int k0 = 0;
  if (sel0) {
    memcpy(sel, sel0, m0 * sizeof *sel);
    m = m0;
  } else if (p->npre && p->pre[0]->op == QX_SYMCMP) {
    m = vec_filter_all(p->pre[0], rows, sel);
    k0 = 1;
  } else {
    for (size_t i = 0; i < n; i++) sel[i] = (uint32_t)i;
  }
  for (int k = k0; k < p->npre && m; k++) m = vec_filter(p->pre[k], rows, sel, m);
  if (vec_cols_ok(p)) {
    gp_rc rc = scan_vec_cols(p, th, rows, ord, sel, m);
    GP_FREE(sel);
    return rc;
  }
  qx_pool *pool = &p->q->tpool[th];
  gtab *t = &p->g.tabs[th];
  vmap *vm = &p->vmaps[th];
  int nk = p->nkeys;
  int64_t cur[VEC_MAX_KEYS], prev[VEC_MAX_KEYS], blo[VEC_MAX_KEYS], bhi[VEC_MAX_KEYS];
  for (int k = 0; k < nk; k++) blo[k] = bhi[k] = 0; /* empty: the first row computes */
  long gi = -1;
  bool pv = false; /* prev holds the keys of group gi */
  qx_row r = {0};
  r.rows = rows;
  r.th = th;
  gp_rc rc = GP_OK;
  jcache *jc = p->jcs ? &p->jcs[th] : NULL;
  const gp_col *jcol = jc ? &rows->cols[p->join->lkeys[0]->idx] : NULL;
  int64_t jrow = -1;
  for (size_t s = 0; s < m && !rc; s++) {
    size_t i = sel[s];
    r.i = i;
    if (jc) {
      if (gp_rows_isnull(jcol, i)) continue; /* inner join: a null key matches nothing */
      int32_t js = join_state(p, jc, jcol->i64[i], &r, pool);
      if (js == JC_NONE) continue;
      if (js == JC_MANY) {
        r.vals2 = NULL;
        rc = qx_pipe_row(p, th, &r, ord | i);
        gi = -1;
        continue;
      }
      jrow = js - 1;
      r.vals2 = qx_rel_row(p->join->rel, (size_t)jrow);
      bool pass = true;
      for (int k = 0; k < p->npost && pass; k++) pass = qx_eval_true(p->ctx, p->post[k], &r, pool);
      if (!pass) continue;
    }
    bool null = false;
    for (int k = 0; k < nk; k++) {
      const vkey *v = &p->vk[k];
      if (v->kind == VK_JROW) {
        cur[k] = jrow;
        continue;
      }
      if (v->kind == VK_REGION) {
        /* as geo_eval: the cell decides unless a boundary crosses it; layers tested projected,
         * rows without a position and points in no region take the row path */
        uint64_t code = rows->cell ? rows->cell[i] : 0;
        long reg = code ? gp_region_index_cell_hint(v->geo->ix, code, &vm->rhint[k]) : -1;
        if (reg == -2) {
          const gp_col *lo = &rows->cols[v->col], *la = &rows->cols[v->col2];
          gp_region_tls *gt = v->geo->need_xy || gp_rows_isnull(lo, i) || gp_rows_isnull(la, i)
                                  ? NULL
                                  : qx_geo_tls(v->geo, th);
          reg = gt ? gp_region_locate(v->geo->ix, gt, code, NAN, NAN, lo->f64[i], la->f64[i]) : -1;
        }
        if (reg < 0) {
          null = true;
          break;
        }
        cur[k] = reg;
        continue;
      }
      if (v->kind == VK_CELL) {
        uint64_t code = rows->cell ? rows->cell[i] : 0;
        if (!code) {
          null = true;
          break;
        }
        cur[k] = (int64_t)(code >> (2 * v->lv));
        continue;
      }
      const gp_col *c = &rows->cols[v->col];
      if (gp_rows_isnull(c, i)) {
        null = true;
        break;
      }
      int64_t x = c->i64[i];
      if (v->kind == VK_BUCKET) {
        if (!(x >= blo[k] && x < bhi[k])) vkey_bucket(v, x, &blo[k], &bhi[k]);
        x = blo[k];
      }
      cur[k] = x;
    }
    if (null) {
      rc = qx_pipe_emit(p, th, &r, ord | i);
      continue;
    }
    uint64_t did = UINT64_MAX;
    if (p->dsym >= 0) {
      bool same = vm->dvalid;
      for (int k = 0; k < nk && same; k++) same = k == p->dsym || cur[k] == vm->dslow[k];
      if (!same) {
        if (!vm->dgen) {
          vm->dgen = GP_CALLOC(p->dn, sizeof *vm->dgen);
          vm->dgi = GP_MALLOC(p->dn * sizeof *vm->dgi);
          if (!vm->dgen || !vm->dgi) {
            rc = GP_NOMEM;
            break;
          }
        }
        if (++vm->gen == 0) { /* wrapped: forget every stamp */
          memset(vm->dgen, 0, p->dn * sizeof *vm->dgen);
          vm->gen = 1;
        }
        memcpy(vm->dslow, cur, (size_t)nk * sizeof *cur);
        vm->dvalid = true;
      }
      did = (uint64_t)cur[p->dsym];
      if (did < p->dn && vm->dgen[did] == vm->gen) {
        gi = vm->dgi[did];
        pv = false; /* prev no longer names gi's tuple (a per-row memcpy cost 12% of Q9) */
        goto have_group;
      }
    }
    if (!pv || gi < 0 || !keys_eq(cur, prev, nk)) {
      uint64_t vh = vmap_hash(cur, nk);
      if ((gi = vmap_get(vm, cur, nk, vh)) < 0) {
        qx_val kv[VEC_MAX_KEYS];
        uint64_t h = qx_eval_keys(p, &r, pool, kv);
        if ((gi = qx_gtab_find(&p->g, t, kv, h, pool)) < 0 || (rc = vmap_put(vm, cur, nk, vh, gi))) {
          rc = GP_NOMEM;
          break;
        }
      }
      memcpy(prev, cur, (size_t)nk * sizeof *cur);
      pv = true;
    }
    if (did < p->dn) {
      vm->dgen[did] = vm->gen;
      vm->dgi[did] = (uint32_t)gi;
    }
  have_group:
    rc = vagg_feed(p, g_states(&p->g, t, (size_t)gi), rows, i, &r, pool);
  }
  GP_FREE(sel);
  return rc;
}
