import { createHash } from 'node:crypto';
import { arraysFromArrow, arraysToArrow } from '../../../src/checkpoints/arrow-arrays';
import { buildCheckpoint, decodeEnvelope, encodeEnvelope, openCheckpoint } from '../../../src/checkpoints/envelope';
import { checkpointRecords, versionTombstones, createCheckpointAssembler } from '../../../src/checkpoints/records';
import { CheckpointError } from '../../../src/errors';
import type { ModelState } from '../../../src/state';

function sampleState(size: number): ModelState {
  const weights = new Float64Array(size).map((_, i) => Math.sin(i) * 1e-3 + (i % 7 === 0 ? Number.MIN_VALUE : 0));
  const f32 = new Float32Array(size / 2).map((_, i) => Math.cos(i));
  return {
    kind: 'test-model',
    version: 3,
    config: { stepSize: 0.1, nested: { list: [1, 'two', null] } },
    arrays: {
      weights,
      f32,
      counts: new Int32Array([-1, 0, 2 ** 31 - 1]),
      ids: new Uint32Array([2 ** 32 - 1]),
      empty: new Float64Array(0),
      flags: new Uint8Array([0, 255]),
      shorts: new Int16Array([-32768, 7]),
      ushorts: new Uint16Array([65535]),
      bytes: new Int8Array([-128, 127]),
    },
  };
}

const fields = { modelId: 'ctr', version: 7, offsets: [{ topic: 'events', partition: 0, offset: '1234' }], examplesSeen: 1234, metrics: { logLoss: 0.5 } };

function expectSameArrays(a: ModelState['arrays'], b: ModelState['arrays']): void {
  expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
  for (const name of Object.keys(a)) {
    expect(b[name].constructor).toBe(a[name].constructor);
    expect(
      Buffer.from(b[name].buffer, b[name].byteOffset, b[name].byteLength).equals(Buffer.from(a[name].buffer, a[name].byteOffset, a[name].byteLength)),
    ).toBe(true);
  }
}

describe('checkpoint payload (Arrow IPC)', () => {
  it('round-trips every dtype bit for bit', () => {
    const state = sampleState(1000);
    expectSameArrays(state.arrays, arraysFromArrow(arraysToArrow(state.arrays)));
  });
});

/** The exact one-line message (a regular expression anchored at both ends). */
const refusal = (message: string) => new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);

describe('checkpoint envelope', () => {
  it('carries the manifest and rebuilds the state after checking the hash', () => {
    const state = sampleState(100);
    const { manifest, payload } = buildCheckpoint(fields, state);
    expect(manifest.payloadSha256).toMatch(/^[0-9a-f]{64}$/);
    const decoded = decodeEnvelope(encodeEnvelope(manifest, payload), 'test');
    const opened = openCheckpoint(decoded.manifest, decoded.inlinePayload);
    expect(opened.manifest.offsets).toEqual(fields.offsets);
    expect(opened.state.config).toEqual(state.config);
    expect(opened.state.kind).toBe('test-model');
    expectSameArrays(state.arrays, opened.state.arrays);
  });

  it('refuses a payload whose hash does not match', () => {
    const { manifest, payload } = buildCheckpoint(fields, sampleState(100));
    const tampered = Buffer.from(payload);
    tampered[tampered.length - 20] ^= 1;
    expect(() => openCheckpoint(manifest, tampered)).toThrow(/SHA-256/);
  });

  it('refuses bytes that are not a checkpoint', () => {
    expect(() => decodeEnvelope(Buffer.from('{"json":true}'), 'model-topic[0]@5')).toThrow(/model-topic\[0\]@5: not a streamlearn checkpoint/);
  });

  it('lays the envelope out as SLCK, version 1, the manifest length (u32 big-endian), the manifest, the payload', () => {
    const { manifest, payload } = buildCheckpoint(fields, sampleState(10));
    const bytes = encodeEnvelope(manifest, payload);
    const json = Buffer.from(JSON.stringify(manifest), 'utf8');
    expect(bytes.subarray(0, 4).toString('ascii')).toBe('SLCK');
    expect(bytes[4]).toBe(1);
    expect(bytes.readUInt32BE(5)).toBe(json.length);
    expect(bytes.subarray(9, 9 + json.length).equals(json)).toBe(true);
    expect(bytes.subarray(9 + json.length).equals(Buffer.from(payload))).toBe(true);
    expect(bytes.length).toBe(9 + json.length + payload.byteLength);
    // Shorter than the 9 header bytes: refused before reading past the record.
    expect(() => decodeEnvelope(Buffer.from('SLCK\u0001'), 'short')).toThrow(refusal('short: not a streamlearn checkpoint (bad magic)'));
  });

  it('refuses an envelope of another version, a manifest running past the record, bad JSON, or an unknown format, saying where', () => {
    const { manifest, payload } = buildCheckpoint(fields, sampleState(10));
    const good = encodeEnvelope(manifest, payload);
    const edit = (change: (bytes: Buffer) => void) => {
      const bytes = Buffer.from(good);
      change(bytes);
      return () => decodeEnvelope(bytes, 'models/0@9');
    };
    expect(edit((b) => b.writeUInt8(2, 4))).toThrow(refusal('models/0@9: envelope version 2 is not supported'));
    expect(edit((b) => b.writeUInt32BE(good.length - 8, 5))).toThrow(refusal(`models/0@9: manifest length ${good.length - 8} runs past the record`));
    expect(edit((b) => b.writeUInt8(2, 4))).toThrow(CheckpointError);
    // The manifest may end exactly at the record's end (no payload inline: a chunked checkpoint).
    expect(decodeEnvelope(encodeEnvelope(manifest, new Uint8Array(0)), 'x').inlinePayload.length).toBe(0);
    expect(edit((b) => (b[9] = 0x7b + 1))).toThrow(refusal('models/0@9: manifest is not valid JSON'));
    const other = encodeEnvelope({ ...manifest, format: 'streamlearn.checkpoint/v9' as never }, payload);
    expect(() => decodeEnvelope(other, 'models/0@9')).toThrow(/^models\/0@9: format "streamlearn.checkpoint\/v9" is not one of streamlearn\.checkpoint\/v1, /);
  });

  it('refuses a manifest whose payload size differs, even with the right hash, and an unreadable payload that matches its hash', () => {
    const { manifest, payload } = buildCheckpoint(fields, sampleState(10));
    expect(() => openCheckpoint({ ...manifest, payloadBytes: manifest.payloadBytes + 1 }, payload, 'models/0@3')).toThrow(
      refusal(`models/0@3: checkpoint ctr v7: payload is ${payload.byteLength} bytes, manifest says ${payload.byteLength + 1}`),
    );
    const junk = Buffer.from('not arrow at all');
    const forged = { ...manifest, payloadBytes: junk.length, payloadSha256: createHash('sha256').update(junk).digest('hex') };
    expect(() => openCheckpoint(forged, junk)).toThrow(/^checkpoint ctr v7: /);
  });
});

