// The rows a finished segment leaves, typed as 3CX's OpenAPI file types them (Pbx.CallLogData,
// Pbx.CallHistoryView, Pbx.Recording, nullability included), and pure renderers from segment to row.
// Type aliases, not interfaces, so that rows stay assignable to the OData layer's Record<string, unknown>.
import { isoDuration, isoUtc } from './clock.ts';
import { DN_TYPE, type Party, type Segment, type SegmentStatus, type SimCall } from './call-types.ts';

export type CallLogData = {
  CdrId: string;
  CallHistoryId: string | null;
  MainCallHistoryId: string | null;
  CallId: number;
  SegmentId: number | null;
  Indent: number | null;
  SubrowDescNumber: number | null;
  StartTime: string | null;
  SourceType: number | null;
  SourceDn: string | null;
  SourceCallerId: string | null;
  SourceDisplayName: string | null;
  DestinationType: number | null;
  DestinationDn: string | null;
  DestinationCallerId: string | null;
  DestinationDisplayName: string | null;
  ActionType: number | null;
  ActionDnType: number | null;
  ActionDnCallerId: string | null;
  ActionDnDisplayName: string | null;
  actionDnDn: string | null;
  RingingDuration: string | null;
  TalkingDuration: string | null;
  Answered: boolean | null;
  Direction: string | null;
  CallType: string | null;
  Status: string | null;
  Reason: string | null;
  RecordingUrl: string | null;
  SrcRecId: number | null;
  DstRecId: number | null;
  Recordings: unknown[];
  CallCost: number | null;
  QualityReport: boolean | null;
  Transcription: string | null;
  Summary: string | null;
  SentimentScore: number | null;
};

export type CallHistoryView = {
  SegmentId: number;
  SegmentStartTime: string;
  SegmentEndTime: string;
  SegmentType: number;
  SegmentActionId: number;
  SrcId: number;
  SrcDn: string | null;
  SrcDnType: number;
  SrcCallerNumber: string | null;
  SrcDisplayName: string | null;
  SrcExtendedDisplayName: string | null;
  SrcInternal: boolean;
  SrcExternal: boolean;
  SrcParticipantId: number;
  SrcRecId: number | null;
  DstId: number;
  DstDn: string | null;
  DstDnType: number;
  DstCallerNumber: string | null;
  DstDisplayName: string | null;
  DstExtendedDisplayName: string | null;
  DstInternal: boolean;
  DstExternal: boolean;
  DstParticipantId: number;
  DstRecId: number | null;
  CallTime: string;
  CallAnswered: boolean | null;
};

export type Recording = {
  Id: number;
  StartTime: string | null;
  EndTime: string | null;
  CallType: 'InboundExternal' | 'OutboundExternal' | 'Local' | null;
  FromDn: string | null;
  FromDnType: number | null;
  FromCallerNumber: string | null;
  FromDisplayName: string | null;
  FromDidNumber: string | null;
  FromCrmContact: string | null;
  FromIdParticipant: number | null;
  ToDn: string | null;
  ToDnType: number | null;
  ToCallerNumber: string | null;
  ToDisplayName: string | null;
  ToDidNumber: string | null;
  ToCrmContact: string | null;
  ToIdParticipant: number | null;
  RefParticipantId: number | null;
  RecordingUrl: string | null;
  ArchivedUrl: string | null;
  IsArchived: boolean | null;
  IsTranscribed: boolean | null;
  CanBeTranscribed: boolean | null;
  Transcription: string | null;
  Summary: string | null;
  SentimentScore: number | null;
};

/** A segment at the moment it ends, with what the engine decided about it. */
export interface ClosedSegment {
  call: SimCall;
  segment: Segment;
  end: number;
  status: SegmentStatus;
  /** 0 for the call's first segment, then 1, 2, … */
  index: number;
}

const answered = (closed: ClosedSegment) => closed.segment.answeredAt !== undefined;
const talkMs = (closed: ClosedSegment) => (answered(closed) ? closed.end - closed.segment.answeredAt! : 0);
const isExternal = (party: Party) => party.type === DN_TYPE.external;

/** `9027/[Anna Berg]_9027-+4930…_20260304091502(1843).wav`: a relative path, as 3CX writes it. */
export function recordingPath(call: SimCall, segment: Segment): string {
  const stamp = isoUtc(segment.start)
    .replace(/[-:TZ]/g, '')
    .slice(0, 14);
  return `${segment.to.dn}/[${segment.to.name}]_${segment.to.dn}-${segment.from.callerId}_${stamp}(${call.id}).wav`;
}

function recordingUrl(closed: ClosedSegment): string | null {
  return closed.segment.recordingId ? recordingPath(closed.call, closed.segment) : null;
}

