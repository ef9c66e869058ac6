// Prints a Parquet file as hyparquet (a pure-JavaScript Parquet reader, with
// hyparquet-compressors for zstd, gzip and snappy pages) reads it, as one JSON document on
// stdout: a third independent reader next to DuckDB and parquet-wasm.
//
//   node read_parquet_hyparquet.mjs FILE [FILE ...]
//
// Output: {"fields": [{"name", "type"}], "metadata": {key: value}, "num_rows": n,
//          "rows": [[...], ...]}
// one line per FILE, in the order given, in the shape read_parquet_wasm.mjs prints. "type" is
// the leaf's physical type and annotation as hyparquet parsed the footer (for example
// "BYTE_ARRAY STRING", "INT64 TIMESTAMP", "LIST INT32 INTEGER").
//
// hyparquet decodes pages, levels, dictionaries and lists; its parsers hook is used only to
// keep values lossless: timestamps and dates stay their stored integer counts (its default
// makes JavaScript Dates, milliseconds only, invalid beyond year 275760), JSON stays its text
// (the default parses it), strings keep a leading U+FEFF and must be valid UTF-8. DECIMAL
// columns are read without their annotation and their unscaled integers scaled here with
// BigInt, because hyparquet's own DECIMAL conversion makes a double. Values are made JSON-safe
// as read_parquet_wasm.mjs does: 64-bit integers and decimals as strings, bytes as lowercase
// hex, NaN, Infinity and -0 as strings.
import { readFileSync } from 'node:fs';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

if (process.argv.length < 3) {
  process.stderr.write('usage: node read_parquet_hyparquet.mjs FILE [FILE ...]\n');
  process.exit(2);
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });
const hex = (bytes) => Buffer.from(bytes).toString('hex');

const parsers = {
  timestampFromMilliseconds: (value) => BigInt(value).toString(),
  timestampFromMicroseconds: (value) => BigInt(value).toString(),
  timestampFromNanoseconds: (value) => BigInt(value).toString(),
  dateFromDays: (days) => days,
  stringFromBytes: (bytes) => bytes && utf8.decode(bytes),
  jsonFromBytes: (bytes) => bytes && utf8.decode(bytes),
};

function decimalString(unscaled, scale) {
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  if (scale > 0) digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${digits}` : digits;
}

// A DECIMAL's unscaled value as hyparquet hands out an unannotated INT32, INT64 or
// FIXED_LEN_BYTE_ARRAY (big-endian two's complement).
function unscaled(value) {
  if (value instanceof Uint8Array) {
    let result = 0n;
    for (const byte of value) result = (result << 8n) | BigInt(byte);
    const bits = BigInt(value.length * 8);
    return value.length && result >> (bits - 1n) ? result - (1n << bits) : result;
  }
  return BigInt(value);
}

function annotation(element) {
  return element.logical_type?.type ?? element.converted_type ?? '';
}

// The leaf elements of each top-level column: the column itself, or a LIST's element.
function leaves(schema) {
  const columns = [];
  for (let i = 1; i < schema.length; ) {
    const top = schema[i];
    if (!top.num_children) {
      columns.push({ top, leaf: top, list: false });
      i += 1;
    } else {
      // pgexport's lists: group (LIST) { repeated group list { element } }.
      columns.push({ top, leaf: schema[i + 2], list: true });
      i += 3;
    }
  }
  return columns;
}

function scalar(value, leaf, decimalScale) {
  if (value === null || value === undefined) return null;
  if (decimalScale !== undefined) return decimalString(unscaled(value), decimalScale);
  if (typeof value === 'number') {
    if (Number.isNaN(value) || !Number.isFinite(value)) return String(value);
    return Object.is(value, -0) ? '-0' : value;
  }
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) {
    // ENUM is text; a BYTE_ARRAY without annotation is bytea; FIXED_LEN_BYTE_ARRAY is UUID
    // only when hyparquet did not already format it.
    return annotation(leaf) === 'ENUM' ? utf8.decode(value) : hex(value);
  }
  return value;
}

for (const file of process.argv.slice(2)) {
  const buffer = readFileSync(file);
  const arrayBuffer = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.length);
  const metadata = parquetMetadata(arrayBuffer);
  const columns = leaves(metadata.schema);
  const fields = columns.map(({ top, leaf, list }) => ({
    name: top.name,
    type: `${list ? 'LIST ' : ''}${leaf.type} ${annotation(leaf)}`.trim(),
  }));
  // The scale of every DECIMAL leaf, whose annotation is then hidden from hyparquet.
  const scales = columns.map(({ leaf }) =>
    annotation(leaf) === 'DECIMAL' ? (leaf.logical_type?.scale ?? leaf.scale ?? 0) : undefined,
  );
  const plain = {
    ...metadata,
    schema: metadata.schema.map((element) =>
      annotation(element) === 'DECIMAL'
        ? { ...element, converted_type: undefined, logical_type: undefined }
        : element,
    ),
  };
  const objects = await parquetReadObjects({
    file: arrayBuffer,
    metadata: plain,
    parsers,
    compressors,
    utf8: false, // bytea stays bytes; STRING, UTF8 and JSON are decoded by the parsers
  });
  const rows = objects.map((object) =>
    columns.map(({ top, leaf, list }, index) => {
      const value = object[top.name];
      if (!list || value === null || value === undefined) {
        return list ? null : scalar(value, leaf, scales[index]);
      }
      return value.map((item) => scalar(item, leaf, scales[index]));
    }),
  );
  process.stdout.write(
    JSON.stringify({
      fields,
      metadata: Object.fromEntries(
        (metadata.key_value_metadata ?? []).map(({ key, value }) => [key, value]),
      ),
      num_rows: Number(metadata.num_rows),
      rows,
    }) + '\n',
  );
}
