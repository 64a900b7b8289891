-- CityBench Q9 (category, month, n, share_closed, mean_handle_hours): per category and month.
-- Both means are one DOUBLE division of exact integers (hundredths of an hour), so each is the
-- double nearest the exact value, as CITYBENCH.md asks. Grouped on date_trunc('month', ts) and
-- formatted per group, not per row (see q1.sql).
SELECT category, strftime(m, '%Y-%m') AS month, n, share_closed, mean_handle_hours
  FROM (SELECT category, date_trunc('month', ts) AS m, count(*) AS n,
               count(*) FILTER (WHERE status = 'closed')::DOUBLE / count(*) AS share_closed,
               sum(handle_hours * 100)::BIGINT::DOUBLE / nullif(count(handle_hours) * 100, 0)
                 AS mean_handle_hours
          FROM events
         GROUP BY 1, 2);
