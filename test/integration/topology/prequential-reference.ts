import type { Checkpoint } from '../../../src/checkpoints/envelope';
import type { Row } from '../../../src/features/stage';
import { metricValues } from '../../../src/topology/model-slot';
import { METRIC_STATE_KEY, resumeMetrics } from '../../../src/topology/metric-state';
import type { Topology } from '../../../src/topology/topology';

/** The prequential metrics of an uninterrupted run over `events`, in micro-batches of `batch` as the runtime learns them. */
export function uninterruptedMetrics(topology: Topology, events: Row[], batch = 1000): Record<string, number> {
  const model = topology.config.model();
  const metrics = topology.config.metrics();
  for (let start = 0; start < events.length; start += batch) {
    const rows = events.slice(start, start + batch);
    const ys = Float64Array.from(rows, (row) => row[topology.config.label] as number);
    const predictions = model.predictMany(rows);
    for (const metric of Object.values(metrics)) predictions.forEach((p, i) => metric.update(ys[i], p));
    model.learnMany(rows, ys);
  }
  return metricValues(metrics);
}

/** The metrics a checkpoint carries, rebuilt from its metric state, with how many pairs each has scored. */
export function checkpointMetrics(topology: Topology, checkpoint: Checkpoint): { values: Record<string, number>; counts: Record<string, number> } {
  const metrics = resumeMetrics(topology.config.metrics(), checkpoint.manifest.extra?.[METRIC_STATE_KEY]);
  return { values: metricValues(metrics), counts: Object.fromEntries(Object.entries(metrics).map(([name, metric]) => [name, metric.count()])) };
}
