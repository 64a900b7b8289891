#!/usr/bin/env bash
# serve_load.sh - load test of `gridpulse serve` (not a ctest: it takes minutes and its figures
# depend on the machine). A CityBench database (bench/citybench.sh builds it) is served;
# WRITERS connections stream line-protocol readings of SENSORS sensors, one reading per sensor
# per second, while CLIENTS clients run the CityBench queries Q1..Q9 in turn, for SECONDS.
# Reported: rows/s acknowledged, query latency p50/p99 per query (and with one client alone,
# before the load, for the 16x rule of issue 15), the time from a write's acknowledgement to
# its visibility, and every error (there must be none).
#
#   bench/serve_load.sh [--sf 0.1] [--days 30] [--writers 4] [--sensors 2000] [--clients 16]
#                       [--seconds 60] [--build DIR]
#
# --days shortens the generated history (CityBench's readings are 2,000 sensors x 30 days x
# 288 a day = 17.28 M rows at every SF; --days 3 makes 1.7 M) for a quick run.
set -u
here=$(cd "$(dirname "$0")" && pwd)
sf=0.1 days=30 writers=4 sensors=2000 clients=16 seconds=60 build=$here/../build
while [ $# -gt 0 ]; do
  case $1 in
  --sf) sf=$2 ;;
  --writers) writers=$2 ;;
  --days) days=$2 ;;
  --sensors) sensors=$2 ;;
  --clients) clients=$2 ;;
  --seconds) seconds=$2 ;;
  --build) build=$2 ;;
  *) echo "usage: serve_load.sh [--sf X] [--days D] [--writers N] [--sensors N] [--clients N] [--seconds S] [--build DIR]" >&2; exit 2 ;;
  esac
  shift 2
done
gp=$build/gridpulse
tmp=$(mktemp -d "${TMPDIR:-/tmp}/serve_load.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$tmp"' EXIT
data=$build/citybench/serve_load_sf${sf}_d$days
db=$build/citybench/serve_load_sf${sf}_d$days.db
if [ ! -f "$data/events.csv" ]; then
  mkdir -p "$data"
  "$build/gp-citygen" --sf "$sf" --days "$days" --out "$data" >&2 || exit 1
fi
echo "serve_load: preparing $db (bench/citybench.sh --sf $sf --data $data)" >&2
"$here/citybench.sh" --sf "$sf" --data "$data" --db "$db" --runs 1 --build "$build" > /dev/null || exit 1

port=$((20000 + RANDOM % 40000))
"$gp" serve "$db" --listen 127.0.0.1:$port --quiet --max-active 128 2> "$tmp/serve.log" &
pid=$!
url=http://127.0.0.1:$port
for _ in $(seq 1 100); do grep -q 'serve: serving' "$tmp/serve.log" && break; sleep 0.1; done
grep -q 'serve: serving' "$tmp/serve.log" || { cat "$tmp/serve.log" >&2; exit 1; }
bucket=$(basename "$db")

q() { # q N: runs CityBench query N once; prints "seconds code"
  curl -s -o /dev/null -w '%{time_total} %{http_code}\n' -X POST "$url/v1/sql?format=csv" \
    --data-binary @"$here/citybench/q$1.sql"
}
pct() { # pct P: the P-th percentile of the numbers on stdin (nearest rank)
  sort -g | awk -v p="$1" '{ v[NR] = $1 } END { if (!NR) { print "-"; exit }
    k = int((p / 100) * NR + 0.999999); if (k < 1) k = 1; printf "%.1f", v[k] * 1000 }'
}

# one client alone, before the load
for n in 1 2 3 4 5 6 7 8 9; do
  for _ in 1 2 3; do q $n | sed "s/^/$n /"; done
done > "$tmp/alone.txt"

