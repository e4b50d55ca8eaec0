import { from, Observable } from 'rxjs';
import { ConfigError, DecodeError } from '../../../src/errors';
import {
  createAccuracy,
  createCrossEntropy,
  createLogLoss,
  createMae,
  createRocAuc,
  progressiveValScore,
  type Example,
  type ExampleStream,
} from '../../../src/evaluation';
import { createVectorAssembler, pipeline, type Row } from '../../../src/features';
import type { Estimator, LearnerState } from '../../../src/learners/estimator';
import { createLinearRegression, createLogisticRegression, createSoftmaxRegression } from '../../../src/learners';
import { createRandom } from '../../../src/random';

/** Predicts the label it last learnt for x, or 0: perfect on anything it has already seen. */
function createMemorizer(calls: string[] = []): Estimator<string> {
  const memory = new Map<string, number>();
  return {
    kind: 'Memorizer',
    learnOne(x, y) {
      calls.push(`learn ${x}`);
      memory.set(x, y);
    },
    learnMany(xs, ys) {
      xs.forEach((x, i) => this.learnOne(x, ys[i]));
    },
    predictOne(x) {
      calls.push(`predict ${x}`);
      return memory.get(x) ?? 0;
    },
    predictMany: (xs, out = new Float64Array(xs.length)) => out,
    state: (): LearnerState => ({ kind: 'Memorizer', version: 1, config: {}, arrays: {} }),
  };
}

function linearStream(count: number, seed: number): Example<Float64Array>[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => {
    const x = Float64Array.from([random.gaussian(), random.gaussian()]);
    return [x, 2 * x[0] - x[1] + 0.5 + 0.1 * random.gaussian()] as const;
  });
}

async function* asAsync<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

