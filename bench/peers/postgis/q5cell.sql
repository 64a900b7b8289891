-- CityBench Q5 per 1 km cell (cx, cy, cur, mean8, sd8), the variant bench/citybench/q5.sql runs
-- on gridpulse until regions land: as q5.sql with the region replaced by Q2's EPSG:32650 cell.
WITH w AS (
  SELECT floor(ST_X(p) / 1000)::int AS cx, floor(ST_Y(p) / 1000)::int AS cy, wk, count(*) AS n
    FROM (SELECT ST_Transform(geom, 32650) AS p,
                 floor((ts::date - date '2024-08-01') / 7.0)::int AS wk
            FROM events
           WHERE category = 'c000' AND ts >= '2024-06-06' AND ts < '2024-08-08') e
   GROUP BY 1, 2, 3
), s AS (
  SELECT cx, cy,
         coalesce(sum(n) FILTER (WHERE wk = 0), 0) AS cur,
         coalesce(sum(n) FILTER (WHERE wk < 0), 0)::numeric AS s1,
         coalesce(sum(n * n) FILTER (WHERE wk < 0), 0)::numeric AS s2
    FROM w GROUP BY cx, cy
)
SELECT cx, cy, cur, (s1 / 8)::float8 AS mean8,
       sqrt(greatest(s2 - s1 * s1 / 8, 0) / 7)::float8 AS sd8
  FROM s
 WHERE cur > s1 / 8 + 3 * sqrt(greatest(s2 - s1 * s1 / 8, 0) / 7);
