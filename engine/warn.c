/* warn.c - stored warnings: the catalog entries, their persisted progress and instances, the
 * slot runner that evaluates, steps the state machine and records one slot in one batch, and
 * the daemon loop.
 *
 * Where things live:
 *   meta   "warn/<name>"            the definition (gp_warn_def, encoded below)
 *   alerts "p/<name>"               progress: last slot, its duration, counters, last error
 *   alerts "i/<name>\0<labels>"     one current instance (pending, firing or nodata)
 *   table  alert_history            one row per transition (an ordinary table: TIME ts,
 *                                   appended as fresh rows in the slot's batch)
 * A slot's batch holds the instance puts and deletes, the progress put (its last slot), the
 * history rows and the outbox entries: after a crash either all of the slot is there or none
 * of it, and the next run starts after the recorded last slot. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gp_notify.h"
#include "gp_warn.h"

#define WARN_DEF_VERSION 1

static double wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void gp_warn_def_free(gp_warn_def *w) {
  if (!w) return;
  GP_FREE(w->sql);
  w->sql = NULL;
}

int64_t gp_warn_slot_at(const gp_warn_def *w, int64_t t) {
  return gp_floordiv(t - w->offset_us, w->every_us) * w->every_us + w->offset_us;
}

/* ---- encodings ---- */

static gp_rc put_str(gp_buf *b, const char *s) {
  size_t n = strlen(s);
  gp_rc rc = gp_buf_put_uvarint(b, n);
  return rc ? rc : gp_buf_put(b, s, n);
}

static gp_rc get_str(gp_rd *r, char **out, gp_err *err) {
  uint64_t n;
  const uint8_t *p;
  gp_rc rc;
  if ((rc = gp_rd_uvarint(r, &n, err)) || (rc = gp_rd_slice(r, (size_t)n, &p, err))) return rc;
  *out = GP_STRNDUP((const char *)p, (size_t)n);
  return *out ? GP_OK : gp_err_set(err, GP_NOMEM, "out of memory");
}

static gp_rc get_name(gp_rd *r, char *dst, gp_err *err) {
  char *s = NULL;
  gp_rc rc = get_str(r, &s, err);
  if (rc) return rc;
  snprintf(dst, GP_NAME_MAX, "%s", s);
  GP_FREE(s);
  return GP_OK;
}

/* Definition: u8 version | svarint every, offset, delay, for, keep, created | u8 nlevels,
 * names | u8 flags (1 resolve, 2 catch up, 4 paused) | u8 nodata | u8 nsinks, names | sql */
static gp_rc def_encode(const gp_warn_def *w, gp_buf *b) {
  gp_rc rc = gp_buf_put_u8(b, WARN_DEF_VERSION);
  const int64_t nums[6] = {w->every_us, w->offset_us, w->delay_us, w->for_us, w->keep_us,
                           w->created_us};
  for (int k = 0; k < 6 && !rc; k++) rc = gp_buf_put_svarint(b, nums[k]);
  if (!rc) rc = gp_buf_put_u8(b, (uint8_t)w->nlevels);
  for (int k = 0; k < w->nlevels && !rc; k++) rc = put_str(b, w->levels[k]);
  uint8_t flags = (uint8_t)((w->has_resolve ? 1 : 0) | (w->catch_up ? 2 : 0) | (w->paused ? 4 : 0));
  if (!rc) rc = gp_buf_put_u8(b, flags);
  if (!rc) rc = gp_buf_put_u8(b, (uint8_t)w->nodata);
  if (!rc) rc = gp_buf_put_u8(b, (uint8_t)w->nsinks);
  for (int k = 0; k < w->nsinks && !rc; k++) rc = put_str(b, w->sinks[k]);
  if (!rc) rc = put_str(b, w->sql ? w->sql : "");
  return rc;
}

static gp_rc def_decode(const uint8_t *p, size_t n, const char *name, size_t nl, gp_warn_def *w,
                        gp_err *err) {
  memset(w, 0, sizeof *w);
  snprintf(w->name, sizeof w->name, "%.*s", (int)nl, name);
  gp_rd r = {p, p + n};
  uint8_t v, nlev, flags, nodata, nsinks;
  gp_rc rc = gp_rd_u8(&r, &v, err);
  if (!rc && v != WARN_DEF_VERSION)
    return gp_err_set(err, GP_CORRUPT, "warning \"%s\": unknown definition version %u", w->name, v);
  int64_t nums[6] = {0};
  for (int k = 0; k < 6 && !rc; k++) rc = gp_rd_svarint(&r, &nums[k], err);
  if (!rc) rc = gp_rd_u8(&r, &nlev, err);
  if (!rc && (nlev < 1 || nlev > GP_WARN_MAX_LEVELS))
    rc = gp_err_set(err, GP_CORRUPT, "warning \"%s\": %u levels", w->name, nlev);
  for (int k = 0; !rc && k < nlev; k++) rc = get_name(&r, w->levels[k], err);
  if (!rc) rc = gp_rd_u8(&r, &flags, err);
  if (!rc) rc = gp_rd_u8(&r, &nodata, err);
  if (!rc) rc = gp_rd_u8(&r, &nsinks, err);
  if (!rc && (nsinks > GP_WARN_MAX_SINKS || nodata > GP_WARN_NODATA_ALERT))
    rc = gp_err_set(err, GP_CORRUPT, "warning \"%s\": bad definition", w->name);
  for (int k = 0; !rc && k < nsinks; k++) rc = get_name(&r, w->sinks[k], err);
  if (!rc) rc = get_str(&r, &w->sql, err);
  if (!rc && (nums[0] <= 0))
    rc = gp_err_set(err, GP_CORRUPT, "warning \"%s\": bad schedule", w->name);
  if (rc) {
    gp_warn_def_free(w);
    return rc;
  }
  w->every_us = nums[0], w->offset_us = nums[1], w->delay_us = nums[2];
  w->for_us = nums[3], w->keep_us = nums[4], w->created_us = nums[5];
  w->nlevels = nlev;
  w->has_resolve = flags & 1, w->catch_up = flags & 2, w->paused = flags & 4;
  w->nodata = (gp_warn_nodata)nodata;
  w->nsinks = nsinks;
  return GP_OK;
}

