"""BiasedMF and BprMF: scores, predictions and top-K from the user and item tables of a checkpoint."""
from __future__ import annotations

import numpy as np


def _ids(arrays: dict, table: str) -> dict:
    data = bytes(arrays.get(f"{table}/ids", np.zeros(0, np.uint8)))
    offsets = arrays.get(f"{table}/idOffsets", np.zeros(1, np.int32))
    return {data[offsets[r]:offsets[r + 1]].decode("utf-8"): r for r in range(len(offsets) - 1)}


def id_key(value) -> str:
    """Ids are strings; a number becomes its JavaScript String() form (5.0 → "5")."""
    if isinstance(value, bool):
        raise ValueError(f"an id must be a string or a number, got {value!r}")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class MatrixFactorization:
    """BiasedMF: r̂ = μ + b_u + b_i + p_u·q_i (unknown sides add nothing); BprMF: b_i + p_u·q_i."""

    def __init__(self, kind: str, config: dict, arrays: dict):
        self.kind, self.k = kind, config["factors"]
        self.users, self.items = _ids(arrays, "users"), _ids(arrays, "items")
        self.item_keys = list(self.items)
        n_users, n_items = len(self.users), len(self.items)
        self.p = np.asarray(arrays.get("users/factors", np.zeros(0)), dtype=np.float64).reshape(n_users, self.k)
        self.q = np.asarray(arrays.get("items/factors", np.zeros(0)), dtype=np.float64).reshape(n_items, self.k)
        self.item_bias = np.asarray(arrays.get("items/bias", np.zeros(n_items)), dtype=np.float64).reshape(n_items)
        self.user_bias = np.asarray(arrays.get("users/bias", np.zeros(n_users)), dtype=np.float64).reshape(n_users)
        self.mean = float(arrays["global"][0]) if kind == "BiasedMF" else 0.0

    def _dot(self, u: int, i: int) -> float:
        dot = 0.0
        for f in range(self.k):
            dot += self.p[u, f] * self.q[i, f]
        return dot

    def predict_one(self, event: dict) -> float:
        u = self.users.get(id_key(event["userId"]), -1)
        i = self.items.get(id_key(event["itemId"]), -1)
        if self.kind == "BprMF":
            if i < 0:
                return 0.0
            return float(self.item_bias[i]) if u < 0 else float(self.item_bias[i]) + self._dot(u, i)
        prediction = self.mean
        if u >= 0:
            prediction += self.user_bias[u]
        if i >= 0:
            prediction += self.item_bias[i]
        if u >= 0 and i >= 0:
            prediction += self._dot(u, i)
        return float(prediction)

    def scores(self, user, context=None) -> np.ndarray:
        """The score of every item row, in the order items entered the table."""
        u = self.users.get(id_key(user), -1)
        base = self.mean + (self.user_bias[u] if u >= 0 and self.kind == "BiasedMF" else 0.0)
        scores = base + self.item_bias
        if u >= 0:
            for f in range(self.k):  # factor by factor, as streamlearn sums
                scores = scores + self.p[u, f] * self.q[:, f]
        return scores

    def recommend(self, user, k: int, exclude=(), context=None) -> list[tuple[str, float]]:
        """The best k items, best first; ties by the order items entered the table; excluded ids never.
        `context` (request-time fields) matters to the factorization machine only."""
        scores = self.scores(user, context)
        for item in exclude:
            row = self.items.get(id_key(item), -1)
            if row >= 0:
                scores[row] = -np.inf
        rows = np.arange(len(scores))
        order = [r for r in np.lexsort((rows, -scores)) if scores[r] != -np.inf][:k]
        return [(self.item_keys[r], float(scores[r])) for r in order]


class Popularity:
    """Scores are counts of events per item (`items/count`); an unknown item scores 0."""

    def __init__(self, config: dict, arrays: dict):
        self.items = _ids(arrays, "items")
        self.item_keys = list(self.items)
        self.counts = np.asarray(arrays.get("items/count", np.zeros(0)), dtype=np.float64).reshape(len(self.items))

    def predict_one(self, event: dict) -> float:
        i = self.items.get(id_key(event["itemId"]), -1)
        return 0.0 if i < 0 else float(self.counts[i])

    def scores(self, user, context=None) -> np.ndarray:
        return self.counts.copy()

    recommend = MatrixFactorization.recommend


