#!/bin/sh
# brute.sh DATA_DIR QUERY: the answer of CityBench query QUERY (1 to 9, or 5c: Q5 per 1 km
# cell) computed straight from the CSV files with awk (and PROJ's cs2cs for the projected
# cells), rows as CSV without a header, numbers at full precision: an independent path to the checksum of what gridpulse
# returns. It shares no code with gridpulse but PROJ. Readings are 17.28 M rows at every SF, so
# Q7 and Q8 take a few seconds each; events are read once per query.
# Q3 and Q4 test points against the WKT polygons of district.wkt and regions.csv in lon/lat
# micro-degrees by crossing number (gridpulse tests them in EPSG:32650 with GEOS): the generator
# keeps every event off every edge, so "inside or on" and "inside" agree. Q6 is the haversine.
set -eu
d=$1
q=$2
# days since 1970-01-01 of a 'YYYY-MM-DD...' string (civil-from-days inverted, as in H. Hinnant's
# date algorithms), and seconds since the epoch of 'YYYY-MM-DDTHH:MM:SSZ'
lib='
function days(s,  y, m, dd, era, yoe, doy, doe) {
  y = substr(s, 1, 4) + 0; m = substr(s, 6, 2) + 0; dd = substr(s, 9, 2) + 0
  if (m <= 2) y--
  era = int(y / 400); yoe = y - era * 400
  doy = int((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + dd - 1
  doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
  return era * 146097 + doe - 719468
}
function secs(s) {
  return days(s) * 86400 + substr(s, 12, 2) * 3600 + substr(s, 15, 2) * 60 + substr(s, 18, 2)
}
function ts(s) { return substr(s, 1, 10) " " substr(s, 12, 8) }
function floordiv(a, b,  r) { r = int(a / b); if (r * b > a) r--; return r }
'
# Polygons in integer micro-degrees (every coordinate has 6 decimals, so the crossing test is
# exact in doubles: products stay below 2^53). poly(k, wkt) stores polygon k's rings as the flat
# vertex arrays PX[k, v], PY[k, v] with ring starts RG[k, r] (RG[k, NRG[k] + 1] is one past the
# end) and its bounding box BX0..BY1; inpoly(k, x, y) counts the crossings of a ray to +x.
# Example: POLYGON((0 0, 4 0, 4 4, 0 4, 0 0)) and the point (1, 2): only the edge (4 0)-(4 4)
# spans y = 2 and lies right of x = 1, one crossing, inside.
poly='
function mu(s) { return int(s * 1000000 + (s < 0 ? -0.5 : 0.5)) }
function poly(k, w,  s, rings, nr, r, pts, np, i, xy, v) {
  s = w; sub(/^[^(]*\(/, "", s); gsub(/\) *, *\(/, "|", s); gsub(/[()]/, "", s)
  nr = split(s, rings, "|"); v = 0; NRG[k] = nr
  BX0[k] = BY0[k] = 1e18; BX1[k] = BY1[k] = -1e18
  for (r = 1; r <= nr; r++) {
    RG[k, r] = v + 1
    np = split(rings[r], pts, ",")
    for (i = 1; i <= np; i++) {
      split(pts[i], xy, " ")
      if (xy[1] == "") { xy[1] = xy[2]; xy[2] = xy[3] }
      v++; PX[k, v] = mu(xy[1]); PY[k, v] = mu(xy[2])
      if (PX[k, v] < BX0[k]) BX0[k] = PX[k, v]
      if (PX[k, v] > BX1[k]) BX1[k] = PX[k, v]
      if (PY[k, v] < BY0[k]) BY0[k] = PY[k, v]
      if (PY[k, v] > BY1[k]) BY1[k] = PY[k, v]
    }
  }
  RG[k, nr + 1] = v + 1
}
function inpoly(k, x, y,  r, a, b, c, x1, y1, x2, y2, d) {
  if (x < BX0[k] || x > BX1[k] || y < BY0[k] || y > BY1[k]) return 0
  c = 0
  for (r = 1; r <= NRG[k]; r++)
    for (a = RG[k, r]; a < RG[k, r + 1] - 1; a++) {
      b = a + 1; x1 = PX[k, a]; y1 = PY[k, a]; x2 = PX[k, b]; y2 = PY[k, b]
      if ((y1 > y) == (y2 > y)) continue
      d = (x2 - x1) * (y - y1) - (x - x1) * (y2 - y1)
      if (y2 > y1 ? d > 0 : d < 0) c = !c
    }
  return c
}
'
# The unit grids of regions.csv: addreg(line) reads one, region_of(x, y) gives the first region
# (in file order) covering the micro-degree point, 0 for none. Regions are bucketed on a 64 x 64
# lattice over the box, so a point tests only the few regions whose bounding box meets its bucket.
regions='
function bk(v, o,  b) { b = int((v - o) / (300000 / 64)); return b < 0 ? 0 : b > 63 ? 63 : b }
function addreg(line,  k, i, j) {
  k = ++nreg; id[k] = substr(line, 1, index(line, ",") - 1); poly(k, line)
  for (i = bk(BX0[k], 118200000); i <= bk(BX1[k], 118200000); i++)
    for (j = bk(BY0[k], 33800000); j <= bk(BY1[k], 33800000); j++) B[i, j] = B[i, j] " " k
  return k
}
function region_of(x, y,  m, c, i, best) {
  m = split(B[bk(x, 118200000), bk(y, 33800000)], c, " "); best = 0
  for (i = 1; i <= m; i++) if ((best == 0 || c[i] + 0 < best) && inpoly(c[i], x, y)) best = c[i] + 0
  return best
}
'
case $q in
1)
  awk -F, 'NR > 1 && $2 >= "2024-08-01" && $2 < "2024-09-01" { n[substr($2, 1, 10)]++ }
    END { for (k in n) print k "," n[k] }' "$d/events.csv"
  ;;
2)
  # cs2cs reads EPSG:4326 latitude first; the third number is a height, the rest passes through
  awk -F, 'NR > 1 && $5 == "c003" && $2 >= "2024-08-01" && $2 < "2024-09-01" {
      print $4, $3, 0, substr($2, 1, 10) }' "$d/events.csv" |
    cs2cs -f %.6f EPSG:4326 EPSG:32650 |
    awk "$lib"'{ n[floordiv($1, 1000) "," floordiv($2, 1000) "," $4]++ }
      END { for (k in n) print k "," n[k] }'
  ;;
5)
  awk "$lib$poly$regions"'BEGIN { d0 = days("2024-08-01") }
    FNR == 1 { f++; next }
    f == 1 { addreg($0); next }
    {
      split($0, e, ",")
      if (e[5] != "c000") next
      w = floordiv(days(e[2]) - d0, 7)
      if (w < -8 || w > 0 || !(k = region_of(mu(e[3]), mu(e[4])))) next
      n[k, w]++; seen[k] = 1
    }
    END {
      for (k in seen) {
        s = 0
        for (w = -8; w <= -1; w++) s += n[k, w]
        m = s / 8; v = 0
        for (w = -8; w <= -1; w++) v += (n[k, w] - m) ^ 2
        sd = sqrt(v / 7)
        if (n[k, 0] > m + 3 * sd) printf "%s,%d,%.17g,%.17g\n", id[k], n[k, 0], m, sd
      }
    }' "$d/regions.csv" "$d/events.csv"
  ;;
