#!/usr/bin/env bash
# An export to s3:// against a real S3 server (Ceph RADOS Gateway, which checks signatures,
# payload hashes and part sizes), read back with an independent client (awscli), is
# byte-identical to a directory export of the same data, and loads back into PostgreSQL.
source "$(dirname "$0")/lib.sh"
need_postgres
need_s3
prefix=roundtrip-$$-$RANDOM
s3_url=s3://$PGEXPORT_TEST_BUCKET/$prefix

export PGDATABASE=$SAMPLE_DB
"$PGEXPORT_BIN" export --destination "$WORK/dir" --run-id same --jobs 3 --chunk-size 512KiB \
  --log-level debug >/dev/null 2>"$WORK/dir.log"
"$PGEXPORT_BIN" export --destination "$s3_url" --run-id same --jobs 3 --chunk-size 512KiB \
  --log-level debug >"$WORK/s3.out" 2>"$WORK/s3.log"
aws_s3 s3 cp --recursive --only-show-errors "$s3_url" "$WORK/downloaded"
[[ -f $WORK/downloaded/runs/same/_manifest.json ]] || fail "no manifest in the bucket"
# The manifest is the last object: every data file it lists is there, with its checksum.
verify_manifest_objects "$WORK/downloaded" "$WORK/downloaded/runs/same/_manifest.json"
# Same data files, byte for byte (manifests differ only in times, snapshot id and the random
# attempt token that names each run's data prefix, which is left out of the comparison).
diff <(cd "$WORK/dir" && find runs -type f ! -name _manifest.json -exec sha256sum {} + | without_attempt | sort -k2) \
     <(cd "$WORK/downloaded" && find runs -type f ! -name _manifest.json -exec sha256sum {} + | without_attempt | sort -k2) ||
  fail "the S3 export differs from the directory export"
diff <(jq -S '.tables' "$WORK/dir/runs/same/_manifest.json" | without_attempt) \
     <(jq -S '.tables' "$WORK/downloaded/runs/same/_manifest.json" | without_attempt) ||
  fail "the manifests' table sections differ"
files=$(find "$WORK/downloaded/runs" -type f | wc -l)
tables=$(verify_csv_roundtrip "$SAMPLE_DB" "$WORK/downloaded" "$WORK/downloaded/runs/same/_manifest.json")
pass "s3: $files objects identical to the directory export; $tables tables load back exactly"

# Multipart: a table of ~60 MiB uncompressed with 5 MiB parts, plus the smallest objects.
# One job, so the table is one object (two jobs would share it as two 32 MiB ranges).
db=pgexport_s3_big
make_big_table_database "$db" 600000
PGDATABASE=$db "$PGEXPORT_BIN" export --destination "$s3_url/big" --run-id mp --compression none \
  --part-size 5MiB --memory-limit 64MiB --jobs 1 >/dev/null 2>"$WORK/big.log"
manifest_big=$(aws_s3 s3 cp --only-show-errors "$s3_url/big/runs/mp/_manifest.json" -)
key=$prefix/big/$(jq -r '.tables[] | select(.name == "big") | .files[0].key' <<<"$manifest_big")
[[ $key == "$prefix/big/runs/mp/data-"*/public.big/part-00000-000.csv ]] || fail "unexpected key $key"
etag=$(aws_s3 s3api head-object --bucket "$PGEXPORT_TEST_BUCKET" --key "$key" --output json | jq -r .ETag)
[[ $etag == *-* ]] || fail "the large object was not uploaded in parts (ETag $etag)"
aws_s3 s3 cp --only-show-errors "s3://$PGEXPORT_TEST_BUCKET/$key" "$WORK/big.csv"
expected=$(jq -r '.tables[] | select(.name == "big") | .files[0].sha256' <<<"$manifest_big")
[[ $(sha256sum "$WORK/big.csv" | cut -d' ' -f1) == "$expected" ]] || fail "multipart object checksum differs"
[[ $(tail -n +2 "$WORK/big.csv" | wc -l) == 600000 ]] || fail "multipart object lost rows"
[[ $(pending_uploads "$prefix/") == "[]" ]] || fail "unfinished multipart uploads were left behind"
assert_no_secrets "$WORK/dir.log" "$WORK/s3.log" "$WORK/s3.out" "$WORK/big.log"
pass "multipart upload ($etag) reads back identical; no upload left open; no secret in the logs"
aws_s3 s3 rm --recursive --only-show-errors "$s3_url" >/dev/null
