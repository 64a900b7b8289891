/* rel.c - the executor's lowest layer: materialised relations (rows of qx_val), stable index
 * sorts over them, their conversion into results, and the small helpers every executor file
 * uses (name suggestions, EXPLAIN lines, the clock). It calls nothing above it. */
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec_int.h"

static void rel_free_cb(void *p) {
  qrel *r = p;
  GP_FREE(r->v);
  r->v = NULL;
}

qrel *qx_rel_new(qry *q, int ncols, gp_err *err) {
  qrel *r = gp_query_arena_alloc(q->a, sizeof *r);
  if (!r) return NULL;
  r->ncols = ncols;
  r->mem = &q->mem;
  r->names = gp_query_arena_alloc(q->a, (size_t)(ncols + 1) * sizeof *r->names);
  r->types = gp_query_arena_alloc(q->a, (size_t)ncols + 1);
  if (!r->names || !r->types) return NULL;
  if (gp_query_arena_on_free(q->a, rel_free_cb, r, err)) return NULL;
  return r;
}

/* Room for n rows in all, so that a known count is one allocation, not a doubling series. */
gp_rc qx_rel_reserve(qrel *r, size_t n) {
  if (n <= r->cap) return GP_OK;
  size_t w = r->ncols ? (size_t)r->ncols : 1;
  if (!qx_mem_charge(r->mem, (n - r->cap) * w * sizeof *r->v)) return GP_NOMEM;
  qx_val *v = GP_REALLOC(r->v, n * w * sizeof *v);
  if (!v) return GP_NOMEM;
  r->v = v;
  r->cap = n;
  return GP_OK;
}

static size_t levenshtein(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 64 || lb > 64) return 99;
  size_t d[65];
  for (size_t j = 0; j <= lb; j++) d[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t prev = d[0];
    d[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t t = d[j];
      size_t c = prev + (a[i - 1] != b[j - 1]);
      if (d[j] + 1 < c) c = d[j] + 1;
      if (d[j - 1] + 1 < c) c = d[j - 1] + 1;
      d[j] = c;
      prev = t;
    }
  }
  return d[lb];
}

void qx_suggest_add(suggest *s, const char *want, const char *cand) {
  size_t d = levenshtein(want, cand);
  size_t lim = strlen(want) / 3 + 1; /* bogus() is not a misspelt cos() */
  if (d <= lim && (!s->best || d < s->dist)) {
    s->best = cand;
    s->dist = d;
  }
}

qx_vt qx_vt_of_type(gp_type t) {
  switch (t) {
  case GP_T_TIMESTAMP: return QV_TS;
  case GP_T_DOUBLE: return QV_DBL;
  case GP_T_INT: return QV_INT;
  default: return QV_TEXT;
  }
}

/* The statement-lived array v (n used of *cap slots of esz bytes) with room for element n:
 * v itself, or a copy twice as large in the arena; NULL when out of memory. */
void *qx_arena_room(qry *q, void *v, int n, int *cap, size_t esz) {
  if (n < *cap) return v;
  int nc = *cap ? *cap * 2 : 4;
  void *nv = gp_query_arena_alloc(q->a, (size_t)nc * esz);
  if (!nv) return NULL;
  if (n) memcpy(nv, v, (size_t)n * esz);
  *cap = nc;
  return nv;
}

char *qx_dump_of(qry *q, const gp_ast *e) {
  gp_buf t = {0};
  if (gp_ast_dump(e, &t)) {
    gp_buf_free(&t);
    return NULL;
  }
  char *s = gp_query_arena_strndup(q->a, (const char *)t.p, t.len);
  gp_buf_free(&t);
  return s;
}

gp_rc qx_nomem(gp_err *err) { return gp_err_set(err, GP_NOMEM, "out of memory"); }

int qx_cmp_ptr(const void *a, const void *b) {
  uintptr_t x = (uintptr_t) * (const void *const *)a, y = (uintptr_t) * (const void *const *)b;
  return (x > y) - (x < y);
}

int qx_cmp_vals_n(const qx_val *a, const qx_val *b, int n) {
  for (int k = 0; k < n; k++) {
    int c = qx_val_cmp(&a[k], &b[k]);
    if (c) return c;
  }
  return 0;
}

static void msort(size_t *v, size_t *tmp, size_t n, cmp3_fn cmp, const void *ctx) {
  if (n < 2) return;
  if (n <= 16) {
    for (size_t i = 1; i < n; i++) {
      size_t x = v[i], j = i;
      while (j > 0 && cmp(ctx, v[j - 1], x) > 0) v[j] = v[j - 1], j--;
      v[j] = x;
    }
    return;
  }
  size_t h = n / 2;
  msort(v, tmp, h, cmp, ctx);
  msort(v + h, tmp, n - h, cmp, ctx);
  size_t i = 0, j = h, k = 0;
  while (i < h && j < n) tmp[k++] = cmp(ctx, v[i], v[j]) <= 0 ? v[i++] : v[j++];
  while (i < h) tmp[k++] = v[i++];
  while (j < n) tmp[k++] = v[j++];
  memcpy(v, tmp, n * sizeof *v);
}

