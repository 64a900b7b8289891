-- The demo city's tour: run with `gridpulse -f datasets/demo.sql` after `gridpulse demo`.
-- Events per day in the first week of August.
SELECT bucket(ts, 1 d) AS day, count(*) AS n FROM events
 WHERE ts >= '2024-08-01' AND ts < '2024-08-08' GROUP BY day ORDER BY day;

-- The same days as Chinese users count them (midnight in Asia/Shanghai, not UTC).
SELECT bucket(ts, 1 d, 'Asia/Shanghai') AS day, count(*) AS n FROM events
 WHERE ts >= '2024-08-01' AND ts < '2024-08-08' GROUP BY day ORDER BY day;

-- Hotspot cells of category c003 in August, per 1 km cell.
SELECT cell_x(1 km) AS cx, cell_y(1 km) AS cy, count(*) AS n FROM events
 WHERE category = 'c003' AND ts >= '2024-08-01' AND ts < '2024-09-01'
 GROUP BY cx, cy ORDER BY n DESC, cx, cy LIMIT 5;

-- Tickets per unit grid in the first week of August (the grids layer `gridpulse demo` loaded),
-- and within 500 m of a point in August.
SELECT region('grids') AS g, count(*) AS n FROM events
 WHERE ts >= '2024-08-01' AND ts < '2024-08-08' GROUP BY g ORDER BY n DESC LIMIT 3;
SELECT count(*) FROM events WHERE dwithin(point(118.35, 33.95), 500 m)
   AND ts >= '2024-08-01' AND ts < '2024-09-01';

-- Regional high-incidence warning: 1 km cells whose c000 count this week exceeds the mean of
-- their previous 8 weeks by 3 standard deviations.
SELECT g, wk, n FROM (
  SELECT cell(1 km) AS g, bucket(ts, 7 d) AS wk, count(*) AS n,
         avg(count(*)) OVER (PARTITION BY g ORDER BY wk ROWS BETWEEN 8 PRECEDING AND 1 PRECEDING) AS mu,
         stddev(count(*)) OVER (PARTITION BY g ORDER BY wk ROWS BETWEEN 8 PRECEDING AND 1 PRECEDING) AS sd
    FROM events WHERE category = 'c000' GROUP BY g, wk)
 WHERE n > mu + 3 * sd AND wk >= '2024-08-01' ORDER BY wk, n DESC LIMIT 5;

-- KPIs per category and month: completion rate and mean handling time.
SELECT category, bucket(ts, 1 month) AS month, count(*) AS n,
       avg(CASE WHEN status = 'closed' THEN 1.0 ELSE 0.0 END) AS share_closed,
       avg(handle_hours) AS mean_handle_hours
  FROM events WHERE category IN ('c000', 'c001') AND ts >= '2024-06-01' AND ts < '2024-09-01'
 GROUP BY category, month ORDER BY category, month;

-- Each sensor's latest reading, trend per hour and the level its trend line gives in 6 hours.
SELECT sensor_id, last(value, ts) AS v, slope(value, ts) AS per_hour,
       predict_linear(value, ts, 6 h) AS in_6h
  FROM readings WHERE ts > '2024-06-07 00:00' AND sensor_id LIKE 'wl-%'
 GROUP BY sensor_id ORDER BY per_hour DESC LIMIT 5;

-- Water-level gauges whose latest reading is over their warning line.
SELECT r.sensor_id, s.warn_line, last(r.value, r.ts) AS level
  FROM readings r JOIN sensors s ON r.sensor_id = s.sensor_id
 WHERE s.metric = 'water_level' AND r.ts > '2024-06-07 12:00'
 GROUP BY r.sensor_id, s.warn_line HAVING level > s.warn_line ORDER BY level DESC;

-- When will gauge wl-0002 cross its line? A fitted Holt-Winters forecast of its hourly level.
FORECAST avg(value) FROM readings WHERE sensor_id = 'wl-0002'
  EVERY 1 h HORIZON 6 h USING holt_winters(period 24);

-- How a query is answered: partitions and chunks read, and those answered from summaries.
EXPLAIN SELECT count(*) FROM events WHERE ts >= '2024-08-01' AND ts < '2024-09-01';

-- The five warning models of datasets/warnings/ (installed by `gridpulse demo`), after
-- `gridpulse warnings run gridpulse.db --from 2024-06-01 --to 2024-07-01` replayed June:
-- every time an alert fired, changed level or was resolved (pending and cleared left out).
SELECT warning, instance, ts, state, level FROM alert_history
 WHERE state IN ('firing', 'resolved') ORDER BY ts, warning, instance;

-- Firing transitions per warning and level over the month (escalations count at each level).
SELECT warning, level, count(*) AS transitions FROM alert_history
 WHERE state = 'firing' GROUP BY warning, level ORDER BY warning, level;
