#!/usr/bin/env bash
# serve.sh - `gridpulse serve` on a free loopback port, driven with curl: every endpoint, the
# result formats, writes with per-row errors, line protocol, tokens (401, 403), files outside
# --allow-files, 413, a query past its timeout, 503 when overloaded, a reader process beside
# the server, and SIGTERM (exit 0, everything acknowledged still there).
#
#   bash serve.sh GRIDPULSE
#
# Skipped (77) without curl.
set -u
if [ $# -ne 1 ]; then
  echo "usage: serve.sh GRIDPULSE" >&2
  exit 2
fi
gp=$1
command -v curl > /dev/null || exit 77
base=${GP_TEST_TMP:-/tmp}
mkdir -p "$base"
tmp=$(mktemp -d "$base/serve.XXXXXX") || exit 2
cd "$tmp" || exit 2
pid=
fails=0
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2> /dev/null; }
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  fails=$((fails + 1))
}
# expect NAME WANT GOT: GOT must contain WANT
expect() {
  case "$3" in
  *"$2"*) ;;
  *) fail "$1: expected to contain [$2], got [$3]" ;;
  esac
}

# start DB ARGS...: starts serve on a free port (tried at random until one binds); sets $pid,
# $url, and the log serve.log
start() {
  local db=$1
  shift
  for _ in $(seq 1 20); do
    port=$((20000 + RANDOM % 40000))
    "$gp" serve "$db" --listen 127.0.0.1:$port "$@" > serve.out 2> serve.log &
    pid=$!
    for _ in $(seq 1 1200); do
      grep -q 'serve: serving' serve.log && break
      kill -0 $pid 2> /dev/null || break
      sleep 0.05
    done
    if grep -q 'serve: serving' serve.log; then
      url=http://127.0.0.1:$port
      return 0
    fi
    if kill -0 $pid 2> /dev/null; then # still there and not serving after a minute: a hang
      kill -9 $pid
      echo "serve did not come up within 60 s:" >&2
      cat serve.log >&2
      pid=
      return 1
    fi
    wait $pid 2> /dev/null
    pid=
    grep -q 'cannot listen' serve.log || { cat serve.log >&2; return 1; }
  done
  return 1
}
# SIGTERM, and the server's exit status; 124 (and the server killed) when it is still there
# after 90 s, so that a stop that hangs fails the test with the log instead of timing it out
stop() {
  kill -TERM "$pid"
  local n=1800
  while [ $n -gt 0 ] && kill -0 "$pid" 2> /dev/null; do
    sleep 0.05
    n=$((n - 1))
  done
  if kill -0 "$pid" 2> /dev/null; then
    kill -9 "$pid"
    echo "serve did not stop within 90 s of SIGTERM:" >&2
    tail -30 serve.log >&2
    wait "$pid" 2> /dev/null
    pid=
    return 124
  fi
  wait "$pid"
  local st=$?
  pid=
  return $st
}
# post PATH BODY [curl args...]: prints "CODE BODY"
post() {
  local path=$1 body=$2
  shift 2
  curl -s -o resp.txt -w '%{http_code}' -X POST "$url$path" --data-binary "$body" "$@" > code.txt
  echo "$(cat code.txt) $(cat resp.txt)"
}

start ./city.db || { echo "FAIL: serve did not start" >&2; exit 1; }

# ---- health, SQL, formats ----
expect healthz '200' "$(curl -s -o /dev/null -w '%{http_code}' $url/healthz)"
expect healthz-body '"status":"ok"' "$(curl -s $url/healthz)"
expect create '200 {"results":[{"status":"CREATE TABLE"}]}' \
  "$(post /v1/sql 'CREATE TABLE ev (id INT KEY, ts TIMESTAMP, lon DOUBLE, lat DOUBLE, cat SYMBOL, h DOUBLE) TIME ts LOCATION (lon, lat)')"
