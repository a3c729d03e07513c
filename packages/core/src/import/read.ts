// The thin reading side of svimport: files, [include] globs, PM2 .js files (in a child
// process with a timeout, never evaluated in svimport itself), YAML and JSON; then the
// pure converters. Returns every service of every FILE, or throws naming FILE[:LINE].
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseIni } from './ini.ts';
import { convertPm2 } from './pm2.ts';
import { importError, type ServiceSpec } from './spec.ts';
import { convertSupervisord, type SourcedSection } from './supervisord.ts';
import { convertUnit } from './systemd.ts';

export type SourceKind = 'supervisord' | 'pm2' | 'systemd';

export interface ReadResult {
  readonly kind: SourceKind;
  readonly file: string;
  readonly services: ServiceSpec[];
  readonly notes: string[];
}

const MAX_FILE = 1 << 20;
const JS_TIMEOUT_MS = 10_000;

/** Tells a file's kind from its name, then from its content. */
export function detectKind(file: string, text: string): SourceKind {
  if (/\.service$/.test(file)) return 'systemd';
  if (/\.(json|ya?ml|c?js|mjs)$/.test(file)) return 'pm2';
  if (/\.(conf|ini)$/.test(file) || /^\s*\[program:/m.test(text)) return 'supervisord';
  if (/^\s*\[Service\]/m.test(text)) return 'systemd';
  throw importError(file, 'cannot tell what it is: name it *.conf (supervisord), *.json/*.yaml/*.js (PM2) or *.service (systemd)');
}

function readText(file: string): string {
  try {
    const st = statSync(file);
    if (!st.isFile()) throw importError(file, 'not a regular file');
    if (st.size > MAX_FILE) throw importError(file, `larger than ${MAX_FILE} bytes`);
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as { kind?: string }).kind) throw err;
    throw importError(file, (err as { code?: string }).code === 'ENOENT' ? 'file does not exist' : String((err as Error).message));
  }
}

export async function readSource(file: string): Promise<ReadResult> {
  const text = readText(file);
  const kind = detectKind(file, text);
  if (kind === 'systemd') {
    const sections = parseIni(text, file, { supervisord: false });
    return { kind, file, ...convertUnit(sections, { file, unit: basename(file), homeOf }) };
  }
  if (kind === 'supervisord') return { kind, file, ...convertSupervisord(readSupervisord(file, text, new Set())) };
  const config = await loadPm2(file, text);
  return { kind, file, ...convertPm2(config, { file, dir: dirname(resolve(file)), cpus: cpus().length }) };
}

/** The file's sections followed by those of its [include] files (files = glob...). */
function readSupervisord(file: string, text: string, seen: Set<string>): SourcedSection[] {
  const abs = resolve(file);
  if (seen.has(abs)) throw importError(file, 'includes itself');
  seen.add(abs);
  const here = dirname(abs);
  const out: SourcedSection[] = [];
  for (const sec of parseIni(text, file, { supervisord: true })) {
    out.push({ ...sec, file, here });
    if (sec.name !== 'include') continue;
    const files = sec.entries.find((e) => e.key === 'files');
    if (!files) throw importError(`${file}:${sec.line}`, '[include] has no files =');
    for (const pattern of files.value.split(/\s+/).filter(Boolean)) {
      const matches = glob(resolve(here, pattern.replace(/%\(here\)s/g, here)));
      if (matches.length === 0) throw importError(`${file}:${files.line}`, `include pattern ${pattern} matches nothing`);
      for (const m of matches) out.push(...readSupervisord(m, readText(m), seen));
    }
  }
  return out;
}

/** supervisord's include globs: * ? [..] in the last component only. */
function glob(pattern: string): string[] {
  const dir = dirname(pattern);
  const base = basename(pattern);
  if (!/[*?[]/.test(base)) return existsSync(pattern) ? [pattern] : [];
  const re = new RegExp('^' + base.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => re.test(n) && !n.startsWith('.')).sort().map((n) => join(dir, n)).filter((p) => statSync(p).isFile());
}

async function loadPm2(file: string, text: string): Promise<unknown> {
  if (/\.json$/.test(file)) {
    try {
      return JSON.parse(text);
    } catch (err) {
      const pos = /position (\d+)/.exec(String((err as Error).message));
      const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : undefined;
      throw importError(line ? `${file}:${line}` : file, `syntax error: ${(err as Error).message}`);
    }
  }
  if (/\.ya?ml$/.test(file)) {
    try {
      return parseYaml(text);
    } catch (err) {
      const line = (err as { linePos?: { line: number }[] }).linePos?.[0]?.line;
      throw importError(line ? `${file}:${line}` : file, `syntax error: ${String((err as Error).message).split('\n')[0]}`);
    }
  }
  return loadJs(file);
}

/** Loads a .js ecosystem file in a separate Node process and takes its export as JSON. */
function loadJs(file: string): Promise<unknown> {
  // PM2 require()s the file: CommonJS even inside a "type": "module" package, so the child compiles
  // a file that assigns module.exports as CommonJS, and imports anything else.
  const script = [
    "const fs=require('node:fs'),M=require('node:module'),path=require('node:path'),url=require('node:url'),p=process.argv[1];",
    "async function load(){const src=fs.readFileSync(p,'utf8');",
    "if(!/\\.mjs$/.test(p)&&/\\bmodule\\.exports\\b|\\bexports\\.\\w+\\s*=/.test(src)){const m=new M(p);m.filename=p;m.paths=M._nodeModulePaths(path.dirname(p));m._compile(src,p);return m.exports}",
    "return import(url.pathToFileURL(p).href)}",
    "load().then(async m=>{let c=m&&m.default!==undefined?m.default:m;if(typeof c==='function')c=await c();process.stdout.write(JSON.stringify(c))},",
    "e=>{process.stderr.write(String(e&&e.message||e).split('\\n')[0]);process.exitCode=1})",
  ].join('');
  return new Promise((done, fail) => {
    execFile(process.execPath, ['-e', script, resolve(file)], { cwd: dirname(resolve(file)), timeout: JS_TIMEOUT_MS, maxBuffer: MAX_FILE, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) {
        const why = err.killed ? `did not finish within ${JS_TIMEOUT_MS / 1000} s` : `it threw: ${stderr.trim() || err.message}`;
        fail(importError(file, `unable to load the PM2 file: ${why}`));
        return;
      }
      try {
        done(JSON.parse(stdout));
      } catch {
        fail(importError(file, 'unable to load the PM2 file: its export is not plain data'));
      }
    });
  });
}

/** A user's home from /etc/passwd, for systemd's %h and WorkingDirectory=~. */
function homeOf(user: string): string | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === user) return f[5];
    }
  } catch {
    // no passwd: unknown
  }
  return undefined;
}
