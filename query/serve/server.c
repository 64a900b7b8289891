/* server.c - the HTTP side of `gridpulse serve`: options, the libmicrohttpd daemon, routing,
 * tokens, limits, the request log, and the graceful stop on SIGTERM.
 *
 * Threads: libmicrohttpd runs one thread per connection (MHD_USE_THREAD_PER_CONNECTION), not
 * its thread pool. A statement blocks its thread for as long as it runs (a CityBench query is
 * 10 ms to seconds), and a pool thread serves many connections in turn, so one slow query would
 * stall every other connection that the pool had given the same thread; with a thread per
 * connection a slow query stalls only its own client. The number of threads is bounded by
 * max_active: past it a request is answered 503 at once (and the connection limit of MHD is
 * set a little above, so that the 503 can still be said). */
#include "serve_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <omp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

double gp_serve__now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void gp_serve__log(const char *fmt, ...) {
  char line[1024], when[32];
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  fprintf(stderr, "%s serve: %s\n", when, line); /* one fprintf: lines never interleave */
}

int gp_serve__reply(struct MHD_Connection *c, gp_serve__req *r, int code, const char *ctype,
                    const char *body, size_t n) {
  struct MHD_Response *resp =
      MHD_create_response_from_buffer(n, (void *)body, MHD_RESPMEM_MUST_COPY);
  if (!resp) return MHD_NO;
  if (ctype) MHD_add_response_header(resp, "Content-Type", ctype);
  if (code == 401) MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
  if (code == 503) MHD_add_response_header(resp, "Retry-After", "1");
  r->code = code;
  enum MHD_Result ok = MHD_queue_response(c, (unsigned)code, resp);
  MHD_destroy_response(resp);
  return ok;
}

/* Appends s as a JSON string to b. */
static void buf_json_string(gp_buf *b, const char *s) {
  gp_buf_put(b, "\"", 1);
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    char esc[8];
    if (ch == '"' || ch == '\\') {
      esc[0] = '\\', esc[1] = (char)ch;
      gp_buf_put(b, esc, 2);
    } else if (ch < 0x20) {
      snprintf(esc, sizeof esc, "\\u%04x", ch);
      gp_buf_put(b, esc, 6);
    } else {
      gp_buf_put(b, s, 1);
    }
  }
  gp_buf_put(b, "\"", 1);
}

int gp_serve__reply_error(struct MHD_Connection *c, gp_serve__req *r, int code, const char *type,
                          const char *msg) {
  gp_buf b = {0};
  gp_buf_put(&b, "{\"status\":\"error\",\"errorType\":", 30);
  buf_json_string(&b, type);
  gp_buf_put(&b, ",\"error\":", 9);
  buf_json_string(&b, msg);
  unsigned line, col;
  if (sscanf(msg, "line %u, column %u:", &line, &col) == 2) {
    char pos[64];
    int n = snprintf(pos, sizeof pos, ",\"position\":{\"line\":%u,\"column\":%u}", line, col);
    gp_buf_put(&b, pos, (size_t)n);
  }
  gp_buf_put(&b, "}\n", 2);
  int ok = b.p ? gp_serve__reply(c, r, code, "application/json", (const char *)b.p, b.len)
               : gp_serve__reply(c, r, 500, "text/plain", "out of memory\n", 14);
  gp_buf_free(&b);
  return ok;
}

int gp_serve__status_of(gp_rc rc, const char **type) {
  switch (rc) {
    case GP_PARSE:
    case GP_INVALID:
    case GP_NOTFOUND:
    case GP_EXISTS:
    case GP_UNSUPPORTED:
      *type = "bad_data";
      return 400;
    case GP_NOMEM:
    case GP_GEOM:
    case GP_PROJ:
      *type = "execution";
      return 422;
    case GP_CANCELLED:
      *type = "canceled";
      return 503;
    case GP_BUSY:
      *type = "unavailable";
      return 503;
    default:
      *type = "internal";
      return 500;
  }
}

int gp_serve__threads(gp_serve *srv) {
  int running = atomic_load(&srv->running);
  int t = srv->ncpu / (running > 0 ? running : 1);
  return t > 0 ? t : 1;
}

void gp_serve__load_threads(gp_serve *srv, size_t bytes) {
  /* The loader parses 1 MiB segments in parallel: a smaller body is one segment, and waking an
   * OpenMP team for it cost more than the write (a 1-point write: 60-190 ms with the default
   * team on a busy 2-core machine, 2-25 ms with one thread). */
  omp_set_num_threads(bytes < (1u << 20) ? 1 : gp_serve__threads(srv));
}

/* ---- tokens ---- */

