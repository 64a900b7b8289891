/* repl.c - the interactive shell and the script runner: statements and dot commands in,
 * results out (through output.c), errors with a caret under the spot.
 *
 * The one idea: every input - the terminal, a -f file, a pipe, `-c` text, `.read` - is fed
 * line by line into the same small machine. At a statement boundary a line starting with '.'
 * is a dot command; any other line is appended to the pending statement, which runs once
 * gp_query_is_complete says its last token is ';' (a ';' in a string or comment does not
 * count). Whatever is pending at the end of a non-interactive input runs too, so
 * `gridpulse db -c 'SHOW TABLES'` needs no ';'.
 *
 * Error positions: a statement is executed on its own text, so the executor numbers lines from
 * the statement's first line. For files the message is rewritten to count from the file's
 * first line (statement started on line 40, error on its line 2 -> "line 41"), and the caret
 * is drawn from the statement text, which holds that line.
 *
 * Ctrl-C: while a statement runs the SIGINT handler calls gp_session_cancel (installed with
 * SA_RESTART so the engine's system calls are not disturbed); a second Ctrl-C in the same
 * statement kills the process the default way, for a statement that does not stop. At the
 * prompt the handler is installed without SA_RESTART, so libedit's read() returns EINTR and
 * the line (and any pending statement) is dropped. */
#include "gp_repl.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <histedit.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gp_db.h"

#define READ_DEPTH_MAX 16 /* .read nesting, so a file that reads itself fails cleanly */

typedef struct shell {
  const char *path;   /* the database's directory (borrowed) */
  gp_db *db;          /* owned; NULL until a statement needs a database that did not exist */
  gp_session *sess;   /* owned */
  gp_out_mode mode;
  FILE *out;          /* stdout, or the file of .output (owned when out_owned) */
  bool out_owned;
  bool read_only;     /* --read-only: a read-only instance, never created */
  const gp_repl_exec *remote; /* --server: statements go there instead of to sess */
  bool timer;         /* .timer on */
  bool quit;          /* .quit seen */
  int depth;          /* .read nesting */
  gp_buf pending;     /* the statement being collected, NUL-terminated when not empty */
} shell;

/* The SIGINT handler needs the running session. A handler takes no context and, with OpenMP
 * workers, may run on any thread, so this is the one process-wide variable of the front end,
 * set while a shell runs. */
static struct {
  gp_session *volatile sess;
  const gp_repl_exec *volatile remote;
  volatile sig_atomic_t running;     /* a statement is executing */
  volatile sig_atomic_t interrupted; /* Ctrl-C since the flag was last cleared */
} g_sig;

