"""MurmurHash3 x86 32-bit, as streamlearn's src/features/murmur3.ts: strings hash as their UTF-8 bytes."""
from __future__ import annotations

C1, C2, MASK = 0xCC9E2D51, 0x1B873593, 0xFFFFFFFF


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (32 - r))) & MASK


def _scramble(k: int) -> int:
    return (_rotl((k * C1) & MASK, 15) * C2) & MASK


def _mix(h: int, k: int) -> int:
    h ^= _scramble(k)
    return (_rotl(h, 13) * 5 + 0xE6546B64) & MASK


def _finalize(h: int, length: int) -> int:
    h ^= length
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & MASK
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & MASK
    return h ^ (h >> 16)


def murmur3_bytes(data: bytes, seed: int = 0) -> int:
    h = seed & MASK
    end = len(data) & ~3
    for i in range(0, end, 4):
        h = _mix(h, int.from_bytes(data[i:i + 4], "little"))
    if len(data) & 3:
        h ^= _scramble(int.from_bytes(data[end:], "little"))
    return _finalize(h, len(data))


def murmur3_string(text: str, seed: int = 0) -> int:
    # A lone surrogate encodes as U+FFFD, as JavaScript's TextEncoder does.
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        text = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
    return murmur3_bytes(text.encode("utf-8"), seed)


def murmur3_pair(a: int, b: int, seed: int = 0) -> int:
    """Hash of the 8 little-endian bytes of two int32s."""
    return _finalize(_mix(_mix(seed & MASK, a & MASK), b & MASK), 8)
