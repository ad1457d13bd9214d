// Sign-in for staff: e-mail and password. Residents use the app at /app/ instead.

import { html, useState } from '../../../common/ui.js';
import * as api from '../api.js';
import { t } from '../i18n.js';
import { ScreenTitle, Field, Button, messageOf } from '../parts.js';

/** @param {{ onSignedIn: (me: import('../api.js').Me) => void }} props */
export function SignIn({ onSignedIn }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState(/** @type {string | null} */ (null));
  const [busy, setBusy] = useState(false);

  /** @param {Event} e */
  async function submit(e) {
    e.preventDefault();
    setProblem(null);
    if (!email.trim() || !password) {
      setProblem(t('signin.missing'));
      return;
    }
    setBusy(true);
    try {
      const tokens = await api.login(email.trim(), password);
      if (tokens.user.role === 'resident' || tokens.user.role === 'researcher') {
        await api.logout().catch(() => {});
        setProblem(t('signin.not_staff'));
        return;
      }
      onSignedIn(tokens.user);
    } catch (err) {
      if (err instanceof api.ApiError && err.status === 401) setProblem(t('signin.wrong'));
      else setProblem(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return html`<section class="svs-screen" data-screen="signin">
    <${ScreenTitle}>${t('signin.title')}<//>
    <p class="utrecht-paragraph">${t('signin.intro')}</p>
    ${problem && html`<div class="utrecht-alert utrecht-alert--error" role="alert"><p class="utrecht-paragraph">${problem}</p></div>`}
    <form class="utrecht-form" onSubmit=${submit} noValidate>
      <${Field} label=${t('signin.email')} id="signin-email">
        <input class="utrecht-textbox utrecht-textbox--html-input" id="signin-email" type="email" autocomplete="username"
          value=${email} onInput=${(/** @type {Event} */ e) => setEmail(/** @type {HTMLInputElement} */ (e.currentTarget).value)} />
      <//>
      <${Field} label=${t('signin.password')} id="signin-password">
        <input class="utrecht-textbox utrecht-textbox--html-input" id="signin-password" type="password" autocomplete="current-password"
          value=${password} onInput=${(/** @type {Event} */ e) => setPassword(/** @type {HTMLInputElement} */ (e.currentTarget).value)} />
      <//>
      <${Button} kind="primary" type="submit" busy=${busy}>${t('signin.submit')}<//>
    </form>
    <p class="utrecht-paragraph svs-quiet">${t('signin.resident')} <a class="utrecht-link" href="/app/">${t('signin.resident_link')}</a></p>
  </section>`;
}
