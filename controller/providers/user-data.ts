/**
 * The user data a provisioned host boots with: installers/user-data/'s bootstrap script with the
 * controller's URL, the node's own registration token and its labels filled in, and the
 * template's extra lines after it. Values are checked first: the script puts them in single
 * quotes, so a quote (or a newline) in a value could break out of them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeTemplate } from '../../protocol/api.js';

const LINUX_SCRIPT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../installers/user-data/linux-user-data.sh',
);

let script: string | undefined;

export function renderUserData(controllerUrl: string, registrationToken: string, template: NodeTemplate): string {
  script ??= readFileSync(LINUX_SCRIPT, 'utf8');
  const labels = Object.entries(template.labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const values: Record<string, string> = {
    __BATCH_CONTROLLER_URL__: controllerUrl,
    __BATCH_REGISTRATION_TOKEN__: registrationToken,
    __BATCH_NODE_LABELS__: labels,
  };
  let out = script;
  for (const [placeholder, value] of Object.entries(values)) {
    if (/['\n\r]/.test(value))
      throw new Error(`${placeholder}: a value for user data may not hold a quote or a newline`);
    out = out.replaceAll(placeholder, value);
  }
  return template.userData ? `${out}\n${template.userData}\n` : out;
}
