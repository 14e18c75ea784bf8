// One outgoing call through baresip: dial, learn its Call-ID, follow its events, end it by timer or on a key.
import type { BaresipCtrl, BaresipEvent } from './ctrl-client.ts';
import type { AttemptFacts } from './outcome.ts';

export interface AttemptOptions {
  target: string;
  prompt?: string;
  ringTimeoutMs: number;
  /** After the answer: how long to wait for a key (alarm), or how long to keep the call (make_call). */
  answeredMs: number;
  /** Keys that end the call at once (alarm: any key; make_call: none). */
  endOnKey: boolean;
  onProgress?: (step: 'ringing' | 'answered' | 'digit', detail?: string) => void;
}

export interface AttemptOutcome extends AttemptFacts {
  digit: string | null;
  callId: string | null;
  /** ms from dial to answer, for the figures. */
  answeredAfterMs: number | null;
}

/** Runs one attempt to its end; resolves with the facts, never rejects for call-level failures. */
export async function runAttempt(
  ctrl: BaresipCtrl,
  options: AttemptOptions,
  confirmDigit: string,
): Promise<AttemptOutcome> {
  const facts: AttemptOutcome = {
    rang: false,
    established: false,
    confirmed: false,
    closeReason: null,
    ringTimedOut: false,
    digit: null,
    callId: null,
    answeredAfterMs: null,
  };
  let progress = false;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const startedAt = Date.now();
  let ended = false;
  const hangup = async () => {
    if (facts.callId === null) return;
    try {
      await ctrl.command('callfind', facts.callId);
      await ctrl.command('hangup');
    } catch {
      // already gone: CALL_CLOSED (or the connection loss) ends the attempt
    }
  };
  let ringTimer: NodeJS.Timeout | undefined;
  let answerTimer: NodeJS.Timeout | undefined;
  const end = () => {
    if (ended) return;
    ended = true;
    clearTimeout(ringTimer);
    clearTimeout(answerTimer);
    ctrl.off('event', onEvent);
    ctrl.off('disconnected', onLost);
    finish();
  };
  const onLost = () => {
    facts.closeReason ??= 'baresip connection lost';
    end();
  };
  const onEvent = (event: BaresipEvent) => {
    if (event.class !== 'call') return;
    // Before the id is known, only our outgoing call can be ringing (alarms run one at a time).
    if (facts.callId === null && event.direction === 'outgoing' && event.id) facts.callId = event.id;
    if (event.id !== facts.callId) return;
    switch (event.type) {
      case 'CALL_RINGING':
      case 'CALL_PROGRESS':
        if (!facts.rang) options.onProgress?.('ringing');
        facts.rang = true;
        progress ||= event.type === 'CALL_PROGRESS';
        break;
      case 'CALL_ESTABLISHED':
        facts.established = true;
        facts.answeredAfterMs = Date.now() - startedAt;
        clearTimeout(ringTimer);
        options.onProgress?.('answered');
        // Early media started the prompt at the 183; start it again for the person who answered (baresip.md §6).
        if (progress && options.prompt)
          void ctrl.command('ausrc', `aufile,${options.prompt}`).catch(() => undefined);
        answerTimer = setTimeout(() => void hangup(), options.answeredMs);
        break;
      case 'CALL_DTMF_START': {
        const key = event.param ?? '';
        if (!facts.established || facts.digit !== null) break;
        facts.digit = key;
        options.onProgress?.('digit', key);
        if (key === confirmDigit) facts.confirmed = true;
        if (options.endOnKey) void hangup();
        break;
      }
      case 'CALL_CLOSED':
        facts.closeReason = event.param ?? '';
        end();
        break;
    }
  };
  ctrl.on('event', onEvent);
  ctrl.on('disconnected', onLost);
  // A bound on everything: an attempt never outlives its timers by more than a few seconds.
  const safety = setTimeout(
    () => {
      facts.closeReason ??= 'no end seen from baresip';
      end();
    },
    options.ringTimeoutMs + options.answeredMs + 8000,
  );
  try {
    if (options.prompt) await ctrl.command('ausrc', `aufile,${options.prompt}`);
    const dialled = await ctrl.command('dial', options.target);
    if (!dialled.ok) {
      facts.closeReason = `dial refused: ${dialled.data.trim()}`;
      end();
      return facts;
    }
    if (facts.callId === null) {
      // dial does not return the Call-ID; callstat right after it shows the newest call (baresip.md §8).
      const stat = await ctrl.command('callstat');
      const id = /id=([0-9a-f]+)/i.exec(stat.data)?.[1];
      if (id && /direction:\s*Outgoing/i.test(stat.data)) facts.callId = id;
    }
    ringTimer = setTimeout(() => {
      if (facts.established) return;
      facts.ringTimedOut = true;
      void hangup();
    }, options.ringTimeoutMs);
  } catch (error) {
    facts.closeReason ??= (error as Error).message;
    end();
  }
  await done;
  clearTimeout(safety);
  return facts;
}
