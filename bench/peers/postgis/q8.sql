-- CityBench Q8 (sensor_id, slope_per_h, pred_6h): per water_level sensor, t1 = its latest ts,
-- the readings with ts > t1 - 24 h, least squares value = a + b x with x = hours since t1:
-- b and a + 6 b. MATERIALIZED: inlined, t1's subquery would run once per reading.
WITH t AS MATERIALIZED (
  SELECT s.sensor_id, (SELECT max(ts) FROM readings r WHERE r.sensor_id = s.sensor_id) AS t1
    FROM sensors s WHERE s.metric = 'water_level'
)
SELECT r.sensor_id, regr_slope(r.value, x) AS slope_per_h,
       regr_intercept(r.value, x) + 6 * regr_slope(r.value, x) AS pred_6h
  FROM t
  JOIN LATERAL (SELECT sensor_id, value, extract(epoch FROM ts - t.t1)::float8 / 3600 AS x
                  FROM readings
                 WHERE sensor_id = t.sensor_id AND ts > t.t1 - interval '24 hours') r ON true
 GROUP BY r.sensor_id;
