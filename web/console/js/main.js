// The staff console: the shell (sign-in, role-aware navigation, routing, idle timeout) and the
// screens in ./screens/. Everything comes from the public API (./api.js); every text from the
// catalogue (./i18n.js).

import { html, render, useState, useEffect, useCallback } from '../../common/ui.js';
import * as api from './api.js';
import { t, lang, setLang, chosenLang } from './i18n.js';
import { Link, NoticeBox, NotFound, Loading, navigate } from './parts.js';
import { SignIn } from './screens/signin.js';
import { Worklist } from './screens/worklist.js';
import { Residents, NewResident, ResidentPage } from './screens/residents.js';
import { Letter } from './screens/letter.js';
import { Driegesprek } from './screens/driegesprek.js';
import { PlanPage } from './screens/plan.js';
import { Tasks } from './screens/tasks.js';
import { Teams, Accounts, AuditLog, Erasure } from './screens/admin.js';

/** @typedef {import('./api.js').Me} Me */
/** @typedef {import('./parts.js').Notice} Notice */

/** Minutes without a key press or click before the console signs out by itself. */
export const IDLE_MINUTES = 15;

/**
 * @typedef {object} Route
 * @property {RegExp} path
 * @property {import('./api.js').Role[]} roles who may open it
 * @property {(m: string[], me: Me) => any} view
 */

/** @type {Route[]} */
const ROUTES = [
  { path: /^\/console\/?$/, roles: ['caseworker', 'volunteer', 'admin'], view: (_m, me) => home(me) },
  { path: /^\/console\/worklist$/, roles: ['caseworker'], view: (_m, me) => html`<${Worklist} me=${me} />` },
  { path: /^\/console\/residents$/, roles: ['caseworker'], view: (_m, me) => html`<${Residents} me=${me} />` },
  { path: /^\/console\/residents\/new$/, roles: ['caseworker'], view: (_m, me) => html`<${NewResident} me=${me} />` },
  { path: /^\/console\/residents\/([\w-]+)$/, roles: ['caseworker'], view: (m) => html`<${ResidentPage} id=${m[1]} />` },
  { path: /^\/console\/residents\/([\w-]+)\/letter$/, roles: ['caseworker'], view: (m) => html`<${Letter} id=${m[1]} />` },
  { path: /^\/console\/residents\/([\w-]+)\/driegesprek$/, roles: ['caseworker'], view: (m) => html`<${Driegesprek} id=${m[1]} />` },
  { path: /^\/console\/plans\/([\w-]+)$/, roles: ['caseworker'], view: (m, me) => html`<${PlanPage} id=${m[1]} me=${me} />` },
  { path: /^\/console\/tasks$/, roles: ['caseworker', 'volunteer'], view: () => html`<${Tasks} />` },
  { path: /^\/console\/admin\/teams$/, roles: ['admin'], view: () => html`<${Teams} />` },
  { path: /^\/console\/admin\/accounts$/, roles: ['admin'], view: (_m, me) => html`<${Accounts} me=${me} />` },
  { path: /^\/console\/admin\/audit$/, roles: ['admin'], view: () => html`<${AuditLog} />` },
  { path: /^\/console\/admin\/erase$/, roles: ['admin'], view: () => html`<${Erasure} />` },
];

/** @param {Me} me */
function home(me) {
  if (me.role === 'caseworker') return html`<${Worklist} me=${me} />`;
  if (me.role === 'volunteer') return html`<${Tasks} />`;
  return html`<${Accounts} me=${me} />`;
}

/** @param {Me} me @returns {{ href: string, label: string }[]} */
function navItems(me) {
  if (me.role === 'caseworker')
    return [
      { href: '/console/', label: t('nav.worklist') },
      { href: '/console/residents', label: t('nav.residents') },
      { href: '/console/tasks', label: t('nav.tasks') },
    ];
  if (me.role === 'volunteer') return [{ href: '/console/', label: t('nav.tasks') }];
  return [
    { href: '/console/', label: t('nav.accounts') },
    { href: '/console/admin/teams', label: t('nav.teams') },
    { href: '/console/admin/audit', label: t('nav.audit') },
    { href: '/console/admin/erase', label: t('nav.erase') },
  ];
}

