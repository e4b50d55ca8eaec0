import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRandom } from '../../src/random';

/** An MLP `inputs-hidden-hidden-1` (relu, then one sigmoid unit) trained with Adam on binary cross-entropy. */
export interface MlpWorkload {
  name: string;
  inputs: number;
  hidden: number;
  batch: number;
}

export const INPUTS = 32;
export const WORKLOADS: readonly MlpWorkload[] = [64, 256].flatMap((hidden) =>
  [32, 256].map((batch) => ({ name: `${INPUTS}-${hidden}-${hidden}-1 @ ${batch}`, inputs: INPUTS, hidden, batch })),
);

/** Adam's learning rate everywhere (Keras' and PyTorch's default). */
export const LEARNING_RATE = 0.001;

/** Steps each tool takes on the start of the data before the clock starts (JIT, kernel caches). */
export const WARMUP_STEPS = 5;

/** What every side reads: the data files and the workloads, as written by {@link writeManifest}. */
export interface Manifest {
  /** n × inputs float32, little-endian, row-major. */
  x: string;
  /** n float32 labels, 0 or 1. */
  y: string;
  n: number;
  inputs: number;
  learningRate: number;
  warmupSteps: number;
  /** Timed passes over the data; the fastest counts. */
  repeats: number;
  workloads: MlpWorkload[];
}

/**
 * `n` examples x ~ N(0, I) labelled by a fixed nonlinear rule (a random hyperplane plus a product of two
 * inputs), so that every tool has something to learn and its loss can be compared.
 */
export function generate(n: number, seed: number): { x: Float32Array; y: Float32Array } {
  const rng = createRandom(seed);
  const w = Float64Array.from({ length: INPUTS }, () => rng.gaussian() / Math.sqrt(INPUTS));
  const x = new Float32Array(n * INPUTS);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let score = 0;
    for (let j = 0; j < INPUTS; j++) {
      x[i * INPUTS + j] = rng.gaussian();
      score += w[j] * x[i * INPUTS + j];
    }
    y[i] = score + x[i * INPUTS] * x[i * INPUTS + 1] > 0 ? 1 : 0;
  }
  return { x, y };
}

export function writeManifest(dir: string, n: number, seed: number, repeats: number, workloads: readonly MlpWorkload[]): string {
  const { x, y } = generate(n, seed);
  const manifest: Manifest = {
    x: join(dir, 'x.f32'),
    y: join(dir, 'y.f32'),
    n,
    inputs: INPUTS,
    learningRate: LEARNING_RATE,
    warmupSteps: WARMUP_STEPS,
    repeats,
    workloads: [...workloads],
  };
  writeFileSync(manifest.x, new Uint8Array(x.buffer));
  writeFileSync(manifest.y, new Uint8Array(y.buffer));
  const path = join(dir, 'manifest.json');
  writeFileSync(path, JSON.stringify(manifest));
  return path;
}
