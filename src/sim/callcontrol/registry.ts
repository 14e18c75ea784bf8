// The participants of every active call, with stable ids, and the upserts and removes each change of a call causes.
import type { SimCall } from '../call-types.ts';
import type { PbxModel } from '../model.ts';
import { legsOf, type Participant } from './participants.ts';

/** Call Control event types (3cx-xapi.md §5): 0 upsert ("Upset"), 1 remove, 2 DTMF string. */
export const EVENT = { upsert: 0, remove: 1, dtmf: 2 } as const;
export type EventType = (typeof EVENT)[keyof typeof EVENT];

export interface ParticipantEvent {
  type: EventType;
  dn: string;
  id: number;
  attachedData: unknown;
}

interface TrackedLeg {
  participant: Participant;
  /** What an upsert compares: the fields, and the call's status (a hold changes no field but is a change). */
  signature: string;
}

interface CallLegs {
  legs: Map<string, TrackedLeg>;
  lastLeg: number;
}

export class ParticipantRegistry {
  private readonly calls = new Map<number, CallLegs>();
  private readonly byDn = new Map<string, Map<number, Participant>>();
  private lastId = 8000;

  constructor(private readonly model: PbxModel) {}

  /**
   * Recomputes a call's legs after a change. Answers the events in order: upserts first, then removes, so a call
   * moving between monitored DNs (queue to agent, transfer) never looks gone in between.
   */
  update(call: SimCall, ended: boolean): ParticipantEvent[] {
    const entry = this.calls.get(call.id) ?? { legs: new Map<string, TrackedLeg>(), lastLeg: 0 };
    const upserts: ParticipantEvent[] = [];
    const removes: ParticipantEvent[] = [];
    const next = new Map<string, TrackedLeg>();
    for (const { key, ...fields } of ended ? [] : legsOf(call, this.model)) {
      const signature = `${JSON.stringify(fields)}|${call.status}`;
      const old = entry.legs.get(key);
      if (old && old.signature === signature) {
        next.set(key, old);
        continue;
      }
      const id = old?.participant.id ?? ++this.lastId;
      const participant: Participant = { id, ...fields, legid: old?.participant.legid ?? ++entry.lastLeg };
      next.set(key, { participant, signature });
      this.atDn(fields.dn).set(id, participant);
      upserts.push({ type: EVENT.upsert, dn: fields.dn, id, attachedData: null });
    }
    for (const [key, old] of entry.legs) {
      if (next.has(key)) continue;
      const { dn, id } = old.participant;
      this.byDn.get(dn)?.delete(id);
      removes.push({ type: EVENT.remove, dn, id, attachedData: null });
    }
    entry.legs = next;
    if (ended) this.calls.delete(call.id);
    else this.calls.set(call.id, entry);
    return [...upserts, ...removes];
  }

  private atDn(dn: string): Map<number, Participant> {
    let map = this.byDn.get(dn);
    if (!map) {
      map = new Map<number, Participant>();
      this.byDn.set(dn, map);
    }
    return map;
  }

  /** The participants at a DN, oldest first. */
  participants(dn: string): Participant[] {
    return [...(this.byDn.get(dn)?.values() ?? [])];
  }

  participant(dn: string, id: number): Participant | undefined {
    return this.byDn.get(dn)?.get(id);
  }

  /** Every current participant of one call. */
  legsOfCall(callId: number): Participant[] {
    return [...(this.calls.get(callId)?.legs.values() ?? [])].map((l) => l.participant);
  }

  /** The call a participant belongs to. */
  callOf(dn: string, id: number): number | undefined {
    return this.participant(dn, id)?.callid;
  }
}
