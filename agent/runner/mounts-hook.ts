/**
 * Mounts before the package and inputs (they may read from a mount), unmounts after the outputs.
 * Each mount is recorded on disk before it is attempted, so a restarted agent can undo it. A
 * failed step is MOUNT_ERROR with the command's own stderr, which is what says why (no route to
 * the server, unknown file system, bad key).
 */
import { chown, mkdir, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MountRequest } from '../../protocol/messages.js';
import { mountTargetProblem } from '../../protocol/mount-target.js';
import type { TaskUser } from '../isolation/task-users.js';
import { describeError } from '../log.js';
import { describeMount, InvalidMount, planMount, type MountPlan, type Platform } from '../mounts/mount-commands.js';
import { forgetMounts, mountsDir, recordMounts, type RecordedMount } from '../mounts/mount-records.js';
import { commandLine, FORMAT_TIMEOUT_MS, MOUNT_TIMEOUT_MS, runCommand, unmountWith } from '../mounts/run-command.js';
import { fail } from './failure.js';
import type { AttemptHook } from './hook.js';
import type { Say } from './setup-log.js';

export interface MountsHookOptions {
  agentDir: string;
  attemptId: number;
  mounts: readonly MountRequest[];
  /** The block devices this node allows `disk` mounts of (globs); the node's decision, not the task's. */
  diskDevices: readonly string[];
  /** The task's user: a disk formatted for the task is given to it (an existing file system keeps its owners). */
  user: TaskUser | undefined;
  say: Say;
  platform?: Platform;
}

interface Active {
  plan: MountPlan;
  /** The agent made the target directory, so it removes it again once unmounted. */
  createdTarget: boolean;
  /** The mount command succeeded. */
  mounted: boolean;
}

export function mountsHook(opts: MountsHookOptions): AttemptHook {
  const { agentDir, attemptId, mounts, say } = opts;
  const platform = opts.platform ?? (process.platform === 'win32' ? 'win32' : 'linux');
  const active: Active[] = [];
  const record = (): Promise<void> =>
    recordMounts(
      agentDir,
      attemptId,
      active.map((a): RecordedMount => ({ what: a.plan.what, unmount: a.plan.unmount })),
    );

  return {
    name: 'mounts',
    async prepare(signal) {
      for (const [i, request] of mounts.entries()) {
        const refused = refusal(request, opts.diskDevices);
        if (refused !== undefined) throw fail('MOUNT_ERROR', `mount ${describeMount(request)}: ${refused}`, false);
        let plan: MountPlan;
        try {
          plan = planMount(request, platform, path.join(mountsDir(agentDir), `${attemptId}-${i}.key`));
        } catch (err) {
          if (err instanceof InvalidMount)
            throw fail('MOUNT_ERROR', `mount ${describeMount(request)}: ${err.message}`, false);
          throw err;
        }
        const entry: Active = { plan, createdTarget: false, mounted: false };
        active.push(entry);
        await record();
        await mountOne(entry, signal, say, opts.user);
        entry.mounted = true;
        say(`mount ${plan.what}`);
      }
    },
    async cleanup() {
      const problems: string[] = [];
      for (const { plan, createdTarget, mounted } of [...active].reverse()) {
        if (plan.keyFile) await rm(plan.keyFile.path, { force: true });
        // a mount that failed or timed out may still have half happened (a FUSE daemon): unmount anyway
        const problem = await unmountWith(plan.unmount);
        if (problem === undefined) {
          if (mounted) say(`unmount ${plan.target}`);
          if (createdTarget) await rmdir(plan.target).catch(() => undefined);
        } else if (mounted) problems.push(`unmount of ${plan.target} failed: ${problem}`);
      }
      // a mount that is still there stays recorded; the next agent start tries again
      if (problems.length > 0) throw new Error(problems.join('; '));
      await forgetMounts(agentDir, attemptId);
    },
  };
}

/**
 * What the node itself refuses, whatever the controller let through: a target outside the rule
 * of protocol/mount-target.ts, or a block device this node was not configured to lend.
 */
function refusal(request: MountRequest, diskDevices: readonly string[]): string | undefined {
  const target = mountTargetProblem(request.target);
  if (target !== undefined) return `target ${request.target} ${target}`;
  if (request.type === 'disk' && !diskDevices.some((glob) => globMatches(glob, request.source)))
    return `device ${request.source} is not one this node lends to tasks (the node's --disk-devices / BATCH_DISK_DEVICES${diskDevices.length === 0 ? ' is empty' : `: ${diskDevices.join(', ')}`})`;
  return undefined;
}

/** `*` (any run of characters but `/`) and `?` (one such character); the rest literal. */
function globMatches(glob: string, text: string): boolean {
  const pattern = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${pattern}$`).test(text);
}

async function mountOne(entry: Active, signal: AbortSignal, say: Say, user: TaskUser | undefined): Promise<void> {
  const { plan } = entry;
  const failed = (step: string, problem: string, retryable = true) =>
    fail('MOUNT_ERROR', `mount ${plan.what}: ${step} failed: ${problem}`, retryable);
  if (plan.createTarget) {
    const existed = await stat(plan.target).then(
      () => true,
      () => false,
    );
    try {
      await mkdir(plan.target, { recursive: true });
    } catch (err) {
      throw failed(`creating ${plan.target}`, describeError(err), false);
    }
    entry.createdTarget = !existed;
  }
  let formatted = false;
  if (plan.format) {
    const probe = await runCommand(plan.format.probe, MOUNT_TIMEOUT_MS, signal);
    if (probe.code === plan.format.emptyExitCode) {
      say(`${plan.format.probe.args.at(-1)} holds no file system; ${commandLine(plan.format.mkfs)}`);
      const mkfs = await runCommand(plan.format.mkfs, FORMAT_TIMEOUT_MS, signal);
      if (mkfs.code !== 0) throw failed(commandLine(plan.format.mkfs), mkfs.problem);
      formatted = true;
    } else if (probe.code !== 0) throw failed(commandLine(plan.format.probe), probe.problem);
  }
  if (plan.keyFile) {
    // 0600 from the start (the mode applies at creation); the key never reaches a log
    await rm(plan.keyFile.path, { force: true });
    await writeFile(plan.keyFile.path, plan.keyFile.content, { mode: 0o600, flag: 'wx' });
  }
  try {
    const result = await runCommand(plan.mount, MOUNT_TIMEOUT_MS, signal);
    if (result.code !== 0) throw failed(plan.mount.file, result.problem);
  } finally {
    // s3fs reads its key file once at start; keeping it on disk afterwards would only expose it
    if (plan.keyFile) await rm(plan.keyFile.path, { force: true });
  }
  // A file system made for this task is the task's to write in; mkfs left its root to root.
  if (formatted && user !== undefined) await chown(plan.target, user.uid, user.gid);
}
