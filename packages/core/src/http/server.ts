// svhttp's server: one scan directory over HTTP, from the on-disk contract only. Routes in
// docs/svhttp.md; the security model (tokens, sessions, same-origin control, audit, limits) too.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Authorizer, crossSite, peerOf, type Auth } from './auth.ts';
import { isCommand, runCommand } from './commands.ts';
import { dashboardAssets } from './dashboard/index.ts';
import { currentLog, readRange, tailLines } from './logfile.ts';
import { Metrics } from './metrics.ts';
import { serviceDir } from './names.ts';
import { headers, readBody, sendError, sendJson, TooLarge } from './respond.ts';
import { Snapshots } from './snapshot.ts';
import { clearCookie, COOKIE, cookieValue, Sessions, setCookie } from './sessions.ts';
import { ScanEvents } from './scanevents.ts';
import { followLog, streamEvents, type EventSource } from './streams.ts';
import type { Token } from './tokens.ts';

export interface ServerOptions {
  readonly scandir: string;
  readonly tokens?: readonly Token[];
  /** One line per control request; must not throw. */
  readonly audit: (line: string) => void;
  /** Time to receive a whole request (headers and body), ms. */
  readonly requestTimeoutMs?: number;
  readonly events?: EventSource;
}

const MAX_LINES = 1000;
const MAX_STREAMS = 64;

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

