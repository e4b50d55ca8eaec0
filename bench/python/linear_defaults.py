"""Defaults check (issue 10): each streamlearn linear learner with default settings, behind an online
standard scaler, against River's same model with River's defaults, on River's bundled public datasets
and a synthetic Friedman #1 stream. Prequential (test-then-train) scores over the whole stream.

Each pair runs twice: with each library's own StandardScaler in front (their conventions differ: see
the README), and "learner only", where both learners get the same rows, standardised by River's scaler.
Usage: "$(scripts/venv.sh learners)" bench/python/linear_defaults.py   (after `npm run build`)
River runs here; streamlearn runs in bench/defaults/streamlearn-defaults.js on the same rows, written to
a temporary directory as JSONL. Accuracy, not speed: speed is the `learners` bench suite.
"""
import json
import os
import subprocess
import sys
import tempfile

from river import datasets, evaluate, linear_model, metrics, optim, preprocessing
from river.datasets import synth

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def rows_of(dataset, n=None):
    rows = []
    for i, (x, y) in enumerate(dataset):
        if n is not None and i >= n:
            break
        rows.append(({str(k): float(v) for k, v in x.items()}, y))
    return rows


def regression_sets():
    return {
        "TrumpApproval": rows_of(datasets.TrumpApproval()),
        "ChickWeights": rows_of(datasets.ChickWeights()),
        "Friedman#1 (10k)": rows_of(synth.Friedman(seed=42), 10_000),
    }


def binary_sets():
    return {
        "Phishing": [(x, int(y)) for x, y in rows_of(datasets.Phishing())],
        "Bananas": [(x, int(y)) for x, y in rows_of(datasets.Bananas())],
    }


def multiclass_sets():
    rows = rows_of(datasets.ImageSegments())
    classes = sorted({y for _, y in rows})
    return {"ImageSegments": [(x, classes.index(y)) for x, y in rows]}, len(classes)


RIVER = {
    "LinearRegression": lambda: linear_model.LinearRegression(),
    "LogisticRegression": lambda: linear_model.LogisticRegression(),
    # River has no LinearSVM; its logistic regression with hinge loss is the same model.
    "LinearSVM": lambda: linear_model.LogisticRegression(loss=optim.losses.Hinge()),
    "SoftmaxRegression": lambda: linear_model.SoftmaxRegression(),
}
RIVER_METRICS = {"mae": metrics.MAE, "accuracy": metrics.Accuracy, "logLoss": metrics.LogLoss}


def river_scaled(rows):
    """River's own online standardisation (learn the row, then transform it), applied once, for the learner-only runs."""
    scaler, out = preprocessing.StandardScaler(), []
    for x, y in rows:
        scaler.learn_one(x)
        out.append((scaler.transform_one(x), y))
    return out


def river_score(learner, rows, metric, scaled):
    model = RIVER[learner]() if scaled else preprocessing.StandardScaler() | RIVER[learner]()
    m = RIVER_METRICS[metric]()
    for x, y in rows:
        if metric == "logLoss":
            proba = model.predict_proba_one(x)
            m.update(y, proba)
        else:
            m.update(y, model.predict_one(x) if learner != "LinearSVM" else int(model.predict_one(x)))
        model.learn_one(x, y if learner != "LinearSVM" else bool(y))
    return m.get()


def main():
    workdir = tempfile.mkdtemp(prefix="linear-defaults-")
    runs = []

    def add(name, rows, learner, metric_names, classes=None):
        for scaled in (False, True):
            add_run(name, river_scaled(rows) if scaled else rows, learner, metric_names, classes, scaled)

    def add_run(name, rows, learner, metric_names, classes, scaled):
        path = os.path.join(workdir, f"{len(runs)}.jsonl")
        features = sorted(rows[0][0].keys())
        with open(path, "w") as f:
            for x, y in rows:
                f.write(json.dumps({**{k: x.get(k, 0.0) for k in features}, "__label": y}) + "\n")
        runs.append({"dataset": name, "learner": learner, "file": path, "features": features, "label": "__label", "metrics": metric_names, "classes": classes, "scaled": scaled})
        data.append(rows)

    data = []
    for name, rows in regression_sets().items():
        add(name, rows, "LinearRegression", ["mae"])
    for name, rows in binary_sets().items():
        add(name, rows, "LogisticRegression", ["accuracy", "logLoss"])
        add(name, rows, "LinearSVM", ["accuracy"])
    sets, k = multiclass_sets()
    for name, rows in sets.items():
        add(name, rows, "SoftmaxRegression", ["accuracy"], classes=k)

    manifest = os.path.join(workdir, "manifest.json")
    with open(manifest, "w") as f:
        json.dump({"runs": runs}, f)
    out = subprocess.run(["node", os.path.join(ROOT, "bench", "defaults", "streamlearn-defaults.js"), manifest], cwd=ROOT, check=True, capture_output=True, text=True)
    ours = json.loads(out.stdout)

    print(f"river {__import__('river').__version__}; prequential scores, default settings, StandardScaler in front")
    print("scaler: each library's own StandardScaler in front; learner only: both learners on River's standardised rows")
    print(f"{'dataset':<18} {'learner':<19} {'scaler':<13} {'metric':<9} {'streamlearn':>12} {'River':>10}  no worse?")
    for i, (run, result) in enumerate(zip(runs, ours)):
        for metric in run["metrics"]:
            river_value = river_score(run["learner"], data[i], metric, run["scaled"])
            value = result["scores"][metric]
            lower_better = metric in ("mae", "logLoss")
            ok = value <= river_value * 1.0001 if lower_better else value >= river_value * 0.9999
            print(f"{run['dataset']:<18} {run['learner']:<19} {'learner only' if run['scaled'] else 'own scaler':<13} {metric:<9} {value:>12.4f} {river_value:>10.4f}  {'yes' if ok else 'NO'}")


if __name__ == "__main__":
    sys.exit(main())
