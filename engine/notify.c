/* notify.c - the outbox, the delivery loop and the sink catalog (gp_notify.h).
 *
 * Meta keys written here (prefix `ntf/`, the notification module's own):
 *   ntf/p/<id>     a pending entry: u8 version (1) | uvarint json length | compact alert JSON |
 *                  uvarint sinks | per sink: uvarint name length | name | u8 done |
 *                  uvarint failed attempts | svarint next attempt (us) | uvarint error length |
 *                  last error
 *   ntf/d/<id>     a delivered entry: svarint time (us) its last sink got it. Kept, so that the
 *                  same id added again (a replayed evaluation) is recognised and not resent.
 *   ntf/s/<name>   a sink: u8 version (1) | uvarint type length | type | options (JSON object)
 *   ntf/n/<name>   a sink's counters: u8 version (1) | uvarint deliveries | uvarint failures |
 *                  svarint last failure (us, GP_TS_NULL = never) | uvarint length | last error
 *
 * At least once: an entry's outcome (per sink: done, or attempts / next / error) is committed,
 * fsynced, after each entry's sends and before the next entry is tried, so a crash resends at
 * most the sends of that one entry. A sink that has an entry is never sent it again (done is
 * per sink), so a failing webhook does not make the NDJSON file of the same entry repeat. */
#include "notify_int.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ERR_KEEP 300 /* bytes of a failure's message kept durably */

/* ---- small helpers ---- */

static int dump_cb(const char *buf, size_t size, void *data) {
  return gp_buf_put(data, buf, size) ? -1 : 0;
}

gp_rc gp_notify__dump(const json_t *j, gp_buf *b, gp_err *err) {
  /* 15 digits: jansson's default of 17 shows a timeout of 0.2 s as 0.20000000000000001 */
  if (json_dump_callback(
          j, dump_cb, b,
          JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15)))
    return gp_err_set(err, GP_NOMEM, "out of memory writing JSON");
  return GP_OK;
}

static bool valid_name(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n >= GP_NAME_MAX) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  }
  return true;
}

/* prefix + s into b (reset first). */
static gp_rc make_key(gp_buf *b, const char *prefix, const char *s, gp_err *err) {
  b->len = 0;
  if (gp_buf_put(b, prefix, strlen(prefix)) || gp_buf_put(b, s, strlen(s)))
    return gp_err_set(err, GP_NOMEM, "out of memory");
  return GP_OK;
}

static gp_rc put_str(gp_buf *b, const char *s, size_t n) {
  gp_rc rc = gp_buf_put_uvarint(b, n);
  return rc ? rc : gp_buf_put(b, s, n);
}

/* A length-prefixed string from r, returned owned and NUL-terminated. */
static gp_rc rd_str(gp_rd *r, char **out, gp_err *err) {
  uint64_t n;
  const uint8_t *p;
  gp_rc rc;
  if ((rc = gp_rd_uvarint(r, &n, err)) || (rc = gp_rd_slice(r, n, &p, err))) return rc;
  if (!(*out = GP_STRNDUP((const char *)p, n))) return gp_err_set(err, GP_NOMEM, "out of memory");
  return GP_OK;
}

/* ---- entries ---- */

typedef struct target {
  char *sink;        /* sink name, owned */
  bool done;         /* this sink has the entry */
  uint32_t attempts; /* failed attempts */
  int64_t next_us;   /* next attempt at or after */
  char *error;       /* last error, owned ("" when none) */
} target;

typedef struct entry {
  char *id;   /* owned */
  char *json; /* compact alert JSON, owned */
  size_t len;
  target *t; /* owned */
  size_t nt;
} entry;

static void entry_free(entry *e) {
  if (!e) return;
  for (size_t i = 0; i < e->nt; i++) {
    GP_FREE(e->t[i].sink);
    GP_FREE(e->t[i].error);
  }
  GP_FREE(e->t);
  GP_FREE(e->json);
  GP_FREE(e->id);
  memset(e, 0, sizeof *e);
}

