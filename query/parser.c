/* parser.c - recursive descent from tokens to the typed AST of gp_query.h.
 *
 * One function per grammar rule (README.md has the grammar). Expression precedence, loosest
 * first, one function per level:
 *   OR < AND < NOT < comparison (= <> < <= > >= IS IN BETWEEN LIKE) < + - || < * / % < unary -
 *   < postfix :: < primary
 * so `NOT a = 1 OR b` is (or (not (= a 1)) b) and `-x * y` is (* (- x) y).
 *
 * Errors are sticky: the first one (lexical, syntax, nesting or out of memory) is recorded and
 * the current token becomes end of input, so every rule unwinds quickly and later, less precise
 * errors never overwrite it. Every rule returns NULL (or false) once p->failed is set.
 *
 * Recursion is bounded by GP_QUERY_MAX_DEPTH: each nested expression, unary operator and
 * SELECT counts one level, so hostile input like 100000 '(' gets an error, not a stack overflow.
 * A level costs ~10 small frames, so 256 levels stay far below a 1 MB thread stack. */
#include "gp_query.h"
#include "gp_query_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct parser {
  gp_query_arena *a;
  const char *src;
  gp_query_lexer lx;
  gp_query_tok tok;  /* current token */
  gp_query_tok next; /* one token of lookahead, valid when has_next */
  bool has_next;
  bool failed; /* an error has been recorded in err */
  int depth;   /* current nesting, see GP_QUERY_MAX_DEPTH */
  bool in_warning; /* parsing the query of a CREATE WARNING (see warning_word) */
  gp_err *err;
} parser;

typedef struct vec {
  gp_ast **v;
  uint32_t n, cap;
} vec;

/* ---- errors and tokens ------------------------------------------------------------------- */

static void eof_token(parser *p, gp_query_tok *t) {
  t->kind = GP_TOK_EOF;
  t->kw = GP_KW_NONE;
  t->len = 0;
  t->pos.off = p->lx.len;
}

static void *oom(parser *p) {
  if (!p->failed) {
    p->failed = true;
    gp_err_set(p->err, GP_NOMEM, "out of memory while parsing");
    eof_token(p, &p->tok);
    p->has_next = false;
  }
  return NULL;
}

/* Records `syntax error near <current token>, expected <what>`. Always returns NULL. */
static void *syntax(parser *p, const char *what) {
  if (!p->failed) {
    p->failed = true;
    gp_query__syntax_error(p->err, p->src, p->tok.pos, p->tok.len, what);
    eof_token(p, &p->tok);
    p->has_next = false;
  }
  return NULL;
}

static void lex_into(parser *p, gp_query_tok *t) {
  if (p->failed) {
    eof_token(p, t);
    return;
  }
  gp_err e;
  gp_err_clear(&e);
  if (gp_query_lex(&p->lx, t, &e) != GP_OK) {
    p->failed = true;
    gp_err_set(p->err, e.rc, "%s", e.msg);
    eof_token(p, t);
  }
}

static void adv(parser *p) {
  if (p->has_next) {
    p->tok = p->next;
    p->has_next = false;
  } else {
    lex_into(p, &p->tok);
  }
}

static const gp_query_tok *peek(parser *p) {
  if (!p->has_next) {
    lex_into(p, &p->next);
    p->has_next = true;
  }
  return &p->next;
}

static bool at(const parser *p, gp_query_tok_kind k) { return p->tok.kind == k; }

static bool at_kw(const parser *p, gp_query_kw kw) {
  return p->tok.kind == GP_TOK_IDENT && p->tok.kw == kw;
}

static bool accept(parser *p, gp_query_tok_kind k) {
  if (!at(p, k)) return false;
  adv(p);
  return true;
}

static bool accept_kw(parser *p, gp_query_kw kw) {
  if (!at_kw(p, kw)) return false;
  adv(p);
  return true;
}

/* Accepts a bare word that is no keyword of the list (NULLS FIRST / LAST: `first` and `last`
 * are also aggregate names, so they stay identifiers), case-insensitively. */
static bool accept_word(parser *p, const char *w) {
  size_t n = strlen(w);
  if (!at(p, GP_TOK_IDENT) || p->tok.len != n || strncasecmp(p->src + p->tok.pos.off, w, n) != 0)
    return false;
  adv(p);
  return true;
}

static bool expect(parser *p, gp_query_tok_kind k, const char *what) {
  if (accept(p, k)) return true;
  syntax(p, what);
  return false;
}

static bool expect_kw(parser *p, gp_query_kw kw) {
  if (accept_kw(p, kw)) return true;
  syntax(p, gp_query_kw_name(kw));
  return false;
}

/* A token usable as a name: a quoted identifier or a word that is not a reserved keyword. */
static bool is_name(const gp_query_tok *t) {
  return t->kind == GP_TOK_QIDENT || (t->kind == GP_TOK_IDENT && !gp_query_kw_reserved(t->kw));
}

static const char *tok_text(const parser *p, const gp_query_tok *t) { return p->src + t->pos.off; }

/* ---- allocation ------------------------------------------------------------------------ */

static gp_ast *node(parser *p, gp_ast_kind kind, gp_query_pos pos) {
  gp_ast *n = gp_query_arena_alloc(p->a, sizeof *n);
  if (!n) return oom(p);
  n->kind = kind;
  n->pos = pos;
  return n;
}

static bool vec_push(parser *p, vec *v, gp_ast *x) {
  if (v->n == v->cap) {
    /* Arena memory is never reallocated in place: grow geometrically and leave the old array
     * behind, so the waste stays under the final size. */
    uint32_t cap = v->cap ? v->cap * 2 : 4;
    gp_ast **nv = gp_query_arena_alloc(p->a, cap * sizeof *nv);
    if (!nv) return oom(p), false;
    if (v->n) memcpy(nv, v->v, v->n * sizeof *nv);
    v->v = nv;
    v->cap = cap;
  }
  v->v[v->n++] = x;
  return true;
}

static gp_ast_list vec_list(const vec *v) { return (gp_ast_list){v->v, v->n}; }

/* Copies a name token into the arena: bare words folded to lower case, quoted ones unescaped. */
static bool take_name(parser *p, gp_ast_name *out) {
  const gp_query_tok *t = &p->tok;
  const char *s = tok_text(p, t);
  char *d;
  if (t->kind == GP_TOK_QIDENT) {
    d = gp_query_arena_alloc(p->a, t->len - 1);
    if (!d) return oom(p), false;
    size_t k = 0;
    for (uint32_t i = 1; i + 1 < t->len; i++) {
      d[k++] = s[i];
      if (s[i] == '"') i++;
    }
    d[k] = '\0';
  } else {
    d = gp_query_arena_strndup(p->a, s, t->len);
    if (!d) return oom(p), false;
    for (char *c = d; *c; c++)
      if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
  }
  out->s = d;
  out->pos = t->pos;
  adv(p);
  return true;
}

static bool parse_name(parser *p, gp_ast_name *out, const char *what) {
  if (!is_name(&p->tok)) return syntax(p, what), false;
  return take_name(p, out);
}

/* True for the words that may follow the query of a CREATE WARNING (RESOLVE WHEN, MESSAGE,
 * NOTIFY), while that query is parsed: they end it instead of being read as an alias. */
static bool warning_word(const parser *p) {
  static const char *const w[] = {"resolve", "message", "notify"};
  if (!p->in_warning || p->tok.kind != GP_TOK_IDENT) return false;
  for (size_t k = 0; k < sizeof w / sizeof *w; k++)
    if (p->tok.len == strlen(w[k]) && !strncasecmp(p->src + p->tok.pos.off, w[k], p->tok.len))
      return true;
  return false;
}

/* [AS] alias: after AS a name is required; without AS any non-reserved word is an alias. */
static bool parse_opt_alias(parser *p, gp_ast_name *out) {
  if (accept_kw(p, GP_KW_AS)) return parse_name(p, out, "alias");
  if (is_name(&p->tok) && !warning_word(p)) return take_name(p, out);
  return !p->failed;
}

