import { buildCheckpoint } from '../../../src/checkpoints/envelope';
import { createCheckpointPublisher } from '../../../src/checkpoints/publisher';
import { checkpointRecords, type CheckpointRecord } from '../../../src/checkpoints/records';
import { createVersionFollower, type ModelVersion } from '../../../src/checkpoints/subscribe';
import { createLinearRegression } from '../../../src/learners';
import { epochFor } from '../../../src/topology/mixing/mixer';

const state = () => createLinearRegression({ numFeatures: 2 }).state();

function records(version: number, generation?: number, modelId = 'm', epoch?: number): CheckpointRecord[] {
  const fields = { modelId, version, generation, epoch, offsets: [], examplesSeen: version, metrics: {} };
  const { manifest, payload } = buildCheckpoint(fields, state());
  return checkpointRecords(manifest, payload).records;
}

function follow() {
  const emitted: ModelVersion[] = [];
  const rejected: string[] = [];
  const follower = createVersionFollower({ modelId: 'm', onRejected: (r) => rejected.push(r), emit: (v) => emitted.push(v) });
  follower.caughtUp();
  return { emitted, rejected, follower, push: (rs: CheckpointRecord[]) => rs.forEach((r, i) => follower.push(r, `models/0@${i}`)) };
}

describe('readers refuse a fenced mixer', () => {
  it('keeps its model when a higher version comes from an older generation', async () => {
    const { emitted, rejected, follower, push } = follow();
    push(records(4, 7));
    push(records(5, 6));
    push(records(6, 7));
    push(records(7, 9));
    await follower.settled();
    expect(emitted.map((v) => [v.manifest.version, v.manifest.generation])).toEqual([
      [4, 7],
      [6, 7],
      [7, 9],
    ]);
    // Both records of v5 (its version key and the model id) are refused.
    expect(rejected).toEqual(Array(2).fill(expect.stringMatching(/^models\/0@\d+: m v5 comes from generation 6, older than generation 7 already accepted$/)));
  });

  it('refuses a lower version whatever its generation, and a generation that is not an integer', async () => {
    const { emitted, rejected, follower, push } = follow();
    push(records(3, 1));
    push(records(2, 5));
    push(records(4, -1));
    await follower.settled();
    expect(emitted.map((v) => v.manifest.version)).toEqual([3]);
    expect(rejected).toEqual(Array(2).fill(expect.stringMatching(/m v4 has generation -1, not an integer ≥ 0/)));
  });
});

describe('readers across a reset of the group (mixer epochs)', () => {
  it('accepts the versions of a new epoch whose generations start again from 1, and refuses an older generation within it', async () => {
    const { emitted, rejected, follower, push } = follow();
    push(records(4, 40, 'm', 0));
    // Kafka forgot the empty group: its generations start again; the new mixer stamped epoch 1.
    push(records(5, 2, 'm', 1));
    push(records(6, 3, 'm', 1));
    push(records(7, 2, 'm', 1));
    // A zombie of the old life, its generation high, its epoch old.
    push(records(8, 41, 'm', 0));
    push(records(9, 4, 'm', 1));
    await follower.settled();
    expect(emitted.map((v) => [v.manifest.version, v.manifest.epoch ?? 0, v.manifest.generation])).toEqual([
      [4, 0, 40],
      [5, 1, 2],
      [6, 1, 3],
      [9, 1, 4],
    ]);
    expect(rejected).toEqual([
      ...Array(2).fill(expect.stringMatching(/m v7 comes from generation 2, older than generation 3 already accepted$/)),
      ...Array(2).fill(expect.stringMatching(/m v8 comes from epoch 0, older than epoch 1 already accepted$/)),
    ]);
  });

  it('without the epoch, the same reset would have been refused: a manifest with no epoch is epoch 0', async () => {
    const { emitted, rejected, follower, push } = follow();
    push(records(4, 40));
    push(records(5, 2));
    await follower.settled();
    expect(emitted.map((v) => v.manifest.version)).toEqual([4]);
    expect(rejected).toHaveLength(2);
  });

  it('a mixer starts the next epoch only when the newest version has a higher generation than its own', () => {
    expect(epochFor(undefined, 1)).toBe(0);
    expect(epochFor({ generation: undefined }, 1)).toBe(0);
    expect(epochFor({ generation: 3 }, 5)).toBe(0);
    expect(epochFor({ generation: 3, epoch: 2 }, 3)).toBe(2);
    expect(epochFor({ generation: 40 }, 2)).toBe(1);
    expect(epochFor({ generation: 40, epoch: 4 }, 1)).toBe(5);
  });
});

describe('the publisher', () => {
  it('keeps the recent versions of each model id apart: per-partition slots never retire each other', async () => {
    const sent: CheckpointRecord[] = [];
    const publisher = createCheckpointPublisher({
      sink: { send: async (_topic, messages) => void sent.push(...(messages as CheckpointRecord[])) },
      topic: 'models',
      keepVersions: 2,
    });
    for (let v = 1; v <= 3; v++) {
      await publisher.publish({ modelId: 'm.p0', version: v, offsets: [], examplesSeen: v, metrics: {} }, state());
      await publisher.publish({ modelId: 'm.p1', version: v, offsets: [], examplesSeen: v, metrics: {} }, state());
    }
    const tombstoned = sent.filter((r) => r.value === null).map((r) => r.key);
    expect(tombstoned).toEqual(['m.p0@v1', 'm.p1@v1']);
  });
});
