import type { KafkaConnection } from '../../../connectors/kafka/connection';
import { isFenced, openFencedWriter, type FencedWriter } from '../../../connectors/kafka/fenced-writer';
import type { Checkpoint } from '../../checkpoints/envelope';
import { loadCheckpointIndex } from '../../checkpoints/latest';
import type { CheckpointManifest, PartitionOffset } from '../../checkpoints/manifest';
import { createCheckpointPublisher, type CheckpointPublisher } from '../../checkpoints/publisher';
import type { ManifestSigner, ManifestVerifier } from '../../checkpoints/signing';
import { errorMessage } from '../../errors';
import { mergeStates } from '../../learners/merge';
import { retry, type RetryOptions } from '../../retry';
import type { ModelState } from '../../state';
import { METRIC_STATE_KEY, mergeMetricStates, metricValuesOf } from '../metric-state';
import { partitionKey } from '../model-slot';
import { startRecord, type Contribution, type MixPart, type MixStart } from './mix-records';

export interface MixerConfig {
  connection: KafkaConnection;
  modelId: string;
  modelTopic: string;
  mixTopic: string;
  inputPartitions: number;
  signer?: ManifestSigner;
  verifier?: ManifestVerifier;
  log(line: string): void;
  patience: RetryOptions;
  /** Runs synchronous mixing work, counting its CPU under `part`. */
  metered<T>(part: MixPart, work: () => T): T;
}

export interface Mixer {
  /** Becomes the mixer of `generation`: fences earlier mixers, then announces the version the generation starts from. */
  lead(generation: number, member: string): void;
  /** A contribution read from the mix topic. */
  offer(contribution: Contribution): void;
  generation(): number | undefined;
  /** This member re-joined: it leads nothing until a heartbeat confirms its new generation. */
  standDown(): void;
  /** A copy of the state of `manifest` when this mixer published it: its own member need not decode the version again. */
  published(manifest: CheckpointManifest): ModelState | undefined;
  close(): Promise<void>;
}

/**
 * The one member per generation (the owner of input partition 0) that merges the members' contributions
 * into versions and publishes them. Its writes go through a transactional producer whose id is the same
 * for every mixer of the model (`<modelId>.mixer`): opening it fences every earlier mixer, so a zombie of
 * an older generation cannot publish once its successor has started (docs/scale-out.md).
 */
