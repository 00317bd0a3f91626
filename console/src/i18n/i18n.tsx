/**
 * English and Simplified Chinese. Every visible string goes through `t(key)`; the dictionaries'
 * types make a key missing from either one a compile error. The choice is kept in localStorage
 * (it is not a secret) and sets <html lang>.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { en, type MessageKey } from './en.js';
import { zh } from './zh.js';

export const LOCALES = { en, zh } as const;
export type Locale = keyof typeof LOCALES;
export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

const LOCALE_KEY = 'batch.locale';

interface I18n {
  locale: Locale;
  setLocale: (locale: Locale) => void;
  t: Translate;
}

const I18nContext = createContext<I18n | undefined>(undefined);

function initialLocale(): Locale {
  const saved = localStorage.getItem(LOCALE_KEY);
  if (saved === 'en' || saved === 'zh') return saved;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  useEffect(() => {
    document.documentElement.lang = locale === 'zh' ? 'zh-CN' : 'en';
    document.title = LOCALES[locale]['app.title'];
  }, [locale]);
  const setLocale = useCallback((next: Locale) => {
    localStorage.setItem(LOCALE_KEY, next);
    setLocaleState(next);
  }, []);
  const t = useCallback<Translate>(
    (key, values) => {
      const text: string = LOCALES[locale][key];
      if (!values) return text;
      return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
    },
    [locale],
  );
  const value = useMemo(() => ({ locale, setLocale, t }), [locale, setLocale, t]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

/** `{n} job` or `{n} jobs`: the `.one` or `.other` form of a message, chosen by the count. */
export function plural(
  t: Translate,
  base: 'admin.usageJobs' | 'admin.usageEnvironments' | 'admin.usageSchedules',
  n: number,
): string {
  return t(n === 1 ? `${base}.one` : `${base}.other`, { n });
}

export function useI18n(): I18n {
  const i18n = useContext(I18nContext);
  if (!i18n) throw new Error('useI18n outside I18nProvider');
  return i18n;
}

export function useT(): Translate {
  return useI18n().t;
}
