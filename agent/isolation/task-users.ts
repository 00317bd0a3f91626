/**
 * Who a task runs as. An agent running as root on Linux runs each tenant's attempts as an OS
 * user of that tenant's own: uid `first + tenantNumber` of the node's task-uid range
 * (`--task-uids`, default 200000-299999). The controller numbers its users once and never reuses
 * a number, so every agent — on this host or any other — maps a tenant to the same uid, and no
 * two tenants ever share one. Tenants sharing a node then cannot read each other's processes or
 * files, nor the agent's (its credential, its logs, other work dirs), nor the controller's when
 * it runs on the same host. The uids need no entry in /etc/passwd. When the last attempt of a
 * tenant on this agent ends, every process of that uid this agent started is killed, so nothing
 * of it keeps running unsupervised.
 *
 * Elsewhere (the agent is not root, Windows, `--task-isolation off`) tasks run as the agent's
 * own user, and the agent says so at start: they can then read everything the agent can.
 */
import { log } from '../log.js';
import { killUidProcesses } from './kill-uid.js';

export interface TaskUser {
  uid: number;
  gid: number;
  /** For USER and LOGNAME: `batch-<uid>`. */
  name: string;
}

export interface TaskUsers {
  /** How tasks run on this node, in one line for the log. */
  readonly description: string;
  /** The user an attempt runs as, reserved until `release`; undefined: the agent's own. */
  acquire(tenantNumber: number | undefined): TaskUser | undefined;
  release(user: TaskUser | undefined): void;
}

export interface UidRange {
  first: number;
  last: number;
}

export const DEFAULT_TASK_UIDS: UidRange = { first: 200_000, last: 299_999 };

/** Tasks run as the agent's own user. */
export function sharedUser(why: string): TaskUsers {
  return {
    description: `tasks run as the agent's own user (${why}): they can read what the agent can, including its credential`,
    acquire: () => undefined,
    release: () => {},
  };
}

/** Tenants mapped onto the uid range by their number. */
export class TenantUsers implements TaskUsers {
  readonly description: string;
  /** Attempts running per uid. */
  readonly #active = new Map<number, number>();

  constructor(
    private readonly range: UidRange,
    /** This agent's work root: only processes started under it are this agent's to kill. */
    private readonly workRoot: string,
  ) {
    this.description = `each tenant's tasks run as its own user, uid ${range.first} + the tenant's number (up to ${range.last})`;
  }

  acquire(tenantNumber: number | undefined): TaskUser {
    // A protocol 1 controller names no tenant: all its attempts are one tenant's, number 0.
    const uid = this.range.first + (tenantNumber ?? 0);
    if (uid > this.range.last)
      throw new Error(`tenant ${tenantNumber} is beyond this node's task uids ${this.range.first}-${this.range.last}`);
    this.#active.set(uid, (this.#active.get(uid) ?? 0) + 1);
    return { uid, gid: uid, name: `batch-${uid}` };
  }

  release(user: TaskUser | undefined): void {
    if (user === undefined) return;
    const left = (this.#active.get(user.uid) ?? 1) - 1;
    if (left > 0) {
      this.#active.set(user.uid, left);
      return;
    }
    this.#active.delete(user.uid);
    // The tenant's last attempt here has ended: whatever it left running (a daemon that left
    // its process group) ends too — but not what another agent on this host runs for it.
    const killed = killUidProcesses(user.uid, this.workRoot);
    if (killed > 0) log(`killed ${killed} process(es) of ${user.name} left after its last attempt`);
  }
}

/** Whether the agent can run tasks as other users, and if not, why. */
export function whyNoIsolation(): string | undefined {
  if (process.platform !== 'linux') return `not available on ${process.platform}`;
  if (process.getuid?.() !== 0) return 'the agent is not root, so it cannot switch users';
  return undefined;
}

/** The task users for this node, from its configuration. */
export function taskUsers(workRoot: string, setting: 'auto' | 'off', range: UidRange): TaskUsers {
  if (setting === 'off') return sharedUser('--task-isolation off');
  const why = whyNoIsolation();
  if (why !== undefined) return sharedUser(why);
  return new TenantUsers(range, workRoot);
}
