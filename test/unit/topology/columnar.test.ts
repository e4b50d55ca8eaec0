/**
 * Arrow through the runtime without a row object per row (issue 12): tables are vetted and featurised on
 * column views, bad rows are dead-lettered with their message's bytes, and the model is learnOne's.
 */
import { Float64, Table, Utf8, makeVector, vectorFromArray, type Vector } from 'apache-arrow';
import { createArrowCodec } from '../../../connectors/codecs/arrow';
import { DEAD_LETTER_HEADERS } from '../../../connectors/dead-letter';
import { createStandardScaler, createVectorAssembler, pipeline, type Pipeline, type Row, type Stage } from '../../../src/features';
import { createLinearRegression } from '../../../src/learners';
import { createLabelGuard } from '../../../src/topology/label-guard';
import { learnAll, regressionTopology, sentHeaders } from './harness';

const FIELDS = ['x0', 'x1', 'x2'];
const codec = createArrowCodec({ rejectNonFinite: false });

function events(n: number, from = 0): Row[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const [x0, x1, x2] = [Math.sin(i * 1.3) * 4, Math.cos(i * 0.29) - 2, (i % 5) / 2];
    return { x0, x1, x2, y: 1.5 * x0 - x1 + 2 * x2 + Math.sin(i * 7.1) * 0.2 };
  });
}

const column = (rows: Row[], name: string) => Float64Array.from(rows, (row) => row[name] as number);

/** A table of the rows' columns; `cells` replaces whole columns (nullable, strings). */
function encode(rows: Row[], cells: Record<string, Vector | undefined> = {}): Buffer {
  const vectors: Record<string, Vector> = {};
  for (const name of [...FIELDS, 'y']) {
    if (name in cells) {
      if (cells[name] !== undefined) vectors[name] = cells[name]!;
    } else vectors[name] = makeVector(column(rows, name));
  }
  return codec.encode(new Table(vectors));
}

/** Wraps each stage so that its row forms count their calls: the column path calls them only for unusual rows. */
function counted(model: Pipeline, calls: { rows: number }): Pipeline {
  for (const stage of model.stages as Stage[]) {
    const { transform, transformInto } = stage;
    stage.transform = (row) => (calls.rows++, transform(row));
    if (transformInto) stage.transformInto = (row, out) => (calls.rows++, transformInto(row, out));
  }
  return model;
}

const scaled = () =>
  pipeline(
    createVectorAssembler({ inputCols: FIELDS, outputCol: 'raw' }),
    createStandardScaler({ inputCol: 'raw', outputCol: 'features' }),
    createLinearRegression({ numFeatures: FIELDS.length, stepSize: 0.05 }),
  );

const arrays = (model: Pipeline) => Object.fromEntries(Object.entries(model.state().arrays).map(([k, v]) => [k, Array.from(v)]));

function twinOf(rows: Row[], make: () => Pipeline = scaled): Pipeline {
  const twin = make();
  for (const row of rows) twin.learnOne(row, row.y as number);
  return twin;
}

