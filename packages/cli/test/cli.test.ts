import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/src/test-support/harness.js';
import { cli, type CliResult } from './run-cli.js';

/** Every admin verb as a real process against a real server: table and --json output, and exit codes. */
// Each call is a fresh process; calls that do not depend on each other run side by side.
describe('the aetherboard CLI against a server', { timeout: 180_000 }, () => {
  let s: TestServer;
  let env: Record<string, string>;
  const run = (...args: string[]): Promise<CliResult> => cli(args, env);
  const json = async <T = any>(...args: string[]): Promise<T> => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const r = await run(...args, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as T;
  };

  beforeAll(async () => {
    s = await startTestServer('sqlite');
    env = { AETHERBOARD_URL: s.url, AETHERBOARD_KEY: s.rootKey };
  });
  afterAll(async () => s?.close());

  it('builds the org: members, the workforce manager, a pod', async () => {
    const [ada, grace] = await Promise.all([run('members', 'create', 'ada', '--name', 'Ada Lovelace'), json('members', 'create', 'grace', '--name', 'Grace Hopper')]);
    expect(ada).toMatchObject({ code: 0, stdout: 'added ada (Ada Lovelace, human)\n' });
    expect(grace).toMatchObject({ member_id: 'grace', kind: 'human', status: 'active' });
    const [mgr, pod] = await Promise.all([run('members', 'manager', 'grace'), run('pods', 'create', 'build', '--name', 'Build pod', '--team', 'platform', '--lead', 'ada')]);
    expect(mgr.stdout).toBe('workforce manager of Default: grace\n');
    expect(pod.stdout).toBe('created pod build (team platform, lead ada)\n');
    const [members, membersTable, pods, podsTable, podShow, manager] = await Promise.all([
      json<Array<{ member_id: string }>>('members', 'ls'),
      run('members'),
      json<Array<{ pod_id: string; lead_id: string }>>('pods', 'ls', '--team', 'platform'),
      run('pods', 'ls'),
      json('pods', 'show', 'build'),
      json('members', 'manager'),
    ]);
    expect(members.map((m) => m.member_id).sort()).toEqual(['ada', 'grace']);
    // A table: a header in capitals, columns aligned, the manager starred.
    const lines = membersTable.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^MEMBER +NAME +KIND +STATUS +EMAIL$/);
    expect(lines.some((l) => l.startsWith('grace *'))).toBe(true);
    expect(lines[1]!.indexOf('Ada Lovelace')).toBe(lines[0]!.indexOf('NAME'));
    expect(pods).toEqual([expect.objectContaining({ pod_id: 'build', lead_id: 'ada' })]);
    expect(podsTable.stdout).toMatch(/^POD +NAME +TEAM +LEAD +AGENTS +SIZE WARNING\nbuild +Build pod +platform +ada +0 /);
    expect(podShow).toMatchObject({ pod_id: 'build', agent_count: 0 });
    expect(manager).toMatchObject({ manager_id: 'grace' });
  });

  it('registers agents, moves them through the lifecycle and takes a heartbeat', async () => {
    const [created, createdJson] = await Promise.all([
      run('agents', 'create', 'bot-1', '--owner', 'ada', '--team', 'platform', '--pod', 'build', '--tier', 'P0', '--capabilities', 'codegen,qa'),
      json('agents', 'create', 'bot-2', '--owner', 'ada', '--team', 'platform', '--tier', 'P2', '--name', 'Second bot', '--type', 'watcher', '--budget', '12.5'),
    ]);
    expect(created).toMatchObject({ code: 0, stdout: 'registered bot-1 (P0, owner ada, state registered)\n' });
    expect(createdJson).toMatchObject({ agent_id: 'bot-2', agent_name: 'Second bot', agent_type: 'watcher', cost_budget_daily: 12.5, current_state: 'registered' });
    expect((await run('transition', 'bot-1', 'ready', '--reason', 'go')).stdout).toBe('bot-1 is now ready (health healthy)\n');
    expect(await json('transition', 'bot-1', 'assigned', '--reason', 'task 1')).toMatchObject({ current_state: 'assigned' });
    await run('transition', 'bot-1', 'executing', '--reason', 'task 1');
    const [beat, beatJson] = await Promise.all([
      run('heartbeat', 'bot-1', '--mode', 'executing', '--summary', 'compiling the parser', '--errors', '1', '--queue', '2'),
      json('heartbeat', 'bot-2', '--status', 'ok'),
    ]);
    expect(beat.stdout).toBe('heartbeat for bot-1 accepted at 2026-01-05 09:00:00Z\n');
    expect(beatJson).toEqual({ accepted: true, received_at: '2026-01-05T09:00:00.000Z' });
    const [table, filtered, show, showTable, history, historyJson] = await Promise.all([
      run('agents', 'ls'),
      json<Array<{ agent_id: string }>>('agents', 'ls', '--state', 'executing', '--tier', 'P0'),
      json('agents', 'show', 'bot-1'),
      run('agents', 'show', 'bot-1'),
      run('agents', 'history', 'bot-1'),
      json<Array<{ to: string; actor: string }>>('agents', 'history', 'bot-1', '--all'),
    ]);
    expect(table.stdout).toMatch(/^AGENT +STATE +HEALTH +TIER +OWNER +POD +LAST SEEN +SUMMARY\n/);
    expect(table.stdout).toMatch(/\nbot-1 +executing +healthy +P0 +ada +build +2026-01-05 09:00:00Z +compiling the parser\n/);
    expect(table.stdout).toMatch(/\nbot-2 +registered +not_monitored +P2 +ada +- +2026-01-05 09:00:00Z +-\n$/);
    expect(filtered.map((a) => a.agent_id)).toEqual(['bot-1']);
    expect(show).toMatchObject({ agent_id: 'bot-1', current_state: 'executing', health: 'healthy', last_summary: 'compiling the parser', capability_tags: ['codegen', 'qa'] });
    expect(showTable.stdout).toMatch(/^agent +bot-1\n/);
    expect(showTable.stdout).toMatch(/\nhealth +healthy \(heartbeats on time\)\n/);
    expect(history.stdout).toMatch(/^AT +FROM +TO +ACTOR +REASON\n/);
    expect(historyJson.map((t) => t.to)).toEqual(['registered', 'ready', 'assigned', 'executing']);
    // Every list takes the page flags its hint names: follow the cursor the first page gives.
    const first = await run('agents', 'history', 'bot-1', '--limit', '3');
    const cursor = /--cursor (\S+)/.exec(first.stderr)?.[1];
    expect(cursor).toBeDefined();
    expect(await json<Array<{ to: string }>>('agents', 'history', 'bot-1', '--cursor', cursor!)).toEqual([expect.objectContaining({ to: 'executing' })]);
    expect((await run('keys', 'ls', '--limit', '1')).code).toBe(0);
  });

  it('lists, shows, acknowledges and resolves alerts once the clock moves', async () => {
    expect((await run('clock', 'advance', '140s')).stdout).toBe('2026-01-05 09:02:20Z\n');
    const [table, open] = await Promise.all([run('alerts', 'ls', '--status', 'open'), json<Array<{ alert_id: string; kind: string; agent_id: string }>>('alerts', 'ls', '--agent', 'bot-1')]);
    expect(table.stdout).toMatch(/^ALERT +KIND +SEV +AGENT +STATUS +LEVEL +OPENED +SUMMARY\n\S+ +heartbeat_breach +P1 +bot-1 +open +0 /);
    expect(open).toEqual([expect.objectContaining({ kind: 'heartbeat_breach', agent_id: 'bot-1' })]);
    const id = open[0]!.alert_id;
    const [show, showTable] = await Promise.all([json('alerts', 'show', id), run('alerts', 'show', id)]);
    expect(show).toMatchObject({ alert_id: id, status: 'open', escalation_level: 0 });
    expect(showTable.stdout).toMatch(/\nnotified +ada \(owner, level 0\)/);
    expect((await run('alerts', 'ack', id, '--note', 'looking')).stdout).toBe(`${id} acknowledged (heartbeat_breach on bot-1)\n`);
    expect(await json('alerts', 'resolve', id)).toMatchObject({ alert_id: id, status: 'resolved' });
    expect(await json('clock')).toEqual({ now: '2026-01-05T09:02:20.000Z' });
  });

  it('creates, uses and revokes keys', async () => {
    const viewer = await json<{ key_id: string; key: string }>('keys', 'create', '--role', 'viewer', '--label', 'dashboards');
    const table = await run('keys', 'create', '--role', 'agent', '--label', 'bot-1 key', '--agent', 'bot-1');
    expect(table.stdout).toMatch(/^key id +\S+\nsecret +\S+\n$/);
    expect(table.stderr).toMatch(/shown only now/);
    const [denied, keys] = await Promise.all([
      cli(['agents', 'create', 'x', '--owner', 'ada', '--team', 't', '--tier', 'P1'], { AETHERBOARD_URL: s.url, AETHERBOARD_KEY: viewer.key }),
      run('keys', 'ls'),
    ]);
    expect(denied.code).toBe(3);
    expect(denied.stderr).toMatch(/^aetherboard: forbidden: /);
    expect(keys.stdout).toMatch(/^KEY +ROLE +LABEL +BOUND TO +CREATED +LAST USED +REVOKED\n/);
    expect(keys.stdout).toMatch(/\n\S+ +agent +bot-1 key +bot-1 /);
    expect(keys.stdout).toMatch(new RegExp(`\\n${viewer.key_id} +viewer +dashboards +- `));
    expect((await run('keys', 'revoke', viewer.key_id)).stdout).toBe(`revoked ${viewer.key_id}\n`);
    const revoked = await cli(['agents', 'ls'], { AETHERBOARD_URL: s.url, AETHERBOARD_KEY: viewer.key });
    expect(revoked).toMatchObject({ code: 3, stdout: '' });
    expect(revoked.stderr).toBe('aetherboard: unauthorized: API key is unknown or revoked\n');
  });

  it('fires an agent; a move out of retired is refused with exit 5 naming the legal moves', async () => {
    expect((await run('fire', 'bot-2', '--reason', 'unresponsive', '--context', 'silent all night')).stdout).toBe('bot-2 fired (unresponsive): now retired, fired 1 time(s)\n');
    const r = await run('transition', 'bot-2', 'ready', '--reason', 'again');
    expect(r).toMatchObject({ code: 5, stdout: '' });
    expect(r.stderr).toBe("aetherboard: illegal_transition: agent 'bot-2' cannot move from retired to ready (legal moves: archived)\n");
  });

  it('exits with the documented code for each kind of failure', async () => {
    const [notFound, unauthorized, noKey, badUrl, unreachable, usage, invalid, badChoice] = await Promise.all([
      run('agents', 'show', 'nobody'),
      cli(['alerts', 'ls'], { AETHERBOARD_URL: s.url, AETHERBOARD_KEY: 'ab_not_a_real_key_at_all' }),
      cli(['agents', 'ls'], { AETHERBOARD_URL: s.url }),
      cli(['agents', 'ls', '--url', 'ftp://example'], { AETHERBOARD_KEY: 'k' }),
      cli(['agents', 'ls', '--url', 'http://127.0.0.1:9'], { AETHERBOARD_KEY: 'k' }),
      run('transition', 'bot-1', '--reason', 'no target'),
      run('agents', 'create', 'bot-3', '--owner', 'nobody', '--team', 'platform', '--tier', 'P1'),
      run('agents', 'ls', '--tier', 'P9'),
    ]);
    expect(notFound).toMatchObject({ code: 4, stderr: "aetherboard: not_found: agent 'nobody' was not found\n" });
    expect(unauthorized.code).toBe(3);
    expect(noKey).toMatchObject({ code: 2, stderr: 'aetherboard: no API key: pass --key or set AETHERBOARD_KEY\n' });
    expect(badUrl.code).toBe(2);
    expect(unreachable.code).toBe(6);
    expect(unreachable.stderr).toMatch(/^aetherboard: GET \/api\/agents: server unreachable/);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/missing required argument 'to'/);
    expect(invalid).toMatchObject({ code: 1, stdout: '' });
    expect(invalid.stderr).toMatch(/^aetherboard: unknown_reference: /);
    expect(badChoice.code).toBe(1);
    expect(badChoice.stderr).toMatch(/Allowed choices are P0, P1, P2/);
  });

  it('simulates a small fleet on this server with --url, next to what is already there', async () => {
    const r = await run('simulate', '--url', s.url, '--key', s.rootKey, '--agents', '12', '--pods', '3', '--duration', '1h', '--seed', '3', '--faults', 'silent=2', '--json', '--quiet');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { recall: number; precision: number; time: { clock: string }; faults: Array<{ agents: string[] }> };
    expect(report).toMatchObject({ recall: 1, precision: 1, time: { clock: 'manual' } });
    expect(report.faults[0]!.agents[0]).toMatch(/^sim-[a-z0-9]+-agent-\d+$/);
    // The workspace keeps its own workforce manager; the earlier agents are untouched.
    expect(await json('members', 'manager')).toMatchObject({ manager_id: 'grace' });
    expect(await json('agents', 'show', 'bot-1')).toMatchObject({ agent_id: 'bot-1', owner_id: 'ada' });
  });

  it('documents the exit codes and the connection flags in --help', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit codes:\n {2}0 {2}success\n/);
    for (const code of ['3  not authorised', '4  not found', '5  conflict', '6  server unreachable']) expect(r.stdout).toContain(code);
    expect(r.stdout).toContain('AETHERBOARD_URL');
    for (const verb of ['agents', 'transition', 'fire', 'heartbeat', 'alerts', 'keys', 'members', 'pods', 'simulate', 'demo']) expect(r.stdout).toMatch(new RegExp(`\\n {2}${verb}\\b`));
  });
});
