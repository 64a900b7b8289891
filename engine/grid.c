/* grid.c - the spatial grid: lon/lat projected by PROJ into a metric CRS, square cells in that
 * CRS, Morton codes of cells, and covers of rectangles by ranges of codes.
 *
 * PROJ objects are not thread-safe, so the grid owns an array of slots, each a PROJ context
 * with the transformation built in it. A call claims one slot for the whole batch with one
 * atomic exchange (trying the slot of its OpenMP thread number first, so in a parallel loop
 * every thread keeps hitting its own warm slot), builds the transformation in it on first use,
 * and hands it back at the end. Claiming rather than indexing by thread number also keeps
 * nested parallel regions and plain pthreads correct, where thread numbers repeat; when every
 * slot is taken the call builds a throwaway context of its own (slow, never wrong). */
#include "gp_grid.h"

#include <assert.h>
#include <math.h>
#include <omp.h>
#include <proj.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GRID_LOG_MAX 200
#define GRID_HALF 2147483648.0 /* 2^31: offset that makes signed cell indices unsigned */
/* Smallest accepted cell: 2^32 cells of 1 cm span +-21,474 km, more than any projected CRS's
 * valid area (Web Mercator reaches +-20,037 km), so clamping in cell_index() never bites a
 * point that projected successfully. */
#define GRID_MIN_CELL_M 0.01

/* One PROJ context and the transformation built in it; used by one thread at a time. */
typedef struct grid_slot {
  atomic_bool busy;       /* true while a call owns it; the only field threads share */
  PJ_CONTEXT *ctx;        /* created by the first owner */
  PJ *pj;                 /* EPSG:4326 -> EPSG:<epsg>, lon/lat order, bound to ctx */
  char log[GRID_LOG_MAX]; /* last error PROJ logged on ctx, quoted in gp_err messages */
} grid_slot;

struct gp_grid {
  int epsg;          /* target CRS, EPSG:<epsg> */
  double cell_m;     /* base cell size in CRS units (metres) */
  int nslots;        /* length of slots */
  grid_slot *slots;  /* owned; slots[i].busy arbitrates access */
};

/* ---- PROJ slots ------------------------------------------------------------------------ */

/* PROJ prints errors to stderr by default; keep the last one for our own message instead. */
static void slot_log(void *app, int level, const char *msg) {
  grid_slot *s = app;
  if (level <= PJ_LOG_ERROR && msg) snprintf(s->log, sizeof s->log, "%s", msg);
}

static const char *slot_why(const grid_slot *s) {
  if (s->log[0]) return s->log;
  if (s->ctx) return proj_context_errno_string(s->ctx, proj_context_errno(s->ctx));
  return "no PROJ context";
}

static gp_rc slot_context(grid_slot *s, gp_err *err) {
  if (s->ctx) return GP_OK;
  s->ctx = proj_context_create();
  if (!s->ctx) return gp_err_set(err, GP_NOMEM, "grid: proj_context_create failed");
  proj_log_func(s->ctx, s, slot_log);
  proj_log_level(s->ctx, PJ_LOG_ERROR);
  return GP_OK;
}

/* Builds the slot's transformation if it has none yet. Only the slot's owner calls this. */
static gp_rc slot_open(grid_slot *s, int epsg, gp_err *err) {
  char dst[32];
  PJ *raw;
  gp_rc rc;
  if (s->pj) return GP_OK;
  if ((rc = slot_context(s, err)) != GP_OK) return rc;
  s->log[0] = '\0';
  snprintf(dst, sizeof dst, "EPSG:%d", epsg);
  raw = proj_create_crs_to_crs(s->ctx, "EPSG:4326", dst, NULL);
  if (!raw)
    return gp_err_set(err, GP_PROJ, "grid: no transformation EPSG:4326 -> %s: %s", dst,
                      slot_why(s));
  /* EPSG:4326 is officially lat, lon; the loader hands us lon, lat arrays. */
  s->pj = proj_normalize_for_visualization(s->ctx, raw);
  proj_destroy(raw);
  if (!s->pj)
    return gp_err_set(err, GP_PROJ, "grid: cannot normalise EPSG:4326 -> %s: %s", dst,
                      slot_why(s));
  return GP_OK;
}

static void slot_close(grid_slot *s) {
  if (s->pj) proj_destroy(s->pj);
  if (s->ctx) proj_context_destroy(s->ctx);
  s->pj = NULL;
  s->ctx = NULL;
}

