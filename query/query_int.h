/* query_int.h - what the executor's files share inside query/ (prefix gp_query__ / qx_):
 * runtime values, materialised relations, bound expressions, aggregate states, time zones.
 *
 * The one idea: the planner binds the AST once into small typed expression trees (columns
 * resolved to indices, constants folded, a string compared with a SYMBOL column turned into the
 * dictionary id), and the executor then only evaluates trees over rows: decoded scan rows
 * (gp_rows, columnar) or materialised rows (arrays of qx_val). */
#ifndef GP_QUERY_INT_H
#define GP_QUERY_INT_H

#include <math.h>

#include "gp_db.h"
#include "gp_query_int.h"
#include "gp_region.h"

/* ---- values ------------------------------------------------------------------------------ */

typedef enum qx_vt {
  QV_NULL = 0,
  QV_BOOL,
  QV_INT,
  QV_DBL,
  QV_TS,   /* microseconds since the epoch, UTC */
  QV_IVL,  /* i microseconds plus n calendar months */
  QV_TEXT, /* s[0..n), borrowed: dictionary, AST or a pool that outlives the query */
  QV_CELL, /* cell(size): i = gp_query__cell_pack(cx, cy), n = the level (size = base * 2^n);
              compares as (level, cx, cy), written 'cx:cy' */
} qx_vt;

/* 16 bytes: rows of them are the materialised relations. */
typedef struct qx_val {
  uint8_t t;  /* qx_vt */
  uint32_t n; /* TEXT: bytes; IVL: months */
  union {
    int64_t i; /* BOOL, INT, TS, IVL (us) */
    double d;  /* DBL */
    const char *s;
  };
} qx_val;

static inline qx_val qx_null(void) { qx_val v = {0}; return v; }
static inline qx_val qx_int(int64_t i) { qx_val v = {0}; v.t = QV_INT; v.i = i; return v; }
/* Microseconds in one of a fixed-length interval unit (us .. w); 0 for the calendar units
 * (month, year) and lengths (km), whose value is not a number of microseconds. */
static inline int64_t qx_unit_us(gp_ast_unit u) {
  switch (u) {
  case GP_UNIT_US: return 1;
  case GP_UNIT_MS: return 1000;
  case GP_UNIT_S: return GP_USEC_PER_SEC;
  case GP_UNIT_M:
  case GP_UNIT_MIN: return 60 * GP_USEC_PER_SEC;
  case GP_UNIT_H: return GP_USEC_PER_HOUR;
  case GP_UNIT_D: return GP_USEC_PER_DAY;
  case GP_UNIT_W: return 7 * GP_USEC_PER_DAY;
  default: return 0;
  }
}

static inline qx_val qx_dbl(double d) { qx_val v = {0}; v.t = QV_DBL; v.d = d; return v; }
static inline qx_val qx_bool(bool b) { qx_val v = {0}; v.t = QV_BOOL; v.i = b; return v; }
static inline qx_val qx_ts(int64_t i) { qx_val v = {0}; v.t = QV_TS; v.i = i; return v; }
static inline qx_val qx_cell(int64_t packed, int level) {
  qx_val v = {0}; v.t = QV_CELL; v.i = packed; v.n = (uint32_t)level; return v;
}
static inline qx_val qx_text(const char *s, size_t n) {
  qx_val v = {0}; v.t = QV_TEXT; v.s = s; v.n = (uint32_t)n; return v;
}

/* Total order used by ORDER BY, grouping and DISTINCT: NULL first, numbers by value (INT and
 * DBL compare as numbers), strings bytewise. */
int qx_val_cmp(const qx_val *a, const qx_val *b);
bool qx_val_eq(const qx_val *a, const qx_val *b);
uint64_t qx_val_hash(const qx_val *v);
/* Appends v as text (timestamps 'YYYY-MM-DD HH:MM:SS', doubles shortest round-trip). */
gp_rc qx_val_fmt(const qx_val *v, gp_buf *out);
const char *qx_vt_name(qx_vt t);

/* ---- pools: strings made at run time (per thread, freed with the query) ------------------ */

