/* func_int.h - the function registry: every function the language knows, one entry each.
 *
 * The binder finds a call's entry here (arity, result type, which binder hook runs it), the
 * evaluator runs its implementation, and SHOW FUNCTIONS, the REPL's completion and the
 * generated reference (doc/functions.md, `gridpulse --functions-md`) list the same entries, so
 * a function added here is bound, completed and documented at once. */
#ifndef GP_FUNC_INT_H
#define GP_FUNC_INT_H

#include "query_int.h"

typedef enum qx_fkind { QK_SCALAR = 1, QK_AGG, QK_WINDOW, QK_TABLE } qx_fkind;

/* The binder hook of an entry: an index into bind.c's table of hooks (the binder's code lives
 * with the binder, the registry names which part of it a function needs). */
typedef enum qx_fbind {
  QB_SCALAR = 0, /* arguments bound, arity checked, the type rule applied, constants folded */
  QB_BUCKET,     /* bucket(ts, width [, zone]): the width a constant, the zone loaded once */
  QB_CELL,       /* cell(size) and its relatives: the grid level from the size */
  QB_XY,         /* x(), y(): the row's projected position */
  QB_GEO,        /* within, dwithin, region: bind_geo.c */
  QB_FILL,       /* locf, interpolate: gapfill's fillers */
  QB_GAPFILL,    /* gapfill(): only as a GROUP BY key */
  QB_AGG,        /* an aggregate (agg.c's states) */
  QB_WINDOW,     /* a window-only function (needs OVER) */
  QB_ONLY_IN,    /* point(), nearest(): meaningful only inside another construct */
  QB_ZONED,      /* a scalar whose argument max - 1, when given, is a constant zone name */
  QB_N
} qx_fbind;

/* How the result type follows from the arguments. */
typedef enum qx_trule {
  QT_FIXED = 0, /* t */
  QT_ARG0,      /* the first argument's type */
  QT_PEERS,     /* arguments coerced to one type (coalesce, greatest, ..), then the first's */
  QT_ROUND,     /* round(int) is INT, otherwise DOUBLE */
  QT_INTS,      /* INT when every argument is, otherwise DOUBLE (mod) */
} qx_trule;

/* A scalar function's implementation: the call x (its bound arguments, constants such as a
 * cell level or a zone loaded by the binder) over the row r, with the arguments' values in
 * a (x->nargs of them, at most QX_FN_ARGS), or a all NULL for a lazy entry, which evaluates
 * x->args itself as far as it needs (coalesce stops at the first non-NULL). A result text
 * lives in pool. Errors of the value (out of range) go to qx_fault, as in eval.c. */
enum { QX_FN_ARGS = 6 };
typedef qx_val (*qx_scalar_fn)(const qx_ctx *c, const qx_ex *x, const qx_row *r, qx_pool *pool,
                               const qx_val *a);
/* The parameters an implementation may leave unused. */
#define QX_FN_UNUSED (void)c, (void)x, (void)r, (void)pool, (void)a

typedef struct qx_func {
  const char *name;
  uint8_t kind;   /* qx_fkind */
  uint8_t bind;   /* qx_fbind */
  uint8_t rule;   /* qx_trule */
  uint8_t t;      /* qx_vt: the result type of QT_FIXED (QV_NULL: depends on the call) */
  int8_t min;     /* arguments at least */
  int8_t max;     /* and at most */
  uint8_t fn;     /* QK_SCALAR: the qx_fn eval.c runs; QK_AGG: the qx_agg_kind */
  uint8_t win;    /* the qx_win_kind when it may take OVER (..), 0 when it may not */
  const char *sig; /* the signature as the reference shows it */
  const char *doc; /* one line */
  qx_scalar_fn eval; /* QK_SCALAR: the implementation (NULL for the forms only a binder hook
                      * handles: point(), locf(), gapfill's fillers) */
  bool lazy;         /* eval evaluates its own arguments */
} qx_func;

/* The registry is one list in name order, kept as one table per family of functions, each
 * in the file of its implementations (so a function is added in one place), each in name
 * order and ended by an entry without a name: */
extern const qx_func qx_funcs_num[];   /* func_num.c: abs, round, sqrt, .. */
extern const qx_func qx_funcs_cond[];  /* func_cond.c: coalesce, nullif, greatest, least */
extern const qx_func qx_funcs_text[];  /* func_text.c: lower, upper, length */
extern const qx_func qx_funcs_time[];  /* func_time.c: bucket, date_trunc, date_part, .. */
extern const qx_func qx_funcs_grid[];  /* func_grid.c: cell(), x(), .. */
extern const qx_func qx_funcs_geo[];   /* func_geo.c: within, dwithin, region */
extern const qx_func qx_funcs_agg[];   /* agg.c: aggregates and window functions */
extern const qx_func qx_funcs_form[];  /* func.c: forms bound by their hooks alone */

/* The value helpers the implementations share. */
static inline bool qx_is_num(const qx_val *v) {
  return v->t == QV_INT || v->t == QV_DBL || v->t == QV_BOOL;
}
static inline double qx_num(const qx_val *v) { return v->t == QV_DBL ? v->d : (double)v->i; }

/* The entry called name (case as folded by the lexer), NULL when none. */
const qx_func *qx_func_find(const char *name);
/* The scalar entry implementing fn (the first, when aliases share it), NULL when none: for
 * the nodes the binder makes for a function id rather than a call by name (cell() inside
 * cell_lon(1 km), bucket() inside gapfill()). */
const qx_func *qx_func_of(qx_fn fn);
/* The i-th entry in name order, NULL past the end. */
const qx_func *qx_func_at(size_t i);
/* The name nearest to name among the functions of kind (0: any), NULL when none is close. */
const char *qx_func_suggest(const char *name, int kind);
/* "scalar", "aggregate", "window", "table". */
const char *qx_func_kind_name(int kind);


#endif
