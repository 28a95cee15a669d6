import { describe, expect, it } from 'vitest';
import { AetherBoardError } from '@aetherboard/sdk';
import { CliError, EXIT, exitCodeOf, messageOf } from '../src/lib/exit.js';
import { duration, renderFields, renderTable } from '../src/lib/output.js';
import { parseDuration } from '../src/lib/parse.js';
import { parseFaults } from '../src/sim/faults.js';
import { buildFleet } from '../src/sim/fleet.js';
import { Rng } from '../src/sim/prng.js';

describe('the CLI helpers', () => {
  it('maps every failure to its documented exit code', () => {
    const e = (status: number, code = 'x') => new AetherBoardError(status, code as never, 'm');
    expect(exitCodeOf(e(400, 'validation_failed'))).toBe(EXIT.usage);
    expect(exitCodeOf(e(422, 'unknown_reference'))).toBe(EXIT.usage);
    expect(exitCodeOf(e(401))).toBe(EXIT.auth);
    expect(exitCodeOf(e(403))).toBe(EXIT.auth);
    expect(exitCodeOf(e(404))).toBe(EXIT.notFound);
    expect(exitCodeOf(e(409))).toBe(EXIT.conflict);
    expect(exitCodeOf(e(0, 'unreachable'))).toBe(EXIT.unavailable);
    expect(exitCodeOf(e(503))).toBe(EXIT.unavailable);
    expect(exitCodeOf(new CliError('no key', EXIT.config))).toBe(EXIT.config);
    expect(messageOf(new AetherBoardError(400, 'validation_failed', 'bad body', [{ path: 'body.tier', message: 'invalid' }]))).toBe('validation_failed: bad body (body.tier: invalid)');
  });

  it('aligns table columns and cuts long cells', () => {
    const t = renderTable(
      [
        { a: 'x', n: 5, s: 'a long summary that goes on' },
        { a: 'longer', n: 120, s: null },
      ],
      [
        { header: 'name', get: (r) => r.a },
        { header: 'n', get: (r) => r.n, align: 'right' },
        { header: 'summary', get: (r) => r.s, max: 10 },
      ],
    );
    expect(t).toBe('NAME      N  SUMMARY\nx         5  a long su…\nlonger  120  -');
    expect(renderFields([['id', 'a'], ['capabilities', ['x', 'y']], ['none', null]])).toBe('id            a\ncapabilities  x, y\nnone          -');
  });

  it('reads and writes durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('45')).toBe(45_000);
    expect(() => parseDuration('soon')).toThrow(/expected a duration/);
    expect(duration(135_000)).toBe('2m15s');
    expect(duration(3_900_000)).toBe('1h05m');
    expect(duration(450)).toBe('450ms');
  });

  it('parses fault specs: counts, shares, rates, durations and presets', () => {
    expect(parseFaults('silent=3,burn=2%@90m,stuck=0.05,flap=2/h,pod_dark')).toEqual([
      { kind: 'silent', amount: { type: 'count', n: 3 } },
      { kind: 'burn', amount: { type: 'share', fraction: 0.02 }, durationMs: 5_400_000 },
      { kind: 'stuck', amount: { type: 'share', fraction: 0.05 } },
      { kind: 'flap', amount: { type: 'rate', perHour: 2 } },
      { kind: 'pod_dark', amount: { type: 'count', n: 1 } },
    ]);
    expect(parseFaults('none')).toEqual([]);
    expect(parseFaults('default').map((r) => r.kind)).toContain('pod_dark');
    expect(() => parseFaults('meteor=1')).toThrow(/unknown fault 'meteor'/);
    expect(() => parseFaults('silent=lots')).toThrow(/expected a count/);
    expect(() => parseFaults('silent=1,silent=2')).toThrow(/given twice/);
  });
});

describe('the simulated fleet', () => {
  it('is the same for the same seed, and different for another', () => {
    const a = new Rng('seed-1');
    const b = new Rng('seed-1');
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(new Rng('seed-2').next()).not.toBe(xs[0]);
    // Forked streams do not depend on how much the parent was used.
    const used = new Rng('s');
    for (let i = 0; i < 7; i++) used.next();
    expect(used.fork('faults').next()).toBe(new Rng('s').fork('faults').next());
  });

  it('has the 3-layer org: one manager, a lead per pod, pods of 5 ± 2, every tier', () => {
    const f = buildFleet({ agents: 600, pods: 120, tierMix: [10, 40, 50], working: 100, prefix: '' }, new Rng('org'));
    expect(f.agents).toHaveLength(600);
    expect(f.pods).toHaveLength(120);
    expect(new Set(f.pods.map((p) => p.leadId)).size).toBe(120);
    for (const p of f.pods) {
      expect(p.agents.length).toBeGreaterThanOrEqual(3);
      expect(p.agents.length).toBeLessThanOrEqual(7);
    }
    expect(f.teams).toHaveLength(30);
    expect(f.agents.filter((a) => a.working)).toHaveLength(100);
    const tiers = { P0: 0, P1: 0, P2: 0 };
    for (const a of f.agents) tiers[a.tier] += 1;
    expect(tiers.P0).toBeGreaterThan(30);
    expect(tiers.P0).toBeLessThan(tiers.P1);
    expect(tiers.P1).toBeLessThan(tiers.P2);
    expect(buildFleet({ agents: 600, pods: 120, tierMix: [10, 40, 50], working: 100, prefix: '' }, new Rng('org')).agents.map((a) => a.tier)).toEqual(f.agents.map((a) => a.tier));
  });
});
