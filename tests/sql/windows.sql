-- Window frames of PostgreSQL (and SQLite): with ORDER BY and no frame clause the frame is
-- RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW, so rows with equal ORDER BY keys (peers)
-- share one frame and one answer. data/events.csv, 7 rows loaded (id 7 has no time):
-- status closed: ids 1 2 4 5 6; open: 3; overdue: 8. Answers (SQLite 3.40 on the same rows):
-- count(*) OVER (ORDER BY status): closed 5, open 6, overdue 7;
-- sum(id) OVER (PARTITION BY status ORDER BY category): closed c001 (1, 5) 6, c002 (2, 6) 14,
--   c003 (4) 18; open 3; overdue 8;
-- max(category) OVER (ORDER BY status DESC): overdue c001, open c001, closed c003;
-- an explicit ROWS frame and a total order are unchanged (1..7 in (status, id) order).
CREATE TABLE events (id INT KEY, ts TIMESTAMP, lon DOUBLE, lat DOUBLE, category SYMBOL,
                     source SYMBOL, status SYMBOL, handle_hours DOUBLE)
  TIME ts LOCATION (lon, lat);
COPY events FROM '@DATA@/events.csv' WITH (header true, on_error 'skip');
SELECT id, status, count(*) OVER (ORDER BY status) AS n,
       sum(id) OVER (PARTITION BY status ORDER BY category) AS s,
       max(category) OVER (ORDER BY status DESC) AS m
  FROM events ORDER BY id;
SELECT id, row_number() OVER (ORDER BY status, id) AS r,
       count(*) OVER (ORDER BY status, id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS rs,
       count(*) OVER (ORDER BY status, id) AS u
  FROM events ORDER BY id;
