/* warn_stmt.c - the warning statements: CREATE [OR REPLACE] WARNING, ALTER WARNING PAUSE |
 * RESUME, DROP WARNING [IF EXISTS], DESCRIBE WARNING, SHOW WARNINGS, SHOW ALERTS, and the
 * `alerts` system view.
 *
 * CREATE WARNING checks the schedule's intervals and names, then binds the query by running
 * it once at the current slot (gp_query__warn_check), so that an unknown column is an error
 * at its position now rather than at 3 a.m.; the statement's text is what the catalog keeps
 * (engine/gp_warn.h), along with the numbers the scheduler needs without parsing. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gp_notify.h"
#include "gp_warn.h"
#include "query_int.h"

static gp_rc nomem(gp_err *err) { return gp_err_set(err, GP_NOMEM, "out of memory"); }

bool gp_query__warn_owns(const gp_ast *st) {
  switch (st->kind) {
  case GP_AST_CREATE_WARNING:
  case GP_AST_ALTER_WARNING: return true;
  case GP_AST_DROP: return st->drop.what == GP_OBJ_WARNING;
  case GP_AST_SHOW: return st->show.what == GP_OBJ_WARNING || st->show.what == GP_OBJ_ALERTS;
  case GP_AST_DESCRIBE: return st->describe.what == GP_OBJ_WARNING;
  default: return false;
  }
}

/* A fixed-length interval (EVERY, OFFSET, DELAY, FOR, KEEP FIRING FOR) in microseconds:
 * slots are aligned in UTC, so a month (of varying length) is refused. */
static gp_rc ivl_us(const gp_ast *e, const char *what, bool positive, int64_t *out, gp_err *err) {
  *out = 0;
  if (!e) return GP_OK;
  if (e->kind != GP_AST_INTERVAL)
    return gp_query_err_at(err, GP_INVALID, e->pos, "%s needs an interval such as 5 m", what);
  int64_t mul = qx_unit_us(e->interval.u);
  if (!mul)
    return gp_query_err_at(err, GP_INVALID, e->pos,
                           "%s must be a fixed length (us, ms, s, m, h, d, w), not %s %s", what,
                           e->interval.text, e->interval.unit);
  double us = e->interval.v * (double)mul;
  if (!(us >= 0 && us < 1e17) || (positive && us < 1))
    return gp_query_err_at(err, GP_INVALID, e->pos, "%s %s %s is out of range", what,
                           e->interval.text, e->interval.unit);
  *out = (int64_t)(us + 0.5);
  return GP_OK;
}

static gp_rc copy_name(char *dst, const gp_ast_name *n, const char *what, gp_err *err) {
  if (strlen(n->s) >= GP_NAME_MAX)
    return gp_query_err_at(err, GP_INVALID, n->pos, "%s name \"%s\" is longer than %d bytes",
                           what, n->s, GP_NAME_MAX - 1);
  snprintf(dst, GP_NAME_MAX, "%s", n->s);
  return GP_OK;
}

static gp_rc status(gp_result **out, gp_err *err, const char *text) {
  gp_rc rc = gp_query__result_new(out, err);
  if (!rc) rc = gp_query__result_set_status(*out, err, "%s", text);
  return rc;
}

