import { concatMap, filter, type OperatorFunction, type Subscription } from 'rxjs';
import type { KafkaConnection } from '../../../connectors/kafka/connection';
import type { GroupMembershipListener } from '../../../connectors/kafka/consumer-session';
import type { KafkaSink } from '../../../connectors/kafka/sink';
import { readTopic } from '../../../connectors/kafka/topic-reader';
import type { MicroBatch } from '../../../connectors/types';
import type { Checkpoint } from '../../checkpoints/envelope';
import type { PartitionOffset } from '../../checkpoints/manifest';
import { createCheckpointAssembler } from '../../checkpoints/records';
import type { ManifestSigner, ManifestVerifier } from '../../checkpoints/signing';
import { errorMessage } from '../../errors';
import { retry, type RetryOptions } from '../../retry';
import { metricValues, type ModelSlot } from '../model-slot';
import { encodeMetricStates } from '../metric-state';
import type { Topology } from '../topology';
import { adoptVersion, carryOnto, contributedAt, type Contributed, type Resettable } from './adopt';
import { contributionRecords, createMixReader, type MixPart, type MixStart } from './mix-records';
import { createMixer } from './mixer';

export interface MixCadence {
  /** Contribute once this many records were consumed since the last version… */
  everyRecords: number;
  /** …or this long after it, whichever comes first (with at least one record). */
  everyMs: number;
}

export interface MixMemberConfig {
  topology: Topology;
  connection: KafkaConnection;
  cadence: MixCadence;
  inputPartitions: number;
  /** The topology's one shared slot. */
  slot(): ModelSlot;
  /** Batches between entering the learning step and leaving it: the slot may only change when there are none. */
  inStep(): number;
  sink: Pick<KafkaSink, 'send'>;
  /** Commits as a member of the group: the broker refuses a member of an older generation. */
  commit(positions: PartitionOffset[]): Promise<void>;
  signer?: ManifestSigner;
  verifier?: ManifestVerifier;
  log(line: string): void;
  /** A version adopted: the slot now holds it. */
  adopted?(version: number): void;
  patience: RetryOptions;
}

export interface MixMember {
  membership: GroupMembershipListener;
  /** Marks a batch with the group join it was fetched in, as the source emits it. */
  fetched(batch: MicroBatch<unknown>): void;
  /** Before learning: waits for the generation's start and for pending merges; drops batches of an earlier join. */
  gate<T>(): OperatorFunction<MicroBatch<T>, MicroBatch<T>>;
  /** A step ended: the slot may be free to change. */
  stepEnded(): void;
  close(): Promise<void>;
}

type Phase = 'awaiting-start' | 'learning' | 'contributed';

/**
 * How often a contribution carries the worker's windowed metric states. regression-sgd's two 2,000-pair
 * windows are 86 KB of base64 against ~1 KB for the rest of its contribution (measured), and a merge keeps
 * one worker's window anyway; mixing every 10k records, they were most of the bytes on the mix topic.
 */
const WINDOWS_EVERY_MS = 1000;

/**
 * One worker of a shared model trained by several processes (docs/scale-out.md). After each group join
 * it waits for its generation's start, resets its slot to the start's version (what it learned and did
 * not mix is dropped: the partitions' new owners learn it again from that version's offsets), then learns
 * its partitions. When a round is due (cadence) or opened by another member, it sends its model to the
 * mix topic and learns on; when the merged version arrives on the model topic it takes that version over,
 * with what it learned since its contribution learned again on top (`carryOnto`), and commits its
 * partitions' offsets from the version. The owner of partition 0 also runs the mixer.
 */
