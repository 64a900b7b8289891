/* test_faults.c - nothing lost in silence: a database with one byte flipped in a WAL, a table
 * file (SST) or the MANIFEST either answers exactly as before the flip, or refuses with an
 * error that says what is damaged; it never answers with rows missing or changed.
 *
 * Two databases are built once, 50,000 rows each, and their count and checksum taken:
 *   - "loaded": a CSV loaded with gp_load_file (which flushes at its end, so its rows are in
 *     table files and the MANIFEST lists them);
 *   - "walled": rows appended in ten synchronous transactions and the database closed, so
 *     that its rows are in the WAL only (closing does not flush), as acknowledged writes.
 * Each trial copies one, XORs one byte at a position drawn from a fixed-seed PRNG with a
 * non-zero value, and then reads it as the commands do: opened read-only (gridpulse info and
 * scan), then read-write (SQL; an open that recovers rewrites the database), then read-only
 * again, each time taking the table's statistics and a full scan of every column. A trial is
 * "exact" when every pass gives the original count and checksum, "refused" when a pass fails
 * with GP_CORRUPT (or another error naming a file), and wrong otherwise: the test fails on the
 * first wrong trial and prints its file, byte and value.
 *
 * GP_FAULT_TRIALS (default 150: 50 per kind) and GP_FAULT_SEED (default 12) override. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gp_db.h"

enum { NROWS = 50000 };

static uint64_t splitmix64(uint64_t *s) {
  uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static uint64_t mix(uint64_t h, uint64_t v) {
  uint64_t s = h ^ v;
  return splitmix64(&s);
}

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *f) {
  (void)st;
  (void)flag;
  (void)f;
  return remove(p);
}

static void rm_rf(const char *dir) {
  nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

typedef struct fault_ctx {
  char dir[512];
  char loaded[600], walled[600], trial[600];
  uint64_t sum_loaded, sum_walled; /* checksums of the intact databases */
  uint64_t rng;
  int trials;
} fault_ctx;

/* ---- reading a database as the commands do ---- */

typedef struct answer {
  size_t rows;      /* rows the scan returned */
  size_t stat_rows; /* rows the statistics (gridpulse info) counted */
  uint64_t sum;     /* order-independent checksum of every value */
} answer;

/* Opens path, reads table `name` whole; GP_OK with *a filled, or the error in err. */
static gp_rc read_db(const char *path, bool ro, const char *name, answer *a, gp_err *err) {
  memset(a, 0, sizeof *a);
  gp_db_opts o = {path, 0, 0, ro};
  gp_db *db = NULL;
  gp_scan *sc = NULL;
  gp_rows rows = {0};
  gp_rc rc = gp_db_open(&o, &db, err);
  if (rc) return rc;
  const gp_table *t = gp_db_table(db, name);
  if (!t) { /* a table that went missing is an answer: zero rows */
    gp_db_close(db);
    return GP_OK;
  }
  gp_store_stats st;
  if ((rc = gp_store_table_stats(gp_db_store(db), t->id, &st, err))) goto cleanup;
  a->stat_rows = st.fresh_rows + st.chunk_rows;
  gp_scan_spec spec = {INT64_MIN, INT64_MAX, NULL, 0, 0, NULL};
  if ((rc = gp_scan_open(gp_db_store(db), t->id, &spec, &sc, err))) goto cleanup;
  for (size_t u = 0; u < gp_scan_units(sc); u++) {
    if ((rc = gp_scan_decode(sc, u, &rows, err))) goto cleanup;
    for (size_t i = 0; i < rows.n; i++) {
      uint64_t h = 0;
      for (int c = 0; c < t->ncols; c++) {
        const gp_col *col = &rows.cols[c];
        if (gp_rows_isnull(col, i)) {
          h = mix(h, 0xdead);
          continue;
        }
        uint64_t v = 0;
        if (col->type == GP_T_DOUBLE) {
          memcpy(&v, &col->f64[i], 8);
        } else if (col->type == GP_T_SYMBOL) {
          size_t n = 0;
          const char *s = gp_db_sym_str(db, t, c, col->i64[i], &n);
          for (size_t k = 0; s && k < n; k++) v = v * 131 + (uint8_t)s[k];
          if (!s) v = 0xbad;
        } else {
          v = (uint64_t)col->i64[i];
        }
        h = mix(h, v + (uint64_t)c);
      }
      a->sum += mix(h, rows.cell[i]);
      a->rows++;
    }
  }
cleanup:
  gp_rows_free(&rows);
  gp_scan_close(sc);
  gp_db_close(db);
  return rc;
}

/* ---- the two databases ---- */

