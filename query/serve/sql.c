/* sql.c - POST /v1/sql: a script of statements on its own session, its results streamed.
 *
 * A statement's result is materialised by the executor (gp_result: whole columns, handed to a
 * callback that must be done with it before the next statement runs), so what can be streamed
 * is its text: a worker thread runs the script and writes each result, as it comes, into a
 * pipe; the connection's thread reads the pipe and sends it. The pipe's 64 KiB are the only
 * text in flight, and a slow client blocks the writer instead of filling memory. Streaming the
 * rows themselves would take a result API that hands out row batches (an iterator over the
 * executor's last operator instead of gp_result); the output writers already work row by row.
 *
 * The status line must be sent before the body, yet a script's error may come late. The
 * connection's thread therefore reads the first 256 KiB itself: a script that fails within
 * them gets a clean error answer (400 with the position, 503 at the timeout...); past them the
 * answer is 200 and streamed, and a later error ends it as each format can say: JSON with an
 * "error" member after the results, NDJSON with a last {"error": ...} line, CSV by breaking
 * the chunked transfer (curl reports it), as ClickHouse and Prometheus do.
 *
 * Timeouts: every read of the pipe waits at most until the request's deadline; past it the
 * session is cancelled (gp_session_cancel) and the statement fails with GP_CANCELLED.
 * Files: statements that read server files (COPY ... FROM, CREATE REGIONS ... FROM) are
 * refused unless the file's real path lies under --allow-files (PostgreSQL's
 * pg_read_server_files), before anything opens it, so no line of a file the client may not
 * read can come back in an error. */
#include "serve_int.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { PREFIX_MAX = 256 << 10 };

typedef enum fmt { FMT_JSON, FMT_CSV, FMT_NDJSON, FMT_GEOJSON } fmt;

/* One running script, shared by the worker and the connection (refcounted). */
typedef struct job {
  gp_serve *srv;
  char *sql; /* owned copy of the body */
  size_t len;
  bool writes; /* some statement writes: the db lock is taken alone */
  fmt f;
  int rfd;            /* read end: the connection's */
  int cfd;            /* the client's socket, watched for its closing; -1 once not */
  FILE *out;          /* write end: the worker's */
  double deadline;    /* monotonic seconds */
  double limit;       /* the timeout it came from, for the message */
  pthread_mutex_t mu; /* guards sess, cancelled, done, rc, err, refs */
  gp_session *sess;
  bool cancelled, timed_out, done;
  int nresults;
  gp_rc rc;
  gp_err err;
  int refs;
  char *prefix; /* what the connection read before answering */
  size_t plen, poff;
} job;

static void job_release(job *j) {
  pthread_mutex_lock(&j->mu);
  int left = --j->refs;
  pthread_mutex_unlock(&j->mu);
  if (left) return;
  if (j->rfd >= 0) close(j->rfd);
  pthread_mutex_destroy(&j->mu);
  GP_FREE(j->prefix);
  GP_FREE(j->sql);
  GP_FREE(j);
}

static void job_cancel(job *j, bool timeout) {
  pthread_mutex_lock(&j->mu);
  if (!j->done) {
    j->cancelled = true;
    if (timeout) j->timed_out = true;
    if (j->sess) gp_session_cancel(j->sess);
  }
  pthread_mutex_unlock(&j->mu);
}

/* ---- what a script does: writes, and which server files it reads ---- */

/* True when stmt only reads (or sets a session setting). */
static bool reads_only(const gp_ast *st) {
  switch (st->kind) {
    case GP_AST_SELECT:
    case GP_AST_SHOW:
    case GP_AST_DESCRIBE:
    case GP_AST_SET:
    case GP_AST_FORECAST:
      return true;
    case GP_AST_EXPLAIN:
      return reads_only(st->explain.stmt);
    default:
      return false;
  }
}

/* Refuses a statement that reads a server file outside --allow-files: sets err at the path's
 * position. The path is resolved as the executor will (relative to the server's directory),
 * symbolic links followed; a path that does not resolve is refused alike, so the answer does
 * not tell which files exist. */
static gp_rc check_file(gp_serve *srv, const gp_ast *path, const char *what, gp_err *err) {
  if (!path || path->kind != GP_AST_STRING) return GP_OK;
  char real[PATH_MAX];
  size_t n = strlen(srv->allow_real);
  bool ok = n > 0 && realpath(path->str.s, real) && strncmp(real, srv->allow_real, n) == 0 &&
            (real[n] == '/' || real[n] == '\0' || srv->allow_real[n - 1] == '/');
  if (ok) return GP_OK;
  return gp_query_err_at(err, GP_UNSUPPORTED, path->pos,
                         "%s reads server files only under the directory the server allows "
                         "(--allow-files%s%s); this path is not under it",
                         what, n ? " " : ", not set", n ? srv->allow_real : "");
}

