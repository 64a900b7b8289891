/* gp_serve.h - `gridpulse serve`: the always-on process of a centre. One process owns the
 * database and serves over HTTP (libmicrohttpd), at once: SQL (POST /v1/sql), writes of CSV or
 * NDJSON bodies (POST /v1/write/TABLE) and of InfluxDB line protocol (POST /api/v2/write),
 * /healthz and /metrics (Prometheus text), and the background work of the warning models.
 *
 * The one idea: every request runs on its own session over the one shared gp_db, under a
 * readers-writer lock on it: statements that only read share it, anything that writes (a
 * write endpoint, DDL, COPY) takes it alone, because the catalog and the symbol dictionaries
 * are safe for many readers only while no thread adds to them (gp_db.h). */
#ifndef GP_SERVE_H
#define GP_SERVE_H

#include <stdbool.h>
#include <stddef.h>

#include "gp_base.h"

typedef struct gp_serve_opts {
  const char *db;           /* database directory (created when missing) */
  const char *listen;       /* "HOST:PORT", default 127.0.0.1:7700 */
  const char *token_file;   /* lines "read TOKEN" / "write TOKEN"; required off loopback */
  const char *allow_files;  /* directory under which SQL may read server files, or NULL */
  size_t max_body;          /* bytes of a request body, 0 = 64 MiB (413 past it) */
  size_t max_result_rows;   /* rows of one statement's result, 0 = 1,000,000 */
  double query_timeout;     /* seconds per request, 0 = 60 */
  const char *memory_limit; /* SET memory_limit of every request's session, NULL = default */
  int max_active;           /* requests running at once, 0 = 64 (503 past it) */
  bool quiet;               /* no per-request log lines */
} gp_serve_opts;

/* Runs the server until SIGTERM or SIGINT, then stops accepting, lets the requests in flight
 * finish, stops the background work, flushes the database and returns 0; 1 when it could not
 * start (the reason on stderr). */
int gp_serve_run(const gp_serve_opts *o);

/* `gridpulse serve DB [options]`: parses argv (argv[0] is DB) and runs; returns the exit status
 * (2 for bad usage). */
int gp_serve_main(int argc, char **argv);

#endif
