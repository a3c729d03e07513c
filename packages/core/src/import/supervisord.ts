// supervisord [program:x] sections -> ServiceSpecs (pure). Includes are resolved by the reader.
import type { IniEntry, IniSection } from './ini.ts';
import { splitWords } from './shellwords.ts';
import { dirName, importError, newSpec, parseSize, type ServiceSpec, shQuote } from './spec.ts';

/** A section with the file it came from (an [include] brings several files). */
export interface SourcedSection extends IniSection {
  readonly file: string;
  /** The directory of that file: %(here)s. */
  readonly here: string;
}

const PROGRAM_KEYS = new Set(['command', 'process_name', 'numprocs', 'numprocs_start', 'priority', 'autostart', 'startsecs', 'startretries',
  'autorestart', 'exitcodes', 'stopsignal', 'stopwaitsecs', 'stopasgroup', 'killasgroup', 'user', 'redirect_stderr',
  'stdout_logfile', 'stdout_logfile_maxbytes', 'stdout_logfile_backups', 'stdout_capture_maxbytes', 'stdout_events_enabled', 'stdout_syslog',
  'stderr_logfile', 'stderr_logfile_maxbytes', 'stderr_logfile_backups', 'stderr_capture_maxbytes', 'stderr_events_enabled', 'stderr_syslog',
  'environment', 'directory', 'umask', 'serverurl']);

/** Sections about supervisord itself: nothing to import, said once in the report. */
const DAEMON_SECTIONS = /^(supervisord|supervisorctl|unix_http_server|inet_http_server|include|rpcinterface:.*|group:.*|eventlistener:.*|fcgi-program:.*)$/;

export interface SupervisordResult {
  readonly services: ServiceSpec[];
  /** Whole sections that were not imported. */
  readonly notes: string[];
}

export function convertSupervisord(sections: readonly SourcedSection[]): SupervisordResult {
  const services: ServiceSpec[] = [];
  const notes: string[] = [];
  for (const sec of sections) {
    if (sec.name.startsWith('program:')) services.push(...program(sec));
    else if (DAEMON_SECTIONS.test(sec.name)) {
      if (sec.name !== 'include') notes.push(`${sec.file}:${sec.line}: [${sec.name}] configures supervisord itself: not imported`);
    } else throw importError(`${sec.file}:${sec.line}`, `unknown section [${sec.name}]`);
  }
  return { services, notes };
}

function program(sec: SourcedSection): ServiceSpec[] {
  const program = sec.name.slice('program:'.length);
  const keys = new Map<string, IniEntry>();
  for (const e of sec.entries) {
    if (!PROGRAM_KEYS.has(e.key)) throw importError(`${sec.file}:${e.line}`, `unknown key ${e.key} in [${sec.name}]`);
    keys.set(e.key, e);
  }
  if (!keys.has('command')) throw importError(`${sec.file}:${sec.line}`, `[${sec.name}] has no command`);
  const numprocs = int(keys.get('numprocs'), sec, 1);
  const start = int(keys.get('numprocs_start'), sec, 0);
  const nameTemplate = keys.get('process_name')?.value ?? '%(program_name)s';
  if (numprocs > 1 && !nameTemplate.includes('process_num')) throw importError(`${sec.file}:${keys.get('numprocs')?.line}`, `numprocs=${numprocs} needs a process_name with %(process_num)s`);
  const out: ServiceSpec[] = [];
  for (let n = start; n < start + numprocs; n++) {
    const vars = { program_name: program, process_num: String(n), group_name: program, here: sec.here, host_node_name: 'localhost' };
    const expand = (e: IniEntry, shell = false): string => expandVars(e, vars, sec.file, shell);
    const nameEntry = keys.get('process_name');
    const name = nameEntry ? expand(nameEntry) : program;
    const s = newSpec(dirName(name), `${sec.file}:${sec.line} [${sec.name}]${numprocs > 1 ? ` process ${n}` : ''}`);
    apply(s, keys, sec, expand);
    out.push(s);
  }
  return out;
}

