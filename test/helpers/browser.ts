/**
 * Debian's chromium driven by playwright-core (no browser download: `executablePath: /usr/bin/chromium`),
 * headless with a fresh profile. A missing browser fails with the command that installs it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots for a person to look at (ignored by git). */
export const TEST_OUTPUT = path.resolve(__dirname, '..', '..', 'test-output');

export interface BrowserSession { browser: Browser; context: BrowserContext; close(): Promise<void> }

export async function openBrowser(opts: { width?: number; height?: number } = {}): Promise<BrowserSession> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found. Install it with: apt-get install -y chromium (or run bash scripts/setup.sh)`);
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 } });
  fs.mkdirSync(TEST_OUTPUT, { recursive: true });
  return {
    browser, context,
    async close() {
      // launch() gives every browser a fresh temporary profile of its own (removed on close).
      await browser.close().catch(() => undefined);
    },
  };
}
