// Every topic the gateway publishes or subscribes to is built here, from the entity registry's tables.
import { COMMANDS, EVENTS, type CommandName, type EventName } from '../entities/commands.ts';
import type { EntityKind } from '../entities/fields.ts';
import type { CallListName } from '../entities/state.ts';

/** A topic level made from PBX data: no wildcards, separators, NUL or control characters. */
export function topicSegment(value: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = value.replace(/[+#/\u0000-\u001f\u007f]/g, '_').trim();
  return cleaned || '_';
}

export class Topics {
  constructor(readonly base: string) {}

  get bridgeState(): string {
    return `${this.base}/bridge/state`;
  }
  get bridgeResponse(): string {
    return `${this.base}/bridge/response`;
  }
  get pbx(): string {
    return `${this.base}/pbx`;
  }
  get pbxAvailability(): string {
    return `${this.base}/pbx/availability`;
  }
  calls(list: CallListName): string {
    return `${this.base}/calls/${list}`;
  }
  event(name: EventName): string {
    return `${this.base}/${EVENTS[name].path}`;
  }
  get callEvent(): string {
    return this.event('call');
  }
  /** An entity's state topic; the PBX has one (`<b>/pbx`), the other kinds one per number. */
  entity(kind: EntityKind, number: string): string {
    return kind === 'pbx' ? this.pbx : `${this.base}/${kind}/${topicSegment(number)}`;
  }
  attribute(entityTopic: string, key: string): string {
    return `${entityTopic}/${key}`;
  }
  /** A command's topic; for a command below an entity of a polled kind, that entity's number. */
  command(name: CommandName, number = '+'): string {
    const at = COMMANDS[name].at;
    const below = 'entity' in at ? this.entityFilter(at.entity, number) : `${this.base}/${at.path}`;
    return `${below}/${name}/set`;
  }
  private entityFilter(kind: EntityKind, number: string): string {
    return number === '+' && kind !== 'pbx' ? `${this.base}/${kind}/+` : this.entity(kind, number);
  }
}
