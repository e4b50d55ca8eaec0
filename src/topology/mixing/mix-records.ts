import type { OutgoingMessage } from '../../../connectors/kafka/sink';
import { checkPayload, decodeEnvelope, openCheckpoint, sha256, type Checkpoint } from '../../checkpoints/envelope';
import { CHECKPOINT_FORMAT, type CheckpointManifest, type PartitionOffset } from '../../checkpoints/manifest';
import { checkpointRecords, gatherChunks, parseManifestKey } from '../../checkpoints/records';
import { CheckpointError, errorMessage } from '../../errors';
import { libraryVersion } from '../../paths';
import type { JsonObject, JsonValue, ModelState } from '../../state';
import { METRIC_STATE_KEY } from '../metric-state';
import { packArrays, unpackArrays } from './raw-arrays';

/**
 * The records of a shared model's mix topic (`<model topic>.mix`, one partition, docs/scale-out.md):
 * - a **start** (JSON, key `<modelId>~start`), written by the generation's mixer once it has fenced every
 *   earlier mixer: the version every member of that generation continues from;
 * - a **contribution** per member and round: the member's model learned since that version, with the
 *   offsets it reached on its partitions, as a checkpoint envelope (chunked like any checkpoint) keyed
 *   `<modelId>~g<generation>~b<base>~<memberId>`. Its payload is the state's raw arrays (`raw-arrays.ts`,
 *   named in `extra.mix.arrays`), not Arrow: only workers read it, many times a second.
 */
export interface MixStart {
  generation: number;
  /** The version the generation continues from; 0 for a model never published. */
  base: number;
  /** The highest version any record of the model topic claimed: new versions are numbered past it. */
  claimed: number;
  mixer: string;
}

export interface Contribution {
  generation: number;
  base: number;
  member: string;
  /** The input partitions this member owns in `generation`. */
  partitions: number[];
  /** Examples learned since `base`. */
  learned: number;
  /** Records consumed (learned or dead-lettered) since `base`. */
  consumed: number;
  offsets: PartitionOffset[];
  examplesSeen: number;
  metrics: Record<string, number>;
  /** `encodeMetricStates` of the member's metrics: merged into the version's (docs/scale-out.md). */
  metricState: JsonObject;
  state: ModelState;
}

/** Where mixing spends CPU, as each worker reports it when it stops. */
export type MixPart = 'read versions' | 'read contributions' | 'contribute' | 'adopt' | 'merge' | 'publish';

const START_SUFFIX = '~start';

export function startRecord(modelId: string, start: MixStart): OutgoingMessage {
  return { key: `${modelId}${START_SUFFIX}`, value: JSON.stringify(start) };
}

export function contributionRecords(modelId: string, c: Contribution): OutgoingMessage[] {
  const id = `${modelId}~g${c.generation}~b${c.base}~${c.member}`;
  const mix = { generation: c.generation, base: c.base, member: c.member, partitions: c.partitions, learned: c.learned, consumed: c.consumed };
  const { directory, bytes: payload } = packArrays(c.state.arrays);
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    createdAt: new Date().toISOString(),
    libraryVersion: libraryVersion(),
    modelId: id,
    version: c.base + 1,
    generation: c.generation,
    offsets: c.offsets,
    examplesSeen: c.examplesSeen,
    metrics: c.metrics,
    extra: { mix: { ...mix, arrays: directory }, [METRIC_STATE_KEY]: c.metricState },
    model: { kind: c.state.kind, stateVersion: c.state.version, config: c.state.config },
    payloadBytes: payload.byteLength,
    payloadSha256: sha256(payload),
  };
  // Only the record keyed by version (and any chunks): the one keyed by the bare id is there for a compacted
  // model topic's "latest", which the mix topic does not need. It doubled the bytes every member fetched and
  // the manifests the mixer parsed (docs/scale-out.md, "Benchmark").
  return checkpointRecords(manifest, payload).records.filter((record) => record.key !== id);
}

export type MixEvent = { type: 'start'; start: MixStart } | { type: 'contribution'; contribution: Contribution };

