#!/usr/bin/env bash
# Parquet row groups are leased from the writers' half of --memory-limit (docs/memory.md): with
# --row-group-bytes far above what that half holds, two jobs export two 100 MB tables of
# incompressible text with --memory-limit 48MiB. Each row group closes when the half has no room
# (DuckDB reads the row group sizes from the footers), every row comes back exactly (DuckDB's
# digest of the files equals PostgreSQL's of the tables), and the peak RSS that GNU time
# reports stays within the limit plus the process's 64 MiB. Before row groups were leased, each
# job would have held its whole table as one row group.
source "$(dirname "$0")/lib.sh"
need_postgres
need_parquet_readers
command -v /usr/bin/time >/dev/null || fail "no /usr/bin/time (GNU time): scripts/install-deps.sh installs it"

db=pgexport_memory_share
fresh_database "$db"
rows=1500000 limit_mib=48
# md5 hex: 64 characters per row that neither zstd nor a dictionary shrinks much.
sql "$db" <<SQL
CREATE TABLE first_half (id int PRIMARY KEY, t text);
CREATE TABLE second_half (id int PRIMARY KEY, t text);
INSERT INTO first_half SELECT g, md5(g::text) || md5((-g)::text) FROM generate_series(1, $rows) g;
INSERT INTO second_half SELECT g, md5((g * 7)::text) || md5(g::text) FROM generate_series(1, $rows) g;
SQL
digest() { sql "$db" -c "SELECT md5(string_agg(id || ':' || t, ',' ORDER BY id)) FROM $1"; }
duck() { # $1 = any Parquet file (read_parquet.mjs wants one), $2 = SQL; tab-separated rows
  node "$node_dir/parquet/read_parquet.mjs" "$1" --no-schema --query "$2" | jq -r '.rows[] | map(. // "") | @tsv'
}

dest=$WORK/dest
/usr/bin/time -f '%M' -o "$WORK/rss" "$PGEXPORT_BIN" export --source "dbname=$db" \
  --destination "$dest" --run-id shared --format parquet --jobs 2 --memory-limit ${limit_mib}MiB \
  --row-group-bytes 1GiB >"$WORK/out" 2>"$WORK/log" ||
  fail "the export failed: $(tail -3 "$WORK/log")"
manifest=$dest/runs/shared/_manifest.json
[[ -f $manifest ]] || fail "no manifest"

peak=$(tail -1 "$WORK/rss")
bound=$(((limit_mib + 64) << 10))
((peak <= bound)) || fail "peak RSS $((peak >> 10)) MiB is above the bound of $((bound >> 10)) MiB"
pass "peak RSS $((peak >> 10)) MiB, within --memory-limit and the process ($((bound >> 10)) MiB)"

# The writers' half is 24 MiB, of which each job's fixed lease holds its row group's first MiB:
# no row group can buffer more than the half (and one row past it).
half=$(((limit_mib << 20) / 2))
for table in first_half second_half; do
  keys=$(jq -r --arg t "$table" '.tables[] | select(.name == $t) | .files[].key' "$manifest")
  files=$(sed "s#^#'$dest/#; s#\$#'#" <<<"$keys" | paste -sd,)
  any=$dest/$(head -1 <<<"$keys")
  read -r groups largest < <(duck "$any" \
    "SELECT count(*), max(row_group_bytes) FROM (SELECT DISTINCT file_name, row_group_id, row_group_bytes FROM parquet_metadata([$files]))")
  ((groups > 4)) || fail "$table: $groups row groups; the half of the limit should have closed more"
  ((largest <= half + 1024)) || fail "$table: a row group of $largest bytes, more than the writers' half ($half)"
  pass "$table: $groups row groups, the largest $((largest >> 20)) MiB buffered, within the writers' $((half >> 20)) MiB"
  got=$(duck "$any" "SELECT md5(string_agg(id || ':' || t, ',' ORDER BY id)) FROM read_parquet([$files])")
  [[ $got == "$(digest "$table")" ]] || fail "$table: the files' rows differ from the table's"
  pass "$table: every row reads back exactly through DuckDB"
done
