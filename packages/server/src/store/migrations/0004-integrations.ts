import type { Kysely } from 'kysely';
import type { MigrationFactory } from './kit.js';

/**
 * What outside alerting systems were told. A row says "this alert was sent as firing to that
 * target"; it goes once the resolution has been delivered, so a restart in between still sends it.
 */
export const integrations: MigrationFactory = () => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('forwarded_alerts')
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('alert_id', 'text', (c) => c.notNull())
      .addColumn('firing_sent_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('forwarded_alerts_pk', ['target', 'workspace_id', 'alert_id'])
      .execute();
  },
});