gp_rc qx_sort_idx(size_t *idx, size_t n, cmp3_fn cmp, const void *ctx, gp_err *err) {
  size_t *tmp = GP_MALLOC((n + 1) * sizeof *tmp);
  if (!tmp) return qx_nomem(err);
  msort(idx, tmp, n, cmp, ctx);
  GP_FREE(tmp);
  return GP_OK;
}

int qx_cmp_keyed(const void *ctx, size_t a, size_t b) {
  const keyed *k = ctx;
  const qx_val *x = krow(k, a), *y = krow(k, b);
  for (int j = 0; j < k->w; j++) {
    bool desc = k->desc && k->desc[j];
    int c = k->nfirst ? cmp_order_key(&x[j], &y[j], desc, k->nfirst[j]) : qx_val_cmp(&x[j], &y[j]);
    if (c) return k->nfirst || !desc ? c : -c;
  }
  return 0;
}

void qx_explain_line(qry *q, const char *fmt, ...) {
  if (!q->explain) return;
  char b[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b, sizeof b, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof b) n = sizeof b - 1;
  gp_buf_put(q->explain, b, (size_t)n);
  gp_buf_put_u8(q->explain, '\n');
}

double qx_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static gp_result_kind rk_of(qx_vt t) {
  switch (t) {
  case QV_BOOL: return GP_RK_BOOL;
  case QV_INT: return GP_RK_INT;
  case QV_DBL: return GP_RK_DOUBLE;
  case QV_TS: return GP_RK_TIMESTAMP;
  case QV_IVL: return GP_RK_INTERVAL;
  case QV_TEXT: return GP_RK_TEXT;
  case QV_CELL: return GP_RK_CELL;
  default: return GP_RK_NULL;
  }
}

/* Turns a relation into a result; column kinds come from the values actually present, so a
 * column mixing INT and DOUBLE is DOUBLE and anything else mixed is TEXT (cells of two sizes
 * too: 'cx:cy' text). Columns of cells of one size, and of region ids (qrel.layers), are marked
 * for the GeoJSON output with borrowed pointers to the database's grid and the session's layer
 * (see gp_query__result_set_geo for why they outlive the result). */
/* Column c's static type in a result: the values' common type (INT and DBL make DBL), TEXT
 * when they mix; *mixed says so; *level is the one level of a CELL column's cells. */
static uint8_t result_type(const qrel *r, int c, bool *mixed, int *level) {
  uint8_t t = QV_NULL;
  *mixed = false;
  for (size_t i = 0; i < r->n; i++) {
    const qx_val *v = &qx_rel_row(r, i)[c];
    if (v->t == QV_NULL || v->t == t) continue;
    if (t == QV_NULL) t = v->t;
    else if ((t == QV_INT && v->t == QV_DBL) || (t == QV_DBL && v->t == QV_INT)) t = QV_DBL;
    else *mixed = true;
  }
  if (t == QV_NULL && r->n == 0) t = r->types[c];
  if (t == QV_IVL) /* months cannot be a fixed number of microseconds */
    for (size_t i = 0; i < r->n; i++)
      if (qx_rel_row(r, i)[c].t == QV_IVL && qx_rel_row(r, i)[c].n) *mixed = true;
  *level = -1;
  for (size_t i = 0; t == QV_CELL && i < r->n && !*mixed; i++) {
    const qx_val *v = &qx_rel_row(r, i)[c];
    if (v->t != QV_CELL) continue;
    if (*level >= 0 && (uint32_t)*level != v->n) *mixed = true;
    *level = (int)v->n;
  }
  return *mixed ? QV_TEXT : t;
}

