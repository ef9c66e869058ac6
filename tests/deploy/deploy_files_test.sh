#!/usr/bin/env bash
# The files of deploy/ hold together, checked without Docker, AWS or a cluster:
# - every JSON file parses; the Terraform files and the CronJob parse (tests/deploy/check_deploy.mjs);
# - every PGEXPORT_* variable in the task definition, CronJob, systemd unit and Terraform is an
#   option, and their values are valid: pgexport runs with each file's settings and gets as far
#   as connecting to a database;
# - the Dockerfile's runtime stage installs exactly the Debian packages that own the shared
#   libraries `ldd` lists for the built binary (plus ca-certificates), and its build stage the
#   build packages of scripts/install-deps.sh; it runs as a numeric non-root user and opens
#   no port;
# - the systemd unit and timer pass systemd-analyze verify;
# - the IAM policies grant exactly what docs/security.md says the code needs.
source "$(dirname "$0")/lib.sh"
need systemd-analyze "Debian package systemd"
need dpkg-query "dpkg"
DEPLOY=$SOURCE/deploy

for file in "$DEPLOY"/*.json; do
  jq empty "$file" 2>"$WORK/jq.err" || fail "$(basename "$file") is not valid JSON: $(cat "$WORK/jq.err")"
done
pass "every JSON file of deploy/ parses ($(cd "$DEPLOY" && echo *.json))"

"$PGEXPORT_BIN" options --markdown >"$WORK/options.md"
node "$SOURCE/tests/deploy/check_deploy.mjs" "$SOURCE" "$WORK/options.md" || fail "deploy/ checks failed (above)"

# ---- the settings of each file are valid values -----------------------------------------
# pgexport validates every option before it connects, so exit 3 (the database at 127.0.0.1:1
# refuses the connection) means each value passed; exit 2 names the bad one.
printf 'not-a-real-password\n' >"$WORK/password"
settings_are_valid() { # WHERE, then NAME=VALUE lines on stdin
  local where=$1 status=0
  local -a settings=()
  mapfile -t settings
  (( ${#settings[@]} >= 5 )) || fail "$where: only ${#settings[@]} settings found"
  env -i PATH="$PATH" "${settings[@]}" \
    PGEXPORT_SOURCE="host=127.0.0.1 port=1 connect_timeout=5" PGEXPORT_DESTINATION="$WORK/dest" \
    PGEXPORT_PASSWORD_FILE="$WORK/password" PGEXPORT_LOG_FORMAT=text \
    "$PGEXPORT_BIN" export >"$WORK/run.out" 2>"$WORK/run.err" || status=$?
  [[ $status == 3 ]] || { cat "$WORK/run.err"; fail "$where: pgexport export with its settings exited $status, expected 3 (connection refused)"; }
  pass "$where: its ${#settings[@]} settings are valid values (pgexport got as far as connecting)"
}
jq -r '.containerDefinitions[0].environment[] | "\(.name)=\(.value)"' "$DEPLOY/ecs-task-definition.json" |
  settings_are_valid ecs-task-definition.json
node -e '
  const { createRequire } = require("node:module");
  const YAML = createRequire(process.env.PGEXPORT_NODE_DIR + "/package.json")("yaml");
  const docs = YAML.parseAllDocuments(require("node:fs").readFileSync(process.argv[1], "utf8")).map((d) => d.toJS());
  const job = docs.find((d) => d.kind === "CronJob");
  for (const e of job.spec.jobTemplate.spec.template.spec.containers[0].env) console.log(`${e.name}=${e.value}`);
' "$DEPLOY/kubernetes/cronjob.yaml" | settings_are_valid kubernetes/cronjob.yaml
sed -n 's/^Environment=//p' "$DEPLOY/systemd/pgexport.service" | sed 's/^"\(.*\)"$/\1/' |
  settings_are_valid systemd/pgexport.service

# ---- Dockerfile -------------------------------------------------------------------------
dockerfile=$DEPLOY/Dockerfile
mapfile -t froms < <(grep -E '^FROM ' "$dockerfile")
[[ ${#froms[@]} == 2 && ${froms[0]} == "FROM debian:12 AS build" && ${froms[1]} == "FROM debian:12-slim" ]] ||
  fail "Dockerfile: expected a debian:12 build stage and a debian:12-slim runtime stage, got: ${froms[*]}"
pass "Dockerfile: multi-stage, Debian 12 build, debian:12-slim runtime"

# The packages of `apt-get install` in stage N (0 = build, 1 = runtime).
stage_packages() {
  awk -v stage="$1" '
    /^FROM / { n++ }
    n == stage + 1 && /apt-get install/ { collecting = 1 }
    collecting {
      line = $0; sub(/.*apt-get install/, "", line)
      if (line ~ /&&/ && line !~ /apt-get install/) { sub(/&&.*/, "", line); collecting = 0 }
      if (line ~ /&& rm/) { sub(/&&.*/, "", line); collecting = 0 }
      gsub(/\\/, " ", line)
      count = split(line, words, /[ \t]+/)
      for (i = 1; i <= count; i++) if (words[i] != "" && words[i] !~ /^-/) print words[i]
    }' "$dockerfile" | sort -u
}
stage_packages 1 >"$WORK/runtime-packages"
stage_packages 0 >"$WORK/build-packages"
[[ -s $WORK/runtime-packages && -s $WORK/build-packages ]] || fail "Dockerfile: no apt-get install package list found"

