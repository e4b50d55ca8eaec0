#!/usr/bin/env node
/**
 * Prints a `--mutate` list that samples every file of the mutation scope (stryker.config.json's `mutate`):
 * the files are cut into windows of WINDOW lines and a seeded draw keeps FRACTION of each file's windows
 * (at least one). Usage: `npx stryker run --mutate "$(node scripts/mutation-sample.js 0.3)"`.
 *
 * Why: on this shared 2-core machine StrykerJS tests 0.2-0.3 mutants a second, and the scope holds about
 * 3,000, so a whole-scope run takes hours. A sample drawn from every file estimates the whole-scope score in a
 * fraction of that. Windows rather than single lines keep the multi-line mutants inside a window; mutants
 * longer than a window (a whole function body emptied) fall out of every sample, so the estimate leaves
 * those out (they are mostly killed: docs/guarantees.md).
 */
const fs = require('node:fs');
const path = require('node:path');

const WINDOW = 8;
const fraction = Number(process.argv[2] ?? '0.3');
const seed = Number(process.argv[3] ?? '11');
if (!(fraction > 0 && fraction <= 1)) throw new Error(`mutation-sample: fraction must be in (0, 1], got ${process.argv[2]}`);

const root = path.join(__dirname, '..');
const { mutate } = JSON.parse(fs.readFileSync(path.join(root, 'stryker.config.json'), 'utf8'));

/** Files matching the config's patterns: a directory prefix with `/**\/*.ts`, or one file. */
function scopeFiles() {
  const files = [];
  for (const pattern of mutate) {
    if (!pattern.includes('*')) files.push(pattern);
    else walk(pattern.slice(0, pattern.indexOf('/**')), files);
  }
  return files.sort();
}

function walk(dir, into) {
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) walk(rel, into);
    else if (rel.endsWith('.ts') && !rel.endsWith('.d.ts')) into.push(rel);
  }
}

// Park-Miller: the same seed gives the same sample, so runs can be repeated and compared.
let state = seed;
const random = () => (state = (state * 16807) % 2147483647) / 2147483647;

const ranges = [];
for (const file of scopeFiles()) {
  const lines = fs.readFileSync(path.join(root, file), 'utf8').split('\n').length;
  const windows = Math.ceil(lines / WINDOW);
  const picked = [];
  for (let w = 0; w < windows; w++) if (random() < fraction) picked.push(w);
  if (picked.length === 0) picked.push(Math.floor(random() * windows));
  for (const w of picked) ranges.push(`${file}:${w * WINDOW + 1}-${Math.min(lines, (w + 1) * WINDOW)}`);
}
process.stdout.write(ranges.join(','));
