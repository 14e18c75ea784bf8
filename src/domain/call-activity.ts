// What the active calls mean for each DN: an extension's status and a queue's waiting callers, indexed once per poll
// (a lookup per extension, not a pass over every call per extension). DNs that Call Control monitors take their part
// from its live view instead of the polled calls.
import type { LiveActivity } from './callcontrol-view.ts';
import { partyDn } from './dn.ts';
import type { ActiveCall, Extension, ExtensionStatus, Queue } from './types.ts';

const RINGING = new Set(['Ringing']);
const CONNECTED = new Set(['Talking', 'Held', 'Transferring', 'Rerouting']);
const SETTING_UP = new Set(['Routing', 'Initiating', 'Ringing', 'Dialing']);
const RANKED: readonly ExtensionStatus[] = ['idle', 'dialing', 'ringing', 'talking'];

export class CallActivity {
  /** Per DN: 3 talking, 2 ringing, 1 dialing (talking beats ringing beats dialing). */
  private readonly rank = new Map<string, number>();
  private readonly waiting = new Map<string, number>();

  constructor(calls: readonly ActiveCall[], live?: LiveActivity) {
    const polled = (dn: string | undefined): dn is string => dn !== undefined && !live?.monitored.has(dn);
    const raise = (dn: string | undefined, rank: number) => {
      if (polled(dn) && rank > (this.rank.get(dn) ?? 0)) this.rank.set(dn, rank);
    };
    for (const call of calls) {
      const calleeDn = partyDn(call.callee);
      // Voicemail answering for an extension is not the person talking.
      const callee = /^VoiceMail of/i.test(call.callee) ? undefined : calleeDn;
      const caller = partyDn(call.caller);
      if (polled(calleeDn)) this.waiting.set(calleeDn, (this.waiting.get(calleeDn) ?? 0) + 1);
      if (CONNECTED.has(call.status)) {
        raise(callee, 3);
        raise(caller, 3);
        continue;
      }
      if (RINGING.has(call.status)) raise(callee, 2);
      if (SETTING_UP.has(call.status)) raise(caller, 1);
    }
    for (const [dn, rank] of live?.rank ?? []) this.rank.set(dn, rank);
    for (const [dn, count] of live?.waiting ?? []) this.waiting.set(dn, count);
  }

  /** DNs whose part in the calls differs from `previous` (only their extensions' status can have changed). */
  changedSince(previous: CallActivity): Set<string> {
    const changed = new Set<string>();
    for (const [dn, rank] of this.rank) if (previous.rank.get(dn) !== rank) changed.add(dn);
    for (const dn of previous.rank.keys()) if (!this.rank.has(dn)) changed.add(dn);
    return changed;
  }

  /** An extension's part in the active calls; offline when not registered and in no call. */
  extensionStatus(extension: Pick<Extension, 'number' | 'registered'>): ExtensionStatus {
    const rank = this.rank.get(extension.number) ?? 0;
    if (rank === 0) return extension.registered ? 'idle' : 'offline';
    return RANKED[rank]!;
  }

  /**
   * Callers waiting in a queue: calls whose callee is still the queue's DN. 3CX reports them as Ringing, Routing or
   * Talking (hold music) depending on build (3cx-xapi.md §3.4); once an agent answers the callee becomes the agent.
   */
  waitingCallers(queue: Pick<Queue, 'number'>): number {
    return this.waiting.get(queue.number) ?? 0;
  }
}

export function extensionStatus(extension: Extension, calls: readonly ActiveCall[]): ExtensionStatus {
  return new CallActivity(calls).extensionStatus(extension);
}

export function waitingCallers(queue: Queue, calls: readonly ActiveCall[]): number {
  return new CallActivity(calls).waitingCallers(queue);
}
