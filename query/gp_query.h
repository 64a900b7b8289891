/* gp_query.h - the front half of gridpulse's query language: a per-query arena, the lexer, a
 * recursive-descent parser and the typed AST it builds, plus error-position helpers for the REPL.
 *
 * The one idea: text goes in once and comes out as a tree of typed nodes that all live in one
 * arena, each carrying the source position of the token that names it, so the planner walks a
 * tree (not text) and can still point a caret at `line L, column C` for any node it rejects.
 *
 * Conventions of the tree:
 *  - Unquoted identifiers and keywords are case-insensitive: identifiers are folded to lower case
 *    when copied into the AST; "quoted" identifiers keep their case and may hold any character.
 *  - All strings in the tree are NUL-terminated copies in the arena (never borrowed from src).
 *  - A number followed by a unit word (`5 m`, `1 d`, `500 m`, `5m`) is one INTERVAL node whose
 *    unit is kept as written: `m` means minutes or metres, and only the planner knows which.
 *  - Lists are {v, n} arrays; absent optional parts are NULL pointers or n == 0. */
#ifndef GP_QUERY_H
#define GP_QUERY_H

#include <stdio.h> /* FILE, for gp_result_write */

#include "gp_base.h"

/* ---- arena -------------------------------------------------------------------------------- */

/* One arena per query: AST, plan and scratch live in it and go away in one call. Not
 * thread-safe (one query, one thread that builds it). */
typedef struct gp_query_arena gp_query_arena;

/* Creates an empty arena; returns owned (*out, free with gp_query_arena_free). */
gp_rc gp_query_arena_new(gp_query_arena **out, gp_err *err);
/* Runs the registered cleanups (last registered first), then frees every block. NULL is fine. */
void gp_query_arena_free(gp_query_arena *a);
/* Returns n zeroed bytes aligned for any type, owned by the arena (valid until it is freed);
 * NULL when out of memory. */
void *gp_query_arena_alloc(gp_query_arena *a, size_t n);
/* Returns a NUL-terminated copy of s[0..n) owned by the arena; NULL when out of memory. */
char *gp_query_arena_strndup(gp_query_arena *a, const char *s, size_t n);
/* Registers fn(ctx) to run when the arena is freed (iterators, geometries...). When the
 * registration itself cannot be allocated, fn(ctx) runs at once and GP_NOMEM is returned, so
 * the resource is never leaked either way. */
gp_rc gp_query_arena_on_free(gp_query_arena *a, void (*fn)(void *ctx), void *ctx, gp_err *err);
/* Bytes handed out so far (for tests and EXPLAIN ANALYZE memory figures). */
size_t gp_query_arena_used(const gp_query_arena *a);

/* ---- positions and errors ---------------------------------------------------------------- */

/* Where a token starts. line and col are 1-based; col counts UTF-8 code points (a tab is one
 * column), so a caret printed under it lines up in a terminal. off is the byte offset. */
typedef struct gp_query_pos {
  uint32_t off;  /* byte offset into the source */
  uint32_t line; /* 1-based line */
  uint32_t col;  /* 1-based column, in code points */
} gp_query_pos;

/* Nesting deeper than this is refused with `nested too deeply (more than 256 levels)` instead
 * of overflowing the stack. A level is a nested expression (parentheses, arguments, CASE), a
 * unary operator, a SELECT, or one operator of a left-associative chain (`a + b + c` is a tree
 * two deep): so the depth of every tree is bounded too, and code that recurses over it (dump,
 * walk, the planner) is safe. A WHERE with more than 255 ANDed terms is refused: use IN. */
#define GP_QUERY_MAX_DEPTH 256

/* Sets err to rc with "line L, column C: " followed by the formatted message: the planner uses
 * it to report unknown names at a node's position. Returns rc. */