/* Instance: u8 state | svarint level | u8 value_null | u64le value bits | svarint
 * pending_since, active_since, keep_since, last_slot | labels_json | message */
static gp_rc inst_encode(const gp_warn_inst *i, gp_buf *b) {
  uint64_t bits;
  memcpy(&bits, &i->value, 8);
  gp_rc rc = gp_buf_put_u8(b, (uint8_t)i->state);
  if (!rc) rc = gp_buf_put_svarint(b, i->level);
  if (!rc) rc = gp_buf_put_u8(b, i->value_null);
  if (!rc) rc = gp_buf_put_u64le(b, bits);
  const int64_t t[4] = {i->pending_since, i->active_since, i->keep_since, i->last_slot};
  for (int k = 0; k < 4 && !rc; k++) rc = gp_buf_put_svarint(b, t[k]);
  if (!rc) rc = put_str(b, i->labels_json);
  if (!rc) rc = put_str(b, i->message);
  return rc;
}

static gp_rc inst_decode(const uint8_t *p, size_t n, const char *labels, size_t ll,
                         gp_warn_inst *i, gp_err *err) {
  memset(i, 0, sizeof *i);
  gp_rd r = {p, p + n};
  uint8_t st, vn;
  int64_t lvl, t[4];
  uint64_t bits;
  gp_rc rc = gp_rd_u8(&r, &st, err);
  if (!rc) rc = gp_rd_svarint(&r, &lvl, err);
  if (!rc) rc = gp_rd_u8(&r, &vn, err);
  if (!rc) rc = gp_rd_u64le(&r, &bits, err);
  for (int k = 0; k < 4 && !rc; k++) rc = gp_rd_svarint(&r, &t[k], err);
  if (!rc) rc = get_str(&r, &i->labels_json, err);
  if (!rc) rc = get_str(&r, &i->message, err);
  if (!rc && !(i->labels = GP_STRNDUP(labels, ll))) rc = gp_err_set(err, GP_NOMEM, "out of memory");
  if (rc) {
    GP_FREE(i->labels_json);
    GP_FREE(i->message);
    GP_FREE(i->labels);
    return rc;
  }
  i->state = (gp_warn_state)st;
  i->level = (int)lvl;
  i->value_null = vn;
  memcpy(&i->value, &bits, 8);
  i->pending_since = t[0], i->active_since = t[1], i->keep_since = t[2], i->last_slot = t[3];
  return GP_OK;
}

/* Progress: svarint last_slot, last_us, evaluations, missed, errors | last_error */
static gp_rc prog_encode(const gp_warn_progress *p, gp_buf *b) {
  const int64_t v[5] = {p->last_slot, p->last_us, p->evaluations, p->missed, p->errors};
  gp_rc rc = GP_OK;
  for (int k = 0; k < 5 && !rc; k++) rc = gp_buf_put_svarint(b, v[k]);
  if (!rc) rc = put_str(b, p->last_error);
  return rc;
}

static gp_rc prog_decode(const uint8_t *p, size_t n, gp_warn_progress *g, gp_err *err) {
  memset(g, 0, sizeof *g);
  gp_rd r = {p, p + n};
  int64_t v[5];
  gp_rc rc = GP_OK;
  for (int k = 0; k < 5 && !rc; k++) rc = gp_rd_svarint(&r, &v[k], err);
  char *e = NULL;
  if (!rc) rc = get_str(&r, &e, err);
  if (rc) return rc;
  g->last_slot = v[0], g->last_us = v[1], g->evaluations = v[2], g->missed = v[3];
  g->errors = v[4];
  snprintf(g->last_error, sizeof g->last_error, "%s", e);
  GP_FREE(e);
  return GP_OK;
}

/* ---- keys ---- */

static gp_rc key2(gp_buf *k, const char *tag, const char *name, const char *labels) {
  k->len = 0;
  gp_rc rc = gp_buf_put(k, tag, strlen(tag));
  if (!rc) rc = gp_buf_put(k, name, strlen(name));
  if (!rc && labels) rc = gp_buf_put_u8(k, 0);
  if (!rc && labels) rc = gp_buf_put(k, labels, strlen(labels));
  return rc;
}

