// Who may do what: bearer tokens or the session cookie, loopback hosts, same-origin control.
import type { IncomingMessage } from 'node:http';
import { FailureLimiter } from './ratelimit.ts';
import { COOKIE, cookieValue, type Sessions } from './sessions.ts';
import { findToken, type Role, type Token } from './tokens.ts';

export type Auth =
  | { readonly ok: true; readonly role: Role; readonly tokenId: string }
  | { readonly ok: false; readonly status: number; readonly error: string; readonly retryAfter?: number };

const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i;

export function peerOf(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? '?';
}

export function bearer(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

export class Authorizer {
  readonly limiter = new FailureLimiter();

  private readonly tokens: readonly Token[] | undefined;
  private readonly sessions: Sessions;

  constructor(tokens: readonly Token[] | undefined, sessions: Sessions) {
    this.tokens = tokens;
    this.sessions = sessions;
  }

  get hasTokens(): boolean {
    return this.tokens !== undefined;
  }

  /**
   * With a token file every API request needs a token or a session. Without one svhttp listens
   * on loopback only and answers reads, to a loopback Host only (a page of another site that
   * rebinds its DNS name to 127.0.0.1 gets 403), and never controls anything.
   */
  check(req: IncomingMessage): Auth {
    const peer = peerOf(req);
    const wait = this.limiter.blockedFor(peer);
    if (wait > 0) return { ok: false, status: 429, error: 'too many failed logins; try again later', retryAfter: Math.ceil(wait / 1000) };
    if (this.tokens === undefined) {
      if (!LOOPBACK_HOST.test(req.headers.host ?? '')) return { ok: false, status: 403, error: 'Host is not a loopback name' };
      return { ok: true, role: 'ro', tokenId: '-' };
    }
    const secret = bearer(req);
    if (secret !== undefined) return this.byToken(peer, secret);
    const sid = cookieValue(req.headers.cookie, COOKIE);
    if (sid !== undefined) {
      const s = this.sessions.get(sid);
      if (s !== undefined) return { ok: true, role: s.role, tokenId: s.tokenId };
      this.limiter.fail(peer);
      return { ok: false, status: 401, error: 'session expired or unknown' };
    }
    if (req.headers.authorization !== undefined) return this.fail(peer, 'Authorization is not "Bearer TOKEN"');
    return { ok: false, status: 401, error: 'authentication required (Authorization: Bearer TOKEN)' };
  }

  byToken(peer: string, secret: string): Auth {
    const t = this.tokens === undefined ? undefined : findToken(this.tokens, secret);
    if (t === undefined) return this.fail(peer, 'invalid token');
    return { ok: true, role: t.role, tokenId: t.id };
  }

  private fail(peer: string, error: string): Auth {
    this.limiter.fail(peer);
    return { ok: false, status: 401, error };
  }
}

/** A state-changing request must come from this origin (no CSRF from another site's page). */
export function crossSite(req: IncomingMessage): string | undefined {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `cross-site request refused (Sec-Fetch-Site: ${site})`;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host ?? ''}`) return `cross-origin request refused (Origin: ${origin})`;
  return undefined;
}
