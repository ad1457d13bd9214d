// The staff console's journeys in Chromium, at 1280×800 and on a tablet: a caseworker signs in,
// registers a resident, opens the activation letter (print view too), runs the driegesprek,
// sees the plan; the resident asks for help in the app, the caseworker finds it on the worklist
// and hands that step to the volunteer; the volunteer completes it in the console;
// the caseworker verifies it; an admin disables an account and that session ends, and erases
// the resident's data from the audit log. And a
// caseworker of another team gets a plain "niet gevonden" for a resident's plan; an idle
// session ends after 15 minutes (Playwright's clock). Every screen
// is scanned with axe-core; no request leaves the server's host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, call, login, newResident, browser, assertAccessible, DESKTOP, TABLET, DEMO_PASSWORD, CASEWORKER, VOLUNTEER, ADMIN, PIN } from './helpers.mjs';

/**
 * Signs in on the console's sign-in screen.
 * @param {import('playwright-core').Page} page
 * @param {string} email
 */
async function signIn(page, email, password = DEMO_PASSWORD) {
  await page.goto(`${BASE}/console/`);
  await page.getByRole('heading', { level: 1, name: 'Inloggen' }).waitFor();
  await page.getByLabel('E-mailadres').fill(email);
  await page.getByLabel('Wachtwoord').fill(password);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.locator('nav[aria-label="Menu"]').waitFor();
}

