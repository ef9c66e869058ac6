# Reading Delta tables the way the protocol says, for the Delta tests: DuckDB (tests/node)
# replays the JSON log; nothing of pgexport's own reading is used. Source after lib.sh, with
# node_dir set to the directory of tests/node.

duck() { # $1 = any Parquet file (read_parquet.mjs wants one), $2 = SQL; tab-separated rows
  node "$node_dir/parquet/read_parquet.mjs" "$1" --no-schema --query "$2" | jq -r '.rows[] | map(. // "") | @tsv'
}

# The live files of version $2 (default: the newest) of the Delta table in local directory $1,
# by replaying its JSON entries alone, from version 0.
live_files() { # $1 = table root directory[, $2 = version]
  local any version=${2:-9223372036854775807}
  any=$(find "$1" -name '*.parquet' ! -name '*.checkpoint.*' -print -quit)
  duck "$any" "
    WITH actions AS (
      SELECT CAST(regexp_extract(filename, '([0-9]{20})\\.json\$', 1) AS BIGINT) AS version,
             \"add\", \"remove\"
      FROM read_json('$1/_delta_log/*.json', format = 'newline_delimited', filename = true,
                     columns = {'add': 'STRUCT(path VARCHAR)', 'remove': 'STRUCT(path VARCHAR)'})),
    events AS (
      SELECT version, \"add\".path AS path, true AS live FROM actions WHERE \"add\" IS NOT NULL
      UNION ALL
      SELECT version, \"remove\".path, false FROM actions WHERE \"remove\" IS NOT NULL)
    SELECT path FROM (SELECT path, arg_max(live, version) AS live FROM events
                      WHERE version <= $version GROUP BY path)
    WHERE live ORDER BY path"
}
