import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { concatMap, lastValueFrom, map, type Observable } from 'rxjs';
import { createArrowCodec } from '../../../connectors/codecs/arrow';
import { createCsvCodec, type CsvRecord } from '../../../connectors/codecs/csv';
import { isCodecName, type CodecName } from '../../../connectors/codecs/by-name';
import { createJsonCodec } from '../../../connectors/codecs/json';
import { createFileSource } from '../../../connectors/file/file-source';
import { createKafkaSink, type KafkaSink } from '../../../connectors/kafka/sink';
import { ensureTopics } from '../../../connectors/kafka/topics';
import type { MicroBatch } from '../../../connectors/types';
import { errorMessage } from '../../errors';
import { brokersFor } from '../brokers';
import { brokerOption, integerOption, requiredOption, stringOption, UsageError, type Command } from '../command';

const FORMAT_BY_EXTENSION: Record<string, CodecName> = {
  '.json': 'json',
  '.jsonl': 'json',
  '.ndjson': 'json',
  '.csv': 'csv',
  '.arrow': 'arrow',
  '.arrows': 'arrow',
  '.ipc': 'arrow',
  '.feather': 'arrow',
};

function formatOf(format: string | undefined, file: string): CodecName {
  const name = format ?? FORMAT_BY_EXTENSION[extname(file).toLowerCase()];
  if (name === undefined) throw new UsageError(`cannot tell the format of "${file}" from its extension; pass --format json|csv|arrow`);
  if (!isCodecName(name)) throw new UsageError(`--format must be json, csv or arrow, got "${name}"`);
  return name;
}

/** The file's records, each encoded as one message value; lines that do not parse are reported and skipped. */
function encodedBatches(file: string, format: CodecName, onSkip: (error: unknown) => void): Observable<MicroBatch<Buffer>> {
  const onDeadLetter = (_bytes: Buffer, error: unknown) => onSkip(error);
  const encodeEach = <T>(encode: (value: T) => Buffer) =>
    map((batch: MicroBatch<T>): MicroBatch<Buffer> => ({ ...batch, records: batch.records.map((record) => ({ ...record, value: encode(record.value) })) }));
  switch (format) {
    case 'json': {
      const codec = createJsonCodec();
      return createFileSource({ path: file, format: 'jsonl', onDeadLetter }).pipe(encodeEach((value) => codec.encode(value)));
    }
    case 'csv': {
      let codec: ReturnType<typeof createCsvCodec> | undefined;
      // The file's header gave the record its keys, in column order.
      return createFileSource({ path: file, format: 'csv', onDeadLetter }).pipe(
        encodeEach((record: CsvRecord) => (codec ??= createCsvCodec({ columns: Object.keys(record) })).encode(record)),
      );
    }
    case 'arrow': {
      const codec = createArrowCodec();
      return createFileSource({ path: file, format: 'arrow', onDeadLetter }).pipe(encodeEach((table) => codec.encode(table)));
    }
  }
}

/** Sends in slices small enough that `rate` messages per second is never exceeded over any slice. */
async function sendPaced(sink: KafkaSink, topic: string, values: Buffer[], rate: number | undefined, clock: { started: number; sent: number }): Promise<void> {
  const slice = rate === undefined ? values.length : Math.max(1, Math.floor(rate / 20));
  for (let from = 0; from < values.length; from += slice) {
    const chunk = values.slice(from, from + slice);
    if (rate !== undefined) {
      const due = clock.started + (clock.sent * 1000) / rate;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    }
    await sink.send(
      topic,
      chunk.map((value) => ({ value })),
    );
    clock.sent += chunk.length;
  }
}

export const produce: Command = {
  name: 'produce',
  usage: 'streamlearn produce --topic T --file F [--format json|csv|arrow] [--rate N] [--brokers B]',
  summary: 'write a file to a topic, one message per JSONL line, CSV row or Arrow record batch (creates the topic if missing)',
  options: {
    ...brokerOption,
    topic: { type: 'string', short: 't' },
    file: { type: 'string', short: 'f' },
    format: { type: 'string' },
    rate: { type: 'string' },
  },
  async run(args) {
    const topic = requiredOption(args, 'topic');
    const file = requiredOption(args, 'file');
    const format = formatOf(stringOption(args, 'format'), file);
    const rate = integerOption(args, 'rate');
    if (rate === 0) throw new UsageError('--rate must be at least 1 message per second');
    if (!existsSync(file)) throw new UsageError(`--file "${file}" does not exist`);

    const broker = await brokersFor(args);
    let skipped = 0;
    const clock = { started: Date.now(), sent: 0 };
    try {
      await ensureTopics(broker.connection, [{ topic }]);
      const sink = createKafkaSink({ ...broker.connection, clientId: 'streamlearn-produce' });
      try {
        const onSkip = (error: unknown) => {
          skipped++;
          process.stderr.write(`skipped ${errorMessage(error)}\n`);
        };
        const sent = encodedBatches(file, format, onSkip).pipe(
          concatMap(async (batch) => {
            await sendPaced(
              sink,
              topic,
              batch.records.map((record) => record.value),
              rate,
              clock,
            );
            await batch.ack();
          }),
        );
        await lastValueFrom(sent, { defaultValue: undefined });
      } finally {
        await sink.close();
      }
    } finally {
      await broker.stop();
    }
    process.stderr.write(`produced ${clock.sent} messages to "${topic}"${skipped > 0 ? ` (${skipped} unreadable records skipped)` : ''}\n`);
  },
};
