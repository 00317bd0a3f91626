import t from 'tap';
import { selectBatch } from '../../controller/reports/batch-selection.js';

let order = 0;
const chunk = (attemptId: number, bytes: number) => ({
  report: { attemptId, data: new Uint8Array(bytes) },
  order: order++,
});
const status = (attemptId: number) => ({ report: { attemptId }, order: order++ });

t.test('everything goes when the log fits the budget', async (t) => {
  const chunks = [chunk(1, 10), chunk(2, 10)];
  const statuses = [status(1)];
  const { batch, rest } = selectBatch(statuses, chunks, 100);
  t.same(batch, { statuses, chunks, bytes: 20 });
  t.same(rest, { statuses: [], chunks: [], bytes: 0 });
});

t.test('a quiet attempt is not stuck behind a chatty one', async (t) => {
  const bulk = [chunk(1, 40), chunk(1, 40), chunk(1, 40), chunk(1, 40)];
  const quiet = chunk(2, 5);
  const quietEnd = status(2);
  const { batch, rest } = selectBatch([quietEnd], [...bulk, quiet], 100);
  t.same(batch.chunks, [bulk[0], bulk[1], quiet], 'the quiet chunk, then a prefix of the bulk up to the budget');
  t.same(batch.statuses, [quietEnd]);
  t.equal(batch.bytes, 85);
  t.same(rest.chunks, [bulk[2], bulk[3]]);
  t.equal(rest.bytes, 80);
});

t.test("an attempt's end waits for its output that arrived before it", async (t) => {
  const a = [chunk(1, 60), chunk(1, 60)];
  const end = status(1);
  const later = chunk(1, 1);
  const other = status(3);
  const { batch, rest } = selectBatch([end, other], [...a, later], 100);
  t.same(batch.chunks, [a[0]]);
  t.same(batch.statuses, [other], 'a status of an attempt without chunks goes at once');
  t.same(rest.statuses, [end]);
  t.same(rest.chunks, [a[1], later], 'within an attempt, arrival order is kept');
});

t.test('a single chunk above the budget still moves', async (t) => {
  const huge = chunk(1, 500);
  const { batch, rest } = selectBatch([], [huge, chunk(1, 1)], 100);
  t.same(batch.chunks, [huge]);
  t.equal(rest.chunks.length, 1);
});
