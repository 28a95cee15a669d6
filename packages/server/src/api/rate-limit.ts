import type { Clock } from '../clock.js';

/**
 * A token bucket per API key. It protects the server from one runaway client, not a quota
 * system: the numbers are generous and `perSecond: 0` turns it off.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly clock: Clock,
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  /** 0 when the request may go ahead, else milliseconds until it may. */
  take(key: string): number {
    if (this.perSecond <= 0) return 0;
    const now = this.clock.now();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size > 100_000) this.buckets.clear();
      b = { tokens: this.burst, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, ((1 - b.tokens) / this.perSecond) * 1000);
  }
}
