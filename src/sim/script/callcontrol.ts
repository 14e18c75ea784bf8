// /sim/callcontrol: Call Control access and monitored DNs, and ways to break the websocket (drop, silence).
import { json } from '../reply.ts';
import type { Route } from '../router.ts';
import { field, isBoolean, isString, type ScriptCall } from './context.ts';

function describe({ context: { callControl } }: ScriptCall) {
  return json(200, {
    enabled: callControl.settings.enabled,
    monitored: callControl.settings.describeMonitored(),
    connections: callControl.sockets.count,
    silent_connections: callControl.sockets.silentCount,
  });
}

export const CALL_CONTROL_ROUTES: Route<ScriptCall>[] = [
  {
    pattern: /^\/sim\/callcontrol$/,
    methods: {
      GET: describe,
      PATCH: (request) => {
        const { callControl } = request.context;
        const { monitored } = request.body;
        // Validate everything before changing anything.
        const parsed = monitored === undefined ? undefined : callControl.settings.parse(monitored);
        const enabled = field(request.body, 'enabled', isBoolean);
        if (parsed !== undefined) callControl.settings.setMonitored(parsed === 'all' ? 'all' : [...parsed]);
        if (enabled !== undefined) callControl.setEnabled(enabled);
        return describe(request);
      },
    },
  },
  {
    pattern: /^\/sim\/callcontrol\/drop$/,
    methods: {
      POST: ({ context, body }) =>
        json(200, {
          closed: context.callControl.sockets.drop({ terminate: field(body, 'terminate', isBoolean) }),
        }),
    },
  },
  {
    pattern: /^\/sim\/callcontrol\/silence$/,
    methods: {
      POST: ({ context, body }) =>
        json(200, {
          connections: context.callControl.sockets.silence(field(body, 'silent', isBoolean) ?? true),
        }),
    },
  },
  {
    pattern: /^\/sim\/calls\/(\d+)\/dtmf$/,
    methods: {
      POST: ({ context, body }, match) =>
        json(200, {
          events: context.callControl.dtmf(
            Number(match[1]),
            field(body, 'digits', isString, true)!,
            field(body, 'dn', isString),
          ),
        }),
    },
  },
];
