/* exec_sink.c - CREATE SINK, DROP SINK and SHOW SINKS: the SQL face of engine/gp_notify.h.
 *
 * Option values are literals, turned into the engine's kinds here: a string is text, a number
 * or an interval (in seconds: `timeout 5 s`, `timeout 500 ms`; `m` is minutes) a number, TRUE /
 * FALSE a boolean, `(v, ...)` a list of strings. The engine checks names, kinds and ranges and
 * says which option is at fault, and the error is placed on that option in the statement. */
#include "query_int.h"

#include <stdio.h>
#include <string.h>

#include "gp_notify.h"

/* Seconds in one unit of a duration; 0 for units that are not a fixed duration. */
static double unit_seconds(gp_ast_unit u) {
  switch (u) {
    case GP_UNIT_US:
      return 1e-6;
    case GP_UNIT_MS:
      return 1e-3;
    case GP_UNIT_S:
      return 1;
    case GP_UNIT_M:
    case GP_UNIT_MIN:
      return 60;
    case GP_UNIT_H:
      return 3600;
    case GP_UNIT_D:
      return 86400;
    case GP_UNIT_W:
      return 7 * 86400;
    default:
      return 0;
  }
}

/* One literal as an option value; texts point into the AST (arena-owned). */
static gp_rc literal(const gp_ast *v, gp_notify_opt *o, gp_err *err) {
  double sign = 1;
  if (v->kind == GP_AST_UNARY && v->unary.op == GP_OP_NEG &&
      (v->unary.arg->kind == GP_AST_INT || v->unary.arg->kind == GP_AST_FLOAT)) {
    sign = -1;
    v = v->unary.arg;
  }
  switch (v->kind) {
    case GP_AST_STRING:
      if (sign < 0) break;
      o->kind = GP_NOTIFY_TEXT;
      o->text = v->str.s;
      if (strlen(v->str.s) != v->str.len)
        return gp_query_err_at(err, GP_INVALID, v->pos, "option \"%s\": a NUL byte in the text",
                               o->name);
      return GP_OK;
    case GP_AST_INT:
      o->kind = GP_NOTIFY_NUM, o->num = sign * (double)v->i.v;
      return GP_OK;
    case GP_AST_FLOAT:
      o->kind = GP_NOTIFY_NUM, o->num = sign * v->f.v;
      return GP_OK;
    case GP_AST_BOOL:
      if (sign < 0) break;
      o->kind = GP_NOTIFY_BOOL, o->b = v->b.v;
      return GP_OK;
    case GP_AST_INTERVAL: {
      double s = unit_seconds(v->interval.u);
      if (s == 0)
        return gp_query_err_at(err, GP_INVALID, v->pos,
                               "option \"%s\": %s is not a fixed duration (use s, min, h or d)",
                               o->name, v->interval.unit);
      o->kind = GP_NOTIFY_NUM, o->num = v->interval.v * s;
      return GP_OK;
    }
    default:
      break;
  }
  return gp_query_err_at(err, GP_INVALID, v->pos,
                         "option \"%s\": a literal expected (a 'string', a number, an "
                         "interval, TRUE or FALSE, or a list ('a', 'b'))",
                         o->name);
}

static gp_rc create_sink(gp_db *db, const gp_ast *st, gp_result **out, gp_err *err) {
  const gp_ast_list *ol = &st->create_sink.options;
  gp_notify_opt *opts = ol->n ? GP_CALLOC(ol->n, sizeof *opts) : NULL;
  const char ***lists = ol->n ? GP_CALLOC(ol->n, sizeof *lists) : NULL;
  gp_rc rc = GP_OK;
  if (ol->n && (!opts || !lists)) {
    rc = gp_err_set(err, GP_NOMEM, "out of memory");
    goto cleanup;
  }
  for (uint32_t i = 0; i < ol->n; i++) {
    const gp_ast *o = ol->v[i];
    opts[i].name = o->option.name.s;
    if (o->option.list.n) {
      const gp_ast_list *l = &o->option.list;
      if (!(lists[i] = GP_CALLOC(l->n, sizeof *lists[i]))) {
        rc = gp_err_set(err, GP_NOMEM, "out of memory");
        goto cleanup;
      }
      for (uint32_t j = 0; j < l->n; j++) {
        if (l->v[j]->kind != GP_AST_STRING) {
          rc = gp_query_err_at(err, GP_INVALID, l->v[j]->pos,
                               "option \"%s\": a list of 'strings' expected", opts[i].name);
          goto cleanup;
        }
        lists[i][j] = l->v[j]->str.s;
      }
      opts[i].kind = GP_NOTIFY_LIST, opts[i].list = lists[i], opts[i].nlist = l->n;
    } else if (!o->option.value) {
      opts[i].kind = GP_NOTIFY_BOOL, opts[i].b = true; /* a bare flag */
    } else if ((rc = literal(o->option.value, &opts[i], err))) {
      goto cleanup;
    }
  }
  size_t bad = ol->n;
  gp_err e2 = {0};
  rc = gp_notify_sink_create(db, st->create_sink.name.s, st->create_sink.type.s, opts, ol->n, false,
                             &bad, &e2);
  if (rc) {
    /* the option at fault; the type when it is unknown or lacks a required option */
    gp_query_pos pos = bad < ol->n                          ? ol->v[bad]->pos
                       : rc == GP_EXISTS || bad == SIZE_MAX ? st->create_sink.name.pos
                                                            : st->create_sink.type.pos;
    rc = gp_query_err_at(err, rc, pos, "%s", e2.msg);
    goto cleanup;
  }
  rc = gp_query__result_new(out, err);
  if (!rc && (rc = gp_query__result_set_status(*out, err, "CREATE SINK"))) {
    gp_query__result_free(*out);
    *out = NULL;
  }
cleanup:
  for (uint32_t i = 0; lists && i < ol->n; i++) GP_FREE(lists[i]);
  GP_FREE(lists);
  GP_FREE(opts);
  return rc;
}

