/* test_func.c - the function registry (query/func.c): one entry per name, in name order, each
 * with a signature and a doc line; SHOW FUNCTIONS lists it; the binder finds every function
 * through it (unknown names suggest the nearest registered one, arity comes from the entry,
 * window-only functions ask for OVER, aggregates outside OVER tables refuse it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <stdlib.h>

#include "exec_fixture.h"
#include "func_int.h"

static void test_registry(void **st) {
  (void)st;
  const qx_func *f, *prev = NULL;
  size_t n = 0;
  for (size_t i = 0; (f = qx_func_at(i)); i++, n++) {
    if (prev && strcmp(prev->name, f->name) >= 0) fail_msg("%s before %s", prev->name, f->name);
    /* the families' tables read as one list: each in name order, no name twice */
    assert_ptr_equal(qx_func_find(f->name), f);
    assert_true(f->sig && strncmp(f->sig, f->name, strlen(f->name)) == 0);
    assert_true(f->doc && f->doc[0]);
    assert_true(f->min >= 0 && f->min <= f->max);
    assert_true(f->kind >= QK_SCALAR && f->kind <= QK_TABLE && f->bind < QB_N);
    /* a scalar a query can evaluate has its implementation, found again by its id when it has
     * one (an id is only for what the planner recognises: bucket, cell, region, ..) */
    if (f->kind == QK_SCALAR && f->bind != QB_FILL && f->bind != QB_ONLY_IN) {
      assert_non_null(f->eval);
      if (f->fn) assert_ptr_equal(qx_func_of((qx_fn)f->fn)->eval, f->eval);
    }
    if (f->kind != QK_SCALAR) assert_null(f->eval);
    if (f->kind == QK_AGG) assert_true(f->fn != 0 && f->min == f->max);
    if (f->kind == QK_WINDOW) assert_true(f->win != 0);
    prev = f;
  }
  assert_true(n >= 50);
  assert_null(qx_func_find("no_such_function"));
  assert_int_equal(qx_func_find("avg")->kind, QK_AGG);
  assert_int_equal(qx_func_find("row_number")->kind, QK_WINDOW);
  gp_query_func_info fi;
  assert_true(gp_query_func(0, &fi));
  assert_string_equal(fi.name, qx_func_at(0)->name);
  assert_false(gp_query_func(n, &fi));
}

/* Value errors of the string, number and time functions, PostgreSQL's words at the argument
 * (or the call) they come from. */
