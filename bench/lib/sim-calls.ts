// Scripted calls on the simulator: K held (answered) inbound calls, and helpers for single timed state changes.
import type { SimState, SimulatorProcess } from './simulator.ts';

/** A distinct outside (E.164) number per index, never a phonebook contact's. */
export function outsideNumber(index: number): string {
  return `+4930777${String(index % 1_000_000).padStart(6, '0')}`;
}

/** A trunk whose ActiveCalls rows show the real caller (no caller-ID lookups pending), else the first. */
export function callerTrunk(state: SimState): string {
  const trunk = state.trunks.find((t) => t.online && !t.shows_did) ?? state.trunks.find((t) => t.online);
  if (!trunk) throw new Error('the simulator has no online trunk');
  return trunk.number;
}

/**
 * Holds `count` answered inbound calls, one per extension from the start of the directory, `parallel` at a time.
 * Each is POST /sim/calls + /ring + /answer (the simulator's bulk calls API is not in this branch yet).
 */
export async function holdCalls(sim: SimulatorProcess, count: number, parallel = 8): Promise<number> {
  const state = await sim.state();
  if (state.extensions.length < count)
    throw new Error(`${count} calls need ${count} extensions, the simulator has ${state.extensions.length}`);
  const trunk = callerTrunk(state);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let index = next++; index < count; index = next++) {
        const to = state.extensions[index]!;
        const call = await sim.script<{ id: number }>('POST', 'calls', {
          from: outsideNumber(index),
          to,
          trunk,
          recorded: false,
        });
        await sim.script('POST', `calls/${call.id}/ring`);
        await sim.script('POST', `calls/${call.id}/answer`);
      }
    }),
  );
  return (await sim.state()).active_calls.length;
}
