/**
 * batch-agent: wiring only. Configuration problems exit with 2 before anything starts; from then
 * on the agent runs until a signal or a final rejection by the controller stops it.
 */
import { Agent } from './agent.js';
import { secureAgentDir } from './isolation/agent-dir.js';
import { taskUsers, TenantUsers } from './isolation/task-users.js';
import { ConfigError, loadConfig } from './config.js';
import { CredentialFileError, CredentialStore } from './credentials.js';
import { EXIT_BAD_CONFIG, EXIT_FAILURE, EXIT_OK } from './exit-codes.js';
import { detectGpus } from './gpus/detect-gpus.js';
import { offeredGpus } from './gpus/offered-gpus.js';
import { guardChildProcesses, isHelperFailure, logHelperFailure } from './helper-failures.js';
import { describeError, log, setLogLevel } from './log.js';
import { unmountLeftovers } from './mounts/mount-records.js';
import { killLeftoverGroups } from './process-groups.js';
import { sweepWorkDirs, workRoot } from './workdir.js';

async function main(): Promise<void> {
  guardChildProcesses();
  const outcome = loadConfig(process.argv.slice(2));
  if ('exit' in outcome) process.exit(outcome.exit);
  const config = outcome.run;
  setLogLevel(config.logLevel);

  const users = taskUsers(workRoot(config.dir), config.taskIsolation, config.taskUids);
  await secureAgentDir(config.dir, users instanceof TenantUsers);
  log(`isolation: ${users.description}`);
  const credentials = new CredentialStore(config.dir);
  const credential = await credentials.load();
  if (credential === undefined && config.registrationToken === undefined) {
    throw new ConfigError(
      `no node credential in ${credentials.path} and no --registration-token / BATCH_REGISTRATION_TOKEN to register with`,
    );
  }
  const leftovers = killLeftoverGroups(config.dir);
  if (leftovers > 0) log(`killed ${leftovers} process group(s) a previous agent run left behind`);
  // after the kill: a process still using a mount would keep it busy
  const mountRecords = await unmountLeftovers(config.dir);
  if (mountRecords > 0) log(`undid the mounts of ${mountRecords} attempt(s) a previous agent run left behind`);
  await sweepWorkDirs(config.dir).then(
    (removed) => removed > 0 && log(`removed ${removed} work dir(s) older than a day`),
    (err: unknown) => log(`could not sweep old work dirs: ${describeError(err)}`),
  );

  // before the first hello, which carries the count; once: a GPU added later needs a restart
  const gpus = offeredGpus(await detectGpus(), config.gpu);
  log(`gpus: ${gpus.summary}`);

  const agent = new Agent(config, credentials, credential, users, gpus);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      log(`${signal} again: exiting without waiting for attempts`);
      process.exit(EXIT_FAILURE);
    }
    void agent.stop(EXIT_OK, `received ${signal}`);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // An agent bug must not leave attempts running unsupervised: stop them, then exit. A helper's
  // failure is not the agent's: stopping for it would turn a failed probe into lost work.
  const onUncaught = (err: unknown): void => {
    if (isHelperFailure(err)) logHelperFailure(err);
    else
      void agent.stop(
        EXIT_FAILURE,
        `internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
  };
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  agent.start();
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof CredentialFileError) {
    process.stderr.write(`batch-agent: ${err.message}\n`);
    process.exit(EXIT_BAD_CONFIG);
  }
  log(`batch-agent failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(EXIT_FAILURE);
});
