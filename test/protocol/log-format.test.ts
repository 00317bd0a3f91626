import t from 'tap';
import { parseLogLevel, readableLogLine } from '../../protocol/log-format.js';

t.test('BATCH_LOG_LEVEL: unset is info; a known level in any case; anything else is refused', async (t) => {
  t.equal(parseLogLevel(undefined), 'info');
  t.equal(parseLogLevel(''), 'info');
  t.equal(parseLogLevel('WARN'), 'warn');
  t.same(parseLogLevel('trace'), { error: 'BATCH_LOG_LEVEL=trace: must be one of debug, info, warn, error' });
});

t.test('a JSON line reads on a terminal as time, level, component, message and fields', async (t) => {
  const line = JSON.stringify({
    level: 'info',
    time: '2026-11-29T20:00:00.000Z',
    component: 'http',
    route: '/v1/jobs/:id',
    status: 200,
    msg: 'GET /v1/jobs/:id 200 1.2 ms',
  });
  t.equal(
    readableLogLine(line),
    '2026-11-29T20:00:00.000Z info  http: GET /v1/jobs/:id 200 1.2 ms route=/v1/jobs/:id status=200\n',
  );
  t.equal(
    readableLogLine('{"level":"warn","time":"T","msg":"node \\"a\\" is LOST"}'),
    'T warn  node "a" is LOST\n',
    'the agent has no component; quotes are shown as written',
  );
  t.equal(readableLogLine('not json'), 'not json', 'anything else is left as it is');
});
