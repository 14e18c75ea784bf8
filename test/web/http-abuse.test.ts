// Hostile HTTP input to the running web server: malformed cookies, oversized chunked bodies, foreign Host headers.
// Every one is answered 4xx with a reason (or served as usual), never 500, never a reset connection.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gatewayConfig, startGateway, startWeb, type GatewayHarness } from '../helpers/gateway.ts';
import { SimHarness } from '../helpers/pbx-http.ts';
import { rawHttp } from '../helpers/raw-http.ts';

const AUTH = 'dash-token-abuse';
const HOOK = 'hook-token-abuse';
const BAD_COOKIE = '3cx2mqtt_token=%E0%A4%A';
// No broker: the web server answers without one.
const NO_BROKER = 'mqtt://127.0.0.1:1';

describe('HTTP abuse', () => {
  let sim: SimHarness;
  let gw: GatewayHarness;
  let base = '';
  let port = 0;

  before(async () => {
    sim = await SimHarness.start({ extensions: 2 });
    gw = startGateway(
      gatewayConfig(sim, NO_BROKER, {
        web: { listen: '127.0.0.1:0', auth_token: AUTH, webhook_token: HOOK },
      }),
    );
    base = await startWeb(gw);
    port = Number(new URL(base).port);
  });
  after(async () => {
    await gw?.stop();
    await sim?.stop();
  });

  describe('a malformed cookie (issue 16 #5)', () => {
    it('counts as no cookie on the dashboard and the API: 401, not 500', async () => {
      for (const path of ['/', '/api/state', '/api/calls']) {
        const answer = await rawHttp(port, { path, headers: { cookie: BAD_COOKIE } });
        assert.equal(answer.status, 401, `${path}: ${answer.text}`);
        assert.match(answer.text, /auth_token is required/);
      }
    });

    it('does not hide a valid token given another way', async () => {
      const bearer = await rawHttp(port, {
        path: '/api/state',
        headers: { cookie: BAD_COOKIE, authorization: `Bearer ${AUTH}` },
      });
      assert.equal(bearer.status, 200);
      const query = await rawHttp(port, {
        path: `/api/state?token=${AUTH}`,
        headers: { cookie: BAD_COOKIE },
      });
      assert.equal(query.status, 200, query.text);
      const second = await rawHttp(port, {
        path: '/api/state',
        headers: { cookie: `${BAD_COOKIE}; 3cx2mqtt_token=${AUTH}` },
      });
      assert.equal(second.status, 200, 'the well-formed cookie after it counts');
    });

    it('does not break the webhook routes', async () => {
      const lookup = await rawHttp(port, {
        path: `/webhook/3cx/lookup?number=200&token=${HOOK}`,
        headers: { cookie: BAD_COOKIE },
      });
      assert.equal(lookup.status, 200, lookup.text);
      const post = await rawHttp(port, {
        method: 'POST',
        path: `/webhook/3cx/event?token=${HOOK}`,
        headers: { cookie: BAD_COOKIE, 'content-type': 'application/json' },
        body: '{"event":"ringing","number":"200"}',
      });
      assert.equal(post.status, 202, post.text);
      const refused = await rawHttp(port, {
        path: '/webhook/3cx/lookup?number=200',
        headers: { cookie: BAD_COOKIE },
      });
      assert.equal(refused.status, 401);
    });
  });

  describe('a webhook body over 64 KB (issue 16 #6)', () => {
    const big = JSON.stringify({ CallType: 'Missed', Number: '200', Name: 'x'.repeat(100 * 1024) });

    it('is answered 413 with the reason when sent chunked, and the connection closes cleanly', async () => {
      for (const chunkSize of [16 * 1024, 1000]) {
        const answer = await rawHttp(port, {
          method: 'POST',
          path: `/webhook/3cx?token=${HOOK}`,
          headers: { 'content-type': 'application/json' },
          body: big,
          chunkSize,
        });
        assert.deepEqual(
          [answer.status, answer.ended],
          [413, 'closed'],
          `chunks of ${chunkSize}: ${answer.text}`,
        );
        assert.match(answer.text, /larger than 64 KB/);
      }
    });

    it('is answered 413 with Content-Length too', async () => {
      const answer = await rawHttp(port, {
        method: 'POST',
        path: `/webhook/3cx?token=${HOOK}`,
        headers: { 'content-type': 'application/json' },
        body: big,
      });
      assert.deepEqual([answer.status, answer.ended], [413, 'closed']);
    });

    it('does not read a huge body to its end, and keeps serving', async () => {
      const started = Date.now();
      const answer = await rawHttp(port, {
        method: 'POST',
        path: `/webhook/3cx/event?token=${HOOK}`,
        headers: { 'content-type': 'application/json' },
        body: Buffer.alloc(8 * 1024 * 1024, 'a'),
        chunkSize: 64 * 1024,
      });
      // Past the bound the server answers and closes; the client may see the 413 or only the closed connection.
      assert.ok(answer.status === 413 || answer.status === 0, `status ${answer.status}`);
      assert.notEqual(answer.ended, 'timeout');
      assert.ok(Date.now() - started < 10_000);
      const next = await rawHttp(port, { path: '/healthz' });
      assert.equal(next.status, 200);
    });
  });

  describe('a foreign Host header without web.auth_token (DNS rebinding)', () => {
    let open: GatewayHarness;
    let openPort = 0;
    before(async () => {
      open = startGateway(
        gatewayConfig(sim, NO_BROKER, {
          web: { listen: '127.0.0.1:0', public_url: 'https://gateway.example.test/3cx', webhook_token: HOOK },
        }),
      );
      openPort = Number(new URL(await startWeb(open)).port);
    });
    after(() => open?.stop());

    it('is refused with 421 and the way out, on every route a page could read', async () => {
      for (const path of ['/', '/api/state', '/api/calls', '/api/events', '/healthz', '/metrics']) {
        const answer = await rawHttp(openPort, {
          path,
          headers: { host: `rebind.attacker.test:${openPort}` },
        });
        assert.equal(answer.status, 421, `${path}: ${answer.status} ${answer.text}`);
        assert.match(answer.text, /rebind\.attacker\.test.*web\.public_url.*web\.auth_token/);
      }
    });

    it('serves loopback names, IP addresses and the host of web.public_url', async () => {
      for (const host of [
        `localhost:${openPort}`,
        'LOCALHOST',
        `127.0.0.1:${openPort}`,
        `[::1]:${openPort}`,
        '192.168.1.20:8080',
        'gateway.example.test',
        'Gateway.Example.Test.:443',
      ]) {
        const answer = await rawHttp(openPort, { path: '/api/state', headers: { host } });
        assert.equal(answer.status, 200, `${host}: ${answer.text}`);
      }
    });

    it('leaves the token-protected webhook to its token', async () => {
      const answer = await rawHttp(openPort, {
        path: `/webhook/3cx/lookup?number=200&token=${HOOK}`,
        headers: { host: 'pbx-facing-name.test' },
      });
      assert.equal(answer.status, 200, answer.text);
    });

    it('is no concern once web.auth_token is set: the token protects the API', async () => {
      const answer = await rawHttp(port, {
        path: '/api/state',
        headers: { host: 'rebind.attacker.test', authorization: `Bearer ${AUTH}` },
      });
      assert.equal(answer.status, 200, answer.text);
    });
  });
});
