/**
 * Just enough of the WebAssembly binary format to assemble the kernels of ./simd-kernels by hand, so that
 * the project needs no compiler toolchain: LEB128 numbers, sections, and the instructions the kernels use.
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

/** Unsigned LEB128. */
function uleb(value: number): number[] {
  const bytes: number[] = [];
  let rest = value >>> 0;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest !== 0);
  return bytes;
}

/** Signed LEB128, for i32.const. */
function sleb(value: number): number[] {
  const bytes: number[] = [];
  let rest = value | 0;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    if ((rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0)) {
      bytes.push(byte);
      return bytes;
    }
    bytes.push(byte | 0x80);
  }
}

const vector = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (text: string): number[] => vector([...Buffer.from(text, 'utf8')].map((b) => [b]));

export const get = (local: number): number[] => [0x20, ...uleb(local)];
export const set = (local: number): number[] => [0x21, ...uleb(local)];
export const i32 = (value: number): number[] => [0x41, ...sleb(value)];
export const ADD = [0x6a];
export const SUB = [0x6b];
export const MUL = [0x6c];
export const SHL = [0x74];
export const GE_U = [0x4f];
export const EQZ = [0x45];
export const EQ = [0x46];
export const BLOCK = [0x02, 0x40];
export const LOOP = [0x03, 0x40];
export const IF = [0x04, 0x40];
export const ELSE = [0x05];
export const END = [0x0b];
export const br = (depth: number): number[] => [0x0c, ...uleb(depth)];
export const brIf = (depth: number): number[] => [0x0d, ...uleb(depth)];

const simd = (op: number, ...immediates: number[]): number[] => [0xfd, ...uleb(op), ...immediates];
/** v128 loads and stores take a memarg: log2 of the alignment, then a constant offset. */
export const v128Load = (offset = 0): number[] => simd(0x00, 4, ...uleb(offset));
export const v128Store = (offset = 0): number[] => simd(0x0b, 4, ...uleb(offset));
/** Loads one f32 into all four lanes. */
export const LOAD32_SPLAT = simd(0x09, 2, 0);
export const V128_ZERO = simd(0x0c, ...new Array<number>(16).fill(0));
/** A v128 constant with `value` in all four f32 lanes. */
export const f32x4Const = (value: number): number[] => simd(0x0c, ...[0, 1, 2, 3].flatMap(() => [...new Uint8Array(Float32Array.of(value).buffer)]));
export const F32X4_SPLAT = simd(0x13);
export const F32X4_EQ = simd(0x41);
export const F32X4_GT = simd(0x44);
export const V128_AND = simd(0x4e);
export const F32X4_MAX = simd(0xe9);
/** Lanes picked by byte: 0–15 from the first operand, 16–31 from the second. */
export const shuffle = (lanes: number[]): number[] => simd(0x0d, ...lanes);
export const I32X4_ALL_TRUE = simd(0xa3);
export const F32X4_SQRT = simd(0xe3);
export const F32X4_ADD = simd(0xe4);
export const F32X4_SUB = simd(0xe5);
export const F32X4_MUL = simd(0xe6);
export const F32X4_DIV = simd(0xe7);

export interface WasmFunction {
  name: string;
  params: number[];
  results: number[];
  /** Local declarations after the parameters: [count, type] pairs. */
  locals: [number, number][];
  body: number[];
}

/** A module importing its memory as `env.memory` and exporting `functions` under their names. */
export function assemble(functions: readonly WasmFunction[]): Uint8Array {
  const types = functions.map((f) => [0x60, ...vector(f.params.map((t) => [t])), ...vector(f.results.map((t) => [t]))]);
  const code = functions.map((f) => {
    const body = [...vector(f.locals.map(([count, type]) => [...uleb(count), type])), ...f.body, ...END];
    return [...uleb(body.length), ...body];
  });
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vector(functions.map((_, i) => uleb(i)))),
    ...section(7, vector(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vector(code)),
  ]);
}
