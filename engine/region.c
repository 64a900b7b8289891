/* region.c - region layers: reading (GeoJSON with jansson, CSV with WKT), projection (PROJ),
 * validity (GEOS), persistence, quadtree cell coverings and the cell index that assigns points
 * to regions. The only file that includes geos_c.h.
 *
 * Threads: a layer is plain bytes and numbers, so it is shared freely. Every GEOS object lives
 * in the context that made it and is used by one thread only: readers and covering builders
 * make a context for the duration of the call; scan threads own a gp_region_tls. */
#include "gp_region.h"

#include <errno.h>
#include <geos_c.h>
#include <jansson.h>
#include <math.h>
#include <proj.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <threads.h>

#include "gp_text.h"

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

/* ---- GEOS contexts with their last error captured ---- */

typedef struct gctx {
  GEOSContextHandle_t h;
  char msg[256];            /* last GEOS error message */
} gctx;

static void geos_msg(const char *m, void *ud) {
  gctx *g = ud;
  snprintf(g->msg, sizeof g->msg, "%s", m);
}

static gp_rc gctx_init(gctx *g, gp_err *err) {
  g->msg[0] = 0;
  g->h = GEOS_init_r();
  if (!g->h) return gp_err_set(err, GP_NOMEM, "out of memory (GEOS context)");
  GEOSContext_setErrorMessageHandler_r(g->h, geos_msg, g);
  return GP_OK;
}

static void gctx_done(gctx *g) {
  if (g->h) GEOS_finish_r(g->h);
  g->h = NULL;
}

/* ---- layers ---- */

static void reg_free(reg *r) {
  GP_FREE(r->id);
  GP_FREE(r->parent);
  GP_FREE(r->props);
  GP_FREE(r->wkb);
  GP_FREE(r->wkb_ll);
}

void gp_region_layer_free(gp_region_layer *l) {
  if (!l) return;
  for (size_t i = 0; i < l->n; i++) reg_free(&l->r[i]);
  GP_FREE(l->r);
  GP_FREE(l->by_id);
  GP_FREE(l->name);
  GP_FREE(l);
}

static gp_region_layer *layer_new(const char *name, int epsg) {
  gp_region_layer *l = GP_CALLOC(1, sizeof *l);
  if (!l) return NULL;
  l->name = GP_STRDUP(name);
  if (!l->name) {
    GP_FREE(l);
    return NULL;
  }
  l->epsg = epsg;
  return l;
}

static reg *layer_push(gp_region_layer *l) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    reg *v = GP_REALLOC(l->r, cap * sizeof *v);
    if (!v) return NULL;
    l->r = v;
    l->cap = cap;
  }
  reg *r = &l->r[l->n++];
  memset(r, 0, sizeof *r);
  return r;
}

/* An id with its ordinal, so that qsort (which has no context argument in C11) can sort them. */
typedef struct idref {
  const char *id;
  uint32_t ord;
} idref;

static int cmp_idref(const void *a, const void *b) {
  const idref *x = a, *y = b;
  int c = strcmp(x->id, y->id);
  return c ? c : (x->ord > y->ord) - (x->ord < y->ord);
}

