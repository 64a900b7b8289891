/* notify_drive.c - drives the notification outbox of a database from the shell, for the
 * end-to-end sink tests (until warnings write the outbox themselves):
 *   notify_drive DB add ID SINK[,SINK...] JSON    adds one entry in its own committed batch
 *   notify_drive DB deliver NOW_SECONDS           one delivery pass at that time (a fake clock)
 *   notify_drive DB pending                       the pending (entry, sink) pairs, one a line
 * Prints the pass's counts after `deliver`; exits 1 with the error on failure. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp_notify.h"

static int usage(void) {
  fprintf(stderr, "usage: notify_drive DB add ID SINKS JSON | deliver NOW | pending\n");
  return 2;
}

static int add(gp_db *db, const char *id, char *sinks, const char *json, gp_err *err) {
  const char *names[GP_NOTIFY_MAX_SINKS];
  size_t n = 0;
  for (char *s = strtok(sinks, ","); s && n < GP_NOTIFY_MAX_SINKS; s = strtok(NULL, ","))
    names[n++] = s;
  gp_store_txn *t = gp_store_txn_begin(gp_db_store(db));
  if (!t) return gp_err_set(err, GP_NOMEM, "out of memory");
  gp_rc rc = gp_notify_outbox_add(t, id, names, n, json, strlen(json), err);
  if (!rc) rc = gp_store_txn_commit(t, err);
  gp_store_txn_free(t);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 3) return usage();
  gp_db_opts o = {argv[1], 0, 0, false};
  gp_db *db = NULL;
  gp_err err = {0};
  gp_rc rc = gp_db_open_existing(&o, &db, &err);
  if (!rc && strcmp(argv[2], "add") == 0 && argc == 6) {
    rc = add(db, argv[3], argv[4], argv[5], &err);
  } else if (!rc && strcmp(argv[2], "deliver") == 0 && argc == 4) {
    gp_notify_stats st;
    rc = gp_notify_deliver(db, (int64_t)strtoll(argv[3], NULL, 10) * GP_USEC_PER_SEC, &st, &err);
    if (!rc)
      printf("attempts %zu delivered %zu failed %zu pending %zu\n", st.attempts, st.delivered,
             st.failed, st.pending);
  } else if (!rc && strcmp(argv[2], "pending") == 0 && argc == 3) {
    gp_notify_pending *p;
    size_t n;
    if (!(rc = gp_notify_pending_list(db, &p, &n, &err))) {
      for (size_t i = 0; i < n; i++)
        printf("%s %s attempts=%" PRIu32 " error=%s\n", p[i].id, p[i].sink, p[i].attempts,
               p[i].last_error);
      gp_notify_pending_free(p, n);
    }
  } else if (!rc) {
    gp_db_close(db);
    return usage();
  }
  gp_db_close(db);
  if (rc) {
    fprintf(stderr, "notify_drive: %s\n", err.msg);
    return 1;
  }
  return 0;
}
