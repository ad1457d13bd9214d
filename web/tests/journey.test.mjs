// A resident's whole journey on a 360×640 phone, against the real server: activate, see the
// step, complete it, get the next, ask for help, snooze, plan a moment, go offline and
// complete, come back online and see it synced, check progress, send a photo as evidence,
// report a crisis, settings,
// sign out and in again (with a wrong PIN and a lockout). A caseworker and a volunteer do
// their part through the API. Every screen is scanned with axe-core; no request may leave
// the host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { BASE, call, login, newResident, phone, assertAccessible, waitForServiceWorker, DEMO_PASSWORD, CASEWORKER, VOLUNTEER, PIN } from './helpers.mjs';

/** @param {import('playwright-core').Page} page */
const stepTitles = (page) => page.locator('article[data-step] h2').allTextContents();

test('a resident goes through the app on a phone', { timeout: 120_000 }, async () => {
  const caseworker = await login(CASEWORKER, DEMO_PASSWORD);
  const resident = await newResident(caseworker, 'Ayşe');
  const { page, context, foreign, consoleErrors, close } = await phone();
  try {
    // Start and activation.
    await page.goto(`${BASE}/app/`);
    await page.getByRole('heading', { level: 1, name: 'Welkom bij Stap voor Stap' }).waitFor();
    await assertAccessible(page, 'start');
    await page.getByRole('button', { name: 'Ik heb een activatiecode' }).click();
    await page.getByRole('heading', { level: 1, name: 'Account aanzetten' }).waitFor();
    await assertAccessible(page, 'activate');
    await page.getByLabel('Activatiecode').fill(resident.code);
    await page.getByLabel('Kies een PIN').fill(PIN);
    await page.getByLabel('Typ je PIN nog een keer').fill('48214');
    await page.getByRole('button', { name: 'Account aanzetten' }).click();
    await page.getByText('De twee PINs zijn niet hetzelfde').waitFor();
    await assertAccessible(page, 'activate with an error');
    await page.getByLabel('Typ je PIN nog een keer').fill(PIN);
    await page.getByRole('button', { name: 'Account aanzetten' }).click();

    // Home: the first step, and the login name to write down.
    await page.getByRole('heading', { level: 1, name: 'Mijn stap' }).waitFor();
    await page.getByText(`Je inlognaam is ${resident.login}`).waitFor();
    await page.locator('article[data-step]').first().waitFor();
    await assertAccessible(page, 'home');
    const [first] = await stepTitles(page);
    assert.ok(first, 'a first step is shown');
    await page.getByText('Waarom dit helpt').first().waitFor();

    // The refresh token is an HttpOnly cookie on /v1/auth/ only; script cannot see it.
    const cookies = await context.cookies();
    const refresh = cookies.find((c) => c.name === 'svs_refresh');
    assert.ok(refresh, 'refresh cookie set');
    assert.equal(refresh.httpOnly, true);
    assert.equal(refresh.sameSite, 'Strict');
    assert.equal(refresh.path, '/v1/auth/');
    assert.equal(await page.evaluate(() => document.cookie.includes('svs_refresh')), false);
    assert.equal(await page.evaluate(() => JSON.stringify(localStorage).includes('ey')), false, 'no token in localStorage');

    // Done, with a note: the next step comes at once, then the mood question.
    await page.getByRole('button', { name: 'Klaar', exact: true }).first().click();
    await page.getByLabel('Wil je nog iets zeggen?').fill('Gelukt met hulp van mijn zus');
    await assertAccessible(page, 'done panel');
    await page.getByRole('button', { name: 'Ja, deze stap is klaar' }).click();
    await page.getByText('Goed gedaan! Deze stap is klaar.').waitFor();
    await page.getByRole('heading', { name: 'Hoe gaat het nu met je?' }).waitFor();
    await assertAccessible(page, 'mood question');
    await page.getByRole('button', { name: /Goed$/ }).first().click();
    await page.getByText('Dank je wel!').waitFor();
    await page.waitForFunction((t) => [...document.querySelectorAll('article[data-step] h2')].every((h) => h.textContent !== t), first);
    const [second] = await stepTitles(page);
    assert.ok(second && second !== first, `a next step (${second}) after ${first}`);

    // Help: the caseworker sees the request.
    await page.getByRole('button', { name: 'Help mij hiermee' }).first().click();
    await page.getByText('Je hulpverlener weet nu dat je hulp wilt bij deze stap.').waitFor();
    await page.getByText('Je hebt om hulp gevraagd.').first().waitFor();
    let plan = await call('GET', `/v1/plans/${resident.planId}`, { token: caseworker, expect: 200 });
    const helped = plan.steps.find((/** @type {any} */ s) => s.title === second || s.help_requested_at);
    assert.ok(helped?.help_requested_at, 'the caseworker sees the help request');

    // Not now: snoozed with a reason; the step goes away.
    await page.getByRole('button', { name: 'Niet nu' }).first().click();
    await assertAccessible(page, 'snooze panel');
    await page.getByLabel('Ik wacht op post').check();
    await page.getByLabel('Over een week').check();
    await page.getByRole('button', { name: 'Later verder' }).click();
    await page.getByText('Prima. Je ziet deze stap weer op').waitFor();
    await page.waitForFunction((t) => [...document.querySelectorAll('article[data-step] h2')].every((h) => h.textContent !== t), second);
    plan = await call('GET', `/v1/plans/${resident.planId}`, { token: caseworker, expect: 200 });
    assert.equal(plan.steps.find((/** @type {any} */ s) => s.title === second)?.snooze_reason, 'waiting_for_post');

    // When will you do this?
    await page.locator('article[data-step]').first().waitFor();
    const [third] = await stepTitles(page);
    await page.getByRole('button', { name: 'Wanneer doe je dit?' }).first().click();
    await assertAccessible(page, 'intention panel');
    const tomorrow = await page.evaluate(() => {
      const d = new Date();
      d.setDate(d.getDate() + 1);
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    });
    await page.getByLabel('Op welke dag?').fill(tomorrow);
    await page.getByLabel("'s Avonds").check();
    await page.getByRole('button', { name: 'Zo doe ik het' }).click();
    await page.getByText('Goed plan! Je krijgt op').waitFor();

    // Offline: the completion waits on the phone and says so.
    await waitForServiceWorker(page);
    await page.getByRole('heading', { level: 1, name: 'Mijn stap' }).waitFor();
    await page.locator('article[data-step]').first().waitFor();
    await context.setOffline(true);
    await page.getByRole('button', { name: 'Klaar', exact: true }).first().click();
    await page.getByRole('button', { name: 'Ja, deze stap is klaar' }).click();
    await page.getByText('Dit is nog niet verstuurd, want je hebt geen internet.').waitFor({ timeout: 20000 });
    await page.locator(`article[data-waiting]`).waitFor();
    await assertAccessible(page, 'home offline, waiting');
    // Progress reads from the phone's copy.
    await page.getByRole('link', { name: 'Voortgang' }).click();
    await page.getByRole('heading', { level: 1, name: 'Voortgang' }).waitFor();
    await page.getByText('Dit is wat je telefoon nog weet.').waitFor({ timeout: 20000 });
    await page.getByText('Nog niet verstuurd: 1 keer Klaar').waitFor();
    await assertAccessible(page, 'progress offline');
    plan = await call('GET', `/v1/plans/${resident.planId}`, { token: caseworker, expect: 200 });
    assert.equal(plan.steps.find((/** @type {any} */ s) => s.title === third)?.status, 'open', 'not sent while offline');

    // Back online: sent with its Idempotency-Key, and the screen says so.
    await page.getByRole('link', { name: 'Mijn stap' }).click();
    await context.setOffline(false);
    await page.getByText('Alles is verstuurd.').waitFor({ timeout: 20000 });
    assert.equal(await page.locator('article[data-waiting]').count(), 0);
    plan = await call('GET', `/v1/plans/${resident.planId}`, { token: caseworker, expect: 200 });
    const synced = plan.steps.find((/** @type {any} */ s) => s.title === third);
    assert.ok(synced.status === 'done' || synced.status === 'verified', `synced: ${synced.status}`);

    // The caseworker verifies; a volunteer does a step for the resident.
    await call('POST', `/v1/steps/${synced.id}/verify`, { token: caseworker, body: {}, expect: 200 });
    const volunteer = await login(VOLUNTEER, DEMO_PASSWORD);
    const els = await call('GET', '/v1/me', { token: volunteer, expect: 200 });
    const withStep = await call('POST', `/v1/plans/${resident.planId}/steps`, {
      token: caseworker,
      body: {
        category: 'papieren',
        title: { nl: 'Samen de post sorteren', en: 'Sort the post together' },
        owner: { type: 'volunteer', user_id: els.id },
      },
      expect: 201,
    });
    const staffStep = withStep.steps.find((/** @type {any} */ s) => s.owner_user_id === els.id);
    await call('POST', `/v1/steps/${staffStep.id}/complete`, { token: volunteer, body: { note: 'Samen gedaan' }, expect: 200 });

    // Progress: categories, E1–E8, done steps, and what others did.
    await page.getByRole('link', { name: 'Voortgang' }).click();
    await page.getByRole('heading', { level: 1, name: 'Voortgang' }).waitFor();
    await page.getByRole('heading', { name: 'Wat al geregeld is' }).waitFor();
    await page.getByText(/Je bent (\d+ dag(en)? onderweg|vandaag begonnen)/).waitFor();
    await page.getByText('Gedaan door Els').waitFor();
    await page.getByRole('listitem').filter({ hasText: first }).first().waitFor();
    await assertAccessible(page, 'progress');

    // Evidence: the caseworker asks for a photo; the resident sends one from the step.
    const withPhoto = await call('POST', `/v1/plans/${resident.planId}/steps`, {
      token: caseworker,
      body: {
        category: 'papieren',
        title: { nl: 'Maak een foto van je huurcontract', en: 'Take a photo of your rental contract' },
        evidence: 'photo',
        priority: 'P0',
      },
      expect: 201,
    });
    const photoStep = withPhoto.steps.find((/** @type {any} */ s) => s.title === 'Maak een foto van je huurcontract');
    assert.equal(photoStep.status, 'open', 'a P0 step opens at once');
    await page.getByRole('link', { name: 'Mijn stap' }).click();
    await page.reload();
    const photoCard = page.locator(`article[data-step="${photoStep.id}"]`);
    await photoCard.waitFor();
    await assertAccessible(page, 'home with an evidence step');
    await photoCard.getByLabel('Foto of document toevoegen').setInputFiles({ name: 'contract.png', mimeType: 'image/png', buffer: pngPhoto() });
    await page.getByText('Je foto of document is verstuurd.').waitFor();
    const docs = await call('GET', `/v1/steps/${photoStep.id}/documents`, { token: caseworker, expect: 200 });
    assert.equal(docs.length, 1, 'the caseworker sees the photo');
    assert.equal(docs[0].media_type, 'image/jpeg', 'stored as a cleaned JPEG');

    // A large PDF goes in pieces (tus); the connection breaks on the second piece, and the app
    // asks the server how far it got and carries on.
    let patches = 0;
    let heads = 0;
    await page.route('**/v1/me/uploads/*', async (route) => {
      const method = route.request().method();
      if (method === 'HEAD') heads++;
      if (method === 'PATCH' && ++patches === 2) return route.abort('connectionreset');
      return route.continue();
    });
    await photoCard.getByLabel('Foto of document toevoegen').setInputFiles({ name: 'loonstrook.pdf', mimeType: 'application/pdf', buffer: largePdf() });
    /** @type {any[]} */
    let both = [];
    for (let i = 0; i < 100 && both.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 200));
      both = await call('GET', `/v1/steps/${photoStep.id}/documents`, { token: caseworker, expect: 200 });
    }
    assert.equal(both.length, 2, 'the large PDF arrived');
    assert.equal(both[1].media_type, 'application/pdf');
    assert.equal(both[1].size_bytes, largePdf().length, 'every byte, once');
    assert.ok(patches >= 4 && heads >= 1, `sent in pieces and resumed (${patches} pieces, ${heads} HEAD)`);
    await page.unroute('**/v1/me/uploads/*');

    // Crisis: the urgent step comes first.
    await page.getByRole('link', { name: 'Mijn stap' }).click();
    await page.getByRole('link', { name: 'Ik heb nu een probleem' }).click();
    await page.getByRole('heading', { level: 1, name: 'Wat is er aan de hand?' }).waitFor();
    await assertAccessible(page, 'crisis');
    await page.getByRole('button', { name: 'Mijn gas, stroom of water wordt afgesloten' }).click();
    await page.getByText('Je hulpverlener weet het nu.').waitFor();
    await page.locator('.svs-card--urgent').first().waitFor();
    await page.getByText('Eerst doen').first().waitFor();
    await assertAccessible(page, 'home with a crisis step');

    // Settings: reminders and language.
    await page.getByRole('link', { name: 'Instellingen' }).click();
    await page.getByRole('heading', { level: 1, name: 'Instellingen' }).waitFor();
    await page.getByLabel('Hoe vaak per week, hoogstens?').waitFor();
    // Devices: none yet; Web Push is on (WEB_PUSH_CONTACT), so this browser may be added. The
    // button is not pressed: subscribing would make the browser call its vendor's push service.
    await page.getByRole('heading', { level: 2, name: 'Apparaten' }).waitFor();
    await page.getByText('Er zijn geen telefoons aangemeld voor berichten.').waitFor();
    await page.getByRole('button', { name: 'Berichten op deze telefoon' }).waitFor();
    await assertAccessible(page, 'settings');
    await page.getByLabel('Hoe vaak per week, hoogstens?').selectOption('2');
    await page.getByRole('button', { name: 'Opslaan' }).click();
    await page.getByText('Opgeslagen.').waitFor();
    await page.getByLabel('English').check();
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    await assertAccessible(page, 'settings in English');
    await page.getByLabel('Nederlands').check();

    // A reload keeps the session (the cookie), and the weekly cap was saved.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Instellingen' }).waitFor();
    assert.equal(await page.getByLabel('Hoe vaak per week, hoogstens?').inputValue(), '2');

    // Sign out: the cookie is gone, a reload shows the start screen.
    await page.getByRole('button', { name: 'Uitloggen' }).click();
    await page.getByRole('heading', { level: 1, name: 'Welkom bij Stap voor Stap' }).waitFor();
    assert.equal((await context.cookies()).some((c) => c.name === 'svs_refresh' && c.value), false);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Welkom bij Stap voor Stap' }).waitFor();

    // Sign in: a wrong PIN is explained kindly, the right one works.
    await page.getByRole('button', { name: 'Ik heb al een PIN' }).click();
    await page.getByRole('heading', { level: 1, name: 'Inloggen' }).waitFor();
    await assertAccessible(page, 'login');
    await page.getByLabel('Inlognaam').fill(resident.login);
    await page.getByLabel('PIN', { exact: true }).fill('11111');
    await page.getByRole('button', { name: 'Inloggen' }).click();
    await page.getByText('De inlognaam of PIN klopt niet.').waitFor();
    await assertAccessible(page, 'login with an error');
    await page.getByLabel('PIN', { exact: true }).fill(PIN);
    await page.getByRole('button', { name: 'Inloggen' }).click();
    await page.getByRole('heading', { level: 1, name: 'Mijn stap' }).waitFor();

    // Lockout after wrong PINs: "ask your caseworker".
    await page.getByRole('link', { name: 'Instellingen' }).click();
    await page.getByRole('button', { name: 'Uitloggen' }).click();
    await page.getByRole('button', { name: 'Ik heb al een PIN' }).click();
    await page.getByLabel('Inlognaam').fill(resident.login);
    for (let i = 0; i < 6; i++) {
      await page.getByLabel('PIN', { exact: true }).fill(`2222${i}`);
      await page.getByRole('button', { name: 'Inloggen' }).click();
      await page.getByRole('alert').waitFor();
      if (await page.getByText('account weer open te zetten').count()) break;
      await page.waitForFunction(() => !document.querySelector('button[disabled]'));
    }
    await page.getByText('Vraag je hulpverlener om je account weer open te zetten').waitFor();

    assert.deepEqual(foreign, [], 'no request left the host');
    assert.deepEqual(consoleErrors.filter((e) => !/Failed to load resource|net::ERR_INTERNET_DISCONNECTED|status of 4\d\d/.test(e)), [], 'no script errors');
  } catch (e) {
    await page.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/svs-journey-failure.png`, fullPage: true }).catch(() => {});
    throw e;
  } finally {
    await close();
  }
});

/** A small valid PNG (8×8, one colour), made here so the test needs no fixture file. */
/** A PDF of 1.5 MiB: large enough for the app to send it in pieces. */
function largePdf() {
  const head = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1');
  const padding = Buffer.alloc(1536 * 1024, '% padding line of a large scan\n');
  return Buffer.concat([head, padding, Buffer.from('\n%%EOF\n')]);
}

function pngPhoto() {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  /** @param {Buffer} buf */
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  /**
   * @param {string} type
   * @param {Buffer} data
   */
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(8, 0);
  ihdr.writeUInt32BE(8, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = Buffer.concat(Array.from({ length: 8 }, () => Buffer.from([0, ...Array(8).fill([200, 120, 40]).flat()])));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
