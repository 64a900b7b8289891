/* test_parser.c - the query language front half: lexer, parser, AST dump/walk, arena.
 *
 * Most cases are rows of tables: SQL in, the exact canonical dump (or the exact error message,
 * positions included) out. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp_query.h"

/* ---- helpers ------------------------------------------------------------------------------ */

/* Parses sql and returns the dump of statement `idx` (or of the expression), in a static
 * buffer; fails the test on a parse error. */
static char dumped[16384];

static const char *dump_of(const gp_ast *n) {
  gp_buf b = {0};
  assert_int_equal(gp_ast_dump(n, &b), GP_OK);
  assert_true(b.len < sizeof dumped);
  memcpy(dumped, b.p, b.len + 1); /* dump keeps a NUL after len */
  gp_buf_free(&b);
  return dumped;
}

static const char *parse_dump(const char *sql, bool expr) {
  gp_query_arena *a = NULL;
  gp_err err = {0};
  gp_ast *out = NULL;
  assert_int_equal(gp_query_arena_new(&a, &err), GP_OK);
  gp_rc rc = expr ? gp_query_parse_expr(a, sql, strlen(sql), &out, &err)
                  : gp_query_parse(a, sql, strlen(sql), &out, &err);
  if (rc != GP_OK) fail_msg("parse of [%s] failed: %s", sql, err.msg);
  const char *d;
  if (expr) {
    d = dump_of(out);
  } else {
    assert_int_equal(out->kind, GP_AST_SCRIPT);
    assert_int_equal(out->script.stmts.n, 1);
    d = dump_of(out->script.stmts.v[0]);
  }
  gp_query_arena_free(a);
  return d;
}

/* Parses sql expecting failure; returns the message in a static buffer. */
static char errmsg[GP_ERR_MSG_MAX];

static gp_rc parse_err(const char *sql, size_t len, bool expr) {
  gp_query_arena *a = NULL;
  gp_err err = {0};
  gp_ast *out = (gp_ast *)1;
  assert_int_equal(gp_query_arena_new(&a, &err), GP_OK);
  gp_rc rc =
      expr ? gp_query_parse_expr(a, sql, len, &out, &err) : gp_query_parse(a, sql, len, &out, &err);
  assert_int_not_equal(rc, GP_OK);
  assert_int_equal(rc, err.rc);
  assert_null(out);
  snprintf(errmsg, sizeof errmsg, "%s", err.msg);
  gp_query_arena_free(a);
  return rc;
}

/* ---- lexer -------------------------------------------------------------------------------- */

static void test_keywords_sorted_and_named(void **state) {
  (void)state;
  /* The lexer binary-searches the keyword list, so it must stay sorted. */
  for (int k = 2; k < GP_KW_COUNT_; k++)
    assert_true(strcmp(gp_query_kw_name((gp_query_kw)(k - 1)), gp_query_kw_name((gp_query_kw)k)) <
                0);
  assert_string_equal(gp_query_kw_name(GP_KW_SELECT), "SELECT");
  assert_string_equal(gp_query_kw_name(GP_KW_NONE), "");
  assert_true(gp_query_kw_reserved(GP_KW_FROM));
  assert_false(gp_query_kw_reserved(GP_KW_TIME));
  assert_false(gp_query_kw_reserved(GP_KW_NONE));
}

/* Renders every token as KIND:text@line:col, space-separated. */
static const char *tok_names[] = {
    "EOF", "IDENT", "QIDENT", "INT", "FLOAT", "STRING", "(",  ")", ",",  ";", ".",  "*",
    "+",   "-",     "/",      "%",   "||",    "=",      "<>", "<", "<=", ">", ">=", "::",
};

static void lex_all(const char *src, char *out, size_t cap) {
  gp_query_lexer lx;
  gp_query_lexer_init(&lx, src, (uint32_t)strlen(src));
  size_t k = 0;
  out[0] = '\0';
  for (;;) {
    gp_query_tok t;
    gp_err err = {0};
    assert_int_equal(gp_query_lex(&lx, &t, &err), GP_OK);
    k += (size_t)snprintf(out + k, cap - k, "%s%s%s:%.*s@%u:%u", k ? " " : "", tok_names[t.kind],
                          t.kw ? "/kw" : "", (int)t.len, src + t.pos.off, t.pos.line, t.pos.col);
    if (t.kind == GP_TOK_EOF) break;
  }
}

static void test_lexer_tokens(void **state) {
  (void)state;
  static const struct {
    const char *src, *want;
  } cases[] = {
      {"select X_1 from", "IDENT/kw:select@1:1 IDENT:X_1@1:8 IDENT/kw:from@1:12 EOF:@1:16"},
      {"1 1.5 .5 1. 1e9 2.5E-3 5e 5m",
       "INT:1@1:1 FLOAT:1.5@1:3 FLOAT:.5@1:7 FLOAT:1.@1:10 FLOAT:1e9@1:13 FLOAT:2.5E-3@1:17 "
       "INT:5@1:24 IDENT:e@1:25 INT:5@1:27 IDENT:m@1:28 EOF:@1:29"},
      {"'it''s' \"A \"\"b\"\"\"", "STRING:'it''s'@1:1 QIDENT:\"A \"\"b\"\"\"@1:9 EOF:@1:18"},
      {"(),;.*+-/%||=<>!=<<=>>=::",
       "(:(@1:1 ):)@1:2 ,:,@1:3 ;:;@1:4 .:.@1:5 *:*@1:6 +:+@1:7 -:-@1:8 /:/@1:9 %:%@1:10 "
       "||:||@1:11 =:=@1:13 <>:<>@1:14 <>:!=@1:16 <:<@1:18 <=:<=@1:19 >:>@1:21 >=:>=@1:22 "
       ":::::@1:24 EOF:@1:26"},
      /* comments, newlines, tabs and multi-byte characters: columns count code points */
      {"-- note\n\tx /* a\nb */ y--z\n'é',é",
       "IDENT:x@2:2 IDENT:y@3:6 STRING:'é'@4:1 ,:,@4:4 IDENT:é@4:5 EOF:@4:6"},
      {"a\r\nb", "IDENT:a@1:1 IDENT:b@2:1 EOF:@2:2"},
      {"'multi\nline' x", "STRING:'multi\nline'@1:1 IDENT:x@2:7 EOF:@2:8"},
      {"", "EOF:@1:1"},
      {"a-b", "IDENT:a@1:1 -:-@1:2 IDENT:b@1:3 EOF:@1:4"},
      {"a--b", "IDENT:a@1:1 EOF:@1:5"},
      {"/**/x", "IDENT:x@1:5 EOF:@1:6"},
      {"SeLeCt", "IDENT/kw:SeLeCt@1:1 EOF:@1:7"},
      {"unboundedx partitions", "IDENT:unboundedx@1:1 IDENT:partitions@1:12 EOF:@1:22"},
  };
  char got[1024];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    lex_all(cases[i].src, got, sizeof got);
    if (strcmp(got, cases[i].want) != 0)
      fail_msg("case %zu [%s]\n got: %s\nwant: %s", i, cases[i].src, got, cases[i].want);
  }
}

static void test_lexer_eof_repeats(void **state) {
  (void)state;
  gp_query_lexer lx;
  gp_query_tok t;
  gp_err err = {0};
  gp_query_lexer_init(&lx, "x", 1);
  assert_int_equal(gp_query_lex(&lx, &t, &err), GP_OK);
  assert_int_equal(t.kind, GP_TOK_IDENT);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(gp_query_lex(&lx, &t, &err), GP_OK);
    assert_int_equal(t.kind, GP_TOK_EOF);
    assert_int_equal(t.pos.col, 2);
  }
}

static void test_lexer_errors(void **state) {
  (void)state;
  static const struct {
    const char *src, *msg;
    bool first; /* also the parser's first error (no earlier syntax error) */
  } cases[] = {
      {"SELECT 'abc",
       "line 1, column 8: syntax error near \"'abc\", expected \"'\" to end the string", true},
      {"x\n  'abc\ndef",
       "line 2, column 3: syntax error near \"'abc...\", expected \"'\" to end the string", false},
      {"'0123456789012345678901234567890123456789",
       "line 1, column 1: syntax error near \"'0123456789012345678901234567890...\", expected "
       "\"'\" "
       "to end the string",
       true},
      {"SELECT \"abc",
       "line 1, column 8: syntax error near \"\"abc\", expected '\"' to end the quoted identifier",
       true},
      {"SELECT \"\"",
       "line 1, column 8: syntax error near \"\"\"\", expected a non-empty quoted identifier",
       true},
      {"SELECT 1 /* x",
       "line 1, column 10: syntax error near \"/* x\", expected \"*/\" to end the comment", true},
      {"/*/", "line 1, column 1: syntax error near \"/*/\", expected \"*/\" to end the comment",
       true},
      {"SELECT 1 @ 2",
       "line 1, column 10: syntax error near \"@\", expected a name, literal or operator", true},
      {"a ! b", "line 1, column 3: syntax error near \"!\", expected a name, literal or operator",
       false},
      {"a | b", "line 1, column 3: syntax error near \"|\", expected a name, literal or operator",
       false},
      {"a : b", "line 1, column 3: syntax error near \":\", expected a name, literal or operator",
       false},
      {"'北京' \x01",
       "line 1, column 6: syntax error near \"?\", expected a name, literal or operator", false},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    gp_query_lexer lx;
    gp_query_tok t;
    gp_err err = {0};
    gp_query_lexer_init(&lx, cases[i].src, (uint32_t)strlen(cases[i].src));
    gp_rc rc;
    do {
      rc = gp_query_lex(&lx, &t, &err);
    } while (rc == GP_OK && t.kind != GP_TOK_EOF);
    assert_int_equal(rc, GP_PARSE);
    if (strcmp(err.msg, cases[i].msg) != 0)
      fail_msg("case %zu\n got: %s\nwant: %s", i, err.msg, cases[i].msg);
    /* The parser reports the same message, unless it stops at an earlier syntax error. */
    assert_int_equal(parse_err(cases[i].src, strlen(cases[i].src), false), GP_PARSE);
    if (cases[i].first)
      assert_string_equal(errmsg, cases[i].msg);
    else
      assert_string_not_equal(errmsg, cases[i].msg);
  }
}

