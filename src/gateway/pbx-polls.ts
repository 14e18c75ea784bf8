// The PBX's three polls (directory, trunks, ActiveCalls) on their schedules: they keep the snapshot as last read,
// the directory of DN kinds derived from it, and the PBX's health from their successes and failures.
import type { Config } from '../config/schema.ts';
import type { Contact } from '../domain/contact.ts';
import { cachedDirectory, type Directory } from '../domain/directory.ts';
import type { PbxHealth } from '../domain/health.ts';
import { tracksCalls, type ActiveCall, type Extension, type PbxSnapshot } from '../domain/types.ts';
import type { Logger } from '../log.ts';
import type { PbxClient } from '../pbx/client.ts';
import type { PolledReads } from '../pbx/polled-reads.ts';
import { readDirectory, readTrunks } from './pbx-reads.ts';
import { PbxHealthTracker } from './pbx-health.ts';
import { Poller } from './poller.ts';

export interface PbxPollsOptions {
  config: Config;
  log: Logger;
  client: PbxClient;
  reads: PolledReads;
  now: () => number;
  /** The ActiveCalls interval now (slower while Call Control sees every DN). */
  callsIntervalMs: () => number;
  onContacts: (contacts: Contact[]) => void;
  /** A successful ActiveCalls read, already in the snapshot. */
  onActiveCalls: (rows: ActiveCall[]) => void;
  onHealth: (health: PbxHealth) => void;
  /** The snapshot changed. */
  onChanged: () => void;
  /** Credentials refused too often. */
  onFatal: (error: Error) => void;
}

/** Between the polls' first runs: the directory first, then the trunks, then calls. */
export const POLL_STAGGER_MS = 50;

export class PbxPolls {
  readonly snapshot: PbxSnapshot = { reachable: false };
  private voicemailNumber: string | null = null;
  private readonly cachedDirectory = cachedDirectory();
  private readonly tracker: PbxHealthTracker;
  private readonly callsPoller: Poller;
  private readonly pollers: Poller[];

  constructor(private readonly options: PbxPollsOptions) {
    const { config, log, client } = options;
    this.tracker = new PbxHealthTracker({
      failuresBeforeOffline: config.polling.failures_before_offline,
      maxAuthFailures: config.pbx.max_auth_failures,
      log,
      now: options.now,
      loginFailures: () => client.consecutiveLoginFailures,
      onChange: (health) => {
        this.snapshot.reachable = health.reachable === true;
        options.onHealth(health);
      },
      onFatal: options.onFatal,
    });
    const poller = (name: string, intervalMs: number | (() => number), task: () => Promise<void>) =>
      new Poller({
        name,
        intervalMs,
        task,
        onSuccess: () => this.tracker.success(name),
        onFailure: (error) => this.tracker.failure(name, error),
      });
    this.callsPoller = poller('calls', options.callsIntervalMs, () => this.pollCalls());
    this.pollers = [
      poller('presence', config.polling.presence, () => this.pollDirectory()),
      poller('trunks', config.polling.trunks, () => this.pollTrunks()),
      this.callsPoller,
    ];
  }

  /** Starts the polls; returns when the last of them first runs (ms from now). */
  start(): number {
    this.pollers.forEach((p, index) => p.start(index * POLL_STAGGER_MS));
    return this.pollers.length * POLL_STAGGER_MS;
  }

  async stop(): Promise<void> {
    await Promise.all(this.pollers.map((p) => p.stop()));
  }

  get health(): PbxHealth {
    return this.tracker.health;
  }

  /** Calls are tracked once the directory and trunks are known: direction comes from DN types. */
  get tracking(): boolean {
    return tracksCalls(this.snapshot);
  }

  /** The directory of DN kinds, or undefined while calls are not tracked yet. */
  directory(): Directory | undefined {
    return this.tracking ? this.cachedDirectory(this.snapshot, this.voicemailNumber) : undefined;
  }

  /** Reads ActiveCalls now, not at the next interval. */
  readCallsNow(): void {
    void this.callsPoller.run();
  }

  extension(number: string): Extension | undefined {
    return this.snapshot.extensions?.find((e) => e.number === number);
  }

  /** The PBX confirmed a presence change: show it now rather than at the next poll. */
  presenceChanged(number: string, profile: string): void {
    // A new object, not an edit in place: the projection reuses an entity whose inputs are the same objects.
    this.snapshot.extensions = this.snapshot.extensions?.map((e) =>
      e.number === number ? { ...e, presence: profile } : e,
    );
    this.options.onChanged();
  }

  private async pollDirectory(): Promise<void> {
    const { config, log, reads } = this.options;
    const { contacts, ...directory } = await readDirectory(reads, config, log);
    if (contacts) this.options.onContacts(contacts);
    // Only a complete, successful read replaces the directory: a failure above changes nothing.
    Object.assign(this.snapshot, directory);
    this.options.onChanged();
  }

  private async pollTrunks(): Promise<void> {
    const { trunks, system, voicemailNumber } = await readTrunks(this.options.client, this.options.config);
    if (voicemailNumber !== undefined) this.voicemailNumber = voicemailNumber;
    Object.assign(this.snapshot, { trunks, system });
    this.options.onChanged();
  }

  private async pollCalls(): Promise<void> {
    const rows = await this.options.reads.activeCalls();
    this.snapshot.activeCalls = rows;
    this.options.onActiveCalls(rows);
  }
}
