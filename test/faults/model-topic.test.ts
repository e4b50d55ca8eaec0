import { generateKeyPairSync } from 'node:crypto';
import { firstValueFrom, filter, take as takeFirst, toArray, timeout } from 'rxjs';
import { createKafkaSink } from '../../connectors/kafka/sink';
import { ensureTopics } from '../../connectors/kafka/topics';
import { decodeEnvelope, encodeEnvelope, sha256 } from '../../src/checkpoints/envelope';
import { loadLatestCheckpoints } from '../../src/checkpoints/latest';
import type { CheckpointManifest } from '../../src/checkpoints/manifest';
import { versionKey } from '../../src/checkpoints/records';
import { createManifestSigner, createManifestVerifier } from '../../src/checkpoints/signing';
import { subscribeModel } from '../../src/checkpoints/subscribe';
import { friedmanStream } from '../../src/datasets/friedman';
import type { Row } from '../../src/features/stage';
import { runTopology } from '../../src/topology/run-topology';
import { regressionSgd } from '../../topologies/regression-sgd';
import { waitFor } from '../integration/topology/replicas-support';
import { produce, readAll, take } from '../integration/topology/support';
import { testBrokers, uniqueName } from '../support/kafka';
import { expectSameState } from './support/trainer';

const pem = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    signingKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    verifyKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
};

describe('a model-topic record corrupted, forged or unsigned', () => {
  it('is skipped by every restore and subscriber, which keep or recover the last good version; the next publish supersedes it', async () => {
    const brokers = testBrokers();
    const { signingKey, verifyKey } = pem();
    const topology = regressionSgd({ prefix: `${uniqueName('forge')}.`, checkpoint: { everyRecords: 5000, everyMs: Infinity }, batch: { maxRecords: 1000 } });
    const { topic } = topology.config.input;
    const modelTopic = topology.config.outputs.modelTopic;
    const events = take(friedmanStream({ seed: 8 }), 30_000) as unknown as Row[];
    await ensureTopics({ brokers }, [{ topic }]);
    // 5,000 events at a time, the next slice once a checkpoint is out: learning may run ahead of a publish in
    // flight (and then one checkpoint covers more than 5,000), so a slice per checkpoint keeps the count at 4.
    let published = 0;
    const first = await runTopology(topology, {
      brokers,
      signingKey,
      until: (p) => p.records >= 20_000,
      observer: { checkpointPublished: () => void published++ },
    });
    for (let slice = 0; slice < 4; slice++) {
      const before = published;
      await produce(brokers, topic, events.slice(slice * 5000, (slice + 1) * 5000));
      if (slice < 3) await waitFor(`a checkpoint after slice ${slice + 1}`, () => published > before, 120_000);
    }
    const good = (await first.done).versions[topology.modelId];
    expect(good).toBeGreaterThanOrEqual(4);

    // The attacks, each under the model id (what compaction keeps) and some under version keys too.
    const [latest] = (await readAll(brokers, modelTopic)).filter((r) => r.key === topology.modelId).slice(-1);
    const { manifest, inlinePayload } = decodeEnvelope(latest.value!, 'latest');
    const forgedPayload = Buffer.from(inlinePayload);
    forgedPayload[forgedPayload.length - 16] ^= 0x20; // weights changed, hash recomputed, signature copied
    const forged: CheckpointManifest = { ...manifest, version: good + 1, payloadSha256: sha256(forgedPayload) };
    const { signature: _dropped, ...unsignedManifest } = { ...manifest, version: good + 2 };
    const wrongHash = Buffer.from(inlinePayload);
    wrongHash[wrongHash.length - 30] ^= 1;
    const attacks = [
      { key: topology.modelId, value: Buffer.from('garbage, not a checkpoint') },
      { key: versionKey(topology.modelId, good + 1), value: encodeEnvelope(forged, forgedPayload) },
      { key: topology.modelId, value: encodeEnvelope(forged, forgedPayload) },
      { key: topology.modelId, value: encodeEnvelope(unsignedManifest as CheckpointManifest, inlinePayload) },
      // Signed, but its payload damaged after signing: the hash check catches it.
      { key: topology.modelId, value: encodeEnvelope(createManifestSigner(signingKey).sign({ ...manifest, version: good + 3 }), wrongHash) },
    ];
    const sink = createKafkaSink({ brokers });
    await sink.send(modelTopic, attacks);
    await sink.close();

    // Every reader with the key keeps the last good version and says what it skipped.
    const skipped: string[] = [];
    const verifier = createManifestVerifier(verifyKey);
    const restored = (await loadLatestCheckpoints({ brokers }, modelTopic, { verifier, onSkipped: (r) => skipped.push(r) })).get(topology.modelId)!;
    expect(restored.manifest.version).toBe(good);
    expect(skipped).toHaveLength(attacks.length);
    expect(skipped.join('\n')).toMatch(/bad magic[\s\S]*signature that does not match[\s\S]*signature that does not match[\s\S]*is unsigned[\s\S]*SHA-256/);
    // Without the key, garbage and the wrong hash are still refused (the forgery, with its recomputed hash, is what signing catches).
    const unverified = (await loadLatestCheckpoints({ brokers }, modelTopic, { onSkipped: () => undefined })).get(topology.modelId)!;
    expect(unverified.manifest.version).toBe(good + 2);

    const rejected: string[] = [];
    const subscriberVersion = await firstValueFrom(
      subscribeModel({ brokers, topic: modelTopic, modelId: topology.modelId, verifier, onRejected: (r) => rejected.push(r) }),
    );
    expect(subscriberVersion.manifest.version).toBe(good);
    expect(rejected.length).toBeGreaterThanOrEqual(attacks.length);

    // A restart restores the last good version, learns on, and its next version supersedes the bad records for everyone.
    await produce(brokers, topic, events.slice(20_000));
    const live = subscribeModel({ brokers, topic: modelTopic, modelId: topology.modelId, verifier }).pipe(
      filter((v) => v.manifest.version > good),
      takeFirst(1),
      timeout(120_000),
      toArray(),
    );
    const liveVersions = firstValueFrom(live);
    const second = await runTopology(topology, { brokers, signingKey, verifyKey, onCheckpointSkipped: () => undefined, until: (p) => p.records >= 10_000 });
    expect(second.restored).toEqual({ [topology.modelId]: good });
    await second.done;
    const [next] = await liveVersions;
    expect(next.manifest.version).toBeGreaterThan(good + 3);
    const final = (await loadLatestCheckpoints({ brokers }, modelTopic)).get(topology.modelId)!;
    expect(final.manifest.signature?.keyId).toBe(verifier.keyId);
    expect(final.manifest.examplesSeen).toBe(30_000);
    const reference = topology.config.model();
    reference.learnMany(
      events,
      Float64Array.from(events, (e) => e.y as number),
    );
    expectSameState(final.state, reference.state());
  }, 600_000);
});
