-- One table, 7 rows (see data/events.csv). Hand-computed answers:
-- per UTC day in August: 08-01 ids 1,2,3; 08-02 id 4; 08-03 id 5.
CREATE TABLE events (id INT KEY, ts TIMESTAMP, lon DOUBLE, lat DOUBLE, category SYMBOL,
                     source SYMBOL, status SYMBOL, handle_hours DOUBLE)
  TIME ts LOCATION (lon, lat);
COPY events FROM '@DATA@/events.csv' WITH (header true, on_error 'skip');
SELECT bucket(ts, 1 d) AS day, count(*) FROM events
 WHERE ts >= '2024-08-01' AND ts < '2024-09-01' GROUP BY day ORDER BY day;
-- c001: ids 1,3,5,8 (h 1.25, NULL, 0.20, 0.01): sum 1.46, avg 0.486666..; c002: 2,6 (2.50, 3.33)
SELECT category, count(*) AS n, count(handle_hours) AS nh, sum(handle_hours) AS s,
       min(handle_hours) AS lo, max(ts) AS latest
  FROM events GROUP BY category ORDER BY n DESC, category;
-- Shanghai days (UTC+8): 07-31 16:00Z..: ids 6,1,2; 08-01 16:00Z..: ids 3,4; then 5; then 8
SELECT bucket(ts, 1 d, 'Asia/Shanghai') AS d, count(*) AS n FROM events GROUP BY d ORDER BY d;
SELECT strftime(ts, '%Y-%m') AS month, count(*) AS n, count(DISTINCT category) AS cats,
       sum(CASE WHEN status = 'closed' THEN 1 ELSE 0 END) AS closed
  FROM events GROUP BY month ORDER BY month;
SELECT id, status FROM events WHERE status <> 'closed' OR handle_hours BETWEEN 0.1 AND 0.2
 ORDER BY id;
SELECT id FROM events WHERE source LIKE 'c%' OR category IN ('c003', 'c002') ORDER BY id DESC
 LIMIT 2 OFFSET 1;
SET now = '2024-08-02 00:00';
SELECT count(*) AS last_day FROM events WHERE ts > now() - 1 d AND ts <= now();
-- windows over a subquery: counts per day, previous day, 2-day moving sum
SELECT day, n, lag(n, 1, 0) OVER (ORDER BY day) AS prev,
       sum(n) OVER (ORDER BY day ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s2
  FROM (SELECT bucket(ts, 1 d) AS day, count(*) AS n FROM events GROUP BY day) ORDER BY day;
WITH m AS (SELECT category AS c, count(*) AS n FROM events GROUP BY c)
SELECT c, n, row_number() OVER (ORDER BY n DESC, c) AS rank FROM m WHERE n >= 1 ORDER BY rank;
-- 1 km cells: ids 1 and 5 share a point, so their cell
SELECT cell_x(1 km) AS cx, cell_y(1 km) AS cy, count(*) AS n FROM events
 GROUP BY cx, cy HAVING count(*) > 1;
-- x() is the projected easting: its km agrees with the cell's column
SELECT count(*) AS agree FROM events WHERE floor(x() / 1000) = cell_x(1 km) AND floor(y() / 1000) = cell_y(1 km);
SELECT id FROM events WHERE bogus(id) > 1;
