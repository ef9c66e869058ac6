#!/usr/bin/env python3
"""Compares every value of a pgexport Parquet run with PostgreSQL's own rendering of its source.

    compare_parquet.py MANIFEST ROOT DATABASE [--node-dir DIR] [--show N]

MANIFEST is a run's _manifest.json, ROOT the destination directory its file keys are relative
to, DATABASE the source database (reached through libpq's PG* variables). The independent
readers are tests/node/parquet/read_parquet.mjs (DuckDB), read_parquet_wasm.mjs
(parquet-wasm, i.e. arrow-rs) and read_parquet_hyparquet.mjs (hyparquet, pure JavaScript);
--node-dir (default: $PGEXPORT_NODE_DIR, else tests/node of this
repository) is the directory that holds them and their node_modules.

For each table of the manifest:

* PostgreSQL renders every column of every row (all rows: ONLY for plain tables, the whole
  hierarchy for partitioned ones) as text, one JSON array per row (to_json(ARRAY[...]::text[]),
  which has no argument limit, unlike json_build_array: the zoo has a 1,002-column table), in the
  session settings of pgexport's export session.
* DuckDB reads all files of the table at once (read_parquet of the list) and renders each column
  with an expression chosen from the column's manifest `output` (ParquetFormat::describe_column:
  the Parquet representation) and its PostgreSQL type, so that both sides print the same text
  for the same value. The rules are those of render() in
  tests/unit/parquet/postgres_roundtrip_test.cpp: dates as days and timestamps as microseconds
  since 1970-01-01 (no date formatting involved; infinities as 'infinity'/'-infinity'), bytea as
  upper-case hex, DECIMAL(p,p) with its leading zero, char(n) with its padding, lists element by
  element (here as a JSON array of element renderings, so an element holding '|' or ',' cannot
  be confused with two), everything else as the value's text.
* Values are canonicalised: a real or double becomes its IEEE bit pattern (parsed from the
  shortest-exact text both sides print, then packed as binary32 or binary64), so -0.0,
  subnormals and extremes compare bit for bit; lists of floats element by element; all else
  stays text. Every NaN is one NaN: PostgreSQL's text keeps neither payload nor sign.
* Both sides' rows are compared as multisets (a table may lack a key and hold duplicate rows):
  a Counter of canonical rows each, differences taken both ways. Each difference is printed
  with the table, the columns that differ and both values.
* DuckDB's column types (SELECT * FROM t) must be the ones docs/types.md promises, and every
  file's schema must say REQUIRED for NOT NULL columns, OPTIONAL otherwise, lists in the
  three-level form with OPTIONAL elements.
* parquet-wasm (arrow-rs) reads every file on its own: its row count must be the manifest's for
  that file, its field names the manifest's columns, its Arrow types those of docs/types.md,
  and the file metadata pgexport.table and pgexport.columns must match the manifest.
  Its values are compared with PostgreSQL's too, as the multiset of the rows of all the table's
  files, for EVERY column, because read_parquet_wasm.mjs hands each value out losslessly (64-bit
  integers and decimals as strings, temporal values as their stored integer counts, binary as
  hex, floats as shortest-exact numbers) and PostgreSQL's rendering maps onto that directly:
  booleans, integers, decimals and strings as text; floats as bit patterns; uuid and bytea as
  lower-case hex; enum labels as the hex of their UTF-8 bytes (arrow-rs leaves ENUM as Binary);
  dates and timestamps as day and microsecond counts, pgexport's infinity sentinels (from the
  manifest) mapped back to 'infinity'/'-infinity'; time as microseconds since midnight (parsed
  from PostgreSQL's 'HH:MM:SS[.ffffff]'); lists element by element.
* hyparquet reads every file on its own too, and is held to the same checks: row counts, field
  names, the file metadata, and EVERY value against PostgreSQL's (read_parquet_hyparquet.mjs
  hands values out in parquet-wasm's lossless forms, except that a UUID is the canonical text
  hyparquet makes of it and an enum label is its text). Its field types are the leaf's physical
  type and annotation, which must be those the manifest's description names.
  Not compared through parquet-wasm or hyparquet: NaN payloads and signs (as for DuckDB: neither the text
  nor the JSON it prints keeps them), and the Parquet annotations themselves (logical and
  converted types): Arrow shows only what arrow-rs derives from them; DuckDB's
  parquet_schema() is where the integration test checks them.

Exit status: 0 when everything agrees (a summary line is printed), 1 on any difference (the first
--show differences of each kind are printed), 2 on a usage or tool error.
"""

