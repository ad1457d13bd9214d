// Appointments and "what happens next", in both apps against the real server: a caseworker
// plans an appointment on the plan screen of the console; the resident sees it on the home
// screen of the app (360 px phone), downloads it for the calendar, says "ik kom", asks for
// another moment with a reason; the caseworker sees the move request on the plan and the
// worklist, moves the appointment (ETag-safe: a change in between is caught) and cancels it;
// the resident opens "Wat gebeurt er hierna?" (online and from the phone's copy offline) and
// cannot open another resident's appointment. Every screen is scanned with axe-core; no request
// leaves the host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BASE, call, login, newResident, browser, phone, assertAccessible, waitForServiceWorker, DESKTOP, DEMO_PASSWORD, CASEWORKER, ADMIN, PIN } from './helpers.mjs';

/** A day `n` days from today as YYYY-MM-DD (local). @param {number} n */
function dayAhead(n) {
  const d = new Date();
  d.setDate(d.getDate() + n);
  const p = (/** @type {number} */ x) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** Only script errors count: failed loads (401/404/412 answers) are the journey's own. @param {string[]} errors */
const scriptErrors = (errors) => errors.filter((e) => !/401|404|409|412|Failed to load resource/.test(e));

test('a caseworker plans an appointment; the resident confirms it and asks to move it; the road', { timeout: 150_000 }, async () => {
  const sanne = await login(CASEWORKER, DEMO_PASSWORD);
  const resident = await newResident(sanne, 'Fatima');
  const day = dayAhead(2);
  // The team says how residents reach it (an admin's setting); the road shows it.
  const admin = await login(ADMIN, DEMO_PASSWORD);
  const [team] = await call('GET', '/v1/teams', { token: sanne, expect: 200 });
  await call('PATCH', `/v1/teams/${team.id}`, { token: admin, headers: { 'Idempotency-Key': crypto.randomUUID() }, body: { contact_phone: '030 123 45 67', contact_hours: 'Maandag tot en met vrijdag, 9 tot 17 uur' }, expect: 200 });
  const cw = await browser(DESKTOP);
  const ph = await phone();
  const { page } = cw;
  try {
    // The console: plan an appointment on the plan screen.
    await page.goto(`${BASE}/console/`);
    await page.getByLabel('E-mailadres').fill(CASEWORKER);
    await page.getByLabel('Wachtwoord').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Inloggen' }).click();
    await page.locator('nav[aria-label="Menu"]').waitFor();
    await page.goto(`${BASE}/console/plans/${resident.planId}`);
    await page.getByRole('heading', { level: 2, name: 'Afspraken' }).waitFor();
    await page.getByText('Er is nog geen afspraak gepland.').waitFor();
    await page.getByRole('button', { name: 'Nieuwe afspraak plannen' }).click();
    await page.getByLabel('Datum').fill(day);
    await page.getByLabel('Tijd (Nederlandse tijd)').fill('10:30');
    await page.getByLabel('Duur').selectOption('45');
    await page.getByLabel('Soort afspraak').selectOption('office');
    await page.getByLabel('Adres', { exact: true }).fill('Buurtteam Demo, Kaatstraat 12');
    assert.match((await page.getByLabel('Met wie').locator('option:checked').textContent()) ?? '', /Sanne/, 'with the caseworker herself by default');
    await page.getByLabel('Wat neemt de inwoner mee?').fill('Je laatste loonstrook');
    await assertAccessible(page, 'console: planning an appointment');
    await page.getByRole('button', { name: 'Afspraak plannen' }).click();
    await page.getByRole('status').filter({ hasText: 'De afspraak is gepland' }).waitFor();
    const row = page.locator('[data-list="coming"] [data-appointment]');
    await row.getByText('10:30–11:15').waitFor();
    await row.getByText('Inwoner heeft nog niet gezegd dat die komt').waitFor();
    await assertAccessible(page, 'console: plan with an appointment');
    const appointmentId = (await row.getAttribute('data-appointment')) ?? '';
    assert.ok(appointmentId, 'the row names its appointment');

    // The app: the resident activates and sees the appointment on the home screen.
    const p = ph.page;
    await p.goto(`${BASE}/app/`);
    await p.getByRole('button', { name: 'Ik heb een activatiecode' }).click();
    await p.getByLabel('Activatiecode').fill(resident.code);
    await p.getByLabel('Kies een PIN').fill(PIN);
    await p.getByLabel('Typ je PIN nog een keer').fill(PIN);
    await p.getByRole('button', { name: 'Account aanzetten' }).click();
    await p.getByRole('heading', { level: 1, name: 'Mijn stap' }).waitFor();
    const card = p.locator(`article[data-appointment="${appointmentId}"]`);
    await card.getByRole('heading', { name: 'Je volgende afspraak' }).waitFor();
    await card.getByText('10:30 tot 11:15 uur').waitFor();
    await card.getByText('Sanne van Buurtteam Demo').waitFor();
    await card.getByText('Buurtteam Demo, Kaatstraat 12').waitFor();
    await card.getByText('Je laatste loonstrook').waitFor();
    await assertAccessible(p, 'app: home with an appointment');

    // Into the calendar: an authenticated fetch, saved as a file.
    const [download] = await Promise.all([p.waitForEvent('download'), card.getByRole('button', { name: 'Zet in mijn agenda' }).click()]);
    assert.match(download.suggestedFilename(), /\.ics$/);
    const ics = readFileSync((await download.path()) ?? '', 'utf8');
    assert.match(ics, /BEGIN:VCALENDAR/);
    assert.match(ics, /BEGIN:VEVENT/);
    await card.getByText('De afspraak staat klaar om in je agenda te zetten').waitFor();

    // "Ik kom".
    await card.getByRole('button', { name: 'Ik kom' }).click();
    await card.getByText('Dank je! Je hulpverlener weet nu dat je komt.').waitFor();
    await card.getByText('Je hebt gezegd dat je komt. Fijn!').waitFor();
    assert.equal(await card.getByRole('button', { name: 'Ik kom' }).count(), 0, 'no second "Ik kom"');
    await page.reload();
    await row.locator('[data-confirmed]').waitFor();

    // Another moment: a reason is asked for, kindly.
    await card.getByRole('button', { name: 'Ander moment vragen' }).click();
    await card.getByRole('button', { name: 'Vraag een ander moment' }).click();
    await card.getByText('Schrijf in een paar woorden waarom het niet past.').waitFor();
    await assertAccessible(p, 'app: asking for another moment (with an error)');
    await card.getByLabel('Waarom past dit moment niet?').fill('Ik moet die dag werken');
    await card.getByRole('button', { name: 'Vraag een ander moment' }).click();
    await card.getByText('Je hebt om een ander moment gevraagd. Geen probleem!').waitFor();
    await assertAccessible(p, 'app: move asked');

    // The caseworker sees the move request on the plan and on the worklist.
    await page.reload();
    const asked = page.locator(`[data-appointment="${appointmentId}"]`);
    await asked.locator('[data-move-request]').filter({ hasText: 'Ik moet die dag werken' }).waitFor();
    assert.equal(await asked.locator('[data-confirmed]').count(), 0, 'asking to move takes back "ik kom"');
    await page.getByRole('link', { name: 'Werklijst' }).click();
    await page.getByRole('heading', { level: 1, name: 'Werklijst' }).waitFor();
    const item = page.locator('.svs-work__item[data-kind="appointment_move_requested"]').filter({ hasText: 'Fatima' });
    await item.getByText('Ik moet die dag werken').waitFor();
    await assertAccessible(page, 'console: worklist with a move request');

    // Moving it, ETag-safe: someone else's change in between is caught and reloaded.
    await item.getByRole('link', { name: 'Fatima' }).click();
    const moving = page.locator(`[data-appointment="${appointmentId}"]`);
    await moving.getByRole('button', { name: /verplaatsen$/ }).click();
    await moving.getByLabel('Tijd (Nederlandse tijd)').fill('14:00');
    await moving.getByLabel('Reden').fill('Fatima moet werken');
    await assertAccessible(page, 'console: moving an appointment');
    const res = await fetch(`${BASE}/v1/appointments/${appointmentId}`, { headers: { Authorization: `Bearer ${sanne}` } });
    const etag = res.headers.get('ETag') ?? '';
    await call('PATCH', `/v1/appointments/${appointmentId}`, { token: sanne, headers: { 'If-Match': etag, 'Idempotency-Key': crypto.randomUUID() }, body: { reason: 'Ander adres', place: 'Buurtteam Demo, Kaatstraat 14' }, expect: 200 });
    await moving.getByRole('button', { name: 'Verplaatsen', exact: true }).click();
    await moving.getByRole('alert').filter({ hasText: 'Iemand anders heeft dit net veranderd' }).waitFor();
    await moving.getByText('Kaatstraat 14').waitFor();
    await moving.getByRole('button', { name: /verplaatsen$/ }).click();
    await moving.getByLabel('Tijd (Nederlandse tijd)').fill('14:00');
    await moving.getByLabel('Reden').fill('Fatima moet werken');
    await moving.getByRole('button', { name: 'Verplaatsen', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'De afspraak is verplaatst naar' }).waitFor();
    await moving.getByText('14:00–14:45').waitFor();
    assert.equal(await moving.locator('[data-move-request]').count(), 0, 'the move request is answered');
    await moving.getByText('1 keer verplaatst').waitFor();

    // The resident sees the new time, and may say "ik kom" again.
    await p.reload();
    await card.getByText('14:00 tot 14:45 uur').waitFor();
    await card.getByRole('button', { name: 'Ik kom' }).waitFor();

    // What happens next: from home, online; then from the phone's copy offline.
    await waitForServiceWorker(p);
    await p.getByRole('heading', { level: 1, name: 'Mijn stap' }).waitFor();
    await p.getByRole('link', { name: 'Wat gebeurt er hierna?' }).click();
    await p.getByRole('heading', { level: 1, name: 'Wat gebeurt er hierna?' }).waitFor();
    const current = p.locator('.svs-road [aria-current="step"]');
    await current.getByText('Hier ben je nu').waitFor();
    assert.equal(await p.locator('.svs-road > li').count(), 2, 'two phases');
    await p.getByText('Sanne, je hulpverlener').waitFor();
    await p.getByRole('link', { name: '030 123 45 67' }).waitFor();
    assert.equal(await p.getByRole('link', { name: '030 123 45 67' }).getAttribute('href'), 'tel:0301234567');
    await p.getByRole('heading', { name: 'Wat nog geregeld moet worden' }).waitFor();
    assert.ok((await p.locator('.svs-criteria [data-criterion]').count()) > 0, 'open criteria in plain words');
    await p.getByText('14:00 tot 14:45 uur').waitFor();
    await assertAccessible(p, 'app: what happens next');
    await p.getByRole('link', { name: 'Bekijk je afspraak' }).click();
    await p.getByRole('heading', { level: 1, name: 'Je afspraak' }).waitFor();
    await p.getByText('Sanne van Buurtteam Demo').waitFor();
    await assertAccessible(p, 'app: one appointment');
    await p.getByRole('link', { name: 'Voortgang' }).click();
    await p.getByRole('heading', { level: 1, name: 'Voortgang' }).waitFor();
    await ph.context.setOffline(true);
    await p.getByRole('link', { name: 'Wat gebeurt er hierna?' }).click();
    await p.getByText('Dit is wat je telefoon nog weet.').first().waitFor({ timeout: 20000 });
    await p.locator('.svs-road [aria-current="step"]').waitFor();
    await assertAccessible(p, 'app: what happens next, offline');
    await ph.context.setOffline(false);

    // The caseworker cancels it, with a reason; it moves to the past.
    await moving.getByRole('button', { name: /afzeggen$/ }).click();
    await moving.getByRole('button', { name: 'Afspraak afzeggen' }).click();
    await moving.getByText('Vul een reden in.').waitFor();
    await moving.getByLabel('Reden').fill('Fatima is verhuisd');
    await moving.getByRole('button', { name: 'Afspraak afzeggen' }).click();
    await page.getByRole('status').filter({ hasText: 'De afspraak is afgezegd.' }).waitFor();
    await page.locator(`[data-list="past"] [data-appointment="${appointmentId}"]`).getByText('Afgezegd').waitFor();
    await assertAccessible(page, 'console: a cancelled appointment');

    assert.deepEqual(cw.foreign, [], 'console: no request to another host');
    assert.deepEqual(ph.foreign, [], 'app: no request to another host');
    assert.deepEqual(scriptErrors(cw.consoleErrors), [], 'console: no script errors');
    assert.deepEqual(scriptErrors(ph.consoleErrors), [], 'app: no script errors');
  } finally {
    await cw.close();
    await ph.close();
  }
});

test("a resident cannot open another resident's appointment: a kind message", { timeout: 60_000 }, async () => {
  const sanne = await login(CASEWORKER, DEMO_PASSWORD);
  const mine = await newResident(sanne, 'Iris');
  const other = await newResident(sanne, 'Joost');
  const theirs = await call('POST', `/v1/plans/${other.planId}/appointments`, {
    token: sanne,
    body: { starts_at: `${dayAhead(3)}T09:00:00+01:00`, duration_minutes: 30, kind: 'phone', place: '06 12345678' },
    headers: { 'Idempotency-Key': crypto.randomUUID() },
    expect: 201,
  });
  const tokens = await call('POST', '/v1/auth/activate', { body: { code: mine.code, pin: PIN }, expect: 200 });
  await call('GET', `/v1/me/appointments/${theirs.id}`, { token: tokens.access_token, expect: 404 });
  const ics = await fetch(`${BASE}/v1/me/appointments/${theirs.id}/calendar.ics`, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
  assert.equal(ics.status, 404);

  const ph = await phone();
  try {
    const p = ph.page;
    await p.goto(`${BASE}/app/login`);
    await p.getByLabel('Inlognaam').fill(mine.login);
    await p.getByLabel('PIN', { exact: true }).fill(PIN);
    await p.getByRole('button', { name: 'Inloggen' }).click();
    await p.getByRole('heading', { level: 1, name: 'Mijn stap' }).waitFor();
    assert.equal(await p.locator('article[data-appointment]').count(), 0, 'no appointment of their own');
    await p.goto(`${BASE}/app/appointments/${theirs.id}`);
    await p.getByRole('heading', { level: 1, name: 'Je afspraak' }).waitFor();
    await p.getByText('Deze afspraak kunnen we niet vinden.').waitFor();
    assert.equal(await p.getByText('06 12345678').count(), 0, 'nothing of the other appointment');
    await assertAccessible(p, 'app: an appointment that is not yours');
    await p.getByRole('link', { name: 'Naar Mijn stap' }).click();
    await p.getByRole('heading', { level: 1, name: 'Mijn stap' }).waitFor();
    assert.deepEqual(ph.foreign, []);
    assert.deepEqual(scriptErrors(ph.consoleErrors), []);
  } finally {
    await ph.close();
  }
});

test('a caseworker records afterwards whether an appointment took place', { timeout: 60_000 }, async () => {
  const sanne = await login(CASEWORKER, DEMO_PASSWORD);
  const r = await newResident(sanne, 'Ravi');
  // Two appointments that start in a few seconds (a start must lie ahead when it is planned).
  const soon = new Date(Date.now() + 4000).toISOString();
  /** @param {'office' | 'phone'} kind */
  const plan = (kind) =>
    call('POST', `/v1/plans/${r.planId}/appointments`, { token: sanne, headers: { 'Idempotency-Key': crypto.randomUUID() }, body: { starts_at: soon, duration_minutes: 30, kind }, expect: 201 });
  const office = await plan('office');
  const byPhone = await plan('phone');
  const b = await browser(DESKTOP);
  try {
    const page = b.page;
    await page.goto(`${BASE}/console/`);
    await page.getByLabel('E-mailadres').fill(CASEWORKER);
    await page.getByLabel('Wachtwoord').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Inloggen' }).click();
    await page.locator('nav[aria-label="Menu"]').waitFor();
    await page.waitForTimeout(Math.max(0, Date.parse(soon) - Date.now() + 500));
    await page.goto(`${BASE}/console/plans/${r.planId}`);
    const first = page.locator(`[data-appointment="${office.id}"]`);
    await first.getByRole('button', { name: /: geweest$/ }).waitFor();
    assert.equal(await first.getByRole('button', { name: /verplaatsen$/ }).count(), 0, 'a started appointment is not moved');
    await assertAccessible(page, 'console: appointments to record');
    await first.getByRole('button', { name: /: geweest$/ }).click();
    await page.getByRole('status').filter({ hasText: 'Vastgelegd: de afspraak is geweest.' }).waitFor();
    await page.locator(`[data-list="past"] [data-appointment="${office.id}"] [data-status="attended"]`).waitFor();
    await page.locator(`[data-appointment="${byPhone.id}"]`).getByRole('button', { name: /: niet gekomen$/ }).click();
    await page.getByRole('status').filter({ hasText: 'Vastgelegd: de inwoner is niet gekomen.' }).waitFor();
    await page.locator(`[data-list="past"] [data-appointment="${byPhone.id}"] [data-status="missed"]`).waitFor();
    const saved = await call('GET', `/v1/appointments/${byPhone.id}`, { token: sanne, expect: 200 });
    assert.equal(saved.status, 'missed');
    assert.deepEqual(b.foreign, []);
    assert.deepEqual(scriptErrors(b.consoleErrors), []);
  } finally {
    await b.close();
  }
});
