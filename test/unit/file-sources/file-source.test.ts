import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Table, tableToIPC } from 'apache-arrow';
import { lastValueFrom } from 'rxjs';
import { createArrowCodec, numericColumn, tableFromColumns } from '../../../connectors/codecs/arrow';
import { createFileSource } from '../../../connectors/file/file-source';
import type { RecordPosition } from '../../../connectors/types';
import { ConfigError, DecodeError } from '../../../src/errors';
import { drain, settle, watch } from './batches';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'streamlearn-file-source-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

interface DeadLetterSeen {
  bytes: Buffer;
  error: DecodeError;
  position: RecordPosition;
}

function collector() {
  const seen: DeadLetterSeen[] = [];
  return { seen, onDeadLetter: (bytes: Buffer, error: unknown, position: RecordPosition) => void seen.push({ bytes, error: error as DecodeError, position }) };
}

async function failure(promise: Promise<unknown>): Promise<DecodeError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(DecodeError);
  return error as DecodeError;
}

describe('createFileSource, JSON lines', () => {
  it('reads one value per line, offsets being line indexes, skipping blank lines', async () => {
    const path = file('values.jsonl', '{"a":1}\r\n\n[2]\r\n\r\n"three"\n4');
    const batches = await drain(createFileSource({ path, format: 'jsonl' }));
    expect(batches).toHaveLength(1);
    expect(batches[0].records.map(({ offset, value, topic, partition }) => [offset, value, topic, partition])).toEqual([
      ['0', { a: 1 }, path, 0],
      ['2', [2], path, 0],
      ['4', 'three', path, 0],
      ['5', 4, path, 0],
    ]);
    expect(batches[0]).toMatchObject({ firstOffset: '0', lastOffset: '5', nextOffset: '6' });
    expect(batches[0].lag).toBeNaN();
  });

  it('splits lines across read chunks and respects maxRecords', async () => {
    const values = Array.from({ length: 2500 }, (_, i) => ({ i, pad: 'x'.repeat(i % 97) }));
    const path = file('many.jsonl', values.map((value) => JSON.stringify(value)).join('\n') + '\n');
    const batches = await drain(createFileSource({ path, format: 'jsonl', maxRecords: 1000, topic: 'many' }));
    expect(batches.map((batch) => batch.records.length)).toEqual([1000, 1000, 500]);
    expect(batches.flatMap((batch) => batch.records.map((record) => record.value))).toEqual(values);
    expect(batches.map((batch) => batch.firstOffset)).toEqual(['0', '1000', '2000']);
  });

  it('emits nothing more until the outstanding batch is acknowledged', async () => {
    const path = file('ten.jsonl', Array.from({ length: 10 }, (_, i) => String(i)).join('\n'));
    const { seen, outcome, subscription } = watch(createFileSource({ path, format: 'jsonl', maxRecords: 4 }));
    while (seen.length === 0 && outcome.error === undefined) await settle(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toHaveLength(1);
    await seen[0].ack();
    while (seen.length === 1 && outcome.error === undefined) await settle(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen.map((batch) => batch.firstOffset)).toEqual(['0', '4']);
    subscription.unsubscribe();
  });

  it('dead-letters bad lines, untouched, with the error naming file and line', async () => {
    const path = file('bad.jsonl', '{"ok":true}\n{"a":{"b":{"constructor":1}}}\n{oops\r\n1e400\n[5]\n');
    const { seen, onDeadLetter } = collector();
    const batches = await drain(createFileSource({ path, format: 'jsonl', topic: 'bad', onDeadLetter }));
    expect(batches.flatMap((batch) => batch.records.map((record) => record.value))).toEqual([{ ok: true }, [5]]);
    expect(batches[0]).toMatchObject({ firstOffset: '0', lastOffset: '4' });
    expect(seen.map(({ bytes, error, position }) => [bytes.toString(), error.code, position.offset])).toEqual([
      ['{"a":{"b":{"constructor":1}}}', 'FORBIDDEN_KEY', '1'],
      ['{oops\r', 'MALFORMED', '2'],
      ['1e400', 'NONFINITE', '3'],
    ]);
    expect(seen[0].error.message).toMatch(/^bad\/0@1: json: forbidden key "constructor" at \$\.a\.b$/);
  });

  it('fails the stream on a bad line when no dead-letter handler is given', async () => {
    const path = file('fails.jsonl', '1\n2\n{\n');
    const error = await failure(lastValueFrom(createFileSource({ path, format: 'jsonl' })));
    expect(error.message).toContain(`${path}/0@2: json: invalid JSON`);
  });

  it('fails the stream when the file cannot be read', async () => {
    const path = join(dir, 'missing.jsonl');
    await expect(lastValueFrom(createFileSource({ path, format: 'jsonl' }))).rejects.toThrow('ENOENT');
  });
});

describe('createFileSource, CSV', () => {
  it('names columns after the header, types the numeric ones, offsets being row indexes', async () => {
    const path = file('rows.csv', '\uFEFFid;x;note\r\n7;1.5;"a;b"\r\n\r\n8;-2e-3;"say ""hi"""\r\n');
    const batches = await drain(createFileSource({ path, format: 'csv', csv: { delimiter: ';', types: { x: 'number' } } }));
    expect(batches.flatMap((batch) => batch.records.map(({ offset, value }) => [offset, value]))).toEqual([
      ['0', { id: '7', x: 1.5, note: 'a;b' }],
      ['2', { id: '8', x: -0.002, note: 'say "hi"' }],
    ]);
  });

  it('dead-letters bad rows with their row index', async () => {
    const path = file('bad.csv', 'a,b\n1,2\n1,2,3\nx,"open\n3,4\n');
    const { seen, onDeadLetter } = collector();
    const batches = await drain(createFileSource({ path, format: 'csv', topic: 'csv', maxRecords: 2, csv: { types: { b: 'number' } }, onDeadLetter }));
    expect(batches.map(({ firstOffset, lastOffset, records }) => [firstOffset, lastOffset, records.map((r) => r.value)])).toEqual([
      ['0', '1', [{ a: '1', b: 2 }]],
      ['2', '3', [{ a: '3', b: 4 }]],
    ]);
    expect(seen.map(({ bytes, error, position }) => [bytes.toString(), error.code, position.offset])).toEqual([
      ['1,2,3', 'SCHEMA', '1'],
      ['x,"open', 'MALFORMED', '2'],
    ]);
    expect(seen[0].error.message).toBe('csv/0@1: csv: expected 2 fields (a, b), got 3');
  });

  it('fails the stream on a header it cannot use', async () => {
    const duplicate = file('dup.csv', 'a,b,a\n1,2,3\n');
    expect((await failure(lastValueFrom(createFileSource({ path: duplicate, format: 'csv', topic: 'dup' })))).message).toBe(
      'dup/0@header: csv: header: createCsvCodec: column "a" appears twice',
    );
    const untyped = file('untyped.csv', 'a\n1\n');
    const error = await failure(lastValueFrom(createFileSource({ path: untyped, format: 'csv', csv: { types: { b: 'number' } } })));
    expect(error.code).toBe('SCHEMA');
  });

  it('completes without batches for an empty file', async () => {
    expect(await drain(createFileSource({ path: file('empty.csv', ''), format: 'csv' }))).toEqual([]);
  });
});

describe('createFileSource, Arrow IPC', () => {
  const batchTables = Array.from({ length: 5 }, (_, b) =>
    tableFromColumns({ x: Float64Array.from({ length: 100 }, (_, i) => b * 100 + i), tag: Array.from({ length: 100 }, () => `batch ${b}`) }),
  );
  const whole = batchTables.reduce((all, table) => all.concat(table));

  it.each(['stream', 'file'] as const)('reads each record batch of the %s format as one record', async (format) => {
    const path = file(`five.${format}.arrow`, tableToIPC(whole, format));
    const batches = await drain(createFileSource({ path, format: 'arrow', maxRecords: 2 }));
    expect(batches.map((batch) => batch.records.map((record) => record.offset))).toEqual([['0', '1'], ['2', '3'], ['4']]);
    const tables = batches.flatMap((batch) => batch.records.map((record) => record.value));
    expect(tables.every((table) => table instanceof Table && table.numRows === 100)).toBe(true);
    expect(Array.from(numericColumn(tables[3], 'x'))).toEqual(Array.from(numericColumn(batchTables[3], 'x')));
    expect(tables[4].getChild('tag')?.get(0)).toBe('batch 4');
  });

  it('dead-letters a batch with a non-finite float as Arrow bytes that decode to it', async () => {
    const values = new Float64Array([1, 2, Number.NaN]);
    const path = file('nan.arrow', tableToIPC(batchTables[0].concat(tableFromColumns({ x: values, tag: ['a', 'b', 'c'] })), 'stream'));
    const { seen, onDeadLetter } = collector();
    const batches = await drain(createFileSource({ path, format: 'arrow', topic: 'nan', onDeadLetter }));
    expect(batches.flatMap((batch) => batch.records.map((record) => record.offset))).toEqual(['0']);
    expect(seen.map(({ error, position }) => [error.code, error.message, position.offset])).toEqual([
      ['NONFINITE', 'nan/0@1: arrow: column "x" row 2 is NaN', '1'],
    ]);
    const dead = createArrowCodec({ rejectNonFinite: false }).decode(seen[0].bytes, seen[0].position);
    expect(Array.from(numericColumn(dead, 'x'))).toEqual([1, 2, Number.NaN]);
  });

  it('keeps non-finite floats when rejectNonFinite is off', async () => {
    const path = file('nan-ok.arrow', tableToIPC(tableFromColumns({ x: new Float64Array([Number.POSITIVE_INFINITY]) }), 'stream'));
    const batches = await drain(createFileSource({ path, format: 'arrow', arrow: { rejectNonFinite: false } }));
    expect(batches[0].records[0].value.getChild('x')?.get(0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('fails the stream with MALFORMED naming the batch it could not read', async () => {
    const bytes = tableToIPC(whole, 'stream');
    const path = file('truncated.arrow', bytes.subarray(0, bytes.length - 500));
    const error = await failure(drain(createFileSource({ path, format: 'arrow', topic: 'cut' })));
    expect(error.code).toBe('MALFORMED');
    expect(error.message).toMatch(/^cut\/0@4: arrow: cannot read record batch/);
  });
});

describe('createFileSource config', () => {
  it('validates at construction', () => {
    expect(() => createFileSource({ path: '', format: 'jsonl' })).toThrow(ConfigError);
    expect(() => createFileSource({ path: 'x', format: 'jsonl', maxRecords: -1 })).toThrow('maxRecords');
    expect(() => createFileSource({ path: 'x', format: 'jsonl', json: { maxBytes: 0 } })).toThrow('maxBytes');
    expect(() => createFileSource({ path: 'x', format: 'csv', csv: { delimiter: '"' } })).toThrow('delimiter');
    expect(() => createFileSource({ path: 'x', format: 'parquet' } as unknown as Parameters<typeof createFileSource>[0])).toThrow('format must be one of');
  });
});