for (const size of [DESKTOP, TABLET]) {
  test(`caseworker and volunteer journey on a ${size.name} (${size.width}×${size.height})`, { timeout: 120000 }, async () => {
    const cw = await browser(size);
    const vol = await browser(size);
    const { page } = cw;
    const name = `Noor ${size.name}`;
    try {
      // Sign-in, then the worklist.
      await page.goto(`${BASE}/console/`);
      await page.getByRole('heading', { level: 1, name: 'Inloggen' }).waitFor();
      await assertAccessible(page, 'sign-in');
      await page.getByLabel('E-mailadres').fill(CASEWORKER);
      await page.getByLabel('Wachtwoord').fill('not the password');
      await page.getByRole('button', { name: 'Inloggen' }).click();
      await page.getByRole('alert').filter({ hasText: 'klopt niet' }).waitFor();
      await signIn(page, CASEWORKER);
      await page.getByRole('heading', { level: 1, name: 'Werklijst' }).waitFor();
      await page.locator('.svs-chips').waitFor();
      await page.locator('.svs-loading').waitFor({ state: 'detached' });
      await assertAccessible(page, 'worklist');
      const nav = await page.locator('nav[aria-label="Menu"] a').allTextContents();
      assert.deepEqual(nav, ['Werklijst', 'Inwoners', 'Mijn taken'], 'a caseworker\'s menu');

      // Residents → register → the letter.
      await page.getByRole('link', { name: 'Inwoners', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Inwoners' }).waitFor();
      await page.locator('.svs-loading').waitFor({ state: 'detached' });
      await assertAccessible(page, 'residents');
      await page.getByRole('link', { name: 'Inwoner aanmelden' }).click();
      await page.getByRole('button', { name: 'Aanmelden en brief maken' }).click();
      await page.getByText('Vul een naam in.').waitFor();
      await assertAccessible(page, 'register (with an error)');
      await page.getByLabel('Naam', { exact: true }).fill(name);
      await page.getByRole('button', { name: 'Aanmelden en brief maken' }).click();
      await page.getByRole('heading', { level: 1, name: `Brief voor ${name}` }).waitFor();
      const code = (await page.locator('[data-code]').textContent())?.trim() ?? '';
      const loginName = (await page.locator('[data-login]').textContent())?.trim() ?? '';
      assert.match(code, /\S{6,}/, 'the letter shows the activation code');
      assert.ok(loginName.length > 2, 'and the login name');
      await page.getByText(`${BASE}/app/`).waitFor();
      assert.equal(await page.locator('svg.svs-qr path').count(), 1, 'a QR code as SVG');
      await assertAccessible(page, 'letter');
      await page.emulateMedia({ media: 'print' });
      assert.equal(await page.locator('.svs-header').isVisible(), false, 'print: no header');
      assert.equal(await page.getByRole('button', { name: 'Brief printen' }).isVisible(), false, 'print: no buttons');
      assert.equal(await page.locator('.svs-letter').isVisible(), true, 'print: the letter');
      await page.emulateMedia({ media: 'screen' });

      // The driegesprek: intake answers, dose, plan.
      await page.getByRole('link', { name: 'Driegesprek starten' }).click();
      await page.getByRole('heading', { level: 1, name: `Driegesprek met ${name}` }).waitFor();
      const question = page.locator('fieldset input[type="checkbox"]').first();
      await question.check();
      await page.getByLabel('Hoeveel stappen tegelijk?').selectOption('2');
      await page.locator('.svs-preview').first().waitFor();
      await assertAccessible(page, 'driegesprek');
      await page.getByRole('button', { name: 'Plan maken' }).click();

      // The plan at a glance.
      await page.getByRole('heading', { level: 1, name: `Plan van ${name}` }).waitFor();
      await page.locator('[data-criterion="E1"]').waitFor();
      await page.locator('#timeline ~ ol li').first().waitFor();
      await assertAccessible(page, 'plan');
      const planId = page.url().split('/').pop() ?? '';

      // The resident activates the app from the letter and asks for help with a step: the
      // caseworker finds it on the worklist (the help chip) and goes to the plan from there.
      const phone = await call('POST', '/v1/auth/activate', { body: { code, pin: PIN }, expect: 200 });
      const mine = await call('GET', '/v1/me/steps/current', { token: phone.access_token, expect: 200 });
      const asked = mine.steps.find((/** @type {any} */ s) => !s.urgent);
      assert.ok(asked, 'an ordinary step is open next to the crisis check');
      await call('POST', `/v1/me/steps/${asked.id}/help`, { token: phone.access_token, headers: { 'Idempotency-Key': crypto.randomUUID() }, expect: 200 });
      await page.getByRole('link', { name: 'Werklijst', exact: true }).click();
      await page.locator('.svs-chip[data-kind="help_requested"]').click();
      await page.locator('.svs-work[data-filter="help_requested"]').waitFor();
      await page.locator('.svs-work__item').filter({ hasText: name }).getByRole('link', { name }).click();
      await page.getByRole('heading', { level: 1, name: `Plan van ${name}` }).waitFor();

      // Hand that step to the volunteer.
      const title = asked.title;
      const row = page.locator(`li[data-title="${title}"]`);
      await row.getByRole('button', { name: `Wijzigen: ${title}` }).click();
      const owner = row.getByLabel('Wie doet dit?');
      const els = await owner.locator('option', { hasText: 'vrijwilliger' }).first().getAttribute('value');
      await owner.selectOption(els ?? '');
      await assertAccessible(page, 'plan (editing a step)');
      await row.getByRole('button', { name: 'Opslaan' }).click();
      await page.getByRole('status').filter({ hasText: 'De stap staat nu bij' }).waitFor();

      // A stale edit: someone else changes the step first → 412 → reload with a clear line.
      const token = await login(CASEWORKER, DEMO_PASSWORD);
      const fresh = page.locator(`li[data-title="${title}"]`);
      await fresh.getByRole('button', { name: `Wijzigen: ${title}` }).click();
      const plan = await call('GET', `/v1/plans/${planId}`, { token });
      const step = plan.steps.find((/** @type {any} */ s) => s.title === title);
      await call('PATCH', `/v1/steps/${step.id}`, { token, body: { due_on: '2030-01-31' }, headers: { 'If-Match': step.etag, 'Idempotency-Key': crypto.randomUUID() }, expect: 200 });
      await fresh.getByLabel('Hoe dringend?').selectOption('P1');
      await fresh.getByRole('button', { name: 'Opslaan' }).click();
      await page.getByRole('alert').filter({ hasText: 'Iemand anders heeft dit net veranderd' }).waitFor();
      await page.locator(`li[data-title="${title}"]`).getByText('31 januari 2030').waitFor();

      // The volunteer completes it in the console.
      await signIn(vol.page, VOLUNTEER);
      await vol.page.getByRole('heading', { level: 1, name: 'Mijn taken' }).waitFor();
      const task = vol.page.locator('article', { hasText: title });
      await task.waitFor();
      assert.equal(await vol.page.getByText(name).count(), 0, 'the volunteer sees no full name');
      await task.getByText(`Voor ${name.split(' ')[0]}`).waitFor();
      await assertAccessible(vol.page, 'volunteer tasks');
      await task.getByRole('button', { name: 'Klaar' }).click();
      await task.getByLabel('Wil je iets zeggen? (mag leeg)').fill('Samen gedaan, ging goed.');
      await task.getByRole('button', { name: 'Ja, deze taak is klaar' }).click();
      await vol.page.getByRole('status').filter({ hasText: 'De taak is klaar' }).waitFor();
      await assertAccessible(vol.page, 'volunteer tasks (done)');

      // The caseworker verifies it.
      await page.reload();
      await page.getByRole('heading', { level: 1, name: `Plan van ${name}` }).waitFor();
      const done = page.locator(`li[data-title="${title}"]`);
      await done.getByText('Samen gedaan, ging goed.').waitFor();
      await done.getByRole('button', { name: `Controleren: ${title}` }).click();
      await page.getByRole('status').filter({ hasText: 'Gecontroleerd' }).waitFor();
      await page.locator(`li[data-title="${title}"] [data-status="verified"]`).waitFor();
      await assertAccessible(page, 'plan (verified)');

      // The handover file, as the browser downloads it.
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download PDF' }).click()]);
      assert.match(download.suggestedFilename(), /\.pdf$/, 'the handover is a PDF');

      for (const b of [cw, vol]) {
        assert.deepEqual(b.foreign, [], 'no request to another host');
        assert.deepEqual(b.consoleErrors.filter((e) => !/401|404|412|Failed to load resource/.test(e)), [], 'no script errors');
      }
    } finally {
      await cw.close();
      await vol.close();
    }
  });

  test(`admin journey on a ${size.name}: an account disabled while in use, erasure from the audit log`, { timeout: 120000 }, async () => {
    const adm = await browser(size);
    const vol = await browser(size);
    const sanne = await login(CASEWORKER, DEMO_PASSWORD);
    const plan = { resident_id: (await newResident(sanne, `Rosa ${size.name}`)).residentId };
    try {
      // An admin makes an account, that person signs in, the admin disables it: the session ends.
      await signIn(adm.page, ADMIN);
      await adm.page.getByRole('heading', { level: 1, name: 'Accounts' }).waitFor();
      await adm.page.locator('table').waitFor();
      await assertAccessible(adm.page, 'accounts');
      const email = `vera.${size.name}.${Date.now()}@example.org`;
      await adm.page.getByLabel('Naam', { exact: true }).fill(`Vera ${size.name}`);
      await adm.page.getByLabel('E-mailadres').fill(email);
      await adm.page.getByLabel('Rol').selectOption('volunteer');
      await adm.page.getByLabel('Eerste wachtwoord').fill(DEMO_PASSWORD);
      await adm.page.getByRole('button', { name: 'Account maken' }).click();
      await adm.page.getByRole('status').filter({ hasText: 'is gemaakt' }).waitFor();
      await signIn(vol.page, email);
      await vol.page.getByRole('heading', { level: 1, name: 'Mijn taken' }).waitFor();
      await adm.page.getByRole('button', { name: `Uitzetten: het account van Vera ${size.name}` }).click();
      await adm.page.getByRole('status').filter({ hasText: 'staat uit' }).waitFor();
      await vol.page.getByRole('link', { name: 'Mijn taken' }).click();
      await vol.page.getByRole('heading', { level: 1, name: 'Inloggen' }).waitFor();
      await vol.page.getByText('Je bent uitgelogd').waitFor();
      for (const screen of ['teams', 'audit', 'erase']) {
        await adm.page.goto(`${BASE}/console/admin/${screen}`);
        await adm.page.locator(`[data-screen="${screen}"]`).waitFor();
        await adm.page.locator('.svs-loading').waitFor({ state: 'detached' });
        await assertAccessible(adm.page, `admin ${screen}`);
      }

      // The admin finds the resident in the audit log and erases their personal data.
      await adm.page.goto(`${BASE}/console/admin/audit`);
      await adm.page.getByLabel('Inwoner (id)').fill(plan.resident_id);
      await adm.page.getByRole('button', { name: 'Filteren' }).click();
      await adm.page.locator('tbody tr').first().waitFor();
      await adm.page.getByRole('link', { name: 'Gegevens wissen…' }).first().click();
      assert.equal(await adm.page.getByLabel('Id van de inwoner').inputValue(), plan.resident_id);
      await adm.page.getByLabel('Reden').fill('Verzoek van de inwoner (AVG art. 17)');
      await adm.page.getByLabel('Ik weet dat dit niet terug kan').check();
      await adm.page.getByRole('button', { name: 'Gegevens wissen' }).click();
      await adm.page.getByRole('status').filter({ hasText: 'De gegevens zijn gewist.' }).waitFor();

      for (const b of [adm, vol]) {
        assert.deepEqual(b.foreign, [], 'no request to another host');
        assert.deepEqual(b.consoleErrors.filter((e) => !/401|404|412|Failed to load resource/.test(e)), [], 'no script errors');
      }
    } finally {
      await adm.close();
      await vol.close();
    }
  });
}

test('a caseworker of another team gets "niet gevonden" for a resident\'s plan', { timeout: 60000 }, async () => {
  const admin = await login(ADMIN, DEMO_PASSWORD);
  const sanne = await login(CASEWORKER, DEMO_PASSWORD);
  const team = await call('POST', '/v1/teams', { token: admin, body: { name: `Buurtteam Oost ${Date.now()}` }, headers: { 'Idempotency-Key': crypto.randomUUID() }, expect: 201 });
  const email = `ahmed.${Date.now()}@example.org`;
  await call('POST', '/v1/users', { token: admin, body: { email, display_name: 'Ahmed Oost', role: 'caseworker', discipline: 'generalist', team_ids: [team.id], password: DEMO_PASSWORD }, headers: { 'Idempotency-Key': crypto.randomUUID() }, expect: 201 });
  const teams = await call('GET', '/v1/teams', { token: sanne, expect: 200 });
  const created = await call('POST', '/v1/residents', { token: sanne, body: { display_name: 'Yara Geheim', team_id: teams[0].id }, headers: { 'Idempotency-Key': crypto.randomUUID() }, expect: 201 });
  const plan = await call('POST', `/v1/residents/${created.resident.id}/plans`, { token: sanne, body: { intake: { renter: true } }, headers: { 'Idempotency-Key': crypto.randomUUID() }, expect: 201 });

  const b = await browser(DESKTOP);
  try {
    await signIn(b.page, email);
    for (const path of [`/console/plans/${plan.id}`, `/console/residents/${created.resident.id}`, `/console/residents/${created.resident.id}/letter`]) {
      await b.page.goto(`${BASE}${path}`);
      await b.page.getByRole('heading', { level: 1, name: 'Niet gevonden' }).waitFor();
      assert.equal(await b.page.getByText('Yara').count(), 0, `${path}: nothing of the resident`);
      await assertAccessible(b.page, `not found ${path}`);
    }
    await b.page.getByRole('link', { name: 'Inwoners', exact: true }).click();
    await b.page.locator('[data-screen="residents"] .svs-loading').waitFor({ state: 'detached' });
    assert.equal(await b.page.getByText('Yara').count(), 0, 'not in the caseload either');
    assert.deepEqual(b.foreign, []);
  } finally {
    await b.close();
  }
});

test('the console signs out by itself after 15 minutes without activity', { timeout: 60000 }, async () => {
  const b = await browser(DESKTOP);
  try {
    await b.page.clock.install();
    await signIn(b.page, VOLUNTEER);
    await b.page.getByRole('heading', { level: 1, name: 'Mijn taken' }).waitFor();
    await b.page.clock.fastForward('10:00');
    assert.equal(await b.page.getByRole('heading', { level: 1, name: 'Mijn taken' }).isVisible(), true, 'still signed in after 10 minutes');
    await b.page.clock.fastForward('04:10');
    await b.page.getByRole('alert').filter({ hasText: 'Over 1 minuut word je uitgelogd' }).waitFor();
    await assertAccessible(b.page, 'idle warning');
    await b.page.clock.fastForward('01:00');
    await b.page.getByRole('heading', { level: 1, name: 'Inloggen' }).waitFor();
    await b.page.getByText('Je deed 15 minuten niets').waitFor();
    await assertAccessible(b.page, 'signed out after idling');
    // The session is gone on the server too: a reload does not sign in again.
    await b.page.reload();
    await b.page.getByRole('heading', { level: 1, name: 'Inloggen' }).waitFor();
    assert.deepEqual(b.foreign, []);
  } finally {
    await b.close();
  }
});

test('a caseworker reviews documents, unlocks a resident, makes a new code and pauses the plan', { timeout: 60000 }, async () => {
  const sanne = await login(CASEWORKER, DEMO_PASSWORD);
  const r = await newResident(sanne, 'Dewi');
  const tokens = await call('POST', '/v1/auth/activate', { body: { code: r.code, pin: PIN }, expect: 200 });
  const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), Buffer.alloc(2000, 65), Buffer.from('\n%%EOF\n')]);
  /** @type {string[]} */
  const titles = [];
  for (const nl of ['Stuur je huurcontract', 'Stuur je polisblad']) {
    const plan = await call('POST', `/v1/plans/${r.planId}/steps`, { token: sanne, body: { category: 'papieren', title: { nl }, evidence: 'document', priority: 'P0' }, headers: { 'Idempotency-Key': crypto.randomUUID() }, expect: 201 });
    const step = plan.steps.find((/** @type {any} */ s) => s.title === nl);
    const res = await fetch(`${BASE}/v1/me/steps/${step.id}/documents`, { method: 'POST', headers: { Authorization: `Bearer ${tokens.access_token}`, 'Content-Type': 'application/pdf', 'Idempotency-Key': crypto.randomUUID() }, body: pdf });
    assert.ok(res.status === 201 || res.status === 200, `upload: ${res.status} ${await res.text()}`);
    titles.push(nl);
  }
  const b = await browser(DESKTOP);
  try {
    await signIn(b.page, CASEWORKER);
    await b.page.goto(`${BASE}/console/plans/${r.planId}`);
    const first = b.page.locator('[data-document]').filter({ hasText: titles[0] });
    await first.getByText('Nog bekijken').waitFor();
    await assertAccessible(b.page, 'plan with documents');
    const [download] = await Promise.all([b.page.waitForEvent('download'), first.getByRole('button', { name: 'Openen' }).click()]);
    assert.ok(download.suggestedFilename().length > 0, 'the document downloads');
    await first.getByRole('button', { name: 'Goedkeuren' }).click();
    await b.page.getByRole('status').filter({ hasText: 'goedgekeurd' }).waitFor();
    await b.page.locator('[data-document]').filter({ hasText: titles[0] }).getByText('Goedgekeurd').waitFor();
    const second = b.page.locator('[data-document]').filter({ hasText: titles[1] });
    await second.getByRole('button', { name: 'Afkeuren' }).click();
    await second.getByLabel('Wat is er mis?').fill('De foto is niet scherp. Wil je hem nog een keer sturen?');
    await assertAccessible(b.page, 'rejecting a document');
    await second.getByRole('button', { name: 'Afkeuren' }).last().click();
    await b.page.getByRole('status').filter({ hasText: 'afgekeurd' }).waitFor();
    await b.page.locator('[data-document]').filter({ hasText: titles[1] }).getByText('niet scherp').waitFor();

    // One wrong PIN: the resident's page offers unlocking; then a new activation code (letter).
    await call('POST', '/v1/auth/login', { body: { username: r.login, password: '00000' }, expect: 401 });
    await b.page.goto(`${BASE}/console/residents/${r.residentId}`);
    await b.page.getByText('1× verkeerde PIN').waitFor();
    await assertAccessible(b.page, 'resident page');
    await b.page.getByRole('button', { name: 'Account weer openzetten' }).click();
    await b.page.getByRole('status').filter({ hasText: 'Het account staat weer open' }).waitFor();
    await b.page.getByRole('button', { name: 'Nieuwe activatiecode' }).click();
    await b.page.getByRole('heading', { level: 1, name: 'Brief voor Dewi' }).waitFor();
    const code = (await b.page.locator('[data-code]').textContent())?.trim();
    assert.ok(code && code !== r.code, 'a new code on the letter');
    await b.page.goto(`${BASE}/console/plans/${r.planId}`);
    await b.page.locator('[data-criterion="E1"]').waitFor();

    // The plan's status, ETag-safe: pause it and make it run again.
    await b.page.getByLabel('Status', { exact: true }).selectOption('paused');
    await b.page.getByRole('button', { name: 'Opslaan' }).click();
    await b.page.getByRole('status').filter({ hasText: 'Het plan is aangepast.' }).waitFor();
    await b.page.locator('dd').filter({ hasText: 'Gepauzeerd' }).waitFor();
    await b.page.getByLabel('Status', { exact: true }).selectOption('active');
    await b.page.getByRole('button', { name: 'Opslaan' }).click();
    await b.page.locator('dd').filter({ hasText: 'Loopt' }).waitFor();
    assert.deepEqual(b.foreign, []);
  } finally {
    await b.close();
  }
});
