import { createLinearRegression, createLogisticRegression, indexLabels } from '../../../src/learners';
import { createAccuracy, createLogLoss, createRmse, createMae, createRocAuc, progressiveValScore } from '../../../src/evaluation';
import { pipeline } from '../../../src/features/pipeline';
import { registerStage } from '../../../src/features/registry';
import type { Row, Stage } from '../../../src/features/stage';
import { createVectorAssembler } from '../../../src/features/vector-assembler';
import { createSoftmaxRegression } from '../../../src/learners';
import type { Estimator } from '../../../src/learners/estimator';
import { ConfigError } from '../../../src/errors';
import { DEAD_LETTER_HEADERS } from '../../../connectors/dead-letter';
import { createArrowCodec, tableFromColumns } from '../../../connectors/codecs/arrow';
import { FIELDS, bytesOf, classifierTopology, learnAll, linearEvents, regressionTopology, sentHeaders } from './harness';

const totals = (run: Awaited<ReturnType<typeof learnAll>>) => ({
  learned: run.steps.reduce((sum, step) => sum + step.learned - step.undone, 0),
  deadLettered: run.steps.reduce((sum, step) => sum + step.deadLettered + step.undone, 0),
});

describe('learnBatch: test-then-train on micro-batches', () => {
  it('predicts every event of a batch with the model from before the batch, then learns the batch', async () => {
    const topology = regressionTopology();
    const events = linearEvents(200);
    const run = await learnAll(topology, bytesOf(events), { maxRecords: 10 });

    // The same order by hand: predict the batch, then learn it.
    const reference = topology.config.model();
    const expected: number[] = [];
    for (let start = 0; start < events.length; start += 10) {
      const rows = events.slice(start, start + 10);
      const ys = rows.map((row) => row.y as number);
      expected.push(...reference.predictMany(rows));
      reference.learnMany(rows, ys);
    }
    expect(run.predictions.map((p) => p.prediction)).toEqual(expected);
    // The first batch is scored by the untrained model: all the same value.
    expect(new Set(expected.slice(0, 10)).size).toBe(1);
    expect(new Set(expected.slice(10, 20)).size).toBeGreaterThan(1);
    expect(run.slots.get('0')!.model.state().arrays).toEqual(reference.state().arrays);
    expect(run.slots.get('0')!.examplesSeen).toBe(200);
  });

  it('writes one prediction per learned event, with its offset and the model version, and none for dead letters', async () => {
    const events: unknown[] = linearEvents(30);
    events[7] = { x0: 1, x1: 2 };
    const run = await learnAll(regressionTopology(), bytesOf(events), { maxRecords: 10 });
    expect(run.predictions.map((p) => p.offset)).toEqual(Array.from({ length: 30 }, (_, i) => String(i)).filter((offset) => offset !== '7'));
    expect(run.predictions.every((p) => p.modelVersion === 0 && Number.isFinite(p.prediction))).toBe(true);
    expect(run.letters.map((letter) => letter.position.offset)).toEqual(['7']);
  });

  it('gives the same metric values as progressiveValScore on the same events (batches of one)', async () => {
    const events = linearEvents(300);
    const run = await learnAll(regressionTopology(), bytesOf(events), { maxRecords: 1 });
    const examples = events.map((row) => [row, row.y as number] as const);
    const offline = async (metric: ReturnType<typeof createRmse>) =>
      (await progressiveValScore<Row>(examples, regressionTopology().config.model() as Estimator<Row>, metric)).metric.get();
    const last = run.steps.at(-1)!.metrics;
    expect(last.mae).toBeCloseTo(await offline(createMae()), 12);
    expect(last.rmse).toBeCloseTo(await offline(createRmse()), 12);
    expect(last.rollingRmse).toBeCloseTo(await offline(createRmse({ window: 20 })), 12);
  });

  it('scores probability metrics with P(class 1), as progressiveValScore does', async () => {
    const metrics = () => ({ logLoss: createLogLoss(), auc: createRocAuc(), accuracy: createAccuracy() });
    const topology = classifierTopology({ metrics });
    const events = linearEvents(300, true);
    const run = await learnAll(topology, bytesOf(events), { maxRecords: 1 });
    const examples = events.map((row) => [row, row.y as number] as const);
    const last = run.steps.at(-1)!.metrics;
    for (const [name, metric] of Object.entries(metrics())) {
      const offline = await progressiveValScore<Row>(examples, classifierTopology({}).config.model() as Estimator<Row>, metric);
      expect([name, last[name]]).toEqual([name, expect.closeTo(offline.metric.get(), 12)]);
    }
    expect(last.auc).toBeGreaterThan(0.9);
  });

  it('refuses a probability metric on a multiclass model, and scores accuracy on one', async () => {
    const model = () =>
      pipeline(createVectorAssembler({ inputCols: FIELDS, outputCol: 'features' }), createSoftmaxRegression({ numFeatures: 2, numClasses: 3 }));
    const events = linearEvents(20, true);
    await expect(learnAll(classifierTopology({ model, metrics: () => ({ logLoss: createLogLoss() }) }), bytesOf(events))).rejects.toThrow(ConfigError);
    const run = await learnAll(classifierTopology({ model, metrics: () => ({ accuracy: createAccuracy() }) }), bytesOf(events));
    expect(run.steps.at(-1)!.metrics.accuracy).toBeGreaterThanOrEqual(0);
  });
});

