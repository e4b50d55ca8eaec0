#!/usr/bin/env node
/**
 * Per-file and total mutation scores from a StrykerJS JSON report (default reports/mutation/mutation.json),
 * as a markdown table: `node scripts/mutation-summary.js [report.json] [--under 80]`.
 *
 * Score = (killed + timed out) / (killed + timed out + survived + no coverage), Stryker's own definition;
 * the total is also given with timeouts counted as undetected. For a sampled run (scripts/mutation-sample.js)
 * the sample's 95% interval comes from resampling its files (a bootstrap over files: mutants of one file are
 * not independent draws).
 */
const fs = require('node:fs');

const args = process.argv.slice(2);
const underAt = args.indexOf('--under');
const under = underAt >= 0 ? Number(args[underAt + 1]) : 101;
const file = args.find((arg, i) => !arg.startsWith('--') && (underAt < 0 || i !== underAt + 1)) ?? 'reports/mutation/mutation.json';
const report = JSON.parse(fs.readFileSync(file, 'utf8'));

const STATUSES = ['Killed', 'Timeout', 'Survived', 'NoCoverage'];
const rows = Object.entries(report.files).map(([name, { mutants }]) => {
  const count = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  for (const mutant of mutants) if (mutant.status in count) count[mutant.status]++;
  return { name, ...count };
});

const detected = (r) => r.Killed + r.Timeout;
const valid = (r) => detected(r) + r.Survived + r.NoCoverage;
const percent = (a, b) => (b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(1)}%`);
const sum = (list) => Object.fromEntries(STATUSES.map((s) => [s, list.reduce((t, r) => t + r[s], 0)]));

console.log('| file | mutants | killed | timed out | survived | no coverage | score |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows.sort((a, b) => detected(a) / valid(a) - detected(b) / valid(b))) {
  if (valid(r) > 0 && (100 * detected(r)) / valid(r) < under) {
    console.log(`| \`${r.name}\` | ${valid(r)} | ${r.Killed} | ${r.Timeout} | ${r.Survived} | ${r.NoCoverage} | ${percent(detected(r), valid(r))} |`);
  }
}
const total = sum(rows);
console.log(
  `| **all ${rows.length} files** | ${valid(total)} | ${total.Killed} | ${total.Timeout} | ${total.Survived} | ${total.NoCoverage} | **${percent(detected(total), valid(total))}** |`,
);
console.log(`\nTimeouts counted as undetected: ${percent(total.Killed, valid(total))}.`);

// Bootstrap over files (seeded), for the uncertainty of a sampled run.
let seed = 7;
const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
const scores = [];
for (let b = 0; b < 2000; b++) {
  const drawn = rows.map(() => rows[Math.floor(random() * rows.length)]);
  const t = sum(drawn);
  scores.push(detected(t) / valid(t));
}
scores.sort((a, b) => a - b);
console.log(`95% interval over files (bootstrap): ${percent(scores[50] * 1000, 1000)} to ${percent(scores[1949] * 1000, 1000)}.`);
