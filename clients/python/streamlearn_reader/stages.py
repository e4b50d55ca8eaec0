"""The built-in feature stages' transforms, from a checkpoint's config and arrays (docs/checkpoint-format.md)."""
from __future__ import annotations

import math
import unicodedata

import numpy as np

from .murmur3 import murmur3_pair, murmur3_string
from .vectors import Sparse, compact, is_vector

BIGRAM_SALT = 0x9E3779B9


class StageError(ValueError):
    """A row a stage cannot transform; the message names the stage and the column."""


class Skip(Exception):
    """A stage with handleInvalid 'skip' dropped the row: the pipeline predicts NaN for it."""


def _missing(value) -> bool:
    return value is None


class VectorAssembler:
    def __init__(self, config, arrays):
        self.cols = config["inputCols"]
        self.out = config["outputCol"]
        self.invalid = config.get("handleInvalid", "error")
        sizes = config.get("vectorSizes") or {}
        self.widths = [sizes.get(c, 0) for c in self.cols]

    def _usable(self, name, value, width) -> bool:
        if width == 0:
            if isinstance(value, bool) or (isinstance(value, (int, float)) and math.isfinite(value)):
                return True
            if value is None or isinstance(value, (int, float)):
                return False
            raise StageError(f'VectorAssembler: column "{name}" must hold a number or boolean, got {value!r}')
        if value is None:
            return False
        values = value.values if isinstance(value, Sparse) else np.asarray(value, dtype=np.float64)
        return bool(np.all(np.isfinite(values)))

    def transform(self, row):
        usable = []
        for name, width in zip(self.cols, self.widths):
            ok = self._usable(name, row.get(name), width)
            if not ok and self.invalid == "skip":
                raise Skip()
            if not ok and self.invalid == "error":
                raise StageError(f'VectorAssembler: column "{name}" holds {row.get(name)!r}')
            usable.append(ok)
        slots = [max(w, 1) for w in self.widths]
        if any(isinstance(row.get(c), Sparse) for c in self.cols):
            row[self.out] = self._sparse(row, usable, slots)
        else:
            parts = []
            for name, ok, w, n in zip(self.cols, usable, self.widths, slots):
                value = row.get(name)
                parts.append(np.full(n, np.nan) if not ok else np.array([float(value)]) if w == 0 else np.asarray(value, dtype=np.float64))
            row[self.out] = np.concatenate(parts) if parts else np.zeros(0)

    def _sparse(self, row, usable, slots):
        indices, values, offset = [], [], 0
        for name, ok, w, n in zip(self.cols, usable, self.widths, slots):
            value = row.get(name)
            if ok and isinstance(value, Sparse):
                indices.extend(int(i) + offset for i in value.indices)
                values.extend(float(v) for v in value.values)
            else:
                dense = [math.nan] * n if not ok else [float(value)] if w == 0 else list(value)
                for i, x in enumerate(dense):
                    if x != 0:
                        indices.append(offset + i)
                        values.append(float(x))
            offset += n
        return Sparse(offset, np.array(indices, dtype=np.int32), np.array(values, dtype=np.float64))


class StandardScaler:
    """(x − mean) / std with the sample standard deviation (n − 1); a feature without spread maps to 0."""

    def __init__(self, config, arrays):
        self.inp, self.out = config["inputCol"], config["outputCol"]
        self.with_mean, self.with_std = config.get("withMean", True), config.get("withStd", True)
        self.mean = arrays.get("mean")
        std = arrays.get("std")  # derived in v2; computed the same way for v1
        if std is None and self.mean is not None:
            count, m2 = arrays["count"], arrays["m2"]
            std = np.where(count > 1, np.sqrt(m2 / np.maximum(count - 1, 1)), 0.0)
        self.std = std

    def transform(self, row):
        x = np.asarray(row[self.inp], dtype=np.float64)
        mean = self.mean if self.mean is not None else np.zeros(len(x))
        std = self.std if self.std is not None else np.zeros(len(x))
        centred = x - mean if self.with_mean else x
        if not self.with_std:
            row[self.out] = centred
            return
        with np.errstate(divide="ignore", invalid="ignore"):
            row[self.out] = np.where(std > 0, centred / np.where(std > 0, std, 1), 0.0)


class _Hashed:
    def __init__(self, bits, signed):
        self.size, self.mask, self.signed = 2 ** bits, 2 ** bits - 1, signed
        self.entries = []

    def add(self, h, value):
        self.entries.append((h & self.mask, -value if self.signed and h >> 31 == 1 else value))

    def build(self):
        vector, self.entries = compact(self.size, self.entries), []
        return vector


