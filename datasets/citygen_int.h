/* citygen_int.h - what citygen.c shares with scenarios.c: the city's frame, the random streams,
 * the calendar, hand-made number formatting and buffered output (see datasets/README.md).
 * Internal to gp-citygen; nothing else includes it. */
#ifndef GP_CITYGEN_INT_H
#define GP_CITYGEN_INT_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- the city's fixed frame ------------------------------------------------------------ */

/* Box corners in micro-degrees: every coordinate is an integer number of micro-degrees, which is
 * exactly what 6 printed decimals can say. */
#define BOX_X0 118200000
#define BOX_X1 118500000
#define BOX_Y0 33800000
#define BOX_Y1 34100000
#define BOX_W 300000 /* box width and height, micro-degrees */

#define CG_NX 31          /* region columns (lon) */
#define CG_NY 32          /* region rows (lat); 31 x 32 = 992 regions */
#define CG_NCAT 182       /* categories c000..c181 */
#define CG_NHOT 12        /* Gaussian hotspots */
#define CG_NSPOT 4        /* planted c000 incident spots */
#define CG_NDV 16         /* district polygon vertices */
#define CG_NSRC 5         /* event sources */
#define CG_YEAR_DAYS 366  /* 2024 is a leap year */
#define CG_AUG1 213       /* day index of 2024-08-01 within 2024 (0 = Jan 1) */
#define CG_SPOT_R_M 200.0 /* planted spot radius, metres */
#define CG_MAX_RAIN 64    /* rain events in the readings period, upper bound */

#define CG_EARTH_R 6371008.771415 /* mean Earth radius, the one CITYBENCH Q6 uses */
#define CG_PI 3.14159265358979323846
#define CG_OUTBUF (8u << 20)

/* Round half away from zero to an integer; the one rounding every printed number goes through. */
static inline int64_t cg_round(double x) {
  return x >= 0.0 ? (int64_t)(x + 0.5) : -(int64_t)(-x + 0.5);
}

/* ---- random streams ---------------------------------------------------------------------- */

/* Stream tags: each names one independent consumer of randomness. */
enum {
  TAG_CITY = 1,
  TAG_DAYS,
  TAG_EVDAY,
  TAG_PLANT,
  TAG_SENSORS,
  TAG_READINGS,
  TAG_DISTRICT,
  TAG_SCENARIO /* scenarios.c: the warning models' data */
};

typedef struct cg_rng {
  uint64_t s[4]; /* xoshiro256** state, never all zero (splitmix64 output) */
} cg_rng;

static inline uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Streams for different (tag, idx) start from unrelated splitmix64 points, so adding draws to one
 * consumer never shifts another's numbers. */
static inline void rng_init(cg_rng *r, uint64_t seed, uint64_t tag, uint64_t idx) {
  uint64_t x = seed;
  uint64_t a = splitmix64(&x) ^ (tag * 0xD1B54A32D192ED03ull);
  a = splitmix64(&a) ^ (idx * 0xAEF17502108EF2D9ull);
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&a);
}

