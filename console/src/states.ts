/** The states the console shows, in the order a bar or a legend lists them (work flows left to right). */
export const DISPLAY_STATES = [
  'SUCCEEDED',
  'RUNNING',
  'SCHEDULED',
  'PENDING',
  'WAITING',
  'STOPPING',
  'FAILED',
  'STOPPED',
  'SKIPPED',
] as const;

export type DisplayState = (typeof DISPLAY_STATES)[number];

export const FINISHED_JOB = new Set(['SUCCEEDED', 'FAILED', 'STOPPED']);
export const RESTARTABLE_JOB = new Set(['FAILED', 'STOPPED']);
export const ACTIVE_INSTANCE = new Set(['PENDING', 'SCHEDULED', 'RUNNING']);
