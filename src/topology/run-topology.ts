import { Subject, filter, lastValueFrom, tap, type Observable } from 'rxjs';
import { createDeadLetterWriter, trackDeadLetters } from '../../connectors/dead-letter';
import { connectionOf, validateConnection, type KafkaConnection } from '../../connectors/kafka/connection';
import { isFenced, openFencedWriter } from '../../connectors/kafka/fenced-writer';
import { createKafkaSink, type OutgoingMessage } from '../../connectors/kafka/sink';
import { createKafkaSource } from '../../connectors/kafka/source';
import { probeBrokers } from '../../connectors/kafka/probe';
import type { DecodedRecord, MicroBatch, RecordPosition } from '../../connectors/types';
import { createCheckpointPublisher } from '../checkpoints/publisher';
import { errorMessage, isRetriable, StreamlearnError } from '../errors';
import { retry, type RetryOptions } from '../retry';
import { createManifestSigner, createManifestVerifier } from '../checkpoints/signing';
import type { KeyObject } from 'node:crypto';
import { importanceExtra, importanceMessage } from '../importance/publish';
import type { CheckpointManifest } from '../checkpoints/manifest';
import type { Row } from '../features/stage';
import type { Label, LabelIndexed } from '../learners/label-indexer';
import type { ModelSlot, SlotSnapshot } from './model-slot';
import { METRIC_STATE_KEY } from './metric-state';
import { deadLetterRecords } from './operators/dead-letters';
import { captureHealthy } from './operators/divergence';
import { predictionMessages } from './operators/predictions';
import { setUpTopics } from './topic-setup';
import { createCheckpointer, isDue, type TopologyStep } from './operators/checkpoint-when-due';
import { labelIndex, learnBatch, type LearnedBatch } from './operators/learn-batch';
import { driftResponder } from './drift-actions';
import { resolveDriftWatch, watchFromCheckpoint, type DriftWatch } from './drift-watch';
import { guardObserver, observeDeadLetters, type TopologyObserver } from './observer';
import { LABEL_GUARD_KEY, loadTopologyCheckpoints, newSlot, restoreSnapshot, slotModelId } from './restore';
import { checkpointCovered } from './slot-ledger';
import { createPartitionHandover, type PartitionHandover } from './partition-handover';
import type { Topology } from './topology';
import { setUpMixing, type MixCadence } from './mixing/set-up';

/**
 * A checkpoint waits out a broker outage rather than ending the run: kafkajs gives up on a send after
 * about 30 s of retries, while a broker restart (log recovery included) took 10-60 s in the fault suite.
 */
/**
 * Bytes of each partition a fetch asks for, unless `batch.maxBytesPerPartition` says otherwise. Measured with
 * `npm run bench -- scale --fetch-kb 1024,256,64` (one worker, loaded machine): 256 KiB and 64 KiB fetches cost more
 * CPU per record (97–105k and 79–82k records per CPU-second against 116–121k), the worker waited for them (busy 78–91%
 * against 98%) and the garbage collector's share did not move; so 1 MiB, the source's own default, stays.
 */
const FETCH_BYTES_PER_PARTITION = 1024 * 1024;
const WHILE_BROKER_DOWN: RetryOptions = { retries: 100, initialDelayMs: 250, maxDelayMs: 3000 };

export interface RunTopologyOptions extends KafkaConnection {
  /** Start a fresh model from the earliest offsets, ignoring checkpoints (versions still go forward). */
  fromBeginning?: boolean;
  /** Default: the model id. */
  groupId?: string;
  /** Retries of a failed dead-letter write before the topology stops with a DeadLetterError. Default 5. */
  deadLetterRetry?: RetryOptions;
  /** Stops the topology (gracefully) once this returns true after a step. */
  until?(progress: TopologyProgress): boolean;
  /** Told of each batch, dead letter and checkpoint, e.g. by the Prometheus exporter (src/observability). */
  observer?: TopologyObserver;
  /** Ed25519 private key (PEM text, file path or KeyObject): every checkpoint manifest is signed with it. Off by default. */
  signingKey?: string | KeyObject;
  /** Ed25519 public key: the restore only accepts checkpoints it signed, walking back past the others. */
  verifyKey?: string | KeyObject;
  /**
   * Per-partition scope: told when this member takes a partition's model (restored from `version`, or fresh
   * at 0) or gives one up because its partition went to another member.
   */
  onHandover?(change: { modelId: string; change: 'taken' | 'given up'; version: number }): void;
  /** Told about every model-topic record the restore skipped, and why. Default: one line on stderr. */
  onCheckpointSkipped?(reason: string): void;
  /**
   * Train one shared model with several processes (`streamlearn run` N times, docs/scale-out.md): their
   * models are merged on this cadence. Overrides the topology's `mix`. Off (one process) when neither is set.
   */
  mix?: Partial<MixCadence>;
  /** Lines about mixing (generations, versions published and adopted, fencing). Default: stderr. */
  log?(line: string): void;
}

