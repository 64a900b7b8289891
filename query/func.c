/* func.c - the function registry (see func_int.h): one entry per name, aliases included, in
 * name order (qx_func_at lists them so, and tests/test_func.c checks the order).
 *
 * An entry says what the binder and the reference need: kind, arity, result type or the rule
 * that gives it, the binder hook, and the implementation (the qx_fn eval.c's evaluator runs,
 * the qx_agg_kind agg.c's states run, the qx_win_kind a window runs). */
#include <stdlib.h>
#include <string.h>

#include "func_int.h"

#define SC QK_SCALAR
#define AG QK_AGG
#define WI QK_WINDOW
#define TB QK_TABLE

static const qx_func FUNCS[] = {
    {"abs", SC, QB_SCALAR, QT_ARG0, QV_NULL, 1, 1, QF_ABS, 0, "abs(x) -> type of x",
     "absolute value; abs of the smallest INT is `bigint out of range`"},
    {"avg", AG, QB_AGG, QT_FIXED, QV_DBL, 1, 1, QA_AVG, QW_AVG, "avg(x) -> DOUBLE",
     "the mean of the non-NULL values"},
    {"bucket", SC, QB_BUCKET, QT_FIXED, QV_TS, 2, 3, QF_BUCKET, 0,
     "bucket(ts, width [, zone]) -> TIMESTAMP",
     "the start of ts's bucket of the width (calendar months and years; days in the zone)"},
    {"ceil", SC, QB_SCALAR, QT_ARG0, QV_NULL, 1, 1, QF_CEIL, 0, "ceil(x) -> type of x",
     "the smallest whole number not below x"},
    {"cell", SC, QB_CELL, QT_FIXED, QV_CELL, 1, 1, QF_CELL, 0, "cell(size) -> CELL",
     "the row's grid cell of the size (the base cell times a power of 2), in WHERE or GROUP BY"},
    {"cell_lat", SC, QB_CELL, QT_FIXED, QV_DBL, 1, 1, QF_CELL_LAT, 0,
     "cell_lat(size | cell) -> DOUBLE", "the latitude of the cell's centre (WGS84 degrees)"},
    {"cell_lon", SC, QB_CELL, QT_FIXED, QV_DBL, 1, 1, QF_CELL_LON, 0,
     "cell_lon(size | cell) -> DOUBLE", "the longitude of the cell's centre (WGS84 degrees)"},
    {"cell_mx", SC, QB_CELL, QT_FIXED, QV_DBL, 1, 1, QF_CELL_MX, 0,
     "cell_mx(size | cell) -> DOUBLE", "the x of the cell's centre in the database CRS (metres)"},
    {"cell_my", SC, QB_CELL, QT_FIXED, QV_DBL, 1, 1, QF_CELL_MY, 0,
     "cell_my(size | cell) -> DOUBLE", "the y of the cell's centre in the database CRS (metres)"},
    {"cell_x", SC, QB_CELL, QT_FIXED, QV_INT, 1, 1, QF_CELL_X, 0, "cell_x(size) -> INT",
     "the column of the row's cell of the size"},
    {"cell_y", SC, QB_CELL, QT_FIXED, QV_INT, 1, 1, QF_CELL_Y, 0, "cell_y(size) -> INT",
     "the row of the row's cell of the size"},
    {"coalesce", SC, QB_SCALAR, QT_PEERS, QV_NULL, 1, 64, QF_COALESCE, 0,
     "coalesce(x, ...) -> type of x", "the first non-NULL argument (later ones not evaluated)"},
    {"count", AG, QB_AGG, QT_FIXED, QV_INT, 1, 1, QA_COUNT, QW_COUNT, "count(* | x | DISTINCT x) -> INT",
     "count(*) rows, count(x) non-NULL values, count(DISTINCT x) distinct ones"},
    {"date", SC, QB_SCALAR, QT_FIXED, QV_TS, 1, 1, QF_DATE, 0, "date(ts) -> TIMESTAMP",
     "the start of ts's day in the session's time zone"},
    {"date_part", SC, QB_SCALAR, QT_FIXED, QV_DBL, 2, 2, QF_DATE_PART, 0,
     "date_part(field, ts) -> DOUBLE",
     "year, quarter, month, week (ISO), isoyear, day, doy, dow (Sunday 0), isodow (Monday 1), "
     "hour, minute, second (with its fraction), milliseconds, microseconds, decade, century, "
     "millennium or epoch of ts, in the session's time zone"},
    {"date_trunc", SC, QB_ZONED, QT_FIXED, QV_TS, 2, 3, QF_DATE_TRUNC, 0,
     "date_trunc(unit, ts [, zone]) -> TIMESTAMP",
     "ts truncated to the start of its microsecond, millisecond, second, minute, hour, day, "
     "week (Monday), month, quarter, year, decade, century or millennium, in the zone"},
    {"dwithin", SC, QB_GEO, QT_FIXED, QV_BOOL, 2, 3, QF_DWITHIN, 0,
     "dwithin(point(lon, lat), distance [, 'planar' | 'sphere']) -> BOOLEAN",
     "the row's position is at most the distance from the point"},
    {"epoch", SC, QB_SCALAR, QT_FIXED, QV_DBL, 1, 1, QF_EPOCH, 0,
     "epoch(ts | interval) -> DOUBLE",
     "seconds since 1970, or an interval's seconds (a month 30 days, a year 365.25)"},
    {"exp", SC, QB_SCALAR, QT_FIXED, QV_DBL, 1, 1, QF_EXP, 0, "exp(x) -> DOUBLE", "e to the x"},
    {"first", AG, QB_AGG, QT_ARG0, QV_NULL, 2, 2, QA_FIRST, 0, "first(x, ts) -> type of x",
     "x at the earliest ts (ties: the smallest x)"},
    {"floor", SC, QB_SCALAR, QT_ARG0, QV_NULL, 1, 1, QF_FLOOR, 0, "floor(x) -> type of x",
     "the largest whole number not above x"},
    {"gapfill", SC, QB_GAPFILL, QT_FIXED, QV_TS, 2, 5, QF_BUCKET, 0,
     "gapfill(ts, width [, zone] [, start, end]) -> TIMESTAMP",
     "bucket() as a GROUP BY key that also yields the empty buckets of the WHERE's time range"},
    {"greatest", SC, QB_SCALAR, QT_PEERS, QV_NULL, 1, 64, QF_GREATEST, 0,
     "greatest(x, ...) -> type of x", "the largest non-NULL argument"},
    {"hour", SC, QB_SCALAR, QT_FIXED, QV_INT, 1, 1, QF_HOUR, 0, "hour(ts) -> INT",
     "the hour of ts (0-23) in the session's time zone"},
    {"interpolate", SC, QB_FILL, QT_FIXED, QV_NULL, 1, 1, 0, 0, "interpolate(agg) -> DOUBLE",
     "in a gapfill query: an empty bucket's value on the line between its neighbours"},
    {"lag", WI, QB_WINDOW, QT_ARG0, QV_NULL, 1, 3, 0, QW_LAG,
     "lag(x [, offset [, default]]) OVER (..) -> type of x", "x at offset rows before (1)"},
    {"last", AG, QB_AGG, QT_ARG0, QV_NULL, 2, 2, QA_LAST, 0, "last(x, ts) -> type of x",
     "x at the latest ts (ties: the largest x)"},
    {"lead", WI, QB_WINDOW, QT_ARG0, QV_NULL, 1, 3, 0, QW_LEAD,
     "lead(x [, offset [, default]]) OVER (..) -> type of x", "x at offset rows after (1)"},
    {"least", SC, QB_SCALAR, QT_PEERS, QV_NULL, 1, 64, QF_LEAST, 0,
     "least(x, ...) -> type of x", "the smallest non-NULL argument"},
    {"length", SC, QB_SCALAR, QT_FIXED, QV_INT, 1, 1, QF_LENGTH, 0, "length(s) -> INT",
     "the number of characters (UTF-8 code points)"},
    {"ln", SC, QB_SCALAR, QT_FIXED, QV_DBL, 1, 1, QF_LN, 0, "ln(x) -> DOUBLE",
     "the natural logarithm (NULL for x <= 0)"},
    {"locf", SC, QB_FILL, QT_FIXED, QV_NULL, 1, 1, 0, 0, "locf(agg) -> type of agg",
     "in a gapfill query: an empty bucket takes the last value before it"},
    {"lower", SC, QB_SCALAR, QT_FIXED, QV_TEXT, 1, 1, QF_LOWER, 0, "lower(s) -> TEXT",
     "s in lower case (ASCII letters)"},
    {"max", AG, QB_AGG, QT_ARG0, QV_NULL, 1, 1, QA_MAX, QW_MAX, "max(x) -> type of x",
     "the largest value"},
    {"mean", AG, QB_AGG, QT_FIXED, QV_DBL, 1, 1, QA_AVG, QW_AVG, "mean(x) -> DOUBLE",
     "avg(x)"},
    {"min", AG, QB_AGG, QT_ARG0, QV_NULL, 1, 1, QA_MIN, QW_MIN, "min(x) -> type of x",
     "the smallest value"},
    {"nearest", TB, QB_ONLY_IN, QT_FIXED, QV_NULL, 3, 3, 0, 0,
     "nearest(table, point(lon, lat), k) in FROM",
     "the k rows of a located table nearest to the point, with their distance"},
    {"now", SC, QB_SCALAR, QT_FIXED, QV_TS, 0, 0, QF_NOW, 0, "now() -> TIMESTAMP",
     "the statement's time (SET now overrides it)"},
    {"nullif", SC, QB_SCALAR, QT_PEERS, QV_NULL, 2, 2, QF_NULLIF, 0,
     "nullif(a, b) -> type of a", "NULL when a = b, else a"},
    {"point", SC, QB_ONLY_IN, QT_FIXED, QV_NULL, 2, 2, 0, 0, "point(lon, lat)",
     "a position, as the first argument of dwithin() or nearest()"},
    {"power", SC, QB_SCALAR, QT_FIXED, QV_DBL, 2, 2, QF_POWER, 0, "power(x, y) -> DOUBLE",
     "x to the y"},
    {"predict_linear", AG, QB_AGG, QT_FIXED, QV_DBL, 3, 3, QA_PREDICT, 0,
     "predict_linear(x, ts, h) -> DOUBLE", "the least-squares line at h after the latest ts"},
    {"quantile", AG, QB_AGG, QT_FIXED, QV_DBL, 2, 2, QA_QUANTILE, 0,
     "quantile(x, q) -> DOUBLE", "the q-quantile of x, linear between ranks"},
    {"region", SC, QB_GEO, QT_FIXED, QV_TEXT, 1, 2, QF_REGION, 0,
     "region('layer') -> TEXT", "the id of the layer's region covering the row's position"},
    {"round", SC, QB_SCALAR, QT_ROUND, QV_NULL, 1, 2, QF_ROUND, 0,
     "round(x [, n]) -> DOUBLE (INT for round(int))",
     "x rounded to n places, halves away from zero, on x's shortest decimal text"},
    {"row_number", WI, QB_WINDOW, QT_FIXED, QV_INT, 0, 0, 0, QW_ROW_NUMBER,
     "row_number() OVER (..) -> INT", "the row's number in its partition, from 1"},
    {"slope", AG, QB_AGG, QT_FIXED, QV_DBL, 2, 2, QA_SLOPE, 0, "slope(x, ts) -> DOUBLE",
     "the least-squares slope of x per hour"},
    {"sqrt", SC, QB_SCALAR, QT_FIXED, QV_DBL, 1, 1, QF_SQRT, 0, "sqrt(x) -> DOUBLE",
     "the square root (NULL for x < 0)"},
    {"stddev", AG, QB_AGG, QT_FIXED, QV_DBL, 1, 1, QA_STDDEV, QW_STDDEV, "stddev(x) -> DOUBLE",
     "the sample standard deviation"},
    {"stddev_samp", AG, QB_AGG, QT_FIXED, QV_DBL, 1, 1, QA_STDDEV, QW_STDDEV,
     "stddev_samp(x) -> DOUBLE", "stddev(x)"},
    {"strftime", SC, QB_SCALAR, QT_FIXED, QV_TEXT, 2, 2, QF_STRFTIME, 0,
     "strftime(ts, format) -> TEXT", "ts as text in the session's time zone"},
    {"sum", AG, QB_AGG, QT_FIXED, QV_NULL, 1, 1, QA_SUM, QW_SUM,
     "sum(x) -> INT for INT, INTERVAL for INTERVAL, else DOUBLE",
     "exact for decimals of up to 6 places; INT sums past int64 are an error"},
    {"time_bucket", SC, QB_BUCKET, QT_FIXED, QV_TS, 2, 3, QF_BUCKET, 0,
     "time_bucket(ts, width [, zone]) -> TIMESTAMP", "bucket()"},
    {"upper", SC, QB_SCALAR, QT_FIXED, QV_TEXT, 1, 1, QF_UPPER, 0, "upper(s) -> TEXT",
     "s in upper case (ASCII letters)"},
    {"within", SC, QB_GEO, QT_FIXED, QV_BOOL, 1, 1, QF_WITHIN, 0,
     "within(region('layer', 'id') | 'WKT' | 'GeoJSON') -> BOOLEAN",
     "the polygon covers the row's position"},
    {"x", SC, QB_XY, QT_FIXED, QV_DBL, 0, 0, QF_X, 0, "x() -> DOUBLE",
     "the row's projected x (database CRS), in GROUP BY"},
    {"y", SC, QB_XY, QT_FIXED, QV_DBL, 0, 0, QF_Y, 0, "y() -> DOUBLE",
     "the row's projected y (database CRS), in GROUP BY"},
};

#define NFUNCS (sizeof FUNCS / sizeof *FUNCS)

static int by_name(const void *key, const void *e) {
  return strcmp((const char *)key, ((const qx_func *)e)->name);
}

const qx_func *qx_func_find(const char *name) {
  return bsearch(name, FUNCS, NFUNCS, sizeof *FUNCS, by_name);
}

const qx_func *qx_func_at(size_t i) { return i < NFUNCS ? &FUNCS[i] : NULL; }

const char *qx_func_kind_name(int kind) {
  switch (kind) {
  case QK_SCALAR: return "scalar";
  case QK_AGG: return "aggregate";
  case QK_WINDOW: return "window";
  case QK_TABLE: return "table";
  }
  return "?";
}

bool gp_query_func(size_t i, gp_query_func_info *out) {
  const qx_func *f = qx_func_at(i);
  if (!f) return false;
  out->name = f->name;
  out->kind = qx_func_kind_name(f->kind);
  out->sig = f->sig;
  out->doc = f->doc;
  out->over = f->kind == QK_AGG && f->win;
  return true;
}
