/**
 * Spool mode of the simulator: the hosts of a managed environment on the `command` provider.
 * The provider's program (provider-script.ts, a POSIX sh script run by the controller for each
 * call) and the simulator share a directory:
 *
 *   requests/<id>.json   a create request: the JSON document the controller gave the program
 *   create-<id>          written (empty) after requests/<id>.json is complete: "start host <id>"
 *   delete-<id>          "delete host <id>" (<id> is the providerId create printed)
 *   hosts/<id>           the host exists (what `list` prints); the simulator writes the node id
 *                        into it once it has read the request
 *
 * For each create-<id> the simulator starts a simulated agent that says `hello` with the node's
 * own single-use registration token and keeps the credential the `welcome` gives; for each
 * delete-<id> it ends that agent (the controller closes the connection too, right after the
 * program returns). It notices files through fs.watch and, in case an event is lost, a readdir
 * every SCAN_MS.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SpoolOptions } from './ipc.js';
import { SimulatedNode, type Fleet } from './simulated-node.js';

const SCAN_MS = 250;

/** What the spool needs of the simulator: its counters, and a place for the nodes it starts. */
export interface SpoolFleet extends Fleet {
  readonly counters: Fleet['counters'] & { created: number; deleted: number; spoolErrors: number };
  addNode(node: SimulatedNode): void;
}

interface CreateRequest {
  nodeId?: unknown;
  name?: unknown;
  controllerUrl?: unknown;
  registrationToken?: unknown;
}

export class Spool {
  private readonly hosts = new Map<string, SimulatedNode>();
  /** Marker files seen and not yet handled (an event and a scan may name the same one). */
  private readonly pending = new Set<string>();
  private readonly handling = new Set<string>();
  private watcher: FSWatcher | undefined;
  private scanTimer: NodeJS.Timeout | undefined;
  private nextIndex = 0;
  private stopped = false;

  constructor(
    private readonly options: SpoolOptions,
    private readonly fleet: SpoolFleet,
  ) {}

  start(): void {
    this.watcher = watch(this.options.dir, (_event, name) => {
      if (typeof name === 'string') this.notice(name);
    });
    this.watcher.on('error', () => undefined);
    this.scanTimer = setInterval(() => void this.scan(), SCAN_MS);
    void this.scan();
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.close();
    clearInterval(this.scanTimer);
  }

  private async scan(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.options.dir);
    } catch {
      return;
    }
    for (const name of names) this.notice(name);
  }

  private notice(name: string): void {
    if (this.stopped || !/^(create|delete)-[\w.-]+$/.test(name) || this.handling.has(name)) return;
    this.pending.add(name);
    queueMicrotask(() => this.handlePending());
  }

  private handlePending(): void {
    for (const name of this.pending) {
      this.pending.delete(name);
      this.handling.add(name);
      void this.handle(name).finally(() => this.handling.delete(name));
    }
  }

  private async handle(marker: string): Promise<void> {
    const dir = this.options.dir;
    const [action, id] = [marker.slice(0, 6), marker.slice(7)];
    try {
      await unlink(path.join(dir, marker));
    } catch {
      return; // handled already (a later event for the same file)
    }
    if (action === 'create') await this.create(id);
    else this.delete(id);
  }

  private async create(id: string): Promise<void> {
    const { counters } = this.fleet;
    const file = path.join(this.options.dir, 'requests', `${id}.json`);
    let request: CreateRequest;
    try {
      request = JSON.parse(await readFile(file, 'utf8')) as CreateRequest;
      await unlink(file);
    } catch {
      counters.spoolErrors += 1;
      return;
    }
    const { nodeId, name, controllerUrl, registrationToken } = request;
    if (
      typeof nodeId !== 'string' ||
      typeof name !== 'string' ||
      typeof controllerUrl !== 'string' ||
      typeof registrationToken !== 'string' ||
      this.hosts.has(id)
    ) {
      counters.spoolErrors += 1;
      return;
    }
    counters.created += 1;
    const node = new SimulatedNode(this.nextIndex++, this.fleet, {
      url: controllerUrl,
      registrationToken,
      hostname: name,
    });
    this.hosts.set(id, node);
    this.fleet.addNode(node);
    // For `list`: which node this host was created for.
    await writeFile(path.join(this.options.dir, 'hosts', id), nodeId).catch(() => undefined);
    // Refused or closed before its welcome (a thousand hosts booting at once from one address
    // pass the gateway's limit on connections not yet authenticated): tried again with backoff,
    // as a real agent does; one that never comes up shows in the counters.
    void (async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          await node.connect();
          return;
        } catch {
          if (attempt >= 8 || !this.hosts.has(id)) {
            counters.spoolErrors += 1;
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** Math.min(attempt, 4) * (0.5 + Math.random())));
        }
      }
    })();
  }

  private delete(id: string): void {
    const node = this.hosts.get(id);
    if (!node) {
      // Deleting a host that is gone is not an error for a provider; here it would be a surprise.
      this.fleet.counters.spoolErrors += 1;
      return;
    }
    this.hosts.delete(id);
    node.stop();
    this.fleet.counters.deleted += 1;
    void unlink(path.join(this.options.dir, 'hosts', id)).catch(() => undefined);
  }
}
