SET client_min_messages = warning;
-- A table with one column of each kind of type the JSON Lines encoder renders differently,
-- and rows of tricky values. Used by jsonl_e2e.sh to produce jsonl_types.copy (COPY TEXT
-- rows) and jsonl_types.schema, which jsonl_fixture_test.cpp encodes.
DROP TABLE IF EXISTS jsonl_types;
DROP TYPE IF EXISTS jsonl_mood, jsonl_pair CASCADE;
DROP DOMAIN IF EXISTS jsonl_positive, jsonl_tags CASCADE;
CREATE TYPE jsonl_mood AS ENUM ('sad', 'ok', 'happy "quoted"', 'ünïcödé');
CREATE TYPE jsonl_pair AS (n int, label text);
CREATE DOMAIN jsonl_positive AS int4 CHECK (VALUE > 0);
CREATE DOMAIN jsonl_tags AS text[];

CREATE TABLE jsonl_types (
  id            int PRIMARY KEY,
  c_bool        bool,
  c_int2        int2,
  c_int4        int4,
  c_int8        int8,
  c_oid         oid,
  c_float4      float4,
  c_float8      float8,
  c_numeric     numeric,
  c_numeric_12_2 numeric(12,2),
  c_text        text,
  c_varchar     varchar(20),
  c_bpchar      char(5),
  c_char        "char",
  c_name        name,
  c_enum        jsonl_mood,
  c_uuid        uuid,
  c_date        date,
  c_time        time,
  c_timetz      timetz,
  c_timestamp   timestamp,
  c_timestamptz timestamptz,
  c_interval    interval,
  c_int4range   int4range,
  c_daterange   daterange,
  c_multirange  int4multirange,
  c_inet        inet,
  c_cidr        cidr,
  c_macaddr     macaddr,
  c_money       money,
  c_bit         bit(4),
  c_varbit      varbit,
  c_xml         xml,
  c_point       point,
  c_box         box,
  c_polygon     polygon,
  c_composite   jsonl_pair,
  c_json        json,
  c_jsonb       jsonb,
  c_bytea       bytea,
  c_domain_int  jsonl_positive,
  c_domain_tags jsonl_tags,
  c_int4_arr    int4[],
  c_int8_arr    int8[],
  c_text_arr    text[],
  c_float8_arr  float8[],
  c_numeric_arr numeric[],
  c_bool_arr    bool[],
  c_bytea_arr   bytea[],
  c_jsonb_arr   jsonb[],
  c_box_arr     box[],
  c_date_arr    date[],
  c_comp_arr    jsonl_pair[],
  c_enum_arr    jsonl_mood[],
  c_int2vector  int2vector,
  "Odd ""Name"" é" text
);

-- Row 1: ordinary values.
INSERT INTO jsonl_types VALUES (
  1, true, 1, 2, 3, 4, 1.5, 0.1, 12.5, 12.50, 'hello', 'varchar', 'ab', 'x', 'a_name', 'ok',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2024-02-29', '12:34:56.789', '12:34:56+05:30',
  '2024-02-29 12:34:56.123456', '2024-02-29 12:34:56.123456+02', '1 year 2 mons 3 days 04:05:06.7',
  '[1,10)', '[2024-01-01,2024-02-01)', '{[1,3),[5,9)}', '192.168.0.1/24', '10.0.0.0/8',
  '08:00:2b:01:02:03', 1234.56, B'1010', B'101', '<a x="1">t</a>', '(1.5,-2)', '((0,0),(1,1))',
  '((0,0),(1,0),(0,1))', ROW(1, 'one'), '{"a": 1, "b": [true, null, "x"]}', '{"k": "v", "n": 1.5}',
  '\x0001feff', 7, '{a,b}', '{1,2,3}', '{1,9007199254740993}', '{plain,"with space"}', '{0.5,NaN}',
  '{1.10,NaN}', '{t,f}', '{"\\x00","\\xff"}', ARRAY['{"a":1}'::jsonb, 'null'], ARRAY[box '((0,0),(1,1))', box '((2,2),(3,3))'],
  '{2024-01-01,infinity}', ARRAY[ROW(1,'a'), ROW(2,'b "q"')]::jsonl_pair[], '{ok,sad}', '1 2 3', 'odd');