typedef struct qx_pool {
  struct qx_blk *head;
  gp_mem *mem;         /* the statement's account, charged per block (NULL: no limit) */
} qx_pool;
/* Returns n bytes owned by the pool (valid until qx_pool_free), NULL when out of memory. */
void *qx_pool_alloc(qx_pool *p, size_t n);
const char *qx_pool_strdup(qx_pool *p, const char *s, size_t n);
void qx_pool_free(qx_pool *p);

/* ---- time zones (TZif files read from /usr/share/zoneinfo) ------------------------------- */

typedef struct qx_tz {
  char name[64];
  size_t n;         /* transitions */
  int64_t *at;      /* transition instants, seconds UTC, ascending */
  int32_t *off;     /* UTC offset (s) in force from at[k] on */
  int32_t off0;     /* offset before the first transition */
} qx_tz;

/* Loads zone `name` ("UTC", "Asia/Shanghai", "+08:00"). Returns owned (free with qx_tz_free). */
gp_rc qx_tz_load(const char *name, qx_tz **out, gp_err *err);
void qx_tz_free(qx_tz *tz);
/* Offset in seconds of local time from UTC at instant ts (us); tz NULL = UTC. */
int32_t qx_tz_offset(const qx_tz *tz, int64_t ts_us);
/* The UTC instant of local wall time `local_us` (the earlier one in a fold). */
int64_t qx_tz_to_utc(const qx_tz *tz, int64_t local_us);

/* Start of the bucket containing ts: fixed widths align to the epoch in local time; calendar
 * months (months > 0) to the first of the month, local midnight. */
int64_t qx_bucket(int64_t ts, int64_t width_us, uint32_t months, const qx_tz *tz);
/* The days of month m (1-12) of year y, leap years as the Gregorian calendar has them. */
unsigned qx_days_in_month(int64_t y, unsigned m);
/* ts + months calendar months (day clamped to the month's length) in local time. */
int64_t qx_add_months(int64_t ts, int64_t months, const qx_tz *tz);

/* ---- bound expressions ------------------------------------------------------------------ */

typedef enum qx_op {
  QX_CONST = 1,
  QX_COL,      /* input column: src/idx */
  QX_SYMCMP,   /* SYMBOL scan column = / <> dictionary id (k.i), neg for <> */
  QX_SYMIN,    /* SYMBOL scan column [NOT] IN a set of ids */
  QX_NEG, QX_NOT, QX_ARITH, QX_CMP, QX_AND, QX_OR,
  QX_ISNULL, QX_IN, QX_BETWEEN, QX_LIKE, QX_CASE, QX_CAST,
  QX_FUNC,     /* scalar function fn(args) */
} qx_op;

typedef enum qx_fn {
  QF_BUCKET = 1, QF_NOW, QF_ABS, QF_ROUND, QF_FLOOR, QF_CEIL, QF_SQRT, QF_LN, QF_EXP, QF_POWER,
  QF_COALESCE, QF_GREATEST, QF_LEAST, QF_LOWER, QF_UPPER, QF_LENGTH, QF_STRFTIME, QF_EPOCH,
  QF_CELL, QF_CELL_X, QF_CELL_Y, QF_X, QF_Y, QF_DATE, QF_HOUR, QF_NULLIF,
  QF_WITHIN,   /* within(region(..) | 'WKT' | '{GeoJSON}'): args lon, lat; geo */
  QF_DWITHIN,  /* dwithin(point(lon, lat), d [, 'sphere']): args lon, lat; geo */
  QF_REGION,   /* region('layer'): the id of the region holding the row; args lon, lat; geo */
  /* The centre of the cell value args[0] (cell_lon(1 km) is bound as cell_lon(cell(1 km))):
   * LON/LAT in WGS84 degrees, MX/MY in the database CRS (metres). */
  QF_CELL_LON, QF_CELL_LAT, QF_CELL_MX, QF_CELL_MY,
  QF_DATE_TRUNC, QF_DATE_PART, /* func_time.c */
} qx_fn;

/* The spatial state of a within / dwithin / region() call, built by the planner. Scan threads
 * read it concurrently; each uses only tls[its thread] (GEOS objects are never shared). */
