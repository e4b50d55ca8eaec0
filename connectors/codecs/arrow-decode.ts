/**
 * Arrow IPC decode without the reader machinery, for the common message: one schema, one uncompressed record
 * batch without dictionaries, then the end-of-stream marker (or nothing). The schema is parsed once and kept
 * while the messages repeat its bytes (a topic's messages all do); each message then costs the record batch
 * header's flatbuffer and apache-arrow's own `VectorLoader`, so the columns are the ones `tableFromIPC` makes.
 * Anything else (another layout, a new schema with dictionaries, compression, more batches, bytes that do not
 * parse) returns undefined, and the caller takes `tableFromIPC`, whose result and errors stay the reference.
 * Measured: `tableFromIPC` re-parsed the schema and built ~50 KB of reader objects per message, 13% of the
 * Arrow trainer's CPU through Kafka (docs/performance.md, "Stop 22: Arrow").
 */
import { Data, DataType, Message, MessageHeader, RecordBatch, Schema, Struct, Table, makeData, type Field, type Float, type Int } from 'apache-arrow';
import { VectorLoader } from 'apache-arrow/visitor/vectorloader';
import type { BodyPool } from './body-pool';

/** Arrow's continuation marker before each message's metadata length (IPC format ≥ 0.15). */
const CONTINUATION = -1;

/**
 * The last schema seen: its metadata bytes, and the schema, or null when its messages take `tableFromIPC`;
 * `batchSchema` is the schema apache-arrow's `RecordBatch` constructor derived from it, once one was built.
 */
export interface SchemaCache {
  bytes: Uint8Array | null;
  schema: Schema | null;
  batchSchema: Schema | null;
  /** The last record batch header read under this schema: its metadata bytes and what they decode to. */
  header: { bytes: Uint8Array; batch: BatchHeader } | null;
}

/** What a record batch message's metadata says; apache-arrow's `Message` and its header are only read. */
interface BatchHeader {
  header: RecordBatchHeader;
  bodyLength: number;
  metadata: Map<string, string>;
  /** Where each column's values lie in the body, when every column is a fixed-width number without nulls; else null. */
  plan: ColumnPlan[] | null;
}

/** A column of fixed-width numbers without nulls: its type, and its values' byte range in the body. */
interface ColumnPlan {
  type: Int | Float;
  length: number;
  offset: number;
  count: number;
}

type RecordBatchHeader = ReturnType<Message<MessageHeader.RecordBatch>['header']>;

export const createSchemaCache = (): SchemaCache => ({ bytes: null, schema: null, batchSchema: null, header: null });

/** A message's metadata range `[start, end)` after the prefix at `at`, or undefined past the end or at an end-of-stream marker. */
function metadataAt(view: DataView, at: number): { start: number; end: number } | undefined {
  if (at + 4 > view.byteLength) return undefined;
  let length = view.getInt32(at, true);
  let start = at + 4;
  if (length === CONTINUATION) {
    if (start + 4 > view.byteLength) return undefined;
    length = view.getInt32(start, true);
    start += 4;
  }
  if (length <= 0 || start + length > view.byteLength) return undefined;
  return { start, end: start + length };
}

