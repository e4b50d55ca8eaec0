/**
 * What the dashboard reads from a topology's topics, parsed defensively: these topics hold whatever was
 * written to them, so a record that does not have the expected shape is skipped with a one-line reason,
 * never trusted and never a crash.
 */
import type { RawRecord } from '../../../connectors/kafka/topic-reader';
import { DEAD_LETTER_HEADERS } from '../../../connectors/dead-letter';
import { decodeEnvelope } from '../../checkpoints/envelope';
import type { PartitionOffset } from '../../checkpoints/manifest';
import { DecodeError } from '../../errors';
import { parseImportanceRecord, type ImportanceRecord } from '../../importance/publish';
import { parseDriftRecord } from '../../topology/drift-record';

/** A model version as the dashboard draws it: from a model-topic manifest or a metrics-topic record. */
export interface CheckpointPoint {
  modelId: string;
  version: number;
  examplesSeen: number;
  metrics: Record<string, number>;
  offsets: PartitionOffset[];
  createdAt: number;
  /** Kafka timestamp of the record it came from. */
  recordedAt: number;
  /** Only manifests say these. */
  kind?: string;
  payloadBytes?: number;
  /** Only metrics records: sent after the checkpoint was acknowledged and its offsets committed. */
  fromMetricsTopic: boolean;
}

export interface DeadLetterPoint {
  recordedAt: number;
  code: string;
  message: string;
  source: string;
  key: string | null;
  headers: Record<string, string>;
  bytes: number;
  /** The start of the original bytes, as UTF-8 text. */
  preview: string;
}

export interface DriftPoint {
  recordedAt: number;
  modelId: string;
  /** The latest checkpoint version of the model that made the prediction that tripped the detector. */
  modelVersion: number;
  detector: string;
  statistic: number;
  /** Where the event that tripped it was read. */
  topic: string;
  partition: number;
  offset: string;
  /** `up`: the error rose (a drift); `down`: it fell. */
  direction: string;
  /** What the runtime did: alert only, reset, rollback (or none). */
  action: string;
}

const PREVIEW_CHARS = 300;
const where = (record: RawRecord) => `${record.topic}/${record.partition}@${record.offset}`;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function json(record: RawRecord): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(record.value!.toString('utf8'));
  } catch (err) {
    throw new DecodeError('MALFORMED', `${where(record)}: not JSON`, { cause: err });
  }
  if (!isObject(parsed)) throw new DecodeError('SCHEMA', `${where(record)}: not a JSON object`);
  return parsed;
}

function need<T>(record: RawRecord, object: Record<string, unknown>, name: string, ok: (v: unknown) => boolean, expected: string): T {
  if (!ok(object[name])) throw new DecodeError('SCHEMA', `${where(record)}: field "${name}" must be ${expected}`);
  return object[name] as T;
}

const isFiniteNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const isString = (v: unknown) => typeof v === 'string';

/** Metric values; JSON has no NaN, so undefined metrics arrive as null and are left out. */
function metricsOf(value: unknown): Record<string, number> {
  if (!isObject(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, number] => isFiniteNumber(entry[1])));
}

function offsetsOf(value: unknown): PartitionOffset[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (o): o is PartitionOffset => isObject(o) && isString(o.topic) && isFiniteNumber(o.partition) && isString(o.offset) && /^\d+$/.test(o.offset as string),
  );
}

/** A model-topic record: a manifest, under any key (payload chunks and tombstones give undefined). */
export function parseModelRecord(record: RawRecord): CheckpointPoint | undefined {
  // Manifests are keyed `<modelId>` or `<modelId>@v<n>` (kept versions); both are points of the curve.
  if (record.key === null || record.value === null || record.key.includes('/chunk/')) return undefined;
  const { manifest } = decodeEnvelope(record.value, where(record));
  return {
    modelId: manifest.modelId,
    version: manifest.version,
    examplesSeen: manifest.examplesSeen,
    metrics: metricsOf(manifest.metrics),
    offsets: offsetsOf(manifest.offsets),
    createdAt: Date.parse(manifest.createdAt),
    recordedAt: record.timestamp,
    kind: manifest.model.kind,
    payloadBytes: manifest.payloadBytes,
    fromMetricsTopic: false,
  };
}

/** A metrics-topic record: `{ modelId, version, examplesSeen, metrics, offsets, createdAt }`. */
export function parseMetricsRecord(record: RawRecord): CheckpointPoint {
  const object = json(record);
  const createdAt = Date.parse(need<string>(record, object, 'createdAt', isString, 'an ISO date'));
  if (Number.isNaN(createdAt)) throw new DecodeError('SCHEMA', `${where(record)}: field "createdAt" must be an ISO date`);
  return {
    modelId: need(record, object, 'modelId', isString, 'a string'),
    version: need(record, object, 'version', isFiniteNumber, 'a number'),
    examplesSeen: need(record, object, 'examplesSeen', isFiniteNumber, 'a number'),
    metrics: metricsOf(object.metrics),
    offsets: offsetsOf(object.offsets),
    createdAt,
    recordedAt: record.timestamp,
    fromMetricsTopic: true,
  };
}

export function parseImportance(record: RawRecord): ImportanceRecord {
  if (record.value === null) throw new DecodeError('SCHEMA', `${where(record)}: empty record`);
  return parseImportanceRecord(record.value, where(record));
}

/** A dead-letter record, with its `x-` headers (and the original record's) kept for the table. */
export function parseDeadLetter(record: RawRecord): DeadLetterPoint {
  const headers = record.headers;
  const source = `${headers[DEAD_LETTER_HEADERS.topic] ?? '?'}/${headers[DEAD_LETTER_HEADERS.partition] ?? '?'}@${headers[DEAD_LETTER_HEADERS.offset] ?? '?'}`;
  return {
    recordedAt: record.timestamp,
    code: headers[DEAD_LETTER_HEADERS.code] ?? 'UNKNOWN',
    message: headers[DEAD_LETTER_HEADERS.message] ?? '',
    source,
    key: record.key,
    headers,
    bytes: record.value?.length ?? 0,
    preview:
      record.value
        ?.subarray(0, PREVIEW_CHARS * 4)
        .toString('utf8')
        .slice(0, PREVIEW_CHARS) ?? '',
  };
}

/** A drift detection, read by the drift topic's one parser (src/topology/drift-record.ts). */
export function parseDrift(record: RawRecord): DriftPoint {
  if (record.value === null) throw new DecodeError('SCHEMA', `${where(record)}: empty record`);
  const drift = parseDriftRecord(record.value, where(record));
  const { modelId, modelVersion, detector, statistic, direction, topic, partition, offset, action } = drift;
  return { recordedAt: record.timestamp, modelId, modelVersion, detector, statistic, direction, topic, partition, offset, action };
}
