// MQTT commands: subscribed through the façade, validated, guarded, executed through the xAPI, answered on
// <b>/bridge/response. Nothing from a payload reaches a shell; a number becomes a dial target only after the allowlist.
import type { Bus } from '../bus.ts';
import type { CallRecord } from '../domain/call.ts';
import { COMMAND_NAMES, type CommandName, type CommandResponse } from '../entities/commands.ts';
import type { Extension } from '../domain/types.ts';
import type { Logger } from '../log.ts';
import type { IncomingMessage, MqttFacade } from '../mqtt/facade.ts';
import { topicSegment, type Topics } from '../mqtt/topics.ts';
import type { PbxClient } from '../pbx/client.ts';
import { PbxError } from '../pbx/errors.ts';
import type { SipService } from '../sip/sip-service.ts';
import { NumberAllowlist, RateLimiter } from './guard.ts';
import { dropCall, makeCall, type CallControlPort } from './pbx-calls.ts';
import {
  parseAlarm,
  parseDial,
  parseDrop,
  parseMakeCall,
  parsePresence,
  transactionOf,
  type Parsed,
} from './parse.ts';

export interface CommandContext {
  bus: Bus;
  mqtt: MqttFacade;
  topics: Topics;
  client: PbxClient;
  log: Logger;
  allowedNumbers: readonly string[];
  ratePerMinute: number;
  sipEnabled: boolean;
  sip?: SipService;
  alertNumbers: readonly string[];
  makeCallDurationMs: number;
  extension: (number: string) => Extension | undefined;
  activeCalls: () => CallRecord[];
  /** The PBX confirmed a presence change: show it now rather than at the next poll. */
  presenceChanged: (number: string, profile: string) => void;
  /** Call Control, for click-to-call and drop while its websocket is live. */
  callControl?: CallControlPort;
  now?: () => number;
}

/**
 * Command topics over MQTT 5: the retain flag of a live publish is kept, and nothing stored is sent at subscribe,
 * so every retained message that arrives is one just published, never a leftover.
 */
const RETAINED_REFUSAL = 'retained commands are never executed: publish it without the retain flag';
const COMMAND_SUBSCRIPTION = { retainAsPublished: true, retainHandling: 2 } as const;

interface Answer {
  ok: boolean;
  result?: unknown;
  error?: string;
}

export class CommandHandler {
  private readonly allowlist: NumberAllowlist;
  private readonly limiter: RateLimiter;

  constructor(private readonly context: CommandContext) {
    this.allowlist = new NumberAllowlist(context.allowedNumbers);
    this.limiter = new RateLimiter(context.ratePerMinute, context.now);
  }

  start(): void {
    const { topics, mqtt } = this.context;
    if (mqtt.protocolVersion === 4)
      this.context.log.warn(
        'MQTT 3.1.1 (mqtt.protocol_version: 4): the gateway cannot tell a retained command published while ' +
          'connected from a plain one, and runs it once; retained commands stored on the broker are ignored. ' +
          'Use MQTT 5, or a broker ACL that refuses retained messages on command topics',
      );
    const run: Record<CommandName, (message: IncomingMessage) => Promise<[Parsed<unknown>, Answer]>> = {
      presence: (m) => this.presence(m),
      dial: (m) => this.dial(m),
      drop: (m) => this.drop(m),
      make_call: (m) => this.makeCall(m),
      alarm_call: (m) => this.alarm(m),
    };
    for (const command of COMMAND_NAMES) {
      mqtt.subscribe(
        topics.command(command),
        (message) => {
          if (message.retained) return this.refuseRetained(command, message);
          void this.execute(command, message, run[command]);
        },
        COMMAND_SUBSCRIPTION,
      );
    }
  }

  stop(): void {
    for (const command of COMMAND_NAMES) this.context.mqtt.unsubscribe(this.context.topics.command(command));
  }

  /**
   * A retained command would run again on every reconnect: never execute one (CONTRACT §3). Over MQTT 5 a retained
   * message here was just published (retain handling 2), and its sender waits: answer why. Over 3.1.1 it is one
   * stored on the broker, re-sent at every (re)subscribe: no one waits, so only log it. An empty retained payload
   * clears the topic and is no command.
   */
  private refuseRetained(command: CommandName, message: IncomingMessage): void {
    this.context.log.warn({ topic: message.topic }, 'ignored a retained command');
    if (this.context.mqtt.protocolVersion !== 5 || message.payload.length === 0) return;
    const transaction = transactionOf(message.payload);
    this.answer(command, message, { ok: false, error: RETAINED_REFUSAL }, transaction);
  }

  private async execute(
    command: CommandName,
    message: IncomingMessage,
    run: (message: IncomingMessage) => Promise<[Parsed<unknown>, Answer]>,
  ): Promise<void> {
    let parsed: Parsed<unknown> = {};
    let answer: Answer;
    try {
      [parsed, answer] = await run(message);
    } catch (error) {
      answer = {
        ok: false,
        error: error instanceof PbxError ? `the PBX refused: ${error.message}` : 'internal error',
      };
      if (!(error instanceof PbxError))
        this.context.log.error({ err: String(error), command }, 'command failed');
    }
    this.answer(command, message, answer, parsed.transaction);
  }

  private answer(
    command: CommandName,
    message: IncomingMessage,
    answer: Answer,
    transaction: string | number | undefined,
  ): void {
    const response: CommandResponse = {
      command,
      ...answer,
      ...(transaction !== undefined ? { transaction } : {}),
    };
    if (!answer.ok)
      this.context.log.warn({ command, topic: message.topic, error: answer.error }, 'command refused');
    this.context.bus.emit('commandResult', response);
  }

