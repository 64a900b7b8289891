#!/usr/bin/env bash
# repl.sh - the interactive REPL driven through a pseudo-terminal (tmux), as a user would:
# a statement typed over three lines, a syntax error answered with its position and a caret
# (and the session going on), `.mode csv`, history recall with the Up arrow, Tab completion of
# a keyword, Ctrl-C clearing a half-typed line, `.quit` (after a first session that only reads
# and must create no database); then a second session that finds the
# first one's statements in the history file; then Chinese typed (identifiers, strings, a
# multi-line statement, completion), with no locale in the environment and with LC_ALL=C, and
# Tab completion of columns sharing a prefix and of file names after .read and .output.
#
#   bash repl.sh GRIDPULSE
#
# Exits 77 (skipped) when tmux is missing. Every step waits for its prompt to come back
# (polling the pane, 10 s at most) instead of sleeping, so the test is quick and not flaky.
# Output of SHOW TABLES / DESCRIBE is matched loosely (a line naming the table or column),
# the error and caret lines exactly: those come from the parser, not from the executor.
set -u
if [ $# -ne 1 ]; then
  echo "usage: repl.sh GRIDPULSE" >&2
  exit 2
fi
gp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") # the pane runs in the temporary directory
command -v tmux >/dev/null 2>&1 || { echo "tmux not installed: skipped"; exit 77; }
base=${GP_TEST_TMP:-/tmp}
mkdir -p "$base"
tmp=$(mktemp -d "$base/repl.XXXXXX") || exit 2
sock="$tmp/tmux.sock" # private server, removed with tmp
tm() { tmux -S "$sock" -f /dev/null "$@"; }
cleanup() { tm kill-server >/dev/null 2>&1; rm -rf "$tmp"; }
trap cleanup EXIT

fails=0
fail() {
  echo "FAIL: $*"
  fails=$((fails + 1))
}
pane() { tm capture-pane -p -J -S -2000 -t gp 2>/dev/null; }
# Number of primary prompts on screen: each finished command leaves one more.
prompts() { pane | grep -c '^gridpulse>'; }
wait_prompts() { # N: wait until at least N prompts are on screen
  for _ in $(seq 1 200); do
    [ "$(prompts)" -ge "$1" ] && return 0
    sleep 0.05
  done
  fail "timed out waiting for prompt $1"
  pane
  exit 1
}
# Types text literally (tmux would take a trailing ';' as its own command separator).
# tmux sends UTF-8 to the pane whatever its own locale.
keys() {
  local s=$1
  case $s in *\;) s="${s%;}\\;" ;; esac
  tm send-keys -t gp -l "$s"
}
line() { keys "$1"; tm send-keys -t gp Enter; }
# libedit never frees the name and help text that EL_ADDFN wcsdup()s (a leak of its own, 208
# bytes), which would fail an ASan build at .quit; nothing of ours calls wcsdup.
printf 'leak:wcsdup\nleak:libedit.so\n' > "$tmp/lsan.supp"
start() { # [ENV ARGUMENTS]: options (-u NAME) then NAME=VALUE assignments for env(1)
  tm new-session -d -s gp -x 250 -y 100 \
    "cd '$tmp' && env -u GRIDPULSE_HISTORY $* HOME='$tmp' TERM=screen \
     LSAN_OPTIONS='suppressions=$tmp/lsan.supp' '$gp' ./db; echo \$? > status"
  tm set-option -t gp remain-on-exit on >/dev/null
}
expect_line() { # REGEX WHAT: some line of the pane matches REGEX
  pane | grep -Eq -- "$1" || fail "$2 (no line matching /$1/)"
}

wait_status() { # the exit status, as the shell in the pane saw it (tmux's own record of a
  # dead pane's status can lag behind under load)
  for _ in $(seq 1 200); do
    [ -s "$tmp/status" ] && break
    sleep 0.05
  done
}

# A session of its own keeps the tmux server up between the sessions below: a server left
# without sessions exits, and the next new-session could reach it while it shuts down.
tm new-session -d -s keep "sleep 600"

# ---- session 0: a session that only reads creates no database ----
start
wait_prompts 1
expect_line '^gridpulse: \./db, a new database' "the banner says the database is new"
line 'SHOW TABLES;'
wait_prompts 2
line '.schema'
wait_prompts 3
expect_line '^Error: database "\./db" does not exist$' "reading a missing database"
rm -f "$tmp/status"
line '.quit'
wait_status
[ ! -e "$tmp/db" ] || fail "a session that only read created the database"
transcript0=$(pane)
tm kill-session -t gp

