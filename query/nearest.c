/* nearest.c - nearest(table, point(lon, lat), k) in FROM: the k rows of a LOCATION table
 * nearest to a point, scanned ring by ring of cells outwards, as a relation with a distance
 * column. */
#include <ctype.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec_int.h"

static bool ast_num(const gp_ast *e, double *v) {
  if (e->kind == GP_AST_INT) *v = (double)e->i.v;
  else if (e->kind == GP_AST_FLOAT) *v = e->f.v;
  else return false;
  return true;
}

typedef struct nn_cand {
  double d;        /* planar metres */
  size_t unit, row;
} nn_cand;

static int cmp_nn(const void *a, const void *b) {
  const nn_cand *x = a, *y = b;
  if (x->d != y->d) return x->d < y->d ? -1 : 1;
  if (x->unit != y->unit) return x->unit < y->unit ? -1 : 1;
  return (x->row > y->row) - (x->row < y->row);
}

/* The k rows of a LOCATION (lon, lat) table nearest to a point, with a distance column
 * (planar metres in the database CRS), nearest first (ties: storage order). Expanding square
 * search: scan the cells of a square of half-side h around the point; the rows within h are
 * exact answers, because every row outside the square is farther than h; once k of them are
 * found they are the k nearest, else h quadruples (the last round scans everything). */
gp_rc qx_run_nearest(qry *q, gp_ast *f, source *s, gp_err *err) {
  gp_ast *call = f->table_func.call;
  gp_ast **av = call->call.args.v;
  double lon, lat, cx, cy;
  if (call->call.args.n != 3 || av[0]->kind != GP_AST_COLUMN || av[1]->kind != GP_AST_CALL ||
      strcmp(av[1]->call.name.s, "point") != 0 || av[1]->call.args.n != 2 ||
      !ast_num(av[1]->call.args.v[0], &lon) || !ast_num(av[1]->call.args.v[1], &lat) ||
      av[2]->kind != GP_AST_INT || av[2]->i.v < 0 || av[2]->i.v > 1000000)
    return gp_query_err_at(err, GP_INVALID, call->pos,
                           "nearest() takes a table, point(lon, lat) with constant numbers and a "
                           "count k (0..1000000)");
  const gp_table *t = gp_db_table(q->s->db, av[0]->column.name.s);
  if (!t) return gp_query_err_at(err, GP_NOTFOUND, av[0]->pos, "no table \"%s\"", av[0]->column.name.s);
  if (t->loc != GP_LOC_LONLAT || !q->ctx.grid)
    return gp_query_err_at(err, GP_INVALID, av[0]->pos, "nearest() needs a table with LOCATION (lon, lat)");
  size_t k = (size_t)av[2]->i.v;
  gp_err e2 = {0};
  gp_rc rc = gp_grid_project(q->ctx.grid, &lon, &lat, 1, &cx, &cy, &e2);
  if (rc || isnan(cx)) return gp_query_err_at(err, rc ? rc : GP_PROJ, av[1]->pos, "point cannot be projected");
  qrel *rel = qx_rel_new(q, t->ncols + 1, err);
  if (!rel) return err->rc ? err->rc : qx_nomem(err);
  for (int c = 0; c < t->ncols; c++) {
    rel->names[c] = t->cols[c].name;
    rel->types[c] = (uint8_t)qx_vt_of_type(t->cols[c].type);
  }
  rel->names[t->ncols] = "distance";
  rel->types[t->ncols] = QV_DBL;
  s->rel = rel;
  s->qual = f->table_func.alias.s ? f->table_func.alias.s : "nearest";
  if (k == 0) return GP_OK;
  gp_scan *sc = NULL;
  gp_rows *rows = NULL;
  nn_cand *cand = NULL;
  gp_cell_range *cells = NULL;
  size_t nunits = 0, ncand = 0, rounds = 0;
  double h = 4 * gp_grid_cell_m(q->ctx.grid);
  for (bool last = false;; h *= 4) {
    last = h > 2e7; /* beyond any projected CRS: everything */
    size_t ncells = 0;
    GP_FREE(cells);
    cells = NULL;
    if (!last && (rc = gp_grid_cover_rect(q->ctx.grid, cx - h, cy - h, cx + h, cy + h, 256, &cells,
                                          &ncells, &e2)))
      goto fail2;
    gp_scan_spec spec = {INT64_MIN, INT64_MAX, last ? NULL : cells, ncells, 0, NULL};
    for (size_t u = 0; rows && u < nunits; u++) gp_rows_free(&rows[u]);
    GP_FREE(rows);
    rows = NULL;
    gp_scan_close(sc);
    sc = NULL;
    if ((rc = gp_scan_open(gp_db_store(q->s->db), t->id, &spec, &sc, &e2))) goto fail2;
    nunits = gp_scan_units(sc);
    rows = GP_CALLOC(nunits + 1, sizeof *rows);
    if (!rows) goto qx_nomem;
    size_t total = 0;
    for (size_t u = 0; u < nunits; u++) {
      if ((rc = gp_scan_decode(sc, u, &rows[u], &e2))) goto fail2;
      total += rows[u].n;
    }
    GP_FREE(cand);
    cand = GP_MALLOC((total + 1) * sizeof *cand);
    if (!cand) goto qx_nomem;
    ncand = 0;
    for (size_t u = 0; u < nunits; u++) {
      const gp_rows *r = &rows[u];
      const gp_col *lc = &r->cols[t->lon_col], *ac = &r->cols[t->lat_col];
      for (size_t i = 0; i < r->n; i++) {
        if (gp_rows_isnull(lc, i) || gp_rows_isnull(ac, i)) continue;
        double px, py;
        if (gp_grid_project(q->ctx.grid, &lc->f64[i], &ac->f64[i], 1, &px, &py, NULL) || isnan(px))
          continue;
        double d = hypot(px - cx, py - cy);
        if (last || d <= h) cand[ncand++] = (nn_cand){d, u, i};
      }
    }
    rounds++;
    if (ncand >= k || last) break;
  }
  qsort(cand, ncand, sizeof *cand, cmp_nn);
  if (ncand > k) ncand = k;
  for (size_t j = 0; j < ncand; j++) {
    qx_val *o = qx_rel_push(rel);
    if (!o) goto qx_nomem;
    const gp_rows *r = &rows[cand[j].unit];
    for (int c = 0; c < t->ncols; c++) {
      qx_val v = qx_rows_get(&q->ctx, r, cand[j].row, c, t->cols[c].type, t);
      if (v.t == QV_TEXT && t->cols[c].type == GP_T_TEXT) { /* the rows are freed below */
        const char *cp = qx_pool_strdup(&q->pool, v.s, v.n);
        if (!cp && v.n) goto qx_nomem;
        v.s = cp;
      }
      o[c] = v;
    }
    o[t->ncols] = qx_dbl(cand[j].d);
  }
  if (q->explain)
    qx_explain_line(q, "nearest %zu of %s: %zu round%s, last square %.0f m half-side", k, t->name,
                 rounds, rounds == 1 ? "" : "s", h);
  rc = GP_OK;
  goto cleanup;
qx_nomem:
  rc = qx_nomem(err);
  goto cleanup;
fail2:
  rc = gp_query_err_at(err, rc, call->pos, "%s", e2.msg);
cleanup:
  for (size_t u = 0; rows && u < nunits; u++) gp_rows_free(&rows[u]);
  GP_FREE(rows);
  GP_FREE(cand);
  GP_FREE(cells);
  gp_scan_close(sc);
  return rc;
}
