/**
 * The one visibility rule for compute environments, and so for their nodes and for where a task
 * may run: an admin sees every environment; a user sees their own and the shared ones. Only the
 * owner (or an admin) may manage one.
 */
import { eq, or, sql, type SQL } from 'drizzle-orm';
import { BatchError, notFound } from '../../protocol/errors.js';
import { computeEnvironments } from '../db/schema.js';
import type { Caller } from './caller.js';

/** The condition on `compute_environments` rows the caller may see (and run tasks on). */
export function environmentsVisibleTo(caller: Caller): SQL {
  return caller.admin
    ? sql`true`
    : or(eq(computeEnvironments.ownerId, caller.id), eq(computeEnvironments.shared, true))!;
}

export function canSeeEnvironment(caller: Caller, env: { ownerId: string; shared: boolean }): boolean {
  return caller.admin || env.ownerId === caller.id || env.shared;
}

/** Throws unless the caller may manage the environment: not found if they cannot even see it. */
export function requireManager(caller: Caller, env: { name: string; ownerId: string; shared: boolean }): void {
  if (!canSeeEnvironment(caller, env)) throw notFound('compute environment', env.name);
  if (!caller.admin && env.ownerId !== caller.id)
    throw new BatchError('FORBIDDEN', `compute environment "${env.name}" belongs to another user`);
}
