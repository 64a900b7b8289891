#!/usr/bin/env bash
# serve_crash.sh - `gridpulse serve` killed with SIGKILL under streaming writes. Four writers
# post line-protocol batches of 50 points (each point a unique id) as fast as they can; the
# server is killed at a random moment, restarted, killed again (KILLS times). Each writer
# records the batches the server acknowledged (204). After the last restart every point of
# every acknowledged batch must be present exactly once, and no point more than once (a batch
# cut by the kill is either absent or there; each of its points at most once).
#
#   bash serve_crash.sh GRIDPULSE
#
# GP_SERVE_KILLS (default 5) and GP_SERVE_SEED (default 1) override. Skipped (77) without curl.
# Every wait is bounded: a server that does not come up, does not stop on SIGTERM or a writer
# that does not finish fails the test with the server's log and its threads' stacks (gdb when
# installed), instead of leaving ctest to kill a silent script at its timeout.
set -u
if [ $# -ne 1 ]; then
  echo "usage: serve_crash.sh GRIDPULSE" >&2
  exit 2
fi
gp=$1
command -v curl > /dev/null || exit 77
kills=${GP_SERVE_KILLS:-5}
RANDOM=${GP_SERVE_SEED:-1}
base=${GP_TEST_TMP:-/tmp}
mkdir -p "$base"
tmp=$(mktemp -d "$base/serve_crash.XXXXXX") || exit 2
cd "$tmp" || exit 2
pid=
writers=()
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2> /dev/null
  for w in "${writers[@]}"; do kill "$w" 2> /dev/null; done
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
say() { echo "$(date +%H:%M:%S.%N | cut -c1-12) $*"; }

# the state of a server that did not do what it was asked, then the test's failure
diagnose() {
  local p=$1
  echo "--- serve.log (last 30 lines)" >&2
  tail -30 serve.log >&2
  if [ -n "$p" ] && kill -0 "$p" 2> /dev/null; then
    echo "--- threads of server $p" >&2
    if command -v gdb > /dev/null; then
      timeout 60 gdb -p "$p" -batch -ex 'thread apply all bt' 2>&1 | grep -E '^(Thread|#)' >&2
    else
      for t in /proc/"$p"/task/*; do echo "$t $(cat "$t"/comm) $(cat "$t"/wchan 2> /dev/null)" >&2; done
    fi
  fi
  fail "$2"
}

# waits up to $2 seconds for process $1 to end; its status in $gone_rc; 1 when it is still there
wait_gone() {
  local p=$1 n=$(($2 * 20))
  while [ "$n" -gt 0 ] && kill -0 "$p" 2> /dev/null; do
    sleep 0.05
    n=$((n - 1))
  done
  kill -0 "$p" 2> /dev/null && return 1
  wait "$p" 2> /dev/null
  gone_rc=$?
  return 0
}

start() {
  for _ in $(seq 1 20); do
    port=$((20000 + RANDOM % 40000))
    "$gp" serve ./c.db --listen 127.0.0.1:$port --quiet > /dev/null 2> serve.log &
    pid=$!
    for _ in $(seq 1 1200); do
      grep -q 'serve: serving' serve.log && break
      kill -0 $pid 2> /dev/null || break
      sleep 0.05
    done
    if grep -q 'serve: serving' serve.log; then
      echo "http://127.0.0.1:$port" > url.txt
      return 0
    fi
    # not serving after 60 s and still there: a hang, not a port taken
    wait_gone $pid 1 || diagnose $pid "serve did not come up within 60 s"
    pid=
    grep -q 'cannot listen' serve.log || { cat serve.log >&2; return 1; }
  done
  return 1
}

# writer W: batches W*1000000 + k*50 .. +49, posted to whatever url.txt says; an acknowledged
# batch's first id goes to acked.W
writer() {
  local w=$1 k=0
  : > acked.$w
  while [ ! -e stop ]; do
    local first=$((w * 1000000 + k * 50)) body=
    for i in $(seq 0 49); do
      body+="crash,w=w$w id=$((first + i))i,v=$i.5 $((1722470400 + first + i))"$'\n'
    done
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST \
      "$(cat url.txt)/api/v2/write?bucket=c.db&precision=s" --data-binary "$body")
    if [ "$code" = 204 ]; then
      echo $first >> acked.$w
      k=$((k + 1))
    elif [ "$code" != 000 ] && [ "$code" != 503 ]; then
      echo "writer $w: HTTP $code" >> writer.err
      k=$((k + 1)) # never resend a batch: it may be stored
    else
      k=$((k + 1)) # the server died under it: maybe stored, maybe not
      sleep 0.05
    fi
  done
}

start || fail "serve did not start"
# the table first, so that concurrent first writes do not race to create it
curl -s -o /dev/null -X POST "$(cat url.txt)/api/v2/write?bucket=c.db&precision=s" \
  --data-binary 'crash,w=init id=-1i,v=0 1722470400'
for w in 1 2 3 4; do
  writer $w &
  writers+=($!)
done
say "serving, 4 writers started"
for round in $(seq 1 "$kills"); do
  sleep "0.$((3 + RANDOM % 7))"
  kill -9 "$pid"
  wait_gone "$pid" 30 || diagnose "$pid" "kill -9 did not end the server within 30 s"
  pid=
  start || fail "restart $round"
  say "round $round: killed and restarted ($(cat acked.* | wc -l) batches acknowledged so far)"
done
sleep 1
touch stop
for w in "${writers[@]}"; do
  wait_gone "$w" 60 || fail "a writer did not finish within 60 s of the stop"
done
writers=()
say "writers stopped; SIGTERM"
kill -TERM "$pid"
wait_gone "$pid" 90 || diagnose "$pid" "the server did not stop within 90 s of SIGTERM"
[ "$gone_rc" -eq 0 ] || diagnose "" "SIGTERM: exit $gone_rc"
pid=
say "stopped"
[ -e writer.err ] && fail "$(head -5 writer.err)"

"$gp" ./c.db --mode csv -c "SELECT id FROM crash WHERE id >= 0" | tail -n +2 | sort -n > present.txt
dups=$(uniq -d present.txt | wc -l)
[ "$dups" -eq 0 ] && : || fail "$dups ids stored twice, e.g. $(uniq -d present.txt | head -3 | tr '\n' ' ')"
cat acked.* | while read -r first; do seq "$first" $((first + 49)); done | sort -n > want.txt
missing=$(comm -23 want.txt present.txt | wc -l)
[ "$missing" -eq 0 ] || fail "$missing acknowledged ids missing, e.g. $(comm -23 want.txt present.txt | head -3 | tr '\n' ' ')"
acked=$(wc -l < want.txt)
[ "$acked" -gt 0 ] || fail "no batch was acknowledged"
echo "ok: $kills kills, $acked acknowledged points present once, $(wc -l < present.txt) stored"
rm -rf "$tmp"
