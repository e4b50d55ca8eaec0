"""Feature vectors as streamlearn passes them between stages: dense float64 arrays, or sparse with a size."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Sparse:
    size: int
    indices: np.ndarray  # int32, ascending for hashed outputs
    values: np.ndarray  # float64


def compact(size: int, entries: list[tuple[int, float]]) -> Sparse:
    """Hashed entries → sparse: indices ascending, duplicates summed in insertion order, zeros dropped."""
    order = sorted(range(len(entries)), key=lambda p: (entries[p][0], p))
    indices, values = [], []
    p = 0
    while p < len(order):
        index = entries[order[p]][0]
        total = 0.0
        while p < len(order) and entries[order[p]][0] == index:
            total += entries[order[p]][1]
            p += 1
        if total != 0:
            indices.append(index)
            values.append(total)
    return Sparse(size, np.array(indices, dtype=np.int32), np.array(values, dtype=np.float64))


def is_vector(value) -> bool:
    return isinstance(value, (Sparse, np.ndarray))


def width(value) -> int:
    return value.size if isinstance(value, Sparse) else len(value)
