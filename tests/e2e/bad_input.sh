#!/usr/bin/env bash
# bad_input.sh - malformed CSV and NDJSON rows are reported once each, with their line (and
# column), and skipped; every good row loads with its exact values; --on-error stop keeps the
# rows before the first bad line and fails naming it; header and file errors are clear.
#
#   bash bad_input.sh GRIDPULSE EXPECTED_DIR
#
# Runs every command from inside a fresh temporary directory (under $GP_TEST_TMP, else /tmp)
# with relative file names, so that the transcript of commands, stderr, stdout and exit
# statuses is stable, and compares it with EXPECTED_DIR/bad_input.out. Only the timing tail
# of the load summary ("; 0.01 s (700 rows/s); 1 chunks") is normalised away. Scans print
# rows in storage order, so their records are sorted by id; a line break inside a quoted
# value is shown as a literal \n so that each record stays on one line for sorting.
#
# Each bad row below carries the report it must produce (line:column: reason); the column is
# the 1-based byte where the offending field (or, for syntax errors, the offending byte)
# starts, and whole-row problems (field count, line length) have no column.
set -u
if [ $# -ne 2 ]; then
  echo "usage: bad_input.sh GRIDPULSE EXPECTED_DIR" >&2
  exit 2
fi
gp=$1
expected=$2/bad_input.out
base=${GP_TEST_TMP:-/tmp}
mkdir -p "$base"
tmp=$(mktemp -d "$base/bad_input.XXXXXX") || exit 2
cd "$tmp" || exit 2

# The table is created from a clean file first, so that the bad rows cannot sway the type
# sniffing: id INT KEY, ts TIMESTAMP, lon/lat DOUBLE (the location), three SYMBOLs, a DOUBLE.
cat > seed.csv <<'EOF'
id,ts,lon,lat,category,source,status,handle_hours
1,2024-08-01T07:00:00Z,118.30,33.90,c001,app,closed,1.5
2,2024-08-01T07:01:00Z,118.31,33.91,c001,12345,open,
3,2024-08-01T07:02:00Z,118.32,33.92,c002,app,closed,0.25
4,2024-08-01T07:03:00Z,118.33,33.93,c002,app,overdue,3
5,2024-08-01T07:04:00Z,118.34,33.94,c001,12345,closed,10
6,2024-08-01T07:05:00Z,118.35,33.95,c003,app,closed,0.1
EOF

pad=$(printf 'X%.0s' $(seq 247))
{
  echo 'id,ts,lon,lat,category,source,status,handle_hours'
  echo '101,2024-08-01T08:00:00Z,118.30,33.90,c001,app,closed,1.5'          #  2 good
  echo '102,2024-08-01T08:05:00Z,118.31,33.91,c002,12345'                    #  3 6 fields
  echo '103,2024-08-01T08:10:00Z,118.32,33.92,c001,app,closed,2.5,extra'    #  4 9 fields
  echo '10x4,2024-08-01T08:15:00Z,118.33,33.93,c001,app,closed,3.0'         #  5:1 id
  echo '105,2024-08-01T08:20:00Z,118.34,33.94,c001,app,closed,abc'          #  6:55 handle_hours
  echo '106,2024-08-01 08:25:00,118.35,33.95,c002,app,open,'                #  7 good, NULL hours
  echo '107,2024-13-01T08:30:00Z,118.36,33.96,c001,app,closed,1.0'          #  8:5 month 13
  echo '108,,118.37,33.97,c001,app,closed,1.0'                              #  9:5 no time
  echo '109,2024-08-01T08:40:00Z,181.5,33.98,c001,app,closed,1.0'           # 10:26 lon range
  echo '110,2024-08-01T08:45:00Z,118.39,-91,c001,app,closed,1.0'            # 11:33 lat range
  echo '111,2024-08-01T08:50:00Z,nan,33.99,c001,app,closed,1.0'             # 12:26 lon NaN
  printf '112,2024-08-01T08:55:00Z,118.40,34.00,c\xff01,app,closed,1.0\n'   # 13:39 UTF-8
  echo "113,2024-08-01T09:00:00Z,118.40,34.00,$pad,app,closed,1.0"          # 14 300 bytes
  echo '114,2024-08-01T09:05:00Z,118.41,34.01,"c003",app,closed,4.25'       # 15 good, quoted
  echo '115,2024-08-01T09:10:00Z,118.42,34.02,c0"04,app,closed,1.0'         # 16:41 stray quote
  echo '116,2024-08-01T09:15:00Z,118.43,34.03,"c005"x,app,closed,1.0'       # 17:45 after quote
  echo ''                                                                   # 18 blank: skipped
  echo '117,2024-08-01T09:20:00Z,118.44,34.04,c001,app,closed,-0.5'         # 19 good
  echo '118,2024-08-01T09:25:00Z,118.45,34.05,"multi'                       # 20 good, two lines
  echo 'line",app,closed,1.0'                                               # 21 (still 20)
  echo '101,2024-08-01T09:30:00Z,118.46,34.06,c009,app,closed,9.0'          # 22 key of line 2
  echo '119,2024-02-30T00:00:00Z,118.47,34.07,c001,app,closed,1.0'          # 23:5 Feb 30
  printf '120,2024-08-01T09:40:00Z,118.48,34.08,"c""q",app,closed,1.0\r\n'  # 24 good, CRLF
  echo '9223372036854775808,2024-08-01T09:45:00Z,118.49,34.09,c001,app,closed,1.0' # 25:1
  echo ',2024-08-01T09:50:00Z,118.50,34.10,c001,app,closed,1.0'             # 26:1 no key
  echo '3,2024-08-01T09:55:00Z,118.50,34.10,c001,app,closed,1.0'            # 27 key of seed
  echo '121,2024-08-01T10:00:00Z,118.20,33.80,c002,app,closed,7'            # 28 good
  echo '122,2024-08-01T10:05:00Z,118.21,33.81,c0,"unterminated'             # 29:42 its line
  printf '123,2024-08-01T10:10:00Z,118.22,33.82,c\0001,app,closed,1.0\n'     # 30:40 NUL byte
  echo '124,2024-08-01T10:15:00Z,118.23,33.83,c001,"app",closed,2.0'        # 31 good
} > bad.csv

{
  echo '{"id":201,"ts":"2024-08-02T08:00:00Z","lon":118.3,"lat":33.9,"category":"c001","source":"app","status":"closed","handle_hours":1.5}'
  echo '{"id":202,"ts":"2024-08-02T08:05:00Z","lon":118.31'
  echo '{"id":"203x","ts":"2024-08-02T08:10:00Z","lon":118.32,"lat":33.92,"category":"c001","source":"app","status":"closed","handle_hours":1}'
  echo '{"id":204,"ts":"2024-08-02T08:15:00Z","lon":"east","lat":33.94,"category":"c001","source":"app","status":"closed","handle_hours":1}'
  echo '{"id":205,"lon":118.35,"lat":33.95,"category":"c001","source":"app","status":"closed","handle_hours":1}'
  echo '{"id":206,"ts":null,"lon":118.36,"lat":33.96,"category":"c001","source":"app","status":"closed","handle_hours":1}'
  echo '{"id":207,"ts":1722585600,"lon":118.37,"lat":33.97,"category":"c001","source":"app","status":"closed","handle_hours":1}'
  echo '{"id":208,"ts":"2024-08-02T08:35:00Z","lon":118.38,"lat":33.98,"category":"c003","source":"app","status":"open","handle_hours":null}'
  echo 'this is not json'
  echo '{"id": 210, "ts": "2024-08-02T08:45:00Z", "lon": 118.39, "lat": 33.99, "category": "c\u00e9", "source": "app", "status": "closed", "handle_hours": 2, "extra": [1, {"x": "]"}]}'
  echo '{"id":211,"ts":"2024-08-02T08:50:00Z","lon":118.4,"lat":34.0,"category":"c001","source":"app","status":"closed","handle_hours":1.0,}'
  echo '{"id":212,"ts":"2024-08-02T08:55:00Z","lon":118.41,"lat":[34.01],"category":"c001","source":"app","status":"closed","handle_hours":1}'
  echo '{"id":213,"ts":"2024-08-02T09:00:00Z","lon":118.42,"lat":34.02,"category":"c001","source":"app","status":"closed","handle_hours":true}'
  printf '{"id":214,"ts":"2024-08-02T09:05:00Z","lon":118.43,"lat":34.03,"category":"c\xff","source":"app","status":"closed","handle_hours":1}\n'
  echo '{"id":215,"ts":"2024-08-02T09:10:00Z","lon":118.44,"lat":34.04,"category":"c001","source":"app","status":"closed","handle_hours":1} }'
  echo '{"id":216,"ts":"2024-08-02T09:15:00Z","lon":null,"lat":34.05,"category":"c001","source":"app","status":"closed","handle_hours":1}'
  echo '{"id":201,"ts":"2024-08-02T09:20:00Z","lon":118.3,"lat":33.9,"category":"c009","source":"app","status":"closed","handle_hours":9}'
  printf '%s' '{"id":218,"ts":"2024-08-02T09:25:00Z","lon":118.42,"lat":34.02,"category":"c002","source":"12345","status":"closed","handle_hours":0.5}'
} > bad.ndjson

# A file of about 19 MB: many 1 MiB segments and two rounds of the parallel parser, so that
# line numbers must carry across segment and round boundaries. Every 1000th record has a line
# break inside a quoted value and every 50000th is followed by a blank line, so lines and
# records drift apart. Every 49999th record has lon "x" (rejected), every 77777th repeats the
# previous record's id (a duplicate key). awk writes, from the same counters, the reports the
# load must print (big.expect) and the rows the scan must return (big.scan), values formatted
# as the scan prints them (%.15g of the same decimal text, with ".0" after a whole number, as
# every DOUBLE is written). Ids start at 1000001, clear of the seed's.
awk -v n=300000 'function dbl(v, s) { s = sprintf("%.15g", v); return s ~ /[.e]/ ? s : s ".0" }
BEGIN {
  print "id,ts,lon,lat,category,source,status,handle_hours"
  line = 1
  for (i = 1; i <= n; i++) {
    line++
    id = 1000000 + i
    if (i % 77777 == 0) id--
    d = int(i / 86400); s = i % 86400
    hms = sprintf("%02d:%02d:%02d", int(s / 3600), int(s % 3600 / 60), s % 60)
    ts = sprintf("2024-08-%02dT%sZ", 3 + d, hms)
    lon = sprintf("%.3f", 118.2 + (i % 300) / 1000)
    lat = sprintf("%.3f", 33.8 + (i % 293) / 1000)
    multi = i % 1000 == 0
    cat = multi ? "\"c\n" (i % 7) "\"" : "c00" (i % 5)
    src = i % 3 == 0 ? "12345" : "app"
    st = i % 4 == 0 ? "open" : "closed"
    hh = st == "open" ? "" : sprintf("%.2f", (i % 997) / 4)
    if (i % 49999 == 0) {
      printf "big.csv:%d:%d: column '"'"'lon'"'"': bad number \"x\"\n", line,
             length(id) + length(ts) + 3 > "big.expect"
      lon = "x"
    } else if (i % 77777 != 0) {
      printf "%d,2024-08-%02d %s,%s,%s,%s,%s,%s,%s\n", id, 3 + d, hms, dbl(lon + 0), dbl(lat + 0),
             multi ? "\"c\\n" (i % 7) "\"" : cat, src, st, hh == "" ? "" : dbl(hh + 0) > "big.scan"
    }
    print id "," ts "," lon "," lat "," cat "," src "," st "," hh
    if (multi) line++
    if (i % 50000 == 0) { print ""; line++ }
  }
  print "big.csv: 299991 rows loaded, 6 rejected, 3 duplicate keys skipped; TIME" > "big.expect"
}' > big.csv

# The same in NDJSON, 100000 records of one line each and a blank line after every 1000th;
# every 33333rd record has a ts that is no timestamp.
awk -v n=100000 'BEGIN {
  line = 0
  for (i = 1; i <= n; i++) {
    line++
    s = i % 86400
    ts = sprintf("\"2024-08-04T%02d:%02d:%02dZ\"", int(s / 3600), int(s % 3600 / 60), s % 60)
    if (i % 33333 == 0) {
      ts = "\"noon\""
      printf "big.ndjson:%d:%d: column '"'"'ts'"'"': bad timestamp \"noon\"\n", line, 21 > "bign.expect"
    }
    printf "{\"id\":%d,\"ts\":%s,\"lon\":%.3f,\"lat\":%.3f,\"category\":\"c%03d\",", 2000000 + i,
           ts, 118.2 + (i % 300) / 1000, 33.8 + (i % 293) / 1000, i % 182
    printf "\"source\":\"app\",\"status\":\"closed\",\"handle_hours\":%.2f}\n", (i % 997) / 4
    if (i % 1000 == 0) { print ""; line++ }
  }
  print "big.ndjson: 99997 rows loaded, 3 rejected, 0 duplicate keys skipped; TIME" > "bign.expect"
}' > big.ndjson