-- Row 2: every nullable column NULL.
INSERT INTO jsonl_types (id) VALUES (2);

-- Row 3: edge values.
INSERT INTO jsonl_types VALUES (
  3, false, -32768, -2147483648, -9223372036854775808, 4294967295, 'NaN', '-0', 'NaN', -0.01,
  E'quote " backslash \\ tab \t newline \n cr \r ctrl \x01\x02\x1f del \x7f emoji 😀👩‍🚀 rtl שלום مرحبا \u200f end',
  '', '', '', '', 'happy "quoted"', '00000000-0000-0000-0000-000000000000', '-infinity', '24:00:00',
  '00:00:00-15:59', '4713-01-01 00:00:00 BC', 'infinity', '-178000000 years -1 mons -1 days -00:00:00.000001',
  'empty', '(,)', '{}', '::1', '2001:db8::/32', 'ff:ff:ff:ff:ff:ff', -92233720368547758.08, B'0000', B'',
  '<?xml version="1.0"?><r>&amp;&lt;</r>', '(1e+300,-1e-300)', '((-1,-1),(-1,-1))', '((0,0))',
  ROW(NULL, E'x,"y"\\z'), E'[1,\n  2.50, "a\\nb", {"dup": 1, "dup": 2}]', 'null', '\x', 1,
  '{}', '{}', '{-9223372036854775808,9007199254740991,-9007199254740992,NULL}',
  ARRAY['', 'NULL', NULL, 'a"b', 'c\d', '{x}', 'e,f', E'tab\tnl\n', ' lead', 'trail ', 'ünï😀'],
  '{Infinity,-Infinity,-0,1e-310,1.7976931348623157e+308}', '{Infinity,-Infinity,0.000000000000000000001}',
  '{NULL,t}', ARRAY[NULL, '\x'::bytea, '\x5c22'::bytea], ARRAY[NULL, '"s"'::jsonb, '[1,{"a":null}]'],
  '{}', '{-infinity,"4713-01-01 BC"}', ARRAY[NULL::jsonl_pair, ROW(NULL,NULL)::jsonl_pair], '{}', '', '');

-- Row 4: int8 boundaries and bigger numbers.
INSERT INTO jsonl_types (id, c_int8, c_float4, c_float8, c_numeric, c_int4_arr, c_text_arr)
VALUES (4, 9223372036854775807, 'Infinity', '1e-310', 'Infinity', '[0:2]={1,NULL,3}',
        '[-1:0][5:6]={{a,"b c"},{NULL,"}"}}');
INSERT INTO jsonl_types (id, c_int8, c_float4, c_float8, c_numeric, c_int4_arr)
VALUES (5, 9007199254740991, '-Infinity', '-Infinity', '-Infinity', '{{{1,2}},{{3,NULL}}}');
INSERT INTO jsonl_types (id, c_int8, c_float4, c_float8, c_numeric, c_int4_arr)
VALUES (6, -9007199254740991, '3.4028235e+38', '4.9e-324', '-123456789012345678901234567890.123456789012345678901234567890', '{{1},{2}}');
INSERT INTO jsonl_types (id, c_int8, c_float8, c_numeric)
VALUES (7, 9007199254740992, '123456789.12345679', '1e-1000');
INSERT INTO jsonl_types (id, c_int8, c_float8)
VALUES (8, -9007199254740992, '0.30000000000000004');

-- Row 9: every byte value in one bytea, and text of every Unicode plane sample.
INSERT INTO jsonl_types (id, c_bytea, c_text)
SELECT 9, decode(string_agg(lpad(to_hex(b), 2, '0'), '' ORDER BY b), 'hex'),
       E'\u0080\u00ff\u0100\u07ff\u0800\uffff\U00010000\U0010ffff\u2028\u2029'
FROM generate_series(0, 255) AS b;