static int64_t wall_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * GP_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gp_rc create_warning(gp_session *s, gp_ast *st, gp_result **out, gp_err *err) {
  gp_db *db = gp_session__db(s);
  size_t srclen;
  const char *src = gp_session__src(s, &srclen);
#define cw (&st->create_warning)
  gp_warn_def w;
  memset(&w, 0, sizeof w);
  gp_rc rc;
  if ((rc = copy_name(w.name, &cw->name, "warning", err)) ||
      (rc = ivl_us(cw->every, "EVERY", true, &w.every_us, err)) ||
      (rc = ivl_us(cw->offset, "OFFSET", false, &w.offset_us, err)) ||
      (rc = ivl_us(cw->delay, "DELAY", false, &w.delay_us, err)) ||
      (rc = ivl_us(cw->for_, "FOR", false, &w.for_us, err)) ||
      (rc = ivl_us(cw->keep_for, "KEEP FIRING FOR", false, &w.keep_us, err)))
    return rc;
  if (w.offset_us >= w.every_us)
    return gp_query_err_at(err, GP_INVALID, cw->offset->pos, "OFFSET must be shorter than EVERY");
  if (cw->levels.n > GP_WARN_MAX_LEVELS)
    return gp_query_err_at(err, GP_INVALID, cw->levels.v[GP_WARN_MAX_LEVELS]->pos,
                           "more than %d levels", GP_WARN_MAX_LEVELS);
  for (uint32_t k = 0; k < cw->levels.n; k++) {
    const gp_ast_name *ln = &cw->levels.v[k]->level.name;
    for (uint32_t j = 0; j < k; j++)
      if (!strcmp(cw->levels.v[j]->level.name.s, ln->s))
        return gp_query_err_at(err, GP_INVALID, ln->pos, "level \"%s\" is listed twice", ln->s);
    if ((rc = copy_name(w.levels[k], ln, "level", err))) return rc;
  }
  w.nlevels = cw->levels.n ? (int)cw->levels.n : 1;
  if (!cw->levels.n) snprintf(w.levels[0], GP_NAME_MAX, "%s", w.name);
  w.has_resolve = cw->resolve != NULL;
  w.nodata = !cw->nodata.s ? GP_WARN_NODATA_OK
             : !strcmp(cw->nodata.s, "keep") ? GP_WARN_NODATA_KEEP
             : !strcmp(cw->nodata.s, "alert") ? GP_WARN_NODATA_ALERT : GP_WARN_NODATA_OK;
  w.catch_up = cw->catch_up;
  if (cw->notify.n > GP_WARN_MAX_SINKS)
    return gp_query_err_at(err, GP_INVALID, cw->notify.v[GP_WARN_MAX_SINKS]->pos,
                           "more than %d sinks", GP_WARN_MAX_SINKS);
  if (cw->notify.n) {
    gp_notify_sink_info *sinks = NULL;
    size_t ns = 0;
    if ((rc = gp_notify_sink_list(db, &sinks, &ns, err))) return rc;
    for (uint32_t k = 0; k < cw->notify.n && !rc; k++) {
      const gp_ast_name *sn = &cw->notify.v[k]->column.name;
      size_t j = 0;
      while (j < ns && strcmp(sinks[j].name, sn->s) != 0) j++;
      if (j == ns)
        rc = gp_query_err_at(err, GP_NOTFOUND, sn->pos, "no sink \"%s\" (CREATE SINK it first)",
                             sn->s);
      for (int i = 0; !rc && i < w.nsinks; i++)
        if (!strcmp(w.sinks[i], sn->s))
          rc = gp_query_err_at(err, GP_INVALID, sn->pos, "sink \"%s\" is named twice", sn->s);
      if (!rc) rc = copy_name(w.sinks[w.nsinks++], sn, "sink", err);
    }
    gp_notify_sink_info_free(sinks, ns);
    if (rc) return rc;
  }
  w.created_us = wall_us();
  if (!src || cw->end > srclen || cw->end <= st->pos.off)
    return gp_err_set(err, GP_INVALID, "CREATE WARNING needs its statement text");
  size_t end = cw->end; /* the blanks before the ';' are not the statement's */
  while (end > st->pos.off + 1 && strchr(" \t\r\n", src[end - 1])) end--;
  w.sql = GP_STRNDUP(src + st->pos.off, end - st->pos.off);
  if (!w.sql) return nomem(err);
  if ((rc = gp_query__warn_check(db, &w, w.created_us, src, st->pos.off, err))) goto cleanup;
  if ((rc = gp_warn_history_table(db, err))) goto cleanup;
  if ((rc = gp_warn_put(db, &w, cw->or_replace, err))) {
    if (rc == GP_EXISTS) {
      gp_err_clear(err);
      rc = gp_query_err_at(err, GP_EXISTS, cw->name.pos,
                           "warning \"%s\" already exists (CREATE OR REPLACE WARNING replaces it)",
                           w.name);
    }
    goto cleanup;
  }
  rc = status(out, err, cw->or_replace ? "CREATE OR REPLACE WARNING" : "CREATE WARNING");
cleanup:
  gp_warn_def_free(&w);
  return rc;
#undef cw
}

