import '../../../src/builtins';
import type { OutgoingMessage } from '../../../connectors/kafka/sink';
import { createCheckpointPublisher } from '../../../src/checkpoints/publisher';
import { createCheckpointAssembler, versionedKeyOwner } from '../../../src/checkpoints/records';
import type { ModelState } from '../../../src/state';

/** A compacted topic after compaction: the last value per key, tombstoned keys gone. */
function compactedTopic() {
  const log: Array<{ key: string; value: Buffer | null }> = [];
  const sink = {
    send(_topic: string, messages: OutgoingMessage[]) {
      for (const { key, value } of messages) log.push({ key: String(key), value: value as Buffer | null });
      return Promise.resolve();
    },
  };
  const live = () => {
    const last = new Map<string, Buffer | null>();
    for (const { key, value } of log) last.set(key, value);
    return [...last].filter(([, value]) => value !== null).map(([key]) => key);
  };
  return { sink, log, live };
}

// 3,000 random float64 values: dense, so about 24 KB, 7 chunks at 4,096 bytes a record.
const state = (seed: number): ModelState => ({
  kind: 'TestBlob',
  version: 1,
  config: {},
  arrays: { w: Float64Array.from({ length: 3000 }, (_, i) => Math.sin(seed * 1000 + i) + 2) },
});
const fields = (modelId: string, version: number) => ({ modelId, version, offsets: [], examplesSeen: version, metrics: {} });
const chunkVersions = (keys: string[], modelId: string) =>
  [...new Set(keys.filter((key) => key.includes('/chunk/') && key.startsWith(`${modelId}/`)).map((key) => versionedKeyOwner(key)!.version))].sort(
    (a, b) => a - b,
  );

describe('checkpoint publisher', () => {
  it('keeps the last three versions, version keys and chunks, and tombstones older ones', async () => {
    const topic = compactedTopic();
    const publisher = createCheckpointPublisher({ sink: topic.sink, topic: 'm', maxMessageBytes: 4096 });
    for (let version = 1; version <= 5; version++) await publisher.publish(fields('a', version), state(version));
    const live = topic.live();
    expect(live.filter((key) => !key.includes('/chunk/')).sort()).toEqual(['a', 'a@v3', 'a@v4', 'a@v5']);
    expect(chunkVersions(live, 'a')).toEqual([3, 4, 5]);
  });

  it('after a restart, tombstones the chunks and version keys earlier runs left once their versions are no longer kept', async () => {
    const topic = compactedTopic();
    const first = createCheckpointPublisher({ sink: topic.sink, topic: 'm', maxMessageBytes: 4096 });
    for (let version = 1; version <= 4; version++) await first.publish(fields('a', version), state(version));
    await first.publish(fields('other', 1), state(9));
    // A restart: the new publisher learns what is on the topic only from the keys a restore read.
    const restarts = [5, 8];
    for (const [run, from] of restarts.entries()) {
      const leftovers = topic.live();
      const next = createCheckpointPublisher({ sink: topic.sink, topic: 'm', maxMessageBytes: 4096, leftovers });
      for (let version = from; version < from + 3; version++) await next.publish(fields('a', version), state(version));
      const live = topic.live();
      const newest = from + 2;
      expect(chunkVersions(live, 'a')).toEqual([newest - 2, newest - 1, newest]);
      expect(new Set(live.filter((key) => key.startsWith('a@v')))).toEqual(new Set([`a@v${newest - 2}`, `a@v${newest - 1}`, `a@v${newest}`]));
      // Another model's keys are not this model's to retire.
      expect(chunkVersions(live, 'other')).toEqual([1]);
      expect(live).toContain('other@v1');
      expect(run).toBeLessThan(restarts.length);
    }
  });

  it('after a jump in numbering, keeps the good versions from before it until newer ones replace them, one for one', async () => {
    const topic = compactedTopic();
    const first = createCheckpointPublisher({ sink: topic.sink, topic: 'm', maxMessageBytes: 4096 });
    for (let version = 1; version <= 4; version++) await first.publish(fields('a', version), state(version));
    // A bad record claimed v1000: the restarted trainer numbers past it.
    const next = createCheckpointPublisher({ sink: topic.sink, topic: 'm', maxMessageBytes: 4096, leftovers: topic.live() });
    const kept: number[][] = [];
    for (let version = 1001; version <= 1003; version++) {
      await next.publish(fields('a', version), state(version));
      kept.push(chunkVersions(topic.live(), 'a'));
    }
    expect(kept).toEqual([
      [3, 4, 1001],
      [4, 1001, 1002],
      [1001, 1002, 1003],
    ]);
  });

  it('still leaves a restore the newest version after every restart', async () => {
    const topic = compactedTopic();
    for (const from of [1, 3, 6]) {
      const publisher = createCheckpointPublisher({ sink: topic.sink, topic: 'm', maxMessageBytes: 4096, leftovers: topic.live() });
      for (let version = from; version < from + 2; version++) await publisher.publish(fields('a', version), state(version));
    }
    // Compaction keeps each key's last record at its own offset.
    const lastAt = new Map<string, number>();
    topic.log.forEach(({ key }, offset) => lastAt.set(key, offset));
    const assembler = createCheckpointAssembler('a');
    let newest = 0;
    for (const offset of [...lastAt.values()].sort((a, b) => a - b)) {
      const { key, value } = topic.log[offset];
      if (value !== null) newest = Math.max(newest, assembler.push({ key, value }, key)?.manifest.version ?? 0);
    }
    expect(newest).toBe(7);
  });
});
