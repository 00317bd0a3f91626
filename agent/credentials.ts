/**
 * The node's identity, `<dir>/node.json` = { nodeId, credential }. The registration token is
 * exchanged for it once; from then on the agent authenticates as this node. The file is a secret:
 * mode 0600, written to a temporary file and renamed so a crash never leaves half a credential.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

export interface NodeCredential {
  nodeId: string;
  credential: string;
}

const fileSchema = z.object({ nodeId: z.string().min(1).max(64), credential: z.string().min(1).max(256) });

export class CredentialFileError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'CredentialFileError';
  }
}

export class CredentialStore {
  readonly path: string;

  constructor(dir: string) {
    this.path = join(dir, 'node.json');
  }

  /** The stored credential, or undefined when this node has not registered yet. */
  async load(): Promise<NodeCredential | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new CredentialFileError(
        this.path,
        'is not valid JSON; delete it to register again with a registration token',
      );
    }
    const parsed = fileSchema.safeParse(json);
    if (!parsed.success)
      throw new CredentialFileError(this.path, 'does not hold { nodeId, credential }; delete it to register again');
    return parsed.data;
  }

  async save(value: NodeCredential): Promise<void> {
    await mkdir(join(this.path, '..'), { recursive: true });
    const tmp = `${this.path}.${randomBytes(4).toString('hex')}.tmp`;
    const file = await open(tmp, 'wx', 0o600);
    try {
      try {
        await file.writeFile(`${JSON.stringify({ nodeId: value.nodeId, credential: value.credential })}\n`);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, this.path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async drop(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
