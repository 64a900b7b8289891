#!/bin/bash
# CityBench queries Q1 to Q9 in gridpulse SQL (bench/citybench/qN.sql): times, row
# counts and checksums, optionally checked against a brute-force answer from the CSV files.
#
#   bench/citybench.sh [--sf 1] [--runs 5] [--db DIR] [--data DIR] [--build DIR] [--verify]
#
#   --sf X       scale factor (X million events)                              default 1
#   --runs N     timed runs per query after one warm-up                       default 5
#   --db DIR     the database; loaded from the CSVs unless DIR/.citybench says it holds them
#                                                       default <build>/citybench/db.sfX
#   --data DIR   the CityBench CSVs; written by gp-citygen when missing (regions.csv and
#                district.wkt alone are added to a directory that lacks them) default <build>/citybench/sfX
#   --build DIR  cmake build directory holding gridpulse and gp-citygen       default <repo>/build
#   --verify     also compute each answer with bench/citybench/brute.sh (awk over the CSVs) and
#                compare checksums: prints OK or FAIL per query, exit status 1 on any FAIL
#
# Time: each query runs in one gridpulse process as EXPLAIN ANALYZE, once to warm up and then N
# times; the figure is the "total" line of each run: parse excluded, everything else included
# (WITH queries, scan, join, aggregation, sort, building the result rows) except printing them.
# Rows and checksum come from one more plain run with --mode csv (bench/citybench/checksum.sh).
#
# Regions: the database holds the region layers `grids` (regions.csv, ids G001..G992) and
# `district` (district.wkt as a one-row CSV, id 'district'), and the table `grid_ids`
# (region_id TEXT, the 992 ids) from which Q4 LEFT JOINs its counts to zero-fill them.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
here="$repo/bench/citybench"
sf=1 runs=5 db= data= build="$repo/build" verify=0
die() { echo "citybench: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --sf | --runs | --db | --data | --build) [ $# -ge 2 ] || die "$1 needs a value" ;;
  esac
  case $1 in
    --sf) sf=$2; shift ;;
    --runs) runs=$2; shift ;;
    --db) db=$2; shift ;;
    --data) data=$2; shift ;;
    --build) build=$2; shift ;;
    --verify) verify=1 ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs wants a positive integer"
: "${data:=$build/citybench/sf$sf}"
: "${db:=$build/citybench/db.sf$sf}"
gp="$build/gridpulse"
[ -x "$gp" ] || die "no gridpulse in '$build': cmake --build $build --target gridpulse gp-citygen"

# 1. data: reuse the three CSVs, or generate all three (never overwrite a partial set)
have=0
for f in events sensors readings; do [ -f "$data/$f.csv" ] && have=$((have + 1)); done
if [ $have -eq 0 ]; then
  [ -x "$build/gp-citygen" ] || die "no data in $data and no gp-citygen in $build"
  mkdir -p "$data"
  echo "citybench: generating SF=$sf into $data" >&2
  "$build/gp-citygen" --sf "$sf" --out "$data" --only events,sensors,readings >&2
elif [ $have -ne 3 ]; then
  die "$data holds some of events.csv, sensors.csv, readings.csv but not all: fix or remove it"
fi
if [ ! -f "$data/regions.csv" ] || [ ! -f "$data/district.wkt" ]; then
  [ -x "$build/gp-citygen" ] || die "no regions.csv/district.wkt in $data and no gp-citygen in $build"
  echo "citybench: generating the regions of SF=$sf into $data" >&2
  "$build/gp-citygen" --sf "$sf" --out "$data" --only regions >&2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 2. database: load once, remember what it holds
stamp="sf=$sf data=$(cd "$data" && pwd)"
if [ ! -f "$db/.citybench" ] || [ "$(cat "$db/.citybench")" != "$stamp" ]; then
  [ ! -e "$db" ] || [ -f "$db/.citybench" ] || [ -z "$(ls -A "$db" 2>/dev/null)" ] ||
    die "$db exists and was not made by citybench.sh: choose another --db"
  rm -rf "$db"
  mkdir -p "$(dirname "$db")"
  echo "citybench: loading $data into $db" >&2
  "$gp" load "$db" events "$data/events.csv" --key id --crs EPSG:32650 >&2
  "$gp" load "$db" sensors "$data/sensors.csv" --key sensor_id >&2
  "$gp" load "$db" readings "$data/readings.csv" --location-from 'sensors(sensor_id)' >&2
  echo "$stamp" > "$db/.citybench"
fi
# 3. regions, added once to a database that lacks them (databases loaded before Q3/Q4/Q6 too)
if [ ! -f "$db/.citybench.regions" ]; then
  echo "citybench: adding the regions of $data to $db" >&2
  { echo region_id,wkt; printf 'district,"%s"\n' "$(tr -d '\r\n' < "$data/district.wkt")"; } \
    > "$tmp/district.csv"
  cut -d, -f1 "$data/regions.csv" > "$tmp/grid_ids.csv"
  "$gp" "$db" -c "DROP REGIONS IF EXISTS grids; DROP REGIONS IF EXISTS district;
    DROP TABLE IF EXISTS grid_ids;
    CREATE REGIONS grids FROM '$data/regions.csv' (id region_id);
    CREATE REGIONS district FROM '$tmp/district.csv' (id region_id);" >&2
  "$gp" load "$db" grid_ids "$tmp/grid_ids.csv" >&2
  echo "$stamp" > "$db/.citybench.regions"
fi
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
echo "gridpulse CityBench: SF=$sf, $runs runs after a warm-up, ${build_type:-?} build $build," \
     "$(nproc) cores (load $(cut -d' ' -f1 /proc/loadavg)), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
printf '%-5s %10s %10s %8s  %-12s%s\n' query "median ms" "min ms" rows checksum \
  "$([ $verify = 1 ] && echo '  brute force')"
fail=0
for q in 1 2 3 4 5 5c 6 7 8 9; do
  sql="$here/q${q/5c/5cell}.sql"
  # timed: N + 1 EXPLAIN ANALYZE statements in one process
  for ((i = 0; i <= runs; i++)); do printf 'EXPLAIN ANALYZE\n%s\n' "$(cat "$sql")"; done > "$tmp/t.sql"
  "$gp" "$db" -f "$tmp/t.sql" --mode csv > "$tmp/t.out" 2>&1 ||
    { cat "$tmp/t.out" >&2; die "Q$q failed"; }
  times=$(sed -n 's/^"*total: \([0-9.]*\) ms.*/\1/p' "$tmp/t.out" | tail -n +2)
  [ "$(echo "$times" | wc -l)" -eq "$runs" ] || die "Q$q: expected $runs timings in $tmp/t.out"
  med=$(echo "$times" | sort -g | awk '{ v[NR] = $1 } END {
    printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
  min=$(echo "$times" | sort -g | head -n 1)
  # answer: one plain run
  "$gp" "$db" -f "$sql" --mode csv > "$tmp/r.out" 2>&1 || { cat "$tmp/r.out" >&2; die "Q$q failed"; }
  rows=$(($(wc -l < "$tmp/r.out") - 1))
  sum=$(tail -n +2 "$tmp/r.out" | "$here/checksum.sh")
  extra=
  if [ $verify = 1 ]; then
    want=$("$here/brute.sh" "$data" "$q" | "$here/checksum.sh")
    if [ "$want" = "$sum" ]; then extra="  OK"; else extra="  FAIL (brute force $want)"; fail=1; fi
  fi
  printf 'Q%-4s %10s %10.2f %8d  %-12s%s\n' "$q" "$med" "$min" "$rows" "$sum" "$extra"
done
exit $fail
