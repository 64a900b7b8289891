/* setop.c - UNION, INTERSECT and EXCEPT [ALL] (a SELECT node with setop set, see gp_query.h):
 * both operands run as queries of their own (through qx_subquery), their columns are matched
 * by position and type, and the rows are combined, then the set operation's own ORDER BY,
 * OFFSET and LIMIT apply, naming the output columns (the left operand's names) or their
 * positions, as PostgreSQL allows.
 *
 * Without ALL, rows are compared as SQL's DISTINCT compares them (NULLs equal). The rows of
 * both sides are sorted together on every column, so that each run of equal rows tells how
 * many times the value is on each side (l, r) and the run gives:
 *   UNION 1,  INTERSECT min(1, l, r) (1 when on both sides),  EXCEPT 1 when l > 0 and r = 0,
 *   INTERSECT ALL min(l, r),  EXCEPT ALL max(l - r, 0);  UNION ALL needs no sort.
 * The copies kept are the run's first rows of the left side (UNION: its first rows), and the
 * result lists the kept rows in input order (left, then right), so an unordered set
 * operation still gives one answer at every thread count. */
#include <stdlib.h>
#include <string.h>

#include "exec_int.h"

static const char *setop_name(const gp_ast *sel) {
  static const char *const n[] = {"", "UNION", "INTERSECT", "EXCEPT"};
  return n[sel->select.setop];
}

/* The type both sides' column c take: the same type, the other's when one is all NULL, DOUBLE
 * for INT with DOUBLE (the INT values converted); else an error at the operator. */
static gp_rc unify(const gp_ast *sel, qrel *l, qrel *r, int c, gp_err *err) {
  qx_vt a = (qx_vt)l->types[c], b = (qx_vt)r->types[c];
  if (a == b || b == QV_NULL) return GP_OK;
  if (a == QV_NULL) {
    l->types[c] = (uint8_t)b;
    return GP_OK;
  }
  if ((a == QV_INT && b == QV_DBL) || (a == QV_DBL && b == QV_INT)) {
    qrel *ints = a == QV_INT ? l : r;
    for (size_t i = 0; i < ints->n; i++) {
      qx_val *v = &qx_rel_row(ints, i)[c];
      if (v->t == QV_INT) *v = qx_dbl((double)v->i);
    }
    l->types[c] = r->types[c] = QV_DBL;
    return GP_OK;
  }
  return gp_query_err_at(err, GP_INVALID, sel->pos, "%s types %s and %s cannot be matched (column %d)",
                         setop_name(sel), qx_vt_name(a), qx_vt_name(b), c + 1);
}

typedef struct both {
  const qrel *l, *r;
  int w;
} both;

/* Row i of the two sides taken together: the left's rows, then the right's. */
static const qx_val *both_row(const both *b, size_t i) {
  return i < b->l->n ? qx_rel_row(b->l, i) : qx_rel_row(b->r, i - b->l->n);
}

static int cmp_both(const void *ctx, size_t x, size_t y) {
  const both *b = ctx;
  int c = qx_cmp_vals_n(both_row(b, x), both_row(b, y), b->w);
  return c ? c : (x > y) - (x < y);
}

/* Which rows of l ++ r the operation keeps (keep[i] = 1), by the runs described on top. */
static gp_rc mark_kept(const gp_ast *sel, const qrel *l, const qrel *r, uint8_t *keep, gp_err *err) {
  size_t n = l->n + r->n;
  size_t *idx = GP_MALLOC((n + 1) * sizeof *idx);
  if (!idx) return qx_nomem(err);
  for (size_t i = 0; i < n; i++) idx[i] = i;
  both b = {l, r, l->ncols};
  gp_rc rc = qx_sort_idx(idx, n, cmp_both, &b, err);
  for (size_t s = 0; !rc && s < n;) {
    size_t e = s, nl = 0;
    while (e < n && qx_cmp_vals_n(both_row(&b, idx[s]), both_row(&b, idx[e]), b.w) == 0) {
      nl += idx[e] < l->n;
      e++;
    }
    size_t nr = e - s - nl, copies = 0;
    bool all = sel->select.setop_all;
    switch (sel->select.setop) {
    case GP_SETOP_UNION: copies = 1; break;
    case GP_SETOP_INTERSECT: copies = nl && nr ? (all ? (nl < nr ? nl : nr) : 1) : 0; break;
    case GP_SETOP_EXCEPT: copies = all ? (nl > nr ? nl - nr : 0) : (nl && !nr ? 1 : 0); break;
    default: break;
    }
    /* idx within a run is in input order (the sort's tie-break), left rows first */
    for (size_t k = s; k < e && copies; k++, copies--) keep[idx[k]] = 1;
    s = e;
  }
  GP_FREE(idx);
  return rc;
}

