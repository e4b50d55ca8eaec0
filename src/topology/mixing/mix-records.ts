import type { OutgoingMessage } from '../../../connectors/kafka/sink';
import { buildCheckpoint, type Checkpoint } from '../../checkpoints/envelope';
import type { PartitionOffset } from '../../checkpoints/manifest';
import { checkpointRecords, createCheckpointAssembler } from '../../checkpoints/records';
import { errorMessage } from '../../errors';
import type { JsonObject, ModelState } from '../../state';
import { METRIC_STATE_KEY } from '../metric-state';

/**
 * The records of a shared model's mix topic (`<model topic>.mix`, one partition, docs/scale-out.md):
 * - a **start** (JSON, key `<modelId>~start`), written by the generation's mixer once it has fenced every
 *   earlier mixer: the version every member of that generation continues from;
 * - a **contribution** per member and round: the member's model learned since that version, with the
 *   offsets it reached on its partitions, as a checkpoint envelope (chunked like any checkpoint) keyed
 *   `<modelId>~g<generation>~b<base>~<memberId>`.
 */
export interface MixStart {
  generation: number;
  /** The version the generation continues from; 0 for a model never published. */
  base: number;
  /** The highest version any record of the model topic claimed: new versions are numbered past it. */
  claimed: number;
  mixer: string;
}

export interface Contribution {
  generation: number;
  base: number;
  member: string;
  /** The input partitions this member owns in `generation`. */
  partitions: number[];
  /** Examples learned since `base`. */
  learned: number;
  /** Records consumed (learned or dead-lettered) since `base`. */
  consumed: number;
  offsets: PartitionOffset[];
  examplesSeen: number;
  metrics: Record<string, number>;
  /** `encodeMetricStates` of the member's metrics: merged into the version's (docs/scale-out.md). */
  metricState: JsonObject;
  state: ModelState;
}

/** Where mixing spends CPU, as each worker reports it when it stops. */
export type MixPart = 'read versions' | 'read contributions' | 'contribute' | 'adopt' | 'merge' | 'publish';

const START_SUFFIX = '~start';

export function startRecord(modelId: string, start: MixStart): OutgoingMessage {
  return { key: `${modelId}${START_SUFFIX}`, value: JSON.stringify(start) };
}

export function contributionRecords(modelId: string, c: Contribution): OutgoingMessage[] {
  const id = `${modelId}~g${c.generation}~b${c.base}~${c.member}`;
  const mix = { generation: c.generation, base: c.base, member: c.member, partitions: c.partitions, learned: c.learned, consumed: c.consumed };
  const fields = {
    modelId: id,
    version: c.base + 1,
    generation: c.generation,
    offsets: c.offsets,
    examplesSeen: c.examplesSeen,
    metrics: c.metrics,
    extra: { mix, [METRIC_STATE_KEY]: c.metricState },
  };
  const { manifest, payload } = buildCheckpoint(fields, c.state);
  // Only the record keyed by version (and any chunks): the one keyed by the bare id is there for a compacted
  // model topic's "latest", which the mix topic does not need. It doubled the bytes every member fetched and
  // the manifests the mixer parsed (docs/scale-out.md, "Benchmark").
  return checkpointRecords(manifest, payload).records.filter((record) => record.key !== id);
}

export type MixEvent = { type: 'start'; start: MixStart } | { type: 'contribution'; contribution: Contribution };

/** Turns the mix topic's records back into starts and contributions of `modelId`; anything else is reported and skipped. */
export function createMixReader(
  modelId: string,
  onSkipped: (reason: string) => void,
): (record: { key: string | null; value: Buffer | null }, where: string) => MixEvent | undefined {
  const assembler = createCheckpointAssembler();
  const prefix = `${modelId}~`;
  return (record, where) => {
    if (record.key === null || !record.key.startsWith(prefix)) return undefined;
    try {
      if (record.key === `${modelId}${START_SUFFIX}`) return { type: 'start', start: parseStart(record.value, where) };
      const checkpoint = assembler.push(record, where);
      return checkpoint && { type: 'contribution', contribution: contributionOf(checkpoint, where) };
    } catch (err) {
      onSkipped(errorMessage(err));
      return undefined;
    }
  };
}

function parseStart(value: Buffer | null, where: string): MixStart {
  const start = JSON.parse(value?.toString('utf8') ?? 'null') as Partial<MixStart> | null;
  const numbers = [start?.generation, start?.base, start?.claimed];
  if (!start || numbers.some((n) => !Number.isSafeInteger(n)) || typeof start.mixer !== 'string') throw new Error(`${where}: not a mix start record`);
  return start as MixStart;
}

function contributionOf({ manifest, state }: Checkpoint, where: string): Contribution {
  const mix = (manifest.extra?.mix ?? null) as JsonObject | null;
  const { generation, base, member, partitions, learned, consumed } = (mix ?? {}) as Partial<Omit<Contribution, 'offsets' | 'state'>>;
  if (!Number.isSafeInteger(generation) || !Number.isSafeInteger(base) || typeof member !== 'string' || !Array.isArray(partitions)) {
    throw new Error(`${where}: contribution ${manifest.modelId} has no valid extra.mix`);
  }
  return {
    generation: generation!,
    base: base!,
    member,
    partitions,
    learned: learned ?? 0,
    consumed: consumed ?? 0,
    offsets: manifest.offsets,
    examplesSeen: manifest.examplesSeen,
    metrics: manifest.metrics,
    metricState: (manifest.extra?.[METRIC_STATE_KEY] ?? {}) as JsonObject,
    state,
  };
}
