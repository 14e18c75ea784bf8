// The /sim scripting API: tests and demos drive calls, presence, trunks, faults and time, and read the request log.
import type { CallEngine, SimCall } from './calls.ts';
import { SimError } from './calls.ts';
import type { SimClock } from './clock.ts';
import { makeUser } from './model-build.ts';
import { PROFILE_NAMES, type PbxModel } from './model.ts';
import { Random } from './random.ts';
import { json, type Reply } from './reply.ts';
import type { TokenAuthority } from './auth.ts';
import type { TrafficGenerator, TrafficLevel } from './traffic.ts';

export type FaultMode = '500' | '503' | 'reset' | 'hang' | 'malformed';

export interface Fault {
  mode: FaultMode;
  /** Only requests whose path matches (a regular expression); all of /xapi and the logins when absent. */
  path?: RegExp;
  /** Fail this many requests, then recover; forever when absent. */
  remaining?: number;
}

export interface RequestLogEntry {
  seq: number;
  time: string;
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  fault?: FaultMode;
}

export interface ScriptContext {
  model: PbxModel;
  calls: CallEngine;
  traffic: TrafficGenerator;
  clock: SimClock;
  auth: TokenAuthority;
  requestLog: RequestLogEntry[];
  fault: { current?: Fault };
  onFaultCleared: () => void;
}

function describeCall(call: SimCall) {
  return {
    id: call.id,
    main_call_history_id: call.historyId,
    direction: call.direction,
    status: call.status,
    caller: call.caller.callerId,
    callee: call.callee === 'ROUTER' ? 'ROUTER' : call.callee.dn,
    answered_by: call.answeredBy ?? null,
  };
}

function field<T>(
  body: Record<string, unknown>,
  name: string,
  check: (v: unknown) => v is T,
  required = false,
): T | undefined {
  const value = body[name];
  if (value === undefined || value === null) {
    if (required) throw new SimError(400, `"${name}" is required`);
    return undefined;
  }
  if (!check(value)) throw new SimError(400, `"${name}" has the wrong type`);
  return value;
}
const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';

export function handleScript(
  context: ScriptContext,
  method: string,
  path: string,
  rawBody: unknown,
  query: URLSearchParams,
): Reply {
  try {
    return route(context, method, path, (rawBody ?? {}) as Record<string, unknown>, query);
  } catch (error) {
    if (error instanceof SimError) return json(error.status, { error: error.message });
    throw error;
  }
}

