/**
 * `submit --follow`: prints the stdout of every instance once it has finished, each line
 * prefixed `[task/index]`. Instances are listed again only for tasks whose count of finished
 * instances changed since the last poll, so a quiet job costs no extra requests.
 */
import type { BatchClient, Job } from '../sdk/index.js';

/** Finished states that ran something, so have output. SKIPPED instances never ran. */
const RAN_AND_ENDED = ['SUCCEEDED', 'FAILED', 'STOPPED'] as const;

export class FinishedInstanceLogs {
  private readonly printed = new Set<string>();
  private readonly endedPerTask = new Map<string, number>();

  constructor(
    private readonly api: BatchClient,
    private readonly print: (text: string) => Promise<void>,
  ) {}

  async update(job: Job): Promise<void> {
    for (const task of job.tasks) {
      const ended = RAN_AND_ENDED.reduce((sum, state) => sum + (task.counts[state] ?? 0), 0);
      if (ended === (this.endedPerTask.get(task.name) ?? 0)) continue;
      this.endedPerTask.set(task.name, ended);
      for await (const instance of this.api.listAllInstances(job.id, task.name)) {
        const key = `${task.name}/${instance.index}`;
        const ran = (RAN_AND_ENDED as readonly string[]).includes(instance.state) && instance.attempts.length > 0;
        if (!ran || this.printed.has(key)) continue;
        this.printed.add(key);
        await this.printLogs(job.id, task.name, instance.index);
      }
    }
  }

  private async printLogs(jobId: string, task: string, index: number): Promise<void> {
    const prefix = `[${task}/${index}] `;
    const decoder = new TextDecoder();
    let partial = '';
    for await (const chunk of await this.api.logs(jobId, task, index, { stream: 'stdout' })) {
      const lines = (partial + decoder.decode(chunk, { stream: true })).split('\n');
      partial = lines.pop() ?? '';
      if (lines.length > 0) await this.print(lines.map((line) => `${prefix}${line}\n`).join(''));
    }
    partial += decoder.decode();
    if (partial) await this.print(`${prefix}${partial}\n`);
  }
}
