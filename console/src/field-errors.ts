/**
 * An API validation error (`{ error: { code, message, field?, details? } }`) as messages per
 * field path, so a form can show each under the input it names.
 */
import { ApiRequestError } from '../../sdk/index.js';

/** Field path → message, for every problem the error lists (its details, or itself). */
export function problemsByField(error: unknown): Map<string, string> {
  const problems = new Map<string, string>();
  if (!(error instanceof ApiRequestError)) return problems;
  for (const detail of error.details ?? []) {
    if (!problems.has(detail.field)) problems.set(detail.field, detail.message);
  }
  if (error.field && !problems.has(error.field)) {
    // The message repeats the field ("tasks[1].command: must not be empty"); the form shows where.
    problems.set(error.field, error.message.replace(`${error.field}: `, ''));
  }
  return problems;
}
