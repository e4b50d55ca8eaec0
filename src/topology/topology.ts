import type { MonoTypeOperatorFunction } from 'rxjs';
import type { Codec, MicroBatch } from '../../connectors/types';
import { ConfigError } from '../errors';
import { numberField } from '../learners/config-checks';
import type { Metric } from '../evaluation/metric';
import type { Pipeline } from '../features/pipeline';
import type { ModelImportance } from '../importance/model-importance';
import type { ImportanceSnapshot } from '../importance/snapshot';
import type { Estimator } from '../learners/estimator';
import type { Row } from '../features/stage';
import { resolveDriftWatch, type DriftWatchConfig } from './drift-watch';
import type { LabelGuardConfig } from './label-guard';

export type ModelScope = 'shared' | 'per-partition';

/**
 * What the runtime needs of a model: the estimator contract over raw events, plus `transformOne`, a
 * featurisation without side effects that vets an event before it is learned. Pipelines are such models;
 * so are the recommenders, which featurise their own events.
 */
export type TopologyModel = Estimator<Row> & Pick<Pipeline, 'transformOne'>;

export interface TopologyOutputs {
  /** Compacted topic of checkpoints, keyed by model id. */
  modelTopic: string;
  /** One record per checkpoint with the prequential metrics. */
  metricsTopic?: string;
  /** One record per learned event with the prediction made before learning it. */
  predictionsTopic?: string;
  /** Events that could not be learned, with the reason and source offset in headers. */
  deadLetterTopic: string;
  /** One record per checkpoint with the feature importances, when the topology computes them. */
  importanceTopic?: string;
  /** One record per drift detection, when the topology watches drift. */
  driftTopic?: string;
}

export interface TopologyConfig {
  /** Also the default model id and consumer group. */
  name: string;
  description?: string;
  modelId?: string;
  input: { topic: string; partitions?: number; codec: Codec<unknown> };
  /** Runs once before any model is built or restored, e.g. `initTensorflow` for neural nets. */
  setup?: () => Promise<unknown>;
  /** Builds a fresh model; called once, or once per partition with `modelScope: 'per-partition'`. */
  model: () => TopologyModel;
  /** The event field holding the target: a class index or a regression value. */
  label: string;
  /** Named prequential metrics; each is fed the prediction kind it declares. */
  metrics: () => Record<string, Metric>;
  /**
   * Publish a checkpoint after this many learned records and/or this long; whichever comes first, but never
   * sooner than `minIntervalMs` after the previous one (default 0: no floor). A count alone follows the record
   * rate: at 1M records/s, every 20k records is 50 checkpoints a second (docs/checkpoint-format.md, "Cadence").
   */
  checkpoint?: { everyRecords?: number; everyMs?: number; minIntervalMs?: number };
  outputs: TopologyOutputs;
  modelScope?: ModelScope;
  /**
   * Several processes train this shared model together (`streamlearn run` N times, docs/scale-out.md): their
   * models are merged after this many records and/or this long, whichever comes first. Off when absent.
   */
  mix?: { everyRecords?: number; everyMs?: number };
  /**
   * Micro-batches and fetches: at most `maxRecords` records a batch (default 1000), a fetch held at most `maxWaitMs`
   * (default 200) and at most `maxBytesPerPartition` bytes of each partition a fetch (default: see run-topology.ts).
   */
  batch?: { maxRecords?: number; maxWaitMs?: number; maxBytesPerPartition?: number };
  /**
   * Online feature importance of each model (src/importance), published with every checkpoint and on
   * `outputs.importanceTopic`; `resume` is the snapshot of the checkpoint the model was restored from.
   */
  importance?: (model: TopologyModel, resume: ImportanceSnapshot | null) => ModelImportance;
  /**
   * Watch each model's prequential error with a drift detector (src/drift), publish detections on
   * `outputs.driftTopic`, and act on them: `{ detector: { kind: 'ADWIN' }, on: 'error', action: 'reset' }`.
   * See src/topology/drift-watch.ts and docs/drift.md.
   */
  drift?: DriftWatchConfig;
  /**
   * Guards against exploding updates (docs/dead-letters.md): labels outside a range or beyond an outlier
   * bound learned online are dead-lettered (LABEL_OUT_OF_RANGE); a checkpoint whose weights exceed
   * `maxAbsWeight` (default 1e100) or are not finite, or whose metrics are not, is never published.
   */
  guards?: { labels?: LabelGuardConfig; maxAbsWeight?: number };
  /**
   * Extra RxJS operators on the micro-batches, applied before learning (mapping, filtering or sampling the
   * records inside a batch, tapping). They must pass every batch on: a batch that is dropped is never
   * acknowledged, so its source fetches nothing more.
   */
  transformBatches?: MonoTypeOperatorFunction<MicroBatch<Row>>;
}

