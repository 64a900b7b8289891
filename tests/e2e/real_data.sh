#!/bin/bash
# real_data.sh - region joins on the real public data of ../shared/datasets/real (see its
# SOURCES.md), checked against an independent per-point GEOS computation (tests/real_verify.c).
#
#   bash real_data.sh GRIDPULSE REAL_VERIFY SHARED_DIR
#
# Exits 77 (skipped) when SHARED_DIR/datasets/real is absent. The data are read where they lie,
# never copied into the checkout. For each city:
# - `gridpulse load` the points into a fresh database; the summary line's loaded + rejected +
#   duplicate rows must equal the file's records (these CSVs have no embedded newlines, so
#   records = lines - 1);
# - CREATE REGIONS from the polygons (make_valid true: Boston's Hyde Park ring touches itself)
#   and `SELECT region(L) AS r, count(*) ... GROUP BY r`;
# - real_verify reads the same polygons and CSV (first covering feature in file order), leaving
#   out the lines the loader rejected (their numbers come from the loader's messages) and
#   records without coordinates, which gridpulse loads with no position. Its point count plus
#   gridpulse's unlocated rows must equal the rows loaded (so no rejected line went unlisted),
#   its points in no region plus the unlocated rows the NULL row, and its per-region counts
#   the rest, line for line.
# Both sides are sorted with LC_ALL=C sort. On a mismatch the diff is printed (< gridpulse,
# > real_verify) and the temporary directory is kept.
set -u
if [ $# -ne 3 ]; then
  echo "usage: real_data.sh GRIDPULSE REAL_VERIFY SHARED_DIR" >&2
  exit 2
fi
gp=$1
verify=$2
real=$3/datasets/real
if [ ! -d "$real" ]; then
  echo "$real absent: skipped"
  exit 77
fi
base=${GP_TEST_TMP:-/tmp}
mkdir -p "$base"
tmp=$(mktemp -d "$base/real_data.XXXXXX") || exit 2
fails=0
fail() {
  echo "FAIL: $*"
  fails=$((fails + 1))
}
cleanup() {
  if [ $fails -eq 0 ]; then rm -rf "$tmp"; else echo "kept $tmp"; fi
}
trap cleanup EXIT

# load DB TABLE FILE LOADER_ARGS...: loads FILE, checks the summary line's arithmetic, and
# leaves the rows loaded in $loaded and the rejected line numbers in $tmp/TABLE.skip.
load() {
  local db=$1 table=$2 file=$3
  shift 3
  local log=$tmp/$table.load
  "$gp" load "$db" "$table" "$file" "$@" > "$log" 2>&1
  local st=$?
  # 3: rows were rejected (each one reported, checked below); anything else non-zero failed
  if [ $st -ne 0 ] && [ $st -ne 3 ]; then
    fail "$table: gridpulse load exited $st"
    cat "$log"
    loaded=-1
    return
  fi
  local sum
  sum=$(grep -E '^.*: [0-9]+ rows loaded, [0-9]+ rejected, [0-9]+ duplicate keys skipped' "$log" |
        tail -n 1 | sed -E 's/.*: ([0-9]+) rows loaded, ([0-9]+) rejected, ([0-9]+) dup.*/\1 \2 \3/')
  local rejected dup records
  loaded=-1
  read -r loaded rejected dup <<< "$sum"
  records=$(($(wc -l < "$file") - 1))
  if [ -z "$dup" ] || [ $((loaded + rejected + dup)) -ne "$records" ]; then
    fail "$table: loaded $loaded + rejected $rejected + duplicates $dup != $records records"
    cat "$log"
  fi
  # messages are FILE:LINE[:COLUMN]: reason, and a reason may hold colons
  awk -v f="$file:" 'index($0, f) == 1 { r = substr($0, length(f) + 1)
                      if (match(r, /^[0-9]+/)) print substr(r, 1, RLENGTH) }' "$log" \
      > "$tmp/$table.skip"
  echo "$table: $records records, $loaded loaded, $rejected rejected, $dup duplicates" \
       "($(basename "$file"))"
  # the rejections other than missing coordinates
  awk -v f="$file:" 'index($0, f) == 1 && substr($0, length(f) + 1) ~ /^[0-9]/' "$log" |
    grep -v -e 'missing lon' -e 'missing lat' | sed 's/^/  rejected: /'
}

