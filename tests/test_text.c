/* test_text.c - CSV/NDJSON splitting, value parsers, UTF-8 validation and type sniffing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp_text.h"

#define countof(a) (sizeof(a) / sizeof((a)[0]))

static void assert_field(const gp_field *f, const char *want, bool quoted) {
  assert_false(f->null);
  assert_int_equal(f->quoted, quoted);
  assert_int_equal(f->len, strlen(want));
  assert_memory_equal(f->p, want, f->len);
}

/* ---- CSV record end ---- */

typedef struct {
  const char *in;
  long want; /* offset of the returned pointer, -1 = NULL (incomplete) */
} rec_end_case;

static void test_csv_record_end(void **state) {
  (void)state;
  static const rec_end_case cases[] = {
      {"a,b\nc", 4},
      {"a,b", 3},
      {"", 0},
      {"\n", 1},
      {"a,b\r\nc", 5},
      {"\"a\nb\",c\nd", 8},
      {"\"a\"\"\nb\"\nz", 8}, /* "" inside quotes is an escape, not a close */
      {"\"\"\"\"\n", 5},
      {"x,\"y\r\nz\"\r\nw", 10},
      {"a,\"b\"", 5},
      {"a\"b\nc", 4}, /* stray quote: the record still ends at its line */
      /* an opening quote that never closes costs its own line only */
      {"\"open\nmore", 6},
      {"a,\"open\"\"\nmore", 10},
      {"a,\"open", 7},
      /* a "close" lines later that is followed by text opened a later field: the first
       * record is its own line, unterminated */
      {"1,\"ab\n2,\"cd\",e\n", 6},
      {"a,\"x\ny\"z\nw", 5},
      {"1,\"ab\"x\nz", 8},        /* on one line: text after the close, line ends it */
      {"a,\"x\ny\",b\nc", 10},    /* a proper multi-line close: delimiter, */
      {"a,\"x\ny\"\r\nw", 9},     /* line break */
      {"a,\"x\ny\"", 7},          /* or the end of the input */
      {"a,b\"c,\"d\ne\"\nf", 12}, /* a stray quote does not flip the quote state */
      {"1,\"q\",3,\"r\ns\"\nnext", 14},
      {"long unquoted line without quotes at all, 1, 2, 3\nx", 50},
  };
  for (size_t i = 0; i < countof(cases); i++) {
    const char *p = cases[i].in, *end = p + strlen(p);
    const char *r = gp_csv_record_end(p, end, ',');
    long got = r ? (long)(r - p) : -1;
    if (got != cases[i].want) fail_msg("case %zu (%s): got %ld want %ld", i, p, got, cases[i].want);
  }
}

/* ---- CSV split ---- */

typedef struct {
  const char *in;
  char delim;
  int max;             /* max_fields (0 = 8) */
  int want_n;          /* return value; -1 = malformed */
  const char *f[8];    /* expected stored fields */
  const char *quoted;  /* per stored field: 'q' quoted, 'u' unquoted */
  size_t want_col;     /* for -1 */
  const char *want_why;
} csv_case;

