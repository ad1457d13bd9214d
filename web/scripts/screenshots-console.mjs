// Screenshots of the staff console in Dutch and English at 1280×800 (worklist, driegesprek,
// plan, activation letter and a few more) into docs/screenshots/console-*.png, shown in
// docs/staff-console.md. Imported by screenshots.mjs (`bash web/run-tests.sh --docs`), or run
// alone: `node scripts/screenshots-console.mjs` against the server at SVS_BASE_URL.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE, call, login, browser, DESKTOP, DEMO_PASSWORD, CASEWORKER, VOLUNTEER, PIN } from '../tests/helpers.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots');
mkdirSync(out, { recursive: true });

/** A write with a fresh Idempotency-Key. @param {string} method @param {string} path @param {{ token: string, body?: unknown, expect?: number, headers?: Record<string, string> }} o */
const write = (method, path, o) => call(method, path, { ...o, headers: { 'Idempotency-Key': crypto.randomUUID(), ...(o.headers ?? {}) } });

/**
 * A resident with some history, so the plan page shows progress, a timeline and a pulse trend:
 * activated, a step done with a mood answer, a help request, a step handed to the volunteer.
 * @param {string} cw caseworker token
 * @param {string} name
 */
async function residentWithHistory(cw, name, language = 'nl') {
  const teams = await call('GET', '/v1/teams', { token: cw, expect: 200 });
  const created = await write('POST', '/v1/residents', { token: cw, body: { display_name: name, team_id: teams[0].id, language }, expect: 201 });
  const plan = await write('POST', `/v1/residents/${created.resident.id}/plans`, { token: cw, body: { intake: { renter: true, has_allowances: true, rent_arrears: true }, dose: 2 }, expect: 201 });
  const tokens = await call('POST', '/v1/auth/activate', { body: { code: created.activation.activation_code, pin: PIN }, expect: 200 });
  const me = tokens.access_token;
  const current = await call('GET', '/v1/me/steps/current', { token: me, expect: 200 });
  const [first, second] = current.steps ?? current.items ?? [];
  if (first) {
    await write('POST', `/v1/me/steps/${first.id}/complete`, { token: me, body: { note: null }, expect: 200 });
    await write('POST', `/v1/me/steps/${first.id}/mood`, { token: me, body: { score: 4 }, expect: 204 }).catch(() => {});
  }
  if (second) await write('POST', `/v1/me/steps/${second.id}/help`, { token: me, expect: 200 }).catch(() => {});
  await write('POST', '/v1/me/alliance', { token: me, body: { score: 5 }, expect: 204 }).catch(() => {});
  // A practical step handed to the volunteer, for her task list.
  const members = await call('GET', `/v1/teams/${teams[0].id}/members`, { token: cw, expect: 200 });
  const els = members.find((/** @type {any} */ m) => m.role === 'volunteer');
  const full = await call('GET', `/v1/plans/${plan.id}`, { token: cw, expect: 200 });
  const practical = full.steps.find((/** @type {any} */ s) => s.item_key === 'start.postplek') ?? full.steps.find((/** @type {any} */ s) => s.depends_on.length === 0 && s.status === 'planned');
  if (els && practical) {
    await write('PATCH', `/v1/steps/${practical.id}`, { token: cw, body: { owner: { type: 'volunteer', user_id: els.id }, due_on: '2026-12-18' }, headers: { 'If-Match': practical.etag }, expect: 200 });
  }
  // Two appointments: one the resident will come to, one they asked to move.
  const day = (/** @type {number} */ n) => {
    const d = new Date();
    d.setDate(d.getDate() + n);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  };
  const sanne = members.find((/** @type {any} */ m) => m.display_name.startsWith('Sanne'));
  const office = await write('POST', `/v1/plans/${plan.id}/appointments`, { token: cw, body: { starts_at: `${day(2)}T10:30:00+01:00`, duration_minutes: 45, kind: 'office', place: 'Buurtteam Demo, Kaatstraat 12', with_user_id: sanne?.id ?? null, bring: language === 'en' ? 'Your latest payslip' : 'Je laatste loonstrook' }, expect: 201 });
  await write('POST', `/v1/me/appointments/${office.id}/confirm`, { token: me, expect: 200 });
  const call2 = await write('POST', `/v1/plans/${plan.id}/appointments`, { token: cw, body: { starts_at: `${day(9)}T14:00:00+01:00`, duration_minutes: 30, kind: 'phone', place: '06 12345678' }, expect: 201 });
  await write('POST', `/v1/me/appointments/${call2.id}/move-request`, { token: me, body: { reason: language === 'en' ? 'I have to work that day' : 'Ik moet die dag werken' }, expect: 200 });
  return { residentId: created.resident.id, planId: plan.id };
}

