import { CheckpointError } from '../errors';
import { checkPayload, decodeEnvelope, encodeEnvelope, openCheckpoint, type Checkpoint } from './envelope';
import type { CheckpointManifest } from './manifest';
import type { ManifestVerifier } from './signing';
import type { ModelState } from '../state';

/** One Kafka record of the model topic: a manifest keyed by model id, or a payload chunk. */
export interface CheckpointRecord {
  /** Null only on records that are not ours; they are skipped. */
  key: string | null;
  value: Buffer | null;
}

export interface ChunkingOptions {
  /** The model topic's `max.message.bytes`, less headroom; Kafka's default is 1,048,588. */
  maxMessageBytes?: number;
  /** Refuse checkpoints that would need more chunks than this. */
  maxChunks?: number;
}

/** Room left in each record for Kafka's own framing (record header, key, headers). */
const RECORD_OVERHEAD = 1024;

const chunkPrefix = (modelId: string, version: number): string => `${modelId}/v${version}/chunk/`;

/**
 * Each version is also published under its own key, so that compaction keeps the last few versions
 * addressable (older ones are tombstoned) and a bad record under the model id never hides the good ones.
 */
export const versionKey = (modelId: string, version: number): string => `${modelId}@v${version}`;

/** The model id (and version, for a versioned key) a manifest record's key names. */
export function parseManifestKey(key: string): { modelId: string; version?: number } {
  const match = /^(.*)@v([1-9][0-9]*)$/.exec(key);
  return match ? { modelId: match[1], version: Number(match[2]) } : { modelId: key };
}

/** The model and version a version key (`<id>@v<n>`) or chunk key (`<id>/v<n>/chunk/<i>`) belongs to; undefined for others. */
export function versionedKeyOwner(key: string): { modelId: string; version: number } | undefined {
  const chunk = /^(.*)\/v([1-9][0-9]*)\/chunk\/[0-9]+$/.exec(key);
  if (chunk) return { modelId: chunk[1], version: Number(chunk[2]) };
  const named = parseManifestKey(key);
  return named.version === undefined ? undefined : { modelId: named.modelId, version: named.version };
}

/**
 * The records that publish one checkpoint, in the order to send them. A checkpoint that fits in one
 * record is one envelope, sent under its version key then under the model id, so compaction keeps exactly
 * the latest under the model id. A larger one is cut into chunk records sent first, each under its own
 * key, then the manifest that names them, under the same two keys.
 */
export function checkpointRecords(
  manifest: CheckpointManifest,
  payload: Uint8Array,
  options: ChunkingOptions = {},
  /** Signs the manifest as it is sent (chunk reference included). */
  sign: (manifest: CheckpointManifest) => CheckpointManifest = (m) => m,
): { records: CheckpointRecord[]; manifest: CheckpointManifest } {
  const { maxMessageBytes = 1_000_000, maxChunks = 4096 } = options;
  const signedInline = sign(manifest);
  const inline = encodeEnvelope(signedInline, payload);
  const twoKeys = (value: Buffer) => [
    { key: versionKey(manifest.modelId, manifest.version), value },
    { key: manifest.modelId, value },
  ];
  if (inline.length + RECORD_OVERHEAD <= maxMessageBytes) return { records: twoKeys(inline), manifest: signedInline };

  const chunkBytes = maxMessageBytes - RECORD_OVERHEAD;
  const count = Math.ceil(payload.byteLength / chunkBytes);
  if (chunkBytes <= 0 || count > maxChunks) {
    throw new CheckpointError(
      `checkpoint ${manifest.modelId} v${manifest.version} is ${payload.byteLength} bytes: with max.message.bytes=${maxMessageBytes} it needs ` +
        `${count} chunks, over the limit of ${maxChunks}. Raise max.message.bytes on the model topic, raise maxChunks, or shrink the model ` +
        `(fewer hash bits, float32 weights).`,
    );
  }
  const keyPrefix = chunkPrefix(manifest.modelId, manifest.version);
  const records: CheckpointRecord[] = [];
  for (let i = 0; i < count; i++) {
    const slice = payload.subarray(i * chunkBytes, Math.min(payload.byteLength, (i + 1) * chunkBytes));
    records.push({ key: `${keyPrefix}${i}`, value: Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength) });
  }
  const chunked = sign({ ...manifest, chunks: { count, keyPrefix } });
  records.push(...twoKeys(encodeEnvelope(chunked, new Uint8Array(0))));
  return { records, manifest: chunked };
}

/** Tombstones for an older version (its version key and its chunks), so compaction can drop them. */
export function versionTombstones(manifest: CheckpointManifest): CheckpointRecord[] {
  const chunks = manifest.chunks;
  const chunkKeys = chunks ? Array.from({ length: chunks.count }, (_, i) => `${chunks.keyPrefix}${i}`) : [];
  return [versionKey(manifest.modelId, manifest.version), ...chunkKeys].map((key) => ({ key, value: null }));
}

export interface AssemblerOptions {
  /** Only this model's records; default every model's. */
  modelId?: string;
  /** Refuses manifests this key did not sign. */
  verifier?: ManifestVerifier;
  /**
   * The state of a manifest this process already holds (its mixer published it), as a copy of its own, or
   * undefined: that payload is then not decoded again. Asked only once the manifest passed every other check.
   */
  alreadyHeld?(manifest: CheckpointManifest): ModelState | undefined;
}

