/**
 * The layers a NeuralNet is declared with, as JSON-safe specs in the shape of Keras' Sequential layers,
 * and the registry that turns each spec into a tfjs layer. Rebuilding a net from a checkpoint goes
 * through this registry only: the stored spec is data, and nothing in it is evaluated.
 */

import { ConfigError } from '../errors';
import { booleanField, choiceField, numberField } from '../learners/config-checks';
import { SeededDropout } from './seeded-dropout';
import { tf } from './tensorflow';

export const ACTIVATIONS = ['linear', 'relu', 'elu', 'sigmoid', 'tanh', 'softmax'] as const;
export type Activation = (typeof ACTIVATIONS)[number];
export type Padding = 'valid' | 'same';
/** A square size, or [height, width]. */
export type Size2D = number | [number, number];

export interface DenseArgs {
  units: number;
  /** Default `'linear'`. */
  activation?: Activation;
  /** Default true. */
  useBias?: boolean;
}

export interface DropoutArgs {
  /** Fraction of inputs zeroed while training, in [0, 1). */
  rate: number;
}

export interface BatchNormalizationArgs {
  /** Of the moving mean and variance; default 0.99. */
  momentum?: number;
  /** Default 0.001. */
  epsilon?: number;
}

/** Must be the first layer: its inputs are token ids, integers in [0, inputDim). */
export interface EmbeddingArgs {
  inputDim: number;
  outputDim: number;
}

/** Takes [height, width, channels] inputs (channels last). */
export interface Conv2DArgs {
  filters: number;
  kernelSize: Size2D;
  /** Default 1. */
  strides?: Size2D;
  /** Default `'valid'`. */
  padding?: Padding;
  /** Default `'linear'`. */
  activation?: Activation;
}

export interface MaxPooling2DArgs {
  /** Default 2. */
  poolSize?: Size2D;
  /** Default `poolSize`. */
  strides?: Size2D;
  /** Default `'valid'`. */
  padding?: Padding;
}

export type LayerSpec =
  | ({ type: 'dense' } & DenseArgs)
  | ({ type: 'dropout' } & DropoutArgs)
  | ({ type: 'batchNormalization' } & BatchNormalizationArgs)
  | ({ type: 'embedding' } & EmbeddingArgs)
  | ({ type: 'conv2d' } & Conv2DArgs)
  | ({ type: 'maxPooling2d' } & MaxPooling2DArgs)
  | { type: 'flatten' };

export type LayerType = LayerSpec['type'];
type SpecOf<T extends LayerType> = Extract<LayerSpec, { type: T }>;

/** What a builder needs besides the spec. */
export interface BuildContext {
  /** Set for the first layer only: the shape of one example. */
  inputShape?: number[];
  /** Seeds initializers and dropout masks, so that runs are reproducible. */
  nextSeed: () => number;
}

interface LayerKind<S extends LayerSpec> {
  /** Fields besides `type`. */
  fields: readonly string[];
  /** Checks the fields of a raw spec (`where` names it in errors) and fills in the defaults. */
  normalize(raw: Record<string, unknown>, where: string): S;
  build(spec: S, context: BuildContext): tf.layers.Layer;
  /** Kernels the backward pass needs that the forward pass does not, to pick a backend able to train it. */
  gradientKernels: readonly string[];
}

const OWNER = 'NeuralNet';
const MAX_UNITS = 65536;

function required(raw: unknown, where: string): unknown {
  if (raw === undefined || raw === null) throw new ConfigError(`${OWNER}: ${where} is required`);
  return raw;
}

const isCount = (v: number, max: number): boolean => Number.isInteger(v) && v >= 1 && v <= max;

function count(raw: unknown, where: string, max = MAX_UNITS): number {
  return numberField(OWNER, where, required(raw, where), 0, (v) => isCount(v, max), `an integer in [1, ${max}]`);
}

