import t from 'tap';
import { formatTable } from '../../cli/table.js';
import { loadTextWidth } from '../../cli/text-width.js';
import { formatTime } from '../../cli/time.js';
import { progressLine } from '../../cli/job-progress.js';
import { formatCounts } from '../../cli/views/counts.js';
import { instancesTable } from '../../cli/views/instances.js';
import { nodesTable } from '../../cli/views/nodes.js';
import { failedAttempt, instance, job, node, task } from '../support/api-fixtures.js';

const NOW = Date.parse('2026-11-27T10:00:00.000Z');

// What CliContext.render does before it renders text for people.
t.before(loadTextWidth);

t.test('formatTable aligns columns, right-aligns numbers on request, leaves no trailing spaces', async (t) => {
  const table = formatTable(
    ['NAME', { header: 'N', align: 'right' }, 'NOTE'],
    [
      ['a', '1', ''],
      ['longer-name', '100', 'last column is not padded'],
    ],
  );
  t.equal(
    table,
    ['NAME           N  NOTE', 'a              1', 'longer-name  100  last column is not padded'].join('\n'),
  );
});

t.test('formatTable with no rows is just the header', async (t) => {
  t.equal(formatTable(['A', 'BB'], []), 'A  BB');
});

t.test('formatTime is relative for the last week, ISO beyond', async (t) => {
  t.equal(formatTime('2026-11-27T09:59:59.600Z', NOW), 'just now');
  t.equal(formatTime('2026-11-27T09:59:30.000Z', NOW), '30s ago');
  t.equal(formatTime('2026-11-27T09:57:00.000Z', NOW), '3m ago');
  t.equal(formatTime('2026-11-27T07:00:00.000Z', NOW), '3h ago');
  t.equal(formatTime('2026-11-25T10:00:00.000Z', NOW), '2d ago');
  t.equal(formatTime('2026-10-01T10:00:00.000Z', NOW), '2026-10-01T10:00:00.000Z');
  t.equal(formatTime('2026-11-28T10:00:00.000Z', NOW), '2026-11-28T10:00:00.000Z', 'the future (clock skew) as a date');
  t.equal(formatTime(null, NOW), '-');
  t.equal(formatTime('yesterday', NOW), 'yesterday', 'unparsable times shown as given');
});

t.test('counts are ordered by lifecycle, zeros dropped, unknown states last', async (t) => {
  t.equal(formatCounts({ SUCCEEDED: 23, PENDING: 3, RUNNING: 4, FAILED: 0 }), 'PENDING 3  RUNNING 4  SUCCEEDED 23');
  t.equal(formatCounts({ SUCCEEDED: 1, ZOMBIE: 2 }), 'SUCCEEDED 1  ZOMBIE 2');
  t.equal(formatCounts({}), '');
});

t.test('the progress line of --wait', async (t) => {
  const tasks = [
    task({ instances: 20, counts: { PENDING: 3, RUNNING: 4, SUCCEEDED: 13 } }),
    task({ name: 'b', instances: 10, counts: { SUCCEEDED: 10 } }),
  ];
  t.equal(progressLine(job({ tasks })), 'job j-1234 RUNNING  PENDING 3  RUNNING 4  SUCCEEDED 23 / 30');
  t.equal(progressLine(job({ tasks: [task({ counts: {} })] })), 'job j-1234 RUNNING  / 2');
});

t.test('the instances table', async (t) => {
  const table = instancesTable(
    [
      instance({ index: 0, state: 'FAILED', attempts: [failedAttempt('n-1', 137)] }),
      instance({ index: 10, state: 'PENDING', pendingReason: 'QUOTA' }),
    ],
    NOW,
  );
  t.equal(
    table,
    [
      'INDEX  STATE    PENDING REASON  ATTEMPTS  NODE  EXIT  FAILURE    ENDED     MESSAGE',
      '    0  FAILED                          1  n-1    137  EXIT_CODE  just now  exited with code 137',
      '   10  PENDING  QUOTA                  0  -        -             -',
    ].join('\n'),
  );
  t.equal(instancesTable([], NOW), 'No instances.');
});

t.test('the nodes table', async (t) => {
  t.equal(
    nodesTable([node({ lastHeartbeatAt: '2026-11-27T09:59:50.000Z' })], NOW),
    [
      'ID   NAME      STATE  ENVIRONMENT  CPU ALLOC  MEM ALLOC MiB  GPU ALLOC  CPU%  MEM USED MiB  DISK FREE MiB  LOAD  HEARTBEAT',
      'n-1  worker-1  READY  local            2.5/8     4096/16384        0/0    12    5000/16384              1  0.50  10s ago',
    ].join('\n'),
  );
});
