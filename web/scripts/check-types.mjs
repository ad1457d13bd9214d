// Type check of the web apps: regenerates the API types from the committed spec
// (openapi/openapi.json) and runs `tsc --checkJs --strict` over the resident app, its service
// worker and the staff console (with the shared code in common/). A spec change an app does
// not handle fails here.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(web, 'node_modules', '.bin', name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: web, stdio: 'inherit' });

run(bin('openapi-typescript'), ['../openapi/openapi.json', '-o', 'types/api.d.ts', '--silent']);
run(bin('tsc'), ['-p', 'tsconfig.json']);
run(bin('tsc'), ['-p', 'tsconfig.sw.json']);
run(bin('tsc'), ['-p', 'tsconfig.console.json']);
console.log('type check passed');
