import { sql, type Kysely } from 'kysely';
import type { MigrationFactory } from './kit.js';

/** Skills and who holds them, pod/team budgets, and what assignments need for governance. */
export const governance: MigrationFactory = () => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('skills')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('skill_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('owner_id', 'text', (c) => c.notNull())
      .addColumn('spec', 'text', (c) => c.notNull())
      .addColumn('recertify_every_days', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('skills_pk', ['workspace_id', 'skill_id'])
      .execute();
    await db.schema
      .createTable('agent_skills')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('agent_id', 'text', (c) => c.notNull())
      .addColumn('skill_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('validated_at', 'bigint')
      .addColumn('expires_at', 'bigint')
      .addColumn('evidence', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('agent_skills_pk', ['workspace_id', 'agent_id', 'skill_id'])
      .execute();
    // Recertification falls due by time: found through this index, not by scanning holders.
    await sql`CREATE INDEX agent_skills_expiry ON agent_skills (expires_at) WHERE status = 'validated'`.execute(db);
    await db.schema.createIndex('agent_skills_skill').on('agent_skills').columns(['workspace_id', 'skill_id']).execute();
    await db.schema
      .createTable('budgets')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('scope_id', 'text', (c) => c.notNull())
      .addColumn('daily_usd', 'double precision', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('budgets_pk', ['workspace_id', 'scope', 'scope_id'])
      .execute();
    await db.schema.alterTable('assignments').addColumn('pod_id', 'text').execute();
    await db.schema.alterTable('assignments').addColumn('dri_id', 'text').execute();
    await db.schema.alterTable('assignments').addColumn('required_skills', 'text', (c) => c.notNull().defaultTo('[]')).execute();
    await db.schema.alterTable('assignments').addColumn('evidence', 'text', (c) => c.notNull().defaultTo('[]')).execute();
  },
});
