/* test_explain.c - EXPLAIN prints the plan of a SELECT (query/plan_explain.c) before it runs:
 * LIMIT and OFFSET as written (EXPLAIN used to print the rows it cut from no rows: "limit 0
 * offset 0" for LIMIT 5), the group keys and aggregates by their text, HAVING, the ORDER BY
 * keys with direction and NULLS placement, windows, top-n and DISTINCT. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "exec_fixture.h"

/* Asserts that the EXPLAIN text of sql holds every line of want (each a whole line). */
static void has_lines(fixture *f, const char *sql, const char *const *want, int n) {
  const char *plan = run(f, sql, GP_OK);
  for (int k = 0; k < n; k++) {
    char line[200];
    snprintf(line, sizeof line, "%s\n", want[k]);
    if (!strstr(plan, line)) fail_msg("no line \"%s\" in:\n%s", want[k], plan);
  }
}

static void test_explain_grouped(void **st) {
  fixture *f = *st;
  const char *sql = "EXPLAIN SELECT category, count(*) AS n, sum(handle_hours) FROM events WHERE "
                    "ts >= '2024-08-01' AND ts < '2024-09-01' GROUP BY category HAVING count(*) > 1 "
                    "ORDER BY n DESC LIMIT 5";
  const char *want[] = {"aggregate: 1 key, 2 aggregates", "  group by: category",
                        "  aggregates: (call count *), (call sum handle_hours)",
                        "having: (> (call count *) 1)", "sort: 1 key", "  n desc nulls first",
                        "limit 5 offset 0"};
  has_lines(f, sql, want, 7);
}

static void test_explain_rows(void **st) {
  fixture *f = *st;
  const char *want[] = {"sort: 1 key", "  ts asc nulls last",
                        "top-n: each thread keeps its best 5 rows", "limit 3 offset 2"};
  has_lines(f, "EXPLAIN SELECT id FROM events ORDER BY ts LIMIT 3 OFFSET 2", want, 4);
  const char *win[] = {"window: 1 function", "limit all offset 4"};
  has_lines(f, "EXPLAIN SELECT id, row_number() OVER (ORDER BY ts) FROM events OFFSET 4", win, 2);
  const char *dis[] = {"distinct"};
  has_lines(f, "EXPLAIN SELECT DISTINCT x FROM (SELECT 1 AS x UNION ALL SELECT 1 UNION ALL SELECT 2)",
            dis, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_explain_grouped),
      cmocka_unit_test(test_explain_rows),
  };
  return cmocka_run_group_tests_name("explain", tests, setup_db, teardown_db);
}