/* The set operation's ORDER BY keys: output columns by name or position. */
static gp_rc order_cols(qry *q, const gp_ast *sel, const qrel *o, int *col, gp_err *err) {
  (void)q;
  for (uint32_t k = 0; k < sel->select.order.n; k++) {
    const gp_ast *e = sel->select.order.v[k]->order.expr;
    col[k] = -1;
    if (e->kind == GP_AST_INT && e->i.v >= 1 && e->i.v <= o->ncols) col[k] = (int)e->i.v - 1;
    if (e->kind == GP_AST_COLUMN && !e->column.table.s)
      for (int c = 0; c < o->ncols && col[k] < 0; c++)
        if (o->names[c] && strcmp(o->names[c], e->column.name.s) == 0) col[k] = c;
    if (col[k] < 0)
      return gp_query_err_at(err, GP_INVALID, e->pos, "ORDER BY of a %s names one of its output "
                             "columns or a position from 1 to %d", setop_name(sel), o->ncols);
  }
  return GP_OK;
}

/* ORDER BY, OFFSET and LIMIT over the combined rows o (in place). */
static gp_rc order_limit(qry *q, const gp_ast *sel, qrel *o, gp_err *err) {
  int no = (int)sel->select.order.n, w = o->ncols ? o->ncols : 1;
  size_t n = o->n;
  size_t *idx = GP_MALLOC((n + 1) * sizeof *idx);
  qx_val *keys = GP_MALLOC(((size_t)no * n + 1) * sizeof *keys);
  int *col = gp_query_arena_alloc(q->a, (size_t)(no + 1) * sizeof *col);
  bool *desc = gp_query_arena_alloc(q->a, (size_t)no + 1), *nf = gp_query_arena_alloc(q->a, (size_t)no + 1);
  qx_val *nv = NULL;
  gp_rc rc = GP_OK;
  if (!idx || !keys || !col || !desc || !nf) {
    rc = qx_nomem(err);
    goto cleanup;
  }
  if ((rc = order_cols(q, sel, o, col, err))) goto cleanup;
  for (size_t i = 0; i < n; i++) {
    idx[i] = i;
    for (int k = 0; k < no; k++) keys[i * (size_t)no + k] = qx_rel_row(o, i)[col[k]];
  }
  for (int k = 0; k < no; k++) {
    desc[k] = sel->select.order.v[k]->order.desc;
    nf[k] = sel->select.order.v[k]->order.nulls_first;
  }
  if (no) {
    keyed kc = {keys, no, no, desc, NULL, nf};
    if ((rc = qx_sort_idx(idx, n, qx_cmp_keyed, &kc, err))) goto cleanup;
  }
  size_t off = sel->select.offset && sel->select.offset->i.v > 0 ? (size_t)sel->select.offset->i.v : 0;
  size_t lim = n;
  if (sel->select.limit) lim = sel->select.limit->i.v > 0 ? (size_t)sel->select.limit->i.v : 0;
  if (off > n) off = n;
  if (lim > n - off) lim = n - off;
  if (!(nv = GP_MALLOC((lim * (size_t)w + 1) * sizeof *nv))) {
    rc = qx_nomem(err);
    goto cleanup;
  }
  for (size_t i = 0; i < lim; i++) memcpy(nv + i * (size_t)w, qx_rel_row(o, idx[off + i]), (size_t)w * sizeof *nv);
  GP_FREE(o->v);
  o->v = nv;
  o->n = o->cap = lim;
cleanup:
  GP_FREE(idx);
  GP_FREE(keys);
  return rc;
}

gp_rc qx_setop(qry *q, gp_ast *sel, qrel **out, gp_err *err) {
  qrel *l = NULL, *r = NULL;
  gp_rc rc;
  if ((rc = qx_subquery(q, sel->select.setop_l, &l, err)) ||
      (rc = qx_subquery(q, sel->select.setop_r, &r, err)))
    return rc;
  if (l->ncols != r->ncols)
    return gp_query_err_at(err, GP_INVALID, sel->pos, "each %s query must have the same number "
                           "of columns (%d and %d)", setop_name(sel), l->ncols, r->ncols);
  for (int c = 0; c < l->ncols; c++)
    if ((rc = unify(sel, l, r, c, err))) return rc;
  if (q->explain)
    qx_explain_line(q, "%s%s of %zu and %zu rows", setop_name(sel), sel->select.setop_all ? " ALL" : "",
                    l->n, r->n);
  /* the result: l's rows kept, then r's, in l (its names and types) */
  uint8_t *keep = NULL;
  bool union_all = sel->select.setop == GP_SETOP_UNION && sel->select.setop_all;
  if (!union_all) {
    if (!(keep = GP_CALLOC(l->n + r->n + 1, 1))) return qx_nomem(err);
    if ((rc = mark_kept(sel, l, r, keep, err))) goto cleanup;
  }
  size_t m = 0, w = l->ncols ? (size_t)l->ncols : 1, nl0 = l->n;
  for (size_t i = 0; i < nl0; i++)
    if (union_all || keep[i]) {
      if (m != i) memcpy(qx_rel_row(l, m), qx_rel_row(l, i), w * sizeof(qx_val));
      m++;
    }
  l->n = m;
  for (size_t i = 0; i < r->n; i++)
    if (union_all || keep[nl0 + i]) {
      qx_val *row = qx_rel_push(l);
      if (!row) {
        rc = qx_nomem(err);
        goto cleanup;
      }
      memcpy(row, qx_rel_row(r, i), w * sizeof(qx_val));
    }
  if (sel->select.order.n || sel->select.limit || sel->select.offset) rc = order_limit(q, sel, l, err);
  if (!rc) *out = l;
cleanup:
  GP_FREE(keep);
  return rc;
}