static void test_csv_split(void **state) {
  (void)state;
  static const csv_case cases[] = {
      {"a,b,c", ',', 0, 3, {"a", "b", "c"}, "uuu", 0, NULL},
      {"a,b,c\n", ',', 0, 3, {"a", "b", "c"}, "uuu", 0, NULL},
      {"a,b,c\r\n", ',', 0, 3, {"a", "b", "c"}, "uuu", 0, NULL},
      {"1234567,2024-08-01T12:34:56Z,118.345678,33.912345,c017,12345,closed,20.57\n", ',', 0, 8,
       {"1234567", "2024-08-01T12:34:56Z", "118.345678", "33.912345", "c017", "12345", "closed",
        "20.57"},
       "uuuuuuuu", 0, NULL},
      {"", ',', 0, 1, {""}, "u", 0, NULL},
      {"\r\n", ',', 0, 1, {""}, "u", 0, NULL},
      {",,", ',', 0, 3, {"", "", ""}, "uuu", 0, NULL},
      {"a,", ',', 0, 2, {"a", ""}, "uu", 0, NULL},
      {"a,\r\n", ',', 0, 2, {"a", ""}, "uu", 0, NULL},
      {"\"a,b\",c", ',', 0, 2, {"a,b", "c"}, "qu", 0, NULL},
      {"\"line1\nline2\",x\r\n", ',', 0, 2, {"line1\nline2", "x"}, "qu", 0, NULL},
      {"\"say \"\"hi\"\"\",2", ',', 0, 2, {"say \"hi\"", "2"}, "qu", 0, NULL},
      {"\"\"", ',', 0, 1, {""}, "q", 0, NULL},
      {"\"\"\"\"", ',', 0, 1, {"\""}, "q", 0, NULL},
      {"a,\"\"", ',', 0, 2, {"a", ""}, "uq", 0, NULL},
      {"\"\",\"\",", ',', 0, 3, {"", "", ""}, "qqu", 0, NULL},
      {"x,\"a\r\nb\"\r\n", ',', 0, 2, {"x", "a\r\nb"}, "uq", 0, NULL},
      {"\"a\"\"\"\"b\",\"\"\"\"\"\"", ',', 0, 2, {"a\"\"b", "\"\""}, "qq", 0, NULL},
      {"abcdefghijklmnop,qrstuvwxyz0123456789,z", ',', 0, 3,
       {"abcdefghijklmnop", "qrstuvwxyz0123456789", "z"}, "uuu", 0, NULL},
      {"a\tb c\t\"d\te\"", '\t', 0, 3, {"a", "b c", "d\te"}, "uuq", 0, NULL},
      {"a;b,c;d", ';', 0, 3, {"a", "b,c", "d"}, "uuu", 0, NULL},
      {"1,2,3,4,5", ',', 3, 5, {"1", "2", "3"}, "uuu", 0, NULL},
      {"1,\"x\"\"y\",3,\"4\"\"\",5\n", ',', 2, 5, {"1", "x\"y"}, "uq", 0, NULL},
      /* malformed */
      {"a\"b,c", ',', 0, -1, {0}, "", 2, "quote inside unquoted field"},
      {"x, \"y\"", ',', 0, -1, {0}, "", 4, "quote inside unquoted field"},
      {"a,b\"", ',', 0, -1, {0}, "", 4, "quote inside unquoted field"},
      {"abcdefghij,klmnopqrstuvw\"xyz", ',', 0, -1, {0}, "", 25, "quote inside unquoted field"},
      {"\"ab\"c,d", ',', 0, -1, {0}, "", 5, "text after closing quote"},
      {"1,\"ab\" ,d", ',', 0, -1, {0}, "", 7, "text after closing quote"},
      {"x,\"abc", ',', 0, -1, {0}, "", 3, "unterminated quoted field"},
      {"\"a\"\"b", ',', 0, -1, {0}, "", 1, "unterminated quoted field"},
      {"\"a\"\"b\n", ',', 0, -1, {0}, "", 1, "unterminated quoted field"},
  };
  gp_buf scratch = {0};
  for (size_t i = 0; i < countof(cases); i++) {
    const csv_case *c = &cases[i];
    gp_field f[8];
    const char *why = NULL;
    size_t col = 0;
    scratch.len = 0;
    int max = c->max ? c->max : 8;
    int n = gp_csv_split(c->in, c->in + strlen(c->in), c->delim, f, max, &scratch, &why, &col);
    if (n != c->want_n) fail_msg("case %zu: got %d fields want %d", i, n, c->want_n);
    if (n < 0) {
      if (col != c->want_col || strcmp(why, c->want_why) != 0)
        fail_msg("case %zu: got col %zu (%s), want col %zu (%s)", i, col, why, c->want_col,
                 c->want_why);
      continue;
    }
    int stored = n < max ? n : max;
    assert_int_equal(strlen(c->quoted), stored);
    for (int k = 0; k < stored; k++) assert_field(&f[k], c->f[k], c->quoted[k] == 'q');
  }
  gp_buf_free(&scratch);
}

/* Slices into scratch stay valid at the end of the record even when it had to grow. */
static void test_csv_scratch_growth(void **state) {
  (void)state;
  char rec[4096];
  size_t len = 0;
  for (int i = 0; i < 60; i++)
    len += (size_t)sprintf(rec + len, "%s\"v%d \"\"q\"\" %d\"", i ? "," : "", i, i);
  gp_field f[60];
  gp_buf scratch = {0};
  const char *why;
  size_t col;
  assert_int_equal(gp_csv_split(rec, rec + len, ',', f, 60, &scratch, &why, &col), 60);
  for (int i = 0; i < 60; i++) {
    char want[64];
    sprintf(want, "v%d \"q\" %d", i, i);
    assert_field(&f[i], want, true);
    assert_true((const uint8_t *)f[i].p >= scratch.p &&
                (const uint8_t *)f[i].p + f[i].len <= scratch.p + scratch.len);
  }
  gp_buf_free(&scratch);
}

static void test_csv_oom(void **state) {
  (void)state;
  const char *rec = "1,\"a\"\"b\"";
  gp_field f[4];
  gp_buf scratch = {0};
  const char *why = NULL;
  size_t col = 0;
  long live = gp_alloc_live();
  gp_alloc_fail_after(1);
  assert_int_equal(gp_csv_split(rec, rec + strlen(rec), ',', f, 4, &scratch, &why, &col), -1);
  gp_alloc_fail_after(0);
  assert_non_null(strstr(why, "memory"));
  assert_int_equal(col, 3);
  assert_int_equal(gp_alloc_live(), live);
  /* Fields without escapes never touch scratch, even when it is NULL. */
  rec = "1,\"a,b\",c";
  assert_int_equal(gp_csv_split(rec, rec + strlen(rec), ',', f, 4, NULL, &why, &col), 3);
  assert_field(&f[1], "a,b", true);
}

/* ---- NDJSON ---- */

static const char *const jkeys[] = {"id", "name", "v", "tags", "flag"};
#define NJKEYS 5

typedef struct {
  const char *in;
  /* Per key: "A" absent, "N" JSON null, "s:..." string, "r:..." raw text (number, literal,
   * nested). */
  const char *want[NJKEYS];
  size_t want_col; /* 0 = must succeed */
  const char *want_why;
} json_case;