/* ---- SHOW / DESCRIBE ---- */

static gp_rc add_cols(gp_result *r, const char *const *names, const gp_result_kind *kinds, int n,
                      gp_err *err) {
  gp_rc rc = GP_OK;
  for (int c = 0; c < n && !rc; c++) rc = gp_query__result_add_col(r, names[c], kinds[c], err);
  return rc;
}

static gp_rc put_str(gp_result *r, int c, const char *s, gp_err *err) {
  return s ? gp_query__result_put_text(r, c, s, strlen(s), err) : gp_query__result_put_null(r, c, err);
}

static gp_rc put_ts(gp_result *r, int c, int64_t t, gp_err *err) {
  return t ? gp_query__result_put_int(r, c, t, err) : gp_query__result_put_null(r, c, err);
}

static gp_rc show_warnings(gp_db *db, gp_result **out, gp_err *err) {
  static const char *const names[] = {"warning", "every", "for", "state", "last_slot",
                                      "last_ms", "next_slot", "pending", "firing", "nodata",
                                      "missed", "errors", "last_error"};
  static const gp_result_kind kinds[] = {GP_RK_TEXT, GP_RK_INTERVAL, GP_RK_INTERVAL, GP_RK_TEXT,
                                         GP_RK_TIMESTAMP, GP_RK_DOUBLE, GP_RK_TIMESTAMP,
                                         GP_RK_INT, GP_RK_INT, GP_RK_INT, GP_RK_INT, GP_RK_INT,
                                         GP_RK_TEXT};
  gp_warn_def *ws = NULL;
  size_t nw = 0;
  gp_rc rc = gp_warn_list(db, &ws, &nw, err);
  if (rc) return rc;
  gp_result *r = NULL;
  if (!(rc = gp_query__result_new(&r, err))) rc = add_cols(r, names, kinds, 13, err);
  int64_t now = wall_us();
  for (size_t k = 0; k < nw && !rc; k++) {
    const gp_warn_def *w = &ws[k];
    gp_warn_progress p;
    gp_warn_set set = {0};
    if ((rc = gp_warn_progress_get(db, w->name, &p, err)) ||
        (rc = gp_warn_instances(db, w->name, &set, err)))
      break;
    int64_t cnt[3] = {0};
    for (size_t i = 0; i < set.n; i++)
      cnt[set.v[i].state == GP_WARN_PENDING ? 0 : set.v[i].state == GP_WARN_FIRING ? 1 : 2]++;
    gp_warn_set_free(&set);
    int64_t next = gp_warn_slot_at(w, now) + w->every_us;
    if (p.last_slot && p.last_slot + w->every_us > now) next = p.last_slot + w->every_us;
    if (!rc) rc = put_str(r, 0, w->name, err);
    if (!rc) rc = gp_query__result_put_int(r, 1, w->every_us, err);
    if (!rc) rc = gp_query__result_put_int(r, 2, w->for_us, err);
    if (!rc) rc = put_str(r, 3, w->paused ? "paused" : "active", err);
    if (!rc) rc = put_ts(r, 4, p.last_slot, err);
    if (!rc) rc = p.evaluations ? gp_query__result_put_double(r, 5, (double)p.last_us / 1000.0, err)
                                : gp_query__result_put_null(r, 5, err);
    if (!rc) rc = w->paused ? gp_query__result_put_null(r, 6, err) : put_ts(r, 6, next, err);
    for (int c = 0; c < 3 && !rc; c++) rc = gp_query__result_put_int(r, 7 + c, cnt[c], err);
    if (!rc) rc = gp_query__result_put_int(r, 10, p.missed, err);
    if (!rc) rc = gp_query__result_put_int(r, 11, p.errors, err);
    if (!rc) rc = put_str(r, 12, p.last_error[0] ? p.last_error : NULL, err);
  }
  gp_warn_list_free(ws, nw);
  if (rc) {
    gp_query__result_free(r);
    return rc;
  }
  *out = r;
  return GP_OK;
}

