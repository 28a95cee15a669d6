import { createRequire } from 'node:module';

/** The CLI's own version, read from its package.json so that `--version` needs no server code loaded. */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