static bool enter(parser *p) {
  if (p->failed) return false;
  if (++p->depth > GP_QUERY_MAX_DEPTH) {
    p->failed = true;
    gp_query_err_at(p->err, GP_PARSE, p->tok.pos, "nested too deeply (more than %d levels)",
                    GP_QUERY_MAX_DEPTH);
    eof_token(p, &p->tok);
    p->has_next = false;
    return false;
  }
  return true;
}

static void leave(parser *p) { p->depth--; }

/* ---- literals ---------------------------------------------------------------------------- */

static const struct {
  const char *word;
  gp_ast_unit unit;
} units[] = {
    {"us", GP_UNIT_US},       {"ms", GP_UNIT_MS},        {"s", GP_UNIT_S},
    {"sec", GP_UNIT_S},       {"secs", GP_UNIT_S},       {"second", GP_UNIT_S},
    {"seconds", GP_UNIT_S},   {"m", GP_UNIT_M},          {"min", GP_UNIT_MIN},
    {"mins", GP_UNIT_MIN},    {"minute", GP_UNIT_MIN},   {"minutes", GP_UNIT_MIN},
    {"h", GP_UNIT_H},         {"hour", GP_UNIT_H},       {"hours", GP_UNIT_H},
    {"d", GP_UNIT_D},         {"day", GP_UNIT_D},        {"days", GP_UNIT_D},
    {"w", GP_UNIT_W},         {"week", GP_UNIT_W},       {"weeks", GP_UNIT_W},
    {"month", GP_UNIT_MONTH}, {"months", GP_UNIT_MONTH}, {"y", GP_UNIT_Y},
    {"year", GP_UNIT_Y},      {"years", GP_UNIT_Y},      {"km", GP_UNIT_KM},
};

static gp_ast_unit unit_lookup(const char *s, size_t n) {
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
    const char *w = units[i].word;
    size_t k = 0;
    while (k < n && w[k]) {
      char c = s[k];
      if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
      if (c != w[k]) break;
      k++;
    }
    if (k == n && w[k] == '\0') return units[i].unit;
  }
  return 0;
}

static char *lower_dup(parser *p, const char *s, size_t n) {
  char *d = gp_query_arena_strndup(p->a, s, n);
  if (!d) return oom(p);
  for (char *c = d; *c; c++)
    if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
  return d;
}

/* A number token at p->tok (negated when a unary minus was folded into it, pos then being the
 * minus), and the unit word after it if there is one. */
static gp_ast *parse_number(parser *p, bool neg, bool allow_unit, gp_query_pos pos) {
  const gp_query_tok t = p->tok;
  const char *s = tok_text(p, &t);
  char text[72];
  if (t.len > 64) return syntax(p, "a number of at most 64 characters");
  size_t tl = 0;
  if (neg) text[tl++] = '-';
  memcpy(text + tl, s, t.len);
  tl += t.len;
  text[tl] = '\0';
  int64_t iv = 0;
  double dv;
  if (t.kind == GP_TOK_INT) {
    uint64_t u = 0;
    const uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (uint32_t i = 0; i < t.len; i++) {
      uint64_t d = (uint64_t)(s[i] - '0');
      if (u > (limit - d) / 10)
        return syntax(p, "an integer between -9223372036854775808 and 9223372036854775807");
      u = u * 10 + d;
    }
    iv = neg ? (int64_t)(0 - u) : (int64_t)u;
    dv = (double)iv;
  } else {
    dv = strtod(text, NULL);
  }
  adv(p);
  gp_ast_unit u = 0;
  if (allow_unit && at(p, GP_TOK_IDENT) && p->tok.kw == GP_KW_NONE)
    u = unit_lookup(tok_text(p, &p->tok), p->tok.len);
  gp_ast *n;
  if (u) {
    if (!(n = node(p, GP_AST_INTERVAL, pos))) return NULL;
    n->interval.v = dv;
    n->interval.u = u;
    if (!(n->interval.text = gp_query_arena_strndup(p->a, text, tl))) return oom(p);
    if (!(n->interval.unit = lower_dup(p, tok_text(p, &p->tok), p->tok.len))) return NULL;
    adv(p);
  } else if (t.kind == GP_TOK_INT) {
    if (!(n = node(p, GP_AST_INT, pos))) return NULL;
    n->i.v = iv;
  } else {
    if (!(n = node(p, GP_AST_FLOAT, pos))) return NULL;
    n->f.v = dv;
    if (!(n->f.text = gp_query_arena_strndup(p->a, text, tl))) return oom(p);
  }
  return n;
}

static gp_ast *parse_string(parser *p) {
  const gp_query_tok *t = &p->tok;
  const char *s = tok_text(p, t);
  gp_ast *n = node(p, GP_AST_STRING, t->pos);
  if (!n) return NULL;
  char *d = gp_query_arena_alloc(p->a, t->len - 1);
  if (!d) return oom(p);
  uint32_t k = 0;
  for (uint32_t i = 1; i + 1 < t->len; i++) {
    d[k++] = s[i];
    if (s[i] == '\'') i++;
  }
  d[k] = '\0';
  n->str.s = d;
  n->str.len = k;
  adv(p);
  return n;
}

/* INTERVAL '<number> <unit>' (p->tok is the string): the same node as `<number> <unit>`. */
static gp_ast *parse_interval_string(parser *p, gp_query_pos pos) {
  if (!at(p, GP_TOK_STRING)) return syntax(p, "a string such as '1 hour'");
  const char *s = tok_text(p, &p->tok) + 1;
  size_t n = p->tok.len - 2, i = 0;
  while (i < n && s[i] == ' ') i++;
  size_t ns = i;
  if (i < n && s[i] == '-') i++;
  size_t ds = i;
  while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) i++;
  size_t ne = i;
  while (i < n && s[i] == ' ') i++;
  size_t us = i;
  while (i < n && s[i] != ' ') i++;
  size_t ue = i;
  while (i < n && s[i] == ' ') i++;
  gp_ast_unit u = unit_lookup(s + us, ue - us);
  char *end = NULL;
  char num[40];
  if (ne > ds && ne - ns < sizeof num) {
    memcpy(num, s + ns, ne - ns);
    num[ne - ns] = '\0';
  } else {
    num[0] = '\0';
  }
  double v = num[0] ? strtod(num, &end) : 0;
  if (!u || i != n || !end || *end != '\0')
    return syntax(p, "an interval such as '1 hour' (a number and a unit)");
  gp_ast *nd = node(p, GP_AST_INTERVAL, pos);
  if (!nd) return NULL;
  nd->interval.v = v;
  nd->interval.u = u;
  if (!(nd->interval.text = gp_query_arena_strndup(p->a, num, ne - ns))) return oom(p);
  if (!(nd->interval.unit = lower_dup(p, s + us, ue - us))) return NULL;
  adv(p);
  return nd;
}

/* A type name (TIMESTAMP, DOUBLE, INT, SYMBOL, TEXT and gp_type_parse's aliases). */
static bool parse_type(parser *p, gp_ast_name *name, gp_type *type) {
  gp_type t = 0;
  if (at(p, GP_TOK_IDENT)) t = gp_type_parse(tok_text(p, &p->tok), p->tok.len);
  if (!t) return syntax(p, "a type (TIMESTAMP, DOUBLE, INT, SYMBOL or TEXT)"), false;
  *type = t;
  return take_name(p, name);
}

/* ---- expressions ------------------------------------------------------------------------- */

static gp_ast *parse_expr(parser *p);
static gp_ast *parse_query(parser *p);

/* expr {, expr} up to (not including) the closing token. */
static bool parse_expr_list(parser *p, vec *out) {
  do {
    gp_ast *e = parse_expr(p);
    if (!e || !vec_push(p, out, e)) return false;
  } while (accept(p, GP_TOK_COMMA));
  return true;
}

static bool parse_order_list(parser *p, vec *out) {
  do {
    gp_query_pos pos = p->tok.pos;
    gp_ast *e = parse_expr(p);
    if (!e) return false;
    gp_ast *o = node(p, GP_AST_ORDER_ITEM, pos);
    if (!o) return false;
    o->order.expr = e;
    if (accept_kw(p, GP_KW_DESC))
      o->order.desc = true;
    else
      accept_kw(p, GP_KW_ASC);
    /* PostgreSQL's default: NULLs sort as if larger than every value (last ascending, first
     * descending), unless NULLS FIRST / NULLS LAST says otherwise. */
    o->order.nulls_first = o->order.desc;
    if (accept_word(p, "nulls")) {
      if (accept_word(p, "first")) o->order.nulls_first = true;
      else if (accept_word(p, "last")) o->order.nulls_first = false;
      else {
        syntax(p, "FIRST or LAST");
        return false;
      }
    }
    if (!vec_push(p, out, o)) return false;
  } while (accept(p, GP_TOK_COMMA));
  return !p->failed;
}