static gp_rc entry_encode(const entry *e, gp_buf *b, gp_err *err) {
  b->len = 0;
  bool bad = gp_buf_put_u8(b, 1) || put_str(b, e->json, e->len) || gp_buf_put_uvarint(b, e->nt);
  for (size_t i = 0; i < e->nt && !bad; i++) {
    const target *t = &e->t[i];
    bad = put_str(b, t->sink, strlen(t->sink)) || gp_buf_put_u8(b, t->done) ||
          gp_buf_put_uvarint(b, t->attempts) || gp_buf_put_svarint(b, t->next_us) ||
          put_str(b, t->error, strlen(t->error));
  }
  return bad ? gp_err_set(err, GP_NOMEM, "out of memory") : GP_OK;
}

/* Decodes the value of ntf/p/<id> into e (owned: entry_free). */
static gp_rc entry_decode(const char *id, size_t idl, const uint8_t *v, size_t vl, entry *e,
                          gp_err *err) {
  gp_rd r = {v, v + vl};
  uint8_t ver;
  uint64_t nt;
  gp_rc rc;
  memset(e, 0, sizeof *e);
  if (!(e->id = GP_STRNDUP(id, idl))) return gp_err_set(err, GP_NOMEM, "out of memory");
  if ((rc = gp_rd_u8(&r, &ver, err))) goto fail;
  if (ver != 1) {
    rc = gp_err_set(err, GP_CORRUPT, "outbox entry \"%s\": unknown version %u", e->id, ver);
    goto fail;
  }
  if ((rc = rd_str(&r, &e->json, err))) goto fail;
  e->len = strlen(e->json);
  if ((rc = gp_rd_uvarint(&r, &nt, err))) goto fail;
  if (nt == 0 || nt > GP_NOTIFY_MAX_SINKS) {
    rc = gp_err_set(err, GP_CORRUPT, "outbox entry \"%s\": %llu sinks", e->id,
                    (unsigned long long)nt);
    goto fail;
  }
  if (!(e->t = GP_CALLOC(nt, sizeof *e->t))) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto fail;
  }
  for (; e->nt < nt; e->nt++) {
    target *t = &e->t[e->nt];
    uint8_t done;
    uint64_t att;
    if ((rc = rd_str(&r, &t->sink, err)) || (rc = gp_rd_u8(&r, &done, err)) ||
        (rc = gp_rd_uvarint(&r, &att, err)) || (rc = gp_rd_svarint(&r, &t->next_us, err)) ||
        (rc = rd_str(&r, &t->error, err))) {
      if (t->sink && !t->error) e->nt++; /* so entry_free releases the name */
      goto fail;
    }
    t->done = done != 0;
    t->attempts = att > UINT32_MAX ? UINT32_MAX : (uint32_t)att;
  }
  return GP_OK;
fail:
  entry_free(e);
  return rc;
}

/* ---- the outbox ---- */

