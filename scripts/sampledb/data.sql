-- Sample database for pgexport: the rows.
--
-- Deterministic: every value is derived from row numbers with md5() and modular arithmetic,
-- never from random() or now(), so two loads at the same scale are identical byte for byte
-- and exports can be compared with checksums across runs and machines.
--
-- Scale: psql variable "scale" (numeric, default 1). Catalog tables have a fixed size;
-- moves and everything hanging off them grow linearly. Scale 1 is about 85 MB of COPY
-- text; fractional scales such as 0.05 give small databases for fast tests.
--
-- Key convention: a row's uuid is md5('<table>:<key>')::uuid, where <key> is built from the
-- row numbers that identify it. A referencing row computes the same expression instead of
-- joining, so every table loads with one set-based INSERT ... SELECT.
--
-- Index conventions (M = move count, S = shipment count):
--   move m (1..M) belongs to order m, service member m, user 'member:m', entitlement m;
--   shipment s (1..S) belongs to move 1 + (s - 1) % M, so the first M shipments give every
--   move one shipment and the rest give some moves a second one.

\set ON_ERROR_STOP 1
\if :{?scale}
\else
    \set scale 1
\endif

-- Session settings for a bulk load: nothing here needs to survive a crash mid-load; the
-- wide generated expressions look expensive to the planner, and compiling them with JIT
-- costs seconds while saving nothing; fixing the time zone makes every date computed from
-- a timestamptz independent of the server's configuration.
SET synchronous_commit = off;
SET jit = off;
SET TimeZone = 'UTC';

--------------------------------------------------------------------------------------------
-- Sizes. Fractional scales round to whole rows; at least one move always exists.
--------------------------------------------------------------------------------------------
SELECT greatest(1, round(5000 * (:scale)::numeric))::integer AS move_count
\gset
SELECT round(:move_count * 1.5)::integer AS shipment_count,
       8 * :move_count                   AS audit_count
\gset
\echo sampledb: scale :scale -> :move_count moves, :shipment_count shipments, :audit_count audit rows

-- Row-number series below are bigint (generate_series(1::bigint, ...)): the derived values
-- multiply row numbers by primes such as 104729, which overflows integer at larger scales.

--------------------------------------------------------------------------------------------
-- Helpers. Created in pg_temp so they vanish with the session and never reach an export.
-- All are IMMUTABLE SQL functions, so the planner can inline the simple ones.
--------------------------------------------------------------------------------------------

-- The deterministic uuid of a row.
CREATE FUNCTION pg_temp.uid(table_name text, row_key text) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT
RETURN md5(table_name || ':' || row_key)::uuid;

-- A point in 2023, spread pseudo-randomly by n, with microseconds. 15485863 is a prime
-- that does not divide the number of seconds in a year, so consecutive n land about half
-- a year apart and even a handful of rows covers the whole year (and every partition of
-- tracking_events) whatever the scale.
CREATE FUNCTION pg_temp.spread_time(n bigint) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT
RETURN timestamptz '2023-01-01 00:00:00+00'
       + ((n * 15485863) % 31536000) * interval '1 second'
       + ((n * 104729) % 1000000) * interval '1 microsecond';

-- The same instant as a plain timestamp (the application stores created_at in UTC without
-- a zone, as many applications do).
CREATE FUNCTION pg_temp.spread_local_time(n bigint) RETURNS timestamp
LANGUAGE sql IMMUTABLE STRICT
RETURN pg_temp.spread_time(n) AT TIME ZONE 'UTC';

-- A non-negative number derived from a text key (48 bits of its md5). Stable across
-- PostgreSQL versions and collations, unlike hashtext() or an ORDER BY over text.
CREATE FUNCTION pg_temp.hash_number(key text) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT
RETURN ('x' || substr(md5(key), 1, 12))::bit(48)::bigint;

-- One element of a list, chosen by n.
CREATE FUNCTION pg_temp.pick(choices text[], n bigint) RETURNS text
LANGUAGE sql IMMUTABLE STRICT
RETURN choices[1 + (n % cardinality(choices))];

