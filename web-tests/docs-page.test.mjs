// Opens /docs in a real Chromium under a name that is not localhost and records every request
// the page makes: all of them must go to the service itself (no validator.swagger.io, no CDN),
// the page must render, and its Content-Security-Policy must block nothing it needs.
//
// Needs the service running (web-tests/run.sh starts one) at 127.0.0.1:$SVS_PORT, and Debian's
// chromium at /usr/bin/chromium (or $CHROMIUM).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const port = process.env.SVS_PORT ?? '18099';
// A name that is not localhost: Swagger UI treats localhost specially. The browser resolves it
// to the local server and resolves nothing else, so no request can leave the machine.
const host = 'docs.stapvoorstap.test';
const origin = `http://${host}:${port}`;

let context;
let profile;

before(async () => {
  profile = await mkdtemp(join(tmpdir(), 'svs-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--host-resolver-rules=MAP ${host} 127.0.0.1, MAP * ~NOTFOUND`,
    ],
  });
});

after(async () => {
  await context?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

/** Records every request and every CSP complaint of a new page. */
async function recordedPage() {
  const page = await context.newPage();
  const requests = [];
  const cspViolations = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  return { page, requests, cspViolations };
}

test('the recorder sees a request to another host (control)', async () => {
  const { page, requests } = await recordedPage();
  await page.goto('about:blank');
  await page.evaluate(() => {
    const img = document.createElement('img');
    img.src = 'http://elsewhere.example/pixel.png';
    document.body.append(img);
  });
  await page.waitForTimeout(500);
  assert.ok(requests.some((u) => new URL(u).hostname === 'elsewhere.example'), String(requests));
  await page.close();
});

test('/docs renders and sends nothing off the host', async () => {
  const { page, requests, cspViolations } = await recordedPage();
  const response = await page.goto(`${origin}/docs/`, { waitUntil: 'networkidle' });
  assert.equal(response.status(), 200);
  const csp = response.headers()['content-security-policy'] ?? '';
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);

  // Rendered: the API's title and its operations are on the page.
  await page.waitForSelector('.swagger-ui .info .title', { timeout: 15000 });
  const title = await page.textContent('.swagger-ui .info .title');
  assert.match(title, /Stap voor Stap API/);
  const operations = await page.locator('.opblock').count();
  assert.ok(operations > 10, `only ${operations} operations shown`);
  // Expanding an operation works (scripts run, styles apply) without a CSP complaint.
  await page.locator('.opblock-summary').first().click();
  await page.waitForSelector('.opblock-body', { timeout: 5000 });
  await page.waitForTimeout(1000);
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT, fullPage: false });

  assert.ok(requests.length >= 4, `the page loaded its assets: ${requests}`);
  const offHost = requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:'));
  assert.deepEqual(offHost, [], 'requests that left the host');
  assert.ok(!requests.some((u) => u.includes('validator')), String(requests));
  assert.deepEqual(cspViolations, [], 'the CSP blocked something the page needs');
  await page.close();
});
