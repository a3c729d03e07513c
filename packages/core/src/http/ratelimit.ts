// Failed logins per peer: after MAX failures within WINDOW, the peer gets 429 until the window
// ends (brute force of a token over the network costs a minute per few guesses).
export class FailureLimiter {
  private readonly peers = new Map<string, { count: number; since: number }>();

  private readonly max: number;
  private readonly windowMs: number;

  constructor(max = 5, windowMs = 60_000) {
    this.max = max;
    this.windowMs = windowMs;
  }

  /** Milliseconds the peer must still wait, 0 if it may try. */
  blockedFor(peer: string, now = Date.now()): number {
    const p = this.peers.get(peer);
    if (p === undefined) return 0;
    if (now - p.since >= this.windowMs) {
      this.peers.delete(peer);
      return 0;
    }
    return p.count >= this.max ? this.windowMs - (now - p.since) : 0;
  }

  fail(peer: string, now = Date.now()): void {
    const p = this.peers.get(peer);
    if (p === undefined || now - p.since >= this.windowMs) this.peers.set(peer, { count: 1, since: now });
    else p.count++;
    // Bounded: a flood from many addresses cannot grow the map without end.
    if (this.peers.size > 10_000) this.peers.delete(this.peers.keys().next().value ?? '');
  }
}
