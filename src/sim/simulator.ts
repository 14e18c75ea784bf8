// The 3CX V20 simulator: HTTPS with a self-signed certificate, both logins, the xAPI, and the /sim scripting API.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { TokenAuthority, type SimCredentials } from './auth.ts';
import { DEFAULT_CREDENTIALS } from './defaults.ts';
import { CallControl, type CallControlOptions } from './callcontrol/service.ts';
import { CallEngine } from './calls.ts';
import { wallClock, type SimClock } from './clock.ts';
import { BulkCalls } from './bulk-calls.ts';
import { CallHistory } from './call-history.ts';
import type { Fault } from './faults.ts';
import { bearerToken, readBody, safeDecode } from './http-io.ts';
import { connectToken, userLogin } from './logins.ts';
import { createModel } from './model-build.ts';
import { MAX_EXTENSIONS, type PbxModel } from './model.ts';
import { Random } from './random.ts';
import { json } from './reply.ts';
import { RequestLog } from './request-log.ts';
import { Responder } from './responder.ts';
import { handleScript } from './script/routes.ts';
import { selfSignedCertificate } from './tls.ts';
import { TrafficGenerator, type TrafficLevel } from './traffic.ts';
import { handleXapi } from './xapi/routes.ts';

export interface SimulatorOptions {
  port?: number;
  host?: string;
  extensions?: number;
  ringGroups?: number;
  queues?: number;
  trunks?: number;
  traffic?: TrafficLevel;
  seed?: number;
  tokenTtlSeconds?: number;
  credentials?: Partial<SimCredentials>;
  /** A clock the tests control; the wall clock (which /sim/clock can advance) otherwise. */
  clock?: SimClock;
  /** Advance traffic once a second on a timer (off when a test steps it through /sim/traffic). */
  autoTick?: boolean;
  /** Call Control access and monitored DNs (default: on, every extension and queue). */
  callControl?: CallControlOptions;
  /** Connected calls between random extensions and trunks held open from the start (as POST /sim/calls/bulk). */
  heldCalls?: number;
}

export { DEFAULT_CREDENTIALS };

const REQUEST_LOG_LIMIT = 100_000;

export class Simulator {
  readonly model: PbxModel;
  readonly clock: SimClock;
  readonly calls: CallEngine;
  readonly traffic: TrafficGenerator;
  readonly auth: TokenAuthority;
  readonly callControl: CallControl;
  readonly history: CallHistory;
  readonly bulk: BulkCalls;
  readonly requestLog = new RequestLog(REQUEST_LOG_LIMIT);
  readonly fault: { current?: Fault } = {};
  private readonly responder: Responder;
  private server?: Server;
  private timer?: NodeJS.Timeout;
  private readonly sockets = new Set<Socket>();
  url = '';
  /** PEM of the generated certificate, for clients that want to trust it (ca_file). */
  certificate = '';

  constructor(private readonly options: SimulatorOptions = {}) {
    const extensions = options.extensions ?? 20;
    if (!Number.isInteger(extensions) || extensions < 1 || extensions > MAX_EXTENSIONS) {
      throw new RangeError(`extensions must be 1..${MAX_EXTENSIONS}`);
    }
    const seed = options.seed ?? 1;
    this.clock = options.clock ?? wallClock();
    this.model = createModel({
      extensions,
      ringGroups: options.ringGroups ?? 2,
      queues: options.queues ?? 2,
      trunks: options.trunks ?? 2,
      seed,
      fqdn: 'pbx.simulator.local',
    });
    // Separate streams: traffic choices do not shift when the model's size changes the draws before them.
    const trafficRandom = new Random(seed * 7919 + 17);
    this.calls = new CallEngine(this.model, this.clock, trafficRandom);
    this.traffic = new TrafficGenerator(this.model, this.calls, trafficRandom, options.traffic ?? 'none');
    this.auth = new TokenAuthority(
      { ...DEFAULT_CREDENTIALS, ...options.credentials },
      this.model.fqdn,
      options.tokenTtlSeconds ?? 3600,
      this.clock,
    );
    this.history = new CallHistory(this.clock);
    this.calls.observers.push(this.history.observe);
    this.bulk = new BulkCalls(this.model, this.calls, new Random(seed * 31 + 7));
    this.responder = new Responder(this.requestLog, this.clock, this.fault);
    this.callControl = new CallControl(
      { model: this.model, calls: this.calls, traffic: this.traffic, auth: this.auth, clock: this.clock },
      options.callControl,
    );
    if (options.heldCalls) this.bulk.create(options.heldCalls, 'talking');
  }

