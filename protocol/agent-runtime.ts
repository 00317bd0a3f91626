/**
 * V8 flags every batch-agent runs with: the compiled binary has them built in (SEA execArgv,
 * scripts/build-agent.sh) and the controller passes them to the local agents it starts.
 *
 * An agent forks a process for every attempt, and fork copies the parent's page tables: its cost
 * grows with the agent's anonymous memory (measured here: 0.8 ms per spawn at 17 MB, 1.5 ms at
 * 47 MB). A busy agent held 56 MB of it by default, 25 MB with these flags; idle, the compiled
 * agent's private memory drops from 27 to 17 MB. The agent's JavaScript is not where its time
 * goes (log throughput and spawn rate did not drop), so the compile tiers it gives up are no loss.
 *   --optimize-for-size       V8 favours memory over speed (smaller code and heap)
 *   --no-sparkplug            no baseline-compiled code; hot code is still optimized
 *   --max-semi-space-size=1   young generation of 1 MB per semi-space instead of up to 16
 * Not --lite-mode, which saves the same: it implies --jitless, which removes WebAssembly, and
 * Node's fetch (downloads, uploads) needs it.
 */
export const AGENT_V8_FLAGS: readonly string[] = ['--optimize-for-size', '--no-sparkplug', '--max-semi-space-size=1'];
