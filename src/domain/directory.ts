// What each DN is, from the polled directory: the basis of call direction (never digit counts).
import type { PbxSnapshot } from './types.ts';

export type DnKind = 'extension' | 'ring_group' | 'queue' | 'trunk' | 'voicemail' | 'other';

export interface DnInfo {
  kind: DnKind;
  name: string;
  /** Trunks: the DIDs and main number, to tell when 3CX shows the DID instead of the caller. */
  dids?: string[];
}

export class Directory {
  private readonly byNumber = new Map<string, DnInfo>();

  constructor(snapshot: PbxSnapshot, voicemailNumber: string | null = null) {
    for (const e of snapshot.extensions ?? [])
      this.byNumber.set(e.number, { kind: 'extension', name: e.name });
    for (const g of snapshot.ringGroups ?? [])
      this.byNumber.set(g.number, { kind: 'ring_group', name: g.name });
    for (const q of snapshot.queues ?? []) this.byNumber.set(q.number, { kind: 'queue', name: q.name });
    for (const t of snapshot.trunks ?? []) {
      this.byNumber.set(t.number, {
        kind: 'trunk',
        name: t.name,
        dids: [...t.dids, ...(t.externalNumber ? [t.externalNumber] : [])],
      });
    }
    if (voicemailNumber) this.byNumber.set(voicemailNumber, { kind: 'voicemail', name: 'Voicemail' });
  }

  get(dn: string): DnInfo | undefined {
    return this.byNumber.get(dn);
  }

  kind(dn: string): DnKind {
    return this.byNumber.get(dn)?.kind ?? 'other';
  }
}

/** A Directory rebuilt only when the snapshot's directory, trunks or the voicemail DN change (not on every poll). */
export function cachedDirectory(): (snapshot: PbxSnapshot, voicemailNumber: string | null) => Directory {
  let inputs: unknown[] = [];
  let directory: Directory | undefined;
  return (snapshot, voicemailNumber) => {
    const next = [
      snapshot.extensions,
      snapshot.ringGroups,
      snapshot.queues,
      snapshot.trunks,
      voicemailNumber,
    ];
    if (!directory || next.some((value, i) => value !== inputs[i])) {
      directory = new Directory(snapshot, voicemailNumber);
      inputs = next;
    }
    return directory;
  };
}
