"""Predicting with numpy from a checkpoint: linear learners, pipelines of built-in stages, dense MLPs,
and the matrix-factorization recommenders. Formulas: docs/checkpoint-format.md, one table per kind."""
from __future__ import annotations

import math

import numpy as np

from .checkpoint import Checkpoint, CheckpointError
from .reco import FactorizationMachine, MatrixFactorization, Popularity
from .stages import STAGES, Skip
from .vectors import Sparse

CLASSIFICATION_LOSSES = ("binaryCrossentropy", "categoricalCrossentropy", "sparseCategoricalCrossentropy")


def _sub_arrays(arrays: dict, prefix: str) -> dict:
    return {name[len(prefix):]: value for name, value in arrays.items() if name.startswith(prefix)}


class LinearModel:
    """margin_k = scale · Σ_j weights[j, k]·x_j + weights[d, k]; scale = `scale` (v2) or penalty.scalars[1]."""

    def __init__(self, kind: str, config: dict, arrays: dict):
        self.kind = kind
        self.d = config["numFeatures"]
        self.k = config.get("numClasses", 1)
        self.weights = np.asarray(arrays["weights"], dtype=np.float64).reshape(self.d + 1, self.k)
        scalars = arrays.get("penalty.scalars")
        self.scale = float(arrays["scale"][0]) if "scale" in arrays else float(scalars[1]) if scalars is not None else 1.0
        self.num_classes = self.k if kind == "SoftmaxRegression" else 2 if kind != "LinearRegression" else None

    def margins(self, x) -> np.ndarray:
        # Summed feature by feature in the order streamlearn sums, so results agree to the last bit or so.
        total = np.zeros(self.k)
        if isinstance(x, Sparse):
            for j, v in zip(x.indices, x.values):
                if j >= self.d:
                    raise CheckpointError(f"{self.kind}: feature index {j} is outside [0, {self.d})")
                total += self.weights[j] * v
        else:
            x = np.asarray(x, dtype=np.float64)
            if len(x) != self.d:
                raise CheckpointError(f"{self.kind}: {len(x)} features, the model has {self.d}")
            for j in range(self.d):
                total += self.weights[j] * x[j]
        return self.scale * total + self.weights[self.d]

    def predict_one(self, x) -> float:
        m = self.margins(x)
        if self.kind == "LinearRegression":
            return float(m[0])
        if self.kind == "SoftmaxRegression":
            return float(int(np.argmax(m)))  # first of the largest, as streamlearn
        return 1.0 if m[0] > 0 else 0.0

    def predict_proba_one(self, x) -> np.ndarray:
        m = self.margins(x)
        if self.kind == "SoftmaxRegression":
            e = np.exp(m - m.max())
            return e / e.sum()
        if self.kind == "LogisticRegression":
            # The numerically stable form streamlearn uses: exp of a non-positive number only.
            e = math.exp(-abs(m[0]))
            small, large = e / (1 + e), 1 / (1 + e)
            return np.array([small, large] if m[0] > 0 else [large, small])
        raise CheckpointError(f"{self.kind} gives no probabilities")


ACTIVATIONS = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
}


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class NeuralNet:
    """Dense layers in order: a ← activation(a · kernel + bias), kernel inputs × units (Keras's orientation)."""

    def __init__(self, config: dict, arrays: dict):
        self.layers = []
        self.width = int(np.prod(config["inputShape"]))
        for i, layer in enumerate(config["layers"]):
            if layer["type"] == "dropout":
                continue  # identity at inference
            if layer["type"] != "dense":
                raise CheckpointError(f"NeuralNet: layer {i} is a {layer['type']} layer; this reader predicts dense MLPs only")
            kernel = np.asarray(arrays[f"layer{i}/kernel"], dtype=np.float64)
            inputs = self.width if not self.layers else self.layers[-1][0].shape[1]
            kernel = kernel.reshape(inputs, layer["units"])
            bias = np.asarray(arrays[f"layer{i}/bias"], dtype=np.float64) if layer.get("useBias", True) else np.zeros(layer["units"])
            self.layers.append((kernel, bias, layer.get("activation", "linear")))
        self.classes = None
        if config["loss"] in CLASSIFICATION_LOSSES:
            self.classes = 2 if config["loss"] == "binaryCrossentropy" else config["layers"][-1]["units"]

    def outputs(self, x) -> np.ndarray:
        if isinstance(x, Sparse):
            dense = np.zeros(self.width)
            np.add.at(dense, x.indices, x.values)
            x = dense
        a = np.asarray(x, dtype=np.float64)
        for kernel, bias, activation in self.layers:
            z = a @ kernel + bias
            a = _softmax(z) if activation == "softmax" else ACTIVATIONS[activation](z)
        return a

    def predict_proba_one(self, x) -> np.ndarray:
        out = self.outputs(x)
        if self.classes is None:
            raise CheckpointError("NeuralNet: a regression net gives no probabilities")
        return np.array([1 - out[0], out[0]]) if len(out) == 1 else out / out.sum()

    def predict_one(self, x) -> float:
        if self.classes is None:
            return float(self.outputs(x)[0])
        return float(int(np.argmax(self.predict_proba_one(x))))


