/* crash_test.c - a load killed with SIGKILL at random moments, then finished, loses nothing and
 * doubles nothing.
 *
 *   crash_test GRIDPULSE GP-CITYGEN
 *
 * gp-citygen writes N CityBench events (ids 1..N, in id order). `gridpulse load DB events FILE
 * --key id` is started and SIGKILLed after a random delay several times, so that kills land
 * before the table exists, between committed rounds, while a round commits and while
 * partitions are sealed. After each kill the database must open and its row count must lie in
 * [previous count, N]: a committed round is never lost. One more load then runs to completion
 * and must report exactly the missing rows as loaded and the rest as duplicate keys. Finally a
 * full scan must hold every id 1..N exactly once, each row equal field by field to its source
 * line (the scan prints timestamps as 'YYYY-MM-DD HH:MM:SS' where the file has 'T...Z', and
 * doubles in a round-trip form that need not match the file's digits, so doubles are compared
 * as values).
 *
 * Environment: GP_CRASH_ROWS (default 1000000), GP_CRASH_KILLS (default 8), GP_CRASH_SEED
 * (default 20240801), GP_TEST_TMP (parent of the temporary directory, default /tmp). The
 * directory is removed when every test passed and kept (its path printed) otherwise.
 *
 * Kill delays are drawn from [50, 1500] ms with a fixed-seed PRNG. A machine (or sanitizer
 * build) too slow to commit its first round within the window would never be killed mid-load,
 * so the window grows by half after each kill that found no rows; a machine fast enough to
 * finish the whole load inside it restarts from an empty database with half the window. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gp_base.h"

#define countof(a) (sizeof(a) / sizeof((a)[0]))

typedef struct crash_ctx {
  const char *gridpulse, *citygen; /* binaries under test */
  char dir[PATH_MAX];              /* temporary directory, "" until made */
  char db[PATH_MAX + 16];
  char csv[PATH_MAX + 32];         /* dir/data/events.csv */
  char out[PATH_MAX + 16];         /* captured stdout of the last command */
  char errf[PATH_MAX + 16];        /* captured stderr of the last command */
  size_t n;                        /* rows generated */
  int kills;
  uint64_t rng;                    /* splitmix64 state */
  size_t count_before_final;       /* rows present when the last load started */
  bool killed_ok;                  /* the kill phase passed (the final phase needs it) */
} crash_ctx;

static uint64_t splitmix64(uint64_t *s) {
  uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(double ms) {
  struct timespec ts = {(time_t)(ms / 1e3), (long)((ms - (double)(time_t)(ms / 1e3) * 1e3) * 1e6)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* Starts argv[0] (a path) with stdout and stderr sent to the given files (NULL: inherited). */
static pid_t spawn(char *const argv[], const char *out, const char *err) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  if (out) {
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || dup2(fd, 1) < 0) _exit(126);
    close(fd);
  }
  if (err) {
    int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || dup2(fd, 2) < 0) _exit(126);
    close(fd);
  }
  execv(argv[0], argv);
  fprintf(stderr, "crash_test: cannot run %s: %s\n", argv[0], strerror(errno));
  _exit(127);
}

/* Runs argv to completion; returns its exit status, or -1 when it did not exit normally. */
static int run(char *const argv[], const char *out, const char *err) {
  pid_t pid = spawn(argv, out, err);
  if (pid < 0) return -1;
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Reads a whole small file into buf (NUL-terminated, truncated to cap - 1). */
static void slurp(const char *path, char *buf, size_t cap) {
  buf[0] = '\0';
  FILE *f = fopen(path, "r");
  if (!f) return;
  size_t n = fread(buf, 1, cap - 1, f);
  buf[n] = '\0';
  fclose(f);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path) != 0 && errno != ENOENT;
}

