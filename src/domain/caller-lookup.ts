// Trunk calls whose real caller must come from the call log (ActiveCalls showed the DID): their end events are held
// until the caller is known, at most CALLER_LOOKUP.holdMs, and a caller found later is announced as `updated`
// (CONTRACT §3 event/call). Pure, with the clock passed in; the call service reads the log and stores.
import type { CallEvent, CallRecord } from './call.ts';
import type { PendingCaller } from './call-tracker.ts';

export const CALLER_LOOKUP = {
  /** End events of a call whose caller is pending wait at most this long. */
  holdMs: 10_000,
  /** The call log is read this often while a caller is wanted soon... */
  fastIntervalMs: 2000,
  /** ...that is, for this long after a call's caller became pending and after such a call ended. */
  fastForMs: 30_000,
  /** A caller not found in the log by then is given up on. */
  giveUpMs: 15 * 60_000,
} as const;

const HELD_TYPES = new Set<CallEvent['event_type']>(['ended', 'missed', 'voicemail']);

interface Entry {
  /** Set once the call ended: then the tracker no longer knows it. */
  ended?: PendingCaller;
  /** When the caller became pending, and when the call ended. */
  since: number;
  endedAt?: number;
  held: CallEvent[];
  heldSince?: number;
  released: boolean;
}

export class CallerLookup {
  private readonly entries = new Map<string, Entry>();

  /**
   * Takes a poll's events: holds the end events of calls whose caller is pending, passes the rest.
   * `pending` are the active calls still waiting for their caller, `ended` those of them that just ended.
   * Returns the events to send now and whether a call-log read is wanted at once (a new pending call, or an end).
   */
  take(
    events: readonly CallEvent[],
    pending: readonly PendingCaller[],
    ended: readonly PendingCaller[],
    now: number,
  ): { events: CallEvent[]; readNow: boolean } {
    let readNow = false;
    // An entry neither pending nor ended was resolved without the log (Call Control named the caller): nothing waits.
    const waiting = new Set([...pending, ...ended].map((call) => call.id));
    for (const [id, entry] of this.entries) if (!entry.ended && !waiting.has(id)) this.entries.delete(id);
    for (const call of pending) {
      if (this.entries.has(call.id)) continue;
      this.entries.set(call.id, { since: now, held: [], released: false });
      readNow = true;
    }
    for (const call of ended) {
      const entry = this.entries.get(call.id) ?? { since: now, held: [], released: false };
      entry.ended = call;
      entry.endedAt = now;
      this.entries.set(call.id, entry);
      readNow = true;
    }
    const out: CallEvent[] = [];
    for (const event of events) {
      const entry = this.entries.get(event.call.id);
      if (entry && !entry.released && HELD_TYPES.has(event.event_type)) {
        entry.held.push(event);
        entry.heldSince ??= now;
      } else out.push(event);
    }
    return { events: out, readNow };
  }

  /** The caller of a call was found: its held events with the caller, or `updated` when they already went out. */
  resolved(call: CallRecord): CallEvent[] {
    const entry = this.entries.get(call.id);
    if (!entry) return [];
    this.entries.delete(call.id);
    if (entry.released) return entry.ended ? [{ event_type: 'updated', call }] : [];
    return entry.held.map((event) => ({
      event_type: event.event_type,
      call: { ...event.call, ...callerOf(call) },
    }));
  }

  /** Held events whose wait is over go out as they are; entries past giveUpMs are dropped. */
  expire(now: number): CallEvent[] {
    const out: CallEvent[] = [];
    for (const [id, entry] of this.entries) {
      if (!entry.released && entry.heldSince !== undefined && now - entry.heldSince >= CALLER_LOOKUP.holdMs) {
        entry.released = true;
        out.push(...entry.held);
        entry.held = [];
      }
      if (entry.ended && now - (entry.endedAt ?? entry.since) >= CALLER_LOOKUP.giveUpMs)
        this.entries.delete(id);
    }
    return out;
  }

  /** Ended calls whose caller is still looked for. */
  endedPending(): PendingCaller[] {
    return [...this.entries.values()].flatMap((e) => (e.ended ? [e.ended] : []));
  }

  /** Ended calls whose end is held: not yet counted as missed nor listed. */
  heldEnded(): Set<string> {
    const ids = new Set<string>();
    for (const [id, entry] of this.entries) if (entry.ended && !entry.released) ids.add(id);
    return ids;
  }

  /** When the next held event is due (epoch ms), if any. */
  nextExpiry(): number | undefined {
    let next: number | undefined;
    for (const entry of this.entries.values()) {
      if (entry.released || entry.heldSince === undefined) continue;
      const due = entry.heldSince + CALLER_LOOKUP.holdMs;
      next = next === undefined ? due : Math.min(next, due);
    }
    return next;
  }

  /** Whether the call log should be read at the fast interval now. */
  wantsFastReads(now: number): boolean {
    for (const entry of this.entries.values()) {
      const last = entry.endedAt ?? entry.since;
      if (now - last < CALLER_LOOKUP.fastForMs) return true;
    }
    return false;
  }
}

function callerOf(call: CallRecord): Pick<CallRecord, 'caller_number' | 'caller_name' | 'vip'> {
  return { caller_number: call.caller_number, caller_name: call.caller_name, vip: call.vip };
}
