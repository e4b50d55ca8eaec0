import type { JsonValue } from '../state';

/** v2 added each array's `shape`, `role` and the readers' `derived` arrays; v3 stores mostly-zero arrays sparse (docs/checkpoint-format.md). */
export const CHECKPOINT_FORMAT = 'streamlearn.checkpoint/v3';
/** Formats this version reads: v1 payloads are flat arrays without layout, v2 ones are all dense; both restore the same way. */
export const READABLE_FORMATS: readonly string[] = ['streamlearn.checkpoint/v1', 'streamlearn.checkpoint/v2', CHECKPOINT_FORMAT];

/** The next offset to read for one topic-partition: everything before it is in the model. */
export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

/** Where the payload lives when it is too large for one record. */
export interface ChunkRef {
  count: number;
  /** Chunk i is the record keyed `${keyPrefix}${i}` on the same topic. */
  keyPrefix: string;
}

/** Everything about a checkpoint except its weights; travels as JSON, readable by any language. */
export interface CheckpointManifest {
  /** `CHECKPOINT_FORMAT` when written; any of `READABLE_FORMATS` when read. */
  format: string;
  modelId: string;
  /** Strictly increasing per model id. */
  version: number;
  /**
   * A version merged from several workers (docs/scale-out.md): the consumer-group generation its mixer
   * belonged to. Readers refuse a version of an older generation than one they have accepted, within one
   * `epoch`.
   */
  generation?: number;
  /**
   * The mixer epoch of a merged version: Kafka numbers a group's generations from 1 again once it has
   * forgotten the empty group, so a mixer that finds the newest version stamped with a higher generation
   * than its own starts the next epoch. Readers order merged versions by (epoch, generation): a lower epoch
   * is refused, and generations are compared within an epoch only. Absent: epoch 0.
   */
  epoch?: number;
  /** Kind and JSON config of the model state; the arrays are in the payload. */
  model: { kind: string; stateVersion: number; config: { [key: string]: JsonValue } };
  offsets: PartitionOffset[];
  examplesSeen: number;
  metrics: Record<string, number>;
  createdAt: string;
  libraryVersion: string;
  payloadBytes: number;
  /** Hex SHA-256 of the whole payload (the Arrow IPC stream), checked before a model is used. */
  payloadSha256: string;
  chunks?: ChunkRef;
  /** Ed25519 signature of the rest of the manifest, when the trainer signs (see signing.ts). */
  signature?: ManifestSignature;
  /** Anything a topology wants to carry along (e.g. feature importances). */
  extra?: { [key: string]: JsonValue };
}

export interface ManifestSignature {
  alg: 'ed25519';
  /** First 16 hex digits of the SHA-256 of the public key (SPKI DER). */
  keyId: string;
  /** Base64 signature of the canonical manifest without this field. */
  value: string;
}
