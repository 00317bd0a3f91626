/**
 * What a failed statement was, across both drivers: drizzle wraps the driver's error, whose
 * SQLSTATE is `code` on postgres.js's PostgresError and on PGlite's DatabaseError alike.
 */

/** SQLSTATE 23505: a unique index refused the row (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    // postgres.js names the constraint `constraint_name`, PGlite `constraint`.
    const fields = e as { code?: unknown; constraint_name?: unknown; constraint?: unknown };
    if (fields.code === '23505') {
      return constraint === undefined || fields.constraint_name === constraint || fields.constraint === constraint;
    }
  }
  return false;
}
