/** Activations of the dense path, applied in place to a block of rows, and their derivatives as tfjs defines them. */

/** Those whose derivative follows from their output alone, so the pre-activations need not be kept. */
export const DENSE_ACTIVATIONS = ['linear', 'relu', 'elu', 'sigmoid', 'tanh'] as const;
export type DenseActivation = (typeof DENSE_ACTIVATIONS)[number];

/** Where a block of rows sits in memory: `rows × units` values, each row `stride` floats after the last. */
export interface Block {
  offset: number;
  rows: number;
  units: number;
  stride: number;
}

function apply(activation: Exclude<DenseActivation, 'relu'>): (z: number) => number {
  switch (activation) {
    case 'linear':
      return (z) => z;
    case 'elu':
      return (z) => (z > 0 ? z : Math.expm1(z));
    case 'sigmoid':
      return (z) => 1 / (1 + Math.exp(-z));
    case 'tanh':
      return Math.tanh;
  }
}

/** The derivative in terms of the output `a` (tfjs's EluGrad too reads the output: a + 1 below 0). */
function slope(activation: Exclude<DenseActivation, 'relu'>): (a: number) => number {
  switch (activation) {
    case 'linear':
      return () => 1;
    case 'elu':
      return (a) => (a < 0 ? a + 1 : 1);
    case 'sigmoid':
      return (a) => a * (1 - a);
    case 'tanh':
      return (a) => 1 - a * a;
  }
}

/** Replaces each pre-activation of the block by its activation. */
export function activate(memory: Float32Array, block: Block, activation: DenseActivation): void {
  if (activation === 'linear') return;
  // relu, by far the commonest, gets a loop of its own: a call per element costs more than the work.
  const f = activation === 'relu' ? null : apply(activation);
  for (let r = 0; r < block.rows; r++) {
    const start = block.offset + r * block.stride;
    const end = start + block.units;
    if (f === null) for (let j = start; j < end; j++) memory[j] = memory[j] > 0 ? memory[j] : 0;
    else for (let j = start; j < end; j++) memory[j] = f(memory[j]);
  }
}

/** Softmax over each row's units. */
export function softmax(memory: Float32Array, block: Block): void {
  for (let r = 0; r < block.rows; r++) {
    const start = block.offset + r * block.stride;
    const end = start + block.units;
    let max = -Infinity;
    for (let j = start; j < end; j++) max = Math.max(max, memory[j]);
    let sum = 0;
    for (let j = start; j < end; j++) sum += Math.exp(memory[j] - max);
    for (let j = start; j < end; j++) memory[j] = Math.exp(memory[j] - max) / sum;
  }
}

/** Multiplies each gradient of the block at `deltas` by the activation's slope at the outputs `outputs`. */
export function backThrough(memory: Float32Array, deltas: Block, outputs: number, activation: DenseActivation): void {
  if (activation === 'linear') return;
  const f = activation === 'relu' ? null : slope(activation);
  const shift = outputs - deltas.offset;
  for (let r = 0; r < deltas.rows; r++) {
    const start = deltas.offset + r * deltas.stride;
    const end = start + deltas.units;
    if (f === null) for (let j = start; j < end; j++) memory[j] = memory[j + shift] > 0 ? memory[j] : 0;
    else for (let j = start; j < end; j++) memory[j] *= f(memory[j + shift]);
  }
}
