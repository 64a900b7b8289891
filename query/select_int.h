/* select_int.h - the plan of one SELECT (qplan) and of its table scan (qscan): shared by
 * select.c, which builds and runs them, and plan_explain.c, which prints them for EXPLAIN. */
#ifndef GP_SELECT_INT_H
#define GP_SELECT_INT_H

#include "exec_int.h"

/* What the steps of one SELECT share: its input, its bound terms, keys, items and order, and
 * the pipeline that runs it. Lives on qx_select's stack; b and p point into it. */
typedef struct qplan {
  source left, right; /* the input, and a join's materialised small side */
  gp_ast *from, *on;  /* FROM, and the ON of the join that meets the big side */
  bool has_join, left_join;
  scope sc;                 /* the input's columns (left, then right's) */
  const char **chain_quals; /* a chain of joins: each small column's qualifier (join_chain) */
  bctx b;                   /* the binder over sc */
  gp_ast_list items;        /* select items, * expanded */
  walk_ctx wc;              /* the scope columns the query names; whether it aggregates */
  bool agg;                 /* aggregates, GROUP BY or HAVING */
  pipe p;                   /* the pipeline every input row goes through */
  int tcol;                 /* the table's TIME column, or -1 */
  qx_ex **pre, **post;      /* filters before / after the join probe (p.npre, p.npost) */
  qx_ex **rfilt;            /* filters on the small side alone, applied as it is hashed */
  int nrf;
  jside *js;                  /* the join, NULL when none */
  uint64_t colmask;           /* the scan columns some expression reads */
  qx_geo *geo_scan;           /* within / dwithin whose cells the scan reads, NULL when none */
  int64_t t_lo, t_hi;         /* the scan's window, narrowed by WHERE and the join */
  int64_t where_lo, where_hi; /* the window WHERE alone gives (gapfill's default range) */
  int nk;                     /* GROUP BY keys */
  qx_ex **keys;               /* bound over the input */
  gkey *gk;                   /* their text and types, for binding over T */
  int ni;                     /* select items, bound over T */
  qx_ex **ix;
  qx_ex *having; /* over T, NULL when none */
  int no;        /* ORDER BY keys: a select item (ocol >= 0) or ox over T */
  qx_ex **ox;
  int *ocol;
  bool *odesc, *onf;  /* per order key: DESC, NULLS FIRST */
  int nth;            /* threads */
  qx_agg *aggs;       /* b.naggs aggregates */
  gp_scan *scan;      /* the open scan, closed by sel_cleanup */
  size_t rows_before; /* rows that reached the pipeline (EXPLAIN ANALYZE) */
  double t0, t1, t2;  /* start, input start, T start (EXPLAIN ANALYZE) */
  const gp_ast *sel;  /* the SELECT planned (EXPLAIN prints its LIMIT and OFFSET as written) */
} qplan;

/* The scan of a table input, as planned: the window, cells and columns it reads, what it
 * pushes into the decode, and which fast path the units take, each with the reason it applies
 * (EXPLAIN prints these, sel_explain_scan). */
typedef struct qscan {
  gp_scan_spec spec;     /* window (narrowed to the newest partition when `narrow`), cells, cols */
  gp_scan_keep keep;     /* spec.keep's: the first symbol test among the filters, which the decode
                            applies (units without a match are not read; other columns are read at
                            the matching rows only). Not with SET vectorize = false, so that tests
                            compare against the plain scan */
  bool summaries;        /* no key, no per-row filter, no join, every aggregate count/sum/min/max/
                            avg of a column: covered units are answered from their summaries */
  bool narrow;           /* latest per series: the newest partition alone is tried first, and kept
                            when its series tails answer every live series (qx_tails_plan) */
  size_t covered, urows; /* units wholly inside the window; rows of the units read */
  int64_t pmin, pmax;    /* the partitions they span */
} qscan;

/* EXPLAIN's text for one planned SELECT, appended to q->explain: the input (S: the opened
 * scan of a table, NULL for a materialised relation or no FROM), then every later section
 * the plan has, in the order they run. Called once planning is done, before any row is read;
 * EXPLAIN ANALYZE's measured lines follow as the plan runs. */
void qx_plan_explain(qry *q, const gp_ast *sel, const qplan *P, const qscan *S);

#endif