end=$(($(date +%s) + seconds))
writer() { # writer W: sensors W, W+writers, ... one reading each per second
  local w=$1
  while [ "$(date +%s)" -lt $end ]; do
    local t=$(date +%s)
    awk -v w="$w" -v n="$sensors" -v k="$writers" -v t="$t" 'BEGIN {
      for (s = w; s < n; s += k) printf "lp_readings,sensor_id=s%05d value=%.3f %d\n", s, (s * 7 + t) % 1000 / 10, t }' \
      > "$tmp/batch.$w"
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -X POST \
      "$url/api/v2/write?bucket=$bucket&precision=s" --data-binary @"$tmp/batch.$w" |
      sed "s/^/$(wc -l < "$tmp/batch.$w") /" >> "$tmp/writes.$w"
    while [ "$(date +%s)" -eq $t ]; do sleep 0.05; done
  done
}
client() { # client C: Q1..Q9 in turn, starting at a different query each
  local c=$1 n=$(($1 % 9 + 1))
  while [ "$(date +%s)" -lt $end ]; do
    q $n | sed "s/^/$n /" >> "$tmp/queries.$c"
    n=$((n % 9 + 1))
  done
}
probe() { # acknowledgement to visibility, once a second
  local k=0
  while [ "$(date +%s)" -lt $end ]; do
    k=$((k + 1))
    curl -s -o /dev/null -X POST "$url/api/v2/write?bucket=$bucket" \
      --data-binary "lp_probe,k=p$k n=${k}i"
    local t0=$(date +%s.%N) # acknowledged: from here until a query sees it
    until [ "$(curl -s -X POST "$url/v1/sql?format=csv" --data-binary \
      "SELECT count(*) FROM lp_probe WHERE k = 'p$k'" | tail -n 1)" = 1 ]; do :; done
    echo "$(date +%s.%N) $t0" | awk '{ printf "%.4f\n", $1 - $2 }' >> "$tmp/visible.txt"
    sleep 1
  done
}
t0=$(date +%s.%N)
for w in $(seq 0 $((writers - 1))); do writer $w & done
for c in $(seq 1 "$clients"); do client $c & done
probe &
wait $(jobs -p | grep -v "^$pid$") 2> /dev/null
elapsed=$(echo "$(date +%s.%N) $t0" | awk '{ print $1 - $2 }')

rows=$(cat "$tmp"/writes.* 2> /dev/null | awk '$2 == 204 { n += $1 } END { print n + 0 }')
werr=$(cat "$tmp"/writes.* 2> /dev/null | awk '$2 != 204' | wc -l)
qerr=$(cat "$tmp"/queries.* 2> /dev/null | awk '$3 != 200' | wc -l)
echo "gridpulse serve load test: SF=$sf, $writers writers x $sensors sensors/s, $clients query clients," \
  "${seconds} s, $(nproc) cores (load $(cut -d' ' -f1 /proc/loadavg)), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
printf 'ingest: %d rows acknowledged in %.1f s = %.0f rows/s (target %d); write p50 %s ms, p99 %s ms\n' \
  "$rows" "$elapsed" "$(echo "$rows $elapsed" | awk '{ print $1 / $2 }')" "$sensors" \
  "$(cat "$tmp"/writes.* | awk '{ print $3 }' | pct 50)" "$(cat "$tmp"/writes.* | awk '{ print $3 }' | pct 99)"
printf 'ack to visible: p50 %s ms, p99 %s ms\n' "$(pct 50 < "$tmp/visible.txt")" "$(pct 99 < "$tmp/visible.txt")"
printf '%-5s %8s %12s %12s %12s %8s\n' query runs "alone p50" "p50 ms" "p99 ms" "p99/alone"
for n in 1 2 3 4 5 6 7 8 9; do
  a=$(awk -v n=$n '$1 == n { print $2 }' "$tmp/alone.txt" | pct 50)
  runs=$(cat "$tmp"/queries.* | awk -v n=$n '$1 == n' | wc -l)
  p50=$(cat "$tmp"/queries.* | awk -v n=$n '$1 == n { print $2 }' | pct 50)
  p99=$(cat "$tmp"/queries.* | awk -v n=$n '$1 == n { print $2 }' | pct 99)
  printf 'Q%-4s %8d %12s %12s %12s %8s\n' $n "$runs" "$a" "$p50" "$p99" \
    "$(echo "$p99 $a" | awk '{ if ($2 > 0) printf "%.1f", $1 / $2; else print "-" }')"
done
echo "errors: $werr writes, $qerr queries"
kill -TERM $pid
wait $pid
pid=
[ "$werr" -eq 0 ] && [ "$qerr" -eq 0 ]
