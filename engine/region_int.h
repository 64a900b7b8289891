/* region_int.h - shared inside engine/ by the region files: region.c (layers, their GeoJSON,
 * persistence, the catalog), region_read.c (GeoJSON and CSV/WKT readers) and region_cover.c
 * (coverings, the cell index, per-thread geometry). Not a public header: together with them,
 * the only code that includes geos_c.h. */
#ifndef GP_REGION_INT_H
#define GP_REGION_INT_H

#include <geos_c.h>

#include "gp_region.h"

typedef struct reg {
  char *id;                 /* owned */
  char *parent;             /* owned, "" when none */
  char *props;              /* owned JSON object text */
  uint8_t *wkb;             /* owned WKB of the projected polygon */
  size_t nwkb;
  double x0, y0, x1, y1;    /* projected bounding box */
  double area;              /* square metres */
  /* Layers read in WGS84 keep the input polygon: its edges are straight in lon/lat (as for
   * PostGIS/DuckDB peers), so points are tested against it, not against the projected one
   * whose edges are the chords of the curved images of the lon/lat edges. NULL otherwise. */
  uint8_t *wkb_ll;          /* owned WKB of the lon/lat polygon, or NULL */
  size_t nwkb_ll;
  double lx0, ly0, lx1, ly1; /* lon/lat bounding box (when wkb_ll) */
  double margin;            /* metres: bound on the distance between the projected polygon and
                               the image of the lon/lat one; 0 without wkb_ll */
} reg;

struct gp_region_layer {
  char *name;
  int epsg;                 /* CRS of the WKB coordinates */
  size_t n, cap;
  reg *r;
  uint32_t *by_id;          /* ordinals sorted by id, for gp_region_find */
};

/* A GEOS context with its last error message captured (GEOS reports errors through a
 * handler, not a return value). One per call or per thread: GEOS objects never cross. */
typedef struct gctx {
  GEOSContextHandle_t h;
  char msg[256];            /* last GEOS error message */
} gctx;

/* Makes g's context (free with gp_region__gctx_done); GP_NOMEM when GEOS cannot. */
gp_rc gp_region__gctx_init(gctx *g, gp_err *err);
void gp_region__gctx_done(gctx *g);

/* A new empty layer named name (copied) in CRS epsg. Returns owned (free with
 * gp_region_layer_free), NULL when out of memory. */
gp_region_layer *gp_region__layer_new(const char *name, int epsg);
/* Appends a zeroed region to l and returns it (owned by l), NULL when out of memory. */
reg *gp_region__layer_push(gp_region_layer *l);
/* Builds l's index by id once every region is in; GP_INVALID naming the features when two
 * share an id (region('layer', 'id') would be ambiguous). */
gp_rc gp_region__layer_finish(gp_region_layer *l, gp_err *err);

#endif