gp_rc gp_notify_outbox_add(gp_store_txn *t, const char *id, const char *const *sinks, size_t nsinks,
                           const char *alert_json, size_t len, gp_err *err) {
  gp_store *s = gp_store_txn_store(t);
  gp_buf key = {0}, val = {0}, json = {0};
  json_t *alert = NULL;
  entry e = {0};
  gp_rc rc = GP_OK;
  size_t idl = id ? strlen(id) : 0;
  if (idl == 0 || idl > GP_NOTIFY_ID_MAX)
    return gp_err_set(err, GP_INVALID, "notification id must be 1 to %d bytes", GP_NOTIFY_ID_MAX);
  if (nsinks == 0 || nsinks > GP_NOTIFY_MAX_SINKS)
    return gp_err_set(err, GP_INVALID, "notification \"%s\": %zu sinks (1 to %d allowed)", id,
                      nsinks, GP_NOTIFY_MAX_SINKS);
  for (size_t i = 0; i < nsinks; i++)
    if (!sinks[i] || !valid_name(sinks[i]))
      return gp_err_set(err, GP_INVALID, "notification \"%s\": bad sink name \"%s\"", id,
                        sinks[i] ? sinks[i] : "(null)");
  json_error_t je;
  alert = json_loadb(alert_json, len, JSON_REJECT_DUPLICATES, &je);
  if (!alert || !json_is_object(alert)) {
    rc = gp_err_set(err, GP_INVALID, "notification \"%s\": alert is not a JSON object%s%s", id,
                    alert ? "" : ": ", alert ? "" : je.text);
    goto cleanup;
  }
  /* Dedup against what is committed: pending or already delivered. */
  bool found = false;
  if ((rc = make_key(&key, "ntf/d/", id, err)) ||
      (rc = gp_store_meta_get(s, key.p, key.len, &val, &found, err)) || found)
    goto cleanup;
  if ((rc = make_key(&key, "ntf/p/", id, err)) ||
      (rc = gp_store_meta_get(s, key.p, key.len, &val, &found, err)) || found)
    goto cleanup;
  /* The caller's text is kept as written (re-encoding would print 3.42 as 3.4199999999999999),
   * on one line: a raw CR or LF in valid JSON can only be whitespace between tokens (inside a
   * string it must be escaped), so each becomes a space; the ends are trimmed. */
  size_t a = 0, b = len;
  while (a < b && strchr(" \t\r\n", alert_json[a])) a++;
  while (b > a && strchr(" \t\r\n", alert_json[b - 1])) b--;
  if (gp_buf_put(&json, alert_json + a, b - a) || gp_buf_put_u8(&json, 0)) goto nomem;
  for (size_t i = 0; i < json.len; i++)
    if (json.p[i] == '\n' || json.p[i] == '\r') json.p[i] = ' ';
  e.json = (char *)json.p;
  e.len = json.len - 1;
  if (!(e.t = GP_CALLOC(nsinks, sizeof *e.t))) goto nomem;
  for (size_t i = 0; i < nsinks; i++) {
    /* The same sink named twice gets the entry once. */
    bool dup = false;
    for (size_t j = 0; j < e.nt; j++) dup |= strcmp(e.t[j].sink, sinks[i]) == 0;
    if (dup) continue;
    e.t[e.nt].sink = (char *)sinks[i];
    e.t[e.nt].error = "";
    e.nt++;
  }
  if ((rc = entry_encode(&e, &val, err))) goto cleanup;
  rc = gp_store_txn_meta_put(t, key.p, key.len, val.p, val.len, err);
  goto cleanup;
nomem:
  rc = gp_err_set(err, GP_NOMEM, "out of memory");
cleanup:
  GP_FREE(e.t); /* its strings are borrowed */
  gp_buf_free(&json);
  gp_buf_free(&val);
  gp_buf_free(&key);
  json_decref(alert);
  return rc;
}

/* ---- the sink catalog ---- */

typedef struct sink {
  char *name;                  /* owned */
  char *type_name;             /* owned */
  const gp_notify__type *type; /* NULL when the stored type is unknown to this build */
  json_t *opts;                /* owned reference */
  uint64_t deliveries, failures;
  int64_t last_error_us;
  char *last_error; /* owned */
  bool dirty;       /* counters changed since they were read */
} sink;

typedef struct sinkset {
  sink *v;
  size_t n, cap;
  gp_rc rc;
  gp_err *err;
} sinkset;

static void sinkset_free(sinkset *ss) {
  for (size_t i = 0; i < ss->n; i++) {
    GP_FREE(ss->v[i].name);
    GP_FREE(ss->v[i].type_name);
    GP_FREE(ss->v[i].last_error);
    json_decref(ss->v[i].opts);
  }
  GP_FREE(ss->v);
  memset(ss, 0, sizeof *ss);
}

static sink *sink_find(sinkset *ss, const char *name) {
  for (size_t i = 0; i < ss->n; i++)
    if (strcmp(ss->v[i].name, name) == 0) return &ss->v[i];
  return NULL;
}

static int load_sink_cb(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl) {
  sinkset *ss = ctx;
  gp_err *err = ss->err;
  if (ss->n == ss->cap) {
    size_t cap = ss->cap ? ss->cap * 2 : 8;
    sink *p = GP_REALLOC(ss->v, cap * sizeof *p);
    if (!p) return ss->rc = gp_err_set(err, GP_NOMEM, "out of memory"), 1;
    ss->v = p;
    ss->cap = cap;
  }
  sink *s = &ss->v[ss->n];
  memset(s, 0, sizeof *s);
  s->last_error_us = GP_TS_NULL;
  gp_rd r = {v, v + vl};
  uint8_t ver;
  json_error_t je;
  if (!(s->name = GP_STRNDUP((const char *)k + 6, kl - 6)) || !(s->last_error = GP_STRDUP(""))) {
    ss->rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto fail;
  }
  if ((ss->rc = gp_rd_u8(&r, &ver, err)) || (ss->rc = rd_str(&r, &s->type_name, err))) goto fail;
  if (!(s->opts = json_loadb((const char *)r.p, (size_t)(r.end - r.p), 0, &je))) {
    ss->rc = gp_err_set(err, GP_CORRUPT, "sink \"%s\": bad options: %s", s->name, je.text);
    goto fail;
  }
  s->type = gp_notify__type_find(s->type_name);
  ss->n++;
  return 0;
fail:
  GP_FREE(s->name);
  GP_FREE(s->type_name);
  GP_FREE(s->last_error);
  return 1;
}

