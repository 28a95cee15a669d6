const STORE_KEY = 'aetherboard.key';
/** Must match the cookie the server's /api/events route reads. */
const EVENTS_COOKIE = 'aetherboard_key';

/** The key lives in this tab only, unless the user asks to be remembered on this device. */
export function loadKey(): string | null {
  return sessionStorage.getItem(STORE_KEY) ?? localStorage.getItem(STORE_KEY);
}

export function saveKey(key: string, remember: boolean): void {
  sessionStorage.setItem(STORE_KEY, key);
  if (remember) localStorage.setItem(STORE_KEY, key);
  else localStorage.removeItem(STORE_KEY);
  setEventsCookie(key);
}

export function clearKey(): void {
  sessionStorage.removeItem(STORE_KEY);
  localStorage.removeItem(STORE_KEY);
  document.cookie = `${EVENTS_COOKIE}=; Path=/api/events; Max-Age=0; SameSite=Strict`;
}

/**
 * EventSource cannot send an Authorization header, so the live stream authenticates with a
 * cookie scoped to that one path; it never travels with any other request.
 */
export function setEventsCookie(key: string): void {
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  document.cookie = `${EVENTS_COOKIE}=${encodeURIComponent(key)}; Path=/api/events; SameSite=Strict${secure}`;
}
