"""Peers of the `learners` benchmark suite: River, scikit-learn and Vowpal Wabbit on one workload.

Invoked by bench/suites/learners.ts with the `learners` venv: `python learners.py <manifest.json>`. The
manifest names the data files the TypeScript side wrote (see bench/learners/data-files.ts) and the
settings; the runs are printed to stdout as JSON, progress goes to stderr. Each tool learns the first
`warmup` examples once on a throwaway model, then streams the whole workload up to `repeats` times (fewer
once the passes add up to `repeatBudgetSeconds`), each on a fresh model; the fastest pass counts. Inputs are built
before the clock starts (dicts for River, batches for scikit-learn, text lines for VW), as the
TypeScript side builds its vectors first.
"""
import json
import math
import os
import sys
import tempfile
import time

import numpy as np
import river
import sklearn
import vowpalwabbit
from river import linear_model, optim
from scipy import sparse
from sklearn.linear_model import SGDClassifier, SGDRegressor
from threadpoolctl import threadpool_info, threadpool_limits

EPSILON = 1e-15  # log-loss clipping, as streamlearn's LogLoss
SKLEARN_BATCH = 1000


def log(message):
    print(message, file=sys.stderr, flush=True)


def log_loss(y, p):
    return -math.log(min(max(p if y else 1.0 - p, EPSILON), 1.0))


def load(manifest):
    files, n = manifest["files"], manifest["n"]
    y = np.fromfile(files["y"], dtype="<f8")
    if manifest["active"] is None:
        return np.fromfile(files["x"], dtype="<f8").reshape(n, manifest["dim"]), y
    k = manifest["active"]
    indices = np.fromfile(files["indices"], dtype="<i4")
    values = np.fromfile(files["values"], dtype="<f8")
    x = sparse.csr_matrix((values, indices, np.arange(0, n * k + 1, k)), shape=(n, manifest["dim"]))
    return x, y


def timed(run):
    wall, cpu = time.perf_counter(), time.process_time()
    metric = run()
    return time.perf_counter() - wall, time.process_time() - cpu, metric


def river_rows(x):
    if sparse.issparse(x):
        return [dict(zip(x.indices[x.indptr[i]:x.indptr[i + 1]].tolist(), x.data[x.indptr[i]:x.indptr[i + 1]].tolist())) for i in range(x.shape[0])]
    return [dict(enumerate(row)) for row in x.tolist()]


def river_tool(manifest, x, y):
    """River's learn_one, with predict_proba_one (predict_one) before each for the progressive metric."""
    logistic = manifest["task"] == "logistic"
    rows = river_rows(x)
    labels = [bool(v) for v in y] if logistic else y.tolist()
    lr = manifest["riverLearningRate"]

    def run(count):
        sgd = optim.SGD(lr)
        if logistic:
            model = linear_model.LogisticRegression(optimizer=sgd, intercept_lr=lr)
            loss = 0.0
            for xi, yi in zip(rows[:count], labels[:count]):
                loss += log_loss(yi, model.predict_proba_one(xi)[True])
                model.learn_one(xi, yi)
            return loss / count
        model = linear_model.LinearRegression(optimizer=sgd, intercept_lr=lr)
        squares = 0.0
        for xi, yi in zip(rows[:count], labels[:count]):
            squares += (model.predict_one(xi) - yi) ** 2
            model.learn_one(xi, yi)
        return math.sqrt(squares / count)

    return run