typedef struct qx_geo {
  const gp_region_layer *layer; /* WITHIN, REGION */
  gp_region_layer *owned;       /* a literal polygon's one-region layer (freed with the query) */
  gp_region_index *ix;          /* WITHIN, REGION: cells -> regions */
  bool ix_shared;               /* ix belongs to the session's cache, not to this qx_geo */
  gp_region_tls **tls;          /* per thread, made on first use */
  int ntls;
  bool tls_shared;              /* tls belongs to the session's cache (see ix_lend_tls) */
  bool need_xy;                 /* WITHIN, REGION: some region is tested projected */
  gp_cell_range *cells;         /* the ranges a scan must read (DWITHIN: owned; else ix's) */
  size_t ncells;
  double cx, cy;                /* DWITHIN: the centre, projected */
  double clon, clat;            /* DWITHIN: the centre, degrees */
  double d;                     /* DWITHIN: metres */
  bool sphere;                  /* DWITHIN: great-circle metres on lon/lat */
  char what[96];                /* for EXPLAIN */
} qx_geo;

/* The thread's GEOS state for g, made on first use: only thread th touches slot th. NULL when
 * th is out of range or memory ran out. */
gp_region_tls *qx_geo_tls(qx_geo *g, int th);

/* Where a COL node reads: a decoded scan row, or one of two materialised rows. */
enum { QX_SRC_ROWS = 0, QX_SRC_VALS = 1, QX_SRC_VALS2 = 2 };

typedef struct qx_ex qx_ex;
struct qx_func; /* func_int.h: a function's registry entry */
struct qx_ex {
  uint8_t op;          /* qx_op */
  uint8_t sub;         /* gp_ast_op for ARITH/CMP, qx_fn for FUNC, qx_vt for CAST */
  uint8_t t;           /* static result type (QV_NULL when unknown) */
  bool neg;            /* NOT IN / NOT BETWEEN / NOT LIKE / IS NOT NULL / <> */
  uint8_t src;         /* COL: QX_SRC_* */
  uint8_t ctype;       /* COL on scan rows: the gp_type of the column */
  int idx;             /* COL: column index; FUNC cell: level */
  int nargs;
  qx_ex **args;        /* operands (ARITH/CMP a,b; CASE: [operand?] when,then.. [else]) */
  qx_val k;            /* CONST value; SYMCMP id in k.i */
  int64_t *ids;        /* SYMIN: ids, sorted (test with qx_ids_has) */
  size_t nids;
  const gp_table *tab; /* COL of SYMBOL type on scan rows: whose dictionary */
  const qx_tz *tz;     /* bucket(ts, i, 'zone'): the zone, loaded by the planner */
  qx_geo *geo;         /* QF_WITHIN / QF_DWITHIN / QF_REGION */
  const struct qx_func *def; /* FUNC: the registry entry whose implementation runs the call */
  gp_query_pos pos;
};

/* Everything an expression may read while it is evaluated. */
typedef struct qx_row {
  const gp_rows *rows; /* scan rows (QX_SRC_ROWS) */
  size_t i;            /* row in rows */
  const qx_val *vals;  /* QX_SRC_VALS */
  const qx_val *vals2; /* QX_SRC_VALS2 */
  int th;              /* the evaluating thread (indexes per-thread state such as qx_geo.tls) */
} qx_row;

/* Query-wide evaluation context (read-only while threads run). */
typedef struct qx_ctx {
  gp_db *db;
  const gp_grid *grid;
  int64_t now;
  const qx_tz *tz;     /* session time zone (NULL = UTC) */
} qx_ctx;

/* Errors found while evaluating: division by zero, bigint/interval/timestamp out of range, a
 * cast whose value does not fit or does not parse. qx_eval returns a value, not a gp_rc (it
 * runs a few times per row and per node), so it records the first such error on the
 * evaluating thread, writes NULL as the value, and carries on; whoever drives the evaluation
 * (a scan callback after each unit, the planner after folding a constant, a statement before
 * it answers) takes the error with qx_fault_take and stops. Thread-local, so scan threads never
 * share it. The message is PostgreSQL's, after the operator's position:
 * `line 1, column 10: division by zero`. */
