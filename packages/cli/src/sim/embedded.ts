import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export interface Embedded {
  url: string;
  rootKey: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Where the manual clock starts (epoch ms). */
  startAt: number;
  port?: number;
  host?: string;
  /** A SQLite file to keep; default a temporary one, removed on stop. */
  db?: string;
  rootKey?: string;
}

/**
 * The product itself, inside this process: a SQLite database (synchronous=normal: a simulation
 * needs no crash durability), a manual clock that moves only when told, no rate limit, and the
 * dashboard. It runs on its own thread, so that the server and the simulated fleet driving it over
 * HTTP each get a core.
 */
export async function startEmbedded(o: EmbeddedOptions): Promise<Embedded> {
  const rootKey = o.rootKey ?? `ab_sim_${randomBytes(24).toString('hex')}`;
  if (process.env.AETHERBOARD_SIM_THREAD === 'main') return startHere({ ...o, rootKey });
  return startOnWorker({ ...o, rootKey });
}

/** The same server on the calling thread (what the worker runs). */
export async function startHere(o: EmbeddedOptions & { rootKey: string }): Promise<Embedded> {
  // Loaded only here: the admin commands never pay for the server's code.
  const server = await import('@aetherboard/server');
  const dir = o.db ? null : mkdtempSync(join(tmpdir(), 'aetherboard-sim-'));
  const file = o.db ?? join(dir!, 'simulation.db');
  const database = await server.openDatabase({ file, sqliteSync: 'normal' });
  const clock = new server.ManualClock(o.startAt);
  let app: ReturnType<typeof server.createApp> | undefined;
  try {
    await server.bootstrap(database, clock, o.rootKey);
    app = server.createApp({ database, clock, logger: false, rateLimitPerSecond: 0 });
    await app.start();
    await app.http.listen({ port: o.port ?? 0, host: o.host ?? '127.0.0.1' });
  } catch (err) {
    await app?.close().catch(() => undefined);
    await database.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const addr = app.http.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (o.port ?? 0);
  const host = o.host ?? '127.0.0.1';
  const started = app;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    rootKey: o.rootKey,
    stop: () =>
      (stopping ??= (async () => {
        await started.close();
        await database.close();
        if (dir) rmSync(dir, { recursive: true, force: true });
      })()),
  };
}

type FromWorker = { ready: true; url: string } | { error: string; code?: string } | { stopped: true };

function startOnWorker(o: EmbeddedOptions & { rootKey: string }): Promise<Embedded> {
  const entry = new URL(`./server-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  let worker: Worker;
  if (entry.pathname.endsWith('.ts')) {
    // Running from source: the worker needs the TypeScript loader the main thread was started with.
    const tsx = import.meta.resolve('tsx/esm/api');
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })
      .catch((e) => require('node:worker_threads').parentPort.postMessage({ error: String((e && e.stack) || e) }));`;
    worker = new Worker(boot, { eval: true, workerData: o });
  } else {
    worker = new Worker(entry, { workerData: o });
  }
  return new Promise((resolve, reject) => {
    let stopped: (() => void) | undefined;
    worker.on('message', (m: FromWorker) => {
      if ('ready' in m) {
        resolve({
          url: m.url,
          rootKey: o.rootKey,
          stop: () =>
            new Promise<void>((done) => {
              stopped = done;
              const force = setTimeout(() => void worker.terminate().then(() => done()), 10_000);
              force.unref();
              worker.postMessage('stop');
            }),
        });
      } else if ('error' in m) {
        reject(Object.assign(new Error(m.error.split('\n')[0]), { code: m.code }));
        void worker.terminate();
      } else if ('stopped' in m) {
        void worker.terminate().then(() => stopped?.());
      }
    });
    worker.on('error', reject);
    worker.on('exit', () => stopped?.());
  });
}