function apply(s: ServiceSpec, keys: Map<string, IniEntry>, sec: SourcedSection, expand: (e: IniEntry, shell?: boolean) => string): void {
  const cmd = keys.get('command') as IniEntry;
  const words = splitWords(expand(cmd, true));
  if (typeof words === 'string') throw importError(`${sec.file}:${cmd.line}`, `command: ${words}`);
  if (words.length === 0) throw importError(`${sec.file}:${cmd.line}`, 'command is empty');
  // %(ENV_X)s became a marker: sh expands it when the service starts, as supervisord did at its start.
  s.words = words.map((w) => shQuote(w.text).replace(/\u0001([A-Za-z_][A-Za-z0-9_]*)\u0001/g, `'"\${$1}"'`).replace(/^''|''$/g, ''));
  const dir = keys.get('directory');
  if (dir) s.cwd = expand(dir);
  const user = keys.get('user');
  if (user) s.user = expand(user);
  const umask = keys.get('umask');
  if (umask) s.umask = umask.value;
  const env = keys.get('environment');
  if (env) Object.assign(s.env, parseEnvironment(expand(env), `${sec.file}:${env.line}`));
  if (bool(keys.get('autostart'), sec, true) === false) s.autostart = false;
  const restart = keys.get('autorestart')?.value.toLowerCase() ?? 'unexpected';
  if (restart === 'false') s.once = true;
  else if (restart === 'unexpected') s.policy['restart-never'] = (keys.get('exitcodes')?.value ?? '0').split(',').map((c) => c.trim()).join(' ');
  else if (restart !== 'true') throw importError(`${sec.file}:${keys.get('autorestart')?.line}`, `autorestart must be true, false or unexpected, not ${restart}`);
  const retries = int(keys.get('startretries'), sec, 3);
  const startsecs = int(keys.get('startsecs'), sec, 1);
  if (!s.once) {
    // supervisord: FATAL after startretries+1 starts that each died within startsecs, waiting 1, 2, 3... s between them.
    const n = retries + 1;
    s.policy['restart-giveup'] = `${n} ${n * startsecs + (n * (n + 1)) / 2}`;
    s.dropped.push({ key: `startsecs=${startsecs}, startretries=${retries}`, why: `approximated by restart-giveup "${s.policy['restart-giveup']}": any ${n} failures within that many seconds, not only exits within startsecs of a start` });
  }
  const sig = keys.get('stopsignal');
  if (sig && !/^(SIG)?TERM$/i.test(sig.value)) s.dropped.push({ key: `stopsignal=${sig.value}`, why: 'svkit stops a service with TERM and CONT, then KILL after timeout-kill' });
  const wait = keys.get('stopwaitsecs');
  if (wait) s.timeoutKillMs = int(wait, sec, 10) * 1000;
  for (const k of ['stopasgroup', 'killasgroup']) {
    const e = keys.get(k);
    if (e && bool(e, sec, false) === false) s.dropped.push({ key: `${k}=false`, why: 'svkit always signals the whole process group of the service' });
  }
  logs(s, keys, sec, expand);
  const prio = keys.get('priority');
  if (prio) s.dropped.push({ key: `priority=${prio.value}`, why: 'svscan starts every service at once; there is no start order' });
  for (const k of ['stdout_capture_maxbytes', 'stderr_capture_maxbytes', 'stdout_events_enabled', 'stderr_events_enabled', 'stdout_syslog', 'stderr_syslog', 'serverurl']) {
    const e = keys.get(k);
    if (e) s.dropped.push({ key: `${k}=${e.value}`, why: 'no svkit equivalent (supervisord event and syslog machinery)' });
  }
}

