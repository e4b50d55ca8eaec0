/**
 * `replayJournal` and `captureHealthy` (operators/divergence.ts): after a rollback, the journal is learned
 * again batch by batch; the batches that diverge are dead-lettered with one line naming them and why, and the
 * others keep their entries and predictions.
 */
import { DivergedError, StreamlearnError } from '../../../src/errors';
import type { ModelSlot, SlotSnapshot } from '../../../src/topology/model-slot';
import type { Failure } from '../../../src/topology/operators/dead-letters';
import { captureHealthy, replayJournal } from '../../../src/topology/operators/divergence';
import { restoreSnapshot } from '../../../src/topology/restore';
import { healthProblem } from '../../../src/topology/slot-health';
import type { Topology } from '../../../src/topology/topology';
import type { Row } from '../../../src/features/stage';
import { createRecoWorld } from '../../../src/datasets/reco-events';
import { recoMf } from '../../../topologies/reco-mf';
import { bytesOf, learnAll, linearEvents, regressionTopology } from './harness';
import type { Table } from 'apache-arrow';
import { createArrowCodec, numericColumn, tableFromColumns } from '../../../connectors/codecs/arrow';

const depsOf = (topology: Topology, maxAbsWeight?: number) => ({
  label: 'y',
  maxAbsWeight,
  restore: (slot: ModelSlot, snapshot: SlotSnapshot) => restoreSnapshot(topology, slot, snapshot),
});

/** 40 events in batches of 10 whose third batch (offsets 20-29) holds a target that explodes the weights past ±50. */
async function explodedRun() {
  const topology = regressionTopology({ guards: { maxAbsWeight: 50, labels: { outliers: false } } });
  const events = linearEvents(40);
  events[25] = { x0: 1, x1: 1, y: 1e5 };
  const run = await learnAll(topology, bytesOf(events), { maxRecords: 10 });
  return { topology, events, slot: run.slots.get('0')! };
}

describe('replayJournal', () => {
  it('keeps the entries that learn cleanly, as the same objects, with the predictions an uninterrupted run without the bad batch makes', async () => {
    const { topology, events, slot } = await explodedRun();
    const entries = [...slot.journal];
    expect(entries.map((entry) => entry.where)).toEqual(['memory/0@0..9', 'memory/0@10..19', 'memory/0@20..29', 'memory/0@30..39']);
    const replay = replayJournal(slot, depsOf(topology, 50));

    expect(slot.journal).toEqual([entries[0], entries[1], entries[3]]);
    expect(slot.journal[2]).toBe(entries[3]);
    expect(slot.examplesSeen).toBe(30);
    const clean = await learnAll(regressionTopology(), bytesOf([...events.slice(0, 20), ...events.slice(30)]), { maxRecords: 10 });
    const predictions = clean.predictions.map((p) => p.prediction);
    expect([...replay.predictions.keys()]).toEqual(slot.journal);
    expect(slot.journal.flatMap((entry) => [...replay.predictions.get(entry)!])).toEqual(predictions);
    expect(slot.model.state().arrays).toEqual(clean.slots.get('0')!.model.state().arrays);

    // One DIVERGED line for each record of the bad batch, naming the batch and the problem found.
    expect(replay.failures.map((failure) => failure.record.offset)).toEqual(Array.from({ length: 10 }, (_, i) => String(20 + i)));
    const error = replay.failures[0].error as DivergedError;
    expect(error.code).toBe('DIVERGED');
    expect(error.message).toMatch(
      /^memory\/0@20\.\.29: learning this batch diverged \(Pipeline array "model\/weights"\[0\] is .*, beyond ±50\); the model was rolled back to its last good state$/,
    );
  });

  it('dead-letters a batch the model cannot learn, naming the model’s error and keeping it as the cause', async () => {
    const topology = regressionTopology({}, 1e300);
    const run = await learnAll(topology, bytesOf(linearEvents(10)), { maxRecords: 10 });
    expect(run.letters.length).toBe(10);
    const error = run.letters[0].error as DivergedError;
    expect(error.message).toMatch(/^memory\/0@0\.\.9: learning this batch diverged \(.+\); the model was rolled back to its last good state$/);
    expect(error.cause).toBeInstanceOf(StreamlearnError);
    expect(error.message).toContain((error.cause as Error).message);
    expect(run.slots.get('0')!.journal).toEqual([]);
  });
});

