import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Where end-to-end runs leave their screenshots (git-ignored). */
export const SCREENSHOT_DIR = path.join(ROOT, 'test-results', 'e2e');

/** Debian's Chromium, headless, driven by Playwright (no browser download). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
  });
}

/** Saves a full-page screenshot under SCREENSHOT_DIR. */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** The video element's playback position. */
export const currentTime = (page: Page): Promise<number> => page.$eval('#video', (v) => (v as HTMLVideoElement).currentTime);

/** Opens an item's watch page, buys it through the demo checkout and waits to be back on the watch page. */
export async function buyOnWatchPage(page: Page, baseUrl: string, itemId: string): Promise<void> {
  await page.goto(`${baseUrl}/watch/${itemId}`);
  await page.click('#buy');
  await page.waitForURL(/\/demo-checkout\//);
  await page.click('text=Complete demo purchase');
  await page.waitForURL(new RegExp(`/watch/${itemId}`));
}
