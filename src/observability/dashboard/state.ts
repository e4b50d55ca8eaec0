/**
 * What the dashboard knows of each topology, built from its topics' records and bounded: only the last
 * few hundred points, records and detections are kept, so a dashboard left open for weeks stays small.
 * Pure: no Kafka, no HTTP; the feed pushes records in, the server sends views out.
 */
import type { PartitionOffset } from '../../checkpoints/manifest';
import type { ImportanceRecord } from '../../importance/publish';
import type { CheckpointPoint, DeadLetterPoint, DriftPoint } from './records';

export interface DashboardLimits {
  /** Learning-curve points per model (one per checkpoint). */
  curvePoints: number;
  /** Throughput / checkpoint-latency points per model. */
  throughputPoints: number;
  /** Latest dead letters shown with their headers. */
  latestDeadLetters: number;
  /** Dead-letter count buckets kept (per error code). */
  deadLetterBuckets: number;
  deadLetterBucketMs: number;
  driftDetections: number;
  /** Features shown in the importance ranking. */
  importanceFeatures: number;
}

export const DEFAULT_LIMITS: DashboardLimits = {
  curvePoints: 500,
  throughputPoints: 300,
  latestDeadLetters: 8,
  deadLetterBuckets: 120,
  deadLetterBucketMs: 10_000,
  driftDetections: 50,
  importanceFeatures: 30,
};

export interface CurvePoint {
  version: number;
  examplesSeen: number;
  metrics: Record<string, number>;
  /** Next offset per `topic/partition`: places drift detections (which name an offset) on the curve. */
  offsets: Record<string, number>;
}

export interface ThroughputPoint {
  at: number;
  /** Records consumed per second between this checkpoint and the one before. */
  recordsPerSecond: number;
  /** Checkpoint created → its metrics record sent (publish and commit), when the topology has a metrics topic. */
  checkpointLatencyMs: number | null;
}

export interface ImportanceView {
  version: number;
  method: string;
  createdAt: string;
  /** In the latest ranking order; `previousRank` is the rank in the snapshot before (null when new). */
  features: Array<{ name: string; mean: number; rank: number; previousRank: number | null }>;
}

export interface ModelView {
  modelId: string;
  kind: string | null;
  version: number;
  createdAt: number;
  examplesSeen: number;
  payloadBytes: number | null;
  offsets: Array<PartitionOffset & { lag: number | null }>;
  curve: CurvePoint[];
  throughput: ThroughputPoint[];
  importance: ImportanceView | null;
}

export interface DeadLetterView {
  total: number;
  byCode: Record<string, number>;
  /** Counts per error code per time bucket (bucket start, ms). */
  buckets: Array<{ at: number; counts: Record<string, number> }>;
  latest: DeadLetterPoint[];
}

export interface TopologyView {
  name: string;
  topics: Record<string, string>;
  models: ModelView[];
  deadLetters: DeadLetterView;
  drift: DriftPoint[];
  /** Records on its topics that could not be read, with the latest reason. */
  unreadable: { count: number; latest: string | null };
}

interface ModelState extends Omit<ModelView, 'offsets'> {
  offsets: PartitionOffset[];
  /** The consumed position of the last throughput point, to difference the next one against. */
  lastPosition?: { at: number; consumed: number; version: number };
}

interface TopologyState {
  name: string;
  topics: Record<string, string>;
  models: Map<string, ModelState>;
  deadLetters: DeadLetterView;
  drift: DriftPoint[];
  unreadable: { count: number; latest: string | null };
}

/** Keeps the last `limit` items of an array sorted by `key`, inserting `item` in place (ties keep the first). */
function insertSorted<T>(items: T[], item: T, key: (t: T) => number, limit: number): boolean {
  let i = items.length;
  while (i > 0 && key(items[i - 1]) > key(item)) i--;
  if (i > 0 && key(items[i - 1]) === key(item)) return false;
  items.splice(i, 0, item);
  if (items.length > limit) items.splice(0, items.length - limit);
  return true;
}

const consumedAt = (offsets: PartitionOffset[]) => offsets.reduce((sum, o) => sum + Number(o.offset), 0);

export interface DashboardState {
  /** Declares a topology and its topics (found on the broker). */
  addTopology(name: string, topics: Record<string, string>): void;
  checkpoint(topology: string, point: CheckpointPoint): void;
  importance(topology: string, record: ImportanceRecord): void;
  deadLetter(topology: string, point: DeadLetterPoint): void;
  drift(topology: string, point: DriftPoint): void;
  unreadable(topology: string, reason: string): void;
  /** Input partitions whose lag can be computed: every offset of every model's latest checkpoint. */
  inputPartitions(): Array<{ topic: string; partition: number }>;
  /** High watermarks of input partitions, `topic/partition` → offset. */
  highWatermarks(ends: Map<string, bigint>): void;
  names(): string[];
  view(topology: string): TopologyView | undefined;
  /** Topologies changed since the last call. */
  takeChanged(): string[];
}