static grid_slot *slot_acquire(const gp_grid *g) {
  int start = omp_get_thread_num();
  for (int k = 0; k < g->nslots; k++) {
    grid_slot *s = &g->slots[(start + k) % g->nslots];
    if (!atomic_exchange_explicit(&s->busy, true, memory_order_acquire)) return s;
  }
  return NULL;
}

static void slot_release(grid_slot *s) {
  atomic_store_explicit(&s->busy, false, memory_order_release);
}

/* Checks that EPSG:<epsg> is a projected CRS whose axes are in metres, using slot s's context. */
static gp_rc check_crs(grid_slot *s, int epsg, gp_err *err) {
  char code[16];
  PJ *crs = NULL, *cs = NULL;
  gp_rc rc = GP_OK;
  snprintf(code, sizeof code, "%d", epsg);
  s->log[0] = '\0';
  crs = proj_create_from_database(s->ctx, "EPSG", code, PJ_CATEGORY_CRS, 0, NULL);
  if (!crs) {
    rc = gp_err_set(err, GP_PROJ, "grid: EPSG:%d is not a CRS PROJ knows: %s", epsg, slot_why(s));
    goto cleanup;
  }
  if (proj_get_type(crs) != PJ_TYPE_PROJECTED_CRS) {
    rc = gp_err_set(err, GP_PROJ,
                    "grid: EPSG:%d (%s) is not a projected CRS; the grid needs one in metres",
                    epsg, proj_get_name(crs));
    goto cleanup;
  }
  cs = proj_crs_get_coordinate_system(s->ctx, crs);
  if (!cs) {
    rc = gp_err_set(err, GP_PROJ, "grid: EPSG:%d has no coordinate system: %s", epsg,
                    slot_why(s));
    goto cleanup;
  }
  for (int i = 0, n = proj_cs_get_axis_count(s->ctx, cs); i < n; i++) {
    double to_m = 0;
    const char *unit = NULL;
    if (!proj_cs_get_axis_info(s->ctx, cs, i, NULL, NULL, NULL, &to_m, &unit, NULL, NULL) ||
        to_m != 1.0) {
      rc = gp_err_set(err, GP_PROJ, "grid: EPSG:%d (%s) has axes in %s, not metres", epsg,
                      proj_get_name(crs), unit ? unit : "unknown units");
      goto cleanup;
    }
  }
cleanup:
  if (cs) proj_destroy(cs);
  if (crs) proj_destroy(crs);
  return rc;
}

/* Returns owned *out (free with gp_grid_free). */
gp_rc gp_grid_new(int epsg, double cell_m, gp_grid **out, gp_err *err) {
  gp_grid *g = NULL;
  gp_rc rc;
  int threads = omp_get_max_threads(), procs = omp_get_num_procs();
  *out = NULL;
  if (!(cell_m >= GRID_MIN_CELL_M) || !isfinite(cell_m))
    return gp_err_set(err, GP_INVALID, "grid: cell size %g m is not a finite number >= %g m",
                      cell_m, GRID_MIN_CELL_M);
  g = GP_CALLOC(1, sizeof *g);
  if (!g) return gp_err_set(err, GP_NOMEM, "grid: out of memory");
  g->epsg = epsg;
  g->cell_m = cell_m;
  /* Twice the threads we can foresee, so a claim nearly always succeeds at the first or second
   * probe even when callers oversubscribe; unused slots cost a few hundred bytes. */
  g->nslots = 2 * (threads > procs ? threads : procs);
  if (g->nslots < 4) g->nslots = 4;
  g->slots = GP_CALLOC((size_t)g->nslots, sizeof *g->slots);
  if (!g->slots) {
    rc = gp_err_set(err, GP_NOMEM, "grid: out of memory");
    goto fail_grid;
  }
  for (int i = 0; i < g->nslots; i++) atomic_init(&g->slots[i].busy, false);
  /* Validate with slot 0's context and keep the transformation: the first call then finds a
   * ready slot. */
  if ((rc = slot_context(&g->slots[0], err)) != GP_OK) goto fail_slots;
  if ((rc = check_crs(&g->slots[0], epsg, err)) != GP_OK) goto fail_slots;
  if ((rc = slot_open(&g->slots[0], epsg, err)) != GP_OK) goto fail_slots;
  *out = g;
  return GP_OK;
fail_slots:
  slot_close(&g->slots[0]);
  GP_FREE(g->slots);
fail_grid:
  GP_FREE(g);
  return rc;
}

void gp_grid_free(gp_grid *g) {
  if (!g) return;
  for (int i = 0; i < g->nslots; i++) slot_close(&g->slots[i]);
  GP_FREE(g->slots);
  GP_FREE(g);
}

