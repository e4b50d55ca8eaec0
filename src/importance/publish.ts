/**
 * Importances on the wire: in a checkpoint manifest's `extra`, and as records of an importance topic
 * (JSON, keyed by model id), which `streamlearn importance` follows.
 */

import type { OutgoingMessage } from '../../connectors/kafka/sink';
import type { CheckpointManifest } from '../checkpoints/manifest';
import { DecodeError } from '../errors';
import { describeValue } from '../features/config';
import type { JsonValue } from '../state';
import type { FeatureScore, ImportanceMethod, ImportanceSnapshot, ScoresState } from './snapshot';

export const IMPORTANCE_EXTRA_KEY = 'importance';

/** One record of an importance topic: a snapshot stamped with the checkpoint it was published with. */
export interface ImportanceRecord extends ImportanceSnapshot {
  modelId: string;
  version: number;
  examplesSeen: number;
  createdAt: string;
}

/** JSON has no NaN: a score not yet defined travels as null and comes back as NaN. */
const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

function snapshotJson(snapshot: ImportanceSnapshot): { [key: string]: JsonValue } {
  return {
    method: snapshot.method,
    samples: snapshot.samples,
    smoothing: snapshot.smoothing,
    features: snapshot.features.map(({ name, mean, variance, rank }) => ({ name, mean: finiteOrNull(mean), variance: finiteOrNull(variance), rank })),
  };
}

/** The manifest `extra` that carries a snapshot: `{ importance: … }`, merged into the checkpoint's fields. */
export function importanceExtra(snapshot: ImportanceSnapshot): { [key: string]: JsonValue } {
  return { [IMPORTANCE_EXTRA_KEY]: snapshotJson(snapshot) };
}

/** The importance-topic record for a snapshot published with `manifest`. */
export function importanceMessage(
  manifest: Pick<CheckpointManifest, 'modelId' | 'version' | 'examplesSeen' | 'createdAt'>,
  snapshot: ImportanceSnapshot,
): OutgoingMessage {
  const { modelId, version, examplesSeen, createdAt } = manifest;
  return { key: modelId, value: JSON.stringify({ modelId, version, examplesSeen, createdAt, ...snapshotJson(snapshot) }) };
}

function field<T>(where: string, object: Record<string, unknown>, name: string, check: (v: unknown) => v is T, expectation: string): T {
  const value = object[name];
  if (!check(value)) throw new DecodeError('SCHEMA', `${where}: field "${name}" must be ${expectation}, got ${describeValue(value)}`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isScore = (v: unknown): v is number | null => v === null || isNumber(v);
const isMethod = (v: unknown): v is ImportanceMethod => v === 'ipfi' || v === 'coefficients' || v === 'split-gain';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function readSnapshot(where: string, object: Record<string, unknown>): ImportanceSnapshot {
  const features = field(where, object, 'features', Array.isArray, 'an array');
  return {
    method: field(where, object, 'method', isMethod, "'ipfi', 'coefficients' or 'split-gain'"),
    samples: field(where, object, 'samples', isNumber, 'a number'),
    smoothing: field(where, object, 'smoothing', isNumber, 'a number'),
    features: features.map((entry: unknown, i): FeatureScore => {
      const at = `${where}: features[${i}]`;
      if (!isObject(entry)) throw new DecodeError('SCHEMA', `${at} must be an object, got ${describeValue(entry)}`);
      return {
        name: field(at, entry, 'name', isString, 'a string'),
        mean: field(at, entry, 'mean', isScore, 'a number or null') ?? NaN,
        variance: field(at, entry, 'variance', isScore, 'a number or null') ?? NaN,
        rank: field(at, entry, 'rank', isNumber, 'a number'),
      };
    }),
  };
}

/** Parses an importance-topic record; a malformed one throws a DecodeError naming `where` and the field. */
export function parseImportanceRecord(value: Buffer | string, where: string): ImportanceRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString());
  } catch (err) {
    throw new DecodeError('MALFORMED', `${where}: not JSON`, { cause: err });
  }
  if (!isObject(parsed)) throw new DecodeError('SCHEMA', `${where}: expected a JSON object, got ${describeValue(parsed)}`);
  return {
    modelId: field(where, parsed, 'modelId', isString, 'a string'),
    version: field(where, parsed, 'version', isNumber, 'a number'),
    examplesSeen: field(where, parsed, 'examplesSeen', isNumber, 'a number'),
    createdAt: field(where, parsed, 'createdAt', isString, 'a string'),
    ...readSnapshot(where, parsed),
  };
}

/** The snapshot a checkpoint carries, or null when it carries none. */
export function readImportanceExtra(manifest: Pick<CheckpointManifest, 'modelId' | 'version' | 'extra'>): ImportanceSnapshot | null {
  const carried = manifest.extra?.[IMPORTANCE_EXTRA_KEY];
  if (carried === undefined) return null;
  const where = `checkpoint ${manifest.modelId} v${manifest.version} extra.${IMPORTANCE_EXTRA_KEY}`;
  if (!isObject(carried)) throw new DecodeError('SCHEMA', `${where}: expected an object, got ${describeValue(carried)}`);
  return readSnapshot(where, carried);
}

/** Scores to resume an estimator over `names` from a snapshot; features the snapshot lacks start at 0. */
export function scoresFromSnapshot(names: readonly string[], snapshot: ImportanceSnapshot): ScoresState {
  const byName = new Map(snapshot.features.map((score) => [score.name, score]));
  const means = Float64Array.from(names, (name) => byName.get(name)?.mean ?? 0);
  const variances = Float64Array.from(names, (name) => byName.get(name)?.variance ?? 0);
  return { means, variances, samples: snapshot.samples };
}

/** A ranking as the CLI prints it: a header line, then one line per feature (the first `top`). */
export function formatRanking(record: ImportanceRecord, top = Infinity): string {
  const header = `${record.modelId} v${record.version} ${record.method} seen=${record.examplesSeen} samples=${record.samples} ${record.createdAt}`;
  const shown = record.features.slice(0, top);
  const width = Math.max(4, ...shown.map((score) => score.name.length));
  const lines = shown.map((score) => {
    const sd = Math.sqrt(score.variance);
    return `${String(score.rank).padStart(4)}  ${score.name.padEnd(width)}  ${score.mean.toPrecision(4).padStart(11)}  ±${sd.toPrecision(3)}`;
  });
  const hidden = record.features.length - shown.length;
  return [header, ...lines, ...(hidden > 0 ? [`      … ${hidden} more`] : [])].join('\n');
}