printf 'id,ts,lon,lat,cat,h\n1,2024-08-01T07:00:00Z,118.30,33.90,c001,1.5\n2,2024-08-01T07:01:00Z,118.31,33.91,c002,oops\n3,2024-08-01T07:02:00Z,118.32,33.92,c002,2\n' > ev.csv
expect write-csv-bad '400 {"table":"ev","loaded":2,"rejected":1,"duplicates":0,"errors":["body:3:42: column '"'"'h'"'"': bad number \"oops\""]}' \
  "$(post /v1/write/ev @ev.csv -H 'Content-Type: text/csv')"
printf '{"id":4,"ts":"2024-08-01T07:03:00Z","lon":118.33,"lat":33.93,"cat":"c001","h":4}\n' > ev.ndjson
expect write-ndjson '200 {"table":"ev","loaded":1,"rejected":0,"duplicates":0,"errors":[]}' \
  "$(post '/v1/write/ev?format=ndjson' @ev.ndjson)"
expect write-again-dup '"duplicates":1' "$(post '/v1/write/ev?format=ndjson' @ev.ndjson)"
expect sql-json '200 {"results":[{"columns":[{"name":"cat","type":"TEXT"},{"name":"n","type":"INT"},{"name":"s","type":"DOUBLE"}],"rows":[
["c001",2,5.5],
["c002",1,2.0]]}]}' "$(post /v1/sql 'SELECT cat, count(*) AS n, sum(h) AS s FROM ev GROUP BY cat ORDER BY cat')"
expect sql-csv '200 id,h
1,1.5
3,2.0
4,4.0' "$(post '/v1/sql?format=csv' 'SELECT id, h FROM ev ORDER BY id')"
expect sql-accept-ndjson '200 {"id":1}
{"id":3}' "$(post /v1/sql 'SELECT id FROM ev ORDER BY id LIMIT 2' -H 'Accept: application/x-ndjson')"
expect sql-geojson '"type":"Point","coordinates":[118.3,33.9]' \
  "$(post '/v1/sql?format=geojson' 'SELECT id, lon, lat FROM ev WHERE id = 1')"
expect sql-error '400 {"status":"error","errorType":"bad_data","error":"line 2, column 8: no column \"nope\" in ev' \
  "$(post /v1/sql $'SELECT 1;\nSELECT nope FROM ev')"
expect sql-error-pos '"position":{"line":2,"column":8}' "$(post /v1/sql $'SELECT 1;\nSELECT nope FROM ev')"
expect sql-parse '400 {"status":"error","errorType":"bad_data","error":"line 1, column 8: syntax error' \
  "$(post /v1/sql 'SELECT FROM ev')"
expect bad-format '400' "$(post '/v1/sql?format=xml' 'SELECT 1')"
expect not-found '404' "$(curl -s -o /dev/null -w '%{http_code}' $url/nope)"
expect method '405' "$(curl -s -o /dev/null -w '%{http_code}' $url/v1/sql)"
expect warnings-none '200 []' "$(curl -s -o resp.txt -w '%{http_code}' $url/v1/warnings; echo " $(cat resp.txt)")"

# a result larger than the 256 KiB answered whole: streamed (chunked), every row there
seq 1 60000 | awk 'BEGIN { print "id,ts,lon,lat,cat,h" }
  { printf "%d,2024-08-02T%02d:%02d:%02d,118.3%d,33.9%d,c%03d,%d.5\n", $1 + 100, ($1 / 3600) % 24, ($1 / 60) % 60, $1 % 60, $1 % 10, $1 % 7, $1 % 50, $1 }' > big.csv
expect write-big '"loaded":60000,"rejected":0' "$(post /v1/write/ev @big.csv)"
rows=$(curl -s -X POST "$url/v1/sql?format=csv" --data-binary 'SELECT id, cat, h FROM ev' -D headers.txt | wc -l)
[ "$rows" = 60004 ] || fail "streamed rows: $rows lines, expected 60004"
grep -qi 'transfer-encoding: chunked' headers.txt || fail "a large result was not streamed: $(cat headers.txt)"
expect result-limit-ok '200' "$(post /v1/sql 'SELECT count(*) FROM ev')"