/* Reads the token file: one "read TOKEN" or "write TOKEN" per line, '#' comments and blank
 * lines ignored. */
static gp_rc load_tokens(gp_serve *srv, const char *path, gp_err *err) {
  FILE *f = fopen(path, "r");
  if (!f) return gp_err_set(err, GP_IO, "%s: cannot open: %s", path, strerror(errno));
  char line[1024];
  unsigned lineno = 0;
  gp_rc rc = GP_OK;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    char role[16], tok[512];
    char *p = line + strspn(line, " \t");
    if (*p == '#' || *p == '\n' || *p == '\0') continue;
    if (sscanf(p, "%15s %511s", role, tok) != 2 ||
        (strcmp(role, "read") != 0 && strcmp(role, "write") != 0) || strlen(tok) < 16) {
      rc = gp_err_set(err, GP_PARSE,
                      "%s:%u: expected \"read TOKEN\" or \"write TOKEN\" (16 characters or more)",
                      path, lineno);
      break;
    }
    gp_serve__token *t = GP_REALLOC(srv->tokens, (srv->ntokens + 1) * sizeof *t);
    if (!t || !(tok[0] && (t[srv->ntokens].token = GP_STRDUP(tok)))) {
      if (t) srv->tokens = t;
      rc = gp_err_set(err, GP_NOMEM, "out of memory");
      break;
    }
    srv->tokens = t;
    t[srv->ntokens++].role = role[0] == 'w' ? GP_ROLE_WRITE : GP_ROLE_READ;
  }
  fclose(f);
  if (rc == GP_OK && srv->ntokens == 0) rc = gp_err_set(err, GP_PARSE, "%s: no tokens", path);
  return rc;
}

/* Compares without stopping at the first difference, so that response times do not tell how
 * much of a guessed token was right. */
static bool same_token(const char *a, const char *b) {
  size_t na = strlen(a), nb = strlen(b);
  unsigned char d = (unsigned char)(na != nb);
  for (size_t i = 0; i < na; i++) d |= (unsigned char)(a[i] ^ b[i % (nb ? nb : 1)]);
  return d == 0;
}

/* The role of the request's Bearer token; without --token-file every client (loopback only)
 * may write. */
static gp_serve__role authorise(gp_serve *srv, struct MHD_Connection *c) {
  if (!srv->tokens) return GP_ROLE_WRITE;
  const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
  if (!h || strncasecmp(h, "Bearer ", 7) != 0) return GP_ROLE_NONE;
  h += 7;
  while (*h == ' ') h++;
  gp_serve__role best = GP_ROLE_NONE;
  for (size_t i = 0; i < srv->ntokens; i++)
    if (same_token(h, srv->tokens[i].token) && srv->tokens[i].role > best)
      best = srv->tokens[i].role;
  return best;
}

/* ---- routing ---- */

static gp_serve__ep route(const char *method, const char *url, bool *method_ok) {
  static const struct {
    const char *path, *method;
    bool prefix;
    gp_serve__ep ep;
  } k[] = {
      {"/v1/sql", "POST", false, GP_EP_SQL},
      {"/v1/write/", "POST", true, GP_EP_WRITE},
      {"/api/v2/write", "POST", false, GP_EP_INFLUX},
      {"/healthz", "GET", false, GP_EP_HEALTH},
      {"/metrics", "GET", false, GP_EP_METRICS},
      {"/v1/warnings", "GET", false, GP_EP_WARNINGS},
      {"/v1/alerts", "GET", false, GP_EP_ALERTS},
  };
  *method_ok = true;
  for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
    size_t n = strlen(k[i].path);
    if (k[i].prefix ? strncmp(url, k[i].path, n) == 0 && url[n] : strcmp(url, k[i].path) == 0) {
      *method_ok = strcmp(method, k[i].method) == 0 ||
                   (strcmp(k[i].method, "GET") == 0 && strcmp(method, "HEAD") == 0);
      return k[i].ep;
    }
  }
  return GP_EP_OTHER;
}

/* The least role an endpoint needs. */
static gp_serve__role needs(gp_serve__ep ep) {
  switch (ep) {
    case GP_EP_WRITE:
    case GP_EP_INFLUX:
      return GP_ROLE_WRITE;
    case GP_EP_HEALTH:
      return GP_ROLE_NONE;
    default:
      return GP_ROLE_READ; /* /v1/sql asks for write itself for statements that write */
  }
}

static const char *const k_ep_names[GP_EP_COUNT] = {"/v1/sql",    "/v1/write", "/api/v2/write",
                                                    "/healthz",   "/metrics",  "/v1/warnings",
                                                    "/v1/alerts", "other"};

