/* region_read.c - reading region layers: GeoJSON (jansson) and CSV with a WKT column, bounded
 * against hostile input before GEOS or jansson sees it, validated and optionally repaired with
 * GEOS, projected into the database CRS with PROJ (keeping WGS84 polygons with the bound on
 * how far their projected image strays from straight edges). */
#include "region_int.h"

#include <errno.h>
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
  reg *r = gp_region__layer_push(R->l);
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
  if ((rc = gp_region__gctx_init(&R.g, err)) != GP_OK) goto cleanup;
  if (!(R.l = gp_region__layer_new(name, dst_epsg)) || !(R.wkbw = GEOSWKBWriter_create_r(R.g.h))) {
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
  if (rc == GP_OK) rc = gp_region__layer_finish(R.l, err);
  if (rc == GP_OK) {
    *out = R.l;
    R.l = NULL;
  }
cleanup:
  gp_region_layer_free(R.l);
  if (R.wkbw) GEOSWKBWriter_destroy_r(R.g.h, R.wkbw);
  if (R.pj) proj_destroy(R.pj);
  if (R.pc) proj_context_destroy(R.pc);
  gp_region__gctx_done(&R.g);
  GP_FREE(text);
  return rc;
}
