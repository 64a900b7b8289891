/* plan_explain.c - EXPLAIN's text, printed from the plan structs of select_int.h once a
 * SELECT is planned and before it runs, so what EXPLAIN shows is what the executor will do:
 * the input, then each later section in the order select.c runs them. Expressions are shown
 * as the AST dumps the binder already keeps (gkey, aggref, winref: gp_ast_dump's text). */
#include <stdio.h>
#include <string.h>

#include "select_int.h"

/* EXPLAIN's lines for the scan: what select.c's sel_scan_open chose, from S and the pipeline. */
static void explain_scan(qry *q, const qplan *P, const qscan *S) {
  char lo[40] = "-inf", hi[40] = "+inf";
  if (P->t_lo != INT64_MIN) gp_ts_format(P->t_lo, lo, sizeof lo);
  if (P->t_hi != INT64_MAX) gp_ts_format(P->t_hi, hi, sizeof hi);
  int ncols = 0;
  for (int k = 0; k < 64; k++) ncols += (int)(S->spec.cols >> k & 1);
  qx_explain_line(q, "scan %s  time [%s, %s)  columns %d of %d", P->left.t->name, lo, hi, ncols,
                  P->left.t->ncols);
  if (P->geo_scan)
    qx_explain_line(q, "  cells: %zu ranges (%s)", P->geo_scan->ncells, P->geo_scan->what);
  if (P->p.nunits)
    qx_explain_line(q, "  partitions %lld..%lld, %zu units (%zu rows), %zu covered%s",
                    (long long)S->pmin, (long long)S->pmax, P->p.nunits, S->urows, S->covered,
                    S->summaries && S->covered ? " (answered from summaries)" : "");
  else
    qx_explain_line(q, "  no unit overlaps the range");
  if (P->p.npre + P->p.npost)
    qx_explain_line(q, "  filter: %d term%s per row", P->p.npre + P->p.npost,
                    P->p.npre + P->p.npost == 1 ? "" : "s");
  if (S->spec.keep)
    qx_explain_line(q, "  filter on %s in the decode: units without a match skipped",
                    P->left.t->cols[S->spec.keep->col].name);
  if (P->p.vk) {
    int sh = qx_vec_inline_shares(&P->p);
    char shares[40] = "";
    if (sh) snprintf(shares, sizeof shares, ", %d inline share%s", sh, sh == 1 ? "" : "s");
    qx_explain_line(q, "  vectorised: symbol filters, %d int64 key%s%s%s", P->nk,
                    P->nk == 1 ? "" : "s", P->js ? ", join by symbol id" : "", shares);
  }
  if (P->js)
    qx_explain_line(q, "  hash join with %s (%zu rows), %d key%s",
                    P->right.qual ? P->right.qual : "subquery", P->right.rel->n, P->js->nkeys,
                    P->js->nkeys == 1 ? "" : "s");
  if (P->p.up)
    qx_explain_line(q, "  units chosen by series%s",
                    P->p.up->latest ? ": latest per series, newest first" : "");
  if (P->p.up && P->p.up->tails)
    qx_explain_line(q, "  answered from series tails in the summaries: %zu series%s",
                    P->p.up->ntails, S->narrow ? ", newest partition only" : "");
}

/* The input when it is not a table: a materialised relation (CTE, subquery) or one row. */
static void explain_rows(qry *q, const qplan *P) {
  qx_explain_line(q, "read %s (%zu rows)",
                  P->left.rel ? (P->left.qual ? P->left.qual : "subquery") : "one row",
                  P->left.rel ? P->left.rel->n : (size_t)1);
  if (P->js)
    qx_explain_line(q, "  hash join with %s (%zu rows), %d key%s",
                    P->right.qual ? P->right.qual : "subquery", P->right.rel->n, P->js->nkeys,
                    P->js->nkeys == 1 ? "" : "s");
}

/* One line per item of a list of expression texts: "  label: a, b, c". */
static void explain_list(qry *q, const char *label, char *const *texts, size_t stride, int n) {
  gp_buf b = {0};
  for (int k = 0; k < n; k++) {
    const char *t = *(char *const *)((const char *)texts + (size_t)k * stride);
    if (k) gp_buf_put(&b, ", ", 2);
    gp_buf_put(&b, t ? t : "?", strlen(t ? t : "?"));
  }
  qx_explain_line(q, "  %s: %.*s", label, (int)b.len, b.len ? (const char *)b.p : "");
  gp_buf_free(&b);
}

/* The value of LIMIT or OFFSET as written (the parser keeps integer literals). */
static long long explain_count(const gp_ast *e) { return e ? (long long)e->i.v : 0; }

void qx_plan_explain(qry *q, const gp_ast *sel, const qplan *P, const qscan *S) {
  if (S) explain_scan(q, P, S);
  else explain_rows(q, P);
  if (P->agg) {
    qx_explain_line(q, "aggregate: %d key%s, %d aggregate%s", P->nk, P->nk == 1 ? "" : "s",
                    P->b.naggs, P->b.naggs == 1 ? "" : "s");
    if (P->nk) explain_list(q, "group by", &P->gk[0].dump, sizeof *P->gk, P->nk);
    if (P->b.naggs) explain_list(q, "aggregates", &P->b.aggs[0].dump, sizeof *P->b.aggs, P->b.naggs);
  }
  if (P->b.gf)
    qx_explain_line(q, "gapfill: %zu buckets per series, %d locf/interpolate", P->b.gf->nb,
                    P->b.nfills);
  if (P->having) {
    char *h = qx_dump_of(q, sel->select.having);
    qx_explain_line(q, "having: %s", h ? h : "?");
  }
  if (P->b.nwins) {
    qx_explain_line(q, "window: %d function%s", P->b.nwins, P->b.nwins == 1 ? "" : "s");
    explain_list(q, "functions", &P->b.wins[0].dump, sizeof *P->b.wins, P->b.nwins);
  }
  if (sel->select.distinct) qx_explain_line(q, "distinct");
  if (P->no) {
    qx_explain_line(q, "sort: %d key%s", P->no, P->no == 1 ? "" : "s");
    for (int k = 0; k < P->no; k++) {
      const gp_ast *e = sel->select.order.v[k]->order.expr;
      char *d = qx_dump_of(q, e);
      /* PostgreSQL's default: NULLS LAST for ASC, NULLS FIRST for DESC (P->onf is resolved) */
      qx_explain_line(q, "  %s %s nulls %s", d ? d : "?", P->odesc[k] ? "desc" : "asc",
                      P->onf[k] ? "first" : "last");
    }
  }
  if (P->p.topk) qx_explain_line(q, "top-n: each thread keeps its best %zu rows", P->p.topk->k);
  if (sel->select.limit || sel->select.offset) {
    char lim[32] = "all";
    if (sel->select.limit) snprintf(lim, sizeof lim, "%lld", explain_count(sel->select.limit));
    qx_explain_line(q, "limit %s offset %lld", lim, explain_count(sel->select.offset));
  }
}