class Pipeline:
    """Each stage transforms the row in order; the model reads the last stage's output column."""

    def __init__(self, config: dict, arrays: dict):
        self.stages = []
        for i, stage in enumerate(config["stages"]):
            if stage["kind"] not in STAGES:
                raise CheckpointError(f"Pipeline: stage {i} is a {stage['kind']}; this reader knows {', '.join(STAGES)}")
            self.stages.append(STAGES[stage["kind"]](stage["config"], _sub_arrays(arrays, f"stage{i}/")))
        last = config["stages"][-1]["config"]
        self.features_col = last.get("outputCol") or last.get("outputCols", [None])[0]
        self.model = build(config["model"]["kind"], config["model"]["config"], _sub_arrays(arrays, "model/"))

    def transform_one(self, row: dict):
        row = dict(row)
        try:
            for stage in self.stages:
                stage.transform(row)
        except Skip:
            return None
        return row[self.features_col]

    def predict_one(self, row: dict) -> float:
        x = self.transform_one(row)
        return math.nan if x is None else self.model.predict_one(x)

    def predict_proba_one(self, row: dict) -> np.ndarray:
        x = self.transform_one(row)
        if x is None:  # a stage dropped the record: NaN for every class, as streamlearn answers
            classes = getattr(self.model, "num_classes", None) or getattr(self.model, "classes", None) or 2
            return np.full(classes, np.nan)
        return self.model.predict_proba_one(x)


class LabelIndexed:
    """A classifier whose class i is `labels[i]`: the wrapped model's arrays are under `model/`."""

    def __init__(self, config: dict, arrays: dict):
        self.labels = list(config["labels"])
        self.model = build(config["model"]["kind"], config["model"]["config"], _sub_arrays(arrays, "model/"))

    def predict_one(self, x) -> float:
        return self.model.predict_one(x)

    def predict_label_one(self, x):
        """The label itself (a string, boolean or number), or None for a class with no label yet."""
        c = self.model.predict_one(x)
        return self.labels[int(c)] if not math.isnan(c) and int(c) < len(self.labels) else None

    def predict_proba_one(self, x) -> np.ndarray:
        return self.model.predict_proba_one(x)


def build(kind: str, config: dict, arrays: dict):
    if kind in ("LinearRegression", "LogisticRegression", "SoftmaxRegression", "LinearSVM"):
        return LinearModel(kind, config, arrays)
    if kind == "Pipeline":
        return Pipeline(config, arrays)
    if kind == "LabelIndexed":
        return LabelIndexed(config, arrays)
    if kind == "NeuralNet":
        return NeuralNet(config, arrays)
    if kind in ("BiasedMF", "BprMF"):
        return MatrixFactorization(kind, config, arrays)
    if kind == "Popularity":
        return Popularity(config, arrays)
    if kind == "FactorizationMachine":
        return FactorizationMachine(config, arrays)
    raise CheckpointError(f"this reader cannot predict with a {kind}; it reads its arrays only (checkpoint.arrays)")


def load_model(checkpoint: Checkpoint):
    """A model object with `predict_one` (and `predict_proba_one` for classifiers, `recommend` for recommenders)."""
    return build(checkpoint.kind, checkpoint.config, checkpoint.arrays)
