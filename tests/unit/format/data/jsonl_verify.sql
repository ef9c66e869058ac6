-- Checks a JSON Lines file that pgexport's encoder made from jsonl_types against the table
-- itself, with PostgreSQL's own JSON parsers. Run by jsonl_e2e.sh as
--   psql -v lines=FILE -v schema=FILE -f jsonl_verify.sql
-- with the export session settings in PGOPTIONS, so that pg_temp.output(col) is the text that
-- COPY sent (the type's output function; a cast to text is not always the same: bpchar drops
-- its padding, inet adds a mask, xml keeps its declaration).
-- Prints one line per check and ends with "N passed, M failed".
SET client_min_messages = warning;
\set ON_ERROR_STOP 1

CREATE TEMP TABLE check_schema (name text, type_oid oid, kind text, element_oid oid,
                                element_kind text, ord serial);
COPY check_schema (name, type_oid, kind, element_oid, element_kind) FROM :'schema';

-- One line of the file per row; the control characters never occur in JSON Lines output,
-- so the line arrives untouched.
CREATE TEMP TABLE check_lines (line text);
COPY check_lines FROM :'lines' WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02');

CREATE TEMP TABLE results (check_name text, failures bigint, detail text);

CREATE FUNCTION pg_temp.output(value anyelement) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT format('%s', value) $$;

-- Every line parses as jsonb (the strict parser) and as json (which keeps the exact text).
INSERT INTO results
SELECT 'every line is a JSON object', count(*) FILTER (WHERE jsonb_typeof(line::jsonb) <> 'object'), NULL
FROM check_lines;

CREATE TEMP TABLE pairs AS
SELECT t AS source, l.line::json AS doc, l.line
FROM check_lines l JOIN jsonl_types t ON t.id = (l.line::json ->> 'id')::int;

INSERT INTO results
SELECT 'one line per row', abs((SELECT count(*) FROM jsonl_types) - (SELECT count(*) FROM pairs))
       + abs((SELECT count(*) FROM check_lines) - (SELECT count(*) FROM pairs)), NULL;

-- Keys appear in column order, each at most once.
INSERT INTO results
SELECT 'keys in column order', count(*), NULL
FROM pairs p
WHERE NOT (
  WITH k AS (SELECT key, ord FROM json_object_keys(p.doc) WITH ORDINALITY AS x(key, ord)),
       m AS (SELECT k.ord, s.ord AS attnum FROM k JOIN check_schema s ON s.name = k.key)
  SELECT (SELECT count(*) FROM k) = (SELECT count(*) FROM m)
     AND NOT EXISTS (SELECT 1 FROM m m1 JOIN m m2 ON m2.ord = m1.ord + 1
                     WHERE m2.attnum <= m1.attnum));

