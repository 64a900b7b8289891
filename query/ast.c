/* ast.c - the per-query arena, and the canonical dump and walk of the AST.
 *
 * Arena layout: a list of blocks, newest first. Each block is one GP_MALLOC of a header
 * followed by its bytes; allocations bump `used` and never move. Blocks start at 2 KiB and
 * double up to 64 KiB, so a typical statement (~100 nodes of ~80 bytes) costs 2-3 mallocs and
 * a huge generated one still needs few. A request larger than half the next block gets a block
 * of its own, linked behind the current one so the current block's free tail is not lost.
 * Example: alloc(100) -> block A (2 KiB, used 112); alloc(3000) -> own block B linked after
 * A; alloc(50) -> still from A (used 176).
 *
 * The dump is the tests' view of the tree: one line, every node a parenthesised form named
 * after what it is; README.md lists the forms. */
#include "gp_query.h"

#include <inttypes.h>
#include <stdalign.h>
#include <stdio.h>
#include <string.h>

typedef struct block {
  struct block *next; /* older block */
  size_t cap;         /* bytes in data */
  size_t used;        /* bytes handed out from data */
  max_align_t data[]; /* max_align_t so data is aligned for anything */
} block;

typedef struct cleanup {
  struct cleanup *next; /* registered earlier */
  void (*fn)(void *ctx);
  void *ctx;
} cleanup;

struct gp_query_arena {
  block *head;       /* current block, NULL before the first allocation */
  size_t next_cap;   /* data size of the next ordinary block */
  size_t used;       /* bytes handed out, over all blocks */
  cleanup *cleanups; /* newest first, so they run in reverse order of registration */
};

#define ARENA_FIRST_BLOCK 2048
#define ARENA_MAX_BLOCK 65536

gp_rc gp_query_arena_new(gp_query_arena **out, gp_err *err) {
  gp_query_arena *a = GP_CALLOC(1, sizeof *a);
  *out = NULL;
  if (!a) return gp_err_set(err, GP_NOMEM, "out of memory creating a query arena");
  a->next_cap = ARENA_FIRST_BLOCK;
  *out = a;
  return GP_OK;
}

void gp_query_arena_free(gp_query_arena *a) {
  if (!a) return;
  /* Cleanup records live in the blocks, so run them all before freeing any block. */
  for (cleanup *c = a->cleanups; c; c = c->next) c->fn(c->ctx);
  block *b = a->head;
  while (b) {
    block *next = b->next;
    GP_FREE(b);
    b = next;
  }
  GP_FREE(a);
}

static void *arena_take(gp_query_arena *a, size_t n, size_t align) {
  if (a->head) {
    size_t at = (a->head->used + align - 1) & ~(align - 1);
    if (at <= a->head->cap && n <= a->head->cap - at) {
      a->head->used = at + n;
      a->used += n;
      return (unsigned char *)a->head->data + at;
    }
  }
  if (n > SIZE_MAX / 2 - sizeof(block)) return NULL;
  bool own = n > a->next_cap / 2;
  size_t cap = own ? n : a->next_cap;
  block *b = GP_MALLOC(sizeof(block) + cap);
  if (!b) return NULL;
  b->cap = cap;
  b->used = n;
  if (own && a->head) {
    b->next = a->head->next;
    a->head->next = b;
  } else {
    b->next = a->head;
    a->head = b;
    if (!own && a->next_cap < ARENA_MAX_BLOCK) a->next_cap *= 2;
  }
  a->used += n;
  return b->data;
}

void *gp_query_arena_alloc(gp_query_arena *a, size_t n) {
  void *p = arena_take(a, n ? n : 1, alignof(max_align_t));
  if (p) memset(p, 0, n);
  return p;
}

