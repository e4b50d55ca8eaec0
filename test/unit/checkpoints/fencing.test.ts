import { buildCheckpoint } from '../../../src/checkpoints/envelope';
import { createCheckpointPublisher } from '../../../src/checkpoints/publisher';
import { checkpointRecords, type CheckpointRecord } from '../../../src/checkpoints/records';
import { createVersionFollower, type ModelVersion } from '../../../src/checkpoints/subscribe';
import { createLinearRegression } from '../../../src/learners';

const state = () => createLinearRegression({ numFeatures: 2 }).state();

function records(version: number, generation?: number, modelId = 'm'): CheckpointRecord[] {
  const fields = { modelId, version, generation, offsets: [], examplesSeen: version, metrics: {} };
  const { manifest, payload } = buildCheckpoint(fields, state());
  return checkpointRecords(manifest, payload).records;
}

describe('readers refuse a fenced mixer', () => {
  function follow() {
    const emitted: ModelVersion[] = [];
    const rejected: string[] = [];
    const follower = createVersionFollower({ modelId: 'm', onRejected: (r) => rejected.push(r), emit: (v) => emitted.push(v) });
    follower.caughtUp();
    return { emitted, rejected, follower, push: (rs: CheckpointRecord[]) => rs.forEach((r, i) => follower.push(r, `models/0@${i}`)) };
  }

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
