/* gp_repl.h - the front end's one internal interface: the script runner and the interactive
 * shell (repl.c), called by the command line (main.c). Not part of the query library: the
 * query/cli/ folder is the only code that links libedit. */
#ifndef GP_REPL_H
#define GP_REPL_H

#include <stdio.h>

#include "gp_query.h"

/* The front end (query/cli/repl.c). Each returns a process exit status: 0, or 1 after an error.
 * Each opens the database at dbpath (borrowed) when it exists; else the first statement that
 * needs one creates it when gp_ast_creates says it may, and fails with `database "X" does not
 * exist` otherwise, so a session that only reads creates nothing. Statements are
 * ';'-terminated; lines starting with '.' at a statement boundary are dot commands (.help lists
 * them). Errors go to stderr as `Error: <message>`, followed by the source line and a caret
 * when the message names a position. */

/* Interactive session on a terminal in output mode m (libedit: history in
 * ~/.gridpulse_history, completion, multi-line statements, Ctrl-C cancels the running
 * statement or clears the line). A bad statement never ends the session; returns 0 at .quit or
 * end of input. */
/* How the front end runs: output mode, and read_only (`--read-only`): the database is opened as
 * a RocksDB read-only instance, a snapshot as of the open that another process may go on
 * writing meanwhile, never created; statements that write fail. */
/* How the front end runs statements when they are not run on a local session (`--server`):
 * exec runs a script as gp_session_exec does (results to fn, err naming the position), cancel
 * asks the running one to stop (async-signal-safe: called from the SIGINT handler), label
 * names where statements go in the banner. query/cli/client.c makes one. */
typedef struct gp_repl_exec {
  gp_rc (*exec)(void *ctx, const char *src, size_t len, gp_result_fn fn, void *fnctx,
                gp_err *err);
  void (*cancel)(void *ctx);
  void *ctx;
  const char *label;
} gp_repl_exec;
typedef struct gp_repl_opts {
  gp_out_mode mode;
  bool read_only;
  const gp_repl_exec *remote; /* NULL: a local database at dbpath; else statements go there */
} gp_repl_opts;
int gp_repl_run(const char *dbpath, const gp_repl_opts *o);
/* Non-interactive: runs the statements and dot commands of sql (when not NULL, `-c`) or else
 * of the stream in (named name in messages: `-f FILE`, a pipe), stopping at the first error.
 * Error positions in a stream count lines from the start of the stream. */
int gp_repl_script(const char *dbpath, const char *sql, FILE *in, const char *name,
                   const gp_repl_opts *o);

/* `gridpulse warnings run DB ...` (query/cli/warnings.c): argv after the word `warnings`;
 * returns the exit status (0, 1 on failure, 2 on bad usage). */
int gp_cli_warnings(int argc, char **argv);

/* ---- the client (client.c): the front end's statements sent to `gridpulse serve` ---- */

typedef struct gp_client gp_client;
/* A client of the server at url ("http://HOST:PORT"), with a Bearer token (may be NULL).
 * Returns owned *out (free with gp_client_free). */
gp_rc gp_client_new(const char *url, const char *token, gp_client **out, gp_err *err);
/* The table that runs statements on the server (borrowed, valid until gp_client_free), for
 * gp_repl_opts.remote. */
const struct gp_repl_exec *gp_client_exec(gp_client *cl);
void gp_client_free(gp_client *cl);

#endif
