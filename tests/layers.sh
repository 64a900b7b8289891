#!/bin/bash
# The layers, checked by text: each folder may include the headers of its own folder and of
# the folders below it, never of one above.
#
#   engine/base/  the foundation   may include: engine/base
#   storage/                       may include: storage, engine/base
#   engine/                        may include: engine, storage, engine/base
#   query/                         may include: query, engine, storage, engine/base
#   query/serve/                   may include: query/serve, query, engine, storage, engine/base
#   query/cli/                     may include: everything above
#
# The build enforces the same with per-target include directories (an include up a layer does
# not compile); this check also catches what the compiler cannot: a relative path
# ("../engine/gp_grid.h") and a header whose folder another target adds to the search path.
# A header is known by its file name (every project header has a distinct one), so
# <gp_grid.h> and "gp_grid.h" count alike; any other include is a system header.
#
# usage: layers.sh REPO            exit 0 when clean, 1 with one line per violation
#        layers.sh --self-test REPO  plants a violation of each rule in a copy; exit 0 when
#                                    every one is caught and the copy was clean before
set -u

allowed() { # folder -> the folders its files may include, space-separated
  case $1 in
    engine/base) echo "engine/base" ;;
    storage) echo "storage engine/base" ;;
    engine) echo "engine storage engine/base" ;;
    query) echo "query engine storage engine/base" ;;
    query/serve) echo "query/serve query engine storage engine/base" ;;
    query/cli) echo "query/cli query/serve query engine storage engine/base" ;;
    *) echo "" ;;
  esac
}
layer_dirs="engine/base storage engine query query/serve query/cli"

check() { # repo; one awk pass over every include line of every layer's files
  local repo=$1 dir f
  local -a files=() headers=()
  for dir in $layer_dirs; do
    for f in "$repo/$dir"/*.[ch]; do
      [ -e "$f" ] || continue
      files+=("${f#"$repo/"}")
      [[ $f == *.h ]] && headers+=("${f#"$repo/"}")
    done
  done
  (cd "$repo" && grep -EH '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]' "${files[@]}") |
    awk -v headers="${headers[*]}" -v rules="$(for d in $layer_dirs; do echo "$d=$(allowed "$d")"; done)" '
      function dirof(p) { sub(/\/[^\/]*$/, "", p); return p }
      function base(p) { sub(/^.*\//, "", p); return p }
      function norm(p,   n, i, k, part, out) { # a/b/../c -> a/c
        n = split(p, part, "/"); k = 0
        for (i = 1; i <= n; i++) {
          if (part[i] == "." || part[i] == "") continue
          if (part[i] == ".." && k > 0) { k--; continue }
          out[++k] = part[i]
        }
        p = ""; for (i = 1; i <= k; i++) p = p (i > 1 ? "/" : "") out[i]
        return p
      }
      BEGIN {
        n = split(headers, h, " ")
        for (i = 1; i <= n; i++) { owner[base(h[i])] = dirof(h[i]); layer[dirof(h[i])] = 1 }
        n = split(rules, r, "\n")
        for (i = 1; i <= n; i++) {
          split(r[i], kv, "="); layer[kv[1]] = 1; allow[kv[1]] = kv[2]
          m = split(kv[2], ds, " "); for (j = 1; j <= m; j++) ok[kv[1], ds[j]] = 1
        }
        bad = 0
      }
      {
        file = $0; sub(/:.*/, "", file); line = substr($0, length(file) + 2)
        t = line; sub(/^[^"<]*["<]/, "", t); sub(/[">].*$/, "", t)
        from = dirof(file); to = ""
        if (t ~ /\//) { p = norm(from "/" t); if (dirof(p) in layer) to = dirof(p) }
        else if (t in owner) to = owner[t]
        if (to == "" || ok[from, to]) next
        a = allow[from]; gsub(/ /, ", ", a)
        printf "layers: %s includes %s (from %s/): %s/ may include only %s\n", file, t, to, from, a
        bad = 1
      }
      END { exit bad }'
}

if [ "${1:-}" = "--self-test" ]; then
  repo=$2
  mkdir -p "${GP_TEST_TMP:-/tmp}"
  tmp=$(mktemp -d "${GP_TEST_TMP:-/tmp}/layers.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  for dir in $layer_dirs; do
    mkdir -p "$tmp/$dir"
    cp "$repo/$dir"/*.[ch] "$tmp/$dir"/ 2>/dev/null
  done
  check "$tmp" > /dev/null || { echo "self-test: the copy is not clean"; exit 1; }
  fail=0
  # each plant: file, include line; each must be reported alone
  plants=("storage/store.c|#include \"gp_grid.h\""
          "storage/codec.c|#include \"../engine/gp_db.h\""
          "storage/chunk.c|#  include <gp_region.h>"
          "engine/base/base.c|#include \"gp_store.h\""
          "engine/catalog.c|#include \"gp_query.h\""
          "engine/grid.c|#include \"../query/query_int.h\""
          "query/exec.c|#include \"gp_repl.h\"")
  for p in "${plants[@]}"; do
    f=${p%%|*} line=${p#*|}
    cp "$tmp/$f" "$tmp/$f.orig"
    printf '%s\n' "$line" >> "$tmp/$f"
    if out=$(check "$tmp") || [ "$(printf '%s\n' "$out" | grep -c .)" != 1 ]; then
      echo "self-test: not caught alone: $f: $line"
      printf '%s\n' "$out"
      fail=1
    else
      echo "caught: $out"
    fi
    mv "$tmp/$f.orig" "$tmp/$f"
  done
  exit $fail
fi

check "${1:?usage: layers.sh [--self-test] REPO}"
