// Screenshots of every screen of the resident app in Dutch and English, 360 px wide, into
// docs/screenshots/ (committed, shown in docs/resident-app.md), then the staff console's
// (./screenshots-console.mjs). Against the server at
// SVS_BASE_URL with the demo accounts; run by `bash web/run-tests.sh --docs`.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE, login, newResident, phone, DEMO_PASSWORD, CASEWORKER, PIN } from '../tests/helpers.mjs';
import { consoleScreenshots } from './screenshots-console.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots');
mkdirSync(out, { recursive: true });
const caseworker = await login(CASEWORKER, DEMO_PASSWORD);

for (const lang of ['nl', 'en']) {
  const en = lang === 'en';
  const L = (/** @type {string} */ nl, /** @type {string} */ eng) => (en ? eng : nl);
  const resident = await newResident(caseworker, en ? 'Sam' : 'Noor');
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
