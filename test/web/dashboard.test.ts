/// <reference lib="dom" />
// The dashboard in real headless Chromium: content, live updates without reload, escaping, the lost-gateway banner.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, withoutChromium } from '../helpers/browser.ts';
import { gatewayConfig, startGateway, startWeb, type GatewayHarness } from '../helpers/gateway.ts';
import { startBroker, type TestBroker } from '../helpers/mosquitto.ts';
import { SimHarness } from '../helpers/pbx-http.ts';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);

describe('dashboard in Chromium', { skip: withoutChromium() }, () => {
  let broker: TestBroker | undefined;
  let browser: Browser | undefined;
  let sim: SimHarness;
  let gw: GatewayHarness;
  let page: Page;
  let base = '';
  let extensions: string[] = [];
  const dialogs: string[] = [];

  before(async () => {
    broker = await startBroker();
    browser = await launchChromium();
    sim = await SimHarness.start({ extensions: 12, ringGroups: 2, queues: 2, trunks: 2 });
    extensions = (await sim.script<{ extensions: string[] }>('GET', 'state')).extensions;
    if (!broker || !browser) return;
    gw = startGateway(
      gatewayConfig(sim, broker.url, {
        polling: { calls: '200ms', presence: '500ms', trunks: '500ms' },
        web: { listen: '127.0.0.1:0' },
      }),
    );
    base = await startWeb(gw);
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(`${base}/`);
    await page.evaluate(() => ((window as unknown as { loadedOnce: boolean }).loadedOnce = true));
  });
  after(async () => {
    await browser?.close();
    await gw?.stop();
    await sim?.stop();
    await broker?.stop();
  });

  it("shows the simulator's extensions and queues", async (t: TestContext) => {
    if (!browser) return t.skip();
    await page.waitForFunction(
      (n) => document.querySelectorAll('#extensions li').length === n,
      extensions.length,
      { timeout: 10_000 },
    );
    const numbers = await page.$$eval('#extensions li', (items) =>
      items.map((li) => li.getAttribute('data-number')),
    );
    assert.deepEqual(numbers, extensions);
    const queues = await page.$$eval('#queues h3', (items) => items.map((h) => h.textContent));
    assert.equal(queues.length, 2);
    assert.match(queues[0]!, /^9\d\d /);
  });

  it('shows a new call as an active-call card within 2 s, then moves it to the recent list, without a reload', async (t: TestContext) => {
    if (!browser) return t.skip();
    const latencies: number[] = [];
    for (let round = 0; round < 3; round++) {
      const started = Date.now();
      const call = await sim.script<{ id: number }>('POST', 'calls', {
        from: `+49301112${round}`,
        to: extensions[round]!,
        trunk: '10001',
      });
      await sim.script('POST', `calls/${call.id}/ring`);
      await page.waitForFunction(
        () => document.querySelectorAll('#active-calls li').length === 1,
        undefined,
        { timeout: 2000 },
      );
      latencies.push(Date.now() - started);
      const card = await page.textContent('#active-calls li h3');
      assert.match(card!, new RegExp(`\\+49301112${round}`));
      await sim.script('POST', `calls/${call.id}/hangup`);
      await page.waitForFunction(
        (n) => document.querySelectorAll('#recent-calls tr').length === n,
        round + 1,
        { timeout: 5000 },
      );
      await page.waitForFunction(
        () => document.querySelectorAll('#active-calls li').length === 0,
        undefined,
        { timeout: 5000 },
      );
    }
    t.diagnostic(`simulator event to DOM: ${latencies.join(', ')} ms`);
    assert.equal(
      await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce),
      true,
      'the page was not reloaded',
    );
    const outcome = await page.textContent('#recent-calls tr td.outcome-missed');
    assert.equal(outcome, 'missed');
  });

  it('renders a hostile display name as text; no script runs', async (t: TestContext) => {
    if (!browser) return t.skip();
    const hostile = '<img src=x onerror=alert(1)>';
    await sim.script('PATCH', `extensions/${extensions[4]!}`, { first_name: hostile });
    await page.waitForFunction(
      (n) => document.querySelector(`#extensions li[data-number="${n}"] b`)?.textContent?.includes('<img'),
      extensions[4]!,
      { timeout: 10_000 },
    );
    assert.equal(await page.locator('#extensions img').count(), 0);
    assert.deepEqual(dialogs, []);
  });

  it('saves screenshots at phone and desktop widths', async (t: TestContext) => {
    if (!browser) return t.skip();
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL('dashboard-desktop.png', ARTIFACTS).pathname, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: new URL('dashboard-phone.png', ARTIFACTS).pathname, fullPage: true });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 0, `no horizontal scrolling on a phone (${overflow} px)`);
  });

  it('shows the banner when the PBX is lost, and when the gateway stops', async (t: TestContext) => {
    if (!browser) return t.skip();
    await sim.script('POST', 'fault', { mode: '503' });
    await page.waitForSelector('#banner:not([hidden])', { timeout: 10_000 });
    assert.match((await page.textContent('#banner'))!, /cannot reach the PBX/);
    await sim.script('DELETE', 'fault');
    await page.waitForSelector('#banner[hidden]', { state: 'attached', timeout: 10_000 });
    await gw.web!.stop();
    await page.waitForSelector('#banner:not([hidden])', { timeout: 10_000 });
    assert.match((await page.textContent('#banner'))!, /Connection to the gateway lost/);
  });
});
