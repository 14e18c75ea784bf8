// Many concurrent calls at once, held until deleted: what a benchmark or soak needs (simulate --calls K,
// POST/DELETE /sim/calls/bulk). Each is an ordinary call of the engine, so every view shows it.
import { SimError, type SimCall } from './call-types.ts';
import type { CallEngine } from './calls.ts';
import type { PbxModel, SimUser } from './model.ts';
import type { Random } from './random.ts';

export type BulkState = 'ringing' | 'talking';
export type BulkKind = 'inbound' | 'outbound' | 'internal' | 'mixed';
export const BULK_KINDS: readonly BulkKind[] = ['inbound', 'outbound', 'internal', 'mixed'];
export const MAX_BULK = 10_000;

export class BulkCalls {
  private readonly held = new Set<number>();

  constructor(
    private readonly model: PbxModel,
    private readonly calls: CallEngine,
    private readonly random: Random,
  ) {}

  /** Starts `count` calls between random extensions and trunks, rung (and answered, for `talking`); their ids. */
  create(count: number, state: BulkState, kind: BulkKind = 'mixed'): number[] {
    if (!Number.isInteger(count) || count < 1 || count > MAX_BULK)
      throw new SimError(400, `count must be 1..${MAX_BULK}`);
    const trunks = this.model.trunks.filter((t) => t.IsOnline);
    const extensions = this.freeExtensions();
    if (extensions.length < 2) throw new SimError(409, 'not enough registered extensions');
    if (kind !== 'internal' && trunks.length === 0) throw new SimError(503, 'no trunk online');
    let next = 0;
    // Idle extensions first, each once; then round again when there are more calls than extensions.
    const extension = () => extensions[next++ % extensions.length]!.Number;
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      const roll = kind === 'mixed' ? this.random.next() : -1;
      const chosen: Exclude<BulkKind, 'mixed'> =
        kind !== 'mixed' ? kind : roll < 0.5 ? 'inbound' : roll < 0.8 ? 'outbound' : 'internal';
      const trunk = trunks.length > 0 ? this.random.pick(trunks).Number : undefined;
      const call = this.start(chosen, extension, trunk);
      if (call.callee === 'ROUTER') this.calls.ring(call.id);
      if (state === 'talking') this.calls.answer(call.id);
      this.held.add(call.id);
      ids.push(call.id);
    }
    return ids;
  }

  private start(kind: Exclude<BulkKind, 'mixed'>, extension: () => string, trunk?: string): SimCall {
    const outside = () => `+49${this.random.pick(['30', '40', '69', '89'])}${this.random.digits(8)}`;
    switch (kind) {
      case 'inbound':
        return this.calls.start({ from: outside(), to: extension(), trunk, recorded: false });
      case 'outbound':
        return this.calls.start({ from: extension(), to: outside(), trunk, recorded: false });
      case 'internal': {
        const from = extension();
        let to = extension();
        if (to === from) to = extension();
        return this.calls.start({ from, to, recorded: false });
      }
    }
  }

  /** Registered extensions, those not in a call first, in a seeded order. */
  private freeExtensions(): SimUser[] {
    const busy = new Set<string>();
    for (const call of this.calls.active.values()) {
      busy.add(call.caller.dn);
      if (call.callee !== 'ROUTER') busy.add(call.callee.dn);
    }
    const registered = this.model.users.filter((u) => u.IsRegistered && !u.Number.startsWith('HD'));
    const shuffled = registered
      .map((user) => ({ user, order: this.random.next() }))
      .sort((a, b) => a.order - b.order)
      .map((x) => x.user);
    return [...shuffled.filter((u) => !busy.has(u.Number)), ...shuffled.filter((u) => busy.has(u.Number))];
  }

  /** Hangs up every bulk call still active; answers how many. */
  hangUpAll(): number {
    let count = 0;
    for (const id of this.held) {
      if (this.calls.active.has(id)) {
        this.calls.hangup(id);
        count++;
      }
    }
    this.held.clear();
    return count;
  }
}
