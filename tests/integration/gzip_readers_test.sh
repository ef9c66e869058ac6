#!/usr/bin/env bash
# gzip output is standard gzip whichever library wrote it: the sample database and the type zoo
# exported as CSV and JSON Lines with gzip at the default level (ISA-L's igzip), at igzip's
# levels 2 and 3 and at zlib's levels 0 (stored) and 9 decompress, with `gzip -d` and with
# Python's gzip module, to exactly the bytes of the same export without compression, and pass
# `gzip -t`. Higher levels give smaller files.
source "$(dirname "$0")/lib.sh"
need_postgres
export PGDATABASE=$SAMPLE_DB
dest=$WORK/out

# Same plan for every run (same tasks, same files), so files correspond by key.
export_run() { # $1 = run id, $2 = format, then more export arguments
  local run=$1 format=$2
  shift 2
  "$PGEXPORT_BIN" export --destination "$dest" --run-id "$run" --format "$format" --jobs 2 \
    --chunk-size 1MiB "$@" >/dev/null || fail "export $run failed"
  verify_manifest_objects "$dest" "$dest/runs/$run/_manifest.json"
}

# The run's files, as "key<TAB>bytes".
files_of() { jq -r '.tables[].files[] | [.key, .bytes] | @tsv' "$dest/runs/$1/_manifest.json"; }

# A file's key without its run and attempt and without .gz: what matches across runs.
file_name() { sed -E 's#^runs/[^/]+/data-[0-9a-f]{12}/##; s#\.gz$##' <<<"$1"; }

# Every file of gzip run $2 decompresses to the bytes of the matching file of plain run $1.
compare_with_plain() { # $1 = plain run, $2 = gzip run; prints the gzip run's total bytes
  local plain=$1 gz=$2 total=0 count=0 key bytes plain_key pairs=$WORK/pairs-$2.tsv
  local -A plain_keys=()
  while IFS=$'\t' read -r key bytes; do
    plain_keys[$(file_name "$key")]=$key
  done < <(files_of "$plain")
  : >"$pairs"
  while IFS=$'\t' read -r key bytes; do
    [[ $key == *.gz ]] || fail "$gz: $key is not named .gz"
    plain_key=${plain_keys[$(file_name "$key")]:-}
    [[ -n $plain_key ]] || fail "$gz: $key has no counterpart in $plain"
    gzip -t "$dest/$key" || fail "$gz: gzip -t rejects $key"
    cmp -s <(gzip -dc "$dest/$key") "$dest/$plain_key" ||
      fail "$gz: gzip -d of $key differs from $plain_key"
    printf '%s\t%s\n' "$dest/$key" "$dest/$plain_key" >>"$pairs"
    total=$((total + bytes))
    count=$((count + 1))
  done < <(files_of "$gz")
  (( count == ${#plain_keys[@]} )) || fail "$gz: $count files, $plain has ${#plain_keys[@]}"
  (( count > 10 )) || fail "$gz: only $count files; the test data is too small"
  python3 - "$pairs" <<'PY' || fail "$gz: Python's gzip module reads a file differently"
import gzip, sys
for line in open(sys.argv[1]):
    compressed, plain = line.rstrip("\n").split("\t")
    with gzip.open(compressed) as f, open(plain, "rb") as g:
        if f.read() != g.read():
            sys.exit(f"{compressed} does not decompress to {plain}")
PY
  echo "$total"
}

export_run csv-plain csv --compression none
export_run jsonl-plain jsonl --compression none
declare -A size
for level in default 0 2 3 9; do
  level_flag=()
  [[ $level == default ]] || level_flag=(--compression-level "$level")
  export_run "csv-gzip-$level" csv --compression gzip "${level_flag[@]}"
  size[$level]=$(compare_with_plain csv-plain "csv-gzip-$level")
done
pass "csv+gzip at the default level and at levels 0, 2, 3 and 9: gzip -d and Python read every file back exactly"

export_run jsonl-gzip jsonl --compression gzip
compare_with_plain jsonl-plain jsonl-gzip >/dev/null
pass "jsonl+gzip: gzip -d and Python read every file back exactly"

plain_bytes=$(jq '[.tables[].files[].bytes] | add' "$dest/runs/csv-plain/_manifest.json")
(( size[0] > plain_bytes )) || fail "level 0 (stored) is ${size[0]} bytes, no more than the plain ${plain_bytes}"
(( size[default] < plain_bytes / 2 )) ||
  fail "the default level left ${size[default]} of ${plain_bytes} bytes: it hardly compresses"
(( size[9] < size[default] )) || fail "level 9 (${size[9]} bytes) is not smaller than the default (${size[default]})"
pass "sizes: ${plain_bytes} plain, ${size[0]} stored (0), ${size[default]} default, ${size[3]} at 3, ${size[9]} at 9"
