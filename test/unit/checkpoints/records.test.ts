import { buildCheckpoint, decodeEnvelope, encodeEnvelope } from '../../../src/checkpoints/envelope';
import type { CheckpointManifest } from '../../../src/checkpoints/manifest';
import { checkpointRecords, createCheckpointAssembler, versionedKeyOwner, versionTombstones, type CheckpointRecord } from '../../../src/checkpoints/records';
import { CheckpointError } from '../../../src/errors';
import type { ModelState } from '../../../src/state';

/** A state whose payload needs several chunks at a small topic limit, with recognisable weights. */
const state = (size = 3000): ModelState => ({ kind: 'test-model', version: 1, config: {}, arrays: { w: new Float64Array(size).map((_, i) => i + 0.5) } });

function built(version: number, fields: Partial<CheckpointManifest> = {}, size?: number) {
  return buildCheckpoint({ modelId: 'm', version, offsets: [], examplesSeen: version, metrics: {}, ...fields }, state(size));
}

/** Records of a version cut into chunks of 1,000 payload bytes (limit 2,024 less the 1,024 bytes of overhead). */
function chunked(version: number, fields: Partial<CheckpointManifest> = {}) {
  const { manifest, payload } = built(version, fields);
  return { payload, ...checkpointRecords(manifest, payload, { maxMessageBytes: 2024 }) };
}

const inline = (version: number, fields: Partial<CheckpointManifest> = {}) => {
  const { manifest, payload } = built(version, fields, 4);
  return checkpointRecords(manifest, payload).records;
};

function pushAll(assembler: ReturnType<typeof createCheckpointAssembler>, records: CheckpointRecord[]) {
  return records.map((record, i) => assembler.push(record, `models/0@${i}`));
}

/** The error a push throws, as text. */
function refusal(push: () => unknown): string {
  try {
    push();
  } catch (err) {
    expect(err).toBeInstanceOf(CheckpointError);
    return (err as Error).message;
  }
  throw new Error('expected the record to be refused');
}

describe('versionedKeyOwner', () => {
  it('names the model and version of a chunk key or a version key, and nothing for a model id or another key', () => {
    expect(versionedKeyOwner('a/b/v12/chunk/3')).toEqual({ modelId: 'a/b', version: 12 });
    expect(versionedKeyOwner('m@v4')).toEqual({ modelId: 'm', version: 4 });
    for (const key of ['m', 'm/v0/chunk/1', 'm/v1/chunk/', 'm/v1/chunk/x', 'm/v1/chunks/1', 'm@v0', 'x/v1/chunk/1/more']) {
      expect(versionedKeyOwner(key)).toBeUndefined();
    }
  });
});

describe('checkpointRecords', () => {
  it('sends a small checkpoint as one envelope under its version key, then under the model id', () => {
    const { manifest, payload } = built(3, {}, 4);
    const { records, manifest: sent } = checkpointRecords(manifest, payload);
    expect(records.map((record) => record.key)).toEqual(['m@v3', 'm']);
    expect(records[0].value).toBe(records[1].value);
    expect(decodeEnvelope(records[0].value!, 'r').inlinePayload).toEqual(Buffer.from(payload));
    expect(sent).toEqual(manifest);
  });

  it('cuts a larger one into chunks of the limit less the overhead, sent first, then the manifest naming them', () => {
    const { payload, records, manifest } = chunked(2);
    const count = Math.ceil(payload.byteLength / 1000);
    expect(records.map((record) => record.key)).toEqual([...Array.from({ length: count }, (_, i) => `m/v2/chunk/${i}`), 'm@v2', 'm']);
    expect(records.slice(0, count).every((record, i) => record.value!.length === (i < count - 1 ? 1000 : payload.byteLength - 1000 * (count - 1)))).toBe(true);
    expect(Buffer.concat(records.slice(0, count).map((record) => record.value!))).toEqual(Buffer.from(payload));
    expect(manifest.chunks).toEqual({ count, keyPrefix: 'm/v2/chunk/' });
    const sent = decodeEnvelope(records.at(-1)!.value!, 'r');
    expect(sent.manifest).toEqual(manifest);
    expect(sent.inlinePayload.length).toBe(0);
  });

  it('signs the manifest it sends, inline and chunked (the chunk reference included)', () => {
    const sign = (manifest: CheckpointManifest) => ({
      ...manifest,
      signature: { alg: 'ed25519' as const, keyId: 'k', value: `signed ${manifest.chunks?.count ?? 0}` },
    });
    const small = built(1, {}, 4);
    const one = checkpointRecords(small.manifest, small.payload, {}, sign);
    expect(one.manifest.signature).toEqual({ alg: 'ed25519', keyId: 'k', value: 'signed 0' });
    expect(decodeEnvelope(one.records[0].value!, 'r').manifest.signature).toEqual({ alg: 'ed25519', keyId: 'k', value: 'signed 0' });
    const big = built(1);
    const many = checkpointRecords(big.manifest, big.payload, { maxMessageBytes: 2024 }, sign);
    expect(many.manifest.signature?.value).toBe(`signed ${many.manifest.chunks!.count}`);
    expect(decodeEnvelope(many.records.at(-1)!.value!, 'r').manifest.signature?.value).toBe(`signed ${many.manifest.chunks!.count}`);
  });

  it('keeps up to 1,000,000 bytes inline by default, and refuses a limit that leaves no room for a chunk', () => {
    const { manifest, payload } = built(1, {}, 120_000);
    const size = encodeEnvelope(manifest, payload).length;
    expect(size).toBeLessThan(1_000_000 - 1024);
    expect(checkpointRecords(manifest, payload).records).toHaveLength(2);
    const huge = built(1, {}, 130_000);
    expect(encodeEnvelope(huge.manifest, huge.payload).length).toBeGreaterThan(1_000_000 - 1024);
    expect(checkpointRecords(huge.manifest, huge.payload).records).toHaveLength(4);
    expect(() => checkpointRecords(manifest, payload, { maxMessageBytes: 1024 })).toThrow(CheckpointError);
    expect(() => checkpointRecords(manifest, payload, { maxMessageBytes: 1024 })).toThrow(
      /^checkpoint m v1 is \d+ bytes: with max.message.bytes=1024 it needs/,
    );
  });

  it('allows 4,096 chunks by default', () => {
    // One payload byte a chunk: the chunk count is the payload size.
    // 146 weights make a payload of exactly 4,096 bytes (the edge), 147 one of 4,104.
    const fits = built(1, {}, 146);
    const over = built(1, {}, 147);
    expect(fits.payload.byteLength).toBe(4096);
    expect(over.payload.byteLength).toBeGreaterThan(4096);
    expect(checkpointRecords(fits.manifest, fits.payload, { maxMessageBytes: 1025 }).records).toHaveLength(fits.payload.byteLength + 2);
    expect(() => checkpointRecords(over.manifest, over.payload, { maxMessageBytes: 1025 })).toThrow(
      new RegExp(`needs ${over.payload.byteLength} chunks, over the limit of 4096`),
    );
  });
});

