/**
 * The one place where states become SQL. Every guard of a write to a `state` column is rendered
 * from the transition table in protocol/states.ts, so a transition the table forbids cannot be
 * written by any statement, and reads name their state sets by the protocol's constants.
 * `test/controller/state-writes.test.ts` fails when controller code spells a state in SQL
 * anywhere else.
 *
 * Column aliases and state names are the program's own constants, never user input; that is
 * why they may be rendered with `sql.raw`.
 */
import { sql, type SQL } from 'drizzle-orm';
import {
  ATTEMPT_TRANSITIONS,
  INSTANCE_TRANSITIONS,
  JOB_TRANSITIONS,
  NODE_TRANSITIONS,
  statesLeadingTo,
  TASK_TRANSITIONS,
  type AttemptState,
  type InstanceState,
  type JobState,
  type NodeState,
  type TaskState,
} from '../../protocol/states.js';

/** The tables with a `state` column, and the states each may hold. */
export interface StateOf {
  jobs: JobState;
  tasks: TaskState;
  instances: InstanceState;
  attempts: AttemptState;
  nodes: NodeState;
}
export type StateTable = keyof StateOf;

const TRANSITIONS: { [T in StateTable]: Readonly<Record<StateOf[T], readonly StateOf[T][]>> } = {
  jobs: JOB_TRANSITIONS,
  tasks: TASK_TRANSITIONS,
  instances: INSTANCE_TRANSITIONS,
  attempts: ATTEMPT_TRANSITIONS,
  nodes: NODE_TRANSITIONS,
};

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const STATE_NAME = /^[A-Z_]+$/;

function column(alias: string | undefined, name = 'state'): SQL {
  if (alias !== undefined && !IDENTIFIER.test(alias)) throw new Error(`not an SQL alias: ${alias}`);
  return sql.raw(alias === undefined ? name : `${alias}.${name}`);
}

/** A list of the program's own constants (states, failure reasons) as SQL literals. */
export function literalList(values: Iterable<string>): SQL {
  const list = [...values];
  for (const v of list) if (!STATE_NAME.test(v)) throw new Error(`not a constant name: ${v}`);
  if (list.length === 0) throw new Error('an empty list cannot be rendered as SQL IN (…)');
  return sql.raw(list.map((v) => `'${v}'`).join(', '));
}

/** A state as an SQL literal: `SET state = ${stateValue('instances', 'SCHEDULED')}`. */
export function stateValue<T extends StateTable>(table: T, state: StateOf[T]): SQL {
  if (!(state in TRANSITIONS[table])) throw new Error(`${table} have no state ${state}`);
  return literalList([state]);
}

/** A read: `<alias>.state IN (…)`, for a state set named in protocol/states.ts. */
export function stateIn<T extends StateTable>(table: T, states: readonly StateOf[T][], alias?: string): SQL {
  for (const s of states) if (!(s in TRANSITIONS[table])) throw new Error(`${table} have no state ${s}`);
  return sql`${column(alias)} IN (${literalList(states)})`;
}

/**
 * The guard of a write to `to`: `<alias>.state IN (every state from which the table allows
 * `to`)`. A row that moved on since the snapshot, or is already there, is simply not touched.
 */
export function canMoveTo<T extends StateTable>(table: T, to: StateOf[T], alias?: string): SQL {
  return stateIn(table, statesLeadingTo(TRANSITIONS[table], to), alias);
}

/**
 * The guard of a write whose target comes from data (a plan's rows): the pair (current state,
 * target) must be a transition the table allows. Rendered as a VALUES list of every such pair.
 */
export function transitionAllowed(table: StateTable, to: SQL, alias?: string): SQL {
  const table_ = TRANSITIONS[table] as Readonly<Record<string, readonly string[]>>;
  const pairs = Object.entries(table_).flatMap(([from, tos]) => tos.map((t) => `('${from}', '${t}')`));
  return sql`(${column(alias)}, ${to}) IN (VALUES ${sql.raw(pairs.join(', '))})`;
}