# Quotes against the 1 MiB segment cuts, about 3 MB: every record holds a quoted category
# with a line break inside ("c\n3"); the record that holds each cut byte (the loader cuts at
# the first record end at or after 1 MiB past the segment start) gets a longer quoted
# category made of "" escapes and line breaks, so the cut byte is inside quotes; every 997th
# record has a stray quote in an unquoted field; record 500 (line 1000) opens a quote it never
# closes. Each bad record must cost that record only. awk writes the reports the load must
# print (quotes.expect) and the count and sum of the ids that must be stored (quotes.sum).
LC_ALL=C awk -v n=50000 'BEGIN {
  print "id,ts,lon,lat,category,source,status,handle_hours"
  line = 1; off = 0; cut = 1048576; good = 0; sum = 0; bad = 0
  for (i = 1; i <= n; i++) {
    line++
    id = 3000000 + i
    s = i % 86400
    ts = sprintf("2024-08-05T%02d:%02d:%02dZ", int(s / 3600), int(s % 3600 / 60), s % 60)
    pre = id "," ts ",118.3" (i % 10) ",33.9" (i % 10) ","
    cat = "\"c\n" (i % 7) "\""
    st = "closed"
    if (i % 997 == 0) st = "clo\"sed"
    tail = ",app," st ",1.5"
    rec = pre cat tail
    if (off + length(rec) + 1 >= cut) {
      k = int((cut - off - length(pre)) / 3) + 2
      cat = "\"c"; for (j = 0; j < k; j++) cat = cat "\"\"\n"; cat = cat "\""
      rec = pre cat tail
      cut = off + length(rec) + 1 + 1048576
    }
    nl = gsub(/\n/, "&", rec)
    if (i == 500) {
      rec = pre "\"c" (i % 7) tail; nl = 0
      printf "quotes.csv:%d:%d: unterminated quoted field\n", line, length(pre) + 1 > "quotes.expect"
      bad++
    } else if (i % 997 == 0) {
      printf "quotes.csv:%d:%d: quote inside unquoted field\n", line,
             length(pre cat) + 9 > "quotes.expect"
      bad++
    } else {
      good++; sum += id
    }
    print rec
    off += length(rec) + 1
    line += nl
  }
  printf "quotes.csv: %d rows loaded, %d rejected, 0 duplicate keys skipped; TIME\n", good,
         bad > "quotes.expect"
  printf "%d,%.0f\n", good + 6, sum + 21 > "quotes.sum"
}' > quotes.csv

