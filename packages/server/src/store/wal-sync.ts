import { open, stat, type FileHandle } from 'node:fs/promises';

/**
 * Durability without blocking the event loop. SQLite runs with synchronous=NORMAL (commits write
 * the WAL but do not fsync it) and every acknowledged write then waits for an fdatasync of the
 * WAL file done on libuv's thread pool. SQLite syncs the WAL itself before each checkpoint and the
 * database after it, so a committed transaction is always in a synced WAL or a synced database:
 * what is acknowledged survives power loss exactly as with synchronous=FULL, while the server keeps
 * parsing and answering other requests during the fsync. Concurrent callers share one fsync;
 * a caller that arrives while one is running waits for the next, which covers its commit.
 */
const RECHECK_EVERY = 1_000;

export class WalSync {
  private fh: FileHandle | null = null;
  private ino = -1;
  private sinceCheck = 0;
  private inflight: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  syncs = 0;

  constructor(private readonly path: string) {}

  sync(): Promise<void> {
    if (!this.inflight) {
      this.inflight = this.run();
      return this.inflight;
    }
    this.next ??= this.inflight.then(() => {
      this.next = null;
      return this.sync();
    });
    return this.next;
  }

  private async run(): Promise<void> {
    try {
      // While the database stays open SQLite keeps its WAL file (it resets it, never replaces
      // it), so the handle opened once serves every later sync; it is checked again only every
      // so often, in case something outside this process removed the file.
      if (!this.fh || ++this.sinceCheck >= RECHECK_EVERY) {
        this.sinceCheck = 0;
        let st;
        try {
          st = await stat(this.path);
        } catch {
          return; // no WAL yet: nothing has been written
        }
        if (!this.fh || st.ino !== this.ino) {
          await this.fh?.close().catch(() => undefined);
          this.fh = await open(this.path, 'r');
          this.ino = st.ino;
        }
      }
      await this.fh.datasync();
      this.syncs += 1;
    } finally {
      this.inflight = null;
    }
  }

  async close(): Promise<void> {
    await this.inflight?.catch(() => undefined);
    await this.fh?.close().catch(() => undefined);
    this.fh = null;
  }
}
