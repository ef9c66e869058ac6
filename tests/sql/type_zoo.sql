-- The type zoo: one schema, "zoo", holding the values of every PostgreSQL type that
-- pgexport must carry without loss, with the edge cases that break exporters: NaN and
-- infinities, -0, denormals, extreme magnitudes, BC dates, quoting, non-default array
-- bounds, empty versus NULL, and so on.
--
-- Load:   psql --set ON_ERROR_STOP=1 --file tests/sql/type_zoo.sql
-- Needs PostgreSQL 15 or later (numeric with negative scale or scale above precision is
-- new in 15; multiranges and numeric infinity in 14). Re-runnable: it drops schema zoo.
-- Optional extension types (citext) are in type_zoo_citext.sql.
--
-- Conventions:
--   * Every table has "id integer PRIMARY KEY" and "case_name text NOT NULL" naming the
--     edge case of the row, so a failing comparison says which case broke.
--   * Every table has a row "all null" whose other columns are all NULL.
--   * Comparing a table with its round-tripped copy: use zoo.compare_text() below, which
--     compares whole rows by their text form. Plain equality is not strict enough
--     (-0 = 0, 1.0 = 1.00, interval '1 mon' = '30 days', citext 'A' = 'a') and
--     several types have no equality operator at all, so EXCEPT fails on them:
--       point, line, lseg, box, path, polygon, circle (zoo.geometry),
--       json (zoo.json_documents.document_json), xml (zoo.misc.xml_value).
--     See tests/sql/README.md.

\set ON_ERROR_STOP 1

SET client_min_messages = warning;  -- quiet the NOTICE of DROP ... IF EXISTS
DROP SCHEMA IF EXISTS zoo CASCADE;
RESET client_min_messages;

CREATE SCHEMA zoo;

-- Literals below carry explicit UTC offsets; fixing the zone also fixes how values such as
-- 'epoch' or date-to-timestamptz casts are interpreted.
SET TimeZone = 'UTC';

--------------------------------------------------------------------------------------------
-- User-defined types.
--------------------------------------------------------------------------------------------

-- Enum labels with spaces, quotes, commas, non-ASCII and a leading digit.
CREATE TYPE zoo.mood AS ENUM ('sad', 'ok', 'happy', 'very happy', 'it''s "fine"', 'a,b',
                              'ünïcödé 😀', '1st');

-- Domains over numeric and text, each with a check.
CREATE DOMAIN zoo.positive_amount AS numeric(12, 2) CHECK (VALUE > 0);
CREATE DOMAIN zoo.us_postal_code AS text CHECK (VALUE ~ '^[0-9]{5}(-[0-9]{4})?$');
CREATE DOMAIN zoo.tag_list AS text[] CHECK (cardinality(VALUE) <= 5);  -- domain over an array

-- A composite type holding a domain, an array and a boolean.
CREATE TYPE zoo.mailing_address AS (
    street      text,
    unit        text,
    postal_code zoo.us_postal_code,
    verified    boolean,
    tags        text[]
);

-- A user-defined range type (and, implicitly, its multirange zoo.float_multirange).
CREATE TYPE zoo.float_range AS RANGE (
    subtype = double precision,
    multirange_type_name = zoo.float_multirange
);

--------------------------------------------------------------------------------------------
-- Helper for tests: the multiset difference of two tables with the same column types,
-- compared by the text form of each whole row. Text form is exact for every type (floats
-- print their shortest exact form since PostgreSQL 12), works for types without equality,
-- and is stricter than "=" where equality is lenient. Returns no rows when the tables hold
-- the same rows.
--
--   SELECT * FROM zoo.compare_text('zoo.numbers', 'zoo_copy.numbers');
--------------------------------------------------------------------------------------------
CREATE FUNCTION zoo.compare_text(expected regclass, actual regclass)
RETURNS TABLE (difference text, row_text text)
LANGUAGE plpgsql STABLE
AS $compare_text$
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT ''missing from actual'', expected_row '
        'FROM (SELECT e::text AS expected_row FROM %1$s AS e '
        '      EXCEPT ALL SELECT a::text FROM %2$s AS a) AS missing '
        'UNION ALL '
        'SELECT ''unexpected in actual'', actual_row '
        'FROM (SELECT a::text AS actual_row FROM %2$s AS a '
        '      EXCEPT ALL SELECT e::text FROM %1$s AS e) AS unexpected',
        expected, actual);
END
$compare_text$;