static void on_sigint(int sig) {
  if (g_sig.running && g_sig.interrupted) {
    /* Second Ctrl-C while the statement still runs: give up the way the user expects. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL);
    raise(sig);
    return;
  }
  g_sig.interrupted = 1;
  if (g_sig.running && g_sig.sess) gp_session_cancel(g_sig.sess);
  if (g_sig.running && g_sig.remote) g_sig.remote->cancel(g_sig.remote->ctx);
}

static void set_sigint(bool restart) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = restart ? SA_RESTART : 0;
  sigaction(SIGINT, &sa, NULL);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- running statements ---- */

/* Prints err as `Error: <message>`, the message's line moved down by line_off (the lines of
 * the input before the statement), then the statement's line with a caret. */
static void report(const char *src, size_t len, uint32_t line_off, const gp_err *err) {
  const char *msg = err->msg[0] ? err->msg : gp_rc_str(err->rc);
  uint32_t line, col;
  bool has_pos = gp_query_err_pos(err, &line, &col);
  const char *rest = has_pos ? strchr(msg, ':') : NULL;
  if (rest && line_off)
    fprintf(stderr, "Error: line %u, column %u%s\n", line + line_off, col, rest);
  else
    fprintf(stderr, "Error: %s\n", msg);
  if (has_pos && src) {
    gp_buf b = {0};
    if (gp_query_caret(src, len, line, col, &b) == GP_OK) fwrite(b.p, 1, b.len, stderr);
    gp_buf_free(&b);
  }
  fflush(stderr);
}

static gp_rc on_result(void *ctx, const gp_result *res, gp_err *err) {
  shell *sh = ctx;
  return gp_result_write(res, sh->mode, sh->out, err);
}

/* Runs src (one or more statements). Returns 0, or 1 after reporting an error. */
static int run_sql(shell *sh, const char *src, size_t len, uint32_t line_off) {
  gp_err err = {0};
  double t0 = now_s();
  g_sig.interrupted = 0;
  set_sigint(true);
  g_sig.running = 1;
  gp_rc rc = sh->remote ? sh->remote->exec(sh->remote->ctx, src, len, on_result, sh, &err)
                        : gp_session_exec(sh->sess, src, len, on_result, sh, &err);
  g_sig.running = 0;
  if (g_sig.interrupted && isatty(STDERR_FILENO)) fputc('\n', stderr); /* after the ^C echo */
  if (sh->timer) fprintf(stderr, "Run Time: %.3f s\n", now_s() - t0);
  if (rc == GP_OK) return 0;
  if (rc == GP_CANCELLED && !err.msg[0]) gp_err_set(&err, rc, "statement cancelled");
  report(src, len, line_off, &err);
  return 1;
}

/* Runs a statement built from a template and a name; the name is double-quoted so that any
 * table name (even a reserved word) works. */
static int run_on_name(shell *sh, const char *verb, const char *name) {
  gp_buf b = {0};
  int rc = 1;
  bool ok = gp_buf_put(&b, verb, strlen(verb)) == GP_OK && gp_buf_put_u8(&b, '"') == GP_OK;
  for (const char *p = name; ok && *p; p++)
    ok = gp_buf_put(&b, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1) == GP_OK; /* "" is " */
  ok = ok && gp_buf_put(&b, "\";", 2) == GP_OK;
  if (ok) rc = run_sql(sh, (const char *)b.p, b.len, 0);
  else fprintf(stderr, "Error: out of memory\n");
  gp_buf_free(&b);
  return rc;
}

/* ---- dot commands ---- */

static const char *const dot_names[] = {".exit", ".help", ".mode", ".output", ".quit",
                                        ".read", ".schema", ".tables", ".timer"};

static const char help_text[] =
    "Statements end with ';' and may span lines. Dot commands:\n"
    "  .help                 this text\n"
    "  .tables               list the tables (SHOW TABLES)\n"
    "  .schema [TABLE]       columns of TABLE, or of every table (DESCRIBE)\n"
    "  .mode table|csv|json|ndjson|geojson   how results are written (geojson: cells,\n"
    "                        regions or lon/lat as a FeatureCollection for QGIS)\n"
    "  .timer on|off         print the run time of each statement\n"
    "  .read FILE            run the statements of FILE\n"
    "  .output [FILE]        write results to FILE; alone, back to the screen\n"
    "  .quit, .exit          leave\n"
    "Ctrl-C cancels a running statement (twice: quit); at the prompt it clears the line.\n";

static int run_stream(shell *sh, FILE *in, bool bail);

/* Splits a dot command line into at most 3 words (a word may be quoted with ' or "). */
static int split_words(char *s, char *w[3]) {
  int n = 0;
  while (*s && n < 3) {
    while (isspace((unsigned char)*s)) s++;
    if (!*s) break;
    if (*s == '\'' || *s == '"') {
      char q = *s++;
      w[n++] = s;
      while (*s && *s != q) s++;
    } else {
      w[n++] = s;
      while (*s && !isspace((unsigned char)*s)) s++;
    }
    if (*s) *s++ = '\0';
  }
  return n;
}

/* Runs the dot command in line (no line break). Returns 0, or 1 after reporting an error. */
static int run_dot(shell *sh, const char *line) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", line);
  char *w[3] = {NULL, NULL, NULL};
  int n = split_words(buf, w);
  const char *cmd = w[0], *arg = n > 1 ? w[1] : NULL;
  if (n > 2) {
    fprintf(stderr, "Error: %s takes at most one argument\n", cmd);
    return 1;
  }
  if (strcmp(cmd, ".quit") == 0 || strcmp(cmd, ".exit") == 0) {
    sh->quit = true;
    return 0;
  }
  if (strcmp(cmd, ".help") == 0) {
    fputs(help_text, stdout);
    fflush(stdout);
    return 0;
  }
  if (strcmp(cmd, ".tables") == 0) return run_sql(sh, "SHOW TABLES;", 12, 0);
  if (strcmp(cmd, ".schema") == 0) {
    if (arg) return run_on_name(sh, "DESCRIBE ", arg);
    if (!sh->db) return run_sql(sh, "SHOW TABLES;", 12, 0); /* the error of a missing db */
    int rc = 0;
    for (size_t i = 0; i < gp_db_ntables(sh->db) && !rc; i++) {
      const gp_table *t = gp_db_table_at(sh->db, i);
      if (sh->mode == GP_OUT_TABLE) fprintf(sh->out, "%s%s:\n", i ? "\n" : "", t->name);
      rc = run_on_name(sh, "DESCRIBE ", t->name);
    }
    return rc;
  }
  if (strcmp(cmd, ".timer") == 0) {
    if (arg && (strcasecmp(arg, "on") == 0 || strcasecmp(arg, "off") == 0)) {
      sh->timer = strcasecmp(arg, "on") == 0;
      return 0;
    }
    fprintf(stderr, "Error: usage: .timer on|off\n");
    return 1;
  }
  if (strcmp(cmd, ".mode") == 0) {
    static const char *const names[] = {"table", "csv", "json", "ndjson", "geojson"};
    if (!arg) {
      fprintf(stdout, "%s\n", names[sh->mode]);
      return 0;
    }
    if (gp_out_mode_parse(arg, &sh->mode)) return 0;
    fprintf(stderr, "Error: unknown mode \"%s\" (table, csv, json, ndjson, geojson)\n", arg);
    return 1;
  }
  if (strcmp(cmd, ".output") == 0) {
    FILE *f = stdout;
    if (arg && !(f = fopen(arg, "w"))) {
      fprintf(stderr, "Error: cannot open %s: %s\n", arg, strerror(errno));
      return 1;
    }
    if (sh->out_owned) fclose(sh->out);
    sh->out = f;
    sh->out_owned = f != stdout;
    return 0;
  }
  if (strcmp(cmd, ".read") == 0) {
    if (!arg) {
      fprintf(stderr, "Error: usage: .read FILE\n");
      return 1;
    }
    if (sh->depth >= READ_DEPTH_MAX) {
      fprintf(stderr, "Error: .read nested more than %d deep\n", READ_DEPTH_MAX);
      return 1;
    }
    FILE *f = fopen(arg, "r");
    if (!f) {
      fprintf(stderr, "Error: cannot open %s: %s\n", arg, strerror(errno));
      return 1;
    }
    /* The file gets its own pending statement; the caller's is empty (we are at a boundary). */
    sh->depth++;
    int rc = run_stream(sh, f, true);
    sh->depth--;
    fclose(f);
    return rc;
  }
  fprintf(stderr, "Error: unknown command %s (.help lists them)\n", cmd);
  return 1;
}

/* ---- the line machine ---- */

static bool blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isspace((unsigned char)s[i])) return false;
  return true;
}