# ---- a malformed body: 400 with the line ----
printf 'id,ts,lon,lat,cat,h\n900,2024-08-01T07:00:00Z,118.30,33.90,c001,1\n901,"unterminated\n' > broken.csv
expect malformed '400' "$(post /v1/write/ev @broken.csv)"
expect malformed-line 'body:3' "$(cat resp.txt)"

# ---- line protocol ----
cat > lp.txt <<'EOF'
# comment
weather,station=wl-0007,district=D\ 1 level=3.25,count=4i,ok=true,note="rising \"fast\"" 1722470400
weather,station=wl-0008,district=D2 level=1.5 1722470460

weather,station=wl-0009 level=oops 1722470520
weather level=2 1722470580
EOF
# the first write makes the table from its keys; a later new key is refused naming it
expect lp-write '400 {"table":"weather","loaded":3,"rejected":1' \
  "$(post '/api/v2/write?bucket=city.db&precision=s' @lp.txt)"
expect lp-error-4 'body:5: column 31: bad field value' "$(cat resp.txt)"
expect lp-new-key '"errors":["body:2: field \"humidity\" is not a column of table \"weather\"' \
  "$(post '/api/v2/write?bucket=city.db&precision=s' $'weather level=1 1722470600\nweather level=2,humidity=40 1722470660')"
expect lp-new-key-code '400' "$(cat code.txt)"
expect lp-read '200 time,station,district,level,count,ok,note
2024-08-01 00:00:00,wl-0007,D 1,3.25,4,1,"rising ""fast"""
2024-08-01 00:01:00,wl-0008,D2,1.5,,,
2024-08-01 00:03:00,,,2.0,,,' "$(post '/v1/sql?format=csv' "SELECT * FROM weather WHERE time < '2024-08-01 00:03:10' ORDER BY time")"
expect lp-ns '204' "$(post '/api/v2/write?bucket=city.db' 'weather,station=wl-0010 level=9 1722470400123456789')"
expect lp-ns-read '2024-08-01 00:00:00.123456' "$(post '/v1/sql?format=csv' "SELECT time FROM weather WHERE station = 'wl-0010'")"
expect lp-bucket '404' "$(post '/api/v2/write?bucket=other' 'w v=1')"
expect lp-precision '400' "$(post '/api/v2/write?bucket=city.db&precision=h' 'w v=1')"

# ---- the CLI as a client: the same output as on the local database, errors with carets ----
for m in table csv json ndjson; do
  sql="SELECT cat, count(*) AS n, sum(h) AS s, min(ts) AS first FROM ev GROUP BY cat ORDER BY cat; SELECT 1 AS one"
  "$gp" --server "$url" --mode $m -c "$sql" > remote.$m 2>&1 || fail "--server --mode $m: $(cat remote.$m)"
  "$gp" ./city.db --read-only --mode $m -c "$sql" > local.$m 2>&1
  cmp -s remote.$m local.$m || fail "--server --mode $m differs from local: $(diff local.$m remote.$m | head -5)"
done
"$gp" --server "$url" -c $'SELECT 1;\nSELECT nope FROM ev' > remote.out 2> remote.err && fail "--server: an error exited 0"
"$gp" ./city.db --read-only -c $'SELECT 1;\nSELECT nope FROM ev' > local.out 2> local.err
cmp -s remote.err local.err || fail "--server error differs: $(cat remote.err) vs $(cat local.err)"
expect client-caret '       ^' "$(cat remote.err)"
printf 'SELECT count(*) AS n FROM ev;\n.mode csv\nSELECT id FROM ev ORDER BY id LIMIT 2;\n' > script.sql
expect client-file 'id
1
3' "$("$gp" --server "$url" -f script.sql 2>&1)"

# ---- server files ----
mkdir -p allowed
cp ev.csv allowed/ev2.csv
echo 'secret-line-1,2,3' > secret.csv
expect copy-refused '403 {"status":"error","errorType":"forbidden","error":"line 1, column 14: COPY reads server files only' \
  "$(post /v1/sql "COPY ev FROM 'secret.csv'")"
