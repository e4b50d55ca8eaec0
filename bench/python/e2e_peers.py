"""Peer of the e2e suite's ctr-logistic run: a confluent-kafka consumer loop with River doing the same work.

Invoked by bench/suites/e2e.ts with the `e2e` venv: `python e2e_peers.py <brokers> <topic> <messages>`.
Reads the topic from the earliest offset under a fresh group, and for each JSON event: one-hot features of
the nine categorical fields, the crosses of age with salary, commission and elevel (ctr-logistic's VW-style
`-q`), River's FTRL-Proximal logistic regression (alpha 0.1, beta 1, l1 = l2 = 0.5: ctr-logistic's stepSize
0.1, regParam 1, elasticNetParam 0.5), and the same prequential metrics (accuracy, log loss, each overall
and over the last 2,000, rolling ROC AUC over 2,000), each event predicted before it is learned.
Timed like the TypeScript runs: from the first batch on, counting the records after it. Prints
{records, seconds, cpuSeconds, startupSeconds, metrics} as JSON on stdout; progress goes to stderr.
confluent-kafka's defaults make a fast loop wait about half its time (performance-anchors.md):
`queued.min.messages` is raised so that the peer is tuned fairly.
"""
import json
import sys
import time
import uuid

from confluent_kafka import Consumer
from river import linear_model, metrics, optim, utils

FIELDS = ["age", "salary", "commission", "elevel", "car", "zipcode", "hvalue", "hyears", "loan"]
CROSSED = ["salary", "commission", "elevel"]
WINDOW = 2000


def features(event):
    x = {f"{name}={event[name]}": 1.0 for name in FIELDS}
    age = event["age"]
    for name in CROSSED:
        x[f"age={age}^{name}={event[name]}"] = 1.0
    return x


def main():
    brokers, topic, messages = sys.argv[1], sys.argv[2], int(sys.argv[3])
    consumer = Consumer(
        {
            "bootstrap.servers": brokers,
            "group.id": f"bench-e2e-river-{uuid.uuid4()}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "queued.min.messages": 1000000,
        }
    )
    model = linear_model.LogisticRegression(optimizer=optim.FTRLProximal(alpha=0.1, beta=1.0, l1=0.5, l2=0.5), intercept_lr=0.0)
    scores = {
        "accuracy": metrics.Accuracy(),
        "rollingAccuracy": utils.Rolling(metrics.Accuracy, window_size=WINDOW),
        "logLoss": metrics.LogLoss(),
        "rollingLogLoss": utils.Rolling(metrics.LogLoss, window_size=WINDOW),
        "rollingRocAuc": metrics.RollingROCAUC(window_size=WINDOW),
    }
    probability_metrics = {"logLoss", "rollingLogLoss", "rollingRocAuc"}
    subscribed = time.perf_counter()
    consumer.subscribe([topic])
    seen = 0
    first = None
    started = None
    try:
        while seen < messages:
            batch = consumer.consume(num_messages=1000, timeout=1.0)
            for message in batch:
                if message.error():
                    raise RuntimeError(str(message.error()))
                event = json.loads(message.value())
                x = features(event)
                y = event["label"] == 1
                proba = model.predict_proba_one(x)
                p1 = proba.get(True, 0.0)
                for name, metric in scores.items():
                    metric.update(y, proba if name in probability_metrics else p1 >= 0.5)
                model.learn_one(x, y)
            if batch and started is None:
                started = (time.perf_counter(), time.process_time())
                startup = started[0] - subscribed
                first = len(batch)
            seen += len(batch)
    finally:
        consumer.close()
    wall, cpu = time.perf_counter() - started[0], time.process_time() - started[1]
    log = {name: metric.get() for name, metric in scores.items()}
    print(json.dumps({"records": seen - first, "seconds": wall, "cpuSeconds": cpu, "startupSeconds": startup, "metrics": log}))


if __name__ == "__main__":
    main()
