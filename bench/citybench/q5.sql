-- CityBench Q5 (region_id, cur, mean8, sd8): c000 events; week w = floor((date(ts) -
-- 2024-08-01) / 7); per unit grid, cur = the count in week 0, mean8 and the sample sd of weeks
-- -8..-1 with empty weeks counted as 0; rows where cur > mean8 + 3 sd8.
-- 7-day buckets start on Thursdays (1970-01-01 was one) and 2024-08-01 is a Thursday, so
-- bucket(ts, 7 d) is exactly the week w. The zero weeks enter through the sums: mean8 = S1 / 8,
-- sd8 = sqrt((S2 - S1^2 / 8) / 7) over the 8 weekly counts, S1 and S2 exact integers.
-- region('grids') assigns each point to the unit grid covering it (see q4.sql).
SELECT region_id, cur, mean8, sd8 FROM (
  SELECT region_id, cur, s1 / 8.0 AS mean8,
         sqrt(greatest(s2 - s1 * s1 / 8.0, 0) / 7.0) AS sd8
    FROM (SELECT region_id, sum(CASE WHEN wk = '2024-08-01' THEN n ELSE 0 END) AS cur,
                 sum(CASE WHEN wk < '2024-08-01' THEN n ELSE 0 END) AS s1,
                 sum(CASE WHEN wk < '2024-08-01' THEN n * n ELSE 0 END) AS s2
            FROM (SELECT region('grids') AS region_id, bucket(ts, 7 d) AS wk, count(*) AS n
                    FROM events
                   WHERE category = 'c000' AND ts >= '2024-06-06' AND ts < '2024-08-08'
                   GROUP BY region_id, wk)
           GROUP BY region_id))
 WHERE cur > mean8 + 3 * sd8;
