/**
 * Where the API's validation problems are shown in the builder: `name` and `priority` under the
 * job's fields, `tasks[i].…` on task i's box and in its panel, anything else above the submit.
 */
import type { FieldErrors } from '../components/task-fields.js';
import { problemsByField } from '../field-errors.js';
import { draftFieldOf } from '../task-draft.js';

export function placeProblems(error: unknown) {
  const job: Partial<Record<'name' | 'priority' | 'tasks', string>> = {};
  const tasks = new Map<number, FieldErrors>();
  const other: string[] = [];
  for (const [path, message] of problemsByField(error)) {
    const task = /^tasks\[(\d+)\](?:\.(.*))?$/.exec(path);
    if (task) {
      const index = Number(task[1]);
      const rest = task[2] ?? '';
      const field =
        rest === 'name' || rest.startsWith('template') || rest.startsWith('dependsOn')
          ? rest.replace(/\[.*$/, '')
          : (draftFieldOf(rest) ?? (rest || 'name'));
      const errors = tasks.get(index) ?? {};
      errors[field] ??= message;
      tasks.set(index, errors);
    } else if (path === 'name' || path === 'priority' || path === 'tasks') {
      job[path] ??= message;
    } else {
      other.push(`${path}: ${message}`);
    }
  }
  return { job, tasks, other };
}
