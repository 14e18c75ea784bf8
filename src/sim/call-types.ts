// The simulator's call state: parties, segments (one per call-log leg) and calls, and the error its scripts get.
import type { SimTrunk } from './model.ts';

/** Numeric DN types of the call log and CallHistoryView (3cx-xapi.md §3.6; not in 3CX's spec). */
export const DN_TYPE = { extension: 0, external: 1, queue: 4, voicemail: 5, ringGroup: 16 } as const;
export type DnType = (typeof DN_TYPE)[keyof typeof DN_TYPE];

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

export interface Segment {
  id: number;
  start: number;
  from: Party;
  to: Party;
  answeredAt?: number;
  recordingId?: number;
}

/** How a segment ended, in the call log's `Status` words. */
export type SegmentStatus = 'Answered' | 'Unanswered' | 'Redirected' | 'Waiting';

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
  /** What was dialled: the first destination's DN, or the outside number (E.164). */
  calledNumber: string;
  pendingTarget?: string;
  establishedAt: number;
  lastChangeStatus: number;
  segment?: Segment;
  segmentIndex: number;
  answeredBy?: string;
  /** When a person (extension, agent, or the far end of an outbound call) first answered; voicemail is not one. */
  firstAnsweredAt?: number;
  /** The ring group or queue the current callee took the call for. */
  group?: Party;
  /** The extension that transferred the call to the current callee. */
  referredBy?: string;
  /** A voicemail box took the call at some point. */
  reachedVoicemail?: boolean;
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

export const digitsOf = (number: string) => number.replace(/\D/g, '');