describe('replayJournal after Arrow bodies were reused', () => {
  /** 40 events as Arrow messages of 5 rows, off an 8-byte boundary as Kafka hands them out (decoding copies each body); offset 5 holds an exploding target. */
  function arrowMessages(): Buffer[] {
    const events = linearEvents(40);
    events[25] = { x0: 1, x1: 1, y: 1e5 };
    const encoder = createArrowCodec();
    return Array.from({ length: 8 }, (_, m) => {
      const chunk = events.slice(5 * m, 5 * m + 5);
      const column = (name: string) => Float64Array.from(chunk, (event) => event[name] as number);
      const bytes = encoder.encode(tableFromColumns({ x0: column('x0'), x1: column('x1'), y: column('y') }));
      const shifted = Buffer.alloc(bytes.length + 3);
      bytes.copy(shifted, 3);
      return shifted.subarray(3);
    });
  }

  /** Learns the messages, then replays the journal as a checkpoint's capture would (the exploded batch diverges). */
  async function arrowReplay(releaseDecoded: boolean) {
    const codec = createArrowCodec();
    const decode = jest.spyOn(codec, 'decode');
    const topology = regressionTopology({ guards: { maxAbsWeight: 50, labels: { outliers: false } }, input: { topic: 'events', codec } });
    const run = await learnAll(topology, arrowMessages(), { maxRecords: 2, releaseDecoded });
    const bodies = decode.mock.results.map((result) => numericColumn(result.value as Table, 'x0').buffer);
    const slot = run.slots.get('0')!;
    const replay = replayJournal(slot, depsOf(topology, 50));
    return { slot, replay, bodies };
  }

  it('learns released batches again from their own bytes, after their bodies held later messages: what a run that reused none learns', async () => {
    const reused = await arrowReplay(true);
    const kept = await arrowReplay(false);
    // Released bodies were decoded onto again: the journal's tables would read later messages' cells if they were its.
    expect(new Set(reused.bodies).size).toBeLessThan(reused.bodies.length);
    expect(new Set(kept.bodies).size).toBe(kept.bodies.length);

    expect(reused.replay.failures.map((failure) => `${failure.record.offset}:${failure.record.row}`)).toEqual(
      Array.from({ length: 10 }, (_, i) => `${4 + Math.floor(i / 5)}:${i % 5}`),
    );
    expect(reused.replay.failures.map((failure) => failure.record.value)).toEqual(kept.replay.failures.map((failure) => failure.record.value));
    expect(reused.slot.examplesSeen).toBe(30);
    expect(reused.slot.model.state().arrays).toEqual(kept.slot.model.state().arrays);
    const predictions = (replay: typeof reused.replay) => [...replay.predictions.values()].flatMap((values) => [...values]);
    expect(predictions(reused.replay)).toHaveLength(30);
    expect(predictions(reused.replay)).toEqual(predictions(kept.replay));
  });
});

describe('captureHealthy', () => {
  it('captures a healthy slot as it is, with what it covers', async () => {
    const topology = regressionTopology();
    const run = await learnAll(topology, bytesOf(linearEvents(30)), { maxRecords: 10 });
    const slot = run.slots.get('0')!;
    const calls: Failure[][] = [];
    const capture = await captureHealthy(slot, depsOf(topology), async (failures) => void calls.push(failures));
    expect(calls).toEqual([]);
    expect(capture.covered).toBe(30);
    expect(capture.covered).toBe(slot.sinceCheckpoint);
    expect(capture.journaled).toEqual(new Set(slot.journal));
    expect(capture.journaled.size).toBe(3);
    expect(capture.snapshot.state.arrays).toEqual(slot.model.state().arrays);
    expect(capture.snapshot.examplesSeen).toBe(30);
    expect(capture.metrics).toEqual(run.steps.at(-1)!.metrics);
    expect(capture.offsets).toEqual([{ topic: 'memory', partition: 0, offset: '30' }]);
    expect([...capture.ledger.keys()]).toEqual(['memory/0']);
  });

  it('replays once when the replay heals the model, and dead-letters the diverged batch before capturing', async () => {
    const { topology, slot } = await explodedRun();
    const calls: Failure[][] = [];
    const capture = await captureHealthy(slot, depsOf(topology, 50), async (failures) => void calls.push(failures));
    expect(calls.map((failures) => failures.length)).toEqual([10]);
    expect(healthProblem(capture.snapshot.state, slot.metrics, 50)).toBeNull();
  });

  it('gives up after two replays when even the last good state is unhealthy, naming the model and the problem', async () => {
    const topology = regressionTopology({ guards: { maxAbsWeight: 1e-9 } });
    const run = await learnAll(topology, bytesOf(linearEvents(10)), { maxRecords: 10 });
    const slot = run.slots.get('0')!;
    slot.lastGood = { ...slot.lastGood, state: slot.model.state() };
    let replays = 0;
    const capture = captureHealthy(slot, depsOf(topology, 1e-9), async () => void replays++);
    await expect(capture).rejects.toThrow(
      /^unit-regression: the model is still not healthy after rolling back to its last good state \(Pipeline array "model\/weights"\[0\] is .*, beyond ±1e-9\)$/,
    );
    await expect(capture).rejects.toBeInstanceOf(DivergedError);
    expect(replays).toBe(2);
  });
});

describe('learnRecords on a model without stages of its own (a recommender)', () => {
  it('vets each event with the model, dead-letters what it refuses, and predicts each batch before learning it', async () => {
    const topology = recoMf({ model: { factors: 4, userCapacity: 1000, itemCapacity: 1000 } });
    const world = createRecoWorld({ users: 50, items: 50, factors: 4, seed: 3 }).events();
    const events: Row[] = Array.from({ length: 40 }, () => world.next().value as unknown as Row);
    events[13] = { itemId: 'i1', rating: 3 };
    const run = await learnAll(topology, bytesOf(events), { maxRecords: 10 });
    expect(run.letters.map((letter) => letter.position.offset)).toEqual(['13']);

    // By hand: predict each batch's good events with the model as it stood before the batch, then learn them.
    const model = topology.config.model();
    const expected: number[] = [];
    for (let start = 0; start < 40; start += 10) {
      const rows = events.slice(start, start + 10).filter((_, i) => start + i !== 13);
      expected.push(...model.predictMany(rows));
      model.learnMany(
        rows,
        Float64Array.from(rows, (row) => row.rating as number),
      );
    }
    expect(run.predictions.map((p) => p.prediction)).toEqual(expected);
    expect(run.slots.get('0')!.model.state().arrays).toEqual(model.state().arrays);
  });

  it('journals nothing for a batch of which no event passed vetting', async () => {
    const topology = recoMf({ model: { factors: 4, userCapacity: 1000, itemCapacity: 1000 } });
    const run = await learnAll(topology, bytesOf(Array.from({ length: 10 }, () => ({ itemId: 'i1', rating: 3 }))), { maxRecords: 10 });
    expect(run.letters.length).toBe(10);
    expect(run.slots.get('0')!.journal).toEqual([]);
    expect(run.steps.map((step) => [step.learned, step.deadLettered])).toEqual([[0, 10]]);
  });
});
