/* exec_int.h - what the executor's files share inside query/ (prefix qx_): the statement
 * (qry), materialised relations, scopes and the binder's context, the group tables, the scan
 * pipeline, and the steps of a SELECT.
 *
 * Beside query_int.h, not merged into it: query_int.h is the evaluator's layer (values, bound
 * expressions, aggregate states, time zones) that eval.c, agg.c and result.c are written
 * against, and they never see a statement, a scope or a scan. This header is the layer above
 * it, for the executor's files only (exec.c and the files split from it); it includes
 * query_int.h, never the other way round. */
#ifndef GP_EXEC_INT_H
#define GP_EXEC_INT_H

#include <signal.h>

#include "query_int.h"

struct gp_session {
  gp_db *db;            /* NULL until open gives it (gp_session_new_lazy) */
  gp_session_open_fn open;
  void *open_ctx;
  int64_t now;          /* SET now; INT64_MIN = the wall clock at each statement */
  gp_query__clock *clock; /* a warning's evaluation clock (query/warn_eval.c), else NULL */
  const char *src;      /* the script being run (gp_session_exec), for CREATE WARNING */
  size_t src_len;
  qx_tz *tz;            /* SET timezone; NULL = UTC */
  int threads;          /* SET threads; 0 = OpenMP's default */
  bool no_vec;          /* SET vectorize = false: every row takes the row path (tests compare) */
  volatile sig_atomic_t cancel;
  gp_region_cat *regions; /* region layers, read from the store on first use */
  size_t mem_limit;       /* SET memory_limit: bytes a statement's intermediate results may
                             take (see qmem) */
  /* Cell indexes of catalog layers, kept across statements: building one for CityBench's 992
   * grids takes ~100 ms, far more than the query that uses it. Cleared whenever the catalog
   * changes (CREATE or DROP REGIONS), as the layers they point to may go. */
  struct ixcache {
    const gp_region_layer *l;
    long reg;              /* one region, or -1 for the whole layer */
    gp_region_index *ix;
    gp_region_tls **tls;   /* per thread: the regions' prepared geometries, made on demand */
    int ntls;
  } ixc[16];
  int nixc;
};

/* ---- the memory bound of a statement ------------------------------------------------------
 *
 * What grows with the data inside a statement is charged here: materialised relations (WITH
 * and FROM subqueries, the small side of a join, SELECT results, rows awaiting a sort or a
 * window) and group tables (one per thread). Scans stream chunk by chunk (at most a few chunks
 * of 8,192 rows per thread are decoded at once), so they are bounded by design. Growth past the
 * limit fails the allocation as if memory had run out, and exec_stmt turns that into an error
 * naming the limit: the statement stops, the session and the database go on. Charges are never
 * returned before the statement ends, so the figure is the sum of what was grown, an upper
 * bound of the peak. */
typedef gp_mem qmem; /* the account is engine/gp_base.h's: aggregates and region layers,
                        coverings and files charge it too */

typedef struct qrel {
  int ncols;
  const char **names; /* arena */
  uint8_t *types;     /* static qx_vt per column (arena) */
  size_t n, cap;      /* rows */
  qx_val *v;          /* row-major n x ncols (GP_MALLOC, freed with the statement) */
  qmem *mem;          /* the statement's memory account */
  const gp_region_layer **layers; /* per column, the layer whose region ids it holds (see
                                     ex_layer), for GeoJSON output; NULL: none (arena) */
} qrel;

/* Per-statement state: everything here is released by the arena's cleanups. */
typedef struct qry qry;
/* Runs a SELECT (select.c's qx_select); see qx_subquery. */
typedef gp_rc (*qx_select_fn)(qry *q, gp_ast *sel, qrel **out, gp_err *err);

typedef struct qry {
  gp_session *s;
  qx_select_fn select;   /* qx_select: the one way back up from the binder and the planner */
  gp_query_arena *a;
  qx_ctx ctx;
  qx_pool pool;          /* strings made while planning or single-threaded */
  qx_pool *tpool;        /* one per thread */
  int nthreads;
  struct cte {
    const char *name;
    qrel *rel;
  } ctes[16];
  int nctes;
  gp_buf *explain;       /* EXPLAIN output lines, NULL when not explaining */
  bool analyze;          /* EXPLAIN ANALYZE: run and time */
  struct gcache {        /* cell indexes built for this statement, so binding the same */
    const gp_region_layer *l; /* region('layer') twice (item and GROUP BY) builds one */
    long reg;            /* the one region of within(region(l, id)), -1 = the whole layer */
    qx_geo *g;
  } gcache[16];
  int ngcache;
  qmem mem;              /* what its intermediate results take (see qmem) */
} qry;