/* One frame bound; `start` says which end, because each end excludes one unbounded form. */
static bool parse_bound(parser *p, gp_ast_bound *b, bool start) {
  const char *what = start ? "UNBOUNDED PRECEDING, CURRENT ROW or <n> PRECEDING|FOLLOWING"
                           : "<n> PRECEDING|FOLLOWING, CURRENT ROW or UNBOUNDED FOLLOWING";
  if (at_kw(p, GP_KW_UNBOUNDED)) {
    adv(p);
    if (start ? !at_kw(p, GP_KW_PRECEDING) : !at_kw(p, GP_KW_FOLLOWING))
      return syntax(p, start ? "PRECEDING" : "FOLLOWING"), false;
    b->kind = start ? GP_BOUND_UNBOUNDED_PRECEDING : GP_BOUND_UNBOUNDED_FOLLOWING;
    adv(p);
    return true;
  }
  if (accept_kw(p, GP_KW_CURRENT)) {
    b->kind = GP_BOUND_CURRENT_ROW;
    return expect_kw(p, GP_KW_ROW);
  }
  if (!at(p, GP_TOK_INT)) return syntax(p, what), false;
  uint64_t u = 0;
  const char *s = tok_text(p, &p->tok);
  for (uint32_t i = 0; i < p->tok.len; i++) {
    if (u > ((uint64_t)INT64_MAX - (uint64_t)(s[i] - '0')) / 10)
      return syntax(p, "a row count below 2^63"), false;
    u = u * 10 + (uint64_t)(s[i] - '0');
  }
  b->n = (int64_t)u;
  adv(p);
  if (accept_kw(p, GP_KW_PRECEDING))
    b->kind = GP_BOUND_PRECEDING;
  else if (accept_kw(p, GP_KW_FOLLOWING))
    b->kind = GP_BOUND_FOLLOWING;
  else
    return syntax(p, "PRECEDING or FOLLOWING"), false;
  return true;
}

/* OVER ( [PARTITION BY e, ...] [ORDER BY o, ...] [ROWS [BETWEEN] bound [AND bound]] ) */
static gp_ast *parse_window(parser *p) {
  gp_ast *w = node(p, GP_AST_WINDOW, p->tok.pos);
  if (!w) return NULL;
  adv(p); /* OVER */
  if (!expect(p, GP_TOK_LPAREN, "\"(\"")) return NULL;
  vec part = {0}, ord = {0};
  if (accept_kw(p, GP_KW_PARTITION)) {
    if (!expect_kw(p, GP_KW_BY) || !parse_expr_list(p, &part)) return NULL;
  }
  if (accept_kw(p, GP_KW_ORDER)) {
    if (!expect_kw(p, GP_KW_BY) || !parse_order_list(p, &ord)) return NULL;
  }
  if (accept_kw(p, GP_KW_ROWS)) {
    w->window.has_frame = true;
    if (accept_kw(p, GP_KW_BETWEEN)) {
      if (!parse_bound(p, &w->window.lo, true) || !expect_kw(p, GP_KW_AND) ||
          !parse_bound(p, &w->window.hi, false))
        return NULL;
    } else {
      if (!parse_bound(p, &w->window.lo, true)) return NULL;
      w->window.hi.kind = GP_BOUND_CURRENT_ROW;
    }
  }
  if (!expect(p, GP_TOK_RPAREN,
              w->window.has_frame ? "\")\""
              : ord.n             ? "ROWS or \")\""
              : part.n            ? "\",\", ORDER BY, ROWS or \")\""
                                  : "PARTITION BY, ORDER BY, ROWS or \")\""))
    return NULL;
  w->window.partition = vec_list(&part);
  w->window.order = vec_list(&ord);
  return w;
}

/* name ( [* | [DISTINCT] e, ...] ) [OVER (...)], p->tok at the name. */
static gp_ast *parse_call(parser *p) {
  gp_ast *c = node(p, GP_AST_CALL, p->tok.pos);
  if (!c || !take_name(p, &c->call.name)) return NULL;
  adv(p); /* ( */
  vec args = {0};
  bool list = false; /* a ',' could continue the arguments */
  if (at(p, GP_TOK_STAR)) {
    gp_ast *s = node(p, GP_AST_STAR, p->tok.pos);
    if (!s || !vec_push(p, &args, s)) return NULL;
    adv(p);
  } else if (!at(p, GP_TOK_RPAREN)) {
    if (accept_kw(p, GP_KW_DISTINCT)) c->call.distinct = true;
    if (!parse_expr_list(p, &args)) return NULL;
    list = true;
  }
  if (!expect(p, GP_TOK_RPAREN, list ? "\")\" or \",\"" : "\")\"")) return NULL;
  c->call.args = vec_list(&args);
  if (at_kw(p, GP_KW_OVER) && !(c->call.over = parse_window(p))) return NULL;
  return c;
}

/* CASE [operand] WHEN c THEN r ... [ELSE e] END */
static gp_ast *parse_case(parser *p) {
  gp_ast *c = node(p, GP_AST_CASE, p->tok.pos);
  if (!c) return NULL;
  adv(p);
  if (!at_kw(p, GP_KW_WHEN) && !(c->case_.operand = parse_expr(p))) return NULL;
  vec whens = {0};
  while (at_kw(p, GP_KW_WHEN)) {
    gp_ast *w = node(p, GP_AST_WHEN, p->tok.pos);
    if (!w) return NULL;
    adv(p);
    if (!(w->when.cond = parse_expr(p)) || !expect_kw(p, GP_KW_THEN) ||
        !(w->when.then = parse_expr(p)) || !vec_push(p, &whens, w))
      return NULL;
  }
  if (whens.n == 0) return syntax(p, "WHEN");
  c->case_.whens = vec_list(&whens);
  if (accept_kw(p, GP_KW_ELSE) && !(c->case_.else_ = parse_expr(p))) return NULL;
  if (!expect_kw(p, GP_KW_END)) return NULL;
  return c;
}

/* name | name.name | name.* | name(...) | type 'literal' */
static gp_ast *parse_name_expr(parser *p) {
  const gp_query_tok *nx = peek(p);
  if (nx->kind == GP_TOK_LPAREN) return parse_call(p);
  if (nx->kind == GP_TOK_STRING && at(p, GP_TOK_IDENT)) {
    gp_type t = gp_type_parse(tok_text(p, &p->tok), p->tok.len);
    if (t) { /* TIMESTAMP '2024-08-01' is CAST('2024-08-01' AS TIMESTAMP) */
      gp_ast *c = node(p, GP_AST_CAST, p->tok.pos);
      if (!c || !take_name(p, &c->cast.type_name)) return NULL;
      c->cast.type = t;
      if (!(c->cast.arg = parse_string(p))) return NULL;
      return c;
    }
  }
  gp_ast *n = node(p, GP_AST_COLUMN, p->tok.pos);
  if (!n) return NULL;
  gp_ast_name first;
  if (!take_name(p, &first)) return NULL;
  if (!accept(p, GP_TOK_DOT)) {
    n->column.name = first;
    return n;
  }
  if (at(p, GP_TOK_STAR)) {
    n->kind = GP_AST_STAR;
    n->star.table = first;
    adv(p);
    return n;
  }
  n->column.table = first;
  if (!parse_name(p, &n->column.name, "column name or \"*\"")) return NULL;
  return n;
}

