// /sim/calls…: start scripted calls and move them through ringing, answer, voicemail, transfer, hold and hang-up.
import { SimError, type SimCall } from '../call-types.ts';
import { json } from '../reply.ts';
import type { Route } from '../router.ts';
import { BULK_KINDS, type BulkKind } from '../bulk-calls.ts';
import { describeCall, field, isBoolean, isNumber, isString, type ScriptCall } from './context.ts';

export const CALL_ROUTES: Route<ScriptCall>[] = [
  {
    pattern: /^\/sim\/calls\/bulk$/,
    methods: {
      POST: ({ context, body }) => {
        const state = field(body, 'state', isString) ?? 'talking';
        if (state !== 'ringing' && state !== 'talking') throw new SimError(400, 'state: ringing | talking');
        const kind = field(body, 'kind', isString) ?? 'mixed';
        if (!BULK_KINDS.includes(kind as BulkKind))
          throw new SimError(400, `kind: ${BULK_KINDS.join(' | ')}`);
        const ids = context.bulk.create(field(body, 'count', isNumber, true)!, state, kind as BulkKind);
        return json(201, { ids });
      },
      DELETE: ({ context }) => json(200, { hung_up: context.bulk.hangUpAll() }),
    },
  },
  {
    pattern: /^\/sim\/calls\/history$/,
    methods: {
      GET: ({ context, query }) => {
        const since = query.get('since');
        const from = since ? Date.parse(since) : 0;
        if (Number.isNaN(from)) throw new SimError(400, 'since: an ISO date-time');
        return json(200, { calls: context.history.since(from) });
      },
    },
  },
  {
    pattern: /^\/sim\/calls$/,
    methods: {
      POST: ({ context, body }) => {
        const call = context.calls.start({
          from: field(body, 'from', isString, true)!,
          to: field(body, 'to', isString, true)!,
          trunk: field(body, 'trunk', isString),
          showDid: field(body, 'show_did', isBoolean),
          callerName: field(body, 'caller_name', isString),
          recorded: field(body, 'recorded', isBoolean),
        });
        return json(201, describeCall(call));
      },
    },
  },
  {
    pattern: /^\/sim\/calls\/(\d+)\/(ring|answer|voicemail|transfer|hold|resume|hangup)$/,
    methods: {
      POST: ({ context: { calls }, body }, match) => {
        const id = Number(match[1]);
        const target = field(body, 'to', isString) ?? field(body, 'by', isString);
        let call: SimCall;
        switch (match[2]) {
          case 'ring':
            call = calls.ring(id, target);
            break;
          case 'answer':
            call = calls.answer(id, target);
            break;
          case 'voicemail':
            call = calls.voicemail(id, target);
            break;
          case 'transfer':
            if (!target) throw new SimError(400, '"to" is required');
            call = calls.transfer(id, target);
            break;
          case 'hold':
            call = calls.hold(id);
            break;
          case 'resume':
            call = calls.resume(id);
            break;
          default:
            call = calls.hangup(id);
        }
        return json(200, describeCall(call));
      },
    },
  },
];
