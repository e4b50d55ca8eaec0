/**
 * The streamlearn side of the `neural` suite, one process per engine (the tfjs backend is chosen once per
 * process, from STREAMLEARN_TF_BACKEND, which also keeps NeuralNet off its dense path):
 * `node streamlearn-side.js <manifest.json>` prints a SideOutput. streamlearn's NeuralNet is fed micro-batches of
 * rows, as a topology feeds it; on a tfjs backend, bare tfjs `model.trainOnBatch` on tensors built before
 * the clock runs too, which shows what NeuralNet adds to tfjs.
 */
import { readFileSync } from 'node:fs';
import { BACKEND_ENV, createNeuralNet, initTensorflow } from '../../src/neural';
import { tf } from '../../src/neural/tensorflow';
import { fastestPass, type SideOutput, type TrainingRun } from './runs';
import type { Manifest, MlpWorkload } from './workloads';

/** Rows per `learnMany` call: a typical Kafka micro-batch, a whole number of steps at every batch size. */
const MICRO_BATCH = 1024;

interface Data {
  rows: Float32Array[];
  x: Float32Array;
  y: Float32Array;
}

function load(manifest: Manifest): Data {
  const x = new Float32Array(new Uint8Array(readFileSync(manifest.x)).buffer);
  const y = new Float32Array(new Uint8Array(readFileSync(manifest.y)).buffer);
  if (x.length !== manifest.n * manifest.inputs || y.length !== manifest.n) {
    throw new Error(`data files hold ${x.length} inputs and ${y.length} labels, expected ${manifest.n} examples`);
  }
  const rows = Array.from({ length: manifest.n }, (_, i) => x.subarray(i * manifest.inputs, (i + 1) * manifest.inputs));
  return { rows, x, y };
}

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
const lastQuarter = (values: readonly number[]): number[] => values.slice(Math.floor((values.length * 3) / 4));

async function neuralNet(manifest: Manifest, data: Data, workload: MlpWorkload): Promise<TrainingRun> {
  const net = createNeuralNet({
    inputShape: [manifest.inputs],
    layers: [
      { type: 'dense', units: workload.hidden, activation: 'relu' },
      { type: 'dense', units: workload.hidden, activation: 'relu' },
      { type: 'dense', units: 1, activation: 'sigmoid' },
    ],
    optimizer: { type: 'adam', learningRate: manifest.learningRate },
    loss: 'binaryCrossentropy',
    batchSize: workload.batch,
    shuffle: false,
  });
  const warmup = manifest.warmupSteps * workload.batch;
  net.learnMany(data.rows.slice(0, warmup), data.y.subarray(0, warmup));
  let losses: number[] = [];
  const time = await fastestPass(manifest.repeats, () => {
    losses = [];
    for (let start = 0; start < manifest.n; start += MICRO_BATCH) {
      const end = Math.min(start + MICRO_BATCH, manifest.n);
      losses.push(net.learnMany(data.rows.slice(start, end), data.y.subarray(start, end)).loss);
    }
  });
  net.dispose();
  return { tool: `streamlearn ${net.backend}`, workload: workload.name, samples: manifest.n, ...time, loss: mean(lastQuarter(losses)) };
}

async function trainOnBatch(manifest: Manifest, data: Data, workload: MlpWorkload, tool: string): Promise<TrainingRun> {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [manifest.inputs], units: workload.hidden, activation: 'relu' }));
  model.add(tf.layers.dense({ units: workload.hidden, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
  model.compile({ optimizer: tf.train.adam(manifest.learningRate), loss: 'binaryCrossentropy' });
  const steps = Math.floor(manifest.n / workload.batch);
  const batches = Array.from({ length: steps }, (_, s) => {
    const from = s * workload.batch;
    const to = from + workload.batch;
    return [
      tf.tensor2d(data.x.subarray(from * manifest.inputs, to * manifest.inputs), [workload.batch, manifest.inputs]),
      tf.tensor2d(data.y.subarray(from, to), [workload.batch, 1]),
    ];
  });
  for (let s = 0; s < manifest.warmupSteps; s++) await model.trainOnBatch(batches[s][0], batches[s][1]);
  let losses: number[] = [];
  const time = await fastestPass(manifest.repeats, async () => {
    losses = [];
    for (const [x, y] of batches) losses.push((await model.trainOnBatch(x, y)) as number);
  });
  tf.dispose(batches.flat());
  model.dispose();
  return { tool, workload: workload.name, samples: steps * workload.batch, ...time, loss: mean(lastQuarter(losses)) };
}

async function main(manifestPath: string): Promise<void> {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const backend = await initTensorflow();
  const onTfjs = (process.env[BACKEND_ENV] ?? '') !== '';
  const data = load(manifest);
  const runs: TrainingRun[] = [];
  for (const workload of manifest.workloads) {
    process.stderr.write(`streamlearn ${onTfjs ? `tfjs ${backend}` : 'dense path'}: ${workload.name}\n`);
    runs.push(await neuralNet(manifest, data, workload));
    if (onTfjs) runs.push(await trainOnBatch(manifest, data, workload, `tfjs trainOnBatch ${backend}`));
  }
  const simd = backend === 'wasm' ? await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') : null;
  const output: SideOutput = { versions: { tfjs: tf.version.tfjs, tfjsBackend: backend, wasmSimd: simd === null ? null : Boolean(simd) }, runs };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

main(process.argv[2]).catch((err: unknown) => {
  process.stderr.write(`streamlearn side failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
