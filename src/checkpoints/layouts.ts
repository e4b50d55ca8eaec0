/** The layouts of the built-in kinds (docs/checkpoint-format.md has a table per kind). */
import type { ModelState, TypedArray } from '../state';
import { describeState, mergeLayout, registerLayout, subState, type StateLayout } from './layout';

type Header = { kind: string; version: number; config: ModelState['config'] };

const empty = (): StateLayout => ({ layout: {}, derived: {} });
const num = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);

/** `name` with `shape` and `role`, when the state has it. */
function put(out: StateLayout, state: ModelState, name: string, shape: number[], role: string): void {
  if (state.arrays[name] !== undefined) out.layout[name] = { shape, role };
}

/**
 * Linear learners: `weights` is feature-major, (d + 1) × K, the last row the intercepts. The effective
 * coefficient of feature j for output k is `scale × weights[j, k]` (the L2 decay's shared factor,
 * `penalty.scalars[1]`); the intercepts are not scaled. `scale` is published, materialized.
 */
function linearLayout(state: ModelState): StateLayout {
  const d = num(state.config.numFeatures, 0);
  const k = num(state.config.numClasses, 1);
  const out = empty();
  for (const [name, array] of Object.entries(state.arrays)) {
    const role = name === 'weights' ? 'weights' : `optimizer.${name}`;
    if (array.length === (d + 1) * k) out.layout[name] = { shape: [d + 1, k], role };
    else if (array.length === d * k) out.layout[name] = { shape: [d, k], role };
    else out.layout[name] = { shape: [array.length], role };
  }
  const scalars = state.arrays['penalty.scalars'];
  out.derived.scale = Float64Array.of(scalars === undefined ? 1 : scalars[1]);
  out.layout.scale = { shape: [1], role: 'scale' };
  return out;
}

/** The scaler's statistics, and its standard deviation as `transform` computes it (sample, n − 1; 0 below two values). */
function standardScalerLayout(state: ModelState): StateLayout {
  const out = empty();
  const { count, mean, m2 } = state.arrays;
  if (count === undefined || mean === undefined || m2 === undefined) return out;
  for (const name of ['count', 'mean', 'm2']) put(out, state, name, [mean.length], `scaler.${name}`);
  out.derived.std = Float64Array.from(mean, (_, j) => (count[j] > 1 ? Math.sqrt(m2[j] / (count[j] - 1)) : 0));
  out.layout.std = { shape: [mean.length], role: 'scaler.std' };
  return out;
}

function oneHotLayout(state: ModelState): StateLayout {
  const out = empty();
  const sizes = state.arrays.vocabularySizes;
  if (sizes === undefined) return out;
  put(out, state, 'vocabularySizes', [sizes.length], 'vocabulary.sizes');
  put(out, state, 'vocabularyOffsets', [state.arrays.vocabularyOffsets?.length ?? 0], 'vocabulary.offsets');
  put(out, state, 'vocabularyBytes', [state.arrays.vocabularyBytes?.length ?? 0], 'vocabulary.utf8');
  return out;
}

function imputerLayout(state: ModelState): StateLayout {
  const out = empty();
  const columns = Array.isArray(state.config.inputCols) ? state.config.inputCols.length : 0;
  put(out, state, 'count', [columns], 'imputer.count');
  put(out, state, 'mean', [columns], 'imputer.mean');
  put(out, state, 'heights', [columns, 5], 'imputer.p2.heights');
  put(out, state, 'positions', [columns, 5], 'imputer.p2.positions');
  return out;
}

function header(value: unknown): Header | null {
  const h = value as Partial<Header> | null;
  return h && typeof h.kind === 'string' && typeof h.version === 'number' && typeof h.config === 'object' && h.config !== null ? (h as Header) : null;
}

/** Each stage's layout under `stage<i>/`, the model's under `model/`. */
function pipelineLayout(state: ModelState): StateLayout {
  const out = empty();
  const stages = Array.isArray(state.config.stages) ? state.config.stages : [];
  stages.forEach((stage, i) => {
    const h = header(stage);
    if (h) mergeLayout(out, `stage${i}/`, describeState(subState(state, `stage${i}/`, h)));
  });
  const model = header(state.config.model);
  if (model) mergeLayout(out, 'model/', describeState(subState(state, 'model/', model)));
  return out;
}

/** A classifier taking the labels a stream carries: its model's arrays under `model/`, the labels in its config. */
function labelIndexedLayout(state: ModelState): StateLayout {
  const out = empty();
  const model = header(state.config.model);
  if (model) mergeLayout(out, 'model/', describeState(subState(state, 'model/', model)));
  return out;
}

function selectorLayout(state: ModelState): StateLayout {
  const out = empty();
  const ranker = header(state.config.ranker);
  if (ranker) mergeLayout(out, 'ranker/', describeState(subState(state, 'ranker/', ranker)));
  const width = state.arrays['selection/mask']?.length ?? 0;
  put(out, state, 'selection/mask', [width], 'selector.mask');
  put(out, state, 'importance/means', [width], 'selector.importance.mean');
  put(out, state, 'importance/variances', [width], 'selector.importance.variance');
  put(out, state, 'counters', [4], 'selector.counters');
  return out;
}