/* ---- the catalog ---- */

static gp_rc nomem(gp_err *err) { return gp_err_set(err, GP_NOMEM, "out of memory"); }

gp_rc gp_warn_get(gp_db *db, const char *name, gp_warn_def *out, gp_err *err) {
  gp_buf k = {0}, v = {0};
  bool found = false;
  gp_rc rc = key2(&k, "warn/", name, NULL);
  if (rc) rc = nomem(err);
  if (!rc) rc = gp_store_meta_get(gp_db_store(db), k.p, k.len, &v, &found, err);
  if (!rc && !found) rc = gp_err_set(err, GP_NOTFOUND, "no warning \"%s\"", name);
  if (!rc) rc = def_decode(v.p, v.len, name, strlen(name), out, err);
  gp_buf_free(&k);
  gp_buf_free(&v);
  return rc;
}

typedef struct listctx {
  gp_warn_def *v;
  size_t n, cap;
  gp_rc rc;
  gp_err *err;
} listctx;

static int list_fn(void *c, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl) {
  listctx *l = c;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 8;
    gp_warn_def *nv = GP_REALLOC(l->v, cap * sizeof *nv);
    if (!nv) return (l->rc = nomem(l->err)), 1;
    l->v = nv;
    l->cap = cap;
  }
  if ((l->rc = def_decode(v, vl, (const char *)k + 5, kl - 5, &l->v[l->n], l->err))) return 1;
  l->n++;
  return 0;
}

gp_rc gp_warn_list(gp_db *db, gp_warn_def **out, size_t *n, gp_err *err) {
  listctx l = {NULL, 0, 0, GP_OK, err};
  gp_rc rc = gp_store_meta_scan(gp_db_store(db), "warn/", 5, list_fn, &l, err);
  if (!rc) rc = l.rc;
  if (rc) {
    gp_warn_list_free(l.v, l.n);
    return rc;
  }
  *out = l.v;
  *n = l.n;
  return GP_OK;
}

void gp_warn_list_free(gp_warn_def *v, size_t n) {
  for (size_t k = 0; k < n; k++) gp_warn_def_free(&v[k]);
  GP_FREE(v);
}

typedef struct keys {
  gp_buf *k;
  size_t n, cap;
  gp_rc rc;
} keys;

static int keys_fn(void *c, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl) {
  (void)v, (void)vl;
  keys *ks = c;
  if (ks->n == ks->cap) {
    size_t cap = ks->cap ? ks->cap * 2 : 16;
    gp_buf *nk = GP_REALLOC(ks->k, cap * sizeof *nk);
    if (!nk) return (ks->rc = GP_NOMEM), 1;
    ks->k = nk;
    ks->cap = cap;
  }
  memset(&ks->k[ks->n], 0, sizeof(gp_buf));
  if (gp_buf_put(&ks->k[ks->n], k, kl)) return (ks->rc = GP_NOMEM), 1;
  ks->n++;
  return 0;
}

/* Queues in t the deletion of a warning's instances and progress. */
static gp_rc delete_state(gp_db *db, gp_store_txn *t, const char *name, gp_err *err) {
  gp_buf k = {0};
  keys ks = {0};
  gp_rc rc = key2(&k, "i/", name, "");
  if (rc) rc = nomem(err);
  if (!rc) rc = gp_store_alert_scan(gp_db_store(db), k.p, k.len, keys_fn, &ks, err);
  if (!rc && ks.rc) rc = nomem(err);
  for (size_t j = 0; !rc && j < ks.n; j++)
    rc = gp_store_txn_alert_delete(t, ks.k[j].p, ks.k[j].len, err);
  if (!rc && (rc = key2(&k, "p/", name, NULL))) rc = nomem(err);
  if (!rc) rc = gp_store_txn_alert_delete(t, k.p, k.len, err);
  for (size_t j = 0; j < ks.n; j++) gp_buf_free(&ks.k[j]);
  GP_FREE(ks.k);
  gp_buf_free(&k);
  return rc;
}

static gp_rc put_def(gp_db *db, const gp_warn_def *w, bool reset, gp_err *err) {
  gp_buf k = {0}, v = {0};
  gp_store_txn *t = gp_store_txn_begin(gp_db_store(db));
  gp_rc rc = t ? GP_OK : nomem(err);
  if (!rc && (key2(&k, "warn/", w->name, NULL) || def_encode(w, &v))) rc = nomem(err);
  if (!rc) rc = gp_store_txn_meta_put(t, k.p, k.len, v.p, v.len, err);
  if (!rc && reset) rc = delete_state(db, t, w->name, err);
  if (!rc) rc = gp_store_txn_commit(t, err);
  gp_store_txn_free(t);
  gp_buf_free(&k);
  gp_buf_free(&v);
  return rc;
}