static void test_ndjson_split(void **state) {
  (void)state;
  static const json_case cases[] = {
      {"{\"id\":1,\"name\":\"a\",\"v\":2.5,\"tags\":[1,2],\"flag\":true}",
       {"r:1", "s:a", "r:2.5", "r:[1,2]", "r:true"}, 0, NULL},
      {"{ \"id\" : -0.5e+3 , \"name\" : \"x\\\"y\\\\z\\/\" }",
       {"r:-0.5e+3", "s:x\"y\\z/", "A", "A", "A"}, 0, NULL},
      {"{\"name\":\"\\b\\f\\n\\r\\t\"}", {"A", "s:\b\f\n\r\t", "A", "A", "A"}, 0, NULL},
      {"{\"name\":\"caf\\u00e9 \\u4E2D\"}", {"A", "s:caf\xC3\xA9 \xE4\xB8\xAD", "A", "A", "A"}, 0,
       NULL},
      {"{\"name\":\"\\ud83d\\ude00!\"}", {"A", "s:\xF0\x9F\x98\x80!", "A", "A", "A"}, 0, NULL},
      {"{\"name\":\"\\u0041\\u007f\\u0080\\u07ff\\u0800\\uffff\\udbff\\udfff\"}",
       {"A", "s:A\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF4\x8F\xBF\xBF", "A", "A", "A"}, 0,
       NULL},
      {"{\"tags\":{\"a\":[1,{\"b\":\"]}\\\"\"}],\"c\":null},\"id\":7}",
       {"r:7", "A", "A", "r:{\"a\":[1,{\"b\":\"]}\\\"\"}],\"c\":null}", "A"}, 0, NULL},
      {"{\"tags\":[ ],\"v\":{ }}", {"A", "A", "r:{ }", "r:[ ]", "A"}, 0, NULL},
      {"{\"id\":null,\"name\":null}", {"N", "N", "A", "A", "A"}, 0, NULL},
      {"{}", {"A", "A", "A", "A", "A"}, 0, NULL},
      {" \t{ } \r\n", {"A", "A", "A", "A", "A"}, 0, NULL},
      {"{\"other\":{\"x\":\"\\u00e9\"},\"id\":3,\"zz\":\"\\n\"}", {"r:3", "A", "A", "A", "A"}, 0,
       NULL},
      {"{\"id\":1,\"id\":2}", {"r:2", "A", "A", "A", "A"}, 0, NULL},
      {"{\"na\\u006de\":\"k\"}", {"A", "s:k", "A", "A", "A"}, 0, NULL},
      {"{\"Name\":\"k\",\"nam\":1,\"names\":2}", {"A", "A", "A", "A", "A"}, 0, NULL},
      {"  {\"id\":1}  \r\n", {"r:1", "A", "A", "A", "A"}, 0, NULL},
      {"{\"flag\":false,\"v\":0,\"id\":-0}", {"r:-0", "A", "r:0", "A", "r:false"}, 0, NULL},
      {"{\"name\":\"\"}", {"A", "s:", "A", "A", "A"}, 0, NULL},
      {"{\"v\":1E-7,\"id\":12345678901234567890123}",
       {"r:12345678901234567890123", "A", "r:1E-7", "A", "A"}, 0, NULL},
      {"{\"name\":\"abcdefghijklmnopqrstuvwxyz\\u0041bcdefghijklmnop\"}",
       {"A", "s:abcdefghijklmnopqrstuvwxyzAbcdefghijklmnop", "A", "A", "A"}, 0, NULL},
      {"{\"flag\":true,\"v\":2,\"name\":\"x\",\"id\":1}", {"r:1", "s:x", "r:2", "A", "r:true"}, 0,
       NULL},
      /* malformed */
      {"{\"id\":1,}", {0}, 9, "trailing comma"},
      {"{\"name\":\"abc}", {0}, 9, "unterminated string"},
      {"{\"name\":\"abc\\", {0}, 9, "unterminated string"},
      {"{\"name\":\"a\\qb\"}", {0}, 11, "bad escape"},
      {"{\"name\":\"\\ud800x\"}", {0}, 10, "lone surrogate"},
      {"{\"name\":\"\\udc00\"}", {0}, 10, "lone surrogate"},
      {"{\"name\":\"\\ud800\\u0041\"}", {0}, 10, "lone surrogate"},
      {"{\"name\":\"\\ud800\"}", {0}, 10, "lone surrogate"},
      {"{\"name\":\"\\u12G4\"}", {0}, 10, "bad \\u escape"},
      {"{\"name\":\"\\u12\"}", {0}, 10, "bad \\u escape"},
      {"{\"name\":\"a\tb\"}", {0}, 11, "control character in string"},
      {"{\"other\":\"x\\z\"}", {0}, 12, "bad escape"},
      {"{\"name\":\"abcdefghijklmnop\x01qrstuvwxyz\"}", {0}, 26, "control character in string"},
      {"{\"name\":\"abcdefghijklmnop\\\"\x1f\"}", {0}, 28, "control character in string"},
      {"{\"other\":[\"\\ud800\"]}", {0}, 12, "lone surrogate"},
      {"{\"id\":1} x", {0}, 10, "garbage after object"},
      {"{\"id\":1}{}", {0}, 9, "garbage after object"},
      {"{\"id\":01}", {0}, 8, "leading zero in number"},
      {"{\"id\":1.}", {0}, 9, "bad number"},
      {"{\"id\":.5}", {0}, 7, "expected a value"},
      {"{\"id\":-}", {0}, 8, "bad number"},
      {"{\"id\":1e}", {0}, 9, "bad number"},
      {"{\"id\":+1}", {0}, 7, "expected a value"},
      {"{\"id\":tru}", {0}, 7, "bad literal"},
      {"{\"id\":NaN}", {0}, 7, "expected a value"},
      {"{\"id\" 1}", {0}, 7, "expected ':'"},
      {"{\"id\":1 \"v\":2}", {0}, 9, "expected ',' or '}'"},
      {"{\"id\":1", {0}, 8, "expected ',' or '}'"},
      {"{\"id\":", {0}, 7, "expected a value"},
      {"[1]", {0}, 1, "expected '{'"},
      {"", {0}, 1, "expected '{'"},
      {"{id:1}", {0}, 2, "expected a key string"},
      {"{,}", {0}, 2, "expected a key string"},
      {"{\"tags\":[1,2,]}", {0}, 14, "trailing comma"},
      {"{\"tags\":[1,2}", {0}, 13, "expected ',' or ']'"},
      {"{\"tags\":{\"a\":1,}}", {0}, 16, "trailing comma"},
      {"{\"tags\":{\"a\" 1}}", {0}, 14, "expected ':'"},
      {"{\"tags\":{\"a\":1]}", {0}, 15, "expected ',' or '}'"},
  };
  gp_buf scratch = {0};
  for (size_t i = 0; i < countof(cases); i++) {
    const json_case *c = &cases[i];
    gp_field f[NJKEYS];
    const char *why = NULL;
    size_t col = 0;
    scratch.len = 0;
    int rc = gp_ndjson_split(c->in, strlen(c->in), jkeys, NJKEYS, f, &scratch, &why, &col);
    if (c->want_col) {
      if (rc != -1 || col != c->want_col || strcmp(why, c->want_why) != 0)
        fail_msg("case %zu (%s): rc %d col %zu (%s), want col %zu (%s)", i, c->in, rc, col,
                 rc ? why : "-", c->want_col, c->want_why);
      continue;
    }
    if (rc != 0) fail_msg("case %zu (%s): failed at col %zu: %s", i, c->in, col, why);
    for (int k = 0; k < NJKEYS; k++) {
      const char *w = c->want[k];
      if (w[0] == 'A') {
        assert_true(f[k].null);
        assert_null(f[k].p);
      } else if (w[0] == 'N') {
        assert_true(f[k].null);
        assert_false(f[k].quoted);
      } else {
        if (f[k].null) fail_msg("case %zu key %s: null", i, jkeys[k]);
        assert_field(&f[k], w + 2, w[0] == 's');
      }
    }
  }
  gp_buf_free(&scratch);
}

