import { CheckpointError } from '../errors';
import type { JsonObject, JsonValue, ModelState, TypedArray } from '../state';

const ARRAY_TYPES = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
} as const;
type ArrayTypeName = keyof typeof ARRAY_TYPES;

/**
 * A small state as JSON (for a checkpoint manifest's `extra`): typed arrays travel as base64 of their
 * bytes, so NaN, ±Infinity and every bit survive — a detector's state must restore exactly.
 */
export function stateToJson(state: ModelState): JsonObject {
  const arrays: JsonObject = {};
  for (const [key, array] of Object.entries(state.arrays)) {
    const bytes = Buffer.from(array.buffer, array.byteOffset, array.byteLength);
    arrays[key] = { type: array.constructor.name, base64: bytes.toString('base64') };
  }
  return { kind: state.kind, version: state.version, config: state.config, arrays };
}

const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function stateFromJson(json: JsonValue | undefined, where: string): ModelState {
  if (!isObject(json) || typeof json.kind !== 'string' || typeof json.version !== 'number' || !isObject(json.config) || !isObject(json.arrays)) {
    throw new CheckpointError(`${where}: expected { kind, version, config, arrays }`);
  }
  const arrays: Record<string, TypedArray> = {};
  for (const [key, entry] of Object.entries(json.arrays)) {
    const type = isObject(entry) && typeof entry.type === 'string' ? ARRAY_TYPES[entry.type as ArrayTypeName] : undefined;
    if (type === undefined || !isObject(entry) || typeof entry.base64 !== 'string') {
      throw new CheckpointError(`${where}: array '${key}' must be { type: a typed array name, base64 }`);
    }
    const bytes = Buffer.from(entry.base64, 'base64');
    if (bytes.length % type.BYTES_PER_ELEMENT !== 0)
      throw new CheckpointError(`${where}: array '${key}' has ${bytes.length} bytes, not whole ${entry.type} elements`);
    const array = new type(bytes.length / type.BYTES_PER_ELEMENT);
    new Uint8Array(array.buffer).set(bytes);
    arrays[key] = array;
  }
  return { kind: json.kind, version: json.version, config: json.config, arrays };
}
