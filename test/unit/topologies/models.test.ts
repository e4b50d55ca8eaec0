import { ctrEventStream } from '../../../src/datasets/ctr-events';
import { friedmanStream } from '../../../src/datasets/friedman';
import { topicTextStream } from '../../../src/datasets/topics-text';
import { createAccuracy, createR2 } from '../../../src/evaluation';
import type { Row } from '../../../src/features/stage';
import type { Topology } from '../../../src/topology/topology';
import { ctrLogistic } from '../../../topologies/ctr-logistic';
import { regressionSgd } from '../../../topologies/regression-sgd';
import { textClassifier } from '../../../topologies/text-classifier';

/** Prequential score of a topology's model over `n` events, in micro-batches like the runtime's. */
function prequential(topology: Topology, events: Iterator<Row>, n: number, metric = createAccuracy({ window: 2000 }), batch = 100): number {
  const model = topology.config.model();
  for (let done = 0; done < n; done += batch) {
    const rows = Array.from({ length: batch }, () => events.next().value as Row);
    const ys = Float64Array.from(rows, (row) => row[topology.config.label] as number);
    const predictions = model.predictMany(rows);
    predictions.forEach((p, i) => metric.update(ys[i], p));
    model.learnMany(rows, ys);
  }
  return metric.get();
}

describe('the ready-made topologies learn their streams', () => {
  it('ctr-logistic learns Agrawal function 0, then function 2 after the drift, through its crosses', () => {
    const before = prequential(ctrLogistic(), ctrEventStream({ functionBefore: 0 }) as Iterator<Row>, 30_000);
    const after = prequential(ctrLogistic(), ctrEventStream({ functionBefore: 2 }) as Iterator<Row>, 30_000);
    expect(before).toBeGreaterThan(0.97);
    expect(after).toBeGreaterThan(0.95);
  });

  it('regression-sgd reaches the R² of a linear fit on Friedman #1', () => {
    // The best linear model explains about 75% of Friedman #1's variance with unit noise.
    expect(prequential(regressionSgd(), friedmanStream() as Iterator<Row>, 30_000, createR2({ window: 5000 }))).toBeGreaterThan(0.65);
  });

  it('text-classifier separates the four topics', () => {
    expect(prequential(textClassifier(), topicTextStream() as Iterator<Row>, 20_000)).toBeGreaterThan(0.9);
  });
});