describe('progressiveValScore', () => {
  it('predicts each example before learning it', async () => {
    const calls: string[] = [];
    await progressiveValScore(
      [
        ['a', 1],
        ['b', 0],
        ['a', 1],
      ],
      createMemorizer(calls),
      createAccuracy(),
    );
    expect(calls).toEqual(['predict a', 'learn a', 'predict b', 'learn b', 'predict a', 'learn a']);
  });

  it('scores every example by a model that has not seen it yet', async () => {
    // Unique inputs with label 1: a memoriser scores 0 prequentially, though it would score 1 after training.
    const stream = Array.from({ length: 100 }, (_, i): Example<string> => [`x${i}`, 1]);
    const { metric, steps, unscored } = await progressiveValScore(stream, createMemorizer(), createAccuracy());
    expect(metric.get()).toBe(0);
    expect([steps, unscored]).toEqual([100, 0]);
    const repeated = await progressiveValScore([...stream, ...stream], createMemorizer(), createAccuracy());
    expect(repeated.metric.get()).toBe(0.5);
  });

  it('gives the same result for an iterable, an async iterable and an Observable', async () => {
    const stream = linearStream(500, 1);
    const run = async (source: ExampleStream<Float64Array>) => {
      const model = createLinearRegression({ numFeatures: 2, stepSize: 0.05 });
      const { metric, metrics, ...rest } = await progressiveValScore(source, model, createMae(), { checkpointEvery: 100 });
      return { ...rest, metric: metric.state(), metrics: Object.keys(metrics), model: model.state() };
    };
    const fromArray = await run(stream);
    const fromAsync = await run(asAsync(stream));
    const fromObservable = await run(from(stream));
    expect(fromAsync).toEqual(fromArray);
    expect(fromObservable).toEqual(fromArray);
    // The model learns as it goes: late errors are far below early ones.
    const [first, , , , last] = fromArray.checkpoints;
    expect(last.value).toBeLessThan(first.value);
  });

  it('takes checkpoints every N steps, each equal to a run over that prefix', async () => {
    const stream = linearStream(250, 2);
    const seen: number[] = [];
    const { checkpoints } = await progressiveValScore(stream, createLinearRegression({ numFeatures: 2 }), createMae(), {
      checkpointEvery: 60,
      onCheckpoint: ({ step }) => seen.push(step),
    });
    expect(checkpoints.map(({ step }) => step)).toEqual([60, 120, 180, 240]);
    expect(seen).toEqual([60, 120, 180, 240]);
    for (const { step, value } of checkpoints) {
      const prefix = await progressiveValScore(stream.slice(0, step), createLinearRegression({ numFeatures: 2 }), createMae());
      expect(prefix.metric.get()).toBe(value);
    }
  });

  it('scores P(class 1) of a binary classifier for probability metrics', async () => {
    const random = createRandom(3);
    const stream = Array.from({ length: 2000 }, (): Example<Float64Array> => {
      const x = Float64Array.from([random.gaussian(), random.gaussian()]);
      return [x, Number(x[0] + x[1] + 0.3 * random.gaussian() > 0)];
    });
    const { metric } = await progressiveValScore(stream, createLogisticRegression({ numFeatures: 2, stepSize: 0.1 }), createLogLoss());
    // Far better than the ln 2 of a coin flip.
    expect(metric.get()).toBeLessThan(0.35);
    await expect(progressiveValScore(stream, createLinearRegression({ numFeatures: 2 }), createLogLoss())).rejects.toThrow(ConfigError);
  });

  it('scores several metrics in one pass, each equal to its own run, with every value in the checkpoints', async () => {
    const random = createRandom(5);
    const stream = Array.from({ length: 900 }, (): Example<Float64Array> => {
      const x = Float64Array.from([random.gaussian(), random.gaussian()]);
      return [x, Number(x[0] - x[1] + 0.3 * random.gaussian() > 0)];
    });
    const create = () => createLogisticRegression({ numFeatures: 2, stepSize: 0.1 });
    const together = await progressiveValScore(stream, create(), [createAccuracy(), createLogLoss(), createRocAuc()], { checkpointEvery: 300 });
    expect(Object.keys(together.metrics)).toEqual(['Accuracy', 'LogLoss', 'ROCAUC']);
    for (const [name, make] of [
      ['Accuracy', createAccuracy],
      ['LogLoss', createLogLoss],
      ['ROCAUC', createRocAuc],
    ] as const) {
      const alone = await progressiveValScore(stream, create(), make());
      expect({ name, value: together.metrics[name].get() }).toEqual({ name, value: alone.metric.get() });
    }
    expect(together.checkpoints.map((c) => Object.keys(c.values))).toEqual([0, 1, 2].map(() => ['Accuracy', 'LogLoss', 'ROCAUC']));
    expect(together.checkpoints[2].values.LogLoss).toBe(together.metrics.LogLoss.get());
    const named = await progressiveValScore(stream, create(), { acc: createAccuracy(), rollingAcc: createAccuracy({ window: 100 }) });
    expect(Object.keys(named.metrics)).toEqual(['acc', 'rollingAcc']);
    await expect(progressiveValScore(stream, create(), [createAccuracy(), createAccuracy()])).rejects.toThrow('two metrics are named "Accuracy"');
  });

  it('scores multiclass cross-entropy from the true class probability; on two classes it is log loss', async () => {
    const random = createRandom(6);
    const three = Array.from({ length: 1500 }, (): Example<Float64Array> => {
      const x = Float64Array.from([random.gaussian(), random.gaussian()]);
      return [x, x[0] > 0.5 ? 2 : x[0] < -0.5 ? 0 : 1];
    });
    const softmax = () => createSoftmaxRegression({ numFeatures: 2, numClasses: 3, stepSize: 0.1 });
    const { metrics } = await progressiveValScore(three, softmax(), [createCrossEntropy(), createAccuracy()]);
    // Well below ln 3 ≈ 1.0986, the cross-entropy of uniform guessing.
    expect(metrics.CrossEntropy.get()).toBeLessThan(0.6);
    // Written out: the mean of −log P(true class) over predictions made before learning each example.
    const model = softmax();
    let sum = 0;
    for (const [x, y] of three) {
      sum += -Math.log(model.predictProbaOne(x)[y]);
      model.learnOne(x, y);
    }
    expect(metrics.CrossEntropy.get()).toBeCloseTo(sum / three.length, 12);
    const binary = three.map(([x, y]): Example<Float64Array> => [x, y === 2 ? 1 : 0]);
    const both = await progressiveValScore(binary, createLogisticRegression({ numFeatures: 2 }), [createCrossEntropy(), createLogLoss()]);
    expect(both.metrics.CrossEntropy.get()).toBeCloseTo(both.metrics.LogLoss.get(), 12);
    await expect(progressiveValScore(binary, createLinearRegression({ numFeatures: 2 }), createCrossEntropy())).rejects.toThrow('not a classifier');
  });

  it('counts NaN predictions as unscored but still learns them', async () => {
    const calls: string[] = [];
    const model = createMemorizer(calls);
    const predictOne = model.predictOne.bind(model);
    model.predictOne = (x) => (x === 'dropped' ? NaN : predictOne(x));
    const result = await progressiveValScore(
      [
        ['dropped', 1],
        ['kept', 0],
      ],
      model,
      createAccuracy(),
    );
    expect([result.steps, result.unscored, result.metric.count()]).toEqual([2, 1, 1]);
    expect(calls).toContain('learn dropped');
  });

  it('evaluates a pipeline on raw records, leaving the records it drops unscored', async () => {
    const random = createRandom(4);
    const stream = Array.from({ length: 1000 }, (_, i): Example<Row> => {
      const a = random.gaussian();
      const b = random.gaussian();
      return [{ a: i % 10 === 0 ? null : a, b }, Number(a - b > 0)];
    });
    const model = pipeline(
      createVectorAssembler({ inputCols: ['a', 'b'], handleInvalid: 'skip' }),
      createLogisticRegression({ numFeatures: 2, stepSize: 0.1 }),
    );
    const { metric, steps, unscored } = await progressiveValScore(stream, model, createRocAuc({ window: 300 }));
    expect([steps, unscored, metric.count()]).toEqual([1000, 100, 300]);
    expect(metric.get()).toBeGreaterThan(0.95);
  });

  it('rejects malformed examples and passes stream errors on', async () => {
    const malformed = [['a', 1], ['b']] as unknown as Example<string>[];
    await expect(progressiveValScore(malformed, createMemorizer(), createAccuracy())).rejects.toThrow(DecodeError);
    await expect(progressiveValScore(malformed, createMemorizer(), createAccuracy())).rejects.toThrow(/example 1 must be \[x, y\]/);
    const failing = new Observable<Example<string>>((subscriber) => {
      subscriber.next(['a', 1]);
      subscriber.error(new Error('broker went away'));
    });
    await expect(progressiveValScore(failing, createMemorizer(), createAccuracy())).rejects.toThrow('broker went away');
    await expect(progressiveValScore([], createMemorizer(), createAccuracy(), { checkpointEvery: -1 })).rejects.toThrow(ConfigError);
  });
});
