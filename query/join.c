/* join.c - joins: chains of joins regrouped into one big side and one materialised small side
 * (join_chain), and the scan window narrowed by the small side's times (join_window). The
 * hash probe itself is in pipe.c, the symbol-id join of the vectorised scan in scan_vec.c. */
#include <ctype.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec_int.h"

/* Terms `time_col OP f(small side)` of an inner join also narrow the scan's window: a big-side
 * row can pass only if it passes for some row of the small side, so ts > f(row) for all rows
 * means ts > the least f over the rows in the hash table. The terms stay filters. Example: Q8's
 * `r.ts > t.t1 - 24 h` over 400 gauges whose t1 is the end of June reads the last day only. */
void qx_join_window(qry *q, const jside *js, qx_ex **post, int npost, int tcol, int64_t *lo,
                        int64_t *hi) {
  for (int k = 0; k < npost; k++) {
    const qx_ex *x = post[k];
    if (x->op != QX_CMP) continue;
    const qx_ex *c = x->args[0], *f = x->args[1];
    gp_ast_op op = (gp_ast_op)x->sub;
    if (!qx_plain_col(c, tcol)) {
      const qx_ex *t = c;
      c = f;
      f = t;
      op = op == GP_OP_LT ? GP_OP_GT : op == GP_OP_LE ? GP_OP_GE : op == GP_OP_GT ? GP_OP_LT
           : op == GP_OP_GE ? GP_OP_LE : op;
    }
    if (!qx_plain_col(c, tcol) || qx_ex_srcs(f) != 1u << QX_SRC_VALS2 ||
        (op != GP_OP_GT && op != GP_OP_GE && op != GP_OP_LT && op != GP_OP_LE))
      continue;
    int64_t mn = INT64_MAX, mx = INT64_MIN;
    bool ok = true;
    for (size_t b = 0; b < js->nb && ok; b++)
      for (uint32_t e = js->head[b]; e && ok; e = js->next[e - 1]) {
        qx_row r = {0};
        r.vals2 = qx_rel_row(js->rel, e - 1);
        qx_val v;
        qx_eval(&q->ctx, f, &r, &q->pool, &v);
        if (v.t == QV_NULL) continue; /* compares false: the row never joins */
        if (v.t != QV_TS) ok = false;
        else {
          if (v.i < mn) mn = v.i;
          if (v.i > mx) mx = v.i;
        }
      }
    if (!ok) continue;
    if (mn > mx) { /* nothing on the small side can match: an empty window */
      *lo = *hi = 0;
      return;
    }
    if (op == GP_OP_GT && mn < INT64_MAX && mn + 1 > *lo) *lo = mn + 1;
    if (op == GP_OP_GE && mn > *lo) *lo = mn;
    if (op == GP_OP_LT && mx < *hi) *hi = mx;
    if (op == GP_OP_LE && mx < INT64_MAX && mx + 1 < *hi) *hi = mx + 1;
  }
}

/* ---- chains of joins -------------------------------------------------------------------
 *
 * A SELECT scans one big table and hash-joins it with one materialised small side. A chain
 * `big JOIN b1 ON c1 JOIN b2 ON c2 ...` (a snowflake: each later table relates to the earlier
 * small ones, as districts to sensors to readings) becomes that shape: the small tables are
 * joined first, `SELECT * FROM b1 JOIN b2 ON c2 ...` (the same planner, b1 playing the big
 * side), and the big table is joined with the result on c1; each column of the result keeps
 * its table's name or alias, so b2.x means what it says. A later condition may not name the
 * big table (a star schema would make the small side a cross product); LEFT JOINs, see
 * join_chain. */
/* A made-up `SELECT * FROM from` (arena), through which a join's small side is
 * materialised by the ordinary planner. NULL when out of memory. */
gp_ast *qx_select_star(qry *q, gp_ast *from, gp_query_pos pos) {
  gp_ast *s2 = gp_query_arena_alloc(q->a, sizeof *s2);
  gp_ast *st = gp_query_arena_alloc(q->a, sizeof *st);
  gp_ast *it = gp_query_arena_alloc(q->a, sizeof *it);
  gp_ast **iv = gp_query_arena_alloc(q->a, sizeof *iv);
  if (!s2 || !st || !it || !iv) return NULL; /* arena memory comes zeroed */
  st->kind = GP_AST_STAR;
  st->pos = pos;
  it->kind = GP_AST_SELECT_ITEM;
  it->item.expr = st;
  iv[0] = it;
  s2->kind = GP_AST_SELECT;
  s2->pos = pos;
  s2->select.items.v = iv;
  s2->select.items.n = 1;
  s2->select.from = from;
  return s2;
}

typedef struct chain_chk {
  const char *big;   /* the big table's qualifier */
  gp_ast *bad;       /* the first offending column */
  bool unqualified;
} chain_chk;

static int chain_walk(gp_ast *n, void *ctx) {
  chain_chk *c = ctx;
  if (n->kind == GP_AST_SUBQUERY || n->kind == GP_AST_SELECT) return GP_AST_WALK_SKIP;
  if (n->kind == GP_AST_COLUMN && !c->bad) {
    if (!n->column.table.s) c->bad = n, c->unqualified = true;
    else if (!strcmp(n->column.table.s, c->big)) c->bad = n;
  }
  return GP_AST_WALK_CONTINUE;
}

