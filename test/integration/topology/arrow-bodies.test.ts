/**
 * runTopology hands each learned Arrow batch's records back to the codec (`release`), which reuses their bodies'
 * memory for the messages after: what a run's steps kept still reads the cells that were sent, and the model is
 * the one a run that reuses nothing learns (a `transformBatches` turns the release off).
 */
import type { Table } from 'apache-arrow';
import { identity } from 'rxjs';
import { createArrowCodec, numericColumn, tableFromColumns } from '../../../connectors/codecs/arrow';
import { createKafkaSink } from '../../../connectors/kafka/sink';
import { ensureTopics } from '../../../connectors/kafka/topics';
import type { DecodedRecord } from '../../../connectors/types';
import { arraysFromArrow } from '../../../src/checkpoints/arrow-arrays';
import { decodeEnvelope } from '../../../src/checkpoints/envelope';
import { createRmse } from '../../../src/evaluation';
import { pipeline } from '../../../src/features/pipeline';
import { createStandardScaler } from '../../../src/features/standard-scaler';
import { createVectorAssembler } from '../../../src/features/vector-assembler';
import { createLinearRegression } from '../../../src/learners';
import { runTopology } from '../../../src/topology/run-topology';
import { defineTopology, type TopologyConfig } from '../../../src/topology/topology';
import { testBrokers, uniqueName } from '../../support/kafka';
import { readAll } from './support';

const MESSAGES = 40;
const ROWS = 250;

/** Message m's columns: y = 3·x0 − 2·x1 + 1 over rows that differ from message to message. */
function columns(m: number) {
  const x0 = Float64Array.from({ length: ROWS }, (_, i) => Math.sin(m * 1.3 + i * 0.7));
  const x1 = Float64Array.from({ length: ROWS }, (_, i) => Math.cos(m * 0.4 + i * 1.9));
  return { x0, x1, y: Float64Array.from(x0, (x, i) => 3 * x - 2 * x1[i] + 1) };
}

/** Runs the topology over every message; returns the records its steps carried and the last checkpoint's arrays. */
async function learn(brokers: string[], input: string, transformBatches?: TopologyConfig['transformBatches']) {
  const name = uniqueName('arrow-bodies');
  const topology = defineTopology({
    name,
    input: { topic: input, codec: createArrowCodec() },
    label: 'y',
    model: () =>
      pipeline(
        createVectorAssembler({ inputCols: ['x0', 'x1'], outputCol: 'raw' }),
        createStandardScaler({ inputCol: 'raw', outputCol: 'features' }),
        createLinearRegression({ numFeatures: 2 }),
      ),
    metrics: () => ({ rmse: createRmse() }),
    // Fetches of a few messages, batches of two: the bodies of learned batches are free before the next fetch is decoded.
    batch: { maxRecords: 2, maxBytesPerPartition: 16 * 1024 },
    outputs: { modelTopic: `${name}.models`, deadLetterTopic: `${name}.dlq` },
    ...(transformBatches ? { transformBatches } : {}),
  });
  const running = await runTopology(topology, { brokers, fromBeginning: true, until: (progress) => progress.records >= MESSAGES * ROWS });
  const kept: DecodedRecord<unknown>[] = [];
  running.steps.subscribe((step) => kept.push(...step.batch.records));
  await running.done;
  const checkpoints = (await readAll(brokers, topology.config.outputs.modelTopic)).filter((record) => record.key === topology.modelId && record.value !== null);
  const { inlinePayload } = decodeEnvelope(checkpoints[checkpoints.length - 1].value!, 'test');
  return { kept, arrays: arraysFromArrow(inlinePayload) };
}

describe('runTopology on Arrow: message bodies reused', () => {
  it('keeps every record a step carried readable as sent, and learns the model a run without reuse learns', async () => {
    const brokers = testBrokers();
    const input = uniqueName('arrow-bodies-in');
    await ensureTopics({ brokers }, [{ topic: input }]);
    const encoder = createArrowCodec();
    const sink = createKafkaSink({ brokers });
    await sink.send(
      input,
      Array.from({ length: MESSAGES }, (_, m) => ({ key: String(m), value: encoder.encode(tableFromColumns(columns(m))) })),
    );
    await sink.close();

    const reused = await learn(brokers, input);
    expect(reused.kept.length).toBeGreaterThan(0);
    for (const record of reused.kept) {
      const sent = columns(Number(record.offset));
      for (const name of ['x0', 'x1', 'y'] as const) expect(Array.from(numericColumn(record.value as Table, name))).toEqual(Array.from(sent[name]));
    }
    const kept = await learn(brokers, input, identity);
    expect(reused.arrays).toEqual(kept.arrays);
    expect(Object.keys(reused.arrays).length).toBeGreaterThan(0);
  });
});
