// Small building blocks every console screen uses: links that route in the page, headings that
// take focus, form fields, buttons, notices, loading and "not found" states.

import { html, useEffect, useRef, useState } from '../../common/ui.js';
import { t } from './i18n.js';
import { ApiError } from './api.js';

/** @typedef {{ text: string, kind?: 'ok' | 'info' | 'error' }} Notice */

/** Moves to a console path without reloading the page. @param {string} path */
export function navigate(path) {
  history.pushState(null, '', path);
  window.dispatchEvent(new Event('svs:route'));
}

/** @param {unknown} err */
export function messageOf(err) {
  return err instanceof Error ? err.message : t('error.generic');
}

/** @param {{ href: string, children: any, class?: string, current?: boolean }} props */
export function Link({ href, children, class: cls, current }) {
  /** @param {MouseEvent} ev */
  function click(ev) {
    if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    navigate(href);
  }
  return html`<a class=${cls ?? 'utrecht-link'} href=${href} onClick=${click} aria-current=${current ? 'page' : undefined}>${children}</a>`;
}

/** @param {{ notice: Notice | null }} props */
export function NoticeBox({ notice }) {
  if (!notice) return null;
  const kind = notice.kind ?? 'ok';
  return html`<div class=${`utrecht-alert utrecht-alert--${kind} svs-notice`} role=${kind === 'error' ? 'alert' : 'status'}>
    <p class="utrecht-paragraph">${notice.text}</p>
  </div>`;
}

/** A heading that takes focus when its screen opens. @param {{ children: any }} props */
export function ScreenTitle({ children }) {
  const ref = useRef(/** @type {HTMLHeadingElement | null} */ (null));
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return html`<h1 class="utrecht-heading-1 svs-title" tabindex="-1" ref=${ref}>${children}</h1>`;
}

/** @param {{ label: string, id: string, hint?: string, error?: string, children: any }} props */
export function Field({ label, id, hint, error, children }) {
  return html`<div class=${`utrecht-form-field utrecht-form-field--text${error ? ' utrecht-form-field--invalid' : ''}`}>
    <div class="utrecht-form-field__label"><label class="utrecht-form-label" for=${id}>${label}</label></div>
    ${hint && html`<div class="utrecht-form-field__description utrecht-form-field-description" id=${`${id}-hint`}>${hint}</div>`}
    ${error && html`<div class="utrecht-form-field__error-message utrecht-form-field-error-message" id=${`${id}-error`}>${error}</div>`}
    <div class="utrecht-form-field__input">${children}</div>
  </div>`;
}

/**
 * @param {{ onClick?: (e: Event) => void, kind?: 'primary' | 'secondary' | 'subtle', type?: string, busy?: boolean, children: any, class?: string, label?: string }} props
 */
export function Button({ onClick, kind = 'secondary', type = 'button', busy = false, children, class: cls = '', label }) {
  return html`<button
    type=${type}
    class=${`utrecht-button utrecht-button--${kind}-action svs-button ${cls}`}
    onClick=${onClick}
    aria-label=${label}
    aria-disabled=${busy ? 'true' : undefined}
    disabled=${busy}
  >${busy ? t('common.busy') : children}</button>`;
}

/** @param {{ id: string, label: string, checked: boolean, onChange: (v: boolean) => void, hint?: string }} props */
export function Check({ id, label, checked, onChange, hint }) {
  return html`<div class="svs-check">
    <input type="checkbox" class="utrecht-checkbox utrecht-checkbox--html-input" id=${id} checked=${checked}
      aria-describedby=${hint ? `${id}-hint` : undefined}
      onChange=${(/** @type {Event} */ ev) => onChange(/** @type {HTMLInputElement} */ (ev.currentTarget).checked)} />
    <label class="utrecht-form-label utrecht-form-label--checkbox" for=${id}>${label}</label>
    ${hint && html`<span class="svs-quiet" id=${`${id}-hint`}>${hint}</span>`}
  </div>`;
}

export function Loading() {
  return html`<p class="utrecht-paragraph svs-loading" role="status">${t('common.loading')}</p>`;
}

/** The page for an object that does not exist — or that this person may not see (the API answers 404 alike). */
export function NotFound() {
  return html`<section class="svs-screen" data-screen="not-found">
    <${ScreenTitle}>${t('notfound.title')}<//>
    <p class="utrecht-paragraph">${t('notfound.text')}</p>
    <p class="utrecht-paragraph"><${Link} href="/console/">${t('notfound.home')}<//></p>
  </section>`;
}

/**
 * Loads something for a screen: `{ data, error, reload }`; a 404 sets `missing`.
 * @template T
 * @param {() => Promise<T>} load
 * @param {unknown[]} deps
 */
export function useLoad(load, deps) {
  const [state, setState] = useState(/** @type {{ data: T | null, error: string | null, missing: boolean, status: number }} */ ({ data: null, error: null, missing: false, status: 0 }));
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (data) => live && setState({ data, error: null, missing: false, status: 200 }),
      (err) => live && setState({ data: null, error: messageOf(err), missing: err instanceof ApiError && err.status === 404, status: err instanceof ApiError ? err.status : 0 }),
    );
    return () => {
      live = false;
    };
  }, [...deps, n]);
  return { ...state, reload: () => setN((x) => x + 1) };
}

/**
 * Saves a file the browser got as a blob.
 * @param {{ blob: Blob, filename: string }} file
 */
export function saveFile(file) {
  const url = URL.createObjectURL(file.blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = file.filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
