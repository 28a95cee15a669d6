import { parentPort, workerData } from 'node:worker_threads';
import { startHere, type EmbeddedOptions } from './embedded.js';

/** The embedded server's thread: starts it, says where it listens, stops when told. */
const port = parentPort!;
try {
  const server = await startHere(workerData as EmbeddedOptions & { rootKey: string });
  port.on('message', (m) => {
    if (m !== 'stop') return;
    void server.stop().finally(() => port.postMessage({ stopped: true }));
  });
  port.postMessage({ ready: true, url: server.url });
} catch (err) {
  const e = err as { message?: string; code?: string };
  port.postMessage({ error: e.message ?? String(err), code: e.code });
}
