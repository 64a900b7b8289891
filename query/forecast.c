/* forecast.c - FORECAST agg FROM t [WHERE ...] EVERY step HORIZON h USING method: the series
 * aggregated per step by an ordinary grouped SELECT, then fitted by agg.c's qx_forecast. */
#include <ctype.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec_int.h"

/* FORECAST agg FROM t [WHERE w] EVERY i HORIZON j USING method[(period n)]: the series
 * SELECT bucket(<time column>, i), agg FROM t WHERE w GROUP BY 1 ORDER BY 1, made regular
 * (a missing bucket repeats the value before it), fitted by qx_forecast, and the next
 * ceil(j / i) buckets as rows (ts, forecast, lo, hi) with a 95% prediction interval. */
gp_rc qx_exec_forecast(qry *q, gp_ast *st, gp_result **out, gp_err *err) {
  gp_ast *fc = st;
  const char *meth = fc->forecast.method.s;
  qx_fc_method m = !strcmp(meth, "holt_winters") ? QF_HOLT_WINTERS : !strcmp(meth, "linear") ? QF_LINEAR : 0;
  if (!m)
    return gp_query_err_at(err, GP_NOTFOUND, fc->forecast.method.pos,
                           "unknown forecast method %s (holt_winters, linear)", meth);
  int period = 1;
  for (uint32_t k = 0; k < fc->forecast.options.n; k++) {
    gp_ast *o = fc->forecast.options.v[k];
    if (strcmp(o->option.name.s, "period") != 0 || m != QF_HOLT_WINTERS)
      return gp_query_err_at(err, GP_INVALID, o->option.name.pos, "unknown option %s for %s",
                             o->option.name.s, meth);
    if (!o->option.value || o->option.value->kind != GP_AST_INT || o->option.value->i.v < 1 ||
        o->option.value->i.v > 100000)
      return gp_query_err_at(err, GP_INVALID, o->option.name.pos, "period needs a number of steps such as 24");
    period = (int)o->option.value->i.v;
  }
  qx_val every, hor;
  gp_rc rc;
  gp_ast *ev = fc->forecast.every, *ho = fc->forecast.horizon;
  if (ev->kind != GP_AST_INTERVAL || ho->kind != GP_AST_INTERVAL)
    return gp_query_err_at(err, GP_INVALID, (ev->kind != GP_AST_INTERVAL ? ev : ho)->pos,
                           "EVERY and HORIZON need intervals such as 1 h");
  if ((rc = qx_interval_val(ev, &every, err)) || (rc = qx_interval_val(ho, &hor, err))) return rc;
  if (every.n || hor.n || every.i <= 0 || hor.i <= 0)
    return gp_query_err_at(err, GP_INVALID, ev->pos, "EVERY and HORIZON need fixed positive intervals (no months)");
  int64_t steps = (hor.i + every.i - 1) / every.i;
  if (steps > 100000) return gp_query_err_at(err, GP_INVALID, ho->pos, "HORIZON is more than 100000 steps of EVERY");
  const gp_table *t = gp_db_table(q->s->db, fc->forecast.table.s);
  if (!t) return gp_query_err_at(err, GP_NOTFOUND, fc->forecast.table.pos, "no table \"%s\"", fc->forecast.table.s);
  if (t->time_col < 0) return gp_query_err_at(err, GP_INVALID, fc->forecast.table.pos, "table %s has no TIME column", t->name);
  /* the series as a SELECT, built as the parser would have built it */
  gp_ast *n[9];
  for (int k = 0; k < 9; k++)
    if (!(n[k] = gp_query_arena_alloc(q->a, sizeof *n[k]))) return qx_nomem(err);
  gp_ast **iv = gp_query_arena_alloc(q->a, 2 * sizeof *iv), **ca = gp_query_arena_alloc(q->a, 2 * sizeof *ca);
  gp_ast **gv = gp_query_arena_alloc(q->a, sizeof *gv), **ov = gp_query_arena_alloc(q->a, sizeof *ov);
  if (!iv || !ca || !gv || !ov) return qx_nomem(err);
  gp_ast *tc = n[0], *bk = n[1], *it0 = n[2], *it1 = n[3], *tr = n[4], *g1 = n[5], *oi = n[6], *o1 = n[7], *sel = n[8];
  tc->kind = GP_AST_COLUMN;
  tc->pos = fc->pos;
  tc->column.name.s = t->cols[t->time_col].name;
  ca[0] = tc;
  ca[1] = ev;
  bk->kind = GP_AST_CALL;
  bk->pos = fc->pos;
  bk->call.name.s = "bucket";
  bk->call.args.v = ca;
  bk->call.args.n = 2;
  it0->kind = it1->kind = GP_AST_SELECT_ITEM;
  it0->item.expr = bk;
  it1->item.expr = fc->forecast.agg;
  iv[0] = it0;
  iv[1] = it1;
  tr->kind = GP_AST_TABLE_REF;
  tr->pos = fc->forecast.table.pos;
  tr->table.name = fc->forecast.table;
  g1->kind = o1->kind = GP_AST_INT;
  g1->i.v = o1->i.v = 1;
  gv[0] = g1;
  oi->kind = GP_AST_ORDER_ITEM;
  oi->order.expr = o1;
  ov[0] = oi;
  sel->kind = GP_AST_SELECT;
  sel->pos = fc->pos;
  sel->select.items.v = iv;
  sel->select.items.n = 2;
  sel->select.from = tr;
  sel->select.where = fc->forecast.where;
  sel->select.group.v = gv;
  sel->select.group.n = 1;
  sel->select.order.v = ov;
  sel->select.order.n = 1;
  qrel *r;
  if ((rc = qx_select(q, sel, &r, err))) return rc;
  /* regular series from the first to the last bucket with a value */
  size_t first = 0;
  while (first < r->n && (qx_rel_row(r, first)[1].t != QV_INT && qx_rel_row(r, first)[1].t != QV_DBL)) first++;
  if (first == r->n) return gp_query_err_at(err, GP_INVALID, fc->pos, "FORECAST: the series has no values");
  int64_t t0 = qx_rel_row(r, first)[0].i, tl = qx_rel_row(r, r->n - 1)[0].i;
  size_t len = (size_t)((tl - t0) / every.i) + 1;
  if (len > 10000000) return gp_query_err_at(err, GP_INVALID, fc->pos, "FORECAST: more than 10 M steps");
  double *y = GP_MALLOC((len + 2 * (size_t)steps + 1) * sizeof *y);
  if (!y) return qx_nomem(err);
  double *f = y + len, *half = f + steps;
  size_t j = first;
  double last = 0;
  for (size_t i = 0; i < len; i++) {
    int64_t ti = t0 + (int64_t)i * every.i;
    while (j < r->n && qx_rel_row(r, j)[0].i < ti) j++;
    if (j < r->n && qx_rel_row(r, j)[0].i == ti) {
      const qx_val *v = &qx_rel_row(r, j)[1];
      if (v->t == QV_INT) last = (double)v->i;
      else if (v->t == QV_DBL) last = v->d;
    }
    y[i] = last;
  }
  gp_err fe = {0};
  rc = qx_forecast(m, y, len, period, (size_t)steps, f, half, &fe);
  if (rc) {
    GP_FREE(y);
    return gp_query_err_at(err, rc, fc->pos, "FORECAST: %s", fe.msg);
  }
  qrel *o = qx_rel_new(q, 4, err);
  if (!o) {
    GP_FREE(y);
    return err->rc ? err->rc : qx_nomem(err);
  }
  static const char *names[] = {"ts", "forecast", "lo", "hi"};
  for (int k = 0; k < 4; k++) {
    o->names[k] = names[k];
    o->types[k] = k ? QV_DBL : QV_TS;
  }
  for (int64_t k = 0; k < steps && !rc; k++) {
    qx_val *row = qx_rel_push(o);
    if (!row) {
      rc = qx_nomem(err);
      break;
    }
    row[0] = qx_ts(tl + (k + 1) * every.i);
    row[1] = qx_dbl(f[k]);
    row[2] = qx_dbl(f[k] - half[k]);
    row[3] = qx_dbl(f[k] + half[k]);
  }
  GP_FREE(y);
  return rc ? rc : qx_rel_to_result(q, o, out, err);
}
