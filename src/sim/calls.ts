// Simulated calls: the ActiveCalls view while they run, and call-log, CallHistoryView and recording rows they leave.
import { isoDuration, isoUtc, type SimClock } from './clock.ts';
import { dnLabel, type PbxModel, type SimTrunk, type SimUser } from './model.ts';
import type { Random } from './random.ts';

/** Numeric DN types of the call log and CallHistoryView (3cx-xapi.md §3.6; not in 3CX's spec). */
export const DN_TYPE = { extension: 0, external: 1, queue: 4, voicemail: 5, ringGroup: 16 } as const;
type DnType = (typeof DN_TYPE)[keyof typeof DN_TYPE];

export type ActiveStatus =
  'Routing' | 'Initiating' | 'Ringing' | 'Talking' | 'Rerouting' | 'Transferring' | 'Held';
export type Direction = 'inbound' | 'outbound' | 'internal';

export interface Party {
  dn: string;
  type: DnType;
  /** The number as the call log reports it: E.164 for outside numbers, "Ext.101" for extensions. */
  callerId: string;
  name: string;
}

interface Segment {
  id: number;
  start: number;
  from: Party;
  to: Party;
  answeredAt?: number;
  recordingId?: number;
}

export interface SimCall {
  id: number;
  historyId: string;
  direction: Direction;
  caller: Party;
  trunk?: SimTrunk;
  /** The DID the call came in on (inbound) or the number dialled out (outbound). */
  externalNumber?: string;
  did?: string;
  showDid: boolean;
  status: ActiveStatus;
  callee: Party | 'ROUTER';
  pendingTarget?: string;
  establishedAt: number;
  lastChangeStatus: number;
  segment?: Segment;
  segmentIndex: number;
  answeredBy?: string;
  recorded: boolean;
  /** Traffic-generator bookkeeping; scripted calls leave it empty. */
  plan?: unknown;
}

export class SimError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface StartCallRequest {
  from: string;
  to: string;
  trunk?: string;
  /** Inbound only: what ActiveCalls shows in parentheses on the trunk leg. */
  showDid?: boolean;
  callerName?: string;
  recorded?: boolean;
}

const digitsOf = (number: string) => number.replace(/\D/g, '');

export class CallEngine {
  readonly active = new Map<number, SimCall>();
  readonly callLog: Record<string, unknown>[] = [];
  readonly historyView: Record<string, unknown>[] = [];
  readonly recordings: Record<string, unknown>[] = [];
  private lastCallId = 1000;
  private lastSegmentId = 5000;
  private lastRecordingId = 0;

  constructor(
    private readonly model: PbxModel,
    private readonly clock: SimClock,
    private readonly random: Random,
  ) {}

  userByNumber(number: string): SimUser | undefined {
    return this.model.users.find((u) => u.Number === number && !u.Number.startsWith('HD'));
  }

