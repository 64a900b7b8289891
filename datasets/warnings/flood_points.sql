-- Flood points: each gauge's latest level against its three lines, notify / prepare / evacuate,
-- held for 15 minutes before anyone is told (a wave is not a flood). Hysteresis: once firing, a
-- gauge is resolved only when its level is back to warn_line - margin or below, so a level
-- hovering at the line does not fire and resolve every five minutes. No HAVING on the line
-- (query/doc/warnings.md, RESOLVE WHEN): every gauge keeps its row, which is active only while
-- a level holds, and a firing gauge between line - margin and the line stays firing.
CREATE WARNING flood_points EVERY 5 m FOR 15 m BY (sensor_id) AS
  SELECT r.sensor_id, last(r.value, r.ts) AS level, g.warn_line, g.prepare_line,
         g.evacuate_line, g.margin
    FROM gauge_readings r JOIN gauges g ON r.sensor_id = g.sensor_id
   WHERE r.ts > now() - 30 m
   GROUP BY r.sensor_id, g.warn_line, g.prepare_line, g.evacuate_line, g.margin
  LEVELS (notify WHEN level > warn_line, prepare WHEN level > prepare_line,
          evacuate WHEN level > evacuate_line)
  RESOLVE WHEN level <= warn_line - margin
  MESSAGE 'gauge {sensor_id} at {level} m: {level_name} (lines {warn_line} / {prepare_line} / {evacuate_line})';
