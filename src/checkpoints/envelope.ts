import { createHash } from 'node:crypto';
import { libraryVersion } from '../paths';
import { CheckpointError, errorMessage } from '../errors';
import type { ModelState } from '../state';
import { arraysFromArrow, arraysToArrow } from './arrow-arrays';
import { describeState } from './layout';
import './layouts';
import { CHECKPOINT_FORMAT, READABLE_FORMATS, type CheckpointManifest } from './manifest';

/** "SLCK", then a format byte, then a big-endian u32 manifest length, the manifest JSON and the payload. */
const MAGIC = Buffer.from('SLCK', 'ascii');
const HEADER_BYTES = MAGIC.length + 1 + 4;
const ENVELOPE_VERSION = 1;

export type ManifestFields = Omit<CheckpointManifest, 'format' | 'model' | 'payloadBytes' | 'payloadSha256' | 'chunks' | 'createdAt' | 'libraryVersion'> &
  Partial<Pick<CheckpointManifest, 'createdAt' | 'libraryVersion'>>;

export interface Checkpoint {
  manifest: CheckpointManifest;
  state: ModelState;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export function buildCheckpoint(fields: ManifestFields, state: ModelState): { manifest: CheckpointManifest; payload: Uint8Array } {
  const { layout, derived } = describeState(state);
  const payload = arraysToArrow(state.arrays, layout, derived);
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    createdAt: new Date().toISOString(),
    libraryVersion: libraryVersion(),
    ...fields,
    model: { kind: state.kind, stateVersion: state.version, config: state.config },
    payloadBytes: payload.byteLength,
    payloadSha256: sha256(payload),
  };
  return { manifest, payload };
}

export function encodeEnvelope(manifest: CheckpointManifest, inlinePayload: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(manifest), 'utf8');
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt8(ENVELOPE_VERSION, MAGIC.length);
  header.writeUInt32BE(json.length, MAGIC.length + 1);
  return Buffer.concat([header, json, inlinePayload]);
}

export function decodeEnvelope(bytes: Buffer, where: string): { manifest: CheckpointManifest; inlinePayload: Buffer } {
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new CheckpointError(`${where}: not a streamlearn checkpoint (bad magic)`);
  }
  const envelopeVersion = bytes.readUInt8(MAGIC.length);
  if (envelopeVersion !== ENVELOPE_VERSION) throw new CheckpointError(`${where}: envelope version ${envelopeVersion} is not supported`);
  const length = bytes.readUInt32BE(MAGIC.length + 1);
  if (HEADER_BYTES + length > bytes.length) throw new CheckpointError(`${where}: manifest length ${length} runs past the record`);
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(bytes.subarray(HEADER_BYTES, HEADER_BYTES + length).toString('utf8')) as CheckpointManifest;
  } catch (err) {
    throw new CheckpointError(`${where}: manifest is not valid JSON`, { cause: err });
  }
  if (!READABLE_FORMATS.includes(manifest.format)) {
    throw new CheckpointError(`${where}: format "${String(manifest.format)}" is not one of ${READABLE_FORMATS.join(', ')}`);
  }
  return { manifest, inlinePayload: bytes.subarray(HEADER_BYTES + length) };
}

/** Verifies the hash, then rebuilds the model state. A mismatch is refused: a model is never half-loaded. */
export function openCheckpoint(manifest: CheckpointManifest, payload: Uint8Array, at?: string): Checkpoint {
  const where = checkPayload(manifest, payload, at);
  const { kind, stateVersion, config } = manifest.model;
  let arrays: ModelState['arrays'];
  try {
    arrays = arraysFromArrow(payload);
  } catch (err) {
    // A payload can match its hash and still be unreadable (forged, or written by a newer version): say where.
    throw new CheckpointError(`${where}: ${errorMessage(err)}`, { cause: err });
  }
  return { manifest, state: { kind, version: stateVersion, config, arrays } };
}

/** Refuses a payload whose size or SHA-256 is not the manifest's; returns where it is, for the reader's next error. */
export function checkPayload(manifest: CheckpointManifest, payload: Uint8Array, at?: string): string {
  const where = `${at ? `${at}: ` : ''}checkpoint ${manifest.modelId} v${manifest.version}`;
  // A manifest without a well-formed hash is refused, not trusted: the hash is what binds it to its payload.
  if (typeof manifest.payloadSha256 !== 'string' || !SHA256_HEX.test(manifest.payloadSha256)) {
    throw new CheckpointError(`${where}: manifest has no valid payloadSha256 (${JSON.stringify(manifest.payloadSha256 ?? null)})`);
  }
  if (payload.byteLength !== manifest.payloadBytes) {
    throw new CheckpointError(`${where}: payload is ${payload.byteLength} bytes, manifest says ${manifest.payloadBytes}`);
  }
  const actual = sha256(payload);
  if (actual !== manifest.payloadSha256) throw new CheckpointError(`${where}: payload SHA-256 ${actual} does not match manifest ${manifest.payloadSha256}`);
  return where;
}
