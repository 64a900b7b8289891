/* gp_region.h - region layers: named polygons (districts, communities, unit grids, flood zones)
 * read from GeoJSON or CSV-with-WKT, projected into the database's metric CRS, persisted in the
 * store's meta family, and indexed by grid cells so that scans read only the cells a region
 * touches and test only the rows of cells its boundary crosses.
 *
 * The one idea: a layer is immutable data (ids, properties, WKB of the projected polygons,
 * bounding boxes) that any number of threads read. Geometry work happens in GEOS objects that
 * belong to one thread: cell indexes are built once by the planner, and each scan thread holds
 * a gp_region_tls with its own GEOS context and its own prepared geometries, made on first use.
 *
 * Semantics: a point lies in a polygon when the polygon covers it (interior or boundary, as
 * PostGIS ST_Covers), so a point on an edge or a vertex is within. When several regions of a
 * layer cover a point (a shared edge, or overlapping regions) it is assigned to the one with
 * the lowest ordinal, i.e. the one that came first in the file. Only this module includes
 * geos_c.h.
 *
 * The CRS of the test: a layer read in WGS84 (src_epsg 0 or 4326) is tested in lon/lat against
 * the polygon as written, whose edges are straight in lon/lat as in PostGIS/DuckDB ST_Covers;
 * its projected image (edges curved by ~0.2 m for a 4 km edge) only drives the cell
 * covering, which is widened by a per-region margin bounding that curvature. A layer read in
 * another CRS (e.g. EPSG:2249) is tested in the database CRS against straight projected edges:
 * an approximation of its own straight edges of the same small order, kept as is. */
#ifndef GP_REGION_H
#define GP_REGION_H

#include "gp_base.h"
#include "gp_grid.h"
#include "gp_store.h"

typedef struct gp_region_layer gp_region_layer;
typedef struct gp_region_index gp_region_index;
typedef struct gp_region_tls gp_region_tls;
typedef struct gp_region_cat gp_region_cat;

typedef enum gp_region_fmt {
  GP_REGION_AUTO = 0,  /* .geojson / .json, or text starting with '{': GeoJSON; else CSV */
  GP_REGION_GEOJSON,   /* a FeatureCollection, a Feature or a bare geometry */
  GP_REGION_WKT,       /* CSV with a header line and a WKT column */
  GP_REGION_WKT_ONE,   /* the text is one WKT polygon (a literal in a query) */
} gp_region_fmt;

typedef struct gp_region_opts {
  gp_region_fmt fmt;
  const char *id_col;     /* property / CSV column with the id; NULL: the feature's "id" member
                             (GeoJSON) or a column named id (CSV); else the 1-based ordinal */
  const char *geom_col;   /* CSV: the WKT column; NULL: "wkt", "geometry" or "geom" */
  const char *parent_col; /* property / column naming the parent region (NULL: none) */
  int src_epsg;           /* CRS of the input coordinates; 0 = WGS84 lon/lat */
  bool make_valid;        /* repair invalid polygons (GEOSMakeValid) instead of failing */
  gp_mem *mem;            /* the statement's memory account (NULL: none): the file, GEOS's and
                             jansson's parse and the layer are charged; past the limit the read
                             fails with GP_NOMEM and mem->over set */
} gp_region_opts;

/* Reads the regions of file `path` (or of the text src[0..n) when path is NULL) into a new
 * layer `name` projected into EPSG:dst_epsg. Polygons and MultiPolygons (with holes) are
 * accepted; other geometry types, empty geometries and unreadable records fail with GP_PARSE
 * naming the feature (1-based) and the reason; invalid polygons fail with GP_GEOM and GEOS's
 * reason unless o->make_valid. The file must be a regular file (gp_file_open); WKT nested
 * deeper than 32 parentheses fails with GP_PARSE before GEOS reads it (GEOS recurses per
 * level). Returns owned *out (free with gp_region_layer_free). */
gp_rc gp_region_layer_read(const char *name, const char *path, const char *src, size_t n,
                           const gp_region_opts *o, int dst_epsg, gp_region_layer **out,
                           gp_err *err);
void gp_region_layer_free(gp_region_layer *l);

const char *gp_region_layer_name(const gp_region_layer *l);
int gp_region_layer_epsg(const gp_region_layer *l);
size_t gp_region_count(const gp_region_layer *l);
/* Borrowed strings, valid while the layer lives. parent and props are "" when absent; props is
 * the feature's properties as a JSON object text (CSV: the other columns). */