export function createMixMember(config: MixMemberConfig): MixMember {
  const { topology, cadence, log } = config;
  const { modelId } = topology;
  const inputTopic = topology.config.input.topic;
  const modelTopic = topology.config.outputs.modelTopic;
  const mixTopic = mixTopicOf(topology);
  // CPU spent on mixing (states captured and encoded, contributions decoded, merges, adoptions), for the bench.
  // Split by part, so that the bench can say where it goes (docs/scale-out.md, "Benchmark").
  const cpuMicros: Record<MixPart, number> = { 'read versions': 0, 'read contributions': 0, contribute: 0, adopt: 0, merge: 0, publish: 0 };
  let adoptions = 0;
  let relearned = 0;
  const metered = <T>(part: MixPart, work: () => T): T => {
    const started = process.cpuUsage();
    try {
      return work();
    } finally {
      const used = process.cpuUsage(started);
      cpuMicros[part] += used.user + used.system;
    }
  };
  const mixer = createMixer({ ...config, modelId, modelTopic, mixTopic, metered });

  let epoch = 0;
  let member: string | undefined;
  let partitions: number[] = [];
  let generation: number | undefined;
  let phase: Phase = 'awaiting-start';
  let baseVersion = 0;
  let baseExamples = 0;
  let lastMixAt = Date.now();
  /** Where the slot stood when it contributed: what it learns after that is carried onto the merged version. */
  let contributed: Contributed | undefined;
  let windowsSentAt = -Infinity;
  const starts = new Map<number, MixStart>();
  const opened = new Set<string>();
  let latest: Checkpoint | undefined;
  const born = new WeakMap<MicroBatch<unknown>, number>();
  let wake: () => void = () => undefined;
  const changed = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const notify = () => wake();

  // Its own mixer's versions are taken from the mixer, not decoded again (bench/scale/round-profile.ts: half of reading one).
  const models = createCheckpointAssembler({ modelId, verifier: config.verifier, alreadyHeld: (manifest) => mixer.published(manifest) });
  const readMix = createMixReader(modelId, (reason) => log(`mix: skipped a mix record: ${reason}`));
  const subscriptions: Subscription[] = [
    readTopic({ ...config.connection, topic: modelTopic, follow: true }).subscribe({
      next: (event) => {
        if (event.type !== 'record') return;
        try {
          const checkpoint = metered('read versions', () => models.push(event.record, `${modelTopic}/${event.record.partition}@${event.record.offset}`));
          if (checkpoint) latest = checkpoint;
        } catch (err) {
          log(`mix: skipped a model record: ${errorMessage(err)}`);
        }
        notify();
      },
      error: (err: unknown) => log(`mix: reading ${modelTopic} failed: ${errorMessage(err)}`),
    }),
    readTopic({ ...config.connection, topic: mixTopic, follow: true, from: 'end' }).subscribe({
      next: (event) => {
        if (event.type !== 'record') return;
        const round = /~g(\d+)~b(\d+)~/.exec(event.record.key ?? '');
        if (round) opened.add(`${round[1]}/${round[2]}`);
        // Only the mixer opens contributions; the others just learn from the key that a round is open.
        if (round && Number(round[1]) !== mixer.generation()) return notify();
        const mixEvent = metered('read contributions', () => readMix(event.record, `${mixTopic}/${event.record.partition}@${event.record.offset}`));
        if (mixEvent?.type === 'start') starts.set(mixEvent.start.generation, mixEvent.start);
        if (mixEvent?.type === 'contribution') mixer.offer(mixEvent.contribution);
        notify();
      },
      error: (err: unknown) => log(`mix: reading ${mixTopic} failed: ${errorMessage(err)}`),
    }),
  ];
  const tick = setInterval(() => advance(), 200);

  const resettable = (): Resettable => ({ topology, slot: config.slot() });

  /** Moves the member on as far as it can without waiting; changes the slot only between steps. */
  function advance(): void {
    if (generation === undefined || member === undefined || config.inStep() > 0) return;
    const [current, me] = [generation, member];
    if (phase === 'awaiting-start') metered('adopt', () => begin(current));
    else if (phase === 'contributed') metered('adopt', () => adoptMerged(current));
    if (phase === 'learning' && isDue(current)) metered('contribute', () => contribute(current, me));
  }

  function begin(current: number): void {
    const start = starts.get(current);
    if (!start) return;
    if (start.base > 0 && latest?.manifest.version !== start.base) return;
    adoptVersion(resettable(), start.base > 0 ? latest : undefined);
    enter(start.base, config.slot().examplesSeen);
    log(`mix: generation ${current}, partitions [${partitions.join(', ')}] from v${start.base}${start.mixer === member ? ' (mixer)' : ''}`);
  }

  function adoptMerged(current: number): void {
    if (!latest || latest.manifest.version <= baseVersion || latest.manifest.generation !== current || !contributed) return;
    relearned += carryOnto(resettable(), latest, contributed, partitions);
    const since = contributed.at;
    contributed = undefined;
    enter(latest.manifest.version, latest.manifest.examplesSeen);
    lastMixAt = since;
    config.adopted?.(baseVersion);
    adoptions++;
    const mine = new Set(partitions);
    const positions = latest.manifest.offsets.filter((o) => o.topic === inputTopic && mine.has(o.partition));
    if (positions.length > 0) void config.commit(positions).catch((err: unknown) => log(`mix: commit of v${baseVersion} refused: ${errorMessage(err)}`));
  }

  function enter(version: number, examples: number): void {
    phase = 'learning';
    baseVersion = version;
    baseExamples = examples;
    lastMixAt = Date.now();
  }

  function isDue(current: number): boolean {
    const consumed = config.slot().sinceCheckpoint;
    if (opened.has(`${current}/${baseVersion}`)) return true;
    return consumed > 0 && (consumed >= cadence.everyRecords || Date.now() - lastMixAt >= cadence.everyMs);
  }

  function contribute(current: number, me: string): void {
    const slot = config.slot();
    const mine = new Set(partitions);
    const offsets = [...slot.offsets.values()].filter((o) => o.topic === inputTopic && mine.has(o.partition));
    const state = slot.model.state();
    const windows = Date.now() - windowsSentAt >= WINDOWS_EVERY_MS;
    if (windows) windowsSentAt = Date.now();
    const records = contributionRecords(modelId, {
      generation: current,
      base: baseVersion,
      member: me,
      partitions,
      learned: slot.examplesSeen - baseExamples,
      consumed: slot.sinceCheckpoint,
      offsets,
      examplesSeen: slot.examplesSeen,
      metrics: metricValues(slot.metrics),
      metricState: encodeMetricStates(slot.metrics, { windows }),
      state,
    });
    phase = 'contributed';
    contributed = contributedAt(slot, state);
    opened.add(`${current}/${baseVersion}`);
    void retry(() => config.sink.send(mixTopic, records), config.patience).catch((err: unknown) => log(`mix: contribution lost: ${errorMessage(err)}`));
  }

  return {
    membership: {
      joined({ memberId, assignment }) {
        epoch++;
        member = memberId;
        partitions = [...(assignment[inputTopic] ?? [])].sort((a, b) => a - b);
        generation = undefined;
        phase = 'awaiting-start';
        contributed = undefined;
        mixer.standDown();
        notify();
      },
      heartbeat({ memberId, generation: confirmed }) {
        if (memberId !== member || confirmed === generation) return;
        generation = confirmed;
        if (partitions.includes(0)) mixer.lead(confirmed, memberId);
        notify();
      },
    },
    fetched: (batch) => void born.set(batch, epoch),
    gate:
      <T>() =>
      (source: import('rxjs').Observable<MicroBatch<T>>) =>
        source.pipe(
          concatMap(async (batch) => {
            for (;;) {
              if ((born.get(batch) ?? epoch) !== epoch) {
                // Fetched before the latest join: its partition may be another member's now, and its offsets are not ours to learn.
                void batch.ack().catch(() => undefined);
                return undefined;
              }
              advance();
              // While its contribution is merged the worker learns on; the merged version then takes that over (carryOnto).
              if (phase === 'learning' || phase === 'contributed') return batch;
              await changed(250);
            }
          }),
          filter((batch): batch is MicroBatch<T> => batch !== undefined),
        ),
    stepEnded: notify,
    async close() {
      const total = Object.values(cpuMicros).reduce((sum, us) => sum + us, 0);
      const parts = Object.entries(cpuMicros).map(([part, us]) => `${part} ${(us / 1000).toFixed(0)}`);
      log(`mix: ${adoptions} versions adopted, ${relearned} records re-learned; mixing used ${(total / 1000).toFixed(0)} ms of CPU (${parts.join(', ')})`);
      clearInterval(tick);
      subscriptions.forEach((s) => s.unsubscribe());
      await mixer.close();
    },
  };
}

/** The mix topic of a shared model: next to its model topic. */
export function mixTopicOf(topology: Topology): string {
  return `${topology.config.outputs.modelTopic}.mix`;
}