/* Feeds one input line (its line break optional). *start is the input line number where the
 * pending statement began; lineno the number of this line. Returns 0, or 1 after an error. */
static int feed(shell *sh, const char *line, size_t n, uint32_t lineno, uint32_t *start,
                bool *ran) {
  *ran = false;
  while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
  if (sh->pending.len == 0) {
    if (blank(line, n)) return 0;
    size_t i = 0;
    while (i < n && isspace((unsigned char)line[i])) i++;
    if (line[i] == '.') {
      char cmd[4096];
      snprintf(cmd, sizeof cmd, "%.*s", (int)(n - i), line + i);
      *ran = true;
      return run_dot(sh, cmd);
    }
    *start = lineno;
  }
  if (gp_buf_put(&sh->pending, line, n) || gp_buf_put(&sh->pending, "\n", 2)) {
    fprintf(stderr, "Error: out of memory for the statement\n");
    sh->pending.len = 0;
    return 1;
  }
  sh->pending.len--; /* keep the NUL out of the text but in the buffer */
  if (!gp_query_is_complete((const char *)sh->pending.p, sh->pending.len)) return 0;
  *ran = true;
  int rc = run_sql(sh, (const char *)sh->pending.p, sh->pending.len, *start - 1);
  sh->pending.len = 0;
  return rc;
}