/* Builds by_id and rejects duplicate ids (they would make region('layer', 'id') ambiguous). */
static gp_rc layer_finish(gp_region_layer *l, gp_err *err) {
  idref *v = GP_MALLOC((l->n ? l->n : 1) * sizeof *v);
  l->by_id = GP_MALLOC((l->n ? l->n : 1) * sizeof *l->by_id);
  if (!v || !l->by_id) {
    GP_FREE(v);
    return gp_err_set(err, GP_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < l->n; i++) v[i] = (idref){l->r[i].id, (uint32_t)i};
  qsort(v, l->n, sizeof *v, cmp_idref);
  for (size_t i = 0; i < l->n; i++) {
    if (i && strcmp(v[i].id, v[i - 1].id) == 0) {
      gp_err_set(err, GP_INVALID, "regions %s: features %u and %u have the same id '%s'",
                 l->name, v[i - 1].ord + 1, v[i].ord + 1, v[i].id);
      GP_FREE(v);
      return GP_INVALID;
    }
    l->by_id[i] = v[i].ord;
  }
  GP_FREE(v);
  return GP_OK;
}

const char *gp_region_layer_name(const gp_region_layer *l) { return l->name; }
int gp_region_layer_epsg(const gp_region_layer *l) { return l->epsg; }
size_t gp_region_count(const gp_region_layer *l) { return l->n; }
const char *gp_region_id(const gp_region_layer *l, size_t i) { return l->r[i].id; }
const char *gp_region_parent(const gp_region_layer *l, size_t i) { return l->r[i].parent; }
const char *gp_region_props(const gp_region_layer *l, size_t i) { return l->r[i].props; }
double gp_region_area(const gp_region_layer *l, size_t i) { return l->r[i].area; }

const uint8_t *gp_region_wkb(const gp_region_layer *l, size_t i, size_t *n) {
  *n = l->r[i].nwkb;
  return l->r[i].wkb;
}

const uint8_t *gp_region_wkb_ll(const gp_region_layer *l, size_t i, size_t *n) {
  *n = l->r[i].wkb_ll ? l->r[i].nwkb_ll : 0;
  return l->r[i].wkb_ll;
}

double gp_region_margin(const gp_region_layer *l, size_t i) { return l->r[i].margin; }

void gp_region_bbox(const gp_region_layer *l, size_t i, double *x0, double *y0, double *x1,
                    double *y1) {
  *x0 = l->r[i].x0;
  *y0 = l->r[i].y0;
  *x1 = l->r[i].x1;
  *y1 = l->r[i].y1;
}

long gp_region_find(const gp_region_layer *l, const char *id, size_t n) {
  size_t lo = 0, hi = l->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    const char *s = l->r[l->by_id[mid]].id;
    size_t sn = strlen(s);
    int c = memcmp(s, id, sn < n ? sn : n);
    if (c == 0) c = (sn > n) - (sn < n);
    if (c == 0) return l->by_id[mid];
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}

/* ---- GeoJSON of a region ---- */

/* A bounds-checked reader of the little-endian 2D WKB this module writes. */
typedef struct wkbr {
  const uint8_t *p, *end;
} wkbr;

static bool wkb_u32(wkbr *r, uint32_t *v) {
  if (r->end - r->p < 4) return false;
  *v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 |
       (uint32_t)r->p[3] << 24;
  r->p += 4;
  return true;
}

/* Reads a geometry header (byte order 1 = little-endian, then the type). */
static bool wkb_head(wkbr *r, uint32_t *type) {
  if (r->p == r->end || *r->p != 1) return false;
  r->p++;
  return wkb_u32(r, type);
}

/* Appends a coordinate with at most 9 decimals and no trailing zeros ("118.3", "-0.5"). */
static gp_rc put_coord(gp_buf *out, double v) {
  char b[48];
  int n = snprintf(b, sizeof b, "%.9f", v);
  if (n <= 0 || n >= (int)sizeof b) return GP_INVALID;
  while (b[n - 1] == '0') n--;
  if (b[n - 1] == '.') n--;
  if (n == 2 && b[0] == '-' && b[1] == '0') { /* -0.0000000001 rounds to "-0" */
    b[0] = '0';
    n = 1;
  }
  return gp_buf_put(out, b, (size_t)n);
}

/* Appends one ring [[lon,lat],...]: its n points are read from r into x/y (room for n), then
 * inverse-projected when g is set, and written in the orientation `ccw` asks for. */
static gp_rc ring_json(wkbr *r, const gp_grid *g, bool ccw, double *x, double *y, uint32_t n,
                       gp_buf *out, gp_err *err) {
  for (uint32_t k = 0; k < n; k++) {
    uint64_t bx = 0, by = 0;
    for (int j = 0; j < 8; j++) bx |= (uint64_t)r->p[j] << (8 * j);
    for (int j = 0; j < 8; j++) by |= (uint64_t)r->p[8 + j] << (8 * j);
    memcpy(&x[k], &bx, 8);
    memcpy(&y[k], &by, 8);
    r->p += 16;
  }
  gp_rc rc;
  if (g && (rc = gp_grid_unproject(g, x, y, n, x, y, err))) return rc;
  for (uint32_t k = 0; k < n; k++)
    if (!isfinite(x[k]) || !isfinite(y[k]))
      return gp_err_set(err, GP_PROJ, "a vertex has no lon/lat (%g, %g)", x[k], y[k]);
  double a2 = 0; /* twice the signed area (shoelace): > 0 when counterclockwise */
  for (uint32_t k = 0; k + 1 < n; k++) a2 += x[k] * y[k + 1] - x[k + 1] * y[k];
  bool rev = (a2 > 0) != ccw && a2 != 0;
  if (gp_buf_put_u8(out, '[')) return gp_err_set(err, GP_NOMEM, "out of memory for GeoJSON");
  for (uint32_t k = 0; k < n; k++) {
    uint32_t j = rev ? n - 1 - k : k;
    if ((k && gp_buf_put_u8(out, ',')) || gp_buf_put(out, "[", 1) || put_coord(out, x[j]) ||
        gp_buf_put_u8(out, ',') || put_coord(out, y[j]) || gp_buf_put_u8(out, ']'))
      return gp_err_set(err, GP_NOMEM, "out of memory for GeoJSON");
  }
  return gp_buf_put_u8(out, ']') ? gp_err_set(err, GP_NOMEM, "out of memory for GeoJSON") : GP_OK;
}

/* Appends one polygon's rings [[...],[...]] read from r (header included). */
static gp_rc polygon_json(wkbr *r, const gp_grid *g, gp_buf *out, const char *rid, gp_err *err) {
  uint32_t type, nr;
  if (!wkb_head(r, &type) || type != 3 || !wkb_u32(r, &nr))
    return gp_err_set(err, GP_CORRUPT, "region \"%s\": malformed WKB polygon", rid);
  if (gp_buf_put_u8(out, '[')) return gp_err_set(err, GP_NOMEM, "out of memory for GeoJSON");
  for (uint32_t k = 0; k < nr; k++) {
    uint32_t n;
    if (!wkb_u32(r, &n) || (size_t)(r->end - r->p) / 16 < n)
      return gp_err_set(err, GP_CORRUPT, "region \"%s\": malformed WKB ring", rid);
    double *x = GP_MALLOC(2 * (size_t)n * sizeof *x + 1);
    if (!x) return gp_err_set(err, GP_NOMEM, "out of memory for a ring of %u points", n);
    gp_rc rc = GP_OK;
    if (k && gp_buf_put_u8(out, ',')) rc = gp_err_set(err, GP_NOMEM, "out of memory for GeoJSON");
    if (!rc) rc = ring_json(r, g, k == 0, x, x + n, n, out, err);
    GP_FREE(x);
    if (rc) return rc;
  }
  return gp_buf_put_u8(out, ']') ? gp_err_set(err, GP_NOMEM, "out of memory for GeoJSON") : GP_OK;
}

gp_rc gp_region_geojson(const gp_region_layer *l, size_t i, const gp_grid *g, gp_buf *out,
                        gp_err *err) {
  if (i >= l->n) return gp_err_set(err, GP_INVALID, "region %zu out of range", i);
  const reg *rg = &l->r[i];
  wkbr r = {rg->wkb_ll, rg->wkb_ll + rg->nwkb_ll};
  if (rg->wkb_ll) {
    g = NULL; /* the polygon as read: nothing to invert */
  } else {
    if (!g || gp_grid_epsg(g) != l->epsg)
      return gp_err_set(err, GP_INVALID, "layer %s: its GeoJSON needs the grid of EPSG:%d",
                        l->name, l->epsg);
    r.p = rg->wkb;
    r.end = rg->wkb + rg->nwkb;
  }
  wkbr peek = r;
  uint32_t type, np;
  if (!wkb_head(&peek, &type) || (type != 3 && type != 6))
    return gp_err_set(err, GP_CORRUPT, "region \"%s\": WKB is not a polygon", rg->id);
  static const char poly[] = "{\"type\":\"Polygon\",\"coordinates\":";
  static const char multi[] = "{\"type\":\"MultiPolygon\",\"coordinates\":[";
  gp_rc rc;
  if (type == 3) {
    if (gp_buf_put(out, poly, sizeof poly - 1))
      return gp_err_set(err, GP_NOMEM, "out of memory for GeoJSON");
    if ((rc = polygon_json(&r, g, out, rg->id, err))) return rc;
  } else {
    r = peek;
    if (!wkb_u32(&r, &np))
      return gp_err_set(err, GP_CORRUPT, "region \"%s\": malformed WKB", rg->id);
    if (gp_buf_put(out, multi, sizeof multi - 1))
      return gp_err_set(err, GP_NOMEM, "out of memory for GeoJSON");
    for (uint32_t k = 0; k < np; k++) {
      if (k && gp_buf_put_u8(out, ',')) return gp_err_set(err, GP_NOMEM, "out of memory for GeoJSON");
      if ((rc = polygon_json(&r, g, out, rg->id, err))) return rc;
    }
    if (gp_buf_put_u8(out, ']')) return gp_err_set(err, GP_NOMEM, "out of memory for GeoJSON");
  }
  return gp_buf_put_u8(out, '}') ? gp_err_set(err, GP_NOMEM, "out of memory for GeoJSON") : GP_OK;
}

/* ---- reading ---- */

/* Everything one read needs: GEOS context, PROJ transformation, and where errors point. */
typedef struct rdr {
  gctx g;
  PJ_CONTEXT *pc;
  PJ *pj;                   /* source CRS -> layer CRS, lon/lat order for geographic CRSs */
  const gp_region_opts *o;
  const char *src;          /* file name for messages */
  GEOSWKBWriter *wkbw;
  gp_region_layer *l;
  bool ll;                  /* input is WGS84 and projected: keep the lon/lat polygons too */
} rdr;

/* ---- hostile input, bounded before GEOS or jansson sees it ----
 *
 * GEOS 3.11's WKT reader recurses once per nested GEOMETRYCOLLECTION( and overflows the stack
 * near 50,000 levels; a polygon needs 2 levels and a MultiPolygon 3, so anything deeper than
 * WKT_MAX_DEPTH is refused with a clear error. jansson stops at its own JSON_PARSER_MAX_DEPTH
 * (2048), and the GeoJSON walk below never recurses. Memory: GEOS keeps 3 doubles (24 bytes)
 * per coordinate, at least 4 bytes of text ("1 2,"), so 8 bytes per byte of WKT bound what
 * reading it takes; jansson's tree is charged allocation by allocation (json_alloc). */
#define WKT_MAX_DEPTH 32
#define WKT_BYTES_PER_CHAR 8

static gp_rc wkt_guard(rdr *R, const char *wkt, size_t n, const char **why) {
  int depth = 0;
  for (size_t i = 0; i < n; i++) {
    if (wkt[i] == '(' && ++depth > WKT_MAX_DEPTH) {
      *why = "nested deeper than 32 levels";
      return GP_PARSE;
    }
    if (wkt[i] == ')') depth--;
  }
  if (n > SIZE_MAX / WKT_BYTES_PER_CHAR || !gp_mem_charge(R->o->mem, n * WKT_BYTES_PER_CHAR)) {
    *why = "out of memory";
    return GP_NOMEM;
  }
  return GP_OK;
}

/* jansson allocates through these once any GeoJSON has been read (json_set_alloc_funcs is
 * process-wide, so it is set once, always to the same pair): its tree is then counted like
 * every other allocation, fails with the fault hook, and is charged to the account of the
 * read in progress on this thread, if any. */
static _Thread_local gp_mem *tl_json_mem;

static void *json_alloc(size_t n) {
  if (!gp_mem_charge(tl_json_mem, n)) return NULL;
  return GP_MALLOC(n);
}

static void json_release(void *p) { GP_FREE(p); }

static void json_alloc_init(void) { json_set_alloc_funcs(json_alloc, json_release); }

static int xform_cb(double *x, double *y, void *ud) {
  PJ *pj = ud;
  PJ_COORD c = proj_coord(*x, *y, 0, 0);
  c = proj_trans(pj, PJ_FWD, c);
  if (!isfinite(c.xy.x) || !isfinite(c.xy.y)) return 0;
  *x = c.xy.x;
  *y = c.xy.y;
  return 1;
}

/* ---- how far straight lon/lat edges are from straight projected edges ----
 *
 * The image of a lon/lat edge in a transverse Mercator CRS is a slightly curved line; the
 * projected polygon has the chord. Their distance grows with the square of the edge length:
 * about 0.2 m for a 4 km edge at 118E in UTM zone 50, about 12 m for a 28 km one. Each edge is
 * sampled at t = k/8 (the deviation of such a gently curved image is close to a parabola, so
 * the samples include its maximum near t = 1/2 up to a few percent), and the margin is twice
 * the largest sampled deviation plus 1 cm for rounding in PROJ and GEOS.
 * Example: CityBench's district (17 edges of 2-5 km): largest sampled deviation 0.23 m,
 * margin 0.47 m; one of its 1 km grid squares: margin 0.027 m. */

#define LL_SAMPLES 8

/* Distance from p to segment a-b. */
static double seg_dist(double px, double py, double ax, double ay, double bx, double by) {
  double dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy;
  double t = l2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / l2 : 0;
  if (t < 0) t = 0;
  if (t > 1) t = 1;
  return hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/* Largest deviation over the edges of one ring (lon/lat) projected with pj; false when a
 * point cannot be projected. */
static bool ring_dev(GEOSContextHandle_t h, const GEOSGeometry *ring, PJ *pj, double *dev) {
  const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, ring);
  unsigned n = 0;
  if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n)) return false;
  double ax = 0, ay = 0, px = 0, py = 0;
  for (unsigned k = 0; k < n; k++) {
    double bx, by;
    if (!GEOSCoordSeq_getXY_r(h, cs, k, &bx, &by)) return false;
    double qx = bx, qy = by;
    if (!xform_cb(&qx, &qy, pj)) return false;
    for (int j = 1; k > 0 && j < LL_SAMPLES; j++) {
      double t = (double)j / LL_SAMPLES, sx = ax + t * (bx - ax), sy = ay + t * (by - ay);
      if (!xform_cb(&sx, &sy, pj)) return false;
      double d = seg_dist(sx, sy, px, py, qx, qy);
      if (d > *dev) *dev = d;
    }
    ax = bx;
    ay = by;
    px = qx;
    py = qy;
  }
  return true;
}

/* The margin (metres) of polygon or multipolygon g in lon/lat, or -1 on a projection error. */
static double ll_margin(GEOSContextHandle_t h, const GEOSGeometry *g, PJ *pj) {
  double dev = 0;
  int np = GEOSGetNumGeometries_r(h, g);
  for (int i = 0; i < np; i++) {
    const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);
    const GEOSGeometry *ext = p ? GEOSGetExteriorRing_r(h, p) : NULL;
    if (!ext || !ring_dev(h, ext, pj, &dev)) return -1;
    int nh = GEOSGetNumInteriorRings_r(h, p);
    for (int k = 0; k < nh; k++) {
      const GEOSGeometry *hole = GEOSGetInteriorRingN_r(h, p, k);
      if (!hole || !ring_dev(h, hole, pj, &dev)) return -1;
    }
  }
  return 2 * dev + 0.01;
}

/* Owned copy of the WKB of g in *out (NULL on failure). */
static uint8_t *wkb_copy(GEOSContextHandle_t h, GEOSWKBWriter *w, const GEOSGeometry *g,
                         size_t *n) {
  unsigned char *wkb = GEOSWKBWriter_write_r(h, w, g, n);
  uint8_t *out = wkb ? GP_MALLOC(*n) : NULL;
  if (out) memcpy(out, wkb, *n);
  if (wkb) GEOSFree_r(h, wkb);
  return out;
}