static gp_rc status(gp_result **out, gp_err *err, const char *text) {
  gp_rc rc = gp_query__result_new(out, err);
  if (!rc && (rc = gp_query__result_set_status(*out, err, "%s", text))) {
    gp_query__result_free(*out);
    *out = NULL;
  }
  return rc;
}

static gp_rc drop_sink(gp_db *db, const gp_ast *st, gp_result **out, gp_err *err) {
  gp_err e2 = {0};
  gp_notify_sink_info *l = NULL;
  size_t n = 0;
  gp_rc rc = gp_notify_sink_list(db, &l, &n, &e2);
  bool found = false;
  for (size_t i = 0; !rc && i < n; i++) found |= strcmp(l[i].name, st->drop.name.s) == 0;
  gp_notify_sink_info_free(l, n);
  if (rc) return gp_query_err_at(err, rc, st->pos, "%s", e2.msg);
  if (!found) {
    if (!st->drop.if_exists)
      return gp_query_err_at(err, GP_NOTFOUND, st->drop.name.pos, "no sink \"%s\"",
                             st->drop.name.s);
    char b[GP_NAME_MAX + 64];
    snprintf(b, sizeof b, "DROP SINK (no sink \"%s\")", st->drop.name.s);
    return status(out, err, b);
  }
  if ((rc = gp_notify_sink_drop(db, st->drop.name.s, true, &e2)))
    return gp_query_err_at(err, rc, st->drop.name.pos, "%s", e2.msg);
  return status(out, err, "DROP SINK");
}

/* SHOW SINKS: (sink, type, options, deliveries, failures, pending, last_error,
 * last_error_at), by name. */
static gp_rc show_sinks(gp_db *db, const gp_ast *st, gp_result **out, gp_err *err) {
  gp_err e2 = {0};
  gp_notify_sink_info *l = NULL;
  size_t n = 0;
  gp_result *r = NULL;
  gp_rc rc = gp_notify_sink_list(db, &l, &n, &e2);
  if (rc) return gp_query_err_at(err, rc, st->pos, "%s", e2.msg);
  static const char *const names[] = {"sink",     "type",    "options",    "deliveries",
                                      "failures", "pending", "last_error", "last_error_at"};
  static const gp_result_kind kinds[] = {GP_RK_TEXT, GP_RK_TEXT, GP_RK_TEXT, GP_RK_INT,
                                         GP_RK_INT,  GP_RK_INT,  GP_RK_TEXT, GP_RK_TIMESTAMP};
  if ((rc = gp_query__result_new(&r, err))) goto cleanup;
  for (int c = 0; c < 8 && !rc; c++) rc = gp_query__result_add_col(r, names[c], kinds[c], err);
  for (size_t i = 0; i < n && !rc; i++) {
    const gp_notify_sink_info *s = &l[i];
    if ((rc = gp_query__result_put_text(r, 0, s->name, strlen(s->name), err)) ||
        (rc = gp_query__result_put_text(r, 1, s->type, strlen(s->type), err)) ||
        (rc = gp_query__result_put_text(r, 2, s->options, strlen(s->options), err)) ||
        (rc = gp_query__result_put_int(r, 3, (int64_t)s->deliveries, err)) ||
        (rc = gp_query__result_put_int(r, 4, (int64_t)s->failures, err)) ||
        (rc = gp_query__result_put_int(r, 5, (int64_t)s->pending, err)))
      break;
    rc = s->last_error[0]
             ? gp_query__result_put_text(r, 6, s->last_error, strlen(s->last_error), err)
             : gp_query__result_put_null(r, 6, err);
    if (!rc)
      rc = s->last_error_us == GP_TS_NULL ? gp_query__result_put_null(r, 7, err)
                                          : gp_query__result_put_int(r, 7, s->last_error_us, err);
  }
cleanup:
  gp_notify_sink_info_free(l, n);
  if (rc) {
    gp_query__result_free(r);
    return rc;
  }
  *out = r;
  return GP_OK;
}

gp_rc gp_query__exec_sink(gp_db *db, const gp_ast *st, gp_result **out, gp_err *err) {
  if (st->kind == GP_AST_CREATE_SINK) return create_sink(db, st, out, err);
  if (st->kind == GP_AST_DROP) return drop_sink(db, st, out, err);
  return show_sinks(db, st, out, err);
}
