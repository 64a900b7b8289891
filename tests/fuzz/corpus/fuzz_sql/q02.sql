SELECT cell(1 km) AS c, cell_lon(1 km), cell_x(2 km) AS x, bucket(ts, 1 d, 'Asia/Shanghai') AS d, count(*) AS n FROM events WHERE category = 'c003' GROUP BY c, x, d;