class FeatureHasher:
    def __init__(self, config, arrays):
        self.cols, self.out = config["inputCols"], config["outputCol"]
        self.bits, self.signed = config.get("bits", 18), config.get("signed", True)
        seed = config.get("seed", 0)
        self.col_hashes = [murmur3_string(c, seed) for c in self.cols]

    def _category(self, space, name, value, h):
        if isinstance(value, bool):
            space.add(murmur3_string("true" if value else "false", h), 1.0)
        elif isinstance(value, str):
            space.add(murmur3_string(value, h), 1.0)
        else:
            raise StageError(f'FeatureHasher: column "{name}" holds {value!r} in its array; expected strings')

    def transform(self, row):
        space = _Hashed(self.bits, self.signed)
        for name, h in zip(self.cols, self.col_hashes):
            value = row.get(name)
            if value is None:
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if not math.isfinite(value):
                    raise StageError(f'FeatureHasher: column "{name}" holds {value}')
                if value != 0:
                    space.add(h, float(value))
            elif isinstance(value, list):
                for category in value:
                    self._category(space, name, category, h)
            else:
                self._category(space, name, value, h)
        row[self.out] = space.build()


def _word_char(c: str) -> bool:
    if ord(c) < 0x80:
        return "a" <= c <= "z" or "0" <= c <= "9"
    return unicodedata.category(c)[0] in "LMN"


def tokens(text: str) -> list[str]:
    """Lowercased runs of Unicode letters, marks and numbers (ASCII: a-z, 0-9), as the HashingTokenizer splits."""
    out, current = [], []
    for c in text.lower():
        if _word_char(c):
            current.append(c)
        elif current:
            out.append("".join(current))
            current = []
    if current:
        out.append("".join(current))
    return out


class HashingTokenizer:
    def __init__(self, config, arrays):
        self.inp, self.out = config["inputCol"], config["outputCol"]
        self.bits, self.seed = config.get("bits", 18), config.get("seed", 0)
        self.ngrams, self.norm, self.signed = config.get("ngrams", 2), config.get("norm", "none"), config.get("signed", True)
        self.bigram_seed = (self.seed ^ BIGRAM_SALT) & 0xFFFFFFFF

    def transform(self, row):
        text = row.get(self.inp)
        if text is not None and not isinstance(text, str):
            raise StageError(f'HashingTokenizer: column "{self.inp}" must hold text, got {text!r}')
        space = _Hashed(self.bits, self.signed)
        previous = None
        for token in tokens(text or ""):
            h = murmur3_string(token, self.seed)
            space.add(h, 1.0)
            if self.ngrams == 2 and previous is not None:
                space.add(murmur3_pair(previous, h, self.bigram_seed), 1.0)
            previous = h
        vector = space.build()
        if self.norm != "none":
            total = 0.0
            for v in vector.values:
                total += abs(v) if self.norm == "l1" else v * v
            scale = total if self.norm == "l1" else math.sqrt(total)
            if scale > 0:
                vector.values = vector.values / scale
        row[self.out] = vector


class Interactions:
    def __init__(self, config, arrays):
        self.pairs, self.out = [tuple(p) for p in config["pairs"]], config["outputCol"]
        self.bits, seed = config.get("bits", 18), config.get("seed", 0)
        self.seeds = [murmur3_pair(murmur3_string(a, seed), murmur3_string(b, seed), seed) for a, b in self.pairs]

    @staticmethod
    def _entries(value):
        if value is None:
            return None
        if isinstance(value, Sparse):
            return [int(i) for i in value.indices], [float(v) for v in value.values]
        dense = np.asarray(value, dtype=np.float64)
        nz = [i for i in range(len(dense)) if dense[i] != 0]
        return nz, [float(dense[i]) for i in nz]

    def transform(self, row):
        space = _Hashed(self.bits, False)
        for (a, b), seed in zip(self.pairs, self.seeds):
            left = self._entries(row.get(a))
            right = left if a == b else self._entries(row.get(b))
            if left is None or right is None:
                continue
            for u in range(len(left[0])):
                for v in range(u + 1 if a == b else 0, len(right[0])):
                    space.add(murmur3_pair(left[0][u], right[0][v], seed), left[1][u] * right[1][v])
        row[self.out] = space.build()


