/**
 * Times as people read them in a terminal: "3m ago" for the recent past, an ISO date beyond a
 * week (a relative "41d ago" is harder to place than a date).
 */
const UNITS: [limitSeconds: number, unitSeconds: number, suffix: string][] = [
  [60, 1, 's'],
  [3600, 60, 'm'],
  [86400, 3600, 'h'],
  [7 * 86400, 86400, 'd'],
];

export function formatTime(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return '-';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const seconds = Math.round((now - at) / 1000);
  if (seconds < 0) return new Date(at).toISOString();
  for (const [limit, unit, suffix] of UNITS) {
    if (seconds < limit) return seconds < 1 ? 'just now' : `${Math.floor(seconds / unit)}${suffix} ago`;
  }
  return new Date(at).toISOString();
}
