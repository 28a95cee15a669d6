import type { Command } from 'commander';
import { paginate } from '@aetherboard/sdk';
import { note } from './output.js';
import { int } from './parse.js';

/** The flags every list command takes. */
export interface PageFlags {
  limit?: number;
  cursor?: string;
  all?: boolean;
  json?: boolean;
}

/** Adds --limit, --cursor and --all to a list command. */
export function withPages(cmd: Command, all = 'every page'): Command {
  return cmd
    .option('--limit <n>', 'at most this many (default 50, max 1000)', int(1, 1000))
    .option('--cursor <cursor>', 'continue after a previous page')
    .option('--all', all);
}

/** Pages through a list (all of it with --all), telling people on stderr when more remain. */
export async function listPages<T, Q extends { limit?: unknown; cursor?: string }>(
  fetchPage: (q: Q) => Promise<{ items: T[]; next_cursor: string | null }>,
  query: Q,
  f: PageFlags & { what: string },
): Promise<T[]> {
  const q = { ...query, limit: f.limit ?? query.limit, cursor: f.cursor ?? query.cursor };
  if (f.all) {
    const out: T[] = [];
    const all = paginate((p: { limit?: number; cursor?: string }) => fetchPage({ ...q, ...p }), { limit: 1000, cursor: q.cursor });
    for await (const item of all) out.push(item);
    return out;
  }
  const page = await fetchPage(q);
  if (page.next_cursor && !f.json) note(`more ${f.what} follow: add --all, or --cursor ${page.next_cursor}`);
  return page.items;
}
