/**
 * The figures of a node's heartbeat (README, "Node metrics"), named once for the two places they
 * travel: the agent's wire (protocol/messages.ts, with `at` in epoch milliseconds) and the API
 * (protocol/api.ts, with `at` as an ISO time, like every time there).
 */
import { z } from 'zod';

export const metricFigures = {
  cpuPercent: z.number(),
  memoryUsedMiB: z.number(),
  memoryTotalMiB: z.number(),
  load1: z.number(),
  diskFreeMiB: z.number(),
  diskTotalMiB: z.number(),
};
