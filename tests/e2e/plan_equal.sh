#!/usr/bin/env bash
# plan_equal.sh - equivalent spellings, one plan (issue 17): pairs of queries that mean the
# same give identical EXPLAIN output and the same answers. The case this guards: a share
# spelled with decimals, avg(CASE WHEN status = 'closed' THEN 1.0 ELSE 0.0 END), takes the
# same inline path as the integer spelling (`1 inline share` on the vectorised line).
#
#   bash plan_equal.sh GRIDPULSE
#
# Runs in a fresh temporary directory under $GP_TEST_TMP (else /tmp), removed on success.
set -u
if [ $# -ne 1 ]; then
  echo "usage: plan_equal.sh GRIDPULSE" >&2
  exit 2
fi
gp=$1
base=${GP_TEST_TMP:-/tmp}
mkdir -p "$base"
tmp=$(mktemp -d "$base/plan_equal.XXXXXX") || exit 2
cd "$tmp" || exit 2
fail=0

check() { # what, want, got
  if [ "$2" != "$3" ]; then
    printf 'FAIL %s\nwant:\n%s\ngot:\n%s\n' "$1" "$2" "$3"
    fail=1
  else
    echo "ok   $1"
  fi
}

awk 'BEGIN { srand(3); print "id,ts,lon,lat,status,kind"
  for (i = 1; i <= 3000; i++)
    printf "%d,2026-01-%02dT%02d:00:00Z,%.4f,%.4f,%s,%s\n", i, 1 + i % 28, i % 24,
      -0.1 + rand() * 0.2, 51.4 + rand() * 0.2, rand() < 0.4 ? "closed" : "open", i % 3 ? "a" : "b" }' > ev.csv
"$gp" load ev.db events ev.csv --key id > load.log 2>&1 || { cat load.log; exit 1; }

same() { # what, query A, query B: identical EXPLAIN and answers
  # the aggregates line shows each query's own text (1 / 0 or 1.0 / 0.0), and with it the
  # table's width: the plan is the rest
  check "$1: one plan" "$("$gp" ev.db -c "EXPLAIN $2" | grep -v -e aggregates: -e "^-")" \
    "$("$gp" ev.db -c "EXPLAIN $3" | grep -v -e aggregates: -e "^-")"
  check "$1: one answer" "$("$gp" ev.db -c "$2" --mode csv)" "$("$gp" ev.db -c "$3" --mode csv)"
}

int="SELECT kind, avg(CASE WHEN status = 'closed' THEN 1 ELSE 0 END) AS share,
  sum(CASE WHEN status <> 'closed' THEN 1 ELSE 0 END) AS open FROM events GROUP BY kind ORDER BY kind"
dec="SELECT kind, avg(CASE WHEN status = 'closed' THEN 1.0 ELSE 0.0 END) AS share,
  sum(CASE WHEN status <> 'closed' THEN 1 ELSE 0 END) AS open FROM events GROUP BY kind ORDER BY kind"
same "a share with 1 / 0 and with 1.0 / 0.0" "$int" "$dec"
check "both shares are inline" "1" "$("$gp" ev.db -c "EXPLAIN $dec" | grep -c 'vectorised: .*2 inline shares')"
# the answers, counted with awk from the CSV (2,000 and 1,000 rows per kind: at most 4
# decimals, printed shortest as gridpulse does)
want=$(awk -F, 'NR > 1 { n[$6]++; if ($5 == "closed") c[$6]++ }
  END { for (k in n) { s = sprintf("%.4f", c[k] / n[k]); sub(/0+$/, "", s); sub(/\.$/, ".0", s)
          printf "%s,%s,%d\n", k, s, n[k] - c[k] } }' ev.csv | sort)
check "the share's answer" "kind,share,open
$want" "$("$gp" ev.db -c "$dec" --mode csv)"

if [ $fail -eq 0 ]; then
  cd / && rm -rf "$tmp"
  echo "all plan_equal tests passed"
fi
exit $fail
