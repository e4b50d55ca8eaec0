/**
 * `runTopology` end to end over the fake kafkajs client (test/unit/connectors/fake-kafka.ts): the same code
 * path as against a broker (probe, topic setup, restore, source, sink, checkpoints, commits), in-process, so
 * that it can be unit-tested and mutation-tested. The broker-backed versions are under test/integration.
 */
import { loadLatestCheckpoints } from '../../../src/checkpoints/latest';
import { DEAD_LETTER_HEADERS } from '../../../connectors/dead-letter';
import { runTopology, type RunTopologyOptions } from '../../../src/topology/run-topology';
import type { Row } from '../../../src/features/stage';
import { fakeCluster, protocolError } from '../connectors/fake-kafka';
import { linearEvents, regressionTopology } from './harness';

jest.mock('kafkajs', () => require('../connectors/fake-kafka').fakeKafkaJs());

const connection = { brokers: ['fake:9092'] };
const BATCH = 10;
const outputs = { modelTopic: 'models', deadLetterTopic: 'dlq', predictionsTopic: 'predictions', metricsTopic: 'metrics' };
const topology = (everyRecords = 50) => regressionTopology({ outputs, batch: { maxRecords: BATCH }, checkpoint: { everyRecords, everyMs: 600_000 } });

const read = (topic: string) => fakeCluster.partition(topic, 0).messages;
const json = (topic: string) => read(topic).map((message) => JSON.parse(String(message.value)) as Record<string, unknown>);
const headers = (message: { headers?: Record<string, unknown> }) =>
  Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]));

/** Events with three bad ones: not JSON, no label, a label that is not a number. */
function eventsWithPoison(n: number): { bytes: Buffer[]; good: Array<{ offset: number; row: Row }> } {
  const rows = linearEvents(n);
  const bad = new Map<number, Buffer>([
    [7, Buffer.from('{not json')],
    [23, Buffer.from(JSON.stringify({ x0: 1, x1: 2 }))],
    [61, Buffer.from(JSON.stringify({ x0: 1, x1: 2, y: 'high' }))],
  ]);
  const bytes = rows.map((row, offset) => bad.get(offset) ?? Buffer.from(JSON.stringify(row)));
  return { bytes, good: rows.flatMap((row, offset) => (bad.has(offset) ? [] : [{ offset, row }])) };
}

/** Predict-then-learn by hand, over the batches the source cuts (BATCH consecutive offsets). */
function reference(good: Array<{ offset: number; row: Row }>, upTo: number) {
  const model = topology().config.model();
  const predictions: number[] = [];
  for (let start = 0; start < upTo; start += BATCH) {
    const rows = good.filter(({ offset }) => offset >= start && offset < start + BATCH).map(({ row }) => row);
    if (rows.length === 0) continue;
    predictions.push(...model.predictMany(rows));
    model.learnMany(
      rows,
      rows.map((row) => row.y as number),
    );
  }
  return { model, predictions };
}

async function run(until: number, options: Partial<RunTopologyOptions> = {}, everyRecords?: number) {
  const skipped: string[] = [];
  const running = await runTopology(topology(everyRecords), {
    ...connection,
    until: (progress) => progress.records >= until,
    onCheckpointSkipped: (reason) => skipped.push(reason),
    deadLetterRetry: { retries: 1, initialDelayMs: 1 },
    ...options,
  });
  return { running, progress: await running.done, skipped };
}

beforeEach(() => {
  fakeCluster.reset();
  fakeCluster.addTopic('events', 1);
});

