/* test_sinks.c - CREATE SINK, DROP SINK and SHOW SINKS through a session (query/exec_sink.c):
 * every refusal with the position of the option, the type or the name at fault (a table of
 * statements and messages), and SHOW SINKS after real deliveries (an NDJSON file, a failing
 * command) made by the engine's delivery loop on a fake clock. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gp_notify.h"
#include "gp_query.h"

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *f) {
  (void)st;
  (void)flag;
  (void)f;
  return remove(p);
}

typedef struct fixture {
  char dir[512];
  gp_db *db;
  gp_session *s;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  if (!f) return -1;
  const char *base = getenv("GP_TEST_TMP");
  if (!base || !*base) base = "/tmp";
  mkdir(base, 0755);
  snprintf(f->dir, sizeof f->dir, "%s/sinks-XXXXXX", base);
  if (!mkdtemp(f->dir)) return -1;
  char path[600];
  snprintf(path, sizeof path, "%s/db", f->dir);
  gp_db_opts o = {path, 32650, 0, false};
  gp_err err = {0};
  if (gp_db_open(&o, &f->db, &err) || gp_session_new(f->db, &f->s, &err)) return -1;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  gp_session_free(f->s);
  gp_db_close(f->db);
  nftw(f->dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
  free(f);
  return 0;
}

/* The last result as CSV-ish text: rows of cells joined by '|', lines joined by '\n'. */
typedef struct text {
  char s[8192];
  size_t n;
} text;

static gp_rc collect(void *ctx, const gp_result *r, gp_err *err) {
  (void)err;
  text *t = ctx;
  t->n = 0;
  t->s[0] = 0;
  const char *st = gp_result_status(r);
  if (st) t->n += (size_t)snprintf(t->s + t->n, sizeof t->s - t->n, "%s", st);
  for (size_t i = 0; i < gp_result_rows(r); i++)
    for (int c = 0; c < gp_result_cols(r); c++) {
      size_t len;
      const char *v = gp_result_cell(r, i, c, &len);
      t->n += (size_t)snprintf(t->s + t->n, sizeof t->s - t->n, "%s%.*s",
                               c ? "|" : (t->n ? "\n" : ""), v ? (int)len : 4, v ? v : "NULL");
    }
  return GP_OK;
}

static gp_rc run(fixture *f, const char *sql, text *t, gp_err *err) {
  gp_err_clear(err);
  return gp_session_exec(f->s, sql, strlen(sql), collect, t, err);
}

static void ok(fixture *f, const char *sql, text *t) {
  gp_err err = {0};
  if (run(f, sql, t, &err)) fail_msg("%s: %s", sql, err.msg);
}

typedef struct refusal {
  const char *sql;
  gp_rc rc;
  const char *msg;
} refusal;

static const refusal refusals[] = {
    {"CREATE SINK log TYPE stdout", GP_EXISTS, "line 1, column 13: sink \"log\" already exists"},
    {"CREATE SINK x TYPE pager", GP_INVALID,
     "line 1, column 20: unknown sink type \"pager\" (stdout, ndjson, command or webhook)"},
    {"CREATE SINK x TYPE ndjson (path 'a', colour 'red')", GP_INVALID,
     "line 1, column 38: unknown option \"colour\" for a sink of type ndjson (known: path)"},
    {"CREATE SINK x TYPE ndjson (path 'a', PATH 'b')", GP_INVALID,
     "line 1, column 38: option \"path\" given twice"},
    {"CREATE SINK x TYPE ndjson (path 3)", GP_INVALID,
     "line 1, column 28: option \"path\" must be text"},
    {"CREATE SINK x TYPE ndjson", GP_INVALID,
     "line 1, column 20: a sink of type ndjson needs option \"path\""},
    {"CREATE SINK x TYPE ndjson (path '')", GP_INVALID,
     "line 1, column 28: option \"path\" must not be empty"},
    {"CREATE SINK x TYPE command (argv '/bin/true')", GP_INVALID,
     "line 1, column 29: option \"argv\" must be a list of texts"},
    {"CREATE SINK x TYPE command (argv ('/bin/true', 3))", GP_INVALID,
     "line 1, column 48: option \"argv\": a list of 'strings' expected"},
    {"CREATE SINK x TYPE command (argv (''))", GP_INVALID,
     "line 1, column 29: option \"argv\": the program name is empty"},
    {"CREATE SINK x TYPE command (argv ('/bin/true'), timeout 2 months)", GP_INVALID,
     "line 1, column 57: option \"timeout\": months is not a fixed duration (use s, min, h or "
     "d)"},
    {"CREATE SINK x TYPE command (argv ('/bin/true'), timeout -1)", GP_INVALID,
     "line 1, column 49: option \"timeout\" must be between 0.001 and 3600"},
    {"CREATE SINK x TYPE command (argv ('/bin/true'), timeout 2 h)", GP_INVALID,
     "line 1, column 49: option \"timeout\" must be between 0.001 and 3600"},
    {"CREATE SINK x TYPE command (argv ('/bin/true'), timeout 'soon')", GP_INVALID,
     "line 1, column 49: option \"timeout\" must be a number"},
    {"CREATE SINK x TYPE webhook (url 'ftp://x')", GP_INVALID,
     "line 1, column 29: option \"url\" must start with http:// or https://"},
    {"CREATE SINK x TYPE webhook (url 'http://x', format 'slack')", GP_INVALID,
     "line 1, column 45: option \"format\" must be 'generic' or 'alertmanager'"},
    {"CREATE SINK x TYPE webhook (url 'http://x', timeout now())", GP_INVALID,
     "line 1, column 53: option \"timeout\": a literal expected (a 'string', a number, an "
     "interval, TRUE or FALSE, or a list ('a', 'b'))"},
    {"CREATE SINK x TYPE stdout (verbose)", GP_INVALID,
     "line 1, column 28: unknown option \"verbose\" for a sink of type stdout (it takes none)"},
    {"CREATE SINK x TYPE", GP_PARSE,
     "line 1, column 19: syntax error near \"end of input\", expected a sink type (stdout, ndjson, "
     "command or webhook)"},
    {"CREATE SINK x stdout", GP_PARSE,
     "line 1, column 15: syntax error near \"stdout\", expected TYPE"},
    {"DROP SINK nosuch", GP_NOTFOUND, "line 1, column 11: no sink \"nosuch\""},
};

