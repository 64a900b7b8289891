/* test_db.c - engine/: the catalog (tables, roles, CRS, symbol dictionaries) surviving a
 * reopen, create-table validation, and gp_load_file on small CSV and NDJSON files written here,
 * read back exactly through gp_scan. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <omp.h>

#include "gp_db.h"

/* ---- helpers ---- */

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *f) {
  (void)st;
  (void)flag;
  (void)f;
  return remove(p);
}

typedef struct fixture {
  char dir[512];
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  if (!f) return -1;
  const char *base = getenv("GP_TEST_TMP");
  if (!base || !*base) base = "/tmp";
  mkdir(base, 0755);
  snprintf(f->dir, sizeof f->dir, "%s/db-XXXXXX", base);
  if (!mkdtemp(f->dir)) return -1;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  nftw(f->dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
  free(f);
  return 0;
}

static void path_in(const fixture *f, const char *name, char *out, size_t cap) {
  snprintf(out, cap, "%s/%s", f->dir, name);
}

static gp_db *open_db(const char *path, int epsg) {
  gp_db_opts o = {path, epsg, 0, false};
  gp_db *db = NULL;
  gp_err err = {0};
  if (gp_db_open(&o, &db, &err)) fail_msg("open %s: %s", path, err.msg);
  return db;
}

static void write_file(const char *path, const char *text) {
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
  fclose(fp);
}

static void add_col(gp_table *t, const char *name, gp_type type) {
  snprintf(t->cols[t->ncols].name, GP_NAME_MAX, "%s", name);
  t->cols[t->ncols].type = type;
  t->ncols++;
}

/* A definition with no roles; callers add columns and roles. */
static void new_def(gp_table *t, const char *name) {
  memset(t, 0, sizeof *t);
  snprintf(t->name, sizeof t->name, "%s", name);
  t->time_col = t->key_col = t->lon_col = t->lat_col = t->loc_col = -1;
}

static void def_events(gp_table *t) {
  new_def(t, "events");
  add_col(t, "id", GP_T_INT);
  add_col(t, "ts", GP_T_TIMESTAMP);
  add_col(t, "lon", GP_T_DOUBLE);
  add_col(t, "lat", GP_T_DOUBLE);
  add_col(t, "category", GP_T_SYMBOL);
  add_col(t, "note", GP_T_TEXT);
  add_col(t, "n", GP_T_INT);
  t->key_col = 0;
  t->time_col = 1;
  t->loc = GP_LOC_LONLAT;
  t->lon_col = 2;
  t->lat_col = 3;
  t->partition_us = GP_USEC_PER_DAY;
}

static void def_sensors(gp_table *t) {
  new_def(t, "sensors");
  add_col(t, "sensor_id", GP_T_SYMBOL);
  add_col(t, "lon", GP_T_DOUBLE);
  add_col(t, "lat", GP_T_DOUBLE);
  add_col(t, "metric", GP_T_SYMBOL);
  add_col(t, "warn_line", GP_T_DOUBLE);
  t->key_col = 0;
  t->loc = GP_LOC_LONLAT;
  t->lon_col = 1;
  t->lat_col = 2;
}

static void def_readings(gp_table *t) {
  new_def(t, "readings");
  add_col(t, "ts", GP_T_TIMESTAMP);
  add_col(t, "sensor_id", GP_T_SYMBOL);
  add_col(t, "value", GP_T_DOUBLE);
  t->time_col = 0;
  t->loc = GP_LOC_FROM;
  snprintf(t->loc_table, sizeof t->loc_table, "sensors");
  t->loc_col = 1;
}

static void def_plain(gp_table *t) {
  new_def(t, "plain");
  add_col(t, "a", GP_T_TEXT);
  add_col(t, "b", GP_T_INT);
}

static void create(gp_db *db, const gp_table *def) {
  gp_err err = {0};
  if (gp_db_create_table(db, def, &err)) fail_msg("create %s: %s", def->name, err.msg);
}

static void assert_same_table(const gp_table *a, const gp_table *b) {
  assert_int_equal(a->id, b->id);
  assert_string_equal(a->name, b->name);
  assert_int_equal(a->ncols, b->ncols);
  for (int c = 0; c < a->ncols; c++) {
    assert_string_equal(a->cols[c].name, b->cols[c].name);
    assert_int_equal(a->cols[c].type, b->cols[c].type);
  }
  assert_int_equal(a->time_col, b->time_col);
  assert_int_equal(a->key_col, b->key_col);
  assert_int_equal(a->loc, b->loc);
  assert_int_equal(a->lon_col, b->lon_col);
  assert_int_equal(a->lat_col, b->lat_col);
  assert_string_equal(a->loc_table, b->loc_table);
  assert_int_equal(a->loc_col, b->loc_col);
  assert_int_equal(a->partition_us, b->partition_us);
}

static gp_rc gather_cb(void *ctx, int thread, const gp_unit_info *u, const gp_rows *rows,
                       gp_err *err) {
  (void)thread;
  (void)u;
  (void)err;
  gp_rows *dst = ctx;
  gp_rc rc = GP_OK;
#pragma omp critical(test_db_gather)
  {
    for (size_t i = 0; i < rows->n && rc == GP_OK; i++) {
      /* copy by hand: the row set's TEXT bytes live only as long as the callback */
      size_t k = dst->n;
      if (gp_rows_reserve(dst, k + 1)) {
        rc = GP_NOMEM;
        break;
      }
      dst->cell[k] = rows->cell[i];
      for (int c = 0; c < rows->ncols; c++) {
        const gp_col *s = &rows->cols[c];
        gp_col *d = &dst->cols[c];
        if (gp_rows_isnull(s, i)) gp_col_set_null(d, k, dst->cap);
        switch (s->type) {
          case GP_T_DOUBLE: d->f64[k] = s->f64[i]; break;
          case GP_T_TEXT:
            d->str[k] = (const char *)(uintptr_t)dst->text.len;
            d->len[k] = s->len[i];
            if (s->len[i]) gp_buf_put(&dst->text, s->str[i], s->len[i]);
            break;
          default: d->i64[k] = s->i64[i];
        }
      }
      dst->n++;
    }
  }
  return rc;
}

/* Reads every row of table `name`; TEXT values are left as offsets into out->text. */
static void read_table(gp_db *db, const char *name, gp_rows *out) {
  const gp_table *t = gp_db_table(db, name);
  assert_non_null(t);
  gp_store_layout l;
  gp_table_layout(t, &l);
  assert_int_equal(gp_rows_init(out, &l, 16), GP_OK);
  gp_scan_spec sp = {.t_lo = INT64_MIN, .t_hi = INT64_MAX};
  gp_scan *sc = NULL;
  gp_err err = {0};
  if (gp_scan_open(gp_db_store(db), t->id, &sp, &sc, &err)) fail_msg("scan: %s", err.msg);
  if (gp_scan_run(sc, false, gather_cb, out, &err)) fail_msg("scan_run: %s", err.msg);
  gp_scan_close(sc);
}

static const char *text_at(const gp_rows *r, int c, size_t i) {
  return (const char *)r->text.p + (uintptr_t)r->cols[c].str[i];
}

/* The row whose INT column c equals v, or -1. */
static long find_int(const gp_rows *r, int c, int64_t v) {
  for (size_t i = 0; i < r->n; i++)
    if (!gp_rows_isnull(&r->cols[c], i) && r->cols[c].i64[i] == v) return (long)i;
  return -1;
}

static uint64_t cell_of(gp_db *db, double lon, double lat) {
  const gp_grid *g = gp_db_grid(db);
  assert_non_null(g);
  double x, y;
  gp_err err = {0};
  assert_int_equal(gp_grid_project(g, &lon, &lat, 1, &x, &y, &err), GP_OK);
  return gp_grid_cell_of(g, x, y);
}

/* ---- catalog ---- */

static void test_catalog_persistence(void **state) {
  fixture *f = *state;
  char path[600];
  path_in(f, "cat", path, sizeof path);
  gp_table defs[4];
  def_sensors(&defs[0]);
  def_events(&defs[1]);
  def_readings(&defs[2]);
  def_plain(&defs[3]);
  gp_table made[4];
  gp_db *db = open_db(path, 32650);
  assert_int_equal(gp_db_epsg(db), 32650);
  assert_true(gp_db_cell_m(db) == 125.0);
  for (int i = 0; i < 4; i++) {
    create(db, &defs[i]);
    const gp_table *t = gp_db_table(db, defs[i].name);
    assert_non_null(t);
    made[i] = *t;
    assert_true(t->id > 0);
    for (int j = 0; j < i; j++) assert_int_not_equal(t->id, made[j].id);
  }
  assert_int_equal(gp_db_ntables(db), 4);
  /* what creation filled in */
  assert_int_equal(made[0].partition_us, 7 * GP_USEC_PER_DAY); /* default */
  assert_int_equal(made[1].partition_us, GP_USEC_PER_DAY);
  assert_int_equal(made[2].lon_col, -1);
  assert_string_equal(made[1].loc_table, "");
  assert_non_null(gp_db_table(db, "EVENTS")); /* names are case-insensitive */
  assert_int_equal(gp_table_col(&made[1], "CATEGORY", 8), 4);
  assert_int_equal(gp_table_col(&made[1], "categoryx", 8), 4); /* n bounds the name */
  assert_int_equal(gp_table_col(&made[1], "nope", 4), -1);

  /* layouts: series by the LOCATION FROM key, time column, partition */
  gp_store_layout l;
  gp_table_layout(&made[2], &l);
  assert_int_equal(l.ncols, 3);
  assert_int_equal(l.types[2], GP_T_DOUBLE);
  assert_int_equal(l.time_col, 0);
  assert_int_equal(l.series_col, 1);
  gp_table_layout(&made[1], &l);
  assert_int_equal(l.series_col, -1);
  assert_int_equal(l.partition_us, GP_USEC_PER_DAY);

  /* symbols, in one committed transaction */
  const gp_table *ev = gp_db_table(db, "events");
  gp_store_txn *txn = gp_store_txn_begin(gp_db_store(db));
  const char *syms[] = {"noise", "water", "", "路灯", "noise2"};
  int64_t ids[5];
  for (int i = 0; i < 5; i++) {
    ids[i] = gp_db_sym_add(db, ev, 4, syms[i], strlen(syms[i]), txn);
    assert_int_equal(ids[i], i); /* dense, in order of first sight */
  }
  assert_int_equal(gp_db_sym_add(db, ev, 4, "water", 5, txn), ids[1]);
  /* another column's dictionary is separate */
  assert_int_equal(gp_db_sym_add(db, gp_db_table(db, "sensors"), 3, "water", 5, txn), 0);
  gp_err err = {0};
  assert_int_equal(gp_store_txn_commit(txn, &err), GP_OK);
  gp_store_txn_free(txn);
  gp_db_close(db);

  db = open_db(path, 0);
  assert_int_equal(gp_db_epsg(db), 32650);
  assert_true(gp_db_cell_m(db) == 125.0);
  assert_non_null(gp_db_grid(db));
  assert_int_equal(gp_db_ntables(db), 4);
  for (int i = 0; i < 4; i++) {
    const gp_table *t = gp_db_table(db, made[i].name);
    assert_non_null(t);
    assert_same_table(t, &made[i]);
  }
  ev = gp_db_table(db, "events");
  for (int i = 0; i < 5; i++) {
    assert_int_equal(gp_db_sym_find(db, ev, 4, syms[i], strlen(syms[i])), ids[i]);
    size_t n = 99;
    const char *s = gp_db_sym_str(db, ev, 4, ids[i], &n);
    assert_non_null(s);
    assert_int_equal(n, strlen(syms[i]));
    assert_memory_equal(s, syms[i], n);
  }
  assert_int_equal(gp_db_sym_find(db, ev, 4, "nois", 4), -1);
  assert_null(gp_db_sym_str(db, ev, 4, 5, NULL));
  assert_null(gp_db_sym_str(db, ev, 4, -1, NULL));
  assert_int_equal(gp_db_sym_find(db, gp_db_table(db, "sensors"), 3, "water", 5), 0);
  assert_int_equal(gp_db_sym_find(db, ev, 5, "water", 5), -1);

  /* drop: refused while referenced, gone for good afterwards, ids never reused */
  assert_int_equal(gp_db_drop_table(db, "sensors", &err), GP_INVALID);
  assert_non_null(strstr(err.msg, "readings"));
  gp_err_clear(&err);
  assert_int_equal(gp_db_drop_table(db, "nosuch", &err), GP_NOTFOUND);
  gp_err_clear(&err);
  uint16_t plain_id = gp_db_table(db, "plain")->id;
  assert_int_equal(gp_db_drop_table(db, "PLAIN", &err), GP_OK);
  assert_null(gp_db_table(db, "plain"));
  assert_int_equal(gp_db_drop_table(db, "events", &err), GP_OK);
  assert_int_equal(gp_db_ntables(db), 2);
  gp_db_close(db);

  db = open_db(path, 0);
  assert_int_equal(gp_db_ntables(db), 2);
  assert_null(gp_db_table(db, "plain"));
  assert_null(gp_db_table(db, "events"));
  gp_table again;
  def_events(&again);
  create(db, &again);
  ev = gp_db_table(db, "events");
  for (int i = 0; i < 4; i++) assert_int_not_equal(ev->id, made[i].id);
  assert_int_not_equal(ev->id, plain_id);
  /* the new table starts with an empty dictionary */
  assert_int_equal(gp_db_sym_find(db, ev, 4, "noise", 5), -1);
  gp_db_close(db);
}

/* gp_db_open_existing never creates: a missing path (or a directory holding no database) fails
 * with GP_NOTFOUND and the message front ends print, and nothing appears on disk; read_only
 * behaves the same; once created, both open it. */
static void test_open_existing(void **state) {
  fixture *f = *state;
  char path[600], empty[600];
  path_in(f, "later", path, sizeof path);
  path_in(f, "empty", empty, sizeof empty);
  assert_int_equal(mkdir(empty, 0755), 0);
  gp_db *db = NULL;
  gp_err err = {0};
  gp_db_opts o = {path, 0, 0, false};
  assert_int_equal(gp_db_open_existing(&o, &db, &err), GP_NOTFOUND);
  assert_null(db);
  char want[700];
  snprintf(want, sizeof want, "database \"%s\" does not exist", path);
  assert_string_equal(err.msg, want);
  struct stat st;
  assert_int_not_equal(stat(path, &st), 0);
  o.read_only = true;
  assert_int_equal(gp_db_open(&o, &db, &err), GP_NOTFOUND);
  assert_int_not_equal(stat(path, &st), 0);
  o.path = empty;
  assert_int_equal(gp_db_open_existing(&o, &db, &err), GP_NOTFOUND);
  o.read_only = false;
  assert_int_equal(gp_db_open_existing(&o, &db, &err), GP_NOTFOUND);
  assert_int_equal(rmdir(empty), 0); /* still empty */
  gp_db_close(open_db(path, 0));     /* gp_db_open creates */
  o.path = path;
  assert_int_equal(gp_db_open_existing(&o, &db, &err), GP_OK);
  gp_db_close(db);
  o.read_only = true;
  assert_int_equal(gp_db_open(&o, &db, &err), GP_OK);
  gp_db_close(db);
}

static void test_crs(void **state) {
  fixture *f = *state;
  char path[600];
  path_in(f, "crs", path, sizeof path);
  gp_err err = {0};
  gp_db *db = open_db(path, 0);
  assert_null(gp_db_grid(db));
  assert_int_equal(gp_db_epsg(db), 0);
  assert_int_equal(gp_db_set_crs(db, 32633, &err), GP_OK);
  assert_int_equal(gp_db_set_crs(db, 32633, &err), GP_OK); /* same: no-op */
  assert_int_equal(gp_db_set_crs(db, 32650, &err), GP_EXISTS);
  assert_int_equal(gp_db_epsg(db), 32633);
  gp_db_close(db);
  db = open_db(path, 0);
  assert_int_equal(gp_db_epsg(db), 32633);
  assert_int_equal(gp_grid_epsg(gp_db_grid(db)), 32633);
  gp_db_close(db);
  /* opening with another CRS is refused */
  gp_db_opts o = {path, 32650, 0, false};
  gp_err_clear(&err);
  assert_int_equal(gp_db_open(&o, &db, &err), GP_EXISTS);
  assert_null(db);
  assert_non_null(strstr(err.msg, "32633"));
  /* a cell size given at creation sticks, whatever a later open asks */
  path_in(f, "crs2", path, sizeof path);
  o = (gp_db_opts){path, 3857, 500.0, false};
  gp_err_clear(&err);
  assert_int_equal(gp_db_open(&o, &db, &err), GP_OK);
  gp_db_close(db);
  o.cell_m = 10;
  o.epsg = 0;
  assert_int_equal(gp_db_open(&o, &db, &err), GP_OK);
  assert_true(gp_db_cell_m(db) == 500.0);
  assert_int_equal(gp_db_epsg(db), 3857);
  gp_db_close(db);
}

/* ---- validation ---- */

typedef void (*mutate_fn)(gp_table *t);
static void m_name_empty(gp_table *t) { t->name[0] = '\0'; }
static void m_name_digit(gp_table *t) { strcpy(t->name, "1abc"); }
static void m_name_dash(gp_table *t) { strcpy(t->name, "a-b"); }
static void m_name_taken(gp_table *t) { strcpy(t->name, "SENSORS"); }
static void m_no_cols(gp_table *t) { t->ncols = 0; }
static void m_col_name(gp_table *t) { strcpy(t->cols[2].name, "x y"); }
static void m_col_empty(gp_table *t) { t->cols[2].name[0] = '\0'; }
static void m_col_dup(gp_table *t) { strcpy(t->cols[2].name, "TS"); }
static void m_col_type0(gp_table *t) { t->cols[6].type = (gp_type)0; }
static void m_col_type9(gp_table *t) { t->cols[6].type = (gp_type)9; }
static void m_time_double(gp_table *t) { t->time_col = 2; }
static void m_time_range(gp_table *t) { t->time_col = 7; }
static void m_key_double(gp_table *t) { t->key_col = 3; }
static void m_key_range(gp_table *t) { t->key_col = 9; }
static void m_loc_int(gp_table *t) { t->lon_col = 0; }
static void m_loc_missing(gp_table *t) { t->lat_col = -1; }
static void m_from_nowhere(gp_table *t) {
  t->loc = GP_LOC_FROM;
  strcpy(t->loc_table, "nosuch");
  t->loc_col = 4;
}
static void m_from_keyless(gp_table *t) {
  t->loc = GP_LOC_FROM;
  strcpy(t->loc_table, "plain");
  t->loc_col = 4;
}
static void m_from_double(gp_table *t) {
  t->loc = GP_LOC_FROM;
  strcpy(t->loc_table, "sensors");
  t->loc_col = 2;
}
static void m_from_range(gp_table *t) {
  t->loc = GP_LOC_FROM;
  strcpy(t->loc_table, "sensors");
  t->loc_col = -1;
}

static void test_create_validation(void **state) {
  fixture *f = *state;
  char path[600];
  path_in(f, "valid", path, sizeof path);
  gp_db *db = open_db(path, 32650);
  gp_table d;
  def_sensors(&d);
  create(db, &d);
  def_plain(&d);
  create(db, &d);
  static const struct {
    mutate_fn m;
    gp_rc rc;
    const char *msg;
  } cases[] = {
      {m_name_empty, GP_INVALID, "bad table name"},
      {m_name_digit, GP_INVALID, "bad table name '1abc'"},
      {m_name_dash, GP_INVALID, "bad table name 'a-b'"},
      {m_name_taken, GP_EXISTS, "already exists"},
      {m_no_cols, GP_INVALID, "0 columns"},
      {m_col_name, GP_INVALID, "bad column name 'x y'"},
      {m_col_empty, GP_INVALID, "bad column name ''"},
      {m_col_dup, GP_INVALID, "column 'TS' appears twice"},
      {m_col_type0, GP_INVALID, "column 'n': bad type"},
      {m_col_type9, GP_INVALID, "column 'n': bad type"},
      {m_time_double, GP_INVALID, "TIME column must be a TIMESTAMP"},
      {m_time_range, GP_INVALID, "TIME column must be a TIMESTAMP"},
      {m_key_double, GP_INVALID, "KEY column must be INT or SYMBOL"},
      {m_key_range, GP_INVALID, "KEY column"},
      {m_loc_int, GP_INVALID, "LOCATION needs two DOUBLE columns"},
      {m_loc_missing, GP_INVALID, "LOCATION needs two DOUBLE columns"},
      {m_from_nowhere, GP_NOTFOUND, "no table 'nosuch'"},
      {m_from_keyless, GP_INVALID, "needs a KEY and a LOCATION"},
      {m_from_double, GP_INVALID, "referencing column must be INT, SYMBOL or TEXT"},
      {m_from_range, GP_INVALID, "referencing column must be INT, SYMBOL or TEXT"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    gp_table t;
    def_events(&t);
    cases[i].m(&t);
    gp_err err = {0};
    gp_rc rc = gp_db_create_table(db, &t, &err);
    if (rc != cases[i].rc || !strstr(err.msg, cases[i].msg))
      fail_msg("case %zu: rc %d \"%s\", want %d containing \"%s\"", i, rc, err.msg, cases[i].rc,
               cases[i].msg);
  }
  assert_int_equal(gp_db_ntables(db), 2); /* nothing half-created */
  /* the unmutated definition is fine */
  def_events(&d);
  create(db, &d);
  gp_db_close(db);
}

/* ---- loading ---- */

typedef struct ev_row {
  int64_t id;
  const char *ts_text;
  int64_t ts;
  const char *lon, *lat; /* as written in the file */
  const char *cat;       /* NULL = null */
  const char *note;      /* NULL = null; written quoted */
  const char *n;         /* "" = null */
} ev_row;

static const ev_row k_events[] = {
    {1, "2024-08-01T08:00:00+08:00", INT64_C(1722470400000000), "118.35", "33.95", "noise",
     "loud music, again", "3"},
    {2, "2024-08-01 09:30:15.25", INT64_C(1722504615250000), "118.3512345678901", "33.9498765",
     "water", "say \"hi\"", "-9223372036854775808"},
    {3, "2024-08-02", INT64_C(1722556800000000), "118.4", "34.0", "noise", NULL, ""},
    {4, "2024-08-09T23:59:59.999999Z", INT64_C(1723247999999999), "118.2", "33.9", NULL, "",
     "9223372036854775807"},
    {5, "2024-07-31T12:00:00-05:00", INT64_C(1722445200000000), "118.35", "33.95", "路灯",
     "多行\nnote", "0"},
    {6, "2024-08-15T06:00:00", INT64_C(1723701600000000), "118.5", "-0.0", "water", "x", "42"},
};
#define NEV (sizeof k_events / sizeof k_events[0])

static void write_events_csv(const char *path) {
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fprintf(fp, "id,ts,lon,lat,category,note,n\r\n");
  for (size_t i = 0; i < NEV; i++) {
    const ev_row *e = &k_events[i];
    fprintf(fp, "%lld,%s,%s,%s,%s,", (long long)e->id, e->ts_text, e->lon, e->lat,
            e->cat ? e->cat : "");
    if (e->note) {
      fputc('"', fp);
      for (const char *p = e->note; *p; p++) {
        if (*p == '"') fputc('"', fp);
        fputc(*p, fp);
      }
      fputc('"', fp);
    }
    fprintf(fp, ",%s\n", e->n);
    if (i == 2) {
      /* two malformed rows in the middle: a bad timestamp and a bad integer */
      fprintf(fp, "100,2024-13-01,118.3,33.9,noise,bad,1\n");
      fprintf(fp, "101,2024-08-01,118.3,33.9,noise,bad,1.5\n");
    }
  }
  fclose(fp);
}

static void check_events(gp_db *db) {
  const gp_table *t = gp_db_table(db, "events");
  gp_rows r;
  read_table(db, "events", &r);
  assert_int_equal(r.n, NEV);
  for (size_t i = 0; i < NEV; i++) {
    const ev_row *e = &k_events[i];
    long k = find_int(&r, 0, e->id);
    if (k < 0) fail_msg("event %lld missing", (long long)e->id);
    assert_int_equal(r.cols[1].i64[k], e->ts);
    double lon = strtod(e->lon, NULL), lat = strtod(e->lat, NULL);
    assert_memory_equal(&r.cols[2].f64[k], &lon, 8);
    assert_memory_equal(&r.cols[3].f64[k], &lat, 8);
    if (e->cat) {
      assert_false(gp_rows_isnull(&r.cols[4], (size_t)k));
      size_t n;
      const char *s = gp_db_sym_str(db, t, 4, r.cols[4].i64[k], &n);
      assert_non_null(s);
      assert_int_equal(n, strlen(e->cat));
      assert_memory_equal(s, e->cat, n);
    } else {
      assert_true(gp_rows_isnull(&r.cols[4], (size_t)k));
    }
    if (e->note) {
      assert_false(gp_rows_isnull(&r.cols[5], (size_t)k)); /* "" is a string, not null */
      assert_int_equal(r.cols[5].len[k], strlen(e->note));
      if (*e->note) assert_memory_equal(text_at(&r, 5, (size_t)k), e->note, strlen(e->note));
    } else {
      assert_true(gp_rows_isnull(&r.cols[5], (size_t)k));
    }
    if (*e->n) {
      assert_false(gp_rows_isnull(&r.cols[6], (size_t)k));
      assert_true(r.cols[6].i64[k] == strtoll(e->n, NULL, 10));
    } else {
      assert_true(gp_rows_isnull(&r.cols[6], (size_t)k));
    }
    assert_true(r.cell[k] == cell_of(db, lon, lat));
  }
  gp_rows_free(&r);
}

static void test_load_csv(void **state) {
  fixture *f = *state;
  char path[600], csv[600];
  path_in(f, "load", path, sizeof path);
  path_in(f, "events.csv", csv, sizeof csv);
  write_events_csv(csv);
  gp_db *db = open_db(path, 0);
  gp_table d;
  def_events(&d);
  create(db, &d);

  char *rep = NULL;
  size_t replen = 0;
  FILE *errs = open_memstream(&rep, &replen);
  assert_non_null(errs);
  gp_load_opts o = {0};
  o.errors = errs;
  gp_load_result res;
  gp_err err = {0};
  if (gp_load_file(db, "events", csv, &o, &res, &err)) fail_msg("load: %s", err.msg);
  fflush(errs);
  assert_int_equal(res.loaded, NEV);
  assert_int_equal(res.rejected, 2);
  assert_int_equal(res.duplicates, 0);
  assert_true(res.bytes > 0);
  /* rejected rows are reported as file:line[:column]: reason, in file order; the quoted
   * note with a line break makes row 5 span two lines, after the two bad rows (lines 5, 6) */
  assert_non_null(strstr(rep, ":5:"));
  assert_non_null(strstr(rep, ":6:"));
  assert_non_null(strstr(rep, "bad timestamp"));
  assert_non_null(strstr(rep, "bad integer"));
  assert_true(strstr(rep, "bad timestamp") < strstr(rep, "bad integer"));
  /* the CRS came from the first located row: UTM zone 50 north */
  assert_int_equal(gp_db_epsg(db), 32650);
  check_events(db);

  /* loading the same file again adds nothing: every good row is a known key */
  fclose(errs);
  free(rep);
  rep = NULL;
  errs = open_memstream(&rep, &replen);
  o.errors = errs;
  if (gp_load_file(db, "events", csv, &o, &res, &err)) fail_msg("reload: %s", err.msg);
  assert_int_equal(res.loaded, 0);
  assert_int_equal(res.duplicates, NEV);
  assert_int_equal(res.rejected, 2);
  check_events(db);
  gp_db_close(db);

  /* ... also after a reopen (the key set is persisted), and sealed rows read back the same */
  db = open_db(path, 0);
  if (gp_load_file(db, "events", csv, &o, &res, &err)) fail_msg("reload: %s", err.msg);
  assert_int_equal(res.loaded, 0);
  assert_int_equal(res.duplicates, NEV);
  gp_store_stats st;
  assert_int_equal(gp_store_table_stats(gp_db_store(db), gp_db_table(db, "events")->id, &st, &err),
                   GP_OK);
  assert_int_equal(st.fresh_rows + st.chunk_rows, NEV);
  check_events(db);

  /* stop_on_error: the rows before the first bad line go in, then GP_PARSE naming the line */
  gp_table d2 = d;
  strcpy(d2.name, "events2");
  create(db, &d2);
  o.stop_on_error = true;
  gp_err_clear(&err);
  assert_int_equal(gp_load_file(db, "events2", csv, &o, &res, &err), GP_PARSE);
  assert_int_equal(res.loaded, 3);
  assert_non_null(strstr(err.msg, ":5:"));
  fclose(errs);
  free(rep);
  gp_db_close(db);
}

static void test_load_ndjson_location_from(void **state) {
  fixture *f = *state;
  char path[600], scsv[600], rjson[600];
  path_in(f, "locfrom", path, sizeof path);
  path_in(f, "sensors.csv", scsv, sizeof scsv);
  path_in(f, "readings.ndjson", rjson, sizeof rjson);
  write_file(scsv,
             "sensor_id,lon,lat,metric,warn_line\n"
             "wl-1,118.30,33.90,water_level,2.5\n"
             "wl-2,118.42,33.97,water_level,3\n"
             "t-1,118.35,33.95,temperature,\n");
  write_file(rjson,
             "{\"ts\": \"2024-08-01T00:00:00Z\", \"sensor_id\": \"wl-1\", \"value\": 1.25}\n"
             "{\"sensor_id\": \"wl-2\", \"value\": 2.5, \"ts\": \"2024-08-01 00:10:00\"}\n"
             "{\"ts\": \"2024-08-01T00:20:00Z\", \"sensor_id\": \"t-1\", \"value\": null}\n"
             "{\"ts\": \"2024-08-01T00:30:00Z\", \"sensor_id\": \"nope\", \"value\": 1}\n"
             "\n"
             "{\"ts\": \"2024-08-01T00:40:00Z\", \"sensor_id\": \"wl-1\", \"value\": -0.75, "
             "\"extra\": [1, 2]}\n"
             "{\"ts\": \"2024-08-01T00:50:00Z\", \"sensor_id\": \"wl-2\"}\n"
             "{\"ts\": 12, \"sensor_id\": \"wl-2\", \"value\": 1}\n");
  gp_db *db = open_db(path, 32650);
  gp_table d;
  def_sensors(&d);
  create(db, &d);
  def_readings(&d);
  create(db, &d);
  FILE *errs = fopen("/dev/null", "w");
  assert_non_null(errs);
  gp_load_opts o = {0};
  o.errors = errs;
  gp_load_result res;
  gp_err err = {0};
  if (gp_load_file(db, "sensors", scsv, &o, &res, &err)) fail_msg("sensors: %s", err.msg);
  assert_int_equal(res.loaded, 3);
  if (gp_load_file(db, "readings", rjson, &o, &res, &err)) fail_msg("readings: %s", err.msg);
  assert_int_equal(res.loaded, 5);
  assert_int_equal(res.rejected, 2); /* the unknown sensor and the numeric ts */

  static const struct {
    int64_t ts;
    const char *sensor;
    double lon, lat;
    bool null;
    double value;
  } want[] = {
      {INT64_C(1722470400000000), "wl-1", 118.30, 33.90, false, 1.25},
      {INT64_C(1722471000000000), "wl-2", 118.42, 33.97, false, 2.5},
      {INT64_C(1722471600000000), "t-1", 118.35, 33.95, true, 0},
      {INT64_C(1722472800000000), "wl-1", 118.30, 33.90, false, -0.75},
      {INT64_C(1722473400000000), "wl-2", 118.42, 33.97, true, 0},
  };
  const gp_table *rt = gp_db_table(db, "readings");
  gp_rows r;
  read_table(db, "readings", &r);
  assert_int_equal(r.n, 5);
  for (size_t i = 0; i < 5; i++) {
    long k = find_int(&r, 0, want[i].ts);
    if (k < 0) fail_msg("reading %zu missing", i);
    size_t n;
    const char *s = gp_db_sym_str(db, rt, 1, r.cols[1].i64[k], &n);
    assert_non_null(s);
    assert_int_equal(n, strlen(want[i].sensor));
    assert_memory_equal(s, want[i].sensor, n);
    assert_int_equal(gp_rows_isnull(&r.cols[2], (size_t)k), want[i].null);
    if (!want[i].null) assert_true(r.cols[2].f64[k] == want[i].value);
    /* the cell of the reading is the cell of its sensor */
    assert_true(r.cell[k] == cell_of(db, want[i].lon, want[i].lat));
  }
  gp_rows_free(&r);
  /* and the sensors themselves carry their own cells and values */
  read_table(db, "sensors", &r);
  assert_int_equal(r.n, 3);
  size_t nulls = 0;
  for (size_t i = 0; i < r.n; i++) {
    assert_true(r.cell[i] == cell_of(db, r.cols[1].f64[i], r.cols[2].f64[i]));
    nulls += gp_rows_isnull(&r.cols[4], i);
  }
  assert_int_equal(nulls, 1);
  gp_rows_free(&r);
  fclose(errs);
  gp_db_close(db);
}

static void test_load_sniffed(void **state) {
  fixture *f = *state;
  char path[600], csv[600], js[600];
  path_in(f, "sniff", path, sizeof path);
  path_in(f, "trips.csv", csv, sizeof csv);
  path_in(f, "pings.jsonl", js, sizeof js);
  FILE *fp = fopen(csv, "w");
  assert_non_null(fp);
  fprintf(fp, "trip_id,started,ended,Longitude,LAT,kind,comment,score\n");
  for (int i = 0; i < 40; i++)
    fprintf(
        fp,
        "%d,2024-08-%02dT10:00:00,2024-08-%02d 11:%02d:00,%.4f,%.4f,%s,comment number %d,%d.5\n", i,
        1 + i % 28, 1 + i % 28, i % 60, 118.3 + i * 0.001, 33.9 + i * 0.001, i % 3 ? "bike" : "car",
        i, i);
  fclose(fp);
  gp_db *db = open_db(path, 0);
  gp_load_opts o = {0};
  o.errors = stderr;
  gp_load_result res;
  gp_err err = {0};
  if (gp_load_file(db, "trips", csv, &o, &res, &err)) fail_msg("load: %s", err.msg);
  assert_int_equal(res.loaded, 40);
  const gp_table *t = gp_db_table(db, "trips");
  assert_non_null(t);
  static const gp_type types[] = {GP_T_INT,    GP_T_TIMESTAMP, GP_T_TIMESTAMP, GP_T_DOUBLE,
                                  GP_T_DOUBLE, GP_T_SYMBOL,    GP_T_TEXT,      GP_T_DOUBLE};
  assert_int_equal(t->ncols, 8);
  for (int c = 0; c < 8; c++)
    if (t->cols[c].type != types[c])
      fail_msg("column %s sniffed as %s, want %s", t->cols[c].name, gp_type_name(t->cols[c].type),
               gp_type_name(types[c]));
  assert_string_equal(t->cols[3].name, "Longitude");
  assert_int_equal(t->time_col, 1); /* the first TIMESTAMP */
  assert_int_equal(t->loc, GP_LOC_LONLAT);
  assert_int_equal(t->lon_col, 3);
  assert_int_equal(t->lat_col, 4);
  assert_int_equal(t->key_col, -1);
  gp_rows r;
  read_table(db, "trips", &r);
  assert_int_equal(r.n, 40);
  long k = find_int(&r, 0, 7);
  assert_true(k >= 0);
  assert_true(r.cols[7].f64[k] == 7.5);
  assert_int_equal(r.cols[6].len[k], strlen("comment number 7"));
  assert_memory_equal(text_at(&r, 6, (size_t)k), "comment number 7", 16);
  gp_rows_free(&r);

  /* NDJSON: keys of the first object, a key column asked for by name */
  write_file(js,
             "{\"id\": \"a1\", \"when\": \"2024-08-01T00:00:00Z\", \"lng\": 118.3, \"lat\": 33.9, "
             "\"v\": 1}\n"
             "{\"id\": \"a2\", \"when\": \"2024-08-01T01:00:00Z\", \"lng\": 118.4, \"lat\": 33.8, "
             "\"v\": 2}\n"
             "{\"id\": \"a2\", \"when\": \"2024-08-01T02:00:00Z\", \"lng\": 118.4, \"lat\": 33.8, "
             "\"v\": 3}\n");
  o.key_col = "id";
  if (gp_load_file(db, "pings", js, &o, &res, &err)) fail_msg("load: %s", err.msg);
  t = gp_db_table(db, "pings");
  assert_non_null(t);
  assert_int_equal(t->ncols, 5);
  assert_int_equal(t->key_col, 0);
  assert_int_equal(t->cols[0].type, GP_T_SYMBOL); /* a non-INT key becomes a SYMBOL */
  assert_int_equal(t->time_col, 1);
  assert_int_equal(t->cols[1].type, GP_T_TIMESTAMP);
  assert_int_equal(t->loc, GP_LOC_LONLAT);
  assert_int_equal(t->lon_col, 2);
  assert_int_equal(t->lat_col, 3);
  assert_int_equal(t->cols[4].type, GP_T_INT);
  assert_int_equal(res.loaded, 2);
  assert_int_equal(res.duplicates, 1); /* a2 twice */

  /* A column numeric for its first 3,000 rows and alphanumeric in a stretch further on (as
   * Boston's precincts: 0502, then 0502A) is sampled from windows past the head too: TEXT,
   * and every row loads. A column that turns in a single late row would still be rejected
   * there, row by row, with its line and column. */
  path_in(f, "codes.csv", csv, sizeof csv);
  fp = fopen(csv, "w");
  assert_non_null(fp);
  fprintf(fp, "ts,code,v\n");
  for (int i = 0; i < 6000; i++)
    fprintf(fp, "2024-08-01T%02d:%02d:00Z,%04d%s,%d\n", i / 60 % 24, i % 60, i % 900,
            i >= 3000 && i < 3400 ? "A" : "", i);
  fclose(fp);
  o.key_col = NULL;
  if (gp_load_file(db, "codes", csv, &o, &res, &err)) fail_msg("load: %s", err.msg);
  t = gp_db_table(db, "codes");
  assert_non_null(t);
  assert_int_equal(t->cols[1].type, GP_T_TEXT);
  assert_int_equal(t->cols[2].type, GP_T_INT);
  assert_int_equal(res.loaded, 6000);
  assert_int_equal(res.rejected, 0);
  gp_db_close(db);

  /* Rows without coordinates (both empty) load with NULL lon/lat and no cell, even first,
   * before any row has fixed the database's CRS; one coordinate alone is a broken row. */
  char path2[600];
  path_in(f, "unlocated", path2, sizeof path2);
  path_in(f, "tickets.csv", csv, sizeof csv);
  write_file(csv, "id,ts,lon,lat\n"
                  "1,2024-08-01T00:00:00Z,,\n"
                  "2,2024-08-01T01:00:00Z,118.35,33.95\n"
                  "3,2024-08-01T02:00:00Z,,33.95\n"
                  "4,2024-08-01T03:00:00Z,\"\",\"\"\n");
  db = open_db(path2, 0);
  o.key_col = "id";
  o.errors = NULL;
  if (gp_load_file(db, "tickets", csv, &o, &res, &err)) fail_msg("load: %s", err.msg);
  assert_int_equal(res.loaded, 2);
  assert_int_equal(res.rejected, 2); /* 3: lat alone; 4: quoted empty strings are not NULL */
  assert_non_null(gp_db_grid(db));
  assert_int_equal(gp_grid_epsg(gp_db_grid(db)), 32650); /* from row 2, the first located */
  read_table(db, "tickets", &r);
  assert_int_equal(r.n, 2);
  long k1 = find_int(&r, 0, 1), k2 = find_int(&r, 0, 2);
  assert_true(k1 >= 0 && k2 >= 0);
  assert_true(gp_rows_isnull(&r.cols[2], (size_t)k1) && gp_rows_isnull(&r.cols[3], (size_t)k1));
  assert_int_equal(r.cell[k1], 0);
  assert_int_not_equal(r.cell[k2], 0);
  gp_rows_free(&r);
  gp_db_close(db);
}

/* A load that fails half-way reports what it committed, never the rows it only held in
 * memory: the N-th allocation is made to fail, for every N until a load gets through, and
 * each time the rows the table gained must equal res.loaded (they once differed by every row
 * of the partitions still open). One thread, so that the thread-local countdown sees every
 * allocation of the load. Each retry loads the same file again: the key skips what is in. */
static void test_load_counts_committed(void **state) {
  fixture *f = *state;
  char path[600], csv[600];
  path_in(f, "committed", path, sizeof path);
  path_in(f, "days.csv", csv, sizeof csv);
  FILE *fp = fopen(csv, "w");
  assert_non_null(fp);
  fprintf(fp, "id,ts,lon,lat,category,note,n\n");
  enum { ROWS = 2000 };
  for (int i = 0; i < ROWS; i++) /* 4 days, 4 daily partitions, in time order */
    fprintf(fp, "%d,2024-08-%02dT%02d:%02d:00Z,118.3%d,33.9%d,c%d,note %d,%d\n", i + 1, 1 + i / 500,
            i % 500 / 60 % 24, i % 60, i % 10, i % 10, i % 3, i, i);
  fclose(fp);
  gp_db *db = open_db(path, 0);
  gp_table d;
  def_events(&d);
  create(db, &d);
  int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  size_t stored = 0, failures = 0;
  gp_load_opts o = {0};
  gp_load_result res;
  for (long n = 1; n < 100000; n++) {
    gp_err err = {0};
    gp_alloc_fail_after(n);
    gp_rc rc = gp_load_file(db, "events", csv, &o, &res, &err);
    gp_alloc_fail_after(0);
    gp_rows r;
    read_table(db, "events", &r);
    size_t now = r.n;
    gp_rows_free(&r);
    if (now - stored != res.loaded)
      fail_msg("allocation %ld failed (%s): %zu rows reported loaded, %zu stored", n,
               rc ? err.msg : "load ok", res.loaded, now - stored);
    stored = now;
    if (rc == GP_OK && stored == ROWS) break;
    if (rc) failures++;
  }
  omp_set_num_threads(threads);
  assert_int_equal(stored, ROWS);
  assert_true(failures > 10); /* the countdown did reach into the load */
  gp_db_close(db);
}

/* A load of a keyed table that fails half-way leaves the position before which every row is
 * committed, and the same file loaded again starts there instead of re-reading it all: the
 * resumed load reads exactly the rows from that line on (loaded + duplicates = the rest).
 * Small segments give a small file many rounds; the failure is the N-th allocation, for N
 * growing geometrically, each into a fresh table. */
static void test_load_resumes(void **state) {
  fixture *f = *state;
  char path[600], csv[600];
  path_in(f, "resume", path, sizeof path);
  path_in(f, "week.csv", csv, sizeof csv);
  FILE *fp = fopen(csv, "w");
  assert_non_null(fp);
  fprintf(fp, "id,ts,lon,lat,category,note,n\n");
  enum { ROWS = 8000 };
  for (int i = 0; i < ROWS; i++) /* 8 daily partitions in time order, one row a line */
    fprintf(fp, "%d,2024-08-%02dT%02d:%02d:00Z,118.3%d,33.9%d,c%d,note %d,%d\n", i + 1,
            1 + i / 1000, i % 1000 / 60 % 24, i % 60, i % 10, i % 10, i % 3, i, i);
  fclose(fp);
  gp_db *db = open_db(path, 0);
  int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  size_t resumed = 0;
  for (long n = 50; n < 10000000; n = n * 5 / 4) {
    gp_table d;
    def_events(&d);
    snprintf(d.name, sizeof d.name, "e%ld", n);
    create(db, &d);
    gp_load_opts o = {0};
    o.seg_bytes = 4096; /* rounds of 64 KiB: 9 of them */
    gp_load_result res;
    gp_err err = {0};
    gp_alloc_fail_after(n);
    gp_rc rc = gp_load_file(db, d.name, csv, &o, &res, &err);
    gp_alloc_fail_after(0);
    if (rc == GP_OK) break; /* n is past the load's allocations */
    char *rep = NULL;
    size_t replen = 0;
    o.errors = open_memstream(&rep, &replen);
    assert_non_null(o.errors);
    if (gp_load_file(db, d.name, csv, &o, &res, &err)) fail_msg("resume: %s", err.msg);
    fclose(o.errors);
    gp_rows r;
    read_table(db, d.name, &r);
    assert_int_equal(r.n, ROWS);
    gp_rows_free(&r);
    const char *at = strstr(rep, "resuming at line ");
    if (at) {
      long line = atol(at + strlen("resuming at line "));
      assert_true(line > 2);
      if ((size_t)(line - 2) + res.loaded + res.duplicates != ROWS)
        fail_msg("after allocation %ld: resumed at line %ld, then %zu loaded + %zu duplicates", n,
                 line, res.loaded, res.duplicates);
      resumed++;
    } else {
      assert_int_equal(res.loaded + res.duplicates, ROWS);
    }
    free(rep);
  }
  omp_set_num_threads(threads);
  assert_true(resumed > 0);
  gp_db_close(db);
}

/* A KEY column of type TEXT is accepted by create_table; loading into it must work (or be
 * refused with an error), never crash. */
static void test_load_text_key(void **state) {
  fixture *f = *state;
  char path[600], csv[600];
  path_in(f, "textkey", path, sizeof path);
  path_in(f, "tk.csv", csv, sizeof csv);
  write_file(csv, "name,v\nalpha,1\nbeta,2\nalpha,3\n");
  gp_db *db = open_db(path, 32650);
  /* a TEXT key is refused with a message that names the way out (SYMBOL) */
  gp_table d;
  new_def(&d, "tk");
  add_col(&d, "name", GP_T_TEXT);
  add_col(&d, "v", GP_T_INT);
  d.key_col = 0;
  gp_err err = {0};
  assert_int_equal(gp_db_create_table(db, &d, &err), GP_INVALID);
  assert_non_null(strstr(err.msg, "INT or SYMBOL"));
  /* the same strings as a SYMBOL key: the second alpha is a duplicate */
  d.cols[0].type = GP_T_SYMBOL;
  create(db, &d);
  gp_load_opts o = {0};
  gp_load_result res;
  gp_err_clear(&err);
  assert_int_equal(gp_load_file(db, "tk", csv, &o, &res, &err), GP_OK);
  assert_int_equal(res.loaded, 2);
  assert_int_equal(res.duplicates, 1);
  gp_db_close(db);
}

/* LOCATION FROM through an INT key column (allowed by create_table and by the loader's own
 * table creation) must give readings their sensor's cell, never crash. */
static void test_load_location_from_int_key(void **state) {
  fixture *f = *state;
  char path[600], scsv[600], rcsv[600];
  path_in(f, "intkey", path, sizeof path);
  path_in(f, "isensors.csv", scsv, sizeof scsv);
  path_in(f, "ireadings.csv", rcsv, sizeof rcsv);
  write_file(scsv, "sid,lon,lat\n7,118.30,33.90\n8,118.42,33.97\n");
  write_file(rcsv, "ts,sid,value\n2024-08-01,7,1.5\n2024-08-01 01:00,8,2.5\n");
  gp_db *db = open_db(path, 32650);
  gp_table d;
  new_def(&d, "isensors");
  add_col(&d, "sid", GP_T_INT);
  add_col(&d, "lon", GP_T_DOUBLE);
  add_col(&d, "lat", GP_T_DOUBLE);
  d.key_col = 0;
  d.loc = GP_LOC_LONLAT;
  d.lon_col = 1;
  d.lat_col = 2;
  create(db, &d);
  new_def(&d, "ireadings");
  add_col(&d, "ts", GP_T_TIMESTAMP);
  add_col(&d, "sid", GP_T_INT);
  add_col(&d, "value", GP_T_DOUBLE);
  d.time_col = 0;
  d.loc = GP_LOC_FROM;
  strcpy(d.loc_table, "isensors");
  d.loc_col = 1;
  create(db, &d);
  gp_load_opts o = {0};
  gp_load_result res;
  gp_err err = {0};
  if (gp_load_file(db, "isensors", scsv, &o, &res, &err)) fail_msg("sensors: %s", err.msg);
  gp_rc rc = gp_load_file(db, "ireadings", rcsv, &o, &res, &err);
  if (rc) fail_msg("readings: %s", err.msg);
  assert_int_equal(res.loaded, 2);
  gp_rows r;
  read_table(db, "ireadings", &r);
  assert_int_equal(r.n, 2);
  for (size_t i = 0; i < r.n; i++) {
    double lon = r.cols[1].i64[i] == 7 ? 118.30 : 118.42,
           lat = r.cols[1].i64[i] == 7 ? 33.90 : 33.97;
    assert_true(r.cell[i] == cell_of(db, lon, lat));
  }
  gp_rows_free(&r);
  gp_db_close(db);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_catalog_persistence),
      cmocka_unit_test(test_crs),
      cmocka_unit_test(test_open_existing),
      cmocka_unit_test(test_create_validation),
      cmocka_unit_test(test_load_csv),
      cmocka_unit_test(test_load_ndjson_location_from),
      cmocka_unit_test(test_load_sniffed),
      cmocka_unit_test(test_load_counts_committed),
      cmocka_unit_test(test_load_resumes),
      /* these two crash today (see the report): kept last so that the others still run */
      cmocka_unit_test(test_load_text_key),
      cmocka_unit_test(test_load_location_from_int_key),
  };
  /* GP_TEST_SKIP=pattern (cmocka wildcards) leaves tests out, e.g. ones that crash a
   * sanitizer build, so that the rest still run to the end and the leak check */
  const char *skip = getenv("GP_TEST_SKIP");
  if (skip && *skip) cmocka_set_skip_filter(skip);
  return cmocka_run_group_tests_name("db", tests, setup, teardown);
}
