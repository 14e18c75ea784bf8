// Reads a V8 .cpuprofile (node --cpu-prof) and names the functions that took the time: self and total.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Frame {
  name: string;
  selfMs: number;
  totalMs: number;
}

function frameName(node: ProfileNode, root: string): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^file:\/\//, '').replace(root, '');
  return `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
}

/** Functions by self time and by total (inclusive) time, `limit` of each; `root` is cut from file paths. */
export function topFrames(
  path: string,
  limit = 12,
  root = '',
): { self: Frame[]; total: Frame[]; ms: number } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let ms = 0;
  profile.samples.forEach((id, index) => {
    const delta = (profile.timeDeltas[index] ?? 0) / 1000;
    ms += delta;
    const node = byId.get(id);
    if (!node) return;
    const name = frameName(node, root);
    self.set(name, (self.get(name) ?? 0) + delta);
    // Each function once per sample, however deep its recursion.
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const frame = frameName(byId.get(current)!, root);
      if (seen.has(frame)) continue;
      seen.add(frame);
      total.set(frame, (total.get(frame) ?? 0) + delta);
    }
  });
  const frames = (map: Map<string, number>, sortBySelf: boolean) =>
    [...map.keys()]
      .map((name) => ({ name, selfMs: self.get(name) ?? 0, totalMs: total.get(name) ?? 0 }))
      .filter((f) => !/^\((root|program|idle|garbage collector)\)/.test(f.name) || sortBySelf)
      .sort((a, b) => (sortBySelf ? b.selfMs - a.selfMs : b.totalMs - a.totalMs))
      .slice(0, limit);
  return { self: frames(self, true), total: frames(total, false), ms };
}