/* Runs what is left pending at the end of an input. */
static int flush_pending(shell *sh, uint32_t start) {
  int rc = 0;
  if (sh->pending.len && !blank((const char *)sh->pending.p, sh->pending.len))
    rc = run_sql(sh, (const char *)sh->pending.p, sh->pending.len, start - 1);
  sh->pending.len = 0;
  return rc;
}

/* Runs a whole non-interactive input; with bail, stops at the first error. */
static int run_stream(shell *sh, FILE *in, bool bail) {
  gp_buf saved = sh->pending; /* a .read runs between statements of its caller */
  memset(&sh->pending, 0, sizeof sh->pending);
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  uint32_t lineno = 0, start = 1;
  int status = 0;
  bool ran;
  while (!sh->quit && (n = getline(&line, &cap, in)) >= 0) {
    lineno++;
    if (feed(sh, line, (size_t)n, lineno, &start, &ran)) {
      status = 1;
      if (bail) break;
    }
    if (g_sig.interrupted && !g_sig.running) break;
  }
  if (!sh->quit && !(status && bail) && flush_pending(sh, start)) status = 1;
  free(line); /* getline's buffer comes from malloc */
  gp_buf_free(&sh->pending);
  sh->pending = saved;
  return status;
}

/* The session's gp_session_open_fn: the database opened by shell_open, else (it did not exist
 * then) opened now, created only when the statement may create it. */
static gp_rc shell_db(void *ctx, bool create, gp_db **db, gp_err *err) {
  shell *sh = ctx;
  if (!sh->db) {
    gp_db_opts o = {.path = sh->path, .read_only = sh->read_only};
    gp_rc rc = (create && !sh->read_only ? gp_db_open : gp_db_open_existing)(&o, &sh->db, err);
    if (rc) return rc;
  }
  *db = sh->db;
  return GP_OK;
}

/* Opens the database at path when it exists, else leaves it to the first statement that needs
 * it, so that reading never creates one. */
static int shell_open(shell *sh, const char *path, const gp_repl_opts *o) {
  memset(sh, 0, sizeof *sh);
  sh->path = path;
  sh->mode = o->mode;
  sh->read_only = o->read_only;
  sh->out = stdout;
  sh->remote = o->remote;
  g_sig.remote = o->remote;
  g_sig.running = 0;
  g_sig.interrupted = 0;
  if (sh->remote) return 0; /* no local database, no session */
  gp_err err = {0};
  gp_rc rc = shell_db(sh, false, &sh->db, &err);
  if (rc == GP_NOTFOUND) rc = GP_OK; /* not yet */
  if (rc || gp_session_new_lazy(shell_db, sh, &sh->sess, &err)) {
    fprintf(stderr, "Error: %s\n", err.msg[0] ? err.msg : gp_rc_str(err.rc));
    return 1;
  }
  g_sig.sess = sh->sess;
  g_sig.running = 0;
  g_sig.interrupted = 0;
  return 0;
}

static void shell_close(shell *sh) {
  g_sig.sess = NULL;
  g_sig.remote = NULL;
  if (sh->out_owned) fclose(sh->out);
  fflush(stdout);
  gp_buf_free(&sh->pending);
  gp_session_free(sh->sess);
  gp_db_close(sh->db);
}