function logDirection({ call, segment }: ClosedSegment): string {
  if (call.direction === 'inbound') return segment.to.type === DN_TYPE.queue ? 'Inbound Queue' : 'Inbound';
  return call.direction === 'outbound' ? 'Outbound' : 'Internal';
}

function reason(closed: ClosedSegment): string {
  const to = closed.segment.to;
  if (closed.status === 'Redirected' || closed.status === 'Waiting')
    return `Redirected to ${closed.call.pendingTarget ?? 'agent'}`;
  return answered(closed) ? `Ended by ${to.name || to.dn}` : `${to.name || to.dn} did not answer`;
}

export function callLogRow(closed: ClosedSegment, cdrId: string): CallLogData {
  const { call, segment, status, index } = closed;
  const ringMs = (segment.answeredAt ?? closed.end) - segment.start;
  return {
    CdrId: cdrId,
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
    DestinationCallerId: isExternal(segment.to)
      ? (call.externalNumber ?? segment.to.callerId)
      : segment.to.callerId,
    DestinationDisplayName: segment.to.name,
    ActionType: status === 'Redirected' ? 5 : answered(closed) ? 1 : 0,
    ActionDnType: null,
    ActionDnCallerId: null,
    ActionDnDisplayName: null,
    actionDnDn: null,
    RingingDuration: isoDuration(ringMs),
    TalkingDuration: isoDuration(talkMs(closed)),
    Answered: answered(closed),
    Direction: logDirection(closed),
    CallType: segment.to.type === DN_TYPE.queue ? 'Queue' : isExternal(segment.to) ? 'External' : 'Extension',
    Status: status,
    Reason: reason(closed),
    RecordingUrl: recordingUrl(closed),
    SrcRecId: null,
    DstRecId: segment.recordingId ?? null,
    Recordings: [],
    CallCost: null,
    QualityReport: false,
    Transcription: null,
    Summary: null,
    SentimentScore: null,
  };
}

export function historyViewRow(closed: ClosedSegment): CallHistoryView {
  const { call, segment, status, index } = closed;
  const { from, to } = segment;
  return {
    SegmentId: segment.id,
    SegmentStartTime: isoUtc(segment.start),
    SegmentEndTime: isoUtc(closed.end),
    SegmentType: call.direction === 'inbound' ? 2 : 1,
    SegmentActionId: answered(closed) ? 1 : status === 'Redirected' ? 5 : 0,
    SrcId: index,
    SrcDn: from.dn,
    SrcDnType: from.type,
    SrcCallerNumber: from.callerId,
    SrcDisplayName: from.name,
    SrcExtendedDisplayName: from.name,
    SrcInternal: !isExternal(from),
    SrcExternal: isExternal(from),
    SrcParticipantId: segment.id * 2,
    SrcRecId: null,
    DstId: index,
    DstDn: to.dn,
    DstDnType: to.type,
    DstCallerNumber: to.callerId,
    DstDisplayName: to.name,
    DstExtendedDisplayName: to.name,
    DstInternal: !isExternal(to),
    DstExternal: isExternal(to),
    DstParticipantId: segment.id * 2 + 1,
    DstRecId: segment.recordingId ?? null,
    CallTime: isoDuration(talkMs(closed)),
    CallAnswered: answered(closed),
  };
}

/** The recording of an answered, recorded segment; undefined for any other. */
export function recordingRow(closed: ClosedSegment): Recording | undefined {
  const { call, segment } = closed;
  if (!segment.recordingId || !answered(closed)) return undefined;
  const { from, to } = segment;
  return {
    Id: segment.recordingId,
    StartTime: isoUtc(segment.answeredAt!),
    EndTime: isoUtc(closed.end),
    CallType:
      call.direction === 'inbound'
        ? 'InboundExternal'
        : call.direction === 'outbound'
          ? 'OutboundExternal'
          : 'Local',
    FromDn: from.dn,
    FromDnType: from.type,
    FromCallerNumber: from.callerId,
    FromDisplayName: from.name,
    FromDidNumber: call.did ?? null,
    FromCrmContact: null,
    FromIdParticipant: segment.id * 2,
    ToDn: to.dn,
    ToDnType: to.type,
    ToCallerNumber: to.callerId,
    ToDisplayName: to.name,
    ToDidNumber: null,
    ToCrmContact: null,
    ToIdParticipant: segment.id * 2 + 1,
    RefParticipantId: null,
    RecordingUrl: recordingUrl(closed),
    ArchivedUrl: null,
    IsArchived: false,
    IsTranscribed: false,
    CanBeTranscribed: false,
    Transcription: null,
    Summary: null,
    SentimentScore: null,
  };
}