# 1000 records, every 5th with a bad handle_hours: 200 rejects, more than any screenful, all
# of them reported (or written to --reject-file with their records); --max-errors 150 stops
# at the 151st, on line 756, keeping the 604 good rows before it.
awk 'BEGIN {
  print "id,ts,lon,lat,category,source,status,handle_hours"
  for (i = 1; i <= 1000; i++)
    printf "%d,2024-08-06T%02d:%02d:00Z,118.3,33.9,c001,app,closed,%s\n", 4000000 + i,
           int(i / 60) % 24, i % 60, i % 5 == 0 ? "x" i : "1.5"
}' > many.csv

# Tables created from files: the sniffed schema is printed. 20000 events where record 500
# (in the sampled head) has a bad timestamp: ts stays the TIMESTAMP time column and that row
# is rejected. Every field quoted, as Excel and pandas QUOTE_ALL write: numbers are numbers.
# A --time column with 5% bad values (too many to sniff as TIMESTAMP) is still the time
# column: its bad rows are rejected.
awk 'BEGIN {
  print "id,ts,lon,lat,kind"
  for (i = 1; i <= 20000; i++) {
    ts = sprintf("2024-08-07T%02d:%02d:%02dZ", int(i / 3600) % 24, int(i / 60) % 60, i % 60)
    if (i == 500) ts = "2024-08-07T25:00:00Z"
    printf "%d,%s,118.3,33.9,k%d\n", i, ts, i % 3
  }
}' > ts20k.csv
printf '"id","ts","lon","lat","kind","zip"\n' > quoteall.csv
for i in 1 2 3 4 5; do
  printf '"%d","2024-08-07T0%d:00:00Z","118.3%d","33.9","k%d","0213%d"\n' $i $i $i $((i % 2)) $i
