-- CityBench Q2 (cx, cy, day, n): category c003 in 2024-08 per 1 km cell x day; the cell is
-- (floor(x / 1000), floor(y / 1000)) of the point in EPSG:32650 (PROJ, through ST_Transform).
-- Grouped on ts::date and formatted per group, not per row (see q1.sql).
SELECT cx, cy, to_char(d, 'YYYY-MM-DD') AS day, n
  FROM (SELECT floor(ST_X(p) / 1000)::int AS cx, floor(ST_Y(p) / 1000)::int AS cy, d,
               count(*) AS n
          FROM (SELECT ST_Transform(geom, 32650) AS p, ts::date AS d
                  FROM events
                 WHERE category = 'c003' AND ts >= '2024-08-01' AND ts < '2024-09-01') e
         GROUP BY 1, 2, 3) g;