static void test_ndjson_depth(void **state) {
  (void)state;
  char line[256];
  gp_field f[NJKEYS];
  gp_buf scratch = {0};
  const char *why = NULL;
  size_t col = 0;
  for (int depth = 63; depth <= 66; depth++) {
    size_t n = (size_t)sprintf(line, "{\"tags\":");
    memset(line + n, '[', (size_t)depth);
    memset(line + n + (size_t)depth, ']', (size_t)depth);
    n += 2 * (size_t)depth;
    line[n++] = '}';
    int rc = gp_ndjson_split(line, n, jkeys, NJKEYS, f, &scratch, &why, &col);
    if (depth <= 64) {
      assert_int_equal(rc, 0);
      assert_int_equal(f[3].len, 2 * depth);
    } else {
      assert_int_equal(rc, -1);
      assert_string_equal(why, "nesting too deep");
      assert_int_equal(col, 9 + 64);
    }
  }
  gp_buf_free(&scratch);
}

/* Many escaped values in one line: every slice must stay valid after scratch grew. */
static void test_ndjson_scratch(void **state) {
  (void)state;
  static const char *const keys[] = {"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"};
  char line[2048];
  size_t n = 0;
  n += (size_t)sprintf(line + n, "{");
  for (int i = 0; i < 8; i++)
    n += (size_t)sprintf(line + n, "%s\"k\\u003%d\":\"value number %d with a \\\"quote\\\"\"",
                         i ? "," : "", i, i);
  n += (size_t)sprintf(line + n, "}");
  gp_field f[8];
  gp_buf scratch = {0};
  const char *why = NULL;
  size_t col = 0;
  int rc = gp_ndjson_split(line, n, keys, 8, f, &scratch, &why, &col);
  if (rc != 0) fail_msg("col %zu: %s", col, why);
  for (int i = 0; i < 8; i++) {
    char want[64];
    sprintf(want, "value number %d with a \"quote\"", i);
    assert_field(&f[i], want, true);
  }
  /* A NULL scratch is fine until an escape needs it. */
  rc = gp_ndjson_split("{\"k1\":\"plain\"}", 14, keys, 8, f, NULL, &why, &col);
  assert_int_equal(rc, 0);
  assert_field(&f[1], "plain", true);
  rc = gp_ndjson_split("{\"k1\":\"a\\nb\"}", 13, keys, 8, f, NULL, &why, &col);
  assert_int_equal(rc, -1);
  assert_int_equal(col, 7);
  gp_buf_free(&scratch);
}

