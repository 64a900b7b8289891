#!/bin/bash
# CityBench side by side: gridpulse, PostgreSQL 15 + PostGIS 3 and DuckDB load the same files and
# answer Q1..Q9 (../shared/CITYBENCH.md) in one run; one table of times, rows, checksums and
# ratios, plus load speed and bytes on disk, and the same as JSON.
#
#   bench/sidebyside.sh [--sf 1] [--runs 5] [--build DIR] [--data DIR]
#                       [--systems gridpulse,postgis,duckdb] [--port 54329] [--json FILE]
#
#   --sf X        scale factor (X million events)                             default 1
#   --runs N      timed runs per query and system, after a warm-up round      default 5
#   --build DIR   cmake build directory with gridpulse and gp-citygen         default <repo>/build
#                 (scratch space: DIR/peers holds the databases, PostgreSQL's data directory and
#                 the DuckDB module)
#   --data DIR    the CityBench files; gp-citygen writes what is missing     default <build>/citybench/sfX
#   --systems L   which systems, comma-separated                              default all three
#   --port P      PostgreSQL's port on 127.0.0.1                              default 54329
#   --json FILE   where the JSON goes                          default <build>/peers/sidebyside.sfX.json
#
# On a fresh Debian machine it installs what is missing (apt-get: postgresql-15,
# postgresql-15-postgis-3, nodejs, npm, proj-bin; npm: @duckdb/node-api into <build>/peers/duckdb,
# never into the repository), so run it as root there. PostgreSQL runs as the postgres user from
# a scratch data directory, listens on 127.0.0.1 only and is stopped on exit. Nothing but
# loopback is contacted after the installs.
#
# Timing: every timed run is one fresh client process (gridpulse, psql, node) that runs the
# statement twice and reports the second: warm caches, no start-up, results built but not
# printed. gridpulse: EXPLAIN ANALYZE "total" (all after parsing). PostgreSQL: EXPLAIN (ANALYZE,
# TIMING OFF) planning + execution time. DuckDB: wall time of runAndReadAll in the Node process.
# Rounds alternate the systems (the first system moves each round) after one untimed round.
#
# A query that fails on a system is reported as `failed` there and the run goes on. Exit status:
# 1 if any query failed or any checksum differs from PostGIS's, 2 on a usage or setup error.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
here="$repo/bench"
sf=1 runs=5 build="$repo/build" data= systems=gridpulse,postgis,duckdb port=54329 json=
duckdb_version=1.5.6-r.1
die() { echo "sidebyside: $*" >&2; exit 2; }
say() { echo "sidebyside: $*" >&2; }
while [ $# -gt 0 ]; do
  case $1 in
    --sf | --runs | --build | --data | --systems | --port | --json) [ $# -ge 2 ] || die "$1 needs a value" ;;
  esac
  case $1 in
    --sf) sf=$2; shift ;;
    --runs) runs=$2; shift ;;
    --build) build=$2; shift ;;
    --data) data=$2; shift ;;
    --systems) systems=$2; shift ;;
    --port) port=$2; shift ;;
    --json) json=$2; shift ;;
    -h | --help) sed -n '2,32p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs wants a positive integer"
[[ $port =~ ^[0-9]+$ ]] || die "--port wants a number"
[ -d "$build" ] || die "no build directory $build (cmake -S . -B build first)"
build=$(cd "$build" && pwd)
: "${data:=$build/citybench/sf$sf}"
work="$build/peers"
: "${json:=$work/sidebyside.sf$sf.json}"
mkdir -p "$work"
sys=()
for s in ${systems//,/ }; do
  case $s in gridpulse | postgis | duckdb) sys+=("$s") ;; *) die "unknown system $s" ;; esac