# ---- session 1 ----
start
wait_prompts 1
n=1
# A statement over three lines: the continuation prompt shows until the ';'.
line 'CREATE TABLE readings ('
line '  ts TIMESTAMP, sensor SYMBOL, v DOUBLE)'
line '  TIME ts;'
n=$((n + 1)); wait_prompts $n
[ "$(pane | grep -c '^   \.\.\.> ')" -ge 2 ] || fail "no continuation prompts"
line 'SHOW TABLES;'
n=$((n + 1)); wait_prompts $n
expect_line '^ *readings *(\||$)' "SHOW TABLES in table mode lists readings"
# A syntax error: message with the position, the line, a caret under FORM; the session goes on.
line 'DESCRIBE readings FORM x;'
n=$((n + 1)); wait_prompts $n
expect_line '^Error: line 1, column 19: syntax error near "FORM"' "syntax error message"
pane | grep -A2 '^Error: line 1, column 19' | sed -n 2,3p > "$tmp/caret"
printf 'DESCRIBE readings FORM x;\n                  ^\n' | cmp -s - "$tmp/caret" ||
  { fail "caret lines"; cat "$tmp/caret"; }
line '.mode csv'
n=$((n + 1)); wait_prompts $n
# Up x3: .mode csv, the bad DESCRIBE, SHOW TABLES - rerun, now as CSV.
tm send-keys -t gp Up Up Up Enter
n=$((n + 1)); wait_prompts $n
expect_line '^readings(,|$)' "SHOW TABLES recalled from history, written as CSV"
# Tab completes a keyword in the case typed: 'describe' + ' '.
keys 'descr'
tm send-keys -t gp Tab
keys 'readings;'
tm send-keys -t gp Enter
n=$((n + 1)); wait_prompts $n
expect_line '^gridpulse> describe readings;' "Tab completion of DESCRIBE"
expect_line '^"?ts"?,.*(TIMESTAMP|timestamp)' "DESCRIBE in CSV lists ts as a timestamp"
# Ctrl-C drops a half-typed line; what follows runs alone.
keys 'SHOW'
tm send-keys -t gp C-c
n=$((n + 1)); wait_prompts $n
line '.tables'
n=$((n + 1)); wait_prompts $n
[ "$(pane | grep -c '^Error:')" -eq 1 ] || fail "errors other than the syntax error"
rm -f "$tmp/status"
line '.quit'
wait_status
[ "$(cat "$tmp/status" 2>/dev/null)" = 0 ] || fail ".quit did not end the session with status 0"
transcript1=$(pane)
tm kill-session -t gp

# The history file holds the three-line statement as one entry, each line break and the
# indentation after it one blank (libedit writes blanks as \040).
grep -q '^CREATE\\040TABLE\\040readings\\040(\\040ts\\040TIMESTAMP,' "$tmp/.gridpulse_history" ||
  fail "multi-line statement not in the history file as one entry"

# ---- session 2: the history survives ----
start
wait_prompts 1
# Up x3: .quit, .tables, describe readings; (the cleared line never entered history).
tm send-keys -t gp Up Up Up Enter
wait_prompts 2
expect_line '^gridpulse> describe readings;' "history recalled in a new session"
expect_line '^ *ts *\| *(TIMESTAMP|timestamp)' "DESCRIBE in table mode"
# Tab completes a table name from the session (one match: the name and a blank).
keys 'SHOW TABLES; DESCRIBE rea'
tm send-keys -t gp Tab
keys ';'
tm send-keys -t gp Enter
wait_prompts 3
expect_line '^gridpulse> SHOW TABLES; DESCRIBE readings ;' "Tab completion of a table name"
# The other dot commands complete table names only.
keys '.schema rea'
tm send-keys -t gp Tab Enter
wait_prompts 4
expect_line '^gridpulse> \.schema readings $' "Tab completion after .schema"
rm -f "$tmp/status"
line '.quit'
wait_status
transcript2=$(pane)
tm kill-session -t gp

