#!/bin/bash
# SQL golden tests: each tests/sql/NAME.sql runs through the real binary on a fresh database
# (`gridpulse DB -f NAME.sql --mode csv`, stderr included), with @DATA@ replaced by a copy
# of the small hand-made CSV files of tests/sql/data, and its output must equal
# tests/expected/NAME.out byte for byte. The expected answers were computed by hand (see the
# comments in each script) and cross-checked with awk over the CSV files.
# usage: sql.sh GRIDPULSE TESTS_DIR [NAME...]
set -u
bin=$1
dir=$2
shift 2
tmp=${GP_TEST_TMP:-/tmp}/e2e_sql.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in "$dir"/sql/*.sql; do names+=("$(basename "$f" .sql)"); done
fi
fail=0
for n in "${names[@]}"; do
  rm -rf "$tmp/db" "$tmp/data"
  # the data are copied next to the database and named relatively, so that the messages that
  # quote a file name are the same in every checkout
  cp -r "$dir/sql/data" "$tmp/data"
  sed "s|@DATA@|data|g" "$dir/sql/$n.sql" > "$tmp/$n.sql"
  (cd "$tmp" && "$bin" "$tmp/db" -f "$tmp/$n.sql" --mode csv > "$tmp/$n.out" 2>&1)
  echo "exit $?" >> "$tmp/$n.out"
  if [ "${GP_SQL_UPDATE:-0}" = 1 ]; then cp "$tmp/$n.out" "$dir/expected/$n.out"; fi
  if ! diff -u "$dir/expected/$n.out" "$tmp/$n.out"; then
    echo "FAIL $n"
    fail=1
  else
    echo "ok   $n"
  fi
done
exit $fail
