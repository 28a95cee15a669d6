import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody, seedOrg, startTestServer, type TestServer } from '../../server/src/test-support/harness.js';

describe('flush on exit', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite', { clock: 'real' });
    await seedOrg(s.api);
  });
  afterAll(async () => s?.close());

  it('sends what is buffered when the agent process ends by itself', async () => {
    expect((await s.api('POST', '/api/agents', { body: agentBody('exit-1') })).status).toBe(201);
    const key = (await s.api('POST', '/api/keys', { body: { role: 'agent', agent_id: 'exit-1', label: 'exit-1' } })).body.key as string;
    const r = await runAgent([s.url, key, 'exit-1', '1234']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('tracked 1234, buffered 1234');
    const agent = await s.api('GET', '/api/agents/exit-1');
    expect(agent.body.metrics.total_tasks).toBe(1234);
  }, 60_000);

  it('still exits, after its flush timeout, when the server is gone', async () => {
    const started = Date.now();
    const r = await runAgent(['http://127.0.0.1:9', 'ab_nobody', 'exit-2', '10', '800']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('tracked 10, buffered 10');
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);
});

const script = fileURLToPath(new URL('./fixtures/exit-agent.ts', import.meta.url));

/** Runs the fixture agent beside the server (which lives in this process, so never blocking it). */
function runAgent(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
