// Every topic the gateway publishes or subscribes to is built here.

export type EntityKind = 'extension' | 'ring_group' | 'queue' | 'trunk';

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
  calls(list: 'active' | 'recent' | 'missed'): string {
    return `${this.base}/calls/${list}`;
  }
  get callEvent(): string {
    return `${this.base}/event/call`;
  }
  entity(kind: EntityKind, number: string): string {
    return `${this.base}/${kind}/${topicSegment(number)}`;
  }
  attribute(entityTopic: string, key: string): string {
    return `${entityTopic}/${key}`;
  }
  command(entityTopic: string, command: string): string {
    return `${entityTopic}/${command}/set`;
  }
}
