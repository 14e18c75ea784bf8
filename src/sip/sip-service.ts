// Alarm calls and make_call through baresip: one alarm at a time, numbers in order for `rounds`, a hard deadline.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loopedPrompt, readPcmWav, toMono8k } from '../audio/wav.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { Bus } from '../bus.ts';
import type { AlarmProgress, AlarmResult, AlarmType, SipFields } from '../domain/alarm.ts';
import { baresipAccount, baresipConfig } from './baresip-config.ts';
import { BaresipProcess } from './baresip-process.ts';
import { runAttempt } from './call-attempt.ts';
import { BaresipCtrl, stripAnsi } from './ctrl-client.ts';
import { classifyAttempt, classifyRing } from './outcome.ts';

export interface SipServiceOptions {
  config: Config;
  log: Logger;
  /** Where baresip's files go (config, accounts with the SIP password, looped prompts). */
  workDir: string;
  /** Alarm progress and the SIP fields of `<b>/pbx` go out on the bus. */
  bus: Bus;
}

export class SipService {
  readonly state: SipFields = {
    sip_registered: null,
    alarm_call_result: null,
    alarm_call_time: null,
    alarm_call_confirmed_by: null,
  };
  private readonly ctrl: BaresipCtrl;
  private readonly process?: BaresipProcess;
  private readonly prompts = new Map<AlarmType, string>();
  private busy = false;
  private regTimer?: NodeJS.Timeout;

  constructor(private readonly options: SipServiceOptions) {
    const { config, log, workDir } = options;
    const sip = config.sip;
    const [host = '127.0.0.1', port = '4444'] = sip.baresip.ctrl_tcp.split(/:(?=\d+$)/);
    if (sip.baresip.spawn)
      this.process = new BaresipProcess(sip.baresip.binary, workDir, log.child({ module: 'baresip' }));
    this.ctrl = new BaresipCtrl(host, Number(port), log.child({ module: 'baresip-ctrl' }));
    this.ctrl.on('event', (event) => {
      if (event.class === 'register')
        this.setRegistered(
          event.type === 'REGISTER_OK'
            ? true
            : event.type === 'REGISTER_FAIL'
              ? false
              : this.state.sip_registered,
        );
    });
    // Events are not buffered while disconnected: ask for the state after every (re)connect (baresip.md §4).
    this.ctrl.on('connected', () => void this.refreshRegistration());
    this.ctrl.on('disconnected', () => this.setRegistered(false));
  }

  /** baresip's files: looped prompts, and (when spawned) its config and the account with the SIP password. */
  private prepareFiles(): void {
    const { config, workDir } = this.options;
    const sip = config.sip;
    mkdirSync(workDir, { recursive: true, mode: 0o700 });
    // The confirm window is the prompt's length: with aufile the call ends when the file ends (baresip.md §6).
    for (const [type, path] of Object.entries(sip.audio) as [AlarmType, string][]) {
      const file = join(workDir, `${type}.wav`);
      writeFileSync(
        file,
        loopedPrompt(toMono8k(readPcmWav(readFileSync(path))), sip.confirm_timeout / 1000 + 1),
      );
      this.prompts.set(type, file);
    }
    if (!sip.baresip.spawn) return;
    const account = {
      user: sip.account.user ?? '',
      password: sip.account.password,
      domain: sip.account.domain ?? '',
      transport: sip.account.transport,
      register: sip.account.register,
      outboundProxy: sip.account.outbound_proxy,
    };
    writeFileSync(
      join(workDir, 'config'),
      baresipConfig({
        ctrlTcp: sip.baresip.ctrl_tcp,
        sipListen: sip.baresip.sip_listen,
        netInterface: sip.baresip.net_interface,
        rtpPorts: sip.baresip.rtp_ports,
        account,
        defaultPrompt: this.prompts.get('generic')!,
      }),
    );
    writeFileSync(
      join(workDir, 'accounts'),
      baresipAccount({
        ctrlTcp: '',
        sipListen: '',
        netInterface: null,
        rtpPorts: '',
        defaultPrompt: '',
        account,
      }),
      { mode: 0o600 },
    );
  }

