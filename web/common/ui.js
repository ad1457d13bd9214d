// The view library in one place: Preact with htm's tagged templates (no build step).
import { h, render } from '../vendor/preact-10.29.8/preact.module.js';
import htm from '../vendor/htm-3.1.1/htm.module.js';

export { render };
export { useState, useEffect, useRef, useCallback, useMemo } from '../vendor/preact-10.29.8/hooks.module.js';

/** `html\`<p>…</p>\`` builds Preact elements. */
export const html = /** @type {(strings: TemplateStringsArray, ...values: any[]) => import('../vendor/preact-10.29.8/preact.module.js').VNode} */ (htm.bind(h));