# region_join DB TABLE LAYER POLYGONS ID_PROP CSV LON_COL LAT_COL: the region join both ways.
region_join() {
  local db=$1 table=$2 layer=$3 poly=$4 prop=$5 csv=$6 lon=$7 lat=$8
  local out=$tmp/$table.$layer
  if ! "$gp" "$db" -c "CREATE REGIONS $layer FROM '$poly' (id $prop, make_valid true)" \
       --mode csv > "$out.create" 2>&1; then
    fail "$table/$layer: CREATE REGIONS failed"
    cat "$out.create"
    return
  fi
  if ! "$gp" "$db" -c "SELECT region('$layer') AS r, count(*) AS n FROM $table GROUP BY r" \
       --mode csv > "$out.gp" 2> "$out.gperr"; then
    fail "$table/$layer: the region query failed"
    cat "$out.gperr"
    return
  fi
  if ! "$verify" "$poly" "$prop" "$csv" "$lon" "$lat" --make-valid \
       --skip-lines "$tmp/$table.skip" > "$out.ver" 2> "$out.vererr"; then
    fail "$table/$layer: real_verify failed"
    cat "$out.vererr"
    return
  fi
  # the NULL group is the row with an empty id: `,N`
  local gnull gsum points vnull
  gnull=$(grep -E '^,[0-9]+$' "$out.gp" | cut -d, -f2)
  gnull=${gnull:-0}
  gsum=$(tail -n +2 "$out.gp" | awk -F, '{ s += $NF } END { print s + 0 }')
  tail -n +2 "$out.gp" | grep -vE '^,[0-9]+$' | LC_ALL=C sort > "$out.gp.sorted"
  LC_ALL=C sort "$out.ver" > "$out.ver.sorted"
  points=$(sed -nE 's/.* ([0-9]+) points, .*/\1/p' "$out.vererr")
  vnull=$(sed -nE 's/.* ([0-9]+) in no region$/\1/p' "$out.vererr")
  # rows without coordinates load with no position: gridpulse's NULL group holds them too
  local nreg unloc
  nreg=$(sed -nE 's/^CREATE REGIONS ([0-9]+)$/\1/p' "$out.create")
  unloc=$("$gp" "$db" -c "SELECT count(*) AS n FROM $table WHERE \"$lon\" IS NULL" --mode csv |
          tail -n 1)
  echo "$table/$layer: $nreg regions ($prop of $(basename "$poly")); gridpulse: $gsum rows," \
       "$(wc -l < "$out.gp.sorted") regions with points, $gnull in none ($unloc unlocated);" \
       "real_verify: $points points, $(wc -l < "$out.ver.sorted") regions, $vnull in none"
  [ "$gsum" = "$loaded" ] || fail "$table/$layer: the groups hold $gsum rows, $loaded were loaded"
  [ $((points + unloc)) = "$loaded" ] ||
    fail "$table/$layer: real_verify found $points points, gridpulse loaded $loaded rows, $unloc unlocated"
  [ "$gnull" = $((vnull + unloc)) ] ||
    fail "$table/$layer: $gnull rows in no region, real_verify says $vnull (+ $unloc unlocated)"
  if ! diff "$out.gp.sorted" "$out.ver.sorted"; then
    fail "$table/$layer: per-region counts differ (< gridpulse, > real_verify)"
  fi
}

# Boston: 311 requests of 2015 against neighbourhoods, wards and (reprojected) precincts.
b311=$real/boston_311_2015/boston_311_2015.csv
db=$tmp/boston.db
load "$db" boston "$b311" --location LONGITUDE,LATITUDE --key CASE_ENQUIRY_ID
if [ "$loaded" -ge 0 ]; then
  region_join "$db" boston hoods "$real/boston_neighborhoods/Boston_Neighborhoods.geojson" Name \
       "$b311" LONGITUDE LATITUDE
  region_join "$db" boston wards "$real/boston_wards_precincts/Wards.geojson" WARD \
       "$b311" LONGITUDE LATITUDE
  region_join "$db" boston precincts "$real/boston_wards_precincts/Precincts_wgs84.geojson" \
       WARD_PRECINCT "$b311" LONGITUDE LATITUDE
fi

# Beijing: the 12 PRSA stations, then the national CNEMC list, against the 16 districts.
districts=$real/datav_beijing_districts/beijing_districts_110100_full.geojson
prsa=$real/cnemc_station_list/prsa_stations.csv
db=$tmp/beijing.db
load "$db" prsa "$prsa" --location longitude,latitude --key station
if [ "$loaded" -ge 0 ]; then
  region_join "$db" prsa districts "$districts" name "$prsa" longitude latitude
  # and each station in the district SOURCES.md names for it
  "$gp" "$db" -c "SELECT station, region('districts') AS d, count(*) AS n FROM prsa
                   GROUP BY station, d ORDER BY station" --mode csv > "$tmp/prsa.stations" 2>&1
  printf '%s\n' station,d,n Aotizhongxin,朝阳区,1 Changping,昌平区,1 Dingling,昌平区,1 \
         Dongsi,东城区,1 Guanyuan,西城区,1 Gucheng,石景山区,1 Huairou,怀柔区,1 \
         Nongzhanguan,朝阳区,1 Shunyi,顺义区,1 Tiantan,东城区,1 Wanliu,海淀区,1 \
         Wanshouxigong,西城区,1 > "$tmp/prsa.want"
  diff "$tmp/prsa.want" "$tmp/prsa.stations" || fail "prsa: a station in the wrong district"
fi
# the national list as published, Chinese headers and all (经度 = longitude, 纬度 = latitude)
sites=$real/cnemc_station_list/cnemc_site_list.csv
load "$db" sites "$sites" --location 经度,纬度 --key 监测点编码
if [ "$loaded" -ge 0 ]; then
  region_join "$db" sites districts_code "$districts" adcode "$sites" 经度 纬度
fi

# Los Angeles: 311 samples against the 15 council districts and 99 neighbourhood councils.
la311=$real/la_311_hackforla/la_311_samples_2017_2020.csv
db=$tmp/la.db
load "$db" la "$la311" --location Longitude,Latitude --key SRNumber
if [ "$loaded" -ge 0 ]; then
  region_join "$db" la council "$real/la_311_hackforla/la-city-council-districts-2012.geojson" name \
       "$la311" Longitude Latitude
  region_join "$db" la nc "$real/la_311_hackforla/nc-boundary-2019-modified.geojson" nc_id \
       "$la311" Longitude Latitude
fi

if [ $fails -ne 0 ]; then
  echo "$fails check(s) failed"
  exit 1
fi
echo "all region joins agree"
exit 0
