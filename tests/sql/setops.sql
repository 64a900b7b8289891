-- UNION, INTERSECT and EXCEPT [ALL] as PostgreSQL has them. data/events.csv, 7 rows loaded (id 7
-- has no time): category c001: ids 1 3 5 8; c002: 2 6; c003: 4. source app: 1 2 5 6 8; 110: 3;
-- camera: 4. Every answer below is SQLite 3.40's on the same rows (UNION/INTERSECT/EXCEPT; the
-- ALL forms SQLite lacks are counted by hand: INTERSECT ALL keeps min(l, r) copies, EXCEPT ALL
-- l - r): the first query gives c001 c002 c003 110 app camera; the INTERSECT of categories of
-- app rows and of closed rows is c001 c002; EXCEPT ALL of {c001 x4, c002 x2, c003} minus the
-- closed rows' {c001 x2, c002 x2, c003} leaves c001 x2; UNION ALL of an INT and a DOUBLE
-- column is DOUBLE; precedence: INTERSECT first, so 1 UNION (2 INTERSECT 3) is 1 (PostgreSQL;
-- SQLite groups from the left and gives no row); the tail
-- after the last query orders and cuts the whole; errors at their positions.
CREATE TABLE events (id INT KEY, ts TIMESTAMP, lon DOUBLE, lat DOUBLE, category SYMBOL,
                     source SYMBOL, status SYMBOL, handle_hours DOUBLE)
  TIME ts LOCATION (lon, lat);
COPY events FROM '@DATA@/events.csv' WITH (header true, on_error 'skip');
SELECT category AS v FROM events UNION SELECT source FROM events ORDER BY v;
SELECT category FROM events WHERE source = 'app' INTERSECT SELECT category FROM events WHERE status = 'closed' ORDER BY 1;
SELECT category FROM events EXCEPT ALL SELECT category FROM events WHERE status = 'closed';
SELECT category, count(*) AS n FROM events GROUP BY category UNION ALL SELECT 'all', count(*) FROM events ORDER BY n DESC, category;
SELECT id FROM events WHERE id < 3 UNION ALL SELECT handle_hours FROM events WHERE id = 4 ORDER BY 1;
SELECT 1 AS x UNION SELECT 2 INTERSECT SELECT 3;
(SELECT id FROM events ORDER BY id DESC LIMIT 2) UNION ALL (SELECT id FROM events ORDER BY id LIMIT 1) ORDER BY id LIMIT 2 OFFSET 1;
WITH c AS (SELECT category FROM events) SELECT count(*) AS n FROM (SELECT category FROM c INTERSECT ALL SELECT category FROM c WHERE category <> 'c003');
SELECT id FROM events LIMIT 1 UNION SELECT 2;
