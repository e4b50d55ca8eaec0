import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Table } from 'apache-arrow';
import { createArrowCodec } from '../../connectors/codecs/arrow';
import { createJsonCodec, type JsonValue } from '../../connectors/codecs/json';
import { ensureTopics } from '../../connectors/kafka/topics';
import { resolveBroker } from '../../src/broker/resolve-broker';
import { ConfigError } from '../../src/errors';
import { consumeWithKafkaJs } from '../io/bare-kafkajs';
import { consumeWithKcat, ensureKcat, produceWithKcat } from '../io/kcat';
import { fastest, loadAverage, type Measurement } from '../io/measure';
import { generateIoData, ROWS_PER_ARROW_MESSAGE, type IoData } from '../io/records';
import { consumeWithSource, produceWithSink } from '../io/streamlearn-clients';
import { anchorTable, ratioTable, throughputTable, type Format, type IoRow } from '../io/tables';
import { checkTally, emptyTally, tallyArrow, tallyJson } from '../io/tally';
import { deleteTopics, messageCount } from '../io/topics';
import type { BenchResult } from '../report';

const SINK = 'streamlearn sink';
const SOURCE = 'streamlearn source';
const KCAT_PRODUCE = 'kcat -P';
const KCAT_CONSUME = 'kcat -C';

interface Consumer {
  format: Format;
  tool: string;
  read(): Promise<Measurement>;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Produces and consumes the same seeded records through the broker, as one JSON object per message and as
 * Arrow IPC messages of 1,000 rows, with streamlearn's sink and source, with plain kafkajs, and with Debian's
 * kcat (librdkafka), in one invocation. Options: `--records n` (a multiple of 1,000; default 1,000,000),
 * `--repeats r` consume passes per consumer, the fastest counting (default 3), `--seed s`.
 */
export async function run(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args,
    options: {
      records: { type: 'string', default: '1000000' },
      repeats: { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' },
    },
  });
  const records = Number(values.records);
  const repeats = Number(values.repeats);
  const seed = Number(values.seed);
  if (!(Number.isInteger(records) && records >= 10_000 && records % ROWS_PER_ARROW_MESSAGE === 0)) {
    throw new ConfigError(`--records must be a multiple of ${ROWS_PER_ARROW_MESSAGE}, at least 10000, got "${values.records}"`);
  }
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new ConfigError(`--repeats must be a positive integer, got "${values.repeats}"`);
  if (!Number.isInteger(seed)) throw new ConfigError(`--seed must be an integer, got "${values.seed}"`);

