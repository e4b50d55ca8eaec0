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

    def scores(self, user) -> np.ndarray:
        """The score of every item row, in the order items entered the table."""
        u = self.users.get(id_key(user), -1)
        base = self.mean + (self.user_bias[u] if u >= 0 and self.kind == "BiasedMF" else 0.0)
        scores = base + self.item_bias
        if u >= 0:
            for f in range(self.k):  # factor by factor, as streamlearn sums
                scores = scores + self.p[u, f] * self.q[:, f]
        return scores

    def recommend(self, user, k: int, exclude=()) -> list[tuple[str, float]]:
        """The best k items, best first; ties by the order items entered the table; excluded ids never."""
        scores = self.scores(user)
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

    def scores(self, user) -> np.ndarray:
        return self.counts.copy()

    recommend = MatrixFactorization.recommend
