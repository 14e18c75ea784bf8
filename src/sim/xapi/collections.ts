// The xAPI's entity sets: which rows each serves, key lookups, and the OData collection envelope.
import type { CallEngine } from '../calls.ts';
import { ENTITY_TYPES, type EntitySetName } from '../entities.ts';
import type { PbxModel } from '../model.ts';
import { ODataError, queryCollection, type EntityType } from '../odata/query.ts';
import { json, type Reply } from '../reply.ts';
import type { TrafficGenerator } from '../traffic.ts';
import { lastCdrAndChatMessageTimestamp, peers } from './fixtures.ts';

export interface XapiContext {
  model: PbxModel;
  calls: CallEngine;
  traffic: TrafficGenerator;
  baseUrl: string;
  now: () => number;
}

export interface XapiRequest {
  method: string;
  /** Path below /xapi/v1/, percent-decoded. */
  path: string;
  params: URLSearchParams;
  body: unknown;
}

/** 3CX answers 400 above this $top on entity sets (3cx-xapi.md §2). */
export const PAGE_CAP = 100;

type Row = Record<string, unknown>;

export function collection(context: XapiContext, set: EntitySetName): Row[] {
  const { model, calls } = context;
  switch (set) {
    case 'ActiveCalls':
      return calls.activeRows();
    case 'Users':
      return model.users as unknown as Row[];
    case 'RingGroups':
      return model.ringGroups as unknown as Row[];
    case 'Queues':
      return model.queues as unknown as Row[];
    case 'Trunks':
      return model.trunks as unknown as Row[];
    case 'Contacts':
      return model.contacts as unknown as Row[];
    case 'Peers':
      return peers(model);
    case 'CallHistoryView':
      return calls.historyView;
    case 'Recordings':
      return calls.recordings;
    case 'LastCdrAndChatMessageTimestamp':
      return [lastCdrAndChatMessageTimestamp(calls)];
    default:
      throw new ODataError(404, `No HTTP resource was found that matches the request URI '${set}'.`);
  }
}

export function contextUrl(context: XapiContext, fragment: string): string {
  return `${context.baseUrl}/xapi/v1/$metadata#${fragment}`;
}

export function collectionReply(
  context: XapiContext,
  set: string,
  rows: Row[],
  params: URLSearchParams,
  type: EntityType,
  maxTop: number | null,
): Reply {
  const result = queryCollection(rows, params, type, { maxTop });
  const body: Row = { '@odata.context': contextUrl(context, set) };
  if (result.count !== undefined) body['@odata.count'] = result.count;
  body.value = result.value;
  return json(200, body);
}

/** `42` or `Number='100'` (quotes doubled inside), as in `Users(42)` and `Users(Number='100')`. */
function parseKey(text: string): { property: string; value: string | number } {
  const byId = /^(?:Id=)?(-?\d+)$/.exec(text);
  if (byId) return { property: 'Id', value: Number(byId[1]) };
  const byName = /^(\w+)='((?:[^']|'')*)'$/.exec(text);
  if (byName) return { property: byName[1]!, value: byName[2]!.replace(/''/g, "'") };
  throw new ODataError(400, `The key value '${text}' is not valid.`);
}

export function findByKey(context: XapiContext, set: EntitySetName, keyText: string): Row {
  const type: EntityType = ENTITY_TYPES[set];
  const key = parseKey(keyText);
  if (!type.properties.includes(key.property)) {
    throw new ODataError(400, `Could not find a property named '${key.property}' on type '${type.name}'.`);
  }
  // 3CX answers 404 to every key form on Recordings (3cx-xapi.md §2); clients must $filter instead.
  const found =
    set === 'Recordings'
      ? undefined
      : collection(context, set).find((row) => row[key.property] === key.value);
  if (!found) throw new ODataError(404, `The entity '${set}' with key '${keyText}' was not found.`, '404');
  return found;
}

/** Entity sets that are collections (the singletons and the report function's row type are not). */
export function isEntitySet(name: string): name is EntitySetName {
  return (
    Object.hasOwn(ENTITY_TYPES, name) &&
    !['SystemStatus', 'Defs', 'VoicemailSettings', 'CallLogData'].includes(name)
  );
}