static void test_ndjson_keys(void **state) {
  (void)state;
  const char *line = "{\"b\":1,\"a\\u0062\":[2,{\"q\":3}],\"c\":{\"x\":\"\\n\"},\"\":null}\n";
  gp_field k[8];
  gp_buf scratch = {0};
  const char *why = NULL;
  size_t col = 0;
  assert_int_equal(gp_ndjson_keys(line, strlen(line), k, 8, &scratch, &why, &col), 4);
  assert_field(&k[0], "b", true);
  assert_field(&k[1], "ab", true);
  assert_field(&k[2], "c", true);
  assert_field(&k[3], "", true);
  scratch.len = 0;
  assert_int_equal(gp_ndjson_keys(line, strlen(line), k, 2, &scratch, &why, &col), 2);
  assert_field(&k[1], "ab", true);
  assert_int_equal(gp_ndjson_keys("{\"a\":1,\"b\"}", 11, k, 8, &scratch, &why, &col), -1);
  assert_string_equal(why, "expected ':'");
  assert_int_equal(col, 11);
  gp_buf_free(&scratch);
}

/* ---- int64 ---- */

static void test_parse_int64(void **state) {
  (void)state;
  static const struct {
    const char *in;
    bool ok;
    int64_t v;
  } cases[] = {
      {"0", true, 0},
      {"-0", true, 0},
      {"+5", true, 5},
      {"42", true, 42},
      {"-12345", true, -12345},
      {"00000000000000000000000042", true, 42},
      {"9223372036854775807", true, INT64_MAX},
      {"+9223372036854775807", true, INT64_MAX},
      {"-9223372036854775808", true, INT64_MIN},
      {"-9223372036854775807", true, -INT64_MAX},
      {"9223372036854775808", false, 0},
      {"-9223372036854775809", false, 0},
      {"18446744073709551615", false, 0},
      {"18446744073709551616", false, 0},
      {"99999999999999999999", false, 0},
      {"92233720368547758070", false, 0},
      {"", false, 0},
      {"-", false, 0},
      {"+", false, 0},
      {"1a", false, 0},
      {" 1", false, 0},
      {"1 ", false, 0},
      {"1.0", false, 0},
      {"1e3", false, 0},
      {"--1", false, 0},
      {"0x10", false, 0},
  };
  for (size_t i = 0; i < countof(cases); i++) {
    int64_t v = 777;
    bool ok = gp_parse_int64(cases[i].in, strlen(cases[i].in), &v);
    if (ok != cases[i].ok) fail_msg("case %zu (%s): ok=%d", i, cases[i].in, ok);
    if (ok) assert_int_equal(v, cases[i].v);
    else assert_int_equal(v, 777);
  }
  /* The slice length bounds the parse: a digit after it is not read. */
  int64_t v;
  assert_true(gp_parse_int64("123456", 3, &v));
  assert_int_equal(v, 123);
}

/* ---- double ---- */

static void check_like_strtod(const char *s, size_t n) {
  char buf[1024];
  assert_true(n < sizeof buf);
  memcpy(buf, s, n);
  buf[n] = '\0';
  char *stop;
  double want = strtod(buf, &stop);
  assert_true(stop == buf + n);
  double got;
  if (!gp_parse_double(s, n, &got)) fail_msg("rejected %s", buf);
  if (memcmp(&got, &want, sizeof got) != 0)
    fail_msg("%s: got %.17g want %.17g", buf, got, want);
}

