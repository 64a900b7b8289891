-- Output modes on the same rows (query/output.c; gp_query.h, "output"). events.csv as in
-- select.sql: 7 rows load (id 7's time is bad). Hand-computed: c001 is ids 1, 3, 5, 8 (hours
-- 1.25, NULL, 0.20, 0.01: sum 1.46, max 1.25), c002 ids 2, 6 (2.50, 3.33: sum 5.83), c003 id
-- 4 (0.10). A DOUBLE keeps a '.' or an exponent when its value is whole, as DuckDB writes it,
-- so that a reader typing columns from the text (GDAL, QGIS, a CSV sniffer) sees a double:
-- count(*) * 1.0 is 4.0, max * 100 is 125.0 (1.25 * 100 is exact), 333.0 and 10.0 (the
-- doubles nearest 3.33 * 100 and 0.1 * 100 are whole), power(10, 20) 1e+20, power(2, 53)
-- 9007199254740992.0. NULL and '' stay apart: NULL in the table, an empty CSV field against
-- "", JSON null against "".
CREATE TABLE events (id INT KEY, ts TIMESTAMP, lon DOUBLE, lat DOUBLE, category SYMBOL,
                     source SYMBOL, status SYMBOL, handle_hours DOUBLE)
  TIME ts LOCATION (lon, lat);
COPY events FROM '@DATA@/events.csv' WITH (header true, on_error 'skip');
SELECT category, count(*) AS n, count(*) * 1.0 AS nf, sum(handle_hours) AS h,
       max(handle_hours) * 100 AS top, NULL AS z, '' AS e
  FROM events GROUP BY category ORDER BY category;
SELECT power(10, 20) AS big, power(2, 53) AS p53, -2 * 1.5 AS neg, 0 * 1.5 AS zero;
.mode table
SELECT category, count(*) AS n, count(*) * 1.0 AS nf, sum(handle_hours) AS h,
       max(handle_hours) * 100 AS top, NULL AS z, '' AS e
  FROM events GROUP BY category ORDER BY category;
SELECT power(10, 20) AS big, power(2, 53) AS p53, -2 * 1.5 AS neg, 0 * 1.5 AS zero;
-- the empty string last: nothing after the bar
SELECT 'x' AS a, NULL AS b, '' AS c;
.mode json
SELECT category, count(*) AS n, count(*) * 1.0 AS nf, max(handle_hours) * 100 AS top,
       NULL AS z, '' AS e
  FROM events GROUP BY category ORDER BY category;
.mode ndjson
SELECT power(10, 20) AS big, power(2, 53) AS p53, -2 * 1.5 AS neg, 0 * 1.5 AS zero;
.mode geojson
-- points (lon, lat) with whole doubles among the properties: 1.25 * 4 = 5.0, 2.50 * 4 = 10.0
SELECT id, lon, lat, handle_hours * 4 AS q, count(*) OVER () * 1.0 AS rows FROM events
 WHERE id <= 2 ORDER BY id;
.mode csv
-- strftime writes the whole text whatever the format's length: 15 times 18 bytes of format
-- and a '|' give 15 times 20 bytes of text and the '|' (301 bytes; it used to stop at 224)
SELECT length(s) AS len, s LIKE '2024-08-01 00:10:00 %2024-08-01 00:10:00 |' AS whole
  FROM (SELECT strftime(ts, '%Y-%m-%d %H:%M:%S %Y-%m-%d %H:%M:%S %Y-%m-%d %H:%M:%S '
                         || '%Y-%m-%d %H:%M:%S %Y-%m-%d %H:%M:%S %Y-%m-%d %H:%M:%S '
                         || '%Y-%m-%d %H:%M:%S %Y-%m-%d %H:%M:%S %Y-%m-%d %H:%M:%S '
                         || '%Y-%m-%d %H:%M:%S %Y-%m-%d %H:%M:%S %Y-%m-%d %H:%M:%S '
                         || '%Y-%m-%d %H:%M:%S %Y-%m-%d %H:%M:%S %Y-%m-%d %H:%M:%S |') AS s
          FROM events WHERE id = 1);
