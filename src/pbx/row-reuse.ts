// Keeps what a poller parsed for the rows that come back unchanged (same Id, equal JSON values), so ten thousand
// users or a thousand held calls are not validated again on every poll. A row that differs in anything is parsed
// in full, so a mistyped row is still refused.

export interface RowReuseOptions<T> {
  /** Keys left out of the comparison because they move on every read (ActiveCalls' ServerNow). */
  volatile?: readonly string[];
  /** Brings a kept value up to date from the volatile keys of the row that came back. */
  refresh?: (kept: T, row: Readonly<Record<string, unknown>>) => T;
}

interface Kept<T> {
  row: Readonly<Record<string, unknown>>;
  value: T;
}

/** How deep rows are compared: row → array ($expand) → object → value. Deeper rows are parsed in full. */
const DEPTH = 3;

export class RowReuse<T> {
  private previous = new Map<number, Kept<T>>();
  private current = new Map<number, Kept<T>>();

  constructor(
    private readonly parseRow: (row: unknown) => T,
    private readonly options: RowReuseOptions<T> = {},
  ) {}

  /**
   * One read: `fetch` gets the row parser to use. The rows of a read that succeeded become the reference for the
   * next one; a failed read changes nothing.
   */
  async read<R>(fetch: (parseRow: (row: unknown) => T) => Promise<R>): Promise<R> {
    const current = new Map<number, Kept<T>>();
    this.current = current;
    const result = await fetch(this.parse);
    if (this.current === current) this.previous = current;
    return result;
  }

  private readonly parse = (raw: unknown): T => {
    if (!isRecord(raw) || typeof raw.Id !== 'number') return this.parseRow(raw);
    const kept = this.previous.get(raw.Id);
    let value: T;
    if (kept && sameRow(raw, kept.row, this.options.volatile ?? [])) {
      value = this.options.refresh ? this.options.refresh(kept.value, raw) : kept.value;
    } else {
      value = this.parseRow(raw);
      // Kept values are shared between reads: nothing may change them in place.
      if (typeof value === 'object' && value !== null) Object.freeze(value);
    }
    this.current.set(raw.Id, { row: raw, value });
    return value;
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Equal JSON values in every key but the volatile ones. */
export function sameRow(
  a: Readonly<Record<string, unknown>>,
  b: Readonly<Record<string, unknown>>,
  volatile: readonly string[],
): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (volatile.includes(key)) continue;
    if (!Object.hasOwn(b, key) || !sameJson(a[key], b[key], DEPTH)) return false;
  }
  return true;
}

function sameJson(a: unknown, b: unknown, depth: number): boolean {
  if (a === b) return true;
  if (depth === 0 || typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i], depth - 1)) return false;
    return true;
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  for (const key of keys)
    if (!Object.hasOwn(right, key) || !sameJson(left[key], right[key], depth - 1)) return false;
  return true;
}
