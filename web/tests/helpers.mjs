// Shared parts of the browser tests: the server under test (started by run-tests.sh, its
// address in SVS_BASE_URL), the API as a caseworker and volunteer use it, and a phone-sized
// Chromium whose every request is counted (none may leave the host) and whose screens are
// scanned with axe-core (WCAG 2.1 A and AA).
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BASE = process.env.SVS_BASE_URL ?? 'http://127.0.0.1:8080';
export const DEMO_PASSWORD = 'stap voor stap demo 2026';
export const CASEWORKER = 'sanne@demo.stapvoorstap.nl';
export const VOLUNTEER = 'els@demo.stapvoorstap.nl';
export const ADMIN = 'admin@demo.stapvoorstap.nl';
export const PIN = '48213';

/**
 * One API call; throws with the answer on an unexpected status.
 * @param {string} method
 * @param {string} path
 * @param {{ token?: string, body?: unknown, headers?: Record<string, string>, expect?: number }} [opts]
 */
export async function call(method, path, opts = {}) {
  const headers = { Accept: 'application/json', ...(opts.headers ?? {}) };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(BASE + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.text();
  const expect = opts.expect ?? (method === 'POST' && path.endsWith('s') && !path.includes('/auth/') ? 201 : 200);
  if (opts.expect !== undefined || !res.ok) {
    assert.equal(res.status, expect, `${method} ${path}: ${res.status} ${text}`);
  }
  return text ? JSON.parse(text) : undefined;
}

/** @param {string} username @param {string} password */
export async function login(username, password) {
  const r = await call('POST', '/v1/auth/login', { body: { username, password }, expect: 200 });
  return r.access_token;
}

/**
 * A new resident of the demo team with a plan, as a caseworker makes one in the first
 * conversation. Returns the activation code and ids.
 * @param {string} caseworker access token
 * @param {string} name
 */
export async function newResident(caseworker, name) {
  const teams = await call('GET', '/v1/teams', { token: caseworker, expect: 200 });
  const list = Array.isArray(teams) ? teams : teams.items ?? teams.data;
  const created = await call('POST', '/v1/residents', { token: caseworker, body: { display_name: name, team_id: list[0].id }, expect: 201 });
  const plan = await call('POST', `/v1/residents/${created.resident.id}/plans`, {
    token: caseworker,
    body: { intake: { renter: true, has_allowances: true }, dose: 1 },
    expect: 201,
  });
  return { residentId: created.resident.id, code: created.activation.activation_code, login: created.activation.login_name, planId: plan.id ?? plan.plan?.id };
}

/**
 * A phone: Chromium at 360×640 with touch, Dutch, a fresh profile.
 * @param {{ lang?: string, scale?: number }} [opts]
 */
export async function phone(opts = {}) {
  return browser({ width: 360, height: 640, mobile: true, scale: opts.scale ?? 2, lang: opts.lang });
}

/** The console's two sizes: a desktop (1280×800) and a tablet held upright (820×1180, touch). */
export const DESKTOP = { name: 'desktop', width: 1280, height: 800, mobile: false, scale: 1 };
export const TABLET = { name: 'tablet', width: 820, height: 1180, mobile: true, scale: 1 };

/**
 * A browser of any size with a fresh profile; every request to another host is counted.
 * @param {{ width: number, height: number, mobile: boolean, scale?: number, lang?: string }} size
 */
export async function browser(size) {
  const opts = size;
  const profile = mkdtempSync(join(tmpdir(), 'svs-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: size.width, height: size.height },
    deviceScaleFactor: size.scale ?? 2,
    isMobile: size.mobile,
    hasTouch: size.mobile,
    locale: opts.lang ?? 'nl-NL',
    timezoneId: 'Europe/Amsterdam',
    serviceWorkers: 'allow',
  });
  const base = new URL(BASE);
  /** @type {string[]} */
  const foreign = [];
  context.on('request', (req) => {
    const u = new URL(req.url());
    if ((u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'ws:' || u.protocol === 'wss:') && u.host !== base.host) {
      foreign.push(req.url());
    }
  });
  /** @type {string[]} */
  const consoleErrors = [];
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  return {
    context,
    page,
    foreign,
    consoleErrors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * axe-core on the page as it is now: no WCAG 2.1 A/AA violation.
 * @param {import('playwright-core').Page} page
 * @param {string} screen a name for the message
 */
export async function assertAccessible(page, screen) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const problems = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
  assert.deepEqual(problems, [], `axe on ${screen}`);
  return result.passes.length;
}

/** Waits until the service worker controls the page (offline needs it). @param {import('playwright-core').Page} page */
export async function waitForServiceWorker(page) {
  await page.waitForFunction(() => navigator.serviceWorker?.controller != null, null, { timeout: 15000 }).catch(async () => {
    // First load: the worker activates and claims the page.
    await page.reload();
    await page.waitForFunction(() => navigator.serviceWorker?.controller != null, null, { timeout: 15000 });
  });
}
