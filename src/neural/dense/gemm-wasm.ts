/**
 * A single-precision matrix product in WebAssembly SIMD, assembled here byte by byte (the project takes no
 * compiler toolchain): `gemm(a, b, c, m, k, n, accumulate)` computes C (m×n) = A (m×k) · B (k×n), or adds
 * it to C when `accumulate` is 1; all row-major float32 in the module's imported memory, pointers in bytes.
 * m must be a multiple of 4 and n of 8: callers pad. Each 4×8 tile of C lives in eight f32x4 registers
 * while k runs, so every loaded value of B serves four rows and every broadcast value of A eight columns.
 */

const I32 = 0x7f;
const V128 = 0x7b;

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

// The instructions the kernel uses.
const get = (local: number): number[] => [0x20, ...uleb(local)];
const set = (local: number): number[] => [0x21, ...uleb(local)];
const i32 = (value: number): number[] => [0x41, ...sleb(value)];
const ADD = [0x6a];
const SUB = [0x6b];
const MUL = [0x6c];
const SHL = [0x74];
const GE_U = [0x4f];
const EQZ = [0x45];
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const IF = [0x04, 0x40];
const ELSE = [0x05];
const END = [0x0b];
const br = (depth: number): number[] => [0x0c, ...uleb(depth)];
const brIf = (depth: number): number[] => [0x0d, ...uleb(depth)];
const simd = (op: number, ...immediates: number[]): number[] => [0xfd, ...uleb(op), ...immediates];
/** memarg: log2 alignment, then offset. */
const v128Load = (offset = 0): number[] => simd(0x00, 4, ...uleb(offset));
const v128Store = (offset = 0): number[] => simd(0x0b, 4, ...uleb(offset));
const LOAD32_SPLAT = simd(0x09, 2, 0);
const V128_ZERO = simd(0x0c, ...new Array<number>(16).fill(0));
const F32X4_ADD = simd(0xe4);
const F32X4_MUL = simd(0xe6);

// Parameters, then locals, in index order: nine i32 locals, then eleven v128.
const [A, B, C, M, K, N, ACCUMULATE] = [0, 1, 2, 3, 4, 5, 6];
const [ROW, COL, STEPS, PA, PB, PC, A_STRIDE, C_STRIDE, ADDRESS] = [7, 8, 9, 10, 11, 12, 13, 14, 15];
const TILE = [16, 17, 18, 19, 20, 21, 22, 23];
const [B_LOW, B_HIGH, SPLAT] = [24, 25, 26];
const LOCALS = vector([[...uleb(9), I32], [...uleb(11), V128]]);

/** Pushes `base + r × stride`. */
const rowAddress = (base: number, stride: number, r: number): number[] =>
  r === 0 ? get(base) : [...get(base), ...get(stride), ...i32(r), ...MUL, ...ADD];

/** For each of the tile's four rows: its address in ADDRESS, then `body(r)`; TILE[2r], TILE[2r + 1] hold row r. */
const eachRow = (base: number, stride: number, body: (r: number) => number[]): number[] =>
  [0, 1, 2, 3].flatMap((r) => [...rowAddress(base, stride, r), ...set(ADDRESS), ...body(r)]);

const halves = (body: (half: number) => number[]): number[] => [0, 1].flatMap(body);

