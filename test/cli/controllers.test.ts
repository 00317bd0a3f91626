/** `batchctl controllers`: who shares the database, in a table or as the API's JSON. */
import t from 'tap';
import type { ControllerInfo } from '../../protocol/api.js';
import { runBatchctl } from '../support/batchctl.js';
import { startFakeHttpServer } from '../support/fake-http-server.js';

const controller = (over: Partial<ControllerInfo> = {}): ControllerInfo => ({
  id: 'ctl-1',
  hostname: 'host-a',
  pid: 4242,
  url: 'http://10.0.0.1:8080',
  version: '1.0.0',
  state: 'up',
  connectedNodes: 12,
  leases: ['lost-nodes', 'schedules'],
  startedAt: '2020-01-01T00:00:00.000Z',
  lastSeenAt: '2020-01-01T00:00:00.000Z',
  ...over,
});

t.test('controllers lists each with its state, nodes and leases', async (t) => {
  const server = await startFakeHttpServer(t);
  const list = {
    items: [controller(), controller({ id: 'ctl-2', state: 'silent', connectedNodes: 0, leases: [] })],
  };
  server.route('GET /v1/controllers', { json: list });
  const out = await runBatchctl(['controllers'], { url: server.url });
  t.equal(out.code, 0, out.stderr);
  const lines = out.stdout.trimEnd().split('\n');
  t.match(lines[0], /^ID +URL +HOST +PID +VERSION +STATE +NODES +LEASES +STARTED +LAST SEEN$/);
  t.match(lines[1], /^ctl-1 +http:\/\/10\.0\.0\.1:8080 +host-a +4242 +1\.0\.0 +up +12 +lost-nodes,schedules /);
  t.match(lines[2], /^ctl-2 .* silent +0 +- /);
  const json = await runBatchctl(['controllers', '--json'], { url: server.url });
  t.same(JSON.parse(json.stdout), list);
});
