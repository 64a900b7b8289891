-- CityBench into DuckDB, part 1 of 3 (then load_events.sql, load_readings.sql): regions,
-- district, sensors; without the spatial extension (not available offline). Variables:
--   data  the CityBench directory (events.csv sensors.csv readings.csv regions.csv district.wkt)
--   xy    a CSV "x,y" without header: each event's EPSG:32650 coordinates, line for line in
--         events.csv's order (bench/sidebyside.sh writes it with PROJ's cs2cs, which keeps the
--         order, and checks the line count: DuckDB has no PROJ offline)
-- By hand: node run.mjs city.duckdb --set data=DIR --set xy=FILE --exec load.sql (and so on)
-- Polygons become edge tables in integer micro-degrees (all CityBench coordinates have 6
-- decimals, so round(v * 1e6) is exact), where the crossing-number and on-edge tests of
-- q3/q4/q5 are exact integer arithmetic: differences stay below 3e5, products below 1e11.
-- region_bins is a plain-SQL spatial index: each region under every 0.01-degree bin its
-- bounding box touches, so a point meets only the few regions of its own bin.

CREATE OR REPLACE TABLE regions AS
SELECT region_id,
       list_transform(string_split(regexp_replace(wkt, 'POLYGON\(\(|\)\)', '', 'g'), ','),
         p -> [round(CAST(split_part(trim(p), ' ', 1) AS DOUBLE) * 1e6)::BIGINT,
               round(CAST(split_part(trim(p), ' ', 2) AS DOUBLE) * 1e6)::BIGINT]) AS ring
  FROM read_csv(getvariable('data') || '/regions.csv', header = true,
                columns = {'region_id': 'VARCHAR', 'wkt': 'VARCHAR'});
-- ring i -> i + 1; the ring is closed (last point = first)
CREATE OR REPLACE TABLE region_edges AS
SELECT region_id, ring[i][1] AS x1, ring[i][2] AS y1, ring[i + 1][1] AS x2, ring[i + 1][2] AS y2
  FROM (SELECT region_id, ring, unnest(range(1, len(ring))) AS i FROM regions);
CREATE OR REPLACE TEMP TABLE region_box AS
SELECT region_id, min(least(x1, x2)) AS xmin, max(greatest(x1, x2)) AS xmax,
       min(least(y1, y2)) AS ymin, max(greatest(y1, y2)) AS ymax
  FROM region_edges GROUP BY region_id;
CREATE OR REPLACE TABLE region_bins AS
SELECT region_id, bx, unnest(range(ymin // 10000, ymax // 10000 + 1)) AS by, xmin, xmax, ymin, ymax
  FROM (SELECT *, unnest(range(xmin // 10000, xmax // 10000 + 1)) AS bx FROM region_box);

CREATE OR REPLACE TABLE district_edges AS
WITH d AS (
  SELECT list_transform(string_split(regexp_replace(trim(column0), 'POLYGON\(\(|\)\)', '', 'g'), ','),
           p -> [round(CAST(split_part(trim(p), ' ', 1) AS DOUBLE) * 1e6)::BIGINT,
                 round(CAST(split_part(trim(p), ' ', 2) AS DOUBLE) * 1e6)::BIGINT]) AS ring
    FROM read_csv(getvariable('data') || '/district.wkt', header = false, delim = '\x01',
                  quote = '', columns = {'column0': 'VARCHAR'}))
SELECT ring[i][1] AS x1, ring[i][2] AS y1, ring[i + 1][1] AS x2, ring[i + 1][2] AS y2
  FROM (SELECT ring, unnest(range(1, len(ring))) AS i FROM d);
CREATE OR REPLACE TABLE district_box AS
SELECT min(least(x1, x2)) AS xmin, max(greatest(x1, x2)) AS xmax,
       min(least(y1, y2)) AS ymin, max(greatest(y1, y2)) AS ymax FROM district_edges;

CREATE OR REPLACE TABLE sensors AS
SELECT * FROM read_csv(getvariable('data') || '/sensors.csv', header = true,
  columns = {'sensor_id': 'VARCHAR', 'lon': 'DOUBLE', 'lat': 'DOUBLE', 'metric': 'VARCHAR',
             'warn_line': 'DOUBLE'});
CHECKPOINT;

