import type { Command } from 'commander';
import { createClient, type AetherBoardClient } from '@aetherboard/sdk';
import { CliError, EXIT, report } from './exit.js';

export const DEFAULT_URL = 'http://127.0.0.1:7070';

/** The flags every command that talks to a server takes. */
export interface ApiFlags {
  url?: string;
  key?: string;
  json?: boolean;
}

/** Adds --url, --key and --json to a command (each command owns them, so they go after its name). */
export function withApi(cmd: Command): Command {
  return cmd
    .option('--url <url>', `server URL (AETHERBOARD_URL, default ${DEFAULT_URL})`)
    .option('--key <key>', 'API key (AETHERBOARD_KEY, else AETHERBOARD_ROOT_KEY)')
    .option('--json', 'print JSON for scripts instead of a table');
}

export function resolveUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const raw = flag ?? (env.AETHERBOARD_URL || DEFAULT_URL);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new CliError(`invalid server URL '${raw}' (--url / AETHERBOARD_URL): expected e.g. ${DEFAULT_URL}`, EXIT.config);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new CliError(`invalid server URL '${raw}' (--url / AETHERBOARD_URL): only http and https are supported`, EXIT.config);
  }
  return raw.replace(/\/+$/, '');
}

export function resolveKey(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  // The root key a local server was started with is the natural fallback on the same shell.
  const key = flag ?? (env.AETHERBOARD_KEY || env.AETHERBOARD_ROOT_KEY);
  if (!key) throw new CliError('no API key: pass --key or set AETHERBOARD_KEY', EXIT.config);
  return key;
}

export function connect(flags: ApiFlags, opts: { timeoutMs?: number } = {}): AetherBoardClient {
  return createClient({ url: resolveUrl(flags.url), key: resolveKey(flags.key), timeoutMs: opts.timeoutMs });
}

/**
 * Wraps a command's action: any failure becomes one line on stderr and the documented exit code.
 * The process then ends by itself, so piped output is never cut short.
 */
export function run<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      report(err);
    }
  };
}

/** Commander hands the action its positional arguments, then the options, then the command. */
export type Flags<T> = T & ApiFlags;
