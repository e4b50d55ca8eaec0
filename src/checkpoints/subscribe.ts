import { Observable } from 'rxjs';
import { connectionOf, type KafkaConnection } from '../../connectors/kafka/connection';
import { readTopic } from '../../connectors/kafka/topic-reader';
import { errorMessage } from '../errors';
import '../builtins';
import type { Estimator } from '../learners/estimator';
import { fromState, prepareKinds } from '../learners/registry';
import type { Checkpoint } from './envelope';
import type { CheckpointManifest } from './manifest';
import { createCheckpointAssembler, type CheckpointRecord } from './records';
import type { ManifestVerifier } from './signing';

/** A verified model version, rebuilt and ready to predict. */
export interface ModelVersion<X = unknown> {
  manifest: CheckpointManifest;
  model: Estimator<X>;
  /** When this process received it, for publish-to-subscriber latency. */
  receivedAt: number;
}

export interface SubscribeModelConfig extends KafkaConnection {
  topic: string;
  modelId: string;
  /** Called for a checkpoint that fails verification; it is skipped and the stream goes on. */
  onRejected?(reason: string): void;
  /** Refuse versions this key did not sign; the model in hand is kept. */
  verifier?: ManifestVerifier;
  /** Longest the broker holds a fetch open while the topic is idle (readTopic's default, 100 ms); a new record answers it at once. */
  maxWaitMs?: number;
}

/**
 * Every new version of a model, verified (SHA-256, and the Ed25519 signature with a verifier) and rebuilt
 * through the learner registry. A record that fails is reported to `onRejected` and skipped. On
 * subscribe, the topic is read from its start and only the latest version at that time is emitted;
 * after that each newer version is emitted as it arrives. Versions never go backwards.
 */
export function subscribeModel<X = unknown>(config: SubscribeModelConfig): Observable<ModelVersion<X>> {
  const { topic, modelId, onRejected, verifier, maxWaitMs } = config;
  return new Observable<ModelVersion<X>>((subscriber) => {
    const follower = createVersionFollower<X>({ modelId, verifier, onRejected, emit: (version) => subscriber.next(version) });
    const subscription = readTopic({ ...connectionOf(config), topic, follow: true, maxWaitMs }).subscribe({
      next: (event) =>
        event.type === 'caught-up' ? follower.caughtUp() : follower.push(event.record, `${topic}/${event.record.partition}@${event.record.offset}`),
      error: (err: unknown) => subscriber.error(err),
      complete: () => subscriber.complete(),
    });
    return () => subscription.unsubscribe();
  });
}

export interface VersionFollowerConfig<X> extends Pick<SubscribeModelConfig, 'modelId' | 'onRejected' | 'verifier'> {
  emit(version: ModelVersion<X>): void;
}

export interface VersionFollower {
  push(record: CheckpointRecord, where: string): void;
  caughtUp(): void;
  /** Resolves once every version chosen so far has been emitted (or rejected). */
  settled(): Promise<void>;
}

/**
 * The subscriber's logic over model-topic records, without Kafka: until `caughtUp()`, only the newest
 * good version is held; then it is emitted, and each newer good version after it. A record that fails
 * (not a checkpoint, hash, chunks, signature, or a state no learner can rebuild) goes to `onRejected` and
 * the follower goes on with the model it has. Emissions are chained: a kind's setup (NeuralNet's backend)
 * is awaited, and versions stay in order.
 */
export function createVersionFollower<X>({ modelId, verifier, onRejected, emit }: VersionFollowerConfig<X>): VersionFollower {
  const assembler = createCheckpointAssembler({ modelId, verifier });
  let newest: Checkpoint | undefined;
  let live = false;
  let emitted = 0;
  let emitting = Promise.resolve();
  const deliver = (checkpoint: Checkpoint) => {
    if (checkpoint.manifest.version <= emitted) return;
    emitted = checkpoint.manifest.version;
    emitting = emitting
      .then(() => prepareKinds(checkpoint.state))
      .then(() => emit({ manifest: checkpoint.manifest, model: fromState<X>(checkpoint.state), receivedAt: Date.now() }))
      .catch((err: unknown) => onRejected?.(`${modelId} v${checkpoint.manifest.version}: ${errorMessage(err)}`));
  };
  return {
    push(record, where) {
      let checkpoint: Checkpoint | undefined;
      try {
        checkpoint = assembler.push(record, where);
      } catch (err) {
        onRejected?.(errorMessage(err));
      }
      if (!checkpoint) return;
      if (live) deliver(checkpoint);
      else newest = checkpoint;
    },
    caughtUp() {
      live = true;
      if (newest) deliver(newest);
      newest = undefined;
    },
    settled: () => emitting,
  };
}