/* Checks, repairs when asked, projects and stores geometry g (consumed) as feature `fno`. */
static gp_rc add_geom(rdr *R, GEOSGeometry *g, size_t fno, char *id, char *parent, char *props,
                      gp_err *err) {
  GEOSContextHandle_t h = R->g.h;
  gp_rc rc = GP_OK;
  GEOSGeometry *p = NULL;
  unsigned char *wkb = NULL;
  uint8_t *wll = NULL;      /* the lon/lat polygon's WKB (R->ll) */
  size_t nll = 0;
  double margin = 0, lx0 = 0, ly0 = 0, lx1 = 0, ly1 = 0;
  int ty = GEOSGeomTypeId_r(h, g);
  if (ty != GEOS_POLYGON && ty != GEOS_MULTIPOLYGON) {
    rc = gp_err_set(err, GP_PARSE, "%s: feature %zu (id '%s'): geometry is not a Polygon or "
                    "MultiPolygon", R->src, fno, id);
    goto cleanup;
  }
  if (GEOSisEmpty_r(h, g) == 1) {
    rc = gp_err_set(err, GP_PARSE, "%s: feature %zu (id '%s'): empty geometry", R->src, fno, id);
    goto cleanup;
  }
  /* Coordinates outside what the CRS can mean are refused before any GEOS operation: they
   * are input errors, and GEOS leaks memory when its overlay code gives up on values near
   * DBL_MAX (found by the fuzzer with 1e308 in a make_valid repair). */
  double gx0, gy0, gx1, gy1;
  if (GEOSGeom_getXMin_r(h, g, &gx0) != 1 || GEOSGeom_getYMin_r(h, g, &gy0) != 1 ||
      GEOSGeom_getXMax_r(h, g, &gx1) != 1 || GEOSGeom_getYMax_r(h, g, &gy1) != 1) {
    rc = gp_err_set(err, GP_GEOM, "%s: feature %zu (id '%s'): cannot read its extent", R->src,
                    fno, id);
    goto cleanup;
  }
  bool wgs84 = R->o->src_epsg == 0 || R->o->src_epsg == 4326;
  double xlim = wgs84 ? 180 : 1e8, ylim = wgs84 ? 90 : 1e8;
  if (!(gx0 >= -xlim && gx1 <= xlim && gy0 >= -ylim && gy1 <= ylim)) {
    rc = gp_err_set(err, GP_GEOM, "%s: feature %zu (id '%s'): coordinates out of range for %s "
                    "(x %g..%g, y %g..%g)", R->src, fno, id,
                    wgs84 ? "lon/lat" : "a projected CRS", gx0, gx1, gy0, gy1);
    goto cleanup;
  }
  if (GEOSisValid_r(h, g) != 1) {
    if (!R->o->make_valid) {
      char *why = GEOSisValidReason_r(h, g);
      rc = gp_err_set(err, GP_GEOM, "%s: feature %zu (id '%s'): invalid polygon: %s (repair "
                      "with option make_valid true)", R->src, fno, id, why ? why : "unknown");
      if (why) GEOSFree_r(h, why);
      goto cleanup;
    }
    GEOSMakeValidParams *mp = GEOSMakeValidParams_create_r(h);
    if (!mp) {
      rc = gp_err_set(err, GP_NOMEM, "out of memory");
      goto cleanup;
    }
    /* STRUCTURE keeps a polygon polygonal (collapsed parts are dropped), so the repaired
     * result is still something a point can be inside of. */
    GEOSMakeValidParams_setMethod_r(h, mp, GEOS_MAKE_VALID_STRUCTURE);
    GEOSMakeValidParams_setKeepCollapsed_r(h, mp, 0);
    GEOSGeometry *v = GEOSMakeValidWithParams_r(h, g, mp);
    GEOSMakeValidParams_destroy_r(h, mp);
    if (!v || GEOSisEmpty_r(h, v) == 1 ||
        (GEOSGeomTypeId_r(h, v) != GEOS_POLYGON && GEOSGeomTypeId_r(h, v) != GEOS_MULTIPOLYGON)) {
      if (v) GEOSGeom_destroy_r(h, v);
      rc = gp_err_set(err, GP_GEOM, "%s: feature %zu (id '%s'): cannot be repaired into a "
                      "polygon%s%s", R->src, fno, id, R->g.msg[0] ? ": " : "", R->g.msg);
      goto cleanup;
    }
    GEOSGeom_destroy_r(h, g);
    g = v;
  }
  if (R->ll) {
    if ((margin = ll_margin(h, g, R->pj)) < 0) {
      rc = gp_err_set(err, GP_PROJ, "%s: feature %zu (id '%s'): coordinates cannot be projected "
                      "to EPSG:%d", R->src, fno, id, R->l->epsg);
      goto cleanup;
    }
    if (!(wll = wkb_copy(h, R->wkbw, g, &nll))) {
      rc = gp_err_set(err, GP_NOMEM, "out of memory");
      goto cleanup;
    }
    GEOSGeom_getXMin_r(h, g, &lx0);
    GEOSGeom_getYMin_r(h, g, &ly0);
    GEOSGeom_getXMax_r(h, g, &lx1);
    GEOSGeom_getYMax_r(h, g, &ly1);
  }
  if (R->pj) {
    p = GEOSGeom_transformXY_r(h, g, xform_cb, R->pj);
    if (!p) {
      rc = gp_err_set(err, GP_PROJ, "%s: feature %zu (id '%s'): coordinates cannot be projected "
                      "to EPSG:%d", R->src, fno, id, R->l->epsg);
      goto cleanup;
    }
    GEOSGeom_destroy_r(h, g);
    g = p;
    p = NULL;
  }
  /* the layer keeps both WKBs, its strings and one reg per region */
  int ncoord = GEOSGetNumCoordinates_r(h, g);
  size_t keep = (size_t)(ncoord > 0 ? ncoord : 0) * 16 + 64 + nll + sizeof(reg) + strlen(id) +
                strlen(parent) + strlen(props) + 3;
  if (!gp_mem_charge(R->o->mem, keep)) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto cleanup;
  }
  reg *r = layer_push(R->l);
  if (!r) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto cleanup;
  }
  r->id = id;
  r->parent = parent;
  r->props = props;
  id = parent = props = NULL;
  r->wkb_ll = wll;
  r->nwkb_ll = nll;
  wll = NULL;
  r->lx0 = lx0;
  r->ly0 = ly0;
  r->lx1 = lx1;
  r->ly1 = ly1;
  r->margin = margin;
  size_t n = 0;
  wkb = GEOSWKBWriter_write_r(h, R->wkbw, g, &n);
  r->wkb = wkb ? GP_MALLOC(n) : NULL;
  if (!r->wkb) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto cleanup;
  }
  memcpy(r->wkb, wkb, n);
  r->nwkb = n;
  GEOSGeom_getXMin_r(h, g, &r->x0);
  GEOSGeom_getYMin_r(h, g, &r->y0);
  GEOSGeom_getXMax_r(h, g, &r->x1);
  GEOSGeom_getYMax_r(h, g, &r->y1);
  GEOSArea_r(h, g, &r->area);
cleanup:
  GP_FREE(wll);
  if (wkb) GEOSFree_r(h, wkb);
  if (g) GEOSGeom_destroy_r(h, g);
  GP_FREE(id);
  GP_FREE(parent);
  GP_FREE(props);
  return rc;
}

/* A JSON scalar as text (strings as themselves, numbers as written); owned, NULL otherwise. */
static char *json_text(json_t *v) {
  char tmp[64];
  if (json_is_string(v)) return GP_STRNDUP(json_string_value(v), json_string_length(v));
  if (json_is_integer(v)) {
    snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
    return GP_STRDUP(tmp);
  }
  if (json_is_real(v)) {
    snprintf(tmp, sizeof tmp, "%.17g", json_real_value(v));
    return GP_STRDUP(tmp);
  }
  if (json_is_true(v)) return GP_STRDUP("true");
  if (json_is_false(v)) return GP_STRDUP("false");
  return NULL;
}

/* Property `key` of obj; unquoted SQL names arrive folded to lower case, so a property that
 * only differs in case is accepted when no exact match exists. */
static json_t *prop_get(json_t *obj, const char *key) {
  json_t *v = json_object_get(obj, key);
  if (v || !json_is_object(obj)) return v;
  const char *k;
  json_object_foreach(obj, k, v) if (strcasecmp(k, key) == 0) return v;
  return NULL;
}

/* GeoJSON ring: an array of at least 4 positions [x, y, ...], first equal to last. */
static GEOSGeometry *json_ring(rdr *R, json_t *a, const char **why) {
  size_t n = json_array_size(a);
  if (!json_is_array(a)) return *why = "a ring is not an array of positions", NULL;
  if (n < 4) return *why = "a ring has fewer than 4 positions", NULL;
  double *xy = GP_MALLOC(2 * n * sizeof *xy);
  if (!xy) return *why = "out of memory", NULL;
  for (size_t i = 0; i < n; i++) {
    json_t *p = json_array_get(a, i);
    if (!json_is_array(p) || json_array_size(p) < 2 || !json_is_number(json_array_get(p, 0)) ||
        !json_is_number(json_array_get(p, 1))) {
      GP_FREE(xy);
      return *why = "a position is not an array of two numbers", NULL;
    }
    xy[2 * i] = json_number_value(json_array_get(p, 0));
    xy[2 * i + 1] = json_number_value(json_array_get(p, 1));
  }
  if (xy[0] != xy[2 * n - 2] || xy[1] != xy[2 * n - 1]) {
    GP_FREE(xy);
    return *why = "a ring is not closed (first and last positions differ)", NULL;
  }
  GEOSCoordSequence *cs = GEOSCoordSeq_copyFromBuffer_r(R->g.h, xy, (unsigned)n, 0, 0);
  GP_FREE(xy);
  GEOSGeometry *r = cs ? GEOSGeom_createLinearRing_r(R->g.h, cs) : NULL;
  if (!r) *why = R->g.msg[0] ? R->g.msg : "bad ring";
  return r;
}

static GEOSGeometry *json_polygon(rdr *R, json_t *rings, const char **why) {
  size_t n = json_array_size(rings);
  if (!json_is_array(rings) || n == 0) return *why = "a polygon has no rings", NULL;
  GEOSGeometry **v = GP_CALLOC(n, sizeof *v);
  if (!v) return *why = "out of memory", NULL;
  GEOSGeometry *poly = NULL;
  size_t k = 0;
  for (; k < n; k++)
    if (!(v[k] = json_ring(R, json_array_get(rings, k), why))) goto cleanup;
  poly = GEOSGeom_createPolygon_r(R->g.h, v[0], v + 1, (unsigned)(n - 1));
  if (poly) k = 0; /* the polygon owns the rings now */
  else *why = "cannot build polygon";
cleanup:
  for (size_t i = 0; i < k; i++) GEOSGeom_destroy_r(R->g.h, v[i]);
  GP_FREE(v);
  return poly;
}

