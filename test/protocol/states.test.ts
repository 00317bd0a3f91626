/**
 * The transition tables of SPEC §3: every entry is reachable through canTransition, nothing
 * outside the tables is, and a finished object only leaves its state by a restart.
 */
import t from 'tap';
import {
  ATTEMPT_STATES,
  ATTEMPT_TRANSITIONS,
  canTransition,
  INSTANCE_STATES,
  INSTANCE_TRANSITIONS,
  isAttemptFinished,
  isInstanceFinished,
  isJobFinished,
  isTaskFinished,
  JOB_STATES,
  JOB_TRANSITIONS,
  NODE_STATES,
  NODE_TRANSITIONS,
  statesLeadingTo,
  TASK_STATES,
  TASK_TRANSITIONS,
} from '../../protocol/states.js';

const tables = [
  { object: 'job', states: JOB_STATES, table: JOB_TRANSITIONS },
  { object: 'task', states: TASK_STATES, table: TASK_TRANSITIONS },
  { object: 'instance', states: INSTANCE_STATES, table: INSTANCE_TRANSITIONS },
  { object: 'attempt', states: ATTEMPT_STATES, table: ATTEMPT_TRANSITIONS },
  { object: 'node', states: NODE_STATES, table: NODE_TRANSITIONS },
] as const;

/** Where each state may go, other than staying put, as canTransition answers it. */
function exits<S extends string>(table: Readonly<Record<S, readonly S[]>>, states: readonly S[], from: S): S[] {
  return states.filter((to) => to !== from && canTransition(table, from, to));
}

for (const { object, states, table } of tables) {
  t.test(`${object}: the table covers exactly the ${object} states`, async (t) => {
    t.same(Object.keys(table).sort(), [...states].sort());
    for (const targets of Object.values<readonly string[]>(table)) {
      for (const to of targets) t.ok((states as readonly string[]).includes(to), `${to} is a ${object} state`);
    }
  });

  t.test(`${object}: every table entry is allowed, every other pair refused, staying put allowed`, async (t) => {
    const check = canTransition as (tb: unknown, from: string, to: string) => boolean;
    for (const from of states) {
      const allowed = (table as Record<string, readonly string[]>)[from]!;
      for (const to of states) {
        const expected = from === to || allowed.includes(to);
        t.equal(check(table, from, to), expected, `${from} → ${to}`);
      }
    }
  });

  t.test(`${object}: statesLeadingTo is the inverse of the table`, async (t) => {
    const leading = statesLeadingTo as (tb: unknown, to: string) => string[];
    for (const to of states) {
      const expected = states.filter((from) => (table as Record<string, readonly string[]>)[from]!.includes(to));
      t.same(leading(table, to), expected, `into ${to}`);
    }
  });
}

// The exits of finished states are written out here, not derived from the tables, so a change
// to a table that lets finished work move must change this test too.

t.test('a finished job leaves its state only by restart (→ PENDING); SUCCEEDED never', async (t) => {
  t.same(exits(JOB_TRANSITIONS, JOB_STATES, 'SUCCEEDED'), []);
  t.same(exits(JOB_TRANSITIONS, JOB_STATES, 'FAILED'), ['PENDING']);
  t.same(exits(JOB_TRANSITIONS, JOB_STATES, 'STOPPED'), ['PENDING']);
  t.same(JOB_STATES.filter(isJobFinished), ['SUCCEEDED', 'FAILED', 'STOPPED']);
});

t.test('a finished task is only re-armed by restart (→ WAITING or PENDING); SUCCEEDED never', async (t) => {
  t.same(exits(TASK_TRANSITIONS, TASK_STATES, 'SUCCEEDED'), []);
  for (const s of ['FAILED', 'STOPPED', 'SKIPPED'] as const) {
    t.same(exits(TASK_TRANSITIONS, TASK_STATES, s).sort(), ['PENDING', 'WAITING'], s);
  }
  t.same(TASK_STATES.filter(isTaskFinished), ['SUCCEEDED', 'FAILED', 'STOPPED', 'SKIPPED']);
});

t.test('a finished instance only runs again by restart (→ PENDING); a SUCCEEDED one never', async (t) => {
  t.same(
    exits(INSTANCE_TRANSITIONS, INSTANCE_STATES, 'SUCCEEDED'),
    [],
    'a node that comes back never restarts succeeded work',
  );
  for (const s of ['FAILED', 'STOPPED', 'SKIPPED'] as const)
    t.same(exits(INSTANCE_TRANSITIONS, INSTANCE_STATES, s), ['PENDING'], s);
  t.same(INSTANCE_STATES.filter(isInstanceFinished), ['SUCCEEDED', 'FAILED', 'STOPPED', 'SKIPPED']);
});

t.test('a finished attempt is final: a retry is a new attempt', async (t) => {
  for (const s of ['SUCCEEDED', 'FAILED', 'STOPPED'] as const)
    t.same(exits(ATTEMPT_TRANSITIONS, ATTEMPT_STATES, s), [], s);
  t.same(ATTEMPT_STATES.filter(isAttemptFinished), ['SUCCEEDED', 'FAILED', 'STOPPED']);
});

t.test('a terminated node never comes back; a lost one may', async (t) => {
  t.same(exits(NODE_TRANSITIONS, NODE_STATES, 'TERMINATED'), []);
  t.ok(canTransition(NODE_TRANSITIONS, 'LOST', 'READY'));
  t.ok(canTransition(NODE_TRANSITIONS, 'READY', 'LOST'));
});

t.test('a running instance may go back to PENDING (retry), an attempt may not', async (t) => {
  t.ok(canTransition(INSTANCE_TRANSITIONS, 'RUNNING', 'PENDING'));
  t.ok(canTransition(INSTANCE_TRANSITIONS, 'SCHEDULED', 'PENDING'));
  t.notOk(canTransition(ATTEMPT_TRANSITIONS, 'RUNNING', 'SCHEDULED'));
  t.notOk(canTransition(INSTANCE_TRANSITIONS, 'PENDING', 'RUNNING'), 'an instance is SCHEDULED before it runs');
});
