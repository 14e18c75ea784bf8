// Reads 3CX's call log: ReportCallLogData/Pbx.GetCallLogData (V20 Update 6+), falling back to the legacy
// CallHistoryView when the report function is not available (404/403 on some editions).
import { z } from 'zod';
import type { CallLogLeg } from '../domain/call-log.ts';
import type { PbxClient } from './client.ts';
import { PbxError } from './errors.ts';
import { dateTime, durationMs, orNull, parseWith, text } from './responses.ts';

const int = orNull(z.int32());

const logRowSchema = z.looseObject({
  MainCallHistoryId: text,
  CallId: int,
  StartTime: dateTime,
  SourceType: int,
  SourceDn: text,
  SourceCallerId: text,
  SourceDisplayName: text,
  DestinationType: int,
  DestinationDn: text,
  DestinationCallerId: text,
  DestinationDisplayName: text,
  RingingDuration: durationMs,
  TalkingDuration: durationMs,
  Answered: z
    .boolean()
    .nullish()
    .transform((v) => v ?? false),
  Direction: text,
  DstRecId: int,
  SrcRecId: int,
});

const historyRowSchema = z.looseObject({
  SegmentId: z.int32(),
  SegmentStartTime: dateTime,
  SrcDn: text,
  SrcDnType: int,
  SrcCallerNumber: text,
  SrcDisplayName: text,
  DstDn: text,
  DstDnType: int,
  DstCallerNumber: text,
  DstDisplayName: text,
  CallTime: durationMs,
  CallAnswered: z
    .boolean()
    .nullish()
    .transform((v) => v ?? false),
  DstRecId: int,
});

/** UTC, whole seconds, unencoded colons: the shape that worked on a live PBX (3cx-xapi.md §3.6). */
function periodParam(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export async function fetchCallLog(client: PbxClient, from: number, to: number): Promise<CallLogLeg[]> {
  const path =
    `ReportCallLogData/Pbx.GetCallLogData(periodFrom=${periodParam(from)},periodTo=${periodParam(to)},sourceType=0,sourceFilter='',` +
    "destinationType=0,destinationFilter='',callsType=0,callTimeFilterType=0,callTimeFilterFrom='0:00:0',callTimeFilterTo='0:00:0'," +
    'hidePcalls=true)';
  try {
    const legs = await client.getAll(path, {}, CALL_LOG_PARSERS.GetCallLogData);
    // Some builds answer a malformed period with today's log: keep only rows inside the window.
    return legs.filter((leg) => leg.startTime >= from - 1000 && leg.startTime <= to + 1000);
  } catch (error) {
    if (
      !(error instanceof PbxError) ||
      error.kind !== 'http' ||
      (error.status !== 404 && error.status !== 403)
    )
      throw error;
  }
  return fetchCallHistoryView(client, from);
}

/** The legacy segments; they carry no call identity, so they serve caller-ID matching by trunk and time only. */
async function fetchCallHistoryView(client: PbxClient, from: number): Promise<CallLogLeg[]> {
  const rows = await client.getAll(
    'CallHistoryView',
    { $filter: `SegmentStartTime ge ${periodParam(from)}`, $orderby: 'SegmentId desc' },
    CALL_LOG_PARSERS.CallHistoryView,
  );
  return rows.filter((leg): leg is CallLogLeg => leg !== null);
}

/** Each call-log row as a leg, or PbxError('parse'); the fuzz tests feed these random and mutated JSON. */
export const CALL_LOG_PARSERS = {
  GetCallLogData: (row: unknown): CallLogLeg => {
    const r = parseWith(logRowSchema, row, 'GetCallLogData');
    return {
      mainCallHistoryId: r.MainCallHistoryId,
      callId: r.CallId,
      startTime: Date.parse(r.StartTime),
      sourceType: r.SourceType,
      sourceDn: r.SourceDn,
      sourceCallerId: r.SourceCallerId,
      sourceDisplayName: r.SourceDisplayName,
      destinationType: r.DestinationType,
      destinationDn: r.DestinationDn,
      destinationCallerId: r.DestinationCallerId,
      destinationDisplayName: r.DestinationDisplayName,
      ringingMs: r.RingingDuration,
      talkingMs: r.TalkingDuration,
      answered: r.Answered,
      direction: r.Direction,
      recordingId: r.DstRecId ?? r.SrcRecId,
    };
  },
  /** A segment as a leg, or null for the internal "Ext." segments that tell nothing about a caller. */
  CallHistoryView: (row: unknown): CallLogLeg | null => {
    const r = parseWith(historyRowSchema, row, 'CallHistoryView');
    if (/^Ext\./i.test(r.SrcCallerNumber ?? '')) return null;
    return {
      mainCallHistoryId: null,
      callId: null,
      startTime: Date.parse(r.SegmentStartTime),
      sourceType: r.SrcDnType,
      sourceDn: r.SrcDn,
      sourceCallerId: r.SrcCallerNumber,
      sourceDisplayName: r.SrcDisplayName,
      destinationType: r.DstDnType,
      destinationDn: r.DstDn,
      destinationCallerId: r.DstCallerNumber,
      destinationDisplayName: r.DstDisplayName,
      ringingMs: 0,
      talkingMs: r.CallTime,
      answered: r.CallAnswered,
      direction: null,
      recordingId: r.DstRecId,
    };
  },
};