/** Whether `bytes` from `at` on is nothing, or only an end-of-stream marker (a zero length, after a continuation or not). */
function endsAt(view: DataView, at: number): boolean {
  const left = view.byteLength - at;
  if (left === 0) return true;
  if (left === 4) return view.getInt32(at, true) === 0;
  return left === 8 && view.getInt32(at, true) === CONTINUATION && view.getInt32(at + 4, true) === 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The schema these metadata bytes encode, from the cache when they are the last ones seen; null when unsuited. */
function schemaOf(metadata: Uint8Array, cache: SchemaCache): Schema | null {
  if (cache.bytes !== null && sameBytes(cache.bytes, metadata)) return cache.schema;
  const message = Message.decode(metadata);
  const schema = message.isSchema() && message.bodyLength === 0 ? message.header() : null;
  cache.bytes = new Uint8Array(metadata);
  cache.batchSchema = null;
  cache.header = null;
  cache.schema = schema !== null && schema.dictionaries.size === 0 && schema.fields.length > 0 ? schema : null;
  return cache.schema;
}

/**
 * The table of a one-batch IPC stream, or undefined when the message takes `tableFromIPC` (see above). With
 * `bodies`, a misaligned body is copied onto one of its copies, lent to the table (`BodyPool`).
 */
export function decodeOneBatch(bytes: Uint8Array, cache: SchemaCache, bodies?: BodyPool): Table | undefined {
  try {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const schemaAt = metadataAt(view, 0);
    if (schemaAt === undefined) return undefined;
    const schema = schemaOf(bytes.subarray(schemaAt.start, schemaAt.end), cache);
    const batchAt = schema === null ? undefined : metadataAt(view, schemaAt.end);
    if (schema === null || batchAt === undefined) return undefined;
    const batchHeader = batchHeaderOf(bytes.subarray(batchAt.start, batchAt.end), cache);
    if (batchHeader === undefined) return undefined;
    const { header, bodyLength, metadata } = batchHeader;
    const bodyEnd = batchAt.end + bodyLength;
    if (header.compression != null || !endsAt(view, bodyEnd) || bodyEnd > bytes.byteLength) return undefined;
    // The columns are typed-array views of the body: a body off an 8-byte boundary (where Kafka hands it out) is
    // copied once here, as the reader copies each misaligned column.
    let body = bytes.subarray(batchAt.end, bodyEnd);
    const copied = body.byteOffset % 8 !== 0;
    // (`new Uint8Array`, not `slice`: a Buffer's slice is a view.)
    if (copied) body = bodies === undefined ? new Uint8Array(body) : bodies.copy(body);
    const children =
      batchHeader.plan === null
        ? new VectorLoader(body, header.nodes, header.buffers, new Map(), schema.metadataVersion, header.variadicBufferCounts).visitMany(schema.fields)
        : planned(batchHeader.plan, body);
    // `new Table(batch)`: the table takes the batch's schema, as `tableFromIPC`'s does, without comparing schemas.
    const table = new Table(recordBatch(cache, schema, children, header.length, new Map(metadata)));
    if (copied) bodies?.lend(table, body);
    return table;
  } catch {
    // Bytes the fast path cannot read: tableFromIPC reads them or names what is wrong.
    return undefined;
  }
}

/**
 * The record batch header these metadata bytes encode, from the cache when they are the last ones seen (a
 * topic's messages of as many rows all carry the same header: lengths and buffer offsets); undefined for a
 * message that is not a record batch. Measured: `Message.decode` and its header objects were ~8 MB of the
 * decoder's ~20 MB of garbage per 1M rows (1,000-row messages); the header is only read (`VectorLoader` keeps
 * its own positions), so one serves every message that repeats it.
 */
function batchHeaderOf(metadata: Uint8Array, cache: SchemaCache): BatchHeader | undefined {
  const cached = cache.header;
  if (cached !== null && sameBytes(cached.bytes, metadata)) return cached.batch;
  const message = Message.decode(metadata);
  if (!message.isRecordBatch()) return undefined;
  const header = message.header();
  const batch = { header, bodyLength: message.bodyLength, metadata: message.metadata, plan: planOf(cache.schema?.fields ?? [], header, message.bodyLength) };
  cache.header = { bytes: new Uint8Array(metadata), batch };
  return batch;
}

/**
 * The columns' places in the body when every field is an integer or float column without nulls (two buffers
 * each: an unread validity bitmap, then the values), within the body and a whole number of values; else null,
 * and `VectorLoader` reads the body. Read once per header, as the header itself.
 */
function planOf(fields: Field[], header: RecordBatchHeader, bodyLength: number): ColumnPlan[] | null {
  if (header.nodes.length !== fields.length || header.buffers.length !== 2 * fields.length) return null;
  const plan: ColumnPlan[] = [];
  for (const [i, field] of fields.entries()) {
    const type = field.type as DataType;
    const node = header.nodes[i];
    const values = header.buffers[2 * i + 1];
    if (!(DataType.isInt(type) || DataType.isFloat(type)) || node.nullCount !== 0) return null;
    const size = type.ArrayType.BYTES_PER_ELEMENT;
    if (values.offset % size !== 0 || values.length % size !== 0 || values.offset + values.length > bodyLength) return null;
    plan.push({ type, length: node.length, offset: values.offset, count: values.length / size });
  }
  return plan;
}

/** The empty validity bitmap of a column without nulls (`VectorLoader` makes one per column; it is never written). */
const NO_NULLS = new Uint8Array(0);

/**
 * `VectorLoader`'s columns for a planned body (8-byte aligned): what its `visitInt`/`visitFloat` make through
 * `makeData`, each column a `Data` of the values' typed-array view, made directly. The loader's dispatch per
 * column (`getVisitFn`), its `subarray`s and `makeData`'s were ~3% of the Arrow trainer through Kafka.
 */
function planned(plan: ColumnPlan[], body: Uint8Array): Data[] {
  const children: Data[] = new Array<Data>(plan.length);
  for (let c = 0; c < plan.length; c++) {
    const { type, length, offset, count } = plan[c];
    const values = new type.ArrayType(body.buffer as ArrayBuffer, body.byteOffset + offset, count);
    children[c] = new Data(type, 0, length, 0, [undefined, values, NO_NULLS]);
  }
  return children;
}

/**
 * `new RecordBatch(schema, data, metadata)` over columns of `length` rows. For such columns the constructor
 * changes nothing but rebuilds the schema (`schema.assign`: each field cloned, metadata maps merged) and the
 * struct data, every message: 1.1% of the Arrow trainer and ~10 MB of garbage per 1M rows (1,000-row
 * messages). After the first batch of a schema, the batch is made with that batch's schema, as the
 * constructor would leave it. Columns of other lengths (which it backfills with nulls) still go through it.
 */
function recordBatch(cache: SchemaCache, schema: Schema, children: Data[], length: number, metadata: Map<string, string>): RecordBatch {
  const reuse = cache.batchSchema;
  const sameLength = children.every((child) => child.length === length);
  if (reuse === null || !sameLength) {
    const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, children }), metadata);
    if (sameLength) cache.batchSchema = batch.schema;
    return batch;
  }
  const data = makeData({ type: new Struct(reuse.fields), length, children });
  // The constructor's own fields, in its order (`metadata` reads `_metadata`).
  return Object.assign(Object.create(RecordBatch.prototype) as RecordBatch, { schema: reuse, data, _metadata: metadata });
}
