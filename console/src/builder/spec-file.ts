/** A job spec file as `batchctl submit -f` reads it: JSON by its extension, YAML otherwise. */
import { parse as parseYaml } from 'yaml';

export async function readSpecFile(file: File): Promise<unknown> {
  const text = await file.text();
  return /\.json$/i.test(file.name) ? (JSON.parse(text) as unknown) : (parseYaml(text) as unknown);
}
