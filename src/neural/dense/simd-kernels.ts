/**
 * The dense path's WebAssembly SIMD kernels, over float32 in the module's imported memory (pointers and
 * strides in bytes):
 *
 * - `gemm(a, b, c, m, k, n, start, aRow, aCol, bias)`: C (m×n, row-major) = S + A·B, S being zero
 *   (`start` 0), C itself (1), or the row vector at `bias` in every row (2). B is k×n row-major; A's
 *   element (i, t) is at `a + i·aRow + t·aCol`, so A may be read transposed (aRow = 4, aCol = row bytes),
 *   or as one row repeated (aRow = 0), without copying it. m must be a multiple of 4 and n of 8: callers
 *   pad. Each 4×8 tile of C stays in eight f32x4 registers while t runs, so every loaded vector of B
 *   serves four rows and every broadcast element of A eight columns.
 * - `adam(params, gradients, size, beta1, beta2, mCorrection, vCorrection, epsilon, learningRate)`: one
 *   Adam step over `size` floats (a multiple of 4), the first moments right after the parameters and the
 *   second moments after those, in tfjs's arithmetic; returns 1 when every updated parameter is finite.
 * - `relu(x, count)` in place, and `reluBack(deltas, outputs, count)`: deltas zeroed where the relu output
 *   is not positive; `count` a multiple of 4.
 * - `transpose(from, rows, cols, to)`: the rows×cols matrix at `from`, transposed (cols×rows) at `to`, in
 *   4×4 blocks of shuffles; rows and cols multiples of 4.
 */

import {
  ADD,
  assemble,
  BLOCK,
  br,
  brIf,
  ELSE,
  END,
  EQ,
  EQZ,
  F32,
  F32X4_ADD,
  F32X4_DIV,
  F32X4_EQ,
  F32X4_MUL,
  F32X4_SPLAT,
  F32X4_SQRT,
  F32X4_SUB,
  f32x4Const,
  F32X4_GT,
  F32X4_MAX,
  GE_U,
  get,
  I32,
  i32,
  I32X4_ALL_TRUE,
  IF,
  LOAD32_SPLAT,
  LOOP,
  MUL,
  set,
  SHL,
  shuffle,
  SUB,
  V128,
  V128_AND,
  V128_ZERO,
  v128Load,
  v128Store,
  type WasmFunction,
} from './wasm-assembler';