function Console() {
  const [me, setMe] = useState(/** @type {Me | null | undefined} */ (undefined));
  const [path, setPath] = useState(location.pathname);
  // Every navigation (also to the screen already open) loads the screen afresh.
  const [visit, setVisit] = useState(0);
  const [notice, setNotice] = useState(/** @type {Notice | null} */ (null));
  const [, setLangTick] = useState(0);
  // A minute before the idle timeout: a warning that any key press or click takes away.
  const [idleWarning, setIdleWarning] = useState(false);

  // Signed in: a language chosen on this device goes to the account; else the console speaks
  // the account's language (so the server's texts and the console's agree).
  const signedIn = useCallback((/** @type {Me | null} */ user) => {
    setMe(user);
    if (!user) return;
    const chosen = chosenLang();
    if (chosen && chosen !== user.language) api.updateMe({ language: chosen }).then(setMe, () => {});
    else if (!chosen && user.language !== lang()) {
      setLang(user.language);
      setLangTick((n) => n + 1);
    }
  }, []);

  const signedOut = useCallback((/** @type {string} */ why) => {
    setMe(null);
    setNotice({ text: why, kind: 'info' });
  }, []);

  // A session may still be there (the refresh cookie): try it once at start.
  useEffect(() => {
    api.whenSignedOut(() => signedOut(t('session.ended')));
    api.refresh().then(
      (tokens) => signedIn(tokens?.user ?? null),
      () => setMe(null),
    );
    const onRoute = () => {
      setPath(location.pathname);
      setVisit((n) => n + 1);
      setNotice(null);
      window.scrollTo(0, 0);
    };
    window.addEventListener('popstate', onRoute);
    window.addEventListener('svs:route', onRoute);
    return () => {
      window.removeEventListener('popstate', onRoute);
      window.removeEventListener('svs:route', onRoute);
    };
  }, []);

  // Idle timeout: no key press, click or touch for IDLE_MINUTES signs out.
  useEffect(() => {
    if (!me) return undefined;
    let last = Date.now();
    let warned = false;
    const touch = () => {
      last = Date.now();
      if (warned) {
        warned = false;
        setIdleWarning(false);
      }
    };
    const events = ['keydown', 'pointerdown', 'wheel', 'touchstart'];
    for (const ev of events) window.addEventListener(ev, touch, { passive: true });
    let beat = 0;
    const timer = setInterval(async () => {
      // Every minute a light check that the session is still there: an account disabled by
      // an admin ends here (401 → refresh refused → signed out), not at the next click.
      if (++beat % 4 === 0) api.me().catch(() => {});
      const idle = Date.now() - last;
      if (idle >= (IDLE_MINUTES - 1) * 60000 && !warned) {
        warned = true;
        setIdleWarning(true);
      }
      if (idle < IDLE_MINUTES * 60000) return;
      clearInterval(timer);
      setIdleWarning(false);
      await api.logout().catch(() => {});
      signedOut(t('session.idle', { minutes: IDLE_MINUTES }));
    }, 15000);
    return () => {
      clearInterval(timer);
      for (const ev of events) window.removeEventListener(ev, touch);
    };
  }, [me]);

  useEffect(() => {
    document.documentElement.lang = lang();
  });

  async function signOut() {
    await api.logout().catch(() => {});
    signedOut(t('session.signed_out'));
    navigate('/console/');
  }

  function toggleLang() {
    setLang(lang() === 'nl' ? 'en' : 'nl');
    setLangTick((n) => n + 1);
    // Signed in: the account speaks this language too (step titles, problems, e-mails).
    if (me) api.updateMe({ language: lang() }).then(setMe, () => {});
  }

  if (me === undefined) return html`<main class="svs-main" id="main"><${Loading} /></main>`;

  const langButton = html`<button type="button" class="svs-lang" lang=${lang() === 'nl' ? 'en' : 'nl'} onClick=${toggleLang}>${t('lang.other')}</button>`;

  if (me === null) {
    return html`<a class="svs-skip utrecht-link" href="#main">${t('app.skip')}</a>
      <header class="svs-header"><div class="svs-header__bar"><p class="svs-header__name">${t('app.name')}</p>${langButton}</div></header>
      <main class="svs-main svs-main--narrow" id="main" tabindex="-1">
        <${NoticeBox} notice=${notice} />
        <${SignIn} onSignedIn=${(/** @type {Me} */ m) => { setNotice(null); signedIn(m); if (location.pathname !== '/console/' && !matchRoute(location.pathname, m)) navigate('/console/'); }} />
      </main>`;
  }

  const route = matchRoute(path, me);
  const items = navItems(me);
  // A plan belongs under Inwoners in the menu.
  const menuPath = path.startsWith('/console/plans/') ? '/console/residents' : path;
  const current = items.find((i) => i.href === menuPath) ?? items.find((i) => i.href !== '/console/' && menuPath.startsWith(i.href));
  return html`<a class="svs-skip utrecht-link" href="#main">${t('app.skip')}</a>
    <header class="svs-header">
      <div class="svs-header__bar">
        <p class="svs-header__name">${t('app.name')}</p>
        <p class="svs-header__who">${t('header.who', { name: me.display_name, role: t(`role.${me.role}`) })}</p>
        ${langButton}
        <button type="button" class="svs-lang" onClick=${signOut}>${t('nav.signout')}</button>
      </div>
      <nav class="svs-nav" aria-label=${t('nav.label')}>
        <ul class="svs-nav__list">
          ${items.map((i) => html`<li><${Link} class="svs-nav__link" href=${i.href} current=${current === i}>${i.label}<//></li>`)}
        </ul>
      </nav>
    </header>
    ${idleWarning && html`<div class="utrecht-alert utrecht-alert--warning svs-idle" role="alert"><p class="utrecht-paragraph">${t('session.idle_soon')}</p></div>`}
    <main class="svs-main" id="main" tabindex="-1" key=${`${path}#${visit}`}>
      <${NoticeBox} notice=${notice} />
      ${route ? route.view(route.m, me) : html`<${NotFound} />`}
    </main>`;
}

/** @param {string} path @param {Me} me */
function matchRoute(path, me) {
  for (const r of ROUTES) {
    const m = r.path.exec(path);
    if (m && r.roles.includes(me.role)) return { view: r.view, m: [...m] };
  }
  return null;
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(html`<${Console} />`, root);
}