describe('learnBatch: every dead-letter reason', () => {
  const good = { x0: 0.5, x1: -0.5, y: 1 };

  it('dead-letters each bad event with its code, original bytes and position, and learns the rest', async () => {
    const cases: Array<[string, string]> = [
      ['[1, 2]', 'SCHEMA'],
      ['{"x0": 1.0, "x1":  2e0}', 'SCHEMA'],
      ['{"x0": 1, "x1": 2, "y": "3"}', 'SCHEMA'],
      ['{"x0": "a", "x1": 2, "y": 1}', 'SCHEMA'],
      ['{"x0": 1, "x1": 2, "y": 2}', 'LABEL_OUT_OF_RANGE'],
      ['{"x0": 1, "x1": 2, "y": -1}', 'LABEL_OUT_OF_RANGE'],
      ['{"x0": 1, "x1": 2, "y": 0.5}', 'LABEL_OUT_OF_RANGE'],
    ];
    const messages = [...cases.map(([text]) => Buffer.from(text)), ...bytesOf([good, { ...good, y: 0 }])];
    const run = await learnAll(classifierTopology({ metrics: () => ({ accuracy: createAccuracy() }) }), messages, { maxRecords: 4 });
    expect(run.letters.map((letter) => [letter.raw.value!.toString(), sentHeaders(letter)[DEAD_LETTER_HEADERS.code]])).toEqual(cases);
    for (const [i, letter] of run.letters.entries()) {
      expect(letter.raw.value!.equals(messages[i])).toBe(true);
      expect(sentHeaders(letter)).toMatchObject({
        [DEAD_LETTER_HEADERS.topic]: 'memory',
        [DEAD_LETTER_HEADERS.partition]: '0',
        [DEAD_LETTER_HEADERS.offset]: String(i),
      });
      expect(sentHeaders(letter)[DEAD_LETTER_HEADERS.message]).toContain(`memory/0@${i}`);
    }
    // Class 1 = numClasses − 1 is a class: exactly the two good events are learned.
    expect(totals(run)).toEqual({ learned: 2, deadLettered: cases.length });
  });

  it("dead-letters an event whose features are not finite after the stages, naming that event's first bad feature", async () => {
    // A stage that overflows: finite inputs, an infinite feature where an input is large.
    const overflow: Stage = {
      kind: 'TestOverflow',
      inputCols: FIELDS,
      outputCols: ['features'],
      transform(row) {
        row.features = Float64Array.from(FIELDS, (name) => Math.exp(Math.abs(row[name] as number)));
        return true;
      },
      learn() {},
      state: () => ({ kind: 'TestOverflow', version: 1, config: {}, arrays: {} }),
    };
    // The batch's snapshot restores its stages by kind.
    registerStage('TestOverflow', () => overflow);
    const topology = regressionTopology({ model: () => pipeline(overflow, createLinearRegression({ numFeatures: 2 })) });
    const run = await learnAll(topology, bytesOf([good, { ...good, x1: 1e10 }, good, { ...good, x0: -1e10 }, good]));
    expect(run.letters.map((letter) => [sentHeaders(letter)[DEAD_LETTER_HEADERS.code], sentHeaders(letter)[DEAD_LETTER_HEADERS.message]])).toEqual([
      ['NONFINITE', 'memory/0@1: feature 1 is not finite after the feature stages'],
      ['NONFINITE', 'memory/0@3: feature 0 is not finite after the feature stages'],
    ]);
    expect(totals(run)).toEqual({ learned: 3, deadLettered: 2 });
  });

  it('names what is wrong with an event in its message: not an object, a label missing or not a number, or one the indexer cannot place', async () => {
    const messages = ['{"x0": 1, "x1": 2}', '{"x0": 1, "x1": 2, "y": true}', '"text"', 'null'].map((text) => Buffer.from(text));
    const run = await learnAll(regressionTopology(), messages);
    expect(run.letters.map((letter) => [sentHeaders(letter)[DEAD_LETTER_HEADERS.code], sentHeaders(letter)[DEAD_LETTER_HEADERS.message]])).toEqual([
      ['SCHEMA', 'memory/0@0: label field "y" is missing'],
      ['SCHEMA', 'memory/0@1: label field "y" is a boolean, not a number'],
      ['SCHEMA', 'memory/0@2: the event is not a JSON object'],
      ['SCHEMA', 'memory/0@3: the event is not a JSON object'],
    ]);
    const model = () =>
      indexLabels(pipeline(createVectorAssembler({ inputCols: FIELDS, outputCol: 'features' }), createLogisticRegression({ numFeatures: 2 })));
    const labelled = await learnAll(
      classifierTopology({ model, metrics: () => ({ accuracy: createAccuracy() }) }),
      bytesOf([
        { x0: 1, x1: 0, y: 'cat' },
        { x0: 0, x1: 1, y: 'dog' },
        { x0: 1, x1: 1, y: 'bird' },
        { x0: 1, x1: 1, y: { not: 'a label' } },
        { x0: Number.MAX_VALUE, x1: 1, y: 'cat' },
      ]),
    );
    expect(labelled.letters.map((letter) => [letter.position.offset, sentHeaders(letter)[DEAD_LETTER_HEADERS.code]])).toEqual([
      ['2', 'SCHEMA'],
      ['3', 'SCHEMA'],
    ]);
    expect(sentHeaders(labelled.letters[0])[DEAD_LETTER_HEADERS.message]).toMatch(/^memory\/0@2: label field "y": label "bird" would be class 3/);
    expect(totals(labelled).learned).toBe(3);
    // The drift watch is handed the class indexes vetting gave, the ones the indexer gives each record's label.
    expect(labelled.labels).toEqual([
      { offset: '0', vetted: 0, read: 0 },
      { offset: '1', vetted: 1, read: 1 },
      { offset: '4', vetted: 0, read: 0 },
    ]);
  });

  it('dead-letters regression targets outside the configured range, bounds included as valid', async () => {
    const topology = regressionTopology({ guards: { labels: { min: -100, max: 100, outliers: false } } });
    const run = await learnAll(
      topology,
      bytesOf([
        { x0: 1, x1: 1, y: 100 },
        { x0: 1, x1: 1, y: 100.5 },
        { x0: 1, x1: 1, y: -100 },
        { x0: 1, x1: 1, y: -101 },
      ]),
    );
    expect(run.letters.map((letter) => [letter.position.offset, sentHeaders(letter)[DEAD_LETTER_HEADERS.code]])).toEqual([
      ['1', 'LABEL_OUT_OF_RANGE'],
      ['3', 'LABEL_OUT_OF_RANGE'],
    ]);
  });

  it('dead-letters y = 1e308 beyond the outlier bound learned online; the model stays as if it never came', async () => {
    const events: Row[] = linearEvents(300);
    const withOutlier = [...events.slice(0, 150), { x0: 0.1, x1: 0.2, y: 1e308 }, ...events.slice(150)];
    // Batches of one, so that the dead letter does not move the batch boundaries of a clean run.
    const run = await learnAll(regressionTopology(), bytesOf(withOutlier), { maxRecords: 1 });
    expect(run.letters.map((letter) => [letter.position.offset, sentHeaders(letter)[DEAD_LETTER_HEADERS.code]])).toEqual([['150', 'LABEL_OUT_OF_RANGE']]);
    expect(sentHeaders(run.letters[0])[DEAD_LETTER_HEADERS.message]).toContain('outlier bound');
    const clean = await learnAll(regressionTopology(), bytesOf(events), { maxRecords: 1 });
    const weights = run.slots.get('0')!.model.state().arrays;
    expect(Object.values(weights).every((array) => array.every(Number.isFinite))).toBe(true);
    expect(run.steps.at(-1)!.metrics.rollingRmse).toBeLessThan(1);
    expect(run.steps.at(-1)!.metrics).toEqual(clean.steps.at(-1)!.metrics);
    expect(weights).toEqual(clean.slots.get('0')!.model.state().arrays);
  });

  it('does not reject a target within 1000 robust deviations, nor anything during warm-up', async () => {
    const events: Row[] = linearEvents(150);
    const run = await learnAll(regressionTopology(), bytesOf([{ x0: 0, x1: 0, y: 1e6 }, ...events, { x0: 0, x1: 0, y: 900 }]));
    expect(run.letters).toEqual([]);
  });

  it('dead-letters, as DIVERGED, every batch whose learning blows the model up, and keeps the model finite', async () => {
    const topology = regressionTopology({}, 1e300);
    const events = linearEvents(40);
    const run = await learnAll(topology, bytesOf(events), { maxRecords: 10 });
    expect(totals(run)).toEqual({ learned: 0, deadLettered: 40 });
    expect(new Set(run.letters.map((letter) => sentHeaders(letter)[DEAD_LETTER_HEADERS.code]))).toEqual(new Set(['DIVERGED']));
    expect(run.letters.map((letter) => Number(letter.position.offset)).sort((a, b) => a - b)).toEqual(events.map((_, i) => i));
    const slot = run.slots.get('0')!;
    expect(slot.model.state().arrays).toEqual(topology.config.model().state().arrays);
    expect(slot.examplesSeen).toBe(0);
  });
});