/** Dense layers: `layer<i>/kernel` is inputs × units (Keras's orientation, y = x·kernel + bias). */
function neuralNetLayout(state: ModelState): StateLayout {
  const out = empty();
  const inputShape = Array.isArray(state.config.inputShape) ? (state.config.inputShape as number[]) : [];
  let width = inputShape.length === 1 ? inputShape[0] : -1;
  const layers = Array.isArray(state.config.layers) ? state.config.layers : [];
  layers.forEach((raw, i) => {
    const layer = raw as { type?: string; units?: number };
    if (layer.type === 'dropout' || width < 0) return;
    if (layer.type !== 'dense' || typeof layer.units !== 'number') {
      width = -1; // past a layer of another type, shapes are left to the fallback
      return;
    }
    for (const [part, shape] of [
      ['kernel', [width, layer.units]],
      ['bias', [layer.units]],
    ] as const) {
      const name = `layer${i}/${part}`;
      put(out, state, name, [...shape], `dense.${part}`);
      for (const slot of Object.keys(state.arrays)) {
        if (slot.startsWith(`optimizer/${name}/`)) out.layout[slot] = { shape: [...shape], role: `optimizer.${slot.slice(slot.lastIndexOf('/') + 1)}` };
      }
    }
    width = layer.units;
  });
  put(out, state, 'optimizer/steps', [1], 'optimizer.steps');
  return out;
}

/** An id table under `prefix` (`users/`, `items/`): ids as UTF-8 bytes plus offsets, then one row per id in every column. */
function idTableLayout(out: StateLayout, state: ModelState, prefix: string, table: string): void {
  const offsets = state.arrays[`${prefix}idOffsets`];
  if (offsets === undefined) return;
  const rows = offsets.length - 1;
  put(out, state, `${prefix}ids`, [state.arrays[`${prefix}ids`]?.length ?? 0], `${table}.ids.utf8`);
  put(out, state, `${prefix}idOffsets`, [rows + 1], `${table}.ids.offsets`);
  put(out, state, `${prefix}referenced`, [rows], `${table}.clock.referenced`);
  put(out, state, `${prefix}clock`, [1], `${table}.clock.hand`);
  for (const [name, array] of Object.entries(state.arrays)) {
    if (!name.startsWith(prefix) || out.layout[name]) continue;
    const column = name.slice(prefix.length);
    out.layout[name] = { shape: rows > 0 ? [rows, array.length / rows] : [0, 0], role: `${table}.${column}` };
  }
}

function recoLayout(state: ModelState): StateLayout {
  const out = empty();
  idTableLayout(out, state, 'users/', 'users');
  idTableLayout(out, state, 'items/', 'items');
  put(out, state, 'global', [2], 'global.mean_count');
  put(out, state, 'counters', [state.arrays.counters?.length ?? 0], 'counters');
  return out;
}

function factorizationMachineLayout(state: ModelState): StateLayout {
  const out = recoLayout(state);
  const size = state.arrays.weights?.length ?? 0;
  put(out, state, 'bias', [1], 'fm.bias');
  put(out, state, 'weights', [size], 'fm.weights');
  for (const name of ['factors', 'factorsAccum'] as const) {
    const array: TypedArray | undefined = state.arrays[name];
    if (array && size > 0) out.layout[name] = { shape: [size, array.length / size], role: `fm.${name}` };
  }
  return out;
}

/** Node-table columns with several numbers per node or slot (docs/checkpoint-format.md, Tree kinds). */
const NODE_WIDE = ['nodes.stats', 'nodes.extra', 'nodes.model', 'nodes.error'];
const SLOT_WIDE = ['slots.features', 'slots.observers'];

/**
 * Trees and forests: one node table per tree (`tree<i>/`, `background<i>/` prefixes in a forest); the wide
 * columns are [nodes, width] or [slots, width], the width following from the node or slot count.
 */
function treeLayout(state: ModelState): StateLayout {
  const out = empty();
  for (const [name, array] of Object.entries(state.arrays)) {
    const cut = name.lastIndexOf('/') + 1;
    const prefix = name.slice(0, cut);
    const column = name.slice(cut);
    const rows = NODE_WIDE.includes(column)
      ? state.arrays[`${prefix}nodes.kind`]?.length
      : SLOT_WIDE.includes(column)
        ? state.arrays[`${prefix}slots.node`]?.length
        : undefined;
    if (name === 'forest.members') out.layout[name] = { shape: [array.length / 5, 5], role: 'forest.members' };
    else if (rows !== undefined && rows > 0) out.layout[name] = { shape: [rows, array.length / rows], role: column };
    else out.layout[name] = { shape: [array.length], role: column };
  }
  return out;
}

for (const kind of ['LinearRegression', 'LogisticRegression', 'SoftmaxRegression', 'LinearSVM']) registerLayout(kind, linearLayout);
for (const kind of [
  'HoeffdingTreeClassifier',
  'HoeffdingTreeRegressor',
  'HoeffdingAdaptiveTreeClassifier',
  'HoeffdingAdaptiveTreeRegressor',
  'ARFClassifier',
  'ARFRegressor',
])
  registerLayout(kind, treeLayout);
registerLayout('StandardScaler', standardScalerLayout);
registerLayout('OneHotEncoder', oneHotLayout);
registerLayout('Imputer', imputerLayout);
registerLayout('Pipeline', pipelineLayout);
registerLayout('LabelIndexed', labelIndexedLayout);
registerLayout('ImportanceSelector', selectorLayout);
registerLayout('NeuralNet', neuralNetLayout);
for (const kind of ['BiasedMF', 'BprMF', 'Popularity']) registerLayout(kind, recoLayout);
registerLayout('FactorizationMachine', factorizationMachineLayout);