int gp_grid_epsg(const gp_grid *g) { return g->epsg; }
double gp_grid_cell_m(const gp_grid *g) { return g->cell_m; }

/* ---- projection ------------------------------------------------------------------------ */

/* Transforms n points from a/b into oa/ob (which may be a/b themselves). PROJ works in place,
 * so the input is copied to the output first and transformed there. */
static gp_rc grid_trans(const gp_grid *g, PJ_DIRECTION dir, const double *a, const double *b,
                        size_t n, double *oa, double *ob, gp_err *err) {
  grid_slot tmp, *s;
  gp_rc rc;
  if (n == 0) return GP_OK;
  if (!g || !a || !b || !oa || !ob || oa == ob)
    return gp_err_set(err, GP_INVALID, "grid: bad arguments to project/unproject");
  if (oa != a) memmove(oa, a, n * sizeof *oa);
  if (ob != b) memmove(ob, b, n * sizeof *ob);
  s = slot_acquire(g);
  if (!s) {
    memset(&tmp, 0, sizeof tmp);
    s = &tmp;
  }
  rc = slot_open(s, g->epsg, err);
  if (rc == GP_OK)
    proj_trans_generic(s->pj, dir, oa, sizeof *oa, n, ob, sizeof *ob, n, NULL, 0, 0, NULL, 0, 0);
  if (s == &tmp)
    slot_close(&tmp);
  else
    slot_release(s);
  if (rc != GP_OK) return rc;
  /* PROJ marks failures with HUGE_VAL and passes NaN through; both become NaN in x and y so
   * callers test one value. */
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(oa[i]) || !isfinite(ob[i])) {
      oa[i] = NAN;
      ob[i] = NAN;
    }
  }
  return GP_OK;
}

gp_rc gp_grid_project(const gp_grid *g, const double *lon, const double *lat, size_t n, double *x,
                      double *y, gp_err *err) {
  return grid_trans(g, PJ_FWD, lon, lat, n, x, y, err);
}

gp_rc gp_grid_unproject(const gp_grid *g, const double *x, const double *y, size_t n, double *lon,
                        double *lat, gp_err *err) {
  return grid_trans(g, PJ_INV, x, y, n, lon, lat, err);
}

/* Standard 6-degree zones only: the Norway (32V) and Svalbard (31X-37X) exceptions are
 * ignored, since any zone near the data serves as a metric CRS and the rule stays a formula.
 * Longitudes wrap into [-180, 180); 180 itself is zone 60's east edge. NaN gives 0. */
int gp_grid_utm_epsg(double lon, double lat) {
  int zone;
  if (isnan(lon) || isnan(lat) || !isfinite(lon)) return 0;
  if (lon < -180.0 || lon > 180.0) lon = fmod(fmod(lon + 180.0, 360.0) + 360.0, 360.0) - 180.0;
  zone = (int)floor((lon + 180.0) / 6.0) + 1;
  if (zone < 1) zone = 1;
  if (zone > 60) zone = 60;
  return (lat >= 0 ? 32600 : 32700) + zone;
}

/* ---- cells ----------------------------------------------------------------------------- */

/* floor(v / cell_m) + 2^31, clamped to uint32. Division, not multiplication by 1/cell_m, so
 * the index is exactly floor of the true quotient and coarser levels agree with dividing by
 * the coarser size. v must not be NaN. */
static inline uint32_t cell_index(double v, double cell_m) {
  double q = floor(v / cell_m);
  if (q < -GRID_HALF) return 0;
  if (q >= GRID_HALF) return UINT32_MAX;
  return (uint32_t)((int64_t)q + INT64_C(2147483648));
}

/* A NaN coordinate (a point PROJ could not project) gets code 0, the cell at the far
 * south-west corner of the grid, 2^31 cells from the origin: no real point lands there. */
uint64_t gp_grid_cell_of(const gp_grid *g, double x, double y) {
  if (isnan(x) || isnan(y)) return 0;
  return gp_morton_encode(cell_index(x, g->cell_m), cell_index(y, g->cell_m));
}

/* The level-l cell (cx, cy) spans level-0 indices [cx << l, (cx + 1) << l), i.e. metres from
 * ((cx << l) - 2^31) * cell_m; integer arithmetic up to the last multiply keeps it exact. */
