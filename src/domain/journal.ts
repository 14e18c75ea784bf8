// A call as 3CX's CRM "call journaling" reports it after the fact (validated by the webhook).

export interface Journal {
  callType: 'Inbound' | 'Missed' | 'Outbound' | 'Notanswered';
  number: string;
  name: string | null;
  agent: string | null;
  startedAt: number;
  endedAt: number;
  durationS: number;
}

/** What a journal entry did: merged into (or stored as) call `id`; null when it fits several calls. */
export interface JournalAnswer {
  created: boolean;
  id: string | null;
}
