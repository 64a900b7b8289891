-- CityBench Q1 (day, n): events per calendar day (UTC) in 2024-08.
SELECT to_char(date_trunc('day', ts), 'YYYY-MM-DD') AS day, count(*) AS n
  FROM events
 WHERE ts >= '2024-08-01' AND ts < '2024-09-01'
 GROUP BY 1;
