// The soak's chaos plan: which fault happens when, drawn from the seed alone (the same seed, the same plan).
import { FAULT_MODES, type FaultMode } from '../../src/sim/faults.ts';
import { Random } from '../../src/sim/random.ts';

/** Every fault the simulator can play (the soak draws from all of them). */
export const PBX_FAULTS = FAULT_MODES;
export type PbxFaultMode = FaultMode;

export type ChaosEvent =
  | { kind: 'broker-restart'; at: number; downMs: number; signal: 'SIGKILL' | 'SIGINT' }
  | { kind: 'pbx-fault'; at: number; mode: PbxFaultMode; holdMs: number }
  | { kind: 'token-expiry'; at: number }
  | { kind: 'gateway-kill'; at: number; downMs: number }
  | { kind: 'callcontrol-drop'; at: number; terminate: boolean }
  | { kind: 'ha-restart'; at: number; offlineMs: number };

/** Events per 10 minutes (the figures); a run of N minutes gets N/10 of each, at least one. */
export const PER_TEN_MINUTES = {
  'broker-restart': 20,
  'pbx-fault': 20,
  'gateway-kill': 20,
  'token-expiry': 10,
  'callcontrol-drop': 10,
  'ha-restart': 10,
} as const;

/**
 * The plan for `chaosMs` of chaos: times in ms from its start, sorted. Gateway kills fall in the first two thirds,
 * so that the last gateway process lives long enough for its RSS and fds to say whether anything leaks.
 */
export function chaosPlan(seed: number, chaosMs: number): ChaosEvent[] {
  const random = new Random(seed);
  const minutes = chaosMs / 60_000;
  const count = (perTen: number) => Math.max(1, Math.round((perTen * minutes) / 10));
  const within = (from: number, to: number) => Math.round(chaosMs * (from + random.next() * (to - from)));
  const events: ChaosEvent[] = [];
  // Every mode at least once per cycle through the list, in an order the seed shuffles.
  const modes: PbxFaultMode[] = [];
  for (let i = 0; i < count(PER_TEN_MINUTES['pbx-fault']); i++) {
    if (i % PBX_FAULTS.length === 0) modes.push(...shuffled(PBX_FAULTS, random));
  }
  for (let i = 0; i < count(PER_TEN_MINUTES['broker-restart']); i++)
    events.push({
      kind: 'broker-restart',
      at: within(0.02, 0.97),
      downMs: random.int(200, 3000),
      signal: random.chance(0.5) ? 'SIGKILL' : 'SIGINT',
    });
  for (let i = 0; i < count(PER_TEN_MINUTES['pbx-fault']); i++)
    events.push({
      kind: 'pbx-fault',
      at: within(0.02, 0.95),
      mode: modes[i]!,
      holdMs: random.int(1000, 6000),
    });
  for (let i = 0; i < count(PER_TEN_MINUTES['gateway-kill']); i++)
    events.push({ kind: 'gateway-kill', at: within(0.02, 0.66), downMs: random.int(100, 5000) });
  for (let i = 0; i < count(PER_TEN_MINUTES['token-expiry']); i++)
    events.push({ kind: 'token-expiry', at: within(0.02, 0.97) });
  for (let i = 0; i < count(PER_TEN_MINUTES['callcontrol-drop']); i++)
    events.push({ kind: 'callcontrol-drop', at: within(0.02, 0.97), terminate: random.chance(0.5) });
  for (let i = 0; i < count(PER_TEN_MINUTES['ha-restart']); i++)
    events.push({ kind: 'ha-restart', at: within(0.02, 0.97), offlineMs: random.int(100, 3000) });
  return events.sort((a, b) => a.at - b.at);
}

function shuffled<T>(items: readonly T[], random: Random): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