  /** What a number is on this PBX, as a party of a call. */
  party(number: string): Party {
    const user = this.userByNumber(number);
    if (user)
      return {
        dn: user.Number,
        type: DN_TYPE.extension,
        callerId: `Ext.${user.Number}`,
        name: user.DisplayName,
      };
    const group = this.model.ringGroups.find((g) => g.Number === number);
    if (group) return { dn: group.Number, type: DN_TYPE.ringGroup, callerId: group.Number, name: group.Name };
    const queue = this.model.queues.find((q) => q.Number === number);
    if (queue) return { dn: queue.Number, type: DN_TYPE.queue, callerId: queue.Number, name: queue.Name };
    if (!/^\+?[0-9*#]{1,20}$/.test(number)) throw new SimError(400, `not a number: ${number}`);
    const contact = this.model.contacts.find((c) => digitsOf(c.PhoneNumber) === digitsOf(number));
    const e164 = number.startsWith('+') ? number : number.length > 6 ? `+${number}` : number;
    return {
      dn: number,
      type: DN_TYPE.external,
      callerId: e164,
      name: contact ? `${contact.FirstName} ${contact.LastName}` : '',
    };
  }

  private trunkFor(requested: string | undefined): SimTrunk {
    const trunks = this.model.trunks;
    const trunk = requested ? trunks.find((t) => t.Number === requested) : trunks.find((t) => t.IsOnline);
    if (!trunk)
      throw new SimError(requested ? 404 : 503, requested ? `no trunk ${requested}` : 'no trunk online');
    if (!trunk.IsOnline) throw new SimError(503, `trunk ${trunk.Number} is offline`);
    return trunk;
  }

  get(id: number): SimCall {
    const call = this.active.get(id);
    if (!call) throw new SimError(404, `no active call ${id}`);
    return call;
  }

  start(request: StartCallRequest): SimCall {
    const now = this.clock.now();
    const from = this.party(request.from);
    if (from.type === DN_TYPE.ringGroup || from.type === DN_TYPE.queue)
      throw new SimError(400, 'calls start at an extension or outside');
    const to = this.party(request.to);
    const direction: Direction =
      from.type === DN_TYPE.external ? 'inbound' : to.type === DN_TYPE.external ? 'outbound' : 'internal';
    if (direction === 'inbound' && to.type === DN_TYPE.external)
      throw new SimError(400, 'an inbound call needs an internal destination');
    const call: SimCall = {
      id: ++this.lastCallId,
      historyId: this.random.guid(),
      direction,
      caller: from,
      showDid: false,
      status: direction === 'internal' ? 'Ringing' : direction === 'outbound' ? 'Initiating' : 'Routing',
      callee: 'ROUTER',
      pendingTarget: request.to,
      establishedAt: now,
      lastChangeStatus: now,
      segmentIndex: 0,
      recorded: request.recorded ?? this.random.chance(0.3),
    };
    if (request.callerName) call.caller = { ...from, name: request.callerName };
    if (direction !== 'internal') {
      const trunk = this.trunkFor(request.trunk);
      call.trunk = trunk;
      if (direction === 'inbound') {
        call.did = trunk.DidNumbers[0] ?? trunk.ExternalNumber;
        call.showDid = request.showDid ?? trunk.showsDidInActiveCalls;
        call.caller = { ...call.caller, dn: trunk.Number };
        call.externalNumber = call.did;
      } else {
        call.externalNumber = to.callerId;
      }
    }
    this.active.set(call.id, call);
    if (direction === 'internal') this.ring(call.id);
    return call;
  }

  private setStatus(call: SimCall, status: ActiveStatus): void {
    if (call.status !== status) call.lastChangeStatus = this.clock.now();
    call.status = status;
  }

  /** Routes the call to its (pending or given) destination, which starts ringing. */
  ring(id: number, target?: string): SimCall {
    const call = this.get(id);
    const number = target ?? call.pendingTarget;
    if (!number) throw new SimError(409, `call ${id} has nowhere to ring`);
    const to = this.party(number);
    const destination =
      to.type === DN_TYPE.external && call.trunk
        ? { ...to, dn: call.trunk.Number, name: call.trunk.Gateway.Name }
        : to;
    this.closeSegment(call, call.status === 'Transferring' ? 'Redirected' : undefined);
    this.openSegment(call, destination);
    call.callee = destination;
    call.pendingTarget = undefined;
    this.setStatus(call, 'Ringing');
    return call;
  }

  answer(id: number, by?: string): SimCall {
    const call = this.get(id);
    if (call.callee === 'ROUTER') this.ring(id);
    const current = call.callee as Party;
    if (call.status === 'Talking' && call.answeredBy)
      throw new SimError(409, `call ${id} is already answered`);
    if (current.type === DN_TYPE.queue || current.type === DN_TYPE.ringGroup) {
      const members =
        current.type === DN_TYPE.queue
          ? this.model.queues.find((q) => q.Number === current.dn)!.Agents
          : this.model.ringGroups.find((g) => g.Number === current.dn)!.Members;
      const agentNumber =
        by ?? members.find((m) => this.userByNumber(m.Number)?.IsRegistered)?.Number ?? members[0]?.Number;
      if (!agentNumber) throw new SimError(409, `nobody to answer in ${current.dn}`);
      this.closeSegment(call, current.type === DN_TYPE.queue ? 'Waiting' : 'Redirected');
      const agent = this.party(agentNumber);
      this.openSegment(call, agent);
      call.callee = agent;
    } else if (by && current.type === DN_TYPE.extension && by !== current.dn) {
      throw new SimError(409, `call ${id} rings ${current.dn}, not ${by}`);
    }
    call.segment!.answeredAt = this.clock.now();
    call.answeredBy =
      (call.callee as Party).type === DN_TYPE.external ? undefined : (call.callee as Party).dn;
    if (call.recorded) call.segment!.recordingId = ++this.lastRecordingId;
    this.setStatus(call, 'Talking');
    return call;
  }

  /** The call goes to an extension's voicemail: "VoiceMail of 101 Anna Berg", Talking, but nobody answered. */
  voicemail(id: number, extension?: string): SimCall {
    const call = this.get(id);
    const current = call.callee === 'ROUTER' ? undefined : call.callee;
    const owner = this.userByNumber(extension ?? current?.dn ?? '');
    if (!owner) throw new SimError(409, `no extension whose voicemail call ${id} could reach`);
    this.closeSegment(call, 'Unanswered');
    const box: Party = {
      dn: owner.Number,
      type: DN_TYPE.voicemail,
      callerId: owner.Number,
      name: `VoiceMail of ${owner.Number} ${owner.DisplayName}`,
    };
    this.openSegment(call, box);
    call.segment!.answeredAt = this.clock.now();
    call.callee = box;
    this.setStatus(call, 'Talking');
    return call;
  }

  transfer(id: number, target: string): SimCall {
    const call = this.get(id);
    this.party(target); // validates
    call.pendingTarget = target;
    call.answeredBy = undefined;
    this.setStatus(call, 'Transferring');
    return call;
  }

  hold(id: number): SimCall {
    const call = this.get(id);
    if (call.status !== 'Talking') throw new SimError(409, `call ${id} is not talking`);
    this.setStatus(call, 'Held');
    return call;
  }

  resume(id: number): SimCall {
    const call = this.get(id);
    if (call.status !== 'Held') throw new SimError(409, `call ${id} is not held`);
    this.setStatus(call, 'Talking');
    return call;
  }

  hangup(id: number): SimCall {
    const call = this.get(id);
    this.closeSegment(call);
    this.active.delete(id);
    return call;
  }

  /** ActiveCalls rows as 3CX serves them, with the server's own clock in ServerNow. */
  activeRows(): Record<string, unknown>[] {
    const now = isoUtc(this.clock.now());
    return [...this.active.values()].map((call) => ({
      Id: call.id,
      Caller: this.callerLabel(call),
      Callee: this.calleeLabel(call),
      Status: call.status,
      EstablishedAt: isoUtc(call.establishedAt),
      LastChangeStatus: isoUtc(call.lastChangeStatus),
      ServerNow: now,
    }));
  }

  private callerLabel(call: SimCall): string {
    if (call.direction !== 'inbound' || !call.trunk) return dnLabel(call.caller.dn, call.caller.name);
    const shown = call.showDid ? call.did! : digitsOf(call.caller.callerId);
    return `${call.trunk.Number} ${call.trunk.Gateway.Name} (${shown})`;
  }

  private calleeLabel(call: SimCall): string {
    const callee = call.callee;
    if (callee === 'ROUTER') return 'ROUTER';
    if (callee.type === DN_TYPE.voicemail) return callee.name;
    if (callee.type === DN_TYPE.external)
      return `${callee.dn} ${callee.name} (${digitsOf(call.externalNumber ?? '')})`;
    return dnLabel(callee.dn, callee.name);
  }

  private openSegment(call: SimCall, to: Party): void {
    call.segment = { id: ++this.lastSegmentId, start: this.clock.now(), from: call.caller, to };
  }

  /** Writes the finished segment to the call log, CallHistoryView and recordings, as 3CX does after the fact. */
  private closeSegment(call: SimCall, forcedStatus?: 'Waiting' | 'Redirected' | 'Unanswered'): void {
    const segment = call.segment;
    if (!segment) return;
    call.segment = undefined;
    const end = this.clock.now();
    const answered = segment.answeredAt !== undefined;
    const status = forcedStatus ?? (answered ? 'Answered' : 'Unanswered');
    const ringMs = (segment.answeredAt ?? end) - segment.start;
    const talkMs = answered ? end - segment.answeredAt! : 0;
    const index = call.segmentIndex++;
    const recordingUrl = segment.recordingId ? this.recordingPath(call, segment) : null;
    const direction =
      call.direction === 'inbound'
        ? segment.to.type === DN_TYPE.queue
          ? 'Inbound Queue'
          : 'Inbound'
        : call.direction === 'outbound'
          ? 'Outbound'
          : 'Internal';
    const callType =
      segment.to.type === DN_TYPE.queue
        ? 'Queue'
        : segment.to.type === DN_TYPE.external
          ? 'External'
          : 'Extension';
    const reason =
      status === 'Redirected' || status === 'Waiting'
        ? `Redirected to ${call.pendingTarget ?? 'agent'}`
        : answered
          ? `Ended by ${segment.to.name || segment.to.dn}`
          : `${segment.to.name || segment.to.dn} did not answer`;
    this.callLog.push({
      CdrId: this.random.guid(),
      CallHistoryId: call.historyId,
      MainCallHistoryId: call.historyId,
      CallId: call.id,
      SegmentId: segment.id,
      Indent: index === 0 ? 0 : 1,
      SubrowDescNumber: index,
      StartTime: isoUtc(segment.start),
      SourceType: segment.from.type,
      SourceDn: segment.from.dn,
      SourceCallerId: segment.from.callerId,
      SourceDisplayName: segment.from.name || segment.from.callerId,
      DestinationType: segment.to.type,
      DestinationDn: segment.to.dn,
      DestinationCallerId:
        segment.to.type === DN_TYPE.external
          ? (call.externalNumber ?? segment.to.callerId)
          : segment.to.callerId,
      DestinationDisplayName: segment.to.name,
      ActionType: status === 'Redirected' ? 5 : answered ? 1 : 0,
      ActionDnType: null,
      ActionDnCallerId: null,
      ActionDnDisplayName: null,
      actionDnDn: null,
      RingingDuration: isoDuration(ringMs),
      TalkingDuration: isoDuration(talkMs),
      Answered: answered,
      Direction: direction,
      CallType: callType,
      Status: status,
      Reason: reason,
      RecordingUrl: recordingUrl,
      SrcRecId: null,
      DstRecId: segment.recordingId ?? null,
      Recordings: [],
      CallCost: null,
      QualityReport: false,
      Transcription: null,
      Summary: null,
      SentimentScore: null,
    });
    const external = (p: Party) => p.type === DN_TYPE.external;
    this.historyView.push({
      SegmentId: segment.id,
      SegmentStartTime: isoUtc(segment.start),
      SegmentEndTime: isoUtc(end),
      SegmentType: call.direction === 'inbound' ? 2 : 1,
      SegmentActionId: answered ? 1 : status === 'Redirected' ? 5 : 0,
      SrcId: index,
      SrcDn: segment.from.dn,
      SrcDnType: segment.from.type,
      SrcCallerNumber: segment.from.callerId,
      SrcDisplayName: segment.from.name,
      SrcExtendedDisplayName: segment.from.name,
      SrcInternal: !external(segment.from),
      SrcExternal: external(segment.from),
      SrcParticipantId: segment.id * 2,
      SrcRecId: null,
      DstId: index,
      DstDn: segment.to.dn,
      DstDnType: segment.to.type,
      DstCallerNumber: segment.to.callerId,
      DstDisplayName: segment.to.name,
      DstExtendedDisplayName: segment.to.name,
      DstInternal: !external(segment.to),
      DstExternal: external(segment.to),
      DstParticipantId: segment.id * 2 + 1,
      DstRecId: segment.recordingId ?? null,
      CallTime: isoDuration(talkMs),
      CallAnswered: answered,
    });
    if (segment.recordingId && answered) {
      this.recordings.push({
        Id: segment.recordingId,
        StartTime: isoUtc(segment.answeredAt!),
        EndTime: isoUtc(end),
        CallType:
          call.direction === 'inbound'
            ? 'InboundExternal'
            : call.direction === 'outbound'
              ? 'OutboundExternal'
              : 'Local',
        FromDn: segment.from.dn,
        FromDnType: segment.from.type,
        FromCallerNumber: segment.from.callerId,
        FromDisplayName: segment.from.name,
        FromDidNumber: call.did ?? null,
        FromCrmContact: null,
        FromIdParticipant: segment.id * 2,
        ToDn: segment.to.dn,
        ToDnType: segment.to.type,
        ToCallerNumber: segment.to.callerId,
        ToDisplayName: segment.to.name,
        ToDidNumber: null,
        ToCrmContact: null,
        ToIdParticipant: segment.id * 2 + 1,
        RefParticipantId: null,
        RecordingUrl: recordingUrl,
        ArchivedUrl: null,
        IsArchived: false,
        IsTranscribed: false,
        CanBeTranscribed: false,
        Transcription: null,
        Summary: null,
        SentimentScore: null,
      });
    }
  }

  private recordingPath(call: SimCall, segment: Segment): string {
    const stamp = isoUtc(segment.start)
      .replace(/[-:TZ]/g, '')
      .slice(0, 14);
    return `${segment.to.dn}/[${segment.to.name}]_${segment.to.dn}-${segment.from.callerId}_${stamp}(${call.id}).wav`;
  }
}