/** Turns the mix topic's records back into starts and contributions of `modelId`; anything else is reported and skipped. */
export function createMixReader(
  modelId: string,
  onSkipped: (reason: string) => void,
): (record: { key: string | null; value: Buffer | null }, where: string) => MixEvent | undefined {
  const chunks = new Map<string, Buffer>();
  const opened = new Set<string>();
  const prefix = `${modelId}~`;
  return ({ key, value }, where) => {
    if (key === null || !key.startsWith(prefix)) return undefined;
    try {
      if (key === `${modelId}${START_SUFFIX}`) return { type: 'start', start: parseStart(value, where) };
      if (value === null) return void chunks.delete(key);
      if (key.includes('/chunk/')) return void chunks.set(key, value);
      const checkpoint = openContribution(key, value, chunks, opened, where);
      return checkpoint && { type: 'contribution', contribution: contributionOf(checkpoint, where) };
    } catch (err) {
      onSkipped(errorMessage(err));
      return undefined;
    }
  };
}

/** Contribution ids a reader remembers, to pass over a replay unopened: far more than the rounds a mixer still merges. */
const REMEMBERED = 4096;

/** A contribution's manifest and state, or undefined for a replay of one already read. */
function openContribution(key: string, value: Buffer, chunks: Map<string, Buffer>, opened: Set<string>, where: string): Checkpoint | undefined {
  const { manifest, inlinePayload } = decodeEnvelope(value, where);
  const named = parseManifestKey(key);
  if (manifest.modelId !== named.modelId || (named.version !== undefined && manifest.version !== named.version)) {
    throw new CheckpointError(`${where}: record keyed "${key}" holds ${manifest.modelId} v${manifest.version}`);
  }
  if (opened.has(manifest.modelId)) return undefined;
  const payload = manifest.chunks ? gatherChunks(manifest, chunks, where) : inlinePayload;
  const directory = (manifest.extra?.mix as JsonObject | undefined)?.arrays;
  // A contribution without a directory of raw arrays was written by an earlier build, as an Arrow checkpoint.
  const checkpoint = directory === undefined ? openCheckpoint(manifest, payload, where) : openRaw(manifest, payload, directory, where);
  opened.add(manifest.modelId);
  if (opened.size > REMEMBERED) opened.delete(opened.values().next().value as string);
  return checkpoint;
}

function openRaw(manifest: CheckpointManifest, payload: Uint8Array, directory: JsonValue, where: string): Checkpoint {
  const at = checkPayload(manifest, payload, where);
  const { kind, stateVersion, config } = manifest.model;
  return { manifest, state: { kind, version: stateVersion, config, arrays: unpackArrays(directory, payload, at) } };
}

function parseStart(value: Buffer | null, where: string): MixStart {
  const start = JSON.parse(value?.toString('utf8') ?? 'null') as Partial<MixStart> | null;
  const numbers = [start?.generation, start?.base, start?.claimed];
  if (!start || numbers.some((n) => !Number.isSafeInteger(n)) || typeof start.mixer !== 'string') throw new Error(`${where}: not a mix start record`);
  return start as MixStart;
}

function contributionOf({ manifest, state }: Checkpoint, where: string): Contribution {
  const mix = (manifest.extra?.mix ?? null) as JsonObject | null;
  const { generation, base, member, partitions, learned, consumed } = (mix ?? {}) as Partial<Omit<Contribution, 'offsets' | 'state'>>;
  if (!Number.isSafeInteger(generation) || !Number.isSafeInteger(base) || typeof member !== 'string' || !Array.isArray(partitions)) {
    throw new Error(`${where}: contribution ${manifest.modelId} has no valid extra.mix`);
  }
  return {
    generation: generation!,
    base: base!,
    member,
    partitions,
    learned: learned ?? 0,
    consumed: consumed ?? 0,
    offsets: manifest.offsets,
    examplesSeen: manifest.examplesSeen,
    metrics: manifest.metrics,
    metricState: (manifest.extra?.[METRIC_STATE_KEY] ?? {}) as JsonObject,
    state,
  };
}
