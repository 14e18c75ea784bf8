// 3CX's ways of writing a party in ActiveCalls: "101 Anna Berg", "10000 Telco (4930123456)", "ROUTER",
// "VoiceMail of 101 Anna Berg".

export type PartyText =
  | { kind: 'router' }
  | { kind: 'voicemail'; dn: string; name: string }
  | { kind: 'dn'; dn: string; name: string; number: string | null };

const VOICEMAIL = /^VoiceMail of (\S+)\s*(.*)$/i;
const DN_TEXT = /^(\S+)(?:\s+(.*?))?(?:\s+\(([^()]*)\))?$/;

/** Recently parsed texts: the same few thousand party texts come back every poll. Bounded; results are frozen. */
const parsed = new Map<string, PartyText | undefined>();
const PARSED_MAX = 20_000;

export function parseParty(text: string | null | undefined): PartyText | undefined {
  if (!text) return undefined;
  if (parsed.has(text)) return parsed.get(text);
  const party = parsePartyText(text);
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(text, party && Object.freeze(party));
  return party;
}

function parsePartyText(text: string): PartyText | undefined {
  const value = (text ?? '').trim();
  if (!value) return undefined;
  if (value.toUpperCase() === 'ROUTER') return { kind: 'router' };
  const voicemail = VOICEMAIL.exec(value);
  if (voicemail) return { kind: 'voicemail', dn: voicemail[1]!, name: voicemail[2] ?? '' };
  const match = DN_TEXT.exec(value);
  if (!match) return undefined;
  return { kind: 'dn', dn: match[1]!, name: match[2] ?? '', number: match[3] ?? null };
}

/** The DN a party text starts with, or undefined for ROUTER and empty text. */
export function partyDn(text: string | null | undefined): string | undefined {
  const party = parseParty(text);
  return party && party.kind !== 'router' ? party.dn : undefined;
}
