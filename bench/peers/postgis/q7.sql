-- CityBench Q7 (sensor_id, ts, value, warn_line): each water_level sensor's latest reading,
-- kept if value > warn_line. The (sensor_id, ts) key finds each latest reading.
SELECT s.sensor_id, to_char(r.ts, 'YYYY-MM-DD HH24:MI:SS') AS ts, r.value, s.warn_line
  FROM sensors s
 CROSS JOIN LATERAL (SELECT ts, value FROM readings
                      WHERE sensor_id = s.sensor_id ORDER BY ts DESC LIMIT 1) r
 WHERE s.metric = 'water_level' AND r.value > s.warn_line;
