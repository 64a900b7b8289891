-- CityBench Q3 (category, n): 2024-08-01..07, events inside or on district.wkt (ST_Covers),
-- categories with n > 0.
SELECT e.category, count(*) AS n
  FROM events e JOIN district d ON ST_Covers(d.geom, e.geom)
 WHERE e.ts >= '2024-08-01' AND e.ts < '2024-08-08'
 GROUP BY e.category;