  start(): void {
    this.prepareFiles();
    this.process?.start();
    this.ctrl.start();
    // Registration refreshes are events; a periodic reginfo covers the ones lost while reconnecting.
    this.regTimer = setInterval(() => void this.refreshRegistration(), 60_000);
    this.regTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.regTimer);
    this.ctrl.close();
    await this.process?.stop();
  }

  get baresipPid(): number | undefined {
    return this.process?.pid;
  }

  get isBusy(): boolean {
    return this.busy;
  }

  private setRegistered(value: boolean | null): void {
    if (this.state.sip_registered === value) return;
    this.state.sip_registered = value;
    this.options.bus.emit('sipState', { ...this.state });
  }

  private async refreshRegistration(): Promise<void> {
    if (!this.ctrl.connected) return;
    try {
      const info = await this.ctrl.command('reginfo');
      if (!this.options.config.sip.account.register)
        this.setRegistered(true); // no REGISTER: usable once baresip runs
      else if (/\bOK\b/.test(stripAnsi(info.data))) this.setRegistered(true);
      else if (/\b(ERR|zzz)\b/.test(stripAnsi(info.data))) this.setRegistered(false);
    } catch {
      // the next connect or timer tries again
    }
  }

  private publishResult(result: AlarmResult, confirmedBy: string | null): void {
    this.state.alarm_call_result = result;
    this.state.alarm_call_time = new Date().toISOString();
    this.state.alarm_call_confirmed_by = confirmedBy;
    this.options.bus.emit('sipState', { ...this.state });
  }

  /** Starts an alarm; refuses (returns the reason) while one runs. Resolves when it has started. */
  startAlarm(
    type: AlarmType,
    numbers: readonly string[],
  ): { ok: true; done: Promise<AlarmResult> } | { ok: false; reason: string } {
    if (this.busy) return { ok: false, reason: 'an alarm call is already running' };
    if (numbers.length === 0) return { ok: false, reason: 'no numbers to call (sip.alert_numbers is empty)' };
    this.busy = true;
    this.publishResult('IN_PROGRESS', null);
    const done = this.runAlarm(type, numbers).finally(() => (this.busy = false));
    return { ok: true, done };
  }

  private async runAlarm(type: AlarmType, numbers: readonly string[]): Promise<AlarmResult> {
    const sip = this.options.config.sip;
    const deadline = Date.now() + sip.alarm_deadline;
    const progress = (p: Omit<AlarmProgress, 'type'>) =>
      this.options.bus.emit('alarmProgress', { type, ...p });
    let anyReached = false;
    let result: AlarmResult = 'NO_ANSWER';
    let confirmedBy: string | null = null;
    outer: for (let round = 0; round < sip.rounds; round++) {
      for (const number of numbers) {
        if (Date.now() + 1000 > deadline) break outer;
        if (!this.ctrl.connected || this.state.sip_registered === false) {
          result = 'FAILED';
          this.options.log.warn(
            { registered: this.state.sip_registered },
            'alarm call: baresip is not ready',
          );
          break outer;
        }
        progress({ event_type: 'dialing', number });
        const outcome = await runAttempt(
          this.ctrl,
          {
            target: number,
            prompt: this.prompts.get(type)!,
            ringTimeoutMs: Math.min(sip.ring_timeout, deadline - Date.now()),
            answeredMs: Math.min(sip.confirm_timeout, Math.max(1000, deadline - Date.now())),
            endOnKey: true,
            onProgress: (step, detail) =>
              progress({ event_type: step, number, ...(detail !== undefined ? { digit: detail } : {}) }),
          },
          sip.confirm_digit,
        );
        const attempt = classifyAttempt(outcome);
        this.options.log.info(
          {
            number,
            attempt,
            reason: outcome.closeReason,
            digit: outcome.digit,
            answeredAfterMs: outcome.answeredAfterMs,
          },
          'alarm call attempt',
        );
        if (attempt === 'CONFIRMED') {
          result = 'CONFIRMED';
          confirmedBy = number;
          break outer;
        }
        if (attempt === 'NO_ANSWER') anyReached = true;
        progress({ event_type: 'next', number });
      }
    }
    // Nobody reachable at all (every attempt a failure) is FAILED; reached but unconfirmed is NO_ANSWER.
    if (result !== 'CONFIRMED' && result !== 'FAILED') result = anyReached ? 'NO_ANSWER' : 'FAILED';
    progress({ event_type: 'result', result, ...(confirmedBy ? { number: confirmedBy } : {}) });
    this.publishResult(result, confirmedBy);
    return result;
  }

  /** Rings a number for `durationMs`, then hangs up. */
  async makeCall(number: string, durationMs: number): Promise<'RANG' | 'ANSWERED' | 'FAILED'> {
    if (this.busy) return 'FAILED';
    if (!this.ctrl.connected) return 'FAILED';
    this.busy = true;
    try {
      const outcome = await runAttempt(
        this.ctrl,
        { target: number, ringTimeoutMs: durationMs, answeredMs: 1000, endOnKey: false },
        '',
      );
      if (outcome.ringTimedOut && outcome.rang) return 'RANG';
      return classifyRing(outcome);
    } finally {
      this.busy = false;
    }
  }
}
