/**
 * JSON read into columns by the Kafka source's decode (`decodeMessages` → `ColumnRecord`s → `vetColumns`)
 * teaches the model exactly what JSON.parse and the row form teach it: the same predictions event by event,
 * the same weights, and the same dead letters, whatever the messages hold.
 */
import { createJsonCodec } from '../../../connectors/codecs/json';
import type { UndecodableRecord } from '../../../connectors/kafka/decode-messages';
import { createMemorySource } from '../../../connectors/memory/memory-source';
import type { RecordPosition } from '../../../connectors/types';
import { errorMessage } from '../../../src/errors';
import { createStandardScaler, createVectorAssembler, pipeline, type Row } from '../../../src/features';
import { createLinearRegression } from '../../../src/learners';
import type { ModelSlot, SlotSnapshot } from '../../../src/topology/model-slot';
import { replayJournal } from '../../../src/topology/operators/divergence';
import { restoreSnapshot } from '../../../src/topology/restore';
import { bytesOf, kafkaBatches, learnAll, linearEvents, regressionTopology, type Run } from './harness';

const FIELDS = ['x0', 'x1', 'x2'];
const model = () =>
  pipeline(
    createVectorAssembler({ inputCols: FIELDS, outputCol: 'raw' }),
    createStandardScaler({ inputCol: 'raw', outputCol: 'features' }),
    createLinearRegression({ numFeatures: FIELDS.length, stepSize: 0.05 }),
  );
const topology = () => regressionTopology({ model, guards: { labels: { outliers: { warmup: 20 } } } });

function event(i: number): Record<string, number> {
  const [x0, x1, x2] = [Math.sin(i * 1.1) * 3, Math.cos(i * 0.37) + 5, (i % 7) / 3];
  return { x0, x1, x2, y: 2 * x0 - x1 + 0.5 * x2 + Math.sin(i * 13.7) * 0.1 };
}

/** Clean events, with every kind of message the column reader must leave to JSON.parse and the row form mixed in. */
function messages(n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => {
    const { x0, x1, x2, y } = event(i);
    if (i % 37 === 5) return `{"x0":${x0},"x1":${x1},"x2":"3","y":${y}}`; // a string feature: the stage refuses it
    if (i % 41 === 7) return `{"y":${y},"x2":${x2},"x1":${x1},"x0":${x0}}`; // another key order: learned, on the row form
    if (i % 43 === 9) return `{"x0":${x0},"x1":${x1},"x2":${x2}}`; // no label
    if (i % 47 === 11) return `{"x0":${x0},"x1":${x1},"x2":${x2},"y":1e400}`; // the codec refuses it (NONFINITE)
    if (i % 53 === 13) return `{"x0":${x0},"x1":`; // bad JSON
    if (i % 59 === 17) return `{"x0":${x0},"x1":${x1},"x2":${x2},"y":${y},"z":1}`; // a key more: learned
    if (i % 61 === 19) return `{"x0":${x0},"x1":${x1},"x2":${x2},"y":1e12}`; // beyond the label guard's bound
    if (i % 67 === 21) return `{"x0":{"a":1},"x1":${x1},"x2":${x2},"y":${y}}`; // nested
    if (i % 71 === 23) return `{"x0":${x0},"x1":${x1},"x2":${x2},"y":${y},"y":${y + 1}}`; // a repeated key: the last counts
    if (i === 3) return `{"\\u0078\\u0030":${x0},"x1":${x1},"x2":${x2},"y":${y}}`; // an escaped key
    return JSON.stringify({ x0, x1, x2, y });
  }).map((text) => Buffer.from(text));
}

const letters = (run: Run) => run.letters.map((letter) => [letter.position.offset, errorMessage(letter.error)]);
const weights = (run: Run) => Object.fromEntries(Object.entries(run.slots.get('0')!.model.state().arrays).map(([k, v]) => [k, Array.from(v)]));

