// The HTTP server: dashboard, JSON API, live events, recordings, health, metrics and the 3CX webhook.
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { apiState } from './api-state.ts';
import { foreignHostReason, presentedToken, sameSecret, securityHeaders, sendJson } from './http.ts';
import { createMetrics } from './metrics.ts';
import type { WebPorts } from './ports.ts';
import { EventStream } from './sse.ts';
import { PatchBuffer } from './state-patch.ts';
import { handleWebhook } from './webhook.ts';

const ASSETS: Record<string, string> = {
  '/': 'index.html',
  '/app.js': 'app.js',
  '/style.css': 'style.css',
};
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};
// Assets live in web/ at the package root: two levels up from both src/web and dist/web.
const ASSET_DIR = new URL('../../web/', import.meta.url);
const STATE_THROTTLE_MS = 250;
/**
 * Slow clients (slowloris) are ended by the server: headers within 10 s, the whole request within 15 s (a webhook
 * body is at most 64 KB), checked every second. Node's defaults (60 s, 300 s, checked every 30 s) hold a socket for
 * minutes. Answers are not bounded: an SSE stream or a recording may take as long as it takes.
 */
const TIMEOUTS = { headersTimeout: 10_000, requestTimeout: 15_000, connectionsCheckingInterval: 1000 };