done >> quoteall.csv
awk 'BEGIN {
  print "id,when,v"
  for (i = 1; i <= 200; i++)
    printf "%d,%s,%d\n", i, i % 20 == 0 ? "soon" : sprintf("2024-08-07T%02d:%02d:00Z", int(i / 60), i % 60), i
}' > when.csv

cat > other.csv <<'EOF'
id,ts,lon,lat,category,source,status,colour
301,2024-08-03T08:00:00Z,118.30,33.90,c001,app,closed,red
EOF

# Scan output without its header -> one record a line (a line break inside quotes becomes a
# literal \n), sorted by id.
records() {
  awk '{ rec = open ? rec "\\n" $0 : $0; q += gsub(/"/, "&"); open = q % 2
         if (!open) { print rec; q = 0 } }' | LC_ALL=C sort -t , -k 1,1n
}

normalise() {
  sed -E 's/; [0-9.]+ s \([0-9]+ rows\/s\); [0-9]+ chunks$/; TIME/' "$@"
}

# Prints the command, its stderr (timing normalised), its stdout (records sorted by id for
# scans) and its exit status.
step() {
  echo "\$ gridpulse $*"
  "$gp" "$@" > out.txt 2> err.txt
  local st=$?
  normalise err.txt | sed 's/^/stderr: /'
  if [ "$1" = scan ] && [ -s out.txt ]; then
    head -n 1 out.txt
    tail -n +2 out.txt | records
  else
    cat out.txt
  fi
  echo "exit $st"
}