static void test_refusals(void **state) {
  fixture *f = *state;
  text t;
  ok(f, "CREATE SINK log TYPE stdout", &t);
  for (size_t i = 0; i < sizeof refusals / sizeof *refusals; i++) {
    gp_err err = {0};
    gp_rc rc = run(f, refusals[i].sql, &t, &err);
    if (rc != refusals[i].rc || strcmp(err.msg, refusals[i].msg) != 0)
      fail_msg("%s:\n  got  %s (%s)\n  want %s (%s)", refusals[i].sql, err.msg, gp_rc_str(rc),
               refusals[i].msg, gp_rc_str(refusals[i].rc));
  }
  /* nothing of the refused statements was stored */
  ok(f, "SHOW SINKS", &t);
  assert_string_equal(t.s, "log|stdout|{}|0|0|0|NULL|NULL");
}

static void test_show_after_deliveries(void **state) {
  fixture *f = *state;
  text t;
  char sql[2048], file[700];
  snprintf(file, sizeof file, "%s/out.ndjson", f->dir);
  snprintf(sql, sizeof sql,
           "CREATE SINK file TYPE ndjson (path '%s');\n"
           "CREATE SINK pager TYPE command (argv ('sh', '-c', 'echo pager down >&2; exit 4'),"
           " timeout 1500 ms)",
           file);
  ok(f, sql, &t);
  assert_string_equal(t.s, "CREATE SINK");
  gp_store_txn *txn = gp_store_txn_begin(gp_db_store(f->db));
  const char *sinks[] = {"file", "pager"};
  gp_err err = {0};
  assert_int_equal(gp_notify_outbox_add(txn, "n1", sinks, 2, "{\"a\":1}", 7, &err), GP_OK);
  assert_int_equal(gp_store_txn_commit(txn, &err), GP_OK);
  gp_store_txn_free(txn);
  const int64_t now = INT64_C(1780000000) * GP_USEC_PER_SEC; /* 2026-05-28 20:26:40 UTC */
  gp_notify_stats st;
  assert_int_equal(gp_notify_deliver(f->db, now, &st, &err), GP_OK);
  assert_int_equal(st.delivered, 1);
  assert_int_equal(st.failed, 1);
  ok(f, "SHOW SINKS", &t);
  char want[2048];
  snprintf(want, sizeof want,
           "file|ndjson|{\"path\":\"%s\"}|1|0|0|NULL|NULL\n"
           "pager|command|{\"argv\":[\"sh\",\"-c\",\"echo pager down >&2; exit 4\"],"
           "\"timeout\":1.5}|0|1|1|sh: exit status 4: pager down|2026-05-28 20:26:40",
           file);
  assert_string_equal(t.s, want);
  ok(f, "DROP SINK pager; DROP SINK IF EXISTS pager", &t);
  assert_string_equal(t.s, "DROP SINK (no sink \"pager\")");
  ok(f, "SHOW SINKS", &t);
  assert_non_null(strstr(t.s, "file|ndjson"));
  assert_null(strstr(t.s, "pager"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
      cmocka_unit_test_setup_teardown(test_show_after_deliveries, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