static inline uint64_t rotl64(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(cg_rng *r) {
  uint64_t *s = r->s;
  uint64_t out = rotl64(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl64(s[3], 45);
  return out;
}

/* Uniform in [0, 1), 53 bits. */
static inline double rng_unit(cg_rng *r) {
  return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [lo, hi). */
static inline double rng_range(cg_rng *r, double lo, double hi) {
  return lo + (hi - lo) * rng_unit(r);
}

/* Uniform integer in [0, n), n < 2^32 (multiply-shift; the bias of < n / 2^32 is irrelevant). */
static inline uint32_t rng_below(cg_rng *r, uint32_t n) {
  return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* ---- calendar ------------------------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date (the era-based method: shift the year to
 * start in March so the leap day is last). Example: 2024-06-01 -> 19875. */
static inline int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static inline void civil_from_days(int64_t z, int *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Writes "YYYY-MM-DDT" (11 bytes, no terminator) for a day number. */
static inline void put_date_t(char *p, int64_t day) {
  int y, m, d;
  civil_from_days(day, &y, &m, &d);
  p[0] = (char)('0' + y / 1000 % 10);
  p[1] = (char)('0' + y / 100 % 10);
  p[2] = (char)('0' + y / 10 % 10);
  p[3] = (char)('0' + y % 10);
  p[4] = '-';
  p[5] = (char)('0' + m / 10);
  p[6] = (char)('0' + m % 10);
  p[7] = '-';
  p[8] = (char)('0' + d / 10);
  p[9] = (char)('0' + d % 10);
  p[10] = 'T';
}

/* ---- number formatting ---------------------------------------------------------------------- */

static inline char *put_u64(char *p, uint64_t v) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) *p++ = tmp[--n];
  return p;
}

/* Hundredths as a 2-decimal number: 1234 -> "12.34", -5 -> "-0.05". */
static inline char *put_centi(char *p, int64_t c) {
  if (c < 0) {
    *p++ = '-';
    c = -c;
  }
  p = put_u64(p, (uint64_t)(c / 100));
  *p++ = '.';
  *p++ = (char)('0' + c % 100 / 10);
  *p++ = (char)('0' + c % 10);
  return p;
}

/* Micro-degrees (always positive here) with 6 decimals: 118234567 -> "118.234567". */
static inline char *put_micro(char *p, int32_t v) {
  p = put_u64(p, (uint64_t)(v / 1000000));
  *p++ = '.';
  int32_t f = v % 1000000;
  for (int i = 5; i >= 0; i--) {
    p[i] = (char)('0' + f % 10);
    f /= 10;
  }
  return p + 6;
}

static inline char *put_2d(char *p, int v) {
  p[0] = (char)('0' + v / 10);
  p[1] = (char)('0' + v % 10);
  return p + 2;
}

/* ---- buffered output ------------------------------------------------------------------------ */

typedef struct cg_out {
  FILE *f;         /* owned, closed by out_close */
  char *buf;       /* owned, CG_OUTBUF bytes */
  size_t len;      /* bytes pending in buf */
  int failed;      /* a write failed; reported once by out_close */
  char path[4096]; /* for messages */
} cg_out;

int out_open(cg_out *o, const char *dir, const char *name);
void out_flush(cg_out *o);
void out_str(cg_out *o, const char *s);
/* Flushes and closes; returns 0, or -1 after printing why. Safe on a never-opened cg_out. */
int out_close(cg_out *o);

/* Room for at least `need` more bytes (need <= 64 KiB); callers then write through out_ptr. */
static inline char *out_ptr(cg_out *o, size_t need) {
  if (o->len + need > CG_OUTBUF) out_flush(o);
  return o->buf + o->len;
}

static inline void out_commit(cg_out *o, char *end) {
  o->len = (size_t)(end - o->buf);
}

/* ---- the city: regions, district, hotspots, tables -------------------------------------- */

typedef struct cg_city {
  int32_t gx[CG_NX + 1][CG_NY + 1];   /* region grid vertex lon [column][row], micro-degrees */
  int32_t gy[CG_NX + 1][CG_NY + 1];   /* region grid vertex lat */
  int32_t dx[CG_NDV], dy[CG_NDV];     /* district ring, counter-clockwise, not repeated */
  int32_t dminx, dmaxx, dminy, dmaxy; /* district bounding box */
  double mx, my;                      /* metres per micro-degree of lon / lat at the box centre */
  double hx[CG_NHOT], hy[CG_NHOT];    /* hotspot centres, micro-degrees */
  double hsx[CG_NHOT], hsy[CG_NHOT];  /* hotspot sigmas, micro-degrees */
  double hot_cdf[CG_NHOT];            /* which hotspot a hotspot event comes from */
  double cat_cdf[CG_NCAT];            /* Zipf(1.1) over c000..c181 */
  double cat_med[CG_NCAT];            /* per-category median handle hours */
  double hour_cdf[24];                /* hour of day, UTC */
  double src_cdf[CG_NSRC];            /* source weights */
  double spot_x[CG_NSPOT], spot_y[CG_NSPOT]; /* planted spot centres, micro-degrees */
  int spot_region[CG_NSPOT];                 /* region index (0-based) holding each spot */
} cg_city;

/* scenarios.c: writes the warning models' tables, the forests layer and the expected alert
 * timelines (planted.csv, replay.csv) into dir; *rows gets the rows of all of them. */
int cg_write_scenarios(const cg_city *c, const char *dir, uint64_t seed, int64_t *rows);

#endif