  const loadAtStart = loadAverage();
  const kcat = ensureKcat();
  log(kcat.available ? `kcat: ${kcat.version}` : `kcat skipped: ${kcat.reason}`);
  log(`generating ${records} records`);
  const data = generateIoData(records, seed);
  const dir = mkdtempSync(join(tmpdir(), 'streamlearn-bench-io-'));
  const broker = await resolveBroker({ log });
  const { brokers } = broker;
  const stamp = `bench-io-${Date.now().toString(36)}`;
  const topics = { json: `${stamp}-json`, arrow: `${stamp}-arrow`, jsonKcat: `${stamp}-json-kcat`, arrowKcat: `${stamp}-arrow-kcat` };
  const rows: IoRow[] = [];
  const bytesPerRecord: Record<Format, number> = { JSON: data.jsonBytes / records, Arrow: data.arrowBytes / records };
  const add = (format: Format, direction: IoRow['direction'], tool: string, measurement: Measurement) => {
    rows.push({ format, direction, tool, measurement, bytesPerRecord: bytesPerRecord[format] });
    log(`${format} ${direction} ${tool}: ${Math.round(measurement.records / measurement.span.seconds)} records/s`);
  };
  try {
    await ensureTopics(
      { brokers },
      Object.values(topics).map((topic) => ({ topic, partitions: 1 })),
    );

    add('JSON', 'produce', SINK, await produceWithSink(brokers, topics.json, data.json, 1));
    add('Arrow', 'produce', SINK, await produceWithSink(brokers, topics.arrow, data.arrow, ROWS_PER_ARROW_MESSAGE));
    if (kcat.available) {
      const { linesFile, messageFiles } = writeKcatInputs(dir, data);
      add('JSON', 'produce', KCAT_PRODUCE, await produceWithKcat(brokers[0], topics.jsonKcat, { linesFile }, records));
      add('Arrow', 'produce', KCAT_PRODUCE, await produceWithKcat(brokers[0], topics.arrowKcat, { messageFiles }, records));
    }
    const expected: Array<[string, number]> = [
      [topics.json, data.json.length],
      [topics.arrow, data.arrow.length],
    ];
    if (kcat.available) expected.push([topics.jsonKcat, data.json.length], [topics.arrowKcat, data.arrow.length]);
    for (const [topic, messages] of expected) {
      const stored = await messageCount(brokers, topic);
      if (stored !== messages) throw new Error(`${topic} holds ${stored} messages, ${messages} were produced`);
    }

    const consumers = consumersOf(brokers, topics, data, kcat.available);
    const passes = new Map<Consumer, Measurement[]>(consumers.map((consumer) => [consumer, []]));
    // Round-robin, so that a burst of load from the machine's other users spreads over all consumers.
    for (let pass = 0; pass < repeats; pass++) {
      for (const consumer of consumers) passes.get(consumer)!.push(await consumer.read());
    }
    for (const consumer of consumers) add(consumer.format, 'consume', consumer.tool, fastest(passes.get(consumer)!));
  } finally {
    await deleteTopics(brokers, Object.values(topics)).catch((err: unknown) => log(`could not delete the benchmark topics: ${String(err)}`));
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const directions = { produce: SINK, consume: SOURCE };
  const peers = { produce: KCAT_PRODUCE, consume: KCAT_CONSUME };
  return {
    tables: [throughputTable(rows), ...(kcat.available ? [ratioTable(rows, directions, peers)] : []), anchorTable(rows, SOURCE)],
    context: {
      records,
      repeats,
      seed,
      broker: broker.source,
      kcat: kcat.available ? kcat.version : null,
      jsonBytesPerRecord: Math.round(bytesPerRecord.JSON),
      arrowBytesPerMessage: Math.round(data.arrowBytes / data.arrow.length),
      loadAverage: { start: loadAtStart, end: loadAverage() } as { [key: string]: JsonValue },
    },
    notes: [
      ...(kcat.available ? [] : [`kcat was skipped: ${kcat.reason}`]),
      'One partition, one broker on this machine (it shares the 2 cores with the client), values pre-encoded before the clock. Produce is timed from the first send (connection included) to the last acknowledgement; the sink and kcat are both idempotent with acks=all.',
      'Consumers read the topics the sink wrote, from the earliest offset (a fresh group for streamlearn and kafkajs; kcat assigns the partition without a group). Each is timed from its first batch (kcat: its first output) to its last record, counting only the records after that first batch; the time to join and get there is "startup s". The fastest of the passes counts.',
      `${SOURCE}: createKafkaSource with the codec (JSON: JSON.parse and its safety walk; Arrow: tableFromIPC and the non-finite check), micro-batches of at most 1,000 messages, each acknowledged (and so committed, commitOnAck being the default) before the next; every decoded value is added up (Arrow: columns read through numericColumn, no row objects) and the sums are checked against the data.`,
      'kafkajs rows: a bare kafkajs consumer (createKafkaClient, eachBatch, no commits) that only counts messages, or JSON.parses each value: the kafkajs layer under the source, alone, so its rate bounds that of the source. kcat -C writes each message size and value (-f "%S\\n%s") to a pipe this process counts; its CPU is its whole process, startup included.',
      'The anchors are per-core ceilings derived for 32-float records; these carry 8 floats (186 bytes as JSON), so read the JSON line against the bare kafkajs + JSON.parse row of the same run too.',
      '"busy cores": cores busy on the whole machine during the measurement (client, broker and other users\' work, from /proc/stat); "records/CPU-s" counts this process\'s CPU only (kcat: kcat\'s).',
    ],
  };
}

function writeKcatInputs(dir: string, data: IoData): { linesFile: string; messageFiles: string[] } {
  const linesFile = join(dir, 'records.jsonl');
  writeFileSync(linesFile, Buffer.concat(data.json.flatMap((value) => [value, Buffer.from('\n')])));
  const messages = join(dir, 'arrow');
  mkdirSync(messages);
  const messageFiles = data.arrow.map((value, i) => {
    const file = join(messages, `${String(i).padStart(6, '0')}.arrow`);
    writeFileSync(file, value);
    return file;
  });
  return { linesFile, messageFiles };
}

function consumersOf(brokers: string[], topics: { json: string; arrow: string }, data: IoData, withKcat: boolean): Consumer[] {
  const json = createJsonCodec();
  const arrow = createArrowCodec();
  const sourceRead = (format: Format, tool: string, commitOnAck: boolean) => async () => {
    const tally = emptyTally();
    const measurement =
      format === 'JSON'
        ? await consumeWithSource<JsonValue>({
            brokers,
            topic: topics.json,
            codec: json,
            records: data.records,
            handle: (values) => tallyJson(tally, values),
            options: { commitOnAck },
          })
        : await consumeWithSource<Table>({
            brokers,
            topic: topics.arrow,
            codec: arrow,
            records: data.records,
            handle: (values) => tallyArrow(tally, values),
            options: { commitOnAck },
          });
    checkTally(tally, data, `${tool} (${format})`);
    return measurement;
  };
  const bare = (format: Format, parseJson: boolean) => async () => {
    const perMessage = format === 'JSON' ? 1 : ROWS_PER_ARROW_MESSAGE;
    const topic = format === 'JSON' ? topics.json : topics.arrow;
    const measurement = await consumeWithKafkaJs({ brokers, topic, messages: data.records / perMessage, parseJson });
    return { ...measurement, records: measurement.records * perMessage };
  };
  return [
    { format: 'JSON', tool: SOURCE, read: sourceRead('JSON', SOURCE, true) },
    { format: 'JSON', tool: `${SOURCE}, commitOnAck false`, read: sourceRead('JSON', SOURCE, false) },
    { format: 'JSON', tool: 'kafkajs eachBatch + JSON.parse', read: bare('JSON', true) },
    { format: 'JSON', tool: 'kafkajs eachBatch, count only', read: bare('JSON', false) },
    ...(withKcat ? [{ format: 'JSON' as const, tool: KCAT_CONSUME, read: () => consumeWithKcat(brokers[0], topics.json, data.json.length, 1) }] : []),
    { format: 'Arrow', tool: SOURCE, read: sourceRead('Arrow', SOURCE, true) },
    { format: 'Arrow', tool: 'kafkajs eachBatch, count only', read: bare('Arrow', false) },
    ...(withKcat
      ? [{ format: 'Arrow' as const, tool: KCAT_CONSUME, read: () => consumeWithKcat(brokers[0], topics.arrow, data.arrow.length, ROWS_PER_ARROW_MESSAGE) }]
      : []),
  ];
}
