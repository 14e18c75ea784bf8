// The reads the pollers repeat, each keeping its last rows so that unchanged rows are not parsed again (RowReuse):
// validating every user and every held call on each poll was most of the gateway's CPU at scale.
import type { ActiveCall, Extension, Queue, RingGroup } from '../domain/types.ts';
import type { PbxClient } from './client.ts';
import {
  fetchActiveCalls,
  fetchContacts,
  fetchExtensions,
  fetchQueues,
  fetchRingGroups,
  XAPI_PARSERS,
  type Contact,
} from './endpoints.ts';
import { activeCallSchema, parseWith } from './responses.ts';
import { RowReuse } from './row-reuse.ts';

export class PolledReads {
  private readonly users = new RowReuse(XAPI_PARSERS.Users);
  private readonly ringGroups = new RowReuse(XAPI_PARSERS.RingGroups);
  private readonly queues = new RowReuse(XAPI_PARSERS.Queues);
  private readonly contacts = new RowReuse(XAPI_PARSERS.Contacts);
  private readonly calls: RowReuse<ActiveCall>;

  constructor(private readonly client: PbxClient) {
    // ServerNow is the PBX clock: it moves every poll and is the one field validated again on a kept row.
    let serverNowText: unknown;
    let serverNow: ActiveCall['serverNow'] = null;
    this.calls = new RowReuse(XAPI_PARSERS.ActiveCalls, {
      volatile: ['ServerNow'],
      refresh: (kept, row) => {
        if (row.ServerNow !== serverNowText) {
          serverNow = parseWith(activeCallSchema.shape.ServerNow, row.ServerNow, 'ActiveCalls');
          serverNowText = row.ServerNow;
        }
        return kept.serverNow === serverNow ? kept : { ...kept, serverNow };
      },
    });
  }

  activeCalls(): Promise<ActiveCall[]> {
    return this.calls.read((parse) => fetchActiveCalls(this.client, parse));
  }

  extensions(): Promise<Extension[]> {
    return this.users.read((parse) => fetchExtensions(this.client, parse));
  }

  ringGroupList(): Promise<RingGroup[]> {
    return this.ringGroups.read((parse) => fetchRingGroups(this.client, parse));
  }

  queueList(): Promise<Queue[]> {
    return this.queues.read((parse) => fetchQueues(this.client, parse));
  }

  phonebook(): Promise<Contact[]> {
    return this.contacts.read((parse) => fetchContacts(this.client, parse));
  }
}
