/**
 * `--follow`: streams the stdout of every instance while it is written, each line prefixed
 * `[task/index]` (`[task/index attempt N]` for a retry). Each attempt seen running or ended is
 * read once through the logs route with `follow=true`, which sends lines as they come and ends
 * with the attempt. A task's instances are listed again only when its counts changed since the
 * last poll, so a quiet job costs no extra requests. At most MAX_STREAMS logs are open at once;
 * the others wait their turn (the controller keeps their output, so nothing is lost).
 */
import type { BatchClient, Instance, Job } from '../sdk/index.js';

const HAS_OUTPUT = ['RUNNING', 'SUCCEEDED', 'FAILED', 'STOPPED'];
const MAX_STREAMS = 32;

export class LiveInstanceLogs {
  private readonly followed = new Set<string>();
  private readonly countsSeen = new Map<string, string>();
  private readonly waiting: (() => Promise<void>)[] = [];
  private readonly open = new Set<Promise<void>>();
  private failure: Error | undefined;

  constructor(
    private readonly api: BatchClient,
    private readonly print: (text: string) => Promise<void>,
  ) {}

  /** Starts following the attempts that began since the last update; does not wait for them. */
  async update(job: Job): Promise<void> {
    for (const task of job.tasks) {
      const counts = JSON.stringify(task.counts);
      if (counts === this.countsSeen.get(task.name)) continue;
      this.countsSeen.set(task.name, counts);
      for await (const instance of this.api.listAllInstances(job.id, task.name)) {
        const attempt = instance.attempts.at(-1)?.attempt;
        if (attempt === undefined || !HAS_OUTPUT.includes(instance.state)) continue;
        const key = `${task.name}/${instance.index}/${attempt}`;
        if (this.followed.has(key)) continue;
        this.followed.add(key);
        this.waiting.push(() => this.follow(job.id, task.name, instance, attempt));
      }
    }
    this.startWaiting();
  }

  /** Waits for every stream to end (they do once their attempts have), then for the last lines. */
  async finish(): Promise<void> {
    while (this.open.size > 0) await Promise.all(this.open);
    if (this.failure !== undefined) throw this.failure;
  }

  private startWaiting(): void {
    while (this.open.size < MAX_STREAMS && this.waiting.length > 0) {
      const stream = this.waiting.shift()!()
        .catch((error: unknown) => {
          this.failure ??= error instanceof Error ? error : new Error(String(error));
        })
        .finally(() => {
          this.open.delete(stream);
          this.startWaiting();
        });
      this.open.add(stream);
    }
  }

  private async follow(jobId: string, task: string, instance: Instance, attempt: number): Promise<void> {
    const prefix = attempt > 1 ? `[${task}/${instance.index} attempt ${attempt}] ` : `[${task}/${instance.index}] `;
    const decoder = new TextDecoder();
    let partial = '';
    const chunks = await this.api.logs(jobId, task, instance.index, { stream: 'stdout', follow: true, attempt });
    for await (const chunk of chunks) {
      const lines = (partial + decoder.decode(chunk, { stream: true })).split('\n');
      partial = lines.pop() ?? '';
      if (lines.length > 0) await this.print(lines.map((line) => `${prefix}${line}\n`).join(''));
    }
    partial += decoder.decode();
    if (partial) await this.print(`${prefix}${partial}\n`);
  }
}
