import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCheckpoint, decodeEnvelope, encodeEnvelope, openCheckpoint, sha256 } from '../../../src/checkpoints/envelope';
import type { CheckpointManifest } from '../../../src/checkpoints/manifest';
import { checkpointRecords, createCheckpointAssembler, parseManifestKey, type CheckpointRecord } from '../../../src/checkpoints/records';
import { canonicalJson, createManifestSigner, createManifestVerifier } from '../../../src/checkpoints/signing';
import { createVersionFollower, type ModelVersion } from '../../../src/checkpoints/subscribe';
import { CheckpointError, ConfigError } from '../../../src/errors';
import { createLinearRegression } from '../../../src/learners';
import type { ModelState } from '../../../src/state';

/** A real learner's state, so that subscribers can rebuild it. */
function learnerState(seed: number): ModelState {
  const model = createLinearRegression({ numFeatures: 3, stepSize: 0.01 });
  for (let i = 0; i < 20; i++) model.learnOne(Float64Array.from([i * seed, 1, -i]), i % 5);
  return model.state();
}

/** A state whose payload is well over 64 KiB. */
const bigState = (): ModelState => ({ kind: 'test-model', version: 1, config: {}, arrays: { w: new Float64Array(40_000).map((_, i) => Math.sin(i)) } });

const fieldsOf = (version: number, modelId = 'm') => ({
  modelId,
  version,
  offsets: [{ topic: 'in', partition: 0, offset: String(version * 100) }],
  examplesSeen: version * 100,
  metrics: {},
});

function records(version: number, state = learnerState(version), options = {}, sign?: (m: CheckpointManifest) => CheckpointManifest): CheckpointRecord[] {
  const { manifest, payload } = buildCheckpoint(fieldsOf(version), state);
  return checkpointRecords(manifest, payload, options, sign).records;
}

const ed25519 = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { signer: createManifestSigner(privateKey), verifier: createManifestVerifier(publicKey) };
};

/** Rewrites a record's manifest (as a forger would), keeping its payload. */
function forge(
  record: CheckpointRecord,
  edit: (manifest: CheckpointManifest, payload: Buffer) => CheckpointManifest | Record<string, unknown>,
  payloadEdit?: (p: Buffer) => Buffer,
): CheckpointRecord {
  const { manifest, inlinePayload } = decodeEnvelope(record.value!, 'forge');
  const payload = payloadEdit ? payloadEdit(Buffer.from(inlinePayload)) : inlinePayload;
  return { key: record.key, value: encodeEnvelope(edit(manifest, payload) as CheckpointManifest, payload) };
}