static void test_is_complete(void **state) {
  (void)state;
  static const struct {
    const char *src;
    bool want;
  } cases[] = {
      {"SELECT 1;", true},
      {"SELECT 1", false},
      {"SELECT 1;  -- done", true},
      {"SELECT ';", false},
      {"SELECT ';';", true},
      {"SELECT 1 /* ; */", false},
      {"SELECT 1 /* ;", false},
      {"SELECT \"a;", false},
      {"SELECT @;", true},
      {"", false},
      {";", true},
      {"SELECT 1;\nSELECT", false},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    if (gp_query_is_complete(cases[i].src, strlen(cases[i].src)) != cases[i].want)
      fail_msg("case %zu [%s]", i, cases[i].src);
}

/* ---- statements --------------------------------------------------------------------------- */

typedef struct dump_case {
  const char *sql, *want;
} dump_case;

static void run_dump_cases(const dump_case *cases, size_t n, bool expr) {
  for (size_t i = 0; i < n; i++) {
    const char *got = parse_dump(cases[i].sql, expr);
    if (strcmp(got, cases[i].want) != 0)
      fail_msg("case %zu [%s]\n got: %s\nwant: %s", i, cases[i].sql, got, cases[i].want);
  }
}

/* Every example of DESIGN.md's "Query language" block, with its full tree. */
static const dump_case design_examples[] = {
    {"CREATE TABLE events (id INT KEY, ts TIMESTAMP, lon DOUBLE, lat DOUBLE, category SYMBOL,\n"
     "                     source SYMBOL, status SYMBOL, handle_hours DOUBLE)\n"
     "  TIME ts LOCATION (lon, lat);",
     "(create-table events (columns (id int key) (ts timestamp) (lon double) (lat double) "
     "(category symbol) (source symbol) (status symbol) (handle_hours double)) (time ts) "
     "(location lon lat))"},
    {"COPY events FROM 'events.csv' WITH (header true, on_error 'skip');",
     "(copy events 'events.csv' (with (header true) (on_error 'skip')))"},
    {"CREATE REGIONS grids FROM 'regions.csv' (id region_id, geometry wkt);",
     "(create-regions grids 'regions.csv' (with (id region_id) (geometry wkt)))"},
    {"SELECT bucket(ts, 1 d) AS day, count(*) FROM events\n"
     " WHERE ts >= '2024-08-01' AND ts < '2024-09-01' GROUP BY day ORDER BY day;",
     "(select (items (as (call bucket ts (interval 1 d)) day) (call count *)) (from events) "
     "(where (and (>= ts '2024-08-01') (< ts '2024-09-01'))) (group day) (order day))"},
    {"SELECT cell(1 km) AS c, bucket(ts, 1 d) AS day, count(*) AS n FROM events\n"
     " WHERE category = 'c003' AND ts >= '2024-08-01' AND ts < '2024-09-01' GROUP BY c, day;",
     "(select (items (as (call cell (interval 1 km)) c) (as (call bucket ts (interval 1 d)) day) "
     "(as (call count *) n)) (from events) (where (and (and (= category 'c003') "
     "(>= ts '2024-08-01')) (< ts '2024-09-01'))) (group c day))"},
    {"SELECT category, count(*) FROM events\n"
     " WHERE within(region('districts', 'D1')) AND ts >= '2024-08-01' AND ts < '2024-08-08'\n"
     " GROUP BY category;",
     "(select (items category (call count *)) (from events) (where (and (and (call within "
     "(call region 'districts' 'D1')) (>= ts '2024-08-01')) (< ts '2024-08-08'))) "
     "(group category))"},
    {"SELECT region('grids') AS g, count(*) FROM events\n"
     " WHERE ts >= '2024-08-01' AND ts < '2024-08-08' GROUP BY g;",
     "(select (items (as (call region 'grids') g) (call count *)) (from events) (where (and "
     "(>= ts '2024-08-01') (< ts '2024-08-08'))) (group g))"},
    {"SELECT count(*) FROM events WHERE dwithin(point(118.35, 33.95), 500 m)\n"
     "   AND ts >= '2024-08-01' AND ts < '2024-09-01';",
     "(select (items (call count *)) (from events) (where (and (and (call dwithin "
     "(call point 118.35 33.95) (interval 500 m)) (>= ts '2024-08-01')) (< ts '2024-09-01'))))"},
    {"SELECT sensor_id, last(value, ts) AS v, slope(value, ts) AS per_hour,\n"
     "       predict_linear(value, ts, 6 h) AS in_6h\n"
     "  FROM readings WHERE ts > '2024-06-30 00:00' GROUP BY sensor_id;",
     "(select (items sensor_id (as (call last value ts) v) (as (call slope value ts) per_hour) "
     "(as (call predict_linear value ts (interval 6 h)) in_6h)) (from readings) "
     "(where (> ts '2024-06-30 00:00')) (group sensor_id))"},
    {"SELECT g, wk, n FROM (\n"
     "  SELECT region('grids') AS g, bucket(ts, 7 d) AS wk, count(*) AS n,\n"
     "         avg(count(*)) OVER (PARTITION BY g ORDER BY wk ROWS BETWEEN 8 PRECEDING AND 1 "
     "PRECEDING) AS mu,\n"
     "         stddev(count(*)) OVER (PARTITION BY g ORDER BY wk ROWS BETWEEN 8 PRECEDING AND 1 "
     "PRECEDING) AS sd\n"
     "    FROM events WHERE category = 'c000' GROUP BY g, wk)\n"
     " WHERE n > mu + 3 * sd;",
     "(select (items g wk n) (from (select (items (as (call region 'grids') g) (as (call bucket "
     "ts (interval 7 d)) wk) (as (call count *) n) (as (call avg (call count *) (over "
     "(partition g) (order wk) (rows (preceding 8) (preceding 1)))) mu) (as (call stddev (call "
     "count *) (over (partition g) (order wk) (rows (preceding 8) (preceding 1)))) sd)) (from "
     "events) (where (= category 'c000')) (group g wk))) (where (> n (+ mu (* 3 sd)))))"},
    {"FORECAST avg(value) FROM readings WHERE sensor_id = 'wl-0007'\n"
     "  EVERY 1 h HORIZON 24 h USING holt_winters(period 24);",
     "(forecast (call avg value) (from readings) (where (= sensor_id 'wl-0007')) (every "
     "(interval 1 h)) (horizon (interval 24 h)) (using holt_winters (period 24)))"},
    {"CREATE WARNING flood_line EVERY 5 m FOR 15 m AS\n"
     "  SELECT r.sensor_id, s.warn_line, last(r.value, r.ts) AS level\n"
     "    FROM readings r JOIN sensors s ON r.sensor_id = s.sensor_id\n"
     "   WHERE s.metric = 'water_level' AND r.ts > now() - 1 h\n"
     "   GROUP BY r.sensor_id, s.warn_line HAVING level > s.warn_line\n"
     "  LEVELS (yellow WHEN level > s.warn_line, orange WHEN level > 1.1 * s.warn_line,\n"
     "          red WHEN level > 1.2 * s.warn_line);",
     "(create-warning flood_line (every (interval 5 m)) (for (interval 15 m)) (select (items "
     "r.sensor_id s.warn_line (as (call last r.value r.ts) level)) (from (join inner (as "
     "readings r) (as sensors s) (= r.sensor_id s.sensor_id))) (where (and (= s.metric "
     "'water_level') (> r.ts (- (call now) (interval 1 h))))) (group r.sensor_id s.warn_line) "
     "(having (> level s.warn_line))) (levels (yellow (> level s.warn_line)) (orange (> level "
     "(* 1.1 s.warn_line))) (red (> level (* 1.2 s.warn_line)))))"},
};

static void test_design_examples(void **state) {
  (void)state;
  run_dump_cases(design_examples, sizeof design_examples / sizeof design_examples[0], false);
}

/* The whole block as one script: 12 statements, in order. */
static void test_design_script(void **state) {
  (void)state;
  gp_buf sql = {0};
  size_t n = sizeof design_examples / sizeof design_examples[0];
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(gp_buf_put(&sql, design_examples[i].sql, strlen(design_examples[i].sql)),
                     GP_OK);
    assert_int_equal(gp_buf_put(&sql, "\n\n", 2), GP_OK);
  }
  gp_query_arena *a = NULL;
  gp_err err = {0};
  gp_ast *s = NULL;
  assert_int_equal(gp_query_arena_new(&a, &err), GP_OK);
  assert_int_equal(gp_query_parse(a, (const char *)sql.p, sql.len, &s, &err), GP_OK);
  assert_int_equal(s->script.stmts.n, n);
  for (size_t i = 0; i < n; i++)
    assert_string_equal(dump_of(s->script.stmts.v[i]), design_examples[i].want);
  /* The last statement starts on the line after 11 examples and their blank lines. */
  uint32_t line = 1;
  for (size_t i = 0; i + 1 < n; i++)
    for (const char *c = design_examples[i].sql; *c; c++) line += *c == '\n';
  line += 2 * (uint32_t)(n - 1);
  assert_int_equal(s->script.stmts.v[n - 1]->pos.line, line);
  assert_int_equal(s->script.stmts.v[n - 1]->pos.col, 1);
  gp_query_arena_free(a);
  gp_buf_free(&sql);
}

