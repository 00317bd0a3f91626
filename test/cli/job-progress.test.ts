import t from 'tap';
import { ProgressPrinter } from '../../cli/job-progress.js';
import { job, task } from '../support/api-fixtures.js';

/** Just enough of a WriteStream to see what the printer writes. */
function fakeStream(isTTY: boolean, columns?: number) {
  const writes: string[] = [];
  const stream = { isTTY, columns, write: (chunk: string) => writes.push(chunk) > 0 };
  return { stream: stream as unknown as NodeJS.WriteStream, writes };
}

const running = job({ tasks: [task({ counts: { RUNNING: 2 } })] });
const done = job({ state: 'SUCCEEDED', tasks: [task({ counts: { SUCCEEDED: 2 } })] });

t.test('on a terminal the line is redrawn in place and ended once', async (t) => {
  const { stream, writes } = fakeStream(true);
  const printer = new ProgressPrinter(stream);
  await printer.update(running);
  await printer.update(running);
  await printer.printAbove('[hello/0] hi\n');
  await printer.update(done);
  await printer.finish();
  t.same(writes, [
    '\r\x1b[2Kjob j-1234 RUNNING  RUNNING 2 / 2',
    '\r\x1b[2K[hello/0] hi\njob j-1234 RUNNING  RUNNING 2 / 2',
    '\r\x1b[2Kjob j-1234 SUCCEEDED  SUCCEEDED 2 / 2',
    '\n',
  ]);
});

t.test('on a terminal a line wider than the screen is cut, so \\r can redraw it', async (t) => {
  const { stream, writes } = fakeStream(true, 20);
  await new ProgressPrinter(stream).update(running);
  t.equal(writes[0], '\r\x1b[2Kjob j-1234 RUNNING…', 'cut to the width less one, so the cursor stays on the line');
});

t.test('elsewhere a new line is printed only when it changes', async (t) => {
  const { stream, writes } = fakeStream(false);
  const printer = new ProgressPrinter(stream);
  await printer.update(running);
  await printer.update(running);
  await printer.printAbove('[hello/0] hi\n');
  await printer.update(done);
  await printer.finish();
  t.same(writes, ['job j-1234 RUNNING  RUNNING 2 / 2\n', '[hello/0] hi\n', 'job j-1234 SUCCEEDED  SUCCEEDED 2 / 2\n']);
});
