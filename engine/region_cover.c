/* region_cover.c - what makes spatial predicates cheap: quadtree cell coverings of a region,
 * the cell index that merges a layer's coverings into code ranges answering "region r" or
 * "test these candidates", per-thread prepared geometry for the boundary tests, and
 * great-circle distances. */
#include "region_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
  if ((rc = gp_region__gctx_init(&gc, err)) != GP_OK) return rc;
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
  gp_region__gctx_done(&gc);
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
  gp_rc rc = gp_region__gctx_init(&t->g, err);
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
  gp_region__gctx_done(&t->g);
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
