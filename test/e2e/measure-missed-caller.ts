// Measures, over N missed trunk calls whose ActiveCalls row shows the DID, the delay from hang-up to the first
// `event/call` (missed or updated) naming the real caller, and to `pbx.last_missed_caller` naming it: the shipped
// CLI, `simulate` and a broker as their own processes, default polling. Prints figures; asserts nothing.
// Run: npm run build && node --import tsx test/e2e/measure-missed-caller.ts [calls, default 10]
import type { CallRecord } from '../../src/domain/call.ts';
import { GatewayStack } from '../helpers/cli.ts';

const CALLS = Number(process.argv[2] ?? 10);
const GIVE_UP_MS = 45_000; // beyond the 30 s call-log timer of the old code

interface CallEvent {
  event_type: string;
  call: CallRecord;
}

/** The median, a call that never got there counting as slower than any that did; null: never. */
function median(values: (number | null)[]): number | null {
  const sorted = values.map((v) => v ?? Infinity).sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return Number.isFinite(value) ? value : null;
}

const stack = await GatewayStack.start();
// Ctrl-C stops the processes this started.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
try {
  await stack.watch.waitFor(
    'the gateway online',
    () => stack.latest('pbx')?.includes('"call_state"'),
    30_000,
  );
  const [, extension] = await stack.sim.registeredExtensions();
  const toEvent: (number | null)[] = [];
  const toLastMissed: (number | null)[] = [];
  for (let i = 0; i < CALLS; i++) {
    const caller = `+49307770${String(100 + i)}`;
    const c = await stack.sim.script<{ id: number }>('POST', 'calls', {
      from: caller,
      to: extension,
      trunk: '10000',
      show_did: true,
    });
    const events = () =>
      stack.watch.messages
        .filter((m) => m.topic === '3cx2mqtt/event/call')
        .map((m) => ({ at: m.at, ...(JSON.parse(m.payload) as CallEvent) }))
        .filter((e) => e.call.pbx_call_ids.includes(c.id));
    await stack.sim.script('POST', `calls/${c.id}/ring`);
    await stack.watch.waitFor('ringing', () => events().some((e) => e.event_type === 'ringing'), 15_000);
    const hungUpAt = Date.now();
    await stack.sim.script('POST', `calls/${c.id}/hangup`);
    let eventDelay: number | null = null;
    let lastMissedDelay: number | null = null;
    await stack.watch
      .waitFor(
        'the caller',
        () => {
          const named = events().find(
            (e) => ['missed', 'updated'].includes(e.event_type) && e.call.caller_number === caller,
          );
          if (named && eventDelay === null) eventDelay = named.at - hungUpAt;
          const last = stack.watch.messages.find(
            (m) =>
              m.topic === '3cx2mqtt/pbx' &&
              m.at >= hungUpAt &&
              m.payload.includes(`"last_missed_caller":"${caller}"`),
          );
          if (last && lastMissedDelay === null) lastMissedDelay = last.at - hungUpAt;
          return eventDelay !== null && lastMissedDelay !== null;
        },
        GIVE_UP_MS,
      )
      .catch(() => undefined);
    const first = events().find((e) => e.event_type === 'missed');
    toEvent.push(eventDelay);
    toLastMissed.push(lastMissedDelay);
    console.log(
      `call ${i + 1}: missed event caller ${first ? JSON.stringify(first.call.caller_number) : '(no missed event)'}, ` +
        `event naming the caller after ${eventDelay ?? 'never (45 s)'} ms, ` +
        `last_missed_caller after ${lastMissedDelay ?? 'never (45 s)'} ms`,
    );
  }
  const got = (list: (number | null)[]) => list.filter((v) => v !== null).length;
  const show = (value: number | null) => (value === null ? 'never (> 45 s)' : `${value} ms`);
  console.log(
    `median over ${CALLS} calls: hang-up -> event/call naming the caller ${show(median(toEvent))} ` +
      `(${got(toEvent)}/${CALLS} named within 45 s); ` +
      `hang-up -> pbx.last_missed_caller ${show(median(toLastMissed))} (${got(toLastMissed)}/${CALLS})`,
  );
} finally {
  await stack.stop();
}
