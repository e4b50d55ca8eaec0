import type { KafkaConnection } from '../../../connectors/kafka/connection';
import type { GroupMembershipListener } from '../../../connectors/kafka/consumer-session';
import { ensureTopics, partitionCount } from '../../../connectors/kafka/topics';
import { ConfigError } from '../../errors';
import { requireMergeable } from '../../learners/merge';
import type { Topology } from '../topology';
import { createMixMember, mixTopicOf, type MixCadence, type MixMember, type MixMemberConfig } from './mix-member';

export type { MixCadence } from './mix-member';

/** Contributions are read within seconds; an hour is room for a stalled round, and keeps the topic small. */
const MIX_RETENTION_MS = 3_600_000;

export interface MixingDeps extends Omit<MixMemberConfig, 'topology' | 'cadence' | 'inputPartitions' | 'connection'> {
  connection: KafkaConnection;
  cadence: Partial<MixCadence> | undefined;
  /** Ends the run (with a one-line error). */
  fail(err: Error): void;
}

export interface Mixing {
  /** Present when this process is one of several mixing workers. */
  member?: MixMember;
  membership?: GroupMembershipListener;
}

/**
 * Mixing on (a cadence is set): checks that the topology can be mixed, creates the mix topic and the
 * member. Mixing off: a shared model still refuses to be trained by a second process, which would publish
 * the same versions as this one (issue 13), and says how to run several.
 */
export async function setUpMixing(topology: Topology, deps: MixingDeps): Promise<Mixing> {
  const { cadence, connection } = deps;
  const what = `topology ${topology.config.name}`;
  if (topology.modelScope !== 'shared') {
    if (cadence)
      throw new ConfigError(`${what}: mixing merges a shared model; with modelScope 'per-partition' each partition's model moves with its partition`);
    return {};
  }
  const inputTopic = topology.config.input.topic;
  const inputPartitions = await partitionCount(connection, inputTopic);
  if (!cadence) return { membership: refuseSecondWorker(topology, inputPartitions, deps.fail) };
  const resolved = resolveCadence(what, cadence);
  if (topology.config.drift) throw new ConfigError(`${what}: drift actions are not supported with mixing yet; run one process, or drop drift`);
  requireMergeable(topology.config.model().state(), what);
  await ensureTopics(connection, [{ topic: mixTopicOf(topology), retentionMs: MIX_RETENTION_MS }]);
  const member = createMixMember({ ...deps, topology, cadence: resolved, inputPartitions });
  return { member, membership: member.membership };
}

function resolveCadence(what: string, cadence: Partial<MixCadence>): MixCadence {
  // A time cadence always applies: the tail of a stream (fewer records than everyRecords) must be mixed too.
  const everyMs = cadence.everyMs ?? 1000;
  const everyRecords = cadence.everyRecords ?? Infinity;
  for (const [name, value] of [
    ['everyMs', everyMs],
    ['everyRecords', everyRecords],
  ] as const) {
    if (!(value > 0)) throw new ConfigError(`${what}: mix.${name} must be positive (Infinity to disable), got ${value}`);
  }
  return { everyMs, everyRecords };
}

function refuseSecondWorker(topology: Topology, inputPartitions: number, fail: (err: Error) => void): GroupMembershipListener {
  const what = `topology ${topology.config.name}`;
  return {
    joined({ assignment }) {
      const owned = assignment[topology.config.input.topic]?.length ?? 0;
      if (owned === 0 || owned === inputPartitions) return;
      try {
        requireMergeable(topology.config.model().state(), what);
      } catch (err) {
        return fail(err as Error);
      }
      fail(
        new ConfigError(
          `${what}: another process joined group "${topology.modelId}" and took partitions of the shared model; ` +
            `to train one model with several processes, start each with --mix-every-ms N (docs/scale-out.md)`,
        ),
      );
    },
    heartbeat: () => undefined,
  };
}