static void test_parse_double_hard(void **state) {
  (void)state;
  static const char *const cases[] = {
      "0", "-0", "-0.0", "0.000", "0e10", "-0e-999", "1", "-1", "+1", "1.", ".5", "-.5e1", "1E5",
      "0.1", "0.2", "0.3", "0.30000000000000004", "1.0000000000000002", "20.57", "118.345678",
      "33.912345", "-73.985428", "9007199254740992", "9007199254740993", "9007199254740991.5",
      "9007199254740993e0", "18014398509481985", "2.2250738585072011e-308",
      "2.2250738585072012e-308", "2.2250738585072014e-308", "4.9e-324",
      "2.4703282292062327e-324", "2.4703282292062328e-324", "1e-324", "1.7976931348623157e308",
      "1.7976931348623158e308", "1.7976931348623159e308", "1e308", "1e309", "1e400", "-1e400",
      "1e-400", "1e23", "8.41e21", "1e22", "1e-22", "1e-23", "1e30", "1e37", "4e37", "1e38",
      "9007199254740992e15", "123456789012345678901234567890", "7.038531e-26",
      "3.4028235677973366e163", "5e-324", "0.1e1", "10e-1", "1234567890123456789",
      "12345678901234567890", "123456789012345678.5", "0.000001234567890123456789",
      "100000000000000000000000000000000000001", "1e0000000000000000000000000005",
      "1e-00000000000000000000000000000000000005", "99999999999999999999999e-23",
      "4503599627370496.5", "4503599627370497.5", "89255.0e-22", "1448997445238699",
      "7.3177701707893310e+15", "2.4354544654654646465454654646545456465465e-300",
  };
  for (size_t i = 0; i < countof(cases); i++) check_like_strtod(cases[i], strlen(cases[i]));

  /* Inputs longer than the stack buffer take the heap path. */
  char big[600];
  big[0] = '1';
  memset(big + 1, '0', 300);
  check_like_strtod(big, 301);
  memcpy(big, "0.", 2);
  memset(big + 2, '0', 400);
  big[402] = '7';
  check_like_strtod(big, 403);
  memset(big, '9', 500);
  big[250] = '.';
  check_like_strtod(big, 500);

  double d;
  assert_true(gp_parse_double("1e400", 5, &d) && isinf(d) && d > 0);
  assert_true(gp_parse_double("-0", 2, &d) && d == 0 && signbit(d));
  assert_true(gp_parse_double("inf", 3, &d) && isinf(d) && d > 0);
  assert_true(gp_parse_double("-Infinity", 9, &d) && isinf(d) && d < 0);
  assert_true(gp_parse_double("+INF", 4, &d) && isinf(d) && d > 0);
  assert_true(gp_parse_double("NaN", 3, &d) && isnan(d));
  assert_true(gp_parse_double("-nan", 4, &d) && isnan(d));
  /* Slice length bounds the parse. */
  assert_true(gp_parse_double("2.5e3", 3, &d) && d == 2.5);

  static const char *const bad[] = {
      "", "-", "+", ".", "-.", "1e", "1e+", "1e-", "e5", "1x", " 1", "1 ", "1..2", "1.2.3",
      "--1", "+-1", "0x10", "0x1p3", "infin", "infinit", "infinityy", "nan(1)", "nana", "1,5",
      "1e5.5", "1e 5", "i", "n",
  };
  for (size_t i = 0; i < countof(bad); i++) {
    d = 42;
    if (gp_parse_double(bad[i], strlen(bad[i]), &d)) fail_msg("accepted \"%s\"", bad[i]);
    assert_true(d == 42);
  }
}

/* xorshift64*: fixed seed, so every run checks the same million strings. */
static uint64_t rng_next(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * UINT64_C(2685821657736338717);
}

static void test_parse_double_random(void **state) {
  (void)state;
  uint64_t seed = UINT64_C(0x9E3779B97F4A7C15);
  char buf[96];
  for (int i = 0; i < 1000000; i++) {
    uint64_t r = rng_next(&seed);
    size_t n = 0;
    switch (r % 4) {
      case 0: /* lon/lat with 6 decimals */
        n = (size_t)sprintf(buf, "%s%d.%06d", (r >> 8) & 1 ? "-" : "", (int)((r >> 9) % 181),
                            (int)((r >> 20) % 1000000));
        break;
      case 1: /* money-like, 2 decimals */
        n = (size_t)sprintf(buf, "%d.%02d", (int)((r >> 8) % 100000), (int)((r >> 30) % 100));
        break;
      default: { /* general: 1..25 digits, a point somewhere, maybe an exponent */
        int nd = 1 + (int)((r >> 8) % 25);
        int point = (int)((r >> 16) % (uint64_t)(nd + 2)) - 1; /* -1: no point */
        if ((r >> 24) & 1) buf[n++] = '-';
        uint64_t dr = rng_next(&seed);
        for (int k = 0; k < nd; k++) {
          if (k == point) buf[n++] = '.';
          if (k % 16 == 15) dr = rng_next(&seed);
          buf[n++] = (char)('0' + dr % 10);
          dr /= 10;
        }
        if (point == nd) buf[n++] = '.';
        if ((r >> 25) & 1) {
          int e = (int)((r >> 32) % 700) - 350;
          if ((r >> 28) & 1) e = (int)((r >> 32) % 61) - 30; /* often near the fast range */
          n += (size_t)sprintf(buf + n, "e%d", e);
        }
        break;
      }
    }
    check_like_strtod(buf, n);
  }
}

/* ---- bool ---- */

static void test_parse_bool(void **state) {
  (void)state;
  static const struct {
    const char *in;
    int want; /* 1 true, 0 false, -1 rejected */
  } cases[] = {
      {"true", 1}, {"TRUE", 1}, {"True", 1}, {"t", 1}, {"T", 1}, {"1", 1}, {"yes", 1},
      {"YES", 1},  {"false", 0}, {"False", 0}, {"f", 0}, {"F", 0}, {"0", 0}, {"no", 0},
      {"No", 0},   {"", -1},  {"tru", -1}, {"truee", -1}, {"2", -1}, {"10", -1}, {"y", -1},
      {" true", -1}, {"yes ", -1}, {"nope", -1},
  };
  for (size_t i = 0; i < countof(cases); i++) {
    bool b = false;
    bool ok = gp_parse_bool(cases[i].in, strlen(cases[i].in), &b);
    if (ok != (cases[i].want >= 0)) fail_msg("case %zu (%s): ok=%d", i, cases[i].in, ok);
    if (ok) assert_int_equal(b, cases[i].want == 1);
  }
}

