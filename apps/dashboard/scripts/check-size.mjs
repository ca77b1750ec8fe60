// Measures the JavaScript the dashboard ships, gzipped as a server would send it, and fails the
// build above the budget so the page stays quick to load on a slow link.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 300 * 1024;
const dist = fileURLToPath(new URL('../dist', import.meta.url));

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

let js = 0;
let css = 0;
for (const path of files(dist)) {
  const gzipped = gzipSync(readFileSync(path), { level: 9 }).length;
  if (path.endsWith('.js')) {
    js += gzipped;
    console.log(`  ${relative(dist, path)}  ${(gzipped / 1024).toFixed(1)} KB gzipped`);
  } else if (path.endsWith('.css')) {
    css += gzipped;
  }
}
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
console.log(`dashboard JavaScript: ${kb(js)} gzipped (budget ${kb(BUDGET_BYTES)}); CSS ${kb(css)} gzipped`);
if (js > BUDGET_BYTES) {
  console.error(`dashboard JavaScript is over its budget by ${kb(js - BUDGET_BYTES)}`);
  process.exit(1);
}
