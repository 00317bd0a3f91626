/**
 * The limits on what users, agents and unauthenticated peers may send, in one place: each has a
 * number here, a test, and a row in docs/security.md. Sizes are chosen so that honest use never
 * meets them and hostile use cannot exhaust the controller's memory, disk or CPU.
 */
import { z } from 'zod';

/** A JSON request body (specs, templates, environments, users); uploads have their own limit. */
export const MAX_REQUEST_BYTES = 1024 * 1024;
/** Labels of a node, or entries of a task's `nodeSelector`. */
export const MAX_LABELS = 64;
export const MAX_LABEL_KEY_LENGTH = 63;
export const MAX_LABEL_VALUE_LENGTH = 255;
/** A task's `env`. */
export const MAX_ENV_VARS = 256;
export const MAX_ENV_VALUE_LENGTH = 32 * 1024;
/** A task's `inputs` and `outputs` maps. */
export const MAX_STAGED_PATHS = 1000;
export const MAX_PATH_LENGTH = 4096;
/** A task's `mounts`. */
export const MAX_MOUNTS = 16;
/** A host name, node name or other short free text. */
export const MAX_SHORT_TEXT = 255;

/** A surrogate without its partner: no UTF-8 encoding exists for it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Label keys: a name, optionally with a `prefix/` (as Kubernetes labels). */
const LABEL_KEY = /^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/;

/**
 * Why `text` cannot be stored or shown safely, or undefined: NUL (PostgreSQL refuses it), lone
 * surrogates (not UTF-8), and control characters (they forge log lines and drive terminals).
 * Tabs and line breaks are allowed where `multiline` (commands, env values, descriptions).
 */
export function unsafeCharacter(text: string, multiline = true): string | undefined {
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode (it has a lone surrogate)';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code === 0) return 'must not contain a NUL character';
    const control = code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0);
    if (control && !(multiline && (code === 0x09 || code === 0x0a || code === 0x0d)))
      return `must not contain control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return undefined;
}

/** The first unsafe string in a parsed JSON value (keys included), with its path. */
export function findUnsafeString(
  value: unknown,
  path: readonly (string | number)[] = [],
): { path: (string | number)[]; problem: string } | undefined {
  if (typeof value === 'string') {
    const problem = unsafeCharacter(value);
    return problem ? { path: [...path], problem } : undefined;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findUnsafeString(item, [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const problem = unsafeCharacter(key, false);
      if (problem) return { path: [...path, key], problem: `key ${problem}` };
      const found = findUnsafeString(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

/** One line of printable text, at most `max` characters. */
export const shortText = (max = MAX_SHORT_TEXT) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => unsafeCharacter(s, false) === undefined, 'must be printable text on one line');

/** Labels (and `nodeSelector`): bounded in count and size, keys of a fixed alphabet. */
export const labelsSchema = z
  .record(
    z
      .string()
      .max(MAX_LABEL_KEY_LENGTH, `label keys must be at most ${MAX_LABEL_KEY_LENGTH} characters`)
      .regex(LABEL_KEY, 'label keys are letters, digits, "_", "." and "-" (optionally after a "prefix/")'),
    shortText(MAX_LABEL_VALUE_LENGTH),
  )
  .refine((labels) => Object.keys(labels).length <= MAX_LABELS, `must have at most ${MAX_LABELS} labels`);

/** What an agent-supplied string may safely show in the controller's log: printable, bounded. */
export function printable(text: string, max = 80): string {
  let clean = '';
  // Code point by code point: a control character or half a surrogate pair is one of them.
  for (const char of text) {
    if (clean.length >= max) return `${clean}…`;
    clean += unsafeCharacter(char, false) === undefined ? char : '?';
  }
  return clean;
}
