/**
 * The functions a V8 `.cpuprofile` spent the most time in, by self time and by total (inclusive)
 * time, as text: `node dist/bench/profile-top.js FILE [N]`. Enough to see where a controller's
 * CPU goes without opening DevTools.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|dist)\//, '$1/');
  return `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
}

function main(): void {
  const [file, limitArg] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node dist/bench/profile-top.js FILE.cpuprofile [N]');
    process.exit(2);
  }
  const limit = Number(limitArg ?? 25);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const id of profile.samples) {
    const leaf = byId.get(id)!;
    self.set(label(leaf), (self.get(label(leaf)) ?? 0) + 1);
    // Count each function once per sample even when it recurses.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = label(byId.get(at)!);
      if (seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + 1);
    }
  }
  const n = profile.samples.length;
  const print = (title: string, counts: Map<string, number>) => {
    console.log(`\n${title} (${n} samples)`);
    for (const [name, count] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
      console.log(`${((count / n) * 100).toFixed(1).padStart(6)} %  ${name}`);
    }
  };
  print('self time', self);
  print('total time', total);
}

main();
