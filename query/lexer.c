/* lexer.c - query text to tokens, with 1-based line and column of each token.
 *
 * Tokens borrow the source: a token is (kind, keyword, position, length) and nothing is copied
 * or unescaped here; the parser copies the few strings it keeps into the arena.
 *
 * Columns count UTF-8 code points, not bytes, so a caret lines up under `近` as well as under
 * `x`. Counting from the start of the line for every token would be quadratic on a long line,
 * so the lexer remembers one (offset, column) pair on the current line and counts forward from
 * it: tokens only move forward, so the total work is one pass. Example for `SELECT 'é', x`:
 * `'é'` starts at byte 7 (column 8); `,` is at byte 11 but column 11 (é is two bytes). */
#include "gp_query.h"
#include "gp_query_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const kw_names[GP_KW_COUNT_] = {"",
#define KW_NAME(name, reserved) #name,
                                                   GP_QUERY_KW_MAP(KW_NAME)
#undef KW_NAME
};

static const bool kw_reserved[GP_KW_COUNT_] = {false,
#define KW_RES(name, reserved) reserved,
                                               GP_QUERY_KW_MAP(KW_RES)
#undef KW_RES
};

const char *gp_query_kw_name(gp_query_kw kw) {
  return (kw > GP_KW_NONE && kw < GP_KW_COUNT_) ? kw_names[kw] : "";
}

bool gp_query_kw_reserved(gp_query_kw kw) {
  return kw > GP_KW_NONE && kw < GP_KW_COUNT_ && kw_reserved[kw];
}

/* The keyword map is kept sorted in the header, so a binary search over the upper-cased word
 * finds a keyword in ~6 comparisons. */
static gp_query_kw kw_lookup(const char *s, uint32_t n) {
  char up[16];
  if (n == 0 || n >= sizeof up) return GP_KW_NONE;
  for (uint32_t i = 0; i < n; i++) {
    char c = s[i];
    up[i] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
  }
  up[n] = '\0';
  int lo = 1, hi = GP_KW_COUNT_ - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    int c = strcmp(up, kw_names[mid]);
    if (c == 0) return (gp_query_kw)mid;
    if (c < 0)
      hi = mid - 1;
    else
      lo = mid + 1;
  }
  return GP_KW_NONE;
}

void gp_query_lexer_init(gp_query_lexer *lx, const char *src, uint32_t len) {
  lx->src = src;
  lx->len = len;
  lx->off = 0;
  lx->line = 1;
  lx->col_off = 0;
  lx->col = 1;
}

/* Column of byte offset `off` on the current line (off >= col_off); moves the remembered pair
 * forward to it. */
static uint32_t col_at(gp_query_lexer *lx, uint32_t off) {
  uint32_t col = lx->col;
  for (uint32_t i = lx->col_off; i < off; i++)
    if (((unsigned char)lx->src[i] & 0xC0) != 0x80) col++;
  lx->col_off = off;
  lx->col = col;
  return col;
}

/* Called with lx->src[off] == '\n': the next line starts after it. */
static void newline_at(gp_query_lexer *lx, uint32_t off) {
  lx->line++;
  lx->col_off = off + 1;
  lx->col = 1;
}

