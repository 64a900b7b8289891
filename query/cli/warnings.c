/* warnings.c - `gridpulse warnings run DB (--at T | --from T0 --to T1) [--warning NAME]
 * [--dry-run] [--catch-up] [--verbose]`: evaluates stored warnings at the slots of a time
 * range in order, exactly as the daemon would have (engine/gp_warn.h's gp_warn_run with the
 * query layer's evaluator), writing their instances and alert_history; with --dry-run it only
 * prints the transitions. A slot already recorded is never evaluated twice, so a replay that
 * was killed is simply run again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp_repl.h"
#include "gp_warn.h"

static int usage_warn(void) {
  fprintf(stderr,
          "usage: gridpulse warnings run DB (--at TS | --from TS --to TS) [--warning NAME]\n"
          "                 [--dry-run] [--catch-up] [--verbose]\n");
  return 2;
}

static bool ts_arg(const char *s, int64_t *out) {
  if (gp_ts_parse(s, strlen(s), out)) return true;
  fprintf(stderr, "gridpulse warnings: bad timestamp '%s' (YYYY-MM-DD[ HH:MM[:SS]][Z|+HH:MM])\n", s);
  return false;
}

int gp_cli_warnings(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[0], "run") != 0) return usage_warn();
  const char *path = argv[1];
  int64_t at = 0, from = 0, to = 0;
  bool has_at = false, has_from = false, has_to = false, verbose = false;
  gp_warn_run_opts o;
  memset(&o, 0, sizeof o);
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--at") && v) {
      if (!ts_arg(v, &at)) return 2;
      has_at = true, i++;
    } else if (!strcmp(a, "--from") && v) {
      if (!ts_arg(v, &from)) return 2;
      has_from = true, i++;
    } else if (!strcmp(a, "--to") && v) {
      if (!ts_arg(v, &to)) return 2;
      has_to = true, i++;
    } else if (!strcmp(a, "--warning") && v) {
      o.only = v, i++;
    } else if (!strcmp(a, "--dry-run")) {
      o.dry_run = true;
    } else if (!strcmp(a, "--catch-up")) {
      o.catch_up = true;
    } else if (!strcmp(a, "--verbose")) {
      verbose = true;
    } else {
      fprintf(stderr, "gridpulse warnings: unknown or incomplete option '%s'\n", a);
      return usage_warn();
    }
  }
  if (has_at == (has_from || has_to) || has_from != has_to) return usage_warn();
  if (has_at) from = to = at;
  gp_db *db = NULL;
  gp_err err = {0};
  gp_db_opts dbo = {path, 0, 0, false};
  if (gp_db_open_existing(&dbo, &db, &err)) {
    fprintf(stderr, "gridpulse: %s\n", err.msg);
    return 1;
  }
  o.vt = gp_query_warn_evaluator();
  o.vt_ctx = db;
  o.log = verbose ? stderr : NULL;
  o.transitions = o.dry_run ? stdout : NULL;
  o.lazy = !has_at; /* a replay syncs once at its end; one slot is synced as the daemon's are */
  gp_warn_stats st;
  gp_rc rc = gp_warn_run(db, from, to, &o, &st, &err);
  if (!rc && o.deliver) rc = o.deliver(db, 0, &err);
  if (!rc)
    printf("%s%zu slots evaluated (%zu already done, %zu missed, %zu failed), %zu transitions, "
           "%zu notifications; %.3f s, %.3f ms per slot\n",
           o.dry_run ? "dry run: " : "", st.slots, st.skipped, st.missed, st.errors,
           st.transitions, st.notifications, st.total_ms / 1000.0,
           st.slots ? st.total_ms / (double)st.slots : 0.0);
  gp_db_close(db);
  if (rc) {
    fprintf(stderr, "gridpulse: %s\n", err.msg);
    return 1;
  }
  return 0;
}
