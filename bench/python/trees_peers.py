"""Peers of the `trees` benchmark suite: River's Hoeffding trees and ARF, and MOA's through CapyMOA.

Invoked by bench/suites/trees.ts with the `trees` venv: `python trees_peers.py <manifest.json>`. The
manifest names one workload's data file (float64 rows: d features then the label, written by the
TypeScript side), its task and the models' parameters; the runs go to stdout as JSON, progress to stderr.
Each model predicts every event before learning it (prequential). River's inputs (dicts) are built
before the clock starts. MOA runs through capymoa's `prequential_evaluation`, whose loop is Java's own
(`optimise=True`), so its figures exclude Python's per-event overhead.
"""
import json
import math
import sys
import time

import numpy as np
import river
from river import forest, tree


def log(message):
    print(message, file=sys.stderr, flush=True)


def river_models(manifest):
    p, d = manifest["params"], manifest["dim"]
    subspace = max(1, round(math.sqrt(d)))
    if manifest["task"] == "classification":
        common = dict(grace_period=p["gracePeriod"], delta=p["splitConfidence"], tau=p["tieThreshold"], leaf_prediction="nba", split_criterion="info_gain")
        return {
            "HT": lambda: tree.HoeffdingTreeClassifier(**common),
            "HAT": lambda: tree.HoeffdingAdaptiveTreeClassifier(**common, bootstrap_sampling=False, drift_window_threshold=300, switch_significance=0.05, seed=1),
            "ARF": lambda: forest.ARFClassifier(n_models=p["numModels"], max_features=subspace, lambda_value=6, grace_period=p["forestGracePeriod"], delta=p["forestSplitConfidence"], tau=p["tieThreshold"], leaf_prediction="nba", seed=1),
        }
    common = dict(grace_period=p["gracePeriod"], delta=p["splitConfidence"], tau=p["tieThreshold"], leaf_prediction="adaptive")
    return {
        "HT": lambda: tree.HoeffdingTreeRegressor(**common),
        "HAT": lambda: tree.HoeffdingAdaptiveTreeRegressor(**common, bootstrap_sampling=False, drift_window_threshold=300, switch_significance=0.05, seed=1),
        "ARF": lambda: forest.ARFRegressor(n_models=p["numModels"], max_features=subspace, lambda_value=6, grace_period=p["forestGracePeriod"], delta=p["forestSplitConfidence"], tau=p["tieThreshold"], leaf_prediction="adaptive", aggregation_method="median", seed=1),
    }


def run_river(name, make, rows, ys, classification):
    model = make()
    wall, cpu = time.perf_counter(), time.process_time()
    right, error = 0, 0.0
    for x, y in zip(rows, ys):
        predicted = model.predict_one(x)
        if classification:
            right += predicted == y
        else:
            error += abs((predicted or 0.0) - y)
        model.learn_one(x, y)
    seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
    n = len(ys)
    metric = right / n if classification else error / n
    memory = int(model._raw_memory_usage)
    log(f"  River {name}: {n / seconds:,.0f} events/s, metric {metric:.4f}")
    return {"tool": "River", "model": name, "n": n, "seconds": seconds, "cpuSeconds": cpu_seconds, "metric": metric, "memoryBytes": memory}


