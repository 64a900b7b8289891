#!/usr/bin/env bash
# A webhook sink posting to a real Alertmanager (Debian's prometheus-alertmanager), started
# here on a free loopback port with a minimal config: CREATE SINK ... format 'alertmanager'
# through gridpulse, an alert added to the outbox and delivered (notify_drive), then
# `amtool alert query` must list it with its labels; the same alert resolved must leave the
# active list. Also: a generic body posted to the same endpoint is refused by Alertmanager
# (HTTP 400), which must count as a failure and show in SHOW SINKS, and a port nobody listens
# on fails with curl's message. Skipped (77) where the binaries are absent.
# usage: alertmanager.sh GRIDPULSE NOTIFY_DRIVE
set -uo pipefail
GP=$1
DRIVE=$2
AM=$(command -v prometheus-alertmanager || command -v alertmanager || true)
AMTOOL=$(command -v amtool || true)
if [[ -z $AM || -z $AMTOOL ]]; then
  echo "SKIP: prometheus-alertmanager / amtool not installed (apt-get install prometheus-alertmanager)"
  exit 77
fi
base=${GP_TEST_TMP:-/tmp}
mkdir -p "$base"
T=$(mktemp -d "$base/am-XXXXXX")
am_pid=
cleanup() {
  [[ -n $am_pid ]] && kill "$am_pid" 2>/dev/null && wait "$am_pid" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
fails=0
check() { # check NAME COND-OUTPUT EXPECTED-SUBSTRING
  if [[ $2 == *"$3"* ]]; then echo "ok   $1"; else echo "FAIL $1: wanted [$3] in:"; echo "$2"; fails=$((fails + 1)); fi
}

cat >"$T/am.yml" <<'EOF'
route:
  receiver: blackhole
receivers:
  - name: blackhole
EOF

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# A free port: one nothing answers on, then Alertmanager must come up on it (another process
# may take it in between: then try the next).
port=
for try in 1 2 3 4 5; do
  p=$((20000 + (RANDOM * 7 + $$ + try * 131) % 40000))
  listening "$p" && continue
  "$AM" --config.file="$T/am.yml" --storage.path="$T/data" \
    --web.listen-address="127.0.0.1:$p" --cluster.listen-address= \
    --log.level=warn >"$T/am.log" 2>&1 &
  am_pid=$!
  for _ in $(seq 1 100); do
    listening "$p" && break
    kill -0 "$am_pid" 2>/dev/null || break
    sleep 0.1
  done
  if listening "$p" && kill -0 "$am_pid" 2>/dev/null; then port=$p; break; fi
  kill "$am_pid" 2>/dev/null; wait "$am_pid" 2>/dev/null; am_pid=
done
if [[ -z $port ]]; then
  echo "FAIL: Alertmanager did not start:"; cat "$T/am.log"; exit 1
fi
URL="http://127.0.0.1:$port"
echo "Alertmanager on $URL"

DB=$T/db
"$GP" "$DB" -c "CREATE SINK am TYPE webhook (url '$URL/api/v2/alerts', format 'alertmanager', timeout 5 s);
CREATE SINK raw TYPE webhook (url '$URL/api/v2/alerts');
CREATE SINK nobody TYPE webhook (url 'http://127.0.0.1:1/', timeout 2 s)" >"$T/out" 2>&1
check "create sinks" "$(cat "$T/out")" "CREATE SINK"

now=$(date -u +%s)
since=$(date -u -d "@$((now - 300))" +%Y-%m-%dT%H:%M:%SZ)
slot=$(date -u -d "@$now" +%Y-%m-%dT%H:%M:%SZ)
firing='{"id":"flood_line/sensor_id=wl-0007/'$slot'/1","warning":"flood_line","instance":"sensor_id=wl-0007","labels":{"sensor_id":"wl-0007","district":"north"},"state":"firing","level":"evacuate","previous_level":"prepare","value":3.42,"message":"wl-0007 at 3.42 m","slot":"'$slot'","active_since":"'$since'","resolved_at":null}'
"$DRIVE" "$DB" add "f1" am,raw,nobody "$firing" || fails=$((fails + 1))
out=$("$DRIVE" "$DB" deliver "$now" 2>&1)
check "deliver: one of three sinks works" "$out" "attempts 3 delivered 1 failed 2 pending 1"

q=$("$AMTOOL" alert query --alertmanager.url="$URL" -o extended 2>&1)
check "amtool lists the alert" "$q" "flood_line"
check "labels: alertname" "$q" 'alertname="flood_line"'
check "labels: level" "$q" 'level="evacuate"'
check "labels: instance labels" "$q" 'sensor_id="wl-0007"'
check "labels: district" "$q" 'district="north"'
check "annotations: message" "$q" 'message="wl-0007 at 3.42 m"'
check "annotations: value" "$q" 'value="3.42"'
q=$("$AMTOOL" alert query --alertmanager.url="$URL" level=evacuate sensor_id=wl-0007 -o simple 2>&1)
check "amtool matches by label" "$q" "flood_line"

show=$("$GP" "$DB" -c "SHOW SINKS" 2>&1)
echo "$show"
check "SHOW SINKS: the generic body refused with HTTP 400" "$show" "HTTP 400"
check "SHOW SINKS: nobody listening" "$show" "127.0.0.1:1/: "
p=$("$DRIVE" "$DB" pending 2>&1)
check "pending: raw retried" "$p" "f1 raw attempts=1"
check "pending: nobody retried" "$p" "f1 nobody attempts=1"

# Resolved: endsAt is the resolve time, so Alertmanager no longer lists it as active.
rslot=$(date -u -d "@$((now + 1))" +%Y-%m-%dT%H:%M:%SZ)
resolved=${firing//\"state\":\"firing\"/\"state\":\"resolved\"}
resolved=${resolved//\"resolved_at\":null/\"resolved_at\":\"$rslot\"}
"$DRIVE" "$DB" add "f2" am "$resolved" || fails=$((fails + 1))
sleep 1.2 # endsAt must be in the past when Alertmanager compares it with its clock
out=$("$DRIVE" "$DB" deliver "$((now + 2))" 2>&1)
check "deliver resolved" "$out" "delivered 1"
q=$("$AMTOOL" alert query --alertmanager.url="$URL" -o simple 2>&1)
if [[ $q == *flood_line* ]]; then echo "FAIL resolved alert still active:"; echo "$q"; fails=$((fails + 1)); else echo "ok   resolved alert no longer active"; fi

if ((fails)); then echo "$fails check(s) failed"; echo "--- alertmanager log"; cat "$T/am.log"; exit 1; fi
echo "all checks passed"