gp_rc gp_query_err_at(gp_err *err, gp_rc rc, gp_query_pos pos, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* Reads back the position from a message written by gp_query_err_at (every parse error is).
 * Returns false when the message carries no position. */
bool gp_query_err_pos(const gp_err *err, uint32_t *line, uint32_t *col);
/* Appends to out the source line `line` of src (without its line break), a newline, then
 * blanks (tabs kept, so alignment survives) up to column col and a caret, and a newline:
 *     SELECT * FORM events
 *              ^
 * Returns GP_NOMEM when out cannot grow, GP_INVALID when the line does not exist. */
gp_rc gp_query_caret(const char *src, size_t len, uint32_t line, uint32_t col, gp_buf *out);

/* ---- lexer -------------------------------------------------------------------------------- */

/* Keywords: name and whether it is reserved (a reserved word cannot be a bare identifier or an
 * alias; wrap it in double quotes to use it as a name). Non-reserved keywords are ordinary
 * identifiers everywhere except where the grammar expects them (`TIME ts`, `id INT KEY`).
 * Keep the list sorted: the lexer binary-searches it (a test checks). */
#define GP_QUERY_KW_MAP(X)                                                                     \
  X(ALERTS, 0) X(ALL, 1) X(ANALYZE, 0) X(AND, 1) X(AS, 1) X(ASC, 0) X(BETWEEN, 1) X(BY, 1) X(CASE, 1)    \
  X(CAST, 1) X(COPY, 1) X(CREATE, 1) X(CURRENT, 0) X(DESC, 0) X(DESCRIBE, 1) X(DISTINCT, 1)    \
  X(DROP, 1) X(ELSE, 1) X(END, 1) X(EVERY, 1) X(EXCEPT, 1) X(EXISTS, 0) X(EXPLAIN, 1) X(FALSE, 1)           \
  X(FOLLOWING, 0) X(FOR, 1) X(FORECAST, 1) X(FROM, 1) X(GROUP, 1) X(HAVING, 1) X(HORIZON, 1)   \
  X(IF, 0) X(IN, 1) X(INNER, 1) X(INTERSECT, 1) X(INTERVAL, 1) X(IS, 1) X(JOIN, 1) X(KEY, 0) X(LEFT, 1)        \
  X(LEVELS, 1) X(LIKE, 1) X(LIMIT, 1) X(LOCATION, 0) X(NOT, 1) X(NULL, 1) X(OFFSET, 1)         \
  X(ON, 1) X(OR, 1) X(ORDER, 1) X(OUTER, 1) X(OVER, 1) X(PARTITION, 0) X(PRECEDING, 0)         \
  X(REGIONS, 0) X(ROW, 0) X(ROWS, 0) X(SELECT, 1) X(SET, 1) X(SHOW, 1) X(SINK, 0)              \
  X(SINKS, 0) X(TABLE, 0) X(TABLES, 0) X(THEN, 1) X(TIME, 0) X(TRUE, 1) X(TYPE, 0)            \
  X(UNBOUNDED, 0) X(UNION, 1) X(USING, 1) X(WARNING, 0)                                                    \
  X(WARNINGS, 0) X(WHEN, 1) X(WHERE, 1) X(WITH, 1)

typedef enum gp_query_kw {
  GP_KW_NONE = 0,
#define GP_QUERY_KW_ENUM(name, reserved) GP_KW_##name,
  GP_QUERY_KW_MAP(GP_QUERY_KW_ENUM)
#undef GP_QUERY_KW_ENUM
  GP_KW_COUNT_
} gp_query_kw;

/* Upper-case spelling of kw (static), "" for GP_KW_NONE. Iterate 1..GP_KW_COUNT_-1 for the
 * REPL's completion list. */
const char *gp_query_kw_name(gp_query_kw kw);
bool gp_query_kw_reserved(gp_query_kw kw);

typedef enum gp_query_tok_kind {
  GP_TOK_EOF = 0,
  GP_TOK_IDENT,   /* bare word; kw says whether it spells a keyword */
  GP_TOK_QIDENT,  /* "quoted identifier" ("" inside stands for ") */
  GP_TOK_INT,     /* 123 */
  GP_TOK_FLOAT,   /* 1.5  .5  1.  1e9  2.5E-3 */
  GP_TOK_STRING,  /* 'text' ('' inside stands for ') */
  GP_TOK_LPAREN,  /* ( */
  GP_TOK_RPAREN,  /* ) */
  GP_TOK_COMMA,   /* , */
  GP_TOK_SEMI,    /* ; */
  GP_TOK_DOT,     /* . */
  GP_TOK_STAR,    /* * */
  GP_TOK_PLUS,    /* + */
  GP_TOK_MINUS,   /* - */
  GP_TOK_SLASH,   /* / */
  GP_TOK_PERCENT, /* % */
  GP_TOK_CONCAT,  /* || */
  GP_TOK_EQ,      /* = */
  GP_TOK_NE,      /* <> or != */
  GP_TOK_LT,      /* < */
  GP_TOK_LE,      /* <= */
  GP_TOK_GT,      /* > */
  GP_TOK_GE,      /* >= */
  GP_TOK_DCOLON,  /* :: */
} gp_query_tok_kind;

/* A token borrows its text from the source: [src + pos.off, + len), quotes included. */
typedef struct gp_query_tok {
  gp_query_tok_kind kind;
  gp_query_kw kw;   /* GP_TOK_IDENT only: the keyword it spells, else GP_KW_NONE */
  gp_query_pos pos; /* where it starts */
  uint32_t len;     /* bytes of source text */
} gp_query_tok;

/* Lexer state over borrowed source text; initialise with gp_query_lexer_init. */
typedef struct gp_query_lexer {
  const char *src;   /* borrowed */
  uint32_t len;      /* bytes */
  uint32_t off;      /* next byte to read */
  uint32_t line;     /* line of off */
  uint32_t col_off;  /* a byte offset on the current line whose column is known... */
  uint32_t col;      /* ...and that column: columns are counted lazily from there */
} gp_query_lexer;

/* Sources longer than UINT32_MAX bytes are refused by gp_query_parse; the lexer assumes len
 * fits. */
void gp_query_lexer_init(gp_query_lexer *lx, const char *src, uint32_t len);
/* Reads the next token (GP_TOK_EOF at the end, again and again). Returns GP_PARSE with err set
 * (`line L, column C: syntax error near "X", expected ...`) on an unterminated string, quoted
 * identifier or comment, or a character that starts no token. */
gp_rc gp_query_lex(gp_query_lexer *lx, gp_query_tok *tok, gp_err *err);
/* For a REPL collecting multi-line input: true when the text's last token is ';' (so a ';'
 * inside a string or comment does not end a statement), or when it has a lexical error that
 * more input cannot fix (the parser will report it). */
bool gp_query_is_complete(const char *src, size_t len);

/* One function of the language, as SHOW FUNCTIONS, the REPL's completion and the generated
 * reference (doc/functions.md) list it: strings borrowed from a static table. */
typedef struct gp_query_func_info {
  const char *name; /* lower case, as called */
  const char *kind; /* "scalar", "aggregate", "window" or "table" */
  const char *sig;  /* e.g. "round(x [, n]) -> DOUBLE" */
  const char *doc;  /* one line */
  bool over;        /* an aggregate that also takes OVER (...) as a window function */
} gp_query_func_info;
/* The i-th function in name order into out; false past the last. */
bool gp_query_func(size_t i, gp_query_func_info *out);

/* ---- AST ---------------------------------------------------------------------------------- */

typedef enum gp_ast_kind {
  /* expressions */
  GP_AST_INT = 1,    /* 42 */
  GP_AST_FLOAT,      /* 1.5 (text kept for exact decimals) */
  GP_AST_STRING,     /* 'text' */
  GP_AST_BOOL,       /* TRUE / FALSE */
  GP_AST_NULL,       /* NULL */
  GP_AST_INTERVAL,   /* 5 m, 1 d, INTERVAL '1 hour': a duration or (m, km) a length */
  GP_AST_COLUMN,     /* name or table.name */
  GP_AST_STAR,       /* * or table.* (select list, count(*)) */
  GP_AST_UNARY,      /* - x, NOT x */
  GP_AST_BINARY,     /* arithmetic, ||, comparison, AND, OR */
  GP_AST_IS_NULL,    /* x IS [NOT] NULL */
  GP_AST_IN,         /* x [NOT] IN (a, b) */
  GP_AST_BETWEEN,    /* x [NOT] BETWEEN lo AND hi */
  GP_AST_LIKE,       /* x [NOT] LIKE pattern */
  GP_AST_CALL,       /* f(args), count(*), count(DISTINCT x), f(...) OVER (...) */
  GP_AST_CASE,       /* CASE [x] WHEN .. THEN .. [ELSE ..] END */
  GP_AST_CAST,       /* CAST(x AS type), x::type, TIMESTAMP '...' */
  /* parts of statements */
  GP_AST_WINDOW,     /* OVER (PARTITION BY .. ORDER BY .. ROWS ..) */
  GP_AST_WHEN,       /* WHEN cond THEN result, inside CASE */
  GP_AST_SELECT_ITEM,/* expr [AS alias] */
  GP_AST_ORDER_ITEM, /* expr [ASC|DESC] */
  GP_AST_TABLE_REF,  /* table [alias] in FROM */
  GP_AST_SUBQUERY,   /* (select) [alias] in FROM; (select) as a value or in IN (...) */
  GP_AST_TABLE_FUNC, /* nearest(sensors, point(1, 2), 5) [alias] in FROM */
  GP_AST_JOIN,       /* left [INNER|LEFT] JOIN right ON cond */
  GP_AST_CTE,        /* name AS (select), in WITH */
  GP_AST_COLUMN_DEF, /* col TYPE [KEY], in CREATE TABLE */
  GP_AST_OPTION,     /* name [value], in WITH (...) / USING f(...) option lists */
  GP_AST_LEVEL,      /* name WHEN cond, in CREATE WARNING ... LEVELS */
  /* statements */
  GP_AST_SELECT,
  GP_AST_CREATE_TABLE,
  GP_AST_COPY,
  GP_AST_CREATE_REGIONS,
  GP_AST_EXPLAIN,
  GP_AST_DROP,
  GP_AST_SHOW,
  GP_AST_DESCRIBE,
  GP_AST_SET,
  GP_AST_FORECAST,
  GP_AST_CREATE_WARNING,
  GP_AST_ALTER_WARNING, /* ALTER WARNING name PAUSE | RESUME */
  GP_AST_CREATE_SINK, /* CREATE SINK name TYPE type [(options)] */
  GP_AST_SCRIPT,     /* the statements of one input, in order */
  GP_AST_KIND_COUNT_
} gp_ast_kind;

typedef enum gp_ast_op {
  GP_OP_NEG = 1, GP_OP_NOT,                                    /* unary */
  GP_OP_ADD, GP_OP_SUB, GP_OP_MUL, GP_OP_DIV, GP_OP_MOD, GP_OP_CONCAT,
  GP_OP_EQ, GP_OP_NE, GP_OP_LT, GP_OP_LE, GP_OP_GT, GP_OP_GE,
  GP_OP_AND, GP_OP_OR,
} gp_ast_op;

/* Interval / length units. GP_UNIT_M is deliberately ambiguous (minute or metre). */
typedef enum gp_ast_unit {
  GP_UNIT_US = 1, GP_UNIT_MS, GP_UNIT_S, GP_UNIT_M, GP_UNIT_MIN, GP_UNIT_H, GP_UNIT_D,
  GP_UNIT_W, GP_UNIT_MONTH, GP_UNIT_Y, GP_UNIT_KM,
} gp_ast_unit;

typedef enum gp_ast_bound_kind {
  GP_BOUND_UNBOUNDED_PRECEDING = 1,
  GP_BOUND_PRECEDING,   /* n PRECEDING */
  GP_BOUND_CURRENT_ROW,
  GP_BOUND_FOLLOWING,   /* n FOLLOWING */
  GP_BOUND_UNBOUNDED_FOLLOWING,
} gp_ast_bound_kind;

typedef struct gp_ast_bound {
  gp_ast_bound_kind kind;
  int64_t n; /* rows, for PRECEDING / FOLLOWING */
} gp_ast_bound;

typedef enum gp_ast_join_type { GP_JOIN_INNER = 1, GP_JOIN_LEFT } gp_ast_join_type;

/* The set operations of a compound SELECT. */
typedef enum gp_ast_setop { GP_SETOP_NONE = 0, GP_SETOP_UNION, GP_SETOP_INTERSECT, GP_SETOP_EXCEPT } gp_ast_setop;

/* What DROP and SHOW name. */
typedef enum gp_ast_object {
  GP_OBJ_TABLE = 1, GP_OBJ_REGIONS, GP_OBJ_WARNING, GP_OBJ_ALERTS, GP_OBJ_SINK, GP_OBJ_FUNCTION,
} gp_ast_object;

/* A name with the position of its token; s is NULL when the name is absent. */
typedef struct gp_ast_name {
  const char *s;
  gp_query_pos pos;
} gp_ast_name;

typedef struct gp_ast gp_ast;
typedef struct gp_ast_list {
  gp_ast **v;
  uint32_t n;
} gp_ast_list;

/* One node. pos is the token that names the node: the operator of a binary/unary/IS/IN/
 * BETWEEN/LIKE node, the function name of a call, the first token of anything else. */
struct gp_ast {
  gp_ast_kind kind;
  gp_query_pos pos;
  union {
    struct { int64_t v; } i;                                   /* INT */
    struct { double v; const char *text; } f;                  /* FLOAT: text as written */
    struct { const char *s; uint32_t len; } str;               /* STRING, unescaped */
    struct { bool v; } b;                                      /* BOOL */
    struct {
      double v;            /* the number; may be fractional (1.5 h) or negative */
      const char *text;    /* the number as written (with a folded '-') */
      const char *unit;    /* the unit as written, lower case: "m", "days", "km" */
      gp_ast_unit u;       /* the unit, normalised */
    } interval;
    struct { gp_ast_name table, name; } column;                /* table.s NULL when bare */
    struct { gp_ast_name table; } star;                        /* table.s NULL for plain * */
    struct { gp_ast_op op; gp_ast *arg; } unary;
    struct { gp_ast_op op; gp_ast *l, *r; } binary;
    struct { gp_ast *arg; bool negated; } is_null;             /* negated: IS NOT NULL */
    struct { gp_ast *arg; gp_ast_list items; bool negated; } in;
    struct { gp_ast *arg, *lo, *hi; bool negated; } between;
    struct { gp_ast *arg, *pattern; bool negated; } like;
    struct {
      gp_ast_name name;    /* function name, lower case */
      gp_ast_list args;    /* count(*) has one GP_AST_STAR argument */
      bool distinct;       /* f(DISTINCT x) */
      gp_ast *over;        /* GP_AST_WINDOW, or NULL for a plain call */
    } call;
    struct { gp_ast *operand; gp_ast_list whens; gp_ast *else_; } case_; /* operand may be NULL */
    struct { gp_ast *arg; gp_ast_name type_name; gp_type type; } cast;
    struct {
      gp_ast_list partition; /* expressions */
      gp_ast_list order;     /* GP_AST_ORDER_ITEM */
      bool has_frame;        /* ROWS ... given; else the planner's default frame */
      gp_ast_bound lo, hi;   /* ROWS n PRECEDING alone means hi = CURRENT ROW */
    } window;
    struct { gp_ast *cond, *then; } when;
    struct { gp_ast *expr; gp_ast_name alias; } item;          /* SELECT_ITEM */
    struct { gp_ast *expr; bool desc, nulls_first; } order;    /* ORDER_ITEM */
    struct { gp_ast_name name, alias; } table;                 /* TABLE_REF */
    struct { gp_ast *select; gp_ast_name alias; } subquery;    /* SUBQUERY */
    struct { gp_ast *call; gp_ast_name alias; } table_func;    /* TABLE_FUNC: call is a CALL */
    struct { gp_ast_join_type type; gp_ast *left, *right, *on; } join;
    struct { gp_ast_name name; gp_ast *select; } cte;
    struct { gp_ast_name name, type_name; gp_type type; bool key; } column_def;
    struct {
      gp_ast_name name;
      gp_ast *value;         /* NULL for a bare flag or a list */
      gp_ast_list list;      /* name (v, v, ...): the values, n > 0 (CREATE SINK options) */
    } option;
    struct {
      gp_ast_name name;
      gp_ast *cond;
      uint32_t off, end;   /* source bytes of cond: [off, end) */
    } level;
    struct {
      gp_ast_list with;      /* GP_AST_CTE */
      bool distinct;
      gp_ast_list items;     /* GP_AST_SELECT_ITEM */
      gp_ast *from;          /* TABLE_REF, SUBQUERY, TABLE_FUNC or JOIN tree; NULL if none */
      gp_ast *where;
      gp_ast_list group;     /* expressions (aliases appear as bare COLUMN nodes) */
      gp_ast *having;
      gp_ast_list order;     /* GP_AST_ORDER_ITEM */
      gp_ast *limit, *offset;/* GP_AST_INT or NULL */
      /* A set operation (setop != 0): this node is setop_l OP setop_r, its order, limit and
       * offset apply to the result and its items, from, where, group and having are empty */
      gp_ast_setop setop;
      bool setop_all;        /* UNION ALL, INTERSECT ALL, EXCEPT ALL */
      bool parens;           /* written in parentheses: its own ORDER BY / LIMIT stay its own */
      gp_ast *setop_l, *setop_r; /* GP_AST_SELECT */
    } select;
    struct {
      gp_ast_name name;
      gp_ast_list columns;   /* GP_AST_COLUMN_DEF */
      gp_ast_name time_col;  /* TIME col */
      gp_ast_name lon, lat;  /* LOCATION (lon, lat) */
      gp_ast_name loc_table, loc_key; /* LOCATION FROM table(key) */
    } create_table;
    struct { gp_ast_name table; gp_ast *path; gp_ast_list options; } copy;       /* path: STRING */
    struct { gp_ast_name name; gp_ast *path; gp_ast_list options; } create_regions;
    struct { gp_ast *stmt; bool analyze; } explain;
    struct { gp_ast_object what; gp_ast_name name; bool if_exists; } drop;
    struct { gp_ast_object what; } show;                       /* TABLE means SHOW TABLES */
    struct { gp_ast_name name; gp_ast_object what; } describe; /* what 0 = a table */
    struct { gp_ast_name name; gp_ast *value; } set;
    struct {
      gp_ast *agg;           /* a CALL */
      gp_ast_name table;
      gp_ast *where;
      gp_ast *every, *horizon;
      gp_ast_name method;    /* USING method */
      gp_ast_list options;   /* GP_AST_OPTION: USING method(name value, ...) */
    } forecast;
    struct {
      gp_ast_name name;
      bool or_replace;       /* CREATE OR REPLACE WARNING */
      gp_ast *every, *offset, *delay; /* absent: NULL */
      gp_ast *for_;          /* for_ NULL when there is no FOR */
      gp_ast *keep_for;      /* KEEP FIRING FOR, or NULL */
      gp_ast_list by;        /* BY (col, ...): GP_AST_COLUMN, bare names */
      bool catch_up;         /* CATCH UP: missed slots are evaluated, not skipped */
      gp_ast *select;
      uint32_t select_off, select_end; /* source bytes of the query: [off, end) */
      gp_ast_list levels;    /* GP_AST_LEVEL, least severe first; may be empty */
      gp_ast *resolve;       /* RESOLVE WHEN cond, or NULL */
      uint32_t resolve_off, resolve_end;
      gp_ast_name nodata;    /* ON NODATA ok | keep | alert; s NULL when absent */
      gp_ast *message;       /* MESSAGE 'text' (GP_AST_STRING), or NULL */
      gp_ast_list notify;    /* NOTIFY sink, ...: GP_AST_COLUMN, bare names */
      uint32_t end;          /* source byte after the statement (its text is [pos.off, end)) */
    } create_warning;
    struct { gp_ast_name name; bool pause; } alter_warning;
    struct { gp_ast_name name, type; gp_ast_list options; } create_sink;
    struct { gp_ast_list stmts; } script;
  };
};

/* Parses src[0..len) as a script: statements separated by ';', the last ';' optional, empty
 * statements skipped. On success *out is a GP_AST_SCRIPT node owned by the arena (valid until
 * gp_query_arena_free). On failure returns GP_PARSE or GP_NOMEM with err set (cleared first)
 * and *out NULL; what was allocated stays in the arena and goes with it. */
gp_rc gp_query_parse(gp_query_arena *a, const char *src, size_t len, gp_ast **out, gp_err *err);
/* Parses src as one expression (the whole input); ownership as gp_query_parse. */
gp_rc gp_query_parse_expr(gp_query_arena *a, const char *src, size_t len, gp_ast **out,
                          gp_err *err);

/* Appends to out a canonical one-line S-expression of node, e.g.
 *   (select (items (as (call bucket ts (interval 1 d)) day) (call count *)) (from events)
 *     (where (>= ts '2024-08-01')) (group day) (order day))
 * (README.md lists every form), and keeps out NUL-terminated (the NUL not counted in len).
 * node may be NULL (prints "nil"). Returns GP_NOMEM when out cannot grow. */
gp_rc gp_ast_dump(const gp_ast *node, gp_buf *out);

/* Pre-order walk over node and its children in source order. fn returns one of: */
enum { GP_AST_WALK_CONTINUE = 0, GP_AST_WALK_SKIP = 1, GP_AST_WALK_STOP = 2 };
/* SKIP does not descend into the node's children; STOP ends the walk. Returns true when the
 * walk was stopped. */
bool gp_ast_walk(gp_ast *node, int (*fn)(gp_ast *node, void *ctx), void *ctx);

/* Static names for debugging and messages: "select", "+", "and", "m". */
/* True for a statement that may create the database it runs on when there is none yet: one
 * that adds to it (CREATE TABLE, COPY, CREATE REGIONS) or DROP ... IF EXISTS. */
bool gp_ast_creates(const gp_ast *stmt);
const char *gp_ast_kind_name(gp_ast_kind k);
const char *gp_ast_op_name(gp_ast_op op);
const char *gp_ast_unit_name(gp_ast_unit u);

/* ---- sessions: executing statements ----------------------------------------------------- */

/* A session runs statements against an open database with its own settings (SET now,
 * timezone, threads). One thread drives a session; gp_session_cancel may be called from a
 * signal handler. */
typedef struct gp_session gp_session;
struct gp_db;
struct gp_grid;         /* gp_grid.h */
struct gp_region_layer; /* gp_region.h */

/* A statement's result: a materialised table of typed columns. Borrowed by the callback that
 * receives it, valid only during that call. */
typedef struct gp_result gp_result;

/* How a result column's values should be written: JSON writes numbers and booleans bare and
 * everything else as strings; the table mode right-aligns numbers. */
typedef enum gp_result_kind {
  GP_RK_NULL = 0, /* a column of NULLs only (SELECT NULL) */
  GP_RK_BOOL,
  GP_RK_INT,
  GP_RK_DOUBLE,
  GP_RK_TIMESTAMP, /* written as 'YYYY-MM-DD HH:MM:SS[.ffffff]' */
  GP_RK_INTERVAL,  /* written as e.g. '1 day 02:00:00' */
  GP_RK_TEXT,
  GP_RK_CELL,      /* a grid cell, cell(size): written 'cx:cy', the cell_x / cell_y numbers */
} gp_result_kind;

/* What a result column's values stand for on a map; the GEOJSON mode draws it. The executor
 * sets it for columns that are directly cell(size) (their kind is GP_RK_CELL) or region('layer')
 * (TEXT ids), also through GROUP BY and through plain column references to a FROM subquery or
 * WITH query; a value computed from them (CASE, ||, coalesce...) is not tracked. */
typedef enum gp_result_geo {
  GP_GEO_NONE = 0,
  GP_GEO_CELL,   /* the cell's square */
  GP_GEO_REGION, /* the region's polygon, from its layer */
} gp_result_geo;

size_t gp_result_rows(const gp_result *r);
int gp_result_cols(const gp_result *r);
const char *gp_result_col_name(const gp_result *r, int c);
gp_result_kind gp_result_col_kind(const gp_result *r, int c);
gp_result_geo gp_result_col_geo(const gp_result *r, int c);
/* Cell (row, c) as text (numbers in their shortest exact form, a DOUBLE always with a '.' or an
 * exponent: 1.0, -3.0, 1e+20, never 1; timestamps as above); NULL when the value is NULL. The
 * text is valid until the next call on the same result. */
const char *gp_result_cell(const gp_result *r, size_t row, int c, size_t *len);
/* A status line for statements that return no rows ("CREATE TABLE", "COPY 1234 rows..."), or
 * NULL. */
const char *gp_result_status(const gp_result *r);

/* Creates a session on db (borrowed: it must outlive the session). Returns owned (free with
 * gp_session_free). */
gp_rc gp_session_new(struct gp_db *db, gp_session **out, gp_err *err);
/* Gives a lazy session its database: create says the statement may create it (gp_ast_creates).
 * Sets *db (borrowed: it must outlive the session), or fails with err set; then the statement
 * fails with that error and the next statement asks again. */
typedef gp_rc (*gp_session_open_fn)(void *ctx, bool create, struct gp_db **db, gp_err *err);
/* Creates a session without a database, as SQLite creates its file only at the first write:
 * the first statement that needs one (any but SET) calls open. Ownership as gp_session_new. */
gp_rc gp_session_new_lazy(gp_session_open_fn open, void *ctx, gp_session **out, gp_err *err);
void gp_session_free(gp_session *s);

typedef gp_rc (*gp_result_fn)(void *ctx, const gp_result *res, gp_err *err);
/* Parses and runs every statement of src[0..len) in order, passing each one's result to fn.
 * Stops at the first error (a parse error runs nothing) and returns it, with err naming the
 * position (`line L, column C: ...`) when it has one. A failed statement changes nothing. */
gp_rc gp_session_exec(gp_session *s, const char *src, size_t len, gp_result_fn fn, void *ctx,
                      gp_err *err);
/* Asks the running statement to stop soon (it fails with GP_CANCELLED). Async-signal-safe.
 * A cancel that arrives while gp_session_exec is starting cancels that call; the flag is
 * cleared when the call returns. */
void gp_session_cancel(gp_session *s);
/* Names for completion: tables and their columns of the session's database, one at a time;
 * returns NULL past the end. Each name is the catalog's own string (borrowed, valid until its
 * table is dropped), so a caller may hold many at once. */
const char *gp_session_name_at(gp_session *s, size_t i);

/* ---- output ------------------------------------------------------------------------------ */

/* How results are written (query/output.c). Text is passed through as UTF-8 bytes. In every
 * mode a column's type survives: a DOUBLE is written with a '.' or an exponent even when its
 * value is whole (1.0, -3.0, 1e+20, 9007199254740992.0; DuckDB's form), so that a reader
 * typing columns from the text (GDAL and QGIS on GeoJSON, a CSV sniffer, gridpulse load)
 * sees a double, and an INT is written bare (1). Otherwise numbers take their shortest form
 * that reads back exactly (0.30000000000000004).
 *  TABLE  aligned columns, like psql/DuckDB: a header, a separator line of '-' joined by '+',
 *         numbers (INT, DOUBLE) right-aligned and everything else left-aligned, NULL written
 *         NULL (as DuckDB's CLI does; the empty string is an empty cell), then "(N rows)".
 *         Widths count code points; a line break or tab inside a value is shown as \n or \t
 *         so each row stays on one line.
 *  CSV    RFC 4180 quoting with a header line; NULL is an empty field and the empty string is
 *         "" so the two stay distinct; lines end in \n (not CRLF), as Unix tools expect.
 *  JSON   one array of objects, one object per line; INT, DOUBLE and BOOL bare (non-finite
 *         doubles as null), NULL as null, everything else a string; invalid UTF-8 becomes
 *         U+FFFD so the output always parses.
 *  NDJSON one object per line, as in JSON, without the array.
 *  GEOJSON an RFC 7946 FeatureCollection in WGS84 (lon, lat order) that QGIS opens: one Feature
 *         per row, one per line; every column in "properties" as in JSON (numbers bare, NULL
 *         as null, cells as "cx:cy"), except timestamps, written as ISO 8601 UTC strings
 *         ("2024-08-02T01:00:00Z") that GIS tools read as dates. The geometry of a row is,
 *         by the first rule that applies:
 *           1. the first column with gp_result_col_geo != NONE: a cell's square (its 4 corners
 *              inverse-projected, gp_grid_cell_ring_ll) or a region's polygon (gp_region_geojson);
 *           2. else numeric columns named lon and lat (or longitude and latitude, any case):
 *              a Point;
 *           3. else null.
 *         A NULL or unknown value of the chosen column, or a point PROJ cannot invert, gives
 *         that row a null geometry.
 * A result without columns (CREATE TABLE, COPY, SET...) prints its status line in every mode. */
typedef enum gp_out_mode {
  GP_OUT_TABLE,
  GP_OUT_CSV,
  GP_OUT_JSON,
  GP_OUT_NDJSON,
  GP_OUT_GEOJSON,
} gp_out_mode;

/* Writes r to f in mode m. Returns GP_IO with err set when f fails (disk full, closed pipe),
 * GP_NOMEM when the table mode cannot allocate its column widths. */
gp_rc gp_result_write(const gp_result *r, gp_out_mode m, FILE *f, gp_err *err);
/* Writes r as one typed JSON object, the form `gridpulse serve` answers with and its client
 * reads back: {"columns":[{"name":"n","type":"INT"},...],"rows":[[1,"a"],...]} with the values
 * as the JSON mode writes them, plus "status" when r has a status line (a result without
 * columns has only that: {"status":"CREATE TABLE"}). Types are BOOLEAN, INT, DOUBLE, TIMESTAMP,
 * INTERVAL, TEXT, CELL and NULL. Errors as gp_result_write. */
gp_rc gp_result_write_typed(const gp_result *r, FILE *f, gp_err *err);
/* Writes the n bytes at s to f as a JSON string (quoted, escaped, invalid UTF-8 as U+FFFD). */
void gp_result_write_json_string(const char *s, size_t n, FILE *f);
/* Parses "table", "csv", "json", "ndjson", "geojson" (case-insensitive); false when unknown. */
bool gp_out_mode_parse(const char *s, gp_out_mode *m);

/* The warning evaluator (query/warn_eval.c) that engine/gp_warn.h's scheduler runs: a
 * gp_warn_eval_vt whose ctx is the struct gp_db the warnings live in. Static. */
struct gp_warn_eval_vt;
const struct gp_warn_eval_vt *gp_query_warn_evaluator(void);

#endif
