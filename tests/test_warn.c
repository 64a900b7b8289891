/* test_warn.c - the warning state machine (engine/warn_state.c) on hand-written slot
 * sequences, and the runner (engine/warn.c) with a scripted evaluator over a real database:
 * exactly once, resume, missed slots and CATCH UP.
 *
 * A case is a warning (FOR, KEEP FIRING FOR, levels, RESOLVE WHEN, ON NODATA) and a list of
 * slots, 5 minutes apart. Each slot gives the evaluation's rows and the transitions expected:
 *   rows:  "a=0 b=1r c=-"  row a at level 0, b at level 1 with RESOLVE WHEN holding, c with
 *          no level holding; "" no rows; "~" no rows and no data in the window; "!" the
 *          evaluation failed
 *   want:  "a:pending b:firing:1 c:firing:2<1 d:resolved e:inactive :nodata :error", in label
 *          order (NODATA and error rows have empty labels) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gp_warn.h"

#define MIN (60 * GP_USEC_PER_SEC)
#define T0 (INT64_C(1717200000) * GP_USEC_PER_SEC) /* 2024-06-01 00:00 UTC */

typedef struct wcase {
  const char *name;
  int64_t for_m, keep_m;
  int nlevels;
  bool resolve;
  gp_warn_nodata nodata;
  const char *slots[16][2]; /* {rows, want} */
} wcase;

static void def_of(const wcase *c, gp_warn_def *w) {
  memset(w, 0, sizeof *w);
  snprintf(w->name, sizeof w->name, "w");
  w->every_us = 5 * MIN;
  w->for_us = c->for_m * MIN;
  w->keep_us = c->keep_m * MIN;
  w->nlevels = c->nlevels ? c->nlevels : 1;
  for (int k = 0; k < w->nlevels; k++) snprintf(w->levels[k], GP_NAME_MAX, "%d", k);
  w->has_resolve = c->resolve;
  w->nodata = c->nodata;
}

/* Fills res from a rows spec; returns false for "!" (a failed evaluation). */
static bool rows_of(const char *spec, gp_warn_result *res) {
  gp_warn_result_clear(res);
  if (!strcmp(spec, "!")) return false;
  if (!strcmp(spec, "~")) {
    res->nodata = true;
    return true;
  }
  char buf[256];
  snprintf(buf, sizeof buf, "%s", spec);
  for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
    char *eq = strchr(tok, '=');
    assert_non_null(eq);
    *eq = '\0';
    int level = eq[1] == '-' ? -1 : atoi(eq + 1);
    bool resolve = strchr(eq + 1, 'r') != NULL;
    gp_err err = {0};
    assert_int_equal(gp_warn_result_add(res, tok, "{}", level, false, level, resolve, "", &err), GP_OK);
  }
  return true;
}

static void trans_str(const gp_warn_trans *tr, size_t n, char *out, size_t cap) {
  out[0] = '\0';
  for (size_t k = 0; k < n; k++) {
    char one[96];
    const char *l = tr[k].inst ? tr[k].inst->labels : "";
    int len = snprintf(one, sizeof one, "%s%s:%s", k ? " " : "", l, gp_warn_state_name(tr[k].state));
    if (tr[k].state == GP_WARN_FIRING) {
      len += snprintf(one + len, sizeof one - (size_t)len, ":%d", tr[k].level);
      if (tr[k].prev_level >= 0) snprintf(one + len, sizeof one - (size_t)len, "<%d", tr[k].prev_level);
    }
    snprintf(out + strlen(out), cap - strlen(out), "%s", one);
  }
}

