/** Every detector keeps the contract of src/drift/detector.ts. */
import {
  Adwin,
  createDriftDetector,
  driftDetectorFromState,
  driftDetectorKinds,
  registerDriftDetector,
  type DriftDetector,
  type DriftDetectorSpec,
} from '../../../src/drift';
import { CheckpointError, ConfigError, NonFiniteError } from '../../../src/errors';
import type { ModelState } from '../../../src/state';
import { abruptStream, normal } from './streams';

const specs: DriftDetectorSpec[] = [{ kind: 'ADWIN', clock: 8 }, { kind: 'PageHinkley', threshold: 20 }, { kind: 'DDM' }, { kind: 'KSWIN', seed: 5 }];

/** Errors 0/1 whose rate jumps from 0.1 to 0.6 at 1500, then back at 3000: several detections. */
const stream = abruptStream(4500, 1500, 11, normal(0.1, 0.3), normal(0.6, 0.3)).map((v, i) => ((i >= 3000 ? v - 0.5 : v) > 0.5 ? 1 : 0));

function throughCheckpoint(state: ModelState): ModelState {
  const arrays: ModelState['arrays'] = {};
  for (const [key, value] of Object.entries(state.arrays)) arrays[key] = value.slice();
  return { ...JSON.parse(JSON.stringify({ kind: state.kind, version: state.version, config: state.config })), arrays };
}

function trace(detector: DriftDetector, values: Float64Array): string[] {
  return Array.from(values, (v) => `${detector.update(v)} ${detector.statistic} ${detector.threshold}`);
}

/** Index of the first drift at or after `from` (false alarms before it are this file's concern elsewhere). */
function firstDriftFrom(detector: DriftDetector, values: Float64Array, from: number): number {
  for (let i = 0; i < values.length; i++) if (detector.update(values[i]!) === 'drift' && i >= from) return i;
  return values.length;
}

describe.each(specs)('$kind', (spec) => {
  it('detects at least one drift on the test stream', () => {
    const detector = createDriftDetector(spec);
    trace(detector, stream);
    expect(detector.detections).toBeGreaterThan(0);
    expect(detector.count).toBe(stream.length);
  });

  it('reports the direction of the first drift: the error rose', () => {
    const detector = createDriftDetector(spec);
    expect(detector.direction).toBe(0);
    expect(firstDriftFrom(detector, stream, 1500)).toBeLessThan(3000);
    expect(detector.direction).toBe(1);
  });

  it('continues bit for bit after a state round trip, whatever the point of the checkpoint', () => {
    for (const cut of [700, 1600, 2222]) {
      const original = createDriftDetector(spec);
      trace(original, stream.subarray(0, cut));
      const restored = driftDetectorFromState(throughCheckpoint(original.state()));
      expect(restored.kind).toBe(spec.kind);
      expect([restored.status, restored.count, restored.detections]).toEqual([original.status, original.count, original.detections]);
      expect(trace(restored, stream.subarray(cut))).toEqual(trace(original, stream.subarray(cut)));
    }
  });

  it('after reset() behaves exactly like a new detector', () => {
    const used = createDriftDetector(spec);
    trace(used, stream);
    used.reset();
    expect([used.count, used.detections, used.status]).toEqual([0, 0, 'stable']);
    expect(trace(used, stream)).toEqual(trace(createDriftDetector(spec), stream));
  });

  it('rejects a non-finite value, naming the detector, and learns nothing from it', () => {
    const detector = createDriftDetector(spec);
    trace(detector, stream.subarray(0, 100));
    const before = JSON.stringify(throughCheckpoint(detector.state()).config) + detector.count;
    expect(() => detector.update(Number.NaN)).toThrow(NonFiniteError);
    expect(() => detector.update(Number.POSITIVE_INFINITY)).toThrow(new RegExp(`^${spec.kind}: .*Infinity`));
    expect(JSON.stringify(throughCheckpoint(detector.state()).config) + detector.count).toBe(before);
  });
});

test.each([{ kind: 'ADWIN' }, { kind: 'PageHinkley' }, { kind: 'KSWIN' }] as DriftDetectorSpec[])(
  '$kind reports a fall of the watched value as direction −1',
  (spec) => {
    const detector = createDriftDetector(spec);
    const falling = abruptStream(3000, 1500, 4, normal(3, 1), normal(0, 1));
    expect(firstDriftFrom(detector, falling, 1500)).toBeLessThan(3000);
    expect(detector.direction).toBe(-1);
  },
);

describe('configuration and restore errors', () => {
  it.each([
    [{ kind: 'ADWIN', delta: 2 }, /ADWIN: delta must be in \(0, 1\), got 2/],
    [{ kind: 'ADWIN', maxBuckets: 1 }, /ADWIN: maxBuckets must be an integer ≥ 2/],
    [{ kind: 'PageHinkley', mode: 'sideways' }, /PageHinkley: mode must be one of up, down, both/],
    [{ kind: 'DDM', warningThreshold: 4 }, /DDM: warningThreshold \(4\) must not exceed driftThreshold \(3\)/],
    [{ kind: 'KSWIN', windowSize: 50, statSize: 30 }, /KSWIN: windowSize \(50\) must be at least twice statSize/],
    [{ kind: 'CUSUM' }, /unknown drift detector kind "CUSUM" \(known: ADWIN, PageHinkley, DDM, KSWIN\)/],
  ])('%j is refused', (spec, message) => {
    expect(() => createDriftDetector(spec as DriftDetectorSpec)).toThrow(ConfigError);
    expect(() => createDriftDetector(spec as DriftDetectorSpec)).toThrow(message);
  });

  it('DDM refuses a loss outside [0, 1]: it watches errors', () => {
    expect(() => createDriftDetector({ kind: 'DDM' }).update(2.5)).toThrow(/DDM: watches errors in \[0, 1\]/);
  });

  it('a state with a missing or mistyped array is refused, naming it', () => {
    const state = createDriftDetector({ kind: 'ADWIN' }).state();
    expect(() => driftDetectorFromState({ ...state, arrays: { ...state.arrays, counts: new Float64Array(0) } })).toThrow(CheckpointError);
    expect(() => driftDetectorFromState({ ...state, arrays: {} })).toThrow(/ADWIN: state array 'counts' must be a Int32Array/);
    expect(() => driftDetectorFromState({ ...state, kind: 'Nope' })).toThrow(CheckpointError);
  });
});

test('a user registers a detector kind once; specs can then name it', () => {
  registerDriftDetector('TightADWIN', { create: () => new Adwin({ delta: 0.5 }), fromState: (state) => Adwin.fromState(state) });
  expect(driftDetectorKinds()).toEqual(['ADWIN', 'PageHinkley', 'DDM', 'KSWIN', 'TightADWIN']);
  const detector = createDriftDetector({ kind: 'TightADWIN' } as never);
  expect((detector as Adwin).config.delta).toBe(0.5);
  expect(() => registerDriftDetector('ADWIN', { create: () => new Adwin(), fromState: Adwin.fromState })).toThrow(
    /drift detector kind 'ADWIN' is registered twice/,
  );
});
