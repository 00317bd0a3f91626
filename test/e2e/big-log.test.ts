import t from 'tap';
import { startCluster, waitJobFinished } from './fixture.js';

const SIZE = 24 * 1024 * 1024;

t.test('a log larger than one report write is complete the moment its instance is SUCCEEDED', async (t) => {
  const { client } = await startCluster(t, { store: 'pglite', agents: 1, cpu: 2 });
  // Output spans several report transactions (4 MiB each); the end must not overtake it.
  const job = await client.submitJob({
    name: 'big-log',
    tasks: [{ name: 'a', instances: 2, command: `head -c ${SIZE} /dev/zero | tr '\\0' x; echo done >&2` }],
  });
  const done = await waitJobFinished(client, job.id, 120_000);
  t.equal(done.state, 'SUCCEEDED');
  for (const index of [0, 1]) {
    let bytes = 0;
    let allX = true;
    for await (const chunk of await client.logs(job.id, 'a', index)) {
      bytes += chunk.byteLength;
      if (allX && chunk.some((b) => b !== 0x78)) allX = false;
    }
    t.equal(bytes, SIZE, `instance ${index}: every byte stored before SUCCEEDED was recorded`);
    t.ok(allX, 'and only the bytes written');
  }
});