static const wcase k_cases[] = {
    {"FOR 10 m: pending twice, then firing; gone: resolved", 10, 0, 0, false, 0,
     {{"a=0", "a:pending"}, {"a=0", ""}, {"a=0", "a:firing:0"}, {"a=0", ""}, {"", "a:resolved"}}},
    {"no FOR: firing at once", 0, 0, 0, false, 0,
     {{"a=0 b=0", "a:firing:0 b:firing:0"}, {"b=0", "a:resolved"}, {"", "b:resolved"}}},
    {"a pending instance that disappears is cleared, and FOR starts again", 15, 0, 0, false, 0,
     {{"a=0", "a:pending"}, {"a=0", ""}, {"", "a:inactive"}, {"a=0", "a:pending"},
      {"a=0", ""}, {"a=0", ""}, {"a=0", "a:firing:0"}}},
    {"levels up and down are transitions of their own", 0, 0, 3, false, 0,
     {{"a=0", "a:firing:0"}, {"a=1", "a:firing:1<0"}, {"a=2", "a:firing:2<1"},
      {"a=2", ""}, {"a=0", "a:firing:0<2"}, {"", "a:resolved"}}},
    {"a pending instance changes level silently and fires at its current one", 10, 0, 2, false, 0,
     {{"a=0", "a:pending"}, {"a=1", ""}, {"a=1", "a:firing:1"}}},
    {"a row where no level holds: not active (pending cleared, firing resolved)", 0, 0, 2, false, 0,
     {{"a=1 b=-", "a:firing:1"}, {"a=- b=-", "a:resolved"}}},
    {"RESOLVE WHEN: hysteresis band keeps firing at the last level", 0, 0, 2, true, 0,
     {{"a=1", "a:firing:1"}, {"a=-", ""}, {"a=-", ""}, {"a=0", "a:firing:0<1"},
      {"a=-r", "a:resolved"}, {"a=-", ""}, {"a=0", "a:firing:0"}, {"", "a:resolved"}}},
    {"RESOLVE WHEN holding on a row that still has a level resolves it", 0, 0, 1, true, 0,
     {{"a=0", "a:firing:0"}, {"a=0r", "a:resolved"}, {"a=0", "a:firing:0"}}},
    {"KEEP FIRING FOR 10 m holds through a dip of two slots", 0, 10, 0, false, 0,
     {{"a=0", "a:firing:0"}, {"", ""}, {"a=0", ""}, {"", ""}, {"", ""}, {"", "a:resolved"}}},
    {"KEEP FIRING FOR with FOR: a pending instance is not held", 10, 10, 0, false, 0,
     {{"a=0", "a:pending"}, {"", "a:inactive"}}},
    {"ON NODATA ok (the default): no data resolves", 0, 0, 0, false, GP_WARN_NODATA_OK,
     {{"a=0", "a:firing:0"}, {"~", "a:resolved"}}},
    {"ON NODATA keep: states kept while the window is empty", 10, 0, 0, false, GP_WARN_NODATA_KEEP,
     {{"a=0", "a:pending"}, {"~", ""}, {"a=0", "a:firing:0"}, {"~", ""}, {"", "a:resolved"}}},
    {"ON NODATA alert: a NODATA instance, resolved when data returns", 0, 0, 0, false,
     GP_WARN_NODATA_ALERT,
     {{"a=0", "a:firing:0"}, {"~", ":nodata"}, {"~", ""}, {"a=0", ":resolved"},
      {"", "a:resolved"}, {"~", ":nodata"}}},
    {"ON NODATA alert: an empty result with data is no NODATA", 0, 0, 0, false,
     GP_WARN_NODATA_ALERT,
     {{"a=0", "a:firing:0"}, {"", "a:resolved"}}},
    {"a failed evaluation leaves every state as it was (FOR keeps counting)", 10, 0, 0, false, 0,
     {{"a=0", "a:pending"}, {"!", ":error"}, {"a=0", "a:firing:0"}, {"!", ":error"},
      {"a=0", ""}, {"", "a:resolved"}}},
    {"the one instance of a query without labels is no NODATA instance", 0, 0, 0, false,
     GP_WARN_NODATA_ALERT,
     {{"=0", ":firing:0"}, {"=0", ""}, {"=0", ""}, {"~", ":resolved :nodata"},
      {"=0", ":resolved :firing:0"}, {"", ":resolved"}}},
    {"duplicate labels in one result: the first row wins", 0, 0, 2, false, 0,
     {{"a=0 a=1", "a:firing:0"}, {"a=1 a=0", "a:firing:1<0"}}},
};