void qx_fault(gp_query_pos pos, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Whether this thread has an error pending. */
bool qx_faulted(void);
/* Moves this thread's pending error into err (first error wins there too) and clears it;
 * returns its rc, GP_OK when none is pending. */
gp_rc qx_fault_take(gp_err *err);

/* Reads text as a timestamp as CAST and literals do (gp_ts_parse_ex); on failure records
 * PostgreSQL's error for it at pos (`invalid input syntax for type timestamp: "..."` or
 * `date/time field value out of range: "..."`) in err, or as a fault when err is NULL. */
bool qx_text_ts(const char *s, size_t n, gp_query_pos pos, int64_t *out, gp_err *err);
/* Reads text such as '1 hour', '1 day 2 hours', '-90 min' or '01:30:00' as an interval (the
 * units of `5 m`, m being minutes); false when it is not one. */
bool qx_text_ivl(const char *s, size_t n, qx_val *out);
/* epoch() of an interval as PostgreSQL's extract(epoch from interval): its seconds, a month
 * counting 30 days and a year 365.25. */
double qx_ivl_epoch(const qx_val *v);

/* Evaluates x over row r; strings made on the way go to pool. */
void qx_eval(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool, qx_val *out);
/* True when x evaluates to TRUE (NULL and FALSE are false). */
bool qx_eval_true(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool);
/* SQL LIKE with % and _ (no escape character). */
bool qx_like(const char *s, size_t n, const char *p, size_t pn);
/* Reads column c of scan row i as a value (SYMBOL as its dictionary string). */
qx_val qx_rows_get(const qx_ctx *c, const gp_rows *rows, size_t i, int col, gp_type ty,
                   const gp_table *t);

/* A string constant next to a TIMESTAMP or an INTERVAL takes that type, as PostgreSQL reads an
 * untyped literal (the planner calls these on bound operands): qx_coerce makes a text
 * constant x of type t (TS or IVL; others leave it), an error at x's position when it does not
 * read as one; qx_coerce_arith does it for the operands of + and - (ts - 'text' reads a
 * timestamp, or an interval when the text is one); qx_coerce_peers for CASE branches and
 * coalesce-like arguments (the type of the first TIMESTAMP or INTERVAL among v). */
gp_rc qx_coerce(qx_ex *x, qx_vt t, gp_err *err);
gp_rc qx_coerce_arith(gp_ast_op op, qx_ex *l, qx_ex *r, gp_err *err);
gp_rc qx_coerce_peers(qx_ex **v, int n, gp_err *err);

/* ---- aggregates ------------------------------------------------------------------------ */

typedef enum qx_agg_kind {
  QA_COUNT_STAR = 1, QA_COUNT, QA_COUNT_DISTINCT, QA_SUM, QA_AVG, QA_MIN, QA_MAX, QA_STDDEV,
  QA_FIRST, QA_LAST, QA_SLOPE, QA_PREDICT, QA_QUANTILE,
} qx_agg_kind;

/* One aggregate call of a query: its arguments bound against the input. */
typedef struct qx_agg {
  qx_agg_kind kind;
  qx_ex *arg;        /* value argument (NULL for count(*)) */
  qx_ex *ts;         /* first/last/slope/predict: the time argument */
  double q;          /* quantile */
  int64_t horizon;   /* predict_linear: us */
  uint8_t in_t;      /* static type of arg */
  gp_query_pos pos;  /* the call, for errors of the result (a sum out of range) */
  gp_mem *mem;       /* the statement's account: count(DISTINCT) sets and quantile arrays grow
                        with the input and are charged to it (NULL: no limit) */
} qx_agg;

/* The partial state of one aggregate for one group; 96 bytes, merged across threads.
 * Sums of decimal numbers are exact: a DOUBLE v is accumulated as the integer round(v * 1e6)
 * whenever that integer divided by 1e6 gives back v exactly (true of every value read from
 * text with <= 6 decimals), so sums do not depend on the order rows arrive in, and thus not on
 * the thread count; other values fall back to a double sum. */
typedef struct qx_aggst {
  int64_t n;            /* values seen (non-null) */
  __int128 s1;          /* exact sum (scaled by 1e6 for DOUBLE input) / sum of x for slope */
  __int128 s2;          /* exact sum of squares (1e12) / sum of x^2 */
  __int128 s3;          /* slope: sum of x*y (y scaled 1e6) */
  double d1, d2;        /* fallback double sums (values that are not 6-decimal) */
  qx_val v;             /* min/max/first/last value; slope: sum of y (exact when d1 unused) */
  int64_t ts;           /* first/last: the time of v; slope: max x */
  int64_t nd;           /* values that went to the double fallback */
  void *p;              /* quantile: double array; count distinct: hash set */
  size_t pn, pcap;
} qx_aggst;

void qx_agg_init(const qx_agg *a, qx_aggst *s);
/* Adds one input row. Strings kept (min/max/first/last of TEXT) are copied into pool. */
gp_rc qx_agg_add(const qx_ctx *c, const qx_agg *a, qx_aggst *s, const qx_row *r, qx_pool *pool);
/* Whether id is among ids[0..n) (ascending): a SYMIN set, tested by eval.c's row path and
 * the vectorised filters alike. */
static inline bool qx_ids_has(const int64_t *ids, size_t n, int64_t id) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t m = (lo + hi) / 2;
    if (ids[m] < id) lo = m + 1;
    else hi = m;
  }
  return lo < n && ids[lo] == id;
}

