/* scenarios.c - the data of the five seed-city warning models (datasets/warnings/) and the
 * alert timelines those models must produce on it (see datasets/README.md, "Scenarios").
 *
 * The one idea: every incident is planted at a known time and place, and the expected
 * transitions are computed here from the very values written, by a second, deliberately plain
 * implementation of the models' rules and of the warning state machine (no gridpulse code), so
 * the end-to-end test (tests/e2e/warn_scenarios.sh) compares gridpulse's alert_history with
 * something gridpulse did not compute. Background rows are drawn so that they stay clear of every
 * threshold (checked below: gp-citygen fails rather than write a borderline value), hence the
 * timelines do not depend on how a double rounds in either implementation.
 *
 * All tables here are new files: events.csv, sensors.csv and readings.csv (CityBench) are not
 * touched, and nothing here draws from their random streams (TAG_SCENARIO only). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include <math.h>
#include <stdlib.h>

#include "citygen_int.h"

/* ---- time ----------------------------------------------------------------------------------- */

#define MIN 60
#define HOUR 3600
#define DAY 86400
#define WEEK (7 * DAY)

/* Seconds since 1970 of a UTC date and time. */
static int64_t ts_of(int y, int mo, int d, int h, int mi, int s) {
  return days_from_civil(y, mo, d) * DAY + h * HOUR + mi * MIN + s;
}

/* "YYYY-MM-DDTHH:MM:SSZ" (20 bytes) for the data files. */
static char *put_iso(char *p, int64_t t) {
  int64_t day = t >= 0 ? t / DAY : (t - DAY + 1) / DAY, sec = t - day * DAY;
  put_date_t(p, day);
  p = put_2d(p + 11, (int)(sec / HOUR));
  *p++ = ':';
  p = put_2d(p, (int)(sec / MIN % 60));
  *p++ = ':';
  p = put_2d(p, (int)(sec % 60));
  *p++ = 'Z';
  return p;
}

/* "YYYY-MM-DD HH:MM:SS" (19 bytes), as SQL prints a TIMESTAMP, for planted.csv and replay.csv. */
static char *put_sqlts(char *p, int64_t t) {
  put_iso(p, t);
  p[10] = ' ';
  return p + 19;
}

/* ---- the models' parameters (keep in step with datasets/warnings/ *.sql) -----------------------
 */

enum { W_GRID, W_OVERDUE, W_PARKING, W_FLOOD, W_FOREST, W_COUNT };

typedef struct model_def {
  const char *name;     /* the warning's name, as in its CREATE WARNING */
  int64_t every, hold;  /* EVERY and FOR, seconds (hold 0: fires at once) */
  const char *level[3]; /* LEVELS, least severe first; NULL: one level named as the warning */
  int64_t from, to;     /* the replay window of the test: slots from <= t < to */
} model_def;

/* Replay windows start and end between slots, so whether --to is inclusive does not matter. */
static const model_def *models(void) {
  static model_def M[W_COUNT];
  static int done;
  if (!done) {
    M[W_GRID] = (model_def){
        "grid_incidence",           WEEK, 0, {"yellow", "orange", NULL}, ts_of(2024, 6, 5, 0, 0, 0),
        ts_of(2024, 6, 28, 0, 0, 0)};
    M[W_OVERDUE] = (model_def){"overdue_tickets",
                               HOUR,
                               0,
                               {"handler", "unit_head", "leader"},
                               ts_of(2024, 6, 10, 0, 30, 0),
                               ts_of(2024, 6, 17, 0, 30, 0)};
    M[W_PARKING] = (model_def){"illegal_parking",
                               5 * MIN,
                               15 * MIN,
                               {NULL, NULL, NULL},
                               ts_of(2024, 6, 5, 9, 2, 30),
                               ts_of(2024, 6, 5, 16, 2, 30)};
    M[W_FLOOD] = (model_def){"flood_points",
                             5 * MIN,
                             15 * MIN,
                             {"notify", "prepare", "evacuate"},
                             ts_of(2024, 6, 8, 0, 2, 30),
                             ts_of(2024, 6, 9, 0, 2, 30)};
    M[W_FOREST] = (model_def){"forest_fire",
                              5 * MIN,
                              0,
                              {NULL, NULL, NULL},
                              ts_of(2024, 6, 15, 12, 2, 30),
                              ts_of(2024, 6, 15, 14, 2, 30)};
    done = 1;
  }
  return M;
}

/* ---- expected transitions ------------------------------------------------------------------ */

/* The warning state machine of query/doc/warnings.md, "States": an instance is active when its
 * row is there and a level holds. inactive -> pending at the first active slot (with no FOR
 * straight to firing) -> firing at the first slot at least FOR after that; a pending instance
 * no longer active is cleared (recorded as inactive); a level change of a firing instance is a
 * transition of its own; a firing instance no longer active is resolved, or with RESOLVE WHEN,
 * resolved when its row is there and the condition holds or its row is gone, and in between
 * stays firing at its last level. */
