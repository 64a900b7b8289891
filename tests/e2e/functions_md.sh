#!/usr/bin/env bash
# functions_md.sh - the checked-in function reference is current: query/doc/functions.md must
# be exactly what `gridpulse --functions-md` makes from the registry (query/func.c), and every
# function the page lists must be listed by SHOW FUNCTIONS too. After adding a function:
#   ./build/gridpulse --functions-md > query/doc/functions.md
#
#   bash functions_md.sh GRIDPULSE SOURCE_DIR
set -u
if [ $# -ne 2 ]; then
  echo "usage: functions_md.sh GRIDPULSE SOURCE_DIR" >&2
  exit 2
fi
gp=$1
doc=$2/query/doc/functions.md
fresh=$("$gp" --functions-md) || { echo "gridpulse --functions-md failed" >&2; exit 1; }
if ! diff -u "$doc" <(printf '%s\n' "$fresh"); then
  echo "query/doc/functions.md is out of date: run gridpulse --functions-md > query/doc/functions.md" >&2
  exit 1
fi
base=${GP_TEST_TMP:-/tmp}
mkdir -p "$base"
tmp=$(mktemp -d "$base/functions_md.XXXXXX") || exit 2
"$gp" "$tmp/db" -c 'CREATE TABLE t (v INT)' || exit 1
shown=$("$gp" "$tmp/db" -c 'SHOW FUNCTIONS;' --mode csv | tail -n +2 | cut -d, -f1 | sort)
listed=$(printf '%s\n' "$fresh" | sed -n 's/^| `\([a-z_0-9]*\)(.*/\1/p' | sort)
rm -rf "$tmp"
if [ "$shown" != "$listed" ] || [ -z "$shown" ]; then
  echo "SHOW FUNCTIONS and the reference list different functions" >&2
  diff <(printf '%s\n' "$listed") <(printf '%s\n' "$shown") >&2
  exit 1
fi
echo "functions.md current, $(printf '%s\n' "$shown" | wc -l) functions"
