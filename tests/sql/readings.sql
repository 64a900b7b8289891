-- Sensors and readings: a hash join on strings across two dictionaries.
-- wl-1 rises 0.5 per hour (1.0 at 20:00 .. 2.5 at 23:00): slope 0.5, in 6 h 5.5, over its
-- warn line 2.0; wl-2 falls 1 per hour (2 at 22:00, 1 at 23:00): slope -1, in 6 h -5.
CREATE TABLE sensors (sensor_id SYMBOL KEY, lon DOUBLE, lat DOUBLE, metric SYMBOL,
                      warn_line DOUBLE) LOCATION (lon, lat);
COPY sensors FROM '@DATA@/sensors.csv' WITH (header true);
CREATE TABLE readings (sensor_id SYMBOL, ts TIMESTAMP, value DOUBLE) TIME ts;
COPY readings FROM '@DATA@/readings.csv' WITH (header true);
SET now = '2024-07-01 00:00';
SELECT r.sensor_id, last(r.ts, r.ts) AS ts, last(r.value, r.ts) AS level, s.warn_line
  FROM readings r JOIN sensors s ON r.sensor_id = s.sensor_id
 WHERE s.metric = 'water_level' AND r.ts > now() - 6 h
 GROUP BY r.sensor_id, s.warn_line HAVING level > s.warn_line;
SELECT sensor_id, slope(value, ts) AS per_hour, predict_linear(value, ts, 6 h) AS in_6h,
       first(value, ts) AS first_v
  FROM readings WHERE ts > '2024-06-30 00:00' AND sensor_id LIKE 'wl-%'
 GROUP BY sensor_id ORDER BY sensor_id;
SELECT s.metric, count(*) AS n, avg(r.value) AS mean, stddev(r.value) AS sd,
       quantile(r.value, 0.5) AS med
  FROM readings r JOIN sensors s ON r.sensor_id = s.sensor_id GROUP BY s.metric ORDER BY s.metric;
SELECT r.ts FROM readings r JOIN sensors s ON r.sensor_id = s.sensor_id WHERE s.sensor_id = 'nope';
SELECT sensor_id, value FROM readings WHERE valeu > 1;
