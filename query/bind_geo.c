/* bind_geo.c - the spatial half of the binder: within(), dwithin() and region() bound to a
 * qx_geo (the region layer, its cell index, the cells a scan must read), the region layers of
 * the catalog, and the session's cache of cell indexes and prepared geometries, which outlives
 * statements (session_ix_clear drops it when the catalog changes). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec_int.h"
#include "func_int.h"

void qx_session_ix_clear(gp_session *s) {
  for (int k = 0; k < s->nixc; k++) {
    gp_region_index_free(s->ixc[k].ix);
    for (int t = 0; t < s->ixc[k].ntls; t++) gp_region_tls_free(s->ixc[k].tls[t]);
    GP_FREE(s->ixc[k].tls);
  }
  s->nixc = 0;
}

/* Lends g the cache entry's per-thread geometry states (grown to the statement's threads), so
 * that the regions prepared by one statement serve the next: at SF = 1 preparing the boundary
 * regions took most of Q4's 8 ms. A session runs one statement at a time, and thread k only
 * touches state k. */
static gp_rc ix_lend_tls(struct ixcache *c, qx_geo *g, int nthreads, gp_err *err) {
  if (c->ntls < nthreads) {
    gp_region_tls **t = GP_REALLOC(c->tls, (size_t)nthreads * sizeof *t);
    if (!t) return gp_err_set(err, GP_NOMEM, "out of memory");
    for (int k = c->ntls; k < nthreads; k++) t[k] = NULL;
    c->tls = t;
    c->ntls = nthreads;
  }
  for (int k = 0; k < g->ntls; k++) gp_region_tls_free(g->tls[k]);
  GP_FREE(g->tls);
  g->tls = c->tls;
  g->ntls = nthreads;
  g->tls_shared = true;
  return GP_OK;
}

gp_rc qx_session_regions(gp_session *s, gp_region_cat **out, gp_err *err) {
  if (!s->regions) {
    gp_rc rc = gp_region_cat_open(gp_db_store(s->db), &s->regions, err);
    if (rc) return rc;
  }
  *out = s->regions;
  return GP_OK;
}

/* The scope's lon/lat columns of a table with LOCATION (lon, lat), or an error naming fname. */
static gp_rc loc_cols(bctx *b, gp_ast *e, const char *fname, int *lon, int *lat, gp_err *err) {
  *lon = *lat = -1;
  for (int k = 0; k < b->sc->n; k++) {
    const scol *c = &b->sc->c[k];
    if (c->src == QX_SRC_ROWS && c->tab && c->tab->loc == GP_LOC_LONLAT) {
      if (c->idx == c->tab->lon_col) *lon = k;
      if (c->idx == c->tab->lat_col) *lat = k;
    }
  }
  if (*lon < 0 || *lat < 0 || !b->q->ctx.grid)
    return gp_query_err_at(err, GP_INVALID, e->pos, "%s() needs a table with LOCATION (lon, lat)",
                           fname);
  if (b->mode == B_POST)
    return gp_query_err_at(err, GP_INVALID, e->pos, "%s() must appear in WHERE or GROUP BY", fname);
  return GP_OK;
}

static void geo_free(void *p) {
  qx_geo *g = p;
  if (!g->tls_shared) {
    for (int k = 0; k < g->ntls; k++) gp_region_tls_free(g->tls[k]);
    GP_FREE(g->tls);
  }
  if (!g->ix_shared) gp_region_index_free(g->ix);
  gp_region_layer_free(g->owned);
  GP_FREE(g->cells);
}

static gp_rc geo_new(qry *q, qx_geo **out, gp_err *err) {
  qx_geo *g = gp_query_arena_alloc(q->a, sizeof *g);
  if (!g) return qx_nomem(err);
  memset(g, 0, sizeof *g);
  g->ntls = q->nthreads;
  if (!(g->tls = GP_CALLOC((size_t)g->ntls, sizeof *g->tls))) return qx_nomem(err);
  gp_rc rc = gp_query_arena_on_free(q->a, geo_free, g, err);
  if (rc) {
    GP_FREE(g->tls);
    return rc;
  }
  *out = g;
  return GP_OK;
}

