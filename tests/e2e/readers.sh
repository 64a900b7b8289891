#!/usr/bin/env bash
# readers.sh - readers while writing. One process writes a database (a script of COPY
# statements, each its own commit, then `gridpulse load` of a bigger file, then a seal) while
# another process queries it in a loop with --read-only. Every read must succeed, its counts
# must only grow (each read-only open is a consistent snapshot: never a row twice across a
# seal, never a committed row missing), and the last must be exact. A write attempted while
# the writer holds the database fails with one sentence naming the holder.
#
#   bash readers.sh GRIDPULSE
set -u
if [ $# -ne 1 ]; then
  echo "usage: readers.sh GRIDPULSE" >&2
  exit 2
fi
gp=$1
base=${GP_TEST_TMP:-/tmp}
mkdir -p "$base"
tmp=$(mktemp -d "$base/readers.XXXXXX") || exit 2
cd "$tmp" || exit 2
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# 40 files of 2,500 rows, then one of 200,000: 300,000 rows, ids unique.
gen() { # gen FIRST COUNT FILE
  awk -v a="$1" -v n="$2" 'BEGIN { srand(a + 1); print "id,ts,lon,lat,v";
    for (i = a; i < a + n; i++)
      printf "%d,2024-08-%02dT%02d:%02d:00Z,%.5f,%.5f,%.2f\n", i, 1 + i % 28, i % 24, i % 60,
             118.3 + rand() * 0.1, 33.9 + rand() * 0.1, rand() * 100 }' > "$3"
}
: > copies.sql
for k in $(seq 0 39); do
  gen $((k * 2500)) 2500 part$k.csv
  echo "COPY t FROM 'part$k.csv' WITH (header true);" >> copies.sql
done
gen 100000 200000 big.csv
"$gp" ./d.db -c "CREATE TABLE t (id INT KEY, ts TIMESTAMP, lon DOUBLE, lat DOUBLE, v DOUBLE)
                 TIME ts LOCATION (lon, lat)" > /dev/null || fail "create"

(
  "$gp" ./d.db -f copies.sql > copies.out 2>&1 || echo "copies failed" >> writer.err
  "$gp" load ./d.db t big.csv --quiet > load.out 2>&1 || echo "load failed" >> writer.err
  "$gp" seal ./d.db > seal.out 2>&1 || echo "seal failed" >> writer.err
  touch writer.done
) &
writer=$!

# While the writer runs: a second writer is refused naming the holder (checked once we see it
# refused: the writer switches processes between its steps, so some attempts may get through
# in a gap; those write nothing, being an empty load).
: > empty.csv
prev=0 reads=0 distinct=0 busy_seen=0
while [ ! -e writer.done ]; do
  n=$("$gp" ./d.db --read-only --mode csv -c "SELECT count(*) FROM t" 2> read.err | tail -n 1)
  if ! [[ "$n" =~ ^[0-9]+$ ]]; then
    wait "$writer"
    fail "read $reads: '$n': $(cat read.err)"
  fi
  [ "$n" -ge "$prev" ] || fail "count went down: $prev then $n"
  [ "$n" -ne "$prev" ] && distinct=$((distinct + 1))
  prev=$n reads=$((reads + 1))
  if [ $busy_seen -eq 0 ] && ! "$gp" load ./d.db t empty.csv --quiet > /dev/null 2> busy.err; then
    grep -q '^gridpulse: database "./d.db" is in use by process [0-9]* (.*gridpulse.*); it can be read meanwhile with --read-only' busy.err ||
      fail "busy message: $(cat busy.err)"
    busy_seen=1
  fi
done
wait "$writer"
[ -e writer.err ] && fail "writer: $(cat writer.err) $(cat copies.out load.out seal.out)"
n=$("$gp" ./d.db --read-only --mode csv -c "SELECT count(*), count(DISTINCT id) FROM t" | tail -n 1)
[ "$n" = "300000,300000" ] || fail "final count: $n"
[ "$prev" -le 300000 ] || fail "a read saw $prev rows"
[ $busy_seen -eq 1 ] || fail "no write was refused while the writer ran"
[ -e d.db/LOCK.holder ] && fail "holder file left after the writer closed"
# --read-only never creates and never writes
"$gp" ./none.db --read-only -c "SELECT 1" > /dev/null 2>&1 && fail "read-only made a database"
[ -e none.db ] && fail "read-only created none.db"
"$gp" ./d.db --read-only -c "CREATE TABLE u (id INT)" 2> ro.err && fail "read-only wrote"
grep -q 'is open read-only (--read-only): it cannot be written' ro.err || fail "$(cat ro.err)"
echo "ok: $reads reads, $distinct distinct counts, final $n"
rm -rf "$tmp"
