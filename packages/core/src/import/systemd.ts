// systemd .service units -> a ServiceSpec (pure). Specifiers are resolved from the unit's name.
import type { IniEntry, IniSection } from './ini.ts';
import { splitWords } from './shellwords.ts';
import { dirName, importError, newSpec, parseSize, type ServiceSpec, shQuote } from './spec.ts';

export interface UnitContext {
  readonly file: string;
  /** The unit's file name: foo.service, foo@bar.service (an instance), foo@.service (a template). */
  readonly unit: string;
  /** Home directory of a user, for %h (undefined: unknown). */
  readonly homeOf: (user: string) => string | undefined;
}

const ULIMITS: Record<string, string> = { LimitNOFILE: 'n', LimitCORE: 'c', LimitSTACK: 's', LimitDATA: 'd', LimitFSIZE: 'f', LimitAS: 'v', LimitCPU: 't', LimitMEMLOCK: 'l' };
const ORDER_KEYS = /^(After|Before|Wants|Requires|Requisite|BindsTo|PartOf|Upholds|Conflicts|OnFailure|OnSuccess|StartLimitAction|ConditionPathExists|ConditionPathIsDirectory|AssertPathExists|Documentation|DefaultDependencies)$/;

export function convertUnit(sections: readonly IniSection[], ctx: UnitContext): { services: ServiceSpec[]; notes: string[] } {
  const m = /^(.+?)(?:@(.*))?\.service$/.exec(ctx.unit);
  if (!m) throw importError(ctx.file, 'a systemd unit must be named NAME.service');
  const prefix = m[1] ?? '';
  const instance = m[2];
  const notes: string[] = [];
  const s = newSpec(dirName(instance ? `${prefix}@${instance}` : prefix), ctx.file);
  const entries = new Map<string, IniEntry[]>();
  let service: IniSection | undefined;
  for (const sec of sections) {
    if (sec.name === 'Service') service = sec;
    else if (sec.name === 'Install') notes.push(`${ctx.file}:${sec.line}: [Install] (enabling): a service dir in the scan dir is enabled; not imported`);
    else if (sec.name !== 'Unit') notes.push(`${ctx.file}:${sec.line}: [${sec.name}]: not a service section; not imported`);
    if (sec.name === 'Unit' || sec.name === 'Service') for (const e of sec.entries) entries.set(e.key, [...(entries.get(e.key) ?? []), e]);
  }
  if (service === undefined) throw importError(ctx.file, 'no [Service] section');
  const user = last(entries.get('User'))?.value;
  const spec = (e: IniEntry): string => specifiers(e, { prefix, instance, unit: ctx.unit, user, ctx });
  s.origin = `${ctx.file}:${service.line} [Service]`;
  const handled = new Set<string>();
  const take = (k: string): IniEntry[] => { handled.add(k); return entries.get(k) ?? []; };

  const desc = last(take('Description'));
  if (desc) s.origin += ` (${desc.value})`;
  const type = last(take('Type'))?.value ?? 'simple';
  const starts = take('ExecStart').filter((e) => e.value !== '');
  if (starts.length === 0) throw importError(`${ctx.file}:${service.line}`, 'no ExecStart= in [Service]');
  if (starts.length > 1 && type !== 'oneshot') throw importError(`${ctx.file}:${starts[1]?.line}`, 'more than one ExecStart= (only Type=oneshot allows that)');
  const start = starts[0] as IniEntry;
  s.words = command(start, spec, s, ctx.file);
  for (const e of starts.slice(1)) s.dropped.push({ key: `ExecStart=${e.value}`, why: 'only the first command of a oneshot unit is run' });
  for (const e of take('ExecStartPre')) s.pre.push(command(e, spec, s, ctx.file));
  if (type === 'forking') s.dropped.push({ key: 'Type=forking', why: 'svkit supervises a process that stays in the foreground: start the daemon with its no-fork option' });
  else if (type === 'notify' || type === 'notify-reload') s.dropped.push({ key: `Type=${type}`, why: 'sd_notify readiness is not imported (see notification-fd)' });
  else if (type === 'oneshot') s.once = true;
  else if (type !== 'simple' && type !== 'exec') s.dropped.push({ key: `Type=${type}`, why: 'run as Type=simple' });

  const wd = last(take('WorkingDirectory'));
  if (wd) {
    const dir = spec(wd).replace(/^-/, '');
    if (dir === '~') {
      const home = user ? ctx.homeOf(user) : undefined;
      if (home === undefined) throw importError(`${ctx.file}:${wd.line}`, 'WorkingDirectory=~ needs a User= with a known home');
      s.cwd = home;
    } else s.cwd = dir;
  }
  for (const e of take('Environment')) {
    const words = splitWords(spec(e));
    if (typeof words === 'string') throw importError(`${ctx.file}:${e.line}`, `Environment: ${words}`);
    for (const w of words) {
      const eq = w.text.indexOf('=');
      if (eq <= 0) throw importError(`${ctx.file}:${e.line}`, `Environment: not a NAME=value assignment: ${w.text}`);
      s.env[w.text.slice(0, eq)] = w.text.slice(eq + 1);
    }
  }
  for (const e of take('EnvironmentFile')) {
    const path = spec(e);
    s.envFiles.push({ path: path.replace(/^-/, ''), optional: path.startsWith('-') });
  }
  if (user) s.user = user;
  handled.add('User');
  const group = last(take('Group'));
  if (group) s.group = group.value;
  const umask = last(take('UMask'));
  if (umask) s.umask = umask.value;
  for (const [key, flag] of Object.entries(ULIMITS)) {
    const e = last(take(key));
    if (e) s.ulimits.push([flag, limitValue(e, ctx.file)]);
  }
  restart(s, take, ctx.file);
  const stop = last(take('TimeoutStopSec')) ?? last(take('TimeoutSec'));
  if (stop) {
    const ms = seconds(stop, ctx.file) * 1000;
    if (Number.isFinite(ms)) s.timeoutKillMs = ms;
    else s.dropped.push({ key: `${stop.key}=${stop.value}`, why: 'svkit always sends KILL after timeout-kill' });
  }
  const sig = last(take('KillSignal'));
  if (sig && !/^(SIG)?TERM$/.test(sig.value)) s.dropped.push({ key: `KillSignal=${sig.value}`, why: 'svkit stops a service with TERM and CONT, then KILL after timeout-kill' });
  const mode = last(take('KillMode'));
  if (mode && mode.value !== 'control-group' && mode.value !== 'mixed') s.dropped.push({ key: `KillMode=${mode.value}`, why: 'svkit always signals the whole process group' });
  const mem = last(take('MemoryMax')) ?? last(take('MemoryLimit'));
  if (mem) {
    const bytes = parseSize(mem.value);
    if (bytes === undefined) s.dropped.push({ key: `${mem.key}=${mem.value}`, why: 'not a size svimport reads' });
    else s.policy['limit-memory'] = String(bytes);
  }
  output(s, take);
  for (const [key, list] of entries) {
    if (handled.has(key)) continue;
    for (const e of list) s.dropped.push({ key: `${key}=${e.value}`, why: ORDER_KEYS.test(key) ? 'svscan starts every service at once: no dependencies or ordering' : 'not supported by svkit (sandboxing, accounting and other systemd features are not applied)' });
  }
  return { services: [s], notes };
}

