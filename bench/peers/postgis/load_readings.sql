-- CityBench readings into PostgreSQL (after load.sql; psql variable data as there).
\set ON_ERROR_STOP 1
SET TimeZone = 'UTC';
\set readings_csv :data '/readings.csv'
-- FREEZE as in load_events.sql: Q7 and Q8 read the latest readings by index-only scans
BEGIN;
DROP TABLE IF EXISTS readings;
CREATE TABLE readings (
  sensor_id text NOT NULL,
  ts timestamp NOT NULL,
  value float8 NOT NULL
);
COPY readings FROM :'readings_csv' WITH (FORMAT csv, HEADER, FREEZE);
ALTER TABLE readings ADD PRIMARY KEY (sensor_id, ts);
COMMIT;
ANALYZE readings;
