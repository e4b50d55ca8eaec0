/**
 * A mixing worker's slot taking a published version over (src/topology/mixing/adopt.ts, docs/scale-out.md):
 * `adoptVersion` at the start of a generation drops what was not mixed; `carryOnto` adopts the merged
 * version of a round this worker contributed to and keeps what it learned since, as a parameter
 * difference (kinds with a carry) or by learning those records again (kinds without), once either way.
 */
import '../../../src/builtins';
import { createJsonCodec } from '../../../connectors/codecs/json';
import { buildCheckpoint, type Checkpoint } from '../../../src/checkpoints/envelope';
import { createImputer } from '../../../src/features/imputer';
import { pipeline } from '../../../src/features/pipeline';
import type { Row } from '../../../src/features/stage';
import { createVectorAssembler } from '../../../src/features/vector-assembler';
import { createLinearRegression } from '../../../src/learners';
import { fromState } from '../../../src/learners/registry';
import { encodeMetricStates } from '../../../src/topology/metric-state';
import { adoptVersion, carryOnto, contributedAt, type Contributed } from '../../../src/topology/mixing/adopt';
import type { ModelSlot } from '../../../src/topology/model-slot';
import { assertLedger } from '../../../src/topology/slot-ledger';
import type { Topology, TopologyModel } from '../../../src/topology/topology';
import { bytesOf, FIELDS, learnAll, linearEvents, regressionTopology } from './harness';

/** The memory source's topic: the topology's input, so that partition 0 is "owned". */
const input = { topic: 'memory', codec: createJsonCodec() };
const linear = regressionTopology({ input });
const imputed = regressionTopology({
  input,
  model: () =>
    pipeline(
      createImputer({ inputCols: FIELDS, outputCols: ['f0', 'f1'], strategy: 'median' }),
      createVectorAssembler({ inputCols: ['f0', 'f1'], outputCol: 'features' }),
      createLinearRegression({ numFeatures: 2, stepSize: 0.05 }),
    ),
});
const events = linearEvents(200);
const weightsOf = (state: { arrays: Record<string, ArrayLike<number>> }) => Array.from(state.arrays['model/weights']);

/** A worker that learned events 0..39 of partition 0 and contributed after the first 20. */
async function worker(topology: Topology): Promise<{ slot: ModelSlot; at: Contributed }> {
  let at: Contributed | undefined;
  const run = await learnAll(topology, bytesOf(events.slice(0, 40)), {
    maxRecords: 10,
    afterBatch: async ({ slot }) => {
      if (slot.examplesSeen === 20) at = contributedAt(slot, slot.model.state());
    },
  });
  return { slot: run.slots.get('0')!, at: at! };
}

/** A merged version: another model's state, 100 examples, this worker's partition at 20 and partition 1 at 55. */
function mergedVersion(topology: Topology, version = 3): Checkpoint {
  const model = topology.config.model();
  const metrics = topology.config.metrics();
  const rows = events.slice(100, 130);
  const predictions = model.predictMany(rows);
  rows.forEach((row, i) => Object.values(metrics).forEach((metric) => metric.update(row.y as number, predictions[i])));
  model.learnMany(
    rows,
    Float64Array.from(rows, (row) => row.y as number),
  );
  const state = model.state();
  const fields = {
    modelId: topology.modelId,
    version,
    generation: 2,
    offsets: [
      { topic: 'memory', partition: 0, offset: '20' },
      { topic: 'memory', partition: 1, offset: '55' },
    ],
    examplesSeen: 100,
    metrics: {},
    extra: { metricState: encodeMetricStates(metrics) },
  };
  return { manifest: buildCheckpoint(fields, state).manifest, state };
}

