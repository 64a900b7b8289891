-- CityBench Q3 (category, n): events of 2024-08-01..07 inside or on the district polygon
-- (district.wkt, loaded by citybench.sh as region layer `district`, id 'district'); only
-- categories with n > 0, which GROUP BY gives by construction. The scan reads only the storage
-- cells the polygon's covering touches; rows of inside cells are taken whole and only rows of
-- cells its boundary crosses are tested with GEOS.
SELECT category, count(*) AS n FROM events
 WHERE ts >= '2024-08-01' AND ts < '2024-08-08' AND within(region('district', 'district'))
 GROUP BY category;
