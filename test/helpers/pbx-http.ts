// Test helper: talks HTTPS to a simulator (self-signed certificate) the way a client of the real PBX would.
import { Agent, request } from 'undici';
import { Simulator, type SimulatorOptions } from '../../src/sim/simulator.ts';
import { waitUntil } from './wait.ts';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: Buffer;
  json<T = unknown>(): T;
}

export const insecureAgent = new Agent({ connect: { rejectUnauthorized: false } });

export async function call(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<HttpAnswer> {
  const response = await request(url, {
    method: (options.method ?? 'GET') as 'GET',
    headers: options.headers,
    body: options.body,
    dispatcher: insecureAgent,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const body = Buffer.from(await response.body.arrayBuffer());
  const text = body.toString('utf8');
  return {
    status: response.statusCode,
    headers: response.headers,
    text,
    body,
    json: <T>() => JSON.parse(text) as T,
  };
}

export interface SimRequest {
  seq: number;
  time: string;
  method: string;
  path: string;
  status: number;
  fault?: string;
}

/** A client of a running simulator (in this process or its own): logins, the xAPI and the /sim scripting API. */
export class SimClient {
  token = '';
  constructor(readonly url: string) {}

  async clientToken(id = 'simulator', secret = 'simulator-secret'): Promise<string> {
    const answer = await call(`${this.url}/connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: id,
        client_secret: secret,
        grant_type: 'client_credentials',
      }).toString(),
    });
    if (answer.status !== 200) throw new Error(`token: ${answer.status} ${answer.text}`);
    return answer.json<{ access_token: string }>().access_token;
  }

  async userToken(username = '100', password = 'simulator'): Promise<string> {
    const answer = await call(`${this.url}/webclient/api/Login/GetAccessToken`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Username: username, Password: password, SecurityCode: '' }),
    });
    const body = answer.json<{ Status: string; Token?: { access_token: string } }>();
    if (body.Status !== 'AuthSuccess' || !body.Token) throw new Error(`login: ${answer.text}`);
    return body.Token.access_token;
  }

  /** GET (or another method) below /xapi/v1/ with the current token. */
  xapi(path: string, options: { method?: string; body?: unknown; token?: string } = {}): Promise<HttpAnswer> {
    // Spaces are written %20 as any HTTP client must; everything else is sent as the test wrote it.
    return call(`${this.url}/xapi/v1/${path.replace(/ /g, '%20')}`, {
      method: options.method,
      headers: {
        authorization: `Bearer ${options.token ?? this.token}`,
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
    });
  }

  async xapiJson<T = { value: Record<string, unknown>[]; '@odata.count'?: number }>(
    path: string,
  ): Promise<T> {
    const answer = await this.xapi(path);
    if (answer.status !== 200) throw new Error(`${path}: ${answer.status} ${answer.text}`);
    return answer.json<T>();
  }

  /** Numbers of the extensions with a registered phone (hot-desking users left out), in directory order. */
  async registeredExtensions(): Promise<string[]> {
    const page = await this.xapiJson(
      "Users?$filter=IsRegistered eq true and not startsWith(Number,'HD')&$select=Number",
    );
    return page.value.map((u) => u.Number as string);
  }

  /** The /sim scripting API. */
  async script<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const answer = await call(`${this.url}/sim/${path}`, {
      method,
      headers: body !== undefined ? { 'content-type': 'application/json' } : {},
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    if (answer.status >= 400) throw new Error(`sim ${method} ${path}: ${answer.status} ${answer.text}`);
    return answer.text ? answer.json<T>() : ({} as T);
  }

  /** The simulator's log of the requests it answered after request number `since`. */
  async requests(since = 0): Promise<SimRequest[]> {
    return (await this.script<{ requests: SimRequest[] }>('GET', `requests?since=${since}`)).requests;
  }

  /**
   * Waits until the simulator has answered `count` more requests matching `path` than before the call: proof that a
   * polling client polled since (and, from the second on, handled the first answer). Faulted requests count too.
   */
  async polled(path: RegExp, count = 2, timeoutMs = 10_000): Promise<void> {
    const since = (await this.requests()).at(-1)?.seq ?? 0;
    await waitUntil(
      `${count} requests matching ${path}`,
      async () => (await this.requests(since)).filter((r) => path.test(r.path)).length >= count,
      timeoutMs,
      100,
    );
  }
}

/** A started simulator in this process plus a client holding a user token. */
export class SimHarness extends SimClient {
  constructor(readonly simulator: Simulator) {
    super(simulator.url);
  }

  static async start(options: SimulatorOptions = {}): Promise<SimHarness> {
    const simulator = new Simulator({ port: 0, autoTick: false, ...options });
    await simulator.start();
    const harness = new SimHarness(simulator);
    // The user login, so that a gateway under test can hold the client token (one active token per client).
    harness.token = await harness.userToken();
    return harness;
  }

  stop(): Promise<void> {
    return this.simulator.stop();
  }
}

/** Every page of a collection, $top=100 and $skip, as a well-behaved client pages. */
export async function allPages(
  harness: SimClient,
  set: string,
  query = '',
): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (let skip = 0; skip < 1_000_000; skip += 100) {
    const page = await harness.xapiJson(`${set}?$top=100&$skip=${skip}${query ? `&${query}` : ''}`);
    rows.push(...page.value);
    if (page.value.length < 100) return rows;
  }
  throw new Error('paging did not end');
}