export function createSvhttp(opts: ServerOptions): Server {
  const sessions = new Sessions();
  const auth = new Authorizer(opts.tokens, sessions);
  const metrics = new Metrics();
  const snapshots = new Snapshots(opts.scandir);
  const events = opts.events ?? new ScanEvents(opts.scandir);
  const assets = dashboardAssets();
  let streams = 0;

  const denied = (res: ServerResponse, a: Auth & { ok: false }): void =>
    sendError(res, a.status, a.error, a.retryAfter === undefined ? {} : { 'Retry-After': String(a.retryAfter) });

  /** Wraps a handler that needs an authenticated reader. */
  const reader = (h: (req: IncomingMessage, res: ServerResponse, url: URL, a: Auth & { ok: true }) => Promise<void> | void): Handler =>
    (req, res, url) => {
      const a = auth.check(req);
      if (!a.ok) return denied(res, a);
      return h(req, res, url, a);
    };

  const stream = (res: ServerResponse): boolean => {
    if (streams >= MAX_STREAMS) {
      sendError(res, 503, 'too many open streams');
      return false;
    }
    streams++;
    res.on('close', () => streams--);
    return true;
  };

  const list: Handler = reader(async (_req, res) => {
    const now = Date.now();
    const names = await snapshots.serviceNames();
    sendJson(res, 200, { version: 1, services: await snapshots.list(names, now) });
  });

  const one = (name: string): Handler => reader(async (_req, res) => {
    if (!(await snapshots.isService(name))) {
      snapshots.forget(name);
      return sendError(res, 404, `no such service: ${name}`);
    }
    sendJson(res, 200, await snapshots.view(name));
  });

  const control = (name: string, command: string): Handler => async (req, res) => {
    const peer = peerOf(req);
    const a = auth.check(req);
    const record = (result: string): void =>
      opts.audit(`${new Date().toISOString()} peer=${peer} token=${a.ok ? a.tokenId : '-'} service=${JSON.stringify(name)} command=${JSON.stringify(command)} result=${result}`);
    if (!a.ok) {
      record(`denied:${a.status}`);
      return denied(res, a);
    }
    const cross = crossSite(req);
    if (cross !== undefined) {
      record('denied:cross-site');
      return sendError(res, 403, cross);
    }
    if (!auth.hasTokens || a.role !== 'rw') {
      record('denied:read-only');
      return sendError(res, 403, auth.hasTokens ? 'this token is read-only (ro)' : 'control needs an rw token: start svhttp with --token-file');
    }
    await readBody(req);
    if (!isCommand(command)) {
      record('denied:unknown-command');
      return sendError(res, 400, `unknown command: ${command} (one of up down once term kill hup pause cont restart)`);
    }
    const dir = await serviceDir(opts.scandir, name);
    if (dir === undefined) {
      record('denied:no-service');
      return sendError(res, 404, `no such service: ${name}`);
    }
    let outcome: string;
    // What the command changes is seen by inotify; the next request re-reads this service anyway.
    snapshots.invalidate(name);
    try {
      outcome = runCommand(dir, command);
    } catch (err) {
      record('error');
      return sendError(res, 500, err instanceof Error ? err.message : String(err));
    }
    record(outcome);
    if (outcome === 'sent') return sendJson(res, 202, { service: name, command, result: 'sent' });
    return sendError(res, 503, outcome === 'missing' ? `supervise not running: no supervise/control in ${name}` : `supervise not running on ${name}`);
  };

  const log = (name: string): Handler => reader(async (req, res, url) => {
    const dir = await serviceDir(opts.scandir, name);
    if (dir === undefined) return sendError(res, 404, `no such service: ${name}`);
    const raw = url.searchParams.get('lines') ?? '20';
    const n = /^\d{1,4}$/.test(raw) ? Math.min(MAX_LINES, Number(raw)) : NaN;
    if (Number.isNaN(n)) return sendError(res, 400, `lines must be a number from 0 to ${MAX_LINES}`);
    const path = await currentLog(dir);
    if (path === undefined) return sendError(res, 404, `no log for ${name} (no log/.../current inside the service dir)`);
    const at = await readRange(path, 'tail', 0).catch(() => undefined);
    const lines = at === undefined ? undefined : await tailLines(path, n).catch(() => undefined);
    if (at === undefined || lines === undefined) return sendError(res, 404, `no log for ${name} (current is not a regular file)`);
    if (url.searchParams.get('follow') !== '1') return sendJson(res, 200, { service: name, lines });
    if (stream(res)) followLog(req, res, path, lines, at.size, at.ino);
  });

  const sse: Handler = reader((req, res, url) => {
    const only = url.searchParams.get('service') ?? undefined;
    const raw = url.searchParams.get('replay') ?? '0';
    if (!/^\d{1,3}$/.test(raw) || Number(raw) > 100) return sendError(res, 400, 'replay must be a number from 0 to 100');
    if (stream(res)) streamEvents(req, res, events, only, Number(raw));
  });

  const scrape: Handler = reader(async (_req, res) => {
    const now = Date.now();
    const names = await snapshots.serviceNames();
    const views = await snapshots.list(names, now);
    const text = await metrics.render(names.map((n, i) => ({ name: n, dir: `${opts.scandir}/${n}`, json: views[i]! })), now);
    res.writeHead(200, headers(metrics.contentType));
    res.end(text);
  });

  const session = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method === 'GET') {
      const a = auth.check(req);
      return a.ok ? sendJson(res, 200, { role: a.role }) : denied(res, a);
    }
    const cross = crossSite(req);
    if (cross !== undefined) return sendError(res, 403, cross);
    if (req.method === 'DELETE') {
      const sid = cookieValue(req.headers.cookie, COOKIE);
      if (sid !== undefined) sessions.drop(sid);
      return sendJson(res, 200, { role: null }, { 'Set-Cookie': clearCookie() });
    }
    if (!auth.hasTokens) return sendError(res, 404, 'no sessions: svhttp runs without a token file');
    const peer = peerOf(req);
    const wait = auth.limiter.blockedFor(peer);
    if (wait > 0) return sendError(res, 429, 'too many failed logins; try again later', { 'Retry-After': String(Math.ceil(wait / 1000)) });
    let secret: string | undefined = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    const body = await readBody(req);
    if (secret === undefined && body.length > 0) {
      try {
        const v: unknown = JSON.parse(body.toString('utf8'));
        if (typeof v === 'object' && v !== null && typeof (v as { token?: unknown }).token === 'string') secret = (v as { token: string }).token;
      } catch {
        return sendError(res, 400, 'body is not JSON ({"token": "..."})');
      }
    }
    if (secret === undefined) return sendError(res, 400, 'no token: send {"token": "..."} or Authorization: Bearer TOKEN');
    const a = auth.byToken(peer, secret);
    if (!a.ok) return denied(res, a);
    const { id, session: s } = sessions.create(a.role, a.tokenId);
    sendJson(res, 200, { role: s.role, expires: new Date(s.expires).toISOString() }, { 'Set-Cookie': setCookie(id) });
  };

  const route = (req: IncomingMessage, url: URL): Handler | string | undefined => {
    const p = url.pathname;
    const m = req.method ?? 'GET';
    const get = m === 'GET' || m === 'HEAD';
    if (p === '/api/v1/session') return ['GET', 'POST', 'DELETE'].includes(m) ? session : 'GET, POST, DELETE';
    if (p === '/api/v1/services') return get ? list : 'GET';
    if (p === '/api/v1/events') return get ? sse : 'GET';
    if (p === '/metrics') return get ? scrape : 'GET';
    const parts = p.split('/');
    if (parts.length >= 5 && parts.length <= 6 && p.startsWith('/api/v1/services/')) {
      let name: string;
      try {
        name = decodeURIComponent(parts[4] ?? '');
      } catch {
        return undefined;
      }
      const tail = parts[5];
      if (tail === undefined) return get ? one(name) : 'GET';
      if (tail === 'log') return get ? log(name) : 'GET';
      return m === 'POST' ? control(name, tail) : 'POST';
    }
    const asset = assets.get(p === '/' ? '/index.html' : p);
    if (asset !== undefined) return get ? (_q, res) => {
      res.writeHead(200, headers(asset.type, { 'Content-Length': String(Buffer.byteLength(asset.body)) }));
      res.end(asset.body);
    } : 'GET';
    return undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://svhttp');
    } catch {
      return sendError(res, 400, 'bad request target');
    }
    const r = route(req, url);
    if (r === undefined) return sendError(res, 404, `not found: ${url.pathname}`);
    if (typeof r === 'string') return sendError(res, 405, `method ${req.method ?? ''} not allowed`, { Allow: r });
    await r(req, res, url);
  };

  const server = createServer({
    maxHeaderSize: 16 * 1024,
    requestTimeout: opts.requestTimeoutMs ?? 10_000,
    headersTimeout: Math.min(opts.requestTimeoutMs ?? 10_000, 10_000),
    connectionsCheckingInterval: Math.min(1000, opts.requestTimeoutMs ?? 1000),
  }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof TooLarge) {
        res.setHeader('Connection', 'close');
        return sendError(res, 413, 'request body too large');
      }
      sendError(res, 500, err instanceof Error ? err.message : String(err));
    });
  });
  server.on('close', () => snapshots.close());
  server.keepAliveTimeout = 5000;
  server.maxConnections = 512;
  return server;
}