-- The same multiset difference using each type's equality operator (EXCEPT ALL in both
-- directions). Returns 'identical', 'N rows differ', or 'not comparable: ...' when a column
-- type has no equality operator (geometry, json, xml). Lenient where equality is lenient;
-- use compare_text() as the authority and this one to show what "=" alone would miss.
CREATE FUNCTION zoo.compare_equal(expected regclass, actual regclass)
RETURNS text
LANGUAGE plpgsql STABLE
AS $compare_equal$
DECLARE
    differing_rows bigint;
BEGIN
    EXECUTE format(
        'SELECT count(*) FROM ((TABLE %1$s EXCEPT ALL TABLE %2$s) '
        '             UNION ALL (TABLE %2$s EXCEPT ALL TABLE %1$s)) AS differences',
        expected, actual)
        INTO differing_rows;
    RETURN CASE WHEN differing_rows = 0 THEN 'identical' ELSE differing_rows || ' rows differ' END;
EXCEPTION
    WHEN undefined_function THEN
        RETURN 'not comparable: ' || SQLERRM;
END
$compare_equal$;

--------------------------------------------------------------------------------------------
-- Numbers.
--------------------------------------------------------------------------------------------
CREATE TABLE zoo.numbers (
    id                   integer PRIMARY KEY,
    case_name            text NOT NULL,
    small                smallint,
    regular              integer,
    big                  bigint,
    unbounded            numeric,            -- any precision, NaN and +-Infinity allowed
    money_like           numeric(12, 2),     -- typmod'd: NaN allowed, infinity rejected
    decimal_38           numeric(38, 10),    -- the widest Parquet DECIMAL backed by 16 bytes
    integer_39           numeric(39, 0),     -- one digit beyond 16-byte decimals
    max_precision        numeric(1000, 500), -- the largest typmod PostgreSQL accepts
    negative_scale       numeric(5, -2),     -- PostgreSQL 15: rounded to hundreds
    scale_over_precision numeric(3, 5),      -- PostgreSQL 15: only values below 0.001
    single               real,
    double               double precision
);

