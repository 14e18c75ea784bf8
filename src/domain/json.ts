// JSON values as payloads carry them.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
