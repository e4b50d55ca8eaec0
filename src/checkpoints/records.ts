import { CheckpointError } from '../errors';
import { decodeEnvelope, encodeEnvelope, openCheckpoint, type Checkpoint } from './envelope';
import type { CheckpointManifest } from './manifest';

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
 * The records that publish one checkpoint, in the order to send them. A checkpoint that fits in one
 * record is one record keyed by model id, so compaction keeps exactly the latest. A larger one is cut
 * into chunk records sent first, each under its own key, then the manifest that names them.
 */
export function checkpointRecords(
  manifest: CheckpointManifest,
  payload: Uint8Array,
  options: ChunkingOptions = {},
): { records: CheckpointRecord[]; manifest: CheckpointManifest } {
  const { maxMessageBytes = 1_000_000, maxChunks = 4096 } = options;
  const inline = encodeEnvelope(manifest, payload);
  if (inline.length + RECORD_OVERHEAD <= maxMessageBytes) return { records: [{ key: manifest.modelId, value: inline }], manifest };

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
  const chunked = { ...manifest, chunks: { count, keyPrefix } };
  records.push({ key: manifest.modelId, value: encodeEnvelope(chunked, new Uint8Array(0)) });
  return { records, manifest: chunked };
}

/** Tombstones for the chunks of an older version, so compaction can drop them. */
export function chunkTombstones(manifest: CheckpointManifest): CheckpointRecord[] {
  const chunks = manifest.chunks;
  if (!chunks) return [];
  return Array.from({ length: chunks.count }, (_, i) => ({ key: `${chunks.keyPrefix}${i}`, value: null }));
}

/**
 * Rebuilds checkpoints from model-topic records read in offset order. Chunks are held until their
 * manifest arrives; a manifest whose chunks are missing or whose hash does not match is an error.
 */
export function createCheckpointAssembler(modelId?: string): { push(record: CheckpointRecord, where: string): Checkpoint | undefined } {
  const chunks = new Map<string, Buffer>();
  return {
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
      if (modelId !== undefined && key !== modelId) return undefined;
      const { manifest, inlinePayload } = decodeEnvelope(value, where);
      if (!manifest.chunks) return openCheckpoint(manifest, inlinePayload);
      const parts: Buffer[] = [];
      for (let i = 0; i < manifest.chunks.count; i++) {
        const part = chunks.get(`${manifest.chunks.keyPrefix}${i}`);
        if (!part) throw new CheckpointError(`${where}: chunk ${i} of ${manifest.chunks.count} for ${manifest.modelId} v${manifest.version} is missing`);
        parts.push(part);
      }
      return openCheckpoint(manifest, Buffer.concat(parts));
    },
  };
}
