/* gp_query_int.h - the gp_query__ internals of query/: the syntax error of the lexer and the
 * parser, the result builders, cell values, result geometry and the value formats. Not part of
 * the public gp_query.h (as sqliteInt.h is not of sqlite3.h): for query/'s own files, and for
 * the two users outside the library that need them, the CLI (main.c: `gridpulse scan` formats
 * DOUBLEs as query results do) and tests/test_output.c (results built by hand). */
#ifndef GP_QUERY_INT_PUB_H
#define GP_QUERY_INT_PUB_H

#include "gp_query.h"

/* Sets err to `line L, column C: syntax error near "X", expected <expected>`, X being the len
 * source bytes at pos (shortened), or `end of input` when len is 0. Returns GP_PARSE. */
gp_rc gp_query__syntax_error(gp_err *err, const char *src, gp_query_pos pos, uint32_t len,
                             const char *expected);

/* Result builders (query/result.c), used by the executor to fill results and by tests.
 * A result owns its memory (no arena: it may outlive the statement's arena); columns are
 * filled independently and in bulk, each an array of its kind:
 *   BOOL, INT, TIMESTAMP (us since epoch), INTERVAL (us),
 *   CELL (gp_query__cell_pack)                          -> int64_t
 *   DOUBLE                                               -> double
 *   TEXT                                                 -> bytes + end offsets
 *   NULL                                                 -> nothing but a row count
 * plus a NULL byte-map per column allocated at the first NULL. Every column must end with
 * the same number of values; gp_result_rows is the smallest count (0 without columns).
 * Typical use, 3 rows (1, 'a'), (NULL, 'bc'), (7, NULL):
 *     gp_query__result_new(&r, &err);
 *     gp_query__result_add_col(r, "n", GP_RK_INT, &err);            // column 0
 *     gp_query__result_add_col(r, "s", GP_RK_TEXT, &err);           // column 1
 *     int64_t n[3] = {1, 0, 7}; uint8_t nn[3] = {0, 1, 0};
 *     gp_query__result_put_ints(r, 0, n, nn, 3, &err);
 *     gp_query__result_put_text(r, 1, "a", 1, &err);
 *     gp_query__result_put_text(r, 1, "bc", 2, &err);
 *     gp_query__result_put_null(r, 1, &err);
 * Builders return GP_NOMEM (err set) when they cannot grow, GP_INVALID on a column index out
 * of range or a value of the wrong kind; a failed call leaves the column as it was. */

/* Creates an empty result (no columns, no status); returns owned (free with
 * gp_query__result_free). */
gp_rc gp_query__result_new(gp_result **out, gp_err *err);
void gp_query__result_free(gp_result *r);
/* Sets the status line (copied); replaces any earlier one. */
gp_rc gp_query__result_set_status(gp_result *r, gp_err *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Adds a column (name copied) of kind k; its index is gp_result_cols(r) - 1. */
gp_rc gp_query__result_add_col(gp_result *r, const char *name, gp_result_kind k, gp_err *err);
/* Makes room for n more values in column c, so that the next n puts do not allocate. */
gp_rc gp_query__result_reserve(gp_result *r, int c, size_t n, gp_err *err);
/* Appends n values to column c: int64 for BOOL/INT/TIMESTAMP/INTERVAL/CELL, double for DOUBLE.
 * nulls (may be NULL: none) marks with a non-zero byte the values that are NULL. */
gp_rc gp_query__result_put_ints(gp_result *r, int c, const int64_t *v, const uint8_t *nulls,
                                size_t n, gp_err *err);
gp_rc gp_query__result_put_doubles(gp_result *r, int c, const double *v, const uint8_t *nulls,
                                   size_t n, gp_err *err);
/* Appends one value to column c (put_int for the int64 kinds). */
gp_rc gp_query__result_put_int(gp_result *r, int c, int64_t v, gp_err *err);
gp_rc gp_query__result_put_double(gp_result *r, int c, double v, gp_err *err);
/* Appends the n bytes at s (copied) to TEXT column c. */
gp_rc gp_query__result_put_text(gp_result *r, int c, const char *s, size_t n, gp_err *err);
/* Appends n texts to TEXT column c: s[i] of len[i] bytes (copied), NULL where nulls (may be
 * NULL: none) has a non-zero byte. One reservation for them all. */
gp_rc gp_query__result_put_texts(gp_result *r, int c, const char *const *s, const uint32_t *len,
                                 const uint8_t *nulls, size_t n, gp_err *err);
/* Appends a NULL to column c of any kind. */
gp_rc gp_query__result_put_null(gp_result *r, int c, gp_err *err);

/* Cell values (GP_RK_CELL columns, and the executor's cell values) are one int64 per cell,
 * v = cx * 2^32 + (cy + 2^31), cx and cy the cell's indices floor(x / size), floor(y / size)
 * in the database CRS (|cx|, |cy| <= 2^31 at every size), so that integer order is (cx, cy)
 * order and a cell groups, hashes and sorts as one integer. E.g. (620, 3751) ->
 * 620 * 4294967296 + 2147487399 = 2665027210919. */
static inline int64_t gp_query__cell_pack(int64_t cx, int64_t cy) {
  return cx * INT64_C(4294967296) + (cy + INT64_C(2147483648));
}
static inline void gp_query__cell_unpack(int64_t v, int64_t *cx, int64_t *cy) {
  int64_t lo = (int64_t)((uint64_t)v & UINT64_C(0xffffffff));
  *cx = (v - lo) / INT64_C(4294967296);
  *cy = lo - INT64_C(2147483648);
}

/* Marks column c of r as standing for geometry (see gp_result_geo): CELL, cells of grid g at
 * `level` (size gp_grid_cell_m(g) * 2^level); REGION, ids of regions of layer l, g being the
 * database's grid (to invert a layer kept in the database CRS). g and l are borrowed, not
 * copied: they must outlive every write of r. The executor's results satisfy this because a
 * result lives only during the gp_result_fn call that receives it, inside gp_session_exec,
 * while the database (grid) and the session's region catalog (layers; a DROP REGIONS runs only
 * after the previous statement's callback has returned) are alive. Ignored when c is out of
 * range. */
void gp_query__result_set_geo(gp_result *r, int c, gp_result_geo geo, const struct gp_grid *g,
                              const struct gp_region_layer *l, int level);
/* Reads back what gp_query__result_set_geo set (GP_GEO_NONE and NULLs when nothing). */
gp_result_geo gp_query__result_geo(const gp_result *r, int c, const struct gp_grid **g,
                                   const struct gp_region_layer **l, int *level);
/* The packed int64 of row `row` of column c (INT, BOOL, TIMESTAMP, INTERVAL, CELL kinds); false
 * when it is NULL or the column holds no integers. */
bool gp_query__result_int(const gp_result *r, size_t row, int c, int64_t *v);
/* Formats an interval of us microseconds as "[-]N day[s] HH:MM:SS[.ffffff]" (the day part
 * only when non-zero, the time only when non-zero or there are no days) into buf (>= 48
 * bytes); returns the length. A negative interval gets one leading '-'. */
int gp_query__interval_format(int64_t us, char *buf, size_t cap);
/* Formats v in its shortest form that reads back to the same double, always with a '.' or an
 * exponent so that it reads as a double ("1.0", "1e+20"; "nan", "inf", "-inf" for the
 * non-finite) into buf (>= 32 bytes); returns the length. The one place the text of a DOUBLE
 * result is made (gp_result_cell, hence every output mode, and `gridpulse scan`). */
int gp_query__double_format(double v, char *buf, size_t cap);

#endif