int gp_repl_script(const char *dbpath, const char *sql, FILE *in, const char *name,
                   const gp_repl_opts *m) {
  (void)name;
  shell sh;
  struct sigaction old;
  sigaction(SIGINT, NULL, &old);
  int status = shell_open(&sh, dbpath, m);
  if (status == 0) {
    if (sql) {
      FILE *f = fmemopen((void *)sql, strlen(sql), "r");
      if (!f) {
        /* fmemopen refuses empty buffers on some libcs: nothing to run then. */
        status = *sql ? 1 : 0;
        if (status) fprintf(stderr, "Error: cannot read the -c text\n");
      } else {
        status = run_stream(&sh, f, true);
        fclose(f);
      }
    } else {
      status = run_stream(&sh, in, true);
    }
  }
  shell_close(&sh);
  sigaction(SIGINT, &old, NULL);
  return status;
}

/* ---- interactive ---- */

static char *prompt(EditLine *el) {
  shell *sh = NULL;
  el_get(el, EL_CLIENTDATA, &sh);
  return (char *)(sh && sh->pending.len ? "   ...> " : "gridpulse> ");
}

/* Candidates for completion: dot commands at the start of a statement, the modes after .mode,
 * file names after the dot commands that take a path, else keywords and the session's table
 * and column names (case-insensitive on the prefix). File names are matched with case and
 * owned by the list (dirent names do not outlive readdir); other candidates are borrowed. */
typedef struct cands {
  const char **v;
  size_t n, cap;
  bool owned; /* v[i] were allocated here: free them with the list */
  bool exact; /* compare with case (file names) */
} cands;

/* Adds s when it starts with prefix. Returns false when out of memory (s not added, and freed
 * when the list owns its strings). */
static bool cand_add(cands *c, const char *s, const char *prefix, size_t plen) {
  bool match = c->exact ? strncmp(s, prefix, plen) == 0 : strncasecmp(s, prefix, plen) == 0;
  bool dup = false;
  for (size_t i = 0; match && !dup && i < c->n; i++) dup = strcmp(c->v[i], s) == 0;
  if (!match || dup) goto drop;
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 32;
    const char **p = GP_REALLOC(c->v, cap * sizeof *p);
    if (!p) {
      if (c->owned) GP_FREE((char *)s);
      return false;
    }
    c->v = p;
    c->cap = cap;
  }
  c->v[c->n++] = s;
  return true;
drop:
  if (c->owned) GP_FREE((char *)s);
  return true;
}

static void cands_free(cands *c) {
  if (c->owned)
    for (size_t i = 0; i < c->n; i++) GP_FREE((char *)c->v[i]);
  GP_FREE(c->v);
}

static int cand_cmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* True when line (at a statement boundary) is a dot command whose argument is a file path. */
static bool dot_takes_path(const char *line) {
  while (isspace((unsigned char)*line)) line++;
  static const char *const cmds[] = {".read", ".output"};
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
    size_t k = strlen(cmds[i]);
    if (strncmp(line, cmds[i], k) == 0 && isspace((unsigned char)line[k])) return true;
  }
  return false;
}

/* The entries of the directory part of path (up to its last '/', else the working directory;
 * a leading "~/" is $HOME) whose names start with the rest, as candidates for the whole word:
 * the directory part as typed, the name, and '/' after a directory. Hidden entries only when
 * the name typed starts with '.', as shells do. */
