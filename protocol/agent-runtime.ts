/**
 * V8 flags every batch-agent runs with: the compiled binary has them built in (SEA execArgv,
 * scripts/build-agent.sh) and the controller passes them to the local agents it starts.
 *
 * An agent forks a process for every attempt, and fork copies the parent's page tables: its cost
 * grows with the agent's anonymous memory (measured here: 0.8 ms per spawn at 17 MB, 1.5 ms at
 * 47 MB). A busy agent held 56 MB of it by default, 25 MB with these flags; idle, the compiled
 * agent drops from 72 to 61 MB RSS. The agent's JavaScript is not where its time goes (log
 * throughput and spawn rate were unchanged), so the optimizing compiler it gives up is no loss.
 *   --lite-mode               no optimizing compiler, feedback allocated lazily
 *   --max-semi-space-size=1   young generation of 1 MB per semi-space instead of up to 16
 */
export const AGENT_V8_FLAGS: readonly string[] = ['--lite-mode', '--max-semi-space-size=1'];