describe('checkpoint integrity', () => {
  it('refuses a payload changed past the first 64 KiB (the whole payload is hashed)', () => {
    const { manifest, payload } = buildCheckpoint(fieldsOf(1), bigState());
    expect(payload.byteLength).toBeGreaterThan(3 * 65_536);
    for (const at of [10, 65_536 + 7, payload.byteLength - 3]) {
      const tampered = Buffer.from(payload);
      tampered[at] ^= 0x40;
      expect(() => openCheckpoint(manifest, tampered)).toThrow(/payload SHA-256 [0-9a-f]{64} does not match manifest/);
    }
    expect(openCheckpoint(manifest, payload).state.arrays.w).toHaveLength(40_000);
  });

  it('refuses a manifest whose hash was edited, removed, emptied or malformed', () => {
    const { manifest, payload } = buildCheckpoint(fieldsOf(1), learnerState(1));
    const flipped = manifest.payloadSha256.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    expect(() => openCheckpoint({ ...manifest, payloadSha256: flipped }, payload)).toThrow(/does not match manifest/);
    const { payloadSha256: _removed, ...noHash } = manifest;
    expect(() => openCheckpoint(noHash as CheckpointManifest, payload)).toThrow(/m v1: manifest has no valid payloadSha256 \(null\)/);
    for (const bad of ['', 'abc', manifest.payloadSha256.toUpperCase(), `${manifest.payloadSha256}00`]) {
      expect(() => openCheckpoint({ ...manifest, payloadSha256: bad }, payload)).toThrow(CheckpointError);
    }
    expect(() => openCheckpoint({ ...manifest, payloadBytes: payload.byteLength + 1 }, payload)).toThrow(/payload is \d+ bytes, manifest says/);
  });

  it('refuses a tampered chunk of a chunked checkpoint', () => {
    const chunked = records(1, bigState(), { maxMessageBytes: 50_000 });
    expect(chunked.length).toBeGreaterThan(5);
    chunked[2] = { key: chunked[2].key, value: Buffer.from(chunked[2].value!) };
    chunked[2].value![100] ^= 1;
    const assembler = createCheckpointAssembler('m');
    chunked.slice(0, -2).forEach((r) => assembler.push(r, 'chunk'));
    expect(() => assembler.push(chunked.at(-2)!, 'in/0@9')).toThrow(/SHA-256/);
  });

  it('refuses truncated envelopes wherever they are cut', () => {
    const [record] = records(1);
    const bytes = record.value!;
    const manifestEnd = 9 + bytes.readUInt32BE(5);
    for (const cut of [0, 3, 8, manifestEnd - 1, manifestEnd + 10, bytes.length - 1]) {
      const assembler = createCheckpointAssembler('m');
      expect(() => assembler.push({ key: 'm', value: bytes.subarray(0, cut) }, `cut@${cut}`)).toThrow(new RegExp(`cut@${cut}`));
    }
  });

  it('refuses a record whose key names another model or version than its manifest', () => {
    const [versioned, latest] = records(4);
    expect(() => createCheckpointAssembler().push({ key: 'm@v5', value: versioned.value }, 'w')).toThrow(/record keyed "m@v5" holds m v4/);
    expect(() => createCheckpointAssembler().push({ key: 'other', value: latest.value }, 'w')).toThrow(/record keyed "other" holds m v4/);
  });

  it('walks back past bad records: garbage, a wrong hash or missing chunks leave the newest good version', () => {
    const good = records(2);
    const garbage = { key: 'm', value: Buffer.from('garbage, not a checkpoint') };
    const wrongHash = forge(
      records(3)[1],
      (m) => m,
      (p) => ((p[p.length - 5] ^= 1), p),
    );
    const noChunks = records(4, bigState(), { maxMessageBytes: 50_000 }).slice(-1);
    const assembler = createCheckpointAssembler('m');
    const skipped: string[] = [];
    let newest: number | undefined;
    for (const [i, record] of [...good, garbage, wrongHash, ...noChunks].entries()) {
      try {
        newest = assembler.push(record, `in/0@${i}`)?.manifest.version ?? newest;
      } catch (err) {
        skipped.push((err as Error).message);
      }
    }
    expect(newest).toBe(2);
    expect(skipped).toEqual([
      expect.stringMatching(/in\/0@2: not a streamlearn checkpoint/),
      expect.stringMatching(/in\/0@3: .*SHA-256/),
      expect.stringMatching(/in\/0@4: chunk 0 of \d+ for m v4 is missing/),
    ]);
    // A newer good version supersedes the bad ones.
    expect(assembler.push(records(5)[0], 'in/0@5')?.manifest.version).toBe(5);
  });
});

describe('signed checkpoints (Ed25519)', () => {
  it('accepts what the key signed, inline and chunked, and refuses unsigned or other keys’ versions', () => {
    const { signer, verifier } = ed25519();
    const other = ed25519();
    expect(verifier.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(signer.keyId).toBe(verifier.keyId);
    const signed = records(1, learnerState(1), {}, signer.sign);
    expect(createCheckpointAssembler({ modelId: 'm', verifier }).push(signed[0], 'a')?.manifest.signature).toMatchObject({
      alg: 'ed25519',
      keyId: verifier.keyId,
    });
    const chunked = records(2, bigState(), { maxMessageBytes: 50_000 }, signer.sign);
    const assembler = createCheckpointAssembler({ modelId: 'm', verifier });
    const opened = chunked.map((r, i) => assembler.push(r, `c${i}`)).filter(Boolean);
    expect(opened.map((c) => c!.manifest.version)).toEqual([2]);

    expect(() => createCheckpointAssembler({ verifier }).push(records(1)[0], 'u')).toThrow(/u: m v1 is unsigned; expected a signature by key/);
    expect(() => createCheckpointAssembler({ verifier: other.verifier }).push(signed[0], 'o')).toThrow(new RegExp(`is signed by key ${verifier.keyId}`));
  });

  it('refuses forged weights with a recomputed SHA-256 under a copied signature', () => {
    const { signer, verifier } = ed25519();
    const [record] = records(1, learnerState(1), {}, signer.sign);
    const forged = forge(
      record,
      (m, payload) => ({ ...m, payloadSha256: sha256(payload) }),
      (p) => ((p[p.length - 9] ^= 0x10), p),
    );
    // Without a verifier the forgery passes the hash check: that is what signatures are for.
    expect(createCheckpointAssembler('m').push(forged, 'f')?.manifest.version).toBe(1);
    expect(() => createCheckpointAssembler({ verifier }).push(forged, 'f')).toThrow(/signature that does not match its manifest/);
    const editedOffsets = forge(record, (m) => ({ ...m, offsets: [{ topic: 'in', partition: 0, offset: '999999' }] }));
    expect(() => createCheckpointAssembler({ verifier }).push(editedOffsets, 'e')).toThrow(/does not match/);
  });

  it('refuses keys that are not Ed25519, and unreadable key files, by name', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => createManifestSigner(privateKey)).toThrow(ConfigError);
    expect(() => createManifestVerifier('/nonexistent/verify.pem')).toThrow(/cannot read key file "\/nonexistent\/verify.pem"/);
  });
});

