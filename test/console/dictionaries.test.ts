/**
 * The two dictionaries say the same things: the same keys (the compiler checks that too), no
 * empty text, and the same `{placeholders}`, so no translation drops or invents a value.
 */
import t from 'tap';
import { en } from '../../console/src/i18n/en.js';
import { zh } from '../../console/src/i18n/zh.js';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

t.same(Object.keys(zh).sort(), Object.keys(en).sort(), 'the same keys');
for (const [key, english] of Object.entries(en)) {
  const chinese = zh[key as keyof typeof zh];
  t.ok(chinese.trim() !== '' && english.trim() !== '', `${key} has text in both`);
  t.same(placeholders(chinese), placeholders(english), `${key} fills the same values`);
}
t.ok(
  Object.entries(en).filter(([key, value]) => zh[key as keyof typeof zh] === value).length < 5,
  'only a few strings read the same in both (figures like "CPU {n}%")',
);