static GEOSGeometry *json_geom(rdr *R, json_t *geo, const char **why) {
  const char *ty = json_string_value(json_object_get(geo, "type"));
  json_t *co = json_object_get(geo, "coordinates");
  if (!json_is_object(geo) || !ty) return *why = "no geometry", NULL;
  if (strcmp(ty, "Polygon") == 0) return json_polygon(R, co, why);
  if (strcmp(ty, "MultiPolygon") != 0)
    return *why = "geometry is not a Polygon or MultiPolygon", NULL;
  size_t n = json_array_size(co);
  if (!json_is_array(co) || n == 0) return *why = "a MultiPolygon has no polygons", NULL;
  GEOSGeometry **v = GP_CALLOC(n, sizeof *v);
  if (!v) return *why = "out of memory", NULL;
  GEOSGeometry *m = NULL;
  size_t k = 0;
  for (; k < n; k++)
    if (!(v[k] = json_polygon(R, json_array_get(co, k), why))) goto cleanup;
  m = GEOSGeom_createCollection_r(R->g.h, GEOS_MULTIPOLYGON, v, (unsigned)n);
  if (m) k = 0;
  else *why = "cannot build MultiPolygon";
cleanup:
  for (size_t i = 0; i < k; i++) GEOSGeom_destroy_r(R->g.h, v[i]);
  GP_FREE(v);
  return m;
}

static gp_rc read_geojson(rdr *R, const char *text, size_t len, gp_err *err) {
  json_error_t je;
  gp_rc rc = GP_OK;
  static once_flag json_once = ONCE_FLAG_INIT;
  call_once(&json_once, json_alloc_init);
  tl_json_mem = R->o->mem;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  tl_json_mem = NULL;
  if (!root && R->o->mem && atomic_load(&R->o->mem->over))
    return gp_err_set(err, GP_NOMEM, "%s: out of memory", R->src);
  if (!root)
    return gp_err_set(err, GP_PARSE, "%s:%d:%d: %s", R->src, je.line, je.column, je.text);
  const char *ty = json_string_value(json_object_get(root, "type"));
  json_t *feats = NULL, *one = NULL;
  if (ty && strcmp(ty, "FeatureCollection") == 0) {
    feats = json_object_get(root, "features");
    if (!json_is_array(feats)) {
      rc = gp_err_set(err, GP_PARSE, "%s: FeatureCollection without a features array", R->src);
      goto cleanup;
    }
  } else if (ty && (strcmp(ty, "Feature") == 0 || strcmp(ty, "Polygon") == 0 ||
                    strcmp(ty, "MultiPolygon") == 0)) {
    one = root;
  } else {
    rc = gp_err_set(err, GP_PARSE, "%s: not a GeoJSON FeatureCollection, Feature or polygon",
                    R->src);
    goto cleanup;
  }
  size_t nf = feats ? json_array_size(feats) : 1;
  for (size_t f = 0; f < nf; f++) {
    json_t *ft = feats ? json_array_get(feats, f) : one;
    bool bare = ty && strcmp(json_string_value(json_object_get(ft, "type")) ?
                             json_string_value(json_object_get(ft, "type")) : "", "Feature") != 0;
    json_t *geo = bare ? ft : json_object_get(ft, "geometry");
    json_t *props = bare ? NULL : json_object_get(ft, "properties");
    char *id = NULL, *parent = NULL, *ptext = NULL;
    if (R->o->id_col) {
      id = json_text(prop_get(props, R->o->id_col));
      if (!id) {
        rc = gp_err_set(err, GP_PARSE, "%s: feature %zu: no property \"%s\" for the id", R->src,
                        f + 1, R->o->id_col);
        goto cleanup;
      }
    } else if (!bare && json_object_get(ft, "id")) {
      id = json_text(json_object_get(ft, "id"));
    }
    if (!id) {
      char tmp[32];
      snprintf(tmp, sizeof tmp, "%zu", f + 1);
      id = GP_STRDUP(tmp);
    }
    if (R->o->parent_col) parent = json_text(prop_get(props, R->o->parent_col));
    if (!parent) parent = GP_STRDUP("");
    char *d = json_is_object(props) ? json_dumps(props, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    ptext = GP_STRDUP(d ? d : "{}");
    GP_FREE(d); /* jansson allocates through json_alloc */
    if (!id || !parent || !ptext) {
      GP_FREE(id);
      GP_FREE(parent);
      GP_FREE(ptext);
      rc = gp_err_set(err, GP_NOMEM, "out of memory");
      goto cleanup;
    }
    const char *why = NULL;
    R->g.msg[0] = 0;
    GEOSGeometry *g = json_geom(R, geo, &why);
    if (!g) {
      rc = gp_err_set(err, GP_PARSE, "%s: feature %zu (id '%s'): %s", R->src, f + 1, id, why);
      GP_FREE(id);
      GP_FREE(parent);
      GP_FREE(ptext);
      goto cleanup;
    }
    if ((rc = add_geom(R, g, f + 1, id, parent, ptext, err)) != GP_OK) goto cleanup;
  }
cleanup:
  json_decref(root);
  return rc;
}

static int find_col(const gp_field *h, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (strlen(name) == h[i].len && strncasecmp(h[i].p, name, h[i].len) == 0) return i;
  return -1;
}

/* Appends s[0..n) to b as a JSON string. */
static gp_rc put_json_str(gp_buf *b, const char *s, size_t n) {
  gp_rc rc = gp_buf_put_u8(b, '"');
  for (size_t i = 0; i < n && rc == GP_OK; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      char e[2] = {'\\', (char)c};
      rc = gp_buf_put(b, e, 2);
    } else if (c < 0x20) {
      char e[8];
      snprintf(e, sizeof e, "\\u%04x", c);
      rc = gp_buf_put(b, e, 6);
    } else {
      rc = gp_buf_put_u8(b, c);
    }
  }
  return rc == GP_OK ? gp_buf_put_u8(b, '"') : rc;
}

#define CSV_MAX_FIELDS 256

static gp_rc read_csv(rdr *R, const char *text, size_t len, gp_err *err) {
  gp_rc rc = GP_OK;
  gp_field hdr[CSV_MAX_FIELDS], fl[CSV_MAX_FIELDS];
  gp_buf hscratch = {0}, scratch = {0}, props = {0};
  char *wkt = NULL;
  GEOSWKTReader *wr = GEOSWKTReader_create_r(R->g.h);
  const char *p = text, *end = text + len, *why = NULL;
  size_t col = 0;
  if (!wr) return gp_err_set(err, GP_NOMEM, "out of memory");
  const char *e = gp_csv_record_end(p, end, ',');
  int nh = e ? gp_csv_split(p, e, ',', hdr, CSV_MAX_FIELDS, &hscratch, &why, &col) : -1;
  if (nh <= 0 || nh > CSV_MAX_FIELDS) {
    rc = gp_err_set(err, GP_PARSE, "%s:1: cannot read the header line%s%s", R->src,
                    why ? ": " : "", why ? why : "");
    goto cleanup;
  }
  int gcol = -1, icol = -1, pcol = -1;
  if (R->o->geom_col) gcol = find_col(hdr, nh, R->o->geom_col);
  else if ((gcol = find_col(hdr, nh, "wkt")) < 0 && (gcol = find_col(hdr, nh, "geometry")) < 0)
    gcol = find_col(hdr, nh, "geom");
  if (gcol < 0) {
    rc = gp_err_set(err, GP_PARSE, "%s:1: no WKT column (\"%s\")", R->src,
                    R->o->geom_col ? R->o->geom_col : "wkt");
    goto cleanup;
  }
  icol = find_col(hdr, nh, R->o->id_col ? R->o->id_col : "id");
  if (R->o->id_col && icol < 0) {
    rc = gp_err_set(err, GP_PARSE, "%s:1: no id column \"%s\"", R->src, R->o->id_col);
    goto cleanup;
  }
  if (R->o->parent_col && (pcol = find_col(hdr, nh, R->o->parent_col)) < 0) {
    rc = gp_err_set(err, GP_PARSE, "%s:1: no parent column \"%s\"", R->src, R->o->parent_col);
    goto cleanup;
  }
  p = e;
  size_t line = 1, fno = 0;
  while (p < end) {
    line++;
    e = gp_csv_record_end(p, end, ',');
    if (!e) {
      rc = gp_err_set(err, GP_PARSE, "%s:%zu: unterminated quoted field", R->src, line);
      goto cleanup;
    }
    const char *rec = p;
    p = e;
    if (e - rec <= 2 && (rec[0] == '\n' || rec[0] == '\r')) continue; /* blank line */
    scratch.len = 0;
    int nf = gp_csv_split(rec, e, ',', fl, CSV_MAX_FIELDS, &scratch, &why, &col);
    if (nf < 0) {
      rc = gp_err_set(err, GP_PARSE, "%s:%zu:%zu: %s", R->src, line, col, why);
      goto cleanup;
    }
    if (nf != nh) {
      rc = gp_err_set(err, GP_PARSE, "%s:%zu: %d fields, the header has %d", R->src, line, nf,
                      nh);
      goto cleanup;
    }
    fno++;
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%zu", fno);
    char *id = icol >= 0 ? GP_STRNDUP(fl[icol].p, fl[icol].len) : GP_STRDUP(tmp);
    char *parent = pcol >= 0 ? GP_STRNDUP(fl[pcol].p, fl[pcol].len) : GP_STRDUP("");
    props.len = 0;
    gp_rc prc = gp_buf_put_u8(&props, '{');
    bool first = true;
    for (int k = 0; k < nf && prc == GP_OK; k++) {
      if (k == gcol || k == icol) continue;
      if (!first) prc = gp_buf_put_u8(&props, ',');
      first = false;
      if (prc == GP_OK) prc = put_json_str(&props, hdr[k].p, hdr[k].len);
      if (prc == GP_OK) prc = gp_buf_put_u8(&props, ':');
      if (prc == GP_OK) prc = put_json_str(&props, fl[k].p, fl[k].len);
    }
    if (prc == GP_OK) prc = gp_buf_put(&props, "}", 2);
    char *ptext = prc == GP_OK ? GP_STRDUP((const char *)props.p) : NULL;
    GP_FREE(wkt);
    wkt = GP_STRNDUP(fl[gcol].p, fl[gcol].len);
    if (!id || !parent || !ptext || !wkt) {
      GP_FREE(id);
      GP_FREE(parent);
      GP_FREE(ptext);
      rc = gp_err_set(err, GP_NOMEM, "out of memory");
      goto cleanup;
    }
    R->g.msg[0] = 0;
    const char *gwhy = NULL;
    gp_rc grc = wkt_guard(R, wkt, fl[gcol].len, &gwhy);
    GEOSGeometry *g = grc == GP_OK ? GEOSWKTReader_read_r(R->g.h, wr, wkt) : NULL;
    if (!g) {
      rc = gp_err_set(err, grc ? grc : GP_PARSE, "%s:%zu: feature %zu (id '%s'): bad WKT: %s",
                      R->src, line, fno, id, gwhy ? gwhy : R->g.msg[0] ? R->g.msg : "unreadable");
      GP_FREE(id);
      GP_FREE(parent);
      GP_FREE(ptext);
      goto cleanup;
    }
    if ((rc = add_geom(R, g, fno, id, parent, ptext, err)) != GP_OK) goto cleanup;
  }
cleanup:
  GP_FREE(wkt);
  GEOSWKTReader_destroy_r(R->g.h, wr);
  gp_buf_free(&hscratch);
  gp_buf_free(&scratch);
  gp_buf_free(&props);
  return rc;
}