export interface TopologyProgress {
  /** Records consumed: learned plus dead-lettered. */
  records: number;
  learned: number;
  deadLettered: number;
  /** Lag per `topic/partition` after the latest batch of that partition. */
  lag: Record<string, number>;
  /** The latest checkpoint published (or restored), per model id. */
  versions: Record<string, number>;
  metrics: Record<string, number>;
  startedAt: number;
}

export interface RunningTopology {
  /** Each learned micro-batch, with the checkpoint it triggered; hot and shared. */
  steps: Observable<TopologyStep & { progress: TopologyProgress }>;
  /** Finishes the batch in hand, publishes a final checkpoint, commits its offsets and disconnects. */
  stop(): Promise<TopologyProgress>;
  /** Resolves when the topology has stopped, by `stop()` or `until`. */
  done: Promise<TopologyProgress>;
  /** Models restored from checkpoints at start, by model id, with the version. */
  restored: Record<string, number>;
}

/**
 * Runs a topology against Kafka: restores its latest checkpoint(s) and seeks to their offsets, learns
 * micro-batches test-then-train, publishes checkpoints when due, and commits offsets to the consumer group
 * only once the checkpoint that covers them is acknowledged. A crash therefore loses nothing: a restart
 * resumes from the checkpoint's own offsets, and what was learned after it is learned again, once.
 */
