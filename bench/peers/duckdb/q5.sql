-- CityBench Q5 (region_id, cur, mean8, sd8): c000 events; week w = floor((date(ts) -
-- 2024-08-01) / 7); per region cur = the count in week 0, mean8 and the sample sd of weeks
-- -8..-1 (empty weeks count 0); rows where cur > mean8 + 3 sd8. Weeks -8..0 are the dates
-- 2024-06-06 .. 2024-08-07; regions as in q4.sql. The 8 weekly counts enter through exact
-- integer sums S1, S2: mean8 = S1 / 8, sd8 = sqrt((S2 - S1^2 / 8) / 7).
WITH e AS (
  SELECT id, px, py, wk, px // 10000 AS bx, py // 10000 AS by
    FROM (SELECT id, round(lon * 1e6)::BIGINT AS px, round(lat * 1e6)::BIGINT AS py,
                 floor(date_diff('day', DATE '2024-08-01', ts::DATE) / 7)::BIGINT AS wk
            FROM events
           WHERE category = 'c000' AND ts >= TIMESTAMP '2024-06-06' AND ts < TIMESTAMP '2024-08-08')
), cand AS (
  SELECT e.id, e.px, e.py, e.wk, b.region_id
    FROM e JOIN region_bins b ON e.bx = b.bx AND e.by = b.by
   WHERE e.px BETWEEN b.xmin AND b.xmax AND e.py BETWEEN b.ymin AND b.ymax
), hit AS (
  SELECT c.region_id, c.id, any_value(c.wk) AS wk
    FROM cand c JOIN region_edges g ON g.region_id = c.region_id
   GROUP BY c.region_id, c.id
  HAVING bool_or((g.x2 - g.x1) * (c.py - g.y1) - (c.px - g.x1) * (g.y2 - g.y1) = 0
                 AND c.px BETWEEN least(g.x1, g.x2) AND greatest(g.x1, g.x2)
                 AND c.py BETWEEN least(g.y1, g.y2) AND greatest(g.y1, g.y2))
      OR sum(CASE WHEN (g.y1 > c.py) <> (g.y2 > c.py)
                   AND sign((g.x2 - g.x1) * (c.py - g.y1) - (c.px - g.x1) * (g.y2 - g.y1))
                       = sign(g.y2 - g.y1) THEN 1 ELSE 0 END) % 2 = 1
), w AS (
  SELECT region_id, wk, count(*) AS n FROM hit GROUP BY region_id, wk
), s AS (
  SELECT region_id,
         coalesce(sum(n) FILTER (WHERE wk = 0), 0) AS cur,
         coalesce(sum(n) FILTER (WHERE wk < 0), 0)::DOUBLE AS s1,
         coalesce(sum(n * n) FILTER (WHERE wk < 0), 0)::DOUBLE AS s2
    FROM w GROUP BY region_id
)
SELECT region_id, cur, s1 / 8 AS mean8, sqrt(greatest(s2 - s1 * s1 / 8, 0) / 7) AS sd8
  FROM s
 WHERE cur > s1 / 8 + 3 * sqrt(greatest(s2 - s1 * s1 / 8, 0) / 7);
