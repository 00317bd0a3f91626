/**
 * Several controllers on one fresh PostgreSQL database (SPEC §7), each with its own data dir and
 * a fixed port, so a killed one comes back at the same address its agents know.
 */
import postgres from 'postgres';
import { BatchClient } from '../../sdk/client.js';
import { fixedPort, restartController, startController, type Controller } from '../support/cluster.js';
import { freshDatabase, POSTGRES_ADMIN_URL } from '../support/postgres.js';
import type { Teardown } from '../support/tmp.js';

/** Whether the test PostgreSQL answers: the tests of several controllers need it. */
export async function postgresAvailable(): Promise<boolean> {
  const probe = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {}, connect_timeout: 3 });
  try {
    await probe`SELECT 1`;
    return true;
  } catch {
    return false;
  } finally {
    await probe.end({ timeout: 1 });
  }
}

export interface Member {
  readonly port: number;
  readonly url: string;
  current: Controller & { databaseUrl?: string };
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port, data dir and database. */
  restart(): Promise<void>;
}

export async function startControllers(
  t: Teardown,
  count: number,
  env: NodeJS.ProcessEnv = {},
): Promise<{ members: Member[]; databaseUrl: string }> {
  const databaseUrl = await freshDatabase(t);
  // Started at once: they migrate and set up one at a time under the startup lock.
  const members = await Promise.all(
    Array.from({ length: count }, async () => {
      const port = fixedPort();
      const first = await startController(t, { store: 'postgres', databaseUrl, port, env });
      const member: Member = {
        port,
        url: first.url,
        current: first,
        kill: () => member.current.kill(),
        restart: async () => {
          member.current = await restartController(t, member.current, { store: 'postgres', port, env });
        },
      };
      return member;
    }),
  );
  return { members, databaseUrl };
}

/**
 * A client that sends each request to the first of `urls` that answers: what a load balancer in
 * front of several controllers does, so a test can keep asking while controllers die.
 */
export function clientOfAny(urls: readonly string[], token: string): BatchClient {
  const base = urls[0]!;
  let preferred = 0;
  const failover: typeof fetch = async (input, init) => {
    const path = String(input instanceof Request ? input.url : input).slice(base.length);
    let lastError: unknown;
    for (let i = 0; i < urls.length; i++) {
      const at = (preferred + i) % urls.length;
      try {
        const response = await fetch(`${urls[at]!}${path}`, init);
        preferred = at;
        return response;
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  };
  return new BatchClient({ url: base, token, fetch: failover });
}
