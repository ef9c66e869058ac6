// Static checks of deploy/ that need real parsers (HCL, YAML), run by deploy_files_test.sh:
//
//   node check_deploy.mjs SOURCE_DIR OPTIONS_MARKDOWN
//
// OPTIONS_MARKDOWN is what `pgexport options --markdown` printed: the options table. Each
// check prints "ok: ..." or "FAIL: ..."; the exit code is 1 if any failed.
import { createRequire } from 'node:module';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const [sourceDir, optionsMarkdownPath] = process.argv.slice(2);
if (!sourceDir || !optionsMarkdownPath) {
  console.error('usage: node check_deploy.mjs SOURCE_DIR OPTIONS_MARKDOWN');
  process.exit(2);
}
// The parsers are installed in tests/node (scripts/install-deps.sh --node).
const nodeDir = process.env.PGEXPORT_NODE_DIR ?? path.join(sourceDir, 'tests/node');
const require = createRequire(path.join(nodeDir, 'package.json'));
const { parse: parseHcl } = require('@cdktf/hcl2json');
const YAML = require('yaml');

const read = (relative) => readFileSync(path.join(sourceDir, relative), 'utf8');
let failures = 0;
const ok = (message) => console.log(`ok: ${message}`);
const fail = (message) => {
  failures++;
  console.log(`FAIL: ${message}`);
};
const check = (condition, message, detail = '') =>
  condition ? ok(message) : fail(detail ? `${message}: ${detail}` : message);
const sorted = (items) => [...new Set(items)].sort();
const sameSet = (a, b) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
const difference = (a, b) => sorted(a).filter((x) => !new Set(b).has(x));

// ---- the options table --------------------------------------------------------------------
const optionsMarkdown = readFileSync(optionsMarkdownPath, 'utf8');
const realVariables = new Set(
  [...optionsMarkdown.matchAll(/^\| `--[a-z0-9-]+`[^|]*\| `(PGEXPORT_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]),
);
if (realVariables.size < 40) {
  fail(`the options reference names only ${realVariables.size} variables; is it the real one?`);
}
const defaultOf = (variable) => {
  const row = optionsMarkdown.split('\n').find((line) => line.includes(`| \`${variable}\` |`));
  const match = row && row.match(/\| `PGEXPORT_[A-Z0-9_]+` \| `([^`]*)` \|/);
  return match ? match[1] : undefined;
};
const seconds = (duration) => {
  const match = /^(\d+)([smhd])$/.exec(duration ?? '');
  if (duration === '0') return 0;
  return match ? Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[match[2]] : NaN;
};
const cleanupSeconds = (environment) =>
  seconds(environment.PGEXPORT_CLEANUP_TIMEOUT ?? defaultOf('PGEXPORT_CLEANUP_TIMEOUT'));

function checkVariables(where, names) {
  const ours = names.filter((name) => name.startsWith('PGEXPORT_'));
  if (ours.length < 5) {
    fail(`${where}: only ${ours.length} PGEXPORT_* variables found; the check would prove nothing`);
    return;
  }
  const unknown = ours.filter((name) => !realVariables.has(name));
  check(unknown.length === 0, `${where}: its ${ours.length} PGEXPORT_* variables are all options`,
    `not options: ${unknown.join(', ')}`);
}

// The error table: which exit codes are worth retrying.
const errorTable = read('src/common/error.hpp');
const errorKinds = [...errorTable.matchAll(/X\((\w+), (true|false), (\d+),/g)].map((m) => ({
  name: m[1], retryable: m[2] === 'true', code: Number(m[3]),
}));
const retryableCodes = errorKinds.filter((k) => k.retryable).map((k) => k.code);
const failingCodes = errorKinds.filter((k) => !k.retryable).map((k) => k.code);
if (errorKinds.length < 10) fail('could not read the error table of src/common/error.hpp');

// The image's user, which every deployment must run as.
const dockerfile = read('deploy/Dockerfile');
const imageUser = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]).pop();
const [imageUid, imageGid] = (imageUser ?? '').split(':').map(Number);

// ---- ECS task definition --------------------------------------------------------------------
{
  const task = JSON.parse(read('deploy/ecs-task-definition.json'));
  const container = task.containerDefinitions?.[0] ?? {};
  const environment = Object.fromEntries((container.environment ?? []).map((e) => [e.name, e.value]));
  checkVariables('ecs-task-definition.json', Object.keys(environment));
  check(JSON.stringify(task.requiresCompatibilities) === '["FARGATE"]' && task.networkMode === 'awsvpc',
    'ecs-task-definition.json: Fargate, awsvpc');
  check(container.readonlyRootFilesystem === true, 'ecs-task-definition.json: read-only root file system');
  check(container.user === imageUser && imageUid > 0, `ecs-task-definition.json: runs as the image's non-root user ${imageUser}`,
    `user is ${container.user}`);
  check(container.privileged === false && container.linuxParameters?.capabilities?.drop?.includes('ALL'),
    'ecs-task-definition.json: not privileged, every capability dropped');
  check(!container.portMappings || container.portMappings.length === 0, 'ecs-task-definition.json: no port mappings');
  const secretNames = (container.secrets ?? []).map((s) => s.name);
  check(secretNames.includes('PGPASSWORD') &&
      container.secrets.every((s) => /^arn:aws-us-gov:secretsmanager:/.test(s.valueFrom)),
    'ecs-task-definition.json: the password comes from Secrets Manager');
  check(!Object.keys(environment).some((name) => /PASSWORD$/.test(name)) &&
      !/password\s*=/.test(environment.PGEXPORT_SOURCE ?? ''),
    'ecs-task-definition.json: no password in the plain environment');
  check(container.logConfiguration?.logDriver === 'awslogs', 'ecs-task-definition.json: logs to CloudWatch (awslogs)');
  const stop = container.stopTimeout;
  const cleanup = cleanupSeconds(environment);
  check(Number.isInteger(stop) && stop <= 120 && stop >= cleanup + 10,
    `ecs-task-definition.json: stopTimeout ${stop} s fits Fargate (≤ 120) and the ${cleanup} s cleanup deadline plus 10 s`);
  for (const arn of [task.executionRoleArn, task.taskRoleArn]) {
    check(/^arn:aws-us-gov:iam::\d{12}:role\//.test(arn), `ecs-task-definition.json: ${arn} is a GovCloud role ARN`);
  }
}

