/**
 * `setUpMixing` (src/topology/mixing/set-up.ts) over the fake kafkajs client: which topologies get a mixing
 * member, what the mix topic is created with, and which settings are refused, each with one line.
 */
import '../../../src/builtins';
import { ConfigError } from '../../../src/errors';
import { setUpMixing, type MixingDeps } from '../../../src/topology/mixing/set-up';
import { newSlot } from '../../../src/topology/restore';
import { fakeCluster } from '../connectors/fake-kafka';
import { regressionTopology } from './harness';

jest.mock('kafkajs', () => require('../connectors/fake-kafka').fakeKafkaJs());

const connection = { brokers: ['fake:9092'] };
const outputs = { modelTopic: 'models', deadLetterTopic: 'dlq' };

function deps(cadence: MixingDeps['cadence'], failures: Error[] = []): MixingDeps {
  const topology = regressionTopology({ outputs });
  const slot = newSlot(topology, topology.modelId);
  return {
    connection,
    cadence,
    fail: (err) => failures.push(err),
    slot: () => slot,
    inStep: () => 0,
    sink: { send: async () => undefined },
    commit: async () => undefined,
    log: () => undefined,
    patience: { retries: 1, initialDelayMs: 1, maxDelayMs: 1 },
  };
}

beforeEach(() => {
  fakeCluster.reset();
  fakeCluster.addTopic('events', 3);
  fakeCluster.addTopic('models', 1);
});

describe('setUpMixing', () => {
  it('with a cadence: creates the mix topic (one partition, an hour of retention) and a member whose membership is the run’s', async () => {
    const mixing = await setUpMixing(regressionTopology({ outputs }), deps({ everyRecords: 50 }));
    try {
      expect(mixing.member).toBeDefined();
      expect(mixing.membership).toBe(mixing.member!.membership);
      expect(fakeCluster.topics.get('models.mix')!.partitions).toHaveLength(1);
      expect(fakeCluster.topics.get('models.mix')!.configs).toMatchObject({ 'retention.ms': '3600000' });
    } finally {
      await mixing.member?.close();
    }
  });

  it('accepts Infinity for either cadence, and refuses zero, negatives and NaN naming the setting', async () => {
    const infinite = await setUpMixing(regressionTopology({ outputs }), deps({ everyMs: Infinity, everyRecords: Infinity }));
    await infinite.member?.close();
    expect(infinite.member).toBeDefined();
    const refusal = (cadence: Record<string, number>) => setUpMixing(regressionTopology({ outputs }), deps(cadence));
    await expect(refusal({ everyMs: NaN })).rejects.toThrow('topology unit-regression: mix.everyMs must be positive (Infinity to disable), got NaN');
    await expect(refusal({ everyMs: -5 })).rejects.toThrow('mix.everyMs must be positive (Infinity to disable), got -5');
    await expect(refusal({ everyRecords: 0 })).rejects.toThrow('mix.everyRecords must be positive (Infinity to disable), got 0');
    await expect(refusal({ everyRecords: NaN })).rejects.toThrow(ConfigError);
  });

  it('refuses drift actions with mixing, before creating anything', async () => {
    const topology = regressionTopology({
      outputs: { ...outputs, driftTopic: 'drift' },
      drift: { detector: { kind: 'ADWIN' }, on: 'absolute-error', action: 'alert' },
    });
    await expect(setUpMixing(topology, deps({ everyMs: 100 }))).rejects.toThrow(
      'topology unit-regression: drift actions are not supported with mixing yet; run one process, or drop drift',
    );
    expect(fakeCluster.topics.has('models.mix')).toBe(false);
  });

  it('per-partition without a cadence: nothing to set up, no membership listener', async () => {
    const mixing = await setUpMixing(regressionTopology({ outputs, modelScope: 'per-partition' }), deps(undefined));
    expect(mixing).toEqual({});
  });

  it('without a cadence, a member owning every partition, or none, is alone; owning some is a second process', async () => {
    const failures: Error[] = [];
    const mixing = await setUpMixing(regressionTopology({ outputs }), deps(undefined, failures));
    expect(mixing.member).toBeUndefined();
    const joined = (partitions: number[]) => mixing.membership!.joined({ memberId: 'm', assignment: { events: partitions } });
    joined([0, 1, 2]);
    joined([]);
    mixing.membership!.heartbeat({ memberId: 'm', generation: 2 });
    expect(failures).toEqual([]);
    joined([0, 1]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(ConfigError);
    expect(fakeCluster.topics.has('models.mix')).toBe(false);
  });
});
