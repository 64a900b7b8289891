-- CityBench Q2 (cx, cy, day, n): category c003 in 2024-08 per 1 km cell x day; the cell is
-- (floor(x / 1000), floor(y / 1000)) of the point in EPSG:32650, which is what cell_x(1 km)
-- and cell_y(1 km) return.
SELECT cell_x(1 km) AS cx, cell_y(1 km) AS cy, strftime(bucket(ts, 1 d), '%Y-%m-%d') AS day,
       count(*) AS n
  FROM events WHERE category = 'c003' AND ts >= '2024-08-01' AND ts < '2024-09-01'
 GROUP BY cx, cy, day;
