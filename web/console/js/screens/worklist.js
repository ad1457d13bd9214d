// The caseworker's home: what needs them now, most urgent first (crisis against its Wgs
// deadline, help requests, documents to review, inactivity, …), with a filter chip per kind
// that shows its count. Built on GET /v1/worklist; the kinds, their order and their names come
// from GET /v1/me/vocabulary, so a kind the server adds shows up without a console change.

import { html, useState, useEffect } from '../../../common/ui.js';
import * as api from '../api.js';
import { t, has, localized, formatDay, formatTime } from '../i18n.js';
import { ScreenTitle, Link, Loading, Button, messageOf } from '../parts.js';

/** @typedef {import('../api.js').WorklistKind} WorklistKind */
/** @typedef {import('../api.js').WorklistItem} WorklistItem */
/** @typedef {import('../api.js').WorklistResponse} WorklistResponse */
/** @typedef {import('../api.js').Vocabulary['worklist_kinds']} Kinds */

/** @type {Promise<Kinds> | null} */
let kindsOnce = null;
/** The worklist's kinds in the server's order of urgency, read once per page load. */
function worklistKinds() {
  kindsOnce ??= api.vocabulary().then(
    (v) => v.worklist_kinds,
    (err) => {
      kindsOnce = null;
      throw err;
    },
  );
  return kindsOnce;
}

/** @param {{ me: import('../api.js').Me }} props */
export function Worklist({ me }) {
  const [kind, setKind] = useState(/** @type {WorklistKind | null} */ (null));
  const [kinds, setKinds] = useState(/** @type {Kinds | null} */ (null));
  const [loaded, setLoaded] = useState(/** @type {{ kind: WorklistKind | null, data: WorklistResponse } | null} */ (null));
  // The list shown always belongs to the chip that is pressed: until the next kind's answer is
  // in, none (also in the render between the press and the effect below).
  const data = loaded && loaded.kind === kind ? loaded.data : null;
  /** @param {WorklistResponse | null} d */
  const setData = (d) => setLoaded(d ? { kind, data: d } : null);
  const [error, setError] = useState(/** @type {string | null} */ (null));
  const [more, setMore] = useState(false);

  useEffect(() => {
    worklistKinds().then(setKinds, (err) => setError(messageOf(err)));
  }, []);

  useEffect(() => {
    let live = true;
    setError(null);
    // The list shown always belongs to the chip that is pressed: cleared while the next loads.
    setData(null);
    api.worklist({ kind: kind ? [kind] : undefined }).then(
      (d) => live && setData(d),
      (err) => live && setError(messageOf(err)),
    );
    return () => {
      live = false;
    };
  }, [kind]);

  async function loadMore() {
    if (!data?.next_cursor) return;
    setMore(true);
    try {
      const next = await api.worklist({ kind: kind ? [kind] : undefined, cursor: data.next_cursor });
      setData({ ...next, items: [...data.items, ...next.items] });
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setMore(false);
    }
  }

  // A chip or a row shows the console's short word for a kind, or the server's name for a kind
  // the console does not know yet.
  /** @param {WorklistKind} k */
  const nameOf = (k) => {
    if (has(`kind.${k}`)) return t(`kind.${k}`);
    const found = kinds?.find((x) => x.key === k);
    return found ? localized(found.name) : k;
  };
  /** @param {WorklistKind} k */
  const countOf = (k) => (data ? /** @type {Record<string, number>} */ (data.counts)[k] ?? 0 : 0);

  return html`<section class="svs-screen" data-screen="worklist">
    <${ScreenTitle}>${t('worklist.title')}<//>
    <p class="utrecht-paragraph">${t('worklist.intro', { name: me.display_name.split(' ')[0] })}</p>
    ${error && html`<p class="utrecht-paragraph svs-error" role="alert">${error}</p>`}
    ${kinds &&
    html`<div class="svs-chips" role="group" aria-label=${t('worklist.filter')}>
      <button type="button" class="svs-chip" aria-pressed=${kind === null ? 'true' : 'false'} onClick=${() => setKind(null)}>
        ${t('worklist.all')} <span class="svs-chip__n">${data ? kinds.reduce((a, k) => a + countOf(k.key), 0) : '…'}</span>
      </button>
      ${kinds.map(
        (k) => html`<button type="button" class="svs-chip" data-kind=${k.key} aria-pressed=${kind === k.key ? 'true' : 'false'} onClick=${() => setKind(kind === k.key ? null : k.key)}>
          ${nameOf(k.key)} <span class="svs-chip__n">${data ? countOf(k.key) : '…'}</span>
        </button>`,
      )}
    </div>`}
    ${!data || !kinds
      ? !error && html`<${Loading} />`
      : html`${data.items.length === 0
            ? html`<p class="utrecht-paragraph svs-empty">${t('worklist.none')}</p>`
            : html`<ol class="svs-work" data-filter=${kind ?? 'all'}>${data.items.map((i) => html`<${Item} item=${i} name=${nameOf(i.kind)} key=${i.id} />`)}</ol>`}
          ${data.next_cursor && html`<${Button} onClick=${loadMore} busy=${more}>${t('common.more')}<//>`}`}
  </section>`;
}

/** @param {{ item: WorklistItem, name: string }} props */
function Item({ item, name }) {
  const urgent = item.kind === 'crisis' || item.overdue;
  /** @type {string[]} */
  const details = [];
  if (item.step_title) details.push(item.step_title);
  if (item.starts_at) details.push(t('worklist.appointment', { when: formatTime(item.starts_at) }));
  if (item.move_request_reason) details.push(`“${item.move_request_reason}”`);
  if (item.kind === 'crisis' && item.due_at) details.push(t(item.overdue ? 'worklist.overdue_since' : 'worklist.due', { when: formatTime(item.due_at) }));
  if (item.kind === 'snoozed' && item.reason) details.push(t(`snooze.${item.reason}`));
  else if (item.reason) details.push(`“${item.reason}”`);
  if (item.until) details.push(t('worklist.until', { date: formatDay(item.until) }));
  if (item.days != null) details.push(t(item.kind.startsWith('stabilisation') ? 'worklist.days_phase' : 'worklist.days_quiet', { n: item.days }));
  return html`<li class=${`svs-work__item${urgent ? ' svs-work__item--urgent' : ''}`} data-kind=${item.kind}>
    <span class="svs-badge svs-kind">${urgent ? '! ' : ''}${name}</span>
    <div class="svs-work__body">
      <${Link} href=${`/console/plans/${item.plan_id}`}>${item.resident_name}<//>
      <p class="utrecht-paragraph svs-meta">${details.join(' · ')}</p>
    </div>
    <span class="svs-quiet svs-work__since">${t('worklist.since', { date: formatDay(item.since.slice(0, 10)) })}</span>
  </li>`;
}
