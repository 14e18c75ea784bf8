// The chaos driver: runs the seeded plan against the live processes, one event at a time, and measures each
// broker restart (until the watcher has the whole retained tree again).
import { now, sleep, waitUntil } from '../lib/clock.ts';
import type { SimulatorProcess } from '../lib/simulator.ts';
import type { RestartableBroker } from './broker.ts';
import type { SoakGateway } from './gateway.ts';
import type { ChaosEvent } from './schedule.ts';
import type { TreeWatcher } from './watcher.ts';

export interface ChaosTargets {
  sim: SimulatorProcess;
  broker: RestartableBroker;
  gateway: SoakGateway;
  watcher: TreeWatcher;
  /** The simulator's token lifetime: a clock advance past it expires every token. */
  tokenTtlSeconds: number;
  progress: (message: string) => void;
}

export interface ChaosResult {
  done: Record<ChaosEvent['kind'], number>;
  /** Seconds from each broker restart (listening again) to the complete retained tree at the watcher. */
  treeSeconds: number[];
  /** Broker restarts after which the tree was not complete within the bound. */
  treeTimeouts: number;
  /** Events that threw (a failure of the soak's own plumbing, or of a process that should have answered). */
  failures: string[];
}

const TREE_TIMEOUT_MS = 60_000;

export async function runChaos(
  plan: readonly ChaosEvent[],
  targets: ChaosTargets,
  startedAt: number,
): Promise<ChaosResult> {
  const result: ChaosResult = {
    done: {
      'broker-restart': 0,
      'pbx-fault': 0,
      'token-expiry': 0,
      'gateway-kill': 0,
      'callcontrol-drop': 0,
      'ha-restart': 0,
    },
    treeSeconds: [],
    treeTimeouts: 0,
    failures: [],
  };
  for (const event of plan) {
    await sleep(startedAt + event.at - now());
    try {
      await apply(event, targets, result);
      result.done[event.kind]++;
    } catch (error) {
      const message = `${event.kind} at ${Math.round(event.at / 1000)} s: ${error instanceof Error ? error.message : String(error)}`;
      result.failures.push(message);
      targets.progress(`chaos FAILED ${message}`);
      // Leave the stack whole for what follows: broker and gateway up, no fault.
      await targets.sim.script('DELETE', 'fault').catch(() => undefined);
      if (!targets.gateway.alive) await targets.gateway.start().catch(() => undefined);
    }
  }
  return result;
}

async function apply(event: ChaosEvent, t: ChaosTargets, result: ChaosResult): Promise<void> {
  switch (event.kind) {
    case 'broker-restart': {
      // The tree as it was: the gateway must publish all of it again on a broker that lost everything.
      const expected = t.watcher.topics();
      const downAt = now();
      await t.broker.down(event.signal);
      await sleep(event.downMs);
      await t.broker.up();
      const upAt = now();
      try {
        const complete = await waitUntil(
          'the retained tree after a broker restart',
          () => t.watcher.completeAt(expected, downAt),
          TREE_TIMEOUT_MS,
          50,
        );
        result.treeSeconds.push((complete - upAt) / 1000);
      } catch {
        result.treeTimeouts++;
        t.progress(`broker restart: the tree was not complete within ${TREE_TIMEOUT_MS / 1000} s`);
      }
      return;
    }
    case 'pbx-fault':
      await t.sim.script('POST', 'fault', { mode: event.mode });
      await sleep(event.holdMs);
      await t.sim.script('DELETE', 'fault');
      return;
    case 'token-expiry':
      await t.sim.script('POST', 'clock', { advance_seconds: t.tokenTtlSeconds + 5 });
      return;
    case 'gateway-kill':
      await t.gateway.kill();
      await sleep(event.downMs);
      await t.gateway.start();
      return;
    case 'callcontrol-drop':
      await t.sim.script('POST', 'callcontrol/drop', { terminate: event.terminate });
      return;
    case 'ha-restart':
      await t.watcher.publishHaStatus('offline');
      await sleep(event.offlineMs);
      await t.watcher.publishHaStatus('online');
      return;
  }
}
