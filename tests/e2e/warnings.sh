#!/bin/bash
# Warnings end to end through the real binary: CREATE WARNING bound at once (positioned
# errors), a replay with `gridpulse warnings run --from/--to` over hand-made readings whose
# transitions are known by construction (comments below), exactly once on a second run, the
# SQL tables alert_history and alerts, SHOW / DESCRIBE / ALTER / DROP, ON NODATA alert and
# --dry-run. The output must equal tests/expected/warnings.out (GP_SQL_UPDATE=1 rewrites it).
# usage: warnings.sh GRIDPULSE TESTS_DIR
set -u
bin=$1
dir=$2
tmp=${GP_TEST_TMP:-/tmp}/e2e_warnings.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
exec 3>&1 > "$tmp/out" 2>&1
# 36 slots of 5 minutes from 2024-06-01 00:00. wl-1 (warn line 3.0): 2.0 in slots 0-5, 3.2
# (yellow) 6-11, 3.4 (orange, > 3.3) 12-14, 3.7 (red, > 3.6) 15-17, 3.2 18-20, 2.5 after:
# FOR 15 m makes it pending at 00:30 and firing (yellow) at 00:45, orange at 01:00, red at
# 01:15, yellow at 01:30, resolved at 01:45. wl-2 (line 2.0) is over its line in slots 10-11
# only: pending at 00:50, cleared at 01:00. pings stop after slot 20 (01:40): the NODATA
# warning raises its instance at 01:45 (a 5-minute window with no ping) and stays.
awk 'BEGIN {
  print "sensor_id,lon,lat,metric,warn_line" > "sensors.csv"
  print "wl-1,118.30,33.90,water_level,3.0" > "sensors.csv"
  print "wl-2,118.31,33.91,water_level,2.0" > "sensors.csv"
  print "tp-1,118.32,33.92,temperature," > "sensors.csv"
  print "sensor_id,ts,value" > "readings.csv"
  print "id,ts" > "pings.csv"
  for (i = 0; i < 36; i++) {
    ts = sprintf("2024-06-01T%02d:%02d:00Z", int(i / 12), (i % 12) * 5)
    v1 = i < 6 ? 2.0 : i < 12 ? 3.2 : i < 15 ? 3.4 : i < 18 ? 3.7 : i < 21 ? 3.2 : 2.5
    v2 = (i == 10 || i == 11) ? 2.5 : 1.0
    printf "wl-1,%s,%.1f\nwl-2,%s,%.1f\ntp-1,%s,20.0\n", ts, v1, ts, v2, ts > "readings.csv"
    if (i <= 20) printf "%d,%s\n", i, ts > "pings.csv"
  }
}'
run() { echo "-- $*"; "$bin" "$@" 2>&1 | sed -E 's/; [0-9.]+ s, [0-9.]+ ms per slot$//'; echo "exit ${PIPESTATUS[0]}"; }
sql() { run ./db --mode csv -c "$1"; }
sql "CREATE TABLE sensors (sensor_id SYMBOL KEY, lon DOUBLE, lat DOUBLE, metric SYMBOL, warn_line DOUBLE) LOCATION (lon, lat);
CREATE TABLE readings (sensor_id SYMBOL, ts TIMESTAMP, value DOUBLE) TIME ts LOCATION FROM sensors(sensor_id);
CREATE TABLE pings (id INT, ts TIMESTAMP) TIME ts;
COPY sensors FROM 'sensors.csv' WITH (header true); COPY readings FROM 'readings.csv' WITH (header true);
COPY pings FROM 'pings.csv' WITH (header true)"
# bound at CREATE: errors name their place in the statement
sql "CREATE WARNING bad EVERY 5 m AS
  SELECT sensor_id, last(valu, ts) AS v FROM readings GROUP BY sensor_id"
sql "CREATE WARNING bad EVERY 5 m AS
  SELECT sensor_id, last(value, ts) AS v FROM readings GROUP BY sensor_id
  LEVELS (hi WHEN v > warn_line)"
sql "CREATE WARNING bad EVERY 5 m AS SELECT sensor_id FROM readings MESSAGE 'at {nope}'"
sql "CREATE WARNING bad EVERY 1 month AS SELECT sensor_id FROM readings"
sql "CREATE WARNING bad EVERY 5 m OFFSET 5 m AS SELECT sensor_id FROM readings"
sql "CREATE WARNING flood_line EVERY 5 m FOR 15 m AS
  SELECT r.sensor_id, s.warn_line, last(r.value, r.ts) AS level
    FROM readings r JOIN sensors s ON r.sensor_id = s.sensor_id
   WHERE s.metric = 'water_level' AND r.ts > now() - 5 m
   GROUP BY r.sensor_id, s.warn_line HAVING level > s.warn_line
  LEVELS (yellow WHEN level > s.warn_line, orange WHEN level > 1.1 * s.warn_line,
          red WHEN level > 1.2 * s.warn_line)
  MESSAGE 'gauge {sensor_id} at {level} ({level_name})'"
sql "CREATE WARNING flood_line EVERY 5 m AS SELECT sensor_id FROM readings"
# a dead-man warning: its query returns no row while pings arrive; when they stop, the window
# is empty and ON NODATA alert raises the NODATA instance
sql "CREATE WARNING pings_silent EVERY 5 m AS SELECT id FROM pings WHERE ts > now() - 5 m AND id < 0 ON NODATA alert"
# one instance without labels (a count): fires while readings of tp-1 are warm
sql "CREATE WARNING warm EVERY 30 m FOR 30 m AS SELECT count(*) AS n FROM readings WHERE sensor_id = 'tp-1' AND ts > now() - 30 m AND value > 15 HAVING count(*) > 0"
sql "SHOW WARNINGS" | cut -d, -f1-5,8- # without last_ms and next_slot, which vary
run warnings run ./db --from '2024-06-01 00:00' --to '2024-06-01 01:20' --warning flood_line --dry-run
run warnings run ./db --from '2024-06-01 00:00' --to '2024-06-01 02:55'
# a second run of the same range evaluates nothing again
run warnings run ./db --from '2024-06-01 00:00' --to '2024-06-01 02:55'
sql "SELECT ts, warning, instance, state, level, previous_level, value, message FROM alert_history ORDER BY ts, warning, instance"
sql "SELECT warning, instance, state, level FROM alerts ORDER BY warning, instance"
sql "SELECT warning, state, count(*) AS n FROM alert_history GROUP BY warning, state ORDER BY warning, state"
sql "SHOW ALERTS"
sql "ALTER WARNING pings_silent PAUSE"
sql "SHOW WARNINGS" | cut -d, -f1-5,8- # without last_ms and next_slot, which vary
# paused: the next slot is not evaluated; resumed with a gap: missed slots are counted
run warnings run ./db --at '2024-06-01 03:00'
sql "ALTER WARNING pings_silent RESUME"
run warnings run ./db --at '2024-06-01 03:30'
sql "SHOW WARNINGS" | cut -d, -f1-5,8- # without last_ms and next_slot, which vary
sql "DESCRIBE WARNING pings_silent"
sql "DROP WARNING pings_silent; DROP WARNING pings_silent"
sql "DROP WARNING IF EXISTS pings_silent; SHOW ALERTS"
exec 1>&3 2>&1
if [ "${GP_SQL_UPDATE:-0}" = 1 ]; then cp "$tmp/out" "$dir/expected/warnings.out"; fi
if ! diff -u "$dir/expected/warnings.out" "$tmp/out"; then
  echo "FAIL warnings"
  exit 1
fi
echo "ok   warnings"
