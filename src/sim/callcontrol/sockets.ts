// The Call Control websocket (wss://…/callcontrol/ws): open connections, their event sequence, and the
// simulator's ways to break them (drop, silence, token expiry).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AccessToken, TokenAuthority } from '../auth.ts';
import type { SimClock } from '../clock.ts';
import type { ParticipantEvent } from './registry.ts';

/** Close codes: application range (4000–4999); the real PBX's are unknown (3cx-xapi.md §8). */
export const CLOSE = {
  tokenExpired: 4001,
  forbidden: 4003,
  goingAway: 1001,
} as const;

interface Connection {
  ws: WebSocket;
  access: AccessToken;
  /** Per connection: 1 for the first event after the upgrade, +1 for every event meant for it. */
  sequence: number;
  /** A silent connection sends nothing (no events, no pongs) but stays open, as a half-dead TCP link. */
  silent: boolean;
}

export interface WireEvent {
  sequence: number;
  event: { event_type: number; entity: string; attached_data: unknown };
}

export class CallControlSockets {
  private readonly server = new WebSocketServer({ noServer: true, autoPong: false, clientTracking: false });
  private readonly connections = new Set<Connection>();

  constructor(
    private readonly auth: TokenAuthority,
    private readonly clock: SimClock,
  ) {}

  get count(): number {
    return this.connections.size;
  }

  get silentCount(): number {
    return [...this.connections].filter((c) => c.silent).length;
  }

  /** Completes an upgrade the caller has authorised. */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, access: AccessToken): void {
    this.server.handleUpgrade(req, socket, head, (ws) => {
      const connection: Connection = { ws, access, sequence: 0, silent: false };
      this.connections.add(connection);
      ws.on('ping', (data: Buffer) => {
        if (!connection.silent) ws.pong(data);
      });
      ws.on('close', () => this.connections.delete(connection));
      ws.on('error', () => ws.terminate());
      this.checkToken(connection);
    });
  }

  /** Sends events to every connection, in order, each with the connection's next sequence number. */
  publish(events: readonly ParticipantEvent[]): void {
    if (events.length === 0) return;
    for (const connection of this.connections) {
      for (const event of events) {
        const message: WireEvent = {
          sequence: ++connection.sequence,
          event: {
            event_type: event.type,
            entity: `/callcontrol/${event.dn}/participants/${event.id}`,
            attached_data: event.attachedData,
          },
        };
        if (!connection.silent) connection.ws.send(JSON.stringify(message));
      }
    }
  }

  /**
   * Closes connections whose token has expired, or was replaced or revoked (the conservative choice: the real
   * PBX's behaviour is unconfirmed, so clients must be ready to reconnect with a fresh token).
   */
  checkTokens(): void {
    for (const connection of this.connections) this.checkToken(connection);
  }

  private checkToken(connection: Connection): void {
    if (connection.access.exp * 1000 <= this.clock.now()) {
      connection.ws.close(CLOSE.tokenExpired, 'token expired');
    } else if (!this.auth.isCurrent(connection.access)) {
      connection.ws.close(CLOSE.tokenExpired, 'token revoked');
    }
  }

  /** Closes every connection: with a close frame, or (terminate) by cutting the TCP connection. */
  drop(options: { terminate?: boolean; code?: number; reason?: string } = {}): number {
    const count = this.connections.size;
    for (const { ws } of this.connections) {
      if (options.terminate) ws.terminate();
      else ws.close(options.code ?? CLOSE.goingAway, options.reason ?? 'going away');
    }
    return count;
  }

  /** Silences (or revives) the connections open now; connections opened later are not silent. */
  silence(silent: boolean): number {
    for (const connection of this.connections) connection.silent = silent;
    return this.connections.size;
  }

  stop(): void {
    for (const { ws } of this.connections) ws.terminate();
    this.connections.clear();
    this.server.close();
  }
}