static void test_statement_forms(void **state) {
  (void)state;
  static const dump_case cases[] = {
      /* CREATE TABLE */
      {"create table t (a int, b text)", "(create-table t (columns (a int) (b text)))"},
      {"CREATE TABLE readings (sensor_id SYMBOL, ts TIMESTAMP, value DOUBLE) TIME ts "
       "LOCATION FROM sensors(sensor_id)",
       "(create-table readings (columns (sensor_id symbol) (ts timestamp) (value double)) "
       "(time ts) (location-from sensors sensor_id))"},
      {"CREATE TABLE t (x DOUBLE) LOCATION (lo, la) TIME \"Time\"",
       "(create-table t (columns (x double)) (time \"Time\") (location lo la))"},
      {"CREATE TABLE \"My Table\" (\"key\" BIGINT KEY, time TIMESTAMP, \"select\" VARCHAR)",
       "(create-table \"My Table\" (columns (key bigint key) (time timestamp) (\"select\" "
       "varchar)))"},
      /* set operations: INTERSECT binds tighter, the others group from the left, the tail
       * after the last SELECT is the whole's, a parenthesised operand keeps its own */
      {"SELECT a FROM t UNION SELECT b FROM u EXCEPT ALL SELECT c FROM v ORDER BY 1 LIMIT 2",
       "(except all (union (select (items a) (from t)) (select (items b) (from u))) "
       "(select (items c) (from v)) (order 1) (limit 2))"},
      {"SELECT 1 UNION ALL SELECT 2 INTERSECT DISTINCT SELECT 3",
       "(union all (select (items 1)) (intersect (select (items 2)) (select (items 3))))"},
      {"(SELECT a FROM t ORDER BY a LIMIT 1) UNION SELECT b FROM u",
       "(union (select (items a) (from t) (order a) (limit 1)) (select (items b) (from u)))"},
      {"WITH w AS (SELECT 1) SELECT * FROM w INTERSECT SELECT 1",
       "(intersect (with (cte w (select (items 1)))) (select (items *) (from w)) (select (items 1)))"},
      /* COPY */
      {"COPY t FROM 'x.ndjson'", "(copy t 'x.ndjson')"},
      {"COPY t FROM 'a''b.csv' WITH (header, format csv, on_error 'stop', delimiter ';', "
       "batch 10000)",
       "(copy t 'a''b.csv' (with (header) (format csv) (on_error 'stop') (delimiter ';') "
       "(batch 10000)))"},
      {"COPY t FROM 'x' WITH (format ndjson, header false)",
       "(copy t 'x' (with (format ndjson) (header false)))"},
      /* CREATE REGIONS */
      {"CREATE REGIONS districts FROM 'd.geojson'", "(create-regions districts 'd.geojson')"},
      {"CREATE REGIONS z FROM 'z.csv' WITH (id zone, geometry wkt, srid 4326)",
       "(create-regions z 'z.csv' (with (id zone) (geometry wkt) (srid 4326)))"},
      /* EXPLAIN */
      {"EXPLAIN SELECT 1", "(explain (select (items 1)))"},
      {"explain analyze with w as (select 1) select * from w",
       "(explain analyze (select (with (cte w (select (items 1)))) (items *) (from w)))"},
      /* DROP */
      {"DROP TABLE events", "(drop table events)"},
      {"DROP TABLE IF EXISTS events", "(drop table if-exists events)"},
      {"DROP REGIONS grids", "(drop regions grids)"},
      {"drop warning if exists flood_line", "(drop warning if-exists flood_line)"},
      {"DROP TABLE if", "(drop table if)"},
      {"DROP SINK IF EXISTS sms", "(drop sink if-exists sms)"},
      /* SHOW, DESCRIBE, SET */
      {"SHOW TABLES", "(show tables)"},
      {"SHOW regions", "(show regions)"},
      {"SHOW WARNINGS", "(show warnings)"},
      {"SHOW ALERTS", "(show alerts)"},
      {"SHOW SINKS", "(show sinks)"},
      {"SHOW FUNCTIONS", "(show functions)"},
      {"DESCRIBE events", "(describe events)"},
      {"SET now = '2024-08-01 12:00'", "(set now '2024-08-01 12:00')"},
      {"SET timezone = 'Asia/Shanghai'", "(set timezone 'Asia/Shanghai')"},
      {"SET threads = 4", "(set threads 4)"},
      {"SET gapfill = true", "(set gapfill true)"},
      /* FORECAST */
      {"FORECAST sum(n) FROM counts EVERY 1 d HORIZON 7 d USING linear",
       "(forecast (call sum n) (from counts) (every (interval 1 d)) (horizon (interval 7 d)) "
       "(using linear))"},
      {"FORECAST max(v) FROM r EVERY 15 min HORIZON 2 h USING holt_winters(period 96, alpha 0.5)",
       "(forecast (call max v) (from r) (every (interval 15 min)) (horizon (interval 2 h)) "
       "(using holt_winters (period 96) (alpha 0.5)))"},
      /* CREATE WARNING */
      {"CREATE WARNING w EVERY 1 h AS SELECT g, count(*) AS n FROM e GROUP BY g "
       "LEVELS (yellow WHEN n > 10)",
       "(create-warning w (every (interval 1 h)) (select (items g (as (call count *) n)) "
       "(from e) (group g)) (levels (yellow (> n 10))))"},
      {"CREATE OR REPLACE WARNING w EVERY 5 m OFFSET 1 m DELAY 30 s FOR 15 m KEEP FIRING FOR "
       "10 m BY (g) CATCH UP AS SELECT g, max(v) AS x FROM r WHERE ts > now() - 1 h GROUP BY g "
       "LEVELS (lo WHEN x > 1, hi WHEN x > 2) RESOLVE WHEN x < 0.5 ON NODATA alert "
       "MESSAGE 'g {g} at {x}' NOTIFY ops, sms",
       "(create-or-replace-warning w (every (interval 5 m)) (offset (interval 1 m)) "
       "(delay (interval 30 s)) (for (interval 15 m)) (keep-firing-for (interval 10 m)) (by g) "
       "catch-up (select (items g (as (call max v) x)) (from r) (where (> ts (- (call now) "
       "(interval 1 h)))) (group g)) (levels (lo (> x 1)) (hi (> x 2))) (resolve (< x 0.5)) "
       "(on-nodata alert) (message 'g {g} at {x}') (notify ops sms))"},
      {"CREATE WARNING w EVERY 1 h AS SELECT g FROM e WHERE x > 1",
       "(create-warning w (every (interval 1 h)) (select (items g) (from e) (where (> x 1))))"},
      {"ALTER WARNING w PAUSE", "(alter-warning w pause)"},
      {"alter warning w resume", "(alter-warning w resume)"},
      {"DESCRIBE WARNING w", "(describe-warning w)"},
      {"DESCRIBE warning", "(describe warning)"},
      /* CREATE SINK: values, lists and bare flags */
      {"CREATE SINK console TYPE stdout", "(create-sink console (type stdout))"},
      {"CREATE SINK sms TYPE command (argv ('/bin/sms', '-n'), timeout 5 s, quiet)",
       "(create-sink sms (type command) (options (argv (list '/bin/sms' '-n')) "
       "(timeout (interval 5 s)) (quiet)))"},
      /* SELECT clauses */
      {"SELECT DISTINCT category FROM events", "(select distinct (items category) (from events))"},
      {"SELECT * FROM t", "(select (items *) (from t))"},
      {"SELECT e.*, s.name FROM e JOIN s ON e.k = s.k",
       "(select (items e.* s.name) (from (join inner e s (= e.k s.k))))"},
      {"SELECT a x, b AS \"Y\", c FROM t u",
       "(select (items (as a x) (as b \"Y\") c) (from (as t u)))"},
      {"SELECT a FROM t AS u LEFT JOIN v ON u.a = v.a INNER JOIN w x ON x.a = u.a",
       "(select (items a) (from (join inner (join left (as t u) v (= u.a v.a)) (as w x) "
       "(= x.a u.a))))"},
      {"SELECT a FROM t LEFT OUTER JOIN v ON true",
       "(select (items a) (from (join left t v true)))"},
      {"SELECT n.id FROM nearest(sensors, point(118.3, 33.9), 5) n",
       "(select (items n.id) (from (as (call nearest sensors (call point 118.3 33.9) 5) n)))"},
      {"SELECT * FROM nearest(sensors, point(1, 2), 5)",
       "(select (items *) (from (call nearest sensors (call point 1 2) 5)))"},
      {"SELECT x FROM (SELECT 1 AS x) AS q",
       "(select (items x) (from (as (select (items (as 1 x))) q)))"},
      {"SELECT x FROM (SELECT 1 AS x) q",
       "(select (items x) (from (as (select (items (as 1 x))) q)))"},
      {"SELECT a, count(*) FROM t GROUP BY a HAVING count(*) > 2 ORDER BY 2 DESC, a ASC LIMIT 10 "
       "OFFSET 20",
       "(select (items a (call count *)) (from t) (group a) (having (> (call count *) 2)) "
       "(order (desc 2) a) (limit 10) (offset 20))"},
      {"SELECT a FROM t LIMIT 0", "(select (items a) (from t) (limit 0))"},
      /* NULLS FIRST / LAST: shown only where it differs from the default (first for DESC) */
      {"SELECT a FROM t ORDER BY a NULLS FIRST, b DESC NULLS LAST, c DESC NULLS FIRST, d nulls last",
       "(select (items a) (from t) (order (nulls-first a) (desc (nulls-last b)) (desc c) d))"},
      {"SELECT a FROM t OFFSET 3", "(select (items a) (from t) (offset 3))"},
      {"WITH a AS (SELECT 1 AS x), b AS (SELECT x FROM a) SELECT x FROM b",
       "(select (with (cte a (select (items (as 1 x)))) (cte b (select (items x) (from a)))) "
       "(items x) (from b))"},
      {"SELECT count(DISTINCT source), count(x), now()",
       "(select (items (call count distinct source) (call count x) (call now)))"},
      {"SELECT row_number() OVER (ORDER BY ts DESC), lag(v) OVER (PARTITION BY a, b), "
       "sum(v) OVER (), min(v) OVER (ROWS 3 PRECEDING), "
       "max(v) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), "
       "count(*) OVER (ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING), "
       "avg(v) OVER (ORDER BY ts ROWS BETWEEN 2 FOLLOWING AND 5 FOLLOWING)",
       "(select (items (call row_number (over (order (desc ts)))) (call lag v (over (partition a "
       "b))) (call sum v (over)) (call min v (over (rows (preceding 3) current-row))) (call max v "
       "(over (rows unbounded-preceding current-row))) (call count * (over (rows current-row "
       "unbounded-following))) (call avg v (over (order ts) (rows (following 2) (following "
       "5))))))"},
      {"SELECT CASE WHEN a > 1 THEN 'big' WHEN a > 0 THEN 'small' ELSE 'none' END AS c",
       "(select (items (as (case (when (> a 1) 'big') (when (> a 0) 'small') (else 'none')) c)))"},
      {"SELECT CASE status WHEN 'open' THEN 1 END",
       "(select (items (case status (when 'open' 1))))"},
      {"SELECT CAST(ts AS TIMESTAMP), v::double, TIMESTAMP '2024-08-01', x::int::text",
       "(select (items (cast ts timestamp) (cast v double) (cast '2024-08-01' timestamp) "
       "(cast (cast x int) text)))"},
      {"SELECT INTERVAL '1 hour', INTERVAL ' 90  min ', interval '-2.5 days'",
       "(select (items (interval 1 hour) (interval 90 min) (interval -2.5 days)))"},
      {"SELECT 5m, 1 us, 2 ms, 3 s, 4 sec, 5 MIN, 6 h, 7 d, 8 w, 9 month, 10 months, 11 y, "
       "12 km, 1.5 h, -3 d",
       "(select (items (interval 5 m) (interval 1 us) (interval 2 ms) (interval 3 s) (interval 4 "
       "sec) (interval 5 min) (interval 6 h) (interval 7 d) (interval 8 w) (interval 9 month) "
       "(interval 10 months) (interval 11 y) (interval 12 km) (interval 1.5 h) (interval -3 "
       "d)))"},
      {"SELECT \"Weird \"\"Name\"\"\", \"t\".\"C\", \"count\"(*) FROM \"T\"",
       "(select (items \"Weird \"\"Name\"\"\" t.\"C\" (call count *)) (from \"T\"))"},
      {"SELECT x FROM t WHERE NOT a AND b OR c IS NULL",
       "(select (items x) (from t) (where (or (and (not a) b) (is-null c))))"},
      /* comments anywhere, keywords in any case */
      {"sElEcT /* c1 */ a -- c2\n FrOm t", "(select (items a) (from t))"},
      /* non-reserved keywords work as names */
      {"SELECT time, key, location, rows, current FROM tables",
       "(select (items time key location rows current) (from tables))"},
  };
  run_dump_cases(cases, sizeof cases / sizeof cases[0], false);
}

