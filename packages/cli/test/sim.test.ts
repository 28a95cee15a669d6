import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { ROOT, cli } from './run-cli.js';

const KEY = 'ab_demo_test_root_key_0123456789';

interface Report {
  recall: number;
  precision: number;
  faults: Array<{ kind: string; caught: boolean; latency_ms: number | null; detected_by: string[] }>;
  by_kind: Record<string, { injected: number; caught: number }>;
  alerts: { total: number; with_fault: number; false_positives: unknown[] };
  escalations: { alerts_reached_level_1: number };
  fleet: { agents: number; pods: number; tiers: Record<string, number> };
  traffic: { heartbeats: number; invocations: number; tasks: number };
  skipped: unknown[];
  warnings: string[];
}

const MIX = 'silent=3,offline=1,flap=1,degrade=2,stuck=2,errors=2,burn=2,pod_dark=1';

describe('aetherboard simulate', { timeout: 240_000 }, () => {
  it('catches every fault of a known mix on a seeded fleet, with no false positives', async () => {
    const r = await cli(['simulate', '--agents', '60', '--pods', '12', '--duration', '6h', '--tick', '30s', '--seed', '7', '--faults', MIX, '--json', '--quiet', '--min-recall', '1', '--max-false-positives', '0']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.fleet).toMatchObject({ agents: 60, pods: 12 });
    expect(report.skipped).toEqual([]);
    expect(report.warnings).toEqual([]);
    const injected = Object.fromEntries(Object.entries(report.by_kind).map(([k, v]) => [k, v.injected]));
    expect(injected).toEqual({ silent: 3, offline: 1, flap: 1, degrade: 2, stuck: 2, errors: 2, burn: 2, pod_dark: 1 });
    expect(report.recall).toBe(1);
    expect(report.alerts.false_positives).toEqual([]);
    expect(report.precision).toBe(1);
    for (const f of report.faults) {
      expect(f.caught).toBe(true);
      expect(f.latency_ms).toBeGreaterThanOrEqual(0);
    }
    // Each kind is caught by the detector docs/liveness.md names for it.
    const by = (kind: string) => new Set(report.faults.filter((f) => f.kind === kind).flatMap((f) => f.detected_by));
    expect(by('silent').has('heartbeat_breach')).toBe(true);
    expect(by('offline').has('agent_offline')).toBe(true);
    expect(by('degrade').has('degraded_timeout')).toBe(true);
    expect(by('errors').has('error_trend_rising')).toBe(true);
    expect(by('burn').has('cost_burn_anomaly')).toBe(true);
    expect(by('pod_dark').has('heartbeat_breach')).toBe(true);
    expect([...by('stuck')].some((d) => d === 'p0_assignment_blocked' || d.startsWith('blocked→escalated'))).toBe(true);
    expect(report.escalations.alerts_reached_level_1).toBeGreaterThan(0);
    expect(report.traffic.tasks).toBeGreaterThan(100);
    expect(report.traffic.invocations).toBeGreaterThan(1000);
  });

  it('fails with exit 7 when the report misses a threshold, and refuses a bad fault spec with exit 1', async () => {
    const [missed, bad] = await Promise.all([
      // A silence shorter than two heartbeat intervals is invisible by design: recall drops below 1.
      cli(['simulate', '--agents', '12', '--pods', '3', '--duration', '2h', '--tick', '30s', '--seed', '1', '--faults', 'silent=2@30s', '--quiet', '--min-recall', '1']),
      cli(['simulate', '--faults', 'meteor=1']),
    ]);
    expect(missed.code).toBe(7);
    expect(missed.stdout).toMatch(/^AetherBoard simulation report\n/);
    expect(missed.stdout).toMatch(/\nsilent +2 +0 +2 /);
    expect(missed.stderr).toMatch(/aetherboard: the configuration did not prove out: recall 0\.00 is below 1\n$/);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^aetherboard: --faults: unknown fault 'meteor'/);
  });
});

describe('aetherboard demo', { timeout: 120_000 }, () => {
  it('serves a living fleet with the dashboard until Ctrl-C, then reports', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/cli/src/bin.ts', 'demo', '--port', '0', '--speed', '600', '--quiet'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, AETHERBOARD_ROOT_KEY: KEY },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const until = async <T>(f: () => Promise<T | undefined>): Promise<T> => {
      for (let i = 0; i < 600; i++) {
        const v = await f();
        if (v !== undefined) return v;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`timed out; the demo printed: ${out}`);
    };
    const url = await until(async () => /dashboard {2}(http:\/\/\S+)/.exec(out)?.[1]);
    expect(out).toContain(`root key   ${KEY}`);
    const get = <T>(path: string): Promise<T> => fetch(url + path, { headers: { authorization: `Bearer ${KEY}` } }).then((r) => r.json() as Promise<T>);
    expect((await fetch(`${url}/`)).status).toBe(200);
    // The fleet is registered, and time moves by itself.
    await until(async () => ((await get<{ items: unknown[] }>('/api/agents?limit=100')).items.length === 24 ? true : undefined));
    const before = Date.parse((await get<{ now: string }>('/api/clock')).now);
    await until(async () => (Date.parse((await get<{ now: string }>('/api/clock')).now) > before + 60_000 ? true : undefined));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toMatch(/\nAetherBoard simulation report\n/);
  });
});