const char *gp_serve__ep_name(gp_serve__ep ep) {
  return k_ep_names[ep];
}

static int answer_get(gp_serve *srv, struct MHD_Connection *c, gp_serve__req *r) {
  if (r->ep == GP_EP_HEALTH) {
    char b[256];
    int n = snprintf(b, sizeof b, "{\"status\":\"%s\",\"background\":\"%s\"}\n",
                     atomic_load(&srv->stopping) ? "stopping" : "ok", gp_serve__bg_status(srv));
    return gp_serve__reply(c, r, atomic_load(&srv->stopping) ? 503 : 200, "application/json", b,
                           (size_t)n);
  }
  if (r->ep == GP_EP_METRICS) {
    gp_buf b = {0};
    gp_err err = {0};
    if (gp_serve__metrics_text(srv, &b, &err)) {
      gp_buf_free(&b);
      return gp_serve__reply_error(c, r, 500, "internal", err.msg);
    }
    int ok = gp_serve__reply(c, r, 200, "text/plain; version=0.0.4; charset=utf-8",
                             (const char *)b.p, b.len);
    gp_buf_free(&b);
    return ok;
  }
  return gp_serve__warn_endpoint(srv, c, r, r->ep == GP_EP_ALERTS);
}

/* Refuses r with code, logging why (every refusal is logged, whatever --quiet says). */
static int refuse(gp_serve *srv, struct MHD_Connection *c, gp_serve__req *r, int code,
                  const char *type, const char *why) {
  gp_serve__log("refused %s %s %s: %d %s", r->client, r->method, r->url, code, why);
  if (code == 401 || code == 403) {
    pthread_mutex_lock(&srv->m.mu);
    srv->m.refused_auth++;
    pthread_mutex_unlock(&srv->m.mu);
  }
  return gp_serve__reply_error(c, r, code, type, why);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **con_cls) {
  (void)version;
  gp_serve *srv = cls;
  gp_serve__req *r = *con_cls;
  if (!r) { /* the first call: headers only */
    if (!(r = GP_CALLOC(1, sizeof *r))) return MHD_NO;
    *con_cls = r;
    r->t0 = gp_serve__now();
    r->network = true;
    atomic_fetch_add(&srv->active, 1);
    snprintf(r->method, sizeof r->method, "%s", method);
    snprintf(r->url, sizeof r->url, "%s", url);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
      inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, r->client,
                sizeof r->client);
    bool method_ok;
    r->ep = route(method, url, &method_ok);
    if (r->ep == GP_EP_OTHER)
      return gp_serve__reply_error(c, r, 404, "not_found", "no such endpoint");
    if (!method_ok) return gp_serve__reply_error(c, r, 405, "bad_data", "method not allowed here");
    r->role = authorise(srv, c);
    if (r->role < needs(r->ep))
      return r->role == GP_ROLE_NONE
                 ? refuse(srv, c, r, 401, "unauthorized", "no valid token (Authorization: Bearer)")
                 : refuse(srv, c, r, 403, "forbidden", "this token may only read");
    if (atomic_load(&srv->stopping))
      return gp_serve__reply_error(c, r, 503, "unavailable", "the server is stopping");
    if (atomic_load(&srv->active) > srv->o.max_active) {
      pthread_mutex_lock(&srv->m.mu);
      srv->m.overloaded++;
      pthread_mutex_unlock(&srv->m.mu);
      return refuse(srv, c, r, 503, "unavailable", "too many requests at once");
    }
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > srv->o.max_body)
      return refuse(srv, c, r, 413, "bad_data", "request body larger than the server's limit");
    if (strcmp(method, "POST") != 0) return answer_get(srv, c, r);
    return MHD_YES;
  }
  if (r->code) { /* answered at the first call: drop whatever body still comes */
    *size = 0;
    return MHD_YES;
  }
  if (*size) { /* a piece of the body */
    if (!r->too_large && r->body.len + *size > srv->o.max_body) {
      r->too_large = true;
      gp_buf_free(&r->body);
    }
    if (!r->too_large && gp_buf_put(&r->body, data, *size)) return MHD_NO;
    *size = 0;
    return MHD_YES;
  }
  if (r->too_large)
    return refuse(srv, c, r, 413, "bad_data", "request body larger than the server's limit");
  /* keep a NUL after the body, outside its length, for the parsers that want C strings */
  if (gp_buf_put(&r->body, "", 1)) return MHD_NO;
  r->body.len--;
  switch (r->ep) {
    case GP_EP_SQL:
      return gp_serve__sql(srv, c, r);
    case GP_EP_WRITE:
      return gp_serve__write(srv, c, r, url + strlen("/v1/write/"));
    case GP_EP_INFLUX:
      return gp_serve__influx(srv, c, r);
    default:
      return answer_get(srv, c, r);
  }
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  (void)c;
  gp_serve *srv = cls;
  gp_serve__req *r = *con_cls;
  if (!r) return;
  double secs = gp_serve__now() - r->t0;
  int code = r->code ? r->code : 500;
  gp_serve__metrics_request(&srv->m, r->ep, code, secs);
  if (!srv->o.quiet)
    gp_serve__log("%s %s %s %d %.3f s%s", r->client, r->method, r->url, code, secs,
                  toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (connection ended early)");
  gp_buf_free(&r->body);
  GP_FREE(r);
  *con_cls = NULL;
  pthread_mutex_lock(&srv->mu);
  if (atomic_fetch_sub(&srv->active, 1) == 1) pthread_cond_broadcast(&srv->idle);
  pthread_mutex_unlock(&srv->mu);
}

