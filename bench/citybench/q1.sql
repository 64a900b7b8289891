-- CityBench Q1 (day, n): events per calendar day (UTC) in 2024-08.
SELECT strftime(day, '%Y-%m-%d') AS day, n FROM (
  SELECT bucket(ts, 1 d) AS day, count(*) AS n FROM events
   WHERE ts >= '2024-08-01' AND ts < '2024-09-01' GROUP BY day);