  /** The extension a command topic names (`<b>/extension/<n>/<command>/set`). */
  private extensionOf(message: IncomingMessage): Extension | undefined {
    const segment = message.topic.split('/').slice(-3, -2)[0] ?? '';
    return this.context.extension(segment) ?? undefined;
  }

  private async presence(message: IncomingMessage): Promise<[Parsed<unknown>, Answer]> {
    const parsed = parsePresence(message.payload);
    if (parsed.error) return [parsed, { ok: false, error: parsed.error }];
    const extension = this.extensionOf(message);
    if (!extension)
      return [
        parsed,
        { ok: false, error: `no extension ${topicSegment(message.topic.split('/').slice(-3, -2)[0] ?? '')}` },
      ];
    const profile = parsed.value!;
    if (!extension.profiles.includes(profile)) {
      return [
        parsed,
        {
          ok: false,
          error: `"${profile}" is not a presence profile of ${extension.number}; it has: ${extension.profiles.join(', ')}`,
        },
      ];
    }
    await this.context.client.xapi('PATCH', `Users(${extension.id})`, { CurrentProfileName: profile });
    this.context.presenceChanged(extension.number, profile);
    return [parsed, { ok: true, result: { extension: extension.number, presence: profile } }];
  }

  /** Allowlist first, then the rate limit: a refused number does not use up a slot. */
  private guard(number: string): string | undefined {
    if (!this.allowlist.allows(number)) return `${number} is not allowed by commands.allowed_numbers`;
    const slot = this.limiter.take();
    return slot.ok
      ? undefined
      : `rate limit: commands.rate_limit_per_minute reached, retry in ${slot.retryAfterS} s`;
  }

  private async dial(message: IncomingMessage): Promise<[Parsed<unknown>, Answer]> {
    const parsed = parseDial(message.payload);
    if (parsed.error) return [parsed, { ok: false, error: parsed.error }];
    const extension = this.extensionOf(message);
    if (!extension) return [parsed, { ok: false, error: 'no such extension' }];
    const refusal = this.guard(parsed.value!);
    if (refusal) return [parsed, { ok: false, error: refusal }];
    const dialled = await makeCall(
      this.context.client,
      this.context.callControl,
      extension.number,
      parsed.value!,
    );
    return [
      parsed,
      { ok: true, result: { extension: extension.number, destination: parsed.value, ...dialled } },
    ];
  }

  private async drop(message: IncomingMessage): Promise<[Parsed<unknown>, Answer]> {
    const parsed = parseDrop(message.payload);
    if (parsed.error) return [parsed, { ok: false, error: parsed.error }];
    const id = parsed.value!;
    const call = this.context
      .activeCalls()
      .find((c) => c.id === id || c.pbx_call_ids.map(String).includes(id));
    if (!call) return [parsed, { ok: false, error: `no active call ${id}` }];
    // The newest PBX leg is the one still connected.
    const pbxId = call.pbx_call_ids[call.pbx_call_ids.length - 1]!;
    await dropCall(this.context.client, this.context.callControl, pbxId);
    return [parsed, { ok: true, result: { id: call.id, pbx_call_id: pbxId } }];
  }

  private noSip(): string | undefined {
    return this.context.sip ? undefined : 'SIP is disabled (sip.enabled: false)';
  }

  private alarm(message: IncomingMessage): Promise<[Parsed<unknown>, Answer]> {
    return Promise.resolve(this.alarmNow(message));
  }

  private alarmNow(message: IncomingMessage): [Parsed<unknown>, Answer] {
    const parsed = parseAlarm(message.payload);
    if (parsed.error) return [parsed, { ok: false, error: parsed.error }];
    const unavailable = this.noSip();
    if (unavailable) return [parsed, { ok: false, error: unavailable }];
    const numbers = parsed.value!.numbers ?? [...this.context.alertNumbers];
    const refused = numbers.find((n) => !this.allowlist.allows(n));
    if (refused)
      return [parsed, { ok: false, error: `${refused} is not allowed by commands.allowed_numbers` }];
    if (this.context.sip!.isBusy) return [parsed, { ok: false, error: 'an alarm call is already running' }];
    const slot = this.limiter.take();
    if (!slot.ok)
      return [
        parsed,
        {
          ok: false,
          error: `rate limit: commands.rate_limit_per_minute reached, retry in ${slot.retryAfterS} s`,
        },
      ];
    const started = this.context.sip!.startAlarm(parsed.value!.type, numbers);
    if (!started.ok) return [parsed, { ok: false, error: started.reason }];
    started.done.catch((error: unknown) =>
      this.context.log.error({ err: String(error) }, 'alarm call failed'),
    );
    return [parsed, { ok: true, result: { type: parsed.value!.type, numbers, status: 'IN_PROGRESS' } }];
  }

  private async makeCall(message: IncomingMessage): Promise<[Parsed<unknown>, Answer]> {
    const parsed = parseMakeCall(message.payload);
    if (parsed.error) return [parsed, { ok: false, error: parsed.error }];
    const unavailable = this.noSip();
    if (unavailable) return [parsed, { ok: false, error: unavailable }];
    const refusal = this.guard(parsed.value!.number);
    if (refusal) return [parsed, { ok: false, error: refusal }];
    if (this.context.sip!.isBusy) return [parsed, { ok: false, error: 'a SIP call is already running' }];
    const durationMs =
      parsed.value!.durationS !== undefined
        ? parsed.value!.durationS * 1000
        : this.context.makeCallDurationMs;
    const result = await this.context.sip!.makeCall(parsed.value!.number, durationMs);
    return [
      parsed,
      {
        ok: result !== 'FAILED',
        result: { number: parsed.value!.number, result },
        ...(result === 'FAILED' ? { error: 'the call could not be placed' } : {}),
      },
    ];
  }
}
