/**
 * Process memory and CPU, sampled in the background every 100 ms (the interval of seed 004's
 * monitor thread). Asking the kernel costs about 1 µs when warm and 6-9 µs right after a call that
 * churned through the caches, which is the whole overhead budget of one tracked call; so short
 * calls read these samples instead, and a ring of recent ones gives an invocation the peak memory
 * and the CPU seen while it ran.
 */
const RING = 1024;
const MB = 1024 * 1024;
const hasProcess = typeof process !== 'undefined' && typeof process.memoryUsage === 'function';
const hasCpu = typeof process !== 'undefined' && typeof process.cpuUsage === 'function';

export class ResourceSampler {
  /** Resident set size of the latest sample, in MB. */
  rssMb = 0;
  /** Heap in use at the latest sample, in MB. */
  heapMb = 0;
  /** Number of samples taken; an invocation remembers it at start to find its peak. */
  seq = 0;
  /** Date.now() - performance.now(), refreshed with each sample so long runs follow wall time. */
  wallOffset = Date.now() - performance.now();
  private readonly rss = new Float64Array(RING);
  /** performance.now() of each sample, and the process CPU (user + system, µs) at that moment. */
  private readonly at = new Float64Array(RING);
  private readonly cpu = new Float64Array(RING);
  private timer: ReturnType<typeof setInterval> | undefined;
  private users = 0;

  constructor(readonly intervalMs = 100) {
    this.sample();
  }

  sample(): void {
    const now = performance.now();
    this.wallOffset = Date.now() - now;
    if (!hasProcess) return;
    try {
      const m = process.memoryUsage();
      this.rssMb = m.rss / MB;
      this.heapMb = m.heapUsed / MB;
      const c = hasCpu ? process.cpuUsage() : undefined;
      this.seq += 1;
      const i = this.seq % RING;
      this.rss[i] = this.rssMb;
      this.at[i] = now;
      this.cpu[i] = c ? c.user + c.system : -1;
    } catch {
      // No sample this time; the previous one stands.
    }
  }

  /** The highest sample numbered in (from, to], or `floor` when none is still in the ring. */
  peakBetween(from: number, to: number, floor: number): number {
    let peak = floor;
    const start = Math.max(from + 1, this.seq - RING + 1);
    for (let s = start; s <= to; s++) {
      const v = this.rss[s % RING]!;
      if (v > peak) peak = v;
    }
    return peak;
  }

  /**
   * Process CPU utilisation, in percent, over the sample window around [t0, t1] (performance.now
   * times): from the last sample at or before t0 to the first at or after t1, or to the latest
   * one when the call ended after it. -1 when the ring cannot say.
   */
  cpuAround(t0: number, t1: number): number {
    const oldest = Math.max(1, this.seq - RING + 1);
    if (this.seq < oldest + 1) return -1;
    // Sample times only grow, so both ends are found by binary search.
    let a = this.lastAtOrBefore(t0, oldest);
    let b = this.firstAtOrAfter(t1, oldest);
    if (b < 0) b = this.seq;
    if (a < 0) a = oldest;
    if (a >= b) a = b - 1;
    if (a < oldest) return -1;
    const ca = this.cpu[a % RING]!;
    const cb = this.cpu[b % RING]!;
    const dt = this.at[b % RING]! - this.at[a % RING]!;
    if (ca < 0 || cb < 0 || dt <= 0) return -1;
    return ((cb - ca) / (dt * 1000)) * 100;
  }

  private lastAtOrBefore(t: number, oldest: number): number {
    let lo = oldest;
    let hi = this.seq;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at[mid % RING]! <= t) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  private firstAtOrAfter(t: number, oldest: number): number {
    let lo = oldest;
    let hi = this.seq;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at[mid % RING]! >= t) {
        found = mid;
        hi = mid - 1;
      } else lo = mid + 1;
    }
    return found;
  }

  acquire(): void {
    if (this.users++ === 0) {
      this.sample();
      this.timer = setInterval(() => this.sample(), this.intervalMs);
      this.timer.unref?.();
    }
  }

  release(): void {
    if (this.users > 0 && --this.users === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

/** One per process: every agent handle shares it. */
export const sampler = new ResourceSampler();
