/**
 * How dispatch cost grows (opt-in: `--only=growth`): the dispatch scenario at a few sizes along
 * one axis at a time — instances, tasks, nodes — reporting instances/s and controller CPU
 * seconds per 1,000 instances. Each size gets its own controller, database and time limit.
 */
import { Cleanup } from '../cleanup.js';
import { Deadline, DidNotFinish } from '../deadline.js';
import { figure, type Figure } from '../figures.js';
import { runDispatch, type DispatchShape } from '../fleet-run.js';
import { scaled, type RunContext, type Scenario } from '../scenario.js';

interface Size {
  axis: 'instances' | 'tasks' | 'nodes';
  shape: DispatchShape;
}

/** The middle size (30,000 instances in 100 tasks on 1,000 nodes) is shared by all three axes. */
function sizes(scale: number): Size[] {
  const nodes = scaled(1000, scale, 10);
  const total = (n: number) => scaled(n, scale, 100);
  const shape = (jobs: number, tasksPerJob: number, instances: number, n = nodes): DispatchShape => ({
    nodes: n,
    cpuPerNode: 4,
    jobs,
    tasksPerJob,
    instancesPerTask: Math.max(1, Math.round(instances / (jobs * tasksPerJob))),
  });
  return [
    { axis: 'instances', shape: shape(10, 10, total(10_000)) },
    { axis: 'instances', shape: shape(10, 10, total(30_000)) },
    { axis: 'instances', shape: shape(10, 10, total(100_000)) },
    { axis: 'tasks', shape: shape(1, 10, total(30_000)) },
    { axis: 'tasks', shape: shape(100, 10, total(30_000)) },
    { axis: 'nodes', shape: shape(10, 10, total(30_000), scaled(100, scale, 5)) },
    { axis: 'nodes', shape: shape(10, 10, total(30_000), scaled(5000, scale, 50)) },
  ];
}

const PER_SIZE_TIMEOUT_S = 300;

export const growth: Scenario = {
  id: 'growth',
  title: 'Growth of dispatch cost with instances, tasks and nodes',
  stores: ['postgres'],
  byDefault: false,
  timeoutS: (scale) => sizes(scale).length * PER_SIZE_TIMEOUT_S + 60,
  async run(ctx: RunContext): Promise<Figure[]> {
    const store = ctx.store!;
    const out: Figure[] = [];
    for (const { axis, shape } of sizes(ctx.options.scale)) {
      const instances = shape.jobs * shape.tasksPerJob * shape.instancesPerTask;
      const tasks = shape.jobs * shape.tasksPerJob;
      const label = `${instances} instances, ${tasks} tasks, ${shape.nodes} nodes`;
      const conditions = { store, axis, nodes: shape.nodes, jobs: shape.jobs, tasks, instances };
      const name = (what: string) =>
        `growth.${store}.${axis}=${axis === 'instances' ? instances : axis === 'tasks' ? tasks : shape.nodes}.${what}`;
      ctx.log(`growth (${axis}): ${label}`);
      const cleanup = new Cleanup();
      const deadline = new Deadline(Math.min(PER_SIZE_TIMEOUT_S, ctx.deadline.remainingMs() / 1000));
      try {
        const r = await runDispatch(store, shape, {
          deadline,
          cleanup,
          keep: ctx.options.keep,
          validate: ctx.options.validate,
          profile: ctx.options.profile,
          log: ctx.log,
        });
        out.push(
          figure(name('instances_per_s'), r.instances / r.seconds, 'instances/s', conditions),
          figure(
            name('controller_cpu_s_per_1000'),
            r.controllerCpuSeconds / (r.instances / 1000),
            'CPU s / 1,000 instances',
            conditions,
          ),
        );
      } catch (err) {
        cleanup.failed = true;
        if (!(err instanceof DidNotFinish)) throw err;
        out.push(figure(name('instances_per_s'), null, 'instances/s', conditions, { note: err.message }));
      } finally {
        for (const failure of await cleanup.run()) ctx.log(`cleanup: ${failure}`);
      }
    }
    return out;
  },
};