typedef struct suggest {
  const char *best;
  size_t dist;
} suggest;

typedef struct scol {
  const char *qual; /* table name or alias, NULL when none */
  const char *name;
  uint8_t src;      /* QX_SRC_* */
  int idx;          /* column in rows / vals */
  uint8_t t;        /* qx_vt */
  uint8_t ctype;    /* gp_type on scan rows */
  const gp_table *tab;
  const gp_region_layer *layer; /* a subquery's column of region ids: their layer */
} scol;

typedef struct scope {
  scol *c;
  int n;
  const char *what; /* for messages: the table or "the subquery" */
} scope;

enum { B_INPUT = 0, B_POST = 1 };

typedef struct gkey {
  char *dump;    /* canonical text of the key expression */
  int col;       /* scope column when the key is a plain column, else -1 */
  uint8_t t;     /* static type of the key expression (qx_vt) */
} gkey;

typedef struct aggref {
  char *dump;
  qx_agg agg;
} aggref;

typedef struct winref {
  char *dump;
  qx_win_kind kind;
  qx_ex *arg;          /* POST-bound */
  qx_ex **part;
  int npart;
  qx_ex **ord;
  bool *desc;
  bool *nfirst; /* per order key: NULLS FIRST (the default of DESC keys) */
  int nord;
  int64_t lo, hi, off;
  qx_val dflt;
  bool peers; /* ORDER BY without a frame clause: PostgreSQL's default frame RANGE BETWEEN
               * UNBOUNDED PRECEDING AND CURRENT ROW, so rows with equal order keys share
               * the answer of the last of them */
} winref;

/* locf(x) / interpolate(x) of a gapfill query: x is computed over the filled rows of T, then
 * its NULLs are filled along each series; the result is an extra column of T. */
typedef struct fillref {
  char *dump;
  bool interp;         /* interpolate(): else locf() */
  bool null_missing;   /* locf(x, true): NULLs of rows with data are filled too */
  qx_ex *arg;          /* POST-bound over T */
} fillref;

/* The gapfill(ts, width [, 'zone'] [, start, end]) GROUP BY key: the buckets of its range,
 * made while planning (so a bad range fails before the scan), that every series must have. */
typedef struct gfill {
  gp_ast *call;        /* for messages */
  int key;             /* which GROUP BY key */
  int64_t lo, hi;      /* the range [lo, hi) */
  int64_t *b;          /* bucket starts, ascending (GP_MALLOC, freed with the arena) */
  size_t nb;
} gfill;

typedef struct bctx {
  qry *q;
  scope *sc;
  int mode;             /* B_INPUT or B_POST */
  bool agg_query;       /* POST: T = keys ++ aggs; else T = the scope's columns */
  gkey *keys;
  int nkeys;
  aggref *aggs;
  int naggs, capaggs;
  winref *wins;
  int nwins, capwins;
  gp_ast_list *items;   /* select items, for aliases in HAVING */
  bool allow_alias;
  int depth;
  int dead;               /* > 0 while binding a CASE branch that cannot run */
  gfill *gf;            /* the gapfill() key, NULL when none */
  fillref *fills;       /* locf() / interpolate() calls: T column nkeys + naggs + k */
  int nfills, capfills;
} bctx;

typedef struct gtab {
  size_t n, cap;          /* groups; slots */
  size_t nslot;           /* groups [0, nslot) are in slot; gtab_append leaves the rest for
                             the next gtab_find to place */
  uint32_t *slot;         /* group index + 1, 0 = free */
  uint64_t *hash;         /* per group */
  unsigned char **blk;    /* records of esz bytes (nk keys then na states), GT_BLK a block */
  size_t nblk, bcap;      /* blocks allocated; slots of blk */
  size_t rcap;            /* records the blocks hold */
  size_t esz;
} gtab;

/* Records live in fixed blocks, so a growing table never moves them: with a doubling array
 * each thread's 8 k groups of Q2 (~190 bytes each: keys and an aggregate state) were copied
 * about twice over, onto fresh pages. */
enum { GT_BLK_LOG = 8, GT_BLK = 1 << GT_BLK_LOG };

typedef struct grp {
  int nk, na;
  const qx_agg *aggs;
  size_t *soff;           /* per aggregate, its state's offset in the states (see g_st) */
  gtab *tabs;             /* one per thread */
  qmem *mem;              /* the statement's memory account */
} grp;

