import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { friedmanStream, type FriedmanEvent } from '../../src/datasets/friedman';
import { createIncrementalPfi, spearman, vectorFeatures } from '../../src/importance';
import type { JsonValue } from '../../src/learners/estimator';
import { createNeuralNet, type NeuralRegressor } from '../../src/neural';
import { runPython } from '../python';
import { friedmanTrueImportance } from '../../src/datasets/friedman';

export const FRIEDMAN = Array.from({ length: 10 }, (_, j) => `x${j}`);
const HIDDEN = 64;
/** Friedman inputs are uniform on [0, 1]: (x − ½)·√12 gives mean 0 and variance 1 without any learned statistics. */
const featuresOf = (event: FriedmanEvent) => Float64Array.from(FRIEDMAN, (name) => (event[name as `x${number}`] - 0.5) * Math.sqrt(12));

export interface AgreementConfig {
  trainExamples: number;
  explainExamples: number;
  smoothing: number;
  reservoirSize: number;
  /** Points along the explained stream where both rankings are compared. */
  checkpoints: number;
  seed: number;
}

export interface AgreementResult {
  config: AgreementConfig;
  /** Examples explained: `explainExamples` rounded down to a multiple of `checkpoints`. */
  explained: number;
  /** Largest |prediction difference| between the two sides on the first explained examples (float32 weights). */
  predictionGap: number;
  streamlearn: { means: number[]; microsPerExample: number };
  ixai: { means: number[]; microsPerExample: number };
  /** Spearman between the two rankings at each checkpoint; the last is at the end of the stream. */
  agreement: number[];
  truth: number[];
  versions: { [key: string]: JsonValue };
}

/** What importance_peers.py prints. */
interface PeerOutput {
  versions: { [key: string]: JsonValue };
  checkpoints: number[][];
  predictions: number[];
  seconds: number;
}

function readPeerOutput(output: unknown, checkpoints: number): PeerOutput {
  const candidate = output as Partial<Record<keyof PeerOutput, unknown>> | null;
  const numbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number');
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.versions !== 'object' ||
    !Array.isArray(candidate.checkpoints) ||
    candidate.checkpoints.length !== checkpoints ||
    !candidate.checkpoints.every((row) => numbers(row) && row.length === FRIEDMAN.length) ||
    !numbers(candidate.predictions) ||
    typeof candidate.seconds !== 'number'
  ) {
    throw new Error(`importance_peers.py printed an unexpected result: ${JSON.stringify(output).slice(0, 200)}`);
  }
  return candidate as PeerOutput;
}

/** An MLP 10-64-1 trained on standardised Friedman #1, then frozen: both explainers see the same predictions. */
function trainFrozenModel(config: AgreementConfig, events: Iterator<FriedmanEvent>): NeuralRegressor {
  const net = createNeuralNet({
    inputShape: [FRIEDMAN.length],
    layers: [
      { type: 'dense', units: HIDDEN, activation: 'relu' },
      { type: 'dense', units: 1 },
    ],
    optimizer: { type: 'adam', learningRate: 0.005 },
    loss: 'meanSquaredError',
    batchSize: 16,
    seed: config.seed,
  });
  for (let seen = 0; seen < config.trainExamples; seen += 32) {
    const batch = Array.from({ length: 32 }, () => events.next().value as FriedmanEvent);
    net.learnMany(
      batch.map((event) => featuresOf(event)),
      Float64Array.from(batch, (event) => event.y),
    );
  }
  return net;
}

/**
 * ixai's IncrementalPFI (the reference implementation, from the `importance` venv) and streamlearn's iPFI
 * explain the same frozen model on the same stream with the same settings: every example explained, one
 * replacement per feature, a geometric reservoir, the same smoothing. Their rankings are compared along
 * the way (Spearman), and each with the true importance of Friedman #1.
 */
export async function measureAgreement(config: AgreementConfig, dir: string): Promise<AgreementResult> {
  const events = friedmanStream({ seed: config.seed });
  const net = trainFrozenModel(config, events);
  const every = Math.max(1, Math.floor(config.explainExamples / config.checkpoints));
  const n = every * config.checkpoints;
  const xs: Float64Array[] = [];
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const event = events.next().value as FriedmanEvent;
    xs.push(featuresOf(event));
    ys[i] = event.y;
  }
  const flat = new Float64Array(n * FRIEDMAN.length);
  xs.forEach((x, i) => flat.set(x, i * FRIEDMAN.length));
  writeFileSync(join(dir, 'x.f64'), flat);
  writeFileSync(join(dir, 'y.f64'), ys);
  const arrays = net.state().arrays;
  const weights = Object.fromEntries(['layer0/kernel', 'layer0/bias', 'layer1/kernel', 'layer1/bias'].map((name) => [name, Array.from(arrays[name])]));
  const manifest = { ...config, n, features: FRIEDMAN, hidden: HIDDEN, x: join(dir, 'x.f64'), y: join(dir, 'y.f64'), weights, every };
  const manifestPath = join(dir, 'agreement.json');
  writeFileSync(manifestPath, JSON.stringify(manifest));

  const pfi = createIncrementalPfi({
    model: net,
    features: vectorFeatures(FRIEDMAN),
    sampleRate: 1,
    smoothing: config.smoothing,
    reservoir: { kind: 'geometric', size: config.reservoirSize },
    seed: config.seed,
  });
  const ours: number[][] = [];
  const start = performance.now();
  for (let i = 0; i < n; i += every) {
    pfi.update(xs.slice(i, i + every), ys.subarray(i, i + every));
    const byName = new Map(pfi.snapshot().features.map((score) => [score.name, score.mean]));
    ours.push(FRIEDMAN.map((name) => byName.get(name) as number));
  }
  const seconds = (performance.now() - start) / 1000;

  const peer = readPeerOutput(await runPython('importance', 'importance_peers.py', [manifestPath]), ours.length);
  const predictions = net.predictMany(xs.slice(0, peer.predictions.length));
  const predictionGap = Math.max(...peer.predictions.map((p, i) => Math.abs(p - predictions[i])));
  return {
    config,
    explained: n,
    predictionGap,
    streamlearn: { means: ours[ours.length - 1], microsPerExample: (seconds * 1e6) / n },
    ixai: { means: peer.checkpoints[peer.checkpoints.length - 1], microsPerExample: (peer.seconds * 1e6) / n },
    agreement: ours.map((means, c) => spearman(means, peer.checkpoints[c])),
    truth: friedmanTrueImportance(),
    versions: peer.versions,
  };
}
