/**
 * streamlearn's one public entry point: `import { … } from 'streamlearn'`. Everything exported here
 * is public; everything else is internal and may change. Neural nets are in `streamlearn/neural`, so
 * that this entry never loads TensorFlow.js (a test checks it).
 *
 * Naming: `createX(config)` builds a learner, stage, metric, codec, source or sink; `xFromState(state)`
 * rebuilds one from a checkpoint; `registerX(kind, fromState)` adds a kind; `defineTopology` /
 * `runTopology` / `subscribeModel` / `runServing` are the runtime verbs; types are PascalCase.
 */
import './builtins';

// Topologies and their runtime.
export { defineTopology, readyMadeTopology, topicsFor } from './topology/topology';
export type { ModelScope, ReadyMadeSpec, Topology, TopologyConfig, TopologyModel, TopologyOptions, TopologyOutputs } from './topology/topology';
export { runTopology } from './topology/run-topology';
export type { RunningTopology, RunTopologyOptions, TopologyProgress } from './topology/run-topology';
export { loadTopology } from './topology/load-topology';
export { arrowRows } from './topology/arrow-rows';
export type { LabelGuardConfig } from './topology/label-guard';

// Learners and the registry of kinds.
export * from './learners/index';
export { learnerKinds, prepareKinds, restoreModel } from './learners/registry';
export type { LearnerKindOptions } from './learners/registry';
// Model mixing across worker processes (docs/scale-out.md): a kind of one's own becomes mergeable with registerMerge.
export { isMergeable, mergeStates, registerMerge } from './learners/merge';
export type { MergeFn } from './learners/merge';
export { createRegistry } from './registry';
export type { Registry } from './registry';

// Feature stages and pipelines.
export * from './features/index';
export { stageKinds } from './features/registry';

// Prequential evaluation and metrics.
export * from './evaluation/index';
export { metricKinds, registerMetric } from './evaluation/registry';
export type { MetricFromState } from './evaluation/registry';

// Trees and forests.
export * from './trees/index';

// Recommenders and their serving.
export * from './reco/index';
export { withEventStrength } from './topology/operators/with-event-strength';
export type { WithEventStrengthConfig } from './topology/operators/with-event-strength';
export { runRecoServing } from './reco/run-reco-serving';
export type { RecoServingConfig } from './reco/run-reco-serving';

// Feature importance and selection.
export * from './importance/index';

// Drift detectors, and drift as a stream (docs/drift.md).
export * from './drift/index';
export type { Detection, DriftAction, DriftInput, DriftWatchConfig } from './topology/drift-watch';
export { formatDrift, parseDriftRecord } from './topology/drift-record';
export type { DriftRecord } from './topology/drift-record';

// Checkpoints, subscribers and serving.
export { subscribeModel } from './checkpoints/subscribe';
export type { ModelVersion, SubscribeModelConfig } from './checkpoints/subscribe';
export { loadLatestCheckpoints } from './checkpoints/latest';
export type { Checkpoint } from './checkpoints/envelope';
export { CHECKPOINT_FORMAT } from './checkpoints/manifest';
export type { CheckpointManifest, PartitionOffset } from './checkpoints/manifest';
export { createLivePredictor, predictWith } from './serving/live-predictor';
export type { LivePredictor, LivePredictorConfig, Prediction, StaleModelAlert } from './serving/live-predictor';
export { predictionAnswer, runServing } from './serving/run-serving';
export type { Answer, AnswerFunction, RunningServing, ServingConfig } from './serving/run-serving';

// Observability: Prometheus metrics of topologies and serving, and the live dashboard (docs/observability.md).
export * from './observability/index';

// Connectors: how to reach the cluster (brokers, TLS, SASL), codecs, sources and sinks.
export type { KafkaConnection, SaslCredentials, SaslMechanism } from '../connectors/kafka/connection';
export { validateConnection } from '../connectors/kafka/connection';
export { connectionFromEnv, connectionFromPropertiesFile } from '../connectors/kafka/client-properties';
export type { Codec, DecodeContext, DecodedRecord, Headers, MicroBatch, RecordPosition } from '../connectors/types';
export { createJsonCodec } from '../connectors/codecs/json';
export type { JsonCodecOptions, JsonValue } from '../connectors/codecs/json';
export { createCsvCodec } from '../connectors/codecs/csv';
export type { CsvCodecOptions, CsvColumnType, CsvRecord } from '../connectors/codecs/csv';
export { createArrowCodec, tableFromColumns } from '../connectors/codecs/arrow';
export type { ArrowCodecOptions, ColumnValues } from '../connectors/codecs/arrow';
export { createKafkaSource } from '../connectors/kafka/source';
export type { KafkaSource, KafkaSourceConfig } from '../connectors/kafka/source';
export { createKafkaSink } from '../connectors/kafka/sink';
export type { KafkaSink, KafkaSinkConfig, OutgoingMessage } from '../connectors/kafka/sink';
export { createMemorySource } from '../connectors/memory/memory-source';
export type { MemoryBytesConfig, MemoryValuesConfig } from '../connectors/memory/memory-source';
export { createFileSource } from '../connectors/file/file-source';
export type { ArrowFileSourceConfig, CsvFileSourceConfig, FileSourceConfig, JsonlFileSourceConfig } from '../connectors/file/file-source';
export { DEAD_LETTER_HEADERS } from '../connectors/dead-letter';

// Errors, and the small utilities topologies use.
export {
  BrokerError,
  CheckpointError,
  ConfigError,
  DeadLetterError,
  DecodeError,
  DivergedError,
  errorMessage,
  FencedError,
  isRetriable,
  LabelOutOfRangeError,
  MergeError,
  NonFiniteError,
  StreamlearnError,
} from './errors';
export type { DecodeErrorCode, ErrorOptions } from './errors';
export { retry } from './retry';
export type { RetryOptions } from './retry';
export { createRandom } from './random';
export type { Random } from './random';
export type { JsonObject, ModelState, TypedArray } from './state';