void gp_grid_cell_bounds(const gp_grid *g, uint64_t code, int level, double *x0, double *y0,
                         double *x1, double *y1) {
  uint32_t cx, cy;
  int64_t ix0, iy0, span;
  assert(level >= 0 && level <= GP_GRID_MAX_LEVEL);
  gp_morton_decode(code, &cx, &cy);
  span = INT64_C(1) << level;
  ix0 = (int64_t)cx * span - INT64_C(2147483648);
  iy0 = (int64_t)cy * span - INT64_C(2147483648);
  *x0 = (double)ix0 * g->cell_m;
  *y0 = (double)iy0 * g->cell_m;
  *x1 = (double)(ix0 + span) * g->cell_m;
  *y1 = (double)(iy0 + span) * g->cell_m;
}

gp_rc gp_grid_cell_ring_ll(const gp_grid *g, int64_t cx, int64_t cy, int level, double lon[5],
                           double lat[5], gp_err *err) {
  if (level < 0 || level > GP_GRID_MAX_LEVEL)
    return gp_err_set(err, GP_INVALID, "cell level %d out of range (0..%d)", level,
                      GP_GRID_MAX_LEVEL);
  /* cx * s is exact in double for every cell of the grid (|cx| * 2^level <= 2^31 base cells),
   * so neighbouring rings share their corners bit for bit. */
  double s = g->cell_m * (double)(INT64_C(1) << level);
  double x0 = (double)cx * s, y0 = (double)cy * s;
  double x[5] = {x0, x0 + s, x0 + s, x0, x0}, y[5] = {y0, y0, y0 + s, y0 + s, y0};
  return gp_grid_unproject(g, x, y, 5, lon, lat, err);
}

/* ---- rectangle covers ------------------------------------------------------------------ */

/* Covering works on the inclusive box of level-0 cell indices [ax, bx] x [ay, by] of the
 * rectangle. Descent starts at the smallest level whose one cell holds the box and visits
 * children in Morton order (child b = 2 cx + (b & 1), 2 cy + (b >> 1)), so ranges come out
 * sorted and adjacent ones merge on emission. A cell inside the box is emitted whole; a cell
 * straddling the edge is split down to min_level and then emitted whole.
 *
 * Worked example, cells 0..3 on both axes (offset 2^31 left out), box x 1..2, y 0..1: the
 * level-2 root is split; its level-1 children (0,0) = codes [0,4) and (1,0) = [4,8) straddle
 * the box and split into level-0 cells; of [0,4) cells x=1 (codes 1 and 3) are in, of [4,8)
 * cell x=2 (codes 4 and 6) are in: ranges [1,2) [3,5) [6,7) after merging 3 and 4. With
 * max_ranges 2 one gap is bridged; both are one code long and ties go to the lower one:
 * [1,5) [6,7). */
typedef struct cover {
  uint64_t ax, bx, ay, by; /* inclusive level-0 index box */
  int min_level;           /* straddling cells at this level are emitted whole */
  gp_cell_range *r;        /* ranges so far, sorted, disjoint, non-adjacent */
  size_t n, cap;           /* used and allocated length of r */
} cover;

/* Boundary cells past which descent stops, so a continent-sized rectangle does not enumerate
 * millions of base cells only for coarsening to merge them again. */
#define COVER_MIN_BUDGET 1024
#define COVER_MAX_BUDGET 65536

/* Range of level-0 codes of the level-`level` cell with code c. The code after the last one
 * would be 2^64: the last cell's range is cut to end at UINT64_MAX, leaving out only that
 * clamped corner code. */
static void level_range(uint64_t c, int level, uint64_t *lo, uint64_t *hi) {
  if (level >= 32) {
    *lo = 0;
    *hi = UINT64_MAX;
    return;
  }
  *lo = c << (2 * level);
  *hi = *lo + (UINT64_C(1) << (2 * level));
  if (*hi == 0) *hi = UINT64_MAX;
}

static gp_rc cover_emit(cover *c, uint64_t lo, uint64_t hi, gp_err *err) {
  if (c->n && c->r[c->n - 1].hi >= lo) {
    if (hi > c->r[c->n - 1].hi) c->r[c->n - 1].hi = hi;
    return GP_OK;
  }
  if (c->n == c->cap) {
    size_t cap = c->cap ? 2 * c->cap : 64;
    gp_cell_range *r = GP_REALLOC(c->r, cap * sizeof *r);
    if (!r) return gp_err_set(err, GP_NOMEM, "grid: out of memory covering a rectangle");
    c->r = r;
    c->cap = cap;
  }
  c->r[c->n].lo = lo;
  c->r[c->n].hi = hi;
  c->n++;
  return GP_OK;
}