static void test_script_separators(void **state) {
  (void)state;
  static const struct {
    const char *sql;
    uint32_t n;
  } cases[] = {
      {"", 0},
      {";;", 0},
      {"SHOW TABLES", 1},
      {"SHOW TABLES;", 1},
      {";SHOW TABLES;;DESCRIBE t", 2},
      {"SELECT 1; SELECT 2; SELECT 3;", 3},
      {"-- only a comment", 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    gp_query_arena *a = NULL;
    gp_err err = {0};
    gp_ast *s = NULL;
    assert_int_equal(gp_query_arena_new(&a, &err), GP_OK);
    assert_int_equal(gp_query_parse(a, cases[i].sql, strlen(cases[i].sql), &s, &err), GP_OK);
    assert_int_equal(s->kind, GP_AST_SCRIPT);
    assert_int_equal(s->script.stmts.n, cases[i].n);
    gp_query_arena_free(a);
  }
  assert_string_equal(parse_dump("SELECT 1 ;", false), "(select (items 1))");
}

/* ---- expressions -------------------------------------------------------------------------- */

static void test_precedence(void **state) {
  (void)state;
  static const dump_case cases[] = {
      {"1 + 2 * 3", "(+ 1 (* 2 3))"},
      {"1 * 2 + 3", "(+ (* 1 2) 3)"},
      {"1 - 2 - 3", "(- (- 1 2) 3)"},
      {"8 / 4 / 2 % 3", "(% (/ (/ 8 4) 2) 3)"},
      {"(1 + 2) * 3", "(* (+ 1 2) 3)"},
      {"-a * b", "(* (- a) b)"},
      {"- - a", "(- (- a))"},
      {"+a", "a"},
      {"-5", "-5"},
      {"-2.50", "-2.50"},
      {"-9223372036854775808", "-9223372036854775808"},
      {"9223372036854775807", "9223372036854775807"},
      {"a - -1", "(- a -1)"},
      {"-x::int", "(- (cast x int))"},
      {"a || b || 'c'", "(|| (|| a b) 'c')"},
      {"a || b = c", "(= (|| a b) c)"},
      {"a + 1 > b * 2", "(> (+ a 1) (* b 2))"},
      {"a = 1 AND b = 2 OR c = 3", "(or (and (= a 1) (= b 2)) (= c 3))"},
      {"a = 1 OR b = 2 AND c = 3", "(or (= a 1) (and (= b 2) (= c 3)))"},
      {"NOT a = 1", "(not (= a 1))"},
      {"NOT a AND b", "(and (not a) b)"},
      {"NOT NOT a", "(not (not a))"},
      {"a <> 1 AND b != 2", "(and (<> a 1) (<> b 2))"},
      {"a < 1 OR a <= 2 OR a > 3 OR a >= 4", "(or (or (or (< a 1) (<= a 2)) (> a 3)) (>= a 4))"},
      {"a IS NULL", "(is-null a)"},
      {"a + 1 IS NOT NULL", "(is-not-null (+ a 1))"},
      {"NOT a IS NULL", "(not (is-null a))"},
      {"a IN (1, 2, 3)", "(in a 1 2 3)"},
      {"a NOT IN ('x')", "(not-in a 'x')"},
      {"a IN (SELECT b FROM t)", "(in a (select (items b) (from t)))"},
      {"ts > (SELECT max(ts) FROM r) - 1 h", "(> ts (- (select (items (call max ts)) (from r)) (interval 1 h)))"},
      {"(a) + (SELECT 1)", "(+ a (select (items 1)))"},
      {"a BETWEEN 1 AND 2 AND b", "(and (between a 1 2) b)"},
      {"a NOT BETWEEN b - 1 AND b + 1", "(not-between a (- b 1) (+ b 1))"},
      {"name LIKE 'c0%' OR name NOT LIKE '%x'", "(or (like name 'c0%') (not-like name '%x'))"},
      {"a = b = c", "(= (= a b) c)"},
      {"t.a * 2", "(* t.a 2)"},
      {"f(a, b + 1, g())", "(call f a (+ b 1) (call g))"},
      {"now() - 1 h", "(- (call now) (interval 1 h))"},
      {"ts >= now() - 7 d AND ts < now()",
       "(and (>= ts (- (call now) (interval 7 d))) (< ts (call now)))"},
      {"TRUE AND FALSE OR NULL", "(or (and true false) null)"},
      {"'it''s'", "'it''s'"},
      {"''", "''"},
      {"1.5e3 + .5", "(+ 1.5e3 .5)"},
      {"CASE WHEN a THEN b END + 1", "(+ (case (when a b)) 1)"},
      {"Upper(Name)", "(call upper name)"},
      {"5 day", "(interval 5 day)"},
      {"x = 5 AND d = 1", "(and (= x 5) (= d 1))"},
  };
  run_dump_cases(cases, sizeof cases / sizeof cases[0], true);
}

static void test_units(void **state) {
  (void)state;
  static const struct {
    const char *word;
    gp_ast_unit u;
    const char *name;
  } cases[] = {
      {"us", GP_UNIT_US, "us"},
      {"MS", GP_UNIT_MS, "ms"},
      {"s", GP_UNIT_S, "s"},
      {"sec", GP_UNIT_S, "s"},
      {"secs", GP_UNIT_S, "s"},
      {"second", GP_UNIT_S, "s"},
      {"seconds", GP_UNIT_S, "s"},
      {"m", GP_UNIT_M, "m"},
      {"min", GP_UNIT_MIN, "min"},
      {"mins", GP_UNIT_MIN, "min"},
      {"minute", GP_UNIT_MIN, "min"},
      {"Minutes", GP_UNIT_MIN, "min"},
      {"h", GP_UNIT_H, "h"},
      {"hour", GP_UNIT_H, "h"},
      {"hours", GP_UNIT_H, "h"},
      {"d", GP_UNIT_D, "d"},
      {"day", GP_UNIT_D, "d"},
      {"days", GP_UNIT_D, "d"},
      {"w", GP_UNIT_W, "w"},
      {"week", GP_UNIT_W, "w"},
      {"weeks", GP_UNIT_W, "w"},
      {"month", GP_UNIT_MONTH, "month"},
      {"months", GP_UNIT_MONTH, "month"},
      {"y", GP_UNIT_Y, "y"},
      {"year", GP_UNIT_Y, "y"},
      {"years", GP_UNIT_Y, "y"},
      {"km", GP_UNIT_KM, "km"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char sql[32];
    snprintf(sql, sizeof sql, "3 %s", cases[i].word);
    gp_query_arena *a = NULL;
    gp_err err = {0};
    gp_ast *e = NULL;
    assert_int_equal(gp_query_arena_new(&a, &err), GP_OK);
    assert_int_equal(gp_query_parse_expr(a, sql, strlen(sql), &e, &err), GP_OK);
    assert_int_equal(e->kind, GP_AST_INTERVAL);
    assert_int_equal(e->interval.u, cases[i].u);
    assert_true(e->interval.v == 3);
    assert_string_equal(gp_ast_unit_name(e->interval.u), cases[i].name);
    gp_query_arena_free(a);
  }
  /* words that only look like units stay names: `3 ms2` is 3 with the alias ms2 */
  assert_string_equal(parse_dump("SELECT 3 ms2, 4 mo", false),
                      "(select (items (as 3 ms2) (as 4 mo)))");
}

static void test_literal_values(void **state) {
  (void)state;
  gp_query_arena *a = NULL;
  gp_err err = {0};
  gp_ast *s = NULL;
  const char *sql =
      "SELECT 42, -7, 2.25, 'a''b', TRUE, NULL, 1.5 h, -2 Days, 500 m, \"Mixed\", MiXeD";
  assert_int_equal(gp_query_arena_new(&a, &err), GP_OK);
  assert_int_equal(gp_query_parse(a, sql, strlen(sql), &s, &err), GP_OK);
  gp_ast_list it = s->script.stmts.v[0]->select.items;
  assert_int_equal(it.n, 11);
  gp_ast *e[11];
  for (int i = 0; i < 11; i++) e[i] = it.v[i]->item.expr;
  assert_int_equal(e[0]->kind, GP_AST_INT);
  assert_int_equal(e[0]->i.v, 42);
  assert_int_equal(e[1]->kind, GP_AST_INT);
  assert_int_equal(e[1]->i.v, -7);
  assert_int_equal(e[1]->pos.col, 12); /* the folded minus */
  assert_int_equal(e[2]->kind, GP_AST_FLOAT);
  assert_true(e[2]->f.v == 2.25);
  assert_string_equal(e[2]->f.text, "2.25");
  assert_int_equal(e[3]->kind, GP_AST_STRING);
  assert_string_equal(e[3]->str.s, "a'b");
  assert_int_equal(e[3]->str.len, 3);
  assert_int_equal(e[4]->kind, GP_AST_BOOL);
  assert_true(e[4]->b.v);
  assert_int_equal(e[5]->kind, GP_AST_NULL);
  assert_int_equal(e[6]->kind, GP_AST_INTERVAL);
  assert_true(e[6]->interval.v == 1.5);
  assert_int_equal(e[6]->interval.u, GP_UNIT_H);
  assert_string_equal(e[6]->interval.unit, "h");
  assert_true(e[7]->interval.v == -2);
  assert_int_equal(e[7]->interval.u, GP_UNIT_D);
  assert_string_equal(e[7]->interval.unit, "days");
  assert_string_equal(e[7]->interval.text, "-2");
  assert_int_equal(e[8]->interval.u, GP_UNIT_M);
  assert_true(e[8]->interval.v == 500);
  assert_int_equal(e[9]->kind, GP_AST_COLUMN);
  assert_string_equal(e[9]->column.name.s, "Mixed");
  assert_null(e[9]->column.table.s);
  assert_string_equal(e[10]->column.name.s, "mixed");
  assert_string_equal(gp_ast_unit_name(e[8]->interval.u), "m");
  gp_query_arena_free(a);

  /* type of a column definition and a cast */
  assert_int_equal(gp_query_arena_new(&a, &err), GP_OK);
  sql = "CREATE TABLE t (a INTEGER KEY, b STRING); SELECT CAST(x AS float)";
  assert_int_equal(gp_query_parse(a, sql, strlen(sql), &s, &err), GP_OK);
  gp_ast *ct = s->script.stmts.v[0];
  assert_int_equal(ct->create_table.columns.v[0]->column_def.type, GP_T_INT);
  assert_true(ct->create_table.columns.v[0]->column_def.key);
  assert_int_equal(ct->create_table.columns.v[1]->column_def.type, GP_T_TEXT);
  assert_false(ct->create_table.columns.v[1]->column_def.key);
  gp_ast *cast = s->script.stmts.v[1]->select.items.v[0]->item.expr;
  assert_int_equal(cast->kind, GP_AST_CAST);
  assert_int_equal(cast->cast.type, GP_T_DOUBLE);
  gp_query_arena_free(a);
}

/* Every node carries the position of the token that names it. */
static void test_positions(void **state) {
  (void)state;
  gp_query_arena *a = NULL;
  gp_err err = {0};
  gp_ast *s = NULL;
  const char *sql = "SELECT a,\n  '北京' || b.c AS x\nFROM t WHERE f(y) > 2";
  assert_int_equal(gp_query_arena_new(&a, &err), GP_OK);
  assert_int_equal(gp_query_parse(a, sql, strlen(sql), &s, &err), GP_OK);
  gp_ast *sel = s->script.stmts.v[0];
  assert_int_equal(sel->kind, GP_AST_SELECT);
  assert_int_equal(sel->pos.line, 1);
  assert_int_equal(sel->pos.col, 1);
  gp_ast *cat = sel->select.items.v[1]->item.expr;
  assert_int_equal(cat->kind, GP_AST_BINARY);
  assert_int_equal(cat->binary.op, GP_OP_CONCAT);
  assert_int_equal(cat->pos.line, 2); /* the operator: after '北京' (4 code points) */
  assert_int_equal(cat->pos.col, 8);
  assert_int_equal(cat->binary.l->pos.col, 3);
  assert_int_equal(cat->binary.r->kind, GP_AST_COLUMN);
  assert_int_equal(cat->binary.r->pos.col, 11);
  assert_int_equal(cat->binary.r->column.name.pos.col, 13);
  assert_int_equal(cat->binary.r->pos.off, (uint32_t)(strstr(sql, "b.c") - sql));
  assert_int_equal(sel->select.items.v[1]->item.alias.pos.col, 18);
  gp_ast *from = sel->select.from;
  assert_int_equal(from->kind, GP_AST_TABLE_REF);
  assert_int_equal(from->pos.line, 3);
  assert_int_equal(from->pos.col, 6);
  gp_ast *gt = sel->select.where;
  assert_int_equal(gt->pos.col, 19);
  assert_int_equal(gt->binary.l->kind, GP_AST_CALL);
  assert_int_equal(gt->binary.l->pos.col, 14);
  /* planner-style error at a node's position */
  gp_err e2 = {0};
  assert_int_equal(
      gp_query_err_at(&e2, GP_NOTFOUND, from->pos, "unknown table \"%s\"", from->table.name.s),
      GP_NOTFOUND);
  assert_string_equal(e2.msg, "line 3, column 6: unknown table \"t\"");
  gp_query_arena_free(a);
}

/* ---- errors ------------------------------------------------------------------------------- */

typedef struct err_case {
  const char *sql, *msg;
} err_case;

#define SE(l, c, near, exp) \
  "line " #l ", column " #c ": syntax error near \"" near "\", expected " exp
#define STMT \
  "a statement (SELECT, WITH, CREATE, COPY, EXPLAIN, DROP, SHOW, DESCRIBE, SET, ALTER or FORECAST)"

static const err_case stmt_errors[] = {
    {"FOO", SE(1, 1, "FOO", STMT)},
    {"123", SE(1, 1, "123", STMT)},
    {"SELECT 1 SELECT 2", SE(1, 10, "SELECT", "\";\" or end of input")},
    {"SELECT 1;\n  bogus", SE(2, 3, "bogus", STMT)},
    {"CREATE FOO", SE(1, 8, "FOO", "TABLE, REGIONS, WARNING or SINK")},
    /* CREATE TABLE */
    {"CREATE TABLE select (a INT)", SE(1, 14, "select", "a table name")},
    {"CREATE TABLE t a INT", SE(1, 16, "a", "\"(\"")},
    {"CREATE TABLE t (a FOO)", SE(1, 19, "FOO", "a type (TIMESTAMP, DOUBLE, INT, SYMBOL or TEXT)")},
    {"CREATE TABLE t (a 'INT')",
     SE(1, 19, "'INT'", "a type (TIMESTAMP, DOUBLE, INT, SYMBOL or TEXT)")},
    {"CREATE TABLE t (a INT", SE(1, 22, "end of input", "\")\" or \",\"")},
    {"CREATE TABLE t (a INT,)", SE(1, 23, ")", "a column name")},
    {"CREATE TABLE t (a INT) TIME", SE(1, 28, "end of input", "the time column")},
    {"CREATE TABLE t (a INT) LOCATION lon", SE(1, 33, "lon", "\"(\" or FROM")},
    {"CREATE TABLE t (a INT) LOCATION (lon lat)", SE(1, 38, "lat", "\",\"")},
    {"CREATE TABLE t (a INT) LOCATION (lon, lat", SE(1, 42, "end of input", "\")\"")},
    {"CREATE TABLE t (a INT) LOCATION (1, lat)", SE(1, 34, "1", "the longitude column")},
    {"CREATE TABLE t (a INT) LOCATION (lon, 2)", SE(1, 39, "2", "the latitude column")},
    {"CREATE TABLE t (a INT) LOCATION FROM s k)", SE(1, 40, "k", "\"(\"")},
    {"CREATE TABLE t (a INT) LOCATION FROM s(k", SE(1, 41, "end of input", "\")\"")},
    {"CREATE TABLE t (a INT) LOCATION FROM (k)", SE(1, 38, "(", "a table name")},
    {"CREATE TABLE t (a INT) LOCATION FROM s()", SE(1, 40, ")", "the key column")},
    {"CREATE TABLE t (a INT) TIME a TIME a", SE(1, 31, "TIME", "\";\" or end of input")},
    /* COPY */
    {"COPY 'f'", SE(1, 6, "'f'", "a table name")},
    {"COPY t 'f'", SE(1, 8, "'f'", "FROM")},
    {"COPY t FROM f", SE(1, 13, "f", "a file name in quotes")},
    {"COPY t FROM 'f' WITH header", SE(1, 22, "header", "\"(\"")},
    {"COPY t FROM 'f' WITH (header true", SE(1, 34, "end of input", "\")\" or \",\"")},
    {"COPY t FROM 'f' WITH ()", SE(1, 23, ")", "an option name")},
    {"COPY t FROM 'f' WITH (header +)", SE(1, 31, ")", "an expression")},
    /* CREATE REGIONS */
    {"CREATE REGIONS FROM 'f'", SE(1, 16, "FROM", "a name for the regions")},
    {"CREATE REGIONS g 'f'", SE(1, 18, "'f'", "FROM")},
    {"CREATE REGIONS g FROM x", SE(1, 23, "x", "a file name in quotes")},
    {"CREATE REGIONS g FROM 'f' (id region_id", SE(1, 40, "end of input", "\")\" or \",\"")},
    {"CREATE REGIONS g FROM 'f' WITH id", SE(1, 32, "id", "\"(\"")},
    /* EXPLAIN */
    {"EXPLAIN DROP TABLE t", SE(1, 9, "DROP", "ANALYZE, SELECT or WITH")},
    {"EXPLAIN ANALYZE SHOW TABLES", SE(1, 17, "SHOW", "SELECT or WITH")},
    /* DROP, SHOW, DESCRIBE, SET */
    {"DROP INDEX x", SE(1, 6, "INDEX", "TABLE, REGIONS, WARNING or SINK")},
    {"DROP TABLE", SE(1, 11, "end of input", "a name")},
    {"DROP TABLE IF EXISTS", SE(1, 21, "end of input", "a name")},
    {"SHOW COLUMNS", SE(1, 6, "COLUMNS", "TABLES, REGIONS, WARNINGS, ALERTS, SINKS or FUNCTIONS")},
    {"DESCRIBE 5", SE(1, 10, "5", "a table name")},
    {"SET = 1", SE(1, 5, "=", "a setting name")},
    {"SET now '2024-08-01'", SE(1, 9, "'2024-08-01'", "\"=\"")},
    {"SET now =", SE(1, 10, "end of input", "an expression")},
    /* FORECAST */
    {"FORECAST value FROM r", SE(1, 10, "value", "an aggregate such as avg(value)")},
    {"FORECAST avg(v) r", SE(1, 17, "r", "FROM")},
    {"FORECAST avg(v) FROM", SE(1, 21, "end of input", "a table name")},
    {"FORECAST avg(v) FROM r HORIZON 1 h", SE(1, 24, "HORIZON", "WHERE or EVERY")},
    {"FORECAST avg(v) FROM r WHERE a = 1 HORIZON 1 h", SE(1, 36, "HORIZON", "EVERY")},
    {"FORECAST avg(v) FROM r EVERY 1 h USING x", SE(1, 34, "USING", "HORIZON")},
    {"FORECAST avg(v) FROM r EVERY 1 h HORIZON 1 d", SE(1, 45, "end of input", "USING")},
    {"FORECAST avg(v) FROM r EVERY 1 h HORIZON 1 d USING 5",
     SE(1, 52, "5", "a forecast method such as holt_winters")},
    {"FORECAST avg(v) FROM r EVERY 1 h HORIZON 1 d USING hw(period)x",
     SE(1, 62, "x", "\";\" or end of input")},
    /* CREATE WARNING */
    {"CREATE WARNING EVERY 5 m", SE(1, 16, "EVERY", "a warning name")},
    /* CREATE SINK */
    {"CREATE SINK s TYPE command (argv ())", SE(1, 35, ")", "an expression")},
    {"CREATE SINK s TYPE command (argv ('a' 'b'))", SE(1, 39, "'b'", "\")\" or \",\"")},
    {"CREATE WARNING w 5 m", SE(1, 18, "5", "EVERY")},
    {"CREATE WARNING w EVERY 5 m SELECT 1", SE(1, 28, "SELECT", "FOR or AS")},
    {"CREATE WARNING w EVERY 5 m FOR 1 m SELECT 1", SE(1, 36, "SELECT", "AS")},
    {"CREATE WARNING w EVERY 5 m AS SELECT 1 RESOLVE n", SE(1, 48, "n", "WHEN")},
    {"CREATE WARNING w EVERY 5 m AS SELECT 1 ON NODATA maybe", SE(1, 50, "maybe", "OK, KEEP or ALERT")},
    {"CREATE WARNING w EVERY 5 m KEEP FOR 1 m AS SELECT 1", SE(1, 33, "FOR", "FIRING")},
    {"CREATE WARNING w EVERY 5 m AS SELECT 1 MESSAGE x", SE(1, 48, "x", "a message in quotes")},
    {"CREATE OR WARNING w EVERY 5 m AS SELECT 1", SE(1, 11, "WARNING", "REPLACE")},
    {"ALTER WARNING w STOP", SE(1, 17, "STOP", "PAUSE or RESUME")},
    {"CREATE WARNING w EVERY 5 m AS SELECT 1 LEVELS red", SE(1, 47, "red", "\"(\"")},
    {"CREATE WARNING w EVERY 5 m AS SELECT 1 LEVELS (red n > 1)", SE(1, 52, "n", "WHEN")},
    {"CREATE WARNING w EVERY 5 m AS SELECT 1 LEVELS (WHEN n > 1)",
     SE(1, 48, "WHEN", "a level name")},
    {"CREATE WARNING w EVERY 5 m AS SELECT 1 LEVELS (red WHEN n > 1",
     SE(1, 62, "end of input", "\")\" or \",\"")},
    /* SELECT */
    {"SELECT", SE(1, 7, "end of input", "an expression")},
    {"SELECT 1 FROM", SE(1, 14, "end of input", "a table name or \"(\"")},
    {"SELECT 1 FROM 5", SE(1, 15, "5", "a table name or \"(\"")},
    {"SELECT a FROM t WHERE", SE(1, 22, "end of input", "an expression")},
    {"SELECT a b c", SE(1, 12, "c", "\";\" or end of input")},
    {"SELECT a AS FROM t", SE(1, 13, "FROM", "alias")},
    {"SELECT a FROM t AS", SE(1, 19, "end of input", "alias")},
    {"SELECT a FROM t GROUP a", SE(1, 23, "a", "BY")},
    {"SELECT a FROM t GROUP BY", SE(1, 25, "end of input", "an expression")},
    {"SELECT a FROM t ORDER a", SE(1, 23, "a", "BY")},
    {"SELECT a FROM t HAVING", SE(1, 23, "end of input", "an expression")},
    {"SELECT a FROM t LIMIT x", SE(1, 23, "x", "an integer")},
    {"SELECT a FROM t LIMIT -1", SE(1, 23, "-", "an integer")},
    {"SELECT a FROM t LIMIT 5 m", SE(1, 25, "m", "\";\" or end of input")},
    {"SELECT a FROM t LIMIT 5 OFFSET 'a'", SE(1, 32, "'a'", "an integer")},
    {"SELECT a FROM t JOIN u", SE(1, 23, "end of input", "ON")},
    {"SELECT a FROM t JOIN u ON", SE(1, 26, "end of input", "an expression")},
    {"SELECT a FROM t INNER u", SE(1, 23, "u", "JOIN")},
    {"SELECT a FROM t LEFT OUTER u", SE(1, 28, "u", "JOIN")},
    {"SELECT a FROM t JOIN", SE(1, 21, "end of input", "a table name or \"(\"")},
    {"SELECT a FROM (SELECT 1", SE(1, 24, "end of input", "\")\"")},
    {"SELECT a FROM (DROP TABLE t)", SE(1, 16, "DROP", "SELECT")},
    {"SELECT a FROM f(1", SE(1, 18, "end of input", "\")\" or \",\"")},
    {"WITH AS (SELECT 1) SELECT 2", SE(1, 6, "AS", "a name for the WITH query")},
    {"WITH x (SELECT 1) SELECT 2", SE(1, 8, "(", "AS")},
    {"WITH x AS SELECT 1", SE(1, 11, "SELECT", "\"(\"")},
    {"WITH x AS (SELECT 1 SELECT 2", SE(1, 21, "SELECT", "\")\"")},
    {"WITH x AS (SELECT 1) FROM x", SE(1, 22, "FROM", "SELECT")},
    {"SELECT t. FROM t", SE(1, 11, "FROM", "column name or \"*\"")},
};

static const err_case expr_errors[] = {
    {"1 +", SE(1, 4, "end of input", "an expression")},
    {"1 2", SE(1, 3, "2", "end of input")},
    {"(1", SE(1, 3, "end of input", "\")\"")},
    {"()", SE(1, 2, ")", "an expression")},
    {"f(1", SE(1, 4, "end of input", "\")\" or \",\"")},
    {"f(", SE(1, 3, "end of input", "an expression")},
    {"count(*", SE(1, 8, "end of input", "\")\"")},
    {"count(DISTINCT)", SE(1, 15, ")", "an expression")},
    {"* 2", SE(1, 1, "*", "an expression")},
    {"a = NOT b", SE(1, 5, "NOT", "an expression")},
    {"a NOT 5", SE(1, 3, "NOT", "end of input")},
    {"SELECT", SE(1, 1, "SELECT", "an expression")},
    {"CASE x END", SE(1, 8, "END", "WHEN")},
    {"CASE END", SE(1, 6, "END", "an expression")},
    {"CASE WHEN a 1 END", SE(1, 13, "1", "THEN")},
    {"CASE WHEN a THEN 1", SE(1, 19, "end of input", "END")},
    {"CASE WHEN a THEN 1 ELSE END", SE(1, 25, "END", "an expression")},
    {"CAST x", SE(1, 6, "x", "\"(\"")},
    {"CAST(x int)", SE(1, 8, "int", "AS")},
    {"CAST(x AS foo)", SE(1, 11, "foo", "a type (TIMESTAMP, DOUBLE, INT, SYMBOL or TEXT)")},
    {"CAST(x AS int", SE(1, 14, "end of input", "\")\"")},
    {"x::", SE(1, 4, "end of input", "a type (TIMESTAMP, DOUBLE, INT, SYMBOL or TEXT)")},
    {"x::\"int\"", SE(1, 4, "\"int\"", "a type (TIMESTAMP, DOUBLE, INT, SYMBOL or TEXT)")},
    {"a IS 5", SE(1, 6, "5", "NULL or NOT NULL")},
    {"a IS NOT 5", SE(1, 10, "5", "NULL")},
    {"a IN 1", SE(1, 6, "1", "\"(\"")},
    {"a IN ()", SE(1, 7, ")", "an expression")},
    {"a IN (1", SE(1, 8, "end of input", "\")\" or \",\"")},
    {"a BETWEEN 1 OR 2", SE(1, 13, "OR", "AND")},
    {"a NOT LIKE", SE(1, 11, "end of input", "an expression")},
    {"INTERVAL 5", SE(1, 10, "5", "a string such as '1 hour'")},
    {"INTERVAL 'abc'", SE(1, 10, "'abc'", "an interval such as '1 hour' (a number and a unit)")},
    {"INTERVAL '1 parsec'",
     SE(1, 10, "'1 parsec'", "an interval such as '1 hour' (a number and a unit)")},
    {"INTERVAL '1 h x'",
     SE(1, 10, "'1 h x'", "an interval such as '1 hour' (a number and a unit)")},
    {"INTERVAL '1.2.3 h'",
     SE(1, 10, "'1.2.3 h'", "an interval such as '1 hour' (a number and a unit)")},
    {"INTERVAL 'h'", SE(1, 10, "'h'", "an interval such as '1 hour' (a number and a unit)")},
    {"9223372036854775808", SE(1, 1, "9223372036854775808",
                               "an integer between -9223372036854775808 and 9223372036854775807")},
    {"-9223372036854775809", SE(1, 2, "9223372036854775809",
                                "an integer between -9223372036854775808 and 9223372036854775807")},
    {"12345678901234567890123456789012345678901234567890123456789012345.5",
     SE(1, 1, "12345678901234567890123456789012...", "a number of at most 64 characters")},
    {"f() OVER x", SE(1, 10, "x", "\"(\"")},
    {"f() OVER (PARTITION g)", SE(1, 21, "g", "BY")},
    {"f() OVER (ORDER g)", SE(1, 17, "g", "BY")},
    {"f() OVER (x)", SE(1, 11, "x", "PARTITION BY, ORDER BY, ROWS or \")\"")},
    {"f() OVER (PARTITION BY g x)", SE(1, 26, "x", "\",\", ORDER BY, ROWS or \")\"")},
    {"f() OVER (ORDER BY g x)", SE(1, 22, "x", "ROWS or \")\"")},
    {"f() OVER (ROWS 5)", SE(1, 17, ")", "PRECEDING or FOLLOWING")},
    {"f() OVER (ROWS 5 PRECEDING x)", SE(1, 28, "x", "\")\"")},
    {"f() OVER (ROWS x)",
     SE(1, 16, "x", "UNBOUNDED PRECEDING, CURRENT ROW or <n> PRECEDING|FOLLOWING")},
    {"f() OVER (ROWS BETWEEN 1 PRECEDING 0)", SE(1, 36, "0", "AND")},
    {"f() OVER (ROWS BETWEEN 1 PRECEDING AND x)",
     SE(1, 40, "x", "<n> PRECEDING|FOLLOWING, CURRENT ROW or UNBOUNDED FOLLOWING")},
    {"f() OVER (ROWS BETWEEN UNBOUNDED FOLLOWING AND CURRENT ROW)",
     SE(1, 34, "FOLLOWING", "PRECEDING")},
    {"f() OVER (ROWS BETWEEN CURRENT ROW AND UNBOUNDED PRECEDING)",
     SE(1, 50, "PRECEDING", "FOLLOWING")},
    {"f() OVER (ROWS CURRENT x)", SE(1, 24, "x", "ROW")},
    {"f() OVER (ROWS 9223372036854775808 PRECEDING)",
     SE(1, 16, "9223372036854775808", "a row count below 2^63")},
};

static void run_err_cases(const err_case *cases, size_t n, bool expr) {
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(parse_err(cases[i].sql, strlen(cases[i].sql), expr), GP_PARSE);
    if (strcmp(errmsg, cases[i].msg) != 0)
      fail_msg("case %zu [%s]\n got: %s\nwant: %s", i, cases[i].sql, errmsg, cases[i].msg);
  }
}

static void test_statement_errors(void **state) {
  (void)state;
  run_err_cases(stmt_errors, sizeof stmt_errors / sizeof stmt_errors[0], false);
}

static void test_expression_errors(void **state) {
  (void)state;
  run_err_cases(expr_errors, sizeof expr_errors / sizeof expr_errors[0], true);
}

static void test_too_long_input(void **state) {
  (void)state;
  /* The length is checked before a byte is read, so a short buffer is safe here. */
  assert_int_equal(parse_err("SELECT 1", (size_t)UINT32_MAX + 1, false), GP_INVALID);
  assert_string_equal(errmsg, "query text of 4294967296 bytes is longer than 4 GiB");
}

/* Builds prefix + k copies of `open` + core + k copies of `close`. */
static char *nest(const char *prefix, const char *open, const char *core, const char *close,
                  int k) {
  size_t n = strlen(prefix) + k * (strlen(open) + strlen(close)) + strlen(core) + 1;
  char *s = malloc(n);
  assert_non_null(s);
  char *w = s;
  w = stpcpy(w, prefix);
  for (int i = 0; i < k; i++) w = stpcpy(w, open);
  w = stpcpy(w, core);
  for (int i = 0; i < k; i++) w = stpcpy(w, close);
  return s;
}

static void test_nesting_limit(void **state) {
  (void)state;
  static const struct {
    const char *open, *core, *close;
    bool expr;
    int ok, bad;                         /* deepest accepted and shallowest refused count */
    unsigned bad_col_step, bad_col_base; /* column of the error = base + step * bad */
  } cases[] = {
      /* parse_expr counts the outer expression as level 1, each '(' one more */
      {"(", "x", ")", true, 255, 256, 1, 1},
      {"- ", "x", "", true, 255, 256, 2, 1},
      {"NOT ", "x", "", true, 255, 256, 4, 1},
      {"f(", "x", ")", true, 255, 256, 2, 1},
      /* SELECT in FROM: each subquery is one level, the innermost select list one more */
      {"SELECT * FROM (", "SELECT 1", ")", false, 254, 255, 15, 8},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *ok = nest("", cases[i].open, cases[i].core, cases[i].close, cases[i].ok);
    gp_query_arena *a = NULL;
    gp_err err = {0};
    gp_ast *out = NULL;
    assert_int_equal(gp_query_arena_new(&a, &err), GP_OK);
    gp_rc rc = cases[i].expr ? gp_query_parse_expr(a, ok, strlen(ok), &out, &err)
                             : gp_query_parse(a, ok, strlen(ok), &out, &err);
    if (rc != GP_OK) fail_msg("case %zu depth %d: %s", i, cases[i].ok, err.msg);
    gp_query_arena_free(a);
    free(ok);
    char *bad = nest("", cases[i].open, cases[i].core, cases[i].close, cases[i].bad);
    assert_int_equal(parse_err(bad, strlen(bad), cases[i].expr), GP_PARSE);
    char want[128];
    snprintf(want, sizeof want, "line 1, column %u: nested too deeply (more than 256 levels)",
             cases[i].bad_col_base + cases[i].bad_col_step * (unsigned)cases[i].bad);
    if (strcmp(errmsg, want) != 0) fail_msg("case %zu\n got: %s\nwant: %s", i, errmsg, want);
    free(bad);
  }
  /* 100000 parentheses: an error, not a stack overflow */
  char *deep = nest("", "(", "1", ")", 100000);
  assert_int_equal(parse_err(deep, strlen(deep), true), GP_PARSE);
  assert_string_equal(errmsg, "line 1, column 257: nested too deeply (more than 256 levels)");
  free(deep);
}

/* Left-assoc chains build deep trees too, so their length counts toward the limit, which keeps
 * the dump, the walk and the planner's recursion bounded. */
static void test_chain_limit(void **state) {
  (void)state;
  static const char *const ops[] = {" + x", " AND x", " OR x", " = x",
                                    " * x", " || x",  "::int", " IS NULL"};
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    char *ok = nest("", "", "x", ops[i], 255);
    gp_query_arena *a = NULL;
    gp_err err = {0};
    gp_ast *out = NULL;
    assert_int_equal(gp_query_arena_new(&a, &err), GP_OK);
    if (gp_query_parse_expr(a, ok, strlen(ok), &out, &err) != GP_OK)
      fail_msg("chain %zu: %s", i, err.msg);
    gp_query_arena_free(a);
    free(ok);
    char *bad = nest("", "", "x", ops[i], 256);
    assert_int_equal(parse_err(bad, strlen(bad), true), GP_PARSE);
    assert_non_null(strstr(errmsg, "nested too deeply (more than 256 levels)"));
    free(bad);
  }
  char *joins = nest("SELECT 1 FROM t", " JOIN u ON true", "", "", 300);
  assert_int_equal(parse_err(joins, strlen(joins), false), GP_PARSE);
  assert_non_null(strstr(errmsg, "nested too deeply"));
  free(joins);
}