/* ---- UTF-8 ---- */

static void test_utf8(void **state) {
  (void)state;
  static const struct {
    const char *in;
    size_t n; /* 0 = strlen */
    bool ok;
  } cases[] = {
      {"", 0, true},
      {"abc", 0, true},
      {"\xC3\xA9", 0, true},
      {"\xE4\xB8\xAD", 0, true},
      {"\xF0\x9F\x98\x80", 0, true},
      {"\xF4\x8F\xBF\xBF", 0, true},          /* U+10FFFF */
      {"\xED\x9F\xBF", 0, true},              /* U+D7FF */
      {"\xEE\x80\x80", 0, true},              /* U+E000 */
      {"\xC2\x80\xDF\xBF\xE0\xA0\x80\xF0\x90\x80\x80", 0, true},
      {"abcdefghijklmnopqrst\xE4\xB8\xADuvwxyz0123456789", 0, true},
      {"a\0b", 3, true},
      {"\xC0\x80", 0, false},                 /* overlong NUL */
      {"\xC1\xBF", 0, false},
      {"\xE0\x80\x80", 0, false},
      {"\xE0\x9F\xBF", 0, false},             /* overlong 3-byte */
      {"\xF0\x8F\xBF\xBF", 0, false},         /* overlong 4-byte */
      {"\xED\xA0\x80", 0, false},             /* U+D800 */
      {"\xED\xBF\xBF", 0, false},             /* U+DFFF */
      {"\xF4\x90\x80\x80", 0, false},         /* U+110000 */
      {"\xF5\x80\x80\x80", 0, false},
      {"\xFF", 0, false},
      {"\x80", 0, false},                     /* lone continuation */
      {"\xC3", 0, false},                     /* truncated */
      {"\xE4\xB8", 0, false},
      {"\xF0\x9F\x98", 0, false},
      {"\xC3\x41", 0, false},                 /* bad continuation */
      {"\xE4\x41\xAD", 0, false},
      {"\xF0\x9F\x41\x80", 0, false},
      {"abcdefgh\xC3", 0, false},
      {"abcdefghijklmno\x80", 0, false},
      {"\xE4\xB8\xAD\xE4\xB8\xAD\xE4\xB8", 0, false},
  };
  for (size_t i = 0; i < countof(cases); i++) {
    size_t n = cases[i].n ? cases[i].n : strlen(cases[i].in);
    if (gp_utf8_valid(cases[i].in, n) != cases[i].ok) fail_msg("case %zu", i);
  }
}

/* ---- sniffing ---- */

/* quoted: every value is a JSON string (quoted_numbers false); sniff_csv: every value is a
 * quoted CSV field (as QUOTE_ALL writes them), with the count of misfits. */
static gp_type sniff_as(const char *const *v, size_t n, bool quoted, bool csv, size_t *bad) {
  gp_field f[256];
  assert_true(n <= 256);
  for (size_t i = 0; i < n; i++)
    f[i] = (gp_field){.p = v[i], .len = (uint32_t)strlen(v[i]), .quoted = quoted, .null = false};
  return gp_sniff_type(f, n, csv, bad);
}
static gp_type sniff(const char *const *v, size_t n, bool quoted) {
  return sniff_as(v, n, quoted, false, NULL);
}