describe('the subscriber over model-topic records', () => {
  function follow(verifier?: ReturnType<typeof ed25519>['verifier']) {
    const emitted: ModelVersion[] = [];
    const rejected: string[] = [];
    const follower = createVersionFollower({ modelId: 'm', verifier, onRejected: (r) => rejected.push(r), emit: (v) => emitted.push(v) });
    return { emitted, rejected, follower, push: (rs: CheckpointRecord[]) => rs.forEach((r, i) => follower.push(r, `in/0@${i}`)) };
  }

  it('skips bad records and goes on: emits the newest good version at catch-up, then each newer good one', async () => {
    const { emitted, rejected, follower, push } = follow();
    push(records(1));
    push(records(2));
    push([{ key: 'm', value: Buffer.from('junk') }]);
    follower.caughtUp();
    await follower.settled();
    expect(emitted.map((v) => v.manifest.version)).toEqual([2]);
    push([
      forge(
        records(3)[1],
        (m) => m,
        (p) => ((p[p.length - 3] ^= 1), p),
      ),
    ]);
    push(records(4));
    await follower.settled();
    expect(emitted.map((v) => v.manifest.version)).toEqual([2, 4]);
    expect(rejected).toHaveLength(2);
    expect(rejected[0]).toMatch(/bad magic/);
    expect(rejected[1]).toMatch(/SHA-256/);
    expect(emitted[1].model.predictOne(Float64Array.from([1, 1, 1]))).toEqual(expect.any(Number));
  });

  it('with a verify key, keeps its model when an unsigned or forged version arrives', async () => {
    const { signer, verifier } = ed25519();
    const { emitted, rejected, follower, push } = follow(verifier);
    push(records(1, learnerState(1), {}, signer.sign));
    follower.caughtUp();
    push(records(2));
    push(records(3, learnerState(3), {}, ed25519().signer.sign));
    await follower.settled();
    expect(emitted.map((v) => v.manifest.version)).toEqual([1]);
    // Each bad version is refused under both of its keys (version key, model id).
    expect(rejected.map((r) => r.replace(/ by key \w+/g, '').replace(/^in\/0@\d: /, ''))).toEqual([
      'm v2 is unsigned; expected a signature',
      'm v2 is unsigned; expected a signature',
      'm v3 is signed; expected a signature',
      'm v3 is signed; expected a signature',
    ]);
    push(records(4, learnerState(4), {}, signer.sign));
    await follower.settled();
    expect(emitted.map((v) => v.manifest.version)).toEqual([1, 4]);
  });
});

describe('the subscriber and kinds it cannot rebuild', () => {
  it('reports the version and goes on', async () => {
    const emitted: ModelVersion[] = [];
    const rejected: string[] = [];
    const follower = createVersionFollower({ modelId: 'm', onRejected: (r) => rejected.push(r), emit: (v) => emitted.push(v) });
    follower.caughtUp();
    for (const record of [...records(1, bigState()), ...records(2)]) follower.push(record, 'r');
    await follower.settled();
    expect(emitted.map((v) => v.manifest.version)).toEqual([2]);
    expect(rejected).toEqual([expect.stringMatching(/^m v1: .*test-model/)]);
  });
});