export async function runTopology(topology: Topology, options: RunTopologyOptions): Promise<RunningTopology> {
  const { config } = topology;
  const connection = validateConnection('runTopology', connectionOf(options));
  const { fromBeginning = false } = options;
  const { outputs, input } = config;
  // Keys are read and checked before anything touches Kafka.
  const signer = options.signingKey === undefined ? undefined : createManifestSigner(options.signingKey);
  const verifier = options.verifyKey === undefined ? undefined : createManifestVerifier(options.verifyKey);
  // Unreachable brokers, a wrong password or an untrusted certificate: one clear error by connectionTimeoutMs.
  await probeBrokers(connection);
  const maxAbsWeight = config.guards?.maxAbsWeight;
  const { deadLetterMaxBytes } = await setUpTopics(connection, topology);

  await config.setup?.();
  const onSkipped = options.onCheckpointSkipped ?? ((reason: string) => process.stderr.write(`restore skipped a checkpoint record: ${reason}\n`));
  const loaded = await loadTopologyCheckpoints(topology, connection, { verifier, onSkipped });
  const { checkpoints, highestClaimed, liveKeys } = loaded;
  /** Each model's versions kept on the model topic at the last read: its rollback targets after a restart or handover. */
  let kept = loaded.kept;
  const slots = new Map<string, ModelSlot>();
  // Per-partition models are restored as their partitions are assigned (see partition-handover.ts), not here.
  const perPartition = topology.modelScope === 'per-partition';
  if (!perPartition)
    for (const [modelId, checkpoint] of checkpoints) slots.set(modelId, newSlot(topology, modelId, checkpoint, fromBeginning, highestClaimed(modelId)));
  const restoredOffsets = fromBeginning ? [] : [...slots.values()].flatMap((slot) => [...slot.offsets.values()]);
  // Checkpoints run in this process only when it trains alone; mixed versions are published by the mixer.
  let inStep = 0;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));

  const sink = createKafkaSink({ ...connection, clientId: `${topology.modelId}-sink` });
  const observer = guardObserver(options.observer);
  const deadLetter = observeDeadLetters(
    createDeadLetterWriter({ sink, topic: outputs.deadLetterTopic, maxMessageBytes: deadLetterMaxBytes, retry: options.deadLetterRetry }),
    observer,
  );
  /**
   * Bad records' letters are written while the following batches are learned. Awaited where they arose, they cost
   * `npm start` (one event in 2,000 malformed) 76 step waits and 74 source-chunk waits of 300 batches, 18-19% of the
   * learning window under load (docs/performance.md, Stop 22). Every path that commits or publishes offsets first
   * waits for the letters handed over before it (`lettersStored`): the checkpoint's publish, the group commits
   * (handover fence included), a mixing member's contribution (docs/guarantees.md).
   */
  const letters = trackDeadLetters(deadLetter, (err) => admitted.error(err));
  const lettersStored = () => letters.settled();
  const commit = async (positions: RecordPosition[]) => {
    await lettersStored();
    await source.commit(positions);
  };
  // Checkpoints have a producer of their own: subscribers wait for them, so they never queue behind predictions or
  // dead letters, and go out without waiting for the event loop's next turn (the next micro-batch's learning).
  const checkpointSink = createKafkaSink({ ...connection, clientId: `${topology.modelId}-checkpoints`, latencyBound: true });
  // Per-partition: each model's checkpoints go through its own transactional writer, the fence of a handover.
  const publisherSink = perPartition ? { send: (topic: string, messages: OutgoingMessage[]) => handover!.sink.send(topic, messages) } : checkpointSink;
  const publisher = createCheckpointPublisher({ sink: publisherSink, topic: outputs.modelTopic, signer, leftovers: liveKeys });
  const mixing = await setUpMixing(topology, {
    connection,
    cadence: options.mix ?? config.mix,
    slot: () => slotFor({ partition: 0 }),
    inStep: () => inStep,
    // A contribution carries offsets the mixer publishes in a version: its letters are stored first.
    sink: {
      async send(topic, messages) {
        await lettersStored();
        await sink.send(topic, messages);
      },
    },
    commit,
    signer,
    verifier,
    log,
    adopted: (version) => (progress.versions[topology.modelId] = version),
    patience: WHILE_BROKER_DOWN,
    fail: (err) => admitted.error(err),
  });
  const source = createKafkaSource<unknown>({
    ...connection,
    groupId: options.groupId ?? topology.modelId,
    topics: [input.topic],
    codec: input.codec,
    // JSON read into columns, for the fused pass; a user's transformBatches may copy records, which a column record's accessors do not survive.
    readColumns: config.transformBatches === undefined,
    deadLetter: letters.handOver,
    commitOnAck: false,
    startFrom: fromBeginning ? 'earliest' : restoredOffsets.length > 0 ? { offsets: restoredOffsets } : 'committed',
    maxRecords: config.batch?.maxRecords ?? 1000,
    maxWaitMs: config.batch?.maxWaitMs ?? 200,
    maxBytesPerPartition: config.batch?.maxBytesPerPartition ?? FETCH_BYTES_PER_PARTITION,
    // A trainer killed without leaving the group holds its partitions until its session expires: keep that short.
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 1_000,
    // The model runs ahead of the commits (they wait for checkpoints): a consumer reset resumes where it has learned.
    // Mixing: a (re)join drops what was not mixed, so the committed offsets (never past a version) are right.
    resumeFrom: () => (mixing.member ? [] : [...slots.values()].flatMap((slot) => [...slot.offsets.values()])),
    onAssigned: perPartition ? (assignment, memberId): Promise<RecordPosition[]> | undefined => handover!.onAssigned(assignment, memberId) : undefined,
    membership: mixing.membership,
  });
  const handover: PartitionHandover | undefined = perPartition
    ? createPartitionHandover({
        topology,
        slots,
        fromBeginning,
        load: async () => {
          const reread = await loadTopologyCheckpoints(topology, connection, { verifier, onSkipped });
          kept = reread.kept;
          return reread;
        },
        commit,
        openWriter: (modelId) => openFencedWriter({ ...connection, transactionalId: `${modelId}.checkpoints` }),
        retry: WHILE_BROKER_DOWN,
        onRestored: (slot, checkpoint) => {
          watches.delete(slot.modelId);
          if (checkpoint) checkpoints.set(slot.modelId, checkpoint);
          else checkpoints.delete(slot.modelId);
          progress.versions[slot.modelId] = slot.version;
          options.onHandover?.({ modelId: slot.modelId, change: 'taken', version: checkpoint?.manifest.version ?? 0 });
        },
        onDropped: (slot) => {
          watches.delete(slot.modelId);
          delete progress.versions[slot.modelId];
          options.onHandover?.({ modelId: slot.modelId, change: 'given up', version: slot.version });
        },
      })
    : undefined;

  const driftConfig = config.drift ? resolveDriftWatch(config.name, config.drift) : undefined;
  const watches = new Map<string, DriftWatch>();
  /** A slot's drift watch, resumed from the checkpoint the slot was restored from. */
  const watchFor = (slot: ModelSlot): DriftWatch | undefined => {
    if (!driftConfig) return undefined;
    let watch = watches.get(slot.modelId);
    if (!watch) {
      watch = watchFromCheckpoint(driftConfig, fromBeginning ? undefined : checkpoints.get(slot.modelId), kept(slot.modelId));
      watches.set(slot.modelId, watch);
    }
    return watch;
  };

  const slotFor = (batch: Pick<MicroBatch<unknown>, 'partition'>): ModelSlot => {
    const modelId = slotModelId(topology, batch.partition);
    let slot = slots.get(modelId);
    if (!slot) {
      slot = newSlot(topology, modelId, undefined, false, highestClaimed(modelId));
      slots.set(modelId, slot);
    }
    return slot;
  };

  const deps = { label: config.label, maxAbsWeight, restore: (slot: ModelSlot, snapshot: SlotSnapshot) => restoreSnapshot(topology, slot, snapshot) };

  /**
   * Publishes a checkpoint of the slot, then commits the offsets it covers. Learning goes on meanwhile
   * (the next batch is learned while this one is sent), so the state and offsets are captured together
   * (`captureHealthy`, which also keeps unhealthy models from being published).
   */
  async function checkpointNow(slot: ModelSlot, captured?: () => void): Promise<CheckpointManifest | undefined> {
    const { snapshot, metrics, offsets, covered, journaled, ledger } = await captureHealthy(slot, deps, (failures) =>
      deadLetterRecords(deadLetter, input.codec, failures),
    );
    captured?.();
    // The checkpoint's offsets are where a restart resumes: the letters of the records they cover are stored first.
    await lettersStored();
    const importance = snapshot.importance;
    const watch = watchFor(slot);
    const rollingError = watch?.rollingError ?? NaN;
    const extra = {
      [METRIC_STATE_KEY]: snapshot.metrics,
      [LABEL_GUARD_KEY]: snapshot.labels,
      ...(importance ? importanceExtra(importance) : {}),
      ...(watch ? watch.extra() : {}),
    };
    const fields = {
      modelId: slot.modelId,
      version: slot.version + 1,
      offsets,
      examplesSeen: snapshot.examplesSeen,
      metrics,
      extra,
    };
    // A partition's model is published only by the member its partition is assigned to (the fence).
    if (handover && !(await handover.mayPublish(slot))) return undefined;
    const publishStarted = performance.now();
    const manifest = await publishUnlessFenced(slot, () => publisher.publish(fields, snapshot.state));
    if (!manifest) return undefined;
    const publishMs = performance.now() - publishStarted;
    watch?.remember({ version: manifest.version, rollingError, examplesSeen: fields.examplesSeen, state: snapshot.state, importance: importance ?? null });
    // The commit only tells a consumer reset where to start; restarts resume from the checkpoint, and a reset
    // from the slot's offsets (`resumeFrom`). A commit lost to an outage is made good by the next checkpoint.
    await retry(() => commit(offsets), { ...WHILE_BROKER_DOWN, retries: 5 }).catch(() => undefined);
    observer?.checkpointPublished?.(manifest, publishMs);
    slot.version = manifest.version;
    slot.sinceCheckpoint -= covered;
    checkpointCovered(slot, offsets, ledger);
    slot.lastCheckpointAt = Date.now();
    slot.lastGood = snapshot;
    slot.journal = slot.journal.filter((entry) => !journaled.has(entry));
    if (outputs.metricsTopic) {
      const { modelId, version, examplesSeen, metrics, createdAt } = manifest;
      const record = { key: modelId, value: JSON.stringify({ modelId, version, examplesSeen, metrics, offsets, createdAt }) };
      await retry(() => sink.send(outputs.metricsTopic!, [record]), WHILE_BROKER_DOWN);
    }
    if (outputs.importanceTopic && importance)
      await retry(() => sink.send(outputs.importanceTopic!, [importanceMessage(manifest, importance)]), WHILE_BROKER_DOWN);
    return manifest;
  }

  // Checkpoints run one at a time: a drift action (archive, replace, checkpoint) or the idle timer must not interleave with one.
  let publishing: Promise<unknown> = Promise.resolve();
  function exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = publishing.then(task, task);
    publishing = run.catch(() => undefined);
    return run;
  }
  const checkpoint = (slot: ModelSlot, captured?: () => void) => exclusive(() => checkpointNow(slot, captured));
  const respondToDrift =
    driftConfig && outputs.driftTopic
      ? driftResponder({ topology, sink, driftTopic: outputs.driftTopic, watchFor, exclusive, checkpointNow: checkpointOrFenced })
      : undefined;
  /** Publishes, riding out a broker outage; a per-partition model whose new owner fenced its writer is dropped instead. */
  async function publishUnlessFenced(slot: ModelSlot, publish: () => Promise<CheckpointManifest>): Promise<CheckpointManifest | undefined> {
    try {
      return await retry(publish, { ...WHILE_BROKER_DOWN, shouldRetry: (err) => !isFenced(err) && isRetriable(err) });
    } catch (err) {
      if (!handover || !isFenced(err)) throw err;
      log(`${slot.modelId}: not published, its partition went to another member (${errorMessage(err)})`);
      handover.fenced(slot);
      return undefined;
    }
  }

  /** For drift actions, which publish a new version by design: a fenced member says so and stops. */
  async function checkpointOrFenced(slot: ModelSlot): Promise<CheckpointManifest> {
    const manifest = await checkpointNow(slot);
    if (!manifest) throw new StreamlearnError('FENCED', `${slot.modelId}: its partition went to another member during a drift action`, { retriable: true });
    return manifest;
  }

  /** `{ label }`, the original label of a prediction, when the model indexes labels (`indexLabels`). */
  function labelOf(slot: ModelSlot, prediction: number): { label?: Label } {
    const label = (slot.model as Partial<LabelIndexed<Row>>).labelOf?.(prediction);
    return label === undefined ? {} : { label };
  }

  async function publishPredictions(batch: MicroBatch<unknown>, records: DecodedRecord<unknown>[], predictions: Float64Array, slot: ModelSlot) {
    if (outputs.predictionsTopic)
      await sink.send(
        outputs.predictionsTopic,
        predictionMessages(batch, records, predictions, slot.version, (p) => labelOf(slot, p)),
      );
  }

  async function observeAndPublish(
    batch: MicroBatch<unknown>,
    records: DecodedRecord<unknown>[],
    predictions: Float64Array,
    slot: ModelSlot,
    vetted?: Float64Array,
  ) {
    const watch = watchFor(slot);
    if (watch) {
      // Vetting's labels: reading `record.value` again would parse a column record's JSON a second time.
      const ys = vetted ?? Float64Array.from(records, (record) => labelIndex(slot.model, (record.value as Row)[config.label]));
      watch.observe(batch.topic, batch.partition, { length: records.length, at: (i) => records[i]?.offset }, predictions, ys);
    }
    await publishPredictions(batch, records, predictions, slot);
  }

  const progress: TopologyProgress = {
    records: 0,
    learned: 0,
    deadLettered: 0,
    lag: {},
    versions: Object.fromEntries([...slots].map(([id, slot]) => [id, slot.version])),
    metrics: {},
    startedAt: Date.now(),
  };
  // Batches pass through `admitted` until a stop is asked for. The source itself stays subscribed until the
  // final checkpoint is committed, so that the commit is a group member's (a stopped member cannot commit).
  const admitted = new Subject<MicroBatch<Row>>();
  let stopping = false;
  const stopAdmitting = () => {
    stopping = true;
    admitted.complete();
  };
  // `inStep` counts batches between entering the learning step and leaving the checkpoint step: only with none
  // may the idle timer capture a slot, since mid-step a model can hold a batch its offsets do not cover yet.
  const gated = mixing.member ? admitted.pipe(mixing.member.gate<Row>()) : admitted.asObservable();
  const every = mixing.member
    ? { everyRecords: Infinity, everyMs: Infinity, minIntervalMs: 0 }
    : { everyRecords: topology.checkpointEveryRecords, everyMs: topology.checkpointEveryMs, minIntervalMs: topology.checkpointMinIntervalMs };
  const checkpointer = createCheckpointer({ ...every, checkpoint });
  // Drift actions first (they may publish a version themselves), then the due check, both before the next batch.
  const afterBatch = async (learned: LearnedBatch) => {
    await respondToDrift?.(learned);
    await checkpointer.afterStep(learned);
  };
  const steps = (config.transformBatches ? gated.pipe(config.transformBatches) : gated).pipe(
    // A batch of a partition this member no longer holds (revoked while it waited) is left to the new owner.
    filter((batch) => !handover || handover.owns(batch) || (void batch.ack(), false)),
    tap(() => inStep++),
    // Predictions are per event: asked for only when something consumes them (Arrow rows are then made into records).
    learnBatch({
      ...deps,
      slotFor,
      codec: input.codec,
      deadLetter: letters.handOver,
      onPredictions: outputs.predictionsTopic || driftConfig ? observeAndPublish : undefined,
      afterBatch,
      // A user's transformBatches may keep what it was handed; otherwise the step is the last to read the values
      // themselves (Arrow bodies reused: docs/performance.md, "Stop 26").
      releaseDecoded: config.transformBatches === undefined,
    }),
    tap(({ batch }) => void batch.ack()),
    checkpointer.published(),
    tap((step) => {
      inStep--;
      mixing.member?.stepEnded();
      progress.records += step.learned + step.deadLettered;
      progress.learned += step.learned - step.undone;
      progress.deadLettered += step.deadLettered + step.undone;
      progress.lag[`${step.batch.topic}/${step.batch.partition}`] = step.batch.lag;
      progress.versions[step.slot.modelId] = step.slot.version;
      progress.metrics = step.metrics;
      observer?.batchLearned?.(step);
      if (options.until?.(progress)) stopAdmitting();
    }),
  );

  const withProgress = new Subject<TopologyStep & { progress: TopologyProgress }>();
  const learning = lastValueFrom(steps.pipe(tap((step) => withProgress.next({ ...step, progress }))), { defaultValue: undefined });
  const sourceSubscription = (source.batches() as Observable<MicroBatch<Row>>).subscribe({
    next: (batch) => {
      mixing.member?.fetched(batch);
      admitted.next(batch);
    },
    error: (err: unknown) => admitted.error(err),
    complete: stopAdmitting,
  });
  // A broker that is down now may be back at the next tick (the slot stays due); anything else ends the run.
  const idleFailed = (err: unknown) => void (isRetriable(err) || admitted.error(err));
  const idle = setInterval(() => void checkpointIdleSlots().catch(idleFailed), Math.max(50, Math.min(1000, topology.checkpointEveryMs)));
  /** A time-due checkpoint must not wait for a next batch that may never come (input gone idle). */
  async function checkpointIdleSlots(): Promise<void> {
    for (const slot of slots.values()) {
      // Checked when its turn comes, right before the state is captured.
      const due = () => inStep === 0 && !stopping && isDue(slot, every.everyRecords, every.everyMs, Date.now(), every.minIntervalMs);
      const manifest = await exclusive(async () => (due() ? checkpointNow(slot) : undefined));
      if (manifest) progress.versions[slot.modelId] = manifest.version;
    }
  }
  // Connected ahead, once nothing above can throw (`done` closes it): the first version would otherwise wait for
  // the producer's connection. A failure here is the first publish's to retry.
  void checkpointSink.connect().catch(() => undefined);
  const done = (async () => {
    try {
      await learning;
      clearInterval(idle);
      await publishing;
      // A mixing member publishes nothing at the end: `done` still resolves only once every letter is stored.
      await lettersStored();
      // A mixing worker leaves with what it has not mixed: the partitions' next owners learn it again (docs/scale-out.md).
      for (const slot of mixing.member ? [] : slots.values()) {
        const manifest = slot.sinceCheckpoint > 0 ? await checkpoint(slot) : undefined;
        if (manifest) progress.versions[slot.modelId] = manifest.version;
      }
      withProgress.complete();
      return progress;
    } catch (err) {
      withProgress.error(err);
      throw err;
    } finally {
      clearInterval(idle);
      sourceSubscription.unsubscribe();
      await source.stop();
      await mixing.member?.close();
      await Promise.all([sink.close(), checkpointSink.close(), handover?.close()]);
    }
  })();
  done.catch(() => undefined);

  return {
    steps: withProgress.asObservable(),
    // Per-partition models are restored as partitions are assigned, and `onHandover` tells of each.
    restored: fromBeginning || perPartition ? {} : Object.fromEntries([...checkpoints].map(([id, cp]) => [id, cp.manifest.version])),
    done,
    async stop() {
      stopAdmitting();
      return done;
    },
  };
}
