import { packArrays, unpackArrays } from '../../../src/topology/mixing/raw-arrays';
import { contributionRecords, createMixReader } from '../../../src/topology/mixing/mix-records';
import type { TypedArray } from '../../../src/state';

const arrays = (): Record<string, TypedArray> => ({
  'model/weights': Float64Array.from([1.5, -0, NaN, Infinity, -Infinity, 5e-324]),
  'scaler/n': Float32Array.from([3.25]),
  counts: Int32Array.from([-7, 2 ** 31 - 1]),
  ids: Uint32Array.from([2 ** 32 - 1]),
  short: Int16Array.from([-300]),
  ushort: Uint16Array.from([65535, 1, 2]),
  bytes: Int8Array.from([-128, 127, 0]),
  flags: Uint8Array.from([255]),
  empty: new Float64Array(0),
});

describe('raw arrays (contribution payloads)', () => {
  it('give back every dtype bit for bit, each array a copy of its own, from a view into a larger buffer too', () => {
    const source = arrays();
    const backing = new Float64Array(10);
    backing.set([9, 8, 7, 6], 3);
    source.view = backing.subarray(3, 7);
    const { directory, bytes } = packArrays(source);
    const back = unpackArrays(JSON.parse(JSON.stringify(directory)), bytes, 'mix@3');
    expect(Object.keys(back)).toEqual(Object.keys(source));
    for (const [name, array] of Object.entries(source)) {
      expect(back[name].constructor).toBe(array.constructor);
      expect(Buffer.from(back[name].buffer, back[name].byteOffset, back[name].byteLength)).toEqual(
        Buffer.from(array.buffer, array.byteOffset, array.byteLength),
      );
      expect(back[name].byteOffset).toBe(0);
      expect(back[name].buffer).not.toBe(bytes.buffer);
    }
    expect(Object.is(back['model/weights'][1], -0)).toBe(true);
  });

  it('refuses, in one line naming where, a directory that is not one or does not fit the bytes', () => {
    const { directory, bytes } = packArrays({ w: Float64Array.from([1, 2]) });
    expect(() => unpackArrays({ w: 1 }, bytes, 'mix@1')).toThrow("mix@1: the raw arrays' directory is not a list of [name, dtype, length]");
    expect(() => unpackArrays([['w', 'float128', 2]], bytes, 'mix@2')).toThrow('mix@2: the raw arrays');
    expect(() => unpackArrays([['w', 'float64', 3]], bytes, 'mix@3')).toThrow('mix@3: raw array "w" (3 float64) runs past the 16-byte payload');
    expect(() => unpackArrays([['w', 'float64', 1]], bytes, 'mix@4')).toThrow('mix@4: the raw arrays end at byte 8 of a 16-byte payload');
    expect(unpackArrays(directory, bytes, 'mix@5').w).toEqual(Float64Array.from([1, 2]));
  });

  it('travel in a contribution whose payload is checked by its SHA-256: a changed byte is refused and skipped', () => {
    const state = { kind: 'LinearRegression', version: 1, config: {}, arrays: { weights: Float64Array.from([1, 2, 3]) } };
    const contribution = {
      generation: 1,
      base: 0,
      member: 'a',
      partitions: [0],
      learned: 1,
      consumed: 1,
      offsets: [],
      examplesSeen: 1,
      metrics: {},
      metricState: {},
      state,
    };
    const [record] = contributionRecords('m', contribution);
    const value = Buffer.from(record.value as Buffer);
    const skipped: string[] = [];
    const read = createMixReader('m', (reason) => skipped.push(reason));
    value[value.length - 1] ^= 1;
    expect(read({ key: record.key as string, value }, 'mix@7')).toBeUndefined();
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatch(/^mix@7: checkpoint m~g1~b0~a v1: payload SHA-256 [0-9a-f]{64} does not match manifest [0-9a-f]{64}$/);
    value[value.length - 1] ^= 1;
    const event = read({ key: record.key as string, value }, 'mix@8');
    expect(event?.type === 'contribution' && Array.from(event.contribution.state.arrays.weights)).toEqual([1, 2, 3]);
  });
});