static gp_ast *parse_primary(parser *p) {
  gp_query_pos pos = p->tok.pos;
  switch (p->tok.kind) {
  case GP_TOK_INT:
  case GP_TOK_FLOAT: return parse_number(p, false, true, pos);
  case GP_TOK_STRING: return parse_string(p);
  case GP_TOK_QIDENT: return parse_name_expr(p);
  case GP_TOK_LPAREN: {
    if (peek(p)->kind == GP_TOK_IDENT && (peek(p)->kw == GP_KW_SELECT || peek(p)->kw == GP_KW_WITH)) {
      /* (SELECT ...) as a value: a scalar subquery */
      adv(p);
      gp_ast *n = node(p, GP_AST_SUBQUERY, pos);
      if (!n || !(n->subquery.select = parse_query(p)) || !expect(p, GP_TOK_RPAREN, "\")\""))
        return NULL;
      return n;
    }
    adv(p);
    gp_ast *e = parse_expr(p);
    if (!e || !expect(p, GP_TOK_RPAREN, "\")\"")) return NULL;
    return e;
  }
  case GP_TOK_IDENT:
    switch (p->tok.kw) {
    case GP_KW_TRUE:
    case GP_KW_FALSE: {
      gp_ast *n = node(p, GP_AST_BOOL, pos);
      if (!n) return NULL;
      n->b.v = p->tok.kw == GP_KW_TRUE;
      adv(p);
      return n;
    }
    case GP_KW_NULL: {
      gp_ast *n = node(p, GP_AST_NULL, pos);
      if (n) adv(p);
      return n;
    }
    case GP_KW_CASE: return parse_case(p);
    case GP_KW_CAST: {
      gp_ast *c = node(p, GP_AST_CAST, pos);
      if (!c) return NULL;
      adv(p);
      if (!expect(p, GP_TOK_LPAREN, "\"(\"") || !(c->cast.arg = parse_expr(p)) ||
          !expect_kw(p, GP_KW_AS) || !parse_type(p, &c->cast.type_name, &c->cast.type) ||
          !expect(p, GP_TOK_RPAREN, "\")\""))
        return NULL;
      return c;
    }
    case GP_KW_INTERVAL: adv(p); return parse_interval_string(p, pos);
    default:
      if (gp_query_kw_reserved(p->tok.kw)) break;
      return parse_name_expr(p);
    }
    break;
  default: break;
  }
  return syntax(p, "an expression");
}

static gp_ast *parse_casts(parser *p, gp_ast *e) {
  int chain = 0;
  while (e && at(p, GP_TOK_DCOLON) && enter(p)) {
    chain++;
    gp_ast *c = node(p, GP_AST_CAST, p->tok.pos);
    if (!c) return NULL;
    adv(p);
    c->cast.arg = e;
    if (!parse_type(p, &c->cast.type_name, &c->cast.type)) return NULL;
    e = c;
  }
  p->depth -= chain;
  return p->failed ? NULL : e;
}

static gp_ast *parse_unary(parser *p) {
  if (!at(p, GP_TOK_MINUS) && !at(p, GP_TOK_PLUS)) return parse_casts(p, parse_primary(p));
  gp_query_pos pos = p->tok.pos;
  bool minus = at(p, GP_TOK_MINUS);
  adv(p);
  /* -5 and -1.5 h are literals, so the planner sees the number it will use (and
   * -9223372036854775808 is representable). */
  if (minus && (at(p, GP_TOK_INT) || at(p, GP_TOK_FLOAT)))
    return parse_casts(p, parse_number(p, true, true, pos));
  if (!enter(p)) return NULL;
  gp_ast *arg = parse_unary(p);
  leave(p);
  if (!arg) return NULL;
  if (!minus) return arg; /* unary plus is a no-op */
  gp_ast *n = node(p, GP_AST_UNARY, pos);
  if (!n) return NULL;
  n->unary.op = GP_OP_NEG;
  n->unary.arg = arg;
  return n;
}

static gp_ast *binary(parser *p, gp_ast_op op, gp_query_pos pos, gp_ast *l, gp_ast *r) {
  gp_ast *n = node(p, GP_AST_BINARY, pos);
  if (!n) return NULL;
  n->binary.op = op;
  n->binary.l = l;
  n->binary.r = r;
  return n;
}

static gp_ast *parse_mul(parser *p) {
  gp_ast *l = parse_unary(p);
  int chain = 0;
  while (l) {
    gp_ast_op op = at(p, GP_TOK_STAR)      ? GP_OP_MUL
                   : at(p, GP_TOK_SLASH)   ? GP_OP_DIV
                   : at(p, GP_TOK_PERCENT) ? GP_OP_MOD
                                           : 0;
    if (!op || !enter(p)) break;
    chain++;
    gp_query_pos pos = p->tok.pos;
    adv(p);
    gp_ast *r = parse_unary(p);
    l = r ? binary(p, op, pos, l, r) : NULL;
  }
  p->depth -= chain;
  return p->failed ? NULL : l;
}

static gp_ast *parse_add(parser *p) {
  gp_ast *l = parse_mul(p);
  int chain = 0;
  while (l) {
    gp_ast_op op = at(p, GP_TOK_PLUS)     ? GP_OP_ADD
                   : at(p, GP_TOK_MINUS)  ? GP_OP_SUB
                   : at(p, GP_TOK_CONCAT) ? GP_OP_CONCAT
                                          : 0;
    if (!op || !enter(p)) break;
    chain++;
    gp_query_pos pos = p->tok.pos;
    adv(p);
    gp_ast *r = parse_mul(p);
    l = r ? binary(p, op, pos, l, r) : NULL;
  }
  p->depth -= chain;
  return p->failed ? NULL : l;
}

static gp_ast_op cmp_op(gp_query_tok_kind k) {
  switch (k) {
  case GP_TOK_EQ: return GP_OP_EQ;
  case GP_TOK_NE: return GP_OP_NE;
  case GP_TOK_LT: return GP_OP_LT;
  case GP_TOK_LE: return GP_OP_LE;
  case GP_TOK_GT: return GP_OP_GT;
  case GP_TOK_GE: return GP_OP_GE;
  default: return 0;
  }
}

/* add {cmp add | IS [NOT] NULL | [NOT] IN (...) | [NOT] BETWEEN add AND add | [NOT] LIKE add} */
static gp_ast *parse_cmp(parser *p) {
  gp_ast *l = parse_add(p);
  int chain = 0;
  while (l) {
    gp_query_pos pos = p->tok.pos;
    gp_ast_op op = cmp_op(p->tok.kind);
    bool more = op || at_kw(p, GP_KW_IS) || at_kw(p, GP_KW_NOT) || at_kw(p, GP_KW_IN) ||
                at_kw(p, GP_KW_BETWEEN) || at_kw(p, GP_KW_LIKE);
    if (!more || !enter(p)) break;
    chain++;
    if (op) {
      adv(p);
      gp_ast *r = parse_add(p);
      l = r ? binary(p, op, pos, l, r) : NULL;
      continue;
    }
    if (at_kw(p, GP_KW_IS)) {
      gp_ast *n = node(p, GP_AST_IS_NULL, pos);
      if (!n) return NULL;
      adv(p);
      n->is_null.negated = accept_kw(p, GP_KW_NOT);
      if (!at_kw(p, GP_KW_NULL)) return syntax(p, n->is_null.negated ? "NULL" : "NULL or NOT NULL");
      adv(p);
      n->is_null.arg = l;
      l = n;
      continue;
    }
    bool neg = false;
    if (at_kw(p, GP_KW_NOT)) {
      gp_query_kw k = peek(p)->kw;
      if (peek(p)->kind != GP_TOK_IDENT || (k != GP_KW_IN && k != GP_KW_BETWEEN && k != GP_KW_LIKE))
        break; /* NOT belongs to someone else (and is then an error there) */
      adv(p);
      neg = true;
    }
    if (at_kw(p, GP_KW_IN)) {
      gp_ast *n = node(p, GP_AST_IN, pos);
      if (!n) return NULL;
      adv(p);
      vec items = {0};
      if (!expect(p, GP_TOK_LPAREN, "\"(\"")) return NULL;
      if (at_kw(p, GP_KW_SELECT) || at_kw(p, GP_KW_WITH)) {
        /* x IN (SELECT ...): one SUBQUERY item, expanded by the planner */
        gp_ast *sq = node(p, GP_AST_SUBQUERY, p->tok.pos);
        if (!sq || !(sq->subquery.select = parse_query(p)) || !vec_push(p, &items, sq) ||
            !expect(p, GP_TOK_RPAREN, "\")\""))
          return NULL;
      } else if (!parse_expr_list(p, &items) || !expect(p, GP_TOK_RPAREN, "\")\" or \",\"")) {
        return NULL;
      }
      n->in.arg = l;
      n->in.items = vec_list(&items);
      n->in.negated = neg;
      l = n;
    } else if (at_kw(p, GP_KW_BETWEEN)) {
      gp_ast *n = node(p, GP_AST_BETWEEN, pos);
      if (!n) return NULL;
      adv(p);
      n->between.arg = l;
      n->between.negated = neg;
      /* Bounds are additive expressions, so the AND here is BETWEEN's own. */
      if (!(n->between.lo = parse_add(p)) || !expect_kw(p, GP_KW_AND) ||
          !(n->between.hi = parse_add(p)))
        return NULL;
      l = n;
    } else if (at_kw(p, GP_KW_LIKE)) {
      gp_ast *n = node(p, GP_AST_LIKE, pos);
      if (!n) return NULL;
      adv(p);
      n->like.arg = l;
      n->like.negated = neg;
      if (!(n->like.pattern = parse_add(p))) return NULL;
      l = n;
    } else {
      break;
    }
  }
  p->depth -= chain;
  return p->failed ? NULL : l;
}

