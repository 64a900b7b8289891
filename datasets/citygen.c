/* citygen.c - the deterministic CityBench city generator (see datasets/README.md and
 * ../shared/CITYBENCH.md, beside the checkout, for the format it writes).
 *
 * Self-contained on purpose: plain C11 + libm, no gridpulse headers, so the peers' loaders and
 * gridpulse read files that nothing in the engine could have shaped.
 *
 * Determinism. Same arguments -> byte-identical files on any IEEE-754 machine:
 *  - randomness is xoshiro256** seeded through splitmix64; every file (and every day of events,
 *    every planted spot) draws from its own stream derived from (seed, tag, index), so
 *    `--only events` writes the same events.csv as a full run;
 *  - exp/log/sin/cos are our own polynomial kernels below (only +, -, *, / and the exactly
 *    rounded floor/sqrt/frexp/ldexp of libm), so no libm's last-bit choices can move a printed
 *    digit; FMA contraction must stay off (GCC's -std=c11 does that; clang needs the pragma);
 *  - every printed coordinate, value and duration is first rounded to an integer (micro-degrees,
 *    hundredths) and then printed by hand from that integer.
 *
 * Speed. Rows are formatted by hand into a large buffer that is written in 8 MiB blocks; events
 * are generated day by day (per-day counts fixed up front) and counting-sorted by second of day,
 * so no global sort is ever needed. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "citygen_int.h"

/* ---- deterministic math kernels --------------------------------------------------------- */

/* ln 2 and pi/2 split into a high part with trailing zero bits and a low correction, so that
 * k * HI is exact for the small k we meet and the range reduction loses nothing. */
#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10
#define PIO2_HI 1.57079632673412561417e+00
#define PIO2_LO 6.07710050650619224932e-11

/* Taylor coefficients as compile-time quotients of exact integers: each is the correctly
 * rounded double, the same on every conforming compiler. */
static const double EXP_C[15] = {1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720,
                                 1.0 / 5040, 1.0 / 40320, 1.0 / 362880, 1.0 / 3628800,
                                 1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800.0,
                                 1.0 / 87178291200.0};
static const double SIN_C[9] = {1.0, -1.0 / 6, 1.0 / 120, -1.0 / 5040, 1.0 / 362880,
                                -1.0 / 39916800, 1.0 / 6227020800.0, -1.0 / 1307674368000.0,
                                1.0 / 355687428096000.0};
static const double COS_C[10] = {1.0, -1.0 / 2, 1.0 / 24, -1.0 / 720, 1.0 / 40320,
                                 -1.0 / 3628800, 1.0 / 479001600, -1.0 / 87178291200.0,
                                 1.0 / 20922789888000.0, -1.0 / 6402373705728000.0};
static const double LOG_C[12] = {1.0,      1.0 / 3,  1.0 / 5,  1.0 / 7,  1.0 / 9,  1.0 / 11,
                                 1.0 / 13, 1.0 / 15, 1.0 / 17, 1.0 / 19, 1.0 / 21, 1.0 / 23};

/* e^x: x = k ln2 + r with |r| <= ln2/2, Taylor to r^14 (error < 1e-17 relative), then exact
 * scaling by 2^k. Example: x = 1 -> k = 1, r = 0.3069 -> 1.3591 * 2 = 2.71828. */
static double cg_exp(double x) {
  if (x < -700.0) return 0.0;
  if (x > 700.0) x = 700.0;
  double k = floor(x * 1.44269504088896340736 + 0.5);
  double r = (x - k * LN2_HI) - k * LN2_LO;
  double p = EXP_C[14];
  for (int n = 13; n >= 0; n--) p = p * r + EXP_C[n];
  return ldexp(p, (int)k);
}

/* ln x for x > 0: x = m 2^e with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(f), f = (m-1)/(m+1),
 * |f| <= 0.1716, series to f^23. Example: x = 10 -> m = 1.25, e = 3, f = 1/9
 * -> 0.22314 + 2.07944. */
static double cg_log(double x) {
  int e;
  double m = frexp(x, &e);
  if (m < 0.70710678118654752440) {
    m *= 2.0;
    e--;
  }
  double f = (m - 1.0) / (m + 1.0), s = f * f, p = LOG_C[11];
  for (int n = 10; n >= 0; n--) p = p * s + LOG_C[n];
  return 2.0 * f * p + (double)e * LN2_HI + (double)e * LN2_LO;
}

/* sin and cos together: x = k pi/2 + r with |r| <= pi/4, Taylor to r^17 / r^18, then the
 * quadrant k mod 4 picks and signs the pair. Arguments here stay below 1e5. */
static void cg_sincos(double x, double *sn, double *cs) {
  double k = floor(x * 0.63661977236758134308 + 0.5);
  double r = (x - k * PIO2_HI) - k * PIO2_LO, r2 = r * r;
  double s = SIN_C[8], c = COS_C[9];
  for (int n = 7; n >= 0; n--) s = s * r2 + SIN_C[n];
  for (int n = 8; n >= 0; n--) c = c * r2 + COS_C[n];
  s *= r;
  switch ((int64_t)k & 3) {
  case 0: *sn = s, *cs = c; break;
  case 1: *sn = c, *cs = -s; break;
  case 2: *sn = -s, *cs = -c; break;
  default: *sn = -c, *cs = s; break;
  }
}

