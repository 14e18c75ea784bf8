// Simulated traffic: calls of every kind, presence and registration changes, trunks dropping out and back.
import { SimError, type CallEngine, type SimCall } from './calls.ts';
import type { PbxModel, SimUser } from './model.ts';
import { PROFILE_NAMES } from './model.ts';
import type { Random } from './random.ts';

export type TrafficLevel = 'none' | 'normal' | 'busy';

type Action = 'ring' | 'answer' | 'voicemail' | 'transfer' | 'hangup';
interface Step {
  at: number;
  action: Action;
  target?: string;
}

const RATES: Record<
  TrafficLevel,
  { newCall: number; presence: number; registration: number; trunkOutage: number; maxCalls: number }
> = {
  none: { newCall: 0, presence: 0, registration: 0, trunkOutage: 0, maxCalls: 0 },
  normal: { newCall: 0.06, presence: 0.08, registration: 0.01, trunkOutage: 1 / 1200, maxCalls: 12 },
  busy: { newCall: 0.45, presence: 0.4, registration: 0.05, trunkOutage: 1 / 300, maxCalls: 60 },
};

/** Advances the PBX one second at a time; every choice comes from the seeded source. */
export class TrafficGenerator {
  tick = 0;
  private readonly plans = new Map<number, Step[]>();
  private readonly trunkReturns = new Map<string, number>();

  constructor(
    private readonly model: PbxModel,
    private readonly calls: CallEngine,
    private readonly random: Random,
    public level: TrafficLevel,
  ) {}

  /** Lets a call started elsewhere (MakeCall) run on by itself. */
  follow(call: SimCall, steps: Step[]): void {
    this.plans.set(
      call.id,
      steps.map((s) => ({ ...s, at: this.tick + s.at })),
    );
  }

  step(): void {
    this.tick++;
    const rates = RATES[this.level];
    this.runPlans();
    this.restoreTrunks();
    if (rates.newCall > 0 && this.calls.active.size < rates.maxCalls && this.random.chance(rates.newCall))
      this.startCall();
    if (this.random.chance(rates.presence)) this.changePresence();
    if (this.random.chance(rates.registration)) this.toggleRegistration();
    if (this.random.chance(rates.trunkOutage)) this.dropTrunk();
  }

  private runPlans(): void {
    for (const [id, steps] of [...this.plans]) {
      if (!this.calls.active.has(id)) {
        this.plans.delete(id); // ended by a script or a drop
        continue;
      }
      while (steps.length > 0 && steps[0]!.at <= this.tick) {
        const step = steps.shift()!;
        try {
          this.apply(id, step);
        } catch (error) {
          if (!(error instanceof SimError)) throw error;
          if (this.calls.active.has(id)) this.calls.hangup(id); // a plan that no longer fits ends the call
          steps.length = 0;
        }
      }
      if (steps.length === 0) this.plans.delete(id);
    }
  }

  private apply(id: number, step: Step): void {
    switch (step.action) {
      case 'ring':
        this.calls.ring(id, step.target);
        break;
      case 'answer':
        this.calls.answer(id, step.target);
        break;
      case 'voicemail':
        this.calls.voicemail(id, step.target);
        break;
      case 'transfer':
        this.calls.transfer(id, step.target!);
        break;
      case 'hangup':
        this.calls.hangup(id);
        break;
    }
  }

  private someUser(registered: boolean): SimUser | undefined {
    for (let attempt = 0; attempt < 20; attempt++) {
      const user = this.random.pick(this.model.users);
      if (!user.Number.startsWith('HD') && (!registered || user.IsRegistered)) return user;
    }
    return undefined;
  }

  private externalNumber(): string {
    if (this.model.contacts.length > 0 && this.random.chance(0.6))
      return this.random.pick(this.model.contacts).PhoneNumber;
    return `+49${this.random.pick(['30', '40', '69', '89', '172'])}${this.random.digits(7)}`;
  }

  private talk(): number {
    return this.level === 'busy' ? this.random.int(8, 120) : this.random.int(20, 300);
  }

  /** After an answer: talk, maybe transfer once, then hang up. */
  private afterAnswer(at: number): Step[] {
    const talk = this.talk();
    const target = this.random.chance(0.1) ? this.someUser(true) : undefined;
    if (!target) return [{ at: at + talk, action: 'hangup' }];
    const half = Math.max(2, Math.floor(talk / 2));
    return [
      { at: at + half, action: 'transfer', target: target.Number },
      { at: at + half + 1, action: 'ring' },
      { at: at + half + this.random.int(2, 6), action: 'answer' },
      { at: at + talk + this.random.int(5, 60), action: 'hangup' },
    ];
  }

