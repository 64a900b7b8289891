#!/bin/bash
# Exactly once under kill -9: a replay of a warning is killed with SIGKILL at random moments
# (fixed seed) and started again until it finishes; its alert_history must equal that of the
# same replay run without interruption, row for row (a slot recorded twice would add rows,
# one lost would miss them), and so must its current alerts.
# usage: warn_crash.sh GRIDPULSE [KILLS]
set -u
bin=$1
kills=${2:-8}
tmp=${GP_TEST_TMP:-/tmp}/e2e_warn_crash.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
RANDOM=1234
# 20 sensors, one reading a minute for a day, values from a fixed-seed LCG: crossings of the
# line (and so transitions) every few minutes
awk 'BEGIN { x = 42; print "sensor_id,ts,value" > "r.csv"
  for (m = 0; m < 1440; m++)
    for (s = 0; s < 20; s++) {
      x = (x * 1103515245 + 12345) % 2147483648
      printf "s%02d,2024-06-%02dT%02d:%02d:00Z,%.1f\n", s, 1 + int(m / 1440), int(m % 1440 / 60), m % 60, (x % 100) / 10 >> "r.csv"
    } }'
"$bin" ./db0 -c "CREATE TABLE r (sensor_id SYMBOL, ts TIMESTAMP, value DOUBLE) TIME ts;
  COPY r FROM 'r.csv' WITH (header true);
  CREATE WARNING above EVERY 1 m FOR 3 m KEEP FIRING FOR 2 m AS
    SELECT sensor_id, last(value, ts) AS v FROM r WHERE ts > now() - 2 m GROUP BY sensor_id
    HAVING last(value, ts) > 5
    LEVELS (low WHEN v > 5, high WHEN v > 8)" > /dev/null || exit 1
cp -r db0 db1
range=(--from '2024-06-01 00:00' --to '2024-06-01 23:59')
t0=$(date +%s.%N)
"$bin" warnings run ./db0 "${range[@]}" > ref.txt || exit 1
t1=$(date +%s.%N)
dump() {
  "$bin" "$1" --mode csv -c "SELECT ts, instance, state, level, previous_level, value, active_since
    FROM alert_history ORDER BY ts, instance, state" > "$2.hist" &&
  "$bin" "$1" --mode csv -c "SHOW ALERTS" > "$2.alerts"
}
dump ./db0 ref || exit 1
# how long an uninterrupted run takes, to place the kills
ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 1000 }')
killed=0
stops=""
for k in $(seq 1 "$kills"); do
  "$bin" warnings run ./db1 "${range[@]}" > /dev/null 2>&1 &
  pid=$!
  # after the start (~0.1 s), within a third of what a whole run takes: most kills land in
  # the middle of a replay, each resumed run getting a little further
  sleep "$(awk -v r=$RANDOM -v ms="$ms" 'BEGIN { w = ms / 3; if (w < 100) w = 100; printf "%.3f", (120 + r % int(w)) / 1000 }')"
  if kill -9 "$pid" 2> /dev/null; then killed=$((killed + 1)); fi
  wait "$pid" 2> /dev/null
  # where the killed run had got to (its last recorded slot)
  at=$("$bin" ./db1 --mode csv -c "SHOW WARNINGS" | awk -F, 'NR == 2 { print substr($5, 12, 5) }')
  stops="$stops ${at:-none}"
done
"$bin" warnings run ./db1 "${range[@]}" > last.txt || { cat last.txt; exit 1; }
dump ./db1 got || exit 1
rows=$(($(wc -l < ref.hist) - 1))
if ! diff -q ref.hist got.hist > /dev/null || ! diff -q ref.alerts got.alerts > /dev/null; then
  echo "FAIL: the replay killed $killed times differs from the uninterrupted one"
  diff ref.hist got.hist | head -20
  diff ref.alerts got.alerts | head -20
  exit 1
fi
if [ "$rows" -lt 100 ]; then echo "FAIL: only $rows transitions: nothing was tested"; exit 1; fi
echo "ok   $rows transitions identical after $killed kills (uninterrupted: $(cat ref.txt))"
echo "     last slot recorded after each kill:$stops; the last run: $(cat last.txt)"
