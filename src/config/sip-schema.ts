// The `sip:` section of the configuration schema: baresip, the SIP account, alarm calls and their prompts.
import { z } from 'zod';
import { count, duration, flag, hostPort, optionalString, secret } from './fields.ts';

export const sipSchema = z
  .strictObject({
    enabled: flag(false, 'place SIP calls (alarm_call, make_call) through baresip'),
    baresip: z
      .strictObject({
        binary: z.string().min(1).prefault('baresip').meta({ description: 'baresip executable' }),
        spawn: flag(true, 'false: connect to an already running baresip at ctrl_tcp'),
        // ctrl_tcp has no authentication (its JSON token only matches answers to commands): loopback only.
        ctrl_tcp: hostPort('127.0.0.1:4444', 'baresip ctrl_tcp address (loopback only)').refine(
          (address) => /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|localhost):\d+$/.test(address),
          'must be a loopback address (127.x.x.x, [::1] or localhost): baresip ctrl_tcp has no authentication',
        ),
        sip_listen: hostPort('0.0.0.0:5063', 'SIP address baresip listens on'),
        net_interface: optionalString('interface or IP facing the PBX (SDP address)'),
        rtp_ports: z
          .string()
          .regex(/^\d{1,5}-\d{1,5}$/, 'expected a port range like 20000-20099')
          .refine((r) => {
            const [low, high] = r.split('-').map(Number);
            return low! >= 1024 && low! < high! && high! <= 65535;
          }, 'expected low-high with 1024 <= low < high <= 65535')
          .prefault('20000-20099')
          .meta({ description: 'RTP port range' }),
      })
      .prefault({}),
    account: z
      .strictObject({
        user: optionalString('SIP user (an extension of the PBX)'),
        password: secret('SIP password of that extension'),
        domain: optionalString('SIP domain (the PBX)'),
        transport: z.enum(['udp', 'tcp', 'tls']).prefault('udp').meta({ description: 'SIP transport' }),
        register: flag(true, 'register the account at the PBX'),
        outbound_proxy: optionalString('SIP outbound proxy'),
      })
      .prefault({}),
    alert_numbers: z
      .array(
        // Numbers only, as the command parsers accept them: no SIP URI, parameter or header reaches baresip.
        z
          .string()
          .regex(/^\+?[0-9*#]{1,32}$/, 'expected a number: digits, with an optional leading + (or * and #)'),
      )
      .prefault([])
      .meta({ description: 'numbers an alarm call dials, in order' }),
    ring_timeout: duration('30s', 'give up on a number that does not answer after this', {
      min: [2000, 'a phone needs seconds to ring before anyone can answer'],
    }),
    confirm_digit: z
      .string()
      .regex(/^[0-9*#]$/, 'expected one DTMF key: 0-9, * or #')
      .prefault('1')
      .meta({ description: 'the key that confirms an alarm call' }),
    confirm_timeout: duration('45s', 'how long an answered callee has to press the confirm key', {
      min: [2000, 'the callee needs time to hear the message and press the key'],
    }),
    rounds: count(2, 1, 20, 'times to go through alert_numbers before NO_ANSWER'),
    alarm_deadline: duration('10m', 'hard limit for one whole alarm call', {
      min: [10_000, 'a shorter alarm call ends before the first number has rung'],
    }),
    make_call_duration: duration('20s', 'how long make_call rings', {
      min: [1000, 'the make_call command takes 1 to 300 seconds'],
      max: [300_000, 'the make_call command takes 1 to 300 seconds'],
    }),
    audio: z
      .strictObject({
        towing: z
          .string()
          .min(1)
          .prefault('./sounds/towing.wav')
          .meta({ description: 'message for towing alarms' }),
        unplug: z
          .string()
          .min(1)
          .prefault('./sounds/unplug.wav')
          .meta({ description: 'message for unplug alarms' }),
        generic: z
          .string()
          .min(1)
          .prefault('./sounds/generic.wav')
          .meta({ description: 'message for other alarms' }),
      })
      .prefault({}),
  })
  .superRefine((sip, ctx) => {
    if (!sip.enabled) return;
    for (const key of ['user', 'domain'] as const) {
      if (sip.account[key] === null)
        ctx.addIssue({
          code: 'custom',
          path: ['account', key],
          message: 'required when sip.enabled is true',
        });
    }
  });
