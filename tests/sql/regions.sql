-- Region layers and spatial predicates on 60 points (data/region_events.csv: a 10 x 6 lattice,
-- lon 118.301 + 0.01 i, lat 33.901 + 0.01 j). Polygons in data/regions.geojson (A: a square
-- with a hole, B: a two-part MultiPolygon, C: a triangle) and data/districts.csv (D1 west and
-- D2 east of lon 118.35, as WKT). Every answer below was computed independently by
-- data/region_verify.py (ray casting in lon/lat, haversine): within A 14; by zone NULL 22,
-- A 14, B 19, C 5; D1 10 per category; the literal square 9; within 1500 m 9, 2500 m 21;
-- zones within D2: NULL 11, B 19; the nearest 5 below. Points on edges are tested in tests/test_region.c.
CREATE TABLE events (id INT KEY, ts TIMESTAMP, lon DOUBLE, lat DOUBLE, category SYMBOL,
                     value DOUBLE) TIME ts LOCATION (lon, lat);
COPY events FROM '@DATA@/region_events.csv' WITH (header true);
CREATE REGIONS zones FROM '@DATA@/regions.geojson';
CREATE REGIONS districts FROM '@DATA@/districts.csv' (id district_id, geometry wkt, parent city);
SHOW REGIONS;
SELECT count(*) AS n FROM events WHERE within(region('zones', 'A'));
SELECT region('zones') AS z, count(*) AS n FROM events GROUP BY z ORDER BY z;
SELECT category, count(*) AS n FROM events WHERE within(region('districts', 'D1'))
 GROUP BY category ORDER BY category;
SELECT count(*) AS n FROM events
 WHERE within('POLYGON((118.30 33.90,118.33 33.90,118.33 33.93,118.30 33.93,118.30 33.90))');
SELECT count(*) AS n FROM events WHERE dwithin(point(118.351, 33.921), 1500 m);
SELECT count(*) AS n FROM events WHERE dwithin(point(118.351, 33.921), 1500 m, 'sphere');
SELECT count(*) AS n FROM events WHERE dwithin(point(118.351, 33.921), 2.5 km, 'sphere');
-- within combined with region(): the zones of the points of district D2
SELECT region('zones') AS z, count(*) AS n FROM events WHERE within(region('districts', 'D2'))
 GROUP BY z ORDER BY z;
-- the 5 nearest (hectometres, so that the pairs at equal distance east/west and north/south
-- cannot swap on rounding): 26 0, 25 9, 27 9, 16 11, 36 11
SELECT id, round(distance / 100) AS hm FROM nearest(events, point(118.351, 33.921), 5)
 ORDER BY hm, id;
DROP REGIONS zones;
SHOW REGIONS;
-- a layer created again under a dropped name is read afresh (the session's cached cell indexes
-- go with the old one): the D1/D2 split at lon 118.35 gives 30 and 30, as districts does
CREATE REGIONS zones FROM '@DATA@/districts.csv' (id district_id, geometry wkt);
SELECT region('zones') AS z, count(*) AS n FROM events GROUP BY z ORDER BY z;
SELECT region('districts') AS z, count(*) AS n FROM events GROUP BY z ORDER BY z;
DROP REGIONS zones;
CREATE REGIONS bad FROM '@DATA@/bowtie.geojson';
