-- CityBench Q6 (id, ts, category): 2024-08, great-circle distance to (118.35, 33.95) <= 500 m
-- on the sphere of radius 6371008.771415 m. ST_DistanceSphere uses another radius, so the
-- haversine is written out; the && box (0.01 degree, > 1.1 km in latitude and > 0.9 km in
-- longitude here) only lets the GiST index discard far points and never drops a hit.
SELECT id, to_char(ts, 'YYYY-MM-DD HH24:MI:SS') AS ts, category
  FROM events
 WHERE ts >= '2024-08-01' AND ts < '2024-09-01'
   AND geom && ST_MakeEnvelope(118.34, 33.94, 118.36, 33.96, 4326)
   AND 2 * 6371008.771415 * asin(sqrt(
         sin(radians(lat - 33.95) / 2) ^ 2
         + cos(radians(33.95)) * cos(radians(lat)) * sin(radians(lon - 118.35) / 2) ^ 2)) <= 500;
