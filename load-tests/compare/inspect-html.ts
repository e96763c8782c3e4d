// Opens the rendered report in headless Chromium and says what a reader would
// get: which strategies and charts are in the DOM, whether anything errored,
// and whether the page tried to reach the network (it must open offline).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';

export interface ReportInspection {
  /** Distinct `data-strategy` values in the DOM, in document order. */
  strategies: string[];
  /** Distinct `data-chart` values in the DOM, in document order. */
  charts: string[];
  /** Console messages of type error, and uncaught page errors (prefixed `pageerror:`). */
  consoleErrors: string[];
  /** Requests to anything but file:, data: and about:, and requests that failed. */
  failedRequests: string[];
  svgCount: number;
}

const debianChromium = '/usr/bin/chromium';
export const installHint = 'run `npm run stack:up` (installs it as root), or `sudo apt-get install chromium`, or set CHROMIUM_PATH';

/** CHROMIUM_PATH, else Debian's /usr/bin/chromium if installed. */
export function chromiumPath(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return existsSync(debianChromium) ? debianChromium : undefined;
}

// Only what the check needs: no GPU, no QUIC, and none of Chromium's own
// background traffic (updates, sync, first-run pings) that would show up as
// requests the report did not make.
const launchArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
// 30 s: Chromium starts in ~1 s and the page has nothing to load; this only stops a hung browser.
const timeoutMs = 30_000;
const offlineSchemes = ['file:', 'data:', 'about:'];

/** `[...new Set(values of attribute)]`, as a string so it runs in the page without DOM types here. */
const distinctAttribute = (name: string): string =>
  `[...new Set(Array.from(document.querySelectorAll('[${name}]'), (e) => e.getAttribute('${name}')))]`;

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

async function inspectPage(context: BrowserContext, url: string): Promise<ReportInspection> {
  const consoleErrors: string[] = [];
  const failedRequests: string[] = [];
  context.on('request', (request) => {
    if (!offlineSchemes.some((scheme) => request.url().startsWith(scheme))) failedRequests.push(request.url());
  });
  context.on('requestfailed', (request) => failedRequests.push(`${request.url()} (${request.failure()?.errorText ?? 'failed'})`));
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(timeoutMs);
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
  await page.goto(url, { waitUntil: 'load', timeout: timeoutMs });
  const strategies: unknown = await page.evaluate(distinctAttribute('data-strategy'));
  const charts: unknown = await page.evaluate(distinctAttribute('data-chart'));
  const svgCount = await page.locator('svg').count();
  if (!isStringArray(strategies) || !isStringArray(charts)) throw new Error('unexpected data-* values read from the page');
  return { strategies, charts, consoleErrors, failedRequests, svgCount };
}

export async function inspectReportHtml(htmlPath: string): Promise<ReportInspection> {
  const executablePath = chromiumPath();
  if (executablePath === undefined || !existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath ?? debianChromium}: ${installHint}`);
  }
  // A fresh empty profile each time: no cache, cookies or extensions from an earlier run.
  const userDataDir = await mkdtemp(join(tmpdir(), 'report-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: launchArgs,
      timeout: timeoutMs,
      offline: true,
    });
    try {
      return await inspectPage(context, pathToFileURL(htmlPath).href);
    } finally {
      await context.close();
    }
  } finally {
    await rm(userDataDir, { recursive: true, force: true });
  }
}