/* Column c of r into result column c (added, of type t). */
static gp_rc result_fill(const qrel *r, int c, uint8_t t, bool mixed, gp_result *res, gp_err *err) {
  gp_rc rc = GP_OK;
  if (t != QV_NULL && t != QV_TEXT && r->n) {
    /* numbers in one call: Q2's 15,455 rows x 3 numbers were a call each */
    int64_t *iv = GP_MALLOC(r->n * sizeof *iv);
    uint8_t *nl = GP_MALLOC(r->n);
    bool any = false;
    for (size_t i = 0; iv && nl && i < r->n; i++) {
      const qx_val *v = &qx_rel_row(r, i)[c];
      nl[i] = v->t == QV_NULL;
      any |= nl[i];
      if (t == QV_DBL) {
        double d = v->t == QV_DBL ? v->d : v->t == QV_NULL ? 0 : (double)v->i;
        memcpy(&iv[i], &d, sizeof d);
      } else {
        iv[i] = v->t == QV_NULL ? 0 : v->i;
      }
    }
    if (!iv || !nl) rc = qx_nomem(err);
    else if (t == QV_DBL) rc = gp_query__result_put_doubles(res, c, (const double *)(const void *)iv, any ? nl : NULL, r->n, err);
    else rc = gp_query__result_put_ints(res, c, iv, any ? nl : NULL, r->n, err);
    GP_FREE(iv);
    GP_FREE(nl);
    return rc;
  }
  if (t == QV_TEXT && !mixed && r->n) {
    /* texts in one call too: a call per text was a fifth of Q2's serial instructions */
    const char **sv = GP_MALLOC(r->n * sizeof *sv);
    uint32_t *lv = GP_MALLOC(r->n * sizeof *lv);
    uint8_t *nl = GP_MALLOC(r->n);
    bool any = false;
    for (size_t i = 0; sv && lv && nl && i < r->n; i++) {
      const qx_val *v = &qx_rel_row(r, i)[c];
      nl[i] = v->t == QV_NULL;
      any |= nl[i];
      sv[i] = nl[i] ? NULL : v->s;
      lv[i] = nl[i] ? 0 : v->n;
    }
    if (!sv || !lv || !nl) rc = qx_nomem(err);
    else rc = gp_query__result_put_texts(res, c, sv, lv, any ? nl : NULL, r->n, err);
    GP_FREE(sv);
    GP_FREE(lv);
    GP_FREE(nl);
    return rc;
  }
  gp_buf tb = {0};
  for (size_t i = 0; i < r->n && !rc; i++) {
    const qx_val *v = &qx_rel_row(r, i)[c];
    if (v->t == QV_NULL || t == QV_NULL) rc = gp_query__result_put_null(res, c, err);
    else if (t == QV_TEXT && v->t != QV_TEXT) {
      tb.len = 0;
      rc = qx_val_fmt(v, &tb);
      if (!rc) rc = gp_query__result_put_text(res, c, (const char *)tb.p, tb.len, err);
    } else if (t == QV_TEXT) rc = gp_query__result_put_text(res, c, v->s, v->n, err);
    else if (t == QV_DBL) rc = gp_query__result_put_double(res, c, v->t == QV_DBL ? v->d : (double)v->i, err);
    else rc = gp_query__result_put_int(res, c, v->i, err);
  }
  gp_buf_free(&tb);
  return rc;
}

/* Fewer rows than this make a result on one thread. */
enum { PAR_RESULT_MIN = 4096 };

/* The result of a statement from its relation: each column's type found, then its values
 * copied; with many rows the columns are done on the threads (Q2's 15,455 rows of four
 * columns were ~0.3 ms on one, while the others waited). */
gp_rc qx_rel_to_result(qry *q, const qrel *r, gp_result **out, gp_err *err) {
  gp_result *res = NULL;
  gp_rc rc = gp_query__result_new(&res, err);
  if (rc) return rc;
  int nc = r->ncols;
  uint8_t *ty = GP_MALLOC((size_t)nc + 1);
  bool *mixed = GP_MALLOC(((size_t)nc + 1) * sizeof *mixed);
  int *level = GP_MALLOC(((size_t)nc + 1) * sizeof *level);
  gp_err *errs = GP_CALLOC((size_t)nc + 1, sizeof *errs);
  if (!ty || !mixed || !level || !errs) {
    rc = qx_nomem(err);
    goto cleanup;
  }
  bool par = r->n >= PAR_RESULT_MIN && nc > 1 && q->nthreads > 1;
  int nt = par ? (q->nthreads < nc ? q->nthreads : nc) : 1;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (par)
  for (int c = 0; c < nc; c++) ty[c] = result_type(r, c, &mixed[c], &level[c]);
  for (int c = 0; c < nc && !rc; c++) {
    uint8_t t = ty[c];
    if ((rc = gp_query__result_add_col(res, r->names[c], rk_of((qx_vt)t), err))) break;
    if (t == QV_CELL && level[c] >= 0 && q->ctx.grid)
      gp_query__result_set_geo(res, c, GP_GEO_CELL, q->ctx.grid, NULL, level[c]);
    else if (t == QV_TEXT && !mixed[c] && r->layers && r->layers[c])
      gp_query__result_set_geo(res, c, GP_GEO_REGION, q->ctx.grid, r->layers[c], 0);
    rc = gp_query__result_reserve(res, c, r->n, err);
  }
  if (rc) goto cleanup;
  /* every column exists: filling one touches only its own */
  int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (par) reduction(| : failed)
  for (int c = 0; c < nc; c++) failed |= result_fill(r, c, ty[c], mixed[c], res, &errs[c]) != GP_OK;
  for (int c = 0; failed && c < nc && !rc; c++)
    if (errs[c].rc) rc = gp_err_set(err, errs[c].rc, "%s", errs[c].msg);
  if (failed && !rc) rc = qx_nomem(err); /* a failure that left no message */
cleanup:
  GP_FREE(ty);
  GP_FREE(mixed);
  GP_FREE(level);
  GP_FREE(errs);
  if (rc) {
    gp_query__result_free(res);
    return rc;
  }
  *out = res;
  return GP_OK;
}

gp_rc qx_status_result(gp_result **out, gp_err *err, const char *fmt, ...) {
  char b[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b, sizeof b, fmt, ap);
  va_end(ap);
  gp_rc rc = gp_query__result_new(out, err);
  if (rc) return rc;
  if ((rc = gp_query__result_set_status(*out, err, "%s", b))) {
    gp_query__result_free(*out);
    *out = NULL;
  }
  return rc;
}
