/** Times and durations as people read them, in the console's language. */
import type { Locale, Translate } from './i18n/i18n.js';

export function formatTime(iso: string | null | undefined, locale: Locale): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(locale === 'zh' ? 'zh-CN' : 'en-GB', {
    dateStyle: 'short',
    timeStyle: 'medium',
  }).format(new Date(iso));
}

/** From start to end, or to now while it runs; '—' before it started. */
export function formatDuration(start: string | null | undefined, end: string | null | undefined, t: Translate): string {
  if (!start) return '—';
  const ms = (end ? Date.parse(end) : Date.now()) - Date.parse(start);
  if (ms < 1000) return t('duration.ms', { n: Math.max(0, ms) });
  const seconds = ms / 1000;
  if (seconds < 60) return t('duration.s', { n: seconds.toFixed(1) });
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return t('duration.m', { m: minutes, s: Math.round(seconds % 60) });
  return t('duration.h', { h: Math.floor(minutes / 60), m: minutes % 60 });
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]!}`;
}