static void path_cands(cands *c, const char *path, size_t plen) {
  const char *slash = NULL;
  for (size_t i = 0; i < plen; i++)
    if (path[i] == '/') slash = path + i;
  size_t dlen = slash ? (size_t)(slash - path) + 1 : 0; /* directory part, '/' included */
  const char *base = path + dlen;
  size_t blen = plen - dlen;
  char dir[4096];
  const char *home = getenv("HOME");
  int w;
  if (dlen == 0) w = snprintf(dir, sizeof dir, ".");
  else if (dlen >= 2 && path[0] == '~' && path[1] == '/' && home)
    w = snprintf(dir, sizeof dir, "%s/%.*s", home, (int)(dlen - 2), path + 2);
  else w = snprintf(dir, sizeof dir, "%.*s", (int)dlen, path);
  if (w < 0 || (size_t)w >= sizeof dir) return;
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    const char *nm = de->d_name;
    if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0) continue;
    if (nm[0] == '.' && (blen == 0 || base[0] != '.')) continue;
    if (strncmp(nm, base, blen) != 0) continue;
    char full[4096 + 256 + 2];
    struct stat st;
    snprintf(full, sizeof full, "%s/%s", dir, nm);
    bool is_dir = stat(full, &st) == 0 && S_ISDIR(st.st_mode);
    size_t n = dlen + strlen(nm) + 2;
    char *s = GP_MALLOC(n);
    if (!s) break;
    snprintf(s, n, "%.*s%s%s", (int)dlen, path, nm, is_dir ? "/" : "");
    if (!cand_add(c, s, path, plen)) break;
  }
  closedir(d);
  qsort(c->v, c->n, sizeof *c->v, cand_cmp);
}

static unsigned char complete(EditLine *el, int ch) {
  (void)ch;
  shell *sh = NULL;
  el_get(el, EL_CLIENTDATA, &sh);
  const LineInfo *li = el_line(el);
  bool boundary = sh->pending.len == 0;
  bool path = boundary && dot_takes_path(li->buffer);
  const char *w = li->cursor;
  /* The word being completed: a path runs back to a blank or a quote; a name is letters,
   * digits, '_', '.' and any byte of a UTF-8 sequence (identifiers may be Chinese). */
  if (path)
    while (w > li->buffer && !isspace((unsigned char)w[-1]) && w[-1] != '\'' && w[-1] != '"')
      w--;
  else
    while (w > li->buffer && (isalnum((unsigned char)w[-1]) || w[-1] == '_' || w[-1] == '.' ||
                              (unsigned char)w[-1] >= 0x80))
      w--;
  size_t plen = (size_t)(li->cursor - w);
  char prefix[4096];
  if (plen >= sizeof prefix) return CC_ERROR;
  memcpy(prefix, w, plen);
  prefix[plen] = '\0';
  bool at_start = boundary && blank(li->buffer, (size_t)(w - li->buffer));
  cands c = {0};
  bool keyword_case = false;
  if (path) {
    c.owned = c.exact = true;
    path_cands(&c, prefix, plen);
  } else if (at_start && prefix[0] == '.') {
    for (size_t i = 0; i < sizeof dot_names / sizeof dot_names[0]; i++)
      cand_add(&c, dot_names[i], prefix, plen);
  } else if (boundary && strncmp(li->buffer, ".mode ", 6) == 0) {
    static const char *const modes[] = {"table", "csv", "json", "ndjson", "geojson"};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) cand_add(&c, modes[i], prefix, plen);
  } else if (boundary && strncmp(li->buffer, ".timer ", 7) == 0) {
    cand_add(&c, "on", prefix, plen);
    cand_add(&c, "off", prefix, plen);
  } else if (boundary && li->buffer[0] == '.') {
    /* other dot commands take a table name (.schema) or nothing: names only, no keywords */
    for (size_t i = 0; plen > 0 && sh->sess; i++) {
      const char *s = gp_session_name_at(sh->sess, i);
      if (!s) break;
      cand_add(&c, s, prefix, plen);
    }
  } else if (plen > 0 && strchr(prefix, '.') == NULL) {
    for (size_t i = 0; sh->sess; i++) {
      const char *s = gp_session_name_at(sh->sess, i);
      if (!s) break;
      cand_add(&c, s, prefix, plen);
    }
    gp_query_func_info f; /* function names, from the registry SHOW FUNCTIONS lists */
    for (size_t i = 0; gp_query_func(i, &f); i++) cand_add(&c, f.name, prefix, plen);
    size_t names = c.n;
    for (int k = 1; k < GP_KW_COUNT_; k++)
      cand_add(&c, gp_query_kw_name((gp_query_kw)k), prefix, plen);
    keyword_case = c.n > names;
  }
  unsigned char rc = CC_ERROR;
  if (c.n == 0) goto done;
  /* Longest common prefix of all candidates, compared without case but for file names. */
  size_t lcp = strlen(c.v[0]);
  for (size_t i = 1; i < c.n; i++) {
    size_t k = 0;
    while (k < lcp && c.v[i][k] &&
           (c.exact ? c.v[i][k] == c.v[0][k]
                    : tolower((unsigned char)c.v[i][k]) == tolower((unsigned char)c.v[0][k])))
      k++;
    lcp = k;
  }
  /* Never end the insertion inside a UTF-8 sequence (candidates may differ in its later bytes) */
  while (lcp > plen && lcp < strlen(c.v[0]) && ((unsigned char)c.v[0][lcp] & 0xC0) == 0x80) lcp--;
  if (lcp > plen || c.n == 1) {
    /* Keywords follow the case the user typed: `sel` -> `select`, `SEL` -> `SELECT`. */
    bool lower = plen > 0 && islower((unsigned char)prefix[0]);
    char ins[4096];
    size_t k = 0;
    for (size_t i = plen; i < lcp && k + 2 < sizeof ins; i++) {
      char x = c.v[0][i];
      ins[k++] = keyword_case && lower ? (char)tolower((unsigned char)x) : x;
    }
    /* A finished word gets its blank; a directory stays open for the next name. */
    if (c.n == 1 && !(lcp > 0 && c.v[0][lcp - 1] == '/')) ins[k++] = ' ';
    ins[k] = '\0';
    rc = k == 0 || el_insertstr(el, ins) == 0 ? CC_REFRESH : CC_ERROR;
    goto done;
  }
  /* Several ways on: list them under the line (file names without their directory), then
   * redraw it. */
  fputc('\n', stdout);
  for (size_t i = 0; i < c.n; i++) {
    const char *s = c.v[i];
    if (c.exact) {
      const char *b = s + strlen(s);
      if (b > s && b[-1] == '/') b--;
      while (b > s && b[-1] != '/') b--;
      s = b;
    }
    fprintf(stdout, "%s%s", i ? "  " : "", s);
  }
  fputc('\n', stdout);
  fflush(stdout);
  rc = CC_REDISPLAY;