const char *gp_region_id(const gp_region_layer *l, size_t i);
const char *gp_region_parent(const gp_region_layer *l, size_t i);
const char *gp_region_props(const gp_region_layer *l, size_t i);
/* Ordinal of the region with id `id`, or -1. */
long gp_region_find(const gp_region_layer *l, const char *id, size_t n);
/* Projected bounding box and area (square metres) of region i. */
void gp_region_bbox(const gp_region_layer *l, size_t i, double *x0, double *y0, double *x1,
                    double *y1);
double gp_region_area(const gp_region_layer *l, size_t i);
/* WKB (little-endian, 2D) of the projected polygon of region i: borrowed. */
const uint8_t *gp_region_wkb(const gp_region_layer *l, size_t i, size_t *n);
/* WKB of region i's lon/lat polygon (layers read in WGS84), borrowed; NULL (and *n = 0) for
 * layers tested in the database CRS. */
const uint8_t *gp_region_wkb_ll(const gp_region_layer *l, size_t i, size_t *n);
/* Appends region i as a GeoJSON geometry object in WGS84 (RFC 7946: lon, lat order, exterior
 * rings counterclockwise and holes clockwise, reversed where the input had them the other way):
 * {"type":"Polygon","coordinates":[[[118.295,33.895],...]]} or a MultiPolygon. The lon/lat
 * polygon as read when the layer keeps one; else the projected polygon's vertices
 * inverse-projected with g, which must be the grid of the layer's CRS (its edges then join the
 * images of the vertices, the approximation described above). Coordinates are written with at
 * most 9 decimals (0.1 mm), trailing zeros dropped, so 118.3 reads back as written. g may be
 * NULL for a layer that keeps lon/lat. GP_INVALID without a suitable g, GP_CORRUPT on
 * malformed WKB, GP_NOMEM; out keeps what was appended before the failure. */
gp_rc gp_region_geojson(const gp_region_layer *l, size_t i, const gp_grid *g, gp_buf *out,
                        gp_err *err);
/* Metres by which the covering of region i is widened (0 without a lon/lat polygon). */
double gp_region_margin(const gp_region_layer *l, size_t i);

/* ---- persistence: one meta key "reg/<name>" per layer ---- */

/* Serialises the layer into val (appended). Layout, all integers little-endian:
 *   u32 version (1) | u32 epsg | u32 count | count x
 *   { u32 len id | u32 len parent | u32 len props | u32 len wkb }  (len then bytes)
 * e.g. one region "A", no parent, props "{}", a 93-byte WKB square:
 *   01000000 e67f0000 01000000 | 01000000 'A' | 00000000 | 02000000 '{}' | 5d000000 <wkb>
 * A layer with lon/lat polygons is version 2: each region also has
 *   u32 len wkb_ll (0: none) | f64 margin (IEEE bits as u64)
 *   e.g. ... 5d000000 <wkb> | 5d000000 <wkb_ll> | 7b14ae47e17ac43f (0.16 m) */
gp_rc gp_region_layer_encode(const gp_region_layer *l, gp_buf *val, gp_err *err);
/* The inverse (bytes are untrusted: GP_CORRUPT on anything malformed). Returns owned *out. */
gp_rc gp_region_layer_decode(const char *name, const uint8_t *p, size_t n, gp_region_layer **out,
                             gp_err *err);

/* The catalog of a database's layers, read from the store's meta family at open. Not
 * thread-safe for add/drop; lookups are safe from many threads. */
gp_rc gp_region_cat_open(gp_store *s, gp_region_cat **out, gp_err *err);
void gp_region_cat_free(gp_region_cat *c);
size_t gp_region_cat_count(const gp_region_cat *c);
/* Borrowed, valid until the layer is dropped or the catalog freed. */
const gp_region_layer *gp_region_cat_at(const gp_region_cat *c, size_t i);
const gp_region_layer *gp_region_cat_find(const gp_region_cat *c, const char *name);
/* Persists layer (durably) and adds it; takes ownership of layer in every case. GP_EXISTS when
 * a layer of that name exists. */
