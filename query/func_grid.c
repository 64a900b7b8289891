/* func_grid.c - the grid functions: cell(size) and its column and row, the centre of a cell
 * (cell_lon/cell_lat in WGS84 degrees, cell_mx/cell_my in the database CRS), and x(), y(),
 * the row's projected position. A cell is the base cell of the database's grid times a power
 * of 2 (the level, bound from the size into x->idx). */
#include <math.h>

#include "func_int.h"

#define SC QK_SCALAR

static int64_t floor_shift(int64_t v, int k) { return gp_floordiv(v, INT64_C(1) << k); }

/* The row's cell at the call's level: its column and row; false when the row has no cell. */
static bool row_cell(const qx_ex *x, const qx_row *r, int64_t *vx, int64_t *vy) {
  if (!r->rows || !r->rows->cell) return false;
  uint64_t code = r->rows->cell[r->i];
  if (!code) return false;
  uint32_t ix, iy;
  gp_morton_decode(code, &ix, &iy);
  *vx = floor_shift((int64_t)ix - (INT64_C(1) << 31), x->idx);
  *vy = floor_shift((int64_t)iy - (INT64_C(1) << 31), x->idx);
  return true;
}

static qx_val f_cell(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  int64_t vx, vy;
  return row_cell(x, r, &vx, &vy) ? qx_cell(gp_query__cell_pack(vx, vy), x->idx) : qx_null();
}

static qx_val f_cell_x(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  int64_t vx, vy;
  return row_cell(x, r, &vx, &vy) ? qx_int(vx) : qx_null();
}

static qx_val f_cell_y(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  int64_t vx, vy;
  return row_cell(x, r, &vx, &vy) ? qx_int(vy) : qx_null();
}

/* The centre of the cell value v (the planner binds cell_lon(1 km) as cell_lon(cell(1 km)):
 * the argument is a cell) in the CRS (mx, my) and, when lonlat, in WGS84; false when v is
 * not a cell or does not unproject. (cx + 1/2) * size is exact: size is the base cell times
 * a power of 2. */
static bool centre(const qx_ctx *c, const qx_val *v, bool lonlat, double *mx, double *my,
                   double *lon, double *lat) {
  int64_t cx, cy;
  if (v->t != QV_CELL) return false;
  gp_query__cell_unpack(v->i, &cx, &cy);
  int lv = (int)v->n;
  if (!c->grid || lv < 0 || lv > GP_GRID_MAX_LEVEL) return false;
  double size = gp_grid_cell_m(c->grid) * (double)(INT64_C(1) << lv);
  *mx = ((double)cx + 0.5) * size, *my = ((double)cy + 0.5) * size;
  if (!lonlat) return true;
  return !gp_grid_unproject(c->grid, mx, my, 1, lon, lat, NULL) && isfinite(*lon) && isfinite(*lat);
}

static qx_val f_cell_lon(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  double mx, my, lon, lat;
  return centre(c, &a[0], true, &mx, &my, &lon, &lat) ? qx_dbl(lon) : qx_null();
}

static qx_val f_cell_lat(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  double mx, my, lon, lat;
  return centre(c, &a[0], true, &mx, &my, &lon, &lat) ? qx_dbl(lat) : qx_null();
}

static qx_val f_cell_mx(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  double mx, my;
  return centre(c, &a[0], false, &mx, &my, NULL, NULL) ? qx_dbl(mx) : qx_null();
}

static qx_val f_cell_my(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  double mx, my;
  return centre(c, &a[0], false, &mx, &my, NULL, NULL) ? qx_dbl(my) : qx_null();
}

/* x(), y(): bound with the row's lon and lat as arguments */
static bool project(const qx_ctx *c, const qx_val *a, double *px, double *py) {
  if (a[0].t == QV_NULL || a[1].t == QV_NULL || !c->grid) return false;
  double lon = qx_num(&a[0]), lat = qx_num(&a[1]);
  return !gp_grid_project(c->grid, &lon, &lat, 1, px, py, NULL);
}

static qx_val f_x(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  double px, py;
  return project(c, a, &px, &py) ? qx_dbl(px) : qx_null();
}

static qx_val f_y(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, const qx_val *a) {
  QX_FN_UNUSED;
  double px, py;
  return project(c, a, &px, &py) ? qx_dbl(py) : qx_null();
}

const qx_func qx_funcs_grid[] = {
    {"cell", SC, QB_CELL, QT_FIXED, QV_CELL, 1, 1, QF_CELL, 0, "cell(size) -> CELL",
     "the row's grid cell of the size (the base cell times a power of 2), in WHERE or GROUP BY", .eval = f_cell},
    {"cell_lat", SC, QB_CELL, QT_FIXED, QV_DBL, 1, 1, QF_CELL_LAT, 0,
     "cell_lat(size | cell) -> DOUBLE", "the latitude of the cell's centre (WGS84 degrees)", .eval = f_cell_lat},
    {"cell_lon", SC, QB_CELL, QT_FIXED, QV_DBL, 1, 1, QF_CELL_LON, 0,
     "cell_lon(size | cell) -> DOUBLE", "the longitude of the cell's centre (WGS84 degrees)", .eval = f_cell_lon},
    {"cell_mx", SC, QB_CELL, QT_FIXED, QV_DBL, 1, 1, QF_CELL_MX, 0,
     "cell_mx(size | cell) -> DOUBLE", "the x of the cell's centre in the database CRS (metres)", .eval = f_cell_mx},
    {"cell_my", SC, QB_CELL, QT_FIXED, QV_DBL, 1, 1, QF_CELL_MY, 0,
     "cell_my(size | cell) -> DOUBLE", "the y of the cell's centre in the database CRS (metres)", .eval = f_cell_my},
    {"cell_x", SC, QB_CELL, QT_FIXED, QV_INT, 1, 1, QF_CELL_X, 0, "cell_x(size) -> INT",
     "the column of the row's cell of the size", .eval = f_cell_x},
    {"cell_y", SC, QB_CELL, QT_FIXED, QV_INT, 1, 1, QF_CELL_Y, 0, "cell_y(size) -> INT",
     "the row of the row's cell of the size", .eval = f_cell_y},
    {"x", SC, QB_XY, QT_FIXED, QV_DBL, 0, 0, QF_X, 0, "x() -> DOUBLE",
     "the row's projected x (database CRS), in GROUP BY", .eval = f_x},
    {"y", SC, QB_XY, QT_FIXED, QV_DBL, 0, 0, QF_Y, 0, "y() -> DOUBLE",
     "the row's projected y (database CRS), in GROUP BY", .eval = f_y},
    {0}};