done:
  cands_free(&c);
  return rc;
}

/* History file: $GRIDPULSE_HISTORY, else ~/.gridpulse_history; NULL without a home. */
static const char *history_path(char *buf, size_t cap) {
  const char *e = getenv("GRIDPULSE_HISTORY");
  if (e && *e) return e;
  const char *home = getenv("HOME");
  if (!home || !*home) return NULL;
  snprintf(buf, cap, "%s/.gridpulse_history", home);
  return buf;
}

/* libedit decodes what the terminal sends with the C library's multibyte functions, and a
 * program starts in the "C" locale, whose charset is ASCII: every other byte typed was dropped,
 * so `SELECT '工单'` reached the parser as `SELECT ''`. Take the environment's LC_CTYPE when its
 * charset is UTF-8, else C.UTF-8 (built into glibc; CI may run with no LANG at all), since
 * gridpulse's text is UTF-8 whatever the locale says. LC_CTYPE only: LC_NUMERIC would change
 * how printf writes numbers. Copies the previous LC_CTYPE into old for the caller to restore. */
static void utf8_ctype(char *old, size_t cap) {
  const char *cur = setlocale(LC_CTYPE, NULL);
  snprintf(old, cap, "%s", cur ? cur : "C");
  if (setlocale(LC_CTYPE, "") && strcmp(nl_langinfo(CODESET), "UTF-8") == 0) return;
  if (!setlocale(LC_CTYPE, "C.UTF-8")) setlocale(LC_CTYPE, "C.utf8");
}