describe('checkpoint records at their edges', () => {
  it('reads model id and version from manifest keys', () => {
    expect(parseManifestKey('m@v12')).toEqual({ modelId: 'm', version: 12 });
    expect(parseManifestKey('a.b@v3@v4')).toEqual({ modelId: 'a.b@v3', version: 4 });
    for (const key of ['m', 'm@v0', 'm@v1x', 'x@v1.5', 'pre-m@v2-post', 'm@vx']) expect(parseManifestKey(key)).toEqual({ modelId: key });
  });

  it('keeps a checkpoint inline up to exactly the topic limit, and chunks one byte past it', () => {
    const { manifest, payload } = buildCheckpoint(fieldsOf(1), learnerState(1));
    const size = encodeEnvelope(manifest, payload).length + 1024;
    expect(checkpointRecords(manifest, payload, { maxMessageBytes: size }).records).toHaveLength(2);
    expect(checkpointRecords(manifest, payload, { maxMessageBytes: size - 1 }).records.length).toBeGreaterThan(2);
    const chunkBytes = 2048 - 1024;
    const count = Math.ceil(payload.byteLength / chunkBytes);
    expect(checkpointRecords(manifest, payload, { maxMessageBytes: 2048, maxChunks: count }).records).toHaveLength(count + 2);
    expect(() => checkpointRecords(manifest, payload, { maxMessageBytes: 2048, maxChunks: count - 1 })).toThrow(
      new RegExp(`needs ${count} chunks, over the limit of ${count - 1}`),
    );
  });

  it('remembers the highest version any manifest claimed, refused or not', () => {
    const assembler = createCheckpointAssembler({ modelId: 'm', verifier: ed25519().verifier });
    expect(assembler.highestClaimed('m')).toBe(0);
    for (const record of [...records(7), ...records(3)]) expect(() => assembler.push(record, 'r')).toThrow(/unsigned/);
    expect(assembler.highestClaimed('m')).toBe(7);
    expect(assembler.highestClaimed('other')).toBe(0);
  });

  it('ignores chunks and versions of other models when reading one', () => {
    const other = (() => {
      const { manifest, payload } = buildCheckpoint(fieldsOf(1, 'mm'), bigState());
      return checkpointRecords(manifest, payload, { maxMessageBytes: 50_000 }).records;
    })();
    const assembler = createCheckpointAssembler('m');
    expect(other.map((r) => assembler.push(r, 'o'))).toEqual(other.map(() => undefined));
    expect(assembler.highestClaimed('mm')).toBe(0);
    // Read whole, the same records make a checkpoint of "mm".
    const all = createCheckpointAssembler();
    expect(other.map((r) => all.push(r, 'o')?.manifest.modelId).filter(Boolean)).toEqual(['mm']);
  });

  it('refuses a chunk reference that is empty, fractional or points into another model', () => {
    const chunked = records(1, bigState(), { maxMessageBytes: 50_000 });
    const last = chunked.at(-1)!;
    for (const chunks of [
      { count: 0, keyPrefix: 'm/v1/chunk/' },
      { count: 1.5, keyPrefix: 'm/v1/chunk/' },
      { count: 3, keyPrefix: 'other/v1/chunk/' },
      { count: 3, keyPrefix: 7 },
    ]) {
      const assembler = createCheckpointAssembler('m');
      chunked.slice(0, -2).forEach((r) => assembler.push(r, 'c'));
      expect(() =>
        assembler.push(
          forge(last, (m) => ({ ...m, chunks })),
          'bad',
        ),
      ).toThrow(/bad: m v1 has an invalid chunk reference/);
    }
  });
});

describe('manifest signatures at their edges', () => {
  it('signs canonical JSON: keys sorted at every depth, undefined left out, arrays kept in order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: null, c: undefined, e: 'x' }, 2], c: { z: true, y: 'q' } })).toBe(
      '{"a":[{"d":null,"e":"x"},2],"b":1,"c":{"y":"q","z":true}}',
    );
    expect(canonicalJson({ ab: 1, a: 2, b: 3, B: 4 })).toBe('{"B":4,"a":2,"ab":1,"b":3}');
    expect(canonicalJson(null)).toBe('null');
    // A reader whose JSON library reorders keys still verifies.
    const { signer, verifier } = ed25519();
    const signed = signer.sign(buildCheckpoint(fieldsOf(1), learnerState(1)).manifest);
    const reordered = Object.fromEntries(Object.entries(signed).reverse()) as unknown as CheckpointManifest;
    expect(() => verifier.verify(reordered, 'r')).not.toThrow();
  });

  it('takes keys as PEM text or PEM files', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const dir = mkdtempSync(join(tmpdir(), 'keys-'));
    const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    writeFileSync(join(dir, 'verify.pem'), publicPem);
    const signer = createManifestSigner(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const manifest = signer.sign(buildCheckpoint(fieldsOf(2), learnerState(2)).manifest);
    expect(() => createManifestVerifier(join(dir, 'verify.pem')).verify(manifest, 'f')).not.toThrow();
    expect(createManifestVerifier(publicPem).keyId).toBe(signer.keyId);
    expect(() => createManifestSigner(join(dir, 'missing.pem'))).toThrow(/signing key: cannot read key file/);
  });

  it('names the wrong key type and the unsupported signature', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => createManifestSigner(ec.privateKey)).toThrow(/the signing key is a ec key; checkpoint signing needs an Ed25519 key/);
    expect(() => createManifestVerifier(ec.publicKey)).toThrow(/the verify key is a ec key/);
    const { signer, verifier } = ed25519();
    const signed = signer.sign(buildCheckpoint(fieldsOf(1), learnerState(1)).manifest);
    const withSignature = (signature: unknown) => ({ ...signed, signature }) as CheckpointManifest;
    expect(() => verifier.verify(withSignature({ ...signed.signature, alg: 'rsa' }), 'a')).toThrow(/a: m v1 has an unsupported signature \(rsa\)/);
    expect(() => verifier.verify(withSignature({ ...signed.signature, value: 42 }), 'a')).toThrow(/unsupported signature \(ed25519\)/);
  });
});
