/**
 * Ages ("last heartbeat 2 min ago") are measured on the server's clock, which may be a manual
 * simulation clock far from the browser's. Every server timestamp we learn "now" from moves the
 * offset; the browser's own clock only interpolates between them.
 */
let offsetMs = 0;

export function syncServerNow(serverIso: string | null | undefined): void {
  if (!serverIso) return;
  const t = Date.parse(serverIso);
  if (Number.isFinite(t)) offsetMs = t - Date.now();
}

export function serverNow(): number {
  return Date.now() + offsetMs;
}
