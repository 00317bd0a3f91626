/**
 * What does not work when several controllers share one database, said at start by a controller
 * that finds others up. Warnings, not refusals: the parts named fail visibly and alone (a package
 * uploaded through one controller is missing at another: the attempt fails as not stageable),
 * and jobs that use neither run fine — an operator moving to several controllers can do it step
 * by step.
 */
export interface SetupFacts {
  objectStore: 'local' | 's3';
  localNodes: number;
}

export function sharedSetupWarnings(facts: SetupFacts): string[] {
  const warnings: string[] = [];
  if (facts.objectStore === 'local')
    warnings.push(
      'other controllers share this database but object storage is a local directory of this one: packages, inputs, outputs and archived logs stored through one controller are missing at the others; give every controller the same S3-compatible store (BATCH_OSS_*)',
    );
  if (facts.localNodes > 0)
    warnings.push(
      `other controllers share this database and BATCH_LOCAL_NODES=${facts.localNodes}: the built-in local environment's agents run on whichever controller holds the node-pools lease and follow it poorly; set BATCH_LOCAL_NODES=0 on every controller and join agents with registration tokens`,
    );
  return warnings;
}
