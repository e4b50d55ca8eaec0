import '../../../src/builtins';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { readPayload, arraysToArrow } from '../../../src/checkpoints/arrow-arrays';
import { buildCheckpoint, openCheckpoint, sha256 } from '../../../src/checkpoints/envelope';
import { CheckpointError } from '../../../src/errors';
import { densify, sparseEntries, SPARSE_MIN_LENGTH } from '../../../src/checkpoints/sparse';
import { ctrEventStream } from '../../../src/datasets/ctr-events';
import type { Row } from '../../../src/features/stage';
import { fromState } from '../../../src/learners';
import type { TypedArray } from '../../../src/state';
import { ctrLogistic } from '../../../topologies/ctr-logistic';

const fields = { modelId: 'sparse-test', version: 1, offsets: [], examplesSeen: 0, metrics: {} };
const bytesOf = (a: TypedArray) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function trainedCtr(n: number) {
  const model = ctrLogistic().config.model();
  const events = ctrEventStream({ seed: 3 });
  const xs: Row[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const event = events.next().value as unknown as Row;
    xs.push(event);
    ys.push(event.label as number);
  }
  for (let i = 0; i < n; i += 500) model.learnMany(xs.slice(i, i + 500), ys.slice(i, i + 500));
  return { model, probe: xs.slice(0, 200) };
}

describe('sparse payload arrays', () => {
  it('restores a trained ctr-logistic from its sparse payload bit for bit, and predicts the same', () => {
    const { model, probe } = trainedCtr(3000);
    const state = model.state();
    const { manifest, payload } = buildCheckpoint(fields, state);
    const denseBytes = Object.values(state.arrays).reduce((sum, a) => sum + a.byteLength, 0);
    // 3 float32 arrays of 2^19 + 1 entries, a few hundred touched: well under 1% of the dense bytes.
    expect(payload.byteLength).toBeLessThan(denseBytes / 100);
    const table = tableFromIPC(payload);
    const encodings = Object.fromEntries(
      table
        .getChild('name')!
        .toArray()
        .map((name: string, i: number) => [name, table.getChild('encoding')!.get(i)]),
    );
    expect(encodings['model/ftrl.z']).toBe('sparse');
    const restored = openCheckpoint(manifest, payload).state;
    expect(Object.keys(restored.arrays).sort()).toEqual(Object.keys(state.arrays).sort());
    for (const [name, array] of Object.entries(state.arrays)) {
      expect(restored.arrays[name].constructor).toBe(array.constructor);
      expect(bytesOf(restored.arrays[name]).equals(bytesOf(array))).toBe(true);
    }
    expect(Array.from(fromState<Row>(restored).predictMany(probe))).toEqual(Array.from(model.predictMany(probe)));
  });

  it('keeps negative zeros, NaN and every dtype exact, and leaves short or dense arrays dense', () => {
    const n = SPARSE_MIN_LENGTH * 2;
    const f64 = new Float64Array(n);
    f64[0] = -0;
    f64[7] = Number.NaN;
    f64[n - 1] = 1e-320;
    const i8 = new Int8Array(n);
    i8[5] = -3;
    const busy = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : i));
    const short = new Float64Array(SPARSE_MIN_LENGTH - 1);
    short[1] = 2;
    const arrays = { f64, i8, busy, short, u32: new Uint32Array(n) };
    const payload = readPayload(arraysToArrow(arrays));
    for (const [name, array] of Object.entries(arrays)) expect(bytesOf(payload.arrays[name]).equals(bytesOf(array))).toBe(true);
    expect(sparseEntries(f64)?.indices).toEqual(Uint32Array.of(0, 7, n - 1));
    expect(sparseEntries(busy)).toBeUndefined();
    expect(sparseEntries(short)).toBeUndefined();
    expect(sparseEntries(new Uint32Array(n))?.indices.length).toBe(0);
  });

  it('goes sparse only when index + value take at most half the dense bytes', () => {
    const n = 4096;
    // float64: 12 bytes an entry against 8 per slot dense, so at most n × 8 / 2 / 12 = 1365 entries.
    const at = (count: number) => Float64Array.from({ length: n }, (_, i) => (i < count ? 1 : 0));
    expect(sparseEntries(at(1365))?.indices.length).toBe(1365);
    expect(sparseEntries(at(1366))).toBeUndefined();
  });

  it('refuses sparse rows with indices out of order, repeated, out of range or unmatched', () => {
    expect(() => densify('w', 4, { indices: Uint32Array.of(2, 1), values: Float64Array.of(1, 2) })).toThrow('"w" has index 1 at entry 1');
    expect(() => densify('w', 4, { indices: Uint32Array.of(1, 1), values: Float64Array.of(1, 2) })).toThrow('index 1 at entry 1');
    expect(() => densify('w', 4, { indices: Uint32Array.of(4), values: Float64Array.of(1) })).toThrow('index 4 at entry 0 (length 4');
    expect(() => densify('w', 4, { indices: Uint32Array.of(1), values: Float64Array.of(1, 2) })).toThrow('has 1 indices but 2 values');
  });

  it('refuses a forged sparse row (index past the end, hash recomputed) by name, without loading anything', () => {
    const weights = new Float64Array(4096);
    weights[0x0abc] = 1.5;
    const { manifest, payload } = buildCheckpoint(fields, { kind: 'TestBlob', version: 1, config: {}, arrays: { weights } });
    const forged = Buffer.from(payload);
    const at = forged.indexOf(Buffer.from(Uint32Array.of(0x0abc).buffer));
    expect(at).toBeGreaterThan(0);
    forged.writeUInt32LE(0x7fff_ffff, at);
    const rehashed = { ...manifest, payloadSha256: sha256(forged) };
    expect(() => openCheckpoint(rehashed, forged, 'topic/0@9')).toThrow(CheckpointError);
    expect(() => openCheckpoint(rehashed, forged, 'topic/0@9')).toThrow(
      'topic/0@9: checkpoint sparse-test v1: checkpoint payload: sparse array "weights" has index 2147483647 at entry 0 (length 4096',
    );
  });

  it('still reads v2 payloads, which have no encoding or indices columns', () => {
    const weights = Float32Array.from({ length: 2048 }, (_, i) => (i === 9 ? 0.5 : 0));
    const v3 = tableFromIPC(arraysToArrow({ weights }));
    // A v3 table of an all-dense state, less the two v3 columns, is what the v2 writer wrote.
    const dense = tableFromIPC(arraysToArrow({ weights: Float32Array.from(weights, (w) => w + 1) }));
    const v2 = dense.select(dense.schema.fields.map((f) => f.name).filter((name) => name !== 'encoding' && name !== 'indices'));
    expect(v3.schema.fields.map((f) => f.name)).toContain('encoding');
    expect(Array.from(readPayload(tableToIPC(v2, 'stream')).arrays.weights)).toEqual(Array.from(weights, (w) => Math.fround(w + 1)));
  });
});
