#!/bin/sh
# checksum.sh < rows: the CityBench checksum of result rows given as CSV without a header
# (CITYBENCH.md): integers as printed, other numbers %.6g with |v| < 1e-9 printed as 0, anything
# else (dates, timestamps, names, empty NULLs) as is; rows sorted bytewise, joined by newlines
# (none after the last), SHA-1, first 12 hex digits. Fields are split on commas: CityBench
# results hold no quoted text. POSIX awk, sort and sha1sum only, so it runs in CI.
# Example: the rows "c001,2024-08,3,0.6666666666666666,1.5" and "c000,2024-08,1,1," become
# "c000,2024-08,1,1," then "c001,2024-08,3,0.666667,1.5".
awk -F, -v OFS=, '
  function norm(s, v) {
    if (s ~ /^-?[0-9]+$/) return s
    if (s ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/) {
      v = s + 0
      if (v < 1e-9 && v > -1e-9) return "0"
      return sprintf("%.6g", v)
    }
    return s
  }
  { for (i = 1; i <= NF; i++) $i = norm($i); print }' |
  LC_ALL=C sort | awk 'NR > 1 { printf "\n" } { printf "%s", $0 }' | sha1sum | cut -c1-12
