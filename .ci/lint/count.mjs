// Counts Spectral's and Redocly's findings by severity; exits 1 when either has an error.
import { readFileSync } from 'node:fs';

const [spectralFile, redoclyFile] = process.argv.slice(2);
const spectral = JSON.parse(readFileSync(spectralFile, 'utf8'));
const redocly = JSON.parse(readFileSync(redoclyFile, 'utf8'));
const names = ['error', 'warning', 'info', 'hint'];
const tally = (items, severity, rule) => {
  const total = Object.fromEntries(names.map((n) => [n, 0]));
  const byRule = {};
  for (const item of items) {
    const s = severity(item);
    total[s] += 1;
    byRule[`${s} ${rule(item)}`] = (byRule[`${s} ${rule(item)}`] ?? 0) + 1;
  }
  return { total, byRule };
};
const results = {
  spectral: tally(spectral, (d) => names[d.severity], (d) => d.code),
  redocly: tally(redocly.problems ?? [], (p) => (p.severity === 'error' ? 'error' : 'warning'), (p) => p.ruleId),
};
let failed = false;
for (const [tool, { total, byRule }] of Object.entries(results)) {
  console.log(`${tool}: ${total.error} errors, ${total.warning} warnings, ${total.info} infos, ${total.hint} hints`);
  for (const [rule, n] of Object.entries(byRule).sort()) console.log(`  ${n}\t${rule}`);
  if (total.error > 0) failed = true;
}
process.exit(failed ? 1 : 0);