export function createDashboardState(limits: DashboardLimits = DEFAULT_LIMITS): DashboardState {
  const topologies = new Map<string, TopologyState>();
  const changed = new Set<string>();
  let ends = new Map<string, bigint>();

  const topologyOf = (name: string): TopologyState => {
    let state = topologies.get(name);
    if (!state) {
      state = {
        name,
        topics: {},
        models: new Map(),
        deadLetters: { total: 0, byCode: {}, buckets: [], latest: [] },
        drift: [],
        unreadable: { count: 0, latest: null },
      };
      topologies.set(name, state);
    }
    changed.add(name);
    return state;
  };
  const modelOf = (topology: TopologyState, modelId: string): ModelState => {
    let model = topology.models.get(modelId);
    if (!model) {
      model = { modelId, kind: null, version: 0, createdAt: 0, examplesSeen: 0, payloadBytes: null, offsets: [], curve: [], throughput: [], importance: null };
      topology.models.set(modelId, model);
    }
    return model;
  };

  function throughput(model: ModelState, point: CheckpointPoint): void {
    const consumed = consumedAt(point.offsets);
    const last = model.lastPosition;
    if (point.fromMetricsTopic && (!last || point.version > last.version)) {
      if (last && point.createdAt > last.at) {
        const recordsPerSecond = ((consumed - last.consumed) * 1000) / (point.createdAt - last.at);
        const item = {
          at: point.createdAt,
          recordsPerSecond: Math.max(0, recordsPerSecond),
          checkpointLatencyMs: Math.max(0, point.recordedAt - point.createdAt),
        };
        insertSorted(model.throughput, item, (t) => t.at, limits.throughputPoints);
      }
      model.lastPosition = { at: point.createdAt, consumed, version: point.version };
    }
  }

  return {
    addTopology(name, topics) {
      const state = topologyOf(name);
      state.topics = { ...topics };
    },
    checkpoint(topologyName, point) {
      const model = modelOf(topologyOf(topologyName), point.modelId);
      if (point.version >= model.version) {
        model.version = point.version;
        model.createdAt = point.createdAt;
        model.examplesSeen = point.examplesSeen;
        model.offsets = point.offsets;
      }
      if (point.kind !== undefined && point.version >= model.version) model.kind = point.kind;
      if (point.payloadBytes !== undefined && point.version >= model.version) model.payloadBytes = point.payloadBytes;
      const offsets = Object.fromEntries(point.offsets.map((o) => [`${o.topic}/${o.partition}`, Number(o.offset)]));
      insertSorted(
        model.curve,
        { version: point.version, examplesSeen: point.examplesSeen, metrics: point.metrics, offsets },
        (p) => p.version,
        limits.curvePoints,
      );
      throughput(model, point);
    },
    importance(topologyName, record) {
      const model = modelOf(topologyOf(topologyName), record.modelId);
      if (model.importance && record.version <= model.importance.version) return;
      const before = new Map(model.importance?.features.map((f) => [f.name, f.rank]));
      const ranked = [...record.features].sort((a, b) => a.rank - b.rank).slice(0, limits.importanceFeatures);
      model.importance = {
        version: record.version,
        method: record.method,
        createdAt: record.createdAt,
        features: ranked.map(({ name, mean, rank }) => ({
          name,
          mean: Number.isFinite(mean) ? mean : 0,
          rank,
          previousRank: model.importance ? (before.get(name) ?? null) : rank,
        })),
      };
    },
    deadLetter(topologyName, point) {
      const view = topologyOf(topologyName).deadLetters;
      view.total++;
      view.byCode[point.code] = (view.byCode[point.code] ?? 0) + 1;
      const at = Math.floor(point.recordedAt / limits.deadLetterBucketMs) * limits.deadLetterBucketMs;
      let bucket = view.buckets.find((b) => b.at === at);
      if (!bucket) {
        bucket = { at, counts: {} };
        insertSorted(view.buckets, bucket, (b) => b.at, limits.deadLetterBuckets);
      }
      bucket.counts[point.code] = (bucket.counts[point.code] ?? 0) + 1;
      view.latest.push(point);
      if (view.latest.length > limits.latestDeadLetters) view.latest.shift();
    },
    drift(topologyName, point) {
      const drift = topologyOf(topologyName).drift;
      drift.push(point);
      if (drift.length > limits.driftDetections) drift.shift();
    },
    unreadable(topologyName, reason) {
      const state = topologyOf(topologyName);
      state.unreadable = { count: state.unreadable.count + 1, latest: reason };
    },
    inputPartitions() {
      const seen = new Map<string, { topic: string; partition: number }>();
      for (const topology of topologies.values()) {
        for (const model of topology.models.values()) for (const { topic, partition } of model.offsets) seen.set(`${topic}/${partition}`, { topic, partition });
      }
      return [...seen.values()];
    },
    highWatermarks(latest) {
      ends = latest;
      for (const name of topologies.keys()) changed.add(name);
    },
    names: () => [...topologies.keys()].sort(),
    view(name) {
      const state = topologies.get(name);
      if (!state) return undefined;
      const models = [...state.models.values()].map(({ lastPosition: _lastPosition, offsets, ...model }) => ({
        ...model,
        offsets: offsets.map((o) => {
          const end = ends.get(`${o.topic}/${o.partition}`);
          return { ...o, lag: end === undefined ? null : Math.max(0, Number(end - BigInt(o.offset))) };
        }),
      }));
      return { name: state.name, topics: state.topics, models, deadLetters: state.deadLetters, drift: state.drift, unreadable: state.unreadable };
    },
    takeChanged() {
      const names = [...changed];
      changed.clear();
      return names;
    },
  };
}
