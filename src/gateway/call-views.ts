// The read side of the calls: the call fields of `<b>/pbx` and the call lists, from the tracker (calls in progress)
// and the store (ended calls). What comes from the store is cached until the store is written or the day changes,
// so a poll that changes no call reads nothing from SQLite.
import { callStateOf, isMissed, type CallFields, type CallRecord } from '../domain/call.ts';
import { localDay } from '../domain/local-day.ts';
import type { CallStore } from '../store/database.ts';
import { plainCall, type StoredCall } from '../store/stored-call.ts';

export type CallLists = Record<'active' | 'recent' | 'missed', CallRecord[]>;

export interface CallViewOptions {
  store: CallStore;
  timeZone: string;
  recentLimit: number;
  missedLimit: number;
}

interface Stored {
  key: string;
  lastEnded: StoredCall | null;
  lastMissed: StoredCall | undefined;
  missed: number;
  total: number;
  lifetime: number;
  recent: CallRecord[];
  missedList: CallRecord[];
}

export class CallViews {
  private cached?: Stored;

  constructor(private readonly options: CallViewOptions) {}

  /**
   * The call fields, dependencies first. `held` are ended calls whose caller is still looked up: not yet counted as
   * missed nor listed (they are, with their caller, at most CALLER_LOOKUP.holdMs later).
   */
  fields(active: readonly CallRecord[], held: ReadonlySet<string>, now: number): CallFields {
    const stored = this.fromStore(held, now);
    // The store, not memory: the call log may have added the real caller or a recording since the call ended.
    const lastEnded = stored.lastEnded;
    const latest = active[active.length - 1] ?? lastEnded;
    const lastMissed = stored.lastMissed;
    return {
      call_state: callStateOf(active),
      caller_number: latest?.caller_number ?? null,
      caller_name: latest?.caller_name ?? null,
      called_number: latest?.called_number ?? null,
      call_direction: latest?.direction ?? null,
      call_agent: latest?.agent ?? null,
      call_timestamp: latest?.started_at ?? null,
      call_duration: lastEnded?.duration ?? null,
      recording_url: lastEnded?.recording_url ?? null,
      active_calls: active.length,
      last_missed_caller: lastMissed ? (lastMissed.caller_number ?? lastMissed.caller_name) : null,
      last_missed_time: lastMissed?.ended_at ?? null,
      missed_count: stored.missed,
      total_calls: stored.total,
      calls_lifetime: stored.lifetime,
    };
  }

  /** `calls/active`, `calls/recent`, `calls/missed`: call objects, without the store's own columns. */
  lists(active: CallRecord[], held: ReadonlySet<string>, now: number): CallLists {
    const stored = this.fromStore(held, now);
    return { active, recent: stored.recent, missed: stored.missedList };
  }

  private fromStore(held: ReadonlySet<string>, now: number): Stored {
    const { store, timeZone, recentLimit, missedLimit } = this.options;
    const today = localDay(now, timeZone);
    const key = `${store.generation}|${today}|${[...held].join(',')}`;
    if (this.cached?.key === key) return this.cached;
    const counts = store.countsForDay(today);
    const heldMissed = [...held]
      .map((id) => store.getCall(id))
      .filter((c) => c && isMissed(c) && c.end_day === today).length;
    const without = (limit: number, missedOnly: boolean) =>
      limit <= 0
        ? []
        : store
            .recentCalls(limit + held.size, missedOnly)
            .filter((c) => !held.has(c.id))
            .slice(0, limit);
    this.cached = {
      key,
      lastEnded: store.recentCalls(1)[0] ?? null,
      lastMissed: without(1, true)[0],
      missed: counts.missed - heldMissed,
      total: counts.total,
      lifetime: store.lifetimeCalls,
      recent: without(recentLimit, false).map(plainCall),
      missedList: without(missedLimit, true).map(plainCall),
    };
    return this.cached;
  }
}