static int64_t cg_gcd(int64_t a, int64_t b) {
  if (a < 0) a = -a;
  if (b < 0) b = -b;
  while (b) {
    int64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/* Standard normal by Box-Muller (one of the pair; callers wanting two use rng_normal2). */
static void rng_normal2(cg_rng *r, double *z1, double *z2) {
  double u1 = (double)((rng_next(r) >> 11) + 1) * 0x1.0p-53; /* (0, 1] keeps log finite */
  double u2 = rng_unit(r), s, c;
  double rad = sqrt(-2.0 * cg_log(u1));
  cg_sincos(2.0 * CG_PI * u2, &s, &c);
  *z1 = rad * c;
  *z2 = rad * s;
}

static double rng_normal(cg_rng *r) {
  double a, b;
  rng_normal2(r, &a, &b);
  return a;
}

/* Near-normal noise for the readings' hot loop: the sum of four 16-bit uniforms (Irwin-Hall),
 * centred and scaled to variance 1; one generator call, no transcendental. */
static inline double rng_fastnormal(cg_rng *r) {
  uint64_t x = rng_next(r);
  double s = (double)((x & 0xFFFF) + ((x >> 16) & 0xFFFF) + ((x >> 32) & 0xFFFF) + (x >> 48));
  return (s * (1.0 / 65536.0) - 2.0) * 1.7320508075688772;
}

/* First index i with cdf[i] > u; cdf is non-decreasing and ends at exactly 1. */
static int pick_cdf(const double *cdf, int n, double u) {
  int lo = 0, hi = n - 1;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (cdf[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/* Normalise weights in place into a cumulative table ending at exactly 1. */
static void make_cdf(double *w, int n) {
  double sum = 0.0;
  for (int i = 0; i < n; i++) sum += w[i];
  double acc = 0.0;
  for (int i = 0; i < n; i++) {
    acc += w[i];
    w[i] = acc / sum;
  }
  w[n - 1] = 1.0;
}

/* ---- buffered output (citygen_int.h declares it) ------------------------------------------ */

int out_open(cg_out *o, const char *dir, const char *name) {
  memset(o, 0, sizeof *o);
  snprintf(o->path, sizeof o->path, "%s/%s", dir, name);
  o->buf = malloc(CG_OUTBUF);
  if (!o->buf) {
    fprintf(stderr, "gp-citygen: out of memory\n");
    return -1;
  }
  o->f = fopen(o->path, "wb");
  if (!o->f) {
    fprintf(stderr, "gp-citygen: cannot create %s: %s\n", o->path, strerror(errno));
    free(o->buf);
    o->buf = NULL;
    return -1;
  }
  return 0;
}

void out_flush(cg_out *o) {
  if (o->len && !o->failed && fwrite(o->buf, 1, o->len, o->f) != o->len)
    o->failed = errno ? errno : EIO;
  o->len = 0;
}

void out_str(cg_out *o, const char *s) {
  size_t n = strlen(s);
  char *p = out_ptr(o, n);
  memcpy(p, s, n);
  out_commit(o, p + n);
}

int out_close(cg_out *o) {
  int rc = 0;
  if (o->f) {
    out_flush(o);
    if (fclose(o->f) != 0 && !o->failed) o->failed = errno ? errno : EIO;
    if (o->failed) {
      fprintf(stderr, "gp-citygen: writing %s: %s\n", o->path, strerror(o->failed));
      rc = -1;
    }
  }
  free(o->buf);
  memset(o, 0, sizeof *o);
  return rc;
}

/* ---- the city: regions, district, hotspots, tables (cg_city is in citygen_int.h) ---------- */

static const char *const SRC_NAME[CG_NSRC] = {"12345", "app", "cityops", "camera", "110"};
static const double SRC_W[CG_NSRC] = {0.46, 0.24, 0.14, 0.11, 0.05};

/* Activity by local hour (UTC+8): quiet nights, a morning peak, a lunch dip, an afternoon peak. */
static const double HOUR_LOCAL_W[24] = {0.80, 0.50, 0.35, 0.30, 0.30, 0.45, 0.90, 1.80,
                                        3.20, 4.60, 5.20, 5.00, 4.20, 3.80, 4.60, 5.00,
                                        4.80, 4.40, 3.80, 3.30, 2.90, 2.40, 1.80, 1.20};

/* Base position of grid vertex column i / row j, rounded to the micro-degree. */
static int32_t grid_bx(int i) {
  return BOX_X0 + (int32_t)(((int64_t)i * BOX_W + CG_NX / 2) / CG_NX);
}
static int32_t grid_by(int j) {
  return BOX_Y0 + (int32_t)(((int64_t)j * BOX_W + CG_NY / 2) / CG_NY);
}

/* The jittered grid. Each vertex moves by up to 20% of a cell (so every quad stays convex and
 * owns its centre); vertices on the box edge move only along it and the corners stay. A vertex is
 * redrawn until the edges to its already-placed left and lower neighbours have gcd(|dx|,|dy|) = 1
 * in micro-degrees: then no integer lattice point other than the two ends lies on any interior
 * edge, and since events avoid the vertices themselves, no event is ever exactly on the border of
 * two regions - so ST_Contains, ST_Covers and any point-in-polygon rule give the same Q4 counts.
 * Example: an edge from (0,0) to (9676,1200) has gcd 4 and the lattice points (2419,300),
 * (4838,600), (7257,900) on it; (9676,1201) has gcd 1 and none. */
static void build_grid(cg_city *c, cg_rng *r) {
  const int32_t jx = (BOX_W / CG_NX) / 5, jy = (BOX_W / CG_NY) / 5;
  for (int j = 0; j <= CG_NY; j++) {
    for (int i = 0; i <= CG_NX; i++) {
      for (;;) {
        int32_t ox = (int32_t)rng_below(r, 2u * (uint32_t)jx + 1) - jx;
        int32_t oy = (int32_t)rng_below(r, 2u * (uint32_t)jy + 1) - jy;
        int32_t x = grid_bx(i) + (i > 0 && i < CG_NX ? ox : 0);
        int32_t y = grid_by(j) + (j > 0 && j < CG_NY ? oy : 0);
        int ok = 1;
        if (i > 0 && j > 0 && j < CG_NY)
          ok &= cg_gcd(x - c->gx[i - 1][j], y - c->gy[i - 1][j]) == 1;
        if (j > 0 && i > 0 && i < CG_NX)
          ok &= cg_gcd(x - c->gx[i][j - 1], y - c->gy[i][j - 1]) == 1;
        if (ok) {
          c->gx[i][j] = x;
          c->gy[i][j] = y;
          break;
        }
      }
    }
  }
}

/* The district: a star-shaped polygon (angles strictly increasing around a centre, random
 * radii), hence simple and counter-clockwise, scaled to a tenth of the box's area and nudged by a
 * micro-degree where needed so every edge has gcd 1 (see build_grid for why). */
static void build_district(cg_city *c, cg_rng *r) {
  double px[CG_NDV], py[CG_NDV];
  double cx = (BOX_X0 + BOX_X1) / 2.0 + rng_range(r, -2000.0, 2000.0) / c->mx;
  double cy = (BOX_Y0 + BOX_Y1) / 2.0 + rng_range(r, -2000.0, 2000.0) / c->my;
  for (int k = 0; k < CG_NDV; k++) {
    double th = 2.0 * CG_PI * ((double)k + rng_range(r, -0.3, 0.3)) / CG_NDV;
    double rho = rng_range(r, 0.6, 1.4), s, co;
    cg_sincos(th, &s, &co);
    px[k] = rho * co / c->mx; /* a unit "metre" polygon, in micro-degrees */
    py[k] = rho * s / c->my;
  }
  double a2 = 0.0;
  for (int k = 0; k < CG_NDV; k++) {
    int n = (k + 1) % CG_NDV;
    a2 += px[k] * py[n] - px[n] * py[k];
  }
  double scale = sqrt(0.1 * (double)BOX_W * (double)BOX_W / (a2 / 2.0));
  c->dminx = c->dminy = INT32_MAX;
  c->dmaxx = c->dmaxy = INT32_MIN;
  for (int k = 0; k < CG_NDV; k++) {
    int32_t bx = (int32_t)cg_round(cx + scale * px[k]), by = (int32_t)cg_round(cy + scale * py[k]);
    for (int d = 0;; d++) {
      int32_t x = bx + d % 3, y = by + d / 3;
      int ok = k == 0 || cg_gcd(x - c->dx[k - 1], y - c->dy[k - 1]) == 1;
      if (k == CG_NDV - 1) ok = ok && cg_gcd(x - c->dx[0], y - c->dy[0]) == 1;
      if (ok) {
        c->dx[k] = x;
        c->dy[k] = y;
        break;
      }
    }
    if (c->dx[k] < c->dminx) c->dminx = c->dx[k];
    if (c->dx[k] > c->dmaxx) c->dmaxx = c->dx[k];
    if (c->dy[k] < c->dminy) c->dminy = c->dy[k];
    if (c->dy[k] > c->dmaxy) c->dmaxy = c->dy[k];
  }
}

/* Distance in metres from (x, y) to the line through a and b (micro-degree inputs). */
static double line_dist_m(const cg_city *c, double x, double y, double ax, double ay, double bx,
                          double by) {
  double ux = (bx - ax) * c->mx, uy = (by - ay) * c->my;
  double vx = (x - ax) * c->mx, vy = (y - ay) * c->my;
  double cr = ux * vy - uy * vx;
  return (cr < 0 ? -cr : cr) / sqrt(ux * ux + uy * uy);
}

/* Planted spots: one region per quadrant of the box, away from the edges, whose quad keeps at
 * least 240 m between its vertex centroid and every side, so a 200 m disk lies inside one region
 * and the whole cluster counts for that region in Q5. */
static void build_spots(cg_city *c, cg_rng *r) {
  for (int q = 0; q < CG_NSPOT; q++) {
    int i0 = (q & 1) ? 17 : 3, j0 = (q & 2) ? 18 : 3;
    for (int tries = 0;; tries++) {
      int i = i0 + (int)rng_below(r, 11), j = j0 + (int)rng_below(r, 11);
      double qx[4] = {c->gx[i][j], c->gx[i + 1][j], c->gx[i + 1][j + 1], c->gx[i][j + 1]};
      double qy[4] = {c->gy[i][j], c->gy[i + 1][j], c->gy[i + 1][j + 1], c->gy[i][j + 1]};
      double mx = (qx[0] + qx[1] + qx[2] + qx[3]) / 4.0, my = (qy[0] + qy[1] + qy[2] + qy[3]) / 4.0;
      double dmin = 1e30;
      for (int e = 0; e < 4; e++) {
        double dd = line_dist_m(c, mx, my, qx[e], qy[e], qx[(e + 1) % 4], qy[(e + 1) % 4]);
        if (dd < dmin) dmin = dd;
      }
      if (dmin >= CG_SPOT_R_M + 40.0 || tries > 1000) {
        c->spot_x[q] = mx;
        c->spot_y[q] = my;
        c->spot_region[q] = j * CG_NX + i;
        break;
      }
    }
  }
}

/* Everything about the city that more than one file depends on, from the seed alone. */
static void build_city(cg_city *c, uint64_t seed) {
  cg_rng r;
  double s, co;
  memset(c, 0, sizeof *c);
  cg_sincos((BOX_Y0 + BOX_Y1) / 2.0 * 1e-6 * CG_PI / 180.0, &s, &co);
  c->my = CG_EARTH_R * CG_PI / 180.0 * 1e-6;
  c->mx = c->my * co;

  rng_init(&r, seed, TAG_CITY, 0);
  build_grid(c, &r);
  for (int h = 0; h < CG_NHOT; h++) {
    double sigma = rng_range(&r, 300.0, 1500.0);
    c->hx[h] = BOX_X0 + rng_range(&r, 1500.0, BOX_W * c->mx - 1500.0) / c->mx;
    c->hy[h] = BOX_Y0 + rng_range(&r, 1500.0, BOX_W * c->my - 1500.0) / c->my;
    c->hsx[h] = sigma / c->mx;
    c->hsy[h] = sigma / c->my;
    c->hot_cdf[h] = rng_range(&r, 0.4, 1.6);
  }
  make_cdf(c->hot_cdf, CG_NHOT);
  for (int k = 0; k < CG_NCAT; k++) {
    c->cat_cdf[k] = cg_exp(-1.1 * cg_log((double)(k + 1)));
    c->cat_med[k] = 20.0 * cg_exp(0.35 * rng_normal(&r));
  }
  make_cdf(c->cat_cdf, CG_NCAT);
  for (int h = 0; h < 24; h++) c->hour_cdf[h] = HOUR_LOCAL_W[(h + 8) % 24];
  make_cdf(c->hour_cdf, 24);
  memcpy(c->src_cdf, SRC_W, sizeof SRC_W);
  make_cdf(c->src_cdf, CG_NSRC);
  build_spots(c, &r);

  rng_init(&r, seed, TAG_DISTRICT, 0);
  build_district(c, &r);
}

/* ---- regions.csv and district.wkt ------------------------------------------------------------ */

static char *put_pt(char *p, int32_t x, int32_t y) {
  p = put_micro(p, x);
  *p++ = ' ';
  return put_micro(p, y);
}

/* One region per grid cell, G001 at the south-west corner, numbered west to east then south to
 * north (G = row * 31 + column + 1); ring SW, SE, NE, NW, SW is counter-clockwise. */
static int write_regions(const cg_city *c, const char *dir, int64_t *rows) {
  cg_out o;
  if (out_open(&o, dir, "regions.csv")) return -1;
  out_str(&o, "region_id,wkt\n");
  for (int j = 0; j < CG_NY; j++) {
    for (int i = 0; i < CG_NX; i++) {
      const int ci[5] = {i, i + 1, i + 1, i, i}, cj[5] = {j, j, j + 1, j + 1, j};
      char *p = out_ptr(&o, 256);
      p += sprintf(p, "G%03d,\"POLYGON((", j * CG_NX + i + 1);
      for (int k = 0; k < 5; k++) {
        if (k) *p++ = ',', *p++ = ' ';
        p = put_pt(p, c->gx[ci[k]][cj[k]], c->gy[ci[k]][cj[k]]);
      }
      memcpy(p, "))\"\n", 4);
      out_commit(&o, p + 4);
    }
  }
  *rows = (int64_t)CG_NX * CG_NY;
  if (out_close(&o)) return -1;

  if (out_open(&o, dir, "district.wkt")) return -1;
  char *p = out_ptr(&o, 1024);
  memcpy(p, "POLYGON((", 9);
  p += 9;
  for (int k = 0; k <= CG_NDV; k++) {
    if (k) *p++ = ',', *p++ = ' ';
    p = put_pt(p, c->dx[k % CG_NDV], c->dy[k % CG_NDV]);
  }
  memcpy(p, "))\n", 3);
  out_commit(&o, p + 3);
  return out_close(&o);
}

/* ---- events.csv ------------------------------------------------------------------------------ */

typedef struct cg_event {
  int32_t sec;   /* second of the UTC day */
  int32_t x, y;  /* micro-degrees */
  int32_t hh;    /* handle hours in hundredths, -1 when not closed */
  uint8_t cat;   /* 0..181 */
  uint8_t src;   /* index into SRC_NAME */
  uint8_t st;    /* 0 closed, 1 open, 2 overdue */
} cg_event;

static const char *const STATUS_NAME[3] = {"closed", "open", "overdue"};

/* True when (x, y) is a region-grid or district vertex: the only lattice points on any border
 * (see build_grid), which events therefore never take. */
static int on_vertex(const cg_city *c, int32_t x, int32_t y) {
  int i = (int)(((int64_t)(x - BOX_X0) * CG_NX + BOX_W / 2) / BOX_W);
  int j = (int)(((int64_t)(y - BOX_Y0) * CG_NY + BOX_W / 2) / BOX_W);
  if (c->gx[i][j] == x && c->gy[i][j] == y) return 1;
  if (x < c->dminx || x > c->dmaxx || y < c->dminy || y > c->dmaxy) return 0;
  for (int k = 0; k < CG_NDV; k++)
    if (c->dx[k] == x && c->dy[k] == y) return 1;
  return 0;
}

static int in_box(int64_t x, int64_t y) {
  return x >= BOX_X0 && x <= BOX_X1 && y >= BOX_Y0 && y <= BOX_Y1;
}

/* 70% of events come from a hotspot (a Gaussian redrawn until it lands in the box), 30% are
 * uniform over the box. */
static void draw_point(const cg_city *c, cg_rng *r, cg_event *e) {
  for (;;) {
    int64_t x = -1, y = -1;
    if (rng_unit(r) < 0.7) {
      int h = pick_cdf(c->hot_cdf, CG_NHOT, rng_unit(r));
      for (int t = 0; t < 64 && !in_box(x, y); t++) {
        double z1, z2;
        rng_normal2(r, &z1, &z2);
        x = cg_round(c->hx[h] + z1 * c->hsx[h]);
        y = cg_round(c->hy[h] + z2 * c->hsy[h]);
      }
    }
    if (!in_box(x, y)) {
      x = BOX_X0 + rng_below(r, BOX_W + 1);
      y = BOX_Y0 + rng_below(r, BOX_W + 1);
    }
    if (!on_vertex(c, (int32_t)x, (int32_t)y)) {
      e->x = (int32_t)x;
      e->y = (int32_t)y;
      return;
    }
  }
}

static int32_t draw_sec(const cg_city *c, cg_rng *r) {
  int32_t hour = pick_cdf(c->hour_cdf, 24, rng_unit(r)); /* draws in a fixed order: C leaves */
  return hour * 3600 + (int32_t)rng_below(r, 3600);       /* operand order unspecified */
}

/* Category (Zipf unless forced), source, status and, for closed events, a lognormal handling time
 * around the category's median (itself lognormal around 20 h). */
static void draw_attrs(const cg_city *c, cg_rng *r, cg_event *e, int cat) {
  e->cat = (uint8_t)(cat >= 0 ? cat : pick_cdf(c->cat_cdf, CG_NCAT, rng_unit(r)));
  e->src = (uint8_t)pick_cdf(c->src_cdf, CG_NSRC, rng_unit(r));
  double u = rng_unit(r);
  e->st = u < 0.96 ? 0 : u < 0.985 ? 1 : 2;
  e->hh = -1;
  if (e->st == 0) {
    int64_t h = cg_round(c->cat_med[e->cat] * cg_exp(0.75 * rng_normal(r)) * 100.0);
    e->hh = (int32_t)(h < 1 ? 1 : h > 999999 ? 999999 : h);
  }
}

/* Relative weight of each day of 2024: a yearly wave peaking mid-July, a weekly shape (2024-01-01
 * is a Monday), Spring Festival and National Day lulls, and a little day-to-day noise. */
static void day_weights(uint64_t seed, double *w) {
  static const double WEEK[7] = {1.06, 1.04, 1.03, 1.02, 1.00, 0.90, 0.85};
  cg_rng r;
  rng_init(&r, seed, TAG_DAYS, 0);
  for (int d = 0; d < CG_YEAR_DAYS; d++) {
    double s, co;
    cg_sincos(2.0 * CG_PI * (double)(d - 196) / CG_YEAR_DAYS, &s, &co);
    double v = (1.0 + 0.22 * co) * WEEK[d % 7] * cg_exp(0.05 * rng_normal(&r));
    if (d >= 40 && d <= 47) v *= 0.65;   /* 2024-02-10..17 */
    if (d >= 274 && d <= 280) v *= 0.80; /* 2024-10-01..07 */
    w[d] = v;
  }
}

/* Writes n events: base events spread over the days by cumulative rounding of the day weights
 * (so the per-day counts sum to exactly n - planted), plus the planted clusters; each day is
 * generated from its own stream, counting-sorted by second and numbered as it is written. */
static int write_events(const cg_city *c, const char *dir, int64_t n, double sf, uint64_t seed,
                        int64_t *rows) {
  int rc = -1;
  cg_out o = {0};
  cg_event *plant = NULL, *ev = NULL, *sorted = NULL;
  int32_t *bucket = NULL;
  double cum[CG_YEAR_DAYS];
  int64_t count[CG_YEAR_DAYS], nplant_day[CG_YEAR_DAYS] = {0};

  int64_t per_spot = cg_round(45.0 * sf);
  if (per_spot < 10) per_spot = 10;
  /* Tiny cities: planted events stay a minority of the rows. */
  if (per_spot * CG_NSPOT * 4 > n) per_spot = n / (CG_NSPOT * 4);
  int64_t nplant = per_spot * CG_NSPOT, nbase = n - nplant;

  day_weights(seed, cum);
  make_cdf(cum, CG_YEAR_DAYS);
  int64_t prev = 0, maxday = 0;
  for (int d = 0; d < CG_YEAR_DAYS; d++) {
    int64_t upto = d == CG_YEAR_DAYS - 1 ? nbase : cg_round(cum[d] * (double)nbase);
    count[d] = upto - prev;
    prev = upto;
  }

  plant = malloc(sizeof *plant * (size_t)(nplant ? nplant : 1));
  bucket = malloc(sizeof *bucket * 86401);
  if (!plant || !bucket) goto oom;
  for (int s = 0; s < CG_NSPOT; s++) {
    cg_rng r;
    rng_init(&r, seed, TAG_PLANT, (uint64_t)s);
    for (int64_t k = 0; k < per_spot; k++) {
      cg_event *e = &plant[s * per_spot + k];
      int day = CG_AUG1 + (int)rng_below(&r, 7);
      e->sec = draw_sec(c, &r);
      for (;;) {
        double rad = CG_SPOT_R_M * sqrt(rng_unit(&r)), sn, cs;
        cg_sincos(2.0 * CG_PI * rng_unit(&r), &sn, &cs);
        e->x = (int32_t)cg_round(c->spot_x[s] + rad * cs / c->mx);
        e->y = (int32_t)cg_round(c->spot_y[s] + rad * sn / c->my);
        if (!on_vertex(c, e->x, e->y)) break;
      }
      draw_attrs(c, &r, e, 0);
      e->sec += day * 86400; /* day folded in until the day loop splits it off */
      nplant_day[day]++;
    }
  }
  for (int d = 0; d < CG_YEAR_DAYS; d++)
    if (count[d] + nplant_day[d] > maxday) maxday = count[d] + nplant_day[d];
  ev = malloc(sizeof *ev * (size_t)(maxday ? maxday : 1));
  sorted = malloc(sizeof *sorted * (size_t)(maxday ? maxday : 1));
  if (!ev || !sorted) goto oom;

  if (out_open(&o, dir, "events.csv")) goto cleanup;
  out_str(&o, "id,ts,lon,lat,category,source,status,handle_hours\n");
  const int64_t day0 = days_from_civil(2024, 1, 1);
  uint64_t id = 1;
  for (int d = 0; d < CG_YEAR_DAYS; d++) {
    cg_rng r;
    rng_init(&r, seed, TAG_EVDAY, (uint64_t)d);
    int64_t m = 0;
    for (int64_t k = 0; k < count[d]; k++, m++) {
      cg_event *e = &ev[m];
      e->sec = draw_sec(c, &r);
      draw_point(c, &r, e);
      draw_attrs(c, &r, e, -1);
    }
    for (int64_t k = 0; k < nplant && nplant_day[d]; k++) {
      if (plant[k].sec / 86400 != d) continue;
      ev[m] = plant[k];
      ev[m++].sec %= 86400;
    }
    /* Stable counting sort by second: ties keep generation order, so ids stay deterministic. */
    memset(bucket, 0, sizeof *bucket * 86401);
    for (int64_t k = 0; k < m; k++) bucket[ev[k].sec + 1]++;
    for (int k = 1; k <= 86400; k++) bucket[k] += bucket[k - 1];
    for (int64_t k = 0; k < m; k++) sorted[bucket[ev[k].sec]++] = ev[k];

    char date[11];
    put_date_t(date, day0 + d);
    for (int64_t k = 0; k < m; k++) {
      const cg_event *e = &sorted[k];
      char *p = out_ptr(&o, 128);
      p = put_u64(p, id++);
      *p++ = ',';
      memcpy(p, date, 11);
      p = put_2d(p + 11, e->sec / 3600);
      *p++ = ':';
      p = put_2d(p, e->sec / 60 % 60);
      *p++ = ':';
      p = put_2d(p, e->sec % 60);
      *p++ = 'Z';
      *p++ = ',';
      p = put_micro(p, e->x);
      *p++ = ',';
      p = put_micro(p, e->y);
      *p++ = ',';
      *p++ = 'c';
      *p++ = (char)('0' + e->cat / 100);
      p = put_2d(p, e->cat % 100);
      *p++ = ',';
      size_t sl = strlen(SRC_NAME[e->src]);
      memcpy(p, SRC_NAME[e->src], sl);
      p += sl;
      *p++ = ',';
      sl = strlen(STATUS_NAME[e->st]);
      memcpy(p, STATUS_NAME[e->st], sl);
      p += sl;
      *p++ = ',';
      if (e->hh >= 0) p = put_centi(p, e->hh);
      *p++ = '\n';
      out_commit(&o, p);
    }
  }
  *rows = (int64_t)id - 1;
  rc = out_close(&o);
  goto cleanup;
oom:
  fprintf(stderr, "gp-citygen: out of memory\n");
cleanup:
  out_close(&o);
  free(sorted);
  free(ev);
  free(bucket);
  free(plant);
  return rc;
}

/* ---- sensors.csv and readings.csv ------------------------------------------------------------ */

enum { M_WATER, M_GAS, M_TEMP, M_WIND, M_PRES, M_COUNT };

/* Per-metric parameter ranges (uniform draws per sensor). Units: m, ppm, degC, m/s, hPa. */
typedef struct metric_def {
  const char *name, *prefix;
  double warn_lo, warn_hi;   /* warn_line, printed with 2 decimals */
  double base_lo, base_hi;   /* mean level; for water a fraction of warn_line */
  double amp1_lo, amp1_hi;   /* daily cycle amplitude */
  double peak1;              /* UTC hour of the daily maximum; < 0: random per sensor */
  double amp2_lo, amp2_hi;   /* twice-daily cycle amplitude (pressure's atmospheric tide) */
  double peak2;              /* UTC hour of one twice-daily maximum */
  double trend_per_day;      /* drift over the period */
  double noise_sd, phi;      /* AR(1) noise: stationary sd and lag-1 correlation */
  double rain;               /* effect at a rain event's peak (water: calibrated instead) */
  double floor;              /* values are clamped to at least this */
} metric_def;

static const metric_def METRIC[M_COUNT] = {
    {"water_level", "wl", 2.00, 4.80, 0.35, 0.55, 0.03, 0.12, -1, 0, 0, 0, 0, 0.012, 0.90, 0, 0},
    {"gas", "gas", 25.00, 50.00, 1.5, 6.0, 0.3, 1.0, 0.0, 0, 0, 0, 0, 0.25, 0.80, -0.6, 0},
    {"temperature", "tmp", 35.00, 38.00, 23.5, 26.5, 3.0, 5.0, 6.0, 0, 0, 0, 0.08, 0.15, 0.95,
     -3.5, -40},
    {"wind", "wnd", 10.80, 17.20, 2.0, 4.0, 0.8, 1.6, 7.0, 0, 0, 0, 0, 0.50, 0.70, 6.0, 0},
    {"pressure", "prs", 1020.00, 1025.00, 1003.0, 1009.0, 0.3, 0.6, 20.0, 0.9, 1.5, 2.0, 0, 0.06,
     0.98, -8.0, 900},
};

typedef struct cg_sensors {
  int n;              /* sensor count */
  char (*id)[16];     /* "wl-0007", owned */
  uint8_t *idlen;     /* strlen(id[s]) */
  uint8_t *metric;    /* M_* */
  int32_t *x, *y;     /* micro-degrees */
  int32_t *warn;      /* warn_line in hundredths */
  double *base;       /* mean level */
  double *a1, *b1;    /* daily cycle = a1 cos(wt) + b1 sin(wt), w = 2 pi / 24 h */
  double *a2, *b2;    /* twice-daily cycle = a2 cos(2wt) + b2 sin(2wt) */
  double *trend;      /* per hour */
} cg_sensors;

static void sensors_free(cg_sensors *s) {
  free(s->id);
  free(s->idlen);
  free(s->metric);
  free(s->x);
  free(s->y);
  free(s->warn);
  free(s->base);
  free(s->a1);
  free(s->b1);
  free(s->a2);
  free(s->b2);
  free(s->trend);
  memset(s, 0, sizeof *s);
}

/* Splits a phase-shifted cosine A cos(k w (t - peak)) into its cos/sin coefficients. */
static void cycle_coef(double amp, double peak_h, int k, double *a, double *b) {
  double s, c;
  cg_sincos((double)k * 2.0 * CG_PI / 24.0 * peak_h, &s, &c);
  *a = amp * c;
  *b = amp * s;
}

/* The static sensor fleet: equal shares per metric (the first n % 5 metrics get one more),
 * numbered from 1 within each metric, listed metric by metric. Nothing here depends on --days. On
 * failure returns -1 with s freed; on success the caller frees s with sensors_free. */
static int sensors_build(cg_sensors *s, int n, uint64_t seed) {
  cg_rng r;
  memset(s, 0, sizeof *s);
  s->n = n;
  size_t z = (size_t)(n ? n : 1);
  s->id = malloc(z * sizeof *s->id);
  s->idlen = malloc(z);
  s->metric = malloc(z);
  s->x = malloc(z * sizeof *s->x);
  s->y = malloc(z * sizeof *s->y);
  s->warn = malloc(z * sizeof *s->warn);
  s->base = malloc(z * sizeof(double));
  s->a1 = malloc(z * sizeof(double));
  s->b1 = malloc(z * sizeof(double));
  s->a2 = malloc(z * sizeof(double));
  s->b2 = malloc(z * sizeof(double));
  s->trend = malloc(z * sizeof(double));
  if (!s->id || !s->idlen || !s->metric || !s->x || !s->y || !s->warn || !s->base || !s->a1 ||
      !s->b1 || !s->a2 || !s->b2 || !s->trend) {
    fprintf(stderr, "gp-citygen: out of memory\n");
    sensors_free(s);
    return -1;
  }
  rng_init(&r, seed, TAG_SENSORS, 0);
  int k = 0;
  for (int m = 0; m < M_COUNT; m++) {
    const metric_def *md = &METRIC[m];
    int cnt = n / M_COUNT + (m < n % M_COUNT);
    for (int i = 1; i <= cnt; i++, k++) {
      s->idlen[k] = (uint8_t)snprintf(s->id[k], sizeof s->id[k], "%s-%04d", md->prefix, i);
      s->metric[k] = (uint8_t)m;
      s->x[k] = BOX_X0 + 2000 + (int32_t)rng_below(&r, BOX_W - 4000 + 1);
      s->y[k] = BOX_Y0 + 2000 + (int32_t)rng_below(&r, BOX_W - 4000 + 1);
      s->warn[k] = (int32_t)cg_round(rng_range(&r, md->warn_lo, md->warn_hi) * 100.0);
      double base = rng_range(&r, md->base_lo, md->base_hi);
      s->base[k] = m == M_WATER ? base * s->warn[k] / 100.0 : base;
      double peak1 =
          md->peak1 < 0 ? rng_range(&r, 0.0, 24.0) : md->peak1 + rng_range(&r, -0.5, 0.5);
      double amp1 = rng_range(&r, md->amp1_lo, md->amp1_hi);
      cycle_coef(amp1, peak1, 1, &s->a1[k], &s->b1[k]);
      /* One draw per statement: argument evaluation order is unspecified in C. */
      double amp2 = md->amp2_hi > 0 ? rng_range(&r, md->amp2_lo, md->amp2_hi) : 0.0;
      double peak2 = md->peak2 + rng_range(&r, -0.3, 0.3);
      cycle_coef(amp2, peak2, 2, &s->a2[k], &s->b2[k]);
      s->trend[k] = md->trend_per_day / 24.0 * rng_range(&r, 0.7, 1.3);
    }
  }
  return 0;
}

static int write_sensors(const cg_sensors *s, const char *dir, int64_t *rows) {
  cg_out o;
  if (out_open(&o, dir, "sensors.csv")) return -1;
  out_str(&o, "sensor_id,lon,lat,metric,warn_line\n");
  for (int k = 0; k < s->n; k++) {
    char *p = out_ptr(&o, 128);
    memcpy(p, s->id[k], s->idlen[k]);
    p += s->idlen[k];
    *p++ = ',';
    p = put_micro(p, s->x[k]);
    *p++ = ',';
    p = put_micro(p, s->y[k]);
    *p++ = ',';
    size_t ml = strlen(METRIC[s->metric[k]].name);
    memcpy(p, METRIC[s->metric[k]].name, ml);
    p += ml;
    *p++ = ',';
    p = put_centi(p, s->warn[k]);
    *p++ = '\n';
    out_commit(&o, p);
  }
  *rows = s->n;
  return out_close(&o);
}

/* A rain event's normalised shape: 0 before t0, rising as x^1.5 to 1 at the peak tp, then
 * receding exponentially with time constant tau (hours). */
typedef struct cg_rain {
  double t0, tp, tau;
} cg_rain;

static double rain_at(const cg_rain *e, double t) {
  if (t <= e->t0) return 0.0;
  if (t < e->tp) {
    double x = (t - e->t0) / (e->tp - e->t0);
    return x * sqrt(x);
  }
  double v = cg_exp(-(t - e->tp) / e->tau);
  return v < 1e-4 ? 0.0 : v;
}

/* Readings, all sensors at t, then t + 5 min. Each value is
 *   base + daily cycle + twice-daily cycle + trend t + sum_e w[s][e] rain_e(t) + AR(1) noise,
 * clamped to the metric's floor and rounded to hundredths. A few rain events per month are
 * shared by the whole city; the last starts 20 h before the end and peaks 4 h after it, so
 * gauges are still rising when the feed stops. For water gauges its weight is solved so that the
 * noiseless last value is base + f (warn - base), with f stratified over [0.30, 1.10) across
 * the gauges: one gauge in eight ends above its warn_line, whatever the seed or fleet size. */
static int write_readings(const cg_sensors *s, const char *dir, int days, uint64_t seed,
                          int64_t *rows) {
  int rc = -1;
  cg_out o = {0};
  cg_rng r;
  cg_rain ev[CG_MAX_RAIN];
  double *w = NULL, *noise = NULL, *innov = NULL;
  uint32_t *perm = NULL;
  const int n = s->n;
  const int64_t steps = (int64_t)days * 288;
  const double tend = days * 24.0, tlast = tend - 1.0 / 12.0;

  rng_init(&r, seed, TAG_READINGS, 0);
  int ne = (days * 4 + 15) / 30;
  if (ne < 1) ne = 1;
  if (ne > CG_MAX_RAIN - 1) ne = CG_MAX_RAIN - 1;
  double rel[CG_MAX_RAIN];
  for (int e = 0; e < ne; e++) {
    ev[e].t0 = rng_range(&r, 0.03, 0.85) * (tend > 48.0 ? tend - 24.0 : 24.0);
    ev[e].tp = ev[e].t0 + rng_range(&r, 3.0, 10.0);
    ev[e].tau = rng_range(&r, 8.0, 30.0);
    rel[e] = rng_range(&r, 0.35, 0.85);
  }
  ev[ne] = (cg_rain){tend - 20.0, tend + 4.0, 24.0};
  rel[ne] = 1.0;
  ne++;

  w = malloc(sizeof *w * (size_t)(n ? n : 1) * (size_t)ne);
  noise = malloc(sizeof *noise * (size_t)(n ? n : 1));
  innov = malloc(sizeof *innov * (size_t)(n ? n : 1));
  perm = malloc(sizeof *perm * (size_t)(n ? n : 1));
  if (!w || !noise || !innov || !perm) {
    fprintf(stderr, "gp-citygen: out of memory\n");
    goto cleanup;
  }
  int nw = 0;
  for (int k = 0; k < n; k++) nw += s->metric[k] == M_WATER;
  for (int k = 0; k < nw; k++) perm[k] = (uint32_t)k;
  for (int k = nw - 1; k > 0; k--) {
    uint32_t j = rng_below(&r, (uint32_t)k + 1), t = perm[k];
    perm[k] = perm[j];
    perm[j] = t;
  }
  double sl, cl;
  cg_sincos(2.0 * CG_PI / 24.0 * tlast, &sl, &cl);
  for (int k = 0, iw = 0; k < n; k++) {
    const metric_def *md = &METRIC[s->metric[k]];
    double *wk = &w[(size_t)k * (size_t)ne];
    noise[k] = md->noise_sd * rng_fastnormal(&r);
    innov[k] = md->noise_sd * sqrt(1.0 - md->phi * md->phi);
    if (s->metric[k] != M_WATER) {
      for (int e = 0; e < ne; e++) wk[e] = md->rain * rel[e] * rng_range(&r, 0.7, 1.3);
      continue;
    }
    double margin = s->warn[k] / 100.0 - s->base[k];
    double f = 0.30 + 0.80 * ((double)perm[iw++] + rng_unit(&r)) / (double)nw;
    double rest = s->a1[k] * cl + s->b1[k] * sl;
    for (int e = 0; e < ne - 1; e++) {
      wk[e] = margin * f * rel[e] * rng_range(&r, 0.7, 1.3);
      rest += wk[e] * rain_at(&ev[e], tlast);
    }
    double fin = (margin * f - rest) / rain_at(&ev[ne - 1], tlast);
    wk[ne - 1] = fin > 0.0 ? fin : 0.0;
  }

  if (out_open(&o, dir, "readings.csv")) goto cleanup;
  out_str(&o, "sensor_id,ts,value\n");
  const int64_t day0 = days_from_civil(2024, 6, 1);
  char ts[21];
  ts[20] = ',';
  memcpy(ts + 13, ":00:00Z", 7);
  int act[CG_MAX_RAIN];
  double av[CG_MAX_RAIN];
  for (int64_t t = 0; t < steps; t++) {
    double th = (double)t / 12.0, s1, c1, s2, c2;
    cg_sincos(2.0 * CG_PI / 24.0 * th, &s1, &c1);
    cg_sincos(4.0 * CG_PI / 24.0 * th, &s2, &c2);
    int na = 0;
    for (int e = 0; e < ne; e++) {
      double v = rain_at(&ev[e], th);
      if (v != 0.0) act[na] = e, av[na++] = v;
    }
    if (t % 288 == 0) put_date_t(ts, day0 + t / 288);
    put_2d(ts + 11, (int)(t % 288 / 12));
    put_2d(ts + 14, (int)(t % 12 * 5));
    for (int k = 0; k < n; k++) {
      const double *wk = &w[(size_t)k * (size_t)ne];
      const metric_def *md = &METRIC[s->metric[k]];
      double v = s->base[k] + s->a1[k] * c1 + s->b1[k] * s1 + s->a2[k] * c2 + s->b2[k] * s2 +
                 s->trend[k] * th;
      for (int a = 0; a < na; a++) v += wk[act[a]] * av[a];
      double z = md->phi * noise[k] + innov[k] * rng_fastnormal(&r);
      noise[k] = z;
      v += z;
      if (v < md->floor) v = md->floor;
      char *p = out_ptr(&o, 64);
      memcpy(p, s->id[k], 16); /* fixed-size copy is faster; the tail is overwritten */
      p += s->idlen[k];
      *p++ = ',';
      memcpy(p, ts, 21);
      p = put_centi(p + 21, cg_round(v * 100.0));
      *p++ = '\n';
      out_commit(&o, p);
    }
  }
  *rows = steps * n;
  rc = out_close(&o);
cleanup:
  out_close(&o);
  free(perm);
  free(innov);
  free(noise);
  free(w);
  return rc;
}

/* ---- command line ------------------------------------------------------------------------- */

enum { ONLY_EVENTS = 1, ONLY_SENSORS = 2, ONLY_READINGS = 4, ONLY_REGIONS = 8, ONLY_SCENARIOS = 16 };

static void usage(FILE *f) {
  fprintf(f,
          "usage: gp-citygen --out DIR [--sf 1.0] [--seed 42] [--sensors 2000] [--days 30]\n"
          "                  [--only events,sensors,readings,regions,scenarios] [--demo]\n"
          "  --demo  a small city: --sf 0.05 --sensors 100 --days 7 (later flags override)\n"
          "writes events.csv sensors.csv readings.csv regions.csv district.wkt into DIR, and\n"
          "the warning scenarios (tickets, parking, gauges, forests, planted.csv, replay.csv)\n");
}

/* mkdir -p: creates DIR and missing parents; existing directories are fine. */
static int make_dirs(const char *dir) {
  char path[4096];
  size_t n = strlen(dir);
  if (n == 0 || n >= sizeof path) return -1;
  memcpy(path, dir, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (path[i] != '/' && path[i] != '\0') continue;
    char save = path[i];
    path[i] = '\0';
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
      fprintf(stderr, "gp-citygen: cannot create %s: %s\n", path, strerror(errno));
      return -1;
    }
    path[i] = save;
  }
  return 0;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void report(const char *file, int64_t rows, double t0) {
  fprintf(stderr, "%s: %lld rows (%.2f s)\n", file, (long long)rows, now_s() - t0);
}

static int parse_only(const char *s, int *mask) {
  *mask = 0;
  while (*s) {
    const char *e = strchr(s, ',');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    static const struct { const char *name; int bit; } T[] = {
        {"events", ONLY_EVENTS}, {"sensors", ONLY_SENSORS},
        {"readings", ONLY_READINGS}, {"regions", ONLY_REGIONS}, {"scenarios", ONLY_SCENARIOS}};
    int found = 0;
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
      if (strlen(T[i].name) == n && memcmp(T[i].name, s, n) == 0) *mask |= T[i].bit, found = 1;
    if (!found) return -1;
    s += n + (e != NULL);
  }
  return *mask ? 0 : -1;
}

int main(int argc, char **argv) {
  const char *out = NULL;
  double sf = 1.0;
  uint64_t seed = 42;
  long sensors = 2000, days = 30;
  int only = ONLY_EVENTS | ONLY_SENSORS | ONLY_READINGS | ONLY_REGIONS | ONLY_SCENARIOS;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    char *end = NULL;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stderr);
      return 0;
    } else if (strcmp(a, "--demo") == 0) {
      sf = 0.05, sensors = 100, days = 7;
      continue;
    }
    if (!v) goto bad;
    errno = 0;
    if (strcmp(a, "--out") == 0) out = v;
    else if (strcmp(a, "--sf") == 0) sf = strtod(v, &end);
    else if (strcmp(a, "--seed") == 0) seed = strtoull(v, &end, 10);
    else if (strcmp(a, "--sensors") == 0) sensors = strtol(v, &end, 10);
    else if (strcmp(a, "--days") == 0) days = strtol(v, &end, 10);
    else if (strcmp(a, "--only") == 0) {
      if (parse_only(v, &only)) goto bad;
    } else goto bad;
    if (end && (*end || end == v || errno)) goto bad;
    i++;
  }
  if (!out || !(sf > 0.0 && sf <= 1e4) || sensors < 0 || sensors > 1000000 || days < 1 ||
      days > 366)
    goto bad;
  if (make_dirs(out)) return 1;

  cg_city *city = malloc(sizeof *city);
  if (!city) {
    fprintf(stderr, "gp-citygen: out of memory\n");
    return 1;
  }
  build_city(city, seed);
  int rc = 0;
  int64_t rows = 0;
  double t0 = now_s();
  if ((only & ONLY_REGIONS) && rc == 0) {
    rc = write_regions(city, out, &rows);
    if (rc == 0) report("regions.csv", rows, t0), report("district.wkt", 1, t0);
  }
  if ((only & ONLY_EVENTS) && rc == 0) {
    t0 = now_s();
    rc = write_events(city, out, cg_round(sf * 1e6), sf, seed, &rows);
    if (rc == 0) report("events.csv", rows, t0);
  }
  if ((only & (ONLY_SENSORS | ONLY_READINGS)) && rc == 0) {
    cg_sensors s;
    rc = sensors_build(&s, (int)sensors, seed);
    if (rc == 0 && (only & ONLY_SENSORS)) {
      t0 = now_s();
      rc = write_sensors(&s, out, &rows);
      if (rc == 0) report("sensors.csv", rows, t0);
    }
    if (rc == 0 && (only & ONLY_READINGS)) {
      t0 = now_s();
      rc = write_readings(&s, out, (int)days, seed, &rows);
      if (rc == 0) report("readings.csv", rows, t0);
    }
    sensors_free(&s);
  }
  /* the warning models' tables (scenarios.c): fixed in size and period, whatever --sf and --days */
  if ((only & ONLY_SCENARIOS) && rc == 0) {
    t0 = now_s();
    rc = cg_write_scenarios(city, out, seed, &rows);
    if (rc == 0) report("scenarios", rows, t0);
  }
  free(city);
  return rc ? 1 : 0;
bad:
  usage(stderr);
  return 2;
}
