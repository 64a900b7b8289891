/* warn_eval.c - the query side of warnings: a stored warning's query run at one slot.
 *
 * A warning is bound once per run (gp_warn_eval_vt.open): its CREATE statement is parsed, and
 * its query, LEVELS and RESOLVE WHEN conditions are put together into one SELECT,
 *     SELECT *, CASE WHEN (level 1) THEN 1 ELSE 0 END AS "__gp_l0", ...,
 *               CASE WHEN (resolve) THEN 1 ELSE 0 END AS "__gp_r"
 *       FROM (query) AS "__gp_w"
 * so the conditions see the query's output columns by name (`s.warn_line` in a condition is
 * the output column warn_line: qualifiers are blanked, which keeps every byte's position).
 * The pieces remember where they came from, so that an error in the combined text is
 * reported at its place in the CREATE statement. Each slot then runs that text on one
 * session with the warning's clock: now() = slot - DELAY, and every scan of a TIME table is
 * clamped to rows at or before it (gp_query__clock_clamp, called from the one place the
 * planner sets a scan's window). Planning a slot costs microseconds; its scan reads only the
 * partitions and units its window touches.
 *
 * A result row becomes a gp_warn_row: labels from the BY columns, else the outer GROUP BY
 * keys found among the output columns, else every output column that is not a number; the
 * value is the first other numeric column; the level the last LEVELS condition that holds. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gp_warn.h"
#include "query_int.h"

#define MAX_LABELS 32

typedef struct seg {
  size_t gen, orig, len; /* bytes [gen, gen + len) of the combined text are [orig, ...) of sql */
} seg;

typedef struct wbind {
  gp_db *db;
  gp_session *s;
  gp_query__clock clock;
  const gp_warn_def *w;
  gp_buf text;                 /* the combined SELECT, NUL-terminated */
  seg segs[GP_WARN_MAX_LEVELS + 2];
  int nsegs;
  int nconds;                  /* hidden columns at the end: levels, then resolve */
  int nlevels_ast;             /* LEVELS given (0: every row is level 0) */
  char labels[MAX_LABELS][GP_NAME_MAX]; /* label column names (BY or GROUP BY) */
  int nlabels;
  bool labels_by_kind;         /* no BY, no GROUP BY: non-numeric columns are the labels */
  bool by_given;
  char *message;               /* MESSAGE template, or NULL */
  uint32_t message_off;        /* its position in sql */
  gp_warn_result *out;         /* during evaluate */
  bool checking;               /* CREATE's bind: names are checked */
  bool msg_err;                /* the error is the MESSAGE's (at message_off) */
  gp_buf lab, labj, msg;
  gp_err *err;
} wbind;

/* ---- the clock (called by the planner) ---- */

void gp_query__clock_clamp(gp_query__clock *c, uint16_t table, int64_t *lo, int64_t *hi) {
  if (!c) return;
  if (c->at < INT64_MAX && *hi > c->at + 1) *hi = c->at + 1;
  if (*lo > *hi) *lo = *hi;
  for (int k = 0; k < c->nwin; k++)
    if (c->win[k].table == table && c->win[k].lo == *lo && c->win[k].hi == *hi) return;
  if (c->nwin < (int)(sizeof c->win / sizeof *c->win)) {
    c->win[c->nwin].table = table;
    c->win[c->nwin].lo = *lo;
    c->win[c->nwin].hi = *hi;
    c->nwin++;
  }
}

/* ---- positions ---- */

/* Byte offset of (line, col) in text (col in code points, 1-based). */
static size_t off_of(const char *t, size_t n, uint32_t line, uint32_t col) {
  size_t i = 0;
  for (uint32_t l = 1; l < line && i < n; i++)
    if (t[i] == '\n') l++;
  for (uint32_t c = 1; c < col && i < n; i++)
    if (((unsigned char)t[i + 1] & 0xC0) != 0x80) c++;
  return i;
}

