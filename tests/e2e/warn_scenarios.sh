#!/bin/bash
# The five seed-city warning models replayed on the demo city (datasets/README.md, "Scenarios"):
# `gridpulse demo` generates the city, loads it and installs datasets/warnings/*.sql; each model
# is then replayed over its window of replay.csv with `gridpulse warnings run --from --to
# --warning`, and its alert_history must equal the generator's planted.csv line for line. The
# expected timelines come from gp-citygen (scenarios.c), not from gridpulse. Then the README's
# replay: June on a fresh demo database, whose firing and resolved transitions must be the
# planted ones (the background never fires).
# usage: warn_scenarios.sh GRIDPULSE SOURCE_DIR
set -u
bin=$1
# the demo finds datasets/warnings beside the build folder, else under the current directory
cd "${2:-.}" || exit 1
tmp=${GP_TEST_TMP:-/tmp}/e2e_warn_scenarios.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() {
  echo "FAIL: $*"
  fail=1
}

db=$tmp/city.db
data=$db.demo-data
if ! "$bin" demo "$db" > "$tmp/demo.out" 2>&1; then
  cat "$tmp/demo.out"
  echo "FAIL: gridpulse demo"
  exit 1
fi
[ -s "$data/planted.csv" ] && [ -s "$data/replay.csv" ] || { echo "FAIL: no planted.csv"; exit 1; }

# planted.csv itself: every model fires at least once, and what must never fire is absent
for w in grid_incidence overdue_tickets illegal_parking flood_points forest_fire; do
  grep -q "^$w,.*,firing," "$data/planted.csv" || bad "planted.csv: $w never fires"
done
grep -q "^forest_fire,sensor_id=ft-06," "$data/planted.csv" && bad "planted.csv: ft-06 is outside"
grep -q '^illegal_parking,"plate=SU-H2002,.*,firing,' "$data/planted.csv" &&
  bad "planted.csv: SU-H2002 left after 10 minutes"
grep -q "^flood_points,sensor_id=fp-05," "$data/planted.csv" && bad "planted.csv: fp-05 under its line"

"$bin" "$db" --mode csv -c "SHOW WARNINGS" > "$tmp/show.out" 2>&1 || bad "SHOW WARNINGS: $(cat "$tmp/show.out")"
tail -n +2 "$data/replay.csv" | while IFS=, read -r w from to; do
  grep -q "$w" "$tmp/show.out" || echo "FAIL: $w not installed by gridpulse demo"
done | grep . && fail=1

while IFS=, read -r w from to; do
  start=$(date +%s.%N)
  if ! "$bin" warnings run "$db" --from "$from" --to "$to" --warning "$w" > "$tmp/$w.run" 2>&1; then
    cat "$tmp/$w.run"
    bad "$w: warnings run --from '$from' --to '$to'"
    continue
  fi
  secs=$(awk "BEGIN { printf \"%.2f\", $(date +%s.%N) - $start }")
  "$bin" "$db" --mode csv -c "SELECT warning, instance, ts, state, level FROM alert_history
    WHERE warning = '$w' ORDER BY ts, instance" > "$tmp/$w.got" 2>&1
  { echo "warning,instance,ts,state,level"; grep "^$w," "$data/planted.csv"; } > "$tmp/$w.want"
  if diff -u "$tmp/$w.want" "$tmp/$w.got" > "$tmp/$w.diff"; then
    echo "ok   $w: $(($(wc -l < "$tmp/$w.want") - 1)) transitions, $from .. $to (${secs} s)"
  else
    cat "$tmp/$w.diff"
    bad "$w: alert_history differs from planted.csv"
  fi
done < <(tail -n +2 "$data/replay.csv")

db=$tmp/month.db
if ! "$bin" demo "$db" > "$tmp/month.demo" 2>&1; then
  cat "$tmp/month.demo"
  bad "gridpulse demo (June)"
elif ! "$bin" warnings run "$db" --from 2024-06-01 --to 2024-07-01 > "$tmp/month.run" 2>&1; then
  cat "$tmp/month.run"
  bad "warnings run --from 2024-06-01 --to 2024-07-01"
else
  "$bin" "$db" --mode csv -c "SELECT warning, instance, ts, state, level FROM alert_history
    WHERE state IN ('firing', 'resolved') ORDER BY warning, ts, instance" > "$tmp/month.got" 2>&1
  grep -E '^warning,|,(firing|resolved),[^,]*$' "$data/planted.csv" > "$tmp/month.want"
  if diff -u "$tmp/month.want" "$tmp/month.got"; then
    echo "ok   June: $(($(wc -l < "$tmp/month.want") - 1)) firing and resolved transitions; $(cat "$tmp/month.run")"
  else
    bad "June's replay differs from planted.csv"
  fi
fi
exit $fail
