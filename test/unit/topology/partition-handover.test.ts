import type { OutgoingMessage } from '../../../connectors/kafka/sink';
import type { RecordPosition } from '../../../connectors/types';
import { FencedError } from '../../../src/errors';
import { buildCheckpoint, type Checkpoint } from '../../../src/checkpoints/envelope';
import type { Row } from '../../../src/features/stage';
import type { ModelSlot } from '../../../src/topology/model-slot';
import { createPartitionHandover, type PartitionHandoverConfig } from '../../../src/topology/partition-handover';
import { regressionSgd } from '../../../topologies/regression-sgd';

const topology = regressionSgd({ modelScope: 'per-partition' });
const TOPIC = topology.config.input.topic;
const id = (partition: number) => `${topology.modelId}.p${partition}`;
const at = (partition: number) => ({ topic: TOPIC, partition });
const MEMBER = 'member-1';

/** A checkpoint of partition `partition`'s model after learning `n` events, covering offset `offset`. */
function checkpointOf(partition: number, version: number, offset: number, n = 3): Checkpoint {
  const model = topology.config.model();
  const rows = Array.from({ length: n }, (_, i) => Object.fromEntries(Array.from({ length: 10 }, (_, j) => [`x${j}`, i + j])) as Row);
  model.learnMany(
    rows,
    Float64Array.from(rows, (_, i) => i),
  );
  const state = model.state();
  const { manifest } = buildCheckpoint(
    { modelId: id(partition), version, offsets: [{ topic: TOPIC, partition, offset: String(offset) }], examplesSeen: n, metrics: {} },
    state,
  );
  return { manifest, state };
}

interface Harness {
  slots: Map<string, ModelSlot>;
  commits: RecordPosition[][];
  events: string[];
  config: PartitionHandoverConfig;
}

function harness(topic: Checkpoint[] = [], claimed: Record<string, number> = {}, commit?: () => Promise<void>): Harness {
  const slots = new Map<string, ModelSlot>();
  const commits: RecordPosition[][] = [];
  const events: string[] = [];
  const config: PartitionHandoverConfig = {
    topology,
    slots,
    fromBeginning: false,
    load: async () => ({
      checkpoints: new Map(topic.map((cp) => [cp.manifest.modelId, cp])),
      highestClaimed: (modelId) => Math.max(claimed[modelId] ?? 0, topic.find((cp) => cp.manifest.modelId === modelId)?.manifest.version ?? 0),
    }),
    commit: async (positions) => {
      commits.push(positions);
      await commit?.();
    },
    retry: { retries: 2, initialDelayMs: 1, maxDelayMs: 1 },
    onRestored: (slot, checkpoint) => events.push(`took ${slot.modelId} from v${checkpoint?.manifest.version ?? 0}`),
    onDropped: (slot) => events.push(`gave up ${slot.modelId}`),
  };
  return { slots, commits, events, config };
}

const kafkaError = (type: string, retriable = false) => Object.assign(new Error(type), { type, retriable });