static void pos_of(const char *t, size_t off, uint32_t *line, uint32_t *col) {
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < off && t[i]; i++) {
    if (t[i] == '\n') *line += 1, *col = 1;
    else if (((unsigned char)t[i] & 0xC0) != 0x80) *col += 1;
  }
}

/* Rewrites err's "line L, column C: " from the combined text to src, where sql starts at
 * byte base. */
static void map_err(const wbind *b, gp_err *err, const char *src, size_t base) {
  uint32_t line, col;
  if (!gp_query_err_pos(err, &line, &col)) return;
  size_t g = off_of((const char *)b->text.p, b->text.len, line, col);
  size_t o = b->segs[b->nsegs - 1].orig; /* outside every piece: the query */
  for (int k = 0; k < b->nsegs; k++)
    if (g >= b->segs[k].gen && g <= b->segs[k].gen + b->segs[k].len) {
      o = b->segs[k].orig + (g - b->segs[k].gen);
      break;
    }
  const char *rest = strstr(err->msg, ": ");
  char msg[GP_ERR_MSG_MAX];
  snprintf(msg, sizeof msg, "%s", rest ? rest + 2 : err->msg);
  pos_of(src, base + o, &line, &col);
  gp_rc rc = err->rc;
  gp_err_clear(err);
  gp_err_set(err, rc, "line %u, column %u: %s", line, col, msg);
}

/* ---- binding ---- */

static gp_rc nomem(gp_err *err) { return gp_err_set(err, GP_NOMEM, "out of memory"); }

static gp_rc add_seg(wbind *b, const char *sql, size_t off, size_t end, const gp_ast *cond) {
  size_t at = b->text.len;
  if (gp_buf_put(&b->text, sql + off, end - off)) return GP_NOMEM;
  b->segs[b->nsegs++] = (seg){at, off, end - off};
  (void)cond;
  return GP_OK;
}

typedef struct blank {
  uint8_t *p;
  size_t off, len; /* the piece's bytes are sql[off, off + len) */
} blank;

/* A qualified column `s.warn_line` in a condition names the output column warn_line. */
static int blank_fn(gp_ast *n, void *ctx) {
  blank *bl = ctx;
  if (n->kind == GP_AST_COLUMN && n->column.table.s) {
    size_t a = n->column.table.pos.off, z = n->column.name.pos.off;
    if (a >= bl->off && z <= bl->off + bl->len && a < z) memset(bl->p + (a - bl->off), ' ', z - a);
  }
  return GP_AST_WALK_CONTINUE;
}

static gp_rc add_cond(wbind *b, const char *sql, const gp_ast *cond, uint32_t off, uint32_t end,
                      const char *name) {
  if (gp_buf_put(&b->text, ", CASE WHEN (", 13)) return GP_NOMEM;
  size_t at = b->text.len;
  if (add_seg(b, sql, off, end, cond)) return GP_NOMEM;
  blank bl = {b->text.p + at, off, end - off};
  gp_ast_walk((gp_ast *)cond, blank_fn, &bl);
  char tail[64];
  int n = snprintf(tail, sizeof tail, ") THEN 1 ELSE 0 END AS \"%s\"", name);
  return gp_buf_put(&b->text, tail, (size_t)n) ? GP_NOMEM : GP_OK;
}

/* The output name of a select item: its alias, or the column it is. */
static const char *item_name(const gp_ast *it) {
  if (it->item.alias.s) return it->item.alias.s;
  if (it->item.expr && it->item.expr->kind == GP_AST_COLUMN) return it->item.expr->column.name.s;
  return NULL;
}

static bool same_tree(const gp_ast *a, const gp_ast *b) {
  gp_buf x = {0}, y = {0};
  bool eq = !gp_ast_dump(a, &x) && !gp_ast_dump(b, &y) && x.len == y.len &&
            memcmp(x.p, y.p, x.len) == 0;
  gp_buf_free(&x);
  gp_buf_free(&y);
  return eq;
}

