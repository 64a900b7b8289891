-- CityBench Q7 (sensor_id, ts, value, warn_line): each water_level sensor's latest reading,
-- kept if value > warn_line.
SELECT r.sensor_id, strftime(max(r.ts), '%Y-%m-%d %H:%M:%S') AS ts, arg_max(r.value, r.ts) AS value,
       s.warn_line
  FROM readings r JOIN sensors s ON r.sensor_id = s.sensor_id
 WHERE s.metric = 'water_level'
 GROUP BY r.sensor_id, s.warn_line
HAVING arg_max(r.value, r.ts) > s.warn_line;
