/**
 * What a key below admin sees of a destination URL: its scheme and host, never the user info, path or
 * query where tokens live (Slack and Discord webhook URLs carry theirs in the path).
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}/…`;
  } catch {
    return '…';
  }
}

const EMBEDDED_URL = /[a-z][a-z0-9+.-]*:\/\/[^\s"'<>|]+/gi;

/** Every URL in `value`, whole strings or inside one (a thread key, an error), redacted; all else kept. */
export function redactUrlsIn<T>(value: T): T {
  if (typeof value === 'string') return value.replace(EMBEDDED_URL, (url) => redactUrl(url)) as T;
  if (Array.isArray(value)) return value.map((item) => redactUrlsIn(item)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactUrlsIn(item)])) as T;
  return value;
}

/** Secrets (webhook and notifier URLs and headers) are shown in full to admin keys only. */
export function seesSecrets(principal: { scope?: string } | undefined): boolean {
  return principal?.scope === 'admin';
}