int gp_repl_run(const char *dbpath, const gp_repl_opts *m) {
  if (!isatty(STDIN_FILENO)) {
    /* Piped input: run it all, going on after errors like a session does. */
    shell sh;
    int status = shell_open(&sh, dbpath, m);
    if (status == 0) status = run_stream(&sh, stdin, false);
    shell_close(&sh);
    return status;
  }
  shell sh;
  if (shell_open(&sh, dbpath, m)) {
    shell_close(&sh);
    return 1;
  }
  struct sigaction old;
  sigaction(SIGINT, NULL, &old);
  char hbuf[4096], ctype[256];
  const char *hpath = history_path(hbuf, sizeof hbuf);
  utf8_ctype(ctype, sizeof ctype);
  HistEvent ev;
  History *hist = history_init();
  EditLine *el = el_init("gridpulse", stdin, stdout, stderr);
  int status = 0;
  if (!hist || !el) {
    fprintf(stderr, "Error: cannot start the line editor\n");
    status = 1;
    goto cleanup;
  }
  history(hist, &ev, H_SETSIZE, 1000);
  history(hist, &ev, H_SETUNIQUE, 1);
  if (hpath) history(hist, &ev, H_LOAD, hpath);
  el_set(el, EL_CLIENTDATA, &sh);
  el_set(el, EL_EDITOR, "emacs");
  el_set(el, EL_HIST, history, hist);
  el_set(el, EL_PROMPT, prompt);
  el_set(el, EL_ADDFN, "gp-complete", "complete a keyword, name or dot command", complete);
  el_set(el, EL_BIND, "^I", "gp-complete", NULL);
  el_source(el, NULL); /* ~/.editrc, as every libedit program */
  printf("gridpulse: %s%s (\".help\" for help, \".quit\" to leave)\n",
         sh.remote ? sh.remote->label : dbpath,
         sh.db || sh.remote ? "" : ", a new database: made by the first statement that writes");
  fflush(stdout);
  uint32_t start = 1;
  while (!sh.quit) {
    g_sig.interrupted = 0;
    set_sigint(false);
    int count = 0;
    const char *line = el_gets(el, &count);
    if (!line || g_sig.interrupted) {
      if (g_sig.interrupted || (count < 0 && errno == EINTR)) {
        /* Ctrl-C at the prompt: drop the line and the statement being collected. */
        fputc('\n', stdout);
        fflush(stdout);
        sh.pending.len = 0;
        el_reset(el);
        continue;
      }
      fputc('\n', stdout); /* Ctrl-D: leave on a fresh line */
      break;
    }
    size_t n = (size_t)count;
    bool was_blank_start = sh.pending.len == 0 && blank(line, n);
    size_t before = sh.pending.len;
    bool ran;
    /* History takes the whole statement on one line, so Up brings it back in one piece. */
    gp_buf entry = {0};
    if (!was_blank_start) {
      if (before) gp_buf_put(&entry, sh.pending.p, before);
      gp_buf_put(&entry, line, n);
    }
    feed(&sh, line, n, 1, &start, &ran);
    if (ran && entry.len) {
      /* Each line break and the indentation after it become one blank. */
      size_t k = 0;
      for (size_t i = 0; i < entry.len; i++) {
        uint8_t ch = entry.p[i];
        if (ch == '\n' || ch == '\r') {
          while (i + 1 < entry.len && isspace(entry.p[i + 1])) i++;
          ch = ' ';
        }
        entry.p[k++] = ch;
      }
      entry.len = k;
      while (entry.len && entry.p[entry.len - 1] == ' ') entry.len--;
      if (gp_buf_put_u8(&entry, 0) == GP_OK) {
        history(hist, &ev, H_ENTER, (const char *)entry.p);
        if (hpath) history(hist, &ev, H_SAVE, hpath);
      }
    }
    gp_buf_free(&entry);
  }
cleanup:
  if (el) el_end(el);
  if (hist) history_end(hist);
  shell_close(&sh);
  sigaction(SIGINT, &old, NULL);
  setlocale(LC_CTYPE, ctype);
  return status;
}