export function createMixer(config: MixerConfig): Mixer {
  const { modelId, log } = config;
  let leading: number | undefined;
  let writer: FencedWriter | undefined;
  let publisher: CheckpointPublisher | undefined;
  /** The version the current round merges into (absent: a model never published). */
  let base: Checkpoint | undefined;
  let baseVersion = 0;
  let claimed = 0;
  let epoch = 0;
  let ready = false;
  let merging = false;
  const offered = new Map<string, Contribution>();
  let lastPublished: Checkpoint | undefined;

  async function lead(generation: number, member: string): Promise<void> {
    leading = generation;
    ready = false;
    offered.clear();
    const previous = writer;
    writer = undefined;
    await previous?.close();
    const opened = await retry(() => openFencedWriter({ ...config.connection, transactionalId: `${modelId}.mixer` }), config.patience);
    if (leading !== generation) return void opened.close();
    // Read after the fence: no earlier mixer can add a version any more, so this is the newest for good.
    const index = await loadCheckpointIndex(config.connection, config.modelTopic, { modelId, verifier: config.verifier });
    base = index.latest.get(modelId);
    baseVersion = base?.manifest.version ?? 0;
    claimed = Math.max(baseVersion, index.highestClaimed(modelId));
    epoch = epochFor(base?.manifest, generation);
    const start: MixStart = { generation, base: baseVersion, claimed, mixer: member };
    await retry(() => opened.send(config.mixTopic, [startRecord(modelId, start)]), { ...config.patience, shouldRetry: (err) => !isFenced(err) });
    if (leading !== generation) return void opened.close();
    writer = opened;
    publisher = createCheckpointPublisher({ sink: opened, topic: config.modelTopic, signer: config.signer });
    ready = true;
    log(`mix: leading generation ${generation} (epoch ${epoch}) from v${baseVersion}`);
    mergeIfComplete();
  }

  /** The contributions of the current round, once their partitions cover the whole input topic. */
  function completeRound(): Contribution[] | undefined {
    const round = [...offered.values()].filter((c) => c.generation === leading && c.base === baseVersion);
    const covered = new Set(round.flatMap((c) => c.partitions));
    for (let p = 0; p < config.inputPartitions; p++) if (!covered.has(p)) return undefined;
    return round;
  }

  function mergeIfComplete(): void {
    if (!ready || merging) return;
    const round = completeRound();
    if (!round) return;
    merging = true;
    const generation = leading!;
    void publishMerged(round, generation).then(
      () => {
        merging = false;
        if (leading === generation) mergeIfComplete();
      },
      (err: unknown) => {
        merging = false;
        if (isFenced(err)) {
          // A newer mixer holds the transactional id: this one leads nothing more until its member re-joins.
          log(`mix: fenced, generation ${generation} publishes nothing more: ${errorMessage(err)}`);
          if (leading === generation) standDown();
          return;
        }
        log(`mix: merge of generation ${generation} failed, retrying in 1 s: ${errorMessage(err)}`);
        setTimeout(() => leading === generation && mergeIfComplete(), 1000).unref();
      },
    );
  }

  function standDown(): void {
    leading = undefined;
    ready = false;
    offered.clear();
    const previous = writer;
    writer = undefined;
    void previous?.close();
  }

  async function publishMerged(round: Contribution[], generation: number): Promise<void> {
    const weights = round.map((c) => c.learned);
    const state = config.metered('merge', () =>
      mergeStates(
        round.map((c) => c.state),
        weights,
        base?.state,
      ),
    );
    const learned = weights.reduce((sum, w) => sum + w, 0);
    const metricState = config.metered('merge', () =>
      mergeMetricStates(
        round.map((c) => c.metricState),
        weights,
        base?.manifest.extra?.[METRIC_STATE_KEY],
      ),
    );
    const version = Math.max(baseVersion, claimed) + 1;
    const fields = {
      modelId,
      version,
      generation,
      epoch,
      offsets: mergedOffsets(base?.manifest.offsets ?? [], round),
      examplesSeen: (base?.manifest.examplesSeen ?? 0) + learned,
      // The values of the merged metric state, so that a restore resumes what the manifest says; a metric
      // without state (a worker of an older build) keeps the workers' average by examples.
      metrics: { ...averageMetrics(round, weights), ...metricValuesOf(metricState) },
      extra: {
        mix: { generation, members: round.length, learned: Object.fromEntries(round.map((c) => [c.member, c.learned])) },
        [METRIC_STATE_KEY]: metricState,
      },
    };
    // The publish encodes (Arrow, SHA-256) before its first await: that part is mixing CPU too.
    const publish = () => config.metered('publish', () => publisher!.publish(fields, state));
    const manifest = await retry(publish, { ...config.patience, shouldRetry: (err) => !isFenced(err) });
    lastPublished = { manifest, state };
    if (leading !== generation) return;
    base = { manifest, state };
    baseVersion = claimed = version;
    for (const [key, c] of offered) if (c.base < version) offered.delete(key);
    log(`mix: published v${version} (generation ${generation}, ${round.length} workers, ${learned} examples, ${manifest.examplesSeen} in all)`);
  }

  return {
    lead(generation, member) {
      void lead(generation, member).catch((err: unknown) => log(`mix: could not lead generation ${generation}: ${errorMessage(err)}`));
    },
    offer(contribution) {
      if (contribution.generation !== leading) return;
      offered.set(`${contribution.generation}/${contribution.base}/${contribution.member}`, contribution);
      mergeIfComplete();
    },
    generation: () => (ready ? leading : undefined),
    standDown,
    published(manifest) {
      const held = lastPublished?.manifest;
      if (held?.modelId !== manifest.modelId || held.version !== manifest.version || held.payloadSha256 !== manifest.payloadSha256) return undefined;
      const { arrays } = lastPublished!.state;
      return { ...lastPublished!.state, arrays: Object.fromEntries(Object.entries(arrays).map(([name, array]) => [name, array.slice()])) };
    },
    async close() {
      leading = undefined;
      await writer?.close();
    },
  };
}

/**
 * The epoch of the versions a mixer of `generation` publishes (docs/scale-out.md, "Generation reset"): the
 * newest version's epoch, or the next one when that version was stamped with a higher generation. Within
 * one life of the group generations only grow, so a lower one means Kafka forgot the empty group and
 * numbers from 1 again. The mixer reads the newest version after fencing every earlier mixer, so no other
 * version can land in between: (epoch, generation) never goes back.
 */
export function epochFor(newest: Pick<CheckpointManifest, 'generation' | 'epoch'> | undefined, generation: number): number {
  const epoch = newest?.epoch ?? 0;
  return newest?.generation !== undefined && generation < newest.generation ? epoch + 1 : epoch;
}

/** The base's offsets, with each member's partitions moved on to where its contribution reached. */
function mergedOffsets(base: PartitionOffset[], round: Contribution[]): PartitionOffset[] {
  const offsets = new Map(base.map((o) => [partitionKey(o), o]));
  for (const c of round) for (const o of c.offsets) offsets.set(partitionKey(o), o);
  return [...offsets.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/** Each metric averaged over the members by examples learned (per-member metrics are prequential over its own partitions). */
function averageMetrics(round: Contribution[], weights: number[]): Record<string, number> {
  const total = weights.reduce((sum, w) => sum + w, 0);
  const out: Record<string, number> = {};
  for (const name of Object.keys(round[0].metrics)) {
    let sum = 0;
    round.forEach((c, i) => (sum += (total > 0 ? weights[i] / total : 1 / round.length) * (c.metrics[name] ?? NaN)));
    out[name] = sum;
  }
  return out;
}
