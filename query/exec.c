/* exec.c - what starts a statement: the per-statement state (qry: arena, pools, threads, the
 * memory account), the dispatch by statement kind (SELECT and EXPLAIN [ANALYZE] to select.c,
 * FORECAST to forecast.c, the others to stmt.c), and the sessions (gp_session_*). The SELECT
 * itself is in select.c; query/README.md lists the executor's files and what may call what. */
#include <ctype.h>
#include <math.h>
#include <omp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sysinfo.h>
#include <time.h>

#include "exec_int.h"

static void pools_free(void *p) {
  qry *q = p;
  for (int k = 0; k < q->nthreads; k++) qx_pool_free(&q->tpool[k]);
  qx_pool_free(&q->pool);
}

static gp_rc exec_dispatch(qry *q, gp_ast *st, gp_result **out, gp_err *err);

static gp_rc exec_stmt(gp_session *s, gp_query_arena *a, gp_ast *st, gp_result **out, gp_err *err) {
  qry *q = gp_query_arena_alloc(a, sizeof *q);
  if (!q) return qx_nomem(err);
  q->s = s;
  q->select = qx_select;
  atomic_init(&q->mem.used, 0);
  atomic_init(&q->mem.over, false);
  q->mem.limit = s->mem_limit;
  q->a = a;
  q->ctx.db = s->db;
  q->ctx.grid = s->db ? gp_db_grid(s->db) : NULL; /* no db: SET only (gp_session_exec) */
  q->ctx.tz = s->tz;
  q->ctx.now = s->clock ? s->clock->at : s->now != INT64_MIN ? s->now : (int64_t)time(NULL) * GP_USEC_PER_SEC;
  q->nthreads = s->threads > 0 ? s->threads : omp_get_max_threads();
  q->tpool = gp_query_arena_alloc(a, (size_t)q->nthreads * sizeof *q->tpool);
  if (!q->tpool) return qx_nomem(err);
  q->pool.mem = &q->mem;
  for (int k = 0; k < q->nthreads; k++) q->tpool[k].mem = &q->mem;
  gp_rc rc = gp_query_arena_on_free(a, pools_free, q, err);
  if (rc) return rc;
  rc = exec_dispatch(q, st, out, err);
  /* Past the limit even when the statement went on: an expression whose string could not be
   * had evaluates to NULL, an answer that must not be taken for the right one. */
  if ((rc == GP_OK || rc == GP_NOMEM) && atomic_load(&q->mem.over)) {
    rc = GP_NOMEM;
    gp_err_clear(err); /* the plain "out of memory" of the allocation that failed */
    gp_err_set(err, GP_NOMEM,
               "out of memory: the statement's intermediate results (groups, joins, subqueries, "
               "sorts) need more than memory_limit (%.0f MB); narrow it or SET memory_limit",
               (double)q->mem.limit / 1048576.0);
  }
  /* a failure deep in a layer that returned its code without a message (storage's column
   * decode when an allocation fails) still reaches the user as words */
  if (rc && err && !err->msg[0]) {
    gp_err_clear(err);
    gp_err_set(err, rc, "%s", gp_rc_str(rc));
  }
  return rc;
}

static gp_rc exec_dispatch(qry *q, gp_ast *st, gp_result **out, gp_err *err) {
  gp_rc rc;
  if (gp_query__warn_owns(st)) return gp_query__warn_stmt(q->s, st, out, err);
  switch (st->kind) {
  case GP_AST_SELECT: {
    qrel *r;
    if ((rc = qx_select(q, st, &r, err))) return rc;
    return qx_rel_to_result(q, r, out, err);
  }
  case GP_AST_EXPLAIN: {
    if (st->explain.stmt->kind != GP_AST_SELECT)
      return gp_query_err_at(err, GP_UNSUPPORTED, st->pos, "EXPLAIN works on SELECT only");
    gp_buf text = {0};
    q->explain = &text;
    q->analyze = st->explain.analyze;
    qrel *r;
    double t0 = qx_now_ms();
    rc = qx_select(q, st->explain.stmt, &r, err);
    gp_result *res = NULL;
    if (!rc && q->analyze) {
      /* The statement's whole cost but printing: WITH queries, the SELECT, and the result
       * rows that a plain SELECT hands to the front end (built here, then dropped). Benchmarks
       * read this line, so it is the time a user waits less the terminal's. */
      if (!(rc = qx_rel_to_result(q, r, &res, err))) {
        gp_query__result_free(res);
        res = NULL;
        qx_explain_line(q, "total: %.3f ms, %zu rows", qx_now_ms() - t0, r->n);
      }
    }
    if (!rc) rc = gp_query__result_new(&res, err);
    if (!rc) rc = gp_query__result_add_col(res, "plan", GP_RK_TEXT, err);
    for (size_t o = 0; !rc && o < text.len;) {
      const char *l = (const char *)text.p + o, *e = memchr(l, '\n', text.len - o);
      size_t n = e ? (size_t)(e - l) : text.len - o;
      rc = gp_query__result_put_text(res, 0, l, n, err);
      o += n + 1;
    }
    gp_buf_free(&text);
    if (rc) {
      gp_query__result_free(res);
      return rc;
    }
    *out = res;
    return GP_OK;
  }
  case GP_AST_CREATE_TABLE: return qx_exec_create(q, st, out, err);
  case GP_AST_COPY: return qx_exec_copy(q, st, out, err);
  case GP_AST_CREATE_REGIONS: return qx_exec_create_regions(q, st, out, err);
  case GP_AST_SET: return qx_exec_set(q, st, out, err);
  case GP_AST_SHOW: return qx_exec_show(q, st, out, err);
  case GP_AST_DESCRIBE: return qx_exec_describe(q, st, out, err);
  case GP_AST_DROP: return qx_exec_drop(q, st, out, err);
  case GP_AST_FORECAST: return qx_exec_forecast(q, st, out, err);
  case GP_AST_CREATE_SINK: return gp_query__exec_sink(q->s->db, st, out, err);
  default:
    return gp_query_err_at(err, GP_UNSUPPORTED, st->pos, "%s is not supported yet",
                           gp_ast_kind_name(st->kind));
  }
}