export interface Topology extends Required<Pick<TopologyConfig, 'modelId' | 'modelScope'>> {
  readonly config: TopologyConfig;
  readonly checkpointEveryRecords: number;
  readonly checkpointEveryMs: number;
  readonly checkpointMinIntervalMs: number;
}

/** Validates a topology once, at definition, so that a mistake never surfaces mid-stream. */
export function defineTopology(config: TopologyConfig): Topology {
  const { name, label, outputs, checkpoint = {}, modelScope = 'shared' } = config;
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) throw new ConfigError(`topology name "${name}" must use only a-z A-Z 0-9 . _ -`);
  if (!label) throw new ConfigError(`topology ${name}: label must name the event field holding the target`);
  if (!outputs.modelTopic || !outputs.deadLetterTopic) throw new ConfigError(`topology ${name}: outputs.modelTopic and outputs.deadLetterTopic are required`);
  if (modelScope !== 'shared' && modelScope !== 'per-partition') throw new ConfigError(`topology ${name}: modelScope must be 'shared' or 'per-partition'`);
  if (config.drift) {
    resolveDriftWatch(name, config.drift);
    if (!outputs.driftTopic) throw new ConfigError(`topology ${name}: drift needs outputs.driftTopic (topicsFor names it <topology>.drift)`);
  }
  const everyRecords = checkpoint.everyRecords ?? 10_000;
  const everyMs = checkpoint.everyMs ?? 5_000;
  for (const [field, value] of [
    ['checkpoint.everyRecords', everyRecords],
    ['checkpoint.everyMs', everyMs],
  ] as const) {
    if (!(value > 0)) throw new ConfigError(`topology ${name}: ${field} must be positive (Infinity to disable), got ${value}`);
  }
  const minIntervalMs = numberField(
    `topology ${name}`,
    'checkpoint.minIntervalMs',
    checkpoint.minIntervalMs,
    0,
    (v) => v >= 0 && Number.isFinite(v),
    'a finite number of ms ≥ 0',
  );
  return {
    config,
    modelId: config.modelId ?? name,
    modelScope,
    checkpointEveryRecords: everyRecords,
    checkpointEveryMs: everyMs,
    checkpointMinIntervalMs: minIntervalMs,
  };
}

/** What a ready-made topology lets its user change without editing it. */
export interface TopologyOptions {
  /** Prepended to every topic name (and to the model id), so that several copies can share a broker. */
  prefix?: string;
  /** Partitions of the input topic if it has to be created (default 1); an existing topic is used as it is. */
  partitions?: number;
  checkpoint?: TopologyConfig['checkpoint'];
  batch?: TopologyConfig['batch'];
  modelScope?: ModelScope;
  /** Watch drift (see {@link TopologyConfig.drift}); replaces the topology's own setting. */
  drift?: DriftWatchConfig;
}

/** The conventional topic names of a topology called `name`. */
export function topicsFor(name: string, prefix = ''): TopologyOutputs & { input: string } {
  const base = `${prefix}${name}`;
  return {
    input: `${base}.events`,
    modelTopic: `${base}.models`,
    metricsTopic: `${base}.metrics`,
    deadLetterTopic: `${base}.dlq`,
    importanceTopic: `${base}.importance`,
    driftTopic: `${base}.drift`,
  };
}

/** What differs between ready-made topologies; topics, partitions, batching and scope come from the options. */
export type ReadyMadeSpec = Omit<TopologyConfig, 'name' | 'input' | 'outputs' | 'batch' | 'modelScope'> & { codec: Codec<unknown> };

/** A topology named `name` on the conventional topics of {@link topicsFor}, shaped by the user's options. */
export function readyMadeTopology(name: string, options: TopologyOptions, { codec, checkpoint, ...spec }: ReadyMadeSpec): Topology {
  const topics = topicsFor(name, options.prefix);
  return defineTopology({
    ...spec,
    name: `${options.prefix ?? ''}${name}`,
    input: { topic: topics.input, partitions: options.partitions ?? 1, codec },
    checkpoint: options.checkpoint ?? checkpoint ?? { everyRecords: 20_000, everyMs: 2_000 },
    batch: options.batch,
    modelScope: options.modelScope,
    drift: options.drift ?? spec.drift,
    outputs: topics,
  });
}