gp_rc gp_warn_put(gp_db *db, const gp_warn_def *w, bool replace, gp_err *err) {
  gp_warn_def old;
  gp_err e2 = {0};
  gp_rc rc = gp_warn_get(db, w->name, &old, &e2);
  if (rc == GP_OK) {
    gp_warn_def_free(&old);
    if (!replace) return gp_err_set(err, GP_EXISTS, "warning \"%s\" already exists", w->name);
  } else if (rc != GP_NOTFOUND) {
    return gp_err_set(err, rc, "%s", e2.msg);
  }
  return put_def(db, w, true, err);
}

gp_rc gp_warn_drop(gp_db *db, const char *name, gp_err *err) {
  gp_warn_def old;
  gp_rc rc = gp_warn_get(db, name, &old, err);
  if (rc) return rc;
  gp_warn_def_free(&old);
  gp_buf k = {0};
  gp_store_txn *t = gp_store_txn_begin(gp_db_store(db));
  rc = t ? GP_OK : nomem(err);
  if (!rc && key2(&k, "warn/", name, NULL)) rc = nomem(err);
  if (!rc) rc = gp_store_txn_meta_delete(t, k.p, k.len, err);
  if (!rc) rc = delete_state(db, t, name, err);
  if (!rc) rc = gp_store_txn_commit(t, err);
  gp_store_txn_free(t);
  gp_buf_free(&k);
  return rc;
}

gp_rc gp_warn_set_paused(gp_db *db, const char *name, bool paused, gp_err *err) {
  gp_warn_def w;
  gp_rc rc = gp_warn_get(db, name, &w, err);
  if (rc) return rc;
  w.paused = paused;
  rc = put_def(db, &w, false, err);
  gp_warn_def_free(&w);
  return rc;
}

/* ---- alert_history ---- */

enum { H_WARNING, H_INSTANCE, H_TS, H_STATE, H_LEVEL, H_VALUE, H_MESSAGE, H_PREV, H_SINCE,
       H_LABELS, H_NCOLS };
static const struct { const char *name; gp_type type; } k_hist[H_NCOLS] = {
    {"warning", GP_T_TEXT}, {"instance", GP_T_TEXT}, {"ts", GP_T_TIMESTAMP},
    {"state", GP_T_TEXT},   {"level", GP_T_TEXT},    {"value", GP_T_DOUBLE},
    {"message", GP_T_TEXT}, {"previous_level", GP_T_TEXT}, {"active_since", GP_T_TIMESTAMP},
    {"labels", GP_T_TEXT}};

gp_rc gp_warn_history_table(gp_db *db, gp_err *err) {
  const gp_table *t = gp_db_table(db, "alert_history");
  if (t) {
    bool ok = t->ncols == H_NCOLS && t->time_col == H_TS;
    for (int c = 0; ok && c < H_NCOLS; c++)
      ok = !strcmp(t->cols[c].name, k_hist[c].name) && t->cols[c].type == k_hist[c].type;
    return ok ? GP_OK
              : gp_err_set(err, GP_INVALID,
                           "a table \"alert_history\" exists and is not the warnings' history "
                           "(rename or drop it)");
  }
  gp_table def;
  memset(&def, 0, sizeof def);
  snprintf(def.name, sizeof def.name, "alert_history");
  def.ncols = H_NCOLS;
  for (int c = 0; c < H_NCOLS; c++) {
    snprintf(def.cols[c].name, sizeof def.cols[c].name, "%s", k_hist[c].name);
    def.cols[c].type = k_hist[c].type;
  }
  def.time_col = H_TS;
  def.key_col = -1;
  def.loc = GP_LOC_NONE;
  def.lon_col = def.lat_col = def.loc_col = -1;
  def.partition_us = 28 * GP_USEC_PER_DAY; /* transitions are few: a month per partition */
  return gp_db_create_table(db, &def, err);
}

/* ---- progress and instances ---- */

gp_rc gp_warn_progress_get(gp_db *db, const char *name, gp_warn_progress *p, gp_err *err) {
  gp_buf k = {0}, v = {0};
  bool found = false;
  memset(p, 0, sizeof *p);
  gp_rc rc = key2(&k, "p/", name, NULL) ? nomem(err) : GP_OK;
  if (!rc) rc = gp_store_alert_get(gp_db_store(db), k.p, k.len, &v, &found, err);
  if (!rc && found) rc = prog_decode(v.p, v.len, p, err);
  gp_buf_free(&k);
  gp_buf_free(&v);
  return rc;
}

typedef struct instctx {
  gp_warn_set *set;
  size_t pl;
  gp_rc rc;
  gp_err *err;
} instctx;

static int inst_fn(void *c, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl) {
  instctx *x = c;
  gp_warn_set *s = x->set;
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    gp_warn_inst *nv = GP_REALLOC(s->v, cap * sizeof *nv);
    if (!nv) return (x->rc = nomem(x->err)), 1;
    s->v = nv;
    s->cap = cap;
  }
  if ((x->rc = inst_decode(v, vl, (const char *)k + x->pl, kl - x->pl, &s->v[s->n], x->err)))
    return 1;
  s->n++;
  return 0;
}

