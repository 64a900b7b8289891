-- Regional high incidence per unit grid (DESIGN.md, "What the users do with it"): the housing and
-- e-bike-charging complaints of the week that ends at the slot, per unit grid, against the mean
-- and the standard deviation of the grid's own 8 previous weeks, empty weeks counted as 0
-- (gapfill, not bucket: a week without a complaint is a 0 in the baseline, not a missing row).
-- Yellow above mean + 3 sigma, orange above mean + 5 sigma, dispatched to the district. At least
-- 5 complaints as well: after 8 empty weeks mean and sigma are 0, and a quiet grid's first
-- complaint is not an outbreak. Slots are every 7 days since 1970, so Thursdays 00:00 UTC, the
-- same weeks bucket() and gapfill() make.
CREATE WARNING grid_incidence EVERY 7 d BY (g) AS
  SELECT g, n, mu, sd FROM (
    SELECT region('grids') AS g, gapfill(ts, 7 d) AS wk, count(*) AS n,
           avg(count(*)) OVER (PARTITION BY g ORDER BY wk ROWS BETWEEN 8 PRECEDING AND 1 PRECEDING) AS mu,
           stddev(count(*)) OVER (PARTITION BY g ORDER BY wk ROWS BETWEEN 8 PRECEDING AND 1 PRECEDING) AS sd
      FROM tickets
     WHERE category IN ('housing', 'ebike_charging') AND ts >= now() - 63 d AND ts < now()
     GROUP BY g, wk)
   WHERE wk = now() - 7 d AND n >= 5 AND n > mu + 3 * sd
  LEVELS (yellow WHEN n > mu + 3 * sd, orange WHEN n > mu + 5 * sd)
  MESSAGE 'grid {g}: {n} housing and e-bike charging complaints this week, against {mu} a week before';
