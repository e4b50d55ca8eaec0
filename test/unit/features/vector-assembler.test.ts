import '../../../src/builtins';
import { ConfigError, DecodeError, NonFiniteError } from '../../../src/errors';
import { stageFromState } from '../../../src/features/registry';
import type { Row } from '../../../src/features/stage';
import { createVectorAssembler, type VectorAssemblerConfig } from '../../../src/features/vector-assembler';

function assemble(config: VectorAssemblerConfig, record: Row): { kept: boolean; row: Row } {
  const row = { ...record };
  const kept = createVectorAssembler(config).transform(row);
  return { kept, row };
}

const sparse = (size: number, entries: [number, number][]) => ({
  size,
  indices: Int32Array.from(entries, ([i]) => i),
  values: Float64Array.from(entries, ([, v]) => v),
});

describe('createVectorAssembler', () => {
  const config = { inputCols: ['age', 'member', 'scores'], vectorSizes: { scores: 3 } };

  it('concatenates numbers, booleans and vectors in column order into a dense vector', () => {
    const { kept, row } = assemble(config, { age: 31, member: true, scores: [0.5, 0, -2] });
    expect(kept).toBe(true);
    expect(row.features).toEqual(Float64Array.from([31, 1, 0.5, 0, -2]));
    expect(assemble(config, { age: 1, member: false, scores: Float32Array.from([1, 2, 3]) }).row.features).toEqual(Float64Array.from([1, 0, 1, 2, 3]));
  });

  it('emits a sparse vector with shifted indices when an input is sparse', () => {
    const { row } = assemble(
      { inputCols: ['a', 'hashed', 'b'], vectorSizes: { hashed: 8 } },
      {
        a: 2,
        hashed: sparse(8, [
          [1, 5],
          [7, -1],
        ]),
        b: 0,
      },
    );
    expect(row.features).toEqual(
      sparse(10, [
        [0, 2],
        [2, 5],
        [8, -1],
      ]),
    );
  });

  it("'error' throws naming the column and the value", () => {
    expect(() => assemble(config, { age: null, member: true, scores: [1, 2, 3] })).toThrow(DecodeError);
    expect(() => assemble(config, { member: true, scores: [1, 2, 3] })).toThrow(/column "age" is missing \(undefined\)/);
    expect(() => assemble(config, { age: NaN, member: true, scores: [1, 2, 3] })).toThrow(NonFiniteError);
    expect(() => assemble(config, { age: 1, member: true, scores: [1, Infinity, 3] })).toThrow(/"scores" holds Infinity at 1/);
  });

  it("'skip' drops the row without writing the output", () => {
    const skip = { ...config, handleInvalid: 'skip' as const };
    for (const record of [
      { age: NaN, member: true, scores: [1, 2, 3] },
      { age: 1, member: true, scores: null },
    ]) {
      const { kept, row } = assemble(skip, record);
      expect(kept).toBe(false);
      expect(row).not.toHaveProperty('features');
    }
  });

  it("'keep' fills the invalid column's slots with NaN", () => {
    const keep = { ...config, handleInvalid: 'keep' as const };
    expect(assemble(keep, { age: undefined, member: true, scores: [1, 2, 3] }).row.features).toEqual(Float64Array.from([NaN, 1, 1, 2, 3]));
    expect(assemble(keep, { age: 4, member: true }).row.features).toEqual(Float64Array.from([4, 1, NaN, NaN, NaN]));
  });

  it('throws on a wrong type or width in every mode', () => {
    for (const handleInvalid of ['error', 'skip', 'keep'] as const) {
      const modeConfig = { ...config, handleInvalid };
      expect(() => assemble(modeConfig, { age: '31', member: true, scores: [1, 2, 3] })).toThrow(/"age" must hold a number or boolean, got "31"/);
      expect(() => assemble(modeConfig, { age: 1, member: true, scores: [1, 2] })).toThrow(/"scores" must hold a vector of width 3, got width 2/);
      expect(() => assemble(modeConfig, { age: 1, member: true, scores: sparse(9, [[8, 1]]) })).toThrow(/got index 8/);
    }
  });

  it('validates its config and round-trips it through state', () => {
    expect(() => createVectorAssembler({ inputCols: ['a'], vectorSizes: { b: 2 } })).toThrow(/"b", which is not an input/);
    expect(() => createVectorAssembler({ inputCols: ['a'], vectorSizes: { a: 0 } })).toThrow(ConfigError);
    expect(() => createVectorAssembler({ inputCols: ['a'], handleInvalid: 'drop' as never })).toThrow(/handleInvalid/);
    const restored = stageFromState(JSON.parse(JSON.stringify(createVectorAssembler({ ...config, handleInvalid: 'skip' }).state())));
    expect(restored.transform({ age: null, member: true, scores: [1, 2, 3] })).toBe(false);
  });
});
