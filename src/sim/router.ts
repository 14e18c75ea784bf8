// A route table (method + path pattern -> handler) shared by the simulator's xAPI, Call Control and /sim APIs.
import type { Reply } from './reply.ts';

export type Handler<R> = (request: R, match: RegExpExecArray) => Reply;

export interface Route<R> {
  /** Matched against the whole path. */
  pattern: RegExp;
  /** A further condition on the match (say, "names an entity set"); the route does not apply when it fails. */
  accepts?: (match: RegExpExecArray) => boolean;
  /** Handlers by HTTP method; `*` answers every method. */
  methods: Readonly<Record<string, Handler<R>>>;
}

export type RouteLookup<R> =
  | { found: 'handler'; handler: Handler<R>; match: RegExpExecArray }
  | { found: 'path' } // the path is known, the method is not
  | { found: 'nothing' };

/** The first route that matches the path and has the method; else whether any route knew the path. */
export function lookup<R>(routes: readonly Route<R>[], method: string, path: string): RouteLookup<R> {
  let pathKnown = false;
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (!match || (route.accepts && !route.accepts(match))) continue;
    const handler = route.methods[method] ?? route.methods['*'];
    if (handler) return { found: 'handler', handler, match };
    pathKnown = true;
  }
  return pathKnown ? { found: 'path' } : { found: 'nothing' };
}

/** Runs the handler for the request, or answers `unmatched` ('path': the path is known, the method is not). */
export function dispatch<R>(
  routes: readonly Route<R>[],
  method: string,
  path: string,
  request: R,
  unmatched: (found: 'path' | 'nothing') => Reply,
): Reply {
  const route = lookup(routes, method, path);
  return route.found === 'handler' ? route.handler(request, route.match) : unmatched(route.found);
}