{
  echo "# the table, from a clean file"
  step load db events seed.csv --key id --quiet
  "$gp" info db | grep '^table'
  echo "# malformed rows are skipped, each reported once"
  step load db events bad.csv --max-line 200
  step load db events bad.ndjson
  step scan db events
  step scan db events --count
  echo "# --on-error stop keeps the rows before the first bad line"
  step load db2 events seed.csv --key id --quiet
  step load db2 events bad.csv --max-line 200 --on-error stop
  step load db2 events bad.ndjson --on-error stop
  step scan db2 events
  echo "# a big file: line numbers across segments and rounds"
  step load db3 events seed.csv --key id --quiet
  echo "\$ gridpulse load db3 events big.csv"
  "$gp" load db3 events big.csv > /dev/null 2> big.err
  echo "exit $?"
  if normalise big.err | cmp -s big.expect -; then
    echo "stderr as big.expect says ($(wc -l < big.expect) lines)"
  else
    normalise big.err | diff big.expect - | head -n 20
  fi
  echo "\$ gridpulse scan db3 events"
  "$gp" scan db3 events 2>&1 > big.out
  echo "exit $?"
  if tail -n +2 big.out | records | awk -F , '$1 > 1000000' | cmp -s big.scan -; then
    echo "rows as big.scan says ($(wc -l < big.scan) rows)"
  else
    tail -n +2 big.out | records | awk -F , '$1 > 1000000' | diff big.scan - | head -n 20
  fi
  echo "\$ gridpulse load db3 events big.ndjson"
  "$gp" load db3 events big.ndjson > /dev/null 2> bign.err
  echo "exit $?"
  if normalise bign.err | cmp -s bign.expect -; then
    echo "stderr as bign.expect says ($(wc -l < bign.expect) lines)"
  else
    normalise bign.err | diff bign.expect - | head -n 20
  fi
  step scan db3 events --count
  step load db4 events seed.csv --key id --quiet
  step load db4 events big.csv --on-error stop
  step scan db4 events --count
  echo "# quotes across segment cuts: a bad quote costs its own record"
  step load db5 events seed.csv --key id --quiet
  echo "\$ gridpulse load db5 events quotes.csv"
  "$gp" load db5 events quotes.csv > /dev/null 2> quotes.err
  echo "exit $?"
  if normalise quotes.err | cmp -s quotes.expect -; then
    echo "stderr as quotes.expect says ($(wc -l < quotes.expect) lines)"
  else
    normalise quotes.err | diff quotes.expect - | head -n 20
  fi
  "$gp" db5 --mode csv -c "SELECT count(*) AS n, sum(id) AS s FROM events" | tail -n 1 > quotes.got
  if cmp -s quotes.sum quotes.got; then
    echo "count and sum of ids as quotes.sum says"
  else
    echo "count and sum of ids: $(cat quotes.got), want $(cat quotes.sum)"
  fi
  echo "# every reject is reported; exit 3 says rows were skipped"
  step load db6 events seed.csv --key id --quiet
  echo "\$ gridpulse load db6 events many.csv"
  "$gp" load db6 events many.csv > /dev/null 2> many.err
  echo "exit $?"
  echo "$(grep -c '^many.csv:[0-9]*:[0-9]*: column' many.err) reports, then:"
  normalise many.err | tail -n 1
  step load db7 events seed.csv --key id --quiet
  step load db7 events many.csv --reject-file rejects.txt
  echo "rejects.txt: $(wc -l < rejects.txt) lines, the first and last reject:"
  head -n 2 rejects.txt
  tail -n 2 rejects.txt
  step scan db7 events --count
  step load db8 events seed.csv --key id --quiet
  echo "\$ gridpulse load db8 events many.csv --max-errors 150"
  "$gp" load db8 events many.csv --max-errors 150 > /dev/null 2> many.err
  echo "exit $?"
  echo "$(grep -c '^many.csv:[0-9]*:[0-9]*: column' many.err) reports, then:"
  normalise many.err | tail -n 2
  step scan db8 events --count
  step load db8 events many.csv --max-errors x
  echo "# tables created from files: the schema is printed; damage is rejected, not hidden"
  step load db9 ev ts20k.csv --quiet
  step load db9 qa quoteall.csv --key id --quiet
  "$gp" info db9 | grep '^table'
  echo "\$ gridpulse load db9 w when.csv --time when"
  "$gp" load db9 w when.csv --time when > /dev/null 2> when.err
  echo "exit $?"
  normalise when.err | head -n 3
  echo "... $(grep -c "bad timestamp" when.err) bad timestamps reported, then:"
  normalise when.err | tail -n 1
  echo "# a header column the table lacks; a file that is not there"
  step load db events other.csv
  step load db events nosuch.csv
  step scan db events --count
} > actual.out 2>&1

if diff -u "$expected" actual.out; then
  cd / && rm -rf "$tmp"
  exit 0
fi
echo "bad_input: the transcript differs from $expected (kept in $tmp)" >&2
exit 1