5c)
  awk -F, "$lib"'BEGIN { d0 = days("2024-08-01") }
    NR > 1 && $5 == "c000" { w = floordiv(days($2) - d0, 7); if (w >= -8 && w <= 0) print $4, $3, 0, w }' \
    "$d/events.csv" |
    cs2cs -f %.6f EPSG:4326 EPSG:32650 |
    awk "$lib"'{ c = floordiv($1, 1000) "," floordiv($2, 1000); n[c, $4]++; cells[c] = 1 }
      END {
        for (c in cells) {
          s = 0
          for (w = -8; w <= -1; w++) s += n[c, w]
          m = s / 8; v = 0
          for (w = -8; w <= -1; w++) v += (n[c, w] - m) ^ 2
          sd = sqrt(v / 7)
          if (n[c, 0] > m + 3 * sd) printf "%s,%d,%.17g,%.17g\n", c, n[c, 0], m, sd
        }
      }'
  ;;
3)
  awk -F, "$poly"'FNR == 1 && NR == 1 { poly(1, $0); next }
    FNR == 1 { next }
    $2 >= "2024-08-01" && $2 < "2024-08-08" && inpoly(1, mu($3), mu($4)) { n[$5]++ }
    END { for (k in n) print k "," n[k] }' "$d/district.wkt" "$d/events.csv"
  ;;