/* Whether e is column = column, or an AND of such: false for a NULL on either side, which is
 * what lets LEFT JOINs of a chain be regrouped (see join_chain). */
static bool col_equalities(const gp_ast *e) {
  if (e->kind != GP_AST_BINARY) return false;
  if (e->binary.op == GP_OP_AND) return col_equalities(e->binary.l) && col_equalities(e->binary.r);
  return e->binary.op == GP_OP_EQ && e->binary.l->kind == GP_AST_COLUMN &&
         e->binary.r->kind == GP_AST_COLUMN;
}

/* from is a JOIN whose left is a JOIN: builds the small side of the chain in *right (its
 * columns' qualifiers in *quals, arena) and leaves the big side's item in *bigf, the first
 * condition in *on and in *left whether the big table is left-joined with the small side.
 * LEFT JOINs: ((big J1 b1) J2 b2) ... becomes big J (b1 J2 b2 ...), which is exact when every
 * later ON is an AND of column equalities over the small tables (a row of big that matches
 * no b1 has NULLs there, which no later ON accepts): J is LEFT when J1 and every later join
 * are, else INNER (a later inner join drops the rows that J1 NULL-extended). */
gp_rc qx_join_chain(qry *q, gp_ast *from, gp_ast **bigf, gp_ast **on, bool *left,
                        source *right, const char ***quals, gp_err *err) {
  enum { MAXJ = 8 };
  gp_ast *ch[MAXJ];
  int n = 0;
  gp_ast *j = from;
  while (j->kind == GP_AST_JOIN) {
    if (n == MAXJ)
      return gp_query_err_at(err, GP_UNSUPPORTED, j->pos, "at most %d JOINs in one SELECT", MAXJ);
    ch[n++] = j;
    j = j->join.left;
  }
  /* ch[n - 1] = big JOIN b1 ON c1, ..., ch[0] = ... JOIN bn ON cn */
  *bigf = j;
  *on = ch[n - 1]->join.on;
  bool any_left = false, all_left = true;
  for (int k = 0; k < n; k++) {
    any_left |= ch[k]->join.type == GP_JOIN_LEFT;
    all_left &= ch[k]->join.type == GP_JOIN_LEFT;
  }
  *left = all_left;
  for (int k = n - 2; k >= 0 && any_left; k--)
    if (!ch[k]->join.on || !col_equalities(ch[k]->join.on))
      return gp_query_err_at(err, GP_UNSUPPORTED, ch[k]->join.on ? ch[k]->join.on->pos : ch[k]->pos,
                             "in a chain of joins with a LEFT JOIN, each later ON must be "
                             "column = column terms joined by AND");
  if (j->kind != GP_AST_TABLE_REF)
    return gp_query_err_at(err, GP_UNSUPPORTED, j->pos, "a chain of joins starts from a table");
  chain_chk cc = {j->table.alias.s ? j->table.alias.s : j->table.name.s, NULL, false};
  for (int k = n - 2; k >= 0; k--) {
    if (ch[k]->join.right->kind != GP_AST_TABLE_REF)
      return gp_query_err_at(err, GP_UNSUPPORTED, ch[k]->join.right->pos,
                             "in a chain of joins, name a table or a WITH query here");
    gp_ast_walk(ch[k]->join.on, chain_walk, &cc);
    if (cc.bad)
      return gp_query_err_at(err, GP_UNSUPPORTED, cc.bad->pos,
                             cc.unqualified
                                 ? "in a chain of joins, qualify the columns of ON (table.column)"
                                 : "this ON may relate its table to the earlier small tables only, "
                                   "not to \"%s\" (the scanned table)",
                             cc.big);
  }
  /* the small side: SELECT * FROM b1 JOIN b2 ON c2 ... (left-deep, as written) */
  gp_ast *small = ch[n - 1]->join.right;
  for (int k = n - 2; k >= 0; k--) {
    gp_ast *jn = gp_query_arena_alloc(q->a, sizeof *jn);
    if (!jn) return qx_nomem(err);
    *jn = *ch[k];
    jn->join.left = small;
    small = jn;
  }
  gp_ast *s2 = qx_select_star(q, small, from->pos);
  if (!s2) return qx_nomem(err);
  memset(right, 0, sizeof *right);
  gp_rc rc = qx_subquery(q, s2, &right->rel, err);
  if (rc) return rc;
  /* every small table's qualifier over its columns, in the order SELECT * gave them */
  const char **qv = gp_query_arena_alloc(q->a, (size_t)(right->rel->ncols + 1) * sizeof *qv);
  if (!qv) return qx_nomem(err);
  int c = 0;
  for (int k = n - 1; k >= 0; k--) {
    source b;
    if ((rc = qx_resolve_source(q, ch[k]->join.right, &b, err))) return rc;
    int nc = b.t ? b.t->ncols : b.rel->ncols;
    for (int i = 0; i < nc && c < right->rel->ncols; i++) qv[c++] = b.qual;
  }
  if (c != right->rel->ncols)
    return gp_query_err_at(err, GP_INVALID, from->pos, "the joined tables' columns do not add up");
  *quals = qv;
  return GP_OK;
}