gp_rc gp_session_new(struct gp_db *db, gp_session **out, gp_err *err) {
  gp_session *s = GP_CALLOC(1, sizeof *s);
  if (!s) return qx_nomem(err);
  s->db = db;
  s->mem_limit = qx_default_mem_limit();
  s->now = INT64_MIN;
  *out = s;
  return GP_OK;
}

gp_rc gp_session_new_lazy(gp_session_open_fn open, void *ctx, gp_session **out, gp_err *err) {
  gp_rc rc = gp_session_new(NULL, out, err);
  if (!rc) (*out)->open = open, (*out)->open_ctx = ctx;
  return rc;
}

void gp_session_free(gp_session *s) {
  if (!s) return;
  qx_tz_free(s->tz);
  qx_session_ix_clear(s);
  gp_region_cat_free(s->regions);
  GP_FREE(s);
}

void gp_session_cancel(gp_session *s) { s->cancel = 1; }

void gp_session__set_clock(gp_session *s, gp_query__clock *c) { s->clock = c; }
const char *gp_session__src(const gp_session *s, size_t *len) {
  *len = s->src_len;
  return s->src;
}
struct gp_db *gp_session__db(gp_session *s) { return s->db; }

gp_rc gp_session_exec(gp_session *s, const char *src, size_t len, gp_result_fn fn, void *ctx,
                      gp_err *err) {
  gp_err_clear(err);
  /* s->cancel is not cleared here but when this call ends: a cancel that arrives while the
   * call starts (gridpulse serve's timeout firing before its worker reached this line) must
   * cancel it, not be forgotten */
  s->src = src;
  s->src_len = len;
  gp_query_arena *a = NULL;
  gp_ast *script;
  gp_rc rc = gp_query_arena_new(&a, err);
  if (rc) return rc;
  if ((rc = gp_query_parse(a, src, len, &script, err))) goto cleanup;
  for (uint32_t k = 0; k < script->script.stmts.n && !rc; k++) {
    gp_query_arena *sa = NULL;
    if ((rc = gp_query_arena_new(&sa, err))) break;
    gp_result *res = NULL;
    gp_ast *st = script->script.stmts.v[k];
    qx_fault_take(NULL); /* nothing left over from a statement that failed before */
    if (!s->db && st->kind != GP_AST_SET)
      rc = s->open ? s->open(s->open_ctx, gp_ast_creates(st), &s->db, err)
                   : gp_err_set(err, GP_INVALID, "the session has no database");
    if (!rc) rc = exec_stmt(s, sa, st, &res, err);
    /* an evaluation error on this thread that no earlier check took (HAVING, ORDER BY and
     * the select list after grouping are evaluated here) fails the statement */
    if (!rc && qx_faulted()) rc = qx_fault_take(err);
    qx_fault_take(NULL);
    if (!rc && s->cancel) rc = gp_err_set(err, GP_CANCELLED, "cancelled");
    gp_query_arena_free(sa);
    if (!rc && fn) rc = fn(ctx, res, err);
    gp_query__result_free(res);
  }
cleanup:
  gp_query_arena_free(a);
  s->cancel = 0; /* consumed: the next call starts uncancelled */
  return rc;
}

const char *gp_session_name_at(gp_session *s, size_t i) {
  size_t n = s->db ? gp_db_ntables(s->db) : 0;
  for (size_t k = 0; k < n; k++) {
    const gp_table *t = gp_db_table_at(s->db, k);
    if (i == 0) return t->name;
    i--;
    if (i < (size_t)t->ncols) return t->cols[i].name;
    i -= (size_t)t->ncols;
  }
  return NULL;
}