function route(
  context: ScriptContext,
  method: string,
  path: string,
  body: Record<string, unknown>,
  query: URLSearchParams,
): Reply {
  const { model, calls } = context;
  let match: RegExpExecArray | null;
  const key = `${method} ${path}`;

  if (key === 'GET /sim/state') {
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
  }
  if (key === 'POST /sim/calls') {
    const call = calls.start({
      from: field(body, 'from', isString, true)!,
      to: field(body, 'to', isString, true)!,
      trunk: field(body, 'trunk', isString),
      showDid: field(body, 'show_did', isBoolean),
      callerName: field(body, 'caller_name', isString),
      recorded: field(body, 'recorded', isBoolean),
    });
    return json(201, describeCall(call));
  }
  if ((match = /^POST \/sim\/calls\/(\d+)\/(ring|answer|voicemail|transfer|hold|resume|hangup)$/.exec(key))) {
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
  }
  if (key === 'POST /sim/extensions') {
    const number = field(body, 'number', isString, true)!;
    if (!/^\d{2,6}$/.test(number) || model.users.some((u) => u.Number === number))
      throw new SimError(409, `cannot add extension ${number}`);
    const user = makeUser(
      model.nextId,
      number,
      field(body, 'first_name', isString) ?? 'New',
      field(body, 'last_name', isString) ?? 'User',
      new Random(Number(number)),
    );
    user.IsRegistered = field(body, 'registered', isBoolean) ?? true;
    model.users.push(user);
    return json(201, { number, id: user.Id });
  }
  if ((match = /^(PATCH|DELETE) \/sim\/extensions\/([^/]+)$/.exec(key))) {
    const index = model.users.findIndex((u) => u.Number === match![2]);
    if (index < 0) throw new SimError(404, `no extension ${match[2]}`);
    const user = model.users[index]!;
    if (match[1] === 'DELETE') {
      model.users.splice(index, 1);
      for (const group of [...model.ringGroups, ...model.queues]) {
        const list = 'Members' in group ? group.Members : group.Agents;
        list.splice(0, list.length, ...list.filter((m) => m.Number !== user.Number));
      }
      return { status: 204 };
    }
    const presence = field(body, 'presence', isString);
    if (presence !== undefined) {
      if (!PROFILE_NAMES.includes(presence as (typeof PROFILE_NAMES)[number]))
        throw new SimError(400, `unknown profile ${presence}`);
      user.CurrentProfileName = presence;
    }
    user.IsRegistered = field(body, 'registered', isBoolean) ?? user.IsRegistered;
    const queueStatus = field(body, 'queue_status', isString);
    if (queueStatus === 'LoggedIn' || queueStatus === 'LoggedOut') user.QueueStatus = queueStatus;
    const name = field(body, 'first_name', isString);
    if (name) {
      user.FirstName = name;
      user.DisplayName = `${name} ${user.LastName}`;
    }
    return json(200, {
      number: user.Number,
      presence: user.CurrentProfileName,
      registered: user.IsRegistered,
      queue_status: user.QueueStatus,
    });
  }
  if ((match = /^DELETE \/sim\/(ring_groups|queues|trunks)\/([^/]+)$/.exec(key))) {
    const list: { Number: string }[] =
      match[1] === 'ring_groups' ? model.ringGroups : match[1] === 'queues' ? model.queues : model.trunks;
    const index = list.findIndex((e) => e.Number === match![2]);
    if (index < 0) throw new SimError(404, `no ${match[1]} ${match[2]}`);
    list.splice(index, 1);
    return { status: 204 };
  }
  if ((match = /^PATCH \/sim\/trunks\/([^/]+)$/.exec(key))) {
    const trunk = model.trunks.find((t) => t.Number === match![1]);
    if (!trunk) throw new SimError(404, `no trunk ${match[1]}`);
    trunk.IsOnline = field(body, 'online', isBoolean) ?? trunk.IsOnline;
    trunk.showsDidInActiveCalls = field(body, 'shows_did', isBoolean) ?? trunk.showsDidInActiveCalls;
    return json(200, { number: trunk.Number, online: trunk.IsOnline });
  }
  if (key === 'POST /sim/fault') {
    const mode = field(body, 'mode', isString, true) as FaultMode;
    if (!['500', '503', 'reset', 'hang', 'malformed'].includes(mode))
      throw new SimError(400, 'mode: 500 | 503 | reset | hang | malformed');
    const pathText = field(body, 'path', isString);
    let pathPattern: RegExp | undefined;
    try {
      pathPattern = pathText ? new RegExp(pathText) : undefined;
    } catch {
      throw new SimError(400, 'path is not a regular expression');
    }
    context.fault.current = { mode, path: pathPattern, remaining: field(body, 'count', isNumber) };
    return json(200, { mode });
  }
  if (key === 'DELETE /sim/fault') {
    context.fault.current = undefined;
    context.onFaultCleared();
    return { status: 204 };
  }
  if (key === 'GET /sim/requests') {
    const since = Number(query.get('since') ?? 0);
    return json(200, { requests: context.requestLog.filter((r) => r.seq > since) });
  }
  if (key === 'DELETE /sim/requests') {
    context.requestLog.length = 0;
    return { status: 204 };
  }
  if (key === 'POST /sim/clock') {
    const seconds = field(body, 'advance_seconds', isNumber, true)!;
    context.clock.advance(seconds * 1000);
    return json(200, { server_now: new Date(context.clock.now()).toISOString() });
  }
  if (key === 'POST /sim/traffic') {
    const level = field(body, 'level', isString);
    if (level !== undefined) {
      if (!['none', 'normal', 'busy'].includes(level)) throw new SimError(400, 'level: none | normal | busy');
      context.traffic.level = level as TrafficLevel;
    }
    const steps = field(body, 'steps', isNumber) ?? 0;
    for (let i = 0; i < Math.min(steps, 100_000); i++) {
      context.clock.advance(1000);
      context.traffic.step();
    }
    return json(200, { tick: context.traffic.tick, level: context.traffic.level });
  }
  if (key === 'POST /sim/auth') {
    const ttl = field(body, 'token_ttl', isNumber);
    if (ttl !== undefined) context.auth.tokenTtlSeconds = ttl;
    if (field(body, 'revoke', isBoolean)) context.auth.revokeAll();
    return json(200, { token_ttl: context.auth.tokenTtlSeconds });
  }
  return json(404, { error: `no such simulator endpoint: ${method} ${path}` });
}
