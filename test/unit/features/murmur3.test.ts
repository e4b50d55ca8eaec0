import { murmur3Bytes, murmur3Pair, murmur3String } from '../../../src/features/murmur3';
import { createRandom } from '../../../src/random';

describe('murmur3', () => {
  it('passes SMHasher verification for MurmurHash3_x86_32 (0xB0F57EE3)', () => {
    // SMHasher's VerificationTest: hash keys {}, {0}, {0,1}, … with seed 256 − length, then hash the
    // concatenated little-endian hashes with seed 0.
    const key = new Uint8Array(256);
    const hashes = new Uint8Array(256 * 4);
    const view = new DataView(hashes.buffer);
    for (let i = 0; i < 256; i++) {
      key[i] = i;
      view.setUint32(i * 4, murmur3Bytes(key.subarray(0, i), 256 - i), true);
    }
    expect(murmur3Bytes(hashes, 0)).toBe(0xb0f57ee3);
  });

  it.each([
    ['hello', 0, 0x248bfa47],
    ['', 0, 0],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    ['\0\0\0\0', 0, 0x2362f9de],
    ['a', 0x9747b28c, 0x7fa09ea6],
    ['ab', 0x9747b28c, 0x74875592],
    ['abc', 0x9747b28c, 0xc84a62dd],
    ['abcd', 0x9747b28c, 0xf0478627],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['Hello, world!', 0x9747b28c, 0x24884cba],
    ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
    ['ππππππππ', 0x9747b28c, 0xd58063c1],
  ])('hashes %j with seed %d to the published value', (text, seed, expected) => {
    expect(murmur3String(text, seed)).toBe(expected);
    expect(murmur3Bytes(Buffer.from(text, 'utf8'), seed)).toBe(expected);
  });

  it('hashes a string as its UTF-8 bytes, surrogate pairs and lone surrogates included', () => {
    const random = createRandom(7);
    const alphabet = ['a', 'Z', '0', ' ', 'é', 'π', '東', '😀', '𝐀', '\ud800', '\udc00', '\u0301', '\0'];
    for (let trial = 0; trial < 500; trial++) {
      const text = Array.from({ length: random.nextInt(20) }, () => alphabet[random.nextInt(alphabet.length)]).join('');
      const seed = random.nextInt(2 ** 32);
      expect(murmur3String(text, seed)).toBe(murmur3Bytes(Buffer.from(text, 'utf8'), seed));
      const start = random.nextInt(text.length + 1);
      const end = start + random.nextInt(text.length - start + 1);
      expect(murmur3String(text, seed, start, end)).toBe(murmur3Bytes(Buffer.from(text.slice(start, end), 'utf8'), seed));
    }
  });

  it('hashes a pair of ids as their 8 little-endian bytes', () => {
    const random = createRandom(11);
    for (let trial = 0; trial < 200; trial++) {
      const a = random.nextInt(2 ** 31);
      const b = random.nextInt(2 ** 31);
      const bytes = Buffer.alloc(8);
      bytes.writeInt32LE(a, 0);
      bytes.writeInt32LE(b, 4);
      expect(murmur3Pair(a, b, trial)).toBe(murmur3Bytes(bytes, trial));
    }
  });
});
