// Prints a Parquet file as DuckDB reads it, as one JSON document on stdout, so pgexport's tests
// can compare what an independent reader sees with what was written.
//
//   node read_parquet.mjs FILE [--query SQL] [--no-schema]
//   node read_parquet.mjs --batch JOBS
//
// The file is available as the view `t`. Without --query, all rows of `t` are printed. Values
// are rendered by DuckDB as VARCHAR (its own text form: timestamps, decimals, lists, blobs
// with \x escapes), so comparisons do not depend on JavaScript number precision; NULL is null.
//
// Output: {"columns": [...], "types": [...DuckDB types before the cast...],
//          "rows": [[...], ...], "schema": [parquet_schema() rows], "kv": {key: value}}
//
// --batch runs many queries in one process (DuckDB's start-up dominates small queries): JOBS is
// a JSON file holding [{"files": [FILE, ...], "query": SQL}, ...]. For each job, `t` is a view
// over all of the job's files at once (read_parquet of the list), and one line is printed:
// {"columns", "types", "rows"} as above, or {"error": message} if the query failed.
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

function usage() {
  process.stderr.write(
    'usage: node read_parquet.mjs FILE [--query SQL] [--no-schema]\n' +
      '       node read_parquet.mjs --batch JOBS\n');
  process.exit(2);
}

const args = process.argv.slice(2);
if (args.length < 1) usage();
const batch = args[0] === '--batch';
if (batch && args.length !== 2) usage();
const file = args[0];
let query = 'SELECT * FROM t';
let withSchema = true;
for (let i = 1; i < args.length && !batch; i++) {
  if (args[i] === '--query' && i + 1 < args.length) query = args[++i];
  else if (args[i] === '--no-schema') withSchema = false;
  else usage();
}

const sqlString = (text) => `'${text.replaceAll("'", "''")}'`;
const quoted = sqlString(file);

// Runs `sql` over the view `t` and returns {columns, types, rows} as described above.
async function rowsOf(conn, sql) {
  const typed = await conn.runAndReadAll(`SELECT * FROM (${sql}) LIMIT 0`);
  const types = typed.columnTypes().map((type) => type.toString());
  // The bindings decode strings like TextDecoder, which drops a leading U+FEFF (a byte order
  // mark) from a value: prefix one character in SQL and remove it here, so values arrive whole.
  const text = await conn.runAndReadAll(`SELECT '.' || COLUMNS(*)::VARCHAR FROM (${sql})`);
  return {
    columns: typed.columnNames(),
    types,
    rows: text.getRowsJson().map((row) => row.map((v) => (v === null ? null : v.slice(1)))),
  };
}

const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
try {
  // Offline: a stray remote path must fail at once rather than try to fetch an extension.
  await conn.run('SET autoinstall_known_extensions=false');
  await conn.run('SET autoload_known_extensions=false');
  if (batch) {
    for (const job of JSON.parse(readFileSync(args[1], 'utf8'))) {
      let line;
      try {
        const files = job.files.map(sqlString).join(', ');
        await conn.run(`CREATE OR REPLACE VIEW t AS SELECT * FROM read_parquet([${files}])`);
        line = JSON.stringify(await rowsOf(conn, job.query));
      } catch (error) {
        line = JSON.stringify({ error: error.message });
      }
      process.stdout.write(line + '\n');
    }
  } else {
    await conn.run(`CREATE VIEW t AS SELECT * FROM read_parquet(${quoted})`);
    const out = await rowsOf(conn, query);
    if (withSchema) {
      const schema = await conn.runAndReadAll(
        `SELECT name, type, type_length, repetition_type, num_children, converted_type, scale,
                "precision", field_id, logical_type
         FROM parquet_schema(${quoted})`);
      out.schema = schema.getRowObjectsJson();
      const kv = await conn.runAndReadAll(
        `SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata(${quoted})`);
      out.kv = Object.fromEntries(kv.getRowsJson().map(([key, value]) => [key, value]));
    }
    process.stdout.write(JSON.stringify(out) + '\n');
  }
} catch (error) {
  process.stderr.write(`read_parquet: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  conn.closeSync();
}