4)
  # all regions print, zero-filled
  awk "$poly$regions"'FNR == 1 { f++; next }
    f == 1 { n[addreg($0)] = 0; next }
    {
      split($0, e, ",")
      if (e[2] < "2024-08-01" || e[2] >= "2024-08-08") next
      if ((k = region_of(mu(e[3]), mu(e[4])))) n[k]++
    }
    END { for (k = 1; k <= nreg; k++) print id[k] "," n[k] }' "$d/regions.csv" "$d/events.csv"
  ;;
6)
  awk -F, "$lib"'BEGIN { R = 6371008.771415; p = atan2(0, -1) / 180; lon0 = 118.35 * p; lat0 = 33.95 * p }
    NR > 1 && $2 >= "2024-08-01" && $2 < "2024-09-01" {
      la = $4 * p; s1 = sin((la - lat0) / 2); s2 = sin(($3 * p - lon0) / 2)
      a = s1 * s1 + cos(lat0) * cos(la) * s2 * s2
      if (2 * R * atan2(sqrt(a), sqrt(1 - a)) <= 500) print $1 "," ts($2) "," $5
    }' "$d/events.csv"
  ;;
7)
  awk -F, "$lib"'FNR == 1 { f++; next }
    f == 1 { if ($4 == "water_level") line[$1] = $5; next }
    ($1 in line) && (!($1 in t) || $2 > t[$1]) { t[$1] = $2; v[$1] = $3 }
    END { for (s in t) if (v[s] + 0 > line[s] + 0) print s "," ts(t[s]) "," v[s] "," line[s] }' \
    "$d/sensors.csv" "$d/readings.csv"
  ;;
8)
  # pass 1: each water_level sensor latest time; pass 2: the last 24 h, centred least squares
  awk -F, "$lib"'FNR == 1 { f++; next }
    f == 1 { if ($4 == "water_level") wl[$1] = 1; next }
    f == 2 { if (($1 in wl) && (!($1 in t1) || $2 > t1[$1])) t1[$1] = $2; next }
    f == 3 && ($1 in t1) {
      if (!($1 in s1)) s1[$1] = secs(t1[$1])
      x = (secs($2) - s1[$1]) / 3600
      if (x > -24) { k = ++n[$1]; xs[$1, k] = x; ys[$1, k] = $3 + 0 }
    }
    END {
      for (s in n) {
        if (n[s] < 2) { print s ",,"; continue }
        xm = 0; ym = 0
        for (k = 1; k <= n[s]; k++) { xm += xs[s, k]; ym += ys[s, k] }
        xm /= n[s]; ym /= n[s]; sxy = 0; sxx = 0
        for (k = 1; k <= n[s]; k++) {
          sxy += (xs[s, k] - xm) * (ys[s, k] - ym); sxx += (xs[s, k] - xm) ^ 2
        }
        b = sxy / sxx; a = ym - b * xm
        printf "%s,%.17g,%.17g\n", s, b, a + 6 * b
      }
    }' "$d/sensors.csv" "$d/readings.csv" "$d/readings.csv"
  ;;
9)
  # handle_hours has 2 decimals: summed as integer hundredths, and the mean is one division of
  # exact integers, so it is the double nearest the exact decimal (as CITYBENCH.md asks)
  awk -F, 'NR > 1 {
      k = $5 "," substr($2, 1, 7); n[k]++
      if ($7 == "closed") c[k]++
      if ($8 != "") { split($8, p, "."); h[k] += p[1] * 100 + substr(p[2] "00", 1, 2); hn[k]++ }
    }
    END {
      for (k in n) {
        if (hn[k]) printf "%s,%d,%.17g,%.17g\n", k, n[k], c[k] / n[k], h[k] / (hn[k] * 100)
        else printf "%s,%d,%.17g,\n", k, n[k], c[k] / n[k]
      }
    }' "$d/events.csv"
  ;;
*)
  echo "brute.sh: no query $q (1 to 9)" >&2
  exit 2
  ;;
esac
