/**
 * Published behaviour on synthetic change points: every detector finds an abrupt change within the
 * delay bound documented in docs/drift.md, and raises no more false alarms than documented, before the
 * change and on long stationary streams. Streams and seeds are fixed, so each figure is reproducible.
 */
import { createDriftDetector, type DriftDetectorSpec } from '../../../src/drift';
import { bernoulli, measureDetection, median, normal } from './streams';

type Gen = ReturnType<typeof normal>;

interface BoundCase {
  spec: DriftDetectorSpec;
  stream: string;
  before: Gen;
  after: Gen;
  /** Bounds over 20 seeds, change at 2000 of 4000. */
  maxMedianDelay: number;
  maxDelay: number;
  maxFalseAlarms: number;
  /** Bound over 5 stationary streams of 20 000 values drawn from `before`. */
  maxStationaryAlarms: number;
}

const cases: BoundCase[] = [
  {
    spec: { kind: 'ADWIN' },
    stream: 'error rate 0.2 → 0.5',
    before: bernoulli(0.2),
    after: bernoulli(0.5),
    maxMedianDelay: 128,
    maxDelay: 200,
    maxFalseAlarms: 0,
    maxStationaryAlarms: 0,
  },
  {
    spec: { kind: 'ADWIN' },
    stream: 'N(0, 1) → N(1, 1)',
    before: normal(0, 1),
    after: normal(1, 1),
    maxMedianDelay: 64,
    maxDelay: 128,
    maxFalseAlarms: 0,
    maxStationaryAlarms: 0,
  },
  {
    spec: { kind: 'PageHinkley', mode: 'up' },
    stream: 'error rate 0.2 → 0.5',
    before: bernoulli(0.2),
    after: bernoulli(0.5),
    maxMedianDelay: 200,
    maxDelay: 300,
    maxFalseAlarms: 1,
    maxStationaryAlarms: 5,
  },
  {
    spec: { kind: 'DDM' },
    stream: 'error rate 0.2 → 0.5',
    before: bernoulli(0.2),
    after: bernoulli(0.5),
    maxMedianDelay: 400,
    maxDelay: 2000,
    maxFalseAlarms: 5,
    maxStationaryAlarms: 3,
  },
  {
    spec: { kind: 'KSWIN', alpha: 0.0001 },
    stream: 'N(0, 1) → N(2, 1)',
    before: normal(0, 1),
    after: normal(2, 1),
    maxMedianDelay: 30,
    maxDelay: 100,
    maxFalseAlarms: 5,
    maxStationaryAlarms: 20,
  },
];

describe.each(cases)('$spec.kind $spec on $stream', (c) => {
  const create = () => createDriftDetector(c.spec);

  it('detects the change in every run, within the documented delay, with few false alarms before it', () => {
    const summary = measureDetection(create, 20, 4000, 2000, c.before, c.after);
    console.log(`${c.spec.kind} ${c.stream}: ${JSON.stringify({ ...summary, median: median(summary.delays) })}`);
    expect(summary.missed).toBe(0);
    expect(median(summary.delays)).toBeLessThanOrEqual(c.maxMedianDelay);
    expect(summary.delays[summary.delays.length - 1]).toBeLessThanOrEqual(c.maxDelay);
    expect(summary.falseAlarms).toBeLessThanOrEqual(c.maxFalseAlarms);
  });

  it('stays quiet on stationary streams', () => {
    const summary = measureDetection(create, 5, 20000, 20000, c.before, c.before);
    console.log(`${c.spec.kind} stationary ${c.stream}: ${summary.falseAlarms}`);
    expect(summary.falseAlarms).toBeLessThanOrEqual(c.maxStationaryAlarms);
  });
});

test('KSWIN false-alarm rate on a stationary stream is close to its α per test, as a KS test at level α should be', () => {
  const alpha = 0.005;
  const summary = measureDetection(() => createDriftDetector({ kind: 'KSWIN', alpha }), 2, 10000, 10000, normal(0, 1), normal(0, 1));
  const rate = summary.falseAlarms / (2 * 10000);
  expect(rate).toBeGreaterThan(alpha / 4);
  expect(rate).toBeLessThan(alpha * 2);
});
