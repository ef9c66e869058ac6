// docs/configuration.md against `--help`, run by configuration_doc_test.sh:
//
//   node check_configuration_doc.mjs PGEXPORT_BIN docs/configuration.md
//
// For every command the page documents, the options `pgexport <command> --help` lists (name,
// environment variable, default) must be exactly those of the command's section plus the
// shared groups it says it takes; and every command --help lists must be documented.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const [binary, docPath] = process.argv.slice(2);
const doc = readFileSync(docPath, 'utf8');
let failures = 0;
const report = (good, message) => {
  if (!good) failures++;
  console.log(`${good ? 'ok' : 'FAIL'}: ${message}`);
};

// "## Title" → its text, up to the next "## ".
const sections = new Map();
for (const part of doc.split(/^## /m).slice(1)) {
  const newline = part.indexOf('\n');
  sections.set(part.slice(0, newline).trim(), part.slice(newline + 1));
}
const anchors = new Map([...sections.keys()].map((title) => [title.toLowerCase().replaceAll(' ', '-'), title]));

// Table rows of a section: option name → { env, default }.
function documentedOptions(text) {
  const options = new Map();
  for (const match of text.matchAll(/^\| `--([a-z0-9-]+)`[^|]*\| `(PGEXPORT_[A-Z0-9_]+)` \| ([^|]+) \|/gm)) {
    const value = match[3].trim();
    options.set(match[1], { env: match[2], default: value === 'none' ? '' : value.replaceAll('`', '') });
  }
  return options;
}

// What --help prints: "  --name TYPE=default (Env:PGEXPORT_NAME)"; flags have no TYPE.
function helpOptions(command) {
  const help = execFileSync(binary, [...command.split(' '), '--help'], { encoding: 'utf8' });
  const options = new Map();
  for (const match of help.matchAll(/^ {2}--([a-z0-9-]+)(?: [A-Z]+(?:=(\S+))?(?: \.\.\.)?)? \(Env:(PGEXPORT_[A-Z0-9_]+)\)/gm)) {
    options.set(match[1], { env: match[3], default: match[2] ?? '' });
  }
  return options;
}

const commands = [...sections.keys()].filter((title) => title.startsWith('pgexport ')).map((t) => t.slice(9));
report(commands.length >= 9, `docs/configuration.md documents ${commands.length} commands: ${commands.join(', ')}`);

for (const command of commands) {
  const text = sections.get(`pgexport ${command}`);
  const documented = documentedOptions(text);
  const takes = text.match(/^Takes the options of: (.*)\.$/m)?.[1] ?? '';
  for (const [, anchor] of takes.matchAll(/\]\(#([a-z-]+)\)/g)) {
    const group = anchors.get(anchor);
    if (!group) {
      report(false, `${command}: takes an unknown group #${anchor}`);
      continue;
    }
    for (const [name, option] of documentedOptions(sections.get(group))) documented.set(name, option);
  }
  const listed = helpOptions(command);
  const missing = [...listed.keys()].filter((name) => !documented.has(name));
  const extra = [...documented.keys()].filter((name) => !listed.has(name));
  const differing = [...listed].filter(([name, option]) => {
    const mine = documented.get(name);
    if (!mine) return false;
    // Flags show no default in --help; the page says false.
    return mine.env !== option.env || (option.default !== '' && mine.default !== option.default);
  }).map(([name]) => name);
  report(listed.size > 0 && missing.length === 0 && extra.length === 0 && differing.length === 0,
    `${command}: the ${listed.size} options of --help are the page's, with the same variables and defaults` +
      (missing.length ? `; undocumented: ${missing.join(', ')}` : '') +
      (extra.length ? `; not in --help: ${extra.join(', ')}` : '') +
      (differing.length ? `; differing: ${differing.join(', ')}` : ''));
}

// Every command --help offers is documented (the hidden `options` command is not offered).
const subcommands = (args) => {
  const help = execFileSync(binary, [...args, '--help'], { encoding: 'utf8' });
  const list = help.slice(help.indexOf('Subcommands:'));
  return [...list.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]);
};
const offered = subcommands([]).flatMap((name) => (name === 'cdc' ? subcommands(['cdc']).map((sub) => `cdc ${sub}`) : [name]));
const undocumented = offered.filter((command) => !commands.includes(command));
report(offered.length >= 9 && undocumented.length === 0,
  `every command of --help (${offered.length}) is documented` + (undocumented.length ? `; missing: ${undocumented.join(', ')}` : ''));

console.log(failures === 0 ? 'configuration doc: all passed' : `configuration doc: ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
