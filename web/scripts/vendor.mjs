// Copies the browser libraries the web apps (resident app and staff console) use from node_modules
// into web/vendor/ (served at /vendor/, shared by both apps),
// each in a folder named with its version (so the server may cache them for a year), with its
// licence. Run after changing a version in package.json: `npm run vendor`. The copies are
// committed: building and running the service never needs Node.
import { readFileSync, writeFileSync, mkdirSync, rmSync, copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const nm = join(web, 'node_modules');
const vendor = join(web, 'vendor');
const version = (pkg) => JSON.parse(readFileSync(join(nm, pkg, 'package.json'), 'utf8')).version;

rmSync(vendor, { recursive: true, force: true });

// Preact: the ES module builds; the hooks' bare `preact` import becomes a relative one
// (an import map would be an inline script, which the CSP forbids).
const preact = `preact-${version('preact')}`;
mkdirSync(join(vendor, preact), { recursive: true });
copyFileSync(join(nm, 'preact/dist/preact.module.js'), join(vendor, preact, 'preact.module.js'));
const hooks = readFileSync(join(nm, 'preact/hooks/dist/hooks.module.js'), 'utf8')
  .replace(/from\s*"preact"/g, 'from"./preact.module.js"')
  .replace(/\/\/# sourceMappingURL=.*$/m, '');
writeFileSync(join(vendor, preact, 'hooks.module.js'), hooks);
const cleanPreact = readFileSync(join(vendor, preact, 'preact.module.js'), 'utf8').replace(/\/\/# sourceMappingURL=.*$/m, '');
writeFileSync(join(vendor, preact, 'preact.module.js'), cleanPreact);
copyFileSync(join(nm, 'preact/LICENSE'), join(vendor, preact, 'LICENSE'));
// Types for the checks only (tsc resolves them next to the .js files).
writeFileSync(join(vendor, preact, 'preact.module.d.ts'), "export * from 'preact';\n");
writeFileSync(join(vendor, preact, 'hooks.module.d.ts'), "export * from 'preact/hooks';\n");

const htm = `htm-${version('htm')}`;
mkdirSync(join(vendor, htm), { recursive: true });
copyFileSync(join(nm, 'htm/dist/htm.module.js'), join(vendor, htm, 'htm.module.js'));
copyFileSync(join(nm, 'htm/LICENSE'), join(vendor, htm, 'LICENSE'));
writeFileSync(join(vendor, htm, 'htm.module.d.ts'), "export { default } from 'htm';\n");

// QR codes for the console's activation letter (drawn as SVG by the console itself).
const qr = `qrcode-generator-${version('qrcode-generator')}`;
mkdirSync(join(vendor, qr), { recursive: true });
copyFileSync(join(nm, 'qrcode-generator/dist/qrcode.mjs'), join(vendor, qr, 'qrcode.mjs'));
// The few types the console uses (the package's own declare a CommonJS `export =`).
writeFileSync(
  join(vendor, qr, 'qrcode.d.mts'),
  "export interface QRCode { addData(data: string): void; make(): void; getModuleCount(): number; isDark(row: number, col: number): boolean }\n" +
    "export default function qrcode(typeNumber: number, errorCorrectionLevel: 'L' | 'M' | 'Q' | 'H'): QRCode;\n",
);
writeFileSync(
  join(vendor, qr, 'LICENSE'),
  `qrcode-generator ${version('qrcode-generator')}: Copyright (c) 2009 Kazuhiko Arase. Licensed under the MIT license\n(https://www.opensource.org/licenses/mit-license.php), as its package.json and the header of qrcode.mjs say.\n`,
);

// Utrecht design system: only the components the app uses, concatenated; the design tokens
// (the default theme, scoped to `.utrecht-theme`).
const components = [
  'document', 'body', 'heading-1', 'heading-2', 'heading-3', 'paragraph', 'button', 'form', 'form-field',
  'form-label', 'form-field-description', 'form-field-error-message', 'form-fieldset', 'textbox', 'textarea',
  'radio-button', 'checkbox', 'select', 'alert', 'status-badge', 'skip-link', 'table', 'link',
].map((c) => `@utrecht/${c}-css`);
const lib = `utrecht-${version('@utrecht/component-library-css')}`;
mkdirSync(join(vendor, lib), { recursive: true });
let css = `/* @utrecht/component-library-css ${version('@utrecht/component-library-css')}: ${components.length} components (EUPL-1.2, see LICENSE.md) */\n`;
for (const c of components) {
  css += `/* ${c} ${version(c)} */\n` + readFileSync(join(nm, c, 'dist/index.min.css'), 'utf8').replace(/\/\*# sourceMappingURL=.*?\*\//g, '') + '\n';
}
writeFileSync(join(vendor, lib, 'components.css'), css);
copyFileSync(join(nm, '@utrecht/component-library-css/LICENSE.md'), join(vendor, lib, 'LICENSE.md'));
const tokens = `utrecht-design-tokens-${version('@utrecht/design-tokens')}`;
mkdirSync(join(vendor, tokens), { recursive: true });
// Only the tokens the vendored components and the app's own CSS use (directly or through
// other tokens): the full set is 88 KB, most of it for components the app does not load.
const theme = readFileSync(join(nm, '@utrecht/design-tokens/dist/theme.css'), 'utf8');
const decls = new Map();
for (const m of theme.matchAll(/^\s*(--[\w-]+)\s*:\s*([^;]*);/gm)) decls.set(m[1], m[2]);
const own = ['app/css/app.css', 'app/theme/tokens.css', 'console/css/console.css'].map((f) => readFileSync(join(web, f), 'utf8')).join('\n');
const wanted = new Set();
const queue = [...(css + own).matchAll(/var\(\s*(--[\w-]+)/g)].map((m) => m[1]);
// Tokens the app sets itself may refer to design tokens too.
for (const m of own.matchAll(/^\s*(--[\w-]+)\s*:\s*([^;]*);/gm)) queue.push(...[...m[2].matchAll(/var\(\s*(--[\w-]+)/g)].map((x) => x[1]));
while (queue.length) {
  const name = /** @type {string} */ (queue.pop());
  if (wanted.has(name) || !decls.has(name)) continue;
  wanted.add(name);
  for (const m of decls.get(name).matchAll(/var\(\s*(--[\w-]+)/g)) queue.push(m[1]);
}
const kept = [...decls].filter(([n]) => wanted.has(n)).map(([n, v]) => `  ${n}: ${v};`);
writeFileSync(
  join(vendor, tokens, 'theme.css'),
  `/* @utrecht/design-tokens ${version('@utrecht/design-tokens')} dist/theme.css (EUPL-1.2, see LICENSE.md): the ${kept.length} of ${decls.size} tokens the vendored components and the apps use. */\n.utrecht-theme {\n${kept.join('\n')}\n}\n`,
);
copyFileSync(join(nm, '@utrecht/design-tokens/LICENSE.md'), join(vendor, tokens, 'LICENSE.md'));

writeFileSync(join(vendor, 'README.md'), `# Vendored browser libraries

Copied from npm by \`web/scripts/vendor.mjs\` (\`npm run vendor\` in \`web/\`); do not edit by hand.
Shared by the resident app and the staff console, served at \`/vendor/\`. Each folder carries its
version in its name (the server caches it for a year) and its licence.

| folder | package | licence |
| --- | --- | --- |
| \`${preact}/\` | preact ${version('preact')} (\`dist/preact.module.js\`, \`hooks/dist/hooks.module.js\` with its \`preact\` import made relative) | MIT |
| \`${htm}/\` | htm ${version('htm')} (\`dist/htm.module.js\`) | Apache-2.0 |
| \`${lib}/\` | @utrecht/component-library-css ${version('@utrecht/component-library-css')}: the \`index.min.css\` of ${components.length} component packages, concatenated | EUPL-1.2 |
| \`${tokens}/\` | @utrecht/design-tokens ${version('@utrecht/design-tokens')} (\`dist/theme.css\`, only the tokens the vendored components and the apps' CSS use) | EUPL-1.2 |
| \`${qr}/\` | qrcode-generator ${version('qrcode-generator')} (\`dist/qrcode.mjs\`; the console draws its QR codes as SVG with it) | MIT |

The \`.d.ts\` files only point the type check at the packages' own types (\`qrcode.d.mts\`: the few
functions the console uses).
`);
console.log('vendored', preact, htm, qr, lib, tokens);
