import t from 'tap';
import { decodeAgentFrame } from '../../protocol/codec.js';
import { MAX_FRAME_BYTES, type AgentMessage, type LogChunk } from '../../protocol/messages.js';
import { LogShipper } from '../../agent/log-shipper.js';
import { Outbox, type FrameSink } from '../../agent/outbox.js';
import { StatusReporter } from '../../agent/status-reporter.js';
import { waitFor } from '../support/wait.js';

/** An in-memory socket: the frames the outbox sent, decoded as the controller would. */
class MemorySink implements FrameSink {
  readonly frames: AgentMessage[][] = [];
  readonly bufferedAmount = 0;
  send(frame: Uint8Array): void {
    if (frame.byteLength > MAX_FRAME_BYTES) throw new Error(`frame of ${frame.byteLength} bytes`);
    this.frames.push(decodeAgentFrame(frame).messages);
  }
  get messages(): AgentMessage[] {
    return this.frames.flat();
  }
  chunks(): LogChunk[] {
    return this.messages.filter((m): m is LogChunk => m.kind === 'logChunk');
  }
}

function open(): { outbox: Outbox; sink: MemorySink } {
  const outbox = new Outbox();
  const sink = new MemorySink();
  outbox.attach(sink);
  return { outbox, sink };
}

const text = (chunks: LogChunk[]) => chunks.map((c) => Buffer.from(c.data).toString()).join('');

t.test('small writes within the linger time become one chunk', async (t) => {
  const { outbox, sink } = open();
  const logs = new LogShipper(outbox, { maxChunkBytes: 1024, lingerMs: 20 });
  logs.write(1, 'stdout', Buffer.from('a'));
  logs.write(1, 'stdout', Buffer.from('b'));
  logs.write(1, 'stderr', Buffer.from('e'));
  await waitFor('chunks', () => sink.chunks().length === 2);
  t.same(
    sink.chunks().map((c) => [c.stream, c.seq, Buffer.from(c.data).toString()]),
    [
      ['stdout', 0, 'ab'],
      ['stderr', 0, 'e'],
    ],
  );
});

t.test('output beyond the chunk size is cut at once into full chunks; the rest lingers', async (t) => {
  const { outbox, sink } = open();
  const logs = new LogShipper(outbox, { maxChunkBytes: 4, lingerMs: 60_000 });
  logs.write(2, 'stdout', Buffer.from('0123456789'));
  outbox.flush();
  t.same(
    sink.chunks().map((c) => [c.seq, Buffer.from(c.data).toString()]),
    [
      [0, '0123'],
      [1, '4567'],
    ],
  );
  logs.close(2);
  outbox.flush();
  t.equal(text(sink.chunks()), '0123456789', 'close emits the rest');
  t.same(
    sink.chunks().map((c) => c.seq),
    [0, 1, 2],
  );
});

t.test('unacknowledged chunks are resent in order; acknowledged ones are dropped', async (t) => {
  const outbox = new Outbox();
  const logs = new LogShipper(outbox, { maxChunkBytes: 2, lingerMs: 60_000 });
  logs.write(3, 'stdout', Buffer.from('aabbcc'));
  logs.write(3, 'stderr', Buffer.from('xx'));
  logs.close(3);

  const sink = new MemorySink();
  outbox.attach(sink);
  logs.ack([{ attemptId: 3, stream: 'stdout', seq: 0 }]);
  logs.resend();
  outbox.flush();
  t.same(
    sink.chunks().map((c) => `${c.stream}:${c.seq}`),
    ['stdout:1', 'stdout:2', 'stderr:0'],
  );

  logs.ack([
    { attemptId: 3, stream: 'stdout', seq: 2 },
    { attemptId: 3, stream: 'stderr', seq: 0 },
  ]);
  const again = new MemorySink();
  outbox.attach(again);
  logs.resend();
  outbox.flush();
  t.same(again.messages, [], 'nothing left after everything is acknowledged');
});

t.test('the outbox drops messages while closed and splits big batches into frames', async (t) => {
  const outbox = new Outbox();
  outbox.send({ kind: 'heartbeat', running: [] });
  const sink = new MemorySink();
  outbox.attach(sink);
  outbox.flush();
  t.same(sink.messages, [], 'a message sent while closed is gone');

  const logs = new LogShipper(outbox);
  const big = Buffer.alloc(3 * 1024 * 1024, 'z');
  logs.write(4, 'stdout', big);
  logs.close(4);
  outbox.flush();
  t.ok(sink.frames.length > 1, `${sink.frames.length} frames`);
  t.equal(Buffer.concat(sink.chunks().map((c) => c.data)).byteLength, big.byteLength);
});

t.test('a status is kept until exactly its state is acknowledged', async (t) => {
  const { outbox, sink } = open();
  const statuses = new StatusReporter(outbox);
  statuses.report({ attemptId: 5, state: 'RUNNING' });
  statuses.report({ attemptId: 5, state: 'SUCCEEDED', exitCode: 0 });
  statuses.ack([{ attemptId: 5, state: 'RUNNING' }]);
  t.same(statuses.unackedFinal(), [5], 'a late ack of RUNNING does not drop the final status');
  statuses.resend();
  outbox.flush();
  t.same(
    sink.messages.map((m) => m.kind === 'attemptStatus' && m.state),
    ['RUNNING', 'SUCCEEDED', 'SUCCEEDED'],
  );
  statuses.ack([{ attemptId: 5, state: 'SUCCEEDED' }]);
  t.same(statuses.unackedFinal(), []);
});

t.test('held output is bounded: past the limit the shipper is congested until acks drain it', async (t) => {
  const { outbox } = open();
  const logs = new LogShipper(outbox, { maxChunkBytes: 4, lingerMs: 60_000, maxUnackedBytes: 10 });
  logs.write(7, 'stdout', Buffer.from('0123456789'));
  t.notOk(logs.congested, 'at the limit is not over it');
  logs.write(7, 'stdout', Buffer.from('abcd'));
  t.ok(logs.congested, '12 bytes held against a limit of 10');
  let drained = false;
  const wait = logs.whenDrained().then(() => (drained = true));
  logs.ack([{ attemptId: 7, stream: 'stdout', seq: 0 }]);
  await Promise.resolve();
  t.notOk(drained, '8 bytes held is still above half the limit');
  logs.ack([{ attemptId: 7, stream: 'stdout', seq: 1 }]);
  await wait;
  t.ok(drained, 'below half the limit: reading may resume');
  t.notOk(logs.congested);
});