/* ---- caret and error positions ------------------------------------------------------------ */

static void test_caret(void **state) {
  (void)state;
  static const struct {
    const char *src;
    uint32_t line, col;
    const char *want;
  } cases[] = {
      {"SELECT * FORM events", 1, 10, "SELECT * FORM events\n         ^\n"},
      {"SELECT 1,\n\tx '北京' @", 2, 9, "\tx '北京' @\n\t       ^\n"},
      {"SELECT", 1, 7, "SELECT\n      ^\n"},
      {"a\r\nb c\r\n", 2, 3, "b c\n  ^\n"},
      {"x\n", 2, 1, "\n^\n"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    gp_buf b = {0};
    assert_int_equal(
        gp_query_caret(cases[i].src, strlen(cases[i].src), cases[i].line, cases[i].col, &b), GP_OK);
    assert_int_equal(gp_buf_put_u8(&b, 0), GP_OK);
    if (strcmp((char *)b.p, cases[i].want) != 0)
      fail_msg("case %zu\n got: [%s]\nwant: [%s]", i, (char *)b.p, cases[i].want);
    gp_buf_free(&b);
  }
  gp_buf b = {0};
  assert_int_equal(gp_query_caret("a\nb", 3, 3, 1, &b), GP_INVALID);
  assert_int_equal(gp_query_caret("a\nb", 3, 0, 1, &b), GP_INVALID);
  gp_buf_free(&b);
  /* caret from a real parse error */
  const char *sql = "SELECT a\nFROM t\nWHERE a = = 1";
  assert_int_equal(parse_err(sql, strlen(sql), false), GP_PARSE);
  gp_err err = {0};
  gp_err_set(&err, GP_PARSE, "%s", errmsg);
  uint32_t line = 0, col = 0;
  assert_true(gp_query_err_pos(&err, &line, &col));
  assert_int_equal(line, 3);
  assert_int_equal(col, 11);
  assert_int_equal(gp_query_caret(sql, strlen(sql), line, col, &b), GP_OK);
  assert_int_equal(gp_buf_put_u8(&b, 0), GP_OK);
  assert_string_equal((char *)b.p, "WHERE a = = 1\n          ^\n");
  gp_buf_free(&b);
  gp_err other = {0};
  gp_err_set(&other, GP_IO, "cannot open x");
  assert_false(gp_query_err_pos(&other, &line, &col));
  assert_false(gp_query_err_pos(NULL, &line, &col));
}

static void test_caret_oom(void **state) {
  (void)state;
  long live = gp_alloc_live();
  gp_buf b = {0};
  gp_alloc_fail_after(1);
  assert_int_equal(gp_query_caret("SELECT x", 8, 1, 8, &b), GP_NOMEM);
  gp_alloc_fail_after(0);
  gp_buf_free(&b);
  /* a long line: the caret line needs a second allocation */
  char line[200];
  memset(line, 'x', sizeof line - 1);
  line[sizeof line - 1] = '\0';
  assert_int_equal(gp_query_caret(line, strlen(line), 1, 150, &b), GP_OK);
  size_t want = b.len;
  gp_buf_free(&b);
  assert_int_equal(want, 199 + 1 + 149 + 2);
  gp_alloc_fail_after(2);
  assert_int_equal(gp_query_caret(line, strlen(line), 1, 150, &b), GP_NOMEM);
  gp_alloc_fail_after(0);
  gp_buf_free(&b);
  assert_int_equal(gp_alloc_live(), live);
}

/* ---- walk --------------------------------------------------------------------------------- */

typedef struct walk_ctx {
  char names[512];
  int calls;
  bool skip_subqueries;
  int stop_after;
} walk_ctx;

static int collect_columns(gp_ast *n, void *p) {
  walk_ctx *c = p;
  c->calls++;
  if (c->stop_after && c->calls >= c->stop_after) return GP_AST_WALK_STOP;
  if (c->skip_subqueries && n->kind == GP_AST_SUBQUERY) return GP_AST_WALK_SKIP;
  if (n->kind == GP_AST_COLUMN) {
    strcat(c->names, n->column.name.s);
    strcat(c->names, " ");
  }
  return GP_AST_WALK_CONTINUE;
}

static void test_walk(void **state) {
  (void)state;
  gp_query_arena *a = NULL;
  gp_err err = {0};
  gp_ast *s = NULL;
  const char *sql =
      "WITH w AS (SELECT c1 FROM t) SELECT c2, f(c3) OVER (PARTITION BY c4 ORDER BY c5), "
      "CASE c6 WHEN c7 THEN c8 ELSE c9 END, c10 BETWEEN c11 AND c12, c13 IN (c14), c15 LIKE c16, "
      "c17 IS NULL, -c18, CAST(c19 AS INT) FROM (SELECT c20 FROM u) q JOIN v ON c21 = c22 "
      "WHERE c23 GROUP BY c24 HAVING c25 ORDER BY c26 LIMIT 1 OFFSET 2; "
      "COPY t FROM 'f' WITH (a c27); CREATE REGIONS r FROM 'f' (b c28); SET x = c29; "
      "EXPLAIN SELECT c30; FORECAST avg(c31) FROM t WHERE c32 EVERY c33 HORIZON c34 USING m(o "
      "c35); "
      "CREATE WARNING w EVERY c36 FOR c37 AS SELECT c38 LEVELS (l WHEN c39); "
      "CREATE TABLE t (a INT); SELECT nearest(c40) FROM nearest(c41) n";
  assert_int_equal(gp_query_arena_new(&a, &err), GP_OK);
  assert_int_equal(gp_query_parse(a, sql, strlen(sql), &s, &err), GP_OK);
  walk_ctx c = {0};
  assert_false(gp_ast_walk(s, collect_columns, &c));
  char want[512] = "";
  for (int i = 1; i <= 41; i++) {
    char t[8];
    snprintf(t, sizeof t, "c%d ", i);
    strcat(want, t);
  }
  assert_string_equal(c.names, want);
  /* SKIP keeps the walk out of the subquery's select (c20) only */
  walk_ctx skip = {.skip_subqueries = true};
  assert_false(gp_ast_walk(s, collect_columns, &skip));
  assert_null(strstr(skip.names, "c20 "));
  assert_non_null(strstr(skip.names, "c19 c21 "));
  /* STOP ends at once */
  walk_ctx stop = {.stop_after = 5};
  assert_true(gp_ast_walk(s, collect_columns, &stop));
  assert_int_equal(stop.calls, 5);
  assert_false(gp_ast_walk(NULL, collect_columns, &stop));
  gp_query_arena_free(a);
}

static void test_names(void **state) {
  (void)state;
  assert_string_equal(gp_ast_kind_name(GP_AST_SELECT), "select");
  assert_string_equal(gp_ast_kind_name(GP_AST_CREATE_WARNING), "create-warning");
  assert_string_equal(gp_ast_kind_name((gp_ast_kind)0), "?");
  assert_string_equal(gp_ast_kind_name(GP_AST_KIND_COUNT_), "?");
  for (int k = 1; k < GP_AST_KIND_COUNT_; k++)
    assert_string_not_equal(gp_ast_kind_name((gp_ast_kind)k), "?");
  assert_string_equal(gp_ast_op_name(GP_OP_NE), "<>");
  assert_string_equal(gp_ast_op_name(GP_OP_OR), "or");
  assert_string_equal(gp_ast_op_name((gp_ast_op)0), "?");
  assert_string_equal(gp_ast_unit_name(GP_UNIT_MONTH), "month");
  assert_string_equal(gp_ast_unit_name((gp_ast_unit)0), "?");
  gp_buf b = {0};
  assert_int_equal(gp_ast_dump(NULL, &b), GP_OK);
  assert_string_equal((char *)b.p, "nil");
  gp_buf_free(&b);
}

/* ---- arena -------------------------------------------------------------------------------- */

typedef struct order_log {
  char seq[16];
} order_log;

static order_log the_log;

static void log_a(void *ctx) { strcat(((order_log *)ctx)->seq, "a"); }
static void log_b(void *ctx) { strcat(((order_log *)ctx)->seq, "b"); }

static void test_arena(void **state) {
  (void)state;
  long live = gp_alloc_live();
  gp_query_arena *a = NULL;
  gp_err err = {0};
  assert_int_equal(gp_query_arena_new(&a, &err), GP_OK);
  assert_int_equal(gp_query_arena_used(a), 0);
  char *s = gp_query_arena_strndup(a, "hello world", 5);
  assert_string_equal(s, "hello");
  for (int i = 0; i < 100; i++) {
    size_t n = (size_t)(i * 37 % 500) + 1;
    unsigned char *p = gp_query_arena_alloc(a, n);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
    for (size_t k = 0; k < n; k++) assert_int_equal(p[k], 0);
    memset(p, 0xAB, n);
  }
  /* a request bigger than a block gets its own, and the small ones keep filling the current */
  unsigned char *big = gp_query_arena_alloc(a, 1 << 20);
  assert_non_null(big);
  memset(big, 1, 1 << 20);
  assert_non_null(gp_query_arena_alloc(a, 0));
  assert_string_equal(s, "hello");
  assert_true(gp_query_arena_used(a) >= (1u << 20) + 6);
  memset(&the_log, 0, sizeof the_log);
  assert_int_equal(gp_query_arena_on_free(a, log_a, &the_log, &err), GP_OK);
  assert_int_equal(gp_query_arena_on_free(a, log_b, &the_log, &err), GP_OK);
  gp_query_arena_free(a);
  assert_string_equal(the_log.seq, "ba"); /* reverse order of registration */
  gp_query_arena_free(NULL);
  assert_int_equal(gp_alloc_live(), live);
}

static void test_arena_oom(void **state) {
  (void)state;
  long live = gp_alloc_live();
  gp_query_arena *a = NULL;
  gp_err err = {0};
  gp_alloc_fail_after(1);
  assert_int_equal(gp_query_arena_new(&a, &err), GP_NOMEM);
  assert_null(a);
  assert_int_equal(err.rc, GP_NOMEM);
  gp_err_clear(&err);
  assert_int_equal(gp_query_arena_new(&a, &err), GP_OK);
  /* the first allocation needs a block: when that fails, nothing is handed out */
  gp_alloc_fail_after(1);
  assert_null(gp_query_arena_alloc(a, 10));
  gp_alloc_fail_after(1);
  assert_null(gp_query_arena_strndup(a, "x", 1));
  /* a cleanup that cannot be registered runs at once */
  memset(&the_log, 0, sizeof the_log);
  gp_alloc_fail_after(1);
  assert_int_equal(gp_query_arena_on_free(a, log_a, &the_log, &err), GP_NOMEM);
  assert_int_equal(err.rc, GP_NOMEM);
  assert_string_equal(the_log.seq, "a");
  assert_null(gp_query_arena_alloc(a, SIZE_MAX - 8));
  assert_null(gp_query_arena_strndup(a, "x", SIZE_MAX));
  gp_alloc_fail_after(0);
  gp_query_arena_free(a);
  assert_string_equal(the_log.seq, "a"); /* not run twice */
  assert_int_equal(gp_alloc_live(), live);
}

/* Fails the N-th allocation for every N until parsing needs fewer: each run must end in
 * GP_NOMEM (never a crash or a wrong tree) and leave nothing allocated. */
static void test_allocation_failures(void **state) {
  (void)state;
  gp_buf sql = {0};
  for (size_t i = 0; i < sizeof design_examples / sizeof design_examples[0]; i++) {
    assert_int_equal(gp_buf_put(&sql, design_examples[i].sql, strlen(design_examples[i].sql)),
                     GP_OK);
    assert_int_equal(gp_buf_put(&sql, "\n", 1), GP_OK);
  }
  /* enough nodes that the arena needs several blocks */
  for (int i = 0; i < 20; i++) {
    const char *more = "SELECT a + b * c - d, f(x, y, z) FROM t WHERE a IN (1, 2, 3, 4, 5, 6);\n";
    assert_int_equal(gp_buf_put(&sql, more, strlen(more)), GP_OK);
  }
  long live = gp_alloc_live();
  int failures = 0;
  long n;
  for (n = 1; n < 1000; n++) {
    gp_query_arena *a = NULL;
    gp_err err = {0};
    gp_ast *s = NULL;
    gp_buf out = {0};
    gp_alloc_fail_after(n);
    gp_rc rc = gp_query_arena_new(&a, &err);
    if (rc == GP_OK) rc = gp_query_parse(a, (const char *)sql.p, sql.len, &s, &err);
    if (rc == GP_OK) rc = gp_ast_dump(s, &out);
    gp_alloc_fail_after(0);
    if (rc == GP_OK) {
      assert_non_null(s);
      assert_int_equal(s->script.stmts.n, 32);
      assert_non_null(strstr((char *)out.p, "(create-warning flood_line"));
      gp_buf_free(&out);
      gp_query_arena_free(a);
      assert_int_equal(gp_alloc_live(), live);
      break;
    }
    failures++;
    assert_int_equal(rc, GP_NOMEM);
    if (a && !s) {
      assert_int_equal(err.rc, GP_NOMEM);
      assert_string_equal(err.msg, "out of memory while parsing");
    }
    gp_buf_free(&out);
    gp_query_arena_free(a);
    assert_int_equal(gp_alloc_live(), live);
  }
  assert_true(n < 1000);
  assert_true(failures >= 6); /* arena, several blocks, dump buffer growth */
  gp_buf_free(&sql);
}

/* A parse that fails after a lexer error must not leak nor keep a tree. */
static void test_error_frees(void **state) {
  (void)state;
  long live = gp_alloc_live();
  for (int i = 0; i < 3; i++) {
    const char *bad[] = {"SELECT a, b, c FROM t WHERE x = 'open", "SELECT 1 @", "SELECT ((("};
    assert_int_equal(parse_err(bad[i], strlen(bad[i]), false), GP_PARSE);
  }
  assert_int_equal(gp_alloc_live(), live);
}

/* Not a benchmark, a guard: parsing is linear (column counting stays lazy on long lines). */
static void test_parse_speed(void **state) {
  (void)state;
  gp_buf sql = {0};
  const char *one =
      "SELECT a, sum(b * 2) AS s FROM t WHERE ts >= '2024-08-01' AND c IN (1, 2, 3) "
      "GROUP BY a ORDER BY s DESC LIMIT 10; ";
  int reps = 20000; /* ~2.4 MB on ONE line */
  for (int i = 0; i < reps; i++) assert_int_equal(gp_buf_put(&sql, one, strlen(one)), GP_OK);
  gp_query_arena *a = NULL;
  gp_err err = {0};
  gp_ast *s = NULL;
  assert_int_equal(gp_query_arena_new(&a, &err), GP_OK);
  assert_int_equal(gp_query_parse(a, (const char *)sql.p, sql.len, &s, &err), GP_OK);
  assert_int_equal(s->script.stmts.n, (uint32_t)reps);
  gp_ast *last = s->script.stmts.v[reps - 1];
  assert_int_equal(last->pos.line, 1);
  assert_int_equal(last->pos.col, (uint32_t)(strlen(one) * (size_t)(reps - 1) + 1));
  gp_query_arena_free(a);
  gp_buf_free(&sql);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_keywords_sorted_and_named),
      cmocka_unit_test(test_lexer_tokens),
      cmocka_unit_test(test_lexer_eof_repeats),
      cmocka_unit_test(test_lexer_errors),
      cmocka_unit_test(test_is_complete),
      cmocka_unit_test(test_design_examples),
      cmocka_unit_test(test_design_script),
      cmocka_unit_test(test_statement_forms),
      cmocka_unit_test(test_script_separators),
      cmocka_unit_test(test_precedence),
      cmocka_unit_test(test_units),
      cmocka_unit_test(test_literal_values),
      cmocka_unit_test(test_positions),
      cmocka_unit_test(test_statement_errors),
      cmocka_unit_test(test_expression_errors),
      cmocka_unit_test(test_too_long_input),
      cmocka_unit_test(test_nesting_limit),
      cmocka_unit_test(test_chain_limit),
      cmocka_unit_test(test_caret),
      cmocka_unit_test(test_caret_oom),
      cmocka_unit_test(test_walk),
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_arena),
      cmocka_unit_test(test_arena_oom),
      cmocka_unit_test(test_allocation_failures),
      cmocka_unit_test(test_error_frees),
      cmocka_unit_test(test_parse_speed),
  };
  return cmocka_run_group_tests_name("parser", tests, NULL, NULL);
}