// ---- Kubernetes CronJob ---------------------------------------------------------------------
{
  const documents = YAML.parseAllDocuments(read('deploy/kubernetes/cronjob.yaml'));
  const errors = documents.flatMap((d) => d.errors);
  check(errors.length === 0, 'kubernetes/cronjob.yaml parses', errors.map(String).join('; '));
  const objects = documents.map((d) => d.toJS());
  const cronJob = objects.find((o) => o?.kind === 'CronJob') ?? {};
  const job = cronJob.spec?.jobTemplate?.spec ?? {};
  const pod = job.template?.spec ?? {};
  const container = pod.containers?.find((c) => c.name === 'pgexport') ?? {};
  const environment = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
  checkVariables('kubernetes/cronjob.yaml', Object.keys(environment));
  check(pod.securityContext?.runAsNonRoot === true && pod.securityContext?.runAsUser === imageUid &&
      pod.securityContext?.runAsGroup === imageGid,
    `kubernetes/cronjob.yaml: non-root, as the image's user ${imageUser}`);
  check(container.securityContext?.readOnlyRootFilesystem === true &&
      container.securityContext?.allowPrivilegeEscalation === false &&
      container.securityContext?.capabilities?.drop?.includes('ALL'),
    'kubernetes/cronjob.yaml: read-only root, no privilege escalation, no capabilities');
  check(!container.ports, 'kubernetes/cronjob.yaml: no ports');
  check(cronJob.spec?.concurrencyPolicy === 'Forbid', 'kubernetes/cronjob.yaml: one run at a time');
  const cleanup = cleanupSeconds(environment);
  check(pod.terminationGracePeriodSeconds >= cleanup + 10,
    `kubernetes/cronjob.yaml: grace period ${pod.terminationGracePeriodSeconds} s covers the ${cleanup} s cleanup plus 10 s`);
  const failRule = job.podFailurePolicy?.rules?.find((r) => r.action === 'FailJob' && r.onExitCodes);
  check(failRule?.onExitCodes?.operator === 'NotIn' && sameSet(failRule.onExitCodes.values, retryableCodes) &&
      job.backoffLimit > 0,
    `kubernetes/cronjob.yaml: retries exactly the retryable exit codes ${retryableCodes.join(', ')}`,
    JSON.stringify(failRule?.onExitCodes));
  const mountPath = container.volumeMounts?.find((m) => m.name === 'database-password')?.mountPath;
  check(environment.PGEXPORT_PASSWORD_FILE?.startsWith(`${mountPath}/`) &&
      pod.volumes?.some((v) => v.name === 'database-password' && v.secret?.defaultMode === 0o400 /* 256 */),
    'kubernetes/cronjob.yaml: --password-file reads the mounted Secret (mode 0400)');
}

