/**
 * A hostile tenant against the default `make run` setup (a controller with two local agents on
 * one host), on both stores. Mallory's job tries to read the admin token, registration tokens,
 * node credentials, the URL-signing key and Alice's running job (its env and its work dir,
 * through /proc and by path); Mallory floods the agent gateway before `hello` and sends
 * oversized bodies. Nothing of Alice's is read, her job is not slowed beyond 2× its time
 * alone (medians of three), and the controller's log holds no secret. The controller's RSS
 * stays under 500 MB on PostgreSQL; the embedded PGlite alone takes ~750 MB of it before any
 * work (its WebAssembly PostgreSQL), so there the bound is on what the attacks add.
 */
import { readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import t from 'tap';
import WebSocket from 'ws';
import { MAX_STRANGERS_PER_ADDRESS } from '../../controller/gateway/server.js';
import { encodeFrame } from '../../protocol/codec.js';
import { BatchClient } from '../../sdk/client.js';
import { ADMIN_TOKEN, startController, STORES, type Controller } from '../support/cluster.js';
import { waitFor } from '../support/wait.js';

const isRoot = process.getuid?.() === 0;
const MAX_RSS_BYTES = 500 * 1024 * 1024;
/** What the attacks may add to an embedded-PGlite controller's RSS. */
const MAX_RSS_GROWTH_BYTES = 250 * 1024 * 1024;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function rssOf(pid: number): number {
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kib ?? 0) * 1024;
}

async function finished(client: BatchClient, id: string, timeoutMs = 60_000) {
  return waitFor(
    `job ${id} to finish`,
    async () => {
      const job = await client.getJob(id);
      return ['SUCCEEDED', 'FAILED', 'STOPPED'].includes(job.state) ? job : undefined;
    },
    { timeoutMs, intervalMs: 50 },
  );
}

async function stdoutOf(client: BatchClient, jobId: string, task: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of await client.logs(jobId, task, 0)) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Twenty instances of `true`: how long the victim's small job takes, submit to SUCCEEDED. */
async function timeSmallJob(client: BatchClient, name: string): Promise<number> {
  const started = Date.now();
  const job = await client.submitJob({ name, tasks: [{ name: 'a', instances: 20, command: 'true' }] });
  const done = await finished(client, job.id);
  if (done.state !== 'SUCCEEDED') throw new Error(`${name} ended ${done.state}`);
  return Date.now() - started;
}

/**
 * Unauthenticated frames of unknown kinds (with a line break, to forge log lines) before
 * `hello`: each connection should be cut at its first frame, and nothing of it logged verbatim.
 */
async function floodGateway(url: string, connections: number): Promise<{ closedFast: number }> {
  const frame = encodeFrame(Array.from({ length: 50 }, () => ({ kind: `\n${'X'.repeat(2000)}` })) as never);
  let closedFast = 0;
  for (let i = 0; i < connections; i++) {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/agent`);
    await new Promise<void>((resolve) => {
      ws.once('open', () => {
        ws.send(frame);
        ws.send(frame);
      });
      ws.once('close', (code) => {
        if (code === 1002) closedFast += 1;
        resolve();
      });
      ws.once('error', () => resolve());
    });
  }
  return { closedFast };
}

/** Unauthenticated sockets held open from one address: how many the gateway turns away. */
async function holdStrangers(url: string, count: number): Promise<{ refused: number; sockets: WebSocket[] }> {
  const sockets: WebSocket[] = [];
  let refused = 0;
  await Promise.all(
    Array.from({ length: count }, async () => {
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/agent`);
      sockets.push(ws);
      await new Promise<void>((resolve) => {
        ws.once('open', () => resolve());
        ws.once('unexpected-response', (_req, res) => {
          if (res.statusCode === 503) refused += 1;
          resolve();
        });
        ws.once('error', () => resolve());
      });
    }),
  );
  return { refused, sockets };
}

/** Streams `bytes` of JSON-ish body without a Content-Length: the limit must hold while it streams. */
function streamBody(url: string, token: string, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    let sent = 0;
    const pump = () => {
      while (sent < bytes && !req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!req.destroyed) req.end();
    };
    pump();
  });
}

