// Prints a Parquet file as parquet-wasm (the Rust arrow-rs/parquet crates compiled to
// WebAssembly) and Apache Arrow JS read it, as one JSON document on stdout: a second
// independent reader next to DuckDB.
//
//   node read_parquet_wasm.mjs FILE [FILE ...]
//
// Output: {"fields": [{"name", "type"}], "metadata": {key: value}, "num_rows": n,
//          "rows": [[...], ...]}
// one line per FILE, in the order given (several files share one start-up of the reader).
// Values are made JSON-safe without losing precision: 64-bit integers and decimals become
// strings, binary and fixed-size binary become lowercase hex, lists become arrays, timestamps,
// dates and times are their stored integer counts (the unit is in the field type), floats are
// numbers except NaN, Infinity and -0, which become strings.
import { readFileSync } from 'node:fs';
import { readParquet } from 'parquet-wasm';
import { makeVector, tableFromIPC, Type } from 'apache-arrow';

if (process.argv.length < 3) {
  process.stderr.write('usage: node read_parquet_wasm.mjs FILE [FILE ...]\n');
  process.exit(2);
}

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });

function decimalString(words, scale) {
  // Arrow JS hands decimals out as little-endian 32-bit words of a two's complement integer.
  let value = 0n;
  for (let i = words.length - 1; i >= 0; i--) value = (value << 32n) | BigInt(words[i] >>> 0);
  const bits = BigInt(words.length * 32);
  if (value >> (bits - 1n)) value -= 1n << bits;
  const negative = value < 0n;
  let digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  if (scale > 0) digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${digits}` : digits;
}

// One value of `data` (an Arrow Data chunk) at `index`, made JSON-safe. Arrow JS's get() turns
// timestamps into JavaScript milliseconds, losing microseconds (and throwing beyond 2^53), so
// temporal values are read as the stored integers, also inside lists.
function cell(data, index) {
  if (!data.getValid(index)) return null;
  const type = data.type;
  const i = data.offset + index;
  switch (type.typeId) {
    case Type.Timestamp:
    case Type.Time:
    case Type.Date:
      return typeof data.values[i] === 'bigint' ? data.values[i].toString() : data.values[i];
    case Type.Utf8: {
      // Arrow JS's own decoding drops a leading U+FEFF (byte order mark); keep it.
      const start = data.valueOffsets[i], end = data.valueOffsets[i + 1];
      return utf8.decode(data.values.subarray(start, end));
    }
    case Type.List:
    case Type.LargeList: {
      const child = data.children[0];
      const values = [];
      for (let j = Number(data.valueOffsets[i]); j < Number(data.valueOffsets[i + 1]); j++) {
        values.push(cell(child, j));
      }
      return values;
    }
    default:
      return scalar(makeVector(data).get(index), type);
  }
}

function scalar(value, type) {
  if (value === null || value === undefined) return null;
  switch (type.typeId) {
    case Type.Float:
      if (Number.isNaN(value) || !Number.isFinite(value)) return String(value);
      return Object.is(value, -0) ? '-0' : value;
    case Type.Decimal:
      return decimalString(value, type.scale);
    case Type.Binary:
    case Type.LargeBinary:
    case Type.FixedSizeBinary:
      return hex(value);
    default:
      return typeof value === 'bigint' ? value.toString() : value;
  }
}

for (const file of process.argv.slice(2)) {
  const bytes = new Uint8Array(readFileSync(file));
  const table = tableFromIPC(readParquet(bytes).intoIPCStream());
  const fields = table.schema.fields.map((field) => ({
    name: field.name,
    type: String(field.type),
  }));
  const columns = table.schema.fields.map((field) => {
    const values = [];
    for (const data of table.getChild(field.name).data) {
      for (let i = 0; i < data.length; i++) values.push(cell(data, i));
    }
    return values;
  });
  const rows = [];
  for (let i = 0; i < table.numRows; i++) rows.push(columns.map((column) => column[i]));
  process.stdout.write(
    JSON.stringify({
      fields,
      metadata: Object.fromEntries(table.schema.metadata),
      num_rows: table.numRows,
      rows,
    }) + '\n',
  );
}