static void test_state_machine(void **state) {
  (void)state;
  for (size_t c = 0; c < sizeof k_cases / sizeof *k_cases; c++) {
    const wcase *wc = &k_cases[c];
    gp_warn_def w;
    def_of(wc, &w);
    gp_warn_set set = {0};
    gp_warn_result res = {0};
    gp_warn_trans *tr = NULL;
    size_t ntr = 0;
    for (int s = 0; s < 16 && wc->slots[s][0]; s++) {
      int64_t slot = T0 + s * 5 * MIN;
      bool ok = rows_of(wc->slots[s][0], &res);
      gp_err err = {0};
      assert_int_equal(gp_warn_step(&w, &set, slot, ok ? &res : NULL, &tr, &ntr, &err), GP_OK);
      char got[512];
      trans_str(tr, ntr, got, sizeof got);
      if (strcmp(got, wc->slots[s][1]) != 0) {
        print_error("case \"%s\", slot %d (%s):\n  got  \"%s\"\n  want \"%s\"\n", wc->name, s,
                    wc->slots[s][0], got, wc->slots[s][1]);
        fail();
      }
      for (size_t k = 0; ok && k < set.n; k++) assert_int_equal(set.v[k].last_slot, slot);
    }
    GP_FREE(tr);
    gp_warn_result_free(&res);
    gp_warn_set_free(&set);
  }
}

/* FOR timers count from the slot an instance first appeared in, whatever happened between */
static void test_pending_since_kept(void **state) {
  (void)state;
  wcase c = {"", 15, 0, 0, false, 0, {{0}}};
  gp_warn_def w;
  def_of(&c, &w);
  gp_warn_set set = {0};
  gp_warn_result res = {0};
  gp_warn_trans *tr = NULL;
  size_t ntr = 0;
  gp_err err = {0};
  rows_of("a=0", &res);
  assert_int_equal(gp_warn_step(&w, &set, T0, &res, &tr, &ntr, &err), GP_OK);
  assert_int_equal(set.n, 1);
  assert_int_equal(set.v[0].pending_since, T0);
  assert_int_equal(set.v[0].state, GP_WARN_PENDING);
  /* a gap of slots that were never evaluated (missed) does not reset FOR */
  assert_int_equal(gp_warn_step(&w, &set, T0 + 20 * MIN, &res, &tr, &ntr, &err), GP_OK);
  assert_int_equal(set.v[0].state, GP_WARN_FIRING);
  assert_int_equal(set.v[0].active_since, T0 + 20 * MIN);
  GP_FREE(tr);
  gp_warn_result_free(&res);
  gp_warn_set_free(&set);
}

/* ---- the runner over a real database, with a scripted evaluator ---- */

typedef struct script {
  int64_t first;            /* slot of rows[0] */
  const char *rows[32];
  int evaluated[32];        /* times each slot was evaluated */
} script;

static gp_rc fake_open(void *ctx, const gp_warn_def *w, void **h, gp_err *err) {
  (void)w, (void)err;
  *h = ctx;
  return GP_OK;
}

static gp_rc fake_eval(void *h, const gp_warn_def *w, int64_t slot, gp_warn_result *out,
                       gp_err *err) {
  script *s = h;
  long k = (long)((slot - s->first) / w->every_us);
  if (k < 0 || k >= 32 || !s->rows[k]) return gp_err_set(err, GP_INVALID, "no script for slot %ld", k);
  s->evaluated[k]++;
  if (!rows_of(s->rows[k], out)) return gp_err_set(err, GP_INVALID, "scripted failure");
  return GP_OK;
}

static void fake_close(void *h) { (void)h; }

static const gp_warn_eval_vt k_fake = {fake_open, fake_eval, fake_close};

