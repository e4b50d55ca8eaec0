/**
 * The drift scenarios' topology and event stream, shared by the broker-backed tests
 * (test/integration/topology/drift-actions.test.ts) and their in-process twins over the fake kafkajs
 * (test/unit/topology/drift-run.test.ts): a logistic regression on label = [x0 > 0], watched by ADWIN.
 */
import { createJsonCodec } from '../../connectors/codecs/json';
import { createAccuracy } from '../../src/evaluation';
import { pipeline } from '../../src/features/pipeline';
import { createVectorAssembler } from '../../src/features/vector-assembler';
import { createLogisticRegression } from '../../src/learners';
import { createRandom } from '../../src/random';
import type { DriftRecord } from '../../src/topology/drift-record';
import type { Checkpoint } from '../../src/checkpoints/envelope';
import { readDriftExtra, type DriftAction, type DriftWatchConfig } from '../../src/topology/drift-watch';
import type { TopologyOptions } from '../../src/topology/topology';
import { readyMadeTopology } from '../../src/topology/topology';

export const DRIFT_TOTAL = 6000;
/** Where every scenario's concept changes (or its burst of corrupted labels begins). */
export const CHANGE_AT = 3000;

export interface DriftEvent {
  x0: number;
  x1: number;
  label: number;
}

/** label = [x0 > 0], except where `flipped(i)`: there the concept is inverted. */
export function driftEvents(flipped: (i: number) => boolean): DriftEvent[] {
  const rng = createRandom(3);
  return Array.from({ length: DRIFT_TOTAL }, (_, i) => {
    const x0 = rng.gaussian();
    const x1 = rng.gaussian();
    return { x0, x1, label: x0 > 0 !== flipped(i) ? 1 : 0 };
  });
}

/** Checkpoints every 500 records in batches of 200, unless `options` says otherwise; `drift` overrides fields of the watch. */
export function driftTopology(action: DriftAction, options: TopologyOptions & { prefix: string }, drift: Partial<DriftWatchConfig> = {}) {
  return readyMadeTopology(
    'drift-test',
    { batch: { maxRecords: 200 }, ...options },
    {
      codec: createJsonCodec(),
      label: 'label',
      model: () =>
        pipeline(createVectorAssembler({ inputCols: ['x0', 'x1'], outputCol: 'features' }), createLogisticRegression({ numFeatures: 2, stepSize: 0.5 })),
      metrics: () => ({ accuracy: createAccuracy(), rollingAccuracy: createAccuracy({ window: 500 }) }),
      drift: { detector: { kind: 'ADWIN' }, on: 'error', action, ...drift },
    },
  );
}

/** The replaced model is archived as the next version (a checkpoint may have landed since the detection), the new one follows it. */
export function expectArchivedThenReplaced(modelId: string, record: DriftRecord): void {
  const archived = /@drift-v(\d+)$/.exec(record.archivedAs ?? '');
  expect(record.archivedAs?.startsWith(`${modelId}@drift-v`)).toBe(true);
  expect(Number(archived?.[1])).toBeGreaterThan(record.modelVersion);
  expect(record.newVersion).toBe(Number(archived?.[1]) + 1);
}

/**
 * The restart scenario of rollback: clean events, then 200 with random labels (the restored checkpoint is
 * taken at their end, its rolling error high), clean again after the restart, then the concept inverted.
 * The detection of the inversion comes with a rolling error below the restored checkpoint's, so only a
 * version kept on the model topic from before the noise is a target.
 */
export const NOISE_END = CHANGE_AT + 200;
export const INVERTED_FROM = NOISE_END + 1000;
export function noisyThenInverted(): DriftEvent[] {
  const coin = createRandom(11);
  const noise = Array.from({ length: NOISE_END - CHANGE_AT }, () => coin.next() < 0.5);
  return driftEvents((i) => (i >= CHANGE_AT && i < NOISE_END ? noise[i - CHANGE_AT]! : i >= INVERTED_FROM));
}

/** What a kept version offers a rollback: its version, where it stood, and the rolling error its manifest recorded. */
export interface KeptPoint {
  version: number;
  offset: number;
  rollingError: number;
}

export function keptPoints(kept: readonly Checkpoint[]): KeptPoint[] {
  return kept.map(({ manifest }) => {
    const watch = readDriftExtra(manifest)!;
    return { version: manifest.version, offset: Number(manifest.offsets[0]!.offset), rollingError: watch.rollingSum / watch.rollingWeight };
  });
}

/** Before the restart: the topic keeps the restored version (at the end of the noise) and one from before the noise. */
export function expectKeptAcrossTheNoise(kept: readonly KeptPoint[]): void {
  expect(kept.length).toBeGreaterThanOrEqual(2);
  expect(kept[kept.length - 1]!.offset).toBe(NOISE_END);
  expect(kept.some((k) => k.offset <= CHANGE_AT)).toBe(true);
}

/** After it: the first upward detection, at the inversion, rolled back to the right kept version. */
export function expectRolledBackToKept(kept: readonly KeptPoint[], drift: readonly DriftRecord[], modelId: string): DriftRecord {
  const restored = kept[kept.length - 1]!;
  const first = drift.find((d) => d.direction === 'up' && Number(d.offset) >= NOISE_END);
  expect(first).toBeDefined();
  expect(Number(first!.offset)).toBeGreaterThanOrEqual(INVERTED_FROM);
  expect(first!.action).toBe('rollback');
  // The restored checkpoint (the only target a restart used to keep) had a worse rolling error than the model at the detection ...
  expect(first!.rollingError!).toBeLessThan(restored.rollingError);
  // ... so the right target is the newest kept version with a lower one, taken before the noisy labels.
  const target = [...kept].reverse().find((k) => k.rollingError < first!.rollingError!)!;
  expect(target.offset).toBeLessThanOrEqual(CHANGE_AT);
  expect(first!.rolledBackTo).toBe(target.version);
  expectArchivedThenReplaced(modelId, first!);
  return first!;
}

/** The two topologies of the restart scenario: alert only before the restart (same detector, so it resumes), rollback after. */
export function restartTopologies(prefix: string) {
  return {
    before: driftTopology('alert', { prefix, checkpoint: { everyRecords: 500, everyMs: 600_000 } }, { rollingHalfLife: 200 }),
    // No checkpoint after the restart before the detection: the rollback can only return to a version read back from the topic.
    after: driftTopology('rollback', { prefix, checkpoint: { everyRecords: 100_000, everyMs: 600_000 } }, { rollingHalfLife: 200 }),
  };
}
