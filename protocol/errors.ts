/**
 * The error shape shared by the API, the CLI and the validators: `{ code, message, field? }`.
 * `field` is a path such as `tasks[1].instances`, so a user sees exactly what to fix.
 */
export const ERROR_CODES = [
  'BAD_REQUEST', // malformed JSON / YAML, wrong content type
  'VALIDATION', // schema or semantic rule broken (422)
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'QUOTA_EXCEEDED',
  'NOT_FOUND',
  'GONE', // no longer retained: an event stream resumed from before the retention window (410)
  'CONFLICT',
  'IDEMPOTENT_PARAMETER_MISMATCH', // a clientToken used before with a different job spec (409)
  'TOO_LARGE', // a request body over its limit (413)
  'TOO_MANY_REQUESTS', // a limit on how often or how many at once (429)
  'UNPLACEABLE', // no node of the environment could ever run the task (422)
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ApiError {
  code: ErrorCode;
  message: string;
  field?: string;
  /** Every problem found, when there was more than one. */
  details?: { field: string; message: string }[];
}

export class BatchError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly details?: { field: string; message: string }[],
  ) {
    super(message);
    this.name = 'BatchError';
  }

  toJSON(): ApiError {
    const out: ApiError = { code: this.code, message: this.message };
    if (this.field !== undefined) out.field = this.field;
    if (this.details !== undefined && this.details.length > 1) out.details = this.details;
    return out;
  }
}

/** Formats a path of keys and indexes as `tasks[1].env.KEY`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** The one wording of a missing (or invisible: another user's) resource. */
export const notFound = (what: string, id: string): BatchError =>
  new BatchError('NOT_FOUND', `${what} "${id}" not found`);
