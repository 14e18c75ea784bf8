// Call Control's switches: whether the API client has "Call Control API Access", and its "extensions to monitor".
import { SimError } from '../call-types.ts';
import type { PbxModel } from '../model.ts';
import { dnTypeOf } from './participants.ts';

/** `all` = every extension and queue (the simulator's default); otherwise the listed DNs. */
export type Monitored = 'all' | ReadonlySet<string>;

export interface CallControlOptions {
  /** The API client has "Call Control API Access" (default true). */
  enabled?: boolean;
  /** `all`, `none`, or DNs (extensions, queues, the voicemail DN). */
  monitor?: 'all' | 'none' | readonly string[];
}

export class CallControlSettings {
  enabled: boolean;
  private monitored: Monitored;

  constructor(
    private readonly model: PbxModel,
    options: CallControlOptions = {},
  ) {
    this.enabled = options.enabled ?? true;
    this.monitored = this.parse(options.monitor ?? 'all');
  }

  /** Accepts `all`, `none`, a comma-separated list or an array; every DN must be able to hold participants. */
  parse(value: unknown): Monitored {
    if (value === 'all') return 'all';
    if (value === 'none') return new Set();
    const list = typeof value === 'string' ? value.split(',') : value;
    if (!Array.isArray(list) || !list.every((v): v is string => typeof v === 'string'))
      throw new SimError(400, 'monitored: "all", "none", or a list of DNs');
    const dns = list.map((dn) => dn.trim()).filter((dn) => dn !== '');
    const unknown = dns.filter((dn) => dnTypeOf(this.model, dn) === undefined);
    if (unknown.length > 0)
      throw new SimError(400, `not an extension, queue or the voicemail DN: ${unknown.join(', ')}`);
    return new Set(dns);
  }

  setMonitored(value: unknown): void {
    this.monitored = this.parse(value);
  }

  /** As the scripting API reports it. */
  describeMonitored(): 'all' | string[] {
    return this.monitored === 'all' ? 'all' : [...this.monitored];
  }

  isMonitored(dn: string): boolean {
    if (this.monitored !== 'all') return this.monitored.has(dn);
    const type = dnTypeOf(this.model, dn);
    return type === 'Wextension' || type === 'Wqueue';
  }

  /** The visible DNs in directory order: extensions, then queues, then the voicemail DN. */
  visibleDns(): { dn: string; type: 'Wextension' | 'Wqueue' | 'Wspecialmenu' }[] {
    const all = this.monitored === 'all';
    const shown = (dn: string) => all || (this.monitored as ReadonlySet<string>).has(dn);
    const extensions = this.model.users
      .filter((u) => !u.Number.startsWith('HD') && shown(u.Number))
      .map((u) => ({ dn: u.Number, type: 'Wextension' as const }));
    const queues = this.model.queues
      .filter((q) => shown(q.Number))
      .map((q) => ({ dn: q.Number, type: 'Wqueue' as const }));
    const voicemail =
      !all && shown(this.model.voicemailNumber)
        ? [{ dn: this.model.voicemailNumber, type: 'Wspecialmenu' as const }]
        : [];
    return [...extensions, ...queues, ...voicemail];
  }
}
