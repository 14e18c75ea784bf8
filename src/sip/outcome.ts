// How an alarm or make_call attempt ended, from baresip's events (baresip.md §10, the lab's classification).

export type AttemptResult = 'CONFIRMED' | 'NO_ANSWER' | 'FAILED';

export interface AttemptFacts {
  /** A 18x (RINGING or PROGRESS) was seen. */
  rang: boolean;
  established: boolean;
  /** The confirm key arrived while established. */
  confirmed: boolean;
  /** The CALL_CLOSED param, or null when the daemon's own timer ended it. */
  closeReason: string | null;
  /** The daemon cancelled because ring_timeout passed. */
  ringTimedOut: boolean;
}

const NOBODY_ANSWERED = new Set([408, 480, 486, 487, 600, 603]);

export function classifyAttempt(facts: AttemptFacts): AttemptResult {
  if (facts.confirmed) return 'CONFIRMED';
  // Answered but closed without the key (hang-up, another key, the prompt ended): the person did not confirm.
  if (facts.established) return 'NO_ANSWER';
  if (facts.ringTimedOut) return facts.rang ? 'NO_ANSWER' : 'FAILED'; // no 18x at all: nothing there to ring
  const code = Number(/^(\d{3})\b/.exec(facts.closeReason ?? '')?.[1]);
  if (NOBODY_ANSWERED.has(code)) return 'NO_ANSWER';
  return 'FAILED'; // 403/404/5xx, errno texts (refused, timed out), prompt errors
}

/** make_call: RANG (it rang and nobody answered in time), ANSWERED, or FAILED. */
export function classifyRing(
  facts: Pick<AttemptFacts, 'rang' | 'established' | 'closeReason'>,
): 'RANG' | 'ANSWERED' | 'FAILED' {
  if (facts.established) return 'ANSWERED';
  if (facts.rang) return 'RANG';
  const code = Number(/^(\d{3})\b/.exec(facts.closeReason ?? '')?.[1]);
  return code === 486 || code === 480 || code === 487 ? 'RANG' : 'FAILED';
}