describe('runTopology over a fake Kafka', () => {
  it('learns test-then-train, writes predictions and dead letters, checkpoints, and commits what the checkpoint covers', async () => {
    const { bytes, good } = eventsWithPoison(120);
    fakeCluster.append('events', 0, bytes);
    const { running, progress } = await run(120);
    expect(running.restored).toEqual({});
    expect([progress.records, progress.learned, progress.deadLettered]).toEqual([120, 117, 3]);
    expect(progress.lag).toEqual({ 'events/0': 0 });

    // The predictions topic: one record per learned event, the prediction made before learning it.
    const expected = reference(good, 120);
    const predictions = json('predictions');
    expect(predictions.map((p) => p.offset)).toEqual(good.map(({ offset }) => String(offset)));
    expect(predictions.map((p) => p.prediction)).toEqual(expected.predictions);
    expect(predictions.map((p) => p.modelVersion)).toEqual(good.map(({ offset }) => (offset < 50 ? 0 : offset < 100 ? 1 : 2)));

    // Every dead letter with its original bytes, code and position.
    const letters = read('dlq');
    expect(letters.map((m) => String(m.value))).toEqual([bytes[7], bytes[23], bytes[61]].map(String));
    expect(letters.map((m) => [headers(m)[DEAD_LETTER_HEADERS.code], headers(m)[DEAD_LETTER_HEADERS.offset]])).toEqual([
      ['MALFORMED', '7'],
      ['SCHEMA', '23'],
      ['SCHEMA', '61'],
    ]);
    expect(headers(letters[1])[DEAD_LETTER_HEADERS.message]).toContain('events/0@23: label field "y" is missing');

    // The final checkpoint covers everything consumed; its model is the reference's, bit for bit; the commit follows it.
    const checkpoint = (await loadLatestCheckpoints(connection, 'models')).get('unit-regression')!;
    expect(checkpoint.manifest).toMatchObject({ version: 3, examplesSeen: 117, offsets: [{ topic: 'events', partition: 0, offset: '120' }] });
    expect(checkpoint.state.arrays).toEqual(expected.model.state().arrays);
    expect(checkpoint.manifest.metrics).toEqual(progress.metrics);
    expect(fakeCluster.committedOffset('unit-regression', 'events', 0)).toBe('120');
    expect(json('metrics').map((m) => [m.version, m.examplesSeen])).toEqual([
      [1, 48],
      [2, 97],
      [3, 117],
    ]);
  });

  it('resumes from its checkpoint after a restart: learns only what came after, and ends with the uninterrupted model', async () => {
    const { bytes, good } = eventsWithPoison(150);
    fakeCluster.append('events', 0, bytes.slice(0, 100));
    await run(100);
    fakeCluster.append('events', 0, bytes.slice(100));
    const { running, progress } = await run(50);
    expect(running.restored).toEqual({ 'unit-regression': 2 });
    expect([progress.records, progress.learned]).toEqual([50, 50]);
    const checkpoint = (await loadLatestCheckpoints(connection, 'models')).get('unit-regression')!;
    expect(checkpoint.manifest).toMatchObject({ version: 3, examplesSeen: 147, offsets: [{ offset: '150' }] });
    expect(checkpoint.state.arrays).toEqual(reference(good, 150).model.state().arrays);
    expect(json('predictions').map((p) => p.offset)).toEqual(good.map(({ offset }) => String(offset)));
  });

  it('learns nothing twice when the consumer is reset to older committed offsets mid-run', async () => {
    const { bytes, good } = eventsWithPoison(120);
    fakeCluster.append('events', 0, bytes);
    let reset = false;
    // No checkpoint before the end: a reset goes back to offset 0 unless the runtime seeks to what it learned.
    const { progress } = await run(
      120,
      {
        until: (p) => {
          if (!reset && p.records >= 40) {
            reset = true;
            fakeCluster.rebalance();
          }
          return p.records >= 120;
        },
      },
      1_000,
    );
    expect(reset).toBe(true);
    expect(fakeCluster.calls.filter((call) => call === 'consumer.join').length).toBeGreaterThanOrEqual(2);
    expect([progress.records, progress.learned]).toEqual([120, 117]);
    const checkpoint = (await loadLatestCheckpoints(connection, 'models')).get('unit-regression')!;
    expect(checkpoint.manifest).toMatchObject({ version: 1, examplesSeen: 117 });
    expect(checkpoint.state.arrays).toEqual(reference(good, 120).model.state().arrays);
    expect(json('predictions').length).toBe(117);
  });

  it('starts over from the earliest offset with fromBeginning, numbering versions after the latest', async () => {
    fakeCluster.append(
      'events',
      0,
      linearEvents(60).map((row) => Buffer.from(JSON.stringify(row))),
    );
    await run(60);
    const { running, progress } = await run(60, { fromBeginning: true });
    expect(running.restored).toEqual({});
    expect(progress.learned).toBe(60);
    const checkpoint = (await loadLatestCheckpoints(connection, 'models')).get('unit-regression')!;
    expect(checkpoint.manifest).toMatchObject({ version: 4, examplesSeen: 60 });
  });

  it('creates its topics, the dead-letter one with room for any input record', async () => {
    fakeCluster.addTopic('events-big', 1, { 'max.message.bytes': '3000000' });
    fakeCluster.topics.delete('events');
    fakeCluster.topics.set('events', fakeCluster.topics.get('events-big')!);
    fakeCluster.append('events', 0, [Buffer.from(JSON.stringify(linearEvents(1)[0]))]);
    await run(1);
    expect(fakeCluster.topics.get('models')?.configs).toEqual({ 'cleanup.policy': 'compact' });
    expect(fakeCluster.topics.get('dlq')?.configs).toEqual({ 'max.message.bytes': String(3_000_000 + 64 * 1024) });
    expect(fakeCluster.topics.has('predictions') && fakeCluster.topics.has('metrics')).toBe(true);
  });

  it('stops with one line naming the record when its dead letter cannot be written, and commits nothing past it', async () => {
    const { bytes } = eventsWithPoison(30);
    fakeCluster.append('events', 0, bytes);
    fakeCluster.failNext('producer.sendBatch', ...Array.from({ length: 5 }, () => protocolError('NOT_ENOUGH_REPLICAS', true, 'not enough replicas')));
    // No predictions topic: the letter is written while the batch goes on, and predictions on the same sink would fail first.
    const { predictionsTopic: _, ...withoutPredictions } = outputs;
    const lettersOnly = regressionTopology({ outputs: withoutPredictions, batch: { maxRecords: BATCH }, checkpoint: { everyRecords: 50, everyMs: 600_000 } });
    const running = await runTopology(lettersOnly, { ...connection, until: (p) => p.records >= 30, deadLetterRetry: { retries: 1, initialDelayMs: 1 } });
    const failure = running.done;
    await expect(failure).rejects.toThrow(
      /^cannot dead-letter events\/0@7 to "dlq" \(.*\): .*not enough replicas; its offset is not committed, a restart resumes there$/,
    );
    expect(fakeCluster.committedOffset('unit-regression', 'events', 0)).toBeUndefined();
  });

  it('skips a bad record on the model topic at restore, reports it, and publishes past it', async () => {
    fakeCluster.append(
      'events',
      0,
      linearEvents(20).map((row) => Buffer.from(JSON.stringify(row))),
    );
    await run(20);
    fakeCluster.appendMessage('models', 0, { key: 'unit-regression', value: Buffer.from('garbage') });
    fakeCluster.append(
      'events',
      0,
      linearEvents(20).map((row) => Buffer.from(JSON.stringify(row))),
    );
    const { running, skipped } = await run(20);
    expect(running.restored).toEqual({ 'unit-regression': 1 });
    expect(skipped).toEqual([expect.stringContaining('models/0@')]);
    const checkpoint = (await loadLatestCheckpoints(connection, 'models')).get('unit-regression')!;
    expect(checkpoint.manifest).toMatchObject({ version: 2, examplesSeen: 40 });
  });
});