gp_rc gp_region_cat_add(gp_region_cat *c, gp_store *s, gp_region_layer *layer, gp_err *err);
/* Removes layer `name` from the store and the catalog; GP_NOTFOUND when there is none. */
gp_rc gp_region_cat_drop(gp_region_cat *c, gp_store *s, const char *name, gp_err *err);

/* ---- covering ---- */

/* The level at which region i is covered: cells about 1/64 of its bounding box's longer side,
 * never finer than the base cell (level 0). */
int gp_region_auto_level(const gp_region_layer *l, size_t i, const gp_grid *g);

/* Covers region i with grid cells of level <= level (level < 0: gp_region_auto_level) by a
 * quadtree descent: a cell whose closed square the polygon contains is inside (taken whole,
 * possibly at a coarser level), a cell the polygon intersects at the finest level is
 * boundary, the rest is outside. Both lists are sorted disjoint ranges of level-0 codes, and
 * every point the polygon covers has its cell in one of them. The lists are charged to mem
 * (NULL: no limit) as they grow: GP_NOMEM with mem->over set past the limit. Returns owned
 * *inside and *boundary (free with GP_FREE). */
gp_rc gp_region_cover(const gp_region_layer *l, size_t i, const gp_grid *g, int level,
                      gp_mem *mem, gp_cell_range **inside, size_t *ninside,
                      gp_cell_range **boundary, size_t *nboundary, gp_err *err);

/* A cell index over regions sel[0..nsel) of a layer (all regions when sel is NULL): sorted
 * disjoint ranges of level-0 codes, each mapped to the one region that contains it whole or to
 * the ordered list of candidate regions whose boundary crosses it. Immutable: share it between
 * threads. The coverings and the index are charged to mem (NULL: no limit), the index's lists
 * before they are filled, so a layer whose index would outgrow the limit fails at once with
 * GP_NOMEM and mem->over set. Returns owned *out (free with gp_region_index_free). */
gp_rc gp_region_index_new(const gp_region_layer *l, const gp_grid *g, const uint32_t *sel,
                          size_t nsel, gp_mem *mem, gp_region_index **out, gp_err *err);
void gp_region_index_free(gp_region_index *ix);
/* The ranges a scan must read (sorted, disjoint, adjacent ones merged). Borrowed. */
const gp_cell_range *gp_region_index_ranges(const gp_region_index *ix, size_t *n);

/* Per-thread geometry state for one layer: a GEOS context and prepared polygons. Returns owned
 * (free with gp_region_tls_free, on the thread that used it or after it finished). */
gp_rc gp_region_tls_new(const gp_region_layer *l, gp_region_tls **out, gp_err *err);
void gp_region_tls_free(gp_region_tls *t);
/* True when region i covers the point (exact GEOS test): lon/lat against the lon/lat polygon
 * when the layer keeps one, else the projected x/y against the projected polygon. */
bool gp_region_covers(gp_region_tls *t, size_t i, double x, double y, double lon, double lat);

/* What the index says of level-0 cell `cell` alone: >= 0, the region every point of the cell
 * is assigned to (no test needed); -1, no region; -2, the point must be tested
 * (gp_region_locate). */
long gp_region_index_cell(const gp_region_index *ix, uint64_t cell);
/* The same, trying first the index segment *hint (0 at first) that the previous call found
 * and leaving this call's there: rows of a chunk come in Morton order, so consecutive cells
 * mostly share a segment and the binary search is skipped. */
long gp_region_index_cell_hint(const gp_region_index *ix, uint64_t cell, size_t *hint);
/* Whether gp_region_locate needs the projected x/y for some region of l (regions read in a
 * CRS other than WGS84 are tested projected); when false, lon/lat alone suffice and x/y may be
 * NaN, which spares the projection of every tested point. */
bool gp_region_layer_projected(const gp_region_layer *l);

/* The region (ordinal) the point lon/lat, projected x/y, with level-0 cell `cell` is assigned
 * to, or -1: the cell's sole containing region without a geometric test, else the lowest
 * candidate that covers the point (gp_region_covers). NaN coordinates where the test needs
 * them give -1. */
long gp_region_locate(const gp_region_index *ix, gp_region_tls *t, uint64_t cell, double x,
                      double y, double lon, double lat);

/* ---- distances ---- */

/* Great-circle distance in metres on the sphere of radius 6371008.771415 m (haversine). */
double gp_region_sphere_m(double lon1, double lat1, double lon2, double lat2);

#endif
