import { createReadStream } from 'node:fs';
import { RecordBatchReader, Table, tableToIPC } from 'apache-arrow';
import type { Observable } from 'rxjs';
import { ConfigError, StreamlearnError, errorMessage } from '../../src/errors';
import { findNonFinite, type ArrowCodecOptions } from '../codecs/arrow';
import { createCsvCodec, splitCsvLine, validateDelimiter, type CsvCodecOptions, type CsvRecord } from '../codecs/csv';
import { decodeFailure, decodeUtf8 } from '../codecs/decode-failure';
import { createJsonCodec, type JsonCodecOptions, type JsonValue } from '../codecs/json';
import { requirePositiveInteger } from '../codecs/validate';
import { failOnDeadLetter, microBatches, type DeadLetterHandler, type PartitionFeed, type PendingRecord } from '../memory/micro-batches';
import type { Codec, DecodeContext, MicroBatch } from '../types';
import { isBlankLine, readLines } from './lines';

interface FileSourceCommon {
  path: string;
  /** Most records in a micro-batch. Default 1000, like the Kafka source. */
  maxRecords?: number;
  /** The topic records say they come from. Default: the path. */
  topic?: string;
  /** Receives bad lines (and Arrow batches with non-finite floats); default: the stream fails with the error. */
  onDeadLetter?: DeadLetterHandler;
}

/** One JSON value per line; offset = 0-based line index. Blank lines are skipped. */
export interface JsonlFileSourceConfig extends FileSourceCommon {
  format: 'jsonl';
  json?: JsonCodecOptions;
}

/**
 * The first non-blank line names the columns; offset = 0-based row index, row 0 being the line after the
 * header. A record is one line: quoted fields may not span lines. Blank lines are skipped.
 */
export interface CsvFileSourceConfig extends FileSourceCommon {
  format: 'csv';
  csv?: Omit<CsvCodecOptions, 'columns'>;
}

/** Arrow IPC, stream or file format; each record batch is one record whose value is a Table; offset = batch index. */
export interface ArrowFileSourceConfig extends FileSourceCommon {
  format: 'arrow';
  arrow?: ArrowCodecOptions;
}

export type FileSourceConfig = JsonlFileSourceConfig | CsvFileSourceConfig | ArrowFileSourceConfig;

const FORMATS = ['jsonl', 'csv', 'arrow'];
const identity = (bytes: Buffer): Buffer => bytes;

function jsonlFeed(path: string, topic: string, codec: Codec<JsonValue>): PartitionFeed<Buffer, JsonValue> {
  async function* inputs(): AsyncGenerator<PendingRecord<Buffer>> {
    let index = 0;
    for await (const line of readLines(path)) {
      if (!isBlankLine(line)) yield { offset: String(index), input: line };
      index++;
    }
  }
  return { topic, partition: 0, inputs: inputs(), decode: (bytes, position) => codec.decode(bytes, position), bytesOf: identity };
}

function codecFromHeader(line: Buffer, context: DecodeContext, options: Omit<CsvCodecOptions, 'columns'>): Codec<CsvRecord> {
  const columns = splitCsvLine(decodeUtf8('csv', line, context).replace(/\r$/, ''), options.delimiter ?? ',');
  if (!Array.isArray(columns)) throw decodeFailure('csv', 'MALFORMED', context, `header: ${columns.problem}`);
  try {
    return createCsvCodec({ ...options, columns });
  } catch (err) {
    // Duplicate or forbidden column names are a property of the file, not of the program's configuration.
    if (err instanceof ConfigError) throw decodeFailure('csv', 'SCHEMA', context, `header: ${err.message}`, err);
    throw err;
  }
}

function csvFeed(path: string, topic: string, options: Omit<CsvCodecOptions, 'columns'>): PartitionFeed<Buffer, CsvRecord> {
  let codec: Codec<CsvRecord> | undefined;
  async function* inputs(): AsyncGenerator<PendingRecord<Buffer>> {
    let row = 0;
    for await (const line of readLines(path)) {
      if (isBlankLine(line)) {
        if (codec !== undefined) row++;
      } else if (codec === undefined) {
        codec = codecFromHeader(line, { topic, partition: 0, offset: 'header' }, options);
      } else {
        yield { offset: String(row++), input: line };
      }
    }
  }
  return {
    topic,
    partition: 0,
    inputs: inputs(),
    bytesOf: identity,
    // Only called for a yielded line, and the header (which sets `codec`) comes before any.
    decode: (bytes, position) => (codec as Codec<CsvRecord>).decode(bytes, position),
  };
}

function arrowFeed(path: string, topic: string, { rejectNonFinite = true }: ArrowCodecOptions): PartitionFeed<Table, Table> {
  async function* inputs(): AsyncGenerator<PendingRecord<Table>> {
    const file = createReadStream(path);
    let index = 0;
    try {
      const reader = await RecordBatchReader.from(file);
      for await (const batch of reader) yield { offset: String(index++), input: new Table(batch) };
    } catch (err) {
      if (err instanceof StreamlearnError) throw err;
      // The rest of the file cannot be found without this batch: nothing to skip to, so the stream fails.
      throw decodeFailure('arrow', 'MALFORMED', { topic, partition: 0, offset: String(index) }, `cannot read record batch: ${errorMessage(err)}`, err);
    } finally {
      file.destroy();
    }
  }
  return {
    topic,
    partition: 0,
    inputs: inputs(),
    decode(table, position) {
      const found = rejectNonFinite ? findNonFinite(table) : undefined;
      if (found) throw decodeFailure('arrow', 'NONFINITE', position, found);
      return table;
    },
    bytesOf: (table) => Buffer.from(tableToIPC(table, 'stream')),
  };
}

/** A file read as one partition of micro-batches, delivered like a Kafka topic's: see `microBatches`. */
export function createFileSource(config: JsonlFileSourceConfig): Observable<MicroBatch<JsonValue>>;
export function createFileSource(config: CsvFileSourceConfig): Observable<MicroBatch<CsvRecord>>;
export function createFileSource(config: ArrowFileSourceConfig): Observable<MicroBatch<Table>>;
export function createFileSource(config: FileSourceConfig): Observable<MicroBatch<JsonValue | CsvRecord | Table>> {
  const owner = 'createFileSource';
  const { path, topic = path, onDeadLetter = failOnDeadLetter } = config;
  if (typeof path !== 'string' || path.length === 0) throw new ConfigError(`${owner}: path must be a non-empty string`);
  if (topic.length === 0) throw new ConfigError(`${owner}: topic must be non-empty`);
  const maxRecords = requirePositiveInteger(owner, 'maxRecords', config.maxRecords ?? 1000);
  switch (config.format) {
    case 'jsonl': {
      const codec = createJsonCodec(config.json);
      return microBatches(() => [jsonlFeed(path, topic, codec)], maxRecords, onDeadLetter);
    }
    case 'csv': {
      const options = config.csv ?? {};
      validateDelimiter(owner, options.delimiter ?? ',');
      return microBatches(() => [csvFeed(path, topic, options)], maxRecords, onDeadLetter);
    }
    case 'arrow':
      return microBatches(() => [arrowFeed(path, topic, config.arrow ?? {})], maxRecords, onDeadLetter);
    default:
      throw new ConfigError(`${owner}: format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify((config as { format: unknown }).format)}`);
  }
}
