-- CityBench Q4 (region_id, n): events of 2024-08-01..07 per unit grid, all 992 regions with
-- zeros. region('grids') assigns each point to the region that covers it (on a shared edge, the
-- first in regions.csv; CityBench events are never on an edge); the grid_ids table (the 992
-- ids, loaded by citybench.sh) LEFT JOINs the counts to give the empty regions their zero.
SELECT g.region_id, coalesce(c.n, 0) AS n
  FROM grid_ids g
  LEFT JOIN (SELECT region('grids') AS rid, count(*) AS n FROM events
              WHERE ts >= '2024-08-01' AND ts < '2024-08-08'
              GROUP BY rid) c ON g.region_id = c.rid;
