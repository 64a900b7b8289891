#!/usr/bin/env bash
# cli.sh - the command line's first word and when a database is created (query/main.c,
# query/repl.c):
# - a bare word that is not a subcommand (`gridpulse frobnicate`, `gridpulse sael db`) is an error:
#   exit status 2, the usage, the nearest subcommand when one is close, and nothing created;
#   a word that exists or holds a '/' or a '.' is a database;
# - commands and statements that only read (info, scan, seal, compact, SELECT / SHOW /
#   DESCRIBE / plain DROP through -c, -f or a pipe, .tables) fail on a missing database with
#   `database "X" does not exist` (exit 1) and create nothing; SET alone needs no database;
# - those that write (load, CREATE TABLE, COPY, CREATE REGIONS, DROP ... IF EXISTS) create it.
#
#   bash cli.sh GRIDPULSE
#
# Every command runs inside a fresh temporary directory, which must hold only the inputs this
# script wrote after each command that is not meant to create anything.
set -u
if [ $# -ne 1 ]; then
  echo "usage: cli.sh GRIDPULSE" >&2
  exit 2
fi
gp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
base=${GP_TEST_TMP:-/tmp}
mkdir -p "$base"
tmp=$(mktemp -d "$base/cli.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 2
unset GRIDPULSE_DB

fails=0
fail() {
  echo "FAIL: $*"
  fails=$((fails + 1))
}
printf 'ts,v\n2024-08-01 10:00,1\n2024-08-01 11:00,2\n' > in.csv
printf 'SELECT count(*) FROM t;\nSHOW TABLES;\n' > reads.sql
cat > area.geojson <<'EOF'
{"type": "Feature", "id": "a", "properties": {},
 "geometry": {"type": "Polygon", "coordinates": [[[118.3, 33.9], [118.4, 33.9], [118.4, 34.0], [118.3, 33.9]]]}}
EOF
inputs=$(ls -A | sort)

# run STATUS STDERR_REGEX CMD...: CMD (after gridpulse) exits STATUS and, unless the regex is
# empty, some line of its stderr matches it
run() {
  local want=$1 re=$2
  shift 2
  "$gp" "$@" > out.txt 2> err.txt < /dev/null
  local got=$?
  [ "$got" = "$want" ] || fail "gridpulse $*: exit $got, not $want ($(head -c 300 err.txt))"
  [ -z "$re" ] || grep -Eq -- "$re" err.txt || fail "gridpulse $*: no stderr line matching /$re/ ($(head -c 300 err.txt))"
  rm -f out.txt err.txt
}
# nothing_made WHAT: the directory holds only the inputs
nothing_made() {
  [ "$(ls -A | sort)" = "$inputs" ] || fail "$1 created: $(ls -A | tr '\n' ' ')"
}

# ---- 3: the first word ----
run 2 '^gridpulse: unknown command "frobnicate"$' frobnicate
nothing_made "gridpulse frobnicate"
run 2 '^usage:' frobnicate
run 2 'write \./frobnicate for a new one' frobnicate -c 'SELECT 1'
nothing_made "gridpulse frobnicate -c"
# serve is a subcommand now: without a database it is a usage error and makes nothing
run 2 '^usage: gridpulse serve DB' serve
run 2 'unknown option -c' serve -c 'SELECT 1'
nothing_made "gridpulse serve"
run 2 '^gridpulse: unknown command "sael"; did you mean "seal"\?$' sael db
run 2 'did you mean "compact"' compac db
run 2 'did you mean "load"' lod db t in.csv
run 2 '^gridpulse: unknown command "inf"; did you mean "info"\?$' inf
run 2 '^gridpulse: empty database path$' ''
nothing_made "mistyped subcommands"
"$gp" help > out.txt 2>&1 || fail "gridpulse help: exit $?"
grep -q '^usage:' out.txt || fail "gridpulse help prints no usage"
rm -f out.txt

# ---- 4: what only reads creates nothing ----
run 1 '^gridpulse: database "missing\.db" does not exist$' info missing.db
run 1 '^gridpulse: database "\./missing" does not exist$' scan ./missing t
run 1 '^gridpulse: database "\./missing" does not exist$' scan ./missing t --count
run 1 '^gridpulse: database "\./missing" does not exist$' seal ./missing
run 1 '^gridpulse: database "\./missing" does not exist$' compact ./missing
run 1 '^gridpulse: database "gridpulse\.db" does not exist$' info
run 1 '^Error: database "\./missing" does not exist$' ./missing -c 'SELECT count(*) FROM t'
run 1 '^Error: database "\./missing" does not exist$' ./missing -c 'SHOW TABLES'
run 1 '^Error: database "\./missing" does not exist$' ./missing -c 'DESCRIBE t'
run 1 '^Error: database "\./missing" does not exist$' ./missing -c 'DROP TABLE t'
run 1 '^Error: database "\./missing" does not exist$' ./missing -c '.tables'
run 1 '^Error: database "\./missing" does not exist$' ./missing -c '.schema'
run 1 '^Error: database "\./missing" does not exist$' ./missing -f reads.sql
run 1 '^Error: database "gridpulse\.db" does not exist$' -f reads.sql
GRIDPULSE_DB=./env.db "$gp" -c 'SELECT 1' 2> err.txt
[ $? = 1 ] && grep -q '^Error: database "\./env\.db" does not exist$' err.txt ||
  fail "\$GRIDPULSE_DB missing: $(cat err.txt)"
rm -f err.txt
"$gp" ./missing < reads.sql > /dev/null 2> err.txt
[ $? = 1 ] && grep -q '^Error: database "\./missing" does not exist$' err.txt ||
  fail "statements piped in: $(cat err.txt)"
rm -f err.txt
# SET is the session's alone; an empty -c runs nothing.
run 0 '' ./missing -c "SET timezone = 'Asia/Shanghai'"
run 0 '' ./missing -c ''
run 1 '^gridpulse: nope\.csv: cannot open' load ./missing t nope.csv
nothing_made "reading a missing database"

# ---- 4: what writes creates the database ----
run 0 '' ./new -c 'CREATE TABLE t (ts TIMESTAMP, v INT) TIME ts'
[ -d new ] || fail "CREATE TABLE did not create ./new"
# an existing directory is a database even as a bare word
"$gp" new -c 'SELECT count(*) AS n FROM t' --mode csv > out.txt 2>&1 || fail "bare word of an existing database: $(cat out.txt)"
[ "$(cat out.txt)" = "$(printf 'n\n0')" ] || fail "SELECT on ./new: $(cat out.txt)"
run 0 '' info new
run 0 '' seal new
run 0 '' city.db -c "SET threads = 1; CREATE TABLE t (ts TIMESTAMP, v INT) TIME ts;
  COPY t FROM 'in.csv' WITH (header true)"
[ -d city.db ] || fail "CREATE TABLE; COPY did not create city.db"
"$gp" city.db -c 'SELECT sum(v) AS s FROM t' --mode csv > out.txt 2>&1
[ "$(cat out.txt)" = "$(printf 's\n3')" ] || fail "COPY into a new database: $(cat out.txt)"
# COPY writes, so it opens the database for writing (which creates it), then finds no table.
run 1 '^Error: line 1, column 6: no table "t"' ./copied -c "COPY t FROM 'in.csv'"
run 0 '' ./regions.db -c "CREATE REGIONS areas FROM 'area.geojson'"
[ -d regions.db ] || fail "CREATE REGIONS did not create regions.db"
run 0 '' ./dropped -c 'DROP TABLE IF EXISTS t; CREATE TABLE t (ts TIMESTAMP) TIME ts'
[ -d dropped ] || fail "DROP IF EXISTS + CREATE did not create ./dropped"
run 0 '' load ./loaded t in.csv --quiet
[ -d loaded ] || fail "load did not create ./loaded"
# A read before the first write in one -c fails and stops there: nothing created.
run 1 '^Error: database "\./late" does not exist$' ./late -c 'SELECT 1; CREATE TABLE t (ts TIMESTAMP) TIME ts'
[ ! -e late ] || fail "a failed read before a write created ./late"

if [ $fails -ne 0 ]; then
  echo "cli: $fails checks failed"
  exit 1
fi
echo "cli: all checks passed"