export class WebServer {
  private server?: Server;
  private readonly events = new EventStream();
  private readonly metrics;
  private stateTimer?: NodeJS.Timeout;
  private readonly patches = new PatchBuffer();
  private stopping = false;
  url = '';

  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly ports: WebPorts,
    private readonly config: Config,
    private readonly log: Logger,
  ) {
    this.metrics = createMetrics(ports);
  }

  private state(): Record<string, unknown> {
    return apiState(this.ports.published, this.ports.health());
  }

  /** Changes to the dashboards, merged by entity, at most four times a second; nothing while nothing changes. */
  private scheduleState(): void {
    if (this.events.size === 0) {
      this.patches.clear(); // a dashboard that connects later starts from a full state
      return;
    }
    if (this.stateTimer) return;
    this.stateTimer = setTimeout(() => {
      this.stateTimer = undefined;
      const patch = this.patches.take();
      if (patch) this.events.send('patch', patch);
    }, STATE_THROTTLE_MS);
  }

  async start(): Promise<string> {
    const { bus } = this.ports;
    this.unsubscribe.push(
      this.metrics.observe(),
      bus.on('state', (change) => {
        this.patches.add(change);
        this.scheduleState();
      }),
      bus.on('pbxHealth', (health) => {
        this.patches.availability(health.reachable);
        this.scheduleState();
      }),
      bus.on('mqttConnection', ({ connected }) => {
        this.patches.mqtt(connected);
        this.scheduleState();
      }),
      bus.on('call', (event) => this.events.send('call', event)),
    );
    const [host, portText] = splitListen(this.config.web.listen);
    this.server = createServer(TIMEOUTS, (req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.log.error(
          { err: error instanceof Error ? error.message : String(error), path: req.url?.split('?')[0] },
          'HTTP handler failed',
        );
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(Number(portText), host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    this.log.info({ url: this.url }, 'dashboard and API listening');
    return this.url;
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const off of this.unsubscribe.splice(0)) off();
    clearTimeout(this.stateTimer);
    this.events.close();
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Keep-alive sockets (a browser's EventSource reconnecting over one) would hold close() open forever.
    server.closeAllConnections();
    await closed;
  }

  private authorized(req: IncomingMessage, url: URL): boolean {
    const token = this.config.web.auth_token;
    return token === null || sameSecret(presentedToken(req, url), token);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const headers = securityHeaders(this.config.web.frame_ancestors);
    if (this.stopping) return sendJson(res, 503, { error: 'stopping' }, { ...headers, connection: 'close' });
    const path = url.pathname;

    if (path.startsWith('/webhook/3cx'))
      return handleWebhook(req, res, url, this.ports, this.config, headers);
    const foreignHost = foreignHostReason(req.headers.host, this.config.web);
    if (foreignHost) return sendJson(res, 421, { error: foreignHost }, headers);
    const open =
      this.config.web.open_metrics && (path === '/healthz' || path === '/readyz' || path === '/metrics');
    if (!open && !this.authorized(req, url)) {
      return sendJson(
        res,
        401,
        { error: 'a valid web.auth_token is required (Bearer header, cookie or ?token=)' },
        { ...headers, 'www-authenticate': 'Bearer' },
      );
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendJson(res, 405, { error: 'method not allowed' }, headers);

    const asset = ASSETS[path];
    if (asset) {
      const body = await readFile(new URL(asset, ASSET_DIR));
      const extra: Record<string, string> = {};
      // A token given once in the URL (an iframe card) becomes a cookie for the page's own requests; only the right
      // one: a link from another site must not replace a signed-in cookie with its own (a forced sign-out).
      const given = url.searchParams.get('token');
      const token = this.config.web.auth_token;
      if (path === '/' && given && token && sameSecret(given, token))
        extra['set-cookie'] = `3cx2mqtt_token=${encodeURIComponent(given)}; Path=/; HttpOnly; SameSite=Lax`;
      res.writeHead(200, {
        ...headers,
        ...extra,
        'content-type': TYPES[asset.split('.').pop()!]!,
        'content-length': body.length,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    switch (path) {
      case '/api/state':
        return sendJson(res, 200, this.state(), headers);
      case '/api/events':
        return this.events.add(res, headers, this.state());
      case '/api/calls':
        return this.calls(res, url, headers);
      case '/healthz':
        return this.healthz(res, headers);
      case '/readyz': {
        const health = this.ports.health();
        const pbx = health.pbxReachable === true;
        return sendJson(
          res,
          pbx && health.mqttConnected ? 200 : 503,
          {
            pbx: pbx ? 'up' : 'down',
            mqtt: health.mqttConnected ? 'up' : 'down',
            // Availability means "the PBX answers": a failing calls poll beside answering polls shows here.
            calls: !pbx ? 'down' : health.callsDegraded ? 'degraded' : 'ok',
          },
          headers,
        );
      }
      case '/metrics': {
        const text = await this.metrics.registry.metrics();
        res.writeHead(200, { ...headers, 'content-type': this.metrics.registry.contentType });
        res.end(text);
        return;
      }
    }
    const recording = /^\/api\/recordings\/(\d{1,10})$/.exec(path);
    if (recording) return this.recording(res, Number(recording[1]), headers);
    sendJson(res, 404, { error: 'not found' }, headers);
  }

  private healthz(res: ServerResponse, headers: Record<string, string>): void {
    const { polling } = this.config;
    const health = this.ports.health();
    // Liveness: the poll loops still run (a stuck loop would stop updating lastPollAt).
    const stale =
      Date.now() - health.lastPollAt > Math.max(polling.calls, polling.presence, polling.trunks) * 3 + 60_000;
    const down = [
      ...(stale ? ['poll loops'] : []),
      ...(health.pbxReachable === true ? [] : ['pbx']),
      ...(health.mqttConnected ? [] : ['mqtt']),
    ];
    sendJson(
      res,
      stale ? 503 : 200,
      {
        status: stale ? 'stuck' : 'ok',
        down,
        last_poll_at: health.lastPollAt ? new Date(health.lastPollAt).toISOString() : null,
      },
      headers,
    );
  }

  private calls(res: ServerResponse, url: URL, headers: Record<string, string>): void {
    const from = url.searchParams.get('from');
    const to = url.searchParams.get('to');
    const limitText = url.searchParams.get('limit') ?? '50';
    const offsetText = url.searchParams.get('offset') ?? '0';
    const missed = url.searchParams.get('missed');
    const bad = (reason: string) => sendJson(res, 400, { error: reason }, headers);
    for (const [name, value] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (value !== null && Number.isNaN(Date.parse(value)))
        return bad(`${name} must be an ISO 8601 date or date-time`);
    }
    if (!/^\d{1,4}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 1000)
      return bad('limit must be 1 to 1000');
    if (!/^\d{1,7}$/.test(offsetText)) return bad('offset must be a whole number');
    if (missed !== null && missed !== 'true' && missed !== 'false')
      return bad('missed must be true or false');
    const calls = this.ports.history({
      ...(from ? { from: new Date(from).toISOString() } : {}),
      ...(to ? { to: new Date(to).toISOString() } : {}),
      missed: missed === 'true',
      limit: Number(limitText),
      offset: Number(offsetText),
    });
    sendJson(res, 200, { calls }, headers);
  }

  private async recording(res: ServerResponse, id: number, headers: Record<string, string>): Promise<void> {
    const answer = await this.ports.recording(id);
    if ('unreachable' in answer)
      return sendJson(res, 502, { error: `the PBX could not be reached: ${answer.unreachable}` }, headers);
    if (answer.status !== 200) {
      for await (const _chunk of answer.body) {
        // drain
      }
      return sendJson(
        res,
        answer.status === 400 || answer.status === 404 ? 404 : 502,
        { error: `the PBX answered ${answer.status}` },
        headers,
      );
    }
    res.writeHead(200, {
      ...headers,
      'content-type': 'audio/wav',
      'content-disposition': `inline; filename="recording-${id}.wav"`,
    });
    for await (const chunk of answer.body) res.write(chunk);
    res.end();
  }
}

function splitListen(listen: string): [string, string] {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(listen);
  return match ? [match[1]!, match[2]!] : ['127.0.0.1', '8080'];
}
