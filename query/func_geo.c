/* func_geo.c - the spatial predicates and lookups: within(polygon | region), dwithin(point,
 * distance) and region('layer'), over the qx_geo state the binder built (bind_geo.c). Bound
 * with the row's lon and lat as arguments. */
#include <math.h>
#include <string.h>

#include "func_int.h"

#define SC QK_SCALAR

gp_region_tls *qx_geo_tls(qx_geo *g, int th) {
  if (th < 0 || th >= g->ntls) return NULL;
  if (!g->tls[th] && gp_region_tls_new(g->layer, &g->tls[th], NULL) != GP_OK) return NULL;
  return g->tls[th];
}

/* within / region(): the row's cell decides alone unless a region boundary crosses it; only
 * then is the point tested exactly (covers: a point on an edge is within), in lon/lat for
 * layers read in WGS84, else projected.
 * dwithin: planar distance between projected points, or great-circle metres on lon/lat. */
static qx_val f_geo(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  qx_geo *g = x->geo;
  if (a[0].t == QV_NULL || a[1].t == QV_NULL || !c->grid) return qx_null();
  double lon = qx_num(&a[0]), lat = qx_num(&a[1]), px = NAN, py = NAN;
  if (x->sub == QF_DWITHIN) {
    if (g->sphere) return qx_bool(gp_region_sphere_m(lon, lat, g->clon, g->clat) <= g->d);
    if (gp_grid_project(c->grid, &lon, &lat, 1, &px, &py, NULL) || isnan(px)) return qx_bool(false);
    return qx_bool(hypot(px - g->cx, py - g->cy) <= g->d);
  }
  uint64_t cell = r->rows && r->rows->cell ? r->rows->cell[r->i] : 0;
  bool projected = false;
  if (!cell) {
    if (gp_grid_project(c->grid, &lon, &lat, 1, &px, &py, NULL) || isnan(px))
      return x->sub == QF_WITHIN ? qx_bool(false) : qx_null();
    cell = gp_grid_cell_of(c->grid, px, py);
    projected = true;
  }
  long reg = gp_region_index_cell(g->ix, cell);
  if (reg == -2) {
    gp_region_tls *t = qx_geo_tls(g, r->th);
    if (!projected && g->need_xy && gp_grid_project(c->grid, &lon, &lat, 1, &px, &py, NULL))
      px = NAN;
    reg = t ? gp_region_locate(g->ix, t, cell, px, py, lon, lat) : -1;
  }
  if (x->sub == QF_WITHIN) return qx_bool(reg >= 0);
  if (reg < 0) return qx_null();
  const char *id = gp_region_id(g->layer, (size_t)reg);
  return qx_text(id, strlen(id));
}


const qx_func qx_funcs_geo[] = {
    {"dwithin", SC, QB_GEO, QT_FIXED, QV_BOOL, 2, 3, QF_DWITHIN, 0,
     "dwithin(point(lon, lat), distance [, 'planar' | 'sphere']) -> BOOLEAN",
     "the row's position is at most the distance from the point", .eval = f_geo},
    {"region", SC, QB_GEO, QT_FIXED, QV_TEXT, 1, 2, QF_REGION, 0,
     "region('layer') -> TEXT", "the id of the layer's region covering the row's position", .eval = f_geo},
    {"within", SC, QB_GEO, QT_FIXED, QV_BOOL, 1, 1, QF_WITHIN, 0,
     "within(region('layer', 'id') | 'WKT' | 'GeoJSON') -> BOOLEAN",
     "the polygon covers the row's position", .eval = f_geo},
    {0}};
