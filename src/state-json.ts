import { CheckpointError } from './errors';
import type { JsonObject, JsonValue, ModelState, TypedArray } from './state';

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
  for (const [key, array] of Object.entries(state.arrays)) arrays[key] = typedArrayToJson(array);
  return { kind: state.kind, version: state.version, config: state.config, arrays };
}

const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One typed array as JSON: base64 of its little-endian bytes, exact for NaN, -0 and ±Infinity. */
export function typedArrayToJson(array: TypedArray): JsonObject {
  return { type: array.constructor.name, base64: Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64') };
}

/** The typed array of {@link typedArrayToJson}; `where` names it in the error when the JSON is not one. */
export function typedArrayFromJson(entry: JsonValue | undefined, where: string): TypedArray {
  const type = isObject(entry) && typeof entry.type === 'string' ? ARRAY_TYPES[entry.type as ArrayTypeName] : undefined;
  if (type === undefined || !isObject(entry) || typeof entry.base64 !== 'string') {
    throw new CheckpointError(`${where} must be { type: a typed array name, base64 }`);
  }
  const bytes = Buffer.from(entry.base64, 'base64');
  if (bytes.length % type.BYTES_PER_ELEMENT !== 0) throw new CheckpointError(`${where} has ${bytes.length} bytes, not whole ${entry.type} elements`);
  // Copied into a fresh, aligned buffer: a Buffer may start at any offset of Node's pool.
  const array = new type(bytes.length / type.BYTES_PER_ELEMENT);
  new Uint8Array(array.buffer).set(bytes);
  return array;
}

export function stateFromJson(json: JsonValue | undefined, where: string): ModelState {
  if (!isObject(json) || typeof json.kind !== 'string' || typeof json.version !== 'number' || !isObject(json.config) || !isObject(json.arrays)) {
    throw new CheckpointError(`${where}: expected { kind, version, config, arrays }`);
  }
  const arrays: Record<string, TypedArray> = {};
  for (const [key, entry] of Object.entries(json.arrays)) arrays[key] = typedArrayFromJson(entry, `${where}: array '${key}'`);
  return { kind: json.kind, version: json.version, config: json.config, arrays };
}