describe('checkpoint records', () => {
  it('publishes a small checkpoint as one envelope under its version key, then its model id', () => {
    const { manifest, payload } = buildCheckpoint(fields, sampleState(100));
    const { records } = checkpointRecords(manifest, payload);
    expect(records.map((r) => r.key)).toEqual(['ctr@v7', 'ctr']);
    expect(records[0].value!.equals(records[1].value!)).toBe(true);
    const assembler = createCheckpointAssembler('ctr');
    expect(assembler.push(records[0], 'r0')?.manifest.version).toBe(7);
    // The same version under its second key is passed over: readers only move forward.
    expect(assembler.push(records[1], 'r1')).toBeUndefined();
    expect(createCheckpointAssembler('ctr').push(records[1], 'r1')?.manifest.version).toBe(7);
  });

  it('chunks a large checkpoint, manifest last, and reassembles it', () => {
    const state = sampleState(200_000);
    const { manifest, payload } = buildCheckpoint(fields, state);
    const { records } = checkpointRecords(manifest, payload, { maxMessageBytes: 100_000 });
    expect(records.length).toBeGreaterThan(10);
    for (const record of records) expect(record.value!.length).toBeLessThanOrEqual(100_000);
    expect(records.slice(-2).map((r) => r.key)).toEqual(['ctr@v7', 'ctr']);
    const assembler = createCheckpointAssembler('ctr');
    const results = records.map((record, i) => assembler.push(record, `r${i}`));
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    expectSameArrays(state.arrays, results[results.length - 2]!.state.arrays);
    expect(versionTombstones(JSON.parse(JSON.stringify(decodeEnvelope(records[records.length - 1].value!, 'm').manifest))).map((r) => r.key)).toEqual([
      'ctr@v7',
      ...records.slice(0, -2).map((r) => r.key),
    ]);
  });

  it('says what to change when a checkpoint is too large for the topic', () => {
    const { manifest, payload } = buildCheckpoint(fields, sampleState(200_000));
    expect(() => checkpointRecords(manifest, payload, { maxMessageBytes: 100_000, maxChunks: 4 })).toThrow(CheckpointError);
    expect(() => checkpointRecords(manifest, payload, { maxMessageBytes: 100_000, maxChunks: 4 })).toThrow(/Raise max.message.bytes/);
  });

  it('names the missing chunk instead of loading a partial model', () => {
    const { manifest, payload } = buildCheckpoint(fields, sampleState(200_000));
    const { records } = checkpointRecords(manifest, payload, { maxMessageBytes: 100_000 });
    const assembler = createCheckpointAssembler('ctr');
    records
      .filter((_, i) => i !== 3)
      .slice(0, -2)
      .forEach((record) => assembler.push(record, 'chunk'));
    expect(() => assembler.push(records[records.length - 1], 'manifest@9')).toThrow(/manifest@9: chunk 3 of/);
  });

  it('ignores other models on the same topic', () => {
    const { manifest, payload } = buildCheckpoint({ ...fields, modelId: 'other' }, sampleState(100));
    expect(createCheckpointAssembler('ctr').push(checkpointRecords(manifest, payload).records[0], 'r')).toBeUndefined();
  });
});