/* The label columns: BY, else the GROUP BY keys that are output columns. */
static void find_labels(wbind *b, const gp_ast *cw) {
  const gp_ast *sel = cw->create_warning.select;
  if (cw->create_warning.by.n) {
    b->by_given = true;
    for (uint32_t k = 0; k < cw->create_warning.by.n && b->nlabels < MAX_LABELS; k++)
      snprintf(b->labels[b->nlabels++], GP_NAME_MAX, "%s", cw->create_warning.by.v[k]->column.name.s);
    return;
  }
  if (sel->select.group.n == 0) {
    b->labels_by_kind = true;
    return;
  }
  for (uint32_t g = 0; g < sel->select.group.n && b->nlabels < MAX_LABELS; g++) {
    const gp_ast *ge = sel->select.group.v[g];
    const char *name = NULL;
    if (ge->kind == GP_AST_INT && ge->i.v >= 1 && (uint64_t)ge->i.v <= sel->select.items.n)
      name = item_name(sel->select.items.v[ge->i.v - 1]);
    for (uint32_t k = 0; !name && k < sel->select.items.n; k++) {
      const gp_ast *it = sel->select.items.v[k];
      if (ge->kind == GP_AST_COLUMN && !ge->column.table.s && it->item.alias.s &&
          !strcmp(it->item.alias.s, ge->column.name.s))
        name = it->item.alias.s;
      else if (it->item.expr && same_tree(it->item.expr, ge))
        name = item_name(it);
    }
    if (name) snprintf(b->labels[b->nlabels++], GP_NAME_MAX, "%s", name);
  }
}

static void wbind_free(void *h) {
  wbind *b = h;
  if (!b) return;
  gp_session_free(b->s);
  gp_buf_free(&b->text);
  gp_buf_free(&b->lab);
  gp_buf_free(&b->labj);
  gp_buf_free(&b->msg);
  GP_FREE(b->message);
  GP_FREE(b);
}

static gp_rc wbind_open(gp_db *db, const gp_warn_def *w, wbind **out, gp_err *err) {
  wbind *b = GP_CALLOC(1, sizeof *b);
  if (!b) return nomem(err);
  b->db = db;
  b->w = w;
  gp_query_arena *a = NULL;
  gp_ast *script = NULL;
  gp_rc rc = gp_session_new(db, &b->s, err);
  /* A slot's window is small (an hour of readings, not a month): handing it to a thread pool
   * cost more than it saved (13 ms a slot spent waking OpenMP threads on a shared 2-core
   * machine, against well under 1 ms of work), and the scheduler runs beside a server's
   * queries, which the other cores are for. */
  if (!rc) rc = gp_session_exec(b->s, "SET threads = 1", 15, NULL, NULL, err);
  if (!rc) rc = gp_query_arena_new(&a, err);
  if (!rc) rc = gp_query_parse(a, w->sql, strlen(w->sql), &script, err);
  if (!rc && (script->script.stmts.n != 1 ||
              script->script.stmts.v[0]->kind != GP_AST_CREATE_WARNING))
    rc = gp_err_set(err, GP_CORRUPT, "warning \"%s\": its stored text is no CREATE WARNING", w->name);
  if (rc) goto fail;
  const gp_ast *cw = script->script.stmts.v[0];
  const char *sql = w->sql;
  find_labels(b, cw);
  b->nlevels_ast = (int)cw->create_warning.levels.n;
  if (cw->create_warning.message) {
    b->message = GP_STRDUP(cw->create_warning.message->str.s);
    b->message_off = cw->create_warning.message->pos.off;
    if (!b->message) goto oom;
  }
  size_t so = cw->create_warning.select_off, se = cw->create_warning.select_end;
  if (b->nlevels_ast == 0 && !cw->create_warning.resolve) {
    if (add_seg(b, sql, so, se, NULL)) goto oom;
  } else {
    if (gp_buf_put(&b->text, "SELECT *", 8)) goto oom;
    for (int k = 0; k < b->nlevels_ast; k++) {
      const gp_ast *l = cw->create_warning.levels.v[k];
      char name[32];
      snprintf(name, sizeof name, "__gp_l%d", k);
      if (add_cond(b, sql, l->level.cond, l->level.off, l->level.end, name)) goto oom;
    }
    if (cw->create_warning.resolve &&
        add_cond(b, sql, cw->create_warning.resolve, cw->create_warning.resolve_off,
                 cw->create_warning.resolve_end, "__gp_r"))
      goto oom;
    b->nconds = b->nlevels_ast + (cw->create_warning.resolve ? 1 : 0);
    if (gp_buf_put(&b->text, " FROM (", 7) || add_seg(b, sql, so, se, NULL) ||
        gp_buf_put(&b->text, ") AS \"__gp_w\"", 13))
      goto oom;
  }
  if (gp_buf_put_u8(&b->text, 0)) goto oom;
  b->text.len--;
  gp_query_arena_free(a);
  *out = b;
  return GP_OK;
oom:
  rc = nomem(err);
fail:
  gp_query_arena_free(a);
  wbind_free(b);
  return rc;
}

