-- CityBench Q1 (day, n): events per calendar day (UTC) in 2024-08.
SELECT strftime(ts, '%Y-%m-%d') AS day, count(*) AS n
  FROM events
 WHERE ts >= TIMESTAMP '2024-08-01' AND ts < TIMESTAMP '2024-09-01'
 GROUP BY 1;
