"""Peers of the `reco` benchmark suite: River's reco.BiasedMF and reco.FunkMF on the same stream.

Invoked by bench/suites/reco.ts with the `reco` venv: `python reco_peers.py <manifest.json>`. The manifest
names the binary files the TypeScript side wrote (bench/reco/workload.ts: int32 user and item indices,
float64 ratings) and the settings; the runs are printed to stdout as JSON, progress goes to stderr.

For each model: a warm-up pass over the first `warmup` events on a throwaway model, then up to `repeats`
timed passes (fewer once they add up to `repeatBudgetSeconds`), each on a fresh model, predicting every
event before learning it; the fastest counts. A separate pass ranks the item of every `rankEvery`-th event
among the items seen so far, for its user, before learning it, reading River's own biases and factors.
Ids are strings (`u<i>`, `i<j>`), as streamlearn gets them.
"""
import json
import math
import sys
import time

import numpy as np
import river
from river import optim, reco


def log(message):
    print(message, file=sys.stderr, flush=True)


def biased_mf(settings):
    return reco.BiasedMF(
        n_factors=settings["nFactors"],
        bias_optimizer=optim.SGD(settings["learningRate"]),
        latent_optimizer=optim.SGD(settings["learningRate"]),
        l2_bias=settings["l2"],
        l2_latent=settings["l2"],
        latent_initializer=optim.initializers.Normal(mu=0.0, sigma=settings["initStd"], seed=settings["seed"]),
        seed=settings["seed"],
    )


def funk_mf(settings):
    return reco.FunkMF(
        n_factors=settings["nFactors"],
        optimizer=optim.SGD(settings["learningRate"]),
        l2=settings["l2"],
        initializer=optim.initializers.Normal(mu=0.0, sigma=settings["initStd"], seed=settings["seed"]),
        seed=settings["seed"],
    )


def item_scores(model, user, items):
    """Every known item's score for the user, from the model's dicts; reading never creates entries."""
    factors = np.array([model.i_latents[item] for item in items])
    user_factors = model.u_latents.get(user)
    scores = factors @ user_factors if user_factors is not None else np.zeros(len(items))
    if isinstance(model, reco.BiasedMF):
        biases = np.array([model.i_biases.get(item, 0.0) for item in items])
        scores = scores + biases + model.global_mean.get() + model.u_biases.get(user, 0.0)
    return scores


def rank_of(scores, position):
    """1-based rank with ties broken by first appearance, as streamlearn's item table does."""
    target = scores[position]
    return 1 + int(np.count_nonzero(scores > target)) + int(np.count_nonzero(scores[:position] == target))


def ranking_pass(make, users, items, ratings, rank_every, k=10):
    model = make()
    known, seen = [], {}
    hits = ndcg = rr = 0.0
    ranked = 0
    for i in range(len(users)):
        user, item = users[i], items[i]
        if i % rank_every == 0:
            ranked += 1
            position = seen.get(item)
            if position is not None:
                rank = rank_of(item_scores(model, user, known), position)
                hits += rank <= k
                ndcg += 1 / math.log2(rank + 1) if rank <= k else 0.0
                rr += 1 / rank
        if item not in seen:
            seen[item] = len(known)
            known.append(item)
        model.learn_one(user, item, ratings[i])
    return {"hitRate": hits / ranked, "ndcg": ndcg / ranked, "mrr": rr / ranked, "ranked": ranked}


def predict_then_learn(model, users, items, ratings, count):
    squares = absolute = 0.0
    for i in range(count):
        error = model.predict_one(users[i], items[i]) - ratings[i]
        squares += error * error
        absolute += abs(error)
        model.learn_one(users[i], items[i], ratings[i])
    return math.sqrt(squares / count), absolute / count


def measure(name, make, users, items, ratings, manifest):
    log(name)
    n = len(users)
    ranking = ranking_pass(make, users, items, ratings, manifest["rankEvery"])
    predict_then_learn(make(), users, items, ratings, min(n, manifest["warmup"]))
    best, spent = None, 0.0
    for _ in range(manifest["repeats"]):
        if spent >= manifest["repeatBudgetSeconds"]:
            break
        model = make()
        wall, cpu = time.perf_counter(), time.process_time()
        rmse, mae = predict_then_learn(model, users, items, ratings, n)
        seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
        spent += seconds
        if best is None or seconds < best["seconds"]:
            best = {"tool": name, "feedback": "explicit", "n": n, "seconds": seconds, "cpuSeconds": cpu_seconds, "rmse": rmse, "mae": mae, **ranking}
    return best


def main(path):
    with open(path) as file:
        manifest = json.load(file)
    files = manifest["files"]
    users = [f"u{u}" for u in np.fromfile(files["users"], dtype="<i4").tolist()]
    items = [f"i{i}" for i in np.fromfile(files["items"], dtype="<i4").tolist()]
    ratings = np.fromfile(files["ratings"], dtype="<f8").tolist()
    settings = manifest["river"]
    runs = [
        measure("River BiasedMF", lambda: biased_mf(settings), users, items, ratings, manifest),
        measure("River FunkMF", lambda: funk_mf(settings), users, items, ratings, manifest),
    ]
    versions = {"python": sys.version.split()[0], "river": river.__version__, "numpy": np.__version__}
    print(json.dumps({"versions": versions, "runs": runs}))


if __name__ == "__main__":
    main(sys.argv[1])