/* ---- one result ---- */

static gp_rc put_json_str(gp_buf *o, const char *s, size_t n) {
  gp_rc rc = gp_buf_put_u8(o, '"');
  for (size_t i = 0; i < n && !rc; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') rc = gp_buf_put_u8(o, '\\'), rc = rc ? rc : gp_buf_put_u8(o, c);
    else if (c < 0x20) {
      char e[8];
      snprintf(e, sizeof e, "\\u%04x", c);
      rc = gp_buf_put(o, e, 6);
    } else rc = gp_buf_put_u8(o, c);
  }
  return rc ? rc : gp_buf_put_u8(o, '"');
}

static int col_of(const gp_result *r, int nvis, const char *name) {
  for (int c = 0; c < nvis; c++)
    if (!strcmp(gp_result_col_name(r, c), name)) return c;
  return -1;
}

/* Fills the MESSAGE template for row i: {column} is that output column's value, {warning}
 * and {level} (or {level_name}) the warning's and the row's level's names, an output column
 * of that name winning; other text is copied. */
static gp_rc fill_message(wbind *b, const gp_result *r, int nvis, size_t i, int level) {
  gp_buf *m = &b->msg;
  m->len = 0;
  const char *t = b->message;
  gp_rc rc = GP_OK;
  while (t && *t && !rc) {
    const char *close = *t == '{' ? strchr(t, '}') : NULL;
    if (!close) {
      rc = gp_buf_put_u8(m, (uint8_t)*t++);
      continue;
    }
    char name[GP_NAME_MAX];
    snprintf(name, sizeof name, "%.*s", (int)(close - t - 1), t + 1);
    int c = col_of(r, nvis, name);
    if (c >= 0) {
      size_t n;
      const char *v = gp_result_cell(r, i, c, &n);
      rc = v ? gp_buf_put(m, v, n) : gp_buf_put(m, "NULL", 4);
    } else if (!strcmp(name, "warning")) {
      rc = gp_buf_put(m, b->w->name, strlen(b->w->name));
    } else if (!strcmp(name, "level") || !strcmp(name, "level_name")) {
      const char *l = level >= 0 ? b->w->levels[level] : "";
      rc = gp_buf_put(m, l, strlen(l));
    } else if (b->checking) {
      b->msg_err = true; /* positioned by gp_query__warn_check */
      return gp_err_set(b->err, GP_NOTFOUND,
                        "MESSAGE names {%s}, which is no output column of the query (nor "
                        "warning, level or level_name)", name);
    } else {
      rc = gp_buf_put(m, t, (size_t)(close - t + 1));
    }
    t = close + 1;
  }
  if (!rc) rc = gp_buf_put_u8(m, 0);
  return rc ? nomem(b->err) : GP_OK;
}

