/* test_load_nulls.c - engine/: the loader's nullstr option (gp_load_opts.nullstr): fields
 * whose text is a null string are NULL for the row conversion and skipped by the type sniffer,
 * so a published column of numbers with 'NA' for missing (the Beijing PRSA files) sniffs as
 * DOUBLE and loads every row, where without the option the 'NA's turn it TEXT. */
#define _XOPEN_SOURCE 700 /* nftw, mkdtemp */
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

#include "gp_db.h"

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *f) {
  (void)st;
  (void)flag;
  (void)f;
  return remove(p);
}

static int setup(void **state) {
  char *dir = calloc(1, 512);
  if (!dir) return -1;
  const char *base = getenv("GP_TEST_TMP");
  if (!base || !*base) base = "/tmp";
  mkdir(base, 0755);
  snprintf(dir, 512, "%s/nulls-XXXXXX", base);
  if (!mkdtemp(dir)) return -1;
  *state = dir;
  return 0;
}

static int teardown(void **state) {
  nftw(*state, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
  free(*state);
  return 0;
}

/* 300 hourly records; pm25 is NA (every 3rd, quoted every 9th) or a number, temp NA every
 * 5th, wd '-' every 7th; the ts of record 150 is NA. */
static void write_air(const char *csv) {
  FILE *fp = fopen(csv, "w");
  assert_non_null(fp);
  fprintf(fp, "ts,pm25,temp,wd\n");
  for (int i = 0; i < 300; i++) {
    if (i == 150)
      fprintf(fp, "NA,");
    else
      fprintf(fp, "2013-03-%02d %02d:00:00,", 1 + i / 24, i % 24);
    if (i % 9 == 0)
      fprintf(fp, "\"NA\",");
    else if (i % 3 == 0)
      fprintf(fp, "NA,");
    else
      fprintf(fp, "%d,", i);
    if (i % 5 == 0)
      fprintf(fp, "NA,");
    else
      fprintf(fp, "%d.5,", i % 30 - 10);
    fprintf(fp, "%s\n", i % 7 == 0 ? "-" : i % 2 ? "N" : "SW");
  }
  fclose(fp);
}

static gp_db *open_db(const char *path) {
  gp_db_opts o = {path, 0, 0, false};
  gp_db *db = NULL;
  gp_err err = {0};
  if (gp_db_open(&o, &db, &err)) fail_msg("open %s: %s", path, err.msg);
  return db;
}

static void test_nullstr_sniffs_numbers(void **state) {
  char dbp[600], csv[600];
  snprintf(dbp, sizeof dbp, "%s/db", (char *)*state);
  snprintf(csv, sizeof csv, "%s/air.csv", (char *)*state);
  write_air(csv);
  gp_db *db = open_db(dbp);
  FILE *devnull = fopen("/dev/null", "w");
  assert_non_null(devnull);
  static const char *const nulls[] = {"NA", "-"};
  gp_load_opts o = {0};
  o.errors = devnull;
  o.nullstr = nulls;
  o.nnullstr = 2;
  gp_load_result res;
  gp_err err = {0};
  if (gp_load_file(db, "air", csv, &o, &res, &err)) fail_msg("load: %s", err.msg);
  assert_int_equal(res.loaded, 299);
  assert_int_equal(res.rejected, 1); /* the NA time: a NULL time is still a reject */
  const gp_table *t = gp_db_table(db, "air");
  assert_non_null(t);
  assert_int_equal(t->cols[0].type, GP_T_TIMESTAMP);
  assert_int_equal(t->time_col, 0);
  assert_int_equal(t->cols[1].type, GP_T_INT);
  assert_int_equal(t->cols[2].type, GP_T_DOUBLE);
  assert_int_equal(t->cols[3].type, GP_T_SYMBOL);

  /* without the option the same file's NA's are text: pm25 and temp do not sniff as numbers */
  gp_load_opts plain = {0};
  plain.errors = devnull;
  if (gp_load_file(db, "air_plain", csv, &plain, &res, &err)) fail_msg("load: %s", err.msg);
  t = gp_db_table(db, "air_plain");
  assert_non_null(t);
  assert_int_not_equal(t->cols[1].type, GP_T_INT);
  assert_int_not_equal(t->cols[2].type, GP_T_DOUBLE);
  fclose(devnull);
  gp_db_close(db);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nullstr_sniffs_numbers),
  };
  return cmocka_run_group_tests_name("load_nulls", tests, setup, teardown);
}
