-- CityBench Q4 (region_id, n): 2024-08-01..07, events per region, all 992 regions, zero-filled;
-- a point on a border counts in every region it touches. Candidates through region_bins
-- (0.01-degree bins, then the region's box), then the exact test of q3.sql on the region's edges.
WITH e AS (
  SELECT id, px, py, px // 10000 AS bx, py // 10000 AS by
    FROM (SELECT id, round(lon * 1e6)::BIGINT AS px, round(lat * 1e6)::BIGINT AS py
            FROM events
           WHERE ts >= TIMESTAMP '2024-08-01' AND ts < TIMESTAMP '2024-08-08')
), cand AS (
  SELECT e.id, e.px, e.py, b.region_id
    FROM e JOIN region_bins b ON e.bx = b.bx AND e.by = b.by
   WHERE e.px BETWEEN b.xmin AND b.xmax AND e.py BETWEEN b.ymin AND b.ymax
), hit AS (
  SELECT c.region_id, c.id
    FROM cand c JOIN region_edges g ON g.region_id = c.region_id
   GROUP BY c.region_id, c.id
  HAVING bool_or((g.x2 - g.x1) * (c.py - g.y1) - (c.px - g.x1) * (g.y2 - g.y1) = 0
                 AND c.px BETWEEN least(g.x1, g.x2) AND greatest(g.x1, g.x2)
                 AND c.py BETWEEN least(g.y1, g.y2) AND greatest(g.y1, g.y2))
      OR sum(CASE WHEN (g.y1 > c.py) <> (g.y2 > c.py)
                   AND sign((g.x2 - g.x1) * (c.py - g.y1) - (c.px - g.x1) * (g.y2 - g.y1))
                       = sign(g.y2 - g.y1) THEN 1 ELSE 0 END) % 2 = 1
)
SELECT r.region_id, count(h.id) AS n
  FROM regions r LEFT JOIN hit h ON h.region_id = r.region_id
 GROUP BY r.region_id;