static gp_rc collect(void *ctx, const gp_result *r, gp_err *err) {
  wbind *b = ctx;
  b->err = err;
  if (!r) return GP_OK;
  int ncols = gp_result_cols(r), nvis = ncols - b->nconds;
  if (nvis < 0) nvis = 0;
  int lab[MAX_LABELS], nlab = 0, vcol = -1;
  bool is_lab[GP_STORE_MAX_COLS * 2] = {0};
  if (b->labels_by_kind) {
    for (int c = 0; c < nvis && nlab < MAX_LABELS && c < (int)sizeof is_lab; c++) {
      gp_result_kind k = gp_result_col_kind(r, c);
      if (k != GP_RK_INT && k != GP_RK_DOUBLE) lab[nlab++] = c, is_lab[c] = true;
    }
  } else {
    for (int k = 0; k < b->nlabels; k++) {
      int c = col_of(r, nvis, b->labels[k]);
      if (c < 0) {
        if (b->checking)
          return gp_err_set(err, GP_NOTFOUND, "BY names \"%s\", which is no output column of the query",
                            b->labels[k]);
        continue;
      }
      lab[nlab++] = c;
      if (c < (int)sizeof is_lab) is_lab[c] = true;
    }
  }
  for (int c = 0; c < nvis && vcol < 0; c++) {
    gp_result_kind k = gp_result_col_kind(r, c);
    if ((k == GP_RK_INT || k == GP_RK_DOUBLE) && !(c < (int)sizeof is_lab && is_lab[c])) vcol = c;
  }
  size_t n = gp_result_rows(r);
  for (size_t i = 0; i < n; i++) {
    b->lab.len = 0;
    b->labj.len = 0;
    gp_rc rc = gp_buf_put_u8(&b->labj, '{');
    for (int k = 0; k < nlab && !rc; k++) {
      size_t vl = 0;
      const char *nm = gp_result_col_name(r, lab[k]);
      const char *v = gp_result_cell(r, i, lab[k], &vl);
      if (k) rc = gp_buf_put_u8(&b->lab, ','), rc = rc ? rc : gp_buf_put_u8(&b->labj, ',');
      if (!rc) rc = gp_buf_put(&b->lab, nm, strlen(nm));
      if (!rc) rc = gp_buf_put_u8(&b->lab, '=');
      if (!rc && v) rc = gp_buf_put(&b->lab, v, vl);
      if (!rc) rc = put_json_str(&b->labj, nm, strlen(nm));
      if (!rc) rc = gp_buf_put_u8(&b->labj, ':');
      if (!rc) rc = v ? put_json_str(&b->labj, v, vl) : gp_buf_put(&b->labj, "null", 4);
    }
    if (!rc) rc = gp_buf_put(&b->labj, "}", 2); /* with its NUL */
    if (!rc) rc = gp_buf_put_u8(&b->lab, 0);
    if (rc) return nomem(err);
    double value = 0;
    bool vnull = true;
    int64_t iv;
    if (vcol >= 0 && gp_result_cell(r, i, vcol, &(size_t){0})) {
      vnull = false;
      if (gp_result_col_kind(r, vcol) == GP_RK_INT && gp_query__result_int(r, i, vcol, &iv))
        value = (double)iv;
      else
        value = strtod(gp_result_cell(r, i, vcol, &(size_t){0}), NULL);
    }
    int level = b->nlevels_ast == 0 ? 0 : -1;
    for (int k = 0; k < b->nlevels_ast; k++)
      if (gp_query__result_int(r, i, nvis + k, &iv) && iv == 1) level = k;
    bool resolve = false;
    if (b->nconds > b->nlevels_ast)
      resolve = gp_query__result_int(r, i, nvis + b->nlevels_ast, &iv) && iv == 1;
    if ((rc = fill_message(b, r, nvis, i, level))) return rc;
    if ((rc = gp_warn_result_add(b->out, (const char *)b->lab.p, (const char *)b->labj.p, value,
                                 vnull, level, resolve, (const char *)b->msg.p, err)))
      return rc;
  }
  return GP_OK;
}