/* The cell index of region `reg` of layer l (the whole layer when reg < 0), shared by the
 * calls of one statement. */
static gp_rc geo_index(qry *q, const gp_region_layer *l, long reg, gp_query_pos pos, qx_geo **out,
                       gp_err *err) {
  for (int k = 0; k < q->ngcache; k++)
    if (q->gcache[k].l == l && q->gcache[k].reg == reg) {
      *out = q->gcache[k].g;
      return GP_OK;
    }
  qx_geo *g;
  gp_rc rc = geo_new(q, &g, err);
  if (rc) return rc;
  g->layer = l;
  gp_session *s = q->s;
  struct ixcache *c = NULL;
  for (int k = 0; k < s->nixc && !c; k++)
    if (s->ixc[k].l == l && s->ixc[k].reg == reg) c = &s->ixc[k];
  if (c) {
    g->ix = c->ix;
    g->ix_shared = true;
    if ((rc = ix_lend_tls(c, g, q->nthreads, err))) return rc;
  } else {
    uint32_t sel = (uint32_t)(reg < 0 ? 0 : reg);
    gp_err e2 = {0};
    if ((rc = gp_region_index_new(l, q->ctx.grid, reg < 0 ? NULL : &sel, 1, &q->mem, &g->ix, &e2)))
      return gp_query_err_at(err, rc, pos, "%s", e2.msg);
    /* a polygon literal's layer dies with the statement: only catalog layers are kept */
    bool catalog = s->regions && gp_region_cat_find(s->regions, gp_region_layer_name(l)) == l;
    if (catalog && s->nixc < (int)(sizeof s->ixc / sizeof *s->ixc)) {
      c = &s->ixc[s->nixc++];
      *c = (struct ixcache){l, reg, g->ix, NULL, 0};
      g->ix_shared = true;
      if ((rc = ix_lend_tls(c, g, q->nthreads, err))) return rc;
    }
  }
  g->need_xy = gp_region_layer_projected(l);
  size_t n;
  const gp_cell_range *r = gp_region_index_ranges(g->ix, &n);
  if (!(g->cells = GP_MALLOC((n + 1) * sizeof *g->cells))) return qx_nomem(err);
  memcpy(g->cells, r, n * sizeof *r);
  g->ncells = n;
  if (reg < 0) snprintf(g->what, sizeof g->what, "regions %s", gp_region_layer_name(l));
  else snprintf(g->what, sizeof g->what, "region %s/%s", gp_region_layer_name(l),
                gp_region_id(l, (size_t)reg));
  /* Each thread's geometry state is made here, where a failure can be reported: made on first
   * use inside an expression, a failed allocation made the row count as outside. */
  for (int k = 0; k < g->ntls; k++)
    if (!g->tls[k] && (rc = gp_region_tls_new(l, &g->tls[k], err))) return rc;
  if (q->ngcache < 16) q->gcache[q->ngcache++] = (struct gcache){l, reg, g};
  *out = g;
  return GP_OK;
}

static gp_rc find_layer(qry *q, gp_ast *e, const gp_region_layer **out, gp_err *err) {
  if (e->kind != GP_AST_STRING)
    return gp_query_err_at(err, GP_INVALID, e->pos, "expected a region layer name in quotes");
  gp_region_cat *cat;
  gp_err e2 = {0};
  gp_rc rc = qx_session_regions(q->s, &cat, &e2);
  if (rc) return gp_query_err_at(err, rc, e->pos, "%s", e2.msg);
  if (!(*out = gp_region_cat_find(cat, e->str.s))) {
    suggest sg = {0};
    for (size_t k = 0; k < gp_region_cat_count(cat); k++)
      qx_suggest_add(&sg, e->str.s, gp_region_layer_name(gp_region_cat_at(cat, k)));
    return gp_query_err_at(err, GP_NOTFOUND, e->pos, "no regions \"%s\"%s%s%s", e->str.s,
                           sg.best ? " (did you mean \"" : "", sg.best ? sg.best : "",
                           sg.best ? "\"?)" : "");
  }
  if (gp_region_layer_epsg(*out) != gp_grid_epsg(q->ctx.grid))
    return gp_query_err_at(err, GP_INVALID, e->pos, "regions \"%s\" are in EPSG:%d, the database in EPSG:%d",
                           e->str.s, gp_region_layer_epsg(*out), gp_grid_epsg(q->ctx.grid));
  return GP_OK;
}

