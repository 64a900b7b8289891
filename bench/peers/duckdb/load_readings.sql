-- CityBench readings into DuckDB (after load.sql; variable data as there).
CREATE OR REPLACE TABLE readings AS
SELECT * FROM read_csv(getvariable('data') || '/readings.csv', header = true,
  timestampformat = '%Y-%m-%dT%H:%M:%SZ',
  columns = {'sensor_id': 'VARCHAR', 'ts': 'TIMESTAMP', 'value': 'DOUBLE'});
CHECKPOINT;
