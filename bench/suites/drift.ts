import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDriftDetector, type DriftDetectorSpec } from '../../src/drift';
import { resolveAdwinConfig } from '../../src/drift/adwin';
import { resolveDdmConfig } from '../../src/drift/ddm';
import { resolveKswinConfig } from '../../src/drift/kswin';
import { resolvePageHinkleyConfig } from '../../src/drift/page-hinkley';
import { ConfigError } from '../../src/errors';
import { createRandom } from '../../src/random';
import { runPython } from '../python';
import type { BenchResult, BenchTable, Cell } from '../report';

interface DriftRun {
  tool: string;
  name: string;
  n: number;
  seconds: number;
  cpuSeconds: number;
  detections: number[];
}

interface Job {
  name: string;
  spec: DriftDetectorSpec;
  values: Float64Array;
  changes: number[];
}

const SEGMENTS = 5;

/** SEGMENTS segments of `length` values, alternating `a` and `b`: a change at every segment boundary. */
function alternating(
  length: number,
  seed: number,
  a: (r: ReturnType<typeof createRandom>) => number,
  b: (r: ReturnType<typeof createRandom>) => number,
): { values: Float64Array; changes: number[] } {
  const rng = createRandom(seed);
  const values = Float64Array.from({ length: SEGMENTS * length }, (_, i) => (Math.floor(i / length) % 2 === 0 ? a(rng) : b(rng)));
  return { values, changes: Array.from({ length: SEGMENTS - 1 }, (_, k) => (k + 1) * length) };
}

function jobs(length: number, seed: number): Job[] {
  const errors = alternating(
    length,
    seed,
    (r) => (r.next() < 0.2 ? 1 : 0),
    (r) => (r.next() < 0.5 ? 1 : 0),
  );
  const rising = { values: errors.values, changes: errors.changes.filter((_, k) => k % 2 === 0) };
  const normals = alternating(
    length,
    seed + 1,
    (r) => r.gaussian(),
    (r) => 2 + r.gaussian(),
  );
  // Every spec spelled out in full, so that both sides run the very same parameters.
  return [
    { name: 'ADWIN on 0/1 errors 0.2 ⇄ 0.5', spec: { kind: 'ADWIN', ...resolveAdwinConfig() }, ...errors },
    { name: 'PageHinkley up on 0/1 errors 0.2 ⇄ 0.5', spec: { kind: 'PageHinkley', ...resolvePageHinkleyConfig({ mode: 'up' }) }, ...rising },
    { name: 'DDM on 0/1 errors 0.2 ⇄ 0.5', spec: { kind: 'DDM', ...resolveDdmConfig() }, ...rising },
    { name: 'ADWIN on N(0,1) ⇄ N(2,1)', spec: { kind: 'ADWIN', ...resolveAdwinConfig() }, ...normals },
    { name: 'KSWIN α=1e-4 on N(0,1) ⇄ N(2,1)', spec: { kind: 'KSWIN', ...resolveKswinConfig({ alpha: 0.0001 }) }, ...normals },
  ];
}

function runOurs(job: Job): DriftRun {
  const warm = createDriftDetector(job.spec);
  for (let i = 0; i < Math.min(20_000, job.values.length); i++) warm.update(job.values[i]!);
  const detector = createDriftDetector(job.spec);
  const detections: number[] = [];
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < job.values.length; i++) if (detector.update(job.values[i]!) === 'drift') detections.push(i);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  process.stderr.write(`  streamlearn ${job.name}: ${Math.round(job.values.length / seconds)} updates/s, ${detections.length} detections\n`);
  return { tool: 'streamlearn', name: job.name, n: job.values.length, seconds, cpuSeconds: (used.user + used.system) / 1e6, detections };
}

/** Delay to the first detection after each change (within its segment), and detections not following a change. */
function quality(detections: number[], changes: number[], segment: number): { meanDelay: number | null; missed: number; falseAlarms: number } {
  const delays: number[] = [];
  let missed = 0;
  for (const change of changes) {
    const first = detections.find((d) => d >= change && d < change + segment);
    if (first === undefined) missed++;
    else delays.push(first - change);
  }
  // A false alarm: a detection with no change in the `segment / 2` events before it.
  const falseAlarms = detections.filter((d) => !changes.some((c) => d >= c && d < c + segment / 2)).length;
  return { meanDelay: delays.length ? delays.reduce((a, b) => a + b, 0) / delays.length : null, missed, falseAlarms };
}