// ---- systemd --------------------------------------------------------------------------------
{
  const unit = read('deploy/systemd/pgexport.service');
  const settings = [...unit.matchAll(/^(\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]);
  const values = (key) => settings.filter(([k]) => k === key).map(([, v]) => v);
  const environment = Object.fromEntries(values('Environment').map((value) => {
    const text = value.replace(/^"(.*)"$/, '$1');
    const equals = text.indexOf('=');
    return [text.slice(0, equals), text.slice(equals + 1)];
  }));
  checkVariables('systemd/pgexport.service', Object.keys(environment));
  const cleanup = cleanupSeconds(environment);
  const stop = seconds(values('TimeoutStopSec')[0]) || Number(values('TimeoutStopSec')[0]);
  check(stop >= cleanup + 10, `systemd/pgexport.service: TimeoutStopSec ${stop} s covers the ${cleanup} s cleanup plus 10 s`);
  const prevented = (values('RestartPreventExitStatus')[0] ?? '').split(/\s+/).map(Number);
  check(values('Restart')[0] === 'on-failure' && sameSet(prevented, failingCodes),
    `systemd/pgexport.service: restarts only on the retryable exit codes ${retryableCodes.join(', ')}`,
    `RestartPreventExitStatus lacks ${difference(failingCodes, prevented)} / has extra ${difference(prevented, failingCodes)}`);
  check(values('DynamicUser')[0] === 'yes' && values('ProtectSystem')[0] === 'strict' &&
      values('NoNewPrivileges')[0] === 'yes' && values('CapabilityBoundingSet')[0] === '',
    'systemd/pgexport.service: transient non-root user, read-only system, no capabilities');
  check(environment.PGEXPORT_PASSWORD_FILE === '%d/database-password' &&
      values('LoadCredential')[0]?.startsWith('database-password:'),
    'systemd/pgexport.service: --password-file reads the systemd credential');
}

// ---- bucket and key policies ----------------------------------------------------------------
const bucketPolicy = JSON.parse(read('deploy/bucket-policy.json'));
const kmsStatement = JSON.parse(read('deploy/kms-key-policy-statement.json'));
let bucketPolicyActions = [];
{
  const arrayOf = (value) => (Array.isArray(value) ? value : [value]);
  const allows = bucketPolicy.Statement.filter((s) => s.Effect === 'Allow');
  const resources = bucketPolicy.Statement.flatMap((s) => arrayOf(s.Resource));
  check(resources.every((r) => r.startsWith('arn:aws-us-gov:s3:::warehouse-landing')),
    'bucket-policy.json: every resource is the warehouse bucket, in the GovCloud partition');
  check(bucketPolicy.Statement.every((s) => /^arn:aws-us-gov:iam::\d{12}:role\//.test(s.Principal?.AWS)),
    "bucket-policy.json: every statement is about the exporter's role only");
  check(allows.filter((s) => arrayOf(s.Resource).some((r) => r.endsWith('/*')))
    .every((s) => arrayOf(s.Resource).every((r) => r.endsWith('/pgexport/app/*'))),
    'bucket-policy.json: object permissions only under the prefix');
  check(allows.filter((s) => arrayOf(s.Action).some((a) => a.startsWith('s3:List')))
    .every((s) => JSON.stringify(s.Condition ?? {}).includes('"s3:prefix":"pgexport/app/*"')),
    'bucket-policy.json: listings only of the prefix');
  check(!JSON.stringify(bucketPolicy).includes('s3:x-amz-acl'),
    'bucket-policy.json: no condition on the ACL header (UploadPart does not send it, so it would break multipart uploads)');
  bucketPolicyActions = allows.flatMap((s) => arrayOf(s.Action));
  check(sameSet(kmsStatement.Action, ['kms:GenerateDataKey', 'kms:Decrypt']) &&
      kmsStatement.Condition?.StringEquals?.['kms:ViaService']?.startsWith('s3.'),
    'kms-key-policy-statement.json: data keys and decrypt, through S3 only');
}

// ---- Terraform --------------------------------------------------------------------------------
const terraformDir = path.join(sourceDir, 'deploy/terraform');
const terraformFiles = readdirSync(terraformDir).filter((f) => f.endsWith('.tf')).sort();
const terraform = {};
for (const file of terraformFiles) {
  const text = readFileSync(path.join(terraformDir, file), 'utf8');
  try {
    const parsed = await parseHcl(file, text);
    // Merged over the files: locals blocks in a list, everything else by kind, type and name.
    for (const [kind, blocks] of Object.entries(parsed)) {
      if (kind === 'locals' || kind === 'terraform') {
        terraform[kind] = [...(terraform[kind] ?? []), ...blocks];
        continue;
      }
      terraform[kind] = terraform[kind] ?? {};
      for (const [type, named] of Object.entries(blocks)) {
        terraform[kind][type] = kind === 'variable' || kind === 'output' ? named : { ...(terraform[kind][type] ?? {}), ...named };
      }
    }
    ok(`terraform/${file} parses`);
  } catch (error) {
    fail(`terraform/${file} does not parse: ${error.message}`);
  }
  const literalArns = [...text.matchAll(/"arn:([^:"]*):/g)].map((m) => m[1]);
  check(literalArns.every((partition) => partition === '${var.partition}'),
    `terraform/${file}: every ARN takes its partition from var.partition`,
    `hard-coded: ${literalArns.filter((p) => p !== '${var.partition}').join(', ')}`);
}
check(terraform.variable?.partition?.[0]?.default === 'aws-us-gov', 'terraform: partition defaults to aws-us-gov');

