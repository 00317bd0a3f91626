/**
 * The real batch-agent (dist/agent/main.js) as a child process, configured through its
 * environment like an installed agent. Stopped with SIGTERM in teardown, so it kills the
 * attempts it started; SIGKILL only if it does not exit in time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readableLog } from '../support/readable-log.js';
import type { Teardown } from '../support/tmp.js';
import { waitFor, within } from '../support/wait.js';

export const AGENT_MAIN = fileURLToPath(new URL('../../agent/main.js', import.meta.url));

export interface AgentOptions {
  controllerUrl: string;
  dir: string;
  registrationToken?: string;
  /** More environment for the agent (BATCH_* config or anything an instance should inherit). */
  env?: Record<string, string>;
  args?: string[];
  /** Options for node itself, before the agent's main (`--import <module>`). */
  nodeOptions?: string[];
}

export interface AgentExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The test runner's environment without its own BATCH_* variables, so tests do not depend on it. */
export function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('BATCH_')) env[k] = v;
  return env;
}

export class AgentProcess {
  /** What the agent wrote to stderr: JSON lines. */
  rawStderr = '';
  readonly exited: Promise<AgentExit>;
  readonly #child: ChildProcess;
  #exit: AgentExit | undefined;

  constructor(opts: AgentOptions) {
    const env: Record<string, string> = {
      ...cleanEnv(),
      BATCH_CONTROLLER_URL: opts.controllerUrl,
      BATCH_AGENT_DIR: opts.dir,
      BATCH_KILL_GRACE_SECONDS: '1',
      ...(opts.registrationToken === undefined ? {} : { BATCH_REGISTRATION_TOKEN: opts.registrationToken }),
      ...opts.env,
    };
    this.#child = spawn(process.execPath, [...(opts.nodeOptions ?? []), AGENT_MAIN, ...(opts.args ?? [])], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.#child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      this.rawStderr += text;
    });
    this.exited = new Promise((resolve) => {
      this.#child.on('close', (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
    });
  }

  /** Its log as readable lines (`TIME LEVEL message`), to match messages as written. */
  get stderr(): string {
    return readableLog(this.rawStderr);
  }

  get pid(): number {
    return this.#child.pid!;
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  waitForLog(text: string | RegExp, timeoutMs = 10_000): Promise<true> {
    const seen = () => {
      if (typeof text === 'string' ? this.stderr.includes(text) : text.test(this.stderr)) return true;
      // its stderr is complete once it has exited: waiting longer cannot help
      if (!this.running) throw new Error(`the agent exited before logging ${String(text)}:\n${this.stderr}`);
      return false;
    };
    return waitFor(`agent log ${String(text)}`, seen, { timeoutMs, describe: () => `agent stderr:\n${this.stderr}` });
  }

  signal(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  async stop(): Promise<AgentExit> {
    if (this.#exit !== undefined) return this.#exit;
    this.#child.kill('SIGTERM');
    try {
      return await within('the agent to exit after SIGTERM', this.exited, 15_000);
    } catch (err) {
      this.#child.kill('SIGKILL');
      throw err;
    }
  }
}

export function startAgent(t: Teardown, opts: AgentOptions): AgentProcess {
  const agent = new AgentProcess(opts);
  t.teardown(() => agent.stop());
  return agent;
}
