#!/usr/bin/env bash
# load_bench.sh - CityBench load benchmark: how fast gridpulse turns the CSVs into a queryable,
# sealed database, and how many bytes per row that database takes on disk (see README.md).
#
#   bench/load_bench.sh [--sf 1] [--runs 3] [--build DIR] [--data DIR] [--tmp DIR] [--keep]
#
#   --sf X      scale factor (X million events; readings are always 17.28 M)      default 1
#   --runs N    timed runs; the table shows the median and the minimum             default 3
#   --build DIR cmake build directory holding gridpulse and gp-citygen    default <repo>/build
#   --data DIR  CityBench CSVs; generated there with gp-citygen if absent  default <build>/citybench/sfX
#   --tmp DIR   where the throw-away databases live                  default <build>/citybench/tmp
#   --keep      keep the databases (their paths are printed) instead of deleting them
#
# Per run, in fresh database directories:
#   E: load events   --key id --crs EPSG:32650                       (timed)
#   R: load sensors  --key sensor_id --crs EPSG:32650                 (timed, not tabled)
#      load readings --location-from 'sensors(sensor_id)'             (timed)
#   S: load sensors  alone, the baseline R's size is measured against
#   Z: nothing (`gridpulse compact` creates it), the baseline E's size is measured against
# then `gridpulse compact` on each and `du -sb`: events bytes = du(E) - du(Z), readings bytes =
# du(R) - du(S), i.e. what each table adds to a database. Wall time is taken by this script
# around the whole command, so it includes process start, parsing, sealing (load seals before it
# exits) and closing RocksDB.
#
# Output: progress on stderr; on stdout one table and, as the last line, one JSON object with the
# same numbers (`load_bench.sh | tail -n 1` for CI). Exit status 0, or 1 with a message.
set -euo pipefail

die() {
  echo "load_bench: $*" >&2
  exit 1
}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sf=1
runs=3
build="$repo/build"
data=""
tmp=""
keep=0

while [[ $# -gt 0 ]]; do
  case "$1" in
  --sf | --runs | --build | --data | --tmp)
    [[ $# -ge 2 ]] || die "$1 wants a value"
    case "$1" in
    --sf) sf=$2 ;;
    --runs) runs=$2 ;;
    --build) build=$2 ;;
    --data) data=$2 ;;
    --tmp) tmp=$2 ;;
    esac
    shift 2
    ;;
  --keep)
    keep=1
    shift
    ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
  *) die "unknown option '$1' (try --help)" ;;
  esac
done

if ! [[ $sf =~ ^[0-9]+([.][0-9]+)?$ ]] || ! awk -v s="$sf" 'BEGIN { exit !(s > 0) }'; then
  die "--sf wants a positive number, not '$sf'"
fi
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs wants a positive integer, not '$runs'"
sf=$(awk -v s="$sf" 'BEGIN { printf "%g", s }') # 1.0 -> 1, so sf1/ and the JSON agree
[[ -n $data ]] || data="$build/citybench/sf$sf"
[[ -n $tmp ]] || tmp="$build/citybench/tmp"

for tool in awk du date sync wc; do
  command -v "$tool" >/dev/null || die "needs '$tool' on PATH"
done

gp="$build/gridpulse"
gen="$build/gp-citygen"
if [[ ! -x $gp || ! -x $gen ]]; then
  die "no gridpulse / gp-citygen executables in '$build'. Build them first:
    cmake -S $repo -B $build -DCMAKE_BUILD_TYPE=RelWithDebInfo
    cmake --build $build --target gridpulse gp-citygen -j\$(nproc)
  or point --build at an existing build directory."
fi
build_type=unknown sanitizers=""
if [[ -f $build/CMakeCache.txt ]]; then
  # an empty cache entry means the top CMakeLists.txt's default, RelWithDebInfo
  build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt")
  build_type=${build_type:-RelWithDebInfo}
  sanitizers=$(sed -n 's/^GP_\([A-Z]*SAN\):BOOL=ON$/\1/p' "$build/CMakeCache.txt" | tr '\n' ' ')
fi
if [[ $build_type == Debug || -n $sanitizers ]]; then
  echo "load_bench: warning: '$build' is a $build_type build${sanitizers:+ with ${sanitizers% }};" \
    "its times say little about an optimised one" >&2
fi

# ---- data: reuse DIR when it holds exactly this SF, generate it when DIR has no CSVs -----------

n_events=$(awk -v s="$sf" 'BEGIN { printf "%.0f", s * 1e6 }')
n_sensors=2000
n_readings=17280000 # 2,000 sensors x 288 readings a day x 30 days, whatever the SF

# Prints the data rows (lines minus the header) of $1, or -1 if it is missing. Reading the files
# also puts them in the page cache, so every run below reads warm input, and the first run is not
# penalised for the disk.
data_rows() {
  if [[ -f $1 ]]; then
    echo $(($(wc -l <"$1") - 1))
  else
    echo -1
  fi
}

have_data() {
  [[ $(data_rows "$data/events.csv") -eq $n_events &&
    $(data_rows "$data/sensors.csv") -eq $n_sensors &&
    $(data_rows "$data/readings.csv") -eq $n_readings ]]
}

