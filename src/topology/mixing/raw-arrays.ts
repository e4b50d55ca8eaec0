import { CheckpointError } from '../../errors';
import type { JsonValue, TypedArray } from '../../state';

/**
 * A model state's arrays as their raw bytes, for the mix topic only (docs/scale-out.md, "Contributions"):
 * each array's bytes at an 8-byte aligned offset, described by a directory of `[name, dtype, length]`.
 * Workers of one model exchange contributions many times a second, and building and reading an Arrow
 * stream was most of a round's CPU: 0.75 ms to encode and 0.5 ms to decode a 6 KB regression-sgd
 * contribution (bench/scale/round-profile.ts), against tens of µs for this. Versions on the model topic,
 * which readers in other languages open, stay Arrow. Byte order is the machine's (little-endian on every
 * platform Node runs on); a contribution is read back by another worker of the same build.
 */
const DTYPES = {
  float64: Float64Array,
  float32: Float32Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
} as const;

type DtypeName = keyof typeof DTYPES;
export type ArrayDirectory = [name: string, dtype: DtypeName, length: number][];

const align8 = (n: number): number => (n + 7) & ~7;

function dtypeOf(array: TypedArray): DtypeName {
  for (const name of Object.keys(DTYPES) as DtypeName[]) if (array instanceof DTYPES[name]) return name;
  throw new CheckpointError(`raw arrays: ${Object.prototype.toString.call(array)} is not a typed array of a checkpoint`);
}

export function packArrays(arrays: Record<string, TypedArray>): { directory: ArrayDirectory; bytes: Uint8Array } {
  const directory: ArrayDirectory = Object.entries(arrays).map(([name, array]) => [name, dtypeOf(array), array.length]);
  const size = Object.values(arrays).reduce((end, array) => align8(end) + array.byteLength, 0);
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const array of Object.values(arrays)) {
    at = align8(at);
    bytes.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), at);
    at += array.byteLength;
  }
  return { directory, bytes };
}

const isEntry = (entry: JsonValue): entry is [string, DtypeName, number] =>
  Array.isArray(entry) &&
  entry.length === 3 &&
  typeof entry[0] === 'string' &&
  typeof entry[1] === 'string' &&
  Object.hasOwn(DTYPES, entry[1]) &&
  Number.isSafeInteger(entry[2]) &&
  (entry[2] as number) >= 0;

/** The arrays `packArrays` wrote, each a copy of its own; throws, saying where and what, on a directory that does not fit the bytes. */
export function unpackArrays(directory: JsonValue | undefined, bytes: Uint8Array, where: string): Record<string, TypedArray> {
  if (!Array.isArray(directory) || !directory.every(isEntry))
    throw new CheckpointError(`${where}: the raw arrays' directory is not a list of [name, dtype, length]`);
  const arrays: Record<string, TypedArray> = {};
  let at = 0;
  for (const [name, dtype, length] of directory as ArrayDirectory) {
    const Make = DTYPES[dtype];
    at = align8(at);
    const end = at + length * Make.BYTES_PER_ELEMENT;
    if (end > bytes.byteLength) throw new CheckpointError(`${where}: raw array "${name}" (${length} ${dtype}) runs past the ${bytes.byteLength}-byte payload`);
    const array = new Make(length);
    new Uint8Array(array.buffer).set(bytes.subarray(at, end));
    arrays[name] = array;
    at = end;
  }
  if (at !== bytes.byteLength) throw new CheckpointError(`${where}: the raw arrays end at byte ${at} of a ${bytes.byteLength}-byte payload`);
  return arrays;
}
