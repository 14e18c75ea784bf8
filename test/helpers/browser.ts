// Test helper: Debian's Chromium driven by playwright-core (never a downloaded browser).
import type { TestContext } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { componentPath, skipWithout } from './components.ts';

/** For `describe(…, { skip: withoutChromium })`: the reason to skip, undefined when Chromium is there (CI: throws). */
export const withoutChromium = (): string | undefined =>
  skipWithout(['chromium'], 'skipped: the browser tests need a real Chromium');

/** Chromium, or undefined when it is not installed (the argument is ignored: callers of the old signature pass one). */
export async function launchChromium(_unused?: TestContext): Promise<Browser | undefined> {
  const executablePath = componentPath('chromium');
  if (!executablePath) return undefined;
  return chromium.launch({
    executablePath,
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
