-- CityBench Q1 (day, n): events per calendar day (UTC) in 2024-08.
-- Grouped on ts::date (ts is a timestamp in UTC) and formatted once per day (31 rows), not
-- with a to_char per row (issue 17: each peer in its fastest correct form).
SELECT to_char(d, 'YYYY-MM-DD') AS day, n
  FROM (SELECT ts::date AS d, count(*) AS n
          FROM events
         WHERE ts >= '2024-08-01' AND ts < '2024-09-01'
         GROUP BY 1) s;