static gp_rc cover_descend(cover *c, int level, uint64_t cx, uint64_t cy, gp_err *err) {
  uint64_t x0 = cx << level, x1 = ((cx + 1) << level) - 1;
  uint64_t y0 = cy << level, y1 = ((cy + 1) << level) - 1;
  gp_rc rc;
  if (x1 < c->ax || x0 > c->bx || y1 < c->ay || y0 > c->by) return GP_OK;
  if ((x0 >= c->ax && x1 <= c->bx && y0 >= c->ay && y1 <= c->by) || level <= c->min_level) {
    uint64_t lo, hi;
    level_range(gp_morton_encode((uint32_t)cx, (uint32_t)cy), level, &lo, &hi);
    return cover_emit(c, lo, hi, err);
  }
  for (unsigned b = 0; b < 4; b++)
    if ((rc = cover_descend(c, level - 1, 2 * cx + (b & 1), 2 * cy + (b >> 1), err)) != GP_OK)
      return rc;
  return GP_OK;
}

typedef struct cover_gap {
  uint64_t gap; /* codes between range i and range i + 1 */
  size_t i;     /* index of the range before the gap */
} cover_gap;

static int cover_gap_cmp(const void *pa, const void *pb) {
  const cover_gap *a = pa, *b = pb;
  if (a->gap != b->gap) return a->gap < b->gap ? -1 : 1;
  return a->i < b->i ? -1 : a->i > b->i;
}

/* Bridges the n - max smallest gaps: only adds codes, so the cover stays a cover. */
static gp_rc cover_coarsen(cover *c, size_t max, gp_err *err) {
  size_t n = c->n, drop = n - max, j = 0;
  cover_gap *gaps = GP_MALLOC((n - 1) * sizeof *gaps);
  uint8_t *bridge = GP_CALLOC(n, 1);
  gp_rc rc = GP_OK;
  if (!gaps || !bridge) {
    rc = gp_err_set(err, GP_NOMEM, "grid: out of memory coarsening a cover");
    goto cleanup;
  }
  for (size_t i = 0; i + 1 < n; i++) {
    gaps[i].gap = c->r[i + 1].lo - c->r[i].hi;
    gaps[i].i = i;
  }
  qsort(gaps, n - 1, sizeof *gaps, cover_gap_cmp);
  for (size_t k = 0; k < drop; k++) bridge[gaps[k].i] = 1;
  for (size_t i = 1; i < n; i++) {
    if (bridge[i - 1])
      c->r[j].hi = c->r[i].hi;
    else
      c->r[++j] = c->r[i];
  }
  c->n = j + 1;
cleanup:
  GP_FREE(bridge);
  GP_FREE(gaps);
  return rc;
}

/* Returns owned *out (free with GP_FREE). */
gp_rc gp_grid_cover_rect(const gp_grid *g, double x0, double y0, double x1, double y1,
                         size_t max_ranges, gp_cell_range **out, size_t *n, gp_err *err) {
  cover c = {0};
  int level = 0;
  uint64_t budget;
  gp_rc rc;
  *out = NULL;
  *n = 0;
  if (isnan(x0) || isnan(y0) || isnan(x1) || isnan(y1) || x0 > x1 || y0 > y1)
    return gp_err_set(err, GP_INVALID, "grid: bad rectangle [%g, %g] x [%g, %g]", x0, x1, y0,
                      y1);
  if (max_ranges == 0) return gp_err_set(err, GP_INVALID, "grid: cover needs max_ranges >= 1");
  c.ax = cell_index(x0, g->cell_m);
  c.bx = cell_index(x1, g->cell_m);
  c.ay = cell_index(y0, g->cell_m);
  c.by = cell_index(y1, g->cell_m);
  while (level < 32 && ((c.ax >> level) != (c.bx >> level) || (c.ay >> level) != (c.by >> level)))
    level++;
  /* Cells straddling the edge number about 2 (width + height) at a level; find the finest
   * level where that fits the budget. */
  budget = max_ranges > COVER_MAX_BUDGET / 16 ? COVER_MAX_BUDGET : 16 * (uint64_t)max_ranges;
  if (budget < COVER_MIN_BUDGET) budget = COVER_MIN_BUDGET;
  while (c.min_level < level &&
         2 * (((c.bx >> c.min_level) - (c.ax >> c.min_level) + 1) +
              ((c.by >> c.min_level) - (c.ay >> c.min_level) + 1)) > budget)
    c.min_level++;
  if ((rc = cover_descend(&c, level, c.ax >> level, c.ay >> level, err)) != GP_OK) goto fail;
  if (c.n > max_ranges && (rc = cover_coarsen(&c, max_ranges, err)) != GP_OK) goto fail;
  *out = c.r;
  *n = c.n;
  return GP_OK;
fail:
  GP_FREE(c.r);
  return rc;
}
