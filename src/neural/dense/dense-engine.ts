/**
 * The dense path: a plain MLP (dense layers only, flat input) trained without TensorFlow.js, its matrix
 * products and Adam in the WebAssembly SIMD kernels of ./simd-kernels and the rest in plain loops over
 * the same memory. It starts from the weights tfjs initialised and follows tfjs's arithmetic (see ./output-loss,
 * ./update), so it learns what the tfjs engine learns, to float32 rounding; it only computes faster.
 *
 * Layout, in floats: parameters (each layer's kernel, in × out row-major as Keras stores it, then its
 * bias), then one range per optimizer slot, then a snapshot of both for the finite guard, then the
 * gradients, then the per-row buffers. Widths are padded to multiples of 8 and rows to multiples of 4,
 * as the kernel wants; padding stays zero (zero weights, zero gradients), so it never changes a result.
 */

import type { TypedArray } from '../../learners/estimator';
import { loadArray } from '../../learners/state-arrays';
import type { NormalizedConfig } from '../config';
import type { NetEngine } from '../engine';
import type { Example } from '../replay';
import type { StepResult } from '../train-step';
import { activate, backThrough, DENSE_ACTIVATIONS, softmax, type Block, type DenseActivation } from './activations';
import { lossAndGradient, type OutputLayer } from './output-loss';
import { createKernels, GemmStart, simdAvailable, type SimdKernels } from './simd-kernels';
import { clipByGlobalNorm, createUpdate, type DenseUpdate, type ParameterRanges } from './update';

const roundUp = (value: number, multiple: number): number => Math.ceil(value / multiple) * multiple;
const isDenseActivation = (name: string): name is DenseActivation => (DENSE_ACTIVATIONS as readonly string[]).includes(name);

interface DenseLayer {
  inputs: number;
  units: number;
  paddedInputs: number;
  paddedUnits: number;
  activation: DenseActivation | 'softmax';
  useBias: boolean;
  /** Offsets of the kernel and bias within the parameters. */
  kernel: number;
  bias: number;
}

/** A plain MLP on a flat input, every activation one the dense path implements, and SIMD available. */
export function denseEngineFits(config: NormalizedConfig): boolean {
  const last = config.layers.length - 1;
  const fits = config.layers.every((spec, i) => {
    if (spec.type !== 'dense') return false;
    const activation = spec.activation ?? 'linear';
    if (i === last && activation === 'softmax') return config.loss !== 'meanSquaredError';
    return isDenseActivation(activation);
  });
  return fits && config.inputShape.length === 1 && simdAvailable();
}

function layersOf(config: NormalizedConfig): { layers: DenseLayer[]; size: number } {
  let size = 0;
  let inputs = config.inputShape[0];
  const layers = config.layers.map((spec) => {
    if (spec.type !== 'dense') throw new Error(`the dense path got a ${spec.type} layer`);
    const paddedInputs = roundUp(inputs, 8);
    const paddedUnits = roundUp(spec.units, 8);
    const kernel = size;
    const bias = kernel + paddedInputs * paddedUnits;
    // Normalised configs spell out the defaults; the fallbacks only satisfy the type.
    const useBias = spec.useBias ?? true;
    size = bias + (useBias ? paddedUnits : 0);
    const activation = (spec.activation ?? 'linear') as DenseLayer['activation'];
    const layer: DenseLayer = { inputs, units: spec.units, paddedInputs, paddedUnits, activation, useBias, kernel, bias };
    inputs = spec.units;
    return layer;
  });
  return { layers, size };
}

/** Where the row buffers lie for a capacity of `rows` (a multiple of 4), and the memory holding everything. */
interface RowBuffers {
  rows: number;
  kernels: SimdKernels;
  /** The input rows. */
  input: number;
  /** Per layer: its outputs (pre-activations, then activations in place) and the gradients at them. */
  outputs: number[];
  deltas: number[];
  /** Scratch for a transposed kernel, and for the four identical rows of a bias gradient. */
  kernelT: number;
  biasRows: number;
  /** `rows` ones: the row vector that sums a gradient's rows into a bias gradient. */
  ones: number;
}

class DenseEngine implements NetEngine {
  readonly name = 'dense-simd';
  steps = 0;
  private readonly layers: DenseLayer[];
  private readonly update: DenseUpdate;
  private readonly output: OutputLayer;
  private readonly ranges: ParameterRanges;
  /** Parameters and slots, which the finite guard snapshots to `snapshot`. */
  private readonly stateSize: number;
  private readonly snapshot: number;
  private buffers: RowBuffers;

