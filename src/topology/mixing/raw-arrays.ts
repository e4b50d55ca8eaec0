import { CheckpointError } from '../../errors';
import { ARRAY_TYPES, dtypeOf, type DtypeName } from '../../checkpoints/arrow-arrays';
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
export type ArrayDirectory = [name: string, dtype: DtypeName, length: number][];

const align8 = (n: number): number => (n + 7) & ~7;

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
  Object.hasOwn(ARRAY_TYPES, entry[1]) &&
  Number.isSafeInteger(entry[2]) &&
  (entry[2] as number) >= 0;

/** The arrays `packArrays` wrote, each a copy of its own; throws, saying where and what, on a directory that does not fit the bytes. */
export function unpackArrays(directory: JsonValue | undefined, bytes: Uint8Array, where: string): Record<string, TypedArray> {
  if (!Array.isArray(directory) || !directory.every(isEntry))
    throw new CheckpointError(`${where}: the raw arrays' directory is not a list of [name, dtype, length]`);
  const arrays: Record<string, TypedArray> = {};
  let at = 0;
  for (const [name, dtype, length] of directory as ArrayDirectory) {
    const Make = ARRAY_TYPES[dtype];
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