import argparse
import collections
import json
import math
import os
import re
import struct
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# pgexport's export session (src/pg/snapshot.cpp); text renderings depend on these.
SESSION_SETTINGS = """\
SET client_encoding = 'UTF8';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SET TimeZone = 'UTC';
SET extra_float_digits = 1;
SET bytea_output = 'hex';
\\set FETCH_COUNT 10000
"""


# The one column of the files of a table that has no columns, NULL in every row.
NO_COLUMNS_PLACEHOLDER = "_pgexport_no_columns"


def quote_identifier(name):
    return '"' + name.replace('"', '""') + '"'


# --- how each column is rendered on both sides (render() in postgres_roundtrip_test.cpp) -------


class Rendering:
    """An expression over PostgreSQL's value and one over DuckDB's that must print the same text.

    kind is 'text', 'float' (binary32), 'double' (binary64) or ('list', element kind): how the
    rendered text is canonicalised before comparison.
    """

    def __init__(self, postgres, duckdb, kind="text"):
        self.postgres = postgres
        self.duckdb = duckdb
        self.kind = kind


def is_blank_padded(postgres_type):
    return (postgres_type.startswith("character(") or postgres_type in ("character", "bpchar"))


def render(output, postgres_type, pg, duck):
    kind = output["type"]
    if kind in ("float", "double"):
        return Rendering(f"{pg}::text", f"{duck}::VARCHAR", kind)
    if kind == "date":
        return Rendering(
            f"CASE WHEN isfinite({pg}) THEN ({pg} - DATE '1970-01-01')::text ELSE {pg}::text END",
            f"CASE WHEN isfinite({duck}) THEN ({duck} - DATE '1970-01-01')::VARCHAR "
            f"ELSE {duck}::VARCHAR END")
    if kind in ("timestamp", "timestamptz"):
        # extract(epoch ...) is numeric since PostgreSQL 14: exact to the microsecond.
        return Rendering(
            f"CASE WHEN isfinite({pg}) THEN (extract(epoch FROM {pg}) * 1000000)::bigint::text "
            f"ELSE {pg}::text END",
            f"CASE WHEN isfinite({duck}) THEN epoch_us({duck})::VARCHAR ELSE {duck}::VARCHAR END")
    if kind == "binary":
        return Rendering(f"upper(encode({pg}, 'hex'))", f"hex({duck})")
    if kind.startswith("decimal("):
        # DuckDB prints DECIMAL(p,p) without the leading zero.
        return Rendering(f"{pg}::text", f"regexp_replace({duck}::VARCHAR, '^(-?)\\.', '\\10.')")
    if is_blank_padded(postgres_type):
        # char(n)::text trims the padding; concat() uses the output function, as COPY does.
        return Rendering(f"CASE WHEN {pg} IS NOT NULL THEN concat({pg}) END", f"{duck}::VARCHAR")
    if kind == "list":
        element_type = postgres_type[:-2] if postgres_type.endswith("[]") else postgres_type
        # Elements by subscript: unnest() would expand a composite element into its fields.
        element = render(output["element"], element_type, f"({pg})[i]", "x")
        return Rendering(
            f"CASE WHEN {pg} IS NULL THEN NULL ELSE array_to_json(ARRAY(SELECT {element.postgres} "
            f"FROM generate_subscripts({pg}, 1) AS i ORDER BY i))::text END",
            f"CASE WHEN {duck} IS NULL THEN NULL ELSE "
            f"to_json(list_transform({duck}, lambda x: {element.duckdb}))::VARCHAR END",
            ("list", element.kind))
    return Rendering(f"{pg}::text", f"{duck}::VARCHAR")


