// Completed calls from 3CX's call log (ReportCallLogData legs grouped by MainCallHistoryId): what happened to a
// call the gateway did not see live, and the real caller of a trunk call whose ActiveCalls row showed the DID.
import { outcomeOf, type CallDirection, type CallOutcome } from './call.ts';
import { normaliseNumber } from './phone-number.ts';

/** One call-log row (a leg), in the fields the gateway reads. */
export interface CallLogLeg {
  mainCallHistoryId: string | null;
  callId: number | null;
  startTime: number;
  sourceType: number | null;
  sourceDn: string | null;
  sourceCallerId: string | null;
  sourceDisplayName: string | null;
  destinationType: number | null;
  destinationDn: string | null;
  destinationCallerId: string | null;
  destinationDisplayName: string | null;
  ringingMs: number;
  talkingMs: number;
  answered: boolean;
  direction: string | null;
  recordingId: number | null;
}

/** DN types of the call log (3cx-xapi.md §3.6; two clients agree, 3CX's spec does not say). */
export const LOG_DN_TYPE = { extension: 0, external: 1, queue: 4, voicemail: 5, ringGroup: 16 } as const;

export interface LoggedCall {
  mainCallHistoryId: string;
  callIds: number[];
  direction: CallDirection;
  callerNumber: string | null;
  callerName: string | null;
  calledNumber: string | null;
  calledName: string | null;
  agent: string | null;
  outcome: CallOutcome;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number;
  duration: number;
  recordingId: number | null;
  trunkDn: string | null;
}

const isVoicemailLeg = (leg: CallLogLeg) =>
  leg.destinationType === LOG_DN_TYPE.voicemail || /voice ?mail/i.test(leg.destinationDisplayName ?? '');

export function groupLegs(legs: readonly CallLogLeg[]): Map<string, CallLogLeg[]> {
  const groups = new Map<string, CallLogLeg[]>();
  for (const leg of legs) {
    if (!leg.mainCallHistoryId) continue;
    groups.set(leg.mainCallHistoryId, [...(groups.get(leg.mainCallHistoryId) ?? []), leg]);
  }
  for (const list of groups.values()) list.sort((a, b) => a.startTime - b.startTime);
  return groups;
}

export function legEnd(leg: CallLogLeg): number {
  return leg.startTime + leg.ringingMs + leg.talkingMs;
}

/** The outcome rules, applied to a call's legs. */
export function loggedCall(mainCallHistoryId: string, legs: readonly CallLogLeg[]): LoggedCall {
  const first = legs[0]!;
  const text = (first.direction ?? '').toLowerCase();
  const direction: CallDirection =
    first.sourceType === LOG_DN_TYPE.external || text.startsWith('inbound')
      ? 'inbound'
      : text.startsWith('outbound')
        ? 'outbound'
        : 'internal';
  const personLeg = legs.find(
    (leg) =>
      leg.answered &&
      !isVoicemailLeg(leg) &&
      (direction === 'outbound'
        ? leg.destinationType === LOG_DN_TYPE.external
        : leg.destinationType === LOG_DN_TYPE.extension),
  );
  const lastPerson = [...legs]
    .reverse()
    .find((leg) => leg.answered && !isVoicemailLeg(leg) && leg.destinationType === LOG_DN_TYPE.extension);
  const voicemail = legs.some((leg) => leg.answered && isVoicemailLeg(leg));
  const outcome = outcomeOf(direction, personLeg !== undefined, voicemail);
  const talking = legs
    .filter((leg) => leg.answered && !isVoicemailLeg(leg))
    .reduce((sum, leg) => sum + leg.talkingMs, 0);
  const destination = legs.find((leg) => leg.destinationType !== LOG_DN_TYPE.voicemail) ?? first;
  const caller = direction === 'inbound' ? normaliseNumber(first.sourceCallerId) : (first.sourceDn ?? null);
  return {
    mainCallHistoryId,
    callIds: [...new Set(legs.map((leg) => leg.callId).filter((id): id is number => id !== null))],
    direction,
    callerNumber: caller,
    callerName:
      first.sourceDisplayName && first.sourceDisplayName !== first.sourceCallerId
        ? first.sourceDisplayName
        : null,
    calledNumber:
      direction === 'outbound' ? normaliseNumber(destination.destinationCallerId) : destination.destinationDn,
    calledName: destination.destinationDisplayName,
    agent: direction === 'outbound' ? first.sourceDn : (lastPerson?.destinationDn ?? null),
    outcome,
    startedAt: first.startTime,
    answeredAt: personLeg ? personLeg.startTime + personLeg.ringingMs : null,
    endedAt: Math.max(...legs.map(legEnd)),
    duration: Math.round(talking / 1000),
    recordingId: legs.find((leg) => leg.recordingId !== null)?.recordingId ?? null,
    trunkDn: direction === 'inbound' ? first.sourceDn : null,
  };
}

/**
 * The real caller of a live trunk call: by the PBX call Id when the log carries it, else by trunk and start time —
 * and only when exactly one logged call fits, so two concurrent calls on one trunk never swap numbers. A leg that
 * carries another call's Id, or that is known to be another call's (`elsewhere`: its MainCallHistoryId is stored
 * on another call), never fits: while this call has no leg in the log yet, another call on the trunk that started
 * close to it (ended, or never seen by polling) would otherwise be the one that fits.
 */
export function findCallerInLog(
  call: { pbxIds: readonly number[]; trunkDn: string | null; startedAt: number },
  legs: readonly CallLogLeg[],
  elsewhere: (leg: CallLogLeg) => boolean = () => false,
  toleranceMs = 3000,
): string | null {
  const fromTrunk = legs.filter(
    (leg) =>
      leg.sourceType === LOG_DN_TYPE.external || (call.trunkDn !== null && leg.sourceDn === call.trunkDn),
  );
  const byId = fromTrunk.find((leg) => leg.callId !== null && call.pbxIds.includes(leg.callId));
  if (byId) return normaliseNumber(byId.sourceCallerId);
  const candidates = new Map<string, CallLogLeg>();
  for (const leg of fromTrunk) {
    if (call.trunkDn !== null && leg.sourceDn !== call.trunkDn) continue;
    if (leg.callId !== null || Math.abs(leg.startTime - call.startedAt) > toleranceMs || elsewhere(leg))
      continue;
    candidates.set(leg.mainCallHistoryId ?? `${leg.startTime}:${leg.sourceCallerId}`, leg);
  }
  return candidates.size === 1 ? normaliseNumber([...candidates.values()][0]!.sourceCallerId) : null;
}