gp_rc gp_warn_instances(gp_db *db, const char *name, gp_warn_set *set, gp_err *err) {
  memset(set, 0, sizeof *set);
  gp_buf k = {0};
  gp_rc rc = key2(&k, "i/", name, "") ? nomem(err) : GP_OK;
  instctx x = {set, k.len, GP_OK, err};
  if (!rc) rc = gp_store_alert_scan(gp_db_store(db), k.p, k.len, inst_fn, &x, err);
  if (!rc) rc = x.rc;
  gp_buf_free(&k);
  if (rc) gp_warn_set_free(set);
  return rc;
}

/* ---- recording one slot ---- */

static void rfc3339(int64_t us, char *buf, size_t cap) {
  int64_t d = gp_floordiv(us, GP_USEC_PER_DAY), r = us - d * GP_USEC_PER_DAY;
  int64_t y;
  unsigned m, dd;
  gp_civil_from_days(d, &y, &m, &dd);
  int64_t s = r / GP_USEC_PER_SEC;
  snprintf(buf, cap, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", (long long)y, m, dd,
           (long long)(s / 3600), (long long)(s / 60 % 60), (long long)(s % 60));
}

static gp_rc json_str(gp_buf *b, const char *s) {
  gp_rc rc = gp_buf_put_u8(b, '"');
  for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++) {
    if (*p == '"' || *p == '\\') {
      rc = gp_buf_put_u8(b, '\\');
      if (!rc) rc = gp_buf_put_u8(b, *p);
    } else if (*p < 0x20) {
      char e[8];
      snprintf(e, sizeof e, "\\u%04x", *p);
      rc = gp_buf_put(b, e, 6);
    } else {
      rc = gp_buf_put_u8(b, *p);
    }
  }
  return rc ? rc : gp_buf_put_u8(b, '"');
}

static const char *level_name(const gp_warn_def *w, int level) {
  return level >= 0 && level < w->nlevels ? w->levels[level] : NULL;
}

/* The notification of a transition, as engine/gp_notify.h's outbox takes it. */
static gp_rc alert_json(const gp_warn_def *w, const gp_warn_trans *t, int64_t slot, gp_buf *b,
                        gp_buf *id) {
  char ts[40], since[40];
  rfc3339(slot, ts, sizeof ts);
  const gp_warn_inst *i = t->inst;
  rfc3339(i->active_since ? i->active_since : i->pending_since, since, sizeof since);
  const char *state = t->state == GP_WARN_RESOLVED ? "resolved"
                      : t->state == GP_WARN_NODATA ? "nodata" : "firing";
  id->len = 0;
  gp_rc rc = gp_buf_put(id, w->name, strlen(w->name));
  if (!rc) rc = gp_buf_put_u8(id, '/');
  if (!rc) rc = gp_buf_put(id, i->labels, strlen(i->labels));
  if (!rc) rc = gp_buf_put_u8(id, '/');
  if (!rc) rc = gp_buf_put(id, ts, strlen(ts));
  if (!rc) rc = gp_buf_put_u8(id, '/');
  if (!rc) rc = gp_buf_put(id, state, strlen(state));
  if (!rc) rc = gp_buf_put_u8(id, 0);
  b->len = 0;
  char num[64];
#define PUT(s) (rc ? rc : (rc = gp_buf_put(b, (s), strlen(s))))
#define STR(s) (rc ? rc : (rc = json_str(b, (s))))
  PUT("{\"id\":");
  STR((const char *)id->p);
  PUT(",\"warning\":");
  STR(w->name);
  PUT(",\"instance\":");
  STR(i->labels);
  PUT(",\"labels\":");
  PUT(i->labels_json);
  PUT(",\"state\":");
  STR(state);
  PUT(",\"level\":");
  if (level_name(w, t->level)) STR(level_name(w, t->level));
  else PUT("null");
  PUT(",\"previous_level\":");
  if (t->state == GP_WARN_FIRING && level_name(w, t->prev_level)) STR(level_name(w, t->prev_level));
  else PUT("null");
  PUT(",\"value\":");
  if (i->value_null || i->value != i->value) PUT("null");
  else {
    for (int prec = 15; prec <= 17; prec++) { /* the shortest text that reads back exactly */
      snprintf(num, sizeof num, "%.*g", prec, i->value);
      if (strtod(num, NULL) == i->value) break;
    }
    PUT(num);
  }
  PUT(",\"message\":");
  STR(i->message);
  PUT(",\"slot\":");
  STR(ts);
  PUT(",\"active_since\":");
  STR(since);
  PUT(",\"resolved_at\":");
  if (t->state == GP_WARN_RESOLVED) STR(ts);
  else PUT("null");
  PUT("}");
#undef PUT
#undef STR
  return rc;
}

typedef struct recorder {
  gp_db *db;
  const gp_table *hist;
  gp_store_layout hl;
  gp_rows rows;
  gp_buf k, v, json, id;
} recorder;

static void recorder_free(recorder *r) {
  gp_rows_free(&r->rows);
  gp_buf_free(&r->k);
  gp_buf_free(&r->v);
  gp_buf_free(&r->json);
  gp_buf_free(&r->id);
}

