// Call Control as a whole: participants kept in step with the call engine, permission and monitoring checks,
// the REST table and the websocket, wired to one simulator.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Principal, TokenAuthority } from '../auth.ts';
import { SimError } from '../call-types.ts';
import type { CallEngine } from '../calls.ts';
import type { SimClock } from '../clock.ts';
import { bearerToken } from '../http-io.ts';
import type { PbxModel } from '../model.ts';
import { statusOnly, type Reply } from '../reply.ts';
import type { TrafficGenerator } from '../traffic.ts';
import { EVENT, ParticipantRegistry, type ParticipantEvent } from './registry.ts';
import { handleCallControl, type CallControlContext } from './rest.ts';
import { CallControlSettings, type CallControlOptions } from './settings.ts';
import { CallControlSockets, CLOSE } from './sockets.ts';

export type { CallControlOptions } from './settings.ts';

interface Dependencies {
  model: PbxModel;
  calls: CallEngine;
  traffic: TrafficGenerator;
  auth: TokenAuthority;
  clock: SimClock;
}

const REASONS: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' };

export class CallControl {
  readonly settings: CallControlSettings;
  readonly registry: ParticipantRegistry;
  readonly sockets: CallControlSockets;
  private readonly context: CallControlContext;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly deps: Dependencies,
    options: CallControlOptions = {},
  ) {
    this.settings = new CallControlSettings(deps.model, options);
    this.registry = new ParticipantRegistry(deps.model);
    this.sockets = new CallControlSockets(deps.auth, deps.clock);
    this.context = { ...deps, registry: this.registry, settings: this.settings };
    // Same tick as the change: the engine tells the registry, the registry answers the events, they go out.
    deps.calls.observers.push((call, ended) => this.publish(this.registry.update(call, ended)));
  }

  /** Checks token expiry once a second (the simulator also checks after every clock or token change). */
  start(): void {
    this.timer = setInterval(() => this.sockets.checkTokens(), 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.sockets.stop();
  }

  private publish(events: readonly ParticipantEvent[]): void {
    if (!this.settings.enabled || this.sockets.count === 0) return;
    this.sockets.publish(events.filter((e) => this.settings.isMonitored(e.dn)));
  }

  /** Turning access off closes every websocket (4003), as a permission taken away would. */
  setEnabled(enabled: boolean): void {
    this.settings.enabled = enabled;
    if (!enabled) this.sockets.drop({ code: CLOSE.forbidden, reason: 'call control access removed' });
  }

  /** A DTMF string (event type 2) on the call's legs, or on its leg at `dn`; answers how many went out. */
  dtmf(callId: number, digits: string, dn?: string): number {
    if (!/^[0-9*#A-D]{1,64}$/.test(digits)) throw new SimError(400, 'digits: 0-9 * # A-D');
    const legs = this.registry.legsOfCall(callId).filter((p) => dn === undefined || p.dn === dn);
    if (legs.length === 0)
      throw new SimError(404, `call ${callId} has no participant${dn ? ` at ${dn}` : ''}`);
    this.publish(
      legs.map((p) => ({ type: EVENT.dtmf, dn: p.dn, id: p.id, attachedData: { dtmf_input: digits } })),
    );
    return legs.length;
  }

  /** REST below /callcontrol for an authenticated principal: user logins and clients without access get 403. */
  rest(principal: Principal, method: string, path: string, body: unknown): Reply {
    if (principal.kind !== 'client' || !this.settings.enabled) return statusOnly(403);
    return handleCallControl(this.context, method, path, body);
  }

  /** Handles an HTTP upgrade; answers the status it gave (101, or the refusal) for the request log. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<number> {
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'https://localhost').pathname;
    if (path !== '/callcontrol/ws') return refuse(socket, 404);
    const token = bearerToken(req);
    const access = token ? await this.deps.auth.verifyAccessToken(token) : undefined;
    if (!access) return refuse(socket, 401, 'WWW-Authenticate: Bearer error="invalid_token"\r\n');
    if (access.principal.kind !== 'client' || !this.settings.enabled) return refuse(socket, 403);
    this.sockets.accept(req, socket, head, access);
    return 101;
  }
}

function refuse(socket: Duplex, status: number, headers = ''): number {
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status]}\r\n${headers}Content-Length: 0\r\nConnection: close\r\n\r\n`,
  );
  return status;
}
