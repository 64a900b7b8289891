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
    if (f->kind == QK_SCALAR && f->bind == QB_SCALAR) assert_true(f->fn != 0);
    /* a scalar a query can evaluate has its implementation, found again by its id */
    if (f->kind == QK_SCALAR && f->bind != QB_FILL && f->bind != QB_ONLY_IN) {
      assert_non_null(f->eval);
      assert_ptr_equal(qx_func_of((qx_fn)f->fn)->eval, f->eval);
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
  };
  return cmocka_run_group_tests_name("func", tests, setup_db, teardown_db);
}