static void rm_tree(const char *path) {
  nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Rows of table events in the database, or 0 when neither the database nor the table exists
 * yet (a load killed that early). Any other failure to open or scan fails the test. */
static size_t db_count(crash_ctx *c) {
  char *argv[] = {(char *)c->gridpulse, "scan", c->db, "events", "--count", NULL};
  int st = run(argv, c->out, c->errf);
  char out[256], err[4096];
  slurp(c->out, out, sizeof out);
  slurp(c->errf, err, sizeof err);
  if (st == 1 && (strstr(err, "no table 'events'") || strstr(err, "no database there") ||
                  strstr(err, "does not exist")))
    return 0;
  if (st != 0) fail_msg("scan --count exited %d: %s", st, err);
  char *end;
  unsigned long long v = strtoull(out, &end, 10);
  if (end == out || *end != '\n') fail_msg("scan --count printed '%s'", out);
  return (size_t)v;
}

/* ---- setup ---- */

/* dst = dir + "/" + name; false when it does not fit. */
static bool path_join(char *dst, size_t cap, const char *dir, const char *name) {
  int n = snprintf(dst, cap, "%s/%s", dir, name);
  return n > 0 && (size_t)n < cap;
}

static size_t env_size(const char *name, size_t def, size_t lo, size_t hi) {
  const char *e = getenv(name);
  if (!e || !*e) return def;
  char *end;
  unsigned long long v = strtoull(e, &end, 10);
  if (*end || v < lo || v > hi) {
    fprintf(stderr, "crash_test: %s=%s is not in [%zu, %zu]; using %zu\n", name, e, lo, hi, def);
    return def;
  }
  return (size_t)v;
}

static int setup_data(void **state) {
  crash_ctx *c = *state;
  const char *base = getenv("GP_TEST_TMP");
  if (!base || !*base) base = "/tmp";
  mkdir(base, 0755); /* ctest names a directory that may not exist yet */
  snprintf(c->dir, sizeof c->dir, "%s/crash_test.XXXXXX", base);
  if (!mkdtemp(c->dir)) {
    fprintf(stderr, "crash_test: mkdtemp %s: %s\n", c->dir, strerror(errno));
    c->dir[0] = '\0';
    return -1;
  }
  char data[PATH_MAX + 16], sf[32];
  if (!path_join(c->db, sizeof c->db, c->dir, "db") ||
      !path_join(c->csv, sizeof c->csv, c->dir, "data/events.csv") ||
      !path_join(c->out, sizeof c->out, c->dir, "stdout") ||
      !path_join(c->errf, sizeof c->errf, c->dir, "stderr") ||
      !path_join(data, sizeof data, c->dir, "data")) {
    fprintf(stderr, "crash_test: %s: path too long\n", c->dir);
    return -1;
  }
  /* citygen writes round(sf * 1e6) events; six decimals say any row count exactly */
  snprintf(sf, sizeof sf, "%.6f", (double)c->n / 1e6);
  char *argv[] = {(char *)c->citygen, "--sf", sf, "--out", data, "--only", "events", NULL};
  double t0 = now_ms();
  int st = run(argv, NULL, c->errf);
  if (st != 0) {
    char err[4096];
    slurp(c->errf, err, sizeof err);
    fprintf(stderr, "crash_test: gp-citygen exited %d: %s\n", st, err);
    return -1;
  }
  printf("generated %zu events in %.0f ms into %s\n", c->n, now_ms() - t0, c->csv);
  return 0;
}

/* ---- the kills ---- */

static void test_killed_loads(void **state) {
  crash_ctx *c = *state;
  char *argv[] = {(char *)c->gridpulse, "load", c->db, "events", c->csv, "--key", "id",
                  "--quiet", NULL};
  double scale = 1.0;
  size_t prev = 0, mid = 0, restarts = 0;
  for (int k = 0; k < c->kills; k++) {
    double delay = (50.0 + (double)(splitmix64(&c->rng) % 1451)) * scale;
    double t0 = now_ms();
    pid_t pid = spawn(argv, NULL, c->errf);
    assert_true(pid > 0);
    /* poll rather than sleep blindly, to know whether the load ended by itself first */
    int st = 0;
    pid_t done = 0;
    while (done == 0 && now_ms() - t0 < delay) {
      sleep_ms(2);
      done = waitpid(pid, &st, WNOHANG);
    }
    bool finished = done == pid;
    if (!finished) {
      assert_int_equal(kill(pid, SIGKILL), 0);
      while (waitpid(pid, &st, 0) < 0) assert_int_equal(errno, EINTR);
      /* the load may have ended by itself between the last poll and the kill */
      if (WIFEXITED(st)) finished = true;
      else if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
        fail_msg("kill %d: the load died of signal %d, not of our SIGKILL", k,
                 WIFSIGNALED(st) ? WTERMSIG(st) : -1);
    }
    if (finished && (!WIFEXITED(st) || WEXITSTATUS(st) != 0)) {
      char err[4096];
      slurp(c->errf, err, sizeof err);
      fail_msg("kill %d: the load failed on its own (status %#x): %s", k, st, err);
    }
    size_t n = db_count(c);
    printf("kill %d after %6.0f ms: %s, %zu of %zu rows\n", k, now_ms() - t0,
           finished ? "the load had finished" : "killed", n, c->n);
    fflush(stdout);
    if (n < prev) fail_msg("kill %d: %zu rows, fewer than the %zu committed before", k, n, prev);
    if (n > c->n) fail_msg("kill %d: %zu rows, more than the file holds", k, n);
    if (finished && n != c->n) fail_msg("kill %d: a finished load left %zu rows", k, n);
    if (n > 0 && n < c->n) mid++;
    if (n == 0 && mid == 0) scale *= 1.5;
    if (finished && mid == 0 && restarts < 4) {
      /* too fast for the window: start over so that some kill lands mid-load */
      rm_tree(c->db);
      scale *= 0.5;
      restarts++;
      n = 0;
      k = -1;
    }
    prev = n;
  }
  printf("%zu of %d kills landed mid-load\n", mid, c->kills);
  if (mid == 0) fail_msg("no kill landed mid-load (0 < rows < %zu)", c->n);
  c->count_before_final = prev;
  c->killed_ok = true;
}

/* ---- the final load and the check ---- */

typedef enum { F_EXACT, F_TS, F_NUM } field_kind;

static const struct {
  const char *name;
  field_kind kind;
} k_cols[] = {
    {"id", F_EXACT},     {"ts", F_TS},         {"lon", F_NUM},    {"lat", F_NUM},
    {"category", F_EXACT}, {"source", F_EXACT}, {"status", F_EXACT}, {"handle_hours", F_NUM},
};

typedef struct span {
  const char *p;
  size_t n;
} span;

/* Splits the line [p, end) at commas into exactly countof(k_cols) fields; false otherwise.
 * Neither the generator nor these values ever need CSV quoting. */
static bool split_line(const char *p, const char *end, span *f) {
  size_t k = 0;
  for (;;) {
    const char *c = memchr(p, ',', (size_t)(end - p));
    const char *e = c ? c : end;
    if (k == countof(k_cols)) return false;
    f[k++] = (span){p, (size_t)(e - p)};
    if (!c) break;
    p = c + 1;
  }
  return k == countof(k_cols);
}

static bool span_is(span s, const char *p, size_t n) {
  return s.n == n && memcmp(s.p, p, n) == 0;
}

static bool parse_num(span s, double *v) {
  char b[64];
  if (s.n == 0 || s.n >= sizeof b) return false;
  memcpy(b, s.p, s.n);
  b[s.n] = '\0';
  char *end;
  *v = strtod(b, &end);
  return *end == '\0';
}

/* Compares a scanned row with its source line; returns the name of the first differing column
 * or NULL. */
static const char *row_diff(const span *got, const span *src) {
  for (size_t c = 0; c < countof(k_cols); c++) {
    span g = got[c], s = src[c];
    bool same;
    switch (k_cols[c].kind) {
      case F_TS: {
        /* 2024-01-01T00:00:14Z -> 2024-01-01 00:00:14 */
        char b[64];
        same = s.n >= 2 && s.n < sizeof b && s.p[s.n - 1] == 'Z';
        if (same) {
          memcpy(b, s.p, s.n - 1);
          for (size_t i = 0; i < s.n - 1; i++)
            if (b[i] == 'T') b[i] = ' ';
          same = span_is(g, b, s.n - 1);
        }
        break;
      }
      case F_NUM: {
        double a, b;
        same = (g.n == 0 && s.n == 0) || (parse_num(g, &a) && parse_num(s, &b) && a == b);
        break;
      }
      default: same = span_is(g, s.p, s.n);
    }
    if (!same) return k_cols[c].name;
  }
  return NULL;
}

typedef struct mapped {
  const char *p;
  size_t n;
} mapped;

static bool map_whole(const char *path, mapped *m) {
  int fd = open(path, O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0) {
    if (fd >= 0) close(fd);
    return false;
  }
  void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (p == MAP_FAILED) return false;
  m->p = p;
  m->n = (size_t)st.st_size;
  return true;
}

static const char *line_end(const char *p, const char *end) {
  const char *e = memchr(p, '\n', (size_t)(end - p));
  return e ? e : end;
}

static void test_final_load_complete(void **state) {
  crash_ctx *c = *state;
  if (!c->killed_ok) skip();
  /* without --quiet the summary line comes out, and it must account for every row */
  char *argv[] = {(char *)c->gridpulse, "load", c->db, "events", c->csv, "--key", "id", NULL};
  double t0 = now_ms();
  int st = run(argv, NULL, c->errf);
  char err[8192];
  slurp(c->errf, err, sizeof err);
  printf("final load: %.0f ms: %s", now_ms() - t0, err);
  if (st != 0) fail_msg("the final load exited %d", st);
  size_t loaded = 0, rejected = 0, dup = 0;
  size_t plen = strlen(c->csv);
  /* the summary is the line with "rows loaded": a resumed load says where it resumes first */
  const char *line = strstr(err, " rows loaded, ");
  while (line && line > err && line[-1] != '\n') line--;
  if (!line || strncmp(line, c->csv, plen) != 0 || strncmp(line + plen, ": ", 2) != 0 ||
      sscanf(line + plen + 2, "%zu rows loaded, %zu rejected, %zu duplicate keys skipped", &loaded,
             &rejected, &dup) != 3)
    fail_msg("no summary line from the final load: %s", err);
  /* A resumed load starts at the line its last commit recorded: the start of the oldest round
   * whose rows were still held then, so up to a round before the rows committed. The rows before
   * that line are not read; the committed ones after it come back as duplicates. So every
   * committed row is skipped or a duplicate, and every other row is loaded. */
  size_t skipped = 0;
  const char *res = strstr(err, ": resuming at line ");
  unsigned long long rline = 0;
  if (res && sscanf(res, ": resuming at line %llu", &rline) == 1 && rline >= 2)
    skipped = (size_t)rline - 2; /* line 1 is the header */
  printf("final load: resumed after %zu rows, %zu duplicates, %zu loaded\n", skipped, dup, loaded);
  assert_int_equal(rejected, 0);
  assert_int_equal(skipped + dup, c->count_before_final);
  assert_int_equal(loaded, c->n - c->count_before_final);
  assert_int_equal(db_count(c), c->n);

  /* every id once, every row as in the file */
  char scan[PATH_MAX + 16];
  assert_true(path_join(scan, sizeof scan, c->dir, "scan.csv"));
  char *sargv[] = {(char *)c->gridpulse, "scan", c->db, "events", NULL};
  t0 = now_ms();
  st = run(sargv, scan, c->errf);
  if (st != 0) {
    slurp(c->errf, err, sizeof err);
    fail_msg("scan exited %d: %s", st, err);
  }
  printf("full scan: %.0f ms\n", now_ms() - t0);
  mapped src = {0}, got = {0};
  const char **src_line = NULL;
  uint8_t *seen = NULL;
  assert_true(map_whole(c->csv, &src));
  assert_true(map_whole(scan, &got));
  src_line = GP_MALLOC((c->n + 2) * sizeof *src_line);
  seen = GP_CALLOC(c->n / 8 + 1, 1);
  assert_non_null(src_line);
  assert_non_null(seen);

  static const char header[] = "id,ts,lon,lat,category,source,status,handle_hours";
  const char *p = src.p, *end = src.p + src.n;
  const char *e = line_end(p, end);
  assert_true(span_is((span){p, (size_t)(e - p)}, header, sizeof header - 1));
  /* the generator numbers ids 1..N in file order: line k + 1 holds id k */
  size_t k = 0;
  for (p = e + 1; p < end; p = e + 1) {
    e = line_end(p, end);
    k++;
    if (k > c->n) fail_msg("the source has more than %zu rows", c->n);
    char want[32];
    int wl = snprintf(want, sizeof want, "%zu,", k);
    if ((size_t)(e - p) <= (size_t)wl || memcmp(p, want, (size_t)wl) != 0)
      fail_msg("source line %zu does not hold id %zu", k + 1, k);
    src_line[k] = p;
  }
  assert_int_equal(k, c->n);

  p = got.p;
  end = got.p + got.n;
  e = line_end(p, end);
  assert_true(span_is((span){p, (size_t)(e - p)}, header, sizeof header - 1));
  size_t rows = 0, dups = 0, bad = 0, diffs = 0;
  for (p = e + 1; p < end; p = e + 1) {
    e = line_end(p, end);
    rows++;
    span gf[countof(k_cols)], sf[countof(k_cols)];
    char *idend;
    unsigned long long id = strtoull(p, &idend, 10);
    if (!split_line(p, e, gf) || idend != gf[0].p + gf[0].n || id < 1 || id > c->n) {
      if (bad++ < 5) printf("scan row %zu is malformed: %.*s\n", rows, (int)(e - p), p);
      continue;
    }
    if (seen[id >> 3] & (1u << (id & 7))) {
      if (dups++ < 5) printf("id %llu appears twice\n", id);
      continue;
    }
    seen[id >> 3] |= (uint8_t)(1u << (id & 7));
    const char *se = line_end(src_line[id], src.p + src.n);
    assert_true(split_line(src_line[id], se, sf));
    const char *col = row_diff(gf, sf);
    if (col && diffs++ < 5)
      printf("id %llu differs in '%s':\n  scan:   %.*s\n  source: %.*s\n", id, col, (int)(e - p), p,
             (int)(se - src_line[id]), src_line[id]);
  }
  size_t missing = 0;
  for (size_t id = 1; id <= c->n; id++)
    if (!(seen[id >> 3] & (1u << (id & 7))) && missing++ < 5) printf("id %zu is missing\n", id);
  printf("scan: %zu rows, %zu malformed, %zu duplicate ids, %zu missing ids, %zu differing rows\n",
         rows, bad, dups, missing, diffs);
  GP_FREE(src_line);
  GP_FREE(seen);
  munmap((void *)src.p, src.n);
  munmap((void *)got.p, got.n);
  assert_int_equal(bad, 0);
  assert_int_equal(dups, 0);
  assert_int_equal(missing, 0);
  assert_int_equal(diffs, 0);
  assert_int_equal(rows, c->n);
}

int main(int argc, char **argv) {
  crash_ctx c;
  memset(&c, 0, sizeof c);
  c.gridpulse = argc > 1 ? argv[1] : getenv("GP_GRIDPULSE");
  c.citygen = argc > 2 ? argv[2] : getenv("GP_CITYGEN");
  if (!c.gridpulse || !c.citygen) {
    fprintf(stderr, "usage: crash_test GRIDPULSE GP-CITYGEN (or $GP_GRIDPULSE, $GP_CITYGEN)\n");
    return 2;
  }
  c.n = env_size("GP_CRASH_ROWS", 1000000, 1000, 100000000);
  c.kills = (int)env_size("GP_CRASH_KILLS", 8, 1, 1000);
  c.rng = env_size("GP_CRASH_SEED", 20240801, 0, SIZE_MAX);
  /* the kills' stdout lines and cmocka's must interleave in order */
  setvbuf(stdout, NULL, _IOLBF, 0);
  void *st = &c;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_prestate(test_killed_loads, st),
      cmocka_unit_test_prestate(test_final_load_complete, st),
  };
  int failed = -1;
  if (setup_data(&st) == 0) failed = cmocka_run_group_tests_name("crash", tests, NULL, NULL);
  if (c.dir[0]) {
    if (failed == 0) rm_tree(c.dir);
    else fprintf(stderr, "crash_test: kept %s for inspection\n", c.dir);
  }
  return failed == 0 ? 0 : 1;
}
