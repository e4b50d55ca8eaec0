import { subscribeModel } from '../../src/checkpoints/subscribe';

/** A `subscribeModel` subscriber that keeps, per version, receivedAt − manifest.createdAt. */
export interface ModelFollower {
  /** Resolves with the first version received: the latest on the topic at subscribe time, so the topic must hold one. */
  ready: Promise<number>;
  /** Latency in ms of each of `versions` that was received; those not received are left out. */
  latencies(versions: readonly number[]): number[];
  /** Waits until `version` is received, or `timeoutMs` passes; true when it was. */
  received(version: number, timeoutMs: number): Promise<boolean>;
  stop(): void;
}

export function followModel(brokers: string[], topic: string, modelId: string): ModelFollower {
  const latency = new Map<number, number>();
  let resolveReady!: (version: number) => void;
  let rejectReady!: (err: unknown) => void;
  const ready = new Promise<number>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  let failure: unknown;
  const subscription = subscribeModel({
    brokers,
    topic,
    modelId,
    onRejected: (reason) => (failure ??= new Error(`a checkpoint was rejected: ${reason}`)),
  }).subscribe({
    next({ manifest, receivedAt }) {
      latency.set(manifest.version, receivedAt - Date.parse(manifest.createdAt));
      resolveReady(manifest.version);
    },
    error(err: unknown) {
      failure = err;
      rejectReady(err);
    },
  });
  return {
    ready,
    latencies: (versions) => versions.filter((v) => latency.has(v)).map((v) => latency.get(v)!),
    async received(version, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!latency.has(version) && Date.now() < deadline) {
        if (failure !== undefined) throw failure;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return latency.has(version);
    },
    stop: () => subscription.unsubscribe(),
  };
}