static inline unsigned char *g_rec(const gtab *t, size_t i) {
  return t->blk[i >> GT_BLK_LOG] + (i & (GT_BLK - 1)) * t->esz;
}

typedef struct jside {
  qrel *rel;              /* the small side, materialised */
  qx_ex **lkeys, **rkeys; /* equi-join keys: left over the input, right over VALS2 */
  int nkeys;
  uint32_t *head;         /* hash buckets: row index + 1 */
  uint32_t *next;
  size_t nb;
  bool left_join;
  qx_val *nullrow;
} jside;

/* ORDER BY ... LIMIT without aggregates, windows or DISTINCT (a top-n): only OFFSET + LIMIT
 * rows can reach the answer, so each thread's materialised rows are cut back to its best k
 * whenever they reach 2k + 64 (qx_topk_prune), and T never holds the whole input: memory
 * O(k) per thread and O(n log k) comparisons instead of a sort of every row. */
typedef struct qx_topk {
  size_t k;               /* OFFSET + LIMIT */
  int no;                 /* ORDER BY keys, compared with the row's ordinal after them */
  qx_ex **keys;           /* per key, its expression over T (a select item's, or its own) */
  bool *desc, *nfirst;    /* no + 1 entries: the keys', then the ordinal's (ascending) */
  qx_ex **items;          /* the select items, evaluated once on every row (see pipe.c) */
  int ni;
  size_t *checked;        /* per thread: its first rows whose items were evaluated */
} qx_topk;

typedef struct pipe {
  qry *q;
  const qx_ctx *ctx;
  qx_ex **pre;            /* filters before the join probe */
  int npre;
  qx_ex **post;           /* filters after it */
  int npost;
  jside *join;
  bool agg;
  qx_ex **keys;
  int nkeys;
  grp g;
  int width;              /* non-agg: T row width (the scope's columns) */
  qx_ex **mat;            /* non-agg: per scope column, its reader (NULL = not needed) */
  qrel **trel;            /* non-agg: per thread rows, last column = ordinal */
  const gp_unit_info **units; /* sorted unit pointers, to number units */
  size_t nunits;
  volatile sig_atomic_t *cancel;
  size_t rows_in;         /* rows that reached the pipeline (EXPLAIN ANALYZE) */
  size_t units_summary;
  struct uplan *up;       /* unit pruning by series (see run_units); NULL = read every unit */
  struct vkey *vk;        /* aggregate scans: per key, how scan_vec computes it; NULL = no */
  struct vmap *vmaps;     /* scan_vec: per thread, int64 keys -> group index */
  struct vagg *va;        /* scan_vec: per aggregate, how it reads its argument */
  int dsym;               /* scan_vec: the key that is a SYMBOL column with a small
                             dictionary (dense group front, see vmap), or -1 */
  size_t dn;              /* its dictionary size */
  struct jcache *jcs;     /* scan_vec over a join: per thread, symbol id -> matching row */
  qx_topk *topk;          /* non-agg ORDER BY ... LIMIT: rows cut back as they come, or NULL */
} pipe;

/* Evaluates the GROUP BY keys of row r into kv and returns their hash: the one hash every
 * path into the group tables uses, so that the threads' tables merge. */
enum { KEYS_HASH0 = 0x12345 };

static inline uint64_t keys_hash_add(uint64_t h, uint64_t kh) {
  return (h ^ kh) * 0x9E3779B97F4A7C15u;
}

static inline uint64_t keys_hash_end(uint64_t h) { return h ^ h >> 29; }

/* qsort with a context, by hand: glibc's qsort_r is not C11. Merge sort, so also stable. */
typedef int (*cmp3_fn)(const void *ctx, size_t a, size_t b);

typedef struct keyed {
  const qx_val *v;  /* rows of `stride` values; the first w are compared */
  int stride, w;
  const bool *desc; /* per compared value, or NULL */
  const qx_val *const *rows; /* instead of v: row i at rows[i] */
  const bool *nfirst; /* ORDER BY: per compared value, NULLs before every value (else after);
                       * NULL: qx_val_cmp's order, NULLs first (grouping, DISTINCT) */
} keyed;

static inline const qx_val *krow(const keyed *k, size_t i) {
  return k->rows ? k->rows[i] : k->v + i * (size_t)k->stride;
}

/* One ORDER BY key of two rows: NULLs before every value when nfirst, after every value
 * otherwise (whatever desc says, as PostgreSQL places them), values in desc's direction. */
