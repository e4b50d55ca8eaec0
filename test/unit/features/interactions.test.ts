import '../../../src/builtins';
import { ConfigError, DecodeError } from '../../../src/errors';
import { createInteractions } from '../../../src/features/interactions';
import { stageFromState } from '../../../src/features/registry';
import type { Row, Stage } from '../../../src/features/stage';
import type { SizedSparseVector } from '../../../src/features/vector';

const sparse = (entries: [number, number][]): SizedSparseVector => ({
  size: 1000,
  indices: Int32Array.from(entries, ([i]) => i),
  values: Float64Array.from(entries, ([, v]) => v),
});

function cross(stage: Stage, record: Row): SizedSparseVector {
  const row = { ...record };
  stage.transform(row);
  return row.interactions as SizedSparseVector;
}

const sorted = (values: ArrayLike<number>) => Array.from(values).sort((a, b) => a - b);

describe('createInteractions', () => {
  const user = sparse([
    [3, 2],
    [10, -1],
  ]);
  const item = sparse([
    [5, 0.5],
    [6, 3],
    [7, -4],
  ]);

  it('adds the product of every entry pair, each at its own hashed slot', () => {
    const vector = cross(createInteractions({ pairs: [['user', 'item']], bits: 24 }), { user, item });
    expect(vector.size).toBe(2 ** 24);
    expect(sorted(vector.values)).toEqual(sorted([2 * 0.5, 2 * 3, 2 * -4, -1 * 0.5, -1 * 3, -1 * -4]));
  });

  it('crosses a column with itself as unordered pairs of distinct entries', () => {
    const vector = cross(createInteractions({ pairs: [['item', 'item']], bits: 24 }), { item });
    expect(sorted(vector.values)).toEqual(sorted([0.5 * 3, 0.5 * -4, 3 * -4]));
  });

  it('hashes (a, b) apart from (b, a), and dense input like its sparse equivalent', () => {
    const forward = cross(createInteractions({ pairs: [['user', 'item']], bits: 24 }), { user, item });
    const backward = cross(createInteractions({ pairs: [['item', 'user']], bits: 24 }), { user, item });
    expect(Array.from(forward.indices)).not.toEqual(Array.from(backward.indices));
    const denseUser = new Float64Array(11);
    denseUser[3] = 2;
    denseUser[10] = -1;
    expect(cross(createInteractions({ pairs: [['user', 'item']], bits: 24 }), { user: denseUser, item })).toEqual(forward);
  });

  it('sums colliding products and depends on the seed', () => {
    const small = cross(createInteractions({ pairs: [['user', 'item']], bits: 1 }), { user, item });
    expect(small.indices.length).toBeLessThanOrEqual(2);
    expect(Array.from(small.values).reduce((a, b) => a + b, 0)).toBeCloseTo((2 - 1) * (0.5 + 3 - 4), 12);
    const seeded = cross(createInteractions({ pairs: [['user', 'item']], bits: 24, seed: 1 }), { user, item });
    const unseeded = cross(createInteractions({ pairs: [['user', 'item']], bits: 24 }), { user, item });
    expect(Array.from(seeded.indices)).not.toEqual(Array.from(unseeded.indices));
  });

  it('skips pairs with a missing column, rejects non-vectors, and round-trips its config', () => {
    const stage = createInteractions({
      pairs: [
        ['user', 'item'],
        ['user', 'user'],
      ],
      bits: 16,
    });
    expect(cross(stage, { user }).values).toEqual(Float64Array.from([-2]));
    expect(() => stage.transform({ user: 'x', item })).toThrow(DecodeError);
    expect(() => stage.transform({ user: [1, 2], item })).toThrow(/"user" must hold a vector/);
    expect(cross(stageFromState(JSON.parse(JSON.stringify(stage.state()))), { user, item })).toEqual(cross(stage, { user, item }));
    expect(() => createInteractions({ pairs: [] })).toThrow(ConfigError);
    expect(() => createInteractions({ pairs: [['a']] as never })).toThrow(/pairs\[0\]/);
  });
});