function logs(s: ServiceSpec, keys: Map<string, IniEntry>, sec: SourcedSection, expand: (e: IniEntry) => string): void {
  const out = keys.get('stdout_logfile');
  const target = out ? expand(out) : 'AUTO';
  const redirect = bool(keys.get('redirect_stderr'), sec, false);
  const err = keys.get('stderr_logfile');
  if (target === 'NONE') {
    s.discardOutput = true;
  } else if (target === '/dev/stdout' || target === '/dev/fd/1') {
    s.dropped.push({ key: `stdout_logfile=${target}`, why: 'output goes to svscan\'s own stdout, as it went to supervisord\'s' });
  } else {
    const size = parseSize(keys.get('stdout_logfile_maxbytes')?.value ?? '50MB') ?? 50 * 1024 * 1024;
    const count = int(keys.get('stdout_logfile_backups'), sec, 10);
    s.log = { size: size === 0 ? Number.MAX_SAFE_INTEGER : size, count: count + 1 };
    const where = target === 'AUTO' ? 'instead of supervisord\'s automatic log file' : 'not to that file';
    s.dropped.push({ key: `stdout_logfile=${target}`, why: `written by svscan's multilog engine to log/main (files of at most ${Math.min(size || 16777215, 16777215)} bytes, ${Math.max(2, count + 1)} kept), ${where}` });
  }
  if (redirect) s.stderrToLog = true;
  else if (err && target !== '/dev/stdout') {
    s.stderrToLog = true;
    s.dropped.push({ key: `stderr_logfile=${expand(err)}`, why: 'svkit keeps one log per service: stderr is written to the same log as stdout' });
  }
}

/** Expands %(name)s; with shell, %(ENV_X)s becomes a marker that the command turns into "${X}". */
function expandVars(e: IniEntry, vars: Record<string, string>, file: string, shell: boolean): string {
  return e.value.replace(/%\(([A-Za-z0-9_]+)\)([sd]|0?\d+d)/g, (all, name: string, fmt: string) => {
    if (name.startsWith('ENV_')) {
      const v = name.slice(4);
      if (shell) return `\u0001${v}\u0001`;
      const value = process.env[v];
      if (value === undefined) throw importError(`${file}:${e.line}`, `${all}: ${v} is not set in svimport's environment`);
      return value;
    }
    const value = vars[name];
    if (value === undefined) throw importError(`${file}:${e.line}`, `unknown expansion ${all}`);
    const width = /^0?(\d+)d$/.exec(fmt);
    return width ? value.padStart(Number(width[1]), fmt.startsWith('0') ? '0' : ' ') : value;
  }).replace(/%%/g, '%');
}

/** environment=A="1",B=two -> {A: '1', B: 'two'} (supervisord's KEY=value list, values may be quoted). */
export function parseEnvironment(text: string, where: string): Record<string, string> {
  const env: Record<string, string> = {};
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^,]*)\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < text.length && (m = re.exec(text)) !== null) {
    const raw = (m[2] ?? '').trim();
    env[m[1] ?? ''] = /^["']/.test(raw) ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    at = re.lastIndex;
    if (m[0] === '') break;
  }
  if (text.slice(at).trim() !== '') throw importError(where, `environment: cannot parse ${JSON.stringify(text.slice(at, at + 40))}`);
  return env;
}

function int(e: IniEntry | undefined, sec: SourcedSection, dflt: number): number {
  if (e === undefined) return dflt;
  if (!/^\d+$/.test(e.value)) throw importError(`${sec.file}:${e.line}`, `${e.key} must be a whole number, not ${e.value}`);
  return Number(e.value);
}

function bool(e: IniEntry | undefined, sec: SourcedSection, dflt: boolean): boolean {
  if (e === undefined) return dflt;
  const v = e.value.toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(v)) return true;
  if (['false', 'no', 'off', '0'].includes(v)) return false;
  throw importError(`${sec.file}:${e.line}`, `${e.key} must be true or false, not ${e.value}`);
}
