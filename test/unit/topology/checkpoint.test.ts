import { Subject, lastValueFrom, toArray } from 'rxjs';
import { DEAD_LETTER_HEADERS } from '../../../connectors/dead-letter';
import { createAccuracy, createRmse, createRocAuc } from '../../../src/evaluation';
import { DivergedError } from '../../../src/errors';
import { encodeMetricStates, resumeMetrics } from '../../../src/topology/metric-state';
import type { ModelSlot } from '../../../src/topology/model-slot';
import { createCheckpointer, isDue } from '../../../src/topology/operators/checkpoint-when-due';
import type { Failure } from '../../../src/topology/operators/dead-letters';
import { captureHealthy } from '../../../src/topology/operators/divergence';
import type { LearnedBatch } from '../../../src/topology/operators/learn-batch';
import { newSlot, restoreSnapshot } from '../../../src/topology/restore';
import { healthProblem } from '../../../src/topology/slot-health';
import { bytesOf, learnAll, linearEvents, regressionTopology } from './harness';
import type { CheckpointManifest } from '../../../src/checkpoints/manifest';

describe('checkpointWhenDue', () => {
  const slotWith = (sinceCheckpoint: number, lastCheckpointAt: number) =>
    ({ ...newSlot(regressionTopology(), 'm'), sinceCheckpoint, lastCheckpointAt }) as ModelSlot;

  it('is due after everyRecords records or everyMs, and never with nothing new', () => {
    expect(isDue(slotWith(100, 0), 100, Infinity, 1)).toBe(true);
    expect(isDue(slotWith(99, 0), 100, Infinity, 1)).toBe(false);
    expect(isDue(slotWith(1, 0), Infinity, 1000, 1000)).toBe(true);
    expect(isDue(slotWith(1, 0), Infinity, 1000, 999)).toBe(false);
    expect(isDue(slotWith(0, 0), 1, 1, 1e12)).toBe(false);
  });

  it('waits minIntervalMs after the previous checkpoint, however many records came (a high record rate)', () => {
    expect(isDue(slotWith(1_000_000, 5000), 20_000, Infinity, 5999, 1000)).toBe(false);
    expect(isDue(slotWith(1_000_000, 5000), 20_000, Infinity, 6000, 1000)).toBe(true);
    expect(isDue(slotWith(1, 5000), Infinity, 500, 5999, 1000)).toBe(false);
    expect(isDue(slotWith(0, 5000), 1, 1, 1e12, 1000)).toBe(false);
    expect(() => regressionTopology({ checkpoint: { everyRecords: 10, minIntervalMs: -1 } })).toThrow(
      'checkpoint.minIntervalMs must be a finite number of ms ≥ 0, got -1',
    );
    expect(regressionTopology({ checkpoint: { everyRecords: 10, minIntervalMs: 250 } }).checkpointMinIntervalMs).toBe(250);
    expect(regressionTopology().checkpointMinIntervalMs).toBe(0);
  });

  it('checkpoints the slot of a step when due, in order, and passes the other steps through', async () => {
    const slot = slotWith(0, Date.now());
    const published: number[] = [];
    const checkpointer = createCheckpointer({
      everyRecords: 25,
      everyMs: Infinity,
      checkpoint: async (s, captured) => {
        published.push(s.sinceCheckpoint);
        captured();
        s.sinceCheckpoint = 0;
        s.version++;
        return { version: published.length } as CheckpointManifest;
      },
    });
    const steps = new Subject<LearnedBatch>();
    const out = lastValueFrom(steps.pipe(checkpointer.published(), toArray()));
    for (let i = 0; i < 6; i++) {
      slot.sinceCheckpoint += 10;
      const step = { slot, learned: 10, undone: 0, deadLettered: 0, metrics: {} } as unknown as LearnedBatch;
      await checkpointer.afterStep(step);
      steps.next(step);
    }
    steps.complete();
    const results = await out;
    expect(published).toEqual([30, 30]);
    expect(results.map((step) => step.published?.version)).toEqual([undefined, undefined, 1, undefined, undefined, 2]);
  });

  it('covers the records up to the step that was due, however slow the store: learning runs at most one publish ahead', async () => {
    // A store that takes 30 ms per publish while a batch of 10 is learned in microseconds. When the due check
    // lagged behind learning (a second concatMap), the learner ran ahead during each publish and the next
    // version covered everything learned meanwhile (here up to all 200 records), not everyRecords.
    const covered: number[] = [];
    let chain: Promise<unknown> = Promise.resolve();
    const checkpointer = createCheckpointer({
      everyRecords: 25,
      everyMs: Infinity,
      checkpoint: (slot, captured) => {
        const run = chain.then(async () => {
          const count = slot.sinceCheckpoint;
          const version = slot.version + 1;
          captured();
          await new Promise((resolve) => setTimeout(resolve, 30));
          covered.push(count);
          slot.version = version;
          slot.sinceCheckpoint -= count;
          return { version } as CheckpointManifest;
        });
        chain = run;
        return run;
      },
    });
    const run = await learnAll(regressionTopology(), bytesOf(linearEvents(200)), { maxRecords: 10, afterBatch: (step) => checkpointer.afterStep(step) });
    expect(run.steps.map((step) => step.learned)).toEqual(Array(20).fill(10));
    await chain;
    // Due at 30, 60, ... 180 records: every version covers the 3 batches up to its step, none more.
    expect(covered).toEqual(Array(6).fill(30));
    expect(run.slots.get('0')!.sinceCheckpoint).toBe(20);
  });
});

