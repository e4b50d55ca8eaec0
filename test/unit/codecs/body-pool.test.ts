/**
 * `BodyPool`: a copy lent to a table is never handed out again until the table is given back, and a given-back
 * copy is handed out once.
 */
import { BodyPool } from '../../../connectors/codecs/body-pool';

const bytes = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);

describe('BodyPool', () => {
  it('copies the bytes to offset 0 of a buffer of their own', () => {
    const pool = new BodyPool();
    const source = Buffer.alloc(43);
    source.set(bytes(40, 1), 3);
    const copy = pool.copy(source.subarray(3));
    expect(copy.byteOffset).toBe(0);
    expect(copy.buffer.byteLength).toBe(40);
    expect(copy.buffer).not.toBe(source.buffer);
    expect(Array.from(copy)).toEqual(Array.from(bytes(40, 1)));
  });

  it('never hands out a lent copy; a copy given back is handed out once, overwritten with the new bytes', () => {
    const pool = new BodyPool();
    const owners = Array.from({ length: 5 }, () => ({}));
    const lent = owners.map((owner, i) => {
      const copy = pool.copy(bytes(64, i));
      pool.lend(owner, copy);
      return copy;
    });
    const fresh = pool.copy(bytes(64, 9));
    expect(lent).not.toContain(fresh);

    expect(pool.giveBack(owners[2])).toBe(true);
    expect(pool.giveBack(owners[2])).toBe(false);
    const reused = pool.copy(bytes(64, 7));
    expect(reused).toBe(lent[2]);
    expect(Array.from(reused)).toEqual(Array.from(bytes(64, 7)));
    // Given back once, handed out once: the next copy is new, and the other lent copies kept their bytes.
    const next = pool.copy(bytes(64, 8));
    expect([...lent, fresh]).not.toContain(next);
    lent.forEach((copy, i) => i !== 2 && expect(Array.from(copy)).toEqual(Array.from(bytes(64, i))));
  });

  it('gives nothing back for an owner it did not lend to', () => {
    const pool = new BodyPool();
    expect(pool.giveBack({})).toBe(false);
  });

  it('hands out a given-back copy only for bytes of its length', () => {
    const pool = new BodyPool();
    const owner = {};
    const copy = pool.copy(bytes(64, 1));
    pool.lend(owner, copy);
    pool.giveBack(owner);
    expect(pool.copy(bytes(56, 2))).not.toBe(copy);
    expect(pool.copy(bytes(64, 3))).toBe(copy);
  });

  it('keeps at most keepBytes of free copies', () => {
    const pool = new BodyPool(100);
    const owners = [{}, {}];
    const copies = owners.map((owner, i) => {
      const copy = pool.copy(bytes(64, i));
      pool.lend(owner, copy);
      return copy;
    });
    owners.forEach((owner) => expect(pool.giveBack(owner)).toBe(true));
    expect(pool.copy(bytes(64, 5))).toBe(copies[0]);
    expect(copies).not.toContain(pool.copy(bytes(64, 6)));
  });
});
