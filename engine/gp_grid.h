/* gp_grid.h - the spatial grid: WGS84 lon/lat projected with PROJ into the database's metric
 * CRS, a square grid of base cells in that CRS, and Morton codes of cells.
 *
 * Cell indices: ix = floor(x / cell_m) + 2^31, iy = floor(y / cell_m) + 2^31 (uint32), so the
 * grid is aligned on multiples of cell_m from the CRS origin and any coarser cell of size
 * cell_m * 2^l is exactly the level-l cell. The Morton code interleaves ix (even bits) and iy
 * (odd bits); the level-l cell containing a level-0 code c is c >> (2 l), and all level-0 codes
 * inside a level-l cell C form the contiguous range [C << 2l, (C + 1) << 2l): a coarser cell is
 * a prefix and a key range. */
#ifndef GP_GRID_H
#define GP_GRID_H

#include "gp_base.h"
#include "gp_store.h" /* gp_cell_range: storage's type for a range of Morton codes */

typedef struct gp_grid gp_grid;

#define GP_GRID_MAX_LEVEL 31

/* Creates a grid for the metric CRS `EPSG:<epsg>` with base cell size cell_m metres.
 * Returns owned (free with gp_grid_free). Fails with GP_PROJ when PROJ does not know the CRS. */
gp_rc gp_grid_new(int epsg, double cell_m, gp_grid **out, gp_err *err);
void gp_grid_free(gp_grid *g);
int gp_grid_epsg(const gp_grid *g);
double gp_grid_cell_m(const gp_grid *g);

/* EPSG code of the WGS84 UTM zone containing lon/lat (326zz north, 327zz south). */
int gp_grid_utm_epsg(double lon, double lat);

/* Projects n points lon/lat (degrees) to x/y (metres). Thread-safe: each OpenMP thread uses a
 * PROJ context and transformation of its own, created on first use and owned by the grid.
 * Points PROJ cannot project come back as NaN (not an error). */
gp_rc gp_grid_project(const gp_grid *g, const double *lon, const double *lat, size_t n, double *x,
                      double *y, gp_err *err);
/* The inverse: x/y in metres back to lon/lat degrees. */
gp_rc gp_grid_unproject(const gp_grid *g, const double *x, const double *y, size_t n, double *lon,
                        double *lat, gp_err *err);

/* Morton codes, inline because scans decode one per row. */
/* Bit layout: bit 2k of the code is bit k of ix, bit 2k+1 is bit k of iy. Worked example:
 * ix = 5 = 0b101, iy = 3 = 0b011 -> code bits (iy2 ix2 iy1 ix1 iy0 ix0) = 0 1 1 0 1 1 = 27.
 * Spreading moves each half of the value apart and masks, in five shift-or-mask steps. */
static inline uint64_t gp_morton__spread(uint32_t v) {
  uint64_t x = v;
  x = (x | (x << 16)) & UINT64_C(0x0000FFFF0000FFFF);
  x = (x | (x << 8)) & UINT64_C(0x00FF00FF00FF00FF);
  x = (x | (x << 4)) & UINT64_C(0x0F0F0F0F0F0F0F0F);
  x = (x | (x << 2)) & UINT64_C(0x3333333333333333);
  x = (x | (x << 1)) & UINT64_C(0x5555555555555555);
  return x;
}

static inline uint32_t gp_morton__compact(uint64_t x) {
  x &= UINT64_C(0x5555555555555555);
  x = (x | (x >> 1)) & UINT64_C(0x3333333333333333);
  x = (x | (x >> 2)) & UINT64_C(0x0F0F0F0F0F0F0F0F);
  x = (x | (x >> 4)) & UINT64_C(0x00FF00FF00FF00FF);
  x = (x | (x >> 8)) & UINT64_C(0x0000FFFF0000FFFF);
  x = (x | (x >> 16)) & UINT64_C(0x00000000FFFFFFFF);
  return (uint32_t)x;
}

static inline uint64_t gp_morton_encode(uint32_t ix, uint32_t iy) {
  return gp_morton__spread(ix) | (gp_morton__spread(iy) << 1);
}

static inline void gp_morton_decode(uint64_t code, uint32_t *ix, uint32_t *iy) {
  *ix = gp_morton__compact(code);
  *iy = gp_morton__compact(code >> 1);
}


/* Level-0 Morton code of the cell containing projected point x/y. */
uint64_t gp_grid_cell_of(const gp_grid *g, double x, double y);
/* Bounds in metres of the level-`level` cell with code `code` (a level-`level` code). */
void gp_grid_cell_bounds(const gp_grid *g, uint64_t code, int level, double *x0, double *y0,
                         double *x1, double *y1);

/* The cell of size s = cell_m * 2^level whose indices are cx = floor(x / s), cy = floor(y / s)
 * (the numbers SQL's cell_x / cell_y give) as a closed ring in WGS84: its four corners
 * inverse-projected, counterclockwise from the south-west one (SW, SE, NE, NW, SW again), the
 * orientation RFC 7946 asks of an exterior ring (UTM and the like keep orientation). Only the
 * corners are exact: the edges, straight in the CRS, bow in lon/lat by well under a metre for a
 * 1 km cell, so a ring drawn through them is that approximation. A corner PROJ cannot invert
 * comes back as NaN (not an error), as gp_grid_unproject does. */
gp_rc gp_grid_cell_ring_ll(const gp_grid *g, int64_t cx, int64_t cy, int level, double lon[5],
                           double lat[5], gp_err *err);

/* Covers the projected rectangle [x0, x1] x [y0, y1] with at most max_ranges ranges of level-0
 * codes (merging adjacent ranges, coarsening when needed), so that every point inside the
 * rectangle has its cell in one of them. Returns owned *out (free with GP_FREE). */
gp_rc gp_grid_cover_rect(const gp_grid *g, double x0, double y0, double x1, double y1,
                         size_t max_ranges, gp_cell_range **out, size_t *n, gp_err *err);

#endif
