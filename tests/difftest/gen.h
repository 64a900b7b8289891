/* gen.h - the differential tester's query generator: random SELECTs from a grammar, each
 * rendered twice, once in gridpulse's dialect and once in SQLite's, from one tree.
 *
 * The one idea: a query is a small typed tree (expressions know their type, so every query
 * generated is well-typed) that both dialects render; where the two languages spell a thing
 * differently (bucket(), timestamps plus intervals, NULLS placement in ORDER BY) the renderer
 * writes each its own way, and where their semantics differ (division by zero, overflow) the
 * generator does not go. The tree is kept so that the reducer can shrink a failing query by
 * dropping parts of it and rendering again. */
#ifndef DT_GEN_H
#define DT_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum dt_type { DT_INT, DT_DBL, DT_TEXT, DT_TS, DT_BOOL } dt_type;

enum { DT_MAX_COLS = 16, DT_MAX_POOL = 64 };

/* A column of a table both engines hold, and literals that occur in it (so that generated
 * predicates select something). Pool strings are SQL literals valid in both dialects except
 * for timestamps, which are bare 'YYYY-MM-DD HH:MM:SS' texts. */
typedef struct dt_col {
  const char *name;
  dt_type t;
  const char *pool[DT_MAX_POOL];
  int npool;
} dt_col;

typedef struct dt_table {
  const char *name;  /* in both engines */
  const char *alias; /* used in join queries */
  dt_col cols[DT_MAX_COLS];
  int ncols;
} dt_table;

/* The big (scanned) table; small, the table it joins with on join_col (a TEXT column of both). */
typedef struct dt_schema {
  dt_table big;
  dt_table small;
  const char *join_col;
  int ts_col;     /* index of big's TIMESTAMP column */
  int64_t ts_lo;  /* the data's time range, seconds since the epoch */
  int64_t ts_hi;
  int lon_col, lat_col; /* big's LOCATION columns, -1 without */
  int uniq_col;         /* a column of big whose values are unique and never NULL (windows
                         * order by it last, so that their order is total), -1 without */
  double lon_lo, lon_hi, lat_lo, lat_hi; /* the data's box */
  int64_t row_window; /* seconds, 0 = none: every query whose answer is row-sized (plain rows,
                       * grouped) gets a time window at most this wide, so that a real table
                       * of 10^5 rows compares thousands of rows per query, not all of them */
} dt_schema;

typedef struct dt_query dt_query;

/* Makes a random query over sc from the generator state *rng (advanced). Returns owned (free
 * with dt_query_free), NULL when out of memory. sc is borrowed and must outlive the query. */
dt_query *dt_query_gen(const dt_schema *sc, uint64_t *rng);
void dt_query_free(dt_query *q);

/* Renders q in gridpulse's (sqlite false) or SQLite's dialect into buf (cap bytes, always
 * NUL-terminated). Returns false when it did not fit. */
bool dt_query_render(const dt_query *q, bool sqlite, char *buf, size_t cap);
/* True when the query's ORDER BY fixes the order of its rows (so results compare in order);
 * else they compare as multisets. */
bool dt_query_ordered(const dt_query *q);

/* TLP's four counts of q's rows, in gridpulse's dialect: part 0 `SELECT count(*) FROM ...`
 * without WHERE, 1 WHERE (p), 2 WHERE NOT (p), 3 WHERE (p) IS NULL, p the AND of q's WHERE
 * terms. False when q has no WHERE or the text did not fit. */
bool dt_query_render_tlp(const dt_query *q, int part, char *buf, size_t cap);

/* Reduction: the number of ways q can be made smaller, and the query made by way i (owned,
 * or NULL when way i does not apply). Each way drops one part: a WHERE term, a select item,
 * a grouping key, HAVING, ORDER BY/LIMIT, DISTINCT, the join, or replaces an expression by
 * one of its operands. */
int dt_query_nreduce(const dt_query *q);
dt_query *dt_query_reduce(const dt_query *q, int i);

#endif
