/**
 * Several controllers sharing one database: the agent takes their URLs comma-separated, from the
 * flag repeated, or both, keeps their order (it tries them in turn), and names a bad one.
 */
import t from 'tap';
import { ConfigError, loadConfig } from '../../agent/config.js';

function endpoints(argv: string[], envUrl?: string): string[] {
  const saved = process.env.BATCH_CONTROLLER_URL;
  if (envUrl === undefined) delete process.env.BATCH_CONTROLLER_URL;
  else process.env.BATCH_CONTROLLER_URL = envUrl;
  try {
    const outcome = loadConfig(argv);
    if (!('run' in outcome)) throw new Error(`exited with ${outcome.exit}`);
    return outcome.run.endpoints;
  } finally {
    if (saved === undefined) delete process.env.BATCH_CONTROLLER_URL;
    else process.env.BATCH_CONTROLLER_URL = saved;
  }
}

t.test('several controller URLs, in the order given', async (t) => {
  t.same(endpoints([], 'http://a:8080, https://b/batch ,ws://c:9'), [
    'ws://a:8080/v1/agent',
    'wss://b/batch/v1/agent',
    'ws://c:9/v1/agent',
  ]);
  t.same(endpoints(['--controller-url', 'http://a', '--controller-url', 'http://b,http://c']), [
    'ws://a/v1/agent',
    'ws://b/v1/agent',
    'ws://c/v1/agent',
  ]);
  t.same(
    endpoints(['--controller-url', 'http://a', '--controller-url', 'http://a/']),
    ['ws://a/v1/agent'],
    'once each',
  );
  t.same(endpoints([], 'http://only'), ['ws://only/v1/agent'], 'one URL as before');
});

t.test('a bad URL among several is named', async (t) => {
  t.throws(
    () => endpoints([], 'http://a,ftp://b'),
    new ConfigError('--controller-url / BATCH_CONTROLLER_URL: scheme ftp: is not one of http, https, ws, wss'),
  );
  t.throws(() => endpoints([], ' , '), /--controller-url \/ BATCH_CONTROLLER_URL is required/);
});
