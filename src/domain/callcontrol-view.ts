// The live view of 3CX Call Control (pure): the participants of the monitored DNs, kept from a snapshot and the
// websocket's upserts and removes, read as call observations (one per PBX call) and as each DN's part in the calls.
import type { CallObservation } from './call-observation.ts';
import type { PartyText } from './dn.ts';

export type ParticipantStatus = 'Dialing' | 'Ringing' | 'Connected';

/** The fields of a Call Control participant the gateway reads (3cx-xapi.md §5). */
export interface Participant {
  id: number;
  status: string;
  dn: string;
  party_caller_name: string;
  party_dn: string;
  party_caller_id: string;
  party_did: string;
  party_dn_type: string;
  originated_by_dn: string;
  originated_by_type: string;
  on_behalf_of_dn: string;
  on_behalf_of_type: string;
  callid: number;
  legid: number;
}

export interface MonitoredDn {
  dn: string;
  type: string;
  participants: Participant[];
}

/** What the live view says about the monitored DNs: 3 talking, 2 ringing, 1 dialing; queue callers waiting. */
export interface LiveActivity {
  monitored: ReadonlySet<string>;
  rank: ReadonlyMap<string, number>;
  waiting: ReadonlyMap<string, number>;
}

/** How to take an event's `sequence`: apply it, drop it (seen), or resync (events were lost). */
export type SequenceVerdict = 'apply' | 'duplicate' | 'gap';

const GROUP_TYPES = new Set(['Wringgroup', 'Wqueue']);
const STATUS_RANK: Record<string, number> = { Connected: 3, Ringing: 2, Dialing: 1 };

function isOwnLeg(p: Participant): boolean {
  return p.originated_by_dn === '' || p.originated_by_type === 'None';
}

/** The other party of a leg, as ActiveCalls would write it (a trunk with its number, voicemail, a DN). */
function partyOf(p: Participant): PartyText | undefined {
  if (p.party_dn === '') return undefined;
  if (p.party_dn_type === 'Wexternalline')
    return { kind: 'dn', dn: p.party_dn, name: '', number: p.party_caller_id || null };
  if (p.party_dn_type === 'Wspecialmenu') return { kind: 'voicemail', dn: p.party_dn, name: '' };
  if (p.party_dn_type === 'Wroutepoint') return { kind: 'router' };
  return { kind: 'dn', dn: p.party_dn, name: p.party_caller_name, number: null };
}

export class CallControlView {
  private readonly types = new Map<string, string>();
  private readonly participants = new Map<number, Participant>();
  private lastSequence = 0;

  private monitoredDns: ReadonlySet<string> = new Set();

  /** The DNs the principal monitors (from the last snapshot). */
  get monitored(): ReadonlySet<string> {
    return this.monitoredDns;
  }

  /** PBX calls with at least one participant in view. */
  callIds(): Set<number> {
    return new Set([...this.participants.values()].map((p) => p.callid));
  }

  /** Replaces everything with a snapshot (`GET /callcontrol`); returns the PBX calls it touched. */
  reset(dns: readonly MonitoredDn[]): Set<number> {
    const touched = this.callIds();
    this.types.clear();
    this.participants.clear();
    for (const dn of dns) {
      this.types.set(dn.dn, dn.type);
      for (const p of dn.participants) {
        this.participants.set(p.id, p);
        touched.add(p.callid);
      }
    }
    this.monitoredDns = new Set(this.types.keys());
    return touched;
  }

  /** A new websocket: its sequence numbers count from 1 again. */
  newConnection(): void {
    this.lastSequence = 0;
  }

  /** Sequence numbers count from 1 per connection. */
  sequence(n: number): SequenceVerdict {
    if (n <= this.lastSequence) return 'duplicate';
    const verdict = n === this.lastSequence + 1 ? 'apply' : 'gap';
    this.lastSequence = n;
    return verdict;
  }

  /** A participant added or changed; returns the PBX calls touched. */
  upsert(p: Participant): Set<number> {
    const before = this.participants.get(p.id);
    this.participants.set(p.id, p);
    return new Set(before && before.callid !== p.callid ? [before.callid, p.callid] : [p.callid]);
  }

  /** A participant gone; returns its PBX call (undefined when it was not in view). */
  remove(id: number): number | undefined {
    const before = this.participants.get(id);
    this.participants.delete(id);
    return before?.callid;
  }

  has(callid: number): boolean {
    for (const p of this.participants.values()) if (p.callid === callid) return true;
    return false;
  }

  /** A participant of the call to act on (drop): a connected one first. */
  participantOf(callid: number): { dn: string; id: number } | undefined {
    const legs = [...this.participants.values()].filter((p) => p.callid === callid);
    const leg = legs.find((p) => p.status === 'Connected') ?? legs[0];
    return leg ? { dn: leg.dn, id: leg.id } : undefined;
  }

  /** The call as the participants in view show it, in the tracker's terms; undefined when none is left. */
  observation(callid: number): CallObservation | undefined {
    const legs = [...this.participants.values()].filter((p) => p.callid === callid);
    if (legs.length === 0) return undefined;
    const rank = (p: Participant) =>
      (STATUS_RANK[p.status] ?? 0) * 2 + (this.types.get(p.dn) === 'Wextension' ? 1 : 0);
    const reached = legs.filter((p) => !isOwnLeg(p)).sort((a, b) => rank(b) - rank(a))[0];
    const base = { id: callid, establishedAt: null, lastChangeStatus: null, serverNow: null };
    if (reached) {
      const type = this.types.get(reached.dn);
      let callee: PartyText = { kind: 'dn', dn: reached.dn, name: '', number: null };
      if (type === 'Wspecialmenu') callee = { kind: 'voicemail', dn: reached.on_behalf_of_dn, name: '' };
      else if (reached.status !== 'Connected' && GROUP_TYPES.has(reached.on_behalf_of_type))
        callee = { kind: 'dn', dn: reached.on_behalf_of_dn, name: '', number: null };
      const caller = partyOf(reached);
      return {
        ...base,
        caller,
        callee,
        status: reached.status === 'Connected' ? 'Talking' : 'Ringing',
        callerIsReal: reached.party_dn_type === 'Wexternalline',
      };
    }
    // Only the caller's own leg is in view (outbound, or a destination not monitored).
    const own = legs[0]!;
    return {
      ...base,
      caller: { kind: 'dn', dn: own.dn, name: '', number: null },
      callee: partyOf(own),
      status: own.status === 'Connected' ? 'Talking' : 'Ringing',
      callerIsReal: false,
    };
  }

  /** Each monitored DN's part in the calls (extensions: talking > ringing > dialing; queues: callers waiting). */
  activity(): LiveActivity {
    const rank = new Map<string, number>();
    const waiting = new Map<string, number>();
    for (const p of this.participants.values()) {
      const type = this.types.get(p.dn);
      if (type === 'Wqueue') waiting.set(p.dn, (waiting.get(p.dn) ?? 0) + 1);
      else if (type === 'Wextension') {
        const r = STATUS_RANK[p.status] ?? 0;
        if (r > (rank.get(p.dn) ?? 0)) rank.set(p.dn, r);
      }
    }
    return { monitored: this.monitored, rank, waiting };
  }
}
