-- CityBench events into DuckDB (after load.sql; variables data and xy as there).
-- events: the CSV is in ts order, so the ts zone maps prune every time window
CREATE OR REPLACE TABLE events AS
SELECT e.*, p.x, p.y
  FROM read_csv(getvariable('data') || '/events.csv', header = true,
         timestampformat = '%Y-%m-%dT%H:%M:%SZ',
         columns = {'id': 'BIGINT', 'ts': 'TIMESTAMP', 'lon': 'DOUBLE', 'lat': 'DOUBLE',
                    'category': 'VARCHAR', 'source': 'VARCHAR', 'status': 'VARCHAR',
                    'handle_hours': 'DECIMAL(10,2)'}) e
  POSITIONAL JOIN
       read_csv(getvariable('xy'), header = false,
         columns = {'x': 'DOUBLE', 'y': 'DOUBLE'}) p;
CHECKPOINT;
