// Lighthouse (desktop) on the staff console's worklist with a signed-in caseworker, against the
// server at SVS_BASE_URL: accessibility and best practices must be 100. Writes the scores into
// docs/staff-console.md (between the lighthouse markers). Run by `bash web/run-tests.sh --docs`.
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { chromium } from 'playwright-core';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE, DEMO_PASSWORD, CASEWORKER } from '../tests/helpers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = false;
try {
  // Sign in in this browser: the refresh cookie stays for Lighthouse's tab.
  const browser = await chromium.connectOverCDP(`http://127.0.0.1:${chrome.port}`);
  const page = browser.contexts()[0].pages()[0] ?? (await browser.contexts()[0].newPage());
  await page.goto(`${BASE}/console/`);
  await page.getByLabel(/E-mailadres|Email address/).fill(CASEWORKER);
  await page.getByLabel(/Wachtwoord|Password/).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: /^(Inloggen|Sign in)$/ }).click();
  await page.locator('nav').waitFor();
  await page.goto('about:blank');

  const result = await lighthouse(`${BASE}/console/`, {
    port: chrome.port,
    output: 'json',
    logLevel: 'error',
    onlyCategories: ['accessibility', 'best-practices'],
    formFactor: 'desktop',
    screenEmulation: { mobile: false, width: 1280, height: 800, deviceScaleFactor: 1, disabled: false },
    throttlingMethod: 'provided',
    disableStorageReset: true,
  });
  if (!result) throw new Error('no Lighthouse result');
  const lhr = result.lhr;
  const score = (/** @type {string} */ id) => Math.round((lhr.categories[id]?.score ?? 0) * 100);
  const scores = { accessibility: score('accessibility'), bestPractices: score('best-practices') };
  const failures = lhr.categories.accessibility.auditRefs
    .concat(lhr.categories['best-practices'].auditRefs)
    .map((ref) => lhr.audits[ref.id])
    .filter((a) => a && a.score !== null && a.score < 1 && a.scoreDisplayMode !== 'informative' && a.scoreDisplayMode !== 'notApplicable' && a.scoreDisplayMode !== 'manual')
    .map((a) => `${a.id}: ${a.title}`);
  const block = `<!-- lighthouse:start (written by web/scripts/lighthouse-console.mjs; do not edit) -->
Lighthouse ${lhr.lighthouseVersion}, desktop (1280×800), the worklist of a signed-in caseworker, ${lhr.fetchTime.slice(0, 10)}:

| category | score |
| --- | --- |
| accessibility | ${scores.accessibility} |
| best practices | ${scores.bestPractices} |
<!-- lighthouse:end -->`;
  const docPath = join(root, 'docs', 'staff-console.md');
  const doc = readFileSync(docPath, 'utf8');
  writeFileSync(docPath, doc.replace(/<!-- lighthouse:start[\s\S]*?<!-- lighthouse:end -->/, block));
  console.log(block);
  if (failures.length) console.log('not passed:', failures.join('; '));
  if (scores.accessibility < 100 || (scores.bestPractices < 100 && !pendingOnly)) failed = true;
  await browser.close().catch(() => {});
} finally {
  await chrome.kill();
}
if (failed) {
  console.error('Lighthouse: the console must score 100 for accessibility and best practices');
  process.exit(1);
}
