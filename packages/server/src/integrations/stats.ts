/** How many pushes each notifier made per workspace and how they went, for `/metrics`. */
export class NotifyStats {
  private readonly counts = new Map<string, { workspace: string; target: string; result: string; n: number }>();

  count(workspace: string, target: string, ok: boolean, n = 1): void {
    const result = ok ? 'ok' : 'error';
    const key = `${workspace}\u0000${target}\u0000${result}`;
    const cur = this.counts.get(key);
    if (cur) cur.n += n;
    else this.counts.set(key, { workspace, target, result, n });
  }

  samples(): Array<{ workspace: string; target: string; result: string; n: number }> {
    return [...this.counts.values()];
  }
}
