import type { JsonValue } from '../state';

export const CHECKPOINT_FORMAT = 'streamlearn.checkpoint/v1';

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
  format: typeof CHECKPOINT_FORMAT;
  modelId: string;
  /** Strictly increasing per model id. */
  version: number;
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
  /** Anything a topology wants to carry along (e.g. feature importances). */
  extra?: { [key: string]: JsonValue };
}