/* Parses the script once to classify it: *writes when a statement writes; refuses files. */
static gp_rc classify(gp_serve *srv, const char *src, size_t len, bool *writes, gp_err *err) {
  gp_query_arena *a = NULL;
  gp_ast *script = NULL;
  gp_rc rc = gp_query_arena_new(&a, err);
  if (rc == GP_OK) rc = gp_query_parse(a, src, len, &script, err);
  *writes = false;
  for (uint32_t i = 0; rc == GP_OK && i < script->script.stmts.n; i++) {
    const gp_ast *st = script->script.stmts.v[i];
    if (!reads_only(st)) *writes = true;
    if (st->kind == GP_AST_COPY)
      rc = check_file(srv, st->copy.path, "COPY", err);
    else if (st->kind == GP_AST_CREATE_REGIONS)
      rc = check_file(srv, st->create_regions.path, "CREATE REGIONS", err);
  }
  gp_query_arena_free(a);
  return rc;
}

/* ---- the worker ---- */

static gp_rc on_result(void *ctx, const gp_result *res, gp_err *err) {
  job *j = ctx;
  if (gp_result_rows(res) > j->srv->o.max_result_rows)
    return gp_err_set(err, GP_INVALID,
                      "the result has %zu rows, more than the server sends (--max-result-rows "
                      "%zu): aggregate it or add a LIMIT",
                      gp_result_rows(res), j->srv->o.max_result_rows);
  gp_rc rc;
  if (j->f == FMT_JSON) {
    if (j->nresults) fputs(",\n", j->out);
    rc = gp_result_write_typed(res, j->out, err);
  } else {
    gp_out_mode m = j->f == FMT_CSV      ? GP_OUT_CSV
                    : j->f == FMT_NDJSON ? GP_OUT_NDJSON
                                         : GP_OUT_GEOJSON;
    rc = gp_result_write(res, m, j->out, err);
  }
  j->nresults++;
  return rc;
}

/* Runs a setting on the session before the script (threads, memory_limit). */
static gp_rc setting(gp_session *s, const char *sql, gp_err *err) {
  return gp_session_exec(s, sql, strlen(sql), NULL, NULL, err);
}

static void *worker(void *arg) {
  job *j = arg;
  gp_serve *srv = j->srv;
  gp_session *s = NULL;
  gp_err err = {0};
  if (j->writes)
    pthread_rwlock_wrlock(&srv->dblock);
  else
    pthread_rwlock_rdlock(&srv->dblock);
  atomic_fetch_add(&srv->running, 1);
  gp_rc rc = gp_session_new(srv->db, &s, &err);
  if (rc == GP_OK) {
    pthread_mutex_lock(&j->mu);
    j->sess = s;
    if (j->cancelled) gp_session_cancel(s);
    pthread_mutex_unlock(&j->mu);
    char set[96];
    snprintf(set, sizeof set, "SET threads = %d", gp_serve__threads(srv));
    rc = setting(s, set, &err);
    if (rc == GP_OK && srv->o.memory_limit) {
      snprintf(set, sizeof set, "SET memory_limit = '%s'", srv->o.memory_limit);
      rc = setting(s, set, &err);
    }
  }
  if (rc == GP_OK) {
    if (j->f == FMT_JSON) fputs("{\"results\":[", j->out);
    rc = gp_session_exec(s, j->sql, j->len, on_result, j, &err);
    if (j->f == FMT_JSON) {
      fputs("]", j->out);
      if (rc) {
        fputs(",\"error\":", j->out);
        gp_result_write_json_string(err.msg, strlen(err.msg), j->out);
      }
      fputs("}\n", j->out);
    } else if (rc && j->f == FMT_NDJSON) {
      fputs("{\"error\":", j->out);
      gp_result_write_json_string(err.msg, strlen(err.msg), j->out);
      fputs("}\n", j->out);
    }
  }
  atomic_fetch_sub(&srv->running, 1);
  pthread_rwlock_unlock(&srv->dblock);
  pthread_mutex_lock(&j->mu);
  j->sess = NULL;
  j->done = true;
  j->rc = rc;
  j->err = err;
  pthread_mutex_unlock(&j->mu);
  gp_session_free(s);
  fclose(j->out); /* EOF for the reader, after done is set */
  job_release(j);
  return NULL;
}