describe('JSON read into columns through the runtime', () => {
  it('predicts and learns every event as JSON.parse + learnOne does, event by event', async () => {
    const values = Array.from({ length: 250 }, (_, i) => Buffer.from(JSON.stringify(event(i))));
    const twin = model();
    const expected = values.map((value, offset) => {
      const row = JSON.parse(value.toString()) as Row;
      const prediction = twin.predictOne(row);
      twin.learnOne(row, row.y as number);
      return { offset: String(offset), prediction };
    });
    const twinWeights = Object.fromEntries(Object.entries(twin.state().arrays).map(([k, v]) => [k, Array.from(v)]));
    // One event a batch: each is predicted with the model as it stood before it, as the twin predicted it.
    const oneByOne = { count: 0 };
    const single = await learnAll(topology(), values, { source: kafkaBatches(values, 1, [], oneByOne) });
    expect(oneByOne.count).toBe(250);
    expect(single.predictions.map(({ offset, prediction }) => ({ offset, prediction }))).toEqual(expected);
    expect(weights(single)).toEqual(twinWeights);
    // Batches of 40: the same model.
    const batched = { count: 0 };
    const run = await learnAll(topology(), values, { source: kafkaBatches(values, 40, [], batched) });
    expect(batched.count).toBe(250);
    expect(weights(run)).toEqual(twinWeights);
  });

  it('gives the model, predictions and dead letters of the row form, on messages the reader must leave to JSON.parse', async () => {
    const values = messages(600);
    const refusedByColumns: UndecodableRecord[] = [];
    const refusedByRows: Array<[string, string]> = [];
    const columnRecords = { count: 0 };
    const columns = await learnAll(topology(), values, { source: kafkaBatches(values, 50, refusedByColumns, columnRecords) });
    const onDeadLetter = (_bytes: Buffer, error: unknown, position: RecordPosition) => void refusedByRows.push([position.offset, errorMessage(error)]);
    const rows = await learnAll(topology(), values, {
      source: createMemorySource({ records: values, codec: createJsonCodec(), maxRecords: 50, topic: 'events', onDeadLetter }),
    });

    expect(columnRecords.count).toBeGreaterThan(500);
    expect(refusedByColumns.map((r) => [r.position.offset, errorMessage(r.error)])).toEqual(refusedByRows);
    expect(refusedByRows.length).toBe(25);
    expect(letters(columns)).toEqual(letters(rows));
    expect(letters(columns).length).toBeGreaterThan(30);
    expect(columns.predictions).toEqual(rows.predictions);
    expect(columns.slots.get('0')!.examplesSeen).toBe(rows.slots.get('0')!.examplesSeen);
    expect(weights(columns)).toEqual(weights(rows));
    expect(columns.slots.get('0')!.labelGuard.state()).toEqual(rows.slots.get('0')!.labelGuard.state());
  });

  it("hands the drift watch the labels vetting read, equal to each learned record's own label, on columns and rows", async () => {
    const values = messages(600);
    const columns = await learnAll(topology(), values, { source: kafkaBatches(values, 50, [], { count: 0 }) });
    const source = createMemorySource({ records: values, codec: createJsonCodec(), maxRecords: 50, topic: 'events', onDeadLetter: () => undefined });
    const rows = await learnAll(topology(), values, { source });
    for (const run of [columns, rows]) {
      expect(run.labels.length).toBe(run.slots.get('0')!.examplesSeen);
      expect(run.labels.every(({ vetted }) => vetted !== undefined)).toBe(true);
      expect(run.labels.map(({ offset, vetted }) => [offset, vetted])).toEqual(run.labels.map(({ offset, read }) => [offset, read]));
    }
    expect(columns.labels).toEqual(rows.labels);
  });

  it('replays a journal of column records as the row form does: the same DIVERGED letters, kept entries and model', async () => {
    // The third batch (offsets 20-29) holds a target that explodes the weights past ±50 (see divergence.test.ts).
    const topology = regressionTopology({ guards: { maxAbsWeight: 50, labels: { outliers: false } } });
    const events = linearEvents(40);
    events[25] = { x0: 1, x1: 1, y: 1e5 };
    const values = bytesOf(events);
    const columnRecords = { count: 0 };
    const columns = await learnAll(topology, values, { source: kafkaBatches(values, 10, [], columnRecords) });
    const rows = await learnAll(topology, values, {
      source: createMemorySource({ records: values, codec: createJsonCodec(), maxRecords: 10, topic: 'events' }),
    });
    expect(columnRecords.count).toBe(40);
    const deps = { label: 'y', maxAbsWeight: 50, restore: (slot: ModelSlot, snapshot: SlotSnapshot) => restoreSnapshot(topology, slot, snapshot) };
    const replayed = [columns, rows].map((run) => replayJournal(run.slots.get('0')!, deps));
    const failures = replayed.map((replay) => replay.failures.map(({ record, error }) => [record.offset, errorMessage(error)]));
    expect(failures[0]).toEqual(failures[1]);
    expect(failures[0].map(([offset]) => offset)).toEqual(Array.from({ length: 10 }, (_, i) => String(20 + i)));
    expect(columns.slots.get('0')!.journal.map((entry) => entry.where)).toEqual(['events/0@0..9', 'events/0@10..19', 'events/0@30..39']);
    expect(weights(columns)).toEqual(weights(rows));
  });
});
