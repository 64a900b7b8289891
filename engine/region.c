/* region.c - region layers: the layer and its accessors, a region's GeoJSON, persistence in
 * the store's meta column family, and the catalog of a database's layers. Reading them is
 * region_read.c; coverings, the cell index and per-thread geometry are region_cover.c.
 *
 * Threads: a layer is plain bytes and numbers, so it is shared freely. Every GEOS object lives
 * in the context that made it and is used by one thread only: readers and covering builders
 * make a context for the duration of the call; scan threads own a gp_region_tls. */
#include "region_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- GEOS contexts with their last error captured ---- */

static void geos_msg(const char *m, void *ud) {
  gctx *g = ud;
  snprintf(g->msg, sizeof g->msg, "%s", m);
}

gp_rc gp_region__gctx_init(gctx *g, gp_err *err) {
  g->msg[0] = 0;
  g->h = GEOS_init_r();
  if (!g->h) return gp_err_set(err, GP_NOMEM, "out of memory (GEOS context)");
  GEOSContext_setErrorMessageHandler_r(g->h, geos_msg, g);
  return GP_OK;
}

void gp_region__gctx_done(gctx *g) {
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

gp_region_layer *gp_region__layer_new(const char *name, int epsg) {
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

reg *gp_region__layer_push(gp_region_layer *l) {
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
gp_rc gp_region__layer_finish(gp_region_layer *l, gp_err *err) {
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
      if (k && gp_buf_put_u8(out, ','))
        return gp_err_set(err, GP_NOMEM, "out of memory for GeoJSON");
      if ((rc = polygon_json(&r, g, out, rg->id, err))) return rc;
    }
    if (gp_buf_put_u8(out, ']')) return gp_err_set(err, GP_NOMEM, "out of memory for GeoJSON");
  }
  return gp_buf_put_u8(out, '}') ? gp_err_set(err, GP_NOMEM, "out of memory for GeoJSON") : GP_OK;
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
  gp_region_layer *l = gp_region__layer_new(name, (int)epsg);
  if (!l) return gp_err_set(err, GP_NOMEM, "out of memory");
  if ((rc = gp_region__gctx_init(&g, err)) != GP_OK) goto cleanup;
  if (!(wr = GEOSWKBReader_create_r(g.h))) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto cleanup;
  }
  for (uint32_t i = 0; i < cnt; i++) {
    reg *r = gp_region__layer_push(l);
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
  if ((rc = gp_region__layer_finish(l, err)) != GP_OK) goto cleanup;
  *out = l;
  l = NULL;
cleanup:
  if (wr) GEOSWKBReader_destroy_r(g.h, wr);
  gp_region__gctx_done(&g);
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
