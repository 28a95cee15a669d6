/**
 * Time is a dependency. Production uses the real clock; simulation and tests use the manual
 * clock, where time stands still until advanced and timers fire in order as it passes them.
 */
export interface Clock {
  readonly kind: 'real' | 'manual';
  now(): number;
  setTimer(fn: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export interface TimerHandle {
  readonly id: number;
}

export class RealClock implements Clock {
  readonly kind = 'real' as const;
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private seq = 0;

  now(): number {
    return Date.now();
  }

  setTimer(fn: () => void, delayMs: number): TimerHandle {
    const id = ++this.seq;
    const t = setTimeout(() => {
      this.timers.delete(id);
      fn();
    }, Math.max(0, delayMs));
    t.unref();
    this.timers.set(id, t);
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    const t = this.timers.get(handle.id);
    if (t) clearTimeout(t);
    this.timers.delete(handle.id);
  }
}

interface ManualTimer {
  id: number;
  at: number;
  fn: () => void;
}

export class ManualClock implements Clock {
  readonly kind = 'manual' as const;
  private current: number;
  private timers: ManualTimer[] = [];
  private seq = 0;

  constructor(start: number) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(fn: () => void, delayMs: number): TimerHandle {
    const id = ++this.seq;
    this.timers.push({ id, at: this.current + Math.max(0, delayMs), fn });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== handle.id);
  }

  /** The earliest pending timer, if any, so a driver can step time from one to the next. */
  nextTimerAt(): number | undefined {
    let min: number | undefined;
    for (const t of this.timers) if (min === undefined || t.at < min) min = t.at;
    return min;
  }

  /** Moves time to `to` (never backwards), firing timers due on the way in time order. */
  setTo(to: number): void {
    if (to < this.current) return;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= to).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t.id !== due.id);
      this.current = Math.max(this.current, due.at);
      due.fn();
    }
    this.current = to;
  }
}
