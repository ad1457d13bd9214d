// What the console keeps between screens, in memory only (never in storage): the activation
// code just made, for its letter. A reload forgets it; the letter page then offers a new code.

/** @type {Map<string, import('./api.js').Activation>} */
export const activations = new Map();