  private startCall(): void {
    const roll = this.random.next();
    const online = this.model.trunks.filter((t) => t.IsOnline);
    const needsTrunk = roll < 0.9;
    if (needsTrunk && online.length === 0) return;
    const trunk = online.length > 0 ? this.random.pick(online).Number : undefined;
    const routing = this.random.int(1, 2);
    let call: SimCall;
    let steps: Step[];
    const fast = this.random.chance(0.1); // answered within one poll: ActiveCalls never shows Ringing
    if (roll < 0.4) {
      const user = this.someUser(false);
      if (!user) return;
      call = this.calls.start({ from: this.externalNumber(), to: user.Number, trunk });
      const answerAt = routing + (fast ? 1 : this.random.int(3, 15));
      if (user.IsRegistered && this.random.chance(0.7)) {
        steps = [
          { at: routing, action: 'ring' },
          { at: answerAt, action: 'answer' },
          ...this.afterAnswer(answerAt),
        ];
      } else if (user.VMEnabled && this.random.chance(0.7)) {
        const vmAt = routing + this.random.int(15, 25);
        steps = [
          { at: routing, action: 'ring' },
          { at: vmAt, action: 'voicemail' },
          { at: vmAt + this.random.int(8, 40), action: 'hangup' },
        ];
      } else {
        steps = [
          { at: routing, action: 'ring' },
          { at: routing + this.random.int(5, 25), action: 'hangup' },
        ];
      }
    } else if (roll < 0.55 && this.model.ringGroups.length > 0) {
      const group = this.random.pick(this.model.ringGroups);
      ({ call, steps } = this.groupCall(
        group.Number,
        group.Members,
        trunk,
        routing,
        [3, 15],
        0.65,
        [15, 30],
      ));
    } else if (roll < 0.75 && this.model.queues.length > 0) {
      const queue = this.random.pick(this.model.queues);
      ({ call, steps } = this.groupCall(queue.Number, queue.Agents, trunk, routing, [5, 60], 0.7, [10, 60]));
    } else if (roll < 0.9) {
      const user = this.someUser(true);
      if (!user) return;
      call = this.calls.start({ from: user.Number, to: this.externalNumber(), trunk });
      const answerAt = routing + this.random.int(3, 20);
      steps = this.random.chance(0.6)
        ? [{ at: routing, action: 'ring' }, { at: answerAt, action: 'answer' }, ...this.afterAnswer(answerAt)]
        : [
            { at: routing, action: 'ring' },
            { at: routing + this.random.int(10, 30), action: 'hangup' },
          ];
    } else {
      const from = this.someUser(true);
      const to = this.someUser(false);
      if (!from || !to || from === to) return;
      call = this.calls.start({ from: from.Number, to: to.Number });
      const answerAt = this.random.int(2, 8);
      steps =
        to.IsRegistered && this.random.chance(0.7)
          ? [
              { at: answerAt, action: 'answer' },
              { at: answerAt + this.random.int(10, 120), action: 'hangup' },
            ]
          : [{ at: this.random.int(10, 20), action: 'hangup' }];
    }
    this.follow(call, steps);
  }

  /** An inbound call to a ring group or queue: a member answers after `answerIn` seconds, or the caller gives up. */
  private groupCall(
    number: string,
    members: readonly { Number: string }[],
    trunk: string | undefined,
    routing: number,
    answerIn: [number, number],
    answerChance: number,
    giveUpIn: [number, number],
  ): { call: SimCall; steps: Step[] } {
    const call = this.calls.start({ from: this.externalNumber(), to: number, trunk });
    const member = this.random.pick(members);
    const answerAt = routing + this.random.int(...answerIn);
    const steps: Step[] = this.random.chance(answerChance)
      ? [
          { at: routing, action: 'ring' },
          { at: answerAt, action: 'answer', target: member.Number },
          ...this.afterAnswer(answerAt),
        ]
      : [
          { at: routing, action: 'ring' },
          { at: routing + this.random.int(...giveUpIn), action: 'hangup' },
        ];
    return { call, steps };
  }

  private changePresence(): void {
    const user = this.someUser(false);
    if (user)
      user.CurrentProfileName = this.random.pick(PROFILE_NAMES.filter((p) => p !== user.CurrentProfileName));
  }

  private toggleRegistration(): void {
    const user = this.someUser(false);
    if (!user) return;
    const busy = [...this.calls.active.values()].some(
      (c) => c.caller.dn === user.Number || (c.callee !== 'ROUTER' && c.callee.dn === user.Number),
    );
    if (!busy) user.IsRegistered = !user.IsRegistered;
  }

  private dropTrunk(): void {
    const online = this.model.trunks.filter((t) => t.IsOnline);
    if (online.length === 0) return;
    const trunk = this.random.pick(online);
    trunk.IsOnline = false;
    this.trunkReturns.set(trunk.Number, this.tick + this.random.int(30, 120));
    for (const call of [...this.calls.active.values()]) {
      if (call.trunk === trunk) this.calls.hangup(call.id);
    }
  }

  private restoreTrunks(): void {
    for (const [number, at] of [...this.trunkReturns]) {
      if (at > this.tick) continue;
      const trunk = this.model.trunks.find((t) => t.Number === number);
      if (trunk) trunk.IsOnline = true;
      this.trunkReturns.delete(number);
    }
  }
}
