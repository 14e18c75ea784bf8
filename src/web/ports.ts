// What the web output may use, and nothing more: the bus, the published state, and a few narrow calls bound by the
// composition root (src/app.ts). The web never reaches into the PBX side or another output.
import type { Readable } from 'node:stream';
import type { Bus } from '../bus.ts';
import type { CallRecord } from '../domain/call.ts';
import type { Journal, JournalAnswer } from '../domain/journal.ts';
import type { PublishedState } from '../entities/state.ts';

export interface HistoryQuery {
  from?: string;
  to?: string;
  missed?: boolean;
  limit: number;
  offset?: number;
}

export interface RecordingDownload {
  status: number;
  contentType: string;
  body: Readable | NodeJS.ReadableStream;
}

export interface BridgeHealth {
  /** null until the first poll result. */
  pbxReachable: boolean | null;
  mqttConnected: boolean;
  lastPollAt: number;
  callsDegraded: boolean;
}

export interface WebPorts {
  bus: Bus;
  published: Pick<PublishedState, 'all' | 'ofKind' | 'list' | 'tracking'>;
  health(): BridgeHealth;
  history(query: HistoryQuery): CallRecord[];
  /** Streams recording `id` from the PBX (the gateway holds the token); `unreachable` names why it could not ask. */
  recording(id: number): Promise<RecordingDownload | { unreachable: string }>;
  contactName(number: string): string | null;
  journal(journal: Journal): JournalAnswer;
  mqttStats(): { published: number; reconnects: number };
}