class HashedCrosses:
    """The stage chain HashedCrosses fuses, from its config: FeatureHasher over inputCols, one FeatureHasher
    per namespace, Interactions of the pairs, VectorAssembler of the two (the same vector, bit for bit)."""

    def __init__(self, config, arrays):
        bits, cross_bits = config.get("bits", 18), config.get("crossBits", 18)
        seed, signed = config.get("seed", 0), config.get("signed", True)
        shared = {"seed": seed, "signed": signed}
        # Column names no input can hold, so the chain's intermediate columns never meet a record's own.
        columns, crosses = "\0columns", "\0crosses"
        self.chain = [FeatureHasher({"inputCols": config["inputCols"], "outputCol": columns, "bits": bits, **shared}, {})]
        for name, namespace in config["namespaces"].items():
            self.chain.append(FeatureHasher({"inputCols": namespace["inputCols"], "outputCol": name, "bits": namespace.get("bits", 18), **shared}, {}))
        self.chain.append(Interactions({"pairs": config["pairs"], "outputCol": crosses, "bits": cross_bits, "seed": seed}, {}))
        sizes = {columns: 2**bits, crosses: 2**cross_bits}
        self.chain.append(VectorAssembler({"inputCols": [columns, crosses], "outputCol": config["outputCol"], "vectorSizes": sizes}, {}))

    def transform(self, row):
        scratch = dict(row)
        for stage in self.chain:
            stage.transform(scratch)
        row[self.chain[-1].out] = scratch[self.chain[-1].out]


def _js_string(value) -> str:
    """String(value) as JavaScript writes numbers and booleans."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class OneHotEncoder:
    """Column c owns slots [c·(cap+1), (c+1)·(cap+1)); slot cap is the bucket for unseen values."""

    def __init__(self, config, arrays):
        self.cols, self.out, self.cap = config["inputCols"], config["outputCol"], config.get("maxCategories", 100)
        sizes = arrays.get("vocabularySizes", np.zeros(len(self.cols), dtype=np.int32))
        offsets, data = arrays.get("vocabularyOffsets", np.zeros(1)), bytes(arrays.get("vocabularyBytes", np.zeros(0, np.uint8)))
        self.vocabularies, k = [], 0
        for size in sizes:
            words = [data[offsets[k + s]:offsets[k + s + 1]].decode("utf-8") for s in range(int(size))]
            self.vocabularies.append({w: s for s, w in enumerate(words)})
            k += int(size)

    def transform(self, row):
        block, indices = self.cap + 1, []
        for c, name in enumerate(self.cols):
            value = row.get(name)
            if value is None:
                continue
            indices.append(c * block + self.vocabularies[c].get(_js_string(value), self.cap))
        row[self.out] = Sparse(block * len(self.cols), np.array(indices, dtype=np.int32), np.ones(len(indices)))


class Imputer:
    def __init__(self, config, arrays):
        self.cols, self.outs = config["inputCols"], config["outputCols"]
        self.strategy, self.fill_value = config.get("strategy", "mean"), config.get("fillValue", 0)
        n = len(self.cols)
        self.count, self.mean = arrays.get("count", np.zeros(n)), arrays.get("mean", np.zeros(n))
        self.heights = arrays.get("heights", np.zeros((n, 5))).reshape(n, 5)

    def _fill(self, c):
        count = self.count[c]
        if self.strategy == "constant" or count == 0:
            return float(self.fill_value)
        if self.strategy == "mean":
            return float(self.mean[c])
        if count >= 5:
            return float(self.heights[c, 2])
        mid = (count - 1) / 2
        return (self.heights[c, math.floor(mid)] + self.heights[c, math.ceil(mid)]) / 2

    def transform(self, row):
        for c, (name, out) in enumerate(zip(self.cols, self.outs)):
            value = row.get(name)
            missing = value is None or (isinstance(value, float) and math.isnan(value))
            row[out] = self._fill(c) if missing else value


class ImportanceSelector:
    """Keeps the slots its ranker ranks selected (`selection/mask` = 1) and zeroes the others."""

    def __init__(self, config, arrays):
        self.inp, self.out = config["inputCol"], config.get("outputCol", "selected")
        self.mask = arrays.get("selection/mask")

    def transform(self, row):
        x = np.asarray(row[self.inp], dtype=np.float64)
        mask = self.mask if self.mask is not None else np.zeros(len(x))
        row[self.out] = np.where(mask == 1, x, 0.0)


STAGES = {
    "VectorAssembler": VectorAssembler,
    "StandardScaler": StandardScaler,
    "FeatureHasher": FeatureHasher,
    "HashingTokenizer": HashingTokenizer,
    "Interactions": Interactions,
    "HashedCrosses": HashedCrosses,
    "OneHotEncoder": OneHotEncoder,
    "Imputer": Imputer,
    "ImportanceSelector": ImportanceSelector,
}