function size2D(raw: unknown, where: string, fallback?: Size2D): [number, number] {
  const value = fallback === undefined ? required(raw, where) : (raw ?? fallback);
  const pair = typeof value === 'number' ? [value, value] : value;
  const valid = Array.isArray(pair) && pair.length === 2 && pair.every((v) => typeof v === 'number' && isCount(v, MAX_UNITS));
  if (!valid) {
    throw new ConfigError(`${OWNER}: ${where} must be a positive integer or [height, width], got ${JSON.stringify(value)}`);
  }
  return [pair[0] as number, pair[1] as number];
}

/** A number in [0, 1). */
function fraction(raw: unknown, where: string, fallback: number): number {
  return numberField(OWNER, where, raw, fallback, (v) => v >= 0 && v < 1, 'a number in [0, 1)');
}

function activation(raw: unknown, where: string): Activation {
  return choiceField(OWNER, `${where}.activation`, raw, 'linear', ACTIVATIONS);
}

function seeded(context: BuildContext): ReturnType<typeof tf.initializers.glorotUniform> {
  return tf.initializers.glorotUniform({ seed: context.nextSeed() });
}

function firstLayerArgs(context: BuildContext): { inputShape?: number[] } {
  return context.inputShape === undefined ? {} : { inputShape: context.inputShape };
}

const dense: LayerKind<SpecOf<'dense'>> = {
  fields: ['units', 'activation', 'useBias'],
  normalize: (raw, where) => ({
    type: 'dense',
    units: count(raw.units, `${where}.units`),
    activation: activation(raw.activation, where),
    useBias: booleanField(OWNER, `${where}.useBias`, raw.useBias, true),
  }),
  build: (spec, context) =>
    tf.layers.dense({
      ...firstLayerArgs(context),
      units: spec.units,
      activation: spec.activation,
      useBias: spec.useBias,
      kernelInitializer: seeded(context),
    }),
  gradientKernels: [],
};

const dropout: LayerKind<SpecOf<'dropout'>> = {
  fields: ['rate'],
  normalize: (raw, where) => ({
    type: 'dropout',
    rate: fraction(required(raw.rate, `${where}.rate`), `${where}.rate`, 0),
  }),
  build: (spec, context) => new SeededDropout({ ...firstLayerArgs(context), rate: spec.rate, nextSeed: context.nextSeed }),
  gradientKernels: [],
};

const batchNormalization: LayerKind<SpecOf<'batchNormalization'>> = {
  fields: ['momentum', 'epsilon'],
  normalize: (raw, where) => ({
    type: 'batchNormalization',
    momentum: fraction(raw.momentum, `${where}.momentum`, 0.99),
    epsilon: numberField(OWNER, `${where}.epsilon`, raw.epsilon, 1e-3, (v) => v > 0 && v < 1, 'a number in (0, 1)'),
  }),
  build: (spec, context) => tf.layers.batchNormalization({ ...firstLayerArgs(context), momentum: spec.momentum, epsilon: spec.epsilon }),
  gradientKernels: [],
};

const embedding: LayerKind<SpecOf<'embedding'>> = {
  fields: ['inputDim', 'outputDim'],
  normalize: (raw, where) => ({
    type: 'embedding',
    inputDim: count(raw.inputDim, `${where}.inputDim`, 2 ** 24),
    outputDim: count(raw.outputDim, `${where}.outputDim`),
  }),
  build: (spec, context) =>
    tf.layers.embedding({
      ...firstLayerArgs(context),
      inputDim: spec.inputDim,
      outputDim: spec.outputDim,
      embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: context.nextSeed() }),
    }),
  // The gradient of a gather is a segment sum.
  gradientKernels: ['UnsortedSegmentSum'],
};