static void put_text(gp_rows *r, int c, size_t i, const char *s) {
  if (!s) {
    gp_col_set_null(&r->cols[c], i, r->cap);
    r->cols[c].str[i] = "";
    r->cols[c].len[i] = 0;
    return;
  }
  r->cols[c].str[i] = s;
  r->cols[c].len[i] = (uint32_t)strlen(s);
}

/* One history row for transition t at slot (err_text for an ERROR transition). */
static gp_rc hist_row(recorder *rec, const gp_warn_def *w, const gp_warn_trans *t, int64_t slot,
                      const char *err_text) {
  gp_rows *r = &rec->rows;
  if (gp_rows_reserve(r, r->n + 1)) return GP_NOMEM;
  size_t i = r->n++;
  for (int c = 0; c < H_NCOLS; c++)
    if (r->cols[c].nulls) r->cols[c].nulls[i >> 3] &= (uint8_t)~(1u << (i & 7));
  r->cell[i] = 0;
  const gp_warn_inst *in = t->inst;
  put_text(r, H_WARNING, i, w->name);
  put_text(r, H_INSTANCE, i, in ? in->labels : "");
  r->cols[H_TS].i64[i] = slot;
  put_text(r, H_STATE, i, gp_warn_state_name(t->state));
  put_text(r, H_LEVEL, i, level_name(w, t->level));
  bool vnull = !in || in->value_null;
  r->cols[H_VALUE].f64[i] = vnull ? 0 : in->value;
  if (vnull) gp_col_set_null(&r->cols[H_VALUE], i, r->cap);
  put_text(r, H_MESSAGE, i, in ? in->message : err_text);
  put_text(r, H_PREV, i, t->state == GP_WARN_FIRING ? level_name(w, t->prev_level) : NULL);
  int64_t since = in ? (in->active_since ? in->active_since : in->pending_since) : 0;
  r->cols[H_SINCE].i64[i] = since;
  if (!in) gp_col_set_null(&r->cols[H_SINCE], i, r->cap);
  put_text(r, H_LABELS, i, in ? in->labels_json : "{}");
  return GP_OK;
}

static bool find_live(const gp_warn_set *set, const char *labels) {
  size_t lo = 0, hi = set->n;
  while (lo < hi) {
    size_t md = (lo + hi) / 2;
    int c = strcmp(set->v[md].labels, labels);
    if (c == 0) return true;
    if (c < 0) lo = md + 1;
    else hi = md;
  }
  return false;
}

/* Writes slot `slot` of w: instances, progress, history, outbox, in one batch. */
static gp_rc record_slot(recorder *rec, const gp_warn_def *w, const gp_warn_set *set,
                         const gp_warn_trans *tr, size_t ntr, int64_t slot,
                         const gp_warn_progress *prog, const char *err_text,
                         const gp_warn_run_opts *o, size_t *nnotes, gp_err *err) {
  gp_store_txn *t = o->lazy ? gp_store_txn_begin_lazy(gp_db_store(rec->db))
                            : gp_store_txn_begin(gp_db_store(rec->db));
  gp_rc rc = t ? GP_OK : nomem(err);
  for (size_t k = 0; !rc && k < set->n; k++) {
    rec->v.len = 0;
    if (key2(&rec->k, "i/", w->name, set->v[k].labels) || inst_encode(&set->v[k], &rec->v))
      rc = nomem(err);
    if (!rc) rc = gp_store_txn_alert_put(t, rec->k.p, rec->k.len, rec->v.p, rec->v.len, err);
  }
  for (size_t k = 0; !rc && k < set->ngone; k++) {
    if (find_live(set, set->gone[k].labels)) continue; /* gone and back in one slot: kept */
    if (key2(&rec->k, "i/", w->name, set->gone[k].labels)) rc = nomem(err);
    if (!rc) rc = gp_store_txn_alert_delete(t, rec->k.p, rec->k.len, err);
  }
  rec->v.len = 0;
  if (!rc && (key2(&rec->k, "p/", w->name, NULL) || prog_encode(prog, &rec->v))) rc = nomem(err);
  if (!rc) rc = gp_store_txn_alert_put(t, rec->k.p, rec->k.len, rec->v.p, rec->v.len, err);
  rec->rows.n = 0;
  for (size_t k = 0; !rc && k < ntr; k++)
    if (hist_row(rec, w, &tr[k], slot, err_text)) rc = nomem(err);
  if (!rc && rec->rows.n)
    rc = gp_store_txn_append(t, rec->hist->id, &rec->rows, 0, rec->rows.n, err);
  const char *sinks[GP_WARN_MAX_SINKS];
  for (int k = 0; k < w->nsinks; k++) sinks[k] = w->sinks[k];
  /* each notifying transition into the outbox, in this batch: a recorded transition is never
   * without its notification, and a replayed slot's id is recognised there and not re-sent */
  for (size_t k = 0; !rc && k < ntr && w->nsinks > 0; k++) {
    if (!tr[k].notify || !tr[k].inst) continue;
    if (alert_json(w, &tr[k], slot, &rec->json, &rec->id)) rc = nomem(err);
    if (!rc)
      rc = gp_notify_outbox_add(t, (const char *)rec->id.p, sinks, (size_t)w->nsinks,
                                (const char *)rec->json.p, rec->json.len, err);
    if (!rc) (*nnotes)++;
  }
  if (!rc) rc = gp_store_txn_commit(t, err);
  gp_store_txn_free(t);
  return rc;
}