if ! have_data; then
  for f in events sensors readings; do
    # never overwrite someone's files: a mismatch means another SF or a broken earlier run
    [[ ! -e $data/$f.csv ]] ||
      die "$data/$f.csv exists but $data does not hold SF=$sf data ($n_events events," \
        "$n_sensors sensors, $n_readings readings); remove it or pass another --data"
  done
  echo "load_bench: generating SF=$sf into $data" >&2
  "$gen" --sf "$sf" --out "$data" --only events,sensors,readings ||
    die "gp-citygen failed"
  have_data || die "gp-citygen wrote unexpected row counts into $data"
fi

# ---- the runs -----------------------------------------------------------------------------------

# The tree the binaries were (presumably) built from, read before the runs: a commit landing
# while they run must not be credited with these numbers.
rev=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
# GIT_OPTIONAL_LOCKS=0: `git status` must not refresh (write) the index of a shared work tree
dirty=false
changes=$(GIT_OPTIONAL_LOCKS=0 git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null ||
  true)
[[ -z $changes ]] || dirty=true

# Other processes on the machine move these times more than anything else; record how busy it
# was when we started so a slow result can be told apart from a slow machine.
loadavg=$(awk '{ print $1 }' /proc/loadavg 2>/dev/null || echo -1)

mkdir -p "$tmp"
work=$(mktemp -d "$tmp/load.XXXXXX")
cleanup() {
  if [[ $keep -eq 1 ]]; then
    echo "load_bench: databases kept under $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

now() { date +%s.%N; }

# timed_load VAR DB TABLE FILE EXPECTED [options...]: runs one load, sets VAR to its wall
# seconds, and fails unless exactly EXPECTED rows were loaded with none rejected. No --quiet:
# the one summary line it suppresses is what proves the load was complete.
timed_load() {
  local var=$1 db=$2 table=$3 file=$4 expect=$5
  shift 5
  local log="$work/load.log" t0 t1 rc=0
  sync # the previous step's write-back must not land inside this measurement
  t0=$(now)
  "$gp" load "$db" "$table" "$file" "$@" 2>"$log" || rc=$?
  t1=$(now)
  [[ $rc -eq 0 ]] || die "gridpulse load $table failed (exit $rc): $(cat "$log")"
  # the summary line: "FILE: N rows loaded, R rejected, D duplicate keys skipped; ..."
  local line
  line=$(grep -E ': [0-9]+ rows loaded, [0-9]+ rejected' "$log" | tail -n 1) ||
    die "no summary line from gridpulse load $table: $(cat "$log")"
  [[ $line =~ :\ ([0-9]+)\ rows\ loaded,\ ([0-9]+)\ rejected ]] || die "cannot parse: $line"
  [[ ${BASH_REMATCH[1]} -eq $expect && ${BASH_REMATCH[2]} -eq 0 ]] ||
    die "$table: expected $expect rows and 0 rejected, got: $line"
  printf -v "$var" '%s' "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
}

# Compacts DB and prints its size in bytes: everything in the directory (SST files, WAL,
# MANIFEST, OPTIONS, info logs), as a user would count it.
compacted_bytes() {
  "$gp" compact "$1" >/dev/null 2>"$work/compact.log" ||
    die "gridpulse compact $1 failed: $(cat "$work/compact.log")"
  sync
  du -sb "$1" | awk '{ print $1 }'
}

# table_stats DB TABLE: prints "rows chunks rows_per_chunk encoded_bytes_per_row" from
# `gridpulse info`, whose second line per table reads
#   "  N rows: N sealed in C chunks (R rows/chunk, E bytes/row encoded), F fresh in B batches"
table_stats() {
  "$gp" info "$1" 2>"$work/info.log" | awk -v t="$2" '
    $1 == "table" && $2 == t { want = 1; next }
    want && /rows: / {
      gsub(/[(,]/, " ")
      for (i = 1; i <= NF; i++) {
        if ($(i + 1) == "rows:") rows = $i
        if ($(i + 1) == "chunks") chunks = $i
        if ($(i + 1) == "rows/chunk") rpc = $i
        if ($(i + 1) == "bytes/row") enc = $i
      }
      print rows, chunks, rpc, enc
      found = 1
      exit
    }
    END { exit !found }' ||
    die "no stats for table $2 in 'gridpulse info $1': $(cat "$work/info.log")"
}

ev_s=() se_s=() rd_s=() ev_b=() rd_b=() ev_db=() rd_db=()
for ((r = 1; r <= runs; r++)); do
  dbE="$work/run$r-events" dbR="$work/run$r-readings" dbS="$work/run$r-sensors"
  dbZ="$work/run$r-empty"
  timed_load te "$dbE" events "$data/events.csv" "$n_events" --key id --crs EPSG:32650
  timed_load ts "$dbR" sensors "$data/sensors.csv" "$n_sensors" --key sensor_id --crs EPSG:32650
  timed_load tr "$dbR" readings "$data/readings.csv" "$n_readings" \
    --location-from 'sensors(sensor_id)'
  timed_load tb "$dbS" sensors "$data/sensors.csv" "$n_sensors" --key sensor_id --crs EPSG:32650
  bE=$(compacted_bytes "$dbE")
  bR=$(compacted_bytes "$dbR")
  bS=$(compacted_bytes "$dbS")
  bZ=$(compacted_bytes "$dbZ")
  ev_s+=("$te") se_s+=("$ts") rd_s+=("$tr")
  ev_b+=("$((bE - bZ))") rd_b+=("$((bR - bS))") ev_db+=("$bE") rd_db+=("$bR")
  # chunk layout is taken from the last run; the loader is deterministic, so any run would do
  st=$(table_stats "$dbE" events)
  read -r ev_rows ev_chunks ev_rpc ev_enc <<<"$st"
  st=$(table_stats "$dbR" readings)
  read -r rd_rows rd_chunks rd_rpc rd_enc <<<"$st"
  [[ $ev_rows -eq $n_events && $rd_rows -eq $n_readings ]] ||
    die "gridpulse info counts $ev_rows events / $rd_rows readings after compaction"
  echo "load_bench: run $r/$runs: events $te s, sensors $ts s, readings $tr s;" \
    "disk events $((bE - bZ)) B (= $bE - $bZ), readings $((bR - bS)) B (= $bR - $bS)" >&2
  if [[ $keep -eq 0 ]]; then
    rm -rf "$dbE" "$dbR" "$dbS" "$dbZ"
  fi
done

# ---- report -------------------------------------------------------------------------------------

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
  printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
minimum() { printf '%s\n' "$@" | sort -g | head -n 1; }

ev_med=$(median "${ev_s[@]}") ev_min=$(minimum "${ev_s[@]}")
rd_med=$(median "${rd_s[@]}") rd_min=$(minimum "${rd_s[@]}")
# sizes come out the same in every run; the median only guards against a one-off
ev_bytes=$(median "${ev_b[@]}") ev_dbb=$(median "${ev_db[@]}")
rd_bytes=$(median "${rd_b[@]}") rd_dbb=$(median "${rd_db[@]}")
cores=$(nproc 2>/dev/null || echo 0)
stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)

awk -v sf="$sf" -v runs="$runs" -v build="$build" -v bt="${build_type:-unknown}" \
  -v rev="$rev" -v dirty="$dirty" -v cores="$cores" -v stamp="$stamp" -v la="$loadavg" \
  -v er="$n_events" -v emed="$ev_med" -v emin="$ev_min" -v eb="$ev_bytes" -v edb="$ev_dbb" \
  -v ec="$ev_chunks" -v erpc="$ev_rpc" -v eenc="$ev_enc" \
  -v rr="$n_readings" -v rmed="$rd_med" -v rmin="$rd_min" -v rb="$rd_bytes" -v rdb="$rd_dbb" \
  -v rc="$rd_chunks" -v rrpc="$rd_rpc" -v renc="$rd_enc" '
  function row(name, n, med, mn, b, c, rpc, enc) {
    printf "%-9s %11d %9.3f %9.3f %12.0f %10.2f %10.2f %8d %11.0f\n",
      name, n, med, mn, n / med, b / n, enc, c, rpc
  }
  function obj(n, med, mn, b, db, c, rpc, enc,    f) {
    f = "{\"rows\":%d,\"median_s\":%.3f,\"min_s\":%.3f,\"rows_per_s\":%.0f,"
    f = f "\"disk_bytes\":%d,\"disk_bytes_per_row\":%.3f,\"db_bytes\":%d,"
    f = f "\"encoded_bytes_per_row\":%.2f,\"chunks\":%d,\"rows_per_chunk\":%.0f}"
    return sprintf(f, n, med, mn, n / med, b, b / n, db, enc, c, rpc)
  }
  BEGIN {
    f = "gridpulse load benchmark: SF=%s, %d run%s, %s build %s, %s%s, %d cores (load %s), %s\n"
    printf f, sf, runs, (runs > 1 ? "s" : ""), bt, build, rev, (dirty == "true" ? "+dirty" : ""),
      cores, la, stamp
    printf "%-9s %11s %9s %9s %12s %10s %10s %8s %11s\n", "table", "rows", "median s",
      "min s", "rows/s", "disk B/row", "enc B/row", "chunks", "rows/chunk"
    row("events", er, emed, emin, eb, ec, erpc, eenc)
    row("readings", rr, rmed, rmin, rb, rc, rrpc, renc)
    f = "{\"bench\":\"load\",\"sf\":%s,\"runs\":%d,\"build_type\":\"%s\",\"git\":\"%s\","
    f = f "\"dirty\":%s,\"cores\":%d,\"loadavg\":%s,\"time\":\"%s\","
    f = f "\"events\":%s,\"readings\":%s}\n"
    printf f, sf, runs, bt, rev, dirty, cores, la, stamp,
      obj(er, emed, emin, eb, edb, ec, erpc, eenc), obj(rr, rmed, rmin, rb, rdb, rc, rrpc, renc)
  }'
