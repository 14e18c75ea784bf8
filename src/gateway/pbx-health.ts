// Whether the PBX answers: consecutive failed polls (any poller) take pbx/availability offline, one success brings it
// back; refused logins count separately and end the daemon after pbx.max_auth_failures.
import type { PbxHealth } from '../domain/health.ts';
import type { Logger } from '../log.ts';
import { PbxError } from '../pbx/errors.ts';

export interface PbxHealthOptions {
  failuresBeforeOffline: number;
  maxAuthFailures: number;
  log: Logger;
  now: () => number;
  /** Refused logins in a row, as the client counts them (several pollers waiting on one login count once). */
  loginFailures: () => number;
  onChange: (health: PbxHealth) => void;
  onFatal: (error: Error) => void;
}

export class PbxHealthTracker {
  private reachable: boolean | null = null;
  private lastPollAt = 0;
  private consecutiveFailures = 0;
  private callsFailures = 0;
  private fatal = false;

  constructor(private readonly options: PbxHealthOptions) {}

  get health(): PbxHealth {
    return {
      reachable: this.reachable,
      lastPollAt: this.lastPollAt,
      callsDegraded: this.callsFailures >= this.options.failuresBeforeOffline,
    };
  }

  success(poll: string): void {
    const { log, now } = this.options;
    this.lastPollAt = now();
    if (this.consecutiveFailures > 0) log.info({ poll }, 'PBX answers again');
    this.consecutiveFailures = 0;
    const degraded = this.health.callsDegraded;
    if (poll === 'calls') this.callsFailures = 0;
    if (this.reachable !== true || degraded !== this.health.callsDegraded) {
      this.reachable = true;
      this.options.onChange(this.health);
    }
  }

  failure(poll: string, error: unknown): void {
    const { log, now } = this.options;
    this.lastPollAt = now();
    this.consecutiveFailures++;
    const degraded = this.health.callsDegraded;
    if (poll === 'calls') this.callsFailures++;
    const pbxError = error instanceof PbxError ? error : undefined;
    const details = {
      poll,
      endpoint: pbxError?.endpoint,
      kind: pbxError?.kind ?? 'internal',
      status: pbxError?.status,
    };
    const message = error instanceof Error ? error.message : String(error);
    if (pbxError?.kind === 'auth') {
      // Count refused logins, not failed polls: one refused login can fail several pollers at once.
      const failures = this.options.loginFailures();
      log.error({ ...details, failures }, `PBX login failed: ${message}`);
      const limit = this.options.maxAuthFailures;
      if (limit > 0 && failures >= limit && !this.fatal) {
        this.fatal = true;
        this.options.onFatal(new Error(`giving up after ${failures} failed logins: ${message}`));
      }
    } else if (!pbxError) {
      log.error({ ...details, err: message }, 'poll failed unexpectedly');
    } else if (this.consecutiveFailures === 1) {
      log.warn(details, `PBX poll failed: ${message}`);
    } else {
      log.debug(details, `PBX poll failed: ${message}`);
    }
    const offline =
      this.consecutiveFailures >= this.options.failuresBeforeOffline && this.reachable !== false;
    if (offline) {
      this.reachable = false;
      log.warn({ failures: this.consecutiveFailures }, 'PBX unreachable: pbx/availability offline');
    }
    if (offline || degraded !== this.health.callsDegraded) this.options.onChange(this.health);
  }
}
