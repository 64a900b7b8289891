-- CityBench Q9 (category, month, n, share_closed, mean_handle_hours): per category and month.
-- Both means are one DOUBLE division of exact integers (hundredths of an hour), so each is the
-- double nearest the exact value, as CITYBENCH.md asks.
SELECT category, strftime(ts, '%Y-%m') AS month, count(*) AS n,
       count(*) FILTER (WHERE status = 'closed')::DOUBLE / count(*) AS share_closed,
       sum(handle_hours * 100)::BIGINT::DOUBLE / nullif(count(handle_hours) * 100, 0) AS mean_handle_hours
  FROM events
 GROUP BY 1, 2;
