/* exec_fixture.c - the executor tests' shared fixture (see exec_fixture.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec_fixture.h"

uint64_t rng_state;
uint64_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

int64_t ts(const char *s) {
  int64_t t = 0;
  assert_true(gp_ts_parse(s, strlen(s), &t));
  return t;
}

const char *dbl_text(double v, char *b, size_t cap) {
  int n = 0;
  for (int p = 1; p <= 17; p++) {
    n = snprintf(b, cap, "%.*g", p, v);
    if (strtod(b, NULL) == v) break;
  }
  if (!strpbrk(b, ".en")) snprintf(b + n, cap - (size_t)n, ".0");
  return b;
}

typedef struct capture {
  char text[1 << 21]; /* test_many_groups: ~30 k rows */
  size_t len;
} capture;

static gp_rc cap_fn(void *ctx, const gp_result *r, gp_err *err) {
  (void)err;
  capture *c = ctx;
  c->len = 0;
  c->text[0] = 0;
  const char *st = gp_result_status(r);
  if (st && gp_result_cols(r) == 0) {
    c->len = (size_t)snprintf(c->text, sizeof c->text, "%s", st);
    return GP_OK;
  }
  for (size_t i = 0; i < gp_result_rows(r); i++)
    for (int k = 0; k < gp_result_cols(r); k++) {
      size_t n;
      const char *s = gp_result_cell(r, i, k, &n);
      if (c->len + n + 8 >= sizeof c->text) fail_msg("result too long for the capture buffer");
      c->len += (size_t)snprintf(c->text + c->len, sizeof c->text - c->len, "%.*s%s",
                                 s ? (int)n : 4, s ? s : "NULL",
                                 k + 1 < gp_result_cols(r) ? "," : "\n");
    }
  return GP_OK;
}

const char *run(fixture *f, const char *sql, gp_rc want) {
  static capture c;
  gp_err err = {0};
  c.len = 0;
  c.text[0] = 0;
  gp_rc rc = gp_session_exec(f->s, sql, strlen(sql), cap_fn, &c, &err);
  if (rc != want) fail_msg("%s -> %s (%s)", sql, gp_rc_str(rc), err.msg);
  if (rc) snprintf(c.text, sizeof c.text, "%s", err.msg);
  return c.text;
}

int setup_db(void **st) {
  fixture *f = calloc(1, sizeof *f);
  const char *tmp = getenv("GP_TEST_TMP");
  if (!tmp) tmp = "/tmp";
  mkdir(tmp, 0755);
  snprintf(f->dir, sizeof f->dir, "%s/test_exec_%d", tmp, (int)getpid());
  char cmd[512];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
  if (system(cmd) != 0) return -1;
  gp_db_opts o = {f->dir, 32650, 125, false};
  gp_err err = {0};
  if (gp_db_open(&o, &f->db, &err) || gp_session_new(f->db, &f->s, &err)) return -1;
  char csv[300];
  snprintf(csv, sizeof csv, "%s.csv", f->dir);
  FILE *fp = fopen(csv, "w");
  fprintf(fp, "id,ts,lon,lat,category,handle_hours\n");
  rng_state = 99;
  f->n = 3000;
  for (int i = 0; i < f->n; i++) {
    f->t[i] = ts("2024-07-20") + (int64_t)(rnd() % (40 * 86400)) * GP_USEC_PER_SEC;
    f->cat[i] = (int)(rnd() % 5);
    f->hnull[i] = rnd() % 10 == 0;
    f->h[i] = (double)(rnd() % 10000) / 100;
    char tb[40];
    gp_ts_format(f->t[i], tb, sizeof tb);
    f->lonu[i] = (int)(rnd() % 300000);
    f->latu[i] = (int)(rnd() % 300000);
    fprintf(fp, "%d,%s,%d.%06d,%d.%06d,c%03d,", i, tb, 118 + (200000 + f->lonu[i]) / 1000000,
            (200000 + f->lonu[i]) % 1000000, 33 + (800000 + f->latu[i]) / 1000000,
            (800000 + f->latu[i]) % 1000000, f->cat[i]);
    if (!f->hnull[i]) fprintf(fp, "%.2f", f->h[i]);
    fprintf(fp, "\n");
  }
  fclose(fp);
  *st = f;
  char sql[600];
  snprintf(sql, sizeof sql,
           "CREATE TABLE events (id INT KEY, ts TIMESTAMP, lon DOUBLE, lat DOUBLE, category "
           "SYMBOL, handle_hours DOUBLE) TIME ts LOCATION (lon, lat);"
           "COPY events FROM '%s' WITH (header true, format csv, on_error 'stop');",
           csv);
  const char *r = run(f, sql, GP_OK);
  if (strcmp(r, "COPY 3000 rows (0 rejected, 0 duplicates)") != 0) return -1;
  return 0;
}

int teardown_db(void **st) {
  fixture *f = *st;
  gp_session_free(f->s);
  gp_db_close(f->db);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s.csv'", f->dir, f->dir);
  if (system(cmd) != 0) return -1;
  free(f);
  return 0;
}

void same_on_all_paths(fixture *f, const char *const *q, size_t n, const char *want0) {
  static char full[1 << 21];
  for (size_t k = 0; k < n; k++) {
    run(f, "SET vectorize = false; SET threads = 1", GP_OK);
    snprintf(full, sizeof full, "%s", run(f, q[k], GP_OK));
    if (k == 0 && want0) assert_string_equal(full, want0);
    for (int th = 1; th <= 2; th++) {
      char set[64];
      snprintf(set, sizeof set, "SET vectorize = true; SET threads = %d", th);
      run(f, set, GP_OK);
      assert_string_equal(run(f, q[k], GP_OK), full);
    }
  }
}
