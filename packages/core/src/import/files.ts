// A ServiceSpec as the files of a service dir (pure): run, env/, down, timeout-kill, log/,
// and the policy files of the health issue.
import { MAX_SIZE } from '../log/script.ts';
import { type ServiceSpec, shQuote } from './spec.ts';

export interface PlannedFile {
  readonly content: string;
  readonly mode: number;
}

/** Relative path -> file, in the order they are listed in the report. */
export type ServiceFiles = Map<string, PlannedFile>;

function runScript(s: ServiceSpec): string {
  const lines = ['#!/bin/sh', `# Imported by svimport from ${s.origin}.`];
  if (s.once) {
    lines.push(
      '# Run once, not restarted when it exits (the source said so): tell the supervisor, and wait until',
      "# it has taken it (byte 17 of supervise/status, want, leaves 'u'), so that even a quick exit stays down.",
      '# (On a first start the supervisor makes its FIFOs just after starting run: wait for them.)',
      'i=0; until [ -p supervise/control ] || [ $i -ge 100 ]; do sleep 0.05; i=$((i+1)); done',
      '[ -p supervise/control ] && printf o > supervise/control',
      'i=0; while [ "$(od -An -j17 -N1 -tu1 supervise/status 2>/dev/null | tr -d \' \')" = 117 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done',
    );
  }
  if (s.discardOutput) lines.push('exec >/dev/null 2>&1');
  else if (s.stderrToLog) lines.push('exec 2>&1');
  if (s.umask !== undefined) lines.push(`umask ${s.umask}`);
  for (const [flag, value] of s.ulimits) lines.push(`ulimit -${flag} ${value} || exit 111`);
  if (s.cwd !== undefined) lines.push(`cd ${shQuote(s.cwd)} || exit 111`);
  for (const f of s.envFiles) {
    const q = shQuote(f.path);
    lines.push(f.optional ? `if [ -r ${q} ]; then set -a; . ${q}; set +a; fi` : `set -a; . ${q} || exit 111; set +a`);
  }
  // Without a group, the user's own (supervisord and systemd do the same), looked up at start.
  const gid = s.group !== undefined ? shQuote(s.group) : `"$(id -g ${shQuote(s.user ?? '')})"`;
  const asUser = s.user === undefined ? [] : ['setpriv', `--reuid=${shQuote(s.user)}`, `--regid=${gid}`, '--init-groups', '--'];
  for (const pre of s.pre) lines.push(`${[...asUser, ...pre].join(' ')} || exit 111`);
  lines.push(`exec ${[...asUser, ...s.words].join(' ')}`);
  return lines.join('\n') + '\n';
}

/** envdir's format: the value on the first line, a newline in it written as NUL. */
function envValue(v: string): string {
  return v.replaceAll('\n', '\0') + '\n';
}

export function serviceFiles(s: ServiceSpec): ServiceFiles {
  const files: ServiceFiles = new Map();
  files.set('run', { content: runScript(s), mode: 0o755 });
  for (const [k, v] of Object.entries(s.env).sort()) files.set(`env/${k}`, { content: envValue(v), mode: 0o644 });
  if (!s.autostart) files.set('down', { content: '', mode: 0o644 });
  if (s.timeoutKillMs !== undefined) files.set('timeout-kill', { content: `${s.timeoutKillMs}\n`, mode: 0o644 });
  for (const [k, v] of Object.entries(s.policy).sort()) files.set(k, { content: `${v}\n`, mode: 0o644 });
  if (s.log !== undefined) {
    const size = Math.min(MAX_SIZE, Math.max(4096, s.log.size));
    const count = Math.max(2, s.log.count);
    const script = `# Imported by svimport: timestamped lines, files of at most ${size} bytes, ${count} kept, in ./main.\nt\ns${size}\nn${count}\n./main\n`;
    files.set('log/multilog', { content: script, mode: 0o644 });
  }
  return files;
}
