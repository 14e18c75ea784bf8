// The /sim scripting API: tests and demos drive calls, presence, trunks, faults and time, and read the request log.
import { SimError } from '../call-types.ts';
import { json, type Reply } from '../reply.ts';
import { dispatch, type Route } from '../router.ts';
import { CALL_CONTROL_ROUTES } from './callcontrol.ts';
import { CALL_ROUTES } from './calls.ts';
import type { ScriptCall, ScriptContext } from './context.ts';
import { CONTROL_ROUTES } from './control.ts';
import { DIRECTORY_ROUTES } from './directory.ts';

export type { ScriptContext } from './context.ts';

const ROUTES: Route<ScriptCall>[] = [
  ...CONTROL_ROUTES,
  ...CALL_ROUTES,
  ...CALL_CONTROL_ROUTES,
  ...DIRECTORY_ROUTES,
];

export function handleScript(
  context: ScriptContext,
  method: string,
  path: string,
  rawBody: unknown,
  query: URLSearchParams,
): Reply {
  const body = (rawBody ?? {}) as Record<string, unknown>;
  try {
    return dispatch(ROUTES, method, path, { context, body, query }, () =>
      json(404, { error: `no such simulator endpoint: ${method} ${path}` }),
    );
  } catch (error) {
    if (error instanceof SimError) return json(error.status, { error: error.message });
    throw error;
  }
}