gp_rc gp_query_err_at(gp_err *err, gp_rc rc, gp_query_pos pos, const char *fmt, ...) {
  char msg[GP_ERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return gp_err_set(err, rc, "line %u, column %u: %s", (unsigned)pos.line, (unsigned)pos.col, msg);
}

/* Writes the text shown after `near` for the source bytes [p, p + n): at most the rest of the
 * line and 32 bytes (cut on a UTF-8 boundary, then "..."), control bytes as '?'. */
static void near_text(const char *p, size_t n, char *out, size_t cap) {
  size_t k = 0, i = 0;
  bool cut = false;
  for (; i < n && p[i] != '\n' && p[i] != '\r'; i++) {
    if (i >= 32 && ((unsigned char)p[i] & 0xC0) != 0x80) {
      cut = true;
      break;
    }
    if (k + 4 >= cap) break;
    unsigned char c = (unsigned char)p[i];
    out[k++] = (c < 0x20 || c == 0x7F) ? '?' : (char)c;
  }
  if (i < n && !cut && (p[i] == '\n' || p[i] == '\r')) cut = true;
  if (cut && k + 4 < cap) {
    memcpy(out + k, "...", 3);
    k += 3;
  }
  out[k] = '\0';
}

/* The one shape of every syntax error: `line L, column C: syntax error near "X", expected E`,
 * X being len bytes of source at pos (len 0 at the end of input: `end of input`). */
gp_rc gp_query__syntax_error(gp_err *err, const char *src, gp_query_pos pos, uint32_t len,
                             const char *expected) {
  char near[48];
  if (len == 0)
    snprintf(near, sizeof near, "end of input");
  else
    near_text(src + pos.off, len, near, sizeof near);
  return gp_query_err_at(err, GP_PARSE, pos, "syntax error near \"%s\", expected %s", near,
                         expected);
}

static bool is_ident_start(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool is_ident_char(unsigned char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* Skips blanks and comments. Returns GP_PARSE for an unterminated block comment. */
static gp_rc skip_space(gp_query_lexer *lx, gp_err *err) {
  const char *s = lx->src;
  uint32_t n = lx->len, i = lx->off;
  for (;;) {
    while (i < n) {
      char c = s[i];
      if (c == '\n')
        newline_at(lx, i);
      else if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v')
        break;
      i++;
    }
    if (i + 1 < n && s[i] == '-' && s[i + 1] == '-') {
      while (i < n && s[i] != '\n') i++;
      continue;
    }
    if (i + 1 < n && s[i] == '/' && s[i + 1] == '*') {
      uint32_t start = i;
      gp_query_pos pos = {start, lx->line, col_at(lx, start)};
      i += 2;
      for (;;) {
        if (i + 1 >= n) {
          lx->off = n;
          return gp_query__syntax_error(err, s, pos, n - start, "\"*/\" to end the comment");
        }
        if (s[i] == '*' && s[i + 1] == '/') {
          i += 2;
          break;
        }
        if (s[i] == '\n') newline_at(lx, i);
        i++;
      }
      continue;
    }
    break;
  }
  lx->off = i;
  return GP_OK;
}

/* Scans a quoted run ('...' or "...") starting at the quote at lx->off, where a doubled quote
 * stands for itself. Returns the offset after the closing quote, or 0 when unterminated. */
static uint32_t scan_quoted(gp_query_lexer *lx, char q) {
  const char *s = lx->src;
  uint32_t n = lx->len, i = lx->off + 1;
  while (i < n) {
    if (s[i] == q) {
      if (i + 1 < n && s[i + 1] == q) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    if (s[i] == '\n') newline_at(lx, i);
    i++;
  }
  return 0;
}

gp_rc gp_query_lex(gp_query_lexer *lx, gp_query_tok *tok, gp_err *err) {
  gp_rc rc = skip_space(lx, err);
  if (rc != GP_OK) return rc;
  const char *s = lx->src;
  uint32_t n = lx->len, i = lx->off;
  tok->kw = GP_KW_NONE;
  tok->pos.off = i;
  tok->pos.line = lx->line;
  tok->pos.col = col_at(lx, i);
  if (i >= n) {
    tok->kind = GP_TOK_EOF;
    tok->len = 0;
    return GP_OK;
  }
  unsigned char c = (unsigned char)s[i];
  unsigned char c1 = i + 1 < n ? (unsigned char)s[i + 1] : 0;
  uint32_t end = i + 1;
  gp_query_tok_kind kind;
  if (is_ident_start(c)) {
    while (end < n && is_ident_char((unsigned char)s[end])) end++;
    kind = GP_TOK_IDENT;
    tok->kw = kw_lookup(s + i, end - i);
  } else if (is_digit(c) || (c == '.' && is_digit(c1))) {
    kind = GP_TOK_INT;
    end = i;
    while (end < n && is_digit((unsigned char)s[end])) end++;
    if (end < n && s[end] == '.') {
      kind = GP_TOK_FLOAT;
      end++;
      while (end < n && is_digit((unsigned char)s[end])) end++;
    }
    /* An exponent only when digits follow: `5e` is 5 then the word e, as `5m` is 5 then m. */
    if (end < n && (s[end] == 'e' || s[end] == 'E')) {
      uint32_t j = end + 1;
      if (j < n && (s[j] == '+' || s[j] == '-')) j++;
      if (j < n && is_digit((unsigned char)s[j])) {
        kind = GP_TOK_FLOAT;
        end = j;
        while (end < n && is_digit((unsigned char)s[end])) end++;
      }
    }
  } else if (c == '\'' || c == '"') {
    end = scan_quoted(lx, (char)c);
    if (end == 0) {
      lx->off = n;
      return gp_query__syntax_error(
          err, s, tok->pos, n - i,
          c == '\'' ? "\"'\" to end the string" : "'\"' to end the quoted identifier");
    }
    kind = c == '\'' ? GP_TOK_STRING : GP_TOK_QIDENT;
    if (kind == GP_TOK_QIDENT && end == i + 2) {
      lx->off = end;
      return gp_query__syntax_error(err, s, tok->pos, 2, "a non-empty quoted identifier");
    }
  } else {
    switch (c) {
    case '(': kind = GP_TOK_LPAREN; break;
    case ')': kind = GP_TOK_RPAREN; break;
    case ',': kind = GP_TOK_COMMA; break;
    case ';': kind = GP_TOK_SEMI; break;
    case '.': kind = GP_TOK_DOT; break;
    case '*': kind = GP_TOK_STAR; break;
    case '+': kind = GP_TOK_PLUS; break;
    case '-': kind = GP_TOK_MINUS; break;
    case '/': kind = GP_TOK_SLASH; break;
    case '%': kind = GP_TOK_PERCENT; break;
    case '=': kind = GP_TOK_EQ; break;
    case '<':
      kind = GP_TOK_LT;
      if (c1 == '=')
        kind = GP_TOK_LE, end++;
      else if (c1 == '>')
        kind = GP_TOK_NE, end++;
      break;
    case '>':
      kind = GP_TOK_GT;
      if (c1 == '=') kind = GP_TOK_GE, end++;
      break;
    case '!':
      if (c1 != '=') goto bad_char;
      kind = GP_TOK_NE, end++;
      break;
    case '|':
      if (c1 != '|') goto bad_char;
      kind = GP_TOK_CONCAT, end++;
      break;
    case ':':
      if (c1 != ':') goto bad_char;
      kind = GP_TOK_DCOLON, end++;
      break;
    default: goto bad_char;
    }
  }
  tok->kind = kind;
  tok->len = end - i;
  lx->off = end;
  return GP_OK;

bad_char:
  lx->off = n;
  return gp_query__syntax_error(err, s, tok->pos, 1, "a name, literal or operator");
}

bool gp_query_is_complete(const char *src, size_t len) {
  if (len > UINT32_MAX) return true;
  gp_query_lexer lx;
  gp_query_lexer_init(&lx, src, (uint32_t)len);
  gp_query_tok tok;
  gp_query_tok_kind last = GP_TOK_EOF;
  for (;;) {
    gp_err err = {0};
    if (gp_query_lex(&lx, &tok, &err) != GP_OK) {
      /* An open string, quoted name or comment may be closed by the next line. */
      return strstr(err.msg, " to end the ") == NULL;
    }
    if (tok.kind == GP_TOK_EOF) return last == GP_TOK_SEMI;
    last = tok.kind;
  }
}

gp_rc gp_query_caret(const char *src, size_t len, uint32_t line, uint32_t col, gp_buf *out) {
  size_t i = 0;
  for (uint32_t l = 1; l < line; l++) {
    const char *nl = memchr(src + i, '\n', len - i);
    if (!nl) return GP_INVALID;
    i = (size_t)(nl - src) + 1;
  }
  if (line == 0) return GP_INVALID;
  size_t end = i;
  while (end < len && src[end] != '\n') end++;
  size_t shown = end;
  if (shown > i && src[shown - 1] == '\r') shown--;
  if (gp_buf_put(out, src + i, shown - i) != GP_OK || gp_buf_put_u8(out, '\n') != GP_OK)
    return GP_NOMEM;
  /* One blank per code point before the column; tabs copied so the terminal expands both
   * lines alike. Columns past the end of the line (end of input) still get their blanks. */
  uint32_t c = 1;
  for (size_t k = i; c < col; k++) {
    char ch = ' ';
    if (k < end) {
      if (((unsigned char)src[k] & 0xC0) == 0x80) continue;
      if (src[k] == '\t') ch = '\t';
    }
    if (gp_buf_put_u8(out, (uint8_t)ch) != GP_OK) return GP_NOMEM;
    c++;
  }
  if (gp_buf_put(out, "^\n", 2) != GP_OK) return GP_NOMEM;
  return GP_OK;
}

bool gp_query_err_pos(const gp_err *err, uint32_t *line, uint32_t *col) {
  unsigned l, c;
  int used = 0;
  if (!err || sscanf(err->msg, "line %u, column %u:%n", &l, &c, &used) != 2 || used == 0)
    return false;
  *line = l;
  *col = c;
  return true;
}
