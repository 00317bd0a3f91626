/**
 * One scheduling pass: snapshot → plan → apply, then the decisions go to the nodes.
 *
 *   1. reconcile (pure) the jobs the wake named: releases, skips, stops, re-arms, task and job
 *      states; apply them in one transaction; kills of stopped attempts go out;
 *   2. reconcile (pure) node intent (drain/undrain) when asked, and apply it;
 *   3. place (pure) ready work onto connected READY nodes; claim it (apply); starts go out at
 *      once, then the pending reasons of what is left are written.
 *
 * Nothing here sends a message itself: starts and kills leave through the `AttemptDelivery` the
 * controller wires in (the gateway), so the scheduler imports nothing of the gateway.
 */
import { MIN_TASK_CPU } from '../../protocol/spec.js';
import { isJobFinished } from '../../protocol/states.js';
import type { AttemptDelivery } from '../attempts/started.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../log.js';
import { applyNodeChanges, applyPendingReasons, applyPlacements, applyReconcile } from './apply.js';
import type { PassReport, PassRequest, RunPass } from './loop.js';
import { place } from './place.js';
import { reconcile, reconcileNodes } from './reconcile.js';
import {
  loadActiveJobs,
  loadNodeIntents,
  loadProvisioning,
  loadQuotas,
  loadReadyGroups,
  loadReadyNodes,
} from './snapshot.js';
import type { NodeSnapshot } from './types.js';

/**
 * The most ready instances a pass reads per task: no more could be placed than free cpu over
 * the smallest cpu a task may ask, and this caps even that on an enormous fleet.
 */
const MAX_PLACEMENTS_PER_PASS = 1_000_000;

function placementCap(nodes: readonly NodeSnapshot[]): number {
  let cap = 0;
  for (const n of nodes) cap += Math.max(0, n.capacity.cpu - n.allocated.cpu) / MIN_TASK_CPU;
  return Math.min(cap, MAX_PLACEMENTS_PER_PASS);
}

export interface PassDeps {
  store: Database;
  /** Nodes with a live connection to this controller: only they can be handed work now. */
  connectedNodes: () => ReadonlySet<string>;
  delivery: AttemptDelivery;
  /** Where a line for every finished job goes. */
  log?: Logger;
  now?: () => number;
}

export function schedulingPass(deps: PassDeps): RunPass {
  const now = deps.now ?? Date.now;
  return async (request: PassRequest): Promise<PassReport> => {
    const { store } = deps;
    const reconcileStart = now();
    const scope = request.reconcile;
    const jobs =
      scope === 'all' ? await loadActiveJobs(store) : scope.length > 0 ? await loadActiveJobs(store, scope) : [];
    const plan = reconcile(jobs);
    const applied = await applyReconcile(store, plan);
    deps.delivery.kills(applied.kills);
    for (const job of applied.jobStates)
      if (isJobFinished(job.state))
        deps.log?.info(`job ${job.id} (${job.name}) of ${job.owner} finished: ${job.state}`, {
          event: 'job.finished',
          jobId: job.id,
          name: job.name,
          owner: job.owner,
          state: job.state,
        });
    const reconcileMs = scope === 'all' || scope.length > 0 ? now() - reconcileStart : 0;

    let nodeChanges = 0;
    if (scope === 'all' || request.reasons.some((r) => r === 'node-intent' || r === 'node-ready')) {
      nodeChanges = await applyNodeChanges(store, reconcileNodes(await loadNodeIntents(store)));
    }

    const { here: nodes, elsewhere } = await loadReadyNodes(store, deps.connectedNodes());
    const groups = await loadReadyGroups(store, placementCap(nodes));
    let started = 0;
    // A stop that stopped nothing new (a STOPPING job waiting for its kills) touched nothing:
    // counting it would make every pass wake a follow-up for it.
    const stopsChanged = applied.stoppedInstances + applied.kills.length > 0;
    const touchedJobs = new Set<string>([...plan.releases, ...plan.tasks, ...plan.jobs].map((c) => c.jobId));
    if (stopsChanged) for (const id of plan.stops) touchedJobs.add(id);
    if (applied.rearmedJobs > 0) for (const id of plan.rearms) touchedJobs.add(id);
    if (groups.length > 0) {
      const quotas = await loadQuotas(store, [...new Set(groups.map((g) => g.ownerId))]);
      const placement = place(groups, nodes, quotas, await loadProvisioning(store), elsewhere);
      const attempts = await applyPlacements(store, placement.placements);
      started = attempts.length;
      // Starts go out as soon as the claim commits; pending reasons are not on their path.
      // A node that went away meanwhile gets these on reconnect (resync re-sends SCHEDULED attempts).
      await deps.delivery.starts(attempts);
      await applyPendingReasons(store, placement.reasons);
      for (const p of placement.placements) touchedJobs.add(p.jobId);
    }
    return {
      read: { jobs: jobs.length, readyGroups: groups.length, nodes: nodes.length },
      changed: {
        // releases count per decision (a task's worth), stops and re-arms per row or job
        instances: plan.releases.length + applied.stoppedInstances,
        tasks: plan.tasks.length,
        jobs: plan.jobs.length + applied.rearmedJobs,
        nodes: nodeChanges,
        started,
        killed: applied.kills.length,
      },
      touchedJobs,
      reconcileMs,
      madeReady: plan.releases.length > 0 || applied.rearmedJobs > 0,
    };
  };
}
