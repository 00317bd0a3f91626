/**
 * The commands that mount and unmount a task's storage, as argv lists (run without a shell), built
 * by pure functions so that tests pin the exact argv for every type, option and platform.
 *
 * Linux:   cfs  NFS `mount -t nfs`, or CIFS for a //server/share source
 *          oss  s3fs (FUSE) with a 0600 key file
 *          disk optional `blkid -p` probe + `mkfs`, then `mount`
 *          unmount: `umount TARGET`, then `umount -l TARGET` when it is busy
 * Windows: cfs  SMB `net use Z: \\server\share`, or the NFS client `mount.exe -o anon host:/export Z:`
 *          oss and disk are not supported there.
 */
import path from 'node:path';
import type { MountRequest } from '../../protocol/messages.js';

export type Platform = 'linux' | 'win32';

export interface Command {
  file: string;
  args: string[];
}

export interface MountPlan {
  /** A readable one-liner, without secrets: `cfs 10.0.0.5:/export -> /mnt/cfs`. */
  what: string;
  target: string;
  /** Linux: create the target directory when it is missing. */
  createTarget: boolean;
  /** formatIfEmpty: run `probe`; when it exits with `emptyExitCode` the device has no file system. */
  format?: { probe: Command; emptyExitCode: number; mkfs: Command };
  /** oss: the s3fs key file, written 0600 just before `mount` and removed right after it. */
  keyFile?: { path: string; content: string };
  mount: Command;
  /** Tried in order until one succeeds. */
  unmount: Command[];
}

/** The request cannot be mounted on this platform as written; retrying will not help. */
export class InvalidMount extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidMount';
  }
}

/** blkid's exit status when the device holds nothing it recognises. */
const BLKID_NOTHING_FOUND = 2;
const DEFAULT_FS_TYPE = 'ext4';

export function describeMount(m: Pick<MountRequest, 'type' | 'source' | 'target'>): string {
  return `${m.type} ${m.source} -> ${m.target}`;
}

/** `keyFile`: where an oss mount's key pair goes (only used for oss). */
export function planMount(m: MountRequest, platform: Platform, keyFile: string): MountPlan {
  checkArguments(m);
  return platform === 'win32' ? planWindows(m) : planLinux(m, keyFile);
}

function planLinux(m: MountRequest, keyFile: string): MountPlan {
  if (!path.posix.isAbsolute(m.target))
    throw new InvalidMount(`mount target ${JSON.stringify(m.target)} is not an absolute path`);
  const base = {
    what: describeMount(m),
    target: m.target,
    createTarget: true,
    unmount: [cmd('umount', m.target), cmd('umount', '-l', m.target)],
  };
  const options = optionList(m.readOnly ? 'ro' : undefined, m.options);
  switch (m.type) {
    case 'cfs': {
      if (isSmbSource(m.source)) {
        return {
          ...base,
          mount: cmd('mount', '-t', 'cifs', ...dashO(options), m.source.replace(/\\/g, '/'), m.target),
        };
      }
      return { ...base, mount: cmd('mount', '-t', 'nfs', ...dashO(options), m.source, m.target) };
    }
    case 'oss': {
      const s3 = m.s3;
      if (s3 === undefined)
        throw new InvalidMount(
          `oss mount ${m.source} came without storage settings; the controller has no mount keys configured`,
        );
      for (const [field, value] of Object.entries({ endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket })) {
        if (value === '' || /[,\s]/.test(value))
          throw new InvalidMount(
            `oss mount ${m.source}: the ${field} ${JSON.stringify(value)} is empty or contains a comma or space`,
          );
      }
      const prefix = s3.prefix.replace(/^\/+|\/+$/g, '');
      const bucket = prefix === '' ? s3.bucket : `${s3.bucket}:/${prefix}`;
      const s3Options = optionList(
        `passwd_file=${keyFile}`,
        `url=${s3.endpoint}`,
        `endpoint=${s3.region}`,
        s3.pathStyle ? 'use_path_request_style' : undefined,
        m.readOnly ? 'ro' : undefined,
        m.options,
      );
      return {
        ...base,
        keyFile: { path: keyFile, content: `${s3.accessKeyId}:${s3.secretAccessKey}\n` },
        mount: cmd('s3fs', bucket, m.target, '-o', s3Options!),
      };
    }
    case 'disk': {
      const format = m.formatIfEmpty
        ? {
            probe: cmd('blkid', '-p', m.source),
            emptyExitCode: BLKID_NOTHING_FOUND,
            mkfs: cmd('mkfs', '-t', m.fsType ?? DEFAULT_FS_TYPE, m.source),
          }
        : undefined;
      const typeArgs = m.fsType === undefined ? [] : ['-t', m.fsType];
      return {
        ...base,
        ...(format ? { format } : {}),
        mount: cmd('mount', ...typeArgs, ...dashO(options), m.source, m.target),
      };
    }
  }
}

function planWindows(m: MountRequest): MountPlan {
  const drive = m.target.replace(/[\\/]$/, '');
  if (!/^[A-Za-z]:$/.test(drive))
    throw new InvalidMount(
      `on Windows a mount target must be a drive letter such as Z:, not ${JSON.stringify(m.target)}`,
    );
  if (m.type !== 'cfs') throw new InvalidMount(`${m.type} mounts are not supported on Windows nodes`);
  // neither `net use` nor the NFS client can enforce read-only; refusing beats a silent read-write mount
  if (m.readOnly) throw new InvalidMount(`readOnly is not supported for cfs mounts on Windows nodes`);
  const base = { what: describeMount(m), target: drive, createTarget: false };
  if (isSmbSource(m.source)) {
    const share = m.source.replace(/\//g, '\\');
    const extra = m.options?.trim() ? m.options.trim().split(/\s+/) : [];
    return {
      ...base,
      mount: cmd('net.exe', 'use', drive, share, '/persistent:no', ...extra),
      unmount: [cmd('net.exe', 'use', drive, '/delete', '/y')],
    };
  }
  return {
    ...base,
    mount: cmd('mount.exe', '-o', optionList('anon', m.options)!, m.source, drive),
    unmount: [cmd('umount.exe', drive), cmd('umount.exe', '-f', drive)],
  };
}

/** Anything starting with `-` would be read as an option by mount, s3fs or mkfs. */
function checkArguments(m: MountRequest): void {
  for (const [field, value] of Object.entries({
    source: m.source,
    target: m.target,
    options: m.options,
    fsType: m.fsType,
  })) {
    if (value === undefined) continue;
    if (value === '' && field !== 'options') throw new InvalidMount(`mount ${field} is empty`);
    if (value.startsWith('-'))
      throw new InvalidMount(`mount ${field} ${JSON.stringify(value)} must not start with "-"`);
  }
  if (m.fsType !== undefined && !/^[A-Za-z0-9._-]+$/.test(m.fsType))
    throw new InvalidMount(`mount fsType ${JSON.stringify(m.fsType)} is not a file system type name`);
}

function isSmbSource(source: string): boolean {
  return /^(\\\\|\/\/)[^\\/]/.test(source);
}

function optionList(...parts: (string | undefined)[]): string | undefined {
  const kept = parts.map((p) => p?.trim()).filter((p): p is string => p !== undefined && p !== '');
  return kept.length === 0 ? undefined : kept.join(',');
}

function dashO(options: string | undefined): string[] {
  return options === undefined ? [] : ['-o', options];
}

function cmd(file: string, ...args: string[]): Command {
  return { file, args };
}