describe('Arrow tables through the runtime, on column views', () => {
  it('learns every row without calling a stage row form, and ends with learnOne’s model', async () => {
    const data = events(400);
    const calls = { rows: 0 };
    const topology = regressionTopology({ model: () => counted(scaled(), calls), input: { topic: 'events', codec } });
    const messages = [0, 1, 2, 3].map((t) => encode(data.slice(t * 100, (t + 1) * 100)));
    const run = await learnAll(topology, messages, { maxRecords: 2 });
    expect(calls.rows).toBe(0);
    const slot = run.slots.get('0')!;
    expect([run.letters.length, slot.examplesSeen, run.steps.map((step) => step.learned)]).toEqual([0, 400, [200, 200]]);
    expect(arrays(slot.model as Pipeline)).toEqual(arrays(twinOf(data)));
    expect(run.predictions.map((p) => [p.offset, p.row])).toEqual(data.map((_, i) => [String(Math.floor(i / 100)), i % 100]));
  });

  it('learns whole tables column by column, without a kernel call per row; a table a late outlier label refuses goes row by row, as learnOne and the guard label by label', async () => {
    const data = events(400);
    data[250].y = 1e7;
    const perRow = { calls: 0 };
    const model = () => {
      const made = scaled();
      for (const stage of made.stages as Stage[]) {
        const bind = stage.bindColumns!.bind(stage);
        stage.bindColumns = (source) => {
          const kernel = bind(source)!;
          const transform = kernel.transform.bind(kernel);
          kernel.transform = (i) => (perRow.calls++, transform(i));
          return kernel;
        };
      }
      return made;
    };
    const topology = regressionTopology({ model, input: { topic: 'events', codec } });
    const run = await learnAll(
      topology,
      [0, 1, 2, 3].map((t) => encode(data.slice(t * 100, (t + 1) * 100))),
      { maxRecords: 2 },
    );
    // Only the refused table went row by row: 99 rows through both stages (row 50's label stopped it before them).
    expect(perRow.calls).toBe(99 * 2);
    expect(
      run.letters.map((letter) => [letter.position.offset, sentHeaders(letter)[DEAD_LETTER_HEADERS.code], sentHeaders(letter)[DEAD_LETTER_HEADERS.rows]]),
    ).toEqual([['2', 'LABEL_OUT_OF_RANGE', '50']]);
    const good = data.filter((_, i) => i !== 250);
    const slot = run.slots.get('0')!;
    expect(slot.examplesSeen).toBe(399);
    expect(arrays(slot.model as Pipeline)).toEqual(arrays(twinOf(good)));
    const guard = createLabelGuard({}, true);
    for (const row of good) guard.accept(row.y as number);
    expect(slot.labelGuard.state()).toEqual(guard.state());
  });

  it('dead-letters bad rows (null, NaN, a null or missing label, a string column) with their message bytes and x-source-rows; the rest is learned', async () => {
    const data = events(60);
    const [a, b, c, d] = [data.slice(0, 20), data.slice(20, 40), data.slice(40, 50), data.slice(50, 60)];
    const withNull = vectorFromArray(
      a.map((row, i) => (i === 3 ? null : (row.x0 as number))),
      new Float64(),
    );
    const nan = column(a, 'x1');
    nan[7] = NaN;
    const labels = vectorFromArray(
      b.map((row, i) => (i === 5 ? null : (row.y as number))),
      new Float64(),
    );
    const labelNaN = column(b, 'y');
    const messages = [
      encode(a, { x0: withNull, x1: makeVector(nan) }),
      encode(b, { y: labels }),
      encode(c, {
        x2: vectorFromArray(
          c.map((row) => String(row.x2)),
          new Utf8(),
        ),
      }),
      encode(d, { y: undefined }),
    ];
    labelNaN[0] = NaN;
    const calls = { rows: 0 };
    const topology = regressionTopology({ model: () => counted(scaled(), calls), input: { topic: 'events', codec } });
    const run = await learnAll(topology, messages, { maxRecords: 4 });

    const letters = new Map(run.letters.map((letter) => [letter.position.offset, letter]));
    expect([...letters.keys()].sort()).toEqual(['0', '1', '2', '3']);
    const expected: Record<string, [string, string, string]> = {
      '0': ['3,7', 'SCHEMA', 'memory/0@0 row 3: VectorAssembler: column "x0" is missing (null)'],
      '1': ['5', 'SCHEMA', 'memory/0@1 row 5: label field "y" is a object, not a number'],
      '2': [c.map((_, i) => i).join(','), 'SCHEMA', 'memory/0@2 row 0: VectorAssembler: column "x2" must hold a number or boolean'],
      '3': [d.map((_, i) => i).join(','), 'SCHEMA', 'memory/0@3 row 0: label field "y" is missing'],
    };
    for (const [offset, [rows, code, message]] of Object.entries(expected)) {
      const headers = sentHeaders(letters.get(offset)!);
      expect([offset, headers[DEAD_LETTER_HEADERS.rows], headers[DEAD_LETTER_HEADERS.code]]).toEqual([offset, rows, code]);
      expect(headers[DEAD_LETTER_HEADERS.message]).toContain(message);
      expect(letters.get(offset)!.raw.value!.equals(messages[Number(offset)])).toBe(true);
    }
    const good = [...a.filter((_, i) => i !== 3 && i !== 7), ...b.filter((_, i) => i !== 5)];
    const slot = run.slots.get('0')!;
    expect(slot.examplesSeen).toBe(good.length);
    expect(run.steps.map((step) => [step.learned, step.deadLettered])).toEqual([[good.length, 60 - good.length]]);
    expect(arrays(slot.model as Pipeline)).toEqual(arrays(twinOf(good)));
    // The row form ran only for the bad rows whose label passed (3 and 7 of the first table: the assembler refused them) and for the table with a string column.
    expect(calls.rows).toBe(2 + 0 + c.length);
  });

  it('takes the row form for a pipeline with a stage that has no column form, with the same model', async () => {
    const doubled: Stage = {
      kind: 'Doubled',
      inputCols: ['raw'],
      outputCols: ['features'],
      transform(row) {
        row.features = Float64Array.from(row.raw as Float64Array, (x) => 2 * x);
        return true;
      },
      learn() {},
      state: () => ({ kind: 'Doubled', version: 1, config: {}, arrays: {} }),
    };
    const withUserStage = () =>
      pipeline(createVectorAssembler({ inputCols: FIELDS, outputCol: 'raw' }), doubled, createLinearRegression({ numFeatures: FIELDS.length, stepSize: 0.02 }));
    const data = events(200);
    const topology = regressionTopology({ model: withUserStage, input: { topic: 'events', codec } });
    const model = withUserStage();
    expect(model.bindColumns({ length: 1, numeric: () => new Float64Array(1), vector: () => undefined })).toBeUndefined();
    const run = await learnAll(topology, [encode(data.slice(0, 100)), encode(data.slice(100))], { maxRecords: 1 });
    expect(run.slots.get('0')!.examplesSeen).toBe(200);
    expect(arrays(run.slots.get('0')!.model as Pipeline)).toEqual(arrays(twinOf(data, withUserStage)));
  });

  it('rolls back and dead-letters, as DIVERGED, the rows of tables whose learning blows the model up, naming them', async () => {
    const data = events(40);
    const exploding = () => pipeline(createVectorAssembler({ inputCols: FIELDS }), createLinearRegression({ numFeatures: 3, stepSize: 1e300 }));
    const run = await learnAll(
      regressionTopology({ model: exploding, input: { topic: 'events', codec } }),
      [encode(data.slice(0, 20)), encode(data.slice(20))],
      {
        maxRecords: 1,
      },
    );
    expect(
      run.letters.map((letter) => [letter.position.offset, sentHeaders(letter)[DEAD_LETTER_HEADERS.code], sentHeaders(letter)[DEAD_LETTER_HEADERS.rows]]),
    ).toEqual([
      ['0', 'DIVERGED', Array.from({ length: 20 }, (_, i) => i).join(',')],
      ['1', 'DIVERGED', Array.from({ length: 20 }, (_, i) => i).join(',')],
    ]);
    expect(run.slots.get('0')!.examplesSeen).toBe(0);
  });
});