/* Whether table `table` holds any row in [lo, hi). */
static gp_rc window_has_rows(gp_db *db, uint16_t table, int64_t lo, int64_t hi, bool *any,
                             gp_err *err) {
  gp_scan_spec spec = {lo, hi, NULL, 0, 1, NULL};
  gp_scan *sc = NULL;
  gp_rc rc = gp_scan_open(gp_db_store(db), table, &spec, &sc, err);
  *any = false;
  for (size_t u = 0; !rc && !*any && sc && u < gp_scan_units(sc); u++) {
    const gp_unit_info *ui = gp_scan_unit(sc, u);
    if (ui->t_min >= lo && ui->t_max < hi && ui->rows > 0) {
      *any = true; /* wholly inside: no need to decode */
      break;
    }
    gp_rows rows;
    memset(&rows, 0, sizeof rows);
    rc = gp_scan_decode(sc, u, &rows, err);
    *any = !rc && rows.n > 0;
    gp_rows_free(&rows);
  }
  gp_scan_close(sc);
  return rc;
}

static gp_rc run_at(wbind *b, int64_t slot, gp_warn_result *out, gp_err *err) {
  gp_warn_result_clear(out);
  b->out = out;
  b->clock.at = slot - b->w->delay_us;
  b->clock.nwin = 0;
  gp_session__set_clock(b->s, &b->clock);
  gp_rc rc = gp_session_exec(b->s, (const char *)b->text.p, b->text.len, collect, b, err);
  gp_session__set_clock(b->s, NULL);
  if (rc) return rc;
  if (out->n == 0 && b->w->nodata != GP_WARN_NODATA_OK) {
    bool any = false;
    for (int k = 0; k < b->clock.nwin && !any && !rc; k++)
      rc = window_has_rows(b->db, b->clock.win[k].table, b->clock.win[k].lo, b->clock.win[k].hi,
                           &any, err);
    out->nodata = !rc && b->clock.nwin > 0 && !any;
  }
  return rc;
}

/* ---- the function table ---- */

static gp_rc vt_open(void *ctx, const gp_warn_def *w, void **handle, gp_err *err) {
  wbind *b;
  gp_rc rc = wbind_open(ctx, w, &b, err);
  if (!rc) *handle = b;
  return rc;
}

static gp_rc vt_evaluate(void *handle, const gp_warn_def *w, int64_t slot, gp_warn_result *out,
                         gp_err *err) {
  wbind *b = handle;
  b->w = w;
  gp_rc rc = run_at(b, slot, out, err);
  if (rc) map_err(b, err, w->sql, 0);
  return rc;
}

static const gp_warn_eval_vt k_vt = {vt_open, vt_evaluate, wbind_free};

const gp_warn_eval_vt *gp_query_warn_evaluator(void) { return &k_vt; }

gp_rc gp_query__warn_check(gp_db *db, const gp_warn_def *w, int64_t at, const char *src,
                           size_t base, gp_err *err) {
  wbind *b;
  gp_rc rc = wbind_open(db, w, &b, err);
  if (rc) return rc;
  b->checking = true;
  gp_warn_result res = {0};
  rc = run_at(b, gp_warn_slot_at(w, at), &res, err);
  if (rc && b->msg_err) {
    uint32_t line, col;
    char msg[GP_ERR_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", err->msg);
    pos_of(src, base + b->message_off, &line, &col);
    gp_err_clear(err);
    gp_err_set(err, rc, "line %u, column %u: %s", line, col, msg);
  } else if (rc) {
    map_err(b, err, src, base);
  }
  gp_warn_result_free(&res);
  wbind_free(b);
  return rc;
}