static gp_rc show_alerts(gp_db *db, gp_result **out, gp_err *err) {
  static const char *const names[] = {"warning", "instance", "state", "level", "value",
                                      "active_since", "last_slot", "message"};
  static const gp_result_kind kinds[] = {GP_RK_TEXT, GP_RK_TEXT, GP_RK_TEXT, GP_RK_TEXT,
                                         GP_RK_DOUBLE, GP_RK_TIMESTAMP, GP_RK_TIMESTAMP,
                                         GP_RK_TEXT};
  gp_warn_def *ws = NULL;
  size_t nw = 0;
  gp_rc rc = gp_warn_list(db, &ws, &nw, err);
  if (rc) return rc;
  gp_result *r = NULL;
  if (!(rc = gp_query__result_new(&r, err))) rc = add_cols(r, names, kinds, 8, err);
  for (size_t k = 0; k < nw && !rc; k++) {
    const gp_warn_def *w = &ws[k];
    gp_warn_set set = {0};
    if ((rc = gp_warn_instances(db, w->name, &set, err))) break;
    for (size_t i = 0; i < set.n && !rc; i++) {
      const gp_warn_inst *in = &set.v[i];
      const char *lv = in->level >= 0 && in->level < w->nlevels ? w->levels[in->level] : NULL;
      rc = put_str(r, 0, w->name, err);
      if (!rc) rc = put_str(r, 1, in->labels, err);
      if (!rc) rc = put_str(r, 2, gp_warn_state_name(in->state), err);
      if (!rc) rc = put_str(r, 3, in->state == GP_WARN_NODATA ? NULL : lv, err);
      if (!rc) rc = in->value_null ? gp_query__result_put_null(r, 4, err)
                                   : gp_query__result_put_double(r, 4, in->value, err);
      if (!rc) rc = put_ts(r, 5, in->active_since ? in->active_since : in->pending_since, err);
      if (!rc) rc = put_ts(r, 6, in->last_slot, err);
      if (!rc) rc = put_str(r, 7, in->message, err);
    }
    gp_warn_set_free(&set);
  }
  gp_warn_list_free(ws, nw);
  if (rc) {
    gp_query__result_free(r);
    return rc;
  }
  *out = r;
  return GP_OK;
}

static gp_rc describe_warning(gp_db *db, gp_ast *st, gp_result **out, gp_err *err) {
  gp_warn_def w;
  gp_err e2 = {0};
  gp_rc rc = gp_warn_get(db, st->describe.name.s, &w, &e2);
  if (rc) return gp_query_err_at(err, rc, st->describe.name.pos, "%s", e2.msg);
  gp_result *r = NULL;
  static const char *const names[] = {"property", "value"};
  static const gp_result_kind kinds[] = {GP_RK_TEXT, GP_RK_TEXT};
  if (!(rc = gp_query__result_new(&r, err))) rc = add_cols(r, names, kinds, 2, err);
  char buf[GP_WARN_MAX_LEVELS * (GP_NAME_MAX + 2) + 64];
#define ROW(k, v) (rc ? rc : (rc = put_str(r, 0, (k), err)) ? rc : (rc = put_str(r, 1, (v), err)))
#define IVL(k, us) (gp_query__interval_format((us), buf, sizeof buf), ROW((k), buf))
  ROW("warning", w.name);
  ROW("state", w.paused ? "paused" : "active");
  IVL("every", w.every_us);
  IVL("offset", w.offset_us);
  IVL("delay", w.delay_us);
  IVL("for", w.for_us);
  IVL("keep_firing_for", w.keep_us);
  buf[0] = '\0';
  for (int k = 0; k < w.nlevels; k++)
    snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", k ? ", " : "", w.levels[k]);
  ROW("levels", buf);
  ROW("resolve_when", w.has_resolve ? "yes" : "no");
  ROW("on_nodata", w.nodata == GP_WARN_NODATA_ALERT  ? "alert"
                   : w.nodata == GP_WARN_NODATA_KEEP ? "keep" : "ok");
  ROW("catch_up", w.catch_up ? "yes" : "no");
  buf[0] = '\0';
  for (int k = 0; k < w.nsinks; k++)
    snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", k ? ", " : "", w.sinks[k]);
  ROW("notify", buf);
  ROW("statement", w.sql);
#undef ROW
#undef IVL
  gp_warn_def_free(&w);
  if (rc) {
    gp_query__result_free(r);
    return rc;
  }
  *out = r;
  return GP_OK;
}