static inline int cmp_order_key(const qx_val *x, const qx_val *y, bool desc, bool nfirst) {
  bool xn = x->t == QV_NULL, yn = y->t == QV_NULL;
  if (xn != yn) return xn == nfirst ? -1 : 1;
  int c = qx_val_cmp(x, y);
  return desc ? -c : c;
}

/* A FROM source: a table to scan, or a relation. */
typedef struct source {
  const gp_table *t;
  qrel *rel;
  const char *qual;
} source;

qrel *qx_rel_new(qry *q, int ncols, gp_err *err);

/* Room for n rows in all, so that a known count is one allocation, not a doubling series. */
gp_rc qx_rel_reserve(qrel *r, size_t n);

static inline bool qx_mem_charge(qmem *m, size_t bytes) { return gp_mem_charge(m, bytes); }

static inline qx_val *qx_rel_push(qrel *r) {
  if (r->n == r->cap && qx_rel_reserve(r, r->cap ? r->cap * 2 : 64)) return NULL;
  qx_val *row = r->v + r->n * (size_t)(r->ncols ? r->ncols : 1);
  r->n++;
  return row;
}

static inline qx_val *qx_rel_row(const qrel *r, size_t i) {
  return r->v + i * (size_t)(r->ncols ? r->ncols : 1);
}


void qx_suggest_add(suggest *s, const char *want, const char *cand);

qx_vt qx_vt_of_type(gp_type t);

/* The statement-lived array v (n used of *cap slots of esz bytes) with room for element n:
 * v itself, or a copy twice as large in the arena; NULL when out of memory. */
void *qx_arena_room(qry *q, void *v, int n, int *cap, size_t esz);

char *qx_dump_of(qry *q, const gp_ast *e);

gp_rc qx_nomem(gp_err *err);

int qx_cmp_vals_n(const qx_val *a, const qx_val *b, int n);

gp_rc qx_sort_idx(size_t *idx, size_t n, cmp3_fn cmp, const void *ctx, gp_err *err);

int qx_cmp_keyed(const void *ctx, size_t a, size_t b);

void qx_explain_line(qry *q, const char *fmt, ...);

double qx_now_ms(void);

int qx_cmp_ptr(const void *a, const void *b);

/* The result of a statement from its relation: each column's type found, then its values
 * copied; with many rows the columns are done on the threads (Q2's 15,455 rows of four
 * columns were ~0.3 ms on one, while the others waited). */
gp_rc qx_rel_to_result(qry *q, const qrel *r, gp_result **out, gp_err *err);
/* A SELECT node with setop set: UNION / INTERSECT / EXCEPT [ALL] of its two operands, then its
 * ORDER BY, OFFSET and LIMIT (setop.c). */
gp_rc qx_setop(qry *q, gp_ast *sel, qrel **out, gp_err *err);