export async function consoleScreenshots() {
  const cw = await login(CASEWORKER, DEMO_PASSWORD);
  for (const lang of ['nl', 'en']) {
    const en = lang === 'en';
    const L = (/** @type {string} */ nl, /** @type {string} */ eng) => (en ? eng : nl);
    const sample = await residentWithHistory(cw, en ? 'Sam' : 'Noor', lang);
    const b = await browser({ ...DESKTOP, lang: en ? 'en-GB' : 'nl-NL' });
    const { page } = b;
    await page.addInitScript((l) => localStorage.setItem('svs.console.lang', l), lang);
    const shot = async (/** @type {string} */ name) => {
      await page.locator('.svs-loading').first().waitFor({ state: 'detached' }).catch(() => {});
      await page.waitForTimeout(200);
      await page.screenshot({ path: join(out, `console-${lang}-${name}.png`), fullPage: true });
    };
    try {
      await page.goto(`${BASE}/console/`);
      await page.getByLabel(L('E-mailadres', 'Email address')).waitFor();
      await shot('1-signin');
      await page.getByLabel(L('E-mailadres', 'Email address')).fill(CASEWORKER);
      await page.getByLabel(L('Wachtwoord', 'Password')).fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: L('Inloggen', 'Sign in') }).click();
      await page.getByRole('heading', { level: 1, name: L('Werklijst', 'Worklist') }).waitFor();
      await shot('2-worklist');
      await page.getByRole('link', { name: L('Inwoners', 'Residents'), exact: true }).click();
      await page.locator('table').waitFor();
      await shot('3-residents');
      await page.getByRole('link', { name: L('Inwoner aanmelden', 'Register a resident') }).click();
      await page.getByLabel(L('Naam', 'Name'), { exact: true }).fill(en ? 'Alex Morgan' : 'Fatima Yilmaz');
      await page.getByLabel(L('Taal van de app en de brief', 'Language of the app and the letter')).selectOption(lang);
      await page.getByRole('button', { name: L('Aanmelden en brief maken', 'Register and make the letter') }).click();
      await page.locator('.svs-letter').waitFor();
      await shot('4-letter');
      // The print view at the width of an A4 sheet (210 mm at 96 dpi).
      await page.setViewportSize({ width: 794, height: 1123 });
      await page.emulateMedia({ media: 'print' });
      await shot('5-letter-print');
      await page.emulateMedia({ media: 'screen' });
      await page.setViewportSize({ width: DESKTOP.width, height: DESKTOP.height });
      await page.getByRole('link', { name: L('Driegesprek starten', 'Start the first conversation') }).click();
      await page.locator('fieldset input[type="checkbox"]').first().waitFor();
      const boxes = page.locator('fieldset input[type="checkbox"]');
      await boxes.nth(0).check();
      await boxes.nth(2).check();
      await page.locator('.svs-preview').first().waitFor();
      await shot('6-driegesprek');
      await page.goto(`${BASE}/console/plans/${sample.planId}`);
      await page.locator('[data-criterion="E1"]').waitFor();
      await page.locator('#timeline ~ ol li').first().waitFor();
      await shot('7-plan');
      await page.screenshot({ path: join(out, `console-${lang}-7-plan-top.png`) });
      // The appointments: coming ones with the resident's answer, and planning a new one.
      await page.locator('[data-move-request]').waitFor();
      await page.getByRole('button', { name: L('Nieuwe afspraak plannen', 'Plan a new appointment') }).click();
      await page.getByLabel(L('Wat neemt de inwoner mee?', 'What does the resident bring?')).fill(L('Brieven van schuldeisers', 'Letters from creditors'));
      await page.waitForTimeout(200);
      await page.locator('section.svs-appts').screenshot({ path: join(out, `console-${lang}-9-appointments.png`) });
      await page.getByRole('button', { name: L('Uitloggen', 'Sign out') }).click();
      await page.getByLabel(L('E-mailadres', 'Email address')).fill(VOLUNTEER);
      await page.getByLabel(L('Wachtwoord', 'Password')).fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: L('Inloggen', 'Sign in') }).click();
      await page.getByRole('heading', { level: 1, name: L('Mijn taken', 'My tasks') }).waitFor();
      await shot('8-volunteer');
    } finally {
      await b.close();
    }
  }
  console.log(`console screenshots in ${out}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await consoleScreenshots();
