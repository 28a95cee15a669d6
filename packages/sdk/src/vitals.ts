const MINUTE = 60_000;
const DURATIONS = 256;

/**
 * The last hour of an agent's tracked invocations, folded into the heartbeat's optional vitals
 * (`error_count_1h`, `token_burn_1h`, `latency_p95_ms`): sixty one-minute buckets and a ring of
 * recent durations, so recording costs a few nanoseconds and a heartbeat a small sort.
 */
export class Vitals {
  private readonly minutes = new Float64Array(60).fill(-1);
  private readonly errors = new Float64Array(60);
  private readonly tokens = new Float64Array(60);
  private readonly durations = new Float64Array(DURATIONS);
  private count = 0;

  record(wallEndMs: number, durationMs: number, ok: boolean, tokens: number | undefined): void {
    const m = Math.floor(wallEndMs / MINUTE);
    const i = m % 60;
    if (this.minutes[i] !== m) {
      this.minutes[i] = m;
      this.errors[i] = 0;
      this.tokens[i] = 0;
    }
    if (!ok) this.errors[i]! += 1;
    if (tokens !== undefined && tokens > 0) this.tokens[i]! += tokens;
    this.durations[this.count++ % DURATIONS] = durationMs;
  }

  snapshot(nowWallMs: number): { error_count_1h: number; token_burn_1h: number; latency_p95_ms?: number } {
    const now = Math.floor(nowWallMs / MINUTE);
    let errors = 0;
    let tokens = 0;
    for (let i = 0; i < 60; i++) {
      const m = this.minutes[i]!;
      if (m >= 0 && now - m < 60) {
        errors += this.errors[i]!;
        tokens += this.tokens[i]!;
      }
    }
    const out: { error_count_1h: number; token_burn_1h: number; latency_p95_ms?: number } = {
      error_count_1h: Math.min(errors, 2_147_483_647),
      token_burn_1h: Math.min(Math.round(tokens), 2_147_483_647),
    };
    const n = Math.min(this.count, DURATIONS);
    if (n > 0) {
      const sorted = Array.from(this.durations.subarray(0, n)).sort((a, b) => a - b);
      out.latency_p95_ms = Math.min(Math.round(sorted[Math.min(n - 1, Math.ceil(0.95 * n) - 1)]!), 2_147_483_647);
    }
    return out;
  }
}
