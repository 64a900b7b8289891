#!/usr/bin/env bash
# damage.sh - a damaged database through the real binary: `check` finds nothing on a sound one
# (exit 0); with one byte flipped in the middle of its largest table file (the chunks) `info`,
# `scan` and a SELECT that reads the rows fail with exit status 1 naming the file, and
# `check` lists the damage (exit 1); `repair` then leaves a database that `check` passes and
# whose every answer agrees with every other (no summary left over from a lost chunk).
#
#   bash damage.sh GRIDPULSE
set -u
if [ $# -ne 1 ]; then
  echo "usage: damage.sh GRIDPULSE" >&2
  exit 2
fi
gp=$1
base=${GP_TEST_TMP:-/tmp}
mkdir -p "$base"
tmp=$(mktemp -d "$base/damage.XXXXXX") || exit 2
cd "$tmp" || exit 2
fails=0
bad() {
  echo "FAIL: $*"
  fails=$((fails + 1))
}

# 20,000 rows over 10 days (two partitions), fixed values
awk 'BEGIN { print "id,ts,lon,lat,category,value";
  for (i = 1; i <= 20000; i++)
    printf "%d,2024-08-%02dT%02d:%02d:00Z,%.5f,%.5f,c%02d,%.2f\n", i, 1 + i % 10, i % 24,
           i % 60, 118.30 + (i * 7919 % 10000) / 100000, 33.90 + (i * 104729 % 10000) / 100000,
           i % 17, (i * 31 % 1000) / 10 }' > events.csv
"$gp" load db events events.csv --key id --crs EPSG:32650 --quiet || bad "load failed"
ls db/*.log >/dev/null 2>&1 && [ -n "$(find db -name '*.log' -size +0)" ] &&
  bad "the load left rows in the WAL (it should flush them to table files)"

out=$("$gp" check db)
[ $? -eq 0 ] || bad "check of a sound database exited non-zero: $out"
echo "$out" | grep -q "20000 rows) checked: no damage found" || bad "check said: $out"

sst=$(ls -S db/*.sst | head -1)
size=$(stat -c %s "$sst")
printf '\x5a' | dd of="$sst" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
name=$(basename "$sst")

for cmd in "info db" "scan db events" "db -c SELECT_sum"; do
  case $cmd in
    "db -c SELECT_sum") err=$("$gp" db -c "SELECT sum(value), count(category) FROM events WHERE value > 1" 2>&1 >/dev/null) ;;
    *) err=$("$gp" $cmd 2>&1 >/dev/null) ;;
  esac
  st=$?
  [ $st -eq 1 ] || bad "$cmd on a damaged database: exit status $st"
  echo "$err" | grep -q "$name" || bad "$cmd did not name $name: $err"
done

out=$("$gp" check db)
[ $? -eq 1 ] || bad "check of a damaged database exited 0"
echo "$out" | grep -q "^damaged: .*$name" || bad "check did not list $name: $out"

"$gp" repair db >/dev/null || bad "repair failed"
out=$("$gp" check db)
[ $? -eq 0 ] || bad "check after repair: $out"
info=$("$gp" info db | sed -n 's/^  \([0-9]*\) rows:.*/\1/p')
scan=$("$gp" scan db events --count)
sel=$("$gp" db --mode csv -c "SELECT count(*) FROM events" | tail -1)
[ "$info" = "$scan" ] && [ "$scan" = "$sel" ] ||
  bad "after repair the answers disagree: info $info, scan $scan, SELECT $sel"

if [ $fails -eq 0 ]; then
  rm -rf "$tmp"
  echo "damage.sh: all checks passed"
  exit 0
fi
echo "damage.sh: $fails failures (kept $tmp)"
exit 1