-- What the encoder renders a type as (mirrors plan_value in value_renderer.cpp).
CREATE FUNCTION pg_temp.rendering(type_oid oid, kind text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN kind = 'A' AND type_oid NOT IN (22, 30) THEN 'array'
    WHEN kind <> 'b' THEN 'text'
    WHEN type_oid = 16 THEN 'boolean'
    WHEN type_oid IN (21, 23, 26) THEN 'integer'
    WHEN type_oid = 20 THEN 'int8'
    WHEN type_oid IN (700, 701) THEN 'floating'
    WHEN type_oid IN (114, 3802) THEN 'json'
    WHEN type_oid = 17 THEN 'bytea'
    ELSE 'text' END
$$;

-- True when the JSON value v has the JSON type the rendering promises for PostgreSQL text t.
CREATE FUNCTION pg_temp.json_type_ok(v json, rendering text, t text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE rendering
    WHEN 'boolean' THEN json_typeof(v) = 'boolean'
    WHEN 'integer' THEN json_typeof(v) = 'number'
    WHEN 'int8' THEN json_typeof(v) = CASE WHEN abs(t::numeric) <= 9007199254740991
                                           THEN 'number' ELSE 'string' END
    WHEN 'floating' THEN json_typeof(v) = CASE WHEN t IN ('NaN', 'Infinity', '-Infinity')
                                               THEN 'string' ELSE 'number' END
    ELSE json_typeof(v) = 'string' END
$$;

-- The PostgreSQL text an element's JSON stands for: a string's content (base64 decoded back
-- to hex for bytea), a number's or boolean's exact JSON text.
CREATE FUNCTION pg_temp.element_text(e json, rendering text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN rendering = 'bytea' THEN '\x' || encode(decode(e #>> '{}', 'base64'), 'hex')
    WHEN json_typeof(e) = 'string' THEN e #>> '{}'
    ELSE e::text END
$$;

-- Rebuilds PostgreSQL's array literal from the JSON rendering of an array, checking the JSON
-- type of every element on the way (a wrong one raises an error, which fails the check).
CREATE FUNCTION pg_temp.array_body(v json, rendering text, delimiter text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  e json;
  parts text[] := '{}';
  t text;
BEGIN
  IF json_typeof(v) <> 'array' THEN RAISE EXCEPTION 'not a JSON array: %', v; END IF;
  FOR e IN SELECT x FROM json_array_elements(v) WITH ORDINALITY AS a(x, n) ORDER BY n LOOP
    IF json_typeof(e) = 'array' THEN
      parts := parts || pg_temp.array_body(e, rendering, delimiter);
    ELSIF json_typeof(e) = 'null' THEN
      parts := parts || 'NULL'::text;
    ELSE
      t := pg_temp.element_text(e, rendering);
      IF NOT pg_temp.json_type_ok(e, rendering, t) THEN
        RAISE EXCEPTION 'element % has the wrong JSON type for %', e, rendering;
      END IF;
      parts := parts || ('"' || replace(replace(t, '\', '\\'), '"', '\"') || '"');
    END IF;
  END LOOP;
  RETURN '{' || array_to_string(parts, delimiter) || '}';
END $$;

CREATE FUNCTION pg_temp.array_literal(v json, rendering text, delimiter text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  decoration text := '';
  current json;
  lower int;
BEGIN
  IF json_typeof(v) = 'object' THEN
    current := v -> 'values';
    FOR lower IN SELECT (x #>> '{}')::int
                 FROM json_array_elements(v -> 'lower_bounds') WITH ORDINALITY AS a(x, n)
                 ORDER BY n LOOP
      decoration := decoration || format('[%s:%s]', lower, lower + json_array_length(current) - 1);
      current := current -> 0;
    END LOOP;
    RETURN decoration || '=' || pg_temp.array_body(v -> 'values', rendering, delimiter);
  END IF;
  RETURN pg_temp.array_body(v, rendering, delimiter);
END $$;

-- One check per column: every row's JSON value stands for exactly the row's value.
DO $$
DECLARE
  col record;
  rendering text;
  element_rendering text;
  c text;
  v text;
  condition text;
  bad bigint;
  declared regtype;
BEGIN
  FOR col IN SELECT * FROM check_schema ORDER BY ord LOOP
    -- The schema file has 0 for the oids of types jsonl_types.sql creates; the catalog knows.
    SELECT atttypid::regtype INTO declared FROM pg_attribute
    WHERE attrelid = 'jsonl_types'::regclass AND attname = col.name;
    rendering := pg_temp.rendering(col.type_oid, col.kind);
    c := format('(p.source).%I', col.name);
    v := format('(p.doc -> %L)', col.name);
    condition := CASE rendering
      WHEN 'json' THEN
        -- SQL NULL leaves the key out; the value keeps its exact text but for line breaks.
        format('CASE WHEN %1$s IS NULL THEN NOT (p.doc::jsonb ? %3$L) '
               'ELSE %2$s::jsonb = %1$s::jsonb AND %2$s::text = '
               'translate(pg_temp.output(%1$s), E''\n\r'', ''  '') END', c, v, col.name)
      WHEN 'array' THEN
        format('CASE WHEN %1$s IS NULL THEN json_typeof(%2$s) = ''null'' '
               'ELSE pg_temp.output(pg_temp.array_literal(%2$s, %3$L, %4$L)::%5$s) '
               '= pg_temp.output(%1$s) END',
               c, v,
               CASE WHEN col.element_kind <> 'b' OR col.element_kind IS NULL THEN 'text'
                    WHEN col.element_oid IN (114, 3802) THEN 'json_text'
                    ELSE pg_temp.rendering(col.element_oid, col.element_kind) END,
               CASE WHEN col.element_oid = 603 THEN ';' ELSE ',' END,
               declared)
      WHEN 'bytea' THEN
        format('CASE WHEN %1$s IS NULL THEN json_typeof(%2$s) = ''null'' '
               'ELSE json_typeof(%2$s) = ''string'' '
               'AND decode(%2$s #>> ''{}'', ''base64'') = %1$s END', c, v)
      ELSE
        -- Strings hold the text; numbers and booleans are the text itself.
        format('CASE WHEN %1$s IS NULL THEN json_typeof(%2$s) = ''null'' '
               'ELSE pg_temp.json_type_ok(%2$s, %3$L, pg_temp.output(%1$s)) '
               'AND (CASE WHEN json_typeof(%2$s) = ''string'' THEN %2$s #>> ''{}'' '
               '          WHEN json_typeof(%2$s) = ''boolean'' THEN pg_temp.output(%2$s::text::boolean) '
               '          ELSE %2$s::text END) = pg_temp.output(%1$s) END', c, v, rendering)
    END;
    BEGIN
      EXECUTE format('SELECT count(*) FROM pairs p WHERE (%s) IS NOT TRUE', condition) INTO bad;
      INSERT INTO results VALUES (format('column %s (%s, %s)', col.name,
                                         declared, rendering), bad, NULL);
    EXCEPTION WHEN others THEN
      INSERT INTO results VALUES (format('column %s (%s, %s)', col.name,
                                         declared, rendering), -1, SQLERRM);
    END;
  END LOOP;
END $$;

\pset format unaligned
\pset tuples_only on
SELECT CASE WHEN failures = 0 THEN 'ok   ' ELSE 'FAIL ' END || check_name
       || CASE WHEN failures > 0 THEN ' (' || failures || ' rows)' ELSE '' END
       || coalesce(': ' || detail, '')
FROM results;
SELECT count(*) FILTER (WHERE failures = 0) || ' passed, '
       || count(*) FILTER (WHERE failures <> 0) || ' failed'
FROM results;