static char g_dir[512];

static gp_db *open_tmp(const char *name) {
  const char *tmp = getenv("GP_TEST_TMP");
  char cmd[1100];
  snprintf(g_dir, sizeof g_dir, "%s/%s.%d", tmp ? tmp : "/tmp", name, (int)getpid());
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", g_dir, tmp ? tmp : "/tmp");
  assert_int_equal(system(cmd), 0);
  gp_db_opts o = {g_dir, 32650, 0, false};
  gp_db *db = NULL;
  gp_err err = {0};
  assert_int_equal(gp_db_open(&o, &db, &err), GP_OK);
  return db;
}

static void put_warning(gp_db *db, int64_t for_m, bool catch_up) {
  gp_warn_def w;
  memset(&w, 0, sizeof w);
  snprintf(w.name, sizeof w.name, "w");
  w.every_us = 5 * MIN;
  w.for_us = for_m * MIN;
  w.nlevels = 1;
  snprintf(w.levels[0], GP_NAME_MAX, "w");
  w.catch_up = catch_up;
  char sql[] = "CREATE WARNING w EVERY 5 m AS SELECT 1"; /* the fake evaluator never reads it */
  w.sql = sql;
  gp_err err = {0};
  assert_int_equal(gp_warn_put(db, &w, true, &err), GP_OK);
}

static void test_runner_once_and_resume(void **state) {
  (void)state;
  gp_db *db = open_tmp("warn_once");
  put_warning(db, 10, false);
  script s = {T0, {"a=0", "a=0", "a=0", "a=0", "", "a=0"}, {0}};
  gp_warn_run_opts o = {&k_fake, &s, NULL, false, false, false, NULL, NULL, NULL, NULL};
  gp_warn_stats st;
  gp_err err = {0};
  /* slots 0..2, then 0..5 again: 0..2 are not evaluated twice */
  assert_int_equal(gp_warn_run(db, T0, T0 + 10 * MIN, &o, &st, &err), GP_OK);
  assert_int_equal(st.slots, 3);
  assert_int_equal(st.transitions, 2); /* pending, firing */
  assert_int_equal(gp_warn_run(db, T0, T0 + 25 * MIN, &o, &st, &err), GP_OK);
  assert_int_equal(st.slots, 3);
  assert_int_equal(st.skipped, 3);
  for (int k = 0; k < 6; k++) assert_int_equal(s.evaluated[k], 1);
  /* resolved at slot 4, pending again at 5: what the family holds after a reopen */
  gp_db_close(db);
  gp_db_opts dopts = {g_dir, 0, 0, false};
  assert_int_equal(gp_db_open(&dopts, &db, &err), GP_OK);
  gp_warn_set set = {0};
  assert_int_equal(gp_warn_instances(db, "w", &set, &err), GP_OK);
  assert_int_equal(set.n, 1);
  assert_string_equal(set.v[0].labels, "a");
  assert_int_equal(set.v[0].state, GP_WARN_PENDING);
  assert_int_equal(set.v[0].pending_since, T0 + 25 * MIN);
  gp_warn_set_free(&set);
  gp_warn_progress p;
  assert_int_equal(gp_warn_progress_get(db, "w", &p, &err), GP_OK);
  assert_int_equal(p.last_slot, T0 + 25 * MIN);
  assert_int_equal(p.evaluations, 6);
  const gp_table *h = gp_db_table(db, "alert_history");
  assert_non_null(h);
  gp_store_stats ss;
  assert_int_equal(gp_store_table_stats(gp_db_store(db), h->id, &ss, &err), GP_OK);
  assert_int_equal(ss.fresh_rows + ss.chunk_rows, 4); /* pending, firing, resolved, pending */
  gp_db_close(db);
}