/* ---- the runner ---- */

static void log_transitions(FILE *f, const gp_warn_def *w, const gp_warn_trans *tr, size_t ntr,
                            int64_t slot, const char *err_text) {
  char ts[40];
  gp_ts_format(slot, ts, sizeof ts);
  for (size_t k = 0; k < ntr; k++) {
    const gp_warn_trans *t = &tr[k];
    const char *lv = level_name(w, t->level), *pv = level_name(w, t->prev_level);
    fprintf(f, "%s  %s  %s  %s", ts, w->name, gp_warn_state_name(t->state),
            t->inst && t->inst->labels[0] ? t->inst->labels : "-");
    if (lv) fprintf(f, "  level=%s", lv);
    if (t->state == GP_WARN_FIRING && pv) fprintf(f, " (was %s)", pv);
    if (t->inst && !t->inst->value_null) fprintf(f, "  value=%.6g", t->inst->value);
    if (t->inst && t->inst->message[0]) fprintf(f, "  %s", t->inst->message);
    if (!t->inst && err_text) fprintf(f, "  %s", err_text);
    fputc('\n', f);
  }
}

/* Runs one warning over its slots in [from, to]. */
static gp_rc run_one(gp_db *db, recorder *rec, const gp_warn_def *w, int64_t from, int64_t to,
                     const gp_warn_run_opts *o, gp_warn_stats *st, gp_err *err) {
  gp_warn_progress prog;
  gp_warn_set set = {0};
  gp_warn_result res = {0};
  gp_warn_trans *tr = NULL;
  size_t ntr = 0;
  void *h = NULL;
  gp_rc rc = gp_warn_progress_get(db, w->name, &prog, err);
  if (!rc) rc = gp_warn_instances(db, w->name, &set, err);
  if (rc) goto cleanup;
  /* the family's key order is the labels' byte order: sorted, as the state machine needs */
  int64_t first = gp_warn_slot_at(w, from);
  if (first < from) first += w->every_us;
  if (from == to) first = gp_warn_slot_at(w, from); /* --at T: the slot at or before T */
  int64_t last = from == to ? first : gp_warn_slot_at(w, to);
  int64_t start = first;
  if (prog.last_slot != 0 && first > prog.last_slot + w->every_us) {
    int64_t gap = (first - prog.last_slot) / w->every_us - 1;
    if (o->catch_up || w->catch_up) start = prog.last_slot + w->every_us;
    else {
      prog.missed += gap;
      st->missed += (size_t)gap;
    }
  }
  if ((rc = o->vt->open(o->vt_ctx, w, &h, err))) goto cleanup;
  for (int64_t slot = start; slot <= last; slot += w->every_us) {
    if (prog.last_slot != 0 && slot <= prog.last_slot) {
      st->skipped++;
      continue;
    }
    double t0 = wall_ms();
    gp_err ee = {0};
    gp_rc erc = o->vt->evaluate(h, w, slot, &res, &ee);
    double t1 = wall_ms();
    st->eval_ms += t1 - t0;
    if (erc == GP_NOMEM && !ee.msg[0]) gp_err_set(&ee, erc, "out of memory");
    if (erc) st->errors++, prog.errors++;
    if ((rc = gp_warn_step(w, &set, slot, erc ? NULL : &res, &tr, &ntr, err))) goto cleanup;
    prog.last_slot = slot;
    prog.last_us = (int64_t)((t1 - t0) * 1000);
    prog.evaluations++;
    snprintf(prog.last_error, sizeof prog.last_error, "%.255s", erc ? ee.msg : "");
    size_t notes = 0;
    if (!o->dry_run &&
        (rc = record_slot(rec, w, &set, tr, ntr, slot, &prog, erc ? ee.msg : NULL, o, &notes, err)))
      goto cleanup;
    st->slots++;
    st->transitions += ntr;
    st->notifications += notes;
    if (o->transitions) log_transitions(o->transitions, w, tr, ntr, slot, erc ? ee.msg : NULL);
    if (o->log) {
      char ts[40];
      gp_ts_format(slot, ts, sizeof ts);
      size_t nf = 0, np = 0;
      for (size_t k = 0; k < set.n; k++)
        nf += set.v[k].state == GP_WARN_FIRING, np += set.v[k].state == GP_WARN_PENDING;
      if (erc)
        fprintf(o->log, "warning %s slot %s: error: %s\n", w->name, ts, ee.msg);
      else
        fprintf(o->log, "warning %s slot %s: %zu rows, %zu firing, %zu pending, %zu transitions, %.1f ms\n",
                w->name, ts, res.n, nf, np, ntr, t1 - t0);
      fflush(o->log);
    }
  }
cleanup:
  if (h) o->vt->close(h);
  GP_FREE(tr);
  gp_warn_result_free(&res);
  gp_warn_set_free(&set);
  return rc;
}

