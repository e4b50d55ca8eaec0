import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, errorMessage } from '../../src/errors';
import type { JsonValue } from '../../src/learners/estimator';
import { BACKEND_ENV } from '../../src/neural';
import { ratioTable, targetTable, throughputTable } from '../neural/compare';
import { readSideOutput, type SideOutput, type TrainingRun } from '../neural/runs';
import { LEARNING_RATE, WARMUP_STEPS, WORKLOADS, writeManifest } from '../neural/workloads';
import { runJsonProcess, runPython } from '../python';
import type { BenchResult } from '../report';

/** `dense-simd`: NeuralNet's dense path; the others: NeuralNet and bare tfjs on that TensorFlow.js backend. */
const ENGINES = ['dense-simd', 'wasm', 'cpu'] as const;
/** Each peer with the thread counts it runs at; 0 is the framework's default (all cores). */
const PEERS: Readonly<Record<string, readonly number[]>> = { torch: [1], keras: [1, 0] };

/**
 * MLP training throughput on the same data and models, in one invocation: streamlearn's NeuralNet on its
 * dense path and on each TensorFlow.js backend (with bare tfjs beside it), against Keras `train_on_batch`
 * and PyTorch (bench/python/neural_peers.py, venv group `neural`). Options: `--samples n` examples per
 * timed pass (default 8192), `--repeats r` timed passes, the fastest counting (default 3),
 * `--engines dense-simd,wasm,cpu`, `--peers torch,keras`, `--seed s`.
 */
export async function run(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args,
    options: {
      samples: { type: 'string', default: '8192' },
      repeats: { type: 'string', default: '3' },
      engines: { type: 'string', default: ENGINES.join(',') },
      peers: { type: 'string', default: Object.keys(PEERS).join(',') },
      seed: { type: 'string', default: '1' },
    },
  });
  const samples = Number(values.samples);
  const seed = Number(values.seed);
  const repeats = Number(values.repeats);
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new ConfigError(`--repeats must be a positive integer, got "${values.repeats}"`);
  if (!(Number.isInteger(samples) && samples >= 1024 && samples % 1024 === 0)) {
    throw new ConfigError(`--samples must be a multiple of 1024, got "${values.samples}"`);
  }
  if (!Number.isInteger(seed)) throw new ConfigError(`--seed must be an integer, got "${values.seed}"`);
  const engines = pick(values.engines, ENGINES, '--engines');
  const peers = pick(values.peers, Object.keys(PEERS), '--peers');

  const runs: TrainingRun[] = [];
  /** Each side's versions and settings, by side: backends and thread counts differ between them. */
  const sideVersions: { [key: string]: JsonValue } = {};
  const notes: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'streamlearn-bench-neural-'));
  try {
    const manifest = writeManifest(dir, samples, seed, repeats, WORKLOADS);
    const sides: { who: string; output: () => Promise<unknown> }[] = [
      ...engines.map((engine) => ({ who: `streamlearn ${engine}`, output: () => runStreamlearnSide(engine, manifest) })),
      ...peers.flatMap((peer) =>
        PEERS[peer].map((threads) => ({
          who: `${peer} (${threads === 0 ? 'default threads' : threads === 1 ? '1 thread' : `${threads} threads`})`,
          output: () => runPython('neural', 'neural_peers.py', [manifest, peer, String(threads)]),
        })),
      ),
    ];
    // One side at a time: they would otherwise compete for the machine's cores.
    for (const { who, output } of sides) {
      let side: SideOutput;
      try {
        side = readSideOutput(await output(), who);
      } catch (err) {
        notes.push(`${who} did not run: ${errorMessage(err)}`);
        continue;
      }
      runs.push(...side.runs);
      sideVersions[who] = side.versions;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  return {
    tables: [throughputTable(runs), ratioTable(runs), targetTable(runs)],
    context: {
      seed,
      samples,
      repeats,
      learningRate: LEARNING_RATE,
      warmupSteps: WARMUP_STEPS,
      workloads: WORKLOADS.map(({ name, inputs, hidden, batch }) => ({ name, inputs, hidden, batch })),
      sides: sideVersions,
    },
    notes: [
      ...notes,
      'Same float32 data (x ~ N(0, I), 32 inputs, label from a fixed nonlinear rule), same MLP (relu, sigmoid output), Adam (lr 0.001), binary cross-entropy, no shuffling; each tool takes the warm-up steps, then timed passes over all the samples in a row, the fastest counting (the machine is shared).',
      'streamlearn is NeuralNet fed micro-batches of 1,024 rows (Float32Array per row, as a topology feeds it), with its per-step finite guard: on its dense path (dense-simd: WebAssembly SIMD kernels, one thread), or forced onto a TensorFlow.js backend. tfjs trainOnBatch is bare tfjs on tensors built before the clock. Keras and PyTorch also train on batches built before the clock, reading the loss back each step.',
      'tfjs-node (native libtensorflow) is not measured: its install downloads libtensorflow from outside the package registries, which this machine cannot reach.',
      'The PyPI torch wheel for Linux x86_64 is the CUDA build (its CUDA libraries make the venv about 7 GB); it runs on the CPU here. No CPU-only wheel index is reachable from this machine.',
    ],
  };
}

function pick<T extends string>(raw: string, known: readonly T[], option: string): T[] {
  return raw.split(',').map((name) => {
    const found = known.find((k) => k === name.trim());
    if (found === undefined) throw new ConfigError(`${option}: unknown "${name}"; known: ${known.join(', ')}`);
    return found;
  });
}

/** A streamlearn side in its own process: the tfjs backend is fixed once per process. */
async function runStreamlearnSide(engine: (typeof ENGINES)[number], manifest: string): Promise<unknown> {
  const env = { ...process.env };
  if (engine === 'dense-simd') delete env[BACKEND_ENV];
  else env[BACKEND_ENV] = engine;
  return runJsonProcess(process.execPath, [join(__dirname, '..', 'neural', 'streamlearn-side.js'), manifest], env, `the streamlearn ${engine} process`);
}