describe('per-partition handover', () => {
  it('restores the newest checkpoint of each partition it is given, and seeks to its offsets', async () => {
    const h = harness([checkpointOf(1, 4, 120)]);
    const handover = createPartitionHandover(h.config);
    const positions = await handover.onAssigned([at(0), at(1)], MEMBER);
    expect(positions).toEqual([{ topic: TOPIC, partition: 1, offset: '120' }]);
    expect(h.events).toEqual([`took ${id(0)} from v0`, `took ${id(1)} from v4`]);
    expect(h.slots.get(id(1))!.examplesSeen).toBe(3);
    expect(h.slots.get(id(0))!.examplesSeen).toBe(0);
    expect(handover.owns(at(0)) && handover.owns(at(1))).toBe(true);
    expect(handover.owns(at(2))).toBe(false);
  });

  it('numbers the new owner past the highest version claimed, leaving one free for a checkpoint the old owner had in flight', async () => {
    const h = harness([checkpointOf(1, 4, 120)], { [id(1)]: 6 });
    await createPartitionHandover(h.config).onAssigned([at(1), at(2)], MEMBER);
    // Next publish is slot.version + 1: v8 (v7 stays free), and a partition never published starts at v1.
    expect(h.slots.get(id(1))!.version).toBe(7);
    expect(h.slots.get(id(2))!.version).toBe(0);
  });

  it('drops a revoked partition at once (synchronously, at the join), and no longer lets it publish', async () => {
    const h = harness();
    const handover = createPartitionHandover(h.config);
    await handover.onAssigned([at(0), at(1)], MEMBER);
    const revoked = h.slots.get(id(1))!;
    expect(handover.onAssigned([at(0)], MEMBER)).toBeUndefined();
    expect(h.slots.has(id(1))).toBe(false);
    expect(handover.owns(at(1))).toBe(false);
    expect(h.events.at(-1)).toBe(`gave up ${id(1)}`);
    expect(await handover.mayPublish(revoked)).toBe(false);
    expect(h.commits).toEqual([]);
    // The kept partition's model is the same object: it was not restored again.
    expect(await handover.mayPublish(h.slots.get(id(0))!)).toBe(true);
  });

  it('a member expelled from the group (a new member id) keeps nothing: partitions assigned again are restored afresh', async () => {
    const h = harness([checkpointOf(0, 2, 50)]);
    const handover = createPartitionHandover(h.config);
    await handover.onAssigned([at(0), at(1)], MEMBER);
    const stale = h.slots.get(id(0))!;
    // Frozen past its session, it re-joins as a new member and happens to get partition 0 back.
    const restoring = handover.onAssigned([at(0)], 'member-2');
    expect(restoring).toBeDefined();
    expect(h.slots.has(id(0))).toBe(false);
    expect(await handover.mayPublish(stale)).toBe(false);
    expect(await restoring).toEqual([{ topic: TOPIC, partition: 0, offset: '50' }]);
    expect(h.slots.get(id(0))).not.toBe(stale);
    expect(h.events).toEqual([`took ${id(0)} from v2`, `took ${id(1)} from v0`, `gave up ${id(0)}`, `gave up ${id(1)}`, `took ${id(0)} from v2`]);
  });

  it('fences each publish with a commit of the offsets the last checkpoint covers', async () => {
    const h = harness([checkpointOf(0, 2, 50)]);
    const handover = createPartitionHandover(h.config);
    await handover.onAssigned([at(0)], MEMBER);
    const slot = h.slots.get(id(0))!;
    slot.offsets.set(`${TOPIC}/0`, { topic: TOPIC, partition: 0, offset: '80' });
    slot.ledger.get(`${TOPIC}/0`)!.consumed = 30;
    expect(await handover.mayPublish(slot)).toBe(true);
    expect(h.commits).toEqual([[{ topic: TOPIC, partition: 0, offset: '50' }]]);
  });

  it.each(['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS'])(
    'a commit refused with %s drops the model and publishes nothing',
    async (type) => {
      let refuse = false;
      const h = harness([], {}, async () => {
        if (refuse) throw kafkaError(type);
      });
      const handover = createPartitionHandover(h.config);
      await handover.onAssigned([at(3)], MEMBER);
      refuse = true;
      expect(await handover.mayPublish(h.slots.get(id(3))!)).toBe(false);
      expect(h.slots.has(id(3))).toBe(false);
      // The next join restores it again if the partition stays here.
      const again = handover.onAssigned([at(3)], MEMBER);
      expect(again).toBeDefined();
      await again;
      expect(handover.owns(at(3))).toBe(true);
    },
  );

  it('keeps the model when the member re-joined with the partition while its refused commit was out', async () => {
    const member: { handover?: ReturnType<typeof createPartitionHandover> } = {};
    const h = harness([], {}, async () => {
      // The join that follows a rebalance arrives before the refusal does.
      expect(member.handover!.onAssigned([at(0)], MEMBER)).toBeUndefined();
      throw kafkaError('REBALANCE_IN_PROGRESS');
    });
    const handover = (member.handover = createPartitionHandover(h.config));
    await handover.onAssigned([at(0)], MEMBER);
    const slot = h.slots.get(id(0))!;
    expect(await handover.mayPublish(slot)).toBe(false);
    expect(h.slots.get(id(0))).toBe(slot);
  });

  it('retries a commit that failed for a passing reason (coordinator moved), then publishes', async () => {
    let failures = 1;
    const h = harness([], {}, async () => {
      if (failures-- > 0) throw kafkaError('NOT_COORDINATOR_FOR_GROUP', true);
    });
    const handover = createPartitionHandover(h.config);
    await handover.onAssigned([at(0)], MEMBER);
    expect(await handover.mayPublish(h.slots.get(id(0))!)).toBe(true);
    expect(h.commits).toHaveLength(2);
  });

  it('a restore overtaken by a newer join installs nothing; the newer one does', async () => {
    const h = harness([checkpointOf(2, 3, 10)]);
    const handover = createPartitionHandover(h.config);
    const first = handover.onAssigned([at(2)], MEMBER);
    const second = handover.onAssigned([at(2)], MEMBER);
    expect(await first).toEqual([]);
    expect(await second).toEqual([{ topic: TOPIC, partition: 2, offset: '10' }]);
    expect(h.events).toEqual([`took ${id(2)} from v3`]);
  });

  it('a fromBeginning run starts its first assignment fresh, and restores partitions given to it later', async () => {
    const h = harness([checkpointOf(0, 5, 40), checkpointOf(1, 2, 9)]);
    const handover = createPartitionHandover({ ...h.config, fromBeginning: true });
    expect(await handover.onAssigned([at(0)], MEMBER)).toEqual([]);
    expect(h.slots.get(id(0))!.examplesSeen).toBe(0);
    expect(await handover.onAssigned([at(0), at(1)], MEMBER)).toEqual([{ topic: TOPIC, partition: 1, offset: '9' }]);
  });
  describe('with a transactional writer per partition model', () => {
    /** Writers that log their life and their sends into `h.events`, the restore's read included. */
    function withWriters(h: Harness): PartitionHandoverConfig {
      let opened = 0;
      return {
        ...h.config,
        load: async () => {
          h.events.push('read the model topic');
          return h.config.load();
        },
        openWriter: async (modelId) => {
          const n = ++opened;
          h.events.push(`opened ${modelId} #${n}`);
          return {
            send: async (_topic, messages) => void h.events.push(`sent ${messages.length} via ${modelId} #${n}`),
            close: async () => void h.events.push(`closed ${modelId} #${n}`),
          };
        },
      };
    }
    const records = (modelId: string, version: number): OutgoingMessage[] => [
      { key: `${modelId}/v${version}/chunk/0`, value: 'c' },
      { key: `${modelId}@v${version}`, value: 'm' },
      { key: modelId, value: 'm' },
    ];

    it('opens the writers of the partitions it is given before it reads the model topic (the fence comes first)', async () => {
      const h = harness([checkpointOf(1, 4, 120)]);
      await createPartitionHandover(withWriters(h)).onAssigned([at(0), at(1)], MEMBER);
      expect(h.events.slice(0, 3)).toEqual([`opened ${id(0)} #1`, `opened ${id(1)} #2`, 'read the model topic']);
    });

    it('sends each checkpoint through its own model’s writer; a model given up has none, and its writer is closed', async () => {
      const h = harness();
      const handover = createPartitionHandover(withWriters(h));
      await handover.onAssigned([at(0), at(1)], MEMBER);
      await handover.sink.send('models', records(id(1), 3));
      expect(h.events.at(-1)).toBe(`sent 3 via ${id(1)} #2`);
      handover.onAssigned([at(0)], MEMBER);
      expect(h.events.slice(-2)).toEqual([`closed ${id(1)} #2`, `gave up ${id(1)}`]);
      await expect(handover.sink.send('models', records(id(1), 4))).rejects.toThrow(FencedError);
      await expect(handover.sink.send('models', [...records(id(0), 1), ...records(id(1), 1)])).rejects.toThrow(/one model/);
      await handover.close();
      expect(h.events.at(-1)).toBe(`closed ${id(0)} #1`);
    });

    it('a fenced publish drops the model; a restore overtaken by a newer join closes only its own writers', async () => {
      const h = harness();
      const handover = createPartitionHandover(withWriters(h));
      await handover.onAssigned([at(2)], MEMBER);
      handover.fenced(h.slots.get(id(2))!);
      expect(h.slots.has(id(2))).toBe(false);
      expect(h.events.slice(-2)).toEqual([`closed ${id(2)} #1`, `gave up ${id(2)}`]);
      const first = handover.onAssigned([at(3)], MEMBER);
      const second = handover.onAssigned([at(3)], MEMBER);
      await Promise.all([first, second]);
      await handover.sink.send('models', records(id(3), 1));
      expect(h.events.filter((e) => e.includes(id(3)))).toEqual([
        `opened ${id(3)} #2`,
        `opened ${id(3)} #3`,
        `closed ${id(3)} #2`,
        `took ${id(3)} from v0`,
        `sent 3 via ${id(3)} #3`,
      ]);
    });
  });
});