function restart(s: ServiceSpec, take: (k: string) => IniEntry[], file: string): void {
  const r = last(take('Restart'))?.value ?? 'no';
  if (r === 'no') s.once = true;
  else if (r === 'on-failure' || r === 'on-abnormal' || r === 'on-abort' || r === 'on-watchdog') {
    const ok = last(take('SuccessExitStatus'))?.value.split(/\s+/).filter((c) => /^\d+$/.test(c)) ?? [];
    s.policy['restart-never'] = ['0', ...ok].join(' ');
    if (r !== 'on-failure') s.dropped.push({ key: `Restart=${r}`, why: 'imported as on-failure: not restarted after exit 0 (restart-never)' });
  } else if (r === 'on-success') {
    s.dropped.push({ key: 'Restart=on-success', why: 'imported as always' });
  } else if (r !== 'always') throw importError(file, `Restart=${r}: unknown value`);
  const sec = last(take('RestartSec'));
  if (sec && !s.once) {
    const t = seconds(sec, file);
    s.policy['restart-backoff'] = `${t} ${t}`;
  }
  const burst = last(take('StartLimitBurst'));
  const interval = last(take('StartLimitIntervalSec')) ?? last(take('StartLimitInterval'));
  if (burst && !s.once) s.policy['restart-giveup'] = `${burst.value} ${interval ? seconds(interval, file) : 10}`;
}

function output(s: ServiceSpec, take: (k: string) => IniEntry[]): void {
  const out = last(take('StandardOutput'))?.value ?? 'journal';
  const err = last(take('StandardError'))?.value ?? 'inherit';
  if (out === 'null') s.discardOutput = true;
  else if (out === 'inherit' || out === 'tty') s.dropped.push({ key: `StandardOutput=${out}`, why: 'output goes to svscan\'s own stdout' });
  else {
    s.log = { size: 1_000_000, count: 10 };
    s.dropped.push({ key: `StandardOutput=${out}`, why: 'written by svscan\'s multilog engine to log/main instead (no journal)' });
  }
  if (err === 'inherit' || err === 'journal' || err === 'syslog') s.stderrToLog = s.log !== undefined;
  else if (err !== 'null') s.dropped.push({ key: `StandardError=${err}`, why: 'stderr goes where stdout goes' });
}

