// The simulator's HTTP answers, independent of node:http so handlers stay testable.

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json; odata.metadata=minimal; odata.streaming=true', ...headers },
    body: JSON.stringify(value),
  };
}

export function odataError(status: number, message: string, code = String(status)): Reply {
  return json(status, { error: { code, message, details: [] } });
}

/** JSON outside the OData service (Call Control, /sim). */
export function plainJson(status: number, value: unknown): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(value),
  };
}

/** A status with no body: Call Control's errors (their bodies on the real PBX are unknown). */
export function statusOnly(status: number): Reply {
  return { status, body: '' };
}
