/**
 * Runs every benchmark in this folder, one after another, each in its own process so one's heap
 * and JIT state never colours another's numbers. Each prints one JSON line; this prints them all.
 * `npm run bench -- heartbeat` runs only the files whose name contains "heartbeat".
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2] ?? '';
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts') && f.includes(filter))
  .sort();
let failed = 0;
for (const f of files) {
  process.stderr.write(`bench: ${f}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, f)], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    failed += 1;
    process.stderr.write(`bench: ${f} exited ${r.status}\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
