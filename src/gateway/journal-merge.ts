// 3CX's CRM journaling entries into the call history, by domain/reconcile.ts decideJournal: merged into the call the
// gateway recorded, or stored as one it did not see.
import { createHash } from 'node:crypto';
import { isMissed, type CallEvent, type CallRecord } from '../domain/call.ts';
import type { Journal, JournalAnswer } from '../domain/journal.ts';
import {
  callFromJournal,
  decideJournal,
  journalKey,
  WINDOWS,
  withJournalCaller,
} from '../domain/reconcile.ts';
import type { Logger } from '../log.ts';
import type { CallStore } from '../store/database.ts';
import { storedCall } from '../store/stored-call.ts';

export interface JournalResult extends JournalAnswer {
  events: CallEvent[];
}

export interface JournalMergeOptions {
  store: CallStore;
  timeZone: string;
  log: Logger;
  activeCalls: () => CallRecord[];
  contactName: (number: string | null) => string | null;
  isVip: (number: string | null) => boolean;
}

export class JournalMerge {
  constructor(private readonly options: JournalMergeOptions) {}

  /** Idempotent: the same report twice is one call. */
  merge(journal: Journal): JournalResult {
    const { store } = this.options;
    const candidates = [
      ...this.options.activeCalls(),
      ...store.history({
        from: new Date(journal.startedAt - WINDOWS.journalSearch).toISOString(),
        to: new Date(journal.startedAt + WINDOWS.journalSearch).toISOString(),
        limit: 100,
      }),
    ];
    const decision = decideJournal(journal, candidates);
    switch (decision.kind) {
      case 'ambiguous':
        this.options.log.info('a journal entry fits several calls: nothing changed');
        return { created: false, id: null, events: [] };
      case 'same':
        return { created: false, id: decision.call.id, events: [] };
      case 'fill': {
        const stored = store.getCall(decision.call.id);
        if (stored) store.updateCall({ ...withJournalCaller(stored, journal), caller_source: 'webhook' });
        return { created: false, id: decision.call.id, events: [] };
      }
    }
    const id = `hook-${createHash('sha1').update(journalKey(journal)).digest('hex').slice(0, 16)}`;
    const call = callFromJournal(journal, id, {
      callerName: this.options.contactName(journal.number),
      isVip: this.options.isVip(journal.number),
    });
    const created = store.insertCall(
      storedCall(call, this.options.timeZone, { source: 'webhook', caller_source: 'webhook' }),
    );
    const events: CallEvent[] = created
      ? [{ event_type: 'ended', call }, ...(isMissed(call) ? [{ event_type: 'missed' as const, call }] : [])]
      : [];
    return { created, id: call.id, events };
  }
}
