import { sql, type Migration } from 'kysely';
import type { Dialect } from '../db.js';

export type MigrationFactory = (dialect: Dialect) => Migration;

/** An auto-numbered primary key, spelled the way each database wants it. */
export const serialColumn = (dialect: Dialect, name: string) =>
  dialect === 'postgres' ? sql.raw(`${name} BIGSERIAL PRIMARY KEY`) : sql.raw(`${name} INTEGER PRIMARY KEY AUTOINCREMENT`);