case "$(cat resp.txt)" in *secret-line*) fail "COPY echoed a line of a refused file" ;; esac
expect regions-refused '403' "$(post /v1/sql "CREATE REGIONS r FROM '/etc/passwd'")"
expect copy-missing-refused '403' "$(post /v1/sql "COPY ev FROM '/no/such/file.csv'")"

# ---- 413, timeout, reader beside the server, busy writer ----
head -c 2000000 /dev/zero | tr '\0' 'x' > huge.txt
stop || fail "SIGTERM: exit status $?"
start ./city.db --max-body 1000000 --query-timeout 5 --allow-files allowed --max-active 2 || exit 1
expect too-large '413' "$(post /v1/sql @huge.txt)"
expect too-large-chunked '413' "$(post /v1/sql @huge.txt -H 'Transfer-Encoding: chunked')"
expect copy-allowed '200 {"results":[{"status":"COPY' "$(post /v1/sql "COPY ev FROM '$tmp/allowed/ev2.csv' WITH (header true)")"
expect timeout '503 {"status":"error","errorType":"timeout","error":"canceling statement due to statement timeout' \
  "$(post '/v1/sql?timeout=0.001' 'SELECT a.id, count(*) FROM ev a JOIN ev b ON a.cat = b.cat GROUP BY a.id')"
expect after-timeout '200' "$(post /v1/sql 'SELECT count(*) FROM ev')"
n=$("$gp" ./city.db --read-only --mode csv -c 'SELECT count(*) FROM ev' 2>&1 | tail -n 1)
expect reader-beside-serve '60003' "$n"
"$gp" load ./city.db ev ev.csv --quiet 2> busy.txt && fail "a load ran while serve held the database"
expect busy-names-serve 'is in use by process '"$pid"' (' "$(cat busy.txt)"
expect busy-names-serve-cmd 'gridpulse serve ./city.db' "$(cat busy.txt)"
# a second server (and so a second warning scheduler) on the same database: refused, in one
# sentence naming the first, and the first goes on serving
timeout 20 "$gp" serve ./city.db --listen 127.0.0.1:$((port + 1)) --quiet 2> busy2.txt && fail "a second serve started"
expect second-serve-refused 'is in use by process '"$pid"' (' "$(cat busy2.txt)"
expect second-serve-names-first 'gridpulse serve ./city.db' "$(cat busy2.txt)"
expect first-serve-goes-on '200' "$(post /v1/sql 'SELECT count(*) FROM ev')"
# overload: two slow uploads hold both places, the third request gets 503
head -c 20000 /dev/zero | tr '\0' ' ' > slow.txt
curl -s -o /dev/null -X POST "$url/v1/sql" --data-binary @slow.txt --limit-rate 4k &
s1=$!
curl -s -o /dev/null -X POST "$url/v1/sql" --data-binary @slow.txt --limit-rate 4k &
s2=$!
sleep 1
expect overload '503' "$(curl -s -o /dev/null -w '%{http_code}' $url/healthz)"
wait $s1 $s2

# ---- metrics ----
curl -s $url/metrics > metrics.txt
expect metrics-requests 'gridpulse_http_requests_total{endpoint="/v1/sql",code="413"} 2' "$(cat metrics.txt)"
expect metrics-hist 'gridpulse_http_request_duration_seconds_bucket{endpoint="/v1/sql",le="+Inf"}' "$(cat metrics.txt)"
expect metrics-timeouts 'gridpulse_query_timeouts_total 1' "$(cat metrics.txt)"
expect metrics-storage 'gridpulse_storage_bytes ' "$(cat metrics.txt)"
expect metrics-table 'gridpulse_table_rows{table="ev",state=' "$(cat metrics.txt)"
if command -v promtool > /dev/null; then
  promtool check metrics < metrics.txt > promtool.txt 2>&1 || fail "promtool: $(cat promtool.txt)"
fi
stop || fail "SIGTERM: exit status $?"

