SELECT gapfill(ts, 1 h) AS h, count(*) AS n, locf(avg(value)) AS v, interpolate(max(value)) AS m FROM readings WHERE sensor_id = 'wl-1' AND ts >= '2024-06-01' AND ts < '2024-06-03' GROUP BY h;
