#!/bin/bash
# FOR semantics compared with Prometheus: the same series and the same rule (value > 3 for
# 15 minutes, evaluated every 5 minutes) go through gridpulse (a warning replayed with
# `gridpulse warnings run`) and through Prometheus's own rule engine (`promtool test rules`,
# Debian's prometheus package). The alerts gridpulse has firing at each evaluation, read
# from alert_history, become the test's expected alerts; promtool passes only if Prometheus
# fires the same alerts at the same times. Skipped (77) when promtool is absent.
# usage: promtool.sh GRIDPULSE
set -u
bin=$1
if ! command -v promtool > /dev/null; then
  echo "promtool not found (Debian package prometheus): skipped"
  exit 77
fi
tmp=${GP_TEST_TMP:-/tmp}/e2e_promtool.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# one value every 5 minutes, 25 points (0 to 120 min) per sensor, no gaps (Prometheus would
# carry a sample across a gap for its 5-minute lookback): a is over 3 for 2 points (pending,
# cleared), b for 4 (fires at the 4th), c dips once in the middle (FOR starts again), d is
# over throughout, e crosses twice
declare -A series=(
  [a]="1 1 4 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1"
  [b]="1 1 1 5 5 5 5 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1"
  [c]="1 4 4 4 4 4 2 4 4 4 4 4 4 1 1 1 1 1 1 1 1 1 1 1 1"
  [d]="4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4"
  [e]="1 1 1 1 1 1 9 9 9 9 9 1 1 1 9 9 9 9 9 9 1 1 1 9 9"
)
echo "sensor,ts,v" > r.csv
for s in a b c d e; do
  i=0
  for v in ${series[$s]}; do
    printf '%s,2024-06-01T%02d:%02d:00Z,%s\n' "$s" $((i * 5 / 60)) $((i * 5 % 60)) "$v" >> r.csv
    i=$((i + 1))
  done
done
"$bin" ./db -c "CREATE TABLE r (sensor SYMBOL, ts TIMESTAMP, v DOUBLE) TIME ts;
  COPY r FROM 'r.csv' WITH (header true);
  CREATE WARNING hi EVERY 5 m FOR 15 m AS
    SELECT sensor, last(v, ts) AS v FROM r WHERE ts > now() - 5 m GROUP BY sensor
    HAVING last(v, ts) > 3" > /dev/null || exit 1
"$bin" warnings run ./db --from '2024-06-01 00:00' --to '2024-06-01 02:00' > /dev/null || exit 1
"$bin" ./db --mode csv -c "SELECT instance, epoch(ts - TIMESTAMP '2024-06-01') / 60 AS m, state
  FROM alert_history WHERE state IN ('firing', 'resolved') ORDER BY ts, instance" > hist.csv || exit 1
# firing from its firing row up to (not including) its resolved row: the alerts at minute m
awk -F, 'NR > 1 { split($1, kv, "="); s = kv[2]; m = int($2)
  if ($3 == "firing") from[s] = m; else { spans = spans s " " from[s] " " m "\n"; delete from[s] } }
  END { for (s in from) spans = spans s " " from[s] " 999\n"; printf "%s", spans }' hist.csv > spans.txt
if [ "$(wc -l < spans.txt)" -lt 4 ]; then
  echo "FAIL: gridpulse fired too little to compare:"; cat hist.csv; exit 1
fi
cat > rules.yml <<'YML'
groups:
  - name: g
    rules:
      - alert: hi
        expr: level > 3
        for: 15m
YML
{
  echo "rule_files: [rules.yml]"
  echo "evaluation_interval: 5m"
  echo "tests:"
  echo "  - interval: 5m"
  echo "    input_series:"
  for s in a b c d e; do
    echo "      - series: 'level{sensor=\"$s\"}'"
    echo "        values: '${series[$s]}'"
  done
  echo "    alert_rule_test:"
  for m in $(seq 0 5 120); do
    echo "      - eval_time: ${m}m"
    echo "        alertname: hi"
    firing=$(awk -v m="$m" '$2 <= m && m < $3 { print $1 }' spans.txt | sort)
    if [ -z "$firing" ]; then
      echo "        exp_alerts: []"
    else
      echo "        exp_alerts:"
      for s in $firing; do echo "          - exp_labels: {sensor: $s}"; done
    fi
  done
} > test.yml
if ! promtool test rules test.yml; then
  echo "FAIL: Prometheus fires at other times than gridpulse; gridpulse's firing spans (sensor, from, to minutes):"
  cat spans.txt
  exit 1
fi
echo "ok   promtool: $(wc -l < spans.txt) firing spans agree with Prometheus"
