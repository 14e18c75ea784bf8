// Test helper: Debian's Chromium driven by playwright-core (never a downloaded browser).
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { IN_CI } from './shared.ts';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(t: TestContext): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM)) {
    const reason = 'MISSING chromium (apt-get install chromium): this test needs a real browser';
    if (IN_CI) throw new Error(reason);
    t.skip(reason);
    return undefined;
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    // Without the background-networking flags Chromium tries the internet this machine does not have.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
