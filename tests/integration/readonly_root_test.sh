#!/usr/bin/env bash
# The streaming export needs no writable file system: it succeeds inside a mount namespace
# whose root file system is read-only (as an ECS task with readonlyRootFilesystem). Spool mode
# pointed at a read-only place fails with one clear line and exit 6, publishing nothing; a
# spool on a file system that fills up fails with exit 9, publishing and leaving nothing.
source "$(dirname "$0")/lib.sh"
need_postgres
need_s3
(( EUID == 0 )) || skip_host_lacks "creating a mount namespace needs root"
command -v unshare >/dev/null || fail "unshare (util-linux) is not installed"
# A private mount namespace needs '/' to be a mount point: a plain chroot and some container
# runtimes refuse ("cannot change root filesystem propagation"). That is the host's limit.
if ! probe=$(unshare --mount --propagation private true 2>&1); then
  skip_host_lacks "no private mount namespace here ($probe)"
fi
prefix=readonly-$$-$RANDOM

# Runs a command with / re-mounted read-only in a private mount namespace. The first step
# proves the root really is read-only there, so a pass cannot come from a writable root.
readonly_root() {
  unshare --mount --propagation private bash -c '
    mount --bind / / && mount -o remount,bind,ro / / || exit 90
    if touch /pgexport-write-probe 2>/dev/null || touch /tmp/pgexport-write-probe 2>/dev/null; then
      echo "root is still writable" >&2; exit 91
    fi
    exec "$@"' readonly-root "$@"
}

status=0
PGDATABASE=$SAMPLE_DB readonly_root "$PGEXPORT_BIN" export --run-id ro --jobs 2 \
  --destination "s3://$PGEXPORT_TEST_BUCKET/$prefix" >"$WORK/ro.out" 2>"$WORK/ro.err" || status=$?
case $status in
  0) ;;
  90) fail "could not re-mount / read-only in the namespace: $(cat "$WORK/ro.err")" ;;
  91) fail "/ stayed writable in the namespace, so the test would prove nothing" ;;
  *) cat "$WORK/ro.err" >&2; fail "the streaming export failed with a read-only root (exit $status)" ;;
esac
aws_s3 s3 cp --only-show-errors "s3://$PGEXPORT_TEST_BUCKET/$prefix/runs/ro/_manifest.json" "$WORK/manifest.json"
tables=$(jq '.tables | length' "$WORK/manifest.json")
(( tables > 10 )) || fail "the manifest lists only $tables tables"
pass "streaming export to S3 with a read-only root: $tables tables committed"

status=0
PGDATABASE=$SAMPLE_DB readonly_root "$PGEXPORT_BIN" export --run-id ro-spool \
  --spool /var/tmp/pgexport-spool-$$ --destination "s3://$PGEXPORT_TEST_BUCKET/$prefix" \
  >/dev/null 2>"$WORK/spool.err" || status=$?
[[ $status == 6 ]] || { cat "$WORK/spool.err"; fail "spool on a read-only place: exit $status, expected 6"; }
[[ $(grep -c . "$WORK/spool.err") == 1 ]] || fail "expected one line on stderr: $(cat "$WORK/spool.err")"
grep -q -- "--spool" "$WORK/spool.err" || fail "the message does not name --spool: $(cat "$WORK/spool.err")"
[[ $(count_objects "s3://$PGEXPORT_TEST_BUCKET/$prefix/runs/ro-spool/") == 0 ]] ||
  fail "the failed spool run left objects in the bucket"
pass "spool on a read-only file system: exit 6, '$(cut -d' ' -f3- "$WORK/spool.err" | cut -c1-120)'"
# A spool on a file system too small for the data (a 256 KiB tmpfs mounted in the namespace;
# the sample database spools several MB): one line that says the file system is full, exit 9,
# nothing in the bucket and no unfinished upload, and the spool emptied again.
status=0
mkdir -p "$WORK/small-spool"
PGDATABASE=$SAMPLE_DB unshare --mount --propagation private bash -c '
  mount -t tmpfs -o size=256k pgexport-small-spool "$1" || exit 90
  [[ $(df --output=size -k "$1" | tail -1 | tr -d " ") -le 256 ]] || exit 91
  shift; "$@"; status=$?
  leftover=$(find "$0" -type f | wc -l); [[ $leftover == 0 ]] || { echo "left $leftover files in the spool" >&2; exit 92; }
  exit $status' "$WORK/small-spool" "$WORK/small-spool" "$PGEXPORT_BIN" export --run-id full-spool \
  --spool "$WORK/small-spool" --destination "s3://$PGEXPORT_TEST_BUCKET/$prefix" \
  >/dev/null 2>"$WORK/full.err" || status=$?
case $status in
  90|91) fail "could not mount a small tmpfs in the namespace (exit $status)" ;;
  92) fail "the failed spool run left files in the spool: $(cat "$WORK/full.err")" ;;
  9) ;;
  *) cat "$WORK/full.err" >&2; fail "spool on a full file system: exit $status, expected 9" ;;
esac
# The removal of the partial objects is announced as a warning; the error is the one last line.
[[ $(grep -c ' error ' "$WORK/full.err") == 1 ]] || fail "expected one error line: $(cat "$WORK/full.err")"
tail -1 "$WORK/full.err" | grep -q "No space left on device (the file system is full" ||
  fail "the message does not say the file system is full: $(cat "$WORK/full.err")"
[[ $(count_objects "s3://$PGEXPORT_TEST_BUCKET/$prefix/runs/full-spool/") == 0 ]] ||
  fail "the run on a full spool left objects in the bucket"
[[ $(pending_uploads "$prefix/") == "[]" ]] || fail "the run on a full spool left unfinished uploads"
pass "spool on a full 256 KiB file system: exit 9, '$(tail -1 "$WORK/full.err" | cut -d' ' -f3- | cut -c1-160)'"
aws_s3 s3 rm --recursive --only-show-errors "s3://$PGEXPORT_TEST_BUCKET/$prefix" >/dev/null