def sklearn_tool(manifest, x, y):
    """partial_fit on batches of 1,000; each batch is predicted by the model of before it (batch-prequential)."""
    logistic = manifest["task"] == "logistic"
    eta = manifest["sgdStepSize"]
    labels = y.astype(np.int64) if logistic else y
    batches = [(x[s:s + SKLEARN_BATCH], labels[s:s + SKLEARN_BATCH]) for s in range(0, x.shape[0], SKLEARN_BATCH)]

    def run(count):
        # shuffle=False: partial_fit otherwise shuffles inside each batch, which no peer does.
        if logistic:
            model = SGDClassifier(loss="log_loss", penalty=None, learning_rate="constant", eta0=eta, shuffle=False)
        else:
            model = SGDRegressor(loss="squared_error", penalty=None, learning_rate="constant", eta0=eta, shuffle=False)
        total, seen = 0.0, 0
        for xb, yb in batches[: count // SKLEARN_BATCH]:
            if logistic:
                p = model.predict_proba(xb)[:, 1] if seen else np.full(len(yb), 0.5)
                q = np.clip(np.where(yb == 1, p, 1.0 - p), EPSILON, 1.0)
                total -= float(np.log(q).sum())
                model.partial_fit(xb, yb, classes=[0, 1])
            else:
                p = model.predict(xb) if seen else np.zeros(len(yb))
                total += float(((p - yb) ** 2).sum())
                model.partial_fit(xb, yb)
            seen += len(yb)
        return total / seen if logistic else math.sqrt(total / seen)

    return run


def vw_arguments(manifest):
    bits = max(18, int(manifest["dim"] - 1).bit_length())
    loss = ["--loss_function", "logistic"] if manifest["task"] == "logistic" else []
    return ["--quiet", "-b", str(bits), *loss]


def vw_metric(manifest, workspace):
    mean = workspace.get_sum_loss() / workspace.get_weighted_examples()
    return mean if manifest["task"] == "logistic" else math.sqrt(mean)


def vw_strings_tool(manifest):
    """vowpalwabbit.Workspace.learn on pre-built example strings; VW's own progressive loss."""
    with open(manifest["files"]["vw"]) as f:
        lines = f.read().splitlines()

    def run(count):
        workspace = vowpalwabbit.Workspace(arg_list=vw_arguments(manifest))
        for line in lines[:count]:
            workspace.learn(line)
        metric = vw_metric(manifest, workspace)
        workspace.finish()
        return metric

    return run


def vw_driver(manifest, extra):
    """VW's own command-line driver (parser thread and learner), as `python -m vowpalwabbit` runs it."""
    workspace = vowpalwabbit.Workspace(arg_list=[*vw_arguments(manifest), "-d", manifest["files"]["vw"], *extra])
    metric = vw_metric(manifest, workspace)
    workspace.finish()
    return metric


def main():
    with open(sys.argv[1]) as f:
        manifest = json.load(f)
    n, warmup, name = manifest["n"], manifest["warmup"], manifest["name"]
    x, y = load(manifest)
    runs = []

    def record(tool, count, run):
        """The fastest of up to `repeats` timed passes; no more once they add up to `repeatBudgetSeconds`."""
        log(f"  {name}: {tool}")
        passes, spent = [], 0.0
        while len(passes) < manifest["repeats"] and spent < manifest["repeatBudgetSeconds"]:
            passes.append(timed(run))
            spent += passes[-1][0]
        seconds, cpu_seconds, metric = min(passes)
        runs.append({"tool": tool, "n": count, "seconds": seconds, "cpuSeconds": cpu_seconds, "metric": metric})

    def measure(tool, run, count=n):
        run(min(warmup, count))
        record(tool, count, lambda: run(count))

    with threadpool_limits(limits=1):
        measure("River", river_tool(manifest, x, y))
        measure("sklearn partial_fit", sklearn_tool(manifest, x, y), n - n % SKLEARN_BATCH)
        measure("VW pylibvw", vw_strings_tool(manifest))
        record("VW driver text", n, lambda: vw_driver(manifest, []))
        with tempfile.TemporaryDirectory() as scratch:
            cache = os.path.join(scratch, "data.cache")
            vw_driver(manifest, ["--cache_file", cache])  # writes the cache, untimed
            record("VW driver cache", n, lambda: vw_driver(manifest, ["--cache_file", cache]))

    versions = {"river": river.__version__, "scikit-learn": sklearn.__version__, "vowpalwabbit": vowpalwabbit.__version__, "numpy": np.__version__}
    blas = sorted({f"{i.get('internal_api')} {i.get('version')} {i.get('architecture', '')}".strip() for i in threadpool_info()})
    json.dump({"versions": versions, "blas": blas, "runs": runs}, sys.stdout)


if __name__ == "__main__":
    main()
