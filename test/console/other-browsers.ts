/**
 * The console in the engines besides Chromium: Firefox (Debian's firefox-esr, driven by
 * puppeteer-core over WebDriver BiDi) and WebKit, Safari's engine (WebKitGTK's MiniBrowser under
 * its WebKitWebDriver, driven by selenium-webdriver, on an Xvfb display since WebKitGTK has no
 * headless mode). One small interface over both, so one walk of the pages runs in each.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { freePort } from '../support/free-port.js';
import path from 'node:path';
import type { PuppeteerNode } from 'puppeteer-core';
import { Builder, By, until, type WebDriver } from 'selenium-webdriver';
import type { Teardown } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import { SCREENSHOTS } from './browser.js';

export const FIREFOX = process.env.BATCH_FIREFOX ?? '/usr/bin/firefox-esr';
export const WEBKIT_DRIVER = process.env.BATCH_WEBKIT_DRIVER ?? '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const XVFB = '/usr/bin/Xvfb';

// puppeteer-core's CommonJS build: its ES build imports chromium-bidi through an `exports` pattern
// that tap's ESM resolve hook resolved to a file that does not exist (`BidiMapper.js.js`) in a
// full `make test` run, though never when the file ran alone. require() goes through no hook.
const puppeteer = createRequire(import.meta.url)('puppeteer-core') as PuppeteerNode;

/** What a walk of the console needs from a browser. */
export interface ConsoleDriver {
  name: string;
  /** Loads a console path from scratch, as a typed URL or a bookmark does. */
  open(consolePath: string): Promise<void>;
  waitFor(selector: string): Promise<void>;
  count(selector: string): Promise<number>;
  text(selector: string): Promise<string>;
  click(selector: string): Promise<void>;
  fill(selector: string, value: string): Promise<void>;
  /** The URLs of every resource the page loaded (fonts, scripts, styles, API calls). */
  resources(): Promise<string[]>;
  /** Uncaught errors and CSP violations the engine reported (Firefox only; see the test). */
  problems: string[];
  screenshot(name: string): Promise<void>;
}

const RESOURCES = () => performance.getEntriesByType('resource').map((entry) => entry.name);

/** Why Firefox cannot be driven here, or undefined when it can. */
export function firefoxUnavailable(): string | undefined {
  return existsSync(FIREFOX) ? undefined : `firefox-esr is not installed (${FIREFOX}): apt-get install firefox-esr`;
}

/** Why WebKit cannot be driven here, or undefined when it can. */
export function webkitUnavailable(): string | undefined {
  if (!existsSync(WEBKIT_DRIVER) || !existsSync(MINIBROWSER))
    return `WebKitGTK's driver is not installed (${WEBKIT_DRIVER}): apt-get install webkit2gtk-driver`;
  if (!existsSync(XVFB)) return `Xvfb is not installed (${XVFB}): apt-get install xvfb`;
  return undefined;
}

export async function firefoxDriver(t: Teardown, baseUrl: string): Promise<ConsoleDriver> {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    defaultViewport: { width: 1280, height: 800 },
  });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  page.setDefaultTimeout(60_000);
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`uncaught: ${String(error)}`));
  page.on('console', (message) => {
    if (/Content[- ]Security[- ]Policy/i.test(message.text())) problems.push(`csp: ${message.text()}`);
  });
  return {
    name: 'firefox',
    problems,
    open: async (consolePath) => {
      await page.goto(new URL(consolePath, baseUrl).href);
    },
    waitFor: async (selector) => {
      await page.waitForSelector(selector);
    },
    count: async (selector) => (await page.$$(selector)).length,
    text: (selector) => page.$eval(selector, (element) => element.textContent),
    click: (selector) => page.click(selector),
    fill: async (selector, value) => {
      await page.type(selector, value);
    },
    resources: () => page.evaluate(RESOURCES),
    screenshot: async (name) => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
    },
  };
}

export async function webkitDriver(t: Teardown, baseUrl: string): Promise<ConsoleDriver> {
  const display = await startXvfb(t);
  const port = await freePort();
  const driverProcess = spawn(WEBKIT_DRIVER, [`--port=${port}`], {
    env: { ...process.env, DISPLAY: display },
    stdio: 'ignore',
  });
  t.teardown(() => stop(driverProcess));
  const server = `http://127.0.0.1:${port}`;
  await waitFor(
    'WebKitWebDriver to answer',
    () =>
      fetch(`${server}/status`).then(
        (r) => r.ok,
        () => false,
      ),
    {
      timeoutMs: 30_000,
      intervalMs: 100,
    },
  );
  const driver: WebDriver = await new Builder()
    .usingServer(server)
    .withCapabilities({
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
    })
    .build();
  t.teardown(() => driver.quit());
  await driver.manage().window().setRect({ width: 1280, height: 800 });
  const find = (selector: string) => driver.wait(until.elementLocated(By.css(selector)), 60_000);
  return {
    name: 'webkit',
    problems: [],
    open: async (consolePath) => {
      await driver.get(new URL(consolePath, baseUrl).href);
    },
    waitFor: async (selector) => {
      await find(selector);
    },
    count: async (selector) => (await driver.findElements(By.css(selector))).length,
    text: async (selector) => (await (await find(selector)).getText()) || '',
    click: async (selector) => {
      await (await find(selector)).click();
    },
    fill: async (selector, value) => {
      await (await find(selector)).sendKeys(value);
    },
    resources: () => driver.executeScript<string[]>(RESOURCES),
    screenshot: async (name) => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      writeFileSync(path.join(SCREENSHOTS, `${name}.png`), await driver.takeScreenshot(), 'base64');
    },
  };
}

/** An X display of its own (Xvfb picks a free number and tells it on a pipe). */
async function startXvfb(t: Teardown): Promise<string> {
  const xvfb = spawn(XVFB, ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
  });
  t.teardown(() => stop(xvfb));
  const number = await new Promise<string>((resolve, reject) => {
    let out = '';
    xvfb.stdio[3]!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}`)));
  });
  return `:${number}`;
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
