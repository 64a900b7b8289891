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

start() {
  for _ in $(seq 1 20); do
    port=$((20000 + RANDOM % 40000))
    "$gp" serve ./c.db --listen 127.0.0.1:$port --quiet > /dev/null 2> serve.log &
    pid=$!
    for _ in $(seq 1 200); do
      grep -q 'serve: serving' serve.log && break
      kill -0 $pid 2> /dev/null || break
      sleep 0.05
    done
    if grep -q 'serve: serving' serve.log; then
      echo "http://127.0.0.1:$port" > url.txt
      return 0
    fi
    wait $pid 2> /dev/null
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
for round in $(seq 1 "$kills"); do
  sleep "0.$((3 + RANDOM % 7))"
  kill -9 "$pid"
  wait "$pid" 2> /dev/null
  pid=
  start || fail "restart $round"
done
sleep 1
touch stop
wait "${writers[@]}"
writers=()
kill -TERM "$pid"
wait "$pid" || fail "SIGTERM: exit $?"
pid=
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
