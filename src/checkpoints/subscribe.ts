import { Observable } from 'rxjs';
import { connectionOf, type KafkaConnection } from '../../connectors/kafka/connection';
import { readTopic } from '../../connectors/kafka/topic-reader';
import { errorMessage } from '../errors';
import '../builtins';
import type { Estimator } from '../learners/estimator';
import { fromState, prepareKinds } from '../learners/registry';
import type { Checkpoint } from './envelope';
import type { CheckpointManifest } from './manifest';
import { createCheckpointAssembler } from './records';

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
}

/**
 * Every new version of a model, verified (SHA-256) and rebuilt through the learner registry. On
 * subscribe, the topic is read from its start and only the latest version at that time is emitted;
 * after that each newer version is emitted as it arrives. Versions never go backwards.
 */
export function subscribeModel<X = unknown>(config: SubscribeModelConfig): Observable<ModelVersion<X>> {
  const { topic, modelId, onRejected } = config;
  return new Observable<ModelVersion<X>>((subscriber) => {
    const assembler = createCheckpointAssembler(modelId);
    let newest: Checkpoint | undefined;
    let live = false;
    let emitted = 0;
    // Emissions are chained: a kind's setup (NeuralNet's backend) is awaited, and versions stay in order.
    let emitting = Promise.resolve();
    const emit = (checkpoint: Checkpoint) => {
      if (checkpoint.manifest.version <= emitted) return;
      emitted = checkpoint.manifest.version;
      emitting = emitting
        .then(() => prepareKinds(checkpoint.state))
        .then(() => subscriber.next({ manifest: checkpoint.manifest, model: fromState<X>(checkpoint.state), receivedAt: Date.now() }))
        .catch((err: unknown) => onRejected?.(`${modelId} v${checkpoint.manifest.version}: ${errorMessage(err)}`));
    };
    const subscription = readTopic({ ...connectionOf(config), topic, follow: true }).subscribe({
      next(event) {
        if (event.type === 'caught-up') {
          live = true;
          if (newest) emit(newest);
          return;
        }
        const { record } = event;
        try {
          const checkpoint = assembler.push(record, `${topic}/${record.partition}@${record.offset}`);
          if (!checkpoint) return;
          if (live) emit(checkpoint);
          else if (!newest || checkpoint.manifest.version > newest.manifest.version) newest = checkpoint;
        } catch (err) {
          onRejected?.(errorMessage(err));
        }
      },
      error: (err: unknown) => subscriber.error(err),
      complete: () => subscriber.complete(),
    });
    return () => subscription.unsubscribe();
  });
}
