/* warnings.c - the warning models inside `gridpulse serve`: one thread runs engine/gp_warn.h's
 * daemon (every unpaused warning on the wall clock, then one delivery pass of the outbox), and
 * GET /v1/warnings and /v1/alerts answer what SHOW WARNINGS and SHOW ALERTS show, as JSON.
 *
 * Locking: the daemon's round (the catalog read, the evaluations due, the delivery pass) takes
 * the database lock alone, as a writing request does (gp_warn_run_opts.guard), because an
 * evaluation writes alert state and history and reads the catalog and symbol dictionaries that a
 * writer may grow; the sleep between rounds holds nothing. Evaluating under the shared lock and
 * committing under the exclusive one would let queries run beside evaluations, but the
 * scheduler commits inside gp_warn_run: that split is left for when evaluations get long.
 * SIGTERM sets the stop flag; the daemon finishes the evaluation it is in and returns, and the
 * server then flushes the database. */
#include "serve_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp_warn.h"

struct gp_serve__warn {
  pthread_t th;
  atomic_bool stop;
  gp_serve *srv;
};

static void guard(void *ctx, bool enter) {
  gp_serve *srv = ctx;
  if (enter) pthread_rwlock_wrlock(&srv->dblock);
  else pthread_rwlock_unlock(&srv->dblock);
}

static void *run(void *arg) {
  struct gp_serve__warn *w = arg;
  gp_serve *srv = w->srv;
  gp_warn_run_opts o = {0};
  o.vt = gp_query_warn_evaluator();
  o.vt_ctx = srv->db;
  o.log = stderr; /* one line per evaluation and per delivery pass, beside the request log */
  o.deliver = true;
  o.guard = guard;
  o.guard_ctx = srv;
  gp_err err = {0};
  if (gp_warn_daemon(srv->db, &o, &w->stop, &err))
    gp_serve__log("warnings: the scheduler stopped: %s", err.msg);
  return NULL;
}

gp_rc gp_serve__warn_start(gp_serve *srv, gp_err *err) {
  struct gp_serve__warn *w = GP_CALLOC(1, sizeof *w);
  if (!w) return gp_err_set(err, GP_NOMEM, "out of memory");
  w->srv = srv;
  atomic_init(&w->stop, false);
  if (pthread_create(&w->th, NULL, run, w) != 0) {
    GP_FREE(w);
    return gp_err_set(err, GP_NOMEM, "cannot start the warning scheduler's thread");
  }
  srv->warn = w;
  return GP_OK;
}

void gp_serve__warn_stop(gp_serve *srv) {
  struct gp_serve__warn *w = srv->warn;
  if (!w) return;
  atomic_store(&w->stop, true);
  pthread_join(w->th, NULL);
  GP_FREE(w);
  srv->warn = NULL;
}

typedef struct capture {
  FILE *f;
} capture;

static gp_rc on_result(void *ctx, const gp_result *r, gp_err *err) {
  capture *c = ctx;
  return gp_result_write(r, GP_OUT_JSON, c->f, err);
}

/* GET /v1/warnings (SHOW WARNINGS) or /v1/alerts (SHOW ALERTS): a session of its own under
 * the shared lock, the result written by the same JSON writer as POST /v1/sql?format=json. */
int gp_serve__warn_endpoint(gp_serve *srv, struct MHD_Connection *c, gp_serve__req *r, bool alerts) {
  const char *sql = alerts ? "SHOW ALERTS" : "SHOW WARNINGS";
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) return gp_serve__reply_error(c, r, 500, "internal", "out of memory");
  gp_err err = {0};
  gp_session *s = NULL;
  capture cap = {f};
  pthread_rwlock_rdlock(&srv->dblock);
  gp_rc rc = gp_session_new(srv->db, &s, &err);
  if (!rc) rc = gp_session_exec(s, sql, strlen(sql), on_result, &cap, &err);
  gp_session_free(s);
  pthread_rwlock_unlock(&srv->dblock);
  fclose(f);
  int ok;
  if (rc) {
    const char *type;
    int code = gp_serve__status_of(rc, &type);
    ok = gp_serve__reply_error(c, r, code, type, err.msg);
  } else {
    ok = gp_serve__reply(c, r, 200, "application/json", text, len);
  }
  free(text);
  return ok;
}
