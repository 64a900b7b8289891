-- String and number functions of the registry (query/func_text.c, func_num.c, func_time.c)
-- with PostgreSQL's semantics (DuckDB's regexp_matches). The answers were computed apart
-- from gridpulse: with Python 3 (str slicing on code points for substr/strpos/lpad/rpad,
-- str.strip/lstrip/rstrip with a character set, str.replace, str.split for split_part, re.sub
-- and re.search for the regular expressions, math.* for the numbers, datetime for the
-- timestamps) and cross-checked with sqlite3 where it has the function (substr with start >= 1,
-- trim/ltrim/rtrim, replace, instr = strpos, sign, log10, sin, atan2, degrees). PostgreSQL's
-- substr with a start below 1 counts the missing characters (substr('hello', -1, 3) is 'h',
-- where SQLite's counts from the end).
CREATE TABLE words (id INT KEY, w TEXT, n INT);
COPY words FROM '@DATA@/words.csv' WITH (header true);
-- over rows (evaluated per row, not folded as the constant calls below are)
SELECT id, substr(w, n, 3) AS s, split_part(w, '-', n) AS p, trim(w) AS t, length(lpad(w, 12, '*')) AS l,
       regexp_replace(w, '[0-9]', '9', 'g') AS r, starts_with(w, 'wl') AS sw, strpos(w, '-') AS pos
  FROM words ORDER BY id;
SELECT substr('漏水报修', 2, 2) AS a, substr('hello', 0, 3) AS b, substr('hello', -1, 3) AS c,
       substr('hello', 3) AS d, substr('hello', 6) AS e, substring('hello', 2, 0) AS f,
       strpos('漏水报修', '报') AS g, strpos('abc', 'x') AS h, strpos('abc', '') AS i;
SELECT '[' || trim('  x y  ') || ']' AS a, ltrim('xxaxx', 'x') AS b, rtrim('xxaxx', 'x') AS c,
       btrim('—a—', '—') AS d, rtrim('漏水xx', 'x') AS e, trim('abc', '') AS f;
SELECT replace('a-b-c', '-', '+') AS a, replace('aaa', 'aa', 'b') AS b, replace('水水', '水', '') AS c,
       replace('abc', '', 'x') AS d;
SELECT split_part('a,b,,c', ',', 3) AS a, split_part('a,b,,c', ',', 4) AS b,
       split_part('a,b,c', ',', -1) AS c, split_part('a,b,c', ',', 5) AS d,
       split_part('wl-0007', '-', 2) AS e, split_part('abc', '', 1) AS f;
SELECT concat('a', NULL, 2, 1.5, TRUE) AS a, concat(NULL) AS b, lpad('7', 3, '0') AS c,
       rpad('ab', 5, 'xy') AS d, lpad('hello', 2) AS e, '[' || rpad('水', 3) || ']' AS f,
       lpad('x', 0) AS g, lpad('ab', 4, '') AS h;
SELECT starts_with('wl-0007', 'wl-') AS a, starts_with('wl', 'wl-') AS b,
       regexp_matches('wl-0007', '^wl-[0-9]+$') AS c, regexp_matches('ABC', 'b') AS d,
       regexp_matches('ABC', 'b', 'i') AS e, regexp_matches(NULL, 'b') AS f;
SELECT regexp_replace('a1b22c333', '[0-9]+', '#') AS a, regexp_replace('a1b22c333', '[0-9]+', '<\&>', 'g') AS b,
       regexp_replace('John Smith', '([a-z]+) ([a-z]+)', '\2, \1', 'i') AS c,
       regexp_replace('漏水漏', '漏', 'X', 'g') AS d, regexp_replace('abc', 'x*', '-', 'g') AS e;
-- numbers
SELECT sign(-3) AS a, sign(2.5) AS b, sign(0) AS c, trunc(-2.7) AS d, trunc(2.789, 2) AS e,
       trunc(-2.789, 1) AS f, trunc(17) AS g, mod(7, -3) AS h, mod(-7, 3) AS i, mod(7.5, 2) AS j;
SELECT log(100) AS a, log(2, 8) AS b, log10(0.001) AS c, log10(0) AS d, round(degrees(pi()), 6) AS e,
       round(sin(radians(30)), 12) AS f, atan2(1, 1) AS g, acos(2) AS h, round(cos(0), 3) AS i,
       round(tan(atan(0.5)), 12) AS j, asin(1) AS k;
-- times from numbers
SELECT to_timestamp(1722470400) AS a, to_timestamp(1722470400.5) AS b, to_timestamp(0) AS c,
       make_timestamp(2024, 2, 29, 23, 59, 59.25) AS d, make_timestamp(2024, 8, 1, 8, 0, 0) AS e;
-- (the errors of these functions, at their positions: tests/test_func.c, test_value_errors)