  constructor(private readonly config: NormalizedConfig) {
    const { layers, size } = layersOf(config);
    this.layers = layers;
    this.update = createUpdate(config.optimizer);
    const last = layers[layers.length - 1];
    this.output = { loss: config.loss, activation: last.activation, metrics: config.metrics };
    this.stateSize = size * (1 + this.update.slots.length);
    this.snapshot = this.stateSize;
    this.ranges = { params: 0, gradients: 2 * this.stateSize, size };
    this.buffers = this.allocate(roundUp(Math.min(Math.max(config.batchSize, 4), 256), 4));
  }

  step(examples: readonly Example[]): StepResult | null {
    const n = examples.length;
    if (roundUp(n, 4) > this.buffers.rows) this.grow(roundUp(n, 4));
    const memory = this.buffers.kernels.memory;
    this.forward(examples.map((e) => e.x));
    const top = this.layers.length - 1;
    const outputs = this.block(this.buffers.outputs[top], top, n);
    const gradients = this.block(this.buffers.deltas[top], top, n);
    // Padding rows get no gradient.
    memory.fill(0, gradients.offset + n * gradients.stride, gradients.offset + roundUp(n, 4) * gradients.stride);
    const { loss, metrics } = lossAndGradient(
      memory,
      this.output,
      { outputs, gradients },
      examples.map((e) => e.y),
    );
    this.backward(roundUp(n, 4));
    if (this.config.optimizer.globalClipNorm !== null) clipByGlobalNorm(memory, this.ranges, this.config.optimizer.globalClipNorm);
    memory.copyWithin(this.snapshot, 0, this.stateSize);
    const finite = this.update.apply(this.buffers.kernels, this.ranges, this.steps + 1);
    if (Number.isFinite(loss) && finite) {
      this.steps++;
      return { loss, metrics, finite: true };
    }
    memory.copyWithin(0, this.snapshot, this.snapshot + this.stateSize);
    return null;
  }

  outputs(rows: readonly Float32Array[]): Float32Array {
    const top = this.layers[this.layers.length - 1];
    const result = new Float32Array(rows.length * top.units);
    for (let start = 0; start < rows.length; start += this.buffers.rows) {
      const chunk = rows.slice(start, start + this.buffers.rows);
      this.forward(chunk);
      const out = this.buffers.outputs[this.layers.length - 1];
      for (let r = 0; r < chunk.length; r++) {
        const from = out + r * top.paddedUnits;
        result.set(this.buffers.kernels.memory.subarray(from, from + top.units), (start + r) * top.units);
      }
    }
    return result;
  }

  read(): Record<string, Float32Array> {
    const arrays: Record<string, Float32Array> = {};
    for (const [name, range, layer, part] of this.namedRanges()) arrays[name] = this.gather(range, layer, part);
    return arrays;
  }

  write(arrays: Record<string, TypedArray>): void {
    for (const [name, range, layer, part] of this.namedRanges()) {
      const values = new Float32Array(part === 'kernel' ? layer.inputs * layer.units : layer.units);
      loadArray(arrays, name, values);
      this.scatter(values, range, layer, part);
    }
  }

  dispose(): void {
    // Nothing to release: the WebAssembly memory is garbage-collected with the engine.
  }

  /** Every state array: name, the range it lives in (0 for the parameters, s + 1 for slot s), layer, part. */
  private namedRanges(): [string, number, DenseLayer, 'kernel' | 'bias'][] {
    const parts = this.layers.flatMap((layer, i) =>
      (['kernel', 'bias'] as const).filter((part) => part === 'kernel' || layer.useBias).map((part) => [`layer${i}/${part}`, layer, part] as const),
    );
    return [
      ...parts.map(([name, layer, part]) => [name, 0, layer, part] as [string, number, DenseLayer, 'kernel' | 'bias']),
      ...parts.flatMap(([name, layer, part]) =>
        this.update.slots.map((slot, s) => [`optimizer/${name}/${slot}`, s + 1, layer, part] as [string, number, DenseLayer, 'kernel' | 'bias']),
      ),
    ];
  }

  /** A kernel or bias without its padding. */
  private gather(range: number, layer: DenseLayer, part: 'kernel' | 'bias'): Float32Array {
    const memory = this.buffers.kernels.memory;
    const base = range * this.ranges.size;
    if (part === 'bias') return memory.slice(base + layer.bias, base + layer.bias + layer.units);
    const kernel = new Float32Array(layer.inputs * layer.units);
    for (let i = 0; i < layer.inputs; i++) {
      const from = base + layer.kernel + i * layer.paddedUnits;
      kernel.set(memory.subarray(from, from + layer.units), i * layer.units);
    }
    return kernel;
  }

  private scatter(values: Float32Array, range: number, layer: DenseLayer, part: 'kernel' | 'bias'): void {
    const memory = this.buffers.kernels.memory;
    const base = range * this.ranges.size;
    if (part === 'bias') {
      memory.set(values, base + layer.bias);
      return;
    }
    for (let i = 0; i < layer.inputs; i++) memory.set(values.subarray(i * layer.units, (i + 1) * layer.units), base + layer.kernel + i * layer.paddedUnits);
  }

