-- CityBench Q3 (category, n): 2024-08-01..07, events inside or on district.wkt, categories with
-- n > 0. Point in polygon in integer micro-degrees (load.sql): a point is covered if it lies on
-- an edge (d = 0 within the edge's box) or a ray to its east crosses the ring an odd number of
-- times; an edge crosses when it straddles the point's latitude (half-open, so a vertex counts
-- once) and the point is west of it: d = (x2 - x1)(py - y1) - (px - x1)(y2 - y1) has the sign
-- of y2 - y1.
WITH e AS (
  SELECT id, category, round(lon * 1e6)::BIGINT AS px, round(lat * 1e6)::BIGINT AS py
    FROM events
   WHERE ts >= TIMESTAMP '2024-08-01' AND ts < TIMESTAMP '2024-08-08'
), hit AS (
  SELECT e.id, any_value(e.category) AS category
    FROM e, district_box b, district_edges g
   WHERE e.px BETWEEN b.xmin AND b.xmax AND e.py BETWEEN b.ymin AND b.ymax
   GROUP BY e.id
  HAVING bool_or((g.x2 - g.x1) * (e.py - g.y1) - (e.px - g.x1) * (g.y2 - g.y1) = 0
                 AND e.px BETWEEN least(g.x1, g.x2) AND greatest(g.x1, g.x2)
                 AND e.py BETWEEN least(g.y1, g.y2) AND greatest(g.y1, g.y2))
      OR sum(CASE WHEN (g.y1 > e.py) <> (g.y2 > e.py)
                   AND sign((g.x2 - g.x1) * (e.py - g.y1) - (e.px - g.x1) * (g.y2 - g.y1))
                       = sign(g.y2 - g.y1) THEN 1 ELSE 0 END) % 2 = 1
)
SELECT category, count(*) AS n FROM hit GROUP BY category;
