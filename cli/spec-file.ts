/**
 * Reads the FILE of `-f FILE`: YAML or JSON (JSON is YAML, so one parser reads both), `-` for
 * stdin. Only the file's syntax is checked here; the controller validates its content, so a
 * CLI older than the controller never rejects a field the controller accepts.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
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
  const document = parseDocument(text, { prettyErrors: true });
  const problem = document.errors[0];
  if (problem) throw new UsageError(`${label} is not valid YAML or JSON: ${problem.message.split('\n')[0]}`);
  const value: unknown = document.toJS();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`${label} must contain one object (a mapping of fields), not ${describe(value)}`);
  }
  return value as Record<string, unknown>;
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