static int load_counter_cb(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl) {
  sinkset *ss = ctx;
  char name[GP_NAME_MAX];
  if (kl - 6 >= sizeof name) return 0;
  memcpy(name, k + 6, kl - 6);
  name[kl - 6] = 0;
  sink *s = sink_find(ss, name);
  if (!s) return 0; /* counters of a sink dropped in the same moment: ignored */
  gp_rd r = {v, v + vl};
  uint8_t ver;
  char *e = NULL;
  if ((ss->rc = gp_rd_u8(&r, &ver, ss->err)) ||
      (ss->rc = gp_rd_uvarint(&r, &s->deliveries, ss->err)) ||
      (ss->rc = gp_rd_uvarint(&r, &s->failures, ss->err)) ||
      (ss->rc = gp_rd_svarint(&r, &s->last_error_us, ss->err)) ||
      (ss->rc = rd_str(&r, &e, ss->err)))
    return 1;
  GP_FREE(s->last_error);
  s->last_error = e;
  return 0;
}

static gp_rc sinks_load(gp_db *db, sinkset *ss, gp_err *err) {
  gp_store *st = gp_db_store(db);
  memset(ss, 0, sizeof *ss);
  ss->err = err;
  gp_rc rc = gp_store_meta_scan(st, "ntf/s/", 6, load_sink_cb, ss, err);
  if (!rc) rc = ss->rc;
  if (!rc) rc = gp_store_meta_scan(st, "ntf/n/", 6, load_counter_cb, ss, err);
  if (!rc) rc = ss->rc;
  if (rc) sinkset_free(ss);
  return rc;
}

static gp_rc put_counters(gp_store_txn *t, const sink *s, gp_err *err) {
  gp_buf k = {0}, v = {0};
  gp_rc rc = make_key(&k, "ntf/n/", s->name, err);
  if (!rc && (gp_buf_put_u8(&v, 1) || gp_buf_put_uvarint(&v, s->deliveries) ||
              gp_buf_put_uvarint(&v, s->failures) || gp_buf_put_svarint(&v, s->last_error_us) ||
              put_str(&v, s->last_error, strlen(s->last_error))))
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
  if (!rc) rc = gp_store_txn_meta_put(t, k.p, k.len, v.p, v.len, err);
  gp_buf_free(&v);
  gp_buf_free(&k);
  return rc;
}

/* Checks opts against the type's table and builds the stored option object (defaults filled
 * in). *bad: index of the option at fault, n when it is not one option. */
