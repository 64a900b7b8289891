#!/usr/bin/env bash
# roundtrip.sh - what gridpulse writes, gridpulse (and any reader that types columns from the
# text) reads back with the same column types: a query's CSV (--mode csv) and a table's raw
# rows (`gridpulse scan`) are loaded into new tables, whose sniffed types must be those of the
# source columns. The case that matters: a DOUBLE whose values are all whole (count(*) * 1.0,
# a reading of 2.0) is written 2.0, not 2, so it is not re-typed INT; an INT stays bare.
#
#   bash roundtrip.sh GRIDPULSE
#
# Runs in a fresh temporary directory under $GP_TEST_TMP (else /tmp), removed on success.
set -u
if [ $# -ne 1 ]; then
  echo "usage: roundtrip.sh GRIDPULSE" >&2
  exit 2
fi
gp=$1
base=${GP_TEST_TMP:-/tmp}
mkdir -p "$base"
tmp=$(mktemp -d "$base/roundtrip.XXXXXX") || exit 2
cd "$tmp" || exit 2
fail=0

# DESCRIBE's (column, type) pairs of table t in database $1, one "name type" a line.
types() { "$gp" "$1" -c "DESCRIBE t" --mode csv | tail -n +2 | cut -d , -f 1,2 | tr , ' '; }

check() { # what, want, got
  if [ "$2" != "$3" ]; then
    printf 'FAIL %s\nwant:\n%s\ngot:\n%s\n' "$1" "$2" "$3"
    fail=1
  else
    echo "ok   $1"
  fi
}

# a source table whose DOUBLE columns hold only whole values
cat > src.csv <<'EOF'
id,v,w
1,2.0,1e20
2,-3.0,4
3,5.0,0
EOF
"$gp" load src t src.csv --key id > load.log 2>&1 || { cat load.log; exit 1; }
want='id INT
v DOUBLE
w DOUBLE'
check "the source sniffs INT, DOUBLE, DOUBLE" "$want" "$(types src)"

# a query's CSV: whole DOUBLEs, an aggregate made DOUBLE, INTs
"$gp" src -c "SELECT id, w, id * 1.0 AS f, count(*) AS n, count(*) * 1.0 AS nf FROM t
              WHERE id <> 3 GROUP BY id, w ORDER BY id" --mode csv > q.csv 2>&1
check "the query's CSV" 'id,w,f,n,nf
1,1e+20,1.0,1,1.0
2,4.0,2.0,1,1.0' "$(cat q.csv)"
"$gp" load q t q.csv > load.log 2>&1 || { cat load.log; exit 1; }
want='id INT
w DOUBLE
f DOUBLE
n INT
nf DOUBLE'
check "the query's CSV loads back with its types" "$want" "$(types q)"

# the raw rows of `gridpulse scan`
"$gp" scan src t > s.csv 2>&1
"$gp" load s t s.csv > load.log 2>&1 || { cat load.log; exit 1; }
check "scan output loads back with its types" "$(types src)" "$(types s)"

if [ $fail = 0 ]; then
  cd / && rm -rf "$tmp"
  exit 0
fi
echo "roundtrip: kept $tmp" >&2
exit 1
