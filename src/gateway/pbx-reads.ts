// The PBX reads of each poll, filtered by the `entities:` settings: a failure anywhere throws, so a poll never
// replaces part of the snapshot with half an answer.
import type { Config } from '../config/schema.ts';
import type { Contact } from '../domain/contact.ts';
import type { Extension, Queue, RingGroup, SystemInfo, Trunk } from '../domain/types.ts';
import type { Logger } from '../log.ts';
import type { PbxClient } from '../pbx/client.ts';
import { fetchSystemInfo, fetchTrunks, fetchVoicemailNumber } from '../pbx/endpoints.ts';
import type { PolledReads } from '../pbx/polled-reads.ts';
import { applyFilter } from './entity-filter.ts';

export interface DirectoryRead {
  extensions: Extension[];
  ringGroups: RingGroup[];
  queues: Queue[];
  /** undefined when contacts.lookup is off or the phonebook could not be read (the last one stays). */
  contacts?: Contact[];
}

export async function readDirectory(reads: PolledReads, config: Config, log: Logger): Promise<DirectoryRead> {
  const { entities } = config;
  const extensions = applyFilter(await reads.extensions(), entities.extensions);
  const ringGroups = applyFilter(await reads.ringGroupList(), entities.ring_groups);
  const queues = applyFilter(await reads.queueList(), entities.queues);
  let contacts: Contact[] | undefined;
  if (config.contacts.lookup) {
    try {
      contacts = await reads.phonebook();
    } catch (error) {
      log.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'reading the phonebook failed',
      );
    }
  }
  return { extensions, ringGroups, queues, ...(contacts ? { contacts } : {}) };
}

export interface TrunksRead {
  trunks: Trunk[];
  system: SystemInfo;
  /** undefined when it could not be read: the previous value stays. */
  voicemailNumber: string | null | undefined;
}

export async function readTrunks(client: PbxClient, config: Config): Promise<TrunksRead> {
  const trunks = applyFilter(await fetchTrunks(client), config.entities.trunks);
  const system = await fetchSystemInfo(client);
  const voicemailNumber = await fetchVoicemailNumber(client).catch(() => undefined);
  return { trunks, system, voicemailNumber };
}