static gp_rc build_opts(const gp_notify__type *ty, const gp_notify_opt *opts, size_t n,
                        json_t **out, size_t *bad, gp_err *err) {
  json_t *o = json_object();
  gp_rc rc = GP_OK;
  if (!o) return gp_err_set(err, GP_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    const gp_notify_opt *op = &opts[i];
    const gp_notify__optspec *sp = ty->opts;
    while (sp->name && strcasecmp(sp->name, op->name) != 0) sp++;
    *bad = i;
    if (!sp->name) {
      char known[256] = "";
      size_t kl = 0;
      for (const gp_notify__optspec *q = ty->opts; q->name && kl < sizeof known; q++)
        kl += (size_t)snprintf(known + kl, sizeof known - kl, "%s%s", kl ? ", " : "", q->name);
      rc = gp_err_set(err, GP_INVALID, "unknown option \"%s\" for a sink of type %s (%s%s)",
                      op->name, ty->name, kl ? "known: " : "it takes none", known);
      goto fail;
    }
    if (json_object_get(o, sp->name)) {
      rc = gp_err_set(err, GP_INVALID, "option \"%s\" given twice", sp->name);
      goto fail;
    }
    static const char *const kind_name[] = {"", "text", "a number", "true or false",
                                            "a list of texts"};
    if (op->kind != sp->kind) {
      rc = gp_err_set(err, GP_INVALID, "option \"%s\" must be %s", sp->name, kind_name[sp->kind]);
      goto fail;
    }
    json_t *v = NULL;
    switch (op->kind) {
      case GP_NOTIFY_TEXT:
        v = json_string(op->text);
        break;
      case GP_NOTIFY_NUM:
        if (!(op->num >= sp->min && op->num <= sp->max)) {
          rc = gp_err_set(err, GP_INVALID, "option \"%s\" must be between %g and %g", sp->name,
                          sp->min, sp->max);
          goto fail;
        }
        v = json_real(op->num);
        break;
      case GP_NOTIFY_BOOL:
        v = json_boolean(op->b);
        break;
      case GP_NOTIFY_LIST:
        if (op->nlist == 0) {
          rc = gp_err_set(err, GP_INVALID, "option \"%s\" must not be empty", sp->name);
          goto fail;
        }
        v = json_array();
        for (size_t j = 0; v && j < op->nlist; j++)
          if (json_array_append_new(v, json_string(op->list[j]))) json_decref(v), v = NULL;
        break;
    }
    if (!v || json_object_set_new(o, sp->name, v)) goto nomem;
  }
  *bad = n;
  for (const gp_notify__optspec *sp = ty->opts; sp->name; sp++) {
    if (json_object_get(o, sp->name)) continue;
    if (sp->required) {
      rc = gp_err_set(err, GP_INVALID, "a sink of type %s needs option \"%s\"", ty->name, sp->name);
      goto fail;
    }
    if (sp->dflt) {
      json_t *v = json_loads(sp->dflt, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL);
      if (!v || json_object_set_new(o, sp->name, v)) goto nomem;
    }
  }
  const char *bad_name = NULL;
  if (ty->check && (rc = ty->check(o, &bad_name, err))) {
    for (size_t i = 0; bad_name && i < n; i++)
      if (strcasecmp(opts[i].name, bad_name) == 0) *bad = i;
    goto fail;
  }
  *out = o;
  return GP_OK;
nomem:
  rc = gp_err_set(err, GP_NOMEM, "out of memory");
fail:
  json_decref(o);
  return rc;
}

gp_rc gp_notify_sink_create(gp_db *db, const char *name, const char *type,
                            const gp_notify_opt *opts, size_t n, bool or_replace, size_t *bad,
                            gp_err *err) {
  size_t bad_dummy;
  if (!bad) bad = &bad_dummy;
  *bad = n;
  gp_store *st = gp_db_store(db);
  gp_buf k = {0}, v = {0};
  json_t *o = NULL;
  gp_store_txn *t = NULL;
  gp_rc rc;
  const gp_notify__type *ty = gp_notify__type_find(type);
  if (!valid_name(name))
    return *bad = SIZE_MAX,
           gp_err_set(err, GP_INVALID, "bad sink name \"%s\" (letters, digits and _)", name);
  if (!ty)
    return gp_err_set(err, GP_INVALID,
                      "unknown sink type \"%s\" (stdout, ndjson, command or webhook)", type);
  if ((rc = build_opts(ty, opts, n, &o, bad, err))) return rc;
  bool found = false;
  if ((rc = make_key(&k, "ntf/s/", name, err)) ||
      (rc = gp_store_meta_get(st, k.p, k.len, &v, &found, err)))
    goto cleanup;
  if (found && !or_replace) {
    rc = gp_err_set(err, GP_EXISTS, "sink \"%s\" already exists", name);
    goto cleanup;
  }
  v.len = 0;
  if (gp_buf_put_u8(&v, 1) || put_str(&v, ty->name, strlen(ty->name))) goto nomem;
  if ((rc = gp_notify__dump(o, &v, err))) goto cleanup;
  if (!(t = gp_store_txn_begin(st))) goto nomem;
  if ((rc = gp_store_txn_meta_put(t, k.p, k.len, v.p, v.len, err))) goto cleanup;
  if (!found) { /* fresh counters; a replaced sink keeps its history */
    sink s = {.name = (char *)name, .last_error = "", .last_error_us = GP_TS_NULL};
    if ((rc = put_counters(t, &s, err))) goto cleanup;
  }
  rc = gp_store_txn_commit(t, err);
  goto cleanup;
nomem:
  rc = gp_err_set(err, GP_NOMEM, "out of memory");
cleanup:
  gp_store_txn_free(t);
  json_decref(o);
  gp_buf_free(&v);
  gp_buf_free(&k);
  return rc;
}

