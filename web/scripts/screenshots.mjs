// Screenshots of every screen of the resident app in Dutch and English, 360 px wide, into
// docs/screenshots/ (committed, shown in docs/resident-app.md), then the staff console's
// (./screenshots-console.mjs). Against the server at
// SVS_BASE_URL with the demo accounts; run by `bash web/run-tests.sh --docs`.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE, call, login, newResident, phone, DEMO_PASSWORD, CASEWORKER, ADMIN, PIN } from '../tests/helpers.mjs';
import { consoleScreenshots } from './screenshots-console.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots');
mkdirSync(out, { recursive: true });
const caseworker = await login(CASEWORKER, DEMO_PASSWORD);
// How residents reach the team (an admin's setting), for "Wat gebeurt er hierna?".
{
  const admin = await login(ADMIN, DEMO_PASSWORD);
  const [team] = await call('GET', '/v1/teams', { token: caseworker, expect: 200 });
  await call('PATCH', `/v1/teams/${team.id}`, {
    token: admin,
    headers: { 'Idempotency-Key': crypto.randomUUID() },
    body: { contact_phone: '030 123 45 67', contact_email: 'buurtteam@demo.stapvoorstap.nl', contact_hours: 'Maandag tot en met vrijdag, 9 tot 17 uur' },
    expect: 200,
  });
}

for (const lang of ['nl', 'en']) {
  const en = lang === 'en';
  const L = (/** @type {string} */ nl, /** @type {string} */ eng) => (en ? eng : nl);
  const resident = await newResident(caseworker, en ? 'Sam' : 'Noor');
  // The next appointment, for the card on the home screen.
  const soon = new Date();
  soon.setDate(soon.getDate() + 2);
  const day = `${soon.getFullYear()}-${String(soon.getMonth() + 1).padStart(2, '0')}-${String(soon.getDate()).padStart(2, '0')}`;
  const members = await call('GET', `/v1/teams/${(await call('GET', '/v1/teams', { token: caseworker, expect: 200 }))[0].id}/members`, { token: caseworker, expect: 200 });
  await call('POST', `/v1/plans/${resident.planId}/appointments`, {
    token: caseworker,
    headers: { 'Idempotency-Key': crypto.randomUUID() },
    body: {
      starts_at: `${day}T10:30:00+01:00`,
      duration_minutes: 45,
      kind: 'office',
      place: 'Buurtteam Demo, Kaatstraat 12',
      with_user_id: members.find((/** @type {any} */ m) => m.display_name.startsWith('Sanne'))?.id ?? null,
      bring: en ? 'Your latest payslip and the letter from the housing association' : 'Je laatste loonstrook en de brief van de woningcorporatie',
    },
    expect: 201,
  });
  const { page, close } = await phone({ lang: en ? 'en-GB' : 'nl-NL', scale: 1 });
  await page.addInitScript((l) => localStorage.setItem('svs.lang', l), lang);
  const shot = async (/** @type {string} */ name) => {
    await page.waitForTimeout(150);
    await page.screenshot({ path: join(out, `${lang}-${name}.png`), fullPage: true });
  };
  try {
    await page.goto(`${BASE}/app/`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await shot('1-start');
    await page.getByRole('button', { name: L('Ik heb een activatiecode', 'I have an activation code') }).click();
    await page.getByLabel(L('Activatiecode', 'Activation code')).fill(resident.code);
    await shot('2-activate');
    await page.getByLabel(L('Kies een PIN', 'Choose a PIN')).fill(PIN);
    await page.getByLabel(L('Typ je PIN nog een keer', 'Type your PIN again')).fill(PIN);
    await page.getByRole('button', { name: L('Account aanzetten', 'Switch on account') }).click();
    await page.locator('article[data-step]').first().waitFor();
    await shot('3-home');
    await page.getByRole('button', { name: L('Klaar', 'Done'), exact: true }).first().click();
    await page.getByLabel(L('Ik deed dit al eerder', 'I did this earlier')).check();
    await shot('4-done');
    await page.getByRole('button', { name: L('Ja, deze stap is klaar', 'Yes, this step is done') }).click();
    await page.locator('.svs-pulse').waitFor();
    await shot('5-next-and-mood');
    await page.getByRole('button', { name: L('Sla over', 'Skip') }).click();
    await page.getByRole('button', { name: L('Niet nu', 'Not now') }).first().click();
    await page.getByLabel(L('Ik wacht op post', 'I am waiting for a letter')).check();
    await shot('6-snooze');
    await page.getByRole('button', { name: L('Terug', 'Back') }).click();
    await page.getByRole('button', { name: L('Wanneer doe je dit?', 'When will you do this?') }).first().click();
    await shot('7-when');
    await page.getByRole('button', { name: L('Terug', 'Back') }).click();
    await page.getByRole('link', { name: L('Voortgang', 'Progress') }).click();
    await page.getByRole('heading', { level: 2 }).first().waitFor();
    await shot('8-progress');
    await page.getByRole('link', { name: L('Mijn stap', 'My step') }).click();
    await page.getByRole('link', { name: L('Ik heb nu een probleem', 'I have a problem right now') }).click();
    await page.getByRole('heading', { level: 1 }).waitFor();
    await shot('9-crisis');
    // The appointment: asking for another moment, then what happens next.
    await page.getByRole('link', { name: L('Mijn stap', 'My step') }).click();
    await page.getByRole('button', { name: L('Ander moment vragen', 'Ask for another time') }).click();
    await page.getByLabel(L('Waarom past dit moment niet?', 'Why does this time not work?')).fill(L('Ik moet die dag werken', 'I have to work that day'));
    await page.locator('article[data-appointment]').screenshot({ path: join(out, `${lang}-12-appointment-move.png`) });
    await page.getByRole('button', { name: L('Vraag een ander moment', 'Ask for another time') }).last().click();
    await page.locator('article[data-appointment] [role="status"]').waitFor();
    await page.waitForTimeout(150);
    await page.locator('article[data-appointment]').screenshot({ path: join(out, `${lang}-13-appointment-asked.png`) });
    await page.getByRole('link', { name: L('Wat gebeurt er hierna?', 'What happens next?') }).click();
    await page.locator('.svs-road').waitFor();
    await shot('14-road');
    await page.goto(`${BASE}/app/appointments/00000000-0000-7000-8000-000000000000`);
    await page.getByText(L('Deze afspraak kunnen we niet vinden', 'We cannot find this appointment')).waitFor();
    await shot('15-appointment-missing');
    await page.getByRole('link', { name: L('Instellingen', 'Settings') }).click();
    await page.getByLabel(L('Hoe vaak per week, hoogstens?', 'At most how often a week?')).waitFor();
    await shot('10-settings');
    await page.getByRole('button', { name: L('Uitloggen', 'Sign out') }).click();
    await page.getByRole('button', { name: L('Ik heb al een PIN', 'I already have a PIN') }).click();
    await page.getByLabel(L('Inlognaam', 'Login name')).fill(resident.login);
    await page.getByLabel('PIN', { exact: true }).fill('11111');
    await page.getByRole('button', { name: L('Inloggen', 'Sign in') }).click();
    await page.getByRole('alert').waitFor();
    await shot('11-login-error');
  } finally {
    await close();
  }
}
console.log(`screenshots in ${out}`);
// The staff console's (docs/staff-console.md).
await consoleScreenshots();