/**
 * streamlearn's drift detectors against River's on the same streams and parameters, in one invocation:
 * throughput (updates per wall and CPU second) and behaviour (mean delay after each change, missed
 * changes, false alarms). Options: `--length n` (values per segment, default 20000), `--seed s`, `--reps r`.
 */
export async function run(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args,
    options: { length: { type: 'string', default: '20000' }, seed: { type: 'string', default: '1' }, reps: { type: 'string', default: '2' } },
  });
  const length = Number(values.length);
  const reps = Number(values.reps);
  if (!(Number.isInteger(length) && length >= 1000)) throw new ConfigError(`--length must be an integer ≥ 1000, got "${values.length}"`);
  if (!(Number.isInteger(reps) && reps >= 1 && reps <= 5)) throw new ConfigError(`--reps must be an integer in [1, 5], got "${values.reps}"`);
  const all = jobs(length, Number(values.seed));
  const dir = mkdtempSync(join(tmpdir(), 'streamlearn-bench-drift-'));
  const runs: DriftRun[] = [];
  let versions = {};
  try {
    const manifest = join(dir, 'manifest.json');
    writeFileSync(
      manifest,
      JSON.stringify({
        jobs: all.map((job, i) => {
          const file = join(dir, `${i}.f64`);
          writeFileSync(file, job.values);
          return { name: job.name, file, spec: job.spec };
        }),
      }),
    );
    // Interleaved: ours, River, ours, River…; the best repetition of each side is kept.
    for (let rep = 0; rep < reps; rep++) {
      runs.push(...all.map(runOurs));
      const output = (await runPython('drift', 'drift_peers.py', [manifest])) as { versions: object; runs: DriftRun[] };
      versions = output.versions;
      runs.push(...output.runs);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    tables: [table(all, runs, length)],
    context: { length, segments: SEGMENTS, reps, seed: Number(values.seed), versions, specs: all.map((job) => ({ name: job.name, ...job.spec })) },
    notes: [
      `${SEGMENTS} segments of ${length} values, the distribution alternating at each boundary; PageHinkley 'up' and DDM are scored on the rising changes only. Delay: events from a change to the first detection within its segment. False alarm: a detection more than half a segment after the last change.`,
      'One pass per detector on a fresh detector (streamlearn after a throwaway warm-up for the JIT), single-threaded; the best of the interleaved repetitions.',
      "River's ADWIN skips the newest bucket of each row when it scans cuts; streamlearn tests every cut (MOA's and the paper's scan). KSWIN: River uses scipy's exact p-value and also requires D > 0.1; streamlearn the paper's bound √(−ln α / r).",
    ],
  };
}

function table(all: Job[], runs: DriftRun[], length: number): BenchTable {
  const rows: Record<string, Cell>[] = [];
  for (const job of all) {
    const best = (tool: string) => runs.filter((r) => r.tool === tool && r.name === job.name).sort((a, b) => a.seconds - b.seconds)[0];
    const ours = best('streamlearn');
    for (const run of [ours, best('River')]) {
      if (!run) continue;
      const q = quality(run.detections, job.changes, length);
      rows.push({
        detector: job.name,
        tool: run.tool,
        'updates/s': Math.round(run.n / run.seconds),
        'updates/CPU-s': Math.round(run.n / run.cpuSeconds),
        'streamlearn speed ×': ours ? run.seconds / ours.seconds : null,
        detections: run.detections.length,
        'mean delay': q.meanDelay,
        missed: q.missed,
        'false alarms': q.falseAlarms,
      });
    }
  }
  return {
    title: 'Drift detectors: throughput and detection behaviour, streamlearn vs River',
    columns: ['detector', 'tool', 'updates/s', 'updates/CPU-s', 'streamlearn speed ×', 'detections', 'mean delay', 'missed', 'false alarms'],
    rows,
  };
}