bool gp_notify_sink_type_known(const char *type) {
  return gp_notify__type_find(type) != NULL;
}

gp_rc gp_notify_sink_drop(gp_db *db, const char *name, bool if_exists, gp_err *err) {
  gp_store *st = gp_db_store(db);
  gp_buf k = {0}, v = {0};
  gp_store_txn *t = NULL;
  bool found = false;
  gp_rc rc;
  if ((rc = make_key(&k, "ntf/s/", name, err)) ||
      (rc = gp_store_meta_get(st, k.p, k.len, &v, &found, err)))
    goto cleanup;
  if (!found) {
    if (!if_exists) rc = gp_err_set(err, GP_NOTFOUND, "sink \"%s\" does not exist", name);
    goto cleanup;
  }
  if (!(t = gp_store_txn_begin(st))) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto cleanup;
  }
  if ((rc = gp_store_txn_meta_delete(t, k.p, k.len, err)) ||
      (rc = make_key(&k, "ntf/n/", name, err)) ||
      (rc = gp_store_txn_meta_delete(t, k.p, k.len, err)))
    goto cleanup;
  rc = gp_store_txn_commit(t, err);
cleanup:
  gp_store_txn_free(t);
  gp_buf_free(&v);
  gp_buf_free(&k);
  return rc;
}

/* ---- reading the outbox ---- */

typedef struct entries {
  entry *v;
  size_t n, cap;
  gp_rc rc;
  gp_err *err;
} entries;

static void entries_free(entries *es) {
  for (size_t i = 0; i < es->n; i++) entry_free(&es->v[i]);
  GP_FREE(es->v);
  memset(es, 0, sizeof *es);
}

static int load_entry_cb(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl) {
  entries *es = ctx;
  if (es->n == es->cap) {
    size_t cap = es->cap ? es->cap * 2 : 16;
    entry *p = GP_REALLOC(es->v, cap * sizeof *p);
    if (!p) return es->rc = gp_err_set(es->err, GP_NOMEM, "out of memory"), 1;
    es->v = p;
    es->cap = cap;
  }
  if ((es->rc = entry_decode((const char *)k + 6, kl - 6, v, vl, &es->v[es->n], es->err))) return 1;
  es->n++;
  return 0;
}

static gp_rc entries_load(gp_db *db, entries *es, gp_err *err) {
  memset(es, 0, sizeof *es);
  es->err = err;
  gp_rc rc = gp_store_meta_scan(gp_db_store(db), "ntf/p/", 6, load_entry_cb, es, err);
  if (!rc) rc = es->rc;
  if (rc) entries_free(es);
  return rc;
}

/* ---- delivery ---- */

static int64_t backoff_us(uint32_t attempts) {
  int64_t d = GP_NOTIFY_BACKOFF_US;
  for (uint32_t i = 1; i < attempts && d < GP_NOTIFY_BACKOFF_MAX_US; i++) d *= 2;
  return d < GP_NOTIFY_BACKOFF_MAX_US ? d : GP_NOTIFY_BACKOFF_MAX_US;
}

static gp_rc set_str(char **dst, const char *src, size_t max, gp_err *err) {
  char *c = GP_STRNDUP(src, strnlen(src, max));
  if (!c) return gp_err_set(err, GP_NOMEM, "out of memory");
  GP_FREE(*dst);
  *dst = c;
  return GP_OK;
}

