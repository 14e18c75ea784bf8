// Keeps what a poller parsed for the pages and rows that come back unchanged, so ten thousand users or a thousand
// held calls are not parsed and validated again on every poll: a page with the same text as at the last read takes
// its rows as they were; in a page that changed, a row with the same Id and equal JSON values keeps its value. A
// row that differs in anything is parsed in full, so a mistyped row is still refused.
import type { PageMemory, RowParser } from './client.ts';

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

interface Page<T> {
  text: string;
  kept: Kept<T>[];
}

export class RowReuse<T> {
  private previous = new Map<number, Kept<T>>();
  private current = new Map<number, Kept<T>>();
  private previousPages = new Map<number, Page<T>>();
  private currentPages = new Map<number, Page<T>>();
  /** Rows parsed since the last page was remembered. */
  private pageKept: Kept<T>[] = [];
  private pageWhole = true;

  constructor(
    private readonly parseRow: (row: unknown) => T,
    private readonly options: RowReuseOptions<T> = {},
  ) {}

  /**
   * One read: `fetch` gets the row parser to use. The rows of a read that succeeded become the reference for the
   * next one; a failed read changes nothing.
   */
  async read<R>(fetch: (parseRow: RowParser<T>) => Promise<R>): Promise<R> {
    const current = new Map<number, Kept<T>>();
    const pages = new Map<number, Page<T>>();
    this.current = current;
    this.currentPages = pages;
    this.pageKept = [];
    this.pageWhole = true;
    const result = await fetch(this.parser);
    if (this.current === current) {
      this.previous = current;
      this.previousPages = pages;
    }
    return result;
  }

  private readonly pages: PageMemory<T> = {
    recall: (page, text) => {
      const known = this.previousPages.get(page);
      if (known?.text !== text) return undefined;
      for (const kept of known.kept) this.current.set(kept.row.Id as number, kept);
      this.currentPages.set(page, known);
      return known.kept.map((kept) => kept.value);
    },
    remember: (page, text) => {
      // Only pages whose every row has an Id can be taken whole next time.
      if (this.pageWhole) this.currentPages.set(page, { text, kept: this.pageKept });
      this.pageKept = [];
      this.pageWhole = true;
    },
  };

  private readonly parser: RowParser<T> = Object.assign((raw: unknown) => this.parse(raw), {
    pages: this.pages,
  });

  private parse(raw: unknown): T {
    if (!isRecord(raw) || typeof raw.Id !== 'number') {
      this.pageWhole = false;
      return this.parseRow(raw);
    }
    const before = this.previous.get(raw.Id);
    let value: T;
    if (before && sameRow(raw, before.row, this.options.volatile ?? [])) {
      value = this.options.refresh ? this.options.refresh(before.value, raw) : before.value;
    } else {
      value = this.parseRow(raw);
      // Kept values are shared between reads: nothing may change them in place.
      if (typeof value === 'object' && value !== null) Object.freeze(value);
    }
    const kept = { row: raw, value };
    this.current.set(raw.Id, kept);
    this.pageKept.push(kept);
    return value;
  }
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
