// Sessions the dashboard gets for a token (POST /api/v1/session): a random id in an HttpOnly,
// SameSite=Strict cookie, so page scripts never hold the token after the login.
import { randomBytes } from 'node:crypto';
import type { Role } from './tokens.ts';

export const COOKIE = 'svhttp_session';
export const SESSION_MS = 12 * 3600_000;

export interface Session {
  readonly role: Role;
  readonly tokenId: string;
  readonly expires: number;
}

export class Sessions {
  private readonly byId = new Map<string, Session>();

  create(role: Role, tokenId: string): { id: string; session: Session } {
    const id = randomBytes(32).toString('base64url');
    const session = { role, tokenId, expires: Date.now() + SESSION_MS };
    this.byId.set(id, session);
    if (this.byId.size > 1000) this.byId.delete(this.byId.keys().next().value ?? '');
    return { id, session };
  }

  get(id: string): Session | undefined {
    const s = this.byId.get(id);
    if (s !== undefined && s.expires <= Date.now()) {
      this.byId.delete(id);
      return undefined;
    }
    return s;
  }

  drop(id: string): void {
    this.byId.delete(id);
  }
}

/** The value of cookie NAME in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function setCookie(id: string): string {
  return `${COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_MS / 1000}`;
}

export function clearCookie(): string {
  return `${COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
}
