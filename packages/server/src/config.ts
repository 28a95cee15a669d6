import { z } from 'zod';

/** Configuration is parsed once, at start; a typo fails fast with one clear line. */
export const ConfigSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(7070),
  host: z.string().min(1).default('127.0.0.1'),
  db: z.string().min(1).default('./data/aetherboard.db'),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  clock: z.enum(['real', 'manual']).default('real'),
  /** Start time of the manual clock (ISO-8601); defaults to the real time at start. */
  clockStart: z.iso.datetime({ offset: true }).optional(),
  rootKey: z.string().min(16, 'must be at least 16 characters').optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  sqliteSync: z.enum(['full', 'normal']).default('full'),
  rateLimitPerSecond: z.coerce.number().min(0).default(5000),
  heartbeatRetentionDays: z.coerce.number().min(0.001).default(7),
  webDir: z.string().optional(),
  /** PostgreSQL replicas: engine lease length; a dead leader is replaced within two of these. */
  leaseTtlMs: z.coerce.number().int().min(500).max(600_000).default(5_000),
  engineTickMs: z.coerce.number().int().min(10).max(60_000).default(250),
});
export type Config = z.infer<typeof ConfigSchema>;

const ENV: Record<string, keyof Config> = {
  AETHERBOARD_PORT: 'port',
  AETHERBOARD_HOST: 'host',
  AETHERBOARD_DB: 'db',
  DATABASE_URL: 'databaseUrl',
  AETHERBOARD_CLOCK: 'clock',
  AETHERBOARD_CLOCK_START: 'clockStart',
  AETHERBOARD_ROOT_KEY: 'rootKey',
  AETHERBOARD_LOG_LEVEL: 'logLevel',
  AETHERBOARD_SQLITE_SYNC: 'sqliteSync',
  AETHERBOARD_RATE_LIMIT: 'rateLimitPerSecond',
  AETHERBOARD_HEARTBEAT_RETENTION_DAYS: 'heartbeatRetentionDays',
  AETHERBOARD_WEB_DIR: 'webDir',
  AETHERBOARD_LEASE_TTL_MS: 'leaseTtlMs',
  AETHERBOARD_ENGINE_TICK_MS: 'engineTickMs',
};

export const ENV_VARS = Object.keys(ENV);

export class ConfigError extends Error {}

/** Flags win over environment variables, which win over defaults. Empty variables count as unset. */
export function loadConfig(flags: Partial<Record<keyof Config, unknown>>, env: NodeJS.ProcessEnv): Config {
  const raw: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV)) {
    const v = env[name];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) raw[k] = v;
  const r = ConfigSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    const key = String(i.path[0] ?? '');
    const envName = Object.entries(ENV).find(([, k]) => k === key)?.[0];
    throw new ConfigError(`invalid configuration: ${key}${envName ? ` (--${kebab(key)} / ${envName})` : ''}: ${i.message}`);
  }
  return r.data;
}

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