class FactorizationMachine:
    """ŷ = w0 + Σ_i w_i x_i + ½ Σ_f [(Σ_i v_if x_i)² − Σ_i (v_if x_i)²] over an event's hashed features:
    the user id and `userFields`, the item id and `itemFields` (docs/checkpoint-format.md)."""

    def __init__(self, config: dict, arrays: dict):
        from .murmur3 import murmur3_string
        self._hash = murmur3_string
        self.k, seed = config["factors"], config.get("seed", 0)
        self.mask = 2 ** config["bits"] - 1
        self.user_fields, self.item_fields = config.get("userFields", []), config.get("itemFields", [])
        self.user_id_hash, self.item_id_hash = murmur3_string("userId", seed), murmur3_string("itemId", seed)
        self.user_hashes = [murmur3_string(f, seed) for f in self.user_fields]
        self.item_hashes = [murmur3_string(f, seed) for f in self.item_fields]
        self.w0 = float(arrays["bias"][0])
        self.w = np.asarray(arrays["weights"], dtype=np.float64).reshape(-1)
        self.v = np.asarray(arrays["factors"], dtype=np.float64).reshape(len(self.w), self.k)
        self.items = _ids(arrays, "items")
        self.item_keys = list(self.items)
        width = 1 + len(self.item_fields)
        self.item_features = np.asarray(arrays.get("items/features", np.zeros(0, np.int32))).reshape(len(self.items), width)
        self.item_values = np.asarray(arrays.get("items/values", np.zeros(0)), dtype=np.float64).reshape(len(self.items), width)

    def _side(self, key: str, id_hash: int, names, hashes, fields) -> list[tuple[int, float]]:
        entries = [(self._hash(key, id_hash) & self.mask, 1.0)]
        for name, h in zip(names, hashes):
            value = (fields or {}).get(name)
            if isinstance(value, (str, bool)):
                text = ("true" if value else "false") if isinstance(value, bool) else value
                entries.append((self._hash(text, h) & self.mask, 1.0))
            else:
                entries.append((h & self.mask, float(value or 0)))
        return entries

    def _accumulate(self, entries, sums, totals):
        linear = squares = 0.0
        for feature, value in entries:
            linear += self.w[feature] * value
            for f in range(self.k):
                vx = self.v[feature, f] * value
                sums[f] += vx
                squares += vx * vx
        totals[0] += linear
        totals[1] += squares

    def _finish(self, sums, totals) -> float:
        pairs = 0.0
        for f in range(self.k):
            pairs += sums[f] * sums[f]
        return totals[0] + 0.5 * (pairs - totals[1])

    def predict_one(self, event: dict) -> float:
        entries = self._side(id_key(event["userId"]), self.user_id_hash, self.user_fields, self.user_hashes, event)
        entries += self._side(id_key(event["itemId"]), self.item_id_hash, self.item_fields, self.item_hashes, event)
        sums, totals = [0.0] * self.k, [self.w0, 0.0]
        self._accumulate(entries, sums, totals)
        return self._finish(sums, totals)

    def scores(self, user, context=None) -> np.ndarray:
        user_sums, user_totals = [0.0] * self.k, [0.0, 0.0]
        self._accumulate(self._side(id_key(user), self.user_id_hash, self.user_fields, self.user_hashes, context), user_sums, user_totals)
        user_part = self.w0 + self._finish(user_sums, user_totals)
        scores = np.zeros(len(self.items))
        for j in range(len(self.items)):
            sums, totals = [0.0] * self.k, [0.0, 0.0]
            self._accumulate(zip(self.item_features[j], self.item_values[j]), sums, totals)
            score = user_part + self._finish(sums, totals)
            for f in range(self.k):
                score += user_sums[f] * sums[f]
            scores[j] = score
        return scores

    def recommend(self, user, k: int, exclude=(), context=None) -> list[tuple[str, float]]:
        return MatrixFactorization.recommend(self, user, k, exclude, context)