static gp_ast *parse_not(parser *p) {
  if (!at_kw(p, GP_KW_NOT)) return parse_cmp(p);
  gp_query_pos pos = p->tok.pos;
  adv(p);
  if (!enter(p)) return NULL;
  gp_ast *arg = parse_not(p);
  leave(p);
  if (!arg) return NULL;
  gp_ast *n = node(p, GP_AST_UNARY, pos);
  if (!n) return NULL;
  n->unary.op = GP_OP_NOT;
  n->unary.arg = arg;
  return n;
}

static gp_ast *parse_and(parser *p) {
  gp_ast *l = parse_not(p);
  int chain = 0;
  while (l && at_kw(p, GP_KW_AND) && enter(p)) {
    chain++;
    gp_query_pos pos = p->tok.pos;
    adv(p);
    gp_ast *r = parse_not(p);
    l = r ? binary(p, GP_OP_AND, pos, l, r) : NULL;
  }
  p->depth -= chain;
  return p->failed ? NULL : l;
}

static gp_ast *parse_or(parser *p) {
  gp_ast *l = parse_and(p);
  int chain = 0;
  while (l && at_kw(p, GP_KW_OR) && enter(p)) {
    chain++;
    gp_query_pos pos = p->tok.pos;
    adv(p);
    gp_ast *r = parse_and(p);
    l = r ? binary(p, GP_OP_OR, pos, l, r) : NULL;
  }
  p->depth -= chain;
  return p->failed ? NULL : l;
}

static gp_ast *parse_expr(parser *p) {
  if (!enter(p)) return NULL;
  gp_ast *e = parse_or(p);
  leave(p);
  return e;
}

/* ---- SELECT ------------------------------------------------------------------------------ */

/* ( query ) [alias] | name ( args ) [alias] | name [alias] */
static gp_ast *parse_from_item(parser *p) {
  gp_query_pos pos = p->tok.pos;
  if (accept(p, GP_TOK_LPAREN)) {
    gp_ast *n = node(p, GP_AST_SUBQUERY, pos);
    if (!n || !(n->subquery.select = parse_query(p)) || !expect(p, GP_TOK_RPAREN, "\")\"") ||
        !parse_opt_alias(p, &n->subquery.alias))
      return NULL;
    return n;
  }
  if (!is_name(&p->tok)) return syntax(p, "a table name or \"(\"");
  if (peek(p)->kind == GP_TOK_LPAREN) {
    gp_ast *n = node(p, GP_AST_TABLE_FUNC, pos);
    if (!n || !(n->table_func.call = parse_call(p)) || !parse_opt_alias(p, &n->table_func.alias))
      return NULL;
    return n;
  }
  gp_ast *n = node(p, GP_AST_TABLE_REF, pos);
  if (!n || !take_name(p, &n->table.name) || !parse_opt_alias(p, &n->table.alias)) return NULL;
  return n;
}

/* from_item {[INNER] JOIN from_item ON expr | LEFT [OUTER] JOIN from_item ON expr} */
static gp_ast *parse_from(parser *p) {
  gp_ast *l = parse_from_item(p);
  int chain = 0;
  while (l && !p->failed) {
    gp_query_pos pos = p->tok.pos;
    gp_ast_join_type type;
    if (accept_kw(p, GP_KW_JOIN)) {
      type = GP_JOIN_INNER;
    } else if (accept_kw(p, GP_KW_INNER)) {
      type = GP_JOIN_INNER;
      if (!expect_kw(p, GP_KW_JOIN)) return NULL;
    } else if (accept_kw(p, GP_KW_LEFT)) {
      type = GP_JOIN_LEFT;
      accept_kw(p, GP_KW_OUTER);
      if (!expect_kw(p, GP_KW_JOIN)) return NULL;
    } else {
      break;
    }
    if (!enter(p)) return NULL;
    chain++;
    gp_ast *j = node(p, GP_AST_JOIN, pos);
    if (!j) return NULL;
    j->join.type = type;
    j->join.left = l;
    if (!(j->join.right = parse_from_item(p)) || !expect_kw(p, GP_KW_ON) ||
        !(j->join.on = parse_expr(p)))
      return NULL;
    l = j;
  }
  p->depth -= chain;
  return p->failed ? NULL : l;
}

static gp_ast *parse_int_literal(parser *p) {
  if (!at(p, GP_TOK_INT)) return syntax(p, "an integer");
  return parse_number(p, false, false, p->tok.pos);
}

/* [ORDER BY ...] [LIMIT n] [OFFSET n] of s. */
static gp_ast *parse_select_tail(parser *p, gp_ast *s) {
  if (accept_kw(p, GP_KW_ORDER)) {
    vec o = {0};
    if (!expect_kw(p, GP_KW_BY) || !parse_order_list(p, &o)) return NULL;
    s->select.order = vec_list(&o);
  }
  if (accept_kw(p, GP_KW_LIMIT) && !(s->select.limit = parse_int_literal(p))) return NULL;
  if (accept_kw(p, GP_KW_OFFSET) && !(s->select.offset = parse_int_literal(p))) return NULL;
  return s;
}

static gp_ast *parse_select_core(parser *p, gp_ast *s) {
  if (!expect_kw(p, GP_KW_SELECT)) return NULL;
  s->select.distinct = accept_kw(p, GP_KW_DISTINCT);
  vec items = {0};
  do {
    gp_ast *it = node(p, GP_AST_SELECT_ITEM, p->tok.pos);
    if (!it) return NULL;
    if (at(p, GP_TOK_STAR)) {
      if (!(it->item.expr = node(p, GP_AST_STAR, p->tok.pos))) return NULL;
      adv(p);
    } else if (!(it->item.expr = parse_expr(p)) || !parse_opt_alias(p, &it->item.alias)) {
      return NULL;
    }
    if (!vec_push(p, &items, it)) return NULL;
  } while (accept(p, GP_TOK_COMMA));
  s->select.items = vec_list(&items);
  if (accept_kw(p, GP_KW_FROM) && !(s->select.from = parse_from(p))) return NULL;
  if (accept_kw(p, GP_KW_WHERE) && !(s->select.where = parse_expr(p))) return NULL;
  if (accept_kw(p, GP_KW_GROUP)) {
    vec g = {0};
    if (!expect_kw(p, GP_KW_BY) || !parse_expr_list(p, &g)) return NULL;
    s->select.group = vec_list(&g);
  }
  if (accept_kw(p, GP_KW_HAVING) && !(s->select.having = parse_expr(p))) return NULL;
  return parse_select_tail(p, s);
}

static gp_ast *parse_query(parser *p);

/* One operand of a set operation: a SELECT, or a query in parentheses (which keeps its own
 * ORDER BY and LIMIT). */
static gp_ast *parse_setop_arm(parser *p) {
  if (accept(p, GP_TOK_LPAREN)) {
    gp_ast *q = parse_query(p);
    if (!q || !expect(p, GP_TOK_RPAREN, "\")\"")) return NULL;
    q->select.parens = true;
    return q;
  }
  gp_ast *s = node(p, GP_AST_SELECT, p->tok.pos);
  return s ? parse_select_core(p, s) : NULL;
}

