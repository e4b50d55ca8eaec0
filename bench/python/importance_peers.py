"""Reference side of the `importance` benchmark suite: ixai's IncrementalPFI (Fumagalli et al. 2023).

Invoked by bench/suites/importance.ts with the `importance` venv: `python importance_peers.py <manifest.json>`.
The manifest names the standardised Friedman #1 examples the TypeScript side wrote (float64, row-major)
and the weights of the frozen MLP 10-64-1 both sides explain; this script runs the same MLP in numpy, has
ixai explain every example (geometric reservoir, one replacement per feature, the given smoothing), and
prints the importance values at each checkpoint as JSON on stdout.

ixai 0.1.3 (January 2023) does not pin river, and its wrapper that turns a river metric into a loss calls
`metric.update(...).revert(...)`: river's metrics have returned None from `update` for a long while, so
with river 0.26.1 `loss_function=river.metrics.MSE()` fails with AttributeError/TypeError. A plain callable
loss, which ixai accepts as well, skips that wrapper; everything else of ixai runs unchanged.
"""
import json
import random
import sys
import time
import warnings
from importlib.metadata import version

import numpy as np


def main(path):
    with open(path) as handle:
        manifest = json.load(handle)
    warnings.filterwarnings("ignore", module="ixai")
    from ixai.explainer import IncrementalPFI
    from ixai.storage import GeometricReservoirStorage

    names, n, hidden = manifest["features"], manifest["n"], manifest["hidden"]
    x = np.fromfile(manifest["x"], dtype="<f8").reshape(n, len(names))
    y = np.fromfile(manifest["y"], dtype="<f8")
    w = manifest["weights"]
    kernel0 = np.asarray(w["layer0/kernel"], dtype=np.float64).reshape(len(names), hidden)
    bias0 = np.asarray(w["layer0/bias"], dtype=np.float64)
    kernel1 = np.asarray(w["layer1/kernel"], dtype=np.float64).reshape(hidden, 1)
    bias1 = np.asarray(w["layer1/bias"], dtype=np.float64)

    def forward(rows):
        return (np.maximum(rows @ kernel0 + bias0, 0.0) @ kernel1 + bias1)[:, 0]

    def model_function(example):
        row = np.fromiter((example[name] for name in names), dtype=np.float64, count=len(names))
        return {"output": float(forward(row[None, :])[0])}

    random.seed(manifest["seed"])
    explainer = IncrementalPFI(
        model_function=model_function,
        loss_function=lambda y_true, y_pred: (y_true - y_pred["output"]) ** 2,
        feature_names=names,
        storage=GeometricReservoirStorage(size=manifest["reservoirSize"], store_targets=False),
        smoothing_alpha=manifest["smoothing"],
        n_inner_samples=1,
        dynamic_setting=True,
    )
    examples = [dict(zip(names, row.tolist())) for row in x]
    checkpoints = []
    every = manifest["every"]
    start = time.perf_counter()
    for i, (example, target) in enumerate(zip(examples, y.tolist())):
        explainer.explain_one(example, target)
        if (i + 1) % every == 0:
            values = explainer.importance_values
            checkpoints.append([float(values[name]) for name in names])
    seconds = time.perf_counter() - start
    print(json.dumps({
        "versions": {"ixai": version("ixai"), "river": version("river"), "numpy": np.__version__, "python": sys.version.split()[0]},
        "checkpoints": checkpoints,
        "predictions": forward(x[:100]).tolist(),
        "seconds": seconds,
    }))


if __name__ == "__main__":
    main(sys.argv[1])
