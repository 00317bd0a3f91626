/**
 * start_agent.sh, with a stand-in agent: where the configuration comes from, what reaches the
 * agent, and the log a human reads when a node never shows up.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { tmpDir, type Teardown } from '../support/tmp.js';
import { FAKE_VERSION, parseKeyValues, writeFakeAgent } from './fake-agent.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const START_AGENT = path.join(ROOT, 'installers/start_agent.sh');

/** A /batch-like folder with start_agent.sh, the stand-in agent and the given agent.conf. */
function layout(t: Teardown, conf?: string): string {
  const dir = tmpDir(t, 'batch-start-');
  copyFileSync(START_AGENT, path.join(dir, 'start_agent.sh'));
  writeFakeAgent(dir);
  if (conf !== undefined) writeFileSync(path.join(dir, 'agent.conf'), conf);
  return dir;
}

function start(dir: string, env: NodeJS.ProcessEnv = {}) {
  const out = path.join(dir, 'fake-agent.out');
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, FAKE_AGENT_OUT: out };
  const result = spawnSync('/bin/sh', [path.join(dir, 'start_agent.sh')], {
    env: { ...base, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  const seen = existsSync(out) ? readFileSync(out, 'utf8') : '';
  const logFile = path.join(dir, 'logs/agent.log');
  return {
    status: result.status,
    stdout: result.stdout,
    seen,
    env: parseKeyValues(seen),
    log: existsSync(logFile) ? readFileSync(logFile, 'utf8') : '',
  };
}

t.test('agent.conf configures the agent; the environment wins; only BATCH_ keys are read', async (t) => {
  const dir = layout(
    t,
    [
      '# a comment',
      'BATCH_CONTROLLER_URL=https://batch.example:8443/prefix?a=1&b=$(touch pwned)',
      'BATCH_REGISTRATION_TOKEN=reg_secret-token',
      'BATCH_NODE_LABELS=zone=a,gpu=none\r',
      'BATCH_NODE_NAME=from-file',
      'PATH=/nowhere',
      'not a setting',
      'BATCH_NODE_CPU=2',
    ].join('\n'),
  );
  const run = start(dir, { BATCH_NODE_NAME: 'from-env', BATCH_NODE_CPU: '' });
  t.equal(run.status, 0, 'the agent’s exit code is the script’s');
  t.equal(
    run.env.BATCH_CONTROLLER_URL,
    'https://batch.example:8443/prefix?a=1&b=$(touch pwned)',
    'values are taken literally',
  );
  t.notOk(existsSync(path.join(dir, 'pwned')), 'nothing in a value is executed');
  t.equal(run.env.BATCH_REGISTRATION_TOKEN, 'reg_secret-token');
  t.equal(run.env.BATCH_NODE_LABELS, 'zone=a,gpu=none', 'a "=" in a value and a CRLF line ending are fine');
  t.equal(run.env.BATCH_NODE_NAME, 'from-env', 'a variable set in the environment wins');
  t.equal(run.env.BATCH_NODE_CPU, '2', 'an empty variable counts as unset');
  t.equal(run.env.BATCH_AGENT_DIR, path.join(dir, 'data'), 'the data dir defaults to data/ beside the script');
  t.match(run.seen, /^args: $/m, 'no flags: the token never shows in `ps`');
  t.notOk(run.seen.includes('/nowhere'), 'keys other than BATCH_* are ignored');

  t.equal(run.stdout, '', 'everything goes to the log');
  t.match(run.log, /start_agent\.sh: config file .*agent\.conf: read, with lines ignored/);
  t.match(run.log, /controller: https:\/\/batch\.example:8443\/prefix/);
  t.match(run.log, /registering with the registration token \(not shown\)/);
  t.match(run.log, /labels: zone=a,gpu=none; name: from-env/);
  t.match(run.log, FAKE_VERSION, 'the log names the agent version');
  t.match(run.log, /fake agent running/, "the agent's own output follows");
  t.notMatch(run.log, 'reg_secret-token', 'the token is never logged');
});

t.test('the log explains a node that cannot come up', async (t) => {
  const dir = layout(t);
  const run = start(dir, { FAKE_AGENT_EXIT: '2' });
  t.equal(run.status, 2);
  t.match(run.log, /config file .*agent\.conf: missing/);
  t.match(run.log, /controller: NOT SET/);
  t.match(run.log, /no BATCH_REGISTRATION_TOKEN or BATCH_REGISTRATION_TOKEN_FILE: the agent cannot register/);
  t.match(run.log, /2 bad configuration/, 'the log says what exit codes mean');

  writeFileSync(path.join(dir, 'agent.conf'), 'BATCH_CONTROLLER_URL=http://c:8080\n');
  mkdirSync(path.join(dir, 'data'));
  writeFileSync(path.join(dir, 'data/node.json'), '{}');
  const again = start(dir);
  t.equal(again.status, 0);
  t.match(
    again.log,
    /node credential: .*node\.json \(this node registered before\)/,
    'a registered node needs no token',
  );
  t.equal(again.log.split('start_agent.sh: starting').length - 1, 2, 'each start appends to the same log');

  const missing = layout(t);
  const noAgent = spawnSync('/bin/sh', ['-c', `rm "${missing}/batch-agent" && "${missing}/start_agent.sh"`], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  t.equal(noAgent.status, 1);
  t.match(
    readFileSync(path.join(missing, 'logs/agent.log'), 'utf8'),
    /cannot start: .*batch-agent is missing or not executable/,
  );
});

t.test('BATCH_AGENT_LOG chooses the log; "-" keeps stdout', async (t) => {
  const dir = layout(t, 'BATCH_CONTROLLER_URL=http://c:8080\n');
  const logFile = path.join(dir, 'elsewhere/agent.log');
  start(dir, { BATCH_AGENT_LOG: logFile });
  t.match(readFileSync(logFile, 'utf8'), /controller: http:\/\/c:8080/);
  const foreground = start(dir, { BATCH_AGENT_LOG: '-' });
  t.match(foreground.stdout, /start_agent\.sh: starting .*fake agent running/s);
});
