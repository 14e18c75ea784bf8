// The typed event bus between the PBX side and the outputs: an event name -> payload map checked by the compiler.
// A listener that throws is logged and does not stop the others or the producer.
import type { AlarmProgress, SipFields } from './domain/alarm.ts';
import type { CallEvent } from './domain/call.ts';
import type { PbxHealth } from './domain/health.ts';
import type { CommandResponse } from './entities/commands.ts';
import type { StateChange } from './entities/state.ts';

export interface BusEvents {
  /** The published state changed: entities and call lists, keyed by entity. */
  state: StateChange;
  /** A call event (`<b>/event/call`). */
  call: CallEvent;
  /** Whether the PBX answers, after every change. */
  pbxHealth: PbxHealth;
  /** A step of an alarm call (`<b>/event/alarm_call`). */
  alarmProgress: AlarmProgress;
  /** The SIP line's fields of `<b>/pbx` changed. */
  sipState: SipFields;
  /** The answer to a command (`<b>/bridge/response`). */
  commandResult: CommandResponse;
  /** The broker connection came or went. */
  mqttConnection: { connected: boolean };
  /** One HTTP exchange with the PBX (for metrics): endpoint, HTTP status (0: no answer), duration. */
  pbxRequest: { endpoint: string; status: number; durationMs: number };
}

export type BusEvent = keyof BusEvents;
type Listener<E extends BusEvent> = (payload: BusEvents[E]) => void;

export class Bus {
  private readonly listeners = new Map<BusEvent, Listener<never>[]>();

  constructor(
    private readonly onListenerError: (event: BusEvent, error: unknown) => void = () => undefined,
  ) {}

  /** Subscribes; returns the unsubscribe function. */
  on<E extends BusEvent>(event: E, listener: Listener<E>): () => void {
    const list = this.listeners.get(event) ?? [];
    list.push(listener);
    this.listeners.set(event, list);
    return () => {
      const current = this.listeners.get(event) ?? [];
      this.listeners.set(
        event,
        current.filter((l) => l !== listener),
      );
    };
  }

  emit<E extends BusEvent>(event: E, payload: BusEvents[E]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        (listener as Listener<E>)(payload);
      } catch (error) {
        this.onListenerError(event, error);
      }
    }
  }
}
