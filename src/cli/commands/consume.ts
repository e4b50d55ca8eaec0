import { randomUUID } from 'node:crypto';
import type { Table } from 'apache-arrow';
import { concatMap } from 'rxjs';
import { codecByName, isCodecName, type CodecName } from '../../../connectors/codecs/by-name';
import type { DeadLetter } from '../../../connectors/dead-letter';
import { createKafkaSource } from '../../../connectors/kafka/source';
import type { Codec } from '../../../connectors/types';
import { errorMessage } from '../../errors';
import { brokersFor } from '../brokers';
import { brokerOption, integerOption, requiredOption, stringOption, UsageError, type Command, type ParsedArgs } from '../command';

/** JSON has no 64-bit integers or typed arrays: Arrow int64 cells become numbers when exact, strings otherwise. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number | bigint>);
  return value;
}

/** A message's lines: its value, or each row of an Arrow record batch. */
function linesOf(format: CodecName, value: unknown): string[] {
  if (format !== 'arrow') return [JSON.stringify(value, jsonReplacer)];
  return [...(value as Table)].map((row) => JSON.stringify(row?.toJSON() ?? null, jsonReplacer));
}

function codecFor(format: CodecName, args: ParsedArgs): Codec<unknown> {
  if (format !== 'csv') return codecByName(format, {}) as Codec<unknown>;
  const columns = stringOption(args, 'columns')
    ?.split(',')
    .map((column) => column.trim());
  if (!columns) throw new UsageError('--format csv needs --columns a,b,c: a CSV message is one row, without its header');
  return codecByName('csv', { columns }) as Codec<unknown>;
}

/** Records the codec rejects are reported, not written anywhere: this command only reads. */
const reportToStderr: DeadLetter = {
  async write({ error }) {
    process.stderr.write(`skipped ${errorMessage(error)}\n`);
  },
};

export const consume: Command = {
  name: 'consume',
  usage: 'streamlearn consume --topic T [--max N] [--from-beginning] [--format json|csv|arrow] [--columns a,b] [--brokers B]',
  summary: 'print decoded records as JSON lines (an Arrow record batch prints one line per row); stop after --max records',
  options: {
    ...brokerOption,
    topic: { type: 'string', short: 't' },
    max: { type: 'string', short: 'n' },
    'from-beginning': { type: 'boolean' },
    format: { type: 'string' },
    columns: { type: 'string' },
  },
  async run(args) {
    const topic = requiredOption(args, 'topic');
    const max = integerOption(args, 'max');
    const format = stringOption(args, 'format') ?? 'json';
    if (!isCodecName(format)) throw new UsageError(`--format must be json, csv or arrow, got "${format}"`);
    const codec = codecFor(format, args);
    if (max === 0) return;

    const broker = await brokersFor(args);
    try {
      // A group of its own that commits nothing: reading here never moves anyone else's position.
      const source = createKafkaSource<unknown>({
        ...broker.connection,
        clientId: 'streamlearn-consume',
        groupId: `streamlearn-consume-${randomUUID()}`,
        topics: [topic],
        codec,
        deadLetter: reportToStderr,
        startFrom: args.values['from-beginning'] === true ? 'earliest' : 'latest',
        commitOnAck: false,
      });
      let printed = 0;
      await new Promise<void>((resolve, reject) => {
        const stop = () => source.stop().then(resolve, reject);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        source
          .batches()
          .pipe(
            concatMap(async (batch) => {
              const records = max === undefined ? batch.records : batch.records.slice(0, max - printed);
              const lines = records.flatMap((record) => linesOf(format, record.value));
              if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
              printed += records.length;
              if (max !== undefined && printed >= max) await stop();
              else await batch.ack();
            }),
          )
          .subscribe({ error: reject, complete: resolve })
          .add(() => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
          });
      });
    } finally {
      await broker.stop();
    }
  },
};