const conv2d: LayerKind<SpecOf<'conv2d'>> = {
  fields: ['filters', 'kernelSize', 'strides', 'padding', 'activation'],
  normalize: (raw, where) => ({
    type: 'conv2d',
    filters: count(raw.filters, `${where}.filters`),
    kernelSize: size2D(raw.kernelSize, `${where}.kernelSize`),
    strides: size2D(raw.strides, `${where}.strides`, 1),
    padding: choiceField<Padding>(OWNER, `${where}.padding`, raw.padding, 'valid', ['valid', 'same']),
    activation: activation(raw.activation, where),
  }),
  build: (spec, context) =>
    tf.layers.conv2d({
      ...firstLayerArgs(context),
      filters: spec.filters,
      kernelSize: spec.kernelSize,
      strides: spec.strides,
      padding: spec.padding,
      activation: spec.activation,
      kernelInitializer: seeded(context),
    }),
  gradientKernels: ['Conv2DBackpropFilter', 'Conv2DBackpropInput'],
};

const maxPooling2d: LayerKind<SpecOf<'maxPooling2d'>> = {
  fields: ['poolSize', 'strides', 'padding'],
  normalize: (raw, where) => {
    const poolSize = size2D(raw.poolSize, `${where}.poolSize`, 2);
    return {
      type: 'maxPooling2d',
      poolSize,
      strides: size2D(raw.strides, `${where}.strides`, poolSize),
      padding: choiceField<Padding>(OWNER, `${where}.padding`, raw.padding, 'valid', ['valid', 'same']),
    };
  },
  build: (spec, context) =>
    tf.layers.maxPooling2d({
      ...firstLayerArgs(context),
      poolSize: spec.poolSize,
      strides: spec.strides,
      padding: spec.padding,
    }),
  gradientKernels: ['MaxPoolGrad'],
};

const flatten: LayerKind<SpecOf<'flatten'>> = {
  fields: [],
  normalize: () => ({ type: 'flatten' }),
  build: (_spec, context) => tf.layers.flatten(firstLayerArgs(context)),
  gradientKernels: [],
};

/** Erases a kind's spec type for the registry; sound because `normalize` made the spec of that kind. */
function entry<S extends LayerSpec>(kind: LayerKind<S>): LayerKind<LayerSpec> {
  return kind as unknown as LayerKind<LayerSpec>;
}

const layerKinds: ReadonlyMap<string, LayerKind<LayerSpec>> = new Map([
  ['dense', entry(dense)],
  ['dropout', entry(dropout)],
  ['batchNormalization', entry(batchNormalization)],
  ['embedding', entry(embedding)],
  ['conv2d', entry(conv2d)],
  ['maxPooling2d', entry(maxPooling2d)],
  ['flatten', entry(flatten)],
]);

function kindOf(type: unknown, where: string): LayerKind<LayerSpec> {
  const kind = typeof type === 'string' ? layerKinds.get(type) : undefined;
  if (kind === undefined) {
    const types = [...layerKinds.keys()].join(', ');
    throw new ConfigError(`${OWNER}: ${where}.type must be one of ${types}, got ${JSON.stringify(type)}`);
  }
  return kind;
}

/** Checks one raw layer spec, rejecting unknown fields (a typo would otherwise be silently ignored). */
export function normalizeLayer(raw: unknown, where: string): LayerSpec {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${OWNER}: ${where} must be a layer object, got ${JSON.stringify(raw)}`);
  }
  const fields = raw as Record<string, unknown>;
  const kind = kindOf(fields.type, where);
  const unknown = Object.keys(fields).find((key) => key !== 'type' && !kind.fields.includes(key));
  if (unknown !== undefined) {
    const accepted = kind.fields.length === 0 ? 'no fields' : kind.fields.join(', ');
    throw new ConfigError(`${OWNER}: ${where} has an unknown field "${unknown}" (${String(fields.type)} takes ${accepted})`);
  }
  return kind.normalize(fields, where);
}

export function buildLayer(spec: LayerSpec, context: BuildContext): tf.layers.Layer {
  return kindOf(spec.type, 'layer').build(spec, context);
}

export function gradientKernels(specs: readonly LayerSpec[]): string[] {
  return [...new Set(specs.flatMap((spec) => kindOf(spec.type, 'layer').gradientKernels))];
}
