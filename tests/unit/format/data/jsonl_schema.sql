-- The shape of jsonl_types as pgexport's catalog reader resolves it: one line per column,
-- tab-separated: name, type oid (domains resolved), kind (b e c r m p, or A for arrays),
-- element oid and kind (arrays only, domains resolved; else 0 and -). Oids of types this
-- script creates change from run to run, so they print as 0: only their kind matters.
WITH RECURSIVE base(start_oid, oid, depth) AS (
  SELECT t.oid, t.oid, 0 FROM pg_type t
  UNION ALL
  SELECT b.start_oid, t.typbasetype, b.depth + 1
  FROM base b JOIN pg_type t ON t.oid = b.oid WHERE t.typtype = 'd'
), resolved AS (
  SELECT DISTINCT ON (start_oid) start_oid, oid FROM base ORDER BY start_oid, depth DESC
)
SELECT a.attname,
       CASE WHEN r.oid >= 16384 THEN 0 ELSE r.oid END,
       CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN 'A' ELSE t.typtype::text END,
       CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 AND er.oid < 16384 THEN er.oid ELSE 0 END,
       CASE WHEN t.typcategory = 'A' AND t.typelem <> 0
            THEN CASE WHEN et.typcategory = 'A' AND et.typelem <> 0 THEN 'A' ELSE et.typtype::text END
            ELSE '-' END
FROM pg_attribute a
JOIN resolved r ON r.start_oid = a.atttypid
JOIN pg_type t ON t.oid = r.oid
LEFT JOIN resolved er ON er.start_oid = t.typelem
LEFT JOIN pg_type et ON et.oid = er.oid
WHERE a.attrelid = 'jsonl_types'::regclass AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum;
