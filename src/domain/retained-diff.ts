// The difference between two sets of retained messages: what to publish and which topics to clear.

export interface RetainedDiff {
  publish: [topic: string, payload: string][];
  clear: string[];
}

export function diffRetained(
  previous: ReadonlyMap<string, string>,
  next: ReadonlyMap<string, string>,
): RetainedDiff {
  const publish: [string, string][] = [];
  for (const [topic, payload] of next) {
    if (previous.get(topic) !== payload) publish.push([topic, payload]);
  }
  const clear = [...previous.keys()].filter((topic) => !next.has(topic));
  return { publish, clear };
}