done
[ ${#sys[@]} -gt 0 ] || die "no systems"
has() { [[ ",$systems," == *",$1,"* ]]; }
gp="$build/gridpulse"
has gridpulse && { [ -x "$gp" ] || die "no gridpulse in $build: cmake --build $build --target gridpulse gp-citygen"; }

# 0. install what is missing
pgbin=/usr/lib/postgresql/15/bin
apt_missing=()
if has postgis; then
  [ -x "$pgbin/initdb" ] || apt_missing+=(postgresql-15)
  [ -f /usr/share/postgresql/15/extension/postgis.control ] || apt_missing+=(postgresql-15-postgis-3)
fi
if has duckdb; then
  command -v node >/dev/null || apt_missing+=(nodejs)
  command -v npm >/dev/null || apt_missing+=(npm)
  command -v cs2cs >/dev/null || apt_missing+=(proj-bin)
fi
if [ ${#apt_missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing ${apt_missing[*]}: run as root or apt-get install them"
  say "installing ${apt_missing[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_missing[@]}" >&2
fi
if has duckdb; then
  export NODE_PATH="$work/duckdb/node_modules"
  if [ ! -f "$NODE_PATH/@duckdb/node-api/package.json" ] ||
     ! grep -q "\"version\": \"$duckdb_version\"" "$NODE_PATH/@duckdb/node-api/package.json"; then
    say "npm install @duckdb/node-api@$duckdb_version into $work/duckdb"
    mkdir -p "$work/duckdb"
    npm install --prefix "$work/duckdb" --no-audit --no-fund "@duckdb/node-api@$duckdb_version" >&2
  fi
fi

# 1. data: events, sensors, readings as citybench.sh does; regions and the district from
# gp-citygen --only regions (the same at every SF) when the data directory lacks them
have=0
for f in events sensors readings; do [ -f "$data/$f.csv" ] && have=$((have + 1)); done
if [ $have -eq 0 ]; then
  [ -x "$build/gp-citygen" ] || die "no data in $data and no gp-citygen in $build"
  mkdir -p "$data"
  say "generating SF=$sf into $data"
  "$build/gp-citygen" --sf "$sf" --out "$data" >&2
elif [ $have -ne 3 ]; then
  die "$data holds some of events.csv, sensors.csv, readings.csv but not all: fix or remove it"
fi
data=$(cd "$data" && pwd)
regdir=$data
if [ ! -f "$data/regions.csv" ] || [ ! -f "$data/district.wkt" ]; then
  regdir="$work/regions"
  if [ ! -f "$regdir/regions.csv" ] || [ ! -f "$regdir/district.wkt" ]; then
    [ -x "$build/gp-citygen" ] || die "no regions.csv in $data and no gp-citygen in $build"
    mkdir -p "$regdir"
    "$build/gp-citygen" --sf "$sf" --out "$regdir" --only regions >&2
  fi
fi
# one directory with all five files, which the peers' load scripts read
view="$work/data.sf$sf"
rm -rf "$view"
mkdir -p "$view"
for f in events.csv sensors.csv readings.csv; do ln -s "$data/$f" "$view/$f"; done
for f in regions.csv district.wkt; do ln -s "$regdir/$f" "$view/$f"; done
n_events=$(($(wc -l < "$data/events.csv") - 1))
n_readings=$(($(wc -l < "$data/readings.csv") - 1))
say "data $data: $n_events events, $n_readings readings"

tmp=$(mktemp -d)
pg_started=0
pgdata="$work/pg"
cleanup() {
  if [ $pg_started = 1 ]; then
    su postgres -s /bin/sh -c "$pgbin/pg_ctl -D '$pgdata' -m fast -w stop" >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
psql_() { PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"; }
pgq() { psql_ -d citybench "$@"; }

# 2. loads: "load to queryable" seconds for events and readings, and the bytes each adds
declare -A load_s load_b
if has gridpulse; then
  gdb="$work/gp.sf$sf"
  rm -rf "$gdb"
  # an empty database, the baseline of the bytes below (compact no longer creates one)
  "$gp" "$gdb" -c "DROP TABLE IF EXISTS gp_none" >/dev/null 2>&1 &&
    "$gp" compact "$gdb" >/dev/null 2>&1 || die "gridpulse compact (empty) failed"
  b0=$(du -sb "$gdb" | cut -f1)
  sync; t0=$(now)
  "$gp" load "$gdb" events "$data/events.csv" --key id --crs EPSG:32650 --quiet >&2
  t1=$(now)
  load_s[gridpulse,events]=$(secs "$t0" "$t1")
  "$gp" compact "$gdb" >/dev/null
  b1=$(du -sb "$gdb" | cut -f1)
  "$gp" load "$gdb" sensors "$data/sensors.csv" --key sensor_id --quiet >&2
  "$gp" compact "$gdb" >/dev/null
  b2=$(du -sb "$gdb" | cut -f1)
  sync; t0=$(now)
  "$gp" load "$gdb" readings "$data/readings.csv" --location-from 'sensors(sensor_id)' --quiet >&2
  t1=$(now)
  load_s[gridpulse,readings]=$(secs "$t0" "$t1")
  "$gp" compact "$gdb" >/dev/null
  b3=$(du -sb "$gdb" | cut -f1)
  load_b[gridpulse,events]=$((b1 - b0))
  load_b[gridpulse,readings]=$((b3 - b2))
  # the region layers and the grid_ids table Q3/Q4 read, set up as bench/citybench.sh does it
  # (untimed, like the peers' regions); a gridpulse without regions just fails those queries
  { echo region_id,wkt; printf 'district,"%s"\n' "$(tr -d '\r\n' < "$view/district.wkt")"; } \
    > "$tmp/district.csv"
  cut -d, -f1 "$view/regions.csv" > "$tmp/grid_ids.csv"
  if ! "$gp" "$gdb" -c "CREATE REGIONS grids FROM '$view/regions.csv' (id region_id);
      CREATE REGIONS district FROM '$tmp/district.csv' (id region_id);" >"$tmp/reg.log" 2>&1 ||
     ! "$gp" load "$gdb" grid_ids "$tmp/grid_ids.csv" --quiet >>"$tmp/reg.log" 2>&1; then
    say "gridpulse could not load the regions: $(head -c 300 "$tmp/reg.log")"
  fi
  say "gridpulse loaded: events ${load_s[gridpulse,events]} s, readings ${load_s[gridpulse,readings]} s"
fi

if has postgis; then
  id postgres >/dev/null 2>&1 || die "no postgres user (postgresql-15 installs it)"
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    rm -rf "$pgdata"
    mkdir -p "$pgdata"
    chown postgres: "$pgdata"
    chmod 700 "$pgdata"
    su postgres -s /bin/sh -c "$pgbin/initdb -D '$pgdata' -A trust -U postgres -E UTF8 --no-locale" >/dev/null
  fi
  # loopback only; bulk-load settings any analyst would use (COPY without WAL into new tables);
  # memory sized for this 24 GB machine
  opts="-p $port -k $pgdata -c listen_addresses=127.0.0.1 -c shared_buffers=4GB"
  opts="$opts -c work_mem=256MB -c maintenance_work_mem=2GB -c wal_level=minimal"
  opts="$opts -c max_wal_senders=0 -c max_wal_size=16GB -c checkpoint_timeout=30min"
  opts="$opts -c effective_cache_size=16GB -c random_page_cost=1.1 -c jit=off"
  su postgres -s /bin/sh -c "$pgbin/pg_ctl -D '$pgdata' -l '$pgdata/server.log' -w -o '$opts' start" >/dev/null ||
    die "PostgreSQL did not start: see $pgdata/server.log"
  pg_started=1
  psql_ -d postgres -c 'DROP DATABASE IF EXISTS citybench' -c 'CREATE DATABASE citybench' >/dev/null
  pgq -v data="$view" -f "$here/peers/postgis/load.sql" >/dev/null
  sync; t0=$(now)
  pgq -v data="$view" -f "$here/peers/postgis/load_events.sql" >/dev/null
  t1=$(now)
  load_s[postgis,events]=$(secs "$t0" "$t1")
  sync; t0=$(now)
  pgq -v data="$view" -f "$here/peers/postgis/load_readings.sql" >/dev/null
  t1=$(now)
  load_s[postgis,readings]=$(secs "$t0" "$t1")
  load_b[postgis,events]=$(pgq -At -c "SELECT pg_total_relation_size('events')")
  load_b[postgis,readings]=$(pgq -At -c "SELECT pg_total_relation_size('readings')")
  [ "$(pgq -At -c 'SELECT count(*) FROM events')" = "$n_events" ] || die "PostgreSQL lost events"
  [ "$(pgq -At -c 'SELECT count(*) FROM readings')" = "$n_readings" ] || die "PostgreSQL lost readings"
  say "postgis loaded: events ${load_s[postgis,events]} s, readings ${load_s[postgis,readings]} s"
  # Untimed, as any DBA does after a bulk load: without it PostgreSQL's insert-triggered
  # autovacuum (13+) reads both tables in the background while the first queries of every
  # system are timed (one core of two, for tens of seconds at SF = 10).
  pgq -c 'VACUUM events' -c 'VACUUM readings' >/dev/null
fi

if has duckdb; then
  ddb="$work/duckdb/city.sf$sf.duckdb"
  run=(node "$here/peers/duckdb/run.mjs")
  rm -f "$ddb" "$ddb.wal"
  "${run[@]}" "$ddb" --set data="$view" --exec "$here/peers/duckdb/load.sql" >/dev/null
  a=$(stat -c %s "$ddb")
  # DuckDB has no PROJ offline: PROJ's cs2cs projects every event once, and that is part of
  # DuckDB's load time (lat first for EPSG:4326; line order is kept)
  xy="$work/duckdb/xy.sf$sf.csv"
  sync; t0=$(now)
  awk -F, 'NR > 1 { print $4, $3 }' "$data/events.csv" |
    cs2cs -f %.10f EPSG:4326 EPSG:32650 | awk '{ print $1 "," $2 }' > "$xy"
  tp=$(now)
  proj_s=$(secs "$t0" "$tp")
  "${run[@]}" "$ddb" --set data="$view" --set xy="$xy" --exec "$here/peers/duckdb/load_events.sql" >/dev/null
  t1=$(now)
  [ "$(wc -l < "$xy")" = "$n_events" ] || die "cs2cs wrote $(wc -l < "$xy") lines for $n_events events"
  load_s[duckdb,events]=$(secs "$t0" "$t1")
  b=$(stat -c %s "$ddb")
  sync; t0=$(now)
  "${run[@]}" "$ddb" --set data="$view" --exec "$here/peers/duckdb/load_readings.sql" >/dev/null
  t1=$(now)
  load_s[duckdb,readings]=$(secs "$t0" "$t1")
  c=$(stat -c %s "$ddb")
  load_b[duckdb,events]=$((b - a))
  load_b[duckdb,readings]=$((c - b))
  rm -f "$xy"
  say "duckdb loaded: events ${load_s[duckdb,events]} s (of which cs2cs $proj_s s), readings ${load_s[duckdb,readings]} s"
fi

# 3. queries. Q5c is Q5 per 1 km cell (q5cell.sql for every system).
gp_sql() {
  local f="$here/citybench/q${1/5c/5cell}.sql"
  [ -f "$f" ] && echo "$f"
  return 0
}
peer_sql() { # system query
  local f="$here/peers/$1/q${2/5c/5cell}.sql"
  [ -f "$f" ] && echo "$f"
  return 0
}
sql_of() { if [ "$1" = gridpulse ]; then gp_sql "$2"; else peer_sql "$1" "$2"; fi; }

# one timed run: ms of the second of two executions in one fresh client process
time_once() { # system file
  local out
  case $1 in
    gridpulse)
      { printf 'EXPLAIN ANALYZE\n%s\n' "$(cat "$2")"; printf 'EXPLAIN ANALYZE\n%s\n' "$(cat "$2")"; } > "$tmp/t.sql"
      out=$("$gp" "$gdb" -f "$tmp/t.sql" --mode csv 2>&1) || { echo "$out" >&2; return 1; }
      echo "$out" | sed -n 's/^"*total: \([0-9.]*\) ms.*/\1/p' | tail -n 1 ;;
    postgis)
      { echo "EXPLAIN (ANALYZE, TIMING OFF) $(cat "$2")"; echo "EXPLAIN (ANALYZE, TIMING OFF) $(cat "$2")"; } > "$tmp/t.sql"
      out=$(pgq -At -f "$tmp/t.sql" 2>&1) || { echo "$out" >&2; return 1; }
      echo "$out" | awk '/^Planning Time:/ { p = $3 } /^Execution Time:/ { e = $3 } END { printf "%.3f\n", p + e }' ;;
    duckdb)
      out=$("${run[@]}" "$ddb" --time "$2" 1 2>&1) || { echo "$out" >&2; return 1; }
      echo "$out" | sed -n 's/^ms //p' | tail -n 1 ;;
  esac
}
# the answer as CSV rows without a header
answer() { # system file
  case $1 in
    gridpulse) "$gp" "$gdb" -f "$2" --mode csv | tail -n +2 ;;
    postgis) pgq -At -F, -f "$2" ;;
    duckdb) "${run[@]}" "$ddb" --csv "$2" ;;
  esac
}

