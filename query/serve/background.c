/* background.c - the one place where `gridpulse serve` runs work of its own besides requests,
 * on one thread that wakes every second until the stop flag is set:
 *
 *  - sealing: the write endpoints leave their rows fresh (durable through the WAL, visible at
 *    once: see write.c); once a table holds GP_SEAL_ROWS fresh rows, or has held any for
 *    GP_SEAL_AGE seconds, every fresh row is sealed into chunks (gp_db_seal_all) under the
 *    exclusive lock, the way a load seals. A seal replaces fresh batches by chunks in one
 *    atomic batch, so a query sees each row once, before or after it. It does hold queries and
 *    writes back while it runs (tens of ms for a few thousand rows): sealing beside readers
 *    would need the store to seal from a snapshot and swap the result in.
 *  - the warning scheduler and the delivery of notifications run on a thread of their own
 *    (warnings.c), started and stopped with this one: an evaluation can take longer than the
 *    second this loop wakes at, and sealing must not wait for it.
 */
#include "serve_int.h"

#include <errno.h>
#include <time.h>

enum { GP_SEAL_ROWS = 4096, GP_SEAL_AGE = 30 };

struct gp_serve__bg {
  pthread_t th;
  pthread_mutex_t mu;
  pthread_cond_t wake;
  bool stop;          /* under mu */
  double fresh_since; /* monotonic time fresh rows were first seen unsealed, 0 = none */
  uint64_t seals;     /* figures for the log */
};

/* Seals when the fresh rows call for it. */
static void maybe_seal(gp_serve *srv, struct gp_serve__bg *bg) {
  size_t fresh = 0;
  gp_err err = {0};
  pthread_rwlock_rdlock(&srv->dblock);
  for (size_t i = 0; i < gp_db_ntables(srv->db); i++) {
    gp_store_stats st;
    if (gp_store_table_stats(gp_db_store(srv->db), gp_db_table_at(srv->db, i)->id, &st, &err) ==
        GP_OK)
      fresh += st.fresh_rows;
  }
  pthread_rwlock_unlock(&srv->dblock);
  double now = gp_serve__now();
  if (fresh == 0) {
    bg->fresh_since = 0;
    return;
  }
  if (bg->fresh_since == 0) bg->fresh_since = now;
  if (fresh < GP_SEAL_ROWS && now - bg->fresh_since < GP_SEAL_AGE) return;
  gp_seal_stats ss = {0};
  pthread_rwlock_wrlock(&srv->dblock);
  double t0 = gp_serve__now();
  gp_rc rc = gp_db_seal_all(srv->db, &ss, &err);
  double secs = gp_serve__now() - t0;
  pthread_rwlock_unlock(&srv->dblock);
  if (rc)
    gp_serve__log("background seal failed: %s", err.msg);
  else if (!srv->o.quiet)
    gp_serve__log("sealed %zu fresh rows into %zu chunks in %.3f s", ss.rows, ss.chunks, secs);
  bg->fresh_since = 0;
  bg->seals++;
}

static void *run(void *arg) {
  gp_serve *srv = arg;
  struct gp_serve__bg *bg = srv->bg;
  pthread_mutex_lock(&bg->mu);
  while (!bg->stop) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 1;
    pthread_cond_timedwait(&bg->wake, &bg->mu, &until);
    if (bg->stop) break;
    pthread_mutex_unlock(&bg->mu);
    maybe_seal(srv, bg);
    pthread_mutex_lock(&bg->mu);
  }
  pthread_mutex_unlock(&bg->mu);
  return NULL;
}

gp_rc gp_serve__bg_start(gp_serve *srv, gp_err *err) {
  if (gp_serve__warn_start(srv, err)) return err->rc;
  struct gp_serve__bg *bg = GP_CALLOC(1, sizeof *bg);
  if (!bg) {
    gp_serve__warn_stop(srv);
    return gp_err_set(err, GP_NOMEM, "out of memory");
  }
  pthread_mutex_init(&bg->mu, NULL);
  pthread_cond_init(&bg->wake, NULL);
  srv->bg = bg;
  if (pthread_create(&bg->th, NULL, run, srv) != 0) {
    pthread_mutex_destroy(&bg->mu);
    pthread_cond_destroy(&bg->wake);
    GP_FREE(bg);
    srv->bg = NULL;
    gp_serve__warn_stop(srv);
    return gp_err_set(err, GP_NOMEM, "cannot start the background thread");
  }
  return GP_OK;
}

void gp_serve__bg_stop(gp_serve *srv) {
  gp_serve__warn_stop(srv);
  struct gp_serve__bg *bg = srv->bg;
  if (!bg) return;
  pthread_mutex_lock(&bg->mu);
  bg->stop = true;
  pthread_cond_signal(&bg->wake);
  pthread_mutex_unlock(&bg->mu);
  pthread_join(bg->th, NULL);
  pthread_mutex_destroy(&bg->mu);
  pthread_cond_destroy(&bg->wake);
  GP_FREE(bg);
  srv->bg = NULL;
}

const char *gp_serve__bg_status(const gp_serve *srv) {
  (void)srv;
  return "sealing, warning scheduler, notification delivery";
}
