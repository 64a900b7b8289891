-- Values that must not change in silence (query/doc/language.md, Values). tickets: id 1 is due at
-- 2024-08-01 02:00 (2 h after it opened), so it alone is late at now = 2024-08-02 00:00;
-- id 2 is due 08-02 06:00, id 3 at 08-02 00:59:59, id 6 at 08-04 12:00. Rows 4 (a leap
-- second, 23:59:60) and 5 (February 30) are refused by the loader, not moved to another day.
CREATE TABLE tickets (id INT KEY, ts TIMESTAMP, sla_hours INT, v DOUBLE) TIME ts;
COPY tickets FROM '@DATA@/values.csv' WITH (header true);
SET now = '2024-08-02 00:00';
-- constants: number * interval either way round, fractions of a microsecond rounded;
-- a month * 1.5 is a month and 15 days; epoch of an interval in seconds
SELECT 2 * 1 h AS a, 1.5 * 1 h AS b, 1 h / 4 AS c, 1 s / 3 AS d, -(1 h) + 30 min AS e,
       1 month * 1.5 AS f, epoch(1 h) AS g, epoch(1 d - 1 s) AS h;
SELECT -9223372036854775807 - 1 AS smallest, 7 / -2 AS q, -7 % 3 AS r;
SELECT round(123.456, -400) AS a, round(123.456, 400) AS b, round(123.456, -1) AS c,
       round(2.675, 2) AS d, round(-0.5) AS e;
-- the table, row path then vectorised: the same answers (the errors of both paths are in
-- test_exec's test_values: a script stops at its first error)
SET vectorize = false;
SELECT id FROM tickets WHERE ts + sla_hours * 1 h < now() ORDER BY id;
SELECT id, ts + 1.5 * sla_hours * 1 h AS due, epoch(ts - '2024-08-01') AS s,
       ts - '2024-08-01' AS since, ts + '1 hour' AS later FROM tickets ORDER BY id;
SELECT bucket(ts, 1 d) AS d, count(*) AS n, count(CASE WHEN ts + sla_hours * 1 h < now() THEN 1 END)
       AS late, max(ts - '2024-08-01') AS since FROM tickets GROUP BY d ORDER BY d;
SELECT count(*) FROM tickets WHERE ts BETWEEN '2024-08-01 06:00' AND '2024-08-02';
SET vectorize = true;
SELECT id FROM tickets WHERE ts + sla_hours * 1 h < now() ORDER BY id;
SELECT id, ts + 1.5 * sla_hours * 1 h AS due, epoch(ts - '2024-08-01') AS s,
       ts - '2024-08-01' AS since, ts + '1 hour' AS later FROM tickets ORDER BY id;
SELECT bucket(ts, 1 d) AS d, count(*) AS n, count(CASE WHEN ts + sla_hours * 1 h < now() THEN 1 END)
       AS late, max(ts - '2024-08-01') AS since FROM tickets GROUP BY d ORDER BY d;
SELECT count(*) FROM tickets WHERE ts BETWEEN '2024-08-01 06:00' AND '2024-08-02';
-- a script stops at the first error: division by zero in row 1, at the operator
SELECT bucket(ts, 1 d) AS d, sum(v / (id - 1)) FROM tickets GROUP BY d;