/* SELECTs joined by UNION, INTERSECT and EXCEPT [ALL | DISTINCT], with PostgreSQL's
 * precedence: INTERSECT binds tighter, UNION and EXCEPT group from the left. An ORDER BY,
 * LIMIT or OFFSET after the last SELECT belongs to the whole (it is moved up to the set
 * operation's node); one before an operator is an error unless its SELECT is in parentheses. */
static gp_ast *parse_setops(parser *p, bool intersect) {
  gp_ast *l = intersect ? parse_setop_arm(p) : parse_setops(p, true);
  while (l) {
    gp_ast_setop op = GP_SETOP_NONE;
    if (intersect ? at_kw(p, GP_KW_INTERSECT) : at_kw(p, GP_KW_UNION) || at_kw(p, GP_KW_EXCEPT))
      op = at_kw(p, GP_KW_UNION) ? GP_SETOP_UNION : at_kw(p, GP_KW_EXCEPT) ? GP_SETOP_EXCEPT
                                                                           : GP_SETOP_INTERSECT;
    if (!op) break;
    gp_query_pos pos = p->tok.pos;
    if (!l->select.parens && (l->select.order.n || l->select.limit || l->select.offset))
      return syntax(p, "the end of the query: ORDER BY, LIMIT and OFFSET come after the "
                       "last query of a UNION, INTERSECT or EXCEPT (or put that query in "
                       "parentheses)");
    adv(p);
    gp_ast *c = node(p, GP_AST_SELECT, pos);
    if (!c) return NULL;
    c->select.setop = op;
    c->select.setop_all = accept_kw(p, GP_KW_ALL);
    if (!c->select.setop_all) accept_kw(p, GP_KW_DISTINCT);
    gp_ast *r = intersect ? parse_setop_arm(p) : parse_setops(p, true);
    if (!r) return NULL;
    if (!r->select.parens) { /* its tail is the whole's */
      c->select.order = r->select.order;
      c->select.limit = r->select.limit;
      c->select.offset = r->select.offset;
      r->select.order = (gp_ast_list){0};
      r->select.limit = r->select.offset = NULL;
    }
    c->select.setop_l = l;
    c->select.setop_r = r;
    l = c;
  }
  /* `(SELECT ...) UNION (SELECT ...) ORDER BY ...`: the tail after a parenthesised last arm */
  if (l && !intersect && l->select.setop && !l->select.order.n && !l->select.limit &&
      !l->select.offset)
    l = parse_select_tail(p, l);
  return l;
}

/* [WITH name AS (query), ...] select_core [{UNION | INTERSECT | EXCEPT} ...] */
static gp_ast *parse_query(parser *p) {
  if (!enter(p)) return NULL;
  gp_ast *s = node(p, GP_AST_SELECT, p->tok.pos);
  if (s && accept_kw(p, GP_KW_WITH)) {
    vec ctes = {0};
    do {
      gp_ast *c = node(p, GP_AST_CTE, p->tok.pos);
      if (!c || !parse_name(p, &c->cte.name, "a name for the WITH query") ||
          !expect_kw(p, GP_KW_AS) || !expect(p, GP_TOK_LPAREN, "\"(\"") ||
          !(c->cte.select = parse_query(p)) || !expect(p, GP_TOK_RPAREN, "\")\"") ||
          !vec_push(p, &ctes, c)) {
        s = NULL;
        break;
      }
    } while (accept(p, GP_TOK_COMMA));
    if (s) s->select.with = vec_list(&ctes);
  }
  if (s) {
    gp_ast_list with = s->select.with;
    if (!at_kw(p, GP_KW_SELECT) && !at(p, GP_TOK_LPAREN)) {
      s = parse_select_core(p, s); /* its error: "expected SELECT" */
    } else if ((s = parse_setops(p, false)) && with.n) {
      if (s->select.with.n)
        s = syntax(p, "one WITH per query (this one is inside parentheses)");
      else
        s->select.with = with;
    }
  }
  leave(p);
  return s;
}

/* ---- other statements ----------------------------------------------------------------- */

/* ( name [value], ... ): value absent when a ',' or ')' follows the name. */
static bool parse_options(parser *p, gp_ast_list *out) {
  vec opts = {0};
  if (!expect(p, GP_TOK_LPAREN, "\"(\"")) return false;
  do {
    gp_ast *o = node(p, GP_AST_OPTION, p->tok.pos);
    if (!o || !parse_name(p, &o->option.name, "an option name")) return false;
    if (!at(p, GP_TOK_COMMA) && !at(p, GP_TOK_RPAREN) && !(o->option.value = parse_expr(p)))
      return false;
    if (!vec_push(p, &opts, o)) return false;
  } while (accept(p, GP_TOK_COMMA));
  if (!expect(p, GP_TOK_RPAREN, "\")\" or \",\"")) return false;
  *out = vec_list(&opts);
  return true;
}

static gp_ast *parse_create_table(parser *p, gp_ast *n) {
  n->kind = GP_AST_CREATE_TABLE;
  if (!parse_name(p, &n->create_table.name, "a table name") || !expect(p, GP_TOK_LPAREN, "\"(\""))
    return NULL;
  vec cols = {0};
  do {
    gp_ast *c = node(p, GP_AST_COLUMN_DEF, p->tok.pos);
    if (!c || !parse_name(p, &c->column_def.name, "a column name") ||
        !parse_type(p, &c->column_def.type_name, &c->column_def.type))
      return NULL;
    c->column_def.key = accept_kw(p, GP_KW_KEY);
    if (!vec_push(p, &cols, c)) return NULL;
  } while (accept(p, GP_TOK_COMMA));
  if (!expect(p, GP_TOK_RPAREN, "\")\" or \",\"")) return NULL;
  n->create_table.columns = vec_list(&cols);
  bool has_time = false, has_loc = false;
  for (;;) {
    if (!has_time && accept_kw(p, GP_KW_TIME)) {
      has_time = true;
      if (!parse_name(p, &n->create_table.time_col, "the time column")) return NULL;
    } else if (!has_loc && accept_kw(p, GP_KW_LOCATION)) {
      has_loc = true;
      if (accept_kw(p, GP_KW_FROM)) {
        if (!parse_name(p, &n->create_table.loc_table, "a table name") ||
            !expect(p, GP_TOK_LPAREN, "\"(\"") ||
            !parse_name(p, &n->create_table.loc_key, "the key column") ||
            !expect(p, GP_TOK_RPAREN, "\")\""))
          return NULL;
      } else if (!at(p, GP_TOK_LPAREN)) {
        return syntax(p, "\"(\" or FROM");
      } else {
        adv(p);
        if (!parse_name(p, &n->create_table.lon, "the longitude column") ||
            !expect(p, GP_TOK_COMMA, "\",\"") ||
            !parse_name(p, &n->create_table.lat, "the latitude column") ||
            !expect(p, GP_TOK_RPAREN, "\")\""))
          return NULL;
      }
    } else {
      break;
    }
  }
  return n;
}

static bool parse_path(parser *p, gp_ast **out) {
  if (!at(p, GP_TOK_STRING)) return syntax(p, "a file name in quotes"), false;
  return (*out = parse_string(p)) != NULL;
}

static gp_ast *parse_copy(parser *p, gp_ast *n) {
  n->kind = GP_AST_COPY;
  if (!parse_name(p, &n->copy.table, "a table name") || !expect_kw(p, GP_KW_FROM) ||
      !parse_path(p, &n->copy.path))
    return NULL;
  if (accept_kw(p, GP_KW_WITH) && !parse_options(p, &n->copy.options)) return NULL;
  return n;
}

static gp_ast *parse_create_regions(parser *p, gp_ast *n) {
  n->kind = GP_AST_CREATE_REGIONS;
  if (!parse_name(p, &n->create_regions.name, "a name for the regions") ||
      !expect_kw(p, GP_KW_FROM) || !parse_path(p, &n->create_regions.path))
    return NULL;
  bool with = accept_kw(p, GP_KW_WITH);
  if ((with || at(p, GP_TOK_LPAREN)) && !parse_options(p, &n->create_regions.options)) return NULL;
  return n;
}