def run_moa(name, x, y, manifest):
    from capymoa.evaluation import prequential_evaluation
    from capymoa.stream import NumpyStream

    p, d = manifest["params"], manifest["dim"]
    classification = manifest["task"] == "classification"
    subspace = max(1, round(math.sqrt(d)))
    if classification:
        from capymoa.classifier import AdaptiveRandomForestClassifier, HoeffdingAdaptiveTree, HoeffdingTree

        stream = NumpyStream(x, y.astype(int), dataset_name="trees", target_type="categorical")
        schema = stream.get_schema()
        learners = {
            "HT": lambda: HoeffdingTree(schema, grace_period=p["gracePeriod"], confidence=p["splitConfidence"], tie_threshold=p["tieThreshold"]),
            "HAT": lambda: HoeffdingAdaptiveTree(schema, grace_period=p["gracePeriod"], confidence=p["splitConfidence"], tie_threshold=p["tieThreshold"]),
            # MOA's defaults are ADWIN 0.001 (drift) / 0.01 (warning), grace 50, δ 0.01, NB-adaptive leaves: ours. Only m is set.
            "ARF": lambda s=schema, seed=1: AdaptiveRandomForestClassifier(s, ensemble_size=p["numModels"], max_features=subspace, lambda_param=6.0, random_seed=seed),
        }
    else:
        from capymoa.regressor import FIMTDD, AdaptiveRandomForestRegressor

        stream = NumpyStream(x, y, dataset_name="trees", target_type="numeric")
        schema = stream.get_schema()
        learners = {
            # FIMT-DD is MOA's Hoeffding tree regressor (perceptron leaves, Page-Hinkley drift detection at the nodes).
            "HT": lambda: FIMTDD(schema, grace_period=p["gracePeriod"], split_confidence=p["splitConfidence"], tie_threshold=p["tieThreshold"]),
            "ARF": lambda: AdaptiveRandomForestRegressor(schema, ensemble_size=p["numModels"], max_features=subspace, lambda_param=6.0, random_seed=1),
        }
    if name not in learners:
        return None
    learner = learners[name]()
    wall, cpu = time.perf_counter(), time.process_time()
    results = prequential_evaluation(stream, learner, max_instances=len(y), window_size=max(1000, len(y)), optimise=True)
    seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
    n = len(y)
    metric = results.cumulative.accuracy() / 100 if classification else results.cumulative.mae()
    log(f"  MOA {name}: {n / seconds:,.0f} events/s, metric {metric:.4f}")
    # The JVM runs inside this process (JPype): process_time counts its threads (JIT and GC included).
    run = {"tool": "MOA (CapyMOA)", "model": name, "n": n, "seconds": seconds, "cpuSeconds": cpu_seconds, "metric": metric, "memoryBytes": None}
    if classification and name == "ARF" and manifest.get("verdict"):
        run["gridMetrics"] = verdict_metrics(learners["ARF"], manifest, metric)
        log(f"  MOA ARF, {len(run['gridMetrics'])} verdict runs: mean {sum(run['gridMetrics']) / len(run['gridMetrics']):.4f}")
    return run


def verdict_metrics(make, manifest, timed_metric):
    """MOA ARF's accuracy on each (stream, forest seed, column order) pair of the verdict, in order (untimed).
    The timed run is stream 0, seed 1, columns as generated: its accuracy is reused."""
    d, n = manifest["dim"], manifest["n"]
    streams = [np.fromfile(f, dtype="<f8").reshape(n, d + 1) for f in manifest["verdict"]["files"]]
    metrics = []
    for pair in manifest["verdict"]["pairs"]:
        if pair["stream"] == 0 and pair["seed"] == 1 and pair["perm"] is None:
            metrics.append(timed_metric)
            continue
        data = streams[pair["stream"]]
        x = data[:, :d] if pair["perm"] is None else data[:, pair["perm"]]
        metrics.append(moa_arf_accuracy(make, pair["seed"], np.ascontiguousarray(x), data[:, d]))
    return metrics


def moa_arf_accuracy(make, seed, x, y):
    """Accuracy of MOA's ARF with forest seed `seed` on the events `x`, `y` (untimed; only the verdict uses it)."""
    from capymoa.evaluation import prequential_evaluation
    from capymoa.stream import NumpyStream

    stream = NumpyStream(x, y.astype(int), dataset_name="trees", target_type="categorical")
    learner = make(stream.get_schema(), seed)
    return prequential_evaluation(stream, learner, max_instances=len(y), window_size=len(y), optimise=True).cumulative.accuracy() / 100


def main():
    manifest = json.load(open(sys.argv[1]))
    n, d = manifest["n"], manifest["dim"]
    data = np.fromfile(manifest["file"], dtype="<f8").reshape(n, d + 1)
    x, y = data[:, :d], data[:, d]
    classification = manifest["task"] == "classification"
    rows = [dict(zip([f"x{j}" for j in range(d)], row)) for row in x.tolist()]
    ys = [int(v) for v in y] if classification else y.tolist()
    runs = []
    for name, make in river_models(manifest).items():
        if name in manifest["models"] and manifest.get("river", True):
            runs.append(run_river(name, make, rows, ys, classification))
    if manifest.get("moa", True):
        for name in ("HT", "HAT", "ARF"):
            if name in manifest["models"]:
                run = run_moa(name, x, y, manifest)
                if run is not None:
                    runs.append(run)
    import capymoa
    print(json.dumps({"versions": {"river": river.__version__, "capymoa": capymoa.__version__, "numpy": np.__version__}, "runs": runs}))


main()
