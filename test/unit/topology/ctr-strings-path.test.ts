/**
 * CTR events of strings read into columns (`decodeMessages` → string ids → HashedCrosses' column form)
 * teach ctr-logistic exactly what JSON.parse and the row form teach it: the same predictions event by
 * event, FTRL weights, metrics, importances and dead letters, whatever the messages hold.
 */
import { createHash } from 'node:crypto';
import { createJsonCodec } from '../../../connectors/codecs/json';
import { isColumnRecord } from '../../../connectors/kafka/column-record';
import type { UndecodableRecord } from '../../../connectors/kafka/decode-messages';
import { createMemorySource } from '../../../connectors/memory/memory-source';
import type { RecordPosition } from '../../../connectors/types';
import { ctrEventStream } from '../../../src/datasets/ctr-events';
import { errorMessage } from '../../../src/errors';
import { createFeatureHasher, createHashedCrosses, pipeline, type Row, type Stage } from '../../../src/features';
import { createLogisticRegression } from '../../../src/learners';
import { metricValues, type ModelSlot, type SlotSnapshot } from '../../../src/topology/model-slot';
import { replayJournal } from '../../../src/topology/operators/divergence';
import { restoreSnapshot } from '../../../src/topology/restore';
import { defineTopology, type Topology } from '../../../src/topology/topology';
import { CTR_FEATURES, CTR_FIELDS, ctrLogistic } from '../../../topologies/ctr-logistic';
import { kafkaBatches, learnAll, type Run } from './harness';
import { createRandom } from '../../../src/random';

/** A seeded generator (mulberry32), so that a failure names a case that can be run again. */
/** How often HashedCrosses featurised an event through its column form, and through the row form (vetting, or iPFI's perturbed rows). */
const calls = { kernel: 0, row: 0 };

/** HashedCrosses with its two forms counted. */
function counted(stage: Stage): Stage {
  return {
    ...stage,
    transform: (row) => (calls.row++, stage.transform(row)),
    transformInto: (row, out) => (calls.row++, stage.transformInto!(row, out)),
    bindColumns(source) {
      const kernel = stage.bindColumns!(source);
      if (kernel === undefined) return undefined;
      return { ...kernel, transform: (i: number) => kernel.transform(i) && ++calls.kernel > 0 } as typeof kernel;
    },
  };
}

const base = ctrLogistic({ prefix: 'strings-' }).config;
const ctrModel = () =>
  pipeline(
    counted(createHashedCrosses(CTR_FEATURES)),
    createLogisticRegression({ numFeatures: 2 ** 19, optimizer: { kind: 'ftrl' }, stepSize: 0.1, regParam: 1, elasticNetParam: 0.5, dtype: 'float32' }),
  );
const topology = (): Topology => defineTopology({ ...base, model: ctrModel });
// ctr-mlp's features (FeatureHasher over the CTR fields), before a linear learner.
const hasherModel = () =>
  pipeline(
    counted(createFeatureHasher({ inputCols: CTR_FIELDS, bits: 12 })),
    createLogisticRegression({ numFeatures: 2 ** 12, optimizer: { kind: 'ftrl' }, stepSize: 0.1, regParam: 1, elasticNetParam: 0.5 }),
  );

