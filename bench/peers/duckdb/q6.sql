-- CityBench Q6 (id, ts, category): 2024-08, great-circle distance to (118.35, 33.95) <= 500 m
-- on the sphere of radius 6371008.771415 m, by the haversine formula. The 0.01-degree box
-- (> 1.1 km in latitude, > 0.9 km in longitude here) only skips the trigonometry for far points.
SELECT id, strftime(ts, '%Y-%m-%d %H:%M:%S') AS ts, category
  FROM events
 WHERE ts >= TIMESTAMP '2024-08-01' AND ts < TIMESTAMP '2024-09-01'
   AND lon BETWEEN 118.34 AND 118.36 AND lat BETWEEN 33.94 AND 33.96
   AND 2 * 6371008.771415 * asin(sqrt(
         pow(sin(radians(lat - 33.95) / 2), 2)
         + cos(radians(33.95)) * cos(radians(lat)) * pow(sin(radians(lon - 118.35) / 2), 2))) <= 500;
