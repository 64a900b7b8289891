-- CityBench into PostgreSQL 15 + PostGIS 3, part 1 of 3: regions, district, sensors (then
-- load_events.sql and load_readings.sql): tables, COPY, indexes, statistics, i.e. "load to
-- queryable". Run by hand with the directory of the CSVs as a psql variable:
--   psql -v data=/path/to/sf1 -f load.sql -f load_events.sql -f load_readings.sql
-- COPY reads the files on the server (superuser or pg_read_server_files). Each table is created
-- and filled in one transaction, so with wal_level = minimal its COPY writes no WAL: the usual
-- bulk-load setting, which bench/sidebyside.sh uses. The generated geometry column is filled by
-- COPY itself; no UPDATE rewrites the table afterwards.
\set ON_ERROR_STOP 1
SET TimeZone = 'UTC';
CREATE EXTENSION IF NOT EXISTS postgis;
\set sensors_csv :data '/sensors.csv'
\set regions_csv :data '/regions.csv'
\set district_wkt :data '/district.wkt'

-- regions and the district (small tables: bench/sidebyside.sh does not time this file)
BEGIN;
DROP TABLE IF EXISTS regions, district, regions_in;
CREATE TABLE regions_in (region_id text, wkt text);
COPY regions_in FROM :'regions_csv' WITH (FORMAT csv, HEADER, FREEZE);
CREATE TABLE regions AS
  SELECT region_id, ST_GeomFromText(wkt, 4326) AS geom FROM regions_in;
DROP TABLE regions_in;
ALTER TABLE regions ADD PRIMARY KEY (region_id);
CREATE INDEX regions_geom ON regions USING gist (geom);
CREATE TABLE district (wkt text);
-- district.wkt is one line of WKT without commas in quotes: read it as a one-column "CSV" whose
-- delimiter and quote never occur
COPY district FROM :'district_wkt' WITH (FORMAT csv, DELIMITER E'\x01', QUOTE E'\x02');
ALTER TABLE district ADD COLUMN geom geometry(Polygon, 4326);
UPDATE district SET geom = ST_GeomFromText(wkt, 4326);
COMMIT;

BEGIN;
DROP TABLE IF EXISTS sensors;
CREATE TABLE sensors (
  sensor_id text PRIMARY KEY,
  lon float8 NOT NULL,
  lat float8 NOT NULL,
  metric text NOT NULL,
  warn_line float8,
  geom geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED
);
COPY sensors (sensor_id, lon, lat, metric, warn_line) FROM :'sensors_csv' WITH (FORMAT csv, HEADER, FREEZE);
COMMIT;
ANALYZE regions, district, sensors;