gp_rc gp_warn_run(gp_db *db, int64_t from, int64_t to, const gp_warn_run_opts *o,
                  gp_warn_stats *st, gp_err *err) {
  double t0 = wall_ms();
  memset(st, 0, sizeof *st);
  if (to < from) return gp_err_set(err, GP_INVALID, "the end of the range is before its start");
  gp_warn_def *ws = NULL;
  size_t nw = 0;
  recorder rec;
  memset(&rec, 0, sizeof rec);
  rec.db = db;
  gp_rc rc = gp_warn_list(db, &ws, &nw, err);
  if (rc) return rc;
  if (o->only) {
    size_t k = 0;
    while (k < nw && strcmp(ws[k].name, o->only) != 0) k++;
    if (k == nw) {
      rc = gp_err_set(err, GP_NOTFOUND, "no warning \"%s\"", o->only);
      goto cleanup;
    }
  }
  if (!o->dry_run) {
    if ((rc = gp_warn_history_table(db, err))) goto cleanup;
    rec.hist = gp_db_table(db, "alert_history");
    gp_table_layout(rec.hist, &rec.hl);
    if (gp_rows_init(&rec.rows, &rec.hl, 16)) {
      rc = nomem(err);
      goto cleanup;
    }
  }
  for (size_t k = 0; k < nw && !rc; k++) {
    if (o->only ? strcmp(ws[k].name, o->only) != 0 : ws[k].paused) continue;
    rc = run_one(db, &rec, &ws[k], from, to, o, st, err);
  }
  /* the transitions of a replay are many small fresh batches: seal them into chunks (its own
   * atomic batch; the rows are durable either way) */
  if (!rc && !o->dry_run && st->transitions > 0)
    rc = gp_store_seal(gp_db_store(db), rec.hist->id, INT64_MAX, NULL, err);
  if (!rc && !o->dry_run && o->lazy && st->slots > 0) rc = gp_store_sync(gp_db_store(db), err);
cleanup:
  recorder_free(&rec);
  gp_warn_list_free(ws, nw);
  st->total_ms = wall_ms() - t0;
  return rc;
}

/* ---- the daemon ---- */

static int64_t wall_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * GP_USEC_PER_SEC + ts.tv_nsec / 1000;
}

gp_rc gp_warn_daemon(gp_db *db, const gp_warn_run_opts *o, const atomic_bool *stop,
                     gp_err *err) {
  gp_warn_run_opts one = *o;
  while (!atomic_load(stop)) {
    gp_warn_def *ws = NULL;
    size_t nw = 0;
    if (o->guard) o->guard(o->guard_ctx, true);
    gp_rc rc = gp_warn_list(db, &ws, &nw, err);
    if (rc) {
      if (o->guard) o->guard(o->guard_ctx, false);
      return rc;
    }
    /* rounds at least every second, so a warning created, altered or dropped meanwhile (by
     * another session of gridpulse serve) takes effect within a second */
    int64_t now = wall_us(), wake = now + GP_USEC_PER_SEC;
    for (size_t k = 0; k < nw && !atomic_load(stop); k++) {
      const gp_warn_def *w = &ws[k];
      if (w->paused || (o->only && strcmp(o->only, w->name) != 0)) continue;
      gp_warn_progress p;
      gp_err e2 = {0};
      if (gp_warn_progress_get(db, w->name, &p, &e2)) {
        if (o->log) fprintf(o->log, "warning %s: %s\n", w->name, e2.msg);
        continue;
      }
      int64_t due = gp_warn_slot_at(w, now);
      if (due > p.last_slot) {
        gp_warn_stats st;
        one.only = w->name;
        /* a failing run (storage) is logged and retried at the next due time: one broken
         * warning must not stop the others */
        if (gp_warn_run(db, due, due, &one, &st, &e2) && o->log)
          fprintf(o->log, "warning %s: %s\n", w->name, e2.msg);
      }
      if (due + w->every_us < wake) wake = due + w->every_us;
    }
    gp_warn_list_free(ws, nw);
    if (o->deliver) {
      gp_err e3 = {0};
      gp_notify_stats ns = {0};
      if (gp_notify_deliver(db, wall_us(), &ns, &e3) && o->log)
        fprintf(o->log, "delivery: %s\n", e3.msg);
      else if (o->log && ns.attempts)
        fprintf(o->log, "delivery: %zu sent, %zu failed, %zu pending\n", ns.delivered, ns.failed,
                ns.pending);
      /* a failed send is retried with backoff: wake for it */
      if (ns.pending && ns.next_due_us < wake) wake = ns.next_due_us;
    }
    if (o->guard) o->guard(o->guard_ctx, false);
    while (!atomic_load(stop) && wall_us() < wake) {
      struct timespec ts = {0, 200 * 1000 * 1000};
      int64_t left = wake - wall_us();
      if (left < 200000) ts.tv_nsec = left > 0 ? (long)left * 1000 : 0;
      nanosleep(&ts, NULL);
    }
  }
  return GP_OK;
}
