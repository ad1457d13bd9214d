// The worklist and the driegesprek's preview against the real server: a resident asks for help
// on their phone and the caseworker's worklist changes; a chip filters on one kind and asks the
// server for it; the preview follows the intake answers, and what was done in the conversation
// goes into the plan (done_in_conversation) as done steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, call, login, browser, assertAccessible, DESKTOP, DEMO_PASSWORD, CASEWORKER, PIN } from './helpers.mjs';

/** @param {import('playwright-core').Page} page */
async function signIn(page) {
  await page.goto(`${BASE}/console/`);
  await page.getByLabel('E-mailadres').fill(CASEWORKER);
  await page.getByLabel('Wachtwoord').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.locator('nav[aria-label="Menu"]').waitFor();
}

/** The number on a chip, e.g. "Vraagt om hulp 3" → 3. @param {import('playwright-core').Locator} chip */
async function countOn(chip) {
  return Number((await chip.locator('.svs-chip__n').textContent())?.trim());
}

test('the worklist changes when a resident asks for help; the driegesprek preview and done_in_conversation', { timeout: 90000 }, async () => {
  const sanne = await login(CASEWORKER, DEMO_PASSWORD);
  const name = `Joris Werklijst ${Date.now() % 100000}`;
  const teams = await call('GET', '/v1/teams', { token: sanne, expect: 200 });
  const created = await call('POST', '/v1/residents', { token: sanne, body: { display_name: name, team_id: teams[0].id }, headers: { 'Idempotency-Key': crypto.randomUUID() }, expect: 201 });
  // Two steps at a time: the crisis check and an ordinary one.
  const made = await call('POST', `/v1/residents/${created.resident.id}/plans`, { token: sanne, body: { intake: { renter: true }, dose: 2 }, headers: { 'Idempotency-Key': crypto.randomUUID() }, expect: 201 });
  const resident = await call('POST', '/v1/auth/activate', { body: { code: created.activation.activation_code, pin: PIN }, expect: 200 });

  const b = await browser(DESKTOP);
  const { page } = b;
  /** @type {string[]} */
  const asked = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.pathname === '/v1/worklist') asked.push(url.searchParams.get('kind') ?? '');
  });
  try {
    await signIn(page);
    await page.getByRole('heading', { level: 1, name: 'Werklijst' }).waitFor();
    const chip = page.locator('.svs-chip[data-kind="help_requested"]');
    await chip.waitFor();
    await page.locator('.svs-work, .svs-empty').first().waitFor();
    const before = await countOn(chip);
    assert.equal(await page.locator('.svs-work__item[data-kind="help_requested"]').filter({ hasText: name }).count(), 0, 'no help request of the new resident yet');
    const kinds = await page.locator('.svs-chip[data-kind]').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    const vocab = await call('GET', '/v1/me/vocabulary', { token: sanne, expect: 200 });
    assert.deepEqual(kinds, vocab.worklist_kinds.map((/** @type {any} */ k) => k.key), 'a chip per kind, in the server\'s order of urgency');

    // On the phone: "Help mij hiermee" on the current step.
    const current = await call('GET', '/v1/me/steps/current', { token: resident.access_token, expect: 200 });
    // (Not the crisis check: a crisis step stays under "crisis", its most urgent kind.)
    const step = current.steps.find((/** @type {any} */ s) => !s.urgent);
    assert.ok(step, `an ordinary open step: ${JSON.stringify(current.steps.map((/** @type {any} */ s) => s.title))}`);
    await call('POST', `/v1/me/steps/${step.id}/help`, { token: resident.access_token, headers: { 'Idempotency-Key': crypto.randomUUID() }, expect: 200 });

    // Back to the worklist: the count went up.
    await page.getByRole('link', { name: 'Inwoners', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Inwoners' }).waitFor();
    await page.getByRole('link', { name: 'Werklijst', exact: true }).click();
    await page.locator('.svs-work[data-filter="all"]').waitFor();
    assert.equal(await countOn(chip), before + 1, 'one more help request');
    await assertAccessible(page, 'worklist');

    // The chip filters: only that kind, asked of the server; the resident is on it, linked to
    // the plan.
    await chip.click();
    await page.locator('.svs-work[data-filter="help_requested"]').waitFor();
    assert.equal(await chip.getAttribute('aria-pressed'), 'true');
    const shown = await page.locator('.svs-work__item').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    assert.ok(shown.length >= 1 && shown.every((k) => k === 'help_requested'), `only help requests: ${shown}`);
    assert.ok(asked.includes('help_requested'), 'the filter asks the server for that kind');
    const row = page.locator('.svs-work__item').filter({ hasText: name });
    assert.equal(await row.locator('a').getAttribute('href'), `/console/plans/${made.id}`);
    await assertAccessible(page, 'worklist (one kind)');
    await page.getByRole('button', { name: /^Alles/ }).click();
    await page.locator('.svs-work[data-filter="all"]').waitFor();

    // The driegesprek with a preview for a resident without a plan.
    const pim = await call('POST', '/v1/residents', { token: sanne, body: { display_name: 'Pim', team_id: teams[0].id }, headers: { 'Idempotency-Key': crypto.randomUUID() }, expect: 201 });
    /** @type {any[]} */
    const previews = [];
    page.on('request', (req) => {
      if (req.url().endsWith('/plans/preview')) previews.push(req.postDataJSON());
    });
    await page.goto(`${BASE}/console/residents/${pim.resident.id}/driegesprek`);
    await page.locator('.svs-preview').first().waitFor();
    await page.getByRole('status').filter({ hasText: /\d/ }).waitFor();
    await assertAccessible(page, 'driegesprek');
    const first = page.locator('.svs-preview__item--planned').first();
    const doneKey = (await first.getAttribute('data-item')) ?? '';
    await first.getByLabel('Gedaan in dit gesprek').check();
    await page.locator(`[data-item="${doneKey}"].svs-preview__item--done_in_conversation`).waitFor();
    const leaveOut = page.locator('.svs-preview__item--planned').nth(1);
    const skipKey = (await leaveOut.getAttribute('data-item')) ?? '';
    await leaveOut.getByLabel('Niet nodig').check();
    await page.locator(`[data-item="${skipKey}"].svs-preview__item--not_selected`).waitFor();
    assert.ok(!previews.at(-1).items.includes(skipKey), 'left out of items');
    assert.deepEqual(previews.at(-1).done_in_conversation, [doneKey]);
    await page.getByRole('button', { name: 'Plan maken' }).click();
    await page.getByRole('heading', { level: 1, name: 'Plan van Pim' }).waitFor();
    const planId = page.url().split('/').pop() ?? '';
    const plan = await call('GET', `/v1/plans/${planId}`, { token: sanne, expect: 200 });
    const done = plan.steps.find((/** @type {any} */ s) => s.item_key === doneKey);
    assert.equal(done?.status, 'done', 'done in the conversation → a done step');
    const left = plan.steps.find((/** @type {any} */ s) => s.item_key === skipKey);
    assert.deepEqual([left?.status, left?.status_reason], ['skipped', 'not_selected'], 'left out → n.v.t., not chosen');
    assert.deepEqual(b.foreign, []);
  } finally {
    await b.close();
  }
});