queries=(1 2 3 4 5 5c 6 7 8 9)
declare -A med mn nrows sum failed
for q in "${queries[@]}"; do
  active=()
  for s in "${sys[@]}"; do [ -n "$(sql_of "$s" "$q")" ] && active+=("$s"); done
  for s in "${active[@]}"; do : > "$tmp/times.$s"; done
  # a query that fails on one system is reported as failed there (exit status 1), not fatal
  for ((r = 0; r <= runs; r++)); do
    k=${#active[@]}
    for ((i = 0; i < k; i++)); do
      s=${active[$(((i + r) % k))]}
      [ -z "${failed[$s,$q]:-}" ] || continue
      if ! t=$(time_once "$s" "$(sql_of "$s" "$q")" 2>"$tmp/err") || [ -z "$t" ]; then
        say "Q$q on $s failed: $(head -c 300 "$tmp/err")"
        failed[$s,$q]=1
        continue
      fi
      [ $r -gt 0 ] && echo "$t" >> "$tmp/times.$s"
    done
  done
  for s in "${active[@]}"; do
    [ -z "${failed[$s,$q]:-}" ] || continue
    med[$s,$q]=$(sort -g "$tmp/times.$s" | awk '{ v[NR] = $1 } END {
      printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
    mn[$s,$q]=$(sort -g "$tmp/times.$s" | head -n 1 | awk '{ printf "%.2f", $1 }')
    if ! answer "$s" "$(sql_of "$s" "$q")" > "$tmp/a.$s" 2>"$tmp/err"; then
      say "Q$q on $s failed: $(head -c 300 "$tmp/err")"
      failed[$s,$q]=1
      unset "med[$s,$q]"
      continue
    fi
    nrows[$s,$q]=$(grep -c '' "$tmp/a.$s" || true)
    sum[$s,$q]=$("$here/citybench/checksum.sh" < "$tmp/a.$s")
  done
  say "Q$q done"
done

# 4. the table and the JSON
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
git=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
loadavg=$(cut -d' ' -f1 /proc/loadavg)
stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
pgver=$(has postgis && pgq -At -c "SELECT split_part(version(), ' ', 2) || ' + PostGIS ' || postgis_lib_version()" || echo -)
echo "CityBench side by side: SF=$sf, $runs runs after a warm-up round, gridpulse ${build_type:-?} build $build ($git)," \
     "PostgreSQL $pgver, DuckDB $duckdb_version, $(nproc) cores (load $loadavg), $stamp"
printf '%-5s %-10s %10s %10s %8s  %-12s  %-9s %8s\n' query system "median ms" "min ms" rows checksum "=PostGIS" "gp/best"
jq_q=
status=0
for q in "${queries[@]}"; do
  best=
  for s in postgis duckdb; do
    [ -n "${med[$s,$q]:-}" ] || continue
    if [ -z "$best" ] || awk -v a="${med[$s,$q]}" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=${med[$s,$q]}; fi
  done
  jq_s=
  for s in "${sys[@]}"; do
    if [ -n "${failed[$s,$q]:-}" ]; then
      printf 'Q%-4s %-10s %10s\n' "$q" "$s" "failed"
      jq_s="$jq_s,\"$s\":{\"supported\":true,\"failed\":true}"
      status=1
      continue
    fi
    if [ -z "${med[$s,$q]:-}" ]; then
      printf 'Q%-4s %-10s %10s\n' "$q" "$s" "not supported"
      jq_s="$jq_s,\"$s\":{\"supported\":false}"
      continue
    fi
    same=-
    if [ -n "${sum[postgis,$q]:-}" ] && [ "$s" != postgis ]; then
      if [ "${sum[$s,$q]}" = "${sum[postgis,$q]}" ]; then same=yes; else same=NO; status=1; fi
    fi
    ratio=
    if [ "$s" = gridpulse ] && [ -n "$best" ]; then
      ratio=$(awk -v a="${med[$s,$q]}" -v b="$best" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
    fi
    printf 'Q%-4s %-10s %10s %10s %8d  %-12s  %-9s %8s\n' "$q" "$s" "${med[$s,$q]}" "${mn[$s,$q]}" \
      "${nrows[$s,$q]}" "${sum[$s,$q]}" "$same" "$ratio"
    jq_s="$jq_s,\"$s\":{\"supported\":true,\"median_ms\":${med[$s,$q]},\"min_ms\":${mn[$s,$q]},\"rows\":${nrows[$s,$q]},\"checksum\":\"${sum[$s,$q]}\""
    [ "$same" != - ] && jq_s="$jq_s,\"same_as_postgis\":$([ "$same" = yes ] && echo true || echo false)"
    [ -n "$ratio" ] && jq_s="$jq_s,\"ratio_to_best_peer\":$ratio"
    jq_s="$jq_s}"
  done
  jq_q="$jq_q,\"Q$q\":{${jq_s#,}}"
done
echo
printf '%-10s %10s %14s %10s %14s %10s %10s\n' load "events s" "events rows/s" "readings s" "readings rows/s" "B/event" "B/reading"
jq_l=
for s in "${sys[@]}"; do
  es=${load_s[$s,events]} rs=${load_s[$s,readings]}
  line=$(awk -v es="$es" -v rs="$rs" -v ne="$n_events" -v nr="$n_readings" \
    -v be="${load_b[$s,events]}" -v br="${load_b[$s,readings]}" 'BEGIN {
      printf "%.0f %.0f %.2f %.2f", ne / es, nr / rs, be / ne, br / nr }')
  read -r er rr bpe bpr <<< "$line"
  printf '%-10s %10s %14s %10s %14s %10s %10s\n' "$s" "$es" "$er" "$rs" "$rr" "$bpe" "$bpr"
  jq_l="$jq_l,\"$s\":{\"events_s\":$es,\"events_rows_per_s\":$er,\"readings_s\":$rs,\"readings_rows_per_s\":$rr,\"events_bytes\":${load_b[$s,events]},\"readings_bytes\":${load_b[$s,readings]},\"bytes_per_event\":$bpe,\"bytes_per_reading\":$bpr}"
done
echo "{\"bench\":\"sidebyside\",\"sf\":$sf,\"runs\":$runs,\"events\":$n_events,\"readings\":$n_readings,\"build_type\":\"${build_type:-}\",\"git\":\"$git\",\"postgres\":\"$pgver\",\"duckdb\":\"$duckdb_version\",\"cores\":$(nproc),\"loadavg\":$loadavg,\"time\":\"$stamp\",\"queries\":{${jq_q#,}},\"load\":{${jq_l#,}}}" > "$json"
echo
echo "JSON: $json"
exit $status
