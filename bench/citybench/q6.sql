-- CityBench Q6 (id, ts, category): events of 2024-08 whose great-circle distance to
-- (118.35, 33.95) on the sphere of radius 6371008.771415 m is at most 500 m. 'sphere' makes
-- dwithin() measure haversine metres; the scan reads only the cells of a square around the
-- circle.
SELECT id, ts, category FROM events
 WHERE ts >= '2024-08-01' AND ts < '2024-09-01' AND dwithin(point(118.35, 33.95), 500 m, 'sphere');