describe('captureHealthy: no checkpoint with exploded weights or metrics', () => {
  it('rolls back, dead-letters the batch that exploded the model (DIVERGED) and captures the state without it', async () => {
    const topology = regressionTopology({ guards: { maxAbsWeight: 50, labels: { outliers: false } } });
    const events = linearEvents(40);
    events[25] = { x0: 1, x1: 1, y: 1e5 };
    const run = await learnAll(topology, bytesOf(events), { maxRecords: 10 });
    const slot = run.slots.get('0')!;
    expect(healthProblem(slot.model.state(), slot.metrics, 50)).toMatch(/beyond ±50/);
    const failures: Failure[] = [];
    const deps = { label: 'y', maxAbsWeight: 50, restore: (s: ModelSlot, snapshot: ModelSlot['lastGood']) => restoreSnapshot(topology, s, snapshot) };
    const capture = await captureHealthy(slot, deps, async (found) => void failures.push(...found));

    expect(failures.map((f) => f.record.offset)).toEqual(Array.from({ length: 10 }, (_, i) => String(20 + i)));
    expect(new Set(failures.map((f) => (f.error as DivergedError).code))).toEqual(new Set(['DIVERGED']));
    expect(healthProblem(capture.snapshot.state, slot.metrics, 50)).toBeNull();
    expect(capture.snapshot.examplesSeen).toBe(30);
    expect(capture.journaled.size).toBe(3);
    expect(capture.offsets).toEqual([{ topic: 'memory', partition: 0, offset: '40' }]);

    // The same as learning the three good batches alone.
    const clean = await learnAll(regressionTopology(), bytesOf([...events.slice(0, 20), ...events.slice(30)]), { maxRecords: 10 });
    expect(capture.snapshot.state.arrays).toEqual(clean.slots.get('0')!.model.state().arrays);
    expect(capture.metrics).toEqual(clean.steps.at(-1)!.metrics);
  });

  it('refuses to capture when even the last good state is unhealthy', async () => {
    const topology = regressionTopology({ guards: { maxAbsWeight: 1e-9 } });
    const slot = newSlot(topology, 'm');
    slot.model.learnOne({ x0: 1, x1: 1 }, 1);
    slot.lastGood = { ...slot.lastGood, state: slot.model.state() };
    const deps = { label: 'y', maxAbsWeight: 1e-9, restore: (s: ModelSlot, snapshot: ModelSlot['lastGood']) => restoreSnapshot(topology, s, snapshot) };
    await expect(captureHealthy(slot, deps, async () => undefined)).rejects.toThrow(DivergedError);
  });

  it('takes an infinite metric as unhealthy', () => {
    const slot = newSlot(regressionTopology(), 'm');
    slot.metrics.rmse.update(1e300, -1e300);
    expect(healthProblem(slot.model.state(), slot.metrics)).toMatch(/metric rmse/);
  });
});

describe('metric state in checkpoints', () => {
  it('resumes windows, sums and counts exactly through JSON', () => {
    const make = () => ({ rmse: createRmse(), rolling: createRmse({ window: 7 }), accuracy: createAccuracy({ window: 5 }), auc: createRocAuc({ window: 9 }) });
    const original = make();
    const feed = (metrics: ReturnType<typeof make>, from: number, to: number) => {
      for (let i = from; i < to; i++) {
        metrics.rmse.update(Math.sin(i), Math.cos(i));
        metrics.rolling.update(Math.sin(i), -0);
        metrics.accuracy.update(i % 2, (i >> 1) % 2);
        metrics.auc.update(i % 2, Math.abs(Math.sin(i * 3)));
      }
    };
    feed(original, 0, 23);
    const stored = JSON.parse(JSON.stringify(encodeMetricStates(original)));
    const resumed = resumeMetrics(make(), stored) as ReturnType<typeof make>;
    feed(original, 23, 50);
    feed(resumed, 23, 50);
    for (const name of Object.keys(original) as Array<keyof ReturnType<typeof make>>) expect([name, resumed[name].get()]).toEqual([name, original[name].get()]);
    expect(Object.values(original).every((metric) => Number.isFinite(metric.get()))).toBe(true);
  });

  it('starts a metric fresh when the checkpoint has none of that name and kind', () => {
    const stored = JSON.parse(JSON.stringify(encodeMetricStates({ rmse: createRmse() })));
    const resumed = resumeMetrics({ rmse: createAccuracy(), other: createRmse() }, stored);
    expect(resumed.rmse.kind).toBe('Accuracy');
    expect(resumed.other.count()).toBe(0);
    expect(resumeMetrics({ a: createRmse() }, undefined).a.count()).toBe(0);
  });
});

it('names the dead-letter headers the docs describe', () => {
  expect(DEAD_LETTER_HEADERS).toMatchObject({ code: 'x-error-code', offset: 'x-source-offset', rows: 'x-source-rows', truncated: 'x-truncated' });
});
