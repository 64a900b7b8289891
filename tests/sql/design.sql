-- Every DESIGN.md example that needs neither regions nor warnings, as written there, on the
-- hand-made files data/design_*.csv (cell(1 km) stands in for region('grids') in the window
-- example). data/design_verify.py recomputes every answer from the CSV files alone (projected
-- cells from PROJ's cs2cs); the comments below say what the answers are and why.
--
-- Three points: A (118.3, 33.9) = UTM 50N (620196.6, 3751828.9), A2 and A3 a few tens of metres
-- away in the same 1 km cell (620, 3751); B (118.4, 34.0) = (629291.8, 3763039.4), cell (629, 3763).
-- Row 38 has a bad time and is skipped.
CREATE TABLE events (id INT KEY, ts TIMESTAMP, lon DOUBLE, lat DOUBLE, category SYMBOL,
                     source SYMBOL, status SYMBOL, handle_hours DOUBLE)
  TIME ts LOCATION (lon, lat);
COPY events FROM '@DATA@/design_events.csv' WITH (header true, on_error 'skip');

-- August days with events: 08-01 1, 08-02 5, 08-03..08-07 1,2,2,1,1, 08-15, 08-20, 08-31 one each
-- (07-31 23:59:59 and 09-01 00:00:00 fall outside the half-open range).
SELECT bucket(ts, 1 d) AS day, count(*) FROM events
 WHERE ts >= '2024-08-01' AND ts < '2024-09-01' GROUP BY day ORDER BY day;

-- c003 in August: A's cell on 08-02 three times (A, A2, A3) and on 08-20 once, B's cell on 08-02.
-- No ORDER BY in the example: groups come out in key order (cell id, then day).
SELECT cell(1 km) AS c, bucket(ts, 1 d) AS day, count(*) AS n FROM events
 WHERE category = 'c003' AND ts >= '2024-08-01' AND ts < '2024-09-01' GROUP BY c, day;
-- the same cells as (x, y) in km: what CityBench Q2 calls (cx, cy)
SELECT cell_x(1 km) AS cx, cell_y(1 km) AS cy, count(*) AS n FROM events
 WHERE category = 'c003' AND ts >= '2024-08-01' AND ts < '2024-09-01' GROUP BY cx, cy ORDER BY cx;

CREATE TABLE sensors (sensor_id SYMBOL KEY, lon DOUBLE, lat DOUBLE, metric SYMBOL,
                      warn_line DOUBLE) LOCATION (lon, lat);
COPY sensors FROM '@DATA@/design_sensors.csv' WITH (header true);
CREATE TABLE readings (sensor_id SYMBOL, ts TIMESTAMP, value DOUBLE)
  TIME ts LOCATION FROM sensors(sensor_id);
COPY readings FROM '@DATA@/design_readings.csv' WITH (header true);

-- After 06-30 00:00 (strictly): wl-0001 reads 1.00, 1.50, 2.00 at 01:00, 02:00, 03:00: slope
-- exactly 0.5 per hour, and the line at 03:00 + 6 h is 5. wl-0007 reads 2.0, 2.2, 2.1, 2.5 at
-- x = -3, -2, -1, 0 hours from its last reading: b = Sxy / Sxx = 0.7 / 5 = 0.14, a = 2.41, so
-- in_6h = 2.41 + 6 * 0.14 = 3.25. gas-0001 has one reading: no slope, no prediction.
SELECT sensor_id, last(value, ts) AS v, slope(value, ts) AS per_hour,
       predict_linear(value, ts, 6 h) AS in_6h
  FROM readings WHERE ts > '2024-06-30 00:00' GROUP BY sensor_id;

-- c000 per 1 km cell and 7-day bucket (7-day buckets start on Thursdays, 2024-08-01 among
-- them). A's cell counts 1,2,1,2,1,2,1,2 in the 8 weeks before 08-01 and 5 in the week of 08-01:
-- mean 1.5, sd sqrt(2/7) = 0.5345, and 5 > 1.5 + 3 * 0.5345. B's cell counts 2,1,3 and then 4:
-- mean 2, sd 1, 4 is not above 5. Earlier weeks have too little history or stay below.
SELECT g, wk, n FROM (
  SELECT cell(1 km) AS g, bucket(ts, 7 d) AS wk, count(*) AS n,
         avg(count(*)) OVER (PARTITION BY g ORDER BY wk ROWS BETWEEN 8 PRECEDING AND 1 PRECEDING) AS mu,
         stddev(count(*)) OVER (PARTITION BY g ORDER BY wk ROWS BETWEEN 8 PRECEDING AND 1 PRECEDING) AS sd
    FROM events WHERE category = 'c000' GROUP BY g, wk)
 WHERE n > mu + 3 * sd;
-- the whole window, to see every mean and sd
SELECT cell_x(1 km) AS cx, bucket(ts, 7 d) AS wk, count(*) AS n,
       avg(count(*)) OVER (PARTITION BY cx ORDER BY wk ROWS BETWEEN 8 PRECEDING AND 1 PRECEDING) AS mu,
       round(stddev(n) OVER (PARTITION BY cx ORDER BY wk ROWS BETWEEN 8 PRECEDING AND 1 PRECEDING), 6) AS sd
  FROM events WHERE category = 'c000' GROUP BY cx, wk ORDER BY cx, wk;

-- FORECAST as in DESIGN.md needs 2 days of hourly data (tests/test_exec.c runs it as written);
-- here its linear form on wl-0001's 3 readings after midnight, which lie on a line (+0.5 per
-- hour): 2.5 and 3 at 04:00 and 05:00, with no spread around the line, so lo = hi.
FORECAST avg(value) FROM readings WHERE sensor_id = 'wl-0001' AND ts > '2024-06-30 00:00'
  EVERY 1 h HORIZON 2 h USING linear;

-- The SELECT of the flood_line warning, at a fixed now: in the hour before 03:30 wl-0001's last
-- reading is 2.00 (line 3.00, not over), wl-0007's is 2.50 (line 2.40, over).
SET now = '2024-06-30 03:30';
SELECT r.sensor_id, s.warn_line, last(r.value, r.ts) AS level
  FROM readings r JOIN sensors s ON r.sensor_id = s.sensor_id
 WHERE s.metric = 'water_level' AND r.ts > now() - 1 h
 GROUP BY r.sensor_id, s.warn_line HAVING level > s.warn_line;