/* ---- start and stop ---- */

static gp_rc parse_listen(const char *s, struct sockaddr_in *sa, gp_err *err) {
  memset(sa, 0, sizeof *sa);
  sa->sin_family = AF_INET;
  const char *colon = strrchr(s, ':');
  char host[64];
  if (!colon || (size_t)(colon - s) >= sizeof host)
    return gp_err_set(err, GP_INVALID, "--listen %s: expected HOST:PORT (an IPv4 address)", s);
  memcpy(host, s, (size_t)(colon - s));
  host[colon - s] = '\0';
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (*end || port < 1 || port > 65535)
    return gp_err_set(err, GP_INVALID, "--listen %s: the port must be 1..65535", s);
  if (strcmp(host, "localhost") == 0) snprintf(host, sizeof host, "127.0.0.1");
  if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
    return gp_err_set(err, GP_INVALID, "--listen %s: \"%s\" is not an IPv4 address", s, host);
  sa->sin_port = htons((uint16_t)port);
  return GP_OK;
}

static void srv_free(gp_serve *srv) {
  for (size_t i = 0; i < srv->ntokens; i++) GP_FREE(srv->tokens[i].token);
  GP_FREE(srv->tokens);
  gp_serve__metrics_free(&srv->m);
  pthread_rwlock_destroy(&srv->dblock);
  pthread_mutex_destroy(&srv->mu);
  pthread_cond_destroy(&srv->idle);
}