/** CTR events with seeded random categories (new ones throughout, some repeated), and numbers where categories usually are. */
function events(n: number, seed: number): Row[] {
  const next = createRandom(seed).next;
  const stream = ctrEventStream({ seed });
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.:/#!~*()[]{}<>=+?@$%^&|;,`\x7f';
  const word = () => Array.from({ length: Math.floor(next() * 12) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
  const words = Array.from({ length: 40 }, word);
  return Array.from({ length: n }, () => {
    const event: Row = { ...stream.next().value };
    const field = CTR_FIELDS[Math.floor(next() * CTR_FIELDS.length)];
    const roll = next();
    if (roll < 0.15)
      event[field] = word(); // a new category (possibly empty)
    else if (roll < 0.3)
      event[field] = words[Math.floor(next() * words.length)]; // a repeated one
    else if (roll < 0.38)
      event[field] = Math.floor(next() * 5); // a number (0 adds nothing)
    else if (roll < 0.42) event[field] = (next() - 0.5) * 1e3;
    return event;
  });
}

/** Every kind of message the string reader must leave to JSON.parse and the row form, mixed into clean ones. */
function messages(n: number, seed: number): Buffer[] {
  return events(n, seed)
    .map((event, i) => {
      const text = JSON.stringify(event);
      const swap = (from: string, to: string) => text.replace(from, to);
      if (i % 29 === 3) return swap(`"car":"`, `"car":"\\u0063`); // an escape: the same category after JSON.parse
      if (i % 31 === 4) return swap(`"zipcode":"`, `"zipcode":"é`); // non-ASCII
      if (i % 37 === 5) return swap(`"elevel":"`, `"elevel":"a\\"`); // an escaped quote
      if (i % 41 === 6) return JSON.stringify({ ...event, loan: null }); // null: missing
      if (i % 43 === 7) return JSON.stringify({ ...event, hvalue: true }); // a boolean category
      if (i % 47 === 8) return JSON.stringify({ ...event, salary: ['a', 'b'] }); // an array of categories
      if (i % 53 === 9) return JSON.stringify({ ...event, age: { decade: 3 } }); // nested: the stage refuses it
      if (i % 59 === 10) return JSON.stringify({ ...event, label: '1' }); // a label of text
      if (i % 61 === 11) return JSON.stringify({ ...event, label: undefined }); // no label
      if (i % 67 === 12) return JSON.stringify({ label: event.label, ...event }); // another key order
      if (i % 71 === 13) return text.replace(/}$/, `,"car":"again"}`); // a repeated key: the last counts
      if (i % 73 === 14) return text.slice(0, 40); // bad JSON
      if (i % 79 === 15) return swap(`"label":`, `"hyears":1e400,"label":`); // NONFINITE, refused by the codec
      if (i % 83 === 16) return JSON.stringify({ ...event, label: 3 }); // not a class
      if (i % 89 === 17) return JSON.stringify({ ...event, age: 1e200, salary: -1e200 }); // a cross that overflows: the stage refuses it
      if (i % 97 === 18) return JSON.stringify({ ...event, __proto__x: 'a' }).replace('__proto__x', '__proto__'); // a forbidden key
      if (i % 101 === 19) return JSON.stringify({ ...event, extra: 'x' }); // a key more
      return text;
    })
    .map((text) => Buffer.from(text));
}

const letters = (run: Run) => run.letters.map((letter) => [letter.position.offset, errorMessage(letter.error)]);
const slotOf = (run: Run) => run.slots.get('0')!;
/** A model's arrays, as SHA-256 of their bytes (Jest compares 2^19-entry arrays element by element, slowly). */
const digests = (arrays: Record<string, ArrayBufferView>) =>
  Object.fromEntries(
    Object.entries(arrays).map(([k, v]) => [
      k,
      createHash('sha256')
        .update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
        .digest('hex'),
    ]),
  );
const weights = (run: Run) => digests(slotOf(run).model.state().arrays);

async function rowForm(values: Buffer[], maxRecords: number, refused: Array<[string, string]> = [], of = topology()): Promise<Run> {
  const onDeadLetter = (_bytes: Buffer, error: unknown, position: RecordPosition) => void refused.push([position.offset, errorMessage(error)]);
  return learnAll(of, values, { source: createMemorySource({ records: values, codec: createJsonCodec(), maxRecords, topic: 'events', onDeadLetter }) });
}

describe('ctr-logistic on CTR strings read into columns', () => {
  beforeEach(() => {
    calls.kernel = 0;
    calls.row = 0;
  });

  it('predicts and learns every event as JSON.parse + learnOne does, event by event, through the column form', async () => {
    const values = events(1000, 5).map((event) => Buffer.from(JSON.stringify(event)));
    /** JSON.parse + predictOne then learnOne, event by event, over the first `n` events. */
    const twinOf = (n: number) => {
      const twin = ctrModel();
      const predictions = values.slice(0, n).map((value, offset) => {
        const row = JSON.parse(value.toString()) as Row;
        const prediction = twin.predictOne(row);
        twin.learnOne(row, row.label as number);
        return { offset: String(offset), prediction };
      });
      return { predictions, arrays: digests(twin.state().arrays) };
    };
    // One event a batch (the first 60): each is predicted with the model as it stood before it, as the twin predicted it.
    const first = twinOf(60);
    calls.kernel = 0;
    const columnRecords = { count: 0 };
    const single = await learnAll(topology(), values.slice(0, 60), { source: kafkaBatches(values.slice(0, 60), 1, [], columnRecords) });
    expect(columnRecords.count).toBe(60);
    expect(calls.kernel).toBe(60);
    expect(single.predictions.map(({ offset, prediction }) => ({ offset, prediction }))).toEqual(first.predictions);
    expect(weights(single)).toEqual(first.arrays);
    // Batches of 64: the same model as the twin's after all 1,000.
    const all = twinOf(1000);
    const batched = await learnAll(topology(), values, { source: kafkaBatches(values, 64, [], { count: 0 }) });
    // The 60 events above, these 1,000, and (since stop 25) iPFI's 50 evaluated rows: 5 sampled events, 9 perturbed copies each.
    expect(calls.kernel).toBe(1000 + 60 + 50);
    expect(weights(batched)).toEqual(all.arrays);
  });

  it('gives the row form’s predictions, weights, metrics, importances, refusals and dead letters on adversarial messages', async () => {
    const values = messages(1500, 9);
    const refusedByColumns: UndecodableRecord[] = [];
    const refusedByRows: Array<[string, string]> = [];
    const columnRecords = { count: 0 };
    const columns = await learnAll(topology(), values, { source: kafkaBatches(values, 100, refusedByColumns, columnRecords) });
    const viaKernel = calls.kernel;
    const rows = await rowForm(values, 100, refusedByRows);

    expect(columnRecords.count).toBeGreaterThan(1100);
    expect(viaKernel).toBeGreaterThan(1000);
    expect(refusedByColumns.map((r) => [r.position.offset, errorMessage(r.error)])).toEqual(refusedByRows);
    expect(refusedByRows.length).toBeGreaterThan(30);
    expect(letters(columns)).toEqual(letters(rows));
    expect(letters(columns).length).toBeGreaterThan(60);
    expect(columns.predictions).toEqual(rows.predictions);
    expect(slotOf(columns).examplesSeen).toBe(slotOf(rows).examplesSeen);
    expect(weights(columns)).toEqual(weights(rows));
    expect(metricValues(slotOf(columns).metrics)).toEqual(metricValues(slotOf(rows).metrics));
    expect(slotOf(columns).importance?.snapshot()).toEqual(slotOf(rows).importance?.snapshot());
    expect(slotOf(columns).labelGuard.state()).toEqual(slotOf(rows).labelGuard.state());
  });

  it('gives FeatureHasher (ctr-mlp’s features) the row form’s model and dead letters through its column form', async () => {
    // Without the huge numbers (a feature of 1e200 makes the learner diverge, and a restored model is not the counted one).
    const values = messages(1200, 17).filter((_, i) => i % 89 !== 17);
    const hasher = () => defineTopology({ ...base, model: hasherModel, importance: undefined });
    const columns = await learnAll(hasher(), values, { source: kafkaBatches(values, 100, [], { count: 0 }) });
    expect(calls.kernel).toBeGreaterThan(800);
    const rows = await rowForm(values, 100, [], hasher());
    expect(letters(columns)).toEqual(letters(rows));
    expect(letters(columns).length).toBeGreaterThan(40);
    expect(columns.predictions).toEqual(rows.predictions);
    expect(weights(columns)).toEqual(weights(rows));
    expect(metricValues(slotOf(columns).metrics)).toEqual(metricValues(slotOf(rows).metrics));
  });

  it('replays a journal of string column records as the row form does', async () => {
    const values = messages(400, 13);
    const columns = await learnAll(topology(), values, { source: kafkaBatches(values, 100, [], { count: 0 }) });
    const rows = await rowForm(values, 100);
    const deps = { label: 'label', restore: (slot: ModelSlot, snapshot: SlotSnapshot) => restoreSnapshot(topology(), slot, snapshot) };
    // The journal keeps column records, which the replay vets through the column form again (a restored
    // model's HashedCrosses, which is not the counted one).
    expect(
      slotOf(columns)
        .journal.flatMap((entry) => entry.records)
        .filter(isColumnRecord).length,
    ).toBeGreaterThanOrEqual(300);
    const replayed = [columns, rows].map((run) => replayJournal(slotOf(run), deps));
    const failures = replayed.map((replay) => replay.failures.map(({ record, error }) => [record.offset, errorMessage(error)]));
    expect(failures[0]).toEqual(failures[1]);
    expect(slotOf(columns).journal.length).toBe(4);
    expect(weights(columns)).toEqual(weights(rows));
    expect(metricValues(slotOf(columns).metrics)).toEqual(metricValues(slotOf(rows).metrics));
  });
});