/* A list of bare names in parentheses or after a keyword, as GP_AST_COLUMN nodes. */
static bool parse_name_list(parser *p, gp_ast_list *out, const char *what) {
  vec v = {0};
  do {
    gp_ast *c = node(p, GP_AST_COLUMN, p->tok.pos);
    if (!c || !parse_name(p, &c->column.name, what) || !vec_push(p, &v, c)) return false;
  } while (accept(p, GP_TOK_COMMA));
  *out = vec_list(&v);
  return true;
}

/* An expression and the source bytes it spans, [*off, *end): the warning evaluator reuses
 * the text of LEVELS and RESOLVE WHEN conditions, with their positions. */
static gp_ast *parse_expr_span(parser *p, uint32_t *off, uint32_t *end) {
  *off = p->tok.pos.off;
  gp_ast *e = parse_expr(p);
  *end = p->tok.kind == GP_TOK_EOF ? p->lx.len : p->tok.pos.off;
  return e;
}

/* CREATE [OR REPLACE] WARNING name EVERY e [OFFSET e] [DELAY e] [FOR e] [KEEP FIRING FOR e]
 *   [BY (col, ...)] [CATCH UP] AS query [LEVELS (name WHEN e, ...)] [RESOLVE WHEN e]
 *   [ON NODATA ok|keep|alert] [MESSAGE 'text'] [NOTIFY sink {, sink}]
 * The words DELAY, KEEP, FIRING, CATCH, UP, RESOLVE, NODATA, MESSAGE and NOTIFY are read as
 * words, not keywords, so that they stay usable as column names (alert_history.message). */
static gp_ast *parse_create_warning(parser *p, gp_ast *n) {
  n->kind = GP_AST_CREATE_WARNING;
  if (!parse_name(p, &n->create_warning.name, "a warning name") || !expect_kw(p, GP_KW_EVERY) ||
      !(n->create_warning.every = parse_expr(p)))
    return NULL;
  if (accept_kw(p, GP_KW_OFFSET) && !(n->create_warning.offset = parse_expr(p))) return NULL;
  if (accept_word(p, "delay") && !(n->create_warning.delay = parse_expr(p))) return NULL;
  if (accept_kw(p, GP_KW_FOR) && !(n->create_warning.for_ = parse_expr(p))) return NULL;
  if (accept_word(p, "keep")) {
    if (!accept_word(p, "firing")) return syntax(p, "FIRING");
    if (!expect_kw(p, GP_KW_FOR) || !(n->create_warning.keep_for = parse_expr(p))) return NULL;
  }
  if (accept_kw(p, GP_KW_BY)) {
    if (!expect(p, GP_TOK_LPAREN, "\"(\"") ||
        !parse_name_list(p, &n->create_warning.by, "a column name") ||
        !expect(p, GP_TOK_RPAREN, "\")\" or \",\""))
      return NULL;
  }
  if (accept_word(p, "catch")) {
    if (!accept_word(p, "up")) return syntax(p, "UP");
    n->create_warning.catch_up = true;
  }
  if (!at_kw(p, GP_KW_AS))
    return syntax(p, n->create_warning.for_ ? "AS" : "FOR or AS");
  adv(p);
  n->create_warning.select_off = p->tok.pos.off;
  p->in_warning = true;
  n->create_warning.select = parse_query(p);
  p->in_warning = false;
  if (!n->create_warning.select) return NULL;
  n->create_warning.select_end = at(p, GP_TOK_EOF) ? p->lx.len : p->tok.pos.off;
  if (accept_kw(p, GP_KW_LEVELS)) {
    if (!expect(p, GP_TOK_LPAREN, "\"(\"")) return NULL;
    vec levels = {0};
    do {
      gp_ast *l = node(p, GP_AST_LEVEL, p->tok.pos);
      if (!l || !parse_name(p, &l->level.name, "a level name") || !expect_kw(p, GP_KW_WHEN) ||
          !(l->level.cond = parse_expr_span(p, &l->level.off, &l->level.end)) ||
          !vec_push(p, &levels, l))
        return NULL;
    } while (accept(p, GP_TOK_COMMA));
    if (!expect(p, GP_TOK_RPAREN, "\")\" or \",\"")) return NULL;
    n->create_warning.levels = vec_list(&levels);
  }
  if (accept_word(p, "resolve")) {
    if (!expect_kw(p, GP_KW_WHEN) ||
        !(n->create_warning.resolve = parse_expr_span(p, &n->create_warning.resolve_off,
                                                      &n->create_warning.resolve_end)))
      return NULL;
  }
  if (accept_kw(p, GP_KW_ON)) {
    if (!accept_word(p, "nodata")) return syntax(p, "NODATA");
    gp_query_pos at_ = p->tok.pos;
    if (!(accept_word(p, "ok") || accept_word(p, "keep") || accept_word(p, "alert")))
      return syntax(p, "OK, KEEP or ALERT");
    const char *w = p->src + at_.off;
    n->create_warning.nodata.s = (w[0] | 32) == 'o' ? "ok" : (w[0] | 32) == 'k' ? "keep" : "alert";
    n->create_warning.nodata.pos = at_;
  }
  if (accept_word(p, "message")) {
    if (!at(p, GP_TOK_STRING)) return syntax(p, "a message in quotes");
    if (!(n->create_warning.message = parse_string(p))) return NULL;
  }
  if (accept_word(p, "notify") && !parse_name_list(p, &n->create_warning.notify, "a sink name"))
    return NULL;
  if (!at(p, GP_TOK_SEMI) && !at(p, GP_TOK_EOF))
    return syntax(p, "LEVELS, RESOLVE WHEN, ON NODATA, MESSAGE, NOTIFY, \";\" or end of input");
  n->create_warning.end = at(p, GP_TOK_EOF) ? p->lx.len : p->tok.pos.off;
  return n;
}

/* ALTER WARNING name PAUSE | RESUME */
static gp_ast *parse_alter(parser *p, gp_ast *n) {
  n->kind = GP_AST_ALTER_WARNING;
  if (!expect_kw(p, GP_KW_WARNING) ||
      !parse_name(p, &n->alter_warning.name, "a warning name"))
    return NULL;
  if (accept_word(p, "pause")) n->alter_warning.pause = true;
  else if (!accept_word(p, "resume")) return syntax(p, "PAUSE or RESUME");
  return n;
}

/* CREATE SINK name TYPE type [(name value | name (value, ...), ...)]: the value lists are for
 * options such as a command's argv. */
static gp_ast *parse_create_sink(parser *p, gp_ast *n) {
  n->kind = GP_AST_CREATE_SINK;
  if (!parse_name(p, &n->create_sink.name, "a sink name") || !expect_kw(p, GP_KW_TYPE) ||
      !parse_name(p, &n->create_sink.type, "a sink type (stdout, ndjson, command or webhook)"))
    return NULL;
  if (!at(p, GP_TOK_LPAREN)) return n;
  adv(p);
  vec opts = {0};
  do {
    gp_ast *o = node(p, GP_AST_OPTION, p->tok.pos);
    if (!o || !parse_name(p, &o->option.name, "an option name")) return NULL;
    if (accept(p, GP_TOK_LPAREN)) {
      vec items = {0};
      do {
        gp_ast *v = parse_expr(p);
        if (!v || !vec_push(p, &items, v)) return NULL;
      } while (accept(p, GP_TOK_COMMA));
      if (!expect(p, GP_TOK_RPAREN, "\")\" or \",\"")) return NULL;
      o->option.list = vec_list(&items);
    } else if (!at(p, GP_TOK_COMMA) && !at(p, GP_TOK_RPAREN) &&
               !(o->option.value = parse_expr(p))) {
      return NULL;
    }
    if (!vec_push(p, &opts, o)) return NULL;
  } while (accept(p, GP_TOK_COMMA));
  if (!expect(p, GP_TOK_RPAREN, "\")\" or \",\"")) return NULL;
  n->create_sink.options = vec_list(&opts);
  return n;
}

