// PENDING API — hand-written types and calls for the three pieces of the console's backend that
// are being added on another branch (notes/worklist-contract.md, issue 20) and are not in
// openapi/openapi.json yet:
//
//   GET  /v1/worklist                          (WorklistResponse)
//   POST /v1/residents/{id}/plans/preview      (PlanPreviewResponse)
//   CreatePlanRequest.done_in_conversation     (item keys done in the first conversation)
//
// After that branch is merged, replace these typedefs by the generated ones
// (Schemas['WorklistResponse'], …) and delete this file. Until then the screens treat a 404 from
// these endpoints as "not available yet" (`isMissing`) and say so in one short line.

import { request, ApiError } from './api.js';

/** @typedef {import('./api.js').Schemas} Schemas */

/**
 * @typedef {'crisis' | 'help_requested' | 'inactive_14' | 'inactive_21' | 'waiting_for_staff' | 'snoozed' | 'document_to_review' | 'stabilisation_90' | 'stabilisation_120'} WorklistKind
 */

/** The kinds in the contract's order of urgency. @type {WorklistKind[]} */
export const WORKLIST_KINDS = [
  'crisis',
  'help_requested',
  'document_to_review',
  'inactive_21',
  'waiting_for_staff',
  'stabilisation_120',
  'inactive_14',
  'snoozed',
  'stabilisation_90',
];

/**
 * @typedef {object} WorklistItem
 * @property {WorklistKind} kind
 * @property {string} resident_id
 * @property {string} resident_name
 * @property {string} plan_id
 * @property {string | null} [step_id]
 * @property {string | null} [step_title]
 * @property {string | null} [document_id]
 * @property {string} team_id
 * @property {string} since when this became a thing to do
 * @property {string | null} [due_at] crisis: the Wgs deadline
 * @property {boolean} overdue
 * @property {string | null} [reason] snoozed: a SnoozeReason key; help: the note
 * @property {string | null} [until] snoozed until (a date)
 * @property {number | null} [days] inactive_*: days without activity; stabilisation_*: days in the phase
 */

/**
 * @typedef {object} WorklistResponse
 * @property {Partial<Record<WorklistKind, number>>} counts every item of the caller's teams, ignoring `kind` and paging
 * @property {WorklistItem[]} items most urgent first
 * @property {string | null} [next_cursor]
 */

/** @typedef {'planned' | 'not_applicable' | 'not_selected' | 'done_in_conversation'} PreviewState */

/**
 * @typedef {object} PreviewStep
 * @property {string} item_key
 * @property {string} title
 * @property {string} category
 * @property {Schemas['Priority']} priority
 * @property {Schemas['OwnerRole']} owner_role
 * @property {PreviewState} state
 * @property {string | null} [due_on]
 */

/**
 * @typedef {object} PlanPreviewResponse
 * @property {string} template_id
 * @property {number} dose
 * @property {PreviewStep[]} steps in the template's order
 */

/** CreatePlanRequest with the contract's new field. @typedef {Schemas['CreatePlanRequest'] & { done_in_conversation?: string[] }} CreatePlanWithDone */

/**
 * True for the 404 of an endpoint the server does not have yet.
 * @param {unknown} e
 */
export function isMissing(e) {
  return e instanceof ApiError && e.status === 404 && (e.code === 'not_found' || e.code === 'unknown');
}

/**
 * @param {{ kind?: WorklistKind[], team_id?: string, limit?: number, cursor?: string | null }} [q]
 * @returns {Promise<WorklistResponse>}
 */
export function worklist(q = {}) {
  const p = new URLSearchParams();
  if (q.kind?.length) p.set('kind', q.kind.join(','));
  if (q.team_id) p.set('team_id', q.team_id);
  if (q.limit) p.set('limit', String(q.limit));
  if (q.cursor) p.set('cursor', q.cursor);
  const qs = p.toString();
  return request('GET', `/worklist${qs ? `?${qs}` : ''}`);
}

/**
 * Which steps a plan would get, writing nothing.
 * @param {string} residentId
 * @param {CreatePlanWithDone} body
 * @returns {Promise<PlanPreviewResponse>}
 */
export function previewPlan(residentId, body) {
  return request('POST', `/residents/${encodeURIComponent(residentId)}/plans/preview`, { body });
}
