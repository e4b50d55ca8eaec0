/** The serialisable state every learner, feature stage, metric and pipeline round-trips through. */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type TypedArray = Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

/**
 * Everything needed to rebuild a model: JSON-safe config plus learned numbers as typed arrays; no
 * functions, nothing to evaluate. `arrays` are copies, safe to keep while the model goes on learning.
 */
export interface ModelState {
  kind: string;
  version: number;
  config: JsonObject;
  arrays: Record<string, TypedArray>;
}
