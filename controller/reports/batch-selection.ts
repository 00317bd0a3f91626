/**
 * Which queued reports go into the next write. Everything, when the queued log fits one write;
 * otherwise attempts with little queued output first, so one instance writing gigabytes does not
 * hold up every other instance's log lines and results: a follower of a quiet instance waits
 * for one write, not for the whole backlog. Within an attempt, chunks keep their arrival order
 * (a prefix is taken), and a status is only taken when every chunk of its attempt that arrived
 * before it is taken too: an attempt's end is never stored before its output.
 */
export interface Queued<R> {
  report: R;
  /** Arrival order across statuses and chunks. */
  order: number;
}

export interface Selection<S, C> {
  statuses: S[];
  chunks: C[];
  bytes: number;
}

export function selectBatch<
  S extends Queued<{ attemptId: number }>,
  C extends Queued<{ attemptId: number; data: Uint8Array }>,
>(
  statuses: readonly S[],
  chunks: readonly C[],
  budgetBytes: number,
): { batch: Selection<S, C>; rest: Selection<S, C> } {
  const total = chunks.reduce((n, c) => n + c.report.data.byteLength, 0);
  if (total <= budgetBytes) {
    return {
      batch: { statuses: [...statuses], chunks: [...chunks], bytes: total },
      rest: { statuses: [], chunks: [], bytes: 0 },
    };
  }
  const byAttempt = new Map<number, { chunks: C[]; bytes: number }>();
  for (const c of chunks) {
    let group = byAttempt.get(c.report.attemptId);
    if (!group) byAttempt.set(c.report.attemptId, (group = { chunks: [], bytes: 0 }));
    group.chunks.push(c);
    group.bytes += c.report.data.byteLength;
  }
  const taken = new Set<C>();
  /** Per attempt, the arrival order of its first chunk left behind. */
  const firstLeft = new Map<number, number>();
  let bytes = 0;
  for (const [attemptId, group] of [...byAttempt].sort((a, b) => a[1].bytes - b[1].bytes)) {
    for (const c of group.chunks) {
      const size = c.report.data.byteLength;
      // At least one chunk, so a chunk above the budget still moves.
      if (firstLeft.has(attemptId) || (taken.size > 0 && bytes + size > budgetBytes)) {
        if (!firstLeft.has(attemptId)) firstLeft.set(attemptId, c.order);
        continue;
      }
      taken.add(c);
      bytes += size;
    }
  }
  const statusTaken = (s: S) => s.order < (firstLeft.get(s.report.attemptId) ?? Infinity);
  return {
    batch: { statuses: statuses.filter(statusTaken), chunks: chunks.filter((c) => taken.has(c)), bytes },
    rest: {
      statuses: statuses.filter((s) => !statusTaken(s)),
      chunks: chunks.filter((c) => !taken.has(c)),
      bytes: total - bytes,
    },
  };
}