  private block(offset: number, layer: number, rows: number): Block {
    return { offset, rows, units: this.layers[layer].units, stride: this.layers[layer].paddedUnits };
  }

  /** Every layer's outputs for `rows`, which fill the input buffer (padding rows zeroed). */
  private forward(rows: readonly Float32Array[]): void {
    const { kernels, input, outputs } = this.buffers;
    const { memory, gemm } = kernels;
    const width = this.layers[0].paddedInputs;
    rows.forEach((row, r) => memory.set(row, input + r * width));
    const m = roundUp(rows.length, 4);
    memory.fill(0, input + rows.length * width, input + m * width);
    let from = input;
    this.layers.forEach((layer, l) => {
      const to = outputs[l];
      const start = layer.useBias ? GemmStart.bias : GemmStart.zero;
      gemm(4 * from, 4 * layer.kernel, 4 * to, m, layer.paddedInputs, layer.paddedUnits, start, 4 * layer.paddedInputs, 4, 4 * layer.bias);
      const block = this.block(to, l, m);
      // Padding columns hold zeros, which relu keeps: the kernel runs over whole rows.
      if (layer.activation === 'relu') kernels.relu(4 * to, m * layer.paddedUnits);
      else if (layer.activation === 'softmax') softmax(memory, block);
      else activate(memory, block, layer.activation);
      from = to;
    });
  }

  /** Gradients of every parameter from the output gradients, over `m` rows (padding rows carry zeros). */
  private backward(m: number): void {
    const { kernels, input, outputs, deltas, kernelT, biasRows, ones } = this.buffers;
    const { memory, gemm } = kernels;
    const gradients = this.ranges.gradients;
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const layer = this.layers[l];
      const layerInput = l === 0 ? input : outputs[l - 1];
      // kernel gradient = inputᵀ · deltas, the input read transposed in place
      gemm(
        4 * layerInput,
        4 * deltas[l],
        4 * (gradients + layer.kernel),
        layer.paddedInputs,
        m,
        layer.paddedUnits,
        GemmStart.zero,
        4,
        4 * layer.paddedInputs,
        0,
      );
      if (layer.useBias) {
        // bias gradient = onesᵀ · deltas, computed four times over (the kernel's row multiple).
        gemm(4 * ones, 4 * deltas[l], 4 * biasRows, 4, m, layer.paddedUnits, GemmStart.zero, 0, 4, 0);
        memory.copyWithin(gradients + layer.bias, biasRows, biasRows + layer.paddedUnits);
      }
      if (l === 0) continue;
      // gradient at the layer's input = deltas · kernelᵀ, then through the previous layer's activation.
      kernels.transpose(4 * layer.kernel, layer.paddedInputs, layer.paddedUnits, 4 * kernelT);
      gemm(4 * deltas[l], 4 * kernelT, 4 * deltas[l - 1], m, layer.paddedUnits, layer.paddedInputs, GemmStart.zero, 4 * layer.paddedUnits, 4, 0);
      const previous = this.layers[l - 1].activation as DenseActivation;
      if (previous === 'relu') kernels.reluBack(4 * deltas[l - 1], 4 * outputs[l - 1], m * layer.paddedInputs);
      else backThrough(memory, this.block(deltas[l - 1], l - 1, m), outputs[l - 1], previous);
    }
  }

  private allocate(rows: number): RowBuffers {
    const widest = Math.max(...this.layers.map((layer) => Math.max(layer.paddedInputs, layer.paddedUnits)));
    let end = this.ranges.gradients + this.ranges.size;
    const take = (floats: number): number => {
      const at = end;
      end += floats;
      return at;
    };
    const input = take(rows * this.layers[0].paddedInputs);
    const outputs = this.layers.map((layer) => take(rows * layer.paddedUnits));
    const deltas = this.layers.map((layer) => take(rows * layer.paddedUnits));
    const kernelT = take(widest * widest);
    const biasRows = take(4 * widest);
    const ones = take(rows);
    const kernels = createKernels(end);
    kernels.memory.fill(1, ones, ones + rows);
    return { rows, kernels, input, outputs, deltas, kernelT, biasRows, ones };
  }

  /** Moves to a memory with room for `rows` rows, keeping parameters and slots. */
  private grow(rows: number): void {
    const grown = this.allocate(rows);
    grown.kernels.memory.set(this.buffers.kernels.memory.subarray(0, this.stateSize));
    this.buffers = grown;
  }
}

/** A dense engine holding `initial` (weights and slots as `read()` names them, e.g. from the tfjs engine). */
export function createDenseEngine(config: NormalizedConfig, initial: Record<string, TypedArray>): NetEngine {
  const engine = new DenseEngine(config);
  engine.write(initial);
  return engine;
}
