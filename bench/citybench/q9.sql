-- CityBench Q9 (category, month, n, share_closed, mean_handle_hours): per category and month
-- 'YYYY-MM'. handle_hours has 2 decimals, so its mean is an exact decimal sum over a count.
SELECT category, strftime(m, '%Y-%m') AS month, n, share_closed, mean_handle_hours FROM (
  SELECT category, bucket(ts, 1 month) AS m, count(*) AS n,
         avg(CASE WHEN status = 'closed' THEN 1 ELSE 0 END) AS share_closed,
         avg(handle_hours) AS mean_handle_hours
    FROM events GROUP BY category, m);
