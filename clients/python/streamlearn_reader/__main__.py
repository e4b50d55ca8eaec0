"""Command line: `python -m streamlearn_reader show|predict --brokers B --topic T --model-id M [--input F]`,
or `--file R` instead of the topic: one unchunked checkpoint record's value, saved to a file.

`show` prints the manifest and each array's dtype, shape and role as JSON. `predict` reads JSON from
--input (or stdin): `{"rows": [...]}` gives `predictions` (and `probabilities` for classifiers);
`{"recommend": [{"userId": u, "k": 10, "exclude": [...]}]}` gives `recommendations` (recommenders).
"""
from __future__ import annotations

import argparse
import json
import math
import sys

from confluent_kafka import KafkaException

from .checkpoint import CheckpointError, decode_envelope, open_checkpoint
from .models import load_model
from .topic import read_checkpoint


def _number(x: float):
    return None if math.isnan(x) else x


def _predict(model, request: dict) -> dict:
    out: dict = {}
    rows = request.get("rows")
    if rows is not None:
        out["predictions"] = [_number(model.predict_one(row)) for row in rows]
        if hasattr(model, "predict_label_one"):
            out["labels"] = [model.predict_label_one(row) for row in rows]
        if hasattr(model, "predict_proba_one") and request.get("probabilities"):
            out["probabilities"] = [[_number(float(p)) for p in model.predict_proba_one(row)] for row in rows]
    for ask in request.get("recommend", []):
        found = model.recommend(ask["userId"], ask["k"], ask.get("exclude", ()), ask.get("context"))
        out.setdefault("recommendations", []).append([{"itemId": item, "score": score} for item, score in found])
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="streamlearn-reader", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["show", "predict"])
    parser.add_argument("--brokers")
    parser.add_argument("--topic")
    parser.add_argument("--model-id")
    parser.add_argument("--file", help="a checkpoint record's value (unchunked), instead of reading a topic")
    parser.add_argument("--input", help="JSON request file (predict); stdin when absent")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("-X", dest="properties", action="append", default=[], metavar="KEY=VALUE",
                        help="a librdkafka setting for the consumer (security.protocol, sasl.*, ssl.*); repeatable")
    args = parser.parse_args(argv)
    try:
        rejected: list[str] = []
        if args.file:
            with open(args.file, "rb") as record:
                manifest, payload = decode_envelope(record.read(), args.file)
            checkpoint = open_checkpoint(manifest, payload)
        elif args.brokers and args.topic and args.model_id:
            config = dict(p.split("=", 1) for p in args.properties if "=" in p)
            if len(config) != len(args.properties):
                parser.error("-X takes KEY=VALUE")
            checkpoint = read_checkpoint(args.brokers, args.topic, args.model_id, timeout=args.timeout, config=config, on_rejected=rejected.append)
        else:
            parser.error("give --brokers, --topic and --model-id, or --file")
        result: dict = {"manifest": checkpoint.manifest, "rejected": rejected}
        if args.command == "show":
            result["arrays"] = {name: {"dtype": info.dtype, "shape": list(info.shape), "role": info.role, "derived": info.derived, "encoding": info.encoding}
                                for name, info in checkpoint.layout.items()}
        else:
            with (open(args.input, encoding="utf-8") if args.input else sys.stdin) as source:
                request = json.load(source)
            result.update(_predict(load_model(checkpoint), request))
        json.dump(result, sys.stdout)
        sys.stdout.write("\n")
        return 0
    except (CheckpointError, KafkaException, ValueError, KeyError) as err:
        print(f"streamlearn-reader: {type(err).__name__}: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