INSERT INTO zoo.numbers VALUES
    (1, 'zero', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    (2, 'minimum integers, negative numerics', -32768, -2147483648, -9223372036854775808,
     -1.5, -9999999999.99, -9999999999999999999999999999.9999999999,
     -999999999999999999999999999999999999999, -0.5, -99900, -0.00999,
     -3.4028235e38, -1.7976931348623157e308),
    (3, 'maximum integers, positive numerics', 32767, 2147483647, 9223372036854775807,
     1.5, 9999999999.99, 9999999999999999999999999999.9999999999,
     999999999999999999999999999999999999999, 0.5, 99900, 0.00999,
     3.4028235e38, 1.7976931348623157e308),
    (4, 'NaN', -1, -1, -1, 'NaN', 'NaN', 'NaN', 'NaN', 'NaN', 'NaN', 'NaN', 'NaN', 'NaN'),
    (5, 'positive infinity (typmod''d numerics cannot hold it)', 1, 1, 1,
     'Infinity', NULL, NULL, NULL, NULL, NULL, NULL, 'Infinity', 'Infinity'),
    (6, 'negative infinity', 2, 2, 2,
     '-Infinity', NULL, NULL, NULL, NULL, NULL, NULL, '-Infinity', '-Infinity'),
    (7, 'negative zero (floats keep the sign; numeric has no -0)', 0, 0, 0,
     '-0', '-0', '-0', '-0', '-0', '-0', '-0', '-0', '-0'),
    (8, 'smallest denormals', NULL, NULL, NULL,
     '1e-16383', 0.01, 0.0000000001, 1, 1e-500, 100, 0.00001, 1e-45, 5e-324),
    (9, 'smallest normal floats', NULL, NULL, NULL,
     '-1e-16383', -0.01, -0.0000000001, -1, -1e-500, -100, -0.00001,
     1.17549435e-38, 2.2250738585072014e-308),
    (10, 'inexact binary fractions and integers beyond float precision', NULL, 16777217,
     9007199254740993, 0.1, 0.10, 0.1, 9007199254740993, 0.1, 100, 0.001,
     0.1, 0.1),
    (11, 'trailing zeros are significant in numeric text form', NULL, NULL, NULL,
     '1.000000000000000000000000000000', 1.00, 1.0000000000, 10, 1.5,
     200, 0.00100, 16777216, 1e23),
    (12, '1,000 digits before and after the point', NULL, NULL, NULL,
     ('1' || repeat('234567890', 111) || '.' || repeat('0987654321', 100))::numeric,
     NULL, NULL, NULL,
     (repeat('9', 500) || '.' || repeat('1', 500))::numeric, NULL, NULL, NULL, NULL),
    (13, 'numeric extremes: 131072 digits before the point, 16383 after', NULL, NULL, NULL,
     ('9' || repeat('0', 131071))::numeric, NULL, NULL, NULL,
     ('-0.' || repeat('0', 499) || '1')::numeric, NULL, NULL, NULL, NULL),
    (14, 'all null', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

--------------------------------------------------------------------------------------------
-- Dates and times. Ranges of each type: date 4713 BC .. 5874897 AD, timestamp 4713 BC ..
-- 294276 AD, with +-infinity for date and both timestamps; time up to 24:00:00; timetz
-- offsets up to +-15:59; intervals keep months, days and microseconds apart.
--------------------------------------------------------------------------------------------
CREATE TABLE zoo.datetimes (
    id              integer PRIMARY KEY,
    case_name       text NOT NULL,
    day             date,
    local_time      timestamp,
    instant         timestamptz,
    instant_ms      timestamptz(3),     -- typmod: rounded to milliseconds
    time_of_day     time,
    time_with_zone  timetz,
    duration        interval,
    duration_ym     interval YEAR TO MONTH
);

INSERT INTO zoo.datetimes VALUES
    (1, 'Unix epoch', '1970-01-01', '1970-01-01 00:00:00', '1970-01-01 00:00:00+00',
     '1970-01-01 00:00:00+00', '00:00:00', '00:00:00+00', '0 seconds', '0 months'),
    (2, 'infinity', 'infinity', 'infinity', 'infinity', 'infinity', '24:00:00',
     '24:00:00+15:59', '178000000 years', '178000000 years'),
    (3, 'minus infinity', '-infinity', '-infinity', '-infinity', '-infinity',
     '00:00:00', '00:00:00-15:59', '-178000000 years', '-178000000 years'),
    (4, 'earliest values (BC)', '4713-11-24 BC', '4713-11-24 00:00:00 BC',
     '4713-11-24 00:00:00+00 BC', '4713-11-24 00:00:00.001+00 BC', '00:00:00.000001',
     '00:00:00.000001+00', '-2147483648 days', '-2147483648 months'),
    (5, 'latest values', '5874897-12-31', '294276-12-31 23:59:59.999999',
     '294276-12-31 23:59:59.999999+00', '294276-12-31 23:59:59.999+00', '23:59:59.999999',
     '23:59:59.999999-00:30', '2147483647 days 2562047788:00:54.775807',
     '2147483647 months'),
    (6, 'microseconds, before the epoch, year 1 BC and AD 1', '0001-01-01',
     '0001-12-31 23:59:59.999999 BC', '1969-12-31 23:59:59.999999+00',
     '1969-12-31 23:59:59.9995+00', '12:34:56.789012', '12:34:56.789012+05:45',
     '1 year 2 mons -3 days 04:05:06.789012', '-1 year -11 months'),
    (7, 'leap day, Gregorian reform, odd offsets', '2000-02-29', '1582-10-10 12:00:00',
     '1582-10-15 00:00:00+00', '2024-02-29 23:59:59.9994+00', '24:00:00',
     '01:02:03-09:30', '-1 mon +31 days -00:00:00.000001', '1 year'),
    (8, '30 days and 12 months: equal to 1 mon and 1 year under =, yet different values', '2023-01-31',
     '2023-01-31 00:00:00', '2023-03-26 01:30:00+00', '2023-10-29 01:30:00+00', '00:00:01',
     '00:00:01+14', '30 days', '12 months'),
    (9, 'all null', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

--------------------------------------------------------------------------------------------
-- Text. NUL cannot be stored in PostgreSQL text, so it is absent on purpose.
--------------------------------------------------------------------------------------------
CREATE TABLE zoo.texts (
    id          integer PRIMARY KEY,
    case_name   text NOT NULL,
    value       text,
    short_value varchar(10),
    padded      char(5),     -- blank-padded: 'ab' is stored and printed as 'ab   '
    single_byte "char",      -- one byte; non-ASCII bytes print as \ooo octal escapes
    identifier  name         -- at most 63 bytes
);

INSERT INTO zoo.texts VALUES
    (1, 'empty string (not NULL)', '', '', '', '', ''),
    (2, 'the word NULL', 'NULL', 'NULL', 'NULL', 'N', 'NULL'),
    (3, 'COPY text-format NULL marker', '\N', '\N', '\N', '\', '\N'),
    (4, 'comma, quotes', 'a,b,"c",''d''', '"', ',', ',', 'a,"b"'),
    (5, 'newline, carriage return, CRLF', E'line1\nline2\rline3\r\nline4', E'a\nb', E'\r\n', E'\n', E'x\ny'),
    (6, 'tab and other control characters', E'tab\there\x01\x02\x07\x08\x0b\x0c\x1b\x1f\x7f',
     E'\t', E'\t\t', E'\t', E'tab\tname'),
    (7, 'backslashes', 'C:\dir\file.txt \\ \\\ \n \t \x41', '\', '\\', '\', '\\server\share'),
    (8, 'accents and combining marks', 'Déjà vu — naïve café, crème brûlée; ' || U&'cafe\0301',
     'Zoë', 'Ñandú', 'A', 'Ångström'),
    (9, 'emoji, including joined sequences and flags', '📦🚚 👨‍👩‍👧‍👦 🏳️‍🌈 🇺🇸 ✔︎',
     '😀', '😀😀', 'B', '😀'),
    (10, 'right-to-left scripts', 'שלום עולם — مرحبا بالعالم', 'שלום', 'مرحبا', 'C', 'مرحبا'),
    (11, 'CJK and non-BMP characters', '搬家 日本語 한국어 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝄞', '日本語', '한국어', 'D', '𝄞'),
    (12, 'Unicode separators and BOM', U&'line\2028sep\2029para \FEFFbom \00A0nbsp \200Bzwsp',
     U&'\FEFF', U&'\00A0', 'E', U&'\2028'),
    (13, 'leading and trailing spaces', '  spaced  ', ' x ', ' y ', ' ', ' z '),
    (14, 'looks like other syntaxes', '{"json": true} <xml/> {a,b} (1,2) =1+1 #x --y /*z*/',
     '=1+1', '{}', '=', '{a,b}'),
    (15, 'single-byte "char" from a non-ASCII byte', 'é', 'é', 'é', 'é', 'é'),
    (16, 'long text (100,000 characters)', repeat('0123456789', 10000), '0123456789',
     '12345', '9', repeat('x', 63)),
    (17, 'all null', NULL, NULL, NULL, NULL, NULL);

--------------------------------------------------------------------------------------------
-- Arrays: NULL elements, empty arrays, several dimensions, lower bounds other than 1,
-- elements that need quoting, and element types with their own edge cases.
--------------------------------------------------------------------------------------------
CREATE TABLE zoo.arrays (
    id            integer PRIMARY KEY,
    case_name     text NOT NULL,
    integers      integer[],
    texts         text[],
    numerics      numeric[],
    doubles       double precision[],
    booleans      boolean[],
    uuids         uuid[],
    instants      timestamptz[],
    dates         date[],
    durations     interval[],
    byte_strings  bytea[],
    documents     jsonb[],
    moods         zoo.mood[]
);

INSERT INTO zoo.arrays VALUES
    (1, 'simple one-dimensional', '{1,2,3}', '{a,b,c}', '{1.5,2.25}', '{0.5,-1}', '{t,f}',
     '{00000000-0000-0000-0000-000000000000,ffffffff-ffff-ffff-ffff-ffffffffffff}',
     '{"2023-01-01 00:00:00+00","2023-06-01 12:00:00.123456+00"}', '{2023-01-01,2024-02-29}',
     '{"1 day","-1 mon 02:00:00"}', '{"\\x00ff","\\x"}', ARRAY['{"a": 1}', '[]']::jsonb[],
     '{sad,happy}'),
    (2, 'empty arrays', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}'),
    (3, 'NULL elements only', '{NULL}', '{NULL,NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}',
     '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}'),
    (4, 'NULL among values', '{1,NULL,3}', '{a,NULL,c}', '{NULL,1}', '{1,NULL}', '{NULL,t}',
     '{NULL,00000000-0000-0000-0000-000000000001}', '{NULL,infinity}', '{-infinity,NULL}',
     '{NULL,"0 seconds"}', '{NULL,"\\x01"}', ARRAY[NULL, 'null']::jsonb[], '{NULL,ok}'),
    (5, 'elements that need quoting',
     '{-2147483648,2147483647}',
     ARRAY['', 'NULL', 'null', 'a,b', 'a"b', 'a\b', ' lead', 'trail ', '{}', '{a}', E'new\nline',
           E'tab\t', 'Zoë 😀', 'שלום'],
     '{NaN,Infinity,-Infinity,0.000,-1e-20}', '{NaN,Infinity,-Infinity,-0,5e-324}',
     '{t,t}', '{}', '{infinity,-infinity}', '{"4713-11-24 BC",5874897-12-31}',
     '{"178000000 years","-2147483648 days"}',
     ARRAY['\x'::bytea, '\x00'::bytea, '\x5c22'::bytea],   -- 5c22 is backslash, double quote
     ARRAY['"a,b"', '{"k": "v\"q"}', '{"nested": {"a": [1, {"b": null}]}}']::jsonb[],
     ARRAY['very happy', 'it''s "fine"', 'a,b', 'ünïcödé 😀', '1st']::zoo.mood[]),
    (6, 'two dimensions', '{{1,2},{3,4}}', '{{a,b},{NULL,""}}', '{{1.0,2.00}}',
     '{{NaN},{-0}}', '{{t},{f}}', NULL, NULL, '{{2023-01-01},{2023-01-02}}', NULL, NULL, NULL,
     '{{sad},{ok}}'),
    (7, 'three dimensions', '{{{1,2}},{{3,4}}}', '{{{"x y"}}}', NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL),
    (8, 'lower bound 0, negative lower bounds', '[0:1]={1,2}', '[-1:0]={a,b}',
     '[5:5]={1}', '[-5:-4][1:2]={{1,2},{3,4}}', '[0:0]={t}', NULL,
     '[2:3]={"2023-01-01 00:00:00+00",NULL}', '[0:0]={infinity}', '[0:1]={"1 day",NULL}',
     '[0:0]={"\\xff"}', NULL, '[0:1]={sad,ok}'),
    (9, 'all null', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

--------------------------------------------------------------------------------------------
-- JSON. json keeps the input text exactly (whitespace, key order, duplicate keys, \u0000
-- escapes); jsonb normalises it and rejects \u0000. JSON null is not SQL NULL.
--------------------------------------------------------------------------------------------
CREATE TABLE zoo.json_documents (
    id             integer PRIMARY KEY,
    case_name      text NOT NULL,
    document_json  json,         -- no equality operator: compare as text
    document_jsonb jsonb
);

INSERT INTO zoo.json_documents VALUES
    (1, 'empty object and array', '{}', '[]'),
    (2, 'JSON null, true, false, scalar top level', 'null', 'null'),
    (3, 'top-level string and number', '"just a string"', '-12.5e3'),
    (4, 'whitespace, key order, duplicate keys (json keeps them)',
     E' {"b" : 1,\n  "a":[1, 2 ],  "a": "dup" } ', '{"b": 1, "a": [1, 2], "a": "dup"}'),
    (5, 'unicode escapes', '{"e": "caf\u00e9", "emoji": "\ud83d\ude9a", "nul": "\u0000"}',
     '{"e": "caf\u00e9", "emoji": "\ud83d\ude9a", "rtl": "\u05e9\u05dc\u05d5\u05dd"}'),
    (6, 'raw unicode, quotes, backslashes, control escapes',
     '{"text": "Zoë \"quoted\" back\\slash\ttab\nnewline 😀 שלום"}',
     '{"text": "Zoë \"quoted\" back\\slash\ttab\nnewline 😀 שלום"}'),
    (7, 'numbers beyond int64 and double',
     '{"big": 123456789012345678901234567890, "tiny": 1e-400, "huge": 1e400, "neg0": -0, "exp": 1.0E+2}',
     '{"big": 123456789012345678901234567890, "tiny": 1e-400, "precise": 0.1000000000000000055511151231257827, "neg0": -0, "exp": 1.0E+2}'),
    (8, 'deep nesting (100 levels)', (repeat('[', 100) || repeat(']', 100))::json,
     (repeat('{"a": ', 100) || '1' || repeat('}', 100))::jsonb),
    (9, 'string that looks like JSON', '"{\"a\": 1}"', '"[1, 2]"'),
    (10, 'all null', NULL, NULL);

--------------------------------------------------------------------------------------------
-- Binary and bit strings.
--------------------------------------------------------------------------------------------
CREATE TABLE zoo.binary_values (
    id          integer PRIMARY KEY,
    case_name   text NOT NULL,
    bytes       bytea,
    fixed_bits  bit(8),
    varying_bits bit varying(64)
);

INSERT INTO zoo.binary_values VALUES
    (1, 'empty', '\x', B'00000000', B''),
    (2, 'single zero byte', '\x00', B'00000000', B'0'),
    (3, 'looks like escape syntax', convert_to('\x41 \\ \000 "q"', 'UTF8'), B'11111111', B'1'),
    (4, 'all null', NULL, NULL, NULL);

-- All 256 byte values in ascending and in descending order, and 100,000 bytes of md5
-- output, bigger than a typical I/O buffer.
INSERT INTO zoo.binary_values
SELECT 5, 'all 256 byte values, ascending',
       decode(string_agg(lpad(to_hex(b), 2, '0'), '' ORDER BY b), 'hex'),
       B'10101010', B'1010101010101010101010101010101010101010101010101010101010101010'
FROM generate_series(0, 255) AS b
UNION ALL
SELECT 6, 'all 256 byte values, descending',
       decode(string_agg(lpad(to_hex(b), 2, '0'), '' ORDER BY b DESC), 'hex'),
       B'01010101', B'0000000000000000000000000000000000000000000000000000000000000001'
FROM generate_series(0, 255) AS b
UNION ALL
SELECT 7, '100,000 bytes', decode(string_agg(md5(i::text), '' ORDER BY i), 'hex'), NULL, NULL
FROM generate_series(1, 6250) AS i;

--------------------------------------------------------------------------------------------
-- Enum, domains and composites.
--------------------------------------------------------------------------------------------
CREATE TABLE zoo.user_defined (
    id           integer PRIMARY KEY,
    case_name    text NOT NULL,
    mood         zoo.mood,
    amount       zoo.positive_amount,
    postal_code  zoo.us_postal_code,
    tags         zoo.tag_list,
    address      zoo.mailing_address,
    addresses    zoo.mailing_address[]
);

INSERT INTO zoo.user_defined VALUES
    (1, 'plain values', 'happy', 10.50, '02134', '{a,b}',
     ROW('1 Main St', 'Apt 2', '02134', true, '{front,"back door"}'),
     ARRAY[ROW('1 Main St', NULL, '02134', true, NULL)::zoo.mailing_address]),
    (2, 'labels and fields that need quoting', 'it''s "fine"', 0.01, '99999-0001',
     ARRAY['', 'NULL', 'a,b', 'q"uote', E'new\nline'],
     ROW('12 "Quoted" Rd, Unit (B)', E'line\nbreak \\ backslash', '00501', false,
         ARRAY['', NULL, 'x,y']),
     ARRAY[ROW('a,b', '(c)', NULL, NULL, '{}')::zoo.mailing_address,
           ROW('', '', NULL, true, ARRAY[NULL]::text[])::zoo.mailing_address]),
    (3, 'composite with every field NULL (not the same as a NULL composite)', 'ünïcödé 😀',
     9999999999.99, '00000', '{}', ROW(NULL, NULL, NULL, NULL, NULL),
     ARRAY[NULL, ROW(NULL, NULL, NULL, NULL, NULL)]::zoo.mailing_address[]),
    (4, 'empty strings in composite fields', '1st', 1, '12345', ARRAY[NULL]::text[],
     ROW('', '', NULL, NULL, '{}'), '{}'),
    (5, 'all null', NULL, NULL, NULL, NULL, NULL, NULL);

--------------------------------------------------------------------------------------------
-- Ranges and multiranges: empty, unbounded on either or both sides, inclusive and
-- exclusive bounds (discrete ranges print canonically as [a,b)), and infinity as a bound,
-- which is not the same as an unbounded side.
--------------------------------------------------------------------------------------------
CREATE TABLE zoo.ranges (
    id               integer PRIMARY KEY,
    case_name        text NOT NULL,
    int_range        int4range,
    big_range        int8range,
    numeric_range    numrange,
    local_range      tsrange,
    instant_range    tstzrange,
    date_range       daterange,
    float_range      zoo.float_range,
    int_multirange   int4multirange,
    date_multirange  datemultirange,
    numeric_multirange nummultirange,
    float_multirange zoo.float_multirange
);

INSERT INTO zoo.ranges VALUES
    (1, 'empty', 'empty', 'empty', 'empty', 'empty', 'empty', 'empty', 'empty',
     '{}', '{}', '{}', '{}'),
    (2, 'unbounded on both sides', '(,)', '(,)', '(,)', '(,)', '(,)', '(,)', '(,)',
     '{(,)}', '{(,)}', '{(,)}', '{(,)}'),
    (3, 'inclusive bounds (discrete types canonicalise to [a,b))', '[1,10]',
     '[-9223372036854775808,9223372036854775806]', '[0.5,1.50]',
     '[2023-01-01 00:00:00,2023-12-31 23:59:59.999999]',
     '[2023-01-01 00:00:00+00,2023-12-31 23:59:59.999999+00]', '[2023-01-01,2023-12-31]',
     '[-0.5,0.5]', '{[1,3],[5,7]}', '{[2023-01-01,2023-01-31],[2023-03-01,2023-03-31]}',
     '{[1.0,2.0],[3,4]}', '{[-1,0],[1,2]}'),
    (4, 'exclusive bounds', '(1,10)', '(0,100)', '(0.5,1.5)',
     '(2023-01-01 00:00:00,2024-01-01 00:00:00)', '(2023-01-01 00:00:00+00,2024-01-01 00:00:00+00)',
     '(2023-01-01,2024-01-01)', '(0,1)', '{(1,3),(10,20)}', '{(2023-01-01,2023-02-01)}',
     '{(0,0.1)}', '{(0,1)}'),
    (5, 'unbounded on one side', '[5,)', '(,0)', '[0,)', '[2023-01-01 00:00:00,)',
     '(,2023-01-01 00:00:00+00)', '[2023-01-01,)', '(,0]', '{(,0),[10,)}', '{[2023-01-01,)}',
     '{(,-1]}', '{[1e300,)}'),
    (6, 'infinity as a bound (not the same as unbounded)', NULL, NULL, '[-Infinity,Infinity]',
     '[-infinity,infinity]', '[-infinity,infinity]', '[-infinity,infinity]',
     '[-Infinity,Infinity]', NULL, '{[-infinity,infinity]}', '{[-Infinity,Infinity]}',
     '{[-Infinity,Infinity]}'),
    (7, 'all null', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

--------------------------------------------------------------------------------------------
-- Network addresses.
--------------------------------------------------------------------------------------------
CREATE TABLE zoo.network_addresses (
    id          integer PRIMARY KEY,
    case_name   text NOT NULL,
    host        inet,
    network     cidr,
    mac         macaddr,
    mac8        macaddr8
);

INSERT INTO zoo.network_addresses VALUES
    (1, 'IPv4', '192.168.0.1', '192.168.0.0/24', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05'),
    (2, 'IPv4 inet with a netmask keeps host bits', '192.168.0.1/24', '10.0.0.0/8',
     '08-00-2B-01-02-03', '08002b0102030405'),
    (3, 'IPv6', '2001:db8::ff00:42:8329', '2001:db8::/32', 'ff:ff:ff:ff:ff:ff',
     'ff:ff:ff:ff:ff:ff:ff:ff'),
    (4, 'IPv6 with prefix, IPv4-mapped', '::ffff:1.2.3.4/120', '::ffff:1.2.3.0/120',
     '00:00:00:00:00:00', '00:00:00:00:00:00:00:00'),
    (5, 'everything and single hosts', '0.0.0.0/0', '255.255.255.255/32', '01:00:5e:00:00:fb',
     '08:00:2b:ff:fe:01:02:03'),
    (6, 'all null', NULL, NULL, NULL, NULL);

--------------------------------------------------------------------------------------------
-- Geometry. None of these types has a usable equality operator for EXCEPT or DISTINCT
-- (point has ~=, not =); compare them as text.
--------------------------------------------------------------------------------------------
CREATE TABLE zoo.geometry (
    id        integer PRIMARY KEY,
    case_name text NOT NULL,
    location  point,
    boundary  line,
    segment   lseg,
    area      box,
    route     path,
    shape     polygon,
    zone      circle
);

INSERT INTO zoo.geometry VALUES
    (1, 'simple shapes', '(1.5,-2)', '{1,-1,0}', '[(0,0),(1,1)]', '(1,1),(0,0)',
     '[(0,0),(1,1),(2,0)]', '((0,0),(0,1),(1,1),(1,0))', '<(0,0),1.5>'),
    (2, 'closed path, extreme and special coordinates', '(NaN,Infinity)', '{0,1,-1e300}',
     '[(-0,0),(1e-300,5e-324)]', '(Infinity,Infinity),(-Infinity,-Infinity)',
     '((0,0),(1,1),(2,0))', '((0,0))', '<(1e300,-1e300),0>'),
    (3, 'inexact decimal coordinates', '(0.1,0.2)', '{0.1,0.2,0.3}', '[(0.1,0.2),(0.3,0.4)]',
     '(0.3,0.4),(0.1,0.2)', '[(0.1,0.1)]', '((0.1,0.1),(0.2,0.2),(0.3,0.1))', '<(0.1,0.2),0.3>'),
    (4, 'all null', NULL, NULL, NULL, NULL, NULL, NULL, NULL);

--------------------------------------------------------------------------------------------
-- Everything else: money, uuid, oid, pg_lsn, xml, full-text search, boolean.
--------------------------------------------------------------------------------------------
CREATE TABLE zoo.misc (
    id            integer PRIMARY KEY,
    case_name     text NOT NULL,
    amount        money,        -- text form follows lc_monetary: '$1,234.56' in C and en_US
    identifier    uuid,
    object_id     oid,          -- unsigned 32-bit
    wal_position  pg_lsn,
    xml_value     xml,          -- no equality operator: compare as text
    document      tsvector,
    search        tsquery,
    flag          boolean
);

INSERT INTO zoo.misc VALUES
    (1, 'ordinary values', 1234.56, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 16384, '0/16B3748',
     '<move id="1">Household goods</move>', 'a fat cat sat on a mat and ate a fat rat',
     'fat & (rat | cat)', true),
    (2, 'minimums', '-92233720368547758.08', '00000000-0000-0000-0000-000000000000', 0, '0/0',
     '', '', 'x', false),
    (3, 'maximums', '92233720368547758.07', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 4294967295,
     'FFFFFFFF/FFFFFFFF', '<a>1</a><b attr="&quot;q&quot; &amp; &lt;"/>text <![CDATA[<raw>]]>',
     'a:1A fat:2B,4C cat:5D', 'a:* & b:AB', true),
    (4, 'quoting inside tsvector and xml, non-ASCII', 0.01, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12',
     2147483648, '1/0', '<note lang="he">שלום, "Zoë" 😀</note>', $$'it''s' 'a b' 'Zoë'$$,
     '!x <-> y & ''a b''', NULL),
    (5, 'all null', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

--------------------------------------------------------------------------------------------
-- Shapes of tables rather than of values.
--------------------------------------------------------------------------------------------

-- 1,000 columns (the limit is 1,600), cycling through integer, text, boolean and numeric.
-- Fixed-width columns cannot be moved out of line, so the mix keeps a full row under the
-- 8 kB page limit.
DO $create_wide_table$
DECLARE
    column_definitions text;
BEGIN
    SELECT string_agg(format('col_%s %s', lpad(n::text, 4, '0'),
                             (ARRAY['integer', 'text', 'boolean', 'numeric'])[1 + n % 4]),
                      ', ' ORDER BY n)
      INTO column_definitions
      FROM generate_series(1, 1000) AS n;
    EXECUTE format('CREATE TABLE zoo.wide (id integer PRIMARY KEY, case_name text NOT NULL, %s)',
                   column_definitions);
END
$create_wide_table$;

-- Rows: every column set; every column NULL; every other column set. Values depend only
-- on the column number and the row id.
DO $fill_wide_table$
DECLARE
    row_id integer;
    case_names text[] := ARRAY['every column set', 'all null', 'alternate columns NULL'];
    value_list text;
BEGIN
    FOR row_id IN 1 .. 3 LOOP
        SELECT string_agg(
                   CASE WHEN row_id = 2 OR (row_id = 3 AND n % 2 = 0) THEN 'NULL'
                        ELSE CASE n % 4
                                 WHEN 0 THEN (n * row_id)::text
                                 WHEN 1 THEN quote_literal('v' || n || CASE WHEN n % 100 = 1 THEN ', "q"' ELSE '' END)
                                 WHEN 2 THEN (n % 3 = 0)::text
                                 ELSE (n / 7.0)::numeric(12, 6)::text
                             END
                   END,
                   ', ' ORDER BY n)
          INTO value_list
          FROM generate_series(1, 1000) AS n;
        EXECUTE format('INSERT INTO zoo.wide VALUES (%s, %L, %s)',
                       row_id, case_names[row_id], value_list);
    END LOOP;
END
$fill_wide_table$;

-- No rows at all: an export must still describe the table (columns, types, zero rows).
CREATE TABLE zoo.empty_table (
    id         integer PRIMARY KEY,
    case_name  text NOT NULL,
    amount     numeric(10, 2),
    happened   timestamptz,
    payload    jsonb,
    tags       text[]
);

-- Columns that are NULL in every row: writers must not derive a type or statistics from
-- the values, and min/max statistics are absent.
CREATE TABLE zoo.all_null (
    id               integer PRIMARY KEY,
    case_name        text NOT NULL,
    always_null_text text,
    always_null_int  integer,
    always_null_num  numeric(10, 2),
    always_null_time timestamptz,
    always_null_json jsonb,
    always_null_uuid uuid,
    sometimes_value  text
);

INSERT INTO zoo.all_null (id, case_name, sometimes_value)
VALUES (1, 'value present', 'present'),
       (2, 'empty string', ''),
       (3, 'all null', NULL);

-- Names that need quoting in SQL, in file and object names, and in other formats: a
-- table name with a slash, a dot, a space and double quotes, and columns named with
-- reserved words, mixed case, quotes, dots and non-ASCII letters.
CREATE TABLE zoo."names/with.odd ""chars""" (
    id              integer PRIMARY KEY,
    case_name       text NOT NULL,
    "select"        text,
    "Mixed Case"    integer,
    "with""quote"   text,
    "dot.ted"       text,
    "naïve ünïcödé" text,
    "123starts_with_digit" boolean
);

INSERT INTO zoo."names/with.odd ""chars""" VALUES
    (1, 'values', 'from', 42, 'q"q', 'a.b', 'ü', true),
    (2, 'all null', NULL, NULL, NULL, NULL, NULL, NULL);

ANALYZE zoo.numbers, zoo.datetimes, zoo.texts, zoo.arrays, zoo.json_documents,
        zoo.binary_values, zoo.user_defined, zoo.ranges, zoo.network_addresses,
        zoo.geometry, zoo.misc, zoo.wide, zoo.empty_table, zoo.all_null,
        zoo."names/with.odd ""chars""";
