-- GeoJSON output (.mode geojson, RFC 7946, WGS84 lon/lat) of cells, regions and points, on the
-- 60-point lattice of regions.sql (data/region_events.csv: lon 118.301 + 0.01 i, lat
-- 33.901 + 0.01 j). data/geojson_verify.py recomputes the cell lines (ids, counts, centres,
-- first times, corners) from the CSV with PROJ's cs2cs (EPSG:32650, 2 km = 125 m * 2^4) and
-- checks that the expected output holds them; the zone counts are
-- those of regions.sql (NULL 22, A 14, B 19, C 5) and their polygons are the file's, holes
-- turned clockwise as RFC 7946 asks.
CREATE TABLE events (id INT KEY, ts TIMESTAMP, lon DOUBLE, lat DOUBLE, category SYMBOL,
                     value DOUBLE) TIME ts LOCATION (lon, lat);
COPY events FROM '@DATA@/region_events.csv' WITH (header true);
CREATE REGIONS zones FROM '@DATA@/regions.geojson';
-- cell(2 km) is 'cx:cy' (the cell_x / cell_y numbers) and sorts by (cx, cy); its centre in
-- metres and in degrees (rounded to 1e-6 here; the GeoJSON below has the corners to 1e-9)
SELECT cell(2 km) AS c, cell_x(2 km) AS cx, cell_y(2 km) AS cy, count(*) AS n,
       cell_mx(2 km) AS mx, cell_my(2 km) AS my, round(cell_lon(2 km), 6) AS clon,
       round(cell_lat(2 km), 6) AS clat
  FROM events GROUP BY c, cx, cy ORDER BY c;
-- a cell compares with its text
SELECT c, n, round(cell_lon(c), 6) AS clon FROM (SELECT cell(2 km) AS c, count(*) AS n FROM events
 GROUP BY c) WHERE c = '311:1876';
.mode geojson
-- one square per 2 km cell (rule 1), with a count and a timestamp as ISO 8601
SELECT cell(2 km) AS c, count(*) AS n, min(ts) AS first FROM events GROUP BY c ORDER BY c;
-- one polygon per zone (rule 1); the points in no zone have a NULL id and no geometry
SELECT region('zones') AS z, count(*) AS n FROM events GROUP BY z ORDER BY z;
-- through a subquery: the column is still the zone's id
SELECT z, n FROM (SELECT region('zones') AS z, count(*) AS n FROM events GROUP BY z)
 WHERE n > 15;
-- points from lon/lat columns (rule 2), the rows of the CSV file as they are
SELECT id, lon, lat, category, value FROM events WHERE id <= 3 OR id = 60 ORDER BY id;
-- nothing to draw (rule 3)
SELECT category, count(*) AS n FROM events GROUP BY category ORDER BY category;
.mode csv
SELECT count(*) AS n FROM events;
