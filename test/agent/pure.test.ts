import { mkdirSync, existsSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Backoff } from '../../agent/backoff.js';
import { ConfigError, parseLabels } from '../../agent/config.js';
import { agentEndpoint, InvalidControllerUrlError } from '../../agent/controller-url.js';
import { instanceEnv } from '../../agent/instance-env.js';
import { pathSegment, sweepWorkDirs, workDirOf } from '../../agent/workdir.js';
import { tmpDir } from '../support/tmp.js';
import { startAttempt } from './fake-controller.js';

t.test('controller URLs of any usual form name the /v1/agent endpoint', async (t) => {
  t.equal(agentEndpoint('http://c:8080'), 'ws://c:8080/v1/agent');
  t.equal(agentEndpoint('https://batch.example.com/'), 'wss://batch.example.com/v1/agent');
  t.equal(agentEndpoint('https://proxy/batch/'), 'wss://proxy/batch/v1/agent');
  t.equal(agentEndpoint('ws://c:8080/v1/agent'), 'ws://c:8080/v1/agent');
  t.equal(agentEndpoint('wss://c/v1/agent/'), 'wss://c/v1/agent');
  t.throws(() => agentEndpoint('ftp://c'), InvalidControllerUrlError);
  t.throws(() => agentEndpoint('not a url'), InvalidControllerUrlError);
  t.throws(() => agentEndpoint('https://user:pw@c/'), InvalidControllerUrlError);
});

t.test('labels parse from k=v,k2=v2', async (t) => {
  t.same(parseLabels(''), {});
  t.same(parseLabels('os=linux, zone = a ,gpu='), { os: 'linux', zone: 'a', gpu: '' });
  t.same(parseLabels('expr=a=b'), { expr: 'a=b' });
  t.throws(() => parseLabels('novalue'), ConfigError);
  t.throws(() => parseLabels('=x'), ConfigError);
  t.throws(() => parseLabels('a=1,a=2'), ConfigError);
});

t.test('backoff grows from 0.5 s to 30 s with jitter, and resets', async (t) => {
  const low = new Backoff({ initialMs: 500, maxMs: 30_000, random: () => 0 });
  const high = new Backoff({ initialMs: 500, maxMs: 30_000, random: () => 1 });
  const lows = Array.from({ length: 10 }, () => low.next());
  const highs = Array.from({ length: 10 }, () => high.next());
  t.same(highs, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
  t.same(
    lows,
    highs.map((h) => h / 2),
    'jitter never goes below half the ceiling',
  );
  high.reset();
  t.equal(high.next(), 500);
});

t.test('work dirs are <dir>/work/<job>/<task>/<index>/<attempt> with names that cannot escape', async (t) => {
  t.equal(
    workDirOf('/a', { jobId: 'j-1', taskName: 'render', index: 2, attempt: 3 }),
    join('/a', 'work', 'j-1', 'render', '2', '3'),
  );
  t.equal(pathSegment('..'), '%2e%2e');
  t.equal(pathSegment('.'), '%2e');
  t.equal(pathSegment(''), '%00');
  t.equal(pathSegment('a/b\\c'), 'a%2fb%5cc');
  t.equal(pathSegment('100%'), '100%25');
  t.equal(pathSegment('é'), '%c3%a9');
});

t.test('sweeping removes attempt dirs older than a day and the parents left empty', async (t) => {
  const dir = tmpDir(t);
  const old = workDirOf(dir, { jobId: 'old', taskName: 't', index: 0, attempt: 1 });
  const fresh = workDirOf(dir, { jobId: 'new', taskName: 't', index: 0, attempt: 1 });
  mkdirSync(old, { recursive: true });
  mkdirSync(fresh, { recursive: true });
  const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
  utimesSync(old, twoDaysAgo, twoDaysAgo);
  t.equal(await sweepWorkDirs(dir), 1);
  t.notOk(existsSync(join(dir, 'work', 'old')), 'old job dir gone');
  t.ok(existsSync(fresh), 'fresh attempt dir kept');
  t.equal(await sweepWorkDirs(join(dir, 'missing')), 0, 'no work root is fine');
});

t.test('instance env: agent env without BATCH_*, then task env, then the reserved variables', async (t) => {
  const spec = startAttempt(1, 'true', {
    env: { FOO: 'task', BATCH_JOB_ID: 'spoofed' },
    index: 4,
    count: 9,
    attempt: 2,
  });
  const env = instanceEnv({ PATH: '/bin', FOO: 'agent', BATCH_REGISTRATION_TOKEN: 'secret', batch_lower: 'x' }, spec, {
    nodeId: 'n-1',
    workDir: '/w',
  });
  t.same(env, {
    PATH: '/bin',
    FOO: 'task',
    BATCH_JOB_ID: 'j-test',
    BATCH_JOB_NAME: 'agent-test',
    BATCH_TASK_NAME: 'work',
    BATCH_INSTANCE_INDEX: '4',
    BATCH_INSTANCE_COUNT: '9',
    BATCH_ATTEMPT: '2',
    BATCH_NODE_ID: 'n-1',
    BATCH_COMPUTE_ENV: 'local',
    BATCH_WORK_DIR: '/w',
  });
});