/* Sends entry e to each of its due sinks and commits the outcome. */
static gp_rc deliver_entry(gp_db *db, sinkset *ss, entry *e, int64_t now_us, gp_notify_stats *st,
                           gp_err *err) {
  gp_store *store = gp_db_store(db);
  gp_buf k = {0}, v = {0};
  gp_store_txn *t = NULL;
  json_t *alert = NULL;
  gp_rc rc = GP_OK;
  bool tried = false, all = true;
  for (size_t i = 0; i < e->nt; i++) {
    target *tg = &e->t[i];
    if (tg->done) continue;
    if (tg->next_us > now_us) {
      all = false;
      continue;
    }
    if (!alert && !(alert = json_loadb(e->json, e->len, 0, NULL))) {
      rc = gp_err_set(err, GP_CORRUPT, "outbox entry \"%s\": its JSON does not parse", e->id);
      goto cleanup;
    }
    tried = true;
    st->attempts++;
    gp_err se = {0};
    sink *s = sink_find(ss, tg->sink);
    if (!s)
      gp_err_set(&se, GP_NOTFOUND, "sink \"%s\" does not exist", tg->sink);
    else if (!s->type)
      gp_err_set(&se, GP_UNSUPPORTED, "sink \"%s\": unknown type \"%s\"", s->name, s->type_name);
    else {
      gp_notify__msg m = {e->id, e->json, e->len, alert};
      s->type->send(s->opts, &m, &se);
    }
    if (se.rc == GP_OK) {
      st->delivered++;
      tg->done = true;
      tg->error[0] = 0;
      if (s) s->deliveries++, s->dirty = true;
      continue;
    }
    if (!se.msg[0]) snprintf(se.msg, sizeof se.msg, "%s", gp_rc_str(se.rc));
    st->failed++;
    all = false;
    if (tg->attempts < UINT32_MAX) tg->attempts++;
    tg->next_us = now_us + backoff_us(tg->attempts);
    if ((rc = set_str(&tg->error, se.msg, ERR_KEEP, err))) goto cleanup;
    if (s) {
      s->failures++;
      s->last_error_us = now_us;
      s->dirty = true;
      if ((rc = set_str(&s->last_error, se.msg, ERR_KEEP, err))) goto cleanup;
    }
  }
  if (!tried) goto cleanup;
  if (!(t = gp_store_txn_begin(store))) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto cleanup;
  }
  if ((rc = make_key(&k, "ntf/p/", e->id, err))) goto cleanup;
  if (all) {
    if ((rc = gp_store_txn_meta_delete(t, k.p, k.len, err)) ||
        (rc = make_key(&k, "ntf/d/", e->id, err)))
      goto cleanup;
    v.len = 0;
    if (gp_buf_put_svarint(&v, now_us)) {
      rc = gp_err_set(err, GP_NOMEM, "out of memory");
      goto cleanup;
    }
  } else if ((rc = entry_encode(e, &v, err))) {
    goto cleanup;
  }
  if ((rc = gp_store_txn_meta_put(t, k.p, k.len, v.p, v.len, err))) goto cleanup;
  for (size_t i = 0; i < ss->n; i++)
    if (ss->v[i].dirty && (rc = put_counters(t, &ss->v[i], err))) goto cleanup;
  if ((rc = gp_store_txn_commit(t, err))) goto cleanup;
  for (size_t i = 0; i < ss->n; i++) ss->v[i].dirty = false;
  if (all) st->entries_done++;
cleanup:
  json_decref(alert);
  gp_store_txn_free(t);
  gp_buf_free(&v);
  gp_buf_free(&k);
  return rc;
}

gp_rc gp_notify_deliver(gp_db *db, int64_t now_us, gp_notify_stats *st, gp_err *err) {
  gp_notify_stats dummy;
  if (!st) st = &dummy;
  memset(st, 0, sizeof *st);
  st->next_due_us = INT64_MAX;
  sinkset ss;
  entries es;
  gp_rc rc;
  if ((rc = sinks_load(db, &ss, err))) return rc;
  if ((rc = entries_load(db, &es, err))) {
    sinkset_free(&ss);
    return rc;
  }
  for (size_t i = 0; i < es.n && !rc; i++) {
    entry *e = &es.v[i];
    rc = deliver_entry(db, &ss, e, now_us, st, err);
    bool left = false;
    for (size_t j = 0; j < e->nt; j++) {
      if (e->t[j].done) continue;
      left = true;
      if (e->t[j].next_us < st->next_due_us) st->next_due_us = e->t[j].next_us;
    }
    st->pending += left;
  }
  entries_free(&es);
  sinkset_free(&ss);
  return rc;
}

/* ---- inspection ---- */