  async start(): Promise<string> {
    const pems = await selfSignedCertificate(this.model.fqdn);
    this.certificate = pems.cert;
    const server = createServer({ ...pems, keepAliveTimeout: 30_000 }, (req, res) => {
      this.dispatch(req, res).catch((error: unknown) => {
        if (!res.headersSent)
          this.responder.send(req, res, json(500, { error: { code: '500', message: String(error) } }));
      });
    });
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      this.callControl.upgrade(req, socket, head).then(
        (status) => this.responder.record(req, status),
        () => socket.destroy(),
      );
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const address = server.address() as AddressInfo;
    this.url = `https://${this.options.host ?? '127.0.0.1'}:${address.port}`;
    this.callControl.start();
    if (this.options.autoTick ?? true) {
      this.timer = setInterval(() => this.traffic.step(), 1000);
      this.timer.unref();
    }
    return this.url;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.callControl.stop();
    this.responder.releaseHung();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const body = await readBody(req);
    if (body === undefined)
      return this.responder.send(req, res, json(413, { error: 'request body too large' }));
    if (url.pathname.startsWith('/sim/')) {
      let parsed: unknown;
      try {
        parsed = body.length ? JSON.parse(body.toString('utf8')) : {};
      } catch {
        return this.responder.send(req, res, json(400, { error: 'the body is not JSON' }));
      }
      const reply = handleScript(
        this.scriptContext(),
        req.method ?? 'GET',
        url.pathname,
        parsed,
        url.searchParams,
      );
      this.callControl.sockets.checkTokens(); // the script may have moved the clock or revoked tokens
      return this.responder.send(req, res, reply);
    }
    if (this.responder.intercept(req, res)) return;
    if (req.method === 'POST' && url.pathname === '/connect/token') {
      const reply = await connectToken(this.auth, req, body);
      this.callControl.sockets.checkTokens(); // a new token replaces the client's previous one
      return this.responder.send(req, res, reply);
    }
    if (req.method === 'POST' && url.pathname === '/webclient/api/Login/GetAccessToken')
      return this.responder.send(req, res, await userLogin(this.auth, body));
    if (req.method === 'POST' && url.pathname === '/webclient/api/Logout')
      return this.responder.send(req, res, { status: 200, body: '' });
    if (url.pathname.startsWith('/xapi/v1/') || url.pathname.startsWith('/callcontrol')) {
      const token = bearerToken(req);
      const principal = token ? await this.auth.verifyAccess(token) : undefined;
      if (!principal) {
        return this.responder.send(req, res, {
          status: 401,
          headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
          body: '',
        });
      }
      let parsed: unknown;
      if (body.length > 0) {
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          if (url.pathname.startsWith('/callcontrol'))
            return this.responder.send(req, res, { status: 400, body: '' });
          return this.responder.send(
            req,
            res,
            json(400, {
              error: { code: '400', message: 'The request body is not valid JSON.', details: [] },
            }),
          );
        }
      }
      if (url.pathname.startsWith('/callcontrol')) {
        const path = safeDecode(url.pathname.slice('/callcontrol'.length));
        return this.responder.send(
          req,
          res,
          this.callControl.rest(principal, req.method ?? 'GET', path, parsed),
        );
      }
      const reply = handleXapi(
        {
          model: this.model,
          calls: this.calls,
          traffic: this.traffic,
          baseUrl: this.url,
          now: () => this.clock.now(),
        },
        {
          method: req.method ?? 'GET',
          path: safeDecode(url.pathname.slice('/xapi/v1/'.length)),
          params: url.searchParams,
          body: parsed,
        },
      );
      return this.responder.send(req, res, reply);
    }
    return this.responder.send(req, res, {
      status: 404,
      headers: { 'content-type': 'text/html' },
      body: '<html><body>404 Not Found</body></html>',
    });
  }

  private scriptContext() {
    return {
      model: this.model,
      calls: this.calls,
      traffic: this.traffic,
      clock: this.clock,
      auth: this.auth,
      callControl: this.callControl,
      history: this.history,
      bulk: this.bulk,
      requestLog: this.requestLog,
      fault: this.fault,
      onFaultCleared: () => this.responder.releaseHung(),
    };
  }
}
