import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, errorMessage } from '../../src/errors';
import { averageRanks, spearman } from '../../src/importance';
import { initTensorflow } from '../../src/neural';
import { FRIEDMAN, measureAgreement, type AgreementResult } from '../importance/agreement';
import { throughputWorkloads, type ThroughputRun } from '../importance/throughput';
import type { BenchResult, BenchTable } from '../report';

/** The rankings agree when Spearman's ρ at the end is at least this and both put the same five features on top. */
const AGREEMENT_THRESHOLD = 0.8;

/**
 * Online feature importance: what iPFI and standardized coefficients cost a learner (test-then-train
 * throughput with importance off and on, time per importance update), and how iPFI's ranking agrees with
 * ixai's IncrementalPFI, the reference implementation (bench/python/importance_peers.py, venv group
 * `importance`). Options: `--scale f` multiplies every size (0.1 for a smoke run), `--repeats r` timed
 * runs per variant, the fastest counting (default 3), `--seed s`, `--skip-ixai`.
 */
export async function run(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args,
    options: {
      scale: { type: 'string', default: '1' },
      repeats: { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' },
      'skip-ixai': { type: 'boolean', default: false },
    },
  });
  const scale = Number(values.scale);
  const repeats = Number(values.repeats);
  const seed = Number(values.seed);
  if (!(scale > 0 && scale <= 10)) throw new ConfigError(`--scale must be in (0, 10], got "${values.scale}"`);
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new ConfigError(`--repeats must be a positive integer, got "${values.repeats}"`);
  if (!Number.isInteger(seed)) throw new ConfigError(`--seed must be an integer, got "${values.seed}"`);
  await initTensorflow();

  const runs: ThroughputRun[] = [];
  for (const workload of throughputWorkloads(scale, seed)) {
    process.stderr.write(`throughput: ${workload.name}, n = ${workload.n}\n`);
    runs.push(...workload.measure(repeats));
  }
  const tables = [throughputTable(runs)];
  const notes = [
    'Test-then-train in micro-batches of 500, as a topology runs them: predictMany, then the importance update (when on), then learnMany; every variant on a fresh model, variants interleaved, the run with the least CPU time of `repeats` counting, after an untimed warm-up run of each.',
    '"overhead" is the CPU time of that run with importance on over the one with it off, minus 1 (CPU time, because other jobs share the machine\'s two cores and move the wall clock); "share" is the CPU time inside the importance updates over the rest of the same run. "µs/sample" is the CPU cost of one explained example (iPFI: 1 + features predictions, made in one predictMany per micro-batch).',
    'The default iPFI rate spends a twentieth of a model evaluation per example: 0.05 / (features + 1).',
  ];

  let agreement: AgreementResult | null = null;
  if (!values['skip-ixai']) {
    const dir = mkdtempSync(join(tmpdir(), 'streamlearn-bench-importance-'));
    try {
      process.stderr.write('agreement with ixai\n');
      agreement = await measureAgreement(
        { trainExamples: 30_000, explainExamples: Math.round(20_000 * scale), smoothing: 0.001, reservoirSize: 100, checkpoints: 10, seed },
        dir,
      );
      tables.push(...agreementTables(agreement));
      notes.push(
        "Agreement: an MLP 10-64-1 learns 30,000 standardised Friedman #1 examples and is frozen; streamlearn and ixai then explain every one of the next examples (geometric reservoir of 100, one replacement per feature, smoothing 0.001 = ixai's default) with the same weights (ixai through a numpy forward pass). ρ is Spearman's correlation of the two importance vectors, at 10 points along the stream; the truth is the permutation importance of the true function.",
        "ixai 0.1.3 with river 0.26.1: a river metric as loss_function fails (ixai chains metric.update(...).revert(...), and river's update returns None), so the peer passes the squared error as a plain callable, which ixai supports.",
      );
    } catch (err) {
      notes.push(`ixai did not run: ${errorMessage(err)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  return {
    tables,
    context: {
      seed,
      scale,
      repeats,
      ...(agreement === null
        ? {}
        : {
            agreement: {
              spearmanFinal: agreement.agreement[agreement.agreement.length - 1],
              spearmanMin: Math.min(...agreement.agreement),
              agree: agrees(agreement),
              explained: agreement.explained,
              versions: agreement.versions,
            },
          }),
    },
    notes,
  };
}

function throughputTable(runs: ThroughputRun[]): BenchTable {
  const off = new Map(runs.filter((r) => r.variant === 'off').map((r) => [r.workload, r]));
  return {
    title: 'Learner throughput with importance off and on (test-then-train)',
    columns: [
      'workload',
      'model',
      'features',
      'n',
      'importance',
      'sample rate',
      'examples/s',
      'examples/CPU-s',
      'overhead',
      'share',
      'samples',
      'µs/sample',
      'µs/batch',
    ],
    rows: runs.map((r) => {
      const baseline = off.get(r.workload);
      const on = r.variant !== 'off';
      return {
        workload: r.workload,
        model: r.model,
        features: r.features,
        n: r.n,
        importance: r.variant,
        'sample rate': r.sampleRate,
        'examples/s': Math.round(r.n / r.seconds),
        'examples/CPU-s': Math.round(r.n / r.cpuSeconds),
        overhead: on && baseline ? percent(r.cpuSeconds / baseline.cpuSeconds - 1) : null,
        share: on ? percent(r.importanceSeconds / (r.cpuSeconds - r.importanceSeconds)) : null,
        samples: on ? r.samples : null,
        'µs/sample': on && r.samples > 0 ? (r.importanceSeconds * 1e6) / r.samples : null,
        'µs/batch': on ? (r.importanceSeconds * 1e6) / r.batches : null,
      };
    }),
  };
}

const percent = (fraction: number): string => `${(100 * fraction).toFixed(1)}%`;

function topFive(means: number[]): string[] {
  return FRIEDMAN.filter((_, j) => averageRanks(means.map((m) => -m))[j] <= 5).sort();
}

function agrees(result: AgreementResult): boolean {
  const final = result.agreement[result.agreement.length - 1];
  return final >= AGREEMENT_THRESHOLD && topFive(result.streamlearn.means).join() === topFive(result.ixai.means).join();
}

function agreementTables(result: AgreementResult): BenchTable[] {
  const rank = (means: number[]) => averageRanks(means.map((m) => -m));
  const [ours, theirs, truth] = [result.streamlearn.means, result.ixai.means, result.truth].map(rank);
  return [
    {
      title: `iPFI: streamlearn vs ixai IncrementalPFI on the same frozen MLP (${result.explained} examples)`,
      columns: ['feature', 'true importance', 'streamlearn', 'ixai', 'rank (true)', 'rank streamlearn', 'rank ixai'],
      rows: FRIEDMAN.map((name, j) => ({
        feature: name,
        'true importance': result.truth[j],
        streamlearn: result.streamlearn.means[j],
        ixai: result.ixai.means[j],
        'rank (true)': truth[j],
        'rank streamlearn': ours[j],
        'rank ixai': theirs[j],
      })),
    },
    {
      title: 'Agreement (Spearman ρ)',
      columns: [
        'ρ streamlearn–ixai, end',
        'ρ min over 10 points',
        'agree',
        'ρ streamlearn–truth',
        'ρ ixai–truth',
        'prediction gap',
        'µs/example streamlearn',
        'µs/example ixai',
      ],
      rows: [
        {
          'ρ streamlearn–ixai, end': result.agreement[result.agreement.length - 1],
          'ρ min over 10 points': Math.min(...result.agreement),
          agree: agrees(result) ? 'yes' : 'no',
          'ρ streamlearn–truth': spearman(result.streamlearn.means, result.truth),
          'ρ ixai–truth': spearman(result.ixai.means, result.truth),
          'prediction gap': result.predictionGap,
          'µs/example streamlearn': result.streamlearn.microsPerExample,
          'µs/example ixai': result.ixai.microsPerExample,
        },
      ],
    },
  ];
}