/** A Content-Length of `bytes`: the controller must refuse it before reading any of it. */
function declaredBody(url: string, token: string, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/v1/jobs`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': String(bytes),
      },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
    req.write(Buffer.alloc(64 * 1024, 'a'));
  });
}

/** What Mallory's job runs: everything it can read that it should not, printed. */
const SPY = `
for f in /proc/[0-9]*/environ; do tr '\\0' '\\n' < "$f" 2>/dev/null; done
for p in /proc/[0-9]*; do cat "$p/cwd/secret.txt" 2>/dev/null; ls "$p/cwd/" 2>/dev/null; done
cat "$DATA/admin-token" "$DATA/oss-signing-key" 2>/dev/null
for n in "$DATA"/local-nodes/*; do cat "$n/node.json" "$n/registration-token" "$n/agent.log" 2>/dev/null; ls "$n/work" 2>/dev/null; done
cat "$VICTIM_DIR/secret.txt" 2>/dev/null; ls "$VICTIM_DIR" 2>/dev/null
ls "$DATA/pgdata" "$DATA/objects" 2>/dev/null
echo spy-done
`;

for (const store of STORES) {
  t.test(
    `${store}: a hostile tenant reads nothing of others and slows nothing`,
    { skip: !isRoot && 'needs root: tasks run as other users only when the agent is root' },
    async (t) => {
      const controller: Controller = await startController(t, { store, localNodes: 2 });
      const pid = controller.process.pid!;
      let maxRss = 0;
      const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssOf(pid))), 100);
      t.teardown(() => clearInterval(sampler));
      const admin = new BatchClient({ url: controller.url, token: ADMIN_TOKEN });
      await waitFor(
        'two local nodes',
        async () => (await admin.listNodes()).items.filter((n) => n.state === 'READY').length === 2,
        {
          timeoutMs: 30_000,
        },
      );
      const alice = new BatchClient({ url: controller.url, token: (await admin.createUser({ name: 'alice' })).token });
      const malloryToken = (await admin.createUser({ name: 'mallory' })).token;
      const mallory = new BatchClient({ url: controller.url, token: malloryToken });

      const alone = median([
        await timeSmallJob(alice, 'alone-1'),
        await timeSmallJob(alice, 'alone-2'),
        await timeSmallJob(alice, 'alone-3'),
      ]);
      const idleRss = rssOf(pid);

      // Alice's long job: a secret in its env and one in its work dir.
      const password = `db-password-${Math.random().toString(36).slice(2)}`;
      const victim = await alice.submitJob({
        name: 'victim',
        tasks: [
          {
            name: 'db',
            env: { DB_PASSWORD: password },
            command: 'echo "$DB_PASSWORD" > secret.txt; echo "$BATCH_WORK_DIR"; sleep 60',
          },
        ],
      });
      const victimDir = await waitFor('the victim to report its work dir', async () => {
        const out = await stdoutOf(alice, victim.id, 'db').catch(() => '');
        return out.trim() === '' ? undefined : out.trim();
      });

      // Secrets the test can read, to look for in what Mallory gets.
      const nodeSecrets = readdirSync(path.join(controller.dataDir, 'local-nodes')).map(
        (n) =>
          (
            JSON.parse(readFileSync(path.join(controller.dataDir, 'local-nodes', n, 'node.json'), 'utf8')) as {
              credential: string;
            }
          ).credential,
      );
      const secrets = {
        password,
        admin: ADMIN_TOKEN,
        alice: 'alice-token',
        ...Object.fromEntries(nodeSecrets.map((s, i) => [`node${i}`, s])),
      };

      // Mallory cannot get a registration token for the shared environment (no rogue node).
      await t.rejects(
        mallory.createRegistrationToken('local'),
        /403|404|belongs|not found/i,
        'no registration token for local',
      );

      const spy = await mallory.submitJob({
        name: 'spy',
        tasks: [{ name: 'spy', env: { DATA: controller.dataDir, VICTIM_DIR: victimDir }, command: SPY }],
      });
      const spied = await finished(mallory, spy.id);
      t.equal(spied.state, 'SUCCEEDED');
      const loot = await stdoutOf(mallory, spy.id, 'spy');
      t.match(loot, /spy-done/, 'the spy ran to its end');
      for (const [what, secret] of Object.entries(secrets))
        t.notOk(loot.includes(secret), `the spy did not read ${what}`);
      t.notMatch(loot, /reg_[A-Za-z0-9_-]{10}/, 'no registration token');
      t.notMatch(loot, /BATCH_ADMIN_TOKEN|BATCH_REGISTRATION_TOKEN/, "no agent's or controller's configuration");

      // The attacks on the controller itself, while Alice's small job runs again: a flood of
      // pre-hello frames and oversized bodies at once, then more strangers than one address may hold.
      const logBefore = controller.log().length;
      // PGlite's heap grows with the work it has done and never shrinks: the baseline is the
      // peak so far, after the victim's and the spy's jobs, not a sample taken while it warmed up.
      const rssBeforeAttacks = Math.max(maxRss, rssOf(pid));
      const attackWave = async () => {
        const [flood, bomb, bomb2] = await Promise.all([
          floodGateway(controller.url, 20),
          streamBody(controller.url, malloryToken, 300 * 1024 * 1024),
          declaredBody(controller.url, malloryToken, 300 * 1024 * 1024),
        ]);
        const strangers = await holdStrangers(controller.url, MAX_STRANGERS_PER_ADDRESS + 40);
        for (const ws of strangers.sockets) ws.terminate();
        return { flood, strangers, bomb, bomb2 };
      };
      const attackedRuns: number[] = [];
      for (let run = 1; run <= 3; run++) {
        const wave = attackWave();
        attackedRuns.push(await timeSmallJob(alice, `attacked-${run}`));
        const attacks = await wave;
        t.equal(attacks.bomb, 413, 'a 300 MB streamed body is refused with 413 while it streams');
        t.equal(attacks.bomb2, 413, 'a body declared at 300 MB is refused before it is read');
        t.equal(attacks.flood.closedFast, 20, 'every pre-hello flood connection is closed at its first frame');
        t.ok(
          attacks.strangers.refused >= 40,
          `unauthenticated sockets beyond the per-address limit are refused (${attacks.strangers.refused} of ${MAX_STRANGERS_PER_ADDRESS + 40})`,
        );
      }
      const attacked = median(attackedRuns);
      const logGrowth = controller.log().length - logBefore;
      t.ok(logGrowth < 64 * 1024, `the flood wrote ${logGrowth} bytes of log (a bounded, rate-limited summary)`);
      t.notMatch(
        controller.log().slice(logBefore),
        /XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX/,
        'nothing a peer sent is logged verbatim',
      );
      const limit = 2 * Math.max(alone, 1000);
      t.ok(
        attacked <= limit,
        `the victim's job took ${attacked} ms under attack, ${alone} ms alone (limit ${limit} ms)`,
      );

      await alice.stopJob(victim.id);
      await finished(alice, victim.id);
      clearInterval(sampler);
      const mib = (bytes: number) => Math.round(bytes / 1048576);
      if (store === 'postgres') t.ok(maxRss < MAX_RSS_BYTES, `controller RSS peaked at ${mib(maxRss)} MiB (< 500)`);
      else
        t.ok(
          maxRss - rssBeforeAttacks < MAX_RSS_GROWTH_BYTES,
          `controller RSS peaked at ${mib(maxRss)} MiB, ${mib(maxRss - rssBeforeAttacks)} MiB over its peak of ${mib(rssBeforeAttacks)} MiB before the attacks (< 250; ${mib(idleRss)} MiB after the first jobs)`,
        );
      const log = controller.log();
      t.notOk(log.includes(password), 'the victim env value is not in the controller log');
      t.notOk(log.includes(malloryToken) || log.includes(ADMIN_TOKEN), 'no API token is in the controller log');
    },
  );
}
