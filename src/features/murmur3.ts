/**
 * MurmurHash3 x86 32-bit (Austin Appleby, public domain), written against the reference
 * `MurmurHash3_x86_32` in smhasher. Strings are hashed as their UTF-8 bytes, encoded on the fly so a
 * substring can be hashed without slicing or allocating.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function scramble(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

function mixBlock(h: number, k: number): number {
  h ^= scramble(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/**
 * The final mix, as int32 (the same bits): an unsigned result above 2^31, returned from a call V8 did not
 * inline, was a heap number per hash (~23 B a ctr event in some passes; docs/performance.md, "Stop 24").
 */
function finalizeBits(h: number, byteLength: number): number {
  h ^= byteLength;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function finalize(h: number, byteLength: number): number {
  return finalizeBits(h, byteLength) >>> 0;
}

/** Hash of raw bytes; returns an unsigned 32-bit integer. */
export function murmur3Bytes(bytes: Uint8Array, seed = 0): number {
  let h = seed | 0;
  const blockEnd = bytes.length & ~3;
  for (let i = 0; i < blockEnd; i += 4) {
    h = mixBlock(h, bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
  }
  const remaining = bytes.length & 3;
  if (remaining > 0) {
    let tail = bytes[blockEnd];
    if (remaining > 1) tail |= bytes[blockEnd + 1] << 8;
    if (remaining > 2) tail |= bytes[blockEnd + 2] << 16;
    h ^= scramble(tail);
  }
  return finalize(h, bytes.length);
}

/**
 * Hash of the UTF-8 encoding of `text.slice(start, end)`; lone surrogates encode as U+FFFD, as
 * `TextEncoder` and `Buffer.from` do, so the result equals `murmur3Bytes(Buffer.from(slice))`.
 */
export function murmur3String(text: string, seed = 0, start = 0, end = text.length): number {
  let h = seed | 0;
  let block = 0;
  let filled = 0;
  let byteLength = 0;
  for (let i = start; i < end; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdfff) {
      const next = i + 1 < end ? text.charCodeAt(i + 1) : 0;
      if (cp <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else {
        cp = 0xfffd;
      }
    }
    // The code point's UTF-8 bytes, first byte lowest, so they can be shifted out one at a time.
    let packed: number;
    let count: number;
    if (cp < 0x80) {
      packed = cp;
      count = 1;
    } else if (cp < 0x800) {
      packed = 0xc0 | (cp >>> 6) | ((0x80 | (cp & 0x3f)) << 8);
      count = 2;
    } else if (cp < 0x10000) {
      packed = 0xe0 | (cp >>> 12) | ((0x80 | ((cp >>> 6) & 0x3f)) << 8) | ((0x80 | (cp & 0x3f)) << 16);
      count = 3;
    } else {
      packed = 0xf0 | (cp >>> 18) | ((0x80 | ((cp >>> 12) & 0x3f)) << 8) | ((0x80 | ((cp >>> 6) & 0x3f)) << 16) | ((0x80 | (cp & 0x3f)) << 24);
      count = 4;
    }
    byteLength += count;
    for (let b = 0; b < count; b++) {
      block |= ((packed >>> (b << 3)) & 0xff) << (filled << 3);
      if (++filled === 4) {
        h = mixBlock(h, block);
        block = 0;
        filled = 0;
      }
    }
  }
  if (filled > 0) h ^= scramble(block);
  return finalize(h, byteLength);
}

/** Hash of the 8 little-endian bytes of two int32s: combines two feature ids without building a key. */
export function murmur3Pair(a: number, b: number, seed = 0): number {
  return murmur3PairBits(a, b, seed) >>> 0;
}

/**
 * `murmur3Pair`'s 32 bits as a signed int32, for hashed spaces (which read bits only): an int32 is returned
 * as a small integer, where an unsigned result above 2^31 is a heap number (measured: 24 bytes per ctr
 * event for its three crosses).
 */
export function murmur3PairBits(a: number, b: number, seed = 0): number {
  return finalizeBits(mixBlock(mixBlock(seed | 0, a | 0), b | 0), 8);
}
