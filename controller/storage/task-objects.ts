/** Every object-storage URL a task names, with the spec field that names it. */
import type { ResolvedTask } from '../../protocol/spec.js';
import type { BucketUse } from './buckets.js';
import { parseOssUrl } from './oss-url.js';

export function bucketsOfTask(task: ResolvedTask, index: number): BucketUse[] {
  const at = (field: string) => `tasks[${index}].${field}`;
  const urls: [string, string][] = [];
  if (task.package) urls.push([task.package, at('package')]);
  if (task.stdout) urls.push([task.stdout, at('stdout')]);
  if (task.stderr) urls.push([task.stderr, at('stderr')]);
  for (const source of Object.keys(task.inputs)) urls.push([source, at(`inputs["${source}"]`)]);
  for (const [path, destination] of Object.entries(task.outputs)) urls.push([destination, at(`outputs["${path}"]`)]);
  task.mounts.forEach((m, i) => {
    if (m.type === 'oss') urls.push([m.source, at(`mounts[${i}].source`)]);
  });
  return urls.map(([url, field]) => ({ bucket: parseOssUrl(url, field).bucket, field }));
}
