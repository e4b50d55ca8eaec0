/**
 * What accumulates on a compacted model topic across trainer restarts (issue 11): a restarted publisher
 * starts with an empty memory of what it published, so before the fix the chunks of the versions kept at
 * each restart stayed on the topic for good. Here every restart reads the topic as a restore does
 * (`loadCheckpointIndex`) and hands its live keys to the new publisher, as `runTopology` does.
 */
import { createKafkaSink } from '../../../connectors/kafka/sink';
import { ensureTopics } from '../../../connectors/kafka/topics';
import { loadCheckpointIndex } from '../../../src/checkpoints/latest';
import { createCheckpointPublisher } from '../../../src/checkpoints/publisher';
import { versionedKeyOwner } from '../../../src/checkpoints/records';
import type { ModelState } from '../../../src/state';
import { testBrokers, uniqueName } from '../../support/kafka';

// Dense random values: about 10 KB of payload (Arrow framing included), 4 chunks at 4,096 bytes a record.
const state = (version: number): ModelState => ({
  kind: 'TestBlob',
  version: 1,
  config: {},
  arrays: { w: Float64Array.from({ length: 1000 }, (_, i) => Math.sin(version * 7919 + i) + 2) },
});

describe('a restarted trainer’s checkpoint publisher', () => {
  it('tombstones what earlier runs left, so the topic holds only the last three versions after every restart', async () => {
    const brokers = testBrokers();
    const topic = `${uniqueName('leftovers')}.models`;
    await ensureTopics({ brokers }, [{ topic, compacted: true }]);
    const sink = createKafkaSink({ brokers });
    const versionsOf = (keys: string[], chunks: boolean) =>
      [...new Set(keys.filter((key) => key.includes('/chunk/') === chunks).map((key) => versionedKeyOwner(key)?.version))].sort((a, b) => a! - b!);
    try {
      let version = 0;
      for (const run of [0, 1, 2]) {
        const index = await loadCheckpointIndex({ brokers }, topic);
        expect(index.latest.get('m')?.manifest.version ?? 0).toBe(version);
        const publisher = createCheckpointPublisher({ sink, topic, maxMessageBytes: 4096, leftovers: index.liveKeys });
        // A run dies after 4 versions (nothing is published at exit), the next restarts from the newest.
        for (let i = 0; i < 4; i++) {
          version += 1;
          const manifest = await publisher.publish({ modelId: 'm', version, offsets: [], examplesSeen: version, metrics: {} }, state(version));
          expect(manifest.chunks?.count).toBe(4);
        }
        const { liveKeys, latest } = await loadCheckpointIndex({ brokers }, topic);
        expect(latest.get('m')!.manifest.version).toBe(version);
        expect(versionsOf(liveKeys, true)).toEqual([version - 2, version - 1, version]);
        expect(versionsOf(liveKeys, false)).toEqual([version - 2, version - 1, version]);
        expect(liveKeys.filter((key) => key.includes('/chunk/'))).toHaveLength(12);
        expect(run).toBeLessThan(3);
      }
    } finally {
      await sink.close();
    }
  }, 60_000);
});