gp_rc gp_notify_pending_list(gp_db *db, gp_notify_pending **out, size_t *n, gp_err *err) {
  entries es;
  gp_rc rc;
  *out = NULL;
  *n = 0;
  if ((rc = entries_load(db, &es, err))) return rc;
  size_t total = 0, k = 0;
  for (size_t i = 0; i < es.n; i++)
    for (size_t j = 0; j < es.v[i].nt; j++) total += !es.v[i].t[j].done;
  gp_notify_pending *p = total ? GP_CALLOC(total, sizeof *p) : NULL;
  if (total && !p) {
    entries_free(&es);
    return gp_err_set(err, GP_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < es.n; i++)
    for (size_t j = 0; j < es.v[i].nt; j++) {
      target *t = &es.v[i].t[j];
      if (t->done) continue;
      /* Ownership moves to the list; an entry's id is copied for each of its sinks. */
      p[k] = (gp_notify_pending){GP_STRDUP(es.v[i].id), t->sink, t->attempts, t->next_us, t->error};
      t->sink = t->error = NULL;
      if (!p[k++].id) rc = gp_err_set(err, GP_NOMEM, "out of memory");
    }
  entries_free(&es);
  if (rc) {
    gp_notify_pending_free(p, k);
    return rc;
  }
  *out = p;
  *n = k;
  return GP_OK;
}

/* Frees an array of n records of size sz at p (NULL allowed) whose strings, at the nf offsets in
 * f, each record owns: one loop for every list this file hands out, so a field added to a list is
 * freed by naming its offset once. */
static void records_free(void *p, size_t n, size_t sz, const size_t *f, size_t nf) {
  if (!p) return;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < nf; j++) GP_FREE(*(char **)((char *)p + i * sz + f[j]));
  GP_FREE(p);
}

void gp_notify_pending_free(gp_notify_pending *p, size_t n) {
  static const size_t f[] = {offsetof(gp_notify_pending, id), offsetof(gp_notify_pending, sink),
                             offsetof(gp_notify_pending, last_error)};
  records_free(p, n, sizeof *p, f, sizeof f / sizeof *f);
}

gp_rc gp_notify_delivered(gp_db *db, const char *id, bool *yes, int64_t *at_us, gp_err *err) {
  gp_buf k = {0}, v = {0};
  gp_rc rc = make_key(&k, "ntf/d/", id, err);
  if (!rc) rc = gp_store_meta_get(gp_db_store(db), k.p, k.len, &v, yes, err);
  if (!rc && *yes && at_us) {
    gp_rd r = {v.p, v.p + v.len};
    rc = gp_rd_svarint(&r, at_us, err);
  }
  gp_buf_free(&v);
  gp_buf_free(&k);
  return rc;
}

gp_rc gp_notify_sink_list(gp_db *db, gp_notify_sink_info **out, size_t *n, gp_err *err) {
  sinkset ss;
  entries es;
  gp_rc rc;
  *out = NULL;
  *n = 0;
  if ((rc = sinks_load(db, &ss, err))) return rc;
  if ((rc = entries_load(db, &es, err))) {
    sinkset_free(&ss);
    return rc;
  }
  gp_notify_sink_info *l = ss.n ? GP_CALLOC(ss.n, sizeof *l) : NULL;
  gp_buf ob = {0};
  if (ss.n && !l) rc = gp_err_set(err, GP_NOMEM, "out of memory");
  for (size_t i = 0; i < ss.n && !rc; i++) {
    sink *s = &ss.v[i];
    ob.len = 0;
    if ((rc = gp_notify__dump(s->opts, &ob, err))) break;
    size_t pend = 0;
    for (size_t a = 0; a < es.n; a++)
      for (size_t b = 0; b < es.v[a].nt; b++)
        pend += !es.v[a].t[b].done && strcmp(es.v[a].t[b].sink, s->name) == 0;
    l[i] = (gp_notify_sink_info){s->name,       s->type_name,    GP_STRNDUP((char *)ob.p, ob.len),
                                 s->deliveries, s->failures,     pend,
                                 s->last_error, s->last_error_us};
    s->name = s->type_name = s->last_error = NULL;
    *n = i + 1;
    if (!l[i].options) rc = gp_err_set(err, GP_NOMEM, "out of memory");
  }
  gp_buf_free(&ob);
  entries_free(&es);
  sinkset_free(&ss);
  if (rc) {
    gp_notify_sink_info_free(l, *n);
    *n = 0;
    return rc;
  }
  *out = l;
  return GP_OK;
}

void gp_notify_sink_info_free(gp_notify_sink_info *s, size_t n) {
  static const size_t f[] = {
      offsetof(gp_notify_sink_info, name), offsetof(gp_notify_sink_info, type),
      offsetof(gp_notify_sink_info, options), offsetof(gp_notify_sink_info, last_error)};
  records_free(s, n, sizeof *s, f, sizeof f / sizeof *f);
}
