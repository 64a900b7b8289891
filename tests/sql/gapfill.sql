-- gapfill(): every bucket of the range appears, per series (a combination of the other GROUP
-- BY keys); count() is 0 in an empty bucket, other aggregates NULL unless locf() carries the
-- last value forward or interpolate() draws the line between the buckets around the gap.
-- readings.csv, all on 2024-06-30: wl-1 at 20:00..23:00 = 1.0, 1.5, 2.0, 2.5; wl-2 at 22:00 =
-- 2.0 and 23:00 = 1.0; gas-1 at 23:00 = 50.
CREATE TABLE readings (sensor_id SYMBOL, ts TIMESTAMP, value DOUBLE) TIME ts;
COPY readings FROM '@DATA@/readings.csv' WITH (header true);
-- wl-2, hourly from 19:00 to 01:00: nothing before 22:00 (locf and interpolate NULL too),
-- 2 and 1 at 22:00 and 23:00, then 00:00 empty: locf 1, interpolate NULL (no value after)
SELECT gapfill(ts, 1 h) AS h, count(*) AS n, avg(value) AS v, locf(avg(value)) AS l,
       interpolate(avg(value)) AS i
  FROM readings WHERE sensor_id = 'wl-2' AND ts >= '2024-06-30 19:00' AND ts < '2024-07-01 01:00'
 GROUP BY h ORDER BY h;
-- both gauges, half-hourly over [21:00, 23:30) given as arguments: wl-1's empty 21:30 and
-- 22:30 carry 1.5 and 2.0 and interpolate to 1.75 and 2.25; wl-2's 22:30 carries 2.0 and
-- interpolates to 1.5; wl-2's 21:00 and 21:30 come before its first value
SELECT sensor_id, gapfill(ts, 30 m, '2024-06-30 21:00', '2024-06-30 23:30') AS h,
       count(*) AS n, locf(avg(value)) AS l, interpolate(avg(value)) AS i
  FROM readings WHERE ts >= '2024-06-30 21:00' AND sensor_id LIKE 'wl-%'
 GROUP BY sensor_id, h ORDER BY sensor_id, h;
-- HAVING, ORDER BY and LIMIT apply to the filled rows: of 18:00..01:00 the empty hours are
-- 18, 19, 00 and 01
SELECT gapfill(ts, 1 h) AS h, count(*) AS n FROM readings
 WHERE ts >= '2024-06-30 18:00' AND ts < '2024-07-01 02:00'
 GROUP BY h HAVING count(*) = 0 ORDER BY h DESC LIMIT 3;
-- calendar months in Shanghai (UTC+8), a month starting at 16:00 UTC the day before.
-- events.csv (7 good rows): 07-31 23:59:59Z is already August there and 09-01 00:00Z is
-- September, so July 0, August 6, September 1, October 0
CREATE TABLE events (id INT KEY, ts TIMESTAMP, lon DOUBLE, lat DOUBLE, category SYMBOL,
                     source SYMBOL, status SYMBOL, handle_hours DOUBLE)
  TIME ts LOCATION (lon, lat);
COPY events FROM '@DATA@/events.csv' WITH (header true, on_error 'skip');
SELECT gapfill(ts, 1 month, 'Asia/Shanghai') AS m, count(*) AS n FROM events
 WHERE ts >= '2024-06-30 16:00' AND ts < '2024-10-31 16:00' GROUP BY m ORDER BY m;
-- per category in UTC months: c001 has Aug (ids 1, 3, 5) and Sep (8), c002 Jul (6) and Aug (2),
-- c003 Aug (4)
SELECT category, gapfill(ts, 1 month) AS m, count(*) AS n FROM events
 WHERE ts >= '2024-07-01' AND ts < '2024-10-01' GROUP BY category, m ORDER BY category, m;
-- no upper bound on the time column, and none given: an error
SELECT gapfill(ts, 1 d) AS d, count(*) FROM events WHERE ts >= '2024-08-01' GROUP BY d;
