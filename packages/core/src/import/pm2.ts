// PM2 ecosystem files (the object a .json, .yaml or .js file gives) -> ServiceSpecs (pure).
import { splitWords } from './shellwords.ts';
import { dirName, importError, newSpec, parseSize, type ServiceSpec, shQuote } from './spec.ts';

export interface Pm2Context {
  /** The ecosystem file (for messages) and its directory (PM2 resolves paths from there). */
  readonly file: string;
  readonly dir: string;
  /** What `instances: "max"` becomes (the CPU count of the importing machine). */
  readonly cpus: number;
}

/** Keys svimport turns into files. */
const MAPPED = new Set(['name', 'script', 'args', 'interpreter', 'interpreter_args', 'node_args', 'cwd', 'env', 'instances', 'exec_mode',
  'max_memory_restart', 'exp_backoff_restart_delay', 'restart_delay', 'autorestart', 'kill_timeout', 'watch', 'ignore_watch',
  'out_file', 'error_file', 'log_file', 'merge_logs', 'combine_logs', 'user', 'uid', 'gid', 'max_restarts', 'min_uptime', 'instance_var', 'time', 'log_date_format']);
/** PM2 keys svkit has no equivalent for: reported. */
const UNSUPPORTED: Record<string, string> = {
  cron_restart: 'no scheduled restarts in svkit (run svc -t from cron)',
  listen_timeout: 'no readiness timeout in the import (see notification-fd, timeout-ready)',
  wait_ready: 'PM2\'s process.send("ready") has no svkit equivalent (see notification-fd)',
  shutdown_with_message: 'svkit stops with signals only',
  pid_file: 'the pid is in supervise/pid',
  source_map_support: 'a Node option PM2 sets', vizion: 'PM2 metadata', automation: 'PM2 metadata', pmx: 'PM2 metadata',
  treekill: 'svkit always signals the whole process group', force: 'PM2 CLI behaviour', namespace: 'PM2 grouping',
  append_env_to_name: 'PM2 naming', increment_var: 'PM2 cluster variable', port: 'PM2 sets PORT: set env.PORT instead',
  post_update: 'PM2 deploy hook', env_file: 'PM2 reads it; put its variables in env', filter_env: 'PM2 env filtering',
  disable_logs: 'replaced by svkit logging', stop_exit_codes: 'use restart-never'
};

const camelToSnake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const ALIASES: Record<string, string> = { exec_interpreter: 'interpreter', err_file: 'error_file', error: 'error_file', output: 'out_file', ignore_watch: 'ignore_watch' };

export function convertPm2(config: unknown, ctx: Pm2Context): { services: ServiceSpec[]; notes: string[] } {
  const notes: string[] = [];
  let apps: unknown;
  if (Array.isArray(config)) apps = config;
  else if (isObject(config) && 'apps' in config) {
    apps = config['apps'];
    for (const k of Object.keys(config)) if (k !== 'apps') notes.push(`${ctx.file}: top-level ${k} (PM2 ${k === 'deploy' ? 'deployment' : 'setting'}): not imported`);
  } else if (isObject(config)) apps = [config];
  if (!Array.isArray(apps) || apps.length === 0) throw importError(ctx.file, 'no apps: expected { apps: [...] }, an array of apps or one app');
  const services: ServiceSpec[] = [];
  apps.forEach((app, i) => services.push(...convertApp(app, i, ctx)));
  return { services, notes };
}

function convertApp(raw: unknown, index: number, ctx: Pm2Context): ServiceSpec[] {
  const where = `${ctx.file}: apps[${index}]`;
  if (!isObject(raw)) throw importError(where, 'an app must be an object');
  const app: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const key = ALIASES[camelToSnake(k)] ?? camelToSnake(k);
    app[key] = v;
  }
  const script = app['script'];
  if (typeof script !== 'string' || script === '') throw importError(where, 'no script');
  const name = typeof app['name'] === 'string' ? app['name'] : script.replace(/^.*\//, '').replace(/\.[^.]*$/, '');
  const dropped: { key: string; why: string }[] = [];
  for (const k of Object.keys(app)) {
    if (MAPPED.has(k)) continue;
    if (k.startsWith('env_')) dropped.push({ key: k, why: `PM2 applies it only with --env ${k.slice(4)}: not imported (copy its variables into env/ if wanted)` });
    else if (k in UNSUPPORTED) dropped.push({ key: k, why: UNSUPPORTED[k] ?? '' });
    else throw importError(`${where} (${name})`, `unknown key ${k}`);
  }
  const count = instances(app['instances'], ctx, `${where} (${name})`);
  const out: ServiceSpec[] = [];
  for (let i = 0; i < count; i++) {
    const s = newSpec(dirName(count > 1 ? `${name}-${i}` : name), `${where} (${name})${count > 1 ? ` instance ${i}` : ''}`);
    s.dropped.push(...dropped);
    apply(s, app, ctx, `${where} (${name})`);
    if (count > 1 || app['instances'] !== undefined) s.env[typeof app['instance_var'] === 'string' ? app['instance_var'] : 'NODE_APP_INSTANCE'] = String(i);
    if (i === 0 && String(app['exec_mode'] ?? 'fork').startsWith('cluster')) s.dropped.push({ key: `exec_mode=${String(app['exec_mode'])}`, why: `svkit runs ${count} separate process(es), one service dir each; they do not share a listening port unless the app uses SO_REUSEPORT` });
    out.push(s);
  }
  return out;
}