# Each shared library the binary loads, mapped to the Debian package that owns it. dpkg knows
# a file by the path its package installed it under, which on a merged-/usr system may be the
# /lib or the /usr/lib spelling of the same file.
ldd "$PGEXPORT_BIN" >"$WORK/ldd"
! grep -q "not found" "$WORK/ldd" || fail "ldd: the binary has unresolved libraries: $(grep 'not found' "$WORK/ldd")"
owner_of() {
  local path=$1 candidate
  for candidate in "$path" "$(readlink -f "$path")" "${path#/usr}" "/usr$path" "$(readlink -f "$path" | sed 's#^/usr##')"; do
    dpkg-query -S "$candidate" 2>/dev/null | head -n 1 | cut -d: -f1 && return 0
  done
  return 1
}
: >"$WORK/ldd-packages"
while read -r library; do
  package=$(owner_of "$library") || fail "no Debian package owns $library (from ldd)"
  echo "$package" >>"$WORK/ldd-packages"
done < <(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' "$WORK/ldd")
sort -u -o "$WORK/ldd-packages" "$WORK/ldd-packages"
(( $(wc -l <"$WORK/ldd-packages") >= 10 )) || fail "ldd mapped to only $(wc -l <"$WORK/ldd-packages") packages"
{ cat "$WORK/ldd-packages"; echo ca-certificates; } | sort -u >"$WORK/runtime-expected"
if ! diff "$WORK/runtime-expected" "$WORK/runtime-packages" >"$WORK/runtime.diff"; then
  echo "< needed by the binary (ldd + dpkg -S), > installed by the Dockerfile's runtime stage:"
  cat "$WORK/runtime.diff"
  fail "Dockerfile: the runtime stage must install exactly the packages of the binary's shared libraries and ca-certificates"
fi
pass "Dockerfile: the runtime stage installs exactly the $(wc -l <"$WORK/ldd-packages") packages owning the binary's $(wc -l < <(awk '$2 == "=>"' "$WORK/ldd")) shared libraries, and ca-certificates"

# The build stage: scripts/install-deps.sh's BUILD_PKGS, less the formatter and the benchmark
# framework (the image builds only the binary).
bash -c "source <(sed -n '/^BUILD_PKGS=(/,/)/p' '$SOURCE/scripts/install-deps.sh'); printf '%s\n' \"\${BUILD_PKGS[@]}\"" |
  grep -vxE 'clang-format|libbenchmark-dev' | sort -u >"$WORK/build-expected"
(( $(wc -l <"$WORK/build-expected") >= 10 )) || fail "could not read BUILD_PKGS from scripts/install-deps.sh"
diff "$WORK/build-expected" "$WORK/build-packages" >"$WORK/build.diff" ||
  { cat "$WORK/build.diff"; fail "Dockerfile: the build stage must install scripts/install-deps.sh's BUILD_PKGS (< install-deps, > Dockerfile)"; }
pass "Dockerfile: the build stage installs scripts/install-deps.sh's build packages"

user=$(awk '/^USER /{ u = $2 } END { print u }' "$dockerfile")
[[ $user =~ ^([0-9]+):([0-9]+)$ ]] && (( BASH_REMATCH[1] > 0 && BASH_REMATCH[2] > 0 )) ||
  fail "Dockerfile: the last USER must be numeric and non-root (uid:gid), not '$user'"
[[ $(awk '/^FROM /{ n++ } /^USER /{ s = n } END { print s }' "$dockerfile") == 2 ]] || fail "Dockerfile: USER is not set in the runtime stage"
grep -qE "useradd .*--uid ${BASH_REMATCH[1]} .*--gid ${BASH_REMATCH[2]}" "$dockerfile" ||
  fail "Dockerfile: the user $user has no passwd entry (libpq looks the user up)"
pass "Dockerfile: runs as the numeric non-root user $user"
! grep -qE '^(EXPOSE|VOLUME)' "$dockerfile" || fail "Dockerfile: no EXPOSE (no inbound port) and no VOLUME (nothing writable is needed)"
grep -qE '^ENTRYPOINT \["/usr/local/bin/pgexport"\]' "$dockerfile" || fail "Dockerfile: ENTRYPOINT must exec pgexport directly (it handles SIGTERM as PID 1)"
pass "Dockerfile: no port, no volume, pgexport is PID 1"
# What it copies exists, and the build context (Dockerfile.dockerignore) lets it through.
while read -r source; do
  [[ -e $SOURCE/$source ]] || fail "Dockerfile copies $source, which does not exist"
  grep -qxF "!${source%/}/" "$DEPLOY/Dockerfile.dockerignore" || grep -qxF "!$source" "$DEPLOY/Dockerfile.dockerignore" ||
    fail "Dockerfile copies $source, which Dockerfile.dockerignore leaves out of the context"
done < <(awk '/^COPY / && !/--from=/ { print $2 }' "$dockerfile")
pass "Dockerfile: every COPY source exists and is in the build context"

# ---- systemd ------------------------------------------------------------------------------
# verify checks that ExecStart's program exists: point it at the built binary.
mkdir -p "$WORK/systemd"
sed "s#^ExecStart=/usr/local/bin/pgexport #ExecStart=$PGEXPORT_BIN #" "$DEPLOY/systemd/pgexport.service" >"$WORK/systemd/pgexport.service"
cp "$DEPLOY/systemd/pgexport.timer" "$WORK/systemd/"
grep -q "^ExecStart=$PGEXPORT_BIN export" "$WORK/systemd/pgexport.service" || fail "pgexport.service: ExecStart is not /usr/local/bin/pgexport export"
(cd "$WORK/systemd" && systemd-analyze verify pgexport.service pgexport.timer) >"$WORK/verify.out" 2>&1 ||
  { cat "$WORK/verify.out"; fail "systemd-analyze verify failed"; }
[[ ! -s $WORK/verify.out ]] || { cat "$WORK/verify.out"; fail "systemd-analyze verify complained"; }
pass "systemd: pgexport.service and pgexport.timer pass systemd-analyze verify"
