/**
 * Drift detections on the wire: JSON records of `<topology>.drift`, keyed by model id, which
 * `streamlearn drift` follows.
 */
import { DecodeError } from '../errors';
import { describeValue } from '../features/config';
import type { DriftAction } from './drift-watch';

/** One record of `<topology>.drift` (JSON, keyed by model id), as `streamlearn drift` prints it. */
export interface DriftRecord {
  topology: string;
  modelId: string;
  detector: string;
  on: string;
  statistic: number;
  threshold: number;
  direction: 'up' | 'down';
  topic: string;
  partition: number;
  /** Offset of the event whose error tripped the detector. */
  offset: string;
  /** Events the detector had watched since it (re)started. */
  watched: number;
  rollingError: number | null;
  /** Latest checkpoint version of the model that made the prediction. */
  modelVersion: number;
  /** What was done: the topology's action, or `'none'` for a fall of the error or a second detection in a batch. */
  action: DriftAction | 'none';
  /** Set when the action replaced the model: the version now serving, and where the replaced one is kept. */
  newVersion?: number;
  archivedAs?: string;
  /** Set on rollback: the checkpoint version returned to. */
  rolledBackTo?: number;
  /** Why a configured action was not carried out. */
  note?: string;
  detectedAt: string;
}

const REQUIRED: Array<[keyof DriftRecord, 'string' | 'number']> = [
  ['topology', 'string'],
  ['modelId', 'string'],
  ['detector', 'string'],
  ['on', 'string'],
  ['statistic', 'number'],
  ['threshold', 'number'],
  ['direction', 'string'],
  ['topic', 'string'],
  ['partition', 'number'],
  ['offset', 'string'],
  ['watched', 'number'],
  ['modelVersion', 'number'],
  ['action', 'string'],
  ['detectedAt', 'string'],
];

/** Parses a drift-topic record; a malformed one throws a DecodeError naming `where` and the field. */
export function parseDriftRecord(value: Buffer | string, where: string): DriftRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString());
  } catch (err) {
    throw new DecodeError('MALFORMED', `${where}: not JSON`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DecodeError('SCHEMA', `${where}: expected a JSON object, got ${describeValue(parsed)}`);
  }
  const object = parsed as Record<string, unknown>;
  for (const [name, type] of REQUIRED) {
    if (typeof object[name] !== type) throw new DecodeError('SCHEMA', `${where}: field "${name}" must be a ${type}, got ${describeValue(object[name])}`);
  }
  return object as unknown as DriftRecord;
}

/**
 * The identity of a detection, its record's key on the drift topic: the model and the offset of the event
 * that set it off. A restart replays the events after its checkpoint through the detector resumed from
 * that checkpoint, so a detection published before a crash comes again with the same key: the drift topic
 * is compacted (one record per key survives) and `streamlearn drift` prints a key once.
 */
export function detectionKey(record: Pick<DriftRecord, 'modelId' | 'topic' | 'partition' | 'offset'>): string {
  return `${record.modelId}@${record.topic}/${record.partition}@${record.offset}`;
}

/** One line per detection, as the CLI prints it. */
export function formatDrift(record: DriftRecord): string {
  const { detectedAt, modelId, modelVersion, detector, direction, topic, partition, offset, statistic, threshold, watched, rollingError } = record;
  const rolling = rollingError === null ? '' : ` rolling ${record.on}=${rollingError.toFixed(4)}`;
  const head = `${detectedAt} ${modelId} v${modelVersion} ${detector} ${direction} at ${topic}/${partition}@${offset}`;
  const test = `statistic=${statistic.toPrecision(4)} threshold=${threshold.toPrecision(4)} watched=${watched}${rolling}`;
  return `${head} ${test} → ${outcome(record)}`;
}

function outcome(record: DriftRecord): string {
  if (record.note) return `${record.action}: ${record.note}`;
  switch (record.action) {
    case 'reset':
      return `reset: fresh model as v${record.newVersion}, old one kept as ${record.archivedAs}`;
    case 'rollback':
      return `rollback: v${record.rolledBackTo} restored as v${record.newVersion}, replaced one kept as ${record.archivedAs}`;
    default:
      return record.action;
  }
}
