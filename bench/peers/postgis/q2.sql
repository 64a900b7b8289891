-- CityBench Q2 (cx, cy, day, n): category c003 in 2024-08 per 1 km cell x day; the cell is
-- (floor(x / 1000), floor(y / 1000)) of the point in EPSG:32650 (PROJ, through ST_Transform).
SELECT floor(ST_X(p) / 1000)::int AS cx, floor(ST_Y(p) / 1000)::int AS cy, day, count(*) AS n
  FROM (SELECT ST_Transform(geom, 32650) AS p, to_char(ts, 'YYYY-MM-DD') AS day
          FROM events
         WHERE category = 'c003' AND ts >= '2024-08-01' AND ts < '2024-09-01') e
 GROUP BY 1, 2, 3;