function gemmBody(): number[] {
  const loadTile = eachRow(PC, C_STRIDE, (r) => halves((h) => [...get(ADDRESS), ...v128Load(16 * h), ...set(TILE[2 * r + h])]));
  const zeroTile = TILE.flatMap((t) => [...V128_ZERO, ...set(t)]);
  const storeTile = eachRow(PC, C_STRIDE, (r) => halves((h) => [...get(ADDRESS), ...get(TILE[2 * r + h]), ...v128Store(16 * h)]));
  // TILE[2r + h] += A[row + r, k] · B[k, col + 4h .. col + 4h + 4]
  const multiplyAdd = eachRow(PA, A_STRIDE, (r) => [
    ...get(ADDRESS), ...LOAD32_SPLAT, ...set(SPLAT),
    ...halves((h) => [...get(TILE[2 * r + h]), ...get(SPLAT), ...get(h === 0 ? B_LOW : B_HIGH), ...F32X4_MUL, ...F32X4_ADD, ...set(TILE[2 * r + h])]),
  ]);
  const kLoop = [
    ...get(K), ...set(STEPS),
    ...get(A), ...get(ROW), ...get(A_STRIDE), ...MUL, ...ADD, ...set(PA),
    ...get(B), ...get(COL), ...i32(2), ...SHL, ...ADD, ...set(PB),
    ...BLOCK, ...LOOP,
    ...get(STEPS), ...EQZ, ...brIf(1),
    ...get(PB), ...v128Load(0), ...set(B_LOW),
    ...get(PB), ...v128Load(16), ...set(B_HIGH),
    ...multiplyAdd,
    ...get(PA), ...i32(4), ...ADD, ...set(PA),
    ...get(PB), ...get(C_STRIDE), ...ADD, ...set(PB),
    ...get(STEPS), ...i32(1), ...SUB, ...set(STEPS),
    ...br(0), ...END, ...END,
  ];
  const colLoop = [
    ...i32(0), ...set(COL),
    ...BLOCK, ...LOOP,
    ...get(COL), ...get(N), ...GE_U, ...brIf(1),
    ...get(C), ...get(ROW), ...get(C_STRIDE), ...MUL, ...ADD, ...get(COL), ...i32(2), ...SHL, ...ADD, ...set(PC),
    ...get(ACCUMULATE), ...IF, ...loadTile, ...ELSE, ...zeroTile, ...END,
    ...kLoop,
    ...storeTile,
    ...get(COL), ...i32(8), ...ADD, ...set(COL),
    ...br(0), ...END, ...END,
  ];
  return [
    ...get(K), ...i32(2), ...SHL, ...set(A_STRIDE),
    ...get(N), ...i32(2), ...SHL, ...set(C_STRIDE),
    ...i32(0), ...set(ROW),
    ...BLOCK, ...LOOP,
    ...get(ROW), ...get(M), ...GE_U, ...brIf(1),
    ...colLoop,
    ...get(ROW), ...i32(4), ...ADD, ...set(ROW),
    ...br(0), ...END, ...END,
  ];
}

/** The module: imports `env.memory`, exports `gemm`. */
function moduleBytes(): Uint8Array {
  const gemmType = [0x60, ...vector(new Array<number[]>(7).fill([I32])), ...vector([])];
  const memoryImport = [...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)];
  const body = [...LOCALS, ...gemmBody(), ...END];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector([gemmType])),
    ...section(2, vector([memoryImport])),
    ...section(3, vector([uleb(0)])),
    ...section(7, vector([[...name('gemm'), 0x00, ...uleb(0)]])),
    ...section(10, vector([[...uleb(body.length), ...body]])),
  ]);
}

export type Gemm = (a: number, b: number, c: number, m: number, k: number, n: number, accumulate: 0 | 1) => void;

/** A module's linear memory: `buffer` is replaced when it grows. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The part of the WebAssembly API used here (the project's `lib` has no DOM typings, which declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}

const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
let compiled: object | undefined;

/** False where WebAssembly SIMD is unavailable, so that callers keep the TensorFlow.js path. */
export function gemmAvailable(): boolean {
  try {
    compiled ??= new wasm.Module(moduleBytes());
    return true;
  } catch {
    return false;
  }
}

export const PAGE_BYTES = 65536;

/** A fresh memory of at least `bytes` and the kernel bound to it; {@link gemmAvailable} must be true. */
export function createGemm(bytes: number): { memory: WasmMemory; gemm: Gemm } {
  compiled ??= new wasm.Module(moduleBytes());
  const memory = new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE_BYTES)) });
  const instance = new wasm.Instance(compiled, { env: { memory } });
  return { memory, gemm: instance.exports.gemm as Gemm };
}
