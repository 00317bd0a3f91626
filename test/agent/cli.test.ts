import t from 'tap';
import { BATCH_VERSION, PROTOCOL_VERSION } from '../../protocol/version.js';
import { runNode } from '../support/child-process.js';
import { tmpDir } from '../support/tmp.js';
import { AGENT_MAIN, cleanEnv } from './agent-process.js';

const FLAGS: [string, string][] = [
  ['--controller-url', 'BATCH_CONTROLLER_URL'],
  ['--registration-token', 'BATCH_REGISTRATION_TOKEN'],
  ['--dir', 'BATCH_AGENT_DIR'],
  ['--labels', 'BATCH_NODE_LABELS'],
  ['--name', 'BATCH_NODE_NAME'],
  ['--cpu', 'BATCH_NODE_CPU'],
  ['--memory-mib', 'BATCH_NODE_MEMORY_MIB'],
  ['--gpu', 'BATCH_NODE_GPU'],
  ['--package-max-bytes', 'BATCH_PACKAGE_MAX_BYTES'],
  ['--package-max-entries', 'BATCH_PACKAGE_MAX_ENTRIES'],
  ['--log-level', 'BATCH_LOG_LEVEL'],
];

t.test('--version prints the agent and protocol versions', async (t) => {
  const result = await runNode(AGENT_MAIN, ['--version'], { env: cleanEnv() });
  t.equal(result.code, 0);
  t.equal(result.stdout.trim(), `batch-agent ${BATCH_VERSION} (protocol ${PROTOCOL_VERSION})`);
});

t.test('--help documents every flag with its environment variable', async (t) => {
  const result = await runNode(AGENT_MAIN, ['--help'], { env: cleanEnv() });
  t.equal(result.code, 0);
  const help = result.stdout.replace(/\s+/g, ' ');
  for (const [flag, env] of FLAGS) {
    t.match(help, new RegExp(`${flag} <[^>]+> .*?\\(.*?env: ${env}\\)`), `${flag} with ${env}`);
  }
  t.match(help, '--version');
});

t.test('bad configuration exits with 2 and names the flag and the variable', async (t) => {
  const dir = tmpDir(t);
  const cases: { what: string; env: Record<string, string>; args?: string[]; expect: RegExp }[] = [
    { what: 'no controller URL', env: {}, expect: /--controller-url \/ BATCH_CONTROLLER_URL is required/ },
    {
      what: 'unsupported scheme',
      env: { BATCH_CONTROLLER_URL: 'ftp://x' },
      expect: /BATCH_CONTROLLER_URL: scheme ftp:/,
    },
    {
      what: 'bad labels',
      env: { BATCH_CONTROLLER_URL: 'http://x', BATCH_NODE_LABELS: 'a=1,oops' },
      expect: /--labels \/ BATCH_NODE_LABELS: "oops"/,
    },
    {
      what: 'bad cpu flag',
      env: { BATCH_CONTROLLER_URL: 'http://x' },
      args: ['--cpu', '-1'],
      expect: /--cpu \/ BATCH_NODE_CPU must be a positive number/,
    },
    {
      what: 'fractional gpu',
      env: { BATCH_CONTROLLER_URL: 'http://x', BATCH_NODE_GPU: '1.5' },
      expect: /--gpu \/ BATCH_NODE_GPU must be a whole number/,
    },
    {
      what: 'zero package limit',
      env: { BATCH_CONTROLLER_URL: 'http://x', BATCH_PACKAGE_MAX_ENTRIES: '0' },
      expect: /--package-max-entries \/ BATCH_PACKAGE_MAX_ENTRIES must be a whole number > 0/,
    },
    {
      what: 'unknown log level',
      env: { BATCH_CONTROLLER_URL: 'http://x', BATCH_LOG_LEVEL: 'chatty' },
      expect: /--log-level \/ BATCH_LOG_LEVEL=chatty: must be one of debug, info, warn, error/,
    },
    { what: 'unknown flag', env: {}, args: ['--bogus'], expect: /unknown option '--bogus'/ },
    {
      what: 'neither credential nor token',
      env: { BATCH_CONTROLLER_URL: 'http://x' },
      expect: /no node credential in .*node\.json and no --registration-token \/ BATCH_REGISTRATION_TOKEN/,
    },
  ];
  for (const c of cases) {
    const result = await runNode(AGENT_MAIN, c.args ?? [], { env: { ...cleanEnv(), BATCH_AGENT_DIR: dir, ...c.env } });
    t.equal(result.code, 2, `${c.what}: exit code`);
    t.match(result.stderr, c.expect, `${c.what}: message`);
  }
});
