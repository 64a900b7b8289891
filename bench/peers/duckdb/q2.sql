-- CityBench Q2 (cx, cy, day, n): category c003 in 2024-08 per 1 km cell x day; x, y are the
-- EPSG:32650 coordinates PROJ computed at load (load.sql). Grouped on CAST(ts AS DATE) and
-- formatted per group, not per row (see q1.sql).
SELECT cx, cy, strftime(d, '%Y-%m-%d') AS day, n
  FROM (SELECT floor(x / 1000)::BIGINT AS cx, floor(y / 1000)::BIGINT AS cy,
               CAST(ts AS DATE) AS d, count(*) AS n
          FROM events
         WHERE category = 'c003' AND ts >= TIMESTAMP '2024-08-01' AND ts < TIMESTAMP '2024-09-01'
         GROUP BY 1, 2, 3);
