/** Looking at the instances of a running job from an end-to-end test: read them, wait on them. */
import type { Instance, Job, TaskView } from '../../protocol/api.js';
import type { BatchClient } from '../../sdk/client.js';
import { waitFor } from '../support/wait.js';

export async function instancesOf(client: BatchClient, jobId: string, task: string): Promise<Instance[]> {
  const all: Instance[] = [];
  for await (const instance of client.listAllInstances(jobId, task)) all.push(instance);
  return all.sort((a, b) => a.index - b.index);
}

/** Polls one instance until `holds` is true of it; the timeout message shows the last one seen. */
export async function waitInstance(
  client: BatchClient,
  at: { jobId: string; task: string; index: number },
  what: string,
  holds: (instance: Instance) => boolean,
  timeoutMs = 20_000,
): Promise<Instance> {
  let last: Instance | undefined;
  return waitFor(
    `${at.task}/${at.index} ${what}`,
    async () => {
      last = await client.getInstance(at.jobId, at.task, at.index);
      return holds(last) ? last : undefined;
    },
    { timeoutMs, intervalMs: 25, describe: () => JSON.stringify(last) },
  );
}

/** The stdout (or stderr) of one attempt of an instance. */
export async function readAttemptLog(
  client: BatchClient,
  at: { jobId: string; task: string; index: number },
  attempt: number,
  stream: 'stdout' | 'stderr' = 'stdout',
): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of await client.logs(at.jobId, at.task, at.index, { stream, attempt })) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export function taskOf(job: Job, name: string): TaskView {
  const task = job.tasks.find((t) => t.name === name);
  if (!task) throw new Error(`job ${job.id} has no task ${name}: ${JSON.stringify(job.tasks.map((t) => t.name))}`);
  return task;
}

/** Milliseconds from the end of one attempt to the start of the next. */
export function gapMs(ended: { endedAt: string | null }, started: { startedAt: string | null }): number {
  return Date.parse(started.startedAt!) - Date.parse(ended.endedAt!);
}

/**
 * A shell snippet that waits until `file` exists: how a test holds an instance RUNNING until it
 * has looked. It gives up (exit 1) after `seconds`, so a failed test leaves nothing running long.
 */
export function waitForFile(file: string, seconds = 60): string {
  return `n=0; while [ ! -e "${file}" ]; do n=$((n+1)); [ $n -le ${seconds * 20} ] || exit 1; sleep 0.05; done`;
}
