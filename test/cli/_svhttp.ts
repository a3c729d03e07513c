// Shared helpers of the svhttp tests: start it on a free port, talk HTTP and SSE (not a test file).
import { request } from 'node:http';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import type { Sandbox } from '../helpers/sandbox.ts';
import { waitFor } from '../helpers/sandbox.ts';
import { startBackground } from '../helpers/tools.ts';

export interface Svhttp {
  readonly child: ChildProcess;
  readonly url: string;
  readonly port: number;
  stdout(): string;
  stderr(): string;
}

export async function startSvhttp(box: Sandbox, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Svhttp> {
  const child = box.track(startBackground('svhttp', ['--listen', '127.0.0.1:0', ...args], { cwd: box.root, env }));
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr?.on('data', (b: Buffer) => { err += b.toString(); });
  await waitFor(() => /^listening on http:\/\/127\.0\.0\.1:\d+\/\n/.test(out) || child.exitCode !== null, 20_000, `svhttp listening (${err})`);
  const m = /^listening on (http:\/\/127\.0\.0\.1:(\d+)\/)/.exec(out);
  if (m === null) throw new Error(`svhttp did not start: ${err}`);
  return { child, url: m[1] ?? '', port: Number(m[2]), stdout: () => out, stderr: () => err };
}

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  json(): any;
}

/** One HTTP request with exactly these headers (Host included, which fetch would not let us set). */
export function http(s: Svhttp, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: s.port, method, path, headers: { Host: `127.0.0.1:${s.port}`, ...headers } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { data += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data, json: () => JSON.parse(data) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

export interface SseClient {
  readonly events: { event: string; data: any }[];
  /** svhttp said `: ready`: every service is watched, later transitions are not missed. */
  ready(): boolean;
  close(): void;
}

/** A real SSE client: parses `event:` / `data:` blocks as they arrive. */
export function sse(s: Svhttp, path: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const events: { event: string; data: any }[] = [];
    let ready = false;
    const req = request({ host: '127.0.0.1', port: s.port, path, headers: { Host: `127.0.0.1:${s.port}`, ...headers } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`SSE status ${res.statusCode}`));
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        let end;
        while ((end = buf.indexOf('\n\n')) !== -1) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          if (block === ': ready') ready = true;
          const ev = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (ev !== undefined && data !== undefined) events.push({ event: ev, data: JSON.parse(data) });
        }
      });
      res.on('error', () => undefined);
      resolve({ events, ready: () => ready, close: () => req.destroy() });
    });
    req.on('error', () => undefined);
    req.end();
  });
}

/** Inotify watches svhttp holds (from /proc/PID/fdinfo of its inotify descriptors). */
export function inotifyWatches(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:inotify') continue;
      n += readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8').split('\n').filter((l: string) => l.startsWith('inotify wd:')).length;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}