static void test_sniff(void **state) {
  (void)state;
  static const char *const ints[] = {"1", "2", "-3", "", "9223372036854775807"};
  static const char *const dbls[] = {"1", "2.5", "", "-1e5", "118.345678"};
  static const char *const ts[] = {"2024-08-01T12:34:56Z", "2024-08-02", "",
                                   "2024-08-01 12:34:56.5+08:00"};
  static const char *const sym[] = {"closed", "open", "closed", "open"};
  static const char *const txt[] = {"a", "b", "c"};
  static const char *const mixed[] = {"1", "2024-08-01"};
  static const char *const big[] = {"9223372036854775808", "1"};
  static const char *const empty[] = {"", ""};
  static const char *const twice[] = {"123", "123"};
  assert_int_equal(sniff(ints, countof(ints), false), GP_T_INT);
  assert_int_equal(sniff(dbls, countof(dbls), false), GP_T_DOUBLE);
  assert_int_equal(sniff(big, countof(big), false), GP_T_DOUBLE);
  assert_int_equal(sniff(ts, countof(ts), false), GP_T_TIMESTAMP);
  assert_int_equal(sniff(ts, countof(ts), true), GP_T_TIMESTAMP);
  assert_int_equal(sniff(sym, countof(sym), false), GP_T_SYMBOL);
  assert_int_equal(sniff(txt, countof(txt), false), GP_T_TEXT);
  assert_int_equal(sniff(mixed, countof(mixed), false), GP_T_TEXT);
  assert_int_equal(sniff(empty, countof(empty), false), GP_T_TEXT);
  assert_int_equal(sniff(NULL, 0, false), GP_T_TEXT);
  assert_int_equal(sniff(twice, countof(twice), false), GP_T_INT);
  assert_int_equal(sniff(twice, countof(twice), true), GP_T_SYMBOL); /* quoted: text */
  assert_int_equal(sniff(ints, 3, true), GP_T_TEXT);

  /* Quoted CSV fields say nothing about their type (Excel, pandas QUOTE_ALL): numbers, but a
   * zero-padded code stays a code. */
  size_t bad = 99;
  assert_int_equal(sniff_as(twice, countof(twice), true, true, &bad), GP_T_INT);
  assert_int_equal(bad, 0);
  assert_int_equal(sniff_as(dbls, countof(dbls), true, true, NULL), GP_T_DOUBLE);
  static const char *const zips[] = {"02134", "02134", "10001", "02134"};
  assert_int_equal(sniff_as(zips, countof(zips), true, true, NULL), GP_T_SYMBOL);
  assert_int_equal(sniff_as(zips, countof(zips), false, true, NULL), GP_T_INT); /* unquoted */

  /* A small minority of misfits (at most 1% of the non-empty samples) keeps the majority's
   * type, and says how many rows will be rejected; 2 in 100 is too many. */
  static char mstore[200][32];
  const char *mv[200];
  for (int i = 0; i < 200; i++) {
    sprintf(mstore[i], "2024-08-01T%02d:%02d:00Z", i / 60, i % 60);
    mv[i] = mstore[i];
  }
  strcpy(mstore[150], "noon");
  assert_int_equal(sniff_as(mv, 200, false, true, &bad), GP_T_TIMESTAMP);
  assert_int_equal(bad, 1);
  strcpy(mstore[50], "2024-13-01");
  assert_int_equal(sniff_as(mv, 200, false, true, &bad), GP_T_TIMESTAMP);
  assert_int_equal(bad, 2);
  assert_int_equal(sniff_as(mv + 100, 100, false, true, NULL), GP_T_TIMESTAMP);    /* 1 in 100 */
  assert_int_not_equal(sniff_as(mv + 101, 99, false, true, NULL), GP_T_TIMESTAMP); /* < 100 */
  strcpy(mstore[60], "later");
  assert_int_not_equal(sniff_as(mv, 100, false, true, NULL), GP_T_TIMESTAMP); /* 2 in 100 */
  assert_int_not_equal(sniff_as(mv, 200, false, true, NULL), GP_T_TIMESTAMP); /* 3 in 200 */
  for (int i = 0; i < 200; i++) sprintf(mstore[i], "%d", i);
  strcpy(mstore[7], "N/A");
  assert_int_equal(sniff_as(mv, 200, false, true, &bad), GP_T_INT);
  assert_int_equal(bad, 1);
  strcpy(mstore[9], "1.5"); /* a decimal is no misfit of DOUBLE */
  assert_int_equal(sniff_as(mv, 200, false, true, &bad), GP_T_DOUBLE);
  assert_int_equal(bad, 1);

  /* JSON nulls and absent keys are ignored like empty values. */
  gp_field nf[3] = {{.p = "7", .len = 1}, {.p = NULL, .len = 0, .null = true},
                    {.p = "null", .len = 4, .null = true}};
  assert_int_equal(gp_sniff_type(nf, 3, true, NULL), GP_T_INT);

  /* 60 distinct among 100 samples: SYMBOL (<= 64 among many); among 99: TEXT (> half). */
  static char store[100][8];
  const char *v[100];
  for (int i = 0; i < 100; i++) {
    sprintf(store[i], "c%03d", i % 60);
    v[i] = store[i];
  }
  assert_int_equal(sniff(v, 100, false), GP_T_SYMBOL);
  assert_int_equal(sniff(v, 99, false), GP_T_TEXT);
  /* 65 distinct among 100 is neither. */
  for (int i = 0; i < 100; i++) sprintf(store[i], "c%03d", i % 65);
  assert_int_equal(sniff(v, 100, false), GP_T_TEXT);

  /* Long values never make a SYMBOL, however often they repeat. */
  static const char *const longs[] = {
      "x123456789012345678901234567890123456789012345678901234567890123",
      "x123456789012345678901234567890123456789012345678901234567890123",
      "x123456789012345678901234567890123456789012345678901234567890123",
  };
  assert_int_equal(sniff(longs, 3, false), GP_T_TEXT);
  assert_int_equal(sniff(longs, 3, true), GP_T_TEXT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_csv_record_end),  cmocka_unit_test(test_csv_split),
      cmocka_unit_test(test_csv_scratch_growth), cmocka_unit_test(test_csv_oom),
      cmocka_unit_test(test_ndjson_split),    cmocka_unit_test(test_ndjson_depth),
      cmocka_unit_test(test_ndjson_scratch),  cmocka_unit_test(test_ndjson_keys),
      cmocka_unit_test(test_parse_int64),     cmocka_unit_test(test_parse_double_hard),
      cmocka_unit_test(test_parse_double_random), cmocka_unit_test(test_parse_bool),
      cmocka_unit_test(test_utf8),            cmocka_unit_test(test_sniff),
  };
  return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
