/**
 * Mounts before the package and inputs (they may read from a mount), unmounts after the outputs.
 * Each mount is recorded on disk before it is attempted, so a restarted agent can undo it. A
 * failed step is MOUNT_ERROR with the command's own stderr, which is what says why (no route to
 * the server, unknown file system, bad key).
 */
import { mkdir, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MountRequest } from '../../protocol/messages.js';
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
        await mountOne(entry, signal, say);
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

async function mountOne(entry: Active, signal: AbortSignal, say: Say): Promise<void> {
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
  if (plan.format) {
    const probe = await runCommand(plan.format.probe, MOUNT_TIMEOUT_MS, signal);
    if (probe.code === plan.format.emptyExitCode) {
      say(`${plan.format.probe.args.at(-1)} holds no file system; ${commandLine(plan.format.mkfs)}`);
      const mkfs = await runCommand(plan.format.mkfs, FORMAT_TIMEOUT_MS, signal);
      if (mkfs.code !== 0) throw failed(commandLine(plan.format.mkfs), mkfs.problem);
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
}