/* A constant number (possibly negative, possibly 1.5 text-kept) of a point() argument. */
static gp_rc const_num(bctx *b, gp_ast *e, double *v, gp_err *err) {
  qx_ex *x;
  gp_rc rc = qx_bind(b, e, &x, err);
  if (rc) return rc;
  if (x->op != QX_CONST || (x->k.t != QV_INT && x->k.t != QV_DBL))
    return gp_query_err_at(err, GP_INVALID, e->pos, "point() needs constant numbers");
  *v = x->k.t == QV_DBL ? x->k.d : (double)x->k.i;
  return GP_OK;
}

gp_rc qx_bind_geo(bctx *b, gp_ast *e, qx_ex **out, gp_err *err) {
  qry *q = b->q;
  const char *name = e->call.name.s;
  int n = (int)e->call.args.n, lon, lat;
  gp_ast **av = e->call.args.v;
  qx_geo *g = NULL;
  gp_rc rc = loc_cols(b, e, name, &lon, &lat, err);
  if (rc) return rc;
  qx_fn fn = (qx_fn)qx_func_find(name)->fn; /* the registry sent within, dwithin or region here */
  if (fn == QF_REGION) {
    if (n != 1)
      return gp_query_err_at(err, GP_INVALID, e->pos, "region('layer') takes one argument here; "
                             "region('layer', 'id') belongs inside within()");
    const gp_region_layer *l;
    if ((rc = find_layer(q, av[0], &l, err)) || (rc = geo_index(q, l, -1, e->pos, &g, err))) return rc;
  } else if (fn == QF_WITHIN) {
    if (n != 1) return gp_query_err_at(err, GP_INVALID, e->pos, "within() takes one argument");
    gp_ast *a = av[0];
    if (a->kind == GP_AST_CALL && !strcmp(a->call.name.s, "region")) {
      if (a->call.args.n != 2)
        return gp_query_err_at(err, GP_INVALID, a->pos, "within() needs region('layer', 'id')");
      const gp_region_layer *l;
      if ((rc = find_layer(q, a->call.args.v[0], &l, err))) return rc;
      gp_ast *id = a->call.args.v[1];
      char tmp[32];
      const char *ids = tmp;
      if (id->kind == GP_AST_STRING) ids = id->str.s;
      else if (id->kind == GP_AST_INT) snprintf(tmp, sizeof tmp, "%lld", (long long)id->i.v);
      else return gp_query_err_at(err, GP_INVALID, id->pos, "expected a region id");
      long reg = gp_region_find(l, ids, strlen(ids));
      if (reg < 0)
        return gp_query_err_at(err, GP_NOTFOUND, id->pos, "no region \"%s\" in regions \"%s\"", ids,
                               gp_region_layer_name(l));
      if ((rc = geo_index(q, l, reg, e->pos, &g, err))) return rc;
    } else if (a->kind == GP_AST_STRING) {
      gp_region_opts o = {0};
      const char *t = a->str.s;
      while (*t == ' ' || *t == '\n' || *t == '\t') t++;
      o.fmt = *t == '{' ? GP_REGION_GEOJSON : GP_REGION_WKT_ONE;
      o.mem = &q->mem;
      if ((rc = geo_new(q, &g, err))) return rc;
      gp_err e2 = {0};
      if ((rc = gp_region_layer_read("literal", NULL, a->str.s, a->str.len, &o,
                                     gp_grid_epsg(q->ctx.grid), &g->owned, &e2)))
        return gp_query_err_at(err, rc, a->pos, "%s", e2.msg);
      if (gp_region_count(g->owned) != 1)
        return gp_query_err_at(err, GP_INVALID, a->pos, "within() needs one polygon");
      g->layer = g->owned;
      qx_geo *gi;
      if ((rc = geo_index(q, g->layer, 0, a->pos, &gi, err))) return rc;
      /* the literal's layer is owned by g; the index state is gi's */
      gi->owned = g->owned;
      g->owned = NULL;
      if (q->ngcache && q->gcache[q->ngcache - 1].g == gi)
        q->ngcache--; /* a literal's layer is unique to this call: not offered for reuse */
      snprintf(gi->what, sizeof gi->what, "polygon literal");
      g = gi;
    } else {
      return gp_query_err_at(err, GP_INVALID, a->pos,
                             "within() needs region('layer', 'id') or a polygon as WKT or GeoJSON text");
    }
  } else {
    if (n < 2 || n > 3)
      return gp_query_err_at(err, GP_INVALID, e->pos, "dwithin() takes point(lon, lat), a distance and optionally 'sphere'");
    gp_ast *pt = av[0];
    if (pt->kind != GP_AST_CALL || strcmp(pt->call.name.s, "point") != 0 || pt->call.args.n != 2)
      return gp_query_err_at(err, GP_INVALID, pt->pos, "dwithin() needs point(lon, lat) first");
    if ((rc = geo_new(q, &g, err)) || (rc = const_num(b, pt->call.args.v[0], &g->clon, err)) ||
        (rc = const_num(b, pt->call.args.v[1], &g->clat, err)) || (rc = qx_length_m(av[1], &g->d, err)))
      return rc;
    if (g->d < 0 || !isfinite(g->d))
      return gp_query_err_at(err, GP_INVALID, av[1]->pos, "distance must be positive");
    if (n == 3) {
      const char *w = qx_opt_word(av[2]);
      if (w && !strcasecmp(w, "sphere")) g->sphere = true;
      else if (!w || strcasecmp(w, "planar") != 0)
        return gp_query_err_at(err, GP_INVALID, av[2]->pos, "expected 'sphere' or 'planar'");
    }
    gp_err e2 = {0};
    if ((rc = gp_grid_project(q->ctx.grid, &g->clon, &g->clat, 1, &g->cx, &g->cy, &e2)) ||
        isnan(g->cx))
      return gp_query_err_at(err, rc ? rc : GP_PROJ, pt->pos, "point(%g, %g) cannot be projected",
                             g->clon, g->clat);
    /* the square around the circle; great-circle metres differ from projected metres by the
     * projection's scale (within a few per mille inside a UTM zone), so sphere adds 5% */
    double h = g->d * (g->sphere ? 1.05 : 1.0) + 1e-6;
    if ((rc = gp_grid_cover_rect(q->ctx.grid, g->cx - h, g->cy - h, g->cx + h, g->cy + h, 256,
                                 &g->cells, &g->ncells, &e2)))
      return gp_query_err_at(err, rc, e->pos, "%s", e2.msg);
    snprintf(g->what, sizeof g->what, "%g m around point(%g, %g)%s", g->d, g->clon, g->clat,
             g->sphere ? " on the sphere" : "");
  }
  qx_ex *x = qx_ex_new(b, QX_FUNC, 2, e->pos);
  if (!x || !(x->args[0] = qx_col_ex(b, lon, e->pos)) || !(x->args[1] = qx_col_ex(b, lat, e->pos)))
    return qx_nomem(err);
  x->sub = (uint8_t)fn;
  x->def = qx_func_of(fn);
  x->t = fn == QF_REGION ? QV_TEXT : QV_BOOL;
  x->geo = g;
  *out = x;
  return GP_OK;
}
