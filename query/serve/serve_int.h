/* serve_int.h - what the files of query/serve/ share (prefix gp_serve__). */
#ifndef GP_SERVE_INT_H
#define GP_SERVE_INT_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "gp_db.h"
#include "gp_query.h"
#include "gp_serve.h"

struct MHD_Connection;
struct MHD_Daemon;

/* The endpoints, for routing, roles and metrics. */
typedef enum gp_serve__ep {
  GP_EP_SQL,      /* POST /v1/sql */
  GP_EP_WRITE,    /* POST /v1/write/TABLE */
  GP_EP_INFLUX,   /* POST /api/v2/write */
  GP_EP_HEALTH,   /* GET /healthz */
  GP_EP_METRICS,  /* GET /metrics */
  GP_EP_WARNINGS, /* GET /v1/warnings */
  GP_EP_ALERTS,   /* GET /v1/alerts */
  GP_EP_OTHER,    /* anything else: 404 / 405 */
  GP_EP_COUNT
} gp_serve__ep;

/* What a token lets a client do; each role includes those before it. */
typedef enum gp_serve__role { GP_ROLE_NONE = 0, GP_ROLE_READ, GP_ROLE_WRITE } gp_serve__role;

enum { GP_SERVE__NBUCKETS = 12 };

/* The server's own figures for /metrics, under mu (metrics.c). */
typedef struct gp_serve__metrics {
  pthread_mutex_t mu;
  uint64_t requests[GP_EP_COUNT][6]; /* by endpoint and status class 1xx..5xx (index 1..5) */
  uint64_t codes[GP_EP_COUNT][600];  /* by endpoint and exact status */
  uint64_t hist[GP_EP_COUNT][GP_SERVE__NBUCKETS]; /* latency buckets (not cumulative here) */
  uint64_t hist_count[GP_EP_COUNT];
  double hist_sum[GP_EP_COUNT];
  struct gp_serve__rows {
    char table[GP_NAME_MAX];
    uint64_t rows, rejected;
  } * tables; /* rows ingested per table */
  size_t ntables;
  uint64_t refused_auth; /* 401 and 403 */
  uint64_t overloaded;   /* 503 for too many requests at once */
  uint64_t timeouts;     /* queries cancelled at their timeout */
} gp_serve__metrics;

typedef struct gp_serve__token {
  char *token;
  gp_serve__role role;
} gp_serve__token;

typedef struct gp_serve gp_serve;
struct gp_serve {
  gp_serve_opts o; /* the options, defaults filled in */
  gp_db *db;       /* owned */
  /* Readers-writer discipline on db: statements that only read hold it shared, anything that
   * writes (write endpoints, DDL, COPY) alone. Writer-preferring, so that a stream of queries
   * cannot starve ingest. */
  pthread_rwlock_t dblock;
  struct MHD_Daemon *mhd;
  gp_serve__token *tokens; /* owned; NULL without --token-file */
  size_t ntokens;
  char allow_real[PATH_MAX]; /* realpath of --allow-files, "" when none */
  int ncpu;                  /* cores, shared among the running statements */
  atomic_int active;         /* requests in flight (first call to completion) */
  atomic_int running;        /* statements and writes executing now */
  atomic_bool stopping;      /* SIGTERM seen: new requests get 503 */
  pthread_mutex_t mu;        /* with idle: waiting for active to reach 0 */
  pthread_cond_t idle;
  gp_serve__metrics m;
  struct gp_serve__bg *bg; /* background work (background.c), owned */
  struct gp_serve__warn *warn; /* the warning scheduler's thread (warnings.c), owned */
};

/* One request, from MHD's first call for it to its completion. */
typedef struct gp_serve__req {
  gp_serve__ep ep;
  gp_serve__role role; /* what its token grants */
  double t0;           /* monotonic seconds at arrival */
  int code;            /* the status answered, 0 until then */
  gp_buf body;         /* POST body, at most o.max_body bytes */
  bool too_large;      /* the body went past o.max_body: 413 at its end */
  bool network;        /* arrived over the network (always, today; see sql.c) */
  char client[64];     /* peer address, for the log */
  char method[8];
  char url[192];
} gp_serve__req;

/* The endpoint's name in metrics ("/v1/sql"). Static. */
const char *gp_serve__ep_name(gp_serve__ep ep);
/* Monotonic seconds. */
double gp_serve__now(void);
/* One log line on stderr, prefixed with the UTC time (unless o.quiet for per-request lines:
 * those go through gp_serve__log_req). */
void gp_serve__log(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Answers with body[0..n) (copied) and content type ctype; records the code in r. Returns
 * MHD's result. */
int gp_serve__reply(struct MHD_Connection *c, gp_serve__req *r, int code, const char *ctype,
                    const char *body, size_t n);
/* Answers {"status":"error","errorType":TYPE,"error":MSG[,"position":{"line":L,"column":C}]}
 * with code; the position is taken from a message starting "line L, column C: ". */
int gp_serve__reply_error(struct MHD_Connection *c, gp_serve__req *r, int code, const char *type,
                          const char *msg);
/* The status and Prometheus-style errorType for a failed statement's rc. */
int gp_serve__status_of(gp_rc rc, const char **type);

/* The endpoints (sql.c, write.c). Each answers c and returns MHD's result. */
int gp_serve__sql(gp_serve *srv, struct MHD_Connection *c, gp_serve__req *r);
int gp_serve__write(gp_serve *srv, struct MHD_Connection *c, gp_serve__req *r, const char *table);
int gp_serve__influx(gp_serve *srv, struct MHD_Connection *c, gp_serve__req *r);

/* How many OpenMP threads a statement starting now gets: the cores divided among the
 * statements running (this one included), at least 1. */
int gp_serve__threads(gp_serve *srv);

/* Sets the OpenMP threads of the calling thread's next loads for a body of `bytes`. */
void gp_serve__load_threads(gp_serve *srv, size_t bytes);

/* metrics.c */
gp_rc gp_serve__metrics_init(gp_serve__metrics *m);
void gp_serve__metrics_free(gp_serve__metrics *m);
void gp_serve__metrics_request(gp_serve__metrics *m, gp_serve__ep ep, int code, double secs);
void gp_serve__metrics_rows(gp_serve__metrics *m, const char *table, uint64_t rows,
                            uint64_t rejected);
/* Appends the Prometheus text exposition of srv to out. */
gp_rc gp_serve__metrics_text(gp_serve *srv, gp_buf *out, gp_err *err);

/* background.c: the one place where the server's background work (the warning scheduler and
 * the notification delivery) starts and stops. */
gp_rc gp_serve__bg_start(gp_serve *srv, gp_err *err);
/* Asks the background work to stop, waits for the running evaluation to finish. */
void gp_serve__bg_stop(gp_serve *srv);
/* A line for /healthz and the start-up log saying what runs in the background. */
const char *gp_serve__bg_status(const gp_serve *srv);

/* warnings.c: the warning scheduler and notification delivery on a thread of their own, and
 * GET /v1/warnings (alerts false) and /v1/alerts (true). */
gp_rc gp_serve__warn_start(gp_serve *srv, gp_err *err);
/* Sets the stop flag and waits for the evaluation in progress to finish. */
void gp_serve__warn_stop(gp_serve *srv);
int gp_serve__warn_endpoint(gp_serve *srv, struct MHD_Connection *c, gp_serve__req *r, bool alerts);

#endif
