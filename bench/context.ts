// What every scenario of a run shares: settings, where the children's logs go, and where figures are collected.
import type { ProfileSummary, StackOptions } from './lib/stack.ts';
import type { BenchSettings } from './settings.ts';

export type Figure = number | string | boolean | null;

export interface BenchContext {
  settings: BenchSettings;
  stack: StackOptions;
  /** The JSON line's figures (issue 14 and 17 keys, plus context keys). */
  figures: Record<string, Figure>;
  /** Raw samples per scenario, for bench/results/raw/. */
  raw: Record<string, unknown>;
  /** Load average (1 min) when each scenario started. */
  load: Record<string, number>;
  profiles: Record<string, ProfileSummary>;
  notes: string[];
  progress(message: string): void;
}
