-- Forest fire early sign: a temperature sensor inside a forest (the `forests` region layer) whose
-- reading rose by more than 5 degC in 15 minutes: first to last of its readings of the last 20
-- minutes, which are 15 minutes apart with a reading every 5. A sensor outside every forest
-- (region('forests') is NULL there) never fires, however fast it warms.
CREATE WARNING forest_fire EVERY 5 m BY (sensor_id) AS
  SELECT sensor_id, region('forests') AS forest, first(value, ts) AS was, last(value, ts) AS now_c,
         last(value, ts) - first(value, ts) AS rise
    FROM forest_temps
   WHERE ts > now() - 20 m AND region('forests') IS NOT NULL
   GROUP BY sensor_id, forest
  HAVING rise > 5.0
  MESSAGE 'forest {forest}: sensor {sensor_id} rose {rise} degC in 15 minutes';
