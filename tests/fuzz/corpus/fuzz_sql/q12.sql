SELECT d.metric, count(*) FROM readings r JOIN sensors s ON r.sensor_id = s.sensor_id JOIN sensors d ON s.sensor_id = d.sensor_id GROUP BY d.metric;
