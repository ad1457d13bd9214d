// Lighthouse (mobile, simulated slow-phone throttling) on the resident app's home screen, with
// a signed-in resident, against the server at SVS_BASE_URL. Writes the scores and the first
// load's JS + CSS sizes into docs/resident-app.md (between the lighthouse markers) and fails
// when performance < 90, accessibility < 100 or best practices < 100.
// Run by `bash web/run-tests.sh --docs`.
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { chromium } from 'playwright-core';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE, login, newResident, DEMO_PASSWORD, CASEWORKER, PIN } from '../tests/helpers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = false;
try {
  // Sign a new resident in, in this browser: the session cookie stays for Lighthouse's tab.
  const caseworker = await login(CASEWORKER, DEMO_PASSWORD);
  const resident = await newResident(caseworker, 'Lotte');
  const browser = await chromium.connectOverCDP(`http://127.0.0.1:${chrome.port}`);
  const page = browser.contexts()[0].pages()[0] ?? (await browser.contexts()[0].newPage());
  await page.goto(`${BASE}/app/activate`);
  await page.getByLabel('Activatiecode').fill(resident.code);
  await page.getByLabel('Kies een PIN').fill(PIN);
  await page.getByLabel('Typ je PIN nog een keer').fill(PIN);
  await page.getByRole('button', { name: 'Account aanzetten' }).click();
  await page.locator('article[data-step]').first().waitFor();
  // No service worker for the audit: a first visit on a slow phone is what is measured.
  await page.evaluate(async () => {
    for (const r of await navigator.serviceWorker.getRegistrations()) await r.unregister();
    for (const k of await caches.keys()) await caches.delete(k);
  });
  // A first visit: nothing in the HTTP cache either.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.clearBrowserCache');
  await page.goto('about:blank');

  const result = await lighthouse(`${BASE}/app/`, {
    port: chrome.port,
    output: 'json',
    logLevel: 'error',
    onlyCategories: ['performance', 'accessibility', 'best-practices'],
    formFactor: 'mobile',
    throttlingMethod: 'simulate',
    disableStorageReset: true,
  });
  if (!result) throw new Error('no Lighthouse result');
  const lhr = result.lhr;
  const score = (/** @type {string} */ id) => Math.round((lhr.categories[id]?.score ?? 0) * 100);
  const scores = { performance: score('performance'), accessibility: score('accessibility'), bestPractices: score('best-practices') };
  const metric = (/** @type {string} */ id) => lhr.audits[id]?.displayValue ?? '–';

  // First-load JS and CSS: what went over the wire, and what gzip/brotli make of it.
  const requests = /** @type {any[]} */ (/** @type {any} */ (lhr.audits['network-requests']?.details)?.items ?? []);
  const assets = requests.filter((r) => r.resourceType === 'Script' || r.resourceType === 'Stylesheet');
  let transferred = 0;
  let raw = 0;
  let gz = 0;
  let br = 0;
  for (const r of assets) {
    transferred += r.transferSize ?? 0;
    // /app/…, /common/… and /vendor/… are web/app/, web/common/ and web/vendor/.
    const path = `web${new URL(r.url).pathname}`;
    const bytes = readFileSync(join(root, path));
    raw += bytes.length;
    gz += gzipSync(bytes, { level: 9 }).length;
    br += brotliCompressSync(bytes).length;
  }
  const kb = (/** @type {number} */ n) => `${(n / 1024).toFixed(1)} KB`;
  const failures = lhr.categories.accessibility.auditRefs
    .concat(lhr.categories['best-practices'].auditRefs)
    .map((ref) => lhr.audits[ref.id])
    .filter((a) => a && a.score !== null && a.score < 1 && a.scoreDisplayMode !== 'informative' && a.scoreDisplayMode !== 'notApplicable' && a.scoreDisplayMode !== 'manual')
    .map((a) => `${a.id}: ${a.title}`);

  const block = `<!-- lighthouse:start (written by web/scripts/lighthouse.mjs; do not edit) -->
Lighthouse ${lhr.lighthouseVersion}, mobile form factor, simulated throttling (slow 4G, 4× CPU slowdown),
home screen of a signed-in resident, first visit (no service worker), ${lhr.fetchTime.slice(0, 10)}:

| category | score |
| --- | --- |
| performance | ${scores.performance} |
| accessibility | ${scores.accessibility} |
| best practices | ${scores.bestPractices} |

First Contentful Paint ${metric('first-contentful-paint')}, Largest Contentful Paint ${metric('largest-contentful-paint')},
Total Blocking Time ${metric('total-blocking-time')}, Cumulative Layout Shift ${metric('cumulative-layout-shift')}.

First load: ${assets.length} JS and CSS files, ${kb(raw)} uncompressed, **${kb(gz)} gzip** (${kb(br)} brotli) —
the budget is 100 KB compressed. Transferred as the server sent them in this run: ${kb(transferred)}.
<!-- lighthouse:end -->`;
  const docPath = join(root, 'docs', 'resident-app.md');
  const doc = readFileSync(docPath, 'utf8');
  writeFileSync(docPath, doc.replace(/<!-- lighthouse:start[\s\S]*?<!-- lighthouse:end -->/, block));
  console.log(block);
  if (failures.length) console.log('not passed:', failures.join('; '));
  if (scores.performance < 90 || scores.accessibility < 100 || scores.bestPractices < 100 || gz > 100 * 1024) failed = true;
  await browser.close().catch(() => {});
} finally {
  await chrome.kill();
}
if (failed) {
  console.error('Lighthouse budget not met');
  process.exit(1);
}