/** An Exec*= line as sh words: prefixes handled, $VAR split like systemd, ${VAR} kept whole. */
function command(e: IniEntry, spec: (e: IniEntry) => string, s: ServiceSpec, file: string): string[] {
  let text = spec(e);
  const pre = /^[-@:+!]+/.exec(text)?.[0] ?? '';
  text = text.slice(pre.length);
  if (pre.includes('-')) s.dropped.push({ key: `${e.key}=-...`, why: 'a failure of this command is not ignored' });
  if (pre.replace('-', '') !== '') s.dropped.push({ key: `${e.key} prefix ${pre}`, why: 'privilege and argv0 prefixes are not applied' });
  const words = splitWords(text);
  if (typeof words === 'string') throw importError(`${file}:${e.line}`, `${e.key}: ${words}`);
  if (words.length === 0) throw importError(`${file}:${e.line}`, `${e.key}: empty command`);
  return words.map((w) => {
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(w.text);
    if (whole && !w.quoted) return `$${whole[1]}`; // systemd splits an unquoted $VAR into words, like sh
    return shQuote(w.text).replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, `'"\${$1}"'`).replace(/^''|''$/g, '');
  });
}

interface SpecVars { prefix: string; instance: string | undefined; unit: string; user: string | undefined; ctx: UnitContext }

/** Resolves systemd's %-specifiers; one svimport cannot resolve is an error naming FILE:LINE. */
function specifiers(e: IniEntry, v: SpecVars): string {
  return e.value.replace(/%(.)/g, (all, c: string) => {
    const where = `${v.ctx.file}:${e.line}`;
    switch (c) {
      case '%': return '%';
      case 'n': return v.unit;
      case 'N': return v.unit.replace(/\.service$/, '');
      case 'p': case 'P': return v.prefix;
      case 'i': case 'I':
        if (v.instance === undefined || v.instance === '') throw importError(where, `cannot resolve ${all}: ${v.unit} is ${v.instance === '' ? 'a template: import an instance, named like NAME@INSTANCE.service' : 'not a template instance'}`);
        return v.instance;
      case 'u': return v.user ?? 'root';
      case 'h': {
        const home = v.ctx.homeOf(v.user ?? 'root');
        if (home === undefined) throw importError(where, `cannot resolve %h: no home directory known for ${v.user ?? 'root'}`);
        return home;
      }
      case 't': return '/run';
      case 'S': return '/var/lib';
      case 'C': return '/var/cache';
      case 'L': return '/var/log';
      case 'E': return '/etc';
      case 'T': return '/tmp';
      default: throw importError(where, `cannot resolve specifier ${all}`);
    }
  });
}

function limitValue(e: IniEntry, file: string): string {
  const soft = e.value.split(':')[0] ?? '';
  if (soft === 'infinity') return 'unlimited';
  const n = e.key === 'LimitCPU' ? String(seconds(e, file)) : String(parseSize(soft) ?? NaN);
  if (n === 'NaN') throw importError(`${file}:${e.line}`, `${e.key}=${e.value}: not a number`);
  // ulimit counts -c -s -d -f -v -l in KiB.
  return ['c', 's', 'd', 'f', 'v', 'l'].includes(ULIMITS[e.key] ?? '') ? String(Math.ceil(Number(n) / 1024)) : n;
}

/** systemd time spans: "90", "1min 30s", "500ms", "infinity" (Infinity). */
function seconds(e: IniEntry, file: string): number {
  if (e.value === 'infinity') return Infinity;
  let total = 0;
  const re = /(\d+(?:\.\d+)?)\s*(min|ms|us|sec|s|hr|h|d|m)?\s*/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = re.exec(e.value)) !== null && m[0] !== '') {
    total += Number(m[1]) * ({ us: 1e-6, ms: 1e-3, s: 1, sec: 1, m: 60, min: 60, h: 3600, hr: 3600, d: 86400 }[m[2] ?? 's'] ?? 1);
    at = re.lastIndex;
  }
  if (at !== e.value.length || e.value === '') throw importError(`${file}:${e.line}`, `${e.key}=${e.value}: not a time span`);
  return total;
}

function last<T>(list: T[] | undefined): T | undefined {
  return list === undefined ? undefined : list[list.length - 1];
}