describe('carryOnto', () => {
  it('a kind with a carry: the merged model plus what the worker learned since it contributed, nothing learned again', async () => {
    const { slot, at } = await worker(linear);
    const now = slot.model.state();
    const journal = slot.journal.slice(at.journalLength);
    const maeNow = slot.metrics.mae.count();
    const version = mergedVersion(linear);
    slot.version = 1;
    const relearned = carryOnto({ topology: linear, slot }, version, at, [0]);
    expect(relearned).toBe(0);
    const expected = weightsOf(version.state).map((w, i) => w + (weightsOf(now)[i] - weightsOf(at.state)[i]));
    weightsOf(slot.model.state()).forEach((w, i) => expect(w).toBeCloseTo(expected[i], 12));
    expect(slot.examplesSeen).toBe(120);
    expect(slot.version).toBe(3);
    expect(slot.sinceCheckpoint).toBe(20);
    expect(slot.journal).toEqual(journal);
    expect(slot.journal).toHaveLength(2);
    // Its own partition stays where it learned to; the other takes the version's offset, with a ledger that starts there.
    expect(Object.fromEntries([...slot.offsets].map(([key, o]) => [key, o.offset]))).toEqual({ 'memory/0': '40', 'memory/1': '55' });
    expect(slot.ledger.get('memory/0')).toEqual({ checkpointed: 20n, consumed: 20, skipped: 0n });
    expect(slot.ledger.get('memory/1')).toEqual({ checkpointed: 55n, consumed: 0, skipped: 0n });
    expect(() => assertLedger(slot)).not.toThrow();
    // Overall metrics: the version's 30 pairs plus the 20 scored since the contribution; the rollback point agrees.
    expect(slot.metrics.mae.count()).toBe(30 + maeNow - 20);
    expect(slot.lastGood.examplesSeen).toBe(120);
    expect(weightsOf(slot.lastGood.state)).toEqual(weightsOf(slot.model.state()));
    // A slot already past the version's number keeps its own.
    const later = await worker(linear);
    later.slot.version = 9;
    carryOnto({ topology: linear, slot: later.slot }, version, later.at, [0]);
    expect(later.slot.version).toBe(9);
  });

  it('a kind without a carry: the merged model learns the records since the contribution again, once', async () => {
    const { slot, at } = await worker(imputed);
    const version = mergedVersion(imputed);
    const relearned = carryOnto({ topology: imputed, slot }, version, at, [0]);
    expect(relearned).toBe(20);
    const expected = fromState<Row>(version.state) as TopologyModel;
    const since = events.slice(20, 40);
    expected.learnMany(
      since,
      Float64Array.from(since, (row) => row.y as number),
    );
    expect(weightsOf(slot.model.state())).toEqual(weightsOf(expected.state()));
    expect(slot.examplesSeen).toBe(120);
    expect(slot.ledger.get('memory/0')).toEqual({ checkpointed: 20n, consumed: 20, skipped: 0n });
    // The rollback point is the merged version as published: the re-learned records are in the journal after it.
    expect(slot.lastGood.examplesSeen).toBe(100);
    expect(weightsOf(slot.lastGood.state)).toEqual(weightsOf(version.state));
    expect(slot.journal).toHaveLength(2);
  });

  it('a worker that owns no partition of the version takes every offset from it', async () => {
    const { slot, at } = await worker(linear);
    carryOnto({ topology: linear, slot }, mergedVersion(linear), at, []);
    expect(slot.offsets.get('memory/0')?.offset).toBe('20');
    expect(slot.ledger.get('memory/0')).toEqual({ checkpointed: 20n, consumed: 0, skipped: 0n });
  });
});

describe('adoptVersion', () => {
  it('puts the slot at the version: its model, examples and offsets, a fresh ledger and journal; overall metrics go back, windowed ones stay', async () => {
    const { slot } = await worker(linear);
    const rolling = slot.metrics.rollingRmse.state();
    const version = mergedVersion(linear);
    slot.version = 1;
    adoptVersion({ topology: linear, slot }, version);
    expect(weightsOf(slot.model.state())).toEqual(weightsOf(version.state));
    expect(slot.examplesSeen).toBe(100);
    expect(slot.version).toBe(3);
    expect(Object.fromEntries([...slot.offsets].map(([key, o]) => [key, o.offset]))).toEqual({ 'memory/0': '20', 'memory/1': '55' });
    expect(slot.ledger.get('memory/0')).toEqual({ checkpointed: 20n, consumed: 0, skipped: 0n });
    expect(slot.ledger.size).toBe(2);
    expect([slot.sinceCheckpoint, slot.journal.length]).toEqual([0, 0]);
    expect(slot.metrics.mae.count()).toBe(30);
    expect(slot.metrics.rollingRmse.state()).toEqual(rolling);
    expect(slot.lastGood.examplesSeen).toBe(100);
    expect(Date.now() - slot.lastCheckpointAt).toBeLessThan(60_000);
  });

  it('without a version: a fresh model from nothing, and a slot already numbered past keeps its number', async () => {
    const { slot } = await worker(linear);
    slot.version = 4;
    adoptVersion({ topology: linear, slot }, undefined);
    expect(weightsOf(slot.model.state())).toEqual(weightsOf(linear.config.model().state()));
    expect(slot.examplesSeen).toBe(0);
    expect(slot.version).toBe(4);
    expect(slot.offsets.size).toBe(0);
    expect(slot.ledger.size).toBe(0);
    expect(slot.metrics.mae.count()).toBe(0);
    expect(slot.metrics.rollingRmse.count()).toBeGreaterThan(0);
    expect(slot.lastGood.examplesSeen).toBe(0);
  });
});
