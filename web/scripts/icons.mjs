// Draws the app's PNG icons from its SVGs with the same Chromium the tests use:
// `node scripts/icons.mjs` in web/. The PNGs are committed.
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const icons = join(dirname(fileURLToPath(import.meta.url)), '..', 'app', 'icons');
const browser = await chromium.launch({ executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
for (const [svg, png, size] of [
  ['icon.svg', 'icon-192.png', 192],
  ['icon.svg', 'icon-512.png', 512],
  ['maskable.svg', 'maskable-512.png', 512],
]) {
  const page = await browser.newPage({ viewport: { width: size, height: size } });
  const data = readFileSync(join(icons, svg), 'utf8');
  await page.setContent(`<html><body style="margin:0;background:transparent">${data.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`);
  await page.screenshot({ path: join(icons, png), omitBackground: true });
  await page.close();
}
await browser.close();
console.log('icons drawn');
