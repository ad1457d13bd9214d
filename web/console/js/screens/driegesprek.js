// The driegesprek (first conversation): the template's intake questions, a preview of which
// steps apply, which are n.v.t. and which were done in the conversation itself, the dose, and
// creating the plan. The preview (POST /v1/residents/{id}/plans/preview) writes nothing and
// follows every answer; `done_in_conversation` goes into the create call.

import { html, useState, useEffect } from '../../../common/ui.js';
import * as api from '../api.js';
import { t, localized } from '../i18n.js';
import { ScreenTitle, Button, Check, Field, Loading, NotFound, useLoad, navigate, messageOf } from '../parts.js';

/** @typedef {import('../api.js').Schemas['Template']} Template */
/** @typedef {import('../api.js').PlanPreview} Preview */

/** The newest version of each template key, the default one first. */
async function loadTemplate() {
  const list = await api.templates();
  const newest = [...list].sort((a, b) => b.version - a.version)[0];
  if (!newest) throw new Error(t('driegesprek.no_template'));
  return api.template(newest.id);
}

/** @param {{ id: string }} props */
export function Driegesprek({ id }) {
  const res = useLoad(() => api.resident(id), [id]);
  const tpl = useLoad(loadTemplate, []);
  const [intake, setIntake] = useState(/** @type {Record<string, boolean>} */ ({}));
  const [dose, setDose] = useState(1);
  const [done, setDone] = useState(/** @type {Set<string>} */ (new Set()));
  // Items the caseworker leaves out (sent as `items`: every other key of the template).
  const [skip, setSkip] = useState(/** @type {Set<string>} */ (new Set()));
  const [preview, setPreview] = useState(/** @type {Preview | null} */ (null));
  const [problem, setProblem] = useState(/** @type {string | null} */ (null));
  const [busy, setBusy] = useState(false);

  const templateId = tpl.data?.id;
  /** @returns {import('../api.js').Schemas['CreatePlanRequest']} */
  const body = () => ({
    template_id: templateId,
    intake,
    dose,
    ...(skip.size && tpl.data ? { items: tpl.data.template.items.map((i) => i.key).filter((k) => !skip.has(k)) } : {}),
    done_in_conversation: [...done].filter((k) => !skip.has(k)),
  });

  // The preview follows every answer (it writes nothing).
  useEffect(() => {
    if (!templateId) return undefined;
    let live = true;
    const timer = setTimeout(() => {
      api.previewPlan(id, body()).then(
        (p) => live && setPreview(p),
        (err) => live && setProblem(messageOf(err)),
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [templateId, JSON.stringify(intake), dose, [...done].join(','), [...skip].join(',')]);

  if (res.missing) return html`<${NotFound} />`;
  if (res.error || tpl.error) return html`<p class="utrecht-paragraph svs-error" role="alert">${res.error ?? tpl.error}</p>`;
  if (!res.data || !tpl.data) return html`<${Loading} />`;
  const resident = res.data;
  const template = tpl.data.template;
  if (resident.plan_id) {
    return html`<section class="svs-screen" data-screen="driegesprek">
      <${ScreenTitle}>${t('driegesprek.title', { name: resident.display_name })}<//>
      <p class="utrecht-paragraph">${t('driegesprek.has_plan')}</p>
      <${Button} kind="primary" onClick=${() => navigate(`/console/plans/${resident.plan_id}`)}>${t('resident.plan')}<//>
    </section>`;
  }

  async function create() {
    setBusy(true);
    setProblem(null);
    try {
      const plan = await api.createPlan(id, body());
      navigate(`/console/plans/${plan.id}`);
    } catch (err) {
      setProblem(messageOf(err));
      setBusy(false);
    }
  }

  /** @param {Set<string>} set @param {(s: Set<string>) => void} put @param {string} key */
  const toggle = (set, put, key) => {
    const next = new Set(set);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    put(next);
  };

  const cats = [...template.categories].sort((a, b) => a.order - b.order);
  return html`<section class="svs-screen" data-screen="driegesprek">
    <${ScreenTitle}>${t('driegesprek.title', { name: resident.display_name })}<//>
    <p class="utrecht-paragraph">${t('driegesprek.intro')}</p>
    <div class="svs-two">
      <div>
        <fieldset class="utrecht-form-fieldset svs-fieldset">
          <legend class="utrecht-form-fieldset__legend utrecht-heading-2">${t('driegesprek.questions')}</legend>
          <p class="utrecht-paragraph svs-quiet">${t('driegesprek.questions.hint')}</p>
          ${template.conditions.map(
            (c) => html`<${Check} id=${`q-${c.key}`} label=${localized(c.question)} checked=${!!intake[c.key]}
              onChange=${(/** @type {boolean} */ v) => setIntake({ ...intake, [c.key]: v })} />`,
          )}
        </fieldset>
        <${Field} label=${t('driegesprek.dose')} id="dose" hint=${t('driegesprek.dose.hint')}>
          <select class="utrecht-select utrecht-select--html-select" id="dose" aria-describedby="dose-hint" value=${String(dose)}
            onChange=${(/** @type {Event} */ e) => setDose(Number(/** @type {HTMLSelectElement} */ (e.currentTarget).value))}>
            ${[1, 2, 3, 4, 5].map((n) => html`<option value=${String(n)}>${t(n === 1 ? 'driegesprek.dose.one' : 'driegesprek.dose.n', { n })}</option>`)}
          </select>
        <//>
        ${problem && html`<p class="utrecht-paragraph svs-error" role="alert">${problem}</p>`}
        <${Button} kind="primary" onClick=${create} busy=${busy}>${t('driegesprek.create')}<//>
      </div>
      <div>
        <h2 class="utrecht-heading-2">${t('driegesprek.preview')}</h2>
        ${!preview
            ? html`<${Loading} />`
            : html`<p class="utrecht-paragraph" role="status">${t('driegesprek.summary', {
                planned: preview.steps.filter((s) => s.state === 'planned').length,
                na: preview.steps.filter((s) => s.state === 'not_applicable').length,
                done: preview.steps.filter((s) => s.state === 'done_in_conversation').length,
              })}${skip.size ? ` ${t('driegesprek.left_out', { n: skip.size })}` : ''}</p>
              ${cats.map((c) => {
                const steps = preview.steps.filter((s) => s.category === c.key);
                if (!steps.length) return null;
                return html`<section class="svs-preview-cat" aria-labelledby=${`pc-${c.key}`}>
                  <h3 class="utrecht-heading-3" id=${`pc-${c.key}`}>${localized(c.name)}</h3>
                  <ul class="svs-preview">
                    ${steps.map((s) => html`<li class=${`svs-preview__item svs-preview__item--${s.state}`} data-item=${s.item_key}>
                      <span class="svs-preview__title">${s.priority === 'P0' ? '! ' : ''}${s.title}</span>
                      <span class="svs-preview__state">${t(`preview.${s.state}`)} · ${t(`owner_role.${s.owner_role}`)}</span>
                      ${(s.state === 'planned' || s.state === 'done_in_conversation' || s.state === 'not_selected') &&
                      html`<div class="svs-preview__choices" role="group" aria-label=${s.title}>
                        ${s.state !== 'not_selected' &&
                        html`<${Check} id=${`done-${s.item_key}`} label=${t('driegesprek.done_here')} checked=${done.has(s.item_key)} onChange=${() => toggle(done, setDone, s.item_key)} />`}
                        <${Check} id=${`skip-${s.item_key}`} label=${t('driegesprek.leave_out')} checked=${skip.has(s.item_key)} onChange=${() => toggle(skip, setSkip, s.item_key)} />
                      </div>`}
                    </li>`)}
                  </ul>
                </section>`;
              })}`}
      </div>
    </div>
  </section>`;
}
