"""Peers of the `neural` benchmark suite: Keras (TensorFlow CPU, `train_on_batch`) and PyTorch.

Invoked by bench/suites/neural.ts with the `neural` venv, one process per peer and thread count (thread
pools are fixed when a framework starts): `python neural_peers.py <manifest.json> <keras|torch> <threads>`,
threads 0 meaning the framework's default. The manifest names the float32 data files the TypeScript side
wrote (bench/neural/workloads.ts) and the workloads; the runs are printed to stdout as JSON, progress goes
to stderr. Each workload trains a fresh MLP inputs-h-h-1 (relu, sigmoid output, Adam, binary
cross-entropy): the warm-up steps on the first batches, then one timed pass over all the data in order,
on batches built before the clock starts.
"""
import json
import os
import sys
import time

import numpy as np


def log(message):
    print(message, file=sys.stderr, flush=True)


def load(manifest):
    n, inputs = manifest["n"], manifest["inputs"]
    x = np.fromfile(manifest["x"], dtype="<f4").reshape(n, inputs)
    y = np.fromfile(manifest["y"], dtype="<f4").reshape(n, 1)
    return x, y


def batches(x, y, batch):
    steps = len(x) // batch
    return [(x[s * batch:(s + 1) * batch], y[s * batch:(s + 1) * batch]) for s in range(steps)]


def timed_passes(step, data, manifest):
    """Warm-up steps, then `repeats` timed passes in a row: the fastest pass's seconds and CPU seconds, and
    the mean loss over the last quarter of the last pass."""
    for xb, yb in data[:manifest["warmupSteps"]]:
        step(xb, yb)
    best = (float("inf"), float("inf"))
    for _ in range(manifest["repeats"]):
        losses = []
        cpu, wall = time.process_time(), time.perf_counter()
        for xb, yb in data:
            losses.append(step(xb, yb))
        best = min(best, (time.perf_counter() - wall, time.process_time() - cpu))
    last = losses[len(losses) * 3 // 4:]
    return best[0], best[1], float(sum(last) / len(last))


def keras_peer(manifest, threads):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    import keras

    if threads > 0:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    keras.utils.set_random_seed(1)
    x, y = load(manifest)
    runs = []
    jit = None
    for workload in manifest["workloads"]:
        log(f"keras ({threads or 'default'} threads): {workload['name']}")
        hidden = workload["hidden"]
        model = keras.Sequential([
            keras.Input(shape=(manifest["inputs"],)),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ])
        model.compile(optimizer=keras.optimizers.Adam(manifest["learningRate"]), loss="binary_crossentropy")
        data = [(tf.constant(xb), tf.constant(yb)) for xb, yb in batches(x, y, workload["batch"])]
        seconds, cpu_seconds, loss = timed_passes(lambda xb, yb: float(model.train_on_batch(xb, yb)), data, manifest)
        jit = model.jit_compile
        runs.append(run(f"Keras {threads}T" if threads else "Keras default", workload, len(data), seconds, cpu_seconds, loss))
    versions = {"tensorflow": tf.__version__, "keras": keras.__version__, "kerasJitCompile": bool(jit),
                "kerasThreads": threads}
    return versions, runs


def torch_peer(manifest, threads):
    import torch

    if threads > 0:
        torch.set_num_threads(threads)
    torch.manual_seed(1)
    x, y = load(manifest)
    runs = []
    for workload in manifest["workloads"]:
        log(f"torch ({torch.get_num_threads()} threads): {workload['name']}")
        hidden = workload["hidden"]
        model = torch.nn.Sequential(
            torch.nn.Linear(manifest["inputs"], hidden), torch.nn.ReLU(),
            torch.nn.Linear(hidden, hidden), torch.nn.ReLU(),
            torch.nn.Linear(hidden, 1), torch.nn.Sigmoid(),
        )
        optimizer = torch.optim.Adam(model.parameters(), lr=manifest["learningRate"])
        criterion = torch.nn.BCELoss()
        data = [(torch.from_numpy(xb), torch.from_numpy(yb)) for xb, yb in batches(x, y, workload["batch"])]

        def step(xb, yb):
            optimizer.zero_grad(set_to_none=True)
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            return loss.item()

        seconds, cpu_seconds, loss = timed_passes(step, data, manifest)
        runs.append(run(f"PyTorch {torch.get_num_threads()}T", workload, len(data), seconds, cpu_seconds, loss))
    return {"torch": torch.__version__, "torchThreads": torch.get_num_threads()}, runs


def run(tool, workload, steps, seconds, cpu_seconds, loss):
    return {"tool": tool, "workload": workload["name"], "samples": steps * workload["batch"], "seconds": seconds,
            "cpuSeconds": cpu_seconds, "loss": loss}


def main():
    manifest_path, peer, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(manifest_path) as f:
        manifest = json.load(f)
    peers = {"keras": keras_peer, "torch": torch_peer}
    if peer not in peers:
        raise SystemExit(f"unknown peer {peer!r}; expected one of {', '.join(peers)}")
    versions, runs = peers[peer](manifest, threads)
    versions["numpy"] = np.__version__
    json.dump({"versions": versions, "runs": runs}, sys.stdout)


if __name__ == "__main__":
    main()
