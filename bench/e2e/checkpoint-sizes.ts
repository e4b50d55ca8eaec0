import { gunzipSync, gzipSync } from 'node:zlib';
import { buildCheckpoint } from '../../src/checkpoints/envelope';
import { sparseEntries } from '../../src/checkpoints/sparse';
import { ctrEventStream } from '../../src/datasets/ctr-events';
import { friedmanStream } from '../../src/datasets/friedman';
import { recoEventStream } from '../../src/datasets/reco-events';
import { topicTextStream } from '../../src/datasets/topics-text';
import type { Row } from '../../src/features/stage';
import type { ModelState } from '../../src/state';
import type { Topology } from '../../src/topology/topology';
import { ctrLogistic } from '../../topologies/ctr-logistic';
import { recoMf } from '../../topologies/reco-mf';
import { regressionSgd } from '../../topologies/regression-sgd';
import { textClassifier } from '../../topologies/text-classifier';
import { percentile } from '../io/measure';

export interface SizeRow {
  model: string;
  events: number;
  /** Bytes of the state's arrays laid out dense: what a v2 payload's value columns held. */
  denseBytes: number;
  payloadBytes: number;
  /** Arrays the payload stores sparse, of all. */
  sparseArrays: string;
  gzipBytes: number;
  gzipMs: number;
  gunzipMs: number;
}

interface Trained {
  model: string;
  events: number;
  state: ModelState;
}

function train(model: string, topology: Topology, events: Iterator<Row>, count: number, batch = 500): Trained {
  const learner = topology.config.model();
  const label = topology.config.label;
  for (let done = 0; done < count; done += batch) {
    const xs: Row[] = [];
    for (let i = 0; i < batch; i++) xs.push(events.next().value as Row);
    learner.learnMany(
      xs,
      xs.map((x) => Number(x[label])),
    );
  }
  return { model, events: count, state: learner.state() };
}

/** Real checkpoints of the ready-made models that take no asynchronous setup, trained offline on their generators. */
export function trainedStates(ctrEvents: number): Trained[] {
  return [
    train('ctr-logistic', ctrLogistic(), ctrEventStream({ seed: 1 }) as Iterator<Row>, ctrEvents),
    train('text-classifier', textClassifier(), topicTextStream() as Iterator<Row>, 20_000),
    train('regression-sgd', regressionSgd(), friedmanStream() as Iterator<Row>, 20_000),
    train('reco-mf', recoMf(), recoEventStream() as Iterator<Row>, 20_000),
  ];
}

const median = (values: number[]) => percentile(values, 50);

function timed(repeats: number, work: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    work();
    times.push(performance.now() - start);
  }
  return median(times);
}

/**
 * Payload size of each checkpoint as published (v3: sparse rows where they pay) against its arrays dense,
 * and what gzip (zlib's default level, as kafkajs's GZIP codec calls it) would save, at what cost.
 */
export function measureSizes(trained: Trained[], repeats = 5): SizeRow[] {
  return trained.map(({ model, events, state }) => {
    const { payload } = buildCheckpoint({ modelId: model, version: 1, offsets: [], examplesSeen: events, metrics: {} }, state);
    let gzipped = Buffer.alloc(0);
    const gzipMs = timed(repeats, () => (gzipped = gzipSync(payload)));
    const gunzipMs = timed(repeats, () => gunzipSync(gzipped));
    const arrays = Object.values(state.arrays);
    const sparse = arrays.filter((array) => sparseEntries(array) !== undefined).length;
    return {
      model,
      events,
      denseBytes: arrays.reduce((sum, array) => sum + array.byteLength, 0),
      payloadBytes: payload.byteLength,
      sparseArrays: `${sparse} of ${arrays.length}`,
      gzipBytes: gzipped.byteLength,
      gzipMs,
      gunzipMs,
    };
  });
}
