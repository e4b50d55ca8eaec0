import type { Observable } from 'rxjs';
import { ConfigError } from '../../src/errors';
import { requirePositiveInteger } from '../codecs/validate';
import type { Codec, MicroBatch } from '../types';
import { failOnDeadLetter, microBatches, type DeadLetterHandler, type PartitionFeed, type PendingRecord } from './micro-batches';

interface MemorySourceCommon {
  /** Most records in a micro-batch. Default 1000, like the Kafka source. */
  maxRecords?: number;
  /** Default 'memory'. */
  topic?: string;
  /** Record `i` goes to partition `i % partitions` at offset `floor(i / partitions)`. Default 1. */
  partitions?: number;
}

/** Values used as they are. */
export interface MemoryValuesConfig<T> extends MemorySourceCommon {
  records: readonly T[];
  codec?: undefined;
}

/** Messages decoded by `codec`; undecodable ones go to `onDeadLetter` (default: the stream fails). */
export interface MemoryBytesConfig<T> extends MemorySourceCommon {
  records: readonly Buffer[];
  codec: Codec<T>;
  onDeadLetter?: DeadLetterHandler;
}

async function* partitionInputs<I>(records: readonly I[], partition: number, partitions: number): AsyncGenerator<PendingRecord<I>> {
  for (let i = partition, offset = 0; i < records.length; i += partitions, offset++) {
    yield { offset: String(offset), input: records[i] };
  }
}

/** Records held in memory, delivered like a Kafka topic's: see `microBatches` for the contract. */
export function createMemorySource<T>(config: MemoryBytesConfig<T>): Observable<MicroBatch<T>>;
export function createMemorySource<T>(config: MemoryValuesConfig<T>): Observable<MicroBatch<T>>;
export function createMemorySource<T>(config: MemoryBytesConfig<T> | MemoryValuesConfig<T>): Observable<MicroBatch<T>> {
  const owner = 'createMemorySource';
  const { records, topic = 'memory' } = config;
  const maxRecords = requirePositiveInteger(owner, 'maxRecords', config.maxRecords ?? 1000);
  const partitions = requirePositiveInteger(owner, 'partitions', config.partitions ?? 1);
  if (!Array.isArray(records)) throw new ConfigError(`${owner}: records must be an array`);
  if (topic.length === 0) throw new ConfigError(`${owner}: topic must be non-empty`);
  const partitionIds = Array.from({ length: partitions }, (_, partition) => partition);
  const endOffset = (partition: number) => BigInt(Math.max(0, Math.ceil((records.length - partition) / partitions)));

  if (config.codec === undefined) {
    const values = config.records as readonly T[];
    return microBatches<T, T>(
      () =>
        partitionIds.map((partition) => ({
          topic,
          partition,
          endOffset: endOffset(partition),
          inputs: partitionInputs(values, partition, partitions),
          decode: (value) => value,
        })),
      maxRecords,
      failOnDeadLetter,
    );
  }

  const { codec, onDeadLetter = failOnDeadLetter } = config;
  const notBytes = records.findIndex((record) => !Buffer.isBuffer(record));
  if (notBytes >= 0) throw new ConfigError(`${owner}: with a codec, records must be Buffers; record ${notBytes} is not`);
  return microBatches<Buffer, T>(
    () =>
      partitionIds.map((partition): PartitionFeed<Buffer, T> => ({
        topic,
        partition,
        endOffset: endOffset(partition),
        inputs: partitionInputs(config.records, partition, partitions),
        decode: (bytes, position) => codec.decode(bytes, position),
        bytesOf: (bytes) => bytes,
      })),
    maxRecords,
    onDeadLetter,
  );
}