# What docs/types.md says DuckDB reads, by the column's output type.
DUCKDB_TYPES = {
    "boolean": "BOOLEAN", "int16": "SMALLINT", "int32": "INTEGER", "int64": "BIGINT",
    "float": "FLOAT", "double": "DOUBLE", "uuid": "UUID", "date": "DATE", "time": "TIME",
    "timestamp": "TIMESTAMP", "timestamptz": "TIMESTAMP WITH TIME ZONE", "binary": "BLOB",
    "string": "VARCHAR", "enum": "VARCHAR", "json": "VARCHAR",
}

# What docs/types.md says parquet-wasm (Arrow JS's names for arrow-rs's types) reads.
ARROW_TYPES = {
    "boolean": "Bool", "int16": "Int16", "int32": "Int32", "int64": "Int64",
    "float": "Float32", "double": "Float64", "uuid": "FixedSizeBinary[16]",
    "date": "Date32<DAY>", "time": "Time64<MICROSECOND>", "timestamp": "Timestamp<MICROSECOND>",
    "timestamptz": "Timestamp<MICROSECOND, UTC>", "binary": "Binary", "string": "Utf8",
    "enum": "Binary", "json": "Utf8",
}


def duckdb_type(output):
    kind = output["type"]
    if kind == "list":
        return duckdb_type(output["element"]) + "[]"
    if kind.startswith("decimal("):
        return kind.upper().replace(" ", "")
    return DUCKDB_TYPES.get(kind)


def arrow_type(output):
    kind = output["type"]
    if kind == "enum" and output.get("parquet_logical_type") == "STRING":
        return "Utf8"  # the portable profile annotates labels as STRING
    if kind == "list":
        element = arrow_type(output["element"])
        return None if element is None else f"List<{element}>"
    if kind.startswith("decimal("):
        precision, scale = re.match(r"decimal\((\d+),(\d+)\)", kind).groups()
        # Arrow JS's spelling: Decimal[12e+2], Decimal[7e0].
        return f"Decimal[{precision}e{'+' if int(scale) > 0 else ''}{scale}]"
    return ARROW_TYPES.get(kind)


def hyparquet_type(output):
    """The leaf type read_parquet_hyparquet.mjs prints for a column the manifest describes."""
    if output["type"] == "list":
        element = hyparquet_type(output["element"])
        return None if element is None else f"LIST {element}"
    logical = output.get("parquet_logical_type") or ""
    name = logical.split("(")[0]
    name = {"INT": "INTEGER"}.get(name, name)
    return f"{output['parquet_physical_type']} {name}".strip()


# --- canonical values --------------------------------------------------------------------------


