import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, startTestServer, type TestServer } from '../test-support/harness.js';
import { getWorkspace, updateSettingsSection } from './workspaces.js';

describe.each(dialects())('workspace settings sections on %s', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect);
  });
  afterAll(async () => s?.close());

  it('keeps every one of many concurrent changes, to one section and to others', async () => {
    const db = s.database.db;
    // Each change reads, awaits, then writes: a plain read-merge-write would keep only a few.
    const appends = Array.from({ length: 20 }, (_, i) => updateSettingsSection<number[]>(db, 'default', 'test_list', (cur) => [...(cur ?? []), i]));
    const others = Array.from({ length: 10 }, (_, i) => updateSettingsSection<Record<string, number>>(db, 'default', `test_other_${i}`, () => ({ i })));
    await Promise.all([...appends, ...others]);
    const stored = JSON.parse((await getWorkspace(db, 'default'))!.settings) as Record<string, unknown>;
    expect((stored.test_list as number[]).slice().sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    for (let i = 0; i < 10; i++) expect(stored[`test_other_${i}`]).toEqual({ i });
  });

  it('drops a section set to undefined and refuses an unknown workspace', async () => {
    await updateSettingsSection(s.database.db, 'default', 'test_list', () => undefined);
    expect(JSON.parse((await getWorkspace(s.database.db, 'default'))!.settings)).not.toHaveProperty('test_list');
    await expect(updateSettingsSection(s.database.db, 'nowhere', 'x', () => 1)).rejects.toThrow(/does not exist/);
  });
});