static gp_rc read_wkt_one(rdr *R, const char *text, size_t len, gp_err *err) {
  GEOSWKTReader *wr = GEOSWKTReader_create_r(R->g.h);
  char *wkt = GP_STRNDUP(text, len), *id = GP_STRDUP("1"), *parent = GP_STRDUP(""),
       *props = GP_STRDUP("{}");
  gp_rc rc = GP_OK;
  if (!wr || !wkt || !id || !parent || !props) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto cleanup;
  }
  R->g.msg[0] = 0;
  const char *why = NULL;
  if ((rc = wkt_guard(R, wkt, len, &why)) != GP_OK) {
    rc = gp_err_set(err, rc, "bad WKT: %s", why);
    goto cleanup;
  }
  GEOSGeometry *g = GEOSWKTReader_read_r(R->g.h, wr, wkt);
  if (!g) {
    rc = gp_err_set(err, GP_PARSE, "bad WKT: %s", R->g.msg[0] ? R->g.msg : "unreadable");
    goto cleanup;
  }
  rc = add_geom(R, g, 1, id, parent, props, err);
  id = parent = props = NULL;
cleanup:
  if (wr) GEOSWKTReader_destroy_r(R->g.h, wr);
  GP_FREE(wkt);
  GP_FREE(id);
  GP_FREE(parent);
  GP_FREE(props);
  return rc;
}

static bool ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcasecmp(s + a - b, suf) == 0;
}

gp_rc gp_region_layer_read(const char *name, const char *path, const char *src, size_t n,
                           const gp_region_opts *o, int dst_epsg, gp_region_layer **out,
                           gp_err *err) {
  gp_region_opts dflt = {0};
  rdr R = {0};
  char *text = NULL;
  gp_rc rc;
  *out = NULL;
  if (!o) o = &dflt;
  R.o = o;
  R.src = path ? path : "<text>";
  if (path) {
    if ((rc = gp_file_read(path, o->mem, &text, &n, err)) != GP_OK) return rc;
    src = text;
  }
  gp_region_fmt fmt = o->fmt;
  if (fmt == GP_REGION_AUTO) {
    size_t k = 0;
    while (k < n && (src[k] == ' ' || src[k] == '\t' || src[k] == '\n' || src[k] == '\r')) k++;
    bool json = path ? ends_with(path, ".geojson") || ends_with(path, ".json")
                     : (k < n && src[k] == '{');
    fmt = json ? GP_REGION_GEOJSON : GP_REGION_WKT;
  }
  int se = o->src_epsg ? o->src_epsg : 4326;
  if ((rc = gctx_init(&R.g, err)) != GP_OK) goto cleanup;
  if (!(R.l = layer_new(name, dst_epsg)) || !(R.wkbw = GEOSWKBWriter_create_r(R.g.h))) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto cleanup;
  }
  GEOSWKBWriter_setByteOrder_r(R.g.h, R.wkbw, GEOS_WKB_NDR);
  GEOSWKBWriter_setOutputDimension_r(R.g.h, R.wkbw, 2);
  if (se != dst_epsg) {
    char a[32], b[32];
    snprintf(a, sizeof a, "EPSG:%d", se);
    snprintf(b, sizeof b, "EPSG:%d", dst_epsg);
    R.pc = proj_context_create();
    PJ *raw = R.pc ? proj_create_crs_to_crs(R.pc, a, b, NULL) : NULL;
    /* Normalised so that geographic input is lon/lat, as GeoJSON and WKT write it. */
    R.pj = raw ? proj_normalize_for_visualization(R.pc, raw) : NULL;
    if (raw) proj_destroy(raw);
    if (!R.pj) {
      rc = gp_err_set(err, GP_PROJ, "regions %s: no transformation from %s to %s", name, a, b);
      goto cleanup;
    }
    /* Only WGS84 input is tested in its own CRS. Another input CRS (e.g. EPSG:2249 feet) also
     * has straight edges in its own coordinates, but it is tested in the database CRS: an
     * approximation of the same order (see ll_margin), kept because no peer semantics ask
     * for more and it needs no second point transformation per row. */
    R.ll = se == 4326;
  }
  if (fmt == GP_REGION_WKT_ONE) rc = read_wkt_one(&R, src, n, err);
  else if (fmt == GP_REGION_GEOJSON) rc = read_geojson(&R, src, n, err);
  else rc = read_csv(&R, src, n, err);
  if (rc == GP_OK && R.l->n == 0) rc = gp_err_set(err, GP_PARSE, "%s: no regions", R.src);
  if (rc == GP_OK) rc = layer_finish(R.l, err);
  if (rc == GP_OK) {
    *out = R.l;
    R.l = NULL;
  }
cleanup:
  gp_region_layer_free(R.l);
  if (R.wkbw) GEOSWKBWriter_destroy_r(R.g.h, R.wkbw);
  if (R.pj) proj_destroy(R.pj);
  if (R.pc) proj_context_destroy(R.pc);
  gctx_done(&R.g);
  GP_FREE(text);
  return rc;
}

/* ---- persistence ---- */

static gp_rc put_lenstr(gp_buf *b, const void *s, size_t n) {
  gp_rc rc = gp_buf_put_u32le(b, (uint32_t)n);
  return rc == GP_OK ? gp_buf_put(b, s, n) : rc;
}

/* Version 1 when no region keeps a lon/lat polygon (so such layers read back in older
 * builds), else version 2, which appends the lon/lat WKB and the margin to every region. */
static bool layer_has_ll(const gp_region_layer *l) {
  for (size_t i = 0; i < l->n; i++)
    if (l->r[i].wkb_ll) return true;
  return false;
}

gp_rc gp_region_layer_encode(const gp_region_layer *l, gp_buf *val, gp_err *err) {
  bool v2 = layer_has_ll(l);
  gp_rc rc = gp_buf_put_u32le(val, v2 ? 2 : 1);
  if (rc == GP_OK) rc = gp_buf_put_u32le(val, (uint32_t)l->epsg);
  if (rc == GP_OK) rc = gp_buf_put_u32le(val, (uint32_t)l->n);
  for (size_t i = 0; i < l->n && rc == GP_OK; i++) {
    const reg *r = &l->r[i];
    rc = put_lenstr(val, r->id, strlen(r->id));
    if (rc == GP_OK) rc = put_lenstr(val, r->parent, strlen(r->parent));
    if (rc == GP_OK) rc = put_lenstr(val, r->props, strlen(r->props));
    if (rc == GP_OK) rc = put_lenstr(val, r->wkb, r->nwkb);
    if (v2 && rc == GP_OK) rc = put_lenstr(val, r->wkb_ll, r->wkb_ll ? r->nwkb_ll : 0);
    if (v2 && rc == GP_OK) {
      uint64_t bits;
      memcpy(&bits, &r->margin, sizeof bits);
      rc = gp_buf_put_u64le(val, bits);
    }
  }
  return rc == GP_OK ? GP_OK : gp_err_set(err, rc, "out of memory");
}

static gp_rc get_lenstr(gp_rd *rd, char **out, gp_err *err) {
  uint32_t n;
  const uint8_t *s;
  gp_rc rc = gp_rd_u32le(rd, &n, err);
  if (rc == GP_OK) rc = gp_rd_slice(rd, n, &s, err);
  if (rc != GP_OK) return rc;
  if (memchr(s, 0, n)) return gp_err_set(err, GP_CORRUPT, "region layer: NUL inside a string");
  if (!(*out = GP_STRNDUP((const char *)s, n))) return gp_err_set(err, GP_NOMEM, "out of memory");
  return GP_OK;
}

/* Version 2's lon/lat WKB (may be empty: none) and margin of region r (ordinal i). */
static gp_rc read_ll(gctx *g, GEOSWKBReader *wr, gp_rd *rd, reg *r, const char *name, uint32_t i,
                     gp_err *err) {
  uint32_t nw;
  uint64_t bits;
  const uint8_t *w;
  gp_rc rc;
  if ((rc = gp_rd_u32le(rd, &nw, err)) || (rc = gp_rd_slice(rd, nw, &w, err)) ||
      (rc = gp_rd_u64le(rd, &bits, err)))
    return rc;
  memcpy(&r->margin, &bits, sizeof bits);
  if (nw == 0) {
    r->margin = 0;
    return GP_OK;
  }
  if (!isfinite(r->margin) || r->margin < 0)
    return gp_err_set(err, GP_CORRUPT, "region layer %s: region %u: bad margin", name, i + 1);
  GEOSGeometry *geo = GEOSWKBReader_read_r(g->h, wr, w, nw);
  if (!geo)
    return gp_err_set(err, GP_CORRUPT, "region layer %s: region %u: bad lon/lat WKB", name, i + 1);
  GEOSGeom_getXMin_r(g->h, geo, &r->lx0);
  GEOSGeom_getYMin_r(g->h, geo, &r->ly0);
  GEOSGeom_getXMax_r(g->h, geo, &r->lx1);
  GEOSGeom_getYMax_r(g->h, geo, &r->ly1);
  GEOSGeom_destroy_r(g->h, geo);
  if (!(r->wkb_ll = GP_MALLOC(nw))) return gp_err_set(err, GP_NOMEM, "out of memory");
  memcpy(r->wkb_ll, w, nw);
  r->nwkb_ll = nw;
  return GP_OK;
}