// Every action of a policy document: its statements and its dynamic statements' contents.
function policyActions(name) {
  const document = terraform.data?.aws_iam_policy_document?.[name]?.[0];
  if (!document) {
    fail(`terraform: no aws_iam_policy_document "${name}"`);
    return [];
  }
  const statements = [
    ...(document.statement ?? []),
    ...(document.dynamic?.statement ?? []).flatMap((d) => d.content ?? []),
  ];
  return statements.flatMap((s) => s.actions ?? []);
}

// The tables of docs/security.md: rows under a heading, by column.
const securityDoc = read('docs/security.md');
function tableRows(heading) {
  const start = securityDoc.indexOf(`\n### ${heading}\n`);
  if (start < 0) {
    fail(`docs/security.md has no section "${heading}"`);
    return [];
  }
  const end = securityDoc.indexOf('\n#', start + 1);
  return securityDoc.slice(start, end < 0 ? undefined : end).split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| ---'))
    .slice(1)
    .map((line) => line.slice(2, -2).split(' | ').map((cell) => cell.trim()));
}
const codeNames = (cell) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

{
  // Task role: the table names every S3 request method and STS action the code has.
  const rows = tableRows('Task role (pgexport)');
  const header = read('src/storage/s3/s3_client.hpp');
  const classBody = header.slice(header.indexOf('class S3Client {'), header.indexOf(' private:', header.indexOf('class S3Client {')));
  // Accessors that make no request: what the client was built with and has learned.
  const notRequests = new Set(['S3Client', 'endpoint', 'describe', 'unsigned_payload', 'flexible_checksums']);
  const methods = [...classBody.matchAll(/^ {2}(?!\/\/)[^\n(]*?\b(\w+)\(/gm)].map((m) => m[1])
    .filter((name) => !notRequests.has(name));
  const stsActions = [...read('src/storage/s3/sts.cpp').matchAll(/call_sts\([^,]+,\s*"(\w+)"/g)].map((m) => m[1]);
  const tableCalls = (source) => rows.filter((r) => r[0] === `\`${source}\``).flatMap((r) => codeNames(r[1]));
  check(methods.length >= 15 && sameSet(tableCalls('s3_client.hpp'), methods),
    `docs/security.md names each of the ${methods.length} S3 requests of S3Client`,
    `missing ${difference(methods, tableCalls('s3_client.hpp'))}, not in the code ${difference(tableCalls('s3_client.hpp'), methods)}`);
  check(stsActions.length >= 1 && sameSet(tableCalls('sts.cpp'), stsActions),
    `docs/security.md names each STS action of sts.cpp (${stsActions.join(', ')})`);
  const needed = rows.flatMap((r) => codeNames(r[2]));
  const granted = policyActions('task');
  check(sameSet(granted, needed),
    `terraform task role grants exactly the ${sorted(needed).length} actions the code needs: ${sorted(needed).join(', ')}`,
    `granted but not needed: ${difference(granted, needed)}; needed but not granted: ${difference(needed, granted)}`);
  const s3Needed = needed.filter((a) => a.startsWith('s3:'));
  check(sameSet(bucketPolicyActions, s3Needed),
    'bucket-policy.json allows exactly the S3 actions the code needs',
    `extra: ${difference(bucketPolicyActions, s3Needed)}; missing: ${difference(s3Needed, bucketPolicyActions)}`);
}
for (const [heading, documentName] of [['Execution role (ECS)', 'execution'], ['Scheduler role (EventBridge Scheduler)', 'scheduler']]) {
  const needed = tableRows(heading).flatMap((r) => codeNames(r[1]));
  const granted = policyActions(documentName);
  check(needed.length > 0 && sameSet(granted, needed),
    `terraform ${documentName} role grants exactly the actions of docs/security.md: ${sorted(needed).join(', ')}`,
    `granted but not listed: ${difference(granted, needed)}; listed but not granted: ${difference(needed, granted)}`);
}

{
  // The task definition the module writes.
  const locals = (terraform.locals ?? []).reduce((all, block) => ({ ...all, ...block }), {});
  const names = [...JSON.stringify(locals.pgexport_environment ?? '').matchAll(/PGEXPORT_[A-Z0-9_]+/g)].map((m) => m[0]);
  checkVariables('terraform/ecs.tf', names);
  const ecsTf = read('deploy/terraform/ecs.tf');
  check(/readonlyRootFilesystem\s*=\s*true/.test(ecsTf) && /user\s*=\s*"(\d+:\d+)"/.exec(ecsTf)?.[1] === imageUser &&
      /privileged\s*=\s*false/.test(ecsTf) && /drop = \["ALL"\]/.test(ecsTf),
    "terraform/ecs.tf: read-only root, the image's non-root user, not privileged, no capabilities");
  check(/stop_timeout_seconds >= var\.cleanup_timeout_seconds \+ 10/.test(ecsTf) &&
      terraform.variable?.stop_timeout_seconds?.[0]?.default >= terraform.variable?.cleanup_timeout_seconds?.[0]?.default + 10 &&
      terraform.variable?.stop_timeout_seconds?.[0]?.default <= 120,
    'terraform: stopTimeout is checked against the cleanup deadline, and its default fits it and Fargate');

  // Egress only: no ingress rule on the task's own security group.
  const ingress = Object.values(terraform.resource?.aws_vpc_security_group_ingress_rule ?? {}).flat();
  const groups = Object.values(terraform.resource?.aws_security_group ?? {}).flat();
  check(groups.length === 1 && !groups[0].ingress &&
      ingress.every((rule) => rule.security_group_id === '${var.database_security_group_id}'),
    "terraform: the task's security group has no ingress rule (the only ingress rule is the database's, from the task)");
  const egress = Object.values(terraform.resource?.aws_vpc_security_group_egress_rule ?? {}).flat();
  check(egress.length === 2 && egress.every((rule) => rule.security_group_id === '${aws_security_group.this.id}'),
    "terraform: the task's security group allows HTTPS and the database port out, nothing else");
  check(Boolean(terraform.resource?.aws_scheduler_schedule) &&
      JSON.stringify(terraform.resource.aws_scheduler_schedule).includes('"launch_type":"FARGATE"'),
    'terraform: EventBridge Scheduler runs the task on Fargate');
}

console.log(failures === 0 ? 'deploy checks: all passed' : `deploy checks: ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
