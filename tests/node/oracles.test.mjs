// Smoke test for the independent readers that pgexport's tests use as oracles.
// It proves, offline, that each reader loads and that DuckDB, parquet-wasm and hyparquet agree on a
// Parquet file neither of them wrote for the other, so a later failure in a pgexport check
// points at pgexport and not at a broken oracle install. Run: npm test (in tests/node).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { readParquet } from 'parquet-wasm';
import { tableFromIPC } from 'apache-arrow';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

test('DuckDB writes a zstd Parquet file that parquet-wasm, Arrow and hyparquet read back equal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgexport-oracles-'));
  try {
    const file = join(dir, 't.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    // No network here: a stray remote path must fail at once, not try to fetch an extension.
    await conn.run('SET autoinstall_known_extensions=false');
    await conn.run(`COPY (SELECT i AS id, 'row ' || i AS name FROM range(1000) t(i))
                    TO '${file}' (FORMAT parquet, COMPRESSION zstd)`);
    const reader = await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n, sum(id)::BIGINT AS s
                                             FROM read_parquet('${file}')`);
    assert.deepEqual(reader.getRowObjects(), [{ n: 1000, s: 499500n }]);
    conn.closeSync();

    const wasmTable = readParquet(new Uint8Array(readFileSync(file)));
    const table = tableFromIPC(wasmTable.intoIPCStream());
    assert.equal(table.numRows, 1000);
    assert.deepEqual(table.schema.fields.map((f) => f.name), ['id', 'name']);
    assert.equal(table.getChild('name').get(999), 'row 999');
    assert.equal(table.getChild('id').get(999), 999n);

    const bytes = readFileSync(file);
    const rows = await parquetReadObjects({
      file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
      compressors,
    });
    assert.equal(rows.length, 1000);
    assert.deepEqual(rows[999], { id: 999n, name: 'row 999' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