def float_bits(value, width):
    """The IEEE bit pattern of a float given as text or number; every NaN is 'NaN'."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ("not a number", value)
    if math.isnan(number):
        return "NaN"
    try:
        return width + struct.pack(">" + width, number).hex()
    except OverflowError:
        return ("out of range", value)


def canonical(kind, value):
    """A DuckDB or PostgreSQL rendering of one value, ready to compare."""
    if value is None:
        return None
    if kind == "float":
        return float_bits(value, "f")
    if kind == "double":
        return float_bits(value, "d")
    if isinstance(kind, tuple):
        try:
            items = json.loads(value)
        except ValueError:
            return ("not a JSON list", value)
        if not isinstance(items, list):
            return ("not a JSON list", value)
        return tuple(canonical(kind[1], item) for item in items)
    return value


TIME_TEXT = re.compile(r"^(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$")


class WasmColumn:
    """How one column's PostgreSQL rendering and parquet-wasm's value map to a common form."""

    def __init__(self, output, arrow_field_type):
        self.output = output
        self.binary = "Binary" in arrow_field_type and "FixedSizeBinary" not in arrow_field_type

    def expected(self, rendered):
        return self._expected(self.output, rendered)

    def actual(self, value):
        return self._actual(self.output, value)

    def _expected(self, output, v):
        if v is None:
            return None
        kind = output["type"]
        if kind == "list":
            try:
                items = json.loads(v)
            except ValueError:
                return ("not a JSON list", v)
            return tuple(self._expected(output["element"], item) for item in items)
        if kind == "float":
            return float_bits(v, "f")
        if kind == "double":
            return float_bits(v, "d")
        if kind == "uuid":
            return v.replace("-", "")
        if kind == "binary":
            return v.lower()
        if kind == "enum":
            return v.encode("utf-8").hex() if self.binary else v
        if kind == "time":
            match = TIME_TEXT.match(v)
            if not match:
                return ("unparsable time", v)
            hours, minutes, seconds, fraction = match.groups()
            micros = (int(hours) * 3600 + int(minutes) * 60 + int(seconds)) * 1000000
            return str(micros + int((fraction or "").ljust(6, "0")))
        return v  # booleans, integers, decimals, strings, dates and timestamps as rendered

    def _actual(self, output, v):
        if v is None:
            return None
        kind = output["type"]
        if kind == "list":
            if not isinstance(v, list):
                return ("not a list", v)
            return tuple(self._actual(output["element"], item) for item in v)
        if kind == "float":
            return float_bits(v, "f")
        if kind == "double":
            return float_bits(v, "d")
        if kind == "boolean":
            return {True: "true", False: "false"}.get(v, ("not a boolean", v))
        if kind in ("date", "timestamp", "timestamptz"):
            text = str(v)
            for name, sentinel in output.get("infinity", {}).items():
                if text == str(sentinel):
                    return name
            return text
        if isinstance(v, bool):
            return ("unexpected boolean", v)
        return str(v)


class HyparquetColumn(WasmColumn):
    """As WasmColumn, for hyparquet's values: a UUID is its canonical text (hyparquet formats
    it), an enum label its text (read_parquet_hyparquet.mjs decodes ENUM bytes)."""

    def __init__(self, output, field_type):
        super().__init__(output, "")

    def _expected(self, output, v):
        if v is not None and output["type"] == "uuid":
            return v
        return super()._expected(output, v)


# The readers that read each file on its own: name, script, column mapping, field types.
FILE_READERS = (
    ("parquet-wasm", "read_parquet_wasm.mjs", WasmColumn, arrow_type, "docs/types.md says"),
    ("hyparquet", "read_parquet_hyparquet.mjs", HyparquetColumn, hyparquet_type,
     "the manifest says"),
)


# --- running the readers -----------------------------------------------------------------------


def fail_tool(message):
    print(f"compare_parquet: {message}", file=sys.stderr)
    sys.exit(2)


def json_lines(path):
    """The JSON documents of a file, one a line. Split on '\\n' only: str.splitlines() would
    also split inside values at U+2028 and other separators that JSON leaves raw."""
    with open(path, encoding="utf-8") as stream:
        for line in stream.read().split("\n"):
            if line:
                yield json.loads(line)


def start(command, out_path, cwd=None):
    out = open(out_path, "wb")
    err = open(out_path + ".err", "wb")
    process = subprocess.Popen(command, stdout=out, stderr=err, cwd=cwd)
    out.close()
    err.close()
    return process


def finish(process, out_path, what):
    if process.wait() != 0:
        with open(out_path + ".err", encoding="utf-8", errors="replace") as err:
            fail_tool(f"{what} failed (exit {process.returncode}): {err.read()[-2000:]}")


# --- comparison --------------------------------------------------------------------------------


def short(value, limit=160):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"...({len(text)} chars)"


class Report:
    def __init__(self, show):
        self.show = show
        self.problems = 0

    def problem(self, message):
        self.problems += 1
        if self.problems <= self.show * 4:
            print(f"DIFFERENCE: {message}")

    def compare_rows(self, where, names, expected_rows, actual_rows, reader):
        """Compares two lists of canonical rows as multisets; returns whether they agree."""
        expected = collections.Counter(expected_rows)
        actual = collections.Counter(actual_rows)
        missing = list((expected - actual).elements())
        extra = list((actual - expected).elements())
        if not missing and not extra:
            return True
        self.problem(f"{where}: {len(missing)} PostgreSQL rows not in what {reader} read, "
                     f"{len(extra)} rows {reader} read that PostgreSQL does not hold")
        for row in missing[:self.show]:
            # Pair each missing row with the unexplained row that agrees with it the most.
            best = max(extra, key=lambda other: sum(a == b for a, b in zip(row, other)),
                       default=None)
            if best is None:
                print(f"  row missing from {reader}: "
                      + ", ".join(f"{n}={short(v, 60)}" for n, v in zip(names, row)))
                continue
            for name, want, got in zip(names, row, best):
                if want != got:
                    print(f"  {where}, column {name}: PostgreSQL {short(want)}, "
                          f"{reader} {short(got)}")
        if not missing:
            for row in extra[:self.show]:
                print(f"  row only in {reader}: "
                      + ", ".join(f"{n}={short(v, 60)}" for n, v in zip(names, row)))
        return False


def check_repetition(report, table, schema_rows):
    """NOT NULL columns are REQUIRED, all others OPTIONAL; a list is the three-level form
    (OPTIONAL/REQUIRED group, REPEATED group `list`, OPTIONAL `element`), in every file."""
    by_file = collections.defaultdict(list)
    for file_name, *rest in schema_rows:
        by_file[file_name].append(rest)
    want = []
    for column in table["columns"]:
        top = "OPTIONAL" if column["nullable"] else "REQUIRED"
        if column["output"]["type"] == "list":
            want += [[column["name"], top, "1"], ["list", "REPEATED", "1"],
                     ["element", "OPTIONAL", None]]
        else:
            want.append([column["name"], top, None])
    want.insert(0, ["schema", None, str(len(table["columns"]))])
    if len(by_file) != len(table["files"]):
        report.problem(f"{table['schema']}.{table['name']}: parquet_schema() covers "
                       f"{len(by_file)} of {len(table['files'])} files")
    for file_name, rows in by_file.items():
        if rows != want:
            got = {tuple(r) for r in rows}
            wrong = [w for w in want if tuple(w) not in got]
            report.problem(f"{file_name}: the schema's repetition differs from the manifest's "
                           f"nullability, e.g. want {wrong[:3]}")


def compare_file_reader(report, reader, column_class, field_type, promise, table, where, names,
                        expected, documents):
    """Checks one file reader's documents of one table; returns how many values it compared."""
    rows = []
    columns = None
    for file, document in documents:
        key = file["key"]
        fields = document["fields"]
        # A table without columns is written with one placeholder column (docs/types.md).
        if [f["name"] for f in fields] != (names or [NO_COLUMNS_PLACEHOLDER]):
            report.problem(f"{key}: {reader} reads fields {[f['name'] for f in fields]}, "
                           f"the manifest has {names}")
            continue
        if document["num_rows"] != file["rows"] or len(document["rows"]) != file["rows"]:
            report.problem(f"{key}: {reader} reads {document['num_rows']} rows, the "
                           f"manifest says {file['rows']}")
        metadata = document["metadata"]
        if metadata.get("pgexport.table") != where:
            report.problem(f"{key}: pgexport.table is {metadata.get('pgexport.table')!r}")
        described = json.loads(metadata.get("pgexport.columns", "[]"))
        if ([(d.get("name"), d.get("parquet")) for d in described]
                != [(c["name"], c["output"]) for c in table["columns"]]):
            report.problem(f"{key}: pgexport.columns does not describe the manifest's columns")
        for column, field in zip(table["columns"], fields):
            want = field_type(column["output"])
            if want is not None and field["type"] != want:
                report.problem(f"{key}, column {column['name']}: {reader} reads "
                               f"{field['type']}, {promise} {want}")
        if columns is None:
            columns = [column_class(c["output"], f["type"])
                       for c, f in zip(table["columns"], fields)]
        rows.extend(tuple(c.actual(v) for c, v in zip(columns, row)) for row in document["rows"])
    if columns is None:
        return 0
    pg_rows = [tuple(c.expected(v) for c, v in zip(columns, row)) for row in expected]
    report.compare_rows(where, names, pg_rows, rows, reader)
    return len(rows) * len(columns)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("manifest")
    parser.add_argument("root")
    parser.add_argument("database")
    parser.add_argument("--node-dir", default=os.environ.get("PGEXPORT_NODE_DIR")
                        or os.path.join(REPO, "tests", "node"))
    parser.add_argument("--show", type=int, default=5, help="differences shown per table")
    args = parser.parse_args()
    started = time.monotonic()

    with open(args.manifest, encoding="utf-8") as stream:
        manifest = json.load(stream)
    if manifest.get("format") != "parquet":
        fail_tool(f"{args.manifest} is a {manifest.get('format')} run, not parquet")
    tables = manifest["tables"]
    node_dir = os.path.abspath(args.node_dir)
    report = Report(args.show)

    # Column renderings from the manifest.
    plans = []
    for table in tables:
        renderings = []
        for column in table["columns"]:
            postgres_type = column.get("pg_base_type") or column["pg_type"]
            quoted = quote_identifier(column["name"])
            renderings.append(render(column["output"], postgres_type, quoted, quoted))
        plans.append(renderings)

    with tempfile.TemporaryDirectory(prefix="compare-parquet-") as work:
        # DuckDB: one process, three jobs per table (values, the types DuckDB reads, schemas).
        jobs = []
        for table, renderings in zip(tables, plans):
            files = [os.path.join(args.root, f["key"]) for f in table["files"]]
            if not renderings:
                continue  # only the placeholder column: the file readers check its rows
            select = ", ".join(f"{r.duckdb} AS c{k}" for k, r in enumerate(renderings))
            jobs.append({"files": files, "query": f"SELECT {select} FROM t"})
            jobs.append({"files": files, "query": "SELECT * FROM t LIMIT 0"})
            listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            jobs.append({"files": files, "query": "SELECT file_name, name, repetition_type, "
                         f"num_children FROM parquet_schema([{listed}])"})
        jobs_path = os.path.join(work, "jobs.json")
        with open(jobs_path, "w", encoding="utf-8") as stream:
            json.dump(jobs, stream)
        duck_out = os.path.join(work, "duckdb.jsonl")
        duck = start(["node", os.path.join(node_dir, "parquet", "read_parquet.mjs"), "--batch",
                      jobs_path], duck_out, cwd=node_dir)

        # parquet-wasm and hyparquet: every file on its own, in batches of files per process.
        all_files = [(index, f) for index, table in enumerate(tables) for f in table["files"]]
        file_runs = {name: [] for name, *_ in FILE_READERS}
        for name, script, *_ in FILE_READERS:
            for first in range(0, len(all_files), 200):
                batch = all_files[first:first + 200]
                out = os.path.join(work, f"{name}-{first}.jsonl")
                file_runs[name].append((batch, out, start(
                    ["node", os.path.join(node_dir, "parquet", script)]
                    + [os.path.join(args.root, f["key"]) for _, f in batch], out, cwd=node_dir)))

        # PostgreSQL: one session, a marker line before each table's rows (rows are JSON arrays).
        script = [SESSION_SETTINGS]
        for index, (table, renderings) in enumerate(zip(tables, plans)):
            only = "ONLY " if table["kind"] == "table" else ""
            source = f"{quote_identifier(table['schema'])}.{quote_identifier(table['name'])}"
            values = ", ".join(r.postgres for r in renderings)
            script.append(f"SELECT 'table {index}';\n")
            script.append(f"SELECT to_json(ARRAY[{values}]::text[]) FROM {only}{source};\n"
                          if renderings else f"SELECT '[]' FROM {only}{source};\n")
        script_path = os.path.join(work, "postgres.sql")
        with open(script_path, "w", encoding="utf-8") as stream:
            stream.write("".join(script))
        pg_out = os.path.join(work, "postgres.jsonl")
        finish(start(["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d", args.database,
                      "-f", script_path], pg_out), pg_out, "psql")
        postgres_rows = [[] for _ in tables]
        current = None
        with open(pg_out, encoding="utf-8") as stream:
            for line in stream.read().split("\n"):
                if line.startswith("table "):
                    current = int(line[6:])
                elif line:
                    row = json.loads(line)
                    if len(row) != len(plans[current]):
                        fail_tool(f"psql returned {len(row)} values for a row of table {current}")
                    postgres_rows[current].append(row)

        finish(duck, duck_out, "DuckDB (read_parquet.mjs)")
        duck_results = list(json_lines(duck_out))
        if len(duck_results) != len(jobs):
            fail_tool(f"DuckDB answered {len(duck_results)} of {len(jobs)} queries")
        file_results = {}
        for name, script, *_ in FILE_READERS:
            results = file_results[name] = [[] for _ in tables]
            for batch, out, process in file_runs[name]:
                finish(process, out, f"{name} ({script})")
                documents = list(json_lines(out))
                if len(documents) != len(batch):
                    fail_tool(f"{name} read {len(documents)} of {len(batch)} files")
                for (index, file), document in zip(batch, documents):
                    results[index].append((file, document))

    # Compare, table by table.
    duck_answers = iter(duck_results)
    total_rows = duck_values = 0
    file_values = {name: 0 for name, *_ in FILE_READERS}
    for index, (table, renderings) in enumerate(zip(tables, plans)):
        where = f"{table['schema']}.{table['name']}"
        names = [c["name"] for c in table["columns"]]
        expected = postgres_rows[index]
        total_rows += len(expected)
        file_rows = sum(f["rows"] for f in table["files"])
        if not (len(expected) == table["rows"] == file_rows):
            report.problem(f"{where}: PostgreSQL holds {len(expected)} rows, the manifest says "
                           f"{table['rows']}, its files {file_rows}")

        if renderings:
            values, types, schema = next(duck_answers), next(duck_answers), next(duck_answers)
            for answer in (values, types, schema):
                if "error" in answer:
                    report.problem(f"{where}: DuckDB failed: {answer['error']}")
            if "error" not in schema:
                check_repetition(report, table, schema["rows"])
            if "error" not in types:
                if types["columns"] != names:
                    report.problem(f"{where}: DuckDB reads columns {types['columns']}, "
                                   f"the manifest has {names}")
                for column, got in zip(table["columns"], types["types"]):
                    want = duckdb_type(column["output"])
                    if want is not None and got != want:
                        report.problem(f"{where}, column {column['name']}: DuckDB reads {got}, "
                                       f"docs/types.md says {want}")
            if "error" not in values and any(len(row) != len(renderings) for row in values["rows"]):
                report.problem(f"{where}: DuckDB returned rows of the wrong width")
            elif "error" not in values:
                kinds = [r.kind for r in renderings]
                pg_canonical = [tuple(canonical(k, v) for k, v in zip(kinds, row))
                                for row in expected]
                duck_canonical = [tuple(canonical(k, v) for k, v in zip(kinds, row))
                                  for row in values["rows"]]
                report.compare_rows(where, names, pg_canonical, duck_canonical, "DuckDB")
                duck_values += len(values["rows"]) * len(renderings)

        # parquet-wasm and hyparquet, file by file.
        for name, _, column_class, field_type, promise in FILE_READERS:
            file_values[name] += compare_file_reader(
                report, name, column_class, field_type, promise, table, where, names, expected,
                file_results[name][index])

    seconds = time.monotonic() - started
    files = sum(len(t["files"]) for t in tables)
    if report.problems:
        print(f"FAILED: {report.problems} differences in run {manifest['run_id']} "
              f"({len(tables)} tables, {files} files)")
        return 1
    print(f"{manifest['run_id']}: {len(tables)} tables, {files} files, {total_rows} rows; "
          f"{duck_values} values read by DuckDB, {file_values['parquet-wasm']} by parquet-wasm "
          f"and {file_values['hyparquet']} by hyparquet equal PostgreSQL's ({seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
