#!/usr/bin/env bash
# series_keys.sh - the latest-per-series plan does not depend on the type of the series key:
# the same readings, keyed by SYMBOL sensor ids (s7) and by INT ones (7), loaded with
# `gridpulse load` and with CREATE TABLE + COPY, give the same plan for CityBench Q7's shape
# (bench/citybench/q7.sql) and a filtered variant (series tails from the summaries, no unit
# decoded) and the same answers, which are computed independently here with awk from the
# generated CSV (each sensor's row at its latest ts; no sensor has two rows at one ts).
#
#   bash series_keys.sh GRIDPULSE
#
# Runs in a fresh temporary directory under $GP_TEST_TMP (else /tmp), removed on success.
set -u
if [ $# -ne 1 ]; then
  echo "usage: series_keys.sh GRIDPULSE" >&2
  exit 2
fi
gp=$1
base=${GP_TEST_TMP:-/tmp}
mkdir -p "$base"
tmp=$(mktemp -d "$base/series_keys.XXXXXX") || exit 2
cd "$tmp" || exit 2
fail=0

check() { # what, want, got
  if [ "$2" != "$3" ]; then
    printf 'FAIL %s\nwant:\n%s\ngot:\n%s\n' "$1" "$2" "$3"
    fail=1
  else
    echo "ok   $1"
  fi
}

# 40 sensors (every third a gas sensor), readings every 3 h for 60 days (9 monthly
# partitions); sensor 7 stops after day 40, so its latest row is in an older partition.
# Values end in .5, so that their text is the same in every writer.
awk 'BEGIN { print "sensor_id,metric,warn_line,lon,lat"
  for (i = 1; i <= 40; i++) printf "%d,%s,%d.5,%.3f,%.3f\n", i, i % 3 ? "wl" : "gas", 4 + i % 4, i * 0.001, 51.5 + i * 0.001 }' > s_int.csv
awk 'BEGIN { srand(11); print "sensor_id,ts,value"
  split("31 28 31", md, " ")
  for (d = 0; d < 60; d++) {
    m = 1; dd = d; while (dd >= md[m]) { dd -= md[m]; m++ }
    for (h = 0; h < 24; h += 3)
      for (i = 1; i <= 40; i++) {
        if (i == 7 && d > 40) continue
        printf "%d,2026-%02d-%02dT%02d:%02d:00Z,%d.5\n", i, m, dd + 1, h, i, int(rand() * 10)
      }
  } }' > r_int.csv
# the same files with SYMBOL ids: s1, s2, ...
for f in s r; do { head -n 1 ${f}_int.csv; tail -n +2 ${f}_int.csv | sed 's/^/s/'; } > ${f}_sym.csv; done

# four databases: {INT, SYMBOL} x {gridpulse load, COPY}
for k in int sym; do
  "$gp" load load_$k.db sensors s_$k.csv --key sensor_id > load.log 2>&1 &&
    "$gp" load load_$k.db readings r_$k.csv --location-from 'sensors(sensor_id)' >> load.log 2>&1 ||
    { cat load.log; exit 1; }
  ty=$([ $k = int ] && echo INT || echo SYMBOL)
  "$gp" copy_$k.db -c "CREATE TABLE sensors (sensor_id $ty KEY, metric SYMBOL, warn_line DOUBLE,
      lon DOUBLE, lat DOUBLE) LOCATION (lon, lat);
    CREATE TABLE readings (sensor_id $ty, ts TIMESTAMP, value DOUBLE) TIME ts
      LOCATION FROM sensors(sensor_id);
    COPY sensors FROM '$tmp/s_$k.csv' WITH (header true);
    COPY readings FROM '$tmp/r_$k.csv' WITH (header true)" > copy.log 2>&1 || { cat copy.log; exit 1; }
done

q7="SELECT r.sensor_id, max(r.ts) AS ts, last(r.value, r.ts) AS value, s.warn_line
  FROM readings r JOIN sensors s ON r.sensor_id = s.sensor_id
 WHERE s.metric = 'wl'
 GROUP BY r.sensor_id, s.warn_line
