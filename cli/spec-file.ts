/**
 * Reads the FILE of `-f FILE`: YAML or JSON (JSON is YAML, so one parser reads both), `-` for
 * stdin. Only the file's syntax is checked here; the controller validates its content, so a
 * CLI older than the controller never rejects a field the controller accepts.
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from './errors.js';

export async function readSpecFile(path: string): Promise<Record<string, unknown>> {
  const label = path === '-' ? 'stdin' : path;
  const text =
    path === '-'
      ? await readStdin()
      : await readFile(path, 'utf8').catch((error: unknown) => {
          const { code, message } = error as NodeJS.ErrnoException;
          throw new UsageError(`cannot read ${label}: ${code === 'ENOENT' ? 'no such file' : message}`);
        });
  const { parseDocument } = await import('yaml'); // loaded when a file is read, not at start-up
  const document = parseDocument(text, { prettyErrors: true });
  const problem = document.errors[0];
  // The yaml package's message ends with a frame of the lines around the problem: keep it.
  if (problem) throw new UsageError(`${label} is not valid YAML or JSON: ${problem.message.trimEnd()}`);
  let value: unknown;
  try {
    // A few aliases are handy (a shared env block); many are a "billion laughs" expansion.
    value = document.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    throw new UsageError(`${label}: refused: ${(err as Error).message} (at most ${MAX_ALIASES} YAML aliases)`);
  }
  if (refersToItself(value)) throw new UsageError(`${label}: refused: a YAML alias refers to the node it is in`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`${label} must contain one object (a mapping of fields), not ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

const MAX_ALIASES = 16;

/** An alias inside its own anchor makes a structure with no end, which no spec can be. */
function refersToItself(value: unknown, above = new Set<object>()): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (above.has(value)) return true;
  above.add(value);
  const children = Array.isArray(value) ? (value as unknown[]) : Object.values(value);
  const found = children.some((child) => refersToItself(child, above));
  above.delete(value);
  return found;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}