describe('learnBatch on Arrow record batches', () => {
  it('dead-letters the message of a bad row once, byte for byte, naming the bad rows; the good rows are learned', async () => {
    const codec = createArrowCodec();
    const table = (ys: number[]) =>
      tableFromColumns({ x0: Float64Array.from(ys, (_, i) => i / 10), x1: Float64Array.from(ys, (_, i) => -i / 10), y: Float64Array.from(ys) });
    const good = codec.encode(table([0, 1, 1, 0, 1]));
    const bad = codec.encode(table([1, -1, 0, 7, 1]));
    const topology = classifierTopology({ metrics: () => ({ accuracy: createAccuracy() }), input: { topic: 'events', codec } });
    const run = await learnAll(topology, [good, bad], { maxRecords: 1 });
    expect(run.letters).toHaveLength(1);
    expect(run.letters[0].raw.value!.equals(bad)).toBe(true);
    expect(sentHeaders(run.letters[0])).toMatchObject({
      [DEAD_LETTER_HEADERS.rows]: '1,3',
      [DEAD_LETTER_HEADERS.code]: 'LABEL_OUT_OF_RANGE',
      [DEAD_LETTER_HEADERS.offset]: '1',
    });
    expect(sentHeaders(run.letters[0])[DEAD_LETTER_HEADERS.message]).toContain('memory/0@1 row 1');
    expect(run.slots.get('0')!.examplesSeen).toBe(8);
    expect(run.predictions.filter((p) => p.offset === '1').map((p) => p.row)).toEqual([0, 2, 4]);
  });
});