gp_rc gp_region_layer_decode(const char *name, const uint8_t *p, size_t n, gp_region_layer **out,
                             gp_err *err) {
  gp_rd rd = {p, p + n};
  uint32_t ver, epsg, cnt;
  gp_rc rc;
  gctx g = {0};
  GEOSWKBReader *wr = NULL;
  *out = NULL;
  if ((rc = gp_rd_u32le(&rd, &ver, err)) != GP_OK || (rc = gp_rd_u32le(&rd, &epsg, err)) ||
      (rc = gp_rd_u32le(&rd, &cnt, err)))
    return rc;
  if (ver != 1 && ver != 2)
    return gp_err_set(err, GP_CORRUPT, "region layer %s: version %u", name, ver);
  gp_region_layer *l = layer_new(name, (int)epsg);
  if (!l) return gp_err_set(err, GP_NOMEM, "out of memory");
  if ((rc = gctx_init(&g, err)) != GP_OK) goto cleanup;
  if (!(wr = GEOSWKBReader_create_r(g.h))) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto cleanup;
  }
  for (uint32_t i = 0; i < cnt; i++) {
    reg *r = layer_push(l);
    if (!r) {
      rc = gp_err_set(err, GP_NOMEM, "out of memory");
      goto cleanup;
    }
    uint32_t nw;
    const uint8_t *w;
    if ((rc = get_lenstr(&rd, &r->id, err)) || (rc = get_lenstr(&rd, &r->parent, err)) ||
        (rc = get_lenstr(&rd, &r->props, err)) || (rc = gp_rd_u32le(&rd, &nw, err)) ||
        (rc = gp_rd_slice(&rd, nw, &w, err)))
      goto cleanup;
    GEOSGeometry *geo = GEOSWKBReader_read_r(g.h, wr, w, nw);
    if (!geo) {
      rc = gp_err_set(err, GP_CORRUPT, "region layer %s: region %u: bad WKB", name, i + 1);
      goto cleanup;
    }
    GEOSGeom_getXMin_r(g.h, geo, &r->x0);
    GEOSGeom_getYMin_r(g.h, geo, &r->y0);
    GEOSGeom_getXMax_r(g.h, geo, &r->x1);
    GEOSGeom_getYMax_r(g.h, geo, &r->y1);
    GEOSArea_r(g.h, geo, &r->area);
    GEOSGeom_destroy_r(g.h, geo);
    if (!(r->wkb = GP_MALLOC(nw ? nw : 1))) {
      rc = gp_err_set(err, GP_NOMEM, "out of memory");
      goto cleanup;
    }
    memcpy(r->wkb, w, nw);
    r->nwkb = nw;
    if (ver == 2 && (rc = read_ll(&g, wr, &rd, r, name, i, err)) != GP_OK) goto cleanup;
  }
  if ((rc = layer_finish(l, err)) != GP_OK) goto cleanup;
  *out = l;
  l = NULL;
cleanup:
  if (wr) GEOSWKBReader_destroy_r(g.h, wr);
  gctx_done(&g);
  gp_region_layer_free(l);
  return rc;
}

/* ---- catalog ---- */

struct gp_region_cat {
  size_t n, cap;
  gp_region_layer **v;
};

#define REG_PREFIX "reg/"

static gp_rc cat_push(gp_region_cat *c, gp_region_layer *l) {
  if (c->n == c->cap) {
    size_t cap = c->cap ? 2 * c->cap : 8;
    gp_region_layer **v = GP_REALLOC(c->v, cap * sizeof *v);
    if (!v) return GP_NOMEM;
    c->v = v;
    c->cap = cap;
  }
  c->v[c->n++] = l;
  return GP_OK;
}

typedef struct cat_load {
  gp_region_cat *c;
  gp_err *err;
  gp_rc rc;
} cat_load;

static int cat_load_fn(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl) {
  cat_load *cl = ctx;
  char name[256];
  size_t pl = strlen(REG_PREFIX);
  if (kl - pl >= sizeof name) {
    cl->rc = gp_err_set(cl->err, GP_CORRUPT, "region layer key too long");
    return 1;
  }
  memcpy(name, k + pl, kl - pl);
  name[kl - pl] = 0;
  gp_region_layer *l;
  if ((cl->rc = gp_region_layer_decode(name, v, vl, &l, cl->err)) != GP_OK) return 1;
  if (cat_push(cl->c, l) != GP_OK) {
    gp_region_layer_free(l);
    cl->rc = gp_err_set(cl->err, GP_NOMEM, "out of memory");
    return 1;
  }
  return 0;
}

gp_rc gp_region_cat_open(gp_store *s, gp_region_cat **out, gp_err *err) {
  gp_region_cat *c = GP_CALLOC(1, sizeof *c);
  *out = NULL;
  if (!c) return gp_err_set(err, GP_NOMEM, "out of memory");
  cat_load cl = {c, err, GP_OK};
  gp_rc rc = gp_store_meta_scan(s, REG_PREFIX, strlen(REG_PREFIX), cat_load_fn, &cl, err);
  if (rc == GP_OK) rc = cl.rc;
  if (rc != GP_OK) {
    gp_region_cat_free(c);
    return rc;
  }
  *out = c;
  return GP_OK;
}

void gp_region_cat_free(gp_region_cat *c) {
  if (!c) return;
  for (size_t i = 0; i < c->n; i++) gp_region_layer_free(c->v[i]);
  GP_FREE(c->v);
  GP_FREE(c);
}

size_t gp_region_cat_count(const gp_region_cat *c) { return c->n; }
const gp_region_layer *gp_region_cat_at(const gp_region_cat *c, size_t i) { return c->v[i]; }

const gp_region_layer *gp_region_cat_find(const gp_region_cat *c, const char *name) {
  for (size_t i = 0; i < c->n; i++)
    if (strcmp(c->v[i]->name, name) == 0) return c->v[i];
  return NULL;
}

static gp_rc meta_key(gp_buf *k, const char *name) {
  gp_rc rc = gp_buf_put(k, REG_PREFIX, strlen(REG_PREFIX));
  return rc == GP_OK ? gp_buf_put(k, name, strlen(name)) : rc;
}

gp_rc gp_region_cat_add(gp_region_cat *c, gp_store *s, gp_region_layer *layer, gp_err *err) {
  gp_buf k = {0}, v = {0};
  gp_store_txn *t = NULL;
  gp_rc rc;
  if (gp_region_cat_find(c, layer->name)) {
    rc = gp_err_set(err, GP_EXISTS, "regions %s already exist", layer->name);
    goto cleanup;
  }
  if ((rc = meta_key(&k, layer->name)) != GP_OK || (rc = cat_push(c, layer)) != GP_OK) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto cleanup;
  }
  c->n--; /* reserved the slot; added for real once durable */
  if ((rc = gp_region_layer_encode(layer, &v, err)) != GP_OK) goto cleanup;
  if (!(t = gp_store_txn_begin(s))) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto cleanup;
  }
  if ((rc = gp_store_txn_meta_put(t, k.p, k.len, v.p, v.len, err)) != GP_OK ||
      (rc = gp_store_txn_commit(t, err)) != GP_OK)
    goto cleanup;
  c->v[c->n++] = layer;
  layer = NULL;
cleanup:
  gp_store_txn_free(t);
  gp_region_layer_free(layer);
  gp_buf_free(&k);
  gp_buf_free(&v);
  return rc;
}

gp_rc gp_region_cat_drop(gp_region_cat *c, gp_store *s, const char *name, gp_err *err) {
  size_t i = 0;
  while (i < c->n && strcmp(c->v[i]->name, name) != 0) i++;
  if (i == c->n) return gp_err_set(err, GP_NOTFOUND, "no regions named %s", name);
  gp_buf k = {0};
  gp_store_txn *t = NULL;
  gp_rc rc = meta_key(&k, name);
  if (rc != GP_OK || !(t = gp_store_txn_begin(s))) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto cleanup;
  }
  if ((rc = gp_store_txn_meta_delete(t, k.p, k.len, err)) != GP_OK ||
      (rc = gp_store_txn_commit(t, err)) != GP_OK)
    goto cleanup;
  gp_region_layer_free(c->v[i]);
  memmove(c->v + i, c->v + i + 1, (c->n - i - 1) * sizeof *c->v);
  c->n--;
cleanup:
  gp_store_txn_free(t);
  gp_buf_free(&k);
  return rc;
}

/* ---- covering ---- */

int gp_region_auto_level(const gp_region_layer *l, size_t i, const gp_grid *g) {
  const reg *r = &l->r[i];
  double side = fmax(r->x1 - r->x0, r->y1 - r->y0) / 64.0;
  double cm = gp_grid_cell_m(g);
  int lv = 0;
  while (lv < 24 && cm * (double)(2u << lv) <= side) lv++;
  return lv;
}

/* A growable list of code ranges; adjacent appends merge. */
typedef struct rlist {
  gp_cell_range *v;
  size_t n, cap;
  gp_mem *mem;              /* charged as the list grows (NULL: no limit) */
} rlist;

static gp_rc rl_add(rlist *l, uint64_t lo, uint64_t hi) {
  if (l->n && l->v[l->n - 1].hi == lo) {
    l->v[l->n - 1].hi = hi;
    return GP_OK;
  }
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 64;
    if (!gp_mem_charge(l->mem, (cap - l->cap) * sizeof *l->v)) return GP_NOMEM;
    gp_cell_range *v = GP_REALLOC(l->v, cap * sizeof *v);
    if (!v) return GP_NOMEM;
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = (gp_cell_range){lo, hi};
  return GP_OK;
}

typedef struct cover_ctx {
  GEOSContextHandle_t h;
  const GEOSPreparedGeometry *pg;    /* the projected polygon grown by reg.margin */
  const GEOSPreparedGeometry *pin;   /* ... shrunk by reg.margin (pg itself when 0) */
  const gp_grid *g;
  int level;                /* finest level */
  rlist in, bd;
} cover_ctx;

/* Classifies the level-lv cell `code` and descends into boundary cells until `level`. Children
 * are visited in code order, so both lists come out sorted. The descent recurses at most
 * (start level - level) <= 31 deep. With a margin m (lon/lat regions, whose tested polygon's
 * image is within m of the projected one) a cell is inside only when the polygon shrunk by m
 * contains it, and every cell the polygon grown by m intersects is at least boundary: the
 * covering then holds for the lon/lat polygon too. */
