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
} qx_trule;

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
} qx_func;

/* The entry called name (case as folded by the lexer), NULL when none. */
const qx_func *qx_func_find(const char *name);
/* The i-th entry in name order, NULL past the end. */
const qx_func *qx_func_at(size_t i);
/* The name nearest to name among the functions of kind (0: any), NULL when none is close. */
const char *qx_func_suggest(const char *name, int kind);
/* "scalar", "aggregate", "window", "table". */
const char *qx_func_kind_name(int kind);

/* The implementations of func_time.c, over the call's evaluated arguments a. */
qx_val qx_date_trunc(const qx_ctx *c, const qx_ex *x, const qx_val *a);
qx_val qx_date_part(const qx_ctx *c, const qx_ex *x, const qx_val *a);

#endif
