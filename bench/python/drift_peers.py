"""Peers of the `drift` benchmark suite: River's ADWIN, PageHinkley, DDM and KSWIN.

Invoked by bench/suites/drift.ts with the `drift` venv: `python drift_peers.py <manifest.json>`. The
manifest names each stream's data file (float64 values, written by the TypeScript side), its change
points and the detectors' parameters; the runs go to stdout as JSON, progress to stderr. The values are
converted to a Python list before the clock starts.
"""
import json
import sys
import time

import numpy as np
import river
from river import drift


def log(message):
    print(message, file=sys.stderr, flush=True)


def make(spec):
    kind = spec["kind"]
    if kind == "ADWIN":
        return drift.ADWIN(delta=spec["delta"], clock=spec["clock"], max_buckets=spec["maxBuckets"], min_window_length=spec["minWindowLength"], grace_period=spec["gracePeriod"])
    if kind == "PageHinkley":
        return drift.PageHinkley(min_instances=spec["minInstances"], delta=spec["delta"], threshold=spec["threshold"], alpha=spec["alpha"], mode=spec["mode"])
    if kind == "DDM":
        return drift.binary.DDM(warm_start=spec["warmStart"], warning_threshold=spec["warningThreshold"], drift_threshold=spec["driftThreshold"])
    if kind == "KSWIN":
        return drift.KSWIN(alpha=spec["alpha"], window_size=spec["windowSize"], stat_size=spec["statSize"], seed=spec["seed"])
    raise ValueError(kind)


def main():
    manifest = json.load(open(sys.argv[1]))
    runs = []
    for job in manifest["jobs"]:
        values = np.fromfile(job["file"], dtype=np.float64).tolist()
        detector = make(job["spec"])
        detections = []
        wall, cpu = time.perf_counter(), time.process_time()
        for i, v in enumerate(values):
            detector.update(v)
            if detector.drift_detected:
                detections.append(i)
        seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
        log(f"  River {job['name']}: {len(values) / seconds:,.0f} updates/s, {len(detections)} detections")
        runs.append({"tool": "River", "name": job["name"], "n": len(values), "seconds": seconds, "cpuSeconds": cpu_seconds, "detections": detections})
    print(json.dumps({"versions": {"river": river.__version__}, "runs": runs}))


main()
