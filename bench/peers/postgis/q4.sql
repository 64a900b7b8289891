-- CityBench Q4 (region_id, n): 2024-08-01..07, events per region, all 992 regions, zero-filled.
-- A point on a border shared by two regions counts in both (ST_Covers, as Q3).
SELECT r.region_id, count(e.ts) AS n
  FROM regions r
  LEFT JOIN events e
    ON ST_Covers(r.geom, e.geom) AND e.ts >= '2024-08-01' AND e.ts < '2024-08-08'
 GROUP BY r.region_id;
