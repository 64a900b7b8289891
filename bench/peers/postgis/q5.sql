-- CityBench Q5 (region_id, cur, mean8, sd8): c000 events; week w = floor((date(ts) -
-- 2024-08-01) / 7); per region cur = the count in week 0, mean8 and the sample sd of weeks
-- -8..-1 (empty weeks count 0); rows where cur > mean8 + 3 sd8. Weeks -8..0 are the dates
-- 2024-06-06 .. 2024-08-07. The 8 weekly counts enter through exact integer sums S1, S2:
-- mean8 = S1 / 8, sd8 = sqrt((S2 - S1^2 / 8) / 7), in numeric, then float8.
WITH w AS (
  SELECT r.region_id, floor((e.ts::date - date '2024-08-01') / 7.0)::int AS wk, count(*) AS n
    FROM events e JOIN regions r ON ST_Covers(r.geom, e.geom)
   WHERE e.category = 'c000' AND e.ts >= '2024-06-06' AND e.ts < '2024-08-08'
   GROUP BY 1, 2
), s AS (
  SELECT region_id,
         sum(n) FILTER (WHERE wk = 0) AS cur,
         coalesce(sum(n) FILTER (WHERE wk < 0), 0)::numeric AS s1,
         coalesce(sum(n * n) FILTER (WHERE wk < 0), 0)::numeric AS s2
    FROM w GROUP BY region_id
)
SELECT region_id, cur, (s1 / 8)::float8 AS mean8,
       sqrt(greatest(s2 - s1 * s1 / 8, 0) / 7)::float8 AS sd8
  FROM s
 WHERE cur > s1 / 8 + 3 * sqrt(greatest(s2 - s1 * s1 / 8, 0) / 7);