HAVING value > s.warn_line"
filt_int="SELECT sensor_id, max(ts), last(value, ts) FROM readings
 WHERE sensor_id IN (3, 7, 8, 13) GROUP BY sensor_id"
filt_sym="SELECT sensor_id, max(ts), last(value, ts) FROM readings
 WHERE sensor_id IN ('s3', 's7', 's8', 's13') GROUP BY sensor_id"

# the independent answers: per sensor, the row at its latest ts (ISO text sorts by time)
awk -F, 'NR > 1 { if (!($1 in t) || $2 > t[$1]) { t[$1] = $2; v[$1] = $3 } }
  END { for (s in t) { ts = t[s]; sub("T", " ", ts); sub("Z", "", ts); print s "," ts "," v[s] } }' \
  r_int.csv | sort -t , -k 1,1n > latest.csv
want_q7=$(awk -F, 'NR == FNR { if (FNR > 1 && $2 == "wl") w[$1] = $3; next }
  ($1 in w) && $3 + 0 > w[$1] + 0 { print $0 "," w[$1] }' s_int.csv latest.csv)
want_filt=$(grep -E '^(3|7|8|13),' latest.csv)

# the series plan lines of EXPLAIN ANALYZE, and the answers with SYMBOL ids made numeric
plan() { "$gp" "$1" -c "SET threads = 1; EXPLAIN ANALYZE $2" | grep -E 'by series|series tails|units decoded' | sed 's/ in [0-9.]* ms//'; }
ans() { "$gp" "$1" -c "$2" --mode csv | grep -v -e '^sensor_id,' -e '^SET$' | sed 's/^s//' | sort -t , -k 1,1n; }
for db in load_int copy_int load_sym copy_sym; do
  k=${db#*_}
  fq=$([ $k = int ] && echo "$filt_int" || echo "$filt_sym")
  check "$db: Q7's answer" "$want_q7" "$(ans $db.db "$q7")"
  check "$db: the filtered latest" "$want_filt" "$(ans $db.db "$fq")"
  check "$db: Q7's answer on the row path" "$want_q7" "$(ans $db.db "SET vectorize = false; $q7")"
  p=$(plan $db.db "$q7")
  check "$db: Q7 answered from series tails, no unit decoded" "   units chosen by series: latest per series, newest first
   answered from series tails in the summaries: 27 series
   -> 0 units decoded, 9 skipped by their summaries" "$p"
  p=$(plan $db.db "$fq")
  check "$db: the filtered latest from series tails" "   units chosen by series: latest per series, newest first
   answered from series tails in the summaries: 4 series
   -> 0 units decoded, 9 skipped by their summaries" "$p"
done

# a tie at a sensor's latest ts (two rows): the tails cannot answer, the waves decode the
# newest units instead, with last() taking the larger value, for both key types alike
for k in int sym; do
  id=$([ $k = int ] && echo 4 || echo s4)
  printf 'sensor_id,ts,value\n%s,2026-03-01T21:04:00Z,90.5\n%s,2026-03-01T21:04:00Z,80.5\n' $id $id > tie.csv
  "$gp" copy_$k.db -c "COPY readings FROM '$tmp/tie.csv' WITH (header true)" > /dev/null || exit 1
done
want_tie=$(echo "$want_q7" | grep -v '^4,'; echo "4,2026-03-01 21:04:00,90.5,4.5")
want_tie=$(echo "$want_tie" | sort -t , -k 1,1n)
for db in copy_int copy_sym; do
  check "$db: Q7 with a tie" "$want_tie" "$(ans $db.db "$q7")"
  check "$db: Q7 with a tie on the row path" "$want_tie" "$(ans $db.db "SET vectorize = false; $q7")"
  p=$(plan $db.db "$q7")
  check "$db: a tie falls back to decoding newest first" "   units chosen by series: latest per series, newest first" "$(echo "$p" | head -n 1)"
  check "$db: ... without tails" "" "$(echo "$p" | grep 'series tails')"
done

if [ $fail -eq 0 ]; then
  cd / && rm -rf "$tmp"
  echo "all series_keys tests passed"
fi
exit $fail