function apply(s: ServiceSpec, app: Record<string, unknown>, ctx: Pm2Context, where: string): void {
  const script = String(app['script']);
  const cwd = typeof app['cwd'] === 'string' ? resolve(ctx.dir, app['cwd']) : ctx.dir;
  s.cwd = cwd;
  const interp = app['interpreter'] === undefined ? defaultInterpreter(script) : String(app['interpreter']);
  const words: string[] = [];
  if (interp !== 'none' && interp !== '') words.push(interp, ...argList(app['interpreter_args'] ?? app['node_args'], where, 'node_args'));
  // PM2 runs a bare name like "npm" from the PATH, a path relative to cwd.
  words.push(interp === 'none' && !script.includes('/') ? script : resolve(cwd, script));
  words.push(...argList(app['args'], where, 'args'));
  s.words = words.map(shQuote);
  const env = app['env'];
  if (env !== undefined) {
    if (!isObject(env)) throw importError(where, 'env must be an object');
    for (const [k, v] of Object.entries(env)) s.env[k] = String(v);
  }
  const user = app['user'] ?? app['uid'];
  if (user !== undefined) s.user = String(user);
  if (app['gid'] !== undefined) s.group = String(app['gid']);
  if (app['autorestart'] === false) s.once = true;
  const mem = app['max_memory_restart'];
  if (mem !== undefined) {
    const bytes = parseSize(String(mem));
    if (bytes === undefined) throw importError(where, `max_memory_restart: not a size: ${String(mem)}`);
    s.policy['limit-memory'] = String(bytes);
  }
  const exp = app['exp_backoff_restart_delay'];
  const delay = app['restart_delay'];
  if (typeof exp === 'number') s.policy['restart-backoff'] = `${exp / 1000} 15`;
  else if (typeof delay === 'number') s.policy['restart-backoff'] = `${delay / 1000} ${delay / 1000}`;
  if (typeof exp === 'number' && typeof delay === 'number') s.dropped.push({ key: `restart_delay=${delay}`, why: 'exp_backoff_restart_delay wins' });
  const max = app['max_restarts'];
  if (typeof max === 'number' && max > 0) {
    const up = msOf(app['min_uptime'] ?? 1000) / 1000;
    s.policy['restart-giveup'] = `${max + 1} ${Math.ceil((max + 1) * (up + 1))}`;
    s.dropped.push({ key: `max_restarts=${max}`, why: `approximated by restart-giveup "${s.policy['restart-giveup']}": PM2 counts restarts that ran less than min_uptime` });
  }
  if (app['kill_timeout'] !== undefined) s.timeoutKillMs = msOf(app['kill_timeout']);
  watch(s, app);
  // PM2 keeps a log per app by default: out and error files, merged here into one multilog dir.
  s.log = { size: 10 * 1024 * 1024, count: 10 };
  s.stderrToLog = true;
  for (const k of ['out_file', 'error_file', 'log_file']) if (app[k] !== undefined) s.dropped.push({ key: `${k}=${String(app[k])}`, why: 'stdout and stderr are written together by svscan\'s multilog engine to log/main' });
  if (app['log_date_format'] !== undefined || app['time'] !== undefined) s.dropped.push({ key: 'log_date_format/time', why: 'every log line gets a TAI64N stamp (tai64nlocal prints it as local time)' });
}

function watch(s: ServiceSpec, app: Record<string, unknown>): void {
  const w = app['watch'];
  if (w === undefined || w === false) {
    if (app['ignore_watch'] !== undefined) s.dropped.push({ key: 'ignore_watch', why: 'nothing is watched (watch is off)' });
    return;
  }
  // The watch file's patterns are relative to the service dir: PM2's are relative to cwd.
  const cwd = s.cwd ?? '/';
  const patterns = Array.isArray(w) ? w.map((p) => resolve(cwd, String(p))) : [cwd];
  if (typeof w === 'string' && w !== 'true') s.dropped.push({ key: `watch=${w}`, why: 'a string that PM2 treats as true: the whole cwd is watched' });
  const ignores = Array.isArray(app['ignore_watch']) ? app['ignore_watch'].map((p) => `!${resolve(cwd, String(p))}`) : [];
  s.policy['watch'] = [...patterns, ...ignores].join('\n');
}

function instances(v: unknown, ctx: Pm2Context, where: string): number {
  if (v === undefined) return 1;
  if (v === 'max' || v === -1 || v === '-1' || v === 0) return ctx.cpus;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw importError(where, `instances must be a number or "max", not ${String(v)}`);
  return n;
}

function argList(v: unknown, where: string, key: string): string[] {
  if (v === undefined) return [];
  if (Array.isArray(v)) return v.map(String);
  const words = splitWords(String(v));
  if (typeof words === 'string') throw importError(where, `${key}: ${words}`);
  return words.map((w) => w.text);
}

function defaultInterpreter(script: string): string {
  if (/\.(c|m)?js$/.test(script)) return 'node';
  if (/\.py$/.test(script)) return 'python3';
  if (/\.sh$/.test(script)) return 'bash';
  if (/\.rb$/.test(script)) return 'ruby';
  if (/\.php$/.test(script)) return 'php';
  return 'none';
}

/** PM2 durations: a number of ms, or "10s", "1m", "500ms", "1h". */
function msOf(v: unknown): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(v));
  if (!m) return 1000;
  return Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 'ms'] ?? 1);
}

function resolve(dir: string, p: string): string {
  if (p.startsWith('/')) return p;
  const parts = `${dir}/${p}`.split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return '/' + out.join('/');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
