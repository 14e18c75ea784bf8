// The Call Control source: connects the websocket, takes a snapshot after every (re)connect and after a gap in the
// event sequence, applies upserts (re-reading the participant) and removes to the live view, and says which PBX calls
// changed. `auto` falls back to polling when the PBX refuses Call Control (logged once), `callcontrol` requires it.
import type { Config } from '../config/schema.ts';
import { CallControlView } from '../domain/callcontrol-view.ts';
import type { Logger } from '../log.ts';
import {
  callControlUnavailable,
  fetchCallControlSnapshot,
  fetchParticipant,
  parseCallControlEvent,
  type CallControlEvent,
} from '../pbx/callcontrol.ts';
import { CallControlSocket } from '../pbx/callcontrol-socket.ts';
import type { PbxClient } from '../pbx/client.ts';
import { PbxError } from '../pbx/errors.ts';
import { ReadQueue } from './read-queue.ts';

export type RealtimeMode = Config['pbx']['realtime'];

export interface RealtimeOptions {
  mode: RealtimeMode;
  client: PbxClient;
  log: Logger;
  /** The live view changed for these PBX calls (also after a resync: every call before and after it). */
  onCalls: (callIds: ReadonlySet<number>) => void;
  /** The websocket became healthy (snapshot applied) or stopped being so. */
  onLive: (live: boolean) => void;
  /** `callcontrol` and the PBX refuses Call Control. */
  onFatal: (error: Error) => void;
  /** How long `auto` waits before trying a refusing PBX again. */
  retryUnavailableMs?: number;
  pingMs?: number;
  pongTimeoutMs?: number;
}

const FIRST_RETRY_MS = 250;
/** Participant reads at once (the client has 4 connections; the pollers need theirs too). */
const MAX_READS = 4;
/** More upserts than this waiting for their read: take a snapshot instead. */
const BURST_READS = 200;
const MAX_RETRY_MS = 30_000;
/** Close codes the PBX (or the simulator) uses: the token expired or was replaced; the access was taken away. */
const TOKEN_CLOSED = 4001;
const ACCESS_CLOSED = 4003;

export class RealtimeSource {
  readonly view = new CallControlView();
  private socket?: CallControlSocket;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private healthy = false;
  private retryMs = FIRST_RETRY_MS;
  private loggedReason?: string;
  /** Events that came while a snapshot was being read: applied after it. */
  private buffered?: CallControlEvent[];
  private againAfterResync = false;
  /** Per participant: the count of its last event, so that a slow re-read does not undo a newer event. */
  private readonly versions = new Map<number, number>();
  private eventCount = 0;
  private readonly reads = new ReadQueue<number>((id, dn) => this.read(id, dn), MAX_READS);

  constructor(private readonly options: RealtimeOptions) {}

  get enabled(): boolean {
    return this.options.mode !== 'poll';
  }

  /** The websocket is open and its snapshot applied: call events are live. */
  get live(): boolean {
    return this.healthy;
  }

