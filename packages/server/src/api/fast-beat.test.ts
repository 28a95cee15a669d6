import { BatchHeartbeatItem, HeartbeatBody } from '@aetherboard/contracts';
import { describe, expect, it } from 'vitest';
import { isPlainBatchItem, isPlainHeartbeatBody, parseBatchItem } from './fast-beat.js';

// A seeded generator of beats near the edge of valid: every field valid, invalid, missing or odd.
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const MISSING = Symbol('missing');
const CHOICES: Record<string, readonly unknown[]> = {
  agent_id: ['a-1', 'A.b:c@d_e-f', '', '-a', 'a b', 'x'.repeat(128), 'x'.repeat(129), 7, null, MISSING],
  status: ['ok', 'degraded', 'blocked', 'offline', 'OK', '', 3, null, MISSING],
  work_mode: ['idle', 'executing', 'waiting', 'escalated', 'busy', null, MISSING],
  emitted_at: [
    '2026-01-05T09:00:00.000Z', '2026-01-05T09:00:00Z', '2024-02-29T23:59:59.9Z', '2026-02-29T00:00:00Z', '2026-02-30T00:00:00Z',
    '2026-04-31T00:00:00Z', '2026-13-01T00:00:00Z', '2026-01-05T24:00:00Z', '2026-01-05T09:00:00+02:00', '2026-01-05T09:00:00.123456Z',
    '2026-01-05 09:00:00Z', '1900-02-29T00:00:00Z', '2000-02-29T00:00:00Z', 'yesterday', 0, null, MISSING,
  ],
  active_assignment_id: ['as-1', null, '', 'a b', 5, MISSING],
  queue_depth: [0, 12, -1, 1.5, 2_147_483_647, 2_147_483_648, Number.MAX_SAFE_INTEGER + 2, '3', null, MISSING],
  error_count_1h: [0, 3, -2, 0.1, null, MISSING],
  latency_p95_ms: [450, 1e9, 1e10, Infinity, MISSING],
  token_burn_1h: [0, 12_000, -5, NaN, MISSING],
  summary: ['working', '', 'é'.repeat(140), 'x'.repeat(141), 'nul\u0000', 42, null, MISSING],
  extra: ['surprise', MISSING, MISSING, MISSING, MISSING, MISSING, MISSING, MISSING],
};

function item(r: () => number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, xs] of Object.entries(CHOICES)) {
    // Mostly valid choices (the first few), so accepted items are common too.
    const v = r() < 0.7 ? pick(r, xs.slice(0, 2)) : pick(r, xs);
    if (v !== MISSING) o[k] = v;
  }
  return o;
}

describe('the heartbeat fast-path validator', () => {
  it('never accepts what the schema refuses, and returns what the schema would, on 20,000 generated beats', () => {
    const r = prng(20261121);
    let fast = 0;
    let fastItems = 0;
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const o = item(r);
      const schema = BatchHeartbeatItem.safeParse(o);
      const ours = parseBatchItem(o);
      expect(ours.success).toBe(schema.success);
      if (schema.success) {
        accepted++;
        expect(ours.data).toEqual(schema.data);
      }
      // Where the fast path itself answers, the schema agrees and returns the item unchanged.
      if (isPlainBatchItem(o)) {
        fastItems++;
        expect(schema).toEqual({ success: true, data: o });
      }
      const { agent_id, ...body } = o;
      void agent_id;
      const plain = isPlainHeartbeatBody(body);
      if (plain) {
        fast++;
        expect(HeartbeatBody.safeParse(body)).toEqual({ success: true, data: body });
      }
    }
    // The generator exercises both sides.
    expect(accepted).toBeGreaterThan(2_000);
    expect(fast).toBeGreaterThan(2_000);
    expect(fastItems).toBeGreaterThan(2_000);
  });

  it('leaves text with U+0000 to the checks that refuse it', () => {
    expect(isPlainHeartbeatBody({ status: 'ok', work_mode: 'idle', summary: 'a\u0000b' })).toBe(false);
  });

  it('leaves non-plain objects to the schema', () => {
    expect(isPlainHeartbeatBody(Object.create({ status: 'ok', work_mode: 'idle' }))).toBe(false);
    expect(isPlainHeartbeatBody([])).toBe(false);
    expect(isPlainHeartbeatBody(null)).toBe(false);
    expect(parseBatchItem('beat').success).toBe(false);
  });
});