/**
 * Rebuilds checkpoints from model-topic records read in offset order. Chunks are held until their
 * manifest arrives. A manifest is refused (`push` throws a `CheckpointError` saying why, and the caller
 * skips it) when it is not an envelope, names another model or version than its key, lacks chunks, fails
 * its hash or, with a verifier, its signature. Versions at or below the newest accepted one of the same
 * model are passed over unopened (the second key of a version, a replay), so readers only move forward;
 * the second key of the version just read holds the same bytes, and is passed over without parsing them.
 */
export interface CheckpointAssembler {
  push(record: CheckpointRecord, where: string): Checkpoint | undefined;
  /** The highest version number any decodable manifest of the model claimed, accepted or not. */
  highestClaimed(modelId: string): number;
}

export function createCheckpointAssembler(options: AssemblerOptions | string = {}): CheckpointAssembler {
  const { modelId, verifier, alreadyHeld } = typeof options === 'string' ? { modelId: options, verifier: undefined, alreadyHeld: undefined } : options;
  const chunks = new Map<string, Buffer>();
  /** The last manifest record read without an error: a second record with the same bytes is the version's other key. */
  let lastRead: Buffer | undefined;
  const newest = new Map<string, number>();
  const newestStamp = new Map<string, MixStamp>();
  const claimed = new Map<string, number>();
  return {
    highestClaimed: (id) => claimed.get(id) ?? 0,
    push({ key, value }, where) {
      if (key === null) return undefined;
      if (value === null) {
        chunks.delete(key);
        return undefined;
      }
      if (key.includes('/chunk/')) {
        if (modelId === undefined || key.startsWith(`${modelId}/`)) chunks.set(key, value);
        return undefined;
      }
      const named = parseManifestKey(key);
      if (modelId !== undefined && named.modelId !== modelId) return undefined;
      // Measured: parsing a regression-sgd version's 90 KB manifest again was a third of reading it (docs/scale-out.md).
      if (lastRead !== undefined && value.equals(lastRead)) return undefined;
      lastRead = undefined;
      const { manifest, inlinePayload } = decodeEnvelope(value, where);
      if (Number.isSafeInteger(manifest.version) && manifest.version > (claimed.get(named.modelId) ?? 0)) claimed.set(named.modelId, manifest.version);
      if (manifest.modelId !== named.modelId || (named.version !== undefined && manifest.version !== named.version)) {
        throw new CheckpointError(`${where}: record keyed "${key}" holds ${manifest.modelId} v${manifest.version}`);
      }
      if (manifest.version <= (newest.get(manifest.modelId) ?? 0)) return undefined;
      const stamp = mixStamp(manifest, where);
      const held = newestStamp.get(manifest.modelId);
      // A mixer fenced out of its group (a zombie) must not supersede the versions of the group that replaced it.
      if (stamp && held && (stamp.epoch < held.epoch || (stamp.epoch === held.epoch && stamp.generation < held.generation))) {
        const older =
          stamp.epoch < held.epoch
            ? `epoch ${stamp.epoch}, older than epoch ${held.epoch}`
            : `generation ${stamp.generation}, older than generation ${held.generation}`;
        throw new CheckpointError(`${where}: ${manifest.modelId} v${manifest.version} comes from ${older} already accepted`);
      }
      verifier?.verify(manifest, where);
      const payload = manifest.chunks ? gatherChunks(manifest, chunks, where) : inlinePayload;
      const state = alreadyHeld?.(manifest);
      if (state) checkPayload(manifest, payload, where);
      const checkpoint = state ? { manifest, state } : openCheckpoint(manifest, payload, where);
      newest.set(manifest.modelId, manifest.version);
      if (stamp) newestStamp.set(manifest.modelId, stamp);
      lastRead = value;
      return checkpoint;
    },
  };
}

interface MixStamp {
  epoch: number;
  generation: number;
}

/** A merged version's (epoch, generation), checked; undefined for a version no mixer wrote. */
function mixStamp(manifest: CheckpointManifest, where: string): MixStamp | undefined {
  const { generation, epoch = 0 } = manifest;
  for (const [name, value] of [
    ['generation', generation],
    ['epoch', epoch],
  ] as const) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
      throw new CheckpointError(`${where}: ${manifest.modelId} v${manifest.version} has ${name} ${JSON.stringify(value)}, not an integer ≥ 0`);
    }
  }
  return generation === undefined ? undefined : { epoch, generation };
}

/** The payload of a chunked manifest from the chunks read before it (each used once, then dropped). */
export function gatherChunks(manifest: CheckpointManifest, chunks: Map<string, Buffer>, where: string): Buffer {
  const ref = manifest.chunks!;
  if (!Number.isInteger(ref.count) || ref.count < 1 || typeof ref.keyPrefix !== 'string' || !ref.keyPrefix.startsWith(`${manifest.modelId}/`)) {
    throw new CheckpointError(`${where}: ${manifest.modelId} v${manifest.version} has an invalid chunk reference`);
  }
  const parts: Buffer[] = [];
  for (let i = 0; i < ref.count; i++) {
    const part = chunks.get(`${ref.keyPrefix}${i}`);
    if (!part) throw new CheckpointError(`${where}: chunk ${i} of ${ref.count} for ${manifest.modelId} v${manifest.version} is missing`);
    parts.push(part);
  }
  // Assembled once: a reader following a topic for long (a mix topic, whose chunks are never tombstoned) must not keep them.
  for (let i = 0; i < ref.count; i++) chunks.delete(`${ref.keyPrefix}${i}`);
  return Buffer.concat(parts);
}