/* Reads up to n bytes of the pipe, waiting at most until the deadline; past it cancels the
 * script once and waits for its end. Returns bytes read, 0 at EOF, -1 on error. */
static ssize_t job_read(job *j, char *buf, size_t n) {
  for (;;) {
    double left = j->deadline - gp_serve__now();
    int ms = j->timed_out ? 1000 : left <= 0 ? 0 : left > 1e6 ? 1000000000 : (int)(left * 1e3) + 1;
    struct pollfd p[2] = {{j->rfd, POLLIN, 0}, {j->cfd, POLLIN, 0}};
    int k = poll(p, j->cfd >= 0 ? 2 : 1, ms);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) return -1;
    if (j->cfd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      /* The client sent more (a pipelined request: leave it to MHD) or left: then its
       * statement is cancelled, as Ctrl-C in `gridpulse --server` means. */
      char c;
      ssize_t got = recv(j->cfd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
      bool gone = got == 0 || (p[1].revents & (POLLHUP | POLLERR)) ||
                  (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
      if (got < 0 && !gone) continue; /* nothing after all */
      if (gone) job_cancel(j, false);
      j->cfd = -1;
      if (!(p[0].revents & POLLIN)) continue;
    }
    if (k == 0) {
      if (!j->timed_out) {
        job_cancel(j, true);
        pthread_mutex_lock(&j->srv->m.mu);
        j->srv->m.timeouts++;
        pthread_mutex_unlock(&j->srv->m.mu);
      }
      continue;
    }
    ssize_t got = read(j->rfd, buf, n);
    if (got < 0 && errno == EINTR) continue;
    return got;
  }
}

static ssize_t stream_cb(void *cls, uint64_t pos, char *buf, size_t max) {
  (void)pos;
  job *j = cls;
  if (j->poff < j->plen) {
    size_t n = j->plen - j->poff < max ? j->plen - j->poff : max;
    memcpy(buf, j->prefix + j->poff, n);
    j->poff += n;
    return (ssize_t)n;
  }
  ssize_t got = job_read(j, buf, max);
  if (got > 0) return got;
  pthread_mutex_lock(&j->mu);
  bool failed = got < 0 || (j->done && j->rc != GP_OK);
  pthread_mutex_unlock(&j->mu);
  /* JSON and NDJSON said the error in the body; CSV and GeoJSON can only break off */
  if (failed && (j->f == FMT_CSV || j->f == FMT_GEOJSON)) return MHD_CONTENT_READER_END_WITH_ERROR;
  return MHD_CONTENT_READER_END_OF_STREAM;
}

static void stream_free(void *cls) {
  job *j = cls;
  job_cancel(j, false); /* a client that left stops its statement */
  job_release(j);
}

/* ---- the endpoint ---- */

static bool want(const char *s, const char *name) {
  return s && strstr(s, name) != NULL;
}

static fmt format_of(struct MHD_Connection *c, bool *ok) {
  *ok = true;
  const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
  if (q) {
    if (!strcmp(q, "json")) return FMT_JSON;
    if (!strcmp(q, "csv")) return FMT_CSV;
    if (!strcmp(q, "ndjson")) return FMT_NDJSON;
    if (!strcmp(q, "geojson")) return FMT_GEOJSON;
    *ok = false;
    return FMT_JSON;
  }
  const char *acc = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
  if (want(acc, "text/csv")) return FMT_CSV;
  if (want(acc, "application/x-ndjson") || want(acc, "application/ndjson")) return FMT_NDJSON;
  if (want(acc, "application/geo+json")) return FMT_GEOJSON;
  return FMT_JSON;
}

static const char *const k_ctype[] = {"application/json", "text/csv; charset=utf-8",
                                      "application/x-ndjson", "application/geo+json"};

int gp_serve__sql(gp_serve *srv, struct MHD_Connection *c, gp_serve__req *r) {
  bool fmt_ok;
  fmt f = format_of(c, &fmt_ok);
  if (!fmt_ok)
    return gp_serve__reply_error(c, r, 400, "bad_data",
                                 "unknown format (json, csv, ndjson, geojson)");
  gp_err err = {0};
  bool writes = false;
  gp_rc rc = classify(srv, (const char *)r->body.p, r->body.len, &writes, &err);
  if (rc) {
    const char *type;
    int code = gp_serve__status_of(rc, &type);
    if (rc == GP_UNSUPPORTED) code = 403, type = "forbidden";
    if (code == 403) gp_serve__log("refused %s POST /v1/sql: 403 %s", r->client, err.msg);
    return gp_serve__reply_error(c, r, code, type, err.msg);
  }
  if (writes && r->role < GP_ROLE_WRITE) {
    gp_serve__log("refused %s POST /v1/sql: 403 a statement writes, the token may only read",
                  r->client);
    pthread_mutex_lock(&srv->m.mu);
    srv->m.refused_auth++;
    pthread_mutex_unlock(&srv->m.mu);
    return gp_serve__reply_error(c, r, 403, "forbidden",
                                 "a statement of this script writes; this token may only read");
  }
  job *j = GP_CALLOC(1, sizeof *j);
  int fds[2] = {-1, -1};
  if (!j || !(j->sql = GP_MALLOC(r->body.len + 1)) || pipe(fds) != 0) {
    if (j) GP_FREE(j->sql);
    GP_FREE(j);
    return gp_serve__reply_error(c, r, 503, "unavailable", "out of resources for a statement");
  }
  memcpy(j->sql, r->body.p, r->body.len);
  j->sql[r->body.len] = '\0';
  j->len = r->body.len;
  j->srv = srv;
  j->writes = writes;
  j->f = f;
  j->rfd = fds[0];
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
  j->cfd = ci ? ci->connect_fd : -1;
  /* ?timeout=SECONDS shortens the server's timeout for this request, never lengthens it */
  double limit = srv->o.query_timeout;
  const char *tq = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "timeout");
  if (tq && strtod(tq, NULL) > 0 && strtod(tq, NULL) < limit) limit = strtod(tq, NULL);
  j->limit = limit;
  j->deadline = r->t0 + limit;
  j->refs = 2;
  pthread_mutex_init(&j->mu, NULL);
  fcntl(fds[0], F_SETFD, FD_CLOEXEC);
  fcntl(fds[1], F_SETFD, FD_CLOEXEC);
  j->out = fdopen(fds[1], "w");
  pthread_t th;
  pthread_attr_t at;
  pthread_attr_init(&at);
  pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
  if (!j->out || pthread_create(&th, &at, worker, j) != 0) {
    pthread_attr_destroy(&at);
    if (j->out)
      fclose(j->out);
    else
      close(fds[1]);
    j->refs = 1;
    job_release(j);
    return gp_serve__reply_error(c, r, 503, "unavailable", "out of resources for a statement");
  }
  pthread_attr_destroy(&at);
  /* the first PREFIX_MAX bytes, or all of a smaller answer */
  j->prefix = GP_MALLOC(PREFIX_MAX);
  ssize_t got = 1;
  while (j->prefix && j->plen < PREFIX_MAX &&
         (got = job_read(j, j->prefix + j->plen, PREFIX_MAX - j->plen)) > 0)
    j->plen += (size_t)got;
  if (!j->prefix || got < 0) {
    job_cancel(j, false);
    job_release(j);
    return gp_serve__reply_error(c, r, 500, "internal", "cannot read the statement's output");
  }
  if (got == 0) { /* the script ended within the prefix: its status is known */
    pthread_mutex_lock(&j->mu);
    gp_rc jrc = j->rc;
    err = j->err;
    bool timed_out = j->timed_out;
    pthread_mutex_unlock(&j->mu);
    int ok;
    if (jrc == GP_CANCELLED && timed_out) {
      char msg[160];
      snprintf(msg, sizeof msg, "canceling statement due to statement timeout (%g s)", j->limit);
      ok = gp_serve__reply_error(c, r, 503, "timeout", msg);
    } else if (jrc) {
      const char *type;
      int code = gp_serve__status_of(jrc, &type);
      ok = gp_serve__reply_error(c, r, code, type, err.msg);
    } else {
      ok = gp_serve__reply(c, r, 200, k_ctype[f], j->prefix, j->plen);
    }
    job_release(j);
    return ok;
  }
  /* streaming: from here MHD owns the socket, and notices a client gone when a send fails */
  j->cfd = -1;
  struct MHD_Response *resp =
      MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 << 10, stream_cb, j, stream_free);
  if (!resp) {
    job_cancel(j, false);
    job_release(j);
    return MHD_NO;
  }
  MHD_add_response_header(resp, "Content-Type", k_ctype[f]);
  r->code = 200;
  enum MHD_Result ok = MHD_queue_response(c, 200, resp);
  MHD_destroy_response(resp);
  return ok;
}
