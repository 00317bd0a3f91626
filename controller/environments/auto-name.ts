/** Names starting with this are kept for the auto environments the controller makes for tasks. */
export const AUTO_PREFIX = 'auto-';

export function autoEnvironmentName(caller: { name: string }): string {
  return `${AUTO_PREFIX}${caller.name}`;
}