/* Sums of decimal numbers are exact: a DOUBLE with at most 6 decimals is summed as an
 * integer of micro-units (see agg.c). These are inline because the vectorised scan calls them
 * once per row and aggregate. */
#define QX_MICRO 1000000.0

/* round(v * 1e6) when that integer gives v back exactly, i.e. v has <= 6 decimals as read
 * from text: 12.34 -> 12340000 (12340000 / 1e6 is the double nearest 12.34, which is v). */
static inline bool qx_to_micro(double v, int64_t *r) {
  if (!(fabs(v) < 9e12)) return false;
  double s = v * QX_MICRO;
  /* llround is a library call; below 1e15 rounding half away from zero by hand gives the
   * same k whenever the check below can pass */
  int64_t k = fabs(s) < 1e15 ? (int64_t)(s < 0 ? s - 0.5 : s + 0.5) : (int64_t)llround(s);
  if ((double)k / QX_MICRO != v) return false;
  *r = k;
  return true;
}

static inline void qx_add_num(qx_aggst *s, const qx_val *v, bool squares) {
  int64_t r;
  if (v->t == QV_INT || v->t == QV_BOOL) {
    s->s1 += v->i; /* INT sums stay in units */
  } else if (qx_to_micro(v->d, &r)) {
    s->s1 += r;
    if (squares) s->s2 += (__int128)r * r;
  } else {
    s->d1 += v->d;
    s->d2 += v->d * v->d;
    s->nd++;
  }
  s->n++;
}

/* What qx_agg_add does for count(x), sum(x) and avg(x) once x is known to be v (not NULL),
 * for callers that compute x without qx_eval (the vectorised scan). */
static inline void qx_agg_add_num(const qx_agg *a, qx_aggst *s, qx_val v) {
  if (a->kind == QA_COUNT) {
    s->n++;
  } else if (v.t == QV_IVL) {
    s->s1 += v.i;
    s->n++;
  } else if (v.t == QV_INT || v.t == QV_BOOL || v.t == QV_DBL) {
    if (a->in_t == QV_DBL && v.t != QV_DBL) v = qx_dbl((double)v.i);
    qx_add_num(s, &v, false);
  }
}

/* Folds src into dst (src is left empty). */
gp_rc qx_agg_merge(const qx_agg *a, qx_aggst *dst, qx_aggst *src);
/* Adds a covered unit from its summary: only COUNT_STAR/COUNT/SUM/AVG/MIN/MAX of a plain
 * column qualify (qx_agg_summary_ok). */
bool qx_agg_summary_ok(const qx_agg *a);
void qx_agg_add_summary(const qx_agg *a, qx_aggst *s, const gp_unit_info *u);
qx_val qx_agg_final(const qx_agg *a, qx_aggst *s);
void qx_agg_release(const qx_agg *a, qx_aggst *s);
/* The bytes a's state needs: count(*) and count(x) use only n, so their states are 16 bytes
 * (the start of a qx_aggst, which every function here keeps to for them); the others a whole
 * qx_aggst. A multiple of the state's alignment. */
size_t qx_agg_state_size(const qx_agg *a);
/* Static result type of an aggregate over an input of type in. */
qx_vt qx_agg_type(qx_agg_kind k, qx_vt in);

/* ---- windows --------------------------------------------------------------------------- */

