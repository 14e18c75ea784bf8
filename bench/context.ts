// What every scenario of a run shares: settings, where the children's logs go, and where figures are collected.
import type { ProfileSummary, StackOptions, StackStop } from './lib/stack.ts';
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

/**
 * Keeps what a gateway's stop told: its profile, and SIGINT-to-exit time (the contract allows 5 s) as the
 * run's `gateway_stop_s_max`, with a note when it had to be killed.
 */
export function recordStop(ctx: BenchContext, name: string, stop: StackStop): void {
  if (stop.profile) ctx.profiles[name] = stop.profile;
  ctx.raw[`${name}_stop`] = { ms: stop.stopMs, killed: stop.killed };
  const previous = typeof ctx.figures.gateway_stop_s_max === 'number' ? ctx.figures.gateway_stop_s_max : 0;
  ctx.figures.gateway_stop_s_max = Math.max(previous, stop.stopMs / 1000);
  if (stop.killed)
    ctx.notes.push(
      `${name}: the gateway did not exit within ${(stop.stopMs / 1000).toFixed(0)} s of SIGINT (killed)`,
    );
}
