import '../../../src/builtins';
import { CheckpointError, DecodeError, NonFiniteError } from '../../../src/errors';
import { createOneHotEncoder } from '../../../src/features/one-hot-encoder';
import { stageFromState } from '../../../src/features/registry';
import type { Row, Stage } from '../../../src/features/stage';
import type { SizedSparseVector } from '../../../src/features/vector';

function encode(stage: Stage, record: Row): { size: number; slots: number[] } {
  const row = { ...record };
  stage.transform(row);
  const vector = row.features as SizedSparseVector;
  expect(Array.from(vector.values)).toEqual(new Array(vector.indices.length).fill(1));
  return { size: vector.size, slots: Array.from(vector.indices) };
}

describe('createOneHotEncoder', () => {
  it('caps each vocabulary and sends later and unseen values to the overflow slot', () => {
    const stage = createOneHotEncoder({ inputCols: ['color', 'size'], maxCategories: 2 });
    for (const color of ['red', 'green', 'blue', 'red']) stage.learn({ color, size: 'L' });
    // Each column owns maxCategories + 1 slots.
    expect(encode(stage, { color: 'red', size: 'L' })).toEqual({ size: 6, slots: [0, 3] });
    expect(encode(stage, { color: 'green', size: 'M' })).toEqual({ size: 6, slots: [1, 5] });
    expect(encode(stage, { color: 'blue', size: 'L' })).toEqual({ size: 6, slots: [2, 3] });
    expect(encode(stage, { color: 'never seen', size: null })).toEqual({ size: 6, slots: [2] });
  });

  it('encodes a value first seen in the overflow slot when transformed before learning it', () => {
    const stage = createOneHotEncoder({ inputCols: ['c'], maxCategories: 5 });
    expect(encode(stage, { c: 'new' }).slots).toEqual([5]);
    stage.learn({ c: 'new' });
    expect(encode(stage, { c: 'new' }).slots).toEqual([0]);
  });

  it('takes numbers and booleans by their string form and rejects other values', () => {
    const stage = createOneHotEncoder({ inputCols: ['c'] });
    stage.learn({ c: 1 });
    stage.learn({ c: true });
    expect(encode(stage, { c: '1' }).slots).toEqual([0]);
    expect(encode(stage, { c: 'true' }).slots).toEqual([1]);
    expect(() => stage.learn({ c: NaN })).toThrow(NonFiniteError);
    expect(() => stage.transform({ c: {} })).toThrow(DecodeError);
    expect(() => stage.transform({ c: [] })).toThrow(/"c" must hold a category/);
  });

  it('restores vocabularies, Unicode included, from state', () => {
    const stage = createOneHotEncoder({ inputCols: ['a', 'b'], maxCategories: 3 });
    for (const [a, b] of [
      ['東京', 'x'],
      ['Zürich', 'y'],
      ['😀', 'x'],
      ['extra', 'z'],
    ])
      stage.learn({ a, b });
    const state = stage.state();
    const restored = stageFromState({ ...state, config: JSON.parse(JSON.stringify(state.config)) });
    for (const a of ['東京', 'Zürich', '😀', 'extra']) {
      for (const b of ['x', 'y', 'z', 'w']) expect(encode(restored, { a, b })).toEqual(encode(stage, { a, b }));
    }
    expect(encode(restored, { a: '😀', b: 'z' }).slots).toEqual([2, 6]);
    const { arrays } = stage.state();
    const corrupt = Uint8Array.from(arrays.vocabularyBytes);
    corrupt[0] = 0xff;
    expect(() => stageFromState({ ...stage.state(), arrays: { ...arrays, vocabularyBytes: corrupt } })).toThrow(CheckpointError);
    const duplicated = Uint8Array.from(Buffer.from('xxyz'));
    const offsets = Uint32Array.from([0, 1, 2, 3, 4]);
    const sizes = Int32Array.from([0, 4]);
    expect(() =>
      stageFromState({
        ...stage.state(),
        arrays: { vocabularySizes: sizes, vocabularyOffsets: offsets, vocabularyBytes: duplicated },
      }),
    ).toThrow(/duplicates or exceeds/);
  });
});