/* A result of one status line and no columns (CREATE, COPY, SET ...). */
gp_rc qx_status_result(gp_result **out, gp_err *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

typedef struct walk_ctx {
  bctx *b;
  uint64_t mask;
  bool any_agg;
} walk_ctx;

/* ---- the one upward call --------------------------------------------------------------
 *
 * Files call down only: exec.c -> stmt.c, forecast.c -> select.c -> join.c -> plan.c ->
 * nearest.c; select.c -> window.c, gapfill.c, scan.c -> scan_vec.c -> pipe.c -> group.c ->
 * bind.c <-> bind_geo.c (expressions nest) -> rel.c. A SELECT nests SELECTs (FROM and WITH
 * subqueries, the small side of a join, a subquery used as a value), so the binder and the
 * planner must run one: they do it here, and only here, through the pointer the statement carries (qry.select, set by exec.c to
 * select.c's qx_select), so no file below select.c names it. */
static inline gp_rc qx_subquery(qry *q, gp_ast *sel, qrel **out, gp_err *err) {
  return q->select(q, sel, out, err);
}

qx_ex *qx_ex_new(bctx *b, qx_op op, int nargs, gp_query_pos pos);

/* The scope column named by a COLUMN node, or -1 (err set) when none or ambiguous. */
int qx_resolve_col(bctx *b, const gp_ast *e, bool quiet, gp_err *err);

qx_ex *qx_col_ex(bctx *b, int k, gp_query_pos pos);

bool qx_is_agg_name(const char *n);

/* An interval literal in time context: microseconds and calendar months. */
gp_rc qx_interval_val(const gp_ast *e, qx_val *v, gp_err *err);

/* A length in metres: `500 m`, `1 km`, or a bare number of metres. */
gp_rc qx_length_m(const gp_ast *e, double *m, gp_err *err);

/* True when every operand of x is a constant, so x folds. A node without operands (a column)
 * qualifies, hence the name: whether x itself is a constant is x->op == QX_CONST (as
 * qx_all_const, the name read as the latter, and a GROUP BY key keyed by the wrong argument
 * and locf() reading a column without a row came of it). */
bool qx_operands_const(const qx_ex *x);

gp_rc qx_coerce_ts(qx_ex *x, gp_err *err);

/* bucket(ts, width [, 'zone']), and the bucketing of gapfill(): a QF_BUCKET node over ts with
 * the width as a constant interval and the zone, when given, loaded once here. */
gp_rc qx_bind_bucket(bctx *b, gp_ast *e, gp_ast *ts, gp_ast *iv, gp_ast *z, qx_ex **out,
                         gp_err *err);

gp_rc qx_bind(bctx *b, gp_ast *e, qx_ex **out, gp_err *err);

/* Which sources an expression reads (bit per QX_SRC_*). */
unsigned qx_ex_srcs(const qx_ex *x);

/* Columns of the scan rows an expression reads. */
uint64_t qx_ex_cols(const qx_ex *x);

void qx_fill_patch(qx_ex *x, int base);

const char *qx_opt_word(const gp_ast *v);

void qx_session_ix_clear(gp_session *s);

gp_rc qx_session_regions(gp_session *s, gp_region_cat **out, gp_err *err);

gp_rc qx_bind_geo(bctx *b, gp_ast *e, qx_ex **out, gp_err *err);

static inline qx_val *g_keys(const grp *g, const gtab *t, size_t i) {
  (void)g;
  return (qx_val *)g_rec(t, i);
}

static inline qx_aggst *g_states(const grp *g, const gtab *t, size_t i) {
  return (qx_aggst *)(g_rec(t, i) + (size_t)g->nk * sizeof(qx_val));
}

/* Aggregate k's state in a group's states st (from g_states): states are packed, a count's
 * 16 bytes, others a whole qx_aggst (qx_agg_state_size), so that Q2's groups are 64 bytes
 * each (three keys and a count) instead of 192. */
static inline qx_aggst *g_st(const grp *g, qx_aggst *st, int k) {
  return (qx_aggst *)(void *)((unsigned char *)st + g->soff[k]);
}

void qx_gtab_free(const grp *g, gtab *t);

gp_rc qx_gtab_reserve(const grp *g, gtab *t, size_t n);

/* Finds or adds the group with keys k (hash h); returns its index, or -1 when out of memory.
 * New TEXT keys are copied into pool; pool NULL: k's texts already live as long as the
 * statement (merging the threads' tables, whose keys their pools hold). */
long qx_gtab_find(const grp *g, gtab *t, const qx_val *k, uint64_t h, qx_pool *pool);

/* Adds a group with keys k (hash h; texts already living as long as the statement) without
 * looking for it, and without placing it in the slots: for a caller that knows the thread has
 * no group of that tuple yet (scan_vec_cols, whose word map says so), and whose groups all end
 * in groups_in_order, which merges equal keys however they came about. A key tuple that two
 * word tuples map to (a pure function of a word that is not one-to-one) so makes two groups in
 * one table, merged there. For Q2 the probe of the slots, a cache miss per new group, was the
 * largest cost left in making groups. Returns the index, or -1 when out of memory. */
long qx_gtab_append(const grp *g, gtab *t, const qx_val *k, uint64_t h);

/* T of a grouped query (nk keys, na aggregates) from the threads' group tables, in key order
 * so that it never depends on the thread count. Every thread's groups are sorted together; a
 * group that several threads made lies in one run of equal keys, whose states are merged
 * before its row is made. Q2 at SF = 10 merged ~7.7 k groups of one thread into the other's
 * hash table, then sorted and copied the rows: ~0.6 ms of ~7 that this does in one sort. */
gp_rc qx_groups_in_order(qry *q, const grp *g, int nth, const qx_agg *aggs, int nk, int na,
                             qrel **out, gp_err *err);

uint64_t qx_eval_keys(pipe *p, const qx_row *r, qx_pool *pool, qx_val *kv);

gp_rc qx_pipe_emit(pipe *p, int th, const qx_row *r, uint64_t ordinal);
/* Cuts thread th's materialised rows back to the topk's k best, keeping their order. */
gp_rc qx_topk_prune(pipe *p, int th);

gp_rc qx_pipe_row(pipe *p, int th, qx_row *r, uint64_t ordinal);

enum { VEC_MAX_KEYS = 8 };

enum { VK_COL = 1, VK_BUCKET, VK_JROW, VK_REGION, VK_CELL };

typedef struct vkey {
  uint8_t kind;     /* VK_* */
  int col;          /* scan column read (not for cells) */
  int lv;           /* cells: level */
  int64_t w;        /* bucket: fixed width (us), or 0 */
  uint32_t months;  /* bucket: calendar months, or 0 */
  const qx_tz *tz;  /* bucket: zone (NULL = UTC) */
  qx_geo *geo;      /* region: the layer's index; col, col2 = the lon, lat columns */
  int col2;
} vkey;

/* Per thread: the int64 key tuples scan_vec has met, each with its group's index in the
 * thread's group table, so a row whose keys differ from the previous row's still finds its
 * group without evaluating and hashing qx_val keys. Open addressing, at most half full. */
typedef struct vmap {
  size_t cap, n;   /* slots (a power of 2); tuples */
  int64_t *keys;   /* cap * the tuple's words (nkeys, or scan_vec_cols' distinct recipes) */
  uint32_t *gi;    /* group index + 1, 0 = empty slot */
  /* The dense front of the row loop (pipe.dsym >= 0, with a join): while the other keys stay
   * dslow, group of symbol id s is dgi[s] when dgen[s] == gen (a category that changes at
   * every row while the month stays finds its group by an array read). */
  uint32_t *dgen, *dgi;
  uint32_t gen;
  bool dvalid;
  int64_t dslow[VEC_MAX_KEYS];
  size_t rhint[VEC_MAX_KEYS]; /* region keys: the index segment of the previous row */
  qx_val mval[VEC_MAX_KEYS];  /* scan_vec_cols: per key, its value and hash for word mword */
  uint64_t mhash[VEC_MAX_KEYS];
  int64_t mword[VEC_MAX_KEYS];
  bool mset[VEC_MAX_KEYS];
  int64_t *kbuf;              /* scan_vec_cols: the key words of a unit's selected rows */
  uint8_t *knull;             /* and which of those rows has a NULL key */
  size_t kcap;                /* rows kbuf and knull hold */
  int32_t *dense;             /* scan_vec_cols: a unit's word tuples -> group index, or -1 */
  size_t dcap;
  int32_t *grp;               /* scan_vec_cols: each selected row's group, or -1 */
  size_t scap;
} vmap;

/* Per thread, for an inner join on one SYMBOL column of the scan: what each dictionary id
 * matches on the small side, found once by the row path's probe. A key that reads only the
 * small side is then a function of the matching row, so scan_vec keys it by the row index. */
typedef struct jcache {
  size_t cap;
  int32_t *st;   /* per id: 0 unknown, JC_NONE, JC_MANY, or matching row + 1 */
} jcache;

enum { JC_NONE = -1, JC_MANY = -2, JC_MAX_ID = 1 << 24 };

typedef struct uplan {
  int scol, tcol;         /* series and time columns of the scan */
  size_t nids;            /* ids below this are tracked (max id in any summary + 1) */
  /* An INT series column has no dictionary: its values in the summaries, ascending, are
   * numbered 0..nids) and that number stands for the id everywhere below. NULL = SYMBOL,
   * where the id is the dictionary id. */
  const int64_t *vals;
  uint32_t **dix;         /* INT, latest: per thread, the id of each row of a decoded unit */
  size_t *dixcap;
  uint8_t *live;          /* per id: 0 unknown, 1 live, 2 dead */
  gp_rows *probe;         /* one fake row whose series column is tested for liveness */
  int64_t probe_id;
  bool latest;            /* the latest-per-series plan applies */
  int64_t t_hi;           /* the scan's window ends before this (INT64_MAX: open) */
  int64_t *best;          /* latest: per id, latest ts over the waves so far */
  int64_t **tbest;        /* latest: per thread, the same for the current wave */
  int64_t **umax;         /* latest: per thread scratch, latest ts per id within one unit */
  uint32_t **sel;         /* latest: per thread selection vector */
  size_t *selcap;
  size_t read, skipped;   /* units decoded / skipped (EXPLAIN ANALYZE) */
  bool tails;             /* latest: answered from the units' series tails (tails_plan) */
  size_t ntails;          /* tails: series answered */
  gp_rows tailrows;       /* tails: one row per series answered */
} uplan;

/* Sets up p->up when some units may be skipped; leaves it NULL otherwise. */
/* What the query's shape alone (before any summary is read) says of unit pruning by series:
 * whether the table has a SYMBOL or INT series column (false: no pruning at all), and in *sh the
 * series filters, whether the join is on the series column, and whether the latest plan
 * applies so far (summaries may still rule it out: nulls in the columns of sh->nonull). */
typedef struct ushape {
  int scol, tcol;
  bool join_ok;      /* an inner join on the series column alone */
  int nfilt;         /* filters that read the series column only */
  bool latest;
  uint64_t nonull;   /* latest: columns that must hold no null */
} ushape;

bool qx_plain_col(const qx_ex *x, int col);

bool qx_uplan_shape(const pipe *p, const gp_table *t, ushape *sh);

gp_rc qx_uplan_make(pipe *p, const gp_table *t, gp_scan *sc, gp_err *err);

/* The latest-per-series plan answered from the summaries' series tails.
 * Every unit's summary names, for each series it holds, the series' latest ts in the unit and
 * that row's values (gp_unit_info.ntail). When the latest plan applies, every unit is covered
 * (all its rows match the scan's window), the columns read have tails (not TEXT) and each live
 * series' latest ts is held by one row of one unit, the answer is those rows: no unit is
 * decoded. Ties (two rows at the latest ts) and missing tails (summaries written before tails
 * existed) fall back to the waves of run_units. The caller may first open the scan on the
 * newest partition only: a live series with a row there has its latest row there, as every
 * older partition ends before it starts; when some live series has no row there (a sensor
 * that stopped reporting), tails_plan says no and the caller reopens the whole window.
 * Example: Q7 reads the summaries of one partition (~500 of 2,588 units) and decodes none. */
gp_rc qx_tails_plan(pipe *p, gp_scan *sc, const gp_table *t, uint64_t colmask, bool narrowed,
                    bool *ok, gp_err *err);

/* Runs the scan as gp_scan_run does, but through p->up when set: skipping units and, for
 * the latest plan, visiting them newest first in waves. */
gp_rc qx_run_units(pipe *p, gp_scan *sc, bool summaries, gp_err *err);

void qx_vmap_free(vmap *m);

/* How many of the vectorised aggregates are shares summed inline (EXPLAIN). */
int qx_vec_inline_shares(const pipe *p);

/* Decides whether the aggregate scan can take scan_vec; fills p->vk when it can. */
gp_rc qx_vec_plan(pipe *p, gp_err *err);

/* How many small-side rows match scan row r (0, 1 or 2 meaning more), probing as pipe_row
 * does; *row gets the first match. */
int qx_join_matches(pipe *p, const qx_row *r, qx_pool *pool, size_t *row);

/* sel0[0..m0) (ascending rows) restricts the unit to those rows; NULL = every row. */
gp_rc qx_scan_vec(pipe *p, int th, const gp_rows *rows, uint64_t ord, const uint32_t *sel0,
                      size_t m0);

/* FORECAST agg FROM t [WHERE w] EVERY i HORIZON j USING method[(period n)]: the series
 * SELECT bucket(<time column>, i), agg FROM t WHERE w GROUP BY 1 ORDER BY 1, made regular
 * (a missing bucket repeats the value before it), fitted by qx_forecast, and the next
 * ceil(j / i) buckets as rows (ts, forecast, lo, hi) with a 95% prediction interval. */
gp_rc qx_exec_forecast(qry *q, gp_ast *st, gp_result **out, gp_err *err);

/* Binds GROUP BY key k, gapfill(ts, width [, 'zone'] [, start, end]), as bucket() and makes
 * its buckets. The range is [start, end) where given (NULL = not given), else the bounds the
 * WHERE clause puts on the table's time column, [wlo, whi), which count only when ts is that
 * column: what TimescaleDB does. */
gp_rc qx_bind_gapfill(bctx *b, gp_ast *e, int k, int tcol, int64_t wlo, int64_t whi,
                          qx_ex **out, gp_err *err);

/* Replaces *tp (T: keys ++ aggregates, rows in key order) by the filled T: keys ++ aggregates
 * ++ one column per locf()/interpolate(), each series in bucket order. */
gp_rc qx_gapfill_apply(qry *q, bctx *b, const qx_agg *aggs, qrel **tp, gp_err *err);

/* Terms `time_col OP f(small side)` of an inner join also narrow the scan's window: a big-side
 * row can pass only if it passes for some row of the small side, so ts > f(row) for all rows
 * means ts > the least f over the rows in the hash table. The terms stay filters. Example: Q8's
 * `r.ts > t.t1 - 24 h` over 400 gauges whose t1 is the end of June reads the last day only. */
void qx_join_window(qry *q, const jside *js, qx_ex **post, int npost, int tcol, int64_t *lo,
                        int64_t *hi);

/*
 *
 * A SELECT scans one big table and hash-joins it with one materialised small side. A chain
 * `big JOIN b1 ON c1 JOIN b2 ON c2 ...` (a snowflake: each later table relates to the earlier
 * small ones, as districts to sensors to readings) becomes that shape: the small tables are
 * joined first, `SELECT * FROM b1 JOIN b2 ON c2 ...` (the same planner, b1 playing the big
 * side), and the big table is joined with the result on c1; each column of the result keeps
 * its table's name or alias, so b2.x means what it says. A later condition may not name the
 * big table (a star schema would make the small side a cross product); LEFT JOINs, see
 * join_chain. */
/* A made-up `SELECT * FROM from` (arena), through which a join's small side is
 * materialised by the ordinary planner. NULL when out of memory. */
gp_ast *qx_select_star(qry *q, gp_ast *from, gp_query_pos pos);

/* from is a JOIN whose left is a JOIN: builds the small side of the chain in *right (its
 * columns' qualifiers in *quals, arena) and leaves the big side's item in *bigf, the first
 * condition in *on and in *left whether the big table is left-joined with the small side.
 * LEFT JOINs: ((big J1 b1) J2 b2) ... becomes big J (b1 J2 b2 ...), which is exact when every
 * later ON is an AND of column equalities over the small tables (a row of big that matches
 * no b1 has NULLs there, which no later ON accepts): J is LEFT when J1 and every later join
 * are, else INNER (a later inner join drops the rows that J1 NULL-extended). */
gp_rc qx_join_chain(qry *q, gp_ast *from, gp_ast **bigf, gp_ast **on, bool *left,
                        source *right, const char ***quals, gp_err *err);

/* The k rows of a LOCATION (lon, lat) table nearest to a point, with a distance column
 * (planar metres in the database CRS), nearest first (ties: storage order). Expanding square
 * search: scan the cells of a square of half-side h around the point; the rows within h are
 * exact answers, because every row outside the square is farther than h; once k of them are
 * found they are the k nearest, else h quadruples (the last round scans everything). */
gp_rc qx_run_nearest(qry *q, gp_ast *f, source *s, gp_err *err);

gp_rc qx_resolve_source(qry *q, gp_ast *f, source *s, gp_err *err);

gp_rc qx_scope_add(qry *q, scope *sc, const source *s, uint8_t src, gp_err *err);

/* Splits an AND tree into its terms. */
void qx_conjuncts(gp_ast *e, gp_ast **v, int *n, int cap);

/* A term `time_col OP constant` narrows [lo, hi); returns true when it was absorbed. */
bool qx_time_term(const qx_ex *x, int tcol, int64_t *lo, int64_t *hi);

/* The layer whose region ids a select item x (bound over T) yields, or NULL: region('layer')
 * itself, a GROUP BY key that is one, or a column of a FROM subquery or WITH query that was one
 * (scol.layer), so the GeoJSON output can draw it. Values computed from region ids (CASE,
 * coalesce, ||) are not tracked. */
const gp_region_layer *qx_ex_layer(const bctx *b, const qx_ex *x, qx_ex **keys);

const char *qx_item_name(qry *q, gp_ast *it, int k);

int qx_walk_fn(gp_ast *n, void *ctx);

gp_rc qx_select(qry *q, gp_ast *sel, qrel **out, gp_err *err);

gp_rc qx_exec_create(qry *q, gp_ast *st, gp_result **out, gp_err *err);

gp_rc qx_exec_copy(qry *q, gp_ast *st, gp_result **out, gp_err *err);

/* Half the machine's memory: a statement may not take the rest from the loader, RocksDB's
 * caches and the other sessions. */
size_t qx_default_mem_limit(void);

gp_rc qx_exec_set(qry *q, gp_ast *st, gp_result **out, gp_err *err);

/* CREATE REGIONS name FROM 'file' [(id col, geometry wkt|geojson, crs 'EPSG:n',
 * make_valid true, parent col)]. A database without a CRS yet takes the UTM zone of the
 * layer's first region (WGS84 input only). */
gp_rc qx_exec_create_regions(qry *q, gp_ast *st, gp_result **out, gp_err *err);

gp_rc qx_exec_show(qry *q, gp_ast *st, gp_result **out, gp_err *err);

gp_rc qx_exec_describe(qry *q, gp_ast *st, gp_result **out, gp_err *err);

gp_rc qx_exec_drop(qry *q, gp_ast *st, gp_result **out, gp_err *err);

gp_rc qx_compute_windows(qry *q, bctx *b, qrel *t, qx_val *wv, gp_err *err);

#endif