describe('versionTombstones', () => {
  it('tombstones the version key and every chunk, never the model id', () => {
    expect(versionTombstones(chunked(5).manifest)).toEqual([
      { key: 'm@v5', value: null },
      ...Array.from({ length: chunked(5).manifest.chunks!.count }, (_, i) => ({ key: `m/v5/chunk/${i}`, value: null })),
    ]);
    expect(versionTombstones(built(2, {}, 4).manifest)).toEqual([{ key: 'm@v2', value: null }]);
  });
});

describe('createCheckpointAssembler', () => {
  it('rebuilds a chunked version once its manifest arrives, and each version once (its second key passes unopened)', () => {
    const assembler = createCheckpointAssembler();
    const results = pushAll(assembler, chunked(1).records);
    expect(results.slice(0, -2).every((result) => result === undefined)).toBe(true);
    expect(results.at(-2)?.manifest.version).toBe(1);
    expect(results.at(-2)?.state.arrays.w).toEqual(state().arrays.w);
    expect(results.at(-1)).toBeUndefined();
  });

  it('ignores records without a key', () => {
    const assembler = createCheckpointAssembler();
    expect(assembler.push({ key: null, value: inline(1)[0].value }, 'r')).toBeUndefined();
    expect(assembler.highestClaimed('m')).toBe(0);
  });

  it('forgets a chunk that was tombstoned, and a chunk once it was assembled', () => {
    const { records } = chunked(1);
    const tombstoned = createCheckpointAssembler();
    tombstoned.push(records[0], 'c');
    tombstoned.push({ key: records[0].key, value: null }, 't');
    pushAll(tombstoned, records.slice(1, -2));
    expect(refusal(() => tombstoned.push(records.at(-2)!, 'models/0@9'))).toBe(`models/0@9: chunk 0 of ${records.length - 2} for m v1 is missing`);
    // The same chunks under a newer manifest (as a copy would refer to them) are gone once assembled.
    const assembler = createCheckpointAssembler();
    pushAll(assembler, records);
    const copy = decodeEnvelope(records.at(-2)!.value!, 'r').manifest;
    const newer = { key: 'm', value: encodeEnvelope({ ...copy, version: 2 }, new Uint8Array(0)) };
    expect(refusal(() => assembler.push(newer, 'again'))).toMatch(/^again: chunk 0 of \d+ for m v2 is missing$/);
  });

  it('refuses a record whose key names another model or version, naming both', () => {
    const [versioned] = inline(3);
    expect(refusal(() => createCheckpointAssembler().push({ key: 'm@v4', value: versioned.value }, 'w'))).toBe('w: record keyed "m@v4" holds m v3');
    expect(refusal(() => createCheckpointAssembler().push({ key: 'n', value: versioned.value }, 'w'))).toBe('w: record keyed "n" holds m v3');
  });

  it('passes over versions at or below the newest accepted one, whichever key they come under', () => {
    const assembler = createCheckpointAssembler('m');
    expect(assembler.push(inline(2)[1], 'a')?.manifest.version).toBe(2);
    expect(assembler.push(inline(2)[0], 'b')).toBeUndefined();
    expect(assembler.push(inline(1)[1], 'c')).toBeUndefined();
    expect(assembler.push(inline(3)[0], 'd')?.manifest.version).toBe(3);
    expect(assembler.highestClaimed('m')).toBe(3);
  });

  it('keeps the highest claimed version when a lower one arrives later', () => {
    const assembler = createCheckpointAssembler();
    assembler.push(inline(5)[1], 'a');
    assembler.push(inline(2)[1], 'b');
    expect(assembler.highestClaimed('m')).toBe(5);
  });

  it('orders stamped versions by epoch, then generation; an unstamped version is not compared', () => {
    const assembler = createCheckpointAssembler();
    const push = (version: number, fields: Partial<CheckpointManifest>) => assembler.push(inline(version, fields)[1], `at v${version}`)?.manifest.version;
    expect(push(1, { epoch: 1, generation: 5 })).toBe(1);
    expect(push(2, { epoch: 1, generation: 5 })).toBe(2);
    expect(refusal(() => push(3, { epoch: 0, generation: 9 }))).toBe('at v3: m v3 comes from epoch 0, older than epoch 1 already accepted');
    expect(refusal(() => push(4, { epoch: 1, generation: 4 }))).toBe('at v4: m v4 comes from generation 4, older than generation 5 already accepted');
    expect(push(5, {})).toBe(5);
    expect(push(6, { epoch: 2, generation: 1 })).toBe(6);
    expect(refusal(() => push(7, { generation: 9 }))).toMatch(/comes from epoch 0, older than epoch 2/);
  });

  it('refuses an epoch or generation that is not an integer ≥ 0, naming it', () => {
    for (const [fields, text] of [
      [{ generation: 1, epoch: -1 }, 'epoch -1'],
      [{ generation: 1.5 }, 'generation 1.5'],
      [{ generation: 1, epoch: 0.5 }, 'epoch 0.5'],
      [{ generation: '2' }, 'generation "2"'],
    ] as const) {
      expect(refusal(() => createCheckpointAssembler().push(inline(1, fields as Partial<CheckpointManifest>)[1], 'x'))).toBe(
        `x: m v1 has ${text}, not an integer ≥ 0`,
      );
    }
    expect(createCheckpointAssembler().push(inline(1, { generation: 0, epoch: 0 })[1], 'x')?.manifest.version).toBe(1);
  });

  it('passes over the second key of the version just read without parsing it again, but not after a refusal', () => {
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const [versioned, latest] = inline(1);
      const assembler = createCheckpointAssembler('m');
      expect(assembler.push(versioned, 'models/0@0')?.manifest.version).toBe(1);
      const parsed = parse.mock.calls.length;
      expect(assembler.push({ ...latest, value: Buffer.from(latest.value!) }, 'models/0@1')).toBeUndefined();
      expect(parse.mock.calls.length).toBe(parsed);
      // A version refused under its first key is refused under its second too, each time said where.
      const refusing = createCheckpointAssembler({
        modelId: 'm',
        verifier: {
          keyId: 'test',
          verify: (_m, where) => {
            throw new CheckpointError(`${where}: unsigned`);
          },
        },
      });
      expect(refusal(() => refusing.push(versioned, 'models/0@0'))).toBe('models/0@0: unsigned');
      expect(refusal(() => refusing.push(latest, 'models/0@1'))).toBe('models/0@1: unsigned');
    } finally {
      parse.mockRestore();
    }
  });

  it('takes a state the process already holds instead of decoding the payload, still checking the payload against its hash', () => {
    const { records, payload } = chunked(1);
    const held: ModelState = { ...state(), arrays: { w: Float64Array.from([7]) } };
    const asked: number[] = [];
    const assembler = createCheckpointAssembler({ modelId: 'm', alreadyHeld: (manifest) => (asked.push(manifest.version), held) });
    const results = pushAll(assembler, records);
    expect(asked).toEqual([1]);
    expect(results.at(-2)?.state).toBe(held);
    const tampered = chunked(2).records.map((r, i) => (i === 0 ? { ...r, value: Buffer.from(r.value!).fill(1) } : r));
    const fresh = createCheckpointAssembler({ modelId: 'm', alreadyHeld: () => held });
    expect(refusal(() => pushAll(fresh, tampered))).toMatch(/^models\/0@\d+: checkpoint m v2: payload SHA-256 [0-9a-f]{64} does not match manifest/);
    expect(payload.byteLength).toBeGreaterThan(1000);
  });
});