/** `gemm`'s parameters, then its locals: eight i32, then eleven v128. */
const [A, B, C, M, K, N, START, A_ROW, A_COL, BIAS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const [ROW, COL, STEPS, PA, PB, PC, C_STRIDE, ADDRESS] = [10, 11, 12, 13, 14, 15, 16, 17];
const TILE = [18, 19, 20, 21, 22, 23, 24, 25];
const [B_LOW, B_HIGH, SPLAT] = [26, 27, 28];

/** Pushes `base + r × stride`. */
const rowAddress = (base: number, stride: number, r: number): number[] => (r === 0 ? get(base) : [...get(base), ...get(stride), ...i32(r), ...MUL, ...ADD]);

/** For each of the tile's four rows: its address into ADDRESS, then `body(r)`; TILE[2r], TILE[2r + 1] hold row r. */
const eachRow = (base: number, stride: number, body: (r: number) => number[]): number[] =>
  [0, 1, 2, 3].flatMap((r) => [...rowAddress(base, stride, r), ...set(ADDRESS), ...body(r)]);

const halves = (body: (half: number) => number[]): number[] => [0, 1].flatMap(body);

/** `value += step`, for an i32 local and a constant or local step. */
const advance = (local: number, step: number[]): number[] => [...get(local), ...step, ...ADD, ...set(local)];

const whileBelow = (counter: number, limit: number, body: number[]): number[] => [
  ...BLOCK,
  ...LOOP,
  ...get(counter),
  ...get(limit),
  ...GE_U,
  ...brIf(1),
  ...body,
  ...br(0),
  ...END,
  ...END,
];

function gemmBody(): number[] {
  const loadTile = eachRow(PC, C_STRIDE, (r) => halves((h) => [...get(ADDRESS), ...v128Load(16 * h), ...set(TILE[2 * r + h])]));
  const zeroTile = TILE.flatMap((t) => [...V128_ZERO, ...set(t)]);
  const biasTile = [
    ...get(BIAS),
    ...get(COL),
    ...i32(2),
    ...SHL,
    ...ADD,
    ...set(ADDRESS),
    ...TILE.flatMap((t, i) => [...get(ADDRESS), ...v128Load(16 * (i % 2)), ...set(t)]),
  ];
  const storeTile = eachRow(PC, C_STRIDE, (r) => halves((h) => [...get(ADDRESS), ...get(TILE[2 * r + h]), ...v128Store(16 * h)]));
  // TILE[2r + h] += A(row + r, t) · B(t, col + 4h .. col + 4h + 3)
  const multiplyAdd = eachRow(PA, A_ROW, (r) => [
    ...get(ADDRESS),
    ...LOAD32_SPLAT,
    ...set(SPLAT),
    ...halves((h) => [...get(TILE[2 * r + h]), ...get(SPLAT), ...get(h === 0 ? B_LOW : B_HIGH), ...F32X4_MUL, ...F32X4_ADD, ...set(TILE[2 * r + h])]),
  ]);
  const innerLoop = [
    ...get(K),
    ...set(STEPS),
    ...get(A),
    ...get(ROW),
    ...get(A_ROW),
    ...MUL,
    ...ADD,
    ...set(PA),
    ...get(B),
    ...get(COL),
    ...i32(2),
    ...SHL,
    ...ADD,
    ...set(PB),
    ...BLOCK,
    ...LOOP,
    ...get(STEPS),
    ...EQZ,
    ...brIf(1),
    ...get(PB),
    ...v128Load(0),
    ...set(B_LOW),
    ...get(PB),
    ...v128Load(16),
    ...set(B_HIGH),
    ...multiplyAdd,
    ...advance(PA, get(A_COL)),
    ...advance(PB, get(C_STRIDE)),
    ...get(STEPS),
    ...i32(1),
    ...SUB,
    ...set(STEPS),
    ...br(0),
    ...END,
    ...END,
  ];
  const columns = [
    ...i32(0),
    ...set(COL),
    ...whileBelow(COL, N, [
      ...get(C),
      ...get(ROW),
      ...get(C_STRIDE),
      ...MUL,
      ...ADD,
      ...get(COL),
      ...i32(2),
      ...SHL,
      ...ADD,
      ...set(PC),
      ...get(START),
      ...i32(1),
      ...EQ,
      ...IF,
      ...loadTile,
      ...ELSE,
      ...get(START),
      ...IF,
      ...biasTile,
      ...ELSE,
      ...zeroTile,
      ...END,
      ...END,
      ...innerLoop,
      ...storeTile,
      ...advance(COL, i32(8)),
    ]),
  ];
  return [...get(N), ...i32(2), ...SHL, ...set(C_STRIDE), ...i32(0), ...set(ROW), ...whileBelow(ROW, M, [...columns, ...advance(ROW, i32(4))])];
}

const GEMM: WasmFunction = {
  name: 'gemm',
  params: new Array<number>(10).fill(I32),
  results: [],
  locals: [
    [8, I32],
    [11, V128],
  ],
  body: gemmBody(),
};

/** `adam`'s parameters, then its locals: five i32, then fourteen v128. */
const [PARAMS, GRADIENTS, SIZE, BETA1, BETA2, M_CORRECTION, V_CORRECTION, EPSILON, LEARNING_RATE] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const [P, G, END_P, PM, PV] = [9, 10, 11, 12, 13];
const [B1, ONE_MINUS_B1, B2, ONE_MINUS_B2, MC, VC, EPS, MINUS_LR, GRAD, MOMENT, SQUARE, WEIGHT, CHECK, ONE] = [
  14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
];

const splat = (from: number, to: number): number[] => [...get(from), ...F32X4_SPLAT, ...set(to)];

function adamBody(): number[] {
  const sizeBytes = [...get(SIZE), ...i32(2), ...SHL];
  return [
    ...splat(BETA1, B1),
    ...splat(BETA2, B2),
    ...splat(M_CORRECTION, MC),
    ...splat(V_CORRECTION, VC),
    ...splat(EPSILON, EPS),
    ...splat(LEARNING_RATE, MINUS_LR),
    ...V128_ZERO,
    ...get(MINUS_LR),
    ...F32X4_SUB,
    ...set(MINUS_LR),
    ...f32x4Const(1),
    ...set(ONE),
    ...get(ONE),
    ...get(B1),
    ...F32X4_SUB,
    ...set(ONE_MINUS_B1),
    ...get(ONE),
    ...get(B2),
    ...F32X4_SUB,
    ...set(ONE_MINUS_B2),
    ...V128_ZERO,
    ...set(CHECK),
    ...get(PARAMS),
    ...set(P),
    ...get(GRADIENTS),
    ...set(G),
    ...get(PARAMS),
    ...sizeBytes,
    ...ADD,
    ...set(END_P),
    ...get(END_P),
    ...set(PM),
    ...get(END_P),
    ...sizeBytes,
    ...ADD,
    ...set(PV),
    ...whileBelow(P, END_P, [
      ...get(G),
      ...v128Load(0),
      ...set(GRAD),
      // m = m·β1 + g·(1 − β1)
      ...get(PM),
      ...get(PM),
      ...v128Load(0),
      ...get(B1),
      ...F32X4_MUL,
      ...get(GRAD),
      ...get(ONE_MINUS_B1),
      ...F32X4_MUL,
      ...F32X4_ADD,
      ...set(MOMENT),
      ...get(MOMENT),
      ...v128Store(0),
      // v = v·β2 + g²·(1 − β2)
      ...get(PV),
      ...get(PV),
      ...v128Load(0),
      ...get(B2),
      ...F32X4_MUL,
      ...get(GRAD),
      ...get(GRAD),
      ...F32X4_MUL,
      ...get(ONE_MINUS_B2),
      ...F32X4_MUL,
      ...F32X4_ADD,
      ...set(SQUARE),
      ...get(SQUARE),
      ...v128Store(0),
      // w = (m̂ / (√v̂ + ε)) · −lr + w
      ...get(MOMENT),
      ...get(MC),
      ...F32X4_DIV,
      ...get(SQUARE),
      ...get(VC),
      ...F32X4_DIV,
      ...F32X4_SQRT,
      ...get(EPS),
      ...F32X4_ADD,
      ...F32X4_DIV,
      ...get(MINUS_LR),
      ...F32X4_MUL,
      ...get(P),
      ...v128Load(0),
      ...F32X4_ADD,
      ...set(WEIGHT),
      ...get(P),
      ...get(WEIGHT),
      ...v128Store(0),
      // w − w is NaN exactly when w is NaN or infinite; CHECK collects it.
      ...get(CHECK),
      ...get(WEIGHT),
      ...get(WEIGHT),
      ...F32X4_SUB,
      ...F32X4_ADD,
      ...set(CHECK),
      ...advance(P, i32(16)),
      ...advance(G, i32(16)),
      ...advance(PM, i32(16)),
      ...advance(PV, i32(16)),
    ]),
    ...get(CHECK),
    ...get(CHECK),
    ...F32X4_EQ,
    ...I32X4_ALL_TRUE,
  ];
}

const ADAM: WasmFunction = {
  name: 'adam',
  params: [I32, I32, I32, F32, F32, F32, F32, F32, F32],
  results: [I32],
  locals: [
    [5, I32],
    [14, V128],
  ],
  body: adamBody(),
};

/** How `gemm` starts C: from zero, from C itself (accumulating), or from the bias row in every row. */
export const GemmStart = { zero: 0, accumulate: 1, bias: 2 } as const;
export type GemmStart = (typeof GemmStart)[keyof typeof GemmStart];

/** `relu(x, count)`: parameters, then the end pointer. */
const RELU: WasmFunction = {
  name: 'relu',
  params: [I32, I32],
  results: [],
  locals: [[1, I32]],
  body: [
    ...get(0),
    ...get(1),
    ...i32(2),
    ...SHL,
    ...ADD,
    ...set(2),
    ...whileBelow(0, 2, [...get(0), ...get(0), ...v128Load(0), ...V128_ZERO, ...F32X4_MAX, ...v128Store(0), ...advance(0, i32(16))]),
  ],
};

/** `reluBack(deltas, outputs, count)`: parameters, then the end pointer. */
const RELU_BACK: WasmFunction = {
  name: 'reluBack',
  params: [I32, I32, I32],
  results: [],
  locals: [[1, I32]],
  body: [
    ...get(0),
    ...get(2),
    ...i32(2),
    ...SHL,
    ...ADD,
    ...set(3),
    ...whileBelow(0, 3, [
      ...get(0),
      ...get(0),
      ...v128Load(0),
      ...get(1),
      ...v128Load(0),
      ...V128_ZERO,
      ...F32X4_GT,
      ...V128_AND,
      ...v128Store(0),
      ...advance(0, i32(16)),
      ...advance(1, i32(16)),
    ]),
  ],
};

/** `transpose(from, rows, cols, to)`'s parameters, then its locals: four i32, then eight v128. */
const [FROM, ROWS, COLS, TO] = [0, 1, 2, 3];
const [R, CC, SRC, ROW_BYTES] = [4, 5, 6, 7];
const [IN0, IN1, IN2, IN3, PAIR01_LOW, PAIR01_HIGH, PAIR23_LOW, PAIR23_HIGH] = [8, 9, 10, 11, 12, 13, 14, 15];
const bytes = (lane: number): number[] => [4 * lane, 4 * lane + 1, 4 * lane + 2, 4 * lane + 3];
/** Lanes (x0 y0 x1 y1) and (x2 y2 x3 y3) of rows x, y; then (x0 y0 z0 w0)… from those pairs. */
const INTERLEAVE_LOW = shuffle([...bytes(0), ...bytes(4), ...bytes(1), ...bytes(5)]);
const INTERLEAVE_HIGH = shuffle([...bytes(2), ...bytes(6), ...bytes(3), ...bytes(7)]);
const HALVES_LOW = shuffle([...bytes(0), ...bytes(1), ...bytes(4), ...bytes(5)]);
const HALVES_HIGH = shuffle([...bytes(2), ...bytes(3), ...bytes(6), ...bytes(7)]);

function transposeBody(): number[] {
  // Block (R, CC): input rows R..R+3 at columns CC..CC+3; output row CC + i at column R.
  const loadRow = (i: number, into: number): number[] => [
    ...get(SRC),
    ...(i === 0 ? [] : [...get(ROW_BYTES), ...i32(i), ...MUL, ...ADD]),
    ...v128Load(0),
    ...set(into),
  ];
  const storeRow = (i: number, value: number[]): number[] => [
    ...get(TO),
    ...get(CC),
    ...i32(i),
    ...ADD,
    ...get(ROWS),
    ...MUL,
    ...get(R),
    ...ADD,
    ...i32(2),
    ...SHL,
    ...ADD,
    ...value,
    ...v128Store(0),
  ];
  return [
    ...get(COLS),
    ...i32(2),
    ...SHL,
    ...set(ROW_BYTES),
    ...i32(0),
    ...set(R),
    ...whileBelow(R, ROWS, [
      ...i32(0),
      ...set(CC),
      ...whileBelow(CC, COLS, [
        ...get(FROM),
        ...get(R),
        ...get(ROW_BYTES),
        ...MUL,
        ...ADD,
        ...get(CC),
        ...i32(2),
        ...SHL,
        ...ADD,
        ...set(SRC),
        ...loadRow(0, IN0),
        ...loadRow(1, IN1),
        ...loadRow(2, IN2),
        ...loadRow(3, IN3),
        ...get(IN0),
        ...get(IN1),
        ...INTERLEAVE_LOW,
        ...set(PAIR01_LOW),
        ...get(IN0),
        ...get(IN1),
        ...INTERLEAVE_HIGH,
        ...set(PAIR01_HIGH),
        ...get(IN2),
        ...get(IN3),
        ...INTERLEAVE_LOW,
        ...set(PAIR23_LOW),
        ...get(IN2),
        ...get(IN3),
        ...INTERLEAVE_HIGH,
        ...set(PAIR23_HIGH),
        ...storeRow(0, [...get(PAIR01_LOW), ...get(PAIR23_LOW), ...HALVES_LOW]),
        ...storeRow(1, [...get(PAIR01_LOW), ...get(PAIR23_LOW), ...HALVES_HIGH]),
        ...storeRow(2, [...get(PAIR01_HIGH), ...get(PAIR23_HIGH), ...HALVES_LOW]),
        ...storeRow(3, [...get(PAIR01_HIGH), ...get(PAIR23_HIGH), ...HALVES_HIGH]),
        ...advance(CC, i32(4)),
      ]),
      ...advance(R, i32(4)),
    ]),
  ];
}

const TRANSPOSE: WasmFunction = {
  name: 'transpose',
  params: [I32, I32, I32, I32],
  results: [],
  locals: [
    [4, I32],
    [8, V128],
  ],
  body: transposeBody(),
};

const KERNELS = [GEMM, ADAM, RELU, RELU_BACK, TRANSPOSE];

export type Gemm = (a: number, b: number, c: number, m: number, k: number, n: number, start: GemmStart, aRow: number, aCol: number, bias: number) => void;
export type Adam = (
  params: number,
  gradients: number,
  size: number,
  beta1: number,
  beta2: number,
  mCorrection: number,
  vCorrection: number,
  epsilon: number,
  learningRate: number,
) => number;

export interface SimdKernels {
  /** The module's memory as floats; a fresh memory is made for every `createKernels`, never grown. */
  memory: Float32Array;
  gemm: Gemm;
  adam: Adam;
  relu: (x: number, count: number) => void;
  reluBack: (deltas: number, outputs: number, count: number) => void;
  transpose: (from: number, rows: number, cols: number, to: number) => void;
}

/** The part of the WebAssembly API used here (the project's `lib` has no DOM typings, which declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
}

const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
const PAGE_BYTES = 65536;
let compiled: object | undefined;

/** False where WebAssembly SIMD is unavailable, so that callers keep the TensorFlow.js path. */
export function simdAvailable(): boolean {
  try {
    compiled ??= new wasm.Module(assemble(KERNELS));
    return true;
  } catch {
    return false;
  }
}

/** The kernels over a fresh memory of `floats` floats; {@link simdAvailable} must be true. */
export function createKernels(floats: number): SimdKernels {
  compiled ??= new wasm.Module(assemble(KERNELS));
  const memory = new wasm.Memory({ initial: Math.max(1, Math.ceil((4 * floats) / PAGE_BYTES)) });
  const { exports } = new wasm.Instance(compiled, { env: { memory } });
  return {
    memory: new Float32Array(memory.buffer, 0, floats),
    gemm: exports.gemm as Gemm,
    adam: exports.adam as Adam,
    relu: exports.relu as SimdKernels['relu'],
    reluBack: exports.reluBack as SimdKernels['reluBack'],
    transpose: exports.transpose as SimdKernels['transpose'],
  };
}
