// Loads the report from disk in a real headless Chromium (Debian's `chromium`), checks that the
// main sections render, that the page makes no network request, and saves a screenshot into the
// report folder. Chromium is installed by tools/setup.sh; when it is missing this test FAILS
// with the fix, it never passes silently.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { writeReport } from '../src/report/write.ts';
import { fixtureResults } from './fixtures/results.ts';

const CHROMIUM = process.env.PINLAB_CHROMIUM ?? '/usr/bin/chromium';

describe('report in headless Chromium', () => {
  it('renders the main sections from file:// with no network request', async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: install it with 'apt-get install -y chromium' (tools/setup.sh does) or set PINLAB_CHROMIUM`,
      );
    }
    const root = mkdtempSync(join(tmpdir(), 'pinlab-browser-'));
    const dir = process.env.PINLAB_REPORT_DIR ?? join(root, 'pinlab-report');
    const files = writeReport(fixtureResults(), dir);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      const page = await context.newPage();
      const external: string[] = [];
      page.on('request', (req) => {
        if (!/^(file|data|about):/.test(req.url())) external.push(req.url());
      });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.goto(pathToFileURL(files.html).href, { waitUntil: 'load' });

      for (const id of [
        'summary',
        'specs',
        'counterexamples',
        'graphs',
        'coverage',
        'scenarios',
        'kernels',
        'bench',
      ]) {
        const box = await page.locator(`section#${id}`).boundingBox();
        expect(box, `section #${id} is laid out`).not.toBeNull();
        expect(box!.height, `section #${id} has content`).toBeGreaterThan(40);
      }
      expect(await page.locator('.verdict').innerText()).toBe('FAILED');
      // The counterexample's sequence diagram and the state graph are real, drawn SVG.
      const seq = await page.locator('#counterexamples svg.seq').boundingBox();
      expect(seq!.width).toBeGreaterThan(400);
      expect(await page.locator('#graphs svg.graph circle').count()).toBe(13);
      expect(await page.locator('#graphs svg.graph .edge.covered').count()).toBe(8);
      expect(await page.locator('#kernels table').innerText()).toContain('parent loses the data');

      // The inline script works: "only failures" hides passing config rows.
      const passingRows = page.locator('#specs tr.passed');
      expect(await passingRows.first().isVisible()).toBe(true);
      await page.locator('#only-failures').check();
      expect(await passingRows.first().isVisible()).toBe(false);
      await page.locator('#only-failures').uncheck();

      const shot = join(dir, 'screenshot.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
      expect(external).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      if (!process.env.PINLAB_REPORT_DIR) rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