/* FORECAST agg(e) FROM t [WHERE e] EVERY e HORIZON e USING method [(opts)] */
static gp_ast *parse_forecast(parser *p, gp_ast *n) {
  n->kind = GP_AST_FORECAST;
  if (!is_name(&p->tok) || peek(p)->kind != GP_TOK_LPAREN)
    return syntax(p, "an aggregate such as avg(value)");
  if (!(n->forecast.agg = parse_call(p)) || !expect_kw(p, GP_KW_FROM) ||
      !parse_name(p, &n->forecast.table, "a table name"))
    return NULL;
  if (accept_kw(p, GP_KW_WHERE) && !(n->forecast.where = parse_expr(p))) return NULL;
  if (!at_kw(p, GP_KW_EVERY)) return syntax(p, n->forecast.where ? "EVERY" : "WHERE or EVERY");
  adv(p);
  if (!(n->forecast.every = parse_expr(p)) || !expect_kw(p, GP_KW_HORIZON) ||
      !(n->forecast.horizon = parse_expr(p)) || !expect_kw(p, GP_KW_USING) ||
      !parse_name(p, &n->forecast.method, "a forecast method such as holt_winters"))
    return NULL;
  if (at(p, GP_TOK_LPAREN) && !parse_options(p, &n->forecast.options)) return NULL;
  return n;
}

static gp_ast *parse_drop(parser *p, gp_ast *n) {
  n->kind = GP_AST_DROP;
  if (accept_kw(p, GP_KW_TABLE))
    n->drop.what = GP_OBJ_TABLE;
  else if (accept_kw(p, GP_KW_REGIONS))
    n->drop.what = GP_OBJ_REGIONS;
  else if (accept_kw(p, GP_KW_WARNING))
    n->drop.what = GP_OBJ_WARNING;
  else if (accept_kw(p, GP_KW_SINK))
    n->drop.what = GP_OBJ_SINK;
  else
    return syntax(p, "TABLE, REGIONS, WARNING or SINK");
  /* IF is not reserved: `DROP TABLE if` drops a table named if. */
  if (at_kw(p, GP_KW_IF) && peek(p)->kind == GP_TOK_IDENT && peek(p)->kw == GP_KW_EXISTS) {
    adv(p);
    adv(p);
    n->drop.if_exists = true;
  }
  if (!parse_name(p, &n->drop.name, "a name")) return NULL;
  return n;
}

static gp_ast *parse_show(parser *p, gp_ast *n) {
  n->kind = GP_AST_SHOW;
  if (accept_kw(p, GP_KW_TABLES))
    n->show.what = GP_OBJ_TABLE;
  else if (accept_kw(p, GP_KW_REGIONS))
    n->show.what = GP_OBJ_REGIONS;
  else if (accept_kw(p, GP_KW_WARNINGS))
    n->show.what = GP_OBJ_WARNING;
  else if (accept_kw(p, GP_KW_ALERTS))
    n->show.what = GP_OBJ_ALERTS;
  else if (accept_kw(p, GP_KW_SINKS))
    n->show.what = GP_OBJ_SINK;
  else if (accept_word(p, "functions"))
    n->show.what = GP_OBJ_FUNCTION;
  else
    return syntax(p, "TABLES, REGIONS, WARNINGS, ALERTS, SINKS or FUNCTIONS");
  return n;
}

static gp_ast *parse_statement(parser *p) {
  gp_query_pos pos = p->tok.pos;
  if (at_kw(p, GP_KW_SELECT) || at_kw(p, GP_KW_WITH) || at(p, GP_TOK_LPAREN)) return parse_query(p);
  if (!at(p, GP_TOK_IDENT))
    return syntax(p,
                  "a statement (SELECT, WITH, CREATE, COPY, EXPLAIN, DROP, SHOW, "
                  "DESCRIBE, SET, ALTER or FORECAST)");
  gp_query_kw kw = p->tok.kw;
  gp_ast *n = node(p, GP_AST_SCRIPT, pos); /* kind set by the rule below */
  if (!n) return NULL;
  if (accept_word(p, "alter")) return parse_alter(p, n);
  switch (kw) {
  case GP_KW_CREATE:
    adv(p);
    if (accept_kw(p, GP_KW_TABLE)) return parse_create_table(p, n);
    if (accept_kw(p, GP_KW_REGIONS)) return parse_create_regions(p, n);
    if (accept_kw(p, GP_KW_WARNING)) return parse_create_warning(p, n);
    if (accept_kw(p, GP_KW_SINK)) return parse_create_sink(p, n);
    if (at_kw(p, GP_KW_OR)) {
      adv(p);
      if (!accept_word(p, "replace")) return syntax(p, "REPLACE");
      if (!expect_kw(p, GP_KW_WARNING)) return NULL;
      n->create_warning.or_replace = true;
      return parse_create_warning(p, n);
    }
    return syntax(p, "TABLE, REGIONS, WARNING or SINK");
  case GP_KW_COPY: adv(p); return parse_copy(p, n);
  case GP_KW_EXPLAIN:
    adv(p);
    n->kind = GP_AST_EXPLAIN;
    n->explain.analyze = accept_kw(p, GP_KW_ANALYZE);
    if (!at_kw(p, GP_KW_SELECT) && !at_kw(p, GP_KW_WITH))
      return syntax(p, n->explain.analyze ? "SELECT or WITH" : "ANALYZE, SELECT or WITH");
    return (n->explain.stmt = parse_query(p)) ? n : NULL;
  case GP_KW_DROP: adv(p); return parse_drop(p, n);
  case GP_KW_SHOW: adv(p); return parse_show(p, n);
  case GP_KW_DESCRIBE:
    adv(p);
    n->kind = GP_AST_DESCRIBE;
    /* WARNING is not reserved: `DESCRIBE warning` describes a table named warning */
    if (at_kw(p, GP_KW_WARNING) && is_name(peek(p))) {
      adv(p);
      n->describe.what = GP_OBJ_WARNING;
      return parse_name(p, &n->describe.name, "a warning name") ? n : NULL;
    }
    return parse_name(p, &n->describe.name, "a table name") ? n : NULL;
  case GP_KW_SET:
    adv(p);
    n->kind = GP_AST_SET;
    if (!parse_name(p, &n->set.name, "a setting name") || !expect(p, GP_TOK_EQ, "\"=\"") ||
        !(n->set.value = parse_expr(p)))
      return NULL;
    return n;
  case GP_KW_FORECAST: adv(p); return parse_forecast(p, n);
  default:
    return syntax(p,
                  "a statement (SELECT, WITH, CREATE, COPY, EXPLAIN, DROP, SHOW, "
                  "DESCRIBE, SET, ALTER or FORECAST)");
  }
}

/* ---- entry points ------------------------------------------------------------------------ */

static bool start(parser *p, gp_query_arena *a, const char *src, size_t len, gp_err *err) {
  memset(p, 0, sizeof *p);
  p->a = a;
  p->src = src;
  p->err = err;
  gp_err_clear(err);
  if (len > UINT32_MAX - 1) {
    gp_err_set(err, GP_INVALID, "query text of %zu bytes is longer than 4 GiB", len);
    return false;
  }
  gp_query_lexer_init(&p->lx, src, (uint32_t)len);
  adv(p);
  return true;
}

gp_rc gp_query_parse(gp_query_arena *a, const char *src, size_t len, gp_ast **out, gp_err *err) {
  parser p;
  *out = NULL;
  if (!start(&p, a, src, len, err)) return err->rc;
  gp_ast *script = node(&p, GP_AST_SCRIPT, p.tok.pos);
  vec stmts = {0};
  while (script && !p.failed) {
    while (accept(&p, GP_TOK_SEMI)) {
    }
    if (at(&p, GP_TOK_EOF)) break;
    gp_ast *s = parse_statement(&p);
    if (!s || !vec_push(&p, &stmts, s)) break;
    if (!at(&p, GP_TOK_SEMI) && !at(&p, GP_TOK_EOF)) syntax(&p, "\";\" or end of input");
  }
  if (p.failed) return err->rc;
  script->script.stmts = vec_list(&stmts);
  *out = script;
  return GP_OK;
}

gp_rc gp_query_parse_expr(gp_query_arena *a, const char *src, size_t len, gp_ast **out,
                          gp_err *err) {
  parser p;
  *out = NULL;
  if (!start(&p, a, src, len, err)) return err->rc;
  gp_ast *e = parse_expr(&p);
  if (e && !at(&p, GP_TOK_EOF)) syntax(&p, "end of input");
  if (p.failed) return err->rc;
  *out = e;
  return GP_OK;
}