static void test_value_errors(void **st) {
  fixture *f = *st;
  static const struct {
    const char *sql, *msg;
  } cases[] = {
      {"SELECT substr('abc', 1, -1)", "line 1, column 25: negative substring length not allowed"},
      {"SELECT split_part('a', ',', 0)", "line 1, column 29: field position must not be zero"},
      {"SELECT regexp_matches('a', '(')", "line 1, column 28: invalid regular expression: "},
      {"SELECT regexp_replace('a', 'a', 'b', 'q')",
       "line 1, column 38: invalid regular expression option: \"q\""},
      {"SELECT mod(1, 0)", "line 1, column 8: division by zero"},
      {"SELECT mod(id, 0) FROM events", "line 1, column 8: division by zero"},
      {"SELECT make_timestamp(2023, 2, 29, 0, 0, 0)",
       "line 1, column 8: date field value out of range: 2023-02-29"},
      {"SELECT make_timestamp(2024, 1, 1, 24, 0, 0)",
       "line 1, column 8: time field value out of range: 24:00:00"},
      {"SELECT make_timestamp(2024, 1.5, 1, 0, 0, 0)", "line 1, column 29: the month must be a whole number"},
      {"SELECT to_timestamp(1e300)", "line 1, column 8: timestamp out of range: \"1e+300\""},
      {"SELECT lpad('a', 1000000000)", "line 1, column 18: requested length too large"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    const char *got = run(f, cases[k].sql, GP_INVALID);
    if (strncmp(got, cases[k].msg, strlen(cases[k].msg)) != 0)
      fail_msg("%s: got [%s], want [%s...]", cases[k].sql, got, cases[k].msg);
  }
  /* a pure function of a column and of a function of it is no function of the latter alone:
   * greatest(ts, bucket(ts, 1 h)) is ts, a group per distinct ts (the vectorised keys took a
   * column for a constant and keyed these by the hour: 7,747 groups of 49,942 on the demo) */
  const char *want = run(f, "SELECT count(DISTINCT ts) FROM events", GP_OK);
  char *w = strdup(want);
  assert_string_equal(run(f, "SELECT count(*) FROM (SELECT greatest(ts, bucket(ts, 1 h)) AS k FROM events GROUP BY k)", GP_OK), w);
  assert_string_equal(run(f, "SELECT count(*) FROM (SELECT coalesce(ts, bucket(ts, 30 s)) AS k FROM events GROUP BY k)", GP_OK), w);
  free(w);
  /* a pattern used again after a bad one is compiled afresh (the per-thread cache) */
  assert_string_equal(run(f, "SELECT regexp_matches('ab', 'b')", GP_OK), "true\n");
}

static void test_show_functions(void **st) {
  fixture *f = *st;
  const char *r = run(f, "SHOW FUNCTIONS", GP_OK);
  size_t lines = 0;
  for (const char *p = r; *p; p++) lines += *p == '\n';
  size_t n = 0;
  while (qx_func_at(n)) n++;
  assert_int_equal(lines, n); /* one row per entry */
  assert_non_null(strstr(r, "round,scalar,round(x [, n]) -> DOUBLE (INT for round(int)),"));
  assert_non_null(strstr(r, "\nrow_number,window,"));
  assert_non_null(strstr(r, "\nquantile,aggregate,quantile(x, q) -> DOUBLE,"));
}

static void test_bind_errors(void **st) {
  fixture *f = *st;
  assert_string_equal(run(f, "SELECT lowr('A')", GP_NOTFOUND),
                      "line 1, column 8: unknown function lowr() (did you mean lower()?)");
  assert_string_equal(run(f, "SELECT medain(handle_hours) FROM events", GP_NOTFOUND),
                      "line 1, column 8: unknown function medain() (did you mean mean()?)");
  assert_string_equal(run(f, "SELECT  sqrt(1, 2)", GP_INVALID),
                      "line 1, column 9: sqrt() takes 1 argument, not 2");
  assert_string_equal(run(f, "SELECT row_number() FROM events", GP_INVALID),
                      "line 1, column 8: window function row_number() needs OVER (...)");
  assert_string_equal(run(f, "SELECT first(id, ts) OVER () FROM events", GP_UNSUPPORTED),
                      "line 1, column 8: first() is not a window function");
  assert_string_equal(run(f, "SELECT rownumber() OVER () FROM events", GP_NOTFOUND),
                      "line 1, column 8: unknown window function rownumber() (did you mean row_number()?)");
  assert_string_equal(run(f, "SELECT point(1, 2)", GP_INVALID),
                      "line 1, column 8: point() is not a value here: point(lon, lat) (a "
                      "position, as the first argument of dwithin() or nearest())");
  /* the functions that were bound by name before keep their answers */
  assert_string_equal(run(f, "SELECT abs(-3), round(2.5), greatest(1, 3, 2), coalesce(NULL, 'a')", GP_OK),
                      "3,3.0,3,a\n");
  assert_string_equal(run(f, "SELECT count(*), min(id) FROM events", GP_OK), "3000,0\n");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_registry),
      cmocka_unit_test(test_show_functions),
      cmocka_unit_test(test_bind_errors),
      cmocka_unit_test(test_value_errors),
  };
  return cmocka_run_group_tests_name("func", tests, setup_db, teardown_db);
}
