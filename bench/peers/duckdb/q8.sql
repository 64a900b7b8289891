-- CityBench Q8 (sensor_id, slope_per_h, pred_6h): per water_level sensor, t1 = its latest ts,
-- the readings with ts > t1 - 24 h, least squares value = a + b x with x = hours since t1:
-- b and a + 6 b.
WITH r AS (
  SELECT r.sensor_id, r.ts, r.value
    FROM readings r JOIN sensors s ON r.sensor_id = s.sensor_id
   WHERE s.metric = 'water_level'
), t AS (
  SELECT sensor_id, max(ts) AS t1 FROM r GROUP BY sensor_id
)
SELECT r.sensor_id, regr_slope(r.value, x) AS slope_per_h,
       regr_intercept(r.value, x) + 6 * regr_slope(r.value, x) AS pred_6h
  FROM (SELECT r.sensor_id, r.value, (epoch(r.ts) - epoch(t.t1)) / 3600 AS x
          FROM r JOIN t ON r.sensor_id = t.sensor_id
         WHERE r.ts > t.t1 - INTERVAL 24 HOUR) r
 GROUP BY r.sensor_id;
