-- Optional addition to the type zoo: citext, a type from the citext extension (shipped
-- with PostgreSQL's contrib modules and available on Amazon RDS). Load after
-- type_zoo.sql; skip this file where the extension is not installed.
--
-- Why it matters: citext's equality ignores case, so 'HELLO' = 'hello'. A comparison by
-- "=" would not notice an exporter that changed the case; compare as text
-- (zoo.compare_text) instead.

\set ON_ERROR_STOP 1

SET client_min_messages = warning;  -- quiet the NOTICEs of ... IF [NOT] EXISTS
CREATE EXTENSION IF NOT EXISTS citext;
DROP TABLE IF EXISTS zoo.case_insensitive_text;
RESET client_min_messages;

CREATE TABLE zoo.case_insensitive_text (
    id        integer PRIMARY KEY,
    case_name text NOT NULL,
    value     citext,
    values    citext[]
);

INSERT INTO zoo.case_insensitive_text VALUES
    (1, 'mixed case', 'Hello World', '{Hello,HELLO,hello}'),
    (2, 'equal to row 1 under citext equality, different text', 'HELLO WORLD', '{hello}'),
    (3, 'non-ASCII case folding', 'Straße ǅ İstanbul Ωμέγα', '{STRASSE,straße}'),
    (4, 'empty string and quoting', '', '{"","a,b","q\"q"}'),
    (5, 'all null', NULL, NULL);

ANALYZE zoo.case_insensitive_text;