enum { S_INACTIVE, S_PENDING, S_FIRING };
static const char *const STATE_NAME[3] = {"inactive", "pending", "firing"};

typedef struct sm_inst {
  int state;     /* S_* */
  int level;     /* index into model_def.level while pending or firing */
  int64_t since; /* first slot of the current pending run */
} sm_inst;

typedef struct trans {
  int w;         /* W_* */
  char inst[40]; /* labels as text, e.g. "sensor_id=fp-03" */
  int64_t ts;    /* slot */
  const char *state, *level;
} trans;

typedef struct trans_list {
  trans *v;
  size_t n, cap;
  int oom;
} trans_list;

static void emit(trans_list *l, int w, const char *inst, int64_t ts, const char *state, int level) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 256;
    trans *v = realloc(l->v, cap * sizeof *v);
    if (!v) {
      l->oom = 1;
      return;
    }
    l->v = v, l->cap = cap;
  }
  trans *t = &l->v[l->n++];
  t->w = w;
  snprintf(t->inst, sizeof t->inst, "%s", inst);
  t->ts = ts;
  t->state = state;
  const model_def *m = &models()[w];
  t->level = m->level[0] ? m->level[level] : m->name;
}

/* One slot of one instance. present: the query returned its row; level: the most severe level
 * whose condition holds, -1 for none; resolve: the RESOLVE WHEN condition on the row
 * (has_resolve: the model has one). */
static void sm_step(trans_list *l, int w, const char *inst, sm_inst *s, int64_t t, int present,
                    int level, int has_resolve, int resolve) {
  const model_def *m = &models()[w];
  int active = present && level >= 0;
  if (s->state == S_FIRING) {
    int end = has_resolve ? !present || resolve : !active;
    if (end) {
      emit(l, w, inst, t, "resolved", s->level);
      s->state = S_INACTIVE;
    } else if (active && level != s->level) {
      s->level = level;
      emit(l, w, inst, t, STATE_NAME[S_FIRING], level);
    }
    return;
  }
  if (!active) {
    if (s->state == S_PENDING) emit(l, w, inst, t, STATE_NAME[S_INACTIVE], s->level);
    s->state = S_INACTIVE;
    return;
  }
  if (s->state == S_INACTIVE) {
    s->since = t;
    s->state = S_PENDING;
    if (m->hold > 0) {
      s->level = level;
      emit(l, w, inst, t, STATE_NAME[S_PENDING], level);
      return;
    }
  }
  s->level = level;
  if (t - s->since >= m->hold) {
    s->state = S_FIRING;
    emit(l, w, inst, t, STATE_NAME[S_FIRING], level);
  }
}

/* First slot of model m at or after t (slots are multiples of EVERY since 1970, in UTC). */
static int64_t first_slot(const model_def *m, int64_t t) {
  return (t + m->every - 1) / m->every * m->every;
}

/* ---- tickets: regional high incidence (a) and overdue escalation (b) --------------------------
 */

#define TK_WEEKS 13   /* 2024-04-04 .. 2024-07-04, Thursday to Thursday */
#define TK_FLOOR 5    /* the model's minimum weekly count (see grid_incidence.sql) */
#define TK_PLANT_I 14 /* the planted grid: column 14, row 15 = G480 */
#define TK_PLANT_J 15

static const char *const TK_CAT[5] = {"housing", "ebike_charging", "noise", "road", "sanitation"};
static const int TK_SLA_H[5] = {72, 24, 12, 48, 24};

/* The planted grid's housing + e-bike-charging counts per week (week 0 = 2024-04-04). Weeks 1-8
 * are the baseline of week 9 (2024-06-06..13): mean 2.125, sd 1.458, so 8 > mean + 3 sd = 6.50
 * (yellow) but not > mean + 5 sd = 9.41; week 10's baseline (weeks 2-9) has mean 2.625, sd 2.504,
 * so 16 > mean + 5 sd = 15.14 (orange); week 11 falls back to 2 (resolved). */
static const int TK_PLANT_COUNT[TK_WEEKS] = {2, 4, 1, 3, 0, 2, 4, 1, 2, 8, 16, 2, 1};

typedef struct ticket {
  int64_t ts, closed; /* closed: -1 while open */
  int32_t x, y;
  int grid; /* region index, 0-based (G = grid + 1) */
  uint8_t cat;
  uint32_t seq; /* generation order, breaks ts ties */
  int64_t id;
} ticket;

/* Planted overdue tickets: created, SLA hours, closed; open past 1x, 2x and 3x their SLA. */
static const struct {
  int d, h, mi, cat, sla_h, cd, ch, cmi;
} TK_LATE[3] = {
    {10, 9, 20, 3, 24, 11, 20, 40},  /* road: past 1x (06-11 09:20), closed 06-11 20:40 */
    {12, 14, 35, 2, 12, 13, 22, 10}, /* noise: past 2x (06-13 14:35), closed 06-13 22:10 */
    {14, 8, 5, 4, 8, 16, 11, 50},    /* sanitation: past 3x (06-15 08:05), closed 06-16 11:50 */
};

