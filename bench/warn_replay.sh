#!/bin/bash
# Warning replay: DESIGN.md's flood_line warning (EVERY 5 m FOR 15 m, three levels, a join of
# readings with sensors over the last hour) replayed over June 2024 of CityBench readings
# (17.28 M rows at every SF, 8,640 five-minute slots) with `gridpulse warnings run`; prints
# the replay's time, its cost per slot, the transitions and a checksum of alert_history (so a
# fast wrong answer shows).
#
#   bench/warn_replay.sh [--sf 0.1] [--build DIR] [--data DIR] [--db DIR]
#
#   --sf X       CityBench scale factor of the sensors (readings do not scale)  default 0.1
#   --build DIR  cmake build directory holding gridpulse and gp-citygen          default <repo>/build
#   --data DIR   sensors.csv and readings.csv; generated when missing   default <build>/bench_warn/sfX
#   --db DIR     the database, loaded once; each run starts from a copy  default <build>/bench_warn/db.sfX
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
sf=0.1 build="$repo/build" data= db=
die() { echo "warn_replay: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --sf | --build | --data | --db) [ $# -ge 2 ] || die "$1 needs a value" ;;
  esac
  case $1 in
    --sf) sf=$2; shift ;;
    --build) build=$2; shift ;;
    --data) data=$2; shift ;;
    --db) db=$2; shift ;;
    -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done
: "${data:=$build/bench_warn/sf$sf}"
: "${db:=$build/bench_warn/db.sf$sf}"
gp="$build/gridpulse"
[ -x "$gp" ] || die "no gridpulse in '$build'"
if [ ! -f "$data/readings.csv" ] || [ ! -f "$data/sensors.csv" ]; then
  mkdir -p "$data"
  echo "warn_replay: generating SF=$sf sensors and readings into $data" >&2
  "$build/gp-citygen" --sf "$sf" --out "$data" --only sensors,readings >&2
fi
if [ ! -f "$db/.warn_replay" ]; then
  rm -rf "$db"
  echo "warn_replay: loading $data into $db" >&2
  "$gp" load "$db" sensors "$data/sensors.csv" --key sensor_id --crs EPSG:32650 >&2
  "$gp" load "$db" readings "$data/readings.csv" --location-from 'sensors(sensor_id)' >&2
  touch "$db/.warn_replay"
fi
run=$(mktemp -d)
trap 'rm -rf "$run"' EXIT
cp -r "$db" "$run/db"
"$gp" "$run/db" -c "CREATE WARNING flood_line EVERY 5 m FOR 15 m AS
  SELECT r.sensor_id, s.warn_line, last(r.value, r.ts) AS level
    FROM readings r JOIN sensors s ON r.sensor_id = s.sensor_id
   WHERE s.metric = 'water_level' AND r.ts > now() - 1 h
   GROUP BY r.sensor_id, s.warn_line HAVING level > s.warn_line
  LEVELS (yellow WHEN level > s.warn_line, orange WHEN level > 1.1 * s.warn_line,
          red WHEN level > 1.2 * s.warn_line)" > /dev/null
echo "gridpulse warning replay: flood_line over June 2024, SF=$sf sensors, $(nproc) cores" \
     "(load $(cut -d' ' -f1 /proc/loadavg)), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
"$gp" warnings run "$run/db" --from '2024-06-01 00:00' --to '2024-06-30 23:55' | tee "$run/out"
"$gp" "$run/db" --mode csv -c "SELECT ts, instance, state, level, previous_level, value
  FROM alert_history ORDER BY ts, instance, state" > "$run/hist.csv"
counts=$("$gp" "$run/db" --mode csv -c "SELECT state, count(*) AS n FROM alert_history
  GROUP BY state ORDER BY state" | tail -n +2 | awk -F, '{ printf "%s%s %s", s, $2, $1; s = ", " }')
echo "alert_history: $(($(wc -l < "$run/hist.csv") - 1)) rows ($counts)," \
     "sha1 $(tail -n +2 "$run/hist.csv" | sha1sum | cut -c1-12)"