typedef enum qx_win_kind {
  QW_AVG = 1, QW_SUM, QW_MIN, QW_MAX, QW_COUNT, QW_STDDEV, QW_LAG, QW_LEAD, QW_ROW_NUMBER,
} qx_win_kind;

/* Computes out[k] for the rows of one partition, in window order: vals[k] is the argument of
 * row k (ignored by row_number). Frame [k + lo, k + hi] clipped to the partition (lo/hi as
 * signed offsets: n PRECEDING = -n); for lag/lead, off is the offset and dflt the default. */
void qx_window_eval(qx_win_kind kind, const qx_val *vals, size_t n, int64_t lo, int64_t hi,
                    int64_t off, qx_val dflt, qx_val *out);

/* ---- warnings (query/warn.c): the hooks exec.c calls ---------------------------------- */

/* The evaluation clock of a warning's query at one slot: now() = slot - DELAY, and every
 * scan of a table with a TIME column is clamped to rows at or before that instant (its
 * window recorded, so that ON NODATA can tell an empty window from a quiet query). Set on a
 * session by the warning evaluator only; NULL everywhere else. */
typedef struct gp_query__clock {
  int64_t at;            /* rows with time <= at are visible */
  int nwin;              /* windows recorded by the scans of the statement */
  struct { uint16_t table; int64_t lo, hi; } win[16];
} gp_query__clock;

/* Clamps a scan window [*lo, *hi) of table `table` to the clock (no-op when c is NULL). */
void gp_query__clock_clamp(gp_query__clock *c, uint16_t table, int64_t *lo, int64_t *hi);
/* Points session s at clock c (NULL: the ordinary wall clock / SET now again); now() is
 * c->at while it is set. */
void gp_session__set_clock(gp_session *s, gp_query__clock *c);
/* The text of the script the session is running (for statements that store their source). */
const char *gp_session__src(const gp_session *s, size_t *len);
struct gp_db *gp_session__db(gp_session *s);
/* True for the statements query/warn.c runs: CREATE / ALTER / DROP / DESCRIBE WARNING, SHOW
 * WARNINGS / ALERTS. */
bool gp_query__warn_owns(const gp_ast *st);
gp_rc gp_query__warn_stmt(gp_session *s, gp_ast *st, gp_result **out, gp_err *err);
/* The SELECT a system view stands for (`alerts`), parsed into arena a, or *out NULL when
 * name is no system view of db. */
gp_rc gp_query__system_view(struct gp_db *db, gp_query_arena *a, const char *name, gp_ast **out,
                            gp_err *err);
/* Binds warning w's query as CREATE WARNING does: runs it once at the slot of `at`, and
 * checks BY and MESSAGE names. An error's position is mapped into src, where the statement
 * text w->sql starts at byte base. */
struct gp_warn_def;
gp_rc gp_query__warn_check(struct gp_db *db, const struct gp_warn_def *w, int64_t at,
                           const char *src, size_t base, gp_err *err);

/* ---- forecasts ------------------------------------------------------------------------- */

/* QFC_: forecast methods (QF_ is qx_fn's, the scalar functions). */
typedef enum qx_fc_method { QFC_LINEAR = 1, QFC_HOLT_WINTERS } qx_fc_method;

/* Fits the equally spaced series y[0..n) and writes the next h values to f[0..h) and the
 * half-widths of their 95% prediction intervals to half[0..h). LINEAR: least squares line.
 * HOLT_WINTERS: additive trend and season of `period` steps (period <= 1: Holt's trend only),
 * smoothing parameters fitted by grid search on the one-step errors. GP_INVALID (err set) when
 * the series is too short to fit: fewer than 3 points, or than 2 seasons. */
gp_rc qx_forecast(qx_fc_method m, const double *y, size_t n, int period, size_t h, double *f,
                  double *half, gp_err *err);

/* ---- sinks (exec_sink.c) --------------------------------------------------------------- */

/* CREATE SINK, DROP SINK and SHOW SINKS (st: GP_AST_CREATE_SINK, or a DROP / SHOW of
 * GP_OBJ_SINK). Returns an owned result in *out. */
gp_rc gp_query__exec_sink(gp_db *db, const gp_ast *st, gp_result **out, gp_err *err);

#endif
