// The caseworker's home: what needs them now, most urgent first (crisis against its Wgs
// deadline, help requests, documents to review, inactivity, …), with a filter chip per kind
// that shows its count. Built on GET /v1/worklist (see ../pending-api.js); until the server has
// it, the screen says so and lists the caseload's residents who need attention instead.

import { html, useState, useEffect } from '../../../common/ui.js';
import * as api from '../api.js';
import { worklist, isMissing, WORKLIST_KINDS } from '../pending-api.js';
import { t, formatDay, formatTime } from '../i18n.js';
import { ScreenTitle, Link, Loading, NotYet, Button, messageOf } from '../parts.js';

/** @typedef {import('../pending-api.js').WorklistKind} WorklistKind */
/** @typedef {import('../pending-api.js').WorklistItem} WorklistItem */
/** @typedef {import('../pending-api.js').WorklistResponse} WorklistResponse */

/** @param {{ me: import('../api.js').Me }} props */
export function Worklist({ me }) {
  const [kind, setKind] = useState(/** @type {WorklistKind | null} */ (null));
  const [data, setData] = useState(/** @type {WorklistResponse | null} */ (null));
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState(/** @type {string | null} */ (null));
  const [more, setMore] = useState(false);

  useEffect(() => {
    let live = true;
    setError(null);
    worklist({ kind: kind ? [kind] : undefined }).then(
      (d) => live && setData(d),
      (err) => {
        if (!live) return;
        if (isMissing(err)) setMissing(true);
        else setError(messageOf(err));
      },
    );
    return () => {
      live = false;
    };
  }, [kind]);

  async function loadMore() {
    if (!data?.next_cursor) return;
    setMore(true);
    try {
      const next = await worklist({ kind: kind ? [kind] : undefined, cursor: data.next_cursor });
      setData({ ...next, items: [...data.items, ...next.items] });
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setMore(false);
    }
  }

  return html`<section class="svs-screen" data-screen="worklist">
    <${ScreenTitle}>${t('worklist.title')}<//>
    <p class="utrecht-paragraph">${t('worklist.intro', { name: me.display_name.split(' ')[0] })}</p>
    ${error && html`<p class="utrecht-paragraph svs-error" role="alert">${error}</p>`}
    ${missing
      ? html`<${NotYet} what=${t('worklist.title')} /><${Attention} />`
      : !data
        ? !error && html`<${Loading} />`
        : html`<div class="svs-chips" role="group" aria-label=${t('worklist.filter')}>
              <button type="button" class="svs-chip" aria-pressed=${kind === null ? 'true' : 'false'} onClick=${() => setKind(null)}>
                ${t('worklist.all')} <span class="svs-chip__n">${Object.values(data.counts).reduce((a, b) => a + (b ?? 0), 0)}</span>
              </button>
              ${WORKLIST_KINDS.map(
                (k) => html`<button type="button" class="svs-chip" data-kind=${k} aria-pressed=${kind === k ? 'true' : 'false'} onClick=${() => setKind(kind === k ? null : k)}>
                  ${t(`kind.${k}`)} <span class="svs-chip__n">${data.counts[k] ?? 0}</span>
                </button>`,
              )}
            </div>
            ${data.items.length === 0
              ? html`<p class="utrecht-paragraph svs-empty">${t('worklist.none')}</p>`
              : html`<ol class="svs-work">${data.items.map((i) => html`<${Item} item=${i} key=${`${i.kind}-${i.step_id ?? i.document_id ?? i.plan_id}`} />`)}</ol>`}
            ${data.next_cursor && html`<${Button} onClick=${loadMore} busy=${more}>${t('common.more')}<//>`}`}
  </section>`;
}

/** @param {{ item: WorklistItem }} props */
function Item({ item }) {
  const urgent = item.kind === 'crisis' || item.overdue;
  /** @type {string[]} */
  const details = [];
  if (item.step_title) details.push(item.step_title);
  if (item.kind === 'crisis' && item.due_at) details.push(t(item.overdue ? 'worklist.overdue_since' : 'worklist.due', { when: formatTime(item.due_at) }));
  if (item.kind === 'snoozed' && item.reason) details.push(t(`snooze.${item.reason}`));
  else if (item.reason) details.push(`“${item.reason}”`);
  if (item.until) details.push(t('worklist.until', { date: formatDay(item.until) }));
  if (item.days != null) details.push(t(item.kind.startsWith('stabilisation') ? 'worklist.days_phase' : 'worklist.days_quiet', { n: item.days }));
  return html`<li class=${`svs-work__item${urgent ? ' svs-work__item--urgent' : ''}`} data-kind=${item.kind}>
    <span class="svs-badge svs-kind">${urgent ? '! ' : ''}${t(`kind.${item.kind}`)}</span>
    <div class="svs-work__body">
      <${Link} href=${`/console/plans/${item.plan_id}`}>${item.resident_name}<//>
      <p class="utrecht-paragraph svs-meta">${details.join(' · ')}</p>
    </div>
    <span class="svs-quiet svs-work__since">${t('worklist.since', { date: formatDay(item.since.slice(0, 10)) })}</span>
  </li>`;
}

/** Until the worklist exists: the caseload's residents who need attention (GET /v1/residents). */
function Attention() {
  const [list, setList] = useState(/** @type {import('../api.js').Resident[] | null} */ (null));
  useEffect(() => {
    api.residents({ limit: 200 }).then(
      (p) => setList(p.items.filter((r) => r.needs_attention || r.dropout_risk || r.help_requests > 0 || r.crisis_deadline)),
      () => setList([]),
    );
  }, []);
  if (!list) return html`<${Loading} />`;
  return html`<h2 class="utrecht-heading-2">${t('worklist.attention')}</h2>
    ${list.length === 0
      ? html`<p class="utrecht-paragraph">${t('worklist.none')}</p>`
      : html`<ul class="svs-work">
          ${list.map(
            (r) => html`<li class="svs-work__item" key=${r.id}>
              <span class="svs-badge svs-kind">${r.crisis_deadline ? `! ${t('kind.crisis')}` : r.help_requests > 0 ? t('kind.help_requested') : t('residents.attention')}</span>
              <div class="svs-work__body">
                <${Link} href=${r.plan_id ? `/console/plans/${r.plan_id}` : `/console/residents/${r.id}`}>${r.display_name}<//>
              </div>
            </li>`,
          )}
        </ul>`}`;
}
