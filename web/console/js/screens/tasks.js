// "My tasks": the steps handed to this volunteer (or caseworker), with what to do and the
// resident's first name only; mark one done with a note.

import { html, useState } from '../../../common/ui.js';
import * as api from '../api.js';
import { t, formatDay } from '../i18n.js';
import { ScreenTitle, Field, Button, NoticeBox, Loading, useLoad, messageOf } from '../parts.js';

/** @typedef {import('../api.js').Assigned} Assigned */

export function Tasks() {
  const list = useLoad(() => api.assignedSteps(), []);
  const [notice, setNotice] = useState(/** @type {import('../parts.js').Notice | null} */ (null));
  const open = (list.data ?? []).filter((a) => a.step.status === 'open' || a.step.status === 'planned');
  return html`<section class="svs-screen" data-screen="tasks">
    <${ScreenTitle}>${t('tasks.title')}<//>
    <p class="utrecht-paragraph">${t('tasks.intro')}</p>
    <${NoticeBox} notice=${notice} />
    ${list.error && html`<p class="utrecht-paragraph" role="alert">${list.error}</p>`}
    ${!list.data && !list.error && html`<${Loading} />`}
    ${list.data && open.length === 0 && html`<p class="utrecht-paragraph svs-empty">${t('tasks.none')}</p>`}
    <ul class="svs-cards">
      ${open.map((a) => html`<li key=${a.step.id}><${Task} item=${a} onDone=${() => { setNotice({ text: t('tasks.saved') }); list.reload(); }} /></li>`)}
    </ul>
  </section>`;
}

/** @param {{ item: Assigned, onDone: () => void }} props */
function Task({ item, onDone }) {
  const s = item.step;
  const [writing, setWriting] = useState(false);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState(/** @type {string | null} */ (null));
  const id = `task-${s.id}`;

  async function done() {
    setBusy(true);
    setProblem(null);
    try {
      await api.completeStep(s.id, note.trim());
      onDone();
    } catch (err) {
      setProblem(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return html`<article class="svs-card" aria-labelledby=${`${id}-title`} data-step=${s.id}>
    <h2 class="utrecht-heading-3" id=${`${id}-title`}>${s.title}</h2>
    <p class="utrecht-paragraph svs-meta">${t('tasks.for', { name: item.resident_first_name })}${s.due_on ? ` · ${t('step.due', { date: formatDay(s.due_on) })}` : ''}${s.status === 'planned' ? ` · ${t('status.planned')}` : ''}</p>
    <p class="utrecht-paragraph">${s.description}</p>
    <p class="utrecht-paragraph svs-quiet"><strong>${t('tasks.why')}</strong> ${s.why}</p>
    ${problem && html`<p class="utrecht-paragraph svs-error" role="alert">${problem}</p>`}
    ${writing
      ? html`<${Field} label=${t('tasks.note')} id=${`${id}-note`} hint=${t('tasks.note.hint')}>
            <textarea class="utrecht-textarea utrecht-textarea--html-input" id=${`${id}-note`} aria-describedby=${`${id}-note-hint`} maxlength="500" rows="3"
              value=${note} onInput=${(/** @type {Event} */ e) => setNote(/** @type {HTMLTextAreaElement} */ (e.currentTarget).value)}></textarea>
          <//>
          <div class="svs-actions">
            <${Button} kind="primary" onClick=${done} busy=${busy}>${t('tasks.confirm')}<//>
            <${Button} kind="subtle" onClick=${() => setWriting(false)}>${t('common.cancel')}<//>
          </div>`
      : s.status === 'open' && html`<div class="svs-actions"><${Button} kind="primary" onClick=${() => setWriting(true)}>${t('tasks.done')}<//></div>`}
  </article>`;
}
