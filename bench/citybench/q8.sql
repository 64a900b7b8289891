-- CityBench Q8 (sensor_id, slope_per_h, pred_6h): per water_level sensor, t1 = its latest ts,
-- the readings with ts > t1 - 24 h, least squares value = a + b x with x = hours since t1:
-- b, and a + 6 b. slope() is per hour; predict_linear() reads the fitted line at the latest
-- ts + 6 h, i.e. a + 6 b.
WITH t AS (SELECT r.sensor_id AS sid, max(r.ts) AS t1
             FROM readings r JOIN sensors s ON r.sensor_id = s.sensor_id
            WHERE s.metric = 'water_level' GROUP BY sid)
SELECT r.sensor_id, slope(r.value, r.ts) AS slope_per_h,
       predict_linear(r.value, r.ts, 6 h) AS pred_6h
  FROM readings r JOIN t ON r.sensor_id = t.sid
 WHERE r.ts > t.t1 - 24 h
 GROUP BY r.sensor_id;