static void test_runner_missed_and_catch_up(void **state) {
  (void)state;
  gp_db *db = open_tmp("warn_missed");
  put_warning(db, 0, false);
  script s = {T0, {"a=0", "a=0", "", "", "", "a=0"}, {0}};
  gp_warn_run_opts o = {&k_fake, &s, NULL, false, false, false, NULL, NULL, NULL, NULL};
  gp_warn_stats st;
  gp_err err = {0};
  assert_int_equal(gp_warn_run(db, T0, T0, &o, &st, &err), GP_OK); /* --at slot 0 */
  assert_int_equal(st.slots, 1);
  /* --at slot 5 (a time inside it): slots 1..4 were missed, skipped and counted */
  assert_int_equal(gp_warn_run(db, T0 + 27 * MIN, T0 + 27 * MIN, &o, &st, &err), GP_OK);
  assert_int_equal(st.slots, 1);
  assert_int_equal(st.missed, 4);
  assert_int_equal(s.evaluated[1] + s.evaluated[2] + s.evaluated[3] + s.evaluated[4], 0);
  gp_warn_progress p;
  assert_int_equal(gp_warn_progress_get(db, "w", &p, &err), GP_OK);
  assert_int_equal(p.missed, 4);
  assert_int_equal(p.last_slot, T0 + 25 * MIN);
  gp_db_close(db);

  /* with CATCH UP the missed slots are evaluated in order: the dip at 2..4 resolves a */
  db = open_tmp("warn_catchup");
  put_warning(db, 0, true);
  script c = {T0, {"a=0", "a=0", "", "", "", "a=0"}, {0}};
  o.vt_ctx = &c;
  assert_int_equal(gp_warn_run(db, T0, T0, &o, &st, &err), GP_OK);
  assert_int_equal(gp_warn_run(db, T0 + 25 * MIN, T0 + 25 * MIN, &o, &st, &err), GP_OK);
  assert_int_equal(st.slots, 5);
  assert_int_equal(st.missed, 0);
  assert_int_equal(st.transitions, 2); /* resolved at 2, firing again at 5 */
  for (int k = 0; k < 6; k++) assert_int_equal(c.evaluated[k], 1);
  gp_db_close(db);
}

/* A failed slot is recorded (progress, an error row) and not evaluated again */
static void test_runner_error_recorded(void **state) {
  (void)state;
  gp_db *db = open_tmp("warn_error");
  put_warning(db, 0, false);
  script s = {T0, {"a=0", "!", "a=0"}, {0}};
  gp_warn_run_opts o = {&k_fake, &s, NULL, false, false, false, NULL, NULL, NULL, NULL};
  gp_warn_stats st;
  gp_err err = {0};
  assert_int_equal(gp_warn_run(db, T0, T0 + 10 * MIN, &o, &st, &err), GP_OK);
  assert_int_equal(st.errors, 1);
  assert_int_equal(st.transitions, 2); /* firing, error; a stays firing through the error */
  gp_warn_progress p;
  assert_int_equal(gp_warn_progress_get(db, "w", &p, &err), GP_OK);
  assert_int_equal(p.errors, 1);
  assert_string_equal(p.last_error, "");
  gp_warn_set set = {0};
  assert_int_equal(gp_warn_instances(db, "w", &set, &err), GP_OK);
  assert_int_equal(set.n, 1);
  assert_int_equal(set.v[0].state, GP_WARN_FIRING);
  assert_int_equal(set.v[0].active_since, T0);
  gp_warn_set_free(&set);
  assert_int_equal(gp_warn_drop(db, "w", &err), GP_OK);
  assert_int_equal(gp_warn_instances(db, "w", &set, &err), GP_OK);
  assert_int_equal(set.n, 0);
  gp_warn_set_free(&set);
  assert_int_equal(gp_warn_drop(db, "w", &err), GP_NOTFOUND);
  gp_db_close(db);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_state_machine),
      cmocka_unit_test(test_pending_since_kept),
      cmocka_unit_test(test_runner_once_and_resume),
      cmocka_unit_test(test_runner_missed_and_catch_up),
      cmocka_unit_test(test_runner_error_recorded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
