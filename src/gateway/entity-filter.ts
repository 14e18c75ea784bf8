// The `entities.*` filters: all, none, or a list of numbers.

export type EntityFilter = 'all' | 'none' | readonly string[];

export function applyFilter<T extends { number: string }>(items: readonly T[], filter: EntityFilter): T[] {
  if (filter === 'all') return [...items];
  if (filter === 'none') return [];
  const wanted = new Set(filter);
  return items.filter((item) => wanted.has(item.number));
}
