-- CityBench Q5 per 1 km cell (cx, cy, cur, mean8, sd8), the variant bench/citybench/q5.sql runs
-- on gridpulse until regions land: q5.sql with the region replaced by Q2's EPSG:32650 cell.
WITH w AS (
  SELECT floor(x / 1000)::BIGINT AS cx, floor(y / 1000)::BIGINT AS cy,
         floor(date_diff('day', DATE '2024-08-01', ts::DATE) / 7)::BIGINT AS wk, count(*) AS n
    FROM events
   WHERE category = 'c000' AND ts >= TIMESTAMP '2024-06-06' AND ts < TIMESTAMP '2024-08-08'
   GROUP BY 1, 2, 3
), s AS (
  SELECT cx, cy,
         coalesce(sum(n) FILTER (WHERE wk = 0), 0) AS cur,
         coalesce(sum(n) FILTER (WHERE wk < 0), 0)::DOUBLE AS s1,
         coalesce(sum(n * n) FILTER (WHERE wk < 0), 0)::DOUBLE AS s2
    FROM w GROUP BY cx, cy
)
SELECT cx, cy, cur, s1 / 8 AS mean8, sqrt(greatest(s2 - s1 * s1 / 8, 0) / 7) AS sd8
  FROM s
 WHERE cur > s1 / 8 + 3 * sqrt(greatest(s2 - s1 * s1 / 8, 0) / 7);