  start(): void {
    if (this.enabled) this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.close();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connect(), delayMs);
  }

  private async connect(): Promise<void> {
    const { client, log } = this.options;
    let socket: CallControlSocket | undefined;
    try {
      socket = await CallControlSocket.open(client, {
        onMessage: (data) => this.message(data),
        onClose: (code, reason) => this.closed(socket, code, reason),
        ...(this.options.pingMs !== undefined ? { pingMs: this.options.pingMs } : {}),
        ...(this.options.pongTimeoutMs !== undefined ? { pongTimeoutMs: this.options.pongTimeoutMs } : {}),
      });
      if (this.stopped) return socket.close();
      this.socket = socket;
      this.view.newConnection();
      await this.resync();
      if (this.socket !== socket) return; // closed while the snapshot was read
      this.retryMs = FIRST_RETRY_MS;
      if (this.loggedReason) log.info('Call Control is available now: call events are live');
      else
        log.info(
          { monitored: this.view.monitored.size },
          'Call Control websocket connected: call events are live',
        );
      this.loggedReason = undefined;
    } catch (error) {
      if (socket && this.socket === socket) {
        this.socket = undefined;
        socket.close();
      }
      this.failed(error);
    }
  }

  private failed(error: unknown): void {
    const { log, mode } = this.options;
    this.setHealthy(false);
    const reason = callControlUnavailable(error);
    if (reason === undefined) {
      log.debug({ err: (error as Error).message }, 'Call Control: connection failed, retrying');
      this.schedule(this.nextRetry());
      return;
    }
    if (mode === 'callcontrol') {
      this.stopped = true;
      this.options.onFatal(new Error(`pbx.realtime is callcontrol, but ${reason}`));
      return;
    }
    if (this.loggedReason !== reason)
      log.warn(
        `Call Control is not available, polling calls instead: ${reason}. pbx.realtime: poll silences this`,
      );
    this.loggedReason = reason;
    this.schedule(this.options.retryUnavailableMs ?? 300_000);
  }

  private nextRetry(): number {
    const delay = this.retryMs;
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
    return Math.round(delay * (0.8 + 0.4 * Math.random()));
  }

  private closed(socket: CallControlSocket | undefined, code: number, reason: string): void {
    if (!socket || this.socket !== socket) return;
    this.socket = undefined;
    this.buffered = undefined;
    this.options.log.info({ code, reason }, 'Call Control websocket closed: polling calls until it is back');
    // The token expired or was replaced: the next connection logs in again.
    if (code === TOKEN_CLOSED) this.options.client.forgetToken(socket.token);
    if (code === ACCESS_CLOSED) return this.failed(new PbxError('http', '/callcontrol/ws', 'HTTP 403', 403));
    this.setHealthy(false);
    this.schedule(this.nextRetry());
  }

  private setHealthy(healthy: boolean): void {
    if (this.healthy === healthy) return;
    this.healthy = healthy;
    this.options.onLive(healthy);
  }

  /** Reads the snapshot, replaces the view with it and applies the events that came meanwhile. */
  private async resync(): Promise<void> {
    if (this.buffered) return;
    const socket = this.socket;
    this.buffered = [];
    let snapshot;
    try {
      snapshot = await fetchCallControlSnapshot(this.options.client);
    } catch (error) {
      this.buffered = undefined;
      throw error;
    }
    if (this.socket !== socket) return;
    const waiting = this.buffered;
    this.buffered = undefined;
    const touched = this.view.reset(snapshot);
    this.versions.clear();
    this.reads.clear(); // older than the snapshot
    this.setHealthy(true);
    this.options.onCalls(touched);
    for (const event of waiting) this.apply(event);
    if (this.againAfterResync) {
      this.againAfterResync = false;
      await this.resync();
    }
  }

  private message(data: string): void {
    const event = parseCallControlEvent(data);
    if (!event) return;
    const verdict = this.view.sequence(event.sequence);
    if (verdict === 'duplicate') return;
    if (this.buffered) {
      // Lost while the snapshot was read: the snapshot may predate them, so read another one after it.
      if (verdict === 'gap') this.againAfterResync = true;
      this.buffered.push(event);
      return;
    }
    if (verdict === 'gap') {
      this.options.log.info(
        { sequence: event.sequence },
        'Call Control: events were lost, reading a snapshot',
      );
      this.buffered = undefined;
      this.resync().catch((error: unknown) => this.resyncFailed(error));
      return;
    }
    this.apply(event);
  }

  private resyncFailed(error: unknown): void {
    const socket = this.socket;
    this.socket = undefined;
    socket?.close();
    this.failed(error);
  }

  private apply(event: CallControlEvent): void {
    const id = event.participant;
    if (id === undefined || (event.type !== 0 && event.type !== 1)) return;
    // A read that started before this event must not undo it (a global count: ids never collide).
    this.versions.set(id, ++this.eventCount);
    if (event.type === 1) {
      this.reads.delete(id);
      this.removed(id);
      return;
    }
    this.reads.add(id, event.dn);
    // A burst (hundreds of calls changing at once): one snapshot is cheaper than a read per participant.
    if (this.reads.size > BURST_READS && this.socket && !this.buffered) {
      this.reads.clear();
      this.resync().catch((error: unknown) => this.resyncFailed(error));
    }
  }

  private removed(id: number): void {
    this.versions.delete(id);
    const callId = this.view.remove(id);
    if (callId !== undefined) this.options.onCalls(new Set([callId]));
  }

  /** Reads one participant after an upsert; 404 means it is gone. */
  private async read(id: number, dn: string): Promise<void> {
    const version = this.versions.get(id);
    let participant;
    try {
      participant = await fetchParticipant(this.options.client, dn, id);
    } catch (error) {
      // The view can no longer be trusted to be current: read it whole again.
      if (this.socket && !this.buffered) this.resync().catch((e: unknown) => this.resyncFailed(e));
      this.options.log.debug({ err: (error as Error).message }, 'Call Control: participant read failed');
      return;
    }
    if (version === undefined || this.versions.get(id) !== version) return; // a newer event came meanwhile
    if (participant) this.options.onCalls(this.view.upsert(participant));
    else this.removed(id);
  }
}
