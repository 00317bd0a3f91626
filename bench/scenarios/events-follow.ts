/**
 * Dispatch throughput while a client follows `GET /v1/events` (the admin's stream: every job,
 * task and instance change), against the same dispatch without it, in one run each, back to
 * back: the issue asks the follower to cost at most 10 %. Also how many events it received.
 */
import { figure, type Figure } from '../figures.js';
import { runDispatch } from '../fleet-run.js';
import type { RunContext, Scenario } from '../scenario.js';
import { dispatchRunOptions, dispatchShape } from './dispatch.js';

export const eventsFollow: Scenario = {
  id: 'events-follow',
  title: 'Dispatch throughput with an event follower',
  stores: ['postgres'],
  byDefault: true,
  timeoutS: (scale) => Math.max(240, Math.round(1200 * scale)),
  async run(ctx: RunContext): Promise<Figure[]> {
    const store = ctx.store!;
    const shape = dispatchShape(ctx.options.scale);
    const common = dispatchRunOptions(ctx);
    ctx.log('without a follower');
    const alone = await runDispatch(store, shape, common);
    ctx.log('with a client following /v1/events');
    const followed = await runDispatch(store, shape, { ...common, follower: true });
    const conditions = { store, nodes: shape.nodes, instances: followed.instances };
    const rate = (r: typeof alone) => r.instances / r.seconds;
    const name = (what: string) => `events_follow.${store}.${what}`;
    return [
      figure(name('instances_per_s'), rate(followed), 'instances/s', conditions, {
        target: { op: '>=', value: 10_000 },
      }),
      figure(name('instances_per_s_without'), rate(alone), 'instances/s', conditions),
      figure(name('ratio'), (rate(followed) / rate(alone)) * 100, '% of the rate without a follower', conditions, {
        target: { op: '>=', value: 90 },
      }),
      figure(name('events'), followed.eventsFollowed, 'events received', conditions),
      figure(name('controller_cpu'), followed.controllerCpuPercent, '% of a core', conditions),
      figure(name('machine_busy'), followed.machineBusyPercent, '% of all cores (every process)', conditions),
    ];
  },
};