char *gp_query_arena_strndup(gp_query_arena *a, const char *s, size_t n) {
  if (n == SIZE_MAX) return NULL;
  char *d = arena_take(a, n + 1, 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

gp_rc gp_query_arena_on_free(gp_query_arena *a, void (*fn)(void *ctx), void *ctx, gp_err *err) {
  cleanup *c = arena_take(a, sizeof *c, alignof(max_align_t));
  if (!c) {
    fn(ctx);
    return gp_err_set(err, GP_NOMEM, "out of memory registering a query cleanup");
  }
  c->fn = fn;
  c->ctx = ctx;
  c->next = a->cleanups;
  a->cleanups = c;
  return GP_OK;
}

size_t gp_query_arena_used(const gp_query_arena *a) { return a->used; }

/* ---- names ------------------------------------------------------------------------------ */

static const char *const kind_names[GP_AST_KIND_COUNT_] = {
    [GP_AST_INT] = "int",
    [GP_AST_FLOAT] = "float",
    [GP_AST_STRING] = "string",
    [GP_AST_BOOL] = "bool",
    [GP_AST_NULL] = "null",
    [GP_AST_INTERVAL] = "interval",
    [GP_AST_COLUMN] = "column",
    [GP_AST_STAR] = "star",
    [GP_AST_UNARY] = "unary",
    [GP_AST_BINARY] = "binary",
    [GP_AST_IS_NULL] = "is-null",
    [GP_AST_IN] = "in",
    [GP_AST_BETWEEN] = "between",
    [GP_AST_LIKE] = "like",
    [GP_AST_CALL] = "call",
    [GP_AST_CASE] = "case",
    [GP_AST_CAST] = "cast",
    [GP_AST_WINDOW] = "over",
    [GP_AST_WHEN] = "when",
    [GP_AST_SELECT_ITEM] = "item",
    [GP_AST_ORDER_ITEM] = "order-item",
    [GP_AST_TABLE_REF] = "table",
    [GP_AST_SUBQUERY] = "subquery",
    [GP_AST_TABLE_FUNC] = "table-function",
    [GP_AST_JOIN] = "join",
    [GP_AST_CTE] = "cte",
    [GP_AST_COLUMN_DEF] = "column-def",
    [GP_AST_OPTION] = "option",
    [GP_AST_LEVEL] = "level",
    [GP_AST_SELECT] = "select",
    [GP_AST_CREATE_TABLE] = "create-table",
    [GP_AST_COPY] = "copy",
    [GP_AST_CREATE_REGIONS] = "create-regions",
    [GP_AST_EXPLAIN] = "explain",
    [GP_AST_DROP] = "drop",
    [GP_AST_SHOW] = "show",
    [GP_AST_DESCRIBE] = "describe",
    [GP_AST_SET] = "set",
    [GP_AST_FORECAST] = "forecast",
    [GP_AST_CREATE_WARNING] = "create-warning",
    [GP_AST_ALTER_WARNING] = "alter-warning",
    [GP_AST_CREATE_SINK] = "create-sink",
    [GP_AST_SCRIPT] = "script",
};

bool gp_ast_creates(const gp_ast *st) {
  switch (st->kind) {
  case GP_AST_CREATE_TABLE:
  case GP_AST_COPY:
  case GP_AST_CREATE_REGIONS:
  case GP_AST_CREATE_SINK: return true;
  /* a script that clears what it is about to create must run on a new database too; a plain
   * DROP has nothing to drop there */
  case GP_AST_DROP: return st->drop.if_exists;
  default: return false;
  }
}

const char *gp_ast_kind_name(gp_ast_kind k) {
  return (k > 0 && k < GP_AST_KIND_COUNT_ && kind_names[k]) ? kind_names[k] : "?";
}

const char *gp_ast_op_name(gp_ast_op op) {
  switch (op) {
  case GP_OP_NEG: return "-";
  case GP_OP_NOT: return "not";
  case GP_OP_ADD: return "+";
  case GP_OP_SUB: return "-";
  case GP_OP_MUL: return "*";
  case GP_OP_DIV: return "/";
  case GP_OP_MOD: return "%";
  case GP_OP_CONCAT: return "||";
  case GP_OP_EQ: return "=";
  case GP_OP_NE: return "<>";
  case GP_OP_LT: return "<";
  case GP_OP_LE: return "<=";
  case GP_OP_GT: return ">";
  case GP_OP_GE: return ">=";
  case GP_OP_AND: return "and";
  case GP_OP_OR: return "or";
  }
  return "?";
}

const char *gp_ast_unit_name(gp_ast_unit u) {
  switch (u) {
  case GP_UNIT_US: return "us";
  case GP_UNIT_MS: return "ms";
  case GP_UNIT_S: return "s";
  case GP_UNIT_M: return "m";
  case GP_UNIT_MIN: return "min";
  case GP_UNIT_H: return "h";
  case GP_UNIT_D: return "d";
  case GP_UNIT_W: return "w";
  case GP_UNIT_MONTH: return "month";
  case GP_UNIT_Y: return "y";
  case GP_UNIT_KM: return "km";
  }
  return "?";
}

static const char *object_name(gp_ast_object o, bool plural) {
  switch (o) {
  case GP_OBJ_TABLE: return plural ? "tables" : "table";
  case GP_OBJ_REGIONS: return "regions";
  case GP_OBJ_WARNING: return plural ? "warnings" : "warning";
  case GP_OBJ_ALERTS: return "alerts";
  case GP_OBJ_SINK: return plural ? "sinks" : "sink";
  case GP_OBJ_FUNCTION: return plural ? "functions" : "function";
  }
  return "?";
}

/* ---- dump ------------------------------------------------------------------------------- */

typedef struct writer {
  gp_buf *b;
  bool oom; /* sticky: once a write fails the rest are skipped */
} writer;

static void put(writer *w, const char *s) {
  if (!w->oom && gp_buf_put(w->b, s, strlen(s)) != GP_OK) w->oom = true;
}

static void putc_(writer *w, char c) {
  if (!w->oom && gp_buf_put_u8(w->b, (uint8_t)c) != GP_OK) w->oom = true;
}

/* A name prints bare when reading it back would give the same name: lower-case word
 * characters, not starting with a digit, not a reserved word; otherwise in double quotes. */
static void put_name(writer *w, const char *s) {
  bool plain = s[0] && !(s[0] >= '0' && s[0] <= '9');
  for (const char *c = s; plain && *c; c++) {
    unsigned char u = (unsigned char)*c;
    plain = (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '_' || u >= 0x80;
  }
  if (plain && strlen(s) < 16) {
    for (int k = 1; k < GP_KW_COUNT_; k++) {
      if (!gp_query_kw_reserved((gp_query_kw)k)) continue;
      const char *kw = gp_query_kw_name((gp_query_kw)k);
      size_t i = 0;
      while (s[i] && kw[i] && s[i] == kw[i] - 'A' + 'a') i++;
      if (!s[i] && !kw[i]) plain = false;
    }
  }
  if (plain) {
    put(w, s);
    return;
  }
  putc_(w, '"');
  for (const char *c = s; *c; c++) {
    if (*c == '"') putc_(w, '"');
    putc_(w, *c);
  }
  putc_(w, '"');
}

static void put_string(writer *w, const char *s, uint32_t len) {
  putc_(w, '\'');
  for (uint32_t i = 0; i < len; i++) {
    if (s[i] == '\'') putc_(w, '\'');
    putc_(w, s[i]);
  }
  putc_(w, '\'');
}

static void put_i64(writer *w, int64_t v) {
  char tmp[24];
  snprintf(tmp, sizeof tmp, "%" PRId64, v);
  put(w, tmp);
}

static void dump(writer *w, const gp_ast *n);

static void dump_list(writer *w, const gp_ast_list *l) {
  for (uint32_t i = 0; i < l->n; i++) {
    putc_(w, ' ');
    dump(w, l->v[i]);
  }
}

/* " (label items...)" when the list is not empty. */
static void dump_tagged_list(writer *w, const char *label, const gp_ast_list *l) {
  if (!l->n) return;
  put(w, " (");
  put(w, label);
  dump_list(w, l);
  putc_(w, ')');
}

/* " (label node)" when node is not NULL. */
static void dump_tagged(writer *w, const char *label, const gp_ast *n) {
  if (!n) return;
  put(w, " (");
  put(w, label);
  putc_(w, ' ');
  dump(w, n);
  putc_(w, ')');
}

static void dump_bound(writer *w, const gp_ast_bound *b) {
  switch (b->kind) {
  case GP_BOUND_UNBOUNDED_PRECEDING: put(w, "unbounded-preceding"); return;
  case GP_BOUND_CURRENT_ROW: put(w, "current-row"); return;
  case GP_BOUND_UNBOUNDED_FOLLOWING: put(w, "unbounded-following"); return;
  case GP_BOUND_PRECEDING: put(w, "(preceding "); break;
  case GP_BOUND_FOLLOWING: put(w, "(following "); break;
  }
  put_i64(w, b->n);
  putc_(w, ')');
}

/* "x" or "(as x alias)" */
static void dump_aliased(writer *w, const gp_ast *x, const gp_ast_name *alias, const char *name) {
  if (alias->s) put(w, "(as ");
  if (x)
    dump(w, x);
  else
    put_name(w, name);
  if (alias->s) {
    putc_(w, ' ');
    put_name(w, alias->s);
    putc_(w, ')');
  }
}

static void dump(writer *w, const gp_ast *n) {
  if (!n) {
    put(w, "nil");
    return;
  }
  switch (n->kind) {
  case GP_AST_INT: put_i64(w, n->i.v); return;
  case GP_AST_FLOAT: put(w, n->f.text); return;
  case GP_AST_STRING: put_string(w, n->str.s, n->str.len); return;
  case GP_AST_BOOL: put(w, n->b.v ? "true" : "false"); return;
  case GP_AST_NULL: put(w, "null"); return;
  case GP_AST_INTERVAL:
    put(w, "(interval ");
    put(w, n->interval.text);
    putc_(w, ' ');
    put(w, n->interval.unit);
    putc_(w, ')');
    return;
  case GP_AST_COLUMN:
    if (n->column.table.s) {
      put_name(w, n->column.table.s);
      putc_(w, '.');
    }
    put_name(w, n->column.name.s);
    return;
  case GP_AST_STAR:
    if (n->star.table.s) {
      put_name(w, n->star.table.s);
      putc_(w, '.');
    }
    putc_(w, '*');
    return;
  case GP_AST_UNARY:
  case GP_AST_BINARY:
    putc_(w, '(');
    put(w, gp_ast_op_name(n->kind == GP_AST_UNARY ? n->unary.op : n->binary.op));
    putc_(w, ' ');
    if (n->kind == GP_AST_UNARY) {
      dump(w, n->unary.arg);
    } else {
      dump(w, n->binary.l);
      putc_(w, ' ');
      dump(w, n->binary.r);
    }
    putc_(w, ')');
    return;
  case GP_AST_IS_NULL:
    put(w, n->is_null.negated ? "(is-not-null " : "(is-null ");
    dump(w, n->is_null.arg);
    putc_(w, ')');
    return;
  case GP_AST_IN:
    put(w, n->in.negated ? "(not-in " : "(in ");
    dump(w, n->in.arg);
    dump_list(w, &n->in.items);
    putc_(w, ')');
    return;
  case GP_AST_BETWEEN:
    put(w, n->between.negated ? "(not-between " : "(between ");
    dump(w, n->between.arg);
    putc_(w, ' ');
    dump(w, n->between.lo);
    putc_(w, ' ');
    dump(w, n->between.hi);
    putc_(w, ')');
    return;
  case GP_AST_LIKE:
    put(w, n->like.negated ? "(not-like " : "(like ");
    dump(w, n->like.arg);
    putc_(w, ' ');
    dump(w, n->like.pattern);
    putc_(w, ')');
    return;
  case GP_AST_CALL:
    put(w, "(call ");
    put_name(w, n->call.name.s);
    if (n->call.distinct) put(w, " distinct");
    dump_list(w, &n->call.args);
    if (n->call.over) {
      putc_(w, ' ');
      dump(w, n->call.over);
    }
    putc_(w, ')');
    return;
  case GP_AST_WINDOW:
    put(w, "(over");
    dump_tagged_list(w, "partition", &n->window.partition);
    dump_tagged_list(w, "order", &n->window.order);
    if (n->window.has_frame) {
      put(w, " (rows ");
      dump_bound(w, &n->window.lo);
      putc_(w, ' ');
      dump_bound(w, &n->window.hi);
      putc_(w, ')');
    }
    putc_(w, ')');
    return;
  case GP_AST_CASE:
    put(w, "(case");
    if (n->case_.operand) {
      putc_(w, ' ');
      dump(w, n->case_.operand);
    }
    dump_list(w, &n->case_.whens);
    dump_tagged(w, "else", n->case_.else_);
    putc_(w, ')');
    return;
  case GP_AST_WHEN:
    put(w, "(when ");
    dump(w, n->when.cond);
    putc_(w, ' ');
    dump(w, n->when.then);
    putc_(w, ')');
    return;
  case GP_AST_CAST:
    put(w, "(cast ");
    dump(w, n->cast.arg);
    putc_(w, ' ');
    put(w, n->cast.type_name.s);
    putc_(w, ')');
    return;
  case GP_AST_SELECT_ITEM: dump_aliased(w, n->item.expr, &n->item.alias, NULL); return;
  case GP_AST_ORDER_ITEM:
    if (n->order.desc) put(w, "(desc ");
    if (n->order.nulls_first != n->order.desc) put(w, n->order.nulls_first ? "(nulls-first " : "(nulls-last ");
    dump(w, n->order.expr);
    if (n->order.nulls_first != n->order.desc) putc_(w, ')');
    if (n->order.desc) putc_(w, ')');
    return;
  case GP_AST_TABLE_REF: dump_aliased(w, NULL, &n->table.alias, n->table.name.s); return;
  case GP_AST_SUBQUERY: dump_aliased(w, n->subquery.select, &n->subquery.alias, NULL); return;
  case GP_AST_TABLE_FUNC: dump_aliased(w, n->table_func.call, &n->table_func.alias, NULL); return;
  case GP_AST_JOIN:
    put(w, n->join.type == GP_JOIN_LEFT ? "(join left " : "(join inner ");
    dump(w, n->join.left);
    putc_(w, ' ');
    dump(w, n->join.right);
    putc_(w, ' ');
    dump(w, n->join.on);
    putc_(w, ')');
    return;
  case GP_AST_CTE:
    put(w, "(cte ");
    put_name(w, n->cte.name.s);
    putc_(w, ' ');
    dump(w, n->cte.select);
    putc_(w, ')');
    return;
  case GP_AST_COLUMN_DEF:
    putc_(w, '(');
    put_name(w, n->column_def.name.s);
    putc_(w, ' ');
    put(w, n->column_def.type_name.s);
    if (n->column_def.key) put(w, " key");
    putc_(w, ')');
    return;
  case GP_AST_OPTION:
    putc_(w, '(');
    put_name(w, n->option.name.s);
    if (n->option.value) {
      putc_(w, ' ');
      dump(w, n->option.value);
    }
    if (n->option.list.n) {
      put(w, " (list");
      dump_list(w, &n->option.list);
      putc_(w, ')');
    }
    putc_(w, ')');
    return;
  case GP_AST_LEVEL:
    putc_(w, '(');
    put_name(w, n->level.name.s);
    putc_(w, ' ');
    dump(w, n->level.cond);
    putc_(w, ')');
    return;
  case GP_AST_SELECT:
    if (n->select.setop) {
      static const char *const ops[] = {"", "union", "intersect", "except"};
      putc_(w, '(');
      put(w, ops[n->select.setop]);
      if (n->select.setop_all) put(w, " all");
      dump_tagged_list(w, "with", &n->select.with);
      putc_(w, ' ');
      dump(w, n->select.setop_l);
      putc_(w, ' ');
      dump(w, n->select.setop_r);
      dump_tagged_list(w, "order", &n->select.order);
      dump_tagged(w, "limit", n->select.limit);
      dump_tagged(w, "offset", n->select.offset);
      putc_(w, ')');
      return;
    }
    put(w, "(select");
    dump_tagged_list(w, "with", &n->select.with);
    if (n->select.distinct) put(w, " distinct");
    dump_tagged_list(w, "items", &n->select.items);
    dump_tagged(w, "from", n->select.from);
    dump_tagged(w, "where", n->select.where);
    dump_tagged_list(w, "group", &n->select.group);
    dump_tagged(w, "having", n->select.having);
    dump_tagged_list(w, "order", &n->select.order);
    dump_tagged(w, "limit", n->select.limit);
    dump_tagged(w, "offset", n->select.offset);
    putc_(w, ')');
    return;
  case GP_AST_CREATE_TABLE:
    put(w, "(create-table ");
    put_name(w, n->create_table.name.s);
    dump_tagged_list(w, "columns", &n->create_table.columns);
    if (n->create_table.time_col.s) {
      put(w, " (time ");
      put_name(w, n->create_table.time_col.s);
      putc_(w, ')');
    }
    if (n->create_table.lon.s) {
      put(w, " (location ");
      put_name(w, n->create_table.lon.s);
      putc_(w, ' ');
      put_name(w, n->create_table.lat.s);
      putc_(w, ')');
    }
    if (n->create_table.loc_table.s) {
      put(w, " (location-from ");
      put_name(w, n->create_table.loc_table.s);
      putc_(w, ' ');
      put_name(w, n->create_table.loc_key.s);
      putc_(w, ')');
    }
    putc_(w, ')');
    return;
  case GP_AST_COPY:
    put(w, "(copy ");
    put_name(w, n->copy.table.s);
    putc_(w, ' ');
    dump(w, n->copy.path);
    dump_tagged_list(w, "with", &n->copy.options);
    putc_(w, ')');
    return;
  case GP_AST_CREATE_REGIONS:
    put(w, "(create-regions ");
    put_name(w, n->create_regions.name.s);
    putc_(w, ' ');
    dump(w, n->create_regions.path);
    dump_tagged_list(w, "with", &n->create_regions.options);
    putc_(w, ')');
    return;
  case GP_AST_EXPLAIN:
    put(w, n->explain.analyze ? "(explain analyze " : "(explain ");
    dump(w, n->explain.stmt);
    putc_(w, ')');
    return;
  case GP_AST_DROP:
    put(w, "(drop ");
    put(w, object_name(n->drop.what, false));
    if (n->drop.if_exists) put(w, " if-exists");
    putc_(w, ' ');
    put_name(w, n->drop.name.s);
    putc_(w, ')');
    return;
  case GP_AST_SHOW:
    put(w, "(show ");
    put(w, object_name(n->show.what, true));
    putc_(w, ')');
    return;
  case GP_AST_DESCRIBE:
    put(w, n->describe.what == GP_OBJ_WARNING ? "(describe-warning " : "(describe ");
    put_name(w, n->describe.name.s);
    putc_(w, ')');
    return;
  case GP_AST_SET:
    put(w, "(set ");
    put_name(w, n->set.name.s);
    putc_(w, ' ');
    dump(w, n->set.value);
    putc_(w, ')');
    return;
  case GP_AST_FORECAST:
    put(w, "(forecast ");
    dump(w, n->forecast.agg);
    put(w, " (from ");
    put_name(w, n->forecast.table.s);
    putc_(w, ')');
    dump_tagged(w, "where", n->forecast.where);
    dump_tagged(w, "every", n->forecast.every);
    dump_tagged(w, "horizon", n->forecast.horizon);
    put(w, " (using ");
    put_name(w, n->forecast.method.s);
    dump_list(w, &n->forecast.options);
    put(w, "))");
    return;
  case GP_AST_CREATE_WARNING:
    put(w, n->create_warning.or_replace ? "(create-or-replace-warning " : "(create-warning ");
    put_name(w, n->create_warning.name.s);
    dump_tagged(w, "every", n->create_warning.every);
    dump_tagged(w, "offset", n->create_warning.offset);
    dump_tagged(w, "delay", n->create_warning.delay);
    dump_tagged(w, "for", n->create_warning.for_);
    dump_tagged(w, "keep-firing-for", n->create_warning.keep_for);
    dump_tagged_list(w, "by", &n->create_warning.by);
    if (n->create_warning.catch_up) put(w, " catch-up");
    putc_(w, ' ');
    dump(w, n->create_warning.select);
    dump_tagged_list(w, "levels", &n->create_warning.levels);
    dump_tagged(w, "resolve", n->create_warning.resolve);
    if (n->create_warning.nodata.s) {
      put(w, " (on-nodata ");
      put(w, n->create_warning.nodata.s);
      putc_(w, ')');
    }
    dump_tagged(w, "message", n->create_warning.message);
    dump_tagged_list(w, "notify", &n->create_warning.notify);
    putc_(w, ')');
    return;
  case GP_AST_ALTER_WARNING:
    put(w, "(alter-warning ");
    put_name(w, n->alter_warning.name.s);
    put(w, n->alter_warning.pause ? " pause)" : " resume)");
    return;
  case GP_AST_CREATE_SINK:
    put(w, "(create-sink ");
    put_name(w, n->create_sink.name.s);
    put(w, " (type ");
    put_name(w, n->create_sink.type.s);
    putc_(w, ')');
    dump_tagged_list(w, "options", &n->create_sink.options);
    putc_(w, ')');
    return;
  case GP_AST_SCRIPT:
    put(w, "(script");
    dump_list(w, &n->script.stmts);
    putc_(w, ')');
    return;
  case GP_AST_KIND_COUNT_: break;
  }
  put(w, "?");
}

gp_rc gp_ast_dump(const gp_ast *node, gp_buf *out) {
  writer w = {out, false};
  dump(&w, node);
  putc_(&w, '\0');
  if (w.oom) return GP_NOMEM;
  out->len--; /* keep the NUL in the buffer, out of the length */
  return GP_OK;
}

/* ---- walk ------------------------------------------------------------------------------- */

typedef struct walker {
  int (*fn)(gp_ast *node, void *ctx);
  void *ctx;
  bool stopped;
} walker;

static void walk(walker *k, gp_ast *n);

static void walk_list(walker *k, const gp_ast_list *l) {
  for (uint32_t i = 0; i < l->n && !k->stopped; i++) walk(k, l->v[i]);
}

static void walk(walker *k, gp_ast *n) {
  if (!n || k->stopped) return;
  int r = k->fn(n, k->ctx);
  if (r == GP_AST_WALK_STOP) {
    k->stopped = true;
    return;
  }
  if (r == GP_AST_WALK_SKIP) return;
  gp_ast *kids[6] = {0}; /* single children, in source order */
  const gp_ast_list *lists[4] = {0};
  switch (n->kind) {
  case GP_AST_UNARY: kids[0] = n->unary.arg; break;
  case GP_AST_BINARY: kids[0] = n->binary.l, kids[1] = n->binary.r; break;
  case GP_AST_IS_NULL: kids[0] = n->is_null.arg; break;
  case GP_AST_IN:
    walk(k, n->in.arg);
    lists[0] = &n->in.items;
    break;
  case GP_AST_BETWEEN:
    kids[0] = n->between.arg, kids[1] = n->between.lo, kids[2] = n->between.hi;
    break;
  case GP_AST_LIKE: kids[0] = n->like.arg, kids[1] = n->like.pattern; break;
  case GP_AST_CALL:
    walk_list(k, &n->call.args);
    kids[0] = n->call.over;
    break;
  case GP_AST_WINDOW: lists[0] = &n->window.partition, lists[1] = &n->window.order; break;
  case GP_AST_CASE:
    walk(k, n->case_.operand);
    walk_list(k, &n->case_.whens);
    kids[0] = n->case_.else_;
    break;
  case GP_AST_WHEN: kids[0] = n->when.cond, kids[1] = n->when.then; break;
  case GP_AST_CAST: kids[0] = n->cast.arg; break;
  case GP_AST_SELECT_ITEM: kids[0] = n->item.expr; break;
  case GP_AST_ORDER_ITEM: kids[0] = n->order.expr; break;
  case GP_AST_SUBQUERY: kids[0] = n->subquery.select; break;
  case GP_AST_TABLE_FUNC: kids[0] = n->table_func.call; break;
  case GP_AST_JOIN: kids[0] = n->join.left, kids[1] = n->join.right, kids[2] = n->join.on; break;
  case GP_AST_CTE: kids[0] = n->cte.select; break;
  case GP_AST_OPTION:
    kids[0] = n->option.value;
    lists[0] = &n->option.list;
    break;
  case GP_AST_LEVEL: kids[0] = n->level.cond; break;
  case GP_AST_SELECT:
    walk_list(k, &n->select.with);
    walk(k, n->select.setop_l);
    walk(k, n->select.setop_r);
    walk_list(k, &n->select.items);
    walk(k, n->select.from);
    walk(k, n->select.where);
    walk_list(k, &n->select.group);
    kids[0] = n->select.having;
    lists[0] = &n->select.order;
    walk(k, kids[0]);
    walk_list(k, lists[0]);
    walk(k, n->select.limit);
    walk(k, n->select.offset);
    return;
  case GP_AST_CREATE_TABLE: lists[0] = &n->create_table.columns; break;
  case GP_AST_COPY:
    kids[0] = n->copy.path;
    walk(k, kids[0]);
    walk_list(k, &n->copy.options);
    return;
  case GP_AST_CREATE_REGIONS:
    walk(k, n->create_regions.path);
    walk_list(k, &n->create_regions.options);
    return;
  case GP_AST_EXPLAIN: kids[0] = n->explain.stmt; break;
  case GP_AST_SET: kids[0] = n->set.value; break;
  case GP_AST_FORECAST:
    kids[0] = n->forecast.agg, kids[1] = n->forecast.where, kids[2] = n->forecast.every;
    kids[3] = n->forecast.horizon;
    lists[0] = &n->forecast.options;
    break;
  case GP_AST_CREATE_WARNING:
    kids[0] = n->create_warning.every, kids[1] = n->create_warning.offset;
    kids[2] = n->create_warning.delay, kids[3] = n->create_warning.for_;
    kids[4] = n->create_warning.keep_for, kids[5] = n->create_warning.select;
    lists[0] = &n->create_warning.by, lists[1] = &n->create_warning.levels;
    lists[2] = &n->create_warning.notify;
    walk(k, n->create_warning.resolve);
    walk(k, n->create_warning.message);
    break;
  case GP_AST_CREATE_SINK: lists[0] = &n->create_sink.options; break;
  case GP_AST_SCRIPT: lists[0] = &n->script.stmts; break;
  default: break; /* leaves */
  }
  for (int i = 0; i < 6; i++) walk(k, kids[i]);
  for (int i = 0; i < 4 && lists[i]; i++) walk_list(k, lists[i]);
}

bool gp_ast_walk(gp_ast *node, int (*fn)(gp_ast *node, void *ctx), void *ctx) {
  walker k = {fn, ctx, false};
  walk(&k, node);
  return k.stopped;
}
