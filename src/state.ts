/** The serialisable state every learner, feature stage and pipeline round-trips through. */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type StateArray = Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

/** JSON-safe config plus learned numbers as typed arrays: no functions, nothing to evaluate. */
export interface ModelState {
  kind: string;
  version: number;
  config: { [key: string]: JsonValue };
  arrays: Record<string, StateArray>;
}