int gp_serve_run(const gp_serve_opts *o) {
  gp_serve srv_s, *srv = &srv_s;
  memset(srv, 0, sizeof *srv);
  srv->o = *o;
  if (!srv->o.listen) srv->o.listen = "127.0.0.1:7700";
  if (!srv->o.max_body) srv->o.max_body = 64u << 20;
  if (!srv->o.max_result_rows) srv->o.max_result_rows = 1000000;
  if (srv->o.query_timeout <= 0) srv->o.query_timeout = 60;
  if (srv->o.max_active <= 0) srv->o.max_active = 64;
  long nc = sysconf(_SC_NPROCESSORS_ONLN);
  srv->ncpu = nc > 0 ? (int)nc : 1;
  pthread_rwlockattr_t ra;
  pthread_rwlockattr_init(&ra);
  pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  pthread_rwlock_init(&srv->dblock, &ra);
  pthread_rwlockattr_destroy(&ra);
  pthread_mutex_init(&srv->mu, NULL);
  pthread_cond_init(&srv->idle, NULL);
  gp_err err = {0};
  struct sockaddr_in sa;
  int status = 1;
  bool bg = false;
  if (gp_serve__metrics_init(&srv->m) || parse_listen(srv->o.listen, &sa, &err)) goto fail_early;
  bool loopback = (ntohl(sa.sin_addr.s_addr) >> 24) == 127;
  if (!loopback && !srv->o.token_file) {
    gp_err_set(&err, GP_INVALID,
               "--listen %s is not a loopback address: it needs --token-file (read and write "
               "tokens for the clients)",
               srv->o.listen);
    goto fail_early;
  }
  if (srv->o.token_file && load_tokens(srv, srv->o.token_file, &err)) goto fail_early;
  if (srv->o.allow_files && !realpath(srv->o.allow_files, srv->allow_real)) {
    gp_err_set(&err, GP_IO, "--allow-files %s: %s", srv->o.allow_files, strerror(errno));
    goto fail_early;
  }
  /* Every thread started from here on (RocksDB's, started by the open, MHD's, OpenMP's, the
   * background) inherits this mask, so that SIGTERM and SIGINT reach only the sigwait below: a
   * thread that left them unblocked would take the signal's default action and end the process
   * without the flush. SIGPIPE is ignored so that a client leaving mid-result is a write error
   * on its connection, not the process's death. */
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  signal(SIGPIPE, SIG_IGN);
  gp_db_opts dbo = {.path = srv->o.db};
  if (gp_db_open(&dbo, &srv->db, &err)) goto fail_early;

  if (gp_serve__bg_start(srv, &err)) goto fail;
  bg = true;
  srv->mhd = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                                  MHD_USE_ITC | MHD_USE_ERROR_LOG,
                              0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR,
                              (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
                              srv, MHD_OPTION_CONNECTION_LIMIT, (unsigned)(srv->o.max_active + 16),
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_END);
  if (!srv->mhd) {
    gp_err_set(&err, GP_IO, "cannot listen on %s: %s", srv->o.listen, strerror(errno));
    goto fail;
  }
  gp_serve__log("serving %s on http://%s (%s; %s)", srv->o.db, srv->o.listen,
                srv->tokens ? "tokens required" : "loopback, no tokens", gp_serve__bg_status(srv));
  int sig = 0;
  sigwait(&stop, &sig);
  /* Graceful stop: refuse new work, stop accepting, let what runs finish, then flush. */
  atomic_store(&srv->stopping, true);
  gp_serve__log("%s: stopping (%d requests in flight)", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                atomic_load(&srv->active));
  MHD_quiesce_daemon(srv->mhd);
  pthread_mutex_lock(&srv->mu);
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += (time_t)srv->o.query_timeout + 5;
  while (atomic_load(&srv->active) > 0)
    if (pthread_cond_timedwait(&srv->idle, &srv->mu, &until) == ETIMEDOUT) break;
  pthread_mutex_unlock(&srv->mu);
  MHD_stop_daemon(srv->mhd);
  srv->mhd = NULL;
  gp_serve__bg_stop(srv);
  bg = false;
  pthread_rwlock_wrlock(&srv->dblock);
  gp_rc src = gp_store_sync(gp_db_store(srv->db), &err);
  pthread_rwlock_unlock(&srv->dblock);
  if (src) goto fail;
  gp_serve__log("stopped; the database is flushed");
  status = 0;
  err.msg[0] = '\0';
fail:
  if (srv->mhd) MHD_stop_daemon(srv->mhd);
  if (bg) gp_serve__bg_stop(srv);
  gp_db_close(srv->db);
fail_early:
  if (status) fprintf(stderr, "gridpulse serve: %s\n", err.msg[0] ? err.msg : "cannot start");
  srv_free(srv);
  return status;
}

/* ---- the command line ---- */

static void serve_usage(FILE *f) {
  fprintf(f,
          "usage: gridpulse serve DB [--listen HOST:PORT] [--token-file F] [--allow-files DIR]\n"
          "                 [--max-body BYTES] [--max-result-rows N] [--query-timeout SECONDS]\n"
          "                 [--memory-limit SIZE] [--max-active N] [--quiet]\n");
}

int gp_serve_main(int argc, char **argv) {
  gp_serve_opts o = {0};
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    bool takes = strcmp(a, "--quiet") != 0 && a[0] == '-';
    if (takes && !v) {
      fprintf(stderr, "gridpulse serve: %s needs a value\n", a);
      return 2;
    }
    if (strcmp(a, "--listen") == 0)
      o.listen = v;
    else if (strcmp(a, "--token-file") == 0)
      o.token_file = v;
    else if (strcmp(a, "--allow-files") == 0)
      o.allow_files = v;
    else if (strcmp(a, "--max-body") == 0)
      o.max_body = strtoull(v, NULL, 10);
    else if (strcmp(a, "--max-result-rows") == 0)
      o.max_result_rows = strtoull(v, NULL, 10);
    else if (strcmp(a, "--query-timeout") == 0)
      o.query_timeout = strtod(v, NULL);
    else if (strcmp(a, "--memory-limit") == 0)
      o.memory_limit = v;
    else if (strcmp(a, "--max-active") == 0)
      o.max_active = atoi(v);
    else if (strcmp(a, "--quiet") == 0) {
      o.quiet = true;
      continue;
    } else if (a[0] == '-') {
      fprintf(stderr, "gridpulse serve: unknown option %s\n", a);
      serve_usage(stderr);
      return 2;
    } else if (!o.db) {
      o.db = a;
      continue;
    } else {
      fprintf(stderr, "gridpulse serve: one database at a time (%s, then %s)\n", o.db, a);
      return 2;
    }
    i++;
  }
  if (!o.db) {
    serve_usage(stderr);
    return 2;
  }
  return gp_serve_run(&o);
}
