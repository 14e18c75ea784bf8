// /sim/state, /sim/fault, /sim/requests, /sim/clock, /sim/traffic, /sim/auth: the PBX as a whole.
import { SimError } from '../call-types.ts';
import { FAULT_MODES, type FaultMode } from '../faults.ts';
import { json } from '../reply.ts';
import type { RequestLogEntry } from '../request-log.ts';
import type { Route } from '../router.ts';
import type { TrafficLevel } from '../traffic.ts';
import { describeCall, field, isBoolean, isNumber, isString, type ScriptCall } from './context.ts';

/** `since` as a sequence number (after it) or an ISO time (at or after it); everything when absent. */
function sinceFilter(since: string | null): (entry: RequestLogEntry) => boolean {
  if (since === null || since === '') return () => true;
  if (/^\d+$/.test(since)) return (entry) => entry.seq > Number(since);
  const time = Date.parse(since);
  if (Number.isNaN(time)) throw new SimError(400, 'since: a sequence number or an ISO date-time');
  return (entry) => Date.parse(entry.time) >= time;
}

export const CONTROL_ROUTES: Route<ScriptCall>[] = [
  {
    pattern: /^\/sim\/state$/,
    methods: {
      GET: ({ context }) => {
        const { model, calls } = context;
        return json(200, {
          tick: context.traffic.tick,
          traffic: context.traffic.level,
          server_now: new Date(context.clock.now()).toISOString(),
          extensions: model.users.filter((u) => !u.Number.startsWith('HD')).map((u) => u.Number),
          ring_groups: model.ringGroups.map((g) => g.Number),
          queues: model.queues.map((q) => q.Number),
          trunks: model.trunks.map((t) => ({
            number: t.Number,
            online: t.IsOnline,
            did: t.DidNumbers[0],
            shows_did: t.showsDidInActiveCalls,
          })),
          active_calls: [...calls.active.values()].map(describeCall),
          call_log_rows: calls.callLog.length,
          fault: context.fault.current ? { mode: context.fault.current.mode } : null,
        });
      },
    },
  },
  {
    pattern: /^\/sim\/fault$/,
    methods: {
      POST: ({ context, body }) => {
        const mode = field(body, 'mode', isString, true) as FaultMode;
        if (!FAULT_MODES.includes(mode)) throw new SimError(400, `mode: ${FAULT_MODES.join(' | ')}`);
        const pathText = field(body, 'path', isString);
        let pathPattern: RegExp | undefined;
        try {
          pathPattern = pathText ? new RegExp(pathText) : undefined;
        } catch {
          throw new SimError(400, 'path is not a regular expression');
        }
        context.fault.current = { mode, path: pathPattern, remaining: field(body, 'count', isNumber) };
        return json(200, { mode });
      },
      DELETE: ({ context }) => {
        context.fault.current = undefined;
        context.onFaultCleared();
        return { status: 204 };
      },
    },
  },
  {
    pattern: /^\/sim\/requests$/,
    methods: {
      GET: ({ context, query }) => {
        const since = Number(query.get('since') ?? 0);
        return json(200, { requests: context.requestLog.after(since) });
      },
      DELETE: ({ context }) => {
        context.requestLog.clear();
        return { status: 204 };
      },
    },
  },
  {
    pattern: /^\/sim\/requests\/summary$/,
    methods: {
      GET: ({ context, query }) => {
        const since = query.get('since');
        const keep = sinceFilter(since);
        const endpoints = context.requestLog.summary(keep);
        return json(200, {
          since,
          last_seq: context.requestLog.seq,
          total: endpoints.reduce((sum, e) => sum + e.count, 0),
          endpoints,
        });
      },
    },
  },
  {
    pattern: /^\/sim\/clock$/,
    methods: {
      POST: ({ context, body }) => {
        const seconds = field(body, 'advance_seconds', isNumber, true)!;
        context.clock.advance(seconds * 1000);
        return json(200, { server_now: new Date(context.clock.now()).toISOString() });
      },
    },
  },
  {
    pattern: /^\/sim\/traffic$/,
    methods: {
      POST: ({ context, body }) => {
        const level = field(body, 'level', isString);
        if (level !== undefined) {
          if (!['none', 'normal', 'busy'].includes(level))
            throw new SimError(400, 'level: none | normal | busy');
          context.traffic.level = level as TrafficLevel;
        }
        const steps = field(body, 'steps', isNumber) ?? 0;
        for (let i = 0; i < Math.min(steps, 100_000); i++) {
          context.clock.advance(1000);
          context.traffic.step();
        }
        return json(200, { tick: context.traffic.tick, level: context.traffic.level });
      },
    },
  },
  {
    pattern: /^\/sim\/auth$/,
    methods: {
      POST: ({ context, body }) => {
        const ttl = field(body, 'token_ttl', isNumber);
        if (ttl !== undefined) context.auth.tokenTtlSeconds = ttl;
        if (field(body, 'revoke', isBoolean)) context.auth.revokeAll();
        return json(200, { token_ttl: context.auth.tokenTtlSeconds });
      },
    },
  },
];
