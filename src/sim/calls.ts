// Simulated calls: the state machine behind ActiveCalls, and the call-log, CallHistoryView and recording rows
// each finished segment leaves.
import { activeCallRow, type ActiveCall } from './active-calls.ts';
import {
  callLogRow,
  historyViewRow,
  recordingRow,
  type CallHistoryView,
  type CallLogData,
  type ClosedSegment,
  type Recording,
} from './call-rows.ts';
import {
  DN_TYPE,
  SimError,
  type ActiveStatus,
  type Direction,
  type Party,
  type SegmentStatus,
  type SimCall,
} from './call-types.ts';
import { isoUtc, type SimClock } from './clock.ts';
import type { PbxModel, SimTrunk, SimUser } from './model.ts';
import { partyOf, userByNumber } from './parties.ts';
import type { Random } from './random.ts';

export {
  DN_TYPE,
  SimError,
  type ActiveStatus,
  type Direction,
  type Party,
  type SimCall,
} from './call-types.ts';

export interface StartCallRequest {
  from: string;
  to: string;
  trunk?: string;
  /** Inbound only: what ActiveCalls shows in parentheses on the trunk leg. */
  showDid?: boolean;
  callerName?: string;
  recorded?: boolean;
}

/** Told of every change to a call, in the same tick; `ended` on hang-up, once the call has left `active`. */
export type CallObserver = (call: SimCall, ended: boolean) => void;

export class CallEngine {
  readonly active = new Map<number, SimCall>();
  readonly observers: CallObserver[] = [];
  readonly callLog: CallLogData[] = [];
  readonly historyView: CallHistoryView[] = [];
  readonly recordings: Recording[] = [];
  /** The latest StartTime of the call-log rows written so far (ms), for LastCdrAndChatMessageTimestamp. */
  lastCdrStartedAt?: number;
  private lastCallId = 1000;
  private lastSegmentId = 5000;
  private lastRecordingId = 0;

  constructor(
    private readonly model: PbxModel,
    private readonly clock: SimClock,
    private readonly random: Random,
  ) {}

  userByNumber(number: string): SimUser | undefined {
    return userByNumber(this.model, number);
  }

  /** What a number is on this PBX, as a party of a call. */
  party(number: string): Party {
    return partyOf(this.model, number);
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
      calledNumber: to.type === DN_TYPE.external ? to.callerId : to.dn,
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
    else this.changed(call);
    return call;
  }

  private changed(call: SimCall, ended = false): void {
    for (const observer of this.observers) observer(call, ended);
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
    const transferring = call.status === 'Transferring';
    if (transferring && call.callee !== 'ROUTER' && call.callee.type === DN_TYPE.extension)
      call.referredBy = call.callee.dn;
    this.moveTo(call, destination, transferring ? 'Redirected' : undefined);
    call.pendingTarget = undefined;
    this.setStatus(call, 'Ringing');
    this.changed(call);
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
      this.moveTo(call, this.party(agentNumber), current.type === DN_TYPE.queue ? 'Waiting' : 'Redirected');
      call.group = current;
    } else if (by && current.type === DN_TYPE.extension && by !== current.dn) {
      throw new SimError(409, `call ${id} rings ${current.dn}, not ${by}`);
    }
    call.segment!.answeredAt = this.clock.now();
    call.answeredBy =
      (call.callee as Party).type === DN_TYPE.external ? undefined : (call.callee as Party).dn;
    if (call.recorded) call.segment!.recordingId = ++this.lastRecordingId;
    call.firstAnsweredAt ??= this.clock.now();
    this.setStatus(call, 'Talking');
    this.changed(call);
    return call;
  }

  /** The call goes to an extension's voicemail: "VoiceMail of 101 Anna Berg", Talking, but nobody answered. */
  voicemail(id: number, extension?: string): SimCall {
    const call = this.get(id);
    const current = call.callee === 'ROUTER' ? undefined : call.callee;
    const owner = this.userByNumber(extension ?? current?.dn ?? '');
    if (!owner) throw new SimError(409, `no extension whose voicemail call ${id} could reach`);
    const box: Party = {
      dn: owner.Number,
      type: DN_TYPE.voicemail,
      callerId: owner.Number,
      name: `VoiceMail of ${owner.Number} ${owner.DisplayName}`,
    };
    this.moveTo(call, box, 'Unanswered');
    call.segment!.answeredAt = this.clock.now();
    call.reachedVoicemail = true;
    this.setStatus(call, 'Talking');
    this.changed(call);
    return call;
  }

  transfer(id: number, target: string): SimCall {
    const call = this.get(id);
    this.party(target); // validates
    call.pendingTarget = target;
    call.answeredBy = undefined;
    this.setStatus(call, 'Transferring');
    this.changed(call);
    return call;
  }

  hold(id: number): SimCall {
    return this.switchHold(id, 'Talking', 'Held');
  }

  resume(id: number): SimCall {
    return this.switchHold(id, 'Held', 'Talking');
  }

  private switchHold(id: number, from: 'Talking' | 'Held', to: 'Talking' | 'Held'): SimCall {
    const call = this.get(id);
    if (call.status !== from)
      throw new SimError(409, `call ${id} is not ${from === 'Held' ? 'held' : 'talking'}`);
    this.setStatus(call, to);
    this.changed(call);
    return call;
  }

  hangup(id: number): SimCall {
    const call = this.get(id);
    this.closeSegment(call);
    this.active.delete(id);
    this.changed(call, true);
    return call;
  }

  /** ActiveCalls rows as 3CX serves them, with the server's own clock in ServerNow. */
  activeRows(): ActiveCall[] {
    const now = isoUtc(this.clock.now());
    return [...this.active.values()].map((call) => activeCallRow(call, now));
  }

  /** Ends the current segment (logged as `closeAs`) and opens one to `to`, who becomes the callee. */
  private moveTo(call: SimCall, to: Party, closeAs?: Exclude<SegmentStatus, 'Answered'>): void {
    this.closeSegment(call, closeAs);
    this.openSegment(call, to);
    call.callee = to;
    call.group = undefined;
  }

  private openSegment(call: SimCall, to: Party): void {
    call.segment = { id: ++this.lastSegmentId, start: this.clock.now(), from: call.caller, to };
  }

  /** Writes the finished segment to the call log, CallHistoryView and recordings, as 3CX does after the fact. */
  private closeSegment(call: SimCall, forcedStatus?: Exclude<SegmentStatus, 'Answered'>): void {
    const segment = call.segment;
    if (!segment) return;
    call.segment = undefined;
    const closed: ClosedSegment = {
      call,
      segment,
      end: this.clock.now(),
      status: forcedStatus ?? (segment.answeredAt !== undefined ? 'Answered' : 'Unanswered'),
      index: call.segmentIndex++,
    };
    this.callLog.push(callLogRow(closed, this.random.guid()));
    this.lastCdrStartedAt = Math.max(this.lastCdrStartedAt ?? segment.start, segment.start);
    this.historyView.push(historyViewRow(closed));
    const recording = recordingRow(closed);
    if (recording) this.recordings.push(recording);
  }
}