static int cmp_ticket(const void *a, const void *b) {
  const ticket *x = a, *y = b;
  if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* A point strictly inside region (i, j): the bilinear image of (u, v) in [0.35, 0.65]^2 of the
 * convex quad, hundreds of metres from any border. */
static void in_region(const cg_city *c, int i, int j, double u, double v, int32_t *x, int32_t *y) {
  double x0 = c->gx[i][j] + u * (c->gx[i + 1][j] - c->gx[i][j]);
  double x1 = c->gx[i][j + 1] + u * (c->gx[i + 1][j + 1] - c->gx[i][j + 1]);
  double y0 = c->gy[i][j] + u * (c->gy[i + 1][j] - c->gy[i][j]);
  double y1 = c->gy[i][j + 1] + u * (c->gy[i + 1][j + 1] - c->gy[i][j + 1]);
  *x = (int32_t)cg_round(x0 + v * (x1 - x0));
  *y = (int32_t)cg_round(y0 + v * (y1 - y0));
}

static void unit_name(char *buf, size_t n, int grid) {
  int i = grid % CG_NX, j = grid / CG_NX;
  snprintf(buf, n, "U%02d", (1 + (j / 8) * 4 + i / 8) % 100);
}

/* Builds every ticket, sorted by time with ids 1..n. Returns the count, -1 out of memory. */
static int64_t tickets_build(const cg_city *c, uint64_t seed, ticket **out) {
  const int64_t t0 = ts_of(2024, 4, 4, 0, 0, 0);
  size_t cap = 16384, n = 0;
  ticket *v = malloc(cap * sizeof *v);
  cg_rng r;
  rng_init(&r, seed, TAG_SCENARIO, 0);
  if (!v) return -1;
  for (int w = 0; w < TK_WEEKS; w++) {
    for (int g = 0; g < CG_NX * CG_NY; g++) {
      int i = g % CG_NX, j = g / CG_NX;
      /* housing/e-bike at most 2 a week in a background grid (below TK_FLOOR: never a warning),
       * other categories as many */
      double u1 = rng_unit(&r);
      double u2 = rng_unit(&r);
      int k = u1 < 0.75 ? 0 : u1 < 0.93 ? 1 : 2, m = u2 < 0.6 ? 0 : u2 < 0.9 ? 1 : 2;
      if (i == TK_PLANT_I && j == TK_PLANT_J) k = TK_PLANT_COUNT[w];
      for (int e = 0; e < k + m; e++) {
        if (n == cap) {
          ticket *nv = realloc(v, 2 * cap * sizeof *v);
          if (!nv) return free(v), -1;
          v = nv, cap *= 2;
        }
        ticket *t = &v[n];
        t->seq = (uint32_t)n;
        n++;
        t->ts = t0 + (int64_t)w * WEEK + rng_below(&r, WEEK);
        int pick = (int)rng_below(&r, e < k ? 2 : 3);
        t->cat = (uint8_t)(e < k ? pick : 2 + pick);
        double u = rng_range(&r, 0.35, 0.65);
        double vv = rng_range(&r, 0.35, 0.65);
        in_region(c, i, j, u, vv, &t->x, &t->y);
        t->grid = g;
        /* closed within its SLA: a background ticket is never overdue */
        int64_t sla = (int64_t)TK_SLA_H[t->cat] * HOUR;
        t->closed = t->ts + (int64_t)(rng_range(&r, 0.1, 0.9) * (double)sla);
      }
    }
  }
  for (int p = 0; p < 3; p++) {
    if (n == cap) {
      ticket *nv = realloc(v, (cap + 3) * sizeof *v);
      if (!nv) return free(v), -1;
      v = nv, cap += 3;
    }
    ticket *t = &v[n];
    t->seq = (uint32_t)n;
    n++;
    int i = 5 + 6 * p, j = 24; /* three grids in the north, far from the planted one */
    t->grid = j * CG_NX + i;
    in_region(c, i, j, 0.5, 0.5, &t->x, &t->y);
    t->cat = (uint8_t)TK_LATE[p].cat;
    t->ts = ts_of(2024, 6, TK_LATE[p].d, TK_LATE[p].h, TK_LATE[p].mi, 0);
    t->closed = ts_of(2024, 6, TK_LATE[p].cd, TK_LATE[p].ch, TK_LATE[p].cmi, 0);
  }
  qsort(v, n, sizeof *v, cmp_ticket);
  for (size_t k = 0; k < n; k++) v[k].id = (int64_t)k + 1;
  *out = v;
  return (int64_t)n;
}

static int sla_of(const ticket *t) {
  for (int p = 0; p < 3; p++)
    if (t->ts == ts_of(2024, 6, TK_LATE[p].d, TK_LATE[p].h, TK_LATE[p].mi, 0) &&
        t->cat == TK_LATE[p].cat)
      return TK_LATE[p].sla_h;
  return TK_SLA_H[t->cat];
}

static int write_tickets(const ticket *v, int64_t n, const char *dir) {
  cg_out o;
  if (out_open(&o, dir, "tickets.csv")) return -1;
  out_str(&o, "id,ts,lon,lat,category,unit,sla_hours,closed_at\n");
  for (int64_t k = 0; k < n; k++) {
    const ticket *t = &v[k];
    char *p = out_ptr(&o, 160), unit[16];
    p = put_u64(p, (uint64_t)t->id);
    *p++ = ',';
    p = put_iso(p, t->ts);
    *p++ = ',';
    p = put_micro(p, t->x);
    *p++ = ',';
    p = put_micro(p, t->y);
    unit_name(unit, sizeof unit, t->grid);
    p += sprintf(p, ",%s,%s,%d,", TK_CAT[t->cat], unit, sla_of(t));
    if (t->closed >= 0) p = put_iso(p, t->closed);
    *p++ = '\n';
    out_commit(&o, p);
  }
  return out_close(&o);
}

/* grid_incidence: at each weekly slot s, per grid, n = housing + e-bike tickets in [s - 7 d, s),
 * mu and sd (sample) of the 8 weeks before, empty weeks 0; the row is there when n >= TK_FLOOR
 * and n > mu + 3 sd, orange when n > mu + 5 sd. */
static int expect_grid(const ticket *v, int64_t n, trans_list *l) {
  const model_def *m = &models()[W_GRID];
  const int64_t t0 = ts_of(2024, 4, 4, 0, 0, 0);
  const int ng = CG_NX * CG_NY;
  int *cnt = calloc((size_t)ng * TK_WEEKS, sizeof *cnt);
  sm_inst *st = calloc((size_t)ng, sizeof *st);
  if (!cnt || !st) return free(cnt), free(st), -1;
  for (int64_t k = 0; k < n; k++)
    if (v[k].cat < 2) cnt[v[k].grid * TK_WEEKS + (v[k].ts - t0) / WEEK]++;
  for (int64_t s = first_slot(m, m->from); s < m->to; s += m->every) {
    int wk = (int)((s - t0) / WEEK) - 1; /* the week that ends at s */
    for (int g = 0; g < ng; g++) {
      const int *cg = &cnt[g * TK_WEEKS];
      double mu = 0, ss = 0;
      for (int b = wk - 8; b < wk; b++) mu += cg[b];
      mu /= 8;
      for (int b = wk - 8; b < wk; b++) ss += (cg[b] - mu) * (cg[b] - mu);
      double sd = sqrt(ss / 7), x = cg[wk];
      if (x >= TK_FLOOR && (fabs(x - mu - 3 * sd) < 0.05 || fabs(x - mu - 5 * sd) < 0.05)) {
        fprintf(stderr, "gp-citygen: grid G%03d is on a threshold in the week before a slot\n",
                g + 1);
        return free(cnt), free(st), -1;
      }
      int lev = x >= TK_FLOOR && x > mu + 3 * sd ? (x > mu + 5 * sd ? 1 : 0) : -1;
      char inst[16];
      snprintf(inst, sizeof inst, "g=G%03d", g + 1);
      sm_step(l, W_GRID, inst, &st[g], s, lev >= 0, lev, 0, 0);
    }
  }
  free(cnt);
  free(st);
  return 0;
}

/* overdue_tickets: at each hourly slot t, a ticket created in the last 30 days, not closed by t
 * and past its deadline ts + SLA; its level by lateness (t - ts) / SLA: handler past 1x,
 * unit_head past 2x, leader past 3x. */
static int expect_overdue(const ticket *v, int64_t n, trans_list *l) {
  const model_def *m = &models()[W_OVERDUE];
  sm_inst *st = calloc((size_t)(n ? n : 1), sizeof *st);
  if (!st) return -1;
  for (int64_t s = first_slot(m, m->from); s < m->to; s += m->every) {
    for (int64_t k = 0; k < n; k++) {
      const ticket *t = &v[k];
      int64_t sla = (int64_t)sla_of(t) * HOUR, age = s - t->ts;
      int open = t->ts <= s && t->ts > s - 30 * DAY && (t->closed < 0 || t->closed > s);
      int lev = !open ? -1 : age > 3 * sla ? 2 : age > 2 * sla ? 1 : age > sla ? 0 : -1;
      if (lev < 0 && st[k].state == S_INACTIVE) continue;
      char inst[32];
      snprintf(inst, sizeof inst, "id=%lld", (long long)t->id);
      sm_step(l, W_OVERDUE, inst, &st[k], s, lev >= 0, lev, 0, 0);
    }
  }
  free(st);
  return 0;
}

/* ---- parking: detections reported after 15 minutes at one spot (c) ----------------------------
 */

#define PK_SPOTS 6
#define PK_DAYS 30 /* June 2024 */
#define PK_BG_PER_DAY 2

typedef struct stay {
  char plate[16]; /* "BG-" and any int: room that the compiler can see, not only what the counts allow */
  int spot;      /* 0-based: S01.. */
  int64_t first; /* first detection; every detection is at 30 s past a minute */
  int ndet;      /* one a minute, so the last is first + 60 (ndet - 1) */
} stay;

static const int32_t PK_X[PK_SPOTS] = {118341250, 118347310, 118352870,
                                       118358430, 118363990, 118369550};
static const int32_t PK_Y[PK_SPOTS] = {33951130, 33953370, 33949810, 33952590, 33950470, 33954210};

/* Background stays last 1-9 minutes (never 15); the two planted cars are at the end. */
static int stays_build(uint64_t seed, stay **out, int *n) {
  int cap = PK_DAYS * PK_SPOTS * PK_BG_PER_DAY + 2, k = 0;
  stay *v = calloc((size_t)cap, sizeof *v);
  if (!v) return -1;
  cg_rng r;
  rng_init(&r, seed, TAG_SCENARIO, 1);
  for (int d = 0; d < PK_DAYS; d++)
    for (int s = 0; s < PK_SPOTS; s++)
      for (int b = 0; b < PK_BG_PER_DAY; b++, k++) {
        snprintf(v[k].plate, sizeof v[k].plate, "BG-%04d", k + 1);
        v[k].spot = s;
        v[k].first = ts_of(2024, 6, 1 + d, 0, 0, 30) + (int64_t)rng_below(&r, 1439) * MIN;
        v[k].ndet = 1 + (int)rng_below(&r, 9);
      }
  /* 20 minutes at S02 (fires after 15), 10 minutes at S04 (never fires) */
  v[k++] = (stay){"SU-H1001", 1, ts_of(2024, 6, 5, 10, 2, 30), 21};
  v[k++] = (stay){"SU-H2002", 3, ts_of(2024, 6, 5, 14, 1, 30), 11};
  *out = v;
  *n = k;
  return 0;
}

typedef struct detection {
  int64_t ts;
  int stay;
} detection;

static int cmp_det(const void *a, const void *b) {
  const detection *x = a, *y = b;
  if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
  return (x->stay > y->stay) - (x->stay < y->stay);
}

static int write_parking(const stay *v, int n, const char *dir, int64_t *rows) {
  int nd = 0;
  for (int k = 0; k < n; k++) nd += v[k].ndet;
  detection *d = malloc((size_t)(nd ? nd : 1) * sizeof *d);
  if (!d) return -1;
  nd = 0;
  for (int k = 0; k < n; k++)
    for (int e = 0; e < v[k].ndet; e++) d[nd++] = (detection){v[k].first + (int64_t)e * MIN, k};
  qsort(d, (size_t)nd, sizeof *d, cmp_det);
  cg_out o;
  if (out_open(&o, dir, "parking.csv")) return free(d), -1;
  out_str(&o, "ts,plate,spot,lon,lat\n");
  for (int k = 0; k < nd; k++) {
    const stay *s = &v[d[k].stay];
    char *p = out_ptr(&o, 96);
    p = put_iso(p, d[k].ts);
    p += sprintf(p, ",%s,S%02d,", s->plate, s->spot + 1);
    p = put_micro(p, PK_X[s->spot]);
    *p++ = ',';
    p = put_micro(p, PK_Y[s->spot]);
    *p++ = '\n';
    out_commit(&o, p);
  }
  free(d);
  *rows = nd;
  return out_close(&o);
}

/* illegal_parking: at each 5-minute slot t, a (plate, spot) with a detection in (t - 5 m, t];
 * FOR 15 m. Detections are a minute apart, so that is: first <= t and last > t - 5 m. */
static int expect_parking(const stay *v, int n, trans_list *l) {
  const model_def *m = &models()[W_PARKING];
  sm_inst *st = calloc((size_t)n, sizeof *st);
  if (!st) return -1;
  for (int64_t s = first_slot(m, m->from); s < m->to; s += m->every)
    for (int k = 0; k < n; k++) {
      int64_t last = v[k].first + (int64_t)(v[k].ndet - 1) * MIN;
      int present = v[k].first <= s && last > s - 5 * MIN;
      if (!present && st[k].state == S_INACTIVE) continue;
      char inst[40];
      snprintf(inst, sizeof inst, "plate=%s,spot=S%02d", v[k].plate, v[k].spot + 1);
      sm_step(l, W_PARKING, inst, &st[k], s, present, 0, 0, 0);
    }
  free(st);
  return 0;
}

/* ---- series every 5 minutes, at 1 minute past (d) and (e)
 * ---------------------------------------- */

/* Readings are at 00:01, 00:06, ...: never on a slot, so a slot at t sees the reading of t - 4 m
 * whether the engine's "at or before t" is inclusive or not. */
#define SR_N (PK_DAYS * 288)
#define SR_T0 (ts_of(2024, 6, 1, 0, 1, 0))

/* A day's triangle wave in hundredths, +amp at hour peak_h (UTC), -amp 12 h away; no trig, so
 * nothing here depends on a libm. */
static int64_t tri(int64_t t, int64_t amp, int peak_h) {
  int64_t x = ((t - peak_h * HOUR) % DAY + DAY) % DAY; /* seconds since the peak */
  if (x > DAY / 2) x = DAY - x;
  return amp - 2 * amp * x / (DAY / 2);
}

typedef struct keypt {
  int d, h, mi; /* June day and time */
  int64_t v;    /* hundredths */
} keypt;

/* Linear between key points; returns 0 outside them (and sets *in to 0). */
static int64_t keyed(const keypt *kp, int nk, int64_t t, int *in) {
  *in = 0;
  for (int k = 0; k + 1 < nk; k++) {
    int64_t a = ts_of(2024, 6, kp[k].d, kp[k].h, kp[k].mi, 0);
    int64_t b = ts_of(2024, 6, kp[k + 1].d, kp[k + 1].h, kp[k + 1].mi, 0);
    if (t >= a && t < b) {
      *in = 1;
      return cg_round((double)kp[k].v +
                      (double)(kp[k + 1].v - kp[k].v) * (double)(t - a) / (double)(b - a));
    }
  }
  return 0;
}

/* ---- water gauges over their line (d) ------------------------------------------------------- */

#define FP_N 6

/* warn_line, prepare_line, evacuate_line, margin, base level, all in hundredths of a metre */
static const int64_t FP_LINE[FP_N][5] = {{250, 300, 350, 30, 115}, {280, 330, 380, 30, 125},
                                         {300, 350, 400, 30, 135}, {320, 370, 420, 30, 140},
                                         {300, 350, 400, 30, 130}, {260, 310, 360, 25, 120}};
static const int32_t FP_X[FP_N] = {118251370, 118283190, 118315530,
                                   118347710, 118379930, 118412170};
static const int32_t FP_Y[FP_N] = {33902310, 33905530, 33901790, 33906130, 33903370, 33907790};

/* fp-03 rises through notify, prepare and evacuate, falls back under its line but stays above
 * line - margin for over three hours, then below; fp-05 only enters that band (never fires). */
static const keypt FP3_EV[] = {{8, 6, 0, 135},  {8, 10, 0, 320}, {8, 12, 0, 370},
                               {8, 13, 0, 420}, {8, 15, 0, 420}, {8, 18, 0, 285},
                               {8, 21, 0, 285}, {8, 23, 0, 200}, {9, 0, 0, 135}};
static const keypt FP5_EV[] = {{8, 2, 0, 130}, {8, 5, 0, 290}, {8, 7, 0, 290}, {8, 10, 0, 130}};

/* Fills lv[g][k] (hundredths) for every gauge and reading. */
static void gauges_build(uint64_t seed, int64_t (*lv)[SR_N]) {
  cg_rng r;
  rng_init(&r, seed, TAG_SCENARIO, 2);
  for (int g = 0; g < FP_N; g++)
    for (int k = 0; k < SR_N; k++) {
      int64_t t = SR_T0 + (int64_t)k * 5 * MIN, in = 0;
      int64_t v = FP_LINE[g][4] + tri(t, 5, 2 + 3 * g) + (int64_t)rng_below(&r, 5) - 2;
      int e = 0;
      int64_t ev = g == 2 ? keyed(FP3_EV, 9, t, &e) : g == 4 ? keyed(FP5_EV, 4, t, &e) : 0;
      if (e) v = ev, in = 1;
      /* never exactly on a line: which side a tie falls is what no test should depend on */
      for (int again = 1; in && again;) {
        again = 0;
        for (int q = 0; q < 3; q++) again |= v == FP_LINE[g][q];
        again |= v == FP_LINE[g][0] - FP_LINE[g][3];
        if (again) v++;
      }
      lv[g][k] = v;
    }
}

static int write_gauges(int64_t (*lv)[SR_N], const char *dir, int64_t *rows) {
  cg_out o;
  if (out_open(&o, dir, "gauges.csv")) return -1;
  out_str(&o, "sensor_id,lon,lat,warn_line,prepare_line,evacuate_line,margin\n");
  for (int g = 0; g < FP_N; g++) {
    char *p = out_ptr(&o, 128);
    p += sprintf(p, "fp-%02d,", g + 1);
    p = put_micro(p, FP_X[g]);
    *p++ = ',';
    p = put_micro(p, FP_Y[g]);
    for (int q = 0; q < 4; q++) *p++ = ',', p = put_centi(p, FP_LINE[g][q]);
    *p++ = '\n';
    out_commit(&o, p);
  }
  if (out_close(&o) || out_open(&o, dir, "gauge_readings.csv")) return -1;
  out_str(&o, "sensor_id,ts,value\n");
  for (int k = 0; k < SR_N; k++)
    for (int g = 0; g < FP_N; g++) {
      char *p = out_ptr(&o, 64);
      p += sprintf(p, "fp-%02d,", g + 1);
      p = put_iso(p, SR_T0 + (int64_t)k * 5 * MIN);
      *p++ = ',';
      p = put_centi(p, lv[g][k]);
      *p++ = '\n';
      out_commit(&o, p);
    }
  *rows = FP_N + (int64_t)FP_N * SR_N;
  return out_close(&o);
}

/* flood_points: at each 5-minute slot t, each gauge's latest reading in (t - 30 m, t] (every
 * gauge has a row), its level notify / prepare / evacuate above each line; FOR 15 m; RESOLVE
 * WHEN level <= line - margin. */
static int expect_flood(int64_t (*lv)[SR_N], trans_list *l) {
  const model_def *m = &models()[W_FLOOD];
  sm_inst st[FP_N] = {{0}};
  for (int64_t s = first_slot(m, m->from); s < m->to; s += m->every) {
    int64_t k = (s - SR_T0) / (5 * MIN); /* latest reading at or before s */
    if (k < 0 || k >= SR_N) continue;
    for (int g = 0; g < FP_N; g++) {
      int64_t v = lv[g][k];
      int lev = v > FP_LINE[g][2] ? 2 : v > FP_LINE[g][1] ? 1 : v > FP_LINE[g][0] ? 0 : -1;
      int resolve = v <= FP_LINE[g][0] - FP_LINE[g][3];
      char inst[24];
      snprintf(inst, sizeof inst, "sensor_id=fp-%02d", g + 1);
      sm_step(l, W_FLOOD, inst, &st[g], s, 1, lev, 1, resolve);
    }
  }
  return 0;
}

/* ---- forest temperature rise (e) ----------------------------------------------------------------
 */

#define FT_N 6
#define FT_RISE 500 /* the model's X: 5.00 degC in 15 minutes */

/* Two hexagonal forests (micro-degrees, counter-clockwise); ft-01..03 in F1, ft-04..05 in F2,
 * ft-06 outside both. ft-02 and ft-06 get the same sharp rise on 2024-06-15. */
static const int32_t FR_CX[2] = {118430000, 118260000}, FR_CY[2] = {34030000, 34060000};
static const int32_t FR_DX[6] = {12000, 6000, -6000, -12000, -6000, 6000};
static const int32_t FR_DY[6] = {0, 10000, 10000, 0, -10000, -10000};
static const int32_t FT_X[FT_N] = {118431210, 118427730, 118434350,
                                   118261170, 118258390, 118350000};
static const int32_t FT_Y[FT_N] = {34031170, 34028290, 34027410, 34061530, 34058710, 33950000};
static const int FT_INSIDE[FT_N] = {1, 1, 1, 1, 1, 0};

/* +3 degC at 13:06, 13:11 and 13:16 on 2024-06-15, held, then down by 1.5 a reading. */
static const keypt FT_EV[] = {
    {15, 13, 6, 300}, {15, 13, 11, 600}, {15, 13, 16, 900}, {15, 13, 46, 900}, {15, 14, 16, 0}};

static void forest_build(uint64_t seed, int64_t (*tv)[SR_N]) {
  cg_rng r;
  rng_init(&r, seed, TAG_SCENARIO, 3);
  for (int f = 0; f < FT_N; f++)
    for (int k = 0; k < SR_N; k++) {
      int64_t t = SR_T0 + (int64_t)k * 5 * MIN;
      int64_t v = 2400 + 40 * f + tri(t, 400, 6) + (int64_t)rng_below(&r, 11) - 5;
      int e = 0;
      int64_t add = keyed(FT_EV, 5, t, &e);
      if (e && (f == 1 || f == 5)) v += add;
      tv[f][k] = v;
    }
}

static int write_forest(int64_t (*tv)[SR_N], const char *dir, int64_t *rows) {
  cg_out o;
  if (out_open(&o, dir, "forests.csv")) return -1;
  out_str(&o, "region_id,wkt\n");
  for (int f = 0; f < 2; f++) {
    char *p = out_ptr(&o, 512);
    p += sprintf(p, "F%d,\"POLYGON((", f + 1);
    for (int q = 0; q <= 6; q++) {
      if (q) *p++ = ',', *p++ = ' ';
      p = put_micro(p, FR_CX[f] + FR_DX[q % 6]);
      *p++ = ' ';
      p = put_micro(p, FR_CY[f] + FR_DY[q % 6]);
    }
    memcpy(p, "))\"\n", 4);
    out_commit(&o, p + 4);
  }
  if (out_close(&o) || out_open(&o, dir, "forest_temps.csv")) return -1;
  out_str(&o, "sensor_id,ts,lon,lat,value\n");
  for (int k = 0; k < SR_N; k++)
    for (int f = 0; f < FT_N; f++) {
      char *p = out_ptr(&o, 96);
      p += sprintf(p, "ft-%02d,", f + 1);
      p = put_iso(p, SR_T0 + (int64_t)k * 5 * MIN);
      *p++ = ',';
      p = put_micro(p, FT_X[f]);
      *p++ = ',';
      p = put_micro(p, FT_Y[f]);
      *p++ = ',';
      p = put_centi(p, tv[f][k]);
      *p++ = '\n';
      out_commit(&o, p);
    }
  *rows = 2 + (int64_t)FT_N * SR_N;
  return out_close(&o);
}

/* forest_fire: at each 5-minute slot t, a sensor inside a forest whose readings in (t - 20 m, t]
 * (four, 15 minutes from first to last) rose by more than FT_RISE. */
static int expect_forest(int64_t (*tv)[SR_N], trans_list *l) {
  const model_def *m = &models()[W_FOREST];
  sm_inst st[FT_N] = {{0}};
  for (int64_t s = first_slot(m, m->from); s < m->to; s += m->every) {
    int64_t k = (s - SR_T0) / (5 * MIN);
    if (k < 3 || k >= SR_N) continue;
    for (int f = 0; f < FT_N; f++) {
      int64_t rise = tv[f][k] - tv[f][k - 3];
      if (rise > FT_RISE - 20 && rise < FT_RISE + 20) {
        fprintf(stderr, "gp-citygen: ft-%02d rises by %lld at a slot: too close to the line\n",
                f + 1, (long long)rise);
        return -1;
      }
      char inst[24];
      snprintf(inst, sizeof inst, "sensor_id=ft-%02d", f + 1);
      int present = FT_INSIDE[f] && rise > FT_RISE;
      if (present || st[f].state != S_INACTIVE)
        sm_step(l, W_FOREST, inst, &st[f], s, present, 0, 0, 0);
    }
  }
  return 0;
}

/* ---- planted.csv, replay.csv ------------------------------------------------------------------
 */

static int cmp_trans(const void *a, const void *b) {
  const trans *x = a, *y = b;
  int c = strcmp(models()[x->w].name, models()[y->w].name);
  if (c) return c;
  if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
  return strcmp(x->inst, y->inst);
}

static int write_expected(trans_list *l, const char *dir, int64_t *rows) {
  cg_out o;
  qsort(l->v, l->n, sizeof *l->v, cmp_trans);
  if (out_open(&o, dir, "planted.csv")) return -1;
  out_str(&o, "warning,instance,ts,state,level\n");
  for (size_t k = 0; k < l->n; k++) {
    const trans *t = &l->v[k];
    char *p = out_ptr(&o, 160);
    /* RFC 4180, as gridpulse's csv mode writes it: a field with a comma is quoted */
    const char *q = strchr(t->inst, ',') ? "\"" : "";
    p += sprintf(p, "%s,%s%s%s,", models()[t->w].name, q, t->inst, q);
    p = put_sqlts(p, t->ts);
    p += sprintf(p, ",%s,%s\n", t->state, t->level);
    out_commit(&o, p);
  }
  if (out_close(&o) || out_open(&o, dir, "replay.csv")) return -1;
  out_str(&o, "warning,from,to\n");
  for (int w = 0; w < W_COUNT; w++) {
    const model_def *m = &models()[w];
    char *p = out_ptr(&o, 96);
    p += sprintf(p, "%s,", m->name);
    p = put_sqlts(p, m->from);
    *p++ = ',';
    p = put_sqlts(p, m->to);
    *p++ = '\n';
    out_commit(&o, p);
  }
  *rows = (int64_t)l->n + W_COUNT;
  return out_close(&o);
}

int cg_write_scenarios(const cg_city *c, const char *dir, uint64_t seed, int64_t *rows) {
  int rc = -1, nst = 0;
  int64_t nt = 0, r = 0;
  ticket *tk = NULL;
  stay *sv = NULL;
  trans_list l = {0};
  int64_t(*lv)[SR_N] = malloc(sizeof *lv * FP_N);
  int64_t(*tv)[SR_N] = malloc(sizeof *tv * FT_N);
  *rows = 0;
  if (!lv || !tv || (nt = tickets_build(c, seed, &tk)) < 0 || stays_build(seed, &sv, &nst)) {
    fprintf(stderr, "gp-citygen: out of memory\n");
    goto cleanup;
  }
  gauges_build(seed, lv);
  forest_build(seed, tv);
  if (write_tickets(tk, nt, dir)) goto cleanup;
  *rows += nt;
  if (write_parking(sv, nst, dir, &r)) goto cleanup;
  *rows += r;
  if (write_gauges(lv, dir, &r)) goto cleanup;
  *rows += r;
  if (write_forest(tv, dir, &r)) goto cleanup;
  *rows += r;
  if (expect_grid(tk, nt, &l) || expect_overdue(tk, nt, &l) || expect_parking(sv, nst, &l) ||
      expect_flood(lv, &l) || expect_forest(tv, &l))
    goto cleanup;
  if (l.oom) {
    fprintf(stderr, "gp-citygen: out of memory\n");
    goto cleanup;
  }
  if (write_expected(&l, dir, &r)) goto cleanup;
  *rows += r;
  rc = 0;
cleanup:
  free(l.v);
  free(sv);
  free(tk);
  free(tv);
  free(lv);
  return rc;
}
