-- CityBench Q1 (day, n): events per calendar day (UTC) in 2024-08.
-- Grouped on CAST(ts AS DATE), an integer per row, and formatted once per day (31 rows):
-- a strftime per row cost ~50 ms at SF=10 against ~6-12 ms for this form (issue 17).
SELECT strftime(d, '%Y-%m-%d') AS day, n
  FROM (SELECT CAST(ts AS DATE) AS d, count(*) AS n
          FROM events
         WHERE ts >= TIMESTAMP '2024-08-01' AND ts < TIMESTAMP '2024-09-01'
         GROUP BY 1);