gp_rc gp_query__warn_stmt(gp_session *s, gp_ast *st, gp_result **out, gp_err *err) {
  gp_db *db = gp_session__db(s);
  gp_err e2 = {0};
  gp_rc rc;
  switch (st->kind) {
  case GP_AST_CREATE_WARNING: return create_warning(s, st, out, err);
  case GP_AST_ALTER_WARNING:
    if ((rc = gp_warn_set_paused(db, st->alter_warning.name.s, st->alter_warning.pause, &e2)))
      return gp_query_err_at(err, rc, st->alter_warning.name.pos, "%s", e2.msg);
    return status(out, err, "ALTER WARNING");
  case GP_AST_DROP:
    rc = gp_warn_drop(db, st->drop.name.s, &e2);
    if (rc == GP_NOTFOUND && st->drop.if_exists) {
      char text[GP_NAME_MAX + 48];
      snprintf(text, sizeof text, "DROP WARNING (no warning \"%s\")", st->drop.name.s);
      return status(out, err, text);
    }
    if (rc) return gp_query_err_at(err, rc, st->drop.name.pos, "%s", e2.msg);
    return status(out, err, "DROP WARNING");
  case GP_AST_SHOW:
    return st->show.what == GP_OBJ_ALERTS ? show_alerts(db, out, err) : show_warnings(db, out, err);
  case GP_AST_DESCRIBE: return describe_warning(db, st, out, err);
  default: return gp_err_set(err, GP_INVALID, "not a warning statement");
  }
}

/* ---- the alerts view ----
 * `alerts` is the latest transition of every instance that is still pending, firing or
 * nodata, read from alert_history, an ordinary table written in each slot's batch: so it is
 * consistent with the history by construction, and every SQL feature works on both. (SHOW
 * ALERTS reads the alerts family itself, with each instance's value at its last slot.) */
static const char k_alerts_view[] =
    "SELECT warning, instance, ts, state, level, value, message, previous_level, active_since, "
    "labels FROM (SELECT warning, instance, ts, state, level, value, message, previous_level, "
    "active_since, labels, row_number() OVER (PARTITION BY warning, instance ORDER BY ts DESC) "
    "AS rn FROM alert_history WHERE state <> 'error') AS latest "
    "WHERE rn = 1 AND state IN ('pending', 'firing', 'nodata')";

gp_rc gp_query__system_view(gp_db *db, gp_query_arena *a, const char *name, gp_ast **out,
                            gp_err *err) {
  *out = NULL;
  if (strcmp(name, "alerts") != 0 || !db || !gp_db_table(db, "alert_history")) return GP_OK;
  gp_ast *script;
  gp_err e2 = {0};
  gp_rc rc = gp_query_parse(a, k_alerts_view, sizeof k_alerts_view - 1, &script, &e2);
  if (rc) return gp_err_set(err, rc, "the alerts view: %s", e2.msg);
  *out = script->script.stmts.v[0];
  return GP_OK;
}