static void build_loaded(fault_ctx *c) {
  char csv[700];
  snprintf(csv, sizeof csv, "%s/events.csv", c->dir);
  FILE *fp = fopen(csv, "w");
  assert_non_null(fp);
  fprintf(fp, "id,ts,lon,lat,category,value\n");
  uint64_t s = 7;
  for (int i = 0; i < NROWS; i++) {
    uint64_t r = splitmix64(&s);
    /* 40 days from 2024-08-01, a 10 km square, 30 categories */
    long sec = (long)(r % (40 * 86400));
    fprintf(fp, "%d,2024-08-%02ldT%02ld:%02ld:%02ldZ,%.6f,%.6f,c%02u,%.2f\n", i + 1,
            1 + sec / 86400 % 28, sec / 3600 % 24, sec / 60 % 60, sec % 60,
            118.30 + (double)(r >> 20 & 0xffff) / 65536.0 * 0.1,
            33.90 + (double)(r >> 36 & 0xffff) / 65536.0 * 0.1, (unsigned)(r >> 52) % 30,
            (double)(r >> 8 & 0xfff) / 100.0);
  }
  fclose(fp);
  gp_db_opts o = {c->loaded, 32650, 0, false};
  gp_db *db = NULL;
  gp_err err = {0};
  if (gp_db_open(&o, &db, &err)) fail_msg("open: %s", err.msg);
  gp_load_opts lo = {0};
  lo.key_col = "id";
  gp_load_result res;
  if (gp_load_file(db, "events", csv, &lo, &res, &err)) fail_msg("load: %s", err.msg);
  assert_int_equal(res.loaded, NROWS);
  gp_db_close(db);
}

static void build_walled(fault_ctx *c) {
  gp_db_opts o = {c->walled, 0, 0, false};
  gp_db *db = NULL;
  gp_err err = {0};
  if (gp_db_open(&o, &db, &err)) fail_msg("open: %s", err.msg);
  gp_table def;
  memset(&def, 0, sizeof def);
  snprintf(def.name, sizeof def.name, "readings");
  const char *names[3] = {"id", "ts", "value"};
  gp_type types[3] = {GP_T_INT, GP_T_TIMESTAMP, GP_T_DOUBLE};
  for (int k = 0; k < 3; k++) {
    snprintf(def.cols[k].name, GP_NAME_MAX, "%s", names[k]);
    def.cols[k].type = types[k];
  }
  def.ncols = 3;
  def.time_col = 1;
  def.key_col = -1;
  if (gp_db_create_table(db, &def, &err)) fail_msg("create: %s", err.msg);
  const gp_table *t = gp_db_table(db, "readings");
  gp_store_layout l;
  gp_table_layout(t, &l);
  gp_rows r;
  assert_int_equal(gp_rows_init(&r, &l, NROWS / 10), GP_OK);
  uint64_t s = 11;
  for (int b = 0; b < 10; b++) {
    r.n = 0;
    for (int i = 0; i < NROWS / 10; i++) {
      uint64_t x = splitmix64(&s);
      r.cols[0].i64[r.n] = b * (NROWS / 10) + i + 1;
      r.cols[1].i64[r.n] = INT64_C(1722470400000000) + (int64_t)(x % (INT64_C(20) * 86400000000));
      r.cols[2].f64[r.n] = (double)(x >> 40) / 1000.0;
      r.cell[r.n] = 0;
      r.n++;
    }
    gp_store_txn *txn = gp_store_txn_begin(gp_db_store(db));
    assert_non_null(txn);
    if (gp_store_txn_append(txn, t->id, &r, 0, r.n, &err) || gp_store_txn_commit(txn, &err))
      fail_msg("append: %s", err.msg);
    gp_store_txn_free(txn);
  }
  gp_rows_free(&r);
  gp_db_close(db);
}

static int setup(void **state) {
  fault_ctx *c = calloc(1, sizeof *c);
  if (!c) return -1;
  const char *base = getenv("GP_TEST_TMP");
  if (!base || !*base) base = "/tmp";
  mkdir(base, 0755);
  snprintf(c->dir, sizeof c->dir, "%s/faults-XXXXXX", base);
  if (!mkdtemp(c->dir)) return -1;
  snprintf(c->loaded, sizeof c->loaded, "%s/loaded", c->dir);
  snprintf(c->walled, sizeof c->walled, "%s/walled", c->dir);
  snprintf(c->trial, sizeof c->trial, "%s/trial", c->dir);
  const char *e = getenv("GP_FAULT_SEED");
  c->rng = e && *e ? strtoull(e, NULL, 10) : 12;
  e = getenv("GP_FAULT_TRIALS");
  c->trials = e && *e ? atoi(e) : 150;
  *state = c;
  build_loaded(c);
  build_walled(c);
  return 0;
}

static int teardown(void **state) {
  fault_ctx *c = *state;
  rm_rf(c->dir);
  free(c);
  return 0;
}

/* ---- files ---- */

