-- Independent check of pgexport's JSON Lines output with PostgreSQL's own JSON parser.
-- Each exported line is parsed as json (a malformed line fails the load), turned back into a
-- row of the source table with json_populate_record() (so every value goes through the
-- type's own input function), and compared with the source in both directions.
-- Two representations need undoing first (see docs/jsonl.md): bytea is base64, and an array
-- whose lower bound is not 1 is {"lower_bounds": [...], "values": [...]}.
CREATE SCHEMA IF NOT EXISTS jsonl_check;

-- "[0:1][1:2]" for an array and the lower bounds the export recorded.
CREATE OR REPLACE FUNCTION jsonl_check.dimensions(lower_bounds jsonb, value anyarray)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT string_agg(format('[%s:%s]', (lower_bounds ->> (d - 1))::int,
                           (lower_bounds ->> (d - 1))::int + array_length(value, d) - 1), ''
                    ORDER BY d)
  FROM generate_series(1, array_ndims(value)) AS d
$$;

-- PostgreSQL's JSON functions refuse a document containing the escape \u0000 (which a json
-- value may hold), so the check rewrites that escape to \uFFFF on both sides before parsing.
-- The rewrite is applied to the lines' text and to the source values' text alike, so it
-- cannot hide a difference: a literal backslash is written \\ in JSON and stays distinct.
CREATE OR REPLACE FUNCTION jsonl_check.without_nul_escape(value text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT replace(value, '\u0000', '\uFFFF') $$;

-- The two queries whose results must be equal: the source rows and the rows rebuilt from the
-- lines, each column rendered as text. Separate from compare() so a failure can be inspected.
CREATE OR REPLACE FUNCTION jsonl_check.queries(source regclass, lines regclass, only_source boolean,
                                               OUT from_source text, OUT from_lines text)
LANGUAGE plpgsql AS $$
DECLARE
  column_info record;
  special_keys text[] := '{}';
  source_columns text[] := '{}';
  line_columns text[] := '{}';
  typed_values text;
  array_values text;
BEGIN
  FOR column_info IN
    SELECT a.attname AS name,
           coalesce(nullif(t.typbasetype, 0), a.atttypid)::regtype AS base,
           b.typcategory AS category,
           nullif(b.typelem, 0)::regtype AS element
    FROM pg_attribute a
    JOIN pg_type t ON t.oid = a.atttypid
    JOIN pg_type b ON b.oid = coalesce(nullif(t.typbasetype, 0), a.atttypid)
    WHERE a.attrelid = source AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY a.attnum
  LOOP
    -- json keeps its exact source text, except that a line break between tokens becomes a
    -- space so the row stays on one line (a JSON string cannot hold a raw line break), and
    -- white space around the whole value is insignificant. Every other type compares by its
    -- exact text.
    source_columns := source_columns || format('jsonl_check.without_nul_escape(%s)',
      CASE WHEN column_info.base = 'json'::regtype
           THEN format('btrim(translate(%I::text, E''\n\r'', ''  ''), E'' \t'')', column_info.name)
           ELSE format('%I::text', column_info.name) END);
    IF column_info.base = 'bytea'::regtype THEN
      special_keys := special_keys || column_info.name::text;
      line_columns := line_columns || format('decode(line ->> %L, ''base64'')::text', column_info.name);
    ELSIF column_info.base IN ('json'::regtype, 'jsonb'::regtype) THEN
      -- Embedded JSON: a JSON null is the value null, SQL NULL is a missing key.
      line_columns := line_columns || format('(line -> %L)%s::text', column_info.name,
        CASE WHEN column_info.base = 'jsonb'::regtype THEN '::jsonb' ELSE '' END);
    ELSIF column_info.category = 'A' THEN
      special_keys := special_keys || column_info.name::text;
      -- The array's values: the value itself, or "values" of a lower-bounds object.
      array_values := format(
        'CASE WHEN json_typeof(line -> %1$L) = ''object'' THEN line -> %1$L -> ''values'' ELSE line -> %1$L END',
        column_info.name);
      IF column_info.element IN ('bytea'::regtype, 'json'::regtype, 'jsonb'::regtype) THEN
        -- One-dimensional arrays of base64 bytea or of JSON text elements.
        typed_values := format(
          'ARRAY(SELECT %1$s FROM json_array_elements(%2$s) WITH ORDINALITY AS e(v, n) ORDER BY n)::%3$s',
          CASE WHEN column_info.element = 'bytea'::regtype THEN 'decode(v #>> ''{}'', ''base64'')'
               ELSE format('(v #>> ''{}'')::%s', column_info.element) END,
          array_values, column_info.base);
      ELSE
        typed_values := format(
          '(json_populate_record(NULL::%1$s, json_build_object(%2$L, %3$s))).%4$I',
          source, column_info.name, array_values, column_info.name);
      END IF;
      line_columns := line_columns || format(
        'CASE WHEN json_typeof(line -> %1$L) = ''object'' '
        'THEN jsonl_check.dimensions((line -> %1$L -> ''lower_bounds'')::jsonb, %2$s) || ''='' || %2$s::text '
        'WHEN json_typeof(line -> %1$L) = ''array'' THEN %2$s::text END',
        column_info.name, typed_values);
    ELSE
      line_columns := line_columns || format('(r).%I::text', column_info.name);
    END IF;
  END LOOP;
  IF cardinality(source_columns) = 0 THEN
    source_columns := ARRAY['1'];
    line_columns := ARRAY['1'];
  END IF;
  from_source := format('SELECT %s FROM %s %s', array_to_string(source_columns, ', '),
                        CASE WHEN only_source THEN 'ONLY' ELSE '' END, source);
  -- json, not jsonb: jsonb would turn the number -0 into 0 before the float's input function
  -- sees it. The special keys are left out of the record, whose other fields go through their
  -- types' input functions. OFFSET 0 keeps the record computed once per line rather than once
  -- per column reference.
  from_lines := format(
    'SELECT %s FROM (SELECT line, json_populate_record(NULL::%s, '
    '(SELECT coalesce(json_object_agg(key, value), ''{}'') FROM json_each(line) WHERE key <> ALL (%L::text[]))) AS r '
    'FROM %s OFFSET 0) parsed',
    array_to_string(line_columns, ', '), source, special_keys, lines);
END
$$;

-- How many source rows are missing from the lines, how many lines match no source row, and
-- how many lines there are. `lines` is a table with one json column named line.
CREATE OR REPLACE FUNCTION jsonl_check.compare(source regclass, lines regclass, only_source boolean)
RETURNS TABLE (missing bigint, extra bigint, line_count bigint)
LANGUAGE plpgsql AS $$
DECLARE
  q record;
BEGIN
  q := jsonl_check.queries(source, lines, only_source);
  EXECUTE format('SELECT (SELECT count(*) FROM (%1$s EXCEPT ALL %2$s) d), '
                 '(SELECT count(*) FROM (%2$s EXCEPT ALL %1$s) d), (SELECT count(*) FROM %3$s)',
                 q.from_source, q.from_lines, lines)
  INTO missing, extra, line_count;
  RETURN NEXT;
END
$$;
