/* exec_fixture.h - what the executor's tests share (tests/test_exec*.c): a fixed-seed random
 * stream, timestamps from text, the expected text of a DOUBLE cell, and a session on a small
 * generated events table (3,000 rows, kept in the fixture too so answers can be computed
 * independently) with run() returning a statement's result as CSV-like text. */
#ifndef EXEC_FIXTURE_H
#define EXEC_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "query_int.h"

/* xorshift64: set rng_state to a test's seed, then draw with rnd(). */
extern uint64_t rng_state;
uint64_t rnd(void);

/* The timestamp of ISO text s (fails the test when it does not parse). */
int64_t ts(const char *s);

/* The text a DOUBLE result cell must have, computed apart from result.c: the shortest %.*g
 * that reads back to v, with ".0" after a whole number (a DOUBLE never prints as an INT).
 * Returns b. */
const char *dbl_text(double v, char *b, size_t cap);

typedef struct fixture {
  char dir[256];
  gp_db *db;
  gp_session *s;
  /* the generated rows */
  int n;
  int64_t t[3000];
  int cat[3000];
  double h[3000];
  bool hnull[3000];
  int lonu[3000], latu[3000]; /* lon - 118.2 and lat - 33.8 in micro-degrees */
} fixture;

/* Runs sql on f's session and fails the test unless it returns want. Returns the result (rows
 * as comma-separated lines, or the status, or the error message), valid until the next run. */
const char *run(fixture *f, const char *sql, gp_rc want);
/* Runs each of q[0..n) on the row path (SET vectorize = false, one thread), then vectorised
 * on 1 and 2 threads: the answers must be the same; the row path's answer to q[0] must be
 * want0 when it is given. */
void same_on_all_paths(fixture *f, const char *const *q, size_t n, const char *want0);

/* CMocka group setup and teardown: a fresh database under $GP_TEST_TMP with the events table
 * loaded, and its removal. */
int setup_db(void **st);
int teardown_db(void **st);

#endif