static void copy_dir(const char *from, const char *to) {
  rm_rf(to);
  assert_int_equal(mkdir(to, 0755), 0);
  DIR *d = opendir(from);
  assert_non_null(d);
  struct dirent *de;
  static char buf[1 << 16];
  while ((de = readdir(d)) != NULL) {
    char a[1200], b[1200];
    snprintf(a, sizeof a, "%s/%s", from, de->d_name);
    snprintf(b, sizeof b, "%s/%s", to, de->d_name);
    struct stat st;
    if (stat(a, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    FILE *in = fopen(a, "rb"), *out = fopen(b, "wb");
    assert_non_null(in);
    assert_non_null(out);
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
  }
  closedir(d);
}

typedef enum kind { K_WAL, K_SST, K_MANIFEST, K_COUNT } kind;
static const char *const k_kind[K_COUNT] = {"WAL", "SST", "MANIFEST"};

/* The files of a kind in dir, with their sizes; returns how many. */
static int files_of(const char *dir, kind k, char names[][64], uint64_t *sizes, int cap) {
  int n = 0;
  char man[64] = "";
  if (k == K_MANIFEST) {
    char p[700];
    snprintf(p, sizeof p, "%s/CURRENT", dir);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    assert_non_null(fgets(man, sizeof man, f));
    fclose(f);
    man[strcspn(man, "\n")] = '\0';
  }
  DIR *d = opendir(dir);
  assert_non_null(d);
  struct dirent *de;
  while ((de = readdir(d)) != NULL && n < cap) {
    const char *nm = de->d_name;
    size_t L = strlen(nm);
    bool want = k == K_MANIFEST ? strcmp(nm, man) == 0
                                : L > 4 && strcmp(nm + L - 4, k == K_WAL ? ".log" : ".sst") == 0;
    if (!want || L >= 64) continue;
    char p[700];
    snprintf(p, sizeof p, "%s/%.63s", dir, nm);
    struct stat st;
    if (stat(p, &st) != 0 || st.st_size == 0) continue;
    snprintf(names[n], 64, "%.63s", nm);
    sizes[n++] = (uint64_t)st.st_size;
  }
  closedir(d);
  return n;
}

static void flip(const char *path, uint64_t pos, uint8_t x) {
  FILE *f = fopen(path, "r+b");
  assert_non_null(f);
  assert_int_equal(fseek(f, (long)pos, SEEK_SET), 0);
  int ch = fgetc(f);
  assert_true(ch != EOF);
  assert_int_equal(fseek(f, (long)pos, SEEK_SET), 0);
  fputc(ch ^ x, f);
  fclose(f);
}

/* ---- the trials ---- */

static void test_byte_flips(void **state) {
  fault_ctx *c = *state;
  answer a;
  gp_err err = {0};
  if (read_db(c->loaded, true, "events", &a, &err)) fail_msg("loaded: %s", err.msg);
  assert_int_equal(a.rows, NROWS);
  c->sum_loaded = a.sum;
  if (read_db(c->walled, true, "readings", &a, &err)) fail_msg("walled: %s", err.msg);
  assert_int_equal(a.rows, NROWS);
  c->sum_walled = a.sum;

  int exact[K_COUNT] = {0}, refused[K_COUNT] = {0}, other[K_COUNT] = {0}, wrong[K_COUNT] = {0};
  char first_wrong[400] = "";
  for (int tr = 0; tr < c->trials; tr++) {
    kind k = (kind)(tr % K_COUNT);
    /* the WAL trials damage the database whose rows are in its WAL; the others the loaded one
     * (its WAL is empty after the load's flush) */
    const char *base = k == K_WAL ? c->walled : c->loaded;
    const char *table = k == K_WAL ? "readings" : "events";
    uint64_t want = k == K_WAL ? c->sum_walled : c->sum_loaded;
    char names[64][64];
    uint64_t sizes[64], total = 0;
    int n = files_of(base, k, names, sizes, 64);
    if (n == 0) fail_msg("no %s file in %s", k_kind[k], base);
    for (int i = 0; i < n; i++) total += sizes[i];
    uint64_t pos = splitmix64(&c->rng) % total;
    uint8_t x = (uint8_t)(1 + splitmix64(&c->rng) % 255);
    int f = 0;
    while (pos >= sizes[f]) pos -= sizes[f++];
    copy_dir(base, c->trial);
    char p[800];
    snprintf(p, sizeof p, "%s/%.63s", c->trial, names[f]);
    flip(p, pos, x);
    /* read-only, read-write (an open that recovers rewrites the files), read-only again */
    gp_rc rc = GP_OK;
    for (int pass = 0; pass < 3 && rc == GP_OK; pass++) {
      gp_err e1 = {0};
      rc = read_db(c->trial, pass != 1, table, &a, &e1);
      if (rc == GP_OK && (a.rows != NROWS || a.stat_rows != NROWS || a.sum != want)) {
        char msg[400];
        snprintf(msg, sizeof msg,
                 "trial %d: %s %.63s byte %llu ^ 0x%02x: pass %d answered %zu rows (statistics "
                 "%zu), checksum %s: silently wrong",
                 tr, k_kind[k], names[f], (unsigned long long)pos, x, pass, a.rows, a.stat_rows,
                 a.sum == want ? "equal" : "different");
        printf("%s\n", msg);
        if (!first_wrong[0]) snprintf(first_wrong, sizeof first_wrong, "%s", msg);
        wrong[k]++;
        rc = GP_INVALID; /* counted; the later passes of this trial are not read */
        break;
      }
      if (rc != GP_OK) {
        if (!e1.msg[0]) fail_msg("trial %d: refused without a message", tr);
        if (rc == GP_CORRUPT)
          refused[k]++;
        else {
          other[k]++;
          printf("trial %d: %s %.63s byte %llu: %s: %.300s\n", tr, k_kind[k], names[f],
                 (unsigned long long)pos, gp_rc_str(rc), e1.msg);
        }
      }
    }
    if (rc == GP_OK) exact[k]++;
  }
  for (int k = 0; k < K_COUNT; k++)
    printf(
        "%-8s %3d trials: %3d answered exactly, %3d refused as damaged, %3d refused "
        "otherwise, %3d silently wrong\n",
        k_kind[k], exact[k] + refused[k] + other[k] + wrong[k], exact[k], refused[k], other[k],
        wrong[k]);
  if (first_wrong[0]) fail_msg("%s", first_wrong);
}

/* The two ends of the recovery mode: the WAL's last record cut short (what kill -9 in the
 * middle of a write leaves) opens without that transaction; the same record whole but with
 * its length field made to run past the end of the file is refused, naming the file. RocksDB
 * alone cannot tell these apart (both are a record longer than the bytes left). */
static void test_wal_tail(void **state) {
  fault_ctx *c = *state;
  char names[64][64], p[800];
  uint64_t sizes[64];
  int n = files_of(c->walled, K_WAL, names, sizes, 64);
  int w = 0;
  for (int i = 1; i < n; i++)
    if (sizes[i] > sizes[w]) w = i;
  uint64_t size = sizes[w], off = (size - 1) / 32768 * 32768;
  snprintf(p, sizeof p, "%s/%.63s", c->walled, names[w]);
  FILE *f = fopen(p, "rb");
  assert_non_null(f);
  static uint8_t blk[32768];
  assert_int_equal(fseek(f, (long)off, SEEK_SET), 0);
  size_t bl = fread(blk, 1, sizeof blk, f);
  fclose(f);
  assert_int_equal(bl, size - off);
  size_t pos = 0, last = 0, len = 0; /* the last record of the last block */
  while (bl - pos >= 7) {
    last = pos;
    len = (size_t)blk[pos + 4] | (size_t)blk[pos + 5] << 8;
    pos += 7 + len;
  }
  assert_int_equal(pos, bl); /* the file ends where its last record does */
  assert_true(len >= 2);

  /* torn: the last transaction (5,000 rows) is gone, the rest opens */
  copy_dir(c->walled, c->trial);
  snprintf(p, sizeof p, "%s/%.63s", c->trial, names[w]);
  assert_int_equal(truncate(p, (off_t)(off + last + 7 + len / 2)), 0);
  answer a;
  gp_err err = {0};
  for (int pass = 0; pass < 3; pass++) {
    if (read_db(c->trial, pass != 1, "readings", &a, &err))
      fail_msg("torn tail, pass %d: %s", pass, err.msg);
    assert_int_equal(a.rows, NROWS - NROWS / 10);
  }

  /* damaged: the length runs past the end, though the record is all there */
  copy_dir(c->walled, c->trial);
  size_t bad = len + 256;
  FILE *g = fopen(p, "r+b");
  assert_non_null(g);
  assert_int_equal(fseek(g, (long)(off + last + 4), SEEK_SET), 0);
  fputc((int)(bad & 0xff), g);
  fputc((int)(bad >> 8 & 0xff), g);
  fclose(g);
  for (int pass = 0; pass < 2; pass++) {
    gp_err e2 = {0};
    gp_rc rc = read_db(c->trial, pass == 0, "readings", &a, &e2);
    if (rc == GP_OK) fail_msg("damaged length, pass %d: answered %zu rows", pass, a.rows);
    assert_int_equal(rc, GP_CORRUPT);
    assert_non_null(strstr(e2.msg, names[w]));
    assert_non_null(strstr(e2.msg, "damaged length"));
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_wal_tail),
      cmocka_unit_test(test_byte_flips),
  };
  setvbuf(stdout, NULL, _IOLBF, 0);
  return cmocka_run_group_tests(tests, setup, teardown);
}