# ---- sessions 3 and 4: Chinese text typed, with no locale at all and with a non-UTF-8 one ----
# libedit decodes keys with the C library's multibyte functions: in the "C" locale it dropped
# every non-ASCII character. Identifiers, strings, a multi-line statement, completion of a
# Chinese column and of a column among others that share its first letters (each candidate
# once pointed at one reused buffer: `categ` became `categline`), and file names after .read.
printf 'ts,类别,编号\n2024-08-01 10:00,噪音扰民,1\n2024-08-01 11:00,占道经营,2\n2024-08-02 09:00,噪音扰民,3\n' \
  > "$tmp/gd.csv"
mkdir -p "$tmp/scripts"
printf "SELECT '从文件读' AS 来源;\n" > "$tmp/scripts/read_me.sql"
for envs in "-u LANG -u LC_ALL -u LC_CTYPE -u LC_MESSAGES" "-u LANG LC_ALL=C"; do
  rm -rf "$tmp/db" "$tmp/.gridpulse_history"
  : > "$tmp/out_prev.txt"
  start "$envs"
  wait_prompts 1
  n=1
  line 'CREATE TABLE 工单 (ts TIMESTAMP, 类别 SYMBOL, 编号 INT, category SYMBOL, line INT)'
  line '  TIME ts;'
  n=$((n + 1)); wait_prompts $n
  line "SELECT '工单编号' AS \"列\", 1.5 AS x;"
  n=$((n + 1)); wait_prompts $n
  expect_line '^gridpulse> SELECT .工单编号. AS "列", 1\.5 AS x;$' "[$envs] Chinese echoed as typed"
  expect_line '^ *列 *\| *x *$' "[$envs] Chinese column name"
  expect_line '^ *工单编号 *\| *1\.5 *$' "[$envs] Chinese string (and 1.5 written with a point)"
  line "COPY 工单 FROM 'gd.csv' WITH (header true);"
  n=$((n + 1)); wait_prompts $n
  # A statement over three lines, its last with a Chinese name completed by Tab.
  line 'SELECT 类别, count(*) AS 数量'
  line '  FROM 工单'
  keys "  WHERE 类别 = '噪音扰民' GROUP BY 类"
  tm send-keys -t gp Tab
  line ';'
  n=$((n + 1)); wait_prompts $n
  expect_line '^   \.\.\.> +WHERE 类别 = .噪音扰民. GROUP BY 类别 ;$' "[$envs] Tab completion of 类别"
  expect_line '^ *噪音扰民 *\| *2 *$' "[$envs] multi-line Chinese statement: 噪音扰民 counted twice"
  keys 'SELECT categ'
  tm send-keys -t gp Tab
  keys ', lin' # LIKE and LIMIT start with li too
  tm send-keys -t gp Tab
  line 'FROM 工单 LIMIT 0;'
  n=$((n + 1)); wait_prompts $n
  expect_line '^gridpulse> SELECT category , line FROM 工单 LIMIT 0;$' \
    "[$envs] Tab completion of columns sharing a prefix (category, not categline)"
  # File names after .read: a directory stays open ('/'), a file gets its blank.
  keys '.read scr'
  tm send-keys -t gp Tab
  keys 'rea'
  tm send-keys -t gp Tab Enter
  n=$((n + 1)); wait_prompts $n
  expect_line '^gridpulse> \.read scripts/read_me\.sql $' "[$envs] Tab completion of a path after .read"
  expect_line '^ *从文件读 *$' "[$envs] .read of the completed path ran"
  keys '.output out_'
  tm send-keys -t gp Tab Enter
  n=$((n + 1)); wait_prompts $n
  expect_line '^gridpulse> \.output out_prev\.txt $' "[$envs] Tab completion of a path after .output"
  line '.output'
  n=$((n + 1)); wait_prompts $n
  rm -f "$tmp/status"
  line '.quit'
  wait_status
  [ "$(pane | grep -c '^Error:')" -eq 0 ] || fail "[$envs] errors in the Chinese session"
  # History keeps the Chinese statement (libedit writes it through the same locale).
  grep -q '工单编号' "$tmp/.gridpulse_history" || fail "[$envs] Chinese statement not in the history"
  if [ $fails -ne 0 ]; then
    echo "---- session [$envs] ----"
    pane
  fi
  tm kill-session -t gp
done

if [ $fails -ne 0 ]; then
  echo "---- session 0 ----"
  echo "$transcript0"
  echo "---- session 1 ----"
  echo "$transcript1"
  echo "---- session 2 ----"
  echo "$transcript2"
  exit 1
fi
echo "repl: all checks passed"
