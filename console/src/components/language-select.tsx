/** The language switch: on the sign-in form (its label shown) and in the top bar (label for screen readers). */
import { useI18n } from '../i18n/i18n.js';

export function LanguageSelect({ className, labelHidden = false }: { className?: string; labelHidden?: boolean }) {
  const { t, locale, setLocale } = useI18n();
  return (
    <label className={className}>
      <span className={labelHidden ? 'visually-hidden' : undefined}>{t('language.label')}</span>
      <select
        value={locale}
        onChange={(event) => {
          setLocale(event.target.value === 'zh' ? 'zh' : 'en');
        }}
      >
        <option value="en">English</option>
        <option value="zh">简体中文</option>
      </select>
    </label>
  );
}