-- A fixed-width code in base 34 (digits and capitals without I and O, which people misread).
-- Used with a multiplier coprime to 34 so the mapping from row number to code is one-to-one
-- (unique move locators) yet does not look sequential.
CREATE FUNCTION pg_temp.locator_code(n bigint, width integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT
RETURN (SELECT string_agg(substr('0123456789ABCDEFGHJKLMNPQRSTUVWXYZ',
                                 1 + ((n / (34::bigint ^ (width - position))::bigint) % 34)::integer,
                                 1), '' ORDER BY position)
        FROM generate_series(1, width) AS position);

-- The six-character locator of move m. 3^18 is coprime to 34^6, so multiplying by it
-- modulo 34^6 is one-to-one: locators are unique for up to 1.5 billion moves.
CREATE FUNCTION pg_temp.move_locator(m bigint) RETURNS text
LANGUAGE sql IMMUTABLE STRICT
RETURN pg_temp.locator_code(m * 387420489 % 1544804416, 6);

-- The ten-digit DoD id of member m, unique for the same reason (1234567891 is coprime to
-- 10^10). About one in ten starts with 0, which must survive as text.
CREATE FUNCTION pg_temp.edipi(m bigint) RETURNS text
LANGUAGE sql IMMUTABLE STRICT
RETURN lpad((m * 1234567891 % 10000000000)::text, 10, '0');

-- Free text that exporters get wrong: separators, quotes, line breaks, backslashes, the
-- COPY text-format NULL marker, look-alikes of other syntaxes, accents, emoji,
-- right-to-left scripts, combining characters, control characters, an empty string and
-- NULL. Index 0 is NULL so that "n % 32 = 0" rows carry real NULLs.
CREATE FUNCTION pg_temp.tricky_text(n bigint) RETURNS text
LANGUAGE sql IMMUTABLE STRICT
RETURN (ARRAY[
    NULL,
    '',
    'Please call before 9am, not after 5pm, thanks',
    'She said "handle with care" twice',
    E'Fragile items:\n- grandmother''s china\n- upright piano',
    E'Typed on Windows\r\nsecond line',
    E'Col1\tCol2\tCol3',
    'Orders saved at C:\Users\member\orders.pdf and a trailing backslash\',
    '\N',
    'NULL',
    'Déménagement à Montréal: café, crème brûlée, naïve, Zoë',
    'Boxes 📦 loaded on the truck 🚚, ETA 🕒 — family 👨‍👩‍👧‍👦',
    'מעבר דירה לבסיס חדש',
    'نقل الأمتعة المنزلية إلى القاعدة الجديدة',
    '  leading and trailing spaces  ',
    '"',
    E'"quoted, with comma",and "more"\n',
    'It''s O''Brien''s move',
    '搬家到新的基地 — 日本語もOK',
    U&'cafe\0301 spelled with a combining accent',
    'Delivery window moved. ' || repeat('Customer asked for a later date, again. ', 80),
    '\x00ff looks like bytea but is text',
    '{"looks": "like json", "n": 1}',
    '{a,b,"c d",NULL}',
    '=SUM(A1:A3)',
    E'carriage\rreturn only',
    E'ends with a newline\n',
    U&'line\2028separator and \FEFFbyte order mark',
    E'bell\x07 and escape\x1b[0m control characters',
    '𝄞 non-BMP: 𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
    'Ünïcödé ÄÖÜß ÆØÅ Ł Ș Ğ İ',
    'Plain remark without anything special'
])[1 + (n % 32)];

--------------------------------------------------------------------------------------------
-- Catalogs (fixed size).
--------------------------------------------------------------------------------------------
INSERT INTO public.pay_grades (id, grade, grade_description, rank_order, created_at, updated_at)
SELECT pg_temp.uid('pay_grades', grade),
       grade,
       CASE WHEN grade LIKE 'E_%' THEN 'Enlisted grade ' || substr(grade, 3)
            WHEN grade LIKE 'O_%' THEN 'Officer grade ' || substr(grade, 3)
            WHEN grade LIKE 'W_%' THEN 'Warrant officer grade ' || substr(grade, 3)
       END,                                   -- NULL for the non-military grades
       ordinality,
       timestamp '2020-01-01 00:00:00',
       timestamp '2020-01-01 00:00:00'
FROM unnest(ARRAY['E_1', 'E_2', 'E_3', 'E_4', 'E_5', 'E_6', 'E_7', 'E_8', 'E_9',
                  'W_1', 'W_2', 'W_3', 'W_4', 'W_5',
                  'O_1', 'O_2', 'O_3', 'O_4', 'O_5', 'O_6', 'O_7', 'O_8', 'O_9', 'O_10',
                  'ACADEMY_CADET', 'MIDSHIPMAN', 'AVIATION_CADET', 'CIVILIAN_EMPLOYEE'])
     WITH ORDINALITY AS g(grade, ordinality);

INSERT INTO public.contractors (id, name, contract_number, type, created_at, updated_at)
VALUES (pg_temp.uid('contractors', '1'), 'Prime Movers, Inc.', 'HTC711-22-D-R002', 'Prime',
        timestamp '2020-01-01 00:00:00', timestamp '2020-01-01 00:00:00'),
       (pg_temp.uid('contractors', '2'), 'Household "Goods" Logistics, LLC', 'HTC711-22-D-R003',
        'Prime', timestamp '2020-06-01 00:00:00', timestamp '2021-02-03 04:05:06.789012'),
       (pg_temp.uid('contractors', '3'), 'Société Générale de Déménagement', 'HTC711-22-D-R004',
        'Subcontractor', timestamp '2021-01-01 00:00:00', timestamp '2021-01-01 00:00:00');

INSERT INTO public.roles (id, role_type, role_name, created_at, updated_at)
SELECT pg_temp.uid('roles', ordinality::text), role_type, role_name,
       timestamp '2020-01-01 00:00:00', timestamp '2020-01-01 00:00:00'
FROM unnest(ARRAY['customer', 'transportation_ordering_officer', 'transportation_invoicing_officer',
                  'services_counselor', 'prime_simulator', 'qae', 'customer_service_representative',
                  'headquarters'],
            ARRAY['Customer', 'Task Ordering Officer', 'Task Invoicing Officer',
                  'Services Counselor', 'Prime Simulator', 'Quality Assurance Evaluator',
                  'Customer Service Representative', 'Headquarters'])
     WITH ORDINALITY AS r(role_type, role_name, ordinality);

-- Service codes. Positions matter: shipment-level items use DLH, FSC, DOP, DDP and DOFSIT,
-- move-level items use MS and CS (looked up by code below).
INSERT INTO public.re_services (id, code, name, priority, created_at, updated_at)
SELECT pg_temp.uid('re_services', code), code, name, 1 + ordinality % 5,
       timestamp '2020-01-01 00:00:00', timestamp '2020-01-01 00:00:00'
FROM unnest(
    ARRAY['MS', 'CS', 'DLH', 'DSH', 'FSC', 'DOP', 'DDP', 'DPK', 'DUPK', 'DOFSIT', 'DOASIT',
          'DOPSIT', 'DOSFSC', 'DDFSIT', 'DDASIT', 'DDDSIT', 'DDSFSC', 'DCRT', 'DUCRT', 'DOSHUT',
          'DDSHUT', 'DNPK', 'DBHF', 'DBTF', 'DMHF', 'ICRT', 'IUCRT', 'IOSHUT', 'IDSHUT', 'DLHSIT'],
    ARRAY['Move management', 'Counseling', 'Domestic linehaul', 'Domestic shorthaul',
          'Fuel surcharge', 'Domestic origin price', 'Domestic destination price',
          'Domestic packing', 'Domestic unpacking', 'Domestic origin 1st day SIT',
          'Domestic origin Add''l days SIT', 'Domestic origin SIT pickup',
          'Domestic origin SIT fuel surcharge', 'Domestic destination 1st day SIT',
          'Domestic destination Add''l days SIT', 'Domestic destination SIT delivery',
          'Domestic destination SIT fuel surcharge', 'Domestic crating', 'Domestic uncrating',
          'Domestic origin shuttle service', 'Domestic destination shuttle service',
          'Domestic NTS packing', 'Domestic haul away boat factor',
          'Domestic tow away boat factor', 'Domestic mobile home factor',
          'International crating', 'International uncrating',
          'International origin shuttle service', 'International destination shuttle service',
          'Domestic linehaul, "SIT" variant'])
     WITH ORDINALITY AS s(code, name, ordinality);

INSERT INTO ghc.re_contracts (id, code, name)
VALUES (pg_temp.uid('re_contracts', '1'), 'TRUSS_TEST', 'Truss Test Contract'),
       (pg_temp.uid('re_contracts', '2'), 'HTC711-22-D-R002', 'Domestic "Global" HHG Contract, 2022');

-- Compounded escalation is an exact power of the yearly rate, so its digits grow year over
-- year: unbounded numeric values with more significant digits than a double holds.
INSERT INTO ghc.re_contract_years (id, contract_id, name, effective, escalation,
                                   escalation_compounded)
SELECT pg_temp.uid('re_contract_years', contract || ':' || year),
       pg_temp.uid('re_contracts', contract::text),
       CASE WHEN year = 0 THEN 'Base Period Year 1' ELSE 'Option Period ' || year END,
       daterange(make_date(2021 + year, 6, 1), make_date(2022 + year, 6, 1)),
       CASE WHEN year = 0 THEN 1 ELSE 1.0197 END,
       1.0197 ^ year
FROM generate_series(1, 2) AS contract, generate_series(0, 4) AS year;

-- A 5 x 10 x 10 x 2 grid of bands per contract; the last bands are unbounded above.
INSERT INTO ghc.re_domestic_linehaul_prices (id, contract_id, weight_lbs, miles,
                                             is_peak_period, domestic_service_area,
                                             price_millicents)
SELECT pg_temp.uid('re_domestic_linehaul_prices',
                   concat_ws(':', contract, area, weight_band, mile_band, peak)),
       pg_temp.uid('re_contracts', contract::text),
       int4range(weight_band * 1000 + 500 * (weight_band = 0)::integer,
                 CASE WHEN weight_band < 9 THEN (weight_band + 1) * 1000 END),
       int4range(mile_band * 250, CASE WHEN mile_band < 9 THEN (mile_band + 1) * 250 END, '[]'),
       peak,
       lpad(area::text, 3, '0'),
       1000 + (contract * 7919 + area * 104729 + weight_band * 1299709 + mile_band * 15485863
               + peak::integer * 32452843) % 900000
FROM generate_series(1, 2) AS contract,
     generate_series(1, 5) AS area,
     generate_series(0, 9) AS weight_band,
     generate_series(0, 9) AS mile_band,
     unnest(ARRAY[false, true]) AS peak;

INSERT INTO ghc."ReServiceItemParams" ("Id", "ServiceId", "ParamKey", "ParamType",
                                       "IsOptional", "Origin", "CreatedAt")
SELECT pg_temp.uid('ReServiceItemParams', s.code || ':' || param.key),
       s.id, param.key, param.type, (s.priority + k) % 4 = 0,
       pg_temp.pick(ARRAY['SYSTEM', 'PRIME', 'PRICER'], k),
       timestamp '2020-01-01 00:00:00' + k * interval '1 minute'
FROM public.re_services AS s
CROSS JOIN LATERAL generate_series(1, 3 + (length(s.code) * 7 + s.priority) % 6) AS k
CROSS JOIN LATERAL (
    -- 3 is coprime to 20, so consecutive k give distinct keys for the same service.
    SELECT (ARRAY['ActualPickupDate', 'ContractCode', 'ContractYearName', 'CubicFeetBilled',
                  'DistanceZip', 'EIAFuelPrice', 'EscalationCompounded', 'FSCWeightBasedDistanceMultiplier',
                  'IsPeak', 'PriceRateOrFactor', 'ReferenceDate', 'RequestedPickupDate',
                  'ServiceAreaOrigin', 'ServiceAreaDest', 'SITPaymentRequestStart',
                  'SITPaymentRequestEnd', 'WeightAdjusted', 'WeightBilled', 'WeightEstimated',
                  'ZipPickupAddress'])[1 + (s.priority + k * 3) % 20] AS key,
           pg_temp.pick(ARRAY['STRING', 'DATE', 'INTEGER', 'DECIMAL', 'TIMESTAMP', 'BOOLEAN'],
                        s.priority + k) AS type
) AS param;

--------------------------------------------------------------------------------------------
-- Addresses: fixed ones for duty locations and offices, then per member and per shipment.
--------------------------------------------------------------------------------------------
INSERT INTO public.addresses (id, street_address_1, street_address_2, street_address_3, city,
                              state, postal_code, country, county, is_oconus, created_at,
                              updated_at)
SELECT pg_temp.uid('addresses', kind || ':' || n),
       (100 + (n * 7919 + length(kind)) % 9900)::text || ' '
           || pg_temp.pick(ARRAY['Main St', 'Elm Street', 'Oak Ave.', 'Rue de la Paix',
                                 'Calle Olvera', 'Königstraße', 'Martin Luther King Jr. Blvd',
                                 'O''Farrell St', 'Avenue "A"', 'Route 66, Exit 4'], n),
       CASE n % 4 WHEN 0 THEN NULL WHEN 1 THEN '' ELSE 'Apt ' || (n % 500) END,
       CASE WHEN n % 97 = 0 THEN 'c/o Unit ' || n % 1000 || E', Building 7\nRoom 12' END,
       pg_temp.pick(ARRAY['Fort Liberty', 'San Antonio', 'Norfolk', 'Colorado Springs',
                          'Tacoma', 'Honolulu', 'Anchorage', 'Jacksonville', 'San Diego',
                          'Fairbanks', 'Coeur d''Alene', 'Española', 'Mayagüez'], n * 3),
       pg_temp.pick(ARRAY['NC', 'TX', 'VA', 'CO', 'WA', 'HI', 'AK', 'FL', 'CA', 'AK', 'ID', 'NM',
                          'PR'], n * 3),
       -- five digits with leading zeros kept, sometimes ZIP+4
       lpad(((n * 7919) % 99999)::text, 5, '0')
           || CASE WHEN n % 11 = 0 THEN '-' || lpad((n % 10000)::text, 4, '0') ELSE '' END,
       'US',
       CASE WHEN n % 5 <> 0 THEN pg_temp.pick(ARRAY['CUMBERLAND', 'BEXAR', 'NORFOLK CITY',
                                                   'EL PASO', 'PIERCE', 'HONOLULU'], n) END,
       n % 13 = 6,
       pg_temp.spread_local_time(n),
       pg_temp.spread_local_time(n) + (n % 3) * interval '17 days 3 hours'
FROM (
    SELECT 'duty' AS kind, generate_series(1, 500) AS n
    UNION ALL SELECT 'office', generate_series(1, 150)
    UNION ALL SELECT 'residence', generate_series(1::bigint, :move_count)
    UNION ALL SELECT 'backup', generate_series(2::bigint, :move_count, 2)
    UNION ALL SELECT 'pickup', generate_series(1::bigint, :shipment_count)
    UNION ALL SELECT 'destination', generate_series(1::bigint, :shipment_count)
) AS address_keys;

INSERT INTO public.transportation_offices (id, shipping_office_id, name, address_id, gbloc,
                                           latitude, longitude, hours, services, note,
                                           service_area_zip3s, provides_ppm_closeout,
                                           created_at, updated_at)
SELECT pg_temp.uid('transportation_offices', t::text),
       -- every tenth office is a shipping office for the nine after it
       CASE WHEN t % 10 <> 1 THEN pg_temp.uid('transportation_offices', (t - (t - 1) % 10)::text) END,
       pg_temp.pick(ARRAY['PPPO', 'JPPSO', 'Transportation Office', 'PPSO'], t) || ' '
           || pg_temp.pick(ARRAY['Fort Liberty', 'JB San Antonio', 'NAVSTA Norfolk',
                                 'Peterson SFB', 'JB Lewis-McChord', 'JB Pearl Harbor-Hickam',
                                 'JB Elmendorf-Richardson', 'NAS Jacksonville'], t) || ' #' || t,
       pg_temp.uid('addresses', 'office:' || t),
       pg_temp.pick(ARRAY['KKFA', 'HAFC', 'BGNC', 'JEAT', 'LKNQ', 'AGFM', 'MBFL'], t),
       (25.0 + (t * 7919 % 2500) / 100.0)::real,        -- float4: 25.00 .. 49.99
       (-125.0 + (t * 104729 % 5800) / 100.0)::real,
       CASE WHEN t % 6 <> 0 THEN E'Monday – Friday: 7:30 a.m. – 4:30 p.m.\nClosed federal holidays' END,
       CASE WHEN t % 4 <> 0 THEN 'Walk-in help, briefings, ''DPS'' help' END,
       CASE t % 5 WHEN 0 THEN NULL WHEN 1 THEN '' ELSE pg_temp.tricky_text(t) END,
       CASE t % 7 WHEN 0 THEN NULL WHEN 1 THEN '{}'::integer[]
            ELSE ARRAY(SELECT (t * 13 + z * 7) % 1000 FROM generate_series(1, 1 + t % 5) AS z)
       END,
       t % 3 <> 0,
       pg_temp.spread_local_time(t + 1000),
       pg_temp.spread_local_time(t + 2000)
FROM generate_series(1, 150) AS t;

INSERT INTO public.duty_locations (id, name, affiliation, address_id, transportation_office_id,
                                   provides_services_counseling, aliases, created_at, updated_at)
SELECT pg_temp.uid('duty_locations', d::text),
       pg_temp.pick(ARRAY['Fort', 'Naval Station', 'Air Force Base', 'Joint Base', 'Camp',
                          'Coast Guard Station', 'Space Force Base'], d) || ' '
           || pg_temp.pick(ARRAY['Liberty', 'Norfolk', 'Carson', 'Lewis-McChord', 'Pendleton',
                                 'Kodiak', 'Vandenberg', 'Bragg', 'Peñasco', 'Cañon City',
                                 'O''Hare', 'Schofield'], d * 7) || ' ' || d,
       CASE WHEN d % 9 <> 0 THEN pg_temp.pick(enum_range(NULL::public.affiliation)::text[], d)::public.affiliation END,
       pg_temp.uid('addresses', 'duty:' || d),
       CASE WHEN d % 17 <> 0 THEN pg_temp.uid('transportation_offices', (1 + d % 150)::text) END,
       d % 2 = 0,
       CASE d % 6
           WHEN 0 THEN NULL
           WHEN 1 THEN '{}'::text[]
           WHEN 2 THEN ARRAY['Base ' || d, 'Installation, "Main"', NULL, '']
           WHEN 3 THEN ARRAY['{braces}', 'back\slash', 'NULL', E'tab\there']
           ELSE ARRAY['Alias ' || d]
       END,
       pg_temp.spread_local_time(d + 3000),
       pg_temp.spread_local_time(d + 4000)
FROM generate_series(1, 500) AS d;

--------------------------------------------------------------------------------------------
-- People.
--------------------------------------------------------------------------------------------
INSERT INTO public.users (id, okta_id, okta_email, active, current_mil_session_id,
                          current_office_session_id, current_admin_session_id, created_at,
                          updated_at)
SELECT pg_temp.uid('users', kind || ':' || n),
       CASE WHEN n % 50 <> 0 THEN '00u' || substr(md5('okta:' || kind || n), 1, 17) END,
       lower(kind) || '.' || n || '@example.mil',
       n % 40 <> 0,
       CASE WHEN kind = 'member' AND n % 3 = 0 THEN md5('session:' || n) END,
       CASE WHEN kind = 'office' AND n % 2 = 0 THEN md5('office-session:' || n) END,
       NULL,                                   -- an always-NULL column
       pg_temp.spread_local_time(n + length(kind) * 100000),
       pg_temp.spread_local_time(n + length(kind) * 100000) + (n % 7) * interval '1 day'
FROM (
    SELECT 'member' AS kind, generate_series(1::bigint, :move_count) AS n
    UNION ALL SELECT 'office', generate_series(1, 400)
) AS user_keys;

-- Members get the customer role; office users get one or two office roles. Every 50th
-- office user's row is inserted twice: exact duplicate rows in a table without a key.
INSERT INTO public.users_roles (user_id, role_id, created_at, deleted_at)
SELECT pg_temp.uid('users', 'member:' || m), pg_temp.uid('roles', '1'),
       pg_temp.spread_local_time(m + 600000),
       CASE WHEN m % 200 = 0 THEN pg_temp.spread_time(m + 700000) END
FROM generate_series(1::bigint, :move_count) AS m
UNION ALL
SELECT pg_temp.uid('users', 'office:' || o), pg_temp.uid('roles', (2 + (o + k) % 7)::text),
       timestamp '2021-03-01 08:00:00' + o * interval '1 hour', NULL
FROM generate_series(1, 400) AS o,
     generate_series(1, 1 + o % 2) AS k,
     generate_series(1, 1 + (o % 50 = 0)::integer) AS duplicate;

INSERT INTO public.office_users (id, user_id, first_name, last_name, middle_initials, email,
                                 telephone, transportation_office_id, active, created_at,
                                 updated_at)
SELECT pg_temp.uid('office_users', o::text),
       CASE WHEN o % 25 <> 0 THEN pg_temp.uid('users', 'office:' || o) END,
       pg_temp.pick(ARRAY['Alice', 'Bob', 'Chloé', 'Dmitri', 'Émilie', 'Fatima', 'Günter',
                          'Hiroshi', 'Inés', 'Jamal'], o),
       pg_temp.pick(ARRAY['Anderson', 'O''Connor', 'Nguyễn', 'Müller', 'García', 'Kowalski',
                          'Smith-Jones', 'van der Berg', 'Østergaard', 'Al-Sayed'], o * 7),
       CASE o % 3 WHEN 0 THEN NULL WHEN 1 THEN '' ELSE chr(65 + o % 26) || '.' END,
       'office.' || o || '@example.mil',
       '(' || lpad((200 + o % 800)::text, 3, '0') || ') 555-' || lpad((o * 37 % 10000)::text, 4, '0'),
       pg_temp.uid('transportation_offices', (1 + o % 150)::text),
       o % 19 <> 0,
       timestamp '2021-03-01 08:00:00' + o * interval '1 hour',
       timestamp '2021-03-01 08:00:00' + o * interval '1 hour' + (o % 5) * interval '3 days'
FROM generate_series(1, 400) AS o;

INSERT INTO public.service_members (id, user_id, edipi, emplid, affiliation, grade, first_name,
                                    middle_name, last_name, suffix, telephone,
                                    secondary_telephone, personal_email, phone_is_preferred,
                                    email_is_preferred, residential_address_id,
                                    backup_mailing_address_id, duty_location_id, cac_validated,
                                    created_at, updated_at)
SELECT pg_temp.uid('service_members', m::text),
       pg_temp.uid('users', 'member:' || m),
       pg_temp.edipi(m),
       CASE WHEN affiliation = 'COAST_GUARD' THEN lpad((m % 10000000)::text, 7, '0') END,
       affiliation::public.affiliation,
       CASE WHEN m % 23 <> 0 THEN pg_temp.pick(ARRAY['E_1', 'E_2', 'E_3', 'E_4', 'E_4', 'E_5', 'E_5',
                                                     'E_6', 'E_7', 'O_1', 'O_2', 'O_3', 'O_4',
                                                     'W_2', 'CIVILIAN_EMPLOYEE'], m * 11) END,
       pg_temp.pick(ARRAY['James', 'María', 'José', 'Zoë', 'Siobhán', 'Li', 'Aaliyah',
                          'Mohammed', 'Nguyễn Văn', 'Ørjan', 'Chloé', 'Björn', 'Daniel',
                          'Sarah', 'Kwame', 'Priya', 'Иван', 'محمد', 'דוד', '美咲'], m),
       CASE m % 5 WHEN 0 THEN NULL WHEN 1 THEN '' ELSE chr((65 + m % 26)::integer) END,
       pg_temp.pick(ARRAY['Smith', 'Johnson', 'O''Brien', 'García', 'Nguyễn', 'Müller',
                          'D''Angelo', 'Kim', 'Patel', 'Washington', 'Smith, Jr.',
                          'Núñez', 'Løvland', 'Đặng', 'Petrov', 'Cohen', 'Tanaka',
                          'al-Hassan', '"Doc" Holliday', 'Van Buren'], m * 7),
       CASE WHEN m % 31 = 0 THEN pg_temp.pick(ARRAY['Jr.', 'Sr.', 'III', ''], m) END,
       '(' || lpad((200 + m % 800)::text, 3, '0') || ') 555-' || lpad((m * 37 % 10000)::text, 4, '0'),
       CASE WHEN m % 4 = 0 THEN '+1 ' || lpad((m * 7 % 1000)::text, 3, '0') || '-555-0100' END,
       'member' || m || '@example.com',
       m % 2 = 0,
       CASE WHEN m % 10 <> 0 THEN m % 2 = 1 END,   -- a nullable boolean with NULLs
       pg_temp.uid('addresses', 'residence:' || m),
       CASE WHEN m % 2 = 0 THEN pg_temp.uid('addresses', 'backup:' || m) END,
       pg_temp.uid('duty_locations', (1 + m % 500)::text),
       m % 3 <> 0,
       pg_temp.spread_local_time(m),
       pg_temp.spread_local_time(m) + (m % 30) * interval '1 hour 1 minute 1.000001 second'
FROM generate_series(1::bigint, :move_count) AS m
CROSS JOIN LATERAL (
    SELECT pg_temp.pick(ARRAY['ARMY', 'ARMY', 'ARMY', 'NAVY', 'NAVY', 'MARINES', 'AIR_FORCE',
                              'AIR_FORCE', 'COAST_GUARD', 'SPACE_FORCE', 'OTHER'], m) AS affiliation
) AS member;

--------------------------------------------------------------------------------------------
-- Documents and uploads. Their keys are collected once in a temporary table because four
-- kinds of owners (orders, weight tickets, pro-gear tickets, expenses) share them.
--------------------------------------------------------------------------------------------
CREATE TEMPORARY TABLE document_keys (
    document_key text PRIMARY KEY,
    member       integer NOT NULL,
    upload_count integer NOT NULL
);

-- Shipment s is a PPM when s % 20 is 12..15; it belongs to move/member 1 + (s - 1) % M.
INSERT INTO document_keys (document_key, member, upload_count)
SELECT 'orders:' || m, m, 1 + (m % 3 = 0)::integer
FROM generate_series(1::bigint, :move_count) AS m
UNION ALL
SELECT side || ':' || s || ':' || k, 1 + (s - 1) % :move_count, 1
FROM generate_series(1::bigint, :shipment_count) AS s,
     generate_series(1, 1 + s % 2) AS k,
     unnest(ARRAY['weight-empty', 'weight-full']) AS side
WHERE s % 20 BETWEEN 12 AND 15
UNION ALL
SELECT 'progear:' || s, 1 + (s - 1) % :move_count, 1
FROM generate_series(1::bigint, :shipment_count) AS s
WHERE s % 20 BETWEEN 12 AND 15 AND s % 3 = 0
UNION ALL
SELECT 'expense:' || s || ':' || k, 1 + (s - 1) % :move_count, 1 + (k = 2)::integer
FROM generate_series(1::bigint, :shipment_count) AS s,
     generate_series(1, s % 4) AS k
WHERE s % 20 BETWEEN 12 AND 15;

INSERT INTO public.documents (id, service_member_id, created_at, updated_at, deleted_at)
SELECT pg_temp.uid('documents', document_key),
       pg_temp.uid('service_members', member::text),
       pg_temp.spread_local_time(member + 50),
       pg_temp.spread_local_time(member + 50) + interval '5 minutes',
       CASE WHEN member % 97 = 0 THEN pg_temp.spread_time(member + 60) END
FROM document_keys;

INSERT INTO public.uploads (id, filename, bytes, content_type, checksum, content_md5,
                            storage_key, upload_type, created_at, updated_at, deleted_at)
SELECT pg_temp.uid('uploads', upload_key),
       CASE WHEN n % 8 = 0 THEN coalesce(pg_temp.tricky_text(n), 'scan') || '.pdf'
            ELSE pg_temp.pick(ARRAY['orders.pdf', 'Orders (amended), page 2.pdf',
                                    'weight ticket "empty".jpg', 'reçu_déménagement.png',
                                    'IMG_2023-05-01 10.15.32.heic', 'receipt''s copy.PDF',
                                    '📄 scan.pdf'], n) END,
       1024 + (n * 7919) % 20000000,
       pg_temp.pick(ARRAY['application/pdf', 'image/jpeg', 'image/png'], n),
       encode(digest_bytes, 'base64'),
       digest_bytes,
       'documents/' || member || '/uploads/' || md5(upload_key),
       CASE WHEN n % 10 = 0 THEN 'PRIME' WHEN n % 10 = 1 THEN 'OFFICE' ELSE 'USER' END::public.upload_type,
       pg_temp.spread_local_time(member + 55),
       pg_temp.spread_local_time(member + 55) + interval '1 second',
       CASE WHEN n % 53 = 0 THEN pg_temp.spread_time(member + 65) END
FROM (
    SELECT d.document_key || ':' || u AS upload_key, d.member,
           pg_temp.hash_number(d.document_key || ':' || u) AS n
    FROM document_keys AS d, generate_series(1, d.upload_count) AS u
) AS upload_keys
CROSS JOIN LATERAL (SELECT decode(md5('content:' || upload_key), 'hex') AS digest_bytes) AS digest;

INSERT INTO public.user_uploads (id, document_id, uploader_id, upload_id, "order", created_at,
                                 updated_at, deleted_at)
SELECT pg_temp.uid('user_uploads', d.document_key || ':' || u),
       pg_temp.uid('documents', d.document_key),
       pg_temp.uid('users', 'member:' || d.member),
       pg_temp.uid('uploads', d.document_key || ':' || u),
       u - 1,                                             -- zero-based position
       pg_temp.spread_local_time(d.member + 55),
       pg_temp.spread_local_time(d.member + 55) + interval '1 second',
       NULL
FROM document_keys AS d, generate_series(1, d.upload_count) AS u;

--------------------------------------------------------------------------------------------
-- Orders and moves (one each per member).
--------------------------------------------------------------------------------------------
INSERT INTO public.entitlements (id, dependents_authorized, total_dependents,
                                 non_temporary_storage, privately_owned_vehicle,
                                 authorized_weight, pro_gear_weight, pro_gear_weight_spouse,
                                 required_medical_equipment_weight, storage_in_transit,
                                 organizational_clothing_and_individual_equipment, created_at,
                                 updated_at)
SELECT pg_temp.uid('entitlements', m::text),
       CASE WHEN m % 11 <> 0 THEN m % 2 = 0 END,
       CASE WHEN m % 2 = 0 THEN m % 5 END,
       m % 3 = 0,
       CASE WHEN m % 7 <> 0 THEN m % 4 = 0 END,
       CASE WHEN m % 50 <> 0 THEN 5000 + (m % 12) * 1000 END,
       2000, 500,
       (m % 9 = 0)::integer * 300,
       90,
       m % 5 = 0,
       pg_temp.spread_local_time(m + 10),
       pg_temp.spread_local_time(m + 10)
FROM generate_series(1::bigint, :move_count) AS m;

INSERT INTO public.orders (id, service_member_id, issue_date, report_by_date, report_window,
                           orders_type, orders_number, has_dependents, spouse_has_pro_gear,
                           origin_duty_location_id, new_duty_location_id, uploaded_orders_id,
                           amended_upload_ids, entitlement_id, grade, status, tac, sac,
                           department_indicator, created_at, updated_at)
SELECT pg_temp.uid('orders', m::text),
       pg_temp.uid('service_members', m::text),
       issue_date,
       issue_date + 30 + (m % 90)::integer,
       CASE WHEN m % 6 <> 0 THEN daterange(issue_date + 20 + (m % 90)::integer, issue_date + 45 + (m % 90)::integer) END,
       pg_temp.pick(ARRAY['PERMANENT_CHANGE_OF_STATION', 'PERMANENT_CHANGE_OF_STATION',
                          'PERMANENT_CHANGE_OF_STATION', 'LOCAL_MOVE', 'RETIREMENT',
                          'SEPARATION', 'TEMPORARY_DUTY', 'BLUEBARK'], m)::public.orders_type,
       CASE WHEN m % 8 <> 0 THEN 'ORD' || lpad((m * 7919 % 1000000)::text, 6, '0') END,
       m % 2 = 0,
       m % 6 = 0,
       CASE WHEN m % 13 <> 0 THEN pg_temp.uid('duty_locations', (1 + m % 500)::text) END,
       pg_temp.uid('duty_locations', (1 + (m * 7) % 500)::text),
       pg_temp.uid('documents', 'orders:' || m),
       CASE WHEN m % 3 = 0 THEN ARRAY[pg_temp.uid('uploads', 'orders:' || m || ':2')]
            WHEN m % 3 = 1 THEN '{}'::uuid[] END,
       pg_temp.uid('entitlements', m::text),
       CASE WHEN m % 23 <> 0 THEN 'E_' || (1 + m % 9) END,
       pg_temp.pick(ARRAY['DRAFT', 'SUBMITTED', 'APPROVED', 'APPROVED', 'CANCELED'], m),
       CASE WHEN m % 4 <> 0 THEN pg_temp.locator_code(m::bigint * 7919, 4) END,
       CASE WHEN m % 3 = 0 THEN 'SAC' || m % 1000 END,
       pg_temp.pick(ARRAY['ARMY', 'NAVY_AND_MARINES', 'AIR_AND_SPACE_FORCE', 'COAST_GUARD'], m),
       pg_temp.spread_local_time(m + 20),
       pg_temp.spread_local_time(m + 20) + (m % 9) * interval '2 days 1 hour'
FROM generate_series(1::bigint, :move_count) AS m
CROSS JOIN LATERAL (
    SELECT (pg_temp.spread_time(m) - interval '60 days')::date AS issue_date
) AS dates;

INSERT INTO public.moves (id, locator, orders_id, contractor_id, status, selected_move_type,
                          show, submitted_at, service_counseling_completed_at,
                          approvals_requested_at, available_to_prime_at,
                          excess_weight_qualified_at, cancel_reason, reference_id, tio_remarks,
                          financial_review_flag, financial_review_remarks, closeout_office_id,
                          prime_counseling_flags, created_at, updated_at)
SELECT pg_temp.uid('moves', m::text),
       pg_temp.move_locator(m),
       pg_temp.uid('orders', m::text),
       CASE WHEN status NOT IN ('DRAFT', 'CANCELED') THEN pg_temp.uid('contractors', (1 + m % 2)::text) END,
       status::public.move_status,
       CASE WHEN m % 20 BETWEEN 12 AND 15 THEN 'PPM' ELSE 'HHG' END::public.mto_shipment_type,
       m % 101 <> 0,
       CASE WHEN status <> 'DRAFT' THEN created + interval '2 days 3 hours' END,
       CASE WHEN status IN ('SERVICE COUNSELING COMPLETED', 'APPROVED') THEN created + interval '4 days' END,
       CASE WHEN status = 'APPROVALS REQUESTED' THEN created + interval '9 days 11:12:13.141516' END,
       CASE WHEN status = 'APPROVED' THEN created + interval '5 days' + (m % 1000) * interval '1 millisecond' END,
       CASE WHEN m % 37 = 0 THEN created + interval '30 days' END,
       CASE WHEN status = 'CANCELED' THEN pg_temp.tricky_text(m) END,
       lpad((m % 10000)::text, 4, '0') || '-' || lpad((m * 7 % 10000)::text, 4, '0'),
       CASE WHEN m % 9 = 0 THEN pg_temp.tricky_text(m * 5) END,
       m % 41 = 0,
       CASE WHEN m % 41 = 0 THEN 'Review: estimated weight exceeds entitlement by ' || m % 3000 || ' lbs' END,
       CASE WHEN m % 20 BETWEEN 12 AND 15 THEN pg_temp.uid('transportation_offices', (1 + m % 150)::text) END,
       CASE m % 5 WHEN 0 THEN NULL WHEN 1 THEN '{}'::text[]
                  WHEN 2 THEN ARRAY['needs_translator', 'has_pets']
                  ELSE ARRAY['weight, heavy', 'say "hi"', NULL] END,
       created AT TIME ZONE 'UTC',
       (created + (m % 20) * interval '1 day') AT TIME ZONE 'UTC'
FROM generate_series(1::bigint, :move_count) AS m
CROSS JOIN LATERAL (
    SELECT pg_temp.spread_time(m + 30) AS created,
           pg_temp.pick(ARRAY['APPROVED', 'APPROVED', 'APPROVED', 'APPROVED', 'SUBMITTED',
                              'DRAFT', 'NEEDS SERVICE COUNSELING', 'SERVICE COUNSELING COMPLETED',
                              'APPROVALS REQUESTED', 'CANCELED'], m * 3) AS status
) AS move;

--------------------------------------------------------------------------------------------
-- Shipments and everything attached to them.
--------------------------------------------------------------------------------------------
INSERT INTO public.mto_shipments (id, move_id, shipment_type, status, requested_pickup_date,
                                  requested_delivery_date, scheduled_pickup_date,
                                  actual_pickup_date, required_delivery_date,
                                  prime_estimated_weight, prime_actual_weight,
                                  billable_weight_cap, billable_weight_justification,
                                  pickup_address_id, destination_address_id, customer_remarks,
                                  counselor_remarks, approved_date, diversion,
                                  uses_external_vendor, sit_days_allowance, estimated_transit,
                                  distance_miles, deleted_at, created_at, updated_at)
SELECT pg_temp.uid('mto_shipments', s::text),
       pg_temp.uid('moves', (1 + (s - 1) % :move_count)::text),
       shipment_type::public.mto_shipment_type,
       status::public.mto_shipment_status,
       pickup,
       CASE WHEN s % 4 <> 0 THEN pickup + 7 + (s % 21)::integer END,
       CASE WHEN status IN ('APPROVED', 'DIVERSION_REQUESTED') THEN pickup + (s % 3)::integer END,
       CASE WHEN status = 'APPROVED' AND s % 2 = 0 THEN pickup + (s % 4)::integer END,
       CASE WHEN status = 'APPROVED' THEN pickup + 10 + (s % 30)::integer END,
       CASE WHEN s % 5 <> 0 THEN 1000 + (s * 7919) % 14000 END,
       CASE WHEN status = 'APPROVED' AND s % 2 = 0 THEN 900 + (s * 104729) % 15000 END,
       CASE WHEN s % 29 = 0 THEN 8000 + s % 1000 END,
       CASE WHEN s % 29 = 0 THEN pg_temp.tricky_text(s * 3) END,
       pg_temp.uid('addresses', 'pickup:' || s),
       CASE WHEN s % 19 <> 0 THEN pg_temp.uid('addresses', 'destination:' || s) END,
       CASE WHEN s % 3 = 0 THEN pg_temp.tricky_text(s) END,
       CASE WHEN s % 7 = 0 THEN pg_temp.tricky_text(s * 11) END,
       CASE WHEN status = 'APPROVED' THEN pg_temp.spread_time(s + 40) END,
       status = 'DIVERSION_REQUESTED',
       s % 43 = 0,
       CASE WHEN s % 8 <> 0 THEN 90 END,
       -- months, days and microseconds kept as separate fields; a few negative
       CASE WHEN s % 10 = 0 THEN NULL
            WHEN s % 97 = 0 THEN make_interval(days => -1, hours => 3)
            ELSE make_interval(months => (s % 3)::integer, days => (s % 27)::integer,
                               secs => (s % 86400) + (s % 1000000) / 1000000.0)
       END,
       CASE WHEN s % 6 <> 0 THEN ((s * 7919) % 300000) / 100.0 END,
       CASE WHEN s % 211 = 0 THEN pg_temp.spread_time(s + 45) END,
       pg_temp.spread_local_time(s + 35),
       pg_temp.spread_local_time(s + 35) + (s % 10) * interval '1 day'
FROM generate_series(1::bigint, :shipment_count) AS s
CROSS JOIN LATERAL (
    SELECT CASE WHEN s % 20 < 12 THEN 'HHG'
                WHEN s % 20 < 16 THEN 'PPM'
                WHEN s % 20 = 16 THEN 'HHG_INTO_NTS_DOMESTIC'
                WHEN s % 20 = 17 THEN 'HHG_OUTOF_NTS_DOMESTIC'
                WHEN s % 20 = 18 THEN 'BOAT_HAUL_AWAY'
                ELSE 'MOBILE_HOME' END AS shipment_type,
           pg_temp.pick(ARRAY['APPROVED', 'APPROVED', 'APPROVED', 'APPROVED', 'APPROVED',
                              'SUBMITTED', 'DRAFT', 'REJECTED', 'CANCELLATION_REQUESTED',
                              'CANCELED', 'DIVERSION_REQUESTED'], s * 7) AS status,
           pg_temp.spread_time(s + 35)::date + 14 AS pickup
) AS shipment;

-- Service items: per shipment DLH, FSC, DOP, DDP and, for every fifth shipment, origin SIT;
-- per move MS and CS (no shipment).
INSERT INTO public.mto_service_items (id, move_id, mto_shipment_id, re_service_id, status,
                                      reason, rejection_reason, pickup_postal_code,
                                      description, estimated_quantity, sit_entry_date,
                                      sit_departure_date, sit_window, customer_contact_minutes,
                                      approved_at, rejected_at, created_at, updated_at)
SELECT pg_temp.uid('mto_service_items', item_key),
       pg_temp.uid('moves', move::text),
       CASE WHEN shipment IS NOT NULL THEN pg_temp.uid('mto_shipments', shipment::text) END,
       pg_temp.uid('re_services', code),
       status::public.service_item_status,
       CASE WHEN code = 'DOFSIT' THEN pg_temp.tricky_text(n) END,
       CASE WHEN status = 'REJECTED' THEN pg_temp.pick(ARRAY['Duplicate request',
                 'Not authorized, see "orders"', E'Missing weight ticket\nResubmit'], n) END,
       CASE WHEN code IN ('DOP', 'DOFSIT') THEN lpad(((n * 7919) % 99999)::text, 5, '0') END,
       CASE WHEN n % 6 = 0 THEN 'Service item ' || code || ' for move ' || move END,
       -- unbounded numeric: integers, long fractions, and values like 1E-20
       CASE n % 5 WHEN 0 THEN NULL
                  WHEN 1 THEN (n % 100000)::numeric
                  WHEN 2 THEN round((n * 7919 % 1000000)::numeric / 7, 12)
                  WHEN 3 THEN ('1e-' || (n % 25))::numeric
                  ELSE ((n * 104729)::numeric * 1000000000000 + 0.5)
       END,
       CASE WHEN code = 'DOFSIT' THEN sit_entry END,
       CASE WHEN code = 'DOFSIT' AND n % 2 = 0 THEN sit_entry + 30 + (n % 60)::integer END,
       CASE WHEN code = 'DOFSIT' THEN
                CASE WHEN n % 2 = 0 THEN daterange(sit_entry, sit_entry + 30 + (n % 60)::integer)
                     ELSE daterange(sit_entry, NULL) END   -- still in storage: unbounded
       END,
       CASE n % 4 WHEN 0 THEN NULL WHEN 1 THEN '{}'::integer[]
                  WHEN 2 THEN ARRAY[n % 60, NULL, (n * 7) % 240]
                  ELSE ARRAY[(n % 30)::integer] END,
       CASE WHEN status = 'APPROVED' THEN pg_temp.spread_time(n + 50) END,
       CASE WHEN status = 'REJECTED' THEN pg_temp.spread_time(n + 55) END,
       pg_temp.spread_local_time(n + 45),
       pg_temp.spread_local_time(n + 45) + (n % 4) * interval '6 hours'
FROM (
    SELECT 'shipment:' || s || ':' || k AS item_key,
           1 + (s - 1) % :move_count AS move,
           s AS shipment,
           (ARRAY['DLH', 'FSC', 'DOP', 'DDP', 'DOFSIT'])[k] AS code,
           s * 8 + k AS n
    FROM generate_series(1::bigint, :shipment_count) AS s,
         generate_series(1, 4 + (s % 5 = 0)::integer) AS k
    UNION ALL
    SELECT 'move:' || m || ':' || k, m, NULL, (ARRAY['MS', 'CS'])[k], m * 8 + 5 + k
    FROM generate_series(1::bigint, :move_count) AS m, generate_series(1, 2) AS k
) AS items
CROSS JOIN LATERAL (
    SELECT pg_temp.pick(ARRAY['APPROVED', 'APPROVED', 'APPROVED', 'APPROVED', 'SUBMITTED',
                              'REJECTED'], n * 13) AS status,
           pg_temp.spread_time(n)::date AS sit_entry
) AS item;

-- Payment requests: moves with m % 5 < 3 have one; every tenth move a second one that
-- recalculates the first.
INSERT INTO public.payment_requests (id, move_id, payment_request_number, sequence_number,
                                     is_final, status, rejection_reason,
                                     recalculation_of_payment_request_id, requested_at,
                                     reviewed_at, sent_to_gex_at, received_by_gex_at, paid_at,
                                     created_at, updated_at)
SELECT pg_temp.uid('payment_requests', m || ':' || seq),
       pg_temp.uid('moves', m::text),
       pg_temp.move_locator(m) || '-' || lpad((7000 + m % 1000)::text, 4, '0') || '-' || seq,
       seq,
       seq = 2 OR m % 7 = 0,
       status::public.payment_request_status,
       CASE WHEN status = 'REVIEWED_AND_ALL_SERVICE_ITEMS_REJECTED' THEN pg_temp.tricky_text(m) END,
       CASE WHEN seq = 2 THEN pg_temp.uid('payment_requests', m || ':1') END,
       requested,
       CASE WHEN status NOT IN ('PENDING') THEN requested + interval '3 days' END,
       CASE WHEN status IN ('SENT_TO_GEX', 'RECEIVED_BY_GEX', 'PAID', 'EDI_ERROR') THEN requested + interval '3 days 1 hour' END,
       CASE WHEN status IN ('RECEIVED_BY_GEX', 'PAID') THEN requested + interval '3 days 2 hours' END,
       CASE WHEN status = 'PAID' THEN requested + interval '20 days' END,
       requested AT TIME ZONE 'UTC',
       (requested + interval '20 days') AT TIME ZONE 'UTC'
FROM generate_series(1::bigint, :move_count) AS m
CROSS JOIN LATERAL generate_series(1, 1 + (m % 10 = 0)::integer) AS seq
CROSS JOIN LATERAL (
    SELECT pg_temp.spread_time(m + 60) + (seq - 1) * interval '15 days' AS requested,
           CASE WHEN seq = 1 AND m % 10 = 0 THEN 'DEPRECATED'
                ELSE pg_temp.pick(ARRAY['PAID', 'PAID', 'PAID', 'PENDING', 'REVIEWED',
                                        'SENT_TO_GEX', 'RECEIVED_BY_GEX', 'EDI_ERROR',
                                        'REVIEWED_AND_ALL_SERVICE_ITEMS_REJECTED'], m * 5)
           END AS status
) AS request
WHERE m % 5 < 3;

-- Each payment request bills the move's first shipment's four basic items plus MS and CS.
INSERT INTO public.payment_service_items (id, payment_request_id, mto_service_item_id, status,
                                          price, price_cents, rejection_reason, reference_id,
                                          requested_at, approved_at, denied_at, sent_to_gex_at,
                                          paid_at, created_at, updated_at)
SELECT pg_temp.uid('payment_service_items', m || ':' || seq || ':' || item_key),
       pg_temp.uid('payment_requests', m || ':' || seq),
       pg_temp.uid('mto_service_items', item_key),
       status::public.payment_service_item_status,
       price,
       (price * 100)::bigint,
       CASE WHEN status = 'DENIED' THEN pg_temp.tricky_text(n) END,
       lpad((m % 10000)::text, 4, '0') || '-' || seq || '-' || substr(md5(item_key), 1, 8),
       requested,
       CASE WHEN status IN ('APPROVED', 'SENT_TO_GEX', 'PAID') THEN requested + interval '3 days' END,
       CASE WHEN status = 'DENIED' THEN requested + interval '3 days' END,
       CASE WHEN status IN ('SENT_TO_GEX', 'PAID') THEN requested + interval '3 days 1 hour' END,
       CASE WHEN status = 'PAID' THEN requested + interval '20 days' END,
       requested AT TIME ZONE 'UTC',
       (requested + interval '3 days') AT TIME ZONE 'UTC'
FROM generate_series(1::bigint, :move_count) AS m
CROSS JOIN LATERAL generate_series(1, 1 + (m % 10 = 0)::integer) AS seq
CROSS JOIN LATERAL unnest(ARRAY['shipment:' || m || ':1', 'shipment:' || m || ':2', 'shipment:' || m || ':3',
                  'shipment:' || m || ':4', 'move:' || m || ':1', 'move:' || m || ':2'])
         WITH ORDINALITY AS i(item_key, position)
CROSS JOIN LATERAL (
    SELECT m * 16 + seq * 8 + position AS n,
           pg_temp.spread_time(m + 60) + (seq - 1) * interval '15 days' AS requested
) AS keys
CROSS JOIN LATERAL (
    SELECT pg_temp.pick(ARRAY['PAID', 'PAID', 'APPROVED', 'REQUESTED', 'DENIED', 'SENT_TO_GEX',
                              'EDI_ERROR'], n * 3) AS status,
           CASE WHEN n % 17 = 0 THEN NULL                                  -- not priced yet
                WHEN n % 23 = 0 THEN -((n * 7919) % 50000) / 100.0         -- a credit
                ELSE ((n * 104729) % 99999999) / 100.0 END::numeric(12, 2) AS price
) AS item
WHERE m % 5 < 3;

INSERT INTO public.reweighs (id, shipment_id, requested_at, requested_by,
                             verification_provided_at, verification_reason, weight, created_at,
                             updated_at)
SELECT pg_temp.uid('reweighs', s::text),
       pg_temp.uid('mto_shipments', s::text),
       pg_temp.spread_time(s + 70),
       pg_temp.pick(ARRAY['CUSTOMER', 'PRIME', 'SYSTEM', 'TOO'], s)::public.reweigh_requester,
       CASE WHEN s % 3 = 0 THEN pg_temp.spread_time(s + 70) + interval '2 days' END,
       CASE WHEN s % 3 = 0 THEN pg_temp.tricky_text(s * 7) END,
       CASE WHEN s % 2 = 0 THEN 1000 + (s * 7919) % 14000 END,
       pg_temp.spread_local_time(s + 70),
       pg_temp.spread_local_time(s + 70)
FROM generate_series(1::bigint, :shipment_count) AS s
WHERE s % 20 = 1;

INSERT INTO public.sit_extensions (id, mto_shipment_id, request_reason, contractor_remarks,
                                   requested_days, status, approved_days, decision_date,
                                   office_remarks, created_at, updated_at)
SELECT pg_temp.uid('sit_extensions', s || ':' || k),
       pg_temp.uid('mto_shipments', s::text),
       pg_temp.pick(enum_range(NULL::public.sit_extension_request_reason)::text[], s + k)::public.sit_extension_request_reason,
       pg_temp.tricky_text(s + k),
       15 + (s + k) % 75,
       status::public.sit_extension_status,
       CASE WHEN status = 'APPROVED' THEN 15 + (s + k) % 60 END,
       CASE WHEN status <> 'PENDING' THEN pg_temp.spread_time(s + 80) END,
       CASE WHEN status = 'DENIED' THEN pg_temp.tricky_text(s * 3 + k) END,
       pg_temp.spread_local_time(s + 75),
       pg_temp.spread_local_time(s + 75)
FROM generate_series(1::bigint, :shipment_count) AS s
CROSS JOIN LATERAL generate_series(1, 1 + (s % 30 = 0)::integer) AS k
CROSS JOIN LATERAL (
    SELECT pg_temp.pick(ARRAY['APPROVED', 'APPROVED', 'PENDING', 'DENIED'], s + k) AS status
) AS extension
WHERE s % 5 = 0 AND s % 3 = 0;

INSERT INTO public.customer_support_remarks (id, move_id, office_user_id, content, created_at,
                                             updated_at, deleted_at)
SELECT pg_temp.uid('customer_support_remarks', m || ':' || k),
       pg_temp.uid('moves', m::text),
       pg_temp.uid('office_users', (1 + (m + k) % 400)::text),
       -- content is NOT NULL: where the tricky text is NULL, say so in words
       coalesce(pg_temp.tricky_text(m + k), 'Called the customer; no answer.'),
       pg_temp.spread_local_time(m * 3 + k),
       pg_temp.spread_local_time(m * 3 + k),
       CASE WHEN (m + k) % 29 = 0 THEN pg_temp.spread_time(m * 3 + k) + interval '1 day' END
FROM generate_series(4::bigint, :move_count, 4) AS m,
     generate_series(1, 1 + m % 3) AS k;

INSERT INTO public."office notes" (id, "move id", "user", "Note Text", "Pinned?", "Created At")
SELECT pg_temp.uid('office notes', m::text),
       pg_temp.uid('moves', m::text),
       pg_temp.uid('office_users', (1 + m % 400)::text),
       pg_temp.tricky_text(m / 5),
       m % 15 = 0,
       pg_temp.spread_local_time(m + 90)
FROM generate_series(5::bigint, :move_count, 5) AS m;

--------------------------------------------------------------------------------------------
-- Personally procured moves: shipments with s % 20 in 12..15.
--------------------------------------------------------------------------------------------
INSERT INTO public.ppm_shipments (id, shipment_id, status, expected_departure_date,
                                  actual_move_date, submitted_at, reviewed_at, approved_at,
                                  pickup_postal_code, destination_postal_code, sit_expected,
                                  estimated_weight, has_pro_gear, pro_gear_weight,
                                  spouse_pro_gear_weight, estimated_incentive, final_incentive,
                                  has_requested_advance, advance_amount_requested,
                                  advance_status, created_at, updated_at, deleted_at)
SELECT pg_temp.uid('ppm_shipments', s::text),
       pg_temp.uid('mto_shipments', s::text),
       status::public.ppm_shipment_status,
       departure,
       CASE WHEN status IN ('NEEDS_CLOSEOUT', 'CLOSEOUT_COMPLETE') THEN departure + (s % 5)::integer END,
       CASE WHEN status <> 'DRAFT' THEN pg_temp.spread_time(s + 85) END,
       CASE WHEN status IN ('NEEDS_CLOSEOUT', 'CLOSEOUT_COMPLETE') THEN pg_temp.spread_time(s + 86) END,
       CASE WHEN status NOT IN ('DRAFT', 'SUBMITTED') THEN pg_temp.spread_time(s + 87) END,
       lpad(((s * 7919) % 99999)::text, 5, '0'),
       lpad(((s * 104729) % 99999)::text, 5, '0'),
       CASE WHEN s % 9 <> 0 THEN s % 4 = 0 END,
       CASE WHEN status <> 'DRAFT' THEN 500 + (s * 7919) % 9000 END,
       has_pro_gear,
       CASE WHEN has_pro_gear THEN 100 + s % 1900 END,
       CASE WHEN has_pro_gear AND s % 2 = 0 THEN s % 500 END,
       CASE WHEN status <> 'DRAFT' THEN 100000 + (s * 104729) % 900000 END,
       CASE WHEN status = 'CLOSEOUT_COMPLETE' THEN ((s * 7919) % 100000000) / 100.0 END,
       has_advance,
       CASE WHEN has_advance THEN 10000 + (s * 31) % 400000 END,
       CASE WHEN has_advance THEN pg_temp.pick(enum_range(NULL::public.ppm_advance_status)::text[], s)::public.ppm_advance_status END,
       pg_temp.spread_local_time(s + 84),
       pg_temp.spread_local_time(s + 88),
       NULL
FROM generate_series(1::bigint, :shipment_count) AS s
CROSS JOIN LATERAL (
    SELECT pg_temp.pick(enum_range(NULL::public.ppm_shipment_status)::text[], s * 3) AS status,
           pg_temp.spread_time(s + 35)::date + 14 AS departure,
           s % 3 = 0 AS has_pro_gear,
           s % 4 = 1 AS has_advance
) AS ppm
WHERE s % 20 BETWEEN 12 AND 15;

INSERT INTO public.weight_tickets (id, ppm_shipment_id, vehicle_description, empty_weight,
                                   full_weight, owns_trailer, trailer_meets_criteria,
                                   empty_document_id, full_document_id, status, reason,
                                   created_at, updated_at, deleted_at)
SELECT pg_temp.uid('weight_tickets', s || ':' || k),
       pg_temp.uid('ppm_shipments', s::text),
       pg_temp.pick(ARRAY['2019 Honda Odyssey', 'U-Haul 10'' truck', 'Ford F-150, "Raptor"',
                          'Chevrolet Silverado 1500', 'Toyota Tacoma + 5x8 trailer'], s + k),
       CASE WHEN s % 11 <> 0 THEN 3000 + (s * 7919) % 3000 END,
       CASE WHEN s % 13 <> 0 THEN 7000 + (s * 104729) % 6000 END,
       s % 5 = 0,
       CASE WHEN s % 5 = 0 THEN s % 2 = 0 END,
       pg_temp.uid('documents', 'weight-empty:' || s || ':' || k),
       pg_temp.uid('documents', 'weight-full:' || s || ':' || k),
       CASE WHEN s % 4 <> 0 THEN pg_temp.pick(ARRAY['APPROVED', 'REJECTED', 'EXCLUDED'], s) END,
       CASE WHEN s % 4 = 1 THEN pg_temp.tricky_text(s) END,
       pg_temp.spread_local_time(s + 90),
       pg_temp.spread_local_time(s + 91),
       NULL
FROM generate_series(1::bigint, :shipment_count) AS s,
     generate_series(1, 1 + s % 2) AS k
WHERE s % 20 BETWEEN 12 AND 15;

INSERT INTO public.progear_weight_tickets (id, ppm_shipment_id, belongs_to_self, description,
                                           has_weight_tickets, weight, document_id, status,
                                           reason, created_at, updated_at, deleted_at)
SELECT pg_temp.uid('progear_weight_tickets', s::text),
       pg_temp.uid('ppm_shipments', s::text),
       s % 2 = 0,
       pg_temp.pick(ARRAY['Tool chest, 3 drawers', 'Uniforms & "field gear"', 'Books; manuals',
                          'Radio equipment ⚡'], s),
       s % 7 <> 0,
       100 + (s * 31) % 1900,
       pg_temp.uid('documents', 'progear:' || s),
       NULL, NULL,
       pg_temp.spread_local_time(s + 92),
       pg_temp.spread_local_time(s + 92),
       NULL
FROM generate_series(1::bigint, :shipment_count) AS s
WHERE s % 20 BETWEEN 12 AND 15 AND s % 3 = 0;

INSERT INTO public.moving_expenses (id, ppm_shipment_id, moving_expense_type, description,
                                    paid_with_gtcc, amount, missing_receipt, document_id,
                                    status, reason, sit_start_date, sit_end_date, created_at,
                                    updated_at, deleted_at)
SELECT pg_temp.uid('moving_expenses', s || ':' || k),
       pg_temp.uid('ppm_shipments', s::text),
       expense_type::public.moving_expense_type,
       CASE WHEN (s + k) % 6 <> 0 THEN pg_temp.tricky_text(s * 2 + k) END,
       (s + k) % 2 = 0,
       ((s * 7919 + k) % 250000) / 100.0,
       (s + k) % 17 = 0,
       pg_temp.uid('documents', 'expense:' || s || ':' || k),
       NULL, NULL,
       CASE WHEN expense_type = 'STORAGE' THEN pg_temp.spread_time(s)::date END,
       CASE WHEN expense_type = 'STORAGE' AND s % 2 = 0 THEN pg_temp.spread_time(s)::date + 21 END,
       pg_temp.spread_local_time(s + 93 + k),
       pg_temp.spread_local_time(s + 93 + k),
       CASE WHEN (s + k) % 31 = 0 THEN pg_temp.spread_time(s + 94) END
FROM generate_series(1::bigint, :shipment_count) AS s
CROSS JOIN LATERAL generate_series(1, s % 4) AS k
CROSS JOIN LATERAL (
    SELECT pg_temp.pick(enum_range(NULL::public.moving_expense_type)::text[], s + k * 3) AS expense_type
) AS expense
WHERE s % 20 BETWEEN 12 AND 15;

--------------------------------------------------------------------------------------------
-- Notifications and webhooks.
--------------------------------------------------------------------------------------------
INSERT INTO public.notifications (id, service_member_id, ses_message_id, notification_type,
                                  "from", payload, created_at)
SELECT pg_temp.uid('notifications', m::text),
       pg_temp.uid('service_members', m::text),
       '0100018' || substr(md5('ses:' || m), 1, 9) || '-' || substr(md5('ses2:' || m), 1, 8) || '-000000',
       notification_type::public.notification_type,
       CASE WHEN m % 3 = 0 THEN '"Moving Help" <noreply@example.mil>' ELSE 'noreply@example.mil' END,
       CASE WHEN m % 7 <> 0 THEN jsonb_build_object(
           'template', lower(notification_type),
           'locator', pg_temp.move_locator(m),
           'recipient', jsonb_build_object('name', 'Member ' || m, 'email', 'member' || m || '@example.com'),
           'links', jsonb_build_array('https://example.mil/moves?id=' || m || '&tab=1', NULL),
           'remark', pg_temp.tricky_text(m))
       END,
       pg_temp.spread_time(m + 95)
FROM generate_series(1::bigint, :move_count) AS m
CROSS JOIN LATERAL (
    SELECT pg_temp.pick(enum_range(NULL::public.notification_type)::text[], m) AS notification_type
) AS notification;

INSERT INTO public.webhook_subscriptions (id, subscriber_id, status, event_key, callback_url,
                                          severity, signing_key, created_at, updated_at)
SELECT pg_temp.uid('webhook_subscriptions', w::text),
       pg_temp.uid('contractors', (1 + w % 3)::text),
       pg_temp.pick(enum_range(NULL::public.webhook_subscription_status)::text[], w)::public.webhook_subscription_status,
       pg_temp.pick(ARRAY['Move.Create', 'Move.Update', 'MTOShipment.Create',
                          'MTOShipment.Update', 'MTOServiceItem.Create',
                          'PaymentRequest.Update'], w),
       'https://prime' || (1 + w % 3) || '.example.com/callbacks/' || w || '?key=a%20b&x=1',
       w % 3,
       -- 32 bytes of md5 output: covers zero bytes and bytes above 0x7f
       decode(md5('signing:' || w) || md5('signing2:' || w), 'hex'),
       timestamp '2022-01-01 00:00:00' + w * interval '1 day',
       timestamp '2022-01-01 00:00:00' + w * interval '1 day'
FROM generate_series(1, 12) AS w;

-- Payloads are json text exactly as the service produced them. Some keep insignificant
-- whitespace and a duplicated key, which only json (not jsonb) preserves.
INSERT INTO public.webhook_notifications (id, event_key, trace_id, move_id, object_id, payload,
                                          status, first_attempted_at, created_at, updated_at)
SELECT pg_temp.uid('webhook_notifications', m::text),
       pg_temp.pick(ARRAY['Move.Update', 'MTOShipment.Update', 'PaymentRequest.Update'], m),
       CASE WHEN m % 4 <> 0 THEN pg_temp.uid('trace', m::text) END,
       pg_temp.uid('moves', m::text),
       pg_temp.uid('mto_shipments', m::text),
       CASE m % 4
           WHEN 0 THEN format('{"id": "%s", "status": "APPROVED", "status": "SUBMITTED"}',
                              pg_temp.uid('mto_shipments', m::text))::json
           WHEN 1 THEN format(E'{\n  "moveTaskOrderID" : "%s",\n  "weight": %s,\n'
                              || E'  "city": "Montr\\u00e9al \\ud83d\\ude9a",\n  "note": %s\n}',
                              pg_temp.uid('moves', m::text), 1000 + m % 9000,
                              to_json(coalesce(pg_temp.tricky_text(m), '')))::json
           ELSE json_build_object('eventKey', 'Move.Update', 'locator',
                                  pg_temp.move_locator(m),
                                  'eTag', encode(decode(md5('etag:' || m), 'hex'), 'base64'))
       END,
       pg_temp.pick(ARRAY['SENT', 'SENT', 'PENDING', 'FAILING', 'SKIPPED'], m),
       CASE WHEN m % 5 <> 2 THEN pg_temp.spread_time(m + 96) END,
       pg_temp.spread_local_time(m + 96),
       pg_temp.spread_local_time(m + 97)
FROM generate_series(2::bigint, :move_count, 2) AS m
ORDER BY m;   -- so the identity column follows m

--------------------------------------------------------------------------------------------
-- Tracking events: four per shipment, spread over 2023 and into 2024 (default partition).
--------------------------------------------------------------------------------------------
INSERT INTO public.tracking_events (id, occurred_at, mto_shipment_id, event_code, latitude,
                                    longitude, details, received_at)
SELECT pg_temp.uid('tracking_events', s || ':' || k),
       occurred,
       pg_temp.uid('mto_shipments', s::text),
       (ARRAY['PICKED_UP', 'IN_TRANSIT', 'ARRIVED', 'DELIVERED'])[k],
       CASE WHEN (s + k) % 10 <> 0 THEN 25 + ((s * 7919 + k) % 2500000) / 100000.0 END,
       CASE WHEN (s + k) % 10 <> 0 THEN -125 + ((s * 104729 + k) % 5800000) / 100000.0 END,
       CASE WHEN (s + k) % 3 = 0 THEN jsonb_build_object(
           'driver', pg_temp.pick(ARRAY['J. Doe', 'Zoë L.', 'Ali "Speedy" K.'], s),
           'odometer', 10000 + (s * 7) % 90000,
           'temperatureC', ((s % 400) - 100) / 10.0,
           'sealIntact', (s % 2 = 0))
       END,
       (occurred + interval '17 seconds') AT TIME ZONE 'UTC'
FROM generate_series(1::bigint, :shipment_count) AS s
CROSS JOIN generate_series(1, 4) AS k
CROSS JOIN LATERAL (
    SELECT pg_temp.spread_time(s + 35) + interval '14 days'
           + (k - 1) * interval '2 days 7 hours 13 minutes' AS occurred
) AS event;

--------------------------------------------------------------------------------------------
-- Audit history: eight rows per move, over six audited tables, shaped like the rows a
-- change-logging trigger writes. This is the bulk of the database.
--------------------------------------------------------------------------------------------
INSERT INTO public.audit_history (id, schema_name, table_name, relid, object_id,
                                  session_userid, event_name, action_tstamp_tx,
                                  action_tstamp_stm, action_tstamp_clk, transaction_id,
                                  client_query, action, old_data, changed_data, statement_only)
SELECT pg_temp.uid('audit_history', a::text),
       'public',
       table_name,
       -- oids are unsigned: one audited table has an oid above 2^31
       (ARRAY[16423, 16511, 16398, 16580, 16452, 3000000017])[which + 1]::bigint::oid,
       object_id,
       CASE WHEN a % 13 = 0 THEN NULL
            WHEN action = 'INSERT' THEN pg_temp.uid('users', 'member:' || member)
            ELSE pg_temp.uid('users', 'office:' || (1 + a % 400)) END,
       CASE WHEN a % 11 = 0 THEN NULL
            ELSE pg_temp.pick(ARRAY['updateMoveStatus', 'approveShipment', 'submitMoveForApproval',
                                    'createOrders', 'updateMTOServiceItemStatus',
                                    'updateServiceMember', 'patchAddress'], which * 7 + a % 2) END,
       tx_time,
       tx_time + (a % 3) * interval '1.5 milliseconds',
       tx_time + (a % 3) * interval '1.5 milliseconds' + (a % 997) * interval '1 microsecond',
       700000000 + a / 3,                          -- about three rows per transaction
       CASE action
           WHEN 'INSERT' THEN format('INSERT INTO "%s" ("id", "created_at") VALUES ($1, $2)', table_name)
           WHEN 'DELETE' THEN format('DELETE FROM "%s" WHERE "id" = $1', table_name)
           ELSE format(E'UPDATE "%s" AS %s\nSET "status" = $1, "updated_at" = $2\nWHERE %s.id = $3',
                       table_name, table_name, table_name)
       END,
       action,
       CASE WHEN action <> 'INSERT' THEN row_image END,
       CASE action
           WHEN 'INSERT' THEN row_image
           WHEN 'DELETE' THEN NULL
           ELSE changes
       END,
       false
FROM generate_series(1::bigint, :audit_count) AS a
CROSS JOIN LATERAL (
    SELECT a % 6 AS which,
           1 + (a * 7) % :move_count AS member,
           1 + (a * 7) % :shipment_count AS shipment,
           CASE WHEN a % 10 = 0 THEN 'INSERT' WHEN a % 50 = 9 THEN 'DELETE' ELSE 'UPDATE' END AS action,
           pg_temp.spread_time(a + 100) AS tx_time
) AS audit
CROSS JOIN LATERAL (
    SELECT (ARRAY['moves', 'mto_shipments', 'orders', 'mto_service_items', 'service_members',
                  'addresses'])[which + 1] AS table_name,
           CASE which
               WHEN 0 THEN pg_temp.uid('moves', member::text)
               WHEN 1 THEN pg_temp.uid('mto_shipments', shipment::text)
               WHEN 2 THEN pg_temp.uid('orders', member::text)
               WHEN 3 THEN pg_temp.uid('mto_service_items', 'shipment:' || shipment || ':1')
               WHEN 4 THEN pg_temp.uid('service_members', member::text)
               ELSE pg_temp.uid('addresses', 'residence:' || member)
           END AS object_id
) AS target
CROSS JOIN LATERAL (
    -- The row before the change (old_data) and the changed columns (changed_data). Values
    -- are as a trigger's to_jsonb(OLD) would give them: ISO timestamps as strings, enums
    -- as strings, numbers as JSON numbers (some beyond int64 and double precision).
    SELECT CASE which
               WHEN 0 THEN jsonb_build_object(
                   'id', object_id,
                   'locator', pg_temp.move_locator(member),
                   'orders_id', pg_temp.uid('orders', member::text),
                   'status', pg_temp.pick(ARRAY['DRAFT', 'SUBMITTED', 'NEEDS SERVICE COUNSELING'], a),
                   'show', member % 101 <> 0,
                   'submitted_at', CASE WHEN a % 4 <> 0 THEN to_jsonb(tx_time - interval '1 day') END,
                   'tio_remarks', pg_temp.tricky_text(a),
                   'prime_counseling_flags', jsonb_build_array('has_pets', NULL, 'weight, heavy'),
                   'financial_review_flag', false,
                   'created_at', to_jsonb(pg_temp.spread_local_time(member + 30)),
                   'updated_at', to_jsonb(tx_time AT TIME ZONE 'UTC'))
               WHEN 1 THEN jsonb_build_object(
                   'id', object_id,
                   'move_id', pg_temp.uid('moves', (1 + (shipment - 1) % :move_count)::text),
                   'status', 'SUBMITTED',
                   'shipment_type', 'HHG',
                   'prime_estimated_weight', 1000 + (shipment * 7919) % 14000,
                   'distance_miles', ((shipment * 7919) % 300000) / 100.0,
                   'customer_remarks', pg_temp.tricky_text(a + 1),
                   'requested_pickup_date', to_jsonb((tx_time + interval '14 days')::date),
                   'estimated_transit', to_jsonb(make_interval(days => (shipment % 27)::integer)),
                   'pickup_address', jsonb_build_object(
                       'street_address_1', (100 + shipment % 9900) || ' Main St',
                       'postal_code', lpad(((shipment * 7919) % 99999)::text, 5, '0'),
                       'geo', jsonb_build_array(25 + shipment % 25, -125 + shipment % 58)),
                   'updated_at', to_jsonb(tx_time AT TIME ZONE 'UTC'))
               WHEN 2 THEN jsonb_build_object(
                   'id', object_id,
                   'service_member_id', pg_temp.uid('service_members', member::text),
                   'orders_number', 'ORD' || lpad((member * 7919 % 1000000)::text, 6, '0'),
                   'orders_type', 'PERMANENT_CHANGE_OF_STATION',
                   'has_dependents', member % 2 = 0,
                   'tac', pg_temp.locator_code(member::bigint * 7919, 4),
                   'sac', NULL,
                   'report_by_date', to_jsonb((tx_time + interval '45 days')::date),
                   'updated_at', to_jsonb(tx_time AT TIME ZONE 'UTC'))
               WHEN 3 THEN jsonb_build_object(
                   'id', object_id,
                   'status', 'SUBMITTED',
                   're_service_code', 'DLH',
                   -- beyond int64 and beyond double precision: must stay exact
                   'pricing_estimate', 12345678901234567890.123456789012 + a,
                   'quantity', 1e-7,
                   'params', jsonb_build_object('WeightBilled', 4000 + a % 5000, 'IsPeak', a % 2 = 0,
                                                'ContractYearName', 'Option Period "2"'),
                   'updated_at', to_jsonb(tx_time AT TIME ZONE 'UTC'))
               WHEN 4 THEN jsonb_build_object(
                   'id', object_id,
                   'first_name', pg_temp.pick(ARRAY['José', 'Zoë', 'Siobhán', 'محمد', 'דוד', '美咲'], a),
                   'last_name', pg_temp.pick(ARRAY['O''Brien', 'Nguyễn', '"Doc" Holliday', 'Smith, Jr.'], a),
                   'edipi', pg_temp.edipi(member),
                   'telephone', '(' || lpad((200 + member % 800)::text, 3, '0') || ') 555-0100',
                   'personal_email', 'member' || member || '@example.com',
                   'email_is_preferred', CASE WHEN member % 10 <> 0 THEN to_jsonb(member % 2 = 1) END,
                   'updated_at', to_jsonb(tx_time AT TIME ZONE 'UTC'))
               ELSE jsonb_build_object(
                   'id', object_id,
                   'street_address_1', (100 + member % 9900) || ' Königstraße',
                   'street_address_2', CASE a % 3 WHEN 0 THEN NULL WHEN 1 THEN to_jsonb(''::text)
                                                  ELSE to_jsonb(E'Apt 4\nRear door'::text) END,
                   'city', 'Coeur d''Alene',
                   'state', 'ID',
                   'postal_code', lpad(((member * 7919) % 99999)::text, 5, '0'),
                   'updated_at', to_jsonb(tx_time AT TIME ZONE 'UTC'))
           END AS row_image,
           CASE which
               WHEN 0 THEN jsonb_build_object('status', 'APPROVED',
                                              'available_to_prime_at', to_jsonb(tx_time),
                                              'updated_at', to_jsonb(tx_time AT TIME ZONE 'UTC'))
               WHEN 1 THEN jsonb_build_object('status', 'APPROVED', 'approved_date', to_jsonb(tx_time),
                                              'prime_estimated_weight', 1200 + a % 9000)
               WHEN 2 THEN jsonb_build_object('status', 'APPROVED', 'tac', 'F8E1')
               WHEN 3 THEN jsonb_build_object('status', 'APPROVED', 'approved_at', to_jsonb(tx_time))
               WHEN 4 THEN jsonb_build_object('telephone', '(555) 555-' || lpad((a % 10000)::text, 4, '0'),
                                              'phone_is_preferred', true)
               ELSE jsonb_build_object('street_address_2', pg_temp.tricky_text(a * 3))
           END AS changes
) AS images;