# ---- tokens ----
printf '# role token\nread rrrrrrrrrrrrrrrrrrrr\nwrite wwwwwwwwwwwwwwwwwwww\n' > tokens
"$gp" serve ./city.db --listen 0.0.0.0:1 2> open.txt && fail "listened off loopback without tokens"
expect no-tokens-off-loopback 'needs --token-file' "$(cat open.txt)"
start ./city.db --token-file tokens || exit 1
expect no-token '401' "$(post /v1/sql 'SELECT 1')"
expect bad-token '401' "$(post /v1/sql 'SELECT 1' -H 'Authorization: Bearer nope-nope-nope-nope')"
expect read-token '200' "$(post /v1/sql 'SELECT 1' -H 'Authorization: Bearer rrrrrrrrrrrrrrrrrrrr')"
expect read-token-write '403' "$(post /v1/write/ev @ev.ndjson -H 'Authorization: Bearer rrrrrrrrrrrrrrrrrrrr')"
expect read-token-lp '403' "$(post '/api/v2/write?bucket=city.db' 'w v=1' -H 'Authorization: Bearer rrrrrrrrrrrrrrrrrrrr')"
expect read-token-ddl '403' "$(post /v1/sql 'CREATE TABLE x (a INT)' -H 'Authorization: Bearer rrrrrrrrrrrrrrrrrrrr')"
expect write-token '200' "$(post '/v1/write/ev?format=ndjson' @ev.ndjson -H 'Authorization: Bearer wwwwwwwwwwwwwwwwwwww')"
expect health-open '200' "$(curl -s -o /dev/null -w '%{http_code}' $url/healthz)"
stop || fail "SIGTERM: exit status $?"
expect refusals-logged 'refused 127.0.0.1 POST /v1/sql: 401' "$(cat serve.log)"
expect refusals-logged-403 'refused 127.0.0.1 POST /v1/write/ev: 403' "$(cat serve.log)"

# ---- the warning models run inside serve: alerts over HTTP, delivered to a sink once ----
start ./city.db || exit 1
now=$(date +%s)
expect warn-lp '204' "$(post '/api/v2/write?bucket=city.db&precision=s' "gauge,sensor=g1 level=9 $now
gauge,sensor=g2 level=1 $now")"
expect warn-sink '200' "$(post /v1/sql "CREATE SINK f TYPE ndjson (path 'alerts.ndjson')")"
expect warn-create '200' "$(post /v1/sql 'CREATE WARNING high EVERY 1 s AS SELECT sensor, max(level) AS level FROM gauge WHERE time > now() - 1 h GROUP BY sensor HAVING max(level) > 5 NOTIFY f')"
got=
for _ in $(seq 1 100); do # the first slot after the warning exists, within 10 s
  got=$(curl -s "$url/v1/alerts")
  case "$got" in *sensor=g1*) break ;; esac
  sleep 0.1
done
expect warn-alerts '"instance":"sensor=g1"' "$got"
expect warn-alerts-firing '"state":"firing"' "$got"
case "$got" in *sensor=g2*) fail "warn-alerts: g2 is below the line: $got" ;; esac
expect warn-warnings '"warning":"high"' "$(curl -s "$url/v1/warnings")"
for _ in $(seq 1 100); do [ -s alerts.ndjson ] && break; sleep 0.1; done
expect warn-sink-delivered 'sensor=g1' "$(cat alerts.ndjson 2> /dev/null)"
stop || fail "SIGTERM with the scheduler running: exit status $?"
expect warn-log-evaluation 'warning high slot ' "$(cat serve.log)"
# after a restart the instance is still firing (its state survived) and nothing is sent again
start ./city.db || exit 1
sleep 2
expect warn-restart '"state":"firing"' "$(curl -s "$url/v1/alerts")"
stop || fail "SIGTERM: exit status $?"
expect warn-once '1' "$(grep -c 'sensor=g1' alerts.ndjson)"

# ---- after SIGTERM: what was acknowledged is there ----
n=$("$gp" ./city.db --mode csv -c 'SELECT count(*) FROM ev; SELECT count(*) FROM weather' 2>&1 | tr '\n' ' ')
expect after-stop 'count 60003 count 5' "$n"

if [ $fails -ne 0 ]; then
  echo "serve.log:" >&2
  tail -n 30 serve.log >&2
  exit 1
fi
echo ok
rm -rf "$tmp"
