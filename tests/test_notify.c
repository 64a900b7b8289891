/* test_notify.c - engine/gp_notify.h: the outbox and the delivery loop on real sinks. An NDJSON
 * file compared line by line, a shell script receiving the JSON on stdin, a failing command
 * retried with exponential backoff on a fake clock until it succeeds, a timeout, dedup of an id
 * added twice, an entry surviving a close and reopen between add and deliver, a sink created
 * after its entry, the stdout sink, and the option errors of CREATE SINK. */
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
#include <unistd.h>

#include "gp_notify.h"

#define SEC GP_USEC_PER_SEC
#define T0 (INT64_C(1780000000) * SEC) /* a fixed "now"; the loop never reads the clock */

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *f) {
  (void)st;
  (void)flag;
  (void)f;
  return remove(p);
}

typedef struct fixture {
  char dir[512];
  char db[600];
  gp_db *d;
} fixture;

static gp_db *open_db(const char *path) {
  gp_db_opts o = {path, 32650, 0, false};
  gp_db *db = NULL;
  gp_err err = {0};
  if (gp_db_open(&o, &db, &err)) fail_msg("open %s: %s", path, err.msg);
  return db;
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  if (!f) return -1;
  const char *base = getenv("GP_TEST_TMP");
  if (!base || !*base) base = "/tmp";
  mkdir(base, 0755);
  snprintf(f->dir, sizeof f->dir, "%s/notify-XXXXXX", base);
  if (!mkdtemp(f->dir)) return -1;
  snprintf(f->db, sizeof f->db, "%s/db", f->dir);
  f->d = open_db(f->db);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  gp_db_close(f->d);
  nftw(f->dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
  free(f);
  return 0;
}

static void path_in(const fixture *f, const char *name, char *out, size_t cap) {
  snprintf(out, cap, "%s/%s", f->dir, name);
}

/* The whole file, NUL-terminated (static buffer), "" when missing. */
static const char *slurp(const char *path) {
  static char buf[65536];
  buf[0] = 0;
  FILE *fp = fopen(path, "r");
  if (!fp) return buf;
  size_t n = fread(buf, 1, sizeof buf - 1, fp);
  buf[n] = 0;
  fclose(fp);
  return buf;
}

static void write_file(const char *path, const char *text, mode_t mode) {
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fputs(text, fp);
  fclose(fp);
  chmod(path, mode);
}

static void sink_ndjson(gp_db *db, const char *name, const char *path) {
  gp_notify_opt o = {.name = "path", .kind = GP_NOTIFY_TEXT, .text = path};
  gp_err err = {0};
  if (gp_notify_sink_create(db, name, "ndjson", &o, 1, false, NULL, &err))
    fail_msg("create sink: %s", err.msg);
}

static void sink_command(gp_db *db, const char *name, const char *const *argv, size_t n,
                         double timeout) {
  gp_notify_opt o[2] = {{.name = "argv", .kind = GP_NOTIFY_LIST, .list = argv, .nlist = n},
                        {.name = "timeout", .kind = GP_NOTIFY_NUM, .num = timeout}};
  gp_err err = {0};
  if (gp_notify_sink_create(db, name, "command", o, timeout > 0 ? 2 : 1, false, NULL, &err))
    fail_msg("create sink: %s", err.msg);
}

/* Adds one entry in its own committed transaction. */
static void add(gp_db *db, const char *id, const char *sink, const char *json) {
  gp_store_txn *t = gp_store_txn_begin(gp_db_store(db));
  gp_err err = {0};
  const char *sinks[] = {sink};
  if (gp_notify_outbox_add(t, id, sinks, 1, json, strlen(json), &err) ||
      gp_store_txn_commit(t, &err))
    fail_msg("add %s: %s", id, err.msg);
  gp_store_txn_free(t);
}

static gp_notify_stats deliver(gp_db *db, int64_t now) {
  gp_notify_stats st;
  gp_err err = {0};
  if (gp_notify_deliver(db, now, &st, &err)) fail_msg("deliver: %s", err.msg);
  return st;
}

static const char *A1 =
    "{\"id\": \"w1/2026-06-01T00:05:00Z/1\", \"warning\": \"flood_line\", "
    "\"instance\": \"sensor_id=wl-0007\", \"labels\": {\"sensor_id\": \"wl-0007\"},\r\n"
    " \"state\": \"firing\", \"level\": \"notify\", \"previous_level\": null, \"value\": 3.42, "
    "\"message\": \"wl-0007 at 3.42 m\\nrising\", \"slot\": \"2026-06-01T00:05:00Z\", "
    "\"active_since\": \"2026-06-01T00:05:00Z\", \"resolved_at\": null}\n";
/* A1 as the sinks see it: on one line, numbers as written. */
static const char *A1_LINE =
    "{\"id\": \"w1/2026-06-01T00:05:00Z/1\", \"warning\": \"flood_line\", "
    "\"instance\": \"sensor_id=wl-0007\", \"labels\": {\"sensor_id\": \"wl-0007\"},  "
    " \"state\": \"firing\", \"level\": \"notify\", \"previous_level\": null, \"value\": 3.42, "
    "\"message\": \"wl-0007 at 3.42 m\\nrising\", \"slot\": \"2026-06-01T00:05:00Z\", "
    "\"active_since\": \"2026-06-01T00:05:00Z\", \"resolved_at\": null}\n";

/* Two entries added in one batch reach the file as two exact lines, in id order, once. */
static void test_ndjson_exact_lines(void **state) {
  fixture *f = *state;
  char out[700];
  path_in(f, "alerts.ndjson", out, sizeof out);
  sink_ndjson(f->d, "file", out);
  gp_store_txn *t = gp_store_txn_begin(gp_db_store(f->d));
  gp_err err = {0};
  const char *sinks[] = {"file"};
  const char *b = "{\"id\":\"b\",\"state\":\"resolved\"}";
  assert_int_equal(gp_notify_outbox_add(t, "b", sinks, 1, b, strlen(b), &err), GP_OK);
  assert_int_equal(gp_notify_outbox_add(t, "a", sinks, 1, A1, strlen(A1), &err), GP_OK);
  /* nothing is visible before the caller commits */
  gp_notify_stats st = deliver(f->d, T0);
  assert_int_equal(st.attempts, 0);
  assert_int_equal(gp_store_txn_commit(t, &err), GP_OK);
  gp_store_txn_free(t);
  st = deliver(f->d, T0);
  assert_int_equal(st.attempts, 2);
  assert_int_equal(st.delivered, 2);
  assert_int_equal(st.entries_done, 2);
  assert_int_equal(st.pending, 0);
  assert_true(st.next_due_us == INT64_MAX);
  char want[2048];
  snprintf(want, sizeof want, "%s%s\n", A1_LINE, b);
  assert_string_equal(slurp(out), want);
  st = deliver(f->d, T0 + 3600 * SEC);
  assert_int_equal(st.attempts, 0);
  assert_string_equal(slurp(out), want);
  bool yes = false;
  int64_t at = 0;
  assert_int_equal(gp_notify_delivered(f->d, "a", &yes, &at, &err), GP_OK);
  assert_true(yes);
  assert_true(at == T0);
  gp_notify_sink_info *si;
  size_t n;
  assert_int_equal(gp_notify_sink_list(f->d, &si, &n, &err), GP_OK);
  assert_int_equal(n, 1);
  assert_string_equal(si[0].name, "file");
  assert_string_equal(si[0].type, "ndjson");
  assert_int_equal(si[0].deliveries, 2);
  assert_int_equal(si[0].failures, 0);
  assert_int_equal(si[0].pending, 0);
  assert_string_equal(si[0].last_error, "");
  gp_notify_sink_info_free(si, n);
}

/* The same id added twice (two evaluations of one slot) is delivered once, and adding it
 * again after its delivery sends nothing either. */
static void test_dedup(void **state) {
  fixture *f = *state;
  char out[700];
  path_in(f, "dedup.ndjson", out, sizeof out);
  sink_ndjson(f->d, "file", out);
  add(f->d, "x", "file", "{\"n\":1}");
  add(f->d, "x", "file", "{\"n\":2}");
  gp_notify_stats st = deliver(f->d, T0);
  assert_int_equal(st.delivered, 1);
  add(f->d, "x", "file", "{\"n\":3}");
  st = deliver(f->d, T0 + SEC);
  assert_int_equal(st.attempts, 0);
  assert_string_equal(slurp(out), "{\"n\":1}\n");
}

/* An entry committed before the process stops is still there after a reopen. */
static void test_restart_between_add_and_deliver(void **state) {
  fixture *f = *state;
  char out[700];
  path_in(f, "restart.ndjson", out, sizeof out);
  sink_ndjson(f->d, "file", out);
  add(f->d, "r1", "file", "{\"r\":1}");
  gp_db_close(f->d);
  f->d = open_db(f->db);
  gp_notify_pending *p;
  size_t n;
  gp_err err = {0};
  assert_int_equal(gp_notify_pending_list(f->d, &p, &n, &err), GP_OK);
  assert_int_equal(n, 1);
  assert_string_equal(p[0].id, "r1");
  assert_string_equal(p[0].sink, "file");
  gp_notify_pending_free(p, n);
  gp_notify_stats st = deliver(f->d, T0);
  assert_int_equal(st.delivered, 1);
  gp_db_close(f->d);
  f->d = open_db(f->db);
  st = deliver(f->d, T0 + SEC);
  assert_int_equal(st.attempts, 0); /* delivered is durable: no resend after a restart */
  assert_string_equal(slurp(out), "{\"r\":1}\n");
}

/* A shell script gets the alert JSON on stdin; while it fails (exit 3, a message on stderr)
 * the entry is retried after 1 s, 2 s, 4 s of the fake clock, and delivered once it works. */
static void test_command_retry_backoff(void **state) {
  fixture *f = *state;
  char script[700], flag[700], got[700], text[2400];
  path_in(f, "hook.sh", script, sizeof script);
  path_in(f, "ready", flag, sizeof flag);
  path_in(f, "got.json", got, sizeof got);
  snprintf(text, sizeof text,
           "#!/bin/sh\n"
           "if [ ! -e '%s' ]; then cat >/dev/null; echo \"receiver not ready ($1)\" >&2; "
           "echo second line >&2; exit 3; fi\n"
           "cat > '%s'\n",
           flag, got);
  write_file(script, text, 0755);
  const char *argv[] = {script, "arg one"};
  sink_command(f->d, "hook", argv, 2, 0);
  add(f->d, "c1", "hook", A1);

  gp_notify_stats st = deliver(f->d, T0);
  assert_int_equal(st.attempts, 1);
  assert_int_equal(st.failed, 1);
  assert_int_equal(st.pending, 1);
  assert_true(st.next_due_us == T0 + 1 * SEC);
  gp_notify_pending *p;
  size_t n;
  gp_err err = {0};
  assert_int_equal(gp_notify_pending_list(f->d, &p, &n, &err), GP_OK);
  assert_int_equal(n, 1);
  assert_int_equal(p[0].attempts, 1);
  assert_true(p[0].next_us == T0 + SEC);
  assert_non_null(strstr(p[0].last_error, "exit status 3: receiver not ready (arg one)"));
  assert_null(strstr(p[0].last_error, "second line"));
  gp_notify_pending_free(p, n);

  assert_int_equal(deliver(f->d, T0 + SEC - 1).attempts, 0); /* not due yet */
  st = deliver(f->d, T0 + SEC);                              /* 2nd failure: wait 2 s */
  assert_int_equal(st.failed, 1);
  assert_true(st.next_due_us == T0 + 3 * SEC);
  assert_int_equal(deliver(f->d, T0 + 3 * SEC - 1).attempts, 0);
  st = deliver(f->d, T0 + 3 * SEC); /* 3rd failure: wait 4 s */
  assert_true(st.next_due_us == T0 + 7 * SEC);

  write_file(flag, "", 0644);
  assert_int_equal(deliver(f->d, T0 + 7 * SEC - 1).attempts, 0);
  st = deliver(f->d, T0 + 7 * SEC);
  assert_int_equal(st.delivered, 1);
  assert_int_equal(st.pending, 0);
  assert_string_equal(slurp(got), A1_LINE); /* one line, newline-terminated */

  gp_notify_sink_info *si;
  assert_int_equal(gp_notify_sink_list(f->d, &si, &n, &err), GP_OK);
  assert_int_equal(n, 1);
  assert_int_equal(si[0].deliveries, 1);
  assert_int_equal(si[0].failures, 3);
  assert_true(si[0].last_error_us == T0 + 3 * SEC);
  assert_non_null(strstr(si[0].last_error, "receiver not ready"));
  gp_notify_sink_info_free(si, n);
}

/* The backoff doubles up to its cap. */
static void test_backoff_cap(void **state) {
  fixture *f = *state;
  const char *argv[] = {"false"};
  sink_command(f->d, "no", argv, 1, 0);
  add(f->d, "k", "no", "{}");
  int64_t now = T0, wait = SEC;
  for (int i = 0; i < 12; i++) {
    gp_notify_stats st = deliver(f->d, now);
    assert_int_equal(st.failed, 1);
    assert_true(st.next_due_us == now + wait);
    now += wait;
    wait = wait * 2 < GP_NOTIFY_BACKOFF_MAX_US ? wait * 2 : GP_NOTIFY_BACKOFF_MAX_US;
  }
  assert_true(wait == GP_NOTIFY_BACKOFF_MAX_US);
}

/* A command that outlives its timeout is killed and the attempt fails. */
static void test_command_timeout(void **state) {
  fixture *f = *state;
  const char *argv[] = {"sleep", "20"};
  sink_command(f->d, "slow", argv, 2, 0.2);
  add(f->d, "s", "slow", "{}");
  gp_notify_stats st = deliver(f->d, T0);
  assert_int_equal(st.failed, 1);
  gp_notify_pending *p;
  size_t n;
  gp_err err = {0};
  assert_int_equal(gp_notify_pending_list(f->d, &p, &n, &err), GP_OK);
  assert_int_equal(n, 1);
  assert_string_equal(p[0].last_error, "sleep: timed out after 0.2 s");
  gp_notify_pending_free(p, n);
  const char *bad[] = {"/nonexistent/prog"};
  sink_command(f->d, "missing", bad, 1, 0);
  add(f->d, "m", "missing", "{}");
  st = deliver(f->d, T0);
  assert_int_equal(st.failed, 1);
  gp_notify_sink_info *si;
  assert_int_equal(gp_notify_sink_list(f->d, &si, &n, &err), GP_OK);
  assert_int_equal(n, 2);
  assert_string_equal(si[0].name, "missing");
  assert_string_equal(si[0].last_error,
                      "/nonexistent/prog: exit status 127: cannot run /nonexistent/prog: No "
                      "such file or directory");
  gp_notify_sink_info_free(si, n);
}

/* An entry for a sink that does not exist yet fails, and is delivered once it is created; a
 * second sink of the same entry that works is not sent the entry twice meanwhile. */
static void test_missing_sink_then_created(void **state) {
  fixture *f = *state;
  char out1[700], out2[700];
  path_in(f, "one.ndjson", out1, sizeof out1);
  path_in(f, "two.ndjson", out2, sizeof out2);
  sink_ndjson(f->d, "one", out1);
  gp_store_txn *t = gp_store_txn_begin(gp_db_store(f->d));
  gp_err err = {0};
  const char *sinks[] = {"one", "two", "one"};
  assert_int_equal(gp_notify_outbox_add(t, "e", sinks, 3, "{\"e\":1}", 7, &err), GP_OK);
  assert_int_equal(gp_store_txn_commit(t, &err), GP_OK);
  gp_store_txn_free(t);
  gp_notify_stats st = deliver(f->d, T0);
  assert_int_equal(st.attempts, 2);
  assert_int_equal(st.delivered, 1);
  assert_int_equal(st.failed, 1);
  gp_notify_pending *p;
  size_t n;
  assert_int_equal(gp_notify_pending_list(f->d, &p, &n, &err), GP_OK);
  assert_int_equal(n, 1);
  assert_string_equal(p[0].sink, "two");
  assert_string_equal(p[0].last_error, "sink \"two\" does not exist");
  gp_notify_pending_free(p, n);
  sink_ndjson(f->d, "two", out2);
  st = deliver(f->d, T0 + SEC);
  assert_int_equal(st.attempts, 1);
  assert_int_equal(st.entries_done, 1);
  assert_string_equal(slurp(out1), "{\"e\":1}\n");
  assert_string_equal(slurp(out2), "{\"e\":1}\n");
}

/* The stdout sink writes one line per alert to the process's standard output. */
static void test_stdout(void **state) {
  fixture *f = *state;
  char out[700];
  path_in(f, "stdout.txt", out, sizeof out);
  gp_err err = {0};
  assert_int_equal(gp_notify_sink_create(f->d, "console", "stdout", NULL, 0, false, NULL, &err),
                   GP_OK);
  add(f->d, "o1", "console", "{\"o\":1}");
  add(f->d, "o2", "console", "{\n\"o\": 2\n}");
  fflush(stdout);
  int saved = dup(1);
  FILE *fp = fopen(out, "w");
  assert_non_null(fp);
  dup2(fileno(fp), 1);
  gp_notify_stats st = deliver(f->d, T0);
  fflush(stdout);
  dup2(saved, 1);
  close(saved);
  fclose(fp);
  assert_int_equal(st.delivered, 2);
  assert_string_equal(slurp(out), "{\"o\":1}\n{ \"o\": 2 }\n");
}

/* What the outbox and CREATE SINK refuse, and which option they blame. */
static void test_refusals(void **state) {
  fixture *f = *state;
  gp_err err = {0};
  gp_store_txn *t = gp_store_txn_begin(gp_db_store(f->d));
  const char *sinks[] = {"s"};
  assert_int_equal(gp_notify_outbox_add(t, "i", sinks, 1, "[1]", 3, &err), GP_INVALID);
  gp_err_clear(&err);
  assert_int_equal(gp_notify_outbox_add(t, "i", sinks, 1, "{", 1, &err), GP_INVALID);
  gp_err_clear(&err);
  assert_int_equal(gp_notify_outbox_add(t, "", sinks, 1, "{}", 2, &err), GP_INVALID);
  gp_err_clear(&err);
  assert_int_equal(gp_notify_outbox_add(t, "i", sinks, 0, "{}", 2, &err), GP_INVALID);
  gp_err_clear(&err);
  const char *badsink[] = {"a b"};
  assert_int_equal(gp_notify_outbox_add(t, "i", badsink, 1, "{}", 2, &err), GP_INVALID);
  gp_store_txn_free(t);

  size_t bad = 99;
  gp_notify_opt o[3] = {{.name = "path", .kind = GP_NOTIFY_TEXT, .text = "/tmp/x"},
                        {.name = "colour", .kind = GP_NOTIFY_TEXT, .text = "red"},
                        {.name = "path", .kind = GP_NOTIFY_NUM, .num = 3}};
  gp_err_clear(&err);
  assert_int_equal(gp_notify_sink_create(f->d, "s", "ndjson", o, 2, false, &bad, &err), GP_INVALID);
  assert_int_equal(bad, 1);
  assert_string_equal(err.msg, "unknown option \"colour\" for a sink of type ndjson (known: path)");
  gp_err_clear(&err);
  assert_int_equal(gp_notify_sink_create(f->d, "s", "ndjson", o + 2, 1, false, &bad, &err),
                   GP_INVALID);
  assert_int_equal(bad, 0);
  assert_string_equal(err.msg, "option \"path\" must be text");
  gp_err_clear(&err);
  assert_int_equal(gp_notify_sink_create(f->d, "s", "ndjson", NULL, 0, false, &bad, &err),
                   GP_INVALID);
  assert_string_equal(err.msg, "a sink of type ndjson needs option \"path\"");
  gp_err_clear(&err);
  assert_int_equal(gp_notify_sink_create(f->d, "s", "pager", NULL, 0, false, &bad, &err),
                   GP_INVALID);
  gp_err_clear(&err);
  gp_notify_opt tmo[2] = {{.name = "argv", .kind = GP_NOTIFY_LIST, .list = sinks, .nlist = 1},
                          {.name = "TIMEOUT", .kind = GP_NOTIFY_NUM, .num = -1}};
  assert_int_equal(gp_notify_sink_create(f->d, "s", "command", tmo, 2, false, &bad, &err),
                   GP_INVALID);
  assert_int_equal(bad, 1);
  assert_string_equal(err.msg, "option \"timeout\" must be between 0.001 and 3600");
  gp_err_clear(&err);
  assert_int_equal(gp_notify_sink_create(f->d, "s", "ndjson", o, 1, false, &bad, &err), GP_OK);
  assert_int_equal(gp_notify_sink_create(f->d, "s", "ndjson", o, 1, false, &bad, &err), GP_EXISTS);
  gp_err_clear(&err);
  assert_int_equal(gp_notify_sink_create(f->d, "s", "stdout", NULL, 0, true, &bad, &err), GP_OK);
  assert_int_equal(gp_notify_sink_drop(f->d, "s", false, &err), GP_OK);
  assert_int_equal(gp_notify_sink_drop(f->d, "s", false, &err), GP_NOTFOUND);
  gp_err_clear(&err);
  assert_int_equal(gp_notify_sink_drop(f->d, "s", true, &err), GP_OK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_ndjson_exact_lines, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dedup, setup, teardown),
      cmocka_unit_test_setup_teardown(test_restart_between_add_and_deliver, setup, teardown),
      cmocka_unit_test_setup_teardown(test_command_retry_backoff, setup, teardown),
      cmocka_unit_test_setup_teardown(test_backoff_cap, setup, teardown),
      cmocka_unit_test_setup_teardown(test_command_timeout, setup, teardown),
      cmocka_unit_test_setup_teardown(test_missing_sink_then_created, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stdout, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
