SELECT bucket(ts, 1 d) AS day, count(*) FROM events WHERE ts >= '2024-06-01' AND ts < '2024-07-01' GROUP BY day ORDER BY day;
