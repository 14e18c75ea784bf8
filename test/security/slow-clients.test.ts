// Slow clients (slowloris): 20 sockets that send their headers a byte at a time and 5 that trickle a body never
// starve the server, and the server itself ends them (header and request timeouts), instead of holding them open
// for minutes (Node's defaults: 60 s for headers, 300 s for a request, checked every 30 s).
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it, type TestContext } from 'node:test';
import { gatewayConfig, startGateway, startWeb, type GatewayHarness } from '../helpers/gateway.ts';
import { SimHarness } from '../helpers/pbx-http.ts';
import { rawHttp } from '../helpers/raw-http.ts';
import { waitUntil } from '../helpers/wait.ts';

const HOOK = 'hook-token-slow';
const NO_BROKER = 'mqtt://127.0.0.1:1';
/** What the server promises (src/web/server.ts): headers within 10 s, a whole request within 15 s. */
const HEADERS_LIMIT_MS = 10_000;
const REQUEST_LIMIT_MS = 15_000;
/** Node checks the timeouts on a timer: the server sets it to 1 s; allow that and a little scheduling. */
const SLACK_MS = 2500;

interface Slow {
  socket: Socket;
  openedAt: number;
  closedAt?: number;
  timer?: NodeJS.Timeout;
}

/** A socket that sends `head` and then `trickle` one byte a second, forever (until the server or the test ends it). */
function slowSocket(port: number, head: string, trickle: string): Slow {
  const socket = connect({ port, host: '127.0.0.1' });
  const slow: Slow = { socket, openedAt: Date.now() };
  let sent = 0;
  socket.on('connect', () => {
    socket.write(head);
    slow.timer = setInterval(() => {
      if (socket.destroyed || socket.writableEnded) return;
      socket.write(trickle[sent++ % trickle.length]!);
    }, 1000);
  });
  socket.on('data', () => {});
  socket.on('error', () => {});
  socket.on('close', () => {
    slow.closedAt = Date.now();
    clearInterval(slow.timer);
  });
  return slow;
}

describe('slow clients (slowloris)', () => {
  let sim: SimHarness;
  let gw: GatewayHarness;
  let port = 0;
  const sockets: Slow[] = [];

  before(async () => {
    sim = await SimHarness.start({ extensions: 2 });
    gw = startGateway(gatewayConfig(sim, NO_BROKER, { web: { listen: '127.0.0.1:0', webhook_token: HOOK } }));
    port = Number(new URL(await startWeb(gw)).port);
  });
  after(async () => {
    for (const slow of sockets) {
      clearInterval(slow.timer);
      slow.socket.destroy();
    }
    await gw?.stop();
    await sim?.stop();
  });

  it('20 slow header senders and 5 slow bodies: others are served meanwhile, and the server ends the slow ones', async (t: TestContext) => {
    for (let i = 0; i < 20; i++)
      sockets.push(slowSocket(port, `GET /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\n`, `X-Slow-${i}: abcdef`));
    const bodies: Slow[] = [];
    for (let i = 0; i < 5; i++) {
      const slow = slowSocket(
        port,
        `POST /webhook/3cx?token=${HOOK} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
          'content-type: application/json\r\ncontent-length: 1000\r\n\r\n{"CallType":"',
        'x',
      );
      bodies.push(slow);
      sockets.push(slow);
    }
    await waitUntil('the slow sockets to connect', () => sockets.every((s) => s.timer), 5000);

    // While they hang on, everyone else is served at once.
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = Date.now();
      const answer = await rawHttp(port, { path: '/api/state', timeoutMs: 5000 });
      assert.equal(answer.status, 200, `request ${i} while 25 slow sockets are open: ${answer.ended}`);
      latencies.push(Date.now() - started);
    }
    // Starved would be the slow sockets' 10 s; a loaded test machine may take a second or two.
    assert.ok(Math.max(...latencies) < 3000, `latencies ${latencies.join(', ')} ms`);
    t.diagnostic(`20 requests beside 25 slow sockets: at most ${Math.max(...latencies)} ms`);

    const headerSenders = sockets.filter((s) => !bodies.includes(s));
    await waitUntil(
      'the server to end every slow header sender',
      () => headerSenders.every((s) => s.closedAt !== undefined),
      HEADERS_LIMIT_MS + SLACK_MS,
      100,
    ).catch(() => {
      const open = headerSenders.filter((s) => s.closedAt === undefined).length;
      throw new Error(`${open} of 20 slow header senders still open after ${HEADERS_LIMIT_MS + SLACK_MS} ms`);
    });
    await waitUntil(
      'the server to end every slow body',
      () => bodies.every((s) => s.closedAt !== undefined),
      REQUEST_LIMIT_MS + SLACK_MS,
      100,
    ).catch(() => {
      const open = bodies.filter((s) => s.closedAt === undefined).length;
      throw new Error(`${open} of 5 slow bodies still open after ${REQUEST_LIMIT_MS + SLACK_MS} ms`);
    });
    for (const slow of headerSenders)
      assert.ok(slow.closedAt! - slow.openedAt >= HEADERS_LIMIT_MS - 1000, 'not ended before the limit');
    const answer = await rawHttp(port, { path: '/api/state', timeoutMs: 2000 });
    assert.equal(answer.status, 200, 'still serving afterwards');
  });
});
