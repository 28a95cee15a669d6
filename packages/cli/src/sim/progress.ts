import { count, duration } from '../lib/output.js';
import type { Progress } from './driver.js';

/**
 * While a simulation runs: one line rewritten in place on a terminal, or a plain line every
 * ten seconds when stderr is a file or a pipe. `--quiet` passes nothing here.
 */
export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): { update: (p: Progress) => void; done: () => void } {
  const tty = Boolean(stream.isTTY);
  let lastLine = 0;
  let lastPhase = '';
  let drawn = false;
  let prevBeats = 0;
  let prevWall = 0;
  let rate = 0;
  const render = (p: Progress): string => {
    if (p.phase === 'setup') return `setup: ${p.detail} (${duration(p.wallMs)})`;
    if (p.phase === 'report') return `report: ${p.detail}`;
    const finite = Number.isFinite(p.end);
    const pct = finite && p.end > p.start ? ` ${Math.floor(((p.now - p.start) / (p.end - p.start)) * 100)}%` : '';
    const clock = `${duration(p.now - p.start)}${finite ? `/${duration(p.end - p.start)}` : ''}`;
    const wallS = p.wallMs / 1000;
    if (wallS - prevWall >= 1) {
      rate = (p.beats - prevBeats) / (wallS - prevWall);
      prevBeats = p.beats;
      prevWall = wallS;
    }
    return (
      `sim ${clock}${pct}  ${count(p.agents)} agents  ${count(p.beats)} beats (${count(Math.round(rate))}/s)  ` +
      `alerts ${count(p.alerts)} (P1 ${count(p.alertsP1)})  faults ${p.faults} (${p.activeFaults} active)  ${duration(p.wallMs)}`
    );
  };
  return {
    update(p) {
      const now = performance.now();
      if (tty) {
        if (now - lastLine < 100 && p.phase === lastPhase) return;
        lastLine = now;
        lastPhase = p.phase;
        const cols = stream.columns ?? 120;
        stream.write(`\r${render(p).slice(0, cols - 1)}\x1b[K`);
        drawn = true;
        return;
      }
      if (now - lastLine < 10_000 && p.phase === lastPhase) return;
      lastLine = now;
      lastPhase = p.phase;
      stream.write(`${render(p)}\n`);
    },
    done() {
      if (tty && drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}