static gp_rc cover_cell(cover_ctx *c, uint64_t code, int lv) {
  double x0, y0, x1, y1;
  gp_grid_cell_bounds(c->g, code, lv, &x0, &y0, &x1, &y1);
  GEOSGeometry *rect = GEOSGeom_createRectangle_r(c->h, x0, y0, x1, y1);
  if (!rect) return GP_NOMEM;
  char hit = GEOSPreparedIntersects_r(c->h, c->pg, rect);
  char all = hit == 1 ? GEOSPreparedContains_r(c->h, c->pin, rect) : 0;
  GEOSGeom_destroy_r(c->h, rect);
  if (hit == 2 || all == 2) return GP_GEOM;
  if (hit != 1) return GP_OK;
  uint64_t lo = code << (2 * lv), hi = (code + 1) << (2 * lv);
  if (all == 1) return rl_add(&c->in, lo, hi);
  if (lv <= c->level) return rl_add(&c->bd, lo, hi);
  for (uint64_t k = 0; k < 4; k++) {
    gp_rc rc = cover_cell(c, code * 4 + k, lv - 1);
    if (rc != GP_OK) return rc;
  }
  return GP_OK;
}

/* With margin m > 0, *grown and *shrunk (owned) are geo buffered by +-m', else both NULL.
 * Round joins of 2 segments per quadrant are chords of arcs, so a buffer of d reaches only
 * d cos(pi / 8) = 0.924 d at corners: m' = m / 0.92 makes the grown one hold every point within
 * m of geo and the shrunk one only points farther than m from its boundary. Few segments keep
 * buffering cheap (it dominates building an index). False on a GEOS failure. */
