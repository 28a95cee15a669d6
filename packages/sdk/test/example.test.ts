import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/src/test-support/harness.js';
import { quickstart } from '../examples/quickstart.js';

describe('the quickstart example', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite', { clock: 'real' });
  });
  afterAll(async () => s?.close());

  it('runs end to end against a live server', async () => {
    const lines: string[] = [];
    const r = await quickstart({ url: s.url, adminKey: s.rootKey, log: (l) => lines.push(l) });
    expect(r.stored).toBe(3);
    expect(r.successRate).toBeCloseTo(2 / 3, 3);
    expect(lines).toContain('sum = 6');
    expect(lines).toContain('caught: tool timed out');
    // Running it again finds the agent already there and adds to its history.
    expect((await quickstart({ url: s.url, adminKey: s.rootKey, log: () => undefined })).stored).toBe(6);
  });
});
