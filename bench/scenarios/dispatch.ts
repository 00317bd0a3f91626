/**
 * Scenario 1 — dispatch throughput on a simulated fleet: 1,000 nodes of 4 cpu, 100,000 instances
 * (10 jobs × 10 tasks × 1,000), instances/s from the first submit to the last SUCCEEDED persisted,
 * and what it cost the controller.
 */
import { figure, type Figure } from '../figures.js';
import { runDispatch, type DispatchShape } from '../fleet-run.js';
import { MIB } from '../proc-stats.js';
import { scaled, type RunContext, type Scenario } from '../scenario.js';

/** The fleet and jobs of the dispatch figure (also what `events-follow` measures against). */
export function dispatchShape(scale: number): DispatchShape {
  return {
    nodes: scaled(1000, scale, 10),
    cpuPerNode: 4,
    jobs: 10,
    tasksPerJob: 10,
    instancesPerTask: scaled(1000, scale, 10),
  };
}

export function dispatchRunOptions(ctx: RunContext) {
  return {
    deadline: ctx.deadline,
    cleanup: ctx.cleanup,
    keep: ctx.options.keep,
    validate: ctx.options.validate,
    profile: ctx.options.profile,
    log: ctx.log,
  };
}

export const dispatch: Scenario = {
  id: 'dispatch',
  title: 'Dispatch throughput, simulated fleet',
  stores: ['postgres', 'pglite'],
  byDefault: true,
  timeoutS: (scale) => Math.max(120, Math.round(600 * scale)),
  async run(ctx: RunContext): Promise<Figure[]> {
    const store = ctx.store!;
    const shape = dispatchShape(ctx.options.scale);
    const r = await runDispatch(store, shape, dispatchRunOptions(ctx));
    const conditions = {
      store,
      nodes: shape.nodes,
      cpuPerNode: shape.cpuPerNode,
      jobs: shape.jobs,
      tasksPerJob: shape.tasksPerJob,
      instances: r.instances,
    };
    const name = (what: string) => `dispatch.${store}.${what}`;
    return [
      figure(name('instances_per_s'), r.instances / r.seconds, 'instances/s', conditions, {
        target: { op: '>=', value: store === 'postgres' ? 10_000 : 2_000 },
      }),
      figure(name('seconds'), r.seconds, 's', conditions),
      figure(
        name('controller_cpu_s_per_1000'),
        r.controllerCpuSeconds / (r.instances / 1000),
        'CPU s / 1,000 instances',
        conditions,
      ),
      figure(name('controller_cpu'), r.controllerCpuPercent, '% of a core', conditions),
      ...(store === 'postgres' ? [figure(name('postgres_cpu'), r.postgresCpuPercent, '% of a core', conditions)] : []),
      figure(name('simulator_cpu'), r.simulatorCpuPercent, '% of a core', conditions),
      figure(name('machine_busy'), r.machineBusyPercent, '% of all cores (every process)', conditions),
      figure(name('submit_s'), r.submitSeconds, 's (all submits)', conditions),
      figure(name('connect_s'), r.connectSeconds, `s (${shape.nodes} nodes)`, conditions),
      figure(name('controller_peak_rss'), r.controllerPeakRssBytes / MIB, 'MiB', conditions),
    ];
  },
};