static bool grow(GEOSContextHandle_t h, const GEOSGeometry *geo, double m, GEOSGeometry **grown,
                 GEOSGeometry **shrunk) {
  *grown = *shrunk = NULL;
  if (m <= 0) return true;
  double d = m / 0.92;
  *grown = GEOSBufferWithStyle_r(h, geo, d, 2, GEOSBUF_CAP_ROUND, GEOSBUF_JOIN_ROUND, 5.0);
  *shrunk = GEOSBufferWithStyle_r(h, geo, -d, 2, GEOSBUF_CAP_ROUND, GEOSBUF_JOIN_ROUND, 5.0);
  return *grown && *shrunk;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

gp_rc gp_region_cover(const gp_region_layer *l, size_t i, const gp_grid *g, int level,
                      gp_mem *mem, gp_cell_range **inside, size_t *ninside,
                      gp_cell_range **boundary, size_t *nboundary, gp_err *err) {
  const reg *r = &l->r[i];
  gctx gc = {0};
  GEOSWKBReader *wr = NULL;
  GEOSGeometry *geo = NULL, *grown = NULL, *shrunk = NULL;
  cover_ctx c = {0};
  gp_rc rc;
  *inside = *boundary = NULL;
  *ninside = *nboundary = 0;
  if (level < 0) level = gp_region_auto_level(l, i, g);
  if (level > 30) level = 30;
  if ((rc = gctx_init(&gc, err)) != GP_OK) return rc;
  if (!(wr = GEOSWKBReader_create_r(gc.h)) ||
      !(geo = GEOSWKBReader_read_r(gc.h, wr, r->wkb, r->nwkb)) ||
      !grow(gc.h, geo, r->margin, &grown, &shrunk) ||
      !(c.pg = GEOSPrepare_r(gc.h, grown ? grown : geo)) ||
      !(c.pin = shrunk ? GEOSPrepare_r(gc.h, shrunk) : c.pg)) {
    rc = gp_err_set(err, GP_GEOM, "regions %s: region %s: %s", l->name, r->id,
                    gc.msg[0] ? gc.msg : "cannot read geometry");
    goto cleanup;
  }
  c.h = gc.h;
  c.g = g;
  c.level = level;
  c.in.mem = c.bd.mem = mem;
  /* Start at the coarsest level where the bounding box (grown by the margin) spans at most
   * 2 x 2 cells. */
  uint32_t ax, ay, bx, by;
  double m = r->margin;
  gp_morton_decode(gp_grid_cell_of(g, r->x0 - m, r->y0 - m), &ax, &ay);
  gp_morton_decode(gp_grid_cell_of(g, r->x1 + m, r->y1 + m), &bx, &by);
  int lv = level;
  while (lv < 31 && ((bx >> lv) - (ax >> lv) > 1 || (by >> lv) - (ay >> lv) > 1)) lv++;
  uint64_t start[4];
  int ns = 0;
  for (uint32_t y = ay >> lv; y <= by >> lv; y++)
    for (uint32_t x = ax >> lv; x <= bx >> lv; x++) start[ns++] = gp_morton_encode(x, y);
  qsort(start, (size_t)ns, sizeof *start, cmp_u64);
  for (int k = 0; k < ns; k++) {
    if ((rc = cover_cell(&c, start[k], lv)) != GP_OK) {
      rc = rc == GP_NOMEM ? gp_err_set(err, rc, "out of memory")
                          : gp_err_set(err, rc, "regions %s: region %s: %s", l->name, r->id,
                                       gc.msg[0] ? gc.msg : "geometry error");
      goto cleanup;
    }
  }
  *inside = c.in.v;
  *ninside = c.in.n;
  *boundary = c.bd.v;
  *nboundary = c.bd.n;
  c.in.v = c.bd.v = NULL;
cleanup:
  GP_FREE(c.in.v);
  GP_FREE(c.bd.v);
  if (c.pin && c.pin != c.pg) GEOSPreparedGeom_destroy_r(gc.h, c.pin);
  if (c.pg) GEOSPreparedGeom_destroy_r(gc.h, c.pg);
  if (grown) GEOSGeom_destroy_r(gc.h, grown);
  if (shrunk) GEOSGeom_destroy_r(gc.h, shrunk);
  if (geo) GEOSGeom_destroy_r(gc.h, geo);
  if (wr) GEOSWKBReader_destroy_r(gc.h, wr);
  gctx_done(&gc);
  return rc;
}

/* ---- the cell index ----
 *
 * Every selected region contributes its covering as (range, region, inside?) pieces. The
 * endpoints of all pieces cut the code line into elementary intervals; each interval gets the
 * pieces that span it, ordered by region ordinal and cut after the first inside piece (that
 * region covers every point of the interval, and lower ordinals win). An interval left with
 * one inside region maps straight to it; otherwise its list is the candidates to test in order.
 * Adjacent intervals with the same answer merge.
 *
 * Example: A (ordinal 0) inside on [0, 16), B (1) boundary on [12, 20): endpoints 0 12 16 20
 * give [0,12) -> A, [12,16) -> A (A is inside and first: B is cut), [16,20) -> test B; merged:
 * [0,16) -> A, [16,20) -> candidates {B}. */

typedef struct piece {
  uint64_t lo, hi;
  uint32_t reg;
  bool inside;
} piece;

struct gp_region_index {
  size_t nseg;
  uint64_t *lo, *hi;        /* segment code ranges, sorted, disjoint */
  int32_t *direct;          /* region of an inside segment, or -1: test cand[off[s]..off[s+1]) */
  uint32_t *off;            /* nseg + 1 */
  uint32_t *cand;           /* candidate ordinals, ascending per segment */
  gp_cell_range *ranges;    /* the segments merged where adjacent */
  size_t nranges;
};

void gp_region_index_free(gp_region_index *ix) {
  if (!ix) return;
  GP_FREE(ix->lo);
  GP_FREE(ix->hi);
  GP_FREE(ix->direct);
  GP_FREE(ix->off);
  GP_FREE(ix->cand);
  GP_FREE(ix->ranges);
  GP_FREE(ix);
}

const gp_cell_range *gp_region_index_ranges(const gp_region_index *ix, size_t *n) {
  *n = ix->nranges;
  return ix->ranges;
}

static int cmp_piece_reg(const void *a, const void *b) {
  const piece *x = *(const piece *const *)a, *y = *(const piece *const *)b;
  return (x->reg > y->reg) - (x->reg < y->reg);
}

typedef struct pvec {
  piece *v;
  size_t n, cap;
  gp_mem *mem;              /* charged as it grows (NULL: no limit) */
} pvec;

static gp_rc pv_add(pvec *p, uint64_t lo, uint64_t hi, uint32_t reg, bool inside) {
  if (p->n == p->cap) {
    size_t cap = p->cap ? 2 * p->cap : 256;
    if (!gp_mem_charge(p->mem, (cap - p->cap) * sizeof *p->v)) return GP_NOMEM;
    piece *v = GP_REALLOC(p->v, cap * sizeof *v);
    if (!v) return GP_NOMEM;
    p->v = v;
    p->cap = cap;
  }
  p->v[p->n++] = (piece){lo, hi, reg, inside};
  return GP_OK;
}

static size_t lower_bound(const uint64_t *v, size_t n, uint64_t x) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t m = (lo + hi) / 2;
    if (v[m] < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

gp_rc gp_region_index_new(const gp_region_layer *l, const gp_grid *g, const uint32_t *sel,
                          size_t nsel, gp_mem *mem, gp_region_index **out, gp_err *err) {
  pvec pv = {.mem = mem};
  uint64_t *ep = NULL;
  uint32_t *cnt = NULL, *fill = NULL;
  const piece **lists = NULL;
  gp_region_index *ix = NULL;
  gp_rc rc = GP_OK;
  size_t nep = 0, nel = 0;
  *out = NULL;
  if (!sel) nsel = l->n;
  for (size_t k = 0; k < nsel; k++) {
    uint32_t ri = sel ? sel[k] : (uint32_t)k;
    gp_cell_range *in, *bd;
    size_t nin, nbd;
    if ((rc = gp_region_cover(l, ri, g, -1, mem, &in, &nin, &bd, &nbd, err)) != GP_OK)
      goto cleanup;
    for (size_t j = 0; j < nin && rc == GP_OK; j++) rc = pv_add(&pv, in[j].lo, in[j].hi, ri, true);
    for (size_t j = 0; j < nbd && rc == GP_OK; j++)
      rc = pv_add(&pv, bd[j].lo, bd[j].hi, ri, false);
    GP_FREE(in);
    GP_FREE(bd);
    if (rc != GP_OK) goto nomem;
  }
  if (!gp_mem_charge(mem, (2 * pv.n + 1) * sizeof *ep) ||
      !(ep = GP_MALLOC((2 * pv.n + 1) * sizeof *ep)))
    goto nomem;
  for (size_t k = 0; k < pv.n; k++) {
    ep[nep++] = pv.v[k].lo;
    ep[nep++] = pv.v[k].hi;
  }
  qsort(ep, nep, sizeof *ep, cmp_u64);
  {
    size_t u = 0;
    for (size_t k = 0; k < nep; k++)
      if (u == 0 || ep[k] != ep[u - 1]) ep[u++] = ep[k];
    nep = u;
  }
  nel = nep ? nep - 1 : 0; /* elementary interval e = [ep[e], ep[e+1]) */
  if (!gp_mem_charge(mem, 2 * (nel + 1) * sizeof *cnt) ||
      !(cnt = GP_CALLOC(nel + 1, sizeof *cnt)) || !(fill = GP_CALLOC(nel + 1, sizeof *fill)))
    goto nomem;
  /* A piece spans the intervals from its lo's endpoint up to its hi's. Counted by differences
   * (+1 at lo, -1 at hi, in wrapping uint32 arithmetic), the lists' total is known, and
   * charged, before they are filled: overlapping regions make it grow as their count times
   * the intervals (2,000 nested squares: ~10^9 entries), which must fail at once, not after
   * minutes of counting. */
  for (size_t k = 0; k < pv.n; k++) {
    cnt[lower_bound(ep, nep, pv.v[k].lo)]++;
    cnt[lower_bound(ep, nep, pv.v[k].hi)]--;
  }
  size_t tot = 0;
  uint32_t span = 0;
  for (size_t e = 0; e < nel; e++) {
    span += cnt[e];
    cnt[e] = (uint32_t)tot;
    tot += span;
    if (tot > UINT32_MAX) goto nomem; /* offsets are 32-bit (and far past any limit) */
  }
  cnt[nel] = (uint32_t)tot;
  if (!gp_mem_charge(mem, (tot + 1) * (sizeof *lists + sizeof *ix->cand) +
                              (nel + 2) * (2 * sizeof *ix->lo + sizeof *ix->direct +
                                           sizeof *ix->off + sizeof *ix->ranges)) ||
      !(lists = GP_MALLOC((tot + 1) * sizeof *lists)))
    goto nomem;
  for (size_t k = 0; k < pv.n; k++)
    for (size_t e = lower_bound(ep, nep, pv.v[k].lo); e < nel && ep[e] < pv.v[k].hi; e++)
      lists[cnt[e] + fill[e]++] = &pv.v[k];
  if (!(ix = GP_CALLOC(1, sizeof *ix)) || !(ix->lo = GP_MALLOC((nel + 1) * sizeof *ix->lo)) ||
      !(ix->hi = GP_MALLOC((nel + 1) * sizeof *ix->hi)) ||
      !(ix->direct = GP_MALLOC((nel + 1) * sizeof *ix->direct)) ||
      !(ix->off = GP_MALLOC((nel + 2) * sizeof *ix->off)) ||
      !(ix->cand = GP_MALLOC((tot + 1) * sizeof *ix->cand)) ||
      !(ix->ranges = GP_MALLOC((nel + 1) * sizeof *ix->ranges)))
    goto nomem;
  size_t ns = 0, nc = 0;
  ix->off[0] = 0;
  for (size_t e = 0; e < nel; e++) {
    const piece **L = lists + cnt[e];
    size_t n = cnt[e + 1] - cnt[e];
    if (n == 0) continue;
    qsort(L, n, sizeof *L, cmp_piece_reg);
    size_t m = 0;
    while (m < n && !L[m]->inside) m++;
    int32_t direct = -1;
    size_t c0 = nc;
    if (m == 0) {
      direct = (int32_t)L[0]->reg;
    } else {
      size_t upto = m < n ? m + 1 : n;
      for (size_t k = 0; k < upto; k++)
        if (nc == c0 || ix->cand[nc - 1] != L[k]->reg) ix->cand[nc++] = L[k]->reg;
    }
    /* Merge with the previous segment when adjacent and answering the same way. */
    if (ns && ix->hi[ns - 1] == ep[e] && ix->direct[ns - 1] == direct &&
        (direct >= 0 || (nc - c0 == ix->off[ns] - ix->off[ns - 1] &&
                         memcmp(ix->cand + c0, ix->cand + ix->off[ns - 1],
                                (nc - c0) * sizeof *ix->cand) == 0))) {
      ix->hi[ns - 1] = ep[e + 1];
      nc = c0;
      continue;
    }
    ix->lo[ns] = ep[e];
    ix->hi[ns] = ep[e + 1];
    ix->direct[ns] = direct;
    ix->off[ns + 1] = (uint32_t)nc;
    ns++;
  }
  ix->nseg = ns;
  for (size_t s = 0; s < ns; s++) {
    if (ix->nranges && ix->ranges[ix->nranges - 1].hi == ix->lo[s])
      ix->ranges[ix->nranges - 1].hi = ix->hi[s];
    else
      ix->ranges[ix->nranges++] = (gp_cell_range){ix->lo[s], ix->hi[s]};
  }
  *out = ix;
  ix = NULL;
  goto cleanup;
nomem:
  rc = gp_err_set(err, GP_NOMEM, "out of memory");
cleanup:
  gp_region_index_free(ix);
  GP_FREE(pv.v);
  GP_FREE(ep);
  GP_FREE(cnt);
  GP_FREE(fill);
  GP_FREE(lists);
  return rc;
}

/* ---- per-thread geometry ---- */

struct gp_region_tls {
  gctx g;
  const gp_region_layer *l;
  GEOSWKBReader *wr;
  GEOSGeometry **geo;                 /* per region, read on first use: lon/lat when kept */
  const GEOSPreparedGeometry **pg;    /* per region, prepared on first use */
};

gp_rc gp_region_tls_new(const gp_region_layer *l, gp_region_tls **out, gp_err *err) {
  gp_region_tls *t = GP_CALLOC(1, sizeof *t);
  *out = NULL;
  if (!t) return gp_err_set(err, GP_NOMEM, "out of memory");
  t->l = l;
  gp_rc rc = gctx_init(&t->g, err);
  if (rc != GP_OK) {
    GP_FREE(t);
    return rc;
  }
  if (!(t->wr = GEOSWKBReader_create_r(t->g.h)) ||
      !(t->geo = GP_CALLOC(l->n ? l->n : 1, sizeof *t->geo)) ||
      !(t->pg = GP_CALLOC(l->n ? l->n : 1, sizeof *t->pg))) {
    gp_region_tls_free(t);
    return gp_err_set(err, GP_NOMEM, "out of memory");
  }
  *out = t;
  return GP_OK;
}

void gp_region_tls_free(gp_region_tls *t) {
  if (!t) return;
  for (size_t i = 0; t->geo && i < t->l->n; i++) {
    if (t->pg && t->pg[i]) GEOSPreparedGeom_destroy_r(t->g.h, t->pg[i]);
    if (t->geo[i]) GEOSGeom_destroy_r(t->g.h, t->geo[i]);
  }
  if (t->wr) GEOSWKBReader_destroy_r(t->g.h, t->wr);
  GP_FREE(t->geo);
  GP_FREE(t->pg);
  gctx_done(&t->g);
  GP_FREE(t);
}

bool gp_region_covers(gp_region_tls *t, size_t i, double x, double y, double lon, double lat) {
  GEOSContextHandle_t h = t->g.h;
  const reg *r = &t->l->r[i];
  if (!t->pg[i]) {
    const uint8_t *w = r->wkb_ll ? r->wkb_ll : r->wkb;
    size_t nw = r->wkb_ll ? r->nwkb_ll : r->nwkb;
    if (!t->geo[i] && !(t->geo[i] = GEOSWKBReader_read_r(h, t->wr, w, nw))) return false;
    if (!(t->pg[i] = GEOSPrepare_r(h, t->geo[i]))) return false;
  }
  if (r->wkb_ll) {
    x = lon;
    y = lat;
  }
  if (!isfinite(x) || !isfinite(y)) return false;
  if (r->wkb_ll ? x < r->lx0 || x > r->lx1 || y < r->ly0 || y > r->ly1
                : x < r->x0 || x > r->x1 || y < r->y0 || y > r->y1)
    return false;
  GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, x, y);
  if (!pt) return false;
  /* For a point, intersects is covers: interior or boundary. */
  char c = GEOSPreparedIntersects_r(h, t->pg[i], pt);
  GEOSGeom_destroy_r(h, pt);
  return c == 1;
}

/* The segment holding cell, or -1. */
static long seg_of(const gp_region_index *ix, uint64_t cell) {
  size_t lo = 0, hi = ix->nseg;
  while (lo < hi) { /* last segment with lo <= cell */
    size_t m = (lo + hi) / 2;
    if (ix->lo[m] <= cell) lo = m + 1;
    else hi = m;
  }
  if (lo == 0 || cell >= ix->hi[lo - 1]) return -1;
  return (long)(lo - 1);
}

long gp_region_index_cell(const gp_region_index *ix, uint64_t cell) {
  long s = seg_of(ix, cell);
  if (s < 0) return -1;
  return ix->direct[s] >= 0 ? ix->direct[s] : -2;
}

long gp_region_index_cell_hint(const gp_region_index *ix, uint64_t cell, size_t *hint) {
  size_t h = *hint;
  long s;
  if (h < ix->nseg && ix->lo[h] <= cell && cell < ix->hi[h]) s = (long)h;
  else if ((s = seg_of(ix, cell)) < 0) return -1;
  *hint = (size_t)s;
  return ix->direct[s] >= 0 ? ix->direct[s] : -2;
}

bool gp_region_layer_projected(const gp_region_layer *l) {
  for (size_t i = 0; i < l->n; i++)
    if (!l->r[i].wkb_ll) return true;
  return false;
}

long gp_region_locate(const gp_region_index *ix, gp_region_tls *t, uint64_t cell, double x,
                      double y, double lon, double lat) {
  long s = seg_of(ix, cell);
  if (s < 0) return -1;
  if (ix->direct[s] >= 0) return ix->direct[s];
  for (uint32_t k = ix->off[s]; k < ix->off[s + 1]; k++)
    if (gp_region_covers(t, ix->cand[k], x, y, lon, lat)) return ix->cand[k];
  return -1;
}

/* ---- distances ---- */

double gp_region_sphere_m(double lon1, double lat1, double lon2, double lat2) {
  const double rad = 3.14159265358979323846 / 180.0, R = 6371008.771415;
  double p1 = lat1 * rad, p2 = lat2 * rad;
  double dp = p2 - p1, dl = (lon2 - lon1) * rad;
  double a = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
  if (a > 1) a = 1;
  return 2 * R * asin(sqrt(a));
}
