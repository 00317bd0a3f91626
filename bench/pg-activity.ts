/**
 * Where PostgreSQL's time goes during a run (`--profile`): samples the statements active in the
 * run's database from pg_stat_activity every 20 ms and reports the most frequent ones with their
 * share of the samples — a sampling profile of the database, by statement. Only a diagnostic:
 * the sampler's own queries are cheap but not free, so profiled runs are not for the table.
 */
import postgres from 'postgres';

const INTERVAL_MS = 20;

export interface StatementShare {
  statement: string;
  share: number;
}

export class PgActivitySampler {
  private readonly sql;
  private readonly counts = new Map<string, number>();
  private samples = 0;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private stopped = false;
  private firstError: string | undefined;

  /** `waits`: each statement is prefixed with what it was waiting for, if anything (`[Lock:advisory] …`). */
  constructor(
    databaseUrl: string,
    private readonly options: { waits?: boolean } = {},
  ) {
    this.sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  }

  start(): void {
    this.timer = setInterval(() => void this.sample(), INTERVAL_MS);
  }

  /** Stops sampling; the top statements by share of samples (a sample with none active counts as idle). */
  async stop(top = 8): Promise<StatementShare[]> {
    clearInterval(this.timer);
    if (!this.stopped) await this.sql.end();
    this.stopped = true;
    if (this.samples === 0 && this.firstError) return [{ statement: `(no samples: ${this.firstError})`, share: 0 }];
    return [...this.counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([statement, n]) => ({ statement, share: this.samples > 0 ? n / this.samples : 0 }));
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const rows = await this.sql<{ query: string; wait: string | null }[]>`
        SELECT query, wait_event_type || ':' || wait_event AS wait FROM pg_stat_activity
        WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()`;
      this.samples += 1;
      if (rows.length === 0) this.count('(idle: no statement active)');
      for (const row of rows) {
        const statement = row.query.replace(/\s+/g, ' ').trim().slice(0, 160);
        this.count(this.options.waits && row.wait ? `[${row.wait}] ${statement}` : statement);
      }
    } catch (err) {
      // A lost sample only thins the profile; if none succeeds, stop() says why.
      this.firstError ??= (err as Error).message;
    } finally {
      this.busy = false;
    }
  }

  private count(statement: string): void {
    this.counts.set(statement, (this.counts.get(statement) ?? 0) + 1);
  }
}
